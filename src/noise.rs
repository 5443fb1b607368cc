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
//! recommends, both expectations are smoothed with exponential moving
//! averages and combined last.
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

/// The smoothed two-batch-size estimator.
#[derive(Clone, Debug)]
pub struct NoiseScale {
    b_big: f64,
    small: Ema,
    big: Ema,
}

impl NoiseScale {
    /// `b_big` > 1 is the size of the batches given to [`NoiseScale::add_batch`];
    /// `beta_small` and `beta_big` are the EMA decays per value.
    pub fn new(b_big: usize, beta_small: f64, beta_big: f64) -> Self {
        NoiseScale {
            b_big: b_big.max(2) as f64,
            small: Ema::new(beta_small),
            big: Ema::new(beta_big),
        }
    }

    /// |g_i|² of one example's gradient.
    pub fn add_example(&mut self, norm_sq: f64) {
        self.small.add(norm_sq);
    }

    /// |g_B|² of the mean gradient of a batch of `b_big` examples.
    pub fn add_batch(&mut self, norm_sq: f64) {
        self.big.add(norm_sq);
    }

    pub fn estimate(&self) -> Option<NoiseSample> {
        let (s, b) = (self.small.get()?, self.big.get()?);
        let bb = self.b_big;
        Some(NoiseSample {
            trace: (s - b) / (1.0 - 1.0 / bb),
            g2: (bb * b - s) / (bb - 1.0),
        })
    }

    /// B_simple, or NaN before both sides have data or while |G|² is not positive.
    pub fn value(&self) -> f64 {
        match self.estimate() {
            Some(e) if e.g2 > 0.0 => (e.trace / e.g2).max(0.0),
            _ => f64::NAN,
        }
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
    #[test]
    fn linear_regression_closed_form() {
        let (d, s, b_big) = (20usize, 0.5f64, 32usize);
        let mut r = Rng::new(42);
        let delta: Vec<f64> = (0..d).map(|i| 0.1 + 0.02 * i as f64).collect();
        let dd: f64 = delta.iter().map(|v| v * v).sum();
        let trace = d as f64 * (dd + s * s) + dd;
        let truth = trace / dd;
        let example = |r: &mut Rng| -> Vec<f32> {
            let x: Vec<f64> = (0..d).map(|_| normal(r)).collect();
            let e = s * normal(r);
            let res = x.iter().zip(&delta).map(|(a, b)| a * b).sum::<f64>() - e;
            x.iter().map(|v| (res * v) as f32).collect()
        };
        let mut est = NoiseScale::new(b_big, 0.999, 0.999);
        for _ in 0..6000 {
            // A training step: the batch's mean gradient.
            let mut mean = vec![0f32; d];
            for _ in 0..b_big {
                for (m, g) in mean.iter_mut().zip(example(&mut r)) {
                    *m += g / b_big as f32;
                }
            }
            est.add_batch(sq_norm(&mean));
            // A probe: one example's gradient.
            est.add_example(sq_norm(&example(&mut r)));
        }
        let e = est.estimate().unwrap();
        assert!(
            (e.trace / trace - 1.0).abs() < 0.1,
            "tr Σ {} vs {trace}",
            e.trace
        );
        assert!((e.g2 / dd - 1.0).abs() < 0.2, "|G|² {} vs {dd}", e.g2);
        let b = est.value();
        assert!((b / truth - 1.0).abs() < 0.25, "B_simple {b} vs {truth}");
    }

    #[test]
    fn noiseless_gradients_give_zero_and_empty_gives_nan() {
        let mut est = NoiseScale::new(8, 0.9, 0.9);
        assert!(est.value().is_nan());
        est.add_example(6.0);
        assert!(est.value().is_nan(), "needs both sides");
        est.add_batch(6.0);
        let e = est.estimate().unwrap();
        assert!(e.trace.abs() < 1e-12 && (e.g2 - 6.0).abs() < 1e-12);
        assert_eq!(est.value(), 0.0);
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
