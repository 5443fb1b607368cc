//! Wiring only: loads the wasm module (for parsing, the run list, plans, drawing
//! and CSV, never for training), reads the URL, and connects the controls, the
//! runs (runs.js, one Web Worker each), the charts (curves and noise scale, or
//! the landscape), the live view and the exports.
//!
//! The page's state is one object, `app`: the experiment config (validated by
//! wasm), the view options (x axis, log scale, overlay, heatmap value, embed) and
//! the selected run. The mode (curves | landscape) is part of the config and
//! shows on <body data-mode>, which the stylesheet uses to show one set of views.
//! Every change goes through `applyConfig` or `setView`, which update the URL
//! (history.replaceState) so the address bar always reproduces the page.
//!
//! For tutorial authors, each finished epoch of each run is announced as
//!   {type: "lr-batch-playground:epoch", run, k, repeat, batch, lr, epoch, step, samples,
//!    wallMs, trainLoss, testLoss, testAcc, noiseScale, status, lrNow}
//! (lr is the run's scaled learning rate, lrNow the rate of the epoch's last
//! step, which differs during warmup and decay; repeat is the seed offset, 0 …
//! repeats−1; noiseScale is null until measured), and the end of every run as
//!   {type: "lr-batch-playground:done", runs: [{run, k, repeat, cell, batch, lr, status, epochs,
//!    step, samples, testAcc, testLoss, trainLoss, wallMs, error}]}
//! through window.parent.postMessage(msg, "*") when the page is framed, and
//! document.dispatchEvent(new CustomEvent(type, {detail: msg})) always.

import init, * as wasm from "./pkg/lr_batch_playground.js";
import { PRESETS } from "./presets.js";
import { readQuery, writeQuery, replaceUrl, presetConfig, matchPreset, errorText } from "./state.js";
import { Experiment, TERMINAL } from "./runs.js";
import { ChartView, throttledFrame } from "./chart.js";
import { LiveView, sampleIndices } from "./live.js";
import { Controls, fmt } from "./controls.js";
import { RunsTable, accText, runLabel } from "./table.js";
import { LandscapePanel } from "./landscape.js";
import { curvesCaption, landscapeCaption } from "./captions.js";

const DATA = { images: "data/train-images-idx3-ubyte.gz", labels: "data/train-labels-idx1-ubyte.gz" };
const METRICS = ["testAcc", "testLoss", "trainLoss", "lr"];
const $ = (id) => document.getElementById(id);

const app = {
  config: null,
  view: { x: "epoch", log: false, overlay: false, heat: "accuracy", embed: false, autorun: false },
  selected: 0,
  nTrainAvail: null,
};

// ---------- notices (URL problems, load failures): text only, never HTML ----------

function notice(text, kind = "warn") {
  const p = document.createElement("p");
  p.className = `notice notice-${kind}`;
  const span = document.createElement("span");
  span.textContent = text;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "notice-close";
  close.setAttribute("aria-label", "Dismiss this notice");
  close.textContent = "×";
  close.addEventListener("click", () => p.remove());
  p.append(span, close);
  $("notices").append(p);
}

// ---------- data: fetched once, copied to every worker ----------

let dataPromise = null;
function loadData() {
  dataPromise ??= Promise.all(
    [DATA.images, DATA.labels].map(async (url) => {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
      return res.arrayBuffer();
    }),
  )
    .then(([images, labels]) => ({ images, labels }))
    .catch((err) => {
      dataPromise = null; // let a later Run try again
      notice(`Could not load the MNIST data (${err.message}).`, "error");
      throw err;
    });
  return dataPromise;
}

/**
 * How many training images the data offers: the labels file's count minus the
 * test split (one fifth, as src/data/split.rs `test_size`). Only an estimate for
 * the table before any run starts; each worker's plan gives the exact numbers.
 */
async function countTrainImages(labelsGz) {
  const stream = new Blob([labelsGz]).stream().pipeThrough(new DecompressionStream("gzip"));
  const bytes = await new Response(stream).arrayBuffer();
  const n = new DataView(bytes).getUint32(4);
  return n - Math.floor((2 * n + 5) / 10);
}

