//! `promptledger reconcile …`: fetch what the providers billed (`sync`), compare it with the
//! ledger per UTC day × provider × model (× project or key), and list or create OpenAI projects.
//! The rules (periods, tolerance, statuses) are the core's; this is only the face.

use clap::{Args, Subcommand};
use promptledger_core::billing::{
    DayRange, ReconcileQuery, ReconcileReport, ReconcileStatus, parse_day, period, sync_range,
    today_utc,
};
use promptledger_core::keys::{KeyManager, KeySource};
use promptledger_core::ledger::Ledger;
use promptledger_core::providers::HttpSettings;
use promptledger_core::{CoreError, NanoUsd, ProviderKind, Result};
use std::path::PathBuf;

use crate::format;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ReconcileArgs {
    #[command(subcommand)]
    command: Option<ReconcileCommand>,
    #[command(flatten)]
    show: ShowArgs,
}

#[derive(Debug, Args)]
struct Window {
    /// openai, anthropic, openrouter, gemini… (default: every provider)
    #[arg(long, short = 'p')]
    provider: Option<String>,
    /// First UTC day, YYYY-MM-DD
    #[arg(long, value_name = "YYYY-MM-DD")]
    from: Option<String>,
    /// Last UTC day, YYYY-MM-DD [default: today]
    #[arg(long, value_name = "YYYY-MM-DD")]
    to: Option<String>,
}

