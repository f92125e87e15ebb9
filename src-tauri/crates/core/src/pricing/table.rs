//! The price table: LiteLLM's `model_prices_and_context_window.json` read into exact integer
//! rates, with its long-context thresholds and tiered bands.
//!
//! Only the fields that price text tokens are kept; unknown fields are skipped without being
//! materialised, so loading the 3 MB bundled file stays in the low milliseconds.

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::error::{CoreError, Result};
use crate::money::RatePerMTok;
use crate::pricing::multiplier::Factor;
use crate::pricing::units::UnitRates;
use crate::pricing::windows::{Schedule, WindowedRates};

/// The bundled LiteLLM table (MIT, see `data/model_prices_LICENSE.txt`).
pub const BUNDLED_JSON: &[u8] = include_bytes!("../../data/model_prices_and_context_window.json");
/// Which LiteLLM release the bundled table comes from.
pub const BUNDLED_SOURCE: &str = "litellm-1.109.1";
/// SHA-256 of [`BUNDLED_JSON`] (a unit test keeps it honest).
pub const BUNDLED_SHA256: &str = "8f8060d8ce7a40c91b995c74d6a27657543d49e3c1c53430dabd556f244392c6";

/// Per-token rates of one price tier. `None` means "not priced separately" (see fallbacks in
/// [`ModelPrice::resolve_rates`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Rates {
    /// Uncached input.
    pub input: Option<RatePerMTok>,
    /// Output (visible text).
    pub output: Option<RatePerMTok>,
    /// Cache read (cached input).
    pub cache_read: Option<RatePerMTok>,
    /// Cache write with the default (5-minute) TTL, or unattributed writes.
    pub cache_write_5m: Option<RatePerMTok>,
    /// Cache write with a 1-hour TTL (Anthropic).
    pub cache_write_1h: Option<RatePerMTok>,
    /// Reasoning / thinking output, when billed at its own rate.
    pub reasoning: Option<RatePerMTok>,
}

impl Rates {
    /// Takes every rate `other` sets.
    pub fn overlay(&mut self, other: &Rates) {
        let pairs = [
            (&mut self.input, other.input),
            (&mut self.output, other.output),
            (&mut self.cache_read, other.cache_read),
            (&mut self.cache_write_5m, other.cache_write_5m),
            (&mut self.cache_write_1h, other.cache_write_1h),
            (&mut self.reasoning, other.reasoning),
        ];
        for (mine, theirs) in pairs {
            if theirs.is_some() {
                *mine = theirs;
            }
        }
    }
}

/// Higher rates that apply to the **whole request** once its prompt passes `above_tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Threshold {
    /// The prompt size (input + cached + cache writes) this tier starts after.
    pub above_tokens: u64,
    /// Rates this tier replaces; unset ones keep the base rate.
    pub rates: Rates,
}

/// One band of a `tiered_pricing` list: rates for prompts in `(from_tokens, to_tokens]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Band {
    /// Lower bound (exclusive, except for the first band).
    pub from_tokens: u64,
    /// Upper bound (inclusive).
    pub to_tokens: u64,
    /// Input, output and reasoning rates of the band.
    pub rates: Rates,
}

/// One model's prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelPrice {
    /// The table key, e.g. `gemini/gemini-2.5-pro`.
    pub key: String,
    /// LiteLLM's provider id, e.g. `gemini`, `vertex_ai-language-models`.
    pub litellm_provider: String,
    /// `chat`, `responses`, `embedding`, …
    pub mode: String,
    /// Context window, when the table knows it.
    pub max_input_tokens: Option<u64>,
    /// Output limit, when the table knows it.
    pub max_output_tokens: Option<u64>,
    /// Base rates.
    pub base: Rates,
    /// Long-context thresholds, ascending.
    pub thresholds: Vec<Threshold>,
    /// Tiered bands (`tiered_pricing`), ascending.
    pub bands: Vec<Band>,
    /// xAI bills the higher tier from exactly the threshold (`>=`); everyone else from `>`.
    pub threshold_inclusive: bool,
    /// Rate sets that replace these rates at certain hours (`off_peak_pricing`).
    pub windows: Vec<WindowedRates>,
    /// Service multipliers by tag value (`provider_specific_entry`: `us` 1.1, `fast` 2).
    pub multipliers: Vec<(String, Factor)>,
    /// The Batch API's rates (`*_batches` keys), when the table lists any.
    pub batch: Option<BatchRates>,
    /// Per-image, per-second, per-character and image/audio-token prices (see
    /// [`crate::pricing::units`]).
    pub units: UnitRates,
}

