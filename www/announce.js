//! Events for the page that embeds this one (tutorial authors).
//!
//! Each finished epoch of each run is announced as
//!   {type: "lr-batch-playground:epoch", run, k, repeat, batch, lr, epoch, step, samples,
//!    wallMs, trainLoss, testLoss, testAcc, noiseScale, noiseSpread, peakLoss, status, lrNow}
//! (lr is the run's scaled learning rate, lrNow the rate of the epoch's last
//! step, which differs during warmup and decay; repeat is the seed offset, 0 …
//! repeats−1; noiseScale is null until measured, noiseSpread its standard error from the
//! probes' scatter, null before the second probe; peakLoss is the largest finite
//! mini-batch loss so far, null before the first step; status is "collapsed" on the last
//! record of a run that trained to its end answering one class), and the end of every
//! run as
//!   {type: "lr-batch-playground:done", runs: [{run, k, repeat, cell, batch, lr, status, epochs,
//!    step, samples, failed, testAcc, testLoss, peakLoss, trainLoss, wallMs, error}]}
//! where `failed` is true for a collapsed or diverged run: its scores are not results.
//! through window.parent.postMessage(msg, "*") when the page is framed, and
//! document.dispatchEvent(new CustomEvent(type, {detail: msg})) always.

export const EPOCH = "lr-batch-playground:epoch";
export const DONE = "lr-batch-playground:done";

/** The epoch message of run `r` for its record. */
export function epochMessage(r, record) {
  return {
    type: EPOCH,
    run: r.index,
    k: r.k,
    repeat: r.repeat,
    batch: record.batch ?? r.plan?.batch,
    lr: r.plan?.lr ?? null,
    epoch: record.epoch,
    step: record.step,
    samples: record.samples,
    wallMs: record.wallMs,
    trainLoss: record.trainLoss,
    testLoss: record.testLoss,
    testAcc: record.testAcc,
    noiseScale: Number.isFinite(record.noiseScale) ? record.noiseScale : null,
    noiseSpread: Number.isFinite(record.noiseSpread) ? record.noiseSpread : null,
    peakLoss: Number.isFinite(record.peakLoss) ? record.peakLoss : null,
    status: record.status,
    lrNow: record.lr,
  };
}

/** The done message for the experiment's run summaries. */
export function doneMessage(runs) {
  return { type: DONE, runs };
}

/** Sends `msg` to the embedding page (if framed) and to this document's listeners. */
export function announce(msg, win = window) {
  if (win.parent !== win) win.parent.postMessage(msg, "*");
  win.document.dispatchEvent(new CustomEvent(msg.type, { detail: msg }));
}
