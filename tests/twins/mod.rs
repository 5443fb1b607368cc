//! Every fast kernel against its scalar twin, on odd sizes and on the model's real shapes:
//! shared by `tests/kernels.rs` (native) and `tests/web.rs` (wasm in a browser), so the same
//! cases run on both targets. Not a test target itself (a directory without `main.rs`).
//!
//! One generic helper, [`check_twins`], runs a case with the oracle (`kernels::scalar`) and
//! with each other implementation of this target, then compares every output element:
//!
//! * against the oracle, exactly for the kernels that sum in its order (the fused forwards,
//!   the dense backwards) and within a relative bound for the two that do not (dense
//!   forward, conv weight gradient);
//! * between the vector implementations (`fast` with portable lanes, `sse2` on x86_64,
//!   `simd128` in wasm, and `active`), **bit for bit** always: this is what keeps native and
//!   wasm training identical.
//!
//! The implementations are tables of function pointers ([`Impl`]), which also makes the
//! compiler check that the twins keep identical signatures. A new twin is one more row in
//! [`vector_impls`].

use super::common::uniform;
use lr_batch_playground::kernels::{self, fast, scalar, IMG, K, POOL};
use lr_batch_playground::nn::dropout;
use lr_batch_playground::rng::Rng;

type ConvFwd = fn(&[f32], &[f32], &[f32], usize, &mut [f32], &mut [u8]);
type ConvDropFwd = fn(&[f32], &[f32], &[f32], usize, &mut Rng, f32, &mut [f32], &mut [u8]);
type ConvBwd = fn(&[f32], &[u8], &[f32], usize, &mut [f32], &mut [f32]);
type DenseFwd = fn(&[f32], &[f32], &[f32], usize, &mut [f32]);
type DenseBwdIn = fn(&[f32], &[f32], usize, &mut [f32]);
type DenseBwdInRelu = fn(&[f32], &[f32], &[f32], f32, usize, &mut [f32]);
type DenseBwdW = fn(&[f32], &[f32], usize, &mut [f32], &mut [f32]);

/// One implementation of the kernel set.
pub struct Impl {
    pub name: &'static str,
    conv_fwd: ConvFwd,
    conv_drop_fwd: ConvDropFwd,
    conv_bwd: ConvBwd,
    dense_fwd: DenseFwd,
    dense_bwd_in: DenseBwdIn,
    dense_bwd_in_relu: DenseBwdInRelu,
    dense_bwd_w: DenseBwdW,
}

macro_rules! implementation {
    ($name:expr, $m:path) => {{
        use $m as m;
        Impl {
            name: $name,
            conv_fwd: m::conv_relu_pool_forward,
            conv_drop_fwd: m::conv_relu_pool_dropout_forward,
            conv_bwd: m::conv_relu_pool_backward_weights,
            dense_fwd: m::dense_forward,
            dense_bwd_in: m::dense_backward_input,
            dense_bwd_in_relu: m::dense_backward_input_dropout_relu,
            dense_bwd_w: m::dense_backward_weights,
        }
    }};
}

pub const SCALAR: Impl = implementation!("scalar", scalar);
const FAST: Impl = implementation!("fast", fast);
#[cfg(target_arch = "x86_64")]
const SSE2: Impl = implementation!("sse2", kernels::sse2);
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
const SIMD128: Impl = implementation!("simd128", kernels::simd128);
const ACTIVE: Impl = implementation!("active", kernels::active);

/// The vector implementations of this target; the first is the reference for bit-identity.
pub fn vector_impls() -> Vec<&'static Impl> {
    let mut v = vec![&FAST];
    #[cfg(target_arch = "x86_64")]
    v.push(&SSE2);
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    v.push(&SIMD128);
    v.push(&ACTIVE);
    v
}

/// Every implementation, the oracle first.
pub fn all_impls() -> Vec<&'static Impl> {
    let mut v = vec![&SCALAR];
    v.extend(vector_impls());
    v
}

