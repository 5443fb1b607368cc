#!/usr/bin/env node
//! The browser half of `make bench`: serves dist/ (tools/serve.mjs, a free port on
//! 127.0.0.1), opens bench.html in the system's headless Chromium and prints its markdown
//! tables, then times the article preset end to end in the real page
//! (`/?preset=article&autorun=1`: 7 runs × 10 epochs × 8,000 samples, evaluation included)
//! until the page announces `lr-batch-playground:done`.
//!
//!   node tools/bench/bench.mjs [--seconds 2] [--parts train,eval,kernels,parallel,memory]
//!       [--batches 1,8,32,128,1024] [--workers N] [--dist DIR] [--no-article] [--only-article]
//!
//! Needs `make dist` first. Uses /usr/bin/chromium (or $CHROMIUM) through playwright-core:
//! never `npx playwright install`, which would download a browser. Nothing is asserted about
//! speed; a failed page (an error in the bench, or a run that does not end "done") exits
//! non-zero. Progress goes to stderr, the tables to stdout.

import path from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";
import { launchChromium } from "../browser.mjs";
import { serve } from "../serve.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BENCH_TIMEOUT_MS = 30 * 60_000;

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
};
const log = (s) => process.stderr.write(`[bench] ${s}\n`);

async function benchPage(context, origin) {
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.text().startsWith("bench: ")) log(m.text().slice(7));
    else if (m.type() === "error") log(`page error: ${m.text()}`);
  });
  page.on("pageerror", (e) => log(`page exception: ${e.message}`));
  const q = new URLSearchParams({ seconds: option("--seconds", "2") });
  for (const key of ["parts", "batches", "workers"]) {
    if (option(`--${key}`)) q.set(key, option(`--${key}`));
  }
  await page.goto(`${origin}/bench.html?${q}`);
  await page.waitForFunction(() => window.benchResults || window.benchError, null, {
    timeout: BENCH_TIMEOUT_MS,
    polling: 500,
  });
  const { results, error } = await page.evaluate(() => ({
    results: window.benchResults,
    error: window.benchError,
  }));
  await page.close();
  if (error) throw new Error(`bench page: ${error}`);
  return results;
}

async function articlePage(context, origin) {
  const page = await context.newPage();
  page.on("pageerror", (e) => log(`page exception: ${e.message}`));
  const t0 = Date.now();
  await page.goto(`${origin}/?preset=article&autorun=1`);
  const done = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const type = "lr-batch-playground:done";
        document.addEventListener(type, (e) => resolve(e.detail), { once: true });
      }),
  );
  const seconds = (Date.now() - t0) / 1000;
  await page.close();
  const bad = done.runs.filter((r) => r.status !== "done");
  if (bad.length) {
    const which = bad.map((r) => `k=${r.k}: ${r.status} ${r.error || ""}`).join(", ");
    throw new Error(`article preset: runs ended ${which}`);
  }
  return { seconds, runs: done.runs };
}

async function main() {
  const server = await serve(option("--dist", path.join(ROOT, "dist")), 0);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    const cpu = os.cpus()[0]?.model?.trim() || os.arch();
    console.log(`\nheadless Chromium ${browser.version()}, ${cpu} (${os.cpus().length} cores)\n`);
    if (!flag("--only-article")) {
      log("bench page (a few minutes)");
      const r = await benchPage(context, origin);
      console.log(r.markdown);
    }
    if (!flag("--no-article")) {
      log("article preset in the real page (7 runs × 10 epochs × 8,000 samples)");
      const a = await articlePage(context, origin);
      const slowest = Math.max(...a.runs.map((r) => r.wallMs)) / 1000;
      console.log(
        `\narticle preset (${a.runs.length} runs × 10 epochs, evaluation included) in the ` +
          `page: ${a.seconds.toFixed(1)} s from opening the page to the last run's end ` +
          `(slowest run ${slowest.toFixed(1)} s of training)`,
      );
    }
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((err) => {
  console.error(`bench: ${err.message}`);
  process.exit(1);
});
