// Shared links and the page's failure paths, end to end in headless Chromium.
//
// Links: every setting of the form (curves mode, then landscape mode) and of the chart's view
// is moved away from its default through the controls, as a person would; "Copy link" must
// then carry all of them, and the link opened in a fresh page must show the same values, each
// asserted to differ from the default so that a parameter dropped from the link fails.
//
// Failures: a worker whose script throws (worker.onerror), a data download that fails
// (request aborted; a later Run retries and trains), and a browser without WebAssembly SIMD
// (simulated before the page loads: validation answers false and compiling rejects with a
// CompileError, as an old browser does on SIMD opcodes) must each end in a message on the page.
//
// Runs against `dist/` (`make dist` first; `make test-e2e` does both) with the site,
// browser and page helpers of ./site.mjs, like the other e2e files. Training here is
// tiny (200 images, one epoch): the file takes well under a minute on two cores.

import { test, before } from "node:test";
import assert from "node:assert/strict";
import { rows, controlValues } from "./page-model.mjs";
import { useSite } from "./site.mjs";
import { ISOLATION_HEADERS } from "../serve.mjs";

const h = useSite();
const { open } = h;
let origin;

before(async () => {
  await h.ready;
  origin = h.origin;
});

/** A watched page (./site.mjs) that also keeps its own uncaught exceptions, to assert on. */
async function newPage() {
  const page = await h.newPage();
  page.uncaught = [];
  page.on("pageerror", (err) => page.uncaught.push(err.message));
  return page;
}

/** Types into a text or number box and commits with Enter. */
async function type(page, id, text) {
  await page.fill(`#${id}`, text);
  await page.press(`#${id}`, "Enter");
}

const urlHas = (page, s) => page.waitForFunction((s) => window.location.search.includes(s), s, { timeout: 5000 });

/** Copy link, then the link's query as the page wrote it. */
async function copyLink(page) {
  await page.click("#copy-link");
  await page.waitForFunction(() => document.getElementById("share-status").textContent !== "");
  const link = await page.inputValue("#share-url");
  assert.ok(link.startsWith(`${origin}/`), link);
  return link.slice(origin.length + 1);
}

/** Asserts that every listed control differs from its default. */
function assertAllMoved(values, defaults, keys) {
  const same = keys.filter((key) => values[key] === defaults[key]);
  assert.deepEqual(same, [], `controls still at their default: ${same.map((k) => `${k}=${values[k]}`).join(", ")}`);
}

const CURVE_CONTROLS = [
  "b0",
  "lr0",
  "k",
  "rule",
  "warmup",
  "decay",
  "opt",
  "momentum",
  "epochs",
  "train",
  "dropout",
  "seed",
  "init",
  "norm",
  "repeats",
  "order",
  "x",
  "log",
  "overlay",
];
const LANDSCAPE_CONTROLS = [
  "mode",
  "grid_b",
  "grid_lr",
  "gridEpochs",
  "target",
  "heat",
  "opt",
  "seed",
  "dropout",
  "train",
];

