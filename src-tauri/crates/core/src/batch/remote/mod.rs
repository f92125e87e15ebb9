//! Provider batches: a job's rows submitted to OpenAI's Batch API or Anthropic's Message
//! Batches, polled, and their results recorded as runs priced at batch rates.
//!
//! - **Submit**: each target's rows not yet submitted go in batches of at most the provider's
//!   limit. A submission row is written (reserving its worst case against block budgets) before
//!   anything is uploaded, and gets the provider's id once the batch exists. One still
//!   `preparing` after a crash is looked up at the provider before anything is sent again.
//! - **Poll**: a batch that ended has its results read and matched by `custom_id` (they come
//!   back in any order, and partial). Completed lines are priced at the table's batch rates
//!   (else the provider's documented discount, labelled); errored, expired and cancelled lines
//!   are recorded as such and cost nothing; rows missing from the results are recorded as
//!   errors. All of one batch's runs are written in one transaction with its `recorded` mark.

mod anthropic;
mod openai;

use serde_json::Value;

use crate::ProviderKind;
use crate::batch::service::{BatchService, summary_of, user};
use crate::batch::{BatchJob, JobStatus, JobSummary};
use crate::error::{CoreError, Result, lock};
use crate::ledger::batch_jobs::Submission;
use crate::ledger::runs::{BatchLink, NewRun, RunStatus};
use crate::money::NanoUsd;
use crate::pricing::{Billing, CostSource, PricedUsage};
use crate::providers::{End, Endpoint, batch_body, batch_error, read_answer};
use crate::runner::RunSpec;

/// The Batch APIs this module speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    /// OpenAI Files + Batches.
    OpenAi,
    /// Anthropic Message Batches.
    Anthropic,
}

/// The Batch API of `provider`, when PromptLedger speaks it.
pub(crate) fn api_of(provider: ProviderKind) -> Option<Api> {
    match provider {
        ProviderKind::Openai => Some(Api::OpenAi),
        ProviderKind::Anthropic => Some(Api::Anthropic),
        _ => None,
    }
}

impl Api {
    fn limits(self) -> (usize, usize) {
        match self {
            Api::OpenAi => (openai::MAX_REQUESTS, openai::MAX_BYTES),
            Api::Anthropic => (anthropic::MAX_REQUESTS, anthropic::MAX_BYTES),
        }
    }
}

/// A batch the provider created.
pub(crate) struct Created {
    pub(crate) remote_id: String,
    pub(crate) input_file_id: Option<String>,
}

/// Where a provider batch stands.
pub(crate) struct RemoteState {
    /// The provider's status word.
    pub(crate) status: String,
    /// Nothing more will change: its results can be read.
    pub(crate) ended: bool,
    /// The provider refused the whole batch (OpenAI validation), and why.
    pub(crate) failed: Option<String>,
    /// It was cancelled (or is being).
    pub(crate) cancelled: bool,
    /// Its request counts, as the provider gives them.
    pub(crate) counts: Option<String>,
    /// OpenAI's output and error files.
    pub(crate) files: Vec<String>,
}

/// One result line.
pub(crate) struct Line {
    pub(crate) custom_id: String,
    pub(crate) request_id: Option<String>,
    pub(crate) outcome: Outcome,
}

/// What a request of a batch came to.
pub(crate) enum Outcome {
    /// The normal answer body.
    Succeeded(Value),
    /// An error answer (HTTP status and body).
    Errored { status: u16, body: Value },
    /// The window passed before it ran.
    Expired,
    /// Cancelled before it ran.
    Canceled,
}

pub(crate) fn invalid(ep: &Endpoint, e: impl std::fmt::Display) -> CoreError {
    crate::providers::invalid_response(ep.provider, format!("batch API: {e}"))
}

pub(crate) fn parse_jsonl(ep: &Endpoint, bytes: &[u8]) -> Result<Vec<Value>> {
    let text = std::str::from_utf8(bytes).map_err(|e| invalid(ep, e))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(|e| invalid(ep, e)))
        .collect()
}

/// `r{row}-t{target}`: unique within a batch, and within Anthropic's `^[a-zA-Z0-9_-]{1,64}$`.
fn custom_id(row: i64, target: i64) -> String {
    format!("r{row}-t{target}")
}

fn parse_custom_id(id: &str) -> Option<(i64, i64)> {
    let (r, t) = id.strip_prefix('r')?.split_once("-t")?;
    Some((r.parse().ok()?, t.parse().ok()?))
}

