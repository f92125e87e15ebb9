//! Key management with the in-memory store (and, in `real_keychain_*`, the OS keychain): keys
//! are validated before anything is saved, failures save nothing, and runs keep key labels.

use promptledger_core::ProviderKind;
use promptledger_core::keys::{KeyManager, NewKey};
use promptledger_core::ledger::Ledger;
use promptledger_core::pricing::Pricer;
use promptledger_core::providers::{ChatRequest, HttpSettings, Message, ProviderClient, Role};
use promptledger_core::runner::{RunSpec, Runner};
use promptledger_core::vault::{KeyringStore, MemoryStore, Secret, SecretStore};
use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply};
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

struct Rig {
    keys: KeyManager,
    store: Arc<MemoryStore>,
    ledger: Arc<Mutex<Ledger>>,
}

fn rig(unavailable: bool) -> Rig {
    let ledger = Arc::new(Mutex::new(Ledger::open_in_memory().unwrap()));
    let store = Arc::new(if unavailable {
        MemoryStore::unavailable()
    } else {
        MemoryStore::default()
    });
    let client = ProviderClient::new(HttpSettings {
        max_retries: 0,
        ..HttpSettings::default()
    })
    .unwrap();
    Rig {
        keys: KeyManager::new(store.clone(), client, ledger.clone()),
        store,
        ledger,
    }
}

fn new_key(url: &str, secret: &str, label: &str) -> NewKey {
    NewKey {
        provider: ProviderKind::Openai,
        label: label.into(),
        secret: Secret::new(secret),
        base_url: Some(format!("{url}/v1")),
        organization: None,
        project: Some("proj_1".into()),
        display_name: None,
    }
}

fn models() -> Reply {
    Reply::json(wire::openai_models(&["gpt-4o", "gpt-4o-mini"]))
}

fn bad_key() -> Reply {
    Reply::status_json(
        401,
        wire::openai_error(
            "invalid_request_error",
            "invalid_api_key",
            "Incorrect API key provided: sk-...dead.",
        ),
    )
}

#[tokio::test]
async fn a_rejected_key_is_not_saved_anywhere() {
    let server = FakeServer::start(vec![bad_key()]);
    let rig = rig(false);
    let err = rig
        .keys
        .add(new_key(server.url(), "sk-test-bad-dead", "work"))
        .await
        .unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_key");
    assert!(
        err.to_string().contains("Incorrect API key"),
        "the provider's reason: {err}"
    );
    assert!(rig.keys.list().unwrap().is_empty());
    assert_eq!(server.requests()[0].path, "/v1/models");
}

#[tokio::test]
async fn no_keychain_means_a_typed_error_and_nothing_saved() {
    let server = FakeServer::start(vec![models()]);
    let rig = rig(true);
    let err = rig
        .keys
        .add(new_key(server.url(), "sk-test-good-1234", "work"))
        .await
        .unwrap_err();
    assert_eq!(err.code().as_str(), "keychain_unavailable");
    assert!(
        err.to_string().contains("Secret Service"),
        "says what to do: {err}"
    );
    assert!(rig.keys.list().unwrap().is_empty());
}

#[tokio::test]
async fn add_default_rename_rotate_remove() {
    let server = FakeServer::start(vec![models(), models(), bad_key(), models()]);
    let rig = rig(false);
    let a = rig
        .keys
        .add(new_key(server.url(), "sk-test-first-1111", "work"))
        .await
        .unwrap();
    assert_eq!(
        (a.preview.as_str(), a.status.as_str(), a.is_default),
        ("…1111", "valid", true)
    );
    assert_eq!(
        server.requests()[0].header("openai-project"),
        Some("proj_1")
    );
    let b = rig
        .keys
        .add(new_key(server.url(), "sk-test-second-2222", "side project"))
        .await
        .unwrap();
    assert!(!b.is_default);
    assert!(rig.keys.set_default(&b.id).unwrap().is_default);
    assert!(!rig.ledger.lock().unwrap().key(&a.id).unwrap().is_default);
    assert_eq!(
        rig.keys.rename(&a.id, "  personal ").unwrap().label,
        "personal"
    );
    assert!(rig.keys.rename(&a.id, " ").is_err());

    // A rejected new secret leaves the old one in place.
    let err = rig
        .keys
        .rotate(&a.id, Secret::new("sk-test-wrong-dead"))
        .await
        .unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_key");
    assert_eq!(rig.store.get(&a.id).unwrap().expose(), "sk-test-first-1111");
    let rotated = rig
        .keys
        .rotate(&a.id, Secret::new("sk-test-rotated-3333"))
        .await
        .unwrap();
    assert_eq!(
        (rotated.id.as_str(), rotated.preview.as_str()),
        (a.id.as_str(), "…3333")
    );
    assert_eq!(
        rig.store.get(&a.id).unwrap().expose(),
        "sk-test-rotated-3333"
    );

    // Removing the default hands the default to the remaining key.
    rig.keys.remove(&b.id).unwrap();
    assert!(rig.store.get(&b.id).is_err());
    let left = rig.keys.list().unwrap();
    assert_eq!(left.len(), 1);
    assert!(left[0].is_default);
}

