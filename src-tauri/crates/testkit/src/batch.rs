//! A loopback server for the providers' Batch APIs (shapes from
//! `shared/reference/batch-apis.md`): OpenAI Files + Batches (`/v1/files`, `/v1/batches`,
//! `/v1/files/{id}/content`) and Anthropic Message Batches (`/v1/messages/batches`). Batches move
//! through their statuses one poll at a time, results come back in reverse order, and chosen
//! requests come back errored or expired. Every request is recorded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::wire::{Counts, anthropic_message, openai_chat};
use crate::{FakeServer, Recorded, Reply};

/// How the fake behaves.
#[derive(Debug, Clone)]
pub struct BatchBehaviour {
    /// Polls a batch answers "in progress" before it ends.
    pub polls_before_end: usize,
    /// `custom_id`s answered with an error.
    pub errored: Vec<String>,
    /// `custom_id`s that expire.
    pub expired: Vec<String>,
    /// The usage of every completed request.
    pub counts: Counts,
    /// The OpenAI batch fails validation with this message.
    pub fail_validation: Option<String>,
}

impl Default for BatchBehaviour {
    fn default() -> BatchBehaviour {
        BatchBehaviour {
            polls_before_end: 1,
            errored: Vec::new(),
            expired: Vec::new(),
            counts: Counts {
                prompt: 100,
                output: 20,
                ..Counts::default()
            },
            fail_validation: None,
        }
    }
}

#[derive(Debug, Default)]
struct Batch {
    /// `custom_id` and model of each request, in the order sent.
    requests: Vec<(String, String)>,
    polls: usize,
    cancelled: bool,
    ended: bool,
    metadata: Value,
    created_ms: i64,
}

#[derive(Debug, Default)]
struct State {
    files: HashMap<String, Vec<Value>>,
    batches: HashMap<String, Batch>,
    order: Vec<String>,
    next: usize,
}

/// The fake Batch API server.
pub struct BatchServer {
    server: FakeServer,
    state: Arc<Mutex<State>>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        crate::billing::civil(days),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

impl BatchServer {
    /// Starts serving with `behaviour`.
    pub fn start(behaviour: BatchBehaviour) -> BatchServer {
        let state = Arc::new(Mutex::new(State::default()));
        let s = state.clone();
        let server = FakeServer::with_handler(move |r| answer(&s, &behaviour, r));
        BatchServer { server, state }
    }

    /// OpenAI's base URL (`…/v1`).
    pub fn openai_url(&self) -> String {
        format!("{}/v1", self.server.url())
    }

    /// Anthropic's base URL.
    pub fn anthropic_url(&self) -> String {
        self.server.url().to_string()
    }

    /// Every request received.
    pub fn requests(&self) -> Vec<Recorded> {
        self.server.requests()
    }

    /// Batches created.
    pub fn batches(&self) -> usize {
        self.state.lock().unwrap().batches.len()
    }

    /// Requests sent in all batches.
    pub fn batched_requests(&self) -> usize {
        let s = self.state.lock().unwrap();
        s.batches.values().map(|b| b.requests.len()).sum()
    }
}

fn counts_for(b: &BatchBehaviour, id: &str) -> &'static str {
    if b.errored.iter().any(|e| e == id) {
        "errored"
    } else if b.expired.iter().any(|e| e == id) {
        "expired"
    } else {
        "succeeded"
    }
}

