//! The summary line beside Run and the landscape's progress: pure functions of the
//! runs (as runs.js keeps them) and the config; no DOM, no wasm.
//!
//! Not here: the curves themselves. The records live in the wasm record store
//! (History, src/web/history.rs), which groups them by the core's `group` and draws.

/**
 * The landscape's progress: `{runs, finished, progress}`. An ended run (a diverged one
 * stops early) counts as a whole cell, and only an ended one: the bar is full when the
 * grid is, not when the last step is taken.
 */
export function gridProgress(runs, terminal) {
  const ended = (r) => terminal.has(r.status);
  const finished = runs.filter(ended).length;
  const part = (r) => (ended(r) ? 1 : Math.min(0.99, r.progress));
  const progress = runs.length ? runs.reduce((a, r) => a + part(r), 0) / runs.length : 0;
  return { runs: runs.length, finished, progress };
}

const STATUS_WORDS = [
  ["active", "training"],
  ["queued", "queued"],
  ["paused", "paused"],
  ["done", "done"],
  ["diverged", "diverged"],
  ["stopped", "stopped"],
  ["error", "failed"],
];

/** The summary line beside Run: "7 runs, 2 at a time · 2 training, 5 queued". */
export function summaryText(runs, config, slots) {
  const counts = { active: 0 };
  for (const r of runs) {
    const s = r.status === "running" || r.status === "loading" ? "active" : r.status;
    counts[s] = (counts[s] ?? 0) + 1;
  }
  const parts = STATUS_WORDS.filter(([s]) => counts[s]).map(([s, word]) => `${counts[s]} ${word}`);
  const n = runs.length;
  const seeds = config.repeats > 1 ? ` × ${config.repeats} seeds` : "";
  const shape =
    config.mode === "landscape"
      ? ` (${config.grid_b.length} batch sizes × ${config.grid_lr.length} rates${seeds})`
      : config.repeats > 1
        ? ` (${config.k.length}${seeds})`
        : "";
  const head = `${n} run${n === 1 ? "" : "s"}${shape}, ${Math.min(slots, n)} at a time`;
  return parts.length ? `${head} · ${parts.join(", ")}` : `${head} · ready`;
}
