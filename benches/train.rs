//! `make bench`: training and evaluation speed of the article's CNN, natively (the browser
//! half is `tools/bench/bench.mjs`, which prints the same tables from headless Chromium).
//!
//! Shapes (the named table): one optimizer step = forward + backward of the
//! conv 1→32 3×3 → ReLU → max-pool 2×2 → dropout 0.25 → dense 5408→10 model on
//! a batch of B real MNIST digits, plus the SGD update. We count the model's
//! nominal 1.1 MFLOP per training sample (conv forward 0.39, conv weight
//! gradient 0.39, dense forward and backward 0.32) and 0.5 MFLOP per evaluated
//! sample, so GFLOP/s compare across implementations whatever shortcuts (the
//! sparse pool backward) a kernel takes.
//!
//! Before timing, the active kernels are checked against their scalar twins on
//! the benchmark's own batch (`kernels::check`): a benchmark that got faster by
//! being wrong fails here instead of printing a number. Step timings are medians
//! of repeated runs of at least ~0.3 s each; the per-kernel table
//! (`kernels::profile`, one chunk of 32 samples) takes the fastest of a few
//! rounds. Nothing is asserted about speed.

use std::time::Instant;

use lr_batch_playground::config::Opt;
use lr_batch_playground::data::{self, Norm};
use lr_batch_playground::kernels::{self, profile};
use lr_batch_playground::model::{Init, Model, INPUT};
use lr_batch_playground::optim::Optimizer;
use lr_batch_playground::rng::Rng;

const BATCHES: [usize; 5] = [1, 8, 32, 128, 1024];
const TRAIN_FLOP_PER_SAMPLE: f64 = 1.1e6;
const EVAL_FLOP_PER_SAMPLE: f64 = 0.5e6;

fn load() -> (Vec<f32>, Vec<u8>, Vec<f32>, Vec<u8>) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist/");
    let read = |n: &str| {
        std::fs::read(format!("{dir}{n}")).unwrap_or_else(|e| panic!("{n}: {e}; run `make data`"))
    };
    let m = data::load_mnist(
        &read("train-images-idx3-ubyte.gz"),
        &read("train-labels-idx1-ubyte.gz"),
    )
    .unwrap();
    let s = data::split(&m, 8000, Norm::None);
    (s.train.images, s.train.labels, s.test.images, s.test.labels)
}

/// Median seconds per call of `f`, over 5 samples of enough calls to last ~0.3 s.
fn time<F: FnMut()>(mut f: F) -> f64 {
    f();
    let t = Instant::now();
    f();
    let one = t.elapsed().as_secs_f64().max(1e-6);
    let reps = ((0.3 / one).ceil() as usize).clamp(1, 100_000);
    let mut samples: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..reps {
                f();
            }
            t.elapsed().as_secs_f64() / reps as f64
        })
        .collect();
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[2]
}

fn main() {
    let (tx, ty, ex, ey) = load();
    if let Err(e) = kernels::check::against_scalar(&tx[..64 * INPUT], 64) {
        panic!("the {} kernels are wrong: {e}", kernels::ACTIVE_NAME);
    }
    println!(
        "native, 1 thread, {} ({} cores)",
        std::env::consts::ARCH,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!(
        "kernels: {}, checked against their scalar twins: ok\n",
        kernels::ACTIVE_NAME
    );
    println!("| batch | step (ms) | train samples/s | GFLOP/s |");
    println!("|------:|----------:|----------------:|--------:|");
    for &bs in &BATCHES {
        let mut rng = Rng::new(1);
        let mut model = Model::new(Init::PyTorch, 0.25, &mut rng);
        let mut opt = Optimizer::new(Opt::Sgd, 0.0);
        let mut at = 0usize;
        let n_train = ty.len();
        let secs = time(|| {
            let start = at % (n_train - bs + 1);
            at += bs;
            let loss = model.train_batch(
                &tx[start * INPUT..(start + bs) * INPUT],
                &ty[start..start + bs],
                &mut rng,
            );
            assert!(loss.is_finite());
            let (p, g) = model.params_and_grads();
            opt.step(p, g, 0.001);
        });
        let sps = bs as f64 / secs;
        println!(
            "| {bs:>5} | {:>9.3} | {sps:>15.0} | {:>7.2} |",
            secs * 1e3,
            sps * TRAIN_FLOP_PER_SAMPLE / 1e9
        );
    }
    let chunk = 32;
    let t0 = Instant::now();
    let ms = profile::per_kernel(&tx[..chunk * INPUT], chunk, 20, 5, &mut || {
        t0.elapsed().as_secs_f64() * 1e3
    });
    println!("\nper kernel, one chunk of {chunk} samples:\n");
    println!("| kernel | µs per sample |");
    println!("|:-------|--------------:|");
    for (name, ms) in profile::NAMES.iter().zip(ms) {
        println!("| {name} | {:.2} |", ms * 1e3 / chunk as f64);
    }
    let step: f64 = ms
        .iter()
        .zip(profile::IN_TRAINING)
        .filter_map(|(ms, t)| t.then_some(ms))
        .sum();
    println!(
        "| training kernels, total | {:.2} |",
        step * 1e3 / chunk as f64
    );

    let mut rng = Rng::new(1);
    let mut model = Model::new(Init::PyTorch, 0.25, &mut rng);
    let secs = time(|| {
        let (loss, correct) = model.evaluate(&ex, &ey);
        assert!(loss.is_finite() && correct <= ey.len());
    });
    let sps = ey.len() as f64 / secs;
    println!(
        "\nevaluation of the {} test digits: {:.1} ms ({sps:.0} samples/s, {:.2} GFLOP/s)",
        ey.len(),
        secs * 1e3,
        sps * EVAL_FLOP_PER_SAMPLE / 1e9
    );
}
