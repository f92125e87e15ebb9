//! Exports read back: the runs CSV parses (RFC 4180) into exactly the ledger's runs and cost,
//! the report's total row matches the dashboard, JSON parses, and an unwritable destination is a
//! typed error that leaves nothing behind.

use promptledger_core::ErrorCode;
use promptledger_core::analytics::{DashboardQuery, Filters, Period, Preset};
use promptledger_core::demo::{DemoOptions, fill};
use promptledger_core::export::{
    ExportFile, ExportFormat, RUN_COLUMNS, RunExport, export_runs, report_csv,
};
use promptledger_core::ledger::{Ledger, Zone};

/// `"0.007500000"` → 7_500_000 nano-USD, exactly.
fn nano(usd: &str) -> i64 {
    let (whole, frac) = usd.split_once('.').unwrap();
    assert_eq!(frac.len(), 9, "cost_usd keeps nine decimals: {usd}");
    whole.parse::<i64>().unwrap() * 1_000_000_000 + frac.parse::<i64>().unwrap()
}

fn sample() -> (Ledger, chrono::NaiveDate) {
    let mut l = Ledger::open_in_memory().unwrap();
    l.set_time_zone(Zone::UTC).unwrap();
    let end = chrono::DateTime::parse_from_rfc3339("2026-11-20T23:00:00Z").unwrap();
    let opts = DemoOptions {
        runs: 4000,
        days: 60,
        end_ms: end.timestamp_millis(),
        seed: 11,
    };
    fill(&mut l, &opts, |_, _| {}).unwrap();
    (l, end.date_naive())
}

#[test]
fn runs_csv_round_trips_to_the_ledgers_totals() {
    let (l, today) = sample();
    let q = DashboardQuery {
        period: Period::preset(Preset::Days30),
        filters: Filters::default(),
        top: None,
    };
    let d = l.dashboard_on(&q, today).unwrap();

    // All runs, with text (prompts contain commas and quotes are quoted per RFC 4180).
    let mut out = Vec::new();
    let mut calls = 0;
    let what = RunExport {
        include_text: true,
        ..RunExport::default()
    };
    let s = export_runs(&l, &what, ExportFormat::Csv, &mut out, |_, _| calls += 1).unwrap();
    assert!(calls >= 1);
    let mut r = csv::Reader::from_reader(out.as_slice());
    assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), RUN_COLUMNS);
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len() as i64, l.run_count().unwrap());
    assert_eq!(s.rows as usize, rows.len());
    let col = |name: &str| RUN_COLUMNS.iter().position(|c| *c == name).unwrap();
    let total: i64 = rows.iter().map(|r| nano(&r[col("cost_usd")])).sum();
    assert_eq!(total, s.cost_nano.0);
    let all = l
        .dashboard_on(
            &DashboardQuery {
                period: Period::custom(today - chrono::Duration::days(400), today),
                filters: Filters::default(),
                top: Some(0),
            },
            today,
        )
        .unwrap();
    assert_eq!(total, all.totals.cost_nano.0);
    // Token columns add up to total_tokens on every row.
    for r in &rows {
        let parts: i64 = [
            "input_tokens",
            "cached_input_tokens",
            "cache_write_tokens",
            "cache_write_1h_tokens",
            "output_tokens",
            "reasoning_tokens",
        ]
        .iter()
        .map(|c| r[col(c)].parse::<i64>().unwrap())
        .sum();
        assert_eq!(parts, r[col("total_tokens")].parse::<i64>().unwrap());
        assert!(r[col("started_at_utc")].ends_with('Z'));
    }

    // The screen's period and filters: the last 30 days of OpenAI runs.
    let what = RunExport {
        range: Some(d.range),
        filters: Filters {
            provider: Some("openai".into()),
            ..Filters::default()
        },
        include_text: false,
    };
    let mut out = Vec::new();
    let s = export_runs(&l, &what, ExportFormat::Csv, &mut out, |_, _| {}).unwrap();
    let mut r = csv::Reader::from_reader(out.as_slice());
    assert_eq!(r.headers().unwrap().len(), RUN_COLUMNS.len() - 2);
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert!(rows.iter().all(|r| &r[2] == "openai"));
    let openai = d.by_provider.iter().find(|p| p.name == "openai").unwrap();
    assert_eq!(rows.len() as i64, openai.totals.runs);
    assert_eq!(s.cost_nano, openai.totals.cost_nano);

    // JSON: an array of objects with the same figures.
    let mut out = Vec::new();
    export_runs(&l, &what, ExportFormat::Json, &mut out, |_, _| {}).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), rows.len());
    let json_total: i64 = arr
        .iter()
        .map(|o| o["cost_nano_usd"].as_i64().unwrap())
        .sum();
    assert_eq!(json_total, openai.totals.cost_nano.0);
}

#[test]
fn report_csv_totals_match_the_dashboard() {
    let (l, today) = sample();
    let q = DashboardQuery {
        period: Period::preset(Preset::Days30),
        filters: Filters::default(),
        top: None,
    };
    let d = l.dashboard_on(&q, today).unwrap();
    let mut out = Vec::new();
    report_csv(&l, &d.range, &d.filters, &mut out).unwrap();
    let mut r = csv::Reader::from_reader(out.as_slice());
    let h = r.headers().unwrap().clone();
    let i = |n: &str| h.iter().position(|c| c == n).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let total = rows.iter().find(|r| &r[0] == "total").unwrap();
    assert_eq!(total[i("runs")].parse::<i64>().unwrap(), d.totals.runs);
    assert_eq!(nano(&total[i("cost_usd")]), d.totals.cost_nano.0);
    assert_eq!(
        total[i("cost_nano_usd")].parse::<i64>().unwrap(),
        d.totals.cost_nano.0
    );
    let day_sum: i64 = rows
        .iter()
        .filter(|r| &r[0] == "day")
        .map(|r| r[i("cost_nano_usd")].parse::<i64>().unwrap())
        .sum();
    assert_eq!(day_sum, d.totals.cost_nano.0);
    let models = rows.iter().filter(|r| &r[0] == "model").count();
    assert_eq!(models, d.by_model.len());
}

#[test]
fn an_unwritable_destination_is_a_typed_error_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-folder").join("runs.csv");
    let err = ExportFile::create(&missing).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotWritable);
    assert!(err.to_string().contains("folder does not exist"), "{err}");
    let err = ExportFile::create(dir.path()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotWritable);

    // A finished export replaces the file; an abandoned one leaves no partial file behind.
    let dest = dir.path().join("runs.csv");
    std::fs::write(&dest, "old").unwrap();
    {
        let mut f = ExportFile::create(&dest).unwrap();
        f.writer().unwrap().write_all(b"half").unwrap();
    }
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "old");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    let mut f = ExportFile::create(&dest).unwrap();
    f.writer().unwrap().write_all(b"new").unwrap();
    f.finish().unwrap();
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "new");
}
