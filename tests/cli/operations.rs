//! `promptledger embed`, `image`, `transcribe` and `speak` end to end against a loopback server
//! speaking OpenAI's real wire formats: 100 inputs in one embedding call make one run with the
//! summed tokens and the exact cost; images are saved where asked; transcription is billed per
//! second; speech per character; `report` splits spend per operation; a budget scoped to one
//! operation blocks that operation only.

use promptledger_testkit::operations::{self, embed_tokens, image_tokens};
use serde_json::Value;
use std::io::Write;
use std::process::Stdio;

use crate::Cli;

const KEY: (&str, &str) = ("OPENAI_API_KEY", "sk-test-cli-operations-0000");

fn json_of(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn op(cli: &Cli, base: &str, args: &[&str]) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend(["--base-url", base]);
    cli.cmd(&all).env(KEY.0, KEY.1).output().unwrap()
}

#[test]
fn one_hundred_inputs_make_one_run_with_the_summed_tokens_and_the_exact_cost() {
    let server = operations::server();
    let base = format!("{}/v1", server.url());
    let cli = Cli::new();
    let inputs: Vec<String> = (1..=100)
        .map(|i| {
            format!(
                "chunk {i}: the quarterly invoice {}",
                "total ".repeat(i % 7)
            )
        })
        .collect();
    let mut child = cli
        .cmd(&[
            "embed",
            "-p",
            "openai",
            "-m",
            "text-embedding-3-small",
            "-",
            "--json",
            "--base-url",
            &base,
        ])
        .env(KEY.0, KEY.1)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(inputs.join("\n").as_bytes())
        .unwrap();
    let run = json_of(&child.wait_with_output().unwrap());
    let tokens: u64 = inputs.iter().map(|t| embed_tokens(t)).sum();
    assert_eq!(run["operation"], "embedding");
    assert_eq!(run["items"], 100);
    assert_eq!(run["usage"]["input_tokens"], tokens);
    assert_eq!(run["usage"]["output_tokens"], 0);
    // text-embedding-3-small: $0.02 per 1M tokens = 20 nano-USD a token, input only.
    assert_eq!(run["cost_nano_usd"], tokens * 20);
    assert_eq!(run["cost_source"], "computed");
    assert_eq!(run["output"], "100 embeddings × 8 dimensions");
    assert!(run.get("vectors").is_none(), "vectors only when asked");
    // One request carried all 100 inputs.
    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].json()["input"].as_array().unwrap().len(), 100);

    // --vectors prints them (and records a second run).
    let out = op(
        &cli,
        &base,
        &[
            "embed",
            "-p",
            "openai",
            "-m",
            "text-embedding-3-small",
            "--dimensions",
            "4",
            "--vectors",
            "alpha",
            "beta",
        ],
    );
    let vectors = json_of(&out);
    assert_eq!(vectors.as_array().unwrap().len(), 2);
    assert_eq!(vectors[0].as_array().unwrap().len(), 4);

    // Spend per operation, and the History filter.
    let report = cli.json(&["report", "--period", "7d", "--json"]);
    let by_op = report["by_operation"].as_array().unwrap();
    assert_eq!(by_op.len(), 1);
    assert_eq!(by_op[0]["name"], "embedding");
    assert_eq!(by_op[0]["totals"]["runs"], 2);
    let history = cli.json(&["history", "--operation", "embed", "--json"]);
    assert_eq!(history.as_array().unwrap().len(), 2);
    assert_eq!(
        cli.json(&["history", "--operation", "image", "--json"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let (_, err) = cli.fails(&["history", "--operation", "video"]);
    assert!(err.contains("video"), "{err}");

    // The core's typed errors, word for word what the app's command layer gets
    // (src-tauri/tests/commands.rs): blank stdin, and a provider without the operation.
    let mut child = cli
        .cmd(&["embed", "-p", "openai", "-m", "text-embedding-3-small", "-"])
        .env(KEY.0, KEY.1)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b" \n \n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "error[invalid_input]: invalid input: give at least one text to embed"
    );
    let out = cli
        .cmd(&["embed", "-p", "anthropic", "-m", "claude-haiku-4-5", "x"])
        .env("ANTHROPIC_API_KEY", "sk-ant-test-0000")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error[invalid_input]: invalid operation: Anthropic has no embedding API"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 2, "nothing more was sent");
}

#[test]
fn images_transcription_and_speech_are_billed_by_their_own_units() {
    let server = operations::server();
    let base = format!("{}/v1", server.url());
    let cli = Cli::new();
    let dir = cli.db.with_file_name("renders");

    // gpt-image-1 reports token usage: text input at $5/M, image output at $40/M.
    let img = json_of(&op(
        &cli,
        &base,
        &[
            "image",
            "-p",
            "openai",
            "-m",
            "gpt-image-1",
            "--size",
            "1024x1024",
            "--quality",
            "low",
            "-n",
            "2",
            "--out",
            dir.to_str().unwrap(),
            "--json",
            "a lighthouse at dawn",
        ],
    ));
    let text = embed_tokens("a lighthouse at dawn");
    assert_eq!(img["operation"], "image");
    assert_eq!(img["items"], 2);
    assert_eq!(
        img["cost_nano_usd"],
        text * 5_000 + 2 * image_tokens("low") * 40_000
    );
    let files = img["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    for f in files {
        let bytes = std::fs::read(f.as_str().unwrap()).unwrap();
        assert_eq!(bytes, operations::png_bytes());
    }

    // whisper-1: $0.0001 a second; 61.5 s of audio is billed as 62 s.
    let wav = cli.db.with_file_name("meeting.wav");
    std::fs::write(&wav, operations::wav(61_500)).unwrap();
    let out = op(
        &cli,
        &base,
        &[
            "transcribe",
            "-p",
            "openai",
            "-m",
            "whisper-1",
            wav.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "Hello from the fake transcription service."
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("62 seconds"), "{stderr}");
    assert!(stderr.contains("$0.0062"), "{stderr}");

    // tts-1: $15 per 1M characters.
    let speech_file = cli.db.with_file_name("hello.wav");
    let words = "x".repeat(1_000);
    let sp = json_of(&op(
        &cli,
        &base,
        &[
            "speak",
            "-p",
            "openai",
            "-m",
            "tts-1",
            "--format",
            "wav",
            "--out",
            speech_file.to_str().unwrap(),
            "--json",
            &words,
        ],
    ));
    assert_eq!(sp["operation"], "speech");
    assert_eq!(sp["unit"]["unit"], "character");
    assert_eq!(sp["unit"]["quantity"], 1_000);
    assert_eq!(sp["cost_nano_usd"], 15_000_000);
    assert!(std::fs::metadata(&speech_file).unwrap().len() > 44);

    let report = cli.json(&["report", "--period", "7d", "--json"]);
    let names: Vec<&str> = report["by_operation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    // Most expensive first: speech $0.015, image, transcription $0.0062.
    assert_eq!(names, ["image", "speech", "transcription"]);
    let path = cli.db.with_file_name("runs.csv");
    cli.ok(&["export", "runs", "--csv", path.to_str().unwrap()]);
    let csv = std::fs::read_to_string(&path).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains("operation,items,unit,unit_quantity,unit_cost_usd"),
        "{header}"
    );
    assert!(csv.contains(",speech,,character,1000,0.015"), "{csv}");
}

#[test]
fn a_budget_scoped_to_an_operation_blocks_that_operation_only() {
    let server = operations::server();
    let base = format!("{}/v1", server.url());
    let cli = Cli::new();
    cli.ok(&[
        "budget",
        "add",
        "--name",
        "Speech cap",
        "--limit",
        "0.01",
        "--period",
        "day",
        "--mode",
        "block",
        "--operation",
        "tts",
    ]);
    let list = cli.json(&["budget", "list", "--json"]);
    assert_eq!(list[0]["budget"]["scope"]["kind"], "operation");
    assert_eq!(list[0]["budget"]["scope"]["value"], "speech");
    // 1,000 characters of tts-1 is $0.015: over the $0.01 cap, refused before sending.
    let words = "y".repeat(1_000);
    let out = op(
        &cli,
        &base,
        &[
            "speak",
            "-p",
            "openai",
            "-m",
            "tts-1",
            "--out",
            "/dev/null",
            &words,
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("budget_exceeded"), "{err}");
    assert_eq!(server.requests().len(), 0);
    // An embedding is not speech: it goes through.
    let ok = op(
        &cli,
        &base,
        &[
            "embed",
            "-p",
            "openai",
            "-m",
            "text-embedding-3-small",
            "hello",
            "--json",
        ],
    );
    assert_eq!(json_of(&ok)["status"], "ok");
}

#[test]
fn a_batch_job_embeds_every_row_of_a_dataset() {
    let server = operations::server();
    let base = format!("{}/v1", server.url());
    let cli = Cli::new();
    let mut csv = String::from("id,text\n");
    let texts: Vec<String> = (1..=30)
        .map(|i| format!("ticket {i}: the invoice {}", "again ".repeat(i % 4)))
        .collect();
    for (i, t) in texts.iter().enumerate() {
        csv.push_str(&format!("{},\"{t}\"\n", i + 1));
    }
    let data = cli.db.with_file_name("tickets.csv");
    std::fs::write(&data, csv).unwrap();
    let args = [
        "batch",
        "run",
        "--operation",
        "embedding",
        "--prompt",
        "{{text}}",
        "--data",
        data.to_str().unwrap(),
        "-m",
        "openai/text-embedding-3-small",
        "--json",
    ];
    let summary = json_of(&op(&cli, &base, &args));
    assert_eq!(summary["done"], 30, "{summary}");
    assert_eq!(summary["failed"], 0);
    // Each row is one input; the rendered text is what the server counted.
    let tokens: u64 = texts.iter().map(|t| embed_tokens(t.trim())).sum();
    assert_eq!(summary["cost_nano_usd"], tokens * 20, "{summary}");
    assert_eq!(server.requests().len(), 30);
    assert!(server.requests().iter().all(|r| r.path == "/v1/embeddings"));
    let runs = cli.json(&["history", "--operation", "embedding", "-n", "100", "--json"]);
    assert_eq!(runs.as_array().unwrap().len(), 30);

    // Provider batches of embeddings and system prompts are refused before anything is saved.
    let mut provider = args.to_vec();
    provider.extend(["--mode", "provider"]);
    let out = op(&cli, &base, &provider);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("embedding jobs run live"));
    let mut speech = args.to_vec();
    speech[3] = "speech";
    let out = op(&cli, &base, &speech);
    assert!(String::from_utf8_lossy(&out.stderr).contains("chat or embedding"));
}
