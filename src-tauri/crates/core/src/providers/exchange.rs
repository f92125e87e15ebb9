//! What one call to a provider produced: the text, the usage it reported, how it ended. A call
//! never "throws": even a failed or cut call is an `Exchange`, so the run can be recorded.

use std::time::Duration;

use crate::ProviderKind;
use crate::error::CoreError;
use crate::money::NanoUsd;
use crate::pricing::{ServiceTags, TokenUsage};

/// Live events while a run streams.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// More output text.
    TextDelta(String),
    /// Usage as reported so far (final when the call completes).
    Usage(TokenUsage),
}

/// How a call ended.
#[derive(Debug)]
pub enum End {
    /// The provider finished the answer.
    Complete,
    /// The provider refused or failed before any answer (after any retries).
    Failed(CoreError),
    /// The answer started but was cut (connection reset, idle timeout, error event mid-stream).
    Interrupted(CoreError),
    /// The user stopped it.
    Cancelled,
}

/// Everything one call produced.
#[derive(Debug)]
pub struct Exchange {
    /// Who answered: its usage dialect decides how the usage is read.
    pub provider: ProviderKind,
    /// HTTP attempts made (1 + retries).
    pub attempts: u32,
    /// Output text (partial when cut).
    pub text: String,
    /// Usage in normalized terms, as far as the provider reported it.
    pub usage: Option<TokenUsage>,
    /// Whether `usage` is the provider's final count (false: absent or partial).
    pub usage_final: bool,
    /// The model the provider says answered.
    pub resolved_model: Option<String>,
    /// The provider's request id.
    pub request_id: Option<String>,
    /// Why generation stopped (`stop`, `end_turn`, `STOP`, `length`…).
    pub finish_reason: Option<String>,
    /// Cost the provider reported itself (OpenRouter `usage.cost`).
    pub provider_cost: Option<NanoUsd>,
    /// How the provider says it served the call (Anthropic geography / fast mode).
    pub service: ServiceTags,
    /// Time to the first output text.
    pub ttft: Option<Duration>,
    /// The provider sent a usage that cannot be billed (impossible counts): what it cost is
    /// unknown, and the run says so instead of guessing.
    pub usage_rejected: bool,
    /// The rate limits the provider reported on its answer.
    pub rate_limits: Option<crate::providers::RateLimits>,
    /// How it ended.
    pub end: End,
}

impl Exchange {
    pub(crate) fn new(provider: ProviderKind) -> Exchange {
        Exchange {
            provider,
            attempts: 0,
            text: String::new(),
            usage: None,
            usage_final: false,
            resolved_model: None,
            request_id: None,
            finish_reason: None,
            provider_cost: None,
            service: ServiceTags::default(),
            ttft: None,
            usage_rejected: false,
            rate_limits: None,
            end: End::Complete,
        }
    }

    /// The error, if it did not complete.
    pub fn error(&self) -> Option<&CoreError> {
        match &self.end {
            End::Failed(e) | End::Interrupted(e) => Some(e),
            End::Complete | End::Cancelled => None,
        }
    }
}
