//! Data-parallel steps: one step's batch split into W shards whose gradients are computed
//! apart (W Web Workers, W threads, or one after another) and combined in a fixed order,
//! so every copy of the model applies the same update.
//!
//! The rule, stated once here and used by every shell:
//!
//! - **Shards** ([`shard_range`]): the step's batch of B samples (positions `pos..end` of
//!   the epoch's order) is cut into W contiguous slices in order; the first B mod W shards
//!   hold ⌊B/W⌋ + 1 samples, the rest ⌊B/W⌋ (sizes differ by at most 1; a shard is empty
//!   when B < W). The data order does not depend on W.
//! - **Gradients**: a shard's gradient is the sum over its samples of each sample's
//!   gradient already divided by B, the size of the whole batch (as the chunks of one
//!   batch are today), plus the sum of its samples' losses as an f64.
//! - **Combine** ([`combine`]): shard 0's gradient, then + shard 1's, …, + shard W−1's, in
//!   f32, element by element; the losses likewise in f64, then divided by B once. With
//!   W = 1 the combined gradient is the batch gradient untouched, so W = 1 is today's
//!   arithmetic bit for bit; with W > 1 only the summation order differs (chunk boundaries
//!   and the grouping of the sum), a relative difference of about 1e-7 per step that a
//!   run's chaos then amplifies; `tests/parallel.rs` checks the bounds.
//! - **Dropout masks**: the dropout stream is drawn sample by sample, one draw per hidden
//!   unit. Shard s starts from the step's stream state skipped (O(log n))
//!   past the draws of the samples before it (`Rng::skip`), so each sample gets the mask it gets with
//!   W = 1; after the step every copy skips the whole batch's draws. Masks do not depend on W.
//!
//! A copy of the trainer per worker: [`Trainer::shard_gradient`] (once per step) then
//! [`Trainer::apply_shards`] with all W gradients; every copy then holds the same weights,
//! optimizer state, records and status. Evaluations and noise probes are made by every
//! copy alike (redundant, but in parallel, so they cost no more wall time than on one).
//! [`Trainer::step`] with `workers` > 1 computes the W shards one after another in one
//! copy: the reference that threads and workers must equal bit for bit.
//!
//! Not here: threads, workers, messages or shared memory (the shells'), and timing.

use std::ops::Range;

use super::Trainer;
use crate::model::{HIDDEN, NUM_PARAMS};

/// Positions (within a step's batch of `len` samples) of shard `shard` of `workers`:
/// contiguous, in order, the first `len % workers` shards one sample longer.
pub fn shard_range(len: usize, workers: usize, shard: usize) -> Range<usize> {
    assert!(workers > 0 && shard < workers, "shard {shard} of {workers}");
    let (base, rem) = (len / workers, len % workers);
    let start = shard * base + shard.min(rem);
    start..start + base + usize::from(shard < rem)
}

/// Combines the shards' gradients `parts` (W of P each, in shard order) into `out` (P):
/// part 0, then each next part added in order 1 … W−1 (f32). With one part, `out` is a
/// copy of it.
pub fn combine(parts: &[&[f32]], out: &mut [f32]) {
    assert!(!parts.is_empty(), "no shards to combine");
    assert!(
        parts.iter().all(|g| g.len() == out.len()),
        "parts must be (W, P)"
    );
    out.copy_from_slice(parts[0]);
    for part in &parts[1..] {
        out.iter_mut().zip(*part).for_each(|(o, g)| *o += g);
    }
}

/// What one shard contributes to a step: its gradient (P), already divided by the
/// batch size, the sum of its samples' losses, and the step's batch end (so the copies
/// can check they are at the same step).
#[derive(Clone, Debug, PartialEq)]
pub struct ShardGradient {
    pub grad: Vec<f32>,
    pub loss_sum: f64,
    pub end: usize,
}

impl Trainer {
    /// The number of workers W of the run (`workers` parameter).
    pub fn workers(&self) -> usize {
        self.cfg.workers as usize
    }

    /// The gradient of shard `shard` of W for the next step (call once per step, then
    /// [`Trainer::apply_shards`]). `None` when the run has ended.
    pub fn shard_gradient(&mut self, shard: usize) -> Option<ShardGradient> {
        let mut grad = vec![0.0; NUM_PARAMS];
        let (loss_sum, end) = self.shard_gradient_into(shard, &mut grad)?;
        Some(ShardGradient {
            grad,
            loss_sum,
            end,
        })
    }

