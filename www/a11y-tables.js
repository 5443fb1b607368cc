//! What the charts show, as text: a visually hidden table of each chart's latest values
//! for screen readers, and the message by the chart when a run diverged or collapsed.
//!
//! Both read the wasm History's `latest()` (src/web/history.rs): one row per curve, its
//! label as the chart draws it (with the core's note on failed runs, e.g. "(diverged)")
//! and the leading run's newest record; `failed` says where the group's first failed run
//! stopped. Nothing here computes a metric. The tables are rebuilt only when their text
//! changes, so a screen reader's position is not lost on every redraw.
//!
//! The failure message names the run, what happened (diverged, collapsed, or finished
//! stuck at chance) and when (step and epoch), and what usually helps: a lower learning
//! rate, warmup, standardised inputs.

import { fmt } from "./controls.js";

const pct = (v) => (v === null || v === undefined ? "–" : `${fmt(100 * v, 3)} %`);
const num = (v) => (v === null || v === undefined ? "–" : fmt(v, 3));
const epochText = (r) => (r.epochsDone === null || r.epochsDone === undefined ? String(r.epoch) : fmt(r.epochsDone, 2));

/** The columns of each chart's table: [header, cell text of a `latest()` row]. */
export const TABLES = {
  curves: [
    ["Run", (r) => r.label],
    ["Epoch", epochText],
    ["Step", (r) => (r.step === null ? "–" : String(r.step))],
    ["Test accuracy", (r) => pct(r.testAcc)],
    ["Test loss", (r) => num(r.testLoss)],
    ["Train loss", (r) => num(r.trainLoss)],
    ["Learning rate", (r) => num(r.lr)],
  ],
  noise: [
    ["Run", (r) => r.label],
    ["Epoch", epochText],
    ["Gradient noise scale", (r) => num(r.noiseScale)],
  ],
};

/** The table's rows as text: the header row, then one row per curve. */
export function tableText(kind, rows) {
  const cols = TABLES[kind];
  return [cols.map((c) => c[0]), ...rows.map((r) => cols.map((c) => c[1](r)))];
}

/** Writes `cells` (rows of text, the first the header) into `table`, if they changed. */
export function fillTable(table, caption, cells) {
  const key = JSON.stringify(cells);
  if (table.dataset.key === key) return;
  table.dataset.key = key;
  const cap = document.createElement("caption");
  cap.textContent = caption;
  const head = document.createElement("thead");
  const body = document.createElement("tbody");
  cells.forEach((row, i) => {
    const tr = document.createElement("tr");
    row.forEach((text, j) => {
      const cell = document.createElement(i === 0 || j === 0 ? "th" : "td");
      if (i === 0) cell.scope = "col";
      else if (j === 0) cell.scope = "row";
      cell.textContent = text;
      tr.append(cell);
    });
    (i === 0 ? head : body).append(tr);
  });
  table.replaceChildren(cap, head, body);
}

/**
 * The failure message of one `latest()` row with `failed` set; the label carries the
 * core's note ("k = 8 (diverged)", "k = 8 (1 of 3 collapsed)").
 */
export function failureText(r) {
  const f = r.failed;
  const what = {
    diverged: "the loss blew up and the run was stopped",
    collapsed: "the network ended answering (almost) one class, no better than chance",
    stuck: `it learned nothing: the test accuracy ended at ${pct(f.testAcc)}, no better than chance,`,
  }[f.status];
  const at =
    `at step ${f.step} (epoch ${f.epochsDone === null ? f.epoch : fmt(f.epochsDone, 2)}` +
    `${f.lr === null ? "" : `, learning rate ${fmt(f.lr)}`})`;
  const helps =
    "What usually helps: a lower learning rate (or a gentler scaling rule), a few epochs of warmup, " +
    "or standardised inputs.";
  return `${r.label}: ${what} ${at}. ${helps}`;
}

/**
 * Shows the failure messages of `rows` in `box` (hidden when none failed).
 * @param {HTMLElement} box
 * @param {object[]} rows  `latest()`'s rows
 */
export function showFailures(box, rows) {
  const texts = rows.filter((r) => r.failed).map(failureText);
  const key = JSON.stringify(texts);
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  box.replaceChildren(
    ...texts.map((t) => {
      const p = document.createElement("p");
      p.textContent = t;
      return p;
    }),
  );
  box.hidden = texts.length === 0;
}
