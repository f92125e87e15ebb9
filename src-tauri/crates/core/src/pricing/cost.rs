//! The cost of one run: each token component times its rate, in nano-USD, with the rates used.
//!
//! Rules (LiteLLM's, see `shared/reference/pricing.md`): a long-context threshold, once the
//! prompt passes it, applies its rates to the whole request; a missing cache-read or cache-write
//! rate bills those tokens at the input rate; a missing 1-hour write rate falls back to the
//! 5-minute one; a missing reasoning rate bills reasoning at the output rate. A windowed rate set
//! (`off_peak_pricing`) whose hours hold at the run's start replaces the rates it sets, after the
//! tier is chosen; a service multiplier (Anthropic geo / fast mode) adds one surcharge line.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::money::{NanoUsd, RatePerMTok};
use crate::pricing::multiplier::{self, Multiplier, ServiceTags};
use crate::pricing::table::{ModelPrice, Rates};
use crate::pricing::units::UnitLine;
use crate::pricing::usage::TokenUsage;
use crate::pricing::windows::STANDARD;

/// One billed part of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// Uncached input.
    Input,
    /// Cache read.
    CachedInput,
    /// Cache write, 5-minute (default) TTL.
    CacheWrite,
    /// Cache write, 1-hour TTL.
    CacheWrite1h,
    /// Visible output.
    Output,
    /// Reasoning output.
    Reasoning,
}

impl Component {
    /// All components in bill order.
    pub const ALL: [Component; 6] = [
        Component::Input,
        Component::CachedInput,
        Component::CacheWrite,
        Component::CacheWrite1h,
        Component::Output,
        Component::Reasoning,
    ];

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            Component::Input => "input",
            Component::CachedInput => "cached input",
            Component::CacheWrite => "cache write (5m)",
            Component::CacheWrite1h => "cache write (1h)",
            Component::Output => "output",
            Component::Reasoning => "reasoning",
        }
    }

    /// This component's count in `u`.
    pub fn tokens(self, u: &TokenUsage) -> u64 {
        match self {
            Component::Input => u.input_tokens,
            Component::CachedInput => u.cached_input_tokens,
            Component::CacheWrite => u.cache_write_tokens,
            Component::CacheWrite1h => u.cache_write_1h_tokens,
            Component::Output => u.output_tokens,
            Component::Reasoning => u.reasoning_tokens,
        }
    }
}

/// How a cost was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CostSource {
    /// The provider reported the cost (e.g. OpenRouter `usage.cost`).
    ProviderReported,
    /// Computed from reported usage and the price table.
    Computed,
    /// The stream was cut before usage arrived; tokens were estimated.
    Estimated,
    /// A local model: no per-token charge.
    Unmetered,
    /// The price table does not know the model (a gateway alias): tokens are recorded, the
    /// cost is unknown (never $0) until the user prices the model.
    Unpriced,
}

impl CostSource {
    /// Stable id, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            CostSource::ProviderReported => "provider_reported",
            CostSource::Computed => "computed",
            CostSource::Estimated => "estimated",
            CostSource::Unmetered => "unmetered",
            CostSource::Unpriced => "unpriced",
        }
    }
}

/// One line of the bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CostLine {
    /// What is billed.
    pub component: Component,
    /// How many tokens.
    pub tokens: u64,
    /// The rate used, in nano-USD per 1M tokens.
    pub rate_nano_usd_per_mtok: RatePerMTok,
    /// tokens × rate, rounded half-up to the nano-USD.
    pub cost_nano_usd: NanoUsd,
}

/// A run's bill: one line per component (all six, zero ones included) and their sum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CostBreakdown {
    /// Lines in [`Component::ALL`] order.
    pub lines: Vec<CostLine>,
    /// Sum of the lines.
    pub total_nano_usd: NanoUsd,
    /// The long-context tier applied, e.g. `above_200k_tokens`, or `tier_256001_1000000_tokens`.
    pub tier: Option<String>,
    /// Computed, or unmetered for local models.
    pub cost_source: CostSource,
    /// Which rate set priced it: `standard`, or a windowed one such as `off-peak`.
    #[serde(default = "standard")]
    pub rate_set: String,
    /// A service multiplier's surcharge, included in the total.
    #[serde(default)]
    pub multiplier: Option<Multiplier>,
    /// The line for an operation billed by images, seconds, characters or image/audio tokens,
    /// included in the total.
    #[serde(default)]
    pub unit: Option<UnitLine>,
}

fn standard() -> String {
    STANDARD.to_string()
}

