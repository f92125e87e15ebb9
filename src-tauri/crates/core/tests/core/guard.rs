//! Issue #8's guards against loopback servers: a block-mode budget stops a run before any
//! request is sent; warn mode lets it through and alerts once per threshold and period; a cache
//! hit is recorded at zero cost with what it saved; a 529 fails over to a healthy provider with
//! both attempts recorded; health sees the failures.

use promptledger_core::ErrorCode;
use promptledger_core::ProviderKind;
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::budgets::{BudgetMode, BudgetPeriod, BudgetScope, NewBudget};
use promptledger_core::ledger::cache::CachePolicy;
use promptledger_core::ledger::runs::RunStatus;
use promptledger_core::pricing::Pricer;
use promptledger_core::providers::{
    ChatRequest, Endpoint, HttpSettings, Message, ProviderClient, Role,
};
use promptledger_core::runner::{Fallback, RunEvent, RunSpec, Runner};
use promptledger_core::vault::Secret;
use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

struct Rig {
    runner: Runner,
    ledger: Arc<Mutex<Ledger>>,
}

fn rig() -> Rig {
    let ledger = Arc::new(Mutex::new(Ledger::open_in_memory().unwrap()));
    let client = ProviderClient::new(HttpSettings {
        max_retries: 1,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(10),
        ..HttpSettings::default()
    })
    .unwrap();
    Rig {
        runner: Runner::new(client, ledger.clone(), Pricer::bundled()),
        ledger,
    }
}

fn endpoint(kind: ProviderKind, url: &str) -> Endpoint {
    let base = match kind {
        ProviderKind::Openai => format!("{url}/v1"),
        _ => url.to_string(),
    };
    Endpoint::new(kind, Some(&base), Some(Secret::new("sk-test-key-9876"))).unwrap()
}

fn spec(kind: ProviderKind, url: &str, model: &str) -> RunSpec {
    RunSpec::new(
        endpoint(kind, url),
        ChatRequest {
            model: model.into(),
            system: None,
            messages: vec![Message {
                role: Role::User,
                content: "Name a colour.".into(),
            }],
            temperature: Some(0.0),
            max_tokens: Some(1000),
            stream: false,
        },
    )
}

fn budget(l: &Arc<Mutex<Ledger>>, limit_nano: i64, mode: BudgetMode) -> i64 {
    l.lock()
        .unwrap()
        .add_budget(&NewBudget {
            name: "Daily cap".into(),
            scope: BudgetScope::Provider("openai".into()),
            period: BudgetPeriod::Day,
            limit_nano: promptledger_core::NanoUsd(limit_nano),
            mode,
        })
        .unwrap()
        .id
}

const C: Counts = Counts {
    prompt: 1000,
    cached: 0,
    cache_write: 0,
    output: 500,
    reasoning: 0,
};

