//! The trainer: one run (one k) of an experiment, advanced a few optimizer
//! steps at a time.
//!
//! Pure: no clock, no DOM, no files. The caller owns the loop and the time:
//! the CLI calls [`Trainer::run_epoch`] until the end, a Web Worker calls
//! [`Trainer::step`] with small `n` so it can yield between chunks and see a
//! pause at once. Everything random comes from the config's seed through
//! independent streams (init, shuffle, dropout), so two trainers with the same
//! config produce bit-identical records, natively and in wasm; runs of one
//! experiment that differ only in k start from the same weights and see the
//! training samples in the same order.
//!
//! Epochs: the training indices are reshuffled at the start of every epoch and
//! cut into batches of B (the last one smaller when B does not divide N; see
//! `schedule.rs`). After the last batch the test split is evaluated and an
//! [`EpochRecord`] is pushed.
//!
//! Noise scale: a few times per epoch the trainer draws a probe batch of
//! [`PROBE_SIZE`] random training samples (from its own stream, so training is
//! unchanged) and takes, at the current weights, the squared norms of each
//! sample's gradient and of their mean: the two batch sizes (1 and
//! PROBE_SIZE) of `noise.rs`'s estimator. Independent of the training batch,
//! so runs with different k are measured alike. The smoothed B_simple goes
//! into each record.
//!
//! Epoch-end answers: the evaluation at the end of an epoch keeps the test split's logits,
//! so questions about those weights (the confusion matrix, predictions for some test
//! samples) are answered from them without a second forward pass: at once while the
//! weights are unchanged ([`Trainer::confusion`], [`Trainer::predict_test`]), and on request
//! about the last epoch's end even after training went on ([`Trainer::epoch_confusion`],
//! [`Trainer::epoch_predict`], what the page's live view shows "after epoch N").
//!
//! Timings: the caller may hand the trainer a clock ([`Trainer::set_clock`]); it then adds up
//! the time spent evaluating and probing ([`Trainer::timings`]), so a shell can split a
//! run's time into training steps, evaluation, probes and its own overhead. Without a clock
//! nothing is timed. The clock is only read, never used to decide anything.
//!
//! Divergence: a mini-batch loss that is NaN, infinite or above
//! [`DIVERGENCE_LOSS`] stops the run before the update is applied; the run's
//! status becomes `diverged` and a final record for the partial epoch says so.

use std::sync::Arc;

use crate::config::{Config, ConfigError, RunSpec};
use crate::data::Split;
use crate::metrics::{EpochRecord, Status};
use crate::model::Model;
use crate::noise::{sq_norm, NoiseScale};
use crate::optim::Optimizer;
use crate::rng::{streams, Rng};
use crate::schedule::RunPlan;

/// A mini-batch loss above this marks the run as diverged. Chance level for
/// ten classes is ln 10 ≈ 2.3; a network that trains never gets near 100 again
/// once there, and past it the logits overflow soon after.
pub const DIVERGENCE_LOSS: f32 = 100.0;

/// Samples per noise-scale probe. Large enough that |mean gradient|² is not
/// swamped by tr(Σ)/PROBE_SIZE for the noise scales this model shows (~10²).
pub const PROBE_SIZE: usize = 256;
/// Noise probes per epoch (one on training sets under 4,000 samples): about 6 %
/// extra work on the article's 8,000 samples.
const PROBES_PER_EPOCH: u64 = 2;
/// EMA decay of the noise statistics per probe.
const NOISE_EMA: f64 = 0.7;

/// A clock for [`Trainer::set_clock`]: milliseconds from any fixed origin.
pub type Clock = fn() -> f64;

/// Time a trainer spent outside its training steps, by the clock of [`Trainer::set_clock`]
/// (all zero without one). Training-step time is the caller's total minus these.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Timings {
    /// Milliseconds evaluating the test split, and how many evaluations.
    pub eval_ms: f64,
    pub evals: u64,
    /// Milliseconds in noise-scale probes, and how many probes.
    pub probe_ms: f64,
    pub probes: u64,
}

