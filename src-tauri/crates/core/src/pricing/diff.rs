//! What changes between two price tables: models added and removed, and every rate that
//! changed on a model both list, ranked by how much of the user's own recent spend it touches.
//!
//! Rates are compared exactly, as integer nano-USD per 1M tokens, under LiteLLM's own field
//! names (`input_cost_per_token`, `output_cost_per_token_above_200k_tokens`,
//! `cache_read_input_token_cost_batches`, `tiered_pricing[0-32000].input_cost_per_token`,
//! `off_peak_pricing.input_cost_per_token`). Service multipliers and context windows are not
//! rates and are not compared.

use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

use crate::pricing::table::{ModelPrice, PriceTable, Rates};

/// One rate that differs between the tables.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RateChange {
    /// The table key.
    pub model: String,
    /// LiteLLM's field name.
    pub field: String,
    /// The rate in the table in use, nano-USD per 1M tokens; `null` when it had none.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub old: Option<i64>,
    /// The rate in the new table; `null` when it drops it.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub new: Option<i64>,
    /// `(new − old) / old × 100`, when both exist and old is not zero.
    pub change_pct: Option<f64>,
    /// The user's spend on this model over the last 30 days, nano-USD (the ranking).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub spend_30d_nano: i64,
}

/// The difference between the table in use and a candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TableDiff {
    /// The table in use.
    pub from_version: String,
    /// The candidate.
    pub to_version: String,
    /// Models only the candidate prices, by key.
    pub added: Vec<String>,
    /// Models only the table in use prices (those with recent spend first).
    pub removed: Vec<String>,
    /// Every changed rate, the most of recent spend first, then by model and field.
    pub changed: Vec<RateChange>,
    /// Models priced alike in both.
    pub unchanged: usize,
    /// The unit of `old` and `new`.
    pub unit: &'static str,
    /// Whether the candidate was applied (set by whoever applies it).
    pub applied: bool,
}

impl TableDiff {
    /// True when the candidate prices exactly what the table in use does.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// Models with at least one changed rate.
    pub fn changed_models(&self) -> usize {
        let mut models: Vec<&str> = self.changed.iter().map(|c| c.model.as_str()).collect();
        models.dedup();
        models.len()
    }

    /// Orders changes (and removals) by the user's spend per table key over the last 30 days,
    /// largest first; ties by model and field.
    pub fn rank_by_spend(&mut self, spend: &HashMap<String, i64>) {
        let of = |m: &str| spend.get(m).copied().unwrap_or(0);
        for c in &mut self.changed {
            c.spend_30d_nano = of(&c.model);
        }
        self.changed.sort_by(|a, b| {
            b.spend_30d_nano
                .cmp(&a.spend_30d_nano)
                .then_with(|| a.model.cmp(&b.model))
                .then_with(|| a.field.cmp(&b.field))
        });
        self.removed
            .sort_by(|a, b| of(b).cmp(&of(a)).then_with(|| a.cmp(b)));
    }
}

/// The rates of `p` by LiteLLM field name.
pub fn rate_fields(p: &ModelPrice) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    let mut put = |prefix: &str, suffix: &str, r: &Rates| {
        let fields = [
            ("input_cost_per_token", r.input),
            ("output_cost_per_token", r.output),
            ("cache_read_input_token_cost", r.cache_read),
            ("cache_creation_input_token_cost", r.cache_write_5m),
            (
                "cache_creation_input_token_cost_above_1hr",
                r.cache_write_1h,
            ),
            ("output_cost_per_reasoning_token", r.reasoning),
        ];
        for (name, rate) in fields {
            if let Some(rate) = rate {
                out.insert(format!("{prefix}{name}{suffix}"), rate.0);
            }
        }
    };
    put("", "", &p.base);
    for t in &p.thresholds {
        put(
            "",
            &format!("_above_{}k_tokens", t.above_tokens / 1000),
            &t.rates,
        );
    }
    for b in &p.bands {
        put(
            &format!("tiered_pricing[{}-{}].", b.from_tokens, b.to_tokens),
            "",
            &b.rates,
        );
    }
    for w in &p.windows {
        put(
            &format!("{}_pricing.", w.name.replace('-', "_")),
            "",
            &w.rates,
        );
    }
    if let Some(batch) = &p.batch {
        put("", "_batches", &batch.base);
        for t in &batch.thresholds {
            put(
                "",
                &format!("_above_{}k_tokens_batches", t.above_tokens / 1000),
                &t.rates,
            );
        }
    }
    out
}

/// Compares `new` with `old` (the table in use). Changes come sorted by model and field; see
/// [`TableDiff::rank_by_spend`].
pub fn diff(old: &PriceTable, new: &PriceTable) -> TableDiff {
    let mut d = TableDiff {
        from_version: old.version().id.clone(),
        to_version: new.version().id.clone(),
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
        unchanged: 0,
        unit: "nano_usd_per_mtok",
        applied: false,
    };
    for p in old.iter() {
        let Some(q) = new.get(&p.key) else {
            d.removed.push(p.key.clone());
            continue;
        };
        if p == q {
            d.unchanged += 1;
            continue;
        }
        let (a, b) = (rate_fields(p), rate_fields(q));
        let before = d.changed.len();
        let fields: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        for field in fields {
            let (o, n) = (a.get(field).copied(), b.get(field).copied());
            if o != n {
                d.changed.push(RateChange {
                    model: p.key.clone(),
                    field: field.clone(),
                    old: o,
                    new: n,
                    change_pct: match (o, n) {
                        (Some(o), Some(n)) if o != 0 => {
                            Some(((n - o) as f64 / o as f64 * 1000.0).round() / 10.0)
                        }
                        _ => None,
                    },
                    spend_30d_nano: 0,
                });
            }
        }
        if d.changed.len() == before {
            // Only a limit, the mode or a multiplier differs: the same prices.
            d.unchanged += 1;
        }
    }
    d.added = new
        .keys()
        .iter()
        .filter(|k| old.get(k).is_none())
        .cloned()
        .collect();
    d
}
