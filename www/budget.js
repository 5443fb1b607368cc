//! The work budget: what an experiment will cost before it starts.
//!
//! Cost = training samples × seconds per sample. The samples come from the core's
//! run list (each run's training-set size × epochs, plus one forward pass over its
//! test split per epoch, which costs about a third of a training sample). The
//! speed is one worker's training samples per second measured in this browser
//! (from the runs' own records, kept in localStorage between visits) or, before
//! any run has finished an epoch here, DEFAULT_SPEED: about half what one
//! Chromium worker trains on a laptop core (README, "Speed"), so a first
//! estimate errs on the long side.
//!
//! An experiment whose cost exceeds BUDGET_SECONDS of every pool worker (about
//! two minutes of this machine's cores) is "large": a link's `autorun` does not
//! start it by itself; the page shows the estimate and waits for Run.
//! Pure functions only, except `loadSpeed` / `saveSpeed` (localStorage).

/** Training samples per second of one worker, before any is measured here. */
export const DEFAULT_SPEED = 10_000;
/** Wall-clock seconds of a full pool that autorun may spend without asking. */
export const BUDGET_SECONDS = 120;
/** An evaluated test sample costs about this share of a trained one (forward only). */
const EVAL_SHARE = 1 / 3;
const SPEED_KEY = "lr-batch-playground:samples-per-second";

/** Training-sample equivalents of every run: Σ epochs × (trainSize + testSize / 3). */
export function experimentSamples(specs) {
  let total = 0;
  for (const s of specs) total += (s.config?.epochs ?? 1) * (s.trainSize + EVAL_SHARE * s.testSize);
  return total;
}

/**
 * The estimate: `{samples, workerSeconds, wallSeconds, over}`. `workerSeconds` is the
 * cost in one worker's time; `wallSeconds` spreads it over the runs that train at once.
 * @param {object[]} specs  experimentRuns' rows
 * @param {number} speed  one worker's samples per second
 * @param {number} slots  the pool size
 */
export function estimate(specs, speed, slots) {
  const samples = experimentSamples(specs);
  const workerSeconds = samples / Math.max(1, speed);
  const parallel = Math.max(1, Math.min(slots, specs.length));
  const wallSeconds = workerSeconds / parallel;
  return { samples, workerSeconds, wallSeconds, over: workerSeconds > BUDGET_SECONDS * slots };
}

/** A duration for people: "40 s", "3 min", "1.5 h". */
export function durationText(seconds) {
  if (!Number.isFinite(seconds)) return "–";
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  const h = seconds / 3600;
  return `${h < 10 ? h.toFixed(1) : Math.round(h)} h`;
}

/** The line shown next to Run. */
export function estimateText(est, { slots, runs, measured }) {
  const at = Math.min(slots, runs);
  const how = measured ? "at this browser's measured speed" : "at a typical speed";
  return `≈ ${durationText(est.wallSeconds)} of training, ${at} run${at === 1 ? "" : "s"} at once (${how})`;
}

/**
 * One worker's speed from an epoch record: the sample equivalents it has worked
 * through (trained samples, plus its epochs' test passes, counted as in
 * `experimentSamples`) over its active wall time; null when the record cannot tell.
 */
export function speedOf(record, testSize = 0) {
  if (!record || !(record.wallMs > 0) || !(record.samples > 0)) return null;
  return (1000 * (record.samples + (record.epoch || 0) * EVAL_SHARE * testSize)) / record.wallMs;
}

/** The speed remembered from an earlier visit, or null. */
export function loadSpeed(storage = globalThis.localStorage) {
  try {
    const v = Number(storage?.getItem(SPEED_KEY));
    return Number.isFinite(v) && v > 0 ? v : null;
  } catch {
    return null; // storage refused (sandboxed frame, privacy mode)
  }
}

/** Remembers a measured speed for the next visit. */
export function saveSpeed(speed, storage = globalThis.localStorage) {
  try {
    if (Number.isFinite(speed) && speed > 0) storage?.setItem(SPEED_KEY, String(Math.round(speed)));
  } catch {
    // storage refused: the estimate falls back to the default next time
  }
}
