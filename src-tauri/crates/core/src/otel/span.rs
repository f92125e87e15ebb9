//! A recorded run as one OpenTelemetry GenAI inference span (otel-genai.md §1–2): named
//! `{operation} {model}`, kind CLIENT, the run's real start and end, the documented attributes
//! (provider, operation, request and response model, response id, finish reasons, stream and
//! time to first chunk, parameters, every token component — input counting cached and cache
//! writes, output counting reasoning — and `error.type` on failure), cost as `gen_ai.usage.cost`
//! (USD) and exactly as `promptledger.cost.nano_usd`, and PromptLedger's own ids. Where a name
//! changed recently both are sent. Prompt and output text only when the user opted in.
//!
//! Ids are derived from the run id and a per-ledger salt, so sending a run again (a backfill, a
//! retry after an unclear answer) gives the same span, which backends merge.

use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{
    SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{Array, InstrumentationScope, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};
use sha2::{Digest, Sha256};

use crate::ledger::runs::{RunRecord, RunStatus};
use crate::provider::ProviderKind;

/// The semantic-conventions version the attribute set follows.
pub const SCHEMA_URL: &str = "https://opentelemetry.io/schemas/1.42.0";

/// What a span may carry besides figures and ids.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpanOptions {
    /// Prompt, system prompt and output text (opt-in: personal data).
    pub include_text: bool,
}

/// `gen_ai.provider.name` for a provider (well-known values where they exist).
pub fn provider_name(provider: &str) -> &str {
    match provider {
        "gemini" => "gcp.gemini",
        "xai" => "x_ai",
        "mistral" => "mistral_ai",
        "openai-compatible" | "openai_compatible" => "openai",
        other => other,
    }
}

/// `gen_ai.operation.name`: `embeddings` for embeddings; for chat, Gemini's API is
/// `generate_content` and every other is `chat`. Images, transcription and speech have no
/// well-known value: they are named as PromptLedger names them (`image`, `transcription`,
/// `speech`), which the convention allows.
fn operation(run: &crate::ledger::runs::RunRecord) -> &'static str {
    match run.operation {
        crate::Operation::Chat if run.provider == ProviderKind::Gemini.as_str() => {
            "generate_content"
        }
        crate::Operation::Chat => "chat",
        crate::Operation::Embedding => "embeddings",
        other => other.as_str(),
    }
}

/// The span and trace ids of run `id` in the ledger salted `salt`.
pub fn ids(salt: &str, id: i64) -> (TraceId, SpanId) {
    let d = Sha256::digest(format!("promptledger:{salt}:{id}").as_bytes());
    let mut t = [0u8; 16];
    t.copy_from_slice(&d[..16]);
    let mut s = [0u8; 8];
    s.copy_from_slice(&d[16..24]);
    // All-zero ids are invalid; a digest is never all zeros in practice, but stay valid anyway.
    if t == [0; 16] {
        t[15] = 1;
    }
    if s == [0; 8] {
        s[7] = 1;
    }
    (TraceId::from_bytes(t), SpanId::from_bytes(s))
}

fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn text(key: &'static str, v: impl Into<StringValue>) -> KeyValue {
    KeyValue::new(key, Value::String(v.into()))
}

