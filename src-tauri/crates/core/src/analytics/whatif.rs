//! What-if re-pricing: what a period's runs would have cost on another model, at another
//! price-table version, or through the Batch API — from the `rollup_price` roll-up, so a year of
//! ten million runs is a few hundred sums.
//!
//! The runs' exact token components are re-priced as they were; a model would have answered at
//! another length, which no ledger can know. Each roll-up group is priced once on its summed
//! tokens, at the standard rates (windowed off-peak rates and service multipliers, which depend
//! on each run's hour and serving, are not applied); for rates that are whole nano-USD per token
//! — nearly all — that equals pricing run by run. Long-context tiers are exact: the roll-up keeps
//! prompt sizes in bands whose borders are every tier edge (see [`crate::pricing::band`]), and a
//! band a table's own edge cuts is re-priced run by run from the runs table.
//!
//! Runs whose what-if has no price (a batch on a model without batch rates) are left out of
//! both totals and counted, so actual and what-if always compare the same runs.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::ledger::Ledger;
use crate::ledger::rollup_read::PriceGroup;
use crate::money::NanoUsd;
use crate::pricing::band;
use crate::pricing::cost::Component;
use crate::pricing::{ModelPrice, PriceTable, Pricer, TokenUsage};
use crate::provider::ProviderKind;

use super::{DayRange, Filters};

/// "Runs of `from` as if on `to`".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ModelSwap {
    /// The model the runs used (a model name or its table key).
    pub from: String,
    /// The model to price them at.
    pub to: String,
}

impl ModelSwap {
    /// Parses `FROM=TO` (the CLI's `--as`).
    pub fn parse(text: &str) -> Result<ModelSwap> {
        match text.split_once('=') {
            Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => Ok(ModelSwap {
                from: a.trim().to_string(),
                to: b.trim().to_string(),
            }),
            _ => Err(CoreError::invalid(
                "as",
                format!("`{text}` is not FROM=TO, such as gpt-4o=gpt-4o-mini"),
            )),
        }
    }
}

/// What to re-price, and how.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WhatIfSpec {
    /// Model swaps (several at once: A → B, C → D); other models stay as they were.
    #[serde(default)]
    pub swaps: Vec<ModelSwap>,
    /// Price at this table version instead of the table in use (its rates only, no overrides).
    #[serde(default)]
    pub at_table: Option<String>,
    /// Price as Batch API requests.
    #[serde(default)]
    pub batch: bool,
}

impl WhatIfSpec {
    /// True when it asks for nothing different.
    pub fn is_empty(&self) -> bool {
        self.swaps.is_empty() && self.at_table.is_none() && !self.batch
    }
}

/// One model's runs, actual vs what-if.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WhatIfRow {
    /// The model the runs used.
    pub model: String,
    /// The entry they are priced at in the what-if (`gpt-4o-mini`, `gpt-4o (batch)`).
    #[serde(rename = "as")]
    #[cfg_attr(feature = "ts", ts(rename = "as"))]
    pub as_model: String,
    /// Runs.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub runs: i64,
    /// What they cost.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub actual_nano: i64,
    /// What they would have cost.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub what_if_nano: i64,
}

/// Runs left out because their what-if has no price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WhatIfSkipped {
    /// The model.
    pub model: String,
    /// Runs.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub runs: i64,
    /// Why.
    pub reason: String,
}

/// Actual vs what-if for a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WhatIf {
    /// What the compared runs cost.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub actual_nano: i64,
    /// What they would have cost.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub what_if_nano: i64,
    /// `what_if − actual` (negative: a saving).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub difference_nano: i64,
    /// Per model and swap, the largest actual cost first.
    pub by_model: Vec<WhatIfRow>,
    /// Runs left out of both totals.
    pub skipped: Vec<WhatIfSkipped>,
    /// The table the what-if priced at.
    pub table_version: String,
    /// Whether it priced as Batch API requests.
    pub batch: bool,
    /// Roll-up groups re-priced run by run because a tier edge of the table cuts their band.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub groups_repriced_by_run: i64,
    /// What the figures assume.
    pub note: String,
}

/// What the what-if panel and `report --as` say under the figures.
pub const NOTE: &str = "Tokens are taken as they were: another model would have answered at \
    another length. Standard rates (no off-peak windows or service surcharges); response-cache \
    hits and unpriced runs are not included.";

/// The price a group is re-priced at and its label, or why it has none.
enum Target {
    Priced(Box<ModelPrice>, String),
    Unpriced(String),
}

struct Pricing<'a> {
    table: Arc<PriceTable>,
    pricer: Option<&'a Pricer>,
    batch: bool,
}

