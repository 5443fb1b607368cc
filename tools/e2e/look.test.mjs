//! The page's explanations, resets and themes, used as a person would, in a real headless
//! Chromium: a control's help opened and closed from the keyboard (it names the paper),
//! a preset's "try this" link that sets its control and draws the eye to it, a control
//! reset to the core's default from the keyboard and the whole page reset, the dark
//! theme from the system setting, from the toggle (kept in the link across a reload)
//! and from `?theme=dark` (the charts drawn dark too), and the message by the chart
//! after a run at a large learning rate fails.
//!
//! Runs against `dist/` (`make dist` first), served by ./site.mjs.

import { test } from "node:test";
import assert from "node:assert/strict";
import { useSite } from "./site.mjs";

const h = useSite();

/** The core's parameter table, asked of the page's own wasm module. */
async function coreTable(page) {
  return page.evaluate(async () => {
    const m = await import("/pkg/lr_batch_playground.js");
    await m.default();
    return JSON.parse(m.paramsTable());
  });
}

/** The chart canvas' pixel in its top-left corner, [r, g, b], once it is drawn. */
async function chartCorner(page) {
  await page.waitForFunction(() => document.getElementById("chart").dataset.layout, null, { timeout: 10_000 });
  return page.evaluate(() =>
    [...document.getElementById("chart").getContext("2d").getImageData(2, 2, 1, 1).data].slice(0, 3),
  );
}
const dark = (rgb) => rgb.every((c) => c < 60);
const light = (rgb) => rgb.every((c) => c > 200);

test("a control's help opens from the keyboard, names its paper and closes with Escape", async () => {
  await h.ready;
  const page = await h.open(await h.newPage());
  // Every control of the form has one.
  const missing = await page.$$eval("#controls [data-param]", (fields) =>
    fields.filter((f) => !f.querySelector(".help-btn")).map((f) => f.dataset.param),
  );
  assert.deepEqual(missing, []);
  const button = page.locator('[data-param="rule"] .help-btn');
  await button.focus();
  await page.keyboard.press("Enter");
  assert.equal(await button.getAttribute("aria-expanded"), "true");
  const pop = page.locator(`#${await button.getAttribute("aria-controls")}`);
  await pop.waitFor({ state: "visible" });
  const text = await pop.textContent();
  assert.match(text, /Goyal et al\. 2017/);
  assert.match(text, /Krizhevsky 2014/);
  assert.match(text, /Default: /);
  await page.keyboard.press("Escape");
  await pop.waitFor({ state: "hidden" });
  assert.equal(
    await page.evaluate(() => document.activeElement.getAttribute("aria-controls")),
    await button.getAttribute("aria-controls"),
  );
  // Space opens the warmup's, which cites the warmup paper; opening another closes the first.
  await page.locator('[data-param="b0"] .help-btn').click();
  const warm = page.locator('[data-param="warmup"] .help-btn');
  await warm.focus();
  await page.keyboard.press("Space");
  assert.match(await page.locator(`#${await warm.getAttribute("aria-controls")}`).textContent(), /warmup/i);
  assert.equal(await page.locator(".help-pop:not([hidden])").count(), 1);
  await page.close();
});

test("a preset's try-this link sets its control, focuses it and highlights it", async () => {
  await h.ready;
  const page = await h.open(await h.newPage(), "?preset=warmup");
  assert.equal(await page.inputValue("#warmup"), "2");
  await page.getByRole("button", { name: /Try this: Set warmup to 0/ }).click();
  assert.equal(await page.inputValue("#warmup"), "0");
  assert.equal(await page.evaluate(() => document.activeElement.id), "warmup");
  assert.ok(await page.evaluate(() => document.getElementById("warmup").closest(".field").classList.contains("flash")));
  // A view option too: the article's link switches the x axis.
  await h.open(page, "?preset=article");
  await page.getByRole("button", { name: /Try this: Switch the x axis to steps/ }).click();
  assert.ok(await page.isChecked("#x-steps"));
  await page.waitForFunction(() => /(^|&|\?)x=steps/.test(location.search));
  await page.close();
});

test("a control resets to the core's default from the keyboard, and the whole page resets", async () => {
  await h.ready;
  const page = await h.open(await h.newPage(), "?k=1,2&epochs=3&dropout=0.5&x=samples");
  const table = await coreTable(page);
  const def = (name) => table.find((r) => r.name === name).default;
  const reset = page.locator(".field:has(#epochs) .reset-btn");
  await reset.focus();
  await page.keyboard.press("Enter");
  assert.equal(await page.inputValue("#epochs"), def("epochs"));
  assert.ok(await reset.isHidden(), "at its default the reset button goes");
  await page.locator('[data-param="dropout"] .reset-btn').click();
  assert.equal(Number(await page.inputValue("#dropout")), Number(def("dropout")));
  // The whole page: the bare address's experiment and view.
  await page.fill("#lr0", "0.3");
  await page.press("#lr0", "Enter");
  await page.click("#reset-page");
  const bare = await h.open(await h.newPage(), "");
  for (const id of ["#lr0", "#k", "#epochs", "#b0"])
    assert.equal(await page.inputValue(id), await bare.inputValue(id), id);
  assert.ok(await page.isChecked("#x-epoch"));
  // Both addresses settle (the page rewrites its address after a short delay).
  await page.waitForTimeout(400);
  await bare.waitForTimeout(400);
  assert.equal(await page.evaluate(() => location.search), await bare.evaluate(() => location.search));
  await bare.close();
  await page.close();
});

