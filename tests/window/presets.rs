//! A provider preset in the real window: add an xAI key pointing at a loopback server that
//! answers in xAI's shape (reasoning outside `completion_tokens`), run a prompt, and find the run
//! filed under "xAI" in History and in Analytics' spend per provider. Then a gateway alias the
//! price table does not know: it runs, shows "unpriced" (never $0) in the Playground and
//! History, and Analytics' banner counts it.

use promptledger_testkit::wire;
use promptledger_testkit::{FakeServer, Reply, StreamEnd};

use super::{Driver, add_key, click, connect, screenshot, set_field, wait_for, wait_text};

/// A Chat Completions stream whose usage chunk counts like xAI's.
fn xai_stream() -> Reply {
    let chunk = |delta: &str| {
        format!(
            "data: {{\"id\":\"x1\",\"object\":\"chat.completion.chunk\",\"model\":\"grok-4.3\",\
             \"choices\":[{{\"index\":0,\"delta\":{{\"content\":{delta:?}}},\"finish_reason\":null}}]}}\n\n"
        )
    };
    Reply::stream(
        "text/event-stream",
        vec![
            chunk("Hello "),
            chunk("from Grok."),
            "data: {\"id\":\"x1\",\"object\":\"chat.completion.chunk\",\"model\":\"grok-4.3\",\
             \"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                .into(),
            "data: {\"id\":\"x1\",\"object\":\"chat.completion.chunk\",\"model\":\"grok-4.3\",\
             \"choices\":[],\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":50,\
             \"total_tokens\":1350,\"prompt_tokens_details\":{\"cached_tokens\":200},\
             \"completion_tokens_details\":{\"reasoning_tokens\":300}}}\n\n"
                .into(),
            "data: [DONE]\n\n".into(),
        ],
        StreamEnd::Finish,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_xai_key_runs_and_the_run_is_filed_under_xai() {
    let server = FakeServer::start(vec![
        Reply::json(wire::openai_models(&["grok-4.3"])),
        xai_stream(),
    ]);
    let base = format!("{}/v1", server.url());
    let driver = Driver::start(4504);
    let c = connect(&driver).await;

    click(&c, "[data-screen=keys]").await;
    add_key(&c, "xai", "grok", "xai-test-5678", &base).await;

    // grok-4.3: 800×1.25 + 200×0.20 + (50 + 300)×2.50 µ$ = $0.001915.
    click(&c, "[data-screen=playground]").await;
    wait_for(&c, "[data-testid=play-target] option", true).await;
    set_field(&c, "[data-testid=play-model]", "grok-4.3").await;
    set_field(&c, "[data-testid=play-prompt]", "Say hello").await;
    wait_text(&c, "[data-testid=play-estimate]", |t| {
        t.contains("input tokens")
    })
    .await;
    click(&c, "[data-testid=play-run]").await;
    let cost = wait_text(&c, "[data-testid=play-cost]", |t| t.starts_with('$')).await;
    assert_eq!(cost, "$0.001915");
    assert_eq!(
        server.requests()[1].header("authorization"),
        Some("Bearer xai-test-5678")
    );

    click(&c, "[data-screen=history]").await;
    wait_for(&c, "[data-testid=history-table] [data-run-id]", true).await;
    click(&c, "[data-testid=history-table] [data-run-id]").await;
    let who = wait_text(&c, "[data-testid=history-detail-provider]", |t| {
        !t.is_empty()
    })
    .await;
    assert_eq!(who, "xAI");

    click(&c, "[data-screen=analytics]").await;
    wait_for(&c, "[data-testid=by-provider] tbody tr", true).await;
    c.execute(
        "document.querySelector('[data-testid=by-provider]').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    // The name cell ellipsizes, which WebDriver's visible text leaves out: read the DOM text.
    let by_provider = c
        .execute(
            "return document.querySelector('[data-testid=by-provider] tbody').textContent;",
            vec![],
        )
        .await
        .unwrap();
    let by_provider = by_provider.as_str().unwrap_or_default();
    assert!(by_provider.contains("xAI"), "{by_provider}");
    assert!(by_provider.contains("$0.0019"), "{by_provider}");
    screenshot(&c, "window-xai-analytics.png").await;

    // A LiteLLM-style gateway serving an alias the price table does not know.
    let gateway = FakeServer::start(vec![
        Reply::json(wire::openai_models(&["team-fast"])),
        Reply::stream(
            "text/event-stream",
            wire::openai_sse(
                "team-fast",
                &["Hello from ", "the gateway."],
                Some(wire::Counts {
                    prompt: 900,
                    output: 40,
                    ..wire::Counts::default()
                }),
                None,
            ),
            StreamEnd::Finish,
        ),
    ]);
    click(&c, "[data-screen=keys]").await;
    add_key(
        &c,
        "openai_compatible",
        "gateway",
        "sk-gw-test-2468",
        &format!("{}/v1", gateway.url()),
    )
    .await;
    click(&c, "[data-screen=playground]").await;
    wait_for(&c, "[data-testid=play-target] option", true).await;
    c.execute(
        "const s = document.querySelector('[data-testid=play-target]');
         const o = [...s.options].find((o) => o.text.includes('gateway'));
         s.value = o.value; s.dispatchEvent(new Event('change'));",
        vec![],
    )
    .await
    .unwrap();
    set_field(&c, "[data-testid=play-model]", "team-fast").await;
    set_field(&c, "[data-testid=play-prompt]", "Say hello again").await;
    let notice = wait_text(&c, "[data-testid=play-unpriced]", |t| !t.is_empty()).await;
    assert_eq!(
        notice,
        "no price known — the cost will be recorded as unpriced"
    );
    click(&c, "[data-testid=play-run]").await;
    let cost = wait_text(&c, "[data-testid=play-cost]", |t| t == "unpriced").await;
    assert_eq!(cost, "unpriced");
    assert_eq!(gateway.hits(), 2, "the key check and the run");

    click(&c, "[data-screen=history]").await;
    wait_for(&c, "[data-testid=history-table] [data-run-id]", true).await;
    let newest = c
        .execute(
            "return document.querySelector('[data-testid=history-table] [data-run-id]').textContent;",
            vec![],
        )
        .await
        .unwrap();
    let newest = newest.as_str().unwrap_or_default();
    assert!(
        newest.contains("team-fast") && newest.contains("unpriced") && !newest.contains("$0.00"),
        "{newest}"
    );
    click(&c, "[data-testid=history-table] [data-run-id]").await;
    let total = wait_text(&c, "[data-testid=history-detail-cost]", |t| !t.is_empty()).await;
    assert_eq!(total, "unpriced");
    wait_for(&c, "[data-testid=history-detail-unpriced]", true).await;
    screenshot(&c, "window-unpriced-history.png").await;

    click(&c, "[data-screen=analytics]").await;
    let banner = wait_text(&c, "[data-testid=unpriced-banner]", |t| !t.is_empty()).await;
    // The figures may sit above the scrolled view (WebDriver's visible text is then empty).
    let figure = |name: &str| {
        format!("return document.querySelector('[data-fig={name}] .val').textContent.trim();")
    };
    let runs = c.execute(&figure("runs"), vec![]).await.unwrap();
    assert_eq!(runs.as_str(), Some("2"), "both runs completed");
    let rate = c.execute(&figure("success"), vec![]).await.unwrap();
    assert_eq!(rate.as_str(), Some("100.0 %"));
    assert!(
        banner.starts_with("1 unpriced run in this period"),
        "{banner}"
    );
    let cost_fig = c
        .execute(
            "return document.querySelector('[data-testid=unpriced-count]').textContent.trim();",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(cost_fig.as_str(), Some("+ 1 unpriced"));
    c.execute(
        "document.querySelector('[data-testid=unpriced-banner]').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, "window-unpriced-analytics.png").await;

    // Pricing the alias in the Prices screen offers to price its run once: 900 in × $2 +
    // 40 out × $8 per 1M = $0.00212.
    click(&c, "[data-screen=prices]").await;
    click(&c, "[data-testid=prices-add-custom]").await;
    set_field(&c, "[data-testid=override-model]", "team-fast").await;
    set_field(&c, "[data-testid=override-input]", "2").await;
    set_field(&c, "[data-testid=override-output]", "8").await;
    click(&c, "[data-testid=override-save]").await;
    let offer = wait_text(&c, "[data-testid=reprice-offer]", |t| !t.is_empty()).await;
    assert!(
        offer.starts_with("1 run of team-fast was recorded without a price"),
        "{offer}"
    );
    screenshot(&c, "window-reprice-offer.png").await;
    click(&c, "[data-testid=reprice-yes]").await;
    let done = wait_text(&c, "[data-testid=reprice-done]", |t| !t.is_empty()).await;
    assert_eq!(done, "Priced 1 run of team-fast: $0.00212 in total.");
    click(&c, "[data-screen=history]").await;
    wait_for(&c, "[data-testid=history-table] [data-run-id]", true).await;
    let newest = c
        .execute(
            "return document.querySelector('[data-testid=history-table] [data-run-id]').textContent;",
            vec![],
        )
        .await
        .unwrap();
    let newest = newest.as_str().unwrap_or_default();
    assert!(
        newest.contains("$0.00212") && !newest.contains("unpriced"),
        "{newest}"
    );
}
