//! The learning-curve chart: one panel per metric (test accuracy, test loss, train loss,
//! learning rate, or the gradient noise scale), every run overlaid in each, repeats as a
//! mean line with a min–max band, a diverged run marked with a cross where it diverged,
//! a growing batch dashed in the noise-scale panel (its B against B_simple), and optionally the smallest-batch run drawn faintly on the others' axes.
//!
//! Besides the experiment's own curves, [`draw_curves_with`] draws [`Overlay`]s under
//! them: a pinned past experiment's curves, dashed in its runs' colours, in every panel
//! and on every x axis, named in the legend; and a run's planned learning rate (before it
//! has a record), faded, in the learning-rate panel only. Their values widen the axes
//! like the curves' own, so a pinned run is never cut off.
//!
//! It only draws: it knows nothing of canvases, files or workers, and takes records, not
//! trainers. The grid of panels is [`curves_layout`]'s (decided in CSS pixels); sizes are
//! CSS pixels scaled by [`PlotOptions::scale`].

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::legend::title;
use super::style::{short_number, Themed};
use super::{css_size, curves_layout, split, Curve, Metric, PlotOptions, Rect, XAxis};
use crate::metrics::Status;

/// How an [`Overlay`] is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverlayStyle {
    /// A kept experiment pinned for comparison: dashed, every panel, in the legend.
    Pinned,
    /// A run's planned learning rate before it trains: faded, the learning-rate panel
    /// only (its records hold a rate and nothing else), in the legend.
    Planned,
}

/// A series drawn under the experiment's curves: see the module docs.
#[derive(Clone, Debug)]
pub struct Overlay<'a> {
    /// Its records and name; `curve.color` is its index in a palette of `runs` colours.
    pub curve: Curve<'a>,
    /// The runs of the palette `curve.color` indexes (its own experiment's).
    pub runs: usize,
    pub style: OverlayStyle,
}

impl Overlay<'_> {
    fn shows(&self, metric: Metric) -> bool {
        self.style == OverlayStyle::Pinned || metric == Metric::Lr
    }
}

/// Draws one panel per metric of `opts` into `root`, every curve overlaid, and returns
/// each panel's rectangle in CSS pixels. The grid (one column of panels, or two) is
/// [`curves_layout`]'s, from the CSS width (`root`'s width / `opts.dpr`); the panels
/// share the area's height, whatever it is.
pub fn draw_curves<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    curves: &[Curve],
    opts: &PlotOptions,
) -> Result<Vec<Rect>, String> {
    draw_curves_with(root, curves, &[], opts)
}

/// [`draw_curves`] with `overlays` drawn under the curves (see the module docs).
pub fn draw_curves_with<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    curves: &[Curve],
    overlays: &[Overlay],
    opts: &PlotOptions,
) -> Result<Vec<Rect>, String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&opts.theme.background()).map_err(err)?;
    let n = opts.metrics.len();
    let grid = curves_layout(css_size(root.dim_in_pixel(), opts.dpr).0, n);
    let (panels, mut rects) = split(root, grid, opts.dpr);
    for (i, (metric, area)) in opts.metrics.iter().zip(panels.iter()).enumerate() {
        draw_panel(area, curves, overlays, opts, *metric, i == 0).map_err(err)?;
    }
    rects.truncate(n);
    root.present().map_err(err)?;
    Ok(rects)
}

/// The ticks of a value axis over `lo..=hi`: the multiples of the smallest step of 1, 2
/// or 5 × 10ⁿ that gives at most `max` of them (plotters' choice of step), each computed
/// as `i × step`.
///
/// Why not plotters' own: it adds the step to a running sum and stops once the sum
/// passes the range's end with no tolerance, so the rounding error of that sum can
/// drop the last tick even when it lies inside the range (the learning-rate panel of
/// rates 0.001 and 0.004, a log axis over −3.05..−2.35, lost its top label −2.4).
/// Here a multiple within a millionth of a step of either end counts as inside.
pub(crate) fn ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite() && hi > lo) || max == 0 {
        return if lo.is_finite() { vec![lo] } else { vec![] };
    }
    const SLACK: f64 = 1e-6;
    let span = |step: f64| {
        let first = (lo / step - SLACK).ceil();
        let last = (hi / step + SLACK).floor();
        (first, last, (last - first + 1.0).max(0.0))
    };
    // From a step wider than the range (one or two ticks) down through 5, 2, 1 × 10ⁿ,
    // keeping the last step that still gives at most `max` ticks.
    let mut step = 10f64.powf((hi - lo).log10().ceil());
    let mut best = step;
    'outer: for _ in 0..30 {
        let decade = step;
        for div in [2.0, 5.0, 10.0] {
            let (_, _, count) = span(decade / div);
            if count > max as f64 {
                break 'outer;
            }
            best = decade / div;
        }
        step = decade / 10.0;
    }
    let (first, last, _) = span(best);
    (first as i64..=last as i64)
        .map(|i| i as f64 * best)
        .collect()
}

