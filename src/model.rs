//! The article's CNN, assembled from `nn/`: its parameters, its gradients, and one training
//! step's forward and backward pass.
//!
//! ```text
//! x (N, 784) = (N,1,28,28) ─conv 3×3, 32 ch, stride 1, no pad + ReLU + max-pool 2×2─▶ (N,32,13,13)
//!   ─dropout p (training only)─▶ flatten (N,5408), channel-major (c, y, x) as PyTorch
//!   ─dense 5408→10─▶ logits (N,10) ─softmax cross-entropy, mean over the batch─▶ loss
//! ```
//!
//! Parameters live in one flat `Array1<f32>` (the optimizer sees a single slice) in PyTorch's
//! order and layouts: conv.weight (32,1,3,3), conv.bias (32), dense.weight (10,5408) one row
//! per output, dense.bias (10); see [`Model::param_ranges`]. Gradients use the same layout.
//!
//! A batch is processed in chunks of at most [`CHUNK`] samples, layer by layer within a chunk,
//! with the gradient accumulated across chunks. So memory does not grow with the batch
//! (full-batch gradient descent on 8000 samples uses the same ~3 MB of scratch as a batch of
//! 64), and the result is the unchunked mathematics up to float summation order. Scratch
//! buffers are kept in the model and only grow, so repeated batches of one size never
//! allocate.
//!
//! What this file does not do: update parameters (`optim.rs`), choose batches (`data/`,
//! `train.rs`), or check the config (`Config::validate`; here bad input is asserted, since
//! this is an internal API). Everything is deterministic: same parameters, inputs and
//! generator state give bit-identical loss and gradients.

use std::ops::Range;

use ndarray::{Array1, ArrayView1, ArrayView2, ArrayView4};
use serde::{Deserialize, Serialize};

use crate::kernels::{IMG, K, POOL};
use crate::nn::{conv, dense, dropout, softmax_xent};
use crate::rng::Rng;

/// Pixels per input sample (28·28), the row length of `x`.
pub const INPUT: usize = 784;
/// Output classes (the ten digits).
pub const CLASSES: usize = 10;
/// Conv output channels.
pub const CHANNELS: usize = 32;
/// Features after conv + pool, the dense layer's input: 32·13·13.
pub const HIDDEN: usize = 5408;
/// Nominal FLOPs of one training sample (forward, backward, update): conv forward 0.39 M,
/// conv weight gradient 0.39 M, dense forward and both backwards 0.32 M. Benchmarks report
/// GFLOP/s from this count whatever shortcuts a kernel takes (the sparse pool backward), so
/// the figures compare across implementations.
pub const TRAIN_FLOP_PER_SAMPLE: f64 = 1.1e6;
/// Nominal FLOPs of one evaluated sample: conv and dense forward.
pub const EVAL_FLOP_PER_SAMPLE: f64 = 0.5e6;
/// Largest number of samples processed layer-by-layer at once. Measured natively (release,
/// `tests/kernels.rs` throughput probe, batches 32–512): one sample at a time is ~30% slower
/// (per-call overheads, the dense weights re-streamed per sample), while 16, 64 and 128 are
/// within noise of each other; 64 keeps the scratch at ~3 MB.
pub const CHUNK: usize = 64;

const CONV_W_LEN: usize = CHANNELS * K * K;
const CONV_B_END: usize = CONV_W_LEN + CHANNELS;
const DENSE_W_END: usize = CONV_B_END + CLASSES * HIDDEN;
/// Total number of parameters: 288 + 32 + 54080 + 10.
pub const NUM_PARAMS: usize = DENSE_W_END + CLASSES;

const _: () = assert!(INPUT == IMG && HIDDEN == CHANNELS * POOL && NUM_PARAMS == 54410);

/// How the initial weights are drawn (see [`Model::new`]). Serialised lowercase (`pytorch`,
/// `he`) as a field of the experiment config.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// PyTorch's default for `Conv2d` and `Linear`: weights and biases U(−1/√fan_in, 1/√fan_in).
    PyTorch,
    /// He (Kaiming) uniform for ReLU nets: weights U(−√(6/fan_in), √(6/fan_in)), biases 0.
    He,
}

