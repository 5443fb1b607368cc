//! Behaviour that a plausible bug would change without failing the other tests, each pinned
//! by a test written against an independent computation:
//!
//! - the training order is reshuffled at every epoch, each epoch sees every sample once;
//! - under `order=same` the repeats of a run really see the same data order (and under
//!   `order=vary` they do not);
//! - inverted dropout scales kept units by exactly 1/(1 − p), so a mask's mean is ≈ 1, and
//!   the model's dense input under dropout averages to the one without dropout;
//! - the epoch records evaluate the test split, not the training split;
//! - a landscape cell that ends at chance without diverging is flagged as collapsed;
//! - the per-example squared gradient norms (conv term included) equal those of one-sample
//!   gradients;
//! - the noise scale's trace estimate carries the 1/(1 − 1/B) correction, checked at B = 2
//!   and 3 against the unbiased sample covariance.
//!
//! How the data order is observed: the trainers here use a learning rate so small (1e-30)
//! that no weight changes (asserted), so each mini-batch loss of a batch-1 run is the loss
//! of one sample under the initial weights; the samples (random images) all have distinct
//! losses, so the sequence of step losses spells out the order. Synthetic data keeps these
//! tests independent of `data/mnist/` and fast.

use std::sync::Arc;

use lr_batch_playground::config::{Config, Mode, Order};
use lr_batch_playground::data::{Dataset, Split};
use lr_batch_playground::landscape::{Landscape, CHANCE_ACC};
use lr_batch_playground::metrics::{EpochRecord, RunResult, Status};
use lr_batch_playground::model::{Init, Model, CHUNK, INPUT};
use lr_batch_playground::nn::dropout;
use lr_batch_playground::noise::{sq_norm, Ema, NoiseScale};
use lr_batch_playground::rng::Rng;
use lr_batch_playground::train::Trainer;

/// `n` random images (pixels uniform in [0, 1)) with random labels.
fn random_set(n: usize, seed: u64) -> Dataset {
    let mut r = Rng::new(seed);
    Dataset {
        images: (0..n * INPUT).map(|_| r.next_f32()).collect(),
        labels: (0..n).map(|_| r.below(10) as u8).collect(),
    }
}

fn random_split(n_train: usize, n_test: usize) -> Arc<Split> {
    Arc::new(Split {
        train: random_set(n_train, 101),
        test: random_set(n_test, 202),
        mean: 0.0,
        std: 1.0,
    })
}

/// Batch 1, SGD, a rate too small to move any weight, no dropout.
fn frozen_config(n_train: usize, epochs: u32) -> Config {
    Config {
        b0: 1,
        lr0: 1e-30,
        k: vec![1],
        epochs,
        train: n_train,
        dropout: 0.0,
        seed: 5,
        ..Config::default()
    }
}

/// The loss of each training sample under `model`, computed one sample at a time.
fn sample_losses(model: &Model, train: &Dataset) -> Vec<f32> {
    let mut m = model.clone();
    let mut rng = Rng::new(0); // dropout 0 draws nothing
    (0..train.len())
        .map(|i| m.train_batch(train.image(i), &train.labels[i..i + 1], &mut rng))
        .collect()
}

/// Trains `t` to the end and returns, per epoch, the training indices in the order the
/// trainer used them, recovered from its step losses.
fn observed_order(t: &mut Trainer) -> Vec<Vec<usize>> {
    let params0 = t.model().params().to_vec();
    let losses = sample_losses(t.model(), &t.data().train);
    let mut sorted: Vec<u32> = losses.iter().map(|l| l.to_bits()).collect();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), losses.len(), "sample losses must be distinct");
    t.run_to_end();
    // Trained to its end; a frozen network on random labels may end `collapsed` (at chance).
    assert!(matches!(t.status(), Status::Done | Status::Collapsed));
    assert_eq!(
        t.model().params(),
        &params0[..],
        "the test relies on a rate too small to change any weight"
    );
    let n = losses.len();
    let steps = t.step_losses();
    assert_eq!(steps.len() % n, 0, "batch 1: whole epochs of n steps");
    steps
        .chunks(n)
        .map(|epoch| {
            epoch
                .iter()
                .map(|l| {
                    losses
                        .iter()
                        .position(|s| s.to_bits() == l.to_bits())
                        .unwrap_or_else(|| panic!("step loss {l} is no sample's loss"))
                })
                .collect()
        })
        .collect()
}

