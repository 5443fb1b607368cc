//! The learning-curve chart, drawn by plotters on any backend: the page's
//! canvas (plotters-canvas), the CLI's SVG, and whatever a test uses.
//!
//! [`draw_curves`] lays out one panel per metric (train loss, test loss, test
//! accuracy, learning rate), overlays every run in each, and marks a diverged
//! run with a cross where it diverged. It only draws: it knows nothing of
//! canvases, files or workers, and takes records, not trainers.
//!
//! Colours: the Okabe–Ito palette (distinguishable under the common colour-
//! vision deficiencies) for up to eight runs, and the viridis ramp (also
//! CVD-safe, and ordered like the k values it shows) beyond that.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::landscape::Landscape;
use crate::metrics::{EpochRecord, Status};

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

    fn label(self) -> &'static str {
        match self {
            XAxis::Epoch => "epoch",
            XAxis::Samples => "samples seen",
            XAxis::Steps => "optimizer steps",
            XAxis::Time => "wall time (s)",
        }
    }

    fn of(self, r: &EpochRecord) -> f64 {
        match self {
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

    fn title(self) -> &'static str {
        match self {
            Metric::TrainLoss => "train loss",
            Metric::TestLoss => "test loss",
            Metric::TestAcc => "test accuracy (%)",
            Metric::Lr => "learning rate",
            Metric::NoiseScale => "gradient noise scale B_simple",
        }
    }

    fn of(self, r: &EpochRecord) -> f64 {
        match self {
            Metric::TrainLoss => r.train_loss,
            Metric::TestLoss => r.test_loss,
            Metric::TestAcc => 100.0 * r.test_acc,
            Metric::Lr => r.lr,
            Metric::NoiseScale => r.noise_scale,
        }
    }

    fn is_loss(self) -> bool {
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

    /// (x, mean, min, max) of `metric` per evaluation, over the repeats that have it.
    fn points(&self, axis: XAxis, metric: Metric) -> Vec<(f64, f64, f64, f64)> {
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
                let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
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
    /// Font scale (1.0 for a laptop-sized canvas).
    pub font: f64,
    /// Draw the smallest-batch run (k = 1) faintly on every other run's axis:
    /// unchanged against epochs, samples or time; against steps, squeezed by the
    /// batch ratio, where a run k times larger lands if the rule holds.
    pub overlay: bool,
}

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions {
            x: XAxis::Epoch,
            log_loss: false,
            metrics: Metric::ALL.to_vec(),
            runs: 8,
            font: 1.0,
            overlay: false,
        }
    }
}

const OKABE_ITO: [(u8, u8, u8); 8] = [
    (0, 114, 178),   // blue
    (230, 159, 0),   // orange
    (0, 158, 115),   // bluish green
    (204, 121, 167), // reddish purple
    (86, 180, 233),  // sky blue
    (213, 94, 0),    // vermillion
    (240, 228, 66),  // yellow
    (0, 0, 0),       // black
];

// Viridis at 9 evenly spaced stops; interpolated between.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 45, 123),
    (59, 82, 139),
    (44, 114, 142),
    (33, 145, 140),
    (40, 174, 128),
    (94, 201, 98),
    (173, 220, 48),
    (253, 231, 37),
];

