//! The trainer's measurements of its own weights: the test evaluation (whose logits are
//! kept for the epoch-end answers: confusion matrix and predictions, see `mod.rs`) and
//! the gradient-noise probes that feed `noise.rs`.
//!
//! Split from the stepping loop so that each file says one thing: `mod.rs` moves the
//! weights, this file only looks at them. Nothing here changes the weights or the
//! training streams (probes draw from their own stream and overwrite only the gradient
//! buffer, after the update).

use super::{Trainer, PROBE_SIZE};
use crate::noise::sq_norm;

impl Trainer {
    /// The smoothed gradient noise scale B_simple so far (NaN before the first probe).
    pub fn noise_scale(&self) -> f64 {
        self.noise.value()
    }

    /// One noise-scale probe: per-example and mean gradient norms of random
    /// training samples. Overwrites the model's gradient buffer, so it runs
    /// after the update.
    pub(super) fn probe_noise(&mut self) {
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
        self.noise
            .add_probe(mean_example, sq_norm(self.model.grads()));
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
    pub(super) fn logits_current(&self) -> bool {
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
