//! Budgets in the real window: create a block-mode budget, watch the Playground refuse a run that
//! could break it (nothing reaches the provider) with the message and the app-wide banner, send
//! it anyway once, and see the alert banner for the crossed thresholds.

use fantoccini::Locator;
use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply, StreamEnd};

use super::{Driver, add_key, click, connect, screenshot, set_field, wait_for, wait_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_budget_stops_the_run_then_an_override_alerts() {
    let c = Counts {
        prompt: 1000,
        output: 500,
        ..Counts::default()
    };
    let server = FakeServer::start(vec![
        Reply::json(wire::openai_models(&["gpt-4o-mini"])),
        Reply::stream(
            "text/event-stream",
            wire::openai_sse("gpt-4o-mini", &["Teal."], Some(c), None),
            StreamEnd::Finish,
        ),
    ]);
    let base = format!("{}/v1", server.url());
    let driver = Driver::start(4494);
    let c = connect(&driver).await;

    click(&c, "[data-screen=keys]").await;
    add_key(&c, "openai", "work", "sk-test-budget-5678", &base).await;
    assert_eq!(server.hits(), 1, "the key check");

    // A $0.0004 daily cap on everything, blocking.
    click(&c, "[data-screen=budgets]").await;
    set_field(&c, "[data-testid=budget-name]", "Daily cap").await;
    set_field(&c, "[data-testid=budget-limit]", "0.0004").await;
    c.wait()
        .for_element(Locator::Css("[data-testid=budget-period]"))
        .await
        .unwrap()
        .select_by_value("day")
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("[data-testid=budget-mode]"))
        .await
        .unwrap()
        .select_by_value("block")
        .await
        .unwrap();
    click(&c, "[data-testid=budget-add]").await;
    wait_for(&c, "[data-budget='Daily cap']", true).await;

    // gpt-4o-mini's worst case with 1,000 output tokens (~$0.0006) would break it: the estimate
    // says so, and Run is refused before anything is sent.
    click(&c, "[data-screen=playground]").await;
    wait_for(&c, "[data-testid=play-target] option", true).await;
    set_field(&c, "[data-testid=play-model]", "gpt-4o-mini").await;
    set_field(&c, "[data-testid=play-max-tokens]", "1000").await;
    set_field(&c, "[data-testid=play-prompt]", "Name a colour").await;
    wait_text(&c, "[data-testid=play-budget]", |t| {
        t.contains("will not be sent")
    })
    .await;
    click(&c, "[data-testid=play-run]").await;
    let msg = wait_text(&c, "[data-testid=play-error]", |t| t.contains("Daily cap")).await;
    assert!(
        msg.contains("would be exceeded") && msg.contains("nothing was sent"),
        "{msg}"
    );
    let banner = wait_text(&c, "[data-testid=budget-banner]", |t| {
        t.contains("A budget stopped a run")
    })
    .await;
    assert!(banner.contains("Daily cap"), "{banner}");
    assert_eq!(
        server.hits(),
        1,
        "the blocked run never reached the provider"
    );
    screenshot(&c, "window-budget-blocked.png").await;

    // Run anyway, this once: it is sent, costs $0.00045 (112.5 % of the cap), and the banner now
    // reports the budget at 100 %.
    click(&c, "[data-testid=play-override]").await;
    let cost = wait_text(&c, "[data-testid=play-cost]", |t| t.starts_with('$')).await;
    assert_eq!(cost, "$0.00045");
    assert_eq!(server.hits(), 2);
    wait_text(&c, "[data-testid=budget-banner]", |t| {
        t.contains("is at 100 %")
    })
    .await;
    screenshot(&c, "window-budget-alert.png").await;

    // The Budgets screen shows the spend past the limit; dismissing clears the banner.
    click(&c, "[data-screen=budgets]").await;
    let row = wait_text(&c, "[data-budget='Daily cap']", |t| t.contains("spent")).await;
    assert!(row.contains("113 %"), "{row}");
    click(&c, "[data-testid=budget-banner-dismiss]").await;
    wait_for(&c, "[data-testid=budget-banner]", false).await;
    c.close().await.unwrap();
}
