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
