//! OpenRouter's per-request truth: `GET /generation?id=<gen-…>` with the inference key answers
//! what a run was charged (`total_cost`, USD credits as a JSON number, read from its text). A
//! fresh id may be 404 for a short while: such a run stays unchecked and a later sync asks again.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::billing::usd_to_nano;
use crate::error::{CoreError, Result};
use crate::providers::{Endpoint, ProviderClient, ProviderErrorKind, invalid_response};

/// What OpenRouter says one generation cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generation {
    /// `gen-…`.
    pub id: String,
    /// `total_cost`, nano-USD.
    pub total_cost_nano: Option<i64>,
    /// Prompt tokens as the upstream provider counted them (`native_tokens_prompt`), which is
    /// what the run's usage reports; OpenRouter's normalised `tokens_prompt` when absent.
    pub tokens_prompt: Option<i64>,
    /// Completion tokens, the same way (`native_tokens_completion`, else `tokens_completion`).
    pub tokens_completion: Option<i64>,
    /// The model that was billed.
    pub model: Option<String>,
    /// The upstream provider that served it.
    pub provider_name: Option<String>,
}

#[derive(Deserialize)]
struct Answer {
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    id: Option<String>,
    total_cost: Option<Box<RawValue>>,
    tokens_prompt: Option<i64>,
    tokens_completion: Option<i64>,
    native_tokens_prompt: Option<i64>,
    native_tokens_completion: Option<i64>,
    model: Option<String>,
    provider_name: Option<String>,
}

/// Parses a `/generation` answer.
pub(crate) fn parse(id: &str, body: &[u8]) -> std::result::Result<Generation, String> {
    let a: Answer =
        serde_json::from_slice(body).map_err(|e| format!("not the documented format: {e}"))?;
    let total_cost_nano = match a.data.total_cost.as_ref().map(|v| v.get()) {
        None | Some("null") => None,
        Some(t) => {
            Some(usd_to_nano(t).ok_or_else(|| format!("total_cost `{t}` is not an amount"))?)
        }
    };
    let tokens = |v: Option<i64>| v.filter(|n| *n >= 0);
    Ok(Generation {
        id: a.data.id.unwrap_or_else(|| id.to_string()),
        total_cost_nano,
        tokens_prompt: tokens(a.data.native_tokens_prompt.or(a.data.tokens_prompt)),
        tokens_completion: tokens(a.data.native_tokens_completion.or(a.data.tokens_completion)),
        model: a.data.model,
        provider_name: a.data.provider_name,
    })
}

/// Looks one generation up; `Ok(None)` when OpenRouter does not know it (yet).
pub async fn generation(
    http: &ProviderClient,
    ep: &Endpoint,
    id: &str,
) -> Result<Option<Generation>> {
    let enc: String = id
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let url = format!("{}/generation?id={enc}", ep.base_url);
    let key = ep.api_key.clone();
    let got = http
        .fetch(ep, |c| {
            c.get(&url)
                .bearer_auth(key.as_ref().map_or("", |k| k.expose()))
        })
        .await;
    match got {
        Ok(body) => parse(id, &body)
            .map(Some)
            .map_err(|r| invalid_response(ep.provider, format!("/generation: {r}"))),
        Err(CoreError::Provider {
            kind: ProviderErrorKind::NotFound,
            ..
        }) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_cost_from_its_text() {
        let g = parse(
            "gen-1",
            br#"{"data":{"id":"gen-1","total_cost":0.00013080438,"tokens_prompt":11,
                "tokens_completion":29,"native_tokens_prompt":12,"native_tokens_completion":30,
                "model":"openai/gpt-4o-mini","provider_name":"OpenAI"}}"#,
        )
        .unwrap();
        assert_eq!(g.total_cost_nano, Some(130_804));
        assert_eq!(
            (g.tokens_prompt, g.tokens_completion),
            (Some(12), Some(30)),
            "the provider's own counts, as the run's usage has them"
        );
        assert!(parse("x", b"{}").is_err());
    }
}