fn nonce() -> String {
    crate::ids::random_hex(8)
}

/// Submits every row × target of `job` not submitted (nor recorded) yet.
pub(crate) async fn submit(svc: &BatchService, job: &BatchJob) -> Result<()> {
    if !job.status.is_open() {
        return Ok(());
    }
    let specs = svc.resolve(job)?;
    let prompts = svc.prompts(job)?;
    let client = svc.runs().runner().client().clone();
    let ledger = svc.runs().runner().ledger().clone();
    // A submission left `preparing` by a process that ended is found (or re-sent) first.
    recover(svc, job, &specs).await?;
    let (subs, sent) = {
        let l = lock(&ledger, "ledger")?;
        (l.submissions(job.id)?, l.batch_sent(job.id)?)
    };
    for (t, spec) in specs.iter().enumerate() {
        let t = t as i64;
        let api = api_of(spec.endpoint.provider)
            .ok_or_else(|| CoreError::invalid("mode", "this target's provider has no Batch API"))?;
        let covered = |row: i64| {
            sent.contains(&(row, t))
                || subs.iter().any(|s| {
                    s.target_index == t
                        && s.status != "failed"
                        && (s.first_row..=s.last_row).contains(&row)
                })
        };
        let rows: Vec<i64> = (1..=job.rows).filter(|r| !covered(*r)).collect();
        let (max_requests, max_bytes) = api.limits();
        let mut chunk: Vec<(String, Value)> = Vec::new();
        let mut chunk_rows: Vec<i64> = Vec::new();
        let mut bytes = 0;
        for row in rows {
            let mut s = spec.clone();
            s.chat.messages = vec![user(&prompts[(row - 1) as usize])];
            let body = batch_body(&s.endpoint, &s.chat);
            let size = body.to_string().len() + 128;
            // A chunk ends at the provider's limits, and where the rows stop being consecutive.
            if !chunk.is_empty()
                && (chunk.len() == max_requests
                    || bytes + size > max_bytes
                    || chunk_rows.last().is_some_and(|l| *l + 1 != row))
            {
                send_chunk(svc, job, t, spec, api, &chunk, &chunk_rows, &client).await?;
                chunk.clear();
                chunk_rows.clear();
                bytes = 0;
            }
            bytes += size;
            chunk.push((custom_id(row, t), body));
            chunk_rows.push(row);
        }
        if !chunk.is_empty() {
            send_chunk(svc, job, t, spec, api, &chunk, &chunk_rows, &client).await?;
        }
    }
    Ok(())
}

/// Writes one submission, then creates its batch at the provider.
#[allow(clippy::too_many_arguments)]
async fn send_chunk(
    svc: &BatchService,
    job: &BatchJob,
    t: i64,
    spec: &RunSpec,
    api: Api,
    lines: &[(String, Value)],
    rows: &[i64],
    client: &crate::providers::ProviderClient,
) -> Result<()> {
    let ledger = svc.runs().runner().ledger().clone();
    let nonce = nonce();
    // The target's worst case as a batch, in proportion to the rows this batch carries.
    let reserved = job
        .estimate
        .per_target
        .get(t as usize)
        .and_then(|e| e.batch.or(Some(e.live)))
        .map_or(NanoUsd::ZERO, |r| {
            let part = i128::from(r.max_nano.0) * lines.len() as i128 / i128::from(job.rows.max(1));
            NanoUsd(i64::try_from(part).unwrap_or(i64::MAX))
        });
    let first = rows.first().copied().unwrap_or(1);
    let last = rows.last().copied().unwrap_or(first);
    let id = lock(&ledger, "ledger")?.insert_submission(
        job.id,
        t,
        (first, last),
        &nonce,
        &spec.scope(),
        reserved,
    )?;
    let created = match api {
        Api::OpenAi => openai::create(client, &spec.endpoint, lines, &nonce, job.id).await,
        Api::Anthropic => anthropic::create(client, &spec.endpoint, lines).await,
    };
    let mut l = lock(&ledger, "ledger")?;
    match created {
        Ok(c) => l.update_submission(
            id,
            "submitted",
            Some((&c.remote_id, c.input_file_id.as_deref())),
            None,
            None,
            None,
        ),
        Err(e) => {
            // Nothing was created: the rows stay unsubmitted for the next try.
            l.update_submission(id, "failed", None, None, None, Some(&e.to_string()))?;
            l.set_batch_status(job.id, JobStatus::Submitted, Some(&e.to_string()))?;
            Err(e)
        }
    }
}

