//! Fully connected layer: out = x·wᵀ + b.
//!
//! Thin, documented entry points over [`crate::kernels::active`]; the kernels hold the loops.
//! Unlike the conv, this layer needs its input gradient `dx` (it flows back into dropout, the
//! pool and the conv), so there are three functions: forward, backward to the input, backward
//! to the parameters.
//!
//! Shapes: N batch, IN inputs (5408 in the model), OUT outputs (10). Layouts: x (N, IN);
//! w (OUT, IN), one contiguous row per output as PyTorch's `Linear.weight`; b (OUT);
//! out (N, OUT). IN and OUT are read from the lengths of w and b.

use crate::kernels::active;

/// Forward: out[n,o] = b[o] + Σ_i w[o,i]·x[n,i].
///
/// x (N, IN), w (OUT, IN), b (OUT) → out (N, OUT), overwritten.
pub fn forward(x: &[f32], w: &[f32], b: &[f32], n: usize, out: &mut [f32]) {
    active::dense_forward(x, w, b, n, out);
}

/// Backward to the input: ∂out[n,o]/∂x[n,i] = w[o,i], so dx[n,i] = Σ_o dout[n,o]·w[o,i]
/// (dx = dout·w).
///
/// w (OUT, IN), dout (N, OUT) → dx (N, IN), overwritten.
pub fn backward_input(w: &[f32], dout: &[f32], n: usize, dx: &mut [f32]) {
    active::dense_backward_input(w, dout, n, dx);
}

/// [`backward_input`] taken on through the dropout∘ReLU that produced this layer's input `h`
/// (N, IN): dx[n,i] = if h[n,i] > 0 { (dout·w)[n,i] / (1 − p) } else { 0 }, the gradient
/// w.r.t. the pre-activation. Equal to [`backward_input`] followed by
/// [`crate::nn::dropout::backward_through_relu`]; fused so dx is written once.
///
/// w (OUT, IN), dout (N, OUT), h (N, IN) → dx (N, IN), overwritten.
pub fn backward_input_through_dropout_relu(
    w: &[f32],
    dout: &[f32],
    h: &[f32],
    p: f32,
    n: usize,
    dx: &mut [f32],
) {
    active::dense_backward_input_dropout_relu(w, dout, h, p, n, dx);
}

/// Backward to the parameters: ∂out[n,o]/∂w[o,i] = x[n,i] and ∂out[n,o]/∂b[o] = 1, so
/// dw[o,i] += Σ_n dout[n,o]·x[n,i] (dw += doutᵀ·x) and db[o] += Σ_n dout[n,o].
///
/// x (N, IN), dout (N, OUT) → dw (OUT, IN) +=, db (OUT) +=.
pub fn backward_weights(x: &[f32], dout: &[f32], n: usize, dw: &mut [f32], db: &mut [f32]) {
    active::dense_backward_weights(x, dout, n, dw, db);
}
