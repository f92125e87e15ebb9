//! `promptledger otlp` and `export otlp` end to end: configuring with a secret header (kept in
//! the keychain, sent on the wire, found nowhere else), a `run` whose span reaches the collector
//! before the process exits, `otlp status` and `flush` while the collector is down and once it is
//! back, a backfill, and a real receiver (rotel, pinned, installed by the test command's set-up)
//! that accepts both encodings and prints what it got.

use promptledger_testkit::otlp::{Answer, Receiver};
use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Cli;

/// A secret header value assembled at run time (no key-shaped literal in the tree).
fn secret() -> String {
    format!(
        "Basic {}",
        ["cGstbGYt", "dGVzdDpzay1sZi10ZXN0LTk4NzY="].concat()
    )
}

fn openai_server() -> FakeServer {
    FakeServer::with_handler(|_| {
        Reply::json(wire::openai_chat(
            "gpt-4o-mini",
            "Hello.",
            Counts {
                prompt: 1000,
                cached: 400,
                output: 300,
                reasoning: 100,
                ..Counts::default()
            },
        ))
    })
}

/// `promptledger run …` with a provider key in the environment.
fn run_with(cli: &Cli, key: (&str, &str), args: &[&str]) -> std::process::Output {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    cli.cmd(&all)
        .env(key.0, key.1)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

const OPENAI_KEY: (&str, &str) = ("OPENAI_API_KEY", "sk-test-otlp-0000");

fn run_one(cli: &Cli, server: &FakeServer, prompt: &str) {
    let base = format!("{}/v1", server.url());
    let out = run_with(
        cli,
        OPENAI_KEY,
        &[
            "-p",
            "openai",
            "-m",
            "gpt-4o-mini",
            "--base-url",
            &base,
            "--no-stream",
            prompt,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn configure(cli: &Cli, url: &str, extra: &[&str]) {
    let mut args = vec!["otlp", "configure", "--endpoint", url];
    args.extend_from_slice(extra);
    let mut child = cli
        .cmd(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{}\n", secret()).as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_run_reaches_the_collector_with_the_secret_header_and_the_secret_stays_out_of_files() {
    let receiver = Receiver::start(vec![Answer::Ok]);
    let server = openai_server();
    let cli = Cli::new();
    configure(
        &cli,
        receiver.url(),
        &[
            "--header",
            "x-langfuse-ingestion-version: 4",
            "--secret-header",
            "Authorization",
        ],
    );
    run_one(&cli, &server, "Say hello");
    // Sent before the `run` process exited.
    let spans = receiver.spans();
    assert_eq!(spans.len(), 1, "{spans:?}");
    let s = &spans[0];
    assert_eq!(s.name, "chat gpt-4o-mini");
    assert_eq!(s.attr("gen_ai.usage.input_tokens"), 1000);
    assert_eq!(s.attr("gen_ai.usage.cache_read.input_tokens"), 400);
    assert_eq!(s.attr("gen_ai.usage.output_tokens"), 300);
    assert_eq!(s.attr("gen_ai.usage.reasoning.output_tokens"), 100);
    assert!(s.attr("promptledger.cost.nano_usd").as_i64().unwrap() > 0);
    let req = &receiver.requests()[0];
    assert_eq!(req.header("authorization"), Some(secret().as_str()));
    assert_eq!(req.header("x-langfuse-ingestion-version"), Some("4"));
    // The secret is in the keychain only: not in the ledger, the payload or the status.
    let status: Value = cli.json(&["otlp", "status", "--json"]);
    for field in [
        "enabled",
        "endpoint",
        "backlog",
        "last_error",
        "last_success_at",
    ] {
        assert!(status.get(field).is_some(), "missing {field}: {status}");
    }
    assert_eq!(status["enabled"], true);
    assert_eq!(status["backlog"], 0);
    assert!(status["last_success_at"].is_string());
    let needle = secret();
    let token = needle.trim_start_matches("Basic ");
    for f in std::fs::read_dir(cli.db.parent().unwrap()).unwrap() {
        let bytes = std::fs::read(f.unwrap().path()).unwrap_or_default();
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "the secret header value is in a file"
        );
    }
    assert!(
        !req.bytes
            .windows(token.len())
            .any(|w| w == token.as_bytes())
    );
    assert!(!status.to_string().contains(token));
}

#[test]
fn status_and_flush_while_the_collector_is_down_then_back() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let server = openai_server();
    let cli = Cli::new();
    let out = cli.run(&[
        "otlp",
        "configure",
        "--endpoint",
        &url,
        "--protocol",
        "http/json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for i in 0..3 {
        run_one(&cli, &server, &format!("prompt {i}"));
    }
    let status: Value = cli.json(&["otlp", "status", "--json"]);
    assert_eq!(status["backlog"], 3, "{status}");
    assert!(
        status["last_error"]
            .as_str()
            .unwrap()
            .contains("unreachable"),
        "{status}"
    );
    let (code, _) = cli.fails(&["otlp", "flush"]);
    assert_eq!(code, 1, "runs are left while the collector is down");

    let receiver = Receiver::start_on(port, vec![Answer::Ok]);
    std::thread::sleep(Duration::from_millis(2100));
    let flushed: Value = cli.json(&["otlp", "flush", "--json"]);
    assert_eq!(
        (flushed["accepted"].as_i64(), flushed["left"].as_i64()),
        (Some(3), Some(0)),
        "{flushed}"
    );
    assert_eq!(receiver.spans().len(), 3);
    assert!(receiver.spans().iter().all(|s| s.encoding.0 == "json"));
    let status: Value = cli.json(&["otlp", "status", "--json"]);
    assert_eq!(
        (status["backlog"].as_i64(), &status["last_error"]),
        (Some(0), &Value::Null)
    );

    // A backfill sends the period again (the same spans, so backends merge them).
    let back: Value = cli.json(&[
        "export",
        "otlp",
        "--endpoint",
        receiver.url(),
        "--period",
        "7d",
        "--json",
    ]);
    assert_eq!(
        (
            back["sent"].as_i64(),
            back["accepted"].as_i64(),
            back["rejected"].as_i64()
        ),
        (Some(3), Some(3), Some(0)),
        "{back}"
    );
    let ids: std::collections::HashSet<String> =
        receiver.spans().iter().map(|s| s.span_id.clone()).collect();
    assert_eq!(ids.len(), 3, "the same run is the same span");
    let out = cli.run(&["otlp", "disable"]);
    assert!(out.status.success());
    run_one(&cli, &server, "after disable");
    let status: Value = cli.json(&["otlp", "status", "--json"]);
    assert_eq!(
        (status["enabled"].as_bool(), status["backlog"].as_i64()),
        (Some(false), Some(0))
    );
}

/// The rotel receiver the test command installs (`scripts/setup.sh`).
fn rotel() -> std::path::PathBuf {
    std::env::var_os("PROMPTLEDGER_ROTEL")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var("HOME").unwrap())
                .join(".cache/promptledger-tools/rotel-0.0.1a15/rotel/rotel-agent")
        })
}

struct Rotel {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Rotel {
    fn start(http: u16, grpc: u16) -> Rotel {
        let bin = rotel();
        assert!(
            bin.exists(),
            "rotel is missing at {} (scripts/test.sh installs it)",
            bin.display()
        );
        let mut child = Command::new(bin)
            .args([
                "start",
                "--otlp-http-endpoint",
                &format!("127.0.0.1:{http}"),
                "--otlp-grpc-endpoint",
                &format!("127.0.0.1:{grpc}"),
                "--exporter",
                "blackhole",
                "--debug-log",
                "traces",
                "--debug-log-verbosity",
                "detailed",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        let mut r = Rotel {
            child,
            lines,
            seen: Vec::new(),
        };
        r.wait_for("Starting Rotel");
        // The listener is up once it said so; give it a moment to bind.
        std::thread::sleep(Duration::from_millis(300));
        r
    }

    /// Waits until a printed line contains `text`; returns everything printed so far.
    fn wait_for(&mut self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.seen.iter().any(|l| l.contains(text)) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "rotel never printed {text:?}: {:?}",
                self.seen
            );
            if let Ok(l) = self.lines.recv_timeout(left) {
                self.seen.push(l);
            }
        }
        self.seen.join("\n")
    }
}

impl Drop for Rotel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_real_receiver_accepts_protobuf_and_json_and_prints_the_genai_attributes() {
    let (http, grpc) = (free_port(), free_port());
    let mut rotel = Rotel::start(http, grpc);
    let server = openai_server();
    let cli = Cli::new();
    let url = format!("http://127.0.0.1:{http}");
    for (protocol, prompt) in [("http/protobuf", "first"), ("http/json", "second")] {
        let out = cli.run(&[
            "otlp",
            "configure",
            "--endpoint",
            &url,
            "--protocol",
            protocol,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        run_one(&cli, &server, prompt);
        let status: Value = cli.json(&["otlp", "status", "--json"]);
        assert_eq!(status["backlog"], 0, "{protocol}: {status}");
        assert!(status["last_error"].is_null(), "{protocol}: {status}");
    }
    // An Anthropic run with cache writes, a failed run and a cache hit, as JSON.
    let anthropic = FakeServer::with_handler(|_| {
        Reply::json(wire::anthropic_message(
            "claude-sonnet-4-5",
            "Hi.",
            Counts {
                prompt: 100,
                cached: 2000,
                cache_write: 500,
                output: 50,
                ..Counts::default()
            },
        ))
    });
    let out = run_with(
        &cli,
        ("ANTHROPIC_API_KEY", "sk-ant-test-otlp-0000"),
        &[
            "-p",
            "anthropic",
            "-m",
            "claude-sonnet-4-5",
            "--base-url",
            anthropic.url(),
            "--no-stream",
            "cached prefix",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let refusing = FakeServer::start(vec![Reply::status_json(
        400,
        wire::openai_error("invalid_request_error", "invalid_value", "bad temperature"),
    )]);
    let refusing_url = format!("{}/v1", refusing.url());
    let out = run_with(
        &cli,
        OPENAI_KEY,
        &[
            "-p",
            "openai",
            "-m",
            "gpt-4o-mini",
            "--base-url",
            &refusing_url,
            "--no-stream",
            "fails",
        ],
    );
    assert!(!out.status.success());
    let base = format!("{}/v1", server.url());
    for _ in 0..2 {
        let out = run_with(
            &cli,
            OPENAI_KEY,
            &[
                "-p",
                "openai",
                "-m",
                "gpt-4o-mini",
                "--base-url",
                &base,
                "--no-stream",
                "--cache",
                "same question",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let status: Value = cli.json(&["otlp", "status", "--json"]);
    assert_eq!(status["backlog"], 0, "{status}");
    let printed = rotel.wait_for("promptledger.cache_hit: Bool(true)");
    for line in [
        "gen_ai.provider.name: Str(anthropic)",
        "gen_ai.usage.input_tokens: Int(2600)",
        "gen_ai.usage.cache_write.input_tokens: Int(500)",
        "gen_ai.usage.cache_creation.input_tokens: Int(500)",
        "error.type: Str(invalid_request)",
        "Status code    : STATUS_CODE_ERROR",
        "promptledger.cache_hit: Bool(true)",
    ] {
        assert!(
            printed.contains(line),
            "rotel did not print {line:?}:\n{printed}"
        );
    }
    for line in [
        "Name           : chat gpt-4o-mini",
        "Kind           : SPAN_KIND_CLIENT",
        "service.name: Str(promptledger)",
        "gen_ai.provider.name: Str(openai)",
        "gen_ai.usage.input_tokens: Int(1000)",
        "gen_ai.usage.cache_read.input_tokens: Int(400)",
        "gen_ai.usage.output_tokens: Int(300)",
        "gen_ai.usage.reasoning.output_tokens: Int(100)",
        "promptledger.run_id: Int(1)",
    ] {
        assert!(
            printed.contains(line),
            "rotel did not print {line:?}:\n{printed}"
        );
    }
}
