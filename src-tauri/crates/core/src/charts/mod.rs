//! Charts for the Analytics screen, drawn by `plotters` as SVG from a [`Dashboard`]: spend over
//! time stacked by provider or by model, cost per model, tokens over time by component, the
//! latency distribution and the success rate over time — light or dark. Each chart comes with
//! its series data and the plot area's pixel box, so the UI can show a hover readout without
//! parsing the SVG.

mod style;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analytics::Dashboard;
use crate::error::{CoreError, Result};
use crate::money::NanoUsd;
pub use style::{Theme, count_axis, ms_axis, usd_axis};
use style::{hex, provider_color, series_color};

/// Which chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    /// Spend per day, stacked by provider.
    SpendByProvider,
    /// Spend per day, stacked by model (top 7, then "other").
    SpendByModel,
    /// Cost per model over the period (horizontal bars).
    CostPerModel,
    /// Tokens per day, stacked by billing component.
    Tokens,
    /// How many runs took how long.
    Latency,
    /// Share of runs that completed, per day.
    SuccessRate,
}

impl ChartKind {
    /// Every chart, in screen order.
    pub const ALL: [ChartKind; 6] = [
        ChartKind::SpendByProvider,
        ChartKind::SpendByModel,
        ChartKind::CostPerModel,
        ChartKind::Tokens,
        ChartKind::Latency,
        ChartKind::SuccessRate,
    ];

    /// Title.
    pub fn title(self) -> &'static str {
        match self {
            ChartKind::SpendByProvider => "Spend per day by provider",
            ChartKind::SpendByModel => "Spend per day by model",
            ChartKind::CostPerModel => "Cost per model",
            ChartKind::Tokens => "Tokens per day by component",
            ChartKind::Latency => "Latency distribution",
            ChartKind::SuccessRate => "Success rate per day",
        }
    }

    /// File-name-friendly id.
    pub fn id(self) -> &'static str {
        match self {
            ChartKind::SpendByProvider => "spend-by-provider",
            ChartKind::SpendByModel => "spend-by-model",
            ChartKind::CostPerModel => "cost-per-model",
            ChartKind::Tokens => "tokens",
            ChartKind::Latency => "latency",
            ChartKind::SuccessRate => "success-rate",
        }
    }
}

/// What a series' values measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// US dollars.
    Usd,
    /// Tokens.
    Tokens,
    /// Runs.
    Runs,
    /// Percent (0–100).
    Percent,
}

/// One series, with one value per category (`None`: nothing that day).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// `#rrggbb`.
    pub color: String,
    /// Values, one per label.
    pub values: Vec<Option<f64>>,
}

/// The plot area in SVG pixels (`left ≤ x < right`, `top ≤ y < bottom`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PlotBox {
    /// Left edge.
    pub left: i32,
    /// Top edge.
    pub top: i32,
    /// Right edge.
    pub right: i32,
    /// Bottom edge.
    pub bottom: i32,
}

/// A rendered chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    /// Which chart.
    pub kind: ChartKind,
    /// Title.
    pub title: String,
    /// The SVG document.
    pub svg: String,
    /// SVG width and height (px).
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Where the data is drawn.
    pub plot: PlotBox,
    /// `true` when categories run down the y axis (horizontal bars).
    pub horizontal: bool,
    /// One label per category (day, model, latency range).
    pub labels: Vec<String>,
    /// The data, for the hover readout and the legend.
    pub series: Vec<Series>,
    /// Unit of the values.
    pub unit: Unit,
}

const WIDTH: u32 = 760;
const HEIGHT: u32 = 280;

fn err(e: impl std::fmt::Display) -> CoreError {
    CoreError::invalid("chart", e.to_string())
}

/// Renders one chart of a dashboard at the default size (760 × 280 px).
pub fn render(d: &Dashboard, kind: ChartKind, theme: Theme) -> Result<Chart> {
    render_sized(d, kind, theme, WIDTH, HEIGHT)
}

