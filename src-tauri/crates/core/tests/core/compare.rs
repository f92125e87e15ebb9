//! Comparisons: columns priced before sending, run concurrently, one failure isolated, a column
//! retried alone, ratings and order saved, CSV export parsed back.

use promptledger_core::ProviderKind;
use promptledger_core::export::comparison_csv;
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::runs::RunStatus;
use promptledger_core::pricing::Pricer;
use promptledger_core::providers::{
    ChatRequest, Endpoint, HttpSettings, Message, ProviderClient, Role,
};
use promptledger_core::runner::compare::{Column, summarize};
use promptledger_core::runner::{RunEvent, RunSpec, Runner};
use promptledger_core::vault::Secret;
use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

fn column(provider: ProviderKind, url: &str, model: &str) -> Column {
    let base = if provider == ProviderKind::Openai {
        format!("{url}/v1")
    } else {
        url.to_string()
    };
    Column {
        label: format!("{}/{model}", provider.as_str()),
        spec: RunSpec::new(
            Endpoint::new(provider, Some(&base), Some(Secret::new("sk-test-cmp"))).unwrap(),
            ChatRequest {
                model: model.into(),
                system: None,
                messages: vec![Message {
                    role: Role::User,
                    content: "Name a color.".into(),
                }],
                temperature: None,
                max_tokens: Some(100),
                stream: false,
            },
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_columns_one_failing_then_retried() {
    let c = Counts {
        prompt: 1000,
        output: 500,
        ..Counts::default()
    };
    let fast = FakeServer::start(vec![Reply::json(wire::openai_chat(
        "gpt-4o-mini",
        "Blue.",
        c,
    ))]);
    let slow = FakeServer::start(vec![
        Reply::json(wire::anthropic_message(
            "claude-sonnet-4-5",
            "Green, probably.",
            c,
        ))
        .after(Duration::from_millis(300)),
    ]);
    let broken = FakeServer::start(vec![
        Reply::status_json(500, wire::openai_error("server_error", "", "boom"))
            .header("x-should-retry", "false"),
        Reply::json(wire::openai_chat("gpt-4o", "Red.", c)),
    ]);
    let ledger = Arc::new(Mutex::new(Ledger::open_in_memory().unwrap()));
    let runner = Runner::new(
        ProviderClient::new(HttpSettings::default()).unwrap(),
        ledger.clone(),
        Pricer::bundled(),
    );
    let columns = vec![
        column(ProviderKind::Openai, fast.url(), "gpt-4o-mini"),
        column(ProviderKind::Anthropic, slow.url(), "claude-sonnet-4-5"),
        column(ProviderKind::Openai, broken.url(), "gpt-4o"),
    ];
    let est = runner.estimate_compare(&columns).unwrap();
    assert_eq!(est.columns.len(), 3);
    assert!(est.max_total > est.min_total);
    let labels: Vec<String> = columns.iter().map(|c| c.label.clone()).collect();
    let id = ledger
        .lock()
        .unwrap()
        .create_comparison("Name a color.", None, &labels)
        .unwrap();
    let texts: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::new());
    let on_event = |i: usize, e: RunEvent| {
        if let RunEvent::Text(t) = e {
            texts.lock().unwrap().push((i, t));
        }
    };
    let t = std::time::Instant::now();
    let outcomes = runner
        .compare(id, &columns, &on_event, &CancellationToken::new())
        .await;
    assert!(
        t.elapsed() < Duration::from_millis(900),
        "columns ran concurrently: {:?}",
        t.elapsed()
    );
    let records: Vec<_> = outcomes
        .iter()
        .map(|o| o.result.as_ref().unwrap().record.clone())
        .collect();
    assert_eq!(
        records.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![RunStatus::Ok, RunStatus::Ok, RunStatus::Error]
    );
    assert_eq!(
        records[2].error_code.as_deref(),
        Some("provider_unavailable")
    );
    assert!(
        texts
            .lock()
            .unwrap()
            .iter()
            .any(|(i, t)| *i == 1 && t.contains("Green"))
    );
    let s = summarize(&records.iter().map(Some).collect::<Vec<_>>());
    assert_eq!(
        (s.cheapest, s.fastest, s.most_output_per_dollar),
        (Some(0), Some(0), Some(0))
    );

    // Retry the failed column alone: it points at the new run; the old run stays recorded.
    let retry = runner
        .compare(id, &columns[2..], &|_, _| {}, &CancellationToken::new())
        .await;
    assert!(retry.len() == 1);
    let new_run = retry[0].result.as_ref().unwrap().record.id;
    let mut l = ledger.lock().unwrap();
    l.set_column_run(id, 2, new_run).unwrap();
    l.set_column_run(id, 0, records[0].id).unwrap();
    let cmp = l.comparison(id).unwrap();
    assert_eq!(cmp.columns[2].run_id, Some(new_run));
    assert_eq!(l.run_count().unwrap(), 4);

    // Order, ratings, best, hidden and notes are saved.
    let mut cols = cmp.columns.clone();
    cols.swap(0, 1);
    cols[0].rating = Some(5);
    cols[0].is_best = true;
    cols[2].hidden = true;
    let saved = l
        .update_comparison(id, &cols, Some("Claude reads best"))
        .unwrap();
    assert_eq!(saved.columns[0].label, "anthropic/claude-sonnet-4-5");
    assert_eq!(
        (
            saved.columns[0].rating,
            saved.columns[0].is_best,
            saved.columns[2].hidden
        ),
        (Some(5), true, true)
    );
    assert_eq!(saved.notes.as_deref(), Some("Claude reads best"));
    cols[1].is_best = true;
    assert!(
        l.update_comparison(id, &cols, None).is_err(),
        "one best answer at most"
    );

    // CSV: one row per column, totals match the ledger.
    let csv = comparison_csv(&l, id).unwrap();
    let mut rd = csv::Reader::from_reader(csv.as_slice());
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    let head = rd.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let total: i64 = rows
        .iter()
        .map(|r| r[col("cost_nano_usd")].parse::<i64>().unwrap())
        .sum();
    assert_eq!(total, l.comparison(id).unwrap().cost_nano_usd.0);
    assert_eq!(&rows[0][col("rating")], "5");
    assert_eq!(&rows[0][col("output")], "Green, probably.");
}

#[tokio::test]
async fn a_column_that_cannot_be_priced_stops_the_comparison_before_sending() {
    let s = FakeServer::start(vec![Reply::json("{}")]);
    let runner = Runner::new(
        ProviderClient::new(HttpSettings::default()).unwrap(),
        Arc::new(Mutex::new(Ledger::open_in_memory().unwrap())),
        Pricer::bundled(),
    );
    let cols = vec![
        column(ProviderKind::Openai, s.url(), "gpt-4o"),
        column(ProviderKind::Openai, s.url(), "gpt-9-ultra"),
    ];
    let err = runner.estimate_compare(&cols).unwrap_err();
    assert!(
        err.to_string().contains("column 2 (openai/gpt-9-ultra)"),
        "{err}"
    );
    assert!(
        runner.estimate_compare(&cols[..1]).is_err(),
        "at least two targets"
    );
    assert_eq!(s.hits(), 0);
}
