//! The ledger file: migrations, the newer-schema refusal, roll-up triggers, overrides, imports,
//! and two writers at once (the app and the CLI).

use promptledger_core::CoreError;
use promptledger_core::ledger::runs::{NewRun, RunStatus};
use promptledger_core::ledger::{Ledger, SCHEMA_VERSION, Zone, migrations, register_sql_functions};
use promptledger_core::pricing::{PriceOverride, Rates, TokenUsage};
use promptledger_core::{NanoUsd, ProviderKind, RatePerMTok};
use rusqlite::Connection;

fn priced_run(ledger: &Ledger, model: &str, started_at_ms: i64, input: u64, output: u64) -> NewRun {
    let usage = TokenUsage {
        input_tokens: input,
        output_tokens: output,
        ..TokenUsage::default()
    };
    let priced = ledger
        .pricer()
        .unwrap()
        .price(ProviderKind::Openai, model, &usage)
        .unwrap();
    NewRun {
        started_at_ms,
        provider: "openai".into(),
        model_requested: model.into(),
        priced: Some(priced),
        status: Some(RunStatus::Ok),
        latency_ms: Some(800),
        attempts: 1,
        ..NewRun::default()
    }
}

const DAY1: i64 = 1_763_683_200_000; // 2025-11-21T00:00:00Z

#[test]
fn migrations_validate() {
    // Migration 5 calls PromptLedger's SQL functions; validate() opens its own connection, so
    // the migrations are run on one with the functions registered.
    let mut conn = Connection::open_in_memory().unwrap();
    register_sql_functions(&conn, Zone::UTC).unwrap();
    migrations().to_latest(&mut conn).unwrap();
    assert_eq!(SCHEMA_VERSION, 16);
}

#[test]
fn upgrade_from_the_first_schema_keeps_runs_and_rolls_them_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite3");
    {
        let mut conn = Connection::open(&path).unwrap();
        migrations().to_version(&mut conn, 1).unwrap();
        conn.execute(
            "INSERT INTO runs (started_at_ms, provider, model_requested, status, input_tokens,
                output_tokens, cost_total_nano, cost_source) VALUES
                (?1, 'openai', 'gpt-4o', 'ok', 1000, 500, 7500000, 'computed'),
                (?1 + 1000, 'openai', 'gpt-4o', 'error', 0, 0, 0, 'computed')",
            [DAY1],
        )
        .unwrap();
    }
    let ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(ledger.run_count().unwrap(), 2);
    let today = ledger.time_zone().day_string(DAY1 + 1000);
    let rows = ledger.rollup(&today, &today).unwrap();
    let ok = rows.iter().find(|r| r.status == "ok").unwrap();
    assert_eq!((ok.runs, ok.tokens, ok.cost), (1, 1500, NanoUsd(7_500_000)));
    assert!(rows.iter().any(|r| r.status == "error" && r.runs == 1));
}

