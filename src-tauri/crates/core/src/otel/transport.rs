//! Sending spans with the maintained exporter (`opentelemetry-otlp`: OTLP/HTTP protobuf or
//! JSON, gzip) through PromptLedger's own HTTP client, which keeps the collector's answer — its
//! status, `Retry-After` and body — so the outbox can tell "accepted" (and how many spans a
//! partial success rejected) from "wait and try again" (429/502/503/504, a network error) and
//! "refused for good" (400, 413, any other status). The exporter's own retries are off: the
//! outbox retries, across restarts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{
    Compression, Protocol, RetryPolicy, SpanExporter, WithExportConfig, WithHttpConfig,
};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SpanData, SpanExporter as _};
use prost::Message;

use crate::error::{CoreError, Result};
use crate::ledger::otlp::OtlpProtocol;

/// The most a collector's answer body is read (it is a tiny message).
const MAX_ANSWER: usize = 1 << 20;

/// What a collector said of one export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// 2xx: every span is accepted but `rejected` (a partial success, not retried).
    Accepted {
        /// Spans the collector said it rejected.
        rejected: i64,
        /// Its message about them.
        message: Option<String>,
    },
    /// Try again later (429/502/503/504 or no answer); `after` when the collector said when.
    Later {
        /// The collector's `Retry-After`.
        after: Option<Duration>,
        /// What happened.
        error: String,
    },
    /// Refused for good (400, 413, …): not sent again.
    Refused {
        /// What the collector said.
        error: String,
    },
}

#[derive(Debug, Default)]
struct Answer {
    status: u16,
    retry_after: Option<Duration>,
    body: Bytes,
}

/// reqwest underneath the exporter, remembering the last answer.
#[derive(Debug, Clone)]
struct Recording {
    http: reqwest::Client,
    last: Arc<Mutex<Option<Answer>>>,
}

#[async_trait::async_trait]
impl HttpClient for Recording {
    async fn send_bytes(
        &self,
        request: Request<Bytes>,
    ) -> std::result::Result<Response<Bytes>, HttpError> {
        let (parts, body) = request.into_parts();
        let mut rb = self.http.request(parts.method, parts.uri.to_string());
        for (k, v) in &parts.headers {
            rb = rb.header(k, v);
        }
        let resp = rb.body(body).send().await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let mut bytes = Vec::new();
        let mut resp = resp;
        while let Some(chunk) = resp.chunk().await? {
            if bytes.len() + chunk.len() > MAX_ANSWER {
                break;
            }
            bytes.extend_from_slice(&chunk);
        }
        let body = Bytes::from(bytes);
        if let Ok(mut last) = self.last.lock() {
            *last = Some(Answer {
                status: status.as_u16(),
                retry_after: crate::providers::retry_after_of(&headers),
                body: body.clone(),
            });
        }
        let mut out = Response::builder().status(status);
        for (k, v) in &headers {
            out = out.header(k, v);
        }
        Ok(out.body(body)?)
    }
}

/// Where spans go.
#[derive(Debug, Clone)]
pub struct Target {
    /// The full traces URL (`…/v1/traces`).
    pub url: String,
    /// Encoding.
    pub protocol: OtlpProtocol,
    /// Every header, secret ones included (never logged).
    pub headers: Vec<(String, String)>,
    /// How long one export may take.
    pub timeout: Duration,
}

/// The traces URL for a configured endpoint: a base gets `/v1/traces`, a full one stays.
pub fn traces_url(endpoint: &str) -> Result<String> {
    let e = endpoint.trim().trim_end_matches('/');
    if !(e.starts_with("http://") || e.starts_with("https://")) {
        return Err(CoreError::invalid(
            "endpoint",
            format!("`{e}` is not an http(s) URL"),
        ));
    }
    reqwest::Url::parse(e)
        .map_err(|err| CoreError::invalid("endpoint", format!("`{e}`: {err}")))?;
    Ok(if e.ends_with("/v1/traces") {
        e.to_string()
    } else {
        format!("{e}/v1/traces")
    })
}

/// An exporter for one target.
pub struct Exporter {
    inner: SpanExporter,
    last: Arc<Mutex<Option<Answer>>>,
    protocol: OtlpProtocol,
}

