//! The charts' layout at every pixel density, in a real headless Chromium: the
//! page at 390 × 844 (a phone) with devicePixelRatio 1, 2 and 3, and at
//! 1280 × 900 (a laptop) with 1 and 2, after a short real training run so the
//! panels hold curves.
//!
//! For each CSS width the learning-curves canvas' `data-layout` (the panels'
//! rectangles in CSS pixels, as the wasm drawChart returned them) is the same at
//! every ratio; a phone gets one column of four panels, a laptop 2 × 2; no panel
//! is stretched (width / height within the core's band); and the backing store
//! is CSS size × ratio. The landscape view is checked the same way (two panels,
//! stacked on the phone). Screenshots of each case go to a temp dir, printed at
//! the end, to look at.
//!
//! Runs against `dist/` (`make dist` first), served by ./site.mjs; the browser
//! comes from tools/browser.mjs.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { launchChromium } from "../browser.mjs";
import { startSite, watch } from "./site.mjs";

const CASES = [
  { width: 390, height: 844, ratios: [1, 2, 3] },
  { width: 1280, height: 900, ratios: [1, 2] },
];
// The curves panel's width / height stays in this band (src/plot/tests.rs states
// the same band for every CSS width from 280 to 1600 px).
const CURVE_BAND = [1.4, 2.0];
const LANDSCAPE_BAND = [0.85, 1.35];
const TRAIN = "?k=1,4&epochs=2&train=400&autorun=1";
const GRID = "?mode=landscape&grid_b=8,64&grid_lr=0.01,0.1&epochs=1&train=400&autorun=1";

let site;
let browser;
let shots;
const seen = { foreign: [], problems: [] };

before(async () => {
  site = await startSite();
  browser = await launchChromium();
  shots = await mkdtemp(path.join(tmpdir(), "lr-batch-layout-"));
});

after(async () => {
  await browser?.close();
  await site?.close();
  if (shots) console.log(`# layout screenshots: ${shots}`);
});

/** Opens `query` at the viewport and ratio, waits for every run to finish and `id` to be drawn. */
async function drawn({ width, height }, dpr, query, id) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: dpr });
  const page = watch(await context.newPage(), site.origin, seen);
  await page.goto(`${site.origin}/${query}`);
  await page.waitForSelector("#runs-body tr", { timeout: 30_000 });
  await page.waitForFunction(
    () => [...document.querySelectorAll("#runs-body .badge")].every((b) => b.textContent === "done"),
    null,
    { timeout: 90_000 },
  );
  // The last throttled redraw: the one after every run's records (before them, the
  // learning-rate panel names each run's planned rate).
  await page.waitForFunction((id) => !/\(planned\)/.test(document.getElementById(id).dataset.layout ?? ""), id, {
    timeout: 10_000,
  });
  await page.waitForTimeout(600);
  await page.evaluate((id) => document.getElementById(id).scrollIntoView({ block: "start" }), id);
  const info = await page.evaluate((id) => {
    const c = document.getElementById(id);
    const box = c.getBoundingClientRect();
    return {
      layout: c.dataset.layout ? JSON.parse(c.dataset.layout) : null,
      css: { w: box.width, h: box.height },
      backing: { w: c.width, h: c.height },
      dpr: window.devicePixelRatio,
    };
  }, id);
  const name = `${id}-${width}x${height}@${dpr}x`;
  await writeFile(path.join(shots, `${name}.png`), await page.locator(`#${id}`).screenshot());
  await writeFile(path.join(shots, `${name}-view.png`), await page.screenshot());
  await context.close();
  return info;
}

function assertPanels(info, what, count, band) {
  assert.ok(info.layout, `${what}: no data-layout on the canvas`);
  const { panels } = info.layout;
  assert.equal(panels.length, count, `${what}: ${JSON.stringify(panels)}`);
  assert.equal(info.backing.w, Math.round(info.css.w * info.dpr), `${what}: backing width`);
  assert.equal(info.backing.h, Math.round(info.css.h * info.dpr), `${what}: backing height`);
  for (const p of panels) {
    const aspect = p.w / p.h;
    assert.ok(
      aspect >= band[0] && aspect <= band[1],
      `${what}: panel ${JSON.stringify(p)} is stretched (${aspect.toFixed(2)})`,
    );
    assert.ok(
      p.x >= 0 && p.y >= 0 && p.x + p.w <= info.css.w + 0.01 && p.y + p.h <= info.css.h + 0.01,
      `${what}: panel outside the canvas`,
    );
  }
  return panels;
}

for (const c of CASES) {
  test(
    `curves at ${c.width} × ${c.height}: the same panels at ratios ${c.ratios.join(", ")}`,
    { timeout: 300_000 },
    async () => {
      let first;
      for (const dpr of c.ratios) {
        const info = await drawn(c, dpr, TRAIN, "chart");
        assert.equal(info.dpr, dpr);
        const what = `chart at ${c.width}px, dpr ${dpr}`;
        const panels = assertPanels(info, what, 4, CURVE_BAND);
        const cols = new Set(panels.map((p) => p.x)).size;
        assert.equal(cols, c.width < 600 ? 1 : 2, `${what}: columns`);
        if (first) assert.deepEqual(info.layout, first.layout, `${what}: layout differs from dpr ${c.ratios[0]}`);
        else first = info;
      }
    },
  );

  test(
    `landscape at ${c.width} × ${c.height}: the same panels at ratios ${c.ratios.join(", ")}`,
    { timeout: 300_000 },
    async () => {
      let first;
      for (const dpr of c.ratios) {
        const info = await drawn(c, dpr, GRID, "landscape");
        const what = `landscape at ${c.width}px, dpr ${dpr}`;
        const panels = assertPanels(info, what, 2, LANDSCAPE_BAND);
        assert.equal(new Set(panels.map((p) => p.x)).size, c.width < 600 ? 1 : 2, `${what}: columns`);
        if (first) assert.deepEqual(info.layout, first.layout, `${what}: layout differs from dpr ${c.ratios[0]}`);
        else first = info;
      }
    },
  );
}

test("no request left the origin and nothing was logged as an error", () => {
  assert.deepEqual(seen.foreign, [], "requests outside the page's origin");
  assert.deepEqual(seen.problems, [], "console errors or uncaught exceptions");
});
