//! Shaping a [`Dashboard`] into chart data: categories, tick labels and one series per
//! provider, model, token component or bucket, with the unit of the values. No drawing here.

use crate::analytics::Dashboard;
use crate::money::NanoUsd;

use super::style::{hex, ms_axis, provider_color, series_color};
use super::{Series, Unit};

/// A chart's data before drawing.
pub(super) struct Data {
    pub(super) labels: Vec<String>,
    /// Short tick labels (days as `Nov 21`).
    pub(super) ticks: Vec<String>,
    pub(super) series: Vec<Series>,
    pub(super) unit: Unit,
    pub(super) y_desc: &'static str,
}

fn day_ticks(d: &Dashboard) -> Vec<String> {
    let long = d.days.len() > 400;
    d.days
        .iter()
        .map(
            |p| match chrono::NaiveDate::parse_from_str(&p.day, "%Y-%m-%d") {
                Ok(day) if long => day.format("%b %Y").to_string(),
                Ok(day) => day.format("%b %-d").to_string(),
                Err(_) => p.day.clone(),
            },
        )
        .collect()
}

/// A provider's display name (`OpenAI-compatible`), or its id when unknown.
fn provider_label(id: &str) -> String {
    id.parse::<crate::ProviderKind>()
        .map_or_else(|_| id.to_string(), |k| k.display_name().to_string())
}

/// Dollars as a plot coordinate (never summed).
fn usd_coord(n: NanoUsd) -> f64 {
    n.0 as f64 / 1e9
}

/// How a spend chart is stacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SpendBy {
    Provider,
    Model,
    Operation,
}

pub(super) fn spend(d: &Dashboard, by: SpendBy) -> Data {
    // Groups in the order of the breakdown (most expensive first); models past the 7th are
    // summed as "other".
    let names: Vec<String> = match by {
        SpendBy::Provider => d.by_provider.iter().map(|r| r.name.clone()).collect(),
        SpendBy::Model => d.by_model.iter().take(7).map(|r| r.name.clone()).collect(),
        SpendBy::Operation => d.by_operation.iter().map(|r| r.name.clone()).collect(),
    };
    let other = by == SpendBy::Model && d.by_model.len() > 7;
    let mut series: Vec<Series> = names
        .iter()
        .enumerate()
        .map(|(i, name)| Series {
            name: match by {
                SpendBy::Provider => provider_label(name),
                SpendBy::Model => name.clone(),
                SpendBy::Operation => name
                    .parse::<crate::Operation>()
                    .map_or_else(|_| name.clone(), |o| o.label().to_string()),
            },
            color: hex(if by == SpendBy::Provider {
                provider_color(name)
            } else {
                series_color(i)
            }),
            values: d
                .days
                .iter()
                .map(|p| {
                    let m = match by {
                        SpendBy::Provider => &p.cost_by_provider,
                        SpendBy::Model => &p.cost_by_model,
                        SpendBy::Operation => &p.cost_by_operation,
                    };
                    m.get(name).map(|v| usd_coord(*v))
                })
                .collect(),
        })
        .collect();
    if other {
        series.push(Series {
            name: "other".into(),
            color: hex(series_color(8)),
            values: d
                .days
                .iter()
                .map(|p| {
                    let rest: NanoUsd = p
                        .cost_by_model
                        .iter()
                        .filter(|(k, _)| !names.contains(k))
                        .map(|(_, v)| v)
                        .sum();
                    (rest != NanoUsd::ZERO).then(|| usd_coord(rest))
                })
                .collect(),
        });
    }
    Data {
        labels: d.days.iter().map(|p| p.day.clone()).collect(),
        ticks: day_ticks(d),
        series,
        unit: Unit::Usd,
        y_desc: "USD per day",
    }
}

pub(super) fn cost_per_model(d: &Dashboard) -> Data {
    let rows: Vec<_> = d.by_model.iter().take(12).collect();
    Data {
        labels: rows.iter().map(|r| r.name.clone()).collect(),
        ticks: rows.iter().map(|r| r.name.clone()).collect(),
        series: vec![Series {
            name: "cost".into(),
            color: hex(series_color(0)),
            values: rows
                .iter()
                .map(|r| Some(usd_coord(r.totals.cost_nano)))
                .collect(),
        }],
        unit: Unit::Usd,
        y_desc: "USD",
    }
}

pub(super) fn tokens(d: &Dashboard) -> Data {
    type Pick = fn(&crate::analytics::Tokens) -> i64;
    let parts: [(&str, Pick); 5] = [
        ("input", |t| t.input),
        ("cached input", |t| t.cached_input),
        ("cache write", |t| t.cache_write + t.cache_write_1h),
        ("output", |t| t.output),
        ("reasoning", |t| t.reasoning),
    ];
    Data {
        labels: d.days.iter().map(|p| p.day.clone()).collect(),
        ticks: day_ticks(d),
        series: parts
            .iter()
            .enumerate()
            .map(|(i, (name, pick))| Series {
                name: (*name).into(),
                color: hex(series_color(i)),
                values: d
                    .days
                    .iter()
                    .map(|p| {
                        let v = pick(&p.tokens);
                        (v != 0).then_some(v as f64)
                    })
                    .collect(),
            })
            .collect(),
        unit: Unit::Tokens,
        y_desc: "tokens per day",
    }
}

