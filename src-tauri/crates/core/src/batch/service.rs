//! The one door to batch jobs for both faces: check and estimate a job, create it (refused by a
//! block budget unless the user overrides it once), run or resume it, pause, cancel, poll, and
//! read its progress — every rule here, so the app and the CLI behave the same.

use std::borrow::Cow;

use tokio_util::sync::CancellationToken;

use crate::batch::plan::{CostRange, JobEstimate, Plan, PreviewRow, TargetEstimate};
use crate::batch::{BatchJob, BatchMode, Dataset, JobStatus, JobSummary, JobTarget, remote};
use crate::error::{CoreError, Result, lock};
use crate::keys::Secrets;
use crate::ledger::batch_jobs::NewJob;
use crate::ledger::budgets::refuse_if_blocked;
use crate::money::NanoUsd;
use crate::pricing::{MatchKind, Quote};
use crate::providers::{Message, Role};
use crate::runner::preflight::estimate_at;
use crate::runner::{RunService, RunSpec, TargetRequest, tokens};

/// The prompt of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobPrompt {
    /// A saved template (its latest version).
    Template(String),
    /// Text with `{{column}}` placeholders.
    Text(String),
}

/// A job as the user describes it.
#[derive(Debug, Clone)]
pub struct JobRequest {
    /// The prompt.
    pub prompt: JobPrompt,
    /// System prompt for every target without its own (a template's own when empty).
    pub system: Option<String>,
    /// The rows.
    pub dataset: Dataset,
    /// Where to send every row.
    pub targets: Vec<TargetRequest>,
    /// Live or provider.
    pub mode: BatchMode,
    /// Requests at once (live).
    pub concurrency: u32,
    /// Requests per minute (live).
    pub rpm: Option<u32>,
    /// Tokens per minute (live).
    pub tpm: Option<u32>,
    /// Tag on every run.
    pub tag: Option<String>,
    /// The user's one-time override of a block budget, for this job.
    pub override_budget: bool,
    /// Title (the dataset's name when empty).
    pub name: Option<String>,
    /// Chat (the default), or embedding: each row's rendered text is one embedding input.
    pub operation: crate::Operation,
}

impl JobRequest {
    /// A live job of `prompt` over `dataset` on `targets`, 4 at once, without rate limits.
    pub fn new(prompt: JobPrompt, dataset: Dataset, targets: Vec<TargetRequest>) -> JobRequest {
        JobRequest {
            prompt,
            system: None,
            dataset,
            targets,
            mode: BatchMode::Live,
            concurrency: DEFAULT_CONCURRENCY,
            rpm: None,
            tpm: None,
            tag: None,
            override_budget: false,
            name: None,
            operation: crate::Operation::Chat,
        }
    }
}

/// Requests at once when the user sets none.
pub const DEFAULT_CONCURRENCY: u32 = 4;
/// The most requests at once.
pub const MAX_CONCURRENCY: u32 = 256;
/// The most targets a job may have.
pub const MAX_TARGETS: usize = 10;
/// Rows shown in the estimate's preview.
const PREVIEW_ROWS: usize = 5;

/// Pause and cancel for a job this process runs.
#[derive(Debug, Clone, Default)]
pub struct JobControl {
    /// Stop sending new rows; rows in flight finish and are recorded. Resumable.
    pub pause: CancellationToken,
    /// Stop now: rows in flight are cancelled (recorded as `cancelled`), a provider batch is
    /// cancelled at the provider.
    pub cancel: CancellationToken,
}

/// Progress callbacks get the job's summary after every recorded row.
pub type OnProgress<'a> = &'a (dyn Fn(&JobSummary) + Send + Sync);

/// Checks, stores, runs and reports batch jobs.
#[derive(Clone)]
pub struct BatchService {
    runs: RunService,
}

/// A job checked whole: what it sends, to whom, and what it may cost.
pub(crate) struct Checked {
    pub(crate) body: String,
    pub(crate) system: Option<String>,
    pub(crate) template: Option<(String, i64, i64)>,
    pub(crate) targets: Vec<JobTarget>,
    pub(crate) estimate: JobEstimate,
}

