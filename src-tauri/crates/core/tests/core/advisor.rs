//! The savings advisor: one ledger built so that each rule fires once, with every figure
//! computed by hand in the comments.

use promptledger_core::ProviderKind;
use promptledger_core::analytics::advisor::AdviceKind;
use promptledger_core::analytics::{DayRange, Filters};
use promptledger_core::ledger::comparisons::ColumnRecord;
use promptledger_core::ledger::runs::{NewRun, RunStatus};
use promptledger_core::ledger::{Ledger, Zone};
use promptledger_core::pricing::TokenUsage;
use promptledger_core::runner::tokens;

/// `big` $2/$8 per 1M, `small` $0.10/$0.40, `claude` $3/$15 (cache read $0.30, write $3.75),
/// `long` $1/$10 and, above 200k prompt tokens, $2/$15.
const TABLE: &str = r#"{
  "big": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 2e-6,
          "output_cost_per_token": 8e-6},
  "small": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-7,
            "output_cost_per_token": 4e-7},
  "claude": {"litellm_provider": "anthropic", "mode": "chat", "input_cost_per_token": 3e-6,
             "output_cost_per_token": 1.5e-5, "cache_read_input_token_cost": 3e-7,
             "cache_creation_input_token_cost": 3.75e-6},
  "long": {"litellm_provider": "gemini", "mode": "chat", "input_cost_per_token": 1e-6,
           "output_cost_per_token": 1e-5, "input_cost_per_token_above_200k_tokens": 2e-6,
           "output_cost_per_token_above_200k_tokens": 1.5e-5}
}"#;

const DAY: i64 = 1_763_683_200_000; // 2025-11-21T00:00:00Z
const MIN: i64 = 60_000;

struct Run<'a> {
    provider: ProviderKind,
    model: &'a str,
    at: i64,
    input: u64,
    output: u64,
    system: Option<&'a str>,
    prompt: &'a str,
}

fn record(l: &mut Ledger, r: Run<'_>) -> i64 {
    let usage = TokenUsage {
        input_tokens: r.input,
        output_tokens: r.output,
        ..TokenUsage::default()
    };
    let priced = l
        .pricer()
        .unwrap()
        .price(r.provider, r.model, &usage)
        .unwrap();
    l.insert_run(&NewRun {
        started_at_ms: r.at,
        provider: r.provider.as_str().into(),
        model_requested: r.model.into(),
        priced: Some(priced),
        status: Some(RunStatus::Ok),
        attempts: 1,
        system_prompt: r.system.map(str::to_string),
        prompt: Some(r.prompt.into()),
        ..NewRun::default()
    })
    .unwrap()
}

