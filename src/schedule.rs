//! Scaling rules and learning-rate schedules: from (B0, η0, k, rule) to the
//! batch size and the learning rate of every optimizer step.
//!
//! **Batch.** B = min(B0·k, N) for a training set of N samples; B0 = `full`
//! means B = N (batch gradient descent). An epoch is ⌈N / B⌉ steps: the last
//! batch of an epoch holds the N mod B samples left over (when N is not a
//! multiple of B) and its gradient is the mean over those samples, as PyTorch
//! does with `drop_last=False`. No sample is dropped or seen twice per epoch.
//!
//! **Scaled rate.** The rule is applied to the multiplier actually realised,
//! κ = k_eff = B / B0 (equal to k unless B0·k was capped at N, and 1 for `full`):
//! `none` → η0, `linear` → κ·η0, `sqrt` → √κ·η0, `sde` → the SDE rule of Malladi
//! et al. (2022): for Adam √κ·η0 with 1 − β1 and 1 − β2 multiplied by κ (each capped
//! at 1, i.e. β at 0, where the rule has long stopped holding) and ε divided by √κ;
//! for Adagrad √κ·η0 and ε / √κ; for SGD, momentum and Nesterov, whose SDE is
//! matched by linear scaling, κ·η0 (momentum unchanged). The optimizer takes its β and
//! ε from the plan ([`OptConstants`]); every other rule keeps PyTorch's defaults.
//!
//! **Schedule.** Gradual warmup (Goyal et al. 2017): over the first W epochs
//! the rate rises linearly per step from η0 to the scaled rate η. After it,
//! `decay` applies: none (η), step or cosine (η·½(1 + cos πt), t going from 0 to 1
//! over the steps after warmup). Step decay divides the rate by `factor` (F) at each
//! milestone m (from epoch m + 1 on, i.e. after m epochs; by default F = 10 at 50 %
//! and 75 % of the epochs, the old ×0.1 and ×0.01).
//!
//! **Batch growth** (Smith, Kindermans, Ying & Le 2018, "Don't decay the learning
//! rate, increase the batch size"). With step decay, a run's `grow` share s puts
//! F^s of each milestone's factor into the batch and F^(1−s) into the rate: after j
//! milestones the batch is B_j = min(round(B·F^(s·j)), N) and the rate
//! η_j = η·(B_j / B) / F^j, so the SGD noise scale η/B falls by exactly F^j whatever
//! the split. s = 0 is plain step decay; s = 1 keeps η and multiplies the batch by F.
//! **At the cap** (B_j = N, full batch) the factor the batch cannot take goes into
//! the rate (η_j = η·N / (B·F^j)), as Smith et al. do once the batch can grow no
//! more; rounding a fractional batch is compensated the same way. Steps per epoch
//! then differ between epochs: the schedule is a list of [`Phase`]s (one per
//! milestone passed), each with its batch, steps per epoch, first step and rate
//! factor. Pure arithmetic: no state, no clock.
//!
//! **Range test** (`mode=range`): the rate instead rises exponentially per step from
//! `range_lo` to `range_hi` over `range_steps` steps ([`Ramp`]), whatever the epochs.

use crate::config::{
    Config, Decay, Mode, Opt, Rule, ADAGRAD_EPS, ADAM_BETA1, ADAM_BETA2, ADAM_EPS,
};

/// How a run of the experiment trains: everything derived from (config, k, N).
#[derive(Clone, Debug, PartialEq)]
pub struct RunPlan {
    pub k: u32,
    /// Samples in the training set actually used.
    pub n_train: usize,
    /// Base batch B0 as realised (N for `full`).
    pub b0: usize,
    /// Batch size B = min(B0·k, N) of the first epoch (later epochs: [`RunPlan::batch_in_epoch`]).
    pub batch: usize,
    /// Realised multiplier B / B0.
    pub k_eff: f64,
    /// Scaled learning rate η.
    pub lr: f64,
    /// The optimizer's β1, β2 and ε for this run.
    pub consts: OptConstants,
    pub schedule: Schedule,
}

