// The run pool (www/runs.js) with stand-in workers: slots, one data failure, holding.

import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { Experiment } from "../../www/runs.js";
import { DataSource } from "../../www/data.js";

const TERMINAL = new Set(["done", "diverged", "stopped", "error"]);
let workers = [];

class FakeWorker {
  constructor(url, opts) {
    this.url = String(url);
    this.opts = opts;
    this.sent = [];
    this.terminated = false;
    workers.push(this);
  }
  postMessage(m) {
    this.sent.push(m);
  }
  terminate() {
    this.terminated = true;
  }
}

beforeEach(() => {
  workers = [];
  globalThis.Worker = FakeWorker;
});

function spec(i) {
  return {
    index: i,
    group: i >> 1,
    groupCount: 2,
    label: `k = ${i}`,
    k: 1 + (i >> 1),
    repeat: i & 1,
    cell: null,
    seed: 1 + (i & 1),
    batch: 8,
    lr: 0.001,
    kEff: 1,
    stepsPerEpoch: 10,
    totalSteps: 10,
    trainSize: 80,
    testSize: 20,
    config: { seed: 1 },
  };
}

/** A fetch that fails (`ok` false) or answers, counting its calls. */
function fakeFetch(ok) {
  const f = async (url) => {
    f.calls++;
    if (!ok.value) throw new Error(`${url}: offline`);
    return { ok: true, status: 200, arrayBuffer: async () => new ArrayBuffer(8) };
  };
  f.calls = 0;
  return f;
}

const tick = () => new Promise((r) => setTimeout(r, 0));

test("with the data unreachable, 640 queued runs make one download, one event, no worker", async () => {
  const ok = { value: false };
  const fetch = fakeFetch(ok);
  const data = new DataSource(undefined, fetch);
  const ex = new Experiment({ data, slots: 2, terminal: TERMINAL });
  ex.setConfig(
    {},
    Array.from({ length: 640 }, (_, i) => spec(i)),
  );
  const failed = [];
  ex.addEventListener("datafailed", (e) => failed.push(e.detail.error.message));
  ex.startAll();
  await tick();
  await tick();
  assert.equal(fetch.calls, 2, "one attempt: the two files, once");
  assert.equal(failed.length, 1, failed.join(" | "));
  assert.equal(workers.length, 0, "no worker started");
  assert.ok(
    ex.runs.every((r) => r.status === "queued"),
    "the runs wait instead of failing",
  );
  assert.equal(data.state, "failed");

  // Retry with the data back: the pool fills its two slots, the rest keep waiting.
  ok.value = true;
  ex.schedule();
  await tick();
  await tick();
  assert.equal(fetch.calls, 4);
  assert.equal(workers.length, 2);
  assert.deepEqual(
    workers.map((w) => w.sent[0].type),
    ["init", "init"],
  );
  assert.equal(ex.runs.filter((r) => r.status === "loading").length, 2);
  assert.equal(ex.runs.filter((r) => r.status === "queued").length, 638);
  assert.equal(failed.length, 1);
});

test("runs carry the core's group, seed, label and plan", () => {
  const data = new DataSource(undefined, fakeFetch({ value: true }));
  const ex = new Experiment({ data, slots: 2, terminal: TERMINAL });
  ex.setConfig({}, [spec(0), spec(3)]);
  const r = ex.runs[1];
  assert.deepEqual([r.group, r.groupCount, r.seed, r.label, r.k, r.repeat], [1, 2, 2, "k = 3", 2, 1]);
  assert.deepEqual(r.plan, { batch: 8, lr: 0.001, kEff: 1, stepsPerEpoch: 10, totalSteps: 10, nTrain: 80, nTest: 20 });
});

test("hold pauses the active runs, starts nothing, and resumes only what it paused", async () => {
  const data = new DataSource(undefined, fakeFetch({ value: true }));
  await data.load();
  const ex = new Experiment({ data, slots: 2, terminal: TERMINAL });
  ex.setConfig({}, [spec(0), spec(1), spec(2)]);
  ex.startAll();
  assert.equal(workers.length, 2);
  ex.pause(1); // the reader's own pause
  ex.hold(true);
  assert.deepEqual(
    ex.runs.map((r) => r.status),
    ["paused", "paused", "queued"],
  );
  assert.equal(workers[0].sent.at(-1).type, "pause");
  ex.schedule();
  assert.equal(workers.length, 2, "nothing starts while held");
  ex.hold(false);
  assert.deepEqual(
    ex.runs.map((r) => r.status),
    ["loading", "paused", "queued"],
  );
  assert.equal(workers[0].sent.at(-1).type, "resume");
  assert.equal(workers[1].sent.at(-1).type, "pause", "the reader's pause stands");
});

test("the pool never holds more workers than its slots", async () => {
  const data = new DataSource(undefined, fakeFetch({ value: true }));
  await data.load();
  const ex = new Experiment({ data, slots: 3, terminal: TERMINAL });
  ex.setConfig(
    {},
    Array.from({ length: 10 }, (_, i) => spec(i)),
  );
  ex.startAll();
  assert.equal(workers.length, 3);
  ex.stop(0); // a run without an answer from its worker: stopped after the grace period
  ex.finish(ex.runs[1], "done");
  assert.equal(workers.length, 4, "an ended run's slot goes to the next queued run");
  assert.ok(workers[1].terminated);
  assert.equal(ex.runs.filter((r) => r.worker).length, 3);
  ex.resetAll();
  assert.ok(workers.every((w) => w.terminated));
});
