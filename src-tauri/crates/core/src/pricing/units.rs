//! Prices by something other than text tokens — per image, per pixel, per second of audio, per
//! character, per image or audio token — and the cost of the operations billed by them
//! (embeddings, image generation, transcription, speech).
//!
//! The table's fields are USD per unit; here, as for tokens, every rate is an exact integer in
//! nano-USD per **million** units (`RatePerMTok`), so `$0.0001` a second, `$0.011` an image and
//! `1.0490417e-08` a pixel are all held without loss, and a cost is `quantity × rate / 10^6`
//! rounded half-up.
//!
//! Which rule prices what (LiteLLM's keys, see `shared/reference/pricing.md`):
//! - **embedding**: input tokens at `input_cost_per_token` (the chat rules; no output);
//! - **image**: the token usage an image model reports (`gpt-image-1`): text input at
//!   `input_cost_per_token`, input image tokens at `input_cost_per_image_token`, output at
//!   `output_cost_per_image_token`; without one, the `{quality}/{W}-x-{H}/{model}` entry's
//!   `output_cost_per_image` or `input_cost_per_image` per image, else its per-pixel price ×
//!   W × H per image;
//! - **transcription**: a reported token usage (`gpt-4o-transcribe`) bills audio tokens at
//!   `input_cost_per_audio_token`, text at the token rates; else the audio's seconds at
//!   `input_cost_per_second`;
//! - **speech**: characters at `input_cost_per_character`; else the text's tokens at
//!   `input_cost_per_token` and the audio's seconds at `output_cost_per_second`.

use serde::{Deserialize, Serialize};

use crate::money::{NanoUsd, RatePerMTok};
use crate::operation::Operation;
use crate::pricing::usage::TokenUsage;

/// A billed unit other than a text token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum BilledUnit {
    /// A generated image.
    Image,
    /// A generated pixel (W × H per image).
    Pixel,
    /// A second of audio.
    Second,
    /// A character of text (speech input).
    Character,
    /// An input image token (image models).
    ImageToken,
    /// An input audio token (transcription models billed by tokens).
    AudioToken,
}

impl BilledUnit {
    /// Stable id, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            BilledUnit::Image => "image",
            BilledUnit::Pixel => "pixel",
            BilledUnit::Second => "second",
            BilledUnit::Character => "character",
            BilledUnit::ImageToken => "image_token",
            BilledUnit::AudioToken => "audio_token",
        }
    }

    /// Reads a stored id.
    pub fn parse(s: &str) -> Option<BilledUnit> {
        Some(match s {
            "image" => BilledUnit::Image,
            "pixel" => BilledUnit::Pixel,
            "second" => BilledUnit::Second,
            "character" => BilledUnit::Character,
            "image_token" => BilledUnit::ImageToken,
            "audio_token" => BilledUnit::AudioToken,
            _ => return None,
        })
    }

    /// Plural label, for bills: "images", "seconds".
    pub fn plural(self) -> &'static str {
        match self {
            BilledUnit::Image => "images",
            BilledUnit::Pixel => "pixels",
            BilledUnit::Second => "seconds",
            BilledUnit::Character => "characters",
            BilledUnit::ImageToken => "input image tokens",
            BilledUnit::AudioToken => "input audio tokens",
        }
    }
}

/// A model's per-unit prices, nano-USD per million units; `None` where the table has none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UnitRates {
    /// Per generated image (`output_cost_per_image`, else `input_cost_per_image`).
    pub per_image: Option<RatePerMTok>,
    /// Per generated pixel (`input_cost_per_pixel` + `output_cost_per_pixel`).
    pub per_pixel: Option<RatePerMTok>,
    /// Per second of input audio (`input_cost_per_second`).
    pub input_per_second: Option<RatePerMTok>,
    /// Per second of output audio (`output_cost_per_second`).
    pub output_per_second: Option<RatePerMTok>,
    /// Per input character (`input_cost_per_character`).
    pub per_character: Option<RatePerMTok>,
    /// Per input image token (`input_cost_per_image_token`).
    pub input_per_image_token: Option<RatePerMTok>,
    /// Per output image token (`output_cost_per_image_token`).
    pub output_per_image_token: Option<RatePerMTok>,
    /// Per input audio token (`input_cost_per_audio_token`).
    pub input_per_audio_token: Option<RatePerMTok>,
}

