//! The landscape view: the heatmap of final test accuracy (or loss) over batch size ×
//! learning rate with the linear and √ scaling rules drawn through the anchor (B0, η0),
//! beside the fewest optimizer steps to the target accuracy per batch size.
//!
//! It only draws what [`Landscape`] computed (means over repeats, diverged and collapsed
//! cells, steps to the target): no averaging or thresholds here. The two panels sit side
//! by side or stacked as [`landscape_layout`] decides from the CSS width; each has its
//! title and legend above the plot (see `legend.rs`), with as many legend rows as the
//! other so that side by side their plots start at the same height.

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::legend::{legend_rows, measure, title_and_legend, Key};
use super::style::{
    pow2_label, short_number, viridis, Scale, Themed, CHANCE_COLOR, DIVERGED_COLOR, LINEAR_COLOR,
    MEASURED_COLOR, SQRT_COLOR,
};
use super::{css_size, landscape_layout, split, Rect};
use crate::landscape::Landscape;

/// What the landscape heatmap colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeatValue {
    /// Final test accuracy (%).
    Accuracy,
    /// Final test loss.
    Loss,
}

const HEATMAP_LEGEND: [(&str, Key); 4] = [
    ("linear: η ∝ B", Key::Line(LINEAR_COLOR, 3.0)),
    ("√: η ∝ √B", Key::Line(SQRT_COLOR, 3.0)),
    ("diverged", Key::Cell(DIVERGED_COLOR, true)),
    ("stuck at chance", Key::Cell(CHANCE_COLOR, false)),
];
const STEPS_LEGEND: [(&str, Key); 3] = [
    ("perfect scaling: steps ∝ 1/B", Key::Line(CHANCE_COLOR, 2.0)),
    ("measured (best rate)", Key::Line(MEASURED_COLOR, 3.0)),
    ("never reached", Key::Cross(LINEAR_COLOR)),
];

/// Draws the landscape into `root` (heatmap first: left, or top when narrow) and returns
/// the two panels' rectangles in CSS pixels. The layout follows the CSS width
/// (`root`'s width / `scale.dpr`); the panels share the area's height.
pub fn draw_landscape<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    land: &Landscape,
    value: HeatValue,
    scale: Scale,
) -> Result<Vec<Rect>, String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&scale.theme.background()).map_err(err)?;
    let grid = landscape_layout(css_size(root.dim_in_pixel(), scale.dpr).0);
    let (panels, rects) = split(root, grid, scale.dpr);
    let rows = legend_rows(&panels[0], &HEATMAP_LEGEND, scale)
        .map_err(err)?
        .len()
        .max(
            legend_rows(&panels[1], &STEPS_LEGEND, scale)
                .map_err(err)?
                .len(),
        );
    draw_heatmap(&panels[0], land, value, scale, rows).map_err(err)?;
    draw_steps_to_target(&panels[1], land, scale, rows).map_err(err)?;
    root.present().map_err(err)?;
    Ok(rects)
}

