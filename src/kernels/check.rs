//! A quick self-check for benchmarks: the [`active`](super::active) kernels against their
//! [`scalar`](super::scalar) twins on a caller's batch, so that a benchmark that got faster by
//! being wrong reports an error instead of a number (`benches/train.rs`, and the browser
//! bench in `src/web/bench.rs`).
//!
//! Not the test: `tests/twins/` compares every twin on odd sizes with a tight bound; this
//! runs one realistic case of each kernel in a few milliseconds. It allocates (it is not on
//! any training path).

use super::{active, scalar, K, POOL};
use crate::rng::Rng;

/// Relative bound for kernels whose summation order differs from the oracle's.
const RTOL: f32 = 1e-4;

/// Runs all seven kernels, active and scalar, on `x` (n, 784) with fixed pseudo-random
/// parameters and gradients. Err names the first kernel whose outputs differ: the fused
/// forwards must agree bit for bit (pooled, argmax and the generator's state), the others
/// within [`RTOL`].
///
/// At most the model's chunk of 64 samples is used: longer sums (the conv weight gradient over
/// 1,024 images) drift from the oracle's serial sum by more than a fixed bound allows.
pub fn against_scalar(x: &[f32], n: usize) -> Result<(), String> {
    let n = n.min(64);
    let x = &x[..n * super::IMG];
    const OC: usize = 32;
    const OUT: usize = 10;
    let hidden = OC * POOL;
    // A tiny LCG for the inputs (the model's generator is only used for the dropout draws).
    let mut s = 0x2545_f491u32;
    let mut next = |lo: f32, hi: f32| {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        lo + (hi - lo) * ((s >> 8) as f32 / (1u32 << 24) as f32)
    };
    let w: Vec<f32> = (0..OC * K * K).map(|_| next(-0.3, 0.3)).collect(); // (OC, 1, K, K)
    let b: Vec<f32> = (0..OC).map(|_| next(-0.3, 0.3)).collect(); // (OC)
    let (mut p1, mut a1) = (vec![0f32; n * hidden], vec![0u8; n * hidden]);
    let (mut p2, mut a2) = (vec![0f32; n * hidden], vec![0u8; n * hidden]);
    active::conv_relu_pool_forward(x, &w, &b, n, &mut p1, &mut a1);
    scalar::conv_relu_pool_forward(x, &w, &b, n, &mut p2, &mut a2);
    if p1 != p2 || a1 != a2 {
        return Err("conv_relu_pool_forward differs from its scalar twin".into());
    }
    let (mut r1, mut r2) = (Rng::new(11), Rng::new(11));
    let (mut q1, mut q2) = (vec![0f32; n * hidden], vec![0f32; n * hidden]);
    active::conv_relu_pool_dropout_forward(x, &w, &b, n, &mut r1, 0.25, &mut q1, &mut a1);
    scalar::conv_relu_pool_dropout_forward(x, &w, &b, n, &mut r2, 0.25, &mut q2, &mut a2);
    if q1 != q2 || a1 != a2 || r1.next_u64() != r2.next_u64() {
        return Err("conv_relu_pool_dropout_forward differs from its scalar twin".into());
    }
    let dw: Vec<f32> = (0..OUT * hidden).map(|_| next(-0.1, 0.1)).collect(); // (OUT, IN)
    let db: Vec<f32> = (0..OUT).map(|_| next(-0.1, 0.1)).collect(); // (OUT)
    let dout: Vec<f32> = (0..n * OUT).map(|_| next(-1.0, 1.0)).collect(); // (N, OUT)
    let dpre: Vec<f32> = (0..n * hidden).map(|_| next(-1.0, 1.0)).collect(); // (N, OC, PH, PW)

    let mut pairs: Vec<(&str, Vec<f32>, Vec<f32>)> = Vec::new();
    let (mut o1, mut o2) = (vec![0f32; n * OUT], vec![0f32; n * OUT]);
    active::dense_forward(&p1, &dw, &db, n, &mut o1);
    scalar::dense_forward(&p1, &dw, &db, n, &mut o2);
    pairs.push(("dense_forward", o1, o2));
    let (mut x1, mut x2) = (vec![0f32; n * hidden], vec![0f32; n * hidden]);
    active::dense_backward_input(&dw, &dout, n, &mut x1);
    scalar::dense_backward_input(&dw, &dout, n, &mut x2);
    pairs.push(("dense_backward_input", x1, x2));
    let (mut y1, mut y2) = (vec![0f32; n * hidden], vec![0f32; n * hidden]);
    active::dense_backward_input_dropout_relu(&dw, &dout, &q1, 0.25, n, &mut y1);
    scalar::dense_backward_input_dropout_relu(&dw, &dout, &q2, 0.25, n, &mut y2);
    pairs.push(("dense_backward_input_dropout_relu", y1, y2));
    let (mut g1, mut g2) = (
        vec![0f32; OUT * hidden + OUT],
        vec![0f32; OUT * hidden + OUT],
    );
    {
        let (w1, b1) = g1.split_at_mut(OUT * hidden);
        active::dense_backward_weights(&p1, &dout, n, w1, b1);
        let (w2, b2) = g2.split_at_mut(OUT * hidden);
        scalar::dense_backward_weights(&p1, &dout, n, w2, b2);
    }
    pairs.push(("dense_backward_weights", g1, g2));
    let (mut c1, mut c2) = (vec![0f32; OC * K * K + OC], vec![0f32; OC * K * K + OC]);
    {
        let (w1, b1) = c1.split_at_mut(OC * K * K);
        active::conv_relu_pool_backward_weights(x, &a1, &dpre, n, w1, b1);
        let (w2, b2) = c2.split_at_mut(OC * K * K);
        scalar::conv_relu_pool_backward_weights(x, &a2, &dpre, n, w2, b2);
    }
    pairs.push(("conv_relu_pool_backward_weights", c1, c2));
    for (name, got, want) in pairs {
        for (&a, &b) in got.iter().zip(&want) {
            if (a - b).abs() > RTOL * a.abs().max(b.abs()).max(1.0) {
                return Err(format!("{name} differs from its scalar twin: {a} vs {b}"));
            }
        }
    }
    Ok(())
}
