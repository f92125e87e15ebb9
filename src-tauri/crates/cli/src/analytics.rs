//! `promptledger report`, `export runs`, `demo` and `rebuild-analytics`: the Analytics screen's
//! figures and exports, headless.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use promptledger_core::analytics::advisor::Advice;
use promptledger_core::analytics::whatif::{ModelSwap, WhatIf, WhatIfSpec};
use promptledger_core::analytics::{Dashboard, DashboardQuery, Filters, Period, Preset, Totals};
use promptledger_core::demo::{self, DemoOptions};
use promptledger_core::export::{ExportFile, ExportFormat, RunExport, export_runs, report_csv};
use promptledger_core::ledger::{Ledger, Zone};
use promptledger_core::{CoreError, Result};

use crate::format::thousands;

/// Period and filters, shared by `report` and `export runs`.
#[derive(Debug, Args)]
pub struct Scope {
    /// 7d, 30d, 90d or 1y (days counted in local time, today included)
    #[arg(long)]
    period: Option<String>,
    /// First day of a custom period (YYYY-MM-DD)
    #[arg(long, value_name = "DATE", requires = "to")]
    from: Option<String>,
    /// Last day of a custom period, inclusive (YYYY-MM-DD)
    #[arg(long, value_name = "DATE", requires = "from")]
    to: Option<String>,
    /// Only this provider (openai, anthropic, xai, deepseek, …, openai_compatible)
    #[arg(long, short = 'p')]
    provider: Option<String>,
    /// Only this model
    #[arg(long, short = 'm')]
    model: Option<String>,
    /// Only this key (its id, as `keys list --json` shows)
    #[arg(long)]
    key: Option<String>,
    /// Only this tag / project
    #[arg(long)]
    tag: Option<String>,
    /// Only this status: ok, error, interrupted, cancelled
    #[arg(long)]
    status: Option<String>,
    /// Only this OpenAI project (proj_…): runs sent with a saved key of that project
    #[arg(long, value_name = "PROJECT")]
    project: Option<String>,
    /// Only this operation's runs: chat, embedding, image, transcription or speech
    #[arg(long, value_name = "OPERATION", value_parser = parse_operation)]
    operation: Option<String>,
}

fn date(flag: &str, s: &str) -> Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| CoreError::invalid(flag, format!("`{s}` is not a date (YYYY-MM-DD)")))
}

impl Scope {
    /// The period, or `None` when neither `--period` nor `--from/--to` was given.
    fn period(&self) -> Result<Option<Period>> {
        match (&self.period, &self.from, &self.to) {
            (Some(_), Some(_), _) => Err(CoreError::invalid(
                "period",
                "give either --period or --from/--to, not both",
            )),
            (Some(p), None, _) => Ok(Some(Period::preset(Preset::parse(p)?))),
            (None, Some(f), Some(t)) => Ok(Some(Period::custom(date("from", f)?, date("to", t)?))),
            _ => Ok(None),
        }
    }

    fn filters(&self) -> Filters {
        Filters {
            provider: self.provider.clone(),
            model: self.model.clone(),
            key_id: self.key.clone(),
            tag: self.tag.clone(),
            status: self.status.clone(),
            project: self.project.clone(),
            operation: self.operation.clone(),
        }
        .normalized()
    }
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    scope: Scope,
    /// How many of the most expensive runs to list
    #[arg(long, default_value_t = 5)]
    top: usize,
    /// Print the whole report as JSON
    #[arg(long)]
    json: bool,
    /// Also write the report as CSV (per day × model, per model, total) to FILE
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// What-if: price the period's FROM runs as if they had run on TO, tokens as they were
    /// (repeat for several: --as gpt-4o=gpt-4o-mini --as claude-opus-4-1=claude-sonnet-4-5)
    #[arg(long = "as", value_name = "FROM=TO")]
    swaps: Vec<String>,
    /// What-if: price at this price-table version (see `prices tables`)
    #[arg(long, value_name = "VERSION")]
    at_table: Option<String>,
    /// What-if: price as Batch API requests
    #[arg(long)]
    batch: bool,
    /// The savings advisor: suggestions with their exact figure for the period
    #[arg(long)]
    advice: bool,
}

/// `report --json`: the dashboard, and the what-if when one was asked for.
#[derive(serde::Serialize)]
struct ReportJson<'a> {
    #[serde(flatten)]
    dashboard: &'a Dashboard,
    #[serde(skip_serializing_if = "Option::is_none")]
    what_if: Option<&'a WhatIf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    advice: Option<&'a [Advice]>,
}

/// Follows the system's time zone (a change rebuilds the roll-up once).
fn follow_zone(ledger: &mut Ledger) -> Result<()> {
    ledger.set_time_zone(Zone::system()).map(|_| ())
}

