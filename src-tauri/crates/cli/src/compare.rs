//! `promptledger compare`: one prompt on several models at once; a table of tokens, cost,
//! latency and time to first token per model, then the answers.

use clap::Args;
use promptledger_core::keys::KeyManager;
use promptledger_core::ledger::Ledger;
use promptledger_core::providers::{ChatRequest, Message, ProviderClient, Role};
use promptledger_core::runner::compare::{Column, summarize};
use promptledger_core::runner::view::RunView;
use promptledger_core::runner::{RunSpec, Runner};
use promptledger_core::vault::KeyringStore;
use promptledger_core::{CoreError, NanoUsd, ProviderKind, Result};
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

use crate::format;
use crate::run::NetArgs;

#[derive(Debug, Args)]
#[command(after_help = "Example:
  promptledger compare -m openai/gpt-4o-mini -m anthropic/claude-haiku-4-5 -m ollama/llama3.2 \"Explain CRDTs in two sentences\"")]
pub struct CompareArgs {
    /// A target as provider/model (2 to 6; repeat the flag)
    #[arg(
        long = "model",
        short = 'm',
        value_name = "PROVIDER/MODEL",
        required = true
    )]
    targets: Vec<String>,
    /// A saved key's id, used for targets of its provider
    #[arg(long, value_name = "ID")]
    key: Option<String>,
    /// System prompt for every target
    #[arg(long, short = 's')]
    system: Option<String>,
    /// Sampling temperature for every target
    #[arg(long, short = 't')]
    temperature: Option<f64>,
    /// Most output tokens per target
    #[arg(long, value_name = "N")]
    max_tokens: Option<u32>,
    /// Print the comparison as JSON
    #[arg(long)]
    json: bool,
    /// Also write the comparison as CSV (one row per target)
    #[arg(long, value_name = "FILE")]
    csv: Option<std::path::PathBuf>,
    /// Send it even if a block-mode budget would be broken (this comparison only)
    #[arg(long)]
    override_budget: bool,
    #[command(flatten)]
    net: NetArgs,
    /// The prompt; `-` (or nothing, with piped input) reads stdin
    prompt: Option<String>,
}

fn target(t: &str) -> Result<(ProviderKind, String)> {
    crate::run::target("--model", t)
}

/// Runs the comparison; returns whether every target completed.
pub fn run(ledger: Ledger, a: CompareArgs) -> Result<bool> {
    if !(2..=6).contains(&a.targets.len()) {
        return Err(CoreError::invalid("--model", "compare 2 to 6 targets"));
    }
    let prompt = crate::run::read_prompt(a.prompt)?;
    let pricer = ledger.pricer()?;
    let ledger = Arc::new(Mutex::new(ledger));
    let client = ProviderClient::new(a.net.settings()?)?;
    let keys = KeyManager::new(Arc::new(KeyringStore), client.clone(), ledger.clone());
    let mut columns = Vec::new();
    for t in &a.targets {
        let (provider, model) = target(t)?;
        let key = a.key.as_deref().filter(|id| {
            keys.endpoint(id)
                .is_ok_and(|(ep, _)| ep.provider == provider)
        });
        let (ep, rec) = crate::run::endpoint(provider, key, &a.net, &keys)?;
        let mut spec = RunSpec::new(
            ep,
            ChatRequest {
                model,
                system: a.system.clone(),
                messages: vec![Message {
                    role: Role::User,
                    content: prompt.clone(),
                }],
                temperature: a.temperature,
                max_tokens: a.max_tokens,
                stream: true,
            },
        );
        spec.key_id = rec.as_ref().map(|k| k.id.clone());
        spec.key_label = rec.map(|k| k.label);
        spec.policy.override_budget = a.override_budget;
        columns.push(Column {
            label: t.clone(),
            spec,
        });
    }
    let runner = Runner::new(client, ledger.clone(), pricer);
    let estimate = runner.estimate_compare(&columns)?;
    if !a.json {
        eprintln!(
            "estimate: {} – {} for {} targets",
            estimate.min_total,
            estimate.max_total,
            columns.len()
        );
    }
    // Budgets see the whole comparison (every column's worst case) before anything is sent.
    if !a.override_budget {
        estimate.refuse_if_blocked()?;
    }
    let labels: Vec<String> = columns.iter().map(|c| c.label.clone()).collect();
    let id = ledger
        .lock()
        .map_err(|_| CoreError::invalid("ledger", "a previous writer panicked"))?
        .create_comparison(&prompt, a.system.as_deref(), &labels)?;
    let cancel = CancellationToken::new();
    let outcomes = crate::run::runtime()?.block_on(async {
        let stopper = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stopper.cancel();
            }
        });
        runner.compare(id, &columns, &|_, _| {}, &cancel).await
    });
    let mut records = Vec::new();
    for o in outcomes {
        let out = o.result?;
        crate::run::print_alerts(&out.alerts);
        records.push(out.record);
    }
    let summary = summarize(&records.iter().map(Some).collect::<Vec<_>>());
    let views: Vec<RunView> = records.iter().map(RunView::from).collect();
    if let Some(path) = &a.csv {
        let l = ledger
            .lock()
            .map_err(|_| CoreError::invalid("ledger", "a previous writer panicked"))?;
        let bytes = promptledger_core::export::comparison_csv(&l, id)?;
        std::fs::write(path, bytes).map_err(|source| CoreError::Io {
            action: "cannot write",
            path: path.display().to_string(),
            source,
        })?;
    }
    if a.json {
        crate::print_json(
            &serde_json::json!({ "comparison_id": id, "runs": views, "summary": summary }),
        )?;
    } else {
        println!(
            "{:<3} {:<34} {:<11} {:>9} {:>9} {:>12} {:>9} {:>8}",
            "#", "model", "status", "in", "out", "cost", "latency", "TTFT"
        );
        for (i, v) in views.iter().enumerate() {
            let u = &v.usage;
            let label: String = labels[i].chars().take(34).collect();
            println!(
                "{:<3} {:<34} {:<11} {:>9} {:>9} {:>12} {:>8.2}s {:>8}",
                i + 1,
                label,
                v.status.as_str(),
                format::thousands(
                    u.input_tokens
                        + u.cached_input_tokens
                        + u.cache_write_tokens
                        + u.cache_write_1h_tokens
                ),
                format::thousands(u.output_tokens + u.reasoning_tokens),
                NanoUsd(v.cost_nano_usd).to_string(),
                v.latency_ms.unwrap_or(0) as f64 / 1000.0,
                v.ttft_ms
                    .map_or("—".into(), |t| format!("{:.2}s", t as f64 / 1000.0)),
            );
        }
        let name = |i: Option<usize>| i.map_or("—".to_string(), |i| labels[i].clone());
        println!(
            "cheapest: {} · fastest: {} · most output per $: {} · comparison {id}",
            name(summary.cheapest),
            name(summary.fastest),
            name(summary.most_output_per_dollar)
        );
        for (i, v) in views.iter().enumerate() {
            println!("\n── {} {} ──", i + 1, labels[i]);
            match &v.error {
                Some(e) => println!("error[{}]: {}", e.code, e.message),
                None => println!("{}", v.output),
            }
        }
    }
    Ok(views
        .iter()
        .all(|v| v.status == promptledger_core::ledger::runs::RunStatus::Ok))
}
