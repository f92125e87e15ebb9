//! `cargo bench -p promptledger-core --bench prices`
//!
//! Figures this must reach (issue #16), printed with the measured values:
//! - what-if re-pricing over 1 year of a 10,000,000-run ledger (two model swaps, and batch):
//!   p50 ≤ 50 ms;
//! - the diff of two full price tables (the bundled one and a copy with 200 rates changed,
//!   100 models removed and 50 added): p50 ≤ 100 ms. Parsing the downloaded file and ranking the
//!   changes by spend (the whole `prices update` preview) is printed beside it.
//!
//! The ledger is the analytics bench's sample ledger (`demo::fill` over two years), seeded once
//! and kept in the target dir. `PRICES_BENCH_RUNS` changes its size. Exits non-zero when a figure
//! is missed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use promptledger_core::analytics::whatif::{ModelSwap, WhatIfSpec};
use promptledger_core::analytics::{DayRange, Filters};
use promptledger_core::pricing::PriceTable;
use promptledger_core::pricing::diff::diff;
use promptledger_core::pricing::table::BUNDLED_JSON;

mod seeded;
use seeded::{ms, time};

/// The bundled table with 200 rates changed, 100 models removed and 50 added.
fn changed_table() -> Vec<u8> {
    let mut t: serde_json::Value = serde_json::from_slice(BUNDLED_JSON).unwrap();
    let m = t.as_object_mut().unwrap();
    let keys: Vec<String> = m
        .iter()
        .filter(|(_, v)| {
            v.get("input_cost_per_token")
                .is_some_and(|c| c.as_f64().is_some())
        })
        .map(|(k, _)| k.clone())
        .collect();
    for k in keys.iter().step_by(keys.len() / 200).take(200) {
        let v = m[k]["input_cost_per_token"].as_f64().unwrap();
        m[k]["input_cost_per_token"] = serde_json::json!(v * 0.8);
    }
    for k in keys.iter().rev().take(100) {
        m.remove(k);
    }
    for i in 0..50 {
        m.insert(
            format!("bench-new-model-{i}"),
            serde_json::json!({"litellm_provider": "openai", "mode": "chat",
                               "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}),
        );
    }
    serde_json::to_vec(&t).unwrap()
}

fn specs_swaps() -> WhatIfSpec {
    WhatIfSpec {
        swaps: vec![
            ModelSwap::parse("gpt-4o=gpt-4o-mini").unwrap(),
            ModelSwap::parse("claude-sonnet-4-5=claude-haiku-4-5").unwrap(),
        ],
        ..WhatIfSpec::default()
    }
}

fn main() {
    let mut ok = true;

    let old = PriceTable::bundled();
    let bytes = changed_table();
    let new = PriceTable::parse(&bytes, "update-bench", None).unwrap();
    let d = diff(&old, &new);
    println!(
        "diff of two full tables ({} and {} models): {} added, {} removed, {} rates changed",
        old.len(),
        new.len(),
        d.added.len(),
        d.removed.len(),
        d.changed.len()
    );
    let t = time(15, || diff(&old, &new));
    println!("  diff: p50 {:.1} ms (target ≤ 100 ms)", ms(t));
    ok &= t <= Duration::from_millis(100);
    let parse = time(7, || {
        PriceTable::parse(&bytes, "update-bench", None).unwrap()
    });
    println!(
        "  parsing the downloaded 3 MB file before it: p50 {:.1} ms",
        ms(parse)
    );

    let runs: u64 = std::env::var("PRICES_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000);
    let t0 = Instant::now();
    let (ledger, _) = seeded::ledger_with(runs);
    println!(
        "ledger of {runs} runs ready in {:.1} s (a first open migrates it)",
        t0.elapsed().as_secs_f64()
    );
    let t = time(5, || ledger.preview_price_table(&bytes).unwrap());
    println!(
        "  the whole `prices update` preview (parse, diff, rank by 30 days' spend): p50 {:.1} ms",
        ms(t)
    );
    let year = DayRange {
        from: NaiveDate::from_ymd_opt(2025, 11, 21).unwrap(),
        to: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
    };
    let specs = [
        ("two swaps", specs_swaps()),
        (
            "batch",
            WhatIfSpec {
                batch: true,
                ..WhatIfSpec::default()
            },
        ),
    ];
    for (name, spec) in &specs {
        let w = ledger.what_if(&year, &Filters::default(), spec).unwrap();
        let runs: i64 = w.by_model.iter().map(|r| r.runs).sum();
        let t = time(15, || {
            ledger.what_if(&year, &Filters::default(), spec).unwrap()
        });
        println!(
            "  what-if over 1 year ({name}; {runs} runs re-priced, {} → {}): p50 {:.1} ms (target ≤ 50 ms)",
            promptledger_core::NanoUsd(w.actual_nano).to_short_usd(),
            promptledger_core::NanoUsd(w.what_if_nano).to_short_usd(),
            ms(t)
        );
        ok &= t <= Duration::from_millis(50);
    }
    // With a key, tag or status filter the wide roll-up is read: printed, not a target.
    let ok_only = Filters {
        status: Some("ok".into()),
        ..Filters::default()
    };
    let t = time(7, || {
        ledger.what_if(&year, &ok_only, &specs_swaps()).unwrap()
    });
    println!(
        "  what-if over 1 year filtered to completed runs (the wide roll-up): p50 {:.1} ms",
        ms(t)
    );
    if !ok {
        eprintln!("a figure was missed");
        std::process::exit(1);
    }
}
