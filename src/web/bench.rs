//! Speed probes for the bench page (`www/bench.html`, driven by `tools/bench/bench.mjs`):
//! the same measurements as `benches/train.rs`, taken inside a browser worker.
//!
//! `benchTrain(batch, steps, images, labels)` times `steps` optimizer steps (forward, backward
//! and the SGD update of the article's CNN, dropout 0.25) on consecutive batches of the
//! 8,000-digit training split, after checking the active kernels against their scalar twins
//! on the first batch: a number is only reported for kernels that are right.
//! `benchEval(reps, images, labels)` times evaluation of the 2,000 test digits, and
//! `benchKernels(batch, reps, images, labels)` each kernel of one training chunk alone
//! (`kernels::profile`). Each returns a small JSON value (fields below) and throws on bad
//! input; none keeps state between calls, so each call parses the data again (outside the
//! timed part).
//!
//! The clock is `performance.now()` of the calling global (window or worker), read through
//! `js_sys` so that no DOM binding is needed; everything timed is core code: the training
//! loop is `bench::BenchLoop`, the one `benches/train.rs` times, and the FLOP counts are the
//! model's nominal ones (`model::TRAIN_FLOP_PER_SAMPLE`), so GFLOP/s compare with the native
//! table. `now_ms` is also the clock the `Trainer` handle gives its core trainer.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{install_panic_hook, to_json};
use crate::bench::BenchLoop;
use crate::config::Norm;
use crate::data::{self, Split};
use crate::kernels;
use crate::model::{Init, Model, EVAL_FLOP_PER_SAMPLE, INPUT, TRAIN_FLOP_PER_SAMPLE};
use crate::rng::Rng;
/// Training-split size, the article's.
const N_TRAIN: usize = 8000;
/// Largest batch and step count accepted (a guard against absurd requests, not a limit
/// anyone reaches: 4096 × 784 floats is 12 MB).
const MAX_BATCH: u32 = 4096;
const MAX_STEPS: u32 = 1_000_000;

/// What `benchTrain` returns.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TrainOut {
    batch: u32,
    steps: u32,
    ms_per_step: f64,
    samples_per_sec: f64,
    gflops: f64,
    /// The nominal count behind `gflops`.
    flop_per_sample: f64,
    /// Mean loss of the timed steps (finite, else the call throws).
    mean_loss: f64,
    kernels: &'static str,
}

/// What `benchEval` returns.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EvalOut {
    samples: usize,
    reps: u32,
    ms_per_pass: f64,
    samples_per_sec: f64,
    gflops: f64,
    correct: usize,
}

/// `performance.now()` of the current global; 0 when there is none (never in a browser).
pub(super) fn now_ms() -> f64 {
    let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).ok();
    perf.and_then(|p| {
        let now = js_sys::Reflect::get(&p, &"now".into()).ok()?;
        let now: js_sys::Function = now.dyn_into().ok()?;
        now.call0(&p).ok()?.as_f64()
    })
    .unwrap_or(0.0)
}

fn load(images: &[u8], labels: &[u8]) -> Result<Split, JsError> {
    let m = data::load_mnist(images, labels).map_err(|e| JsError::new(&format!("data: {e}")))?;
    Ok(data::split(&m, N_TRAIN, Norm::None))
}

