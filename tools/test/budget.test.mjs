// The work budget (www/budget.js): cost from the core's run rows, the speed, the pool.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  estimate,
  experimentSamples,
  durationText,
  estimateText,
  speedOf,
  loadSpeed,
  saveSpeed,
  BUDGET_SECONDS,
} from "../../www/budget.js";

const spec = (epochs, trainSize = 8000, testSize = 2000) => ({ config: { epochs }, trainSize, testSize });

test("samples count every run's epochs of training and a third for each test pass", () => {
  assert.equal(experimentSamples([]), 0);
  assert.equal(experimentSamples([spec(1, 300, 0)]), 300);
  assert.equal(experimentSamples([spec(2, 300, 90)]), 2 * (300 + 30));
  assert.equal(experimentSamples([spec(10), spec(10)]), 2 * 10 * (8000 + 2000 / 3));
});

test("the article's experiment fits the budget; issue 9's 1,440-run link does not", () => {
  const article = Array.from({ length: 7 }, () => spec(10));
  const small = estimate(article, 10_000, 2);
  assert.ok(!small.over, `article: ${small.workerSeconds} worker-seconds`);
  // 7 runs of 10 epochs of 8,667 sample equivalents at 10,000/s: 60.7 s of one worker.
  assert.ok(Math.abs(small.workerSeconds - 60.67) < 0.01, String(small.workerSeconds));
  assert.ok(Math.abs(small.wallSeconds - small.workerSeconds / 2) < 1e-9);
  const huge = estimate(
    Array.from({ length: 1440 }, () => spec(200)),
    10_000,
    8,
  );
  assert.ok(huge.over);
  assert.ok(huge.wallSeconds > 3600, `${huge.wallSeconds} s`);
});

test("the budget is two minutes of every pool worker", () => {
  const specs = [spec(1, 10_000, 0)]; // 10,000 samples
  const speed = 10_000 / (BUDGET_SECONDS * 2); // exactly two workers' budget
  assert.ok(!estimate(specs, speed, 2).over);
  assert.ok(estimate(specs, speed * 0.99, 2).over);
  assert.ok(!estimate(specs, speed * 0.99, 3).over, "a larger pool has a larger budget");
  // One run cannot use a second worker: wall time is its whole cost.
  assert.equal(estimate(specs, 100, 8).wallSeconds, 100);
});

test("durations and the line beside Run read as people write them", () => {
  assert.equal(durationText(0.2), "1 s");
  assert.equal(durationText(42), "42 s");
  assert.equal(durationText(150), "3 min");
  assert.equal(durationText(5400), "1.5 h");
  assert.equal(durationText(32 * 3600), "32 h");
  assert.equal(durationText(NaN), "–");
  const text = estimateText({ wallSeconds: 90 }, { slots: 8, runs: 2, measured: true });
  assert.equal(text, "≈ 2 min of training, 2 runs at once (at this browser's measured speed)");
  assert.match(
    estimateText({ wallSeconds: 5 }, { slots: 2, runs: 1, measured: false }),
    /1 run at once \(at a typical/,
  );
});

test("a record's speed counts its samples and test passes over its active time", () => {
  assert.equal(speedOf({ samples: 8000, epoch: 1, wallMs: 1000 }), 8000);
  assert.equal(speedOf({ samples: 8000, epoch: 2, wallMs: 1000 }, 300), 8000 + 200);
  assert.equal(speedOf({ samples: 8000, epoch: 1, wallMs: 0 }), null);
  assert.equal(speedOf({ samples: 0, epoch: 1, wallMs: 10 }), null);
  assert.equal(speedOf(null), null);
});

test("the measured speed is remembered, and refused storage is not an error", () => {
  const store = new Map();
  const storage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v) };
  assert.equal(loadSpeed(storage), null);
  saveSpeed(12_345.6, storage);
  assert.equal(loadSpeed(storage), 12_346);
  saveSpeed(NaN, storage);
  assert.equal(loadSpeed(storage), 12_346);
  const refusing = {
    getItem() {
      throw new Error("SecurityError");
    },
    setItem() {
      throw new Error("SecurityError");
    },
  };
  assert.equal(loadSpeed(refusing), null);
  saveSpeed(10, refusing);
});
