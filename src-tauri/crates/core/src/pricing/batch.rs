//! Batch API prices: the entry a run sent through a provider's Batch API is billed at.
//!
//! The table lists `*_batches` variants of some rates (input, output, cache read, cache write,
//! long-context tiers). PromptLedger applies the `_batches` variant of **each** component and,
//! where one is missing, the standard rate scaled by the model's own batch discount — the ratio
//! of its batch input rate to its input rate (output when it has no input rate). That covers,
//! for example, Anthropic's 1-hour cache write, which has no batch key. A model without any
//! batch rate has no batch price: a batch on it is "price unknown", never a guess.

use crate::ProviderKind;
use crate::money::RatePerMTok;
use crate::pricing::table::{ModelPrice, Rates, Threshold};

/// The rate set of a run billed at the table's batch rates.
pub const BATCH: &str = "batch";
/// The rate set of a run billed at the provider's documented batch discount because the table
/// lists no batch rate for its model.
pub const BATCH_DOCUMENTED: &str = "batch (documented 50% discount)";

/// The discount a provider documents for its Batch API, as `num / den` of the standard price:
/// OpenAI, Anthropic and Gemini all bill batches at 50 % (batch-apis.md §0).
pub fn documented_discount(provider: ProviderKind) -> Option<(i64, i64)> {
    matches!(
        provider,
        ProviderKind::Openai | ProviderKind::Anthropic | ProviderKind::Gemini
    )
    .then_some((1, 2))
}

/// `standard × num / den`, rounded half-up to the nano-USD per 1M tokens.
fn scale(rate: RatePerMTok, num: i64, den: i64) -> RatePerMTok {
    if den == 0 {
        return rate;
    }
    let v = (i128::from(rate.0) * i128::from(num) * 2 + i128::from(den)) / (2 * i128::from(den));
    RatePerMTok(i64::try_from(v).unwrap_or(i64::MAX))
}

/// Fills every rate of `batch` that is unset with the one `standard` sets, scaled.
fn fill(batch: &Rates, standard: &Rates, num: i64, den: i64) -> Rates {
    let pick = |b: Option<RatePerMTok>, s: Option<RatePerMTok>| {
        b.or_else(|| s.map(|s| scale(s, num, den)))
    };
    Rates {
        input: pick(batch.input, standard.input),
        output: pick(batch.output, standard.output),
        cache_read: pick(batch.cache_read, standard.cache_read),
        cache_write_5m: pick(batch.cache_write_5m, standard.cache_write_5m),
        cache_write_1h: pick(batch.cache_write_1h, standard.cache_write_1h),
        reasoning: pick(batch.reasoning, standard.reasoning),
    }
}

impl ModelPrice {
    /// This model as the Batch API bills it, or `None` when the table lists no batch rate.
    /// Windowed (off-peak) rates and service multipliers do not apply to batches.
    pub fn batch_price(&self) -> Option<ModelPrice> {
        let batch = self.batch.as_ref()?;
        let (num, den) = match (
            batch.base.input,
            self.base.input,
            batch.base.output,
            self.base.output,
        ) {
            (Some(b), Some(s), _, _) if s.0 > 0 => (b.0, s.0),
            (_, _, Some(b), Some(s)) if s.0 > 0 => (b.0, s.0),
            _ => (1, 1),
        };
        let thresholds = self
            .thresholds
            .iter()
            .map(|t| {
                let listed = batch
                    .thresholds
                    .iter()
                    .find(|b| b.above_tokens == t.above_tokens)
                    .map(|b| b.rates.clone())
                    .unwrap_or_default();
                Threshold {
                    above_tokens: t.above_tokens,
                    rates: fill(&listed, &t.rates, num, den),
                }
            })
            .chain(
                batch
                    .thresholds
                    .iter()
                    .filter(|b| {
                        !self
                            .thresholds
                            .iter()
                            .any(|t| t.above_tokens == b.above_tokens)
                    })
                    .cloned(),
            )
            .collect::<Vec<_>>();
        let mut thresholds = thresholds;
        thresholds.sort_by_key(|t| t.above_tokens);
        let mut bands = self.bands.clone();
        for b in &mut bands {
            b.rates = fill(&Rates::default(), &b.rates, num, den);
        }
        Some(ModelPrice {
            key: self.key.clone(),
            litellm_provider: self.litellm_provider.clone(),
            mode: self.mode.clone(),
            max_input_tokens: self.max_input_tokens,
            max_output_tokens: self.max_output_tokens,
            base: fill(&batch.base, &self.base, num, den),
            thresholds,
            bands,
            threshold_inclusive: self.threshold_inclusive,
            windows: Vec::new(),
            multipliers: Vec::new(),
            batch: None,
            units: crate::pricing::units::UnitRates::default(),
        })
    }
}

