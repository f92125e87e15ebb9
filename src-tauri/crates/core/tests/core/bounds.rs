//! Money that cannot overflow (issue 14): a server reporting impossible usage makes one run an
//! `invalid_response` error with an unknown cost — never a saturated i64::MAX that poisons the
//! day's roll-up — and the next run records normally; `cost` refuses such input; a ledger already
//! poisoned is repaired when it is opened.

use promptledger_core::ledger::runs::RunStatus;
use promptledger_core::ledger::{Ledger, Zone, migrations, register_sql_functions};
use promptledger_core::pricing::{Billing, CostSource, OverrideText, Pricer, TokenUsage};
use promptledger_core::providers::{
    ChatRequest, Endpoint, HttpSettings, Message, ProviderClient, Role,
};
use promptledger_core::runner::{RunSpec, Runner};
use promptledger_core::vault::Secret;
use promptledger_core::{ErrorCode, NanoUsd, ProviderKind};
use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply};
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

const HUGE: u64 = 1_000_000_000_000_000_000;

fn spec(url: &str) -> RunSpec {
    RunSpec {
        endpoint: Endpoint::new(
            ProviderKind::OpenaiCompatible,
            Some(&format!("{url}/v1")),
            Some(Secret::new("sk-test-bounds-1234")),
        )
        .unwrap(),
        chat: ChatRequest {
            model: "gpt-4o".into(),
            system: None,
            messages: vec![Message {
                role: Role::User,
                content: "Hi".into(),
            }],
            temperature: None,
            max_tokens: Some(50),
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

#[tokio::test]
async fn impossible_usage_is_an_error_with_an_unknown_cost_and_the_day_goes_on() {
    let server = FakeServer::start(vec![
        Reply::json(wire::openai_chat(
            "gpt-4o",
            "Hello",
            Counts {
                prompt: HUGE,
                output: 5,
                ..Counts::default()
            },
        )),
        Reply::json(wire::openai_chat(
            "gpt-4o",
            "Hello",
            Counts {
                prompt: 1000,
                output: 500,
                ..Counts::default()
            },
        )),
    ]);
    let ledger = Arc::new(Mutex::new(Ledger::open_in_memory().unwrap()));
    let runner = Runner::new(
        ProviderClient::new(HttpSettings::default()).unwrap(),
        ledger.clone(),
        Pricer::bundled(),
    );
    let s = spec(server.url());
    let bad = runner
        .run(&s, &mut |_| {}, &CancellationToken::new())
        .await
        .unwrap()
        .record;
    assert_eq!(bad.status, RunStatus::Error);
    assert_eq!(bad.error_code.as_deref(), Some("invalid_response"));
    let msg = bad.error_message.clone().unwrap();
    assert!(
        msg.contains("1000000000000000000"),
        "the usage as sent: {msg}"
    );
    assert_eq!(bad.cost(), None, "unknown, not i64::MAX");
    assert_eq!(bad.breakdown.cost_source, CostSource::Unpriced);
    assert_eq!(bad.usage, TokenUsage::default());

    // The same day, any model: recorded and priced as ever ($0.0075 for gpt-4o).
    let good = runner
        .run(&s, &mut |_| {}, &CancellationToken::new())
        .await
        .unwrap()
        .record;
    assert_eq!(good.status, RunStatus::Ok);
    assert_eq!(good.cost(), Some(NanoUsd(7_500_000)));
    let l = ledger.lock().unwrap();
    let today = l.time_zone().today().to_string();
    let day: i64 = l
        .rollup(&today, &today)
        .unwrap()
        .iter()
        .map(|r| r.cost.0)
        .sum();
    assert_eq!(day, 7_500_000);
    assert!(l.budgets().is_ok());
}

#[test]
fn pricing_refuses_counts_and_costs_no_request_can_have() {
    let pricer = Pricer::bundled();
    let huge = TokenUsage {
        input_tokens: HUGE,
        ..TokenUsage::default()
    };
    let err = pricer
        .price(ProviderKind::Openai, "gpt-4o", &huge)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(
        err.to_string().contains("more than any provider bills"),
        "{err}"
    );
    // Within the token bound but over $1,000,000 at a (custom) price: refused, not saturated.
    let o = OverrideText {
        model: "dear-model".into(),
        input: Some("1000000".into()),
        output: Some("1".into()),
        ..OverrideText::default()
    }
    .parse("2026-11-30T00:00:00Z".into())
    .unwrap();
    let pricer = Pricer::new(promptledger_core::pricing::PriceTable::bundled(), vec![o]);
    let big = TokenUsage {
        input_tokens: 2_000_000,
        ..TokenUsage::default()
    };
    let err = pricer
        .price_as(
            ProviderKind::OpenaiCompatible,
            "dear-model",
            &big,
            &Billing::now(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("more than $1,000,000"), "{err}");
    // $1,000,000 exactly is still a (very large) bill.
    let one = TokenUsage {
        input_tokens: 1_000_000,
        ..TokenUsage::default()
    };
    let p = pricer
        .price_as(
            ProviderKind::OpenaiCompatible,
            "dear-model",
            &one,
            &Billing::now(),
        )
        .unwrap();
    assert_eq!(p.breakdown.total_nano_usd, NanoUsd(1_000_000_000_000_000));
}

#[test]
fn a_ledger_poisoned_before_the_bound_is_repaired_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite3");
    let now = promptledger_core::ledger::now_ms();
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        register_sql_functions(&conn, Zone::UTC).unwrap();
        migrations().to_version(&mut conn, 8).unwrap();
        conn.execute("INSERT INTO ledger_meta VALUES ('time_zone', 'UTC')", [])
            .unwrap();
        // Provider text stored before redaction: a proxy that echoed the key.
        conn.execute(
            "INSERT INTO runs (started_at_ms, provider, model_requested, status, error_code,
                error_message, attempts_json, cost_total_nano, cost_source) VALUES
                (?1, 'openai', 'gpt-4o', 'error', 'invalid_key',
                 'Incorrect API key provided: ' || 'sk-proj-' || 'OLDCANARY0123456789abcd' || '',
                 '[{\"error_message\":\"Bearer ' || 'sk-proj-' || 'OLDCANARY0123456789abcd' || '\"}]',
                 0, 'computed')",
            [now],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO api_keys (id, provider, label, last_four, created_at_ms,
                last_error_message) VALUES ('k1', 'openai', 'main', 'abcd', 0,
                'Incorrect API key provided: ' || 'sk-proj-' || 'OLDCANARY0123456789abcd' || '')",
            [],
        )
        .unwrap();
        // What the old engine recorded for 10^18 prompt tokens: a saturated cost.
        conn.execute(
            "INSERT INTO runs (started_at_ms, provider, model_requested, status, input_tokens,
                output_tokens, cost_total_nano, cost_source) VALUES
                (?1, 'openai_compatible', 'gpt-4o', 'ok', ?2, 5, ?3, 'computed')",
            rusqlite::params![now, HUGE as i64, i64::MAX],
        )
        .unwrap();
    }
    drop(Ledger::open(&path).unwrap());
    // The echoed key is gone from every byte of the file and its WAL.
    for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap();
        assert!(
            !bytes.windows(9).any(|w| w == b"OLDCANARY"),
            "{}",
            entry.path().display()
        );
    }
    let mut ledger = Ledger::open(&path).unwrap();
    let echoed = ledger
        .recent_runs(5)
        .unwrap()
        .into_iter()
        .find(|r| r.error_code.as_deref() == Some("invalid_key"))
        .unwrap();
    assert_eq!(
        echoed.error_message.as_deref(),
        Some("Incorrect API key provided: …abcd")
    );
    let run = ledger
        .recent_runs(5)
        .unwrap()
        .into_iter()
        .find(|r| r.error_code.as_deref() == Some("invalid_response"))
        .unwrap();
    assert_eq!(run.status, RunStatus::Error);
    assert_eq!(run.error_code.as_deref(), Some("invalid_response"));
    assert_eq!(run.cost(), None);
    assert_eq!(run.usage, TokenUsage::default());
    assert!(run.error_message.unwrap().starts_with(
        "the provider reported a usage that cannot be billed (1000000000000000000 input"
    ),);
    // The day's roll-up is whole again: a normal run records, and the sums are right.
    let usage = TokenUsage {
        input_tokens: 1000,
        output_tokens: 500,
        ..TokenUsage::default()
    };
    let priced = Pricer::bundled()
        .price(ProviderKind::Openai, "gpt-4o", &usage)
        .unwrap();
    ledger
        .insert_run(&promptledger_core::ledger::runs::NewRun {
            started_at_ms: now,
            provider: "openai".into(),
            model_requested: "gpt-4o".into(),
            priced: Some(priced),
            status: Some(RunStatus::Ok),
            attempts: 1,
            ..Default::default()
        })
        .unwrap();
    let today = ledger.time_zone().day_string(now);
    let rows = ledger.rollup(&today, &today).unwrap();
    assert_eq!(rows.iter().map(|r| r.cost.0).sum::<i64>(), 7_500_000);
    assert_eq!(rows.iter().map(|r| r.runs).sum::<i64>(), 3);
}
