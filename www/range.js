// The range test's page side (mode=range): its own settings (the ramp's first and last
// rate and its steps; the batch sizes are the grid's `grid_b` box), and the numbers beside
// the picture: α ± its uncertainty for the largest stable rate and the rate of fastest
// descent, the bend, and one row per batch size and seed.
//
// The picture is the wasm `History.drawRange` (a ChartView paints it, sized by the wasm
// `landscapeLayout`: the same two panels); the numbers are `History.rangeSummary`, the
// core's `lr_range::Relation`. Nothing here smooths, detects or fits. Settings are
// reported as (key, text) and parsed by the one config parser, like every other control.
// All text goes through textContent.

import { fmt } from "./controls.js";
import { ParamBoxes } from "./boxes.js";

const KEYS = ["range_lo", "range_hi", "range_steps"];

export class RangePanel {
  /**
   * @param {{summary: HTMLElement, table: HTMLTableElement, form: HTMLElement}} els
   * @param {(key: string, text: string, source: HTMLElement) => void} onChange
   * @param {object[]} params  the core's parameter table (a config's JSON leaves the ramp's
   *   keys out at their defaults; the boxes then show the table's defaults)
   */
  constructor(els, onChange, params) {
    this.els = els;
    this.boxes = new ParamBoxes(els.form, KEYS, onChange, params);
  }

  /** Shows the config's ramp in the boxes. */
  set(config) {
    this.boxes.set(config);
  }

  /** Shows `rangeSummary`'s answer. */
  update(summary) {
    const alpha = (e) => (e ? `α = ${e.text}` : "α: needs two batch sizes with a result");
    const bend = summary.bend
      ? `Bend at batch ≈ ${fmt(summary.bend.batch, 2)} (slope ${summary.bend.below.toFixed(2)} below, ` +
        `${summary.bend.above.toFixed(2)} above).`
      : "Bend: needs four batch sizes with a stable rate.";
    const text =
      `Largest stable rate ∝ B^α: ${alpha(summary.stableAlpha)}. ` +
      `Fastest descent ∝ B^α: ${alpha(summary.bestAlpha)}. ${bend}`;
    if (this.els.summary.textContent !== text) this.els.summary.textContent = text;
    const t = this.els.table;
    t.replaceChildren();
    const head = t.createTHead().insertRow();
    for (const h of ["batch", "seed", "fastest descent", "largest stable"]) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = h;
      head.append(th);
    }
    const body = t.createTBody();
    for (const r of summary.tests) {
      const row = body.insertRow();
      const stable = r.stable == null ? "beyond the ramp" : fmt(r.stable);
      for (const v of [String(r.batch), String(r.repeat), fmt(r.best), stable]) row.insertCell().textContent = v;
    }
  }
}
