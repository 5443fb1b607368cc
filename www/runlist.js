//! The run list's wiring: the runs table (each row's action button and its selection),
//! the Run / Stop / Reset buttons, and the experiment's events (a run changed, an epoch
//! arrived, a run ended) passed on to the history in wasm, the live view ("Inside the
//! network", inside.js), the measured speed (budget.js) and the embedding page
//! (announce.js).
//!
//! It redraws only through the `render` and `invalidateCharts` callbacks main.js hands
//! it; it parses no config and builds no chart. The state is `app` (app.js).

import { speedOf, saveSpeed } from "./budget.js";
import { announce, epochMessage, doneMessage } from "./announce.js";
import { refreshLive, fetchImages, clearLive } from "./inside.js";
import { RunsTable, runLabel } from "./table.js";
import { timed } from "./timed.js";

const $ = (id) => document.getElementById(id);

/** The runs table: a row's button starts, pauses or resumes its run; a click selects it. */
export function buildRunsTable(app) {
  return new RunsTable(
    $("runs-body"),
    {
      onAction: (action, i) => {
        const { experiment } = app;
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
        app.ui.table.select(i);
        app.ui.live.clear(`Run ${runLabel(app.experiment.runs[i], app.config)}`);
        refreshLive(app);
      },
    },
    {
      nav: $("runs-pager"),
      range: $("runs-range"),
      first: $("runs-first"),
      prev: $("runs-prev"),
      next: $("runs-next"),
      last: $("runs-last"),
      selected: $("runs-to-selected"),
      running: $("runs-to-running"),
    },
  );
}

/** The Run / Stop / Reset buttons and the experiment's events. */
export function wireRuns(app, { render, invalidateCharts }) {
  const { experiment } = app;
  $("run-all").addEventListener("click", () => {
    const phase = experiment.phase;
    app.budget.held = false;
    if (phase === "running") experiment.pauseAll();
    else if (phase === "paused") experiment.resumeAll();
    else experiment.startAll();
  });
  $("stop-all").addEventListener("click", () => experiment.stopAll());
  $("reset-all").addEventListener("click", () => {
    experiment.resetAll();
    clearLive(app);
    invalidateCharts(true);
  });

  experiment.addEventListener("change", (e) =>
    timed("change", () => {
      const r = e.detail.run;
      if (r) app.dirty.runs.add(r.index);
      else app.dirty.all = true;
      for (const x of r ? [r] : experiment.runs) {
        if (!x.records.length) app.history.clear(x.index); // restarted or reset
        app.history.setStatus(x.index, x.status);
      }
      if (r && r.ready && !app.ui.live.hasImages) fetchImages(app, r);
      if (r?.ready) showTransport(r.plan);
      if (r && r.index === app.selected && !r.records.length) refreshLive(app);
      render();
    }),
  );
  experiment.addEventListener("epoch", (e) =>
    timed("epoch", () => {
      const { run: r, record } = e.detail;
      app.history.push(r.index, JSON.stringify(record));
      app.history.setStatus(r.index, r.status);
      announce(epochMessage(r, record));
      const speed = speedOf(record, r.plan?.nTest ?? 0);
      if (speed) {
        app.speed = speed;
        saveSpeed(speed);
      }
      if (r.index === app.selected) refreshLive(app);
      invalidateCharts();
      render();
    }),
  );
  experiment.addEventListener("end", (e) =>
    timed("end", () => {
      const r = e.detail.run;
      app.history.setStatus(r.index, r.status);
      if (r.index === app.selected) refreshLive(app);
      invalidateCharts();
      render();
    }),
  );
  experiment.addEventListener("done", (e) => announce(doneMessage(e.detail.runs)));
}

/** Says how a run with several workers moves its gradients (shards.js's transports). */
function showTransport(plan) {
  const el = $("transport");
  el.hidden = !plan?.transport;
  if (el.hidden) return;
  el.dataset.transport = plan.transport;
  el.textContent =
    plan.transport === "shared"
      ? `${plan.workers} workers per run: gradients through shared memory (the page is cross-origin isolated)`
      : `${plan.workers} workers per run: gradients copied between workers by messages (the page is not cross-origin isolated; slower at small batches)`;
}
