//! The schema's forward-only migrations, one timestamped SQL file each, applied in one
//! transaction that holds the write lock: processes opening a new (or old) ledger at once queue
//! up, and each re-reads the version once it has the lock, so a migration runs exactly once.

use rusqlite::{Connection, TransactionBehavior};
use rusqlite_migration::{M, Migrations};
use std::time::Duration;

use crate::error::{CoreError, Result};

const FILES: &[(&str, &str)] = &[
    (
        "20261121_0001_initial.sql",
        include_str!("migrations/20261121_0001_initial.sql"),
    ),
    (
        "20261121_0002_daily_rollup.sql",
        include_str!("migrations/20261121_0002_daily_rollup.sql"),
    ),
    (
        "20261122_0003_history_search.sql",
        include_str!("migrations/20261122_0003_history_search.sql"),
    ),
    (
        "20261122_0004_comparisons.sql",
        include_str!("migrations/20261122_0004_comparisons.sql"),
    ),
    (
        "20261122_0005_local_rollup.sql",
        include_str!("migrations/20261122_0005_local_rollup.sql"),
    ),
    (
        "20261122_0006_budgets_cache_failover.sql",
        include_str!("migrations/20261122_0006_budgets_cache_failover.sql"),
    ),
    (
        "20261130_0007_rate_sets_multipliers.sql",
        include_str!("migrations/20261130_0007_rate_sets_multipliers.sql"),
    ),
    (
        "20261130_0008_unpriced_runs.sql",
        include_str!("migrations/20261130_0008_unpriced_runs.sql"),
    ),
    (
        "20261130_0009_repair_and_scrub.sql",
        include_str!("migrations/20261130_0009_repair_and_scrub.sql"),
    ),
    (
        "20261130_0010_runs_in_flight.sql",
        include_str!("migrations/20261130_0010_runs_in_flight.sql"),
    ),
    (
        "20261130_0011_billing_reconcile.sql",
        include_str!("migrations/20261130_0011_billing_reconcile.sql"),
    ),
    (
        "20261130_0012_price_history_what_if.sql",
        include_str!("migrations/20261130_0012_price_history_what_if.sql"),
    ),
    (
        "20261130_0013_rollup_price_model.sql",
        include_str!("migrations/20261130_0013_rollup_price_model.sql"),
    ),
    (
        "20261130_0014_batch_jobs.sql",
        include_str!("migrations/20261130_0014_batch_jobs.sql"),
    ),
    (
        "20261130_0015_otlp_outbox.sql",
        include_str!("migrations/20261130_0015_otlp_outbox.sql"),
    ),
    (
        "20261130_0016_operations.sql",
        include_str!("migrations/20261130_0016_operations.sql"),
    ),
];

/// The schema version this build writes (the number of migrations).
pub const SCHEMA_VERSION: i64 = FILES.len() as i64;

/// All migrations, in order.
pub fn migrations() -> Migrations<'static> {
    Migrations::new(
        FILES
            .iter()
            .map(|(name, sql)| M::up(sql).comment(name).foreign_key_check())
            .collect(),
    )
}

/// How long a process waits for another one that is migrating the same ledger (a large
/// ledger's table rebuild takes seconds).
const MIGRATION_WAIT: Duration = Duration::from_secs(120);

/// Brings the schema up to date. Call with foreign keys off (table rebuilds need it); each
/// migration's foreign keys are checked before the one commit. Restores `busy` afterwards.
pub(crate) fn migrate(conn: &mut Connection, busy: Duration) -> Result<()> {
    let version = |c: &Connection| -> Result<i64> {
        Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?)
    };
    if version(conn)? >= SCHEMA_VERSION {
        return Ok(());
    }
    conn.busy_timeout(MIGRATION_WAIT)?;
    let done = (|| -> Result<()> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have migrated while this one waited for the lock.
        let found = usize::try_from(version(&tx)?).unwrap_or(0);
        for (name, sql) in FILES.iter().skip(found) {
            let failed = |e: rusqlite::Error| CoreError::Migration {
                name,
                reason: e.to_string().lines().next().unwrap_or_default().to_string(),
            };
            tx.execute_batch(sql).map_err(failed)?;
            let broken: i64 = tx
                .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                    r.get(0)
                })
                .map_err(failed)?;
            if broken > 0 {
                return Err(CoreError::Migration {
                    name,
                    reason: format!("{broken} rows would point at missing rows"),
                });
            }
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()?;
        Ok(())
    })();
    conn.busy_timeout(busy)?;
    done
}
