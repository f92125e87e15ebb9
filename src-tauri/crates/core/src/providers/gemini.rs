//! Google Gemini (Generative Language API): `generateContent` and
//! `streamGenerateContent?alt=sse`.
//!
//! Usage: `promptTokenCount` includes cached tokens; `candidatesTokenCount` excludes
//! `thoughtsTokenCount`. The SSE stream has no end marker: it ends with the connection, and the
//! last `usageMetadata` seen holds the totals.

use reqwest::RequestBuilder;
use serde_json::{Value, json};

use crate::ProviderKind;
use crate::error::{CoreError, Result};
use crate::providers::error::invalid_response;
use crate::providers::error::{ProviderErrorKind, mentions_context_length};
use crate::providers::shared::{self, Auth};
use crate::providers::stream::Decoder;
use crate::providers::{ChatRequest, Endpoint, Exchange, ModelInfo, Role, StreamEvent};

pub(crate) fn authed(rb: RequestBuilder, ep: &Endpoint) -> RequestBuilder {
    shared::authed(rb, ep, Auth::Header("x-goog-api-key"))
}

fn chat_request(c: &reqwest::Client, ep: &Endpoint, req: &ChatRequest) -> RequestBuilder {
    let contents: Vec<Value> = req
        .messages
        .iter()
        .map(|m| {
            let role = match m.role {
                Role::User => "user",
                Role::Assistant => "model",
            };
            json!({"role": role, "parts": [{"text": m.content}]})
        })
        .collect();
    let mut body = json!({"contents": contents});
    if let Some(s) = req.system.as_deref().filter(|s| !s.is_empty()) {
        body["systemInstruction"] = json!({"parts": [{"text": s}]});
    }
    let mut config = serde_json::Map::new();
    if let Some(t) = req.temperature {
        config.insert("temperature".into(), json!(t));
    }
    if let Some(n) = req.max_tokens {
        config.insert("maxOutputTokens".into(), json!(n));
    }
    if !config.is_empty() {
        body["generationConfig"] = Value::Object(config);
    }
    let model = req.model.strip_prefix("models/").unwrap_or(&req.model);
    let url = if req.stream {
        format!(
            "{}/v1beta/models/{model}:streamGenerateContent?alt=sse",
            ep.base_url
        )
    } else {
        format!("{}/v1beta/models/{model}:generateContent", ep.base_url)
    };
    authed(c.post(url), ep).json(&body)
}

fn models_request(c: &reqwest::Client, ep: &Endpoint) -> RequestBuilder {
    authed(
        c.get(format!("{}/v1beta/models?pageSize=1000", ep.base_url)),
        ep,
    )
}

fn parse_models(v: &Value) -> Result<Vec<ModelInfo>> {
    shared::model_list(
        v,
        ProviderKind::Gemini,
        "models",
        "name",
        "displayName",
        "inputTokenLimit",
    )
}

/// Applies one `GenerateContentResponse` (a whole answer, or one stream chunk) to `x`; returns
/// the new text.
fn apply(v: &Value, x: &mut Exchange) -> Result<String> {
    if let Some(err) = v.get("error").filter(|e| e.is_object()) {
        let (kind, message) = classify(200, &json!({ "error": err }));
        return Err(CoreError::Provider {
            provider: ProviderKind::Gemini.display_name(),
            kind,
            message: message.unwrap_or_else(|| "the provider reported an error".into()),
            status: None,
            retry_after: None,
        });
    }
    let mut text = String::new();
    if let Some(cand) = v.get("candidates").and_then(|c| c.get(0)) {
        if let Some(parts) = cand.pointer("/content/parts").and_then(Value::as_array) {
            for p in parts {
                // Thought summaries are not the answer.
                if p.get("thought").and_then(Value::as_bool) == Some(true) {
                    continue;
                }
                if let Some(t) = p.get("text").and_then(Value::as_str) {
                    text.push_str(t);
                }
            }
        }
        if let Some(r) = cand.get("finishReason").and_then(Value::as_str) {
            x.finish_reason = Some(r.to_string());
        }
    }
    if let Some(m) = v.get("modelVersion").and_then(Value::as_str) {
        x.resolved_model = Some(m.to_string());
    }
    if let Some(u) = v.get("usageMetadata").filter(|u| u.is_object()) {
        x.usage = Some(shared::answer_usage(x, u)?);
    }
    x.text.push_str(&text);
    Ok(text)
}

fn parse_chat(v: &Value, x: &mut Exchange) -> Result<()> {
    if v.get("candidates").is_none() && v.get("error").is_none() {
        return Err(invalid_response(
            ProviderKind::Gemini,
            "response has no candidates".into(),
        ));
    }
    apply(v, x)?;
    x.usage_final = x.usage.is_some();
    Ok(())
}

/// Reads `alt=sse` chunks.
pub(crate) struct StreamDecoder;

impl Decoder for StreamDecoder {
    fn event(
        &mut self,
        _name: &str,
        data: &str,
        x: &mut Exchange,
        out: &mut dyn FnMut(StreamEvent),
    ) -> Result<bool> {
        let v = shared::parse_json(ProviderKind::Gemini, "stream chunk", data)?;
        let had_usage = v.get("usageMetadata").is_some();
        let text = apply(&v, x)?;
        if !text.is_empty() {
            out(StreamEvent::TextDelta(text));
        }
        if had_usage && let Some(u) = x.usage {
            out(StreamEvent::Usage(u));
        }
        Ok(false)
    }

    fn complete_at_eof(&self, x: &Exchange) -> bool {
        x.finish_reason.is_some()
    }
}

/// Kind and message from a Google RPC error body `{"error":{"code","message","status"}}`.
fn classify(status: u16, v: &Value) -> (ProviderErrorKind, Option<String>) {
    let err = v.get("error");
    let rpc = err
        .and_then(|e| e.get("status"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let message = err
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let msg = message.as_deref().unwrap_or("");
    let key_invalid = msg.contains("API key not valid")
        || err
            .and_then(|e| e.get("details"))
            .and_then(Value::as_array)
            .is_some_and(|d| {
                d.iter()
                    .any(|x| x.get("reason").and_then(Value::as_str) == Some("API_KEY_INVALID"))
            });
    let kind = if key_invalid {
        ProviderErrorKind::InvalidKey
    } else if mentions_context_length("", msg) {
        ProviderErrorKind::ContextTooLong
    } else {
        match rpc {
            "UNAUTHENTICATED" => ProviderErrorKind::InvalidKey,
            "PERMISSION_DENIED" => ProviderErrorKind::PermissionDenied,
            "NOT_FOUND" => ProviderErrorKind::NotFound,
            "RESOURCE_EXHAUSTED" => ProviderErrorKind::RateLimited,
            "UNAVAILABLE" | "INTERNAL" | "DEADLINE_EXCEEDED" => {
                ProviderErrorKind::ProviderUnavailable
            }
            "INVALID_ARGUMENT" | "FAILED_PRECONDITION" => ProviderErrorKind::InvalidRequest,
            _ if status == 200 => ProviderErrorKind::ProviderUnavailable,
            _ => ProviderErrorKind::from_status(status),
        }
    };
    (kind, message)
}

/// The Gemini generateContent wire format.
pub(crate) struct GeminiFormat;

crate::providers::wire::wire_format_from_fns!(GeminiFormat, StreamDecoder);