/// How closely a kernel must follow the oracle.
#[derive(Clone, Copy, PartialEq)]
enum Oracle {
    /// Same summation order: equal bits.
    Exact,
    /// Another (fixed) order: |a − b| ≤ RTOL·max(|a|, |b|, FLOOR).
    Close,
}

/// Not 1e-5: the oracle's own serial f32 sums of 5408 (dense) or 64·169 (conv dw)
/// random-sign terms carry up to ~3e-5 of rounding, and the fast twins sum in another order.
/// FLOOR keeps values near zero (sums of many O(1) terms that cancel) from demanding more
/// than f32 summation can give.
const RTOL: f32 = 1e-4;
const FLOOR: f32 = 1.0;

/// Runs `case` with the oracle and with every vector implementation, and compares all the
/// outputs it returns element by element (integer outputs such as argmax are returned as
/// f32, so any difference there fails). Insists the oracle's outputs are not all zero, so a
/// kernel that does nothing cannot pass. Returns the worst relative error against the oracle.
fn check_twins(what: &str, oracle: Oracle, case: impl Fn(&Impl) -> Vec<Vec<f32>>) -> f32 {
    let want = case(&SCALAR);
    assert!(
        want.iter().flatten().any(|&v| v != 0.0),
        "{what}: the oracle produced only zeros; the case tests nothing"
    );
    let mut worst = 0.0f32;
    let mut reference: Option<(&str, Vec<Vec<f32>>)> = None;
    for imp in vector_impls() {
        let got = case(imp);
        assert_eq!(got.len(), want.len(), "{what}: number of outputs");
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g.len(), w.len(), "{what}: length of output {k}");
            for (i, (&a, &b)) in g.iter().zip(w).enumerate() {
                let err = (a - b).abs() / a.abs().max(b.abs()).max(FLOOR);
                worst = worst.max(err);
                match oracle {
                    Oracle::Exact => assert!(
                        a.to_bits() == b.to_bits(),
                        "{what}: {} output {k}[{i}] = {a}, scalar {b}: must be bit-identical",
                        imp.name
                    ),
                    Oracle::Close => assert!(
                        err <= RTOL,
                        "{what}: {} output {k}[{i}] = {a}, scalar {b} (rel err {err:e})",
                        imp.name
                    ),
                }
            }
        }
        match &reference {
            None => reference = Some((imp.name, got)),
            Some((name, r)) => {
                for (k, (g, r)) in got.iter().zip(r).enumerate() {
                    for (i, (a, b)) in g.iter().zip(r).enumerate() {
                        assert!(
                            a.to_bits() == b.to_bits(),
                            "{what}: {} output {k}[{i}] = {a} but {name} gives {b}: the vector \
                             implementations must agree bit for bit",
                            imp.name
                        );
                    }
                }
            }
        }
    }
    worst
}

/// Like a ReLU/dropout-masked gradient: about half the entries exactly zero.
fn sparse(rng: &mut Rng, len: usize) -> Vec<f32> {
    (0..len)
        .map(|_| {
            if rng.next_f32() < 0.5 {
                0.0
            } else {
                rng.uniform(-1.0, 1.0)
            }
        })
        .collect()
}

/// Batch sizes: odd ones (tails of every loop) and the model's chunk of 64.
pub const BATCHES: [usize; 5] = [1, 3, 7, 33, 64];
/// Output channels: one, an odd few, and the model's 32.
const CHANNELS: [usize; 3] = [1, 5, 32];

