// The soak run: one page of `dist/` in headless Chromium, driven for a long time
// (SOAK_MINUTES, default 30) through back-to-back short experiments as a restless
// visitor would: runs to the end, stops and resets mid-run, pauses, parameter changes
// mid-run (which end the running experiment), landscape grids and repeats. One page for
// the whole run, never reloaded, so whatever leaks accumulates.
//
// What it measures, after every experiment once the page has settled:
//   - live workers: `Worker` is wrapped by an init script that counts construction and
//     `terminate()`; after every experiment the count must be back to zero.
//   - JS heap of the page (main thread), after a forced GC, through the DevTools
//     protocol (Runtime.getHeapUsage), and the DOM's node and listener counts.
//   - wasm memory of the page's own instance: `WebAssembly.instantiate*` is wrapped so
//     the instance's exported memory can be read. A worker's instance lives and dies with
//     its worker, which the worker count covers.
//   - main-thread long tasks (PerformanceObserver "longtask"): the longest, and the total.
// It prints a table over time and a verdict, and exits non-zero if a worker outlives its
// experiment, if the JS heap or the wasm memory grows past a stated bound between the
// end of the warm-up and the end of the run, or if the page throws.
//
// Deliberately not: part of `make test` (it takes half an hour), a speed benchmark, or a
// judge of long tasks (it reports them; the e2e test and the bench bound them).
//
//   node tools/soak/soak.mjs            (after `make dist`; `make soak` does both)
//   SOAK_MINUTES=5 SOAK_HEAP_MB=10 SOAK_WASM_MB=16 SOAK_SEED=1 node tools/soak/soak.mjs

import { mkdtemp, cp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "../browser.mjs";
import { serve } from "../serve.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DIST = path.join(ROOT, "dist");

const num = (name, fallback) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const MINUTES = num("SOAK_MINUTES", 30);
/** Allowed growth after the warm-up, in MB: JS heap (after GC) and wasm memory. */
const HEAP_MB = num("SOAK_HEAP_MB", 10);
const WASM_MB = num("SOAK_WASM_MB", 16);
/** The first WARMUP_SHARE of the run (at least 3 experiments) fills caches and pools. */
const WARMUP_SHARE = 0.2;
/** How long a worker may outlive its experiment's end (a stop has a 3 s grace). */
const SETTLE_MS = 10_000;
const EXPERIMENT_TIMEOUT_MS = 120_000;
const SEED = num("SOAK_SEED", 1);

/** mulberry32: a fixed-seed generator, so a soak run can be repeated. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(SEED);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes) => bytes / (1 << 20);

/** Runs in the page before its own scripts: counts workers, finds wasm memory, watches long tasks. */
function instrument() {
  const s = {
    created: 0,
    terminated: 0,
    live: 0,
    maxLive: 0,
    memories: [],
    longCount: 0,
    longSum: 0,
    longMax: 0,
    windowMax: 0,
    done: 0,
    epochs: 0,
  };
  window.__soak = s;
  const Base = window.Worker;
  window.Worker = class CountedWorker extends Base {
    constructor(...args) {
      super(...args);
      s.created++;
      s.live++;
      s.maxLive = Math.max(s.maxLive, s.live);
    }
    terminate() {
      if (!this.__soakEnded) {
        this.__soakEnded = true;
        s.live--;
        s.terminated++;
      }
      return super.terminate();
    }
  };
  const remember = (result) => {
    const instance = result instanceof WebAssembly.Instance ? result : result && result.instance;
    const exports = instance ? Object.values(instance.exports) : [];
    for (const e of exports) if (e instanceof WebAssembly.Memory) s.memories.push(e);
    return result;
  };
  for (const name of ["instantiate", "instantiateStreaming"]) {
    const orig = WebAssembly[name];
    if (orig) WebAssembly[name] = (...args) => orig.apply(WebAssembly, args).then(remember);
  }
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = function (...args) {
    return remember(new Instance(...args));
  };
  WebAssembly.Instance.prototype = Instance.prototype;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        s.longCount++;
        s.longSum += e.duration;
        s.longMax = Math.max(s.longMax, e.duration);
        s.windowMax = Math.max(s.windowMax, e.duration);
      }
    }).observe({ type: "longtask", buffered: true });
  } catch {
    s.longMax = NaN; // no long-task timing in this browser
  }
  document.addEventListener("lr-batch-playground:done", () => s.done++);
  document.addEventListener("lr-batch-playground:epoch", () => s.epochs++);
}