/// Renders one chart at the size it will be shown (so labels keep their 12 px), clamped to
/// 320–2400 × 180–1200 px.
pub fn render_sized(
    d: &Dashboard,
    kind: ChartKind,
    theme: Theme,
    width: u32,
    height: u32,
) -> Result<Chart> {
    let (width, height) = (width.clamp(320, 2400), height.clamp(180, 1200));
    let data = match kind {
        ChartKind::SpendByProvider => spend(d, true),
        ChartKind::SpendByModel => spend(d, false),
        ChartKind::CostPerModel => cost_per_model(d),
        ChartKind::Tokens => tokens(d),
        ChartKind::Latency => latency(d),
        ChartKind::SuccessRate => success(d),
    };
    let mut svg = String::with_capacity(16 * 1024);
    let plot = {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let c = theme.colors();
        root.fill(&c.background).map_err(err)?;
        let plot = match kind {
            ChartKind::CostPerModel => draw_hbars(&root, &data, theme)?,
            ChartKind::SuccessRate => draw_line(&root, &data, theme)?,
            _ => draw_stacked(&root, &data, theme)?,
        };
        root.present().map_err(err)?;
        plot
    };
    Ok(Chart {
        kind,
        title: kind.title().into(),
        svg,
        width,
        height,
        plot,
        horizontal: kind == ChartKind::CostPerModel,
        labels: data.labels,
        series: data.series,
        unit: data.unit,
    })
}

/// A chart's data before drawing.
struct Data {
    labels: Vec<String>,
    /// Short tick labels (days as `Nov 21`).
    ticks: Vec<String>,
    series: Vec<Series>,
    unit: Unit,
    y_desc: &'static str,
}

fn day_ticks(d: &Dashboard) -> Vec<String> {
    let long = d.days.len() > 400;
    d.days
        .iter()
        .map(
            |p| match chrono::NaiveDate::parse_from_str(&p.day, "%Y-%m-%d") {
                Ok(day) if long => day.format("%b %Y").to_string(),
                Ok(day) => day.format("%b %-d").to_string(),
                Err(_) => p.day.clone(),
            },
        )
        .collect()
}

/// A provider's display name (`OpenAI-compatible`), or its id when unknown.
fn provider_label(id: &str) -> String {
    id.parse::<crate::ProviderKind>()
        .map_or_else(|_| id.to_string(), |k| k.display_name().to_string())
}

/// Dollars as a plot coordinate (never summed).
fn usd_coord(n: NanoUsd) -> f64 {
    n.0 as f64 / 1e9
}

fn spend(d: &Dashboard, by_provider: bool) -> Data {
    // Groups in the order of the breakdown (most expensive first); models past the 7th are
    // summed as "other".
    let names: Vec<String> = if by_provider {
        d.by_provider.iter().map(|r| r.name.clone()).collect()
    } else {
        d.by_model.iter().take(7).map(|r| r.name.clone()).collect()
    };
    let other = !by_provider && d.by_model.len() > 7;
    let mut series: Vec<Series> = names
        .iter()
        .enumerate()
        .map(|(i, name)| Series {
            name: if by_provider {
                provider_label(name)
            } else {
                name.clone()
            },
            color: hex(if by_provider {
                provider_color(name)
            } else {
                series_color(i)
            }),
            values: d
                .days
                .iter()
                .map(|p| {
                    let m = if by_provider {
                        &p.cost_by_provider
                    } else {
                        &p.cost_by_model
                    };
                    m.get(name).map(|v| usd_coord(*v))
                })
                .collect(),
        })
        .collect();
    if other {
        series.push(Series {
            name: "other".into(),
            color: hex(series_color(8)),
            values: d
                .days
                .iter()
                .map(|p| {
                    let rest: NanoUsd = p
                        .cost_by_model
                        .iter()
                        .filter(|(k, _)| !names.contains(k))
                        .map(|(_, v)| v)
                        .sum();
                    (rest != NanoUsd::ZERO).then(|| usd_coord(rest))
                })
                .collect(),
        });
    }
    Data {
        labels: d.days.iter().map(|p| p.day.clone()).collect(),
        ticks: day_ticks(d),
        series,
        unit: Unit::Usd,
        y_desc: "USD per day",
    }
}

