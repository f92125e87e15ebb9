//! The cost report: one CSV row per day × model, then one per model for the whole period, then a
//! total row — or the whole dashboard as JSON. Each row counts its unpriced runs beside the cost
//! (which does not include them).

use std::io::Write;

use crate::analytics::{Dashboard, DayRange, Filters, day_key};
use crate::error::{CoreError, Result};
use crate::export::csv_err;
use crate::ledger::Ledger;
use crate::money::NanoUsd;

const COLUMNS: &[&str] = &[
    "scope",
    "day",
    "provider",
    "model",
    "runs",
    "ok_runs",
    "input_tokens",
    "cached_input_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
    "total_tokens",
    "cost_usd",
    "cost_nano_usd",
    "unpriced_runs",
];

#[derive(Default, Clone)]
struct Sums([i64; 11]); // runs, ok, 6 token components, total tokens, cost, unpriced runs

impl Sums {
    fn add(&mut self, o: &Sums) {
        for (a, b) in self.0.iter_mut().zip(o.0.iter()) {
            *a += b;
        }
    }
}

/// Writes the report CSV for a period and filters.
pub fn report_csv(
    ledger: &Ledger,
    range: &DayRange,
    filters: &Filters,
    out: &mut dyn Write,
) -> Result<()> {
    let filters = filters.normalized();
    let rows = ledger.rollup_rows(range, &filters)?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS).map_err(csv_err)?;
    let mut per_model: std::collections::BTreeMap<(String, String), Sums> = Default::default();
    let mut total = Sums::default();
    let record = |w: &mut csv::Writer<&mut dyn Write>,
                  scope: &str,
                  day: &str,
                  provider: &str,
                  model: &str,
                  s: &Sums|
     -> Result<()> {
        let mut rec: Vec<String> = vec![scope.into(), day.into(), provider.into(), model.into()];
        rec.extend(s.0.iter().take(9).map(i64::to_string));
        rec.push(NanoUsd(s.0[9]).to_exact_usd());
        rec.push(s.0[9].to_string());
        rec.push(s.0[10].to_string());
        w.write_record(&rec).map_err(csv_err)
    };
    for row in rows {
        let t = &row.tokens;
        let s = Sums([
            row.runs,
            row.ok_runs,
            t.input,
            t.cached_input,
            t.cache_write,
            t.cache_write_1h,
            t.output,
            t.reasoning,
            t.total(),
            row.cost_nano.0,
            row.unpriced_runs,
        ]);
        record(&mut w, "day", &row.day, &row.provider, &row.model, &s)?;
        per_model
            .entry((row.provider, row.model))
            .or_default()
            .add(&s);
        total.add(&s);
    }
    let (from, to) = (day_key(range.from), day_key(range.to));
    let span = format!("{from}..{to}");
    for ((provider, model), s) in &per_model {
        record(&mut w, "model", &span, provider, model, s)?;
    }
    record(&mut w, "total", &span, "", "", &total)?;
    w.flush()
        .map_err(|e| CoreError::invalid("CSV", e.to_string()))
}

/// Writes the dashboard as pretty JSON.
pub fn report_json(dashboard: &Dashboard, out: &mut dyn Write) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, dashboard)
        .map_err(|e| CoreError::invalid("JSON", e.to_string()))?;
    out.write_all(b"\n")
        .map_err(|e| CoreError::invalid("JSON", e.to_string()))
}
