//! The sample ledgers the analytics and prices benches share: `demo::fill` data over two years
//! ending 2026-11-20, seeded through the real schema and triggers once and kept in the target dir.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use promptledger_core::demo::{DemoOptions, fill};
use promptledger_core::ledger::{Ledger, Zone};

pub const END: &str = "2026-11-20T23:00:00Z";

pub fn ledger_with(runs: u64) -> (Ledger, PathBuf) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("analytics-bench");
    std::fs::create_dir_all(&dir).unwrap();
    // Opening an older file migrates it in place; the runs stay, so seeding happens once.
    let path = dir.join(format!("runs-{runs}.sqlite3"));
    if path.exists() {
        let l = Ledger::open(&path).unwrap();
        if l.run_count().unwrap() == runs as i64 {
            println!("  reusing {} ({runs} runs)", path.display());
            return (l, path);
        }
        drop(l);
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
        }
    }
    let mut l = Ledger::open(&path).unwrap();
    l.set_time_zone(Zone::UTC).unwrap();
    let t = Instant::now();
    let opts = DemoOptions {
        runs,
        days: 730,
        end_ms: chrono::DateTime::parse_from_rfc3339(END)
            .unwrap()
            .timestamp_millis(),
        seed: 1,
    };
    let mut last = Instant::now();
    fill(&mut l, &opts, |done, total| {
        if last.elapsed() > Duration::from_secs(20) {
            println!("  seeding {done}/{total}…");
            last = Instant::now();
        }
    })
    .unwrap();
    println!("  seeded {runs} runs in {:.1} s", t.elapsed().as_secs_f64());
    (l, path)
}

/// The median.
pub fn p50(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The median of `n` timed calls of `f`, after one to warm up.
pub fn time<T>(n: usize, mut f: impl FnMut() -> T) -> Duration {
    f();
    p50((0..n)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .collect())
}
