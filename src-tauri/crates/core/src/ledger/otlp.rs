//! The team export's state in the ledger: its settings (shared by the app and the CLI; secret
//! header values live in the OS keychain, only their names here), the outbox of runs waiting to
//! be sent (filled by trigger in the transaction that records each run), and how the last
//! attempts went.

use rusqlite::params;
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};

use crate::analytics::{DayRange, Filters};
use crate::error::{CoreError, Result};
use crate::ledger::Ledger;
use crate::ledger::runs::RunRecord;

const META_ENABLED: &str = "otlp.enabled";
const META_CONFIG: &str = "otlp.config";
const META_SUCCESS: &str = "otlp.last_success_at_ms";
const META_ERROR: &str = "otlp.last_error";
const META_ERROR_SINCE: &str = "otlp.failing_since_ms";

/// How spans are encoded on the wire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum OtlpProtocol {
    /// `application/x-protobuf`.
    #[default]
    #[serde(rename = "http/protobuf")]
    HttpProtobuf,
    /// `application/json` (proto3 JSON mapping).
    #[serde(rename = "http/json")]
    HttpJson,
}

impl OtlpProtocol {
    /// `http/protobuf` or `http/json`, as `OTEL_EXPORTER_OTLP_PROTOCOL` spells them.
    pub fn as_str(self) -> &'static str {
        match self {
            OtlpProtocol::HttpProtobuf => "http/protobuf",
            OtlpProtocol::HttpJson => "http/json",
        }
    }

    /// Parses `http/protobuf` (also `protobuf`) or `http/json` (also `json`).
    pub fn parse(s: &str) -> Result<OtlpProtocol> {
        match s.trim() {
            "http/protobuf" | "protobuf" | "http/proto" => Ok(OtlpProtocol::HttpProtobuf),
            "http/json" | "json" => Ok(OtlpProtocol::HttpJson),
            "grpc" => Err(CoreError::invalid(
                "protocol",
                "gRPC is not supported: use http/protobuf or http/json (every collector, \
                 Langfuse and Tempo take OTLP over HTTP)",
            )),
            other => Err(CoreError::invalid(
                "protocol",
                format!("`{other}` is not http/protobuf or http/json"),
            )),
        }
    }
}

/// Where and how runs are exported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct OtlpSettings {
    /// Every recorded run is queued and sent.
    pub enabled: bool,
    /// The collector's base URL (`/v1/traces` is added) or its full traces URL.
    pub endpoint: String,
    /// The encoding.
    pub protocol: OtlpProtocol,
    /// Headers sent as they are (`Name`, `value`), never secrets.
    pub headers: Vec<(String, String)>,
    /// Names of the headers whose values are kept in the OS keychain.
    pub secret_headers: Vec<String>,
    /// Send prompt and output text too (off: only figures and ids leave the machine).
    pub include_text: bool,
}

/// The outbox and the last attempts, as Settings and `otlp status` show them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OtlpBacklog {
    /// Runs waiting to be sent.
    pub waiting: i64,
    /// Runs the collector refused (400, 413): not sent again.
    pub rejected: i64,
    /// When the oldest waiting run was queued, ms.
    pub oldest_queued_at_ms: Option<i64>,
    /// The last time a collector accepted spans, ms.
    pub last_success_at_ms: Option<i64>,
    /// What went wrong last, while it still does.
    pub last_error: Option<String>,
    /// Since when sending has failed, ms.
    pub failing_since_ms: Option<i64>,
}

impl Ledger {
    /// The export's settings (defaults: off).
    pub fn otlp_settings(&self) -> Result<OtlpSettings> {
        let mut s: OtlpSettings = match self.meta(META_CONFIG)? {
            Some(json) => serde_json::from_str(&json).unwrap_or_default(),
            None => OtlpSettings::default(),
        };
        s.enabled = self.meta(META_ENABLED)?.as_deref() == Some("1");
        Ok(s)
    }

    /// Saves the export's settings; turning it on queues every run recorded from now on.
    pub fn set_otlp_settings(&mut self, s: &OtlpSettings) -> Result<()> {
        let json = serde_json::to_string(&OtlpSettings {
            enabled: false,
            ..s.clone()
        })
        .map_err(|e| CoreError::invalid("export settings", e.to_string()))?;
        self.set_meta(META_CONFIG, &json)?;
        self.set_meta(META_ENABLED, if s.enabled { "1" } else { "0" })?;
        Ok(())
    }

