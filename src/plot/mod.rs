//! The charts, drawn by plotters on any backend: the page's canvas (plotters-canvas), the
//! CLI's SVG, and whatever a test uses. One chart code for all of them.
//!
//! - `curves.rs`: the learning curves, one panel per metric ([`draw_curves`]);
//! - `landscape.rs`: the batch × learning-rate heatmap beside the steps to the target
//!   accuracy ([`draw_landscape`]);
//! - `range.rs`: the range test's smoothed losses beside the learning rate against the
//!   batch size ([`draw_range`]);
//! - `legend.rs`: the title-and-legend rows above the landscape's panels;
//! - `style.rs`: the palette, the landscape's colours, number formats and [`Scale`].
//!
//! This file holds the public types and the one layout decision. A chart's grid of panels
//! is decided from its width in CSS pixels only ([`curves_layout`], [`landscape_layout`]),
//! never from the backing store: a phone at devicePixelRatio 3 has a canvas 3 × 390
//! device pixels wide, and must still get the phone's one column of panels. The page asks
//! the same functions for the CSS height to give the canvas, then sets its backing store
//! to CSS size × dpr and passes `dpr`; the drawing divides the backend's pixel size by
//! `dpr` to get the CSS size back, splits it by the grid, and scales fonts and lines by
//! `dpr`. The panels' rectangles come back in CSS pixels ([`Rect`]), the same at every
//! pixel ratio. The CLI draws SVG at dpr 1, where CSS and device pixels coincide.
//!
//! It only draws: no canvases, files, clocks or workers; records in, pixels out.

mod curves;
mod landscape;
mod legend;
mod range;
mod style;
#[cfg(test)]
mod tests;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::Serialize;

pub use curves::{draw_curves, draw_curves_with, Overlay, OverlayStyle};
pub use landscape::{draw_landscape, HeatValue};
pub use range::{alpha_text, draw_range};
pub use style::{palette, Scale, Theme};

use crate::landscape::Landscape;
use crate::lr_range::Relation;
use crate::metrics::EpochRecord;

/// What the x axis counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XAxis {
    Epoch,
    Samples,
    Steps,
    /// Wall-clock seconds.
    Time,
}

impl XAxis {
    pub fn parse(s: &str) -> Option<XAxis> {
        Some(match s {
            "epoch" | "epochs" => XAxis::Epoch,
            "samples" => XAxis::Samples,
            "steps" => XAxis::Steps,
            "time" => XAxis::Time,
            _ => return None,
        })
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            XAxis::Epoch => "epoch",
            XAxis::Samples => "samples seen",
            XAxis::Steps => "optimizer steps",
            XAxis::Time => "wall time (s)",
        }
    }

    pub(crate) fn of(self, r: &EpochRecord) -> f64 {
        match self {
            // Fractional between evaluations within an epoch. Records without
            // `epochs_done` (older CSVs), or with one that does not fit their epoch,
            // go by their epoch number.
            XAxis::Epoch
                if (r.epoch.saturating_sub(1) as f64..=r.epoch as f64).contains(&r.epochs_done) =>
            {
                r.epochs_done
            }
            XAxis::Epoch => r.epoch as f64,
            XAxis::Samples => r.samples as f64,
            XAxis::Steps => r.step as f64,
            XAxis::Time => r.wall_ms / 1000.0,
        }
    }
}

/// One panel of the chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    TrainLoss,
    TestLoss,
    TestAcc,
    Lr,
    /// Gradient noise scale B_simple (log scale).
    NoiseScale,
}

impl Metric {
    pub const ALL: [Metric; 4] = [
        Metric::TestAcc,
        Metric::TestLoss,
        Metric::TrainLoss,
        Metric::Lr,
    ];

    pub fn parse(s: &str) -> Option<Metric> {
        Some(match s {
            "trainLoss" => Metric::TrainLoss,
            "testLoss" => Metric::TestLoss,
            "testAcc" => Metric::TestAcc,
            "lr" => Metric::Lr,
            "noiseScale" => Metric::NoiseScale,
            _ => return None,
        })
    }

    pub(crate) fn title(self) -> &'static str {
        match self {
            Metric::TrainLoss => "train loss",
            Metric::TestLoss => "test loss",
            Metric::TestAcc => "test accuracy (%)",
            Metric::Lr => "learning rate",
            Metric::NoiseScale => "gradient noise scale B_simple",
        }
    }

    pub(crate) fn of(self, r: &EpochRecord) -> f64 {
        match self {
            Metric::TrainLoss => r.train_loss,
            Metric::TestLoss => r.test_loss,
            Metric::TestAcc => 100.0 * r.test_acc,
            Metric::Lr => r.lr,
            Metric::NoiseScale => r.noise_scale,
        }
    }

    pub(crate) fn is_loss(self) -> bool {
        matches!(self, Metric::TrainLoss | Metric::TestLoss)
    }
}

