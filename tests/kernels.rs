//! Every fast kernel against its scalar twin, on odd sizes and on the model's real shapes.
//!
//! One generic helper, [`check_twins`], runs a case with the oracle (`kernels::scalar`) and with
//! each other implementation, then compares every output element with a relative bound. The
//! implementations are listed as tables of function pointers ([`Impl`]), which also makes the
//! compiler check that the twins keep identical signatures. A new twin (e.g. `simd128`) is one
//! more row in [`others`].
//!
//! Also here: the fused conv+ReLU+pool path against the plain layers it replaces, and an
//! `#[ignore]`d throughput probe (`cargo test --release --test kernels -- --ignored
//! --nocapture`) that prints samples/s and asserts nothing about time.

use lr_batch_playground::kernels::{self, fast, scalar, IMG, K, OH, OW, POOL};
use lr_batch_playground::nn::{conv, relu_pool};
use lr_batch_playground::rng::Rng;

type ConvFwd = fn(&[f32], &[f32], &[f32], usize, &mut [f32], &mut [u8]);
type ConvBwd = fn(&[f32], &[u8], &[f32], usize, &mut [f32], &mut [f32]);
type DenseFwd = fn(&[f32], &[f32], &[f32], usize, &mut [f32]);
type DenseBwdIn = fn(&[f32], &[f32], usize, &mut [f32]);
type DenseBwdW = fn(&[f32], &[f32], usize, &mut [f32], &mut [f32]);

/// One implementation of the kernel set.
struct Impl {
    name: &'static str,
    conv_fwd: ConvFwd,
    conv_bwd: ConvBwd,
    dense_fwd: DenseFwd,
    dense_bwd_in: DenseBwdIn,
    dense_bwd_w: DenseBwdW,
}

const SCALAR: Impl = Impl {
    name: "scalar",
    conv_fwd: scalar::conv_relu_pool_forward,
    conv_bwd: scalar::conv_relu_pool_backward_weights,
    dense_fwd: scalar::dense_forward,
    dense_bwd_in: scalar::dense_backward_input,
    dense_bwd_w: scalar::dense_backward_weights,
};

const FAST: Impl = Impl {
    name: "fast",
    conv_fwd: fast::conv_relu_pool_forward,
    conv_bwd: fast::conv_relu_pool_backward_weights,
    dense_fwd: fast::dense_forward,
    dense_bwd_in: fast::dense_backward_input,
    dense_bwd_w: fast::dense_backward_weights,
};

const ACTIVE: Impl = Impl {
    name: "active",
    conv_fwd: kernels::active::conv_relu_pool_forward,
    conv_bwd: kernels::active::conv_relu_pool_backward_weights,
    dense_fwd: kernels::active::dense_forward,
    dense_bwd_in: kernels::active::dense_backward_input,
    dense_bwd_w: kernels::active::dense_backward_weights,
};

/// The implementations checked against the oracle.
fn others() -> [&'static Impl; 2] {
    [&FAST, &ACTIVE]
}

/// Relative bound: |a − b| ≤ RTOL·max(|a|, |b|, FLOOR). Not 1e-5: the oracle's own serial
/// f32 sums of 5408 (dense) or 64·169 (conv dw) random-sign terms carry up to ~3e-5 of
/// rounding, and the fast twins sum in another order (kernels that keep the oracle's order
/// agree exactly; the printed worst errors show which). FLOOR keeps values near zero (sums of
/// many O(1) terms that cancel) from demanding more than f32 summation can give.
const RTOL: f32 = 1e-4;
const FLOOR: f32 = 1.0;

/// Runs `case` with the scalar oracle and with every other implementation, and compares all
/// the outputs it returns element by element. Integer outputs (argmax) are returned as f32,
/// so any difference there fails. Also insists the oracle's outputs are not all zero, so a
/// kernel that does nothing cannot pass.
fn check_twins(what: &str, case: impl Fn(&Impl) -> Vec<Vec<f32>>) {
    let want = case(&SCALAR);
    assert!(
        want.iter().flatten().any(|&v| v != 0.0),
        "{what}: the oracle produced only zeros; the case tests nothing"
    );
    let mut worst = 0.0f32;
    for imp in others() {
        let got = case(imp);
        assert_eq!(got.len(), want.len(), "{what}: number of outputs");
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g.len(), w.len(), "{what}: length of output {k}");
            for (i, (&a, &b)) in g.iter().zip(w).enumerate() {
                let err = (a - b).abs() / a.abs().max(b.abs()).max(FLOOR);
                worst = worst.max(err);
                assert!(
                    err <= RTOL,
                    "{what}: {} output {k}[{i}] = {a}, scalar {b} (rel err {err:e})",
                    imp.name
                );
            }
        }
    }
    println!("{what}: worst rel err {worst:.1e}");
}

