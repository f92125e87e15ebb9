//! `promptledger keys …` against the real keychain (Secret Service in the test session) and a
//! loopback provider: validation before saving, the default key in `run`, rotation, removal,
//! the keychain-unavailable path, and a scan proving the secret is written nowhere else.

use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub(crate) struct Env {
    pub(crate) dir: tempfile::TempDir,
}

impl Env {
    pub(crate) fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub(crate) fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub(crate) fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(promptledger_e2e::bin("promptledger"));
        c.args(args).env("XDG_DATA_HOME", self.data());
        for var in [
            "PROMPTLEDGER_DB",
            "OPENAI_API_KEY",
            "ANTHROPIC_API_KEY",
            "GEMINI_API_KEY",
            "GOOGLE_API_KEY",
            "OPENAI_ADMIN_KEY",
            "ANTHROPIC_ADMIN_KEY",
        ] {
            c.env_remove(var);
        }
        c
    }

    pub(crate) fn with_stdin(&self, mut c: Command, input: &str) -> Output {
        let mut child = c
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).stdin(Stdio::null()).output().unwrap()
    }

    /// Saves a key for `provider` at `url` (labelled with the provider's name) through
    /// `keys add`, which checks it against the server first.
    pub(crate) fn add_key(&self, provider: &str, url: &str, secret: &str) {
        let out = self.with_stdin(
            self.cmd(&[
                "keys",
                "add",
                "-p",
                provider,
                "-l",
                provider,
                "--base-url",
                url,
            ]),
            &format!("{secret}\n"),
        );
        assert!(out.status.success(), "{provider}: {}", text(&out.stderr));
    }

    pub(crate) fn keys(&self) -> Vec<Value> {
        let out = self.run(&["keys", "list", "--json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }
}

pub(crate) fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

fn models() -> Reply {
    Reply::json(wire::openai_models(&["gpt-4o"]))
}

fn bad_key() -> Reply {
    Reply::status_json(
        401,
        wire::openai_error(
            "invalid_request_error",
            "invalid_api_key",
            "Incorrect API key provided.",
        ),
    )
}

/// Every byte of every file under `dir`.
pub(crate) fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out
}

pub(crate) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn add_run_rotate_remove_and_the_secret_is_written_nowhere() {
    const SECRET: &str = "sk-test-leakcheck-Zq81xYp0aBcD";
    let c = Counts {
        prompt: 1000,
        output: 500,
        ..Counts::default()
    };
    let server = FakeServer::start(vec![
        models(),                                                // keys add
        Reply::json(wire::openai_chat("gpt-4o", "hi there", c)), // run (ok)
        bad_key(),                                               // run (fails)
        models(),                                                // keys rotate
    ]);
    let env = Env::new();
    let base = format!("{}/v1", server.url());

    let out = env.with_stdin(
        env.cmd(&[
            "keys",
            "add",
            "-p",
            "openai",
            "-l",
            "work",
            "--base-url",
            &base,
            "--project",
            "proj_9",
        ]),
        &format!("{SECRET}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("…aBcD (valid)"),
        "{}",
        text(&out.stdout)
    );
    let keys = env.keys();
    assert_eq!(keys.len(), 1);
    let id = keys[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        (keys[0]["preview"].as_str(), keys[0]["is_default"].as_bool()),
        (Some("…aBcD"), Some(true))
    );

    // run uses the default key from the keychain.
    let ok = env.run(&[
        "run",
        "-p",
        "openai",
        "-m",
        "gpt-4o",
        "--no-stream",
        "--json",
        "hello",
    ]);
    assert!(
        ok.status.success(),
        "{}{}",
        text(&ok.stderr),
        text(&ok.stdout)
    );
    let v: Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(
        (v["key_label"].as_str(), v["cost_nano_usd"].as_i64()),
        (Some("work"), Some(7_500_000))
    );
    let req = &server.requests()[1];
    assert_eq!(
        req.header("authorization"),
        Some(format!("Bearer {SECRET}").as_str())
    );
    assert_eq!(req.header("openai-project"), Some("proj_9"));
    let failed = env.run(&[
        "run",
        "-p",
        "openai",
        "-m",
        "gpt-4o",
        "--key",
        &id,
        "hello again",
    ]);
    assert_eq!(failed.status.code(), Some(1));
    let k = &env.keys()[0];
    assert_eq!(
        (
            k["status"].as_str(),
            k["runs_this_month"].as_i64(),
            k["error_count"].as_i64()
        ),
        (Some("invalid"), Some(2), Some(1))
    );

    // Rotation keeps the id.
    let out = env.with_stdin(env.cmd(&["keys", "rotate", &id]), "sk-test-rotated-9999\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(env.keys()[0]["preview"], "…9999");

    // Nothing on disk, and nothing printed, holds the secret.
    let history = env.run(&["history", "--json"]);
    let list = env.run(&["keys", "list"]);
    for (name, bytes) in [
        ("history", &history.stdout),
        ("keys list", &list.stdout),
        ("run", &ok.stdout),
        ("run stderr", &failed.stderr),
    ] {
        assert!(
            !contains(bytes, SECRET.as_bytes()),
            "{name} printed the secret"
        );
    }
    let on_disk = files(&env.data());
    assert!(
        on_disk.iter().any(|(p, _)| p.ends_with("ledger.sqlite3")),
        "{:?}",
        on_disk.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (path, bytes) in &on_disk {
        assert!(
            !contains(bytes, SECRET.as_bytes()),
            "{} holds the secret",
            path.display()
        );
        assert!(
            !contains(bytes, b"sk-test-rotated-9999"),
            "{} holds the rotated secret",
            path.display()
        );
    }

    // Removal deletes the keychain entry; the runs keep the label.
    let out = env.run(&["keys", "remove", &id]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(env.keys().is_empty());
    let again = env.run(&["run", "-p", "openai", "-m", "gpt-4o", "--key", &id, "hi"]);
    assert!(
        text(&again.stderr).contains("error[not_found]"),
        "{}",
        text(&again.stderr)
    );
    let h: Value = serde_json::from_slice(&env.run(&["history", "--json"]).stdout).unwrap();
    assert!(
        h.as_array()
            .unwrap()
            .iter()
            .all(|r| r["key_label"] == "work")
    );
}

#[test]
fn a_rejected_key_shows_the_providers_reason_and_saves_nothing() {
    let server = FakeServer::start(vec![bad_key()]);
    let env = Env::new();
    let base = format!("{}/v1", server.url());
    let out = env.with_stdin(
        env.cmd(&[
            "keys",
            "add",
            "-p",
            "openai",
            "-l",
            "bad",
            "--base-url",
            &base,
        ]),
        "sk-test-nope-0000\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("error[invalid_key]") && err.contains("Incorrect API key provided"),
        "{err}"
    );
    assert!(env.keys().is_empty());
    let help = text(&env.run(&["keys", "add", "--help"]).stdout);
    assert!(
        !help.contains("--secret") && !help.contains("--api-key"),
        "the secret is never a flag"
    );
}

#[test]
fn without_a_keychain_adding_a_key_fails_clearly_and_saves_nothing() {
    let server = FakeServer::start(vec![models()]);
    let env = Env::new();
    let base = format!("{}/v1", server.url());
    let mut c = env.cmd(&[
        "keys",
        "add",
        "-p",
        "openai",
        "-l",
        "work",
        "--base-url",
        &base,
    ]);
    c.env(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/promptledger-test-bus",
    );
    let out = env.with_stdin(c, "sk-test-nokeychain-1234\n");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("error[keychain_unavailable]") && err.contains("Secret Service"),
        "{err}"
    );
    assert!(env.keys().is_empty());
    for (path, bytes) in files(&env.data()) {
        assert!(
            !contains(&bytes, b"sk-test-nokeychain-1234"),
            "{} holds the secret",
            path.display()
        );
    }
}

#[test]
fn compare_three_targets_with_saved_keys_one_failing() {
    use std::time::Duration;
    let c = Counts {
        prompt: 1000,
        output: 500,
        ..Counts::default()
    };
    let openai = FakeServer::start(vec![
        models(),
        Reply::stream(
            "text/event-stream",
            wire::openai_sse("gpt-4o-mini", &["Blue."], Some(c), None),
            promptledger_testkit::StreamEnd::Finish,
        ),
    ]);
    let anthropic = FakeServer::start(vec![
        Reply::json(
            r#"{"data":[{"type":"model","id":"claude-haiku-4-5","display_name":"Claude Haiku 4.5"}],"has_more":false}"#,
        ),
        Reply::stream(
            "text/event-stream",
            wire::anthropic_sse("claude-haiku-4-5", &["Green."], c),
            promptledger_testkit::StreamEnd::Finish,
        )
        .paced(Duration::from_millis(100)),
    ]);
    let gemini = FakeServer::start(vec![
        Reply::json(r#"{"models":[{"name":"models/gemini-2.5-flash"}]}"#),
        Reply::status_json(
            503,
            wire::gemini_error(503, "UNAVAILABLE", "The model is overloaded."),
        )
        .header("x-should-retry", "false"),
    ]);
    let env = Env::new();
    for (provider, url) in [
        ("openai", format!("{}/v1", openai.url())),
        ("anthropic", anthropic.url().to_string()),
        ("gemini", gemini.url().to_string()),
    ] {
        env.add_key(provider, &url, "sk-test-compare-0000");
    }
    let csv_path = env.dir.path().join("compare.csv");
    let out = env.run(&[
        "compare",
        "-m",
        "openai/gpt-4o-mini",
        "-m",
        "anthropic/claude-haiku-4-5",
        "-m",
        "gemini/gemini-2.5-flash",
        "--max-tokens",
        "100",
        "--csv",
        csv_path.to_str().unwrap(),
        "Name a color.",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "one target failed: {}",
        text(&out.stderr)
    );
    let table = text(&out.stdout);
    assert!(
        table.contains("openai/gpt-4o-mini") && table.contains("ok"),
        "{table}"
    );
    assert!(
        table.contains("gemini/gemini-2.5-flash") && table.contains("error"),
        "{table}"
    );
    assert!(
        table.contains("Green.") && table.contains("Blue."),
        "{table}"
    );
    assert!(table.contains("error[provider_unavailable]"), "{table}");
    assert!(table.contains("cheapest: openai/gpt-4o-mini"), "{table}");
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert_eq!(csv.lines().count(), 4, "header + one row per target: {csv}");
    let hist: Value = serde_json::from_slice(&env.run(&["history", "--json"]).stdout).unwrap();
    assert_eq!(hist.as_array().unwrap().len(), 3);
}

#[test]
fn a_key_of_another_provider_is_refused_and_compare_fills_a_template() {
    let c = Counts {
        prompt: 20,
        output: 5,
        ..Counts::default()
    };
    let sse = "text/event-stream";
    let openai = FakeServer::start(vec![
        models(),
        Reply::stream(
            sse,
            wire::openai_sse("gpt-4o-mini", &["Hello, Ada."], Some(c), None),
            promptledger_testkit::StreamEnd::Finish,
        ),
    ]);
    let anthropic = FakeServer::start(vec![
        Reply::json(
            r#"{"data":[{"type":"model","id":"claude-haiku-4-5","display_name":"Claude Haiku 4.5"}],"has_more":false}"#,
        ),
        Reply::stream(
            sse,
            wire::anthropic_sse("claude-haiku-4-5", &["Hi Ada."], c),
            promptledger_testkit::StreamEnd::Finish,
        ),
    ]);
    let env = Env::new();
    for (provider, url) in [
        ("openai", format!("{}/v1", openai.url())),
        ("anthropic", anthropic.url().to_string()),
    ] {
        env.add_key(provider, &url, "sk-test-drift-0000");
    }
    let anthropic_id = env
        .keys()
        .iter()
        .find(|k| k["provider"] == "anthropic")
        .map(|k| k["id"].as_str().unwrap().to_string())
        .unwrap();

    // The app gets the same typed error from the same core call (see the core's service tests).
    let out = env.run(&[
        "run",
        "-p",
        "openai",
        "-m",
        "gpt-4o-mini",
        "--key",
        &anthropic_id,
        "Hi",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error[invalid_input]")
            && err.contains(&format!(
                "key {anthropic_id} belongs to anthropic, not openai"
            )),
        "{err}"
    );
    // Out-of-range temperature is the core's invalid_input in compare too: nothing is sent.
    let out = env.run(&[
        "compare",
        "-m",
        "openai/gpt-4o-mini",
        "-m",
        "anthropic/claude-haiku-4-5",
        "-t",
        "7",
        "Hi",
    ]);
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error[invalid_input]") && err.contains("outside 0–2"),
        "{err}"
    );
    assert_eq!(
        openai.hits() + anthropic.hits(),
        2,
        "only the two key checks reached a server"
    );

    let out = env.run(&[
        "templates",
        "save",
        "greet",
        "--system",
        "Be brief.",
        "Greet {{name}} warmly.",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = env.run(&[
        "compare",
        "-m",
        "openai/gpt-4o-mini",
        "-m",
        "anthropic/claude-haiku-4-5",
        "--template",
        "greet",
        "--var",
        "name=Ada",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stderr),
        text(&out.stdout)
    );
    let cmp: Value = serde_json::from_slice(&out.stdout).unwrap();
    let runs = cmp["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "{cmp}");
    for server in [&openai, &anthropic] {
        let chat = server.requests().pop().unwrap();
        assert!(chat.body.contains("Greet Ada warmly.") && chat.body.contains("Be brief."));
    }
    let id = runs[0]["run_id"].as_i64().unwrap().to_string();
    let shown: Value = serde_json::from_slice(&env.run(&["show", &id, "--json"]).stdout).unwrap();
    assert_eq!(shown["prompt"], "Greet Ada warmly.");
    assert!(shown["template"].is_array(), "{shown}");
}

#[test]
fn a_gateway_alias_runs_unpriced_then_is_priced_once() {
    // A LiteLLM-style gateway whose model name is an alias the price table does not know.
    const ALIAS: &str = "team-fast";
    let c = Counts {
        prompt: 1000,
        output: 300,
        ..Counts::default()
    };
    let gateway = FakeServer::start(vec![
        Reply::json(wire::openai_models(&[ALIAS, "gpt-4o-mini"])),
        Reply::json(wire::openai_models(&[ALIAS, "gpt-4o-mini"])),
        Reply::json(wire::openai_chat(ALIAS, "Hi there.", c)),
    ]);
    let env = Env::new();
    let url = format!("{}/v1", gateway.url());
    // The keys check works: it lists the gateway's models (no price needed).
    env.add_key("openai-compatible", &url, "sk-test-gateway-4321");
    let out = env.run(&["models", "-p", "openai-compatible"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    assert!(
        listed.contains(&format!("{ALIAS}  · no price: runs are recorded unpriced")),
        "{listed}"
    );
    assert!(
        listed.lines().any(|l| l == "gpt-4o-mini"),
        "a priced model has no note: {listed}"
    );

    // The run goes out, says so first, and is recorded without a cost (never $0).
    let out = env.run(&[
        "run",
        "-p",
        "openai-compatible",
        "-m",
        ALIAS,
        "--no-stream",
        "Hi",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("no price known — the cost will be recorded as unpriced"),
        "{err}"
    );
    assert!(err.contains("· cost unknown (unpriced) ·"), "{err}");
    assert!(err.contains("--reprice-unpriced"), "{err}");
    let hist: Value = serde_json::from_slice(&env.run(&["history", "--json"]).stdout).unwrap();
    let id = hist[0]["id"].as_i64().unwrap();
    assert!(hist[0]["cost_nano_usd"].is_null(), "{hist}");
    let shown: Value =
        serde_json::from_slice(&env.run(&["show", &id.to_string(), "--json"]).stdout).unwrap();
    assert_eq!(shown["cost_source"], "unpriced");
    assert!(shown["cost_nano_usd"].is_null() && shown["cost_usd"].is_null());
    assert_eq!(shown["usage"]["input_tokens"], 1000);
    assert_eq!(shown["usage"]["output_tokens"], 300);
    let report: Value =
        serde_json::from_slice(&env.run(&["report", "--period", "7d", "--json"]).stdout).unwrap();
    assert_eq!(report["totals"]["unpriced_runs"], 1);
    assert_eq!(report["totals"]["cost_nano"], 0);
    let out = env.run(&["report", "--period", "7d"]);
    assert!(
        text(&out.stdout).contains("(+ 1 unpriced run, not in the cost)"),
        "{}",
        text(&out.stdout)
    );

    // A block budget on the gateway refuses the next one: its worst case is unknown.
    let out = env.run(&[
        "budget",
        "add",
        "--name",
        "Gateway cap",
        "--limit",
        "100",
        "--mode",
        "block",
        "--provider",
        "openai_compatible",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let hits = gateway.hits();
    let out = env.run(&[
        "run",
        "-p",
        "openai-compatible",
        "-m",
        ALIAS,
        "--no-stream",
        "Hi",
    ]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("error[budget_exceeded]"), "{err}");
    assert!(err.contains("an unknown amount"), "{err}");
    assert_eq!(gateway.hits(), hits, "nothing was sent");

    // Priced later: the run is priced once at the new price — $2 in, $8 out per 1M:
    // 1000 × 2 + 300 × 8 = 4,400 µ$ = $0.0044.
    let out = env.run(&[
        "prices",
        "set",
        ALIAS,
        "--input-per-mtok",
        "2",
        "--output-per-mtok",
        "8",
        "--reprice-unpriced",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(&format!(
            "priced 1 unpriced run of {ALIAS}: $0.0044 in total"
        )),
        "{}",
        text(&out.stdout)
    );
    let shown: Value =
        serde_json::from_slice(&env.run(&["show", &id.to_string(), "--json"]).stdout).unwrap();
    assert_eq!(shown["cost_source"], "computed");
    assert_eq!(shown["cost_nano_usd"], 4_400_000);
    assert!(
        shown["price_table_version"]
            .as_str()
            .unwrap()
            .starts_with("custom+"),
        "{shown}"
    );
    // Once: a second pass prices nothing.
    let out = env.run(&[
        "prices",
        "set",
        ALIAS,
        "--input-per-mtok",
        "20",
        "--output-per-mtok",
        "80",
        "--reprice-unpriced",
    ]);
    assert!(
        text(&out.stdout).contains(&format!("priced 0 unpriced runs of {ALIAS}")),
        "{}",
        text(&out.stdout)
    );
    let shown: Value =
        serde_json::from_slice(&env.run(&["show", &id.to_string(), "--json"]).stdout).unwrap();
    assert_eq!(shown["cost_nano_usd"], 4_400_000);
}

#[test]
fn a_server_that_echoes_the_key_never_gets_it_recorded_or_shown() {
    // Built from pieces so that no key-shaped literal is tracked.
    const CANARY: &str = concat!("sk-proj-", "CANARY9f8e7d6c5b4a39281706");
    let echo_json = |status: u16| {
        Reply::status_json(
            status,
            format!(
                r#"{{"error":{{"message":"Incorrect API key provided: {CANARY}. Sent header: Authorization: Bearer {CANARY}","type":"invalid_request_error","code":"invalid_api_key"}}}}"#
            ),
        )
    };
    let html = Reply::Body {
        status: 502,
        headers: Vec::new(),
        content_type: "text/html".into(),
        body: format!(
            "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body>\n\
             <h1>502 Bad Gateway</h1>\n<p>upstream rejected key {CANARY}</p>\n<hr>nginx\n\
             </body></html>"
        ),
    };
    let server = FakeServer::start(vec![models(), echo_json(401), html, echo_json(400)]);
    let env = Env::new();
    let url = format!("{}/v1", server.url());
    env.add_key("openai", &url, CANARY);
    let id = env.keys()[0]["id"].as_str().unwrap().to_string();
    let mut printed = Vec::new();
    // The key check fails with the echo; two runs fail with an HTML page and a JSON echo.
    let out = env.run(&["keys", "test", &id]);
    assert!(!out.status.success());
    printed.push(out.clone());
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "-p",
            "openai",
            "-m",
            "gpt-4o-mini",
            "--no-stream",
            "--max-retries",
            "0",
        ];
        args.extend_from_slice(extra);
        args.push("Hi");
        env.run(&args)
    };
    let out = run(&[]);
    let err = text(&out.stderr);
    assert!(
        err.contains("HTTP 502 from the server: 502 Bad Gateway") && !err.contains("<html"),
        "one line, not the page: {err}"
    );
    printed.push(out);
    printed.push(run(&["--json"]));
    for args in [
        &["keys", "list", "--json"][..],
        &["history", "--json"],
        &["show", "2", "--json"],
        &["health", "--json"],
    ] {
        let out = env.run(args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        printed.push(out);
    }
    let export = env.dir.path().join("runs.json");
    let out = env.run(&["export", "runs", "--json", export.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let keys: Value = serde_json::from_slice(&env.run(&["keys", "list", "--json"]).stdout).unwrap();
    assert!(
        keys[0]["last_error_message"].as_str().unwrap().contains(
            "Incorrect API key provided: …1706. Sent header: Authorization: Bearer …1706"
        ),
        "{keys}"
    );

    // The canary (or its first 20 characters) appears nowhere: output, ledger, WAL, export.
    let needle = &CANARY.as_bytes()[..20];
    for out in &printed {
        assert!(
            !contains(&out.stdout, needle),
            "stdout: {}",
            text(&out.stdout)
        );
        assert!(
            !contains(&out.stderr, needle),
            "stderr: {}",
            text(&out.stderr)
        );
    }
    for (path, bytes) in files(env.dir.path()) {
        if path.to_string_lossy().contains("keyrings") {
            continue; // the keychain itself holds the key, as it should
        }
        assert!(!contains(&bytes, needle), "{}", path.display());
    }
}
