//! Price updates, price history and what-if re-pricing, on small tables whose figures are
//! computed by hand in the comments.

use std::time::Duration;

use promptledger_core::analytics::whatif::{ModelSwap, WhatIfSpec};
use promptledger_core::analytics::{DayRange, Filters};
use promptledger_core::ledger::price_tables::TableOrigin;
use promptledger_core::ledger::runs::{NewRun, RunStatus};
use promptledger_core::ledger::{Ledger, Zone};
use promptledger_core::pricing::diff::diff;
use promptledger_core::pricing::update;
use promptledger_core::pricing::{PriceTable, TokenUsage};
use promptledger_core::{CoreError, ErrorCode, ProviderKind};
use promptledger_testkit::{FakeServer, Reply};

/// `odd` has a tier edge (150k) no bundled table has: the what-if must price that band run by run.
/// `big` $2/$8 per 1M (cache read $0.50, batch $1/$4), `small` $0.10/$0.40 (cache read $0.025),
/// `long` $1/$10 (cache read $0.10) and, above 200k prompt tokens, $2/$15 ($0.20).
const V1: &str = r#"{
  "sample_spec": {"input_cost_per_token": 0},
  "big": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 2e-6,
          "output_cost_per_token": 8e-6, "cache_read_input_token_cost": 5e-7,
          "input_cost_per_token_batches": 1e-6, "output_cost_per_token_batches": 4e-6},
  "small": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-7,
            "output_cost_per_token": 4e-7, "cache_read_input_token_cost": 2.5e-8},
  "long": {"litellm_provider": "gemini", "mode": "chat", "input_cost_per_token": 1e-6,
           "output_cost_per_token": 1e-5, "cache_read_input_token_cost": 1e-7,
           "input_cost_per_token_above_200k_tokens": 2e-6,
           "output_cost_per_token_above_200k_tokens": 1.5e-5,
           "cache_read_input_token_cost_above_200k_tokens": 2e-7},
  "gone": {"litellm_provider": "openai", "input_cost_per_token": 1e-6, "output_cost_per_token": 1e-6},
  "odd": {"litellm_provider": "openai", "input_cost_per_token": 1e-6, "output_cost_per_token": 1e-6,
          "input_cost_per_token_above_150k_tokens": 3e-6}
}"#;

/// V1 with `big`'s input halved to $1, `small`'s output raised to $0.60, `gone` removed, `fresh`
/// added, `long` only given a longer context window (not a price change).
const V2: &str = r#"{
  "big": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-6,
          "output_cost_per_token": 8e-6, "cache_read_input_token_cost": 5e-7,
          "input_cost_per_token_batches": 1e-6, "output_cost_per_token_batches": 4e-6},
  "small": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-7,
            "output_cost_per_token": 6e-7, "cache_read_input_token_cost": 2.5e-8},
  "long": {"litellm_provider": "gemini", "mode": "chat", "input_cost_per_token": 1e-6,
           "output_cost_per_token": 1e-5, "cache_read_input_token_cost": 1e-7,
           "input_cost_per_token_above_200k_tokens": 2e-6,
           "output_cost_per_token_above_200k_tokens": 1.5e-5,
           "cache_read_input_token_cost_above_200k_tokens": 2e-7, "max_input_tokens": 1000000},
  "fresh": {"litellm_provider": "openai", "input_cost_per_token": 3e-6, "output_cost_per_token": 9e-6}
}"#;

/// V2 with `big`'s input back at $1.50.
const V3: &str = r#"{
  "big": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1.5e-6,
          "output_cost_per_token": 8e-6, "cache_read_input_token_cost": 5e-7},
  "small": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-7,
            "output_cost_per_token": 6e-7, "cache_read_input_token_cost": 2.5e-8}
}"#;

const DAY1: i64 = 1_763_683_200_000; // 2025-11-21T00:00:00Z

fn table(json: &str, name: &str) -> PriceTable {
    PriceTable::parse(json.as_bytes(), name, None).unwrap()
}

