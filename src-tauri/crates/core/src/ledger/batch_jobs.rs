//! Batch jobs in the ledger: the job (prompt, targets, limits, estimate), its dataset rows, its
//! provider submissions, which process runs it, and its progress — read from the runs tagged
//! with it, so progress can never drift from what was recorded.

use std::collections::HashSet;

use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};

use crate::batch::{BatchJob, BatchMode, JobEstimate, JobStatus, JobTarget};
use crate::error::{CoreError, Result};
use crate::ledger::Ledger;
use crate::ledger::in_flight::owner;
use crate::money::NanoUsd;

/// A job to store.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Title.
    pub name: String,
    /// Live or provider.
    pub mode: BatchMode,
    /// The saved template, when one: name, id, version.
    pub template: Option<(String, i64, i64)>,
    /// The prompt with its placeholders.
    pub body: String,
    /// System prompt.
    pub system_prompt: Option<String>,
    /// The dataset's columns.
    pub columns: Vec<String>,
    /// Targets.
    pub targets: Vec<JobTarget>,
    /// Requests at once.
    pub concurrency: u32,
    /// Requests per minute.
    pub rpm: Option<u32>,
    /// Tokens per minute.
    pub tpm: Option<u32>,
    /// Tag.
    pub tag: Option<String>,
    /// The user's one-time budget override, for this job.
    pub override_budget: bool,
    /// The pre-flight.
    pub estimate: JobEstimate,
    /// Chat, or embedding (each row's text is one input).
    pub operation: crate::Operation,
}

/// A provider submission: one target's rows `first_row..=last_row` in one provider batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// Id.
    pub id: i64,
    /// Job.
    pub job_id: i64,
    /// The job's target.
    pub target_index: i64,
    /// First data row.
    pub first_row: i64,
    /// Last data row.
    pub last_row: i64,
    /// Names it in the provider's metadata.
    pub nonce: String,
    /// `preparing`, `submitted`, `cancelling`, `recorded` or `failed`.
    pub status: String,
    /// The provider's batch id.
    pub remote_id: Option<String>,
    /// OpenAI's uploaded input file.
    pub input_file_id: Option<String>,
    /// The provider's status, as last polled.
    pub remote_status: Option<String>,
    /// The provider's request counts (JSON).
    pub counts_json: Option<String>,
    /// Why it failed.
    pub error_message: Option<String>,
    /// Written, ms.
    pub prepared_at_ms: i64,
    /// Created at the provider, ms.
    pub submitted_at_ms: Option<i64>,
}

/// Recorded runs of a job by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobCounts {
    /// Completed runs.
    pub ok: i64,
    /// Runs that did not complete.
    pub failed: i64,
    /// Runs without a price.
    pub unpriced: i64,
    /// Cost of the priced runs.
    pub cost: NanoUsd,
    /// What batch prices saved.
    pub saved: NanoUsd,
}

/// One target's share of a job's runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TargetTotals {
    /// The job's target, 0-based.
    pub target: i64,
    /// Completed runs.
    pub ok: i64,
    /// Runs that did not complete.
    pub failed: i64,
    /// Runs without a price.
    pub unpriced: i64,
    /// Prompt tokens billed (uncached, cached and cache writes).
    pub input_tokens: i64,
    /// Output tokens billed (reasoning included).
    pub output_tokens: i64,
    /// What its priced runs cost.
    pub cost_nano: NanoUsd,
    /// What batch prices saved against standard prices.
    pub saved_nano: NanoUsd,
}

const SELECT_JOB: &str = "SELECT id, created_at_ms, updated_at_ms, name, mode, status, note,
    template_name, template_id, template_version, body, system_prompt, columns_json, rows,
    targets_json, concurrency, rpm, tpm, tag, override_budget, estimate_json, owner, operation
    FROM batch_jobs";

fn json_err(e: serde_json::Error) -> CoreError {
    CoreError::invalid("batch job", e.to_string())
}

fn job_from_row(r: &Row<'_>) -> rusqlite::Result<(BatchJob, String, String, String)> {
    let mode: String = r.get(4)?;
    let status: String = r.get(5)?;
    let job = BatchJob {
        id: r.get(0)?,
        created_at_ms: r.get(1)?,
        updated_at_ms: r.get(2)?,
        name: r.get(3)?,
        mode: if mode == "provider" {
            BatchMode::Provider
        } else {
            BatchMode::Live
        },
        status: JobStatus::parse(&status),
        note: r.get(6)?,
        template_name: r.get(7)?,
        template: r.get::<_, Option<i64>>(8)?.zip(r.get::<_, Option<i64>>(9)?),
        body: r.get(10)?,
        system_prompt: r.get(11)?,
        columns: Vec::new(),
        rows: r.get(13)?,
        targets: Vec::new(),
        concurrency: u32::try_from(r.get::<_, i64>(15)?).unwrap_or(1),
        rpm: r
            .get::<_, Option<i64>>(16)?
            .and_then(|v| u32::try_from(v).ok()),
        tpm: r
            .get::<_, Option<i64>>(17)?
            .and_then(|v| u32::try_from(v).ok()),
        tag: r.get(18)?,
        override_budget: r.get::<_, i64>(19)? != 0,
        estimate: JobEstimate::default(),
        owner: r.get(21)?,
        operation: crate::Operation::from_stored(&r.get::<_, String>(22)?),
    };
    Ok((job, r.get(12)?, r.get(14)?, r.get(20)?))
}

