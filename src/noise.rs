//! The gradient noise scale B_simple = tr(Σ) / |G|² (McCandlish et al. 2018,
//! "An Empirical Model of Large-Batch Training"), the batch size past which a
//! larger batch stops buying proportionally faster training.
//!
//! G is the true (full-data) gradient and Σ the per-example gradient
//! covariance. The paper's unbiased two-batch-size estimator (its appendix A)
//! uses the squared norms of gradients averaged over batches of two sizes,
//! B_small and B_big: since E|g_B|² = |G|² + tr(Σ)/B,
//!   |G|² ≈ (B_big·|g_big|² − B_small·|g_small|²) / (B_big − B_small)
//!   tr(Σ) ≈ (|g_small|² − |g_big|²) / (1/B_small − 1/B_big).
//! Here B_small = 1 and B_big = n, both from one probe batch of n samples: the
//! mean of the per-example |g_i|² and the |ḡ|² of their mean gradient (the
//! per-example norms are cheap for this model, see
//! `Model::train_batch_with_norms`). Single probes are noisy, so, as the paper
//! recommends, the estimates of |G|² and tr(Σ) are smoothed separately with exponential
//! moving averages and combined last, with a standard error from the probes' scatter
//! ([`NoiseScale`]).
//!
//! Pure arithmetic on numbers: how the gradients are made is the trainer's business.

/// Squared Euclidean norm, accumulated in f64.
pub fn sq_norm(g: &[f32]) -> f64 {
    g.iter().map(|&v| (v as f64) * (v as f64)).sum()
}

/// An exponential moving average, bias-corrected like Adam's moments so the
/// first values are not pulled towards zero.
#[derive(Clone, Debug)]
pub struct Ema {
    beta: f64,
    acc: f64,
    beta_t: f64,
}

impl Ema {
    pub fn new(beta: f64) -> Self {
        Ema {
            beta,
            acc: 0.0,
            beta_t: 1.0,
        }
    }

    pub fn add(&mut self, x: f64) {
        self.acc = self.beta * self.acc + (1.0 - self.beta) * x;
        self.beta_t *= self.beta;
    }

    /// The average so far, `None` before the first value.
    pub fn get(&self) -> Option<f64> {
        (self.beta_t < 1.0).then(|| self.acc / (1.0 - self.beta_t))
    }
}

/// One estimate of (tr Σ, |G|²).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoiseSample {
    pub trace: f64,
    pub g2: f64,
}

impl NoiseSample {
    /// The two-batch-size estimate from one probe: `small` = mean |g_i|² of its single
    /// examples (B_small = 1), `big` = |g_B|² of their mean gradient (B_big = `b_big`).
    pub fn from_probe(small: f64, big: f64, b_big: f64) -> NoiseSample {
        NoiseSample {
            trace: (small - big) / (1.0 - 1.0 / b_big),
            g2: (b_big * big - small) / (b_big - 1.0),
        }
    }
}

/// B_simple with its spread.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoiseValue {
    /// Smoothed tr(Σ) / smoothed |G|² (NaN before the first probe or while the smoothed
    /// |G|² is not positive).
    pub value: f64,
    /// One standard error of `value` from the scatter of the per-probe estimates (NaN
    /// before the second probe): see [`NoiseScale`].
    pub spread: f64,
}

/// The smoothed two-batch-size estimator.
///
/// Each probe gives one raw estimate of tr(Σ) and one of |G|² ([`NoiseSample::from_probe`]).
/// Late in training |G|² is small next to tr(Σ)/B_big, so a single probe's |G|² estimate
/// is often negative. As McCandlish et al. (appendix A) suggest, the two are smoothed
/// separately, by bias-corrected exponential moving averages of decay β, and B_simple is
/// the ratio of the smoothed values: the average of many probes' |G|² stays positive
/// where single probes do not.
///
/// Spread: the moving averages also keep the probes' second moments, so the scatter of
/// the raw estimates (variances of tr Σ and |G|², and their covariance, which is negative:
/// both come from the same |g_B|²) is known. For independent probes the variance of a
/// bias-corrected EMA of t values is σ²·Σw², Σw² = (1−β)(1+βᵗ) / ((1+β)(1−βᵗ)), and the
/// delta method carries the two variances and the covariance to the ratio:
/// spread² = B²·Σw²·(σ_T²/T² + σ_G²/G² − 2·cov/(T·G)). It is the standard error of the
/// smoothed value from probe noise alone; it does not include that B_simple itself drifts
/// as training goes on (the EMA lags it by about 1/(1−β) probes).
#[derive(Clone, Debug)]
pub struct NoiseScale {
    b_big: f64,
    beta: f64,
    trace: Ema,
    g2: Ema,
    trace_sq: Ema,
    g2_sq: Ema,
    cross: Ema,
    probes: u32,
}

