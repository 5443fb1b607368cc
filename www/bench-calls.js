//! The bench page's calls into bench-worker.js, shared by bench.js and bench-e2e.js: a
//! worker with a promise per call, one loaded with the data and warmed up, the steps for a
//! timed call of a given length, one worker's training rate, and the config a URL query
//! makes. Also the few number helpers both print with. No DOM, no results table: the
//! callers decide what to measure and print.

/** A worker with a promise-returning `call(op, args)`. */
export class BenchWorker {
  constructor() {
    this.w = new Worker("bench-worker.js", { type: "module" });
    this.next = 1;
    this.pending = new Map();
    this.w.onmessage = (e) => {
      const { id, result, error } = e.data;
      const p = this.pending.get(id);
      this.pending.delete(id);
      if (error !== undefined) p.reject(new Error(error));
      else p.resolve(result);
    };
    this.w.onerror = (e) => {
      for (const p of this.pending.values()) p.reject(new Error(e.message || "worker error"));
      this.pending.clear();
    };
  }
  call(op, args = {}) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.w.postMessage({ id, op, ...args });
    });
  }
  terminate() {
    this.w.terminate();
  }
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
export const sum = (xs) => xs.reduce((a, b) => a + b, 0);
export const int = (x) => Math.round(x).toLocaleString("en-US");

/** A worker holding the data, warmed up: V8 first runs wasm in its baseline compiler and
 * swaps in optimised code for hot functions a little later (in the background, so later
 * still on a busy machine); half a second of training and evaluation first keeps that
 * switch out of the measurements. */
export async function startWorker(data, warm = true) {
  const w = new BenchWorker();
  await w.call("init", data); // copied, not transferred: every worker gets the bytes
  if (warm) {
    await w.call("train", { batch: 32, steps: 200 });
    await w.call("eval", { reps: 2 });
  }
  return w;
}

/** Steps for one timed call of about `seconds`, from a short calibration call. */
export async function stepsFor(w, batch, seconds) {
  const probe = await w.call("train", { batch, steps: Math.max(1, Math.round(64 / batch)) });
  return Math.max(1, Math.min(1e6, Math.round((seconds * 1000) / probe.msPerStep)));
}

/** One worker's training rate at `batch`: median of three calls of about `seconds`. */
export async function trainRate(w, batch, seconds) {
  const steps = await stepsFor(w, batch, seconds);
  const rates = [];
  for (let i = 0; i < 3; i++) rates.push((await w.call("train", { batch, steps })).samplesPerSec);
  return median(rates);
}

/** The experiment config of a URL query, as the page would build it. */
export async function configOf(w, query) {
  const parsed = await w.call("config", { query });
  if (parsed.errors.length) throw new Error(`bad query ${query}: ${JSON.stringify(parsed.errors)}`);
  return parsed.config;
}