#[tokio::test]
async fn runs_with_a_saved_key_count_toward_its_spend_and_keep_its_label() {
    let c = Counts {
        prompt: 1000,
        output: 500,
        ..Counts::default()
    };
    let server = FakeServer::start(vec![
        models(),
        Reply::json(wire::openai_chat("gpt-4o", "hi", c)),
        bad_key(),
    ]);
    let rig = rig(false);
    let k = rig
        .keys
        .add(new_key(server.url(), "sk-test-run-4444", "work"))
        .await
        .unwrap();
    let (ep, record) = rig.keys.endpoint(&k.id).unwrap();
    assert_eq!(ep.api_key.as_ref().unwrap().expose(), "sk-test-run-4444");
    let client = ProviderClient::new(HttpSettings {
        max_retries: 0,
        ..HttpSettings::default()
    })
    .unwrap();
    let runner = Runner::new(client, rig.ledger.clone(), Pricer::bundled());
    let spec = RunSpec {
        endpoint: ep,
        chat: ChatRequest {
            model: "gpt-4o".into(),
            system: None,
            messages: vec![Message {
                role: Role::User,
                content: "hi".into(),
            }],
            temperature: None,
            max_tokens: Some(10),
            stream: false,
        },
        key_id: Some(record.id.clone()),
        key_label: Some(record.label.clone()),
        tag: None,
        conversation_id: None,
        comparison_id: None,
        template: None,
        policy: Default::default(),
        batch: None,
    };
    let ok = runner
        .run(&spec, &mut |_| {}, &CancellationToken::new())
        .await
        .unwrap();
    let failed = runner
        .run(&spec, &mut |_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(failed.record.error_code.as_deref(), Some("invalid_key"));
    let k = rig.ledger.lock().unwrap().key(&k.id).unwrap();
    assert_eq!(
        (
            k.runs_this_month,
            k.spend_this_month_nano_usd.0,
            k.error_count
        ),
        (2, 7_500_000, 1)
    );
    assert_eq!(
        (k.status.as_str(), k.last_error_code.as_deref()),
        ("invalid", Some("invalid_key"))
    );
    assert!(k.last_used_at_ms.is_some());
    rig.keys.remove(&k.id).unwrap();
    let run = rig.ledger.lock().unwrap().run(ok.record.id).unwrap();
    assert_eq!(run.key_label.as_deref(), Some("work"));
    assert!(rig.keys.list().unwrap().is_empty());
}

/// The real keychain: Secret Service through gnome-keyring in the test session (scripts/test.sh
/// starts one). Each test runs in its own process under nextest.
#[test]
fn real_keychain_round_trip() {
    let store = KeyringStore;
    let id = format!("test-roundtrip-{}", std::process::id());
    store
        .put(&id, &Secret::new("sk-test-keychain-5555"))
        .unwrap();
    assert_eq!(store.get(&id).unwrap().expose(), "sk-test-keychain-5555");
    store
        .put(&id, &Secret::new("sk-test-keychain-6666"))
        .unwrap();
    assert_eq!(store.get(&id).unwrap().expose(), "sk-test-keychain-6666");
    store.delete(&id).unwrap();
    assert_eq!(store.get(&id).unwrap_err().code().as_str(), "not_found");
    store.delete(&id).unwrap();
}

#[tokio::test]
async fn estimates_read_key_metadata_without_the_keychain() {
    let server = FakeServer::start(vec![models()]);
    let rig = rig(false);
    let k = rig
        .keys
        .add(new_key(server.url(), "sk-test-meta-8888", "work"))
        .await
        .unwrap();
    // Take the secret away: an estimate still gets the endpoint, a run would not.
    rig.store.delete(&k.id).unwrap();
    let (ep, rec) = rig.keys.endpoint_without_secret(&k.id).unwrap();
    assert!(ep.api_key.is_none());
    assert_eq!(
        (ep.base_url.as_str(), ep.project.as_deref(), rec.id.as_str()),
        (
            format!("{}/v1", server.url()).as_str(),
            Some("proj_1"),
            k.id.as_str()
        )
    );
    assert!(rig.keys.endpoint(&k.id).is_err());
}
