//! Wiring only: loads the wasm module (for parsing, the run list, drawing and CSV,
//! never for training), reads the URL, and connects the controls, the runs
//! (runs.js, one Web Worker each; the runs table and the experiment's events in
//! runlist.js), the charts (curves and noise scale, or the landscape), the live
//! view, the status line (status.js), the notices and the exports.
//!
//! The page's state is the one object `app` (app.js). The mode (curves |
//! landscape) is part of the config and shows on <body data-mode>, which the
//! stylesheet uses to show one set of views. Every change goes through
//! `applyConfig` or `setView`, which update the URL (share.js) so the address bar
//! always reproduces the page.
//!
//! Work budget (budget.js, status.js): the experiment's cost is estimated before it starts
//! and shown next to Run; a link's `autorun` starts it only when the estimate is
//! within the budget, and a framed page (`embed=1`) only once it is on screen. A
//! framed page pauses its runs while scrolled out of view or hidden, and resumes
//! them when it is seen again. Events for the embedding page: announce.js.

import init, * as wasm from "./pkg/lr_batch_playground.js";
import { createApp } from "./app.js";
import { experimentRuns, dataSizes, criticalBatch, runStatuses, paramsTable } from "./core.js";
import { PRESETS } from "./presets.js";
import { readQuery, presetConfigs, matchPreset, writeQuery } from "./state.js";
import { Experiment } from "./runs.js";
import { DataSource, imageCount } from "./data.js";
import { OwnData } from "./owndata.js";
import { poolSize } from "./pool.js";
import { loadSpeed } from "./budget.js";
import { Notices, errorText, visibleNotices } from "./notices.js";
import { gridProgress } from "./series.js";
import { updateUrl, copyLink, exportCsv, exportPng } from "./share.js";
import { refreshLive, clearLive } from "./inside.js";
import { applyParams } from "./params.js";
import { ChartView, throttledFrame } from "./chart.js";
import { LiveView } from "./live.js";
import { Controls } from "./controls.js";
import { LandscapePanel } from "./landscape.js";
import { RangePanel } from "./range.js";
import { ParamBoxes } from "./boxes.js";
import { curvesCaption, landscapeCaption } from "./captions.js";
import { buildRunsTable, wireRuns } from "./runlist.js";
import { showStatus, maybeAutorun, watchVisibility } from "./status.js";
import { timed } from "./timed.js";
import { wireLook, themeNow, lookAfterConfig, lookAfterPreset, lookAfterRender } from "./look.js";
import { Keep } from "./keep.js";

const METRICS = ["testAcc", "testLoss", "trainLoss", "lr"];
const $ = (id) => document.getElementById(id);
const app = createApp();

// ---------- the experiment ----------

function runColor(r) {
  return app.config.mode === "landscape" ? "#9aa3ad" : wasm.palette(r.group, r.groupCount, themeNow(app));
}

function kTextOf(config) {
  return new URLSearchParams(wasm.configToQuery(JSON.stringify(config))).get("k") ?? "1";
}

/** What the controls show beside the config: from the core's run list. */
function controlExtras(kText, lrText) {
  const seeds = [...new Set(app.specs.filter((s) => s.group === 0).map((s) => s.seed))];
  return {
    kText,
    lrText,
    seeds: seeds.length ? seeds : [app.config.seed],
    sizes: app.nImages === null ? null : dataSizes(wasm, app.config, app.nImages),
  };
}

/** Makes `config` the experiment: runs reset, table rebuilt, controls and URL updated. */
function applyConfig(config, { kText, lrText } = {}) {
  const { experiment, ui } = app;
  app.config = config;
  app.ui.owndata.sync(config); // which data the runs get (data.js); a link's unknown dataset
  app.specs = experimentRuns(wasm, config, app.nImages);
  // The records live in wasm from here on (history.rs): handed over once each, as they
  // arrive, so no redraw serialises the whole history.
  app.history?.free();
  performance.clearMeasures();
  app.history = new wasm.History(JSON.stringify(config), JSON.stringify(app.specs));
  app.keep?.attach(app.history); // pinned overlays and restored records (keep.js)
  document.body.dataset.mode = config.mode;
  experiment.setConfig(config, app.specs);
  const n = experiment.runs.length;
  ui.table.build(experiment.runs, runColor, config);
  ui.table.update(config.epochs); // at once: the new plans show before the next frame
  $("runs-caption").textContent =
    {
      landscape: "One run per cell of the grid (and per seed), with its batch size and learning rate",
      range: "One range test per batch size (and per seed), its rate rising from the first to the last",
    }[config.mode] ?? "One run per multiplier k (and per seed), with its effective batch size and learning rate";
  $("runs-section").classList.toggle("tall", n > 12);
  if (app.selected >= n) app.selected = 0;
  ui.table.select(app.selected);
  ui.controls.set(config, controlExtras(kText ?? kTextOf(config), lrText));
  ui.range.set(config);
  ui.moreBoxes.set(config);
  showPreset();
  showCaptions();
  clearLive(app);
  refreshLive(app);
  updateUrl(app);
  lookAfterConfig(app);
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
    app.ui.controls.showErrors(parsed.errors.slice(0, 3).map(errorText), source);
    return;
  }
  app.ui.controls.showErrors([]);
  if (JSON.stringify(parsed.config) === JSON.stringify(app.config)) return;
  app.budget.held = false; // another experiment: the held one's message goes
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
      app.ui.controls.showErrors([]);
      app.budget.held = false;
      // A preset keeps the loaded dataset of one's own.
      applyConfig({ ...structuredClone(app.presets.get(p.id)), ...(app.config.data && { data: app.config.data }) });
    });
    list.append(b);
  }
}

