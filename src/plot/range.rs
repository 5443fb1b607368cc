//! The range test's view: the smoothed loss against the learning rate (log axis) for
//! every batch size and seed, with the rate of fastest descent (circle) and the largest
//! stable rate (cross) marked; beside it the relation, the largest stable and the
//! fastest-descent rate against the batch size on log–log axes, with the linear (α = 1)
//! and √ (α = 0.5) lines through the smallest batch, the fitted α in the legend and the
//! bend marked by a dashed vertical line.
//!
//! It only draws what [`Relation`] computed (smoothing, detectors, fits): no analysis
//! here. The two panels sit side by side or stacked as [`landscape_layout`] decides, each
//! with its title and legend above the plot (`legend.rs`).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::landscape::{batch_chart, log_chart};
use super::legend::{legend_rows, title_and_legend, Key};
use super::style::{
    short_number, Scale, Themed, CHANCE_COLOR, LINEAR_COLOR, MEASURED_COLOR, SQRT_COLOR,
};
use super::{css_size, landscape_layout, split, Rect};
use crate::lr_range::{Exponent, Relation};

/// The y range of the loss panel: from the lowest smoothed loss to this many times the
/// largest loss before the blow-ups (the rest is off the top).
const LOSS_HEADROOM: f64 = 1.6;

/// "α = 0.52 ± 0.04 (3 seeds)", or "—" when not fitted.
pub fn alpha_text(e: Option<&Exponent>) -> String {
    match e {
        None => "—".into(),
        Some(e) if e.se.is_nan() => format!("{:.2} (1 seed)", e.alpha),
        Some(e) => format!("{:.2} ± {:.2} ({} seeds)", e.alpha, e.se, e.per_seed.len()),
    }
}

/// Draws the range view into `root` (loss curves first: left, or top when narrow) and
/// returns the two panels' rectangles in CSS pixels.
pub fn draw_range<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rel: &Relation,
    scale: Scale,
) -> Result<Vec<Rect>, String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&scale.theme.background()).map_err(err)?;
    let grid = landscape_layout(css_size(root.dim_in_pixel(), scale.dpr).0);
    let (panels, rects) = split(root, grid, scale.dpr);
    let loss_legend = loss_legend(rel, scale);
    let loss_keys: Vec<(&str, Key)> = loss_legend.iter().map(|(t, k)| (t.as_str(), *k)).collect();
    let rel_legend = relation_legend(rel);
    let rel_keys: Vec<(&str, Key)> = rel_legend.iter().map(|(t, k)| (t.as_str(), *k)).collect();
    let rows = legend_rows(&panels[0], &loss_keys, scale)
        .map_err(err)?
        .len()
        .max(
            legend_rows(&panels[1], &rel_keys, scale)
                .map_err(err)?
                .len(),
        );
    draw_losses(&panels[0], rel, &loss_keys, scale, rows).map_err(err)?;
    draw_relation(&panels[1], rel, &rel_keys, scale, rows).map_err(err)?;
    root.present().map_err(err)?;
    Ok(rects)
}

fn loss_legend(rel: &Relation, scale: Scale) -> Vec<(String, Key)> {
    let n = rel.batches.len();
    let mut v: Vec<(String, Key)> = rel
        .batches
        .iter()
        .enumerate()
        .map(|(i, b)| {
            (
                format!("batch {}", b.batch),
                Key::Line(scale.theme.color(i, n), 2.0),
            )
        })
        .collect();
    v.push(("● fastest descent".into(), Key::Line(CHANCE_COLOR, 0.5)));
    v.push(("largest stable".into(), Key::Cross(CHANCE_COLOR)));
    v
}

fn relation_legend(rel: &Relation) -> Vec<(String, Key)> {
    vec![
        (
            format!(
                "largest stable, α = {}",
                alpha_text(rel.stable_alpha.as_ref())
            ),
            Key::Line(MEASURED_COLOR, 3.0),
        ),
        (
            format!(
                "fastest descent, α = {}",
                alpha_text(rel.best_alpha.as_ref())
            ),
            Key::Line(CHANCE_COLOR, 2.0),
        ),
        ("α = 1 (linear)".into(), Key::Line(LINEAR_COLOR, 2.0)),
        ("α = 0.5 (√)".into(), Key::Line(SQRT_COLOR, 2.0)),
    ]
}

/// The smoothed loss at rate `lr` of a curve (the step whose rate is nearest below).
fn loss_at(lrs: &[f64], smoothed: &[f64], lr: f64) -> Option<f64> {
    let i = lrs.iter().rposition(|&l| l <= lr)?;
    smoothed.get(i).copied().filter(|v| v.is_finite())
}