impl BatchService {
    /// Batch jobs run with `runs`' runner, keys and key source.
    pub fn new(runs: RunService) -> BatchService {
        BatchService { runs }
    }

    /// The run service underneath.
    pub fn runs(&self) -> &RunService {
        &self.runs
    }

    /// The job's estimate and budget checks; nothing is sent or written (no keychain read).
    pub fn estimate(&self, req: &JobRequest) -> Result<JobEstimate> {
        Ok(self.check(req, Secrets::Skip)?.estimate)
    }

    /// Checks the job whole and stores it: `Err(BudgetExceeded)` when its worst case would
    /// break a block budget (unless overridden), and then nothing is stored or sent.
    pub fn create(&self, req: &JobRequest) -> Result<BatchJob> {
        let checked = self.check(req, Secrets::Read)?;
        if !req.override_budget {
            refuse_if_blocked(&checked.estimate.budgets)?;
        }
        let name = req
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(&req.dataset.name)
            .to_string();
        let job = NewJob {
            name,
            mode: req.mode,
            template: checked.template,
            body: checked.body,
            system_prompt: checked.system,
            columns: req.dataset.columns.clone(),
            targets: checked.targets,
            concurrency: req.concurrency,
            rpm: req.rpm,
            tpm: req.tpm,
            tag: req
                .tag
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string),
            override_budget: req.override_budget,
            estimate: checked.estimate,
            operation: req.operation,
        };
        let mut ledger = lock(self.runs.runner().ledger(), "ledger")?;
        let id = ledger.insert_batch_job(&job, &req.dataset.rows)?;
        ledger.batch_job(id)
    }

    /// One job.
    pub fn job(&self, id: i64) -> Result<BatchJob> {
        lock(self.runs.runner().ledger(), "ledger")?.batch_job(id)
    }

    /// Every job's summary, newest first.
    pub fn list(&self) -> Result<Vec<JobSummary>> {
        let ledger = lock(self.runs.runner().ledger(), "ledger")?;
        ledger
            .batch_jobs()?
            .iter()
            .map(|j| summary_of(&ledger, j))
            .collect()
    }

    /// A job's progress and totals.
    pub fn summary(&self, id: i64) -> Result<JobSummary> {
        let ledger = lock(self.runs.runner().ledger(), "ledger")?;
        let job = ledger.batch_job(id)?;
        summary_of(&ledger, &job)
    }

    /// Runs (or resumes) job `id` to its end, a pause or a cancel: a live job sends every row ×
    /// target without a run; a provider job submits what is not submitted yet and polls once.
    pub async fn run(
        &self,
        id: i64,
        control: &JobControl,
        on_progress: OnProgress<'_>,
    ) -> Result<JobSummary> {
        let job = self.job(id)?;
        match job.mode {
            BatchMode::Live => crate::batch::live::run(self, job, control, on_progress).await,
            BatchMode::Provider => {
                remote::submit(self, &job).await?;
                remote::poll(self, id).await
            }
        }
    }

    /// Asks the provider how a provider job is doing and records every batch that ended.
    pub async fn poll(&self, id: i64) -> Result<JobSummary> {
        remote::poll(self, id).await
    }

    /// Every open provider job polled once (the app's background poll and start-up).
    pub async fn poll_open(&self) -> Result<Vec<JobSummary>> {
        let open: Vec<i64> = lock(self.runs.runner().ledger(), "ledger")?
            .batch_jobs()?
            .into_iter()
            .filter(|j| j.mode == BatchMode::Provider && j.status == JobStatus::Submitted)
            .map(|j| j.id)
            .collect();
        let mut out = Vec::new();
        for id in open {
            out.push(remote::poll(self, id).await?);
        }
        Ok(out)
    }

    /// Pauses a live job: the process running it stops sending new rows (rows in flight are
    /// recorded). `batch resume` goes on.
    pub fn pause(&self, id: i64) -> Result<JobSummary> {
        let job = self.job(id)?;
        if job.mode == BatchMode::Provider {
            return Err(CoreError::invalid(
                "batch job",
                "a provider batch cannot be paused; cancel it instead",
            ));
        }
        if job.status.is_open() && job.status != JobStatus::Paused {
            lock(self.runs.runner().ledger(), "ledger")?.set_batch_status(
                id,
                JobStatus::Paused,
                Some("paused by the user"),
            )?;
        }
        self.summary(id)
    }

    /// Cancels a job for good: a live job stops (its process sees it within a second); a
    /// provider job's batches are cancelled at the provider, and what they finished is still
    /// recorded when they end.
    pub async fn cancel(&self, id: i64) -> Result<JobSummary> {
        let job = self.job(id)?;
        if !job.status.is_open() {
            return self.summary(id);
        }
        if job.mode == BatchMode::Provider {
            remote::cancel(self, &job).await?;
            return remote::poll(self, id).await;
        }
        lock(self.runs.runner().ledger(), "ledger")?.set_batch_status(
            id,
            JobStatus::Cancelled,
            Some("cancelled by the user"),
        )?;
        self.summary(id)
    }

    /// The whole job checked: prompt, rows, targets, estimate, budgets.
    pub(crate) fn check(&self, req: &JobRequest, secrets: Secrets) -> Result<Checked> {
        if req.targets.is_empty() || req.targets.len() > MAX_TARGETS {
            return Err(CoreError::invalid(
                "targets",
                format!("give 1 to {MAX_TARGETS} targets"),
            ));
        }
        if !(1..=MAX_CONCURRENCY).contains(&req.concurrency) {
            return Err(CoreError::invalid(
                "concurrency",
                format!("{} is outside 1–{MAX_CONCURRENCY}", req.concurrency),
            ));
        }
        match req.operation {
            crate::Operation::Chat => {}
            crate::Operation::Embedding => {
                if req.mode == BatchMode::Provider {
                    return Err(CoreError::invalid(
                        "mode",
                        "embedding jobs run live (provider batches of embeddings are not                          supported yet)",
                    ));
                }
                if req.system.as_deref().is_some_and(|s| !s.trim().is_empty()) {
                    return Err(CoreError::invalid(
                        "system",
                        "an embedding has no system prompt",
                    ));
                }
                for t in &req.targets {
                    crate::providers::operations::check_support(t.provider, req.operation)
                        .map_err(|e| e.in_target(t.label()))?;
                }
            }
            other => {
                return Err(CoreError::invalid(
                    "operation",
                    format!("a batch job runs chat or embedding, not {other}"),
                ));
            }
        }
        for (flag, v) in [("rpm", req.rpm), ("tpm", req.tpm)] {
            if v == Some(0) {
                return Err(CoreError::invalid(flag, "give a limit above 0, or none"));
            }
        }
        let (body, template_system, template) = match &req.prompt {
            JobPrompt::Text(t) => (t.clone(), None, None),
            JobPrompt::Template(name) => {
                let t = lock(self.runs.runner().ledger(), "ledger")?.template(name)?;
                (
                    t.body.clone(),
                    t.system_prompt.clone(),
                    Some((t.name.clone(), t.id, t.version)),
                )
            }
        };
        let system = req
            .system
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .or(template_system);
        let plan = Plan::new(&body, &req.dataset.columns)?;
        let prompts = plan.render_all(&req.dataset.rows)?;
        let mut targets = Vec::with_capacity(req.targets.len());
        let mut specs = Vec::with_capacity(req.targets.len());
        for (i, t) in req.targets.iter().enumerate() {
            let name = format!("target {} ({})", i + 1, t.label());
            let checked = self
                .target(t, system.as_deref(), req, secrets, &prompts[0])
                .map_err(|e| e.in_target(name))?;
            targets.push(checked.0);
            specs.push(checked.1);
        }
        let row_tokens = count_tokens(&prompts);
        let mut estimate = self.price(&specs, &targets, &row_tokens, req.mode, req.operation)?;
        estimate.columns = req.dataset.columns.clone();
        estimate.preview = prompts
            .iter()
            .zip(&req.dataset.rows)
            .zip(&row_tokens)
            .take(PREVIEW_ROWS)
            .enumerate()
            .map(|(i, ((p, v), n))| PreviewRow {
                row: i as i64 + 1,
                values: v.clone(),
                prompt: p.clone(),
                input_tokens: *n,
            })
            .collect();
        Ok(Checked {
            body,
            system,
            template,
            targets,
            estimate,
        })
    }

    /// One target checked with the first row's prompt.
    fn target(
        &self,
        t: &TargetRequest,
        system: Option<&str>,
        req: &JobRequest,
        secrets: Secrets,
        first: &str,
    ) -> Result<(JobTarget, RunSpec)> {
        let saved = crate::batch::saved_target(t)?;
        if req.mode == BatchMode::Provider && remote::api_of(t.provider).is_none() {
            return Err(CoreError::invalid(
                "mode",
                format!(
                    "{} has no Batch API PromptLedger can use; provider batches go to OpenAI \
                     and Anthropic (run this target live)",
                    t.provider.display_name()
                ),
            ));
        }
        let mut spec =
            self.runs
                .target_spec(t, system, req.tag.as_deref(), req.override_budget, secrets)?;
        spec.chat.messages = vec![user(first)];
        self.runs.runner().quote_checked(&spec)?;
        Ok((saved, spec))
    }

    /// Every row × target priced live and as a batch, and the budgets checked with the chosen
    /// mode's worst case.
    fn price(
        &self,
        specs: &[RunSpec],
        targets: &[JobTarget],
        row_tokens: &[u64],
        mode: BatchMode,
        operation: crate::Operation,
    ) -> Result<JobEstimate> {
        // An embedding is its input alone: no system prompt, no output.
        let embedding = operation == crate::Operation::Embedding;
        let pricer = self.runs.runner().pricer();
        let mut per_target = Vec::with_capacity(specs.len());
        let mut scopes = Vec::with_capacity(specs.len());
        let mut live = CostRange::default();
        let mut batch = Some(CostRange::default());
        let mut input_tokens = 0u64;
        for (spec, target) in specs.iter().zip(targets) {
            let quote = pricer.quote_for_run(spec.endpoint.provider, &spec.chat.model)?;
            let system = spec
                .chat
                .system
                .as_deref()
                .filter(|_| !embedding)
                .map_or(0, |s| tokens::count(s) + tokens::FRAMING);
            let unpriced = quote.match_kind == MatchKind::Unpriced;
            let priced = !matches!(quote.match_kind, MatchKind::Unpriced | MatchKind::Unmetered);
            let batch_price = priced
                .then(|| quote.price.batch_price_for(spec.endpoint.provider))
                .flatten();
            let batch_unavailable = if remote::api_of(spec.endpoint.provider).is_none() {
                Some(format!(
                    "{} has no Batch API",
                    spec.endpoint.provider.display_name()
                ))
            } else if priced && batch_price.is_none() {
                Some("no batch price is known for this model".into())
            } else {
                None
            };
            let batch_quote = batch_price.as_ref().map(|(p, _)| Quote {
                price: Cow::Borrowed(p),
                match_kind: quote.match_kind,
            });
            let mut t_live = CostRange::default();
            let mut t_batch = CostRange::default();
            let mut max_out = 0;
            for n in row_tokens {
                let n = if embedding {
                    n.saturating_sub(tokens::FRAMING + tokens::PRIMING)
                } else {
                    n + system
                };
                input_tokens = input_tokens.saturating_add(n);
                let e = estimate_at(spec, &quote, n);
                let top =
                    |e: &crate::runner::Estimate| if embedding { e.min_cost } else { e.max_cost };
                max_out = if embedding { 0 } else { e.max_output_tokens };
                t_live.add(e.min_cost, top(&e));
                if let Some(q) = &batch_quote {
                    let b = estimate_at(spec, q, n);
                    t_batch.add(b.min_cost, top(&b));
                } else if !priced {
                    t_batch.add(e.min_cost, top(&e));
                }
            }
            live.add(t_live.min_nano, t_live.max_nano);
            let t_batch = batch_unavailable.is_none().then_some(t_batch);
            batch = batch.zip(t_batch).map(|(mut a, b)| {
                a.add(b.min_nano, b.max_nano);
                a
            });
            let worst = match (unpriced, mode, t_batch) {
                (true, _, _) => NanoUsd::UNBOUNDED,
                (false, BatchMode::Provider, Some(b)) => b.max_nano,
                _ => t_live.max_nano,
            };
            let mut scope = spec.scope();
            scope.operation = operation;
            scopes.push((scope, worst));
            per_target.push(TargetEstimate {
                label: target.label(),
                price_key: quote.price.key.clone(),
                live: t_live,
                batch: t_batch,
                batch_rates: batch_price.map(|(_, set)| set.to_string()),
                batch_unavailable,
                unpriced,
                max_output_tokens: max_out,
            });
        }
        let budgets = lock(self.runs.runner().ledger(), "ledger")?.budget_checks_all(&scopes)?;
        Ok(JobEstimate {
            rows: row_tokens.len() as i64,
            targets: specs.len() as i64,
            live,
            batch,
            input_tokens: input_tokens / specs.len().max(1) as u64,
            per_target,
            mode: Some(mode),
            budgets,
            preview: Vec::new(),
            columns: Vec::new(),
        })
    }

    /// The targets of stored job `job`, resolved for sending (keys read once per target).
    pub(crate) fn resolve(&self, job: &BatchJob) -> Result<Vec<RunSpec>> {
        job.targets
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let mut spec = self
                    .runs
                    .target_spec(
                        t,
                        job.system_prompt.as_deref(),
                        job.tag.as_deref(),
                        job.override_budget,
                        Secrets::Read,
                    )
                    .map_err(|e| e.in_target(format!("target {} ({})", i + 1, t.label())))?;
                spec.template = job.template;
                Ok(spec)
            })
            .collect()
    }

    /// Stored job `job`'s prompts, row 1 first.
    pub(crate) fn prompts(&self, job: &BatchJob) -> Result<Vec<String>> {
        let rows = lock(self.runs.runner().ledger(), "ledger")?.batch_rows(job.id)?;
        Plan::new(&job.body, &job.columns)?.render_all(&rows)
    }
}