/// Upper edges of the latency bins (ms); the last bin is open.
const LATENCY_EDGES: [i64; 11] = [
    100,
    250,
    500,
    1000,
    2000,
    4000,
    8000,
    16_000,
    32_000,
    64_000,
    i64::MAX,
];

pub(super) fn latency(d: &Dashboard) -> Data {
    let mut counts = [0i64; LATENCY_EDGES.len()];
    for b in &d.latency {
        let mid = b.low_ms + (b.high_ms - b.low_ms) / 2;
        let i = LATENCY_EDGES.iter().position(|e| mid < *e).unwrap_or(10);
        counts[i] += b.runs;
    }
    let last = counts.iter().rposition(|c| *c > 0).map_or(4, |i| i.max(4));
    let label = |i: usize| match LATENCY_EDGES[i] {
        i64::MAX => format!("{}+", ms_axis(LATENCY_EDGES[i - 1] as f64)),
        e => format!("<{}", ms_axis(e as f64)),
    };
    Data {
        labels: (0..=last).map(label).collect(),
        ticks: (0..=last).map(label).collect(),
        series: vec![Series {
            name: "runs".into(),
            color: hex(series_color(4)),
            values: counts[..=last].iter().map(|c| Some(*c as f64)).collect(),
        }],
        unit: Unit::Runs,
        y_desc: "runs",
    }
}

pub(super) fn success(d: &Dashboard) -> Data {
    Data {
        labels: d.days.iter().map(|p| p.day.clone()).collect(),
        ticks: day_ticks(d),
        series: vec![Series {
            name: "success rate".into(),
            color: hex(series_color(2)),
            values: d
                .days
                .iter()
                .map(|p| (p.runs > 0).then(|| p.ok_runs as f64 * 100.0 / p.runs as f64))
                .collect(),
        }],
        unit: Unit::Percent,
        y_desc: "% of runs completed",
    }
}

/// Recorded vs billed per UTC day (days with a bill only carry a billed value).
pub(super) fn reconcile(days: &[crate::billing::ReconcileDay]) -> Data {
    let long = days.len() > 400;
    let ticks = days
        .iter()
        .map(
            |d| match chrono::NaiveDate::parse_from_str(&d.day, "%Y-%m-%d") {
                Ok(day) if long => day.format("%b %Y").to_string(),
                Ok(day) => day.format("%b %-d").to_string(),
                Err(_) => d.day.clone(),
            },
        )
        .collect();
    Data {
        labels: days.iter().map(|d| d.day.clone()).collect(),
        ticks,
        series: vec![
            Series {
                name: "Recorded here".into(),
                color: hex(series_color(0)),
                values: days
                    .iter()
                    .map(|d| Some(usd_coord(NanoUsd(d.ledger_nano_usd))))
                    .collect(),
            },
            Series {
                name: "Billed by provider".into(),
                color: hex(series_color(1)),
                values: days
                    .iter()
                    .map(|d| d.billed_nano_usd.map(|b| usd_coord(NanoUsd(b))))
                    .collect(),
            },
        ],
        unit: Unit::Usd,
        y_desc: "USD",
    }
}

/// A model's rates in each price table of its history ($ per 1M tokens), one category per table.
pub(super) fn rate_history(points: &[crate::ledger::price_tables::RatePoint]) -> Data {
    const FIELDS: [(&str, &str); 5] = [
        ("Input", "input_cost_per_token"),
        ("Cached input", "cache_read_input_token_cost"),
        ("Output", "output_cost_per_token"),
        ("Cache write", "cache_creation_input_token_cost"),
        ("Reasoning", "output_cost_per_reasoning_token"),
    ];
    let ticks = points
        .iter()
        .map(|p| {
            chrono::DateTime::parse_from_rfc3339(&p.since)
                .map_or_else(|_| p.since.clone(), |t| t.format("%b %-d %Y").to_string())
        })
        .collect();
    let series = FIELDS
        .iter()
        .enumerate()
        .filter(|(_, (_, field))| points.iter().any(|p| p.rates.contains_key(*field)))
        .map(|(i, (name, field))| Series {
            name: (*name).into(),
            color: hex(series_color(i)),
            values: points
                .iter()
                .map(|p| p.rates.get(*field).map(|r| usd_coord(NanoUsd(*r))))
                .collect(),
        })
        .collect();
    Data {
        labels: points.iter().map(|p| p.version.clone()).collect(),
        ticks,
        series,
        unit: Unit::Usd,
        y_desc: "USD per 1M tokens",
    }
}
