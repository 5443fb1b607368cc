//! The runs of one experiment and the pool of Web Workers that train them.
//!
//! The runs are the core's list (wasm `experimentRuns`, i.e. `Config::runs`): one per
//! k × repeat in curves mode, one per grid cell × repeat in landscape mode, each with its
//! own single-run config, k and repeat, which is exactly what its worker's Trainer is
//! built from, and with the core's group (its curve or cell), seed, label and plan.
//! Each run that trains gets its own module worker (worker.js,
//! its own wasm instance, its own copy of the data). The runs holding workers use at
//! most `slots` workers at once (pool.js: the hardware threads, capped), a run with
//! `workers` W counting W (its worker leads W − 1 followers of its own, shards.js); the
//! others wait in order. No worker starts before the data is loaded (data.js): while
//! the download is under way or has failed, queued runs stay queued, and one
//! "datafailed" event tells the page, which offers a Retry; `schedule()` after a
//! successful retry starts them. A paused run keeps its worker and its slot (its weights live
//! in that worker's memory). A run that ends (done, diverged, stopped, error)
//! gives its worker back at once, so a 64-run sweep never holds 64 wasm
//! memories; the live view's last picture of it comes in the "end" message.
//!
//! Run states:
//!   idle → queued → loading → running ⇄ paused → done | collapsed | diverged | stopped | error
//! (collapsed: trained to the end but answering one class, judged by the core)
//!   (a queued run can be paused too: it then waits without a worker)
//!
//! Holding: `hold(true)` pauses every active run on the page's behalf (a framed
//! page scrolled out of view, a hidden tab) and `hold(false)` resumes exactly
//! those; while held, no queued run starts. A reader's own pauses are untouched.
//!
//! Events (this is an EventTarget): "change" {run} whenever a run's state,
//! progress or records change; "epoch" {run, record} per finished epoch;
//! "end" {run}; "done" {runs} once every started run has ended;
//! "datafailed" {error} once per failed download that queued runs wait for.
//!
//! Not here: the DOM, the chart, the URL. The main thread never trains.

const STOP_GRACE_MS = 3000;

export class Experiment extends EventTarget {
  /**
   * @param {{data: import("./data.js").DataSource, slots: number, terminal: Set<string>}} opts
   *   the data files, the pool size, and the statuses that end a run (wasm runStatuses)
   */
  constructor(opts) {
    super();
    this.data = opts.data;
    this.slots = Math.max(1, opts.slots);
    this.terminal = opts.terminal;
    this.held = false;
    this.waiting = false; // a data download that queued runs wait for
    this.config = null;
    /** @type {Run[]} */
    this.runs = [];
    this.nextRequest = 1;
    this.doneAnnounced = true;
  }

  /**
   * Replaces the experiment: every worker is ended, one idle run per spec.
   * @param {object} config  the whole experiment
   * @param {object[]} specs  its runs in order (experimentRuns' rows)
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
    const targets = fresh.length ? fresh : this.runs.filter((r) => this.terminal.has(r.status));
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

  /**
   * Pauses every active run on the page's behalf (`held` true) or resumes the runs it
   * paused (false); while held, queued runs do not start.
   */
  hold(held) {
    if (held === this.held) return;
    this.held = held;
    for (const r of this.runs) {
      if (held && (r.status === "running" || r.status === "loading")) {
        this.pause(r.index);
        r.heldByPage = true;
      } else if (!held && r.heldByPage) {
        r.heldByPage = false;
        this.resume(r.index);
      }
    }
    if (!held) this.schedule();
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
    if (!r || !(r.status === "idle" || this.terminal.has(r.status))) return;
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
    r.heldByPage = false;
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
    if (!r || r.status === "idle" || this.terminal.has(r.status)) return;
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
        // A collapsed or diverged run's scores are not results: `failed` says so.
        failed: r.status === "collapsed" || r.status === "diverged",
        testAcc: last ? last.testAcc : null,
        testLoss: last ? last.testLoss : null,
        peakLoss: last && Number.isFinite(last.peakLoss) ? last.peakLoss : null,
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
    if (this.held || !this.runs.some((r) => r.status === "queued")) return;
    if (!this.data.ready) {
      this.waitForData();
      return;
    }
    let busy = this.runs.filter((r) => r.worker).reduce((n, r) => n + this.need(r), 0);
    for (const r of this.runs) {
      if (r.status !== "queued") continue;
      // In order: a run waits until all its workers are free, and the runs after it too.
      if (busy + this.need(r) > this.slots) break;
      busy += this.need(r);
      this.launch(r);
    }
  }

  /**
   * Pool slots a run holds while it has a worker: its `workers` W (the leader and its
   * W − 1 followers, shards.js), at most the whole pool, so a run wider than the pool
   * still starts (alone, its workers sharing the pool's threads).
   */
  need(r) {
    return Math.min(Math.max(1, r.config?.workers ?? 1), this.slots);
  }

  /** Starts (or joins) the download; queued runs start when it arrives, and wait if it fails. */
  waitForData() {
    if (this.waiting) return;
    this.waiting = true;
    this.data.load().then(
      () => {
        this.waiting = false;
        this.schedule();
      },
      (error) => {
        this.waiting = false;
        this.emit("datafailed", { error });
      },
    );
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
    const data = this.data.value; // launched only once the data is ready
    worker.postMessage({
      type: "init",
      k: r.k,
      repeat: r.repeat,
      config: r.config,
      images: data.images,
      labels: data.labels,
      testImages: data.testImages, // a dataset with its own test pair (owndata.js)
      testLabels: data.testLabels,
    });
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
    if (started.length && started.every((r) => this.terminal.has(r.status))) {
      this.doneAnnounced = true;
      this.emit("done", { runs: this.summary() });
    }
  }
}

/** One run: its k, repeat and cell, its plan, its state and what it has reported. */
class Run {
  constructor(index, spec) {
    this.index = index;
    /** Which curve (curves mode) or grid cell (landscape) it belongs to, and how many there are. */
    this.group = spec.group;
    this.groupCount = spec.groupCount;
    /** The curve's legend name ("k = 4", "B 32, η 0.1"). */
    this.label = spec.label;
    /** The seed it trains with (init and dropout), as the core derives it. */
    this.seed = spec.seed;
    this.k = spec.k;
    /** Which repeat (seed offset) of its k or cell: 0 … repeats−1. */
    this.repeat = spec.repeat;
    /** [row, column] of the landscape grid, or null in curves mode. */
    this.cell = spec.cell ?? null;
    /** The run's own single-k config, as the Trainer takes it. */
    this.config = spec.config;
    /** {batch, lr, kEff, stepsPerEpoch, totalSteps, nTrain, nTest}: the core's, then the worker's. */
    this.plan = {
      batch: spec.batch,
      lr: spec.lr,
      kEff: spec.kEff,
      stepsPerEpoch: spec.stepsPerEpoch,
      totalSteps: spec.totalSteps,
      nTrain: spec.trainSize,
      nTest: spec.testSize,
    };
    this.status = "idle";
    this.heldByPage = false;
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
