//! The bench page: drives bench-worker.js and prints the results as markdown tables, for a
//! person reading the page and for `tools/bench/bench.mjs` (which reads
//! `window.benchResults` once it is set, or `window.benchError`).
//!
//! Measurements, in order (each part can be chosen with `?parts=`):
//! 1. train: one worker at each batch size; a short calibration call sizes the timed call to
//!    about `seconds`; three timed calls, the median is reported;
//! 2. eval: evaluation of the 2,000 test digits in one worker (median of three);
//! 3. kernels: each kernel of a training chunk of 32 samples alone (one worker);
//! 4. parallel: all workers at once (navigator.hardwareConcurrency, at least 2) at batch 8
//!    and 32: every worker runs the same timed call, the total is the sum of their rates
//!    (the calls last several seconds each, so their timed parts overlap almost entirely);
//!    median of three;
//! 5. memory: a fresh worker trains a real run for 50 epochs and reports its wasm memory.
//!
//! Deliberately no charts and no styling beyond the table text: this page is a measurement.
//! The timing itself happens inside wasm (src/web/bench.rs); this file only schedules.

const DATA = ["data/train-images-idx3-ubyte.gz", "data/train-labels-idx1-ubyte.gz"];
const TRAIN_FLOP = 1.1e6; // per training sample, as benches/train.rs
const MEMORY_QUERY = "b0=32&lr0=0.01&k=1&epochs=50&train=500&dropout=0.25&seed=1";
const PARALLEL_BATCHES = [8, 32];
const KERNEL_BATCH = 32;

const params = new URLSearchParams(location.search);
const SECONDS = Number(params.get("seconds")) || 2;
const BATCHES = (params.get("batches") || "1,8,32,128,1024").split(",").map(Number);
const WORKERS = Number(params.get("workers")) || Math.max(2, navigator.hardwareConcurrency || 2);
const PARTS = new Set((params.get("parts") || "train,eval,kernels,parallel,memory").split(","));

const out = document.getElementById("out");
const status = (s) => {
  document.getElementById("status").textContent = s;
  console.log(`bench: ${s}`);
};

/** A worker with a promise-returning `call(op, args)`. */
class BenchWorker {
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

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function loadData() {
  const [images, labels] = await Promise.all(
    DATA.map(async (url) => {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
      return res.arrayBuffer();
    }),
  );
  return { images, labels };
}

/** A worker holding the data, warmed up: V8 first runs wasm in its baseline compiler and
 * swaps in optimised code for hot functions a little later (in the background, so later
 * still on a busy machine); half a second of training and evaluation first keeps that
 * switch out of the measurements. */
async function startWorker(data, warm = true) {
  const w = new BenchWorker();
  await w.call("init", data); // copied, not transferred: every worker gets the bytes
  if (warm) {
    await w.call("train", { batch: 32, steps: 200 });
    await w.call("eval", { reps: 2 });
  }
  return w;
}

/** Steps for one timed call of about `seconds`, from a short calibration call. */
async function stepsFor(w, batch, seconds) {
  const probe = await w.call("train", { batch, steps: Math.max(1, Math.round(64 / batch)) });
  return Math.max(1, Math.min(1e6, Math.round((seconds * 1000) / probe.msPerStep)));
}

async function main() {
  const t0 = performance.now();
  status("loading data");
  const data = await loadData();
  const one = await startWorker(data);
  const results = {
    userAgent: navigator.userAgent,
    cores: navigator.hardwareConcurrency || null,
    workers: WORKERS,
    seconds: SECONDS,
    train: [],
    eval: null,
    kernels: null,
    parallel: [],
    memory: null,
  };

  for (const batch of PARTS.has("train") ? BATCHES : []) await oneWorker(one, batch, results);
  if (PARTS.has("eval")) await evaluation(one, results);
  if (PARTS.has("kernels")) {
    status("each kernel alone");
    const rows = await one.call("kernels", { batch: KERNEL_BATCH, reps: 20 });
    results.kernels = { batch: KERNEL_BATCH, rows };
    render(results);
  }
  if (PARTS.has("parallel")) await parallel(one, data, results);
  one.terminate();
  if (PARTS.has("memory")) {
    status("memory over 50 epochs (a fresh worker)");
    const fresh = await startWorker(data, false);
    const memory = await fresh.call("memory", { query: MEMORY_QUERY });
    results.memory = { query: MEMORY_QUERY, ...memory };
    fresh.terminate();
  }

  results.totalSeconds = (performance.now() - t0) / 1000;
  results.markdown = markdown(results);
  render(results);
  status(`done in ${results.totalSeconds.toFixed(0)} s`);
  window.benchResults = results;
}

/** One worker at one batch size: the median of three timed calls of about SECONDS. */
async function oneWorker(one, batch, results) {
  status(`one worker, batch ${batch}`);
  const steps = await stepsFor(one, batch, SECONDS);
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await one.call("train", { batch, steps }));
  const sps = median(runs.map((r) => r.samplesPerSec));
  const row = {
    batch,
    steps,
    samplesPerSec: sps,
    msPerStep: (1000 * batch) / sps,
    gflops: (sps * TRAIN_FLOP) / 1e9,
    kernels: runs[0].kernels,
  };
  results.train.push(row);
  results.train.sort((a, b) => a.batch - b.batch);
  render(results);
  return row;
}

