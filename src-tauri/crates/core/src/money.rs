//! Money as integers: totals in nano-USD (1e-9 USD) and prices in nano-USD per million tokens.
//!
//! No `f64` is ever stored or summed. The LiteLLM table's per-token floats are converted exactly
//! through their shortest decimal form, so `2.5e-06` USD/token becomes exactly 2,500,000,000
//! nano-USD per 1M tokens ($2.50/M).

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money in nano-USD (1e-9 USD).
///
/// Like every newtype struct, it serializes as its bare number (`"cost_nano": 1234`), and the
/// generated TypeScript says `type NanoUsd = number`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NanoUsd(pub i64);

/// A price in nano-USD per one million tokens (so $2.50/M is 2,500,000,000).
///
/// This unit keeps every rate in the bundled table exact: the cheapest there is 1.3e-10 USD per
/// token, which is 130,000 nano-USD per 1M tokens.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RatePerMTok(pub i64);

pub(crate) const NANO_PER_USD: i64 = 1_000_000_000;

impl NanoUsd {
    /// Zero dollars.
    pub const ZERO: NanoUsd = NanoUsd(0);

    /// A worst case nobody can bound (a run of a model without a price): it breaks every
    /// budget. Never recorded as a cost.
    pub const UNBOUNDED: NanoUsd = NanoUsd(i64::MAX);

    /// Exact decimal USD, trimmed to at least 2 decimals: `9975000` → `"0.009975"`.
    pub fn to_usd_string(self) -> String {
        decimal_string(self.0, 9, 2)
    }

    /// Parses a user-entered USD amount exactly (`"5"`, `"0.50"`, `"$12.345"`); `None` when
    /// malformed, negative or over a billion dollars.
    pub fn from_usd_str(text: &str) -> Option<NanoUsd> {
        let v = parse_scaled_decimal(
            text.trim()
                .trim_start_matches('$')
                .replace(',', "")
                .as_str(),
            9,
        )?;
        (v <= 1_000_000_000 * NANO_PER_USD).then_some(NanoUsd(v))
    }

    /// A short figure for messages and terminals: `$12.35`, and four decimals under a cent
    /// (`$0.0006`); exact amounts use [`NanoUsd::to_usd_string`].
    pub fn to_short_usd(self) -> String {
        let v = self.0 as f64 / NANO_PER_USD as f64;
        if v != 0.0 && v.abs() < 0.01 {
            format!("${v:.4}")
        } else {
            format!("${v:.2}")
        }
    }

    /// USD as a float, for display and JSON only (never for sums).
    pub fn as_usd_f64(self) -> f64 {
        // Parsing the exact decimal gives the closest f64 to the true value.
        self.to_usd_string().parse().unwrap_or(0.0)
    }

    /// A provider-reported USD amount (e.g. OpenRouter `usage.cost`), converted exactly through
    /// its shortest decimal form. `None` for negative or non-finite values.
    pub fn from_usd_f64(usd: f64) -> Option<NanoUsd> {
        if !usd.is_finite() || usd < 0.0 {
            return None;
        }
        parse_scaled_decimal(&format!("{usd:e}"), 9).map(NanoUsd)
    }

    /// Sum that saturates instead of wrapping (an i64 of nano-USD holds $9.2 billion).
    pub fn saturating_add(self, other: NanoUsd) -> NanoUsd {
        NanoUsd(self.0.saturating_add(other.0))
    }
}

impl NanoUsd {
    /// Exact decimal USD with nine places, for exports: `7500000` → `"0.007500000"`.
    pub fn to_exact_usd(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        format!("{sign}{}.{:09}", a / 1_000_000_000, a % 1_000_000_000)
    }

    /// This amount as a share of `whole` (`0.0` when `whole` is zero): for display only.
    pub fn share_of(self, whole: NanoUsd) -> f64 {
        if whole.0 == 0 {
            0.0
        } else {
            self.0 as f64 / whole.0 as f64
        }
    }

    /// The amount divided among `n` (integer division; zero when `n` is zero).
    pub fn per(self, n: i64) -> NanoUsd {
        NanoUsd(self.0.checked_div(n).unwrap_or(0))
    }

    /// Zero or more.
    pub fn at_least_zero(self) -> NanoUsd {
        NanoUsd(self.0.max(0))
    }
}

// Money sums saturate rather than wrap or panic: an i64 of nano-USD holds $9.2 billion, so a
// saturated sum is already an absurd figure the user will see as such.
impl std::ops::Add for NanoUsd {
    type Output = NanoUsd;
    fn add(self, o: NanoUsd) -> NanoUsd {
        self.saturating_add(o)
    }
}

