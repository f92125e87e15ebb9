//! `promptledger run`, `models` and `history` through the built binary against loopback fake
//! providers: what is printed, the exit code, and the ledger row.

use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply, StreamEnd};
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

struct Env {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("ledger.sqlite3");
        Env { _dir: dir, db }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(promptledger_e2e::bin("promptledger"));
        c.arg("--db").arg(&self.db).args(args);
        for var in [
            "PROMPTLEDGER_DB",
            "OPENAI_API_KEY",
            "ANTHROPIC_API_KEY",
            "GEMINI_API_KEY",
            "GOOGLE_API_KEY",
            "OLLAMA_HOST",
            "XAI_API_KEY",
        ] {
            c.env_remove(var);
        }
        c
    }

    fn run(&self, args: &[&str], key: Option<(&str, &str)>) -> Output {
        let mut c = self.cmd(args);
        if let Some((k, v)) = key {
            c.env(k, v);
        }
        c.stdin(Stdio::null()).output().unwrap()
    }

    fn history(&self) -> Vec<Value> {
        let out = self.run(&["history", "--json"], None);
        assert!(out.status.success());
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }
}

const KEY: (&str, &str) = ("OPENAI_API_KEY", "sk-test-cli-key-9876");

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

#[test]
fn streams_the_answer_prints_a_summary_and_records_the_run() {
    let c = Counts {
        prompt: 3000,
        cached: 2000,
        output: 300,
        reasoning: 100,
        ..Counts::default()
    };
    let server = FakeServer::start(vec![Reply::stream(
        "text/event-stream",
        wire::openai_sse("gpt-4o-2024-08-06", &["Hel", "lo", "!"], Some(c), None),
        StreamEnd::Finish,
    )]);
    let env = Env::new();
    let base = format!("{}/v1", server.url());
    let mut cmd = env.cmd(&[
        "run",
        "-p",
        "openai",
        "-m",
        "gpt-4o",
        "--base-url",
        &base,
        "--tag",
        "cli-test",
        "--header",
        "X-Gateway: team-a",
        "Say hello",
    ]);
    cmd.env(KEY.0, KEY.1)
        .env("OPENAI_ORG_ID", "org-123")
        .env("OPENAI_PROJECT_ID", "proj_456");
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "Hello!\n");
    let err = text(&out.stderr);
    assert!(
        err.contains("$0.008") && err.contains("computed") && err.contains("3,000 in / 300 out"),
        "{err}"
    );
    let req = &server.requests()[0];
    assert_eq!(
        req.header("authorization"),
        Some("Bearer sk-test-cli-key-9876")
    );
    assert_eq!(req.header("openai-organization"), Some("org-123"));
    assert_eq!(req.header("openai-project"), Some("proj_456"));
    assert_eq!(req.header("x-gateway"), Some("team-a"));
    let runs = env.history();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["cost_nano_usd"], 8_000_000);
    assert_eq!(runs[0]["status"], "ok");
    assert_eq!(runs[0]["model"], "gpt-4o-2024-08-06");
}

#[test]
fn json_prints_the_run_record() {
    let c = Counts {
        prompt: 1000,
        cached: 2000,
        cache_write: 500,
        output: 300,
        ..Counts::default()
    };
    let server = FakeServer::start(vec![Reply::json(wire::anthropic_message(
        "claude-sonnet-4-5-20250929",
        "Hi",
        c,
    ))]);
    let env = Env::new();
    let mut child = env
        .cmd(&[
            "run",
            "-p",
            "anthropic",
            "-m",
            "claude-sonnet-4-5",
            "--base-url",
            server.url(),
            "--no-stream",
            "--json",
            "-",
        ])
        .env("ANTHROPIC_API_KEY", "sk-ant-test-0000")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Greet me from stdin")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for f in [
        "run_id",
        "provider",
        "model",
        "resolved_model",
        "status",
        "output",
        "usage",
        "cost_nano_usd",
        "cost_usd",
        "cost_source",
        "latency_ms",
        "ttft_ms",
        "attempts",
        "error",
    ] {
        assert!(v.get(f).is_some(), "missing {f}: {v}");
    }
    for f in [
        "input_tokens",
        "cached_input_tokens",
        "cache_write_tokens",
        "output_tokens",
        "reasoning_tokens",
    ] {
        assert!(v["usage"].get(f).is_some(), "missing usage.{f}");
    }
    assert_eq!(v["cost_nano_usd"], 9_975_000);
    assert_eq!(v["usage"]["cache_write_tokens"], 500);
    assert!(server.requests()[0].body.contains("Greet me from stdin"));
}

