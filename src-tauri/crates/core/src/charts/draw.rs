//! Drawing shaped chart data with `plotters` into an SVG drawing area: stacked bars,
//! horizontal bars and lines, axes with their unit, and the plot box the UI's readout uses.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::Result;

use super::data::Data;
use super::style::{self, count_axis, usd_axis};
use super::{PlotBox, Series, Theme, Unit, err};

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

/// The runs of consecutive categories with a value, as points (`points` maps a category's index
/// and value to its points); a category without a value ends a run.
fn segments(
    values: &[Option<f64>],
    points: impl Fn(f64, f64) -> Vec<(f64, f64)>,
) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut segment: Vec<(f64, f64)> = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => segment.extend(points(i as f64, *v)),
            None if !segment.is_empty() => out.push(std::mem::take(&mut segment)),
            None => {}
        }
    }
    if !segment.is_empty() {
        out.push(segment);
    }
    out
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

pub(super) type Root<'a> = DrawingArea<SVGBackend<'a>, Shift>;

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

pub(super) fn draw_stacked(root: &Root<'_>, data: &Data, theme: Theme) -> Result<PlotBox> {
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

pub(super) fn draw_hbars(root: &Root<'_>, data: &Data, theme: Theme) -> Result<PlotBox> {
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

pub(super) fn draw_line(root: &Root<'_>, data: &Data, theme: Theme) -> Result<PlotBox> {
    let c = theme.colors();
    let n = data.labels.len().max(1);
    let s = &data.series[0];
    let low = s.values.iter().flatten().copied().fold(100.0, f64::min);
    let floor = ((low - 5.0) / 10.0).floor().clamp(0.0, 9.0) * 10.0;
    let mut chart = category_chart(root, data, &c, floor..100.0)?;
    let color = color_of(s);
    // A line through consecutive days with runs; a day without runs breaks it.
    for seg in &segments(&s.values, |i, v| vec![(i + 0.5, v)]) {
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

/// One step line per series: each category (a price table) holds its value across its width,
/// and the line steps where the next one differs; a category without a value breaks it.
pub(super) fn draw_steps(root: &Root<'_>, data: &Data, theme: Theme) -> Result<PlotBox> {
    let c = theme.colors();
    let max = nice_max(
        data.series
            .iter()
            .flat_map(|s| s.values.iter().flatten().copied())
            .fold(0.0, f64::max)
            * 1.1,
    );
    let mut chart = category_chart(root, data, &c, 0f64..max)?;
    for s in &data.series {
        let color = color_of(s);
        for seg in &segments(&s.values, |i, v| vec![(i, v), (i + 1.0, v)]) {
            chart
                .draw_series(LineSeries::new(seg.iter().copied(), color.stroke_width(2)))
                .map_err(err)?;
        }
    }
    category_labels(root, &chart, data, &c)
}

/// Two bars per category side by side (the first two series), over a soft warning band on the
/// categories `flagged` marks (a day whose figures disagree).
pub(super) fn draw_pairs(
    root: &Root<'_>,
    data: &Data,
    flagged: &[bool],
    theme: Theme,
) -> Result<PlotBox> {
    let c = theme.colors();
    let n = data.labels.len().max(1);
    let max = nice_max(
        data.series
            .iter()
            .flat_map(|s| s.values.iter().flatten().copied())
            .fold(0.0, f64::max),
    );
    let mut chart = category_chart(root, data, &c, 0f64..max)?;
    let band = match theme {
        Theme::Light => RGBColor(253, 226, 222),
        Theme::Dark => RGBColor(74, 36, 36),
    };
    chart
        .draw_series(
            flagged
                .iter()
                .enumerate()
                .filter(|(_, f)| **f)
                .map(|(i, _)| {
                    Rectangle::new([(i as f64, 0.0), (i as f64 + 1.0, max)], band.filled())
                }),
        )
        .map_err(err)?;
    let gap = if n > 60 { 0.0 } else { 0.12 };
    for (k, s) in data.series.iter().take(2).enumerate() {
        let color = color_of(s);
        let x0 = gap + k as f64 * (1.0 - 2.0 * gap) / 2.0;
        let w = (1.0 - 2.0 * gap) / 2.0;
        chart
            .draw_series((0..n).filter_map(|i| {
                let v = s.values.get(i).copied().flatten()?;
                Some(Rectangle::new(
                    [(i as f64 + x0, 0.0), (i as f64 + x0 + w, v)],
                    color.filled(),
                ))
            }))
            .map_err(err)?;
    }
    category_labels(root, &chart, data, &c)
}