impl ModelPrice {
    /// This model as `provider`'s Batch API bills it, and the rate set that says how it was
    /// found: the table's batch rates ([`BATCH`]), else the provider's documented discount on
    /// every standard rate ([`BATCH_DOCUMENTED`]); `None` when neither is known.
    pub fn batch_price_for(&self, provider: ProviderKind) -> Option<(ModelPrice, &'static str)> {
        if let Some(p) = self.batch_price() {
            return Some((p, BATCH));
        }
        let (num, den) = documented_discount(provider)?;
        let scaled = |r: &Rates| fill(&Rates::default(), r, num, den);
        let mut p = self.clone();
        p.base = scaled(&self.base);
        for t in &mut p.thresholds {
            t.rates = scaled(&t.rates);
        }
        for b in &mut p.bands {
            b.rates = scaled(&b.rates);
        }
        p.windows = Vec::new();
        p.multipliers = Vec::new();
        p.batch = None;
        Some((p, BATCH_DOCUMENTED))
    }
}

#[cfg(test)]
mod tests {
    use crate::money::RatePerMTok;
    use crate::pricing::PriceTable;

    #[test]
    fn listed_batch_rates_win_and_missing_ones_take_the_models_own_discount() {
        let t = PriceTable::bundled();
        let gpt = t.get("gpt-4o").unwrap().batch_price().unwrap();
        assert_eq!(gpt.base.input, Some(RatePerMTok(1_250_000_000)));
        assert_eq!(gpt.base.output, Some(RatePerMTok(5_000_000_000)));
        let sonnet = t.get("claude-sonnet-4-5").unwrap().batch_price().unwrap();
        assert_eq!(sonnet.base.cache_read, Some(RatePerMTok(150_000_000)));
        assert_eq!(sonnet.base.cache_write_5m, Some(RatePerMTok(1_875_000_000)));
        // No `cache_creation_input_token_cost_above_1hr_batches`: 6e-6 × half.
        assert_eq!(sonnet.base.cache_write_1h, Some(RatePerMTok(3_000_000_000)));
        let pro = t
            .get("gemini/gemini-2.5-pro")
            .unwrap()
            .batch_price()
            .unwrap();
        assert_eq!(
            pro.base.cache_read,
            Some(RatePerMTok(125_000_000)),
            "listed, not halved"
        );
        assert!(
            t.get("gpt-4").unwrap().batch_price().is_none(),
            "no batch price in the table"
        );
    }

    #[test]
    fn a_model_without_batch_rates_takes_the_documented_discount_labelled_as_such() {
        use crate::ProviderKind;
        let t = PriceTable::bundled();
        let (gpt4, set) = t
            .get("gpt-4")
            .unwrap()
            .batch_price_for(ProviderKind::Openai)
            .unwrap();
        assert_eq!(set, super::BATCH_DOCUMENTED);
        // gpt-4: 3e-5 / 6e-5 per token, halved.
        assert_eq!(gpt4.base.input, Some(RatePerMTok(15_000_000_000)));
        assert_eq!(gpt4.base.output, Some(RatePerMTok(30_000_000_000)));
        let (_, set) = t
            .get("gpt-4o")
            .unwrap()
            .batch_price_for(ProviderKind::Openai)
            .unwrap();
        assert_eq!(set, super::BATCH);
        assert!(
            t.get("gpt-4")
                .unwrap()
                .batch_price_for(ProviderKind::Groq)
                .is_none(),
            "no documented discount: unknown"
        );
    }
}
