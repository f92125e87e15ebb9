//! `cargo bench -p promptledger-core --bench analytics`
//!
//! Figures this must reach (issue #7), printed with the measured values:
//! - the whole dashboard (figures, breakdowns, daily series, latency percentiles, previous
//!   period, most expensive runs) for a 30-day and a 1-year period: p50 ≤ 20 ms over 1,000,000
//!   runs and ≤ 50 ms over 10,000,000 runs;
//! - exporting 1,000,000 runs to CSV within 1.2× the time of the `sqlite3` shell's `.mode csv`
//!   export of the same columns from the same file.
//!
//! The ledgers are sample data (`demo::fill`: ten models, keys, tags, failures, caching) over
//! two years, so the previous period of a 1-year dashboard is full too. They are seeded through
//! the real schema and triggers once and kept in the target dir for the next run.
//! `ANALYTICS_BENCH_RUNS=1000000,10000000` picks the sizes. Exits non-zero when a figure is missed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use chrono::NaiveDate;
use promptledger_core::analytics::{DashboardQuery, Filters, Period, Preset};
use promptledger_core::charts::{ChartKind, Theme, render};
use promptledger_core::export::{ExportFormat, RunExport, export_runs};
use promptledger_core::ledger::Ledger;

mod seeded;
use seeded::{ledger_with, ms, time};

fn export_vs_sqlite3(ledger: &Ledger, path: &Path) -> bool {
    let out = std::env::temp_dir().join("promptledger-bench-export.csv");
    let ours = (0..3)
        .map(|_| {
            let t = Instant::now();
            let mut f =
                std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&out).unwrap());
            let s = export_runs(
                ledger,
                &RunExport::default(),
                ExportFormat::Csv,
                &mut f,
                |_, _| {},
            )
            .unwrap();
            drop(f);
            assert_eq!(s.rows as i64, ledger.run_count().unwrap());
            t.elapsed()
        })
        .min()
        .unwrap();
    let sql = "SELECT id, strftime('%Y-%m-%dT%H:%M:%fZ', started_at_ms / 1000.0, 'unixepoch'),
        provider, COALESCE(model_resolved, model_requested), model_requested, key_label, tag,
        status, error_code, input_tokens, cached_input_tokens, cache_write_tokens,
        cache_write_1h_tokens, output_tokens, reasoning_tokens,
        input_tokens + cached_input_tokens + cache_write_tokens + cache_write_1h_tokens
        + output_tokens + reasoning_tokens,
        printf('%d.%09d', cost_total_nano / 1000000000, cost_total_nano % 1000000000),
        cost_source, price_table_version, latency_ms, ttft_ms, attempts
        FROM runs ORDER BY started_at_ms, id;";
    let theirs_out = std::env::temp_dir().join("promptledger-bench-sqlite3.csv");
    let theirs = (0..3)
        .map(|_| {
            let t = Instant::now();
            let status = Command::new("sqlite3")
                .arg("-readonly")
                .arg(path)
                .arg(".headers on")
                .arg(".mode csv")
                .arg(format!(".once {}", theirs_out.display()))
                .arg(sql)
                .status()
                .expect("the sqlite3 shell (apt-get install sqlite3)");
            assert!(status.success());
            t.elapsed()
        })
        .min()
        .unwrap();
    let lines = |p: &Path| csv::Reader::from_path(p).unwrap().records().count();
    assert_eq!(
        lines(&out),
        lines(&theirs_out),
        "both exports hold every run"
    );
    let ratio = ours.as_secs_f64() / theirs.as_secs_f64();
    println!(
        "  export {} runs to CSV: {:.0} ms; sqlite3 .mode csv: {:.0} ms; ratio {ratio:.2}× (target ≤ 1.2×)",
        ledger.run_count().unwrap(),
        ms(ours),
        ms(theirs)
    );
    let _ = std::fs::remove_file(out);
    let _ = std::fs::remove_file(theirs_out);
    ratio <= 1.2
}

fn main() {
    let sizes: Vec<u64> = std::env::var("ANALYTICS_BENCH_RUNS")
        .unwrap_or_else(|_| "1000000,10000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let mut ok = true;
    for runs in sizes {
        println!("ledger of {runs} runs:");
        let (ledger, path) = ledger_with(runs);
        let target = if runs <= 1_000_000 { 20.0 } else { 50.0 };
        for (label, preset) in [("30-day", Preset::Days30), ("1-year", Preset::Year)] {
            let q = DashboardQuery {
                period: Period::preset(preset),
                filters: Filters::default(),
                top: None,
            };
            let d = ledger.dashboard_on(&q, today).unwrap();
            let t = time(15, || ledger.dashboard_on(&q, today).unwrap());
            let pass = ms(t) <= target;
            ok &= pass;
            println!(
                "  dashboard {label}: p50 {:.2} ms (target ≤ {target} ms) {} — {} runs, ${:.2}, vs {} before",
                ms(t),
                if pass { "ok" } else { "MISSED" },
                d.totals.runs,
                d.totals.cost_nano.0 as f64 / 1e9,
                d.previous.runs
            );
            let mut fq = q.clone();
            fq.filters.provider = Some("anthropic".into());
            fq.filters.status = Some("error".into());
            let t = time(15, || ledger.dashboard_on(&fq, today).unwrap());
            println!(
                "  dashboard {label}, filtered to Anthropic errors: p50 {:.2} ms",
                ms(t)
            );
            let t = time(15, || {
                [
                    ChartKind::SpendByProvider,
                    ChartKind::CostPerModel,
                    ChartKind::Tokens,
                    ChartKind::Latency,
                    ChartKind::SuccessRate,
                ]
                .map(|k| render(&d, k, Theme::Light).unwrap())
            });
            println!("  five SVG charts for it: p50 {:.2} ms", ms(t));
        }
        if runs == 1_000_000 {
            ok &= export_vs_sqlite3(&ledger, &path);
        }
    }
    if !ok {
        println!("a figure was missed");
        std::process::exit(1);
    }
}
