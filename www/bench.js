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
//! 5. memory: a fresh worker trains a real run for 50 epochs and reports its wasm memory;
//! 6. page: end to end at each batch of `?pages=` (default 1, 8, 32, 1024), `?epochs=` epochs
//!    of the article's 8,000 samples with evaluation and noise probes: first the page's own
//!    run worker (worker.js, driven here as runs.js drives it) with the breakdown of every
//!    epoch it reports, then the real page (index.html in an iframe, `autorun=1`) read through
//!    its embedding messages; each against the one-worker training rate at that batch
//!    measured just before and just after (median of three calls each), so the ratio is of
//!    one moment even on a shared machine;
//! 7. article: the article preset in the real page (iframe), from creating the frame to its
//!    `done` message, against the ideal (all samples at the combined training rate of the
//!    pool's workers, measured right after).
//!
//! Deliberately no charts and no styling beyond the table text: this page is a measurement.
//! The timing itself happens inside wasm (src/web/bench.rs); this file only schedules.

import { MAX_WORKERS, poolSize } from "./pool.js";

const DATA = ["data/train-images-idx3-ubyte.gz", "data/train-labels-idx1-ubyte.gz"];
const MEMORY_QUERY = "b0=32&lr0=0.01&k=1&epochs=50&train=500&dropout=0.25&seed=1";
const PARALLEL_BATCHES = [8, 32];
const KERNEL_BATCH = 32;

const params = new URLSearchParams(location.search);
const SECONDS = Math.min(60, Number(params.get("seconds")) || 2);
const batchList = (key, fallback) =>
  (params.get(key) || fallback)
    .split(",")
    .map(Number)
    .filter((b) => Number.isInteger(b) && b >= 1 && b <= 4096);
const BATCHES = batchList("batches", "1,8,32,128,1024");
const PAGE_BATCHES = batchList("pages", "1,8,32,1024");
const PAGE_EPOCHS = Math.max(1, Math.min(20, Math.round(Number(params.get("epochs")) || 3)));
// The page's own pool size by default; `?workers=` may ask for 1 to MAX_WORKERS, no more.
const WORKERS = Math.max(1, Math.min(MAX_WORKERS, Math.round(Number(params.get("workers")) || poolSize())));
const PARTS = new Set((params.get("parts") || "train,eval,kernels,parallel,memory,page,article").split(","));
const ARTICLE_QUERY = "preset=article&autorun=1";

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
    page: [],
    article: null,
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
  for (const batch of PARTS.has("page") ? PAGE_BATCHES : []) await pageRun(one, data, batch, results);
  if (PARTS.has("article")) await article(one, data, results);
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
    gflops: (sps * runs[0].flopPerSample) / 1e9,
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

/** One worker's training rate at `batch`: median of three calls of about SECONDS / 2. */
async function trainRate(w, batch) {
  const steps = await stepsFor(w, batch, SECONDS / 2);
  const rates = [];
  for (let i = 0; i < 3; i++) rates.push((await w.call("train", { batch, steps })).samplesPerSec);
  return median(rates);
}

/** The experiment config of a URL query, as the page would build it. */
async function configOf(w, query) {
  const parsed = await w.call("config", { query });
  if (parsed.errors.length) throw new Error(`bad query ${query}: ${JSON.stringify(parsed.errors)}`);
  return parsed.config;
}

/** One run of `config` (its first k) in the page's run worker, driven as runs.js drives it:
 * resolves with its epoch records and the timing of each epoch. */
function runWorker(data, config) {
  return new Promise((resolve, reject) => {
    const w = new Worker("worker.js", { type: "module", name: "bench: page worker" });
    const epochs = [];
    w.onmessage = (e) => {
      const m = e.data;
      if (m.type === "epoch") epochs.push({ record: m.record, timing: m.timing });
      else if (m.type === "error") {
        w.terminate();
        reject(new Error(`page worker: ${m.message}`));
      } else if (m.type === "end") {
        w.terminate();
        if (m.status !== "done") reject(new Error(`page worker: run ended ${m.status}`));
        else resolve(epochs);
      }
    };
    w.onerror = (e) => {
      w.terminate();
      reject(new Error(`page worker: ${e.message || "failed to load"}`));
    };
    w.postMessage({ type: "init", k: config.k[0], repeat: 0, config, images: data.images, labels: data.labels });
  });
}

