//! The `api_keys` table: key metadata only — id, provider, label, last four characters, where
//! and how it is used, its health. The secret itself lives in the OS keychain.

use chrono::{Datelike, TimeZone};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use crate::error::{CoreError, Result};
use crate::ledger::Ledger;
use crate::money::NanoUsd;

/// A saved key's metadata and this month's use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyRecord {
    /// Id (the keychain account name).
    pub id: String,
    /// Provider id.
    pub provider: String,
    /// The user's label.
    pub label: String,
    /// `…abcd`.
    pub preview: String,
    /// Base URL, when not the provider's default.
    pub base_url: Option<String>,
    /// OpenAI organization.
    pub organization: Option<String>,
    /// OpenAI project.
    pub project: Option<String>,
    /// Display name of an OpenAI-compatible endpoint.
    pub display_name: Option<String>,
    /// The provider's default key.
    pub is_default: bool,
    /// `valid`, `invalid`, `error` (could not check), `unvalidated`.
    pub status: String,
    /// When it was added (ms, UTC).
    pub created_at_ms: i64,
    /// Last run with it.
    pub last_used_at_ms: Option<i64>,
    /// Last successful or failed check.
    pub last_validated_at_ms: Option<i64>,
    /// Last error code (from a check or a run).
    pub last_error_code: Option<String>,
    /// Last error message.
    pub last_error_message: Option<String>,
    /// Runs this calendar month (local time).
    pub runs_this_month: i64,
    /// Spend this month, nano-USD.
    pub spend_this_month_nano_usd: NanoUsd,
    /// Failed runs, all time.
    pub error_count: i64,
}

/// Fields of a key to insert.
#[derive(Debug, Clone)]
pub struct NewKeyRecord {
    /// Id.
    pub id: String,
    /// Provider id.
    pub provider: String,
    /// Label.
    pub label: String,
    /// Last four characters of the secret.
    pub last_four: String,
    /// Base URL.
    pub base_url: Option<String>,
    /// OpenAI organization.
    pub organization: Option<String>,
    /// OpenAI project.
    pub project: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
}

const SELECT: &str = "SELECT k.id, k.provider, k.label, k.last_four, k.base_url, k.organization,
    k.project, k.display_name, k.is_default, k.status, k.created_at_ms, k.last_used_at_ms,
    k.last_validated_at_ms, k.last_error_code, k.last_error_message,
    (SELECT count(*) FROM runs r WHERE r.key_id = k.id AND r.started_at_ms >= ?1),
    (SELECT COALESCE(sum(cost_total_nano), 0) FROM runs r WHERE r.key_id = k.id AND r.started_at_ms >= ?1),
    (SELECT count(*) FROM runs r WHERE r.key_id = k.id AND r.status = 'error')
    FROM api_keys k WHERE k.removed_at_ms IS NULL";

fn from_row(r: &Row<'_>) -> rusqlite::Result<KeyRecord> {
    let last_four: String = r.get(3)?;
    Ok(KeyRecord {
        id: r.get(0)?,
        provider: r.get(1)?,
        label: r.get(2)?,
        preview: format!("…{last_four}"),
        base_url: r.get(4)?,
        organization: r.get(5)?,
        project: r.get(6)?,
        display_name: r.get(7)?,
        is_default: r.get::<_, i64>(8)? != 0,
        status: r.get(9)?,
        created_at_ms: r.get(10)?,
        last_used_at_ms: r.get(11)?,
        last_validated_at_ms: r.get(12)?,
        last_error_code: r.get(13)?,
        last_error_message: r.get(14)?,
        runs_this_month: r.get(15)?,
        spend_this_month_nano_usd: r.get(16)?,
        error_count: r.get(17)?,
    })
}

/// Start of the current calendar month in local time, ms since the epoch.
pub fn month_start_ms() -> i64 {
    let now = chrono::Local::now();
    chrono::Local
        .with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
        .earliest()
        .map_or(0, |t| t.timestamp_millis())
}

fn not_found(id: &str) -> CoreError {
    CoreError::NotFound {
        what: "key",
        id: id.to_string(),
    }
}