test("a shared link carries every curves-mode setting, none at its default", { timeout: 90_000 }, async () => {
  const page = await open(await newPage());
  const defaults = await controlValues(page);

  await page.focus("#b0");
  await page.keyboard.press("ArrowRight"); // 8 → 16
  await page.keyboard.press("ArrowRight"); // 16 → 32
  await urlHas(page, "b0=32");
  await type(page, "lr0", "0.0037");
  await type(page, "k", "1,3,5");
  await page.click('label[for="rule-sqrt"]');
  await type(page, "epochs", "3");
  await type(page, "warmup", "2");
  await page.selectOption("#decay", "cosine");
  await page.selectOption("#opt", "nesterov");
  await type(page, "momentum", "0.75");
  await type(page, "train", "1500");
  await page.focus("#dropout");
  await page.keyboard.press("ArrowLeft"); // 0.25 → 0.2
  await type(page, "seed", "42");
  await page.selectOption("#init", "he");
  await page.selectOption("#norm", "standard");
  await type(page, "repeats", "2");
  await page.click('label[for="order-same"]');
  await page.click('label[for="x-samples"]');
  await page.check("#log-loss");
  await page.check("#overlay");
  await urlHas(page, "overlay=1");

  const moved = await controlValues(page);
  assertAllMoved(moved, defaults, CURVE_CONTROLS);
  assert.equal(await page.isVisible("#form-error"), false, await page.textContent("#form-error"));

  const query = await copyLink(page);
  const params = new URLSearchParams(query);
  const expected = {
    b0: "32",
    lr0: "0.0037",
    k: "1,3,5",
    rule: "sqrt",
    warmup: "2",
    decay: "cosine",
    opt: "nesterov",
    momentum: "0.75",
    epochs: "3",
    train: "1500",
    dropout: "0.2",
    seed: "42",
    init: "he",
    norm: "standard",
    repeats: "2",
    order: "same",
    x: "samples",
    log: "1",
    overlay: "1",
  };
  for (const [key, value] of Object.entries(expected)) {
    assert.equal(params.get(key), value, `the link's ${key} (link: ${query})`);
  }

  const again = await open(await newPage(), query);
  assert.deepEqual(await controlValues(again), moved, "the link opened elsewhere shows other settings");
  const want = (await rows(page)).map((r) => [r.k, r.seed, r.batch, r.lr]);
  assert.deepEqual(
    (await rows(again)).map((r) => [r.k, r.seed, r.batch, r.lr]),
    want,
  );
  // k = 3 under the √ rule: batch 96, η = √3 · 0.0037; repeats over seeds 42 and 43.
  assert.deepEqual(want.slice(2, 4), [
    ["3", "42", "96", "0.00641"],
    ["3", "43", "96", "0.00641"],
  ]);
  assert.deepEqual([...page.uncaught, ...again.uncaught], []);
  await again.close();
  await page.close();
});

test("a shared link carries every landscape setting, none at its default", { timeout: 90_000 }, async () => {
  const page = await open(await newPage(), "?mode=landscape");
  const defaults = await controlValues(page);
  assert.equal(defaults.mode, "landscape");
  const fresh = await controlValues(await open(await newPage()));

  await type(page, "grid_b", "16,64,256");
  await type(page, "grid_lr", "0.003,0.03,0.3");
  await type(page, "grid-epochs", "2");
  await type(page, "target", "80");
  await page.click('label[for="heat-loss"]');
  await page.selectOption("#opt", "adagrad");
  await type(page, "seed", "7");
  await page.focus("#dropout");
  await page.keyboard.press("ArrowRight"); // 0.25 → 0.3
  await type(page, "train", "900");
  await urlHas(page, "heat=loss");

  const moved = await controlValues(page);
  assertAllMoved(
    moved,
    defaults,
    LANDSCAPE_CONTROLS.filter((k) => k !== "mode"),
  );
  assertAllMoved(moved, fresh, ["mode"]);
  assert.equal(await page.isVisible("#form-error"), false, await page.textContent("#form-error"));

  const query = await copyLink(page);
  const params = new URLSearchParams(query);
  const expected = {
    mode: "landscape",
    grid_b: "16,64,256",
    grid_lr: "0.003,0.03,0.3",
    epochs: "2",
    target: "80",
    heat: "loss",
    opt: "adagrad",
    seed: "7",
    dropout: "0.3",
    train: "900",
  };
  for (const [key, value] of Object.entries(expected)) {
    assert.equal(params.get(key), value, `the link's ${key} (link: ${query})`);
  }
  const again = await open(await newPage(), query);
  assert.deepEqual(await controlValues(again), moved, "the link opened elsewhere shows other settings");
  assert.equal(await again.getAttribute("body", "data-mode"), "landscape");
  const cells = (await rows(again)).map((r) => [r.batch, r.lr]);
  assert.equal(cells.length, 9, "3 × 3 cells");
  assert.deepEqual(cells[0], ["16", "0.003"]);
  assert.deepEqual(cells[8], ["256", "0.3"]);
  assert.deepEqual([...page.uncaught, ...again.uncaught], []);
  await again.close();
  await page.close();
});

