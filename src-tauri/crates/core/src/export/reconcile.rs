//! The reconciliation as CSV: one row per compared group with the `reconcile --json` field names
//! first (integers in nano-USD, empty where the provider gives none), then the difference, the
//! flags and the note.

use crate::billing::ReconcileReport;
use crate::error::Result;
use crate::export::csv_err;

/// The columns, in order.
pub const RECONCILE_COLUMNS: &[&str] = &[
    "day",
    "provider",
    "model",
    "project_id",
    "api_key_id",
    "ledger_nano_usd",
    "billed_nano_usd",
    "ledger_tokens",
    "billed_tokens",
    "status",
    "difference_nano_usd",
    "difference_pct",
    "ledger_runs",
    "provisional",
    "made_here",
    "project_name",
    "api_key_name",
    "note",
];

/// The report's rows as CSV.
pub fn reconcile_csv(report: &ReconcileReport) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(RECONCILE_COLUMNS).map_err(csv_err)?;
    let num = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    for r in &report.rows {
        w.write_record([
            r.day.clone(),
            r.provider.clone(),
            text(&r.model),
            text(&r.project_id),
            text(&r.api_key_id),
            num(r.ledger_nano_usd),
            num(r.billed_nano_usd),
            num(r.ledger_tokens),
            num(r.billed_tokens),
            r.status.as_str().to_string(),
            num(r.difference_nano_usd),
            r.difference_pct
                .map(|p| format!("{p:.2}"))
                .unwrap_or_default(),
            r.ledger_runs.to_string(),
            r.provisional.to_string(),
            r.made_here.to_string(),
            text(&r.project_name),
            text(&r.api_key_name),
            text(&r.note),
        ])
        .map_err(csv_err)?;
    }
    w.into_inner().map_err(csv_err)
}