/// A value axis whose tick marks and grid lines are [`ticks`], drawn as plotters' `f64`
/// axis in every other way. (plotters' own `with_key_point_func` wrapper would do, but it
/// loses the `f64` axis' label formatting that the mesh asks for.)
struct Ticked(RangedCoordf64);

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        self.0.map(v, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        let r = self.0.range();
        ticks(r.start, r.end, hint.max_num_points())
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.0.range()
    }
}

/// Radius of the collapsed run's ring (CSS px), larger than the dots it circles.
pub(crate) const COLLAPSE_RING: f64 = 7.0;

/// Whether a curve's batch changes during the run (batch growth): the noise panel then
/// draws the batch too.
fn grows(c: &Curve) -> bool {
    c.records.windows(2).any(|w| w[0].batch != w[1].batch)
}

/// The largest magnitude an axis of the curves extends to; see `draw_panel`.
const AXIS_LIMIT: f64 = 1e300;

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    curves: &[Curve],
    overlays: &[Overlay],
    opts: &PlotOptions,
    metric: Metric,
    legend: bool,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let log =
        metric.is_loss() && opts.log_loss || metric == Metric::Lr || metric == Metric::NoiseScale;
    let tf = |v: f64| if log { v.max(1e-12).log10() } else { v };
    let scale = opts.scale();
    let fs = |px: f64| scale.text(px);
    let theme = scale.theme;
    let ink = theme.ink();

    // Ranges from the finite values; a diverged epoch's huge or NaN loss is
    // clamped to the top so one run cannot squash every other curve.
    let (mut x_max, mut y_lo, mut y_hi) = (0.0f64, f64::INFINITY, f64::NEG_INFINITY);
    let shown = overlays
        .iter()
        .filter(|o| o.shows(metric))
        .map(|o| &o.curve);
    for c in curves.iter().chain(shown) {
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
            if metric == Metric::NoiseScale && grows(c) {
                y_lo = y_lo.min(tf(r.batch as f64));
                y_hi = y_hi.max(tf(r.batch as f64));
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

    let area = title(area, metric.title(), scale, 6.0)?;
    let mut chart = ChartBuilder::on(&area)
        .margin(fs(6.0))
        .x_label_area_size(fs(32.0))
        .y_label_area_size(fs(52.0))
        .build_cartesian_2d(0.0..x_max, Ticked(RangedCoordf64::from(y0..y1)))?;
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
        .themed(scale, true)
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
                theme.color(c.color, n_col)
            } else {
                theme.neutral()
            };
            let pts: Vec<(f64, f64)> = rc
                .points(axis, metric)
                .into_iter()
                .filter(|p| p.1.is_finite())
                .map(|(x, m, _, _)| (x * squeeze, clamp(m)))
                .collect();
            chart.draw_series(LineSeries::new(
                pts,
                col.mix(0.3).stroke_width(scale.line(6.0)),
            ))?;
            if axis != XAxis::Steps {
                break; // the same curve for every run: draw it once
            }
        }
    }
    for o in overlays {
        draw_overlay(&mut chart, o, opts, metric, legend, &clamp)?;
    }
    for c in curves {
        let col = theme.color(c.color, n_col);
        let stats = c.points(axis, metric);
        if !c.repeats.is_empty() || metric == Metric::NoiseScale {
            // The band between the repeats' min and max (a single run's noise scale:
            // ± its standard error).
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
        if metric == Metric::NoiseScale && grows(c) {
            // A growing batch, dashed beside the noise scale it is meant to approach.
            let batch: Vec<(f64, f64)> = c
                .records
                .iter()
                .map(|r| (axis.of(r), clamp(r.batch as f64)))
                .collect();
            chart.draw_series(DashedLineSeries::new(
                batch,
                scale.line(6.0),
                scale.line(4.0),
                col.mix(0.8).stroke_width(scale.line(1.5)),
            ))?;
        }
        // A value that is not a number is drawn at the top only where the run diverged;
        // elsewhere (the untrained network's train loss, a noise scale not yet
        // measured) there is no point.
        let pts: Vec<(f64, f64)> = stats
            .iter()
            .zip(c.records)
            .filter(|(p, r)| p.1.is_finite() || r.status == Status::Diverged)
            .map(|(p, _)| (p.0, clamp(p.1)))
            .collect();
        let series = chart.draw_series(LineSeries::new(
            pts.clone(),
            col.stroke_width(scale.line(2.0)),
        ))?;
        if legend {
            let (key_w, key_line) = (scale.text_i(18.0), scale.line(3.0));
            series.label(c.label.clone()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + key_w, y)], col.stroke_width(key_line))
            });
        }
        // Dots when the curve is short, so a one-epoch run is still visible.
        if pts.len() <= 25 {
            chart.draw_series(
                pts.iter()
                    .map(|&p| Circle::new(p, scale.line_i(3.0), col.filled())),
            )?;
        }
        // How a failed run ended: a cross where it diverged, a hollow ring where it
        // ended collapsed (trained to the end, answering one class).
        if let Some(last) = c.records.last().filter(|r| r.status.failed()) {
            let p = (axis.of(last), clamp(metric.of(last)));
            if last.status == Status::Diverged {
                chart.draw_series(std::iter::once(Cross::new(
                    p,
                    scale.line_i(7.0),
                    col.stroke_width(scale.line(3.0)),
                )))?;
            } else {
                chart.draw_series(std::iter::once(Circle::new(
                    p,
                    scale.line_i(COLLAPSE_RING),
                    col.stroke_width(scale.line(2.0)),
                )))?;
            }
        }
    }
    let named = |o: &Overlay| o.style == OverlayStyle::Pinned || opts.metrics.contains(&Metric::Lr);
    if legend && (!curves.is_empty() || overlays.iter().any(named)) {
        chart
            .configure_series_labels()
            .position(if metric == Metric::TestAcc {
                SeriesLabelPosition::LowerRight
            } else {
                SeriesLabelPosition::UpperRight
            })
            .label_font(("sans-serif", fs(11.0)).into_font().color(&ink))
            // plotters' defaults (30 and 10 px), scaled like the text they frame.
            .legend_area_size(fs(30.0))
            .margin(fs(10.0))
            .background_style(theme.background().mix(0.85))
            .border_style(theme.border().stroke_width(scale.line(1.0)))
            .draw()?;
    }
    Ok(())
}