/** The real page with `query` in an iframe, until its `done` message: the epoch messages it
 * announced, its done message, and the milliseconds from creating the frame to done. */
function runFrame(query) {
  return new Promise((resolve, reject) => {
    const frame = document.createElement("iframe");
    frame.width = 1200;
    frame.height = 900;
    frame.title = "the page under test";
    const epochs = [];
    const t0 = performance.now();
    const timer = setTimeout(() => finish(new Error(`page ${query}: no done after 20 minutes`)), 20 * 60_000);
    const onMessage = (e) => {
      if (e.source !== frame.contentWindow || !e.data) return;
      if (e.data.type === "lr-batch-playground:epoch") epochs.push({ ...e.data, atMs: performance.now() - t0 });
      if (e.data.type === "lr-batch-playground:done")
        finish(null, { epochs, done: e.data, ms: performance.now() - t0 });
    };
    function finish(err, value) {
      clearTimeout(timer);
      removeEventListener("message", onMessage);
      frame.remove(); // ends its workers
      if (err) reject(err);
      else resolve(value);
    }
    addEventListener("message", onMessage);
    frame.src = `index.html?${query}`;
    document.body.append(frame);
  });
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0);

/** End to end at one batch: the run worker with its breakdown, then the real page. */
async function pageRun(one, data, batch, results) {
  const query = `b0=${batch}&k=1&epochs=${PAGE_EPOCHS}`;
  status(`batch ${batch}: training rate before`);
  const config = await configOf(one, query);
  const before = await trainRate(one, batch);
  status(`batch ${batch}: the page's run worker alone, ${query}`);
  const epochs = await runWorker(data, config);
  status(`batch ${batch}: the page in a frame, ${query}&autorun=1`);
  const frame = await runFrame(`${query}&autorun=1`);
  status(`batch ${batch}: training rate after`);
  const after = await trainRate(one, batch);
  const bench = (before + after) / 2;
  // A worker without per-epoch timing (an older worker.js) still gives the rate.
  const timed = epochs.every((e) => e.timing);
  const t = (key) => (timed ? sum(epochs.map((e) => e.timing[key])) : NaN);
  const samples = epochs[epochs.length - 1].record.samples;
  const wall = epochs[epochs.length - 1].record.wallMs;
  const lastPage = frame.epochs[frame.epochs.length - 1];
  const row = {
    batch,
    query,
    epochs: epochs.length,
    bench,
    benchBefore: before,
    benchAfter: after,
    worker: samples / (wall / 1000),
    page: lastPage.samples / (lastPage.wallMs / 1000),
    pageSeconds: frame.ms / 1000,
    sameNumbers: frame.epochs.every(
      (p, i) => epochs[i] && p.testAcc === epochs[i].record.testAcc && p.trainLoss === epochs[i].record.trainLoss,
    ),
    // ms per epoch
    perEpoch: {
      wall: wall / epochs.length,
      steps: (1000 * samples) / bench / epochs.length,
      inStep: t("stepMs") / epochs.length,
      eval: t("evalMs") / epochs.length,
      probe: t("probeMs") / epochs.length,
      between: (t("parseMs") + t("postMs") + t("yieldMs")) / epochs.length,
      parse: t("parseMs") / epochs.length,
      post: t("postMs") / epochs.length,
      yield: t("yieldMs") / epochs.length,
      chunks: t("chunks") / epochs.length,
    },
  };
  results.page.push(row);
  render(results);
}

