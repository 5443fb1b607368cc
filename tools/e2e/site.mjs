// What the end-to-end tests share: the built page served from a temporary copy of
// dist/ on a free port, and a watch on each page for requests that leave the site's
// origin and for errors logged or thrown.
//
// `startSite(extra)` copies dist/ (built by `make dist`) to a temp dir, adds `extra`
// files (name → contents, e.g. a host page that embeds the playground), serves it with
// tools/serve.mjs on 127.0.0.1 and answers `{origin, site, close}`; it throws with a
// clear message when dist/ is missing. `useSite(extra, contextOptions)` registers the
// before/after hooks that a test file needs around that: the site, a Chromium (from
// tools/browser.mjs) and one context, plus `newPage` (watched, announcements collected in
// `window.__epochs` / `window.__done`) and `open` (a page of the site, once its runs table
// is built). `hostPage(query, opts)` writes a page that embeds the playground in an iframe
// and collects the frame's messages in `window.__msgs`. Nothing here knows what a test
// checks.

import { before, after } from "node:test";
import { mkdtemp, cp, writeFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "../serve.mjs";
import { launchChromium } from "../browser.mjs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const DIST = path.join(ROOT, "dist");

/**
 * Serves a temp copy of dist/ plus `extra` files; `close()` stops and deletes it.
 * Cross-origin isolated (tools/serve.mjs) unless `isolate` is false.
 */
export async function startSite(extra = {}, { isolate = true } = {}) {
  try {
    await stat(path.join(DIST, "pkg"));
    await stat(path.join(DIST, "index.html"));
  } catch {
    throw new Error("dist/ is missing or incomplete: run `make dist` first (or `make test-e2e`)");
  }
  const site = await mkdtemp(path.join(tmpdir(), "lr-batch-e2e-"));
  await cp(DIST, site, { recursive: true });
  for (const [name, text] of Object.entries(extra)) await writeFile(path.join(site, name), text);
  const server = await serve(site, 0, { isolate });
  const origin = `http://127.0.0.1:${server.address().port}`;
  const close = async () => {
    await new Promise((r) => server.close(r));
    await rm(site, { recursive: true, force: true });
  };
  return { origin, site, close };
}

/**
 * An embedding host page: a heading, optional `filler` HTML, then the playground in an
 * iframe (`#pg`, src `/?{query}`) whose postMessage records land in `window.__msgs`.
 */
export function hostPage(query, { heading = "A tutorial page", filler = "" } = {}) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Embed host</title><link rel="icon" href="data:,"></head>
<body>
<h1>${heading}</h1>${filler}
<iframe id="pg" title="Learning rate and batch size playground" src="/?${query}" width="820" height="640"></iframe>
<script>
  window.__msgs = [];
  window.addEventListener("message", (e) => {
    if (e.source === document.getElementById("pg").contentWindow) window.__msgs.push(e.data);
  });
</script>
</body></html>`;
}

/**
 * Records, into `seen.foreign` and `seen.problems`, every request of `page` outside
 * `origin` and every console error, uncaught exception or dialog; answers `page`.
 */
export function watch(page, origin, seen) {
  page.on("request", (req) => {
    const url = new URL(req.url());
    if (["data:", "blob:", "about:"].includes(url.protocol)) return;
    if (url.origin !== origin) seen.foreign.push(req.url());
  });
  page.on("console", (msg) => {
    if (msg.type() === "error") seen.problems.push(`console error on ${page.url()}: ${msg.text()}`);
  });
  page.on("pageerror", (err) => seen.problems.push(`uncaught on ${page.url()}: ${err.message}`));
  page.on("dialog", (d) => {
    seen.problems.push(`dialog opened: ${d.message()}`);
    d.dismiss();
  });
  return page;
}

/**
 * The site, a browser and a context for one test file, started before its tests and
 * closed after them. Answers `{origin, site, browser, context, foreign, problems, newPage,
 * open, ready}`; the first four are set once `ready` has settled.
 */
export function useSite(extra = {}, contextOptions = {}) {
  const h = { origin: "", site: null, browser: null, context: null, foreign: [], problems: [] };
  // `ready` settles once the site and the browser are up: a test file's own `before`
  // awaits it rather than counting on the order in which hooks run.
  let started;
  h.ready = new Promise((resolve, reject) => (started = { resolve, reject }));
  h.ready.catch(() => {}); // reported by the hook below, not as an unhandled rejection
  before(async () => {
    try {
      h.site = await startSite(extra);
      h.origin = h.site.origin;
      h.browser = await launchChromium();
      h.context = await h.browser.newContext(contextOptions);
      started.resolve(h);
    } catch (err) {
      started.reject(err);
      throw err;
    }
  });
  after(async () => {
    await h.context?.close();
    await h.browser?.close();
    await h.site?.close();
  });
  /** A watched page whose announcements are collected from the start. */
  h.newPage = async (viewport = { width: 1280, height: 900 }) => {
    const page = watch(await h.context.newPage(), h.origin, h);
    await page.setViewportSize(viewport);
    await page.addInitScript(() => {
      window.__epochs = [];
      window.__done = [];
      document.addEventListener("lr-batch-playground:epoch", (e) => window.__epochs.push(e.detail));
      document.addEventListener("lr-batch-playground:done", (e) => window.__done.push(e.detail));
    });
    return page;
  };
  /** Opens a page of the site and waits until the runs table is built (wasm loaded). */
  h.open = async (page, query = "") => {
    await page.goto(`${h.origin}/${query}`);
    await page.waitForSelector("#runs-body tr", { timeout: 30_000 });
    return page;
  };
  return h;
}