impl CostBreakdown {
    /// What the table's rates come to: the lines plus any multiplier surcharge. Equal to the
    /// total unless a provider reported the cost itself (then the total is what it charged).
    pub fn computed_total(&self) -> NanoUsd {
        let lines: NanoUsd = self.lines.iter().map(|l| l.cost_nano_usd).sum();
        lines
            + self
                .multiplier
                .as_ref()
                .map_or(NanoUsd::ZERO, |m| m.extra_nano_usd)
            + self.unit.map_or(NanoUsd::ZERO, |u| u.cost_nano_usd)
    }

    /// The line for one component.
    pub fn line(&self, c: Component) -> Option<&CostLine> {
        self.lines.iter().find(|l| l.component == c)
    }

    /// Each component's rate (nano-USD per 1M) and cost (nano-USD), in [`Component::ALL`]
    /// order, 0 where a line is missing: the ledger's rate and cost columns.
    pub fn columns(&self) -> ([i64; 6], [i64; 6]) {
        let mut rates = [0; 6];
        let mut costs = [0; 6];
        for (n, c) in Component::ALL.iter().enumerate() {
            if let Some(l) = self.line(*c) {
                rates[n] = l.rate_nano_usd_per_mtok.0;
                costs[n] = l.cost_nano_usd.0;
            }
        }
        (rates, costs)
    }
}

/// Rates resolved for one prompt size, with every fallback applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EffectiveRates {
    /// Uncached input.
    pub input: RatePerMTok,
    /// Cache read.
    pub cached_input: RatePerMTok,
    /// Cache write (5m).
    pub cache_write: RatePerMTok,
    /// Cache write (1h).
    pub cache_write_1h: RatePerMTok,
    /// Output.
    pub output: RatePerMTok,
    /// Reasoning.
    pub reasoning: RatePerMTok,
}

impl EffectiveRates {
    /// The rate for one component.
    pub fn of(&self, c: Component) -> RatePerMTok {
        match c {
            Component::Input => self.input,
            Component::CachedInput => self.cached_input,
            Component::CacheWrite => self.cache_write,
            Component::CacheWrite1h => self.cache_write_1h,
            Component::Output => self.output,
            Component::Reasoning => self.reasoning,
        }
    }

    /// Every rate zero (local models).
    pub const ZERO: EffectiveRates = EffectiveRates {
        input: RatePerMTok(0),
        cached_input: RatePerMTok(0),
        cache_write: RatePerMTok(0),
        cache_write_1h: RatePerMTok(0),
        output: RatePerMTok(0),
        reasoning: RatePerMTok(0),
    };
}

/// The rates that apply to one request, and what chose them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved<'a> {
    /// The rates, every fallback applied.
    pub rates: EffectiveRates,
    /// The long-context tier, if one applied.
    pub tier: Option<String>,
    /// `standard`, or the windowed rate set in force.
    pub rate_set: &'a str,
}

/// What, besides token counts, decides a run's price: when it started and how it was served.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Billing {
    /// The run's start, ms since the epoch (windowed rates are chosen by it).
    pub at_ms: i64,
    /// Geography / speed tags the provider reported.
    pub service: ServiceTags,
}

impl Billing {
    /// A run starting at `at_ms`, served without tags.
    pub fn at(at_ms: i64) -> Billing {
        Billing {
            at_ms,
            service: ServiceTags::default(),
        }
    }

    /// Now.
    pub fn now() -> Billing {
        Billing::at(chrono::Utc::now().timestamp_millis())
    }

    /// A run starting at an RFC 3339 instant (`2026-11-30T18:30:00Z`), or now when `at` is
    /// `None` or blank: the CLI's `cost --at` and the calculator's field both come here.
    pub fn at_rfc3339(at: Option<&str>) -> crate::Result<Billing> {
        match at.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(Billing::now()),
            Some(s) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| Billing::at(t.timestamp_millis()))
                .map_err(|_| {
                    crate::CoreError::invalid(
                        "at",
                        format!("`{s}` is not an RFC 3339 instant such as 2026-11-30T18:30:00Z"),
                    )
                }),
        }
    }
}

