//! What a provider failure means for the user, whether trying again can help, and the builders
//! of the typed errors: from an HTTP status and body, from a transport failure, from an answer
//! that is not the documented format.

use serde::{Deserialize, Serialize};
use std::time::Duration;

use crate::ProviderKind;
use crate::error::CoreError;
use crate::providers::wire::wire_format;
use crate::redact;

/// The kind of a provider failure, mapped from each provider's status and error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderErrorKind {
    /// The key was rejected (401, Gemini's API_KEY_INVALID).
    InvalidKey,
    /// The key has no access to this (403).
    PermissionDenied,
    /// Out of credit or over a spend limit (OpenAI `insufficient_quota`, Anthropic
    /// `enforced_spend_limit_reached`, 402): retrying will not help.
    QuotaExceeded,
    /// Too many requests for now (429).
    RateLimited,
    /// The provider is down or overloaded (5xx, 529).
    ProviderUnavailable,
    /// The prompt is longer than the model's context window.
    ContextTooLong,
    /// The model (or endpoint) does not exist for this key (404).
    NotFound,
    /// The request itself was refused as malformed (other 4xx).
    InvalidRequest,
    /// No answer in time (connect, overall, or between stream chunks).
    Timeout,
    /// The connection failed or was cut.
    Network,
    /// The provider answered something that is not its documented format.
    InvalidResponse,
}

impl ProviderErrorKind {
    /// Stable snake_case code.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderErrorKind::InvalidKey => "invalid_key",
            ProviderErrorKind::PermissionDenied => "permission_denied",
            ProviderErrorKind::QuotaExceeded => "quota_exceeded",
            ProviderErrorKind::RateLimited => "rate_limited",
            ProviderErrorKind::ProviderUnavailable => "provider_unavailable",
            ProviderErrorKind::ContextTooLong => "context_too_long",
            ProviderErrorKind::NotFound => "not_found",
            ProviderErrorKind::InvalidRequest => "invalid_request",
            ProviderErrorKind::Timeout => "timeout",
            ProviderErrorKind::Network => "network",
            ProviderErrorKind::InvalidResponse => "invalid_response",
        }
    }

    /// Whether another attempt may succeed (never for keys, quota, or bad requests).
    pub fn retryable(self) -> bool {
        matches!(
            self,
            ProviderErrorKind::RateLimited
                | ProviderErrorKind::ProviderUnavailable
                | ProviderErrorKind::Timeout
                | ProviderErrorKind::Network
        )
    }

    /// The kind an HTTP status means when the body says nothing more specific.
    pub fn from_status(status: u16) -> ProviderErrorKind {
        match status {
            401 => ProviderErrorKind::InvalidKey,
            402 => ProviderErrorKind::QuotaExceeded,
            403 => ProviderErrorKind::PermissionDenied,
            404 => ProviderErrorKind::NotFound,
            408 => ProviderErrorKind::Timeout,
            409 | 500..=599 => ProviderErrorKind::ProviderUnavailable,
            413 => ProviderErrorKind::ContextTooLong,
            429 => ProviderErrorKind::RateLimited,
            _ => ProviderErrorKind::InvalidRequest,
        }
    }
}

/// Heuristic for "the prompt is too long" across providers' wording.
pub(crate) fn mentions_context_length(code: &str, message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    code == "context_length_exceeded"
        || code == "request_too_large"
        || m.contains("context length")
        || m.contains("context window")
        || m.contains("prompt is too long")
        || m.contains("maximum context")
        || (m.contains("input token count") && m.contains("exceeds"))
}
/// A typed error from an HTTP error status and the provider's error body.
pub(crate) fn error_from_status(
    provider: ProviderKind,
    status: u16,
    retry_after: Option<Duration>,
    body: &str,
) -> CoreError {
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
    let (kind, message) = wire_format(provider).classify(status, &json);
    let message = message
        .or_else(|| redact::html_summary(status, body))
        .unwrap_or_else(|| {
            let snippet: String = body.chars().take(200).collect();
            if snippet.trim().is_empty() {
                format!("HTTP {status}")
            } else {
                format!("HTTP {status}: {snippet}")
            }
        });
    let message = redact::redact(&message, &[]);
    CoreError::Provider {
        provider: provider.display_name(),
        kind,
        message,
        status: Some(status),
        retry_after,
    }
}

/// A typed error for a failure below HTTP (connect, timeout, reset).
pub(crate) fn transport_error(provider: ProviderKind, e: &reqwest::Error) -> CoreError {
    let kind = if e.is_timeout() {
        ProviderErrorKind::Timeout
    } else {
        ProviderErrorKind::Network
    };
    let what = if e.is_connect() {
        "could not connect"
    } else if e.is_timeout() {
        "timed out"
    } else {
        "connection failed"
    };
    let mut message = what.to_string();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    if let Some(s) = source.take() {
        message = redact::redact(&format!("{what}: {s}"), &[]);
    }
    CoreError::Provider {
        provider: provider.display_name(),
        kind,
        message,
        status: None,
        retry_after: None,
    }
}

/// `invalid_response` for `provider`.
pub(crate) fn invalid_response(provider: ProviderKind, message: String) -> CoreError {
    CoreError::Provider {
        provider: provider.display_name(),
        kind: ProviderErrorKind::InvalidResponse,
        message,
        status: None,
        retry_after: None,
    }
}

/// `e` with the call's secrets (the key in use, gateway header values) and key shapes masked
/// in its message: every provider error leaves the HTTP layer through here.
pub(crate) fn scrubbed(e: CoreError, ep: &crate::providers::Endpoint) -> CoreError {
    match e {
        CoreError::Provider {
            provider,
            kind,
            message,
            status,
            retry_after,
        } => {
            let mut secrets: Vec<&str> = ep.extra_headers.iter().map(|(_, v)| v.as_str()).collect();
            if let Some(k) = &ep.api_key {
                secrets.push(k.expose());
            }
            CoreError::Provider {
                provider,
                kind,
                message: redact::redact(&message, &secrets),
                status,
                retry_after,
            }
        }
        other => other,
    }
}