/// A model's `*_batches` rates as the table lists them; [`ModelPrice::batch_price`] fills the
/// gaps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchRates {
    /// Base batch rates.
    pub base: Rates,
    /// Long-context batch thresholds (`*_above_200k_tokens_batches`), ascending.
    pub thresholds: Vec<Threshold>,
}

impl ModelPrice {
    /// An entry with no rates: a local model's, or one the table does not know.
    pub fn blank(key: String, provider: crate::provider::ProviderKind) -> ModelPrice {
        ModelPrice {
            key,
            litellm_provider: provider.as_str().into(),
            mode: "chat".into(),
            max_input_tokens: None,
            max_output_tokens: None,
            base: Rates::default(),
            thresholds: Vec::new(),
            bands: Vec::new(),
            threshold_inclusive: false,
            windows: Vec::new(),
            multipliers: Vec::new(),
            batch: None,
            units: UnitRates::default(),
        }
    }
}

/// Where a table came from: bundled, or imported by the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TableVersion {
    /// `litellm-1.109.1+8f8060d8ce7a` or `import-20261121+1a2b3c4d5e6f`: recorded on every run.
    pub id: String,
    /// Full SHA-256 of the file.
    pub sha256: String,
    /// Number of token-priced models.
    pub models: usize,
}

/// A parsed price table.
#[derive(Debug)]
pub struct PriceTable {
    version: TableVersion,
    models: HashMap<String, ModelPrice>,
    keys: Vec<String>,
}

static BUNDLED: OnceLock<Arc<PriceTable>> = OnceLock::new();

impl PriceTable {
    /// The bundled table, parsed once per process.
    pub fn bundled() -> Arc<PriceTable> {
        BUNDLED
            .get_or_init(|| {
                // The bundled file is tested to parse; an empty table would surface as
                // `unknown_model`, never as a silent $0.
                let table = PriceTable::parse(BUNDLED_JSON, BUNDLED_SOURCE, Some(BUNDLED_SHA256))
                    .unwrap_or_else(|e| {
                        tracing::error!("bundled price table failed to parse: {e}");
                        PriceTable::empty(BUNDLED_SOURCE)
                    });
                Arc::new(table)
            })
            .clone()
    }

    fn empty(source: &str) -> PriceTable {
        PriceTable {
            version: TableVersion {
                id: source.to_string(),
                sha256: String::new(),
                models: 0,
            },
            models: HashMap::new(),
            keys: Vec::new(),
        }
    }

    /// Parses a LiteLLM-format table. `source` names it (`litellm-1.109.1`, `import-20261121`);
    /// `known_sha256` skips hashing when the caller already knows the digest.
    pub fn parse(bytes: &[u8], source: &str, known_sha256: Option<&str>) -> Result<PriceTable> {
        let file: TableFile =
            serde_json::from_slice(bytes).map_err(|e| CoreError::InvalidPriceTable {
                reason: e.to_string(),
            })?;
        let mut models = HashMap::with_capacity(file.entries.len());
        for (key, raw) in file.entries {
            if let Some(price) = raw.into_price(&key)? {
                models.insert(key, price);
            }
        }
        if models.is_empty() {
            return Err(CoreError::InvalidPriceTable {
                reason: "it prices no model per token".into(),
            });
        }
        let sha256 = match known_sha256 {
            Some(s) => s.to_string(),
            None => hex(&Sha256::digest(bytes)),
        };
        let mut keys: Vec<String> = models.keys().cloned().collect();
        keys.sort_unstable();
        Ok(PriceTable {
            version: TableVersion {
                id: format!("{source}+{}", &sha256[..12.min(sha256.len())]),
                sha256,
                models: models.len(),
            },
            models,
            keys,
        })
    }