fn cost_per_model(d: &Dashboard) -> Data {
    let rows: Vec<_> = d.by_model.iter().take(12).collect();
    Data {
        labels: rows.iter().map(|r| r.name.clone()).collect(),
        ticks: rows.iter().map(|r| r.name.clone()).collect(),
        series: vec![Series {
            name: "cost".into(),
            color: hex(series_color(0)),
            values: rows
                .iter()
                .map(|r| Some(usd_coord(r.totals.cost_nano)))
                .collect(),
        }],
        unit: Unit::Usd,
        y_desc: "USD",
    }
}

fn tokens(d: &Dashboard) -> Data {
    type Pick = fn(&crate::analytics::Tokens) -> i64;
    let parts: [(&str, Pick); 5] = [
        ("input", |t| t.input),
        ("cached input", |t| t.cached_input),
        ("cache write", |t| t.cache_write + t.cache_write_1h),
        ("output", |t| t.output),
        ("reasoning", |t| t.reasoning),
    ];
    Data {
        labels: d.days.iter().map(|p| p.day.clone()).collect(),
        ticks: day_ticks(d),
        series: parts
            .iter()
            .enumerate()
            .map(|(i, (name, pick))| Series {
                name: (*name).into(),
                color: hex(series_color(i)),
                values: d
                    .days
                    .iter()
                    .map(|p| {
                        let v = pick(&p.tokens);
                        (v != 0).then_some(v as f64)
                    })
                    .collect(),
            })
            .collect(),
        unit: Unit::Tokens,
        y_desc: "tokens per day",
    }
}

/// Upper edges of the latency bins (ms); the last bin is open.
const LATENCY_EDGES: [i64; 11] = [
    100,
    250,
    500,
    1000,
    2000,
    4000,
    8000,
    16_000,
    32_000,
    64_000,
    i64::MAX,
];

fn latency(d: &Dashboard) -> Data {
    let mut counts = [0i64; LATENCY_EDGES.len()];
    for b in &d.latency {
        let mid = b.low_ms + (b.high_ms - b.low_ms) / 2;
        let i = LATENCY_EDGES.iter().position(|e| mid < *e).unwrap_or(10);
        counts[i] += b.runs;
    }
    let last = counts.iter().rposition(|c| *c > 0).map_or(4, |i| i.max(4));
    let label = |i: usize| match LATENCY_EDGES[i] {
        i64::MAX => format!("{}+", ms_axis(LATENCY_EDGES[i - 1] as f64)),
        e => format!("<{}", ms_axis(e as f64)),
    };
    Data {
        labels: (0..=last).map(label).collect(),
        ticks: (0..=last).map(label).collect(),
        series: vec![Series {
            name: "runs".into(),
            color: hex(series_color(4)),
            values: counts[..=last].iter().map(|c| Some(*c as f64)).collect(),
        }],
        unit: Unit::Runs,
        y_desc: "runs",
    }
}

fn success(d: &Dashboard) -> Data {
    Data {
        labels: d.days.iter().map(|p| p.day.clone()).collect(),
        ticks: day_ticks(d),
        series: vec![Series {
            name: "success rate".into(),
            color: hex(series_color(2)),
            values: d
                .days
                .iter()
                .map(|p| (p.runs > 0).then(|| p.ok_runs as f64 * 100.0 / p.runs as f64))
                .collect(),
        }],
        unit: Unit::Percent,
        y_desc: "% of runs completed",
    }
}

fn color_of(s: &Series) -> RGBColor {
    let h = s.color.trim_start_matches('#');
    let p = |i: usize| u8::from_str_radix(h.get(i..i + 2).unwrap_or("80"), 16).unwrap_or(128);
    RGBColor(p(0), p(2), p(4))
}

