//! The obviously-correct kernels: straight index loops that read like the formulas.
//!
//! This file is the oracle the faster twins are tested against (`tests/kernels.rs`), so it
//! stays simple on purpose: no chunking, no unrolling, no cleverness, indices written out.
//! It is never deleted and never tuned. Layouts and conventions are in [`super`] (the module
//! contract); every function here has a twin with the same signature in `fast.rs`.

use super::{IMG, K, OH, OW, PH, POOL, PW, W};
use crate::rng::Rng;

/// Fused conv → ReLU → 2×2 max-pool, forward.
///
/// x (N, H, W), w (OC, 1, K, K), b (OC) → pooled (N, OC, PH, PW), argmax (N, OC, PH, PW).
/// With z[n,oc,y,x] = b[oc] + Σ_{ky,kx} w[oc,ky,kx]·x[n,y+ky,x+kx] (the conv output),
/// pooled = max(0, max over the 2×2 window of z) and argmax = dy·2+dx of the winning cell
/// (first wins on ties). ReLU and max commute, so pooling the pre-activation is the same as
/// pooling after ReLU; only z's argmax is kept, which is all the backward needs.
pub fn conv_relu_pool_forward(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    n: usize,
    pooled: &mut [f32],
    argmax: &mut [u8],
) {
    let oc_n = b.len();
    assert_eq!(x.len(), n * IMG, "x must be (N, H, W)");
    assert_eq!(w.len(), oc_n * K * K, "w must be (OC, 1, K, K)");
    assert_eq!(
        pooled.len(),
        n * oc_n * POOL,
        "pooled must be (N, OC, PH, PW)"
    );
    assert_eq!(
        argmax.len(),
        n * oc_n * POOL,
        "argmax must be (N, OC, PH, PW)"
    );
    let mut z = vec![0.0f32; OH * OW]; // (OH, OW) one conv plane
    for s in 0..n {
        for oc in 0..oc_n {
            for y in 0..OH {
                for xx in 0..OW {
                    let mut acc = b[oc];
                    for ky in 0..K {
                        for kx in 0..K {
                            acc +=
                                w[oc * K * K + ky * K + kx] * x[s * IMG + (y + ky) * W + xx + kx];
                        }
                    }
                    z[y * OW + xx] = acc;
                }
            }
            for py in 0..PH {
                for px in 0..PW {
                    let mut best = z[(2 * py) * OW + 2 * px];
                    let mut arg = 0u8;
                    for d in 1..4u8 {
                        let v = z[(2 * py + (d as usize >> 1)) * OW + 2 * px + (d as usize & 1)];
                        if v > best {
                            best = v;
                            arg = d;
                        }
                    }
                    let i = (s * oc_n + oc) * POOL + py * PW + px;
                    pooled[i] = if best > 0.0 { best } else { 0.0 };
                    argmax[i] = arg;
                }
            }
        }
    }
}

/// Fused conv → ReLU → 2×2 max-pool → inverted dropout, forward: [`conv_relu_pool_forward`],
/// then each pooled unit, in buffer order, is multiplied by 1/(1 − p) if the next draw
/// `u = rng.next_f32()` is ≥ p and by 0 otherwise: exactly `nn::dropout::forward_inplace`
/// applied to `pooled` (same draws, same order, same products). No draws when p = 0.
#[allow(clippy::too_many_arguments)] // the fused forward's arguments plus the generator and p
pub fn conv_relu_pool_dropout_forward(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    n: usize,
    rng: &mut Rng,
    p: f32,
    pooled: &mut [f32],
    argmax: &mut [u8],
) {
    conv_relu_pool_forward(x, w, b, n, pooled, argmax);
    if p == 0.0 {
        return;
    }
    assert!(
        (0.0..1.0).contains(&p),
        "dropout p must be in [0, 1), got {p}"
    );
    let scale = 1.0 / (1.0 - p);
    for v in pooled.iter_mut() {
        let keep = if rng.next_f32() >= p { 1.0 } else { 0.0 };
        *v *= keep * scale;
    }
}

/// Fused conv → ReLU → max-pool, backward to the conv parameters (there is no dx: the conv is
/// the first layer, nothing upstream needs it).
///
/// x (N, H, W), argmax (N, OC, PH, PW), dpre (N, OC, PH, PW) → dw (OC, 1, K, K) +=,
/// db (OC) +=. `dpre` is the loss gradient w.r.t. the *pre-activation* value that won each
/// pool window, i.e. the ReLU (and any dropout) mask is already applied by the caller. The max
/// routes it to the one conv cell (y, x) = (2py+dy, 2px+dx) it came from, so
/// dw[oc,ky,kx] += Σ_{n,py,px} dpre·x[n, y+ky, x+kx] and db[oc] += Σ dpre.
pub fn conv_relu_pool_backward_weights(
    x: &[f32],
    argmax: &[u8],
    dpre: &[f32],
    n: usize,
    dw: &mut [f32],
    db: &mut [f32],
) {
    let oc_n = db.len();
    assert_eq!(x.len(), n * IMG, "x must be (N, H, W)");
    assert_eq!(dw.len(), oc_n * K * K, "dw must be (OC, 1, K, K)");
    assert_eq!(
        argmax.len(),
        n * oc_n * POOL,
        "argmax must be (N, OC, PH, PW)"
    );
    assert_eq!(dpre.len(), n * oc_n * POOL, "dpre must be (N, OC, PH, PW)");
    for s in 0..n {
        for oc in 0..oc_n {
            for py in 0..PH {
                for px in 0..PW {
                    let i = (s * oc_n + oc) * POOL + py * PW + px;
                    let g = dpre[i];
                    let d = argmax[i] as usize;
                    let y = 2 * py + (d >> 1);
                    let xx = 2 * px + (d & 1);
                    for ky in 0..K {
                        for kx in 0..K {
                            dw[oc * K * K + ky * K + kx] += g * x[s * IMG + (y + ky) * W + xx + kx];
                        }
                    }
                    db[oc] += g;
                }
            }
        }
    }
}

