//! Settings → Team export in the real window: the backlog a previous app left is sent at
//! start-up; a secret header saved through the form reaches the collector with *Send test span*
//! and is found in no file; the backlog shows while the collector is stopped.

use fantoccini::Locator;
use promptledger_core::ProviderKind;
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::otlp::{OtlpProtocol, OtlpSettings};
use promptledger_core::ledger::runs::{NewRun, RunStatus};
use promptledger_testkit::otlp::{Answer, Receiver};
use std::time::{Duration, Instant};

use super::{Driver, click, connect, screenshot, set_field, wait_text};

fn queued_run(l: &mut Ledger, i: i64) {
    l.insert_run(&NewRun {
        started_at_ms: promptledger_core::ledger::now_ms() - 1000 + i,
        provider: ProviderKind::Openai.as_str().into(),
        model_requested: "gpt-4o-mini".into(),
        status: Some(RunStatus::Ok),
        latency_ms: Some(900),
        attempts: 1,
        ..NewRun::default()
    })
    .unwrap();
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn team_export_backlog_test_span_and_secret_header() {
    let receiver = Receiver::start(vec![Answer::Ok]);
    let driver = Driver::start(4544);
    // A previous app (killed) left three runs queued.
    let db = driver
        .data
        .path()
        .join("com.promptledger.app/ledger.sqlite3");
    {
        let mut l = Ledger::open(&db).unwrap();
        l.set_otlp_settings(&OtlpSettings {
            enabled: true,
            endpoint: receiver.url().to_string(),
            protocol: OtlpProtocol::HttpProtobuf,
            ..OtlpSettings::default()
        })
        .unwrap();
        for i in 0..3 {
            queued_run(&mut l, i);
        }
        assert_eq!(l.otlp_backlog().unwrap().waiting, 3);
    }
    let c = connect(&driver).await;
    c.set_window_size(1024, 700).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while receiver.spans().len() < 3 {
        assert!(
            Instant::now() < deadline,
            "the backlog was not sent at start-up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    click(&c, "[data-screen=settings]").await;
    let backlog = wait_text(&c, "[data-testid=otlp-backlog]", |t| t.contains("All sent")).await;
    assert!(backlog.contains("last accepted"), "{backlog}");
    // A secret header through the form: kept in the keychain, sent on the wire.
    let secret = format!("Bearer {}", ["otlp", "window", "7f3a9c"].join("-"));
    let fieldset = "[data-testid=team-export]";
    c.wait()
        .for_element(Locator::Css(&format!(
            "{fieldset} .headers button.secondary"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    set_field(
        &c,
        &format!("{fieldset} [aria-label='Header 1 name']"),
        "Authorization",
    )
    .await;
    c.wait()
        .for_element(Locator::Css(&format!(
            "{fieldset} .headers .row input[type=checkbox]"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    set_field(
        &c,
        &format!("{fieldset} [aria-label='Header 1 value']"),
        &secret,
    )
    .await;
    // The endpoint as a user types it (the same collector), then save.
    set_field(&c, "[data-testid=otlp-endpoint]", receiver.url()).await;
    click(&c, "[data-testid=otlp-save]").await;
    wait_text(&c, "[data-testid=otlp-message]", |t| t.starts_with("Saved")).await;
    click(&c, "[data-testid=otlp-test]").await;
    let result = wait_text(&c, "[data-testid=otlp-test-result]", |t| !t.is_empty()).await;
    assert!(result.contains("accepted the test span"), "{result}");
    let last = receiver.requests().last().cloned().unwrap();
    assert_eq!(last.header("authorization"), Some(secret.as_str()));
    assert!(
        receiver
            .spans()
            .iter()
            .any(|s| s.attr("promptledger.test") == true),
        "the test span arrived"
    );
    screenshot(&c, "window-team-export.png").await;

    // The collector stops: runs wait, and the screen says why.
    drop(receiver);
    {
        let mut l = Ledger::open(&db).unwrap();
        queued_run(&mut l, 10);
        queued_run(&mut l, 11);
    }
    let waiting = wait_text(&c, "[data-testid=otlp-backlog]", |t| {
        t.contains("2 runs waiting") && t.contains("unreachable")
    })
    .await;
    assert!(waiting.contains("since"), "{waiting}");
    screenshot(&c, "window-team-export-backlog.png").await;
    c.close().await.unwrap();

    // The secret header's value is in no file: not the ledger, the store file or the app's log.
    let mut all = Vec::new();
    files(driver.data.path(), &mut all);
    let token = secret.trim_start_matches("Bearer ");
    for f in all {
        let bytes = std::fs::read(&f).unwrap_or_default();
        assert!(
            !contains(&bytes, token.as_bytes()),
            "the secret is in {}",
            f.display()
        );
    }
}
