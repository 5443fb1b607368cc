//! The core's rules, as the page asks for them: thin JSON wrappers over the wasm
//! exports that decide what an experiment is (src/web). The page computes none of
//! these itself: which runs an experiment has, which curve a repeat belongs to, the
//! seed each run trains with, its batch, rate, total steps and data sizes
//! (`experimentRuns`); the critical batch size over the healthy runs
//! (`criticalBatch`); which run statuses are finished or healthy (`runStatuses`);
//! every parameter's kind, range and choices (`paramsTable`); how the data file is
//! split (`dataSizes`).
//!
//! Each function takes the wasm module as its first argument, so the pure page
//! modules can be unit-tested with a stand-in.

/**
 * The experiment's runs in `Config::runs()` order, each
 * `{index, group, groupCount, label, k, repeat, cell, seed, shuffleSeed, batch, lr, kEff,
 *   stepsPerEpoch, totalSteps, trainSize, testSize, config}`.
 * @param {number|null} nImages  images in the loaded training file; before it is read,
 *   null (the core then assumes the file the page ships)
 */
export function experimentRuns(wasm, config, nImages) {
  return JSON.parse(wasm.experimentRuns(JSON.stringify(config), nImages ?? undefined));
}

/** How a file of `nImages` images is used: `{images, trainAvail, train, test}`. */
export function dataSizes(wasm, config, nImages) {
  return JSON.parse(wasm.dataSizes(JSON.stringify(config), nImages));
}

/**
 * The critical batch size of the stored runs (`{median, min, max, q1, q3, n, excluded}`),
 * or null when no healthy run has measured it: the core's, over the page's record store.
 * @param {{criticalBatch: () => string}} history  the wasm History
 */
export function criticalBatch(history) {
  return JSON.parse(history.criticalBatch());
}

/** `{terminal, healthy}`: the sets of statuses that end a run, and that end it well. */
export function runStatuses(wasm) {
  const rows = JSON.parse(wasm.runStatuses());
  return {
    terminal: new Set(rows.filter((s) => s.terminal).map((s) => s.name)),
    healthy: new Set(rows.filter((s) => s.healthy).map((s) => s.name)),
  };
}

/** The parameter table: `[{name, csv, help, allowed, default, kind, min, max, choices, special}]`. */
export function paramsTable(wasm) {
  return JSON.parse(wasm.paramsTable());
}