pub struct Trainer {
    cfg: Config,
    plan: RunPlan,
    data: Arc<Split>,
    model: Model,
    opt: Optimizer,
    shuffle_rng: Rng,
    dropout_rng: Rng,
    /// Training indices of the current epoch, in batch order.
    order: Vec<usize>,
    /// Position in `order` of the next batch.
    pos: usize,
    epoch: u32,
    step: u64,
    samples: u64,
    epoch_loss_sum: f64,
    epoch_batches: u32,
    status: Status,
    diverged_at: Option<u64>,
    history: Vec<EpochRecord>,
    /// Every mini-batch loss (4 bytes a step: 80 KB for the article's 10 epochs at batch 8).
    step_losses: Vec<f32>,
    probe_rng: Rng,
    /// Steps between two noise probes.
    probe_every: u64,
    noise: NoiseScale,
    probe_norms: Vec<f32>, // (PROBE_SIZE)
    probe_idx: Vec<usize>, // (PROBE_SIZE)
    // Reused batch buffers (no allocation per step).
    x: Vec<f32>, // (B, 784)
    y: Vec<u8>,  // (B)
    /// (N_test, 10) logits of the last test evaluation, and the step count it was made at
    /// (weights change exactly when `step` grows).
    test_logits: Vec<f32>,
    eval_step: Option<u64>,
    clock: Option<Clock>,
    timings: Timings,
}

/// What a call to [`Trainer::step`] did.
#[derive(Clone, Debug, PartialEq)]
pub struct StepReport {
    /// Optimizer steps taken by this call.
    pub steps: u64,
    /// Mini-batch loss of the last step taken (NaN if none).
    pub last_loss: f32,
    /// Epochs finished during this call.
    pub epochs: Vec<EpochRecord>,
    pub status: Status,
}

impl Trainer {
    /// A trainer for `cfg` restricted to multiplier `k` (which need not be in `cfg.k`).
    pub fn new(cfg: &Config, k: u32, data: Arc<Split>) -> Result<Trainer, ConfigError> {
        Trainer::new_repeat(cfg, k, 0, data)
    }

    /// The trainer of one run of an experiment (see [`Config::runs`]).
    pub fn for_run(run: &RunSpec, data: Arc<Split>) -> Result<Trainer, ConfigError> {
        Trainer::new_repeat(&run.config, run.k, run.repeat, data)
    }

