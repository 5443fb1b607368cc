// One run's steps shared by W workers (the `workers` parameter): the leader (the run's
// worker, worker.js) starts W − 1 follower workers, each with its own copy of the run's
// Trainer, and every step each copy computes its shard's gradient (the core's rule,
// `train/parallel.rs`: wasm `shardGradient`), then every copy applies all W gradients,
// combined by the core in shard order (`applyShards`), so all copies keep the same weights.
// Only the leader talks to the main thread and reports records.
//
// Transport, decided once per page (`transport()`):
//   "shared"   the page is cross-origin isolated (`crossOriginIsolated`): the gradients go
//              through one SharedArrayBuffer, (2 sets × W × P) f32 plus (2 × W) loss sums and
//              batch ends, with an Int32 control block and Atomics: the leader bumps GO to
//              start a step, each copy writes its slot and bumps ARRIVED, every copy waits
//              (Atomics.wait) until ARRIVED reaches W per step so far: one barrier per step.
//              Two sets of slots used in turn, so a copy writing step t + 1 never overwrites
//              what a slower one still reads of step t.
//   "transfer" otherwise: a MessageChannel per follower; the leader posts "go", each
//              follower answers with its gradient in a transferred ArrayBuffer, the leader
//              sends every follower all W gradients (transferred), and all apply them: two
//              message hops per step. Same numbers as "shared", bit for bit.
//
// Leader ↔ follower protocol (follower worker messages, tagged by `type`):
//   leader → follower  {type: "follow", shard, workers, init, sab?, port?}  build the copy
//   follower → leader  {type: "followready"} | {type: "error", message}
//   over the port ("transfer"):  leader → {type: "go"} | {type: "apply", grads, losses, end}
//                                follower → {type: "grad", shard, grad, loss, end}
// A follower error fails the whole run (the leader posts "error" and ends every follower);
// stop, reset and the run's end close the group (the leader terminates its followers, and
// a terminated leader takes its followers with it).
//
// Not here: the loop, pause and stop (worker.js), the pool's accounting (runs.js).

/** "shared" when gradients can go through shared memory, else "transfer". */
export function transport() {
  return globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === "function" ? "shared" : "transfer";
}

// The control block's cells.
const GO = 0; // steps the leader has started
const ARRIVED = 1; // shard gradients written, over all steps
const FAILED = 2; // 1 once any copy failed

/** Waits (blocking; workers only) until ctl[i] ≥ target or the group failed. */
function waitAtLeast(ctl, i, target) {
  for (;;) {
    if (Atomics.load(ctl, FAILED)) throw new Error("a shard worker failed");
    const v = Atomics.load(ctl, i);
    if (v >= target) return;
    Atomics.wait(ctl, i, v, 1000);
  }
}

/** Views of the shared block for W workers of P parameters. */
function sharedViews(sab, w, p) {
  const ctlBytes = 16;
  const metaBytes = 2 * w * 2 * 8;
  return {
    ctl: new Int32Array(sab, 0, 4),
    meta: new Float64Array(sab, ctlBytes, 2 * w * 2), // (set, shard, [loss, end])
    grads: new Float32Array(sab, ctlBytes + metaBytes, 2 * w * p), // (set, shard, P)
  };
}

function sharedBytes(w, p) {
  return 16 + 2 * w * 2 * 8 + 2 * w * p * 4;
}

/** One step of copy `s` through the shared block: shard, barrier, apply. The report. */
function sharedStep(trainer, v, w, p, s, t) {
  const set = t & 1;
  const slot = v.grads.subarray((set * w + s) * p, (set * w + s + 1) * p);
  const res = trainer.shardGradient(s, slot);
  if (!res) throw new Error("the run has ended");
  v.meta.set(res, (set * w + s) * 2);
  Atomics.add(v.ctl, ARRIVED, 1);
  Atomics.notify(v.ctl, ARRIVED);
  waitAtLeast(v.ctl, ARRIVED, (t + 1) * w);
  const losses = new Float64Array(w);
  for (let i = 0; i < w; i++) losses[i] = v.meta[(set * w + i) * 2];
  const end = v.meta[set * w * 2 + 1];
  return trainer.applyShards(v.grads.subarray(set * w * p, (set + 1) * w * p), losses, end);
}

/** The leader's side: W − 1 followers and the step. */
export class ShardGroup {
  /**
   * Starts the followers of `trainer` (the leader's copy, shard 0) and waits until each
   * has built its copy from `init` (the run's "init" message).
   */
  static async open(trainer, init, workerUrl) {
    const g = new ShardGroup(trainer, transport());
    await g.start(init, workerUrl);
    return g;
  }

  constructor(trainer, kind) {
    this.trainer = trainer;
    this.kind = kind;
    this.w = trainer.workers();
    this.p = trainer.numParams();
    this.t = 0; // steps taken by the group
    this.followers = [];
    this.ports = [];
    this.failure = null;
  }