/// The CNN: parameters, their gradient from the last [`Model::train_batch`], and scratch.
#[derive(Clone)]
pub struct Model {
    dropout: f32,
    params: Array1<f32>, // (NUM_PARAMS) conv_w | conv_b | dense_w | dense_b
    grads: Array1<f32>,  // (NUM_PARAMS) same layout
    scratch: Scratch,
}

/// Per-chunk activations, sized for `min(N, CHUNK)` samples and grown only when needed.
#[derive(Clone, Default)]
struct Scratch {
    h: Vec<f32>,       // (CHUNK, HIDDEN) pooled with dropout applied: the dense input
    argmax: Vec<u8>,   // (CHUNK, HIDDEN) winning cell of each pool window
    logits: Vec<f32>,  // (CHUNK, CLASSES)
    dlogits: Vec<f32>, // (CHUNK, CLASSES)
    dh: Vec<f32>,      // (CHUNK, HIDDEN) dense dx, then in place the pre-activation gradient
}

impl Scratch {
    /// Make room for `m` samples (backward buffers too if `train`).
    fn ensure(&mut self, m: usize, train: bool) {
        grow(&mut self.h, m * HIDDEN, 0.0);
        grow(&mut self.argmax, m * HIDDEN, 0);
        grow(&mut self.logits, m * CLASSES, 0.0);
        if train {
            grow(&mut self.dlogits, m * CLASSES, 0.0);
            grow(&mut self.dh, m * HIDDEN, 0.0);
        }
    }
}

/// [`crate::noise::sq_norm`] of each row of `rows` (m, len) into `out` (m), four rows at a
/// time. Each row is still summed in its own order, element by element into one f64, so
/// every result is bit-identical to `sq_norm`'s; four independent chains in one loop hide
/// the latency of the f64 add that bounds a single chain (a sixth of a noise probe's time
/// when the 5,408 hidden units of each sample were summed one chain after another).
fn row_sq_norms(rows: &[f32], len: usize, out: &mut [f64]) {
    let sq = |v: f32| (v as f64) * (v as f64);
    let mut quads = out.chunks_exact_mut(4);
    let mut at = 0;
    for o in &mut quads {
        let row = |j: usize| &rows[(at + j) * len..(at + j + 1) * len];
        let mut acc = [0f64; 4];
        for (((&a, &b), &c), &d) in row(0).iter().zip(row(1)).zip(row(2)).zip(row(3)) {
            acc[0] += sq(a);
            acc[1] += sq(b);
            acc[2] += sq(c);
            acc[3] += sq(d);
        }
        o.copy_from_slice(&acc);
        at += 4;
    }
    for (j, o) in quads.into_remainder().iter_mut().enumerate() {
        *o = crate::noise::sq_norm(&rows[(at + j) * len..(at + j + 1) * len]);
    }
}

fn grow<T: Clone>(v: &mut Vec<T>, len: usize, zero: T) {
    if v.len() < len {
        v.resize(len, zero);
    }
}

/// The four parameter (or gradient) groups of the flat vector.
struct Groups<T> {
    conv_w: T,  // (32, 1, 3, 3)
    conv_b: T,  // (32)
    dense_w: T, // (10, 5408)
    dense_b: T, // (10)
}

fn split(p: &[f32]) -> Groups<&[f32]> {
    let (conv_w, rest) = p.split_at(CONV_W_LEN);
    let (conv_b, rest) = rest.split_at(CHANNELS);
    let (dense_w, dense_b) = rest.split_at(CLASSES * HIDDEN);
    Groups {
        conv_w,
        conv_b,
        dense_w,
        dense_b,
    }
}

fn split_mut(p: &mut [f32]) -> Groups<&mut [f32]> {
    let (conv_w, rest) = p.split_at_mut(CONV_W_LEN);
    let (conv_b, rest) = rest.split_at_mut(CHANNELS);
    let (dense_w, dense_b) = rest.split_at_mut(CLASSES * HIDDEN);
    Groups {
        conv_w,
        conv_b,
        dense_w,
        dense_b,
    }
}

