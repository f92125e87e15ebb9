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

impl Ledger {
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
        tx.execute_batch(&format!("DELETE FROM rollup_day; {REBUILD}"))?;
        tx.commit()?;
        Ok(())
    }
}

/// The statement that rolls every run up; migration 5 backfills with the same one.
const REBUILD: &str = "INSERT INTO rollup_day
    SELECT pl_day(started_at_ms), provider, COALESCE(model_resolved, model_requested),
           COALESCE(key_id, ''), COALESCE(tag, ''), status, count(*),
           sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
           sum(cache_write_1h_tokens), sum(output_tokens), sum(reasoning_tokens),
           sum(cost_total_nano),
           sum(CASE WHEN rate_input > rate_cached_input
                    THEN cached_input_tokens * (rate_input - rate_cached_input) / 1000000
                    ELSE 0 END),
           sum(cache_hit), sum(COALESCE(latency_ms, 0)), sum(latency_ms IS NOT NULL),
           pl_hist_of(latency_ms)
    FROM runs GROUP BY 1, 2, 3, 4, 5, 6;";
