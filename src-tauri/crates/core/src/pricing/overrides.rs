//! User price overrides and custom models.
//!
//! An override replaces the rates it sets on a table entry and makes the price flat: the entry's
//! long-context tiers no longer apply, since the user said what the model costs. A custom model is
//! an override for a name the table does not know (a self-hosted model, a private deployment); it
//! must set at least the input and output rates.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::money::RatePerMTok;
use crate::pricing::table::{ModelPrice, Rates};

/// A user's price for one model name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceOverride {
    /// The model name as the user writes it (`gpt-4o`, `my-llama-70b`).
    pub model: String,
    /// Rates set by the user; unset ones keep the table's.
    pub rates: Rates,
    /// Context window, for custom models.
    pub max_input_tokens: Option<u64>,
    /// Free text ("negotiated price", "our vLLM box").
    pub note: Option<String>,
    /// When it was last changed (RFC 3339, UTC).
    pub updated_at: String,
}

impl PriceOverride {
    /// Checks what can be checked without the table.
    pub fn validate(&self) -> Result<()> {
        let name = self.model.trim();
        if name.is_empty() || name.len() > 200 || name.chars().any(char::is_control) {
            return Err(CoreError::invalid(
                "model",
                "give a model name of 1 to 200 printable characters",
            ));
        }
        if self.rates == Rates::default() {
            return Err(CoreError::invalid("prices", "set at least one rate"));
        }
        Ok(())
    }

    /// The table entry with this override on top. The user's rates hold at every prompt size
    /// and every hour (tiers and windowed rates are dropped); service multipliers still apply.
    pub fn apply_to(&self, base: &ModelPrice) -> ModelPrice {
        let mut p = base.clone();
        p.base.overlay(&self.rates);
        p.thresholds.clear();
        p.bands.clear();
        p.windows.clear();
        // The table's batch rates are not the user's: a batch at a negotiated price is unknown.
        p.batch = None;
        if self.max_input_tokens.is_some() {
            p.max_input_tokens = self.max_input_tokens;
        }
        p
    }

    /// A custom model: an entry made only of this override.
    pub fn as_custom(&self) -> Result<ModelPrice> {
        if self.rates.input.is_none() || self.rates.output.is_none() {
            return Err(CoreError::invalid(
                "prices",
                format!(
                    "`{}` is not in the price table: a custom model needs at least an input and an \
                     output price",
                    self.model
                ),
            ));
        }
        Ok(ModelPrice {
            key: self.model.clone(),
            litellm_provider: "custom".into(),
            mode: "chat".into(),
            max_input_tokens: self.max_input_tokens,
            max_output_tokens: None,
            base: self.rates.clone(),
            thresholds: Vec::new(),
            bands: Vec::new(),
            threshold_inclusive: false,
            windows: Vec::new(),
            multipliers: Vec::new(),
            batch: None,
            units: crate::pricing::units::UnitRates::default(),
        })
    }
}

/// An override as a person types it (prices in USD per 1M tokens, as text): the CLI's flags and
/// the app's form both fill this. Empty fields mean "keep the table's price".
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct OverrideText {
    /// Model name.
    pub model: String,
    /// Input price.
    pub input: Option<String>,
    /// Output price.
    pub output: Option<String>,
    /// Cached-input (cache read) price.
    pub cached: Option<String>,
    /// Cache-write price (5-minute TTL).
    pub cache_write: Option<String>,
    /// Cache-write price (1-hour TTL).
    #[serde(rename = "cacheWrite1h")]
    pub cache_write_1h: Option<String>,
    /// Reasoning price.
    pub reasoning: Option<String>,
    /// Context window in tokens.
    pub context_window: Option<u64>,
    /// Free text.
    pub note: Option<String>,
}

impl OverrideText {
    /// Parses the prices; a field that is not a price is an `invalid_input` error naming it.
    pub fn parse(&self, updated_at: String) -> Result<PriceOverride> {
        let rate = |field: &str, v: &Option<String>| -> Result<Option<RatePerMTok>> {
            match v.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(s) => RatePerMTok::parse_usd_per_mtok(s).map(Some).ok_or_else(|| {
                    CoreError::invalid(
                        field,
                        format!("`{s}` is not a price in USD per 1M tokens (e.g. 2.50)"),
                    )
                }),
            }
        };
        let o = PriceOverride {
            model: self.model.trim().to_string(),
            rates: Rates {
                input: rate("input price", &self.input)?,
                output: rate("output price", &self.output)?,
                cache_read: rate("cached-input price", &self.cached)?,
                cache_write_5m: rate("cache-write price", &self.cache_write)?,
                cache_write_1h: rate("1-hour cache-write price", &self.cache_write_1h)?,
                reasoning: rate("reasoning price", &self.reasoning)?,
            },
            max_input_tokens: self.context_window,
            note: self.note.clone().filter(|n| !n.trim().is_empty()),
            updated_at,
        };
        o.validate()?;
        Ok(o)
    }
}
