//! Unpriced runs: a model the price table does not know, run through an OpenAI-compatible
//! gateway (loopback), is sent and recorded with its tokens and an unknown cost (NULL, never
//! $0); a gateway-reported cost still counts; a block budget refuses such a run; analytics count
//! it beside the totals; and once the model is priced, its runs are priced exactly once.

use promptledger_core::NanoUsd;
use promptledger_core::ProviderKind;
use promptledger_core::analytics::{Dashboard, DashboardQuery, Filters, Period, Preset};
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::budgets::{BudgetMode, BudgetPeriod, BudgetScope, NewBudget};
use promptledger_core::pricing::{CostSource, OverrideText, Pricer};
use promptledger_core::providers::{
    ChatRequest, Endpoint, HttpSettings, Message, ProviderClient, Role,
};
use promptledger_core::runner::view::RunView;
use promptledger_core::runner::{Detail, RunSpec, Runner};
use promptledger_core::vault::Secret;
use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply};
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

const ALIAS: &str = "team-fast-model";

fn week(l: &Ledger) -> Dashboard {
    l.dashboard(&DashboardQuery {
        period: Period {
            preset: Preset::Days7,
            from: None,
            to: None,
        },
        filters: Filters::default(),
        top: None,
    })
    .unwrap()
}

fn counts() -> Counts {
    Counts {
        prompt: 1200,
        cached: 200,
        output: 300,
        ..Counts::default()
    }
}

fn runner(ledger: &Arc<Mutex<Ledger>>) -> Runner {
    let pricer = ledger.lock().unwrap().pricer().unwrap();
    let client = ProviderClient::new(HttpSettings {
        max_retries: 0,
        ..HttpSettings::default()
    })
    .unwrap();
    Runner::new(client, ledger.clone(), pricer)
}

fn spec(provider: ProviderKind, url: &str, model: &str) -> RunSpec {
    RunSpec {
        endpoint: Endpoint::new(
            provider,
            Some(&format!("{url}/v1")),
            Some(Secret::new("sk-test-gateway-1234")),
        )
        .unwrap(),
        chat: ChatRequest {
            model: model.into(),
            system: None,
            messages: vec![Message {
                role: Role::User,
                content: "Say hello.".into(),
            }],
            temperature: None,
            max_tokens: Some(100),
            stream: false,
        },
        key_id: None,
        key_label: None,
        tag: None,
        conversation_id: None,
        comparison_id: None,
        template: None,
        policy: Default::default(),
        batch: None,
    }
}

fn gateway(n: usize) -> FakeServer {
    FakeServer::start(
        (0..n)
            .map(|_| Reply::json(wire::openai_chat(ALIAS, "Hello.", counts())))
            .collect(),
    )
}