impl ModelPrice {
    /// The rates for a request whose whole prompt is `prompt_tokens`, made at `at_ms`.
    pub fn resolve_rates(&self, prompt_tokens: u64, at_ms: i64) -> Resolved<'_> {
        let (mut rates, tier) = self.tiered_rates(prompt_tokens);
        let mut rate_set = STANDARD;
        if let Some(w) = self.windows.iter().find(|w| w.schedule.holds_at(at_ms)) {
            rates.overlay(&w.rates);
            rate_set = w.name.as_str();
        }
        Resolved {
            rates: Self::effective(rates),
            tier,
            rate_set,
        }
    }

    /// The standard rates (no windowed rate set) for a prompt of `prompt_tokens`, and the tier.
    pub fn standard_rates(&self, prompt_tokens: u64) -> (EffectiveRates, Option<String>) {
        let (rates, tier) = self.tiered_rates(prompt_tokens);
        (Self::effective(rates), tier)
    }

    fn tiered_rates(&self, prompt_tokens: u64) -> (Rates, Option<String>) {
        let mut rates: Rates = self.base.clone();
        let mut tier = None;
        if let Some(band) = self
            .bands
            .iter()
            .find(|b| prompt_tokens <= b.to_tokens)
            .or(self.bands.last())
        {
            rates.overlay(&band.rates);
            if self.bands.len() > 1 {
                tier = Some(format!(
                    "tier_{}_{}_tokens",
                    band.from_tokens, band.to_tokens
                ));
            }
        }
        let passed = |t: u64| {
            if self.threshold_inclusive {
                prompt_tokens >= t
            } else {
                prompt_tokens > t
            }
        };
        if let Some(th) = self
            .thresholds
            .iter()
            .rev()
            .find(|t| passed(t.above_tokens))
        {
            rates.overlay(&th.rates);
            tier = Some(format!("above_{}k_tokens", th.above_tokens / 1000));
        }
        (rates, tier)
    }

    fn effective(rates: Rates) -> EffectiveRates {
        let input = rates.input.unwrap_or_default();
        let output = rates.output.unwrap_or_default();
        let cache_write = rates.cache_write_5m.unwrap_or(input);
        EffectiveRates {
            input,
            cached_input: rates.cache_read.unwrap_or(input),
            cache_write,
            cache_write_1h: rates.cache_write_1h.unwrap_or(cache_write),
            output,
            reasoning: rates.reasoning.unwrap_or(output),
        }
    }
}

/// The most one run may cost: $1,000,000. A larger figure is not a bill but a broken usage or
/// price; refusing it keeps every day's and budget's sum far from 64-bit overflow.
pub const MAX_RUN_COST: NanoUsd = NanoUsd(1_000_000 * crate::money::NANO_PER_USD);

pub(crate) fn too_costly() -> CoreError {
    CoreError::invalid(
        "usage",
        "this usage would cost more than $1,000,000 at these rates, more than any one request \
         can; nothing was priced",
    )
}

/// Bills `usage` at `rates`, exactly and checked: counts above
/// [`MAX_TOKENS`](crate::pricing::usage::MAX_TOKENS) or a cost above
/// [`MAX_RUN_COST`] are an `invalid_input` error, never a saturated figure.
pub fn bill(
    usage: &TokenUsage,
    rates: &EffectiveRates,
    tier: Option<String>,
    source: CostSource,
) -> Result<CostBreakdown> {
    usage.check_bounds()?;
    let mut total = NanoUsd::ZERO;
    let mut lines = Vec::with_capacity(Component::ALL.len());
    for &c in &Component::ALL {
        let tokens = c.tokens(usage);
        let rate = rates.of(c);
        let cost = rate.cost(tokens).ok_or_else(too_costly)?;
        total = total
            .0
            .checked_add(cost.0)
            .map(NanoUsd)
            .ok_or_else(too_costly)?;
        lines.push(CostLine {
            component: c,
            tokens,
            rate_nano_usd_per_mtok: rate,
            cost_nano_usd: cost,
        });
    }
    if total > MAX_RUN_COST {
        return Err(too_costly());
    }
    Ok(CostBreakdown {
        lines,
        total_nano_usd: total,
        tier,
        cost_source: source,
        rate_set: standard(),
        multiplier: None,
        unit: None,
    })
}

/// The cost of `usage` on `price`, for a run made and served as `billing` says.
pub fn compute(price: &ModelPrice, usage: &TokenUsage, billing: &Billing) -> Result<CostBreakdown> {
    let r = price.resolve_rates(usage.prompt_tokens(), billing.at_ms);
    let mut b = bill(usage, &r.rates, r.tier, CostSource::Computed)?;
    b.rate_set = r.rate_set.to_string();
    if let Some((factor, reasons)) = multiplier::factor_for(&price.multipliers, &billing.service) {
        let scaled: NanoUsd = [Component::Input, Component::Output, Component::Reasoning]
            .iter()
            .filter_map(|c| b.line(*c))
            .map(|l| l.cost_nano_usd)
            .sum();
        let extra = multiplier::surcharge(scaled, factor).ok_or_else(too_costly)?;
        b.total_nano_usd = b
            .total_nano_usd
            .0
            .checked_add(extra.0)
            .map(NanoUsd)
            .filter(|t| *t <= MAX_RUN_COST)
            .ok_or_else(too_costly)?;
        b.multiplier = Some(Multiplier {
            factor: factor.to_decimal_string(),
            reasons,
            extra_nano_usd: extra,
        });
    }
    Ok(b)
}