    /// Which table this is.
    pub fn version(&self) -> &TableVersion {
        &self.version
    }

    /// A model by its exact key.
    pub fn get(&self, key: &str) -> Option<&ModelPrice> {
        self.models.get(key)
    }

    /// All keys, sorted.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// All models, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = &ModelPrice> {
        self.keys.iter().filter_map(|k| self.models.get(k))
    }

    /// Number of token-priced models.
    pub fn len(&self) -> usize {
        self.models.len()
    }

    /// True when the table prices nothing.
    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ---- parsing ------------------------------------------------------------------------------

struct TableFile {
    entries: Vec<(String, RawEntry)>,
}

impl<'de> Deserialize<'de> for TableFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TableFile;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object mapping model ids to their prices")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<TableFile, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(4096));
                while let Some(key) = map.next_key::<String>()? {
                    if key == "sample_spec" {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    }
                    let entry = map
                        .next_value::<RawEntry>()
                        .map_err(|e| de::Error::custom(format_args!("model `{key}`: {e}")))?;
                    entries.push((key, entry));
                }
                Ok(TableFile { entries })
            }
        }
        d.deserialize_map(V)
    }
}

/// The numeric price fields we read, as they appear in the file (USD per token).
#[derive(Default)]
struct RawEntry {
    provider: Option<String>,
    mode: Option<String>,
    max_input: Option<u64>,
    max_output: Option<u64>,
    base: RawRates,
    cache_hit: Option<f64>,
    thresholds: Vec<(u64, RawRates)>,
    bands: Vec<RawBand>,
    /// `<name>_pricing` objects (other than `tiered_pricing`): windowed rate sets.
    windowed: Vec<(String, serde_json::Map<String, serde_json::Value>)>,
    /// `provider_specific_entry`'s numeric factors.
    multipliers: Vec<(String, f64)>,
    /// `*_batches` base rates and thresholds.
    batch: RawRates,
    batch_thresholds: Vec<(u64, RawRates)>,
    /// Per-unit prices, by field name (USD per unit).
    units: Vec<(&'static str, f64)>,
}

/// The per-unit price fields read (see [`crate::pricing::units`]).
const UNIT_FIELDS: [&str; 10] = [
    "output_cost_per_image",
    "input_cost_per_image",
    "input_cost_per_pixel",
    "output_cost_per_pixel",
    "input_cost_per_second",
    "output_cost_per_second",
    "input_cost_per_character",
    "input_cost_per_image_token",
    "output_cost_per_image_token",
    "input_cost_per_audio_token",
];

#[derive(Default, Clone, Copy)]
struct RawRates {
    input: Option<f64>,
    output: Option<f64>,
    cache_read: Option<f64>,
    cache_write: Option<f64>,
    cache_write_1h: Option<f64>,
    reasoning: Option<f64>,
}

impl RawRates {
    fn slot(&mut self, field: &str) -> Option<&mut Option<f64>> {
        Some(match field {
            "input_cost_per_token" => &mut self.input,
            "output_cost_per_token" => &mut self.output,
            "cache_read_input_token_cost" => &mut self.cache_read,
            "cache_creation_input_token_cost" => &mut self.cache_write,
            "cache_creation_input_token_cost_above_1hr" => &mut self.cache_write_1h,
            "output_cost_per_reasoning_token" => &mut self.reasoning,
            _ => return None,
        })
    }

