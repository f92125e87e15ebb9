//! `cargo bench -p promptledger-core --bench reconcile`
//!
//! Figure this must reach (issue #15), printed with the measured value: reconciling 1 year ×
//! 3 providers (OpenAI, Anthropic with a bill; Gemini without) × 20 models against a
//! 1,000,000-run ledger in ≤ 200 ms (p50). The ledger is seeded through the real schema and
//! triggers once and kept in the target dir; the bill (usage and costs per day × model) is
//! stored as a sync stores it. `RECONCILE_BENCH_RUNS` changes the size. Exits non-zero when the
//! figure is missed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use promptledger_core::ProviderKind;
use promptledger_core::billing::{BilledCost, BilledUsage, BillingFetch, DayRange, ReconcileQuery};
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::runs::NewRun;
use promptledger_core::pricing::TokenUsage;

const PROVIDERS: [(ProviderKind, &str, &str); 3] = [
    (ProviderKind::Openai, "gpt-4o-mini", "gpt-bench"),
    (ProviderKind::Anthropic, "claude-haiku-4-5", "claude-bench"),
    (ProviderKind::Gemini, "gemini-2.5-flash", "gemini-bench"),
];
const MODELS: u64 = 20;

fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 11, 1).unwrap()
}

fn seed(path: &Path, runs: u64) -> Ledger {
    if path.exists() {
        let l = Ledger::open(path).unwrap();
        if l.run_count().unwrap() == runs as i64 {
            println!("  reusing {} ({runs} runs)", path.display());
            return l;
        }
        drop(l);
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
        }
    }
    let mut l = Ledger::open(path).unwrap();
    let t = Instant::now();
    let pricer = l.pricer().unwrap();
    let usage = TokenUsage {
        input_tokens: 1200,
        cached_input_tokens: 300,
        output_tokens: 350,
        ..TokenUsage::default()
    };
    let priced: Vec<_> = PROVIDERS
        .iter()
        .map(|(p, m, _)| pricer.price(*p, m, &usage).unwrap())
        .collect();
    let start_ms = first_day()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    let step = 365 * 86_400_000 / runs as i64;
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..runs {
        let p = (i % 3) as usize;
        let (provider, _, prefix) = PROVIDERS[p];
        let model = format!("{prefix}-{:02}", (i / 3) % MODELS);
        batch.push(NewRun {
            started_at_ms: start_ms + i as i64 * step,
            provider: provider.as_str().into(),
            model_requested: model.clone(),
            model_resolved: Some(model),
            priced: Some(priced[p].clone()),
            attempts: 1,
            ..NewRun::default()
        });
        if batch.len() == 10_000 {
            l.insert_runs(&batch).unwrap();
            batch.clear();
        }
    }
    l.insert_runs(&batch).unwrap();
    println!("  seeded {runs} runs in {:.1} s", t.elapsed().as_secs_f64());
    l
}

/// The bill: per day × model, the ledger's own figures (a third of the days a little more).
fn bill(l: &mut Ledger, range: DayRange) {
    let rows = l
        .reconcile(&ReconcileQuery {
            range,
            provider: None,
            today: range.to + Days::new(10),
        })
        .unwrap();
    for (provider, name) in [
        (ProviderKind::Openai, "openai"),
        (ProviderKind::Anthropic, "anthropic"),
    ] {
        let mut f = BillingFetch::default();
        for r in rows
            .rows
            .iter()
            .filter(|r| r.provider == name && r.model.is_some())
        {
            let day: NaiveDate = r.day.parse().unwrap();
            let extra =
                i64::from(day.format("%d").to_string().parse::<u8>().unwrap() % 3 == 0) * 1000;
            f.usage.push(BilledUsage {
                day,
                model: r.model.clone(),
                project_id: Some("proj_bench".into()),
                api_key_id: Some("key_bench".into()),
                input_tokens: r.ledger_tokens.unwrap() + extra,
                ..BilledUsage::default()
            });
            f.costs.push(BilledCost {
                day,
                model: (provider == ProviderKind::Anthropic)
                    .then(|| r.model.clone())
                    .flatten(),
                project_id: Some("proj_bench".into()),
                line_item: r.model.clone(),
                cost_type: Some("tokens".into()),
                amount_nano: r.ledger_nano_usd.unwrap(),
                ..BilledCost::default()
            });
        }
        l.store_billing(name, range, &f, 0).unwrap();
        l.insert_admin_key(
            &format!("admin-{name}-bench"),
            name,
            "bench",
            "0000",
            None,
            0,
        )
        .unwrap();
    }
}

fn main() {
    let runs: u64 = std::env::var("RECONCILE_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("reconcile-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let mut l = seed(&dir.join(format!("runs-{runs}.sqlite3")), runs);
    let range = DayRange::new(first_day(), first_day() + Days::new(364)).unwrap();
    bill(&mut l, range);
    let q = ReconcileQuery {
        range,
        provider: None,
        today: range.to + Days::new(10),
    };
    let report = l.reconcile(&q).unwrap();
    let mut times: Vec<Duration> = (0..15)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(l.reconcile(&q).unwrap());
            t.elapsed()
        })
        .collect();
    times.sort();
    let p50 = times[times.len() / 2].as_secs_f64() * 1000.0;
    println!(
        "reconcile 1 year × 3 providers × {MODELS} models over {runs} runs: p50 {p50:.1} ms \
         (target ≤ 200 ms), {} rows ({} match, {} billed more, {} unavailable)",
        report.totals.rows,
        report.totals.matches,
        report.totals.billed_more,
        report.totals.unavailable
    );
    if p50 > 200.0 {
        eprintln!("FIGURE MISSED: {p50:.1} ms > 200 ms");
        std::process::exit(1);
    }
}