#[test]
fn the_runs_rebuild_of_migration_8_keeps_ids_links_search_and_roll_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite3");
    {
        let mut conn = Connection::open(&path).unwrap();
        register_sql_functions(&conn, Zone::UTC).unwrap();
        migrations().to_version(&mut conn, 7).unwrap();
        conn.execute_batch(
            "INSERT INTO ledger_meta VALUES ('time_zone', 'UTC');
             INSERT INTO runs (id, started_at_ms, provider, model_requested, status, input_tokens,
                output_tokens, cost_total_nano, cost_source, prompt)
                VALUES (41, 1763683200000, 'openai', 'gpt-4o', 'ok', 1000, 500, 7500000,
                        'computed', 'the quarterly zebra report');
             INSERT INTO response_cache VALUES ('h1', 'openai', 'gpt-4o', 41, NULL, 'answer',
                7500000, 1763683200000, 9999999999999, 0);",
        )
        .unwrap();
    }
    let ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.schema_version().unwrap(), SCHEMA_VERSION);
    let r = ledger.run(41).unwrap();
    assert_eq!(r.cost(), Some(NanoUsd(7_500_000)));
    let conn = Connection::open(&path).unwrap();
    let linked: Option<i64> = conn
        .query_row(
            "SELECT run_id FROM response_cache WHERE request_hash = 'h1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(linked, Some(41), "the cache still points at the run");
    let found = ledger
        .history(&promptledger_core::ledger::history::HistoryQuery {
            search: Some("zebra".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(found.iter().map(|r| r.id).collect::<Vec<_>>(), vec![41]);
    let day = ledger.rollup("2025-11-21", "2025-11-21").unwrap();
    assert_eq!((day[0].runs, day[0].cost), (1, NanoUsd(7_500_000)));
    let fk: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(fk, 0);
}

#[test]
fn a_newer_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite3");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = Ledger::open(&path).unwrap_err();
    assert!(
        matches!(
            err,
            CoreError::DatabaseTooNew {
                found: 99,
                supported: SCHEMA_VERSION,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.code().as_str(), "unsupported_database");
    assert!(err.to_string().contains("newer PromptLedger"));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file is not modified"
    );
}

#[test]
fn a_file_that_is_not_a_database_is_a_storage_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite3");
    std::fs::write(
        &path,
        b"this is not sqlite, just text that happens to be long enough",
    )
    .unwrap();
    let err = Ledger::open(&path).unwrap_err();
    assert_eq!(err.code().as_str(), "storage");
}

#[test]
fn file_ledger_uses_wal_and_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/ledger.sqlite3");
    let _ledger = Ledger::open(&path).unwrap();
    let conn = Connection::open(&path).unwrap();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn runs_record_rates_costs_and_table_version_and_roll_up() {
    let mut ledger = Ledger::open_in_memory().unwrap();
    ledger.set_time_zone(Zone::UTC).unwrap();
    let id = ledger
        .insert_run(&priced_run(&ledger, "gpt-4o", DAY1, 1000, 500))
        .unwrap();
    ledger
        .insert_run(&priced_run(&ledger, "gpt-4o", DAY1 + 60_000, 2000, 0))
        .unwrap();
    ledger
        .insert_run(&priced_run(
            &ledger,
            "gpt-4o-mini",
            DAY1 + 86_400_000,
            1000,
            1000,
        ))
        .unwrap();
    let run = ledger.run(id).unwrap();
    assert_eq!(
        run.price_table_version.as_deref(),
        Some("litellm-1.109.1+8f8060d8ce7a")
    );
    assert_eq!(run.breakdown.total_nano_usd, NanoUsd(7_500_000)); // 1000×2.5 + 500×10
    assert_eq!(
        run.breakdown.lines[0].rate_nano_usd_per_mtok,
        RatePerMTok(2_500_000_000)
    );
    let day1 = ledger.rollup("2025-11-21", "2025-11-21").unwrap();
    assert_eq!(day1.len(), 1);
    assert_eq!((day1[0].runs, day1[0].cost), (2, NanoUsd(12_500_000)));
    assert_eq!(ledger.rollup("2025-11-21", "2025-11-22").unwrap().len(), 2);
    // Deleting corrects the roll-up; the last run of a group removes its row.
    ledger.delete_run(id).unwrap();
    let day1 = ledger.rollup("2025-11-21", "2025-11-21").unwrap();
    assert_eq!((day1[0].runs, day1[0].cost), (1, NanoUsd(5_000_000)));
    let before = ledger.rollup("2000-01-01", "2100-01-01").unwrap();
    ledger.rebuild_rollup().unwrap();
    assert_eq!(ledger.rollup("2000-01-01", "2100-01-01").unwrap(), before);
    assert!(matches!(
        ledger.delete_run(id),
        Err(CoreError::NotFound { .. })
    ));
}

#[test]
fn overrides_round_trip_and_custom_models_need_input_and_output() {
    let mut ledger = Ledger::open_in_memory().unwrap();
    let o = PriceOverride {
        model: "gpt-4o".into(),
        rates: Rates {
            input: Some(RatePerMTok(2_000_000_000)),
            ..Rates::default()
        },
        max_input_tokens: None,
        note: Some("negotiated".into()),
        updated_at: "2026-11-21T00:00:00Z".into(),
    };
    ledger.set_override(&o).unwrap();
    assert_eq!(ledger.list_overrides().unwrap(), vec![o.clone()]);
    let run = priced_run(&ledger, "gpt-4o", DAY1, 1000, 0);
    assert_eq!(
        run.priced.as_ref().unwrap().breakdown.total_nano_usd,
        NanoUsd(2_000_000)
    );
    let bad = PriceOverride {
        model: "nowhere-model".into(),
        ..o.clone()
    };
    assert_eq!(
        ledger.set_override(&bad).unwrap_err().code().as_str(),
        "invalid_input"
    );
    assert_eq!(ledger.list_overrides().unwrap().len(), 1, "nothing saved");
    ledger.remove_override("gpt-4o").unwrap();
    assert!(ledger.list_overrides().unwrap().is_empty());
    assert!(ledger.remove_override("gpt-4o").is_err());
}

#[test]
fn an_invalid_import_changes_nothing_and_a_valid_one_is_used() {
    let mut ledger = Ledger::open_in_memory().unwrap();
    for bad in [
        &b"{\"x\": 1"[..],
        b"[]",
        b"{\"m\": {\"input_cost_per_token\": -1}}",
    ] {
        assert!(ledger.import_price_table(bad, Some("bad.json")).is_err());
    }
    assert!(ledger.active_price_table().unwrap().is_none());
    let table = br#"{"sample_spec": {"max_input_tokens": "docs"},
        "gpt-4o": {"litellm_provider": "openai", "mode": "chat",
                   "input_cost_per_token": 2e-06, "output_cost_per_token": 8e-06}}"#;
    let imported = ledger.import_price_table(table, Some("new.json")).unwrap();
    assert!(
        imported.version.starts_with("import-"),
        "{}",
        imported.version
    );
    let run = priced_run(&ledger, "gpt-4o", DAY1, 1000, 1000);
    let priced = run.priced.as_ref().unwrap();
    assert_eq!(priced.breakdown.total_nano_usd, NanoUsd(10_000_000));
    assert_eq!(priced.price_table_version, imported.version);
    ledger.reset_price_tables().unwrap();
    assert!(
        ledger
            .pricer()
            .unwrap()
            .table()
            .version()
            .id
            .starts_with("litellm-")
    );
}

#[test]
fn two_writers_on_one_file_both_land() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite3");
    Ledger::open(&path).unwrap();
    let handles: Vec<_> = (0..2)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut ledger = Ledger::open(&path).unwrap();
                for i in 0..200 {
                    let run = priced_run(&ledger, "gpt-4o", DAY1 + i * 1000 + w, 100, 10);
                    ledger.insert_run(&run).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.run_count().unwrap(), 400);
    let total: i64 = ledger
        .rollup("2000-01-01", "2100-01-01")
        .unwrap()
        .iter()
        .map(|r| r.runs)
        .sum();
    assert_eq!(total, 400);
}

