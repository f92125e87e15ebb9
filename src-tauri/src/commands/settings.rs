//! Settings commands over `tauri-plugin-store`.

use tauri::{AppHandle, Manager};
use tauri_plugin_store::StoreExt;

use crate::error::{CmdResult, UiError};
use crate::settings::{STORE_FILE, Settings};

const KEY: &str = "settings";

fn store_err(e: impl std::fmt::Display) -> UiError {
    UiError::new("storage", format!("settings could not be saved: {e}"))
}

/// The saved settings (defaults for anything unset or unreadable).
#[tauri::command]
#[tracing::instrument(skip(app), err(level = "info"))]
pub async fn settings_get(app: AppHandle) -> CmdResult<Settings> {
    let store = app.store(STORE_FILE).map_err(store_err)?;
    Ok(store
        .get(KEY)
        .and_then(|v| serde_json::from_value::<Settings>(v).ok())
        .filter(|s| s.validate().is_ok())
        .unwrap_or_default())
}

/// Validates and saves settings; returns what was saved.
#[tauri::command]
#[tracing::instrument(skip(app), err(level = "info"))]
pub async fn settings_set(app: AppHandle, settings: Settings) -> CmdResult<Settings> {
    settings
        .validate()
        .map_err(|m| UiError::new("invalid_input", m))?;
    let store = app.store(STORE_FILE).map_err(store_err)?;
    let value = serde_json::to_value(&settings).map_err(store_err)?;
    store.set(KEY, value);
    store.save().map_err(store_err)?;
    // Retries and timeouts apply to the next run.
    if let Some(state) = app.try_state::<crate::state::AppState>() {
        state.set_http(settings.http())?;
    }
    Ok(settings)
}
