//! The run service, as both faces call it: the app with saved keys only
//! (`KeySource::Keychain`), the CLI with the environment key too (`KeySource::KeychainOrEnv`).
//! The cases where the two faces used to drift must come out the same from both: a key of
//! another provider, a temperature out of range, a comparison from a template — and nothing is
//! ever sent when the request is refused.

use promptledger_core::keys::KeyManager;
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::budgets::{BudgetMode, BudgetPeriod, BudgetScope, NewBudget};
use promptledger_core::ledger::keys::NewKeyRecord;
use promptledger_core::pricing::Pricer;
use promptledger_core::providers::{HttpSettings, ProviderClient};
use promptledger_core::runner::{
    CompareRequest, ConversationChoice, KeySource, PromptInput, RunRequest, RunService, Runner,
    TargetRequest,
};
use promptledger_core::vault::{MemoryStore, Secret, SecretStore};
use promptledger_core::{ErrorCode, NanoUsd, ProviderKind};
use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

const SOURCES: [KeySource; 2] = [KeySource::Keychain, KeySource::KeychainOrEnv];

struct Rig {
    service: RunService,
    ledger: Arc<Mutex<Ledger>>,
}

/// A service over an in-memory ledger with an OpenAI key (at `openai_url`) and an Anthropic
/// key (at `anthropic_url`) saved, each its provider's default.
fn rig(source: KeySource, openai_url: &str, anthropic_url: &str) -> Rig {
    let ledger = Arc::new(Mutex::new(Ledger::open_in_memory().unwrap()));
    let store = Arc::new(MemoryStore::default());
    for (id, provider, url) in [
        ("k-openai", "openai", format!("{openai_url}/v1")),
        ("k-anthropic", "anthropic", anthropic_url.to_string()),
    ] {
        store.put(id, &Secret::new("sk-test-service-0000")).unwrap();
        ledger
            .lock()
            .unwrap()
            .insert_key(
                &NewKeyRecord {
                    id: id.into(),
                    provider: provider.into(),
                    label: format!("{provider} key"),
                    last_four: "0000".into(),
                    base_url: Some(url),
                    organization: None,
                    project: None,
                    display_name: None,
                },
                0,
            )
            .unwrap();
    }
    let client = ProviderClient::new(HttpSettings {
        max_retries: 0,
        ..HttpSettings::default()
    })
    .unwrap();
    let keys = KeyManager::new(store, client.clone(), ledger.clone());
    let runner = Runner::new(client, ledger.clone(), Pricer::bundled());
    Rig {
        service: RunService::new(runner, keys, source),
        ledger,
    }
}

fn openai_reply() -> Reply {
    Reply::json(wire::openai_chat(
        "gpt-4o-mini",
        "Hello, Ada.",
        Counts {
            prompt: 12,
            output: 4,
            ..Counts::default()
        },
    ))
}

fn ask(target: TargetRequest) -> RunRequest {
    RunRequest {
        stream: false,
        ..RunRequest::new(target, PromptInput::Text("Say hello.".into()))
    }
}

#[test]
fn a_key_of_another_provider_is_the_same_typed_error_in_both_faces() {
    let server = FakeServer::start(vec![openai_reply()]);
    for source in SOURCES {
        let rig = rig(source, server.url(), server.url());
        let mut target = TargetRequest::new(ProviderKind::Openai, "gpt-4o-mini");
        target.key_id = Some("k-anthropic".into());
        let req = ask(target);
        for err in [
            rig.service.prepare(&req).unwrap_err(),
            rig.service.estimate(&req).unwrap_err(),
        ] {
            assert_eq!(err.code(), ErrorCode::InvalidInput, "{source:?}: {err}");
            assert_eq!(
                err.to_string(),
                "key k-anthropic belongs to anthropic, not openai"
            );
        }
    }
    assert_eq!(server.hits(), 0, "nothing is sent");
}

#[test]
fn temperature_out_of_range_is_invalid_input_from_the_core() {
    let server = FakeServer::start(vec![openai_reply()]);
    for source in SOURCES {
        let rig = rig(source, server.url(), server.url());
        for t in [7.0, -0.1, f64::NAN] {
            let mut target = TargetRequest::new(ProviderKind::Openai, "gpt-4o-mini");
            target.temperature = Some(t);
            let err = rig.service.prepare(&ask(target.clone())).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
            assert!(err.to_string().contains("outside 0–2"), "{err}");
            // A comparison checks every column the same way.
            let cmp = CompareRequest::new(
                vec![
                    target,
                    TargetRequest::new(ProviderKind::Anthropic, "claude-haiku-4-5"),
                ],
                PromptInput::Text("Hi".into()),
            );
            let err = rig.service.prepare_compare(&cmp).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
            assert!(
                err.to_string().starts_with("column 1 (openai/gpt-4o-mini"),
                "{err}"
            );
        }
        assert!(
            rig.ledger
                .lock()
                .unwrap()
                .comparisons(10)
                .unwrap()
                .is_empty()
        );
    }
    assert_eq!(server.hits(), 0, "nothing is sent");
}

