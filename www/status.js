//! What the page says about the experiment as it runs, and when it may run: the Run
//! button's label (Run | Pause | Resume | Run again) and the Stop / Reset buttons' state,
//! the summary line, the cost estimate beside Run (budget.js), a link's `autorun` (only
//! within the work budget, and in a frame only once on screen), and a framed page that
//! trains only while it is seen.
//!
//! It writes text and button states only; drawing is main.js's `render`, which calls
//! `showStatus` each frame and is handed back here as a callback. The state is `app`.

import { estimate, estimateText, durationText, DEFAULT_SPEED } from "./budget.js";
import { summaryText } from "./series.js";

const $ = (id) => document.getElementById(id);

/** The cost of the experiment as it stands, at this browser's speed. */
export function currentEstimate(app) {
  return estimate(app.specs, app.speed ?? DEFAULT_SPEED, app.slots);
}

/** The run buttons, the summary line and the estimate, for the experiment's phase now. */
export function showStatus(app) {
  const { experiment } = app;
  const phase = experiment.phase;
  const runAll = $("run-all");
  runAll.textContent = {
    idle: "Run",
    running: "Pause",
    paused: "Resume",
    ended: "Run again",
  }[phase];
  runAll.dataset.phase = phase;
  $("stop-all").disabled = !(phase === "running" || phase === "paused");
  $("reset-all").disabled = experiment.runs.every((r) => r.status === "idle");
  const summary = summaryText(experiment.runs, app.config, app.slots);
  // Only on change: it is a live region, and screen readers announce every write.
  if ($("summary").textContent !== summary) $("summary").textContent = summary;
  showEstimate(app, phase);
}

function showEstimate(app, phase) {
  const est = currentEstimate(app);
  const runs = app.experiment.runs.length;
  let text = estimateText(est, {
    slots: app.slots,
    runs,
    measured: app.speed !== null,
  });
  if (app.budget.held) {
    text = `Large experiment (≈ ${durationText(est.wallSeconds)} of training): it waits for you to press Run.`;
  } else if (app.view.embed && !app.visible && phase !== "idle") {
    text = "Paused while this frame is out of view.";
  }
  const el = $("estimate");
  if (el.textContent !== text) el.textContent = text;
  el.dataset.over = String(est.over);
  el.dataset.seconds = String(Math.round(est.wallSeconds));
}

/** Starts a link's `autorun` when allowed: within budget, and on screen when framed. */
export function maybeAutorun(app, render) {
  if (!app.view.autorun || app.budget.autorunDone || app.data.missing) return;
  if (app.view.embed && !app.visible) return; // the visibility observer calls again
  app.budget.autorunDone = true;
  if (currentEstimate(app).over) {
    app.budget.held = true;
    render();
    return;
  }
  app.experiment.startAll();
}

/** A framed page trains only while on screen: observed, and the runs held otherwise. */
export function watchVisibility(app, render) {
  if (!app.view.embed) return;
  app.visible = false;
  app.experiment.hold(true);
  let onScreen = false;
  const update = () => {
    const visible = onScreen && !document.hidden;
    if (visible === app.visible) return;
    app.visible = visible;
    app.experiment.hold(!visible);
    if (visible) maybeAutorun(app, render);
    render();
  };
  new IntersectionObserver((entries) => {
    onScreen = entries.some((e) => e.isIntersecting);
    update();
  }).observe(document.body); // (not a display: contents box, which never intersects)
  document.addEventListener("visibilitychange", update);
}
