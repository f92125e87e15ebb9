//! History search and filters, templates with versions, conversations, and the runner's
//! pre-flight refusals (nothing is sent).

use promptledger_core::ProviderKind;
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::history::{HistoryQuery, HistorySort};
use promptledger_core::ledger::runs::{NewRun, RunStatus};
use promptledger_core::pricing::{Pricer, TokenUsage};
use promptledger_core::providers::{
    ChatRequest, Endpoint, HttpSettings, Message, ProviderClient, Role,
};
use promptledger_core::runner::{RunSpec, Runner};
use promptledger_core::vault::Secret;
use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply};
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

const T0: i64 = 1_763_683_200_000; // 2025-11-21T00:00:00Z

fn run(
    ledger: &mut Ledger,
    at: i64,
    model: &str,
    prompt: &str,
    output: &str,
    input: u64,
    status: RunStatus,
) -> i64 {
    let usage = TokenUsage {
        input_tokens: input,
        output_tokens: 100,
        ..TokenUsage::default()
    };
    let priced = Pricer::bundled()
        .price(ProviderKind::Openai, model, &usage)
        .unwrap();
    ledger
        .insert_run(&NewRun {
            started_at_ms: at,
            provider: "openai".into(),
            model_requested: model.into(),
            priced: Some(priced),
            status: Some(status),
            latency_ms: Some(input as i64),
            attempts: 1,
            tag: Some(if input > 5000 { "big" } else { "small" }.into()),
            prompt: Some(prompt.into()),
            output: Some(output.into()),
            ..NewRun::default()
        })
        .unwrap()
}

fn seeded() -> (Ledger, Vec<i64>) {
    let mut l = Ledger::open_in_memory().unwrap();
    let ids = vec![
        run(
            &mut l,
            T0,
            "gpt-4o",
            "Summarize the quarterly invoice totals",
            "Invoices rose 4%.",
            1000,
            RunStatus::Ok,
        ),
        run(
            &mut l,
            T0 + 60_000,
            "gpt-4o-mini",
            "Write a haiku about autumn",
            "Leaves fall softly",
            20_000,
            RunStatus::Ok,
        ),
        run(
            &mut l,
            T0 + 120_000,
            "gpt-4o",
            "Translate invoice terms to French",
            "",
            3000,
            RunStatus::Error,
        ),
        run(
            &mut l,
            T0 + 86_400_000,
            "gpt-4o-mini",
            "Explain tokenization",
            "Tokens are pieces of text",
            500,
            RunStatus::Ok,
        ),
    ];
    (l, ids)
}

fn ids(l: &Ledger, q: HistoryQuery) -> Vec<i64> {
    l.history(&q).unwrap().iter().map(|r| r.id).collect()
}

#[test]
fn filters_search_sort_and_pages() {
    let (l, id) = seeded();
    assert_eq!(
        ids(&l, HistoryQuery::default()),
        vec![id[3], id[2], id[1], id[0]]
    );
    let q = |search: &str| HistoryQuery {
        search: Some(search.into()),
        ..HistoryQuery::default()
    };
    assert_eq!(ids(&l, q("invoice")), vec![id[2], id[0]]);
    assert_eq!(
        ids(&l, q("invoi")),
        vec![id[2], id[0]],
        "the last word is a prefix"
    );
    assert_eq!(
        ids(&l, q("pieces")),
        vec![id[3]],
        "outputs are searched too"
    );
    assert_eq!(
        ids(&l, q("invoice french")),
        vec![id[2]],
        "all words must match"
    );
    assert_eq!(
        ids(&l, q("\"OR\" NEAR(")),
        Vec::<i64>::new(),
        "operators are literal, not errors"
    );
    let status = HistoryQuery {
        status: Some("error".into()),
        ..HistoryQuery::default()
    };
    assert_eq!(ids(&l, status), vec![id[2]]);
    let model = HistoryQuery {
        model: Some("gpt-4o-mini".into()),
        ..HistoryQuery::default()
    };
    assert_eq!(ids(&l, model), vec![id[3], id[1]]);
    let tag = HistoryQuery {
        tag: Some("big".into()),
        ..HistoryQuery::default()
    };
    assert_eq!(ids(&l, tag), vec![id[1]]);
    let day = HistoryQuery {
        from_ms: Some(T0),
        to_ms: Some(T0 + 86_400_000),
        ..HistoryQuery::default()
    };
    assert_eq!(ids(&l, day), vec![id[2], id[1], id[0]]);
    let cost = HistoryQuery {
        sort: HistorySort::Cost,
        ..HistoryQuery::default()
    };
    assert_eq!(
        ids(&l, cost)[0],
        id[2],
        "3000 gpt-4o input tokens cost the most"
    );
    let slow = HistoryQuery {
        sort: HistorySort::Latency,
        limit: Some(1),
        ..HistoryQuery::default()
    };
    assert_eq!(ids(&l, slow), vec![id[1]]);
    let page2 = HistoryQuery {
        limit: Some(2),
        offset: 2,
        ..HistoryQuery::default()
    };
    assert_eq!(ids(&l, page2), vec![id[1], id[0]]);
    assert!(
        l.history(&HistoryQuery {
            limit: Some(0),
            ..HistoryQuery::default()
        })
        .is_err()
    );
    let row = &l.history(&HistoryQuery::default()).unwrap()[3];
    assert_eq!(
        (
            row.prompt_preview.as_str(),
            row.input_tokens,
            row.output_tokens
        ),
        ("Summarize the quarterly invoice totals", 1000, 100)
    );
}

#[test]
fn deleting_a_run_removes_it_from_search() {
    let (mut l, id) = seeded();
    l.delete_run(id[0]).unwrap();
    let q = HistoryQuery {
        search: Some("invoice".into()),
        ..HistoryQuery::default()
    };
    assert_eq!(ids(&l, q), vec![id[2]]);
}

