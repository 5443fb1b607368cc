// Data-parallel runs in the page (`workers` > 1, www/shards.js), end to end in headless
// Chromium: served cross-origin isolated (tools/serve.mjs's headers) the page moves the
// gradients through shared memory and says so; served without the headers it falls back
// to transferred buffers, with the same numbers bit for bit; both stay within the core's
// tolerance of the one-worker run (tests/parallel.rs states it); a run waits until all
// its workers are free in the pool; a stop ends a two-worker run cleanly, with nothing
// logged as an error.
//
// Runs against dist/ (`make dist` first). Short runs: a few hundred images, one epoch.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { rows } from "./page-model.mjs";
import { startSite, useSite, watch } from "./site.mjs";

const h = useSite(); // cross-origin isolated
let plain; // the same dist/ without the isolation headers
let plainContext;

before(async () => {
  await h.ready;
  plain = await startSite({}, { isolate: false });
  plainContext = await h.browser.newContext();
});

after(async () => {
  await plainContext?.close();
  await plain?.close();
});

const RUN = "k=1&b0=24&train=300&epochs=1&dropout=0.25&seed=3&autorun=1";

/** Opens `query` on a page of `context`, waits for the end, answers the done runs and transport. */
async function trainToEnd(page, origin, query) {
  await page.addInitScript(() => {
    window.__done = [];
    document.addEventListener("lr-batch-playground:done", (e) => window.__done.push(e.detail));
  });
  await page.goto(`${origin}/?${query}`);
  await page.waitForFunction(() => window.__done.length > 0, null, { timeout: 90_000 });
  return page.evaluate(() => ({
    runs: window.__done[0].runs,
    isolated: window.crossOriginIsolated,
    transport: document.getElementById("transport").hidden
      ? null
      : document.getElementById("transport").dataset.transport,
    text: document.getElementById("transport").textContent,
  }));
}

test("shared memory when isolated, transferred buffers when not: the same numbers", { timeout: 240_000 }, async () => {
  const shared = await trainToEnd(await h.newPage(), h.origin, `${RUN}&workers=2`);
  assert.equal(shared.isolated, true, "tools/serve.mjs isolates the page");
  assert.equal(shared.transport, "shared");
  assert.match(shared.text, /shared memory/);
  assert.equal(shared.runs[0].status, "done");

  const seen = { foreign: [], problems: [] };
  const page = watch(await plainContext.newPage(), plain.origin, seen);
  const transfer = await trainToEnd(page, plain.origin, `${RUN}&workers=2`);
  assert.equal(transfer.isolated, false);
  assert.equal(transfer.transport, "transfer");
  assert.match(transfer.text, /messages/);
  assert.deepEqual(seen.problems, []);
  for (const key of ["testAcc", "testLoss", "trainLoss", "step", "samples", "status"]) {
    assert.equal(transfer.runs[0][key], shared.runs[0][key], `${key}: transfer = shared`);
  }

  // One worker: no transport line, and the two-worker run within the stated tolerance.
  const one = await trainToEnd(await h.newPage(), h.origin, RUN);
  assert.equal(one.transport, null);
  assert.equal(one.runs[0].step, shared.runs[0].step);
  assert.ok(Math.abs(one.runs[0].testAcc - shared.runs[0].testAcc) <= 0.015, "accuracy within 1.5 points");
  assert.ok(Math.abs(one.runs[0].testLoss - shared.runs[0].testLoss) <= 0.05 * one.runs[0].testLoss);
  assert.deepEqual(h.problems, []);
});

test(
  "the runs table gives each run's wall time to the target accuracy, from the core",
  { timeout: 120_000 },
  async () => {
    const page = await h.newPage();
    await page.goto(`${h.origin}/?k=1,2&epochs=2&train=1000&target=60&workers=2&autorun=1`);
    await page.waitForFunction(
      () => [...document.querySelectorAll('#runs-body [data-col="status"]')].every((c) => /done/.test(c.textContent)),
      null,
      { timeout: 90_000 },
    );
    assert.equal(await page.textContent('#runs-head [data-col="target"]'), "to 60 %");
    await page.waitForFunction(
      () => [...document.querySelectorAll('#runs-body [data-col="target"]')].every((c) => /s$/.test(c.textContent)),
      null,
      { timeout: 10_000 },
    );
    // The wall time the core interpolated, with its step in the cell's title.
    const check = await page.$$eval("#runs-body tr[data-run]", (trs) =>
      trs.map((tr) => {
        const cell = tr.querySelector('[data-col="target"]');
        return { shown: cell.textContent, title: cell.title };
      }),
    );
    assert.equal(check.length, 2);
    for (const r of check) {
      const seconds = Number(r.shown.replace(" s", ""));
      assert.ok(seconds > 0 && seconds < 90, r.shown);
      assert.match(r.title, /^step \d+$/);
    }
    await page.close();
  },
);

test("a run starts only when all its workers are free; stop ends a two-worker run", { timeout: 120_000 }, async () => {
  const page = await h.newPage();
  await h.open(page);
  const slots = await page.evaluate(async () => (await import(`${location.origin}/pool.js`)).poolSize());
  // Two runs of `slots` workers each: never both at once.
  await page.goto(`${h.origin}/?k=1,2&b0=8&train=4000&epochs=30&workers=${slots}&autorun=1`);
  await page.waitForFunction(
    () => [...document.querySelectorAll('#runs-body [data-col="status"]')].some((c) => /running/.test(c.textContent)),
    null,
    { timeout: 30_000 },
  );
  for (let i = 0; i < 5; i++) {
    const statuses = (await rows(page)).map((r) => r.status);
    assert.ok(statuses.filter((s) => /running|loading/.test(s)).length <= 1, statuses.join(", "));
    assert.ok(
      statuses.some((s) => /queued/.test(s)),
      `the second run waits: ${statuses.join(", ")}`,
    );
    await page.waitForTimeout(300);
  }
  await page.click("#stop-all");
  await page.waitForFunction(() => window.__done.length > 0, null, { timeout: 20_000 });
  // The table redraws on its own schedule: wait for it, then read it.
  await page
    .waitForFunction(
      () =>
        [...document.querySelectorAll('#runs-body [data-col="status"]')].every((c) => /stopped/.test(c.textContent)),
      null,
      { timeout: 10_000 },
    )
    .catch(() => {});
  const statuses = (await rows(page)).map((r) => r.status);
  assert.ok(
    statuses.every((s) => /stopped/.test(s)),
    `every run stopped: ${statuses.join(", ")}`,
  );
  const done = await page.evaluate(() => window.__done[0].runs.map((r) => [r.status, r.error ?? null]));
  assert.deepEqual(done, [
    ["stopped", null],
    ["stopped", null],
  ]);
  assert.deepEqual(h.problems, []);
  assert.deepEqual(h.foreign, []);
});
