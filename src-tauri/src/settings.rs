//! User settings, persisted with `tauri-plugin-store` in `settings.json` in the app data dir.
//!
//! A settings file that is not valid JSON is moved aside (`settings.json.corrupt-<ms>`) rather
//! than overwritten, the defaults are used, and the user is told.

use serde::{Deserialize, Serialize};
use std::path::Path;
use tauri::{AppHandle, Manager, Runtime};
use ts_rs::TS;

/// The store file's name.
pub const STORE_FILE: &str = "settings.json";
/// The key the settings are saved under in that file.
pub const STORE_KEY: &str = "settings";

/// Everything the user can set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
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
    /// Retries after a retryable failure (429, 5xx, 529, connection errors).
    pub max_retries: u32,
    /// Seconds to wait for a connection.
    pub connect_timeout_secs: f64,
    /// Seconds a whole request may take.
    pub overall_timeout_secs: f64,
    /// Seconds of silence between stream chunks before a run is called interrupted.
    pub idle_timeout_secs: f64,
    /// Reuse answers to identical requests (each run can also opt in or out).
    pub cache_enabled: bool,
    /// How long a cached answer is reused, in hours.
    pub cache_ttl_hours: f64,
    /// Targets tried in order when a Playground run fails after its retries.
    pub fallbacks: Vec<FallbackSetting>,
    /// Fail over on any provider error, not only retryable ones.
    pub failover_any: bool,
    /// Check every key's model list this often, in minutes (0: off).
    pub health_check_minutes: u32,
    /// Desktop notifications for budget alerts.
    pub notifications: bool,
    /// Fetch what providers billed (admin keys) this often, in minutes (0: off, the default).
    pub billing_sync_minutes: u32,
    /// Check for a newer price table at start-up once a week (off by default: no network
    /// call unless the user turns it on).
    pub price_check_weekly: bool,
    /// Batch jobs: requests at once (live).
    pub batch_concurrency: u32,
    /// Batch jobs: requests per minute at most (live; 0: no limit).
    pub batch_rpm: u32,
    /// Batch jobs: tokens per minute at most (live; 0: no limit).
    pub batch_tpm: u32,
    /// Ask the providers how submitted batches are doing this often, in minutes (0: off).
    pub batch_poll_minutes: u32,
}

/// One target of the fallback chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FallbackSetting {
    /// Provider id.
    pub provider: String,
    /// A saved key (else the provider's default).
    #[serde(default)]
    pub key_id: Option<String>,
    /// Model.
    pub model: String,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            theme: "system".into(),
            calculator_provider: "openai".into(),
            calculator_model: "gpt-4o".into(),
            prices_chat_only: true,
            max_retries: 2,
            connect_timeout_secs: 10.0,
            overall_timeout_secs: 600.0,
            idle_timeout_secs: 60.0,
            cache_enabled: false,
            cache_ttl_hours: 24.0,
            fallbacks: Vec::new(),
            failover_any: false,
            health_check_minutes: 0,
            notifications: true,
            billing_sync_minutes: 0,
            price_check_weekly: false,
            batch_concurrency: 4,
            batch_rpm: 0,
            batch_tpm: 0,
            batch_poll_minutes: 5,
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
        if self.max_retries > 10 {
            return Err("retries must be between 0 and 10".into());
        }
        for (name, v, max) in [
            ("connect timeout", self.connect_timeout_secs, 120.0),
            ("overall timeout", self.overall_timeout_secs, 3600.0),
            ("idle timeout", self.idle_timeout_secs, 600.0),
        ] {
            if !(v.is_finite() && v >= 1.0 && v <= max) {
                return Err(format!("{name} must be between 1 and {max} seconds"));
            }
        }
        if !(self.cache_ttl_hours.is_finite()
            && (0.01..=24.0 * 365.0).contains(&self.cache_ttl_hours))
        {
            return Err("cache lifetime must be between 0.01 hours and a year".into());
        }
        if self.fallbacks.len() > 5 {
            return Err("at most 5 fallback targets".into());
        }
        if let Some(f) = self.fallbacks.iter().find(|f| {
            f.model.trim().is_empty()
                || f.provider
                    .parse::<promptledger_core::ProviderKind>()
                    .is_err()
        }) {
            return Err(format!(
                "fallback `{}/{}` needs a provider and a model",
                f.provider, f.model
            ));
        }
        if !(1..=256).contains(&self.batch_concurrency) {
            return Err("batch jobs send 1 to 256 requests at once".into());
        }
        if self.batch_poll_minutes > 24 * 60 {
            return Err("provider batches are polled at least once a day (1440 minutes)".into());
        }
        if self.health_check_minutes > 24 * 60 {
            return Err("health checks run at most once a day (1440 minutes)".into());
        }
        if self.billing_sync_minutes != 0 && !(15..=24 * 60).contains(&self.billing_sync_minutes) {
            return Err("billing syncs run every 15 minutes to once a day (1440 minutes)".into());
        }
        if self.calculator_model.len() > 200 || self.calculator_provider.len() > 40 {
            return Err("calculator model or provider is too long".into());
        }
        Ok(())
    }
}

