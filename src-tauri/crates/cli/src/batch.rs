//! `promptledger batch`: one prompt over every row of a CSV or JSON Lines file, live or through
//! a provider's Batch API. `run` checks and estimates the whole job, then runs it (a progress bar
//! on stderr when it is a terminal); `resume` goes on after a pause or a killed process;
//! `status` polls a provider batch; `results` writes CSV or JSON Lines. The first Ctrl-C pauses
//! (rows in flight finish and are recorded), a second one cancels them.

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use promptledger_core::batch::results::ResultFormat;
use promptledger_core::batch::service::{DEFAULT_CONCURRENCY, JobPrompt};
use promptledger_core::batch::{
    BatchMode, BatchService, Dataset, JobControl, JobEstimate, JobRequest, JobStatus, JobSummary,
};
use promptledger_core::ledger::Ledger;
use promptledger_core::runner::TargetRequest;
use promptledger_core::{CoreError, NanoUsd, Result};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use crate::format;
use crate::shared::{NetArgs, runtime, service};

/// `run`, `resume` and `status` exit with status 1 when the job ended with failed rows, or did
/// not end (paused, cancelled); the summary says which.
#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// Check, estimate and run a job: one prompt over every row of a dataset
    Run(Box<RunArgs>),
    /// Every job, newest first
    List(JsonArg),
    /// A job's progress (a provider job is polled first)
    Status(IdArgs),
    /// Go on with a paused, interrupted or submitted job (no flags needed)
    Resume(ResumeArgs),
    /// Pause a live job another process is running (it finishes the rows in flight)
    Pause(IdArgs),
    /// Cancel a job (a provider batch is cancelled at the provider)
    Cancel(IdArgs),
    /// Write a job's results: one line per dataset row × target
    Results(ResultsArgs),
}

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 when every row × target completed (or a provider batch was
submitted); 1 when some failed, or the job was paused or cancelled — the summary says which.

Examples:
  promptledger batch run --template classify --data tickets.csv -m openai/gpt-4o-mini --estimate-only
  promptledger batch run --prompt 'Summarise: {{text}}' --data docs.jsonl -m anthropic/claude-haiku-4-5 --mode provider
  promptledger batch run --template classify --data tickets.csv -m openai/gpt-4o-mini --concurrency 16 --rpm 6000"
)]
pub struct RunArgs {
    /// A saved template whose {{variables}} are the dataset's columns
    #[arg(long, value_name = "NAME", required_unless_present = "prompt")]
    template: Option<String>,
    /// The prompt, with {{column}} placeholders, instead of a template
    #[arg(long, value_name = "TEXT", conflicts_with = "template")]
    prompt: Option<String>,
    /// The dataset: CSV with a header row, or JSON Lines (.jsonl)
    #[arg(long, value_name = "FILE")]
    data: PathBuf,
    /// A target as provider/model (repeat the flag for several)
    #[arg(
        long = "model",
        short = 'm',
        value_name = "PROVIDER/MODEL",
        required = true
    )]
    targets: Vec<String>,
    /// A saved key's id, used for the targets of its provider
    #[arg(long, value_name = "ID")]
    key: Option<String>,
    /// System prompt for every target
    #[arg(long, short = 's')]
    system: Option<String>,
    /// Sampling temperature for every target
    #[arg(long, short = 't')]
    temperature: Option<f64>,
    /// Most output tokens per request
    #[arg(long, value_name = "N")]
    max_tokens: Option<u32>,
    /// live (now, standard prices) or provider (the provider's Batch API: within 24 h, ~50 % off)
    #[arg(long, default_value = "live", value_name = "MODE")]
    mode: String,
    /// chat (each row is a prompt) or embedding (each row's text is embedded; live only)
    #[arg(long, default_value = "chat", value_name = "OPERATION")]
    operation: String,
    /// Requests at once (live)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY)]
    concurrency: u32,
    /// Requests per minute at most (live)
    #[arg(long, value_name = "N")]
    rpm: Option<u32>,
    /// Tokens per minute at most (live)
    #[arg(long, value_name = "N")]
    tpm: Option<u32>,
    /// Tag every run with this tag or project
    #[arg(long)]
    tag: Option<String>,
    /// The job's name (default: the file's)
    #[arg(long)]
    name: Option<String>,
    /// Only print the estimate; send and save nothing
    #[arg(long)]
    estimate_only: bool,
    /// Run it even if a block-mode budget would be broken (this job only)
    #[arg(long)]
    override_budget: bool,
    /// Provider mode: wait for the provider to finish (polling), instead of returning once it
    /// is submitted
    #[arg(long)]
    wait: bool,
    /// Seconds between polls with --wait
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    poll_every: f64,
    /// Print JSON (no progress bar)
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    net: NetArgs,
}

