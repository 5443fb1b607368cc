//! The runs table: one row per run with its colour, its k (or, in the landscape,
//! its cell's batch and rate), its seed when runs are repeated, effective batch
//! and learning rate (from the core's run list, then from the worker's own plan), progress,
//! epoch, test accuracy, peak mini-batch loss, status and its own buttons. A collapsed or
//! diverged run's accuracy is not a result: its cell shows "—" and says why on hover.
//!
//! One row per run, repeats included: each repeat trains in its own worker and
//! can be paused or restarted alone. Repeats of one k share its colour (they
//! are one curve, drawn as mean and band) and sit under it, with their seed.
//! The columns depend on the mode; each cell carries data-col (k, seed, batch,
//! lr, progress, epoch, acc, target, peak, status) so the e2e test reads them by name.
//! The time to the target accuracy (curves mode) is the core's (`History.toTarget`).
//!
//! The table shows at most PAGE_ROWS rows at a time: a larger experiment (a landscape
//! with repeats has hundreds of runs) is paged, with a pager under the table that says
//! "Rows 51–100 of 288" and moves by page, or to the page of the selected run or of the
//! first run still training. Only the shown rows exist in the page: building, updating
//! and painting stay bounded however many runs there are (a landscape's numbers are in
//! its own grid table). An experiment that fits one page shows every row, as before.
//!
//! Rows are built once per page shown and then only their text changes, so an update
//! per frame stays cheap. Buttons are delegated: each carries data-action and data-run,
//! and the caller maps them to the pool. All text goes through textContent.

import { fmt } from "./controls.js";

/** Accuracy as the page shows it everywhere (the e2e test compares this text). */
export function accText(acc) {
  return acc === null || acc === undefined || !Number.isFinite(acc) ? "–" : `${(100 * acc).toFixed(1)}%`;
}

/** Statuses whose final scores are not results (the core's `RunStatus::failed`). */
export const FAILED = new Set(["collapsed", "diverged"]);

/**
 * The accuracy cell of a run whose latest record is `last`: its text and, for a failed
 * run, a title saying why the number is not shown as a result.
 */
export function scoreText(status, last) {
  if (!last) return { text: "–", title: null };
  if (!FAILED.has(status)) return { text: accText(last.testAcc), title: null };
  const why =
    status === "collapsed"
      ? "the run collapsed: its last evaluations were no better than always answering the most frequent class"
      : "the run diverged: its loss went non-finite (or past the diverge threshold) and it stopped";
  return { text: "—", title: `${accText(last.testAcc)} at the end, not a result: ${why}` };
}

/** Time to the target accuracy as the table shows it: seconds of wall time, or a dash. */
export function targetText(t) {
  return t && t.ms !== null ? `${(t.ms / 1000).toFixed(1)} s` : "–";
}

/** The peak mini-batch loss as the table shows it (1.2e7 when large). */
export function peakText(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  return Math.abs(v) >= 1e4 ? v.toExponential(1) : v.toFixed(2);
}