impl Settings {
    /// The response cache's lifetime as a policy.
    pub fn cache_policy(&self) -> promptledger_core::ledger::cache::CachePolicy {
        promptledger_core::ledger::cache::CachePolicy {
            ttl_ms: (self.cache_ttl_hours * 3_600_000.0) as i64,
        }
    }

    /// The fallback chain as run targets.
    pub fn fallback_targets(
        &self,
    ) -> promptledger_core::Result<Vec<promptledger_core::runner::TargetRequest>> {
        self.fallbacks
            .iter()
            .map(|f| {
                Ok(promptledger_core::runner::TargetRequest {
                    key_id: f.key_id.clone(),
                    ..promptledger_core::runner::TargetRequest::new(
                        f.provider.parse()?,
                        f.model.clone(),
                    )
                })
            })
            .collect()
    }

    /// The HTTP client settings these describe.
    pub fn http(&self) -> promptledger_core::providers::HttpSettings {
        use std::time::Duration;
        promptledger_core::providers::HttpSettings {
            connect_timeout: Duration::from_secs_f64(self.connect_timeout_secs),
            overall_timeout: Duration::from_secs_f64(self.overall_timeout_secs),
            idle_timeout: Duration::from_secs_f64(self.idle_timeout_secs),
            max_retries: self.max_retries,
            ..promptledger_core::providers::HttpSettings::default()
        }
    }

    /// The saved settings, or the defaults.
    pub fn load<R: Runtime>(app: &AppHandle<R>) -> Settings {
        use tauri_plugin_store::StoreExt;
        app.store(STORE_FILE)
            .ok()
            .and_then(|s| s.get(STORE_KEY))
            .and_then(|v| serde_json::from_value::<Settings>(v).ok())
            .filter(|s| s.validate().is_ok())
            .unwrap_or_default()
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

/// Runs `job` in the background every `minutes(settings)` minutes, reading the setting again
/// after each wait (0 is off: it looks again a minute later).
pub fn spawn_every<F, Fut>(app: AppHandle, minutes: fn(&Settings) -> u32, job: F)
where
    F: Fn(AppHandle) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    tauri::async_runtime::spawn(async move {
        loop {
            let m = minutes(&Settings::load(&app));
            if m == 0 {
                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                continue;
            }
            tokio::time::sleep(std::time::Duration::from_secs(u64::from(m) * 60)).await;
            job(app.clone()).await;
        }
    });
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
        assert!(
            Settings {
                max_retries: 11,
                ..Settings::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            Settings {
                idle_timeout_secs: 0.0,
                ..Settings::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            Settings {
                overall_timeout_secs: f64::NAN,
                ..Settings::default()
            }
            .validate()
            .is_err()
        );
        let http = Settings {
            max_retries: 5,
            idle_timeout_secs: 12.5,
            ..Settings::default()
        }
        .http();
        assert_eq!(
            (http.max_retries, http.idle_timeout),
            (5, std::time::Duration::from_millis(12_500))
        );
    }
}
