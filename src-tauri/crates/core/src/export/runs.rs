//! Exporting runs: every ledger column a user needs, with the Analytics screen's period and
//! filters, as CSV or JSON, streamed row by row (a million runs never sit in memory) with
//! progress.

use std::io::Write;

use serde::{Deserialize, Serialize};

use crate::analytics::{DayRange, Filters};
use crate::error::{CoreError, Result};
use crate::export::csv_err;
use crate::ledger::Ledger;
use crate::money::NanoUsd;

/// The columns of a runs export, in order (`prompt` and `output` only when asked for).
pub const RUN_COLUMNS: &[&str] = &[
    "run_id",
    "started_at_utc",
    "provider",
    "model",
    "model_requested",
    "key_label",
    "tag",
    "status",
    "error_code",
    "input_tokens",
    "cached_input_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
    "total_tokens",
    "cost_usd",
    "cost_source",
    "price_table_version",
    "latency_ms",
    "ttft_ms",
    "attempts",
    "operation",
    "items",
    "unit",
    "unit_quantity",
    "unit_cost_usd",
    "prompt",
    "output",
];

/// CSV or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// RFC 4180 CSV with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
}

/// Which runs to export.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RunExport {
    /// Local days (all runs when `None`).
    #[serde(default)]
    pub range: Option<DayRange>,
    /// Filters.
    #[serde(default)]
    pub filters: Filters,
    /// Adds the prompt and output columns.
    #[serde(default)]
    pub include_text: bool,
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ExportSummary {
    /// Rows (runs) written.
    pub rows: u64,
    /// Sum of their cost, nano-USD (unpriced runs are not in it).
    pub cost_nano: NanoUsd,
    /// Runs whose cost is unknown (written with an empty cost).
    pub unpriced_runs: u64,
}

/// Writes the runs to `out`; `progress(done, total)` is called every 10,000 rows and at the end.
pub fn export_runs(
    ledger: &Ledger,
    what: &RunExport,
    format: ExportFormat,
    out: &mut dyn Write,
    mut progress: impl FnMut(u64, u64),
) -> Result<ExportSummary> {
    let filters = what.filters.normalized();
    let total = ledger.count_runs(what.range.as_ref(), &filters)?;
    let columns = if what.include_text {
        RUN_COLUMNS
    } else {
        &RUN_COLUMNS[..RUN_COLUMNS.len() - 2]
    };
    let mut summary = ExportSummary::default();
    let mut sink = match format {
        ExportFormat::Csv => Sink::Csv(Box::new(csv::WriterBuilder::new().from_writer(out))),
        ExportFormat::Json => Sink::Json(out, true, serde_json::Map::new()),
    };
    sink.header(columns)?;
    ledger.for_each_export_row(what.range.as_ref(), &filters, what.include_text, |row| {
        let mut tokens = 0i64;
        let mut col = columns.iter();
        let mut put = |sink: &mut Sink<'_>, cell: Cell<'_>| -> Result<()> {
            sink.cell(col.next().copied().unwrap_or_default(), cell)
        };
        for i in 0..26 {
            match i {
                1 => put(&mut sink, Cell::Time(row.int(i)?.unwrap_or(0)))?,
                15 => {
                    // NULL: an unpriced run, written with an empty cost (never 0).
                    let cost = row.int(i)?;
                    match cost {
                        Some(c) => summary.cost_nano += NanoUsd(c),
                        None => summary.unpriced_runs += 1,
                    }
                    put(&mut sink, Cell::Int(Some(tokens)))?;
                    put(&mut sink, Cell::Usd(cost))?;
                }
                9..=14 => {
                    let v = row.int(i)?;
                    tokens += v.unwrap_or(0);
                    put(&mut sink, Cell::Int(v))?;
                }
                0 | 18 | 19 | 20 | 22 | 24 => put(&mut sink, Cell::Int(row.int(i)?))?,
                // No unit line: no unit cost either (not a $0 line).
                25 => put(
                    &mut sink,
                    Cell::Usd(row.int(i)?.filter(|_| row.int(24).ok().flatten().is_some())),
                )?,
                _ => put(&mut sink, Cell::Text(row.text(i)?))?,
            }
        }
        if what.include_text {
            put(&mut sink, Cell::Text(row.text(26)?))?;
            put(&mut sink, Cell::Text(row.text(27)?))?;
        }
        sink.end_row()?;
        summary.rows += 1;
        if summary.rows % 10_000 == 0 {
            progress(summary.rows, total.max(summary.rows));
        }
        Ok(())
    })?;
    sink.finish()?;
    progress(summary.rows, total.max(summary.rows));
    Ok(summary)
}

/// The exact nano-USD twin of a USD column in JSON: `cost_usd` → `cost_nano_usd`,
/// `unit_cost_usd` → `unit_cost_nano_usd`.
fn nano_key(usd_column: &str) -> String {
    match usd_column.strip_suffix("_usd") {
        Some(base) => format!("{base}_nano_usd"),
        None => format!("{usd_column}_nano"),
    }
}