#[test]
fn the_diff_lists_added_removed_and_each_changed_rate_with_its_change() {
    let d = diff(&table(V1, "v1"), &table(V2, "v2"));
    assert_eq!(d.added, ["fresh"]);
    assert_eq!(d.removed, ["gone", "odd"]);
    assert_eq!(d.unchanged, 1, "long: only its context window changed");
    type Change<'a> = (&'a str, &'a str, Option<i64>, Option<i64>, Option<f64>);
    let changes: Vec<Change> = d
        .changed
        .iter()
        .map(|c| {
            (
                c.model.as_str(),
                c.field.as_str(),
                c.old,
                c.new,
                c.change_pct,
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            (
                "big",
                "input_cost_per_token",
                Some(2_000_000_000),
                Some(1_000_000_000),
                Some(-50.0)
            ),
            (
                "small",
                "output_cost_per_token",
                Some(400_000_000),
                Some(600_000_000),
                Some(50.0)
            ),
        ]
    );
    // V3 drops big's batch rates: each dropped rate is a change to nothing.
    let d = diff(&table(V2, "v2"), &table(V3, "v3"));
    let big: Vec<(&str, Option<i64>)> = d
        .changed
        .iter()
        .filter(|c| c.model == "big")
        .map(|c| (c.field.as_str(), c.new))
        .collect();
    assert_eq!(
        big,
        [
            ("input_cost_per_token", Some(1_500_000_000)),
            ("input_cost_per_token_batches", None),
            ("output_cost_per_token_batches", None),
        ]
    );
    assert!(diff(&table(V1, "a"), &table(V1, "b")).is_empty());
}

fn run(ledger: &Ledger, provider: ProviderKind, model: &str, at: i64, u: TokenUsage) -> NewRun {
    let priced = ledger.pricer().unwrap().price(provider, model, &u).unwrap();
    NewRun {
        started_at_ms: at,
        provider: provider.as_str().into(),
        model_requested: model.into(),
        priced: Some(priced),
        status: Some(RunStatus::Ok),
        latency_ms: Some(500),
        attempts: 1,
        ..NewRun::default()
    }
}

fn usage(input: u64, cached: u64, output: u64) -> TokenUsage {
    TokenUsage {
        input_tokens: input,
        cached_input_tokens: cached,
        output_tokens: output,
        ..TokenUsage::default()
    }
}

/// A ledger priced with V1: two `big` runs, two `long` runs (one above 200k), two `small` runs
/// (one above 200k, where `small` has no tier).
fn hand_ledger() -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let mut l = Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
    l.set_time_zone(Zone::UTC).unwrap();
    l.import_price_table(V1.as_bytes(), Some("v1.json"))
        .unwrap();
    let runs = [
        // 1000 × 2000 + 2000 × 500 + 500 × 8000 = 7,000,000 nano-USD
        (
            ProviderKind::Openai,
            "big",
            usage(1000, 2000, 500),
            7_000_000,
        ),
        // 3000 × 2000 + 1000 × 8000 = 14,000,000
        (
            ProviderKind::Openai,
            "big",
            usage(3000, 0, 1000),
            14_000_000,
        ),
        // above 200k: 250,000 × 2000 + 1000 × 15,000 = 515,000,000
        (
            ProviderKind::Gemini,
            "long",
            usage(250_000, 0, 1000),
            515_000_000,
        ),
        // 10,000 × 1000 + 2000 × 10,000 = 30,000,000
        (
            ProviderKind::Gemini,
            "long",
            usage(10_000, 0, 2000),
            30_000_000,
        ),
        // 4000 × 100 + 100 × 400 = 440,000
        (ProviderKind::Openai, "small", usage(4000, 0, 100), 440_000),
        // no tier on small: 300,000 × 100 = 30,000,000
        (
            ProviderKind::Openai,
            "small",
            usage(300_000, 0, 0),
            30_000_000,
        ),
    ];
    for (i, (p, m, u, cost)) in runs.into_iter().enumerate() {
        let r = run(&l, p, m, DAY1 + i as i64 * 3_600_000, u);
        assert_eq!(
            r.priced.as_ref().unwrap().breakdown.total_nano_usd.0,
            cost,
            "{m}"
        );
        l.insert_run(&r).unwrap();
    }
    (dir, l)
}

fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn range() -> DayRange {
    DayRange {
        from: day("2025-11-01"),
        to: day("2025-11-30"),
    }
}

fn swaps(pairs: &[(&str, &str)]) -> WhatIfSpec {
    WhatIfSpec {
        swaps: pairs
            .iter()
            .map(|(a, b)| ModelSwap::parse(&format!("{a}={b}")).unwrap())
            .collect(),
        ..WhatIfSpec::default()
    }
}

