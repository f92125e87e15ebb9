//! The price engine: the bundled (or imported) LiteLLM table, user overrides, and the cost of a
//! run in exact nano-USD.

pub mod band;
pub mod batch;
pub mod cost;
pub mod diff;
pub mod lookup;
pub mod multiplier;
pub mod operations;
pub mod overrides;
pub mod report;
pub mod table;
pub mod units;
pub mod update;
pub mod usage;
pub mod windows;

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{CoreError, Result};
use crate::provider::ProviderKind;
pub use cost::{Billing, Component, CostBreakdown, CostLine, CostSource, EffectiveRates};
pub use lookup::MatchKind;
pub use multiplier::{Multiplier, ServiceTags};
pub use overrides::{OverrideText, PriceOverride};
pub use table::{BatchRates, ModelPrice, PriceTable, Rates, TableVersion};
pub use units::{BilledUnit, Metered, UnitLine, UnitRates};
pub use usage::TokenUsage;

/// Prices runs: a table plus the user's overrides. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Pricer {
    table: Arc<PriceTable>,
    overrides: Arc<HashMap<String, PriceOverride>>,
}

/// The price a model is billed at.
#[derive(Debug, Clone)]
pub struct Quote<'a> {
    /// The entry (merged with an override where one applies).
    pub price: Cow<'a, ModelPrice>,
    /// How the name was matched.
    pub match_kind: MatchKind,
}

/// A priced run: which entry was used, from which table, and the bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedUsage {
    /// Provider.
    pub provider: ProviderKind,
    /// The model as requested.
    pub model: String,
    /// The price-table key (or custom model name) the run was billed at.
    pub price_key: String,
    /// How `model` was matched to `price_key`.
    pub match_kind: MatchKind,
    /// The table version, recorded on every priced run.
    pub price_table_version: String,
    /// The usage billed.
    pub usage: TokenUsage,
    /// The bill.
    pub breakdown: CostBreakdown,
}

impl Pricer {
    /// A pricer over `table` with `overrides`.
    pub fn new(table: Arc<PriceTable>, overrides: Vec<PriceOverride>) -> Pricer {
        let overrides = overrides
            .into_iter()
            .map(|o| (o.model.clone(), o))
            .collect();
        Pricer {
            table,
            overrides: Arc::new(overrides),
        }
    }

    /// The bundled table without overrides.
    pub fn bundled() -> Pricer {
        Pricer::new(PriceTable::bundled(), Vec::new())
    }

    /// The table in use.
    pub fn table(&self) -> &PriceTable {
        &self.table
    }

    /// The table in use, shared.
    pub fn shared_table(&self) -> Arc<PriceTable> {
        self.table.clone()
    }

    /// The overrides in use, by model name.
    pub fn overrides(&self) -> &HashMap<String, PriceOverride> {
        &self.overrides
    }

    /// The user's price for the first of `names` that has one.
    pub(crate) fn override_for(&self, names: &[&str]) -> Option<&PriceOverride> {
        names.iter().find_map(|n| self.overrides.get(*n))
    }

