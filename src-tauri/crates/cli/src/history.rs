//! `promptledger history` and `show`: find recorded runs; one run in full.

use clap::Args;
use promptledger_core::ledger::Ledger;
use promptledger_core::runner::view::RunView;
use promptledger_core::{CoreError, ProviderKind, Result};

use crate::format;

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Words to find in prompts and outputs
    #[arg(long, short = 's')]
    search: Option<String>,
    /// Only this provider
    #[arg(long, short = 'p')]
    provider: Option<String>,
    /// Only this model (requested or resolved id)
    #[arg(long, short = 'm')]
    model: Option<String>,
    /// Only this status: ok, error, interrupted, cancelled
    #[arg(long)]
    status: Option<String>,
    /// Only this tag
    #[arg(long)]
    tag: Option<String>,
    /// Only this operation: chat, embedding, image, transcription or speech
    #[arg(long, value_name = "OPERATION", value_parser = crate::analytics::parse_operation)]
    operation: Option<String>,
    /// From this day (YYYY-MM-DD, local time)
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Through this day (YYYY-MM-DD, local time)
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// Order: time, cost or latency (largest first)
    #[arg(long, default_value = "time")]
    sort: String,
    /// How many runs
    #[arg(long, short = 'n', default_value_t = 20)]
    limit: usize,
    /// Print JSON
    #[arg(long)]
    json: bool,
}

/// Local midnight of `YYYY-MM-DD` (+ `days`), in ms.
fn day_ms(flag: &str, text: &str, days: i64) -> Result<i64> {
    use chrono::TimeZone;
    let d = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| CoreError::invalid(flag, format!("`{text}` is not a date (YYYY-MM-DD)")))?;
    let d = d + chrono::Duration::days(days);
    chrono::Local
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map(|t| t.timestamp_millis())
        .ok_or_else(|| CoreError::invalid(flag, format!("`{text}` has no local midnight")))
}

/// Lists recorded runs.
pub fn history(ledger: &Ledger, a: HistoryArgs) -> Result<()> {
    use promptledger_core::ledger::history::{HistoryQuery, HistorySort};
    let sort = match a.sort.as_str() {
        "time" => HistorySort::Time,
        "cost" => HistorySort::Cost,
        "latency" => HistorySort::Latency,
        other => {
            return Err(CoreError::invalid(
                "--sort",
                format!("`{other}` is not time, cost or latency"),
            ));
        }
    };
    let q = HistoryQuery {
        search: a.search,
        provider: a
            .provider
            .map(|p| p.parse::<ProviderKind>().map(|k| k.as_str().to_string()))
            .transpose()?,
        model: a.model,
        status: a.status,
        tag: a.tag,
        operation: a.operation,
        from_ms: a
            .from
            .as_deref()
            .map(|d| day_ms("--from", d, 0))
            .transpose()?,
        to_ms: a.to.as_deref().map(|d| day_ms("--to", d, 1)).transpose()?,
        sort,
        limit: Some(a.limit),
        ..HistoryQuery::default()
    };
    let rows = ledger.history(&q)?;
    if a.json {
        return crate::print_json(&rows);
    }
    outln!(
        "{:>6}  {:<16}  {:<10} {:<26} {:<11} {:>9} {:>9} {:>12} {:>8}  prompt",
        "run",
        "time",
        "provider",
        "model",
        "status",
        "in",
        "out",
        "cost",
        "latency"
    );
    for r in &rows {
        let local = chrono::DateTime::from_timestamp_millis(r.started_at_ms)
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default();
        let model: String = r.model.chars().take(26).collect();
        let prompt: String = r
            .prompt_preview
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(40)
            .collect();
        outln!(
            "{:>6}  {:<16}  {:<10} {:<26} {:<11} {:>9} {:>9} {:>12} {:>7.2}s  {prompt}",
            r.id,
            local,
            r.provider,
            model,
            r.status,
            format::thousands(u64::try_from(r.input_tokens).unwrap_or(0)),
            format::thousands(u64::try_from(r.output_tokens).unwrap_or(0)),
            format::cost(r.cost_nano_usd),
            r.latency_ms.unwrap_or(0) as f64 / 1000.0
        );
    }
    if rows.is_empty() {
        eprintln!("no runs match");
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Run id
    run_id: i64,
    /// Print JSON
    #[arg(long)]
    json: bool,
}

/// One run in full: prompt, output, parameters, usage and cost breakdown with rates.
pub fn show(ledger: &Ledger, a: ShowArgs) -> Result<()> {
    let r = ledger.run(a.run_id)?;
    if a.json {
        #[derive(serde::Serialize)]
        struct Full<'a> {
            #[serde(flatten)]
            view: RunView,
            prompt: &'a Option<String>,
            system_prompt: &'a Option<String>,
            params: Option<serde_json::Value>,
            breakdown: &'a promptledger_core::pricing::CostBreakdown,
            template: Option<(i64, i64)>,
        }
        return crate::print_json(&Full {
            view: RunView::from(&r),
            prompt: &r.prompt,
            system_prompt: &r.system_prompt,
            params: r
                .params_json
                .as_deref()
                .and_then(|p| serde_json::from_str(p).ok()),
            breakdown: &r.breakdown,
            template: r.template,
        });
    }
    let v = RunView::from(&r);
    outln!(
        "run {} · {} · {} · {} · {}",
        v.run_id,
        v.started_at,
        v.operation,
        v.provider,
        v.resolved_model.as_deref().unwrap_or(&v.model)
    );
    outln!(
        "status {}{}",
        v.status.as_str(),
        v.error
            .as_ref()
            .map(|e| format!(" — {}: {}", e.code, e.message))
            .unwrap_or_default()
    );
    if let Some(s) = &r.system_prompt {
        outln!("\n# system\n{s}");
    }
    outln!("\n# prompt\n{}", r.prompt.as_deref().unwrap_or(""));
    outln!("\n# output\n{}", v.output);
    outln!(
        "\n# cost ({}, table {})",
        v.cost_source.as_str(),
        v.price_table_version.as_deref().unwrap_or("—")
    );
    for l in r.breakdown.lines.iter().filter(|l| l.tokens > 0) {
        outln!(
            "  {:<18} {:>10} × {:>10}/1M = {:>12}",
            l.component.label(),
            format::thousands(l.tokens),
            format::rate(Some(l.rate_nano_usd_per_mtok)),
            l.cost_nano_usd.to_string()
        );
    }
    if let Some(u) = &r.breakdown.unit {
        outln!(
            "  {:<18} {:>10} × {:>10}/1M = {:>12}",
            u.unit.plural(),
            format::thousands(u.quantity),
            format::rate(Some(u.rate_nano_usd_per_munit)),
            u.cost_nano_usd.to_string()
        );
    }
    outln!("  {:<18} {:>40}", "total", format::cost(v.cost_nano_usd));
    outln!(
        "\nlatency {:.2} s · first token {} · attempts {} · request id {}",
        v.latency_ms.unwrap_or(0) as f64 / 1000.0,
        v.ttft_ms
            .map_or("—".into(), |t| format!("{:.2} s", t as f64 / 1000.0)),
        v.attempts,
        v.request_id.as_deref().unwrap_or("—")
    );
    if let Some(p) = &r.params_json {
        outln!("parameters {p}");
    }
    Ok(())
}