/// The user's turn.
pub(crate) fn user(text: &str) -> Message {
    Message {
        role: Role::User,
        content: text.to_string(),
    }
}

/// A prompt's input tokens as a one-turn request without a system prompt counts them.
fn row_tokens(p: &str) -> u64 {
    tokens::count(p) + tokens::FRAMING + tokens::PRIMING
}

/// Each prompt's input tokens as a one-turn request counts them (without a system prompt),
/// counted on every core.
fn count_tokens(prompts: &[String]) -> Vec<u64> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, 8);
    if prompts.len() < 256 || threads == 1 {
        return prompts.iter().map(|p| row_tokens(p)).collect();
    }
    let chunk = prompts.len().div_ceil(threads);
    std::thread::scope(|s| {
        let parts: Vec<_> = prompts
            .chunks(chunk)
            .map(|c| s.spawn(move || c.iter().map(|p| row_tokens(p)).collect::<Vec<_>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// The job's total projected at the average cost of the `recorded` pairs so far (`None` before
/// any is recorded: the estimate's midpoint stands for it then).
pub(crate) fn projected(cost: NanoUsd, total: i64, recorded: i64) -> Option<NanoUsd> {
    (recorded > 0).then(|| {
        let per = i128::from(cost.0) * i128::from(total) / i128::from(recorded);
        NanoUsd(i64::try_from(per).unwrap_or(i64::MAX))
    })
}

/// A job's summary from its runs.
pub(crate) fn summary_of(ledger: &crate::ledger::Ledger, job: &BatchJob) -> Result<JobSummary> {
    let c = ledger.batch_counts(job.id)?;
    let total = job.rows * job.targets.len() as i64;
    let recorded = c.ok + c.failed;
    let remaining = (total - recorded).max(0);
    let projected = projected(c.cost, total, recorded).unwrap_or(job.estimate.chosen().mid());
    Ok(JobSummary {
        job_id: job.id,
        rows: job.rows,
        targets: job.targets.len() as i64,
        mode: job.mode,
        status: job.status,
        done: c.ok,
        failed: c.failed,
        cost_nano_usd: c.cost,
        total,
        remaining,
        unpriced: c.unpriced,
        saved_nano_usd: c.saved,
        projected_nano_usd: projected,
        name: job.name.clone(),
        created_at_ms: job.created_at_ms,
        note: job.note.clone(),
        target_labels: job.targets.iter().map(JobTarget::label).collect(),
        eta_secs: None,
    })
}
