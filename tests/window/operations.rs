//! The Playground's operation switch in the real window: an embedding, an image, a
//! transcription and a speech run against a loopback server speaking OpenAI's wire formats,
//! each with its estimate and its cost footer (the bill's unit line included), the images and
//! the audio saved where the form says, then Analytics' spend per operation. Screenshots at
//! 1024×700.

use promptledger_testkit::operations::{self, embed_tokens, image_tokens};
use promptledger_testkit::{FakeServer, Reply, wire};

use super::{
    Driver, add_key, click, connect, screenshot, set_field, wait_dom_text, wait_for, wait_text,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embedding_and_an_image_from_the_playground_and_spend_per_operation() {
    let openai = FakeServer::with_handler(|r| {
        if r.path.ends_with("/models") {
            return Reply::json(wire::openai_models(&[
                "text-embedding-3-small",
                "gpt-image-1",
            ]));
        }
        operations::answer(r)
    });
    let driver = Driver::start(4594);
    let saved = driver.data.path().join("renders");
    let cl = connect(&driver).await;
    cl.set_window_size(1024, 700).await.unwrap();
    click(&cl, "[data-screen=keys]").await;
    add_key(
        &cl,
        "openai",
        "openai",
        "sk-test-ops-5555",
        &format!("{}/v1", openai.url()),
    )
    .await;

    // Embed: three inputs, one per line.
    click(&cl, "[data-screen=playground]").await;
    click(&cl, "[data-testid=play-op-embedding]").await;
    wait_for(&cl, "[data-testid=op-form]", true).await;
    let model = cl
        .wait()
        .for_element(fantoccini::Locator::Css("[data-testid=play-model]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(
        model, "text-embedding-3-small",
        "the switch suggests an embedding model"
    );
    let inputs = [
        "invoice total due",
        "shipping address changed",
        "refund the duplicate charge",
    ];
    // WebKitWebDriver types no "\n": each new line is the Enter key (U+E007).
    set_field(&cl, "[data-testid=op-text]", &inputs.join("\u{E007}")).await;
    // The estimate follows the typing (debounced): wait for all three inputs.
    let estimate = wait_text(&cl, "[data-testid=op-estimate]", |t| {
        t.starts_with("3 inputs") && t.contains('$')
    })
    .await;
    assert!(
        estimate.contains("priced as text-embedding-3-small"),
        "{estimate}"
    );
    screenshot(&cl, "window-operation-embed-estimate.png").await;
    click(&cl, "[data-testid=op-run]").await;
    let cost = wait_text(&cl, "[data-testid=op-cost]", |t| t.starts_with('$')).await;
    let tokens: u64 = inputs.iter().map(|t| embed_tokens(t)).sum();
    // text-embedding-3-small: 20 nano-USD a token.
    let expected = format!("$0.{:0>9}", tokens * 20);
    assert_eq!(cost, expected.trim_end_matches('0'), "{tokens} tokens");
    let vectors = wait_text(&cl, "[data-testid=op-vectors]", |t| !t.is_empty()).await;
    assert!(
        vectors.starts_with("3 embeddings × 8 dimensions"),
        "{vectors}"
    );
    let footer = wait_dom_text(&cl, "[data-testid=op-footer]", |t| {
        t.contains("input tokens")
    })
    .await;
    assert!(
        footer.contains(&format!("{tokens} input tokens")),
        "{footer}"
    );
    screenshot(&cl, "window-operation-embed.png").await;

    // Image: gpt-image-1, two low-quality squares, saved in a folder the form names.
    click(&cl, "[data-testid=play-op-image]").await;
    wait_for(&cl, "[data-testid=op-size]", true).await;
    set_field(&cl, "[data-testid=op-text]", "a lighthouse at dawn").await;
    set_field(&cl, "[data-testid=op-n]", "2").await;
    set_field(
        &cl,
        "[data-testid=op-save-dir]",
        &saved.display().to_string(),
    )
    .await;
    let estimate = wait_text(&cl, "[data-testid=op-estimate]", |t| {
        t.starts_with("2 images") && t.contains('$')
    })
    .await;
    // The per-image price of low/1024-x-1024/gpt-image-1: 2 × $0.011.
    assert!(
        estimate.contains("2 images · 1024×1024 · $0.022"),
        "{estimate}"
    );
    click(&cl, "[data-testid=op-run]").await;
    let cost = wait_text(&cl, "[data-testid=op-cost]", |t| t.starts_with('$')).await;
    // Billed from the reported usage: text at $5/M, 2 × 272 image tokens at $40/M.
    let nano = embed_tokens("a lighthouse at dawn") * 5_000 + 2 * image_tokens("low") * 40_000;
    assert_eq!(cost, format!("$0.{nano:0>9}").trim_end_matches('0'));
    wait_for(&cl, "[data-testid=op-image]", true).await;
    let files: Vec<_> = std::fs::read_dir(&saved).unwrap().collect();
    assert_eq!(files.len(), 2, "both images saved where the form said");
    screenshot(&cl, "window-operation-image.png").await;

    // Transcribe: whisper-1, billed per second ($0.0001): 61.5 s of audio is 62 s.
    let wav = driver.data.path().join("meeting.wav");
    std::fs::write(&wav, operations::wav(61_500)).unwrap();
    click(&cl, "[data-testid=play-op-transcription]").await;
    set_field(&cl, "[data-testid=op-file]", &wav.display().to_string()).await;
    let estimate = wait_text(&cl, "[data-testid=op-estimate]", |t| t.contains('$')).await;
    assert!(
        estimate.starts_with("62 s of audio · $0.0062"),
        "{estimate}"
    );
    click(&cl, "[data-testid=op-run]").await;
    let cost = wait_text(&cl, "[data-testid=op-cost]", |t| t.starts_with('$')).await;
    assert_eq!(cost, "$0.0062");
    let text = wait_text(&cl, "[data-testid=op-transcript]", |t| !t.is_empty()).await;
    assert_eq!(text, "Hello from the fake transcription service.");
    let used = wait_dom_text(&cl, "[data-testid=op-used]", |t| t.contains("seconds")).await;
    assert_eq!(used, "Transcription · 62 seconds");

    // Speak: tts-1, $15 per 1M characters: 100 characters = $0.0015.
    click(&cl, "[data-testid=play-op-speech]").await;
    wait_for(&cl, "[data-testid=op-save-dir]", true).await;
    set_field(
        &cl,
        "[data-testid=op-text]",
        &"Your invoice is ready. ".repeat(5)[..100],
    )
    .await;
    set_field(
        &cl,
        "[data-testid=op-save-dir]",
        &saved.display().to_string(),
    )
    .await;
    let estimate = wait_text(&cl, "[data-testid=op-estimate]", |t| {
        t.starts_with("100 characters")
    })
    .await;
    assert!(estimate.contains("$0.0015"), "{estimate}");
    click(&cl, "[data-testid=op-run]").await;
    let cost = wait_text(&cl, "[data-testid=op-cost]", |t| t.starts_with('$')).await;
    assert_eq!(cost, "$0.0015");
    wait_dom_text(&cl, "[data-testid=op-bill-unit]", |t| {
        t.contains("characters")
    })
    .await;
    screenshot(&cl, "window-operation-speech.png").await;
    assert_eq!(
        std::fs::read_dir(&saved).unwrap().count(),
        3,
        "two images and the audio"
    );

    // Analytics: spend per operation.
    click(&cl, "[data-screen=analytics]").await;
    wait_dom_text(&cl, "[data-testid=by-operation]", |t| t.contains("Speech")).await;
    cl.execute(
        "document.querySelector('[data-testid=by-operation]').scrollIntoView({block: 'center'})",
        vec![],
    )
    .await
    .unwrap();
    let rows = cl
        .execute(
            "return [...document.querySelectorAll('[data-testid=by-operation] tbody tr td:first-child')].map((c) => c.textContent.trim());",
            vec![],
        )
        .await
        .unwrap();
    let rows: Vec<String> = serde_json::from_value(rows).unwrap();
    // Most expensive first.
    assert_eq!(rows, ["Images", "Transcription", "Speech", "Embeddings"]);
    screenshot(&cl, "window-analytics-by-operation.png").await;

    // Spend per day, stacked by operation.
    click(&cl, "[data-testid=spend-by-operation]").await;
    let charts = wait_dom_text(&cl, "[data-testid=charts]", |t| {
        t.contains("Spend per day by operation")
    })
    .await;
    assert!(
        charts.contains("Images") && charts.contains("Speech"),
        "{charts}"
    );
    cl.execute(
        "document.querySelector('[data-testid=charts]').scrollIntoView({block: 'start'})",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&cl, "window-analytics-spend-by-operation.png").await;
}
