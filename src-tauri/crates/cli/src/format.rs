//! Human-readable tables for the terminal. Numbers come from the core's exact integers.

use promptledger_core::ledger::price_tables::{ImportedTable, RatePoint};
use promptledger_core::money::{NanoUsd, RatePerMTok};
use promptledger_core::pricing::CostSource;
use promptledger_core::pricing::diff::TableDiff;
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

/// A table diff: counts, then every changed rate (the most of recent spend first).
pub fn table_diff(d: &TableDiff) -> String {
    let mut out = format!("price table {} → {}\n", d.from_version, d.to_version);
    out += &format!(
        "  {} added, {} removed, {} changed on {}, {} unchanged\n",
        counted(d.added.len(), "model"),
        d.removed.len(),
        counted(d.changed.len(), "rate"),
        counted(d.changed_models(), "model"),
        thousands(d.unchanged as u64),
    );
    const SHOWN: usize = 60;
    if !d.changed.is_empty() {
        let width = d
            .changed
            .iter()
            .take(SHOWN)
            .map(|c| c.model.chars().count())
            .max()
            .unwrap_or(5)
            .clamp(5, 48);
        out += &format!(
            "\n{:<width$}  {:<44} {:>10} {:>10} {:>9} {:>14}\n",
            "model", "rate (per 1M tokens)", "old", "new", "change", "your 30 days"
        );
        for c in d.changed.iter().take(SHOWN) {
            out += &format!(
                "{:<width$}  {:<44} {:>10} {:>10} {:>9} {:>14}\n",
                c.model,
                c.field,
                rate(c.old.map(RatePerMTok)),
                rate(c.new.map(RatePerMTok)),
                c.change_pct.map_or_else(
                    || if c.old.is_none() {
                        "new".into()
                    } else {
                        "dropped".into()
                    },
                    |p| format!(
                        "{}{:.1} %",
                        if p > 0.0 {
                            "+"
                        } else if p < 0.0 {
                            "−"
                        } else {
                            ""
                        },
                        p.abs()
                    )
                ),
                NanoUsd(c.spend_30d_nano).to_short_usd(),
            );
        }
        if d.changed.len() > SHOWN {
            out += &format!(
                "… and {} more (--json lists them all)\n",
                d.changed.len() - SHOWN
            );
        }
    }
    let list = |title: &str, models: &[String]| -> String {
        if models.is_empty() {
            return String::new();
        }
        let shown: Vec<&str> = models.iter().take(20).map(String::as_str).collect();
        let more = models.len().saturating_sub(shown.len());
        format!(
            "\n{title}: {}{}\n",
            shown.join(", "),
            if more > 0 {
                format!(" … and {more} more")
            } else {
                String::new()
            }
        )
    };
    out += &list("added", &d.added);
    out += &list("removed", &d.removed);
    out
}

/// A model's rates in each table of the history.
pub fn rate_history(points: &[RatePoint]) -> String {
    let fields = [
        ("input", "input_cost_per_token"),
        ("cached", "cache_read_input_token_cost"),
        ("output", "output_cost_per_token"),
        ("batch in", "input_cost_per_token_batches"),
        ("batch out", "output_cost_per_token_batches"),
    ];
    let mut out = format!(
        "{:<20} {:<8} {:<34} {:<28}",
        "since", "origin", "table", "entry"
    );
    for (label, _) in fields {
        out += &format!(" {label:>10}");
    }
    out.push('\n');
    for p in points {
        let origin = serde_json::to_value(p.origin)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        out += &format!(
            "{:<20} {:<8} {:<34} {:<28}",
            p.since.get(..16).unwrap_or(&p.since).replace('T', " "),
            origin,
            p.version,
            p.key.as_deref().unwrap_or("(not priced)"),
        );
        for (_, field) in fields {
            out += &format!(
                " {:>10}",
                rate(p.rates.get(field).copied().map(RatePerMTok))
            );
        }
        out.push('\n');
    }
    out
}

/// The tables the ledger has used.
pub fn price_tables(tables: &[ImportedTable]) -> String {
    let mut out = format!(
        "{:<20} {:<8} {:<34} {:>7}  {}\n",
        "since", "origin", "version", "models", "from"
    );
    for t in tables {
        let origin = serde_json::to_value(t.origin)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        out += &format!(
            "{:<20} {:<8} {:<34} {:>7}  {}{}\n",
            t.imported_at
                .get(..16)
                .unwrap_or(&t.imported_at)
                .replace('T', " "),
            origin,
            t.version,
            thousands(u64::try_from(t.models).unwrap_or(0)),
            t.source_url
                .as_deref()
                .or(t.file_name.as_deref())
                .unwrap_or("PromptLedger"),
            if t.withdrawn { " (withdrawn)" } else { "" },
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
