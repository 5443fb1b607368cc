//! The bench page's worker: one wasm instance that runs speed probes on request.
//! Nothing here is timed by JS except the memory run's epochs; the probes time
//! themselves inside wasm (`src/web/bench.rs`).
//!
//! Protocol (plain objects; every request has an id, every answer repeats it):
//!
//!   main → worker
//!     {id, op: "init", images: ArrayBuffer, labels: ArrayBuffer}
//!                               keep a copy of the data → {bytes} (wasm memory size)
//!     {id, op: "train", batch, steps}
//!                               benchTrain → {batch, steps, msPerStep, samplesPerSec,
//!                                             gflops, flopPerSample, meanLoss, kernels}
//!     {id, op: "eval", reps}    benchEval → {samples, reps, msPerPass, samplesPerSec, gflops,
//!                                            correct}
//!     {id, op: "kernels", batch, reps}
//!                               benchKernels → [{kernel, ms, training}]
//!     {id, op: "config", query} parseQuery → {config, errors}: the experiment of a URL query
//!     {id, op: "memory", query} train a real Trainer (config from the URL query) to its end
//!                               and report the wasm memory size: {bytesAtStart,
//!                               bytesAfterSetup, bytesAfterEpoch1, bytesAtEnd, epochs, ms,
//!                               testAcc}
//!
//!   worker → main
//!     {id, result} or {id, error}
//!
//! Memory is read as `memory.buffer.byteLength` of the wasm module's own memory (the
//! `init()` result), fresh each time: a view kept across calls would detach when the
//! memory grows.

import init, { Trainer, benchTrain, benchEval, benchKernels, parseQuery } from "./pkg/lr_batch_playground.js";

const ready = init();
let data = null; // {images: Uint8Array, labels: Uint8Array}

self.onmessage = async (e) => {
  const { id, op } = e.data;
  try {
    const wasm = await ready;
    const result = run(wasm, op, e.data);
    self.postMessage({ id, result });
  } catch (err) {
    self.postMessage({ id, error: err && err.message ? err.message : String(err) });
  }
};

function run(wasm, op, m) {
  if (op === "init") {
    data = { images: new Uint8Array(m.images), labels: new Uint8Array(m.labels) };
    return { bytes: wasm.memory.buffer.byteLength };
  }
  if (!data) throw new Error(`bench worker: "${op}" before "init"`);
  switch (op) {
    case "train":
      return JSON.parse(benchTrain(m.batch, m.steps, data.images, data.labels));
    case "eval":
      return JSON.parse(benchEval(m.reps, data.images, data.labels));
    case "kernels":
      return JSON.parse(benchKernels(m.batch, m.reps, data.images, data.labels));
    case "memory":
      return memory(wasm, m.query);
    case "config":
      return JSON.parse(parseQuery(m.query, ""));
    default:
      throw new Error(`bench worker: unknown op ${String(op)}`);
  }
}

/** Trains one run of `query` to its end, reading the memory size as it goes. */
function memory(wasm, query) {
  const bytes = () => wasm.memory.buffer.byteLength;
  const bytesAtStart = bytes();
  const parsed = JSON.parse(parseQuery(query, ""));
  if (parsed.errors.length) {
    throw new Error(`memory run: bad query: ${JSON.stringify(parsed.errors)}`);
  }
  const t0 = performance.now();
  const config = JSON.stringify(parsed.config);
  const trainer = new Trainer(config, parsed.config.k[0], data.images, data.labels);
  try {
    const plan = JSON.parse(trainer.plan());
    const bytesAfterSetup = bytes();
    let bytesAfterEpoch1 = null;
    let epochs = 0;
    let last = null;
    for (;;) {
      const report = JSON.parse(trainer.step(plan.stepsPerEpoch));
      for (const r of report.epochs) {
        epochs += 1;
        last = r;
        if (epochs === 1) bytesAfterEpoch1 = bytes();
      }
      if (report.status !== "running") break;
    }
    return {
      bytesAtStart,
      bytesAfterSetup,
      bytesAfterEpoch1,
      bytesAtEnd: bytes(),
      epochs,
      ms: performance.now() - t0,
      testAcc: last ? last.testAcc : null,
    };
  } finally {
    trainer.free();
  }
}