impl Model {
    /// A freshly initialised model with dropout probability `dropout` (0 ≤ p < 1, asserted).
    ///
    /// [`Init::PyTorch`]: weights and biases U(−1/√fan_in, 1/√fan_in) (fan_in 9 for the conv,
    /// 5408 for the dense layer). [`Init::He`]: weights U(−√(6/fan_in), √(6/fan_in)), biases 0.
    /// Draw order: one [`Rng::uniform`] per parameter, conv w (in (32,1,3,3) order), conv b,
    /// dense w (in (10,5408) order), dense b; He draws nothing for the biases.
    pub fn new(init: Init, dropout: f32, rng: &mut Rng) -> Model {
        dropout::keep_scale(dropout); // asserts 0 ≤ p < 1
        let mut params = Array1::<f32>::zeros(NUM_PARAMS);
        let g = split_mut(params.as_slice_mut().expect("Array1::zeros is contiguous"));
        let fan_conv = (K * K) as f32;
        let fan_dense = HIDDEN as f32;
        let fill = |rng: &mut Rng, xs: &mut [f32], bound: f32| {
            xs.iter_mut().for_each(|v| *v = rng.uniform(-bound, bound));
        };
        match init {
            Init::PyTorch => {
                fill(rng, g.conv_w, 1.0 / fan_conv.sqrt());
                fill(rng, g.conv_b, 1.0 / fan_conv.sqrt());
                fill(rng, g.dense_w, 1.0 / fan_dense.sqrt());
                fill(rng, g.dense_b, 1.0 / fan_dense.sqrt());
            }
            Init::He => {
                fill(rng, g.conv_w, (6.0 / fan_conv).sqrt());
                fill(rng, g.dense_w, (6.0 / fan_dense).sqrt());
            }
        }
        Model {
            dropout,
            params,
            grads: Array1::zeros(NUM_PARAMS),
            scratch: Scratch::default(),
        }
    }

    /// 54410.
    pub fn num_params(&self) -> usize {
        NUM_PARAMS
    }

    /// The flat parameter vector; layout in [`Model::param_ranges`].
    pub fn params(&self) -> &[f32] {
        self.params.as_slice().expect("contiguous")
    }

    pub fn params_mut(&mut self) -> &mut [f32] {
        self.params.as_slice_mut().expect("contiguous")
    }

    /// The mean gradient of the last [`Model::train_batch`] (zeros before the first); same
    /// layout as [`Model::params`].
    pub fn grads(&self) -> &[f32] {
        self.grads.as_slice().expect("contiguous")
    }

    /// Parameters to update and the gradient to update them with, borrowed together.
    pub fn params_and_grads(&mut self) -> (&mut [f32], &[f32]) {
        (
            self.params.as_slice_mut().expect("contiguous"),
            self.grads.as_slice().expect("contiguous"),
        )
    }

    /// Names (PyTorch-style) and ranges of the four groups in the flat vector:
    /// conv.weight 0..288, conv.bias 288..320, dense.weight 320..54400, dense.bias 54400..54410.
    pub fn param_ranges(&self) -> [(&'static str, Range<usize>); 4] {
        [
            ("conv.weight", 0..CONV_W_LEN),
            ("conv.bias", CONV_W_LEN..CONV_B_END),
            ("dense.weight", CONV_B_END..DENSE_W_END),
            ("dense.bias", DENSE_W_END..NUM_PARAMS),
        ]
    }

    /// The conv weight as (OC, C, K, K) = (32, 1, 3, 3).
    pub fn conv_weight(&self) -> ArrayView4<'_, f32> {
        ArrayView4::from_shape((CHANNELS, 1, K, K), split(self.params()).conv_w).expect("shape")
    }

