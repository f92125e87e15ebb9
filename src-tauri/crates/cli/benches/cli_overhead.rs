//! `cargo bench -p promptledger-cli --bench cli_overhead`
//!
//! What a person waits for in a shell, measured as wall time of whole processes, in one run:
//! - `promptledger run` (non-streaming) against a loopback server that answers at once, next
//!   to `curl` sending the same request to the same server: the CLI's p50 of 20 must be within
//!   curl's p50 + 40 ms (the CLI also opens the ledger, loads prices, reads no keychain — the key
//!   comes from `OPENAI_API_KEY` —, prices the answer and commits the run);
//! - `promptledger cost` for one usage: p50 of 20 ≤ 25 ms.
//!
//! Runs alternate (CLI, curl, CLI, …) so a busy moment hits both. Prints the figures and exits
//! non-zero when one is missed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 20;
const KEY: &str = "sk-bench-cli-0000";

fn p50(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Wall time of `cmd`, which must succeed.
fn time(cmd: &mut Command) -> Duration {
    let t = Instant::now();
    let out = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let took = t.elapsed();
    assert!(
        out.status.success(),
        "{:?} failed: {}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

fn main() {
    let exe = env!("CARGO_BIN_EXE_promptledger");
    let c = Counts {
        prompt: 12,
        output: 6,
        ..Counts::default()
    };
    let server = FakeServer::start(vec![Reply::json(wire::openai_chat(
        "gpt-4o-mini-2024-07-18",
        "Hello there, how are you?",
        c,
    ))]);
    let base = format!("{}/v1", server.url());
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bench.sqlite3");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();

    let cli = || {
        let mut c = Command::new(exe);
        c.arg("--db")
            .arg(&db)
            .env("OPENAI_API_KEY", KEY)
            .env("HOME", &home)
            .env("XDG_DATA_HOME", &home)
            .env_remove("PROMPTLEDGER_DB");
        c
    };
    let run = || {
        let mut c = cli();
        c.args([
            "run",
            "-p",
            "openai",
            "-m",
            "gpt-4o-mini",
            "--no-stream",
            "--json",
        ])
        .args(["--base-url", &base, "Say hello in five words."]);
        c
    };
    let body = serde_json::json!({
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Say hello in five words."}],
        "max_completion_tokens": 64,
    })
    .to_string();
    let curl = || {
        let mut c = Command::new("curl");
        c.args(["-sS", "--fail", "-o", "/dev/null", "-X", "POST"])
            .arg(format!("{base}/chat/completions"))
            .args(["-H", &format!("authorization: Bearer {KEY}")])
            .args(["-H", "content-type: application/json", "--data", &body]);
        c
    };
    let cost = || {
        let mut c = cli();
        c.args([
            "cost", "-p", "openai", "-m", "gpt-4o", "--input", "1200", "--output", "300",
        ]);
        c
    };

    // Warm-up: the ledger file is created and migrated by the first run; the page cache warms.
    for _ in 0..3 {
        time(&mut run());
        time(&mut curl());
        time(&mut cost());
    }
    let (mut r, mut k, mut p) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        r.push(time(&mut run()));
        k.push(time(&mut curl()));
        p.push(time(&mut cost()));
    }
    let (run_p50, curl_p50, cost_p50) = (p50(r), p50(k), p50(p));
    let over = run_p50.saturating_sub(curl_p50);
    let run_ok = over <= Duration::from_millis(40);
    let cost_ok = cost_p50 <= Duration::from_millis(25);
    println!(
        "promptledger run vs curl, same loopback request (p50 of {RUNS}): run {:.1} ms, curl {:.1} ms, \
         CLI over curl {:.1} ms (target ≤ 40 ms) {}",
        ms(run_p50),
        ms(curl_p50),
        ms(over),
        if run_ok { "PASS" } else { "FAIL" }
    );
    println!(
        "promptledger cost (p50 of {RUNS}): {:.1} ms (target ≤ 25 ms) {}",
        ms(cost_p50),
        if cost_ok { "PASS" } else { "FAIL" }
    );
    assert_eq!(
        server.hits(),
        2 * (3 + RUNS),
        "every run and curl reached the server"
    );
    if !(run_ok && cost_ok) {
        std::process::exit(1);
    }
}