pub fn conv_relu_pool_forward() {
    for &n in &BATCHES {
        for oc in CHANNELS {
            let mut rng = Rng::new(100 + n as u64 * 7 + oc as u64);
            let x = uniform(&mut rng, n * IMG, 0.0, 1.0); // (N, H, W)
            let w = uniform(&mut rng, oc * K * K, -0.5, 0.5); // (OC, 1, K, K)
            let b = uniform(&mut rng, oc, -0.5, 0.3); // (OC)
            let what = format!("conv_relu_pool_forward n={n} oc={oc}");
            check_twins(&what, Oracle::Exact, |imp| {
                let mut pooled = vec![f32::NAN; n * oc * POOL]; // (N, OC, PH, PW)
                let mut argmax = vec![9u8; n * oc * POOL];
                (imp.conv_fwd)(&x, &w, &b, n, &mut pooled, &mut argmax);
                assert!(
                    argmax.iter().all(|&a| a < 4),
                    "{}: argmax out of range",
                    imp.name
                );
                vec![pooled, argmax.iter().map(|&a| a as f32).collect()]
            });
        }
    }
}

/// The dropout forward: against the oracle, and against its definition (the plain forward,
/// then `nn::dropout::forward_inplace` from the same generator state); the generator must
/// end in the same state (same number of draws). p = 0 must draw nothing.
pub fn conv_relu_pool_dropout_forward() {
    for &n in &BATCHES {
        for oc in CHANNELS {
            for p in [0.0f32, 0.25, 0.5, 0.9] {
                let mut rng = Rng::new(700 + n as u64 * 7 + oc as u64);
                let x = uniform(&mut rng, n * IMG, 0.0, 1.0); // (N, H, W)
                let w = uniform(&mut rng, oc * K * K, -0.5, 0.5); // (OC, 1, K, K)
                let b = uniform(&mut rng, oc, -0.5, 0.3); // (OC)
                let seed = 9000 + n as u64;
                let what = format!("conv_relu_pool_dropout_forward n={n} oc={oc} p={p}");
                let run = |imp: &Impl| {
                    let mut r = Rng::new(seed);
                    let mut pooled = vec![f32::NAN; n * oc * POOL]; // (N, OC, PH, PW)
                    let mut argmax = vec![9u8; n * oc * POOL];
                    (imp.conv_drop_fwd)(&x, &w, &b, n, &mut r, p, &mut pooled, &mut argmax);
                    let next = r.next_u64(); // the generator's state after the call
                    (pooled, argmax, next)
                };
                // The definition: plain forward, then the separate dropout layer.
                let (mut want, mut want_arg) = (vec![0.0; n * oc * POOL], vec![0u8; n * oc * POOL]);
                scalar::conv_relu_pool_forward(&x, &w, &b, n, &mut want, &mut want_arg);
                let mut r = Rng::new(seed);
                dropout::forward_inplace(&mut r, p, &mut want);
                let want_next = r.next_u64();
                for imp in all_impls() {
                    let (pooled, argmax, next) = run(imp);
                    assert!(
                        pooled
                            .iter()
                            .zip(&want)
                            .all(|(a, b)| a.to_bits() == b.to_bits())
                            && argmax == want_arg,
                        "{what}: {} differs from conv forward + nn::dropout::forward_inplace",
                        imp.name
                    );
                    assert_eq!(
                        next, want_next,
                        "{what}: {} drew a different number of values",
                        imp.name
                    );
                }
                if p > 0.0 {
                    let dropped = want.iter().filter(|&&v| v == 0.0).count();
                    assert!(
                        dropped > 0,
                        "{what}: nothing dropped; the case tests nothing"
                    );
                }
                check_twins(&what, Oracle::Exact, |imp| {
                    let (pooled, argmax, _) = run(imp);
                    vec![pooled, argmax.iter().map(|&a| a as f32).collect()]
                });
            }
        }
    }
}

pub fn conv_relu_pool_backward_weights() {
    for &n in &BATCHES {
        for oc in CHANNELS {
            let mut rng = Rng::new(200 + n as u64 * 7 + oc as u64);
            let x = uniform(&mut rng, n * IMG, 0.0, 1.0); // (N, H, W)
            let argmax: Vec<u8> = (0..n * oc * POOL).map(|_| rng.below(4) as u8).collect();
            let dpre = sparse(&mut rng, n * oc * POOL); // (N, OC, PH, PW)

            // Non-zero starting gradients: the kernels must accumulate, not overwrite.
            let dw0 = uniform(&mut rng, oc * K * K, -1.0, 1.0);
            let db0 = uniform(&mut rng, oc, -1.0, 1.0);
            let what = format!("conv_relu_pool_backward_weights n={n} oc={oc}");
            check_twins(&what, Oracle::Close, |imp| {
                let (mut dw, mut db) = (dw0.clone(), db0.clone());
                (imp.conv_bwd)(&x, &argmax, &dpre, n, &mut dw, &mut db);
                vec![dw, db]
            });
        }
    }
}

