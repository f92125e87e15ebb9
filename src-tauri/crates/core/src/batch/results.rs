//! A job's results: one line per dataset row × target — the row's values, the target, and its
//! run's status, output, tokens and cost (`pending` while it has none) — read page by page for
//! the results table, or written whole as CSV (RFC 4180) or JSON Lines.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::params;
use serde::Serialize;

use crate::batch::service::BatchService;
use crate::batch::{BatchJob, JobTarget};
use crate::error::{CoreError, Result, lock};
use crate::export::ExportFile;
use crate::ledger::Ledger;
use crate::money::NanoUsd;

/// One dataset row × target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ResultRow {
    /// Data row, 1-based.
    pub row: i64,
    /// Its cells, in column order.
    pub values: Vec<Option<String>>,
    /// The job's target, 0-based.
    pub target: i64,
    /// Its label.
    pub target_label: String,
    /// The run's status, or `pending`.
    pub status: String,
    /// The answer.
    pub output: Option<String>,
    /// Prompt tokens billed (uncached, cached and cache writes).
    pub input_tokens: Option<u64>,
    /// Output tokens billed (reasoning included).
    pub output_tokens: Option<u64>,
    /// What it cost (`None`: pending, or no price known).
    pub cost_nano: Option<NanoUsd>,
    /// The run.
    pub run_id: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
}

/// The file formats results are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultFormat {
    /// One row per dataset row × target; the dataset's columns, then `target`, `status`,
    /// `output`, `input_tokens`, `output_tokens`, `cost_usd`, `run_id`.
    Csv,
    /// One JSON object per line, with the same fields (and `cost_nano_usd`, `error`).
    Jsonl,
}

/// A run's fields the results show.
struct RunPart {
    id: i64,
    status: String,
    output: Option<String>,
    input: i64,
    output_tokens: i64,
    cost: Option<i64>,
    error: Option<String>,
}