enum Cell<'a> {
    Int(Option<i64>),
    Time(i64),
    Usd(Option<i64>),
    Text(Option<&'a [u8]>),
}

enum Sink<'w> {
    Csv(Box<csv::Writer<&'w mut dyn Write>>),
    Json(
        &'w mut dyn Write,
        bool,
        serde_json::Map<String, serde_json::Value>,
    ),
}

fn io(e: std::io::Error) -> CoreError {
    CoreError::NotWritable {
        path: "the export".into(),
        reason: e.to_string(),
    }
}

impl Sink<'_> {
    fn header(&mut self, columns: &[&str]) -> Result<()> {
        match self {
            Sink::Csv(w) => w.write_record(columns).map_err(csv_err),
            Sink::Json(w, _, _) => w.write_all(b"[").map_err(io),
        }
    }

    fn cell(&mut self, name: &str, c: Cell<'_>) -> Result<()> {
        let mut small = [0u8; 32];
        match self {
            Sink::Csv(w) => {
                let mut buf = itoa::Buffer::new();
                let field: &[u8] = match c {
                    Cell::Int(Some(v)) => buf.format(v).as_bytes(),
                    Cell::Int(None) | Cell::Text(None) => b"",
                    Cell::Time(ms) => utc_iso(ms, &mut small),
                    Cell::Usd(Some(n)) => write_exact_usd(n, &mut small),
                    Cell::Usd(None) => b"",
                    Cell::Text(Some(t)) => t,
                };
                w.write_field(field).map_err(csv_err)
            }
            Sink::Json(_, _, obj) => {
                let v = match c {
                    Cell::Int(Some(v)) => serde_json::Value::from(v),
                    Cell::Int(None) | Cell::Text(None) => serde_json::Value::Null,
                    Cell::Time(ms) => String::from_utf8_lossy(utc_iso(ms, &mut small))
                        .into_owned()
                        .into(),
                    Cell::Usd(Some(n)) => {
                        obj.insert(nano_key(name), n.into());
                        String::from_utf8_lossy(write_exact_usd(n, &mut small))
                            .into_owned()
                            .into()
                    }
                    Cell::Usd(None) => {
                        obj.insert(nano_key(name), serde_json::Value::Null);
                        serde_json::Value::Null
                    }
                    Cell::Text(Some(t)) => String::from_utf8_lossy(t).into_owned().into(),
                };
                obj.insert(name.to_string(), v);
                Ok(())
            }
        }
    }

    fn end_row(&mut self) -> Result<()> {
        match self {
            Sink::Csv(w) => w.write_record(None::<&[u8]>).map_err(csv_err),
            Sink::Json(w, first, obj) => {
                if !*first {
                    w.write_all(b",\n").map_err(io)?;
                }
                *first = false;
                serde_json::to_writer(&mut **w, &*obj)
                    .map_err(|e| CoreError::invalid("JSON", e.to_string()))?;
                obj.clear();
                Ok(())
            }
        }
    }

    fn finish(self) -> Result<()> {
        match self {
            Sink::Csv(mut w) => w.flush().map_err(io),
            Sink::Json(w, _, _) => w.write_all(b"]\n").map_err(io),
        }
    }
}

/// `2025-11-21T18:30:00.000Z` into `buf`.
fn utc_iso(ms: i64, buf: &mut [u8; 32]) -> &[u8] {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s, milli) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    let mut c = std::io::Cursor::new(&mut buf[..]);
    let _ = write!(c, "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z");
    let n = c.position() as usize;
    &buf[..n]
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// [`NanoUsd::to_exact_usd`] written into `buf`: no allocation per row of a million-run export.
fn write_exact_usd(nano: i64, buf: &mut [u8; 32]) -> &[u8] {
    let mut c = std::io::Cursor::new(&mut buf[..]);
    let sign = if nano < 0 { "-" } else { "" };
    let a = nano.unsigned_abs();
    let _ = write!(c, "{sign}{}.{:09}", a / 1_000_000_000, a % 1_000_000_000);
    let n = c.position() as usize;
    &buf[..n]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times_and_money_exactly() {
        let mut b = [0u8; 32];
        assert_eq!(utc_iso(0, &mut b), b"1970-01-01T00:00:00.000Z");
        assert_eq!(
            utc_iso(1_763_749_800_123, &mut b),
            b"2025-11-21T18:30:00.123Z"
        );
        assert_eq!(
            utc_iso(951_782_400_000, &mut b),
            b"2000-02-29T00:00:00.000Z"
        );
        assert_eq!(write_exact_usd(7_500_000, &mut b), b"0.007500000");
        assert_eq!(write_exact_usd(12_345_678_901, &mut b), b"12.345678901");
        assert_eq!(write_exact_usd(0, &mut b), b"0.000000000");
    }
}
