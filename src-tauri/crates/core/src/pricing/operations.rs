//! Pricing every operation — chat, embeddings, images, transcription, speech — from what it
//! used ([`Metered`]), with the rules of [`crate::pricing::units`]. A model the table has no
//! price for (for this operation) is `unpriced`: its quantities are kept, its cost is unknown,
//! never $0.

use crate::error::Result;
use crate::money::{NanoUsd, RatePerMTok};
use crate::operation::Operation;
use crate::pricing::cost::{self, MAX_RUN_COST, too_costly};
use crate::pricing::units::{BilledUnit, Metered, UnitLine};
use crate::pricing::{
    Billing, CostBreakdown, CostSource, EffectiveRates, MatchKind, ModelPrice, PricedUsage, Pricer,
    Quote, TokenUsage,
};
use crate::provider::ProviderKind;

/// The qualities a per-image estimate spans when the request leaves quality to the provider.
const QUALITIES: [&str; 5] = ["low", "medium", "high", "standard", "hd"];

/// How to bill one operation: the entry, the token rates (after the operation's own), and the
/// unit line's unit, quantity and rate.
struct Plan<'a> {
    quote: Quote<'a>,
    tokens: TokenUsage,
    rates: fn(&ModelPrice, &mut EffectiveRates),
    unit: Option<(BilledUnit, u64, RatePerMTok)>,
}

fn keep(_: &ModelPrice, _: &mut EffectiveRates) {}

fn image_output(p: &ModelPrice, r: &mut EffectiveRates) {
    if let Some(o) = p.units.output_per_image_token {
        r.output = o;
        r.reasoning = o;
    }
}

impl Pricer {
    /// Prices an operation that was sent (so the provider bills it): like
    /// [`Pricer::price_run`], a model without a price for it is recorded as `unpriced`.
    pub fn price_operation(
        &self,
        provider: ProviderKind,
        model: &str,
        m: &Metered,
        billing: &Billing,
    ) -> Result<PricedUsage> {
        if matches!(m.operation, Operation::Chat | Operation::Embedding) {
            return self.price_run(provider, model, &m.tokens, billing);
        }
        match self.plan(provider, model, m) {
            Some(plan) => self.bill_plan(provider, model, plan, billing),
            None => Ok(PricedUsage::unknown(provider, model.trim(), m.tokens)),
        }
    }

    /// The cost range of an operation before it is sent, from what was measured locally
    /// (`tokens_reported` false): `(min, max, price key)`, or `None` when no price is known.
    /// An image whose quality is left to the provider spans the qualities the table prices at
    /// its size.
    pub fn estimate_operation(
        &self,
        provider: ProviderKind,
        model: &str,
        m: &Metered,
    ) -> Result<Option<(NanoUsd, NanoUsd, String)>> {
        let billing = Billing::now();
        let auto = m.operation == Operation::Image
            && m.image_quality
                .as_deref()
                .is_none_or(|q| q.trim().is_empty() || q == "auto");
        let mut tries = vec![m.clone()];
        if auto {
            tries.extend(QUALITIES.iter().map(|q| Metered {
                image_quality: Some((*q).to_string()),
                ..m.clone()
            }));
        }
        let mut found: Option<(NanoUsd, NanoUsd, String)> = None;
        for t in &tries {
            let p = self.price_operation(provider, model, t, &billing)?;
            if p.breakdown.cost_source == CostSource::Unpriced {
                continue;
            }
            let c = p.breakdown.total_nano_usd;
            found = Some(match found {
                None => (c, c, p.price_key),
                Some((lo, hi, key)) => (lo.min(c), hi.max(c), key),
            });
            if !auto {
                break;
            }
        }
        Ok(found)
    }

