//! The bench page's end-to-end parts (bench.js runs them when `?parts=` has `page` or
//! `article`): a run of the page's own run worker (worker.js, driven as runs.js drives it)
//! with the time breakdown of every epoch, the real page in an iframe read through its
//! embedding messages, and the article preset in that page against the pool's combined
//! training rate; data-parallel runs (`workers` 1 and 2) of the run worker at each batch;
//! plus their markdown tables. Each measurement answers its row; bench.js
//! keeps the results and prints them.

import { median, sum, int, startWorker, stepsFor, trainRate, configOf } from "./bench-calls.js";

const ARTICLE_QUERY = "preset=article&autorun=1";

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

/**
 * End to end at one batch: the run worker with its breakdown, then the real page, each
 * against `one`'s training rate (calls of `seconds` / 2) measured just before and after.
 */
export async function pageRun(one, data, batch, { epochs: nEpochs, seconds, status }) {
  const query = `b0=${batch}&k=1&epochs=${nEpochs}`;
  status(`batch ${batch}: training rate before`);
  const config = await configOf(one, query);
  const before = await trainRate(one, batch, seconds / 2);
  status(`batch ${batch}: the page's run worker alone, ${query}`);
  const epochs = await runWorker(data, config);
  status(`batch ${batch}: the page in a frame, ${query}&autorun=1`);
  const frame = await runFrame(`${query}&autorun=1`);
  status(`batch ${batch}: training rate after`);
  const after = await trainRate(one, batch, seconds / 2);
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
  return row;
}

/** The article preset in the real page, then the combined training rate of `workers`. */
export async function article(one, data, { workers, seconds, status }) {
  status("the article preset in the page (7 runs × 10 epochs)");
  const frame = await runFrame(ARTICLE_QUERY);
  status("the pool's combined training rate at batch 32");
  const extra = await Promise.all(Array.from({ length: workers - 1 }, () => startWorker(data)));
  const all = [one, ...extra];
  const steps = await stepsFor(one, 32, seconds);
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
  return {
    query: ARTICLE_QUERY,
    runs: runs.length,
    workers: workers,
    seconds: frame.ms / 1000,
    samples,
    combined,
    ideal: samples / combined,
    // Whole runs on the pool: the longest worker's share when runs are dealt in order.
    wholeRuns: (Math.ceil(runs.length / workers) * (samples / runs.length)) / (combined / workers),
    meanRunSeconds: sum(active) / active.length / 1000,
    // From creating the frame to the first run's start: load, wasm compile, data, worker start.
    startSeconds: (firstEpoch.atMs - firstEpoch.wallMs) / 1000,
  };
}

/** The end-to-end rows as markdown lines (none for none). */
export function pageMarkdown(page) {
  const lines = [];
  if (page.length) {
    lines.push(
      "",
      `end to end, ${page[0].epochs} epochs of the article's data (evaluation of the test ` +
        "split after each epoch and noise probes included), against one worker's training rate " +
        "at the same batch measured just before and after:",
      "",
      "| batch | training rate | page's run worker | × | the page (iframe) | × | same numbers |",
      "|------:|------:|------:|-----:|------:|-----:|:--:|",
    );
    for (const p of page) {
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
    for (const p of page.filter((p) => Number.isFinite(p.perEpoch.inStep))) {
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
  return lines;
}

/** The article row as markdown lines (none without one). */
export function articleMarkdown(a) {
  const lines = [];
  if (a) {
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
  return lines;
}

/** Batch sizes of the data-parallel table. */
export const SHARD_BATCHES = [8, 16, 32, 64, 128, 256, 512, 1024, 4096];

/**
 * Data-parallel runs: at each batch, a run of the page's run worker with `workers` 1 and
 * then 2 (worker.js leads, shards.js moves the gradients: shared memory on an isolated
 * page), `epochs` epochs of the 8,000 samples. Training-step samples/s of the best epoch,
 * its evaluation and noise probes taken out (the epoch timing's wallMs − evalMs − probeMs).
 */
export async function shardScaling(one, data, { epochs, batches, status }) {
  const rows = [];
  for (const batch of batches) {
    const rate = {};
    for (const w of [1, 2]) {
      const query = `b0=${batch}&k=1&epochs=${epochs}&workers=${w}`;
      status(`data-parallel: batch ${batch}, ${w} worker${w > 1 ? "s" : ""}`);
      const runs = await runWorker(data, await configOf(one, query));
      rate[w] = Math.max(
        ...runs
          .filter((e) => e.timing && e.timing.samples > 0)
          .map((e) => e.timing.samples / ((e.timing.wallMs - e.timing.evalMs - e.timing.probeMs) / 1000)),
      );
    }
    rows.push({ batch, one: rate[1], two: rate[2], speedup: rate[2] / rate[1] });
  }
  return { transport: globalThis.crossOriginIsolated ? "shared" : "transfer", rows };
}

/** The data-parallel table, with where W = 2 first reaches 1.3 ×. */
export function shardMarkdown(r) {
  if (!r) return [];
  const first = r.rows.find((x) => x.speedup >= 1.3);
  const lines = [
    "",
    `data-parallel runs (transport: ${r.transport}), training-step samples/s of one run:`,
    "",
    "| batch | W = 1 | W = 2 | W = 2 / W = 1 |",
    "|------:|------:|------:|------:|",
  ];
  for (const x of r.rows) lines.push(`| ${x.batch} | ${int(x.one)} | ${int(x.two)} | ${x.speedup.toFixed(2)} |`);
  lines.push("", `W = 2 first reaches 1.3 × at batch ${first ? first.batch : "(none)"}`);
  return lines;
}