/// (N, IN, OUT): odd sizes (tails shorter than a vector, IN below one block, odd OUT) and
/// the model's.
const DENSE_SHAPES: [(usize, usize, usize); 11] = [
    (1, 5408, 10),
    (3, 5408, 10),
    (7, 5408, 10),
    (33, 5408, 10),
    (64, 5408, 10),
    (1, 1, 1),
    (3, 13, 3),
    (7, 37, 10),
    (33, 100, 17),
    (5, 16, 2),
    (2, 35, 1),
];

pub fn dense_forward() {
    for (k, &(n, i, o)) in DENSE_SHAPES.iter().enumerate() {
        let mut rng = Rng::new(300 + k as u64);
        let x = uniform(&mut rng, n * i, 0.0, 1.0); // (N, IN)
        let w = uniform(&mut rng, o * i, -0.5, 0.5); // (OUT, IN)
        let b = uniform(&mut rng, o, -1.0, 1.0); // (OUT)
        let what = format!("dense_forward n={n} in={i} out={o}");
        check_twins(&what, Oracle::Close, |imp| {
            let mut out = vec![f32::NAN; n * o]; // (N, OUT)
            (imp.dense_fwd)(&x, &w, &b, n, &mut out);
            vec![out]
        });
    }
}

pub fn dense_backward_input() {
    for (k, &(n, i, o)) in DENSE_SHAPES.iter().enumerate() {
        let mut rng = Rng::new(400 + k as u64);
        let w = uniform(&mut rng, o * i, -0.5, 0.5); // (OUT, IN)
        let dout = uniform(&mut rng, n * o, -1.0, 1.0); // (N, OUT)
        let what = format!("dense_backward_input n={n} in={i} out={o}");
        check_twins(&what, Oracle::Exact, |imp| {
            let mut dx = vec![f32::NAN; n * i]; // (N, IN), must be overwritten
            (imp.dense_bwd_in)(&w, &dout, n, &mut dx);
            vec![dx]
        });
    }
}

/// The dense input gradient taken on through dropout∘ReLU: against the oracle, and against
/// its definition (the plain backward, then `nn::dropout::backward_through_relu`).
pub fn dense_backward_input_dropout_relu() {
    for (k, &(n, i, o)) in DENSE_SHAPES.iter().enumerate() {
        for p in [0.0f32, 0.25, 0.5] {
            let mut rng = Rng::new(450 + k as u64);
            let w = uniform(&mut rng, o * i, -0.5, 0.5); // (OUT, IN)
            let dout = uniform(&mut rng, n * o, -1.0, 1.0); // (N, OUT)

            // The layer's input: ReLU'd and dropped, so about half exactly zero.
            let h: Vec<f32> = sparse(&mut rng, n * i)
                .iter()
                .map(|v| v.max(0.0) * 1.5)
                .collect();
            let mut want = vec![0.0; n * i]; // (N, IN)
            scalar::dense_backward_input(&w, &dout, n, &mut want);
            dropout::backward_through_relu(&h, p, &mut want);
            let what = format!("dense_backward_input_dropout_relu n={n} in={i} out={o} p={p}");
            for imp in all_impls() {
                let mut dx = vec![f32::NAN; n * i];
                (imp.dense_bwd_in_relu)(&w, &dout, &h, p, n, &mut dx);
                assert!(
                    dx.iter()
                        .zip(&want)
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{what}: {} differs from the plain backward + backward_through_relu",
                    imp.name
                );
            }
            check_twins(&what, Oracle::Exact, |imp| {
                let mut dx = vec![f32::NAN; n * i]; // (N, IN), must be overwritten
                (imp.dense_bwd_in_relu)(&w, &dout, &h, p, n, &mut dx);
                vec![dx]
            });
        }
    }
}