#[derive(Debug, Args)]
pub struct JsonArg {
    /// Print JSON
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct IdArgs {
    /// The job's id
    id: i64,
    /// Print JSON
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The job's id
    id: i64,
    /// Provider mode: wait for the provider to finish
    #[arg(long)]
    wait: bool,
    /// Seconds between polls with --wait
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    poll_every: f64,
    /// Print JSON (no progress bar)
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ResultsArgs {
    /// The job's id
    id: i64,
    /// Write CSV here (the dataset's columns, then target, status, output, input_tokens,
    /// output_tokens, cost_usd, run_id)
    #[arg(long, value_name = "FILE", required_unless_present = "jsonl")]
    csv: Option<PathBuf>,
    /// Write JSON Lines here
    #[arg(long, value_name = "FILE", conflicts_with = "csv")]
    jsonl: Option<PathBuf>,
}

/// Runs a `batch` subcommand; `Ok(false)` when the job did not end done without failures.
pub fn run(ledger: Ledger, cmd: BatchCommand) -> Result<bool> {
    match cmd {
        BatchCommand::Run(a) => run_job(ledger, *a),
        BatchCommand::List(a) => {
            let svc = batch_service(ledger, &NetArgs::default())?;
            let jobs = svc.list()?;
            if a.json {
                crate::print_json(&jobs)?;
            } else if jobs.is_empty() {
                outln!("no batch jobs yet: promptledger batch run --help");
            } else {
                for j in &jobs {
                    outln!("{}", line(j));
                }
            }
            Ok(true)
        }
        BatchCommand::Status(a) => {
            let svc = batch_service(ledger, &NetArgs::default())?;
            let job = svc.job(a.id)?;
            let s = if job.mode == BatchMode::Provider {
                runtime()?.block_on(svc.poll(a.id))?
            } else {
                svc.summary(a.id)?
            };
            print_summary(&s, a.json)?;
            Ok(ended_well(&s))
        }
        BatchCommand::Resume(a) => {
            let svc = batch_service(ledger, &NetArgs::default())?;
            let s = drive(&svc, a.id, a.json, a.wait, a.poll_every)?;
            print_summary(&s, a.json)?;
            Ok(ended_well(&s))
        }
        BatchCommand::Pause(a) => {
            let svc = batch_service(ledger, &NetArgs::default())?;
            let s = svc.pause(a.id)?;
            print_summary(&s, a.json)?;
            Ok(true)
        }
        BatchCommand::Cancel(a) => {
            let svc = batch_service(ledger, &NetArgs::default())?;
            let s = runtime()?.block_on(svc.cancel(a.id))?;
            print_summary(&s, a.json)?;
            Ok(true)
        }
        BatchCommand::Results(a) => {
            let svc = batch_service(ledger, &NetArgs::default())?;
            let (path, format) = match (a.csv, a.jsonl) {
                (Some(p), _) => (p, ResultFormat::Csv),
                (None, Some(p)) => (p, ResultFormat::Jsonl),
                (None, None) => {
                    return Err(CoreError::invalid(
                        "results",
                        "give --csv FILE or --jsonl FILE",
                    ));
                }
            };
            let (path, n) = svc.export_results(a.id, &path, format)?;
            eprintln!("wrote {} to {}", format::counted(n, "line"), path.display());
            Ok(true)
        }
    }
}

fn batch_service(ledger: Ledger, net: &NetArgs) -> Result<BatchService> {
    Ok(BatchService::new(service(ledger, net.settings()?)?))
}

fn run_job(ledger: Ledger, a: RunArgs) -> Result<bool> {
    let mode = BatchMode::parse(&a.mode)?;
    let dataset = Dataset::load(&a.data)?;
    let shared_key = a.key.as_deref().map(|k| ledger.key(k.trim())).transpose()?;
    let targets = a
        .targets
        .iter()
        .map(|t| {
            let mut target = a.net.apply(TargetRequest::parse("--model", t)?);
            target.temperature = a.temperature;
            target.max_tokens = a.max_tokens;
            target.adopt_shared_key(shared_key.as_ref());
            Ok(target)
        })
        .collect::<Result<Vec<_>>>()?;
    let prompt = match (a.template, a.prompt) {
        (Some(t), _) => JobPrompt::Template(t),
        (None, Some(p)) => JobPrompt::Text(p),
        (None, None) => {
            return Err(CoreError::invalid(
                "prompt",
                "give --template NAME or --prompt TEXT",
            ));
        }
    };
    let req = JobRequest {
        system: a.system,
        mode,
        concurrency: a.concurrency,
        rpm: a.rpm,
        tpm: a.tpm,
        tag: a.tag,
        override_budget: a.override_budget,
        name: a.name,
        operation: a.operation.parse()?,
        ..JobRequest::new(prompt, dataset, targets)
    };
    let svc = batch_service(ledger, &a.net)?;
    if a.estimate_only {
        let e = svc.estimate(&req)?;
        if a.json {
            crate::print_json(&estimate_json(&e))?;
        } else {
            print_estimate(&e, mode);
        }
        return Ok(true);
    }
    let job = svc.create(&req)?;
    if !a.json {
        print_estimate(&job.estimate, mode);
        eprintln!(
            "job {} saved: `promptledger batch resume {}` goes on if it stops",
            job.id, job.id
        );
    }
    let s = drive(&svc, job.id, a.json, a.wait, a.poll_every)?;
    print_summary(&s, a.json)?;
    Ok(ended_well(&s))
}

/// The estimate's JSON: the contract's fields, then the detail.
fn estimate_json(e: &JobEstimate) -> serde_json::Value {
    serde_json::json!({
        "rows": e.rows,
        "targets": e.targets,
        "live": e.live,
        "batch": e.batch,
        "input_tokens": e.input_tokens,
        "per_target": e.per_target,
        "budgets": e.budgets,
    })
}

fn print_estimate(e: &JobEstimate, mode: BatchMode) {
    let range = |min: NanoUsd, max: NanoUsd| {
        format!("{}–{}", format::cost(Some(min)), format::cost(Some(max)))
    };
    eprintln!(
        "{} × {} · {} input tokens per target",
        format::counted(e.rows as usize, "row"),
        format::counted(e.targets as usize, "target"),
        format::thousands(e.input_tokens)
    );
    let batch = match e.batch {
        Some(b) => format!(
            "{} as a batch, done within 24 h",
            range(b.min_nano, b.max_nano)
        ),
        None => "no provider batch for every target".into(),
    };
    eprintln!(
        "estimate: {} live, {batch}",
        range(e.live.min_nano, e.live.max_nano)
    );
    for t in &e.per_target {
        let b = match (&t.batch, &t.batch_unavailable) {
            (Some(b), _) => format!(
                "{} batch{}",
                range(b.min_nano, b.max_nano),
                match t.batch_rates.as_deref() {
                    Some("batch") | None => String::new(),
                    Some(other) => format!(" ({other})"),
                }
            ),
            (None, Some(why)) => why.clone(),
            (None, None) => "—".into(),
        };
        eprintln!(
            "  {}: {} live · {}{}",
            t.label,
            range(t.live.min_nano, t.live.max_nano),
            b,
            if t.unpriced {
                " · no price known: recorded as unpriced"
            } else {
                ""
            }
        );
    }
    for c in e.budgets.iter().filter(|c| c.would_exceed) {
        eprintln!(
            "budget: {} ({} left) would be exceeded by this job's worst case as {}",
            c.status.budget.name,
            c.status.remaining_nano.to_short_usd(),
            mode.as_str()
        );
    }
}

fn ended_well(s: &JobSummary) -> bool {
    match s.status {
        JobStatus::Done => s.failed == 0,
        JobStatus::Submitted => true,
        _ => false,
    }
}

/// One line per job.
fn line(s: &JobSummary) -> String {
    format!(
        "{:>4}  {:<11} {:<8} {}/{} done{}  {}  {}",
        s.job_id,
        s.status.as_str(),
        s.mode.as_str(),
        format::thousands(s.done as u64),
        format::thousands(s.total as u64),
        if s.failed > 0 {
            format!(" ({} failed)", format::thousands(s.failed as u64))
        } else {
            String::new()
        },
        format::cost(Some(s.cost_nano_usd)),
        s.name
    )
}

fn print_summary(s: &JobSummary, json: bool) -> Result<()> {
    if json {
        return crate::print_json(s);
    }
    outln!("{}", line(s));
    if s.saved_nano_usd > NanoUsd::ZERO {
        outln!(
            "      saved {} with batch prices",
            format::cost(Some(s.saved_nano_usd))
        );
    }
    if let Some(n) = &s.note {
        outln!("      {n}");
    }
    match s.status {
        JobStatus::Paused | JobStatus::Interrupted => {
            outln!("      resume with: promptledger batch resume {}", s.job_id)
        }
        JobStatus::Submitted => outln!(
            "      the provider is working on it: promptledger batch status {}",
            s.job_id
        ),
        _ => {}
    }
    Ok(())
}

/// Runs (or resumes) job `id`: a live job to its end, a provider job submitted (and, with
/// `wait`, polled until it ends). Ctrl-C pauses; a second Ctrl-C cancels the rows in flight.
fn drive(
    svc: &BatchService,
    id: i64,
    json: bool,
    wait: bool,
    poll_every: f64,
) -> Result<JobSummary> {
    let control = JobControl::default();
    let bar = progress_bar(json);
    let rt = runtime()?;
    let out = rt.block_on(async {
        let stopper = control.clone();
        let signals = tokio::spawn(async move {
            crate::shared::stop_requested().await;
            eprintln!(
                "pausing: the rows in flight finish and are recorded (Ctrl-C again cancels them)"
            );
            stopper.pause.cancel();
            crate::shared::stop_requested().await;
            stopper.cancel.cancel();
        });
        let on_progress = |s: &JobSummary| show(&bar, s);
        let mut s = svc.run(id, &control, &on_progress).await;
        if wait && let Ok(summary) = &s {
            let every = Duration::try_from_secs_f64(poll_every.max(0.05))
                .unwrap_or(Duration::from_secs(30));
            let mut summary = summary.clone();
            while summary.status == JobStatus::Submitted && !control.pause.is_cancelled() {
                show(&bar, &summary);
                tokio::select! {
                    () = tokio::time::sleep(every) => {}
                    () = control.pause.cancelled() => break,
                }
                summary = match svc.poll(id).await {
                    Ok(x) => x,
                    Err(e) => {
                        s = Err(e);
                        break;
                    }
                };
                s = Ok(summary.clone());
            }
        }
        signals.abort();
        s
    });
    bar.finish_and_clear();
    out
}

fn progress_bar(json: bool) -> ProgressBar {
    if json || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} {msg} · ETA {eta}")
    {
        bar.set_style(style.progress_chars("█▉ "));
    }
    bar
}

fn show(bar: &ProgressBar, s: &JobSummary) {
    bar.set_length(s.total as u64);
    bar.set_position((s.done + s.failed) as u64);
    bar.set_message(format!(
        "· {} failed · {} so far · ~{} in all",
        s.failed,
        format::cost(Some(s.cost_nano_usd)),
        format::cost(Some(s.projected_nano_usd))
    ));
}
