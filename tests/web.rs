//! Browser tests of the wasm boundary (`src/web/`), run by `scripts/wasm-test.sh` in
//! headless Chrome and Firefox through `wasm-pack test`.
//!
//! What only a browser can show, and nothing the native tests already cover:
//! 1. the `Trainer` handle, trained in wasm on the real MNIST subset, reproduces the native
//!    numbers bit for bit (records, plan, predictions, confusion matrix) against the golden
//!    file `tests/golden/runs.json` (committed; `make golden` rewrites it);
//! 2. `drawChart` really draws on a canvas (pixels read back, run colours present);
//! 3. bad configs, bad numbers and bad data files come back as `Error`s naming the
//!    problem, never as panics;
//! 4. `parseQuery` keeps the good parameters and reports the bad ones.
//!
//! The tests call the `#[wasm_bindgen]` Rust functions directly: same code, same JSON
//! strings as JS sees. Exactness without trusting a decimal parser: expected values are
//! rebuilt from the golden file's bit patterns and *serialised* here with the same serde
//! types, then compared as text with what the handle returned. The shortest-round-trip
//! float printer is deterministic and injective, so equal text means equal bits (NaN,
//! whose payload differs between x86 and wasm, prints as `null` on both sides).
//!
//! One test target, `web` (`wasm-pack test ... -- --test web`), its suites in `tests/web/`:
//! `golden.rs` (the golden file), `trainer.rs` (1), `chart.rs` (2 and 5), `errors.rs`
//! (3 and 4), `kernels.rs` (the kernel twins), `datasets.rs` (the visitor's own data files). This file holds what they share: the data
//! files, the golden file's text and how a `JsError` reads in JS.
//!
//! Native builds skip this file entirely (the golden file need not exist for
//! `cargo test`).
#![cfg(target_arch = "wasm32")]

use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use lr_batch_playground::config::Norm;
use lr_batch_playground::data;
use lr_batch_playground::metrics::{EpochRecord, Status};
use lr_batch_playground::web::{self, RecordIn, WasmTrainer};

wasm_bindgen_test_configure!(run_in_browser);

const IMAGES: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/mnist/train-images-idx3-ubyte.gz"
));
const LABELS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/mnist/train-labels-idx1-ubyte.gz"
));
/// The pinned records: committed, checked natively by `tests/pinned.rs`; `make golden` rewrites them.
const GOLDEN: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/runs.json"
));

/// The message of the `Error` a `JsError` becomes in JS.
fn message(e: wasm_bindgen::JsError) -> String {
    JsValue::from(e)
        .dyn_into::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|v| format!("(not an Error: {v:?})"))
}

// The suites live in tests/web/; `#[path]` keeps them inside this one test target (a
// file directly in tests/ would be a target of its own).
#[path = "web/chart.rs"]
mod chart;
#[path = "web/datasets.rs"]
mod datasets;
#[path = "web/errors.rs"]
mod errors;
#[path = "web/golden.rs"]
mod golden;
#[path = "web/kernels.rs"]
mod kernels;
#[path = "web/trainer.rs"]
mod trainer;
// `twins` takes its sampler from `common`.
mod common;
mod twins;

use golden::*;