    /// [`Trainer::shard_gradient`] written into `out` (P), e.g. shared memory; returns
    /// the shard's loss sum and the step's batch end.
    pub fn shard_gradient_into(&mut self, shard: usize, out: &mut [f32]) -> Option<(f64, usize)> {
        assert!(
            shard < self.workers(),
            "shard {shard} of {}",
            self.workers()
        );
        if self.status != crate::metrics::Status::Running {
            return None;
        }
        let end = self.begin_step();
        let loss_sum = self.one_shard(end, shard);
        out.copy_from_slice(self.model.grads());
        Some((loss_sum, end))
    }

    /// Applies a step from every shard's gradient, `grads` (W of P, in shard order), and
    /// loss sums (W): combines them ([`combine`]), then updates as a one-worker step would.
    /// The mini-batch loss, or `None` if the run diverged on it; an error when the parts
    /// do not belong to this copy's next step.
    pub fn apply_shards(
        &mut self,
        grads: &[&[f32]],
        loss_sums: &[f64],
        end: usize,
    ) -> Result<Option<f32>, String> {
        let w = self.workers();
        if loss_sums.len() != w || grads.len() != w || grads.iter().any(|g| g.len() != NUM_PARAMS) {
            return Err(format!(
                "expected {w} shards of {NUM_PARAMS} gradients, got {} losses and {} gradients",
                loss_sums.len(),
                grads.len()
            ));
        }
        if self.status != crate::metrics::Status::Running {
            return Err(format!("the run has ended ({})", self.status.as_str()));
        }
        if end <= self.pos || end > self.order.len() {
            return Err(format!(
                "the shards are of another step (batch end {end}, this copy is at {})",
                self.pos
            ));
        }
        combine(grads, self.model.grads_mut());
        Ok(self.finish_parallel(loss_sums.iter().sum(), end))
    }

    /// All W shards of the step ending at `end`, one after another, combined as
    /// [`Trainer::apply_shards`] combines them, into the model's gradient; the mean loss.
    pub(super) fn sharded_gradient(&mut self, end: usize) -> f32 {
        let w = self.workers();
        let mut acc = std::mem::take(&mut self.shard_acc);
        acc.resize(NUM_PARAMS, 0.0);
        let mut loss_sum = 0.0;
        for s in 0..w {
            loss_sum += self.one_shard(end, s);
            // The same additions, in the same order, as `combine`.
            if s == 0 {
                acc.copy_from_slice(self.model.grads());
            } else {
                acc.iter_mut()
                    .zip(self.model.grads())
                    .for_each(|(a, g)| *a += g);
            }
        }
        self.model.grads_mut().copy_from_slice(&acc);
        self.shard_acc = acc;
        self.skip_batch_masks(end);
        (loss_sum / (end - self.pos) as f64) as f32
    }

    /// The update after the combined gradient is in the model: the dropout stream moved
    /// past the batch, the loss made a mean, the rest of the step.
    fn finish_parallel(&mut self, loss_sum: f64, end: usize) -> Option<f32> {
        self.skip_batch_masks(end);
        let loss = (loss_sum / (end - self.pos) as f64) as f32;
        self.finish_step(loss, end)
    }

    /// Shard `shard` of the batch `pos..end` into the model's gradient; its loss sum.
    fn one_shard(&mut self, end: usize, shard: usize) -> f64 {
        let total = end - self.pos;
        let r = shard_range(total, self.workers(), shard);
        self.data.train.gather(
            &self.order[self.pos + r.start..self.pos + r.end],
            &mut self.x,
            &mut self.y,
        );
        let mut rng = self.dropout_rng.clone();
        rng.skip(self.mask_draws(r.start));
        self.model.train_shard(&self.x, &self.y, &mut rng, total)
    }

    /// Moves the dropout stream past the draws of the whole batch `pos..end`.
    fn skip_batch_masks(&mut self, end: usize) {
        let draws = self.mask_draws(end - self.pos);
        self.dropout_rng.skip(draws);
    }

    /// Dropout draws made for `samples` samples: one per hidden unit when p > 0.
    fn mask_draws(&self, samples: usize) -> u64 {
        if self.model.dropout() > 0.0 {
            (samples * HIDDEN) as u64
        } else {
            0
        }
    }
}