    /// The conv bias, (32).
    pub fn conv_bias(&self) -> ArrayView1<'_, f32> {
        ArrayView1::from(split(self.params()).conv_b)
    }

    /// The dense weight as (OUT, IN) = (10, 5408).
    pub fn dense_weight(&self) -> ArrayView2<'_, f32> {
        ArrayView2::from_shape((CLASSES, HIDDEN), split(self.params()).dense_w).expect("shape")
    }

    /// The dense bias, (10).
    pub fn dense_bias(&self) -> ArrayView1<'_, f32> {
        ArrayView1::from(split(self.params()).dense_b)
    }

    /// The dropout probability used by [`Model::train_batch`].
    pub fn dropout(&self) -> f32 {
        self.dropout
    }

    /// Forward + backward on a batch. x (N, 784) row-major, y (N) labels in 0..10.
    ///
    /// Writes the MEAN gradient over the batch into [`Model::grads`] and returns the mean
    /// loss. Dropout masks are drawn from `rng`, one draw per hidden unit, sample by sample in
    /// batch order (kept with probability 1 − p, kept values scaled by 1/(1 − p); nothing is
    /// drawn when p = 0). An empty batch returns 0 with zero gradients and draws nothing.
    ///
    /// Per chunk of ≤ [`CHUNK`] samples:
    /// 1. conv+ReLU+pool+dropout fused → h (m, 5408) and the pool argmax (the dropout draws
    ///    are those of `dropout::forward_inplace` on the pooled h, made in the same pass);
    /// 2. dense → logits (m, 10);
    /// 3. softmax cross-entropy → dlogits, already scaled by 1/N of the *whole* batch, so the
    ///    chunk gradients accumulate directly into the mean;
    /// 4. dense backward → dw, db and dh, taken on through dropout∘ReLU in the same pass, so
    ///    dh is the gradient of the winning pre-activations (read off h, no mask stored);
    ///    conv backward → dw, db.
    pub fn train_batch(&mut self, x: &[f32], y: &[u8], rng: &mut Rng) -> f32 {
        let n = y.len();
        if n == 0 {
            self.grads.fill(0.0);
            return 0.0;
        }
        (self.batch_pass(x, y, rng, n, None) / n as f64) as f32
    }

    /// One shard of a data-parallel step (`train/parallel.rs`): [`Model::train_batch`] on
    /// the shard's `y.len()` samples with every gradient scaled by 1/`total`, the size of
    /// the whole step's batch, so the shards' [`Model::grads`] add up to the batch's mean
    /// gradient. Returns the shard's SUM of per-sample losses (f64). With `total` = N it is
    /// `train_batch`'s arithmetic exactly (the loss before the division by N).
    pub fn train_shard(&mut self, x: &[f32], y: &[u8], rng: &mut Rng, total: usize) -> f64 {
        assert!(y.len() <= total, "a shard is part of its batch");
        if y.is_empty() {
            self.grads.fill(0.0);
            return 0.0;
        }
        self.batch_pass(x, y, rng, total, None)
    }

    /// The gradient buffer, for a caller that combines shards' gradients into it.
    pub fn grads_mut(&mut self) -> &mut [f32] {
        self.grads.as_slice_mut().expect("contiguous")
    }

    /// [`Model::train_batch`] that also writes each sample's squared gradient norm
    /// |g_i|² (all four groups, unscaled by 1/N) into `norms` (N), for the gradient
    /// noise scale. The dense part is exact and free: its per-sample gradient is the
    /// outer product δ_i ⊗ h_i, so |dW_i|² = |δ_i|²·|h_i|² and |db_i|² = |δ_i|². The
    /// conv part runs the conv backward one sample at a time into a small buffer.
    /// The mean gradient is left in [`Model::grads`] as usual (summed in a different
    /// order than `train_batch`, so its last bits may differ: not for training).
    pub fn train_batch_with_norms(
        &mut self,
        x: &[f32],
        y: &[u8],
        rng: &mut Rng,
        norms: &mut [f32],
    ) -> f32 {
        assert_eq!(norms.len(), y.len(), "norms must be (N)");
        let n = y.len();
        if n == 0 {
            self.grads.fill(0.0);
            return 0.0;
        }
        (self.batch_pass(x, y, rng, n, Some(norms)) / n as f64) as f32
    }

    /// The pass of N = `y.len()` ≥ 1 samples, gradients scaled by 1/`total`; the sum of
    /// the per-sample losses.
    fn batch_pass(
        &mut self,
        x: &[f32],
        y: &[u8],
        rng: &mut Rng,
        total: usize,
        mut norms: Option<&mut [f32]>,
    ) -> f64 {
        let n = y.len();
        assert_eq!(
            x.len(),
            n * INPUT,
            "x must be (N, {INPUT}) for N = {n} labels"
        );
        let grads = self.grads.as_slice_mut().expect("contiguous");
        grads.fill(0.0);
        let p = self.params.as_slice().expect("contiguous");
        let prm = split(p);
        let grd = split_mut(grads);
        let drop = self.dropout;
        let scale = 1.0 / total as f32;
        let s = &mut self.scratch;
        s.ensure(n.min(CHUNK), true);
        let mut loss = 0.0f64;
        let mut tmp_w = [0f32; CONV_W_LEN]; // one sample's conv dw, for the norms
        let mut tmp_b = [0f32; CHANNELS];
        let mut h2s = [0f64; CHUNK]; // |h_i|² of the chunk's samples, for the norms
        for (ci, (xc, yc)) in x.chunks(CHUNK * INPUT).zip(y.chunks(CHUNK)).enumerate() {
            let m = yc.len();
            let h = &mut s.h[..m * HIDDEN]; // (m, HIDDEN)
            let am = &mut s.argmax[..m * HIDDEN]; // (m, HIDDEN)
            let logits = &mut s.logits[..m * CLASSES]; // (m, CLASSES)
            let dlogits = &mut s.dlogits[..m * CLASSES]; // (m, CLASSES)
            let dh = &mut s.dh[..m * HIDDEN]; // (m, HIDDEN)

            conv::forward_relu_pool_dropout(xc, prm.conv_w, prm.conv_b, m, rng, drop, h, am);
            dense::forward(h, prm.dense_w, prm.dense_b, m, logits);
            loss += softmax_xent::forward_backward(logits, yc, scale, dlogits);

            dense::backward_weights(h, dlogits, m, grd.dense_w, grd.dense_b);
            dense::backward_input_through_dropout_relu(prm.dense_w, dlogits, h, drop, m, dh);
            match norms.as_deref_mut() {
                None => conv::backward_weights_relu_pool(xc, am, dh, m, grd.conv_w, grd.conv_b),
                Some(norms) => {
                    // Gradients here carry the 1/N of the mean; undo it for per-sample norms.
                    let unscale = (total as f64) * (total as f64);
                    row_sq_norms(h, HIDDEN, &mut h2s[..m]);
                    for i in 0..m {
                        tmp_w.fill(0.0);
                        tmp_b.fill(0.0);
                        let (xi, ai, di) = (
                            &xc[i * INPUT..(i + 1) * INPUT],
                            &am[i * HIDDEN..(i + 1) * HIDDEN],
                            &dh[i * HIDDEN..(i + 1) * HIDDEN],
                        );
                        conv::backward_weights_relu_pool(xi, ai, di, 1, &mut tmp_w, &mut tmp_b);
                        grd.conv_w.iter_mut().zip(&tmp_w).for_each(|(g, t)| *g += t);
                        grd.conv_b.iter_mut().zip(&tmp_b).for_each(|(g, t)| *g += t);
                        let delta = &dlogits[i * CLASSES..(i + 1) * CLASSES];
                        let d2 = crate::noise::sq_norm(delta);
                        let h2 = h2s[i];
                        let conv2 = crate::noise::sq_norm(&tmp_w) + crate::noise::sq_norm(&tmp_b);
                        norms[ci * CHUNK + i] = ((conv2 + d2 * (h2 + 1.0)) * unscale) as f32;
                    }
                }
            }
        }
        loss
    }

    /// Forward only, no dropout. x (N, 784), y (N). Returns (Σ per-sample losses as f64,
    /// number of samples whose argmax logit equals the label). Chunked like training.
    pub fn evaluate(&mut self, x: &[f32], y: &[u8]) -> (f64, usize) {
        self.evaluate_keep_logits(x, y, &mut [])
    }

    /// [`Model::evaluate`] that also copies each sample's logits into `logits` (N, 10), or
    /// into nothing when `logits` is empty. The same arithmetic in the same order, so the
    /// returned loss and count are bit-identical to `evaluate`'s, and the logits to those
    /// [`Model::predict`] turns into probabilities: a caller can answer later `predict` or
    /// confusion questions about these weights from the copy without a second forward pass.
    pub fn evaluate_keep_logits(
        &mut self,
        x: &[f32],
        y: &[u8],
        logits: &mut [f32],
    ) -> (f64, usize) {
        let n = y.len();
        assert!(
            logits.is_empty() || logits.len() == n * CLASSES,
            "logits must be empty or (N, {CLASSES})"
        );
        assert_eq!(
            x.len(),
            n * INPUT,
            "x must be (N, {INPUT}) for N = {n} labels"
        );
        let mut loss = 0.0f64;
        let mut correct = 0usize;
        for (ci, (xc, yc)) in x.chunks(CHUNK * INPUT).zip(y.chunks(CHUNK)).enumerate() {
            let z = self.infer(xc, yc.len()); // (m, CLASSES)
            if !logits.is_empty() {
                let at = ci * CHUNK * CLASSES;
                logits[at..at + z.len()].copy_from_slice(z);
            }
            loss += softmax_xent::forward(z, yc);
            correct += z
                .chunks_exact(CLASSES)
                .zip(yc)
                .filter(|(z, &label)| softmax_xent::argmax(z) == label as usize)
                .count();
        }
        (loss, correct)
    }

    /// Predicted class and softmax probabilities, no dropout. x (N, 784) → preds (N),
    /// probs (N, 10). A tie between logits goes to the lower class.
    pub fn predict(&mut self, x: &[f32], preds: &mut [u8], probs: &mut [f32]) {
        let n = preds.len();
        assert_eq!(
            x.len(),
            n * INPUT,
            "x must be (N, {INPUT}) for N = {n} predictions"
        );
        assert_eq!(probs.len(), n * CLASSES, "probs must be (N, {CLASSES})");
        for ((xc, pc), qc) in x
            .chunks(CHUNK * INPUT)
            .zip(preds.chunks_mut(CHUNK))
            .zip(probs.chunks_mut(CHUNK * CLASSES))
        {
            let logits = self.infer(xc, pc.len()); // (m, CLASSES)
            softmax_xent::softmax(logits, CLASSES, qc);
            for (pred, z) in pc.iter_mut().zip(logits.chunks_exact(CLASSES)) {
                *pred = softmax_xent::argmax(z) as u8;
            }
        }
    }

    /// Evaluation-mode forward of one chunk of m ≤ CHUNK samples: x (m, 784) → logits (m, 10),
    /// returned as a view of the scratch.
    fn infer(&mut self, xc: &[f32], m: usize) -> &[f32] {
        let prm = split(self.params.as_slice().expect("contiguous"));
        let s = &mut self.scratch;
        s.ensure(m, false);
        let h = &mut s.h[..m * HIDDEN]; // (m, HIDDEN)
        let am = &mut s.argmax[..m * HIDDEN]; // (m, HIDDEN), unused without a backward
        let logits = &mut s.logits[..m * CLASSES]; // (m, CLASSES)
        conv::forward_relu_pool(xc, prm.conv_w, prm.conv_b, m, h, am);
        dense::forward(h, prm.dense_w, prm.dense_b, m, logits);
        logits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The four-chain norms equal `sq_norm` row by row, to the bit, on every row count
    /// around a multiple of four (the remainder rows take the plain path).
    #[test]
    fn row_sq_norms_are_sq_norm_bit_for_bit() {
        let mut rng = Rng::new(3);
        let len = 1001;
        for m in 0..=9 {
            let rows: Vec<f32> = (0..m * len)
                .map(|i| match i % 7 {
                    0 => 0.0, // ReLU and dropout zeros
                    1 => -0.0,
                    _ => rng.uniform(-3.0, 3.0) * 10f32.powi((i % 5) as i32 - 2),
                })
                .collect();
            let mut out = vec![f64::NAN; m];
            row_sq_norms(&rows, len, &mut out);
            for (i, &o) in out.iter().enumerate() {
                let want = crate::noise::sq_norm(&rows[i * len..(i + 1) * len]);
                assert_eq!(o.to_bits(), want.to_bits(), "m = {m}, row {i}");
            }
        }
    }
}
