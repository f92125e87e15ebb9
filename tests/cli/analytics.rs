//! `promptledger demo`, `report` and `export runs` end to end: sample data goes into its own
//! file only, the report's figures and CSV agree with the export, filters and periods apply,
//! and bad flags fail with one clear line.

use super::Cli;

fn nano(usd: &str) -> i64 {
    let (whole, frac) = usd.split_once('.').unwrap();
    whole.parse::<i64>().unwrap() * 1_000_000_000 + frac.parse::<i64>().unwrap()
}

#[test]
fn demo_report_and_export_agree() {
    let cli = Cli::new();
    let dir = cli.db.parent().unwrap().to_path_buf();
    let out = cli
        .cmd(&["demo", "--runs", "3000", "--days", "60"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("3,000 sample runs"));

    let report = cli.json(&["report", "--period", "30d", "--json", "--top", "3"]);
    let runs = report["totals"]["runs"].as_i64().unwrap();
    let cost = report["totals"]["cost_nano"].as_i64().unwrap();
    assert!(runs > 1000 && cost > 0, "{report}");
    assert_eq!(report["days"].as_array().unwrap().len(), 30);
    assert_eq!(report["top_runs"].as_array().unwrap().len(), 3);
    assert!(report["previous"]["runs"].as_i64().unwrap() > 0);

    // The text report names the period and the providers.
    let text = cli.ok(&["report", "--period", "30d"]);
    assert!(
        text.contains("Period ") && text.contains("By provider") && text.contains("anthropic"),
        "{text}"
    );

    // export runs over the same period reads back to the same runs and exact cost.
    let csv_path = dir.join("runs.csv");
    cli.ok(&[
        "export",
        "runs",
        "--period",
        "30d",
        "--csv",
        csv_path.to_str().unwrap(),
    ]);
    let mut r = csv::Reader::from_path(&csv_path).unwrap();
    let cost_col = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "cost_usd")
        .unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len() as i64, runs);
    assert_eq!(rows.iter().map(|r| nano(&r[cost_col])).sum::<i64>(), cost);

    // The report as CSV: its total row is the same cost…
    let report_csv = dir.join("report.csv");
    cli.ok(&[
        "report",
        "--period",
        "30d",
        "--csv",
        report_csv.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&report_csv).unwrap();
    let total = text.lines().find(|l| l.starts_with("total,")).unwrap();
    // …then its unpriced runs (sample data has none).
    assert!(total.ends_with(&format!(",{cost},0")), "{total}");

    // Filters: only Anthropic's failed runs, as JSON.
    let json_path = dir.join("errors.json");
    cli.ok(&[
        "export",
        "runs",
        "--provider",
        "anthropic",
        "--status",
        "error",
        "--json",
        json_path.to_str().unwrap(),
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    let arr = v.as_array().unwrap();
    assert!(!arr.is_empty());
    assert!(
        arr.iter()
            .all(|o| o["provider"] == "anthropic" && o["status"] == "error")
    );

    // A ledger with real runs is never filled with sample data.
    let real = Cli::new();
    std::fs::copy(&cli.db, &real.db).unwrap();
    let conn = rusqlite::Connection::open(&real.db).unwrap();
    conn.execute("DELETE FROM ledger_meta WHERE key = 'demo'", [])
        .unwrap();
    drop(conn);
    let (code, err) = real.fails(&["demo", "--runs", "10"]);
    assert_eq!(code, 1);
    assert!(err.contains("holds real runs"), "{err}");
}

#[test]
fn bad_periods_and_destinations_fail_with_one_line() {
    let cli = Cli::new();
    let (_, err) = cli.fails(&["report", "--period", "2w"]);
    assert!(
        err.starts_with("error[invalid_input]") && err.contains("7d, 30d, 90d, 1y"),
        "{err}"
    );
    let (_, err) = cli.fails(&["report", "--from", "2026-02-10", "--to", "2026-02-01"]);
    assert!(err.contains("after the last"), "{err}");
    let (_, err) = cli.fails(&["report", "--from", "yesterday", "--to", "2026-02-01"]);
    assert!(err.contains("not a date"), "{err}");
    let (_, err) = cli.fails(&["export", "runs", "--csv", "/no/such/folder/runs.csv"]);
    assert!(
        err.starts_with("error[not_writable]") && err.contains("folder does not exist"),
        "{err}"
    );
    // demo without --db refuses rather than touch the default ledger.
    let out = std::process::Command::new(promptledger_e2e::bin("promptledger"))
        .args(["demo", "--runs", "10"])
        .env_remove("PROMPTLEDGER_DB")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("demo needs --db FILE"));
}
