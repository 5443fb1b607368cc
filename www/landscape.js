//! The landscape view's page side: the progress bar over the grid's runs, and the
//! grid as a table of numbers beside the picture.
//!
//! The picture itself is the wasm `drawLandscape` (a ChartView paints it and sizes
//! the canvas from the wasm `landscapeLayout`); the
//! numbers are the wasm `landscapeSummary`, the same cells the picture shows
//! (means over finished repeats, diverged and collapsed flags, steps to the
//! target). Nothing here averages, interpolates or decides what diverged.
//! All text goes through textContent.

import { fmt } from "./controls.js";

const pct = (acc) => (Number.isFinite(acc) ? `${(100 * acc).toFixed(1)}%` : "–");

/** What one grid cell says as text. */
export function cellText(cell, heat) {
  if (cell.diverged) return "diverged";
  if (cell.done === 0) return "–";
  const v = heat === "loss" ? fmt(cell.loss) : pct(cell.acc);
  return cell.collapsed ? `${v} (chance)` : v;
}

export class LandscapePanel {
  /** @param {{progress: HTMLProgressElement, progressText: HTMLElement, table: HTMLTableElement}} els */
  constructor(els) {
    this.els = els;
    this.shape = "";
    this.cells = [];
    this.best = [];
  }

  /** Rebuilds the table when the grid changes shape. */
  build(summary) {
    const shape = JSON.stringify([summary.gridB, summary.gridLr, summary.target]);
    if (shape === this.shape) return;
    this.shape = shape;
    const t = this.els.table;
    t.replaceChildren();
    const caption = t.createCaption();
    caption.className = "sr-only";
    caption.textContent = "Final test result of every batch size (rows) and learning rate (columns)";
    const head = t.createTHead().insertRow();
    const corner = document.createElement("th");
    corner.scope = "col";
    corner.textContent = "batch \\ η";
    head.append(corner);
    for (const lr of summary.gridLr) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = fmt(lr);
      head.append(th);
    }
    const bestTh = document.createElement("th");
    bestTh.scope = "col";
    bestTh.className = "best";
    bestTh.textContent = `steps to ${fmt(summary.target)}%`;
    head.append(bestTh);
    const body = t.createTBody();
    this.cells = [];
    this.best = [];
    summary.gridB.forEach((b) => {
      const row = body.insertRow();
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = String(b);
      row.append(th);
      this.cells.push(summary.gridLr.map(() => row.insertCell()));
      const best = row.insertCell();
      best.className = "best";
      this.best.push(best);
    });
  }

  /**
   * Shows the grid's numbers and the progress over its runs.
   * @param {object} summary  landscapeSummary's answer
   * @param {{runs: number, finished: number, progress: number, repeats: number}} count
   * @param {string} heat  "accuracy" or "loss"
   */
  update(summary, count, heat) {
    this.build(summary);
    summary.cells.forEach((row, i) =>
      row.forEach((cell, j) => {
        const td = this.cells[i]?.[j];
        if (!td) return;
        const text = cellText(cell, heat);
        if (td.textContent !== text) td.textContent = text;
        td.dataset.state = cell.diverged ? "diverged" : cell.collapsed ? "collapsed" : cell.done ? "done" : "pending";
      }),
    );
    summary.best.forEach((b, i) => {
      const td = this.best[i];
      if (!td) return;
      td.textContent = b.steps == null ? "–" : `${Math.round(b.steps)} (η ${fmt(b.lr)})`;
    });

    const flat = summary.cells.flat();
    const diverged = flat.filter((c) => c.diverged).length;
    const collapsed = flat.filter((c) => c.collapsed).length;
    const { progress, progressText } = this.els;
    progress.value = count.progress;
    const unit = count.repeats > 1 ? "runs" : "cells";
    const parts = [`${count.finished} of ${count.runs} ${unit} trained`];
    if (diverged) parts.push(`${diverged} diverged`);
    if (collapsed) parts.push(`${collapsed} stuck at chance`);
    const text = parts.join(" · ");
    if (progressText.textContent !== text) progressText.textContent = text;
    progress.setAttribute("aria-valuetext", `${Math.round(100 * count.progress)} percent`);
  }
}