// ---------- the experiment ----------

const experiment = new Experiment({ loadData });
let controls, table, chart, noiseChart, landscapeChart, landscape, live;

function nTrainFor(config) {
  return app.nTrainAvail ? Math.min(config.train, app.nTrainAvail) : config.train;
}

/**
 * The experiment's runs, as the core enumerates them (`Config::runs`), each with
 * its plan. Repeats share a plan: it is computed once per k or cell.
 */
function specsFor(config) {
  const specs = JSON.parse(wasm.experimentRuns(JSON.stringify(config)));
  const plans = new Map();
  const n = nTrainFor(config);
  return specs.map((spec) => {
    const key = `${spec.k}|${spec.config.b0}|${spec.config.lr0}`;
    if (!plans.has(key)) {
      const [p] = JSON.parse(wasm.runPlans(JSON.stringify(spec.config), n));
      plans.set(key, { ...p, totalSteps: p.stepsPerEpoch * config.epochs, nTrain: n });
    }
    return { ...spec, plan: { ...plans.get(key) } };
  });
}

/** The curve a run belongs to: its k's position (runs are k outer, repeat inner). */
function groupOf(r) {
  return Math.floor(r.index / app.config.repeats);
}
function groupCount() {
  return Math.ceil(experiment.runs.length / app.config.repeats);
}
function runColor(r) {
  if (app.config.mode === "landscape") return "#9aa3ad";
  return wasm.palette(groupOf(r), groupCount());
}
function nameOf(r) {
  return runLabel(r, app.config);
}

function kTextOf(config) {
  return new URLSearchParams(wasm.configToQuery(JSON.stringify(config))).get("k") ?? "1";
}

/** Makes `config` the experiment: runs reset, table rebuilt, controls and URL updated. */
function applyConfig(config, { kText, lrText } = {}) {
  app.config = config;
  document.body.dataset.mode = config.mode;
  experiment.setConfig(config, specsFor(config));
  const n = experiment.runs.length;
  table.build(experiment.runs, runColor, config);
  table.update(config.epochs); // at once: the new plans show before the next frame
  $("runs-caption").textContent =
    config.mode === "landscape"
      ? "One run per cell of the grid (and per seed), with its batch size and learning rate"
      : "One run per multiplier k (and per seed), with its effective batch size and learning rate";
  $("runs-section").classList.toggle("tall", n > 12);
  if (app.selected >= n) app.selected = 0;
  table.select(app.selected);
  controls.set(config, { kText: kText ?? kTextOf(config), lrText, nTrainAvail: app.nTrainAvail });
  showPreset();
  showCaptions();
  live.clear("Run the experiment to see what the network predicts.");
  refreshLive();
  updateUrl();
  render();
  invalidateCharts(true);
}

/** A control changed `key` to `text`: parse it on top of the current experiment. */
function onControlChange(key, text, source) {
  const current = wasm.configToQuery(JSON.stringify(app.config));
  let pair = `${encodeURIComponent(key)}=${encodeURIComponent(text)}`;
  // A landscape trains every cell for the whole budget: switching to it from a
  // 10-epoch experiment would start hundreds of epochs, so the switch sets 1 epoch
  // (and the warmup, which the grid does not use, within it).
  if (key === "mode" && text === "landscape" && app.config.epochs > 1) {
    pair += "&epochs=1" + (app.config.warmup > 1 ? "&warmup=0" : "");
  }
  const parsed = JSON.parse(wasm.parseQuery(current ? `${current}&${pair}` : pair, ""));
  if (parsed.errors.length) {
    controls.showErrors(parsed.errors.map(errorText), source);
    return;
  }
  controls.showErrors([]);
  if (JSON.stringify(parsed.config) === JSON.stringify(app.config)) return;
  applyConfig(parsed.config, {
    kText: key === "k" && source.id === "k" ? text : undefined,
    lrText: key === "grid_lr" ? text : undefined,
  });
}

