//! The one shared HTTP client, timeouts, and retries with exponential backoff and jitter that
//! honour `retry-after-ms`, `retry-after` (seconds or an HTTP date, used when 0–60 s) and
//! `x-should-retry`, as the providers' own SDKs do.

use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, Response};
use std::time::{Duration, SystemTime};
use tokio_util::sync::CancellationToken;

use crate::ProviderKind;
use crate::error::{CoreError, Result};
use crate::money::NanoUsd;
use crate::providers::error::ProviderErrorKind;
use crate::providers::error::{error_from_status, invalid_response, scrubbed, transport_error};
use crate::providers::stream;
use crate::providers::wire::wire_format;
use crate::providers::{ChatRequest, DEFAULT_TIMEOUTS, Endpoint, Exchange, ModelInfo, StreamEvent};

/// Timeouts and retry policy (all user settings).
#[derive(Debug, Clone, PartialEq)]
pub struct HttpSettings {
    /// Connecting to the server.
    pub connect_timeout: Duration,
    /// The whole request, streaming included.
    pub overall_timeout: Duration,
    /// Silence between two stream chunks.
    pub idle_timeout: Duration,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff; doubles each retry, up to `max_backoff`.
    pub initial_backoff: Duration,
    /// Backoff ceiling.
    pub max_backoff: Duration,
}

impl Default for HttpSettings {
    fn default() -> HttpSettings {
        HttpSettings {
            connect_timeout: DEFAULT_TIMEOUTS.0,
            overall_timeout: DEFAULT_TIMEOUTS.1,
            idle_timeout: DEFAULT_TIMEOUTS.2,
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
        }
    }
}

/// Sends requests to providers. Cheap to clone; share one per process.
#[derive(Debug, Clone)]
pub struct ProviderClient {
    pub(super) http: reqwest::Client,
    settings: HttpSettings,
}

impl ProviderClient {
    /// A client with these settings. TLS is rustls with the `ring` provider; the system's CA
    /// roots are read on the first https handshake, so a run against a local server never
    /// reads them.
    pub fn new(settings: HttpSettings) -> Result<ProviderClient> {
        // Installing twice (a second client) is refused harmlessly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.overall_timeout)
            .user_agent(concat!("PromptLedger/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CoreError::invalid("HTTP client", e.to_string()))?;
        Ok(ProviderClient { http, settings })
    }

    /// The settings in force.
    pub fn settings(&self) -> &HttpSettings {
        &self.settings
    }

    /// Asks `endpoint` to answer `req`, streaming text and usage to `on_event`. Always returns
    /// what happened, including failures, so the run can be recorded.
    pub async fn chat(
        &self,
        ep: &Endpoint,
        req: &ChatRequest,
        on_event: &mut (dyn FnMut(StreamEvent) + Send),
        cancel: &CancellationToken,
    ) -> Exchange {
        let mut x = self.chat_unscrubbed(ep, req, on_event, cancel).await;
        x.end = match x.end {
            crate::providers::End::Failed(e) => crate::providers::End::Failed(scrubbed(e, ep)),
            crate::providers::End::Interrupted(e) => {
                crate::providers::End::Interrupted(scrubbed(e, ep))
            }
            other => other,
        };
        x
    }

    async fn chat_unscrubbed(
        &self,
        ep: &Endpoint,
        req: &ChatRequest,
        on_event: &mut (dyn FnMut(StreamEvent) + Send),
        cancel: &CancellationToken,
    ) -> Exchange {
        let started = tokio::time::Instant::now();
        let mut x = Exchange::new(ep.provider);
        let wire = wire_format(ep.provider);
        let build = |c: &reqwest::Client| wire.chat_request(c, ep, req);
        let resp = match self.send(ep.provider, build, cancel, &mut x.attempts).await {
            Ok(r) => r,
            Err(CoreError::Cancelled) => {
                x.end = crate::providers::End::Cancelled;
                return x;
            }
            Err(e) => {
                x.end = crate::providers::End::Failed(e);
                return x;
            }
        };
        x.request_id = request_id(resp.headers());
        x.rate_limits = crate::providers::RateLimits::from_headers(resp.headers());
        if req.stream {
            let mut decoder = wire.stream_decoder();
            stream::drive(
                resp,
                ep.provider,
                &mut *decoder,
                &mut x,
                on_event,
                self.settings.idle_timeout,
                cancel,
                started,
            )
            .await;
        } else {
            // A LiteLLM proxy says what it charged in a header (USD, maybe `1.35e-05`); a cost in
            // the body, read next, takes precedence.
            x.provider_cost = resp
                .headers()
                .get("x-litellm-response-cost")
                .and_then(|v| v.to_str().ok())
                .and_then(NanoUsd::from_usd_str);
            let body = tokio::select! {
                b = resp.bytes() => b,
                () = cancel.cancelled() => {
                    x.end = crate::providers::End::Cancelled;
                    return x;
                }
            };
            match body {
                Err(e) => x.end = crate::providers::End::Failed(transport_error(ep.provider, &e)),
                Ok(bytes) => {
                    let parsed = serde_json::from_slice::<serde_json::Value>(&bytes)
                        .map_err(|e| invalid_response(ep.provider, format!("not JSON: {e}")))
                        .and_then(|v| wire.parse_chat(&v, &mut x));
                    match parsed {
                        Ok(()) => {
                            x.ttft = Some(started.elapsed());
                            if !x.text.is_empty() {
                                on_event(StreamEvent::TextDelta(x.text.clone()));
                            }
                            if let Some(u) = x.usage {
                                on_event(StreamEvent::Usage(u));
                            }
                        }
                        Err(e) => x.end = crate::providers::End::Failed(e),
                    }
                }
            }
        }
        x
    }

    /// The models `endpoint` offers; also how a key is validated (costs no tokens).
    pub async fn list_models(&self, ep: &Endpoint) -> Result<Vec<ModelInfo>> {
        self.list_models_unscrubbed(ep)
            .await
            .map_err(|e| scrubbed(e, ep))
    }

    async fn list_models_unscrubbed(&self, ep: &Endpoint) -> Result<Vec<ModelInfo>> {
        let cancel = CancellationToken::new();
        let mut attempts = 0;
        let wire = wire_format(ep.provider);
        let build = |c: &reqwest::Client| wire.models_request(c, ep);
        let resp = self
            .send(ep.provider, build, &cancel, &mut attempts)
            .await?;
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| transport_error(ep.provider, &e))?;
        let v: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| invalid_response(ep.provider, format!("model list is not JSON: {e}")))?;
        let mut models = wire.parse_models(&v)?;
        models.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(models)
    }

