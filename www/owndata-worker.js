//! Checks the visitor's data files off the main thread: one message in,
//! `{names, buffers: ArrayBuffer[]}` (copied, so the page keeps its own), one out,
//! `{result}` (wasm `checkData`'s JSON) or `{error}` (its message, naming the file).
//!
//! Why a worker: the check inflates and parses every image (47 MB for the official
//! 60,000) and fingerprints them, which would freeze the page for a second or more,
//! and would grow the page's wasm memory by as much for good (wasm memory never
//! shrinks). owndata.js starts one worker per check and ends it after the answer.

import init, { checkData } from "./pkg/lr_batch_playground.js";

const ready = init();

self.onmessage = async (e) => {
  const { names, buffers } = e.data;
  try {
    await ready;
    self.postMessage({
      result: checkData(
        names,
        buffers.map((b) => new Uint8Array(b)),
      ),
    });
  } catch (err) {
    self.postMessage({ error: err && err.message ? err.message : String(err) });
  }
};