fn y_label(v: f64, max: f64, unit: Unit) -> String {
    match unit {
        Unit::Usd => usd_axis(v, max),
        Unit::Percent => format!("{v:.0} %"),
        Unit::Tokens | Unit::Runs => count_axis(v),
    }
}

fn plot_box(x: std::ops::Range<i32>, y: std::ops::Range<i32>) -> PlotBox {
    PlotBox {
        left: x.start,
        right: x.end,
        top: y.start,
        bottom: y.end,
    }
}

/// Nicer upper bound for an axis: 1, 2, 2.5 or 5 × 10^k above the data.
fn nice_max(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if v <= m * p {
            return m * p;
        }
    }
    10.0 * p
}

type Root<'a> = DrawingArea<SVGBackend<'a>, Shift>;

type CategoryChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// A chart with one category per unit of x (days, latency bins) and values on y, its grid and
/// y axis drawn; the categories' labels come from [`category_labels`].
fn category_chart<'a, 'b>(
    root: &'a Root<'b>,
    data: &Data,
    c: &style::Colors,
    y: std::ops::Range<f64>,
) -> Result<CategoryChart<'a, 'b>> {
    let n = data.labels.len().max(1);
    let max = y.end;
    let mut chart = ChartBuilder::on(root)
        .margin_top(14)
        .margin_right(18)
        .margin_left(6)
        .x_label_area_size(30)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..n as f64, y)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(c.grid.mix(0.0))
        .bold_line_style(c.grid)
        .axis_style(c.axis)
        .label_style(("sans-serif", 12).into_font().color(&c.muted))
        .axis_desc_style(("sans-serif", 12).into_font().color(&c.muted))
        .y_desc(data.y_desc)
        .x_labels(0)
        .y_labels(6)
        .y_label_formatter(&|v| y_label(*v, max, data.unit))
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// Category labels under the middle of their bar or point (plotters' own x labels pick "nice"
/// positions instead), as many as fit without touching. Returns the plot box.
fn category_labels(
    root: &Root<'_>,
    chart: &CategoryChart<'_, '_>,
    data: &Data,
    c: &style::Colors,
) -> Result<PlotBox> {
    let n = data.labels.len().max(1);
    let style = ("sans-serif", 12).into_font().color(&c.muted);
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let step = label_step(&data.ticks, n, xr.end - xr.start);
    for i in (0..n).step_by(step) {
        let x = xr.start + ((i as f64 + 0.5) / n as f64 * (xr.end - xr.start) as f64) as i32;
        let label = data.ticks.get(i).cloned().unwrap_or_default();
        let w = (label.chars().count() as i32) * 3;
        root.draw(&Text::new(label, (x - w, yr.end + 8), style.clone()))
            .map_err(err)?;
    }
    Ok(plot_box(xr, yr))
}

/// Every how many categories a label fits (labels are about 7 px a character at 12 px).
fn label_step(ticks: &[String], n: usize, plot_px: i32) -> usize {
    let widest = ticks.iter().map(|t| t.chars().count()).max().unwrap_or(1) as f64 * 7.0 + 12.0;
    let per = f64::from(plot_px.max(1)) / n.max(1) as f64;
    (widest / per).ceil().max(1.0) as usize
}

