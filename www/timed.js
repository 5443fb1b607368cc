//! Named phases of the page's work: `timed(name, fn)` runs `fn` inside a
//! `performance.measure` ("page:table", "page:landscape", …) that a PerformanceObserver
//! (the e2e test's, the browser's profiler) can attribute long tasks to. main.js clears
//! the measures with each new experiment. Nothing else: no state, no DOM.

/** Runs `fn` as the phase `page:{name}` and answers what it answers. */
export function timed(name, fn) {
  const start = performance.now();
  try {
    return fn();
  } finally {
    performance.measure(`page:${name}`, { start, end: performance.now() });
  }
}
