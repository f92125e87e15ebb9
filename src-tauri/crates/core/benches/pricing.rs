//! `cargo bench -p promptledger-core --bench pricing`
//!
//! Figures this must reach (issue #2), printed with the measured value:
//! - pricing a run (model lookup + cost breakdown, with the time-window check and service
//!   multipliers in the path; issue #13): ≥ 1,000,000 runs/s
//! - loading the bundled price table at startup: ≤ 30 ms
//!
//! Exits non-zero when a figure is missed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use promptledger_core::ProviderKind;
use promptledger_core::pricing::table::{BUNDLED_JSON, BUNDLED_SHA256, BUNDLED_SOURCE};
use promptledger_core::pricing::{Billing, PriceTable, Pricer, ServiceTags, TokenUsage};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let mut ok = true;

    // Startup load: parse the embedded 3 MB table (as the first pricing call does).
    let loads: Vec<Duration> = (0..15)
        .map(|_| {
            let t = Instant::now();
            let table =
                PriceTable::parse(BUNDLED_JSON, BUNDLED_SOURCE, Some(BUNDLED_SHA256)).unwrap();
            black_box(table.len());
            t.elapsed()
        })
        .collect();
    let load_ms = median(loads).as_secs_f64() * 1000.0;
    let pass = load_ms <= 30.0;
    ok &= pass;
    println!(
        "load bundled price table: {load_ms:.2} ms (median of 15; target ≤ 30 ms) {}",
        verdict(pass)
    );

    // Pricing throughput over a realistic mix of providers, name forms and usage shapes.
    let pricer = Pricer::new(
        Arc::new(PriceTable::parse(BUNDLED_JSON, BUNDLED_SOURCE, Some(BUNDLED_SHA256)).unwrap()),
        Vec::new(),
    );
    let u = |i, c, w, o, r| TokenUsage {
        input_tokens: i,
        cached_input_tokens: c,
        cache_write_tokens: w,
        cache_write_1h_tokens: 0,
        output_tokens: o,
        reasoning_tokens: r,
    };
    let mix = [
        (ProviderKind::Openai, "gpt-4o", u(1000, 2000, 0, 200, 100)),
        (
            ProviderKind::Openai,
            "gpt-4o-mini-2024-07-18",
            u(500, 0, 0, 300, 0),
        ),
        (
            ProviderKind::Anthropic,
            "claude-sonnet-4-5",
            u(1000, 2000, 500, 300, 0),
        ),
        (
            ProviderKind::Anthropic,
            "claude-sonnet-4-5-20250929",
            u(800, 0, 0, 900, 0),
        ),
        (
            ProviderKind::Gemini,
            "gemini-2.5-pro",
            u(250_000, 0, 0, 1000, 0),
        ),
        (
            ProviderKind::Gemini,
            "gemini-2.5-flash",
            u(176, 1024, 0, 50, 192),
        ),
        (ProviderKind::Ollama, "llama3.2", u(26, 0, 0, 290, 0)),
        (
            ProviderKind::OpenaiCompatible,
            "dashscope/qwen-plus-2025-07-28",
            u(300_000, 0, 0, 1000, 10),
        ),
        // Windowed (off-peak) rates, a preset's prefixed entry, and a service multiplier.
        (
            ProviderKind::Deepseek,
            "deepseek-v4-flash",
            u(8000, 2000, 0, 1000, 0),
        ),
        (ProviderKind::Xai, "grok-4.3", u(800, 200, 0, 50, 300)),
        (
            ProviderKind::Anthropic,
            "claude-opus-4-8",
            u(1000, 2000, 400, 500, 0),
        ),
    ];
    // Each run has its own start (alternately peak and off-peak hours for DeepSeek) and the
    // Anthropic one says it was served in the US in fast mode.
    let monday_9h = 1_796_029_200_000_i64; // 2026-11-30T09:00:00Z
    let billings: Vec<Billing> = (0..mix.len())
        .map(|i| Billing {
            at_ms: monday_9h + (i as i64 % 2) * 9 * 3_600_000,
            service: if i == mix.len() - 1 {
                ServiceTags {
                    inference_geo: Some("us".into()),
                    speed: Some("fast".into()),
                }
            } else {
                ServiceTags::default()
            },
        })
        .collect();
    let jobs: Vec<_> = mix.iter().zip(&billings).collect();
    let n: usize = 2_000_000;
    // Warm up.
    for ((p, m, us), b) in jobs.iter().cycle().take(10_000) {
        black_box(pricer.price_as(*p, m, us, b).unwrap());
    }
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        for ((p, m, us), b) in jobs.iter().cycle().take(n) {
            black_box(
                pricer
                    .price_as(black_box(*p), black_box(m), black_box(us), black_box(b))
                    .unwrap(),
            );
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    let rate = n as f64 / best;
    let pass = rate >= 1_000_000.0;
    ok &= pass;
    println!(
        "price a run (lookup + breakdown): {:.2} M runs/s, {:.0} ns/run (best of 3 × {n}; target ≥ 1 M runs/s) {}",
        rate / 1e6,
        best / n as f64 * 1e9,
        verdict(pass)
    );

    if !ok {
        std::process::exit(1);
    }
}

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "FAIL" }
}
