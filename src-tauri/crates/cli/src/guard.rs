//! `promptledger budget`, `cache` and `health`: spending limits with alerts, the response cache,
//! and how each provider and key has been doing.

use clap::{Args, Subcommand};
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::budgets::{BudgetMode, BudgetPeriod, BudgetScope, NewBudget};
use promptledger_core::{CoreError, NanoUsd, Result};

use crate::format::thousands;

#[derive(Debug, Subcommand)]
pub enum BudgetCommand {
    /// Add a budget: a USD limit per day, week or month on everything, a provider, a model, a
    /// key, a tag or an operation
    Add(Box<BudgetAddArgs>),
    /// Budgets with what they have spent this period
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Remove a budget
    Remove {
        /// The budget's id (see `budget list`)
        id: i64,
    },
    /// Budget alerts of the current periods
    Alerts {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  promptledger budget add --name \"Daily cap\" --limit 5 --period day --mode block
  promptledger budget add --name \"Claude this month\" --limit 40 --period month --provider anthropic
  promptledger budget add --name \"Embeddings\" --limit 2 --period day --operation embedding")]
pub struct BudgetAddArgs {
    /// Name shown in alerts
    #[arg(long)]
    name: String,
    /// Limit in USD (e.g. 5 or 0.50)
    #[arg(long, value_name = "USD")]
    limit: String,
    /// day, week (Monday to Sunday) or month, in local time
    #[arg(long, default_value = "month")]
    period: String,
    /// warn (alerts only) or block (runs that would break it are not sent)
    #[arg(long, default_value = "warn")]
    mode: String,
    /// Only this provider's runs
    #[arg(long, group = "scope")]
    provider: Option<String>,
    /// Only this model's runs
    #[arg(long, group = "scope")]
    model: Option<String>,
    /// Only this key's runs (its id)
    #[arg(long, group = "scope")]
    key: Option<String>,
    /// Only this tag's runs
    #[arg(long, group = "scope")]
    tag: Option<String>,
    /// Only this operation's runs: chat, embedding, image, transcription or speech
    #[arg(long, group = "scope", value_name = "OPERATION")]
    operation: Option<String>,
}

pub fn budget(mut ledger: Ledger, cmd: BudgetCommand) -> Result<()> {
    match cmd {
        BudgetCommand::Add(a) => {
            let limit = NanoUsd::from_usd_str(&a.limit).ok_or_else(|| {
                CoreError::invalid("--limit", format!("`{}` is not an amount in USD", a.limit))
            })?;
            let scope = if let Some(p) = a.provider {
                BudgetScope::Provider(
                    p.parse::<promptledger_core::ProviderKind>()?
                        .as_str()
                        .into(),
                )
            } else if let Some(m) = a.model {
                BudgetScope::Model(m)
            } else if let Some(k) = a.key {
                ledger.key(&k)?;
                BudgetScope::Key(k)
            } else if let Some(t) = a.tag {
                BudgetScope::Tag(t)
            } else if let Some(o) = a.operation {
                BudgetScope::Operation(o)
            } else {
                BudgetScope::All
            };
            let b = ledger.add_budget(&NewBudget {
                name: a.name,
                scope,
                period: a.period.parse::<BudgetPeriod>()?,
                limit_nano: limit,
                mode: a.mode.parse::<BudgetMode>()?,
            })?;
            outln!(
                "budget {} added: “{}”, {} per {}",
                b.id,
                b.name,
                b.limit_nano,
                a.period
            );
            Ok(())
        }
        BudgetCommand::List { json } => {
            let list = ledger.budget_statuses()?;
            if json {
                return crate::print_json(&list);
            }
            if list.is_empty() {
                outln!("no budgets (add one with `promptledger budget add`)");
            }
            for s in list {
                let b = &s.budget;
                let scope = b.scope.describe();
                outln!(
                    "{:>4}  {:<24} {:<22} {:>10} / {:<10} {:>5.0} %  {:?} {:?}, {} – {}",
                    b.id,
                    b.name,
                    scope,
                    s.spent_nano.to_string(),
                    b.limit_nano.to_string(),
                    s.used * 100.0,
                    b.mode,
                    b.period,
                    s.period_start,
                    s.period_end
                );
            }
            Ok(())
        }
        BudgetCommand::Remove { id } => {
            ledger.remove_budget(id)?;
            outln!("budget {id} removed");
            Ok(())
        }
        BudgetCommand::Alerts { json } => {
            let alerts = ledger.budget_alerts(true)?;
            if json {
                return crate::print_json(&alerts);
            }
            for a in alerts {
                outln!("{}", a.message());
            }
            Ok(())
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Drop every cached answer
    Clear,
    /// How many answers are cached and how often they were reused
    Stats,
}

pub fn cache(mut ledger: Ledger, cmd: CacheCommand) -> Result<()> {
    match cmd {
        CacheCommand::Clear => {
            let n = ledger.cache_clear()?;
            outln!("{} cached answers dropped", thousands(n as u64));
        }
        CacheCommand::Stats => {
            let s = ledger.cache_stats()?;
            outln!(
                "{} cached answers, reused {} times",
                thousands(s.entries as u64),
                thousands(s.hits as u64)
            );
        }
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Print JSON
    #[arg(long)]
    json: bool,
}

pub fn health(ledger: &Ledger, a: HealthArgs) -> Result<()> {
    let h = ledger.health()?;
    if a.json {
        return crate::print_json(&h);
    }
    let labels = ledger.keys()?;
    for x in h.providers.iter().chain(&h.keys) {
        let name = match &x.key_id {
            Some(k) => format!(
                "  key “{}”",
                labels
                    .iter()
                    .find(|r| &r.id == k)
                    .map_or(k.as_str(), |r| r.label.as_str())
            ),
            None => x.provider.clone(),
        };
        let rate = x
            .success_rate
            .map_or_else(|| "–".into(), |r| format!("{:.0} %", r * 100.0));
        let p50 = x
            .p50_latency_ms
            .map_or_else(|| "–".into(), |ms| format!("{:.2} s", ms as f64 / 1000.0));
        let last = match (&x.last_error_code, x.last_error_at_ms) {
            (Some(c), Some(t)) => format!(
                ", last error {c} at {}",
                chrono::DateTime::from_timestamp_millis(t)
                    .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default()
            ),
            _ => String::new(),
        };
        outln!(
            "{name:<28} {:>3} runs  success {rate:>5}  p50 {p50:>7}{}{last}",
            x.runs,
            if x.degraded { "  DEGRADED" } else { "" }
        );
    }
    Ok(())
}