#[derive(Debug, Args)]
struct ShowArgs {
    #[command(flatten)]
    window: Window,
    /// Print `{"rows": […], "totals": {…}}` as JSON
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// Write the rows to a CSV file
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum ReconcileCommand {
    /// Fetch what the provider billed (default: the last 3 UTC days again and every day since
    /// the last sync; 30 days the first time). OpenRouter: look up each run's generation.
    Sync {
        #[command(flatten)]
        window: Window,
        /// The billing API's base URL (a proxy, a test server)
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Print what was fetched as JSON
        #[arg(long)]
        json: bool,
    },
    /// The OpenAI organisation's projects (from the last sync) and which saved key is in which.
    Projects {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Create an OpenAI project with the admin key (projects can be archived, never deleted).
    CreateProject {
        /// Its name
        name: String,
        /// The admin API's base URL
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
    },
}

fn day(flag: &str, s: Option<&str>) -> Result<Option<chrono::NaiveDate>> {
    s.map(|s| parse_day(flag, s)).transpose()
}

impl Window {
    fn provider(&self) -> Result<Option<ProviderKind>> {
        self.provider.as_deref().map(str::parse).transpose()
    }

    /// The given days, if any: both ends, or only `--to`/`--from` around the default.
    fn range(&self) -> Result<Option<DayRange>> {
        let (from, to) = (
            day("from", self.from.as_deref())?,
            day("to", self.to.as_deref())?,
        );
        if from.is_none() && to.is_none() {
            return Ok(None);
        }
        period(from, to, today_utc()).map(Some)
    }
}

pub fn run(ledger: Ledger, args: ReconcileArgs) -> Result<()> {
    match args.command {
        None => show(&ledger, &args.show),
        Some(ReconcileCommand::Sync {
            window,
            base_url,
            json,
        }) => sync(ledger, &window, base_url.as_deref(), json),
        Some(ReconcileCommand::Projects { json }) => projects(&ledger, json),
        Some(ReconcileCommand::CreateProject { name, base_url }) => {
            let keys = crate::shared::key_manager(ledger, HttpSettings::default())?;
            let (client, _) = keys.billing_client(
                ProviderKind::Openai,
                base_url.as_deref(),
                KeySource::KeychainOrEnv,
            )?;
            let p = crate::shared::runtime()?.block_on(client.create_openai_project(&name))?;
            outln!("created project {} “{}” ({})", p.id, p.name, p.status);
            Ok(())
        }
    }
}

fn sync(ledger: Ledger, w: &Window, base_url: Option<&str>, json: bool) -> Result<()> {
    let range = w.range()?;
    let providers: Vec<ProviderKind> = match w.provider()? {
        Some(p) => vec![p],
        None => {
            // Every provider with an admin key, saved or given for this invocation.
            let saved: Vec<String> = ledger
                .admin_keys()?
                .into_iter()
                .map(|k| k.provider)
                .collect();
            [ProviderKind::Openai, ProviderKind::Anthropic]
                .into_iter()
                .filter(|p| {
                    saved.iter().any(|s| s == p.as_str())
                        || promptledger_core::keys::admin::admin_env_var(*p)
                            .and_then(|v| std::env::var(v).ok())
                            .is_some_and(|v| !v.trim().is_empty())
                })
                .collect()
        }
    };
    if providers.is_empty() {
        return Err(CoreError::invalid(
            "admin key",
            "no admin key yet: add one with `promptledger keys add --provider openai|anthropic \
             --admin`, or set OPENAI_ADMIN_KEY / ANTHROPIC_ADMIN_KEY for one invocation",
        ));
    }
    let keys: KeyManager = crate::shared::key_manager(ledger, HttpSettings::default())?;
    let rt = crate::shared::runtime()?;
    let mut outcomes = Vec::new();
    for p in providers {
        let out = rt.block_on(sync_range(
            &keys,
            p,
            range,
            base_url,
            KeySource::KeychainOrEnv,
        ))?;
        if !json {
            if p == ProviderKind::Openrouter {
                outln!(
                    "{}: {} to {}: looked up {} runs ({} not known to OpenRouter yet)",
                    p.display_name(),
                    out.from,
                    out.to,
                    out.generations_checked,
                    out.generations_missing
                );
            } else {
                outln!(
                    "{}: {} to {} ({} days): {} usage rows, {} cost rows in {} pages{}",
                    p.display_name(),
                    out.from,
                    out.to,
                    out.days,
                    out.usage_rows,
                    out.cost_rows,
                    out.pages,
                    if p == ProviderKind::Openai {
                        format!(
                            "; {}, {} mapped, {} attributed",
                            format::counted(out.projects, "project"),
                            format::counted(out.keys_mapped, "saved key"),
                            format::counted(out.runs_attributed, "run")
                        )
                    } else {
                        String::new()
                    }
                );
            }
        }
        outcomes.push(out);
    }
    if json {
        return crate::print_json(&outcomes);
    }
    Ok(())
}

fn show(ledger: &Ledger, a: &ShowArgs) -> Result<()> {
    let today = today_utc();
    let range = match a.window.range()? {
        Some(r) => r,
        None => period(None, None, today)?,
    };
    let report = ledger.reconcile(&ReconcileQuery {
        range,
        provider: a.window.provider()?,
        today,
    })?;
    if a.json {
        return crate::print_json(&report);
    }
    if let Some(path) = &a.csv {
        let bytes = promptledger_core::export::reconcile_csv(&report)?;
        let mut f = promptledger_core::export::ExportFile::create(path)?;
        let w = f.writer()?;
        if let Err(e) = w.write_all(&bytes) {
            return Err(f.error(&e));
        }
        let dest = f.finish()?;
        outln!("wrote {} rows to {}", report.rows.len(), dest.display());
        return Ok(());
    }
    print_report(&report);
    Ok(())
}

fn usd(n: Option<i64>) -> String {
    n.map_or_else(|| "—".into(), |v| NanoUsd(v).to_short_usd())
}

fn tokens(n: Option<i64>) -> String {
    n.map_or_else(
        || "—".into(),
        |v| format::thousands(u64::try_from(v).unwrap_or(0)),
    )
}

fn print_report(r: &ReconcileReport) {
    let t = &r.totals;
    outln!("Reconciliation {} to {} (UTC days)", r.from, r.to);
    outln!(
        "  recorded here {}   billed {}   difference {} (on {} recorded for days with a bill)",
        usd(Some(t.ledger_nano_usd)),
        usd(t.billed_nano_usd),
        t.difference_nano_usd.map_or_else(|| "—".into(), signed_usd),
        usd(Some(t.compared_ledger_nano_usd))
    );
    outln!(
        "  {} rows: {} match, {} billed more, {} ledger more, {} pending, {} unavailable",
        t.rows,
        t.matches,
        t.billed_more,
        t.ledger_more,
        t.pending,
        t.unavailable
    );
    if r.rows.is_empty() {
        outln!("\nNothing recorded or billed in this period.");
        return;
    }
    outln!(
        "\n{:<10}  {:<10} {:<28} {:<16} {:>10} {:>10} {:>10} {:>12} {:>12}  status",
        "day",
        "provider",
        "model",
        "project / key",
        "recorded",
        "billed",
        "diff",
        "tokens here",
        "tokens billed"
    );
    for row in &r.rows {
        let model: String = row
            .model
            .clone()
            .unwrap_or_else(|| "(all models)".into())
            .chars()
            .take(28)
            .collect();
        let who: String = row
            .api_key_name
            .clone()
            .or_else(|| row.api_key_id.clone())
            .or_else(|| row.project_name.clone())
            .or_else(|| row.project_id.clone())
            .unwrap_or_default()
            .chars()
            .take(16)
            .collect();
        outln!(
            "{:<10}  {:<10} {:<28} {:<16} {:>10} {:>10} {:>10} {:>12} {:>12}  {}{}",
            row.day,
            row.provider,
            model,
            who,
            usd(row.ledger_nano_usd),
            usd(row.billed_nano_usd),
            row.difference_nano_usd
                .map_or_else(|| "—".into(), signed_usd),
            tokens(row.ledger_tokens),
            tokens(row.billed_tokens),
            status_text(row.status),
            row.note
                .as_deref()
                .filter(|_| row.status != ReconcileStatus::Matches)
                .map(|n| format!(" — {n}"))
                .unwrap_or_default()
        );
    }
}

fn signed_usd(d: i64) -> String {
    if d >= 0 {
        format!("+{}", NanoUsd(d).to_short_usd())
    } else {
        format!("-{}", NanoUsd(-d).to_short_usd())
    }
}

fn status_text(s: ReconcileStatus) -> &'static str {
    match s {
        ReconcileStatus::Matches => "matches",
        ReconcileStatus::BilledMore => "billed more",
        ReconcileStatus::LedgerMore => "ledger more",
        ReconcileStatus::Pending => "pending",
        ReconcileStatus::Unavailable => "unavailable",
    }
}

fn projects(ledger: &Ledger, json: bool) -> Result<()> {
    let projects = ledger.openai_projects()?;
    let keys = ledger.openai_project_keys()?;
    let saved = ledger.keys()?;
    if json {
        return crate::print_json(&serde_json::json!({
            "projects": projects,
            "keys": keys,
            "saved_keys": saved.iter().filter(|k| k.provider == "openai").map(|k| {
                let m = ledger.key_mapping(&k.id).ok().flatten();
                serde_json::json!({
                    "id": k.id, "label": k.label, "preview": k.preview,
                    "provider_key_id": m.as_ref().map(|m| &m.0),
                    "project_id": m.and_then(|m| m.1),
                })
            }).collect::<Vec<_>>(),
        }));
    }
    if projects.is_empty() {
        outln!(
            "No projects yet: `promptledger reconcile sync --provider openai` lists them with the \
             admin key."
        );
        return Ok(());
    }
    for p in &projects {
        outln!("{}  {}  ({})", p.id, p.name, p.status);
        for k in keys.iter().filter(|k| k.project_id == p.id) {
            let mine = saved.iter().find(|s| {
                ledger
                    .key_mapping(&s.id)
                    .ok()
                    .flatten()
                    .is_some_and(|m| m.0 == k.id)
            });
            outln!(
                "    {}  {}  {}{}",
                k.id,
                k.redacted_value,
                k.name.as_deref().unwrap_or(""),
                mine.map(|s| format!("  ← saved key “{}” ({})", s.label, s.id))
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}
