//! Settings commands over `tauri-plugin-store`.

use tauri::{AppHandle, Manager};
use tauri_plugin_store::StoreExt;

use crate::error::{CmdResult, UiError};
use crate::settings::{STORE_FILE, STORE_KEY, Settings};
use promptledger_core::ErrorCode;

fn store_err(e: impl std::fmt::Display) -> UiError {
    UiError::new(
        ErrorCode::Storage,
        format!("settings could not be saved: {e}"),
    )
}

/// The saved settings (defaults for anything unset or unreadable).
#[tauri::command]
#[tracing::instrument(skip(app), err(level = "info"))]
pub async fn settings_get(app: AppHandle) -> CmdResult<Settings> {
    Ok(Settings::load(&app))
}

/// Validates and saves settings; returns what was saved.
#[tauri::command]
#[tracing::instrument(skip(app), err(level = "info"))]
pub async fn settings_set(app: AppHandle, settings: Settings) -> CmdResult<Settings> {
    settings
        .validate()
        .map_err(|m| UiError::new(ErrorCode::InvalidInput, m))?;
    let store = app.store(STORE_FILE).map_err(store_err)?;
    let value = serde_json::to_value(&settings).map_err(store_err)?;
    store.set(STORE_KEY, value);
    store.save().map_err(store_err)?;
    // Retries and timeouts apply to the next run.
    if let Some(state) = app.try_state::<crate::state::AppState>() {
        state.set_http(settings.http())?;
    }
    Ok(settings)
}