/// The runs of rows `from..=to` of job `id`, by row × target.
fn runs_of(ledger: &Ledger, id: i64, from: i64, to: i64) -> Result<HashMap<(i64, i64), RunPart>> {
    let mut stmt = ledger.conn().prepare(
        "SELECT batch_row, batch_target, id, status, output,
            input_tokens + cached_input_tokens + cache_write_tokens + cache_write_1h_tokens,
            output_tokens + reasoning_tokens, cost_total_nano,
            CASE WHEN error_code IS NULL THEN NULL ELSE error_code || ': ' || COALESCE(error_message, '') END
         FROM runs WHERE batch_job_id = ?1 AND batch_row BETWEEN ?2 AND ?3",
    )?;
    let rows = stmt.query_map(params![id, from, to], |r| {
        Ok((
            (r.get(0)?, r.get(1)?),
            RunPart {
                id: r.get(2)?,
                status: r.get(3)?,
                output: r.get(4)?,
                input: r.get(5)?,
                output_tokens: r.get(6)?,
                cost: r.get(7)?,
                error: r.get(8)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<HashMap<_, _>>>()?)
}

fn page(
    ledger: &Ledger,
    job: &BatchJob,
    rows: &[Vec<Option<String>>],
    first_row: i64,
) -> Result<Vec<ResultRow>> {
    let last_row = first_row + rows.len() as i64 - 1;
    let mut runs = runs_of(ledger, job.id, first_row, last_row)?;
    let labels: Vec<String> = job.targets.iter().map(JobTarget::label).collect();
    let mut out = Vec::with_capacity(rows.len() * labels.len());
    for (i, values) in rows.iter().enumerate() {
        let row = first_row + i as i64;
        for (t, label) in labels.iter().enumerate() {
            let run = runs.remove(&(row, t as i64));
            let count = |v: i64| u64::try_from(v).unwrap_or(0);
            out.push(ResultRow {
                row,
                values: values.clone(),
                target: t as i64,
                target_label: label.clone(),
                status: run.as_ref().map_or("pending".into(), |r| r.status.clone()),
                output: run.as_ref().and_then(|r| r.output.clone()),
                input_tokens: run.as_ref().map(|r| count(r.input)),
                output_tokens: run.as_ref().map(|r| count(r.output_tokens)),
                cost_nano: run.as_ref().and_then(|r| r.cost).map(NanoUsd),
                run_id: run.as_ref().map(|r| r.id),
                error: run.and_then(|r| r.error),
            });
        }
    }
    Ok(out)
}

impl BatchService {
    /// Rows `offset + 1 ..= offset + limit` of job `id`, each with every target's result.
    pub fn results(&self, id: i64, offset: usize, limit: usize) -> Result<Vec<ResultRow>> {
        let ledger = lock(self.runs().runner().ledger(), "ledger")?;
        let job = ledger.batch_job(id)?;
        let rows = ledger.batch_rows_page(id, offset, limit)?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        page(&ledger, &job, &rows, offset as i64 + 1)
    }

    /// Writes job `id`'s results to `dest` (through a temporary sibling, renamed into place);
    /// returns the path and the number of lines.
    pub fn export_results(
        &self,
        id: i64,
        dest: &Path,
        format: ResultFormat,
    ) -> Result<(PathBuf, usize)> {
        let (job, lines) = {
            let ledger = lock(self.runs().runner().ledger(), "ledger")?;
            let job = ledger.batch_job(id)?;
            let rows = ledger.batch_rows(id)?;
            let lines = page(&ledger, &job, &rows, 1)?;
            (job, lines)
        };
        let mut file = ExportFile::create(dest)?;
        let n = lines.len();
        let written = match format {
            ResultFormat::Csv => write_csv(file.writer()?, &job, &lines),
            ResultFormat::Jsonl => write_jsonl(file.writer()?, &job, &lines),
        };
        written?;
        Ok((file.finish()?, n))
    }
}

fn usd(cost: Option<NanoUsd>) -> String {
    cost.map(NanoUsd::to_exact_usd).unwrap_or_default()
}

fn write_csv(out: &mut dyn Write, job: &BatchJob, lines: &[ResultRow]) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<String> = job.columns.clone();
    for c in [
        "target",
        "status",
        "output",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "run_id",
    ] {
        header.push(c.into());
    }
    w.write_record(&header).map_err(crate::export::csv_err)?;
    let n = |v: Option<u64>| v.map(|x| x.to_string()).unwrap_or_default();
    for l in lines {
        let mut rec: Vec<String> = l
            .values
            .iter()
            .map(|v| v.clone().unwrap_or_default())
            .collect();
        rec.push(l.target_label.clone());
        rec.push(l.status.clone());
        rec.push(l.output.clone().unwrap_or_default());
        rec.push(n(l.input_tokens));
        rec.push(n(l.output_tokens));
        rec.push(usd(l.cost_nano));
        rec.push(l.run_id.map(|r| r.to_string()).unwrap_or_default());
        w.write_record(&rec).map_err(crate::export::csv_err)?;
    }
    w.flush()
        .map_err(|e| CoreError::invalid("CSV", e.to_string()))?;
    Ok(())
}

fn write_jsonl(out: &mut dyn Write, job: &BatchJob, lines: &[ResultRow]) -> Result<()> {
    for l in lines {
        let values: serde_json::Map<String, serde_json::Value> = job
            .columns
            .iter()
            .zip(&l.values)
            .map(|(c, v)| {
                (
                    c.clone(),
                    v.clone().map_or(serde_json::Value::Null, Into::into),
                )
            })
            .collect();
        let line = serde_json::json!({
            "row": l.row,
            "values": values,
            "target": l.target_label,
            "status": l.status,
            "output": l.output,
            "input_tokens": l.input_tokens,
            "output_tokens": l.output_tokens,
            "cost_usd": l.cost_nano.map(NanoUsd::to_exact_usd),
            "cost_nano_usd": l.cost_nano,
            "run_id": l.run_id,
            "error": l.error,
        });
        writeln!(out, "{line}").map_err(|e| CoreError::invalid("JSONL", e.to_string()))?;
    }
    Ok(())
}
