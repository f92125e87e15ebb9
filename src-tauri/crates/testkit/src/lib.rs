//! Test support: a loopback HTTP/1.1 server that replays scripted replies, and builders for the
//! bodies each provider really sends — JSON, SSE and NDJSON streams, error bodies with
//! `retry-after`, streams cut mid-way, servers that stall.
//!
//! The server runs on its own thread and runtime, so both async tests and tests that drive the
//! built CLI binary can use it. It only ever listens on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod batch;
pub mod billing;
pub mod operations;
pub mod otlp;
pub mod wire;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How a streamed body ends.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEnd {
    /// The terminating chunk: a normal end.
    Finish,
    /// The connection is dropped without the terminating chunk (a reset mid-stream).
    Cut,
    /// Nothing more is sent and the connection stays open.
    Stall,
}

/// One scripted reply.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A whole body.
    Body {
        /// HTTP status.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// Content type.
        content_type: String,
        /// The body.
        body: String,
    },
    /// A chunked body sent piece by piece.
    Stream {
        /// HTTP status.
        status: u16,
        /// Content type (`text/event-stream`, `application/x-ndjson`).
        content_type: String,
        /// Delay before each piece, and the piece.
        chunks: Vec<(Duration, String)>,
        /// How it ends.
        end: StreamEnd,
    },
    /// A whole binary body (audio).
    Bytes {
        /// Content type.
        content_type: String,
        /// The body.
        body: Vec<u8>,
    },
    /// Reads the request and never answers.
    Stall,
    /// Waits, then sends the inner reply (a slow provider).
    Delayed(Duration, Box<Reply>),
}

impl Reply {
    /// 200 with a JSON body.
    pub fn json(body: impl Into<String>) -> Reply {
        Reply::status_json(200, body)
    }

    /// `status` with a JSON body.
    pub fn status_json(status: u16, body: impl Into<String>) -> Reply {
        Reply::Body {
            status,
            headers: Vec::new(),
            content_type: "application/json".into(),
            body: body.into(),
        }
    }

    /// Adds a header (only to whole bodies).
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Body { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }

    /// A stream of `pieces` sent without delay, then `end`.
    pub fn stream(content_type: &str, pieces: Vec<String>, end: StreamEnd) -> Reply {
        Reply::Stream {
            status: 200,
            content_type: content_type.into(),
            chunks: pieces.into_iter().map(|p| (Duration::ZERO, p)).collect(),
            end,
        }
    }

    /// Answers only after `delay`.
    pub fn after(self, delay: Duration) -> Reply {
        Reply::Delayed(delay, Box::new(self))
    }

    /// Waits `delay` before every piece of a stream (no effect on other replies).
    pub fn paced(mut self, delay: Duration) -> Reply {
        if let Reply::Stream { chunks, .. } = &mut self {
            for c in chunks.iter_mut() {
                c.0 = delay;
            }
        }
        self
    }
}

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `POST`, `GET`…
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body text.
    pub body: String,
    /// The body as sent (binary bodies: protobuf, gzip).
    pub bytes: Vec<u8>,
    /// When the server read it.
    pub at: std::time::Instant,
}

impl Recorded {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// Answers a request by looking at it (a server with routes and state).
pub type Handler = Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>;

/// Where replies come from: a script played in order, or a handler.
#[derive(Clone)]
enum Source {
    Script(Arc<Mutex<VecDeque<Reply>>>),
    Handler(Handler),
}

/// A loopback server replaying [`Reply`]s in order (the last one repeats).
pub struct FakeServer {
    url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    load: Arc<Mutex<Load>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// Requests being answered now, and the most there ever were at once.
#[derive(Debug, Default)]
struct Load {
    now: usize,
    max: usize,
}

impl FakeServer {
    /// Starts serving `replies` on 127.0.0.1 at a free port.
    pub fn start(replies: Vec<Reply>) -> FakeServer {
        Self::serve(Source::Script(Arc::new(Mutex::new(VecDeque::from(
            replies,
        )))))
    }