/// Dense forward: x (N, IN), w (OUT, IN), b (OUT) → out (N, OUT),
/// out[n,o] = b[o] + Σ_i w[o,i]·x[n,i].
pub fn dense_forward(x: &[f32], w: &[f32], b: &[f32], n: usize, out: &mut [f32]) {
    let (in_n, out_n) = dense_dims(w, b);
    assert_eq!(x.len(), n * in_n, "x must be (N, IN)");
    assert_eq!(out.len(), n * out_n, "out must be (N, OUT)");
    for s in 0..n {
        for o in 0..out_n {
            let mut acc = 0.0f32;
            for i in 0..in_n {
                acc += w[o * in_n + i] * x[s * in_n + i];
            }
            out[s * out_n + o] = b[o] + acc;
        }
    }
}

/// Dense backward to the input: w (OUT, IN), dout (N, OUT) → dx (N, IN) (overwritten),
/// dx[n,i] = Σ_o dout[n,o]·w[o,i] (the transpose of the forward's matrix).
pub fn dense_backward_input(w: &[f32], dout: &[f32], n: usize, dx: &mut [f32]) {
    let out_n = dout.len().checked_div(n).unwrap_or(0); // OUT; 0 for an empty batch
    assert_eq!(dout.len(), n * out_n, "dout must be (N, OUT)");
    if n == 0 {
        assert!(dx.is_empty(), "dx must be (N, IN)");
        return;
    }
    let in_n = w.len() / out_n;
    assert_eq!(w.len(), out_n * in_n, "w must be (OUT, IN)");
    assert_eq!(dx.len(), n * in_n, "dx must be (N, IN)");
    for s in 0..n {
        for i in 0..in_n {
            let mut acc = 0.0f32;
            for o in 0..out_n {
                acc += dout[s * out_n + o] * w[o * in_n + i];
            }
            dx[s * in_n + i] = acc;
        }
    }
}

/// Dense backward to the input, taken on through dropout∘ReLU: [`dense_backward_input`], then
/// dx[n,i] ← dx[n,i]/(1 − p) where h[n,i] > 0 and 0 elsewhere, h (N, IN) being the dense
/// layer's input (the dropout output). Since relu(z) ≥ 0 and the dropout factor is 0 or
/// 1/(1 − p) > 0, h > 0 exactly where the unit was kept and the ReLU was on, so this is the
/// gradient w.r.t. the pre-activation z; exactly `nn::dropout::backward_through_relu(h, p, dx)`
/// after the plain backward. w (OUT, IN), dout (N, OUT), h (N, IN) → dx (N, IN), overwritten.
pub fn dense_backward_input_dropout_relu(
    w: &[f32],
    dout: &[f32],
    h: &[f32],
    p: f32,
    n: usize,
    dx: &mut [f32],
) {
    assert_eq!(h.len(), dx.len(), "h must be (N, IN) like dx");
    assert!(
        (0.0..1.0).contains(&p),
        "dropout p must be in [0, 1), got {p}"
    );
    dense_backward_input(w, dout, n, dx);
    let scale = 1.0 / (1.0 - p);
    for (d, &hv) in dx.iter_mut().zip(h) {
        *d = if hv > 0.0 { *d * scale } else { 0.0 };
    }
}

/// Dense backward to the parameters: x (N, IN), dout (N, OUT) → dw (OUT, IN) +=, db (OUT) +=,
/// dw[o,i] += Σ_n dout[n,o]·x[n,i] and db[o] += Σ_n dout[n,o].
pub fn dense_backward_weights(x: &[f32], dout: &[f32], n: usize, dw: &mut [f32], db: &mut [f32]) {
    let (in_n, out_n) = dense_dims(dw, db);
    assert_eq!(x.len(), n * in_n, "x must be (N, IN)");
    assert_eq!(dout.len(), n * out_n, "dout must be (N, OUT)");
    for s in 0..n {
        for o in 0..out_n {
            let g = dout[s * out_n + o];
            for i in 0..in_n {
                dw[o * in_n + i] += g * x[s * in_n + i];
            }
            db[o] += g;
        }
    }
}

/// (IN, OUT) of a dense layer from its weight (OUT, IN) and bias (OUT) lengths.
fn dense_dims(w: &[f32], b: &[f32]) -> (usize, usize) {
    let out_n = b.len();
    assert!(out_n > 0, "dense layer needs at least one output");
    assert_eq!(w.len() % out_n, 0, "w must be (OUT, IN)");
    (w.len() / out_n, out_n)
}