    /// The body of a 2xx answer to the request `build` makes, with the same retries as a run
    /// (`retry-after` honoured) and the key scrubbed from any error. The billing APIs use it.
    pub(crate) async fn fetch(
        &self,
        ep: &Endpoint,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<bytes::Bytes> {
        let cancel = CancellationToken::new();
        let mut attempts = 0;
        let resp = self
            .send(ep.provider, build, &cancel, &mut attempts)
            .await
            .map_err(|e| scrubbed(e, ep))?;
        resp.bytes()
            .await
            .map_err(|e| scrubbed(transport_error(ep.provider, &e), ep))
    }

    /// Sends with retries. Errors are typed; `attempts` counts every HTTP attempt made.
    pub(super) async fn send(
        &self,
        provider: ProviderKind,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
        cancel: &CancellationToken,
        attempts: &mut u32,
    ) -> Result<Response> {
        loop {
            *attempts += 1;
            let result = tokio::select! {
                r = build(&self.http).send() => r,
                () = cancel.cancelled() => return Err(CoreError::Cancelled),
            };
            let (err, headers) = match result {
                Ok(resp) if resp.status().is_success() => return Ok(resp),
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    let body = tokio::select! {
                        b = resp.text() => b.unwrap_or_default(),
                        () = cancel.cancelled() => return Err(CoreError::Cancelled),
                    };
                    (
                        error_from_status(provider, status, retry_after(&headers), &body),
                        Some(headers),
                    )
                }
                Err(e) => (transport_error(provider, &e), None),
            };
            let kind = match &err {
                CoreError::Provider { kind, .. } => *kind,
                _ => ProviderErrorKind::InvalidResponse,
            };
            let should = match headers
                .as_ref()
                .and_then(|h| h.get("x-should-retry"))
                .and_then(|v| v.to_str().ok())
            {
                Some("true") => !matches!(
                    kind,
                    ProviderErrorKind::InvalidKey | ProviderErrorKind::QuotaExceeded
                ),
                Some("false") => false,
                _ => kind.retryable(),
            };
            if !should || *attempts > self.settings.max_retries {
                return Err(err);
            }
            let wait = headers
                .as_ref()
                .and_then(retry_after)
                .unwrap_or_else(|| backoff(&self.settings, *attempts));
            tracing::info!(
                provider = provider.as_str(),
                attempt = *attempts,
                ?wait,
                "retrying: {err}"
            );
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = cancel.cancelled() => return Err(CoreError::Cancelled),
            }
        }
    }
}

/// `min(initial × 2^(n−1), max)` scaled by a jitter in [0.75, 1].
fn backoff(s: &HttpSettings, attempt: u32) -> Duration {
    let exp = s
        .initial_backoff
        .saturating_mul(1u32 << (attempt.saturating_sub(1)).min(16));
    let capped = exp.min(s.max_backoff);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let jitter = 0.75 + f64::from(nanos % 1000) / 4000.0;
    capped.mul_f64(jitter)
}

/// The wait a server asked for: `retry-after-ms`, else `retry-after` in seconds or as an HTTP
/// date; only values from 0 to 60 s are honoured.
pub(crate) fn retry_after(h: &HeaderMap) -> Option<Duration> {
    let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let wait = if let Some(ms) = get("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        Duration::try_from_secs_f64(ms / 1000.0).ok()
    } else if let Some(v) = get("retry-after") {
        match v.parse::<f64>() {
            Ok(secs) => Duration::try_from_secs_f64(secs).ok(),
            Err(_) => httpdate::parse_http_date(v).ok().map(|when| {
                when.duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO)
            }),
        }
    } else {
        None
    }?;
    (wait <= Duration::from_secs(60)).then_some(wait)
}

/// The provider's request id header.
pub(super) fn request_id(h: &HeaderMap) -> Option<String> {
    ["x-request-id", "request-id", "x-goog-request-id"]
        .iter()
        .find_map(|n| h.get(*n).and_then(|v| v.to_str().ok()).map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_headers() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("3600"));
        assert_eq!(retry_after(&h), None, "over 60 s is ignored");
        let soon = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(5));
        h.insert("retry-after", HeaderValue::from_str(&soon).unwrap());
        let w = retry_after(&h).unwrap();
        assert!(
            w <= Duration::from_secs(5) && w >= Duration::from_secs(3),
            "{w:?}"
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_a_ceiling() {
        let s = HttpSettings::default();
        let b1 = backoff(&s, 1);
        assert!(
            b1 >= Duration::from_millis(375) && b1 <= Duration::from_millis(500),
            "{b1:?}"
        );
        let b3 = backoff(&s, 3);
        assert!(
            b3 >= Duration::from_millis(1500) && b3 <= Duration::from_millis(2000),
            "{b3:?}"
        );
        assert!(backoff(&s, 10) <= Duration::from_secs(8));
    }
}
