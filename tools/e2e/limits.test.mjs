// End-to-end tests of what a link can make the page do (issue: a shared link cannot hurt
// its visitor): the work budget and the capped pool, a framed page that waits until it is
// seen, one failure and one message when the data is unreachable, a 1 MB link of junk, and
// the main thread at the largest landscape the page allows. Same site, browser and
// helpers as page.test.mjs (./site.mjs); needs `make dist`.

import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { rows } from "./page-model.mjs";
import { ROOT, hostPage, useSite } from "./site.mjs";

const OUT = path.join(ROOT, "out");

/** A long host page whose iframe (autorun) sits far below the fold. */
const BELOW_PAGE = hostPage("embed=1&autorun=1&k=1&epochs=1&train=200", {
  heading: "A long tutorial",
  filler: '<div style="height: 4000px"></div>',
});

const h = useSite({ "embed-below.html": BELOW_PAGE });
const { problems, foreign, newPage, open } = h;
let site;
let origin;

before(async () => {
  ({ site, origin } = await h.ready);
  await mkdir(OUT, { recursive: true });
});

test(
  "a link's work is bounded: a huge autorun waits for Run, and the pool is capped",
  { timeout: 120_000 },
  async () => {
    // Issue 9's link: 1,440 runs, about 2.3 billion training samples.
    const q =
      "?mode=landscape&grid_b=1,2,4,8,16,32,64,128,256,512,1024,2048&grid_lr=0.0001:10:12&repeats=10&epochs=200&autorun=1";
    const page = await open(await newPage(), q);
    await page.waitForFunction(() => /Large experiment/.test(document.getElementById("estimate").textContent));
    const est = await page.$eval("#estimate", (e) => ({
      text: e.textContent,
      over: e.dataset.over,
      s: Number(e.dataset.seconds),
    }));
    assert.equal(est.over, "true");
    assert.ok(est.s > 3600, `estimate ${est.s} s`);
    assert.match(est.text, /press Run/);
    await page.waitForTimeout(1000);
    const summary = await page.textContent("#summary");
    assert.match(summary, /^1440 runs .* · ready$/, "autorun started a run over the budget");
    assert.equal(await page.textContent("#run-all"), "Run");
    // The pool: the hardware threads, at most 8, as many as the summary says run at once.
    const threads = await page.evaluate(() => navigator.hardwareConcurrency || 2);
    const slots = Number(summary.match(/, (\d+) at a time/)[1]);
    assert.equal(slots, Math.min(8, threads));
    // Run starts it on request, never more workers than slots; Stop ends it.
    await page.click("#run-all");
    await page.waitForFunction(() => /training/.test(document.getElementById("summary").textContent));
    const training = Number((await page.textContent("#summary")).match(/(\d+) training/)[1]);
    assert.ok(training <= slots, `${training} runs training on ${slots} slots`);
    await page.click("#stop-all");
    await page.waitForFunction(() => /1440 stopped/.test(document.getElementById("summary").textContent), null, {
      timeout: 30_000,
    });
    await page.close();
  },
);

test("a small autorun starts at once and says what it costs", { timeout: 60_000 }, async () => {
  const page = await open(await newPage(), "?k=1&epochs=1&train=200&autorun=1");
  assert.match(await page.textContent("#estimate"), /^≈ \d+ (s|min) of training, 1 run at once/);
  await page.waitForFunction(() => window.__done.length > 0, null, { timeout: 50_000 });
  await page.close();
});

test("a framed page trains only once scrolled into view", { timeout: 90_000 }, async () => {
  const page = await newPage({ width: 900, height: 700 });
  await page.goto(`${origin}/embed-below.html`);
  const frame = await (await page.waitForSelector("#pg")).contentFrame();
  await frame.waitForSelector("#runs-body tr", { state: "attached", timeout: 30_000 });
  await page.waitForTimeout(1500);
  assert.equal((await page.evaluate(() => window.__msgs)).length, 0, "an unseen frame trained");
  assert.match(await frame.textContent("#summary"), / · ready$/);
  await page.evaluate(() => document.getElementById("pg").scrollIntoView());
  await page.waitForFunction(() => window.__msgs.some((m) => m && m.type === "lr-batch-playground:done"), null, {
    timeout: 60_000,
  });
  await page.close();
});