/// The colour of run `i` of `n`, as an RGB triple (also used by the page's legend).
pub fn palette(i: usize, n: usize) -> (u8, u8, u8) {
    if n <= OKABE_ITO.len() {
        return OKABE_ITO[i % OKABE_ITO.len()];
    }
    // Stop short of viridis' pale yellow end, which vanishes on white.
    let t = (i.min(n - 1) as f64 / (n - 1) as f64) * 0.9 * (VIRIDIS.len() - 1) as f64;
    let (lo, f) = (t.floor() as usize, t - t.floor());
    let hi = (lo + 1).min(VIRIDIS.len() - 1);
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (VIRIDIS[lo], VIRIDIS[hi]);
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn color(i: usize, n: usize) -> RGBColor {
    let (r, g, b) = palette(i, n);
    RGBColor(r, g, b)
}

/// Draws one panel per metric of `opts` into `root`, every curve overlaid.
pub fn draw_curves<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    curves: &[Curve],
    opts: &PlotOptions,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let n = opts.metrics.len().max(1);
    let (w, h) = root.dim_in_pixel();
    // Two columns when the area is wide enough, one panel per row otherwise (phones).
    let cols = if n >= 2 && w >= 640 && (w as f64 >= 1.1 * h as f64 || n >= 4) {
        2
    } else {
        1
    };
    let rows = n.div_ceil(cols);
    let panels = root.split_evenly((rows, cols));
    for (i, (metric, area)) in opts.metrics.iter().zip(panels.iter()).enumerate() {
        draw_panel(area, curves, opts, *metric, i == 0).map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

/// The largest magnitude an axis of the curves extends to; see `draw_panel`.
const AXIS_LIMIT: f64 = 1e300;

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    curves: &[Curve],
    opts: &PlotOptions,
    metric: Metric,
    legend: bool,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let log =
        metric.is_loss() && opts.log_loss || metric == Metric::Lr || metric == Metric::NoiseScale;
    let tf = |v: f64| if log { v.max(1e-12).log10() } else { v };
    let fs = |px: f64| (px * opts.font).round() as u32;

    // Ranges from the finite values; a diverged epoch's huge or NaN loss is
    // clamped to the top so one run cannot squash every other curve.
    let (mut x_max, mut y_lo, mut y_hi) = (0.0f64, f64::INFINITY, f64::NEG_INFINITY);
    for c in curves {
        // The repeats too: their band must fit, not only the leading run's line.
        for r in std::iter::once(c.records)
            .chain(c.repeats.iter().copied())
            .flatten()
        {
            // Capped in magnitude: plotters' tick search never ends on a range that is
            // infinite or whose width overflows (a record of 1e308 would hang the page).
            let x = opts.x.of(r);
            if x.is_finite() {
                x_max = x_max.max(x.min(AXIS_LIMIT));
            }
            let v = metric.of(r);
            if v.is_finite() && !(r.status == Status::Diverged && metric.is_loss()) {
                y_lo = y_lo.min(tf(v).clamp(-AXIS_LIMIT, AXIS_LIMIT));
                y_hi = y_hi.max(tf(v).clamp(-AXIS_LIMIT, AXIS_LIMIT));
            }
        }
    }
    if !y_lo.is_finite() {
        (y_lo, y_hi) = if metric == Metric::TestAcc {
            (0.0, 100.0)
        } else {
            (tf(0.01), tf(2.5))
        };
    }
    if metric.is_loss() && !log {
        y_lo = 0.0;
        y_hi = y_hi.min(2.5).max(y_lo + 0.1);
    }
    if metric == Metric::TestAcc {
        y_hi = 100.0;
        y_lo = (y_lo - 2.0).clamp(0.0, 98.0);
    }
    let pad = ((y_hi - y_lo) * 0.06).max(if log { 0.05 } else { 1e-9 });
    let (y0, y1) = if metric == Metric::TestAcc {
        (y_lo, y_hi)
    } else {
        (y_lo - if log { pad } else { 0.0 }, y_hi + pad)
    };
    let x_max = if x_max > 0.0 { x_max * 1.02 } else { 1.0 };

    let mut chart = ChartBuilder::on(area)
        .caption(metric.title(), ("sans-serif", fs(15.0)))
        .margin(fs(6.0))
        .x_label_area_size(fs(32.0))
        .y_label_area_size(fs(52.0))
        .build_cartesian_2d(0.0..x_max, y0..y1)?;
    let axis = opts.x;
    chart
        .configure_mesh()
        .x_desc(axis.label())
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| short_number(*v))
        .y_label_formatter(&|v| {
            if log {
                short_number(10f64.powf(*v))
            } else {
                short_number(*v)
            }
        })
        .label_style(("sans-serif", fs(11.0)))
        .axis_desc_style(("sans-serif", fs(12.0)))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;

    let clamp = |v: f64| {
        if v.is_finite() {
            tf(v).clamp(y0, y1)
        } else {
            y1
        }
    };
    let n_col = opts.runs.max(curves.len());
    // The reference for the overlay: the run with the smallest batch.
    let reference = curves
        .iter()
        .filter(|c| !c.records.is_empty())
        .min_by_key(|c| c.records[0].batch)
        .filter(|_| opts.overlay && curves.len() > 1);
    if let Some(rc) = reference {
        let rb = rc.records[0].batch as f64;
        for c in curves
            .iter()
            .filter(|c| !std::ptr::eq(*c, rc) && !c.records.is_empty())
        {
            let squeeze = if axis == XAxis::Steps {
                rb / c.records[0].batch as f64
            } else {
                1.0
            };
            let col = if axis == XAxis::Steps {
                color(c.color, n_col)
            } else {
                RGBColor(120, 120, 120)
            };
            let pts: Vec<(f64, f64)> = rc
                .points(axis, metric)
                .into_iter()
                .filter(|p| p.1.is_finite())
                .map(|(x, m, _, _)| (x * squeeze, clamp(m)))
                .collect();
            chart.draw_series(LineSeries::new(pts, col.mix(0.3).stroke_width(6)))?;
            if axis != XAxis::Steps {
                break; // the same curve for every run: draw it once
            }
        }
    }
    for c in curves {
        let col = color(c.color, n_col);
        let stats = c.points(axis, metric);
        if !c.repeats.is_empty() {
            // The band between the repeats' min and max.
            let band: Vec<(f64, f64)> = stats
                .iter()
                .filter(|p| p.2.is_finite())
                .map(|p| (p.0, clamp(p.3)))
                .chain(
                    stats
                        .iter()
                        .rev()
                        .filter(|p| p.2.is_finite())
                        .map(|p| (p.0, clamp(p.2))),
                )
                .collect();
            if band.len() >= 4 {
                chart.draw_series(std::iter::once(Polygon::new(band, col.mix(0.18).filled())))?;
            }
        }
        let pts: Vec<(f64, f64)> = stats.iter().map(|p| (p.0, clamp(p.1))).collect();
        let series = chart.draw_series(LineSeries::new(pts.clone(), col.stroke_width(2)))?;
        if legend {
            series.label(c.label.clone()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], col.stroke_width(3))
            });
        }
        // Dots when the curve is short, so a one-epoch run is still visible.
        if pts.len() <= 25 {
            chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, col.filled())))?;
        }
        if let Some(last) = c.records.last().filter(|r| r.status == Status::Diverged) {
            let p = (axis.of(last), clamp(metric.of(last)));
            chart.draw_series(std::iter::once(Cross::new(p, 7, col.stroke_width(3))))?;
        }
    }
    if legend && !curves.is_empty() {
        chart
            .configure_series_labels()
            .position(if metric == Metric::TestAcc {
                SeriesLabelPosition::LowerRight
            } else {
                SeriesLabelPosition::UpperRight
            })
            .label_font(("sans-serif", fs(11.0)))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .draw()?;
    }
    Ok(())
}