    /// Starts a server whose replies `handler` chooses per request.
    pub fn with_handler(
        handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> FakeServer {
        Self::serve(Source::Handler(Arc::new(handler)))
    }

    /// Starts a server whose replies `handler` chooses, on a given loopback port (a service that
    /// was down and comes back at the same address).
    pub fn with_handler_on(
        port: u16,
        handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> FakeServer {
        Self::serve_at(Source::Handler(Arc::new(handler)), port)
    }

    fn serve(queue: Source) -> FakeServer {
        Self::serve_at(queue, 0)
    }

    fn serve_at(queue: Source, port: u16) -> FakeServer {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let load = Arc::new(Mutex::new(Load::default()));
        let served_load = load.clone();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let recorded = requests.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let serve = async {
                    loop {
                        let Ok((sock, _)) = listener.accept().await else {
                            continue;
                        };
                        let (queue, recorded) = (queue.clone(), recorded.clone());
                        let load = served_load.clone();
                        tokio::spawn(async move {
                            let _ = handle(sock, queue, recorded, load).await;
                        });
                    }
                };
                tokio::select! {
                    () = serve => {}
                    _ = stop_rx => {}
                }
            });
        });
        let addr = addr_rx.recv().unwrap();
        FakeServer {
            url: format!("http://{addr}"),
            requests,
            load,
            stop: Some(stop_tx),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// Number of requests received.
    pub fn hits(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    /// The most requests the server was answering at once (from reading a request to the end
    /// of its reply).
    pub fn max_concurrent(&self) -> usize {
        self.load.lock().unwrap().max
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Counts a request as being answered until it is dropped.
struct InFlight(Arc<Mutex<Load>>);

impl InFlight {
    fn start(load: Arc<Mutex<Load>>) -> InFlight {
        {
            let mut l = load.lock().unwrap();
            l.now += 1;
            l.max = l.max.max(l.now);
        }
        InFlight(load)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Ok(mut l) = self.0.lock() {
            l.now = l.now.saturating_sub(1);
        }
    }
}

async fn handle(
    mut sock: TcpStream,
    queue: Source,
    recorded: Arc<Mutex<Vec<Recorded>>>,
    load: Arc<Mutex<Load>>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 8192];
    let head_end = loop {
        let n = sock.read(&mut tmp).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.lines();
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_string();
    let path = first.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = sock.read(&mut tmp).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&tmp[..n]);
    }
    let bytes = buf[head_end..(head_end + len).min(buf.len())].to_vec();
    let body = String::from_utf8_lossy(&bytes).to_string();
    let _answering = InFlight::start(load);
    let req = Recorded {
        method,
        path,
        headers,
        body,
        bytes,
        at: std::time::Instant::now(),
    };
    recorded.lock().unwrap().push(req.clone());
    let reply = match &queue {
        Source::Script(queue) => {
            let mut q = queue.lock().unwrap();
            if q.len() > 1 {
                q.pop_front()
            } else {
                q.front().cloned()
            }
        }
        Source::Handler(h) => Some(h(&req)),
    };
    let mut reply =
        reply.unwrap_or_else(|| Reply::status_json(500, r#"{"error":"no scripted reply"}"#));
    while let Reply::Delayed(d, inner) = reply {
        tokio::time::sleep(d).await;
        reply = *inner;
    }
    match reply {
        Reply::Body {
            status,
            headers,
            content_type,
            body,
        } => {
            let mut out = format!(
                "HTTP/1.1 {status} {}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n",
                reason(status),
                body.len()
            );
            for (k, v) in headers {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
            out.push_str("\r\n");
            out.push_str(&body);
            sock.write_all(out.as_bytes()).await?;
            sock.shutdown().await?;
        }
        Reply::Stream {
            status,
            content_type,
            chunks,
            end,
        } => {
            let head = format!(
                "HTTP/1.1 {status} {}\r\ncontent-type: {content_type}\r\ntransfer-encoding: chunked\r\nconnection: close\r\nx-request-id: req_fake_stream\r\n\r\n",
                reason(status)
            );
            sock.write_all(head.as_bytes()).await?;
            for (delay, piece) in chunks {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                sock.write_all(format!("{:x}\r\n{piece}\r\n", piece.len()).as_bytes())
                    .await?;
                sock.flush().await?;
            }
            match end {
                StreamEnd::Finish => {
                    sock.write_all(b"0\r\n\r\n").await?;
                    sock.shutdown().await?;
                }
                StreamEnd::Cut => drop(sock),
                StreamEnd::Stall => tokio::time::sleep(Duration::from_secs(3600)).await,
            }
        }
        Reply::Bytes { content_type, body } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\nx-request-id: req_fake_audio\r\n\r\n",
                body.len()
            );
            sock.write_all(head.as_bytes()).await?;
            sock.write_all(&body).await?;
            sock.shutdown().await?;
        }
        Reply::Stall | Reply::Delayed(..) => tokio::time::sleep(Duration::from_secs(3600)).await,
    }
    Ok(())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        529 => "Overloaded",
        _ => "Status",
    }
}