/// One run's curve.
#[derive(Clone, Debug)]
pub struct Curve<'a> {
    pub label: String,
    pub records: &'a [EpochRecord],
    /// Index into the palette (the run's index, so colours stay put as runs finish).
    pub color: usize,
    /// Further repeats of the same run (other seeds): the line becomes their mean
    /// and a band spans their min and max. Empty for a single run.
    pub repeats: Vec<&'a [EpochRecord]>,
}

impl<'a> Curve<'a> {
    pub fn new(label: impl Into<String>, records: &'a [EpochRecord], color: usize) -> Self {
        Curve {
            label: label.into(),
            records,
            color,
            repeats: Vec::new(),
        }
    }

    /// (x, mean, min, max) of `metric` per evaluation, over the repeats that have it; for a
    /// single run's noise scale, min and max are ± its standard error.
    pub(crate) fn points(&self, axis: XAxis, metric: Metric) -> Vec<(f64, f64, f64, f64)> {
        let all: Vec<&[EpochRecord]> = std::iter::once(self.records)
            .chain(self.repeats.iter().copied())
            .collect();
        (0..self.records.len())
            .map(|i| {
                let vals: Vec<f64> = all
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|r| metric.of(r))
                    .collect();
                let finite: Vec<f64> = vals.iter().copied().filter(|v| v.is_finite()).collect();
                let mean = if finite.len() == vals.len() && !vals.is_empty() {
                    finite.iter().sum::<f64>() / finite.len() as f64
                } else {
                    f64::NAN
                };
                let mut lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
                let mut hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                // A single run's noise scale: the band is ± its standard error.
                let spread = self.records[i].noise_spread;
                if metric == Metric::NoiseScale && self.repeats.is_empty() && spread.is_finite() {
                    (lo, hi) = (mean - spread, mean + spread);
                }
                (axis.of(&self.records[i]), mean, lo, hi)
            })
            .collect()
    }
}

#[derive(Clone, Debug)]
pub struct PlotOptions {
    pub x: XAxis,
    /// Losses on a log scale.
    pub log_loss: bool,
    pub metrics: Vec<Metric>,
    /// Number of runs in the experiment (chooses the palette).
    pub runs: usize,
    /// Text size factor: 1 draws the default sizes (CSS px), 1.25 a quarter larger.
    pub font: f64,
    /// Device pixels per CSS pixel of the target (a canvas' devicePixelRatio; 1 for
    /// SVG). Layout, fonts and line widths follow it: the same picture, only sharper.
    pub dpr: f64,
    /// Draw the smallest-batch run (k = 1) faintly on every other run's axis:
    /// unchanged against epochs, samples or time; against steps, squeezed by the
    /// batch ratio, where a run k times larger lands if the rule holds.
    pub overlay: bool,
    /// Light (the default, and the CLI's) or dark.
    pub theme: Theme,
}

impl PlotOptions {
    /// The sizes and colours this chart is drawn at.
    pub fn scale(&self) -> Scale {
        Scale {
            font: self.font,
            dpr: self.dpr,
            theme: self.theme,
        }
    }
}

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions {
            x: XAxis::Epoch,
            log_loss: false,
            metrics: Metric::ALL.to_vec(),
            runs: 8,
            font: 1.0,
            dpr: 1.0,
            overlay: false,
            theme: Theme::Light,
        }
    }
}

/// A panel's rectangle in CSS pixels, relative to the chart's top-left corner.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// A chart's grid of panels and the CSS height it wants, from the CSS width alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Grid {
    pub cols: usize,
    pub rows: usize,
    /// Whole CSS pixels: rows × the panel height.
    pub css_height: u32,
}

/// Below this CSS width (a phone, or a narrow window) panels stack in one column.
pub const NARROW_CSS_PX: f64 = 600.0;

/// A curves panel's width / height, kept while its height stays within
/// [`CURVE_PANEL_HEIGHT`] (CSS px): a phone's one column of four panels gets four short
/// wide panels, not four tall thin ones, and a wide screen's 2 × 2 no towering panels.
pub const CURVE_PANEL_ASPECT: f64 = 1.7;
pub const CURVE_PANEL_HEIGHT: (f64, f64) = (180.0, 400.0);
/// A chart of one panel (the noise scale under the curves) spans the whole width: wider
/// and flatter, so that it does not tower over the page.
pub const LONE_PANEL_ASPECT: f64 = 2.5;
pub const LONE_PANEL_HEIGHT: (f64, f64) = (220.0, 340.0);
/// The landscape's panels are nearly square (the heatmap's cells, and a title and
/// legend above each plot), within [`LANDSCAPE_PANEL_HEIGHT`].
pub const LANDSCAPE_PANEL_ASPECT: f64 = 1.05;
pub const LANDSCAPE_PANEL_HEIGHT: (f64, f64) = (300.0, 600.0);