function showPreset() {
  const match = matchPreset(app.presets, app.config);
  for (const b of $("preset-list").querySelectorAll("button")) {
    b.setAttribute("aria-pressed", String(match?.id === b.dataset.preset));
  }
  $("preset-text").textContent = match
    ? match.text
    : "Your own experiment. Pick one above to start from a known setting again.";
  $("preset-text").classList.toggle("custom", !match);
  lookAfterPreset(app, match?.id, { onControlChange, setView });
}

// ---------- view options ----------

function setView(patch) {
  Object.assign(app.view, patch);
  for (const r of document.querySelectorAll('input[name="x"]')) r.checked = r.value === app.view.x;
  for (const r of document.querySelectorAll('input[name="heat"]')) r.checked = r.value === app.view.heat;
  $("log-loss").checked = app.view.log;
  $("overlay").checked = app.view.overlay;
  updateUrl(app);
  showCaptions();
  render();
  invalidateCharts(true);
}

// ---------- drawing ----------

function invalidateCharts(now = false) {
  const { ui } = app;
  if (app.config.mode === "landscape") {
    ui.landscapeChart.invalidate(now);
  } else if (app.config.mode === "range") {
    ui.rangeChart.invalidate(now);
  } else {
    ui.chart.invalidate(now);
    ui.noiseChart.invalidate(now);
  }
}

function groupCount() {
  return app.experiment.runs[0]?.groupCount ?? 1;
}

function curveOptions(metrics, dpr) {
  const v = app.view;
  return JSON.stringify({
    x: v.x,
    logLoss: v.log,
    metrics,
    runs: groupCount(),
    dpr,
    overlay: v.overlay,
    theme: themeNow(app),
  });
}

function updateLandscape() {
  const summary = JSON.parse(app.history.landscapeSummary());
  const count = {
    ...gridProgress(app.experiment.runs, app.statuses.terminal),
    repeats: app.config.repeats,
  };
  app.ui.landscape.update(summary, count, app.view.heat);
}

const render = throttledFrame(() => timed("render", renderNow));

function renderNow() {
  const { ui } = app;
  // Only the shown rows whose runs changed (the table pages a large experiment).
  timed("table", () => ui.table.update(app.config.epochs, app.dirty.all ? undefined : app.dirty.runs));
  app.dirty.all = false;
  app.dirty.runs.clear();
  showStatus(app);
  timed("critical", () => ui.controls.setCritical(criticalBatch(app.history)));
  if (app.config.mode === "landscape") timed("landscape", updateLandscape);
  lookAfterRender(app);
  if (app.config.mode === "range") timed("range", () => ui.range.update(JSON.parse(app.history.rangeSummary())));
}

// ---------- data ----------

function watchData() {
  const { data, ui, experiment } = app;
  data.addEventListener("failed", (e) => {
    const waiting = experiment.runs.filter((r) => r.status === "queued").length;
    ui.notices.add(
      `Could not load the MNIST data (${e.detail.message}).` +
        (waiting ? ` ${waiting} queued run${waiting === 1 ? " waits" : "s wait"} for it.` : ""),
      {
        kind: "error",
        key: "data",
        action: {
          label: "Retry",
          run: () =>
            experiment.runs.some((r) => r.status === "queued") ? experiment.schedule() : data.load().catch(() => {}),
        },
      },
    );
  });
  data.addEventListener("ready", () => ui.notices.remove("data"));
  // Prefetch the data (1.6 MB) so Run starts at once, and learn its size for the plans.
  data
    .load()
    .then((d) => imageCount(d.labels))
    .then((n) => {
      app.nImages = n;
      if (experiment.runs.every((r) => r.status === "idle")) {
        // Same experiment, now with the real training-set size in the plans.
        applyConfig(app.config, {
          kText: $("k").value,
          lrText: $("grid_lr").value,
        });
      }
    })
    .catch(() => {}); // shown by the "failed" listener
}

// ---------- start ----------

function wire() {
  const { ui } = app;
  wireRuns(app, { render, invalidateCharts });
  for (const r of document.querySelectorAll('input[name="x"]')) {
    r.addEventListener("change", () => r.checked && setView({ x: r.value }));
  }
  for (const r of document.querySelectorAll('input[name="heat"]')) {
    r.addEventListener("change", () => r.checked && setView({ heat: r.value }));
  }
  $("log-loss").addEventListener("change", (e) => setView({ log: e.target.checked }));
  $("overlay").addEventListener("change", (e) => setView({ overlay: e.target.checked }));
  $("copy-link").addEventListener("click", () => copyLink(app));
  $("export-csv").addEventListener("click", () => exportCsv(app, () => app.history.csv() || null));
  $("export-png").addEventListener("click", () =>
    exportPng(app, { landscape: ui.landscapeChart, range: ui.rangeChart }[app.config.mode] ?? ui.chart),
  );
}

