//! `promptledger` — the headless twin of the PromptLedger app: same core, same ledger file.
//!
//! Errors print one line to stderr (`error[code]: message`) and exit with status 1; bad flags
//! exit with status 2.

#[macro_use]
mod out;
mod analytics;
mod batch;
mod compare;
mod cost;
mod format;
mod guard;
mod history;
mod keys;
mod models;
mod operations;
mod otlp;
mod prices;
mod reconcile;
mod run;
mod shared;
mod templates;

use clap::{Parser, Subcommand};
use promptledger_core::ledger::{Ledger, resolve_path};
use promptledger_core::{CoreError, Result};
use std::path::PathBuf;
use std::process::ExitCode;

/// Know — and control — what every LLM prompt costs.
#[derive(Debug, Parser)]
#[command(name = "promptledger", version, about, propagate_version = true)]
struct Cli {
    /// Ledger file [default: $PROMPTLEDGER_DB, else the app's data dir, e.g.
    /// ~/.local/share/com.promptledger.app/ledger.sqlite3]
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Price one run from its token usage.
    Cost(cost::CostArgs),
    /// Browse the price table, set your own prices, import a newer table.
    #[command(subcommand)]
    Prices(prices::PricesCommand),
    /// Send a prompt, stream the answer, and record exactly what it cost.
    Run(run::RunArgs),
    /// Run one prompt on 2–6 models at once and compare tokens, cost, latency and answers.
    Compare(compare::CompareArgs),
    /// Embed texts (one input each, or stdin lines) and record the tokens and cost.
    Embed(operations::EmbedArgs),
    /// Generate images, save them, and record what they cost.
    Image(operations::ImageArgs),
    /// Transcribe an audio file and record what it cost (per second or per token).
    Transcribe(operations::TranscribeArgs),
    /// Turn text into speech, save the audio, and record what it cost (per character).
    Speak(operations::SpeakArgs),
    /// List a provider's models (also checks the key; costs no tokens).
    Models(models::ModelsArgs),
    /// Find recorded runs: search, filter, sort.
    History(history::HistoryArgs),
    /// Show one run in full: prompt, output, usage, cost breakdown with rates.
    Show(history::ShowArgs),
    /// Save and list prompt templates with {{variables}}.
    #[command(subcommand)]
    Templates(templates::TemplatesCommand),
    /// Save, check, rotate and remove API keys (kept only in the OS keychain).
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Where the money went: totals, change vs the previous period, per provider and model.
    Report(analytics::ReportArgs),
    /// Export runs to CSV or JSON, with the same period and filters as `report`.
    #[command(subcommand)]
    Export(analytics::ExportCommand),
    /// Create a separate ledger full of sample runs to explore (needs --db FILE).
    Demo(analytics::DemoArgs),
    /// Recompute the analytics roll-up from every run.
    RebuildAnalytics,
    /// Spending limits per day, week or month, with alerts; block mode stops runs that would
    /// break them before they are sent.
    #[command(subcommand)]
    Budget(guard::BudgetCommand),
    /// The response cache (`run --cache` reuses answers already paid for).
    #[command(subcommand)]
    Cache(guard::CacheCommand),
    /// How each provider and key has been doing: success rate, median latency, last error.
    Health(guard::HealthArgs),
    /// One prompt over every row of a CSV or JSON Lines file, live or through a provider's
    /// Batch API at about half price; resumable.
    #[command(subcommand)]
    Batch(batch::BatchCommand),
    /// Send every run to the team's OpenTelemetry collector (OTLP): configure, status, flush.
    #[command(subcommand)]
    Otlp(otlp::OtlpCommand),
    /// Compare the ledger with what the providers billed (admin keys), per UTC day × provider ×
    /// model; `reconcile sync` fetches the bill.
    Reconcile(reconcile::ReconcileArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Commands that record runs leave them queued for the team export: they get up to 2 s to
    // send them before the process exits.
    let records = matches!(
        cli.command,
        Command::Run(_)
            | Command::Compare(_)
            | Command::Batch(_)
            | Command::Embed(_)
            | Command::Image(_)
            | Command::Transcribe(_)
            | Command::Speak(_)
    );
    let db = cli.db.clone();
    let done = dispatch(cli);
    if records {
        otlp::flush_briefly(db.as_deref());
    }
    match done {
        Ok(true) => ExitCode::SUCCESS,
        // The run was recorded, and its summary says what went wrong.
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error[{}]: {e}", e.code().as_str());
            ExitCode::FAILURE
        }
    }
}

/// Runs the command; `Ok(false)` means a recorded run did not complete.
fn dispatch(cli: Cli) -> Result<bool> {
    let open = || -> Result<Ledger> { Ledger::open(&resolve_path(cli.db.as_deref())?) };
    match cli.command {
        Command::Cost(args) => cost::run(&open()?, args).map(|()| true),
        Command::Prices(cmd) => prices::run(open, cmd).map(|()| true),
        Command::Run(args) => run::run(open()?, args),
        Command::Compare(args) => compare::run(open()?, args),
        Command::Embed(args) => operations::embed(open()?, args),
        Command::Image(args) => operations::image(open()?, args),
        Command::Transcribe(args) => operations::transcribe(open()?, args),
        Command::Speak(args) => operations::speak(open()?, args),
        Command::Models(args) => models::models(open()?, args).map(|()| true),
        Command::Keys(cmd) => {
            let manager = shared::key_manager(open()?, Default::default())?;
            keys::run(&manager, &shared::runtime()?, cmd).map(|()| true)
        }
        Command::History(args) => history::history(&open()?, args).map(|()| true),
        Command::Show(args) => history::show(&open()?, args).map(|()| true),
        Command::Templates(cmd) => templates::run(&mut open()?, cmd).map(|()| true),
        Command::Report(args) => analytics::report(open()?, args).map(|()| true),
        Command::Export(cmd) => analytics::export(open()?, cmd),
        Command::Demo(args) => analytics::demo(cli.db.as_deref(), args).map(|()| true),
        Command::RebuildAnalytics => analytics::rebuild(open()?).map(|()| true),
        Command::Budget(cmd) => guard::budget(open()?, cmd).map(|()| true),
        Command::Cache(cmd) => guard::cache(open()?, cmd).map(|()| true),
        Command::Health(args) => guard::health(&open()?, args).map(|()| true),
        Command::Reconcile(args) => reconcile::run(open()?, args).map(|()| true),
        Command::Batch(cmd) => batch::run(open()?, cmd),
        Command::Otlp(cmd) => otlp::run(open()?, cmd),
    }
}

/// Prints `value` as pretty JSON on stdout.
pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CoreError::invalid("output", e.to_string()))?;
    outln!("{text}");
    Ok(())
}
