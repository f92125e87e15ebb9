//! `cargo bench -p promptledger-core --bench batch`
//!
//! Figures this must reach (issue #17), printed with the measured value:
//! - a 10,000-row live job against a loopback server that answers at once, recorded to a real
//!   WAL ledger file: ≥ 500 rows/s (the ledger must not be the bottleneck)
//! - the estimate of a 100,000-row job (read the CSV, render every row, count its tokens exactly, price it
//!   live and as a batch, check budgets): ≤ 2 s
//!
//! Exits non-zero when a figure is missed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use promptledger_core::ProviderKind;
use promptledger_core::batch::service::JobPrompt;
use promptledger_core::batch::{
    BatchService, DataFormat, Dataset, JobControl, JobRequest, JobStatus,
};
use promptledger_core::keys::KeyManager;
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::keys::NewKeyRecord;
use promptledger_core::pricing::Pricer;
use promptledger_core::providers::{HttpSettings, ProviderClient};
use promptledger_core::runner::{KeySource, RunService, Runner, TargetRequest};
use promptledger_core::vault::{MemoryStore, Secret, SecretStore};
use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply};
use std::sync::{Arc, Mutex};
use std::time::Instant;

fn service(ledger: Ledger, base: &str) -> BatchService {
    let ledger = Arc::new(Mutex::new(ledger));
    let store = Arc::new(MemoryStore::default());
    store.put("k", &Secret::new("sk-bench-batch-0000")).unwrap();
    ledger
        .lock()
        .unwrap()
        .insert_key(
            &NewKeyRecord {
                id: "k".into(),
                provider: "openai".into(),
                label: "bench".into(),
                last_four: "0000".into(),
                base_url: Some(base.into()),
                organization: None,
                project: None,
                display_name: None,
            },
            0,
        )
        .unwrap();
    let client = ProviderClient::new(HttpSettings::default()).unwrap();
    let keys = KeyManager::new(store, client.clone(), ledger.clone());
    let runner = Runner::new(client, ledger, Pricer::bundled());
    BatchService::new(RunService::new(runner, keys, KeySource::Keychain))
}

fn csv(rows: usize) -> String {
    let mut text = String::from("id,ticket\n");
    for i in 1..=rows {
        text.push_str(&format!(
            "{i},\"Customer {i} writes: my invoice for order {i} was charged twice, please refund \
             the second payment and confirm by email.\"\n"
        ));
    }
    text
}

fn dataset(rows: usize) -> Dataset {
    Dataset::parse("tickets.csv", csv(rows).as_bytes(), DataFormat::Csv).unwrap()
}

fn request_for(data: Dataset, concurrency: u32) -> JobRequest {
    JobRequest {
        concurrency,
        ..JobRequest::new(
            JobPrompt::Text(
                "Classify this support ticket as billing, bug or other: {{ticket}}".into(),
            ),
            data,
            vec![TargetRequest {
                max_tokens: Some(5),
                ..TargetRequest::new(ProviderKind::Openai, "gpt-4o-mini")
            }],
        )
    }
}

fn main() {
    let mut ok = true;
    let body = wire::openai_chat(
        "gpt-4o-mini",
        "billing",
        Counts {
            prompt: 40,
            output: 1,
            ..Counts::default()
        },
    );
    let server = FakeServer::start(vec![Reply::json(body)]);
    let base = format!("{}/v1", server.url());
    let dir = tempfile::tempdir().unwrap();

    // Estimate of 100,000 rows.
    let svc = service(
        Ledger::open(&dir.path().join("estimate.sqlite3")).unwrap(),
        &base,
    );
    let file = dir.path().join("tickets.csv");
    std::fs::write(&file, csv(100_000)).unwrap();
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let req = request_for(Dataset::load(&file).unwrap(), 4);
        let e = svc.estimate(&req).unwrap();
        best = best.min(t.elapsed().as_secs_f64());
        std::hint::black_box(e);
    }
    let pass = best <= 2.0;
    ok &= pass;
    println!(
        "estimate of a 100,000-row job (read the CSV, render, exact tokens, live and batch \
         prices, budgets): \
         {best:.2} s (best of 3; target ≤ 2 s) {}",
        if pass { "PASS" } else { "FAIL" }
    );

    // A 10,000-row live job.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let svc = service(
        Ledger::open(&dir.path().join("live.sqlite3")).unwrap(),
        &base,
    );
    let job = svc.create(&request_for(dataset(10_000), 16)).unwrap();
    let t = Instant::now();
    let s = rt
        .block_on(svc.run(job.id, &JobControl::default(), &|_| {}))
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert_eq!((s.status, s.done), (JobStatus::Done, 10_000));
    let rate = 10_000.0 / secs;
    let pass = rate >= 500.0;
    ok &= pass;
    println!(
        "live job, 10,000 rows, concurrency 16, loopback server answering at once, WAL ledger \
         file: {rate:.0} rows/s recorded ({secs:.2} s; target ≥ 500 rows/s) {}",
        if pass { "PASS" } else { "FAIL" }
    );
    if !ok {
        std::process::exit(1);
    }
}
