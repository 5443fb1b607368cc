//! `make bench`: training and evaluation speed of the article's CNN, natively (the browser
//! half is `tools/bench/bench.mjs`, which prints the same tables from headless Chromium).
//!
//! Shapes (the named table): one optimizer step = forward + backward of the
//! conv 1→32 3×3 → ReLU → max-pool 2×2 → dropout 0.25 → dense 5408→10 model on
//! a batch of B real MNIST digits, plus the SGD update: `bench::BenchLoop`, the one
//! training loop every benchmark times. GFLOP/s count the model's nominal FLOPs per
//! sample (`model::TRAIN_FLOP_PER_SAMPLE`, `EVAL_FLOP_PER_SAMPLE`), so they compare
//! across implementations whatever shortcuts (the sparse pool backward) a kernel takes.
//!
//! Then end to end, the way the CLI (`src/bin/sweep.rs`) trains: a whole `Trainer` run
//! (shuffling, gathering, evaluation of the test split after every epoch, noise-scale
//! probes) at batch 1, 8, 32 and 1024, against the training rate measured just before
//! and just after it on the same core (the machine may be shared: a ratio within one
//! moment means more than either number alone). The trainer times its evaluation and
//! probes with the clock given here; "training steps" is the rest of the run's time (the
//! trainer's shuffling, gathering and bookkeeping included), each with its share of the
//! epoch, measured within the same run and so steady under load; the last column is the
//! training steps' time at the bench's rate, for comparison.
//!
//! Last, data-parallel runs: samples per second of one run's training steps against its
//! `workers` W ∈ {1, 2} at batch 8 … 4096 (W threads, one barrier per step).
//!
//! Before timing, the active kernels are checked against their scalar twins on
//! the benchmark's own batch (`kernels::check`): a benchmark that got faster by
//! being wrong fails here instead of printing a number. Step timings are medians
//! of repeated runs of at least ~0.3 s each; the per-kernel table
//! (`kernels::profile`, one chunk of 32 samples) takes the fastest of a few
//! rounds. Nothing is asserted about speed.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use lr_batch_playground::bench::BenchLoop;
use lr_batch_playground::config::Config;
use lr_batch_playground::data::{self, Norm, Split};
use lr_batch_playground::files;
use lr_batch_playground::kernels::{self, profile};
use lr_batch_playground::model::{Init, Model, EVAL_FLOP_PER_SAMPLE, INPUT, TRAIN_FLOP_PER_SAMPLE};
use lr_batch_playground::rng::Rng;
use lr_batch_playground::train::{run_epoch_on_threads, Trainer};

const BATCHES: [usize; 5] = [1, 8, 32, 128, 1024];
/// Batch sizes of the end-to-end table, and epochs per run there.
const E2E_BATCHES: [usize; 4] = [1, 8, 32, 1024];
const E2E_EPOCHS: u32 = 2;

fn load() -> Split {
    let m =
        files::load_dir(&files::subset_dir()).unwrap_or_else(|e| panic!("{e}; run `make data`"));
    data::split(&m, 8000, Norm::None)
}

/// Milliseconds since the first call: the clock handed to the trainer.
fn clock_ms() -> f64 {
    static T0: OnceLock<Instant> = OnceLock::new();
    T0.get_or_init(Instant::now).elapsed().as_secs_f64() * 1e3
}

