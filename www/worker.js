//! One run of the experiment, trained in this module Web Worker by its own
//! wasm instance. The main thread never trains; it only draws what we send.
//!
//! Protocol (every message is a plain object tagged by `type`):
//!
//!   main → worker
//!     {type: "init", k, repeat, config, images: ArrayBuffer, labels: ArrayBuffer,
//!      testImages?: ArrayBuffer, testLabels?: ArrayBuffer}   (a dataset's own test pair)
//!                        build the Trainer of repeat `repeat` of the run with multiplier k
//!                        of `config` (the gzipped IDX bytes are copied, not
//!                        transferred, so the main thread can hand them to the next run)
//!                        and start training at once
//!     {type: "pause"}    stop stepping after the current chunk; keep the trainer
//!     {type: "resume"}   go on
//!     {type: "stop"}     end the run now (status "stopped"); answers with "end"
//!     {type: "predict", id, indices}    → {type: "reply", id, result: {preds, probs, labels}}
//!     {type: "confusion", id}           → {type: "reply", id, result: 10×10 m[true][pred]}
//!                        both for the weights at the end of the last finished epoch
//!                        (answered from the logits that epoch's evaluation kept, with no
//!                        second pass over the test split), or the current weights before
//!                        the first epoch ends
//!     {type: "images", id, indices}     → {type: "reply", id, result: Uint8Array (784 bytes per image)}
//!     {type: "follow", shard, workers, init, sab?, port?}   (from a leader worker, not the
//!                        main thread) be follower `shard` of a run with `workers` > 1:
//!                        shards.js has that protocol
//!
//!   worker → main
//!     {type: "ready", plan}               the Trainer exists: {k, batch, lr, kEff, stepsPerEpoch, totalSteps, nTrain, nTest,
//!                                         workers, transport ("shared" | "transfer" | null with one worker)}
//!     {type: "progress", step, totalSteps, lastLoss, wallMs}   a few times per second
//!     {type: "epoch", record, timing}     each finished epoch (EpochRecord, wallMs filled in here);
//!                                         timing: where the epoch's active time went, in ms:
//!                                         {wallMs, stepMs (inside trainer.step calls), evalMs,
//!                                         probeMs (both inside stepMs), parseMs (JSON.parse of
//!                                         the step reports), postMs (postMessage), yieldMs
//!                                         (waiting between chunks), chunks, steps, samples}
//!     {type: "end", status, step, snapshot: {predict, confusion} | null}   done | collapsed | diverged | stopped;
//!                                         predict is for live.js's sampleIndices(plan.nTest)
//!     {type: "error", message}            init or training failed; the run is over
//!     {type: "reply", id, result} / {type: "reply", id, error}
//!
//! Loop: step in chunks sized to ~50 ms of work, then yield to the event loop,
//! so a pause or stop that arrived during the chunk is seen before the next chunk.
//! The yield is a message to ourselves through a MessageChannel, not setTimeout(0):
//! nested timeouts are clamped to 4 ms, which idled the worker for 4 ms after every
//! 40 ms chunk (measured: about a tenth of the run). A stop or pause waits for at
//! most the chunk under way. A chunk never runs past the end
//! of an epoch, so the epoch is reported (and its wallMs read) the moment it ends.
//! Chunk size follows a running estimate of the time per step (chunks that end an
//! epoch, which also evaluate the test split, are not used to size chunks).
//! wallMs counts active time only: paused time is left out so the wall-time axis
//! compares the runs' speeds, not the reader's breaks.
//!
//! A run with `workers` W > 1: this worker leads (shard 0) and starts W − 1 follower
//! workers of its own (shards.js); each step of the loop is then one step of the group,
//! and the group is closed (its followers ended) when the run ends, stops or fails.
//!
//! Not here: drawing (the main thread draws with plotters), config validation
//! (the Trainer constructor throws a message naming the parameter), and
//! deciding which runs go at once (runs.js).

import init, { Trainer } from "./pkg/lr_batch_playground.js";
import { sampleIndices } from "./live.js";
import { ShardGroup, follow } from "./shards.js";

const CHUNK_MS = 50;
const PROGRESS_MS = 200;