/// Finds at the provider each submission a process left `preparing` (it may have created the
/// batch before it ended), or marks it failed so its rows are submitted again.
async fn recover(svc: &BatchService, job: &BatchJob, specs: &[RunSpec]) -> Result<()> {
    let ledger = svc.runs().runner().ledger().clone();
    let client = svc.runs().runner().client().clone();
    let stale: Vec<Submission> = lock(&ledger, "ledger")?
        .submissions(job.id)?
        .into_iter()
        .filter(|s| s.status == "preparing")
        .collect();
    for s in stale {
        let Some(spec) = specs.get(s.target_index as usize) else {
            continue;
        };
        let found = match api_of(spec.endpoint.provider) {
            Some(Api::OpenAi) => openai::find(&client, &spec.endpoint, &s.nonce).await?,
            Some(Api::Anthropic) => {
                anthropic::find(
                    &client,
                    &spec.endpoint,
                    s.prepared_at_ms,
                    s.last_row - s.first_row + 1,
                )
                .await?
            }
            None => None,
        };
        let mut l = lock(&ledger, "ledger")?;
        match found {
            Some(remote) => {
                l.update_submission(s.id, "submitted", Some((&remote, None)), None, None, None)?
            }
            None => l.update_submission(
                s.id,
                "failed",
                None,
                None,
                None,
                Some("not created at the provider (PromptLedger ended first)"),
            )?,
        }
    }
    Ok(())
}

/// Polls every open submission of job `id`, records the ones that ended, and settles the job.
pub(crate) async fn poll(svc: &BatchService, id: i64) -> Result<JobSummary> {
    let ledger = svc.runs().runner().ledger().clone();
    let job = lock(&ledger, "ledger")?.batch_job(id)?;
    // A job whose process ended before it submitted anything is submitted now (a failed
    // submission is not retried by polling: `batch resume` does that).
    if job.status == JobStatus::Submitted
        && job.note.as_deref() != Some(CANCELLING)
        && lock(&ledger, "ledger")?.submissions(id)?.is_empty()
    {
        submit(svc, &job).await?;
    }
    if job.status == JobStatus::Submitted {
        let specs = svc.resolve(&job)?;
        recover(svc, &job, &specs).await?;
        let open: Vec<Submission> = lock(&ledger, "ledger")?
            .submissions(id)?
            .into_iter()
            .filter(|s| matches!(s.status.as_str(), "submitted" | "cancelling"))
            .collect();
        let prompts = if open.is_empty() {
            Vec::new()
        } else {
            svc.prompts(&job)?
        };
        for s in open {
            if let Some(spec) = specs.get(s.target_index as usize) {
                poll_one(svc, &job, &s, spec, &prompts).await?;
            }
        }
        settle(svc, &job)?;
    }
    let l = lock(&ledger, "ledger")?;
    summary_of(&l, &l.batch_job(id)?)
}

/// The job is done (or cancelled) once every submission is recorded and nothing is left to
/// submit.
fn settle(svc: &BatchService, job: &BatchJob) -> Result<()> {
    let mut l = lock(svc.runs().runner().ledger(), "ledger")?;
    let subs = l.submissions(job.id)?;
    if subs
        .iter()
        .any(|s| matches!(s.status.as_str(), "preparing" | "submitted" | "cancelling"))
    {
        return Ok(());
    }
    let summary = summary_of(&l, job)?;
    let cancelled = job.note.as_deref() == Some(CANCELLING)
        || subs.iter().any(|s| {
            s.remote_status
                .as_deref()
                .is_some_and(|r| r.starts_with("cancel"))
        });
    if cancelled {
        l.set_batch_status(job.id, JobStatus::Cancelled, Some("cancelled by the user"))?;
    } else if summary.remaining == 0 {
        l.set_batch_status(job.id, JobStatus::Done, None)?;
    }
    Ok(())
}

const CANCELLING: &str = "cancelling at the provider";