fn draw_heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    land: &Landscape,
    value: HeatValue,
    scale: Scale,
    legend_rows: usize,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let fs = |px: f64| scale.text(px);
    let (nb, nl) = (land.grid_b.len(), land.grid_lr.len());
    let title = match value {
        HeatValue::Accuracy => "final test accuracy (%)",
        HeatValue::Loss => "final test loss",
    };
    let area = title_and_legend(area, title, &HEATMAP_LEGEND, scale, legend_rows)?;
    // Cells sit on integer positions; the axes label them with the grid values.
    let mut chart = ChartBuilder::on(&area)
        .margin(fs(6.0))
        .margin_top(fs(2.0))
        .x_label_area_size(fs(34.0))
        .y_label_area_size(fs(52.0))
        .build_cartesian_2d(-0.5..nl as f64 - 0.5, -0.5..nb as f64 - 0.5)?;
    let lrs = land.grid_lr.clone();
    let bs = land.grid_b.clone();
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("learning rate")
        .y_desc("batch size")
        .x_labels(nl)
        .y_labels(nb)
        .x_label_formatter(&|v| {
            lrs.get(v.round() as usize)
                .map(|x| short_number(*x))
                .unwrap_or_default()
        })
        .y_label_formatter(&|v| {
            bs.get(v.round() as usize)
                .map(|x| x.to_string())
                .unwrap_or_default()
        })
        .themed(scale, false)
        .draw()?;
    // The colour scale: accuracy as is; loss on a log scale, so that one cell at
    // loss 80 does not paint every cell between 0.3 and 2.3 the same colour.
    let shade = |v: f64| match value {
        HeatValue::Accuracy => v,
        HeatValue::Loss => v.max(1e-6).ln(),
    };
    let vals: Vec<f64> = land
        .cells
        .iter()
        .flatten()
        .map(|c| match value {
            HeatValue::Accuracy => 100.0 * c.acc,
            HeatValue::Loss => c.loss,
        })
        .filter(|v| v.is_finite())
        .map(shade)
        .collect();
    let (lo, hi) = vals
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    for (i, row) in land.cells.iter().enumerate() {
        for (j, c) in row.iter().enumerate() {
            let (x, y) = (j as f64, i as f64);
            let v = match value {
                HeatValue::Accuracy => 100.0 * c.acc,
                HeatValue::Loss => c.loss,
            };
            let rect = [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)];
            if c.diverged {
                chart.draw_series(std::iter::once(Rectangle::new(
                    rect,
                    DIVERGED_COLOR.filled(),
                )))?;
                chart.draw_series(std::iter::once(Cross::new(
                    (x, y),
                    scale.line_i(9.0),
                    WHITE.stroke_width(scale.line(2.0)),
                )))?;
            } else if c.collapsed {
                chart.draw_series(std::iter::once(Rectangle::new(rect, CHANCE_COLOR.filled())))?;
                let style = ("sans-serif", fs(10.0))
                    .into_font()
                    .color(&WHITE)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                chart.draw_series(std::iter::once(Text::new("chance", (x, y), style)))?;
            } else if v.is_finite() {
                // Better is brighter: high accuracy, low loss.
                let t = if hi > lo {
                    (shade(v) - lo) / (hi - lo)
                } else {
                    1.0
                };
                let t = if value == HeatValue::Loss { 1.0 - t } else { t };
                chart.draw_series(std::iter::once(Rectangle::new(rect, viridis(t).filled())))?;
                let text = if value == HeatValue::Accuracy {
                    format!("{v:.0}")
                } else {
                    format!("{v:.2}")
                };
                let ink = if t > 0.6 { BLACK } else { WHITE };
                let style = ("sans-serif", fs(11.0))
                    .into_font()
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                chart.draw_series(std::iter::once(Text::new(text, (x, y), style)))?;
            } else {
                chart.draw_series(std::iter::once(Rectangle::new(
                    rect,
                    scale.theme.empty_cell().filled(),
                )))?;
            }
        }
    }
    // Rule lines through the anchor (B0, η0), in grid coordinates: interpolate
    // log(lr) and log(B) between grid positions (the grids are log-spaced).
    let pos = |grid: &[f64], v: f64| -> f64 {
        let lv = v.ln();
        let g: Vec<f64> = grid.iter().map(|x| x.ln()).collect();
        if g.len() < 2 {
            return 0.0;
        }
        let k = g.windows(2).position(|w| lv <= w[1]).unwrap_or(g.len() - 2);
        let k = if lv < g[0] { 0 } else { k };
        k as f64 + (lv - g[k]) / (g[k + 1] - g[k])
    };
    let gb: Vec<f64> = land.grid_b.iter().map(|&b| b as f64).collect();
    let (b0, lr0) = (land.anchor.0 as f64, land.anchor.1);
    for (power, col) in [(1.0, LINEAR_COLOR), (0.5, SQRT_COLOR)] {
        let steps = 60;
        let (b_lo, b_hi) = (gb[0].ln(), gb[gb.len() - 1].ln());
        let pts: Vec<(f64, f64)> = (0..=steps)
            .map(|s| (b_lo + (b_hi - b_lo) * s as f64 / steps as f64).exp())
            .map(|b| (pos(&land.grid_lr, lr0 * (b / b0).powf(power)), pos(&gb, b)))
            .filter(|(x, y)| {
                (-0.5..=nl as f64 - 0.5).contains(x) && (-0.5..=nb as f64 - 0.5).contains(y)
            })
            .collect();
        if pts.len() >= 2 {
            chart.draw_series(LineSeries::new(pts, col.stroke_width(scale.line(3.0))))?;
        }
    }
    Ok(())
}

