// "Use your own data" without a browser: the DataSource's second kind of source
// (www/data.js: which dataset runs get, and that a missing one never falls back to the
// bundled files) and the pure helpers of www/owndata.js (role order, the words shown).

import { test } from "node:test";
import assert from "node:assert/strict";
import { DataSource, SUBSET } from "../../www/data.js";
import { roleOrder, countsText, loadedText, neededText } from "../../www/owndata.js";

const bundledFetch = async (url) => ({ ok: true, arrayBuffer: async () => new TextEncoder().encode(url).buffer });
const OWN = "own-300-100-0123456789abcdef";

test("runs get the dataset the experiment names, and a missing one is never replaced", async () => {
  const data = new DataSource({ images: "i.gz", labels: "l.gz" }, bundledFetch);
  const events = [];
  for (const t of ["ready", "missing", "own"]) data.addEventListener(t, () => events.push(t));
  data.want(OWN);
  assert.equal(data.missing, true);
  assert.equal(data.ready, false);
  assert.equal(data.value, null);
  await assert.rejects(data.load(), (err) => err.missing === OWN && err.message.includes(OWN));
  assert.equal(data.state, "idle", "no download of the bundled files for a missing dataset");
  // Files of another identity do not make it ready.
  const other = { images: new ArrayBuffer(1), labels: new ArrayBuffer(2) };
  data.useOwn(other, { identity: "own-5-0000000000000000" });
  assert.equal(data.ready, false);
  await assert.rejects(data.load());
  // The named dataset: ready, with its four buffers.
  const files = {
    images: new ArrayBuffer(3),
    labels: new ArrayBuffer(4),
    testImages: new ArrayBuffer(5),
    testLabels: new ArrayBuffer(6),
  };
  data.useOwn(files, { identity: OWN });
  assert.equal(data.ready, true);
  assert.equal(await data.load(), files);
  assert.deepEqual(events, ["missing", "own", "missing", "own", "ready"]);
  // Back to the bundled files: downloaded then, and the own files stay loaded.
  data.want(undefined);
  assert.equal(data.wanted, SUBSET);
  assert.equal(data.ready, false);
  const bundled = await data.load();
  assert.equal(new TextDecoder().decode(bundled.labels), "l.gz");
  assert.equal(data.value, bundled);
  data.want(OWN);
  assert.equal(data.value, files);
});

test("checkData's order puts the buffers in role order", () => {
  const b = ["tl", "ti", "sl", "si"];
  assert.deepEqual(roleOrder(b, [1, 0, 3, 2]), { images: "ti", labels: "tl", testImages: "si", testLabels: "sl" });
  assert.deepEqual(roleOrder(["l", "i"], [1, 0]), { images: "i", labels: "l" });
});

test("what was loaded and what a link needs, in words", () => {
  const four = { identity: OWN, images: 60000, testImages: 10000, trainAvail: 60000, test: 10000 };
  assert.equal(countsText(four), "60,000 training + 10,000 test images (their own split)");
  const two = { identity: "own-500-0123456789abcdef", images: 500, testImages: null, trainAvail: 400, test: 100 };
  assert.equal(countsText(two), "500 images, split 400 training / 100 test");
  assert.equal(
    loadedText(["a.gz", "b.gz"], two),
    "Your data: a.gz, b.gz: 500 images, split 400 training / 100 test. Dataset own-500-0123456789abcdef.",
  );
  const text = neededText({ description: "300 training + 100 test images, fingerprint 0123456789abcdef" });
  assert.match(text, /300 training \+ 100 test images, fingerprint 0123456789abcdef/);
  assert.match(text, /Use your own data/);
});
