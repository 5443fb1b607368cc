//! How many Web Workers train at once: the worker pool's size, capped.
//!
//! Each worker holds its own wasm instance (a few tens of MB that wasm never gives
//! back) and one training run, so the pool follows the hardware threads the browser
//! reports, but never more than MAX_WORKERS (a 64-thread machine does not start 64
//! wasm memories), and only LOW_MEMORY_WORKERS where the browser reports
//! `navigator.deviceMemory` of 2 GB or less. Browsers that report nothing get 2.
//! The page and the bench page both size their pools here.

/** The most workers any page starts at once. */
export const MAX_WORKERS = 8;
/** The pool on a device that reports at most LOW_MEMORY_GB of memory. */
export const LOW_MEMORY_WORKERS = 2;
export const LOW_MEMORY_GB = 2;
/** When the browser does not say how many threads it has. */
export const DEFAULT_THREADS = 2;

/** The pool size for a navigator (`hardwareConcurrency`, `deviceMemory`): 1 … MAX_WORKERS. */
export function poolSize(nav = globalThis.navigator) {
  const threads = Math.floor(Number(nav?.hardwareConcurrency));
  let n = Math.min(threads >= 1 ? threads : DEFAULT_THREADS, MAX_WORKERS);
  const memory = Number(nav?.deviceMemory);
  if (Number.isFinite(memory) && memory > 0 && memory <= LOW_MEMORY_GB) n = Math.min(n, LOW_MEMORY_WORKERS);
  return n;
}
