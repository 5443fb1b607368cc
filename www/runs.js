//! The runs of one experiment and the pool of Web Workers that train them.
//!
//! The runs are the core's list (wasm `experimentRuns`, i.e. `Config::runs`): one per
//! k × repeat in curves mode, one per grid cell × repeat in landscape mode, each with its
//! own single-run config, k and repeat, which is exactly what its worker's Trainer is
//! built from. Each run that trains gets its own module worker (worker.js,
//! its own wasm instance, its own copy of the data). At most `slots` runs hold
//! a worker at once (navigator.hardwareConcurrency by default); the others
//! wait in order. A paused run keeps its worker and its slot (its weights live
//! in that worker's memory). A run that ends (done, diverged, stopped, error)
//! gives its worker back at once, so a 64-run sweep never holds 64 wasm
//! memories; the live view's last picture of it comes in the "end" message.
//!
//! Run states:
//!   idle → queued → loading → running ⇄ paused → done | diverged | stopped | error
//!   (a queued run can be paused too: it then waits without a worker)
//!
//! Events (this is an EventTarget): "change" {run} whenever a run's state,
//! progress or records change; "epoch" {run, record} per finished epoch;
//! "end" {run}; "done" {runs} once every started run has ended.
//!
//! Not here: the DOM, the chart, the URL. The main thread never trains.

const TERMINAL = new Set(["done", "diverged", "stopped", "error"]);
const STOP_GRACE_MS = 3000;

export class Experiment extends EventTarget {
  /**
   * @param {{loadData: () => Promise<{images: ArrayBuffer, labels: ArrayBuffer}>, slots?: number}} opts
   */
  constructor(opts) {
    super();
    this.loadData = opts.loadData;
    this.slots = Math.max(1, opts.slots || navigator.hardwareConcurrency || 2);
    this.config = null;
    /** @type {Run[]} */
    this.runs = [];
    this.nextRequest = 1;
    this.doneAnnounced = true;
  }

  /**
   * Replaces the experiment: every worker is ended, one idle run per spec.
   * @param {object} config  the whole experiment
   * @param {{config: object, k: number, repeat: number, cell: number[]|null, plan: object}[]} specs
   *   its runs in order (from experimentRuns, each with its plan)
   */
  setConfig(config, specs) {
    this.resetAll();
    this.config = structuredClone(config);
    this.runs = specs.map((spec, i) => new Run(i, spec));
    this.doneAnnounced = true;
    this.emit("change", { run: null });
  }

  // --- whole experiment ---

  /** Starts every run that has not started; restarts all if every run has ended. */
  startAll() {
    const fresh = this.runs.filter((r) => r.status === "idle");
    const targets = fresh.length ? fresh : this.runs.filter((r) => TERMINAL.has(r.status));
    for (const r of targets) this.start(r.index);
  }
  pauseAll() {
    for (const r of this.runs) this.pause(r.index);
  }
  resumeAll() {
    for (const r of this.runs) this.resume(r.index);
  }
  stopAll() {
    for (const r of this.runs) this.stop(r.index);
  }
  resetAll() {
    for (const r of this.runs) this.reset(r.index, false);
    this.doneAnnounced = true;
    this.emit("change", { run: null });
  }

  /** "idle" | "running" | "paused" | "ended": what the experiment-wide button offers. */
  get phase() {
    const s = this.runs.map((r) => r.status);
    if (s.some((x) => x === "queued" || x === "loading" || x === "running")) return "running";
    if (s.some((x) => x === "paused")) return "paused";
    if (s.some((x) => x === "idle")) return "idle";
    return "ended";
  }

  // --- one run ---

  start(i) {
    const r = this.runs[i];
    if (!r || !(r.status === "idle" || TERMINAL.has(r.status))) return;
    r.clear();
    r.status = "queued";
    this.doneAnnounced = false;
    this.emit("change", { run: r });
    this.schedule();
  }

  pause(i) {
    const r = this.runs[i];
    if (!r) return;
    if (r.status === "running" || r.status === "loading") {
      r.worker.postMessage({ type: "pause" });
      r.status = "paused";
    } else if (r.status === "queued") {
      r.status = "paused"; // waits without a worker
    } else return;
    this.emit("change", { run: r });
  }

  resume(i) {
    const r = this.runs[i];
    if (!r || r.status !== "paused") return;
    if (r.worker) {
      r.worker.postMessage({ type: "resume" });
      r.status = r.ready ? "running" : "loading";
    } else {
      r.status = "queued";
    }
    this.emit("change", { run: r });
    this.schedule();
  }

  stop(i) {
    const r = this.runs[i];
    if (!r || r.status === "idle" || TERMINAL.has(r.status)) return;
    if (!r.worker) {
      this.finish(r, "stopped");
      return;
    }
    r.worker.postMessage({ type: "stop" });
    // The worker answers between two chunks; if it cannot (stuck in a long
    // step, or a wasm trap left it unresponsive) end it anyway.
    clearTimeout(r.stopTimer);
    r.stopTimer = setTimeout(() => {
      if (r.worker) this.finish(r, "stopped");
    }, STOP_GRACE_MS);
  }

  reset(i, emit = true) {
    const r = this.runs[i];
    if (!r) return;
    this.release(r);
    r.clear();
    r.status = "idle";
    if (emit) {
      this.emit("change", { run: r });
      this.schedule();
      this.maybeDone();
    }
  }

  /** Asks a run's worker (predict / confusion / images); rejects if it has none. */
  request(i, msg) {
    const r = this.runs[i];
    if (!r || !r.worker || !r.ready) return Promise.reject(new Error("run has no live worker"));
    const id = this.nextRequest++;
    return new Promise((resolve, reject) => {
      r.pending.set(id, { resolve, reject });
      r.worker.postMessage({ ...msg, id });
    });
  }

