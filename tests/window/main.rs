//! The real app window, driven through WebDriver (tauri-driver → WebKitWebDriver) under Xvfb:
//! open the app, browse prices and set an override, compute a cost in the calculator and check
//! the shown total, switch to dark mode; the other screens in their modules. Screenshots go to
//! `artifacts/`.
//!
//! Needs a display (`xvfb-run`), `tauri-driver` on PATH and the app built (`scripts/test.sh`
//! provides all three).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod analytics;
mod batch;
mod budgets;
mod compare;
mod first_run;
mod keyboard;
mod keys;
mod markdown;
mod operations;
mod otlp;
mod play;
mod presets;
mod prices;
mod reconcile;
mod streaming;

use fantoccini::{Client, ClientBuilder, Locator};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// tauri-driver in its own process group, on an X display of its own (an Xvfb in the same
/// group); the whole group is killed on drop, so that WebKitWebDriver does not outlive the test
/// holding its port. Its own display keeps parallel tests' windows from taking each other's
/// keyboard focus, and lets screenshots be taken from the X server (see [`screenshot`]).
struct Driver {
    child: Child,
    xvfb: Child,
    data: tempfile::TempDir,
    port: u16,
}

/// The X display of this test process's app window (each test is a process under nextest).
static DISPLAY: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// The display the app of this test runs on.
fn display() -> &'static str {
    DISPLAY.get().map(String::as_str).unwrap_or(":0")
}