impl RunPlan {
    pub fn new(cfg: &Config, k: u32, n_train: usize) -> RunPlan {
        let n = n_train.max(1);
        let b0 = if cfg.b0 == 0 { n } else { cfg.b0.min(n) };
        let batch = b0.saturating_mul(k as usize).min(n);
        let k_eff = batch as f64 / b0 as f64;
        let lr = cfg.lr0 * scale_factor(cfg.rule, cfg.opt, k_eff);
        let phases = phases(cfg, batch, n);
        let warmup_steps = (0..cfg.warmup)
            .map(|e| phase_of(&phases, e).steps_per_epoch)
            .sum();
        RunPlan {
            k,
            n_train: n,
            b0,
            batch,
            k_eff,
            lr,
            consts: OptConstants::scaled(cfg.opt, cfg.rule, k_eff),
            schedule: Schedule {
                lr0: cfg.lr0,
                lr,
                warmup_steps,
                epochs: cfg.epochs,
                decay: cfg.decay,
                phases,
                ramp: (cfg.mode == Mode::Range).then_some(Ramp {
                    lo: cfg.range_lo,
                    hi: cfg.range_hi,
                    steps: cfg.range_steps as u64,
                }),
            },
        }
    }

    /// Steps of the first epoch (of every epoch unless the batch grows).
    pub fn steps_per_epoch(&self) -> u64 {
        self.schedule.phases[0].steps_per_epoch
    }

    pub fn total_steps(&self) -> u64 {
        self.schedule.total_steps()
    }

    /// The batch of epoch `epoch` (0-based).
    pub fn batch_in_epoch(&self, epoch: u32) -> usize {
        phase_of(&self.schedule.phases, epoch).batch
    }

    /// The steps of epoch `epoch` (0-based).
    pub fn steps_in_epoch(&self, epoch: u32) -> u64 {
        phase_of(&self.schedule.phases, epoch).steps_per_epoch
    }
}

/// The factor a rule multiplies η0 by for a batch k times larger, for optimizer `opt`.
pub fn scale_factor(rule: Rule, opt: Opt, k: f64) -> f64 {
    match rule {
        Rule::None => 1.0,
        Rule::Linear => k,
        Rule::Sqrt => k.sqrt(),
        Rule::Sde => match opt {
            Opt::Adam | Opt::Adagrad => k.sqrt(),
            Opt::Sgd | Opt::Momentum | Opt::Nesterov => k,
        },
    }
}

/// The optimizer's constants: Adam's β1, β2 and ε, Adagrad's ε (β unused).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OptConstants {
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
}

impl OptConstants {
    /// PyTorch's defaults for `opt` (β1 0.9, β2 0.999, ε 1e-8; Adagrad ε 1e-10).
    pub fn defaults(opt: Opt) -> OptConstants {
        OptConstants {
            beta1: ADAM_BETA1,
            beta2: ADAM_BETA2,
            eps: if opt == Opt::Adagrad {
                ADAGRAD_EPS
            } else {
                ADAM_EPS
            },
        }
    }

    /// The constants of a run with realised multiplier κ under `rule`: the defaults,
    /// except under `sde`: for Adam 1 − β multiplied by κ (β = max(1 − κ(1 − β), 0))
    /// and ε / √κ, for Adagrad ε / √κ. κ = 1 returns the defaults exactly.
    pub fn scaled(opt: Opt, rule: Rule, kappa: f64) -> OptConstants {
        let d = OptConstants::defaults(opt);
        if rule != Rule::Sde || kappa == 1.0 {
            return d;
        }
        let beta = |b: f32| (1.0 - kappa * (1.0 - b as f64)).max(0.0) as f32;
        let eps = (d.eps as f64 / kappa.sqrt()) as f32;
        match opt {
            Opt::Adam => OptConstants {
                beta1: beta(d.beta1),
                beta2: beta(d.beta2),
                eps,
            },
            Opt::Adagrad => OptConstants { eps, ..d },
            Opt::Sgd | Opt::Momentum | Opt::Nesterov => d,
        }
    }
}

/// From epoch `epoch` on (until the next phase): this batch, this many steps per
/// epoch, the first of them at step `first_step`, and the rate multiplied by `scale`.
#[derive(Clone, Debug, PartialEq)]
pub struct Phase {
    pub epoch: u32,
    pub first_step: u64,
    pub batch: usize,
    pub steps_per_epoch: u64,
    pub scale: f64,
}

/// The milestones of step decay that fall within the run, ascending: the config's, or
/// 50 % and 75 % of the epochs (as whole epochs; the second only from 4 epochs on).
pub fn milestones(cfg: &Config) -> Vec<u32> {
    let e = cfg.epochs;
    let mut m: Vec<u32> = if cfg.milestones.is_empty() {
        [(e >= 2).then_some(e / 2), (e >= 4).then_some(e * 3 / 4)]
            .into_iter()
            .flatten()
            .collect()
    } else {
        cfg.milestones.clone()
    };
    m.retain(|&x| x < e);
    m.sort_unstable();
    m.dedup();
    m
}

