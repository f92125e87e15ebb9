//! Analytics: the dashboard's figures for a period and filters, each compared with the previous
//! period of the same length. Everything but the "most expensive runs" list is read from the
//! `rollup_day` table, so a year over ten million runs costs a few thousand roll-up rows.

pub mod hist;
pub mod period;

use std::collections::BTreeMap;

use rusqlite::types::Value;
use serde::Serialize;

use crate::error::Result;
use crate::ledger::{Ledger, Zone};
use hist::{LatencyHist, bucket_range};
pub use period::{DayRange, Filters, Period, Preset, day_key};

/// Token counts by billing component.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tokens {
    /// Uncached input.
    pub input: i64,
    /// Cached input (cache reads).
    pub cached_input: i64,
    /// Cache writes (5 min).
    pub cache_write: i64,
    /// Cache writes (1 h).
    pub cache_write_1h: i64,
    /// Output (reasoning excluded).
    pub output: i64,
    /// Reasoning.
    pub reasoning: i64,
}

impl Tokens {
    /// All components.
    pub fn total(&self) -> i64 {
        self.input
            + self.cached_input
            + self.cache_write
            + self.cache_write_1h
            + self.output
            + self.reasoning
    }

    fn add(&mut self, o: &Tokens) {
        self.input += o.input;
        self.cached_input += o.cached_input;
        self.cache_write += o.cache_write;
        self.cache_write_1h += o.cache_write_1h;
        self.output += o.output;
        self.reasoning += o.reasoning;
    }
}

/// Sums over a set of runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Runs.
    pub runs: i64,
    /// Runs that completed (`ok`).
    pub ok_runs: i64,
    /// Tokens by component.
    pub tokens: Tokens,
    /// All tokens.
    pub total_tokens: i64,
    /// Cost, nano-USD.
    pub cost_nano: i64,
    /// Average cost per run, nano-USD (rounded down).
    pub avg_cost_nano: i64,
    /// `ok_runs / runs`, `0.0..=1.0`; `None` without runs.
    pub success_rate: Option<f64>,
    /// Mean latency (ms) of runs with a latency.
    pub latency_avg_ms: Option<i64>,
    /// Median latency (ms, ±5 %).
    pub latency_p50_ms: Option<i64>,
    /// 95th percentile latency (ms, ±5 %).
    pub latency_p95_ms: Option<i64>,
    /// What cached input tokens saved against the plain input rate, nano-USD.
    pub cache_saved_nano: i64,
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
    fn add_row(&mut self, row: &GroupRow) {
        self.runs += row.runs;
        self.ok_runs += row.ok_runs;
        self.tokens.add(&row.tokens);
        self.cost_nano += row.cost_nano;
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
        self.avg_cost_nano = if self.runs > 0 {
            self.cost_nano / self.runs
        } else {
            0
        };
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
            cost: rel(now.cost_nano, before.cost_nano),
            tokens: rel(now.total_tokens, before.total_tokens),
            avg_cost: rel(now.avg_cost_nano, before.avg_cost_nano),
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
pub struct DayPoint {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Runs.
    pub runs: i64,
    /// Completed runs.
    pub ok_runs: i64,
    /// Cost, nano-USD.
    pub cost_nano: i64,
    /// Tokens by component.
    pub tokens: Tokens,
    /// Cost per provider, nano-USD.
    pub cost_by_provider: BTreeMap<String, i64>,
    /// Cost per model, nano-USD.
    pub cost_by_model: BTreeMap<String, i64>,
}

/// One latency histogram bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LatencyBucket {
    /// Lower bound, ms (inclusive).
    pub low_ms: i64,
    /// Upper bound, ms (exclusive).
    pub high_ms: i64,
    /// Runs.
    pub runs: i64,
}

/// One of the period's most expensive runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopRun {
    /// Run id.
    pub id: i64,
    /// Start, ms (UTC).
    pub started_at_ms: i64,
    /// Provider id.
    pub provider: String,
    /// Model.
    pub model: String,
    /// Key label at the time.
    pub key_label: Option<String>,
    /// Status.
    pub status: String,
    /// Cost, nano-USD.
    pub cost_nano: i64,
    /// Tokens, all components.
    pub tokens: i64,
    /// The prompt's first 160 characters.
    pub prompt_preview: String,
}

