//! Analytics against hand-computed expectations: sums, shares, success rate, percentiles,
//! cache savings, local-time day edges, the previous period, and the roll-up after deletes,
//! rebuilds and zone changes.

use chrono::NaiveDate;
use promptledger_core::ProviderKind;
use promptledger_core::analytics::{DashboardQuery, Filters, Period, Preset};
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::Zone;
use promptledger_core::ledger::runs::{NewRun, RunStatus};
use promptledger_core::pricing::TokenUsage;

fn ms(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .timestamp_millis()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

struct Run<'a> {
    at: &'a str,
    model: &'a str,
    input: u64,
    cached: u64,
    output: u64,
    latency: i64,
    status: RunStatus,
}

impl Default for Run<'_> {
    fn default() -> Self {
        Run {
            at: "2025-11-21T12:00:00Z",
            model: "gpt-4o",
            input: 1000,
            cached: 0,
            output: 500,
            latency: 800,
            status: RunStatus::Ok,
        }
    }
}

fn record(ledger: &mut Ledger, r: Run<'_>) -> i64 {
    let usage = TokenUsage {
        input_tokens: r.input,
        cached_input_tokens: r.cached,
        output_tokens: r.output,
        ..TokenUsage::default()
    };
    let priced = ledger
        .pricer()
        .unwrap()
        .price(ProviderKind::Openai, r.model, &usage)
        .unwrap();
    ledger
        .insert_run(&NewRun {
            started_at_ms: ms(r.at),
            provider: "openai".into(),
            model_requested: r.model.into(),
            priced: (r.status == RunStatus::Ok).then_some(priced),
            status: Some(r.status),
            error_code: (r.status == RunStatus::Error).then(|| "rate_limited".into()),
            latency_ms: Some(r.latency),
            attempts: 1,
            tag: Some("support".into()),
            prompt: Some(format!("prompt for {}", r.model)),
            ..NewRun::default()
        })
        .unwrap()
}

fn custom(from: &str, to: &str) -> DashboardQuery {
    DashboardQuery {
        period: Period::custom(day(from), day(to)),
        filters: Filters::default(),
        top: None,
    }
}

fn utc_ledger() -> Ledger {
    let mut ledger = Ledger::open_in_memory().unwrap();
    ledger.set_time_zone(Zone::UTC).unwrap();
    ledger
}