/// A width the layout can use: NaN, infinite or negative widths count as 0.
fn sane_width(css_width: f64) -> f64 {
    if css_width.is_finite() {
        css_width.max(0.0)
    } else {
        0.0
    }
}

fn grid(css_width: f64, panels: usize, aspect: f64, (lo, hi): (f64, f64)) -> Grid {
    let n = panels.max(1);
    let w = sane_width(css_width);
    let cols = if n >= 2 && w >= NARROW_CSS_PX { 2 } else { 1 };
    let rows = n.div_ceil(cols);
    let panel_h = (w / cols as f64 / aspect).clamp(lo, hi);
    Grid {
        cols,
        rows,
        css_height: (rows as f64 * panel_h).round() as u32,
    }
}

/// The learning curves' grid for `panels` metrics at `css_width` CSS pixels: two columns
/// when at least [`NARROW_CSS_PX`] wide (1280 → 2 × 2), else one (390 → 1 × 4).
pub fn curves_layout(css_width: f64, panels: usize) -> Grid {
    if panels <= 1 {
        return grid(css_width, 1, LONE_PANEL_ASPECT, LONE_PANEL_HEIGHT);
    }
    grid(css_width, panels, CURVE_PANEL_ASPECT, CURVE_PANEL_HEIGHT)
}

/// The landscape's grid: heatmap beside steps-to-target when at least [`NARROW_CSS_PX`]
/// wide, stacked otherwise.
pub fn landscape_layout(css_width: f64) -> Grid {
    grid(css_width, 2, LANDSCAPE_PANEL_ASPECT, LANDSCAPE_PANEL_HEIGHT)
}

/// The CSS size of a backend of `(w, h)` device pixels at `dpr`. The page makes the
/// backing store `round(css × dpr)` for a whole CSS size, so a quotient within half a
/// device pixel of a whole number is that number: the layout then sees the same CSS
/// width at every ratio, even one like 1.5 where `css × dpr` is not whole.
pub fn css_size((w, h): (u32, u32), dpr: f64) -> (f64, f64) {
    let dpr = if dpr.is_finite() && dpr > 0.0 {
        dpr
    } else {
        1.0
    };
    let css = |px: u32| {
        let c = px as f64 / dpr;
        if (c - c.round()).abs() * dpr <= 0.5 + 1e-9 {
            c.round()
        } else {
            c
        }
    };
    (css(w), css(h))
}

/// Splits `root` by `grid`: the drawing areas in row-major order (at device pixels,
/// rounded), and each one's rectangle in CSS pixels (to 1/100 px). The rows share the
/// area's real height, which may differ from `grid.css_height` (an embedded page
/// shortens the chart to fit its window).
pub(crate) fn split<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    grid: Grid,
    dpr: f64,
) -> (Vec<DrawingArea<DB, Shift>>, Vec<Rect>) {
    let dpr = if dpr.is_finite() && dpr > 0.0 {
        dpr
    } else {
        1.0
    };
    let (w, h) = css_size(root.dim_in_pixel(), dpr);
    let (cw, rh) = (w / grid.cols as f64, h / grid.rows as f64);
    let device = |css: f64| (css * dpr).round() as i32;
    let xs: Vec<i32> = (1..grid.cols).map(|c| device(c as f64 * cw)).collect();
    let ys: Vec<i32> = (1..grid.rows).map(|r| device(r as f64 * rh)).collect();
    let r2 = |v: f64| (v * 100.0).round() / 100.0;
    let rects = (0..grid.rows * grid.cols)
        .map(|i| Rect {
            x: r2((i % grid.cols) as f64 * cw),
            y: r2((i / grid.cols) as f64 * rh),
            w: r2(cw),
            h: r2(rh),
        })
        .collect();
    (root.split_by_breakpoints(xs, ys), rects)
}

/// Draws `runs` to an SVG string of the given size (used by the CLI and tests).
pub fn svg_string(
    curves: &[Curve],
    opts: &PlotOptions,
    size: (u32, u32),
) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw_curves(&root, curves, opts)?;
    }
    Ok(out)
}

/// The landscape as an SVG string (CLI and tests).
pub fn landscape_svg_string(
    land: &Landscape,
    value: HeatValue,
    size: (u32, u32),
) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw_landscape(&root, land, value, Scale::default())?;
    }
    Ok(out)
}

/// The range test's view as an SVG string (CLI and tests).
pub fn range_svg_string(rel: &Relation, size: (u32, u32)) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw_range(&root, rel, Scale::default())?;
    }
    Ok(out)
}
