//! `cargo bench -p promptledger-core --bench runner`
//!
//! Figures this must reach (issue #3), printed with the measured value:
//! - the runner's added overhead (request build, parse, cost, ledger commit to a real WAL file)
//!   over a bare reqwest call to the same loopback server, non-streaming: p50 ≤ 0.3 ms per run
//! - streaming parse (SSE framing, chunk JSON, usage, text accumulation): ≥ 50 MB/s of SSE
//! - the team export's added cost per run (issue #18: the outbox row the trigger writes in the
//!   run's transaction), p50 with the export on minus off: ≤ 20 µs
//!
//! Exits non-zero when a figure is missed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use promptledger_core::ProviderKind;
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::otlp::OtlpSettings;
use promptledger_core::pricing::Pricer;
use promptledger_core::providers::{
    ChatRequest, Endpoint, HttpSettings, Message, ProviderClient, Role,
};
use promptledger_core::runner::{RunSpec, Runner};
use promptledger_core::vault::Secret;
use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

fn p50(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn spec(base: &str, stream: bool) -> RunSpec {
    RunSpec {
        endpoint: Endpoint::new(
            ProviderKind::Openai,
            Some(base),
            Some(Secret::new("sk-bench-0000")),
        )
        .unwrap(),
        chat: ChatRequest {
            model: "gpt-4o".into(),
            system: Some("Be brief.".into()),
            messages: vec![Message {
                role: Role::User,
                content: "Say hello in five words.".into(),
            }],
            temperature: None,
            max_tokens: Some(64),
            stream,
        },
        key_id: None,
        key_label: None,
        tag: None,
        conversation_id: None,
        comparison_id: None,
        template: None,
        policy: Default::default(),
        batch: None,
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mut ok = true;
    let c = Counts {
        prompt: 20,
        output: 6,
        ..Counts::default()
    };
    let body = wire::openai_chat("gpt-4o-2024-08-06", "Hello there, how are you?", c);
    let server = FakeServer::start(vec![Reply::json(body)]);
    let base = format!("{}/v1", server.url());

    let dir = tempfile::tempdir().unwrap();
    let ledger = Arc::new(Mutex::new(
        Ledger::open(&dir.path().join("bench.sqlite3")).unwrap(),
    ));
    let client = ProviderClient::new(HttpSettings::default()).unwrap();
    let runner = Runner::new(client, ledger.clone(), Pricer::bundled());
    let bare = reqwest::Client::new();
    let s = spec(&base, false);
    let url = format!("{base}/chat/completions");
    let payload = serde_json::json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "Say hello in five words."}]});
    let cancel = CancellationToken::new();

    let (runner_times, bare_times) = rt.block_on(async {
        // Warm up: connection set-up, tokenizer and price table load.
        for _ in 0..50 {
            runner.run(&s, &mut |_| {}, &cancel).await.unwrap();
            bare.post(&url)
                .bearer_auth("sk-bench-0000")
                .json(&payload)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
        }
        let (mut r, mut b) = (Vec::new(), Vec::new());
        for _ in 0..1500 {
            let t = Instant::now();
            let resp = bare
                .post(&url)
                .bearer_auth("sk-bench-0000")
                .json(&payload)
                .send()
                .await
                .unwrap();
            let v: serde_json::Value =
                serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
            std::hint::black_box(v);
            b.push(t.elapsed());
            let t = Instant::now();
            let out = runner.run(&s, &mut |_| {}, &cancel).await.unwrap();
            std::hint::black_box(out.record.id);
            r.push(t.elapsed());
        }
        (r, b)
    });
    let (pr, pb) = (p50(runner_times), p50(bare_times));
    let overhead = pr.saturating_sub(pb);
    let pass = overhead <= Duration::from_micros(300);
    ok &= pass;
    println!(
        "runner overhead over bare reqwest (non-streaming, ledger commit to a WAL file): p50 {:.3} ms \
         (runner {:.3} ms, bare {:.3} ms, ratio {:.2}×; 1500 runs each; target ≤ 0.3 ms) {}",
        overhead.as_secs_f64() * 1e3,
        pr.as_secs_f64() * 1e3,
        pb.as_secs_f64() * 1e3,
        pr.as_secs_f64() / pb.as_secs_f64(),
        if pass { "PASS" } else { "FAIL" }
    );

    // The team export's cost on the run path: the outbox trigger's insert, in the transaction
    // that records the run. Runs alternate with the export on and off (no sender runs).
    let (on_times, off_times) = rt.block_on(async {
        let (mut on, mut off) = (Vec::new(), Vec::new());
        let settings = |enabled: bool| OtlpSettings {
            enabled,
            endpoint: "http://127.0.0.1:9".into(),
            ..OtlpSettings::default()
        };
        for i in 0..3000 {
            let enabled = i % 2 == 0;
            ledger
                .lock()
                .unwrap()
                .set_otlp_settings(&settings(enabled))
                .unwrap();
            let t = Instant::now();
            let out = runner.run(&s, &mut |_| {}, &cancel).await.unwrap();
            std::hint::black_box(out.record.id);
            if enabled {
                on.push(t.elapsed())
            } else {
                off.push(t.elapsed())
            }
        }
        (on, off)
    });
    let queued = ledger.lock().unwrap().otlp_backlog().unwrap().waiting;
    assert_eq!(
        queued, 1500,
        "every run recorded with the export on is queued"
    );
    let (pon, poff) = (p50(on_times), p50(off_times));
    let added = pon.saturating_sub(poff);
    let pass = added <= Duration::from_micros(20);
    ok &= pass;
    println!(
        "team export's added cost on the run path (the outbox row, in the run's transaction): \
         p50 {:.1} µs (on {:.3} ms, off {:.3} ms; 1500 runs each, alternating; target ≤ 20 µs) {}",
        added.as_secs_f64() * 1e6,
        pon.as_secs_f64() * 1e3,
        poff.as_secs_f64() * 1e3,
        if pass { "PASS" } else { "FAIL" }
    );

    // Streaming parse: a long answer as one big SSE body.
    let words: Vec<String> = (0..60_000).map(|i| format!("word{i} ")).collect();
    let deltas: Vec<&str> = words.iter().map(String::as_str).collect();
    let sse = wire::openai_sse(
        "gpt-4o",
        &deltas,
        Some(Counts {
            prompt: 20,
            output: 60_000,
            ..Counts::default()
        }),
        None,
    )
    .concat();
    let mb = sse.len() as f64 / 1e6;
    let stream_server = FakeServer::start(vec![Reply::Body {
        status: 200,
        headers: Vec::new(),
        content_type: "text/event-stream".into(),
        body: sse,
    }]);
    let client = ProviderClient::new(HttpSettings::default()).unwrap();
    let ep = spec(&format!("{}/v1", stream_server.url()), true).endpoint;
    let req = spec("http://unused", true).chat;
    let best = rt.block_on(async {
        let mut best = f64::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            let x = client.chat(&ep, &req, &mut |_| {}, &cancel).await;
            assert!(
                matches!(x.end, promptledger_core::providers::End::Complete),
                "{:?}",
                x.end
            );
            assert_eq!(x.usage.unwrap().output_tokens, 60_000);
            best = best.min(t.elapsed().as_secs_f64());
        }
        best
    });
    let rate = mb / best;
    let pass = rate >= 50.0;
    ok &= pass;
    println!(
        "streaming parse: {rate:.0} MB/s ({mb:.1} MB of SSE, 60,000 chunks, best of 5; target ≥ 50 MB/s) {}",
        if pass { "PASS" } else { "FAIL" }
    );
    if !ok {
        std::process::exit(1);
    }
}