  /** Summaries of every run, as announced in the "done" event. */
  summary() {
    return this.runs.map((r) => {
      const last = r.records[r.records.length - 1];
      return {
        run: r.index,
        k: r.k,
        repeat: r.repeat,
        cell: r.cell,
        batch: r.plan?.batch ?? null,
        lr: r.plan?.lr ?? null,
        status: r.status,
        epochs: last ? last.epoch : 0,
        step: last ? last.step : r.step,
        samples: last ? last.samples : 0,
        testAcc: last ? last.testAcc : null,
        testLoss: last ? last.testLoss : null,
        trainLoss: last ? last.trainLoss : null,
        wallMs: last ? last.wallMs : null,
        error: r.error,
      };
    });
  }

  // --- internals ---

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  schedule() {
    let busy = this.runs.filter((r) => r.worker).length;
    for (const r of this.runs) {
      if (busy >= this.slots) break;
      if (r.status !== "queued") continue;
      busy++;
      this.launch(r);
    }
  }

  launch(r) {
    r.status = "loading";
    const generation = ++r.generation;
    const worker = new Worker(new URL("./worker.js", import.meta.url), {
      type: "module",
      name: `run ${r.index} (k=${r.k}, repeat ${r.repeat})`,
    });
    r.worker = worker;
    worker.onmessage = (e) => this.onMessage(r, generation, e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      if (r.generation !== generation) return;
      this.fail(r, e.message || "the worker failed to load");
    };
    worker.onmessageerror = () => r.generation === generation && this.fail(r, "a worker message could not be read");
    this.emit("change", { run: r });
    this.loadData().then(
      (data) => {
        if (r.generation !== generation) return;
        worker.postMessage({
          type: "init",
          k: r.k,
          repeat: r.repeat,
          config: r.config,
          images: data.images,
          labels: data.labels,
        });
        // A pause pressed while loading: the worker starts, then pauses at once.
        if (r.status === "paused") worker.postMessage({ type: "pause" });
      },
      (err) => r.generation === generation && this.fail(r, `could not load the MNIST data: ${err.message}`),
    );
  }

  onMessage(r, generation, m) {
    if (r.generation !== generation) return; // a message from a worker we already ended
    switch (m.type) {
      case "ready":
        r.ready = true;
        r.plan = { ...r.plan, ...m.plan };
        if (r.status === "loading") r.status = "running";
        break;
      case "progress":
        r.step = m.step;
        r.totalSteps = m.totalSteps;
        r.wallMs = m.wallMs;
        if (Number.isFinite(m.lastLoss)) r.lastLoss = m.lastLoss;
        break;
      case "epoch":
        r.records.push(m.record);
        r.step = m.record.step;
        r.wallMs = m.record.wallMs;
        if (m.record.status === "diverged") r.divergedAt = m.record.step;
        this.emit("epoch", { run: r, record: m.record });
        break;
      case "end":
        r.step = m.step;
        if (m.status === "diverged" && r.divergedAt == null) r.divergedAt = m.step;
        r.snapshot = m.snapshot;
        this.finish(r, m.status);
        return;
      case "error":
        this.fail(r, m.message);
        return;
      case "reply": {
        const p = r.pending.get(m.id);
        if (!p) return;
        r.pending.delete(m.id);
        if (m.error) p.reject(new Error(m.error));
        else p.resolve(m.result);
        return;
      }
      default:
        return;
    }
    this.emit("change", { run: r });
  }

  fail(r, message) {
    r.error = message;
    this.finish(r, "error");
  }

  finish(r, status) {
    this.release(r);
    r.status = status;
    this.emit("change", { run: r });
    this.emit("end", { run: r });
    this.schedule();
    this.maybeDone();
  }

  /** Ends a run's worker (if any) and rejects its pending requests. */
  release(r) {
    clearTimeout(r.stopTimer);
    r.generation++;
    if (r.worker) {
      r.worker.terminate();
      r.worker = null;
    }
    r.ready = false;
    for (const p of r.pending.values()) p.reject(new Error("the run ended"));
    r.pending.clear();
  }

  maybeDone() {
    if (this.doneAnnounced) return;
    const started = this.runs.filter((r) => r.status !== "idle");
    if (started.length && started.every((r) => TERMINAL.has(r.status))) {
      this.doneAnnounced = true;
      this.emit("done", { runs: this.summary() });
    }
  }
}

/** One run: its k, repeat and cell, its plan, its state and what it has reported. */
class Run {
  constructor(index, spec) {
    this.index = index;
    this.k = spec.k;
    /** Which repeat (seed offset) of its k or cell: 0 … repeats−1. */
    this.repeat = spec.repeat;
    /** [row, column] of the landscape grid, or null in curves mode. */
    this.cell = spec.cell ?? null;
    /** The run's own single-k config, as the Trainer takes it. */
    this.config = spec.config;
    /** {k, batch, lr, kEff, stepsPerEpoch, totalSteps?, nTrain?, nTest?} */
    this.plan = spec.plan;
    this.status = "idle";
    this.worker = null;
    this.generation = 0;
    this.pending = new Map();
    this.clear();
  }

  clear() {
    this.ready = false;
    this.records = [];
    this.step = 0;
    this.totalSteps = null;
    this.lastLoss = null;
    this.wallMs = 0;
    this.divergedAt = null;
    this.error = null;
    this.snapshot = null;
  }

  /** Fraction done, 0..1. */
  get progress() {
    if (this.status === "done") return 1;
    const total = this.totalSteps || this.plan?.totalSteps;
    return total ? Math.min(1, this.step / total) : 0;
  }
}

export { TERMINAL };