#[test]
fn no_saved_key_is_invalid_key_and_a_keyless_provider_needs_none() {
    let rig = rig(
        KeySource::Keychain,
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
    );
    let err = rig
        .service
        .prepare(&ask(TargetRequest::new(
            ProviderKind::Gemini,
            "gemini-2.5-flash",
        )))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidKey);
    assert!(
        err.to_string().contains("no Google Gemini key yet"),
        "{err}"
    );
    let ollama = rig
        .service
        .prepare(&ask(TargetRequest::new(ProviderKind::Ollama, "llama3.2")))
        .unwrap();
    assert!(ollama.spec().endpoint.api_key.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comparison_from_a_template_is_the_same_in_both_faces() {
    for source in SOURCES {
        let openai = FakeServer::start(vec![openai_reply()]);
        let anthropic = FakeServer::start(vec![Reply::json(wire::anthropic_message(
            "claude-haiku-4-5",
            "Hi Ada.",
            Counts {
                prompt: 15,
                output: 3,
                ..Counts::default()
            },
        ))]);
        let rig = rig(source, openai.url(), anthropic.url());
        let template = rig
            .ledger
            .lock()
            .unwrap()
            .save_template("greet", "Greet {{name}} warmly.", Some("Be brief."))
            .unwrap();
        let vars = BTreeMap::from([("name".to_string(), "Ada".to_string())]);
        let req = CompareRequest {
            stream: false,
            ..CompareRequest::new(
                vec![
                    TargetRequest::new(ProviderKind::Openai, "gpt-4o-mini"),
                    TargetRequest::new(ProviderKind::Anthropic, "claude-haiku-4-5"),
                ],
                PromptInput::Template {
                    name: "greet".into(),
                    vars: vars.clone(),
                },
            )
        };
        let estimate = rig.service.estimate_compare(&req).unwrap();
        assert_eq!(estimate.columns.len(), 2);
        let prepared = rig.service.prepare_compare(&req).unwrap();
        let id = prepared.id;
        let outcomes = rig
            .service
            .compare(prepared, &|_, _| {}, &CancellationToken::new())
            .await;
        for o in &outcomes {
            let run = &o.result.as_ref().unwrap().record;
            assert_eq!(run.prompt.as_deref(), Some("Greet Ada warmly."));
            assert_eq!(run.system_prompt.as_deref(), Some("Be brief."));
            assert_eq!(run.template, Some((template.id, template.version)));
        }
        for server in [&openai, &anthropic] {
            let sent = server.requests();
            assert_eq!(sent.len(), 1, "{source:?}");
            assert!(
                sent[0].body.contains("Greet Ada warmly."),
                "{}",
                sent[0].body
            );
        }
        let saved = rig.ledger.lock().unwrap().comparison(id).unwrap();
        assert_eq!(saved.prompt, "Greet Ada warmly.");
        let attached: Vec<_> = saved.columns.iter().map(|c| c.run_id).collect();
        let recorded: Vec<_> = outcomes
            .iter()
            .map(|o| Some(o.result.as_ref().unwrap().record.id))
            .collect();
        assert_eq!(attached, recorded);
        // An unknown variable is refused before anything is saved or sent.
        let mut bad = req.clone();
        bad.prompt = PromptInput::Template {
            name: "greet".into(),
            vars: BTreeMap::from([("nmae".to_string(), "Ada".to_string())]),
        };
        let err = rig.service.prepare_compare(&bad).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert_eq!(rig.ledger.lock().unwrap().comparisons(10).unwrap().len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_the_byte_bound_cannot_settle_is_checked_with_the_exact_count() {
    // 4,000 copies of a one-token word: about 4,000 tokens, but 20,000 bytes. At gpt-4o-mini's
    // $0.15/1M input and $0.60/1M output with 16 output tokens, the exact worst case is about
    // $0.0006 and the byte bound about $0.003; a $0.001 block budget lies between them.
    let server = FakeServer::start(vec![openai_reply()]);
    let rig = rig(KeySource::KeychainOrEnv, server.url(), server.url());
    rig.ledger
        .lock()
        .unwrap()
        .add_budget(&NewBudget {
            name: "Tight".into(),
            scope: BudgetScope::All,
            period: BudgetPeriod::Day,
            limit_nano: NanoUsd::from_usd_str("0.001").unwrap(),
            mode: BudgetMode::Block,
        })
        .unwrap();
    let mut target = TargetRequest::new(ProviderKind::Openai, "gpt-4o-mini");
    target.max_tokens = Some(16);
    let mut req = ask(target);
    req.prompt = PromptInput::Text("hello ".repeat(4000));
    let prepared = rig.service.prepare(&req).unwrap();
    let exact = prepared.estimate().expect("counted for the budget");
    assert!(
        exact.max_cost < NanoUsd::from_usd_str("0.001").unwrap(),
        "{exact:?}"
    );
    let out = rig
        .service
        .run(prepared, &mut |_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(out.record.usage.output_tokens, 4);

    // Twice the prompt breaks it even counted exactly: refused, nothing sent.
    req.prompt = PromptInput::Text("hello ".repeat(8000));
    req.conversation = ConversationChoice::Start;
    let err = rig.service.prepare(&req).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BudgetExceeded);
    assert_eq!(server.hits(), 1);
    assert!(
        rig.ledger
            .lock()
            .unwrap()
            .conversations(10)
            .unwrap()
            .is_empty(),
        "a refused run starts no conversation"
    );
}

#[test]
fn a_comparisons_shared_key_serves_its_provider_only_and_must_exist() {
    let rig = rig(
        KeySource::Keychain,
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
    );
    let mut req = CompareRequest::new(
        vec![
            TargetRequest::new(ProviderKind::Openai, "gpt-4o-mini"),
            TargetRequest::new(ProviderKind::Anthropic, "claude-haiku-4-5"),
        ],
        PromptInput::Text("Hi".into()),
    );
    req.shared_key = Some("k-anthropic".into());
    let prepared = rig.service.prepare_compare(&req).unwrap();
    let keys: Vec<_> = prepared
        .columns
        .iter()
        .map(|(_, run)| run.spec().key_id.clone())
        .collect();
    assert_eq!(
        keys,
        [
            Some("k-openai".to_string()),
            Some("k-anthropic".to_string())
        ],
        "the shared key serves its provider; the other column uses its default"
    );
    req.shared_key = Some("k-missing".into());
    let err = rig.service.prepare_compare(&req).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}
