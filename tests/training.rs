//! Training end to end on the real MNIST subset (written by `make data`):
//! the loss goes down, the same seed gives bit-identical records, a diverging
//! run is marked and stopped, the warmup reaches the scaled rate, batch GD,
//! SGD (batch 1) and a partial last batch all work. The CLI's tests are in `cli.rs`.

use std::sync::{Arc, OnceLock};

use lr_batch_playground::config::Config;
use lr_batch_playground::data::{self, Norm, Split};
use lr_batch_playground::files;
use lr_batch_playground::metrics::Status;
use lr_batch_playground::train::Trainer;

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
    assert_eq!(h.len(), 3);
    assert_eq!(t.status(), Status::Done);
    assert!(
        h[2].test_loss < 0.6 * loss0,
        "test loss {loss0} → {}",
        h[2].test_loss
    );
    assert!(h[2].train_loss < h[0].train_loss);
    assert!(
        h[2].test_acc > acc0 + 0.4,
        "accuracy {acc0} → {}",
        h[2].test_acc
    );
    // Bookkeeping: 1000 samples, batch 8 → 125 steps per epoch.
    assert_eq!(
        (h[2].step, h[2].samples, h[2].epoch, h[2].batch),
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
    let mut t = Trainer::new(&cfg("train=800&epochs=3&lr0=5&opt=sgd"), 8, split()).unwrap();
    let h = t.run_to_end().to_vec();
    assert_eq!(t.status(), Status::Diverged);
    let at = t.diverged_at().expect("records the step");
    let last = h.last().unwrap();
    assert_eq!(last.status, Status::Diverged);
    assert_eq!(last.step, at);
    assert!(h.len() <= 3);
    assert!(h[..h.len() - 1].iter().all(|r| r.status == Status::Running));
    // Nothing moves after divergence.
    assert_eq!(t.step(10).steps, 0);
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
    assert!(
        h[0].lr < 0.004 && h[0].lr > 0.0035,
        "last warmup step {}",
        h[0].lr
    );
    assert_eq!(h[1].lr, 0.004);
}

#[test]
fn batch_gd_sgd_and_partial_batches() {
    // Batch gradient descent: one step per epoch over the whole training set.
    let mut t = Trainer::new(&cfg("b0=full&train=500&epochs=2&lr0=0.5"), 1, split()).unwrap();
    let h = t.run_to_end().to_vec();
    assert_eq!((h[1].step, h[1].batch, h[1].samples), (2, 500, 1000));
    assert!(h[1].train_loss < h[0].train_loss);
    // SGD: batch 1, one step per sample.
    let mut t = Trainer::new(&cfg("b0=1&train=50&epochs=1"), 1, split()).unwrap();
    assert_eq!(t.run_to_end()[0].step, 50);
    // 100 samples in batches of 24: 4 full batches and one of 4.
    let mut t = Trainer::new(&cfg("b0=24&train=100&epochs=1"), 1, split()).unwrap();
    let r = t.run_to_end()[0].clone();
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
    let a = Trainer::new(&c, 1, split())
        .unwrap()
        .run_to_end()
        .last()
        .unwrap()
        .noise_scale;
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
