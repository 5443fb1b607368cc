// The worker pool's size (www/pool.js): hardware threads, capped, lower on small memory.

import { test } from "node:test";
import assert from "node:assert/strict";
import { poolSize, MAX_WORKERS, LOW_MEMORY_WORKERS } from "../../www/pool.js";

test("the pool follows the hardware threads up to the cap", () => {
  assert.equal(poolSize({ hardwareConcurrency: 1 }), 1);
  assert.equal(poolSize({ hardwareConcurrency: 4 }), 4);
  assert.equal(poolSize({ hardwareConcurrency: MAX_WORKERS }), MAX_WORKERS);
  assert.equal(poolSize({ hardwareConcurrency: 64 }), MAX_WORKERS);
  assert.equal(MAX_WORKERS, 8);
});

test("a browser that reports nothing, or nonsense, gets two workers", () => {
  assert.equal(poolSize({}), 2);
  assert.equal(poolSize({ hardwareConcurrency: 0 }), 2);
  assert.equal(poolSize({ hardwareConcurrency: -3 }), 2);
  assert.equal(poolSize({ hardwareConcurrency: "many" }), 2);
  assert.equal(poolSize(undefined), poolSize(globalThis.navigator));
});

test("little reported memory lowers the pool", () => {
  assert.equal(poolSize({ hardwareConcurrency: 16, deviceMemory: 2 }), LOW_MEMORY_WORKERS);
  assert.equal(poolSize({ hardwareConcurrency: 16, deviceMemory: 0.5 }), LOW_MEMORY_WORKERS);
  assert.equal(poolSize({ hardwareConcurrency: 1, deviceMemory: 1 }), 1);
  assert.equal(poolSize({ hardwareConcurrency: 16, deviceMemory: 4 }), MAX_WORKERS);
  assert.equal(poolSize({ hardwareConcurrency: 6, deviceMemory: 8 }), 6);
});
