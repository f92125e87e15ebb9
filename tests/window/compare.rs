//! The Compare screen in the real window: three columns against loopback providers with
//! different latencies, one failing; per-column figures and the summary row are checked.

use fantoccini::Locator;
use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply, StreamEnd};
use std::time::Duration;

use super::{Driver, add_key, click, connect, screenshot, set_field, wait_for, wait_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_columns_one_failing() {
    let c = Counts {
        prompt: 1000,
        output: 500,
        ..Counts::default()
    };
    let anthropic = FakeServer::start(vec![
        Reply::json(r#"{"data":[{"type":"model","id":"claude-haiku-4-5"}],"has_more":false}"#),
        Reply::stream(
            "text/event-stream",
            wire::anthropic_sse("claude-haiku-4-5", &["Green ", "is calm."], c),
            StreamEnd::Finish,
        )
        .paced(Duration::from_millis(120)),
    ]);
    let gemini = FakeServer::start(vec![
        Reply::json(r#"{"models":[{"name":"models/gemini-2.5-flash"}]}"#),
        Reply::status_json(
            503,
            wire::gemini_error(503, "UNAVAILABLE", "The model is overloaded."),
        )
        .header("x-should-retry", "false"),
    ]);
    let openai = FakeServer::start(vec![
        Reply::json(wire::openai_models(&["gpt-4o-mini"])),
        Reply::stream(
            "text/event-stream",
            wire::openai_sse("gpt-4o-mini", &["Blue."], Some(c), None),
            StreamEnd::Finish,
        ),
    ]);
    let driver = Driver::start(4474);
    let cl = connect(&driver).await;
    click(&cl, "[data-screen=keys]").await;
    for (provider, url) in [
        ("anthropic", anthropic.url().to_string()),
        ("gemini", gemini.url().to_string()),
        ("openai", format!("{}/v1", openai.url())),
    ] {
        add_key(&cl, provider, provider, "sk-test-cmp-7777", &url).await;
    }

    click(&cl, "[data-screen=compare]").await;
    wait_for(&cl, "[data-testid=cmp-model-1]", true).await;
    click(&cl, "[data-testid=cmp-add]").await;
    wait_for(&cl, "[data-testid=cmp-model-2]", true).await;
    // Targets follow the keys list (anthropic, gemini, openai); set models explicitly.
    for (i, model) in ["claude-haiku-4-5", "gemini-2.5-flash", "gpt-4o-mini"]
        .iter()
        .enumerate()
    {
        let sel = cl
            .find_all(Locator::Css("[data-testid=cmp-target] select"))
            .await
            .unwrap();
        sel[i].select_by_index(i).await.unwrap();
        set_field(&cl, &format!("[data-testid=cmp-model-{i}]"), model).await;
    }
    set_field(&cl, "[data-testid=cmp-prompt]", "Name a color and why.").await;
    wait_text(&cl, "[data-testid=cmp-estimate]", |t| {
        t.starts_with("Estimated")
    })
    .await;
    click(&cl, "[data-testid=cmp-run]").await;
    let summary = wait_text(&cl, "[data-testid=cmp-summary]", |t| t.contains("Cheapest")).await;
    assert!(
        summary.contains("Cheapest: openai/gpt-4o-mini"),
        "{summary}"
    );
    assert!(summary.contains("Fastest: openai/gpt-4o-mini"), "{summary}");
    let figures = cl
        .find_all(Locator::Css("[data-testid=cmp-figures]"))
        .await
        .unwrap();
    assert_eq!(figures.len(), 3);
    let texts: Vec<String> = futures_texts(&figures).await;
    assert!(texts[0].starts_with("ok · $0.0035"), "{texts:?}");
    assert!(texts[1].starts_with("error · $0.00"), "{texts:?}");
    assert!(texts[2].starts_with("ok · $0.00045"), "{texts:?}");
    let err = wait_text(&cl, "[data-testid=cmp-error]", |t| !t.is_empty()).await;
    assert!(err.contains("overloaded"), "{err}");
    screenshot(&cl, "window-compare.png").await;
    cl.close().await.unwrap();
}

async fn futures_texts(els: &[fantoccini::elements::Element]) -> Vec<String> {
    let mut out = Vec::new();
    for e in els {
        out.push(e.text().await.unwrap());
    }
    out
}