/// Asks the provider where one submission stands; records its results once it ended.
async fn poll_one(
    svc: &BatchService,
    job: &BatchJob,
    s: &Submission,
    spec: &RunSpec,
    prompts: &[String],
) -> Result<()> {
    let client = svc.runs().runner().client().clone();
    let Some(remote) = s.remote_id.as_deref() else {
        return Ok(());
    };
    let api = api_of(spec.endpoint.provider)
        .ok_or_else(|| CoreError::invalid("mode", "this target's provider has no Batch API"))?;
    let state = match api {
        Api::OpenAi => openai::get(&client, &spec.endpoint, remote).await?,
        Api::Anthropic => anthropic::get(&client, &spec.endpoint, remote).await?,
    };
    let ledger = svc.runs().runner().ledger().clone();
    if !state.ended {
        lock(&ledger, "ledger")?.update_submission(
            s.id,
            &s.status,
            None,
            Some(&state.status),
            state.counts.as_deref(),
            None,
        )?;
        return Ok(());
    }
    let lines = match (&state.failed, api) {
        (Some(_), _) => Vec::new(),
        (None, Api::OpenAi) => openai::results(&client, &spec.endpoint, &state).await?,
        (None, Api::Anthropic) => anthropic::results(&client, &spec.endpoint, remote).await?,
    };
    let runs = runs_of(svc, job, s, spec, prompts, &state, lines);
    let mut l = lock(&ledger, "ledger")?;
    // The submission keeps its open status until its runs are recorded (one transaction marks
    // it `recorded`): if recording fails, the next poll reads the results again — the provider
    // billed these lines, so they must reach the ledger.
    l.update_submission(
        s.id,
        &s.status,
        None,
        Some(&state.status),
        state.counts.as_deref(),
        state.failed.as_deref(),
    )?;
    l.record_submission(s.id, &runs)?;
    Ok(())
}

/// One run per row of the submission: its result line, or an error when it has none.
fn runs_of(
    svc: &BatchService,
    job: &BatchJob,
    s: &Submission,
    spec: &RunSpec,
    prompts: &[String],
    state: &RemoteState,
    lines: Vec<Line>,
) -> Vec<NewRun> {
    let pricer = svc.runs().runner().pricer();
    let provider = spec.endpoint.provider;
    let at = s.submitted_at_ms.unwrap_or(s.prepared_at_ms);
    let mut by_row: std::collections::HashMap<i64, Line> = std::collections::HashMap::new();
    for line in lines {
        match parse_custom_id(&line.custom_id) {
            Some((row, t)) if t == s.target_index && (s.first_row..=s.last_row).contains(&row) => {
                by_row.insert(row, line);
            }
            _ => {
                tracing::warn!(custom_id = %line.custom_id, "batch result for no row of this batch")
            }
        }
    }
    (s.first_row..=s.last_row)
        .map(|row| {
            let base = base_run(job, s, spec, prompts, row, at);
            match by_row.remove(&row) {
                Some(line) => from_line(base, line, provider, pricer, at),
                None => {
                    let message = state.failed.clone().unwrap_or_else(|| {
                        if state.cancelled {
                            "cancelled before it ran (not billed)".into()
                        } else {
                            "missing from the provider's batch results".into()
                        }
                    });
                    let (status, code) = if state.failed.is_some() {
                        (RunStatus::Error, "invalid_request")
                    } else if state.cancelled {
                        (RunStatus::Cancelled, "cancelled")
                    } else {
                        (RunStatus::Error, "invalid_response")
                    };
                    NewRun {
                        status: Some(status),
                        error_code: Some(code.into()),
                        error_message: Some(message),
                        ..base
                    }
                }
            }
        })
        .collect()
}

/// What every run of a submission's row shares.
fn base_run(
    job: &BatchJob,
    s: &Submission,
    spec: &RunSpec,
    prompts: &[String],
    row: i64,
    at: i64,
) -> NewRun {
    NewRun {
        started_at_ms: at,
        provider: spec.endpoint.provider.as_str().to_string(),
        model_requested: spec.chat.model.clone(),
        key_id: spec.key_id.clone(),
        key_label: spec.key_label.clone(),
        tag: spec.tag.clone(),
        template: job.template,
        prompt: prompts.get((row - 1) as usize).cloned(),
        system_prompt: spec.chat.system.clone(),
        project_id: spec.endpoint.project.clone(),
        priced: Some(PricedUsage::zero()),
        cost_source: Some(CostSource::Computed),
        attempts: 1,
        params_json: Some(
            serde_json::json!({
                "temperature": spec.chat.temperature,
                "max_tokens": spec.chat.max_tokens,
                "base_url": spec.endpoint.base_url,
                "batch": {
                    "provider_batch_id": s.remote_id,
                    "custom_id": custom_id(row, s.target_index),
                },
            })
            .to_string(),
        ),
        batch: Some(BatchLink {
            job_id: job.id,
            row,
            target: s.target_index,
        }),
        ..NewRun::default()
    }
}

