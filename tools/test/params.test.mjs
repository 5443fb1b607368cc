// The form's limits and choices from the core's parameter table (www/params.js).

import { test } from "node:test";
import assert from "node:assert/strict";
import { formLimits, CHOICE_LABELS } from "../../www/params.js";

test("number limits and choices come from the rows, and only from them", () => {
  const rows = [
    { name: "epochs", kind: "int", min: 1, max: 200, choices: null, special: null },
    { name: "momentum", kind: "float", min: 0, max: 1, choices: null, special: null },
    { name: "warmup", kind: "int", min: 0, max: null, choices: null, special: null },
    { name: "opt", kind: "choice", min: null, max: null, choices: ["sgd", "adam", "lion"], special: null },
    { name: "k", kind: "list", min: 1, max: 4096, maxItems: 64, choices: null, special: null },
  ];
  const lim = formLimits(rows);
  assert.deepEqual(lim.get("epochs"), { kind: "int", min: 1, max: 200, choices: null, maxItems: null });
  assert.deepEqual(lim.get("momentum"), { kind: "float", min: 0, max: 1, choices: null, maxItems: null });
  assert.equal(lim.get("k").maxItems, 64);
  assert.equal(lim.get("warmup").max, null);
  // A list's bounds are its items', not a number box's.
  assert.equal(lim.get("k").min, null);
  assert.deepEqual(lim.get("opt").choices, [
    { value: "sgd", label: CHOICE_LABELS.opt.sgd },
    { value: "adam", label: "Adam" },
    { value: "lion", label: "lion" },
  ]);
  assert.equal(lim.has("seed"), false);
});