impl std::ops::AddAssign for NanoUsd {
    fn add_assign(&mut self, o: NanoUsd) {
        *self = self.saturating_add(o);
    }
}

impl std::ops::Sub for NanoUsd {
    type Output = NanoUsd;
    fn sub(self, o: NanoUsd) -> NanoUsd {
        NanoUsd(self.0.saturating_sub(o.0))
    }
}

impl std::iter::Sum for NanoUsd {
    fn sum<I: Iterator<Item = NanoUsd>>(iter: I) -> NanoUsd {
        iter.fold(NanoUsd::ZERO, |a, b| a + b)
    }
}

impl<'a> std::iter::Sum<&'a NanoUsd> for NanoUsd {
    fn sum<I: Iterator<Item = &'a NanoUsd>>(iter: I) -> NanoUsd {
        iter.copied().sum()
    }
}

impl rusqlite::types::FromSql for NanoUsd {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        i64::column_result(v).map(NanoUsd)
    }
}

impl rusqlite::types::ToSql for NanoUsd {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::from(self.0))
    }
}

impl fmt::Display for NanoUsd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${}", self.to_usd_string())
    }
}

impl RatePerMTok {
    /// Converts a LiteLLM per-token USD price exactly. `None` for negative, NaN or absurd values.
    pub fn from_usd_per_token(usd: f64) -> Option<RatePerMTok> {
        if !usd.is_finite() || !(0.0..=1_000.0).contains(&usd) {
            return None;
        }
        // `{:e}` prints the shortest decimal that round-trips, e.g. "2.5e-6".
        parse_scaled_decimal(&format!("{usd:e}"), 15).map(RatePerMTok)
    }

    /// Parses a user-entered price in USD per 1M tokens, e.g. `"2.50"` or `"0.075"`.
    pub fn parse_usd_per_mtok(text: &str) -> Option<RatePerMTok> {
        let v = parse_scaled_decimal(text.trim().trim_start_matches('$'), 9)?;
        (v <= 1_000_000 * NANO_PER_USD).then_some(RatePerMTok(v))
    }

    /// The cost of `tokens` tokens at this rate, rounded half-up to the nano-USD; `None` when
    /// it does not fit (never a saturated maximum passed off as a cost).
    pub fn cost(self, tokens: u64) -> Option<NanoUsd> {
        let exact = i128::from(tokens).checked_mul(i128::from(self.0))?;
        let rounded = exact.checked_add(500_000)? / 1_000_000;
        i64::try_from(rounded).ok().map(NanoUsd)
    }

    /// USD per 1M tokens as an exact decimal string: `"2.5"`.
    pub fn usd_per_mtok_string(self) -> String {
        decimal_string(self.0, 9, 0)
    }

    /// USD per 1M tokens as a float, for display only.
    pub fn usd_per_mtok_f64(self) -> f64 {
        self.usd_per_mtok_string().parse().unwrap_or(0.0)
    }
}

