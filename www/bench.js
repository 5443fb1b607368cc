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
//! 8. shards: data-parallel runs, `workers` 1 and 2, of the page's run worker at batch 8 …
//!    4096 (`?shards=` batches, `?epochs=` epochs each), samples/s of the training steps.
//! 7. article: the article preset in the real page (iframe), from creating the frame to its
//!    `done` message, against the ideal (all samples at the combined training rate of the
//!    pool's workers, measured right after).
//!
//! Deliberately no charts and no styling beyond the table text: this page is a measurement.
//! The timing itself happens inside wasm (src/web/bench.rs); this file only schedules. The
//! worker calls are in bench-calls.js, parts 6 and 7 in bench-e2e.js.

import { MAX_WORKERS, poolSize } from "./pool.js";
import { median, int, startWorker, stepsFor } from "./bench-calls.js";
import {
  pageRun,
  article,
  pageMarkdown,
  articleMarkdown,
  shardScaling,
  shardMarkdown,
  SHARD_BATCHES,
} from "./bench-e2e.js";

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
const PARTS = new Set((params.get("parts") || "train,eval,kernels,parallel,memory,page,article,shards").split(","));
const SHARD_LIST = batchList("shards", SHARD_BATCHES.join(","));

const out = document.getElementById("out");
const status = (s) => {
  document.getElementById("status").textContent = s;
  console.log(`bench: ${s}`);
};

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
    shards: null,
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
  const e2e = { epochs: PAGE_EPOCHS, seconds: SECONDS, workers: WORKERS, status };
  for (const batch of PARTS.has("page") ? PAGE_BATCHES : []) {
    results.page.push(await pageRun(one, data, batch, e2e));
    render(results);
  }
  if (PARTS.has("article")) {
    results.article = await article(one, data, e2e);
    render(results);
  }
  if (PARTS.has("shards")) {
    results.shards = await shardScaling(one, data, { epochs: Math.min(PAGE_EPOCHS, 2), batches: SHARD_LIST, status });
    render(results);
  }
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
  lines.push(...pageMarkdown(r.page), ...articleMarkdown(r.article), ...shardMarkdown(r.shards));
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
