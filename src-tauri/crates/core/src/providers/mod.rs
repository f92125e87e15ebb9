//! Talking to LLM providers: one [`wire::WireFormat`] implementation per wire format (OpenAI —
//! also every OpenAI-compatible endpoint —, Anthropic, Gemini, Ollama) chosen by one registry,
//! one shared HTTP client with retries, streaming over SSE (Ollama: NDJSON), and every failure
//! mapped to a typed error (`error.rs`). Never touches the database.

mod anthropic;
mod error;
mod exchange;
#[cfg(test)]
mod fuzz;
mod gemini;
mod http;
mod ollama;
mod openai;
pub mod operations;
mod ratelimit;
mod shared;
mod stream;
mod wire;

use serde::{Deserialize, Serialize};
use std::time::Duration;

use crate::ProviderKind;
use crate::vault::Secret;
pub use error::ProviderErrorKind;
pub(crate) use error::invalid_response;
pub use exchange::{End, Exchange, StreamEvent};
pub(crate) use http::retry_after as retry_after_of;
pub use http::{HttpSettings, ProviderClient};
pub use ratelimit::RateLimits;

/// `rb` with `ep`'s key and headers, as its provider's Batch API takes them (OpenAI and
/// compatible: bearer; Anthropic: `x-api-key` and `anthropic-version`).
pub(crate) fn batch_authed(rb: reqwest::RequestBuilder, ep: &Endpoint) -> reqwest::RequestBuilder {
    match ep.provider {
        ProviderKind::Anthropic => anthropic::authed(rb, ep),
        _ => openai::authed(rb, ep),
    }
}

/// A batch line's request body: what a live, non-streamed call of `req` would send.
pub(crate) fn batch_body(ep: &Endpoint, req: &ChatRequest) -> serde_json::Value {
    let req = ChatRequest {
        stream: false,
        ..req.clone()
    };
    match ep.provider {
        ProviderKind::Anthropic => anthropic::chat_body(&req),
        _ => openai::chat_body(ep, &req),
    }
}

/// A whole answer a batch returned, read as a live non-streamed answer is: text, usage,
/// model, finish reason.
pub(crate) fn read_answer(provider: ProviderKind, body: &serde_json::Value) -> Exchange {
    let mut x = Exchange::new(provider);
    x.attempts = 1;
    if let Err(e) = wire::wire_format(provider).parse_chat(body, &mut x) {
        x.end = End::Failed(e);
    }
    x
}

/// The typed error of an error body a batch returned for one request.
pub(crate) fn batch_error(
    provider: ProviderKind,
    status: u16,
    body: &serde_json::Value,
) -> crate::CoreError {
    error::error_from_status(provider, status, None, &body.to_string())
}

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The user.
    User,
    /// The model.
    Assistant,
}

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Who said it.
    pub role: Role,
    /// What was said.
    pub content: String,
}

/// What to ask a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// Model id as the provider knows it.
    pub model: String,
    /// System prompt.
    pub system: Option<String>,
    /// The conversation so far, ending with the user's turn.
    pub messages: Vec<Message>,
    /// Sampling temperature.
    pub temperature: Option<f64>,
    /// Most output tokens (OpenAI: `max_completion_tokens`; required by Anthropic).
    pub max_tokens: Option<u32>,
    /// Stream the answer.
    pub stream: bool,
}

/// Where and as whom to send it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Wire format.
    pub provider: ProviderKind,
    /// Base URL (`https://api.openai.com/v1`, a proxy, `http://127.0.0.1:11434`).
    pub base_url: String,
    /// The API key (none for Ollama and some local servers).
    pub api_key: Option<Secret>,
    /// OpenAI organization id (`OpenAI-Organization`).
    pub organization: Option<String>,
    /// OpenAI project id (`OpenAI-Project`).
    pub project: Option<String>,
    /// Extra headers for OpenAI-compatible gateways (e.g. OpenRouter's `HTTP-Referer`).
    pub extra_headers: Vec<(String, String)>,
}

impl Endpoint {
    /// The provider's public endpoint (Ollama: `$OLLAMA_HOST` or 127.0.0.1:11434).
    pub fn default_base_url(provider: ProviderKind) -> Option<String> {
        Some(match provider {
            ProviderKind::Ollama => match std::env::var("OLLAMA_HOST") {
                Ok(h) if !h.trim().is_empty() => {
                    let h = h.trim().trim_end_matches('/');
                    if h.starts_with("http://") || h.starts_with("https://") {
                        h.to_string()
                    } else {
                        format!("http://{h}")
                    }
                }
                _ => "http://127.0.0.1:11434".into(),
            },
            other => other.default_base_url()?.to_string(),
        })
    }

    /// An endpoint at `base_url` (or the provider's default).
    pub fn new(
        provider: ProviderKind,
        base_url: Option<&str>,
        api_key: Option<Secret>,
    ) -> crate::Result<Endpoint> {
        let base_url = match base_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => Self::default_base_url(provider).ok_or_else(|| {
                crate::CoreError::invalid(
                    "base URL",
                    "an OpenAI-compatible endpoint needs --base-url",
                )
            })?,
        };
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(crate::CoreError::invalid(
                "base URL",
                format!("`{base_url}` is not an http(s) URL"),
            ));
        }
        Ok(Endpoint {
            provider,
            base_url,
            api_key,
            organization: None,
            project: None,
            extra_headers: Vec::new(),
        })
    }
}

/// A model a provider offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ModelInfo {
    /// Id to send.
    pub id: String,
    /// Human name, when the provider gives one.
    pub display_name: Option<String>,
    /// Context window, when the provider gives it (Gemini).
    pub context_window: Option<u64>,
}

/// Default timeouts: connect, whole request, silence between stream chunks.
pub const DEFAULT_TIMEOUTS: (Duration, Duration, Duration) = (
    Duration::from_secs(10),
    Duration::from_secs(600),
    Duration::from_secs(60),
);