#[test]
fn what_if_reprices_each_token_component_and_each_tier_exactly() {
    let (_dir, l) = hand_ledger();
    let all = Filters::default();
    let w = l
        .what_if(&range(), &all, &swaps(&[("big", "small"), ("long", "big")]))
        .unwrap();
    let rows: Vec<(&str, &str, i64, i64, i64)> = w
        .by_model
        .iter()
        .map(|r| {
            (
                r.model.as_str(),
                r.as_model.as_str(),
                r.runs,
                r.actual_nano,
                r.what_if_nano,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            // long as big (no tier): 250,000 × 2000 + 1000 × 8000 = 508,000,000, and
            // 10,000 × 2000 + 2000 × 8000 = 36,000,000
            ("long", "big", 2, 545_000_000, 544_000_000),
            // small stays: 440,000 + 30,000,000
            ("small", "small", 2, 30_440_000, 30_440_000),
            // big as small: 1000 × 100 + 2000 × 25 + 500 × 400 = 350,000, and
            // 3000 × 100 + 1000 × 400 = 700,000
            ("big", "small", 2, 21_000_000, 1_050_000),
        ]
    );
    assert_eq!(w.actual_nano, 596_440_000);
    assert_eq!(w.what_if_nano, 575_490_000);
    assert_eq!(w.difference_nano, -20_950_000);
    assert!(w.note.contains("another length"));

    // The other way round, the tier applies on the target only: small's 300k-token run as
    // long is 300,000 × 2000 (above 200k) = 600,000,000; its 4000-token run 4000 × 1000 +
    // 100 × 10,000 = 5,000,000.
    let w = l
        .what_if(&range(), &all, &swaps(&[("small", "long")]))
        .unwrap();
    let small = w.by_model.iter().find(|r| r.model == "small").unwrap();
    assert_eq!(
        (small.as_model.as_str(), small.what_if_nano),
        ("long", 605_000_000)
    );

    // Filters apply: only gemini.
    let gemini = Filters {
        provider: Some("gemini".into()),
        ..Filters::default()
    };
    let w = l
        .what_if(&range(), &gemini, &swaps(&[("long", "big")]))
        .unwrap();
    assert_eq!((w.actual_nano, w.what_if_nano), (545_000_000, 544_000_000));

    // A target the table does not know is an error, not a silent "no change".
    let err = l
        .what_if(&range(), &all, &swaps(&[("big", "smal")]))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::UnknownModel);
    assert!(ModelSwap::parse("big").is_err());
}

#[test]
fn batch_what_if_uses_batch_rates_and_leaves_out_models_without_them() {
    let (_dir, l) = hand_ledger();
    let w = l
        .what_if(
            &range(),
            &Filters::default(),
            &WhatIfSpec {
                batch: true,
                ..WhatIfSpec::default()
            },
        )
        .unwrap();
    // big in batch: 1000 × 1000 + 2000 × 250 (no batch cache-read rate: $0.50 × the model's
    // own 1/2 discount) + 500 × 4000 = 3,500,000, and 3000 × 1000 + 1000 × 4000 = 7,000,000.
    assert_eq!(w.by_model.len(), 1);
    let big = &w.by_model[0];
    assert_eq!(
        (big.as_model.as_str(), big.actual_nano, big.what_if_nano),
        ("big (batch)", 21_000_000, 10_500_000)
    );
    assert_eq!((w.actual_nano, w.what_if_nano), (21_000_000, 10_500_000));
    let skipped: Vec<(&str, i64)> = w
        .skipped
        .iter()
        .map(|s| (s.model.as_str(), s.runs))
        .collect();
    assert_eq!(skipped, [("long", 2), ("small", 2)]);
    assert!(w.skipped[0].reason.contains("no batch price"));
}