impl Ledger {
    /// Every saved key, by provider then label.
    pub fn keys(&self) -> Result<Vec<KeyRecord>> {
        let mut stmt = self
            .conn()
            .prepare(&format!("{SELECT} ORDER BY k.provider, k.label"))?;
        let rows = stmt.query_map([month_start_ms()], from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// One key.
    pub fn key(&self, id: &str) -> Result<KeyRecord> {
        self.conn()
            .query_row(
                &format!("{SELECT} AND k.id = ?2"),
                params![month_start_ms(), id],
                from_row,
            )
            .optional()?
            .ok_or_else(|| not_found(id))
    }

    /// The provider's default key, if one is saved.
    pub fn default_key(&self, provider: &str) -> Result<Option<KeyRecord>> {
        Ok(self
            .conn()
            .query_row(
                &format!("{SELECT} AND k.provider = ?2 AND k.is_default = 1"),
                params![month_start_ms(), provider],
                from_row,
            )
            .optional()?)
    }

    /// A sample-data key: metadata only, no secret anywhere (`status` `sample`), so sample runs
    /// can point at it. Does nothing when it exists.
    pub fn insert_sample_key(
        &mut self,
        id: &str,
        provider: &str,
        label: &str,
        created_at_ms: i64,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT OR IGNORE INTO api_keys (id, provider, label, last_four, status, created_at_ms)
             VALUES (?1, ?2, ?3, 'demo', 'sample', ?4)",
            rusqlite::params![id, provider, label, created_at_ms],
        )?;
        Ok(())
    }

    /// Records a validated key; the first key of a provider becomes its default.
    pub fn insert_key(&mut self, k: &NewKeyRecord, validated_at_ms: i64) -> Result<KeyRecord> {
        let tx = self.write_tx()?;
        let has_default: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM api_keys WHERE provider = ?1 AND is_default = 1 AND removed_at_ms IS NULL)",
            [&k.provider],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO api_keys (id, provider, label, last_four, base_url, organization, project,
                display_name, is_default, status, created_at_ms, last_validated_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'valid', ?10, ?10)",
            params![
                k.id,
                k.provider,
                k.label,
                k.last_four,
                k.base_url,
                k.organization,
                k.project,
                k.display_name,
                !has_default,
                validated_at_ms
            ],
        )?;
        tx.commit()?;
        self.key(&k.id)
    }

    /// Records the result of a check (or a run's key error).
    pub fn set_key_health(
        &mut self,
        id: &str,
        status: &str,
        error: Option<(&str, &str)>,
        at_ms: i64,
    ) -> Result<()> {
        let n = self.conn().execute(
            "UPDATE api_keys SET status = ?2, last_validated_at_ms = ?3,
                last_error_code = COALESCE(?4, last_error_code),
                last_error_message = COALESCE(?5, last_error_message)
             WHERE id = ?1",
            params![id, status, at_ms, error.map(|e| e.0), error.map(|e| e.1)],
        )?;
        if n == 0 { Err(not_found(id)) } else { Ok(()) }
    }

    /// Notes a run with the key; a key error from a provider marks the key too.
    pub fn note_key_used(
        &mut self,
        id: &str,
        at_ms: i64,
        error: Option<(&str, &str)>,
    ) -> Result<()> {
        self.conn().execute(
            "UPDATE api_keys SET last_used_at_ms = ?2,
                last_error_code = COALESCE(?3, last_error_code),
                last_error_message = COALESCE(?4, last_error_message),
                status = CASE WHEN ?3 IN ('invalid_key', 'permission_denied') THEN 'invalid' ELSE status END
             WHERE id = ?1",
            params![id, at_ms, error.map(|e| e.0), error.map(|e| e.1)],
        )?;
        Ok(())
    }

    /// A rotated secret: new last four, validated now.
    pub fn set_key_rotated(&mut self, id: &str, last_four: &str, at_ms: i64) -> Result<()> {
        let n = self.conn().execute(
            "UPDATE api_keys SET last_four = ?2, status = 'valid', last_validated_at_ms = ?3,
                last_error_code = NULL, last_error_message = NULL WHERE id = ?1",
            params![id, last_four, at_ms],
        )?;
        if n == 0 { Err(not_found(id)) } else { Ok(()) }
    }

    /// Makes `id` its provider's default.
    pub fn set_default_key(&mut self, id: &str) -> Result<()> {
        let provider = self.key(id)?.provider;
        let tx = self.write_tx()?;
        tx.execute(
            "UPDATE api_keys SET is_default = 0 WHERE provider = ?1",
            [&provider],
        )?;
        tx.execute("UPDATE api_keys SET is_default = 1 WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(())
    }

    /// Renames a key (runs keep the label they were recorded with).
    pub fn rename_key(&mut self, id: &str, label: &str) -> Result<()> {
        let label = validate_label(label)?;
        let n = self.conn().execute(
            "UPDATE api_keys SET label = ?2 WHERE id = ?1",
            params![id, label],
        )?;
        if n == 0 { Err(not_found(id)) } else { Ok(()) }
    }

    /// Marks a key removed (its secret is already gone from the keychain). The row stays so its
    /// runs keep pointing at it and at its label; if it was the default, the provider's oldest
    /// remaining key becomes the default.
    pub fn delete_key(&mut self, id: &str) -> Result<()> {
        let k = self.key(id)?;
        let tx = self.write_tx()?;
        tx.execute(
            "UPDATE api_keys SET removed_at_ms = ?2, is_default = 0 WHERE id = ?1",
            params![id, crate::ledger::now_ms()],
        )?;
        if k.is_default {
            tx.execute(
                "UPDATE api_keys SET is_default = 1 WHERE id = (SELECT id FROM api_keys
                   WHERE provider = ?1 AND removed_at_ms IS NULL ORDER BY created_at_ms LIMIT 1)",
                [&k.provider],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// A label of 1–100 printable characters.
pub fn validate_label(label: &str) -> Result<&str> {
    let l = label.trim();
    if l.is_empty() || l.chars().count() > 100 || l.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            "label",
            "give the key a label of 1 to 100 characters",
        ));
    }
    Ok(l)
}
