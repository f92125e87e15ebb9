//! `promptledger` — the headless twin of the PromptLedger app: same core, same ledger file.
//!
//! Errors print one line to stderr (`error[code]: message`) and exit with status 1; bad flags
//! exit with status 2.

mod cost;
mod format;
mod prices;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error[{}]: {e}", e.code().as_str());
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let open = || -> Result<Ledger> { Ledger::open(&resolve_path(cli.db.as_deref())?) };
    match cli.command {
        Command::Cost(args) => cost::run(&open()?, args),
        Command::Prices(cmd) => prices::run(open, cmd),
    }
}

/// Prints `value` as pretty JSON on stdout.
pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CoreError::invalid("output", e.to_string()))?;
    println!("{text}");
    Ok(())
}
