//! Training end to end on the real MNIST subset (written by `make data`):
//! the loss goes down, the same seed gives bit-identical records, a diverging
//! run is marked and stopped, the warmup reaches the scaled rate, batch GD,
//! SGD (batch 1) and a partial last batch all work, the epoch-end answers
//! (confusion, predictions) kept from the last evaluation equal a fresh forward
//! pass, and the trainer times evaluation and probes with the caller's clock.
//! The CLI's tests are in `cli.rs`.

use std::sync::{Arc, OnceLock};

use lr_batch_playground::config::Config;
use lr_batch_playground::data::{self, Dataset, Norm, Split};
use lr_batch_playground::files;
use lr_batch_playground::metrics::Status;
use lr_batch_playground::model::{Model, CLASSES};
use lr_batch_playground::summary::{majority_share, COLLAPSE_MARGIN};
use lr_batch_playground::train::{diverges, mid_epoch_eval, Trainer};

/// The real subset, split with the whole training set (trainers cap it by `train`).
fn split() -> Arc<Split> {
    static SPLIT: OnceLock<Arc<Split>> = OnceLock::new();
    SPLIT
        .get_or_init(|| {
            let m = files::load_dir(&files::subset_dir())
                .unwrap_or_else(|e| panic!("{e}; run `make data` first"));
            Arc::new(data::split(&m, 8000, Norm::None))
        })
        .clone()
}

fn cfg(q: &str) -> Config {
    Config::from_query(q).unwrap()
}

#[test]
fn loss_goes_down_and_accuracy_rises() {
    let mut t = Trainer::new(&cfg("train=1000&epochs=3&lr0=0.01"), 1, split()).unwrap();
    let (loss0, acc0) = t.evaluate_test();
    let h = t.run_to_end().to_vec();
    // The untrained network's evaluation, then one per epoch.
    assert_eq!(h.len(), 4);
    assert_eq!((h[0].step, h[0].test_loss, h[0].test_acc), (0, loss0, acc0));
    assert_eq!(t.status(), Status::Done);
    assert!(
        h[3].test_loss < 0.6 * loss0,
        "test loss {loss0} → {}",
        h[3].test_loss
    );
    assert!(h[3].train_loss < h[1].train_loss);
    assert!(
        h[3].test_acc > acc0 + 0.4,
        "accuracy {acc0} → {}",
        h[3].test_acc
    );
    // Bookkeeping: 1000 samples, batch 8 → 125 steps per epoch.
    assert_eq!(
        (h[3].step, h[3].samples, h[3].epoch, h[3].batch),
        (375, 3000, 3, 8)
    );
    assert_eq!(t.step_losses().len(), 375);
}