#[test]
fn what_if_at_another_table_version_and_at_todays_prices() {
    let (_dir, mut l) = hand_ledger();
    let v1 = l.pricer().unwrap().table().version().id.clone();
    let (t2, d) = l.preview_price_table(V2.as_bytes()).unwrap();
    // The ranking follows the last 30 days' spend: none here (the runs are from 2025).
    assert!(d.changed.iter().all(|c| c.spend_30d_nano == 0));
    l.store_price_table(
        &t2,
        V2.as_bytes(),
        TableOrigin::Update,
        None,
        Some("http://x/"),
    )
    .unwrap();
    // At today's table (V2), big's input is $1: 1000 × 1000 + 2000 × 500 + 500 × 8000 =
    // 6,000,000 and 3000 × 1000 + 1000 × 8000 = 11,000,000; small's output is $0.60:
    // 4000 × 100 + 100 × 600 = 460,000 and 30,000,000.
    let w = l
        .what_if(&range(), &Filters::default(), &swaps(&[]))
        .unwrap();
    let by: Vec<(&str, i64)> = w
        .by_model
        .iter()
        .map(|r| (r.model.as_str(), r.what_if_nano))
        .collect();
    assert_eq!(
        by,
        [
            ("long", 545_000_000),
            ("small", 30_460_000),
            ("big", 17_000_000)
        ]
    );
    // At the table the runs were priced with, nothing changes.
    let w = l
        .what_if(
            &range(),
            &Filters::default(),
            &WhatIfSpec {
                at_table: Some(v1.clone()),
                ..WhatIfSpec::default()
            },
        )
        .unwrap();
    assert_eq!(w.what_if_nano, w.actual_nano);
    assert_eq!(w.table_version, v1);
    let err = l
        .what_if(
            &range(),
            &Filters::default(),
            &WhatIfSpec {
                at_table: Some("update-19990101".into()),
                ..WhatIfSpec::default()
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}

#[test]
fn a_band_cut_by_an_unknown_tier_edge_is_repriced_run_by_run() {
    let (_dir, mut l) = hand_ledger();
    for prompt in [140_000, 160_000] {
        let r = run(&l, ProviderKind::Openai, "small", DAY1, usage(prompt, 0, 0));
        l.insert_run(&r).unwrap();
    }
    let w = l
        .what_if(&range(), &Filters::default(), &swaps(&[("small", "odd")]))
        .unwrap();
    let small = w.by_model.iter().find(|r| r.model == "small").unwrap();
    // 4000 × 1000 + 100 × 1000 = 4,100,000; 300,000 × 3000 = 900,000,000 (above 150k);
    // 140,000 × 1000 = 140,000,000 (below); 160,000 × 3000 = 480,000,000 (above).
    assert_eq!(small.what_if_nano, 1_524_100_000);
    assert_eq!(
        w.groups_repriced_by_run, 1,
        "only the 128k–200k band is cut"
    );
}

#[test]
fn a_cache_hit_and_an_unpriced_run_stay_out_of_the_what_if() {
    let (_dir, mut l) = hand_ledger();
    let mut hit = run(&l, ProviderKind::Openai, "big", DAY1, usage(1000, 0, 100));
    hit.cache_hit = true;
    l.insert_run(&hit).unwrap();
    let mut unpriced = run(&l, ProviderKind::Openai, "big", DAY1, usage(1000, 0, 100));
    unpriced.priced = Some(promptledger_core::pricing::PricedUsage::unknown(
        ProviderKind::Openai,
        "big",
        usage(1000, 0, 100),
    ));
    l.insert_run(&unpriced).unwrap();
    let w = l
        .what_if(&range(), &Filters::default(), &swaps(&[("big", "small")]))
        .unwrap();
    let big = w.by_model.iter().find(|r| r.model == "big").unwrap();
    assert_eq!(big.runs, 2, "the cache hit is not re-priced");
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn an_update_is_applied_only_when_valid_and_a_failure_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
    let bundled = l.pricer().unwrap().table().version().id.clone();
    let server = FakeServer::with_handler(|r| match r.path.as_str() {
        "/good.json" => Reply::json(V2),
        "/broken.json" => Reply::json("{\"big\": {\"input_cost_per_token\": \"cheap\"}"),
        "/slow.json" => Reply::Stall,
        _ => Reply::status_json(404, "{\"message\": \"Not Found\"}"),
    });
    let url = |p: &str| format!("{}{p}", server.url());
    let unchanged = |l: &Ledger| {
        assert_eq!(l.pricer().unwrap().table().version().id, bundled);
    };

    let err = block_on(update::download(
        &url("/missing.json"),
        Duration::from_secs(5),
    ))
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(
        err.to_string().contains("HTTP 404") && err.to_string().contains("unchanged"),
        "{err}"
    );
    unchanged(&l);

    // A token in the address never reaches a message.
    let with_token = url("/missing.json?token=hunter2").replace("http://", "http://me:pw-secret@");
    let err = block_on(update::download(&with_token, Duration::from_secs(5))).unwrap_err();
    let text = err.to_string();
    assert!(
        !text.contains("hunter2") && !text.contains("pw-secret"),
        "{text}"
    );
    assert!(text.contains("/missing.json"), "{text}");

    let err = block_on(update::download(&url("/slow.json"), Duration::from_secs(1))).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
    unchanged(&l);

    let err = block_on(update::download(
        "http://127.0.0.1:9/x.json",
        Duration::from_secs(2),
    ))
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err}");
    assert!(matches!(
        update::check_url("ftp://example.com/x"),
        Err(CoreError::InvalidInput { .. })
    ));

    let bytes = block_on(update::download(
        &url("/broken.json"),
        Duration::from_secs(5),
    ))
    .unwrap();
    let err = l.preview_price_table(&bytes).unwrap_err();
    assert!(matches!(err, CoreError::InvalidPriceTable { .. }), "{err}");
    unchanged(&l);

    let bytes = block_on(update::download(&url("/good.json"), Duration::from_secs(5))).unwrap();
    let (t, d) = l.preview_price_table(&bytes).unwrap();
    assert_eq!(d.from_version, bundled);
    assert!(d.to_version.starts_with("update-"));
    unchanged(&l); // a preview changes nothing
    l.store_price_table(
        &t,
        &bytes,
        TableOrigin::Update,
        None,
        Some(&url("/good.json")),
    )
    .unwrap();
    assert_eq!(l.pricer().unwrap().table().version().id, d.to_version);
    let tables = l.price_tables().unwrap();
    let origins: Vec<TableOrigin> = tables.iter().map(|t| t.origin).collect();
    assert_eq!(origins, [TableOrigin::Bundled, TableOrigin::Update]);
    assert_eq!(
        tables[1].source_url.as_deref(),
        Some(url("/good.json").as_str())
    );

    // A reset withdraws the update; the history keeps it.
    assert_eq!(l.reset_price_tables().unwrap(), 1);
    unchanged(&l);
    assert_eq!(l.price_tables().unwrap().len(), 2);
}

#[test]
fn the_price_history_holds_every_table_used_and_runs_keep_their_rates() {
    let (_dir, mut l) = hand_ledger();
    let first_run_cost = l.run(1).unwrap().breakdown.total_nano_usd;
    for json in [V2, V3] {
        let (t, _) = l.preview_price_table(json.as_bytes()).unwrap();
        l.store_price_table(&t, json.as_bytes(), TableOrigin::Update, None, None)
            .unwrap();
    }
    let h = l.price_history("big").unwrap();
    let inputs: Vec<(TableOrigin, Option<i64>)> = h
        .iter()
        .map(|p| (p.origin, p.rates.get("input_cost_per_token").copied()))
        .collect();
    assert_eq!(
        inputs,
        [
            (TableOrigin::Bundled, None), // the bundled table has no `big`
            (TableOrigin::Import, Some(2_000_000_000)),
            (TableOrigin::Update, Some(1_000_000_000)),
            (TableOrigin::Update, Some(1_500_000_000)),
        ]
    );
    assert_eq!(h[3].rates.get("input_cost_per_token_batches"), None);
    assert_eq!(
        l.run(1).unwrap().breakdown.total_nano_usd,
        first_run_cost,
        "runs keep their rates"
    );
    assert_eq!(
        l.price_history("no-such-model").unwrap_err().code(),
        ErrorCode::UnknownModel
    );
}

#[test]
fn the_update_address_and_the_weekly_check_are_kept_in_the_ledger() {
    let mut l = Ledger::open_in_memory().unwrap();
    assert_eq!(l.price_update_url().unwrap(), update::DEFAULT_URL);
    assert!(l.price_update_due().unwrap());
    l.set_price_update_url("http://127.0.0.1:1/prices.json")
        .unwrap();
    assert_eq!(
        l.price_update_url().unwrap(),
        "http://127.0.0.1:1/prices.json"
    );
    assert!(l.set_price_update_url("not a url").is_err());
    l.note_price_update_check().unwrap();
    assert!(!l.price_update_due().unwrap());
    l.set_price_update_url(" ").unwrap();
    assert_eq!(l.price_update_url().unwrap(), update::DEFAULT_URL);
}

#[test]
fn the_narrow_what_if_rollup_follows_inserts_pricing_deletes_and_rebuilds() {
    let (_dir, mut l) = hand_ledger();
    let mut unpriced = run(&l, ProviderKind::Openai, "small", DAY1, usage(10, 0, 10));
    unpriced.priced = Some(promptledger_core::pricing::PricedUsage::unknown(
        ProviderKind::Openai,
        "small",
        usage(10, 0, 10),
    ));
    l.insert_run(&unpriced).unwrap();
    l.delete_run(1).unwrap();
    let swap = swaps(&[("big", "small"), ("long", "big")]);
    // A key filter reads the wide table; none reads the narrow one. Both must agree.
    let wide = Filters {
        status: Some("ok".into()),
        ..Filters::default()
    };
    let narrow = l.what_if(&range(), &Filters::default(), &swap).unwrap();
    assert_eq!(
        narrow.by_model,
        l.what_if(&range(), &wide, &swap).unwrap().by_model
    );
    assert_eq!(narrow.by_model.iter().map(|r| r.runs).sum::<i64>(), 5);
    l.rebuild_rollup().unwrap();
    assert_eq!(
        narrow,
        l.what_if(&range(), &Filters::default(), &swap).unwrap()
    );
}