function showCaptions() {
  const set = (id, text) => $(id).textContent !== text && ($(id).textContent = text);
  set("chart-caption", curvesCaption(app.config, app.view));
  set("landscape-caption", landscapeCaption(app.config, app.view));
}

// ---------- presets ----------

function buildPresets() {
  const list = $("preset-list");
  for (const p of PRESETS) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "preset";
    b.dataset.preset = p.id;
    b.textContent = p.name;
    b.setAttribute("aria-pressed", "false");
    b.addEventListener("click", () => {
      controls.showErrors([]);
      applyConfig(presetConfig(wasm, p));
    });
    list.append(b);
  }
}

function showPreset() {
  const match = matchPreset(wasm, app.config);
  for (const b of $("preset-list").querySelectorAll("button")) {
    b.setAttribute("aria-pressed", String(match?.id === b.dataset.preset));
  }
  $("preset-text").textContent = match
    ? match.text
    : "Your own experiment. Pick one above to start from a known setting again.";
  $("preset-text").classList.toggle("custom", !match);
}

// ---------- view options and URL ----------

let urlTimer = 0;
function updateUrl(now = false) {
  clearTimeout(urlTimer);
  // Sliders fire many input events; browsers throttle replaceState bursts.
  const write = () => {
    const href = replaceUrl(writeQuery(wasm, app.config, app.view));
    const full = new URL(href);
    full.searchParams.delete("embed");
    full.searchParams.delete("autorun");
    $("full-link").href = full.href;
    $("share-url").value = href;
    return href;
  };
  if (now) return write();
  urlTimer = setTimeout(write, 150);
  return null;
}

function setView(patch) {
  Object.assign(app.view, patch);
  for (const r of document.querySelectorAll('input[name="x"]')) r.checked = r.value === app.view.x;
  for (const r of document.querySelectorAll('input[name="heat"]')) r.checked = r.value === app.view.heat;
  $("log-loss").checked = app.view.log;
  $("overlay").checked = app.view.overlay;
  updateUrl();
  showCaptions();
  render();
  invalidateCharts(true);
}

// ---------- drawing ----------

function invalidateCharts(now = false) {
  if (app.config.mode === "landscape") {
    landscapeChart.invalidate(now);
  } else {
    chart.invalidate(now);
    noiseChart.invalidate(now);
  }
}

/**
 * One curve per k: its repeats (other seeds) become the chart's mean line and
 * min–max band. The repeat with the most epochs leads, so the line reaches as far
 * as any of them has.
 */
function curves() {
  const groups = new Map();
  for (const r of experiment.runs) {
    if (!r.records.length) continue;
    const g = groupOf(r);
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push(r);
  }
  return [...groups.entries()].map(([g, runs]) => {
    runs.sort((a, b) => b.records.length - a.records.length || a.repeat - b.repeat);
    const diverged = runs.filter((r) => r.status === "diverged").length;
    const note =
      diverged === 0 ? "" : app.config.repeats > 1 ? ` (${diverged} of ${app.config.repeats} diverged)` : " (diverged)";
    return {
      label: `k=${runs[0].k}${note}`,
      color: g,
      records: runs[0].records,
      repeats: runs.slice(1).map((r) => r.records),
    };
  });
}

/** The runs with records, as wasm's RunIn (for the landscape and the CSV). */
function runResults() {
  return experiment.runs
    .filter((r) => r.records.length)
    .map((r) => ({ run: r.index, config: r.config, repeat: r.repeat, records: r.records }));
}

/**
 * The critical batch size: the median over runs of each run's latest measured
 * gradient noise scale (null before any is measured).
 */
function criticalBatch() {
  const latest = experiment.runs
    .map((r) => r.records.findLast((x) => Number.isFinite(x.noiseScale))?.noiseScale)
    .filter((v) => Number.isFinite(v))
    .sort((a, b) => a - b);
  if (!latest.length) return null;
  const m = latest.length >> 1;
  return latest.length % 2 ? latest[m] : (latest[m - 1] + latest[m]) / 2;
}

