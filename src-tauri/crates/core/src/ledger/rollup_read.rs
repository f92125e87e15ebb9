//! The ledger's read API over the roll-up and the runs table for analytics and exports: grouped
//! roll-up rows, sums, run counts, the most expensive runs, and the runs an export walks. The
//! SQL lives here; analytics and exports only combine and format what it returns.

use rusqlite::types::{Value, ValueRef};
use serde::Serialize;

use crate::error::Result;
use crate::ledger::Ledger;
use crate::ledger::query::{DayRange, Filters, day_key};
use crate::money::NanoUsd;

/// Token counts by billing component.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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

    /// Adds `o`'s counts.
    pub fn add(&mut self, o: &Tokens) {
        self.input += o.input;
        self.cached_input += o.cached_input;
        self.cache_write += o.cache_write;
        self.cache_write_1h += o.cache_write_1h;
        self.output += o.output;
        self.reasoning += o.reasoning;
    }
}

/// One of the period's most expensive runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    pub cost_nano: NanoUsd,
    /// Tokens, all components.
    pub tokens: i64,
    /// The prompt's first 160 characters.
    pub prompt_preview: String,
}

/// Roll-up sums for one day × provider × model (or, from [`Ledger::rollup_total`], a whole
/// range: then the names are empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollupRow {
    /// Local day, `YYYY-MM-DD`.
    pub day: String,
    /// Provider id.
    pub provider: String,
    /// Model (resolved, else requested).
    pub model: String,
    /// Operation (`chat`, `embedding`…); empty for a whole range's sums.
    pub operation: String,
    /// Runs.
    pub runs: i64,
    /// Completed runs.
    pub ok_runs: i64,
    /// Tokens by billing component.
    pub tokens: Tokens,
    /// Cost, nano-USD.
    pub cost_nano: NanoUsd,
    /// What cache hits saved, nano-USD.
    pub saved_nano: NanoUsd,
    /// Cache hits.
    pub cache_hits: i64,
    /// Sum of latencies, ms.
    pub latency_sum: i64,
    /// Runs with a latency.
    pub latency_count: i64,
    /// The merged latency histogram (see [`crate::ledger::hist`]).
    pub hist: Vec<u8>,
    /// Runs whose cost is unknown (their model has no price): not in `cost_nano`.
    pub unpriced_runs: i64,
}

/// The sums over `rollup_day_model` (the narrow table); `WIDE_SUMS` over `rollup_day`.
const SUMS: &str =
    "sum(runs), sum(ok_runs), sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
    sum(cache_write_1h_tokens), sum(output_tokens), sum(reasoning_tokens), sum(cost_nano),
    sum(saved_nano), sum(cache_hits), sum(latency_ms_sum), sum(latency_count),
    pl_hist_merge(latency_hist), sum(unpriced_runs)";
const WIDE_SUMS: &str = "sum(runs), sum(CASE WHEN status = 'ok' THEN runs ELSE 0 END),
    sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
    sum(cache_write_1h_tokens), sum(output_tokens), sum(reasoning_tokens), sum(cost_nano),
    sum(saved_nano), sum(cache_hits), sum(latency_ms_sum), sum(latency_count),
    pl_hist_merge(latency_hist), sum(unpriced_runs)";

/// The roll-up table and sums that answer these filters: the narrow day × model table unless a
/// filter needs the key, tag or status dimension.
fn source(f: &Filters) -> (&'static str, &'static str) {
    if f.key_id.is_some() || f.tag.is_some() || f.status.is_some() || f.project.is_some() {
        ("rollup_day", WIDE_SUMS)
    } else {
        ("rollup_day_model", SUMS)
    }
}

/// `WHERE` conditions over a roll-up table for a day range (all days when `None`) and filters,
/// with their parameters. The analytics queries, the run count and the report share it.
fn rollup_where(range: Option<&DayRange>, f: &Filters) -> (String, Vec<Value>) {
    let mut sql = String::from("1");
    let mut params = Vec::new();
    if let Some(r) = range {
        sql.push_str(" AND day BETWEEN ? AND ?");
        params.push(Value::Text(day_key(r.from)));
        params.push(Value::Text(day_key(r.to)));
    }
    push_filters(
        &mut sql,
        &mut params,
        f,
        ["provider", "model", "key_id", "tag", "status", "operation"],
    );
    push_project(&mut sql, &mut params, f, "key_id");
    (sql, params)
}