/// The span of `run`.
pub fn span_of(
    run: &RunRecord,
    salt: &str,
    scope: &InstrumentationScope,
    o: SpanOptions,
) -> SpanData {
    let (trace_id, span_id) = ids(salt, run.id);
    let start = UNIX_EPOCH + Duration::from_millis(u64::try_from(run.started_at_ms).unwrap_or(0));
    let end =
        start + Duration::from_millis(u64::try_from(run.latency_ms.unwrap_or(0)).unwrap_or(0));
    let op = operation(run);
    let params: serde_json::Value = run
        .params_json
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or(serde_json::Value::Null);
    let provider = provider_name(&run.provider).to_string();
    let mut a: Vec<KeyValue> = Vec::with_capacity(40);
    a.push(text("gen_ai.operation.name", op));
    a.push(text("gen_ai.provider.name", provider.clone()));
    // The name `gen_ai.provider.name` replaced; some dashboards (Langfuse's examples) filter on it.
    a.push(text("gen_ai.system", provider));
    a.push(text("gen_ai.request.model", run.model_requested.clone()));
    if let Some(m) = &run.model_resolved {
        a.push(text("gen_ai.response.model", m.clone()));
    }
    if let Some(id) = &run.request_id {
        a.push(text("gen_ai.response.id", id.clone()));
    }
    if let Some(reason) = params.get("finish_reason").and_then(|v| v.as_str()) {
        a.push(KeyValue::new(
            "gen_ai.response.finish_reasons",
            Value::Array(Array::String(vec![StringValue::from(reason.to_string())])),
        ));
    }
    let stream = params.get("stream").and_then(serde_json::Value::as_bool);
    if let Some(s) = stream {
        a.push(KeyValue::new("gen_ai.request.stream", s));
    }
    if let (Some(true), Some(ttft)) = (stream, run.ttft_ms) {
        a.push(KeyValue::new(
            "gen_ai.response.time_to_first_chunk",
            ttft as f64 / 1000.0,
        ));
    }
    if let Some(t) = params
        .get("temperature")
        .and_then(serde_json::Value::as_f64)
    {
        a.push(KeyValue::new("gen_ai.request.temperature", t));
    }
    if let Some(n) = params.get("max_tokens").and_then(serde_json::Value::as_i64) {
        a.push(KeyValue::new("gen_ai.request.max_tokens", n));
    }
    let u = &run.usage;
    let cache_write = u.cache_write_tokens + u.cache_write_1h_tokens;
    // The convention's input counts cached and cache-write tokens (Anthropic's raw figure does
    // not: the normalized usage is summed back).
    a.push(KeyValue::new(
        "gen_ai.usage.input_tokens",
        int(u.prompt_tokens()),
    ));
    a.push(KeyValue::new(
        "gen_ai.usage.output_tokens",
        int(u.output_tokens + u.reasoning_tokens),
    ));
    a.push(KeyValue::new(
        "gen_ai.usage.cache_read.input_tokens",
        int(u.cached_input_tokens),
    ));
    // `cache_write` is the current name; `cache_creation` the previous one: both are sent.
    a.push(KeyValue::new(
        "gen_ai.usage.cache_write.input_tokens",
        int(cache_write),
    ));
    a.push(KeyValue::new(
        "gen_ai.usage.cache_creation.input_tokens",
        int(cache_write),
    ));
    a.push(KeyValue::new(
        "gen_ai.usage.reasoning.output_tokens",
        int(u.reasoning_tokens),
    ));
    if let Some(cost) = run.cost() {
        a.push(KeyValue::new("gen_ai.usage.cost", cost.as_usd_f64()));
        a.push(KeyValue::new("promptledger.cost.nano_usd", cost.0));
    }
    a.push(KeyValue::new("promptledger.run_id", run.id));
    a.push(text(
        "promptledger.cost_source",
        run.breakdown.cost_source.as_str(),
    ));
    a.push(text("promptledger.status", run.status.as_str()));
    if let Some(v) = &run.price_table_version {
        a.push(text("promptledger.price_table_version", v.clone()));
    }
    if run.breakdown.rate_set != crate::pricing::windows::STANDARD {
        a.push(text(
            "promptledger.rate_set",
            run.breakdown.rate_set.clone(),
        ));
    }
    if let Some(k) = &run.key_label {
        a.push(text("promptledger.key_label", k.clone()));
    }
    if let Some(t) = &run.tag {
        a.push(text("promptledger.tag", t.clone()));
    }
    if let Some(p) = &run.project_id {
        a.push(text("promptledger.project", p.clone()));
    }
    if let Some(c) = run.conversation_id {
        a.push(text("gen_ai.conversation.id", c.to_string()));
        a.push(text("session.id", format!("conversation-{c}")));
    }
    if let Some(c) = run.comparison_id {
        a.push(KeyValue::new("promptledger.comparison_id", c));
    }
    if let Some(b) = run.batch {
        a.push(KeyValue::new("promptledger.batch_job_id", b.job_id));
        a.push(KeyValue::new("promptledger.batch_row", b.row));
    }
    if run.cache_hit {
        a.push(KeyValue::new("promptledger.cache_hit", true));
        a.push(KeyValue::new(
            "promptledger.saved.nano_usd",
            run.saved_nano.0,
        ));
    }
    if let Some(url) = params
        .get("base_url")
        .and_then(|v| v.as_str())
        .and_then(|u| reqwest::Url::parse(u).ok())
    {
        if let Some(host) = url.host_str() {
            a.push(text("server.address", host.to_string()));
        }
        if let Some(port) = url.port_or_known_default() {
            a.push(KeyValue::new("server.port", i64::from(port)));
        }
    }
    let failed = matches!(run.status, RunStatus::Error | RunStatus::Interrupted);
    if failed || run.status == RunStatus::Cancelled {
        let kind = run
            .error_code
            .clone()
            .unwrap_or_else(|| run.status.as_str().to_string());
        a.push(text("error.type", kind));
    }
    if o.include_text {
        let msg = |role: &str, content: &str| {
            serde_json::json!([{"role": role, "parts": [{"type": "text", "content": content}]}])
                .to_string()
        };
        if let Some(s) = &run.system_prompt {
            a.push(text(
                "gen_ai.system_instructions",
                serde_json::json!([{"type": "text", "content": s}]).to_string(),
            ));
        }
        if let Some(p) = &run.prompt {
            a.push(text("gen_ai.input.messages", msg("user", p)));
        }
        if let Some(out) = run.output.as_deref().filter(|t| !t.is_empty()) {
            a.push(text("gen_ai.output.messages", msg("assistant", out)));
        }
    }
    let status = if failed {
        Status::Error {
            description: Cow::Owned(
                run.error_message
                    .clone()
                    .unwrap_or_else(|| run.status.as_str().to_string()),
            ),
        }
    } else {
        Status::Unset
    };
    SpanData {
        span_context: SpanContext::new(
            trace_id,
            span_id,
            TraceFlags::SAMPLED,
            false,
            TraceState::NONE,
        ),
        parent_span_id: SpanId::INVALID,
        parent_span_is_remote: false,
        span_kind: SpanKind::Client,
        name: Cow::Owned(format!("{op} {}", run.model_requested)),
        start_time: start,
        end_time: end.max(start),
        attributes: a,
        dropped_attributes_count: 0,
        events: SpanEvents::default(),
        links: SpanLinks::default(),
        status,
        instrumentation_scope: scope.clone(),
    }
}

/// PromptLedger's instrumentation scope.
pub fn scope() -> InstrumentationScope {
    InstrumentationScope::builder("promptledger")
        .with_version(env!("CARGO_PKG_VERSION"))
        .with_schema_url(SCHEMA_URL)
        .build()
}

/// A time as the span carries it (for tests).
pub fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
