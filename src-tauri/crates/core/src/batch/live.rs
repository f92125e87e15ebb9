//! A live job: every row × target without a run goes through the normal run pipeline (budgets,
//! write-ahead row, retries, pricing, ledger), at most `concurrency` at once and no faster than
//! the limiter allows. Resuming is the same call: a pair with a run — or a write-ahead row, which
//! becomes an `interrupted` run when its process has ended — is never sent again, so a job
//! killed mid-way and resumed sends each row exactly once.
//!
//! The job stops sending when the user pauses or cancels it (here, or from another process: the
//! stored status is watched), or when a budget refuses a row; rows in flight are recorded either
//! way (a cancel stops them, and they are recorded as `cancelled`).

use std::sync::Arc;

use futures_util::future::BoxFuture;
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

use crate::batch::limiter::Limiter;
use crate::batch::service::{BatchService, JobControl, OnProgress, projected, summary_of, user};
use crate::batch::{BatchJob, JobStatus, JobSummary};
use crate::error::{CoreError, Result, lock};
use crate::ledger::runs::{BatchLink, RunStatus};
use crate::operation::Operation;
use crate::providers::operations::{EmbedRequest, OperationRequest};
use crate::runner::operation::OperationSpec;
use crate::runner::{Detail, RunOutcome, tokens};

/// How often the stored status is read (a pause or cancel from another process).
const WATCH_EVERY: Duration = Duration::from_millis(250);
/// How often progress is reported while rows complete.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Why sending stopped.
enum Stop {
    /// Every pair was sent.
    Finished,
    /// Paused (by the user, or a budget, with why).
    Paused(Option<String>),
    /// Cancelled.
    Cancelled,
}

/// Runs (or resumes) live job `job` until it is done, paused or cancelled.
pub(crate) async fn run(
    svc: &BatchService,
    job: BatchJob,
    control: &JobControl,
    on_progress: OnProgress<'_>,
) -> Result<JobSummary> {
    let ledger = svc.runs().runner().ledger().clone();
    lock(&ledger, "ledger")?.claim_batch_job(job.id)?;
    let stop = drive(svc, &job, control, on_progress).await;
    let mut l = lock(&ledger, "ledger")?;
    let stored = l.batch_stored_status(job.id)?;
    let mut summary = summary_of(&l, &l.batch_job(job.id)?)?;
    let (status, note) = match stop {
        Ok(Stop::Cancelled) => (JobStatus::Cancelled, Some("cancelled by the user".into())),
        _ if stored == JobStatus::Cancelled => (JobStatus::Cancelled, summary.note.clone()),
        _ if summary.remaining == 0 => (JobStatus::Done, None),
        Ok(Stop::Paused(note)) => (JobStatus::Paused, note.or(summary.note.clone())),
        Ok(Stop::Finished) => (JobStatus::Paused, None),
        Err(e) => (JobStatus::Paused, Some(e.to_string())),
    };
    l.set_batch_status(job.id, status, note.as_deref())?;
    summary = summary_of(&l, &l.batch_job(job.id)?)?;
    drop(l);
    on_progress(&summary);
    Ok(summary)
}

/// Counts kept in memory while the job runs (the ledger is read once at the start).
struct Tally {
    summary: JobSummary,
    last_report: tokio::time::Instant,
    started: tokio::time::Instant,
    recorded_here: i64,
}

impl Tally {
    fn add(&mut self, out: &RunOutcome) {
        let r = &out.record;
        if r.status == RunStatus::Ok {
            self.summary.done += 1;
        } else {
            self.summary.failed += 1;
        }
        match r.cost() {
            Some(c) => self.summary.cost_nano_usd = self.summary.cost_nano_usd.saturating_add(c),
            None => self.summary.unpriced += 1,
        }
        self.summary.remaining = (self.summary.remaining - 1).max(0);
        self.recorded_here += 1;
        let secs = self.started.elapsed().as_secs_f64();
        if secs > 0.0 {
            let per_sec = self.recorded_here as f64 / secs;
            self.summary.eta_secs = Some((self.summary.remaining as f64 / per_sec).ceil() as i64);
        }
        let recorded = self.summary.done + self.summary.failed;
        if let Some(p) = projected(self.summary.cost_nano_usd, self.summary.total, recorded) {
            self.summary.projected_nano_usd = p;
        }
    }
}

