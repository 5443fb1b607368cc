//! Optimizers over one flat parameter vector: SGD, SGD with (Nesterov)
//! momentum, Adam and Adagrad. Each owns its state (velocity, moments, sums of
//! squares) across steps, sized to the parameter vector on first use.
//!
//! The update rules follow PyTorch's `torch.optim` exactly, so numbers can be
//! compared with the most common reference (g = gradient, p = parameter):
//! - SGD: p ← p − η·g
//! - momentum: v ← μ·v + g; p ← p − η·v (Nesterov: p ← p − η·(g + μ·v))
//! - Adam: m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
//!   p ← p − η·(m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)
//! - Adagrad: s ← s + g²; p ← p − η·g / (√s + ε)
//!
//! The learning rate comes from the schedule each step, and β1, β2 and ε from the
//! run's plan ([`OptConstants`]: PyTorch's defaults, rescaled only by the `sde` rule);
//! no weight decay. The bias corrections are kept as running products (β1ᵗ) rather
//! than `powi`, so the arithmetic is the same on every platform.

use crate::config::Opt;
use crate::schedule::OptConstants;

#[derive(Clone, Debug)]
pub struct Optimizer {
    kind: Opt,
    momentum: f32,
    consts: OptConstants,
    /// Velocity (momentum), first moment (Adam) or unused.
    m: Vec<f32>,
    /// Second moment (Adam), sum of squares (Adagrad) or unused.
    v: Vec<f32>,
    /// β1ᵗ and β2ᵗ for Adam's bias correction.
    beta1_t: f64,
    beta2_t: f64,
    steps: u64,
}

impl Optimizer {
    /// An optimizer with PyTorch's default β and ε.
    pub fn new(kind: Opt, momentum: f64) -> Self {
        Optimizer::with_constants(kind, momentum, OptConstants::defaults(kind))
    }

    /// An optimizer with the given β1, β2 and ε (a run's `RunPlan::consts`).
    pub fn with_constants(kind: Opt, momentum: f64, consts: OptConstants) -> Self {
        Optimizer {
            kind,
            momentum: momentum as f32,
            consts,
            m: Vec::new(),
            v: Vec::new(),
            beta1_t: 1.0,
            beta2_t: 1.0,
            steps: 0,
        }
    }

