//! The Keys screen in the real window, against a loopback fake provider and the real keychain:
//! a good key is validated and shown as `…abcd`; a bad key shows the provider's reason and
//! nothing is saved; the secret is then nowhere in the app's data directory.

use fantoccini::Locator;
use promptledger_testkit::wire;
use promptledger_testkit::{FakeServer, Reply};

use super::{Driver, click, connect, screenshot, set_field, wait_for, wait_text};

fn holds(dir: &std::path::Path, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            found.extend(holds(&p, needle));
        } else if std::fs::read(&p)
            .unwrap()
            .windows(needle.len())
            .any(|w| w == needle)
        {
            found.push(p.display().to_string());
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_screen_validates_before_saving() {
    const GOOD: &str = "sk-test-window-Qm4hWx9z";
    const BAD: &str = "sk-test-window-bad-0000";
    let server = FakeServer::start(vec![
        Reply::json(wire::openai_models(&["gpt-4o", "gpt-4o-mini"])),
        Reply::status_json(
            401,
            wire::openai_error(
                "invalid_request_error",
                "invalid_api_key",
                "Incorrect API key provided: sk-...0000.",
            ),
        ),
    ]);
    let base = format!("{}/v1", server.url());
    let driver = Driver::start(4454);
    let c = connect(&driver).await;
    click(&c, "[data-screen=keys]").await;

    set_field(&c, "[data-testid=key-label]", "work").await;
    set_field(&c, "[data-testid=key-secret]", GOOD).await;
    set_field(&c, "[data-testid=key-base-url]", &base).await;
    click(&c, "[data-testid=key-submit]").await;
    wait_text(&c, "[data-testid=key-added]", |t| t.contains("…Wx9z")).await;
    let preview = wait_text(&c, "[data-testid=key-preview]", |t| !t.is_empty()).await;
    assert_eq!(preview, "…Wx9z");
    wait_text(&c, "[data-testid=key-status]", |t| t == "valid").await;
    let field = c
        .wait()
        .for_element(Locator::Css("[data-testid=key-secret]"))
        .await
        .unwrap();
    assert_eq!(
        field.prop("value").await.unwrap().as_deref(),
        Some(""),
        "the key field is cleared"
    );

    set_field(&c, "[data-testid=key-label]", "bad").await;
    set_field(&c, "[data-testid=key-secret]", BAD).await;
    set_field(&c, "[data-testid=key-base-url]", &base).await;
    click(&c, "[data-testid=key-submit]").await;
    let err = wait_text(&c, "[data-testid=key-error]", |t| {
        t.contains("Incorrect API key")
    })
    .await;
    assert!(err.contains("Nothing was saved"), "{err}");
    wait_for(&c, "tr[data-key-id]", true).await;
    let rows = c.find_all(Locator::Css("tr[data-key-id]")).await.unwrap();
    assert_eq!(rows.len(), 1, "the bad key was not saved");
    screenshot(&c, "window-keys.png").await;
    c.close().await.unwrap();

    assert_eq!(
        server.requests()[0].header("authorization"),
        Some(format!("Bearer {GOOD}").as_str())
    );
    let log = std::fs::read_to_string(driver.data.path().join("app.log")).unwrap();
    assert!(
        log.contains("key_add"),
        "the app's command log is captured: {log}"
    );
    for secret in [GOOD, BAD] {
        let found = holds(driver.data.path(), secret.as_bytes());
        assert!(found.is_empty(), "{secret} found in {found:?}");
    }
}