/// `value / 10^scale` as a decimal string with at least `min_decimals` decimals.
pub(crate) fn decimal_string(value: i64, scale: u32, min_decimals: usize) -> String {
    let neg = value < 0;
    let abs = value.unsigned_abs();
    let div = 10u64.pow(scale);
    let (int, frac) = (abs / div, abs % div);
    let mut frac = format!("{frac:0width$}", width = scale as usize);
    while frac.len() > min_decimals && frac.ends_with('0') {
        frac.pop();
    }
    let sign = if neg { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// Parses a non-negative decimal (optionally with an exponent) into an integer scaled by
/// `10^scale`, rounding half-up past the last kept digit. Returns `None` for anything malformed.
pub(crate) fn parse_scaled_decimal(text: &str, scale: u32) -> Option<i64> {
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((a, b)) => (a, b),
        None => (mantissa, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    if !int_part
        .bytes()
        .chain(frac_part.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits: String = format!("{int_part}{frac_part}");
    // The value is digits × 10^(exp − frac_len); we want it × 10^scale.
    let shift = exp - frac_part.len() as i32 + scale as i32;
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Some(0);
    }
    if shift >= 0 {
        if digits.len() as i32 + shift > 18 {
            return None;
        }
        let base: i64 = digits.parse().ok()?;
        base.checked_mul(10i64.checked_pow(shift as u32)?)
    } else {
        let cut = (-shift) as usize;
        if cut > digits.len() {
            // Below a tenth of the last kept digit: rounds to zero.
            return Some(0);
        }
        let (keep, dropped) = digits.split_at(digits.len() - cut);
        if keep.len() > 18 {
            return None;
        }
        let base: i64 = if keep.is_empty() {
            0
        } else {
            keep.parse().ok()?
        };
        let round_up = dropped.as_bytes().first().is_some_and(|b| *b >= b'5');
        Some(base + i64::from(round_up))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_saturate_and_shares_and_exact_strings_are_right() {
        assert_eq!(NanoUsd(i64::MAX) + NanoUsd(1), NanoUsd(i64::MAX));
        assert_eq!(NanoUsd(5) - NanoUsd(7), NanoUsd(-2));
        assert_eq!((NanoUsd(5) - NanoUsd(7)).at_least_zero(), NanoUsd::ZERO);
        let total: NanoUsd = [NanoUsd(1), NanoUsd(2), NanoUsd(3)].iter().sum();
        assert_eq!(total, NanoUsd(6));
        assert_eq!(NanoUsd(7).per(2), NanoUsd(3));
        assert_eq!(NanoUsd(7).per(0), NanoUsd::ZERO);
        assert_eq!(NanoUsd(1).share_of(NanoUsd(4)), 0.25);
        assert_eq!(NanoUsd(1).share_of(NanoUsd::ZERO), 0.0);
        assert_eq!(NanoUsd(7_500_000).to_exact_usd(), "0.007500000");
        assert_eq!(NanoUsd(-12_345_678_901).to_exact_usd(), "-12.345678901");
    }

    #[test]
    fn litellm_floats_convert_exactly() {
        let cases = [
            (2.5e-06, 2_500_000_000),
            (1.25e-06, 1_250_000_000),
            (1e-05, 10_000_000_000),
            (3.75e-06, 3_750_000_000),
            (1.3e-10, 130_000),
            (6.25e-09, 6_250_000),
            (0.0, 0),
            (0.00971, 9_710_000_000_000),
        ];
        for (f, want) in cases {
            assert_eq!(
                RatePerMTok::from_usd_per_token(f),
                Some(RatePerMTok(want)),
                "{f}"
            );
        }
        assert_eq!(RatePerMTok::from_usd_per_token(-1e-6), None);
        assert_eq!(RatePerMTok::from_usd_per_token(f64::NAN), None);
    }

    #[test]
    fn user_prices_parse_exactly() {
        assert_eq!(
            RatePerMTok::parse_usd_per_mtok("2.50"),
            Some(RatePerMTok(2_500_000_000))
        );
        assert_eq!(
            RatePerMTok::parse_usd_per_mtok("$0.075"),
            Some(RatePerMTok(75_000_000))
        );
        assert_eq!(
            RatePerMTok::parse_usd_per_mtok("3"),
            Some(RatePerMTok(3_000_000_000))
        );
        assert_eq!(
            RatePerMTok::parse_usd_per_mtok(".5"),
            Some(RatePerMTok(500_000_000))
        );
        for bad in ["", "-1", "abc", "1.2.3", "1e", "."] {
            assert_eq!(RatePerMTok::parse_usd_per_mtok(bad), None, "{bad}");
        }
    }

    #[test]
    fn rounding_is_half_up_below_the_nano() {
        assert_eq!(parse_scaled_decimal("0.0000000015", 9), Some(2));
        assert_eq!(parse_scaled_decimal("0.0000000014", 9), Some(1));
        assert_eq!(parse_scaled_decimal("0.00000000004", 9), Some(0));
        assert_eq!(parse_scaled_decimal("5e-10", 9), Some(1));
    }

    #[test]
    fn cost_rounds_half_up_to_the_nano() {
        // 1 token at $0.0005/M = 0.5 nano → 1 nano.
        assert_eq!(RatePerMTok(500_000).cost(1), Some(NanoUsd(1)));
        assert_eq!(RatePerMTok(499_999).cost(1), Some(NanoUsd(0)));
        assert_eq!(
            RatePerMTok(2_500_000_000).cost(1000),
            Some(NanoUsd(2_500_000))
        );
        assert_eq!(RatePerMTok(i64::MAX).cost(u64::MAX), None);
    }

    #[test]
    fn display_is_exact() {
        assert_eq!(NanoUsd(9_975_000).to_usd_string(), "0.009975");
        assert_eq!(NanoUsd(640_000_000).to_usd_string(), "0.64");
        assert_eq!(NanoUsd(0).to_usd_string(), "0.00");
        assert_eq!(NanoUsd(-1).to_usd_string(), "-0.000000001");
        assert_eq!(NanoUsd(12_000_000_000).to_string(), "$12.00");
        assert_eq!(RatePerMTok(2_500_000_000).usd_per_mtok_string(), "2.5");
        assert_eq!(RatePerMTok(130_000).usd_per_mtok_string(), "0.00013");
    }
}
