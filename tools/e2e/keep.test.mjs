// The kept history, pinned overlays, CSV import, the planned learning rate and versioned
// links, end to end in headless Chromium, as a person uses them.
//
// One page goes through the story in order (the tests share it): the planned rate is in
// the chart's legend before Run; a tiny experiment (`?k=1,2&epochs=1&train=200`) and the
// same one under rule = none are kept, labelled by what changed, and still listed after a
// reload; one is renamed and pinned (its curves named in the chart's legend, on every x
// axis); restored (drawn from its records, no training); CSVs written by the CLI at test
// time (`sweep`, curves and landscape) are imported through the file input and by a drop;
// a damaged CSV is refused with its line and column and nothing kept changes; the history
// is cleared and stays cleared after a reload. Links written before the schema version
// `v` existed (the presets' queries and the README's) open the experiment they always did,
// and the page writes `v=2`.
//
// Runs against `dist/` (`make dist` first) with ./site.mjs's helpers, like the other e2e
// files; the CLI is run with `cargo run --release --bin sweep` (built once, then quick).

import { test, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { useSite, ROOT } from "./site.mjs";
import { controlValues } from "./page-model.mjs";

const h = useSite();
const csv = {};
let page;

/** Runs the CLI and answers the CSV it wrote. */
function sweep(args) {
  const dir = mkdtempSync(path.join(tmpdir(), "lr-batch-keep-"));
  try {
    const out = path.join(dir, "run");
    execFileSync("cargo", ["run", "--quiet", "--release", "--bin", "sweep", "--", ...args, "--out", out], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "inherit"],
      timeout: 600_000,
    });
    return readFileSync(`${out}.csv`, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

before(async () => {
  await h.ready;
  csv.curves = sweep(["--k", "1", "--epochs", "1", "--train", "200"]);
  csv.landscape = sweep([
    "--mode",
    "landscape",
    "--grid_b",
    "8,32",
    "--grid_lr",
    "0.01,0.1",
    "--epochs",
    "1",
    "--train",
    "200",
  ]);
  page = await h.newPage();
});

/**
 * The names in the learning-curve chart's legend, once it has every name of `has`, none of
 * `lacks`, and (`planned: false`) no planned rate (20 s). A plain spec, not a function: the
 * page's CSP forbids building one from text.
 */
async function legendWhen({ has = [], lacks = [], planned }, what) {
  try {
    await page.waitForFunction(
      ({ has, lacks, planned }) => {
        const l = document.getElementById("chart").dataset.layout;
        const n = l ? (JSON.parse(l).legend ?? []) : [];
        return (
          has.every((x) => n.includes(x)) &&
          !lacks.some((x) => n.includes(x)) &&
          (planned !== false || !n.some((x) => x.includes("(planned)")))
        );
      },
      { has, lacks, planned },
      { timeout: 20_000 },
    );
  } catch (err) {
    const l = await page.evaluate(() => document.getElementById("chart").dataset.layout);
    const runs = await page.$$eval("#runs-body tr", (trs) => trs.map((t) => t.textContent.replace(/\s+/g, " ")));
    assert.fail(`${what}: the legend is ${l}; the runs: ${runs.join(" | ")} (${err.message.split("\n")[0]})`);
  }
  return page.evaluate(() => JSON.parse(document.getElementById("chart").dataset.layout).legend);
}

const items = () => page.$$eval("#keep-list .keep-item .keep-name", (xs) => xs.map((x) => x.textContent));
const status = () => page.textContent("#keep-status");

async function runAndWait(count) {
  await page.click("#run-all");
  await page.waitForFunction((n) => window.__done.length >= n, count, { timeout: 90_000 });
  // Every run of the table ended too (as a person sees it).
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll('#runs-body [data-col="status"]')].every((td) => td.textContent.trim() === "done"),
    null,
    { timeout: 90_000 },
  );
}

