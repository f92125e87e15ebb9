//! `cargo bench -p promptledger-core --bench otlp`
//!
//! Figure this must reach (issue #18), printed with the measured value:
//! - a backfill of 1,000,000 runs (the analytics bench's sample ledger, seeded once) to a
//!   loopback collector that accepts at once: ≥ 20,000 spans/s from the ledger side (read the
//!   runs, build the GenAI spans, encode protobuf, gzip, send)
//!
//! (The run path's added cost — the outbox trigger — is measured by the runner bench.)
//! Exits non-zero when a figure is missed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod seeded;

use promptledger_core::analytics::Filters;
use promptledger_core::ledger::otlp::{OtlpProtocol, OtlpSettings};
use promptledger_core::otel::{self, Exporter, SpanOptions};
use promptledger_core::vault::MemoryStore;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A collector that reads each request whole and answers 200 at once (keep-alive).
fn blackhole(bytes: Arc<AtomicU64>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let bytes = bytes.clone();
            std::thread::spawn(move || {
                let mut out = conn.try_clone().unwrap();
                let mut r = BufReader::new(conn);
                loop {
                    let mut len = 0usize;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if r.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        let lower = line.to_ascii_lowercase();
                        if let Some(v) = lower.strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0u8; len];
                    if r.read_exact(&mut body).is_err() {
                        return;
                    }
                    bytes.fetch_add(len as u64, Ordering::Relaxed);
                    let reply = "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
                    if out.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

fn main() {
    let (ledger, _) = seeded::ledger_with(1_000_000);
    let ledger = Arc::new(Mutex::new(ledger));
    let bytes = Arc::new(AtomicU64::new(0));
    let url = blackhole(bytes.clone());
    let settings = OtlpSettings {
        enabled: false,
        endpoint: url,
        protocol: OtlpProtocol::HttpProtobuf,
        ..OtlpSettings::default()
    };
    let exporter =
        Exporter::new(&otel::target(&settings, &MemoryStore::default()).unwrap()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let t = Instant::now();
    let out = rt
        .block_on(otel::backfill(
            &ledger,
            &exporter,
            "bench",
            SpanOptions::default(),
            None,
            &Filters::default(),
            &mut |_, _| {},
        ))
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(
        (out.sent, out.accepted, out.error),
        (1_000_000, 1_000_000, None)
    );
    let rate = out.sent as f64 / secs;
    let pass = rate >= 20_000.0;
    println!(
        "backfill of 1,000,000 runs to a loopback collector (protobuf, gzip, 512 spans a request): \
         {rate:.0} spans/s ({secs:.1} s, {:.0} MB sent; target ≥ 20,000 spans/s) {}",
        bytes.load(Ordering::Relaxed) as f64 / 1e6,
        if pass { "PASS" } else { "FAIL" }
    );
    if !pass {
        std::process::exit(1);
    }
}
