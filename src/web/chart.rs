//! `drawChart`: the learning curves onto a page canvas, through the core's one chart code;
//! and the layout questions the page asks before sizing a canvas, `chartLayout` and
//! `landscapeLayout`.
//!
//! Parses the curves and options JSON and calls [`plot::draw_curves`] on the canvas
//! (through [`super::canvas`]), the same function the CLI uses for its SVG. Layout,
//! colours, ranges and divergence marks are all decided there; this file only translates
//! JSON to [`Curve`]s and [`PlotOptions`]. The layout exports answer from the same
//! [`plot::curves_layout`] and [`plot::landscape_layout`] the drawing uses, so the CSS
//! height the page gives a canvas is the one the panels were laid out for.

use serde::Deserialize;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

use super::canvas::{draw_on, scale};
use super::records::RecordIn;
use super::{to_json, whole_number};
use crate::metrics::EpochRecord;
use crate::plot::{self, Curve, Metric, PlotOptions, Theme, XAxis};

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
    /// Text size factor; default 1.
    #[serde(default)]
    font: Option<f64>,
    /// The canvas' device pixels per CSS pixel (devicePixelRatio); default 1.
    #[serde(default)]
    dpr: Option<f64>,
    /// Draw the smallest-batch run faintly on the other runs' axes; default false.
    #[serde(default)]
    overlay: bool,
    /// "light" (default) or "dark": the page's colour scheme.
    #[serde(default)]
    theme: Option<String>,
}

/// The `theme` option of `what`: "light" (also when absent) or "dark".
pub(super) fn theme(what: &str, name: Option<&str>) -> Result<Theme, JsError> {
    match name {
        None => Ok(Theme::Light),
        Some(s) => Theme::parse(s).ok_or_else(|| {
            JsError::new(&format!(
                "{what}: unknown theme {s:?}; allowed: light, dark"
            ))
        }),
    }
}

/// A parsed curve, owning the records the chart's [`Curve`] borrows.
struct Owned {
    label: String,
    color: usize,
    records: Vec<EpochRecord>,
    repeats: Vec<Vec<EpochRecord>>,
}

fn metric(name: &str) -> Result<Metric, JsError> {
    Metric::parse(name).ok_or_else(|| {
        JsError::new(&format!(
            "drawChart: unknown metric {name:?}; allowed: testAcc, testLoss, trainLoss, lr, noiseScale"
        ))
    })
}

/// Shared with `History::drawChart` (history.rs).
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
    let size = scale("drawChart", o.font, o.dpr)?;
    Ok(PlotOptions {
        x,
        log_loss: o.log_loss,
        metrics,
        runs: o.runs.unwrap_or(n_curves),
        font: size.font,
        dpr: size.dpr,
        overlay: o.overlay,
        theme: theme("drawChart", o.theme.as_deref())?,
    })
}

/// `drawChart(canvas, curvesJson, optionsJson)`: draws one panel per metric, every curve
/// in each, and answers `{"panels": [{"x", "y", "w", "h"}]}`, each panel's rectangle in
/// CSS pixels relative to the canvas. `curvesJson` is `[{"label", "color", "records":
/// [EpochRecord...], "repeats"?: [[EpochRecord...]...]}]`; `optionsJson` is `{"x",
/// "logLoss", "metrics", "runs", "font", "dpr", "overlay", "theme"}`, every key optional
/// (`dpr`: the canvas' backing store is CSS size × dpr; `font`: a text size factor;
/// `theme`: "light" or "dark", the background, ink, grid and run colours).
/// Throws on bad JSON, an unknown option, axis or metric, a font or dpr out of range, or
/// a canvas without a 2D context. A canvas of zero width or height (hidden) is left alone.
#[wasm_bindgen(js_name = drawChart)]
pub fn draw_chart(
    canvas: &HtmlCanvasElement,
    curves_json: &str,
    options_json: &str,
) -> Result<String, JsError> {
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
    draw_on("drawChart", canvas, |root| {
        plot::draw_curves(root, &curves, &opts)
    })
}

/// A CSS width from JS: finite, not negative, at most 100 000 px.
fn css_width(what: &str, w: f64) -> Result<f64, JsError> {
    if w.is_finite() && (0.0..=100_000.0).contains(&w) {
        Ok(w)
    } else {
        Err(JsError::new(&format!(
            "{what}: CSS width {w} is not a number of pixels from 0 to 100000"
        )))
    }
}

/// `chartLayout(cssWidth, panels)`: the learning curves' grid for `panels` metrics on a
/// canvas `cssWidth` CSS pixels wide, `{"cols", "rows", "cssHeight"}`: the page makes the
/// canvas `cssHeight` CSS pixels tall. Throws on a width that is not a number of pixels
/// or a panel count outside 1 to 16.
#[wasm_bindgen(js_name = chartLayout)]
pub fn chart_layout(css_w: f64, panels: f64) -> Result<String, JsError> {
    let w = css_width("chartLayout", css_w)?;
    let n = whole_number("chartLayout: panels", panels, 16.0)? as usize;
    if n == 0 {
        return Err(JsError::new("chartLayout: panels: 0; at least 1 is needed"));
    }
    to_json(&plot::curves_layout(w, n))
}

/// `landscapeLayout(cssWidth)`: the landscape's grid, `{"cols", "rows", "cssHeight"}`
/// (heatmap beside steps-to-target, or stacked on a narrow canvas). Throws on a width
/// that is not a number of pixels.
#[wasm_bindgen(js_name = landscapeLayout)]
pub fn landscape_layout(css_w: f64) -> Result<String, JsError> {
    to_json(&plot::landscape_layout(css_width(
        "landscapeLayout",
        css_w,
    )?))
}