    /// The outbox and how the last attempts went.
    pub fn otlp_backlog(&self) -> Result<OtlpBacklog> {
        let (waiting, rejected, oldest): (i64, i64, Option<i64>) = self.conn().query_row(
            "SELECT count(*) FILTER (WHERE rejected IS NULL), count(*) FILTER (WHERE rejected IS NOT NULL),
                    min(queued_at_ms) FILTER (WHERE rejected IS NULL)
             FROM otlp_outbox",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let num =
            |k: &str| -> Result<Option<i64>> { Ok(self.meta(k)?.and_then(|v| v.parse().ok())) };
        Ok(OtlpBacklog {
            waiting,
            rejected,
            oldest_queued_at_ms: oldest,
            last_success_at_ms: num(META_SUCCESS)?,
            last_error: self.meta(META_ERROR)?.filter(|e| !e.is_empty()),
            failing_since_ms: num(META_ERROR_SINCE)?,
        })
    }

    /// Up to `limit` waiting runs due at `now_ms`, oldest first, with how often each was tried.
    pub fn otlp_due(&self, now_ms: i64, limit: usize) -> Result<Vec<(i64, i64)>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT run_id, attempts FROM otlp_outbox WHERE rejected IS NULL AND next_at_ms <= ?1
             ORDER BY run_id LIMIT ?2",
        )?;
        let rows = stmt.query_map(
            params![now_ms, i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// When the next waiting run is due, ms (none waiting: `None`).
    pub fn otlp_next_due(&self) -> Result<Option<i64>> {
        Ok(self.conn().query_row(
            "SELECT min(next_at_ms) FROM otlp_outbox WHERE rejected IS NULL",
            [],
            |r| r.get(0),
        )?)
    }

    /// Runs a collector accepted (or refused for good, with why): out of the waiting list.
    pub fn otlp_settle(&mut self, ids: &[i64], refused: Option<&str>) -> Result<()> {
        let tx = self.write_tx()?;
        {
            let mut done = tx.prepare_cached("DELETE FROM otlp_outbox WHERE run_id = ?1")?;
            let mut mark =
                tx.prepare_cached("UPDATE otlp_outbox SET rejected = ?2 WHERE run_id = ?1")?;
            for id in ids {
                match refused {
                    None => done.execute([id])?,
                    Some(why) => mark.execute(params![id, why])?,
                };
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Runs to try again at `at_ms` (the collector was down or asked to wait).
    pub fn otlp_later(&mut self, ids: &[i64], at_ms: i64) -> Result<()> {
        let tx = self.write_tx()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE otlp_outbox SET attempts = attempts + 1, next_at_ms = ?2 WHERE run_id = ?1",
            )?;
            for id in ids {
                stmt.execute(params![id, at_ms])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Notes a send that a collector accepted (clearing the error) or one that failed.
    pub fn note_otlp_attempt(&mut self, error: Option<&str>, now_ms: i64) -> Result<()> {
        match error {
            None => {
                self.set_meta(META_SUCCESS, &now_ms.to_string())?;
                self.set_meta(META_ERROR, "")?;
                self.conn()
                    .execute("DELETE FROM ledger_meta WHERE key = ?1", [META_ERROR_SINCE])?;
            }
            Some(e) => {
                self.set_meta(META_ERROR, e)?;
                if self.meta(META_ERROR_SINCE)?.is_none() {
                    self.set_meta(META_ERROR_SINCE, &now_ms.to_string())?;
                }
            }
        }
        Ok(())
    }

    /// Puts every refused run back in the waiting list (after the user fixed the cause).
    pub fn otlp_retry_refused(&mut self) -> Result<usize> {
        Ok(self.conn().execute(
            "UPDATE otlp_outbox SET rejected = NULL, next_at_ms = 0 WHERE rejected IS NOT NULL",
            [],
        )?)
    }

    /// The runs with these ids (a missing one is skipped), in id order.
    pub fn runs_by_ids(&self, ids: &[i64]) -> Result<Vec<RunRecord>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            match self.run(*id) {
                Ok(r) => out.push(r),
                Err(CoreError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Up to `limit` runs after id `after` in `range` passing `filters`, in id order (a
    /// backfill's page).
    pub fn runs_after(
        &self,
        after: i64,
        range: Option<&DayRange>,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<RunRecord>> {
        let (cond, mut params) = crate::ledger::rollup_read::runs_filter(&filters.normalized());
        let mut sql = String::from("SELECT id FROM runs WHERE id > ?");
        let mut all: Vec<Value> = vec![Value::Integer(after)];
        if let Some(r) = range {
            let (start, end) = r.instants(self.time_zone());
            sql.push_str(" AND started_at_ms >= ? AND started_at_ms < ?");
            all.push(Value::Integer(start));
            all.push(Value::Integer(end));
        }
        sql.push_str(&cond);
        all.append(&mut params);
        sql.push_str(" ORDER BY id LIMIT ?");
        all.push(Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
        let ids: Vec<i64> = {
            let mut stmt = self.conn().prepare_cached(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(all.iter()), |r| r.get(0))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        self.runs_by_ids(&ids)
    }
}