test("the planned rate is drawn before Run; finished experiments are kept, labelled, after a reload", async () => {
  await h.open(page, "?k=1,2&epochs=1&train=200");
  // Before Run the learning-rate panel has each run's plan, named as planned.
  await legendWhen({ has: ["k = 1 (planned)", "k = 2 (planned)"] }, "planned");
  await runAndWait(1);
  await page.waitForFunction(() => document.querySelectorAll("#keep-list .keep-item").length === 1);
  assert.deepEqual(await items(), ["k=1,2&epochs=1&train=200"]);
  // Trained runs replace their plans in the legend.
  await legendWhen({ has: ["k = 1", "k = 2"], planned: false }, "trained");

  await page.click('label[for="rule-none"]');
  await page.waitForFunction(() => window.location.search.includes("rule=none"));
  await runAndWait(2);
  await page.waitForFunction(() => document.querySelectorAll("#keep-list .keep-item").length === 2);
  assert.deepEqual(await items(), ["rule: linear → none", "k=1,2&epochs=1&train=200"]);

  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll("#keep-list .keep-item").length === 2);
  assert.deepEqual(await items(), ["rule: linear → none", "k=1,2&epochs=1&train=200"]);
});

test("an entry is renamed and pinned: its curves are in the legend on every x axis", async () => {
  const linear = "#keep-list .keep-item:nth-child(2)";
  await page.click(`${linear} .keep-rename`);
  await page.fill(`${linear} .keep-name-input`, "linear runs");
  await page.press(`${linear} .keep-name-input`, "Enter");
  await page.waitForFunction(
    () => document.querySelector("#keep-list .keep-item:nth-child(2) .keep-name")?.textContent === "linear runs",
  );
  await page.click(`${linear} .keep-pin`);
  await page.waitForSelector(`${linear} .keep-pin[aria-pressed="true"]`, { timeout: 5000 });
  for (const x of ["epoch", "samples", "steps", "time"]) {
    await page.click(`label[for="x-${x}"]`);
    // Waits for this axis's legend (the previous axis's also has the pinned curves).
    const planned = x === "time" ? { lacks: ["k = 1 (planned)"] } : { has: ["k = 1 (planned)"] };
    const pinned = ["linear runs · k = 1", "linear runs · k = 2", ...(planned.has ?? [])];
    const legend = await legendWhen({ has: pinned, lacks: planned.lacks }, `pinned, x = ${x}`);
    // The reloaded experiment is untrained: its plans are there, except against wall time.
    assert.equal(legend.includes("k = 1 (planned)"), x !== "time", legend.join(" | "));
  }
  await page.click('label[for="x-epoch"]');
  // The name and the pin survive a reload.
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll("#keep-list .keep-item").length === 2);
  assert.deepEqual(await items(), ["rule: linear → none", "linear runs"]);
  await legendWhen({ has: ["linear runs · k = 2", "k = 2 (planned)"] }, "pinned after a reload");
});

test("restoring an entry draws its records without training", async () => {
  await page.click("#keep-list .keep-item:nth-child(2) .keep-restore");
  await page.waitForFunction(() => !window.location.search.includes("rule=none"));
  assert.equal((await controlValues(page)).rule, "linear");
  const legend = await legendWhen({ has: ["k = 2"], lacks: ["k = 2 (planned)"] }, "restored");
  assert.ok(legend.includes("linear runs · k = 1"), legend.join(" | "));
  const statuses = await page.$$eval("#runs-body tr", (trs) =>
    trs.map((tr) => tr.querySelector('[data-col="status"]').textContent.trim()),
  );
  assert.ok(
    statuses.every((s) => s === "idle"),
    statuses.join(", "),
  );
});

test("CSVs written by the CLI are imported (file input and drop), curves and landscape", async () => {
  await page.setInputFiles("#keep-file", { name: "cli.csv", mimeType: "text/csv", buffer: Buffer.from(csv.curves) });
  await page.waitForFunction(() => document.getElementById("keep-status").textContent.startsWith("Imported cli.csv"));
  assert.match(await status(), /Imported cli\.csv: 1 run, 2 records/);
  assert.equal((await items())[0], "imported cli.csv");
  const v = await controlValues(page);
  assert.deepEqual([v.k, v.epochs, v.train], ["1", "1", "200"]);
  await legendWhen({ has: ["k = 1"], lacks: ["k = 1 (planned)"] }, "imported curves");

  await drop("grid.csv", csv.landscape);
  await page.waitForFunction(() => document.getElementById("keep-status").textContent.startsWith("Imported grid.csv"));
  assert.equal(await page.evaluate(() => document.body.dataset.mode), "landscape");
  assert.deepEqual([(await controlValues(page)).grid_b], ["8,32"]);
  // The landscape's numbers come from the imported records: every cell has an accuracy.
  await page.waitForFunction(() => document.querySelectorAll("#grid-table td").length >= 4);
  const cells = await page.$$eval("#grid-table td", (tds) => tds.map((t) => t.textContent.trim()));
  assert.ok(cells.filter((c) => /\d/.test(c)).length >= 4, cells.join(" | "));
  assert.equal((await items()).length, 4);
});