fn draw_stacked(root: &Root<'_>, data: &Data, theme: Theme) -> Result<PlotBox> {
    let c = theme.colors();
    let n = data.labels.len().max(1);
    let totals: Vec<f64> = (0..n)
        .map(|i| {
            data.series
                .iter()
                .map(|s| s.values.get(i).copied().flatten().unwrap_or(0.0))
                .sum()
        })
        .collect();
    let max = nice_max(totals.iter().copied().fold(0.0, f64::max));
    let mut chart = category_chart(root, data, &c, 0f64..max)?;
    let gap = if n > 60 { 0.0 } else { 0.15 };
    let mut base = vec![0.0; n];
    for s in &data.series {
        let color = color_of(s);
        let rects: Vec<_> = (0..n)
            .filter_map(|i| {
                let v = s.values.get(i).copied().flatten()?;
                let r = Rectangle::new(
                    [
                        (i as f64 + gap, base[i]),
                        (i as f64 + 1.0 - gap, base[i] + v),
                    ],
                    color.filled(),
                );
                base[i] += v;
                Some(r)
            })
            .collect();
        chart.draw_series(rects).map_err(err)?;
    }
    category_labels(root, &chart, data, &c)
}

fn draw_hbars(root: &Root<'_>, data: &Data, theme: Theme) -> Result<PlotBox> {
    let c = theme.colors();
    let n = data.labels.len().max(1);
    let values: Vec<f64> = data.series[0]
        .values
        .iter()
        .map(|v| v.unwrap_or(0.0))
        .collect();
    let max = nice_max(values.iter().copied().fold(0.0, f64::max));
    let longest = data
        .labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(4);
    let mut chart = ChartBuilder::on(root)
        .margin_top(14)
        .margin_right(24)
        .margin_left(6)
        .x_label_area_size(30)
        .y_label_area_size((longest as u32 * 7 + 16).clamp(60, 240))
        .build_cartesian_2d(0f64..max, 0f64..n as f64)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(c.grid.mix(0.0))
        .bold_line_style(c.grid)
        .axis_style(c.axis)
        .label_style(("sans-serif", 12).into_font().color(&c.muted))
        .y_labels(0)
        .x_labels(6)
        .x_label_formatter(&|x| usd_axis(*x, max))
        .draw()
        .map_err(err)?;
    let color = color_of(&data.series[0]);
    // Most expensive at the top.
    chart
        .draw_series(values.iter().enumerate().map(|(i, v)| {
            let y = (n - 1 - i) as f64;
            Rectangle::new([(0.0, y + 0.18), (*v, y + 0.82)], color.filled())
        }))
        .map_err(err)?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let style = ("sans-serif", 12).into_font().color(&c.text);
    let row = (yr.end - yr.start) as f64 / n as f64;
    for (i, label) in data.labels.iter().enumerate() {
        let y = yr.start + (row * (i as f64 + 0.5)) as i32 - 6;
        let w = label.chars().count() as i32 * 7;
        root.draw(&Text::new(
            label.clone(),
            (xr.start - 8 - w, y),
            style.clone(),
        ))
        .map_err(err)?;
    }
    Ok(plot_box(xr, yr))
}

fn draw_line(root: &Root<'_>, data: &Data, theme: Theme) -> Result<PlotBox> {
    let c = theme.colors();
    let n = data.labels.len().max(1);
    let s = &data.series[0];
    let low = s.values.iter().flatten().copied().fold(100.0, f64::min);
    let floor = ((low - 5.0) / 10.0).floor().clamp(0.0, 9.0) * 10.0;
    let mut chart = category_chart(root, data, &c, floor..100.0)?;
    let color = color_of(s);
    // A line through consecutive days with runs; a day without runs breaks it.
    let mut segment: Vec<(f64, f64)> = Vec::new();
    let mut segments = Vec::new();
    for (i, v) in s.values.iter().enumerate() {
        match v {
            Some(v) => segment.push((i as f64 + 0.5, *v)),
            None if !segment.is_empty() => segments.push(std::mem::take(&mut segment)),
            None => {}
        }
    }
    if !segment.is_empty() {
        segments.push(segment);
    }
    for seg in &segments {
        chart
            .draw_series(LineSeries::new(seg.iter().copied(), color.stroke_width(2)))
            .map_err(err)?;
        if n <= 90 {
            chart
                .draw_series(seg.iter().map(|p| Circle::new(*p, 2, color.filled())))
                .map_err(err)?;
        }
    }
    category_labels(root, &chart, data, &c)
}