impl UnitRates {
    /// Whether any per-unit price is set.
    pub fn any(&self) -> bool {
        *self != UnitRates::default()
    }
}

/// The bill's line for the non-token unit of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UnitLine {
    /// What is billed.
    pub unit: BilledUnit,
    /// How many.
    pub quantity: u64,
    /// The rate used, in nano-USD per 1M units.
    pub rate_nano_usd_per_munit: RatePerMTok,
    /// quantity × rate, rounded half-up to the nano-USD.
    pub cost_nano_usd: NanoUsd,
}

/// What one operation used, as the provider reported it or as measured locally: the input the
/// pricer needs for every operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Metered {
    /// Which operation.
    pub operation: Operation,
    /// Text tokens (embedding inputs; an image or transcription model's text input and
    /// output; speech text).
    pub tokens: TokenUsage,
    /// The provider reported a token usage (else `tokens` is a local count or empty).
    pub tokens_reported: bool,
    /// How many inputs (embeddings) or images (generation) the request had.
    pub items: u64,
    /// Requested image size, `(width, height)`.
    pub image_size: Option<(u32, u32)>,
    /// Requested image quality (`low`, `medium`, `high`, `standard`, `hd`).
    pub image_quality: Option<String>,
    /// Seconds of audio (transcription input, speech output).
    pub seconds: u64,
    /// Characters of text (speech input).
    pub characters: u64,
    /// Input image tokens (image models).
    pub image_input_tokens: u64,
    /// Input audio tokens (transcription models billed by tokens).
    pub audio_input_tokens: u64,
}

impl Metered {
    /// A chat or embedding usage of `tokens`.
    pub fn tokens(operation: Operation, tokens: TokenUsage) -> Metered {
        Metered {
            operation,
            tokens,
            tokens_reported: true,
            ..Metered::default()
        }
    }

    /// The `{quality}/{W}-x-{H}/{model}` price-entry names to try for a per-image price, most
    /// specific first.
    pub fn image_keys(&self, model: &str) -> Vec<String> {
        let model = model.trim();
        let mut keys = Vec::new();
        if let Some((w, h)) = self.image_size {
            let size = format!("{w}-x-{h}");
            match self.image_quality.as_deref().map(str::trim) {
                Some(q) if !q.is_empty() && q != "auto" => {
                    keys.push(format!("{}/{size}/{model}", q.to_ascii_lowercase()));
                }
                // OpenAI's defaults: `standard` (dall-e-3), `auto` ≈ the entry without quality.
                _ => keys.push(format!("standard/{size}/{model}")),
            }
            keys.push(format!("{size}/{model}"));
        }
        keys
    }
}

/// `WxH` or `W-x-H` (`1024x1024`, `1536x1024`) → `(W, H)`; `None` for `auto` or anything else.
pub fn parse_size(text: &str) -> Option<(u32, u32)> {
    let t = text.trim().to_ascii_lowercase();
    let (w, h) = t.split_once("-x-").or_else(|| t.split_once('x'))?;
    let (w, h) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
    (w > 0 && h > 0 && w <= 16_384 && h <= 16_384).then_some((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_image_keys() {
        assert_eq!(parse_size("1024x1536"), Some((1024, 1536)));
        assert_eq!(parse_size("1792-x-1024"), Some((1792, 1024)));
        assert_eq!(parse_size("auto"), None);
        assert_eq!(parse_size("0x5"), None);
        let m = Metered {
            operation: Operation::Image,
            image_size: Some((1024, 1024)),
            image_quality: Some("Low".into()),
            ..Metered::default()
        };
        assert_eq!(
            m.image_keys("gpt-image-1"),
            ["low/1024-x-1024/gpt-image-1", "1024-x-1024/gpt-image-1"]
        );
        for u in [
            BilledUnit::Image,
            BilledUnit::Pixel,
            BilledUnit::Second,
            BilledUnit::Character,
            BilledUnit::ImageToken,
            BilledUnit::AudioToken,
        ] {
            assert_eq!(BilledUnit::parse(u.as_str()), Some(u));
        }
    }
}