    /// The first entry (of `names`) whose price `want` accepts.
    fn quote_where(
        &self,
        provider: ProviderKind,
        names: &[String],
        want: impl Fn(&ModelPrice) -> bool,
    ) -> Option<Quote<'_>> {
        names
            .iter()
            .filter_map(|n| self.quote(Some(provider), n).ok())
            .find(|q| q.match_kind == MatchKind::Unmetered || want(&q.price))
    }

    fn plan(&self, provider: ProviderKind, model: &str, m: &Metered) -> Option<Plan<'_>> {
        let model = model.trim().to_string();
        let own = std::slice::from_ref(&model);
        let tokens_priced = |p: &ModelPrice| p.base.input.is_some() || p.base.output.is_some();
        match m.operation {
            Operation::Chat | Operation::Embedding => None,
            Operation::Image => {
                if m.tokens_reported
                    && let Some(quote) = self.quote_where(provider, own, |p| {
                        p.units.output_per_image_token.is_some() || tokens_priced(p)
                    })
                {
                    let image_in = quote
                        .price
                        .units
                        .input_per_image_token
                        .or(quote.price.base.input)
                        .unwrap_or_default();
                    return Some(Plan {
                        quote,
                        tokens: m.tokens,
                        rates: image_output,
                        unit: (m.image_input_tokens > 0).then_some((
                            BilledUnit::ImageToken,
                            m.image_input_tokens,
                            image_in,
                        )),
                    });
                }
                let mut names = m.image_keys(&model);
                names.push(model.clone());
                let quote = self.quote_where(provider, &names, |p| {
                    p.units.per_image.is_some()
                        || (p.units.per_pixel.is_some() && m.image_size.is_some())
                })?;
                let unit = match (quote.price.units.per_image, quote.price.units.per_pixel) {
                    (Some(r), _) => (BilledUnit::Image, m.items, r),
                    (None, Some(r)) => {
                        let (w, h) = m.image_size.unwrap_or_default();
                        let pixels = u64::from(w) * u64::from(h);
                        (BilledUnit::Pixel, pixels.saturating_mul(m.items), r)
                    }
                    (None, None) => (BilledUnit::Image, m.items, RatePerMTok(0)),
                };
                Some(Plan {
                    quote,
                    tokens: TokenUsage::default(),
                    rates: keep,
                    unit: Some(unit),
                })
            }
            Operation::Transcription => {
                if m.tokens_reported
                    && let Some(quote) = self.quote_where(provider, own, tokens_priced)
                {
                    let audio = quote
                        .price
                        .units
                        .input_per_audio_token
                        .or(quote.price.base.input)
                        .unwrap_or_default();
                    return Some(Plan {
                        quote,
                        tokens: m.tokens,
                        rates: keep,
                        unit: Some((BilledUnit::AudioToken, m.audio_input_tokens, audio)),
                    });
                }
                let quote = self.quote_where(provider, own, |p| {
                    p.units.input_per_second.is_some() || p.units.output_per_second.is_some()
                })?;
                let rate = quote
                    .price
                    .units
                    .input_per_second
                    .or(quote.price.units.output_per_second)
                    .unwrap_or_default();
                Some(Plan {
                    quote,
                    tokens: TokenUsage::default(),
                    rates: keep,
                    unit: Some((BilledUnit::Second, m.seconds, rate)),
                })
            }
            Operation::Speech => {
                let quote = self.quote_where(provider, own, |p| {
                    p.units.per_character.is_some()
                        || p.units.output_per_second.is_some()
                        || tokens_priced(p)
                })?;
                if let Some(r) = quote.price.units.per_character {
                    return Some(Plan {
                        quote,
                        tokens: TokenUsage::default(),
                        rates: keep,
                        unit: Some((BilledUnit::Character, m.characters, r)),
                    });
                }
                // Billed by the text's tokens and the audio's length.
                let rate = quote.price.units.output_per_second.unwrap_or_default();
                Some(Plan {
                    quote,
                    tokens: TokenUsage {
                        input_tokens: m.tokens.input_tokens,
                        ..TokenUsage::default()
                    },
                    rates: keep,
                    unit: Some((BilledUnit::Second, m.seconds, rate)),
                })
            }
        }
    }

    fn bill_plan(
        &self,
        provider: ProviderKind,
        model: &str,
        plan: Plan<'_>,
        billing: &Billing,
    ) -> Result<PricedUsage> {
        let Plan {
            quote,
            tokens,
            rates: adjust,
            unit,
        } = plan;
        let unmetered = quote.match_kind == MatchKind::Unmetered;
        let breakdown = if unmetered {
            cost::bill(&tokens, &EffectiveRates::ZERO, None, CostSource::Unmetered)?
        } else {
            let r = quote
                .price
                .resolve_rates(tokens.prompt_tokens(), billing.at_ms);
            let mut rates = r.rates;
            adjust(&quote.price, &mut rates);
            let mut b = cost::bill(&tokens, &rates, r.tier, CostSource::Computed)?;
            b.rate_set = r.rate_set.to_string();
            if let Some((unit, quantity, rate)) = unit {
                with_unit(&mut b, unit, quantity, rate)?;
            }
            b
        };
        Ok(PricedUsage {
            provider,
            model: model.trim().to_string(),
            price_key: quote.price.key.clone(),
            match_kind: quote.match_kind,
            price_table_version: self.table().version().id.clone(),
            usage: tokens,
            breakdown,
        })
    }
}