const state = (page) =>
  page.evaluate(() => {
    const s = window.__soak;
    const wasm = s.memories.reduce((a, m) => a + m.buffer.byteLength, 0);
    const windowMax = s.windowMax;
    s.windowMax = 0;
    const { memories, ...rest } = s;
    return { ...rest, wasm, instances: memories.length, windowMax };
  });

/** Types into a control and commits it the way the page listens (a `change` event). */
async function setControl(page, id, value) {
  await page.fill(`#${id}`, String(value));
  await page.$eval(`#${id}`, (el) => el.dispatchEvent(new Event("change", { bubbles: true })));
}

async function setMode(page, mode) {
  if (!(await page.isChecked(`#mode-${mode}`))) await page.click(`label[for="mode-${mode}"]`);
}

const phase = (page) => page.$eval("#run-all", (b) => b.dataset.phase);

async function waitPhase(page, phases, timeout = EXPERIMENT_TIMEOUT_MS) {
  await page.waitForFunction((ps) => ps.includes(document.getElementById("run-all").dataset.phase), phases, {
    timeout,
    polling: 200,
  });
}

/** Waits until the page has ended every worker it started; returns the live count. */
async function settle(page) {
  try {
    await page.waitForFunction(() => window.__soak.live === 0, null, { timeout: SETTLE_MS, polling: 100 });
  } catch {
    // reported by the caller
  }
  return page.evaluate(() => window.__soak.live);
}

/** Small experiments, so a run lasts seconds and the soak sees many of them. */
async function chooseCurves(page) {
  await setMode(page, "curves");
  await setControl(page, "k", pick(["1,2", "1-3", "1,4", "2"]));
  await setControl(page, "epochs", pick([1, 2]));
  await setControl(page, "train", pick([200, 300, 400]));
  await setControl(page, "repeats", pick([1, 1, 2]));
  await setControl(page, "seed", 1 + Math.floor(rand() * 1000));
}

async function chooseLandscape(page) {
  await setMode(page, "landscape");
  await setControl(page, "grid_b", pick(["8,32", "16,64", "8,16,32"]));
  await setControl(page, "grid_lr", pick(["0.01,0.1", "0.001:1:3"]));
  await setControl(page, "grid-epochs", 1);
  await setControl(page, "train", pick([200, 300]));
  await setControl(page, "repeats", 1);
}

/** Clicks a button if the page offers it now (a short run may end before a stop). */
async function clickIfEnabled(page, id) {
  if (!(await page.isEnabled(`#${id}`))) return false;
  try {
    await page.click(`#${id}`, { timeout: 3000 });
    return true;
  } catch (err) {
    // The run ended between the look and the click, and the page disabled the button.
    if (!(await page.isEnabled(`#${id}`))) return false;
    throw err;
  }
}

/** Longer runs for the experiments interrupted on purpose, so they are caught mid-run. */
async function chooseLong(page) {
  await chooseCurves(page);
  await setControl(page, "epochs", 3);
  await setControl(page, "train", 1000);
}

/** One experiment of the kind `kind`; returns a short description. */
async function experiment(page, kind) {
  const start = () => page.click("#run-all");
  const waitRunning = () => waitPhase(page, ["running"], 10_000).catch(() => {});
  const firstEpoch = async () => {
    const before = await page.evaluate(() => window.__soak.epochs);
    await page
      .waitForFunction((n) => window.__soak.epochs > n, before, { timeout: 60_000, polling: 250 })
      .catch(() => {});
  };
  switch (kind) {
    case "complete": {
      await chooseCurves(page);
      await start();
      await waitPhase(page, ["ended"]);
      return "curves, to the end";
    }
    case "landscape": {
      await chooseLandscape(page);
      await start();
      await waitPhase(page, ["ended"]);
      await setMode(page, "curves");
      return "landscape grid, to the end";
    }
    case "stop": {
      await chooseLong(page);
      await start();
      await waitRunning();
      await sleep(500 + rand() * 3000);
      const stopped = await clickIfEnabled(page, "stop-all");
      await waitPhase(page, ["ended", "idle"], 30_000);
      return stopped ? "stopped mid-run" : "ended before the stop";
    }
    case "reset": {
      await chooseLong(page);
      await start();
      await firstEpoch();
      const reset = await clickIfEnabled(page, "reset-all");
      await waitPhase(page, reset ? ["idle"] : ["ended", "idle"], 30_000);
      return "reset after the first epoch";
    }
    case "pause": {
      await chooseLong(page);
      await start();
      await waitRunning();
      await sleep(300 + rand() * 1500);
      let paused = false;
      if ((await phase(page)) === "running") {
        await page.click("#run-all"); // Pause
        paused = true;
        await sleep(500 + rand() * 1000);
        if ((await phase(page)) === "paused") await page.click("#run-all"); // Resume
      }
      await waitPhase(page, ["ended"]);
      return paused ? "paused and resumed" : "ended before the pause";
    }
    case "change": {
      await chooseLong(page);
      await start();
      await waitRunning();
      await sleep(300 + rand() * 2000);
      // A parameter change mid-run replaces the experiment: every worker must end.
      const what = pick(["seed", "k", "train", "mode"]);
      // Always a different value, or nothing would change.
      if (what === "seed") await setControl(page, "seed", Number(await page.inputValue("#seed")) + 1);
      else if (what === "k") await setControl(page, "k", pick(["1-4", "3", "1,8"]));
      else if (what === "train") await setControl(page, "train", pick([250, 350]));
      // (if the runs ended first, the change still replaces the experiment: idle)
      else await setMode(page, "landscape");
      await waitPhase(page, ["idle"], 30_000);
      if (what === "mode") await setMode(page, "curves");
      return `${what} changed mid-run`;
    }
    default:
      throw new Error(`unknown experiment kind ${kind}`);
  }
}