#[test]
fn every_epoch_is_a_new_permutation_of_the_training_set() {
    let n = 40;
    let split = random_split(n, 10);
    let mut t = Trainer::new(&frozen_config(n, 4), 1, split).unwrap();
    let orders = observed_order(&mut t);
    assert_eq!(orders.len(), 4);
    let identity: Vec<usize> = (0..n).collect();
    for (e, o) in orders.iter().enumerate() {
        let mut seen = o.clone();
        seen.sort_unstable();
        assert_eq!(
            seen, identity,
            "epoch {e} must see every sample exactly once"
        );
        assert_ne!(o, &identity, "epoch {e} is not shuffled");
    }
    for a in 0..orders.len() {
        for b in a + 1..orders.len() {
            assert_ne!(
                orders[a], orders[b],
                "epochs {a} and {b} use the same order: no reshuffle between epochs"
            );
        }
    }
}

#[test]
fn order_same_gives_every_repeat_the_same_data_order() {
    let n = 30;
    let split = random_split(n, 10);
    let orders = |order: Order| -> Vec<Vec<Vec<usize>>> {
        let cfg = Config {
            repeats: 3,
            order,
            ..frozen_config(n, 2)
        };
        (0..3)
            .map(|r| {
                let mut t = Trainer::new_repeat(&cfg, 1, r, split.clone()).unwrap();
                observed_order(&mut t)
            })
            .collect()
    };
    let same = orders(Order::Same);
    assert_eq!(
        same[0], same[1],
        "order=same: repeats 0 and 1 differ in data order"
    );
    assert_eq!(
        same[0], same[2],
        "order=same: repeats 0 and 2 differ in data order"
    );
    let vary = orders(Order::Vary);
    assert_eq!(
        vary[0], same[0],
        "repeat 0 is the same run under both orders"
    );
    assert_ne!(
        vary[0], vary[1],
        "order=vary: repeats 0 and 1 share a data order"
    );
    assert_ne!(
        vary[1], vary[2],
        "order=vary: repeats 1 and 2 share a data order"
    );
    // The repeats differ in their initial weights all the same (another seed).
    let cfg = Config {
        repeats: 2,
        order: Order::Same,
        ..frozen_config(n, 1)
    };
    let w = |r| {
        Trainer::new_repeat(&cfg, 1, r, split.clone())
            .unwrap()
            .model()
            .params()
            .to_vec()
    };
    assert_ne!(
        w(0),
        w(1),
        "order=same still gives each repeat its own weights"
    );
}

#[test]
fn epoch_records_evaluate_the_test_split() {
    let (n_train, n_test) = (40, 7);
    let mut split = (*random_split(n_train, n_test)).clone();
    // Label the test images with the initial model's own predictions: its test accuracy
    // is then exactly 1, while on the (randomly labelled) training split it is ≈ 0.1.
    let cfg = frozen_config(n_train, 1);
    let model0 = Trainer::new(&cfg, 1, Arc::new(split.clone()))
        .unwrap()
        .model()
        .clone();
    let mut preds = vec![0u8; n_test];
    let mut probs = vec![0f32; n_test * 10];
    model0
        .clone()
        .predict(&split.test.images, &mut preds, &mut probs);
    split.test.labels = preds.clone();
    let (train_loss_sum, train_correct) = model0
        .clone()
        .evaluate(&split.train.images, &split.train.labels);
    assert!(
        train_correct < n_train / 2,
        "the training labels are random"
    );

    let mut t = Trainer::new(&cfg, 1, Arc::new(split.clone())).unwrap();
    let rec = t.run_to_end().last().cloned().expect("one epoch");
    assert_eq!(rec.test_acc, 1.0, "test accuracy of {rec:?}");
    // The mean loss over the 7 test samples: −ln of the predicted class's probability.
    let want: f64 = preds
        .iter()
        .enumerate()
        .map(|(i, &c)| -(probs[i * 10 + c as usize] as f64).ln())
        .sum::<f64>()
        / n_test as f64;
    assert!(
        (rec.test_loss - want).abs() < 1e-5 * want,
        "test loss {} vs {want} from the test split's probabilities",
        rec.test_loss
    );
    assert!((rec.test_loss - train_loss_sum / n_train as f64).abs() > 1e-3);
}