test("a worker that fails to start marks its runs as errors (worker.onerror)", { timeout: 60_000 }, async () => {
  const page = await newPage();
  await page.route("**/worker.js", (route) =>
    route.fulfill({
      status: 200,
      contentType: "text/javascript",
      headers: ISOLATION_HEADERS, // as tools/serve.mjs serves it, so only the throw fails it
      body: 'throw new Error("worker script broken on purpose");',
    }),
  );
  await open(page, "?k=1,2&epochs=1&train=200");
  await page.click("#run-all");
  await page.waitForFunction(() => window.__done.length > 0, null, { timeout: 30_000 });
  const done = await page.evaluate(() => window.__done[0].runs);
  assert.deepEqual(
    done.map((r) => r.status),
    ["error", "error"],
  );
  // The table repaints on its next frame: wait for it, then read every badge.
  await page.waitForFunction(() =>
    [...document.querySelectorAll("#runs-body .badge")].every((b) => b.textContent.startsWith("error")),
  );
  const badges = await page.$$eval("#runs-body .badge", (els) => els.map((e) => e.textContent));
  for (const b of badges) assert.match(b, /^error: .*worker script broken on purpose/, b);
  // The page still answers: a preset rebuilds the runs.
  await page.click('[data-preset="sqrt"]');
  assert.equal((await rows(page)).length, 7);
  await page.close();
});

test(
  "a failed data download is reported once, runs wait for it, and Retry trains them",
  { timeout: 90_000 },
  async () => {
    const page = await newPage();
    const images = "**/data/train-images-idx3-ubyte.gz";
    await page.route(images, (route) => route.abort("failed"));
    await open(page, "?k=1&epochs=1&train=200");
    // The prefetch on load already failed: one notice says so, with a Retry.
    await page.waitForSelector("#notices .notice-error");
    assert.match(await page.textContent("#notices"), /Could not load the MNIST data/);
    await page.click("#run-all");
    await page.waitForFunction(() => /queued/.test(document.getElementById("summary").textContent));
    await page.waitForTimeout(500);
    // The run waits for the data instead of failing; still one notice.
    assert.deepEqual(
      (await rows(page)).map((r) => r.status),
      ["queued"],
    );
    assert.equal(await page.$$eval("#notices .notice-error", (els) => els.length), 1);
    assert.equal((await page.evaluate(() => window.__done)).length, 0);

    // The network is back: Retry loads the data and the waiting run trains.
    await page.unroute(images);
    await page.click("#notices .notice-action");
    await page.waitForFunction(() => window.__done.length > 0, null, { timeout: 60_000 });
    const runs = await page.evaluate(() => window.__done[0].runs);
    assert.deepEqual(
      runs.map((r) => r.status),
      ["done"],
    );
    assert.ok(runs[0].testAcc > 0.1, `accuracy ${runs[0].testAcc}`);
    assert.deepEqual(page.uncaught, []);
    await page.close();
  },
);

test("a browser without WebAssembly SIMD gets a notice instead of a broken page", { timeout: 60_000 }, async () => {
  const page = await newPage();
  await page.addInitScript(() => {
    const refuse = () =>
      Promise.reject(new WebAssembly.CompileError("invalid SIMD opcode (this browser has no WebAssembly SIMD)"));
    WebAssembly.validate = () => false;
    WebAssembly.compile = refuse;
    WebAssembly.compileStreaming = refuse;
    WebAssembly.instantiate = refuse;
    WebAssembly.instantiateStreaming = refuse;
  });
  await page.goto(`${origin}/`);
  await page.waitForSelector("#notices .notice-error", { timeout: 30_000 });
  const text = await page.textContent("#notices .notice-error");
  assert.match(text, /WebAssembly/, text);
  assert.match(text, /SIMD|could not start/i, text);
  // Nothing half-built: no runs, and Run starts nothing.
  assert.equal(await page.$$eval("#runs-body tr", (trs) => trs.length), 0);
  await page.click("#run-all").catch(() => {});
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__done.length), 0);
  assert.deepEqual(page.uncaught, []);
  await page.close();
});