/// What the Analytics screen (and `promptledger report`) shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// Every day of the period, in order (days without runs included, at zero).
    pub days: Vec<DayPoint>,
    /// Latency histogram of the period.
    pub latency: Vec<LatencyBucket>,
    /// The most expensive runs, most expensive first.
    pub top_runs: Vec<TopRun>,
}

/// A dashboard request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
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

/// One grouped roll-up row (day × provider × model).
struct GroupRow {
    day: String,
    provider: String,
    model: String,
    runs: i64,
    ok_runs: i64,
    tokens: Tokens,
    cost_nano: i64,
    saved_nano: i64,
    cache_hits: i64,
    latency_sum: i64,
    latency_count: i64,
    hist: Vec<u8>,
}

/// The sums over `rollup_day_model` (the narrow table); `WIDE_SUMS` over `rollup_day`.
const SUMS: &str =
    "sum(runs), sum(ok_runs), sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
    sum(cache_write_1h_tokens), sum(output_tokens), sum(reasoning_tokens), sum(cost_nano),
    sum(saved_nano), sum(cache_hits), sum(latency_ms_sum), sum(latency_count),
    pl_hist_merge(latency_hist)";
const WIDE_SUMS: &str = "sum(runs), sum(CASE WHEN status = 'ok' THEN runs ELSE 0 END),
    sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
    sum(cache_write_1h_tokens), sum(output_tokens), sum(reasoning_tokens), sum(cost_nano),
    sum(saved_nano), sum(cache_hits), sum(latency_ms_sum), sum(latency_count),
    pl_hist_merge(latency_hist)";

/// The roll-up table and sums that answer these filters: the narrow day × model table unless a
/// filter needs the key, tag or status dimension.
pub(crate) fn source(f: &Filters) -> (&'static str, &'static str) {
    if f.key_id.is_some() || f.tag.is_some() || f.status.is_some() {
        ("rollup_day", WIDE_SUMS)
    } else {
        ("rollup_day_model", SUMS)
    }
}

/// `WHERE` conditions over a roll-up table for a day range (all days when `None`) and filters,
/// with their parameters. The analytics queries, the run count and the report share it.
pub(crate) fn rollup_where(range: Option<&DayRange>, f: &Filters) -> (String, Vec<Value>) {
    let mut sql = String::from("1");
    let mut params = Vec::new();
    if let Some(r) = range {
        sql.push_str(" AND day BETWEEN ? AND ?");
        params.push(Value::Text(day_key(r.from)));
        params.push(Value::Text(day_key(r.to)));
    }
    for (col, v) in [
        ("provider", &f.provider),
        ("model", &f.model),
        ("key_id", &f.key_id),
        ("tag", &f.tag),
        ("status", &f.status),
    ] {
        if let Some(v) = v {
            sql.push_str(&format!(" AND {col} = ?"));
            params.push(Value::Text(v.clone()));
        }
    }
    (sql, params)
}

fn group_row(r: &rusqlite::Row<'_>, offset: usize) -> rusqlite::Result<GroupRow> {
    let g = |i: usize| -> rusqlite::Result<i64> {
        Ok(r.get::<_, Option<i64>>(offset + i)?.unwrap_or(0))
    };
    Ok(GroupRow {
        day: String::new(),
        provider: String::new(),
        model: String::new(),
        runs: g(0)?,
        ok_runs: g(1)?,
        tokens: Tokens {
            input: g(2)?,
            cached_input: g(3)?,
            cache_write: g(4)?,
            cache_write_1h: g(5)?,
            output: g(6)?,
            reasoning: g(7)?,
        },
        cost_nano: g(8)?,
        saved_nano: g(9)?,
        cache_hits: g(10)?,
        latency_sum: g(11)?,
        latency_count: g(12)?,
        hist: r
            .get::<_, Option<Vec<u8>>>(offset + 13)?
            .unwrap_or_default(),
    })
}