async function evaluation(one, results) {
  status("evaluation");
  const probe = await one.call("eval", { reps: 1 });
  const reps = Math.max(1, Math.round((SECONDS * 1000) / probe.msPerPass));
  const evals = [];
  for (let i = 0; i < 3; i++) evals.push(await one.call("eval", { reps }));
  const ev = evals.sort((a, b) => a.samplesPerSec - b.samplesPerSec)[1];
  const { samples, msPerPass, samplesPerSec, gflops } = ev;
  results.eval = { samples, msPerPass, samplesPerSec, gflops };
  render(results);
}

/** All workers at once; `one` is reused as the first of them. */
async function parallel(one, data, results) {
  status(`${WORKERS} workers at once`);
  const extra = await Promise.all(Array.from({ length: WORKERS - 1 }, () => startWorker(data)));
  const all = [one, ...extra];
  for (const batch of PARALLEL_BATCHES) {
    const single = results.train.find((r) => r.batch === batch) || (await oneWorker(one, batch, results));
    const steps = Math.max(1, Math.round((3 * SECONDS * 1000) / single.msPerStep));
    const totals = [];
    for (let i = 0; i < 3; i++) {
      const rs = await Promise.all(all.map((w) => w.call("train", { batch, steps })));
      totals.push(rs.reduce((s, r) => s + r.samplesPerSec, 0));
    }
    const total = median(totals);
    const speedup = total / single.samplesPerSec;
    results.parallel.push({ batch, workers: WORKERS, samplesPerSec: total, speedup });
    render(results);
  }
  extra.forEach((w) => w.terminate());
}

const int = (x) => Math.round(x).toLocaleString("en-US");
const mb = (b) => (b / 2 ** 20).toFixed(1);

/** The results as markdown tables (also what tools/bench/bench.mjs prints). */
function markdown(r) {
  const lines = [];
  if (r.train.length) {
    lines.push(`one worker (kernels: ${r.train[0].kernels})`, "");
    lines.push("| batch | step (ms) | train samples/s | GFLOP/s |");
    lines.push("|------:|----------:|----------------:|--------:|");
    for (const t of r.train) {
      const cells = [t.batch, t.msPerStep.toFixed(3), int(t.samplesPerSec), t.gflops.toFixed(2)];
      lines.push(`| ${cells.join(" | ")} |`);
    }
  }
  if (r.parallel.length) {
    lines.push("", "| workers | batch | train samples/s, all workers | × one worker |");
    lines.push("|--------:|------:|----------------:|-------------:|");
    for (const p of r.parallel) {
      const cells = [p.workers, p.batch, int(p.samplesPerSec), p.speedup.toFixed(2)];
      lines.push(`| ${cells.join(" | ")} |`);
    }
  }
  if (r.eval) {
    const e = r.eval;
    lines.push(
      "",
      `evaluation of the ${e.samples} test digits: ${e.msPerPass.toFixed(1)} ms ` +
        `(${int(e.samplesPerSec)} samples/s, ${e.gflops.toFixed(2)} GFLOP/s)`,
    );
  }
  if (r.kernels) {
    const perSample = (ms) => ((ms * 1000) / r.kernels.batch).toFixed(2);
    lines.push("", `per kernel, one chunk of ${r.kernels.batch} samples:`, "");
    lines.push("| kernel | µs per sample |", "|:-------|--------------:|");
    let total = 0;
    for (const k of r.kernels.rows) {
      if (k.training) total += k.ms;
      lines.push(`| ${k.kernel} | ${perSample(k.ms)} |`);
    }
    lines.push(`| training kernels, total | ${perSample(total)} |`);
  }
  if (r.memory) {
    const m = r.memory;
    const flat = m.bytesAtEnd === m.bytesAfterEpoch1 ? "flat" : "GREW";
    lines.push(
      "",
      `wasm memory of one worker training ${m.epochs} epochs (${m.query}): ` +
        `${mb(m.bytesAtStart)} MB at start, ${mb(m.bytesAfterSetup)} MB with the trainer, ` +
        `${mb(m.bytesAfterEpoch1)} MB after epoch 1, ${mb(m.bytesAtEnd)} MB after epoch ` +
        `${m.epochs}: ${flat} (${(m.ms / 1000).toFixed(1)} s, ` +
        `test accuracy ${(100 * m.testAcc).toFixed(1)}%)`,
    );
  }
  return lines.join("\n");
}

function render(r) {
  out.textContent = markdown(r);
}

main().catch((err) => {
  status(`failed: ${err.message}`);
  window.benchError = err.message;
});
