//! Plain views of prices and costs, shared by the CLI's `--json` output and the app's commands.
//! Money is given in exact integers (nano-USD) and, for convenience, as USD numbers.

use serde::Serialize;

use crate::money::{NanoUsd, RatePerMTok};
use crate::pricing::{
    Component, CostSource, MatchKind, ModelPrice, Multiplier, PricedUsage, Pricer, TokenUsage,
};

/// One line of a cost report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CostLineView {
    /// Component id.
    pub component: Component,
    /// Human label.
    pub label: &'static str,
    /// Tokens billed.
    pub tokens: u64,
    /// Rate, nano-USD per 1M tokens.
    pub rate_nano_usd_per_mtok: RatePerMTok,
    /// Rate, USD per 1M tokens.
    pub rate_usd_per_mtok: f64,
    /// Cost, nano-USD.
    pub cost_nano_usd: NanoUsd,
    /// Cost, USD.
    pub cost_usd: f64,
}

/// A priced run, as printed by `promptledger cost --json` and shown by the calculator.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CostReport {
    /// Provider id.
    pub provider: String,
    /// Model as given.
    pub model: String,
    /// Entry billed at.
    pub price_key: String,
    /// How the name matched.
    pub match_kind: MatchKind,
    /// Table version.
    pub price_table_version: String,
    /// Total, nano-USD.
    pub cost_nano_usd: NanoUsd,
    /// Total, USD.
    pub cost_usd: f64,
    /// Total as an exact decimal string.
    pub cost_usd_exact: String,
    /// Computed, provider-reported or unmetered.
    pub cost_source: CostSource,
    /// What the table's rates come to (absent for local, unmetered models).
    pub computed_cost_nano_usd: Option<NanoUsd>,
    /// What the provider said it charged, when the usage carried it (then it is the cost).
    pub provider_reported_cost_nano_usd: Option<NanoUsd>,
    /// Long-context tier applied.
    pub tier: Option<String>,
    /// The rate set used: `standard`, or a windowed one such as `off-peak`.
    pub rate_set: String,
    /// A service multiplier's surcharge (Anthropic geography / fast mode), in the total.
    pub multiplier: Option<Multiplier>,
    /// Usage billed.
    pub usage: TokenUsage,
    /// One line per component.
    pub breakdown: Vec<CostLineView>,
}

impl CostReport {
    /// The report when the provider reported what it charged: that is the cost, and the
    /// computed figure stays beside it.
    pub fn with_reported(mut self, reported: Option<NanoUsd>) -> CostReport {
        if let Some(r) = reported.filter(|_| self.cost_source != CostSource::Unmetered) {
            self.provider_reported_cost_nano_usd = Some(r);
            self.cost_nano_usd = r;
            self.cost_usd = r.as_usd_f64();
            self.cost_usd_exact = r.to_usd_string();
            self.cost_source = CostSource::ProviderReported;
        }
        self
    }
}

impl From<&PricedUsage> for CostReport {
    fn from(p: &PricedUsage) -> CostReport {
        let b = &p.breakdown;
        CostReport {
            provider: p.provider.as_str().to_string(),
            model: p.model.clone(),
            price_key: p.price_key.clone(),
            match_kind: p.match_kind,
            price_table_version: p.price_table_version.clone(),
            cost_nano_usd: b.total_nano_usd,
            cost_usd: b.total_nano_usd.as_usd_f64(),
            cost_usd_exact: b.total_nano_usd.to_usd_string(),
            cost_source: b.cost_source,
            computed_cost_nano_usd: (b.cost_source != CostSource::Unmetered)
                .then(|| b.computed_total()),
            provider_reported_cost_nano_usd: None,
            tier: b.tier.clone(),
            rate_set: b.rate_set.clone(),
            multiplier: b.multiplier.clone(),
            usage: p.usage,
            breakdown: b
                .lines
                .iter()
                .map(|l| CostLineView {
                    component: l.component,
                    label: l.component.label(),
                    tokens: l.tokens,
                    rate_nano_usd_per_mtok: l.rate_nano_usd_per_mtok,
                    rate_usd_per_mtok: l.rate_nano_usd_per_mtok.usd_per_mtok_f64(),
                    cost_nano_usd: l.cost_nano_usd,
                    cost_usd: l.cost_nano_usd.as_usd_f64(),
                })
                .collect(),
        }
    }
}

/// A long-context tier, for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TierView {
    /// Applies when the prompt exceeds this many tokens.
    pub above_tokens: u64,
    /// Input rate in the tier (nano-USD per 1M), if changed.
    pub input_nano_usd_per_mtok: Option<RatePerMTok>,
    /// Output rate in the tier, if changed.
    pub output_nano_usd_per_mtok: Option<RatePerMTok>,
}

