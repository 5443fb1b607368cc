// The page's explaining layer without a browser: every parameter has its papers
// (www/help.js), the theme choice (www/theme.js, www/state.js), and the charts' text
// tables and failure message (www/a11y-tables.js).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { PAPERS, helpLines, sourcesText } from "../../www/help.js";
import { resolveTheme, nextTheme } from "../../www/theme.js";
import { tableText, failureText, TABLES } from "../../www/a11y-tables.js";
import { readQuery, writeQuery } from "../../www/state.js";
import { TRY_THIS, VIEW_KEYS } from "../../www/trythis.js";
import { PRESETS } from "../../www/presets.js";

/** The parameter names of the core's table, read from its source (one `row!` each). */
function coreParams() {
  const src = readFileSync(new URL("../../src/config/params.rs", import.meta.url), "utf8");
  return [...src.matchAll(/row!\(\s*"([a-z0-9_]+)"/g)].map((m) => m[1]);
}

test("every parameter of the core's table has its entry of papers, and no other name does", () => {
  const names = coreParams();
  assert.ok(names.length >= 20, `read ${names.length} rows from params.rs`);
  assert.deepEqual(Object.keys(PAPERS).sort(), [...names].sort());
});

test("the papers the issue names sit on their controls", () => {
  const cites = (name) => PAPERS[name].map((p) => p[0]).join("; ");
  assert.match(cites("rule"), /Goyal et al\. 2017/);
  assert.match(cites("rule"), /Krizhevsky 2014/);
  assert.match(cites("warmup"), /Goyal et al\. 2017/);
  assert.match(cites("b0"), /McCandlish et al\. 2018/);
  assert.match(cites("b0"), /Smith et al\. 2018/);
  assert.match(cites("target"), /Shallue et al\. 2018/);
  assert.match(cites("opt"), /Kingma & Ba/);
  assert.equal(sourcesText("evals"), "");
});

test("a help text is the row's help, allowed values and default, then the sources", () => {
  const row = { name: "warmup", help: "gradual warmup", allowed: "0 to 200, at most epochs", default: "0" };
  const lines = helpLines(row);
  assert.equal(lines[0], "Gradual warmup.");
  assert.equal(lines[1], "Allowed: 0 to 200, at most epochs. Default: 0.");
  assert.match(lines[2], /^From: Goyal et al\. 2017/);
});

test("the theme: the link's choice wins, else the system's; the toggle flips what is shown", () => {
  assert.equal(resolveTheme(null, true), "dark");
  assert.equal(resolveTheme(null, false), "light");
  assert.equal(resolveTheme("light", true), "light");
  assert.equal(resolveTheme("dark", false), "dark");
  assert.equal(resolveTheme("blue", false), "light");
  assert.equal(nextTheme("dark"), "light");
  assert.equal(nextTheme("light"), "dark");
});

test("theme=dark|light is a page option of the link: read, checked and written back", () => {
  const wasm = {
    parseQuery: (q) => JSON.stringify({ config: { q }, errors: [] }),
    configToQuery: () => "k=1",
    queryVersion: () => 2,
  };
  assert.equal(readQuery(wasm, "?theme=dark&k=1").view.theme, "dark");
  assert.equal(readQuery(wasm, "?k=1").view.theme, null);
  const bad = readQuery(wasm, "?theme=sepia&k=1");
  assert.equal(bad.view.theme, null);
  assert.deepEqual(
    bad.errors.map((e) => e.param),
    ["theme"],
  );
  assert.match(writeQuery(wasm, new Map(), {}, { theme: "dark" }), /(^|&)theme=dark($|&)/);
  assert.doesNotMatch(writeQuery(wasm, new Map(), {}, { theme: null }), /theme=/);
});

const row = {
  group: 1,
  label: "k = 8 (diverged)",
  epoch: 1,
  epochsDone: 0.25,
  step: 12,
  samples: 768,
  testAcc: 0.125,
  testLoss: null,
  trainLoss: 7.5,
  lr: 0.4,
  noiseScale: null,
  failed: { status: "diverged", repeat: 0, epoch: 1, epochsDone: 0.25, step: 12, lr: 0.4 },
};

test("the charts' tables: one header row, one row per curve, a dash for what is not a number", () => {
  const cells = tableText("curves", [row]);
  assert.deepEqual(
    cells[0],
    TABLES.curves.map((c) => c[0]),
  );
  assert.deepEqual(cells[1], ["k = 8 (diverged)", "0.25", "12", "12.5 %", "–", "7.5", "0.4"]);
  assert.deepEqual(tableText("noise", [row])[1], ["k = 8 (diverged)", "0.25", "–"]);
});

test("the failure message says what happened, when, and what usually helps", () => {
  const t = failureText(row);
  assert.match(t, /^k = 8 \(diverged\): the loss blew up/);
  assert.match(t, /at step 12 \(epoch 0\.25, learning rate 0\.4\)/);
  assert.match(t, /lower learning rate/);
  assert.match(t, /warmup/);
  assert.match(t, /standardised inputs/);
  const collapsed = failureText({ ...row, label: "k = 8 (collapsed)", failed: { ...row.failed, status: "collapsed" } });
  assert.match(collapsed, /one class/);
  const stuck = failureText({ ...row, label: "k = 1", failed: { ...row.failed, status: "stuck", testAcc: 0.113 } });
  assert.match(
    stuck,
    /^k = 1: it learned nothing: the test accuracy ended at 11\.3 %, no better than chance, at step 12/,
  );
});

test("every try-this link belongs to a preset and names a control or a view option", () => {
  const ids = new Set(PRESETS.map((p) => p.id));
  const params = new Set(coreParams());
  for (const [id, items] of Object.entries(TRY_THIS)) {
    assert.ok(ids.has(id), `no preset ${id}`);
    for (const t of items) assert.ok(params.has(t.key) || VIEW_KEYS.includes(t.key), `${id}: ${t.key}`);
  }
});
