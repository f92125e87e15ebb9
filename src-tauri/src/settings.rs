//! User settings, persisted with `tauri-plugin-store` in `settings.json` in the app data dir.
//!
//! A settings file that is not valid JSON is moved aside (`settings.json.corrupt-<ms>`) rather
//! than overwritten, the defaults are used, and the user is told.

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime};

/// The store file's name.
pub const STORE_FILE: &str = "settings.json";

/// Everything the user can set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// `system`, `light` or `dark`.
    pub theme: String,
    /// The calculator's last provider.
    pub calculator_provider: String,
    /// The calculator's last model.
    pub calculator_model: String,
    /// Prices screen: show only chat models.
    pub prices_chat_only: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            theme: "system".into(),
            calculator_provider: "openai".into(),
            calculator_model: "gpt-4o".into(),
            prices_chat_only: true,
        }
    }
}

impl Settings {
    /// Rejects values the UI never sends.
    pub fn validate(&self) -> Result<(), String> {
        if !matches!(self.theme.as_str(), "system" | "light" | "dark") {
            return Err(format!(
                "theme must be system, light or dark, not `{}`",
                self.theme
            ));
        }
        if self.calculator_model.len() > 200 || self.calculator_provider.len() > 40 {
            return Err("calculator model or provider is too long".into());
        }
        Ok(())
    }
}

/// Moves an unreadable settings file aside before the store plugin opens it.
pub fn quarantine_corrupt_file<R: Runtime>(app: &AppHandle<R>) -> Option<String> {
    let dir = app.path().app_data_dir().ok()?;
    let path = dir.join(STORE_FILE);
    let bytes = std::fs::read(&path).ok()?;
    if serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&bytes).is_ok() {
        return None;
    }
    let aside = dir.join(format!(
        "{STORE_FILE}.corrupt-{}",
        promptledger_core::ledger::now_ms()
    ));
    match std::fs::rename(&path, &aside) {
        Ok(()) => {
            tracing::warn!("settings file was unreadable; moved to {}", aside.display());
            Some(format!(
                "Your settings file could not be read, so defaults are in use. The old file was kept \
                 as {}.",
                aside.display()
            ))
        }
        Err(e) => Some(format!(
            "Your settings file could not be read ({e}); defaults are in use."
        )),
    }
}
