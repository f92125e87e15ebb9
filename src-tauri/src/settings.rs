//! User settings, persisted with `tauri-plugin-store` in `settings.json` in the app data dir.
//!
//! A settings file that is not valid JSON is moved aside (`settings.json.corrupt-<ms>`) rather
//! than overwritten, the defaults are used, and the user is told.

use serde::{Deserialize, Serialize};
use std::path::Path;
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
    quarantine_in(&app.path().app_data_dir().ok()?)
}

/// [`quarantine_corrupt_file`] for a known directory: returns the notice to show, if any.
fn quarantine_in(dir: &Path) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corrupt_settings_file_is_kept_aside_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(quarantine_in(dir.path()), None, "no file, nothing to say");
        std::fs::write(
            dir.path().join(STORE_FILE),
            br#"{"settings": {"theme": "dark"}}"#,
        )
        .unwrap();
        assert_eq!(quarantine_in(dir.path()), None, "a valid file stays");
        std::fs::write(dir.path().join(STORE_FILE), b"{\"settings\": {\"theme\": ").unwrap();
        let notice = quarantine_in(dir.path()).unwrap();
        assert!(notice.contains("defaults are in use"), "{notice}");
        assert!(!dir.path().join(STORE_FILE).exists());
        let kept: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(kept.len(), 1);
        assert!(
            kept[0]
                .to_string_lossy()
                .starts_with("settings.json.corrupt-")
        );
    }

    #[test]
    fn settings_validate() {
        assert!(Settings::default().validate().is_ok());
        let bad = Settings {
            theme: "neon".into(),
            ..Settings::default()
        };
        assert!(bad.validate().is_err());
    }
}
