//! One run of the experiment, trained in this module Web Worker by its own
//! wasm instance. The main thread never trains; it only draws what we send.
//!
//! Protocol (every message is a plain object tagged by `type`):
//!
//!   main → worker
//!     {type: "init", k, repeat, config, images: ArrayBuffer, labels: ArrayBuffer}
//!                        build the Trainer of repeat `repeat` of the run with multiplier k
//!                        of `config` (the gzipped IDX bytes are copied, not
//!                        transferred, so the main thread can hand them to the next run)
//!                        and start training at once
//!     {type: "pause"}    stop stepping after the current chunk; keep the trainer
//!     {type: "resume"}   go on
//!     {type: "stop"}     end the run now (status "stopped"); answers with "end"
//!     {type: "predict", id, indices}    → {type: "reply", id, result: {preds, probs, labels}}
//!     {type: "confusion", id}           → {type: "reply", id, result: 10×10 m[true][pred]}
//!     {type: "images", id, indices}     → {type: "reply", id, result: Uint8Array (784 bytes per image)}
//!
//!   worker → main
//!     {type: "ready", plan}               the Trainer exists: {k, batch, lr, kEff, stepsPerEpoch, totalSteps, nTrain, nTest}
//!     {type: "progress", step, totalSteps, lastLoss, wallMs}   a few times per second
//!     {type: "epoch", record}             each finished epoch (EpochRecord, wallMs filled in here)
//!     {type: "end", status, step, snapshot: {predict, confusion} | null}   done | diverged | stopped;
//!                                         predict is for live.js's sampleIndices(plan.nTest)
//!     {type: "error", message}            init or training failed; the run is over
//!     {type: "reply", id, result} / {type: "reply", id, error}
//!
//! Loop: step in chunks sized to ~40 ms of work, then yield to the event loop
//! with setTimeout(0), so a pause or stop that arrived during the chunk is seen
//! before the next chunk. Chunk size follows a running estimate of the time per
//! step (epoch ends, which also evaluate the test split, are not used to size
//! chunks). wallMs counts active time only: paused time is left out so the
//! wall-time axis compares the runs' speeds, not the reader's breaks.
//!
//! Not here: drawing (the main thread draws with plotters), config validation
//! (the Trainer constructor throws a message naming the parameter), and
//! deciding which runs go at once (runs.js).

import init, { Trainer } from "./pkg/lr_batch_playground.js";
import { sampleIndices } from "./live.js";

const CHUNK_MS = 40;
const PROGRESS_MS = 200;

const ready = init();
/** @type {Trainer | null} */
let trainer = null;
let paused = false;
let stopRequested = false;
let wake = null; // resolves the pause wait
let activeMs = 0; // active (unpaused) time before the current stretch
let stretchStart = 0; // performance.now() when the current unpaused stretch began
let started = false; // the active-time clock runs only once training has begun

const post = (msg, transfer) => self.postMessage(msg, transfer || []);
const now = () => performance.now();
const wallMs = () => activeMs + (paused || !started ? 0 : now() - stretchStart);
const tick = () => new Promise((r) => setTimeout(r, 0));

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
    default:
      post({ type: "error", message: `worker: unknown message type ${String(m.type)}` });
  }
};

function fail(err) {
  const message = err && err.message ? err.message : String(err);
  post({ type: "error", message });
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
    if (m.type === "predict") result = JSON.parse(trainer.predict(Uint32Array.from(m.indices)));
    else if (m.type === "confusion") result = JSON.parse(trainer.confusion());
    else result = trainer.testImages(Uint32Array.from(m.indices));
    post({ type: "reply", id: m.id, result });
  } catch (err) {
    post({ type: "reply", id: m.id, error: err && err.message ? err.message : String(err) });
  }
}

async function start(m) {
  await ready;
  trainer = new Trainer(
    JSON.stringify(m.config),
    m.k,
    new Uint8Array(m.images),
    new Uint8Array(m.labels),
    m.repeat ?? 0,
  );
  const plan = JSON.parse(trainer.plan());
  post({ type: "ready", plan });
  started = true;
  stretchStart = now();
  await loop(plan, sampleIndices(plan.nTest));
}

async function loop(plan, sample) {
  let msPerStep = null; // running estimate, from chunks without an epoch end
  let step = 0;
  let lastProgress = 0;
  let status; // set when the loop ends
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
    const n = msPerStep ? Math.max(1, Math.min(100000, Math.round(CHUNK_MS / msPerStep))) : 1;
    const t0 = now();
    const report = JSON.parse(trainer.step(n));
    const dt = now() - t0;
    step += report.steps;
    if (report.epochs.length === 0 && report.steps > 0) {
      const per = dt / report.steps;
      msPerStep = msPerStep === null ? per : 0.7 * msPerStep + 0.3 * per;
    }
    for (const record of report.epochs) {
      record.wallMs = wallMs();
      post({ type: "epoch", record });
    }
    const t = now();
    if (report.status === "running" && t - lastProgress >= PROGRESS_MS) {
      lastProgress = t;
      post({ type: "progress", step, totalSteps: plan.totalSteps, lastLoss: report.lastLoss, wallMs: wallMs() });
    }
    if (report.status !== "running") {
      status = report.status;
      break;
    }
    await tick();
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
