//! A run as the CLI's `--json` and the app show it.

use serde::Serialize;

use crate::ledger::runs::{RunRecord, RunStatus};
use crate::money::NanoUsd;
use crate::pricing::{CostSource, Multiplier};

/// Token counts of a run, disjoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UsageView {
    /// Uncached input.
    pub input_tokens: u64,
    /// Cache reads.
    pub cached_input_tokens: u64,
    /// Cache writes (5-minute TTL).
    pub cache_write_tokens: u64,
    /// Cache writes (1-hour TTL).
    pub cache_write_1h_tokens: u64,
    /// Visible output.
    pub output_tokens: u64,
    /// Reasoning.
    pub reasoning_tokens: u64,
}

/// A typed error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErrorView {
    /// Code (`rate_limited`, `invalid_key`…).
    pub code: String,
    /// Message.
    pub message: String,
}

/// One run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RunView {
    /// Ledger id.
    pub run_id: i64,
    /// Start, RFC 3339 UTC.
    pub started_at: String,
    /// Provider id.
    pub provider: String,
    /// Model as requested.
    pub model: String,
    /// Model the provider reported.
    pub resolved_model: Option<String>,
    /// `ok`, `error`, `interrupted`, `cancelled`.
    pub status: RunStatus,
    /// The user's prompt (the last turn).
    pub prompt: String,
    /// Output text (partial for cut runs).
    pub output: String,
    /// Tokens.
    pub usage: UsageView,
    /// Cost, nano-USD; `null` for an unpriced run (the model has no price: the cost is
    /// unknown, never 0).
    pub cost_nano_usd: Option<NanoUsd>,
    /// Cost, USD; `null` when unpriced.
    pub cost_usd: Option<f64>,
    /// How the cost was obtained.
    pub cost_source: CostSource,
    /// What the provider or gateway said it charged, when it said (then it is the cost).
    pub provider_reported_cost_nano_usd: Option<NanoUsd>,
    /// What the price table's rates come to, when the model is priced (beside a reported cost,
    /// the difference shows how far the table is from the bill).
    pub computed_cost_nano_usd: Option<NanoUsd>,
    /// The rate set it was priced at: `standard`, or a windowed one such as `off-peak`.
    pub rate_set: String,
    /// A service multiplier's surcharge (Anthropic geography / fast mode), in the cost.
    pub multiplier: Option<Multiplier>,
    /// Price entry and table version.
    pub price_key: Option<String>,
    /// Price table version.
    pub price_table_version: Option<String>,
    /// Latency, ms.
    pub latency_ms: Option<i64>,
    /// Time to first token, ms.
    pub ttft_ms: Option<i64>,
    /// HTTP attempts.
    pub attempts: i64,
    /// Provider request id.
    pub request_id: Option<String>,
    /// Label of the saved key used, if any.
    pub key_label: Option<String>,
    /// Conversation it is a turn of.
    pub conversation_id: Option<i64>,
    /// Error, when it did not complete.
    pub error: Option<ErrorView>,
    /// What kind of request it was: `chat`, `embedding`, `image`, `transcription`, `speech`.
    pub operation: crate::Operation,
    /// Inputs (embeddings) or images (generation) it had.
    pub items: Option<i64>,
    /// The bill's line for images, seconds, characters or image/audio tokens, when it has one.
    pub unit: Option<crate::pricing::UnitLine>,
}

impl From<&RunRecord> for RunView {
    fn from(r: &RunRecord) -> RunView {
        let started_at = chrono::DateTime::from_timestamp_millis(r.started_at_ms)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .unwrap_or_default();
        RunView {
            run_id: r.id,
            started_at,
            provider: r.provider.clone(),
            model: r.model_requested.clone(),
            resolved_model: r.model_resolved.clone(),
            status: r.status,
            prompt: r.prompt.clone().unwrap_or_default(),
            output: r.output.clone().unwrap_or_default(),
            usage: UsageView {
                input_tokens: r.usage.input_tokens,
                cached_input_tokens: r.usage.cached_input_tokens,
                cache_write_tokens: r.usage.cache_write_tokens,
                cache_write_1h_tokens: r.usage.cache_write_1h_tokens,
                output_tokens: r.usage.output_tokens,
                reasoning_tokens: r.usage.reasoning_tokens,
            },
            cost_nano_usd: r.cost(),
            cost_usd: r.cost().map(NanoUsd::as_usd_f64),
            cost_source: r.breakdown.cost_source,
            provider_reported_cost_nano_usd: r.provider_cost,
            computed_cost_nano_usd: r.computed_cost,
            rate_set: r.breakdown.rate_set.clone(),
            multiplier: r.breakdown.multiplier.clone(),
            price_key: r.price_key.clone(),
            price_table_version: r.price_table_version.clone(),
            latency_ms: r.latency_ms,
            ttft_ms: r.ttft_ms,
            attempts: r.attempts,
            request_id: r.request_id.clone(),
            key_label: r.key_label.clone(),
            conversation_id: r.conversation_id,
            error: r.error_code.as_ref().map(|code| ErrorView {
                code: code.clone(),
                message: r.error_message.clone().unwrap_or_else(|| code.clone()),
            }),
            operation: r.operation,
            items: r.items,
            unit: r.breakdown.unit,
        }
    }
}