/// The keys of an OpenAI project: its `OpenAI-Project`, or the project a sync mapped it to.
pub(crate) const PROJECT_KEYS: &str =
    "SELECT id FROM api_keys WHERE COALESCE(project, bound_project_id) = ?";

/// ` AND {key column} IN (the project's keys)` when the project filter is set.
fn push_project(sql: &mut String, params: &mut Vec<Value>, f: &Filters, key_column: &str) {
    if let Some(p) = &f.project {
        sql.push_str(&format!(" AND {key_column} IN ({PROJECT_KEYS})"));
        params.push(Value::Text(p.clone()));
    }
}

/// Appends ` AND {column} = ?` for each set filter, with its value; `columns` names the
/// provider, model, key, tag and status columns of the table read.
fn push_filters(sql: &mut String, params: &mut Vec<Value>, f: &Filters, columns: [&str; 6]) {
    let values = [
        &f.provider,
        &f.model,
        &f.key_id,
        &f.tag,
        &f.status,
        &f.operation,
    ];
    for (col, v) in columns.into_iter().zip(values) {
        if let Some(v) = v {
            sql.push_str(&format!(" AND {col} = ?"));
            params.push(Value::Text(v.clone()));
        }
    }
}

fn group_row(r: &rusqlite::Row<'_>, offset: usize) -> rusqlite::Result<RollupRow> {
    let g = |i: usize| -> rusqlite::Result<i64> {
        Ok(r.get::<_, Option<i64>>(offset + i)?.unwrap_or(0))
    };
    Ok(RollupRow {
        day: String::new(),
        provider: String::new(),
        model: String::new(),
        operation: String::new(),
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
        cost_nano: NanoUsd(g(8)?),
        saved_nano: NanoUsd(g(9)?),
        cache_hits: g(10)?,
        latency_sum: g(11)?,
        latency_count: g(12)?,
        hist: r
            .get::<_, Option<Vec<u8>>>(offset + 13)?
            .unwrap_or_default(),
        unpriced_runs: g(14)?,
    })
}

