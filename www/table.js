//! The runs table: one row per run with its colour, k, effective batch and
//! learning rate (from runPlans, then from the worker's own plan), progress,
//! epoch, test accuracy, status and its own buttons.
//!
//! Rows are built once per experiment and then only their text changes, so an
//! update per frame stays cheap with 64 runs. Buttons are delegated: each
//! carries data-action and data-run, and the caller maps them to the pool.
//! All text goes through textContent.

import { fmt } from "./controls.js";

/** Accuracy as the page shows it everywhere (the e2e test compares this text). */
export function accText(acc) {
  return acc === null || acc === undefined || !Number.isFinite(acc) ? "–" : `${(100 * acc).toFixed(1)}%`;
}

export function statusText(run) {
  switch (run.status) {
    case "diverged":
      return run.divergedAt != null ? `diverged at step ${run.divergedAt}` : "diverged";
    case "error":
      return run.error ? `error: ${run.error.length > 90 ? `${run.error.slice(0, 90)}…` : run.error}` : "error";
    case "loading":
      return "starting";
    default:
      return run.status;
  }
}

export class RunsTable {
  /**
   * @param {HTMLTableSectionElement} tbody
   * @param {{onAction: (action: string, run: number) => void, onSelect: (run: number) => void}} handlers
   */
  constructor(tbody, handlers) {
    this.tbody = tbody;
    this.rows = [];
    tbody.addEventListener("click", (e) => {
      const btn = e.target.closest("button[data-action]");
      if (btn) handlers.onAction(btn.dataset.action, Number(btn.dataset.run));
    });
    tbody.addEventListener("change", (e) => {
      if (e.target.name === "live-run" && e.target.checked) handlers.onSelect(Number(e.target.value));
    });
  }

  /** Builds one row per run. `color(i)` is the run's palette colour. */
  build(runs, color) {
    this.rows = runs.map((run) => {
      const tr = document.createElement("tr");
      tr.dataset.run = String(run.index);

      const pick = document.createElement("td");
      pick.className = "pick";
      const radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "live-run";
      radio.value = String(run.index);
      radio.id = `live-run-${run.index}`;
      radio.setAttribute("aria-label", `Show the digits of run k = ${run.k}`);
      const swatch = document.createElement("label");
      swatch.className = "swatch";
      swatch.htmlFor = radio.id;
      swatch.style.setProperty("--c", color(run.index));
      swatch.setAttribute("aria-hidden", "true");
      pick.append(radio, swatch);

      const k = document.createElement("th");
      k.scope = "row";
      k.className = "num";
      k.textContent = String(run.k);
      const cell = (cls) => {
        const td = document.createElement("td");
        td.className = cls;
        return td;
      };
      const batch = cell("num");
      const lr = cell("num");
      const progTd = cell("col-progress");
      const progress = document.createElement("progress");
      progress.max = 1;
      progress.value = 0;
      progress.setAttribute("aria-label", `Progress of run k = ${run.k}`);
      progTd.append(progress);
      const epoch = cell("num col-epoch");
      const acc = cell("num acc");
      const statusTd = cell("status-cell");
      const badge = document.createElement("span");
      badge.className = "badge";
      statusTd.append(badge);
      const actions = cell("actions");
      const button = (action, label, text) => {
        const b = document.createElement("button");
        b.type = "button";
        b.className = `icon-btn ${action}`;
        b.dataset.action = action;
        b.dataset.run = String(run.index);
        b.setAttribute("aria-label", `${label} run k = ${run.k}`);
        b.title = `${label} this run`;
        b.textContent = text;
        return b;
      };
      const toggle = button("toggle", "Start", "▶");
      const stop = button("stop", "Stop", "■");
      const reset = button("reset", "Reset", "↺");
      actions.append(toggle, stop, reset);

      tr.append(pick, k, batch, lr, progTd, epoch, acc, statusTd, actions);
      return { run, tr, radio, batch, lr, progress, epoch, acc, badge, toggle, stop, reset, cache: {} };
    });
    this.tbody.replaceChildren(...this.rows.map((r) => r.tr));
  }

  select(index) {
    for (const r of this.rows) {
      r.radio.checked = r.run.index === index;
      r.tr.classList.toggle("selected", r.run.index === index);
    }
  }

  /** Refreshes every row's text from its run. `epochs` is the experiment's epoch count. */
  update(epochs) {
    for (const row of this.rows) {
      const { run } = row;
      const last = run.records[run.records.length - 1];
      const plan = run.plan || {};
      const full = plan.nTrain && plan.batch === plan.nTrain;
      set(row, "batch", plan.batch ? `${plan.batch}${full ? " (all)" : ""}` : "–");
      set(row, "lr", fmt(plan.lr));
      set(row, "epoch", `${last ? last.epoch : 0} / ${epochs}`);
      set(row, "acc", last ? accText(last.testAcc) : "–");
      if (last) row.acc.dataset.acc = String(last.testAcc);
      else delete row.acc.dataset.acc;
      set(row, "badge", statusText(run));
      row.badge.dataset.status = run.status;
      row.badge.title = run.error ? run.error : "";
      if (row.cache.progress !== run.progress) {
        row.cache.progress = run.progress;
        row.progress.value = run.progress;
        row.progress.setAttribute("aria-valuetext", `${Math.round(100 * run.progress)} percent`);
      }
      const s = run.status;
      const [label, text] =
        s === "running" || s === "loading" || s === "queued"
          ? ["Pause", "❚❚"]
          : s === "paused"
            ? ["Resume", "▶"]
            : s === "idle"
              ? ["Start", "▶"]
              : ["Run again", "▶"];
      if (row.cache.toggle !== label) {
        row.cache.toggle = label;
        row.toggle.textContent = text;
        row.toggle.setAttribute("aria-label", `${label} run k = ${run.k}`);
        row.toggle.title = `${label} this run`;
      }
      row.stop.disabled = s === "idle" || s === "done" || s === "diverged" || s === "stopped" || s === "error";
      row.reset.disabled = s === "idle";
      row.tr.dataset.status = s;
    }
  }
}

function set(row, key, text) {
  if (row.cache[key] === text) return;
  row.cache[key] = text;
  row[key].textContent = text;
}