test(
  "with the data unreachable: one notice with Retry, queued runs wait, Retry runs them",
  { timeout: 90_000 },
  async () => {
    const page = await newPage();
    let fetches = 0;
    await page.route("**/data/*.gz", (route) => {
      fetches++;
      return route.fulfill({ status: 503, body: "down" });
    });
    await open(page, "?k=1-8&epochs=1&train=200");
    await page.click("#run-all");
    await page.waitForFunction(() => /8 queued/.test(document.getElementById("summary").textContent));
    await page.waitForTimeout(1000);
    const notices = await page.$$eval("#notices .notice", (els) => els.map((e) => e.textContent));
    assert.equal(notices.length, 1, notices.join(" | "));
    assert.match(notices[0], /Could not load the MNIST data .*8 queued runs wait for it/);
    assert.ok(fetches <= 4, `${fetches} requests for the data: the page load's and Run's, two files each`);
    assert.ok((await rows(page)).every((r) => r.status === "queued"));
    assert.equal((await page.evaluate(() => window.__epochs)).length, 0);
    await page.unroute("**/data/*.gz");
    await page.click("#notices .notice-action");
    await page.waitForFunction(() => window.__done.length > 0, null, { timeout: 80_000 });
    await page.waitForFunction(() =>
      [...document.querySelectorAll("#runs-body .badge")].every((b) => b.textContent === "done"),
    );
    assert.equal(await page.$$eval("#notices .notice", (els) => els.length), 0);
    await page.close();
    // The browser's own reports of the refused downloads are expected here, and only here.
    const refused = /Failed to load resource: the server responded with a status of 503/;
    for (let i = problems.length - 1; i >= 0; i--) if (refused.test(problems[i])) problems.splice(i, 1);
  },
);

test(
  "a 1 MB link of junk shows a handful of short notices and the page stays usable",
  { timeout: 90_000 },
  async () => {
    const junk = "z&".repeat(500_000);
    const page = await newPage();
    // The static server refuses a 1 MB request line, as most would; the browser does not,
    // so the page itself is answered here and everything else by the server.
    const html = await readFile(path.join(site.site, "index.html"), "utf8");
    // Once answered, the route is removed: the page's other requests go to the server
    // without the test driver's interception.
    const junkRoute = /\/\?z&/;
    await page.route(junkRoute, async (route) => {
      await route.fulfill({ status: 200, contentType: "text/html", body: html });
      await page.unroute(junkRoute);
    });
    const t0 = Date.now();
    await open(page, `?${junk}k=1,2&${"y".repeat(100_000)}=1`);
    // Where the time goes, in ms from the navigation's start: the browser's own part (the
    // request and the response, DOMContentLoaded) and the page's marks (its script starts,
    // the wasm is ready, the link is parsed, the page is built: table, notices, controls).
    const timing = () => {
      const nav = performance.getEntriesByType("navigation")[0];
      const mark = (name) => performance.getEntriesByName(name, "mark")[0]?.startTime;
      const r = (x) => (x === undefined ? null : Math.round(x));
      return {
        requestStart: r(nav.requestStart),
        responseEnd: r(nav.responseEnd),
        domContentLoaded: r(nav.domContentLoadedEventEnd),
        script: r(mark("page:script")),
        wasm: r(mark("page:wasm")),
        parsed: r(mark("page:parsed")),
        ready: r(mark("page:ready")),
      };
    };
    const t = await page.evaluate(timing);
    const gotoMs = Date.now() - t0;
    for (const k of ["script", "wasm", "parsed", "ready"]) assert.ok(t[k] !== null, `no page:${k} mark`);
    // The same page from a short link, for comparison.
    const plain = await open(await newPage(), "?k=1,2");
    const p = await plain.evaluate(timing);
    await plain.close();
    const part = (x) =>
      `browser to script start ${x.script} ms, wasm ${x.wasm - x.script} ms, ` +
      `parse ${x.parsed - x.wasm} ms, parse to ready ${x.ready - x.parsed} ms`;
    console.log(`# 1 MB junk link: runs table ready ${gotoMs} ms after the test's goto; ${JSON.stringify(t)}`);
    console.log(`# 1 MB junk link: ${part(t)}`);
    console.log(`# short link:     ${part(p)}`);
    const notices = await page.$$eval("#notices .notice", (els) => els.map((e) => e.textContent));
    assert.ok(notices.length <= 6, `${notices.length} notices`);
    assert.match(notices.at(-1), /and [\d,]+ more problems/);
    assert.ok(
      notices.every((t) => t.length < 500),
      `a notice of ${Math.max(...notices.map((t) => t.length))} characters`,
    );
    assert.equal((await rows(page)).length, 2);
    await page.click('[data-preset="adam"]');
    assert.equal((await rows(page)).length, 3);
    await page.close();
  },
);

