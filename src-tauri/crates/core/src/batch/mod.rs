//! Batch jobs: one prompt (a saved template, or text with `{{column}}` placeholders) over every
//! row of a dataset (CSV or JSON Lines), on one or more targets, either
//!
//! - **live** ([`live`]): each row × target is a normal run through the run pipeline, with a
//!   concurrency limit and a client-side rate limit ([`limiter`]) — or
//! - **provider** ([`remote`]): submitted to OpenAI's Batch API or Anthropic's Message Batches,
//!   polled, and its results recorded as runs priced at the table's batch rates.
//!
//! A job is checked whole before anything is sent ([`plan`]: every row renders, every target
//! is priced, the cost range live and as a batch, budgets for the job as a whole), stored in the
//! ledger with its rows and targets, and resumable: every row × target ends as exactly one run
//! tagged with the job, the row and the target, so what is left is what has no run yet. The
//! app and the CLI drive jobs only through [`BatchService`].

pub mod dataset;
pub mod limiter;
pub mod live;
pub mod plan;
pub mod remote;
pub mod results;
pub mod service;

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::money::NanoUsd;
use crate::runner::TargetRequest;

pub use dataset::{DataFormat, Dataset};
pub use plan::{CostRange, JobEstimate, TargetEstimate};
pub use service::{BatchService, JobControl, JobRequest};

/// How a job's rows are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum BatchMode {
    /// Through the normal run pipeline, now, at standard prices.
    Live,
    /// Through the provider's Batch API: done within 24 h, at batch prices.
    Provider,
}

impl BatchMode {
    /// Stable id, as stored and as the CLI's `--mode` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchMode::Live => "live",
            BatchMode::Provider => "provider",
        }
    }

    /// Parses `live` or `provider` (`batch` is accepted for the latter).
    pub fn parse(s: &str) -> Result<BatchMode> {
        match s.trim() {
            "live" => Ok(BatchMode::Live),
            "provider" | "batch" => Ok(BatchMode::Provider),
            other => Err(CoreError::invalid(
                "mode",
                format!("`{other}` is not a mode; use live or provider"),
            )),
        }
    }
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// A live job being sent (or one whose process ended: see `interrupted`).
    Running,
    /// A live job whose process ended mid-way: `batch resume` (or starting the app) goes on.
    Interrupted,
    /// Stopped by the user or a budget; resumable.
    Paused,
    /// A provider job waiting for the provider.
    Submitted,
    /// Every row × target has its run.
    Done,
    /// Stopped for good; rows not sent stay unsent.
    Cancelled,
}

impl JobStatus {
    /// Stable id, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Running => "running",
            JobStatus::Interrupted => "interrupted",
            JobStatus::Paused => "paused",
            JobStatus::Submitted => "submitted",
            JobStatus::Done => "done",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub(crate) fn parse(s: &str) -> JobStatus {
        match s {
            "paused" => JobStatus::Paused,
            "submitted" => JobStatus::Submitted,
            "done" => JobStatus::Done,
            "cancelled" => JobStatus::Cancelled,
            "interrupted" => JobStatus::Interrupted,
            _ => JobStatus::Running,
        }
    }

    /// Whether the job can still send or receive anything.
    pub fn is_open(self) -> bool {
        !matches!(self, JobStatus::Done | JobStatus::Cancelled)
    }
}

/// A job's target as stored: everything a resume needs but the key itself (a saved key's id,
/// or the provider's environment variable when none).
pub type JobTarget = TargetRequest;

/// `t` as a job keeps it: a header that looks like a secret is refused, since the job is stored
/// in the ledger for its resume.
pub(crate) fn saved_target(t: &TargetRequest) -> Result<JobTarget> {
    for h in &t.headers {
        let name = h
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if [
            "authorization",
            "key",
            "token",
            "secret",
            "cookie",
            "password",
        ]
        .iter()
        .any(|s| name.contains(s))
        {
            return Err(CoreError::invalid(
                "header",
                format!(
                    "`{name}` looks like a secret, and a batch job is saved in the ledger so it \
                     can resume: save the key with `keys add` and pass --key instead"
                ),
            ));
        }
    }
    Ok(TargetRequest {
        model: t.model.trim().to_string(),
        ..t.clone()
    })
}

/// A stored job.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BatchJob {
    /// Id.
    pub id: i64,
    /// Created, ms since the epoch.
    pub created_at_ms: i64,
    /// Last change, ms since the epoch.
    pub updated_at_ms: i64,
    /// The dataset's file name, or the user's title.
    pub name: String,
    /// Live or provider.
    pub mode: BatchMode,
    /// Where it stands.
    pub status: JobStatus,
    /// Why it paused or stopped.
    pub note: Option<String>,
    /// The saved template it renders, when one.
    pub template_name: Option<String>,
    /// That template's id and version.
    #[serde(skip)]
    pub template: Option<(i64, i64)>,
    /// The prompt with its placeholders.
    pub body: String,
    /// The system prompt for every target without its own.
    pub system_prompt: Option<String>,
    /// The dataset's columns.
    pub columns: Vec<String>,
    /// Data rows.
    pub rows: i64,
    /// Targets.
    pub targets: Vec<JobTarget>,
    /// Requests at once (live).
    pub concurrency: u32,
    /// Requests per minute (live), when limited.
    pub rpm: Option<u32>,
    /// Tokens per minute (live), when limited.
    pub tpm: Option<u32>,
    /// Tag on every run.
    pub tag: Option<String>,
    /// The user overrode a block budget for this job.
    pub override_budget: bool,
    /// The pre-flight as the user saw it.
    pub estimate: JobEstimate,
    /// Owner process (live), while one runs it.
    #[serde(skip)]
    pub owner: Option<String>,
    /// Chat, or embedding (each row's text is one input).
    pub operation: crate::Operation,
}

/// A job's progress and totals — the CLI contract's fields first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JobSummary {
    /// Id.
    pub job_id: i64,
    /// Data rows.
    pub rows: i64,
    /// Targets.
    pub targets: i64,
    /// `live` or `provider`.
    pub mode: BatchMode,
    /// Where it stands.
    pub status: JobStatus,
    /// Row × target runs that completed.
    pub done: i64,
    /// Row × target runs that did not (errors, expired, cancelled, interrupted).
    pub failed: i64,
    /// What its runs cost so far (priced runs).
    pub cost_nano_usd: NanoUsd,
    /// Row × target pairs in all.
    pub total: i64,
    /// Pairs without a run yet.
    pub remaining: i64,
    /// Runs whose cost is unknown (no price for the model).
    pub unpriced: i64,
    /// What batch prices saved against standard prices.
    pub saved_nano_usd: NanoUsd,
    /// The total projected from the average cost so far (the estimate's midpoint before any
    /// row is recorded).
    pub projected_nano_usd: NanoUsd,
    /// Its name.
    pub name: String,
    /// Created, ms since the epoch.
    pub created_at_ms: i64,
    /// Why it paused or stopped.
    pub note: Option<String>,
    /// Each target's label.
    pub target_labels: Vec<String>,
    /// Seconds until every pair is recorded at the pace so far (a live job that is running).
    pub eta_secs: Option<i64>,
}
