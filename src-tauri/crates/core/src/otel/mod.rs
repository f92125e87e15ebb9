//! Team export: every recorded run as one OpenTelemetry GenAI span, sent over OTLP/HTTP to the
//! team's collector (an OpenTelemetry Collector, Langfuse, Tempo, SigNoz, Jaeger) without giving
//! up the local ledger.
//!
//! - [`span`] maps a run to its span (otel-genai.md);
//! - [`transport`] sends spans with `opentelemetry-otlp` (protobuf or JSON, gzip) and reads the
//!   collector's answer;
//! - [`sender`] drains the ledger's outbox (filled by trigger when a run is recorded) and
//!   backfills a period.
//!
//! Settings live in the ledger (both faces share them); secret header values in the OS keychain
//! under `otlp-header:NAME`.

pub mod sender;
pub mod span;
pub mod transport;

use std::time::Duration;

use crate::error::{CoreError, Result};
use crate::ledger::Ledger;
use crate::ledger::otlp::{OtlpProtocol, OtlpSettings};
use crate::vault::SecretStore;

pub use sender::{Drained, backfill, drain};
pub use span::SpanOptions;
pub use transport::{Exporter, Sent, Target, traces_url};

/// How long one export request may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a CLI process spends sending the outbox before it exits.
pub const CLI_FLUSH: Duration = Duration::from_secs(2);

/// The keychain entry of secret header `name`.
pub fn secret_entry(name: &str) -> String {
    format!("otlp-header:{}", name.trim().to_ascii_lowercase())
}

/// This ledger's span-id salt (made once, kept in the ledger).
pub fn salt(ledger: &mut Ledger) -> Result<String> {
    if let Some(s) = ledger.meta("ledger.id")? {
        return Ok(s);
    }
    let id = crate::ids::random_hex(16);
    ledger.set_meta("ledger.id", &id)?;
    Ok(id)
}

/// The standard `OTEL_EXPORTER_OTLP_*` variables over `s` (the CLI honours them): the traces
/// endpoint (verbatim) or the base endpoint, the protocol and the headers (`k=v,k2=v2`).
pub fn with_env(mut s: OtlpSettings) -> Result<OtlpSettings> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    if let Some(e) =
        var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").or(var("OTEL_EXPORTER_OTLP_ENDPOINT"))
    {
        s.endpoint = e;
    }
    if let Some(p) =
        var("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL").or(var("OTEL_EXPORTER_OTLP_PROTOCOL"))
    {
        s.protocol = OtlpProtocol::parse(&p)?;
    }
    Ok(s)
}

/// `Basic base64(public:secret)`, as Langfuse (and Grafana Cloud) take their key pair.
pub fn basic_auth(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            user.trim(),
            password.trim()
        ))
    )
}

/// Langfuse's OTLP endpoint on `host` (`https://cloud.langfuse.com`, a self-hosted URL).
pub fn langfuse_endpoint(host: &str) -> String {
    format!("{}/api/public/otel", host.trim().trim_end_matches('/'))
}

/// Sends one span that stands for no run (`promptledger.test` is set), to check the settings.
pub async fn send_test_span(exporter: &Exporter) -> Sent {
    let now = crate::ledger::now_ms();
    let run = test_run(now);
    let mut span = span::span_of(&run, "test", &span::scope(), SpanOptions::default());
    span.attributes
        .retain(|kv| kv.key.as_str() != "promptledger.run_id");
    span.attributes
        .push(opentelemetry::KeyValue::new("promptledger.test", true));
    exporter.send(vec![span]).await
}

/// A run that never happened, for a test span: `promptledger/connection-test`, now, no cost.
fn test_run(now_ms: i64) -> crate::ledger::runs::RunRecord {
    let zero = crate::pricing::PricedUsage::zero();
    crate::ledger::runs::RunRecord {
        id: 0,
        started_at_ms: now_ms,
        provider: "promptledger".into(),
        model_requested: "connection-test".into(),
        model_resolved: None,
        price_key: None,
        price_table_version: None,
        status: crate::ledger::runs::RunStatus::Ok,
        error_code: None,
        error_message: None,
        usage: crate::pricing::TokenUsage::default(),
        breakdown: zero.breakdown,
        latency_ms: Some(1),
        ttft_ms: None,
        attempts: 1,
        tag: None,
        key_id: None,
        key_label: None,
        system_prompt: None,
        params_json: None,
        conversation_id: None,
        template: None,
        provider_cost: None,
        computed_cost: None,
        request_id: None,
        prompt: None,
        output: None,
        cache_hit: false,
        saved_nano: crate::money::NanoUsd::ZERO,
        tried: Vec::new(),
        batch: None,
        comparison_id: None,
        project_id: None,
        operation: crate::Operation::Chat,
        items: None,
    }
}

/// Where and how to send, with every secret header read from `secrets`.
pub fn target(s: &OtlpSettings, secrets: &dyn SecretStore) -> Result<Target> {
    if s.endpoint.trim().is_empty() {
        return Err(CoreError::invalid(
            "endpoint",
            "no collector is configured: `promptledger otlp configure --endpoint URL` or \
             Settings → Team export",
        ));
    }
    let mut headers = s.headers.clone();
    for name in &s.secret_headers {
        let value = secrets.get(&secret_entry(name))?;
        headers.push((name.clone(), value.expose().to_string()));
    }
    Ok(Target {
        url: traces_url(&s.endpoint)?,
        protocol: s.protocol,
        headers,
        timeout: TIMEOUT,
    })
}
