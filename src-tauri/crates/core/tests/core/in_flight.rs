//! Write-ahead runs (issue 14): a request is on record before it is sent, a process that dies
//! mid-request leaves an `interrupted` run for the next start, and block budgets count the
//! worst case of every run in flight, so two at once cannot overshoot one with room for one.

use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::budgets::{BudgetMode, BudgetPeriod, BudgetScope, NewBudget};
use promptledger_core::ledger::in_flight::Flight;
use promptledger_core::ledger::runs::{NewRun, RunStatus};
use promptledger_core::pricing::{CostSource, Pricer, TokenUsage};
use promptledger_core::{ErrorCode, NanoUsd, ProviderKind};

fn flight(reserved: NanoUsd) -> Flight {
    let mut estimate = Pricer::bundled()
        .price(
            ProviderKind::Openai,
            "gpt-4o",
            &TokenUsage {
                input_tokens: 1000,
                ..TokenUsage::default()
            },
        )
        .unwrap();
    estimate.breakdown.cost_source = CostSource::Estimated;
    Flight {
        started_at_ms: promptledger_core::ledger::now_ms(),
        run: NewRun {
            provider: "openai".into(),
            model_requested: "gpt-4o".into(),
            prompt: Some("Tell me a story".into()),
            tag: Some("nightly".into()),
            ..NewRun::default()
        },
        estimate,
        reserved,
        override_budget: false,
    }
}

#[test]
fn a_request_whose_process_died_is_recorded_as_interrupted_on_the_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite3");
    {
        let mut l = Ledger::open(&path).unwrap();
        let (dead, _) = l.begin_flight(&flight(NanoUsd(1)), None).unwrap();
        l.begin_flight(&flight(NanoUsd(1)), None).unwrap();
        // The first belonged to a process that is gone (killed mid-request).
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE runs_in_flight SET owner = 'linux:4194304:1' WHERE id = ?1",
            [dead],
        )
        .unwrap();
        assert_eq!(l.in_flight_count().unwrap(), 2);
    }
    let l = Ledger::open(&path).unwrap();
    let runs = l.recent_runs(10).unwrap();
    assert_eq!(runs.len(), 1, "only the dead process's request");
    let r = &runs[0];
    assert_eq!(r.status, RunStatus::Interrupted);
    assert_eq!(r.error_code.as_deref(), Some("process_ended"));
    assert_eq!(r.breakdown.cost_source, CostSource::Estimated);
    // 1,000 prompt tokens of gpt-4o at $2.50 per 1M.
    assert_eq!(r.cost(), Some(NanoUsd(2_500_000)));
    assert_eq!(r.prompt.as_deref(), Some("Tell me a story"));
    assert_eq!(r.tag.as_deref(), Some("nightly"));
    assert_eq!(
        l.in_flight_count().unwrap(),
        1,
        "this process's request is still in flight"
    );
}

#[test]
fn block_budgets_count_runs_in_flight_so_two_cannot_overshoot() {
    let mut l = Ledger::open_in_memory().unwrap();
    l.add_budget(&NewBudget {
        name: "Nightly".into(),
        scope: BudgetScope::Tag("nightly".into()),
        period: BudgetPeriod::Day,
        limit_nano: NanoUsd(1_000_000),
        mode: BudgetMode::Block,
    })
    .unwrap();
    // Room for one worst case of $0.0006, not two.
    let (first, checks) = l.begin_flight(&flight(NanoUsd(600_000)), None).unwrap();
    assert!(!checks[0].would_exceed);
    let err = l.begin_flight(&flight(NanoUsd(600_000)), None).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BudgetExceeded);
    assert_eq!(
        l.in_flight_count().unwrap(),
        1,
        "the refused one wrote nothing"
    );
    let status = &l.budget_statuses().unwrap()[0];
    assert_eq!(status.reserved_nano, NanoUsd(600_000));
    assert_eq!(status.remaining_nano, NanoUsd(400_000));
    // An override sends it anyway.
    let mut forced = flight(NanoUsd(600_000));
    forced.override_budget = true;
    let (second, _) = l.begin_flight(&forced, None).unwrap();
    // Recording a run releases its reservation in the same transaction.
    for id in [first, second] {
        l.insert_run(&NewRun {
            flight_id: Some(id),
            status: Some(RunStatus::Ok),
            attempts: 1,
            ..flight(NanoUsd::ZERO).run
        })
        .unwrap();
    }
    assert_eq!(l.in_flight_count().unwrap(), 0);
    assert_eq!(l.budget_statuses().unwrap()[0].reserved_nano, NanoUsd::ZERO);
}