/** The article preset in the real page, then the pool's combined training rate. */
async function article(one, data, results) {
  status("the article preset in the page (7 runs × 10 epochs)");
  const frame = await runFrame(ARTICLE_QUERY);
  status("the pool's combined training rate at batch 32");
  const extra = await Promise.all(Array.from({ length: WORKERS - 1 }, () => startWorker(data)));
  const all = [one, ...extra];
  const steps = await stepsFor(one, 32, SECONDS);
  const totals = [];
  for (let i = 0; i < 3; i++) {
    const rs = await Promise.all(all.map((w) => w.call("train", { batch: 32, steps })));
    totals.push(sum(rs.map((r) => r.samplesPerSec)));
  }
  extra.forEach((w) => w.terminate());
  const combined = median(totals);
  const runs = frame.done.runs;
  const lastOf = (i) => frame.epochs.filter((e) => e.run === i).pop();
  const samples = sum(runs.map((_, i) => lastOf(i)?.samples ?? 0));
  const active = runs.map((_, i) => lastOf(i)?.wallMs ?? 0); // each run's active ms
  const firstEpoch = frame.epochs[0];
  results.article = {
    query: ARTICLE_QUERY,
    runs: runs.length,
    workers: WORKERS,
    seconds: frame.ms / 1000,
    samples,
    combined,
    ideal: samples / combined,
    // Whole runs on the pool: the longest worker's share when runs are dealt in order.
    wholeRuns: (Math.ceil(runs.length / WORKERS) * (samples / runs.length)) / (combined / WORKERS),
    meanRunSeconds: sum(active) / active.length / 1000,
    // From creating the frame to the first run's start: load, wasm compile, data, worker start.
    startSeconds: (firstEpoch.atMs - firstEpoch.wallMs) / 1000,
  };
  render(results);
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
  if (r.page.length) {
    lines.push(
      "",
      `end to end, ${r.page[0].epochs} epochs of the article's data (evaluation of the test ` +
        "split after each epoch and noise probes included), against one worker's training rate " +
        "at the same batch measured just before and after:",
      "",
      "| batch | training rate | page's run worker | × | the page (iframe) | × | same numbers |",
      "|------:|------:|------:|-----:|------:|-----:|:--:|",
    );
    for (const p of r.page) {
      const cells = [
        p.batch,
        int(p.bench),
        int(p.worker),
        (p.worker / p.bench).toFixed(2),
        int(p.page),
        (p.page / p.bench).toFixed(2),
        p.sameNumbers ? "yes" : "NO",
      ];
      lines.push(`| ${cells.join(" | ")} |`);
    }
    lines.push(
      "",
      "where an epoch's time goes in the page's run worker, ms per epoch and share of the " +
        "epoch, all measured within the same epochs (so they hold on a busy machine, where " +
        "the rates above move with the load): training steps = time inside `step` calls " +
        "less evaluation and probes (the trainer's shuffling, gathering and bookkeeping " +
        "included); between chunks = parsing the step reports, posting messages (progress " +
        "a few times a second, each epoch) and yielding to the event loop; the rest = the " +
        "worker's own JavaScript. The last column: the training steps' time at the bench's " +
        "rate, for comparison (it moves with the load).",
      "",
      "| batch | epoch | training steps | evaluation | noise probes | between chunks | (parse, post, yield) | the rest | chunks | at the bench's rate |",
      "|------:|------:|------:|------:|------:|------:|------:|------:|------:|------:|",
    );
    for (const p of r.page.filter((p) => Number.isFinite(p.perEpoch.inStep))) {
      const e = p.perEpoch;
      const pct = (ms) => `${ms.toFixed(1)} (${((100 * ms) / e.wall).toFixed(1)}%)`;
      const training = e.inStep - e.eval - e.probe;
      const rest = e.wall - e.inStep - e.between;
      const split = [e.parse, e.post, e.yield].map((ms) => ms.toFixed(1)).join(", ");
      const cells = [
        p.batch,
        e.wall.toFixed(1),
        pct(training),
        pct(e.eval),
        pct(e.probe),
        pct(e.between),
        split,
        pct(rest),
        e.chunks.toFixed(0),
        e.steps.toFixed(1),
      ];
      lines.push(`| ${cells.join(" | ")} |`);
    }
  }
  if (r.article) {
    const a = r.article;
    lines.push(
      "",
      `the article preset (${a.runs} runs, ${int(a.samples)} training samples) in the page on ` +
        `${a.workers} workers: ${a.seconds.toFixed(1)} s from opening the page to its done ` +
        `message. Ideal: ${a.ideal.toFixed(1)} s (every sample at the workers' combined training ` +
        `rate, ${int(a.combined)} samples/s at batch 32); with whole runs dealt to the workers ` +
        `${a.wholeRuns.toFixed(1)} s (${Math.ceil(a.runs / a.workers)} runs on the busiest ` +
        `worker); page load to the first run's start ${a.startSeconds.toFixed(1)} s; ` +
        `a run's mean active time ${a.meanRunSeconds.toFixed(1)} s against ` +
        `${(a.samples / a.runs / (a.combined / a.workers)).toFixed(1)} s at the training rate ` +
        `(evaluation, probes and the page's own work).`,
    );
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