#[test]
fn dropout_keep_scale_is_one_over_one_minus_p() {
    for (p, want) in [(0.0f32, 1.0f32), (0.25, 4.0 / 3.0), (0.5, 2.0), (0.75, 4.0)] {
        assert_eq!(dropout::keep_scale(p), want, "keep scale at p = {p}");
    }
    let p = 0.3f32;
    assert!((dropout::keep_scale(p) as f64 - 1.0 / 0.7).abs() < 1e-6);
    let mut mask = vec![f32::NAN; 200_000];
    dropout::draw_mask(&mut Rng::new(9), p, &mut mask);
    let scale = 1.0 / (1.0 - p);
    assert!(
        mask.iter().all(|&m| m == 0.0 || m == scale),
        "mask values are 0 or 1/(1 − p)"
    );
    let kept = mask.iter().filter(|&&m| m > 0.0).count() as f64 / mask.len() as f64;
    let mean = mask.iter().map(|&m| m as f64).sum::<f64>() / mask.len() as f64;
    assert!((kept - 0.7).abs() < 0.005, "kept share {kept}");
    assert!((mean - 1.0).abs() < 0.01, "mask mean {mean}, expected ≈ 1");
    // In place: the same draws, applied to ones, give the same mask.
    let mut ones = vec![1.0f32; mask.len()];
    dropout::forward_inplace(&mut Rng::new(9), p, &mut ones);
    assert_eq!(ones, mask);
}

/// The model's fused dropout: with zero dense weights every sample has the same output
/// gradient δ, so the dense weight gradient is δ ⊗ (mean of the dropped-out features).
/// Over many copies of one image that mean must match the features without dropout
/// (inverted dropout keeps the expectation), and each unit's value must be a whole number
/// of kept copies times 1/(1 − p).
#[test]
fn model_dropout_keeps_the_expected_activation() {
    let n = 200; // copies of one image, several chunks
    let img = random_set(1, 7);
    let x: Vec<f32> = (0..n).flat_map(|_| img.images.iter().copied()).collect();
    let y = vec![3u8; n];
    let dense_w = |p: f32| -> Vec<f32> {
        let mut m = Model::new(Init::PyTorch, p, &mut Rng::new(4));
        let r = m.param_ranges();
        let (w, b) = (r[2].1.clone(), r[3].1.clone());
        m.params_mut()[w.start..b.end].fill(0.0);
        m.train_batch(&x, &y, &mut Rng::new(8));
        m.grads()[w].to_vec()
    };
    let (g0, p) = (dense_w(0.0), 0.25f32);
    let gp = dense_w(p);
    let hidden = g0.len() / 10;
    // Row 0 (class 0): δ_0 = 0.1 for every sample, times the feature.
    let (mut sum0, mut sump, mut active) = (0.0f64, 0.0f64, 0);
    for j in 0..hidden {
        let (a, b) = (g0[j] as f64, gp[j] as f64);
        sum0 += a;
        sump += b;
        if a > 1e-6 {
            active += 1;
            let copies = b / a / (1.0 / (1.0 - p as f64)) * n as f64;
            assert!(
                (copies - copies.round()).abs() < 0.02,
                "unit {j}: {b} / {a} is not a whole number of copies times 1/(1 − p)"
            );
        }
    }
    assert!(active > 1000, "{active} active units");
    let ratio = sump / sum0;
    assert!(
        (ratio - 1.0).abs() < 0.01,
        "mean dropped-out features / features = {ratio}, expected ≈ 1"
    );
}

