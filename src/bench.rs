//! The one timed training loop: what both benchmarks (`benches/train.rs` natively,
//! `benchTrain` in the browser, `src/web/bench.rs`) call "the training rate".
//!
//! It is the optimizer steps of a [`crate::train::Trainer`] with nothing around them: no
//! shuffling, no evaluation, no noise probes, no records. It takes no clock: the caller
//! times it. Kept apart from `train.rs` so the trainer's file holds the trainer only.

use crate::model::Model;
use crate::optim::Optimizer;
use crate::rng::Rng;

/// The training loop every benchmark times as "the training rate" (`benches/train.rs`
/// natively, `benchTrain` in the browser): optimizer steps of the article's CNN (PyTorch
/// init, dropout 0.25, plain SGD at η = 0.001, seed 1) on consecutive batches of `x`, with no
/// shuffling, evaluation or noise probes. What a [`crate::train::Trainer`] does on top of this is what
/// `make bench`'s end-to-end breakdown measures.
pub struct BenchLoop<'a> {
    x: &'a [f32], // (N, 784)
    y: &'a [u8],  // (N)
    batch: usize,
    at: usize,
    model: Model,
    opt: Optimizer,
    rng: Rng,
}

impl<'a> BenchLoop<'a> {
    /// Batches of `min(batch, N)` samples of x (N, 784), y (N); N > 0 and batch > 0 (asserted).
    pub fn new(x: &'a [f32], y: &'a [u8], batch: usize) -> BenchLoop<'a> {
        use crate::model::{Init, INPUT};
        assert!(
            !y.is_empty() && batch > 0,
            "BenchLoop needs samples and a batch"
        );
        assert_eq!(x.len(), y.len() * INPUT, "x must be (N, {INPUT})");
        let mut rng = Rng::new(1);
        let model = Model::new(Init::PyTorch, 0.25, &mut rng);
        BenchLoop {
            x,
            y,
            batch: batch.min(y.len()),
            at: 0,
            model,
            opt: Optimizer::new(crate::config::Opt::Sgd, 0.0),
            rng,
        }
    }

    /// Samples per step.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// One optimizer step on the next batch (wrapping around); its mini-batch loss.
    pub fn step(&mut self) -> f32 {
        use crate::model::INPUT;
        let (n, bs) = (self.y.len(), self.batch);
        let start = self.at % (n - bs + 1);
        self.at += bs;
        let loss = self.model.train_batch(
            &self.x[start * INPUT..(start + bs) * INPUT],
            &self.y[start..start + bs],
            &mut self.rng,
        );
        let (p, g) = self.model.params_and_grads();
        self.opt.step(p, g, 0.001);
        loss
    }
}
