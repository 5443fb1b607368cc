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
    this.state = "idle";
    this.value = null; // {images: ArrayBuffer, labels: ArrayBuffer} once ready
    this.error = null;
    this.pending = null;
  }

  get ready() {
    return this.state === "ready";
  }

  /** The data, downloading it if needed; rejects (once per attempt) when it cannot. */
  load() {
    if (this.state === "ready") return Promise.resolve(this.value);
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
        this.value = { images, labels };
        this.state = "ready";
        this.dispatchEvent(new CustomEvent("ready", { detail: this.value }));
        return this.value;
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