/// A synthetic epoch record at batch 8 and rate 0.1: what a landscape cell reads from a
/// run (its step, test accuracy and status), the train and test losses both `loss`.
fn record(epoch: u32, step: u64, loss: f64, acc: f64, status: Status) -> EpochRecord {
    EpochRecord {
        epoch,
        step,
        samples: 8 * step,
        lr: 0.1,
        batch: 8,
        train_loss: loss,
        test_loss: loss,
        test_acc: acc,
        noise_scale: f64::NAN,
        peak_loss: f64::NAN,
        epochs_done: f64::NAN,
        noise_spread: f64::NAN,
        wall_ms: 0.0,
        status,
    }
}

/// The runs of `cfg`'s landscape grid, each with the records `records(b, lr, repeat)` gives
/// for its cell's batch size, learning rate and repeat.
fn fake_runs(
    cfg: &Config,
    records: impl Fn(usize, f64, u32) -> Vec<EpochRecord>,
) -> Vec<RunResult> {
    cfg.runs()
        .iter()
        .enumerate()
        .map(|(i, s)| RunResult {
            run: i,
            config: s.config.clone(),
            repeat: s.repeat,
            records: records(s.config.b0, s.config.lr0, s.repeat),
        })
        .collect()
}

#[test]
fn a_cell_at_chance_without_divergence_is_collapsed() {
    let cfg = Config {
        mode: Mode::Landscape,
        grid_b: vec![8, 64],
        grid_lr: vec![0.01, 1.0, 10.0],
        epochs: 2,
        repeats: 2,
        ..Config::default()
    };
    let rec = |epoch: u32, acc, status| record(epoch, 100 * epoch as u64, 2.3, acc, status);
    let runs = fake_runs(&cfg, |b, lr, repeat| match (b, lr, repeat) {
        // Both repeats end at chance, finished, no divergence: collapsed.
        (8, 1.0, _) => vec![rec(1, 0.2, Status::Running), rec(2, 0.098, Status::Done)],
        // At the threshold exactly: collapsed too (≤).
        (64, 1.0, _) => vec![
            rec(1, CHANCE_ACC, Status::Running),
            rec(2, CHANCE_ACC, Status::Done),
        ],
        // Just above it: not collapsed.
        (64, 0.01, _) => vec![rec(1, 0.11, Status::Running), rec(2, 0.13, Status::Done)],
        // At chance but diverged: crossed out, not greyed.
        (_, 10.0, 0) => vec![rec(1, 0.1, Status::Diverged)],
        _ => vec![rec(1, 0.5, Status::Running), rec(2, 0.9, Status::Done)],
    });
    let l = Landscape::new(&cfg, &runs);
    let cell = |b: usize, lr: f64| {
        let i = l.grid_b.iter().position(|&x| x == b).unwrap();
        let j = l.grid_lr.iter().position(|&x| x == lr).unwrap();
        l.cells[i][j].clone()
    };
    let c = cell(8, 1.0);
    assert!(c.collapsed && !c.diverged, "{c:?}");
    assert_eq!((c.done, c.acc), (2, 0.098));
    assert!(cell(64, 1.0).collapsed, "{:?}", cell(64, 1.0));
    assert!(!cell(64, 0.01).collapsed, "{:?}", cell(64, 0.01));
    for b in [8, 64] {
        let d = cell(b, 10.0);
        assert!(d.diverged && !d.collapsed, "{d:?}");
        assert!(!cell(b, 0.01).diverged);
    }
    assert!(!cell(8, 0.01).collapsed);
    // Steps to the 90 % target, averaged over both repeats: each reaches it at step 200.
    assert_eq!(cell(8, 0.01).steps_to_target, Some(200.0));
    assert_eq!(cell(8, 0.01).loss, 2.3);
    assert!(cell(8, 10.0).loss.is_nan(), "a diverged cell has no loss");
}