#[test]
fn sums_shares_success_rate_and_percentiles_match_a_hand_count() {
    let mut l = utc_ledger();
    // gpt-4o: 1000 in × $2.50/M + 500 out × $10/M = $0.0075 = 7,500,000 nano-USD.
    // gpt-4o-mini: 1000 × $0.15/M + 500 × $0.60/M = $0.00045 = 450,000 nano-USD.
    record(
        &mut l,
        Run {
            at: "2025-11-20T09:00:00Z",
            latency: 100,
            ..Run::default()
        },
    );
    record(
        &mut l,
        Run {
            at: "2025-11-20T10:00:00Z",
            latency: 200,
            ..Run::default()
        },
    );
    record(
        &mut l,
        Run {
            at: "2025-11-22T10:00:00Z",
            model: "gpt-4o-mini",
            latency: 300,
            ..Run::default()
        },
    );
    record(
        &mut l,
        Run {
            at: "2025-11-22T11:00:00Z",
            model: "gpt-4o-mini",
            latency: 400,
            status: RunStatus::Error,
            ..Run::default()
        },
    );
    // The previous period (17–19 Nov): one gpt-4o run.
    record(
        &mut l,
        Run {
            at: "2025-11-18T10:00:00Z",
            latency: 1000,
            ..Run::default()
        },
    );
    // Outside both periods.
    record(
        &mut l,
        Run {
            at: "2025-11-23T00:00:00Z",
            ..Run::default()
        },
    );

    let d = l
        .dashboard_on(&custom("2025-11-20", "2025-11-22"), day("2025-11-22"))
        .unwrap();
    let t = &d.totals;
    assert_eq!((t.runs, t.ok_runs), (4, 3));
    assert_eq!(t.cost_nano.0, 7_500_000 * 2 + 450_000);
    assert_eq!(t.avg_cost_nano.0, (7_500_000 * 2 + 450_000) / 4);
    assert_eq!(t.success_rate, Some(0.75));
    // The failed run has no usage: 3 × 1000 input and 3 × 500 output.
    assert_eq!(
        (t.tokens.input, t.tokens.output, t.total_tokens),
        (3000, 1500, 4500)
    );
    assert_eq!(t.latency_avg_ms, Some(250));
    let p50 = t.latency_p50_ms.unwrap();
    let p95 = t.latency_p95_ms.unwrap();
    assert!((190..=210).contains(&p50), "p50 {p50}");
    assert!((380..=420).contains(&p95), "p95 {p95}");

    assert_eq!(d.days.len(), 3);
    assert_eq!(
        d.days
            .iter()
            .map(|x| (x.day.as_str(), x.runs, x.cost_nano.0))
            .collect::<Vec<_>>(),
        vec![
            ("2025-11-20", 2, 15_000_000),
            ("2025-11-21", 0, 0),
            ("2025-11-22", 2, 450_000)
        ]
    );
    assert_eq!(d.days[2].cost_by_model["gpt-4o-mini"].0, 450_000);

    assert_eq!(d.by_model.len(), 2);
    assert_eq!(d.by_model[0].name, "gpt-4o");
    assert_eq!(d.by_model[0].totals.cost_nano.0, 15_000_000);
    assert!((d.by_model[0].cost_share - 15_000_000.0 / 15_450_000.0).abs() < 1e-12);
    assert_eq!(d.by_model[1].totals.success_rate, Some(0.5));
    assert_eq!(d.by_provider.len(), 1);
    assert_eq!(d.by_provider[0].totals.runs, 4);

    // Previous period: 17–19 Nov, one run of $0.0075.
    assert_eq!(d.previous_range.from, day("2025-11-17"));
    assert_eq!(d.previous_range.to, day("2025-11-19"));
    assert_eq!((d.previous.runs, d.previous.cost_nano.0), (1, 7_500_000));
    assert_eq!(d.change.runs, Some(3.0)); // 1 → 4
    assert_eq!(
        d.change.cost,
        Some((15_450_000.0 - 7_500_000.0) / 7_500_000.0)
    );
    assert_eq!(d.change.success_rate_points, Some(-25.0));

    // Most expensive first, ties broken by the newer run; the failed run cost nothing and is
    // not listed.
    assert_eq!(d.top_runs.len(), 3);
    assert_eq!(d.top_runs[0].cost_nano.0, 7_500_000);
    assert_eq!(d.top_runs[0].started_at_ms, ms("2025-11-20T10:00:00Z"));
    assert_eq!(d.top_runs[0].prompt_preview, "prompt for gpt-4o");

    // Filters apply to the figures, the series and the list alike.
    let mut q = custom("2025-11-20", "2025-11-22");
    q.filters.model = Some("gpt-4o-mini".into());
    q.filters.status = Some("ok".into());
    let f = l.dashboard_on(&q, day("2025-11-22")).unwrap();
    assert_eq!((f.totals.runs, f.totals.cost_nano.0), (1, 450_000));
    assert_eq!(f.top_runs.len(), 1);
    assert_eq!(f.days[0].runs, 0);
    // Every run is tagged "support": the wide roll-up (tag filter) and the narrow one (no
    // filter) must agree on everything.
    q.filters = Filters {
        tag: Some("support".into()),
        ..Filters::default()
    };
    let wide = l.dashboard_on(&q, day("2025-11-22")).unwrap();
    assert_eq!(wide.totals, d.totals);
    assert_eq!(wide.days, d.days);
    assert_eq!(wide.by_model, d.by_model);
    assert_eq!(wide.previous, d.previous);
    q.filters = Filters {
        tag: Some("nope".into()),
        ..Filters::default()
    };
    let none = l.dashboard_on(&q, day("2025-11-22")).unwrap();
    assert_eq!(none.totals.runs, 0);
    assert_eq!(none.totals.success_rate, None);
    assert!(none.top_runs.is_empty() && none.latency.is_empty());
}

