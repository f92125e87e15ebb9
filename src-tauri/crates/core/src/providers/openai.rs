//! OpenAI Chat Completions — and every OpenAI-compatible endpoint (OpenRouter, Groq, DeepSeek,
//! Mistral, LM Studio, vLLM, Ollama's /v1…) at another base URL.
//!
//! Usage: `prompt_tokens` includes cached tokens and `completion_tokens` includes reasoning
//! (normalized by `TokenUsage::from_provider_json`). Streaming asks for
//! `stream_options.include_usage`; the usage chunk is found by a non-null `usage`, not by an
//! empty `choices`, since compatible servers differ.

use reqwest::RequestBuilder;
use serde_json::{Value, json};

use crate::ProviderKind;
use crate::error::{CoreError, Result};
use crate::pricing::TokenUsage;
use crate::providers::error::invalid_response;
use crate::providers::error::{ProviderErrorKind, mentions_context_length};
use crate::providers::shared::{self, Auth};
use crate::providers::stream::Decoder;
use crate::providers::{ChatRequest, Endpoint, Exchange, ModelInfo, StreamEvent};

pub(crate) fn authed(rb: RequestBuilder, ep: &Endpoint) -> RequestBuilder {
    let mut rb = shared::authed(rb, ep, Auth::Bearer);
    if let Some(o) = &ep.organization {
        rb = rb.header("OpenAI-Organization", o);
    }
    if let Some(p) = &ep.project {
        rb = rb.header("OpenAI-Project", p);
    }
    rb
}

fn chat_request(c: &reqwest::Client, ep: &Endpoint, req: &ChatRequest) -> RequestBuilder {
    authed(c.post(format!("{}/chat/completions", ep.base_url)), ep).json(&chat_body(ep, req))
}

/// The Chat Completions body for `req` (also a Batch API line's `body`).
pub(crate) fn chat_body(ep: &Endpoint, req: &ChatRequest) -> Value {
    let messages = shared::role_messages(req, true);
    let mut body = json!({"model": req.model, "messages": messages, "stream": req.stream});
    if let Some(t) = req.temperature {
        body["temperature"] = json!(t);
    }
    if let Some(n) = req.max_tokens {
        // OpenAI deprecated max_tokens (o-series reject it); compatible servers mostly know only it.
        let field = if ep.provider == ProviderKind::Openai {
            "max_completion_tokens"
        } else {
            "max_tokens"
        };
        body[field] = json!(n);
    }
    if req.stream {
        body["stream_options"] = json!({"include_usage": true});
    }
    body
}

fn models_request(c: &reqwest::Client, ep: &Endpoint) -> RequestBuilder {
    authed(c.get(format!("{}/models", ep.base_url)), ep)
}

fn parse_models(v: &Value) -> Result<Vec<ModelInfo>> {
    shared::model_list(
        v,
        ProviderKind::Openai,
        "data",
        "id",
        "name",
        "context_length",
    )
}

fn take_usage(u: &Value, x: &mut Exchange) -> Result<()> {
    // Read in the answering provider's dialect (xAI counts reasoning apart).
    x.usage = Some(shared::answer_usage(x, u)?);
    // OpenRouter (`cost`) and xAI (`cost_in_usd_ticks`) report what they charged.
    if let Some(cost) = TokenUsage::reported_cost(u) {
        x.provider_cost = Some(cost);
    }
    Ok(())
}

fn parse_chat(v: &Value, x: &mut Exchange) -> Result<()> {
    if let Some(err) = v.get("error").filter(|e| e.is_object()) {
        return Err(error_object(200, err));
    }
    let choice = v
        .get("choices")
        .and_then(|c| c.get(0))
        .ok_or_else(|| invalid_response(ProviderKind::Openai, "response has no choices".into()))?;
    x.text = choice
        .pointer("/message/content")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    x.finish_reason = choice
        .get("finish_reason")
        .and_then(Value::as_str)
        .map(str::to_string);
    x.resolved_model = v.get("model").and_then(Value::as_str).map(str::to_string);
    take_response_id(v, x);
    if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
        take_usage(u, x)?;
        x.usage_final = true;
    }
    Ok(())
}

