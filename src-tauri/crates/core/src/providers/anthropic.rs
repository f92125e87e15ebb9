//! Anthropic Messages API.
//!
//! Usage: `input_tokens` excludes cache reads and writes, which are billed at their own rates.
//! Streaming: `message_start` carries input and cache counts; each `message_delta.usage` is
//! cumulative and overwrites them field by field; `message_stop` ends the answer. An
//! `event: error` inside the 200 stream fails the run with its typed code.

use reqwest::RequestBuilder;
use serde_json::{Value, json};

use crate::ProviderKind;
use crate::error::{CoreError, Result};
use crate::pricing::ServiceTags;
use crate::providers::error::invalid_response;
use crate::providers::error::{ProviderErrorKind, mentions_context_length};
use crate::providers::shared::{self, Auth};
use crate::providers::stream::Decoder;
use crate::providers::{ChatRequest, Endpoint, Exchange, ModelInfo, StreamEvent};

const VERSION: &str = "2023-06-01";
/// Anthropic requires `max_tokens`; this is used when the user sets none.
pub const DEFAULT_MAX_TOKENS: u32 = 4096;

pub(crate) fn authed(rb: RequestBuilder, ep: &Endpoint) -> RequestBuilder {
    shared::authed(
        rb.header("anthropic-version", VERSION),
        ep,
        Auth::Header("x-api-key"),
    )
}

fn chat_request(c: &reqwest::Client, ep: &Endpoint, req: &ChatRequest) -> RequestBuilder {
    authed(c.post(format!("{}/v1/messages", ep.base_url)), ep).json(&chat_body(req))
}

/// The Messages body for `req` (also a Message Batches request's `params`).
pub(crate) fn chat_body(req: &ChatRequest) -> Value {
    let messages = shared::role_messages(req, false);
    let mut body = json!({
        "model": req.model,
        "max_tokens": req.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
        "messages": messages,
        "stream": req.stream,
    });
    if let Some(s) = req.system.as_deref().filter(|s| !s.is_empty()) {
        body["system"] = json!(s);
    }
    if let Some(t) = req.temperature {
        body["temperature"] = json!(t);
    }
    body
}

fn models_request(c: &reqwest::Client, ep: &Endpoint) -> RequestBuilder {
    authed(c.get(format!("{}/v1/models?limit=1000", ep.base_url)), ep)
}

fn parse_models(v: &Value) -> Result<Vec<ModelInfo>> {
    shared::model_list(
        v,
        ProviderKind::Anthropic,
        "data",
        "id",
        "display_name",
        "context_window",
    )
}

fn parse_chat(v: &Value, x: &mut Exchange) -> Result<()> {
    if v.get("type").and_then(Value::as_str) == Some("error") {
        return Err(error_event(v));
    }
    let content = v.get("content").and_then(Value::as_array).ok_or_else(|| {
        invalid_response(ProviderKind::Anthropic, "response has no content".into())
    })?;
    x.text = content
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect();
    x.finish_reason = v
        .get("stop_reason")
        .and_then(Value::as_str)
        .map(str::to_string);
    x.resolved_model = v.get("model").and_then(Value::as_str).map(str::to_string);
    if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
        x.usage = Some(shared::answer_usage(x, u)?);
        x.service = ServiceTags::from_usage_json(u);
        x.usage_final = true;
    }
    Ok(())
}

/// Reads Messages stream events.
#[derive(Default)]
pub(crate) struct StreamDecoder {
    /// Usage object so far: message_start's, overwritten by each message_delta.
    usage: serde_json::Map<String, Value>,
}