#[tokio::test]
async fn a_block_budget_stops_the_run_before_anything_is_sent() {
    let server = FakeServer::start(vec![Reply::json(wire::openai_chat("gpt-4o", "Blue.", C))]);
    let r = rig();
    // gpt-4o's worst case here: ~10 input tokens + 1000 output × $10/M ≈ $0.01; the cap is $0.005.
    budget(&r.ledger, 5_000_000, BudgetMode::Block);
    let s = spec(ProviderKind::Openai, server.url(), "gpt-4o");
    let err = r
        .runner
        .run(&s, &mut |_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::BudgetExceeded);
    let text = err.to_string();
    for part in [
        "“Daily cap”",
        "$0.0050",
        "$0.00 of",
        "left",
        "could cost up to $0.01",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    assert_eq!(server.hits(), 0, "the server saw nothing");
    assert_eq!(r.ledger.lock().unwrap().run_count().unwrap(), 0);

    // Another provider is not covered by it.
    let checks = r
        .ledger
        .lock()
        .unwrap()
        .budget_checks(
            &spec(ProviderKind::Anthropic, server.url(), "claude-haiku-4-5").scope(),
            promptledger_core::NanoUsd(1),
        )
        .unwrap();
    assert!(checks.is_empty());

    // The user's explicit one-time override sends it.
    let mut once = s.clone();
    once.policy.override_budget = true;
    let out = r
        .runner
        .run(&once, &mut |_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(out.record.status, RunStatus::Ok);
    assert_eq!(server.hits(), 1);
    // 1000 × $2.50/M + 500 × $10/M = $0.0075: past 50, 80 and 100 % of $0.005.
    assert_eq!(
        out.alerts.iter().map(|a| a.threshold).collect::<Vec<_>>(),
        vec![50, 80, 100]
    );
}

#[tokio::test]
async fn warn_mode_lets_runs_through_and_alerts_once_per_threshold() {
    let server = FakeServer::start(vec![Reply::json(wire::openai_chat("gpt-4o", "Blue.", C))]);
    let r = rig();
    // Each run costs $0.0075; the warn budget is $0.02: run 2 passes 50 %, run 3 passes 80 % and
    // 100 % ($0.0225), run 4 fires nothing new.
    budget(&r.ledger, 20_000_000, BudgetMode::Warn);
    let s = spec(ProviderKind::Openai, server.url(), "gpt-4o");
    let mut fired = Vec::new();
    for _ in 0..4 {
        let out = r
            .runner
            .run(&s, &mut |_| {}, &CancellationToken::new())
            .await
            .unwrap();
        assert_eq!(out.record.status, RunStatus::Ok);
        fired.push(out.alerts.iter().map(|a| a.threshold).collect::<Vec<_>>());
    }
    assert_eq!(fired, vec![vec![], vec![50], vec![80, 100], vec![]]);
    assert_eq!(server.hits(), 4);
    let l = r.ledger.lock().unwrap();
    let alerts = l.budget_alerts(false).unwrap();
    assert_eq!(alerts.len(), 3);
    assert!(alerts[0].message().contains("Daily cap"));
    let status = &l.budget_statuses().unwrap()[0];
    assert_eq!(status.spent_nano.0, 4 * 7_500_000);
    assert_eq!(status.remaining_nano.0, 0);
    drop(l);
    r.ledger.lock().unwrap().dismiss_budget_alerts().unwrap();
    assert!(
        r.ledger
            .lock()
            .unwrap()
            .budget_alerts(false)
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_cache_hit_costs_nothing_and_records_what_it_saved() {
    let server = FakeServer::start(vec![Reply::json(wire::openai_chat(
        "gpt-4o-2024-08-06",
        "Blue.",
        C,
    ))]);
    let r = rig();
    let mut s = spec(ProviderKind::Openai, server.url(), "gpt-4o");
    s.policy.cache = Some(CachePolicy { ttl_ms: 60_000 });
    let paid = r
        .runner
        .run(&s, &mut |_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(paid.record.breakdown.total_nano_usd.0, 7_500_000);
    let mut events = Vec::new();
    let hit = r
        .runner
        .run(&s, &mut |e| events.push(e), &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(
        server.hits(),
        1,
        "the second run never reached the provider"
    );
    assert!(events.contains(&RunEvent::CacheHit));
    let rec = &hit.record;
    assert!(rec.cache_hit);
    assert_eq!(rec.breakdown.total_nano_usd.0, 0);
    assert_eq!(rec.saved_nano.0, 7_500_000);
    assert_eq!(hit.output, "Blue.");
    assert_eq!(rec.model_resolved.as_deref(), Some("gpt-4o-2024-08-06"));
    // Analytics count the hit and its saving.
    {
        let l = r.ledger.lock().unwrap();
        let today = l.time_zone().today();
        let d = l
            .dashboard_on(
                &promptledger_core::analytics::DashboardQuery {
                    period: promptledger_core::analytics::Period::preset(
                        promptledger_core::analytics::Preset::Days7,
                    ),
                    filters: Default::default(),
                    top: None,
                },
                today,
            )
            .unwrap();
        assert_eq!(d.totals.cache_hits, 1);
        assert_eq!(d.totals.cache_saved_nano.0, 7_500_000);
        assert_eq!(d.totals.cost_nano.0, 7_500_000);
    }
    // A different request (another temperature) misses; clearing empties the cache.
    let mut other = s.clone();
    other.chat.temperature = Some(0.9);
    r.runner
        .run(&other, &mut |_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(server.hits(), 2);
    assert_eq!(r.ledger.lock().unwrap().cache_clear().unwrap(), 2);
    r.runner
        .run(&s, &mut |_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn a_529_fails_over_to_a_healthy_provider_and_both_attempts_are_recorded() {
    let overloaded = FakeServer::start(vec![Reply::status_json(
        529,
        wire::anthropic_error("overloaded_error", "Overloaded"),
    )]);
    let healthy = FakeServer::start(vec![Reply::json(wire::openai_chat(
        "gpt-4o-mini",
        "Teal.",
        C,
    ))]);
    let r = rig();
    let mut s = spec(
        ProviderKind::Anthropic,
        overloaded.url(),
        "claude-haiku-4-5",
    );
    s.key_label = Some("Team".into());
    s.policy.fallbacks = vec![Fallback {
        endpoint: endpoint(ProviderKind::Openai, healthy.url()),
        model: "gpt-4o-mini".into(),
        key_id: None,
        key_label: Some("Work".into()),
    }];
    let mut events = Vec::new();
    let out = r
        .runner
        .run(&s, &mut |e| events.push(e), &CancellationToken::new())
        .await
        .unwrap();
    // 1 try + 1 retry on the overloaded one, then the healthy one.
    assert_eq!(overloaded.hits(), 2);
    assert_eq!(healthy.hits(), 1);
    let rec = &out.record;
    assert_eq!(rec.status, RunStatus::Ok);
    assert_eq!(rec.provider, "openai");
    assert_eq!(rec.model_requested, "gpt-4o-mini");
    assert_eq!(out.output, "Teal.");
    assert_eq!(rec.tried.len(), 2);
    assert_eq!(rec.tried[0].provider, "anthropic");
    assert_eq!(
        rec.tried[0].error_code.as_deref(),
        Some("provider_unavailable")
    );
    assert_eq!(rec.tried[0].http_attempts, 2);
    assert_eq!(rec.tried[1].status, "ok");
    assert_eq!(rec.attempts, 3);
    assert!(events.iter().any(|e| matches!(e,
        RunEvent::Failover { from, to, .. } if from == "anthropic/claude-haiku-4-5" && to == "openai/gpt-4o-mini")));
    // Billed at the model that answered: 1000 × $0.15/M + 500 × $0.60/M.
    assert_eq!(rec.breakdown.total_nano_usd.0, 450_000);

    // A non-retryable error (an invalid key) does not fail over unless asked.
    let bad_key = FakeServer::start(vec![Reply::status_json(
        401,
        wire::anthropic_error("authentication_error", "invalid x-api-key"),
    )]);
    let healthy2 = FakeServer::start(vec![Reply::json(wire::openai_chat(
        "gpt-4o-mini",
        "Red.",
        C,
    ))]);
    let mut s2 = spec(ProviderKind::Anthropic, bad_key.url(), "claude-haiku-4-5");
    s2.policy.fallbacks = vec![Fallback {
        endpoint: endpoint(ProviderKind::Openai, healthy2.url()),
        model: "gpt-4o-mini".into(),
        key_id: None,
        key_label: None,
    }];
    let out = r
        .runner
        .run(&s2, &mut |_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(out.record.status, RunStatus::Error);
    assert_eq!(out.record.error_code.as_deref(), Some("invalid_key"));
    assert!(out.record.tried.is_empty());
    assert_eq!(healthy2.hits(), 0);
    s2.policy.failover_on_any_error = true;
    let out = r
        .runner
        .run(&s2, &mut |_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(out.record.status, RunStatus::Ok);
    assert_eq!(healthy2.hits(), 1);

    // Health sees Anthropic's failures and OpenAI's successes.
    let l = r.ledger.lock().unwrap();
    let a = l.provider_health("anthropic").unwrap();
    assert_eq!((a.runs, a.ok_runs), (1, 0));
    assert_eq!(a.last_error_code.as_deref(), Some("invalid_key"));
    let o = l.provider_health("openai").unwrap();
    assert_eq!((o.runs, o.ok_runs, o.degraded), (2, 2, false));
    assert!(o.p50_latency_ms.is_some());
}

#[tokio::test]
async fn health_marks_a_failing_key_degraded() {
    let down = FakeServer::start(vec![
        Reply::status_json(
            503,
            wire::openai_error("server_error", "unavailable", "down"),
        )
        .header("x-should-retry", "false"),
    ]);
    let r = rig();
    let s = spec(ProviderKind::Openai, down.url(), "gpt-4o-mini");
    for _ in 0..3 {
        r.runner
            .run(&s, &mut |_| {}, &CancellationToken::new())
            .await
            .unwrap();
    }
    let h = r.ledger.lock().unwrap().provider_health("openai").unwrap();
    assert!(h.degraded, "{h:?}");
    assert_eq!(h.success_rate, Some(0.0));
    assert!(h.last_error_at_ms.is_some());
}

#[tokio::test]
async fn a_comparison_is_checked_as_a_whole() {
    let server = FakeServer::start(vec![Reply::json(wire::openai_chat("gpt-4o", "Blue.", C))]);
    let r = rig();
    // Each column's worst case is about $0.01: under a $0.015 cap alone, over it together.
    budget(&r.ledger, 15_000_000, BudgetMode::Block);
    let columns: Vec<_> = (0..2)
        .map(|i| promptledger_core::runner::compare::Column {
            label: format!("column {i}"),
            spec: spec(ProviderKind::Openai, server.url(), "gpt-4o"),
        })
        .collect();
    let id = r
        .ledger
        .lock()
        .unwrap()
        .create_comparison("Name a colour.", None, &["a".into(), "b".into()])
        .unwrap();
    let outcomes = r
        .runner
        .compare(id, &columns, &|_, _| {}, &CancellationToken::new())
        .await;
    assert!(outcomes.iter().all(|o| matches!(&o.result,
        Err(e) if e.code() == ErrorCode::BudgetExceeded)));
    assert_eq!(server.hits(), 0);
    let est = r.runner.estimate_compare(&columns).unwrap();
    assert_eq!(est.budgets.len(), 1);
    assert!(est.budgets[0].would_exceed);
    assert_eq!(est.budgets[0].estimate_nano.0, est.max_total.0);
}
