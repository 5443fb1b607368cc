//! The one canvas helper of the wasm shell: checks the size options every chart takes,
//! wraps a page canvas in plotters-canvas' `CanvasBackend`, runs one of the core's
//! drawing functions on it, and returns the panels it drew as `{"panels": [{x, y, w, h}]}`
//! in CSS pixels (the JSON `drawChart` and `drawLandscape` answer with).
//!
//! The canvas' drawing-buffer size (`width`/`height` attributes) is the backend's pixel
//! size; the page sets it to CSS size × devicePixelRatio and passes that ratio as `dpr`,
//! from which the core gets the CSS size back and decides the layout. A canvas of zero
//! width or height (hidden) is left alone and has no panels. Main thread only:
//! plotters-canvas draws on an `HtmlCanvasElement` through its 2D context (no
//! `OffscreenCanvas`), so workers send records and the page draws.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

use super::to_json;
use crate::plot::{Rect, Scale};

/// Font size factors outside this range give unreadable or overlapping text.
const FONT_RANGE: std::ops::RangeInclusive<f64> = 0.25..=8.0;
/// Device pixel ratios a browser reports (zoomed far out to a dense phone, zoomed in).
const DPR_RANGE: std::ops::RangeInclusive<f64> = 0.25..=8.0;

/// The `font` and `dpr` options of `what` (both default 1), checked.
pub(crate) fn scale(what: &str, font: Option<f64>, dpr: Option<f64>) -> Result<Scale, JsError> {
    let font = font.unwrap_or(1.0);
    if !FONT_RANGE.contains(&font) {
        return Err(JsError::new(&format!(
            "{what}: font scale {font} is out of range; allowed: 0.25 to 8"
        )));
    }
    let dpr = dpr.unwrap_or(1.0);
    if !DPR_RANGE.contains(&dpr) {
        return Err(JsError::new(&format!(
            "{what}: dpr {dpr} is out of range; allowed: 0.25 to 8 (devicePixelRatio)"
        )));
    }
    Ok(Scale {
        font,
        dpr,
        ..Scale::default()
    })
}

#[derive(Serialize)]
struct Drawn {
    panels: Vec<Rect>,
}

/// Runs `draw` on `canvas` and answers `{"panels": [...]}`; `what` names the export in
/// error messages.
pub(crate) fn draw_on(
    what: &str,
    canvas: &HtmlCanvasElement,
    draw: impl FnOnce(&DrawingArea<CanvasBackend, Shift>) -> Result<Vec<Rect>, String>,
) -> Result<String, JsError> {
    if canvas.width() == 0 || canvas.height() == 0 {
        return to_json(&Drawn { panels: Vec::new() });
    }
    // The backend owns its canvas handle; cloning a JS object reference is cheap and
    // leaves the caller's handle usable.
    let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or_else(|| {
        JsError::new(&format!(
            "{what}: the canvas has no 2D context (is it used for WebGL?)"
        ))
    })?;
    let root = backend.into_drawing_area();
    let panels = draw(&root).map_err(|e| JsError::new(&format!("{what}: {e}")))?;
    to_json(&Drawn { panels })
}