impl Decoder for StreamDecoder {
    fn event(
        &mut self,
        name: &str,
        data: &str,
        x: &mut Exchange,
        out: &mut dyn FnMut(StreamEvent),
    ) -> Result<bool> {
        let v = shared::parse_json(ProviderKind::Anthropic, "stream event", data)?;
        let kind = v.get("type").and_then(Value::as_str).unwrap_or(name);
        match kind {
            "message_start" => {
                let msg = v.get("message").unwrap_or(&Value::Null);
                x.resolved_model = msg.get("model").and_then(Value::as_str).map(str::to_string);
                if let Some(u) = msg.get("usage").and_then(Value::as_object) {
                    self.usage = u.clone();
                    self.publish(x, out)?;
                }
            }
            "content_block_delta" => {
                if v.pointer("/delta/type").and_then(Value::as_str) == Some("text_delta")
                    && let Some(t) = v.pointer("/delta/text").and_then(Value::as_str)
                {
                    x.text.push_str(t);
                    out(StreamEvent::TextDelta(t.to_string()));
                }
            }
            "message_delta" => {
                if let Some(r) = v.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    x.finish_reason = Some(r.to_string());
                }
                if let Some(u) = v.get("usage").and_then(Value::as_object) {
                    for (k, val) in u {
                        if !val.is_null() {
                            self.usage.insert(k.clone(), val.clone());
                        }
                    }
                    self.publish(x, out)?;
                }
            }
            "message_stop" => {
                x.usage_final = x.usage.is_some();
                return Ok(true);
            }
            "error" => return Err(error_event(&v)),
            _ => {} // ping, content_block_start/stop, and anything new
        }
        Ok(false)
    }

    fn complete_at_eof(&self, _x: &Exchange) -> bool {
        false
    }
}

impl StreamDecoder {
    fn publish(&self, x: &mut Exchange, out: &mut dyn FnMut(StreamEvent)) -> Result<()> {
        let usage = Value::Object(self.usage.clone());
        let u = shared::answer_usage(x, &usage)?;
        x.usage = Some(u);
        x.service = ServiceTags::from_usage_json(&usage);
        out(StreamEvent::Usage(u));
        Ok(())
    }
}

fn error_event(v: &Value) -> CoreError {
    let (kind, message) = classify(200, v);
    CoreError::Provider {
        provider: ProviderKind::Anthropic.display_name(),
        kind,
        message: message.unwrap_or_else(|| "the provider reported an error".into()),
        status: None,
        retry_after: None,
    }
}

/// Kind and message from an Anthropic error body `{"type":"error","error":{"type","message"}}`.
fn classify(status: u16, v: &Value) -> (ProviderErrorKind, Option<String>) {
    let err = v.get("error");
    let etype = err
        .and_then(|e| e.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let message = err
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let msg = message.as_deref().unwrap_or("").to_ascii_lowercase();
    let spend_limit = err
        .and_then(|e| e.pointer("/details/error_code"))
        .and_then(Value::as_str)
        == Some("enforced_spend_limit_reached");
    let kind = match etype {
        _ if spend_limit => ProviderErrorKind::QuotaExceeded,
        "authentication_error" => ProviderErrorKind::InvalidKey,
        "permission_error" => ProviderErrorKind::PermissionDenied,
        "billing_error" => ProviderErrorKind::QuotaExceeded,
        "not_found_error" => ProviderErrorKind::NotFound,
        "request_too_large" => ProviderErrorKind::ContextTooLong,
        "rate_limit_error" => ProviderErrorKind::RateLimited,
        "overloaded_error" | "api_error" | "timeout_error" | "gateway_timeout_error" => {
            ProviderErrorKind::ProviderUnavailable
        }
        "invalid_request_error"
            if msg.contains("credit balance") || msg.contains("spend limit") =>
        {
            ProviderErrorKind::QuotaExceeded
        }
        _ if mentions_context_length("", &msg) => ProviderErrorKind::ContextTooLong,
        "invalid_request_error" => ProviderErrorKind::InvalidRequest,
        _ if status == 200 => ProviderErrorKind::ProviderUnavailable,
        _ => ProviderErrorKind::from_status(status),
    };
    (kind, message)
}

/// The Anthropic Messages wire format.
pub(crate) struct AnthropicFormat;

crate::providers::wire::wire_format_from_fns!(AnthropicFormat, StreamDecoder::default());
