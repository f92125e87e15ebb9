//! Human-readable tables for the terminal. Numbers come from the core's exact integers.

use promptledger_core::money::{NanoUsd, RatePerMTok};
use promptledger_core::pricing::CostSource;
use promptledger_core::pricing::report::{CostReport, ModelRow};

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 project`, `3 projects`: a count with its noun.
pub fn counted(n: usize, noun: &str) -> String {
    format!(
        "{} {noun}{}",
        thousands(n as u64),
        if n == 1 { "" } else { "s" }
    )
}

/// A run's cost as `$0.001234`, or `unpriced` when its model has no price (never `$0`).
pub fn cost(v: Option<NanoUsd>) -> String {
    v.map_or_else(|| "unpriced".into(), |c| c.to_string())
}

/// A rate as `$2.50`, or `—` when the table has none.
pub fn rate(v: Option<RatePerMTok>) -> String {
    match v {
        Some(r) => {
            let s = r.usd_per_mtok_string();
            let s = if s.contains('.') {
                s
            } else {
                format!("{s}.00")
            };
            let s = match s.split_once('.') {
                Some((a, b)) if b.len() < 2 => format!("{a}.{b:0<2}"),
                _ => s,
            };
            format!("${s}")
        }
        None => "—".into(),
    }
}

/// The cost report as a small table.
pub fn cost_report(r: &CostReport) -> String {
    let mut out = format!("{} · {}\n", r.provider, r.model);
    out += &format!(
        "priced as {} ({}), table {}{}\n\n",
        r.price_key,
        r.match_kind.as_str(),
        r.price_table_version,
        r.tier
            .as_deref()
            .map(|t| format!(", tier {t}"))
            .unwrap_or_default()
    );
    out += &format!(
        "  {:<18} {:>12} {:>12} {:>14}\n",
        "component", "tokens", "$/1M", "cost"
    );
    for l in r.breakdown.iter().filter(|l| l.tokens > 0) {
        out += &format!(
            "  {:<18} {:>12} {:>12} {:>14}\n",
            l.label,
            thousands(l.tokens),
            rate(Some(l.rate_nano_usd_per_mtok)),
            l.cost_nano_usd.to_string()
        );
    }
    if let Some(m) = &r.multiplier {
        out += &format!(
            "  {:<18} {:>12} {:>12} {:>14}  ({})\n",
            format!("multiplier ×{}", m.factor),
            "",
            "",
            m.extra_nano_usd.to_string(),
            m.reasons.join(", ")
        );
    }
    let note = match r.cost_source {
        CostSource::Unmetered => "  (local model: unmetered)".to_string(),
        _ if r.rate_set != "standard" => format!("  ({} rates)", r.rate_set),
        _ => String::new(),
    };
    if let (Some(reported), Some(computed)) =
        (r.provider_reported_cost_nano_usd, r.computed_cost_nano_usd)
    {
        out += &format!(
            "  {:<18} {:>12} {:>12} {:>14}  (the table's rates give {computed}; difference {})\n",
            "provider reported",
            "",
            "",
            reported.to_string(),
            reported - computed
        );
    }
    out += &format!(
        "  {:<18} {:>12} {:>12} {:>14}{note}\n",
        "total",
        "",
        "",
        r.cost_nano_usd.to_string()
    );
    out
}

/// Context window as `128k`, `1M`, or `—`.
pub fn context(v: Option<u64>) -> String {
    match v {
        None => "—".into(),
        Some(n) if n >= 1_000_000 => {
            let hundredths = (n + 5_000) / 10_000;
            let text = format!("{}.{:02}", hundredths / 100, hundredths % 100);
            format!("{}M", text.trim_end_matches('0').trim_end_matches('.'))
        }
        Some(n) if n >= 1000 => format!("{}k", n / 1000),
        Some(n) => n.to_string(),
    }
}

/// The price list as a table.
pub fn model_rows(rows: &[ModelRow]) -> String {
    let width = rows
        .iter()
        .map(|r| r.key.chars().count())
        .max()
        .unwrap_or(5)
        .clamp(5, 60);
    let mut out = format!(
        "{:<width$}  {:<22} {:>10} {:>10} {:>10} {:>8}\n",
        "model", "provider", "input/1M", "cached/1M", "output/1M", "context"
    );
    for r in rows {
        let mark = match r.source {
            "override" => " *",
            "custom" => " +",
            _ => "",
        };
        out += &format!(
            "{:<width$}  {:<22} {:>10} {:>10} {:>10} {:>8}{}{mark}\n",
            r.key,
            r.litellm_provider,
            rate(r.input_nano_usd_per_mtok),
            rate(r.cached_input_nano_usd_per_mtok),
            rate(r.output_nano_usd_per_mtok),
            context(r.max_input_tokens),
            if r.tiers.is_empty() && !r.banded {
                ""
            } else {
                " ≥"
            },
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(12), "12");
        assert_eq!(rate(Some(RatePerMTok(2_500_000_000))), "$2.50");
        assert_eq!(rate(Some(RatePerMTok(75_000_000))), "$0.075");
        assert_eq!(rate(Some(RatePerMTok(3_000_000_000))), "$3.00");
        assert_eq!(rate(None), "—");
        assert_eq!(context(Some(128_000)), "128k");
        assert_eq!(context(Some(1_000_000)), "1M");
        assert_eq!(context(Some(1_048_576)), "1.05M");
        assert_eq!(context(Some(2_000_000)), "2M");
    }
}
