//! Accessibility of the page, checked by axe-core (pinned in tools/package.json) in a
//! real headless Chromium: zero violations on the default view, a finished experiment,
//! landscape mode, dark mode (a finished experiment too, so runs, badges and the
//! confusion matrix are coloured) and the phone layout (360 px).
//!
//! axe is served from the site's own origin (the page's Content-Security-Policy allows
//! no other script), injected into the page and run over the whole document with the
//! WCAG 2.x A and AA rules. A violation is reported with its rule, impact and the first
//! elements it found, so a failure says what to fix.
//!
//! Screenshots (360 × 800 at ratio 3 and 1280 × 900, light and dark) go to a temp dir,
//! printed at the end, to look at. Runs against `dist/` (`make dist` first).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import path from "node:path";
import { useSite } from "./site.mjs";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const h = useSite({ "axe.min.js": AXE });
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const TINY = "?k=1,2&epochs=1&train=200";
const PHONE = { width: 360, height: 800 };
const LAPTOP = { width: 1280, height: 900 };

/** axe's violations on `page`, as short lines (rule, impact, up to 3 targets). */
async function violations(page) {
  await page.addScriptTag({ url: "/axe.min.js" });
  const found = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: tags } });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(" ")}: ${n.failureSummary.split("\n")[1] ?? ""}`),
    }));
  }, TAGS);
  return found.map((v) => `${v.id} (${v.impact}): ${v.nodes.join(" | ")}`);
}

/** Runs the tiny experiment to the end. */
async function finish(page) {
  await page.click("#run-all");
  await page.waitForFunction(
    () => [...document.querySelectorAll("#runs-body .badge")].every((b) => b.textContent === "done"),
    null,
    { timeout: 120_000 },
  );
  await page.waitForFunction(() => document.querySelector("#chart-table tbody tr"), null, { timeout: 10_000 });
}

let shots;
const shoot = async (page, name) => {
  shots ??= await mkdtemp(path.join(tmpdir(), "lr-batch-a11y-"));
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
};

test("axe finds nothing on the default view", async () => {
  await h.ready;
  const page = await h.open(await h.newPage(LAPTOP));
  assert.deepEqual(await violations(page), []);
  await shoot(page, "default-1280-light");
  await page.close();
});

test("axe finds nothing on a finished experiment, whose chart has its table of values", async () => {
  await h.ready;
  const page = await h.open(await h.newPage(LAPTOP), TINY);
  await finish(page);
  // The screen-reader table: a row per run, the latest epoch, a test accuracy in %.
  const rows = await page.$$eval("#chart-table tbody tr", (trs) =>
    trs.map((tr) => [...tr.children].map((c) => c.textContent)),
  );
  assert.deepEqual(
    rows.map((r) => r[0]),
    ["k = 1", "k = 2"],
  );
  assert.deepEqual(
    rows.map((r) => r[1]),
    ["1", "1"],
  );
  for (const r of rows) assert.match(r[3], /^\d+(\.\d+)? %$/);
  assert.equal(await page.$$eval("#noise-table tbody tr", (trs) => trs.length), 2);
  assert.deepEqual(await violations(page), []);
  await page.close();
});

test("axe finds nothing in landscape mode", async () => {
  await h.ready;
  const page = await h.open(await h.newPage(LAPTOP), "?preset=landscape");
  assert.deepEqual(await violations(page), []);
  await page.close();
});

test("axe finds nothing in dark mode, before and after a run", async () => {
  await h.ready;
  const page = await h.open(await h.newPage(LAPTOP), `${TINY}&theme=dark`);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
  assert.deepEqual(await violations(page), []);
  await finish(page);
  assert.deepEqual(await violations(page), []);
  await shoot(page, "finished-1280-dark");
  await page.close();
});

test("axe finds nothing on a phone (360 px), light and dark; no control is cut off", async () => {
  await h.ready;
  for (const theme of ["light", "dark"]) {
    const context = await h.browser.newContext({
      viewport: PHONE,
      deviceScaleFactor: 3,
      hasTouch: true,
      isMobile: true,
    });
    const page = await context.newPage();
    await page.goto(`${h.origin}/${TINY}&theme=${theme}`);
    await page.waitForSelector("#runs-body tr", { timeout: 30_000 });
    assert.deepEqual(await violations(page), [], theme);
    // Every visible control of the form fits the 360 px viewport.
    const wide = await page.$$eval("#controls input, #controls select, #controls button", (els) =>
      els
        .filter((e) => e.offsetParent !== null && !e.closest(".sr-only"))
        .filter((e) => {
          const r = e.getBoundingClientRect();
          return r.left < -1 || r.right > window.innerWidth + 1;
        })
        .map((e) => e.id || e.className),
    );
    assert.deepEqual(wide, [], theme);
    await shoot(page, `default-360-${theme}`);
    await context.close();
  }
  const light = await h.open(await h.newPage(LAPTOP), "?theme=light");
  await shoot(light, "default-1280-light-explicit");
  const dark = await h.open(await h.newPage(LAPTOP), "?theme=dark");
  await shoot(dark, "default-1280-dark");
  await light.close();
  await dark.close();
  console.log(`# a11y screenshots: ${shots}`);
});

test("nothing left the site's origin and nothing was logged as an error", async () => {
  await h.ready;
  assert.deepEqual(h.foreign, []);
  assert.deepEqual(h.problems, []);
});
