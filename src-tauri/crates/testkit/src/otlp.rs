//! A loopback OTLP/HTTP trace receiver: decodes what it is sent (protobuf or JSON, gzip or not)
//! into spans with their attributes as JSON values, and answers as scripted — 200, 200 with a
//! partial success, 503 with `Retry-After`, 400 — so tests can assert what a collector saw and
//! how the exporter reacts. Every request is recorded.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::{Arc, Mutex};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use prost::Message;
use serde_json::{Value, json};

use crate::{FakeServer, Recorded, Reply};

/// A span as the receiver decoded it.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// Name.
    pub name: String,
    /// Trace id, hex.
    pub trace_id: String,
    /// Span id, hex.
    pub span_id: String,
    /// Kind (3 = CLIENT).
    pub kind: i32,
    /// Start, ns since the epoch.
    pub start_ns: u64,
    /// End, ns since the epoch.
    pub end_ns: u64,
    /// Status code (0 unset, 1 ok, 2 error) and message.
    pub status: (i32, String),
    /// Attributes: strings, integers (as i64), doubles, bools, string arrays.
    pub attributes: BTreeMap<String, Value>,
    /// The resource's attributes.
    pub resource: BTreeMap<String, Value>,
    /// `protobuf` or `json`, and whether it came gzipped.
    pub encoding: (String, bool),
}

impl Span {
    /// An attribute.
    pub fn attr(&self, key: &str) -> &Value {
        self.attributes.get(key).unwrap_or(&Value::Null)
    }
}

fn any(v: Option<&opentelemetry_proto::tonic::common::v1::AnyValue>) -> Value {
    match v.and_then(|v| v.value.as_ref()) {
        Some(Any::StringValue(s)) => json!(s),
        Some(Any::IntValue(i)) => json!(i),
        Some(Any::DoubleValue(d)) => json!(d),
        Some(Any::BoolValue(b)) => json!(b),
        Some(Any::ArrayValue(a)) => Value::Array(a.values.iter().map(|x| any(Some(x))).collect()),
        _ => Value::Null,
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Decodes one export request.
pub fn decode(r: &Recorded) -> Vec<Span> {
    let gz = r.header("content-encoding") == Some("gzip");
    let raw = if gz {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&r.bytes[..])
            .read_to_end(&mut out)
            .expect("gzip body");
        out
    } else {
        r.bytes.clone()
    };
    let json_body = r.header("content-type").is_some_and(|c| c.contains("json"));
    let req: ExportTraceServiceRequest = if json_body {
        serde_json::from_slice(&raw).expect("OTLP JSON body")
    } else {
        ExportTraceServiceRequest::decode(&raw[..]).expect("OTLP protobuf body")
    };
    let mut out = Vec::new();
    for rs in &req.resource_spans {
        let resource: BTreeMap<String, Value> = rs
            .resource
            .iter()
            .flat_map(|r| r.attributes.iter())
            .map(|kv| (kv.key.clone(), any(kv.value.as_ref())))
            .collect();
        for ss in &rs.scope_spans {
            for s in &ss.spans {
                out.push(Span {
                    name: s.name.clone(),
                    trace_id: hex(&s.trace_id),
                    span_id: hex(&s.span_id),
                    kind: s.kind,
                    start_ns: s.start_time_unix_nano,
                    end_ns: s.end_time_unix_nano,
                    status: s
                        .status
                        .as_ref()
                        .map(|st| (st.code, st.message.clone()))
                        .unwrap_or_default(),
                    attributes: s
                        .attributes
                        .iter()
                        .map(|kv| (kv.key.clone(), any(kv.value.as_ref())))
                        .collect(),
                    resource: resource.clone(),
                    encoding: (if json_body { "json" } else { "protobuf" }.into(), gz),
                });
            }
        }
    }
    out
}

/// A scripted answer.
#[derive(Debug, Clone)]
pub enum Answer {
    /// 200 with an empty `ExportTraceServiceResponse`.
    Ok,
    /// 200 rejecting this many spans.
    Partial(i64),
    /// An error status, with a `Retry-After` in seconds when given.
    Status(u16, Option<u32>),
}

/// The receiver.
pub struct Receiver {
    server: FakeServer,
    spans: Arc<Mutex<Vec<Span>>>,
    script: Arc<Mutex<Vec<Answer>>>,
}

impl Receiver {
    /// Starts a receiver answering `script` in order (the last answer repeats; empty: 200).
    pub fn start(script: Vec<Answer>) -> Receiver {
        Self::start_on(0, script)
    }

    /// [`Receiver::start`] on a given port (0: any free one).
    pub fn start_on(port: u16, script: Vec<Answer>) -> Receiver {
        let spans = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(script));
        let (keep, answers) = (spans.clone(), script.clone());
        let server = FakeServer::with_handler_on(port, move |r| {
            if r.method != "POST" || !r.path.ends_with("/v1/traces") {
                return Reply::status_json(404, "{}");
            }
            let answer = {
                let mut a = answers.lock().unwrap();
                if a.len() > 1 {
                    a.remove(0)
                } else {
                    a.first().cloned().unwrap_or(Answer::Ok)
                }
            };
            let json_body = r.header("content-type").is_some_and(|c| c.contains("json"));
            match answer {
                Answer::Ok | Answer::Partial(_) => {
                    keep.lock().unwrap().extend(decode(r));
                    let rejected = if let Answer::Partial(n) = answer {
                        n
                    } else {
                        0
                    };
                    if json_body {
                        let body = if rejected > 0 {
                            json!({"partialSuccess": {"rejectedSpans": rejected.to_string(), "errorMessage": "spans too old"}})
                        } else {
                            json!({})
                        };
                        Reply::json(body.to_string())
                    } else {
                        use opentelemetry_proto::tonic::collector::trace::v1::{
                            ExportTracePartialSuccess, ExportTraceServiceResponse,
                        };
                        let resp = ExportTraceServiceResponse {
                            partial_success: (rejected > 0).then(|| ExportTracePartialSuccess {
                                rejected_spans: rejected,
                                error_message: "spans too old".into(),
                            }),
                        };
                        Reply::Body {
                            status: 200,
                            headers: Vec::new(),
                            content_type: "application/x-protobuf".into(),
                            // Raw protobuf bytes as a string body: the fake writes them as they are.
                            body: String::from_utf8(resp.encode_to_vec()).unwrap_or_default(),
                        }
                    }
                }
                Answer::Status(code, retry) => {
                    let reply =
                        Reply::status_json(code, r#"{"code":3,"message":"the receiver says no"}"#);
                    match retry {
                        Some(s) => reply.header("retry-after", &s.to_string()),
                        None => reply,
                    }
                }
            }
        });
        Receiver {
            server,
            spans,
            script,
        }
    }

    /// The base URL (`http://127.0.0.1:PORT`); traces go to `/v1/traces` under it.
    pub fn url(&self) -> &str {
        self.server.url()
    }

    /// Every span accepted so far.
    pub fn spans(&self) -> Vec<Span> {
        self.spans.lock().unwrap().clone()
    }

    /// Every request received (accepted or not).
    pub fn requests(&self) -> Vec<Recorded> {
        self.server.requests()
    }

    /// Replaces the script.
    pub fn answer(&self, script: Vec<Answer>) {
        *self.script.lock().unwrap() = script;
    }
}
