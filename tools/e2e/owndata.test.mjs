// "Use your own data", end to end in headless Chromium: IDX files made here from the
// bundled subset (300 training + 100 test digits, written under the official MNIST names,
// some gzipped and some raw) are given to the page's file picker, as a person would.
//
// Checked: the page shows what it loaded (counts, its own split) and names the dataset in
// the URL; a run trains on exactly those files (300 samples an epoch, a 100-digit test
// split in the confusion matrix); a bad file gives a notice naming the file and the
// problem while the loaded data stays in use; a link naming a dataset the visitor has not
// loaded shows which one it needs, does not autorun and trains nothing even when Run is
// pressed, and runs once files with that identity are loaded; files dropped on the page
// are taken like picked ones.
//
// Runs against `dist/` (`make dist` first) like the other e2e files (site.mjs).

import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { ROOT, useSite } from "./site.mjs";
import { rows } from "./page-model.mjs";

const h = useSite();
const PIXELS = 784;

/** IDX files (Buffers) of the given samples of the subset. */
function idx(pixels, labels, picks) {
  const images = Buffer.alloc(16 + picks.length * PIXELS);
  images.writeUInt32BE(0x803, 0);
  images.writeUInt32BE(picks.length, 4);
  images.writeUInt32BE(28, 8);
  images.writeUInt32BE(28, 12);
  const lab = Buffer.alloc(8 + picks.length);
  lab.writeUInt32BE(0x801, 0);
  lab.writeUInt32BE(picks.length, 4);
  picks.forEach((i, j) => {
    pixels.copy(images, 16 + j * PIXELS, i * PIXELS, (i + 1) * PIXELS);
    lab[8 + j] = labels[i];
  });
  return { images, labels: lab };
}

let files; // the four official-looking files, for setInputFiles
let badLabels; // a labels file with a 12 in it

before(async () => {
  await h.ready;
  const dir = path.join(ROOT, "data/mnist");
  const pixels = gunzipSync(await readFile(path.join(dir, "train-images-idx3-ubyte.gz"))).subarray(16);
  const labels = gunzipSync(await readFile(path.join(dir, "train-labels-idx1-ubyte.gz"))).subarray(8);
  // The subset is grouped by digit: every 25th image gives both parts every digit.
  const all = Array.from({ length: 400 }, (_, j) => j * 25);
  const train = idx(
    pixels,
    labels,
    all.filter((i) => i % 100 !== 0),
  );
  const testPart = idx(
    pixels,
    labels,
    all.filter((i) => i % 100 === 0),
  );
  const file = (name, buffer) => ({ name, mimeType: "application/octet-stream", buffer });
  files = [
    file("train-images-idx3-ubyte.gz", gzipSync(train.images)),
    file("train-labels-idx1-ubyte", train.labels),
    file("t10k-images-idx3-ubyte", testPart.images),
    file("t10k-labels-idx1-ubyte.gz", gzipSync(testPart.labels)),
  ];
  const bad = Buffer.from(testPart.labels);
  bad[8 + 7] = 12;
  badLabels = file("t10k-labels-idx1-ubyte.gz", gzipSync(bad));
});

const dataParam = (page) => page.evaluate(() => new URLSearchParams(window.location.search).get("data"));
const statusText = (page) => page.textContent("#data-status");
const notice = (page, key) => page.locator(`#notices .notice[data-key="${key}"]`);

/** Loads `list` through the labelled file picker; waits for the status or a notice. */
async function choose(page, list) {
  const state = () => [
    window.location.search,
    document.querySelector('#notices .notice[data-key="owndata"]')?.textContent ?? "",
  ];
  const before = await page.evaluate(state);
  await page.evaluate(() => document.querySelector('#notices .notice[data-key="owndata"]')?.remove());
  await page.getByLabel(/Use your own data/).setInputFiles(list);
  // Done when a notice appears or the link's dataset changes (not on any rewrite of the
  // address: the page may still be normalising a link's order when the files are chosen).
  await page.waitForFunction(
    ([search]) =>
      document.querySelector('#notices .notice[data-key="owndata"]') !== null ||
      new URLSearchParams(window.location.search).get("data") !== new URLSearchParams(search).get("data"),
    before,
    { timeout: 30_000 },
  );
}

let identity;

