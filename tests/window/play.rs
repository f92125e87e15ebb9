//! Playground and History in the real window against a loopback OpenAI-style provider: run a
//! prompt and see the streamed text and final cost; continue the conversation; save and fill a
//! template; find the run in History by search and open its detail.

use fantoccini::Locator;
use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply, StreamEnd};

use super::{Driver, add_key, click, connect, screenshot, set_field, wait_for, wait_text};

fn sse(text: &[&str], c: Counts) -> Reply {
    Reply::stream(
        "text/event-stream",
        wire::openai_sse("gpt-4o-2024-08-06", text, Some(c), None),
        StreamEnd::Finish,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_continue_template_and_find_in_history() {
    let c1 = Counts {
        prompt: 3000,
        cached: 2000,
        output: 300,
        reasoning: 100,
        ..Counts::default()
    };
    let c2 = Counts {
        prompt: 1000,
        output: 500,
        ..Counts::default()
    };
    let server = FakeServer::start(vec![
        Reply::json(wire::openai_models(&["gpt-4o"])),
        sse(&["Hello ", "from the ", "**fake** provider."], c1),
        sse(&["A second answer."], c2),
        sse(&["Bonjour, ", "bon matin."], c2),
    ]);
    let base = format!("{}/v1", server.url());
    let driver = Driver::start(4464);
    let c = connect(&driver).await;

    // A key pointing at the fake provider.
    click(&c, "[data-screen=keys]").await;
    add_key(&c, "openai", "work", "sk-test-play-1234", &base).await;

    // Run a prompt: streamed text, then the final cost ($0.008 for these counts on gpt-4o).
    click(&c, "[data-screen=playground]").await;
    wait_for(&c, "[data-testid=play-target] option", true).await;
    set_field(&c, "[data-testid=play-model]", "gpt-4o").await;
    set_field(&c, "[data-testid=play-prompt]", "Say hello").await;
    wait_text(&c, "[data-testid=play-estimate]", |t| {
        t.contains("input tokens")
    })
    .await;
    click(&c, "[data-testid=play-run]").await;
    let cost = wait_text(&c, "[data-testid=play-cost]", |t| t.starts_with('$')).await;
    assert_eq!(cost, "$0.008");
    let turn = wait_text(&c, "[data-testid=play-turn]", |t| {
        t.contains("Hello from the fake provider.")
    })
    .await;
    assert!(turn.contains("Say hello"), "{turn}");
    screenshot(&c, "window-playground.png").await;

    // Continue the conversation: the first turn is sent along; the total adds up.
    set_field(&c, "[data-testid=play-prompt]", "And again?").await;
    click(&c, "[data-testid=play-run]").await;
    wait_text(&c, "[data-testid=play-conv-total]", |t| {
        t.starts_with("2 turns")
    })
    .await;
    let total = wait_text(&c, "[data-testid=play-conv-total]", |t| t.contains("$")).await;
    assert!(total.contains("$0.0155"), "0.008 + 0.0075: {total}");
    let sent = server.requests()[2].json();
    assert_eq!(sent["messages"].as_array().unwrap().len(), 3);
    assert_eq!(
        sent["messages"][1]["content"],
        "Hello from the **fake** provider."
    );

    // Save a template from the prompt, then fill it in a new conversation.
    set_field(
        &c,
        "[data-testid=play-prompt]",
        "Translate {{text}} into French.",
    )
    .await;
    c.wait()
        .for_element(Locator::XPath(
            "//button[normalize-space()='Save as template']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    set_field(&c, "[data-testid=play-template-name]", "fr").await;
    c.wait()
        .for_element(Locator::XPath(
            "//form[.//input[@data-testid='play-template-name']]//button",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "[role=status]", |t| t.contains("Saved “fr” v1")).await;
    c.wait()
        .for_element(Locator::XPath("//button[normalize-space()='New']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(&c, "[data-testid=play-mode-template]").await;
    let select = c
        .wait()
        .for_element(Locator::Css("[data-testid=play-template]"))
        .await
        .unwrap();
    select.select_by_value("fr").await.unwrap();
    set_field(&c, "[data-testid=play-var-text]", "good morning").await;
    click(&c, "[data-testid=play-run]").await;
    wait_text(&c, "[data-testid=play-turn]", |t| t.contains("bon matin")).await;
    assert_eq!(
        server.requests()[3].json()["messages"][0]["content"],
        "Translate good morning into French."
    );

    // Find it in History by searching the prompt, and open its detail.
    click(&c, "[data-screen=history]").await;
    set_field(&c, "[data-testid=history-search]", "morning").await;
    // The search is debounced: wait for the table to show just the match.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let rows = loop {
        let rows = c
            .find_all(Locator::Css("[data-testid=history-table] [data-run-id]"))
            .await
            .unwrap();
        if rows.len() == 1 {
            break rows;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "search never narrowed to one run ({})",
            rows.len()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    rows[0].click().await.unwrap();
    let prompt = wait_text(&c, "[data-testid=history-detail-prompt]", |t| !t.is_empty()).await;
    assert_eq!(prompt, "Translate good morning into French.");
    let cost = wait_text(&c, "[data-testid=history-detail-cost]", |t| {
        t.starts_with('$')
    })
    .await;
    assert_eq!(cost, "$0.0075");
    // One run is "1 run"; parameters are a labelled list, not raw JSON.
    let footer = wait_text(&c, "[data-testid=history-count]", |t| !t.is_empty()).await;
    assert_eq!(footer, "1 run");
    let params = wait_text(&c, "[data-testid=history-params]", |t| !t.is_empty()).await;
    assert!(
        params.contains("Endpoint") && params.contains("Streamed"),
        "{params}"
    );
    assert!(!params.contains('{'), "{params}");
    screenshot(&c, "window-history.png").await;
    c.close().await.unwrap();
}