function updateLandscape() {
  const summary = JSON.parse(wasm.landscapeSummary(JSON.stringify(app.config), JSON.stringify(runResults())));
  const runs = experiment.runs;
  const ended = (r) => TERMINAL.has(r.status);
  const finished = runs.filter(ended).length;
  // An ended run (a diverged one stops early) counts as a whole cell, and only an
  // ended one: the bar is full when the grid is, not when the last step is taken.
  const part = (r) => (ended(r) ? 1 : Math.min(0.99, r.progress));
  const progress = runs.length ? runs.reduce((a, r) => a + part(r), 0) / runs.length : 0;
  landscape.update(summary, { runs: runs.length, finished, progress, repeats: app.config.repeats }, app.view.heat);
}

const render = throttledFrame(() => {
  table.update(app.config.epochs);
  const phase = experiment.phase;
  const runAll = $("run-all");
  runAll.textContent = { idle: "Run", running: "Pause", paused: "Resume", ended: "Run again" }[phase];
  runAll.dataset.phase = phase;
  $("stop-all").disabled = !(phase === "running" || phase === "paused");
  $("reset-all").disabled = experiment.runs.every((r) => r.status === "idle");
  const summary = summaryText();
  // Only on change: it is a live region, and screen readers announce every write.
  if ($("summary").textContent !== summary) $("summary").textContent = summary;
  controls.setCritical(criticalBatch());
  if (app.config.mode === "landscape") updateLandscape();
});

function summaryText() {
  const runs = experiment.runs;
  const count = (s) => runs.filter((r) => r.status === s).length;
  const n = runs.length;
  const parts = [];
  const active = count("running") + count("loading");
  if (active) parts.push(`${active} training`);
  if (count("queued")) parts.push(`${count("queued")} queued`);
  if (count("paused")) parts.push(`${count("paused")} paused`);
  if (count("done")) parts.push(`${count("done")} done`);
  if (count("diverged")) parts.push(`${count("diverged")} diverged`);
  if (count("stopped")) parts.push(`${count("stopped")} stopped`);
  if (count("error")) parts.push(`${count("error")} failed`);
  const c = app.config;
  const shape =
    c.mode === "landscape"
      ? ` (${c.grid_b.length} batch sizes × ${c.grid_lr.length} rates${c.repeats > 1 ? ` × ${c.repeats} seeds` : ""})`
      : c.repeats > 1
        ? ` (${c.k.length} × ${c.repeats} seeds)`
        : "";
  const head = `${n} run${n === 1 ? "" : "s"}${shape}, ${experiment.slots} at a time`;
  return parts.length ? `${head} · ${parts.join(", ")}` : `${head} · ready`;
}

// ---------- live view of the selected run ----------

let liveBusy = false;
async function refreshLive() {
  const r = experiment.runs[app.selected];
  if (!r) return;
  const describe = (epoch) => {
    const last = r.records[r.records.length - 1];
    const acc = last ? ` · test accuracy ${accText(last.testAcc)}` : "";
    const when = epoch ? `after epoch ${epoch} of ${app.config.epochs}` : "";
    const seed = app.config.repeats > 1 ? `, seed ${r.config.seed + r.repeat}` : "";
    const who = app.config.mode === "landscape" ? "Run" : `Run k = ${r.k}`;
    return `${who} (batch ${r.plan?.batch ?? "?"}, η = ${fmt(r.plan?.lr)}${seed}) ${when}${acc}`;
  };
  if (r.status === "idle" || (r.records.length === 0 && !r.snapshot)) {
    live.clear(r.status === "idle" ? `Run ${nameOf(r)} has not started yet.` : `Run ${nameOf(r)}: waiting for its first epoch…`);
    return;
  }
  const epoch = r.records[r.records.length - 1]?.epoch ?? 0;
  if (!r.worker) {
    if (r.snapshot) live.show(`${describe(epoch)} · ${r.status}`, r.snapshot.predict, r.snapshot.confusion);
    return;
  }
  if (liveBusy || !r.ready) return;
  liveBusy = true;
  try {
    const indices = sampleIndices(r.plan.nTest);
    const [predict, confusion] = await Promise.all([
      experiment.request(r.index, { type: "predict", indices }),
      experiment.request(r.index, { type: "confusion" }),
    ]);
    if (experiment.runs[app.selected] === r) live.show(describe(epoch), predict, confusion);
  } catch {
    // The run ended meanwhile: its snapshot arrives with the "end" message.
  } finally {
    liveBusy = false;
  }
}