    fn to_rates(self, key: &str) -> Result<Rates> {
        let conv = |v: Option<f64>, field: &str| -> Result<Option<RatePerMTok>> {
            v.map(|f| {
                RatePerMTok::from_usd_per_token(f).ok_or_else(|| CoreError::InvalidPriceTable {
                    reason: format!("model `{key}`: {field} = {f} is not a valid price"),
                })
            })
            .transpose()
        };
        Ok(Rates {
            input: conv(self.input, "input")?,
            output: conv(self.output, "output")?,
            cache_read: conv(self.cache_read, "cache read")?,
            cache_write_5m: conv(self.cache_write, "cache write")?,
            cache_write_1h: conv(self.cache_write_1h, "1-hour cache write")?,
            reasoning: conv(self.reasoning, "reasoning")?,
        })
    }
}

/// A `tiered_pricing` item. Bands without a token `range` (per-query search pricing) are skipped.
#[derive(Deserialize)]
struct RawBand {
    input_cost_per_token: Option<f64>,
    output_cost_per_token: Option<f64>,
    output_cost_per_reasoning_token: Option<f64>,
    cache_read_input_token_cost: Option<f64>,
    cache_creation_input_token_cost: Option<f64>,
    range: Option<(f64, f64)>,
}

/// `input_cost_per_token_above_200k_tokens` → (`input_cost_per_token`, 200_000).
fn split_threshold(field: &str) -> Option<(&str, u64)> {
    let rest = field.strip_suffix("k_tokens")?;
    let idx = rest.rfind("_above_")?;
    let n: u64 = rest[idx + 7..].parse().ok()?;
    Some((&rest[..idx], n * 1000))
}

fn as_count(v: &serde_json::Value) -> Option<u64> {
    v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| *f >= 0.0 && f.is_finite())
            .map(|f| f as u64)
    })
}

impl<'de> Deserialize<'de> for RawEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEntry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of price fields")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<RawEntry, A::Error> {
                let mut e = RawEntry::default();
                while let Some(field) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let field = field.as_ref();
                    match field {
                        "litellm_provider" => e.provider = map.next_value::<Option<String>>()?,
                        "mode" => e.mode = map.next_value::<Option<String>>()?,
                        "max_input_tokens" => e.max_input = as_count(&map.next_value()?),
                        "max_output_tokens" => e.max_output = as_count(&map.next_value()?),
                        "input_cost_per_token_cache_hit" => e.cache_hit = map.next_value()?,
                        _ if UNIT_FIELDS.contains(&field) => {
                            if let (Some(name), Some(v)) = (
                                UNIT_FIELDS.iter().find(|f| **f == field),
                                map.next_value::<Option<f64>>()?,
                            ) {
                                e.units.push((name, v));
                            }
                        }
                        "tiered_pricing" => {
                            e.bands = map
                                .next_value::<Option<Vec<RawBand>>>()?
                                .unwrap_or_default()
                        }
                        "provider_specific_entry" => {
                            if let serde_json::Value::Object(m) = map.next_value()? {
                                e.multipliers = m
                                    .into_iter()
                                    .filter_map(|(k, v)| {
                                        Some((k.to_ascii_lowercase(), v.as_f64()?))
                                    })
                                    .collect();
                            }
                        }
                        _ if field.ends_with("_pricing") => {
                            if let serde_json::Value::Object(m) = map.next_value()? {
                                e.windowed.push((field.to_string(), m));
                            }
                        }
                        _ => {
                            let (field, base, thresholds) = match field.strip_suffix("_batches") {
                                Some(f) => (f, &mut e.batch, &mut e.batch_thresholds),
                                None => (field, &mut e.base, &mut e.thresholds),
                            };
                            if let Some(slot) = base.slot(field) {
                                *slot = map.next_value()?;
                            } else if let Some((base_field, n)) = split_threshold(field) {
                                let value: Option<f64> = match RawRates::default().slot(base_field)
                                {
                                    Some(_) => map.next_value()?,
                                    None => {
                                        map.next_value::<IgnoredAny>()?;
                                        continue;
                                    }
                                };
                                let pos = match thresholds.iter().position(|(t, _)| *t == n) {
                                    Some(p) => p,
                                    None => {
                                        thresholds.push((n, RawRates::default()));
                                        thresholds.len() - 1
                                    }
                                };
                                if let Some(slot) = thresholds[pos].1.slot(base_field) {
                                    *slot = value;
                                }
                            } else {
                                map.next_value::<IgnoredAny>()?;
                            }
                        }
                    }
                }
                Ok(e)
            }
        }
        d.deserialize_map(V)
    }
}

