// The bounds of the kept history (www/history-store.js `evictions`): which entries go
// when an addition passes the count or size limit.

import { test } from "node:test";
import assert from "node:assert/strict";
import { evictions, LIMITS } from "../../www/history-store.js";

/** Entries newest first: ids n..1, each `bytes` large, `pinned` ids pinned. */
function entries(n, bytes, pinned = []) {
  return Array.from({ length: n }, (_, i) => ({ id: n - i, bytes, pinned: pinned.includes(n - i) }));
}

test("within the bounds nothing goes", () => {
  assert.deepEqual(evictions(entries(LIMITS.entries, 1000)), []);
  assert.deepEqual(evictions(entries(3, LIMITS.bytes / 3)), []);
});

test("over the count the oldest unpinned go first, then pinned ones", () => {
  const limits = { entries: 3, bytes: Infinity };
  assert.deepEqual(evictions(entries(5, 1), limits), [1, 2]);
  assert.deepEqual(evictions(entries(5, 1, [1]), limits), [2, 3]);
  // Pinned entries are protected: the newest unpinned one goes before them, unless it is
  // the one just added.
  assert.deepEqual(evictions(entries(5, 1, [1, 2, 3, 4]), limits), [5, 1]);
  assert.deepEqual(evictions(entries(5, 1, [1, 2, 3, 4]), limits, 5), [1, 2]);
});

test("over the size the oldest go until the rest fits; the new entry stays", () => {
  const limits = { entries: 100, bytes: 10 };
  // Five of 4 bytes: 20 > 10, so the three oldest go (8 bytes left).
  assert.deepEqual(evictions(entries(5, 4), limits), [1, 2, 3]);
  // The newest (id 5) alone is over the size: everything else goes, never it.
  assert.deepEqual(evictions([{ id: 5, bytes: 12 }, ...entries(2, 1)], limits, 5), [1, 2]);
});