pub fn report(mut ledger: Ledger, a: ReportArgs) -> Result<()> {
    follow_zone(&mut ledger)?;
    let period = a.scope.period()?.unwrap_or(Period::preset(Preset::Days30));
    let q = DashboardQuery {
        period,
        filters: a.scope.filters(),
        top: Some(a.top),
    };
    let spec = WhatIfSpec {
        swaps: a
            .swaps
            .iter()
            .map(|s| ModelSwap::parse(s))
            .collect::<Result<Vec<_>>>()?,
        at_table: a.at_table.clone(),
        batch: a.batch,
    };
    let d = ledger.dashboard(&q)?;
    let what_if = if spec.is_empty() {
        None
    } else {
        Some(ledger.what_if(&d.range, &d.filters, &spec)?)
    };
    let advice = if a.advice {
        Some(ledger.advice(&d.range, &d.filters)?)
    } else {
        None
    };
    if let Some(path) = &a.csv {
        let mut f = ExportFile::create(path)?;
        report_csv(&ledger, &d.range, &d.filters, f.writer()?)?;
        let path = f.finish()?;
        eprintln!("report written to {}", path.display());
    }
    if a.json {
        return crate::print_json(&ReportJson {
            dashboard: &d,
            what_if: what_if.as_ref(),
            advice: advice.as_deref(),
        });
    }
    out!("{}", text_report(&d));
    if let Some(w) = &what_if {
        out!("{}", text_what_if(w));
    }
    if let Some(list) = &advice {
        outln!("\nSavings advisor");
        if list.is_empty() {
            outln!("  nothing to suggest for this period");
        }
        for a in list {
            outln!("  • {}", a.title);
            outln!("    {}", a.detail);
            let ids: Vec<String> = a.examples.iter().map(|r| format!("#{}", r.id)).collect();
            outln!(
                "    runs: {}{}",
                ids.join(" "),
                if a.runs as usize > ids.len() {
                    " …"
                } else {
                    ""
                }
            );
        }
    }
    Ok(())
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(String::new, |c| {
        format!(
            "{}{:.1} %",
            if c >= 0.0 { "+" } else { "−" },
            (c * 100.0).abs()
        )
    })
}

fn ms(v: Option<i64>) -> String {
    v.map_or_else(
        || "–".into(),
        |ms| {
            if ms >= 1000 {
                format!("{:.1} s", ms as f64 / 1000.0)
            } else {
                format!("{ms} ms")
            }
        },
    )
}

fn rate(t: &Totals) -> String {
    t.success_rate
        .map_or_else(|| "–".into(), |r| format!("{:.1} %", r * 100.0))
}

/// `  (+ 3 unpriced runs)` beside a cost that leaves them out; nothing when there are none.
fn unpriced_note(n: i64) -> String {
    match n {
        0 => String::new(),
        1 => "  (+ 1 unpriced run, not in the cost)".into(),
        n => format!(
            "  (+ {} unpriced runs, not in the cost)",
            thousands(n as u64)
        ),
    }
}

/// `−$1.23 (−45.6 %)` / `+$0.10 (+2.0 %)`: what-if minus actual.
fn difference(actual: i64, what_if: i64) -> String {
    let d = what_if.saturating_sub(actual);
    let sign = if d < 0 {
        "−"
    } else if d > 0 {
        "+"
    } else {
        ""
    };
    let share = if actual == 0 {
        String::new()
    } else {
        format!(" ({sign}{:.1} %)", (d as f64 / actual as f64 * 100.0).abs())
    };
    format!(
        "{sign}{}{share}",
        promptledger_core::NanoUsd(d.saturating_abs()).to_short_usd()
    )
}

fn text_what_if(w: &WhatIf) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nWhat if — table {}{}",
        w.table_version,
        if w.batch {
            ", as Batch API requests"
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "  Actual {}  ·  what-if {}  ·  difference {}",
        promptledger_core::NanoUsd(w.actual_nano).to_short_usd(),
        promptledger_core::NanoUsd(w.what_if_nano).to_short_usd(),
        difference(w.actual_nano, w.what_if_nano)
    );
    let _ = writeln!(
        s,
        "  {:<28} {:<30} {:>10} {:>12} {:>12} {:>20}",
        "model", "as", "runs", "actual", "what-if", "difference"
    );
    for r in &w.by_model {
        let _ = writeln!(
            s,
            "  {:<28} {:<30} {:>10} {:>12} {:>12} {:>20}",
            r.model,
            r.as_model,
            thousands(r.runs as u64),
            promptledger_core::NanoUsd(r.actual_nano).to_short_usd(),
            promptledger_core::NanoUsd(r.what_if_nano).to_short_usd(),
            difference(r.actual_nano, r.what_if_nano)
        );
    }
    for k in &w.skipped {
        let _ = writeln!(
            s,
            "  left out: {} run{} of {} — {}",
            thousands(k.runs as u64),
            if k.runs == 1 { "" } else { "s" },
            k.model,
            k.reason
        );
    }
    let _ = writeln!(s, "  {}", w.note);
    s
}

