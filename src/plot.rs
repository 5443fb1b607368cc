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
}

impl Metric {
    pub const ALL: [Metric; 4] = [
        Metric::TestAcc,
        Metric::TestLoss,
        Metric::TrainLoss,
        Metric::Lr,
    ];

    fn title(self) -> &'static str {
        match self {
            Metric::TrainLoss => "train loss",
            Metric::TestLoss => "test loss",
            Metric::TestAcc => "test accuracy (%)",
            Metric::Lr => "learning rate",
        }
    }

    fn of(self, r: &EpochRecord) -> f64 {
        match self {
            Metric::TrainLoss => r.train_loss,
            Metric::TestLoss => r.test_loss,
            Metric::TestAcc => 100.0 * r.test_acc,
            Metric::Lr => r.lr,
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
}

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions {
            x: XAxis::Epoch,
            log_loss: false,
            metrics: Metric::ALL.to_vec(),
            runs: 8,
            font: 1.0,
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
    let cols = if n >= 2 && w as f64 >= 1.1 * h as f64 && w >= 560 {
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

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    curves: &[Curve],
    opts: &PlotOptions,
    metric: Metric,
    legend: bool,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let log = metric.is_loss() && opts.log_loss || metric == Metric::Lr;
    let tf = |v: f64| if log { v.max(1e-12).log10() } else { v };
    let fs = |px: f64| (px * opts.font).round() as u32;

    // Ranges from the finite values; a diverged epoch's huge or NaN loss is
    // clamped to the top so one run cannot squash every other curve.
    let (mut x_max, mut y_lo, mut y_hi) = (0.0f64, f64::INFINITY, f64::NEG_INFINITY);
    for c in curves {
        for r in c.records {
            x_max = x_max.max(opts.x.of(r));
            let v = metric.of(r);
            if v.is_finite() && !(r.status == Status::Diverged && metric.is_loss()) {
                y_lo = y_lo.min(tf(v));
                y_hi = y_hi.max(tf(v));
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
    for c in curves {
        let col = color(c.color, opts.runs.max(curves.len()));
        let pts: Vec<(f64, f64)> = c
            .records
            .iter()
            .map(|r| (axis.of(r), clamp(metric.of(r))))
            .collect();
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
        let curves = [
            Curve {
                label: "k=1".into(),
                records: &a,
                color: 0,
            },
            Curve {
                label: "k=2 diverged".into(),
                records: &b,
                color: 1,
            },
        ];
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
