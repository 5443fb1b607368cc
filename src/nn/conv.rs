//! 2-D convolution of a one-channel image: 3×3 kernel, stride 1, no padding (28×28 → 26×26).
//!
//! Two forms, with the same mathematics:
//! * [`forward`] / [`backward_weights`]: the plain layer, full (N, OC, OH, OW) output. Simple
//!   loops; it is the reference the fused path is tested against and what the layer-alone
//!   gradient check exercises. Not used in training.
//! * [`forward_relu_pool`] / [`backward_weights_relu_pool`]: conv → ReLU → 2×2 max-pool fused,
//!   via [`crate::kernels::active`]. Only the pooled output and the window argmax are stored,
//!   so memory per sample is 5408 floats + 5408 bytes instead of 21632 floats.
//!
//! There is deliberately no input gradient `dx`: the conv is the network's first layer and
//! nothing upstream of it learns.
//!
//! Shapes: N batch, H×W = 28×28 one-channel input, K = 3, OC output channels (from the bias
//! length), OH×OW = 26×26, PH×PW = 13×13. Layouts: x (N, H, W); w (OC, 1, K, K) as PyTorch's
//! `Conv2d.weight`; b (OC); out (N, OC, OH, OW).

use crate::kernels::{active, IMG, K, OH, OW, W};
use crate::rng::Rng;

/// Forward: out[n,oc,y,x] = b[oc] + Σ_{ky,kx} w[oc,ky,kx]·x[n, y+ky, x+kx].
///
/// x (N, H, W), w (OC, 1, K, K), b (OC) → out (N, OC, OH, OW), overwritten.
pub fn forward(x: &[f32], w: &[f32], b: &[f32], n: usize, out: &mut [f32]) {
    let oc_n = b.len();
    assert_eq!(x.len(), n * IMG, "x must be (N, H, W)");
    assert_eq!(w.len(), oc_n * K * K, "w must be (OC, 1, K, K)");
    assert_eq!(out.len(), n * oc_n * OH * OW, "out must be (N, OC, OH, OW)");
    for s in 0..n {
        let img = &x[s * IMG..(s + 1) * IMG]; // (H, W)
        for oc in 0..oc_n {
            let wk = &w[oc * K * K..(oc + 1) * K * K]; // (K, K)
            let plane = &mut out[(s * oc_n + oc) * OH * OW..(s * oc_n + oc + 1) * OH * OW];
            for y in 0..OH {
                for xx in 0..OW {
                    // Same order as the kernels (bias first, then ky, kx), so the plain and
                    // fused paths agree bit for bit.
                    let mut acc = b[oc];
                    for ky in 0..K {
                        for kx in 0..K {
                            acc += wk[ky * K + kx] * img[(y + ky) * W + xx + kx];
                        }
                    }
                    plane[y * OW + xx] = acc;
                }
            }
        }
    }
}

/// Backward to the parameters. The output is linear in w and b, so
/// dw[oc,ky,kx] += Σ_{n,y,x} dout[n,oc,y,x]·x[n, y+ky, x+kx] (the input patch under each
/// output, weighted by that output's gradient) and db[oc] += Σ_{n,y,x} dout[n,oc,y,x].
///
/// x (N, H, W), dout (N, OC, OH, OW) → dw (OC, 1, K, K) +=, db (OC) +=. No dx (first layer).
pub fn backward_weights(x: &[f32], dout: &[f32], n: usize, dw: &mut [f32], db: &mut [f32]) {
    let oc_n = db.len();
    assert_eq!(x.len(), n * IMG, "x must be (N, H, W)");
    assert_eq!(dw.len(), oc_n * K * K, "dw must be (OC, 1, K, K)");
    assert_eq!(
        dout.len(),
        n * oc_n * OH * OW,
        "dout must be (N, OC, OH, OW)"
    );
    for s in 0..n {
        let img = &x[s * IMG..(s + 1) * IMG]; // (H, W)
        for oc in 0..oc_n {
            let plane = &dout[(s * oc_n + oc) * OH * OW..(s * oc_n + oc + 1) * OH * OW];
            for y in 0..OH {
                for xx in 0..OW {
                    let g = plane[y * OW + xx];
                    for ky in 0..K {
                        for kx in 0..K {
                            dw[oc * K * K + ky * K + kx] += g * img[(y + ky) * W + xx + kx];
                        }
                    }
                    db[oc] += g;
                }
            }
        }
    }
}

/// Fused forward: `pooled = relu(maxpool2×2(conv(x)))` and the window argmax (dy·2 + dx).
///
/// x (N, H, W), w (OC, 1, K, K), b (OC) → pooled (N, OC, PH, PW), argmax (N, OC, PH, PW) u8,
/// both overwritten. Equal to [`forward`] followed by [`crate::nn::relu_pool::forward`].
pub fn forward_relu_pool(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    n: usize,
    pooled: &mut [f32],
    argmax: &mut [u8],
) {
    active::conv_relu_pool_forward(x, w, b, n, pooled, argmax);
}

/// [`forward_relu_pool`] with inverted dropout drawn in the same pass: each pooled unit, in
/// buffer order, is kept (times 1/(1 − p)) iff the next `rng.next_f32()` is ≥ p, else zeroed.
/// Equal, draws included, to [`forward_relu_pool`] followed by
/// [`crate::nn::dropout::forward_inplace`]; fused so the generator's latency hides behind the
/// conv arithmetic and `pooled` is written once.
#[allow(clippy::too_many_arguments)]
pub fn forward_relu_pool_dropout(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    n: usize,
    rng: &mut Rng,
    p: f32,
    pooled: &mut [f32],
    argmax: &mut [u8],
) {
    active::conv_relu_pool_dropout_forward(x, w, b, n, rng, p, pooled, argmax);
}

/// Fused backward to the parameters. `dpre` (N, OC, PH, PW) is the loss gradient w.r.t. the
/// pre-activation conv value that won each pool window, already zero where the ReLU was off
/// (pooled = 0) or dropout dropped the unit. The max routes it to that single conv cell, whose
/// gradient is then as in [`backward_weights`]; every other conv cell's gradient is zero.
///
/// x (N, H, W), argmax (N, OC, PH, PW) → dw (OC, 1, K, K) +=, db (OC) +=. No dx.
pub fn backward_weights_relu_pool(
    x: &[f32],
    argmax: &[u8],
    dpre: &[f32],
    n: usize,
    dw: &mut [f32],
    db: &mut [f32],
) {
    active::conv_relu_pool_backward_weights(x, argmax, dpre, n, dw, db);
}
