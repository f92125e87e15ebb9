//! The first start, as a new user sees it: the Playground offers the three ways in (a key, a
//! local Ollama — none answers here —, sample data), and every empty screen says what to do.

use super::{Driver, click, connect, screenshot, wait_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_user_is_shown_the_way_in_and_empty_screens_say_what_to_do() {
    let driver = Driver::start(4564);
    let c = connect(&driver).await;
    c.set_window_size(1024, 700).await.unwrap();
    let welcome = wait_text(&c, "[data-testid=welcome]", |t| t.contains("Welcome")).await;
    assert!(welcome.contains("Connect an API key"), "{welcome}");
    assert!(welcome.contains("Explore with sample data"), "{welcome}");
    assert!(
        welcome.contains("No Ollama server with a model answered"),
        "{welcome}"
    );
    assert!(!welcome.contains("Use Ollama"), "{welcome}");
    screenshot(&c, "window-first-run.png").await;

    click(&c, "[data-screen=history]").await;
    let h = wait_text(&c, "[data-testid=history-empty]", |t| !t.is_empty()).await;
    assert!(h.starts_with("No runs yet"), "{h}");
    click(&c, "[data-screen=budgets]").await;
    let b = wait_text(&c, "[data-testid=budgets-empty]", |t| !t.is_empty()).await;
    assert!(b.contains("Add one below"), "{b}");
    click(&c, "[data-screen=compare]").await;
    let cmp = wait_text(&c, "[data-testid=cmp-empty]", |t| !t.is_empty()).await;
    assert!(cmp.contains("Run all"), "{cmp}");

    // The way in through sample data lands on Analytics' offer.
    click(&c, "[data-screen=playground]").await;
    click(&c, "[data-testid=welcome-demo]").await;
    wait_text(&c, "[data-testid=explore-demo]", |t| {
        t.contains("sample data")
    })
    .await;
    click(&c, "[data-screen=playground]").await;
    click(&c, "[data-testid=welcome-key]").await;
    wait_text(&c, "h1", |t| t == "Keys").await;
    c.close().await.unwrap();
}