    /// Repeat `repeat` of the run with multiplier `k`: its seeds come from
    /// [`Config::seeds`] (init, dropout and probes from one, shuffling from the other).
    pub fn new_repeat(
        cfg: &Config,
        k: u32,
        repeat: u32,
        data: Arc<Split>,
    ) -> Result<Trainer, ConfigError> {
        let cfg = cfg.with_k(k);
        cfg.validate()?;
        let n_train = cfg.train.min(data.train.len());
        if n_train == 0 || data.test.is_empty() {
            return Err(ConfigError {
                param: "train".into(),
                value: cfg.train.to_string(),
                message: "the data set has no training or no test samples".into(),
            });
        }
        if repeat >= cfg.repeats {
            return Err(ConfigError {
                param: "repeats".into(),
                value: cfg.repeats.to_string(),
                message: format!("repeat {repeat} does not exist"),
            });
        }
        let plan = RunPlan::new(&cfg, k, n_train);
        let (seed, shuffle_seed) = cfg.seeds(repeat);
        let mut init_rng = Rng::stream(seed, streams::INIT);
        let model = Model::new(cfg.init, cfg.dropout as f32, &mut init_rng);
        Ok(Trainer {
            opt: Optimizer::new(cfg.opt, cfg.momentum),
            shuffle_rng: Rng::stream(shuffle_seed, streams::SHUFFLE),
            dropout_rng: Rng::stream(seed, streams::DROPOUT),
            order: (0..n_train).collect(),
            pos: 0,
            epoch: 0,
            step: 0,
            samples: 0,
            epoch_loss_sum: 0.0,
            epoch_batches: 0,
            status: Status::Running,
            diverged_at: None,
            history: Vec::new(),
            step_losses: Vec::new(),
            probe_rng: Rng::stream(seed, streams::PROBE),
            // Fewer probes on small training sets so the probes (single-sample
            // passes) stay a small share of the work.
            probe_every: plan
                .steps_per_epoch()
                .div_ceil((n_train as u64 / 4000).clamp(1, PROBES_PER_EPOCH)),
            noise: NoiseScale::new(PROBE_SIZE, NOISE_EMA, NOISE_EMA),
            probe_norms: vec![0.0; PROBE_SIZE],
            probe_idx: vec![0; PROBE_SIZE],
            x: Vec::with_capacity(plan.batch * crate::model::INPUT),
            y: Vec::with_capacity(plan.batch),
            test_logits: Vec::new(),
            eval_step: None,
            clock: None,
            timings: Timings::default(),
            cfg,
            plan,
            data,
            model,
        })
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    pub fn plan(&self) -> &RunPlan {
        &self.plan
    }

    pub fn status(&self) -> Status {
        self.status
    }

    /// The optimizer step at which the run diverged.
    pub fn diverged_at(&self) -> Option<u64> {
        self.diverged_at
    }

    pub fn history(&self) -> &[EpochRecord] {
        &self.history
    }

    /// Every mini-batch loss so far, one per optimizer step.
    pub fn step_losses(&self) -> &[f32] {
        &self.step_losses
    }

    pub fn steps_done(&self) -> u64 {
        self.step
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn data(&self) -> &Split {
        &self.data
    }

    /// Times evaluation and noise probes with `clock` from now on (see [`Timings`]).
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = Some(clock);
    }

    /// Time spent evaluating and probing so far (zeros without a clock).
    pub fn timings(&self) -> Timings {
        self.timings
    }

    /// Marks the run as stopped by the user; further steps do nothing.
    pub fn stop(&mut self) {
        if self.status == Status::Running {
            self.status = Status::Stopped;
        }
    }

    /// Takes up to `n` optimizer steps (fewer when the run ends or diverges).
    pub fn step(&mut self, n: u64) -> StepReport {
        let before = self.history.len();
        let mut steps = 0;
        let mut last_loss = f32::NAN;
        while steps < n && self.status == Status::Running {
            if let Some(loss) = self.one_step() {
                steps += 1;
                last_loss = loss;
            }
        }
        StepReport {
            steps,
            last_loss,
            epochs: self.history[before..].to_vec(),
            status: self.status,
        }
    }

    /// Runs to the end of the current epoch; its record, or `None` if the run had already ended.
    pub fn run_epoch(&mut self) -> Option<EpochRecord> {
        let before = self.history.len();
        while self.status == Status::Running {
            self.one_step();
            if self.pos == 0 {
                break;
            }
        }
        (self.history.len() > before)
            .then(|| self.history.last().cloned())
            .flatten()
    }

    /// Runs every remaining epoch.
    pub fn run_to_end(&mut self) -> &[EpochRecord] {
        while self.run_epoch().is_some() {}
        &self.history
    }

    /// One optimizer step; the mini-batch loss, or `None` if the run diverged on it.
    fn one_step(&mut self) -> Option<f32> {
        let n = self.order.len();
        if self.pos == 0 {
            self.shuffle_rng.shuffle(&mut self.order);
        }
        let end = (self.pos + self.plan.batch).min(n);
        self.data
            .train
            .gather(&self.order[self.pos..end], &mut self.x, &mut self.y);
        let lr = self.plan.schedule.lr_at(self.step);
        let loss = self
            .model
            .train_batch(&self.x, &self.y, &mut self.dropout_rng);
        if !loss.is_finite() || loss > DIVERGENCE_LOSS {
            self.diverged_at = Some(self.step);
            self.status = Status::Diverged;
            self.epoch_loss_sum += loss as f64;
            self.epoch_batches += 1;
            self.step_losses.push(loss);
            self.finish_epoch(lr);
            return None;
        }
        let (params, grads) = self.model.params_and_grads();
        self.opt.step(params, grads, lr as f32);
        self.step += 1;
        self.samples += (end - self.pos) as u64;
        self.epoch_loss_sum += loss as f64;
        self.epoch_batches += 1;
        self.step_losses.push(loss);
        self.pos = end;
        if self.step % self.probe_every == 0 {
            let t0 = self.clock.map_or(0.0, |c| c());
            self.probe_noise();
            if let Some(c) = self.clock {
                self.timings.probe_ms += c() - t0;
                self.timings.probes += 1;
            }
        }
        if self.pos == n {
            self.pos = 0;
            self.epoch += 1;
            if self.epoch >= self.cfg.epochs {
                self.status = Status::Done;
            }
            self.finish_epoch(lr);
        }
        Some(loss)
    }

    /// Evaluates the test split and records the epoch just ended (or cut short).
    fn finish_epoch(&mut self, lr: f64) {
        let (test_loss, test_acc) = self.evaluate_test();
        let epoch = if self.status == Status::Diverged {
            self.epoch + 1
        } else {
            self.epoch
        };
        self.history.push(EpochRecord {
            epoch,
            step: self.step,
            samples: self.samples,
            lr,
            batch: self.plan.batch,
            train_loss: self.epoch_loss_sum / self.epoch_batches.max(1) as f64,
            test_loss,
            test_acc,
            noise_scale: self.noise.value(),
            wall_ms: 0.0,
            status: self.status,
        });
        self.epoch_loss_sum = 0.0;
        self.epoch_batches = 0;
    }

    /// The smoothed gradient noise scale B_simple so far (NaN before the first probe).
    pub fn noise_scale(&self) -> f64 {
        self.noise.value()
    }

    /// One noise-scale probe: per-example and mean gradient norms of random
    /// training samples. Overwrites the model's gradient buffer, so it runs
    /// after the update.
    fn probe_noise(&mut self) {
        let n = self.order.len();
        for i in self.probe_idx.iter_mut() {
            *i = self.probe_rng.below(n);
        }
        self.data
            .train
            .gather(&self.probe_idx, &mut self.x, &mut self.y);
        self.model.train_batch_with_norms(
            &self.x,
            &self.y,
            &mut self.probe_rng,
            &mut self.probe_norms,
        );
        let mean_example =
            self.probe_norms.iter().map(|&v| v as f64).sum::<f64>() / PROBE_SIZE as f64;
        self.noise.add_example(mean_example);
        self.noise.add_batch(sq_norm(self.model.grads()));
    }

    /// (mean test loss, test accuracy) of the current weights. Keeps the test logits for
    /// the epoch-end answers (timed when a clock is set).
    pub fn evaluate_test(&mut self) -> (f64, f64) {
        let t0 = self.clock.map_or(0.0, |c| c());
        let test = &self.data.test;
        // Allocated at the first evaluation, reused after.
        self.test_logits
            .resize(test.len() * crate::model::CLASSES, 0.0);
        let (loss_sum, correct) =
            self.model
                .evaluate_keep_logits(&test.images, &test.labels, &mut self.test_logits);
        self.eval_step = Some(self.step);
        if let Some(c) = self.clock {
            self.timings.eval_ms += c() - t0;
            self.timings.evals += 1;
        }
        let n = test.len().max(1) as f64;
        (loss_sum / n, correct as f64 / n)
    }

    /// The step count of the last evaluation whose logits are kept, if any (the end of the
    /// last finished epoch, unless `evaluate_test` was called since).
    pub fn evaluated_at(&self) -> Option<u64> {
        self.eval_step
    }

    /// Whether the kept logits belong to the current weights.
    fn logits_current(&self) -> bool {
        self.eval_step == Some(self.step)
    }

    /// [`Trainer::predict_test`] for the weights of the last evaluation (see
    /// [`Trainer::evaluated_at`]), from its kept logits; `None` before the first. Indices
    /// must be in the test split (asserted).
    pub fn epoch_predict(&self, indices: &[usize]) -> Option<(Vec<u8>, Vec<f32>)> {
        use crate::model::CLASSES;
        self.eval_step?;
        let mut preds = vec![0u8; indices.len()];
        let mut probs = vec![0f32; indices.len() * CLASSES];
        for ((&i, pred), q) in indices
            .iter()
            .zip(&mut preds)
            .zip(probs.chunks_exact_mut(CLASSES))
        {
            let z = &self.test_logits[i * CLASSES..(i + 1) * CLASSES];
            crate::nn::softmax_xent::softmax(z, CLASSES, q);
            *pred = crate::nn::softmax_xent::argmax(z) as u8;
        }
        Some((preds, probs))
    }

    /// [`Trainer::confusion`] for the weights of the last evaluation, from its kept logits;
    /// `None` before the first.
    pub fn epoch_confusion(&self) -> Option<[[u32; 10]; 10]> {
        use crate::model::CLASSES;
        self.eval_step?;
        let mut m = [[0u32; 10]; 10];
        for (&t, z) in self
            .data
            .test
            .labels
            .iter()
            .zip(self.test_logits.chunks_exact(CLASSES))
        {
            m[t as usize][crate::nn::softmax_xent::argmax(z)] += 1;
        }
        Some(m)
    }

    /// Predictions (class, softmax probabilities (N, 10)) for the given test samples.
    pub fn predict_test(&mut self, indices: &[usize]) -> (Vec<u8>, Vec<f32>) {
        if self.logits_current() {
            if let Some(p) = self.epoch_predict(indices) {
                return p;
            }
        }
        let mut x = Vec::new();
        let mut y = Vec::new();
        self.data.test.gather(indices, &mut x, &mut y);
        let mut preds = vec![0u8; indices.len()];
        let mut probs = vec![0f32; indices.len() * crate::model::CLASSES];
        self.model.predict(&x, &mut preds, &mut probs);
        (preds, probs)
    }

    /// Confusion matrix on the whole test split: `m[true][predicted]`.
    pub fn confusion(&mut self) -> [[u32; 10]; 10] {
        if self.logits_current() {
            if let Some(m) = self.epoch_confusion() {
                return m;
            }
        }
        let test = &self.data.test;
        let mut preds = vec![0u8; test.len()];
        let mut probs = vec![0f32; test.len() * crate::model::CLASSES];
        self.model.predict(&test.images, &mut preds, &mut probs);
        let mut m = [[0u32; 10]; 10];
        for (&t, &p) in test.labels.iter().zip(&preds) {
            m[t as usize][p as usize] += 1;
        }
        m
    }
}