/// 1234567 → "1.2M", 0.00125 → "0.00125", 0.5 → "0.5".
fn short_number(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 100.0 || a == 0.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{}", (v * 100.0).round() / 100.0)
    } else {
        // Two significant digits, printed without an exponent.
        format!("{:.1e}", v)
            .parse::<f64>()
            .map(|x| format!("{x}"))
            .unwrap_or_default()
    }
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

/// What the landscape heatmap colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeatValue {
    /// Final test accuracy (%).
    Accuracy,
    /// Final test loss.
    Loss,
}

/// Viridis at `t` in [0, 1].
fn viridis(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let (lo, f) = (t.floor() as usize, t - t.floor());
    let hi = (lo + 1).min(VIRIDIS.len() - 1);
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (VIRIDIS[lo], VIRIDIS[hi]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Draws the landscape: the heatmap of `value` over batch × learning rate with
/// the linear and √ rule lines through the anchor (left, or top when narrow),
/// and the fewest steps to the target accuracy per batch size (right/bottom).
pub fn draw_landscape<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    land: &Landscape,
    value: HeatValue,
    font: f64,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let (w, h) = root.dim_in_pixel();
    let panels = if w as f64 >= 1.1 * h as f64 {
        root.split_evenly((1, 2))
    } else {
        root.split_evenly((2, 1))
    };
    // Both panels' legends take the same number of rows, so that side by side
    // their plots start at the same height.
    let rows = legend_rows(&panels[0], &HEATMAP_LEGEND, font)
        .map_err(err)?
        .len()
        .max(
            legend_rows(&panels[1], &STEPS_LEGEND, font)
                .map_err(err)?
                .len(),
        );
    draw_heatmap(&panels[0], land, value, font, rows).map_err(err)?;
    draw_steps_to_target(&panels[1], land, font, rows).map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}

/// What a legend entry shows before its text.
#[derive(Clone, Copy)]
enum Key {
    /// A line of this colour and width.
    Line(RGBColor, u32),
    /// A small filled square (a heatmap cell), crossed in white if `true`.
    Cell(RGBColor, bool),
    /// A cross marker of this colour.
    Cross(RGBColor),
}

const LINEAR_COLOR: RGBColor = RGBColor(213, 94, 0);
const SQRT_COLOR: RGBColor = RGBColor(204, 121, 167);
const DIVERGED_COLOR: RGBColor = RGBColor(60, 60, 60);
const CHANCE_COLOR: RGBColor = RGBColor(150, 150, 150);
const MEASURED_COLOR: RGBColor = RGBColor(0, 114, 178);

const HEATMAP_LEGEND: [(&str, Key); 4] = [
    ("linear: η ∝ B", Key::Line(LINEAR_COLOR, 3)),
    ("√: η ∝ √B", Key::Line(SQRT_COLOR, 3)),
    ("diverged", Key::Cell(DIVERGED_COLOR, true)),
    ("stuck at chance", Key::Cell(CHANCE_COLOR, false)),
];
const STEPS_LEGEND: [(&str, Key); 3] = [
    ("perfect scaling: steps ∝ 1/B", Key::Line(CHANCE_COLOR, 2)),
    ("measured (best rate)", Key::Line(MEASURED_COLOR, 3)),
    ("never reached", Key::Cross(LINEAR_COLOR)),
];

/// Lays `legend` out in centred rows that fit `area`'s width: per row, (entry, width).
#[allow(clippy::type_complexity)]
fn legend_rows<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    legend: &[(&str, Key)],
    font: f64,
) -> Result<Vec<Vec<(usize, i32)>>, DrawingAreaErrorKind<DB::ErrorType>> {
    let fs = |px: f64| (px * font).round() as i32;
    let label = ("sans-serif", fs(11.0) as u32).into_font().color(&BLACK);
    let room = area.dim_in_pixel().0 as i32 - 2 * fs(8.0);
    let (key_w, gap, space) = (fs(18.0), fs(5.0), fs(14.0));
    let mut rows: Vec<Vec<(usize, i32)>> = vec![Vec::new()];
    let mut row_w = 0;
    for (i, (text, _)) in legend.iter().enumerate() {
        let entry = key_w + gap + area.estimate_text_size(text, &label)?.0 as i32;
        let row = rows.last_mut().expect("at least one row");
        if !row.is_empty() && row_w + space + entry > room {
            rows.push(vec![(i, entry)]);
            row_w = entry;
        } else {
            row_w += if row.is_empty() { entry } else { space + entry };
            row.push((i, entry));
        }
    }
    Ok(rows)
}