#[test]
fn a_recorded_runs_billing_cannot_be_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite3");
    let mut ledger = Ledger::open(&path).unwrap();
    ledger.set_time_zone(Zone::UTC).unwrap();
    let id = ledger
        .insert_run(&priced_run(&ledger, "gpt-4o", DAY1, 1000, 500))
        .unwrap();
    let conn = Connection::open(&path).unwrap();
    // Without PromptLedger's SQL functions the roll-up triggers cannot even be prepared.
    assert!(
        conn.execute("UPDATE runs SET cost_total_nano = 1 WHERE id = ?1", [id])
            .is_err()
    );
    register_sql_functions(&conn, Zone::UTC).unwrap();
    for sql in [
        "UPDATE runs SET cost_total_nano = 1 WHERE id = ?1",
        "UPDATE runs SET cost_source = 'computed', rate_output = 1 WHERE id = ?1",
        "UPDATE runs SET output_tokens = 1 WHERE id = ?1",
        // Only an unpriced run may be priced, once: a priced run never passes for one.
        "UPDATE runs SET cost_total_nano = NULL, cost_source = 'unpriced' WHERE id = ?1",
    ] {
        let err = conn.execute(sql, [id]).unwrap_err();
        assert!(
            err.to_string().contains("billing cannot change"),
            "{sql}: {err}"
        );
    }
    // Columns outside the bill (the output text, say) may still be filled in.
    conn.execute("UPDATE runs SET output = 'hello' WHERE id = ?1", [id])
        .unwrap();
    let day = ledger.rollup("2025-11-21", "2025-11-21").unwrap();
    assert_eq!((day[0].runs, day[0].cost), (1, NanoUsd(7_500_000)));
}

#[test]
fn a_model_budget_matches_its_name_literally_and_its_dated_versions() {
    use promptledger_core::ledger::budgets::{BudgetMode, BudgetPeriod, BudgetScope, NewBudget};
    let mut ledger = Ledger::open_in_memory().unwrap();
    let now = promptledger_core::ledger::now_ms();
    for model in ["gpt-4o-2024-08-06", "gpt-4o-mini"] {
        let run = priced_run(&ledger, model, now, 1000, 500);
        ledger.insert_run(&run).unwrap();
    }
    let spent = |ledger: &mut Ledger, scope: &str| {
        let b = ledger
            .add_budget(&NewBudget {
                name: scope.into(),
                scope: BudgetScope::Model(scope.into()),
                period: BudgetPeriod::Day,
                limit_nano: NanoUsd(1_000_000_000),
                mode: BudgetMode::Warn,
            })
            .unwrap();
        let today = ledger.time_zone().today();
        ledger.budget_status_on(&b, today).unwrap().spent_nano
    };
    // gpt-4o: 1000 × $2.50 + 500 × $10 per 1M = $0.0075; its dated version counts, mini does not.
    assert_eq!(spent(&mut ledger, "gpt-4o"), NanoUsd(7_500_000));
    // Pattern characters are plain text: they match nothing here.
    for pattern in ["gpt-*", "gpt-4?", "gpt-4o*", "[g]pt-4o"] {
        assert_eq!(spent(&mut ledger, pattern), NanoUsd::ZERO, "{pattern}");
    }
}

#[test]
fn many_connections_creating_one_new_file_at_once_all_open_it() {
    // A script's parallel first commands: every one finds a new file, switches it to WAL and
    // migrates it. SQLite does not wait when the WAL switch upgrades a read to a write, so
    // the open must retry it, not fail with "database is locked".
    for round in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite3");
        let start = std::sync::Arc::new(std::sync::Barrier::new(16));
        let handles: Vec<_> = (0..16)
            .map(|_| {
                let (path, start) = (path.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    Ledger::open(&path).map(|l| l.schema_version().unwrap())
                })
            })
            .collect();
        for h in handles {
            let version = h.join().unwrap();
            assert_eq!(
                version.map_err(|e| format!("round {round}: {e}")),
                Ok(promptledger_core::ledger::SCHEMA_VERSION)
            );
        }
    }
}
