//! Reading a streamed answer: SSE through `eventsource-stream` (Ollama: NDJSON lines), with an
//! idle timeout between chunks and cancellation. Each wire format supplies a [`Decoder`].

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::ProviderKind;
use crate::error::{CoreError, Result};
use crate::providers::error::ProviderErrorKind;
use crate::providers::{End, Exchange, StreamEvent};

/// One wire format's stream reader.
pub(crate) trait Decoder: Send {
    /// Handles one SSE event (`name`, `data`) or one NDJSON line (`name` empty); returns true
    /// once the answer is complete.
    fn event(
        &mut self,
        name: &str,
        data: &str,
        x: &mut Exchange,
        out: &mut dyn FnMut(StreamEvent),
    ) -> Result<bool>;
    /// Whether an end of stream without a completion marker still means a whole answer.
    fn complete_at_eof(&self, x: &Exchange) -> bool;
    /// NDJSON rather than SSE.
    fn ndjson(&self) -> bool {
        false
    }
}

/// `(event name, data)` pairs, or the error that cut the stream.
type Items = std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<(String, String)>> + Send>>;

enum Next {
    Item(Option<Result<(String, String)>>),
    Idle,
    Cancelled,
}

/// Reads `resp` to its end through `decoder`, filling `x` and emitting events.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn drive(
    resp: reqwest::Response,
    provider: ProviderKind,
    decoder: &mut dyn Decoder,
    x: &mut Exchange,
    out: &mut (dyn FnMut(StreamEvent) + Send),
    idle: std::time::Duration,
    cancel: &CancellationToken,
    started: Instant,
) {
    let provider_name = provider.display_name();
    // eventsource-stream slows down quadratically on very large chunks (a proxy that batches, a
    // fast local server): feed it slices of at most 8 KiB. `Bytes::slice` copies nothing.
    let bytes = resp
        .bytes_stream()
        .flat_map(|r| futures_util::stream::iter(slices(r)));
    let mut items: Items = if decoder.ndjson() {
        Box::pin(ndjson_lines(bytes))
    } else {
        Box::pin(bytes.eventsource().map(|r| match r {
            Ok(ev) => Ok((ev.event, ev.data)),
            Err(e) => Err(stream_error(&e.to_string())),
        }))
    };
    loop {
        let next = tokio::select! {
            r = tokio::time::timeout(idle, items.next()) => match r {
                Ok(item) => Next::Item(item),
                Err(_) => Next::Idle,
            },
            () = cancel.cancelled() => Next::Cancelled,
        };
        match next {
            Next::Cancelled => {
                x.end = End::Cancelled;
                return;
            }
            Next::Idle => {
                x.end = End::Interrupted(CoreError::Provider {
                    provider: provider_name,
                    kind: ProviderErrorKind::Timeout,
                    message: format!(
                        "no data for {} s; the stream was abandoned",
                        idle.as_secs_f64()
                    ),
                    status: None,
                    retry_after: None,
                });
                return;
            }
            Next::Item(None) => {
                x.end = if decoder.complete_at_eof(x) {
                    x.usage_final = x.usage.is_some();
                    End::Complete
                } else {
                    End::Interrupted(CoreError::Provider {
                        provider: provider_name,
                        kind: ProviderErrorKind::Network,
                        message: "the stream ended before the answer was complete".into(),
                        status: None,
                        retry_after: None,
                    })
                };
                return;
            }
            Next::Item(Some(Err(mut e))) => {
                if let CoreError::Provider { provider, .. } = &mut e {
                    *provider = provider_name;
                }
                x.end = End::Interrupted(e);
                return;
            }
            Next::Item(Some(Ok((name, data)))) => {
                let before = x.text.len();
                let mut emit = |ev: StreamEvent| out(ev);
                match decoder.event(&name, &data, x, &mut emit) {
                    Ok(done) => {
                        if x.ttft.is_none() && x.text.len() > before {
                            x.ttft = Some(started.elapsed());
                        }
                        if done {
                            x.end = End::Complete;
                            return;
                        }
                    }
                    Err(e) => {
                        x.end = End::Failed(e);
                        return;
                    }
                }
            }
        }
    }
}

const SLICE: usize = 8 * 1024;

fn slices(r: reqwest::Result<bytes::Bytes>) -> Vec<reqwest::Result<bytes::Bytes>> {
    match r {
        Ok(b) if b.len() > SLICE => (0..b.len())
            .step_by(SLICE)
            .map(|i| Ok(b.slice(i..(i + SLICE).min(b.len()))))
            .collect(),
        other => vec![other],
    }
}

fn stream_error(detail: &str) -> CoreError {
    CoreError::Provider {
        provider: "provider",
        kind: ProviderErrorKind::Network,
        message: format!("the stream was cut: {detail}"),
        status: None,
        retry_after: None,
    }
}

/// Splits a byte stream into non-empty lines (`BytesMut::split_to` keeps this linear).
pub(crate) fn ndjson_lines(
    bytes: impl futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send + 'static,
) -> impl futures_util::Stream<Item = Result<(String, String)>> + Send {
    let state = (Box::pin(bytes), bytes::BytesMut::new(), false);
    futures_util::stream::unfold(state, |(mut s, mut buf, mut ended)| async move {
        loop {
            if let Some(pos) = buf.iter().position(|b| *b == b'\n') {
                let line = buf.split_to(pos + 1);
                let text = String::from_utf8_lossy(&line).trim().to_string();
                if text.is_empty() {
                    continue;
                }
                return Some((Ok((String::new(), text)), (s, buf, ended)));
            }
            if ended {
                if buf.iter().all(u8::is_ascii_whitespace) {
                    return None;
                }
                let text = String::from_utf8_lossy(&buf.split()).trim().to_string();
                return Some((Ok((String::new(), text)), (s, buf, ended)));
            }
            match s.next().await {
                Some(Ok(chunk)) => buf.extend_from_slice(&chunk),
                Some(Err(e)) => {
                    ended = true;
                    buf.clear();
                    return Some((Err(stream_error(&e.to_string())), (s, buf, ended)));
                }
                None => ended = true,
            }
        }
    })
}