impl Ledger {
    /// The dashboard for a period and filters.
    pub fn dashboard(&self, query: &DashboardQuery) -> Result<Dashboard> {
        self.dashboard_on(query, self.time_zone().today())
    }

    /// The dashboard as it would be on `today` (tests pin the day).
    pub fn dashboard_on(
        &self,
        query: &DashboardQuery,
        today: chrono::NaiveDate,
    ) -> Result<Dashboard> {
        let filters = query.filters.normalized();
        let range = query.period.range(today)?;
        let previous_range = range.previous();

        let (table, sums) = source(&filters);
        let (cond, params) = rollup_where(Some(&range), &filters);
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT day, provider, model, {sums} FROM {table} WHERE {cond}
             GROUP BY day, provider, model"
        ))?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| {
            let mut row = group_row(r, 3)?;
            row.day = r.get(0)?;
            row.provider = r.get(1)?;
            row.model = r.get(2)?;
            Ok(row)
        })?;

        let mut totals = Totals::default();
        let mut models: BTreeMap<(String, String), Totals> = BTreeMap::new();
        let mut providers: BTreeMap<String, Totals> = BTreeMap::new();
        let mut days: BTreeMap<String, DayPoint> = range
            .each_day()
            .map(|d| {
                let key = day_key(d);
                (
                    key.clone(),
                    DayPoint {
                        day: key,
                        ..DayPoint::default()
                    },
                )
            })
            .collect();
        for row in rows {
            let row = row?;
            totals.add_row(&row);
            models
                .entry((row.model.clone(), row.provider.clone()))
                .or_default()
                .add_row(&row);
            providers
                .entry(row.provider.clone())
                .or_default()
                .add_row(&row);
            if let Some(d) = days.get_mut(&row.day) {
                d.runs += row.runs;
                d.ok_runs += row.ok_runs;
                d.cost_nano += row.cost_nano;
                d.tokens.add(&row.tokens);
                *d.cost_by_provider.entry(row.provider.clone()).or_default() += row.cost_nano;
                *d.cost_by_model.entry(row.model.clone()).or_default() += row.cost_nano;
            }
        }
        totals.finish();

        let (cond, params) = rollup_where(Some(&previous_range), &filters);
        let mut previous = self
            .conn()
            .prepare_cached(&format!("SELECT {sums} FROM {table} WHERE {cond}"))?
            .query_row(rusqlite::params_from_iter(params.iter()), |r| {
                group_row(r, 0)
            })
            .map(|row| {
                let mut t = Totals::default();
                t.add_row(&row);
                t
            })?;
        previous.finish();

        let share = |cost: i64| {
            if totals.cost_nano > 0 {
                cost as f64 / totals.cost_nano as f64
            } else {
                0.0
            }
        };
        let mut by_model: Vec<BreakdownRow> = models
            .into_iter()
            .map(|((name, provider), mut t)| {
                t.finish();
                BreakdownRow {
                    cost_share: share(t.cost_nano),
                    name,
                    provider,
                    totals: t,
                }
            })
            .collect();
        by_model.sort_by(|a, b| {
            b.totals
                .cost_nano
                .cmp(&a.totals.cost_nano)
                .then(b.totals.runs.cmp(&a.totals.runs))
                .then(a.name.cmp(&b.name))
        });
        let mut by_provider: Vec<BreakdownRow> = providers
            .into_iter()
            .map(|(name, mut t)| {
                t.finish();
                BreakdownRow {
                    cost_share: share(t.cost_nano),
                    provider: name.clone(),
                    name,
                    totals: t,
                }
            })
            .collect();
        by_provider.sort_by(|a, b| {
            b.totals
                .cost_nano
                .cmp(&a.totals.cost_nano)
                .then(a.name.cmp(&b.name))
        });

        let latency = totals
            .hist
            .as_ref()
            .map(|h| {
                h.buckets()
                    .map(|(b, n)| {
                        let (lo, hi) = bucket_range(b);
                        LatencyBucket {
                            low_ms: i64::try_from(lo).unwrap_or(i64::MAX),
                            high_ms: i64::try_from(hi).unwrap_or(i64::MAX),
                            runs: i64::try_from(n).unwrap_or(i64::MAX),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();

        let top = query.top.unwrap_or(10).min(100);
        let top_runs = if top == 0 || totals.runs == 0 {
            Vec::new()
        } else {
            self.top_runs(&range, &filters, top, &totals)?
        };

        Ok(Dashboard {
            time_zone: self.time_zone(),
            change: Change::between(&totals, &previous),
            range,
            previous_range,
            filters,
            totals,
            previous,
            by_model,
            by_provider,
            days: days.into_values().collect(),
            latency,
            top_runs,
        })
    }

    /// The most expensive runs in a period. Walking the cost index from the top finds `top`
    /// matches after about `all / matching × top` index entries when matches are spread evenly;
    /// scanning the period by time reads every run in it. The plan with fewer rows is used.
    /// Runs that cost nothing are never "expensive": when the filters' cost is zero (failed
    /// runs, local models) the list is empty without a query.
    fn top_runs(
        &self,
        range: &DayRange,
        filters: &Filters,
        top: usize,
        matching: &Totals,
    ) -> Result<Vec<TopRun>> {
        if matching.cost_nano <= 0 {
            return Ok(Vec::new());
        }
        let (start, end) = range.instants(self.time_zone());
        let all: i64 = self
            .conn()
            .query_row("SELECT COALESCE(max(id), 0) FROM runs", [], |r| r.get(0))?;
        let in_period = self.count_runs(Some(range), &Filters::default())? as i64;
        let expected_walk = all.saturating_mul(top as i64) / matching.runs.max(1);
        let by_cost_index = expected_walk < in_period;
        let (filter_sql, mut params) = runs_filter_sql(filters);
        let time = if by_cost_index {
            // The unary + keeps SQLite from choosing the time index (and sorting the period).
            "+started_at_ms >= ? AND +started_at_ms < ?"
        } else {
            "started_at_ms >= ? AND started_at_ms < ?"
        };
        let order = if by_cost_index {
            "cost_total_nano DESC"
        } else {
            "+cost_total_nano DESC"
        };
        let mut all_params = vec![Value::Integer(start), Value::Integer(end)];
        all_params.append(&mut params);
        all_params.push(Value::Integer(top as i64));
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT id, started_at_ms, provider, COALESCE(model_resolved, model_requested),
                    key_label, status, cost_total_nano,
                    input_tokens + cached_input_tokens + cache_write_tokens
                    + cache_write_1h_tokens + output_tokens + reasoning_tokens,
                    substr(COALESCE(prompt, ''), 1, 160)
             FROM runs WHERE {time} AND cost_total_nano > 0{filter_sql}
             ORDER BY {order}, id DESC LIMIT ?"
        ))?;
        let rows = stmt.query_map(rusqlite::params_from_iter(all_params.iter()), |r| {
            Ok(TopRun {
                id: r.get(0)?,
                started_at_ms: r.get(1)?,
                provider: r.get(2)?,
                model: r.get(3)?,
                key_label: r.get(4)?,
                status: r.get(5)?,
                cost_nano: r.get(6)?,
                tokens: r.get(7)?,
                prompt_preview: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

/// ` AND …` conditions over `runs` for the filters, with their parameters.
pub(crate) fn runs_filter_sql(f: &Filters) -> (String, Vec<Value>) {
    let mut sql = String::new();
    let mut params = Vec::new();
    for (col, v) in [
        ("provider", &f.provider),
        ("COALESCE(model_resolved, model_requested)", &f.model),
        ("COALESCE(key_id, '')", &f.key_id),
        ("COALESCE(tag, '')", &f.tag),
        ("status", &f.status),
    ] {
        if let Some(v) = v {
            sql.push_str(&format!(" AND {col} = ?"));
            params.push(Value::Text(v.clone()));
        }
    }
    (sql, params)
}
