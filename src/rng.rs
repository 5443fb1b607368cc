//! The one seeded random number generator of the project.
//!
//! Everything random (weight initialisation, the shuffle of each epoch, dropout
//! masks) draws from an [`Rng`] built from the experiment's seed, so the same
//! seed gives the same numbers natively and in wasm. The generator is
//! xoshiro256++ from `rand_xoshiro`; floats are made from the top bits of a
//! `u32` with integer arithmetic only, which is exact on every platform.
//!
//! Independent streams (init, shuffle, dropout) come from [`Rng::stream`], so
//! changing how many numbers one consumer draws never shifts another's.

use rand_core::{Rng as _, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Stream ids passed to [`Rng::stream`].
pub mod streams {
    pub const INIT: u64 = 1;
    pub const SHUFFLE: u64 = 2;
    pub const DROPOUT: u64 = 3;
    pub const PROBE: u64 = 4;
}

#[derive(Clone, Debug)]
pub struct Rng(Xoshiro256PlusPlus);

impl Rng {
    /// A generator seeded from a `u64` (expanded by SplitMix64 inside `seed_from_u64`).
    pub fn new(seed: u64) -> Self {
        Rng(Xoshiro256PlusPlus::seed_from_u64(seed))
    }

    /// An independent generator for one consumer of an experiment's seed.
    pub fn stream(seed: u64, stream: u64) -> Self {
        // Mix the stream id with a large odd constant so streams 1, 2, 3 of
        // seed s never coincide with streams of seed s + 1.
        Rng::new(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    pub fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Advances the generator as `n` calls of [`Rng::next_u32`] (or `next_u64`) would, in
    /// O(log n) work (xoshiro's jump polynomial): a shard of a data-parallel step draws
    /// the dropout masks of its samples where the whole batch would have drawn them.
    pub fn skip(&mut self, n: u64) {
        if n > 0 {
            self.0.jump_n(&[n, 0, 0, 0]);
        }
    }

    /// Uniform in [0, 1) with 24 bits of precision (every value exactly representable).
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32)
    }

    /// Uniform in [lo, hi).
    pub fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.next_f32()
    }

    /// Uniform integer in [0, n), unbiased (Lemire's multiply-and-reject). `n > 0`.
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "Rng::below(0)");
        let n = n as u64;
        loop {
            let m = (self.next_u64() as u128) * (n as u128);
            let low = m as u64;
            if low >= n.wrapping_neg() % n {
                return (m >> 64) as usize;
            }
        }
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i + 1);
            xs.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn skip_is_that_many_draws() {
        for n in [1u64, 2, 63, 5408, 5408 * 37 + 5] {
            let mut a = Rng::new(5);
            let mut b = a.clone();
            for _ in 0..n {
                a.next_u32();
            }
            b.skip(n);
            assert_eq!(a.next_u64(), b.next_u64(), "n = {n}");
        }
    }

    #[test]
    fn streams_differ() {
        let mut a = Rng::stream(1, streams::INIT);
        let mut b = Rng::stream(1, streams::SHUFFLE);
        assert_ne!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn floats_in_range_and_below_is_uniform() {
        let mut r = Rng::new(3);
        let mut counts = [0usize; 5];
        for _ in 0..50_000 {
            let f = r.next_f32();
            assert!((0.0..1.0).contains(&f));
            counts[r.below(5)] += 1;
        }
        for c in counts {
            assert!((9_000..11_000).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut r = Rng::new(11);
        let mut v: Vec<usize> = (0..1000).collect();
        r.shuffle(&mut v);
        assert_ne!(v, (0..1000).collect::<Vec<_>>());
        v.sort_unstable();
        assert_eq!(v, (0..1000).collect::<Vec<_>>());
    }
}