const ready = init();
/** @type {Trainer | null} */
let trainer = null;
/** @type {ShardGroup | null} the followers of a run with workers > 1 */
let group = null;
let paused = false;
let stopRequested = false;
let wake = null; // resolves the pause wait
let activeMs = 0; // active (unpaused) time before the current stretch
let stretchStart = 0; // performance.now() when the current unpaused stretch began
let started = false; // the active-time clock runs only once training has begun

const post = (msg, transfer) => self.postMessage(msg, transfer || []);
const now = () => performance.now();
const wallMs = () => activeMs + (paused || !started ? 0 : now() - stretchStart);
// The yield between chunks: a task queued behind any message that arrived meanwhile.
const yieldChannel = new MessageChannel();
let resumeLoop = null;
yieldChannel.port1.onmessage = () => {
  const r = resumeLoop;
  resumeLoop = null;
  r?.();
};
const tick = () =>
  new Promise((r) => {
    resumeLoop = r;
    yieldChannel.port2.postMessage(null);
  });

self.onmessage = (e) => {
  const m = e.data;
  switch (m.type) {
    case "init":
      start(m).catch((err) => fail(err));
      break;
    case "pause":
      if (!paused) {
        if (started) activeMs += now() - stretchStart;
        paused = true;
      }
      break;
    case "resume":
      if (paused) {
        paused = false;
        stretchStart = now();
        wake?.();
      }
      break;
    case "stop":
      stopRequested = true;
      wake?.();
      break;
    case "predict":
    case "confusion":
    case "images":
      answer(m);
      break;
    case "follow":
      ready
        .then(() => follow(build(m.init), m, post))
        .catch((err) => post({ type: "error", message: err && err.message ? err.message : String(err) }));
      break;
    default:
      post({ type: "error", message: `worker: unknown message type ${String(m.type)}` });
  }
};

function fail(err) {
  const message = err && err.message ? err.message : String(err);
  post({ type: "error", message });
  group?.close();
  group = null;
  try {
    trainer?.free();
  } catch {
    // a trapped instance may refuse even this
  }
  trainer = null;
}

function answer(m) {
  if (!trainer) {
    post({ type: "reply", id: m.id, error: "the run has no trainer (not started or already freed)" });
    return;
  }
  try {
    let result;
    // The live view shows a run "after epoch N": the last epoch's kept answers cost nothing,
    // while the current weights would need another pass over the test split.
    if (m.type === "predict") {
      const indices = Uint32Array.from(m.indices);
      result = JSON.parse(trainer.epochPredict(indices) ?? trainer.predict(indices));
    } else if (m.type === "confusion") {
      result = JSON.parse(trainer.epochConfusion() ?? trainer.confusion());
    } else result = trainer.testImages(Uint32Array.from(m.indices));
    post({ type: "reply", id: m.id, result });
  } catch (err) {
    post({ type: "reply", id: m.id, error: err && err.message ? err.message : String(err) });
  }
}

/** The Trainer of an "init" message (a follower builds its copy from the leader's). */
function build(m) {
  return new Trainer(
    JSON.stringify(m.config),
    m.k,
    new Uint8Array(m.images),
    new Uint8Array(m.labels),
    m.repeat ?? 0,
    m.testImages ? new Uint8Array(m.testImages) : undefined,
    m.testLabels ? new Uint8Array(m.testLabels) : undefined,
  );
}

async function start(m) {
  await ready;
  trainer = build(m);
  const plan = JSON.parse(trainer.plan());
  plan.workers = trainer.workers();
  plan.transport = null;
  if (plan.workers > 1) {
    group = await ShardGroup.open(trainer, m, new URL(import.meta.url));
    plan.transport = group.kind;
  }
  post({ type: "ready", plan });
  started = true;
  stretchStart = now();
  try {
    await loop(plan, sampleIndices(plan.nTest));
  } finally {
    group?.close();
    group = null;
  }
}