/// The phases of a run whose first batch is `batch` on `n` samples (see the module doc).
fn phases(cfg: &Config, batch: usize, n: usize) -> Vec<Phase> {
    let mut out = vec![Phase {
        epoch: 0,
        first_step: 0,
        batch,
        steps_per_epoch: n.div_ceil(batch) as u64,
        scale: 1.0,
    }];
    if cfg.decay != Decay::Step {
        return out;
    }
    let s = cfg.grow_share();
    // F^j by repeated multiplication, so 1 / F^j is exactly 0.1 and 0.01 for F = 10.
    let mut f_j = 1.0f64;
    for (j, &m) in milestones(cfg).iter().enumerate() {
        let j = j as f64 + 1.0;
        f_j *= cfg.factor;
        let grown = if s == 0.0 {
            batch
        } else {
            let ideal = batch as f64 * libm::pow(cfg.factor, s * j);
            (libm::round(ideal) as usize).clamp(1, n)
        };
        let prev = out.last().expect("at least the first phase");
        let first_step = prev.first_step + (m - prev.epoch) as u64 * prev.steps_per_epoch;
        out.push(Phase {
            epoch: m,
            first_step,
            batch: grown,
            steps_per_epoch: n.div_ceil(grown) as u64,
            // (B_j / B) is 1.0 exactly without growth: the rate is η·(1 / F^j) as before.
            scale: grown as f64 / batch as f64 * (1.0 / f_j),
        });
    }
    out
}

/// The phase epoch `epoch` belongs to.
fn phase_of(phases: &[Phase], epoch: u32) -> &Phase {
    phases
        .iter()
        .rev()
        .find(|p| p.epoch <= epoch)
        .unwrap_or(&phases[0])
}

/// The learning rate as a function of the optimizer step.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    /// Start of warmup (the base rate η0).
    pub lr0: f64,
    /// The scaled rate η reached after warmup.
    pub lr: f64,
    pub warmup_steps: u64,
    pub epochs: u32,
    pub decay: Decay,
    /// At least one; the first starts at epoch 0 (see [`Phase`]).
    pub phases: Vec<Phase>,
    /// The range test's exponential ramp, replacing everything above when set.
    pub ramp: Option<Ramp>,
}

/// The range test's rate: lo·(hi/lo)^(t/(steps − 1)) at step t, so step 0 uses `lo` and
/// the last step `hi`, equally spaced in log η.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ramp {
    pub lo: f64,
    pub hi: f64,
    pub steps: u64,
}

impl Ramp {
    pub fn lr_at(&self, step: u64) -> f64 {
        let t = step.min(self.steps.saturating_sub(1)) as f64 / (self.steps.max(2) - 1) as f64;
        self.lo * libm::pow(self.hi / self.lo, t)
    }
}

impl Schedule {
    pub fn total_steps(&self) -> u64 {
        if let Some(r) = self.ramp {
            return r.steps;
        }
        let last = self.phases.last().expect("at least the first phase");
        last.first_step + self.epochs.saturating_sub(last.epoch) as u64 * last.steps_per_epoch
    }

    /// The phase of optimizer step `step` (0-based).
    fn phase_at(&self, step: u64) -> &Phase {
        self.phases
            .iter()
            .rev()
            .find(|p| p.first_step <= step)
            .unwrap_or(&self.phases[0])
    }

    /// The (0-based) epoch of optimizer step `step`.
    pub fn epoch_at(&self, step: u64) -> u32 {
        let p = self.phase_at(step);
        p.epoch + ((step - p.first_step) / p.steps_per_epoch.max(1)) as u32
    }