let imagesAsked = false;
async function fetchImages(r) {
  if (imagesAsked || live.hasImages || !r.ready || !r.plan?.nTest) return;
  imagesAsked = true;
  try {
    live.setImages(await experiment.request(r.index, { type: "images", indices: sampleIndices(r.plan.nTest) }));
  } catch {
    imagesAsked = false; // ask the next live run
  }
}

// ---------- announcements for tutorial authors ----------

function announce(msg) {
  if (window.parent !== window) window.parent.postMessage(msg, "*");
  document.dispatchEvent(new CustomEvent(msg.type, { detail: msg }));
}

// ---------- exports ----------

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function shareStatus(text) {
  $("share-status").textContent = text;
  clearTimeout(shareStatus.timer);
  shareStatus.timer = setTimeout(() => ($("share-status").textContent = ""), 4000);
}

async function copyLink() {
  const href = updateUrl(true);
  $("share-url").value = href;
  try {
    await navigator.clipboard.writeText(href);
    $("share-fallback").hidden = true;
    shareStatus("Link copied.");
  } catch {
    // No clipboard (permissions, insecure context): show the link to copy by hand.
    $("share-fallback").hidden = false;
    $("share-url").focus();
    $("share-url").select();
    shareStatus("Copy the link from the box.");
  }
}

function exportCsv() {
  const runs = runResults();
  if (!runs.length) {
    shareStatus("No finished epoch yet: run the experiment first.");
    return;
  }
  download(new Blob([wasm.csvFromRuns(JSON.stringify(runs))], { type: "text/csv" }), "lr-batch-playground.csv");
  shareStatus("CSV saved.");
}

async function exportPng() {
  try {
    const view = app.config.mode === "landscape" ? landscapeChart : chart;
    download(await view.png(), "lr-batch-playground.png");
    shareStatus("Chart saved.");
  } catch (err) {
    shareStatus(`Could not save the chart: ${err.message}`);
  }
}

// ---------- start ----------

function wire() {
  $("run-all").addEventListener("click", () => {
    const phase = experiment.phase;
    if (phase === "running") experiment.pauseAll();
    else if (phase === "paused") experiment.resumeAll();
    else experiment.startAll();
  });
  $("stop-all").addEventListener("click", () => experiment.stopAll());
  $("reset-all").addEventListener("click", () => {
    experiment.resetAll();
    live.clear("Run the experiment to see what the network predicts.");
    invalidateCharts(true);
  });
  for (const r of document.querySelectorAll('input[name="x"]')) {
    r.addEventListener("change", () => r.checked && setView({ x: r.value }));
  }
  for (const r of document.querySelectorAll('input[name="heat"]')) {
    r.addEventListener("change", () => r.checked && setView({ heat: r.value }));
  }
  $("log-loss").addEventListener("change", (e) => setView({ log: e.target.checked }));
  $("overlay").addEventListener("change", (e) => setView({ overlay: e.target.checked }));
  $("copy-link").addEventListener("click", copyLink);
  $("export-csv").addEventListener("click", exportCsv);
  $("export-png").addEventListener("click", exportPng);

  experiment.addEventListener("change", (e) => {
    const r = e.detail.run;
    if (r && r.ready && !live.hasImages) fetchImages(r);
    if (r && r.index === app.selected && !r.records.length) refreshLive();
    render();
  });
  experiment.addEventListener("epoch", (e) => {
    const { run: r, record } = e.detail;
    announce({
      type: "lr-batch-playground:epoch",
      run: r.index,
      k: r.k,
      repeat: r.repeat,
      batch: record.batch ?? r.plan?.batch,
      lr: r.plan?.lr ?? null,
      epoch: record.epoch,
      step: record.step,
      samples: record.samples,
      wallMs: record.wallMs,
      trainLoss: record.trainLoss,
      testLoss: record.testLoss,
      testAcc: record.testAcc,
      noiseScale: Number.isFinite(record.noiseScale) ? record.noiseScale : null,
      status: record.status,
      lrNow: record.lr,
    });
    if (r.index === app.selected) refreshLive();
    invalidateCharts();
    render();
  });
  experiment.addEventListener("end", (e) => {
    if (e.detail.run.index === app.selected) refreshLive();
    invalidateCharts();
    render();
  });
  experiment.addEventListener("done", (e) => announce({ type: "lr-batch-playground:done", runs: e.detail.runs }));
}

