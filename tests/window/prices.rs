//! Keeping prices current in the real window: Settings → Prices → Check for updates against a
//! loopback server, the diff dialog declined (nothing changes) and then applied, the model's rate
//! history on the Prices screen, and the Analytics what-if panel re-pricing gpt-4o runs as
//! gpt-4o-mini.

use promptledger_core::ProviderKind;
use promptledger_core::demo::{DemoOptions, fill};
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::runs::{NewRun, RunStatus};
use promptledger_core::pricing::TokenUsage;
use promptledger_testkit::{FakeServer, Reply};
use serde_json::Value;

use super::{Driver, click, connect, screenshot, set_field, wait_for, wait_text};

const BUNDLED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/src-tauri/crates/core/data/model_prices_and_context_window.json"
);

async fn text_of(c: &fantoccini::Client, css: &str) -> String {
    let v = c
        .execute(
            &format!("return document.querySelector('{css}')?.textContent ?? '';"),
            vec![],
        )
        .await
        .unwrap();
    v.as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_dialog_rate_history_and_what_if() {
    // The bundled table with gpt-4o's input cut from $2.50 to $2.00.
    let mut table: Value = serde_json::from_slice(&std::fs::read(BUNDLED).unwrap()).unwrap();
    table["gpt-4o"]["input_cost_per_token"] = serde_json::json!(2e-6);
    let body = serde_json::to_string(&table).unwrap();
    let server = FakeServer::with_handler(move |_| Reply::json(body.clone()));

    let driver = Driver::start(4524);
    let db = driver
        .data
        .path()
        .join("com.promptledger.app")
        .join("ledger.sqlite3");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    {
        let mut l = Ledger::open(&db).unwrap();
        fill(
            &mut l,
            &DemoOptions {
                runs: 3000,
                days: 25,
                end_ms: promptledger_core::ledger::now_ms(),
                seed: 3,
            },
            |_, _| {},
        )
        .unwrap();
        l.set_price_update_url(&format!("{}/prices.json", server.url()))
            .unwrap();
        // For the advisor: a Gemini run over the 200k tier, and one request sent twice.
        let now = promptledger_core::ledger::now_ms();
        for (provider, model, input, prompt, at) in [
            (
                ProviderKind::Gemini,
                "gemini-2.5-pro",
                250_000,
                "the whole archive",
                now - 7_200_000,
            ),
            (
                ProviderKind::Openai,
                "gpt-4o-mini",
                3000,
                "same question",
                now - 7_000_000,
            ),
            (
                ProviderKind::Openai,
                "gpt-4o-mini",
                3000,
                "same question",
                now - 3_600_000,
            ),
        ] {
            let usage = TokenUsage {
                input_tokens: input,
                output_tokens: 500,
                ..TokenUsage::default()
            };
            let priced = l.pricer().unwrap().price(provider, model, &usage).unwrap();
            l.insert_run(&NewRun {
                started_at_ms: at,
                provider: provider.as_str().into(),
                model_requested: model.into(),
                priced: Some(priced),
                status: Some(RunStatus::Ok),
                attempts: 1,
                prompt: Some(prompt.into()),
                ..NewRun::default()
            })
            .unwrap();
        }
    }
    let c = connect(&driver).await;

    // Check, review, decline: the table in use stays.
    click(&c, "[data-screen=settings]").await;
    wait_text(&c, "[data-testid=price-table-in-use]", |t| {
        t.starts_with("litellm-")
    })
    .await;
    click(&c, "[data-testid=price-update-check]").await;
    wait_for(&c, "[data-testid=price-update-dialog]", true).await;
    let summary = wait_text(&c, "[data-testid=price-update-summary]", |t| {
        t.contains("1 rate changed")
    })
    .await;
    assert!(summary.contains("0 models added"), "{summary}");
    let first = text_of(&c, "[data-testid=price-update-changes] tbody tr").await;
    assert!(
        first.contains("gpt-4o") && first.contains("$2.50") && first.contains("$2.00"),
        "{first}"
    );
    assert!(first.contains("−20.0 %"), "{first}");
    screenshot(&c, "window-price-update-dialog.png").await;
    click(&c, "[data-testid=price-update-decline]").await;
    wait_for(&c, "[data-testid=price-update-dialog]", false).await;
    wait_text(&c, "[data-testid=price-update-message]", |t| {
        t.contains("Not applied")
    })
    .await;
    assert!(
        text_of(&c, "[data-testid=price-table-in-use]")
            .await
            .starts_with("litellm-")
    );

    // Check again and apply.
    click(&c, "[data-testid=price-update-check]").await;
    wait_for(&c, "[data-testid=price-update-dialog]", true).await;
    click(&c, "[data-testid=price-update-apply]").await;
    wait_for(&c, "[data-testid=price-update-dialog]", false).await;
    wait_text(&c, "[data-testid=price-update-message]", |t| {
        t.contains("Applied")
    })
    .await;
    wait_text(&c, "[data-testid=price-table-in-use]", |t| {
        t.starts_with("update-")
    })
    .await;
    screenshot(&c, "window-price-update-applied.png").await;

    // The rate history of gpt-4o: both tables, the step chart.
    click(&c, "[data-screen=prices]").await;
    c.wait()
        .for_element(fantoccini::Locator::Css("select[aria-label=Provider]"))
        .await
        .unwrap()
        .select_by_value("openai")
        .await
        .unwrap();
    set_field(&c, "[data-testid=prices-search]", "gpt-4o").await;
    click(&c, "[data-testid=prices-table] [data-key='gpt-4o']").await;
    wait_for(&c, "[data-testid=rate-history] img", true).await;
    let history = wait_text(&c, "[data-testid=rate-history] table", |t| {
        t.contains("$2.00")
    })
    .await;
    assert!(
        history.contains("$2.50") && history.contains("bundled") && history.contains("update"),
        "{history}"
    );
    c.execute(
        "document.querySelector('[data-testid=rate-history] table').scrollIntoView(false);",
        vec![],
    )
    .await
    .unwrap();
    wait_for(&c, "[data-testid=rate-history] img", true).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    screenshot(&c, "window-rate-history.png").await;

    // The advisor: the long-context surcharge and the repeated request, with their runs.
    click(&c, "[data-screen=analytics]").await;
    click(&c, "[data-testid=advisor-look]").await;
    wait_for(&c, "[data-testid=advisor] li[data-kind=long_context]", true).await;
    wait_for(
        &c,
        "[data-testid=advisor] li[data-kind=response_cache]",
        true,
    )
    .await;
    let long = text_of(&c, "[data-testid=advisor] li[data-kind=long_context]").await;
    assert!(
        long.contains("gemini-2.5-pro") && long.contains("200,000"),
        "{long}"
    );
    click(
        &c,
        "[data-testid=advisor] li[data-kind=response_cache] button",
    )
    .await;
    wait_for(&c, "[data-testid=advisor-runs]", true).await;
    c.execute(
        "document.querySelector('[data-testid=advisor]').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, "window-advisor.png").await;

    // What-if: gpt-4o runs as gpt-4o-mini cost about 6 % of what they did.
    wait_for(&c, "[data-testid=what-if]", true).await;
    c.execute(
        "document.querySelector('[data-testid=what-if]').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    c.wait()
        .for_element(fantoccini::Locator::Css("[data-testid=what-if-from-0]"))
        .await
        .unwrap()
        .select_by_value("gpt-4o")
        .await
        .unwrap();
    set_field(&c, "[data-testid=what-if-to-0]", "gpt-4o-mini").await;
    click(&c, "[data-testid=what-if-compute]").await;
    wait_text(&c, "[data-testid=what-if-rows]", |t| t.contains("−$")).await;
    // Model names sit in ellipsized cells: read them through textContent.
    let rows = text_of(&c, "[data-testid=what-if-rows]").await;
    assert!(
        rows.contains("gpt-4o") && rows.contains("gpt-4o-mini"),
        "{rows}"
    );
    let difference = text_of(&c, "[data-testid=what-if-difference]").await;
    assert!(difference.starts_with('−'), "a saving: {difference}");
    screenshot(&c, "window-what-if.png").await;
    if c.set_window_size(1024, 700).await.is_ok() {
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        c.execute(
            "document.querySelector('[data-testid=what-if]').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
        screenshot(&c, "window-what-if-1024.png").await;
    }
}
