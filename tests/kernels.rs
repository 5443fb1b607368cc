//! Every fast kernel against its scalar twin, natively: the cases live in `tests/twins/`,
//! shared with the browser run in `tests/web.rs`, so both targets check the same sizes (batch
//! 1, 3, 7, 33 and the model's 64; odd dense shapes and the real 5408 → 10) to the same
//! bounds, and check that the vector implementations agree bit for bit.
//!
//! Also here, native only: the fused conv+ReLU+pool path against the plain layers it
//! replaces; a check that a training step allocates nothing once its buffers exist (a
//! counting allocator wraps the system one in this test binary); and an `#[ignore]`d
//! throughput probe (`cargo test --release --test kernels -- --ignored --nocapture`) that
//! prints samples/s and asserts nothing about time.
#![cfg(not(target_arch = "wasm32"))]

mod common;
mod twins;

use common::uniform;

use lr_batch_playground::config::Opt;
use lr_batch_playground::kernels::{IMG, K, OH, OW, POOL};
use lr_batch_playground::model::{Init, Model, INPUT};
use lr_batch_playground::nn::{conv, relu_pool};
use lr_batch_playground::optim::Optimizer;
use lr_batch_playground::rng::Rng;

#[global_allocator]
static ALLOCATOR: common::Counting = common::Counting;

/// How many allocations `f` made on this thread.
fn allocations_in(f: impl FnOnce()) -> usize {
    common::allocations(f).1.count
}

#[test]
fn conv_relu_pool_forward_twins() {
    twins::conv_relu_pool_forward();
}

#[test]
fn conv_relu_pool_dropout_forward_twins() {
    twins::conv_relu_pool_dropout_forward();
}

#[test]
fn conv_relu_pool_backward_weights_twins() {
    twins::conv_relu_pool_backward_weights();
}

#[test]
fn dense_forward_twins() {
    twins::dense_forward();
}

#[test]
fn dense_backward_input_twins() {
    twins::dense_backward_input();
}

#[test]
fn dense_backward_input_dropout_relu_twins() {
    twins::dense_backward_input_dropout_relu();
}

#[test]
fn dense_backward_weights_twins() {
    twins::dense_backward_weights();
}

#[test]
fn special_values_twins() {
    twins::special_values();
}

#[test]
fn empty_batch_is_a_no_op_everywhere() {
    twins::empty_batch_is_a_no_op_everywhere();
}

/// Once the model's scratch and the optimizer's state exist, training steps (several chunks,
/// dropout on) and evaluation allocate nothing: every buffer is reused across steps.
#[test]
fn a_training_step_does_not_allocate() {
    let mut rng = Rng::new(3);
    let mut model = Model::new(Init::PyTorch, 0.25, &mut rng);
    let mut opt = Optimizer::new(Opt::Adam, 0.0);
    let n = 150; // three chunks, the last one partial
    let x = uniform(&mut rng, n * INPUT, 0.0, 1.0);
    let y: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    let mut step = |model: &mut Model, rng: &mut Rng, m: usize| {
        model.train_batch(&x[..m * INPUT], &y[..m], rng);
        let (p, g) = model.params_and_grads();
        opt.step(p, g, 1e-3);
    };
    step(&mut model, &mut rng, n); // first step: scratch and optimizer state are allocated
    model.evaluate(&x, &y);
    let count = allocations_in(|| {
        for m in [n, 1, 64, 65, n] {
            step(&mut model, &mut rng, m);
        }
        model.evaluate(&x, &y);
    });
    assert_eq!(
        count, 0,
        "training steps and evaluation allocated {count} times"
    );
    // The counter itself works.
    assert_eq!(
        allocations_in(|| drop(std::hint::black_box(vec![0u8; 16]))),
        1
    );
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
