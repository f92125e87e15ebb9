//! Repairs made once, when a ledger is upgraded past migration 9 (issue 14):
//!
//! - runs poisoned by impossible usage, recorded before usage was bounded (counts above
//!   [`MAX_TOKENS`], a cost above [`MAX_RUN_COST`] such as a saturated i64::MAX), become
//!   `invalid_response` errors whose cost is unknown, their figures kept in the error message,
//!   and the roll-up is rebuilt;
//! - provider text stored before redaction existed (run errors, failover attempts, keys' last
//!   errors) has its key shapes masked, with SQLite's `secure_delete` on so the old text does
//!   not linger in free pages, and the WAL is truncated.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::Result;
use crate::ledger::rollup::REBUILD;
use crate::pricing::cost::MAX_RUN_COST;
use crate::pricing::usage::MAX_TOKENS;
use crate::redact;

/// The triggers that keep a bill immutable; lifted for the repair's one update, then restored
/// exactly as the schema has them.
const GUARDS: [&str; 2] = ["runs_billing_immutable", "runs_cost_immutable"];

/// Repairs the poisoned runs; returns how many there were.
pub(crate) fn repair_overflowed_runs(conn: &mut Connection) -> Result<u64> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let poisoned = "cost_total_nano > ?1 OR cost_total_nano < 0 OR input_tokens > ?2
        OR cached_input_tokens > ?2 OR cache_write_tokens > ?2 OR cache_write_1h_tokens > ?2
        OR output_tokens > ?2 OR reasoning_tokens > ?2";
    let limits = (
        MAX_RUN_COST.0,
        i64::try_from(MAX_TOKENS).unwrap_or(i64::MAX),
    );
    let n: i64 = tx.query_row(
        &format!("SELECT count(*) FROM runs WHERE {poisoned}"),
        limits,
        |r| r.get(0),
    )?;
    if n == 0 {
        return Ok(0);
    }
    let mut guards = Vec::new();
    for name in GUARDS {
        let sql: Option<String> = tx
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?1",
                [name],
                |r| r.get(0),
            )
            .ok();
        if let Some(sql) = sql {
            tx.execute_batch(&format!("DROP TRIGGER {name}"))?;
            guards.push(sql);
        }
    }
    tx.execute(
        &format!(
            "UPDATE runs SET status = 'error', error_code = 'invalid_response',
                error_message = 'the provider reported a usage that cannot be billed ('
                    || input_tokens || ' input, ' || cached_input_tokens || ' cached, '
                    || (cache_write_tokens + cache_write_1h_tokens) || ' cache-write, '
                    || output_tokens || ' output, ' || reasoning_tokens || ' reasoning tokens; '
                    || 'recorded cost ' || COALESCE(cost_total_nano, 0) || ' nano-USD); '
                    || 'repaired by PromptLedger: the cost is unknown'
                    || COALESCE(' — ' || error_message, ''),
                input_tokens = 0, cached_input_tokens = 0, cache_write_tokens = 0,
                cache_write_1h_tokens = 0, output_tokens = 0, reasoning_tokens = 0,
                rate_input = 0, rate_cached_input = 0, rate_cache_write = 0,
                rate_cache_write_1h = 0, rate_output = 0, rate_reasoning = 0,
                cost_input_nano = 0, cost_cached_input_nano = 0, cost_cache_write_nano = 0,
                cost_cache_write_1h_nano = 0, cost_output_nano = 0, cost_reasoning_nano = 0,
                cost_total_nano = NULL, provider_cost_nano = NULL, cost_source = 'unpriced',
                price_key = NULL, multiplier_json = NULL
             WHERE {poisoned}"
        ),
        limits,
    )?;
    for sql in guards {
        tx.execute_batch(&sql)?;
    }
    tx.execute_batch(&format!(
        "DELETE FROM rollup_day; DELETE FROM rollup_day_model; DELETE FROM rollup_price;
         DELETE FROM rollup_price_model; {REBUILD}"
    ))?;
    tx.commit()?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Masks key shapes in stored provider text; returns how many values changed.
pub(crate) fn scrub_stored_text(conn: &mut Connection) -> Result<u64> {
    conn.pragma_update(None, "secure_delete", "ON")?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut changed = 0u64;
    for (table, key, column) in [
        ("runs", "id", "error_message"),
        ("runs", "id", "attempts_json"),
        ("api_keys", "id", "last_error_message"),
    ] {
        let rows: Vec<(rusqlite::types::Value, String)> = {
            let mut stmt = tx.prepare(&format!(
                "SELECT {key}, {column} FROM {table} WHERE {column} IS NOT NULL"
            ))?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        for (id, text) in rows {
            let clean = redact::mask(&text, &[]);
            if clean != text {
                tx.execute(
                    &format!("UPDATE {table} SET {column} = ?2 WHERE {key} = ?1"),
                    rusqlite::params![id, clean],
                )?;
                changed += 1;
            }
        }
    }
    tx.commit()?;
    conn.pragma_update(None, "secure_delete", "OFF")?;
    if changed > 0 {
        // Old frames of the WAL held the unmasked text.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    Ok(changed)
}
