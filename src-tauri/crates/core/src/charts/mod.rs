//! Charts for the Analytics screen, drawn by `plotters` as SVG from a [`Dashboard`]: spend over
//! time stacked by provider or by model, cost per model, tokens over time by component, the
//! latency distribution and the success rate over time — light or dark. Each chart comes with
//! its series data and the plot area's pixel box, so the UI can show a hover readout without
//! parsing the SVG.

mod data;
mod draw;
mod style;

use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analytics::Dashboard;
use crate::error::{CoreError, Result};
use data::{SpendBy, cost_per_model, latency, spend, success, tokens};
use draw::{draw_hbars, draw_line, draw_pairs, draw_stacked, draw_steps};
pub use style::{Theme, count_axis, ms_axis, usd_axis};

/// Which chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    /// Spend per day, stacked by provider.
    SpendByProvider,
    /// Spend per day, stacked by model (top 7, then "other").
    SpendByModel,
    /// Spend per day, stacked by operation (chat, embeddings, images, transcription, speech).
    SpendByOperation,
    /// Cost per model over the period (horizontal bars).
    CostPerModel,
    /// Tokens per day, stacked by billing component.
    Tokens,
    /// How many runs took how long.
    Latency,
    /// Share of runs that completed, per day.
    SuccessRate,
    /// Recorded here vs billed by the provider, per UTC day (the Reconcile screen; not drawn
    /// from a dashboard).
    Reconcile,
    /// A model's rates in each price table the ledger used (the Prices screen).
    RateHistory,
}

impl ChartKind {
    /// Every chart, in screen order.
    pub const ALL: [ChartKind; 7] = [
        ChartKind::SpendByProvider,
        ChartKind::SpendByModel,
        ChartKind::SpendByOperation,
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
            ChartKind::SpendByOperation => "Spend per day by operation",
            ChartKind::CostPerModel => "Cost per model",
            ChartKind::Tokens => "Tokens per day by component",
            ChartKind::Latency => "Latency distribution",
            ChartKind::SuccessRate => "Success rate per day",
            ChartKind::Reconcile => "Recorded here vs billed, per UTC day",
            ChartKind::RateHistory => "Rates per 1M tokens, by price table",
        }
    }

    /// File-name-friendly id.
    pub fn id(self) -> &'static str {
        match self {
            ChartKind::SpendByProvider => "spend-by-provider",
            ChartKind::SpendByModel => "spend-by-model",
            ChartKind::SpendByOperation => "spend-by-operation",
            ChartKind::CostPerModel => "cost-per-model",
            ChartKind::Tokens => "tokens",
            ChartKind::Latency => "latency",
            ChartKind::SuccessRate => "success-rate",
            ChartKind::Reconcile => "reconcile",
            ChartKind::RateHistory => "rate-history",
        }
    }
}

/// What a series' values measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    /// `true` when a category's series add up to a whole (stacked bars): a readout may show
    /// their total.
    pub stacked: bool,
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
        ChartKind::SpendByProvider => spend(d, SpendBy::Provider),
        ChartKind::SpendByModel => spend(d, SpendBy::Model),
        ChartKind::SpendByOperation => spend(d, SpendBy::Operation),
        ChartKind::CostPerModel => cost_per_model(d),
        ChartKind::Tokens => tokens(d),
        ChartKind::Latency => latency(d),
        ChartKind::SuccessRate => success(d),
        ChartKind::Reconcile | ChartKind::RateHistory => {
            return Err(CoreError::invalid(
                "chart",
                "the reconcile and rate-history charts are not drawn from a dashboard",
            ));
        }
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
        stacked: !matches!(kind, ChartKind::CostPerModel | ChartKind::SuccessRate),
        labels: data.labels,
        series: data.series,
        unit: data.unit,
    })
}

/// Draws `data` with `draw` onto a `width` × `height` SVG (clamped like every chart) filled with
/// the theme's background, and wraps it as a [`Chart`] that neither stacks nor runs sideways.
fn standalone(
    kind: ChartKind,
    data: data::Data,
    theme: Theme,
    (width, height): (u32, u32),
    draw: impl FnOnce(&draw::Root<'_>, &data::Data) -> Result<PlotBox>,
) -> Result<Chart> {
    let (width, height) = (width.clamp(320, 2400), height.clamp(180, 1200));
    let mut svg = String::with_capacity(16 * 1024);
    let plot = {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&theme.colors().background).map_err(err)?;
        let plot = draw(&root, &data)?;
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
        horizontal: false,
        stacked: false,
        labels: data.labels,
        series: data.series,
        unit: data.unit,
    })
}

/// The Reconcile screen's chart: per UTC day, what was recorded here beside what the provider
/// billed, days that disagree on a soft red band. Same style and sizes as Analytics. Recorded
/// and billed are two views of one amount: they do not stack.
pub fn render_reconcile(
    days: &[crate::billing::ReconcileDay],
    theme: Theme,
    width: u32,
    height: u32,
) -> Result<Chart> {
    use crate::billing::ReconcileStatus;
    let flagged: Vec<bool> = days
        .iter()
        .map(|d| {
            matches!(
                d.status,
                ReconcileStatus::BilledMore | ReconcileStatus::LedgerMore
            )
        })
        .collect();
    standalone(
        ChartKind::Reconcile,
        data::reconcile(days),
        theme,
        (width, height),
        |root, data| draw_pairs(root, data, &flagged, theme),
    )
}

/// The Prices screen's rate history: a step chart of the model's rates in each price table the
/// ledger used, oldest first. Same style as Analytics.
pub fn render_rate_history(
    points: &[crate::ledger::price_tables::RatePoint],
    theme: Theme,
    width: u32,
    height: u32,
) -> Result<Chart> {
    standalone(
        ChartKind::RateHistory,
        data::rate_history(points),
        theme,
        (width, height),
        |root, data| draw_steps(root, data, theme),
    )
}
