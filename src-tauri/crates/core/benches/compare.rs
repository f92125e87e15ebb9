//! `cargo bench -p promptledger-core --bench compare`
//!
//! Figure this must reach (issue #6), printed with the measured value: with 6 columns against
//! loopback servers that each take 200 ms, the whole comparison's wall time ≤ 1.05 × the slowest
//! single column run alone. Exits non-zero when missed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use promptledger_core::ProviderKind;
use promptledger_core::ledger::Ledger;
use promptledger_core::pricing::Pricer;
use promptledger_core::providers::{
    ChatRequest, Endpoint, HttpSettings, Message, ProviderClient, Role,
};
use promptledger_core::runner::compare::Column;
use promptledger_core::runner::{RunSpec, Runner};
use promptledger_core::vault::Secret;
use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let c = Counts {
        prompt: 200,
        output: 150,
        ..Counts::default()
    };
    let models = [
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-4.1",
        "gpt-4.1-mini",
        "gpt-4.1-nano",
        "o4-mini",
    ];
    let servers: Vec<FakeServer> = models
        .iter()
        .map(|m| {
            FakeServer::start(vec![
                Reply::json(wire::openai_chat(m, "An answer.", c))
                    .after(Duration::from_millis(200)),
            ])
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let ledger = Arc::new(Mutex::new(
        Ledger::open(&dir.path().join("bench.sqlite3")).unwrap(),
    ));
    let runner = Runner::new(
        ProviderClient::new(HttpSettings::default()).unwrap(),
        ledger.clone(),
        Pricer::bundled(),
    );
    let columns: Vec<Column> = models
        .iter()
        .zip(&servers)
        .map(|(m, s)| Column {
            label: format!("openai/{m}"),
            spec: RunSpec::new(
                Endpoint::new(
                    ProviderKind::Openai,
                    Some(&format!("{}/v1", s.url())),
                    Some(Secret::new("sk-bench")),
                )
                .unwrap(),
                ChatRequest {
                    model: (*m).into(),
                    system: None,
                    messages: vec![Message {
                        role: Role::User,
                        content: "Say something.".into(),
                    }],
                    temperature: None,
                    max_tokens: Some(200),
                    stream: false,
                },
            ),
        })
        .collect();
    let cancel = CancellationToken::new();
    let labels: Vec<String> = columns.iter().map(|c| c.label.clone()).collect();
    let (slowest, whole) = rt.block_on(async {
        // Warm up connections, tokenizer and price table.
        for col in &columns {
            runner.run(&col.spec, &mut |_| {}, &cancel).await.unwrap();
        }
        let mut ratios = Vec::new();
        for _ in 0..5 {
            let mut slowest = Duration::ZERO;
            for col in &columns {
                let t = Instant::now();
                runner.run(&col.spec, &mut |_| {}, &cancel).await.unwrap();
                slowest = slowest.max(t.elapsed());
            }
            let id = ledger
                .lock()
                .unwrap()
                .create_comparison("Say something.", None, &labels)
                .unwrap();
            let t = Instant::now();
            let out = runner.compare(id, &columns, &|_, _| {}, &cancel).await;
            let whole = t.elapsed();
            assert!(out.iter().all(|o| o.result.is_ok()));
            ratios.push((slowest, whole));
        }
        ratios.sort_by(|a, b| {
            (a.1.as_secs_f64() / a.0.as_secs_f64())
                .total_cmp(&(b.1.as_secs_f64() / b.0.as_secs_f64()))
        });
        ratios[ratios.len() / 2]
    });
    let ratio = whole.as_secs_f64() / slowest.as_secs_f64();
    let pass = ratio <= 1.05;
    println!(
        "compare 6 columns (each server takes 200 ms): whole {:.1} ms vs slowest single column {:.1} ms = {ratio:.3}× (median of 5; target ≤ 1.05×) {}",
        whole.as_secs_f64() * 1e3,
        slowest.as_secs_f64() * 1e3,
        if pass { "PASS" } else { "FAIL" }
    );
    if !pass {
        std::process::exit(1);
    }
}