fn draw_losses<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rel: &Relation,
    legend: &[(&str, Key)],
    scale: Scale,
    legend_rows: usize,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let area = title_and_legend(
        area,
        "smoothed loss during the range test",
        legend,
        scale,
        legend_rows,
    )?;
    let (lo, hi) = rel.range;
    let (x0, x1) = (lo.log10(), hi.log10());
    // The y range: the curves up to their blow-ups (where the detector fired).
    let (mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY);
    for b in &rel.batches {
        for (_, lrs, r) in &b.runs {
            let end = r.stable.unwrap_or(f64::INFINITY);
            for (l, s) in lrs.iter().zip(&r.smoothed) {
                if *l <= end && s.is_finite() {
                    y0 = y0.min(*s);
                    y1 = y1.max(*s);
                }
            }
        }
    }
    let (y0, y1) = if y0.is_finite() {
        (0.9 * y0, LOSS_HEADROOM * y1)
    } else {
        (0.0, 3.0)
    };
    let mut chart = log_chart(&area, scale, (x0, x1), (y0, y1))?;
    chart
        .configure_mesh()
        .x_desc("learning rate")
        .y_desc("smoothed training loss")
        .x_labels(((x1 - x0).round() as usize + 1).clamp(2, 12))
        .x_label_formatter(&|v| short_number(10f64.powf(*v)))
        .themed(scale, true)
        .draw()?;
    let n = rel.batches.len();
    for (i, b) in rel.batches.iter().enumerate() {
        let col = scale.theme.color(i, n);
        for (_, lrs, r) in &b.runs {
            // Clipped at the top so a blow-up runs off the plot instead of being pinned.
            let pts: Vec<(f64, f64)> = lrs
                .iter()
                .zip(&r.smoothed)
                .take_while(|(_, s)| s.is_finite() && **s <= y1)
                .map(|(l, s)| (l.log10(), *s))
                .collect();
            chart.draw_series(LineSeries::new(pts, col.stroke_width(scale.line(1.5))))?;
            if let Some(best) = r.best {
                if let Some(y) = loss_at(lrs, &r.smoothed, best).filter(|y| *y <= y1) {
                    chart.draw_series(std::iter::once(Circle::new(
                        (best.log10(), y),
                        scale.line_i(4.0),
                        col.filled(),
                    )))?;
                }
            }
            if let Some(st) = r.stable {
                let y = loss_at(lrs, &r.smoothed, st).map_or(y1, |y| y.min(y1));
                chart.draw_series(std::iter::once(Cross::new(
                    (st.log10(), y),
                    scale.line_i(6.0),
                    col.stroke_width(scale.line(2.0)),
                )))?;
            }
        }
    }
    Ok(())
}

fn draw_relation<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rel: &Relation,
    legend: &[(&str, Key)],
    scale: Scale,
    legend_rows: usize,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let area = title_and_legend(
        area,
        "learning rate against batch size",
        legend,
        scale,
        legend_rows,
    )?;
    // Every seed's rates, in (log2 B, log10 η).
    let seeds = |pick: fn(&crate::lr_range::RangeResult) -> Option<f64>| -> Vec<(f64, f64)> {
        rel.batches
            .iter()
            .flat_map(|b| {
                b.runs
                    .iter()
                    .filter_map(move |r| pick(&r.2).map(|v| ((b.batch as f64).log2(), v.log10())))
            })
            .collect()
    };
    let stable_pts = seeds(|r| r.stable);
    let best_pts = seeds(|r| r.best);
    let mean = |f: fn(&crate::lr_range::BatchTests) -> Option<f64>| -> Vec<(f64, f64)> {
        rel.batches
            .iter()
            .filter_map(|b| f(b).map(|v| ((b.batch as f64).log2(), v.log10())))
            .collect()
    };
    let stable = mean(|b| b.stable());
    let best = mean(|b| b.best());
    let bx: Vec<f64> = rel
        .batches
        .iter()
        .map(|b| (b.batch as f64).log2())
        .collect();
    let (x0, x1) = (
        bx.iter().copied().fold(f64::INFINITY, f64::min) - 0.3,
        bx.iter().copied().fold(f64::NEG_INFINITY, f64::max) + 0.3,
    );
    let (y0, y1) = stable_pts
        .iter()
        .chain(&best_pts)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.1), b.max(p.1))
        });
    let (y0, y1) = if y0.is_finite() {
        (y0 - 0.3, y1 + 0.3)
    } else {
        (rel.range.0.log10(), rel.range.1.log10())
    };
    let mut chart = batch_chart(&area, scale, (x0, x1), (y0, y1), "learning rate")?;
    // The rule lines through the smallest batch's largest stable rate, clipped to the plot.
    if let Some(&(sx, sy)) = stable.first() {
        for (alpha, col) in [(1.0, LINEAR_COLOR), (0.5, SQRT_COLOR)] {
            let per_x = alpha * 2f64.log10(); // log10 η per doubling of B
            let x_end = x1.min(sx + (y1 - sy) / per_x);
            chart.draw_series(LineSeries::new(
                [(sx, sy), (x_end, sy + (x_end - sx) * per_x)],
                col.stroke_width(scale.line(2.0)),
            ))?;
        }
    }
    if let Some(bend) = &rel.bend {
        let x = bend.batch.log2();
        chart.draw_series(DashedLineSeries::new(
            [(x, y0), (x, y1)],
            scale.line(6.0),
            scale.line(4.0),
            scale.theme.ink().stroke_width(scale.line(1.0)),
        ))?;
    }
    for (pts, means, col, width) in [
        (&best_pts, &best, CHANCE_COLOR, 2.0),
        (&stable_pts, &stable, MEASURED_COLOR, 3.0),
    ] {
        chart.draw_series(
            pts.iter()
                .map(|&p| Circle::new(p, scale.line_i(3.0), col.mix(0.5).filled())),
        )?;
        chart.draw_series(LineSeries::new(
            means.clone(),
            col.stroke_width(scale.line(width)),
        ))?;
        chart.draw_series(
            means
                .iter()
                .map(|&p| Circle::new(p, scale.line_i(4.0), col.filled())),
        )?;
    }
    Ok(())
}
