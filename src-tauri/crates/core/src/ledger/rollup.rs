//! Reading and rebuilding the daily roll-up (`rollup_day`, by local day in the ledger's zone)
//! that triggers keep current on every run write.

use serde::Serialize;

use crate::error::Result;
use crate::ledger::Ledger;
use crate::money::NanoUsd;

/// One roll-up row: a local day × provider × model × key × tag × status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollupRow {
    /// `YYYY-MM-DD`, local to the ledger's zone.
    pub day: String,
    /// Provider id.
    pub provider: String,
    /// Model.
    pub model: String,
    /// Key id, `""` for none.
    pub key_id: String,
    /// Tag, `""` for none.
    pub tag: String,
    /// Run status.
    pub status: String,
    /// Runs.
    pub runs: i64,
    /// Sum of all token components.
    pub tokens: i64,
    /// Cost.
    pub cost: NanoUsd,
}

/// The values that occur in the roll-up, for filter menus.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RollupValues {
    /// Provider ids.
    pub providers: Vec<String>,
    /// Models.
    pub models: Vec<String>,
    /// `(key id, label)`; a removed key keeps its label.
    pub keys: Vec<(String, String)>,
    /// Tags.
    pub tags: Vec<String>,
}

impl Ledger {
    /// Providers, models, keys and tags that have runs.
    pub fn rollup_values(&self) -> Result<RollupValues> {
        let list = |sql: &str| -> Result<Vec<String>> {
            let mut stmt = self.conn().prepare(sql)?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
        };
        let mut stmt = self.conn().prepare(
            "SELECT r.key_id, COALESCE(k.label, r.key_id)
             FROM (SELECT DISTINCT key_id FROM rollup_day WHERE key_id <> '') r
             LEFT JOIN api_keys k ON k.id = r.key_id ORDER BY 2",
        )?;
        let keys = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(RollupValues {
            providers: list("SELECT DISTINCT provider FROM rollup_day_model ORDER BY 1")?,
            models: list("SELECT DISTINCT model FROM rollup_day_model ORDER BY 1")?,
            keys,
            tags: list("SELECT DISTINCT tag FROM rollup_day WHERE tag <> '' ORDER BY 1")?,
        })
    }

    /// Roll-up rows for days in `[from_day, to_day]` (inclusive, `YYYY-MM-DD`).
    pub fn rollup(&self, from_day: &str, to_day: &str) -> Result<Vec<RollupRow>> {
        let mut stmt = self.conn().prepare(
            "SELECT day, provider, model, key_id, tag, status, runs,
                    input_tokens + cached_input_tokens + cache_write_tokens + cache_write_1h_tokens
                    + output_tokens + reasoning_tokens, cost_nano
             FROM rollup_day WHERE day BETWEEN ?1 AND ?2
             ORDER BY day, provider, model, key_id, tag, status",
        )?;
        let rows = stmt.query_map([from_day, to_day], |r| {
            Ok(RollupRow {
                day: r.get(0)?,
                provider: r.get(1)?,
                model: r.get(2)?,
                key_id: r.get(3)?,
                tag: r.get(4)?,
                status: r.get(5)?,
                runs: r.get(6)?,
                tokens: r.get(7)?,
                cost: NanoUsd(r.get(8)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Recomputes the roll-up from the runs table (after a zone change, or by request).
    pub fn rebuild_rollup(&mut self) -> Result<()> {
        let tx = self.write_tx()?;
        tx.execute_batch(&format!(
            "DELETE FROM rollup_day; DELETE FROM rollup_day_model; DELETE FROM rollup_price;
             DELETE FROM rollup_price_model; {REBUILD}"
        ))?;
        tx.commit()?;
        Ok(())
    }
}

/// The statements that roll every run up (also run once after migration 5).
pub(crate) const REBUILD: &str = "INSERT INTO rollup_day
    SELECT pl_day(started_at_ms), provider, COALESCE(model_resolved, model_requested),
           COALESCE(key_id, ''), COALESCE(tag, ''), status, operation, count(*),
           sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
           sum(cache_write_1h_tokens), sum(output_tokens), sum(reasoning_tokens),
           COALESCE(sum(cost_total_nano), 0),
           sum(pl_saved(cached_input_tokens, rate_input, rate_cached_input, saved_nano)),
           sum(cache_hit), sum(COALESCE(latency_ms, 0)), sum(latency_ms IS NOT NULL),
           pl_hist_of(latency_ms), sum(cost_total_nano IS NULL)
    FROM runs GROUP BY 1, 2, 3, 4, 5, 6, 7;
    INSERT INTO rollup_day_model
    SELECT day, provider, model, operation, sum(runs), sum(CASE WHEN status = 'ok' THEN runs ELSE 0 END),
           sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
           sum(cache_write_1h_tokens), sum(output_tokens), sum(reasoning_tokens),
           sum(cost_nano), sum(saved_nano), sum(cache_hits), sum(latency_ms_sum),
           sum(latency_count), pl_hist_merge(latency_hist), sum(unpriced_runs)
    FROM rollup_day GROUP BY 1, 2, 3, 4;
    INSERT INTO rollup_price
    SELECT pl_day(started_at_ms), provider, COALESCE(model_resolved, model_requested),
           COALESCE(price_key, ''), COALESCE(key_id, ''), COALESCE(tag, ''), status,
           pl_band(input_tokens + cached_input_tokens + cache_write_tokens
                   + cache_write_1h_tokens),
           count(*), sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
           sum(cache_write_1h_tokens), sum(output_tokens), sum(reasoning_tokens),
           sum(cost_total_nano)
    FROM runs WHERE cache_hit = 0 AND cost_total_nano IS NOT NULL AND unit IS NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;";
