//! The app's command layer without a window: the Playground and Compare inputs, exactly as the
//! UI sends them (camelCase JSON), go through the same core run service as the CLI and give the
//! same typed errors for the cases where the two faces used to drift.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use promptledger_app::commands::compare::CompareInput;
use promptledger_app::commands::runs::PlayInput;
use promptledger_app::error::UiError;
use promptledger_core::ErrorCode;
use promptledger_core::keys::KeyManager;
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::keys::NewKeyRecord;
use promptledger_core::pricing::Pricer;
use promptledger_core::providers::{HttpSettings, ProviderClient};
use promptledger_core::runner::{KeySource, RunService, Runner};
use promptledger_core::vault::{MemoryStore, Secret, SecretStore};
use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply};
use serde_json::json;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

/// The service as `AppState::service` builds it (saved keys only), over an in-memory ledger
/// with an OpenAI and an Anthropic key at `url`.
fn service(url: &str) -> (RunService, Arc<Mutex<Ledger>>) {
    let ledger = Arc::new(Mutex::new(Ledger::open_in_memory().unwrap()));
    let store = Arc::new(MemoryStore::default());
    for (id, provider, base) in [
        ("k-openai", "openai", format!("{url}/v1")),
        ("k-anthropic", "anthropic", url.to_string()),
    ] {
        store.put(id, &Secret::new("sk-test-app-0000")).unwrap();
        let record = NewKeyRecord {
            id: id.into(),
            provider: provider.into(),
            label: provider.into(),
            last_four: "0000".into(),
            base_url: Some(base),
            organization: None,
            project: None,
            display_name: None,
        };
        ledger.lock().unwrap().insert_key(&record, 0).unwrap();
    }
    let client = ProviderClient::new(HttpSettings::default()).unwrap();
    let keys = KeyManager::new(store, client.clone(), ledger.clone());
    let runner = Runner::new(client, ledger.clone(), Pricer::bundled());
    (RunService::new(runner, keys, KeySource::Keychain), ledger)
}

fn play(fields: serde_json::Value) -> PlayInput {
    let mut input =
        json!({"runToken": "t1", "provider": "openai", "model": "gpt-4o-mini", "prompt": "Hi"});
    input
        .as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    serde_json::from_value(input).unwrap()
}

fn ui(e: promptledger_core::CoreError) -> UiError {
    UiError::from(e)
}

#[test]
fn playground_input_gets_the_cores_typed_errors() {
    let server = FakeServer::start(vec![]);
    let (svc, _) = service(server.url());
    // A key of another provider: the core's error, not a silent switch to the key's provider.
    let req = play(json!({"keyId": "k-anthropic"})).request(None).unwrap();
    let err = ui(svc.prepare(&req).unwrap_err());
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(
        err.message,
        "key k-anthropic belongs to anthropic, not openai"
    );
    let err = ui(svc.estimate(&req).unwrap_err());
    assert_eq!(err.code, ErrorCode::InvalidInput);
    // Temperature 7.
    let req = play(json!({"temperature": 7.0})).request(None).unwrap();
    let err = ui(svc.prepare(&req).unwrap_err());
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("outside 0–2"), "{}", err.message);
    // The code reaches the UI as its snake_case name.
    let sent = serde_json::to_value(&err).unwrap();
    assert_eq!(sent["code"], "invalid_input");
    assert_eq!(server.hits(), 0, "nothing is sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_input_with_a_template_runs_every_column_on_the_filled_prompt() {
    let c = Counts {
        prompt: 20,
        output: 5,
        ..Counts::default()
    };
    let server = FakeServer::start(vec![
        Reply::json(wire::openai_chat("gpt-4o-mini", "Hello, Ada.", c)),
        Reply::json(wire::openai_chat("gpt-4o", "Hi Ada.", c)),
    ]);
    let (svc, ledger) = service(server.url());
    ledger
        .lock()
        .unwrap()
        .save_template("greet", "Greet {{name}} warmly.", Some("Be brief."))
        .unwrap();
    let input: CompareInput = serde_json::from_value(json!({
        "runToken": "c1",
        "prompt": "",
        "targets": [
            {"provider": "openai", "model": "gpt-4o-mini", "maxTokens": 50},
            {"provider": "openai", "keyId": "k-openai", "model": "gpt-4o", "temperature": 0.5},
        ],
        "template": "greet",
        "vars": {"name": "Ada"},
    }))
    .unwrap();
    let req = input.request().unwrap();
    let prepared = svc.prepare_compare(&req).unwrap();
    assert_eq!(
        prepared
            .columns
            .iter()
            .map(|(l, _)| l.as_str())
            .collect::<Vec<_>>(),
        ["openai/gpt-4o-mini · max 50", "openai/gpt-4o · t=0.5"]
    );
    let outcomes = svc
        .compare(prepared, &|_, _| {}, &CancellationToken::new())
        .await;
    for o in outcomes {
        let run = o.result.unwrap().record;
        assert_eq!(run.prompt.as_deref(), Some("Greet Ada warmly."));
        assert_eq!(run.system_prompt.as_deref(), Some("Be brief."));
    }
    assert_eq!(server.hits(), 2);
    // Temperature 7 in one column is refused for the whole comparison.
    let bad: CompareInput = serde_json::from_value(json!({
        "runToken": "c2",
        "prompt": "Hi",
        "targets": [
            {"provider": "openai", "model": "gpt-4o-mini", "temperature": 7},
            {"provider": "openai", "model": "gpt-4o"},
        ],
    }))
    .unwrap();
    let err = ui(svc.prepare_compare(&bad.request().unwrap()).unwrap_err());
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(server.hits(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operation_input_runs_through_the_same_service_as_the_cli() {
    use promptledger_app::commands::operations::OperationInput;
    use promptledger_core::Operation;
    let server = promptledger_testkit::operations::server();
    let (svc, _ledger) = service(server.url());
    let input = |fields: serde_json::Value| -> OperationInput {
        let mut v = json!({"runToken": "o1", "operation": "embedding", "provider": "openai",
                           "keyId": "k-openai", "model": "text-embedding-3-small"});
        v.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        serde_json::from_value(v).unwrap()
    };
    // The text box: one input per line, blank lines dropped — as the CLI reads stdin.
    let req = input(json!({"text": "alpha beta\n\n  gamma  \n"}))
        .request()
        .unwrap();
    let out = svc
        .run_operation(
            svc.prepare_operation(&req).unwrap(),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(out.record.operation, Operation::Embedding);
    assert_eq!(out.record.items, Some(2));
    // The fake server bills words + 1 per input: 3 + 2 tokens at 20 nano-USD.
    assert_eq!(out.record.breakdown.total_nano_usd.0, 100);
    // The core's typed errors, as `promptledger embed` gets them.
    let err = ui(svc
        .prepare_operation(&input(json!({"text": " \n "})).request().unwrap())
        .unwrap_err());
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(
        err.message,
        "invalid input: give at least one text to embed"
    );
    let err = ui(svc
        .prepare_operation(
            &input(
                json!({"text": "x", "provider": "anthropic", "keyId": "k-anthropic",
                          "model": "claude-haiku-4-5"}),
            )
            .request()
            .unwrap(),
        )
        .unwrap_err());
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(
        err.message.contains("Anthropic has no embedding API"),
        "{}",
        err.message
    );
    assert_eq!(
        server.requests().len(),
        1,
        "only the valid request was sent"
    );
}
