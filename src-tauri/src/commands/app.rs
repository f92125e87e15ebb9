//! `app_info`: what the About and status areas show.

use promptledger_core::pricing::TableVersion;
use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use crate::error::{CmdResult, UiError};
use crate::state::AppState;

/// Facts about this installation.
#[derive(Debug, Serialize, TS)]
pub struct AppInfo {
    /// App version.
    pub version: &'static str,
    /// The ledger file.
    pub ledger_path: Option<String>,
    /// Its schema version.
    pub schema_version: Option<i64>,
    /// The price table in use.
    pub price_table: TableVersion,
    /// Why the ledger could not be opened.
    pub startup_error: Option<UiError>,
    /// A start-up notice for the user.
    pub notice: Option<String>,
}

/// Facts about this installation.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn app_info(state: State<'_, AppState>) -> CmdResult<AppInfo> {
    let schema_version = state.with_ledger(|l| Ok(l.schema_version()?)).ok();
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION"),
        ledger_path: state.ledger_path.as_ref().map(|p| p.display().to_string()),
        schema_version,
        price_table: state.pricer().table().version().clone(),
        startup_error: state.startup_error.clone(),
        notice: state.notice.clone(),
    })
}

/// Opens a link from an answer in the system browser — never inside the window. Only http,
/// https and mailto links are opened. With `PROMPTLEDGER_OPEN_LOG` set (tests), the link is
/// appended to that file instead.
#[tauri::command]
#[tracing::instrument(skip(app), err(level = "info"))]
pub async fn open_link(app: tauri::AppHandle, url: String) -> CmdResult<()> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| {
        UiError::new(
            promptledger_core::ErrorCode::InvalidInput,
            format!("not a link: {e}"),
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https" | "mailto") {
        return Err(UiError::new(
            promptledger_core::ErrorCode::InvalidInput,
            format!("{} links are not opened", parsed.scheme()),
        ));
    }
    if let Some(log) = std::env::var_os("PROMPTLEDGER_OPEN_LOG") {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| UiError::new(promptledger_core::ErrorCode::Storage, e.to_string()))?;
        writeln!(f, "{parsed}")
            .map_err(|e| UiError::new(promptledger_core::ErrorCode::Storage, e.to_string()))?;
        return Ok(());
    }
    use tauri_plugin_opener::OpenerExt;
    app.opener()
        .open_url(parsed.as_str(), None::<&str>)
        .map_err(|e| UiError::new(promptledger_core::ErrorCode::Internal, e.to_string()))
}

/// Records a start-up milestone the window reached (`painted`, `usable`, `analytics`) for
/// `scripts/measure-startup.sh`: with `PROMPTLEDGER_STARTUP_LOG` set, `NAME UNIX_MS` is appended
/// to that file; otherwise nothing happens. `at_ms` is when it happened (Unix ms, as the
/// page's clock timed it), when that was before now.
#[tauri::command]
pub async fn startup_mark(mark: String, at_ms: Option<f64>) -> CmdResult<()> {
    crate::startup::mark_at(&mark, at_ms);
    Ok(())
}