impl NoiseScale {
    /// `b_big` > 1 is the size of each probe's batch; `beta` the EMA decay per probe.
    pub fn new(b_big: usize, beta: f64) -> Self {
        NoiseScale {
            b_big: b_big.max(2) as f64,
            beta,
            trace: Ema::new(beta),
            g2: Ema::new(beta),
            trace_sq: Ema::new(beta),
            g2_sq: Ema::new(beta),
            cross: Ema::new(beta),
            probes: 0,
        }
    }

    /// Adds one probe: `small` = mean |g_i|² of its examples' gradients, `big` = |g_B|²
    /// of their mean. Returns the probe's raw estimate.
    pub fn add_probe(&mut self, small: f64, big: f64) -> NoiseSample {
        let e = NoiseSample::from_probe(small, big, self.b_big);
        self.trace.add(e.trace);
        self.g2.add(e.g2);
        self.trace_sq.add(e.trace * e.trace);
        self.g2_sq.add(e.g2 * e.g2);
        self.cross.add(e.trace * e.g2);
        self.probes += 1;
        e
    }

    /// The smoothed (tr Σ, |G|²), `None` before the first probe.
    pub fn estimate(&self) -> Option<NoiseSample> {
        Some(NoiseSample {
            trace: self.trace.get()?,
            g2: self.g2.get()?,
        })
    }

    /// B_simple, or NaN before the first probe or while the smoothed |G|² is not positive.
    pub fn value(&self) -> f64 {
        self.with_spread().value
    }