pub fn dense_backward_weights() {
    for (k, &(n, i, o)) in DENSE_SHAPES.iter().enumerate() {
        let mut rng = Rng::new(500 + k as u64);
        let x = uniform(&mut rng, n * i, 0.0, 1.0); // (N, IN)
        let dout = uniform(&mut rng, n * o, -1.0, 1.0); // (N, OUT)
        let dw0 = uniform(&mut rng, o * i, -1.0, 1.0);
        let db0 = uniform(&mut rng, o, -1.0, 1.0);
        let what = format!("dense_backward_weights n={n} in={i} out={o}");
        check_twins(&what, Oracle::Exact, |imp| {
            let (mut dw, mut db) = (dw0.clone(), db0.clone());
            (imp.dense_bwd_w)(&x, &dout, n, &mut dw, &mut db);
            vec![dw, db]
        });
    }
}

/// Special values where the fast paths use compares and selects: NaN and ±0 in the conv
/// output (pooling, ReLU), and a zero bias. Every implementation must give the oracle's bits.
pub fn special_values() {
    let (n, oc) = (2, 3);
    let mut rng = Rng::new(800);
    let mut x = uniform(&mut rng, n * IMG, -1.0, 1.0); // (N, H, W)
    x[5] = f32::NAN; // poisons a few windows of every channel
    x[IMG + 100] = f32::INFINITY;
    x[IMG + 200] = -0.0;
    let w = vec![0.0, -0.0, 0.5, 1.0, -1.0, 0.0, 0.25, 0.0, -0.5]
        .into_iter()
        .cycle()
        .take(oc * K * K)
        .collect::<Vec<_>>(); // (OC, 1, K, K)
    let b = vec![0.0, -0.0, 0.1]; // (OC)
    check_twins(
        "conv_relu_pool_forward, special values",
        Oracle::Exact,
        |imp| {
            let mut pooled = vec![f32::NAN; n * oc * POOL];
            let mut argmax = vec![9u8; n * oc * POOL];
            (imp.conv_fwd)(&x, &w, &b, n, &mut pooled, &mut argmax);
            vec![pooled, argmax.iter().map(|&a| a as f32).collect()]
        },
    );
}

pub fn empty_batch_is_a_no_op_everywhere() {
    for imp in all_impls() {
        let (w, b) = (vec![0.5f32; 2 * K * K], vec![0.1f32; 2]);
        (imp.conv_fwd)(&[], &w, &b, 0, &mut [], &mut []);
        let mut r = Rng::new(1);
        (imp.conv_drop_fwd)(&[], &w, &b, 0, &mut r, 0.5, &mut [], &mut []);
        assert_eq!(
            r.next_u64(),
            Rng::new(1).next_u64(),
            "{}: drew for nothing",
            imp.name
        );
        let (mut dw, mut db) = (w.clone(), b.clone());
        (imp.conv_bwd)(&[], &[], &[], 0, &mut dw, &mut db);
        assert_eq!((&dw, &db), (&w, &b), "{}", imp.name);
        let (dw_, db_) = (vec![0.5f32; 3 * 4], vec![0.1f32; 3]);
        (imp.dense_fwd)(&[], &dw_, &db_, 0, &mut []);
        (imp.dense_bwd_in)(&dw_, &[], 0, &mut []);
        (imp.dense_bwd_in_relu)(&dw_, &[], &[], 0.5, 0, &mut []);
        let (mut gw, mut gb) = (dw_.clone(), db_.clone());
        (imp.dense_bwd_w)(&[], &[], 0, &mut gw, &mut gb);
        assert_eq!((&gw, &gb), (&dw_, &db_), "{}", imp.name);
    }
}
