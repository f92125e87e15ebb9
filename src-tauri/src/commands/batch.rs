//! Batch screen commands: choose a dataset (the native open dialog, or a typed path), estimate
//! the job live vs as a provider batch, start it in the background, list jobs with their
//! progress, pause / resume / cancel, page through results and export them. Jobs run in the
//! app's process; their progress is kept in memory for the jobs list (polled by the screen).
//! At start-up, live jobs whose process ended are resumed and provider jobs polled, then provider
//! jobs are polled every `batch_poll_minutes`.

use promptledger_core::batch::results::{ResultFormat, ResultRow};
use promptledger_core::batch::service::JobPrompt;
use promptledger_core::batch::{
    BatchJob, BatchMode, BatchService, Dataset, JobControl, JobEstimate, JobRequest, JobStatus,
    JobSummary,
};
use promptledger_core::ledger::batch_jobs::TargetTotals;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, State};
use ts_rs::TS;

use crate::commands::compare::TargetInput;
use crate::error::{CmdResult, UiError};
use crate::state::AppState;
use promptledger_core::ErrorCode;

/// The Batch form.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BatchInput {
    /// The dataset file (CSV with a header row, or JSON Lines).
    path: String,
    /// The prompt with `{{column}}` placeholders (when no template is chosen).
    prompt: String,
    /// A saved template instead of `prompt`.
    template: Option<String>,
    system: Option<String>,
    targets: Vec<TargetInput>,
    /// `live` or `provider`.
    mode: String,
    concurrency: u32,
    rpm: Option<u32>,
    tpm: Option<u32>,
    tag: Option<String>,
    #[serde(default)]
    override_budget: bool,
}

impl BatchInput {
    fn request(&self) -> CmdResult<JobRequest> {
        let path = self.path.trim();
        if path.is_empty() {
            return Err(UiError::new(
                ErrorCode::InvalidInput,
                "choose a dataset file (CSV or JSON Lines)",
            ));
        }
        let dataset = Dataset::load(std::path::Path::new(path))?;
        let targets = self
            .targets
            .iter()
            .map(TargetInput::request)
            .collect::<CmdResult<Vec<_>>>()?;
        let prompt = match self
            .template
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            Some(t) => JobPrompt::Template(t.to_string()),
            None => JobPrompt::Text(self.prompt.clone()),
        };
        Ok(JobRequest {
            system: self.system.clone(),
            mode: BatchMode::parse(&self.mode)?,
            concurrency: self.concurrency,
            rpm: self.rpm.filter(|n| *n > 0),
            tpm: self.tpm.filter(|n| *n > 0),
            tag: self.tag.clone(),
            override_budget: self.override_budget,
            ..JobRequest::new(prompt, dataset, targets)
        })
    }
}

/// A page of a job's results.
#[derive(Debug, Clone, Serialize, TS)]
pub struct BatchResults {
    job: BatchJob,
    summary: JobSummary,
    /// Per target: runs, failures, tokens, cost and what batch prices saved.
    targets: Vec<TargetTotals>,
    rows: Vec<ResultRow>,
}

fn service(state: &AppState) -> CmdResult<BatchService> {
    Ok(BatchService::new(state.service()?))
}

/// The native open dialog for a dataset; `None` when cancelled.
#[tauri::command]
#[tracing::instrument(skip(app), err(level = "info"))]
pub async fn batch_pick_dataset(app: AppHandle) -> CmdResult<Option<String>> {
    super::analytics::pick_file(&app, "Datasets", &["csv", "jsonl", "ndjson", "json"]).await
}

/// The whole job checked and priced, live and as a batch, with its first rows rendered;
/// nothing is sent or saved.
#[tauri::command]
#[tracing::instrument(skip(state, input), err(level = "info"))]
pub async fn batch_estimate(
    state: State<'_, AppState>,
    input: BatchInput,
) -> CmdResult<JobEstimate> {
    let req = input.request()?;
    let svc = service(&state)?;
    tauri::async_runtime::spawn_blocking(move || svc.estimate(&req))
        .await
        .map_err(|e| UiError::new(ErrorCode::Internal, e.to_string()))?
        .map_err(UiError::from)
}

/// Saves the job (refused by a block budget unless overridden) and starts it in the background.
#[tauri::command]
#[tracing::instrument(skip(app, state, input), err(level = "info"))]
pub async fn batch_start(
    app: AppHandle,
    state: State<'_, AppState>,
    input: BatchInput,
) -> CmdResult<JobSummary> {
    let req = input.request()?;
    let svc = service(&state)?;
    let job = tauri::async_runtime::spawn_blocking(move || svc.create(&req))
        .await
        .map_err(|e| UiError::new(ErrorCode::Internal, e.to_string()))??;
    spawn_job(app, job.id);
    Ok(service(&state)?.summary(job.id)?)
}