#[test]
fn an_xai_preset_run_reads_reasoning_outside_completion_and_is_filed_under_xai() {
    // grok-4.3: 800×1.25 + 200×0.2 + (50 + 300)×2.5 µ$ = $0.001915 (see the core vectors).
    let body = r#"{"id":"x1","object":"chat.completion","model":"grok-4.3","choices":[{"index":0,
        "message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],
        "usage":{"prompt_tokens":1000,"completion_tokens":50,"total_tokens":1350,
        "prompt_tokens_details":{"cached_tokens":200},
        "completion_tokens_details":{"reasoning_tokens":300}}}"#;
    let server = FakeServer::start(vec![Reply::json(body)]);
    let env = Env::new();
    let out = env.run(
        &[
            "run",
            "-p",
            "xai",
            "-m",
            "grok-4.3",
            "--base-url",
            server.url(),
            "--no-stream",
            "--json",
            "Hi",
        ],
        Some(("XAI_API_KEY", "xai-test-0000")),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["provider"], "xai");
    assert_eq!(v["cost_nano_usd"], 1_915_000);
    assert_eq!(v["usage"]["reasoning_tokens"], 300);
    assert_eq!(v["usage"]["output_tokens"], 50);
    assert_eq!(v["rate_set"], "standard");
    let req = &server.requests()[0];
    assert_eq!(req.header("authorization"), Some("Bearer xai-test-0000"));
    let rows = env.history();
    assert_eq!(rows[0]["provider"], "xai");
    // With no key anywhere, the message names xAI's variable.
    let out = env.run(&["run", "-p", "xai", "-m", "grok-4.3", "Hi"], None);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("XAI_API_KEY"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_gateway_reported_cost_is_the_cost_and_the_computed_one_stays_beside_it() {
    // A LiteLLM proxy in front of gpt-4o-mini (0.15 in, 0.60 out per 1M): 100 in + 20 out
    // = 15 + 12 µ$ = $0.000027 at the table's rates; the proxy says it charged 1.35e-05 USD.
    let c = Counts {
        prompt: 100,
        output: 20,
        ..Counts::default()
    };
    let server = FakeServer::start(vec![
        Reply::json(wire::openai_chat("gpt-4o-mini", "Hi", c))
            .header("x-litellm-response-cost", "1.35e-05"),
    ]);
    let env = Env::new();
    let out = env.run(
        &[
            "run",
            "-p",
            "openai-compatible",
            "--base-url",
            server.url(),
            "-m",
            "gpt-4o-mini",
            "--no-stream",
            "--json",
            "Hi",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["cost_source"], "provider_reported");
    assert_eq!(v["cost_nano_usd"], 13_500);
    assert_eq!(v["provider_reported_cost_nano_usd"], 13_500);
    assert_eq!(v["computed_cost_nano_usd"], 27_000);
    let shown = env.run(&["show", &v["run_id"].to_string(), "--json"], None);
    let shown: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(shown["provider_reported_cost_nano_usd"], 13_500);
    assert_eq!(shown["computed_cost_nano_usd"], 27_000);
    // `cost` with OpenRouter's usage.cost: the reported amount is the cost.
    let out = env.run(
        &[
            "cost",
            "-p",
            "openrouter",
            "-m",
            "openai/gpt-4o-mini",
            "--json",
            "--usage",
            r#"{"prompt_tokens":100,"completion_tokens":20,"cost":0.0000135}"#,
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["cost_source"], "provider_reported");
    assert_eq!(v["cost_nano_usd"], 13_500);
    assert_eq!(v["computed_cost_nano_usd"], 27_000);
}

#[test]
fn a_failed_run_exits_non_zero_and_is_still_recorded() {
    let server = FakeServer::start(vec![Reply::status_json(
        401,
        wire::openai_error(
            "invalid_request_error",
            "invalid_api_key",
            "Incorrect API key provided: sk-...9876.",
        ),
    )]);
    let env = Env::new();
    let base = format!("{}/v1", server.url());
    let out = env.run(
        &[
            "run",
            "-p",
            "openai",
            "-m",
            "gpt-4o",
            "--base-url",
            &base,
            "hi",
        ],
        Some(KEY),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("error[invalid_key]"), "{err}");
    assert!(!err.contains("sk-test-cli-key-9876"));
    let runs = env.history();
    assert_eq!(
        (runs[0]["status"].as_str(), runs[0]["error_code"].as_str()),
        (Some("error"), Some("invalid_key"))
    );
}

#[test]
fn a_cut_stream_is_recorded_as_interrupted_with_an_estimated_cost() {
    let pieces = wire::openai_sse("gpt-4o", &["partial ", "answer"], None, None);
    let server = FakeServer::start(vec![Reply::stream(
        "text/event-stream",
        pieces[..3].to_vec(),
        StreamEnd::Cut,
    )]);
    let env = Env::new();
    let base = format!("{}/v1", server.url());
    let out = env.run(
        &[
            "run",
            "-p",
            "openai",
            "-m",
            "gpt-4o",
            "--base-url",
            &base,
            "--json",
            "hi",
        ],
        Some(KEY),
    );
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["status"].as_str(), v["cost_source"].as_str()),
        (Some("interrupted"), Some("estimated"))
    );
    assert_eq!(v["output"], "partial answer");
    assert!(v["cost_nano_usd"].as_i64().unwrap() > 0);
}

#[test]
fn bad_run_input_is_refused_before_anything_is_sent_or_recorded() {
    let server = FakeServer::start(vec![Reply::json("{}")]);
    let env = Env::new();
    let base = format!("{}/v1", server.url());
    type Case<'a> = (Vec<&'a str>, Option<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![
                "run",
                "-p",
                "openai",
                "-m",
                "gpt-4o",
                "--base-url",
                &base,
                "hi",
            ],
            None,
            "set OPENAI_API_KEY",
        ),
        (
            vec![
                "run",
                "-p",
                "openai",
                "-m",
                "gpt-9-ultra",
                "--base-url",
                &base,
                "hi",
            ],
            Some(KEY),
            "error[unknown_model]",
        ),
        (
            vec!["run", "-p", "openai-compatible", "-m", "gpt-4o", "hi"],
            Some(KEY),
            "needs --base-url",
        ),
        (
            vec![
                "run",
                "-p",
                "openai",
                "-m",
                "gpt-4o",
                "--base-url",
                "ftp://x",
                "hi",
            ],
            Some(KEY),
            "not an http(s) URL",
        ),
        (
            vec![
                "run",
                "-p",
                "openai",
                "-m",
                "gpt-4o",
                "--base-url",
                &base,
                "--temperature",
                "7",
                "hi",
            ],
            Some(KEY),
            "outside 0–2",
        ),
        (
            vec![
                "run",
                "-p",
                "openai",
                "-m",
                "gpt-4o",
                "--base-url",
                &base,
                "   ",
            ],
            Some(KEY),
            "prompt is empty",
        ),
        (
            vec![
                "run",
                "-p",
                "openai",
                "-m",
                "gpt-4o",
                "--base-url",
                &base,
                "--key",
                "k1",
                "hi",
            ],
            Some(KEY),
            "error[not_found]",
        ),
    ];
    for (args, key, needle) in cases {
        let out = env.run(&args, key);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    assert_eq!(server.hits(), 0);
    assert!(env.history().is_empty());
}