#[test]
fn same_seed_same_records_bit_for_bit() {
    let c = cfg("train=400&epochs=2&k=1-3&opt=adam&dropout=0.5");
    for k in [1, 3] {
        let a = Trainer::new(&c, k, split()).unwrap().run_to_end().to_vec();
        let b = Trainer::new(&c, k, split()).unwrap().run_to_end().to_vec();
        let bits = |h: &[lr_batch_playground::metrics::EpochRecord]| {
            h.iter()
                .map(|r| {
                    (
                        r.train_loss.to_bits(),
                        r.test_loss.to_bits(),
                        r.test_acc.to_bits(),
                        r.step,
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(&a), bits(&b));
    }
    // A different seed gives different numbers.
    let a = Trainer::new(&c, 1, split()).unwrap().run_to_end().to_vec();
    let b = Trainer::new(
        &cfg("train=400&epochs=2&opt=adam&dropout=0.5&seed=2"),
        1,
        split(),
    )
    .unwrap()
    .run_to_end()
    .to_vec();
    assert_ne!(a[1].train_loss.to_bits(), b[1].train_loss.to_bits());
}

#[test]
fn step_in_small_chunks_equals_whole_epochs() {
    let c = cfg("train=240&epochs=2&b0=16");
    let whole = Trainer::new(&c, 1, split()).unwrap().run_to_end().to_vec();
    let mut t = Trainer::new(&c, 1, split()).unwrap();
    let mut chunked = Vec::new();
    loop {
        let r = t.step(7);
        chunked.extend(r.epochs);
        if r.status != Status::Running {
            break;
        }
    }
    // Debug form: NaN (the unmeasured noise scale) compares unequal to itself.
    assert_eq!(format!("{whole:?}"), format!("{chunked:?}"));
    assert_eq!(t.step(5).steps, 0, "a finished run takes no more steps");
}

#[test]
fn a_diverging_run_is_marked_and_stopped() {
    // The old threshold, as a parameter: a finite loss above 100 stops the run.
    let mut t = Trainer::new(
        &cfg("train=800&epochs=3&lr0=5&opt=sgd&diverge=100"),
        8,
        split(),
    )
    .unwrap();
    let h = t.run_to_end().to_vec();
    assert_eq!(t.status(), Status::Diverged);
    let at = t.diverged_at().expect("records the step");
    let last = h.last().unwrap();
    assert_eq!(last.status, Status::Diverged);
    assert_eq!(last.step, at);
    assert!(h.len() <= 4, "step 0 and at most 3 epochs");
    assert!(h[..h.len() - 1].iter().all(|r| r.status == Status::Running));
    // Nothing moves after divergence.
    assert_eq!(t.step(10).steps, 0);
}

#[test]
fn only_a_non_finite_loss_diverges_by_default() {
    assert!(diverges(f32::NAN, 0.0) && diverges(f32::INFINITY, 0.0));
    assert!(diverges(f32::NEG_INFINITY, 1e30));
    assert!(
        !diverges(1e7, 0.0),
        "a large finite loss is recorded, not fatal"
    );
    assert!(diverges(100.5, 100.0) && !diverges(100.0, 100.0));
}

#[test]
fn a_large_finite_loss_is_recorded_as_the_peak_and_the_run_goes_on() {
    // η = 10 at batch 16 blows the first losses far past 100, yet they stay finite.
    let q = "train=320&epochs=2&lr0=10&b0=16&dropout=0";
    let mut t = Trainer::new(&cfg(q), 1, split()).unwrap();
    let h = t.run_to_end().to_vec();
    assert!(matches!(t.status(), Status::Done | Status::Collapsed));
    let losses = t.step_losses().to_vec();
    assert_eq!(losses.len() as u64, t.steps_done(), "no step was refused");
    let peak = losses.iter().map(|&l| l as f64).fold(f64::NAN, f64::max);
    assert!(peak > 100.0, "this rate should blow up: {peak}");
    assert_eq!(h.last().unwrap().peak_loss, peak);
    assert_eq!(t.peak_loss(), peak);
    // Each record's peak is the running maximum up to its step.
    assert!(h[0].peak_loss.is_nan(), "no step yet");
    for r in &h[1..] {
        let upto = losses[..r.step as usize]
            .iter()
            .map(|&l| l as f64)
            .fold(f64::NAN, f64::max);
        assert_eq!(r.peak_loss, upto, "epoch {}", r.epoch);
    }
    // With the old threshold the same run (same seed, same batches) stops at the first
    // step whose loss passed 100.
    let first = losses.iter().position(|&l| l > 100.0).unwrap() as u64;
    let mut old = Trainer::new(&cfg(&format!("{q}&diverge=100")), 1, split()).unwrap();
    old.run_to_end();
    assert_eq!(old.status(), Status::Diverged);
    assert_eq!(old.diverged_at(), Some(first));
}

#[test]
fn a_run_answering_one_class_ends_collapsed_and_keeps_training() {
    // η = 10 at batch 16 kills every ReLU: the network answers one class for ever.
    let mut t = Trainer::new(
        &cfg("train=320&epochs=4&lr0=10&b0=16&dropout=0"),
        1,
        split(),
    )
    .unwrap();
    let h = t.run_to_end().to_vec();
    assert_eq!(t.status(), Status::Collapsed);
    assert_eq!(h.len(), 5, "step 0 and 4 epochs: trained to its end");
    assert_eq!(t.steps_done(), t.plan().total_steps());
    assert_eq!(h.last().unwrap().status, Status::Collapsed);
    assert!(h[..4].iter().all(|r| r.status == Status::Running));
    let majority = majority_share(&t.data().test.labels);
    assert!(h[2..]
        .iter()
        .all(|r| r.test_acc <= majority + COLLAPSE_MARGIN));
    // A run that learns ends done.
    let mut ok = Trainer::new(&cfg("train=320&epochs=3&lr0=0.01&b0=16"), 1, split()).unwrap();
    ok.run_to_end();
    assert_eq!(ok.status(), Status::Done);
}

#[test]
fn evaluations_are_evenly_spaced_within_an_epoch() {
    let at = |steps: u64, evals: u32| -> Vec<u64> {
        (1..=steps)
            .filter(|&j| mid_epoch_eval(j, steps, evals))
            .collect()
    };
    assert_eq!(at(32, 1), Vec::<u64>::new());
    assert_eq!(at(32, 2), [16]);
    // ⌈10/3⌉ = 4, ⌈20/3⌉ = 7; the third is the epoch's end.
    assert_eq!(at(10, 3), [4, 7]);
    // More evaluations than steps: one after every step.
    assert_eq!(at(4, 10), [1, 2, 3]);
}

#[test]
fn the_untrained_network_is_evaluated_and_evals_add_points_without_changing_training() {
    let q = "train=240&epochs=2&b0=16&lr0=0.01";
    let mut one = Trainer::new(&cfg(q), 1, split()).unwrap();
    let (loss0, acc0) = Trainer::new(&cfg(q), 1, split()).unwrap().evaluate_test();
    let h1 = one.run_to_end().to_vec();
    // Step 0: the untrained network, before any step.
    assert_eq!(h1.len(), 3);
    let r0 = &h1[0];
    assert_eq!(
        (r0.epoch, r0.step, r0.samples, r0.epochs_done),
        (0, 0, 0, 0.0)
    );
    assert_eq!((r0.test_loss, r0.test_acc), (loss0, acc0));
    assert!(r0.train_loss.is_nan() && r0.peak_loss.is_nan() && r0.noise_scale.is_nan());
    assert_eq!((h1[1].epochs_done, h1[2].epochs_done), (1.0, 2.0));

    // Three evaluations per epoch: 15 steps an epoch, so after steps 5, 10 and 15.
    let mut three = Trainer::new(&cfg(&format!("{q}&evals=3")), 1, split()).unwrap();
    let h3 = three.run_to_end().to_vec();
    assert_eq!(
        one.step_losses(),
        three.step_losses(),
        "training is unchanged"
    );
    let steps: Vec<u64> = h3.iter().map(|r| r.step).collect();
    assert_eq!(steps, [0, 5, 10, 15, 20, 25, 30]);
    let epochs: Vec<u32> = h3.iter().map(|r| r.epoch).collect();
    assert_eq!(epochs, [0, 1, 1, 1, 2, 2, 2]);
    assert!((h3[1].epochs_done - 80.0 / 240.0).abs() < 1e-12);
    for (a, b) in [(&h1[1], &h3[3]), (&h1[2], &h3[6])] {
        assert_eq!(
            (a.step, a.test_acc, a.test_loss),
            (b.step, b.test_acc, b.test_loss)
        );
        assert_eq!((a.epoch, a.status), (b.epoch, b.status));
    }
    // Each train loss is the mean over its own steps.
    let losses = one.step_losses();
    let mean =
        |a: usize, b: usize| losses[a..b].iter().map(|&l| l as f64).sum::<f64>() / (b - a) as f64;
    assert!((h3[1].train_loss - mean(0, 5)).abs() < 1e-12);
    assert!((h3[6].train_loss - mean(25, 30)).abs() < 1e-12);
    assert!((h1[1].train_loss - mean(0, 15)).abs() < 1e-12);
}

#[test]
fn warmup_reaches_the_scaled_rate() {
    // k=4, linear: η = 0.004; warmup over 1 of 2 epochs starts from η0 = 0.001.
    let mut t = Trainer::new(&cfg("train=320&epochs=2&warmup=1"), 4, split()).unwrap();
    let h = t.run_to_end().to_vec();
    let spe = t.plan().steps_per_epoch();
    assert_eq!(spe, 10);
    let s = &t.plan().schedule;
    assert_eq!(s.lr_at(0), 0.001);
    assert_eq!(h[0].lr, 0.001, "step 0: the first step's rate");
    assert!(
        h[1].lr < 0.004 && h[1].lr > 0.0035,
        "last warmup step {}",
        h[1].lr
    );
    assert_eq!(h[2].lr, 0.004);
}

#[test]
fn batch_gd_sgd_and_partial_batches() {
    // Batch gradient descent: one step per epoch over the whole training set.
    let mut t = Trainer::new(&cfg("b0=full&train=500&epochs=2&lr0=0.5"), 1, split()).unwrap();
    let h = t.run_to_end().to_vec();
    assert_eq!((h[2].step, h[2].batch, h[2].samples), (2, 500, 1000));
    assert!(h[2].train_loss < h[1].train_loss);
    // SGD: batch 1, one step per sample.
    let mut t = Trainer::new(&cfg("b0=1&train=50&epochs=1"), 1, split()).unwrap();
    assert_eq!(t.run_to_end()[1].step, 50);
    // 100 samples in batches of 24: 4 full batches and one of 4.
    let mut t = Trainer::new(&cfg("b0=24&train=100&epochs=1"), 1, split()).unwrap();
    let r = t.run_to_end()[1].clone();
    assert_eq!((r.step, r.samples), (5, 100));
}

#[test]
fn trainer_rejects_a_bad_config() {
    let c = Config {
        lr0: -1.0,
        ..Config::default()
    };
    let e = Trainer::new(&c, 1, split()).err().expect("invalid lr0");
    assert_eq!(e.param, "lr0");
    // A data set with training samples but no test samples, or the reverse, is refused.
    let full = split();
    let no_test = Split {
        test: Dataset {
            images: vec![],
            labels: vec![],
        },
        ..(*full).clone()
    };
    let no_train = Split {
        train: Dataset {
            images: vec![],
            labels: vec![],
        },
        ..(*full).clone()
    };
    for (what, data) in [("no test", no_test), ("no train", no_train)] {
        let e = Trainer::new(&Config::default(), 1, Arc::new(data))
            .err()
            .unwrap_or_else(|| panic!("{what}: accepted"));
        assert_eq!(e.param, "train", "{what}");
    }
}

#[test]
fn the_trainer_keeps_its_runs_config_and_stops_when_told() {
    let c = cfg("train=400&epochs=2&b0=16&lr0=0.02&k=1-4");
    let mut t = Trainer::new(&c, 3, split()).unwrap();
    assert_eq!(t.config(), &c.with_k(3), "the single-k config of the run");
    assert_eq!((t.config().k.clone(), t.config().b0), (vec![3], 16));
    // Chunks take exactly the steps asked for while the run goes on.
    assert_eq!(t.step(7).steps, 7);
    assert_eq!(t.step(1).steps, 1);
    assert_eq!(t.steps_done(), 8);
    t.stop();
    assert_eq!(t.status(), Status::Stopped);
    assert_eq!(t.step(5).steps, 0, "a stopped run takes no steps");
    assert_eq!(t.steps_done(), 8);
}

#[test]
fn repeats_with_the_same_order_share_the_shuffle() {
    let c = cfg("train=200&epochs=1&repeats=2&order=same&dropout=0");
    // Same data order, different init: different numbers but the same samples per step
    // (checked through the bookkeeping) and both runs train.
    let a = Trainer::new_repeat(&c, 1, 0, split())
        .unwrap()
        .run_to_end()
        .to_vec();
    let b = Trainer::new_repeat(&c, 1, 1, split())
        .unwrap()
        .run_to_end()
        .to_vec();
    assert_ne!(a[0].test_loss.to_bits(), b[0].test_loss.to_bits());
    assert!(
        Trainer::new_repeat(&c, 1, 2, split()).is_err(),
        "repeat 2 of 2 does not exist"
    );
}

#[test]
fn noise_scale_is_stable_across_seeds() {
    // The critical-batch-size estimate of two seeds agrees within a factor of 2.
    let c = cfg("train=2000&epochs=2&b0=32&lr0=0.004");
    let mut t = Trainer::new(&c, 1, split()).unwrap();
    assert!(t.noise_scale().is_nan(), "no probe yet");
    let a = t.run_to_end().last().unwrap().noise_scale;
    // What the shells read between records is what the last record holds.
    assert_eq!(t.noise_scale().to_bits(), a.to_bits());
    let c2 = cfg("train=2000&epochs=2&b0=32&lr0=0.004&seed=2");
    let b = Trainer::new(&c2, 1, split())
        .unwrap()
        .run_to_end()
        .last()
        .unwrap()
        .noise_scale;
    assert!(a.is_finite() && b.is_finite() && a > 1.0, "{a} {b}");
    assert!(a / b < 2.0 && b / a < 2.0, "seed 1: {a}, seed 2: {b}");
}

/// Confusion matrix and predictions of `model` on the test split by a fresh forward pass.
fn fresh_answers(model: &Model, idx: &[usize]) -> ([[u32; 10]; 10], Vec<u8>, Vec<f32>) {
    let test = &split().test;
    let mut model = model.clone();
    let mut preds = vec![0u8; test.len()];
    let mut probs = vec![0f32; test.len() * CLASSES];
    model.predict(&test.images, &mut preds, &mut probs);
    let mut m = [[0u32; 10]; 10];
    for (&t, &p) in test.labels.iter().zip(&preds) {
        m[t as usize][p as usize] += 1;
    }
    let sel_p = idx.iter().map(|&i| preds[i]).collect();
    let sel_q = idx
        .iter()
        .flat_map(|&i| probs[i * CLASSES..(i + 1) * CLASSES].to_vec())
        .collect();
    (m, sel_p, sel_q)
}

#[test]
fn epoch_end_answers_equal_a_fresh_pass() {
    let mut t = Trainer::new(&cfg("train=640&epochs=3&lr0=0.05&b0=32"), 1, split()).unwrap();
    let idx = [0usize, 7, 399, 1999];
    assert!(t.epoch_confusion().is_none() && t.epoch_predict(&idx).is_none());
    t.run_epoch().unwrap();
    assert_eq!(t.evaluated_at(), Some(t.steps_done()));
    let (m1, p1, q1) = fresh_answers(t.model(), &idx);
    assert_eq!(m1.iter().flatten().sum::<u32>(), 2000);
    assert_eq!(t.epoch_confusion(), Some(m1));
    assert_eq!(t.confusion(), m1, "weights unchanged: from the kept logits");
    assert_eq!(t.epoch_predict(&idx), Some((p1.clone(), q1.clone())));
    assert_eq!(t.predict_test(&idx), (p1.clone(), q1.clone()));
    // Training goes on: the epoch-end answers stay those of epoch 1, the current ones move.
    t.step(5);
    let (m2, p2, q2) = fresh_answers(t.model(), &idx);
    assert_ne!(q2, q1, "five steps at η = 0.05 change the probabilities");
    assert_eq!(t.epoch_confusion(), Some(m1));
    assert_eq!(t.epoch_predict(&idx), Some((p1, q1)));
    assert_eq!(t.confusion(), m2);
    assert_eq!(t.predict_test(&idx), (p2, q2));
}

#[test]
fn the_trainer_times_evaluation_and_probes_with_the_callers_clock() {
    use std::sync::atomic::{AtomicU64, Ordering};
    // A clock that advances 1 ms per reading: the totals count readings, not real time.
    static TICKS: AtomicU64 = AtomicU64::new(0);
    fn clock() -> f64 {
        TICKS.fetch_add(1, Ordering::SeqCst) as f64
    }
    let c = cfg("train=8000&epochs=1&b0=1000");
    let mut plain = Trainer::new(&c, 1, split()).unwrap();
    assert_eq!(plain.timings(), Default::default());
    let mut t = Trainer::new(&c, 1, split()).unwrap();
    t.set_clock(clock);
    let timed = t.run_to_end().to_vec();
    let tm = t.timings();
    assert_eq!(
        (tm.evals, tm.probes),
        (2, 2),
        "the untrained network's evaluation, one per epoch, two probes"
    );
    assert_eq!((tm.eval_ms, tm.probe_ms), (2.0, 2.0));
    // The clock is only read: the records are those of an untimed run.
    // Debug form: NaN (the untrained network's train loss) compares unequal to itself.
    assert_eq!(format!("{timed:?}"), format!("{:?}", plain.run_to_end()));
    assert_eq!(plain.timings(), Default::default());
}

#[test]
fn a_range_test_records_every_step_across_epochs_and_ends_after_its_ramp() {
    let c = cfg("mode=range&grid_b=16&train=64&range_lo=0.001&range_hi=0.1&range_steps=20");
    let spec = &c.runs()[0];
    let mut t = Trainer::new(&spec.config, 1, split()).unwrap();
    let h = t.run_to_end().to_vec();
    assert_eq!(t.status(), Status::Done);
    // The untrained network's evaluation, then one record per step over five epochs: 4 steps
    // of 16 make an epoch of 64 samples.
    let at: Vec<(u64, u32, u64, f64)> = h
        .iter()
        .map(|r| (r.step, r.epoch, r.samples, r.epochs_done))
        .collect();
    let want: Vec<(u64, u32, u64, f64)> = (1..=20u64)
        .map(|s| (s, 1 + (s / 4) as u32, 16 * s, s as f64 / 4.0))
        .collect();
    assert_eq!(at[0], (0, 0, 0, 0.0));
    assert_eq!(at[1..], want[..]);
    assert!(h[0].test_acc.is_finite(), "step 0 is evaluated");
    let steps = &h[1..];
    assert!(steps.iter().all(|r| r.test_acc.is_nan() && r.batch == 16));
    assert!(h[..20].iter().all(|r| r.status == Status::Running));
    // Each step's rate climbs geometrically from range_lo to range_hi.
    assert!((steps[0].lr - 0.001).abs() < 1e-12 && (steps[19].lr - 0.1).abs() < 1e-12);
    let ratio = libm::pow(100.0, 1.0 / 19.0);
    assert!(steps
        .windows(2)
        .all(|w| (w[1].lr / w[0].lr - ratio).abs() < 1e-9));
}
