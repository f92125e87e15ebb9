//! Repairs a ledger poisoned by impossible usage (issue 14): runs recorded before usage was
//! bounded, with counts above [`MAX_TOKENS`] or a cost above [`MAX_RUN_COST`] (a saturated
//! i64::MAX), become `invalid_response` errors whose cost is unknown; their figures stay in the
//! error message; the roll-up is rebuilt. Runs once, when a ledger is upgraded past migration 9.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::Result;
use crate::ledger::rollup::REBUILD;
use crate::pricing::cost::MAX_RUN_COST;
use crate::pricing::usage::MAX_TOKENS;

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
        "DELETE FROM rollup_day; DELETE FROM rollup_day_model; {REBUILD}"
    ))?;
    tx.commit()?;
    Ok(u64::try_from(n).unwrap_or(0))
}
