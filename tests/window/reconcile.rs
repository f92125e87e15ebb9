//! Reconcile in the real window: add an OpenAI admin key (checked with a billing call), sync
//! against the loopback billing server, and see the totals, the chart and the table with the one
//! day that differs highlighted — in light and dark. The admin key is written nowhere but the
//! keychain.

use chrono::{Days, NaiveDate, Utc};
use promptledger_core::ProviderKind;
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::runs::NewRun;
use promptledger_core::pricing::TokenUsage;
use promptledger_testkit::billing::{BillingData, BillingServer, OpenAiCost, OpenAiUsage};

use super::{Driver, click, connect, screenshot, set_field, wait_for, wait_text};

fn ago(n: u64) -> NaiveDate {
    Utc::now().date_naive() - Days::new(n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_key_sync_and_one_mismatched_day_highlighted() {
    let admin = format!("{}{}", "sk-admin-", "window-Qz81Lm2Vx9");
    let driver = Driver::start(4514);
    // Three days of OpenAI runs in the ledger the app will open.
    let db = driver
        .data
        .path()
        .join("com.promptledger.app")
        .join("ledger.sqlite3");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let model = "gpt-4o-mini-2024-07-18";
    let mut usage_rows = Vec::new();
    let mut cost_rows = Vec::new();
    {
        let mut l = Ledger::open(&db).unwrap();
        for (n, (i, o)) in [
            (6u64, (4000u64, 900u64)),
            (4, (2500, 600)),
            (3, (1800, 300)),
        ] {
            let usage = TokenUsage {
                input_tokens: i,
                output_tokens: o,
                ..TokenUsage::default()
            };
            let priced = l
                .pricer()
                .unwrap()
                .price(ProviderKind::Openai, "gpt-4o-mini", &usage)
                .unwrap();
            let cost = priced.breakdown.total_nano_usd.0;
            l.insert_run(&NewRun {
                started_at_ms: ago(n)
                    .and_hms_opt(12, 0, 0)
                    .unwrap()
                    .and_utc()
                    .timestamp_millis(),
                provider: "openai".into(),
                model_requested: "gpt-4o-mini".into(),
                model_resolved: Some(model.into()),
                priced: Some(priced),
                attempts: 1,
                ..NewRun::default()
            })
            .unwrap();
            // Day 4 also carries $0.40 and 60,000 tokens a notebook spent with the same project.
            let outside = n == 4;
            usage_rows.push(OpenAiUsage {
                day: ago(n).to_string(),
                project_id: "proj_main".into(),
                api_key_id: "key_app".into(),
                model: model.into(),
                input_tokens: i as i64 + if outside { 50_000 } else { 0 },
                output_tokens: o as i64 + if outside { 10_000 } else { 0 },
                requests: 1,
                ..OpenAiUsage::default()
            });
            let billed = cost + if outside { 400_000_000 } else { 0 };
            cost_rows.push(OpenAiCost {
                day: ago(n).to_string(),
                project_id: "proj_main".into(),
                line_item: format!("{model}, input"),
                value: format!("{}.{:09}", billed / 1_000_000_000, billed % 1_000_000_000),
            });
        }
    }
    let server = BillingServer::start(BillingData {
        admin_key: admin.clone(),
        openai_usage: usage_rows,
        openai_costs: cost_rows,
        projects: vec![("proj_main".into(), "Main".into(), "active".into())],
        ..BillingData::default()
    });
    let c = connect(&driver).await;

    // Before any admin key, the screen says how to get one.
    click(&c, "[data-screen=reconcile]").await;
    wait_for(&c, "[data-testid=rec-no-admin]", true).await;

    click(&c, "[data-screen=keys]").await;
    wait_text(&c, "[data-testid=admin-keys]", |t| {
        t.contains("whole organisation")
    })
    .await;
    set_field(&c, "[data-testid=admin-label]", "org billing").await;
    // A wrong key is refused before anything is saved.
    set_field(
        &c,
        "[data-testid=admin-secret]",
        &format!("{}{}", "sk-admin-", "wrong"),
    )
    .await;
    set_field(&c, "[data-testid=admin-base-url]", &server.openai_url()).await;
    click(&c, "[data-testid=admin-submit]").await;
    wait_text(&c, "[data-testid=admin-error]", |t| {
        t.contains("Nothing was saved")
    })
    .await;
    set_field(&c, "[data-testid=admin-secret]", &admin).await;
    click(&c, "[data-testid=admin-submit]").await;
    wait_text(&c, "[data-testid=admin-added]", |t| {
        t.contains("org billing")
    })
    .await;
    wait_for(&c, "[data-testid=admin-keys-table]", true).await;
    screenshot(&c, "window-admin-key.png").await;

    click(&c, "[data-screen=reconcile]").await;
    wait_for(&c, "[data-testid=rec-no-admin]", false).await;
    click(&c, "[data-testid=rec-sync]").await;
    wait_text(&c, "[data-testid=rec-message]", |t| {
        t.contains("OpenAI: 30 days")
    })
    .await;
    // An ellipsized figure: read through textContent.
    let billed = c
        .execute(
            "return document.querySelector('[data-testid=rec-billed]').textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert!(billed.as_str().unwrap().starts_with("$0.40"), "{billed}");
    wait_for(&c, "[data-chart=reconcile] img", true).await;
    // Exactly one day differs: its rows are the highlighted ones.
    let days = c
        .execute(
            "return [...document.querySelectorAll('[data-testid=rec-table] tr[data-status=billed_more]')]
                .map(r => r.dataset.day);",
            vec![],
        )
        .await
        .unwrap();
    let days: Vec<String> = serde_json::from_value(days).unwrap();
    assert!(!days.is_empty());
    assert!(days.iter().all(|d| *d == ago(4).to_string()), "{days:?}");
    let matches = c
        .execute(
            "return document.querySelectorAll('[data-testid=rec-table] tr[data-status=matches]').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        matches,
        serde_json::json!(4),
        "two matching days × (tokens, money)"
    );
    let shaded = c
        .execute(
            "const img = document.querySelector('[data-chart=reconcile] img');
             return decodeURIComponent(img.src).toLowerCase().includes('#fde2de');",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        shaded,
        serde_json::json!(true),
        "the mismatched day is shaded on the chart"
    );
    screenshot(&c, "window-reconcile-light.png").await;
    c.execute(
        "document.querySelector('[data-testid=rec-table]').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, "window-reconcile-table.png").await;
    // The smallest supported window.
    if c.set_window_size(1024, 700).await.is_ok() {
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        screenshot(&c, "window-reconcile-1024.png").await;
        let _ = c.set_window_size(1200, 800).await;
    }

    click(&c, "[data-screen=settings]").await;
    click(&c, "[data-testid=theme-dark]").await;
    click(&c, "[data-screen=reconcile]").await;
    wait_for(&c, "[data-chart=reconcile] img", true).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let dark = c
            .execute(
                "const img = document.querySelector('[data-chart=reconcile] img');
                 return !!img && decodeURIComponent(img.src).toLowerCase().includes('#4a2424');",
                vec![],
            )
            .await
            .unwrap();
        if dark == serde_json::json!(true) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the chart never turned dark"
        );
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
    screenshot(&c, "window-reconcile-dark.png").await;
    c.close().await.unwrap();

    // The admin key is in the keychain only: not in the ledger, the settings or the app's log.
    let mut stack = vec![driver.data.path().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                assert!(
                    !bytes.windows(admin.len()).any(|w| w == admin.as_bytes()),
                    "admin key found in {}",
                    p.display()
                );
            }
        }
    }
}
