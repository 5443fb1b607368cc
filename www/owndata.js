//! "Use your own data": IDX files from the visitor's disk (a file picker, or files
//! dropped anywhere on the page) become the experiment's dataset.
//!
//! The files are read with `File.arrayBuffer` and never leave the browser. The core
//! checks them (wasm `checkData`: which file is which, the IDX parser's checks, the
//! dataset's identity) in a worker of its own (owndata-worker.js), so the page stays
//! responsive while 60,000 images are parsed; on success the buffers go to the DataSource (data.js, in role
//! order, so workers get them as they get the bundled files) and the identity becomes
//! the config's `data` parameter, so the link names the dataset. On a bad file a notice
//! names the file and the problem, and whatever was loaded before stays in use.
//!
//! A config whose `data` names a dataset of one's own that is not loaded (a shared
//! link) gets a notice saying which dataset it needs (counts and fingerprint, from the
//! core's `datasetOf`) and how to load it; data.js keeps every run waiting meanwhile,
//! and main.js does not autorun. Loading files with that identity lets it run.
//!
//! Not here: parsing or fingerprinting (the core's), and the config itself (main.js
//! applies the change through the one parser, like any control).

import { SUBSET } from "./data.js";

/** `{images, labels[, testImages, testLabels]}` from buffers and checkData's role order. */
export function roleOrder(buffers, order) {
  const [images, labels, testImages, testLabels] = order.map((i) => buffers[i]);
  return testImages ? { images, labels, testImages, testLabels } : { images, labels };
}

const n = (x) => x.toLocaleString("en-US");

/** wasm `checkData` in a worker of its own: resolves with its JSON, rejects with its message. */
function check(names, buffers) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./owndata-worker.js", import.meta.url), { type: "module", name: "data check" });
    const end = (fn, value) => {
      worker.terminate();
      fn(value);
    };
    worker.onmessage = (e) =>
      e.data.error === undefined ? end(resolve, e.data.result) : end(reject, new Error(e.data.error));
    worker.onerror = (e) => {
      e.preventDefault();
      end(reject, new Error(e.message || "the check's worker failed to load"));
    };
    worker.postMessage({ names, buffers });
  });
}

/** What a checked dataset is, in words: counts and split. `info` is checkData's answer. */
export function countsText(info) {
  return info.testImages === null || info.testImages === undefined
    ? `${n(info.images)} images, split ${n(info.trainAvail)} training / ${n(info.test)} test`
    : `${n(info.images)} training + ${n(info.testImages)} test images (their own split)`;
}

/** The status line for the loaded files `names`. */
export function loadedText(names, info) {
  return `Your data: ${names.join(", ")}: ${countsText(info)}. Dataset ${info.identity}.`;
}

/** The notice of a link to a dataset not loaded; `ds` is the core's datasetOf answer. */
export function neededText(ds) {
  return (
    `This experiment trains on a dataset of your own (${ds.description}), which is not loaded ` +
    `in this browser. Load its files with “Use your own data” under Settings; nothing runs until then.`
  );
}

export class OwnData {
  /**
   * @param {object} app  the page state (data, wasm, experiment, ui.notices, config)
   * @param {HTMLElement} root  the "Data" fieldset (#owndata)
   * @param {(key: string, text: string, source: HTMLElement) => void} change  a control change
   */
  constructor(app, root, change) {
    this.app = app;
    this.change = change;
    this.input = root.querySelector("#data-files");
    this.status = root.querySelector("#data-status");
    this.bundledButton = root.querySelector("#data-bundled");
    this.input.addEventListener("change", () => {
      this.take([...this.input.files]);
      this.input.value = ""; // the same files again are a new choice
    });
    this.bundledButton.addEventListener("click", () => this.change("data", SUBSET, this.bundledButton));
    const hasFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes("Files");
    document.addEventListener("dragover", (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      document.body.classList.add("dropping");
    });
    document.addEventListener("dragleave", (e) => {
      if (e.relatedTarget === null) document.body.classList.remove("dropping");
    });
    document.addEventListener("drop", (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      document.body.classList.remove("dropping");
      this.take([...e.dataTransfer.files]);
    });
  }

  /** Reads, checks and (when they are a dataset) uses `files`. */
  async take(files) {
    const { app } = this;
    if (!files.length) return;
    const names = files.map((f) => f.name);
    const before = this.status.textContent;
    this.status.textContent = `Checking ${names.join(", ")}…`;
    let info;
    let buffers;
    try {
      buffers = await Promise.all(files.map((f) => f.arrayBuffer()));
      info = JSON.parse(await check(names, buffers));
    } catch (err) {
      this.status.textContent = before;
      app.ui.notices.add(`These files cannot be used (${err.message}); the data loaded before stays in use.`, {
        kind: "error",
        key: "owndata",
      });
      return;
    }
    app.ui.notices.remove("owndata");
    app.data.useOwn(roleOrder(buffers, info.order), { ...info, names: info.order.map((i) => names[i]) });
    this.change("data", info.identity, this.input);
    this.sync(app.config); // the config may already name this dataset (a link's)
    if (app.experiment.runs.some((r) => r.status === "queued")) app.experiment.schedule();
  }

  /** Follows the config's `data`: which data runs get, the status line, the notice. */
  sync(config) {
    const { app } = this;
    const token = config.data || SUBSET;
    app.data.want(token);
    const own = app.data.own;
    this.bundledButton.hidden = token === SUBSET;
    if (token === SUBSET) {
      const ds = JSON.parse(app.wasm.datasetOf(SUBSET));
      this.status.textContent =
        `In use: ${ds.description}.` + (own ? ` Your files (${own.info.identity}) stay loaded.` : "");
    } else if (!app.data.missing) {
      this.status.textContent = loadedText(own.info.names, own.info);
    }
    if (app.data.missing) {
      const ds = JSON.parse(app.wasm.datasetOf(token));
      this.status.textContent = `Needs your dataset ${ds.identity}: not loaded.`;
      app.ui.notices.add(neededText(ds), { kind: "warn", key: "owndata-missing" });
    } else {
      app.ui.notices.remove("owndata-missing");
    }
  }
}