/// Runs job `id` in the background (no-op when this process already runs it).
fn spawn_job(app: AppHandle, id: i64) {
    let control = JobControl::default();
    {
        let state = app.state::<AppState>();
        if !state.batch_begin(id, control.clone()) {
            return;
        }
    }
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let result = match service(&state) {
            Ok(svc) => {
                let progress = |s: &JobSummary| app.state::<AppState>().batch_note(s);
                svc.run(id, &control, &progress)
                    .await
                    .map_err(UiError::from)
            }
            Err(e) => Err(e),
        };
        if let Err(e) = &result {
            tracing::info!(job = id, "batch job stopped: {}", e.message);
            let _ = state.with_ledger(|l| {
                if l.batch_job(id)?.mode == BatchMode::Live {
                    l.set_batch_status(id, JobStatus::Paused, Some(&e.message))?;
                }
                Ok(())
            });
        }
        state.batch_end(id);
    });
}

/// Every job, newest first, with live progress for the ones this process is running.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn batch_jobs(state: State<'_, AppState>) -> CmdResult<Vec<JobSummary>> {
    let mut jobs = service(&state)?.list()?;
    for j in &mut jobs {
        if let Some(live) = state.batch_progress(j.job_id) {
            *j = live;
        }
    }
    Ok(jobs)
}

/// Pauses a live job (rows in flight finish and are recorded).
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn batch_pause(state: State<'_, AppState>, id: i64) -> CmdResult<JobSummary> {
    if let Some(c) = state.batch_control(id) {
        c.pause.cancel();
    }
    Ok(service(&state)?.pause(id)?)
}

/// Resumes a paused or interrupted live job; a provider job submits what is left and is polled.
#[tauri::command]
#[tracing::instrument(skip(app, state), err(level = "info"))]
pub async fn batch_resume(
    app: AppHandle,
    state: State<'_, AppState>,
    id: i64,
) -> CmdResult<JobSummary> {
    let svc = service(&state)?;
    let job = svc.job(id)?;
    if job.mode == BatchMode::Provider {
        // Submits what is not submitted yet (after a failure), then asks the provider.
        return Ok(svc.run(id, &JobControl::default(), &|_| {}).await?);
    }
    if !job.status.is_open() {
        return Err(UiError::new(
            ErrorCode::InvalidInput,
            format!(
                "job {id} is {}: nothing is left to send",
                job.status.as_str()
            ),
        ));
    }
    spawn_job(app, id);
    Ok(svc.summary(id)?)
}

/// Cancels a job: rows in flight stop (recorded as cancelled); a provider batch is cancelled at
/// the provider.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn batch_cancel(state: State<'_, AppState>, id: i64) -> CmdResult<JobSummary> {
    if let Some(c) = state.batch_control(id) {
        c.cancel.cancel();
    }
    Ok(service(&state)?.cancel(id).await?)
}

/// Rows `offset+1 ..= offset+limit` of a job's results, with the job and its summary.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn batch_results(
    state: State<'_, AppState>,
    id: i64,
    offset: usize,
    limit: usize,
) -> CmdResult<BatchResults> {
    let svc = service(&state)?;
    let summary = state
        .batch_progress(id)
        .map_or_else(|| svc.summary(id), Ok)?;
    Ok(BatchResults {
        job: svc.job(id)?,
        summary,
        targets: state.with_ledger(|l| Ok(l.batch_target_totals(id)?))?,
        rows: svc.results(id, offset, limit.min(500))?,
    })
}

/// Writes a job's results where the user picks (CSV or JSON Lines); `None` when cancelled.
#[tauri::command]
#[tracing::instrument(skip(app, state), err(level = "info"))]
pub async fn batch_export(
    app: AppHandle,
    state: State<'_, AppState>,
    id: i64,
    format: String,
) -> CmdResult<Option<String>> {
    let (format, ext) = match format.as_str() {
        "jsonl" => (ResultFormat::Jsonl, ("JSON Lines", "jsonl")),
        _ => (ResultFormat::Csv, ("CSV", "csv")),
    };
    let name = format!("promptledger-batch-{id}.{}", ext.1);
    let Some(dest) = crate::commands::analytics::save_path(&app, name, ext).await? else {
        return Ok(None);
    };
    let svc = service(&state)?;
    let (path, _) =
        tauri::async_runtime::spawn_blocking(move || svc.export_results(id, &dest, format))
            .await
            .map_err(|e| UiError::new(ErrorCode::Internal, e.to_string()))??;
    Ok(Some(path.display().to_string()))
}

/// At start-up: live jobs a process left interrupted go on, provider jobs are polled; then
/// provider jobs are polled every `batch_poll_minutes`.
pub fn spawn_batch_jobs(app: AppHandle) {
    let first = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = first.state::<AppState>();
        let Ok(svc) = service(&state) else {
            return;
        };
        let interrupted: Vec<i64> = svc
            .list()
            .unwrap_or_default()
            .into_iter()
            .filter(|j| j.mode == BatchMode::Live && j.status == JobStatus::Interrupted)
            .map(|j| j.job_id)
            .collect();
        for id in interrupted {
            tracing::info!(job = id, "resuming a batch job its process left");
            spawn_job(first.clone(), id);
        }
        if let Err(e) = svc.poll_open().await {
            tracing::info!("polling provider batches: {e}");
        }
    });
    crate::settings::spawn_every(
        app,
        |s| s.batch_poll_minutes,
        |app| async move {
            let state = app.state::<AppState>();
            if let Ok(svc) = service(&state)
                && let Err(e) = svc.poll_open().await
            {
                tracing::info!("polling provider batches: {e}");
            }
        },
    );
}