    /// The price `provider` bills `model` at, or `unknown_model` naming the closest ids.
    pub fn quote(&self, provider: Option<ProviderKind>, model: &str) -> Result<Quote<'_>> {
        let name = model.trim();
        if name.is_empty() {
            return Err(CoreError::invalid("model", "give a model name"));
        }
        let bare = name.split_once('/').map_or(name, |(_, rest)| rest);
        if let Some((p, kind)) = self.table.resolve(provider, name) {
            if let Some(o) = self.override_for(&[name, p.key.as_str()]) {
                return Ok(Quote {
                    price: Cow::Owned(o.apply_to(p)),
                    match_kind: MatchKind::Override,
                });
            }
            if provider.is_some_and(ProviderKind::is_unmetered) {
                return Ok(Quote {
                    price: Cow::Borrowed(p),
                    match_kind: MatchKind::Unmetered,
                });
            }
            return Ok(Quote {
                price: Cow::Borrowed(p),
                match_kind: kind,
            });
        }
        if let Some(o) = self.override_for(&[name, bare]) {
            return Ok(Quote {
                price: Cow::Owned(o.as_custom()?),
                match_kind: MatchKind::Custom,
            });
        }
        if let Some(kind) = provider.filter(|p| p.is_unmetered()) {
            // A local model the table does not list: still unmetered, never an error.
            return Ok(Quote {
                price: Cow::Owned(ModelPrice::blank(
                    format!("{}/{}", kind.as_str(), name),
                    kind,
                )),
                match_kind: MatchKind::Unmetered,
            });
        }
        let mut suggestions = self.table.suggest(provider, name, 5);
        for custom in self.overrides.keys() {
            if strsim::jaro_winkler(custom, name) > 0.85 && suggestions.len() < 6 {
                suggestions.insert(0, custom.clone());
            }
        }
        Err(CoreError::UnknownModel {
            model: name.to_string(),
            suggestions,
        })
    }

    /// The price a run is sent at: [`Pricer::quote`], except that a model the table does not
    /// know, on a provider that [may run unpriced](ProviderKind::may_run_unpriced) (an
    /// OpenAI-compatible service or gateway), runs without a price instead of being refused.
    pub fn quote_for_run(&self, provider: ProviderKind, model: &str) -> Result<Quote<'_>> {
        match self.quote(Some(provider), model) {
            Err(CoreError::UnknownModel { model, .. }) if provider.may_run_unpriced() => {
                Ok(Quote {
                    price: Cow::Owned(ModelPrice::blank(model, provider)),
                    match_kind: MatchKind::Unpriced,
                })
            }
            other => other,
        }
    }

    /// Prices a run that was sent (so the provider bills it): like [`Pricer::price_as`], but
    /// a model that has no price is recorded as `unpriced` (tokens kept, cost unknown) rather
    /// than lost — whatever the provider.
    ///
    /// `Err` only when the usage cannot be billed at all (a count above
    /// [`usage::MAX_TOKENS`], a cost above [`cost::MAX_RUN_COST`]): the caller records the run
    /// with its cost unknown ([`PricedUsage::unknown`]).
    pub fn price_run(
        &self,
        provider: ProviderKind,
        model: &str,
        usage: &TokenUsage,
        billing: &Billing,
    ) -> Result<PricedUsage> {
        let quote = self
            .quote_for_run(provider, model)
            .unwrap_or_else(|_| Quote {
                price: Cow::Owned(ModelPrice::blank(model.trim().to_string(), provider)),
                match_kind: MatchKind::Unpriced,
            });
        self.bill(provider, model, quote, usage, billing)
    }

    /// Prices a run sent through `provider`'s Batch API at `at_ms`: the table's batch rates,
    /// else the provider's documented discount (the breakdown's rate set says which). A model
    /// with neither, or without a price, is recorded as `unpriced` — never a guess.
    pub fn price_batch_run(
        &self,
        provider: ProviderKind,
        model: &str,
        usage: &TokenUsage,
        at_ms: i64,
    ) -> Result<PricedUsage> {
        let quote = match self.quote_for_run(provider, model) {
            Ok(q) => q,
            Err(_) => return Ok(PricedUsage::unknown(provider, model.trim(), *usage)),
        };
        if matches!(quote.match_kind, MatchKind::Unmetered | MatchKind::Unpriced) {
            return self.bill(provider, model, quote, usage, &Billing::at(at_ms));
        }
        let Some((batch, rate_set)) = quote.price.batch_price_for(provider) else {
            return Ok(PricedUsage::unknown(provider, model.trim(), *usage));
        };
        let mut breakdown = cost::compute(&batch, usage, &Billing::at(at_ms))?;
        breakdown.rate_set = rate_set.to_string();
        Ok(PricedUsage {
            provider,
            model: model.trim().to_string(),
            price_key: quote.price.key.clone(),
            match_kind: quote.match_kind,
            price_table_version: self.table.version().id.clone(),
            usage: *usage,
            breakdown,
        })
    }

    /// Prices one run made now, served without geography or speed tags.
    pub fn price(
        &self,
        provider: ProviderKind,
        model: &str,
        usage: &TokenUsage,
    ) -> Result<PricedUsage> {
        self.price_as(provider, model, usage, &Billing::now())
    }

    /// Prices one run made and served as `billing` says (its start picks windowed rates; its
    /// service tags pick multipliers).
    pub fn price_as(
        &self,
        provider: ProviderKind,
        model: &str,
        usage: &TokenUsage,
        billing: &Billing,
    ) -> Result<PricedUsage> {
        let quote = self.quote(Some(provider), model)?;
        self.bill(provider, model, quote, usage, billing)
    }

    fn bill(
        &self,
        provider: ProviderKind,
        model: &str,
        quote: Quote<'_>,
        usage: &TokenUsage,
        billing: &Billing,
    ) -> Result<PricedUsage> {
        let breakdown = match quote.match_kind {
            MatchKind::Unmetered => {
                cost::bill(usage, &EffectiveRates::ZERO, None, CostSource::Unmetered)?
            }
            MatchKind::Unpriced => {
                cost::bill(usage, &EffectiveRates::ZERO, None, CostSource::Unpriced)?
            }
            _ => cost::compute(&quote.price, usage, billing)?,
        };
        Ok(PricedUsage {
            provider,
            model: model.trim().to_string(),
            price_key: quote.price.key.clone(),
            match_kind: quote.match_kind,
            price_table_version: self.table.version().id.clone(),
            usage: *usage,
            breakdown,
        })
    }
}

impl PricedUsage {
    /// Nothing billed (a run that failed before any usage was known).
    pub fn zero() -> PricedUsage {
        PricedUsage::empty(
            ProviderKind::OpenaiCompatible,
            "",
            TokenUsage::default(),
            CostSource::Computed,
        )
    }

    /// A run whose cost is unknown (`unpriced`, recorded as NULL) because its usage could not
    /// be billed: `usage` is kept when its counts are within bounds, else none are.
    pub fn unknown(provider: ProviderKind, model: &str, usage: TokenUsage) -> PricedUsage {
        let usage = if usage.check_bounds().is_ok() {
            usage
        } else {
            TokenUsage::default()
        };
        PricedUsage::empty(provider, model, usage, CostSource::Unpriced)
    }

    fn empty(
        provider: ProviderKind,
        model: &str,
        usage: TokenUsage,
        source: CostSource,
    ) -> PricedUsage {
        let lines = Component::ALL
            .iter()
            .map(|&component| CostLine {
                component,
                tokens: component.tokens(&usage),
                rate_nano_usd_per_mtok: crate::money::RatePerMTok(0),
                cost_nano_usd: crate::money::NanoUsd::ZERO,
            })
            .collect();
        PricedUsage {
            provider,
            model: model.to_string(),
            price_key: model.to_string(),
            match_kind: MatchKind::Unpriced,
            price_table_version: String::new(),
            usage,
            breakdown: CostBreakdown {
                lines,
                total_nano_usd: crate::money::NanoUsd::ZERO,
                tier: None,
                cost_source: source,
                rate_set: windows::STANDARD.to_string(),
                multiplier: None,
                unit: None,
            },
        }
    }
}