fn draw_steps_to_target<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    land: &Landscape,
    scale: Scale,
    legend_rows: usize,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    // The long title fills a phone's panel edge to edge; a narrow panel gets the short one.
    let mut title = format!("optimizer steps to reach {}% test accuracy", land.target);
    let room = area.dim_in_pixel().0 as i32 - 2 * scale.text_i(8.0);
    if measure(area, &title, 15.0, scale)?.0 > room {
        title = format!("steps to reach {}% test accuracy", land.target);
    }
    let area = title_and_legend(area, &title, &STEPS_LEGEND, scale, legend_rows)?;
    let best: Vec<(f64, f64)> = land
        .best_steps()
        .into_iter()
        .filter_map(|(b, s)| s.map(|(steps, _)| ((b as f64).log2(), steps.max(1.0).log10())))
        .collect();
    let bx: Vec<f64> = land.grid_b.iter().map(|&b| (b as f64).log2()).collect();
    let (x0, x1) = (
        bx.iter().copied().fold(f64::INFINITY, f64::min) - 0.3,
        bx.iter().copied().fold(f64::NEG_INFINITY, f64::max) + 0.3,
    );
    let (y0, y1) = best
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.1), b.max(p.1))
        });
    let (y0, y1) = if y0.is_finite() {
        (y0 - 0.3, y1 + 0.3)
    } else {
        (0.0, 4.0)
    };
    let mut chart = batch_chart(
        &area,
        scale,
        (x0, x1),
        (y0, y1),
        "steps (best learning rate)",
    )?;
    if let Some(&(bx0, by0)) = best.first() {
        // Perfect scaling: steps halve when the batch doubles (log10 2 down per
        // doubling), drawn until it leaves the plot at the bottom: plotters would
        // pin a point below the range to the bottom edge and bend the line.
        let slope = 2f64.log10();
        let x_end = x1.min(bx0 + (by0 - y0) / slope);
        let ideal: Vec<(f64, f64)> = [bx0, x_end]
            .iter()
            .map(|&x| (x, by0 - (x - bx0) * slope))
            .collect();
        chart.draw_series(LineSeries::new(
            ideal,
            CHANCE_COLOR.stroke_width(scale.line(2.0)),
        ))?;
    }
    let col = MEASURED_COLOR;
    chart.draw_series(LineSeries::new(
        best.clone(),
        col.stroke_width(scale.line(3.0)),
    ))?;
    chart.draw_series(
        best.iter()
            .map(|&p| Circle::new(p, scale.line_i(4.0), col.filled())),
    )?;
    // Batch sizes that never reached the target, marked along the top.
    for (b, s) in land.best_steps() {
        if s.is_none() {
            let p = ((b as f64).log2(), y1 - 0.1);
            chart.draw_series(std::iter::once(Cross::new(
                p,
                scale.line_i(6.0),
                LINEAR_COLOR.stroke_width(scale.line(2.0)),
            )))?;
        }
    }
    Ok(())
}

/// A chart on two log axes (plotted as the logarithms of the values).
pub(super) type LogLogChart<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A panel's chart over the given (log) ranges, with the margins and label areas of the
/// landscape's and the range test's panels; its mesh is the caller's.
pub(super) fn log_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    scale: Scale,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
) -> Result<LogLogChart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let fs = |px: f64| scale.text(px);
    ChartBuilder::on(area)
        .margin(fs(6.0))
        .margin_top(fs(2.0))
        .x_label_area_size(fs(34.0))
        .y_label_area_size(fs(52.0))
        .build_cartesian_2d(x0..x1, y0..y1)
}

/// A chart over batch sizes on a log2 x axis (one label per power of two, about one per 45
/// CSS px so "1024 2048 4096" do not run together on a phone; a tick between two powers,
/// 22.63, would read as a batch size and stays unlabelled) against a log10 y axis named
/// `y_desc`, its mesh drawn: the landscape's steps to target and the range test's relation.
pub(super) fn batch_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    scale: Scale,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    y_desc: &str,
) -> Result<LogLogChart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let fs = |px: f64| scale.text(px);
    let mut chart = log_chart(area, scale, (x0, x1), (y0, y1))?;
    chart
        .configure_mesh()
        .x_desc("batch size")
        .y_desc(y_desc)
        .x_labels((area.dim_in_pixel().0 / fs(45.0)).clamp(3, 12) as usize)
        .x_label_formatter(&pow2_label)
        .y_label_formatter(&|v| short_number(10f64.powf(*v)))
        .themed(scale, true)
        .draw()?;
    Ok(chart)
}
