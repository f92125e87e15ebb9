//! `promptledger prices …`: list and show prices, set overrides and custom models, import a
//! newer LiteLLM table.

use clap::{Args, Subcommand};
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::price_tables::TableOrigin;
use promptledger_core::pricing::OverrideText;
use promptledger_core::pricing::diff::TableDiff;
use promptledger_core::pricing::report::ModelFilter;
use promptledger_core::pricing::update;
use promptledger_core::{CoreError, ProviderKind, Result};
use std::path::PathBuf;

use crate::format;

#[derive(Debug, Subcommand)]
pub enum PricesCommand {
    /// List models with their $/1M prices (* = your override, + = your custom model,
    /// ≥ = long-context tiers apply).
    List {
        /// openai, anthropic, gemini, ollama, or a LiteLLM provider id (bedrock, groq, …)
        #[arg(long, short = 'p')]
        provider: Option<String>,
        /// Words that must appear in the model id
        #[arg(long, short = 's')]
        search: Option<String>,
        /// Include non-chat models (embeddings, images, audio)
        #[arg(long)]
        all_modes: bool,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Show one model's prices, resolved the way runs resolve it.
    Show {
        /// Model id
        model: String,
        /// Provider, to resolve provider-specific ids (gemini-2.5-pro → gemini/gemini-2.5-pro)
        #[arg(long, short = 'p')]
        provider: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Set your own price for a model, or define a custom model (input and output required).
    Set(SetArgs),
    /// Remove your override or custom model.
    Unset {
        /// Model id
        model: String,
    },
    /// Import a newer LiteLLM model_prices_and_context_window.json; invalid files change nothing.
    Import {
        /// The JSON file
        file: PathBuf,
    },
    /// Forget imported tables and price with the bundled one again (they stay in the history).
    ResetTable,
    /// Download the newest table, show what it changes (old → new, most of your last 30 days'
    /// spend first) and, with --yes, apply it. Without --yes nothing changes.
    Update {
        /// Where from (default: the address set in the app, else LiteLLM's main branch)
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// Apply the new table
        #[arg(long, short = 'y')]
        yes: bool,
        /// Print JSON: from_version, to_version, added, removed, changed, applied
        #[arg(long)]
        json: bool,
        /// Give up after this many seconds
        #[arg(long, value_name = "SECONDS", default_value_t = 60)]
        timeout: u64,
    },
    /// A model's rates in every table the ledger has used (bundled, imported, updated).
    History {
        /// Model id
        model: String,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Every table the ledger has used, with its version (for `report --at-table`).
    Tables {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// Model id (a table id to override, or a new name for a custom model)
    model: String,
    /// Input price, USD per 1M tokens
    #[arg(long, value_name = "USD")]
    input_per_mtok: Option<String>,
    /// Output price, USD per 1M tokens
    #[arg(long, value_name = "USD")]
    output_per_mtok: Option<String>,
    /// Cached-input (cache read) price, USD per 1M tokens
    #[arg(long, value_name = "USD")]
    cached_per_mtok: Option<String>,
    /// Cache-write price (5-minute TTL), USD per 1M tokens
    #[arg(long, value_name = "USD")]
    cache_write_per_mtok: Option<String>,
    /// Cache-write price (1-hour TTL), USD per 1M tokens
    #[arg(long = "cache-write-1h-per-mtok", value_name = "USD")]
    cache_write_1h_per_mtok: Option<String>,
    /// Reasoning-token price, USD per 1M tokens
    #[arg(long, value_name = "USD")]
    reasoning_per_mtok: Option<String>,
    /// Context window in tokens
    #[arg(long, value_name = "TOKENS")]
    context_window: Option<u64>,
    /// A note ("negotiated price", "our vLLM box")
    #[arg(long)]
    note: Option<String>,
    /// Also price this model's unpriced runs (recorded before it had a price) once, at this
    /// price; prints how many and their total. Runs that already have a cost never change.
    #[arg(long)]
    reprice_unpriced: bool,
}

pub fn run(open: impl Fn() -> Result<Ledger>, cmd: PricesCommand) -> Result<()> {
    match cmd {
        PricesCommand::List {
            provider,
            search,
            all_modes,
            json,
        } => {
            let pricer = open()?.pricer()?;
            let rows = pricer.list(&ModelFilter {
                search,
                provider,
                chat_only: !all_modes,
            });
            if json {
                return crate::print_json(&rows);
            }
            out!("{}", format::model_rows(&rows));
            eprintln!(
                "{} models · table {}",
                rows.len(),
                pricer.table().version().id
            );
            Ok(())
        }
        PricesCommand::Show {
            model,
            provider,
            json,
        } => {
            let provider = provider
                .as_deref()
                .map(str::parse::<ProviderKind>)
                .transpose()?;
            let pricer = open()?.pricer()?;
            let row = pricer.show(provider, &model)?;
            if json {
                return crate::print_json(&row);
            }
            out!("{}", format::model_rows(std::slice::from_ref(&row)));
            for t in &row.tiers {
                outln!(
                    "  prompts over {} tokens: input {}, output {} (whole request)",
                    format::thousands(t.above_tokens),
                    format::rate(t.input_nano_usd_per_mtok.or(row.input_nano_usd_per_mtok)),
                    format::rate(t.output_nano_usd_per_mtok.or(row.output_nano_usd_per_mtok)),
                );
            }
            if row.cache_write_nano_usd_per_mtok.is_some()
                || row.reasoning_nano_usd_per_mtok.is_some()
            {
                outln!(
                    "  cache write {} (5m), {} (1h); reasoning {}",
                    format::rate(row.cache_write_nano_usd_per_mtok),
                    format::rate(row.cache_write_1h_nano_usd_per_mtok),
                    format::rate(row.reasoning_nano_usd_per_mtok),
                );
            }
            Ok(())
        }
        PricesCommand::Set(a) => {
            let o = OverrideText {
                model: a.model,
                input: a.input_per_mtok,
                output: a.output_per_mtok,
                cached: a.cached_per_mtok,
                cache_write: a.cache_write_per_mtok,
                cache_write_1h: a.cache_write_1h_per_mtok,
                reasoning: a.reasoning_per_mtok,
                context_window: a.context_window,
                note: a.note,
            }
            .parse(promptledger_core::ledger::now_rfc3339())?;
            let mut ledger = open()?;
            ledger.set_override(&o)?;
            let pricer = ledger.pricer()?;
            let row = pricer.show(None, &o.model)?;
            outln!("saved: {} ({})", row.key, row.source);
            out!("{}", format::model_rows(std::slice::from_ref(&row)));
            if a.reprice_unpriced {
                let r = ledger.reprice_unpriced(&o.model, &pricer)?;
                outln!(
                    "priced {} unpriced run{} of {}: {} in total{}",
                    format::thousands(r.runs),
                    if r.runs == 1 { "" } else { "s" },
                    r.model,
                    r.cost_nano,
                    match r.still_unpriced {
                        0 => String::new(),
                        n => format!(" ({n} still without a price)"),
                    }
                );
            } else {
                match ledger.unpriced_run_count(&o.model)? {
                    0 => {}
                    n => eprintln!(
                        "{} run{} of {} {} unpriced; add --reprice-unpriced to price {} once at this price",
                        format::thousands(n),
                        if n == 1 { "" } else { "s" },
                        o.model,
                        if n == 1 { "is" } else { "are" },
                        if n == 1 { "it" } else { "them" },
                    ),
                }
            }
            Ok(())
        }
        PricesCommand::Unset { model } => {
            open()?.remove_override(model.trim())?;
            outln!("removed the override for {}", model.trim());
            Ok(())
        }
        PricesCommand::Import { file } => {
            let bytes = std::fs::read(&file).map_err(|source| CoreError::Io {
                action: "cannot read",
                path: file.display().to_string(),
                source,
            })?;
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
            let imported = open()?.import_price_table(&bytes, name.as_deref())?;
            outln!(
                "imported {} models; table in use: {}",
                imported.models,
                imported.version
            );
            Ok(())
        }
        PricesCommand::ResetTable => {
            let n = open()?.reset_price_tables()?;
            outln!(
                "withdrew {n} imported or updated table(s); pricing with the bundled table (they \
                 stay in the price history)"
            );
            Ok(())
        }
        PricesCommand::Update {
            url,
            yes,
            json,
            timeout,
        } => update(open()?, url, yes, json, timeout),
        PricesCommand::History { model, json } => {
            let points = open()?.price_history(&model)?;
            if json {
                return crate::print_json(&points);
            }
            out!("{}", format::rate_history(&points));
            Ok(())
        }
        PricesCommand::Tables { json } => {
            let tables = open()?.price_tables()?;
            if json {
                return crate::print_json(&tables);
            }
            out!("{}", format::price_tables(&tables));
            Ok(())
        }
    }
}

/// The JSON of `prices update` (the contract's fields plus the diff's details).
#[derive(serde::Serialize)]
struct UpdateJson<'a> {
    #[serde(flatten)]
    diff: &'a TableDiff,
    url: &'a str,
}

fn update(
    mut ledger: Ledger,
    url: Option<String>,
    yes: bool,
    json: bool,
    timeout: u64,
) -> Result<()> {
    let url = match url {
        Some(u) => update::check_url(&u)?,
        None => ledger.price_update_url()?,
    };
    if !json && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        eprintln!("downloading {url} …");
    }
    let bytes = crate::shared::runtime()?.block_on(update::download(
        &url,
        std::time::Duration::from_secs(timeout.max(1)),
    ))?;
    let (table, mut diff) = ledger.preview_price_table(&bytes)?;
    ledger.note_price_update_check()?;
    if yes && !diff.is_empty() {
        ledger.store_price_table(&table, &bytes, TableOrigin::Update, None, Some(&url))?;
        diff.applied = true;
    }
    if json {
        return crate::print_json(&UpdateJson {
            diff: &diff,
            url: &url,
        });
    }
    out!("{}", format::table_diff(&diff));
    if diff.is_empty() {
        outln!("the table in use already has these prices; nothing to apply");
    } else if diff.applied {
        outln!("applied: pricing with {} from now on", diff.to_version);
    } else {
        outln!("not applied: run again with --yes to price with it");
    }
    Ok(())
}