fn finish_job(parts: (BatchJob, String, String, String)) -> Result<BatchJob> {
    let (mut job, columns, targets, estimate) = parts;
    job.columns = serde_json::from_str(&columns).map_err(json_err)?;
    job.targets = serde_json::from_str(&targets).map_err(json_err)?;
    job.estimate = JobEstimate::from_stored(&estimate).unwrap_or_default();
    // A live job whose process is gone is waiting for a resume.
    if job.status == JobStatus::Running
        && job
            .owner
            .as_deref()
            .is_none_or(|o| !owner::is_alive(o, job.updated_at_ms, crate::ledger::now_ms()))
    {
        job.status = JobStatus::Interrupted;
    }
    Ok(job)
}

impl Ledger {
    /// Stores a job and its rows in one transaction; returns its id.
    pub fn insert_batch_job(&mut self, job: &NewJob, rows: &[Vec<Option<String>>]) -> Result<i64> {
        let now = crate::ledger::now_ms();
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO batch_jobs (created_at_ms, updated_at_ms, name, mode, status,
                template_name, template_id, template_version, body, system_prompt, columns_json,
                rows, targets_json, concurrency, rpm, tpm, tag, override_budget, estimate_json,
                operation)
             VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                ?17, ?18, ?19)",
            params![
                now,
                job.name,
                job.mode.as_str(),
                match job.mode {
                    BatchMode::Live => "paused",
                    BatchMode::Provider => "submitted",
                },
                job.template.as_ref().map(|t| t.0.as_str()),
                job.template.as_ref().map(|t| t.1),
                job.template.as_ref().map(|t| t.2),
                job.body,
                job.system_prompt,
                serde_json::to_string(&job.columns).map_err(json_err)?,
                i64::try_from(rows.len()).unwrap_or(i64::MAX),
                serde_json::to_string(&job.targets).map_err(json_err)?,
                job.concurrency,
                job.rpm,
                job.tpm,
                job.tag,
                job.override_budget,
                serde_json::to_string(&JobEstimate {
                    budgets: Vec::new(),
                    ..job.estimate.clone()
                })
                .map_err(json_err)?,
                job.operation.as_str(),
            ],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut stmt = tx.prepare(
                "INSERT INTO batch_rows (job_id, row_index, values_json) VALUES (?1, ?2, ?3)",
            )?;
            for (i, row) in rows.iter().enumerate() {
                stmt.execute(params![
                    id,
                    i64::try_from(i + 1).unwrap_or(i64::MAX),
                    serde_json::to_string(row).map_err(json_err)?
                ])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    /// One job.
    pub fn batch_job(&self, id: i64) -> Result<BatchJob> {
        let parts = self
            .conn()
            .query_row(&format!("{SELECT_JOB} WHERE id = ?1"), [id], job_from_row)
            .optional()?
            .ok_or(CoreError::NotFound {
                what: "batch job",
                id: id.to_string(),
            })?;
        finish_job(parts)
    }

    /// Every job, newest first.
    pub fn batch_jobs(&self) -> Result<Vec<BatchJob>> {
        let mut stmt = self
            .conn()
            .prepare(&format!("{SELECT_JOB} ORDER BY id DESC"))?;
        let rows = stmt.query_map([], job_from_row)?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .map(finish_job)
            .collect()
    }

    /// A job's dataset rows, in order (row 1 first).
    pub fn batch_rows(&self, id: i64) -> Result<Vec<Vec<Option<String>>>> {
        self.batch_rows_page(id, 0, usize::MAX)
    }

    /// Rows `offset + 1 ..= offset + limit` of a job's dataset, in order.
    pub fn batch_rows_page(
        &self,
        id: i64,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Vec<Option<String>>>> {
        let mut stmt = self.conn().prepare(
            "SELECT values_json FROM batch_rows WHERE job_id = ?1 AND row_index > ?2
             ORDER BY row_index LIMIT ?3",
        )?;
        let big = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![id, big(offset), big(limit)], |r| {
            r.get::<_, String>(0)
        })?;
        rows.map(|r| serde_json::from_str(&r?).map_err(json_err))
            .collect()
    }

    /// Sets a job's status and note.
    pub fn set_batch_status(
        &mut self,
        id: i64,
        status: JobStatus,
        note: Option<&str>,
    ) -> Result<()> {
        let n = self.conn().execute(
            "UPDATE batch_jobs SET status = ?2, note = ?3, updated_at_ms = ?4,
                owner = CASE WHEN ?2 = 'running' THEN owner END
             WHERE id = ?1",
            params![id, status.as_str(), note, crate::ledger::now_ms()],
        )?;
        if n == 0 {
            return Err(CoreError::NotFound {
                what: "batch job",
                id: id.to_string(),
            });
        }
        Ok(())
    }

    /// Makes this process the one running live job `id`: `invalid_input` when another process
    /// that is still alive runs it. Runs in flight of a process that ended are recorded first,
    /// so they count as sent.
    pub fn claim_batch_job(&mut self, id: i64) -> Result<()> {
        self.recover_flights()?;
        let me = owner::this_process();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (status, holder, updated): (String, Option<String>, i64) = tx
            .query_row(
                "SELECT status, owner, updated_at_ms FROM batch_jobs WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .ok_or(CoreError::NotFound {
                what: "batch job",
                id: id.to_string(),
            })?;
        if matches!(status.as_str(), "done" | "cancelled") {
            return Err(CoreError::invalid(
                "batch job",
                format!("job {id} is {status}: there is nothing left to send"),
            ));
        }
        if status == "running"
            && let Some(h) = holder.filter(|h| h != me)
            && owner::is_alive(&h, updated, crate::ledger::now_ms())
        {
            let pid = h.split(':').nth(1).unwrap_or("?");
            return Err(CoreError::invalid(
                "batch job",
                format!("job {id} is being run by another PromptLedger process (pid {pid})"),
            ));
        }
        tx.execute(
            "UPDATE batch_jobs SET status = 'running', owner = ?2, note = NULL, updated_at_ms = ?3
             WHERE id = ?1",
            params![id, me, crate::ledger::now_ms()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The job's status as stored (another process may have paused or cancelled it).
    pub fn batch_stored_status(&self, id: i64) -> Result<JobStatus> {
        let s: String =
            self.conn()
                .query_row("SELECT status FROM batch_jobs WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
        Ok(JobStatus::parse(&s))
    }

    /// The row × target pairs of job `id` that have a run, or a run in flight.
    pub fn batch_sent(&self, id: i64) -> Result<HashSet<(i64, i64)>> {
        let mut out = HashSet::new();
        for table in ["runs", "runs_in_flight"] {
            let mut stmt = self.conn().prepare(&format!(
                "SELECT batch_row, batch_target FROM {table} WHERE batch_job_id = ?1"
            ))?;
            let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            for r in rows {
                out.insert(r?);
            }
        }
        Ok(out)
    }

    /// Job `id`'s recorded runs by outcome, with their cost.
    pub fn batch_counts(&self, id: i64) -> Result<JobCounts> {
        Ok(self.conn().query_row(
            "SELECT count(*) FILTER (WHERE status = 'ok'),
                    count(*) FILTER (WHERE status <> 'ok'),
                    count(*) FILTER (WHERE cost_total_nano IS NULL),
                    COALESCE(sum(cost_total_nano), 0),
                    COALESCE(sum(saved_nano) FILTER (WHERE cache_hit = 0), 0)
             FROM runs WHERE batch_job_id = ?1",
            [id],
            |r| {
                Ok(JobCounts {
                    ok: r.get(0)?,
                    failed: r.get(1)?,
                    unpriced: r.get(2)?,
                    cost: NanoUsd(r.get(3)?),
                    saved: NanoUsd(r.get(4)?),
                })
            },
        )?)
    }

    /// Job `id`'s runs per target.
    pub fn batch_target_totals(&self, id: i64) -> Result<Vec<TargetTotals>> {
        let mut stmt = self.conn().prepare(
            "SELECT batch_target, count(*) FILTER (WHERE status = 'ok'),
                    count(*) FILTER (WHERE status <> 'ok'),
                    count(*) FILTER (WHERE cost_total_nano IS NULL),
                    COALESCE(sum(input_tokens + cached_input_tokens + cache_write_tokens
                        + cache_write_1h_tokens), 0),
                    COALESCE(sum(output_tokens + reasoning_tokens), 0),
                    COALESCE(sum(cost_total_nano), 0),
                    COALESCE(sum(saved_nano) FILTER (WHERE cache_hit = 0), 0)
             FROM runs WHERE batch_job_id = ?1 GROUP BY batch_target ORDER BY batch_target",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok(TargetTotals {
                target: r.get(0)?,
                ok: r.get(1)?,
                failed: r.get(2)?,
                unpriced: r.get(3)?,
                input_tokens: r.get(4)?,
                output_tokens: r.get(5)?,
                cost_nano: NanoUsd(r.get(6)?),
                saved_nano: NanoUsd(r.get(7)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Writes a submission (with its budget reservation) before anything is uploaded.
    #[allow(clippy::too_many_arguments)]
    pub fn insert_submission(
        &mut self,
        job_id: i64,
        target_index: i64,
        rows: (i64, i64),
        nonce: &str,
        scope: &crate::ledger::budgets::RunScope,
        reserved: NanoUsd,
    ) -> Result<i64> {
        self.conn().execute(
            "INSERT INTO batch_submissions (job_id, target_index, first_row, last_row, nonce,
                status, prepared_at_ms, provider, model, key_id, tag, reserved_nano)
             VALUES (?1, ?2, ?3, ?4, ?5, 'preparing', ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                job_id,
                target_index,
                rows.0,
                rows.1,
                nonce,
                crate::ledger::now_ms(),
                scope.provider,
                scope.model,
                scope.key_id,
                scope.tag,
                reserved.at_least_zero(),
            ],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Job `id`'s submissions, in order.
    pub fn submissions(&self, job_id: i64) -> Result<Vec<Submission>> {
        let mut stmt = self.conn().prepare(
            "SELECT id, job_id, target_index, first_row, last_row, nonce, status, remote_id,
                input_file_id, remote_status, counts_json, error_message, prepared_at_ms,
                submitted_at_ms
             FROM batch_submissions WHERE job_id = ?1 ORDER BY target_index, first_row",
        )?;
        let rows = stmt.query_map([job_id], |r| {
            Ok(Submission {
                id: r.get(0)?,
                job_id: r.get(1)?,
                target_index: r.get(2)?,
                first_row: r.get(3)?,
                last_row: r.get(4)?,
                nonce: r.get(5)?,
                status: r.get(6)?,
                remote_id: r.get(7)?,
                input_file_id: r.get(8)?,
                remote_status: r.get(9)?,
                counts_json: r.get(10)?,
                error_message: r.get(11)?,
                prepared_at_ms: r.get(12)?,
                submitted_at_ms: r.get(13)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Notes what the provider said of a submission: its id once created, its status and
    /// counts when polled.
    pub fn update_submission(
        &mut self,
        id: i64,
        status: &str,
        remote: Option<(&str, Option<&str>)>,
        remote_status: Option<&str>,
        counts_json: Option<&str>,
        error: Option<&str>,
    ) -> Result<()> {
        let now = crate::ledger::now_ms();
        self.conn().execute(
            "UPDATE batch_submissions SET status = ?2,
                remote_id = COALESCE(?3, remote_id),
                input_file_id = COALESCE(?4, input_file_id),
                submitted_at_ms = CASE WHEN ?3 IS NOT NULL THEN ?7 ELSE submitted_at_ms END,
                remote_status = COALESCE(?5, remote_status),
                counts_json = COALESCE(?6, counts_json),
                error_message = COALESCE(?8, error_message),
                polled_at_ms = ?7
             WHERE id = ?1",
            params![
                id,
                status,
                remote.map(|r| r.0),
                remote.and_then(|r| r.1),
                remote_status,
                counts_json,
                now,
                error
            ],
        )?;
        Ok(())
    }

    /// Records a submission's results: its runs and its `recorded` status in one transaction
    /// (a crash records all or none, and a second poll finds it recorded). Rows that already
    /// have a run are skipped.
    pub fn record_submission(
        &mut self,
        submission: i64,
        runs: &[crate::ledger::runs::NewRun],
    ) -> Result<usize> {
        self.follow_stored_zone()?;
        let tx = self.write_tx()?;
        let status: String = tx.query_row(
            "SELECT status FROM batch_submissions WHERE id = ?1",
            [submission],
            |r| r.get(0),
        )?;
        if status == "recorded" {
            return Ok(0);
        }
        let mut n = 0;
        for run in runs {
            if let Some(b) = run.batch {
                let exists: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM runs WHERE batch_job_id = ?1 AND batch_row = ?2
                        AND batch_target = ?3)",
                    params![b.job_id, b.row, b.target],
                    |r| r.get(0),
                )?;
                if exists {
                    continue;
                }
            }
            crate::ledger::runs::insert_in(&tx, run)?;
            n += 1;
        }
        tx.execute(
            "UPDATE batch_submissions SET status = 'recorded', ended_at_ms = ?2 WHERE id = ?1",
            params![submission, crate::ledger::now_ms()],
        )?;
        tx.commit()?;
        Ok(n)
    }
}