function buildViews() {
  const { ui } = app;
  ui.notices = new Notices($("notices"));
  ui.owndata = new OwnData(app, $("owndata"), (key, text, source) => onControlChange(key, text, source));
  ui.controls = new Controls($("controls"), onControlChange);
  ui.table = buildRunsTable(app);
  ui.table.toTarget = (run) => JSON.parse(app.history.toTarget(run));
  const paintCurves = (metrics) => (canvas, dpr) =>
    timed("chart", () => app.history.drawChart(canvas, curveOptions(metrics, dpr)));
  ui.chart = new ChartView($("chart"), paintCurves(METRICS), {
    layout: (w) => wasm.chartLayout(w, METRICS.length),
  });
  ui.noiseChart = new ChartView($("noise-chart"), paintCurves(["noiseScale"]), {
    layout: (w) => wasm.chartLayout(w, 1),
  });
  ui.landscapeChart = new ChartView(
    $("landscape"),
    (canvas, dpr) =>
      timed("landscape-chart", () =>
        app.history.drawLandscape(canvas, JSON.stringify({ value: app.view.heat, dpr, theme: themeNow(app) })),
      ),
    { layout: (w) => wasm.landscapeLayout(w) },
  );
  ui.landscape = new LandscapePanel({
    progress: $("grid-progress"),
    progressText: $("grid-progress-text"),
    table: $("grid-table"),
  });
  ui.rangeChart = new ChartView(
    $("range"),
    (canvas, dpr) =>
      timed("range-chart", () => app.history.drawRange(canvas, JSON.stringify({ dpr, theme: themeNow(app) }))),
    { layout: (w) => wasm.landscapeLayout(w) },
  );
  // Step decay's milestones and factor, batch growth and the workers per run.
  ui.moreBoxes = new ParamBoxes(
    $("controls"),
    ["milestones", "factor", "grow", "workers"],
    (key, text, source) => onControlChange(key, text, source),
    app.params,
  );
  ui.range = new RangePanel(
    { summary: $("range-summary"), table: $("range-table"), form: $("controls") },
    (key, text, source) => onControlChange(key, text, source),
    app.params,
  );
  ui.chart.fitHeight = app.view.embed;
  ui.landscapeChart.fitHeight = app.view.embed;
  for (const view of [ui.chart, ui.noiseChart, ui.landscapeChart, ui.rangeChart]) {
    view.onError = (err) =>
      ui.notices.add(`The chart could not be drawn (${err.message}).`, {
        kind: "error",
        key: "chart",
      });
  }
  ui.live = new LiveView({
    digits: $("digits"),
    confusion: $("confusion"),
    caption: $("live-caption"),
  });
}

async function main() {
  // Marks of the start-up (a test reads them against the navigation's own timing).
  performance.mark("page:script");
  try {
    await init();
  } catch (err) {
    new Notices($("notices")).add(`This browser could not start the WebAssembly module (${err.message}).`, {
      kind: "error",
    });
    return;
  }
  app.wasm = wasm;
  app.statuses = runStatuses(wasm);
  app.params = paramsTable(wasm);
  app.presets = presetConfigs(wasm);
  app.slots = poolSize();
  app.speed = loadSpeed();
  app.data = new DataSource();
  app.experiment = new Experiment({
    data: app.data,
    slots: app.slots,
    terminal: app.statuses.terminal,
  });

  performance.mark("page:wasm");
  const state = readQuery(wasm, window.location.search);
  performance.mark("page:parsed");
  app.config = state.config;
  app.view = state.view;
  if (app.view.embed) document.body.classList.add("embed");
  $("full-link").hidden = !app.view.embed;

  applyParams($("controls"), app.params);
  buildViews();
  const { shown, hidden } = visibleNotices(state.errors, state.more);
  for (const e of shown) app.ui.notices.add(`Ignored ${errorText(e)}`);
  app.ui.notices.addMore(hidden);
  buildPresets();
  wire();
  wireLook(app, { onControlChange, setView, applyConfig, runColor });
  setView({});
  applyConfig(app.config);
  watchData();
  watchVisibility(app, render);
  maybeAutorun(app, render);
  app.keep = new Keep(
    app,
    {
      list: $("keep-list"),
      status: $("keep-status"),
      file: $("keep-file"),
      clear: $("keep-clear"),
      compare: $("keep-compare"),
    },
    {
      apply: (config) => applyConfig(config),
      redraw: () => invalidateCharts(true),
      versioned: (c) => writeQuery(wasm, app.presets, c, {}),
    },
  );
  app.keep.init();
  performance.mark("page:ready");
}

main();
