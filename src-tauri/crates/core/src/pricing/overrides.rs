//! User price overrides and custom models.
//!
//! An override replaces the rates it sets on a table entry and makes the price flat: the entry's
//! long-context tiers no longer apply, since the user said what the model costs. A custom model is
//! an override for a name the table does not know (a self-hosted model, a private deployment); it
//! must set at least the input and output rates.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
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

    /// The table entry with this override on top.
    pub fn apply_to(&self, base: &ModelPrice) -> ModelPrice {
        let mut p = base.clone();
        p.base.overlay(&self.rates);
        p.thresholds.clear();
        p.bands.clear();
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
        })
    }
}