impl Pricing<'_> {
    /// The entry `name` resolves to for a run of `provider`.
    fn entry(&self, provider: &str, name: &str, key: &str) -> Option<ModelPrice> {
        let kind = provider.parse::<ProviderKind>().ok();
        if let Some(p) = self.pricer {
            if let Ok(q) = p.quote(kind, name) {
                if kind.is_some_and(ProviderKind::is_unmetered) {
                    return Some(ModelPrice::blank(q.price.key.clone(), kind?));
                }
                return Some(q.price.into_owned());
            }
            if !key.is_empty()
                && let Ok(q) = p.quote(kind, key)
            {
                return Some(q.price.into_owned());
            }
            return None;
        }
        if kind.is_some_and(ProviderKind::is_unmetered) {
            return Some(ModelPrice::blank(name.to_string(), kind?));
        }
        self.table
            .get(key)
            .cloned()
            .or_else(|| self.table.resolve(kind, name).map(|(p, _)| p.clone()))
            .or_else(|| self.table.resolve(None, name).map(|(p, _)| p.clone()))
    }

    fn target(&self, provider: &str, name: &str, key: &str) -> Target {
        let Some(price) = self.entry(provider, name, key) else {
            return Target::Unpriced(format!(
                "{name} has no price in table {}",
                self.table.version().id
            ));
        };
        if !self.batch {
            let label = price.key.clone();
            return Target::Priced(Box::new(price), label);
        }
        let unmetered = price.base == crate::pricing::Rates::default() && price.bands.is_empty();
        if unmetered {
            let label = format!("{} (batch)", price.key);
            return Target::Priced(Box::new(price), label);
        }
        match price.batch_price() {
            Some(b) => {
                let label = format!("{} (batch)", b.key);
                Target::Priced(Box::new(b), label)
            }
            None => Target::Unpriced(format!(
                "{} has no batch price in table {}",
                price.key,
                self.table.version().id
            )),
        }
    }
}

/// `usage` at the standard rates `price` has for a prompt of `prompt_tokens`.
fn cost_of(price: &ModelPrice, prompt_tokens: u64, usage: &TokenUsage) -> i64 {
    let (rates, _) = price.standard_rates(prompt_tokens);
    Component::ALL
        .iter()
        .map(|&c| {
            rates
                .of(c)
                .cost(c.tokens(usage))
                .unwrap_or(NanoUsd(i64::MAX))
                .0
        })
        .fold(0i64, i64::saturating_add)
}

fn matches(swap: &ModelSwap, g: &PriceGroup) -> bool {
    let bare = |s: &str| s.rsplit_once('/').map_or(s, |(_, m)| m).to_string();
    swap.from == g.model || swap.from == g.price_key || bare(&swap.from) == bare(&g.model)
}

impl Ledger {
    /// Re-prices the runs of `range` and `filters` as `spec` says.
    pub fn what_if(
        &self,
        range: &DayRange,
        filters: &Filters,
        spec: &WhatIfSpec,
    ) -> Result<WhatIf> {
        let pricer = self.pricer()?;
        let (table, use_pricer) = match spec.at_table.as_deref().map(str::trim) {
            Some(v) if !v.is_empty() => (self.price_table(v)?, false),
            _ => (pricer.shared_table(), true),
        };
        let pricing = Pricing {
            table,
            pricer: use_pricer.then_some(&pricer),
            batch: spec.batch,
        };
        // Every swap's target must exist: a typo is an error, not a silent "no change".
        for s in &spec.swaps {
            if pricing.entry("", &s.to, "").is_none() {
                return Err(CoreError::UnknownModel {
                    model: s.to.clone(),
                    suggestions: pricing.table.suggest(None, &s.to, 5),
                });
            }
        }
        let groups = self.price_groups(range, filters)?;
        let mut rows: BTreeMap<(String, String), WhatIfRow> = BTreeMap::new();
        let mut skipped: BTreeMap<(String, String), WhatIfSkipped> = BTreeMap::new();
        let mut by_run = 0;
        for g in &groups {
            let swap = spec.swaps.iter().find(|s| matches(s, g));
            let target = match swap {
                Some(s) => pricing.target(&g.provider, &s.to, ""),
                None => pricing.target(&g.provider, &g.model, &g.price_key),
            };
            let (price, label) = match target {
                Target::Priced(p, l) => (p, l),
                Target::Unpriced(reason) => {
                    let e = skipped
                        .entry((g.model.clone(), reason.clone()))
                        .or_insert_with(|| WhatIfSkipped {
                            model: g.model.clone(),
                            runs: 0,
                            reason,
                        });
                    e.runs += g.runs;
                    continue;
                }
            };
            let what_if = if band::band_is_cut(&price, g.band) {
                by_run += 1;
                self.price_group_runs(range, filters, g)?
                    .iter()
                    .map(|u| cost_of(&price, u.prompt_tokens(), u))
                    .fold(0i64, i64::saturating_add)
            } else {
                // Every prompt of the band picks the same rates: price the sum once.
                cost_of(&price, band::representative(g.band), &g.usage)
            };
            let row = rows
                .entry((g.model.clone(), label.clone()))
                .or_insert_with(|| WhatIfRow {
                    model: g.model.clone(),
                    as_model: label,
                    runs: 0,
                    actual_nano: 0,
                    what_if_nano: 0,
                });
            row.runs += g.runs;
            row.actual_nano = row.actual_nano.saturating_add(g.cost_nano);
            row.what_if_nano = row.what_if_nano.saturating_add(what_if);
        }
        let mut by_model: Vec<WhatIfRow> = rows.into_values().collect();
        by_model.sort_by(|a, b| {
            b.actual_nano
                .cmp(&a.actual_nano)
                .then_with(|| a.model.cmp(&b.model))
        });
        let actual = by_model
            .iter()
            .map(|r| r.actual_nano)
            .fold(0, i64::saturating_add);
        let what_if = by_model
            .iter()
            .map(|r| r.what_if_nano)
            .fold(0, i64::saturating_add);
        Ok(WhatIf {
            actual_nano: actual,
            what_if_nano: what_if,
            difference_nano: what_if.saturating_sub(actual),
            by_model,
            skipped: skipped.into_values().collect(),
            table_version: pricing.table.version().id.clone(),
            batch: spec.batch,
            groups_repriced_by_run: by_run,
            note: NOTE.to_string(),
        })
    }
}