fn text_report(d: &Dashboard) -> String {
    use std::fmt::Write;
    let t = &d.totals;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Period {} – {} ({} days, {}), compared with {} – {}{}",
        d.range.from,
        d.range.to,
        d.range.days(),
        d.time_zone,
        d.previous_range.from,
        d.previous_range.to,
        if d.filters.any() { " — filtered" } else { "" }
    );
    let _ = writeln!(
        s,
        "  Runs           {:>14}  {}{}",
        thousands(t.runs as u64),
        pct(d.change.runs),
        match d.in_flight_runs {
            0 => String::new(),
            n => format!("  (+ {n} in flight now, not yet recorded)"),
        }
    );
    let _ = writeln!(
        s,
        "  Cost           {:>14}  {}{}",
        t.cost_nano.to_short_usd(),
        pct(d.change.cost),
        unpriced_note(t.unpriced_runs)
    );
    let _ = writeln!(
        s,
        "  Average / run  {:>14}  {}",
        t.avg_cost_nano.to_short_usd(),
        pct(d.change.avg_cost)
    );
    let tk = &t.tokens;
    let _ = writeln!(
        s,
        "  Tokens         {:>14}  {}   (input {}, cached {}, cache write {}, output {}, reasoning {})",
        thousands(t.total_tokens as u64),
        pct(d.change.tokens),
        thousands(tk.input as u64),
        thousands(tk.cached_input as u64),
        thousands((tk.cache_write + tk.cache_write_1h) as u64),
        thousands(tk.output as u64),
        thousands(tk.reasoning as u64)
    );
    let _ = writeln!(
        s,
        "  Success rate   {:>14}  {}",
        rate(t),
        d.change
            .success_rate_points
            .map_or_else(String::new, |p| format!("{p:+.1} pts"))
    );
    let _ = writeln!(
        s,
        "  Latency        avg {} · p50 {} · p95 {}",
        ms(t.latency_avg_ms),
        ms(t.latency_p50_ms),
        ms(t.latency_p95_ms)
    );
    let _ = writeln!(
        s,
        "  Cache savings  {:>14}",
        t.cache_saved_nano.to_short_usd()
    );
    if let Some(b) = &d.billed {
        let _ = writeln!(
            s,
            "  Billed         {:>14}  by {} on the {} days with a fetched bill (UTC), vs {} recorded here",
            promptledger_core::NanoUsd(b.billed_nano_usd).to_short_usd(),
            b.providers.join(", "),
            b.days,
            promptledger_core::NanoUsd(b.recorded_nano_usd).to_short_usd()
        );
    }
    let mut sections = vec![("By provider", &d.by_provider), ("By model", &d.by_model)];
    // Spend per operation once there is more than chat.
    if d.by_operation.iter().any(|r| r.name != "chat") {
        sections.insert(0, ("By operation", &d.by_operation));
    }
    if !d.by_project.is_empty() {
        sections.push(("By OpenAI project", &d.by_project));
    }
    for (title, rows) in sections {
        let _ = writeln!(s, "\n{title}");
        let _ = writeln!(
            s,
            "  {:<28} {:>10} {:>12} {:>7} {:>11} {:>8}",
            "name", "runs", "cost", "share", "avg/run", "success"
        );
        for r in rows.iter() {
            let _ = writeln!(
                s,
                "  {:<28} {:>10} {:>12} {:>6.1}% {:>11} {:>8}{}",
                r.name,
                thousands(r.totals.runs as u64),
                r.totals.cost_nano.to_short_usd(),
                r.cost_share * 100.0,
                r.totals.avg_cost_nano.to_short_usd(),
                rate(&r.totals),
                unpriced_note(r.totals.unpriced_runs)
            );
        }
    }
    if !d.top_runs.is_empty() {
        let _ = writeln!(s, "\nMost expensive runs");
        for r in &d.top_runs {
            let when = chrono::DateTime::from_timestamp_millis(r.started_at_ms)
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default();
            let preview: String = r.prompt_preview.chars().take(60).collect();
            let _ = writeln!(
                s,
                "  #{:<8} {when}  {:<24} {:>10}  {preview}",
                r.id,
                r.model,
                r.cost_nano.to_short_usd()
            );
        }
    }
    s
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Every run (or a period's, filtered) with tokens by component, exact cost, latency, status
    Runs(ExportRunsArgs),
    /// Send a period's runs (filtered) to an OpenTelemetry collector as GenAI spans (a
    /// backfill); exits 1 if any was not accepted
    Otlp(ExportOtlpArgs),
}