test("the schedule boxes and the workers box apply on Enter, show the link's values and go into the link", async () => {
  await h.ready;
  const page = await h.open(await h.newPage(), "?preset=grow-batch");
  assert.equal(await page.inputValue("#milestones"), "4,8");
  assert.equal(await page.inputValue("#factor"), "5");
  assert.equal(await page.inputValue("#grow"), "0,1");
  assert.equal(await page.inputValue("#workers"), "1");
  for (const [id, value] of [
    ["#milestones", "3,6"],
    ["#factor", "4"],
    ["#grow", "0,0.5,1"],
    ["#workers", "2"],
  ]) {
    await page.fill(id, value);
    await page.press(id, "Enter");
  }
  await page.waitForFunction(() => /workers=2/.test(location.search), null, { timeout: 5_000 });
  const q = new URLSearchParams(await page.evaluate(() => location.search));
  assert.deepEqual(
    ["milestones", "factor", "grow", "workers"].map((k) => q.get(k)),
    ["3,6", "4", "0,0.5,1", "2"],
  );
  // Three shares of one k: three runs, named by their split.
  assert.equal(await page.locator("#runs-body tr[data-run]").count(), 3);
  await page.click(`label[for="rule-sde"]`);
  await page.waitForFunction(() => /rule=sde/.test(location.search), null, { timeout: 5_000 });
  await page.close();
});

test("dark mode: from the system, from the toggle (kept by the link) and from ?theme=dark", async () => {
  await h.ready;
  const system = await h.browser.newContext({ colorScheme: "dark", viewport: { width: 1280, height: 900 } });
  const sp = await system.newPage();
  await sp.goto(`${h.origin}/`);
  await sp.waitForSelector("#runs-body tr", { timeout: 30_000 });
  assert.equal(await sp.evaluate(() => document.documentElement.dataset.theme), "dark");
  assert.ok(dark(await chartCorner(sp)), "the chart follows the system's dark");
  await system.close();

  const page = await h.open(await h.newPage());
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "light");
  assert.ok(light(await chartCorner(page)));
  const toggle = page.locator("#theme-toggle");
  await toggle.focus();
  await page.keyboard.press("Enter");
  assert.equal(await toggle.getAttribute("aria-pressed"), "true");
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
  await page.waitForFunction(() => /(^|&|\?)theme=dark/.test(location.search));
  await page.waitForFunction(
    () =>
      [...document.getElementById("chart").getContext("2d").getImageData(2, 2, 1, 1).data]
        .slice(0, 3)
        .every((c) => c < 60),
    null,
    { timeout: 10_000 },
  );
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.reload();
  await page.waitForSelector("#runs-body tr", { timeout: 30_000 });
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), bg);
  await page.click("#theme-toggle");
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "light");
  await page.waitForFunction(() => /(^|&|\?)theme=light/.test(location.search));

  const linked = await h.open(await h.newPage(), "?theme=dark");
  assert.equal(await linked.evaluate(() => document.documentElement.dataset.theme), "dark");
  assert.ok(dark(await chartCorner(linked)));
  await linked.close();
  await page.close();
});

test("a run at a large rate fails, and a message by the chart says when and what helps", async () => {
  await h.ready;
  const page = await h.open(await h.newPage(), "?lr0=0.5&k=1&epochs=1&train=400");
  await page.click("#run-all");
  const box = page.locator("#chart-failure");
  await box.waitFor({ state: "visible", timeout: 120_000 });
  const text = await box.textContent();
  assert.match(text, /^k = 1( \((diverged|collapsed)\))?: (the loss blew up|the network ended|it learned nothing)/);
  assert.match(text, /at step \d+ \(epoch [\d.]+/);
  assert.match(text, /lower learning rate/);
  assert.match(text, /warmup/);
  assert.match(text, /standardised inputs/);
  // The label carries the core's note when the status says it failed.
  const badge = await page.textContent("#runs-body .badge");
  assert.equal(text.includes(`(${badge})`), ["diverged", "collapsed"].includes(badge), badge);
  await page.close();
});

test("nothing left the site's origin and nothing was logged as an error", async () => {
  await h.ready;
  assert.deepEqual(h.foreign, []);
  assert.deepEqual(h.problems, []);
});
