//! The range test's view on the page: `History.drawRange` and `History.rangeSummary`.
//!
//! `drawRange` calls [`plot::draw_range`] on the canvas (through `canvas.rs`), the CLI's
//! SVG code: the smoothed loss against the rate per batch size with both marks, beside the
//! learning rate against the batch size with α, the α = 1 and α = 0.5 lines and the bend.
//! `rangeSummary` gives the page the same numbers ([`Relation::new`]'s: per batch and seed
//! the rates found, the fitted exponents and the bend), for its text beside the picture.
//! No analysis here: smoothing, detectors and fits are `lr_range.rs`'s. Main thread only,
//! like `drawLandscape`.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

use super::canvas::{draw_on, scale};
use super::history::History;
use super::to_json;
use crate::lr_range::{Exponent, Relation};
use crate::plot::{self, alpha_text};

/// `drawRange`'s options (unknown keys are an error, as in `drawChart`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionsIn {
    #[serde(default)]
    font: Option<f64>,
    #[serde(default)]
    dpr: Option<f64>,
    /// "light" (default) or "dark": the page's colour scheme.
    #[serde(default)]
    theme: Option<String>,
}

/// One range test of `rangeSummary` (a rate not found is `null`).
#[derive(Serialize)]
struct TestOut {
    batch: usize,
    repeat: u32,
    best: Option<f64>,
    stable: Option<f64>,
}

#[derive(Serialize)]
struct ExponentOut {
    alpha: f64,
    /// Standard error over seeds; `null` with one seed.
    se: Option<f64>,
    seeds: usize,
    /// "0.52 ± 0.04 (3 seeds)", as the chart's legend writes it.
    text: String,
}

#[derive(Serialize)]
struct BendOut {
    batch: f64,
    below: f64,
    above: f64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SummaryOut {
    tests: Vec<TestOut>,
    stable_alpha: Option<ExponentOut>,
    best_alpha: Option<ExponentOut>,
    bend: Option<BendOut>,
}

fn exponent(e: Option<&Exponent>) -> Option<ExponentOut> {
    e.map(|x| ExponentOut {
        alpha: x.alpha,
        se: x.se.is_finite().then_some(x.se),
        seeds: x.per_seed.len(),
        text: alpha_text(Some(x)),
    })
}

/// The summary JSON of a relation (see [`History::range_summary`]).
pub(super) fn summary_json(rel: &Relation) -> Result<String, JsError> {
    let tests = rel
        .batches
        .iter()
        .flat_map(|b| {
            b.runs.iter().map(|(repeat, _, r)| TestOut {
                batch: b.batch,
                repeat: *repeat,
                best: r.best,
                stable: r.stable,
            })
        })
        .collect();
    to_json(&SummaryOut {
        tests,
        stable_alpha: exponent(rel.stable_alpha.as_ref()),
        best_alpha: exponent(rel.best_alpha.as_ref()),
        bend: rel.bend.as_ref().map(|k| BendOut {
            batch: k.batch,
            below: k.below,
            above: k.above,
        }),
    })
}

#[wasm_bindgen(js_class = History)]
impl History {
    /// `drawRange(canvas, optionsJson)`: the range test of the stored runs (finished ones:
    /// a test is analysed whole). `optionsJson` is `{"font": f64, "dpr": f64, "theme":
    /// "light" | "dark"}`, every key optional. Answers `{"panels": [{"x", "y", "w", "h"}]}` in CSS pixels; throws on bad
    /// JSON, an unknown option, a font or dpr out of range, or a canvas without a 2D context.
    #[wasm_bindgen(js_name = drawRange)]
    pub fn draw_range(
        &self,
        canvas: &HtmlCanvasElement,
        options_json: &str,
    ) -> Result<String, JsError> {
        let o: OptionsIn = serde_json::from_str(options_json)
            .map_err(|e| JsError::new(&format!("drawRange: bad options JSON: {e}")))?;
        let size = plot::Scale {
            theme: super::chart::theme("drawRange", o.theme.as_deref())?,
            ..scale("drawRange", o.font, o.dpr)?
        };
        let rel = self.relation();
        draw_on("History.drawRange", canvas, |root| {
            plot::draw_range(root, &rel, size)
        })
    }

    /// `rangeSummary()`: `{"tests": [{"batch", "repeat", "best", "stable"}], "stableAlpha",
    /// "bestAlpha": {"alpha", "se", "seeds", "text"} | null, "bend": {"batch", "below",
    /// "above"} | null}`, the numbers `drawRange` draws.
    #[wasm_bindgen(js_name = rangeSummary)]
    pub fn range_summary(&self) -> Result<String, JsError> {
        summary_json(&self.relation())
    }
}
