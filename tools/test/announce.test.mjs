// The embedding page's events (www/announce.js).

import { test } from "node:test";
import assert from "node:assert/strict";
import { epochMessage, doneMessage, announce, EPOCH, DONE } from "../../www/announce.js";

test("an epoch message carries the run and its record, noise scale null until measured", () => {
  const r = { index: 3, k: 4, repeat: 1, plan: { batch: 32, lr: 0.004 } };
  const record = {
    epoch: 2,
    step: 500,
    samples: 16000,
    wallMs: 1234,
    trainLoss: 0.5,
    testLoss: 0.6,
    testAcc: 0.9,
    noiseScale: NaN,
    status: "running",
    lr: 0.002,
  };
  const m = epochMessage(r, record);
  assert.deepEqual(m, {
    type: EPOCH,
    run: 3,
    k: 4,
    repeat: 1,
    batch: 32,
    lr: 0.004,
    epoch: 2,
    step: 500,
    samples: 16000,
    wallMs: 1234,
    trainLoss: 0.5,
    testLoss: 0.6,
    testAcc: 0.9,
    noiseScale: null,
    noiseSpread: null,
    peakLoss: null,
    status: "running",
    lrNow: 0.002,
  });
  assert.equal(epochMessage(r, { ...record, peakLoss: 2.5e7, status: "collapsed" }).peakLoss, 2.5e7);
  assert.equal(epochMessage(r, { ...record, noiseSpread: 12.5 }).noiseSpread, 12.5);
  assert.equal(epochMessage(r, { ...record, noiseScale: 40, batch: 8 }).noiseScale, 40);
  assert.equal(epochMessage(r, { ...record, batch: 8 }).batch, 8);
});

test("announce posts to the parent only when framed, and always dispatches", () => {
  const posted = [];
  const dispatched = [];
  const document = { dispatchEvent: (e) => dispatched.push(e) };
  const top = { document, postMessage: () => assert.fail("posted to itself") };
  top.parent = top;
  announce(doneMessage([]), top);
  assert.equal(dispatched.length, 1);
  assert.equal(dispatched[0].type, DONE);
  assert.deepEqual(dispatched[0].detail, { type: DONE, runs: [] });
  const parent = { postMessage: (msg, target) => posted.push([msg, target]) };
  const framed = { document, parent };
  announce(doneMessage([{ run: 0 }]), framed);
  assert.deepEqual(posted, [[{ type: DONE, runs: [{ run: 0 }] }, "*"]]);
  assert.equal(dispatched.length, 2);
});