  async start(init, workerUrl) {
    if (this.kind === "shared") {
      this.sab = new SharedArrayBuffer(sharedBytes(this.w, this.p));
      this.views = sharedViews(this.sab, this.w, this.p);
    }
    const readies = [];
    for (let s = 1; s < this.w; s++) {
      const worker = new Worker(workerUrl, { type: "module", name: `shard ${s}` });
      this.followers.push(worker);
      const msg = { type: "follow", shard: s, workers: this.w, init, sab: this.sab };
      const transfer = [];
      if (this.kind === "transfer") {
        const ch = new MessageChannel();
        this.ports.push(ch.port1);
        msg.port = ch.port2;
        transfer.push(ch.port2);
      }
      readies.push(
        new Promise((resolve, reject) => {
          worker.onmessage = (e) => {
            if (e.data.type === "followready") resolve();
            else if (e.data.type === "error") {
              this.fail(`shard ${s}: ${e.data.message}`);
              reject(new Error(this.failure));
            }
          };
          worker.onerror = (e) => {
            e.preventDefault();
            this.fail(`shard ${s}: ${e.message || "the worker failed to load"}`);
            reject(new Error(this.failure));
          };
        }),
      );
      worker.postMessage(msg, transfer);
    }
    await Promise.all(readies);
  }

  fail(message) {
    if (!this.failure) this.failure = message;
    if (this.views) {
      Atomics.store(this.views.ctl, FAILED, 1);
      Atomics.notify(this.views.ctl, ARRIVED);
    }
    for (const r of this.pending ?? []) r.reject(new Error(this.failure));
    this.pending = null;
  }

  /** One step of the whole group; the leader's report (as `Trainer.step(1)`'s JSON). */
  async step() {
    if (this.failure) throw new Error(this.failure);
    const t = this.t++;
    if (this.kind === "shared") {
      Atomics.store(this.views.ctl, GO, t + 1);
      Atomics.notify(this.views.ctl, GO);
      try {
        return sharedStep(this.trainer, this.views, this.w, this.p, 0, t);
      } catch (err) {
        // A follower's failure shows here as the barrier's; our own fails the followers' wait.
        this.fail(err && err.message ? err.message : String(err));
        throw new Error(this.failure, { cause: err });
      }
    }
    const arrived = this.ports.map(
      (port) =>
        new Promise((resolve, reject) => {
          (this.pending ??= []).push({ reject });
          port.onmessage = (e) => resolve(e.data);
        }),
    );
    for (const port of this.ports) port.postMessage({ type: "go" });
    const own = new Float32Array(this.p);
    const res = this.trainer.shardGradient(0, own);
    if (!res) throw new Error("the run has ended");
    const parts = await Promise.all(arrived);
    this.pending = null;
    const all = new Float32Array(this.w * this.p);
    const losses = new Float64Array(this.w);
    all.set(own, 0);
    losses[0] = res[0];
    for (const m of parts) {
      if (m.type === "error") throw new Error(`shard ${m.shard}: ${m.message}`);
      if (m.end !== res[1]) throw new Error(`shard ${m.shard} is at another step`);
      all.set(new Float32Array(m.grad), m.shard * this.p);
      losses[m.shard] = m.loss;
    }
    for (const port of this.ports) {
      const copy = all.slice();
      port.postMessage({ type: "apply", grads: copy.buffer, losses, end: res[1] }, [copy.buffer]);
    }
    return this.trainer.applyShards(all, losses, res[1]);
  }

  /** Ends every follower. */
  close() {
    for (const w of this.followers) w.terminate();
    this.followers = [];
    for (const p of this.ports) p.close();
    this.ports = [];
  }
}

/**
 * A follower's life: its copy of the run (`trainer`, built from the leader's "init"),
 * shard `m.shard` of every step until the leader ends it. `post` reports an error.
 */
export function follow(trainer, m, post) {
  const w = m.workers;
  const p = trainer.numParams();
  if (m.sab) {
    const v = sharedViews(m.sab, w, p);
    post({ type: "followready" });
    // Blocks this worker between steps (it has nothing else to do); the leader ends it
    // with terminate(), which interrupts a wait.
    try {
      for (let t = 0; ; t++) {
        waitAtLeast(v.ctl, GO, t + 1);
        sharedStep(trainer, v, w, p, m.shard, t);
      }
    } catch (err) {
      Atomics.store(v.ctl, FAILED, 1);
      Atomics.notify(v.ctl, ARRIVED);
      post({ type: "error", message: err && err.message ? err.message : String(err) });
    }
    return;
  }
  const port = m.port;
  port.onmessage = (e) => {
    const msg = e.data;
    try {
      if (msg.type === "go") {
        const grad = new Float32Array(p);
        const res = trainer.shardGradient(m.shard, grad);
        if (!res) throw new Error("the run has ended");
        port.postMessage({ type: "grad", shard: m.shard, grad: grad.buffer, loss: res[0], end: res[1] }, [grad.buffer]);
      } else if (msg.type === "apply") {
        trainer.applyShards(new Float32Array(msg.grads), msg.losses, msg.end);
      }
    } catch (err) {
      port.postMessage({ type: "error", shard: m.shard, message: err && err.message ? err.message : String(err) });
    }
  };
  post({ type: "followready" });
}
