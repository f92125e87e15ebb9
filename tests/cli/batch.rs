//! `promptledger batch` end to end: 1,000 rows live against a loopback server with
//! `--concurrency 16 --rpm 6000`, SIGKILLed half-way and resumed to exactly 1,000 runs; the
//! estimate's contract; a row missing a variable; a provider batch waited for; results as CSV.

use promptledger_testkit::batch::{BatchBehaviour, BatchServer};
use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply};
use serde_json::Value;
use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::Cli;

const KEY: (&str, &str) = ("OPENAI_API_KEY", "sk-test-cli-batch-0000");

fn dataset(cli: &Cli, rows: usize) -> String {
    let mut text = String::from("id,text\n");
    for i in 1..=rows {
        text.push_str(&format!("{i},\"Ticket {i}: the invoice, \"\"again\"\"\"\n"));
    }
    let path = cli.db.with_file_name("tickets.csv");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn batch(cli: &Cli, args: &[&str]) -> Command {
    let mut c = cli.cmd(args);
    c.env(KEY.0, KEY.1).env_remove("ANTHROPIC_API_KEY");
    c
}

fn json_of(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The summary a job that ended with failed rows prints (it exits with status 1).
fn summary_with_failures(out: &std::process::Output) -> Value {
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["failed"].as_i64().unwrap() > 0, "{v}");
    v
}

fn chat_server(delay: Duration) -> FakeServer {
    FakeServer::with_handler(move |_| {
        Reply::json(wire::openai_chat(
            "gpt-4o-mini",
            "billing",
            Counts {
                prompt: 25,
                output: 1,
                ..Counts::default()
            },
        ))
        .after(delay)
    })
}

#[test]
fn a_thousand_rows_live_killed_half_way_resume_to_exactly_a_thousand_runs() {
    let server = chat_server(Duration::from_millis(20));
    let cli = Cli::new();
    let data = dataset(&cli, 1000);
    let base = format!("{}/v1", server.url());
    let mut child = batch(
        &cli,
        &[
            "batch",
            "run",
            "--prompt",
            "Classify: {{text}}",
            "--data",
            &data,
            "-m",
            "openai/gpt-4o-mini",
            "--base-url",
            &base,
            "--max-tokens",
            "5",
            "--concurrency",
            "16",
            "--rpm",
            "6000",
            "--json",
        ],
    )
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.hits() < 500 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let status = Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    child.wait().unwrap();
    let at_kill = server.hits();
    assert!((500..1000).contains(&at_kill), "killed at {at_kill}");

    let jobs = json_of(&batch(&cli, &["batch", "list", "--json"]).output().unwrap());
    let job = &jobs[0];
    assert_eq!(job["status"], "interrupted", "{job}");
    let id = job["job_id"].as_i64().unwrap().to_string();

    // The rows in flight at the kill are recorded as interrupted (they may have been billed)
    // and not sent again: the job ends done, with those rows failed.
    let out = batch(&cli, &["batch", "resume", &id, "--json"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let done = if out.status.success() {
        json_of(&out)
    } else {
        summary_with_failures(&out)
    };
    for field in [
        "job_id",
        "rows",
        "targets",
        "mode",
        "status",
        "done",
        "failed",
        "cost_nano_usd",
    ] {
        assert!(done.get(field).is_some(), "missing {field}: {done}");
    }
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["rows"], 1000);
    assert_eq!(done["targets"], 1);
    assert_eq!(done["mode"], "live");
    assert_eq!(
        done["done"].as_i64().unwrap() + done["failed"].as_i64().unwrap(),
        1000,
        "{done}"
    );

    // Exactly one run per row; no row reached the server twice.
    let l = promptledger_core::ledger::Ledger::open(&cli.db).unwrap();
    assert_eq!(l.run_count().unwrap(), 1000);
    let mut per_prompt: HashMap<String, usize> = HashMap::new();
    let requests = server.requests();
    for r in &requests {
        let p = r.json()["messages"][0]["content"]
            .as_str()
            .unwrap()
            .to_string();
        *per_prompt.entry(p).or_default() += 1;
    }
    assert!(per_prompt.values().all(|n| *n == 1), "a row was sent twice");
    assert!(requests.len() <= 1000);
    // The server never saw more than 16 at once, nor more than 6,000 a minute: requests leave
    // 10 ms apart, so any one second holds at most 101 (3 more allow for arrival jitter: a
    // request delayed on its way arrives closer to the next).
    assert!(server.max_concurrent() <= 16, "{}", server.max_concurrent());
    let times: Vec<Instant> = requests.iter().map(|r| r.at).collect();
    let mut sorted = times.clone();
    sorted.sort();
    let mut worst = 0;
    let mut j = 0;
    for i in 0..sorted.len() {
        while sorted[i].duration_since(sorted[j]) >= Duration::from_secs(1) {
            j += 1;
        }
        worst = worst.max(i - j + 1);
    }
    assert!(worst <= 104, "{worst} requests within one second");
}

#[test]
fn the_estimate_prints_the_contract_and_sends_nothing() {
    let server = chat_server(Duration::ZERO);
    let cli = Cli::new();
    let data = dataset(&cli, 20);
    let base = format!("{}/v1", server.url());
    let e = json_of(
        &batch(
            &cli,
            &[
                "batch",
                "run",
                "--prompt",
                "Classify: {{text}}",
                "--data",
                &data,
                "-m",
                "openai/gpt-4o-mini",
                "-m",
                "openai/gpt-4o",
                "--base-url",
                &base,
                "--max-tokens",
                "100",
                "--estimate-only",
                "--json",
            ],
        )
        .output()
        .unwrap(),
    );
    assert_eq!(
        (e["rows"].as_i64(), e["targets"].as_i64()),
        (Some(20), Some(2))
    );
    for mode in ["live", "batch"] {
        let min = e[mode]["min_nano"].as_i64().unwrap();
        let max = e[mode]["max_nano"].as_i64().unwrap();
        assert!(0 < min && min < max, "{e}");
    }
    assert_eq!(
        e["batch"]["max_nano"].as_i64().unwrap() * 2,
        e["live"]["max_nano"].as_i64().unwrap(),
        "both models are exactly half price as a batch"
    );
    assert_eq!(server.hits(), 0);
    let jobs = json_of(&batch(&cli, &["batch", "list", "--json"]).output().unwrap());
    assert_eq!(jobs.as_array().unwrap().len(), 0, "nothing saved");
}

#[test]
fn a_row_missing_a_variable_fails_with_one_line_naming_it() {
    let server = chat_server(Duration::ZERO);
    let cli = Cli::new();
    let path = cli.db.with_file_name("rows.jsonl");
    std::fs::write(&path, "{\"text\":\"a\"}\n{\"text\":\"b\"}\n{\"other\":1}\n").unwrap();
    let out = batch(
        &cli,
        &[
            "batch",
            "run",
            "--prompt",
            "Say {{text}}",
            "--data",
            path.to_str().unwrap(),
            "-m",
            "openai/gpt-4o-mini",
            "--base-url",
            &format!("{}/v1", server.url()),
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("row 3 has no value for `text`"), "{err}");
    assert_eq!(server.hits(), 0);
}

#[test]
fn a_provider_batch_waited_for_records_every_row_and_exports_csv() {
    let fake = BatchServer::start(BatchBehaviour {
        expired: vec!["r2-t0".into()],
        ..BatchBehaviour::default()
    });
    let cli = Cli::new();
    let data = dataset(&cli, 5);
    let s = summary_with_failures(
        &batch(
            &cli,
            &[
                "batch",
                "run",
                "--prompt",
                "Classify: {{text}}",
                "--data",
                &data,
                "-m",
                "openai/gpt-4o-mini",
                "--base-url",
                &fake.openai_url(),
                "--mode",
                "provider",
                "--wait",
                "--poll-every",
                "0.05",
                "--json",
            ],
        )
        .output()
        .unwrap(),
    );
    assert_eq!(s["status"], "done", "{s}");
    assert_eq!(
        (s["done"].as_i64(), s["failed"].as_i64()),
        (Some(4), Some(1))
    );
    assert!(s["saved_nano_usd"].as_i64().unwrap() > 0);
    let id = s["job_id"].as_i64().unwrap().to_string();
    let csv = cli.db.with_file_name("results.csv");
    let out = batch(
        &cli,
        &["batch", "results", &id, "--csv", csv.to_str().unwrap()],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,text,target,status,output,input_tokens,output_tokens,cost_usd,run_id"
    );
    assert!(lines.next().unwrap().starts_with(
        "1,\"Ticket 1: the invoice, \"\"again\"\"\",openai/gpt-4o-mini,ok,answer r1-t0,100,20,"
    ));
    assert!(lines.next().unwrap().contains(",error,,0,0,0"), "{text}");
}
