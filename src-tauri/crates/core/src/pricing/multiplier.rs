//! Service multipliers: Anthropic bills a run served in a given geography (`usage.inference_geo`,
//! e.g. `us`) or in fast mode (`usage.speed = "fast"`) at a multiple of its rates. The table keeps
//! the factors in `provider_specific_entry` (`{"us": 1.1, "fast": 2.0}`).
//!
//! As LiteLLM applies them: the factors multiply (geo × speed); a geo of `global` or
//! `not_available` has none; they scale uncached input, output and reasoning, never cache reads
//! or writes. The bill keeps its per-component lines at the table's rates and adds the surcharge
//! as one [`Multiplier`] line, so the difference is visible.

use serde::{Deserialize, Serialize};

use crate::money::{NanoUsd, decimal_string, parse_scaled_decimal};

const PPM: i64 = 1_000_000;

/// A factor in parts per million (1.1 → 1,100,000), exact for the table's decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Factor(pub i64);

impl Factor {
    /// No change.
    pub const ONE: Factor = Factor(PPM);

    /// The table's float, converted through its shortest decimal form.
    pub fn from_f64(f: f64) -> Option<Factor> {
        if !f.is_finite() || !(0.0..=1_000.0).contains(&f) {
            return None;
        }
        parse_scaled_decimal(&format!("{f:e}"), 6).map(Factor)
    }

    /// `"1.1"`, `"2"`.
    pub fn to_decimal_string(self) -> String {
        decimal_string(self.0, 6, 0)
    }

    fn times(self, other: Factor) -> Factor {
        Factor(
            i64::try_from(i128::from(self.0) * i128::from(other.0) / i128::from(PPM))
                .unwrap_or(i64::MAX),
        )
    }
}

/// How a provider says it served a run, where that changes the price.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceTags {
    /// Anthropic `usage.inference_geo` (`us`, `global`…).
    pub inference_geo: Option<String>,
    /// Anthropic `usage.speed` (`fast`, `standard`).
    pub speed: Option<String>,
}

impl ServiceTags {
    /// Reads the tags from a usage object, or from a whole response body's `usage`.
    pub fn from_provider_json(v: &serde_json::Value) -> ServiceTags {
        match v.get("usage").filter(|u| u.is_object()) {
            Some(u) => Self::from_usage_json(u),
            None => Self::from_usage_json(v),
        }
    }

    /// Reads the tags from a usage object; absent ones stay `None`.
    pub fn from_usage_json(usage: &serde_json::Value) -> ServiceTags {
        let text = |k: &str| {
            usage
                .get(k)
                .and_then(serde_json::Value::as_str)
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty())
        };
        ServiceTags {
            inference_geo: text("inference_geo"),
            speed: text("speed"),
        }
    }

    /// True when nothing is tagged.
    pub fn is_empty(&self) -> bool {
        self.inference_geo.is_none() && self.speed.is_none()
    }
}

/// The surcharge line of a bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Multiplier {
    /// The combined factor as an exact decimal: `"1.1"`, `"2.2"`.
    pub factor: String,
    /// Why: `inference_geo us ×1.1`, `speed fast ×2`.
    pub reasons: Vec<String>,
    /// What it adds on top of the input, output and reasoning lines.
    pub extra_nano_usd: NanoUsd,
}

/// The factors a model's entry lists, by tag value (`us`, `fast`).
pub fn factor_for(
    entries: &[(String, Factor)],
    tags: &ServiceTags,
) -> Option<(Factor, Vec<String>)> {
    let lookup = |k: &str| entries.iter().find(|(name, _)| name == k).map(|(_, f)| *f);
    let mut factor = Factor::ONE;
    let mut reasons = Vec::new();
    if let Some(geo) = tags
        .inference_geo
        .as_deref()
        .filter(|g| !matches!(*g, "global" | "not_available"))
        && let Some(f) = lookup(geo)
    {
        factor = factor.times(f);
        reasons.push(format!("inference_geo {geo} ×{}", f.to_decimal_string()));
    }
    if tags.speed.as_deref() == Some("fast")
        && let Some(f) = lookup("fast")
    {
        factor = factor.times(f);
        reasons.push(format!("speed fast ×{}", f.to_decimal_string()));
    }
    (factor != Factor::ONE).then_some((factor, reasons))
}

/// The surcharge on `scaled` (the input + output + reasoning cost) at `factor`, half-up.
pub fn surcharge(scaled: NanoUsd, factor: Factor) -> Option<NanoUsd> {
    let extra = i128::from(scaled.0).checked_mul(i128::from(factor.0 - PPM))?;
    let rounded = if extra >= 0 {
        (extra + i128::from(PPM / 2)) / i128::from(PPM)
    } else {
        (extra - i128::from(PPM / 2)) / i128::from(PPM)
    };
    i64::try_from(rounded).ok().map(NanoUsd)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries() -> Vec<(String, Factor)> {
        vec![
            ("us".into(), Factor::from_f64(1.1).unwrap()),
            ("fast".into(), Factor::from_f64(2.0).unwrap()),
        ]
    }

    fn tags(geo: Option<&str>, speed: Option<&str>) -> ServiceTags {
        ServiceTags {
            inference_geo: geo.map(Into::into),
            speed: speed.map(Into::into),
        }
    }

    #[test]
    fn geo_and_fast_multiply() {
        let (f, reasons) = factor_for(&entries(), &tags(Some("us"), Some("fast"))).unwrap();
        assert_eq!(f, Factor(2_200_000));
        assert_eq!(f.to_decimal_string(), "2.2");
        assert_eq!(reasons, ["inference_geo us ×1.1", "speed fast ×2"]);
        assert_eq!(surcharge(NanoUsd(1_000_000), f), Some(NanoUsd(1_200_000)));
    }

    #[test]
    fn global_standard_and_unlisted_tags_change_nothing() {
        for t in [
            tags(Some("global"), None),
            tags(Some("not_available"), Some("standard")),
            tags(Some("eu"), None),
            tags(None, None),
        ] {
            assert_eq!(factor_for(&entries(), &t), None, "{t:?}");
        }
        assert_eq!(factor_for(&[], &tags(Some("us"), Some("fast"))), None);
    }

    #[test]
    fn tags_read_from_usage() {
        let t = ServiceTags::from_usage_json(
            &serde_json::json!({"inference_geo": "US", "speed": "fast"}),
        );
        assert_eq!(t, tags(Some("us"), Some("fast")));
        assert!(ServiceTags::from_usage_json(&serde_json::json!({"input_tokens": 1})).is_empty());
    }
}