/// Adds the unit line to `b`, checked like every other line.
fn with_unit(
    b: &mut CostBreakdown,
    unit: BilledUnit,
    quantity: u64,
    rate: RatePerMTok,
) -> Result<()> {
    let cost = rate.cost(quantity).ok_or_else(too_costly)?;
    b.total_nano_usd = b
        .total_nano_usd
        .0
        .checked_add(cost.0)
        .map(NanoUsd)
        .filter(|t| *t <= MAX_RUN_COST)
        .ok_or_else(too_costly)?;
    b.unit = Some(UnitLine {
        unit,
        quantity,
        rate_nano_usd_per_munit: rate,
        cost_nano_usd: cost,
    });
    Ok(())
}

/// Whether a quote's entry is borrowed from the table (for tests of the lookup).
#[cfg(test)]
fn is_table_entry(q: &Quote<'_>) -> bool {
    matches!(q.price, std::borrow::Cow::Borrowed(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn priced(op: Operation, model: &str, m: Metered) -> PricedUsage {
        Pricer::bundled()
            .price_operation(
                ProviderKind::Openai,
                model,
                &Metered { operation: op, ..m },
                &Billing::at(0),
            )
            .unwrap()
    }

    #[test]
    fn lookups_use_the_table() {
        let p = Pricer::bundled();
        let q = p
            .quote_where(
                ProviderKind::Openai,
                &["low/1024-x-1024/gpt-image-1".to_string()],
                |_| true,
            )
            .unwrap();
        assert!(is_table_entry(&q));
    }

    #[test]
    fn unknown_image_model_is_unpriced_not_free() {
        let p = priced(
            Operation::Image,
            "dall-e-3",
            Metered {
                items: 1,
                image_size: Some((1024, 1024)),
                ..Metered::default()
            },
        );
        assert_eq!(p.breakdown.cost_source, CostSource::Unpriced);
    }

    #[test]
    fn speech_by_tokens_and_seconds_when_no_character_price() {
        // gpt-4o-mini-tts: input $0.60/M tokens, output $0.00025 a second.
        let p = priced(
            Operation::Speech,
            "gpt-4o-mini-tts",
            Metered {
                tokens: TokenUsage {
                    input_tokens: 1_000,
                    ..TokenUsage::default()
                },
                characters: 4_000,
                seconds: 60,
                ..Metered::default()
            },
        );
        // 1,000 × 0.6e-6 = $0.0006 = 600,000 nano; 60 × 0.00025 = $0.015 = 15,000,000 nano.
        assert_eq!(p.breakdown.total_nano_usd, NanoUsd(15_600_000));
        assert_eq!(p.breakdown.unit.unwrap().unit, BilledUnit::Second);
    }
}
