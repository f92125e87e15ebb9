//! Provider health from the runs themselves: per provider and per key, the success rate and
//! median latency of the latest runs, the last error and when, and whether it looks degraded.
//! Cancelled runs (the user stopped them) and cache hits (no provider involved) do not count.

use rusqlite::params;
use serde::Serialize;

use crate::error::Result;
use crate::ledger::Ledger;

/// How many of the latest runs health looks at.
pub const HEALTH_WINDOW: usize = 50;

/// The health of one provider or key.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Health {
    /// Provider id.
    pub provider: String,
    /// Key id (`None` for the provider as a whole).
    pub key_id: Option<String>,
    /// Runs looked at (at most [`HEALTH_WINDOW`]).
    pub runs: i64,
    /// Of those, completed.
    pub ok_runs: i64,
    /// `ok_runs / runs`.
    pub success_rate: Option<f64>,
    /// Median latency of the completed ones (ms).
    pub p50_latency_ms: Option<i64>,
    /// The latest failure's code.
    pub last_error_code: Option<String>,
    /// Its message.
    pub last_error_message: Option<String>,
    /// When it happened (ms).
    pub last_error_at_ms: Option<i64>,
    /// Fewer than 80 % of at least 5 runs completed, or the last 3 all failed.
    pub degraded: bool,
}

/// Health of every provider and key with runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HealthReport {
    /// Per provider.
    pub providers: Vec<Health>,
    /// Per key.
    pub keys: Vec<Health>,
}

const COUNTED: &str = "status <> 'cancelled' AND cache_hit = 0";

impl Ledger {
    fn health_of(&self, provider: &str, key_id: Option<&str>, window: usize) -> Result<Health> {
        let limit = i64::try_from(window).unwrap_or(i64::MAX);
        let (by, value) = match key_id {
            Some(k) => ("key_id", k),
            None => ("provider", provider),
        };
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT status, latency_ms FROM runs WHERE {by} = ?1 AND {COUNTED}
             ORDER BY started_at_ms DESC LIMIT ?2"
        ))?;
        let latest: Vec<(String, Option<i64>)> = stmt
            .query_map(params![value, limit], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let runs = latest.len() as i64;
        let ok_runs = latest.iter().filter(|(s, _)| s == "ok").count() as i64;
        let mut lat: Vec<i64> = latest
            .iter()
            .filter(|(s, _)| s == "ok")
            .filter_map(|(_, l)| *l)
            .collect();
        lat.sort_unstable();
        let last_error = self
            .conn()
            .prepare_cached(&format!(
                "SELECT error_code, error_message, started_at_ms FROM runs
                 WHERE {by} = ?1 AND status IN ('error', 'interrupted') AND {COUNTED}
                 ORDER BY started_at_ms DESC LIMIT 1"
            ))?
            .query_map([value], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .next()
            .transpose()?;
        let (last_error_code, last_error_message, last_error_at_ms) = match last_error {
            Some((c, m, t)) => (c, m, Some(t)),
            None => (None, None, None),
        };
        let success_rate = (runs > 0).then(|| ok_runs as f64 / runs as f64);
        let last_three_failed = latest.len() >= 3 && latest.iter().take(3).all(|(s, _)| s != "ok");
        Ok(Health {
            provider: provider.to_string(),
            key_id: key_id.map(str::to_string),
            runs,
            ok_runs,
            success_rate,
            p50_latency_ms: (!lat.is_empty()).then(|| lat[(lat.len() - 1) / 2]),
            last_error_code,
            last_error_message,
            last_error_at_ms,
            degraded: (runs >= 5 && success_rate.is_some_and(|r| r < 0.8)) || last_three_failed,
        })
    }

    /// A key's health over its latest runs.
    pub fn key_health(&self, provider: &str, key_id: &str) -> Result<Health> {
        self.health_of(provider, Some(key_id), HEALTH_WINDOW)
    }

    /// A provider's health over its latest runs (all keys).
    pub fn provider_health(&self, provider: &str) -> Result<Health> {
        self.health_of(provider, None, HEALTH_WINDOW)
    }

    /// Every provider with runs, and every saved key.
    pub fn health(&self) -> Result<HealthReport> {
        let providers: Vec<String> = self
            .conn()
            .prepare("SELECT DISTINCT provider FROM rollup_day_model ORDER BY 1")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let keys: Vec<(String, String)> = self
            .conn()
            .prepare(
                "SELECT id, provider FROM api_keys WHERE removed_at_ms IS NULL ORDER BY label",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(HealthReport {
            providers: providers
                .iter()
                .map(|p| self.provider_health(p))
                .collect::<Result<_>>()?,
            keys: keys
                .iter()
                .map(|(k, p)| self.key_health(p, k))
                .collect::<Result<_>>()?,
        })
    }
}
