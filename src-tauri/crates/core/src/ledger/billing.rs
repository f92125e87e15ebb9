//! Billing tables: admin key metadata (`admin_keys`; the secret is in the keychain), what the
//! providers billed (`billed_usage`, `billed_costs`, `billing_days`, `billed_generations`) and
//! OpenAI's projects and their keys, with the mapping of saved inference keys onto them.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::billing::{BillingFetch, DayRange, OpenAiProject, OpenAiProjectKey};
use crate::error::{CoreError, Result};
use crate::ledger::Ledger;

/// What an admin key can do, said wherever one is shown.
pub const ADMIN_KEY_WARNING: &str = "An admin key can read your whole organisation's usage and \
     costs (on OpenAI it can also manage projects and keys). PromptLedger only reads billing with \
     it and never runs a prompt with it.";

/// A saved admin key's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AdminKeyRecord {
    /// Id (the keychain account name).
    pub id: String,
    /// `openai` or `anthropic`.
    pub provider: String,
    /// Label.
    pub label: String,
    /// `…abcd`.
    pub preview: String,
    /// Base URL, when not the provider's.
    pub base_url: Option<String>,
    /// `valid`, `invalid`, `error`.
    pub status: String,
    /// Added (ms).
    pub created_at_ms: i64,
    /// Last check (ms).
    pub last_validated_at_ms: Option<i64>,
    /// Last successful sync (ms).
    pub last_synced_at_ms: Option<i64>,
    /// Last error code.
    pub last_error_code: Option<String>,
    /// Last error message.
    pub last_error_message: Option<String>,
}

const SELECT_ADMIN: &str = "SELECT id, provider, label, last_four, base_url, status,
    created_at_ms, last_validated_at_ms, last_synced_at_ms, last_error_code, last_error_message
    FROM admin_keys";

fn admin_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AdminKeyRecord> {
    Ok(AdminKeyRecord {
        id: r.get(0)?,
        provider: r.get(1)?,
        label: r.get(2)?,
        preview: format!("…{}", r.get::<_, String>(3)?),
        base_url: r.get(4)?,
        status: r.get(5)?,
        created_at_ms: r.get(6)?,
        last_validated_at_ms: r.get(7)?,
        last_synced_at_ms: r.get(8)?,
        last_error_code: r.get(9)?,
        last_error_message: r.get(10)?,
    })
}

/// A day's sync state for one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingDay {
    /// UTC day.
    pub day: NaiveDate,
    /// When it was fetched (ms).
    pub fetched_at_ms: i64,
    /// Token rows that came back.
    pub usage_rows: i64,
    /// Money rows that came back.
    pub cost_rows: i64,
}

fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