async fn drive(
    svc: &BatchService,
    job: &BatchJob,
    control: &JobControl,
    on_progress: OnProgress<'_>,
) -> Result<Stop> {
    let runner = svc.runs().runner().clone();
    let ledger = runner.ledger().clone();
    let specs = svc.resolve(job)?;
    let prompts = svc.prompts(job)?;
    let (sent, mut summary) = {
        let l = lock(&ledger, "ledger")?;
        (
            l.batch_sent(job.id)?,
            summary_of(&l, &l.batch_job(job.id)?)?,
        )
    };
    summary.status = JobStatus::Running;
    let pending: Vec<(i64, i64)> = (1..=job.rows)
        .flat_map(|r| (0..specs.len() as i64).map(move |t| (r, t)))
        .filter(|p| !sent.contains(p))
        .collect();
    summary.remaining = pending.len() as i64;
    on_progress(&summary);
    let limiter = Arc::new(Limiter::new(job.rpm, job.tpm));
    let slots = Arc::new(Semaphore::new(job.concurrency.max(1) as usize));
    // Stops sending (pause, budget, a cancel from anywhere); `control.cancel` also stops rows
    // in flight.
    let stop = CancellationToken::new();
    let finished = CancellationToken::new();
    let (tx, mut rx) = mpsc::unbounded_channel::<Result<RunOutcome>>();
    let mut why: Option<String> = None;

    let dispatch =
        async {
            for (row, t) in pending {
                let permit = tokio::select! {
                    p = slots.clone().acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                    () = stop.cancelled() => break,
                    () = control.pause.cancelled() => break,
                    () = control.cancel.cancelled() => break,
                };
                let mut spec = specs[t as usize].clone();
                spec.chat.messages = vec![user(&prompts[(row - 1) as usize])];
                spec.batch = Some(BatchLink {
                    job_id: job.id,
                    row,
                    target: t,
                });
                let tokens = if limiter.counts_tokens() {
                    tokens::prompt_tokens(&spec.chat) + u64::from(spec.chat.max_tokens.unwrap_or(0))
                } else {
                    0
                };
                tokio::select! {
                    () = limiter.acquire(tokens) => {}
                    () = stop.cancelled() => break,
                    () = control.pause.cancelled() => break,
                    () = control.cancel.cancelled() => break,
                }
                let (runner, tx, cancel) = (runner.clone(), tx.clone(), control.cancel.clone());
                let send: BoxFuture<'static, Result<RunOutcome>> =
                    if job.operation == Operation::Embedding {
                        // The row's text is the one input of an embedding run of the target's model.
                        let op = OperationSpec {
                            endpoint: spec.endpoint.clone(),
                            request: OperationRequest::Embed(EmbedRequest {
                                model: spec.chat.model.clone(),
                                inputs: vec![prompts[(row - 1) as usize].clone()],
                                dimensions: None,
                            }),
                            key_id: spec.key_id.clone(),
                            key_label: spec.key_label.clone(),
                            tag: spec.tag.clone(),
                            override_budget: spec.policy.override_budget,
                            batch: spec.batch,
                        };
                        match runner.prepare_operation(op) {
                            Ok(prepared) => Box::pin(async move {
                                let o = runner.execute_operation(prepared, &cancel).await?;
                                Ok(RunOutcome {
                                    record: o.record,
                                    output: String::new(),
                                    budgets: o.budgets,
                                    alerts: o.alerts,
                                    rate_limits: None,
                                })
                            }),
                            Err(e) => {
                                let _ = tx.send(Err(e));
                                break;
                            }
                        }
                    } else {
                        match runner.price_targets(&spec, Detail::Bound) {
                            Ok(prepared) => Box::pin(async move {
                                runner.execute(prepared, &mut |_| {}, &cancel).await
                            }),
                            Err(e) => {
                                let _ = tx.send(Err(e));
                                break;
                            }
                        }
                    };
                tokio::spawn(async move {
                    let out = send.await;
                    drop(permit);
                    let _ = tx.send(out);
                });
            }
            drop(tx);
        };

    let collect = async {
        let mut tally = Tally {
            summary,
            last_report: tokio::time::Instant::now(),
            started: tokio::time::Instant::now(),
            recorded_here: 0,
        };
        while let Some(out) = rx.recv().await {
            match out {
                Ok(out) => {
                    if let Some(rl) = &out.rate_limits {
                        limiter.observe(rl);
                    }
                    tally.add(&out);
                }
                // A budget refused a row (it stays unsent), or a row could not be recorded:
                // the job pauses with why; rows in flight still finish.
                Err(e) => {
                    if why.is_none() {
                        why = Some(match &e {
                            CoreError::BudgetExceeded(_) => format!("paused: {e}"),
                            _ => format!("paused after an error: {e}"),
                        });
                    }
                    stop.cancel();
                }
            }
            if tally.last_report.elapsed() >= PROGRESS_EVERY {
                tally.last_report = tokio::time::Instant::now();
                on_progress(&tally.summary);
            }
        }
        finished.cancel();
    };

    let watch = async {
        loop {
            tokio::select! {
                () = finished.cancelled() => break,
                () = tokio::time::sleep(WATCH_EVERY) => {}
            }
            let stored = lock(&ledger, "ledger").and_then(|l| l.batch_stored_status(job.id));
            match stored {
                Ok(JobStatus::Cancelled) => {
                    control.cancel.cancel();
                    stop.cancel();
                }
                Ok(JobStatus::Paused) => stop.cancel(),
                _ => {}
            }
        }
    };

    tokio::join!(dispatch, collect, watch);
    if control.cancel.is_cancelled() {
        return Ok(Stop::Cancelled);
    }
    if control.pause.is_cancelled() {
        return Ok(Stop::Paused(Some("paused by the user".into())));
    }
    if stop.is_cancelled() {
        return Ok(Stop::Paused(why));
    }
    Ok(Stop::Finished)
}