/// Runs the copies `copies` (copy s computes shard s; W = `copies.len()` = the run's
/// `workers`) to the end of the current epoch on W threads, one barrier per step: each
/// thread writes its shard's gradient into its slot (two sets of slots, used in turn, so
/// a fast thread writing step t + 1 never overwrites what a slow one still reads of step
/// t), waits for the others, then applies all W. The leader's (copy 0's) new record, or
/// `None` if the run had already ended. Every copy ends bit-identical to one trainer
/// calling [`Trainer::run_epoch`] with the same config. Native only in practice: in wasm
/// it compiles (the CLI's binary is built for the wasm tests too) but a browser has no
/// threads for it; the page runs the copies in workers instead (`www/shards.js`).
pub fn run_epoch_on_threads(copies: &mut [Trainer]) -> Option<crate::metrics::EpochRecord> {
    use std::sync::{Barrier, RwLock};
    let w = copies.len();
    assert!(
        w > 0 && copies.iter().all(|t| t.workers() == w),
        "one copy per worker"
    );
    let before = copies[0].history.len();
    type Slot = RwLock<(Vec<f32>, f64, usize)>;
    let slots: [Vec<Slot>; 2] = std::array::from_fn(|_| {
        (0..w)
            .map(|_| RwLock::new((vec![0.0; NUM_PARAMS], 0.0, 0)))
            .collect()
    });
    let barrier = Barrier::new(w);
    std::thread::scope(|sc| {
        for (s, tr) in copies.iter_mut().enumerate() {
            let (slots, barrier) = (&slots, &barrier);
            sc.spawn(move || {
                let mut set = 0;
                while tr.status == crate::metrics::Status::Running {
                    {
                        let mut slot = slots[set][s].write().expect("a shard thread panicked");
                        let (grad, loss, end) = &mut *slot;
                        let Some((l, e)) = tr.shard_gradient_into(s, grad) else {
                            break;
                        };
                        (*loss, *end) = (l, e);
                    }
                    barrier.wait();
                    let parts: Vec<_> = slots[set]
                        .iter()
                        .map(|slot| slot.read().expect("a shard thread panicked"))
                        .collect();
                    let grads: Vec<&[f32]> = parts.iter().map(|p| p.0.as_slice()).collect();
                    let losses: Vec<f64> = parts.iter().map(|p| p.1).collect();
                    tr.apply_shards(&grads, &losses, parts[0].2)
                        .expect("the copies step together");
                    drop(parts);
                    set ^= 1;
                    if tr.pos == 0 {
                        break;
                    }
                }
            });
        }
    });
    let lead = &copies[0];
    (lead.history.len() > before)
        .then(|| lead.history.last().cloned())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_batch_in_order_and_differ_by_at_most_one() {
        for len in 0..40 {
            for w in 1..=9 {
                let rs: Vec<_> = (0..w).map(|s| shard_range(len, w, s)).collect();
                assert_eq!(rs[0].start, 0);
                assert_eq!(rs[w - 1].end, len);
                for pair in rs.windows(2) {
                    assert_eq!(pair[0].end, pair[1].start, "len {len}, w {w}");
                }
                let sizes: Vec<_> = rs.iter().map(|r| r.len()).collect();
                let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                assert!(hi - lo <= 1, "len {len}, w {w}: {sizes:?}");
                // The longer shards come first.
                assert!(sizes.windows(2).all(|p| p[0] >= p[1]), "{sizes:?}");
            }
        }
        assert_eq!(shard_range(10, 3, 0), 0..4);
        assert_eq!(shard_range(10, 3, 1), 4..7);
        assert_eq!(shard_range(10, 3, 2), 7..10);
    }

    #[test]
    fn combine_adds_in_shard_order() {
        // 1e8 + 1 − 1e8 in f32 depends on the grouping: (1e8 + 1) − 1e8 = 0, while a
        // different order would give 1.
        let parts: [&[f32]; 3] = [&[1e8], &[1.0], &[-1e8]];
        let mut out = [0.0f32];
        combine(&parts, &mut out);
        assert_eq!(out[0], ((1e8f32 + 1.0) - 1e8));
        assert_eq!(out[0], 0.0);
        let one: [&[f32]; 1] = [&[-0.0, 2.5]];
        let mut out = [9.0f32; 2];
        combine(&one, &mut out);
        assert_eq!(out[0].to_bits(), (-0.0f32).to_bits(), "W = 1 copies");
        assert_eq!(out[1], 2.5);
    }
}
