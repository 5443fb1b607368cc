//! The MNIST files: fetched once, kept, and copied to every worker.
//!
//! A `DataSource` is in one of four states: idle → loading → ready | failed.
//! `load()` starts one download (or returns the one under way, or the data
//! already loaded); a failure is reported once, as one "failed" event, and
//! nothing is retried until someone calls `load()` again (the page's Retry
//! button, or the next Run). The run pool (runs.js) launches a worker only when
//! the data is ready, so runs queued behind a failed download wait instead of
//! each fetching the files and failing on its own.
//!
//! `imageCount` reads how many images the labels file holds (its IDX header,
//! after gunzip): the core turns that into training and test sizes.
//!
//! Two kinds of source: the bundled subset (fetched, as above) and files of the
//! visitor's own (`useOwn`, read and checked by owndata.js; four buffers when the
//! dataset has its own test pair). `want(token)` says which the experiment needs
//! (the config's `data`); `ready` and `value` answer for that one only, so a run
//! never gets other data than its experiment names. While the wanted dataset is
//! one of the visitor's own that is not loaded, `load()` rejects at once with an
//! error whose `missing` is the token, and dispatches "missing" (no download).
//! Loading own files keeps the bundled ones, and the other way round.

/** The `data` token of the bundled files (the core's `data::SUBSET`). */
export const SUBSET = "mnist-subset";

export const DATA_FILES = {
  images: "data/train-images-idx3-ubyte.gz",
  labels: "data/train-labels-idx1-ubyte.gz",
};

export class DataSource extends EventTarget {
  /**
   * @param {{images: string, labels: string}} [files]
   * @param {typeof fetch} [fetchFn]
   */
  constructor(files = DATA_FILES, fetchFn = (...a) => globalThis.fetch(...a)) {
    super();
    this.files = files;
    this.fetch = fetchFn;
    this.state = "idle"; // of the bundled files' download
    this.bundled = null; // {images: ArrayBuffer, labels: ArrayBuffer} once downloaded
    this.error = null;
    this.pending = null;
    this.wanted = SUBSET;
    this.own = null; // {files: {images, labels, testImages?, testLabels?}, info} (owndata.js)
  }

  /** Which dataset the experiment needs: a `data` token. */
  want(token) {
    this.wanted = token || SUBSET;
  }

  /** Whether the wanted dataset is the visitor's own and not loaded. */
  get missing() {
    return this.wanted !== SUBSET && this.own?.info.identity !== this.wanted;
  }

  get ready() {
    return this.wanted === SUBSET ? this.state === "ready" : !this.missing;
  }

  /** The wanted dataset's buffers, or null when it is not loaded. */
  get value() {
    if (this.wanted === SUBSET) return this.bundled;
    return this.missing ? null : this.own.files;
  }

  /** Keeps the visitor's checked files (`info` from wasm checkData); "own" event. */
  useOwn(files, info) {
    this.own = { files, info };
    this.dispatchEvent(new CustomEvent("own", { detail: info }));
    if (this.ready) this.dispatchEvent(new CustomEvent("ready", { detail: this.value }));
  }

  /** The data, downloading it if needed; rejects (once per attempt) when it cannot. */
  load() {
    if (this.wanted !== SUBSET) {
      if (!this.missing) return Promise.resolve(this.value);
      this.dispatchEvent(new CustomEvent("missing", { detail: this.wanted }));
      const err = new Error(`the experiment needs the dataset ${this.wanted}, which is not loaded`);
      err.missing = this.wanted;
      return Promise.reject(err);
    }
    if (this.state === "ready") return Promise.resolve(this.bundled);
    if (this.pending) return this.pending;
    this.state = "loading";
    this.error = null;
    this.dispatchEvent(new CustomEvent("loading"));
    this.pending = Promise.all(
      [this.files.images, this.files.labels].map(async (url) => {
        const res = await this.fetch(url);
        if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
        return res.arrayBuffer();
      }),
    ).then(
      ([images, labels]) => {
        this.pending = null;
        this.bundled = { images, labels };
        this.state = "ready";
        if (this.wanted === SUBSET) this.dispatchEvent(new CustomEvent("ready", { detail: this.bundled }));
        return this.bundled;
      },
      (err) => {
        this.pending = null;
        this.state = "failed";
        this.error = err;
        this.dispatchEvent(new CustomEvent("failed", { detail: err }));
        throw err;
      },
    );
    return this.pending;
  }
}

/** How many images a gzipped IDX labels file holds (its header's count). */
export async function imageCount(labelsGz) {
  const stream = new Blob([labelsGz]).stream().pipeThrough(new DecompressionStream("gzip"));
  const reader = stream.getReader();
  // Only the 8-byte header is needed: read chunks until it is in.
  const head = new Uint8Array(8);
  let got = 0;
  while (got < 8) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the labels file is shorter than its header");
    const take = Math.min(8 - got, value.length);
    head.set(value.subarray(0, take), got);
    got += take;
  }
  reader.cancel().catch(() => {});
  return new DataView(head.buffer).getUint32(4);
}