async function main() {
  try {
    await init();
  } catch (err) {
    notice(`This browser could not start the WebAssembly module (${err.message}).`, "error");
    return;
  }
  const state = readQuery(wasm, window.location.search);
  app.config = state.config;
  app.view = state.view;
  if (app.view.embed) document.body.classList.add("embed");
  $("full-link").hidden = !app.view.embed;
  for (const e of state.errors) notice(`Ignored ${errorText(e)}`);

  controls = new Controls($("controls"), onControlChange);
  table = new RunsTable($("runs-body"), {
    onAction: (action, i) => {
      const r = experiment.runs[i];
      if (!r) return;
      if (action === "stop") experiment.stop(i);
      else if (action === "reset") experiment.reset(i);
      else if (r.status === "paused") experiment.resume(i);
      else if (["running", "loading", "queued"].includes(r.status)) experiment.pause(i);
      else experiment.start(i);
    },
    onSelect: (i) => {
      app.selected = i;
      table.select(i);
      live.clear(`Run ${nameOf(experiment.runs[i])}`);
      refreshLive();
    },
  });
  const curveOptions = (metrics, dpr) =>
    JSON.stringify({ x: app.view.x, logLoss: app.view.log, metrics, runs: groupCount(), dpr, overlay: app.view.overlay });
  chart = new ChartView($("chart"), (canvas, dpr) => wasm.drawChart(canvas, JSON.stringify(curves()), curveOptions(METRICS, dpr)), {
    layout: (w) => wasm.chartLayout(w, METRICS.length),
  });
  noiseChart = new ChartView(
    $("noise-chart"),
    (canvas, dpr) => wasm.drawChart(canvas, JSON.stringify(curves()), curveOptions(["noiseScale"], dpr)),
    { layout: (w) => wasm.chartLayout(w, 1) },
  );
  landscapeChart = new ChartView(
    $("landscape"),
    (canvas, dpr) =>
      wasm.drawLandscape(canvas, JSON.stringify(app.config), JSON.stringify(runResults()), JSON.stringify({ value: app.view.heat, dpr })),
    { layout: (w) => wasm.landscapeLayout(w) },
  );
  landscape = new LandscapePanel({ progress: $("grid-progress"), progressText: $("grid-progress-text"), table: $("grid-table") });
  chart.fitHeight = app.view.embed;
  landscapeChart.fitHeight = app.view.embed;
  for (const view of [chart, noiseChart, landscapeChart]) {
    view.onError = (err) => notice(`The chart could not be drawn (${err.message}).`, "error");
  }
  live = new LiveView({ digits: $("digits"), confusion: $("confusion"), caption: $("live-caption") });
  buildPresets();
  wire();
  setView({});
  applyConfig(app.config);

  // Prefetch the data (1.6 MB) so Run starts at once, and learn its size for the table.
  loadData()
    .then((d) => countTrainImages(d.labels))
    .then((n) => {
      app.nTrainAvail = n;
      if (experiment.runs.every((r) => r.status === "idle")) {
        // Same experiment, now with the real training-set size in the plans.
        applyConfig(app.config, { kText: $("k").value, lrText: $("grid_lr").value });
      } else {
        controls.set(app.config, { kText: $("k").value, lrText: $("grid_lr").value, nTrainAvail: n });
      }
    })
    .catch(() => {});

  if (app.view.autorun) experiment.startAll();
}

main();