test("the largest landscape, with repeats: the main thread stays free", { timeout: 900_000 }, async () => {
  // 12 × 12 cells × 2 seeds = 288 short runs. Long tasks (> 50 ms) on the main thread are
  // measured with a PerformanceObserver and printed (a figure, not a timed assertion), with
  // the page's own phases (its performance.measure entries) and what overlapped any task
  // over 100 ms.
  const repeats = Number(process.env.LONGTASK_REPEATS || 2);
  const page = await newPage();
  await page.addInitScript(() => {
    window.__long = [];
    window.__longAt = [];
    window.__slow = [];
    window.__phases = {};
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__long.push(e.duration);
      for (const e of list.getEntries()) window.__longAt.push([Math.round(e.startTime), Math.round(e.duration)]);
    }).observe({ type: "longtask", buffered: true });
    // The page's own phases (performance.measure "page:…"): count, total and longest.
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (!e.name.startsWith("page:")) continue;
        const p = (window.__phases[e.name.slice(5)] ??= { n: 0, ms: 0, max: 0 });
        p.n++;
        p.ms += e.duration;
        p.max = Math.max(p.max, e.duration);
        if (e.duration > 10) window.__slow.push([e.name.slice(5), Math.round(e.startTime), Math.round(e.duration)]);
      }
    }).observe({ type: "measure" });
  });
  await open(page, `?mode=landscape&grid_b=1-2048*2&grid_lr=0.0001:10:12&repeats=${repeats}&epochs=1&train=100`);
  const runs = 144 * repeats;
  // The runs table pages them: the first 50 rows, and a pager that says how many there are.
  assert.equal((await rows(page)).length, 50);
  assert.equal(await page.textContent("#runs-range"), `Rows 1–50 of ${runs}`);
  await page.click("#runs-last");
  const lastRows = await rows(page);
  assert.equal(lastRows.length, runs - 50 * Math.floor((runs - 1) / 50));
  assert.equal(
    await page.textContent("#runs-range"),
    `Rows ${50 * Math.floor((runs - 1) / 50) + 1}–${runs} of ${runs}`,
  );
  assert.equal(await page.getAttribute("#runs-body tr:last-child", "data-run"), String(runs - 1));
  await page.click("#runs-first");
  await page.waitForTimeout(1000);
  const t0 = await page.evaluate(() => {
    window.__long.length = 0;
    window.__phases = {};
    return performance.now();
  });
  await page.click("#run-all");
  // While it trains, "Training now" shows the page of a run in training (from the last
  // page, whose runs are all still queued).
  await page.waitForFunction(() => / training/.test(document.getElementById("summary").textContent));
  await page.click("#runs-last");
  await page.click("#runs-to-running");
  const moving = await rows(page);
  assert.ok(
    moving.some((r) => r.status !== "queued"),
    `"Training now" showed only queued runs: ${await page.textContent("#runs-range")}`,
  );
  await page.waitForFunction(() => window.__done.length > 0, null, { timeout: 880_000, polling: 1000 });
  const { t1, long, phases } = await page.evaluate(() => ({
    t1: performance.now(),
    long: window.__long,
    phases: window.__phases,
  }));
  const { longAt, slow } = await page.evaluate(() => ({ longAt: window.__longAt, slow: window.__slow }));
  for (const [at, ms] of longAt.filter(([s, ms]) => s >= t0 && ms > 100)) {
    const inside = slow.filter(([, s, d]) => s < at + ms && s + d > at);
    console.log(`# long task of ${ms} ms at ${at}: ${JSON.stringify(inside)} (t0 ${Math.round(t0)})`);
  }
  const wall = t1 - t0;
  const total = long.reduce((a, b) => a + b, 0);
  const longest = Math.max(0, ...long);
  const figures = {
    runs,
    wallSeconds: +(wall / 1000).toFixed(1),
    longTasks: long.length,
    longestMs: Math.round(longest),
    totalMs: Math.round(total),
    shareOfWall: +(total / wall).toFixed(4),
  };
  for (const p of Object.values(phases)) {
    p.ms = Math.round(p.ms);
    p.max = Math.round(p.max);
  }
  console.log(`# main-thread long tasks: ${JSON.stringify(figures)}`);
  console.log(`# page phases (count, total ms, longest ms): ${JSON.stringify(phases)}`);
  await writeFile(path.join(OUT, "longtasks.json"), JSON.stringify({ ...figures, phases }, null, 2));
  // Issue 9's bounds, asserted only on request (LONGTASK_ASSERT=1): on a machine shared with
  // other work the browser's own tasks stretch, so by default this is a figure, not a test.
  if (process.env.LONGTASK_ASSERT === "1") {
    assert.ok(longest <= 100, `a main-thread task of ${Math.round(longest)} ms`);
    assert.ok(total / wall < 0.02, `long tasks took ${(100 * (total / wall)).toFixed(1)} % of the run`);
  }
  const done = await page.evaluate(() => window.__done[0].runs);
  assert.equal(done.length, runs);
  assert.ok(
    done.every((r) => ["done", "diverged"].includes(r.status)),
    "every cell trained",
  );
  await page.waitForFunction(
    (n) => document.getElementById("grid-progress-text").textContent.startsWith(`${n} of ${n}`),
    runs,
  );
  await page.close();
});

test("no request left the origin and nothing was logged as an error", () => {
  assert.deepEqual(foreign, [], "requests outside the page's origin");
  assert.deepEqual(problems, [], "console errors or uncaught exceptions");
});
