//! Anthropic's Message Batches (batch-apis.md §2): one request holding every row's Messages
//! parameters, polled until `processing_status` is `ended`, its results read from the batch's
//! own `/results` path (never from an address the answer names, so the key goes nowhere else).

use serde_json::{Value, json};

use crate::error::Result;
use crate::providers::{Endpoint, ProviderClient, batch_authed};

use super::{Created, Line, Outcome, RemoteState, invalid, parse_jsonl};

/// Most requests in one Anthropic batch.
pub(crate) const MAX_REQUESTS: usize = 100_000;
/// Largest batch body (256 MB, with room for the JSON around the requests).
pub(crate) const MAX_BYTES: usize = 255 * 1024 * 1024;

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Creates the batch.
pub(crate) async fn create(
    client: &ProviderClient,
    ep: &Endpoint,
    lines: &[(String, Value)],
) -> Result<Created> {
    let requests: Vec<Value> = lines
        .iter()
        .map(|(id, params)| json!({"custom_id": id, "params": params}))
        .collect();
    let body = json!({ "requests": requests });
    let bytes = client
        .fetch(ep, |c| {
            batch_authed(c.post(format!("{}/v1/messages/batches", ep.base_url)), ep).json(&body)
        })
        .await?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| invalid(ep, e))?;
    Ok(Created {
        remote_id: text(&v, "id").ok_or_else(|| invalid(ep, "the batch has no id"))?,
        input_file_id: None,
    })
}

/// Where batch `id` stands.
pub(crate) async fn get(client: &ProviderClient, ep: &Endpoint, id: &str) -> Result<RemoteState> {
    let bytes = client
        .fetch(ep, |c| {
            batch_authed(
                c.get(format!("{}/v1/messages/batches/{id}", ep.base_url)),
                ep,
            )
        })
        .await?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| invalid(ep, e))?;
    let status = text(&v, "processing_status").unwrap_or_default();
    Ok(RemoteState {
        ended: status == "ended",
        failed: None,
        cancelled: status == "canceling"
            || v.get("cancel_initiated_at").is_some_and(|c| !c.is_null()),
        counts: v.get("request_counts").map(Value::to_string),
        files: Vec::new(),
        status,
    })
}

/// Every result line of batch `id`.
pub(crate) async fn results(client: &ProviderClient, ep: &Endpoint, id: &str) -> Result<Vec<Line>> {
    let bytes = client
        .fetch(ep, |c| {
            batch_authed(
                c.get(format!("{}/v1/messages/batches/{id}/results", ep.base_url)),
                ep,
            )
        })
        .await?;
    Ok(parse_jsonl(ep, &bytes)?.iter().map(line).collect())
}

/// One `MessageBatchIndividualResponse`.
fn line(v: &Value) -> Line {
    let custom_id = text(v, "custom_id").unwrap_or_default();
    let result = v.get("result").cloned().unwrap_or(Value::Null);
    let kind = result.get("type").and_then(Value::as_str).unwrap_or("");
    let (outcome, request_id) = match kind {
        "succeeded" => {
            let message = result.get("message").cloned().unwrap_or(Value::Null);
            let id = text(&message, "id");
            (Outcome::Succeeded(message), id)
        }
        "canceled" => (Outcome::Canceled, None),
        "expired" => (Outcome::Expired, None),
        _ => {
            // An `ErrorResponse`: {"type":"error","error":{type,message},"request_id"}.
            let err = result.get("error").cloned().unwrap_or(Value::Null);
            let etype = err
                .pointer("/error/type")
                .and_then(Value::as_str)
                .unwrap_or("");
            let status = match etype {
                "invalid_request_error" => 400,
                "authentication_error" => 401,
                "permission_error" => 403,
                "not_found_error" => 404,
                "request_too_large" => 413,
                "rate_limit_error" => 429,
                "overloaded_error" => 529,
                _ => 500,
            };
            let id = text(&err, "request_id");
            (Outcome::Errored { status, body: err }, id)
        }
    };
    Line {
        custom_id,
        request_id,
        outcome,
    }
}

/// Asks the provider to cancel batch `id`.
pub(crate) async fn cancel(client: &ProviderClient, ep: &Endpoint, id: &str) -> Result<()> {
    client
        .fetch(ep, |c| {
            batch_authed(
                c.post(format!("{}/v1/messages/batches/{id}/cancel", ep.base_url)),
                ep,
            )
        })
        .await?;
    Ok(())
}

/// The batch our process created for a submission of `requests` requests prepared at
/// `prepared_at_ms`, before it could note its id. Anthropic keeps no metadata on a batch: the
/// one batch created within 10 minutes of it with exactly that many requests is it. `Err` names
/// the candidates when there are several.
pub(crate) async fn find(
    client: &ProviderClient,
    ep: &Endpoint,
    prepared_at_ms: i64,
    requests: i64,
) -> Result<Option<String>> {
    let bytes = client
        .fetch(ep, |c| {
            batch_authed(
                c.get(format!("{}/v1/messages/batches?limit=100", ep.base_url)),
                ep,
            )
        })
        .await?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| invalid(ep, e))?;
    let candidates: Vec<String> = v
        .get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|b| {
            let created = b
                .get("created_at")
                .and_then(Value::as_str)
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.timestamp_millis());
            let total: i64 = b
                .get("request_counts")
                .and_then(Value::as_object)
                .map(|c| c.values().filter_map(Value::as_i64).sum())
                .unwrap_or(-1);
            created
                .is_some_and(|t| (prepared_at_ms - 60_000..=prepared_at_ms + 600_000).contains(&t))
                && total == requests
        })
        .filter_map(|b| text(b, "id"))
        .collect();
    match candidates.len() {
        0 => Ok(None),
        1 => Ok(candidates.into_iter().next()),
        _ => Err(crate::CoreError::invalid(
            "batch job",
            format!(
                "PromptLedger ended while creating a batch and several Anthropic batches could be \
                 it ({}); check them in the Anthropic console",
                candidates.join(", ")
            ),
        )),
    }
}
