// The data files (www/data.js): one download at a time, one failure event per attempt.

import { test } from "node:test";
import assert from "node:assert/strict";
import { DataSource, imageCount } from "../../www/data.js";

test("concurrent loads share one download; a failure is reported once and can be retried", async () => {
  let calls = 0;
  let fail = true;
  const fetch = async (url) => {
    calls++;
    await new Promise((r) => setTimeout(r, 5));
    if (fail) return { ok: false, status: 404 };
    return { ok: true, arrayBuffer: async () => new TextEncoder().encode(url).buffer };
  };
  const data = new DataSource({ images: "a.gz", labels: "b.gz" }, fetch);
  const events = [];
  for (const t of ["loading", "ready", "failed"]) data.addEventListener(t, () => events.push(t));
  const results = await Promise.allSettled([data.load(), data.load(), data.load()]);
  assert.equal(calls, 2);
  assert.ok(results.every((r) => r.status === "rejected"));
  assert.match(results[0].reason.message, /a\.gz: HTTP 404/);
  assert.deepEqual(events, ["loading", "failed"]);
  assert.equal(data.state, "failed");

  fail = false;
  const value = await data.load();
  assert.equal(new TextDecoder().decode(value.labels), "b.gz");
  assert.equal(data.ready, true);
  assert.equal(await data.load(), value, "loaded once, kept");
  assert.equal(calls, 4);
  assert.deepEqual(events, ["loading", "failed", "loading", "ready"]);
});

test("imageCount reads the labels file's header count", async () => {
  const idx = new Uint8Array(8 + 3);
  new DataView(idx.buffer).setUint32(0, 0x801);
  new DataView(idx.buffer).setUint32(4, 10_000);
  const gz = await new Response(new Blob([idx]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
  assert.equal(await imageCount(gz), 10_000);
  const short = await new Response(
    new Blob([idx.subarray(0, 5)]).stream().pipeThrough(new CompressionStream("gzip")),
  ).arrayBuffer();
  await assert.rejects(imageCount(short), /shorter than its header/);
});