/// Median seconds per call of `f`, over 5 samples of enough calls to last ~`secs`/5.
fn time<F: FnMut()>(secs: f64, mut f: F) -> f64 {
    f();
    let t = Instant::now();
    f();
    let one = t.elapsed().as_secs_f64().max(1e-6);
    let reps = ((secs / 5.0 / one).ceil() as usize).clamp(1, 100_000);
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

/// Training samples per second of [`BenchLoop`] at batch `bs`, over about `secs`.
fn train_rate(split: &Split, bs: usize, secs: f64) -> f64 {
    let mut bench = BenchLoop::new(&split.train.images, &split.train.labels, bs);
    let step_secs = time(secs, || assert!(bench.step().is_finite()));
    bench.batch() as f64 / step_secs
}

fn main() {
    let split = load();
    // `cargo bench --bench train -- scaling`: the data-parallel table alone.
    if std::env::args().any(|a| a == "scaling") {
        scaling(Arc::new(split));
        return;
    }
    let tx = &split.train.images;
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
        let sps = train_rate(&split, bs, 1.5);
        println!(
            "| {bs:>5} | {:>9.3} | {sps:>15.0} | {:>7.2} |",
            bs as f64 / sps * 1e3,
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

    let (ex, ey) = (&split.test.images, &split.test.labels);
    let mut rng = Rng::new(1);
    let mut model = Model::new(Init::PyTorch, 0.25, &mut rng);
    let secs = time(1.5, || {
        let (loss, correct) = model.evaluate(ex, ey);
        assert!(loss.is_finite() && correct <= ey.len());
    });
    let sps = ey.len() as f64 / secs;
    println!(
        "\nevaluation of the {} test digits: {:.1} ms ({sps:.0} samples/s, {:.2} GFLOP/s)",
        ey.len(),
        secs * 1e3,
        sps * EVAL_FLOP_PER_SAMPLE / 1e9
    );

    let split = Arc::new(split);
    end_to_end(split.clone());
    scaling(split);
}

/// Batch sizes of the data-parallel table.
const SCALING_BATCHES: [usize; 9] = [8, 16, 32, 64, 128, 256, 512, 1024, 4096];

/// Training-step samples per second of one run with `workers` W at batch `bs`: one epoch of
/// the 8,000 samples as the CLI trains it (W = 1: `run_epoch`; W > 1: `run_epoch_on_threads`,
/// W threads, one barrier per step), its evaluation and noise probes taken out by the
/// leader's clock (the other copies evaluate and probe at the same time, in parallel).
/// The best of `reps` epochs (the machine may be shared: the least disturbed one).
fn parallel_rate(split: &Arc<Split>, bs: usize, workers: usize, reps: usize) -> f64 {
    let q = format!("b0={bs}&k=1&epochs={reps}&workers={workers}");
    let cfg = Config::from_query(&q).expect("a valid bench config");
    let mut copies: Vec<Trainer> = (0..workers)
        .map(|_| Trainer::new(&cfg, 1, split.clone()).expect("a valid run"))
        .collect();
    copies[0].set_clock(clock_ms);
    let mut best = 0f64;
    for _ in 0..reps {
        let before = copies[0].timings();
        let samples0 = copies[0].history().last().map_or(0, |r| r.samples);
        let t0 = clock_ms();
        let rec = if workers == 1 {
            copies[0].run_epoch()
        } else {
            run_epoch_on_threads(&mut copies)
        }
        .expect("an epoch");
        let wall = clock_ms() - t0;
        let tm = copies[0].timings();
        let steps_ms = wall - (tm.eval_ms - before.eval_ms) - (tm.probe_ms - before.probe_ms);
        best = best.max((rec.samples - samples0) as f64 / (steps_ms / 1e3));
    }
    best
}

/// Samples per second against W (1 and 2) at each batch size: where two workers pay off.
fn scaling(split: Arc<Split>) {
    println!(
        "\ndata-parallel runs (`workers`, train/parallel.rs): training-step samples/s of one run, \
         best of 3 epochs of {} samples (evaluation and probes taken out)\n",
        split.train.len()
    );
    println!("| batch | W = 1 | W = 2 | W = 2 / W = 1 |");
    println!("|------:|------:|------:|------:|");
    for &bs in &SCALING_BATCHES {
        let one = parallel_rate(&split, bs, 1, 3);
        let two = parallel_rate(&split, bs, 2, 3);
        println!("| {bs} | {one:.0} | {two:.0} | {:.2} |", two / one);
    }
}

/// The CLI's way of training, timed per epoch against the bench's training rate.
fn end_to_end(split: Arc<Split>) {
    println!(
        "\nend to end as the CLI trains (`Trainer::run_epoch`: {E2E_EPOCHS} epochs of {} samples, \
         evaluation of {} test digits and noise probes included), ms per epoch:\n",
        split.train.len(),
        split.test.len()
    );
    println!(
        "| batch | bench samples/s | end-to-end samples/s | × bench | epoch | training steps \
         | evaluation | noise probes | at the bench's rate |"
    );
    println!("|------:|------:|------:|------:|------:|------:|------:|------:|------:|");
    for &bs in &E2E_BATCHES {
        let before = train_rate(&split, bs, 1.0);
        let cfg = Config::from_query(&format!("b0={bs}&k=1&epochs={E2E_EPOCHS}"))
            .expect("a valid bench config");
        let mut t = Trainer::new(&cfg, 1, split.clone()).expect("a valid run");
        t.set_clock(clock_ms);
        let t0 = clock_ms();
        t.run_to_end();
        let wall = clock_ms() - t0;
        let after = train_rate(&split, bs, 1.0);
        let bench = 0.5 * (before + after);
        let tm = t.timings();
        let last = t.history().last().expect("the run has epochs");
        let samples = last.samples as f64;
        let epochs = last.epoch as f64;
        let steps_ms = samples / bench * 1e3;
        let e2e = samples / (wall / 1e3);
        let per = |ms: f64| format!("{:.1} ({:.1}%)", ms / epochs, 100.0 * ms / wall);
        println!(
            "| {bs} | {bench:.0} | {e2e:.0} | {:.2} | {:.1} | {} | {} | {} | {:.1} |",
            e2e / bench,
            wall / epochs,
            per(wall - tm.eval_ms - tm.probe_ms),
            per(tm.eval_ms),
            per(tm.probe_ms),
            steps_ms / epochs,
        );
    }
}