/// `benchTrain(batch, steps, images, labels)`: `{"batch", "steps", "msPerStep",
/// "samplesPerSec", "gflops", "meanLoss", "kernels"}`, `kernels` naming the implementation
/// that ran (`simd128` or `fast`). Throws on bad data, a batch of 0 or above 4096, or if the
/// kernels disagree with their scalar twins.
#[wasm_bindgen(js_name = benchTrain)]
pub fn bench_train(
    batch: u32,
    steps: u32,
    images: &[u8],
    labels: &[u8],
) -> Result<String, JsError> {
    install_panic_hook();
    if batch == 0 || batch > MAX_BATCH || steps == 0 || steps > MAX_STEPS {
        return Err(JsError::new(&format!(
            "benchTrain: batch must be 1 to {MAX_BATCH} and steps 1 to {MAX_STEPS}, got {batch} and {steps}"
        )));
    }
    let split = load(images, labels)?;
    let (tx, ty) = (&split.train.images, &split.train.labels);
    let n_train = ty.len();
    let bs = (batch as usize).min(n_train);
    kernels::check::against_scalar(&tx[..bs * INPUT], bs)
        .map_err(|e| JsError::new(&format!("benchTrain: {e}")))?;

    let mut bench = BenchLoop::new(tx, ty, bs);
    bench.step(); // warm-up: scratch buffers allocated
    let t0 = now_ms();
    let mut loss = 0.0;
    for _ in 0..steps {
        loss += bench.step() as f64;
    }
    let ms = (now_ms() - t0).max(1e-3);
    let mean_loss = loss / steps as f64;
    if !mean_loss.is_finite() {
        return Err(JsError::new("benchTrain: the loss is not finite"));
    }
    let sps = (steps as usize * bs) as f64 / (ms / 1e3);
    to_json(&TrainOut {
        batch: bs as u32,
        steps,
        ms_per_step: ms / steps as f64,
        samples_per_sec: sps,
        gflops: sps * TRAIN_FLOP_PER_SAMPLE / 1e9,
        flop_per_sample: TRAIN_FLOP_PER_SAMPLE,
        mean_loss,
        kernels: kernels::ACTIVE_NAME,
    })
}

/// `benchEval(reps, images, labels)`: evaluation (forward, no dropout) of the 2,000 test
/// digits, `reps` times after one warm-up pass. Returns `{"samples", "reps", "msPerPass",
/// "samplesPerSec", "gflops", "correct"}`. Throws on bad data or reps outside 1 to 10,000.
#[wasm_bindgen(js_name = benchEval)]
pub fn bench_eval(reps: u32, images: &[u8], labels: &[u8]) -> Result<String, JsError> {
    install_panic_hook();
    if reps == 0 || reps > 10_000 {
        return Err(JsError::new(&format!(
            "benchEval: reps must be 1 to 10000, got {reps}"
        )));
    }
    let split = load(images, labels)?;
    let (ex, ey) = (&split.test.images, &split.test.labels);
    let mut rng = Rng::new(1);
    let mut model = Model::new(Init::PyTorch, 0.25, &mut rng);
    let (_, correct) = model.evaluate(ex, ey); // warm-up
    let t0 = now_ms();
    for _ in 0..reps {
        model.evaluate(ex, ey);
    }
    let ms = (now_ms() - t0).max(1e-3) / reps as f64;
    let sps = ey.len() as f64 / (ms / 1e3);
    to_json(&EvalOut {
        samples: ey.len(),
        reps,
        ms_per_pass: ms,
        samples_per_sec: sps,
        gflops: sps * EVAL_FLOP_PER_SAMPLE / 1e9,
        correct,
    })
}

/// `benchKernels(batch, reps, images, labels)`: milliseconds per call of each kernel of one
/// chunk of `batch` (≤ 64) training samples, `[{"kernel", "ms", "training"}]` in pipeline
/// order, `training` false for the evaluation-only row (see `kernels::profile`).
#[wasm_bindgen(js_name = benchKernels)]
pub fn bench_kernels(
    batch: u32,
    reps: u32,
    images: &[u8],
    labels: &[u8],
) -> Result<String, JsError> {
    install_panic_hook();
    if batch == 0 || batch > 64 || reps == 0 || reps > 100_000 {
        return Err(JsError::new(
            "benchKernels: batch must be 1 to 64 and reps 1 to 100000",
        ));
    }
    let split = load(images, labels)?;
    let n = batch as usize;
    let ms = kernels::profile::per_kernel(
        &split.train.images[..n * INPUT],
        n,
        reps as usize,
        5,
        &mut now_ms,
    );
    let rows: Vec<serde_json::Value> = kernels::profile::NAMES
        .iter()
        .zip(ms)
        .zip(kernels::profile::IN_TRAINING)
        .map(|((k, ms), t)| serde_json::json!({"kernel": k, "ms": ms, "training": t}))
        .collect();
    to_json(&rows)
}
