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
//! cut into batches of the plan's batch for that epoch (the last one smaller when it
//! does not divide N; with batch growth the batch changes at milestones; see
//! `schedule.rs`). Evaluations: the test split is evaluated and an [`EpochRecord`] pushed
//! once before the first step (the untrained network, step 0, epoch 0), after the last
//! batch of every epoch, and `evals − 1` more times evenly within each epoch
//! ([`mid_epoch_eval`]). Evaluating reads the weights and no random stream, so the
//! numbers of training do not depend on `evals`.
//!
//! Noise scale: a few times per epoch the trainer draws a probe batch of
//! [`PROBE_SIZE`] random training samples (from its own stream, so training is
//! unchanged) and takes, at the current weights, the squared norms of each
//! sample's gradient and of their mean: the two batch sizes (1 and
//! PROBE_SIZE) of `noise.rs`'s estimator. Independent of the training batch,
//! so runs with different k are measured alike. The smoothed B_simple goes
//! into each record, beside the batch the epoch trained with. The probes' cadence
//! (steps between two) follows the current batch: when the batch grows, it is
//! recomputed from the new steps per epoch and counted from the phase's first step.
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
//! Divergence: a mini-batch loss that is NaN or infinite stops the run before the update
//! is applied; the run's status becomes `diverged` and a final record for the partial
//! epoch says so. A large finite loss does not: a network blown up to losses of 10⁷ can
//! come back and train (with normalised inputs it does), so it is recorded instead, as
//! the run's `peak_loss`. The `diverge` parameter restores a threshold (`diverge=100`
//! was the rule before: chance level for ten classes is ln 10 ≈ 2.3, and a network
//! that trains never gets near 100 again).
//!
//! Collapse: a run that reaches its end with its last evaluations at the majority-class
//! level ends `collapsed` instead of `done` (`summary::collapsed` is the rule). It is
//! never stopped for it.
//!
//! Range test: with the schedule's ramp (`mode=range`) every step is a record (its rate
//! and loss, no evaluation) and the run ends with the ramp, not with the epochs.
//!
//! Layout: this file steps and records; `eval.rs` evaluates the test split, answers
//! questions about the evaluated weights and probes the gradient noise.

use std::sync::Arc;

use crate::config::{Config, ConfigError, RunSpec};
use crate::data::Split;
use crate::metrics::{EpochRecord, Status};
use crate::model::Model;
use crate::noise::NoiseScale;
use crate::optim::Optimizer;
use crate::rng::{streams, Rng};
use crate::schedule::RunPlan;
use crate::summary::{collapsed, majority_share};

mod eval;
mod parallel;

pub use parallel::{combine, run_epoch_on_threads, shard_range, ShardGradient};

/// Samples per noise-scale probe. Large enough that |mean gradient|² is not
/// swamped by tr(Σ)/PROBE_SIZE for the noise scales this model shows (~10²).
pub const PROBE_SIZE: usize = 256;
/// Noise probes per epoch (one on training sets under 4,000 samples): about 6 %
/// extra work on the article's 8,000 samples.
const PROBES_PER_EPOCH: u64 = 2;
/// EMA decay of the noise statistics per probe: an average over about 20 probes (10
/// epochs of 8,000 samples), long enough that the smoothed |G|² stays positive late in
/// training, where single probes' estimates often are not (see `noise.rs`).
pub const NOISE_EMA: f64 = 0.9;

/// Whether a mini-batch loss stops the run: NaN or infinite always; above `threshold`
/// too when it is positive (the `diverge` parameter; 0 = off).
pub fn diverges(loss: f32, threshold: f64) -> bool {
    !loss.is_finite() || (threshold > 0.0 && loss as f64 > threshold)
}

/// Whether an evaluation falls after step `j` (1-based) of an epoch of `steps` steps when
/// `evals` are made per epoch: the last at the epoch's end (not counted here), the others
/// after steps ⌈i·steps/evals⌉, i = 1 … evals − 1, so they are evenly spaced. An epoch
/// shorter than `evals` steps gets one evaluation per step.
pub fn mid_epoch_eval(j: u64, steps: u64, evals: u32) -> bool {
    let e = evals as u64;
    j < steps && (j * e) / steps > ((j - 1) * e) / steps
}

