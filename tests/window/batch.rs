//! The Batch screen in the real window: a 20-row CSV, the estimate live vs as a provider batch
//! with the first rows rendered, a live run against a loopback server (its progress and
//! results), the CSV export; screenshots at 1024×700.

use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply};
use std::time::Duration;

use super::{
    Driver, add_key, click, connect, screenshot, set_field, wait_dom_text, wait_for, wait_text,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_twenty_row_csv_estimated_run_live_and_exported() {
    let openai = FakeServer::with_handler(|r| {
        if r.path.ends_with("/models") {
            return Reply::json(wire::openai_models(&["gpt-4o-mini"]));
        }
        Reply::json(wire::openai_chat(
            "gpt-4o-mini",
            "billing",
            Counts {
                prompt: 40,
                output: 2,
                ..Counts::default()
            },
        ))
        .after(Duration::from_millis(150))
    });
    let driver = Driver::start(4534);
    let data = driver.data.path().join("tickets.csv");
    let mut csv = String::from("id,ticket\n");
    for i in 1..=20 {
        csv.push_str(&format!(
            "{i},\"Order {i}: charged twice, “refund”, please\"\n"
        ));
    }
    std::fs::write(&data, csv).unwrap();

    let cl = connect(&driver).await;
    cl.set_window_size(1024, 700).await.unwrap();
    click(&cl, "[data-screen=keys]").await;
    add_key(
        &cl,
        "openai",
        "openai",
        "sk-test-batch-7777",
        &format!("{}/v1", openai.url()),
    )
    .await;

    click(&cl, "[data-screen=batch]").await;
    wait_for(&cl, "[data-testid=batch-model-0]", true).await;
    set_field(&cl, "[data-testid=batch-path]", &data.display().to_string()).await;
    set_field(
        &cl,
        "[data-testid=batch-prompt]",
        "Classify this ticket: {{ticket}}",
    )
    .await;
    set_field(&cl, "[data-testid=batch-model-0]", "gpt-4o-mini").await;
    let live = wait_text(&cl, "[data-testid=batch-estimate-live]", |t| {
        t.contains('$')
    })
    .await;
    let batch = wait_text(&cl, "[data-testid=batch-estimate-batch]", |t| {
        t.contains('$')
    })
    .await;
    assert!(live.contains("Live"), "{live}");
    assert!(batch.contains("within 24 h"), "{batch}");
    let estimate = wait_text(&cl, "[data-testid=batch-estimate]", |t| {
        t.contains("20 rows")
    })
    .await;
    assert!(estimate.contains("20 rows × 1 target"), "{estimate}");
    let preview = wait_dom_text(&cl, "[data-testid=batch-preview]", |t| {
        t.contains("Classify")
    })
    .await;
    assert!(
        preview.contains("Classify this ticket: Order 1: charged twice, “refund”, please"),
        "{preview}"
    );
    screenshot(&cl, "window-batch-estimate.png").await;

    click(&cl, "[data-testid=batch-start]").await;
    // Progress while it runs (150 ms a row, 4 at once), then done.
    wait_text(&cl, "[data-testid=batch-job-progress]", |t| {
        t.contains("done")
    })
    .await;
    screenshot(&cl, "window-batch-running.png").await;
    let progress = wait_text(&cl, "[data-testid=batch-job-progress]", |t| {
        t.starts_with("20 done · 0 failed · 0 left")
    })
    .await;
    assert!(progress.starts_with("20 done"), "{progress}");
    wait_for(&cl, "[data-testid=batch-job][data-status=done]", true).await;
    let cost = wait_text(&cl, "[data-testid=batch-job-cost]", |t| t.starts_with('$')).await;
    assert!(
        cost.starts_with("$0.0001"),
        "20 × (40 in × $0.15/M + 2 out × $0.60/M): {cost}"
    );
    let results = wait_dom_text(&cl, "[data-testid=batch-results]", |t| {
        t.contains("billing")
    })
    .await;
    assert!(results.contains("20 done · 0 failed"), "{results}");
    assert_eq!(openai.hits(), 21, "the key check and one request per row");

    click(&cl, "[data-testid=batch-export-csv]").await;
    let message = wait_text(&cl, "[data-testid=batch-message]", |t| {
        t.starts_with("Saved")
    })
    .await;
    let path = message.trim_start_matches("Saved ").trim();
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,ticket,target,status,output,input_tokens,output_tokens,cost_usd,run_id"
    );
    assert_eq!(text.lines().count(), 21);
    screenshot(&cl, "window-batch-done.png").await;

    // Analytics: the job's cost and failures, and per target once it is picked.
    click(&cl, "[data-screen=analytics]").await;
    let total = wait_dom_text(&cl, "[data-testid=batch-jobs-total]", |t| {
        t.contains("spent")
    })
    .await;
    assert!(total.contains("0 failed of 20"), "{total}");
    cl.wait()
        .for_element(fantoccini::Locator::Css("[data-testid=batch-job-filter]"))
        .await
        .unwrap()
        .select_by_value("1")
        .await
        .unwrap();
    let per_target = wait_dom_text(&cl, "[data-testid=batch-job-targets]", |t| {
        t.contains("gpt-4o-mini")
    })
    .await;
    assert!(
        per_target.contains("800"),
        "20 rows × 40 input tokens: {per_target}"
    );
    cl.execute(
        "document.querySelector('[data-testid=batch-jobs-card]').scrollIntoView()",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&cl, "window-batch-analytics.png").await;
    cl.close().await.unwrap();
}