    pub fn kind(&self) -> Opt {
        self.kind
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// One update of `params` with gradient `grads` at learning rate `lr`.
    pub fn step(&mut self, params: &mut [f32], grads: &[f32], lr: f32) {
        assert_eq!(
            params.len(),
            grads.len(),
            "optimizer: params and grads differ in length"
        );
        if self.m.len() != params.len() {
            self.m = vec![0.0; params.len()];
            self.v = vec![0.0; params.len()];
        }
        self.steps += 1;
        match self.kind {
            Opt::Sgd => {
                for (p, &g) in params.iter_mut().zip(grads) {
                    *p -= lr * g;
                }
            }
            Opt::Momentum | Opt::Nesterov => {
                let mu = self.momentum;
                let nesterov = self.kind == Opt::Nesterov;
                // PyTorch starts the buffer at the first gradient (v₁ = g₁), which the
                // zero-initialised v ← μ·v + g reproduces.
                for ((p, &g), v) in params.iter_mut().zip(grads).zip(self.m.iter_mut()) {
                    *v = mu * *v + g;
                    let d = if nesterov { g + mu * *v } else { *v };
                    *p -= lr * d;
                }
            }
            Opt::Adam => {
                let OptConstants { beta1, beta2, eps } = self.consts;
                self.beta1_t *= beta1 as f64;
                self.beta2_t *= beta2 as f64;
                let bc1 = (1.0 - self.beta1_t) as f32;
                let bc2_sqrt = ((1.0 - self.beta2_t) as f32).sqrt();
                let step_size = lr / bc1;
                let (b1, b2) = (beta1, beta2);
                for (((p, &g), m), v) in params
                    .iter_mut()
                    .zip(grads)
                    .zip(self.m.iter_mut())
                    .zip(self.v.iter_mut())
                {
                    *m = b1 * *m + (1.0 - b1) * g;
                    *v = b2 * *v + (1.0 - b2) * g * g;
                    // PyTorch: denom = √v / √(1−β2ᵗ) + ε; p −= (η / (1−β1ᵗ)) · m / denom.
                    let denom = v.sqrt() / bc2_sqrt + eps;
                    *p -= step_size * *m / denom;
                }
            }
            Opt::Adagrad => {
                let eps = self.consts.eps;
                for ((p, &g), s) in params.iter_mut().zip(grads).zip(self.v.iter_mut()) {
                    *s += g * g;
                    *p -= lr * g / (s.sqrt() + eps);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kind: Opt, grads: &[f32], lr: f32) -> Vec<f32> {
        let mut o = Optimizer::new(kind, 0.9);
        let mut p = vec![1.0f32];
        let mut out = Vec::new();
        for &g in grads {
            o.step(&mut p, &[g], lr);
            out.push(p[0]);
        }
        out
    }

    fn close(a: &[f32], b: &[f64]) {
        for (x, y) in a.iter().zip(b) {
            assert!((*x as f64 - y).abs() < 1e-6, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn sgd_by_hand() {
        close(&run(Opt::Sgd, &[0.5, -1.0], 0.1), &[0.95, 1.05]);
    }

    #[test]
    fn momentum_by_hand() {
        // v1 = 1, p = 1 - 0.1 = 0.9; v2 = 0.9 + 1 = 1.9, p = 0.9 - 0.19 = 0.71
        close(&run(Opt::Momentum, &[1.0, 1.0], 0.1), &[0.9, 0.71]);
        // Nesterov: d1 = 1 + 0.9 = 1.9 → 0.81; v2 = 1.9, d2 = 1 + 1.71 = 2.71 → 0.539
        close(&run(Opt::Nesterov, &[1.0, 1.0], 0.1), &[0.81, 0.539]);
    }

    #[test]
    fn adam_by_hand() {
        // Step 1: m̂ = g, v̂ = g², update = η·g/|g| = η (ε negligible).
        // Step 2 with g = 1 then g = 0.5: m = 0.09·... computed in f64 below.
        let out = run(Opt::Adam, &[1.0, 0.5], 0.01);
        let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8f64);
        let mut p = 1.0f64;
        let (mut m, mut v) = (0.0f64, 0.0f64);
        let mut expect = Vec::new();
        for (t, g) in [1.0f64, 0.5].iter().enumerate() {
            let t = t as i32 + 1;
            m = b1 * m + (1.0 - b1) * g;
            v = b2 * v + (1.0 - b2) * g * g;
            let mh = m / (1.0 - b1.powi(t));
            let vh = v / (1.0 - b2.powi(t));
            p -= 0.01 * mh / (vh.sqrt() + eps);
            expect.push(p);
        }
        assert!((expect[0] - 0.99).abs() < 1e-9);
        close(&out, &expect);
    }

    #[test]
    fn adagrad_by_hand() {
        // s1 = 4: p = 1 - 0.1·2/2 = 0.9; s2 = 4 + 1 = 5: p = 0.9 + 0.1·1/√5
        close(
            &run(Opt::Adagrad, &[2.0, -1.0], 0.1),
            &[0.9, 0.9 + 0.1 / 5f64.sqrt()],
        );
    }

    #[test]
    fn state_persists_and_counts_steps() {
        let mut o = Optimizer::new(Opt::Momentum, 0.5);
        let mut p = vec![0.0f32; 3];
        o.step(&mut p, &[1.0, 2.0, 3.0], 1.0);
        o.step(&mut p, &[0.0, 0.0, 0.0], 1.0);
        // Second step moves by μ·v1 even with a zero gradient.
        assert_eq!(p, vec![-1.5, -3.0, -4.5]);
        assert_eq!(o.steps(), 2);
    }
}