/// A model row for price lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ModelRow {
    /// Table key or custom model name.
    pub key: String,
    /// The id to send the provider: the key without its provider prefix
    /// (`xai/grok-4.3` → `grok-4.3`).
    pub model_id: String,
    /// LiteLLM provider id (`custom` for custom models).
    pub litellm_provider: String,
    /// `chat`, `responses`, …
    pub mode: String,
    /// Context window.
    pub max_input_tokens: Option<u64>,
    /// Output limit.
    pub max_output_tokens: Option<u64>,
    /// Input, nano-USD per 1M tokens.
    pub input_nano_usd_per_mtok: Option<RatePerMTok>,
    /// Cache read.
    pub cached_input_nano_usd_per_mtok: Option<RatePerMTok>,
    /// Cache write (5m).
    pub cache_write_nano_usd_per_mtok: Option<RatePerMTok>,
    /// Cache write (1h).
    pub cache_write_1h_nano_usd_per_mtok: Option<RatePerMTok>,
    /// Output.
    pub output_nano_usd_per_mtok: Option<RatePerMTok>,
    /// Reasoning (own rate).
    pub reasoning_nano_usd_per_mtok: Option<RatePerMTok>,
    /// Long-context tiers.
    pub tiers: Vec<TierView>,
    /// Whether tiered bands apply.
    pub banded: bool,
    /// `table`, `override` or `custom`.
    pub source: &'static str,
}

impl ModelRow {
    fn new(p: &ModelPrice, source: &'static str) -> ModelRow {
        let r = |v: Option<RatePerMTok>| v;
        let first_band = p.bands.first().map(|b| &b.rates);
        let model_id = p
            .key
            .strip_prefix(p.litellm_provider.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
            .unwrap_or(&p.key)
            .to_string();
        ModelRow {
            key: p.key.clone(),
            model_id,
            litellm_provider: p.litellm_provider.clone(),
            mode: p.mode.clone(),
            max_input_tokens: p.max_input_tokens,
            max_output_tokens: p.max_output_tokens,
            input_nano_usd_per_mtok: r(p.base.input.or(first_band.and_then(|b| b.input))),
            cached_input_nano_usd_per_mtok: r(p.base.cache_read),
            cache_write_nano_usd_per_mtok: r(p.base.cache_write_5m),
            cache_write_1h_nano_usd_per_mtok: r(p.base.cache_write_1h),
            output_nano_usd_per_mtok: r(p.base.output.or(first_band.and_then(|b| b.output))),
            reasoning_nano_usd_per_mtok: r(p.base.reasoning),
            tiers: p
                .thresholds
                .iter()
                .map(|t| TierView {
                    above_tokens: t.above_tokens,
                    input_nano_usd_per_mtok: r(t.rates.input),
                    output_nano_usd_per_mtok: r(t.rates.output),
                })
                .collect(),
            banded: p.bands.len() > 1,
            source,
        }
    }
}

/// Filters for [`Pricer::list`].
#[derive(Debug, Clone, Default)]
pub struct ModelFilter {
    /// Words that must all appear in the key (case-insensitive).
    pub search: Option<String>,
    /// A PromptLedger provider (`gemini`) or a LiteLLM provider id (`bedrock`).
    pub provider: Option<String>,
    /// Only chat-like models (`chat`, `responses`, `completion`) when true.
    pub chat_only: bool,
}

impl Pricer {
    /// Models matching `filter`, sorted by key; overrides applied and custom models included.
    pub fn list(&self, filter: &ModelFilter) -> Vec<ModelRow> {
        let words: Vec<String> = filter
            .search
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        let providers: Vec<String> = match filter.provider.as_deref().map(str::trim) {
            None | Some("") => Vec::new(),
            Some(p) => match p.parse::<crate::ProviderKind>() {
                Ok(k) if !k.litellm_providers().is_empty() => k
                    .litellm_providers()
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                _ => vec![p.to_ascii_lowercase()],
            },
        };
        let keep = |p: &ModelPrice| {
            let key = p.key.to_ascii_lowercase();
            words.iter().all(|w| key.contains(w))
                && (providers.is_empty() || providers.contains(&p.litellm_provider))
                && (!filter.chat_only
                    || matches!(p.mode.as_str(), "chat" | "responses" | "completion"))
        };
        let mut rows: Vec<ModelRow> = self
            .table()
            .iter()
            .filter_map(|p| match self.overrides().get(&p.key) {
                Some(o) => {
                    let merged = o.apply_to(p);
                    keep(&merged).then(|| ModelRow::new(&merged, "override"))
                }
                None => keep(p).then(|| ModelRow::new(p, "table")),
            })
            .collect();
        for o in self.overrides().values() {
            if self.table().get(&o.model).is_none()
                && let Ok(custom) = o.as_custom()
                && keep(&custom)
            {
                rows.push(ModelRow::new(&custom, "custom"));
            }
        }
        rows.sort_by(|a, b| a.key.cmp(&b.key));
        rows
    }

    /// One model's row, resolved the way runs resolve it.
    pub fn show(
        &self,
        provider: Option<crate::ProviderKind>,
        model: &str,
    ) -> crate::Result<ModelRow> {
        let q = self.quote(provider, model)?;
        let source = match q.match_kind {
            MatchKind::Override => "override",
            MatchKind::Custom => "custom",
            _ => "table",
        };
        Ok(ModelRow::new(&q.price, source))
    }
}
