//! Settings → Team export: the collector's endpoint, protocol and headers (secret ones in the OS
//! keychain, never in the store file or the ledger), a Langfuse preset, *Send test span*,
//! *Export history* with progress, and the live backlog. A background task sends the outbox:
//! at start-up (what a killed app left), then whenever runs are waiting and due.

use promptledger_core::analytics::{DashboardQuery, Period};
use promptledger_core::ledger::otlp::{OtlpBacklog, OtlpProtocol, OtlpSettings};
use promptledger_core::otel::{self, Drained, Exporter, Sent, SpanOptions};
use promptledger_core::vault::{KeyringStore, Secret, SecretStore};
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use ts_rs::TS;

use crate::commands::analytics::ExportProgress;
use crate::error::{CmdResult, UiError};
use crate::state::AppState;
use promptledger_core::ErrorCode;

/// One header as the form edits it.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HeaderInput {
    name: String,
    /// The value; for a secret header `None` keeps the saved one.
    value: Option<String>,
    /// Kept in the OS keychain, never shown again.
    secret: bool,
}

/// The Team export form.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OtlpInput {
    enabled: bool,
    endpoint: String,
    /// `http/protobuf` or `http/json`.
    protocol: String,
    headers: Vec<HeaderInput>,
    include_text: bool,
}

/// The Team export section: settings (secret values never included) and the backlog.
#[derive(Debug, Clone, Serialize, TS)]
pub struct OtlpView {
    settings: OtlpSettings,
    backlog: OtlpBacklog,
    /// The traces URL the settings resolve to, when valid.
    traces_url: Option<String>,
}

/// What *Send test span* found.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TestSpan {
    accepted: bool,
    message: String,
}

fn view(state: &AppState) -> CmdResult<OtlpView> {
    state.with_ledger(|l| {
        let settings = l.otlp_settings()?;
        Ok(OtlpView {
            traces_url: otel::traces_url(&settings.endpoint).ok(),
            backlog: l.otlp_backlog()?,
            settings,
        })
    })
}

/// The settings and the backlog.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn otlp_get(state: State<'_, AppState>) -> CmdResult<OtlpView> {
    view(&state)
}

/// Saves the settings; secret header values go to the keychain (inbound only).
#[tauri::command]
#[tracing::instrument(skip(state, input), err(level = "info"))]
pub async fn otlp_set(state: State<'_, AppState>, input: OtlpInput) -> CmdResult<OtlpView> {
    let endpoint = input.endpoint.trim().to_string();
    if input.enabled || !endpoint.is_empty() {
        otel::traces_url(&endpoint)?;
    }
    let protocol = OtlpProtocol::parse(&input.protocol)?;
    let mut headers = Vec::new();
    let mut secret_headers = Vec::new();
    let saved = state.with_ledger(|l| Ok(l.otlp_settings()?))?;
    for h in input.headers.iter().filter(|h| !h.name.trim().is_empty()) {
        let name = h.name.trim().to_string();
        if h.secret {
            match h.value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                Some(v) => {
                    promptledger_core::keys::parse_header(&format!("{name}: {v}"))?;
                    KeyringStore.put(&otel::secret_entry(&name), &Secret::new(v))?;
                }
                None if saved.secret_headers.contains(&name) => {}
                None => {
                    return Err(UiError::new(
                        ErrorCode::InvalidInput,
                        format!("give a value for the secret header {name}"),
                    ));
                }
            }
            secret_headers.push(name);
        } else {
            let value = h.value.clone().unwrap_or_default();
            let (n, v) = promptledger_core::keys::parse_header(&format!("{name}: {value}"))?;
            headers.push((n, v));
        }
    }
    for gone in saved
        .secret_headers
        .iter()
        .filter(|n| !secret_headers.contains(n))
    {
        KeyringStore.delete(&otel::secret_entry(gone))?;
    }
    let settings = OtlpSettings {
        enabled: input.enabled,
        endpoint,
        protocol,
        headers,
        secret_headers,
        include_text: input.include_text,
    };
    state.with_ledger(|l| Ok(l.set_otlp_settings(&settings)?))?;
    view(&state)
}

