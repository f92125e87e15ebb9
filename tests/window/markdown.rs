//! Model answers as Markdown in the real window: a table, a nested list, a link (opened through
//! the app, never in the window), a block quote and a highlighted code block render as such;
//! `<script>` and `<img onerror>` in an answer show as text; Copy copies a code block. Light and
//! dark screenshots.

use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply, StreamEnd};
use std::time::{Duration, Instant};

use super::{
    Driver, add_key, click, connect, screenshot, set_field, wait_dom_text, wait_for, wait_text,
};

const ANSWER: &[&str] = &[
    "## Plan\n\n| step | cost |\n|---|---:|\n| draft | $0.01 |\n| review | $0.02 |\n\n",
    "- fruits\n  - apple\n  - pear\n- more\n\n> quoted advice\n\n",
    "See [the docs](https://example.org/docs) for details.\n\n",
    "```python\ndef total(xs):\n    return sum(xs)  # add up\n```\n\n",
    "Raw: <script>window.__pwned = 1</script> and <img src=x onerror=\"window.__pwned = 2\">\n",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_renders_as_markdown_and_raw_html_stays_text() {
    let c = Counts {
        prompt: 100,
        output: 120,
        ..Counts::default()
    };
    let server = FakeServer::start(vec![
        Reply::json(wire::openai_models(&["gpt-4o"])),
        Reply::stream(
            "text/event-stream",
            wire::openai_sse("gpt-4o", ANSWER, Some(c), None),
            StreamEnd::Finish,
        ),
    ]);
    let driver = Driver::start(4554);
    let cl = connect(&driver).await;
    click(&cl, "[data-screen=keys]").await;
    add_key(
        &cl,
        "openai",
        "md",
        "sk-test-md-1234",
        &format!("{}/v1", server.url()),
    )
    .await;
    click(&cl, "[data-screen=playground]").await;
    wait_for(&cl, "[data-testid=play-target] option", true).await;
    set_field(&cl, "[data-testid=play-model]", "gpt-4o").await;
    set_field(&cl, "[data-testid=play-prompt]", "Plan it").await;
    click(&cl, "[data-testid=play-run]").await;
    wait_text(&cl, "[data-testid=play-cost]", |t| t.starts_with('$')).await;

    let count = |css: &'static str| {
        let cl = cl.clone();
        async move {
            cl.execute(
                "return document.querySelectorAll(arguments[0]).length;",
                vec![serde_json::json!(css)],
            )
            .await
            .unwrap()
            .as_i64()
            .unwrap()
        }
    };
    let md = "[data-testid=play-turn] [data-testid=markdown]";
    assert_eq!(
        count("[data-testid=play-turn] [data-testid=markdown] table td").await,
        4
    );
    assert_eq!(
        count("[data-testid=play-turn] [data-testid=markdown] ul ul li").await,
        2
    );
    assert_eq!(
        count("[data-testid=play-turn] [data-testid=markdown] blockquote").await,
        1
    );
    assert_eq!(
        count("[data-testid=play-turn] [data-testid=markdown] .hljs-keyword").await,
        2,
        "def, return"
    );
    assert_eq!(
        count("[data-testid=play-turn] [data-testid=markdown] script").await,
        0
    );
    assert_eq!(
        count("[data-testid=play-turn] [data-testid=markdown] img").await,
        0
    );
    let text = wait_text(&cl, md, |t| t.contains("Raw:")).await;
    assert!(
        text.contains("<script>window.__pwned = 1</script>"),
        "{text}"
    );
    assert!(
        text.contains("<img src=x onerror=\"window.__pwned = 2\">"),
        "{text}"
    );
    let pwned = cl
        .execute("return window.__pwned === undefined;", vec![])
        .await
        .unwrap();
    assert_eq!(
        pwned,
        serde_json::json!(true),
        "nothing from the answer ran"
    );

    // The link is opened through the app (logged in tests), not in the window.
    click(&cl, "[data-testid=play-turn] [data-testid=markdown] a").await;
    let log = driver.data.path().join("opened.log");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !log.exists() {
        assert!(Instant::now() < deadline, "the link was not opened");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        std::fs::read_to_string(&log).unwrap().trim(),
        "https://example.org/docs"
    );
    let url = cl.current_url().await.unwrap();
    assert!(
        !url.as_str().contains("example.org"),
        "the window stayed on the app: {url}"
    );

    // Copy a code block.
    click(&cl, "[data-testid=play-turn] [data-testid=md-copy]").await;
    wait_text(&cl, "[data-testid=play-turn] [data-testid=md-copy]", |t| {
        t == "Copied"
    })
    .await;
    screenshot(&cl, "window-markdown-light.png").await;
    click(&cl, "[data-testid=play-copy-cost]").await;
    wait_text(&cl, "[data-testid=play-copy-cost]", |t| t == "Copied").await;
    click(&cl, "[data-testid=play-copy-text]").await;
    wait_text(&cl, "[data-testid=play-copy-text]", |t| t == "Copied").await;
    // The X clipboard, read from outside the app (WebKit refuses `readText` to WebDriver).
    let out = std::process::Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .env("DISPLAY", super::display())
        .output()
        .expect("xclip (scripts/setup.sh installs it)");
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(
        t.contains("def total(xs)") && !t.contains("```"),
        "plain text: {t}"
    );

    // Dark, on the same answer (switching screens would start a new conversation).
    cl.execute("document.documentElement.dataset.theme = 'dark';", vec![])
        .await
        .unwrap();
    screenshot(&cl, "window-markdown-dark.png").await;

    // Ctrl+N starts a new conversation; Ctrl+K finds the old one by its title and reopens it.
    let key = |k: &str| {
        format!(
            "window.dispatchEvent(new KeyboardEvent('keydown', {{ key: '{k}', ctrlKey: true }}));"
        )
    };
    cl.execute(&key("n"), vec![]).await.unwrap();
    wait_for(&cl, "[data-testid=play-turn]", false).await;
    cl.execute(&key("k"), vec![]).await.unwrap();
    wait_for(&cl, "[data-testid=palette]", true).await;
    set_field(&cl, "[data-testid=palette-input]", "plan it").await;
    let first = wait_dom_text(&cl, "[data-testid=palette-item]", |t| {
        t.contains("conversation")
    })
    .await;
    assert!(first.starts_with("Plan it"), "{first}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    screenshot(&cl, "window-palette.png").await;
    click(&cl, "[data-testid=palette-item]").await;
    wait_text(&cl, "[data-testid=play-turn]", |t| {
        t.contains("quoted advice")
    })
    .await;
    cl.close().await.unwrap();
}