impl Ledger {
    /// Saved admin keys.
    pub fn admin_keys(&self) -> Result<Vec<AdminKeyRecord>> {
        let mut stmt = self
            .conn()
            .prepare(&format!("{SELECT_ADMIN} ORDER BY provider"))?;
        let rows = stmt.query_map([], admin_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The admin key of `provider`, if one is saved.
    pub fn admin_key_for(&self, provider: &str) -> Result<Option<AdminKeyRecord>> {
        Ok(self
            .conn()
            .query_row(
                &format!("{SELECT_ADMIN} WHERE provider = ?1"),
                [provider],
                admin_from_row,
            )
            .optional()?)
    }

    /// One admin key.
    pub fn admin_key(&self, id: &str) -> Result<AdminKeyRecord> {
        self.conn()
            .query_row(
                &format!("{SELECT_ADMIN} WHERE id = ?1"),
                [id],
                admin_from_row,
            )
            .optional()?
            .ok_or_else(|| CoreError::NotFound {
                what: "admin key",
                id: id.to_string(),
            })
    }

    /// Records a validated admin key (one per provider: a second replaces the first; the
    /// caller removes the old secret).
    pub fn insert_admin_key(
        &mut self,
        id: &str,
        provider: &str,
        label: &str,
        last_four: &str,
        base_url: Option<&str>,
        at_ms: i64,
    ) -> Result<AdminKeyRecord> {
        let tx = self.write_tx()?;
        tx.execute("DELETE FROM admin_keys WHERE provider = ?1", [provider])?;
        tx.execute(
            "INSERT INTO admin_keys (id, provider, label, last_four, base_url, status,
                created_at_ms, last_validated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, 'valid', ?6, ?6)",
            params![id, provider, label, last_four, base_url, at_ms],
        )?;
        tx.commit()?;
        self.admin_key(id)
    }

    /// Forgets an admin key's metadata (the billed figures it fetched stay).
    pub fn delete_admin_key(&mut self, id: &str) -> Result<()> {
        let n = self
            .conn()
            .execute("DELETE FROM admin_keys WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(CoreError::NotFound {
                what: "admin key",
                id: id.to_string(),
            });
        }
        Ok(())
    }

    /// Records a sync's outcome on the admin key.
    pub fn note_admin_key(
        &mut self,
        id: &str,
        at_ms: i64,
        error: Option<(&str, &str)>,
    ) -> Result<()> {
        match error {
            None => self.conn().execute(
                "UPDATE admin_keys SET status = 'valid', last_synced_at_ms = ?2,
                    last_validated_at_ms = ?2, last_error_code = NULL, last_error_message = NULL
                 WHERE id = ?1",
                params![id, at_ms],
            )?,
            Some((code, msg)) => self.conn().execute(
                "UPDATE admin_keys SET status = CASE WHEN ?3 IN ('invalid_key', 'permission_denied')
                    THEN 'invalid' ELSE 'error' END, last_error_code = ?3, last_error_message = ?4
                 WHERE id = ?1",
                params![id, at_ms, code, msg],
            )?,
        };
        Ok(())
    }

    /// Replaces `provider`'s billed figures for every day of `range` with `fetch`, in one
    /// transaction; every day of the range is marked fetched (with how many rows came back).
    pub fn store_billing(
        &mut self,
        provider: &str,
        range: DayRange,
        fetch: &BillingFetch,
        at_ms: i64,
    ) -> Result<()> {
        let (from, to) = (range.from.to_string(), range.to.to_string());
        let tx = self.write_tx()?;
        tx.execute(
            "DELETE FROM billed_usage WHERE provider = ?1 AND day BETWEEN ?2 AND ?3",
            params![provider, from, to],
        )?;
        tx.execute(
            "DELETE FROM billed_costs WHERE provider = ?1 AND day BETWEEN ?2 AND ?3",
            params![provider, from, to],
        )?;
        {
            let mut ins = tx.prepare_cached(
                "INSERT INTO billed_usage (provider, day, model, project_id, api_key_id,
                    workspace_id, service_tier, batch, requests, input_tokens, cached_input_tokens,
                    cache_write_tokens, cache_write_1h_tokens, output_tokens, total_tokens)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )?;
            for u in &fetch.usage {
                ins.execute(params![
                    provider,
                    u.day.to_string(),
                    opt(&u.model),
                    opt(&u.project_id),
                    opt(&u.api_key_id),
                    opt(&u.workspace_id),
                    opt(&u.service_tier),
                    u.batch,
                    u.requests,
                    u.input_tokens,
                    u.cached_input_tokens,
                    u.cache_write_tokens,
                    u.cache_write_1h_tokens,
                    u.output_tokens,
                    u.total(),
                ])?;
            }
            let mut ins = tx.prepare_cached(
                "INSERT INTO billed_costs (provider, day, project_id, workspace_id, model,
                    line_item, cost_type, service_tier, amount_nano, quantity, quantity_unit)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            for c in &fetch.costs {
                ins.execute(params![
                    provider,
                    c.day.to_string(),
                    opt(&c.project_id),
                    opt(&c.workspace_id),
                    opt(&c.model),
                    opt(&c.line_item),
                    opt(&c.cost_type),
                    opt(&c.service_tier),
                    c.amount_nano,
                    c.quantity,
                    c.quantity_unit,
                ])?;
            }
            let mut day = tx.prepare_cached(
                "INSERT INTO billing_days (provider, day, fetched_at_ms, usage_rows, cost_rows)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT DO UPDATE SET fetched_at_ms = excluded.fetched_at_ms,
                    usage_rows = excluded.usage_rows, cost_rows = excluded.cost_rows",
            )?;
            let mut counts: std::collections::HashMap<NaiveDate, (i64, i64)> =
                std::collections::HashMap::new();
            for u in &fetch.usage {
                counts.entry(u.day).or_default().0 += 1;
            }
            for c in &fetch.costs {
                counts.entry(c.day).or_default().1 += 1;
            }
            for d in range.days() {
                let (usage, costs) = counts.get(&d).copied().unwrap_or_default();
                day.execute(params![provider, d.to_string(), at_ms, usage, costs])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The days of `provider` fetched so far.
    pub fn billing_days(&self, provider: &str) -> Result<Vec<BillingDay>> {
        let mut stmt = self.conn().prepare(
            "SELECT day, fetched_at_ms, usage_rows, cost_rows FROM billing_days
             WHERE provider = ?1 ORDER BY day",
        )?;
        let rows = stmt.query_map([provider], |r| {
            let day: String = r.get(0)?;
            Ok((day, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (day, fetched_at_ms, usage_rows, cost_rows) = row?;
            if let Ok(day) = day.parse() {
                out.push(BillingDay {
                    day,
                    fetched_at_ms,
                    usage_rows,
                    cost_rows,
                });
            }
        }
        Ok(out)
    }

    /// What a sync with no period fetches: the last 3 UTC days again (the provider may still
    /// add to them) and every day since the last sync; 30 days the first time.
    pub fn default_sync_range(&self, provider: &str, today: NaiveDate) -> Result<DayRange> {
        let last: Option<String> = self.conn().query_row(
            "SELECT max(day) FROM billing_days WHERE provider = ?1",
            [provider],
            |r| r.get(0),
        )?;
        let trailing = today - chrono::Days::new(2);
        let from = match last.and_then(|d| d.parse::<NaiveDate>().ok()) {
            Some(last) => trailing.min(last + chrono::Days::new(1)),
            None => today - chrono::Days::new(29),
        };
        // A long gap is capped at a year per sync.
        let from = from.max(today - chrono::Days::new(365));
        DayRange::new(from, today)
    }

    /// Replaces the organisation's projects and their keys.
    pub fn store_openai_projects(
        &mut self,
        projects: &[OpenAiProject],
        keys: &[OpenAiProjectKey],
        at_ms: i64,
    ) -> Result<()> {
        let tx = self.write_tx()?;
        tx.execute("DELETE FROM openai_projects", [])?;
        tx.execute("DELETE FROM openai_project_keys", [])?;
        for p in projects {
            tx.execute(
                "INSERT OR REPLACE INTO openai_projects (id, name, status, created_at, archived_at,
                    synced_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![p.id, p.name, p.status, p.created_at, p.archived_at, at_ms],
            )?;
        }
        for k in keys {
            tx.execute(
                "INSERT OR REPLACE INTO openai_project_keys (id, project_id, name, redacted_value,
                    created_at, last_used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    k.id,
                    k.project_id,
                    k.name,
                    k.redacted_value,
                    k.created_at,
                    k.last_used_at
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The organisation's projects as last synced.
    pub fn openai_projects(&self) -> Result<Vec<OpenAiProject>> {
        let mut stmt = self.conn().prepare(
            "SELECT id, name, status, created_at, archived_at FROM openai_projects
             ORDER BY status, name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(OpenAiProject {
                id: r.get(0)?,
                name: r.get(1)?,
                status: r.get(2)?,
                created_at: r.get(3)?,
                archived_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Every project's keys as last synced.
    pub fn openai_project_keys(&self) -> Result<Vec<OpenAiProjectKey>> {
        let mut stmt = self.conn().prepare(
            "SELECT id, project_id, name, redacted_value, created_at, last_used_at
             FROM openai_project_keys ORDER BY project_id, name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(OpenAiProjectKey {
                id: r.get(0)?,
                project_id: r.get(1)?,
                name: r.get(2)?,
                redacted_value: r.get(3)?,
                created_at: r.get(4)?,
                last_used_at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Maps a saved inference key onto the provider's key id and project; the key's OpenAI runs
    /// that have no project yet take it (the roll-ups follow by trigger). Returns how many runs
    /// were attributed.
    pub fn map_key_to_project(
        &mut self,
        key_id: &str,
        provider_key_id: Option<&str>,
        project_id: Option<&str>,
    ) -> Result<usize> {
        let tx = self.write_tx()?;
        tx.execute(
            "UPDATE api_keys SET provider_key_id = ?2, bound_project_id = ?3 WHERE id = ?1",
            params![key_id, provider_key_id, project_id],
        )?;
        let n = match project_id {
            Some(p) => tx.execute(
                "UPDATE runs SET project_id = ?2
                 WHERE key_id = ?1 AND provider = 'openai' AND project_id IS NULL",
                params![key_id, p],
            )?,
            None => 0,
        };
        tx.commit()?;
        Ok(n)
    }

    /// The OpenAI projects saved keys belong to (their `OpenAI-Project`, or the project a sync
    /// mapped them to), in order.
    pub fn key_projects(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT DISTINCT COALESCE(project, bound_project_id) AS p FROM api_keys
             WHERE p IS NOT NULL ORDER BY p",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// A saved key's mapping: `(provider key id, project id)`, when it was mapped.
    pub fn key_mapping(&self, key_id: &str) -> Result<Option<(String, Option<String>)>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT provider_key_id, COALESCE(project, bound_project_id) FROM api_keys
                 WHERE id = ?1 AND provider_key_id IS NOT NULL",
                [key_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// The OpenAI project a run was attributed to.
    pub fn run_project(&self, run_id: i64) -> Result<Option<String>> {
        self.conn()
            .query_row("SELECT project_id FROM runs WHERE id = ?1", [run_id], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| CoreError::NotFound {
                what: "run",
                id: run_id.to_string(),
            })
    }

    /// Records what OpenRouter's `/generation` says a run cost.
    pub fn store_generation(
        &mut self,
        run_id: i64,
        g: &crate::billing::Generation,
        at_ms: i64,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO billed_generations (run_id, generation_id, fetched_at_ms, total_cost_nano,
                tokens_prompt, tokens_completion, model, provider_name)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT DO UPDATE SET fetched_at_ms = excluded.fetched_at_ms,
                total_cost_nano = excluded.total_cost_nano,
                tokens_prompt = excluded.tokens_prompt,
                tokens_completion = excluded.tokens_completion,
                model = excluded.model, provider_name = excluded.provider_name",
            params![
                run_id,
                g.id,
                at_ms,
                g.total_cost_nano,
                g.tokens_prompt,
                g.tokens_completion,
                g.model,
                g.provider_name
            ],
        )?;
        Ok(())
    }

    /// OpenRouter runs of `range` with a response id and no generation looked up yet:
    /// `(run id, generation id, key id)`.
    pub fn openrouter_runs_to_check(
        &self,
        range: DayRange,
    ) -> Result<Vec<(i64, String, Option<String>)>> {
        let mut stmt = self.conn().prepare(
            "SELECT r.id, r.request_id, r.key_id FROM runs r
             LEFT JOIN billed_generations g ON g.run_id = r.id
             WHERE r.provider = 'openrouter' AND r.started_at_ms >= ?1 AND r.started_at_ms < ?2
               AND r.request_id IS NOT NULL AND r.cache_hit = 0 AND g.run_id IS NULL
             ORDER BY r.id",
        )?;
        let rows = stmt.query_map(
            params![range.start_secs() * 1000, range.end_secs() * 1000],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
