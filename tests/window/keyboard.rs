//! The keyboard reaches everything: on every screen, walking with Tab from the navigation
//! focuses every visible control (button, link, field, menu, focusable chart) and each shows a
//! visible focus ring; Ctrl+K opens the palette with the focus in it, Escape closes it and gives
//! the focus back. Real key presses (WebDriver), not synthetic DOM events.

use std::time::Duration;

use super::{Driver, click, connect, screenshot, wait_for};

/// Records every element that receives the focus, and whether its focus ring is visible.
const RECORD: &str = "
  window.__kb = [];
  document.addEventListener('focusin', (e) => {
    const el = e.target;
    const cs = getComputedStyle(el);
    const ring = el.matches(':focus-visible') && cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 1;
    el.dataset.kb = '1';
    window.__kb.push({ what: window.__describe(el), ring });
  });
  window.__describe = (el) => {
    const id = el.dataset.testid || el.getAttribute('aria-label') || el.getAttribute('name') || el.id || '';
    const text = (el.textContent || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 30);
    return `${el.tagName.toLowerCase()}${id ? '[' + id + ']' : ''} ${text}`;
  };";

/// Visible, enabled controls the Tab walk should have reached but did not.
const UNREACHED: &str = "
  const sel = 'button, a[href], input:not([type=hidden]), select, textarea, [tabindex]';
  return [...document.querySelectorAll(sel)]
    // A radio group is one Tab stop (its checked button); the arrow keys move within it.
    .filter((e) => !(e.type === 'radio' && !e.checked))
    .filter((e) => !e.disabled && e.tabIndex >= 0 && e.getClientRects().length > 0 && !e.dataset.kb)
    .map(window.__describe);";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_control_is_reachable_by_tab_with_a_visible_focus_ring() {
    let driver = Driver::start(4584);
    let cl = connect(&driver).await;
    wait_for(&cl, "nav button.active", true).await;
    cl.execute(RECORD, vec![]).await.unwrap();

    let screens: Vec<String> = cl
        .execute(
            "return [...document.querySelectorAll('nav [data-screen]')].map((b) => b.dataset.screen);",
            vec![],
        )
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(screens.len() >= 10, "{screens:?}");

    let mut problems = Vec::new();
    let mut reached = 0;
    for screen in &screens {
        click(&cl, &format!("[data-screen={screen}]")).await;
        // Screens load their data (and their code) when shown.
        tokio::time::sleep(Duration::from_millis(800)).await;
        // Start from the screen's place in the navigation (a programmatic focus, which is
        // not itself a keyboard step, so the record starts after it).
        cl.execute(
            "document.querySelector('nav button.active').focus();
             document.querySelectorAll('[data-kb]').forEach((e) => delete e.dataset.kb);
             window.__kb = [];",
            vec![],
        )
        .await
        .unwrap();
        let controls = cl
            .execute(
                "return document.querySelectorAll('button, a[href], input, select, textarea, [tabindex]').length;",
                vec![],
            )
            .await
            .unwrap()
            .as_u64()
            .unwrap() as usize;
        // Enough presses to go round the whole page once, in a single WebDriver call.
        let tabs = "\u{e004}".repeat(controls + 5);
        cl.active_element()
            .await
            .unwrap()
            .send_keys(&tabs)
            .await
            .unwrap();
        let walk = cl.execute("return window.__kb;", vec![]).await.unwrap();
        let walk = walk.as_array().unwrap();
        reached += walk.len();
        for step in walk {
            if !step["ring"].as_bool().unwrap() {
                problems.push(format!(
                    "{screen}: no visible focus ring on {}",
                    step["what"]
                ));
            }
        }
        let missed = cl.execute(UNREACHED, vec![]).await.unwrap();
        for m in missed.as_array().unwrap() {
            problems.push(format!("{screen}: Tab never reaches {m}"));
        }
    }
    println!(
        "keyboard walk: {} screens, {reached} focus stops",
        screens.len()
    );
    assert!(problems.is_empty(), "{problems:#?}");

    // Ctrl+K, from the keyboard: the palette takes the focus; Escape gives it back.
    click(&cl, "[data-screen=history]").await;
    cl.execute(
        "document.querySelector('nav button.active').focus();",
        vec![],
    )
    .await
    .unwrap();
    cl.active_element()
        .await
        .unwrap()
        .send_keys("\u{e009}k\u{e009}")
        .await
        .unwrap();
    wait_for(&cl, "[data-testid=palette]", true).await;
    let focus = cl
        .execute("return document.activeElement.dataset.testid;", vec![])
        .await
        .unwrap();
    assert_eq!(focus, serde_json::json!("palette-input"));
    screenshot(&cl, "window-keyboard-palette.png").await;
    cl.active_element()
        .await
        .unwrap()
        .send_keys("\u{e00c}")
        .await
        .unwrap();
    wait_for(&cl, "[data-testid=palette]", false).await;
    let back = cl
        .execute(
            "return document.activeElement === document.querySelector('nav button.active');",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(back, serde_json::json!(true), "focus went back to the nav");
    cl.close().await.unwrap();
}
