//! The built `promptledger` binary end to end: cost from each provider's wire usage, prices and
//! overrides, imports, and bad input that must fail cleanly without touching the ledger.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod analytics;
mod batch;
mod hardening;
mod keys;
mod operations;
mod otlp;
mod prices;
mod reconcile;
mod run;

use promptledger_core::ledger::Ledger;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct Cli {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Cli {
    fn new() -> Cli {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("ledger.sqlite3");
        Cli { _dir: dir, db }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(promptledger_e2e::bin("promptledger"));
        c.arg("--db")
            .arg(&self.db)
            .args(args)
            .env_remove("PROMPTLEDGER_DB");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    /// Runs a command that must fail: exit code and the single stderr line.
    fn fails(&self, args: &[&str]) -> (i32, String) {
        let out = self.run(args);
        assert!(!out.status.success(), "{args:?} should fail");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        )
    }

    /// What the ledger holds that a failed command must not change.
    fn state(&self) -> (usize, usize, i64) {
        let l = Ledger::open(&self.db).unwrap();
        let tables = usize::from(l.active_price_table().unwrap().is_some());
        (
            l.list_overrides().unwrap().len(),
            tables,
            l.run_count().unwrap(),
        )
    }
}

fn nano(v: &Value) -> i64 {
    v["cost_nano_usd"].as_i64().unwrap()
}

#[test]
fn usage_json_of_each_provider_wire_shape() {
    let cli = Cli::new();
    let cases = [
        (
            "openai",
            "gpt-4o",
            r#"{"prompt_tokens":3000,"completion_tokens":300,"total_tokens":3300,"prompt_tokens_details":{"cached_tokens":2000,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":100,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}"#,
            8_000_000,
        ),
        (
            "openai",
            "gpt-4o",
            r#"{"input_tokens":3000,"input_tokens_details":{"cached_tokens":2000},"output_tokens":300,"output_tokens_details":{"reasoning_tokens":100},"total_tokens":3300}"#,
            8_000_000,
        ),
        (
            "anthropic",
            "claude-sonnet-4-5",
            r#"{"input_tokens":1000,"cache_creation_input_tokens":500,"cache_read_input_tokens":2000,"output_tokens":300}"#,
            9_975_000,
        ),
        (
            "gemini",
            "gemini-2.5-pro",
            r#"{"promptTokenCount":250000,"candidatesTokenCount":1000,"totalTokenCount":251000}"#,
            640_000_000,
        ),
        (
            "ollama",
            "llama3.2",
            r#"{"model":"llama3.2","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":5043500667,"prompt_eval_count":26,"eval_count":290,"eval_duration":4709213000}"#,
            0,
        ),
    ];
    for (provider, model, usage, want) in cases {
        let v = cli.json(&[
            "cost",
            "--provider",
            provider,
            "--model",
            model,
            "--usage",
            usage,
            "--json",
        ]);
        assert_eq!(nano(&v), want, "{provider} {usage}");
        for field in [
            "provider",
            "model",
            "price_key",
            "cost_nano_usd",
            "cost_usd",
            "breakdown",
        ] {
            assert!(v.get(field).is_some(), "missing {field}");
        }
    }
    let v = cli.json(&[
        "cost",
        "-p",
        "gemini",
        "-m",
        "gemini-2.5-pro",
        "--usage",
        r#"{"promptTokenCount":250000,"candidatesTokenCount":1000}"#,
        "--json",
    ]);
    assert_eq!(v["price_key"], "gemini/gemini-2.5-pro");
    assert_eq!(v["tier"], "above_200k_tokens");
    assert_eq!(v["cost_usd"].as_f64(), Some(0.64));
    assert_eq!(v["breakdown"].as_array().unwrap().len(), 6);
    let ollama = cli.json(&[
        "cost", "-p", "ollama", "-m", "llama3.2", "--input", "5", "--json",
    ]);
    assert_eq!(ollama["cost_source"], "unmetered");
}

#[test]
fn cost_at_an_instant_uses_that_hours_rates_and_multipliers_show() {
    // deepseek-v4-flash, 8000 uncached + 2000 cached input, 1000 output (see the core vectors):
    // $0.003612 at standard hours, $0.001806 off-peak (Mon 10:00–24:00 UTC).
    let cli = Cli::new();
    let counts = [
        "cost",
        "-p",
        "openai-compatible",
        "-m",
        "deepseek-v4-flash",
        "--input",
        "8000",
        "--cached",
        "2000",
        "--output",
        "1000",
        "--json",
        "--at",
    ];
    let at = |when: &str| {
        let mut args = counts.to_vec();
        args.push(when);
        cli.json(&args)
    };
    let peak = at("2026-11-30T09:30:00Z");
    assert_eq!(
        (nano(&peak), peak["rate_set"].as_str()),
        (3_612_000, Some("standard"))
    );
    let off = at("2026-11-30T18:30:00Z");
    assert_eq!(
        (nano(&off), off["rate_set"].as_str()),
        (1_806_000, Some("off-peak"))
    );
    let text = cli.ok(&[
        "cost",
        "-p",
        "openai-compatible",
        "-m",
        "deepseek-v4-flash",
        "--input",
        "8000",
        "--at",
        "2026-12-05T12:00:00+01:00",
    ]);
    assert!(text.contains("off-peak rates"), "{text}");
    let (_, bad) = cli.fails(&[
        "cost", "-p", "openai", "-m", "gpt-4o", "--input", "1", "--at", "tomorrow",
    ]);
    assert!(bad.contains("RFC 3339"), "{bad}");
    // Anthropic usage that says it ran in the US in fast mode: ×2.2 on input and output.
    let fast = cli.json(&[
        "cost", "-p", "anthropic", "-m", "claude-opus-4-8", "--json", "--usage",
        r#"{"input_tokens":1000,"cache_read_input_tokens":2000,"cache_creation_input_tokens":400,"output_tokens":500,"inference_geo":"us","speed":"fast"}"#,
    ]);
    assert_eq!(nano(&fast), 42_000_000);
    assert_eq!(fast["multiplier"]["factor"], "2.2");
    assert_eq!(fast["multiplier"]["extra_nano_usd"], 21_000_000);
}

#[test]
fn usage_from_a_file_and_stdin_and_normalized_counts() {
    let cli = Cli::new();
    let file = cli.db.with_file_name("usage.json");
    std::fs::write(
        &file,
        r#"{"usage":{"prompt_tokens":1000,"completion_tokens":500}}"#,
    )
    .unwrap();
    let arg = format!("@{}", file.display());
    let v = cli.json(&[
        "cost", "-p", "openai", "-m", "gpt-4o", "--usage", &arg, "--json",
    ]);
    assert_eq!(nano(&v), 7_500_000);
    let mut child = cli
        .cmd(&[
            "cost", "-p", "openai", "-m", "gpt-4o", "--usage", "-", "--json",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"prompt_tokens":1000,"completion_tokens":500}"#)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(nano(&v), 7_500_000);
    let v = cli.json(&[
        "cost",
        "-p",
        "anthropic",
        "-m",
        "claude-sonnet-4-5",
        "--input",
        "1000",
        "--cache-write",
        "200",
        "--cache-write-1h",
        "300",
        "--cached",
        "2000",
        "--output",
        "300",
        "--json",
    ]);
    assert_eq!(nano(&v), 10_650_000);
    let human = cli.ok(&[
        "cost",
        "-p",
        "openai",
        "-m",
        "gpt-4o",
        "--input",
        "1000",
        "--cached",
        "2000",
        "--output",
        "200",
        "--reasoning",
        "100",
    ]);
    assert!(human.contains("$0.008"), "{human}");
    assert!(human.contains("cached input"), "{human}");
}

#[test]
fn bad_input_fails_with_one_clear_line_and_changes_nothing() {
    let cli = Cli::new();
    cli.ok(&["prices", "set", "gpt-4o", "--input-per-mtok", "2"]);
    let before = cli.state();
    let corrupt = cli.db.with_file_name("corrupt.json");
    std::fs::write(
        &corrupt,
        b"{\"gpt-4o\": {\"input_cost_per_token\": \"free\"",
    )
    .unwrap();
    let corrupt_arg = corrupt.display().to_string();
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            vec![
                "cost",
                "-p",
                "openai",
                "-m",
                "gpt-4o",
                "--usage",
                "{not json",
            ],
            1,
            "error[invalid_input]: invalid OpenAI usage: not valid JSON",
        ),
        (
            vec![
                "cost",
                "-p",
                "openai",
                "-m",
                "gpt-4o",
                "--usage",
                r#"{"prompt_tokens":-3,"completion_tokens":1}"#,
            ],
            1,
            "whole number",
        ),
        (
            vec![
                "cost",
                "-p",
                "openai",
                "-m",
                "gpt-4o",
                "--usage",
                r#"{"tokens":3}"#,
            ],
            1,
            "prompt_tokens",
        ),
        (
            vec!["cost", "-p", "openai", "-m", "gpt-4o", "--input", "-5"],
            2,
            "not a token count",
        ),
        (
            vec!["cost", "-p", "openai", "-m", "gpt-4o"],
            1,
            "give --usage JSON",
        ),
        (
            vec!["cost", "-p", "openai", "-m", "gpt-4oo", "--input", "5"],
            1,
            "error[unknown_model]: unknown model `gpt-4oo`; did you mean gpt-4o",
        ),
        (
            vec!["cost", "-p", "azure", "-m", "gpt-4o", "--input", "5"],
            1,
            "not a provider",
        ),
        (
            vec!["prices", "import", &corrupt_arg],
            1,
            "error[invalid_input]: invalid price table",
        ),
        (
            vec!["prices", "import", "/nonexistent/prices.json"],
            1,
            "error[storage]: cannot read /nonexistent/prices.json",
        ),
        (
            vec!["prices", "set", "brand-new-model", "--input-per-mtok", "1"],
            1,
            "custom model needs at least an input and an output price",
        ),
        (
            vec!["prices", "set", "gpt-4o", "--input-per-mtok", "cheap"],
            1,
            "not a price",
        ),
        (vec!["prices", "unset", "never-set"], 1, "error[not_found]"),
    ];
    for (args, code, needle) in cases {
        let (got, stderr) = cli.fails(&args);
        assert_eq!(got, code, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        if code == 1 {
            assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        }
        assert_eq!(cli.state(), before, "{args:?} changed the ledger");
    }
}

#[test]
fn overrides_custom_models_and_imports() {
    let cli = Cli::new();
    let saved = cli.ok(&[
        "prices",
        "set",
        "gpt-4o",
        "--input-per-mtok",
        "2",
        "--output-per-mtok",
        "8",
        "--note",
        "negotiated",
    ]);
    assert!(saved.contains("override"), "{saved}");
    assert_eq!(
        nano(&cli.json(&[
            "cost", "-p", "openai", "-m", "gpt-4o", "--input", "1000", "--output", "1000", "--json"
        ])),
        10_000_000
    );
    let row = cli.json(&["prices", "show", "gpt-4o", "--json"]);
    assert_eq!(row["source"], "override");
    assert_eq!(row["input_nano_usd_per_mtok"], 2_000_000_000i64);
    cli.ok(&[
        "prices",
        "set",
        "my-vllm-llama",
        "--input-per-mtok",
        "0.2",
        "--output-per-mtok",
        "0.6",
        "--context-window",
        "131072",
    ]);
    let v = cli.json(&[
        "cost",
        "-p",
        "openai-compatible",
        "-m",
        "my-vllm-llama",
        "--input",
        "10000",
        "--output",
        "2000",
        "--json",
    ]);
    assert_eq!(
        (nano(&v), v["match_kind"].as_str()),
        (3_200_000, Some("custom"))
    );
    let list = cli.json(&["prices", "list", "--search", "my-vllm", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    cli.ok(&["prices", "unset", "gpt-4o"]);
    assert_eq!(
        nano(&cli.json(&[
            "cost", "-p", "openai", "-m", "gpt-4o", "--input", "1000", "--output", "1000", "--json"
        ])),
        12_500_000
    );

    let table = cli.db.with_file_name("newer.json");
    std::fs::write(&table, br#"{"gpt-4o": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-06, "output_cost_per_token": 4e-06}}"#).unwrap();
    let out = cli.ok(&["prices", "import", table.to_str().unwrap()]);
    assert!(out.contains("imported 1 models"), "{out}");
    let v = cli.json(&[
        "cost", "-p", "openai", "-m", "gpt-4o", "--input", "1000", "--output", "1000", "--json",
    ]);
    assert_eq!(nano(&v), 5_000_000);
    assert!(
        v["price_table_version"]
            .as_str()
            .unwrap()
            .starts_with("import-")
    );
    cli.ok(&["prices", "reset-table"]);
    let v = cli.json(&[
        "cost", "-p", "openai", "-m", "gpt-4o", "--input", "1000", "--output", "1000", "--json",
    ]);
    assert_eq!(v["price_table_version"], "litellm-1.109.1+8f8060d8ce7a");
}

#[test]
fn prices_list_filters_and_prints_a_table() {
    let cli = Cli::new();
    let rows = cli.json(&[
        "prices",
        "list",
        "--provider",
        "anthropic",
        "--search",
        "sonnet 4-5",
        "--json",
    ]);
    let keys: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&"claude-sonnet-4-5"), "{keys:?}");
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .all(|r| r["litellm_provider"] == "anthropic")
    );
    let text = cli.ok(&["prices", "list", "-s", "gpt-4o-mini"]);
    assert!(text.lines().next().unwrap().contains("input/1M"));
    assert!(text.contains("$0.15"), "{text}");
    let shown = cli.ok(&["prices", "show", "gemini-2.5-pro", "--provider", "gemini"]);
    assert!(shown.contains("prompts over 200,000 tokens"), "{shown}");
}

#[test]
fn help_documents_every_flag() {
    let cli = Cli::new();
    let help = cli.ok(&["cost", "--help"]);
    for flag in [
        "--provider",
        "--model",
        "--usage",
        "--input",
        "--cached",
        "--cache-write",
        "--cache-write-1h",
        "--output",
        "--reasoning",
        "--json",
        "--db",
    ] {
        assert!(help.contains(flag), "cost --help lacks {flag}");
    }
    let help = cli.ok(&["prices", "set", "--help"]);
    for flag in [
        "--input-per-mtok",
        "--output-per-mtok",
        "--cached-per-mtok",
        "--cache-write-per-mtok",
        "--reasoning-per-mtok",
        "--context-window",
    ] {
        assert!(help.contains(flag), "prices set --help lacks {flag}");
    }
}

#[test]
fn default_location_env_var_and_flag_agree_with_the_app() {
    let home = tempfile::tempdir().unwrap();
    let run = |envs: &[(&str, &Path)], args: &[&str]| {
        let mut c = Command::new(promptledger_e2e::bin("promptledger"));
        c.env_remove("PROMPTLEDGER_DB")
            .env("XDG_DATA_HOME", home.path())
            .args(args);
        for (k, v) in envs {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[], &["prices", "set", "gpt-4o", "--input-per-mtok", "2"]);
    let default = home.path().join("com.promptledger.app/ledger.sqlite3");
    assert!(default.exists(), "default ledger at {}", default.display());
    let via_env = home.path().join("env.sqlite3");
    run(
        &[("PROMPTLEDGER_DB", &via_env)],
        &["prices", "set", "gpt-4o", "--input-per-mtok", "3"],
    );
    assert!(via_env.exists());
    assert_eq!(
        Ledger::open(&default)
            .unwrap()
            .list_overrides()
            .unwrap()
            .len(),
        1
    );
}