/// The run of one result line: a completed answer priced at batch rates (and what that saved
/// against standard rates); anything else recorded as such, at no cost.
fn from_line(
    base: NewRun,
    line: Line,
    provider: ProviderKind,
    pricer: &crate::pricing::Pricer,
    at: i64,
) -> NewRun {
    let mut run = NewRun {
        request_id: line.request_id,
        ..base
    };
    match line.outcome {
        Outcome::Succeeded(body) => {
            let x = read_answer(provider, &body);
            if let End::Failed(e) = &x.end {
                run.status = Some(RunStatus::Error);
                run.error_code = Some(e.code().as_str().into());
                run.error_message = Some(e.to_string());
                return run;
            }
            let usage = x.usage.unwrap_or_default();
            let model = run.model_requested.clone();
            let priced = pricer
                .price_batch_run(provider, &model, &usage, at)
                .unwrap_or_else(|_| PricedUsage::unknown(provider, &model, usage));
            let standard = pricer
                .price_run(provider, &model, &usage, &Billing::at(at))
                .ok()
                .filter(|p| p.breakdown.cost_source == CostSource::Computed);
            if priced.breakdown.cost_source == CostSource::Computed
                && let Some(std) = standard
            {
                run.saved_nano = (std.breakdown.total_nano_usd - priced.breakdown.total_nano_usd)
                    .at_least_zero();
            }
            run.cost_source = Some(priced.breakdown.cost_source);
            run.priced = Some(priced);
            run.status = Some(RunStatus::Ok);
            run.model_resolved = x.resolved_model;
            run.output = Some(x.text);
            if let Some(reason) = x.finish_reason
                && let Some(p) = run.params_json.as_deref()
                && let Ok(mut v) = serde_json::from_str::<Value>(p)
            {
                v["finish_reason"] = Value::String(reason);
                run.params_json = Some(v.to_string());
            }
        }
        Outcome::Errored { status, body } => {
            let e = batch_error(provider, status, &body);
            run.status = Some(RunStatus::Error);
            run.error_code = Some(e.code().as_str().into());
            run.error_message = Some(e.to_string());
        }
        Outcome::Expired => {
            run.status = Some(RunStatus::Error);
            run.error_code = Some(crate::error::ErrorCode::BatchExpired.as_str().into());
            run.error_message =
                Some("the batch's 24 h window passed before this request ran (not billed)".into());
        }
        Outcome::Canceled => {
            run.status = Some(RunStatus::Cancelled);
            run.error_code = Some(crate::error::ErrorCode::Cancelled.as_str().into());
            run.error_message = Some("cancelled before it ran (not billed)".into());
        }
    }
    run
}

/// Cancels every batch of `job` at the provider; rows not submitted yet never will be.
pub(crate) async fn cancel(svc: &BatchService, job: &BatchJob) -> Result<()> {
    let ledger = svc.runs().runner().ledger().clone();
    let client = svc.runs().runner().client().clone();
    lock(&ledger, "ledger")?.set_batch_status(job.id, JobStatus::Submitted, Some(CANCELLING))?;
    let specs = svc.resolve(job)?;
    let subs = lock(&ledger, "ledger")?.submissions(job.id)?;
    for s in subs.iter().filter(|s| s.status == "submitted") {
        let (Some(remote), Some(spec)) =
            (s.remote_id.as_deref(), specs.get(s.target_index as usize))
        else {
            continue;
        };
        match api_of(spec.endpoint.provider) {
            Some(Api::OpenAi) => openai::cancel(&client, &spec.endpoint, remote).await?,
            Some(Api::Anthropic) => anthropic::cancel(&client, &spec.endpoint, remote).await?,
            None => {}
        }
        lock(&ledger, "ledger")?.update_submission(s.id, "cancelling", None, None, None, None)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_round_trip_and_fit_anthropics_pattern() {
        let id = custom_id(99_999, 9);
        assert_eq!(parse_custom_id(&id), Some((99_999, 9)));
        assert!(id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        assert_eq!(parse_custom_id("run-1"), None);
    }
}