fn uniform(rng: &mut Rng, len: usize, lo: f32, hi: f32) -> Vec<f32> {
    (0..len).map(|_| rng.uniform(lo, hi)).collect()
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

const BATCHES: [usize; 5] = [1, 3, 7, 33, 64];

#[test]
fn conv_relu_pool_forward_twins() {
    for &n in &BATCHES {
        for oc in [1, 5, 32] {
            let mut rng = Rng::new(100 + n as u64 * 7 + oc as u64);
            let x = uniform(&mut rng, n * IMG, 0.0, 1.0); // (N, H, W)
            let w = uniform(&mut rng, oc * K * K, -0.5, 0.5); // (OC, 1, K, K)
            let b = uniform(&mut rng, oc, -0.5, 0.3); // (OC)
            check_twins(&format!("conv_relu_pool_forward n={n} oc={oc}"), |imp| {
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

#[test]
fn conv_relu_pool_backward_weights_twins() {
    for &n in &BATCHES {
        for oc in [1, 5, 32] {
            let mut rng = Rng::new(200 + n as u64 * 7 + oc as u64);
            let x = uniform(&mut rng, n * IMG, 0.0, 1.0); // (N, H, W)
            let argmax: Vec<u8> = (0..n * oc * POOL).map(|_| rng.below(4) as u8).collect();
            let dpre = sparse(&mut rng, n * oc * POOL); // (N, OC, PH, PW)
                                                        // Non-zero starting gradients: the kernels must accumulate, not overwrite.
            let dw0 = uniform(&mut rng, oc * K * K, -1.0, 1.0);
            let db0 = uniform(&mut rng, oc, -1.0, 1.0);
            check_twins(
                &format!("conv_relu_pool_backward_weights n={n} oc={oc}"),
                |imp| {
                    let (mut dw, mut db) = (dw0.clone(), db0.clone());
                    (imp.conv_bwd)(&x, &argmax, &dpre, n, &mut dw, &mut db);
                    vec![dw, db]
                },
            );
        }
    }
}

/// (N, IN, OUT): odd sizes (tails shorter than a vector, IN below one chunk) and the model's.
const DENSE_SHAPES: [(usize, usize, usize); 9] = [
    (1, 5408, 10),
    (3, 5408, 10),
    (7, 5408, 10),
    (33, 5408, 10),
    (1, 1, 1),
    (3, 13, 3),
    (7, 37, 10),
    (33, 100, 17),
    (5, 16, 2),
];

#[test]
fn dense_forward_twins() {
    for (k, &(n, i, o)) in DENSE_SHAPES.iter().enumerate() {
        let mut rng = Rng::new(300 + k as u64);
        let x = uniform(&mut rng, n * i, 0.0, 1.0); // (N, IN)
        let w = uniform(&mut rng, o * i, -0.5, 0.5); // (OUT, IN)
        let b = uniform(&mut rng, o, -1.0, 1.0); // (OUT)
        check_twins(&format!("dense_forward n={n} in={i} out={o}"), |imp| {
            let mut out = vec![f32::NAN; n * o]; // (N, OUT)
            (imp.dense_fwd)(&x, &w, &b, n, &mut out);
            vec![out]
        });
    }
}

#[test]
fn dense_backward_input_twins() {
    for (k, &(n, i, o)) in DENSE_SHAPES.iter().enumerate() {
        let mut rng = Rng::new(400 + k as u64);
        let w = uniform(&mut rng, o * i, -0.5, 0.5); // (OUT, IN)
        let dout = uniform(&mut rng, n * o, -1.0, 1.0); // (N, OUT)
        check_twins(
            &format!("dense_backward_input n={n} in={i} out={o}"),
            |imp| {
                let mut dx = vec![f32::NAN; n * i]; // (N, IN), must be overwritten
                (imp.dense_bwd_in)(&w, &dout, n, &mut dx);
                vec![dx]
            },
        );
    }
}

#[test]
fn dense_backward_weights_twins() {
    for (k, &(n, i, o)) in DENSE_SHAPES.iter().enumerate() {
        let mut rng = Rng::new(500 + k as u64);
        let x = uniform(&mut rng, n * i, 0.0, 1.0); // (N, IN)
        let dout = uniform(&mut rng, n * o, -1.0, 1.0); // (N, OUT)
        let dw0 = uniform(&mut rng, o * i, -1.0, 1.0);
        let db0 = uniform(&mut rng, o, -1.0, 1.0);
        check_twins(
            &format!("dense_backward_weights n={n} in={i} out={o}"),
            |imp| {
                let (mut dw, mut db) = (dw0.clone(), db0.clone());
                (imp.dense_bwd_w)(&x, &dout, n, &mut dw, &mut db);
                vec![dw, db]
            },
        );
    }
}

#[test]
fn empty_batch_is_a_no_op_everywhere() {
    for imp in [&SCALAR, &FAST, &ACTIVE] {
        let (w, b) = (vec![0.5f32; 2 * K * K], vec![0.1f32; 2]);
        (imp.conv_fwd)(&[], &w, &b, 0, &mut [], &mut []);
        let (mut dw, mut db) = (w.clone(), b.clone());
        (imp.conv_bwd)(&[], &[], &[], 0, &mut dw, &mut db);
        assert_eq!((&dw, &db), (&w, &b), "{}", imp.name);
        let (dw_, db_) = (vec![0.5f32; 3 * 4], vec![0.1f32; 3]);
        (imp.dense_fwd)(&[], &dw_, &db_, 0, &mut []);
        (imp.dense_bwd_in)(&dw_, &[], 0, &mut []);
        let (mut gw, mut gb) = (dw_.clone(), db_.clone());
        (imp.dense_bwd_w)(&[], &[], 0, &mut gw, &mut gb);
        assert_eq!((&gw, &gb), (&dw_, &db_), "{}", imp.name);
    }
}

/// The fused path the model takes equals the plain layers it replaces: forward bit for bit
/// (same summation order), backward to float rounding.
#[test]
fn fused_conv_relu_pool_equals_plain_layers() {
    let (n, oc) = (3, 32);
    let shape = [n, oc, OH, OW];
    let mut rng = Rng::new(600);
    let x = uniform(&mut rng, n * IMG, 0.0, 1.0); // (N, H, W)
    let w = uniform(&mut rng, oc * K * K, -0.5, 0.5); // (OC, 1, K, K)
    let b = uniform(&mut rng, oc, -0.5, 0.3); // (OC)

    let mut z = vec![0.0; n * oc * OH * OW]; // (N, OC, OH, OW)
    conv::forward(&x, &w, &b, n, &mut z);
    let (mut pooled, mut argmax) = (vec![0.0; n * oc * POOL], vec![0u8; n * oc * POOL]);
    relu_pool::forward(&z, shape, &mut pooled, &mut argmax);

    let (mut pooled_f, mut argmax_f) = (vec![0.0; n * oc * POOL], vec![0u8; n * oc * POOL]);
    conv::forward_relu_pool(&x, &w, &b, n, &mut pooled_f, &mut argmax_f);
    assert_eq!(pooled_f, pooled);
    assert_eq!(argmax_f, argmax);
    let active = pooled.iter().filter(|&&v| v > 0.0).count();
    assert!(
        active > pooled.len() / 10 && active < pooled.len(),
        "ReLU all on or all off"
    );

    // Backward: plain = relu_pool backward then the dense conv weight gradient.
    let dpooled = uniform(&mut rng, n * oc * POOL, -1.0, 1.0); // (N, OC, PH, PW)
    let mut dz = vec![0.0; n * oc * OH * OW];
    relu_pool::backward(&pooled, &argmax, &dpooled, shape, &mut dz);
    let (mut dw, mut db) = (vec![0.0; oc * K * K], vec![0.0; oc]);
    conv::backward_weights(&x, &dz, n, &mut dw, &mut db);

    // Fused: mask with the ReLU first (the model does this together with dropout).
    let dpre: Vec<f32> = dpooled
        .iter()
        .zip(&pooled)
        .map(|(&g, &p)| if p > 0.0 { g } else { 0.0 })
        .collect();
    let (mut dw_f, mut db_f) = (vec![0.0; oc * K * K], vec![0.0; oc]);
    conv::backward_weights_relu_pool(&x, &argmax, &dpre, n, &mut dw_f, &mut db_f);
    for (a, b) in dw_f.iter().chain(&db_f).zip(dw.iter().chain(&db)) {
        assert!(
            (a - b).abs() <= 1e-5 * a.abs().max(b.abs()).max(1.0),
            "{a} vs {b}"
        );
    }
}

/// Prints native throughput of `Model::train_batch` (and `evaluate`) for a few batch sizes,
/// best of 3 rounds (the machine may be shared). Not a benchmark with a threshold: timing
/// never fails a test. Run with `--release` for numbers that mean something.
#[test]
#[ignore]
fn throughput_train_batch() {
    use lr_batch_playground::model::{Init, Model, CHUNK, INPUT};
    use std::time::Instant;
    let mut rng = Rng::new(1);
    let mut model = Model::new(Init::PyTorch, 0.25, &mut rng);
    let total = 4096;
    let x = uniform(&mut rng, total * INPUT, 0.0, 1.0);
    let y: Vec<u8> = (0..total).map(|_| rng.below(10) as u8).collect();
    println!("CHUNK = {CHUNK}");
    for batch in [32, 128, 512] {
        let (xs, ys) = (&x[..batch * INPUT], &y[..batch]);
        model.train_batch(xs, ys, &mut rng); // warm-up: scratch allocated
        let reps = (4096 / batch).max(4);
        let mut best = f64::MAX;
        for _ in 0..3 {
            let t = Instant::now();
            for _ in 0..reps {
                model.train_batch(xs, ys, &mut rng);
            }
            best = best.min(t.elapsed().as_secs_f64());
        }
        let rate = (reps * batch) as f64 / best;
        println!("train_batch  batch {batch:4}: {rate:8.0} samples/s");
    }
    let t = Instant::now();
    let (_, correct) = model.evaluate(&x, &y);
    let rate = total as f64 / t.elapsed().as_secs_f64();
    println!("evaluate     {total} samples: {rate:8.0} samples/s ({correct} correct)");
}
