//! `cargo bench -p promptledger-core --bench history`
//!
//! Figure this must reach (issue #5), printed with the measured values: over a ledger of
//! 1,000,000 runs, a History page query and a full-text search each ≤ 50 ms (p50 of 15).
//! The bench seeds its own ledger with a bulk generator (through the real schema and triggers).
//!
//! Exits non-zero when a figure is missed. `HISTORY_BENCH_RUNS` changes the ledger size.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::history::{HistoryQuery, HistorySort};
use std::time::{Duration, Instant};

/// A small deterministic generator (xorshift), so every run of the bench seeds the same data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const COMMON: &[&str] = &[
    "the",
    "a",
    "of",
    "and",
    "to",
    "in",
    "please",
    "write",
    "explain",
    "summarize",
    "code",
    "function",
    "data",
    "email",
    "report",
    "customer",
    "model",
    "question",
    "answer",
    "list",
    "table",
    "short",
];
const TOPICS: &[&str] = &[
    "invoice",
    "kubernetes",
    "haiku",
    "migration",
    "refund",
    "onboarding",
    "latency",
    "budget",
    "translation",
    "regex",
    "sqlite",
    "contract",
    "marketing",
    "roadmap",
    "tokenizer",
    "python",
];

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        // ~1 word in 8 is a topic word; topics are spread so each appears in a few % of runs.
        if rng.below(8) == 0 {
            s.push_str(TOPICS[rng.below(TOPICS.len() as u64) as usize]);
        } else if rng.below(20) == 0 {
            s.push_str(&format!("w{}", rng.below(50_000)));
        } else {
            s.push_str(COMMON[rng.below(COMMON.len() as u64) as usize]);
        }
    }
    s
}

fn seed(path: &std::path::Path, n: usize) -> Duration {
    let t = Instant::now();
    let _ = Ledger::open(path).unwrap();
    let mut conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "synchronous", "OFF").unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut stmt = tx
            .prepare(
                "INSERT INTO runs (started_at_ms, provider, model_requested, status, input_tokens,
                    output_tokens, cost_total_nano, cost_source, latency_ms, tag, prompt, output)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'computed', ?8, ?9, ?10, ?11)",
            )
            .unwrap();
        let providers = [
            ("openai", "gpt-4o"),
            ("openai", "gpt-4o-mini"),
            ("anthropic", "claude-sonnet-4-5"),
            ("gemini", "gemini-2.5-flash"),
            ("ollama", "llama3.2"),
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let start = 1_735_689_600_000i64; // 2025-01-01
        for i in 0..n {
            let (p, m) = providers[rng.below(providers.len() as u64) as usize];
            let input = 50 + rng.below(8000) as i64;
            let output = 10 + rng.below(1500) as i64;
            let status = if rng.below(25) == 0 { "error" } else { "ok" };
            stmt.execute(rusqlite::params![
                start + i as i64 * 30_000,
                p,
                m,
                status,
                input,
                output,
                input * 2500 + output * 10_000,
                200 + rng.below(5000) as i64,
                ["", "support", "research", "marketing"][rng.below(4) as usize],
                sentence(&mut rng, 14),
                sentence(&mut rng, 24),
            ])
            .unwrap();
        }
    }
    tx.commit().unwrap();
    conn.execute_batch("ANALYZE; PRAGMA optimize;").unwrap();
    t.elapsed()
}

fn p50(l: &Ledger, q: &HistoryQuery) -> (Duration, usize) {
    let mut times = Vec::new();
    let mut rows = 0;
    for _ in 0..15 {
        let t = Instant::now();
        rows = l.history(q).unwrap().len();
        times.push(t.elapsed());
    }
    times.sort();
    (times[times.len() / 2], rows)
}

fn main() {
    let n: usize = std::env::var("HISTORY_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.sqlite3");
    let took = seed(&path, n);
    println!(
        "seeded {n} runs (prompts and outputs indexed for search) in {:.1} s",
        took.as_secs_f64()
    );
    let l = Ledger::open(&path).unwrap();
    let page = |f: fn(&mut HistoryQuery)| {
        let mut q = HistoryQuery {
            limit: Some(100),
            ..HistoryQuery::default()
        };
        f(&mut q);
        q
    };
    let cases: Vec<(&str, HistoryQuery)> = vec![
        ("history page: newest 100", page(|_| {})),
        (
            "history page: provider + status filter",
            page(|q| {
                q.provider = Some("anthropic".into());
                q.status = Some("error".into());
            }),
        ),
        (
            "history page: most expensive 100",
            page(|q| q.sort = HistorySort::Cost),
        ),
        (
            "history page: 30 days, one model",
            page(|q| {
                q.model = Some("gpt-4o".into());
                q.from_ms = Some(1_735_689_600_000 + 200 * 86_400_000);
                q.to_ms = Some(1_735_689_600_000 + 230 * 86_400_000);
            }),
        ),
        (
            "search: one topic word",
            page(|q| q.search = Some("kubernetes".into())),
        ),
        (
            "search: two words",
            page(|q| q.search = Some("invoice refund".into())),
        ),
        (
            "search: rare word, prefix",
            page(|q| q.search = Some("w4242".into())),
        ),
        (
            "search + filter: topic word, one provider",
            page(|q| {
                q.search = Some("haiku".into());
                q.provider = Some("gemini".into());
            }),
        ),
    ];
    let mut ok = true;
    for (name, q) in &cases {
        let (t, rows) = p50(&l, q);
        let pass = t <= Duration::from_millis(50);
        ok &= pass;
        println!(
            "{name}: {:.2} ms p50 ({rows} rows; target ≤ 50 ms) {}",
            t.as_secs_f64() * 1e3,
            if pass { "PASS" } else { "FAIL" }
        );
    }
    if !ok {
        std::process::exit(1);
    }
}