fn answer(state: &Arc<Mutex<State>>, b: &BatchBehaviour, r: &Recorded) -> Reply {
    let mut s = state.lock().unwrap();
    let path = r.path.split('?').next().unwrap_or("").to_string();
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (r.method.as_str(), parts.as_slice()) {
        // ---- OpenAI ----
        ("POST", ["v1", "files"]) => {
            let lines: Vec<Value> = r
                .body
                .lines()
                .filter(|l| l.starts_with('{'))
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect();
            if !r.body.contains("name=\"purpose\"\r\n\r\nbatch") {
                return Reply::status_json(
                    400,
                    r#"{"error":{"message":"purpose must be batch","type":"invalid_request_error"}}"#,
                );
            }
            s.next += 1;
            let id = format!("file-{}", s.next);
            s.files.insert(id.clone(), lines);
            Reply::json(json!({"id": id, "object": "file", "purpose": "batch"}).to_string())
        }
        ("POST", ["v1", "batches"]) => {
            let body = r.json();
            let file = body["input_file_id"].as_str().unwrap_or("");
            let Some(lines) = s.files.get(file) else {
                return Reply::status_json(
                    404,
                    r#"{"error":{"message":"no such file","type":"invalid_request_error"}}"#,
                );
            };
            let requests = lines
                .iter()
                .map(|l| {
                    (
                        l["custom_id"].as_str().unwrap_or("").to_string(),
                        l["body"]["model"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect();
            s.next += 1;
            let id = format!("batch_{}", s.next);
            s.batches.insert(
                id.clone(),
                Batch {
                    requests,
                    metadata: body["metadata"].clone(),
                    created_ms: now_ms(),
                    ..Batch::default()
                },
            );
            s.order.push(id.clone());
            Reply::json(openai_batch(&id, &s.batches[&id], b, "validating").to_string())
        }
        ("GET", ["v1", "batches"]) => {
            let data: Vec<Value> = s
                .order
                .iter()
                .filter(|id| id.starts_with("batch_"))
                .map(|id| openai_batch(id, &s.batches[id], b, &openai_status(&s.batches[id], b)))
                .collect();
            Reply::json(json!({"object": "list", "data": data, "has_more": false}).to_string())
        }
        ("GET", ["v1", "batches", id]) => {
            let Some(batch) = s.batches.get_mut(*id) else {
                return Reply::status_json(404, r#"{"error":{"message":"no such batch"}}"#);
            };
            batch.polls += 1;
            if batch.polls > b.polls_before_end || batch.cancelled {
                batch.ended = true;
            }
            let status = openai_status(batch, b);
            Reply::json(openai_batch(id, &s.batches[*id], b, &status).to_string())
        }
        ("POST", ["v1", "batches", id, "cancel"]) => {
            let Some(batch) = s.batches.get_mut(*id) else {
                return Reply::status_json(404, r#"{"error":{"message":"no such batch"}}"#);
            };
            batch.cancelled = true;
            Reply::json(openai_batch(id, &s.batches[*id], b, "cancelling").to_string())
        }
        ("GET", ["v1", "files", file, "content"]) => {
            let (batch_id, kind) = file
                .strip_prefix("out-")
                .map(|b| (b, "out"))
                .or_else(|| file.strip_prefix("err-").map(|b| (b, "err")))
                .unwrap_or(("", ""));
            let Some(batch) = s.batches.get(batch_id) else {
                return Reply::status_json(404, r#"{"error":{"message":"no such file"}}"#);
            };
            let mut out = String::new();
            // Unordered: newest first.
            for (i, (cid, model)) in batch.requests.iter().enumerate().rev() {
                let done = !batch.cancelled || i < batch.requests.len() / 2;
                let line = match (counts_for(b, cid), done, kind) {
                    ("succeeded", true, "out") => json!({
                        "id": format!("batch_req_{i}"), "custom_id": cid,
                        "response": {"status_code": 200, "request_id": format!("req_{i}"),
                            "body": serde_json::from_str::<Value>(&openai_chat(model, &format!("answer {cid}"), b.counts)).unwrap()},
                        "error": null}),
                    ("errored", true, "err") => json!({
                        "id": format!("batch_req_{i}"), "custom_id": cid,
                        "response": {"status_code": 400, "request_id": format!("req_{i}"),
                            "body": {"error": {"message": "Invalid 'messages': too long", "type": "invalid_request_error", "code": null}}},
                        "error": null}),
                    ("expired", _, "err") => json!({
                        "id": format!("batch_req_{i}"), "custom_id": cid, "response": null,
                        "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}}),
                    _ => continue,
                };
                out.push_str(&line.to_string());
                out.push('\n');
            }
            Reply::Body {
                status: 200,
                headers: Vec::new(),
                content_type: "application/octet-stream".into(),
                body: out,
            }
        }
        // ---- Anthropic ----
        ("POST", ["v1", "messages", "batches"]) => {
            let body = r.json();
            let requests = body["requests"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|q| {
                    (
                        q["custom_id"].as_str().unwrap_or("").to_string(),
                        q["params"]["model"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect();
            s.next += 1;
            let id = format!("msgbatch_{}", s.next);
            s.batches.insert(
                id.clone(),
                Batch {
                    requests,
                    created_ms: now_ms(),
                    ..Batch::default()
                },
            );
            s.order.push(id.clone());
            Reply::json(anthropic_batch(&id, &s.batches[&id], b).to_string())
        }
        ("GET", ["v1", "messages", "batches"]) => {
            let data: Vec<Value> = s
                .order
                .iter()
                .filter(|id| id.starts_with("msgbatch_"))
                .map(|id| anthropic_batch(id, &s.batches[id], b))
                .collect();
            Reply::json(json!({"data": data, "has_more": false}).to_string())
        }
        ("GET", ["v1", "messages", "batches", id]) => {
            let Some(batch) = s.batches.get_mut(*id) else {
                return Reply::status_json(
                    404,
                    r#"{"type":"error","error":{"type":"not_found_error","message":"no such batch"}}"#,
                );
            };
            batch.polls += 1;
            if batch.polls > b.polls_before_end || batch.cancelled {
                batch.ended = true;
            }
            Reply::json(anthropic_batch(id, &s.batches[*id], b).to_string())
        }
        ("POST", ["v1", "messages", "batches", id, "cancel"]) => {
            let Some(batch) = s.batches.get_mut(*id) else {
                return Reply::status_json(
                    404,
                    r#"{"type":"error","error":{"type":"not_found_error","message":"no such batch"}}"#,
                );
            };
            batch.cancelled = true;
            Reply::json(anthropic_batch(id, &s.batches[*id], b).to_string())
        }
        ("GET", ["v1", "messages", "batches", id, "results"]) => {
            let Some(batch) = s.batches.get(*id).filter(|b| b.ended) else {
                return Reply::status_json(
                    404,
                    r#"{"type":"error","error":{"type":"not_found_error","message":"results not ready"}}"#,
                );
            };
            let mut out = String::new();
            for (i, (cid, model)) in batch.requests.iter().enumerate().rev() {
                let done = !batch.cancelled || i < batch.requests.len() / 2;
                let result = match (counts_for(b, cid), done) {
                    (_, false) => json!({"type": "canceled"}),
                    ("succeeded", true) => {
                        let mut m: Value = serde_json::from_str(&anthropic_message(
                            model,
                            &format!("answer {cid}"),
                            b.counts,
                        ))
                        .unwrap();
                        m["usage"]["service_tier"] = json!("batch");
                        json!({"type": "succeeded", "message": m})
                    }
                    ("errored", true) => json!({"type": "errored", "error": {"type": "error",
                        "error": {"type": "invalid_request_error", "message": "prompt is too long"}, "request_id": format!("req_{i}")}}),
                    _ => json!({"type": "expired"}),
                };
                out.push_str(&json!({"custom_id": cid, "result": result}).to_string());
                out.push('\n');
            }
            Reply::Body {
                status: 200,
                headers: Vec::new(),
                content_type: "application/binary".into(),
                body: out,
            }
        }
        _ => Reply::status_json(404, r#"{"error":{"message":"no such route"}}"#),
    }
}

fn openai_status(batch: &Batch, b: &BatchBehaviour) -> String {
    if b.fail_validation.is_some() && batch.polls > 0 {
        return "failed".into();
    }
    match (batch.cancelled, batch.ended, batch.polls) {
        (true, true, _) => "cancelled",
        (true, false, _) => "cancelling",
        (false, true, _)
            if b.expired
                .iter()
                .any(|e| batch.requests.iter().any(|(c, _)| c == e)) =>
        {
            "expired"
        }
        (false, true, _) => "completed",
        (false, false, 0) => "validating",
        (false, false, _) => "in_progress",
    }
    .into()
}

fn openai_batch(id: &str, batch: &Batch, b: &BatchBehaviour, status: &str) -> Value {
    let total = batch.requests.len();
    let failed = batch
        .requests
        .iter()
        .filter(|(c, _)| counts_for(b, c) != "succeeded")
        .count();
    let ended = batch.ended;
    let errors = b
        .fail_validation
        .as_ref()
        .filter(|_| status == "failed")
        .map(|m| json!({"object": "list", "data": [{"code": "invalid_request", "message": m, "line": 1}]}));
    json!({
        "id": id, "object": "batch", "endpoint": "/v1/chat/completions",
        "input_file_id": "file-x", "completion_window": "24h", "status": status,
        "output_file_id": (ended && status != "failed").then(|| format!("out-{id}")),
        "error_file_id": (ended && status != "failed" && failed > 0).then(|| format!("err-{id}")),
        "errors": errors,
        "created_at": batch.created_ms / 1000,
        "request_counts": {"total": total, "completed": if ended { total - failed } else { 0 },
            "failed": if ended { failed } else { 0 }},
        "metadata": batch.metadata,
    })
}

fn anthropic_batch(id: &str, batch: &Batch, b: &BatchBehaviour) -> Value {
    let n = batch.requests.len();
    let ended = batch.ended;
    let count = |kind: &str| {
        batch
            .requests
            .iter()
            .enumerate()
            .filter(|(i, (c, _))| {
                let done = !batch.cancelled || *i < n / 2;
                match kind {
                    "canceled" => !done,
                    k => done && counts_for(b, c) == k,
                }
            })
            .count()
    };
    let counts = if ended {
        json!({"processing": 0, "succeeded": count("succeeded"), "errored": count("errored"),
            "canceled": count("canceled"), "expired": count("expired")})
    } else {
        json!({"processing": n, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0})
    };
    let status = match (ended, batch.cancelled) {
        (true, _) => "ended",
        (false, true) => "canceling",
        _ => "in_progress",
    };
    json!({
        "id": id, "type": "message_batch", "processing_status": status,
        "request_counts": counts,
        "created_at": rfc3339(batch.created_ms),
        "expires_at": rfc3339(batch.created_ms + 86_400_000),
        "ended_at": ended.then(|| rfc3339(batch.created_ms + 1000)),
        "cancel_initiated_at": batch.cancelled.then(|| rfc3339(batch.created_ms + 500)),
        "results_url": ended.then(|| format!("https://api.anthropic.com/v1/messages/batches/{id}/results")),
    })
}