/// Fills the form for Langfuse: its OTLP endpoint on `host`, real-time ingestion, and Basic
/// auth from the key pair (kept in the keychain). The export is turned on.
#[tauri::command]
#[tracing::instrument(skip(state, public_key, secret_key), err(level = "info"))]
pub async fn otlp_langfuse(
    state: State<'_, AppState>,
    host: String,
    public_key: String,
    secret_key: String,
) -> CmdResult<OtlpView> {
    if public_key.trim().is_empty() || secret_key.trim().is_empty() {
        return Err(UiError::new(
            ErrorCode::InvalidInput,
            "give the Langfuse public and secret keys (Settings → API keys in Langfuse)",
        ));
    }
    let endpoint = otel::langfuse_endpoint(if host.trim().is_empty() {
        "https://cloud.langfuse.com"
    } else {
        &host
    });
    otel::traces_url(&endpoint)?;
    KeyringStore.put(
        &otel::secret_entry("Authorization"),
        &Secret::new(otel::basic_auth(&public_key, &secret_key)),
    )?;
    let settings = OtlpSettings {
        enabled: true,
        endpoint,
        protocol: OtlpProtocol::HttpProtobuf,
        headers: vec![("x-langfuse-ingestion-version".into(), "4".into())],
        secret_headers: vec!["Authorization".into()],
        include_text: state.with_ledger(|l| Ok(l.otlp_settings()?.include_text))?,
    };
    state.with_ledger(|l| Ok(l.set_otlp_settings(&settings)?))?;
    view(&state)
}

fn exporter(state: &AppState) -> CmdResult<(Exporter, String, SpanOptions)> {
    let settings = state.with_ledger(|l| Ok(l.otlp_settings()?))?;
    let salt = state.with_ledger(|l| Ok(otel::salt(l)?))?;
    let exporter = Exporter::new(&otel::target(&settings, &KeyringStore)?)?;
    Ok((
        exporter,
        salt,
        SpanOptions {
            include_text: settings.include_text,
        },
    ))
}

/// Sends one span that stands for no run, and says what the collector answered.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn otlp_test_span(state: State<'_, AppState>) -> CmdResult<TestSpan> {
    let (exporter, _, _) = exporter(&state)?;
    Ok(match otel::send_test_span(&exporter).await {
        Sent::Accepted { rejected: 0, .. } => TestSpan {
            accepted: true,
            message: "The collector accepted the test span.".into(),
        },
        Sent::Accepted { message, .. } => TestSpan {
            accepted: false,
            message: format!(
                "The collector answered but rejected the span: {}",
                message.unwrap_or_default()
            ),
        },
        Sent::Later { error, .. } | Sent::Refused { error } => TestSpan {
            accepted: false,
            message: error,
        },
    })
}

/// Sends what is waiting now (and puts refused runs back when `retry_refused`).
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn otlp_flush(state: State<'_, AppState>, retry_refused: bool) -> CmdResult<Drained> {
    if retry_refused {
        state.with_ledger(|l| Ok(l.otlp_retry_refused()?))?;
    }
    let (exporter, salt, opts) = exporter(&state)?;
    let ledger = state.ledger_handle()?;
    Ok(otel::drain(&ledger, &exporter, &salt, opts, None).await?)
}

/// Backfills a period's runs (filters as on Analytics), reporting progress.
#[tauri::command]
#[tracing::instrument(skip(state, channel), err(level = "info"))]
pub async fn otlp_export_history(
    state: State<'_, AppState>,
    query: DashboardQuery,
    channel: Channel<ExportProgress>,
) -> CmdResult<Drained> {
    let (exporter, salt, opts) = exporter(&state)?;
    let ledger = state.ledger_handle()?;
    let range = {
        let l = promptledger_core::error::lock(&ledger, "ledger")?;
        let today = l.time_zone().today();
        let period: &Period = &query.period;
        period.range(today)?
    };
    let mut last = std::time::Instant::now();
    let mut progress = |done: u64, total: u64| {
        if last.elapsed().as_millis() >= 100 || done >= total {
            last = std::time::Instant::now();
            let _ = channel.send(ExportProgress::new(done, total));
        }
    };
    Ok(otel::backfill(
        &ledger,
        &exporter,
        &salt,
        opts,
        Some(&range),
        &query.filters,
        &mut progress,
    )
    .await?)
}

/// Sends the outbox in the background: at start-up, then every 2 s when runs are due.
pub fn spawn_sender(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        loop {
            let state = app.state::<AppState>();
            let due = state
                .with_ledger(|l| {
                    let s = l.otlp_settings()?;
                    let next = l.otlp_next_due()?;
                    Ok(s.enabled && next.is_some_and(|n| n <= promptledger_core::ledger::now_ms()))
                })
                .unwrap_or(false);
            if due
                && let Ok((exporter, salt, opts)) = exporter(&state)
                && let Ok(ledger) = state.ledger_handle()
            {
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
                match otel::drain(&ledger, &exporter, &salt, opts, Some(deadline)).await {
                    Ok(d) if d.sent > 0 => tracing::info!(
                        accepted = d.accepted,
                        rejected = d.rejected,
                        left = d.left,
                        "team export"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::info!("team export: {e}"),
                }
            }
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        }
    });
}