impl std::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exporter")
            .field("protocol", &self.protocol)
            .finish()
    }
}

impl Exporter {
    /// An exporter sending to `t` (gzip on), with PromptLedger's resource.
    pub fn new(t: &Target) -> Result<Exporter> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(t.timeout)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("PromptLedger/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CoreError::invalid("HTTP client", e.to_string()))?;
        let last = Arc::new(Mutex::new(None));
        let headers: HashMap<String, String> = t.headers.iter().cloned().collect();
        let mut inner = SpanExporter::builder()
            .with_http()
            .with_http_client(Recording {
                http,
                last: last.clone(),
            })
            .with_endpoint(t.url.clone())
            .with_protocol(match t.protocol {
                OtlpProtocol::HttpProtobuf => Protocol::HttpBinary,
                OtlpProtocol::HttpJson => Protocol::HttpJson,
            })
            .with_headers(headers)
            .with_compression(Compression::Gzip)
            .with_timeout(t.timeout)
            .with_retry_policy(RetryPolicy::disabled())
            .build()
            .map_err(|e| CoreError::invalid("endpoint", e.to_string()))?;
        inner.set_resource(
            &Resource::builder_empty()
                .with_service_name("promptledger")
                .with_attribute(opentelemetry::KeyValue::new(
                    "service.version",
                    env!("CARGO_PKG_VERSION"),
                ))
                .build(),
        );
        Ok(Exporter {
            inner,
            last,
            protocol: t.protocol,
        })
    }

    /// Sends `spans` once and says how the collector answered.
    pub async fn send(&self, spans: Vec<SpanData>) -> Sent {
        if let Ok(mut l) = self.last.lock() {
            *l = None;
        }
        let result = self.inner.export(spans).await;
        let answer = self.last.lock().ok().and_then(|mut l| l.take());
        match (result, answer) {
            (_, Some(a)) if (200..300).contains(&a.status) => {
                let (rejected, message) = partial_success(&a.body, self.protocol);
                Sent::Accepted { rejected, message }
            }
            (_, Some(a)) if matches!(a.status, 429 | 502 | 503 | 504) => Sent::Later {
                after: a.retry_after,
                error: format!("the collector answered HTTP {}{}", a.status, said(&a.body)),
            },
            (_, Some(a)) => Sent::Refused {
                error: format!(
                    "the collector refused the spans: HTTP {}{}",
                    a.status,
                    said(&a.body)
                ),
            },
            (Err(e), None) => Sent::Later {
                after: None,
                error: format!(
                    "the collector is unreachable: {}",
                    unreachable(&e.to_string())
                ),
            },
            (Ok(()), None) => Sent::Later {
                after: None,
                error: "the collector gave no answer".into(),
            },
        }
    }
}

/// What the collector's error body says (a line of it).
fn said(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line: String = text.trim().chars().take(200).collect();
    if line.is_empty() {
        String::new()
    } else {
        format!(": {}", crate::redact::redact(&line, &[]))
    }
}

fn unreachable(e: &str) -> String {
    let short: String = e.chars().take(200).collect();
    crate::redact::redact(&short, &[])
}

/// Spans a 2xx rejected (`partialSuccess`), and why.
fn partial_success(body: &[u8], protocol: OtlpProtocol) -> (i64, Option<String>) {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
    if body.is_empty() {
        return (0, None);
    }
    match protocol {
        OtlpProtocol::HttpProtobuf => match ExportTraceServiceResponse::decode(body) {
            Ok(r) => r
                .partial_success
                .map(|p| {
                    (
                        p.rejected_spans,
                        (!p.error_message.is_empty()).then_some(p.error_message),
                    )
                })
                .unwrap_or((0, None)),
            Err(_) => (0, None),
        },
        OtlpProtocol::HttpJson => {
            let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
            let p = &v["partialSuccess"];
            let rejected = p["rejectedSpans"]
                .as_i64()
                .or_else(|| p["rejectedSpans"].as_str().and_then(|s| s.parse().ok()))
                .unwrap_or(0);
            let message = p["errorMessage"]
                .as_str()
                .filter(|m| !m.is_empty())
                .map(str::to_string);
            (rejected, message)
        }
    }
}
