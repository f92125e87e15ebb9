//! The schema's forward-only migrations, one timestamped SQL file each.

use rusqlite_migration::{M, Migrations};

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