#[test]
fn models_lists_what_the_provider_offers() {
    let server = FakeServer::start(vec![Reply::json(wire::ollama_tags(&[
        "llama3.2:latest",
        "qwen3:8b",
    ]))]);
    let env = Env::new();
    let out = env.run(
        &["models", "-p", "ollama", "--base-url", server.url()],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "llama3.2:latest\nqwen3:8b\n");
    let out = env.run(&["history"], None);
    assert!(
        text(&out.stdout).starts_with("   run  time"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn templates_conversations_search_and_show() {
    let c1 = Counts {
        prompt: 100,
        output: 50,
        ..Counts::default()
    };
    let c2 = Counts {
        prompt: 300,
        output: 60,
        ..Counts::default()
    };
    let server = FakeServer::start(vec![
        Reply::json(wire::openai_chat("gpt-4o", "Bonjour le monde", c1)),
        Reply::json(wire::openai_chat("gpt-4o", "Hola mundo", c2)),
    ]);
    let env = Env::new();
    let base = format!("{}/v1", server.url());
    let ok = |args: &[&str]| {
        let out = env.run(args, Some(KEY));
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let saved = ok(&[
        "templates",
        "save",
        "translate",
        "--system",
        "You translate.",
        "Translate {{text}} into {{language}}.",
    ]);
    assert!(
        saved.contains("translate v1 (variables: text, language)"),
        "{saved}"
    );

    // A template fills the prompt; the run records template id and version and starts a conversation.
    let first: Value = serde_json::from_str(&ok(&[
        "run",
        "-p",
        "openai",
        "-m",
        "gpt-4o",
        "--base-url",
        &base,
        "--no-stream",
        "--json",
        "--template",
        "translate",
        "--var",
        "text=hello world",
        "--var",
        "language=French",
        "--conversation",
    ]))
    .unwrap();
    let sent = server.requests()[0].json();
    assert_eq!(sent["messages"][0]["content"], "You translate.");
    assert_eq!(
        sent["messages"][1]["content"],
        "Translate hello world into French."
    );
    let conv = first["conversation_id"].as_i64().unwrap();

    // Continue the conversation: the first turn is sent along.
    let conv_arg = conv.to_string();
    ok(&[
        "run",
        "-p",
        "openai",
        "-m",
        "gpt-4o",
        "--base-url",
        &base,
        "--no-stream",
        "--continue",
        &conv_arg,
        "Now Spanish.",
    ]);
    let sent = server.requests()[1].json();
    let msgs = sent["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 3);
    assert_eq!(
        (msgs[1]["content"].as_str(), msgs[2]["content"].as_str()),
        (Some("Bonjour le monde"), Some("Now Spanish."))
    );

    // Find the run by searching its output, then show it in full.
    let found: Value =
        serde_json::from_str(&ok(&["history", "--search", "bonjour", "--json"])).unwrap();
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["id"], first["run_id"]);
    let by_cost: Value =
        serde_json::from_str(&ok(&["history", "--sort", "cost", "--json"])).unwrap();
    assert_eq!(
        by_cost[0]["cost_nano_usd"], 1_350_000,
        "the second turn (300 in, 60 out) first"
    );
    let shown = ok(&["show", &first["run_id"].to_string()]);
    assert!(
        shown.contains("# prompt\nTranslate hello world into French.")
            && shown.contains("# output\nBonjour le monde"),
        "{shown}"
    );
    assert!(
        shown.contains("input") && shown.contains("$2.50"),
        "{shown}"
    );
    let full: Value =
        serde_json::from_str(&ok(&["show", &first["run_id"].to_string(), "--json"])).unwrap();
    assert_eq!(full["template"][1], 1);
    assert_eq!(full["system_prompt"], "You translate.");
    let list = ok(&["templates", "list"]);
    assert!(list.contains("translate") && list.contains("1"), "{list}");
}

#[test]
fn bad_template_and_limits_send_nothing() {
    let server = FakeServer::start(vec![Reply::json("{}")]);
    let env = Env::new();
    let base = format!("{}/v1", server.url());
    assert!(
        env.run(&["templates", "save", "greet", "Hello {{name}}"], None)
            .status
            .success()
    );
    for (args, needle) in [
        (
            vec![
                "run",
                "-p",
                "openai",
                "-m",
                "gpt-4o",
                "--base-url",
                &base,
                "--template",
                "greet",
                "--var",
                "nmae=Ann",
            ],
            "`nmae` is not in the template (its variables: name)",
        ),
        (
            vec![
                "run",
                "-p",
                "openai",
                "-m",
                "gpt-4o",
                "--base-url",
                &base,
                "--template",
                "greet",
            ],
            "give a value for name",
        ),
        (
            vec![
                "run",
                "-p",
                "openai",
                "-m",
                "gpt-4o",
                "--base-url",
                &base,
                "--template",
                "nope",
            ],
            "error[not_found]",
        ),
        (
            vec![
                "run",
                "-p",
                "openai",
                "-m",
                "gpt-4o",
                "--base-url",
                &base,
                "--max-tokens",
                "100000",
                "hi",
            ],
            "over gpt-4o's output limit of 16384",
        ),
        (
            vec![
                "run",
                "-p",
                "openai",
                "-m",
                "gpt-4o",
                "--base-url",
                &base,
                "--continue",
                "999",
                "hi",
            ],
            "error[not_found]",
        ),
        (vec!["history", "--from", "21/11/2025"], "not a date"),
        (vec!["show", "12345"], "error[not_found]"),
    ] {
        let out = env.run(&args, Some(KEY));
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            text(&out.stderr).contains(needle),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert_eq!(server.hits(), 0);
    assert!(env.history().is_empty());
}

#[test]
fn a_block_budget_stops_a_run_before_it_is_sent_and_cache_reuses_answers() {
    let c = Counts {
        prompt: 1000,
        output: 500,
        ..Counts::default()
    };
    let server = FakeServer::start(vec![Reply::json(wire::openai_chat("gpt-4o", "Blue.", c))]);
    let env = Env::new();
    let base = format!("{}/v1", server.url());
    let ok = |args: &[&str]| {
        let out = env.run(args, None);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    ok(&[
        "budget",
        "add",
        "--name",
        "Daily cap",
        "--limit",
        "0.005",
        "--period",
        "day",
        "--mode",
        "block",
        "--provider",
        "openai",
    ]);
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "-p",
            "openai",
            "-m",
            "gpt-4o",
            "--base-url",
            &base,
            "--max-tokens",
            "1000",
            "--no-stream",
        ];
        args.extend_from_slice(extra);
        args.push("Name a colour");
        env.run(&args, Some(KEY))
    };
    let out = run(&[]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error[budget_exceeded]: Budget “Daily cap” would be exceeded"),
        "{err}"
    );
    assert_eq!(server.hits(), 0, "nothing was sent");
    assert!(env.history().is_empty());

    // The explicit one-time override sends it, and the alerts say how far the budget is gone.
    let out = run(&["--override-budget", "--cache"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("budget alert: Budget “Daily cap” is at 100 %"),
        "{err}"
    );
    assert_eq!(server.hits(), 1);
    let list: Value = serde_json::from_str(&ok(&["budget", "list", "--json"])).unwrap();
    assert_eq!(list[0]["spent_nano"], 7_500_000);

    // The same request again comes from the cache: nothing sent, nothing spent, even past the
    // budget (a cached answer costs nothing).
    let out = run(&["--cache"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "Blue.\n");
    assert!(text(&out.stderr).contains("response cache"));
    assert_eq!(server.hits(), 1);
    let runs = env.history();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["cost_nano_usd"], 0);
    assert!(ok(&["cache", "stats"]).contains("1 cached answers, reused 1 times"));
    assert!(ok(&["cache", "clear"]).contains("1 cached answers dropped"));
    let health = ok(&["health"]);
    assert!(
        health.starts_with("openai") && health.contains("success 100 %"),
        "{health}"
    );
    let budget_id = list[0]["budget"]["id"].as_i64().unwrap().to_string();
    ok(&["budget", "remove", &budget_id]);
    assert!(ok(&["budget", "list"]).contains("no budgets"));
}
