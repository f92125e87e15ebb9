//! Billed amounts to integer nano-USD, exactly: OpenAI sends dollars as a JSON number
//! (`0.13080438`), Anthropic cents as a decimal string (`"123.78912"`). Both are read from their
//! text as decimals, never through `f64`. Digits below a nano-dollar are rounded half away from
//! zero — the same rule as every other amount PromptLedger parses.

use crate::money::parse_scaled_decimal;

/// Nano-USD from a decimal count of dollars (`"0.06"` → 60 000 000); `None` when it is not a
/// decimal number or does not fit.
pub fn usd_to_nano(text: &str) -> Option<i64> {
    signed(text, 9)
}

/// Nano-USD from a decimal count of cents (`"123.78912"` → 1 237 891 200).
pub fn cents_to_nano(text: &str) -> Option<i64> {
    signed(text, 7)
}

fn signed(text: &str, scale: u32) -> Option<i64> {
    let t = text.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.starts_with(['-', '+']) {
        return None;
    }
    let v = parse_scaled_decimal(digits, scale)?;
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn awkward_values_convert_exactly() {
        assert_eq!(usd_to_nano("0.13080438"), Some(130_804_380));
        assert_eq!(usd_to_nano("0.06"), Some(60_000_000));
        assert_eq!(usd_to_nano("1.35e-05"), Some(13_500));
        assert_eq!(usd_to_nano("0.0000000004"), Some(0));
        assert_eq!(usd_to_nano("0.0000000005"), Some(1));
        assert_eq!(usd_to_nano("-0.5"), Some(-500_000_000));
        assert_eq!(usd_to_nano("12"), Some(12_000_000_000));
        assert_eq!(cents_to_nano("123.78912"), Some(1_237_891_200));
        assert_eq!(cents_to_nano("123.45"), Some(1_234_500_000));
        assert_eq!(cents_to_nano("0.00000005"), Some(1));
        assert_eq!(cents_to_nano("0"), Some(0));
    }

    #[test]
    fn malformed_values_are_refused() {
        for bad in ["", "-", "abc", "1.2.3", "--1", "1e", "0x10", "1e400", "NaN"] {
            assert_eq!(usd_to_nano(bad), None, "{bad}");
        }
        assert_eq!(usd_to_nano("99999999999999999999"), None);
    }
}