#[test]
fn days_are_local_days_at_the_zones_midnight() {
    let mut l = Ledger::open_in_memory().unwrap();
    l.set_time_zone(Zone::parse("Asia/Kolkata").unwrap())
        .unwrap();
    // 18:29:59 UTC is 23:59:59 on the 21st in Kolkata (+05:30); 18:30:00 UTC is midnight, the 22nd.
    record(
        &mut l,
        Run {
            at: "2025-11-21T18:29:59Z",
            ..Run::default()
        },
    );
    record(
        &mut l,
        Run {
            at: "2025-11-21T18:30:00Z",
            model: "gpt-4o-mini",
            ..Run::default()
        },
    );
    let d = l
        .dashboard_on(&custom("2025-11-22", "2025-11-22"), day("2025-11-22"))
        .unwrap();
    assert_eq!((d.totals.runs, d.totals.cost_nano.0), (1, 450_000));
    assert_eq!(d.top_runs.len(), 1);
    assert_eq!(d.top_runs[0].model, "gpt-4o-mini");
    assert_eq!((d.previous.runs, d.previous.cost_nano.0), (1, 7_500_000));
    // "Last 7 days" on the 22nd in Kolkata covers the 16th to the 22nd.
    let week = DashboardQuery {
        period: Period::preset(Preset::Days7),
        filters: Filters::default(),
        top: None,
    };
    let w = l.dashboard_on(&week, day("2025-11-22")).unwrap();
    assert_eq!(
        (w.range.from, w.days.len(), w.totals.runs),
        (day("2025-11-16"), 7, 2)
    );

    // In UTC both runs fall on the 21st: changing the zone rebuilds the roll-up.
    assert!(l.set_time_zone(Zone::UTC).unwrap());
    let utc = l
        .dashboard_on(&custom("2025-11-21", "2025-11-21"), day("2025-11-22"))
        .unwrap();
    assert_eq!(utc.totals.runs, 2);
    assert!(!l.set_time_zone(Zone::UTC).unwrap());
}

#[test]
fn cache_savings_deletes_and_rebuilds_keep_the_roll_up_exact() {
    let mut l = utc_ledger();
    // 1000 cached tokens of gpt-4o: $2.50/M at the input rate, $1.25/M cached → saved $0.00125.
    let cached = record(
        &mut l,
        Run {
            input: 0,
            cached: 1000,
            output: 0,
            latency: 50,
            ..Run::default()
        },
    );
    let other = record(
        &mut l,
        Run {
            latency: 5000,
            ..Run::default()
        },
    );
    let q = custom("2025-11-21", "2025-11-21");
    let d = l.dashboard_on(&q, day("2025-11-21")).unwrap();
    assert_eq!(d.totals.cache_saved_nano.0, 1_250_000);
    assert_eq!(d.totals.cost_nano.0, 1_250_000 + 7_500_000);
    let before = l.rollup("2025-11-21", "2025-11-21").unwrap();
    l.rebuild_rollup().unwrap();
    assert_eq!(l.rollup("2025-11-21", "2025-11-21").unwrap(), before);
    assert_eq!(l.dashboard_on(&q, day("2025-11-21")).unwrap(), d);

    l.delete_run(other).unwrap();
    let d = l.dashboard_on(&q, day("2025-11-21")).unwrap();
    assert_eq!((d.totals.runs, d.totals.cost_nano.0), (1, 1_250_000));
    let p95 = d.totals.latency_p95_ms.unwrap();
    assert!(
        (45..=55).contains(&p95),
        "the deleted 5 s run left the histogram: {p95}"
    );
    l.delete_run(cached).unwrap();
    assert!(l.rollup("2000-01-01", "2100-01-01").unwrap().is_empty());
}

#[test]
fn a_writer_follows_a_zone_another_process_stored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite3");
    let mut app = Ledger::open(&path).unwrap();
    app.set_time_zone(Zone::UTC).unwrap();
    // The CLI, in Kolkata, changes the ledger's zone while the app keeps its connection open.
    let mut cli = Ledger::open(&path).unwrap();
    cli.set_time_zone(Zone::parse("Asia/Kolkata").unwrap())
        .unwrap();
    // The app's next write keys its day in Kolkata time too: 20:00 UTC is the 22nd there.
    record(
        &mut app,
        Run {
            at: "2025-11-21T20:00:00Z",
            ..Run::default()
        },
    );
    assert_eq!(app.time_zone().name(), "Asia/Kolkata");
    assert_eq!(cli.rollup("2025-11-22", "2025-11-22").unwrap().len(), 1);
    assert!(cli.rollup("2025-11-21", "2025-11-21").unwrap().is_empty());
}