export function statusText(run) {
  switch (run.status) {
    case "collapsed":
      return "collapsed (one class)";
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

/**
 * How a run is named in labels and captions: its curve's label from the core
 * ("k = 4", "B 32, η 0.01"), with its seed when runs are repeated ("k = 4, seed 3").
 */
export function runLabel(run, { repeats } = {}) {
  return repeats > 1 ? `${run.label}, seed ${run.seed}` : run.label;
}

/** The most rows the table shows at once; more runs are paged. */
export const PAGE_ROWS = 50;

/**
 * Page `page` of `total` rows, clamped to the pages there are: its rows `from` (inclusive)
 * to `to` (exclusive), how many pages there are, and the pager's text.
 */
export function pageRange(page, total, size = PAGE_ROWS) {
  const pages = Math.max(1, Math.ceil(total / size));
  page = Math.min(pages - 1, Math.max(0, Math.trunc(page) || 0));
  const from = page && page * size; // (0 × Infinity is NaN)
  const to = Math.min(total, from + size);
  const text = pages === 1 ? `${total} rows` : `Rows ${from + 1}–${to} of ${total}`;
  return { page, pages, from, to, text };
}

/** The page that holds row `index`. */
export function pageOf(index, size = PAGE_ROWS) {
  return Math.floor(Math.max(0, index) / size);
}

export class RunsTable {
  /**
   * @param {HTMLTableSectionElement} tbody
   * @param {{onAction: (action: string, run: number) => void, onSelect: (run: number) => void}} handlers
   * @param {{nav: HTMLElement, range: HTMLElement, first: HTMLButtonElement, prev: HTMLButtonElement,
   *   next: HTMLButtonElement, last: HTMLButtonElement, selected: HTMLButtonElement,
   *   running: HTMLButtonElement}} [pager]  the pager's elements (none: every row is shown)
   */
  constructor(tbody, handlers, pager) {
    this.tbody = tbody;
    this.thead = tbody.parentElement.tHead;
    this.pager = pager;
    this.size = pager ? PAGE_ROWS : Infinity; // rows per page
    this.rows = []; // the shown rows only
    this.runs = [];
    this.page = 0;
    this.selected = 0;
    this.epochs = 1;
    if (pager) {
      const go = (el, page) => el.addEventListener("click", () => this.show(page()));
      go(pager.first, () => 0);
      go(pager.prev, () => this.page - 1);
      go(pager.next, () => this.page + 1);
      go(pager.last, () => this.pages() - 1);
      go(pager.selected, () => this.pageOf(this.selected));
      go(pager.running, () => {
        const r = this.runs.find((run) => ["running", "loading"].includes(run.status));
        return r ? this.pageOf(r.index) : this.page;
      });
    }
    tbody.addEventListener("click", (e) => {
      const btn = e.target.closest("button[data-action]");
      if (btn) handlers.onAction(btn.dataset.action, Number(btn.dataset.run));
    });
    tbody.addEventListener("change", (e) => {
      if (e.target.name === "live-run" && e.target.checked) handlers.onSelect(Number(e.target.value));
    });
  }

  /**
   * Builds the header and one row per run.
   * @param {object[]} runs  the Experiment's runs
   * @param {(run: object) => string} color  the run's colour (its curve's)
   * @param {{mode: string, repeats: number, target: number}} ctx  the experiment's config (mode, repeats, target)
   */
  build(runs, color, ctx) {
    const landscape = ctx.mode === "landscape";
    const seeds = ctx.repeats > 1;
    // [data-col, header (text, or [text, var-text]), class]
    const cols = [
      ["pick", null, ""],
      ...(landscape
        ? [
            ["batch", "batch", "num"],
            ["lr", "η", "num"],
          ]
        : [["k", "k", "num"]]),
      ...(seeds ? [["seed", "seed", "num"]] : []),
      ...(landscape
        ? []
        : [
            ["batch", "batch", "num"],
            ["lr", "η", "num"],
          ]),
      ["progress", "progress", "col-progress"],
      ["epoch", "epoch", "num col-epoch"],
      ["acc", "test acc", "num acc"],
      ...(landscape ? [] : [["target", `to ${ctx.target} %`, "num col-target"]]),
      ["peak", "peak loss", "num col-peak"],
      ["status", "status", "status-cell"],
      ["actions", null, "actions"],
    ];
    const rowHeader = landscape ? "batch" : "k";
    const head = document.createElement("tr");
    for (const [key, text, cls] of cols) {
      const th = document.createElement("th");
      th.scope = "col";
      th.dataset.col = key;
      if (cls) th.className = cls;
      if (text === null) {
        const sr = document.createElement("span");
        sr.className = "sr-only";
        sr.textContent = key === "pick" ? "Show digits" : "Actions";
        th.append(sr);
      } else if (key === "k" || key === "lr") {
        const v = document.createElement("var");
        v.textContent = text;
        th.append(v);
      } else {
        th.textContent = text;
      }
      head.append(th);
    }
    this.thead.replaceChildren(head);
    this.runs = runs;
    this.color = color;
    this.ctx = ctx;
    this.cols = cols;
    this.rowHeader = rowHeader;
    this.show(0, true);
  }

  /** How many pages the runs fill. */
  pages() {
    return pageRange(0, this.runs.length, this.size).pages;
  }

  /** The page that holds run `index`. */
  pageOf(index) {
    return pageOf(index, this.size);
  }

  /** Shows page `page` (clamped): its rows are built, filled and the pager updated. */
  show(page, force = false) {
    const range = pageRange(page, this.runs.length, this.size);
    if (range.page === this.page && !force) return;
    const start = performance.now();
    this.page = range.page;
    this.rows = this.runs.slice(range.from, range.to).map((run) => this.makeRow(run));
    this.tbody.replaceChildren(...this.rows.map((r) => r.tr));
    for (const r of this.rows) {
      r.radio.checked = r.run.index === this.selected;
      r.tr.classList.toggle("selected", r.run.index === this.selected);
    }
    if (!force) this.update(this.epochs);
    const p = this.pager;
    if (p) {
      p.nav.hidden = range.pages === 1;
      p.range.textContent = range.text;
      p.first.disabled = p.prev.disabled = range.page === 0;
      p.next.disabled = p.last.disabled = range.page === range.pages - 1;
    }
    performance.measure("page:table-page", { start, end: performance.now() });
  }

  /** One row of the table, for `run`. */
  makeRow(run) {
    const { cols, rowHeader, ctx, color } = this;
    const landscape = ctx.mode === "landscape";
    const name = runLabel(run, ctx);
    const tr = document.createElement("tr");
    tr.dataset.run = String(run.index);
    if (!landscape && run.repeat > 0) tr.classList.add("repeat-row");
    const cells = {};
    for (const [key, , cls] of cols) {
      const el = document.createElement(key === rowHeader ? "th" : "td");
      if (key === rowHeader) el.scope = "row";
      el.dataset.col = key;
      if (cls) el.className = cls;
      cells[key] = el;
    }

    const radio = document.createElement("input");
    radio.type = "radio";
    radio.name = "live-run";
    radio.value = String(run.index);
    radio.id = `live-run-${run.index}`;
    radio.setAttribute("aria-label", `Show the digits of run ${name}`);
    const swatch = document.createElement("label");
    swatch.className = "swatch";
    swatch.htmlFor = radio.id;
    swatch.style.setProperty("--c", color(run));
    swatch.setAttribute("aria-hidden", "true");
    cells.pick.className = "pick";
    cells.pick.append(radio, swatch);

    if (cells.k) cells.k.textContent = String(run.k);
    if (cells.seed) cells.seed.textContent = String(run.seed);
    const progress = document.createElement("progress");
    progress.max = 1;
    progress.value = 0;
    progress.setAttribute("aria-label", `Progress of run ${name}`);
    cells.progress.append(progress);
    const badge = document.createElement("span");
    badge.className = "badge";
    cells.status.append(badge);
    const button = (action, label, text) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = `icon-btn ${action}`;
      b.dataset.action = action;
      b.dataset.run = String(run.index);
      b.setAttribute("aria-label", `${label} run ${name}`);
      b.title = `${label} this run`;
      b.textContent = text;
      return b;
    };
    const toggle = button("toggle", "Start", "▶");
    const stop = button("stop", "Stop", "■");
    const reset = button("reset", "Reset", "↺");
    cells.actions.append(toggle, stop, reset);

    tr.append(...cols.map(([key]) => cells[key]));
    return {
      run,
      name,
      tr,
      radio,
      batch: cells.batch,
      lr: cells.lr,
      progress,
      epoch: cells.epoch,
      acc: cells.acc,
      peak: cells.peak,
      target: cells.target,
      badge,
      toggle,
      stop,
      reset,
      cache: {},
    };
  }

  /** Marks run `index` as the one whose digits are shown (its page is not changed). */
  select(index) {
    this.selected = index;
    for (const r of this.rows) {
      r.radio.checked = r.run.index === index;
      r.tr.classList.toggle("selected", r.run.index === index);
    }
  }

  /**
   * Refreshes the shown rows' text from their runs: every shown row, or only those of
   * `which` (run indices that changed since the last update). Only what differs from the
   * row's last state is written: writing an unchanged attribute still makes the browser
   * restyle and repaint the table.
   * @param {number} epochs  the experiment's epoch count
   * @param {Iterable<number>} [which]
   */
  update(epochs, which) {
    this.epochs = epochs;
    const from = this.page && this.page * this.size;
    const rows = which ? [...which].map((i) => this.rows[i - from]).filter(Boolean) : this.rows;
    for (const row of rows) {
      const { run } = row;
      const last = run.records[run.records.length - 1];
      const plan = run.plan || {};
      const full = plan.nTrain && plan.batch === plan.nTrain;
      set(row, "batch", plan.batch ? `${plan.batch}${full ? " (all)" : ""}` : "–");
      set(row, "lr", fmt(plan.lr));
      set(row, "epoch", `${last ? last.epoch : 0} / ${epochs}`);
      const score = scoreText(run.status, last);
      set(row, "acc", score.text);
      attr(row, "acc", "title", score.title);
      attr(row, "acc", "data-acc", last ? String(last.testAcc) : null);
      set(row, "peak", peakText(last && last.peakLoss));
      if (row.target && this.toTarget && row.cache.targetAt !== run.records.length) {
        // The core's interpolation between evaluations, asked again only after a new record.
        row.cache.targetAt = run.records.length;
        const t = run.records.length ? this.toTarget(run.index) : { ms: null, steps: null };
        set(row, "target", targetText(t));
        attr(row, "target", "title", t.ms === null ? null : `step ${Math.round(t.steps)}`);
      }
      set(row, "badge", statusText(run));
      attr(row, "badge", "data-status", run.status);
      attr(row, "badge", "title", run.error ? run.error : null);
      if (row.cache.progress !== run.progress) {
        row.cache.progress = run.progress;
        row.progress.value = run.progress;
        row.progress.setAttribute("aria-valuetext", `${Math.round(100 * run.progress)} percent`);
      }
      const s = run.status;
      if (row.cache.status === s) continue;
      row.cache.status = s;
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
        row.toggle.setAttribute("aria-label", `${label} run ${row.name}`);
        row.toggle.title = `${label} this run`;
      }
      row.stop.disabled = s === "idle" || s === "done" || FAILED.has(s) || s === "stopped" || s === "error";
      row.reset.disabled = s === "idle";
      row.tr.dataset.status = s;
    }
  }
}

/** Sets (or, for null, removes) an attribute of one of a row's elements, if it changed. */
function attr(row, key, name, value) {
  const k = `${key}@${name}`;
  if (row.cache[k] === value) return;
  row.cache[k] = value;
  if (value === null) row[key].removeAttribute(name);
  else row[key].setAttribute(name, value);
}

function set(row, key, text) {
  if (row.cache[key] === text) return;
  row.cache[key] = text;
  row[key].textContent = text;
}
