//! OpenAI's Batch API (batch-apis.md §1): the rows as a JSONL file uploaded with
//! `purpose=batch`, a batch on `/v1/chat/completions` with a 24 h window and our nonce in its
//! metadata, polled by id; its output and error files read when it ends.

use serde_json::{Value, json};

use crate::error::Result;
use crate::providers::{Endpoint, ProviderClient, batch_authed};

use super::{Created, Line, Outcome, RemoteState, invalid, parse_jsonl};

/// Most requests in one OpenAI batch.
pub(crate) const MAX_REQUESTS: usize = 50_000;
/// Largest input file (200 MB, with room for the multipart framing).
pub(crate) const MAX_BYTES: usize = 199 * 1024 * 1024;

/// Uploads the lines and creates the batch.
pub(crate) async fn create(
    client: &ProviderClient,
    ep: &Endpoint,
    lines: &[(String, Value)],
    nonce: &str,
    job_id: i64,
) -> Result<Created> {
    let mut jsonl = Vec::new();
    for (custom_id, body) in lines {
        let line = json!({
            "custom_id": custom_id,
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": body,
        });
        jsonl.extend_from_slice(line.to_string().as_bytes());
        jsonl.push(b'\n');
    }
    let boundary = format!("promptledger-{nonce}");
    let mut form = Vec::with_capacity(jsonl.len() + 512);
    form.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"promptledger-{nonce}.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n"
        )
        .as_bytes(),
    );
    form.extend_from_slice(&jsonl);
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let form = bytes::Bytes::from(form);
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let file = client
        .fetch(ep, |c| {
            batch_authed(c.post(format!("{}/files", ep.base_url)), ep)
                .header("content-type", content_type.as_str())
                .body(form.clone())
        })
        .await?;
    let file: Value = serde_json::from_slice(&file).map_err(|e| invalid(ep, e))?;
    let file_id = text(&file, "id").ok_or_else(|| invalid(ep, "the upload has no file id"))?;
    let body = json!({
        "input_file_id": file_id,
        "endpoint": "/v1/chat/completions",
        "completion_window": "24h",
        "metadata": {
            "app": "promptledger",
            "promptledger_job": job_id.to_string(),
            "promptledger_submission": nonce,
        },
    });
    let batch = client
        .fetch(ep, |c| {
            batch_authed(c.post(format!("{}/batches", ep.base_url)), ep).json(&body)
        })
        .await?;
    let batch: Value = serde_json::from_slice(&batch).map_err(|e| invalid(ep, e))?;
    Ok(Created {
        remote_id: text(&batch, "id").ok_or_else(|| invalid(ep, "the batch has no id"))?,
        input_file_id: Some(file_id),
    })
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Where batch `id` stands.
pub(crate) async fn get(client: &ProviderClient, ep: &Endpoint, id: &str) -> Result<RemoteState> {
    let bytes = client
        .fetch(ep, |c| {
            batch_authed(c.get(format!("{}/batches/{id}", ep.base_url)), ep)
        })
        .await?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| invalid(ep, e))?;
    let status = text(&v, "status").unwrap_or_default();
    let errors = v
        .pointer("/errors/data")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| e.get("message").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|s| !s.is_empty());
    Ok(RemoteState {
        ended: matches!(
            status.as_str(),
            "completed" | "expired" | "cancelled" | "failed"
        ),
        // Provider text: redacted before it is stored on the runs and the submission.
        failed: (status == "failed").then(|| {
            crate::redact::redact(
                &errors
                    .unwrap_or_else(|| "the provider refused the batch when validating it".into()),
                &[],
            )
        }),
        cancelled: matches!(status.as_str(), "cancelled" | "cancelling"),
        counts: v.get("request_counts").map(Value::to_string),
        files: [text(&v, "output_file_id"), text(&v, "error_file_id")]
            .into_iter()
            .flatten()
            .collect(),
        status,
    })
}

/// Every line of the batch's output and error files.
pub(crate) async fn results(
    client: &ProviderClient,
    ep: &Endpoint,
    state: &RemoteState,
) -> Result<Vec<Line>> {
    let mut out = Vec::new();
    for file in &state.files {
        let bytes = client
            .fetch(ep, |c| {
                batch_authed(c.get(format!("{}/files/{file}/content", ep.base_url)), ep)
            })
            .await?;
        for v in parse_jsonl(ep, &bytes)? {
            out.push(line(&v));
        }
    }
    Ok(out)
}

/// One `BatchRequestOutput`.
fn line(v: &Value) -> Line {
    let custom_id = text(v, "custom_id").unwrap_or_default();
    let response = v.get("response").filter(|r| r.is_object());
    let status = response
        .and_then(|r| r.get("status_code"))
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok());
    let request_id = response.and_then(|r| text(r, "request_id"));
    let outcome = match (response, status, v.get("error").filter(|e| e.is_object())) {
        (Some(r), Some(200..=299), _) => {
            Outcome::Succeeded(r.get("body").cloned().unwrap_or(Value::Null))
        }
        (_, _, Some(e)) if e.get("code").and_then(Value::as_str) == Some("batch_expired") => {
            Outcome::Expired
        }
        (_, _, Some(e))
            if e.get("code")
                .and_then(Value::as_str)
                .is_some_and(|c| c.contains("cancel")) =>
        {
            Outcome::Canceled
        }
        (Some(r), Some(s), _) => Outcome::Errored {
            status: s,
            body: r.get("body").cloned().unwrap_or(Value::Null),
        },
        (_, _, Some(e)) => Outcome::Errored {
            status: 400,
            body: json!({ "error": e }),
        },
        _ => Outcome::Errored {
            status: 500,
            body: json!({"error": {"message": "the line has neither a response nor an error"}}),
        },
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
            batch_authed(c.post(format!("{}/batches/{id}/cancel", ep.base_url)), ep)
        })
        .await?;
    Ok(())
}

/// The batch our process created for submission `nonce` before it could note its id.
pub(crate) async fn find(
    client: &ProviderClient,
    ep: &Endpoint,
    nonce: &str,
) -> Result<Option<String>> {
    let bytes = client
        .fetch(ep, |c| {
            batch_authed(c.get(format!("{}/batches?limit=100", ep.base_url)), ep)
        })
        .await?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| invalid(ep, e))?;
    Ok(v.get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|b| {
            b.pointer("/metadata/promptledger_submission")
                .and_then(Value::as_str)
                == Some(nonce)
        })
        .and_then(|b| text(b, "id")))
}
