#!/usr/bin/env node
//! The browser half of `make bench`: serves dist/ (tools/serve.mjs, a free port on
//! 127.0.0.1), opens bench.html in the system's headless Chromium, then in headless Firefox
//! ESR when geckodriver is installed, and prints each browser's markdown tables: training
//! speed, evaluation, kernels, all workers at once, memory, the page end to end at batch 1,
//! 8, 32 and 1024 with where each epoch's time goes, and the article preset from opening
//! the page to its done message against the ideal (see www/bench.js, which measures).
//!
//!   node tools/bench/bench.mjs [--seconds 2] [--parts train,eval,kernels,parallel,memory,page,article,shards]
//!       [--batches 1,8,32,128,1024] [--pages 1,8,32,1024] [--epochs 3] [--workers N] [--shards 8,…,4096]
//!       [--browsers chromium,firefox] [--dist DIR] [--no-article] [--only-article]
//!
//! Needs `make dist` first. Chromium is /usr/bin/chromium (or $CHROMIUM) through
//! playwright-core: never `npx playwright install`, which would download a browser. Firefox
//! is driven over WebDriver (tools/bench/webdriver.mjs), since Playwright only drives its
//! own Firefox builds; without geckodriver it is skipped, with a line saying so. In
//! Chromium the bench also reads, over the DevTools protocol, how long the main thread
//! was busy in each phase of the bench page (`Performance.getMetrics`, TaskDuration): the
//! page under test runs in a same-origin frame, on that main thread, so during the end-to-end
//! phases this is the page's own work (charts, table, live view) competing with its
//! workers for the cores. Nothing
//! is asserted about speed; a failed page (an error in the bench, a run that does not end
//! "done") exits non-zero. Progress goes to stderr, the tables to stdout.

import path from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";
import { launchChromium } from "../browser.mjs";
import { serve } from "../serve.mjs";
import { findFirefox, launchFirefox } from "./webdriver.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BENCH_TIMEOUT_MS = 60 * 60_000;
const ALL_PARTS = "train,eval,kernels,parallel,memory,page,article,shards";

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
};
const log = (s) => process.stderr.write(`[bench] ${s}\n`);

function benchQuery() {
  let parts = option("--parts", ALL_PARTS).split(",");
  if (flag("--no-article")) parts = parts.filter((p) => p !== "article");
  if (flag("--only-article")) parts = ["article"];
  const q = new URLSearchParams({ seconds: option("--seconds", "2"), parts: parts.join(",") });
  for (const key of ["batches", "pages", "epochs", "workers", "shards"]) {
    if (option(`--${key}`)) q.set(key, option(`--${key}`));
  }
  return q;
}

async function chromiumBench(origin) {
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1300, height: 1000 } })).newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    const busy = async () => {
      const { metrics } = await cdp.send("Performance.getMetrics");
      return metrics.find((m) => m.name === "TaskDuration")?.value ?? NaN;
    };
    const phases = []; // {name, t, busy}: the main thread's busy seconds when each phase began
    page.on("console", (m) => {
      if (m.text().startsWith("bench: ")) {
        const name = m.text().slice(7);
        log(`chromium: ${name}`);
        const t = Date.now();
        busy().then(
          (b) => phases.push({ name, t, busy: b }),
          () => {},
        );
      } else if (m.type() === "error") log(`chromium page error: ${m.text()}`);
    });
    page.on("pageerror", (e) => log(`chromium page exception: ${e.message}`));
    await page.goto(`${origin}/bench.html?${benchQuery()}`);
    await page.waitForFunction(() => window.benchResults || window.benchError, null, {
      timeout: BENCH_TIMEOUT_MS,
      polling: 1000,
    });
    const { results, error } = await page.evaluate(() => ({ results: window.benchResults, error: window.benchError }));
    if (error) throw new Error(`bench page in Chromium: ${error}`);
    phases.sort((a, b) => a.t - b.t);
    const rows = phases.slice(0, -1).map((p, i) => {
      const next = phases[i + 1];
      const secs = (next.t - p.t) / 1000;
      return `| ${p.name} | ${secs.toFixed(1)} | ${(next.busy - p.busy).toFixed(2)} | ${((100 * (next.busy - p.busy)) / secs).toFixed(0)}% |`;
    });
    results.markdown +=
      "\n\nthe main thread of the bench page (and of the page under test, in its frame) in each phase:\n\n" +
      "| phase | seconds | main thread busy (s) | share |\n|:--|--:|--:|--:|\n" +
      rows.join("\n");
    return { name: `headless Chromium ${browser.version()}`, results };
  } finally {
    await browser.close();
  }
}

async function firefoxBench(origin, found) {
  const ff = await launchFirefox(found);
  try {
    await ff.goto(`${origin}/bench.html?${benchQuery()}`);
    const t0 = Date.now();
    let last = "";
    for (;;) {
      const r = await ff.evaluate(
        "return {results: window.benchResults || null, error: window.benchError || null, status: document.getElementById('status')?.textContent};",
      );
      if (r.error) throw new Error(`bench page in Firefox: ${r.error}`);
      if (r.results) return { name: `headless Firefox (${ff.version})`, results: r.results };
      if (r.status !== last) log(`firefox: ${(last = r.status)}`);
      if (Date.now() - t0 > BENCH_TIMEOUT_MS) throw new Error("bench page in Firefox: timed out");
      await new Promise((res) => setTimeout(res, 1000));
    }
  } finally {
    await ff.close();
  }
}

async function main() {
  const server = await serve(option("--dist", path.join(ROOT, "dist")), 0);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browsers = option("--browsers", "chromium,firefox").split(",");
  const cpu = os.cpus()[0]?.model?.trim() || os.arch();
  let failed = false;
  try {
    for (const b of browsers) {
      let out;
      if (b === "chromium") {
        log("Chromium: bench page (several minutes)");
        out = await chromiumBench(origin);
      } else if (b === "firefox") {
        const found = findFirefox();
        if (!found) {
          console.log("\nFirefox: skipped (needs geckodriver and firefox-esr: scripts/setup.sh browsers)");
          continue;
        }
        log("Firefox: bench page (several minutes)");
        out = await firefoxBench(origin, found).catch((err) => {
          failed = true;
          console.log(`\nFirefox: ${err.message}`);
          return null;
        });
        if (!out) continue;
      } else throw new Error(`unknown browser ${b} (chromium, firefox)`);
      console.log(`\n## ${out.name}, ${cpu} (${os.cpus().length} cores)\n\n${out.results.markdown}`);
    }
  } finally {
    server.close();
  }
  if (failed) process.exit(1);
}

main().catch((err) => {
  console.error(`bench: ${err.message}`);
  process.exit(1);
});
