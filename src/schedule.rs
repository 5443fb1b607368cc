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
//! k_eff = B / B0 (equal to k unless B0·k was capped at N, and 1 for `full`):
//! `none` → η0, `linear` → k_eff·η0, `sqrt` → √k_eff·η0.
//!
//! **Schedule.** Gradual warmup (Goyal et al. 2017): over the first W epochs
//! the rate rises linearly per step from η0 to the scaled rate η. After it,
//! `decay` applies: none (η), step (η·0.1 from 50 % of the epochs, η·0.01 from
//! 75 %) or cosine (η·½(1 + cos πt), t going from 0 to 1 over the steps after
//! warmup). Pure arithmetic: no state, no clock.
//!
//! **Range test** (`mode=range`): the rate instead rises exponentially per step from
//! `range_lo` to `range_hi` over `range_steps` steps ([`Ramp`]), whatever the epochs.

use crate::config::{Config, Decay, Mode, Rule};

/// How a run of the experiment trains: everything derived from (config, k, N).
#[derive(Clone, Debug, PartialEq)]
pub struct RunPlan {
    pub k: u32,
    /// Samples in the training set actually used.
    pub n_train: usize,
    /// Base batch B0 as realised (N for `full`).
    pub b0: usize,
    /// Batch size B = min(B0·k, N).
    pub batch: usize,
    /// Realised multiplier B / B0.
    pub k_eff: f64,
    /// Scaled learning rate η.
    pub lr: f64,
    pub schedule: Schedule,
}

impl RunPlan {
    pub fn new(cfg: &Config, k: u32, n_train: usize) -> RunPlan {
        let n = n_train.max(1);
        let b0 = if cfg.b0 == 0 { n } else { cfg.b0.min(n) };
        let batch = b0.saturating_mul(k as usize).min(n);
        let k_eff = batch as f64 / b0 as f64;
        let lr = cfg.lr0 * scale_factor(cfg.rule, k_eff);
        let steps_per_epoch = n.div_ceil(batch);
        RunPlan {
            k,
            n_train: n,
            b0,
            batch,
            k_eff,
            lr,
            schedule: Schedule {
                lr0: cfg.lr0,
                lr,
                warmup_steps: cfg.warmup as u64 * steps_per_epoch as u64,
                steps_per_epoch: steps_per_epoch as u64,
                epochs: cfg.epochs,
                decay: cfg.decay,
                ramp: (cfg.mode == Mode::Range).then_some(Ramp {
                    lo: cfg.range_lo,
                    hi: cfg.range_hi,
                    steps: cfg.range_steps as u64,
                }),
            },
        }
    }

    pub fn steps_per_epoch(&self) -> u64 {
        self.schedule.steps_per_epoch
    }

    pub fn total_steps(&self) -> u64 {
        self.schedule.total_steps()
    }
}

/// The factor a rule multiplies η0 by for a batch k times larger.
pub fn scale_factor(rule: Rule, k: f64) -> f64 {
    match rule {
        Rule::None => 1.0,
        Rule::Linear => k,
        Rule::Sqrt => k.sqrt(),
    }
}

/// The learning rate as a function of the optimizer step.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    /// Start of warmup (the base rate η0).
    pub lr0: f64,
    /// The scaled rate η reached after warmup.
    pub lr: f64,
    pub warmup_steps: u64,
    pub steps_per_epoch: u64,
    pub epochs: u32,
    pub decay: Decay,
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
        match self.ramp {
            Some(r) => r.steps,
            None => self.steps_per_epoch * self.epochs as u64,
        }
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
            Decay::Step => {
                let epoch = step / self.steps_per_epoch.max(1);
                // Milestones at 50 % and 75 % of the epochs, as whole epochs.
                let e = self.epochs as u64;
                let factor = if epoch >= e * 3 / 4 && e >= 4 {
                    0.01
                } else if epoch >= e / 2 && e >= 2 {
                    0.1
                } else {
                    1.0
                };
                self.lr * factor
            }
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
        assert_eq!(scale_factor(Rule::None, 4.0), 1.0);
        assert_eq!(scale_factor(Rule::Linear, 4.0), 4.0);
        assert_eq!(scale_factor(Rule::Sqrt, 4.0), 2.0);
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
        assert_eq!((s.warmup_steps, s.steps_per_epoch), (20, 10));
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