const KINDS = ["complete", "stop", "change", "reset", "pause", "complete", "landscape", "change"];

function table(rows) {
  const head = [
    "min",
    "exps",
    "workers",
    "live",
    "heap MB",
    "wasm MB",
    "DOM nodes",
    "listeners",
    "longest ms",
    "long ms",
  ];
  const lines = rows.map((r) => [
    r.minutes.toFixed(2),
    r.experiments,
    r.created,
    r.live,
    mb(r.heap).toFixed(2),
    mb(r.wasm).toFixed(1),
    r.nodes,
    r.listeners,
    Number.isFinite(r.windowMax) ? r.windowMax.toFixed(0) : "n/a",
    r.longSum.toFixed(0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const fmt = (cells) => cells.map((c, i) => String(c).padStart(widths[i])).join("  ");
  return [fmt(head), fmt(widths.map((w) => "-".repeat(w))), ...lines.map(fmt)].join("\n");
}

async function main() {
  try {
    await stat(path.join(DIST, "pkg"));
  } catch {
    throw new Error("dist/ is missing: run `make dist` first (or `make soak`)");
  }
  const site = await mkdtemp(path.join(tmpdir(), "lr-batch-soak-"));
  await cp(DIST, site, { recursive: true });
  const server = await serve(site, 0);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await launchChromium();
  const errors = [];
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
    page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));
    await page.addInitScript(instrument);
    const cdp = await context.newCDPSession(page);
    await page.goto(`${origin}/?k=1,2&epochs=1&train=300`);
    await page.waitForSelector("#runs-body tr", { timeout: 60_000 });

    const t0 = Date.now();
    const endAt = t0 + MINUTES * 60_000;
    const rows = [];
    const leaks = [];
    let experiments = 0;
    let lastPrinted = -Infinity;
    console.log(`soak: ${MINUTES} min of experiments in one page (seed ${SEED}); a row per minute`);
    while (Date.now() < endAt) {
      const kind = KINDS[experiments % KINDS.length];
      let what;
      try {
        what = await experiment(page, kind);
      } catch (e) {
        what = `${kind}: did not finish (${e.message.split("\n")[0]})`;
        errors.push(`experiment ${experiments + 1}: ${what}`);
        // Leave it in a known state for the next one.
        if ((await phase(page).catch(() => "")) !== "idle") await page.click("#reset-all").catch(() => {});
      }
      experiments++;
      const live = await settle(page);
      if (live !== 0) leaks.push(`after experiment ${experiments} (${what}): ${live} live workers`);
      await cdp.send("HeapProfiler.collectGarbage");
      const heap = await cdp.send("Runtime.getHeapUsage");
      const dom = await cdp.send("Memory.getDOMCounters");
      const s = await state(page);
      const minutes = (Date.now() - t0) / 60_000;
      const row = {
        minutes,
        experiments,
        what,
        ...s,
        live,
        heap: heap.usedSize,
        nodes: dom.nodes,
        listeners: dom.jsEventListeners,
      };
      rows.push(row);
      if (minutes - lastPrinted >= 1 || Date.now() >= endAt) {
        lastPrinted = minutes;
        console.log(
          `  ${minutes.toFixed(1)} min: ${experiments} experiments, ${s.created} workers started, ` +
            `${live} live, heap ${mb(row.heap).toFixed(2)} MB, wasm ${mb(s.wasm).toFixed(1)} MB, ` +
            `longest task ${s.longMax.toFixed(0)} ms`,
        );
      }
    }

    // The table: one row per minute (the last experiment of each), then the verdict.
    const perMinute = rows.filter(
      (r, i) => i === rows.length - 1 || Math.floor(rows[i + 1].minutes) > Math.floor(r.minutes),
    );
    const windowed = perMinute.map((r, i) => {
      const from = i ? rows.indexOf(perMinute[i - 1]) + 1 : 0;
      const to = rows.indexOf(r);
      return { ...r, windowMax: Math.max(...rows.slice(from, to + 1).map((x) => x.windowMax)) };
    });
    console.log(`\n${table(windowed)}\n`);

    const last = rows[rows.length - 1];
    const warm = Math.max(3, Math.ceil(rows.length * WARMUP_SHARE));
    const afterWarmup = rows.slice(Math.min(warm, rows.length - 1));
    const base = afterWarmup[0];
    // The end state is the median of the last few samples, so one GC-timing outlier does
    // not decide the verdict.
    const tail = afterWarmup.slice(-5);
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const heapGrowth = mb(median(tail.map((r) => r.heap)) - base.heap);
    const wasmGrowth = mb(median(tail.map((r) => r.wasm)) - base.wasm);
    const problems = [];
    if (leaks.length) problems.push(`workers outlived their experiment:\n    ${leaks.join("\n    ")}`);
    if (last.created !== last.terminated) {
      problems.push(`${last.created} workers started but ${last.terminated} ended`);
    }
    if (heapGrowth > HEAP_MB)
      problems.push(`JS heap grew ${heapGrowth.toFixed(2)} MB after the warm-up (bound ${HEAP_MB} MB)`);
    if (wasmGrowth > WASM_MB)
      problems.push(`wasm memory grew ${wasmGrowth.toFixed(1)} MB after the warm-up (bound ${WASM_MB} MB)`);
    if (!last.instances) problems.push("no wasm instance was seen: the memory figures mean nothing");
    const uncaught = errors.filter((e) => !e.startsWith("console:"));
    if (uncaught.length) problems.push(`the page failed:\n    ${uncaught.slice(0, 10).join("\n    ")}`);

    console.log(
      `experiments: ${experiments} in ${last.minutes.toFixed(1)} min; workers started ${last.created}, ended ${last.terminated}, at most ${last.maxLive} at once`,
    );
    console.log(
      `JS heap after GC: ${mb(base.heap).toFixed(2)} MB after warm-up (experiment ${base.experiments}) -> ${mb(last.heap).toFixed(2)} MB at the end (growth ${heapGrowth.toFixed(2)} MB, bound ${HEAP_MB} MB)`,
    );
    console.log(
      `wasm memory (page instance): ${mb(base.wasm).toFixed(1)} MB -> ${mb(last.wasm).toFixed(1)} MB (growth ${wasmGrowth.toFixed(1)} MB, bound ${WASM_MB} MB)`,
    );
    // The trend after the warm-up (least squares), in MB per hour: a slow leak shows
    // here long before it crosses the bound.
    const slope = (ys) => {
      const xs = afterWarmup.map((r) => r.minutes / 60);
      const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
      const my = ys.reduce((a, b) => a + b, 0) / ys.length;
      const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
      return sxx > 0 ? xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / sxx : 0;
    };
    console.log(
      `trend after the warm-up: JS heap ${mb(slope(afterWarmup.map((r) => r.heap))).toFixed(2)} MB/hour, wasm ${mb(slope(afterWarmup.map((r) => r.wasm))).toFixed(2)} MB/hour`,
    );
    console.log(`DOM nodes ${base.nodes} -> ${last.nodes}, listeners ${base.listeners} -> ${last.listeners}`);
    const outcomes = {};
    for (const r of rows) outcomes[r.what] = (outcomes[r.what] || 0) + 1;
    console.log(
      `experiments by outcome: ${Object.entries(outcomes)
        .map(([k, n]) => `${n} ${k}`)
        .join(", ")}`,
    );
    console.log(
      `main-thread long tasks: ${last.longCount}, ${last.longSum.toFixed(0)} ms in all, longest ${last.longMax.toFixed(0)} ms`,
    );
    const consoleErrors = errors.filter((e) => e.startsWith("console:"));
    if (consoleErrors.length)
      console.log(`console errors (${consoleErrors.length}): ${consoleErrors.slice(0, 3).join(" | ")}`);
    if (problems.length) {
      console.log(`\nVERDICT: FAIL\n  ${problems.join("\n  ")}`);
      process.exitCode = 1;
    } else {
      console.log("\nVERDICT: PASS (no worker outlived its experiment; heap and wasm memory within bounds)");
    }
  } finally {
    await browser.close();
    await new Promise((r) => server.close(r));
    await rm(site, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