#[derive(Debug, Args)]
pub struct ExportOtlpArgs {
    #[command(flatten)]
    scope: Scope,
    #[command(flatten)]
    to: crate::otlp::Destination,
}

#[derive(Debug, Args)]
pub struct ExportRunsArgs {
    #[command(flatten)]
    scope: Scope,
    /// Write CSV to FILE
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "json",
        required_unless_present = "json"
    )]
    csv: Option<PathBuf>,
    /// Write JSON to FILE
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Include the prompt and output text
    #[arg(long)]
    with_text: bool,
}

pub fn export(mut ledger: Ledger, cmd: ExportCommand) -> Result<bool> {
    let a = match cmd {
        ExportCommand::Runs(a) => a,
        ExportCommand::Otlp(o) => {
            follow_zone(&mut ledger)?;
            let today = ledger.time_zone().today();
            let range = o.scope.period()?.map(|p| p.range(today)).transpose()?;
            return crate::otlp::backfill(ledger, range, o.scope.filters(), o.to);
        }
    };
    follow_zone(&mut ledger)?;
    let today = ledger.time_zone().today();
    let range = a.scope.period()?.map(|p| p.range(today)).transpose()?;
    let (path, format) = match (&a.csv, &a.json) {
        (Some(p), _) => (p.clone(), ExportFormat::Csv),
        (None, Some(p)) => (p.clone(), ExportFormat::Json),
        (None, None) => {
            return Err(CoreError::invalid(
                "export",
                "give --csv FILE or --json FILE",
            ));
        }
    };
    let what = RunExport {
        range,
        filters: a.scope.filters(),
        include_text: a.with_text,
    };
    let mut file = ExportFile::create(&path)?;
    let mut last = std::time::Instant::now();
    let summary = export_runs(&ledger, &what, format, file.writer()?, |done, total| {
        if last.elapsed().as_millis() >= 500 {
            eprint!("\r{done}/{total} runs…");
            last = std::time::Instant::now();
        }
    })?;
    let path = file.finish()?;
    eprintln!(
        "\r{} runs ({} in total{}) written to {}",
        thousands(summary.rows),
        summary.cost_nano.to_short_usd(),
        match summary.unpriced_runs {
            0 => String::new(),
            n => format!(", {} unpriced", thousands(n)),
        },
        path.display()
    );
    Ok(true)
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many sample runs
    #[arg(long, default_value_t = 20_000)]
    runs: u64,
    /// Over how many days, ending now
    #[arg(long, default_value_t = 90)]
    days: u32,
    /// Seed (the same seed makes the same ledger)
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

/// Fills `db` (which must be given, and must not be the real ledger) with sample data.
pub fn demo(db: Option<&Path>, a: DemoArgs) -> Result<()> {
    let Some(db) = db else {
        return Err(CoreError::invalid(
            "db",
            "demo needs --db FILE: sample data never goes into your real ledger",
        ));
    };
    let mut ledger = demo::open_sample(db)?;
    let opts = DemoOptions {
        runs: a.runs,
        days: a.days,
        end_ms: promptledger_core::ledger::now_ms(),
        seed: a.seed,
    };
    let mut last = std::time::Instant::now();
    let s = demo::fill(&mut ledger, &opts, |done, total| {
        if last.elapsed().as_millis() >= 500 {
            eprint!("\r{done}/{total} runs…");
            last = std::time::Instant::now();
        }
    })?;
    eprintln!(
        "\r{} sample runs ({} of made-up spend over {} days) in {}",
        thousands(s.runs),
        s.cost_nano.to_short_usd(),
        a.days,
        db.display()
    );
    Ok(())
}

/// `rebuild-analytics`: recomputes the roll-up from every run.
pub fn rebuild(mut ledger: Ledger) -> Result<()> {
    let t = std::time::Instant::now();
    ledger.set_time_zone(Zone::system())?;
    ledger.rebuild_rollup()?;
    eprintln!(
        "analytics rebuilt from {} runs in {:.1} s (days in {})",
        thousands(ledger.run_count()? as u64),
        t.elapsed().as_secs_f64(),
        ledger.time_zone()
    );
    Ok(())
}

/// `--operation`: one of the operations (or a verb for one: `embed`, `tts`), checked by the core.
pub(crate) fn parse_operation(text: &str) -> std::result::Result<String, String> {
    text.parse::<promptledger_core::Operation>()
        .map(|o| o.as_str().to_string())
        .map_err(|e| e.to_string())
}
