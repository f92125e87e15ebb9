//! `promptledger compare`: one prompt (or template) on several models at once; a table of
//! tokens, cost, latency and time to first token per model, then the answers. The flags become
//! one [`CompareRequest`]; the core's run service checks, prices and saves it.

use clap::Args;
use promptledger_core::error::lock;
use promptledger_core::ledger::Ledger;
use promptledger_core::runner::compare::summarize;
use promptledger_core::runner::view::RunView;
use promptledger_core::runner::{CompareRequest, TargetRequest};
use promptledger_core::{CoreError, Result};
use tokio_util::sync::CancellationToken;

use crate::format;
use crate::shared::{NetArgs, print_alerts, prompt_input, run_until_done, service};

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
    /// Fill a saved template (for every target) instead of giving a prompt
    #[arg(long, value_name = "NAME", conflicts_with = "prompt")]
    template: Option<String>,
    /// A template variable (repeatable)
    #[arg(long = "var", value_name = "NAME=VALUE", requires = "template")]
    vars: Vec<String>,
    #[command(flatten)]
    net: NetArgs,
    /// The prompt; `-` (or nothing, with piped input) reads stdin
    prompt: Option<String>,
}

/// Runs the comparison; returns whether every target completed.
pub fn run(ledger: Ledger, a: CompareArgs) -> Result<bool> {
    let targets = a
        .targets
        .iter()
        .map(|t| {
            let target = TargetRequest::parse("--model", t)?;
            Ok(TargetRequest {
                temperature: a.temperature,
                max_tokens: a.max_tokens,
                ..a.net.apply(target)
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let prompt = prompt_input(a.template, &a.vars, a.prompt)?;
    let req = CompareRequest {
        system: a.system,
        shared_key: a.key,
        override_budget: a.override_budget,
        ..CompareRequest::new(targets, prompt)
    };
    let service = service(ledger, a.net.settings()?)?;
    let prepared = service.prepare_compare(&req)?;
    let id = prepared.id;
    let labels: Vec<String> = prepared.columns.iter().map(|(l, _)| l.clone()).collect();
    if !a.json {
        let unpriced = prepared
            .estimate
            .columns
            .iter()
            .filter(|e| e.unpriced)
            .count();
        eprintln!(
            "estimate: {} – {} for {} targets{}",
            prepared.estimate.min_total,
            prepared.estimate.max_total,
            labels.len(),
            match unpriced {
                0 => String::new(),
                n => format!(" ({n} without a price: their cost will be recorded as unpriced)"),
            }
        );
    }
    let cancel = CancellationToken::new();
    let outcomes = run_until_done(&cancel, service.compare(prepared, &|_, _| {}, &cancel))?;
    let mut records = Vec::new();
    for o in outcomes {
        let out = o.result?;
        print_alerts(&out.alerts);
        records.push(out.record);
    }
    let summary = summarize(&records.iter().map(Some).collect::<Vec<_>>());
    let views: Vec<RunView> = records.iter().map(RunView::from).collect();
    if let Some(path) = &a.csv {
        let bytes = promptledger_core::export::comparison_csv(
            &*lock(service.runner().ledger(), "ledger")?,
            id,
        )?;
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
        outln!(
            "{:<3} {:<34} {:<11} {:>9} {:>9} {:>12} {:>9} {:>8}",
            "#",
            "model",
            "status",
            "in",
            "out",
            "cost",
            "latency",
            "TTFT"
        );
        for (i, v) in views.iter().enumerate() {
            let u = &v.usage;
            let label: String = labels[i].chars().take(34).collect();
            outln!(
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
                format::cost(v.cost_nano_usd),
                v.latency_ms.unwrap_or(0) as f64 / 1000.0,
                v.ttft_ms
                    .map_or("—".into(), |t| format!("{:.2}s", t as f64 / 1000.0)),
            );
        }
        let name = |i: Option<usize>| i.map_or("—".to_string(), |i| labels[i].clone());
        outln!(
            "cheapest: {} · fastest: {} · most output per $: {} · comparison {id}",
            name(summary.cheapest),
            name(summary.fastest),
            name(summary.most_output_per_dollar)
        );
        for (i, v) in views.iter().enumerate() {
            outln!("\n── {} {} ──", i + 1, labels[i]);
            match &v.error {
                Some(e) => outln!("error[{}]: {}", e.code, e.message),
                None => outln!("{}", v.output),
            }
        }
    }
    Ok(views
        .iter()
        .all(|v| v.status == promptledger_core::ledger::runs::RunStatus::Ok))
}