/// A cell counts only finished repeats: a run still in its first of two epochs is not
/// averaged in (and cannot be "collapsed"), one whose last record is final is; a cell
/// where one repeat never reaches the target has no steps-to-target.
#[test]
fn landscape_cells_count_finished_runs_only() {
    let cfg = Config {
        mode: Mode::Landscape,
        grid_b: vec![8],
        grid_lr: vec![0.1, 0.2, 0.3],
        epochs: 2,
        repeats: 2,
        target: 50.0,
        ..Config::default()
    };
    let rec = |epoch, step, acc, status| record(epoch, step, 1.0, acc, status);
    let runs = fake_runs(&cfg, |_, lr, repeat| match (lr, repeat) {
        // Still running after epoch 1 of 2 (at chance so far).
        (0.1, _) => vec![rec(1, 10, 0.1, Status::Running)],
        // Stopped by the user after epoch 1: finished, counted.
        (0.2, 0) => vec![rec(1, 10, 0.7, Status::Stopped)],
        (0.2, _) => vec![
            rec(1, 10, 0.3, Status::Running),
            rec(2, 20, 0.9, Status::Done),
        ],
        // One repeat never reaches 50 %.
        (_, 0) => vec![
            rec(1, 10, 0.2, Status::Running),
            rec(2, 20, 0.4, Status::Done),
        ],
        _ => vec![
            rec(1, 10, 0.6, Status::Running),
            rec(2, 20, 0.8, Status::Done),
        ],
    });
    let l = Landscape::new(&cfg, &runs);
    let c = &l.cells[0];
    assert_eq!(c[0].done, 0, "{:?}", c[0]);
    assert!(c[0].acc.is_nan() && !c[0].collapsed, "{:?}", c[0]);
    assert_eq!(c[1].done, 2, "{:?}", c[1]);
    assert!((c[1].acc - 0.8).abs() < 1e-12, "{:?}", c[1]);
    // Repeat 0: from 10 % at step 0 to 70 % at step 10 → 50 % at 6.67; repeat 1: from 30 %
    // at step 10 to 90 % at 20 → 50 % at 13.33; mean 10.
    let steps = c[1].steps_to_target.expect("both repeats reach 50 %");
    assert!((steps - 10.0).abs() < 1e-9, "{steps}");
    assert_eq!(c[2].steps_to_target, None, "{:?}", c[2]);
    assert_eq!(l.best_steps(), vec![(8, Some((steps, 0.2)))]);
    assert_eq!(l.anchor, (cfg.b0, cfg.lr0));
    assert_eq!(l.target, 50.0);
}

/// `train_batch_with_norms` against one `train_batch` per sample (the same dropout draws,
/// made sample by sample in batch order): |g_i|² over all four parameter groups. The conv
/// groups' share is asserted to be well above the tolerance, so leaving them out fails.
#[test]
fn per_example_norms_equal_one_sample_gradient_norms() {
    let n = CHUNK + 9; // two chunks, the second partial
    let set = random_set(n, 31);
    for p in [0.0f32, 0.25] {
        let mut m = Model::new(Init::PyTorch, p, &mut Rng::new(12));
        // Larger dense weights send more gradient back to the conv layer, so its share of
        // |g|² is far above the tolerance (at the initial weights it is well under 1 %).
        let dense = m.param_ranges()[2].1.clone();
        m.params_mut()[dense].iter_mut().for_each(|w| *w *= 20.0);
        let mut norms = vec![0f32; n];
        m.clone()
            .train_batch_with_norms(&set.images, &set.labels, &mut Rng::new(77), &mut norms);
        let conv_end = m.param_ranges()[1].1.end;
        let mut rng = Rng::new(77);
        let mut conv_share = f64::INFINITY;
        for (i, &norm) in norms.iter().enumerate() {
            m.train_batch(set.image(i), &set.labels[i..i + 1], &mut rng);
            let g = m.grads();
            let want = sq_norm(g);
            conv_share = conv_share.min(sq_norm(&g[..conv_end]) / want);
            let got = norm as f64;
            assert!(
                (got - want).abs() <= 1e-5 * want,
                "p = {p}, sample {i}: per-example |g|² {got}, one-sample gradient {want}"
            );
        }
        assert!(
            conv_share > 0.05,
            "p = {p}: the conv term is only {conv_share} of some sample's |g|²"
        );
        eprintln!("p = {p}: the conv term is at least {conv_share:.4} of every |g_i|²");
    }
}