impl Driver {
    /// Tests run in parallel, so each gets its own WebDriver port (and the next one for
    /// WebKitWebDriver).
    fn start(port: u16) -> Driver {
        // A previous attempt of this test that was stopped on a timeout (its Drop never ran)
        // may have left its tauri-driver on the port; the retry would not get a session.
        let _ = Command::new("pkill")
            .args(["-f", &format!("^tauri-driver --port {port} ")])
            .status();
        let _ = Command::new("pkill")
            .args(["-f", &format!("^Xvfb :{port} ")])
            .status();
        let xvfb = Command::new("Xvfb")
            .args([
                &format!(":{port}"),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("Xvfb (scripts/setup.sh installs it)");
        let socket = std::path::PathBuf::from(format!("/tmp/.X11-unix/X{port}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "Xvfb :{port} did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = DISPLAY.set(format!(":{port}"));
        let data = tempfile::tempdir().unwrap();
        // The app's log (stderr, through tauri-driver) goes into the data dir, so leak scans
        // cover it.
        let log = std::fs::File::create(data.path().join("app.log")).unwrap();
        std::fs::create_dir_all(data.path().join("exports")).unwrap();
        let driver = std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into());
        let child = Command::new(driver)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &(port + 1).to_string(),
            ])
            .env("XDG_DATA_HOME", data.path())
            .env("DISPLAY", format!(":{port}"))
            // No one can click a native save dialog here: exports go to this folder instead.
            .env("PROMPTLEDGER_SAVE_DIR", data.path().join("exports"))
            // Links in answers are logged here instead of opening a browser.
            .env("PROMPTLEDGER_OPEN_LOG", data.path().join("opened.log"))
            .env_remove("PROMPTLEDGER_DB")
            .stdout(Stdio::null())
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("tauri-driver must be installed (cargo install --locked tauri-driver@2.1.0)");
        Driver {
            child,
            xvfb,
            data,
            port,
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let pgid = self.child.id();
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{pgid}")])
            .status();
        let _ = self.child.wait();
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

async fn connect(driver: &Driver) -> Client {
    let app = promptledger_e2e::bin("promptledger-app");
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "wry".into());
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": app }),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        // A session request whose app never comes up would wait forever: bound each attempt.
        let attempt = tokio::time::timeout(
            Duration::from_secs(20),
            ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{}", driver.port)),
        )
        .await;
        match attempt {
            Ok(Ok(c)) => return c,
            _ if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Ok(Err(e)) => panic!("cannot open a WebDriver session: {e}"),
            Err(_) => panic!("cannot open a WebDriver session: no answer in 20 s"),
        }
    }
}

/// Waits until the element's text satisfies `pred`, returning it.
async fn wait_text(c: &Client, css: &str, pred: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(el) = c.wait().for_element(Locator::Css(css)).await
            && let Ok(t) = el.text().await
        {
            if pred(&t) {
                return t;
            }
            last = t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    screenshot(c, "window-failure.png").await;
    panic!("{css}: text never matched; last seen {last:?}");
}

/// Waits until the element's text through the DOM satisfies `pred` (WebKitWebDriver leaves
/// ellipsized and scrolled-away text out of `text()`), returning it.
async fn wait_dom_text(c: &Client, css: &str, pred: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut last = String::new();
    while Instant::now() < deadline {
        let v = c
            .execute(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';",
                vec![serde_json::json!(css)],
            )
            .await
            .unwrap();
        let t = v.as_str().unwrap_or_default().trim().to_string();
        if pred(&t) {
            return t;
        }
        last = t;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    screenshot(c, "window-failure.png").await;
    panic!("{css}: DOM text never matched; last seen {last:?}");
}

/// Waits until an element matching `css` exists (or, with `present = false`, until none does).
async fn wait_for(c: &Client, css: &str, present: bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if c.find(Locator::Css(css)).await.is_ok() == present {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    screenshot(c, "window-failure.png").await;
    panic!("{css}: expected present={present}");
}

async fn set_field(c: &Client, css: &str, value: &str) {
    let el = c.wait().for_element(Locator::Css(css)).await.unwrap();
    el.clear().await.unwrap();
    el.send_keys(value).await.unwrap();
}

/// Clicks the element `css` matches, waiting for it to appear.
async fn click(c: &Client, css: &str) {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Adds a key on the Keys screen (already open, perhaps still loading) and waits for the
/// provider to accept it.
async fn add_key(c: &Client, provider: &str, label: &str, secret: &str, base_url: &str) {
    let select = c
        .wait()
        .for_element(Locator::Css("[data-testid=key-provider]"))
        .await
        .unwrap();
    select.select_by_value(provider).await.unwrap();
    set_field(c, "[data-testid=key-label]", label).await;
    set_field(c, "[data-testid=key-secret]", secret).await;
    set_field(c, "[data-testid=key-base-url]", base_url).await;
    click(c, "[data-testid=key-submit]").await;
    wait_text(c, "[data-testid=key-added]", |t| {
        t.contains(&format!("“{label}”"))
    })
    .await;
}

/// Saves what the app window shows, taken from the X server: WebKitGTK drawing on the CPU (the
/// app's default, src-tauri/src/webview.rs) sometimes never answers WebDriver's snapshot
/// request. The page is given two frames to paint first.
async fn screenshot(c: &Client, name: &str) {
    let _ = c
        .execute_async(
            "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));",
            vec![],
        )
        .await;
    let path = promptledger_e2e::artifacts_dir().join(name);
    let window = Command::new("xdotool")
        .args(["search", "--name", "^PromptLedger$"])
        .env("DISPLAY", display())
        .output()
        .expect("xdotool (scripts/setup.sh installs it)");
    let id = String::from_utf8_lossy(&window.stdout)
        .split_whitespace()
        .last()
        .unwrap_or("root")
        .to_string();
    let ok = Command::new("import")
        .args(["-display", display(), "-window", &id])
        .arg(&path)
        .status()
        .expect("ImageMagick's import (scripts/setup.sh installs it)");
    assert!(ok.success(), "import could not capture window {id}");
    eprintln!("screenshot: {}", path.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calculator_prices_and_theme_in_the_real_window() {
    let driver = Driver::start(4444);
    let c = connect(&driver).await;

    // The Prices screen, with the whole table loaded.
    click(&c, "[data-screen=prices]").await;
    let count = wait_text(&c, "[data-testid=prices-count]", |t| {
        t.ends_with("models") && !t.starts_with('0')
    })
    .await;
    assert!(
        count
            .replace(',', "")
            .split(' ')
            .next()
            .unwrap()
            .parse::<u32>()
            .unwrap()
            > 3000,
        "{count}"
    );
    set_field(&c, "[data-testid=prices-search]", "claude-sonnet-4-5").await;
    // (Rows are matched through data-key: WebKitWebDriver leaves ellipsized cells out of text.)
    wait_for(&c, "[data-key='claude-sonnet-4-5']", true).await;
    wait_for(&c, "[data-key='gpt-4o']", false).await;
    screenshot(&c, "window-prices.png").await;

    // Set your own price for gpt-4o-mini from its detail panel; the row is marked as yours.
    set_field(&c, "[data-testid=prices-search]", "gpt-4o-mini").await;
    wait_for(&c, "[data-key='claude-sonnet-4-5']", false).await;
    click(&c, "[data-key='gpt-4o-mini']").await;
    set_field(&c, "[data-testid=override-input]", "0.10").await;
    set_field(&c, "[data-testid=override-output]", "0.40").await;
    c.wait()
        .for_element(Locator::Css("aside button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "[data-key='gpt-4o-mini'] .badge.override", true).await;
    let row = wait_text(&c, "[data-key='gpt-4o-mini']", |t| t.contains("$0.10")).await;
    assert!(row.contains("$0.40"), "{row}");
    screenshot(&c, "window-prices-override.png").await;

    // Cost calculator: gpt-4o, 1000 input + 2000 cached + 200 output + 100 reasoning = $0.008.
    c.wait()
        .for_element(Locator::Css("[data-screen=calculator]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    set_field(&c, "[data-testid=calc-model]", "gpt-4o").await;
    set_field(&c, "[data-testid=calc-input_tokens]", "1000").await;
    set_field(&c, "[data-testid=calc-cached_input_tokens]", "2000").await;
    set_field(&c, "[data-testid=calc-output_tokens]", "200").await;
    set_field(&c, "[data-testid=calc-reasoning_tokens]", "100").await;
    let total = wait_text(&c, "[data-testid=calc-total]", |t| t == "$0.008").await;
    assert_eq!(total, "$0.008");
    screenshot(&c, "window-calculator.png").await;

    // The calculator prices with the override: 1,000,000 input at $0.10/1M.
    set_field(&c, "[data-testid=calc-model]", "gpt-4o-mini").await;
    set_field(&c, "[data-testid=calc-input_tokens]", "1000000").await;
    set_field(&c, "[data-testid=calc-cached_input_tokens]", "0").await;
    set_field(&c, "[data-testid=calc-output_tokens]", "0").await;
    set_field(&c, "[data-testid=calc-reasoning_tokens]", "0").await;
    wait_text(&c, "[data-testid=calc-total]", |t| t == "$0.10").await;

    // An unknown model is an error naming close ids, not $0.
    set_field(&c, "[data-testid=calc-model]", "gpt-4oo").await;
    let err = wait_text(&c, "[data-testid=calc-error]", |t| {
        t.contains("unknown model")
    })
    .await;
    assert!(err.contains("gpt-4o"), "{err}");

    // Dark mode persists through the store plugin.
    c.wait()
        .for_element(Locator::Css("[data-screen=settings]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(&c, "[data-testid=theme-dark]").await;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let theme = c
            .execute("return document.documentElement.dataset.theme", vec![])
            .await
            .unwrap();
        if theme == "dark" {
            break;
        }
        assert!(Instant::now() < deadline, "theme stayed {theme}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Remembered for the next start's first frame, before the settings arrive.
    let remembered = c
        .execute("return localStorage.getItem('promptledger.theme')", vec![])
        .await
        .unwrap();
    assert_eq!(remembered, "dark");
    c.wait()
        .for_element(Locator::Css("[data-screen=calculator]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "[data-testid=calc-total]", |t| t.starts_with('$')).await;
    screenshot(&c, "window-calculator-dark.png").await;

    c.close().await.unwrap();
}
