//! `drawChart`: the learning curves onto a page canvas, through the core's one chart code.
//!
//! Parses the curves and options JSON, wraps the canvas in plotters-canvas'
//! `CanvasBackend` and calls [`plot::draw_curves`], the same function the CLI uses for
//! its SVG. Layout, colours, ranges and divergence marks are all decided there; this file
//! only translates JSON to [`Curve`]s and [`PlotOptions`].
//!
//! Main thread only: plotters-canvas draws on an `HtmlCanvasElement` through its 2D
//! context (no `OffscreenCanvas`), so workers send records and the page draws. The canvas'
//! drawing-buffer size (`width`/`height` attributes) is the chart's pixel size; the page
//! sets it from the CSS size times `devicePixelRatio` and passes a matching `font` scale.

use serde::Deserialize;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;

use super::records::RecordIn;
use crate::metrics::EpochRecord;
use crate::plot::{self, Curve, Metric, PlotOptions, XAxis};

/// One curve as the page sends it: `{"label", "color", "records", "repeats"}`.
#[derive(Deserialize)]
struct CurveIn {
    label: String,
    /// Palette index (the run's index in the experiment, so colours stay put).
    color: usize,
    records: Vec<RecordIn>,
    /// Optional: the records of further repeats of the same run (other seeds); the
    /// chart then draws their mean and a min–max band.
    #[serde(default)]
    repeats: Vec<Vec<RecordIn>>,
}

/// The options as the page sends them. Unknown keys are an error, so a misspelt option
/// (`logloss`) fails loudly instead of being ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OptionsIn {
    /// "epoch", "samples", "steps" or "time"; default "epoch".
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    log_loss: bool,
    /// Panels in order; default all four (testAcc, testLoss, trainLoss, lr).
    #[serde(default)]
    metrics: Option<Vec<String>>,
    /// Runs in the experiment (chooses the palette); default the number of curves.
    #[serde(default)]
    runs: Option<usize>,
    /// Font scale; default 1.
    #[serde(default)]
    font: Option<f64>,
    /// Draw the smallest-batch run faintly on the other runs' axes; default false.
    #[serde(default)]
    overlay: bool,
}

/// A parsed curve, owning the records the chart's [`Curve`] borrows.
struct Owned {
    label: String,
    color: usize,
    records: Vec<EpochRecord>,
    repeats: Vec<Vec<EpochRecord>>,
}

/// Font scales outside this range give unreadable or overlapping text; refuse them
/// rather than draw nonsense.
const FONT_RANGE: std::ops::RangeInclusive<f64> = 0.25..=8.0;

fn metric(name: &str) -> Result<Metric, JsError> {
    Metric::parse(name).ok_or_else(|| {
        JsError::new(&format!(
            "drawChart: unknown metric {name:?}; allowed: testAcc, testLoss, trainLoss, lr, noiseScale"
        ))
    })
}

pub(super) fn options(json: &str, n_curves: usize) -> Result<PlotOptions, JsError> {
    let o: OptionsIn = serde_json::from_str(json)
        .map_err(|e| JsError::new(&format!("drawChart: bad options JSON: {e}")))?;
    let x = match o.x.as_deref() {
        None => XAxis::Epoch,
        Some(s) => XAxis::parse(s).ok_or_else(|| {
            JsError::new(&format!(
                "drawChart: unknown x axis {s:?}; allowed: epoch, samples, steps, time"
            ))
        })?,
    };
    let metrics = match o.metrics {
        None => Metric::ALL.to_vec(),
        Some(names) => names.iter().map(|n| metric(n)).collect::<Result<_, _>>()?,
    };
    let font = o.font.unwrap_or(1.0);
    if !FONT_RANGE.contains(&font) {
        return Err(JsError::new(&format!(
            "drawChart: font scale {font} is out of range; allowed: 0.25 to 8"
        )));
    }
    Ok(PlotOptions {
        x,
        log_loss: o.log_loss,
        metrics,
        runs: o.runs.unwrap_or(n_curves),
        font,
        overlay: o.overlay,
    })
}

/// `drawChart(canvas, curvesJson, optionsJson)`: draws one panel per metric, every curve
/// in each. `curvesJson` is `[{"label", "color", "records": [EpochRecord...],
/// "repeats"?: [[EpochRecord...]...]}]`; `optionsJson` is `{"x", "logLoss", "metrics",
/// "runs", "font", "overlay"}`, every key optional.
/// Throws on bad JSON, an unknown option, axis or metric, or a canvas without a 2D
/// context. A canvas of zero width or height (hidden) is left alone.
#[wasm_bindgen(js_name = drawChart)]
pub fn draw_chart(
    canvas: &HtmlCanvasElement,
    curves_json: &str,
    options_json: &str,
) -> Result<(), JsError> {
    super::install_panic_hook();
    let curves: Vec<CurveIn> = serde_json::from_str(curves_json)
        .map_err(|e| JsError::new(&format!("drawChart: bad curves JSON: {e}")))?;
    let opts = options(options_json, curves.len())?;
    // The records must outlive the borrowed `Curve`s: convert them all first.
    let records =
        |rs: Vec<RecordIn>| -> Vec<EpochRecord> { rs.into_iter().map(EpochRecord::from).collect() };
    let owned: Vec<Owned> = curves
        .into_iter()
        .map(|c| Owned {
            label: c.label,
            color: c.color,
            records: records(c.records),
            repeats: c.repeats.into_iter().map(records).collect(),
        })
        .collect();
    let curves: Vec<Curve> = owned
        .iter()
        .map(|o| Curve {
            label: o.label.clone(),
            records: &o.records,
            color: o.color,
            repeats: o.repeats.iter().map(Vec::as_slice).collect(),
        })
        .collect();
    paint_curves(canvas, &curves, opts)
}

/// Draws parsed curves with parsed options: `drawChart`'s second half, shared with the
/// page's record store (`History::drawChart`, history.rs), which keeps its curves in wasm.
pub(super) fn paint_curves(
    canvas: &HtmlCanvasElement,
    curves: &[Curve],
    opts: PlotOptions,
) -> Result<(), JsError> {
    if canvas.width() == 0 || canvas.height() == 0 {
        return Ok(());
    }
    // The backend owns its canvas handle; cloning a JS object reference is cheap and
    // leaves the caller's handle usable.
    let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or_else(|| {
        JsError::new("drawChart: the canvas has no 2D context (is it used for WebGL?)")
    })?;
    let root = backend.into_drawing_area();
    plot::draw_curves(&root, curves, &opts).map_err(|e| JsError::new(&format!("drawChart: {e}")))
}