/// Steps between two noise probes in an epoch of `steps` steps over `n_train` samples:
/// fewer probes on small training sets so the probes (single-sample passes) stay a
/// small share of the work.
fn probe_every(steps: u64, n_train: usize) -> u64 {
    steps.div_ceil((n_train as u64 / 4000).clamp(1, PROBES_PER_EPOCH))
}

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
    /// Largest finite mini-batch loss so far (NaN before the first).
    peak_loss: f64,
    /// Share of the test split's most frequent class (for the collapse rule).
    majority: f64,
    history: Vec<EpochRecord>,
    /// Every mini-batch loss (4 bytes a step: 80 KB for the article's 10 epochs at batch 8).
    step_losses: Vec<f32>,
    probe_rng: Rng,
    /// Steps between two noise probes, counted from `probe_origin` (the first step of the
    /// current batch's phase).
    probe_every: u64,
    probe_origin: u64,
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
    /// (NUM_PARAMS) the combined gradient of a W-shard step (`parallel.rs`); empty when W = 1.
    shard_acc: Vec<f32>,
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
            opt: Optimizer::with_constants(cfg.opt, cfg.momentum, plan.consts),
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
            peak_loss: f64::NAN,
            majority: majority_share(&data.test.labels),
            history: Vec::new(),
            step_losses: Vec::new(),
            probe_rng: Rng::stream(seed, streams::PROBE),
            // Fewer probes on small training sets so the probes (single-sample
            // passes) stay a small share of the work.
            probe_every: probe_every(plan.steps_per_epoch(), n_train),
            probe_origin: 0,
            noise: NoiseScale::new(PROBE_SIZE, NOISE_EMA),
            probe_norms: vec![0.0; PROBE_SIZE],
            probe_idx: vec![0; PROBE_SIZE],
            x: Vec::with_capacity(plan.batch * crate::model::INPUT),
            y: Vec::with_capacity(plan.batch),
            test_logits: Vec::new(),
            eval_step: None,
            clock: None,
            timings: Timings::default(),
            shard_acc: Vec::new(),
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

    /// The largest finite mini-batch loss so far (NaN before the first step).
    pub fn peak_loss(&self) -> f64 {
        self.peak_loss
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
        let end = self.begin_step();
        let loss = if self.cfg.workers > 1 {
            // W shards one after another, combined as W workers combine them (parallel.rs).
            self.sharded_gradient(end)
        } else {
            self.data
                .train
                .gather(&self.order[self.pos..end], &mut self.x, &mut self.y);
            self.model
                .train_batch(&self.x, &self.y, &mut self.dropout_rng)
        };
        self.finish_step(loss, end)
    }

    /// The first half of a step, before the gradient: the untrained network's record at
    /// step 0 and the epoch's shuffle. The end (in `order`) of the step's batch, which
    /// starts at `pos`.
    fn begin_step(&mut self) -> usize {
        if self.step == 0 && self.history.is_empty() {
            // The untrained network: the curves' point at 0, and a real evaluation for
            // steps-to-target to interpolate from.
            self.record(self.plan.schedule.lr_at(0), 0, self.plan.batch);
        }
        let n = self.order.len();
        let batch = self.plan.batch_in_epoch(self.epoch);
        if self.pos == 0 {
            self.shuffle_rng.shuffle(&mut self.order);
            if self.epoch > 0 && batch != self.plan.batch_in_epoch(self.epoch - 1) {
                // A new batch: the probes keep their count per epoch.
                self.probe_origin = self.step;
                self.probe_every = probe_every(self.plan.steps_in_epoch(self.epoch), n);
            }
        }
        (self.pos + batch).min(n)
    }

    /// The second half of a step, with the batch's mean gradient in the model's `grads`
    /// and its mean loss: the update, the bookkeeping, probes and evaluations.
    fn finish_step(&mut self, loss: f32, end: usize) -> Option<f32> {
        let n = self.order.len();
        let batch = self.plan.batch_in_epoch(self.epoch);
        let lr = self.plan.schedule.lr_at(self.step);
        if loss.is_finite() && (self.peak_loss.is_nan() || loss as f64 > self.peak_loss) {
            self.peak_loss = loss as f64;
        }
        if diverges(loss, self.cfg.diverge) {
            self.diverged_at = Some(self.step);
            self.status = Status::Diverged;
            self.epoch_loss_sum += loss as f64;
            self.epoch_batches += 1;
            self.step_losses.push(loss);
            self.record(lr, self.epoch + 1, batch);
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
        if (self.step - self.probe_origin) % self.probe_every == 0 {
            let t0 = self.clock.map_or(0.0, |c| c());
            self.probe_noise();
            if let Some(c) = self.clock {
                self.timings.probe_ms += c() - t0;
                self.timings.probes += 1;
            }
        }
        if self.plan.schedule.ramp.is_some() {
            self.ramp_record(lr, n);
            return Some(loss);
        }
        if self.pos == n {
            self.pos = 0;
            self.epoch += 1;
            if self.epoch >= self.cfg.epochs {
                self.status = Status::Done;
            }
            // Collapse is judged with this evaluation, in `record`.
            self.record(lr, self.epoch, batch);
        } else if mid_epoch_eval(
            self.pos.div_ceil(batch) as u64,
            self.plan.steps_in_epoch(self.epoch),
            self.cfg.evals,
        ) {
            self.record(lr, self.epoch + 1, batch);
        }
        Some(loss)
    }

    /// Range test (`mode=range`): every step is recorded with its rate and loss and no
    /// evaluation (test fields NaN), and the run ends after the ramp's last step, however
    /// many epochs that is (`lr_range.rs` analyses the records).
    fn ramp_record(&mut self, lr: f64, n: usize) {
        if self.pos == n {
            self.pos = 0;
            self.epoch += 1;
        }
        if self.step >= self.plan.total_steps() {
            self.status = Status::Done;
        }
        self.history.push(EpochRecord {
            epoch: self.epoch + 1,
            step: self.step,
            samples: self.samples,
            lr,
            batch: self.plan.batch,
            train_loss: self.epoch_loss_sum / self.epoch_batches.max(1) as f64,
            test_loss: f64::NAN,
            test_acc: f64::NAN,
            noise_scale: f64::NAN,
            noise_spread: f64::NAN,
            peak_loss: self.peak_loss,
            epochs_done: self.samples as f64 / self.order.len() as f64,
            wall_ms: 0.0,
            status: self.status,
        });
        self.epoch_loss_sum = 0.0;
        self.epoch_batches = 0;
    }

    /// Evaluates the test split and records it as an evaluation in `epoch` (see
    /// [`EpochRecord::epoch`]); `lr` and `batch` are those of the last step.
    fn record(&mut self, lr: f64, epoch: u32, batch: usize) {
        let (test_loss, test_acc) = self.evaluate_test();
        let noise = self.noise.with_spread();
        if self.status == Status::Done {
            let accs: Vec<f64> = self
                .history
                .iter()
                .filter(|r| r.step > 0)
                .map(|r| r.test_acc)
                .chain([test_acc])
                .collect();
            if collapsed(&accs, self.majority) {
                self.status = Status::Collapsed;
            }
        }
        self.history.push(EpochRecord {
            epoch,
            step: self.step,
            samples: self.samples,
            lr,
            batch,
            train_loss: if self.epoch_batches == 0 {
                f64::NAN
            } else {
                self.epoch_loss_sum / self.epoch_batches as f64
            },
            test_loss,
            test_acc,
            noise_scale: noise.value,
            noise_spread: noise.spread,
            peak_loss: self.peak_loss,
            epochs_done: self.samples as f64 / self.order.len() as f64,
            wall_ms: 0.0,
            status: self.status,
        });
        self.epoch_loss_sum = 0.0;
        self.epoch_batches = 0;
    }
}
