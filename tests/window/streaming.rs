//! A 20,000-token Markdown answer (headings, paragraphs with links, nested lists, tables and
//! code blocks) streamed into the Playground at 2,000 tokens a second — faster than any hosted
//! model — keeps the window at 30 frames a second or more while it re-renders. The frames are
//! counted in the page with `requestAnimationFrame` for as long as the answer is streaming; the
//! frame rate and the longest frame are printed; no frame may take more than 250 ms (the
//! finished answer is not rendered a second time).

use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply, StreamEnd};
use std::time::Duration;

use super::{Driver, add_key, click, connect, set_field, wait_for, wait_text};

/// Output tokens in the answer: each delta is one token of about four characters.
const TOKENS: usize = 20_000;
/// Deltas per network write, and the pause before each write: 2,000 tokens a second.
const PER_WRITE: usize = 10;
const PACE: Duration = Duration::from_millis(5);

/// One section of the answer; repeated (numbered) until it holds `TOKENS` tokens.
fn section(i: usize) -> String {
    format!(
        "## Step {i}\n\nThis step **adds** `x + {i}` to the running total and is explained at some \
         length, with [a reference](https://example.org/steps/{i}) and enough words to wrap across \
         a few lines of the answer column.\n\n- check the input\n  - it is a number\n  - it is \
         not negative\n- add the step\n\n| metric | value |\n|---|---:|\n| tokens | {} |\n| cost | \
         ${i}.00 |\n\n```rust\nfn step_{i}(x: u64) -> u64 {{\n    // add the step\n    x + {i}\n}}\n```\n\n",
        i * 10
    )
}

/// The answer cut into `TOKENS` deltas of about four characters (on char boundaries).
fn deltas() -> Vec<String> {
    let mut text = String::new();
    let mut i = 1;
    while text.len() < TOKENS * 4 {
        text.push_str(&section(i));
        i += 1;
    }
    let chars: Vec<char> = text.chars().collect();
    chars
        .chunks(4)
        .take(TOKENS)
        .map(|c| c.iter().collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_20000_token_answer_streams_at_30_fps_or_more() {
    let d = deltas();
    let refs: Vec<&str> = d.iter().map(String::as_str).collect();
    let c = Counts {
        prompt: 50,
        output: TOKENS as u64,
        ..Counts::default()
    };
    let events = wire::openai_sse("gpt-4o", &refs, Some(c), None);
    let pieces: Vec<String> = events.chunks(PER_WRITE).map(|c| c.concat()).collect();
    let server = FakeServer::start(vec![
        Reply::json(wire::openai_models(&["gpt-4o"])),
        Reply::stream("text/event-stream", pieces, StreamEnd::Finish).paced(PACE),
    ]);
    let driver = Driver::start(4574);
    let cl = connect(&driver).await;
    click(&cl, "[data-screen=keys]").await;
    add_key(
        &cl,
        "openai",
        "fps",
        "sk-test-fps-1234",
        &format!("{}/v1", server.url()),
    )
    .await;
    click(&cl, "[data-screen=playground]").await;
    wait_for(&cl, "[data-testid=play-target] option", true).await;
    set_field(&cl, "[data-testid=play-model]", "gpt-4o").await;
    set_field(&cl, "[data-testid=play-prompt]", "Write the long plan").await;

    // Count painted frames from the first streamed text until a second after the run ended
    // (the finished turn's render included).
    cl.execute(
        "window.__frames = []; window.__chars = []; window.__streamed = 0; window.__done = null;
         const loop = (t) => {
           const live = document.querySelector('.turn.live [data-testid=markdown]');
           if (live) window.__streamed = live.textContent.length;
           if (live || window.__frames.length) {
             if (window.__done === null || t < window.__done) {
               window.__frames.push(t); window.__chars.push(window.__streamed);
             }
             if (!live && window.__done === null) window.__done = t + 1000;
           }
           requestAnimationFrame(loop);
         };
         requestAnimationFrame(loop);",
        vec![],
    )
    .await
    .unwrap();
    click(&cl, "[data-testid=play-run]").await;
    wait_text(&cl, "[data-testid=play-cost]", |t| t.starts_with('$')).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let r = cl
        .execute(
            "const f = window.__frames; let worst = 0;
             for (let i = 1; i < f.length; i++) worst = Math.max(worst, f[i] - f[i - 1]);
             const gaps = []; for (let i = 1; i < f.length; i++) gaps.push([Math.round(f[i] - f[i - 1]), i, window.__chars[i]]);
             gaps.sort((a, b) => b[0] - a[0]);
             return { frames: f.length, ms: f.length > 1 ? f[f.length - 1] - f[0] : 0, worst,
                      streamed: window.__streamed, top: gaps.slice(0, 5) };",
            vec![],
        )
        .await
        .unwrap();
    let frames = r["frames"].as_f64().unwrap();
    let ms = r["ms"].as_f64().unwrap();
    let worst = r["worst"].as_f64().unwrap();
    let streamed = r["streamed"].as_f64().unwrap();
    let fps = (frames - 1.0) / (ms / 1000.0);
    println!(
        "streaming {TOKENS} tokens: {frames} frames in {:.1} s = {fps:.1} fps, longest frame \
         {worst:.0} ms (longest five [ms, frame, characters on screen]: {}), {streamed} \
         characters on screen at the last streamed frame",
        ms / 1000.0,
        r["top"]
    );
    assert!(
        ms >= 5_000.0,
        "the stream lasted {ms} ms; too short to measure"
    );
    assert!(
        streamed > (TOKENS * 3) as f64,
        "most of the answer was rendered while streaming: {streamed} characters"
    );
    assert!(fps >= 30.0, "{fps:.1} fps while streaming (goal: 30)");
    // No freeze either: the answer on screen is not rendered again when the run completes.
    assert!(worst <= 250.0, "a {worst:.0} ms frame while streaming");

    // The whole answer is there at the end, rendered as Markdown.
    let tables = cl
        .execute(
            "return document.querySelectorAll('[data-testid=play-turn] [data-testid=markdown] table').length;",
            vec![],
        )
        .await
        .unwrap();
    assert!(tables.as_i64().unwrap() > 100, "{tables}");
    cl.close().await.unwrap();
}