#[test]
fn each_rule_finds_its_saving_with_the_runs_behind_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
    l.set_time_zone(Zone::UTC).unwrap();
    l.import_price_table(TABLE.as_bytes(), None).unwrap();
    let openai = ProviderKind::Openai;

    // A comparison a month earlier (outside the period): small rated 4, big rated 3.
    let c = l
        .create_comparison("q", None, &["big".into(), "small".into()])
        .unwrap();
    let before = DAY - 30 * 24 * 60 * MIN;
    for (pos, model) in [(0, "big"), (1, "small")] {
        let id = record(
            &mut l,
            Run {
                provider: openai,
                model,
                at: before,
                input: 10,
                output: 10,
                system: None,
                prompt: "q",
            },
        );
        l.set_column_run(c, pos, id).unwrap();
    }
    let mut cols = l.comparison(c).unwrap().columns;
    cols[0].rating = Some(3);
    cols[1].rating = Some(4);
    let cols: Vec<ColumnRecord> = cols;
    l.update_comparison(c, &cols, None).unwrap();

    // 1. Two big runs: 1000 × 2000 + 500 × 8000 = 6,000,000 each; as small 1000 × 100 +
    //    500 × 400 = 300,000 each: 11,400,000 saved.
    for (i, p) in ["first question", "second question"]
        .into_iter()
        .enumerate()
    {
        record(
            &mut l,
            Run {
                provider: openai,
                model: "big",
                at: DAY + i as i64 * 90 * MIN,
                input: 1000,
                output: 500,
                system: None,
                prompt: p,
            },
        );
    }
    // 2. Three claude runs resending one long system prompt within 5 minutes, nothing cached:
    //    two resends × prefix × (3000 − 300) − the first write's premium prefix × (3750 − 3000).
    let system = "Answer as the billing assistant of ACME. ".repeat(200);
    let prefix = tokens::count(&system) as i64;
    assert!(prefix >= 1024, "{prefix}");
    let mut resends = Vec::new();
    for (i, p) in ["q1", "q2", "q3"].into_iter().enumerate() {
        let id = record(
            &mut l,
            Run {
                provider: ProviderKind::Anthropic,
                model: "claude",
                at: DAY + 5 * 60 * MIN + i as i64 * MIN,
                input: prefix as u64 + 20,
                output: 50,
                system: Some(&system),
                prompt: p,
            },
        );
        if i > 0 {
            resends.push(id);
        }
    }
    // 3. One long run over 200k: 250,000 × 2000 + 1000 × 15,000 = 515,000,000 against
    //    250,000 × 1000 + 1000 × 10,000 = 260,000,000 at the base rates: 255,000,000 more.
    let long = record(
        &mut l,
        Run {
            provider: ProviderKind::Gemini,
            model: "long",
            at: DAY + 8 * 60 * MIN,
            input: 250_000,
            output: 1000,
            system: None,
            prompt: "big doc",
        },
    );
    record(
        &mut l,
        Run {
            provider: ProviderKind::Gemini,
            model: "long",
            at: DAY + 9 * 60 * MIN,
            input: 1000,
            output: 10,
            system: None,
            prompt: "small doc",
        },
    );
    // 4. The same small request twice, an hour apart: the second, 4000 × 100 + 100 × 400 =
    //    440,000, is what the response cache would have saved.
    record(
        &mut l,
        Run {
            provider: openai,
            model: "small",
            at: DAY + 10 * 60 * MIN,
            input: 4000,
            output: 100,
            system: None,
            prompt: "same question",
        },
    );
    let repeat = record(
        &mut l,
        Run {
            provider: openai,
            model: "small",
            at: DAY + 11 * 60 * MIN,
            input: 4000,
            output: 100,
            system: None,
            prompt: "same question",
        },
    );
    // 25 h after the first the cached answer has expired: paid again, and cached again; an hour
    // later it answers once more. Two hits in all: 880,000.
    record(
        &mut l,
        Run {
            provider: openai,
            model: "small",
            at: DAY + 35 * 60 * MIN,
            input: 4000,
            output: 100,
            system: None,
            prompt: "same question",
        },
    );
    let repeat_2 = record(
        &mut l,
        Run {
            provider: openai,
            model: "small",
            at: DAY + 36 * 60 * MIN,
            input: 4000,
            output: 100,
            system: None,
            prompt: "same question",
        },
    );

    let range = DayRange {
        from: chrono::NaiveDate::from_ymd_opt(2025, 11, 15).unwrap(),
        to: chrono::NaiveDate::from_ymd_opt(2025, 11, 30).unwrap(),
    };
    let advice = l.advice(&range, &Filters::default()).unwrap();
    let got: Vec<(AdviceKind, i64, i64)> = advice
        .iter()
        .map(|a| (a.kind, a.saving_nano, a.runs))
        .collect();
    assert_eq!(
        got,
        [
            (AdviceKind::LongContext, 255_000_000, 1),
            (AdviceKind::CheaperModel, 11_400_000, 2),
            (AdviceKind::PromptCaching, prefix * (2 * 2700 - 750), 2),
            (AdviceKind::ResponseCache, 880_000, 2),
        ]
    );
    assert!(
        advice[0].title.contains("long") && advice[0].detail.contains("200,000"),
        "{}",
        advice[0].detail
    );
    assert_eq!(
        advice[0].examples.iter().map(|r| r.id).collect::<Vec<_>>(),
        [long]
    );
    assert!(
        advice[1].title.contains("95 % less on small"),
        "{}",
        advice[1].title
    );
    assert!(
        advice[1].detail.contains("1 comparison"),
        "{}",
        advice[1].detail
    );
    assert_eq!(advice[1].examples.len(), 2);
    let mut ids: Vec<i64> = advice[2].examples.iter().map(|r| r.id).collect();
    ids.sort();
    assert_eq!(ids, resends);
    assert_eq!(
        advice[3].examples.iter().map(|r| r.id).collect::<Vec<_>>(),
        [repeat_2, repeat]
    );

    // Filters apply: only Gemini leaves the long-context suggestion.
    let gemini = Filters {
        provider: Some("gemini".into()),
        ..Filters::default()
    };
    let only: Vec<AdviceKind> = l
        .advice(&range, &gemini)
        .unwrap()
        .iter()
        .map(|a| a.kind)
        .collect();
    assert_eq!(only, [AdviceKind::LongContext]);
}