impl Ledger {
    /// Roll-up rows of a range, one per day × provider × model × operation, ordered that way.
    /// The narrow table answers unless a filter needs the key, tag or status dimension.
    pub fn rollup_rows(&self, range: &DayRange, filters: &Filters) -> Result<Vec<RollupRow>> {
        let (table, sums) = source(filters);
        let (cond, params) = rollup_where(Some(range), filters);
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT day, provider, model, operation, {sums} FROM {table} WHERE {cond}
             GROUP BY day, provider, model, operation ORDER BY day, provider, model, operation"
        ))?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| {
            let mut row = group_row(r, 4)?;
            row.day = r.get(0)?;
            row.provider = r.get(1)?;
            row.model = r.get(2)?;
            row.operation = r.get(3)?;
            Ok(row)
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Sums per OpenAI project of a range (runs with a saved key that has one), most expensive
    /// first: `(project id, sums)`.
    pub fn rollup_by_project(
        &self,
        range: &DayRange,
        filters: &Filters,
    ) -> Result<Vec<(String, RollupRow)>> {
        let (cond, params) = rollup_where(Some(range), filters);
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT (SELECT COALESCE(k.project, k.bound_project_id) FROM api_keys k
                     WHERE k.id = rollup_day.key_id) AS proj, {WIDE_SUMS}
             FROM rollup_day WHERE {cond} AND key_id <> ''
             GROUP BY proj HAVING proj IS NOT NULL ORDER BY sum(cost_nano) DESC"
        ))?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| {
            Ok((r.get(0)?, group_row(r, 1)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The roll-up sums of a whole range.
    pub fn rollup_total(&self, range: &DayRange, filters: &Filters) -> Result<RollupRow> {
        let (table, sums) = source(filters);
        let (cond, params) = rollup_where(Some(range), filters);
        Ok(self
            .conn()
            .prepare_cached(&format!("SELECT {sums} FROM {table} WHERE {cond}"))?
            .query_row(rusqlite::params_from_iter(params.iter()), |r| {
                group_row(r, 0)
            })?)
    }

    /// Runs in a range (all runs when `None`) that pass the filters, counted from the roll-up
    /// (exact, and instant).
    pub fn count_runs(&self, range: Option<&DayRange>, filters: &Filters) -> Result<u64> {
        let (table, _) = source(filters);
        let (cond, params) = rollup_where(range, filters);
        let sql = format!("SELECT COALESCE(sum(runs), 0) FROM {table} WHERE {cond}");
        let n: i64 =
            self.conn()
                .query_row(&sql, rusqlite::params_from_iter(params.iter()), |r| {
                    r.get(0)
                })?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The most expensive runs in a period. Walking the cost index from the top finds `top`
    /// matches after about `all / matching × top` index entries when matches are spread evenly;
    /// scanning the period by time reads every run in it. The plan with fewer rows is used.
    /// Runs that cost nothing are never "expensive": when the filters' cost is zero (failed
    /// runs, local models) the list is empty without a query.
    pub fn top_runs(
        &self,
        range: &DayRange,
        filters: &Filters,
        top: usize,
        matching: &RollupRow,
    ) -> Result<Vec<TopRun>> {
        if matching.cost_nano <= NanoUsd::ZERO || matching.runs == 0 || top == 0 {
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

    /// Calls `visit` with every run of a range (all runs when `None`) that passes the filters,
    /// oldest first, without collecting them: an export of a million runs never sits in memory.
    /// The row's columns are those of `EXPORT_SELECT`, then `prompt` and `output` when
    /// `with_text`.
    pub fn for_each_export_row(
        &self,
        range: Option<&DayRange>,
        filters: &Filters,
        with_text: bool,
        mut visit: impl FnMut(&ExportRow<'_>) -> Result<()>,
    ) -> Result<()> {
        let (mut sql, mut params) = (String::from(EXPORT_SELECT), Vec::new());
        if with_text {
            sql.push_str(", prompt, output");
        }
        sql.push_str(" FROM runs WHERE 1");
        if let Some(r) = range {
            let (start, end) = r.instants(self.time_zone());
            sql.push_str(" AND started_at_ms >= ? AND started_at_ms < ?");
            params.push(Value::Integer(start));
            params.push(Value::Integer(end));
        }
        let (filter_sql, mut filter_params) = runs_filter_sql(filters);
        sql.push_str(&filter_sql);
        params.append(&mut filter_params);
        sql.push_str(" ORDER BY started_at_ms, id");
        let mut stmt = self.conn().prepare(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        while let Some(row) = rows.next()? {
            visit(&ExportRow(row))?;
        }
        Ok(())
    }
}

/// What [`Ledger::for_each_export_row`] selects, in order: id, started_at_ms, provider, model
/// (resolved, else requested), model_requested, key_label, tag, status, error_code, the six
/// token components, cost_total_nano, cost_source, price_table_version, latency_ms, ttft_ms,
/// attempts, operation, items, unit, unit_quantity (NULL without a unit), cost_unit_nano —
/// then prompt and output when asked for.
const EXPORT_SELECT: &str = "SELECT id, started_at_ms, provider,
    COALESCE(model_resolved, model_requested), model_requested, key_label, tag, status,
    error_code, input_tokens, cached_input_tokens, cache_write_tokens, cache_write_1h_tokens,
    output_tokens, reasoning_tokens, cost_total_nano, cost_source, price_table_version,
    latency_ms, ttft_ms, attempts, operation, items, unit,
    CASE WHEN unit IS NULL THEN NULL ELSE unit_quantity END, cost_unit_nano";

/// One run as an export reads it, borrowed from the query (no allocation per row).
pub struct ExportRow<'r>(&'r rusqlite::Row<'r>);

impl ExportRow<'_> {
    /// Column `i` as an integer (`None` when NULL or not an integer).
    pub fn int(&self, i: usize) -> Result<Option<i64>> {
        Ok(match self.0.get_ref(i)? {
            ValueRef::Integer(v) => Some(v),
            _ => None,
        })
    }

    /// Column `i` as text bytes (`None` when NULL or not text).
    pub fn text(&self, i: usize) -> Result<Option<&[u8]>> {
        Ok(match self.0.get_ref(i)? {
            ValueRef::Text(t) => Some(t),
            _ => None,
        })
    }
}

/// ` AND …` conditions over `runs` for the filters, with their parameters.
pub(crate) fn runs_filter(f: &Filters) -> (String, Vec<Value>) {
    runs_filter_sql(f)
}

fn runs_filter_sql(f: &Filters) -> (String, Vec<Value>) {
    let mut sql = String::new();
    let mut params = Vec::new();
    push_filters(
        &mut sql,
        &mut params,
        f,
        [
            "provider",
            "COALESCE(model_resolved, model_requested)",
            "COALESCE(key_id, '')",
            "COALESCE(tag, '')",
            "status",
            "operation",
        ],
    );
    push_project(&mut sql, &mut params, f, "key_id");
    (sql, params)
}

/// The what-if roll-up's sums for one provider × model × table key × prompt-size band.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriceGroup {
    /// Provider id.
    pub provider: String,
    /// Model (resolved, else requested).
    pub model: String,
    /// The table key its runs were priced at (`""` when none).
    pub price_key: String,
    /// Prompt-size band (see [`crate::pricing::band`]).
    pub band: i64,
    /// Runs.
    pub runs: i64,
    /// Their tokens by component.
    pub usage: crate::pricing::TokenUsage,
    /// What they cost.
    pub cost_nano: i64,
}

fn count(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

impl Ledger {
    /// Priced runs (cache hits excluded) of a range and filters, summed by provider × model ×
    /// table key × band from the `rollup_price` roll-up.
    pub fn price_groups(&self, range: &DayRange, filters: &Filters) -> Result<Vec<PriceGroup>> {
        let (cond, params) = rollup_where(Some(range), filters);
        // The narrow day × model table unless a filter needs the key, tag or status.
        let table = match source(filters).0 {
            "rollup_day" => "rollup_price",
            _ => "rollup_price_model",
        };
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT provider, model, price_key, band, sum(runs), sum(input_tokens),
                    sum(cached_input_tokens), sum(cache_write_tokens), sum(cache_write_1h_tokens),
                    sum(output_tokens), sum(reasoning_tokens), sum(cost_nano)
             FROM {table} WHERE {cond} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        ))?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| {
            Ok(PriceGroup {
                provider: r.get(0)?,
                model: r.get(1)?,
                price_key: r.get(2)?,
                band: r.get(3)?,
                runs: r.get(4)?,
                usage: crate::pricing::TokenUsage {
                    input_tokens: count(r.get(5)?),
                    cached_input_tokens: count(r.get(6)?),
                    cache_write_tokens: count(r.get(7)?),
                    cache_write_1h_tokens: count(r.get(8)?),
                    output_tokens: count(r.get(9)?),
                    reasoning_tokens: count(r.get(10)?),
                },
                cost_nano: r.get(11)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The token usage of each run behind one [`PriceGroup`] (a band a price table cuts, re-priced
    /// run by run).
    pub fn price_group_runs(
        &self,
        range: &DayRange,
        filters: &Filters,
        group: &PriceGroup,
    ) -> Result<Vec<crate::pricing::TokenUsage>> {
        let (start, end) = range.instants(self.time_zone());
        let (lo, hi) = crate::pricing::band::bounds(group.band);
        let (filter_sql, filter_params) = runs_filter_sql(filters);
        let mut params = vec![
            Value::Integer(start),
            Value::Integer(end),
            Value::Text(group.provider.clone()),
            Value::Text(group.model.clone()),
            Value::Text(group.price_key.clone()),
            Value::Integer(i64::try_from(lo).unwrap_or(i64::MAX)),
            Value::Integer(i64::try_from(hi).unwrap_or(i64::MAX)),
        ];
        params.extend(filter_params);
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT input_tokens, cached_input_tokens, cache_write_tokens, cache_write_1h_tokens,
                    output_tokens, reasoning_tokens
             FROM runs
             WHERE started_at_ms >= ? AND started_at_ms < ? AND provider = ?
               AND COALESCE(model_resolved, model_requested) = ? AND COALESCE(price_key, '') = ?
               AND cache_hit = 0 AND cost_total_nano IS NOT NULL
               AND input_tokens + cached_input_tokens + cache_write_tokens + cache_write_1h_tokens
                   BETWEEN ? AND ?{filter_sql}"
        ))?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| {
            Ok(crate::pricing::TokenUsage {
                input_tokens: count(r.get(0)?),
                cached_input_tokens: count(r.get(1)?),
                cache_write_tokens: count(r.get(2)?),
                cache_write_1h_tokens: count(r.get(3)?),
                output_tokens: count(r.get(4)?),
                reasoning_tokens: count(r.get(5)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