#[tokio::test]
async fn an_alias_runs_unpriced_and_is_priced_once_when_the_user_prices_it() {
    let ledger = Arc::new(Mutex::new(Ledger::open_in_memory().unwrap()));
    let server = gateway(2);
    let runner = runner(&ledger);
    let s = spec(ProviderKind::OpenaiCompatible, server.url(), ALIAS);

    // The pre-flight says so, and nothing bounds the worst case.
    let estimate = runner.estimate(&s).unwrap();
    assert!(estimate.unpriced);
    assert_eq!(
        (estimate.min_cost, estimate.max_cost),
        (NanoUsd::ZERO, NanoUsd::ZERO)
    );
    assert_eq!(estimate.worst_case(), NanoUsd::UNBOUNDED);
    let prepared = runner.preflight(&s, Detail::Bound).unwrap();
    assert!(prepared.unpriced());

    let mut ids = Vec::new();
    for _ in 0..2 {
        let out = runner
            .run(&s, &mut |_| {}, &CancellationToken::new())
            .await
            .unwrap();
        let r = &out.record;
        assert_eq!(r.breakdown.cost_source, CostSource::Unpriced);
        assert_eq!(r.cost(), None, "the cost is unknown, not $0");
        assert_eq!(r.price_key, None);
        assert_eq!(r.computed_cost, None);
        assert_eq!(
            (
                r.usage.input_tokens,
                r.usage.cached_input_tokens,
                r.usage.output_tokens
            ),
            (1000, 200, 300),
            "the tokens are kept, split as the provider bills them"
        );
        let v = serde_json::to_value(RunView::from(r)).unwrap();
        assert_eq!(v["cost_source"], "unpriced");
        assert!(
            v["cost_nano_usd"].is_null() && v["cost_usd"].is_null(),
            "{v}"
        );
        ids.push(r.id);
    }
    assert_eq!(server.hits(), 2);

    // Analytics count them beside the totals, never as $0 runs.
    let d = week(&ledger.lock().unwrap());
    assert_eq!((d.totals.runs, d.totals.unpriced_runs), (2, 2));
    assert_eq!(d.totals.cost_nano, NanoUsd::ZERO);
    assert_eq!(d.totals.avg_cost_nano, NanoUsd::ZERO);
    assert_eq!(d.by_model[0].totals.unpriced_runs, 2);

    {
        let l = ledger.lock().unwrap();
        assert_eq!(l.unpriced_run_count(ALIAS).unwrap(), 2);
        assert_eq!(l.unpriced_run_count("other").unwrap(), 0);
    }

    // The user prices the alias ($2 in, $0.50 cached, $8 out per 1M); each run is priced once.
    let o = OverrideText {
        model: ALIAS.into(),
        input: Some("2".into()),
        output: Some("8".into()),
        cached: Some("0.5".into()),
        ..OverrideText::default()
    }
    .parse("2026-11-30T14:00:00Z".into())
    .unwrap();
    let mut l = ledger.lock().unwrap();
    l.set_override(&o).unwrap();
    let pricer = l.pricer().unwrap();
    let done = l.reprice_unpriced(ALIAS, &pricer).unwrap();
    // 1000 × $2 + 200 × $0.50 + 300 × $8 per 1M = $0.002 + $0.0001 + $0.0024 = $0.0045 each.
    assert_eq!(done.runs, 2);
    assert_eq!(done.cost_nano, NanoUsd(9_000_000));
    assert_eq!(done.still_unpriced, 0);
    assert_eq!(
        done.price_table_version.as_deref(),
        Some("custom+2026-11-30T14:00:00Z")
    );
    for id in &ids {
        let r = l.run(*id).unwrap();
        assert_eq!(r.breakdown.cost_source, CostSource::Computed);
        assert_eq!(r.cost(), Some(NanoUsd(4_500_000)));
        assert_eq!(
            r.price_table_version.as_deref(),
            Some("custom+2026-11-30T14:00:00Z")
        );
    }
    // Once: a second pass finds nothing, and a new price never touches them again.
    assert_eq!(l.reprice_unpriced(ALIAS, &pricer).unwrap().runs, 0);
    let dearer = OverrideText {
        model: ALIAS.into(),
        input: Some("20".into()),
        output: Some("80".into()),
        ..OverrideText::default()
    }
    .parse("2026-12-01T09:00:00Z".into())
    .unwrap();
    l.set_override(&dearer).unwrap();
    let dearer_pricer = l.pricer().unwrap();
    assert_eq!(l.reprice_unpriced(ALIAS, &dearer_pricer).unwrap().runs, 0);
    assert_eq!(l.run(ids[0]).unwrap().cost(), Some(NanoUsd(4_500_000)));

    // The roll-ups followed: the cost joined the totals and nothing is unpriced any more.
    let d = week(&l);
    assert_eq!((d.totals.runs, d.totals.unpriced_runs), (2, 0));
    assert_eq!(d.totals.cost_nano, NanoUsd(9_000_000));
    l.rebuild_rollup().unwrap();
    let rebuilt = week(&l);
    assert_eq!(rebuilt.totals, d.totals, "the triggers equal a rebuild");
}