fn to_thresholds(raw: Vec<(u64, RawRates)>, key: &str) -> Result<Vec<Threshold>> {
    let mut thresholds = raw
        .into_iter()
        .map(|(n, raw)| {
            Ok(Threshold {
                above_tokens: n,
                rates: raw.to_rates(key)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    thresholds.sort_by_key(|t| t.above_tokens);
    Ok(thresholds)
}

impl RawEntry {
    fn into_price(self, key: &str) -> Result<Option<ModelPrice>> {
        let bands: Vec<RawBand> = self
            .bands
            .into_iter()
            .filter(|b| {
                b.range.is_some()
                    && (b.input_cost_per_token.is_some() || b.output_cost_per_token.is_some())
            })
            .collect();
        let units = unit_rates(&self.units, key)?;
        let priced = self.base.input.is_some()
            || self.base.output.is_some()
            || !bands.is_empty()
            || units.any();
        if !priced {
            return Ok(None);
        }
        let mut base = self.base;
        if base.cache_read.is_none() {
            base.cache_read = self.cache_hit;
        }
        let thresholds = to_thresholds(self.thresholds, key)?;
        let batch = if self.batch.input.is_some() || self.batch.output.is_some() {
            Some(BatchRates {
                base: self.batch.to_rates(key)?,
                thresholds: to_thresholds(self.batch_thresholds, key)?,
            })
        } else {
            None
        };
        let mut bands = bands
            .into_iter()
            .map(|b| {
                let (lo, hi) = b.range.unwrap_or_default();
                if !(lo.is_finite() && hi.is_finite() && lo >= 0.0 && hi >= lo) {
                    return Err(CoreError::InvalidPriceTable {
                        reason: format!("model `{key}`: tier range [{lo}, {hi}] is not a range"),
                    });
                }
                let raw = RawRates {
                    input: b.input_cost_per_token,
                    output: b.output_cost_per_token,
                    reasoning: b.output_cost_per_reasoning_token,
                    cache_read: b.cache_read_input_token_cost,
                    cache_write: b.cache_creation_input_token_cost,
                    cache_write_1h: None,
                };
                Ok(Band {
                    from_tokens: lo as u64,
                    to_tokens: hi as u64,
                    rates: raw.to_rates(key)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        bands.sort_by_key(|b| b.from_tokens);
        let windows = self
            .windowed
            .into_iter()
            .filter_map(|(field, block)| {
                let schedule = Schedule::parse(&block)?;
                let mut raw = RawRates::default();
                for (k, v) in &block {
                    if let Some(slot) = raw.slot(k) {
                        *slot = v.as_f64();
                    }
                }
                let name = field.trim_end_matches("_pricing").replace('_', "-");
                Some(raw.to_rates(key).map(|rates| WindowedRates {
                    name,
                    rates,
                    schedule,
                }))
            })
            .collect::<Result<Vec<_>>>()?;
        let multipliers = self
            .multipliers
            .into_iter()
            .map(|(k, f)| {
                Factor::from_f64(f).map(|f| (k.clone(), f)).ok_or_else(|| {
                    CoreError::InvalidPriceTable {
                        reason: format!("model `{key}`: multiplier `{k}` = {f} is not a factor"),
                    }
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let provider = self.provider.unwrap_or_default();
        Ok(Some(ModelPrice {
            batch,
            windows,
            multipliers,
            key: key.to_string(),
            threshold_inclusive: provider == "xai",
            litellm_provider: provider,
            mode: self.mode.unwrap_or_else(|| "chat".into()),
            max_input_tokens: self.max_input,
            max_output_tokens: self.max_output,
            base: base.to_rates(key)?,
            thresholds,
            bands,
            units,
        }))
    }
}

/// The per-unit prices of an entry, exact. A per-image price prefers `output_cost_per_image`
/// (what generating one costs); OpenAI's sized entries put it in `input_cost_per_image`. The
/// per-pixel price is the input and output ones together.
fn unit_rates(raw: &[(&'static str, f64)], key: &str) -> Result<UnitRates> {
    let get = |field: &str| -> Result<Option<RatePerMTok>> {
        raw.iter()
            .find(|(f, _)| *f == field)
            .map(|(f, v)| {
                RatePerMTok::from_usd_per_token(*v).ok_or_else(|| CoreError::InvalidPriceTable {
                    reason: format!("model `{key}`: {f} = {v} is not a valid price"),
                })
            })
            .transpose()
    };
    let pixel = match (get("input_cost_per_pixel")?, get("output_cost_per_pixel")?) {
        (None, None) => None,
        (a, b) => Some(RatePerMTok(
            a.unwrap_or_default()
                .0
                .saturating_add(b.unwrap_or_default().0),
        )),
    };
    // A zero per-pixel price next to none per image is not a price (Azure's dall-e-2 entry).
    let pixel = pixel.filter(|p| p.0 > 0);
    let per_image = match get("output_cost_per_image")? {
        Some(r) if r.0 > 0 => Some(r),
        other => get("input_cost_per_image")?.filter(|r| r.0 > 0).or(other),
    };
    Ok(UnitRates {
        per_image,
        per_pixel: pixel,
        input_per_second: get("input_cost_per_second")?,
        output_per_second: get("output_cost_per_second")?,
        per_character: get("input_cost_per_character")?,
        input_per_image_token: get("input_cost_per_image_token")?,
        output_per_image_token: get("output_cost_per_image_token")?,
        input_per_audio_token: get("input_cost_per_audio_token")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_table_parses_and_its_digest_matches() {
        let t = PriceTable::bundled();
        assert!(t.len() > 3500, "{} models", t.len());
        assert_eq!(hex(&Sha256::digest(BUNDLED_JSON)), BUNDLED_SHA256);
        assert_eq!(t.version().id, "litellm-1.109.1+8f8060d8ce7a");
        let gpt = t.get("gpt-4o").unwrap();
        assert_eq!(gpt.base.input, Some(RatePerMTok(2_500_000_000)));
        assert_eq!(gpt.base.cache_read, Some(RatePerMTok(1_250_000_000)));
        assert_eq!(gpt.max_input_tokens, Some(128_000));
        let pro = t.get("gemini/gemini-2.5-pro").unwrap();
        assert_eq!(pro.thresholds.len(), 1);
        assert_eq!(pro.thresholds[0].above_tokens, 200_000);
        assert_eq!(
            pro.thresholds[0].rates.input,
            Some(RatePerMTok(2_500_000_000))
        );
        let qwen = t.get("dashscope/qwen-plus-2025-07-28").unwrap();
        assert_eq!(qwen.bands.len(), 2);
        assert!(!t.keys().iter().any(|k| k == "sample_spec"));
    }

    #[test]
    fn threshold_field_names_split() {
        assert_eq!(
            split_threshold("input_cost_per_token_above_200k_tokens"),
            Some(("input_cost_per_token", 200_000))
        );
        assert_eq!(
            split_threshold("cache_creation_input_token_cost_above_1hr_above_200k_tokens"),
            Some(("cache_creation_input_token_cost_above_1hr", 200_000))
        );
        assert_eq!(
            split_threshold("input_cost_per_token_above_200k_tokens_priority"),
            None
        );
    }

    #[test]
    fn invalid_tables_are_rejected_with_a_reason() {
        for (bad, needle) in [
            (&b"[1,2]"[..], "JSON object"),
            (
                b"{\"m\": {\"input_cost_per_token\": \"cheap\"}}",
                "model `m`",
            ),
            (
                b"{\"m\": {\"input_cost_per_token\": -1e-6}}",
                "not a valid price",
            ),
            (b"{\"m\": {\"mode\": \"chat\"}}", "prices no model"),
            (b"{not json", "key must be a string"),
        ] {
            let err = PriceTable::parse(bad, "t", None).unwrap_err().to_string();
            assert!(err.contains(needle), "{err}");
        }
    }
}