/** Up to `n` steps of the group, as one `trainer.step(n)` report. */
async function groupSteps(n) {
  const out = { steps: 0, lastLoss: null, status: "running", epochs: [], evalMs: 0, probeMs: 0 };
  for (let i = 0; i < n && out.status === "running"; i++) {
    const r = JSON.parse(await group.step());
    out.steps += r.steps;
    if (r.steps > 0) out.lastLoss = r.lastLoss;
    out.status = r.status;
    out.epochs.push(...r.epochs);
    out.evalMs = r.evalMs;
    out.probeMs = r.probeMs;
    // An epoch's end closes the chunk, as `step(n)` never runs past one for the loop.
    if (r.epochs.length > 0) break;
  }
  return JSON.stringify(out);
}

/** Where an epoch's active time goes (see the "epoch" message). */
class EpochTiming {
  constructor() {
    this.reset(0, 0, 0);
  }
  reset(wall, evalMs, probeMs) {
    Object.assign(this, {
      wall0: wall,
      eval0: evalMs,
      probe0: probeMs,
      stepMs: 0,
      parseMs: 0,
      postMs: 0,
      yieldMs: 0,
      chunks: 0,
      steps: 0,
    });
  }
  /** The epoch's figures; then starts the next epoch at `wall`. */
  take(wall, report, samples) {
    const t = {
      wallMs: wall - this.wall0,
      stepMs: this.stepMs,
      evalMs: report.evalMs - this.eval0,
      probeMs: report.probeMs - this.probe0,
      parseMs: this.parseMs,
      postMs: this.postMs,
      yieldMs: this.yieldMs,
      chunks: this.chunks,
      steps: this.steps,
      samples,
    };
    this.reset(wall, report.evalMs, report.probeMs);
    return t;
  }
}

async function loop(plan, sample) {
  let msPerStep = null; // running estimate, from chunks without an epoch end
  let step = 0;
  let samplesBefore = 0; // samples at the end of the last epoch
  let lastProgress = 0;
  let status; // set when the loop ends
  const timing = new EpochTiming();
  for (;;) {
    if (stopRequested) {
      trainer.stop();
      status = "stopped";
      break;
    }
    if (paused) {
      await new Promise((r) => (wake = r));
      wake = null;
      continue;
    }
    const toEpochEnd = plan.stepsPerEpoch - (step % plan.stepsPerEpoch);
    const n = Math.min(toEpochEnd, msPerStep ? Math.max(1, Math.min(100000, Math.round(CHUNK_MS / msPerStep))) : 1);
    const t0 = now();
    const json = group ? await groupSteps(n) : trainer.step(n);
    const t1 = now();
    const report = JSON.parse(json);
    const t2 = now();
    timing.stepMs += t1 - t0;
    timing.parseMs += t2 - t1;
    timing.chunks += 1;
    timing.steps += report.steps;
    step += report.steps;
    if (report.epochs.length === 0 && report.steps > 0) {
      const per = (t1 - t0) / report.steps;
      msPerStep = msPerStep === null ? per : 0.7 * msPerStep + 0.3 * per;
    }
    for (const record of report.epochs) {
      record.wallMs = wallMs();
      const t = timing.take(record.wallMs, report, record.samples - samplesBefore);
      samplesBefore = record.samples;
      const p0 = now();
      post({ type: "epoch", record, timing: t });
      timing.postMs += now() - p0;
    }
    const t = now();
    if (report.status === "running" && t - lastProgress >= PROGRESS_MS) {
      lastProgress = t;
      post({ type: "progress", step, totalSteps: plan.totalSteps, lastLoss: report.lastLoss, wallMs: wallMs() });
      timing.postMs += now() - t;
    }
    if (report.status !== "running") {
      status = report.status;
      break;
    }
    const y0 = now();
    await tick();
    timing.yieldMs += now() - y0;
  }
  if (!paused) {
    activeMs += now() - stretchStart;
    paused = true; // freezes wallMs from here on
  }
  post({ type: "progress", step, totalSteps: plan.totalSteps, lastLoss: NaN, wallMs: activeMs });
  post({ type: "end", status, step, snapshot: snapshot(sample) });
}

/** The live view's last picture of this run, so a finished run can still be shown. */
function snapshot(sample) {
  if (!sample.length) return null;
  try {
    return {
      predict: JSON.parse(trainer.predict(Uint32Array.from(sample))),
      confusion: JSON.parse(trainer.confusion()),
    };
  } catch {
    return null;
  }
}
