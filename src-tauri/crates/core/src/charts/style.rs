//! The charts' look: light and dark themes, one palette for providers, models and token
//! components, and the number formats on axes (money always with its unit).

use plotters::style::RGBColor;
use serde::{Deserialize, Serialize};

/// Light or dark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Dark text on white.
    Light,
    /// Light text on near-black.
    Dark,
}

/// Colours of a theme.
pub struct Colors {
    pub background: RGBColor,
    pub text: RGBColor,
    pub muted: RGBColor,
    pub grid: RGBColor,
    pub axis: RGBColor,
}

impl Theme {
    pub(crate) fn colors(self) -> Colors {
        match self {
            Theme::Light => Colors {
                background: RGBColor(255, 255, 255),
                text: RGBColor(31, 41, 51),
                muted: RGBColor(102, 112, 122),
                grid: RGBColor(232, 235, 238),
                axis: RGBColor(160, 168, 176),
            },
            Theme::Dark => Colors {
                background: RGBColor(26, 32, 41),
                text: RGBColor(222, 226, 230),
                muted: RGBColor(150, 158, 166),
                grid: RGBColor(46, 51, 57),
                axis: RGBColor(96, 104, 112),
            },
        }
    }
}

/// Series colours, tuned to stay distinct on both backgrounds (Okabe–Ito based).
const PALETTE: [RGBColor; 9] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(148, 103, 189),
    RGBColor(140, 140, 60),
    RGBColor(127, 127, 127),
];

/// The colour of the `i`-th series (the last one is grey, for "other").
pub(crate) fn series_color(i: usize) -> RGBColor {
    PALETTE[i.min(PALETTE.len() - 1)]
}

/// A provider's fixed colour, so OpenAI is the same colour on every chart and period.
pub(crate) fn provider_color(provider: &str) -> RGBColor {
    match provider {
        "openai" => PALETTE[2],
        "anthropic" => PALETTE[5],
        "gemini" => PALETTE[0],
        "ollama" => PALETTE[7],
        "openai_compatible" => PALETTE[6],
        _ => PALETTE[3],
    }
}

/// `#rrggbb`.
pub(crate) fn hex(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// Money on an axis: `$0.0012`, `$0.25`, `$12`, `$1.2k`, with as few decimals as the scale needs.
pub fn usd_axis(usd: f64, max: f64) -> String {
    if max >= 10_000.0 {
        format!("${:.1}k", usd / 1000.0)
    } else if max >= 10.0 {
        format!("${usd:.0}")
    } else if max >= 0.1 {
        format!("${usd:.2}")
    } else if max >= 0.001 {
        format!("${usd:.4}")
    } else {
        format!("${usd:.6}")
    }
}

/// A count on an axis: `950`, `12k`, `3.4M`.
pub fn count_axis(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}B", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// A duration on an axis: `250 ms`, `1.5 s`, `2 min`.
pub fn ms_axis(ms: f64) -> String {
    if ms >= 60_000.0 {
        format!("{:.0} min", ms / 60_000.0)
    } else if ms >= 1000.0 {
        let s = ms / 1000.0;
        if s.fract() == 0.0 {
            format!("{s:.0} s")
        } else {
            format!("{s:.1} s")
        }
    } else {
        format!("{ms:.0} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_labels_carry_units_and_fit_the_scale() {
        assert_eq!(usd_axis(0.0012, 0.005), "$0.0012");
        assert_eq!(usd_axis(1.5, 4.0), "$1.50");
        assert_eq!(usd_axis(25.0, 80.0), "$25");
        assert_eq!(usd_axis(12_500.0, 20_000.0), "$12.5k");
        assert_eq!(count_axis(3_400_000.0), "3.4M");
        assert_eq!(count_axis(950.0), "950");
        assert_eq!(ms_axis(250.0), "250 ms");
        assert_eq!(ms_axis(1500.0), "1.5 s");
        assert_eq!(ms_axis(2000.0), "2 s");
    }
}
