//! Exports: runs (CSV or JSON) with the Analytics screen's filters, the cost report, and a
//! comparison. CSV is written by the `csv` crate (RFC 4180 quoting); money is exact decimal USD
//! (and nano-USD where a script may want integers). Files are written to a temporary sibling and
//! renamed into place, so a failed export never leaves half a file where the user asked for one.

mod file;
mod reconcile;
mod report;
mod runs;

pub use file::ExportFile;
pub use reconcile::{RECONCILE_COLUMNS, reconcile_csv};
pub use report::{report_csv, report_json};
pub use runs::{ExportFormat, ExportSummary, RUN_COLUMNS, RunExport, export_runs};

use crate::error::{CoreError, Result};
use crate::ledger::Ledger;

pub(crate) fn csv_err(e: impl std::fmt::Display) -> CoreError {
    CoreError::invalid("CSV", e.to_string())
}

/// One row per column of comparison `id`.
pub fn comparison_csv(ledger: &Ledger, id: i64) -> Result<Vec<u8>> {
    let c = ledger.comparison(id)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "comparison_id",
        "position",
        "label",
        "run_id",
        "provider",
        "model",
        "resolved_model",
        "status",
        "input_tokens",
        "cached_input_tokens",
        "cache_write_tokens",
        "output_tokens",
        "reasoning_tokens",
        "cost_usd",
        "cost_nano_usd",
        "cost_source",
        "latency_ms",
        "ttft_ms",
        "tokens_per_second",
        "rating",
        "best",
        "hidden",
        "error_code",
        "output",
    ])
    .map_err(csv_err)?;
    for col in &c.columns {
        let run = col.run_id.map(|r| ledger.run(r)).transpose()?;
        let s = |v: Option<String>| v.unwrap_or_default();
        let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
        let (provider, model, resolved, status, u, cost, source, lat, ttft, err, output) =
            match &run {
                Some(r) => (
                    r.provider.clone(),
                    r.model_requested.clone(),
                    s(r.model_resolved.clone()),
                    r.status.as_str().to_string(),
                    Some(r.usage),
                    r.breakdown.total_nano_usd,
                    r.breakdown.cost_source.as_str().to_string(),
                    r.latency_ms,
                    r.ttft_ms,
                    s(r.error_code.clone()),
                    s(r.output.clone()),
                ),
                None => Default::default(),
            };
        let tps = match (lat, ttft, u) {
            (Some(l), Some(t), Some(u)) if l > t => {
                format!(
                    "{:.1}",
                    (u.output_tokens + u.reasoning_tokens) as f64 / ((l - t) as f64 / 1000.0)
                )
            }
            _ => String::new(),
        };
        let t = |f: fn(&crate::pricing::TokenUsage) -> u64| {
            u.map(|u| f(&u).to_string()).unwrap_or_default()
        };
        w.write_record([
            c.id.to_string(),
            (col.position + 1).to_string(),
            col.label.clone(),
            n(col.run_id),
            provider,
            model,
            resolved,
            status,
            t(|u| u.input_tokens),
            t(|u| u.cached_input_tokens),
            t(|u| u.cache_write_tokens + u.cache_write_1h_tokens),
            t(|u| u.output_tokens),
            t(|u| u.reasoning_tokens),
            if run.is_some() {
                cost.to_usd_string()
            } else {
                String::new()
            },
            if run.is_some() {
                cost.0.to_string()
            } else {
                String::new()
            },
            source,
            n(lat),
            n(ttft),
            tps,
            n(col.rating),
            (if col.is_best { "yes" } else { "" }).to_string(),
            (if col.hidden { "yes" } else { "" }).to_string(),
            err,
            output,
        ])
        .map_err(csv_err)?;
    }
    w.into_inner().map_err(csv_err)
}
