//! Charts from a sample-data dashboard: every kind renders in both themes, money axes carry
//! units, the series match the dashboard, and the SVGs are saved as test artifacts.

use promptledger_core::analytics::{DashboardQuery, Filters, Period, Preset};
use promptledger_core::charts::{ChartKind, Theme, Unit, render};
use promptledger_core::demo::{DemoOptions, fill, is_demo};
use promptledger_core::ledger::{Ledger, Zone};

fn artifacts() -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("charts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_chart_renders_from_sample_data_in_both_themes() {
    let mut l = Ledger::open_in_memory().unwrap();
    l.set_time_zone(Zone::UTC).unwrap();
    let end = chrono::DateTime::parse_from_rfc3339("2026-11-20T23:00:00Z").unwrap();
    let opts = DemoOptions {
        runs: 6000,
        days: 90,
        end_ms: end.timestamp_millis(),
        seed: 3,
    };
    let summary = fill(&mut l, &opts, |_, _| {}).unwrap();
    assert_eq!(summary.runs, 6000);
    assert!(is_demo(&l).unwrap());
    let today = end.date_naive();
    let q = DashboardQuery {
        period: Period::preset(Preset::Days30),
        filters: Filters::default(),
        top: None,
    };
    let d = l.dashboard_on(&q, today).unwrap();
    assert!(d.totals.runs > 1000);
    assert_eq!(d.by_provider.len(), 5);
    assert!(d.totals.cache_saved_nano.0 > 0);
    assert!(d.totals.success_rate.unwrap() < 1.0);
    for theme in [Theme::Light, Theme::Dark] {
        for kind in ChartKind::ALL {
            let c = render(&d, kind, theme).unwrap();
            assert!(
                c.svg.starts_with("<svg") && c.svg.contains("viewBox"),
                "{kind:?}"
            );
            assert!(c.plot.left < c.plot.right && c.plot.top < c.plot.bottom);
            for s in &c.series {
                assert_eq!(s.values.len(), c.labels.len(), "{kind:?} {}", s.name);
            }
            if c.unit == Unit::Usd {
                assert!(c.svg.contains('$'), "{kind:?} has money on an axis");
            }
            let name = format!(
                "{}-{}.svg",
                kind.id(),
                if theme == Theme::Light {
                    "light"
                } else {
                    "dark"
                }
            );
            std::fs::write(artifacts().join(name), &c.svg).unwrap();
        }
    }
    // The stacked spend series add up to each day's cost.
    let c = render(&d, ChartKind::SpendByProvider, Theme::Light).unwrap();
    for (i, day) in d.days.iter().enumerate() {
        let sum: f64 = c.series.iter().map(|s| s.values[i].unwrap_or(0.0)).sum();
        assert!((sum - day.cost_nano.0 as f64 / 1e9).abs() < 1e-9);
    }
    let latency = render(&d, ChartKind::Latency, Theme::Light).unwrap();
    let runs: f64 = latency.series[0].values.iter().flatten().sum();
    assert_eq!(runs as i64, d.totals.runs);
    // A real ledger (runs, no demo mark) is refused.
    let mut real = Ledger::open_in_memory().unwrap();
    real.insert_runs(&[promptledger_core::ledger::runs::NewRun {
        started_at_ms: 1,
        provider: "openai".into(),
        model_requested: "gpt-4o".into(),
        ..Default::default()
    }])
    .unwrap();
    assert!(fill(&mut real, &opts, |_, _| {}).is_err());
    // An empty dashboard still draws (axes, no bars).
    let empty = Ledger::open_in_memory()
        .unwrap()
        .dashboard_on(&q, today)
        .unwrap();
    for kind in ChartKind::ALL {
        render(&empty, kind, Theme::Dark).unwrap();
    }
}