/// Draws `title` and, under it, `legend` (at least `min_rows` rows) at the top of
/// `area`, and returns the rest of the area for the plot: a legend box inside the
/// plot would hide heatmap cells or points.
fn title_and_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    legend: &[(&str, Key)],
    font: f64,
    min_rows: usize,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let fs = |px: f64| (px * font).round() as i32;
    let rows = legend_rows(area, legend, font)?;
    let w = area.dim_in_pixel().0 as i32;
    let (key_w, gap, space, row_h) = (fs(18.0), fs(5.0), fs(14.0), fs(17.0));
    let title_h = fs(6.0) + fs(15.0) + fs(6.0);
    let height = title_h + rows.len().max(min_rows) as i32 * row_h;
    let (head, body) = area.split_vertically(height);
    let title_style = ("sans-serif", fs(15.0) as u32)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Top));
    head.draw_text(title, &title_style, (w / 2, fs(6.0)))?;
    let label = ("sans-serif", fs(11.0) as u32)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (r, row) in rows.iter().enumerate() {
        let total: i32 = row.iter().map(|e| e.1).sum::<i32>() + space * (row.len() as i32 - 1);
        let mut x = (w - total) / 2;
        let y = title_h + r as i32 * row_h + row_h / 2;
        for &(i, entry) in row {
            let (text, key) = legend[i];
            let (cx, half) = (x + key_w / 2, fs(5.0));
            match key {
                Key::Line(c, width) => {
                    head.draw(&PathElement::new(
                        vec![(x, y), (x + key_w, y)],
                        c.stroke_width(width),
                    ))?;
                }
                Key::Cell(c, crossed) => {
                    head.draw(&Rectangle::new(
                        [(cx - half, y - half), (cx + half, y + half)],
                        c.filled(),
                    ))?;
                    if crossed {
                        head.draw(&Cross::new((cx, y), half - 1, WHITE.stroke_width(2)))?;
                    }
                }
                Key::Cross(c) => {
                    head.draw(&Cross::new((cx, y), half, c.stroke_width(2)))?;
                }
            }
            head.draw_text(text, &label, (x + key_w + gap, y))?;
            x += entry + space;
        }
    }
    Ok(body)
}