    /// The rate used by optimizer step `step` (0-based).
    pub fn lr_at(&self, step: u64) -> f64 {
        if let Some(r) = self.ramp {
            return r.lr_at(step);
        }
        if step < self.warmup_steps {
            // Step 0 uses η0 exactly; the last warmup step is one increment below η.
            let t = step as f64 / self.warmup_steps as f64;
            return self.lr0 + (self.lr - self.lr0) * t;
        }
        match self.decay {
            Decay::None => self.lr,
            Decay::Step => self.lr * self.phase_at(step).scale,
            Decay::Cosine => {
                let span = self.total_steps().saturating_sub(self.warmup_steps).max(1);
                let t = (step - self.warmup_steps) as f64 / span as f64;
                self.lr * 0.5 * (1.0 + libm::cos(std::f64::consts::PI * t.min(1.0)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(q: &str) -> Config {
        Config::from_query(q).unwrap()
    }

    #[test]
    fn rules() {
        assert_eq!(scale_factor(Rule::None, Opt::Sgd, 4.0), 1.0);
        assert_eq!(scale_factor(Rule::Linear, Opt::Sgd, 4.0), 4.0);
        assert_eq!(scale_factor(Rule::Sqrt, Opt::Sgd, 4.0), 2.0);
        assert_eq!(scale_factor(Rule::Sde, Opt::Adam, 4.0), 2.0);
        assert_eq!(scale_factor(Rule::Sde, Opt::Adagrad, 9.0), 3.0);
        assert_eq!(scale_factor(Rule::Sde, Opt::Momentum, 4.0), 4.0);
        let p = RunPlan::new(&cfg("k=7"), 7, 8000);
        assert_eq!((p.batch, p.k_eff), (56, 7.0));
        assert!((p.lr - 0.007).abs() < 1e-15);
        let p = RunPlan::new(&cfg("rule=sqrt&lr0=0.01"), 9, 8000);
        assert!((p.lr - 0.03).abs() < 1e-15);
        assert_eq!(RunPlan::new(&cfg("rule=none"), 5, 8000).lr, 0.001);
    }

    #[test]
    fn batches_and_caps() {
        let p = RunPlan::new(&cfg(""), 1, 8000);
        assert_eq!((p.batch, p.steps_per_epoch()), (8, 1000));
        // 8000 / 24 = 333.3: 334 steps, the last one of 8 samples.
        let p = RunPlan::new(&cfg(""), 3, 8000);
        assert_eq!((p.batch, p.steps_per_epoch()), (24, 334));
        // B0·k capped at N: the rule uses the realised ratio.
        let p = RunPlan::new(&cfg("b0=1000&lr0=0.01"), 16, 8000);
        assert_eq!((p.batch, p.k_eff, p.steps_per_epoch()), (8000, 8.0, 1));
        assert!((p.lr - 0.08).abs() < 1e-15);
        let p = RunPlan::new(&cfg("b0=full"), 4, 8000);
        assert_eq!((p.b0, p.batch, p.k_eff, p.lr), (8000, 8000, 1.0, 0.001));
        let p = RunPlan::new(&cfg("b0=1"), 1, 8000);
        assert_eq!((p.batch, p.steps_per_epoch()), (1, 8000));
    }

    #[test]
    fn warmup_rises_linearly_per_step() {
        // k=4, η0=0.1 → η=0.4; 2 warmup epochs of 10 steps (N=80, B=8).
        let p = RunPlan::new(&cfg("lr0=0.1&warmup=2&b0=2"), 4, 80);
        let s = &p.schedule;
        assert_eq!((s.warmup_steps, p.steps_per_epoch()), (20, 10));
        assert!((s.lr_at(0) - 0.1).abs() < 1e-12);
        assert!((s.lr_at(10) - 0.25).abs() < 1e-12);
        assert!((s.lr_at(19) - (0.1 + 0.3 * 19.0 / 20.0)).abs() < 1e-12);
        assert!((s.lr_at(20) - 0.4).abs() < 1e-12);
        assert!((s.lr_at(99) - 0.4).abs() < 1e-12);
        for t in 1..20 {
            assert!(s.lr_at(t) > s.lr_at(t - 1));
        }
    }

    #[test]
    fn decays() {
        let p = RunPlan::new(&cfg("lr0=1&decay=step&epochs=8&b0=10"), 1, 100);
        let s = &p.schedule;
        assert_eq!(s.lr_at(0), 1.0);
        assert_eq!(s.lr_at(39), 1.0);
        assert!((s.lr_at(40) - 0.1).abs() < 1e-12);
        assert!((s.lr_at(60) - 0.01).abs() < 1e-12);
        let p = RunPlan::new(&cfg("lr0=1&decay=cosine&epochs=4&warmup=2&b0=10"), 1, 100);
        let s = &p.schedule;
        assert_eq!(s.lr_at(20), 1.0);
        assert!((s.lr_at(30) - 0.5).abs() < 1e-12);
        assert!(s.lr_at(39) < 0.01 && s.lr_at(39) > 0.0);
    }

    #[test]
    fn range_ramp_is_exponential_per_step() {
        let p = RunPlan::new(
            &cfg("mode=range&range_lo=0.001&range_hi=10&range_steps=21"),
            1,
            100,
        );
        let s = &p.schedule;
        assert_eq!(s.total_steps(), 21);
        for (t, want) in [
            (0, 0.001),
            (5, 0.01),
            (10, 0.1),
            (15, 1.0),
            (20, 10.0),
            (99, 10.0),
        ] {
            assert!(
                (s.lr_at(t) / want - 1.0).abs() < 1e-12,
                "step {t}: {}",
                s.lr_at(t)
            );
        }
    }
}