#[test]
fn templates_keep_versions_and_count_their_runs() {
    let mut l = Ledger::open_in_memory().unwrap();
    let v1 = l
        .save_template("translate", "Translate {{text}} into {{language}}.", None)
        .unwrap();
    assert_eq!(
        (v1.version, v1.variables.clone()),
        (1, vec!["text".to_string(), "language".to_string()])
    );
    let v2 = l
        .save_template(
            "translate",
            "Translate {{text}} into {{language}}, formally.",
            Some("You are a translator."),
        )
        .unwrap();
    assert_eq!((v2.id, v2.version), (v1.id, 2));
    let usage = TokenUsage {
        input_tokens: 1000,
        output_tokens: 500,
        ..TokenUsage::default()
    };
    let priced = Pricer::bundled()
        .price(ProviderKind::Openai, "gpt-4o", &usage)
        .unwrap();
    for _ in 0..2 {
        l.insert_run(&NewRun {
            started_at_ms: T0,
            provider: "openai".into(),
            model_requested: "gpt-4o".into(),
            priced: Some(priced.clone()),
            template: Some((v2.id, v2.version)),
            attempts: 1,
            ..NewRun::default()
        })
        .unwrap();
    }
    let t = l.template("translate").unwrap();
    assert_eq!((t.usage_count, t.spend_nano_usd.0), (2, 15_000_000));
    assert_eq!(l.templates().unwrap().len(), 1);
    assert!(l.save_template(" ", "x", None).is_err());
    assert!(l.save_template("empty", "  ", None).is_err());
    assert_eq!(l.template("nope").unwrap_err().code().as_str(), "not_found");
}

fn spec(url: &str, messages: Vec<Message>, max_tokens: Option<u32>) -> RunSpec {
    RunSpec::new(
        Endpoint::new(
            ProviderKind::Openai,
            Some(&format!("{url}/v1")),
            Some(Secret::new("sk-test-0000")),
        )
        .unwrap(),
        ChatRequest {
            model: "gpt-4o".into(),
            system: None,
            messages,
            temperature: None,
            max_tokens,
            stream: false,
        },
    )
}

#[tokio::test]
async fn conversations_send_earlier_turns_and_add_up() {
    let c1 = Counts {
        prompt: 100,
        output: 50,
        ..Counts::default()
    };
    let c2 = Counts {
        prompt: 300,
        output: 60,
        ..Counts::default()
    };
    let server = FakeServer::start(vec![
        Reply::json(wire::openai_chat("gpt-4o", "Paris.", c1)),
        Reply::json(wire::openai_chat("gpt-4o", "About 2.1 million.", c2)),
    ]);
    let ledger = Arc::new(Mutex::new(Ledger::open_in_memory().unwrap()));
    let runner = Runner::new(
        ProviderClient::new(HttpSettings::default()).unwrap(),
        ledger.clone(),
        Pricer::bundled(),
    );
    let conv = ledger
        .lock()
        .unwrap()
        .create_conversation("What is the capital of France?")
        .unwrap();
    let user = |t: &str| Message {
        role: Role::User,
        content: t.into(),
    };
    let mut first = spec(
        server.url(),
        vec![user("What is the capital of France?")],
        None,
    );
    first.conversation_id = Some(conv);
    runner
        .run(&first, &mut |_| {}, &CancellationToken::new())
        .await
        .unwrap();
    let mut history = ledger.lock().unwrap().conversation_messages(conv).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].content, "Paris.");
    history.push(user("And its population?"));
    let mut second = spec(server.url(), history, None);
    second.conversation_id = Some(conv);
    runner
        .run(&second, &mut |_| {}, &CancellationToken::new())
        .await
        .unwrap();
    let sent = server.requests()[1].json();
    assert_eq!(sent["messages"].as_array().unwrap().len(), 3);
    assert_eq!(sent["messages"][1]["content"], "Paris.");
    let mut l = ledger.lock().unwrap();
    let c = l.conversation(conv).unwrap();
    assert_eq!(c.title, "What is the capital of France?");
    // 100×2.5 + 50×10 and 300×2.5 + 60×10 ($/M).
    assert_eq!(
        (c.turns, c.cost_nano_usd.0, c.last_context_tokens),
        (2, 2_100_000, 300)
    );
    l.rename_conversation(conv, "France").unwrap();
    l.delete_conversation(conv).unwrap();
    assert_eq!(l.run_count().unwrap(), 2, "the runs stay in the ledger");
    assert!(l.conversation(conv).is_err());
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() {
    let server = FakeServer::start(vec![Reply::json("{}")]);
    let ledger = Arc::new(Mutex::new(Ledger::open_in_memory().unwrap()));
    let runner = Runner::new(
        ProviderClient::new(HttpSettings::default()).unwrap(),
        ledger.clone(),
        Pricer::bundled(),
    );
    let user = |t: &str| Message {
        role: Role::User,
        content: t.into(),
    };
    for (s, needle) in [
        (
            spec(server.url(), vec![user("  ")], None),
            "prompt is empty",
        ),
        (
            spec(server.url(), vec![user("hi")], Some(100_000)),
            "over gpt-4o's output limit of 16384",
        ),
        (spec(server.url(), vec![user("hi")], Some(0)), "at least 1"),
    ] {
        let err = runner
            .run(&s, &mut |_| {}, &CancellationToken::new())
            .await
            .unwrap_err();
        assert!(err.to_string().contains(needle), "{err}");
    }
    assert_eq!(server.hits(), 0);
    assert_eq!(ledger.lock().unwrap().run_count().unwrap(), 0);
}