fn draw_heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    land: &Landscape,
    value: HeatValue,
    font: f64,
    legend_rows: usize,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let fs = |px: f64| (px * font).round() as u32;
    let (nb, nl) = (land.grid_b.len(), land.grid_lr.len());
    let title = match value {
        HeatValue::Accuracy => "final test accuracy (%)",
        HeatValue::Loss => "final test loss",
    };
    let area = title_and_legend(area, title, &HEATMAP_LEGEND, font, legend_rows)?;
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
        .label_style(("sans-serif", fs(11.0)))
        .axis_desc_style(("sans-serif", fs(12.0)))
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
                    fs(9.0) as i32,
                    WHITE.stroke_width(2),
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
                    RGBColor(238, 238, 238).filled(),
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
            chart.draw_series(LineSeries::new(pts, col.stroke_width(3)))?;
        }
    }
    Ok(())
}

fn draw_steps_to_target<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    land: &Landscape,
    font: f64,
    legend_rows: usize,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let fs = |px: f64| (px * font).round() as u32;
    let title = format!("optimizer steps to reach {}% test accuracy", land.target);
    let area = title_and_legend(area, &title, &STEPS_LEGEND, font, legend_rows)?;
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
    let mut chart = ChartBuilder::on(&area)
        .margin(fs(6.0))
        .margin_top(fs(2.0))
        .x_label_area_size(fs(34.0))
        .y_label_area_size(fs(52.0))
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc("batch size")
        .y_desc("steps (best learning rate)")
        // About one label per 45 px, so "1024 2048 4096" do not run together on a phone.
        .x_labels((area.dim_in_pixel().0 / fs(45.0)).clamp(3, 12) as usize)
        // Batch sizes are powers of two on this axis; a tick between two of them
        // (22.63) would read as a batch size, so it stays unlabelled.
        .x_label_formatter(&|v| {
            if (v - v.round()).abs() < 1e-6 {
                short_number(2f64.powf(v.round()))
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|v| short_number(10f64.powf(*v)))
        .label_style(("sans-serif", fs(11.0)))
        .axis_desc_style(("sans-serif", fs(12.0)))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;
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
        chart.draw_series(LineSeries::new(ideal, CHANCE_COLOR.stroke_width(2)))?;
    }
    let col = MEASURED_COLOR;
    chart.draw_series(LineSeries::new(best.clone(), col.stroke_width(3)))?;
    chart.draw_series(best.iter().map(|&p| Circle::new(p, 4, col.filled())))?;
    // Batch sizes that never reached the target, marked along the top.
    for (b, s) in land.best_steps() {
        if s.is_none() {
            let p = ((b as f64).log2(), y1 - 0.1);
            chart.draw_series(std::iter::once(Cross::new(
                p,
                6,
                LINEAR_COLOR.stroke_width(2),
            )))?;
        }
    }
    Ok(())
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
        draw_landscape(&root, land, value, 1.0)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(epoch: u32, acc: f64, status: Status) -> EpochRecord {
        EpochRecord {
            epoch,
            step: epoch as u64 * 10,
            samples: epoch as u64 * 80,
            lr: 0.01,
            batch: 8,
            train_loss: 1.0 / epoch as f64,
            test_loss: if status == Status::Diverged {
                f64::NAN
            } else {
                1.2 / epoch as f64
            },
            test_acc: acc,
            noise_scale: f64::NAN,
            wall_ms: epoch as f64 * 500.0,
            status,
        }
    }

    #[test]
    fn landscape_svg_draws_cells_rules_and_steps() {
        use crate::config::Config;
        use crate::metrics::RunResult;
        let cfg =
            Config::from_query("mode=landscape&grid_b=8,64,512&grid_lr=0.001:1:3&b0=8&lr0=0.001")
                .unwrap();
        let runs: Vec<RunResult> = cfg
            .runs()
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (bi, lj) = s.cell.unwrap();
                let status = if lj == 2 && bi == 0 {
                    Status::Diverged
                } else {
                    Status::Done
                };
                let mut r = rec(1, 0.5 + 0.1 * (bi + lj) as f64, status);
                r.step = [1000, 125, 16][bi];
                RunResult {
                    run: i,
                    config: s.config.clone(),
                    repeat: 0,
                    records: vec![r],
                }
            })
            .collect();
        let land = Landscape::new(&cfg, &runs);
        let svg = landscape_svg_string(&land, HeatValue::Accuracy, (1000, 420)).unwrap();
        for needle in [
            "final test accuracy",
            "linear: η ∝ B",
            "perfect scaling",
            "steps to reach 90% test accuracy",
        ] {
            assert!(svg.contains(needle), "missing {needle}");
        }
        // The 90 % cell (batch 512, lr 1) is labelled; a diverged cell is dark.
        std::fs::write(std::env::temp_dir().join("lrbp-landscape.svg"), &svg).ok();
        let texts: Vec<&str> = svg
            .split("</text>")
            .filter_map(|t| t.rsplit('>').next())
            .map(str::trim)
            .collect();
        assert!(texts.contains(&"90"), "cell label");
        assert!(svg.contains("#3C3C3C"), "diverged cell colour");
    }

    #[test]
    fn palette_is_distinct() {
        let c: Vec<_> = (0..8).map(|i| palette(i, 8)).collect();
        for i in 0..8 {
            for j in 0..i {
                assert_ne!(c[i], c[j]);
            }
        }
        assert_ne!(palette(0, 20), palette(19, 20));
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short_number(1_234_567.0), "1.2M");
        assert_eq!(short_number(24000.0), "24k");
        assert!(["0.0012", "0.0013"].contains(&short_number(0.00125).as_str()));
        assert_eq!(short_number(2.5), "2.5");
    }

    #[test]
    fn svg_has_every_run_and_the_divergence_mark() {
        let a = vec![rec(1, 0.8, Status::Running), rec(2, 0.9, Status::Done)];
        let b = vec![rec(1, 0.5, Status::Running), rec(2, 0.1, Status::Diverged)];
        let curves = [Curve::new("k=1", &a, 0), Curve::new("k=2 diverged", &b, 1)];
        for x in [XAxis::Epoch, XAxis::Samples, XAxis::Steps, XAxis::Time] {
            let opts = PlotOptions {
                x,
                log_loss: x == XAxis::Steps,
                runs: 2,
                ..Default::default()
            };
            let svg = svg_string(&curves, &opts, (900, 600)).unwrap();
            assert!(
                svg.contains("k=2 diverged") && svg.contains("test accuracy"),
                "legend/title missing"
            );
            assert!(svg.contains(x.label()));
            // Okabe-Ito blue and orange both drawn.
            assert!(
                svg.contains("#0072B2") && svg.contains("#E69F00"),
                "colours missing"
            );
        }
        // Empty input still draws axes without error.
        assert!(svg_string(&[], &PlotOptions::default(), (400, 800)).is_ok());
    }
}