#[tokio::test]
async fn a_gateway_reported_cost_prices_an_alias_and_native_providers_still_refuse() {
    let ledger = Arc::new(Mutex::new(Ledger::open_in_memory().unwrap()));
    let server = FakeServer::start(vec![
        Reply::json(wire::openai_chat(ALIAS, "Hi.", counts()))
            .header("x-litellm-response-cost", "1.35e-05"),
    ]);
    let runner = runner(&ledger);
    let out = runner
        .run(
            &spec(ProviderKind::OpenaiCompatible, server.url(), ALIAS),
            &mut |_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    let r = &out.record;
    assert_eq!(r.breakdown.cost_source, CostSource::ProviderReported);
    assert_eq!(r.cost(), Some(NanoUsd(13_500)));
    assert_eq!(r.computed_cost, None, "no table price to compare with");

    // A preset runs an alias too; OpenAI itself does not (a typo is refused before sending).
    assert!(
        runner
            .estimate(&spec(ProviderKind::Groq, server.url(), "my-groq-alias"))
            .unwrap()
            .unpriced
    );
    let err = runner
        .estimate(&spec(ProviderKind::Openai, server.url(), "gpt-9-ultra"))
        .unwrap_err();
    assert_eq!(err.code().as_str(), "unknown_model");
}

#[tokio::test]
async fn a_block_budget_refuses_an_unpriced_run_and_a_warn_budget_lets_it_through() {
    let ledger = Arc::new(Mutex::new(Ledger::open_in_memory().unwrap()));
    let server = gateway(1);
    let runner = runner(&ledger);
    let s = spec(ProviderKind::OpenaiCompatible, server.url(), ALIAS);
    let budget = |mode| NewBudget {
        name: "Gateway".into(),
        scope: BudgetScope::Provider("openai_compatible".into()),
        period: BudgetPeriod::Month,
        limit_nano: NanoUsd(100_000_000_000),
        mode,
    };
    let id = ledger
        .lock()
        .unwrap()
        .add_budget(&budget(BudgetMode::Block))
        .unwrap()
        .id;
    let err = runner
        .run(&s, &mut |_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.code().as_str(), "budget_exceeded");
    assert!(
        err.to_string()
            .contains("an unknown amount (no price is known for its model)"),
        "{err}"
    );
    assert_eq!(server.hits(), 0, "nothing was sent");

    // Overridden once, it runs; a warn-mode budget only warns.
    let mut once = s.clone();
    once.policy.override_budget = true;
    let out = runner
        .run(&once, &mut |_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(out.record.breakdown.cost_source, CostSource::Unpriced);
    let mut l = ledger.lock().unwrap();
    l.remove_budget(id).unwrap();
    l.add_budget(&budget(BudgetMode::Warn)).unwrap();
    let checks = l.budget_checks(&s.scope(), NanoUsd::UNBOUNDED).unwrap();
    assert!(checks[0].would_exceed);
}

#[test]
fn pricing_a_paid_answer_never_fails() {
    // A native provider's model that lost its price after the pre-flight: still recorded.
    let pricer = Pricer::bundled();
    let usage = promptledger_core::pricing::TokenUsage {
        input_tokens: 10,
        output_tokens: 5,
        ..Default::default()
    };
    let p = pricer
        .price_run(
            ProviderKind::Anthropic,
            "claude-that-does-not-exist",
            &usage,
            &promptledger_core::pricing::Billing::now(),
        )
        .unwrap();
    assert_eq!(p.breakdown.cost_source, CostSource::Unpriced);
    assert_eq!(p.usage, usage);
}

#[tokio::test]
async fn a_failed_alias_run_billed_nothing_so_it_costs_zero_not_unknown() {
    let ledger = Arc::new(Mutex::new(Ledger::open_in_memory().unwrap()));
    let server = FakeServer::start(vec![Reply::status_json(
        400,
        wire::openai_error("invalid_request_error", "bad_request", "Bad request."),
    )]);
    let out = runner(&ledger)
        .run(
            &spec(ProviderKind::OpenaiCompatible, server.url(), ALIAS),
            &mut |_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    let r = &out.record;
    assert_eq!(r.status, promptledger_core::ledger::runs::RunStatus::Error);
    assert_eq!(r.breakdown.cost_source, CostSource::Computed);
    assert_eq!(r.cost(), Some(NanoUsd::ZERO));
    assert_eq!(week(&ledger.lock().unwrap()).totals.unpriced_runs, 0);
}
