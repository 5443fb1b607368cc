//! Where a training step's time goes: each kernel of one chunk, timed alone, with a clock the
//! caller supplies (the core has none: `benches/train.rs` passes `Instant`, the browser bench
//! `performance.now()`). Used for the per-kernel rows of `make bench`.
//!
//! The work per call is exactly what `Model::train_batch` does for a chunk of `n` samples:
//! the fused conv+dropout forward, the dense forward, the dense backward to the weights and
//! to the input (through dropout∘ReLU), and the conv weight gradient; plus the conv forward
//! without dropout, which evaluation runs instead (not part of the training total). Inputs
//! are fixed pseudo-random parameters and real images. Allocates its buffers once, before
//! timing.
//!
//! Each kernel gets one untimed round first: V8 runs new wasm code in its baseline compiler
//! and swaps in the optimised code only after a function has run a while, and the kernels
//! are inlined here into fresh copies.

use super::{active, K, POOL};
use crate::rng::Rng;

/// The kernels timed by [`per_kernel`], in pipeline order.
pub const NAMES: [&str; 6] = [
    "conv+relu+pool forward (evaluation)",
    "conv+relu+pool+dropout forward",
    "dense forward",
    "dense backward (weights)",
    "dense backward (input, through dropout+ReLU)",
    "conv weight gradient",
];

/// Which rows of [`NAMES`] a training step runs (all but the evaluation forward).
pub const IN_TRAINING: [bool; 6] = [false, true, true, true, true, true];

/// Milliseconds per call of each kernel in [`NAMES`] on `x` (n, 784), the fastest of `rounds`
/// rounds of `reps` calls each (the minimum: on a shared machine, the round least
/// disturbed). `clock` returns milliseconds from any origin.
pub fn per_kernel(
    x: &[f32],
    n: usize,
    reps: usize,
    rounds: usize,
    clock: &mut dyn FnMut() -> f64,
) -> [f64; 6] {
    const OC: usize = 32;
    const OUT: usize = 10;
    let hidden = OC * POOL;
    let mut rng = Rng::new(5);
    let w: Vec<f32> = (0..OC * K * K).map(|_| rng.uniform(-0.3, 0.3)).collect();
    let b: Vec<f32> = (0..OC).map(|_| rng.uniform(-0.3, 0.3)).collect();
    let dw: Vec<f32> = (0..OUT * hidden)
        .map(|_| rng.uniform(-0.05, 0.05))
        .collect();
    let db: Vec<f32> = (0..OUT).map(|_| rng.uniform(-0.1, 0.1)).collect();
    let dout: Vec<f32> = (0..n * OUT).map(|_| rng.uniform(-0.1, 0.1)).collect();
    let mut h = vec![0f32; n * hidden]; // (N, OC, PH, PW)
    let mut am = vec![0u8; n * hidden];
    let mut logits = vec![0f32; n * OUT];
    let mut dh = vec![0f32; n * hidden];
    let mut gw = vec![0f32; OUT * hidden];
    let mut gb = vec![0f32; OUT];
    let mut cw = vec![0f32; OC * K * K];
    let mut cb = vec![0f32; OC];
    active::conv_relu_pool_dropout_forward(x, &w, &b, n, &mut rng, 0.25, &mut h, &mut am);

    let mut time = |f: &mut dyn FnMut()| -> f64 {
        (0..reps).for_each(|_| f()); // warm-up round, untimed
        (0..rounds.max(1))
            .map(|_| {
                let t = clock();
                for _ in 0..reps {
                    f();
                }
                (clock() - t) / reps as f64
            })
            .fold(f64::INFINITY, f64::min)
    };
    let mut out = [0.0; 6];
    out[0] = time(&mut || active::conv_relu_pool_forward(x, &w, &b, n, &mut h, &mut am));
    out[1] = time(&mut || {
        active::conv_relu_pool_dropout_forward(x, &w, &b, n, &mut rng, 0.25, &mut h, &mut am)
    });
    out[2] = time(&mut || active::dense_forward(&h, &dw, &db, n, &mut logits));
    out[3] = time(&mut || active::dense_backward_weights(&h, &dout, n, &mut gw, &mut gb));
    out[4] =
        time(&mut || active::dense_backward_input_dropout_relu(&dw, &dout, &h, 0.25, n, &mut dh));
    out[5] =
        time(&mut || active::conv_relu_pool_backward_weights(x, &am, &dh, n, &mut cw, &mut cb));
    out
}