/// tr Σ from B per-example gradients: the sample covariance with Bessel's correction,
/// Σ_i |g_i − ḡ|² / (B − 1), and |G|² = |ḡ|² − tr Σ / B (both unbiased).
#[test]
fn trace_estimate_is_unbiased_at_small_batches() {
    let gs: [[f64; 3]; 3] = [[1.0, -2.0, 0.5], [3.0, 0.0, -1.0], [-0.5, 1.5, 2.0]];
    for b in [2usize, 3] {
        let g = &gs[..b];
        let mean: Vec<f64> = (0..3)
            .map(|d| g.iter().map(|v| v[d]).sum::<f64>() / b as f64)
            .collect();
        let per_example = g
            .iter()
            .map(|v| v.iter().map(|x| x * x).sum::<f64>())
            .sum::<f64>()
            / b as f64;
        let mean_sq: f64 = mean.iter().map(|x| x * x).sum();
        let trace: f64 = g
            .iter()
            .map(|v| {
                v.iter()
                    .zip(&mean)
                    .map(|(x, m)| (x - m) * (x - m))
                    .sum::<f64>()
            })
            .sum::<f64>()
            / (b - 1) as f64;
        let g2 = mean_sq - trace / b as f64;
        let mut ns = NoiseScale::new(b, 0.9);
        ns.add_probe(per_example, mean_sq);
        let e = ns.estimate().expect("one probe");
        assert!(
            (e.trace - trace).abs() < 1e-9 * trace,
            "B = {b}: tr Σ {} vs {trace}",
            e.trace
        );
        assert!(
            (e.g2 - g2).abs() < 1e-9 * trace,
            "B = {b}: |G|² {} vs {g2}",
            e.g2
        );
        if g2 > 0.0 {
            assert!((ns.value() - trace / g2).abs() < 1e-9 * trace / g2);
        }
    }
}

/// The estimator's edges: no value before data, NaN while |G|² is zero or negative (rather
/// than an infinite or negative noise scale), and the bias-corrected average's first values.
#[test]
fn noise_scale_edges() {
    let mut ema = Ema::new(0.5);
    assert_eq!(ema.get(), None, "no average before the first value");
    ema.add(4.0);
    assert_eq!(
        ema.get(),
        Some(4.0),
        "bias-corrected: the first value itself"
    );
    ema.add(1.0);
    // (0.5·0.5·4 + 0.5·1) / (1 − 0.25) = 1.5 / 0.75 = 2.
    assert_eq!(ema.get(), Some(2.0));

    // B = 2, mean per-example |g_i|² = 2, |ḡ|² = 1: |G|² = (2·1 − 2)/(2 − 1) = 0 exactly.
    let mut ns = NoiseScale::new(2, 0.5);
    assert!(ns.estimate().is_none() && ns.value().is_nan());
    ns.add_probe(2.0, 1.0);
    let e = ns.estimate().unwrap();
    assert_eq!((e.trace, e.g2), (2.0, 0.0));
    assert!(
        ns.value().is_nan(),
        "|G|² = 0 gives NaN, not {}",
        ns.value()
    );
    // |ḡ|² below |g_i|²/B: |G|² < 0, again NaN.
    let mut ns = NoiseScale::new(4, 0.5);
    ns.add_probe(8.0, 1.0);
    assert!(ns.estimate().unwrap().g2 < 0.0);
    assert!(ns.value().is_nan());
    // B = 4, mean |g_i|² = 8, |ḡ|² = 4: tr Σ = 4/(3/4) = 16/3, |G|² = (16 − 8)/3 = 8/3,
    // B_simple = 2.
    let mut ns = NoiseScale::new(4, 0.5);
    ns.add_probe(8.0, 4.0);
    assert!((ns.value() - 2.0).abs() < 1e-12, "{}", ns.value());
}
