//! Pieces the wire formats share: authentication and extra headers, role/content message lists,
//! and model lists.

use reqwest::RequestBuilder;
use serde_json::{Value, json};

use crate::ProviderKind;
use crate::error::{CoreError, Result};
use crate::pricing::TokenUsage;
use crate::providers::error::invalid_response;
use crate::providers::{ChatRequest, Endpoint, Exchange, ModelInfo, Role};

/// How a provider wants its key.
pub(crate) enum Auth {
    /// `Authorization: Bearer <key>` (OpenAI and compatible servers, proxies in front of Ollama).
    Bearer,
    /// The key in a header of its own (`x-api-key`, `x-goog-api-key`).
    Header(&'static str),
}

/// Adds the key (when there is one) and the endpoint's extra headers.
pub(crate) fn authed(mut rb: RequestBuilder, ep: &Endpoint, auth: Auth) -> RequestBuilder {
    if let Some(k) = ep.api_key.as_ref().filter(|k| !k.is_empty()) {
        rb = match auth {
            Auth::Bearer => rb.bearer_auth(k.expose()),
            Auth::Header(name) => rb.header(name, k.expose()),
        };
    }
    for (k, v) in &ep.extra_headers {
        rb = rb.header(k, v);
    }
    rb
}

impl Role {
    /// `user` / `assistant`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// `[{role, content}]`, led by a `system` message when `with_system` and one is set.
pub(crate) fn role_messages(req: &ChatRequest, with_system: bool) -> Vec<Value> {
    let system = req
        .system
        .as_deref()
        .filter(|s| with_system && !s.is_empty());
    system
        .map(|s| json!({"role": "system", "content": s}))
        .into_iter()
        .chain(
            req.messages
                .iter()
                .map(|m| json!({"role": m.role.as_str(), "content": m.content})),
        )
        .collect()
}

/// Reads `v[array][*]` into models: the id from `id_field` (a `models/` prefix dropped), a
/// display name and context window when present.
pub(crate) fn model_list(
    v: &Value,
    provider: ProviderKind,
    array: &str,
    id_field: &str,
    name_field: &str,
    context_field: &str,
) -> Result<Vec<ModelInfo>> {
    let items = v
        .get(array)
        .and_then(Value::as_array)
        .ok_or_else(|| invalid_response(provider, format!("model list has no `{array}` array")))?;
    Ok(items
        .iter()
        .filter_map(|m| {
            let id = m.get(id_field)?.as_str()?;
            Some(ModelInfo {
                id: id.strip_prefix("models/").unwrap_or(id).to_string(),
                display_name: m
                    .get(name_field)
                    .and_then(Value::as_str)
                    .map(str::to_string),
                context_window: m.get(context_field).and_then(Value::as_u64),
            })
        })
        .collect())
}

/// Parses one body, chunk or line; malformed JSON is `invalid_response` naming what it was.
pub(crate) fn parse_json(provider: ProviderKind, what: &str, data: &str) -> Result<Value> {
    serde_json::from_str(data)
        .map_err(|e| invalid_response(provider, format!("{what} is not JSON: {e}")))
}

/// Reads the usage object of a provider's answer. One that cannot be billed (a negative or
/// impossible count, say 10^18 tokens) fails the run as `invalid_response`, carrying the usage
/// as sent, and marks the exchange so the run's cost is recorded as unknown — never a guess.
pub(crate) fn answer_usage(x: &mut Exchange, u: &Value) -> Result<TokenUsage> {
    TokenUsage::from_provider_json(x.provider, u).map_err(|e| {
        x.usage_rejected = true;
        let reason = match e {
            CoreError::InvalidUsage { reason, .. } => reason,
            other => other.to_string(),
        };
        let sent: String = u.to_string().chars().take(300).collect();
        invalid_response(
            x.provider,
            format!("its usage cannot be billed ({reason}); usage as sent: {sent}"),
        )
    })
}
