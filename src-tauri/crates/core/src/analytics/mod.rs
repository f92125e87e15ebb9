//! Analytics: the dashboard's figures for a period and filters, each compared with the previous
//! period of the same length. Everything but the "most expensive runs" list is read from the
//! `rollup_day` table, so a year over ten million runs costs a few thousand roll-up rows. This
//! file holds the figures' types; `dashboard.rs` combines the ledger's roll-up rows into them.

pub use crate::ledger::hist;
pub mod advisor;
mod dashboard;
pub mod period;
pub mod whatif;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ledger::Zone;
use crate::ledger::rollup_read::RollupRow;
pub use crate::ledger::rollup_read::{Tokens, TopRun};
use crate::money::NanoUsd;
use hist::LatencyHist;
pub use period::{DayRange, Filters, Period, Preset, day_key};

/// Sums over a set of runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Totals {
    /// Runs.
    pub runs: i64,
    /// Runs that completed (`ok`).
    pub ok_runs: i64,
    /// Tokens by component.
    pub tokens: Tokens,
    /// All tokens.
    pub total_tokens: i64,
    /// Cost, nano-USD, of the runs whose cost is known.
    pub cost_nano: NanoUsd,
    /// Runs whose cost is unknown (their model has no price): counted in `runs`, not in the
    /// cost — shown beside it, never summed as 0.
    pub unpriced_runs: i64,
    /// Average cost per priced run, nano-USD (rounded down).
    pub avg_cost_nano: NanoUsd,
    /// `ok_runs / runs`, `0.0..=1.0`; `None` without runs.
    pub success_rate: Option<f64>,
    /// Mean latency (ms) of runs with a latency.
    pub latency_avg_ms: Option<i64>,
    /// Median latency (ms, ±5 %).
    pub latency_p50_ms: Option<i64>,
    /// 95th percentile latency (ms, ±5 %).
    pub latency_p95_ms: Option<i64>,
    /// What cached input tokens saved against the plain input rate, nano-USD.
    pub cache_saved_nano: NanoUsd,
    /// Runs answered from the response cache.
    pub cache_hits: i64,
    #[serde(skip)]
    latency_sum: i64,
    #[serde(skip)]
    latency_count: i64,
    #[serde(skip)]
    hist: Option<LatencyHist>,
}

impl Totals {
    fn add_row(&mut self, row: &RollupRow) {
        self.runs += row.runs;
        self.ok_runs += row.ok_runs;
        self.tokens.add(&row.tokens);
        self.cost_nano += row.cost_nano;
        self.unpriced_runs += row.unpriced_runs;
        self.cache_saved_nano += row.saved_nano;
        self.cache_hits += row.cache_hits;
        self.latency_sum += row.latency_sum;
        self.latency_count += row.latency_count;
        if !row.hist.is_empty() {
            self.hist
                .get_or_insert_with(LatencyHist::new)
                .merge_encoded(&row.hist);
        }
    }

    fn finish(&mut self) {
        self.total_tokens = self.tokens.total();
        self.avg_cost_nano = self.cost_nano.per(self.runs - self.unpriced_runs);
        self.success_rate = (self.runs > 0).then(|| self.ok_runs as f64 / self.runs as f64);
        self.latency_avg_ms =
            (self.latency_count > 0).then(|| self.latency_sum / self.latency_count);
        if let Some(h) = &self.hist {
            self.latency_p50_ms = h.quantile(0.5);
            self.latency_p95_ms = h.quantile(0.95);
        }
    }
}

/// Relative change against the previous period (`0.25` = +25 %); `None` when the previous
/// period had nothing to compare with.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Change {
    /// Runs.
    pub runs: Option<f64>,
    /// Cost.
    pub cost: Option<f64>,
    /// Tokens.
    pub tokens: Option<f64>,
    /// Average cost per run.
    pub avg_cost: Option<f64>,
    /// Success rate, in percentage points (`-2.0` = two points lower).
    pub success_rate_points: Option<f64>,
    /// Median latency.
    pub latency_p50: Option<f64>,
}

