// The summary line and the grid's progress (www/series.js).

import { test } from "node:test";
import assert from "node:assert/strict";
import { gridProgress, summaryText } from "../../www/series.js";

function run(index, group, repeat, records, status = "done", extra = {}) {
  return { index, group, repeat, label: `g${group}`, config: { seed: 1 }, status, records, progress: 0, ...extra };
}

test("grid progress counts ended runs whole and running ones below one", () => {
  const terminal = new Set(["done", "diverged"]);
  const runs = [
    run(0, 0, 0, [], "done"),
    run(1, 1, 0, [], "diverged", { progress: 0.1 }),
    run(2, 2, 0, [], "running", { progress: 1 }),
    run(3, 3, 0, [], "idle"),
  ];
  const p = gridProgress(runs, terminal);
  assert.equal(p.runs, 4);
  assert.equal(p.finished, 2);
  assert.ok(Math.abs(p.progress - 2.99 / 4) < 1e-12);
  assert.deepEqual(gridProgress([], terminal), { runs: 0, finished: 0, progress: 0 });
});

test("the summary names the shape, the runs at once, and the states", () => {
  const curvesCfg = { mode: "curves", repeats: 2, k: [1, 4], grid_b: [], grid_lr: [] };
  const runs = [
    run(0, 0, 0, [], "running"),
    run(1, 0, 1, [], "loading"),
    run(2, 1, 0, [], "queued"),
    run(3, 1, 1, [], "error"),
  ];
  assert.equal(summaryText(runs, curvesCfg, 8), "4 runs (2 × 2 seeds), 4 at a time · 2 training, 1 queued, 1 failed");
  const idle = runs.map((r) => ({ ...r, status: "idle" }));
  assert.equal(summaryText(idle, curvesCfg, 2), "4 runs (2 × 2 seeds), 2 at a time · ready");
  const land = { mode: "landscape", repeats: 1, k: [1], grid_b: [8, 16], grid_lr: [0.1] };
  assert.equal(summaryText(idle.slice(0, 2), land, 2), "2 runs (2 batch sizes × 1 rates), 2 at a time · ready");
  assert.equal(summaryText(idle.slice(0, 1), { ...land, mode: "curves" }, 4), "1 run, 1 at a time · ready");
});