/// One overlay in one panel: its mean line (pinned: dashed; planned: faded, the
/// learning-rate panel only), and its legend entry when `legend` (a planned rate is
/// named only where the chart has a learning-rate panel).
fn draw_overlay<'a, DB: DrawingBackend + 'a, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    o: &Overlay,
    opts: &PlotOptions,
    metric: Metric,
    legend: bool,
    clamp: &dyn Fn(f64) -> f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    CT: CoordTranslate<From = (f64, f64)>,
{
    let scale = opts.scale();
    let c = &o.curve;
    let col = scale.theme.color(c.color, o.runs.max(c.color + 1));
    let pts: Vec<(f64, f64)> = if o.shows(metric) {
        c.points(opts.x, metric)
            .into_iter()
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .map(|p| (p.0, clamp(p.1)))
            .collect()
    } else {
        Vec::new()
    };
    let named = legend && (o.style == OverlayStyle::Pinned || opts.metrics.contains(&Metric::Lr));
    let (key_w, key_line) = (scale.text_i(18.0), scale.line(2.0));
    match o.style {
        OverlayStyle::Pinned => {
            let style = col.mix(0.8).stroke_width(scale.line(1.5));
            let (dash, gap) = (scale.line(6.0), scale.line(4.0));
            let series = chart.draw_series(DashedLineSeries::new(pts, dash, gap, style))?;
            if named {
                let key = col.mix(0.8).stroke_width(key_line);
                // Two dashes, in coordinates relative to the key's left end.
                let dash = (key_w * 2 / 5).max(1);
                series.label(c.label.clone()).legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (dash, 0)], key)
                        + PathElement::new(vec![(key_w - dash, 0), (key_w, 0)], key)
                });
            }
        }
        OverlayStyle::Planned => {
            let style = col.mix(0.45).stroke_width(scale.line(2.0));
            let series = chart.draw_series(LineSeries::new(pts, style))?;
            if named {
                let key = col.mix(0.45).stroke_width(key_line);
                series
                    .label(c.label.clone())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + key_w, y)], key));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod overlay_tests {
    use super::*;
    use crate::metrics::EpochRecord;

    fn rec(epoch: u32, acc: f64, lr: f64) -> EpochRecord {
        EpochRecord {
            epoch,
            step: epoch as u64 * 10,
            samples: epoch as u64 * 80,
            lr,
            batch: 8,
            train_loss: 1.0 / epoch as f64,
            test_loss: 1.2 / epoch as f64,
            test_acc: acc,
            noise_scale: f64::NAN,
            noise_spread: f64::NAN,
            peak_loss: f64::NAN,
            epochs_done: f64::NAN,
            wall_ms: epoch as f64 * 500.0,
            status: Status::Done,
        }
    }

    fn svg(curves: &[Curve], overlays: &[Overlay], opts: &PlotOptions) -> String {
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, (900, 600)).into_drawing_area();
            draw_curves_with(&root, curves, overlays, opts).unwrap();
        }
        out
    }

    /// The lines drawn at an overlay's opacity (pinned 0.8, planned 0.45).
    fn strokes(svg: &str, opacity: &str) -> usize {
        svg.split("<polyline")
            .skip(1)
            .filter(|l| l.contains(&format!("opacity=\"{opacity}\"")))
            .count()
    }

    /// A pinned experiment is drawn dashed (many short strokes) and named in the legend on
    /// every x axis, and its values widen the axes; nothing of it without the overlay.
    #[test]
    fn a_pinned_experiment_is_dashed_named_and_fits_every_axis() {
        let now: Vec<EpochRecord> = (1..=3).map(|e| rec(e, 0.5, 0.01)).collect();
        // The pinned run went 10 times further, so the x axis must reach it.
        let old: Vec<EpochRecord> = (1..=30).map(|e| rec(e, 0.8, 0.01)).collect();
        let curves = [Curve::new("k = 1", &now, 0)];
        let pinned = [Overlay {
            curve: Curve::new("none · k = 1", &old, 0),
            runs: 1,
            style: OverlayStyle::Pinned,
        }];
        for x in [XAxis::Epoch, XAxis::Samples, XAxis::Steps, XAxis::Time] {
            let opts = PlotOptions {
                x,
                runs: 1,
                ..Default::default()
            };
            let (with, without) = (svg(&curves, &pinned, &opts), svg(&curves, &[], &opts));
            assert!(with.contains("none · k = 1"), "{x:?}: legend");
            assert!(!without.contains("none · k = 1"));
            // 29 segments in four panels, each split into dashes.
            assert_eq!(strokes(&without, "0.8"), 0);
            assert!(
                strokes(&with, "0.8") > 4 * 29,
                "{x:?}: {}",
                strokes(&with, "0.8")
            );
            // The last x tick reaches the pinned run's end (30 epochs = 300 steps, …).
            let end = x.of(&old[29]);
            let ticks = |s: &str| -> f64 {
                s.split("</text>")
                    .filter_map(|t| t.rsplit('>').next())
                    .filter_map(|t| t.trim().replace('k', "e3").parse::<f64>().ok())
                    .fold(0.0, f64::max)
            };
            assert!(ticks(&with) >= end * 0.8, "{x:?}: {} < {end}", ticks(&with));
        }
    }

    /// A planned rate is drawn in the learning-rate panel only, and named only where the
    /// chart has one.
    #[test]
    fn a_planned_rate_shows_in_the_learning_rate_panel_only() {
        let plan: Vec<EpochRecord> = (1..=5)
            .map(|e| EpochRecord {
                test_acc: f64::NAN,
                test_loss: f64::NAN,
                train_loss: f64::NAN,
                ..rec(e, 0.0, 0.001 * e as f64)
            })
            .collect();
        let planned = [Overlay {
            curve: Curve::new("k = 4 (planned)", &plan, 3),
            runs: 7,
            style: OverlayStyle::Planned,
        }];
        let all = PlotOptions::default();
        let with = svg(&[], &planned, &all);
        assert!(with.contains("k = 4 (planned)"));
        // The line and the legend's key.
        assert_eq!(strokes(&with, "0.45"), 2);
        // The noise-scale chart (one panel, no rate): neither line nor name.
        let noise = PlotOptions {
            metrics: vec![Metric::NoiseScale],
            ..Default::default()
        };
        assert!(svg(&[], &planned, &noise) == svg(&[], &[], &noise));
    }
}
