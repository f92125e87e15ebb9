//! The dashboard: roll-up rows from the ledger combined into totals, breakdowns by model and
//! provider, a point per day, the latency distribution and the previous period's figures.

use std::collections::BTreeMap;

use super::hist::bucket_range;
use super::{
    BreakdownRow, Change, Dashboard, DashboardQuery, DayPoint, LatencyBucket, Totals, day_key,
};
use crate::error::Result;
use crate::ledger::Ledger;
use crate::ledger::rollup_read::RollupRow;

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

        let rows = self.rollup_rows(&range, &filters)?;

        let mut totals = Totals::default();
        // Model → provider → sums (nested so a lookup needs no owned key).
        let mut models: BTreeMap<String, BTreeMap<String, Totals>> = BTreeMap::new();
        let mut providers: BTreeMap<String, Totals> = BTreeMap::new();
        let mut operations: BTreeMap<String, Totals> = BTreeMap::new();
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
        let mut matching = RollupRow::default();
        for row in rows {
            matching.runs += row.runs;
            matching.cost_nano += row.cost_nano;
            totals.add_row(&row);
            update(&mut models, &row.model, |by_provider| {
                update(by_provider, &row.provider, |t| t.add_row(&row));
            });
            update(&mut providers, &row.provider, |t| t.add_row(&row));
            update(&mut operations, &row.operation, |t| t.add_row(&row));
            if let Some(d) = days.get_mut(&row.day) {
                d.runs += row.runs;
                d.ok_runs += row.ok_runs;
                d.cost_nano += row.cost_nano;
                d.tokens.add(&row.tokens);
                let cost = row.cost_nano;
                update(&mut d.cost_by_provider, &row.provider, |c| *c += cost);
                update(&mut d.cost_by_model, &row.model, |c| *c += cost);
                update(&mut d.cost_by_operation, &row.operation, |c| *c += cost);
            }
        }
        totals.finish();

        let mut previous = Totals::default();
        previous.add_row(&self.rollup_total(&previous_range, &filters)?);
        previous.finish();

        // Both breakdowns: most expensive first, then most runs, then by name.
        let breakdown = |rows: Vec<(String, String, Totals)>| {
            let mut out: Vec<BreakdownRow> = rows
                .into_iter()
                .map(|(name, provider, mut t)| {
                    t.finish();
                    BreakdownRow {
                        cost_share: t.cost_nano.share_of(totals.cost_nano),
                        name,
                        provider,
                        totals: t,
                    }
                })
                .collect();
            out.sort_by(|a, b| {
                b.totals
                    .cost_nano
                    .cmp(&a.totals.cost_nano)
                    .then(b.totals.runs.cmp(&a.totals.runs))
                    .then(a.name.cmp(&b.name))
            });
            out
        };
        let by_model = breakdown(
            models
                .into_iter()
                .flat_map(|(name, by_provider)| {
                    by_provider
                        .into_iter()
                        .map(move |(provider, t)| (name.clone(), provider, t))
                })
                .collect(),
        );
        let by_provider = breakdown(
            providers
                .into_iter()
                .map(|(name, t)| (name.clone(), name, t))
                .collect(),
        );

        let by_operation = breakdown(
            operations
                .into_iter()
                .map(|(name, t)| (name, String::new(), t))
                .collect(),
        );

        let by_project = if !self.key_projects()?.is_empty() {
            let names = self.openai_projects()?;
            breakdown(
                self.rollup_by_project(&range, &filters)?
                    .into_iter()
                    .map(|(id, row)| {
                        let mut t = Totals::default();
                        t.add_row(&row);
                        let name = names
                            .iter()
                            .find(|p| p.id == id)
                            .map_or_else(|| id.clone(), |p| format!("{} ({id})", p.name));
                        (name, "openai".to_string(), t)
                    })
                    .collect(),
            )
        } else {
            Vec::new()
        };
        let plain = filters.model.is_none()
            && filters.operation.is_none()
            && filters.key_id.is_none()
            && filters.tag.is_none()
            && filters.status.is_none()
            && filters.project.is_none();
        let billed = if plain {
            self.billed_beside(range.from, range.to, filters.provider.as_deref())?
        } else {
            None
        };

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
        let top_runs = self.top_runs(&range, &filters, top, &matching)?;

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
            by_operation,
            by_project,
            billed,
            days: days.into_values().collect(),
            latency,
            top_runs,
            in_flight_runs: self.in_flight_count()?,
        })
    }
}

/// Applies `f` to `m[k]`, creating the entry first; the key is copied only for a new entry (the
/// dashboard folds thousands of roll-up rows into a few dozen entries).
fn update<V: Default>(m: &mut BTreeMap<String, V>, k: &str, f: impl FnOnce(&mut V)) {
    if let Some(v) = m.get_mut(k) {
        f(v);
    } else {
        let mut v = V::default();
        f(&mut v);
        m.insert(k.to_owned(), v);
    }
}