/** Drops a file on the page, as a person dragging it from the desktop. */
async function drop(name, text) {
  await page.evaluate(
    ([name, text]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], name, { type: "text/csv" }));
      document
        .querySelector("main")
        .dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    [name, text],
  );
}

test("a damaged CSV is refused with its line and column; nothing kept changes", async () => {
  const before = await items();
  const lines = csv.curves.trimEnd().split("\n");
  const header = lines[0].split(",");
  const col = header.indexOf("test_acc");
  assert.ok(col > 0);
  // Line 3's test_acc, found through the fields (a cell such as grid_lr holds commas).
  const cells = splitCsvLine(lines[2]);
  cells[col] = "lots";
  lines[2] = cells.map((c) => (c.includes(",") ? `"${c}"` : c)).join(",");
  await drop("bad.csv", `${lines.join("\n")}\n`);
  await page.waitForFunction(() =>
    document.getElementById("keep-status").textContent.startsWith("Could not import bad.csv"),
  );
  assert.equal(
    await status(),
    `Could not import bad.csv: line 3, column ${col + 1} (test_acc): \`lots\` is not a number`,
  );
  assert.deepEqual(await items(), before);
  // And a file that is no CSV of ours at all.
  await page.setInputFiles("#keep-file", {
    name: "notes.csv",
    mimeType: "text/csv",
    buffer: Buffer.from("a,b\n1,2\n"),
  });
  await page.waitForFunction(() =>
    document.getElementById("keep-status").textContent.startsWith("Could not import notes.csv"),
  );
  assert.match(await status(), /line 1: no column `run`/);
  assert.deepEqual(await items(), before);
});

/** The fields of one CSV line (quotes as the csv crate writes them). */
function splitCsvLine(line) {
  const out = [];
  let cur = "";
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

test("old links (no v) open the experiment they always did; the page writes v=2", async () => {
  const old = [
    [
      "b0=8&lr0=0.02&k=1,16,64&rule=linear&warmup=2&opt=sgd&epochs=6",
      { lr0: "0.02", k: "1,16,64", warmup: "2", epochs: "6", rule: "linear" },
    ],
    ["b0=8&lr0=0.001&k=1,4,16&rule=none&opt=adam&epochs=10", { k: "1,4,16", rule: "none", opt: "adam", epochs: "10" }],
    [
      "b0=1&lr0=0.01&k=1,32,2000&rule=sqrt&opt=sgd&epochs=3&train=2000",
      { b0: "1", k: "1,32,2000", rule: "sqrt", train: "2000" },
    ],
    ["k=1,4&epochs=1&x=steps", { k: "1,4", epochs: "1", x: "steps" }],
    [
      "mode=landscape&b0=8&lr0=0.0398&epochs=1&target=90&grid_b=8,32,128,512,2048,8000&grid_lr=0.001:10:6",
      { mode: "landscape", grid_b: "8,32,128,512,2048,8000", target: "90" },
    ],
  ];
  const fresh = await h.newPage();
  for (const [query, want] of old) {
    for (const link of [query, `${query}&v=2`]) {
      await h.open(fresh, `?${link}`);
      const v = await controlValues(fresh);
      for (const [key, value] of Object.entries(want)) assert.equal(v[key], value, `${link}: ${key}`);
      assert.equal(await fresh.textContent("#notices"), "", `${link}: no notice`);
      await fresh.waitForFunction(() => /(^|[?&])v=2($|&)/.test(window.location.search), null, { timeout: 5000 });
    }
  }
  await h.open(fresh, "?k=1,2&v=9");
  await fresh.waitForFunction(() => document.getElementById("notices").textContent.includes("link version"));
  assert.equal((await controlValues(fresh)).k, "1,2");
  await fresh.close();
});

test("clearing the history empties it, also after a reload", async () => {
  await page.click("#keep-clear");
  await page.waitForSelector("#keep-list .keep-empty");
  assert.deepEqual(await items(), []);
  await page.reload();
  await page.waitForSelector("#keep-list .keep-empty");
  assert.deepEqual(await items(), []);
  assert.deepEqual(h.problems, []);
});