fn rel(now: i64, before: i64) -> Option<f64> {
    (before != 0).then(|| (now - before) as f64 / before as f64)
}

impl Change {
    fn between(now: &Totals, before: &Totals) -> Change {
        Change {
            runs: rel(now.runs, before.runs),
            cost: rel(now.cost_nano.0, before.cost_nano.0),
            tokens: rel(now.total_tokens, before.total_tokens),
            avg_cost: rel(now.avg_cost_nano.0, before.avg_cost_nano.0),
            success_rate_points: now
                .success_rate
                .zip(before.success_rate)
                .map(|(a, b)| (a - b) * 100.0),
            latency_p50: now
                .latency_p50_ms
                .zip(before.latency_p50_ms)
                .and_then(|(a, b)| rel(a, b)),
        }
    }
}

/// One line of a per-model or per-provider breakdown.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BreakdownRow {
    /// Model id (per model) or provider id (per provider).
    pub name: String,
    /// The model's provider (per model); the provider itself otherwise.
    pub provider: String,
    /// Sums.
    pub totals: Totals,
    /// Share of the period's cost, `0.0..=1.0`.
    pub cost_share: f64,
}

/// One local day.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DayPoint {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Runs.
    pub runs: i64,
    /// Completed runs.
    pub ok_runs: i64,
    /// Cost, nano-USD.
    pub cost_nano: NanoUsd,
    /// Tokens by component.
    pub tokens: Tokens,
    /// Cost per provider, nano-USD.
    pub cost_by_provider: BTreeMap<String, NanoUsd>,
    /// Cost per model, nano-USD.
    pub cost_by_model: BTreeMap<String, NanoUsd>,
    /// Cost per operation, nano-USD.
    pub cost_by_operation: BTreeMap<String, NanoUsd>,
}

/// One latency histogram bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LatencyBucket {
    /// Lower bound, ms (inclusive).
    pub low_ms: i64,
    /// Upper bound, ms (exclusive).
    pub high_ms: i64,
    /// Runs.
    pub runs: i64,
}

/// What the Analytics screen (and `promptledger report`) shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Dashboard {
    /// Zone the days are counted in.
    pub time_zone: Zone,
    /// The period.
    pub range: DayRange,
    /// The previous period of the same length.
    pub previous_range: DayRange,
    /// Filters applied.
    pub filters: Filters,
    /// Sums for the period.
    pub totals: Totals,
    /// Sums for the previous period.
    pub previous: Totals,
    /// Change against the previous period.
    pub change: Change,
    /// Per model, most expensive first.
    pub by_model: Vec<BreakdownRow>,
    /// Per provider, most expensive first.
    pub by_provider: Vec<BreakdownRow>,
    /// Per operation (chat, embedding, image, transcription, speech), most expensive first;
    /// `name` is the operation's id.
    pub by_operation: Vec<BreakdownRow>,
    /// Per OpenAI project (runs with a saved key of a project), most expensive first; empty
    /// when no saved key has a project.
    pub by_project: Vec<BreakdownRow>,
    /// What the providers billed beside what was recorded here (days with a fetched bill, UTC);
    /// only without model, key, tag, status or project filters (a bill has no such split).
    pub billed: Option<crate::billing::BilledBeside>,
    /// Every day of the period, in order (days without runs included, at zero).
    pub days: Vec<DayPoint>,
    /// Latency histogram of the period.
    pub latency: Vec<LatencyBucket>,
    /// The most expensive runs, most expensive first.
    pub top_runs: Vec<TopRun>,
    /// Requests sent and not yet recorded (now, whatever the period): not in any figure above
    /// until they are.
    pub in_flight_runs: i64,
}

/// A dashboard request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DashboardQuery {
    /// The period.
    pub period: Period,
    /// Filters.
    #[serde(default)]
    pub filters: Filters,
    /// How many of the most expensive runs to list (default 10, at most 100).
    #[serde(default)]
    pub top: Option<usize>,
}
