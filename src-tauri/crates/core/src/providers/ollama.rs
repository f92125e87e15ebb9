//! Ollama's native `/api/chat` (NDJSON streaming, the final `done: true` object carries the
//! counts). Local models are unmetered. An `{"error": …}` line mid-stream fails the run.

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
    // A reverse proxy in front of Ollama may want a key.
    shared::authed(rb, ep, Auth::Bearer)
}

fn chat_request(c: &reqwest::Client, ep: &Endpoint, req: &ChatRequest) -> RequestBuilder {
    let messages = shared::role_messages(req, true);
    let mut options = serde_json::Map::new();
    if let Some(t) = req.temperature {
        options.insert("temperature".into(), json!(t));
    }
    if let Some(n) = req.max_tokens {
        options.insert("num_predict".into(), json!(n));
    }
    let body =
        json!({"model": req.model, "messages": messages, "stream": req.stream, "options": options});
    authed(c.post(format!("{}/api/chat", ep.base_url)), ep).json(&body)
}

fn models_request(c: &reqwest::Client, ep: &Endpoint) -> RequestBuilder {
    authed(c.get(format!("{}/api/tags", ep.base_url)), ep)
}

fn parse_models(v: &Value) -> Result<Vec<ModelInfo>> {
    shared::model_list(
        v,
        ProviderKind::Ollama,
        "models",
        "name",
        "display_name",
        "context_length",
    )
}

fn error_line(v: &Value) -> Option<CoreError> {
    let text = v.get("error")?.as_str()?;
    let (kind, message) = classify(200, v);
    Some(CoreError::Provider {
        provider: ProviderKind::Ollama.display_name(),
        kind,
        message: message.unwrap_or_else(|| text.to_string()),
        status: None,
        retry_after: None,
    })
}

/// Applies one `/api/chat` object; returns its text and whether it was the final one.
fn apply(v: &Value, x: &mut Exchange) -> Result<(String, bool)> {
    if let Some(e) = error_line(v) {
        return Err(e);
    }
    let text = v
        .pointer("/message/content")
        .or_else(|| v.get("response"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    x.text.push_str(&text);
    if x.resolved_model.is_none() {
        x.resolved_model = v.get("model").and_then(Value::as_str).map(str::to_string);
    }
    let done = v.get("done").and_then(Value::as_bool) == Some(true);
    if done {
        x.finish_reason = v
            .get("done_reason")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or(Some("stop".into()));
        x.usage = Some(TokenUsage::from_provider_json(ProviderKind::Ollama, v).unwrap_or_default());
        x.usage_final = true;
    }
    Ok((text, done))
}

fn parse_chat(v: &Value, x: &mut Exchange) -> Result<()> {
    if v.get("message").is_none() && v.get("response").is_none() && v.get("error").is_none() {
        return Err(invalid_response(
            ProviderKind::Ollama,
            "response has no message".into(),
        ));
    }
    apply(v, x).map(|_| ())
}

/// Reads NDJSON lines.
pub(crate) struct StreamDecoder;

impl Decoder for StreamDecoder {
    fn event(
        &mut self,
        _name: &str,
        data: &str,
        x: &mut Exchange,
        out: &mut dyn FnMut(StreamEvent),
    ) -> Result<bool> {
        let v = shared::parse_json(ProviderKind::Ollama, "stream line", data)?;
        let (text, done) = apply(&v, x)?;
        if !text.is_empty() {
            out(StreamEvent::TextDelta(text));
        }
        if done && let Some(u) = x.usage {
            out(StreamEvent::Usage(u));
        }
        Ok(done)
    }

    fn complete_at_eof(&self, _x: &Exchange) -> bool {
        false
    }

    fn ndjson(&self) -> bool {
        true
    }
}

/// Kind and message from `{"error": "text"}`.
fn classify(status: u16, v: &Value) -> (ProviderErrorKind, Option<String>) {
    let message = v.get("error").and_then(Value::as_str).map(str::to_string);
    let msg = message.as_deref().unwrap_or("");
    let kind = if msg.contains("not found") || status == 404 {
        ProviderErrorKind::NotFound
    } else if mentions_context_length("", msg) {
        ProviderErrorKind::ContextTooLong
    } else if status == 200 {
        ProviderErrorKind::ProviderUnavailable
    } else {
        ProviderErrorKind::from_status(status)
    };
    (kind, message)
}

/// The Ollama /api/chat (NDJSON) wire format.
pub(crate) struct OllamaFormat;

crate::providers::wire::wire_format_from_fns!(OllamaFormat, StreamDecoder);