    /// B_simple and its standard error (see the type's doc).
    pub fn with_spread(&self) -> NoiseValue {
        let nan = NoiseValue {
            value: f64::NAN,
            spread: f64::NAN,
        };
        let Some(e) = self.estimate() else {
            return nan;
        };
        if e.g2 <= 0.0 {
            return nan;
        }
        let value = (e.trace / e.g2).max(0.0);
        if self.probes < 2 {
            return NoiseValue {
                value,
                spread: f64::NAN,
            };
        }
        let (t, g) = (e.trace, e.g2);
        let get = |m: &Ema| m.get().unwrap_or(f64::NAN);
        let var_t = (get(&self.trace_sq) - t * t).max(0.0);
        let var_g = (get(&self.g2_sq) - g * g).max(0.0);
        let cov = get(&self.cross) - t * g;
        let (b, n) = (self.beta, self.probes as i32);
        let sum_w2 = (1.0 - b) * (1.0 + b.powi(n)) / ((1.0 + b) * (1.0 - b.powi(n)));
        let rel2 = if t == 0.0 {
            var_t / (g * g) // B = 0: the spread of T/G comes from T alone
        } else {
            (var_t / (t * t) + var_g / (g * g) - 2.0 * cov / (t * g)).max(0.0)
        };
        let spread = if t == 0.0 {
            (rel2 * sum_w2).sqrt()
        } else {
            value * (rel2 * sum_w2).sqrt()
        };
        NoiseValue { value, spread }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// Standard normal by Box–Muller (test-only).
    fn normal(r: &mut Rng) -> f64 {
        let u1 = (r.next_f32() as f64).max(1e-12);
        let u2 = r.next_f32() as f64;
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Linear regression y = w*·x + ε with x ~ N(0, I_d), ε ~ N(0, s²), loss ½(w·x − y)².
    /// At w = w* + δ the per-example gradient is g = (x·δ − ε)·x, so G = δ and
    /// Σ = (|δ|² + s²)·I + δδᵀ: tr Σ = d(|δ|² + s²) + |δ|², B_simple = tr Σ / |δ|².
    struct Regression {
        d: usize,
        s: f64,
        delta: Vec<f64>,
    }

    impl Regression {
        fn new(d: usize, s: f64, scale: f64) -> Self {
            let delta = (0..d).map(|i| scale * (0.1 + 0.02 * i as f64)).collect();
            Regression { d, s, delta }
        }
        fn g2(&self) -> f64 {
            self.delta.iter().map(|v| v * v).sum()
        }
        fn trace(&self) -> f64 {
            self.d as f64 * (self.g2() + self.s * self.s) + self.g2()
        }
        fn truth(&self) -> f64 {
            self.trace() / self.g2()
        }
        fn example(&self, r: &mut Rng) -> Vec<f64> {
            let x: Vec<f64> = (0..self.d).map(|_| normal(r)).collect();
            let e = self.s * normal(r);
            let res = x.iter().zip(&self.delta).map(|(a, b)| a * b).sum::<f64>() - e;
            x.iter().map(|v| res * v).collect()
        }
        /// One probe as the trainer makes it: (mean |g_i|², |mean g|²) over `b` examples.
        fn probe(&self, b: usize, r: &mut Rng) -> (f64, f64) {
            let mut mean = vec![0f64; self.d];
            let mut small = 0.0;
            for _ in 0..b {
                let g = self.example(r);
                small += g.iter().map(|v| v * v).sum::<f64>() / b as f64;
                for (m, v) in mean.iter_mut().zip(&g) {
                    *m += v / b as f64;
                }
            }
            (small, mean.iter().map(|v| v * v).sum())
        }
    }

    #[test]
    fn linear_regression_closed_form() {
        let (p, b_big) = (Regression::new(20, 0.5, 1.0), 32);
        let mut r = Rng::new(42);
        let mut est = NoiseScale::new(b_big, 0.99);
        for _ in 0..3000 {
            let (small, big) = p.probe(b_big, &mut r);
            est.add_probe(small, big);
        }
        let e = est.estimate().unwrap();
        assert!(
            (e.trace / p.trace() - 1.0).abs() < 0.05,
            "tr Σ {} vs {}",
            e.trace,
            p.trace()
        );
        assert!(
            (e.g2 / p.g2() - 1.0).abs() < 0.1,
            "|G|² {} vs {}",
            e.g2,
            p.g2()
        );
        let v = est.with_spread();
        assert!(
            (v.value / p.truth() - 1.0).abs() < 0.1,
            "B_simple {} vs {}",
            v.value,
            p.truth()
        );
        // The truth is within a few standard errors, and the spread is not vacuous.
        assert!((v.value - p.truth()).abs() < 4.0 * v.spread, "{v:?}");
        assert!(v.spread < 0.1 * v.value, "{v:?}");
    }

    /// Late in training |G|² is small next to tr(Σ)/B: single probes' |G|² estimates go
    /// negative (B_simple from one probe, or from a short average, is NaN), while the
    /// separately smoothed ones stay positive and near the truth.
    #[test]
    fn raw_estimates_go_non_positive_but_the_smoothed_one_stays_finite() {
        let (p, b_big) = (Regression::new(100, 0.3, 0.03), 16);
        let truth = p.truth();
        assert!(truth > 100.0 && truth < 300.0, "B_simple {truth}");
        let mut r = Rng::new(7);
        let mut est = NoiseScale::new(b_big, 0.995);
        let (mut negative, n) = (0, 4000);
        for i in 0..n {
            let (small, big) = p.probe(b_big, &mut r);
            if est.add_probe(small, big).g2 <= 0.0 {
                negative += 1;
            }
            if i >= 1000 {
                let v = est.value();
                assert!(v.is_finite(), "probe {i}: {v}");
            }
        }
        assert!(negative > n / 5, "only {negative} of {n} raw |G|² ≤ 0");
        let v = est.with_spread();
        assert!((v.value / truth - 1.0).abs() < 0.25, "{v:?} vs {truth}");
        assert!((v.value - truth).abs() < 4.0 * v.spread, "{v:?} vs {truth}");
    }

    /// The reported spread is the scatter of the smoothed value over independent
    /// repetitions (within sampling error of 80 repetitions).
    #[test]
    fn the_spread_is_the_scatter_of_independent_estimates() {
        let (p, b_big) = (Regression::new(20, 0.5, 1.0), 32);
        let mut r = Rng::new(3);
        let (mut values, mut spreads) = (Vec::new(), Vec::new());
        for _ in 0..80 {
            let mut est = NoiseScale::new(b_big, 0.9);
            for _ in 0..60 {
                let (small, big) = p.probe(b_big, &mut r);
                est.add_probe(small, big);
            }
            let v = est.with_spread();
            values.push(v.value);
            spreads.push(v.spread);
        }
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>()
            / (values.len() - 1) as f64)
            .sqrt();
        spreads.sort_by(f64::total_cmp);
        let median = spreads[spreads.len() / 2];
        assert!(
            median / sd > 0.7 && median / sd < 1.4,
            "reported {median} vs observed {sd}"
        );
    }

    #[test]
    fn noiseless_gradients_give_zero_and_empty_gives_nan() {
        let mut est = NoiseScale::new(8, 0.9);
        assert!(est.value().is_nan());
        // Every example has the same gradient: no noise.
        let e = est.add_probe(6.0, 6.0);
        assert!(e.trace.abs() < 1e-12 && (e.g2 - 6.0).abs() < 1e-12);
        let v = est.with_spread();
        assert_eq!(v.value, 0.0);
        assert!(v.spread.is_nan(), "one probe has no scatter");
        est.add_probe(6.0, 6.0);
        assert_eq!(
            est.with_spread(),
            NoiseValue {
                value: 0.0,
                spread: 0.0
            }
        );
        // A smoothed |G|² that is not positive gives no value.
        let mut neg = NoiseScale::new(8, 0.9);
        neg.add_probe(10.0, 0.5);
        assert!(neg.value().is_nan());
    }

    #[test]
    fn ema_is_bias_corrected() {
        let mut e = Ema::new(0.9);
        assert_eq!(e.get(), None);
        e.add(5.0);
        assert!((e.get().unwrap() - 5.0).abs() < 1e-12);
        e.add(5.0);
        assert!((e.get().unwrap() - 5.0).abs() < 1e-12);
    }
}