test("own files are checked, shown, named in the link and trained on", { timeout: 120_000 }, async () => {
  const page = await h.open(await h.newPage(), "?k=1&b0=25&epochs=1");
  assert.match(await statusText(page), /bundled MNIST subset \(10000 images/);
  await choose(page, files);
  identity = await dataParam(page);
  assert.match(identity ?? "", /^own-300-100-[0-9a-f]{16}$/);
  const status = await statusText(page);
  assert.match(status, /300 training \+ 100 test images \(their own split\)/);
  assert.ok(status.includes("train-images-idx3-ubyte.gz") && status.includes(identity), status);
  assert.equal(await notice(page, "owndata").count(), 0);

  await page.click("#run-all");
  await page.waitForFunction(() => window.__done.length > 0, null, { timeout: 90_000 });
  // The untrained network's step-0 evaluation, then the one epoch.
  const epochs = await page.evaluate(() => window.__epochs.filter((e) => e.epoch > 0));
  assert.equal(epochs.length, 1);
  assert.equal(epochs[0].samples, 300, "an epoch is the whole training file, not 4/5 of it");
  assert.equal(epochs[0].status, "done");
  await page.waitForFunction(() => document.querySelectorAll("#confusion td").length === 100);
  const total = await page.$$eval("#confusion td", (tds) => tds.reduce((a, td) => a + Number(td.textContent || 0), 0));
  assert.equal(total, 100, "the confusion matrix counts the test file's 100 digits");

  // A bad file: a notice naming it and the problem; the loaded data stays in use.
  await choose(page, [files[0], files[1], files[2], badLabels]);
  const text = await notice(page, "owndata").textContent();
  assert.match(text, /t10k-labels-idx1-ubyte\.gz: labels file: label 12 at index 7/);
  assert.match(text, /the data loaded before stays in use/);
  assert.equal(await dataParam(page), identity);
  assert.match(await statusText(page), /300 training \+ 100 test images/);
  // Wrong count of files: named too, and still nothing lost.
  await choose(page, [files[0]]);
  assert.match(await notice(page, "owndata").textContent(), /1 file given/);
  assert.equal(await dataParam(page), identity);
  await page.close();
});

test(
  "a link to a dataset not loaded says which, does not run, and runs once it is loaded",
  { timeout: 120_000 },
  async () => {
    assert.ok(identity, "the first test found the dataset's identity");
    const page = await h.open(await h.newPage(), `?k=1&b0=25&epochs=1&data=${identity}&autorun=1`);
    const needed = notice(page, "owndata-missing");
    await needed.waitFor();
    const text = await needed.textContent();
    assert.match(text, /300 training \+ 100 test images, fingerprint [0-9a-f]{16}/);
    assert.ok(text.includes(identity.slice(-16)), text);
    assert.match(text, /Use your own data/);
    // No autorun, and Run trains nothing: the runs wait for the data.
    await page.waitForTimeout(1500);
    assert.deepEqual(await page.evaluate(() => window.__epochs), []);
    assert.ok(
      (await rows(page)).every((r) => r.status === "idle"),
      JSON.stringify(await rows(page)),
    );
    await page.click("#run-all");
    await page.waitForTimeout(1500);
    assert.deepEqual(await page.evaluate(() => window.__epochs), []);
    assert.ok(
      (await rows(page)).every((r) => r.status === "queued"),
      JSON.stringify(await rows(page)),
    );
    // A dataset with another fingerprint does not count as the one needed.
    const other = await h.open(await h.newPage(), `?data=own-300-100-0123456789abcdef&autorun=1`);
    await notice(other, "owndata-missing").waitFor();
    assert.match(await other.textContent("#data-status"), /Needs your dataset own-300-100-0123456789abcdef/);
    await other.close();

    // The files with that identity: the notice goes and the queued runs train on them.
    await page.getByLabel(/Use your own data/).setInputFiles(files);
    await page.waitForFunction(() => window.__done.length > 0, null, { timeout: 90_000 });
    assert.equal(await notice(page, "owndata-missing").count(), 0);
    assert.equal(await dataParam(page), identity);
    const epochs = await page.evaluate(() => window.__epochs.filter((e) => e.epoch > 0));
    assert.equal(epochs[0].samples, 300);
    await page.close();
  },
);

test("files dropped on the page are used like picked ones", { timeout: 60_000 }, async () => {
  assert.ok(identity, "the first test found the dataset's identity");
  const page = await h.open(await h.newPage(), "?k=1&b0=25&epochs=1");
  const dropped = files.map((f) => ({ name: f.name, b64: f.buffer.toString("base64") }));
  const transfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
    return dt;
  }, dropped);
  await page.dispatchEvent("#runs-section", "dragover", { dataTransfer: transfer });
  assert.equal(await page.evaluate(() => document.body.classList.contains("dropping")), true);
  await page.dispatchEvent("#runs-section", "drop", { dataTransfer: transfer });
  await page.waitForFunction(() => /data=own-/.test(window.location.search), null, { timeout: 30_000 });
  assert.equal(await dataParam(page), identity, "the same files give the same identity");
  assert.equal(await page.evaluate(() => document.body.classList.contains("dropping")), false);
  await page.close();
});

test("no request left the origin and nothing was logged as an error", () => {
  assert.deepEqual(h.foreign, [], "requests outside the page's origin");
  assert.deepEqual(h.problems, [], "console errors or uncaught exceptions");
});
