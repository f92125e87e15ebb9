//! The Analytics screen in the real window, on sample data: the figures agree with the sample
//! ledger's own dashboard, every chart is drawn with a hover readout, runs and the report export
//! to CSV (through the save path) and read back to the same totals, a chart saves as PNG, and
//! light and dark screenshots are kept. The user's real ledger stays empty throughout.

use fantoccini::Client;
use promptledger_core::analytics::{DashboardQuery, Filters, Period, Preset};
use promptledger_core::ledger::Ledger;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{Driver, click, connect, screenshot, wait_for, wait_text};

fn app_dir(driver: &Driver) -> PathBuf {
    driver
        .data
        .path()
        .join(promptledger_core::ledger::APP_IDENTIFIER)
}

/// Waits for a file whose name starts with `prefix` in `dir`.
async fn exported(dir: &Path, prefix: &str, ext: &str) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(p) = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| {
                let n = p.file_name().unwrap().to_string_lossy().into_owned();
                n.starts_with(prefix) && n.ends_with(ext)
            })
        {
            return p;
        }
        assert!(
            Instant::now() < deadline,
            "no {prefix}*{ext} in {}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn nano(usd: &str) -> i64 {
    let (whole, frac) = usd.split_once('.').unwrap();
    whole.parse::<i64>().unwrap() * 1_000_000_000 + frac.parse::<i64>().unwrap()
}

fn digits(s: &str) -> i64 {
    s.chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

/// An element's text through the DOM, once it shows a non-zero figure.
async fn dom_text(c: &Client, css: &str) -> String {
    super::wait_dom_text(c, css, |t| {
        t.chars().any(|ch| ch.is_ascii_digit() && ch != '0')
    })
    .await
}

async fn charts_drawn(c: &Client) {
    for kind in [
        "spend_by_provider",
        "cost_per_model",
        "tokens",
        "latency",
        "success_rate",
    ] {
        wait_for(c, &format!("[data-chart={kind}] img"), true).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_on_sample_data_with_exports_in_both_themes() {
    let driver = Driver::start(4484);
    let c = connect(&driver).await;

    click(&c, "[data-screen=analytics]").await;
    wait_for(&c, "[data-testid=analytics-empty]", true).await;
    click(&c, "[data-testid=explore-demo]").await;
    wait_for(&c, "[data-testid=demo-banner]", true).await;
    let runs_text = dom_text(&c, "[data-fig=runs] .val").await;
    charts_drawn(&c).await;

    // The same figures as the sample ledger's own dashboard for the last 30 days.
    let demo_path = app_dir(&driver).join("sample-data.sqlite3");
    let demo = Ledger::open(&demo_path).unwrap();
    let d = demo
        .dashboard(&DashboardQuery {
            period: Period::preset(Preset::Days30),
            filters: Filters::default(),
            top: None,
        })
        .unwrap();
    assert_eq!(digits(&runs_text), d.totals.runs);
    let cost_text = dom_text(&c, "[data-fig=cost] .val").await;
    let shown: f64 = cost_text
        .trim_start_matches('$')
        .replace(',', "")
        .parse()
        .unwrap();
    assert!(
        (shown - d.totals.cost_nano.0 as f64 / 1e9).abs() < 0.006,
        "{cost_text}"
    );
    let success = dom_text(&c, "[data-fig=success] .val").await;
    assert!(success.starts_with("9"), "{success}");
    wait_for(&c, "[data-testid=by-model] tbody tr", true).await;
    wait_for(&c, "[data-testid=top-runs] tbody tr", true).await;

    // The hover readout gives the exact figures of the day under the pointer. (The pointer is
    // moved again until the chart has its final size: the first layout may still be settling.)
    let deadline = Instant::now() + Duration::from_secs(15);
    let readout = loop {
        c.execute(
            "const img = document.querySelector('[data-chart=spend_by_provider] img');
             const r = img.getBoundingClientRect();
             img.dispatchEvent(new MouseEvent('mousemove', {
               clientX: r.left + r.width * 0.6, clientY: r.top + r.height * 0.5, bubbles: true }));",
            vec![],
        )
        .await
        .unwrap();
        let t = c
            .execute(
                "return document.querySelector('[data-testid=readout-spend_by_provider]').textContent;",
                vec![],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .trim()
            .to_string();
        if t.contains("total $") {
            break t;
        }
        assert!(Instant::now() < deadline, "no readout: {t}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        readout.starts_with("20"),
        "a day, then the amounts: {readout}"
    );
    screenshot(&c, "window-analytics-light.png").await;

    // Export the period's runs to CSV; it reads back to the dashboard's runs and exact cost.
    let exports = driver.data.path().join("exports");
    click(&c, "[data-testid=export-menu]").await;
    click(&c, "[data-testid=export-runs-csv]").await;
    wait_text(&c, "[data-testid=analytics-message]", |t| {
        t.contains("saved to")
    })
    .await;
    let csv_path = exported(&exports, "promptledger-runs-", ".csv").await;
    let mut r = csv::Reader::from_path(&csv_path).unwrap();
    let h = r.headers().unwrap().clone();
    let cost_col = h.iter().position(|x| x == "cost_usd").unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len() as i64, d.totals.runs);
    assert_eq!(
        rows.iter().map(|r| nano(&r[cost_col])).sum::<i64>(),
        d.totals.cost_nano.0
    );

    // The cost report, and a chart as PNG.
    click(&c, "[data-testid=export-menu]").await;
    click(&c, "[data-testid=export-report-csv]").await;
    let report = exported(&exports, "promptledger-report-", ".csv").await;
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.lines().any(|l| l.starts_with("total,")), "{text}");
    click(&c, "[data-testid=save-png-latency]").await;
    let png = exported(&exports, "promptledger-latency-", ".png").await;
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 2000);

    // Dark theme: the charts are drawn again for it (also when the screen opens before the
    // theme has switched: it redraws on the change).
    click(&c, "[data-screen=settings]").await;
    click(&c, "[data-testid=theme-dark]").await;
    click(&c, "[data-screen=analytics]").await;
    wait_for(&c, "[data-testid=demo-banner]", true).await;
    charts_drawn(&c).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let dark = c
            .execute(
                "const img = document.querySelector('[data-chart=tokens] img');
                 return !!img && decodeURIComponent(img.src).toLowerCase().includes('#1a2029');",
                vec![],
            )
            .await
            .unwrap();
        if dark == serde_json::json!(true) {
            break;
        }
        assert!(Instant::now() < deadline, "the charts never turned dark");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    screenshot(&c, "window-analytics-dark.png").await;

    // The real ledger was never touched.
    let real = Ledger::open(&app_dir(&driver).join("ledger.sqlite3")).unwrap();
    assert_eq!(real.run_count().unwrap(), 0);

    // Back to the real (empty) ledger.
    click(&c, "[data-testid=leave-demo]").await;
    wait_for(&c, "[data-testid=analytics-empty]", true).await;
    assert!(!demo_path.exists());
    c.close().await.unwrap();
}