/// The answer's `id` is the request's id where no header gave one; on OpenRouter it always
/// wins: it is the generation id `/generation?id=` looks up for reconciliation.
fn take_response_id(v: &Value, x: &mut Exchange) {
    let id = v
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && s.len() <= 200);
    if let Some(id) = id
        && (x.request_id.is_none() || x.provider == ProviderKind::Openrouter)
    {
        x.request_id = Some(id.to_string());
    }
}

/// Reads Chat Completions chunks.
pub(crate) struct StreamDecoder;

impl Decoder for StreamDecoder {
    fn event(
        &mut self,
        _name: &str,
        data: &str,
        x: &mut Exchange,
        out: &mut dyn FnMut(StreamEvent),
    ) -> Result<bool> {
        let data = data.trim();
        if data == "[DONE]" {
            return Ok(true);
        }
        if data.is_empty() {
            return Ok(false);
        }
        let v = shared::parse_json(ProviderKind::Openai, "stream chunk", data)?;
        if let Some(err) = v.get("error").filter(|e| e.is_object()) {
            return Err(error_object(200, err));
        }
        if x.resolved_model.is_none() {
            x.resolved_model = v.get("model").and_then(Value::as_str).map(str::to_string);
        }
        take_response_id(&v, x);
        if let Some(choice) = v.get("choices").and_then(|c| c.get(0)) {
            if let Some(t) = choice
                .pointer("/delta/content")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
            {
                x.text.push_str(t);
                out(StreamEvent::TextDelta(t.to_string()));
            }
            if let Some(r) = choice.get("finish_reason").and_then(Value::as_str) {
                x.finish_reason = Some(r.to_string());
            }
        }
        if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
            take_usage(u, x)?;
            x.usage_final = true;
            if let Some(u) = x.usage {
                out(StreamEvent::Usage(u));
            }
        }
        Ok(false)
    }

    fn complete_at_eof(&self, x: &Exchange) -> bool {
        x.finish_reason.is_some()
    }
}

fn error_object(status: u16, err: &Value) -> CoreError {
    let (kind, message) = classify(status, &json!({ "error": err }));
    CoreError::Provider {
        provider: ProviderKind::Openai.display_name(),
        kind,
        message: message.unwrap_or_else(|| "the provider reported an error".into()),
        status: None,
        retry_after: None,
    }
}

/// Kind and message from an OpenAI-style error body.
pub(crate) fn classify(status: u16, v: &Value) -> (ProviderErrorKind, Option<String>) {
    let err = v.get("error");
    // Some gateways send `{"error": "text"}`.
    let message = err
        .and_then(|e| {
            e.get("message")
                .and_then(Value::as_str)
                .or_else(|| e.as_str())
        })
        .map(str::to_string);
    let field = |k: &str| {
        err.and_then(|e| e.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    let (etype, code) = (field("type"), field("code"));
    let msg = message.as_deref().unwrap_or("");
    let kind = if etype == "insufficient_quota" || code == "insufficient_quota" || status == 402 {
        ProviderErrorKind::QuotaExceeded
    } else if mentions_context_length(code, msg) {
        ProviderErrorKind::ContextTooLong
    } else if code == "invalid_api_key" || status == 401 {
        ProviderErrorKind::InvalidKey
    } else if code == "model_not_found" {
        ProviderErrorKind::NotFound
    } else if status == 200 {
        match etype {
            "server_error" | "api_error" => ProviderErrorKind::ProviderUnavailable,
            "rate_limit_error" | "requests" | "tokens" => ProviderErrorKind::RateLimited,
            _ => ProviderErrorKind::InvalidRequest,
        }
    } else {
        ProviderErrorKind::from_status(status)
    };
    (kind, message)
}

/// The OpenAI (and every OpenAI-compatible endpoint) wire format.
pub(crate) struct OpenAiFormat;

crate::providers::wire::wire_format_from_fns!(OpenAiFormat, StreamDecoder);
