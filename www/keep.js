// The page's history of experiments, pinned overlays and CSV import (the "History"
// panel), over the kept entries of history-store.js.
//
// - Keeping: when every started run of the experiment has ended (the Experiment's "done"
//   event: finished, stopped, diverged …) and at least one epoch was recorded, the
//   experiment is kept: its link query (with the schema version `v`), config, the core's
//   CSV of its records (`History.csv()`), and the label the core writes for what changed
//   from the entry before (`diffLabel`); the first one is labelled by its own link.
// - Restoring an entry applies its config (through `apply`, main.js's applyConfig) and
//   puts its records back into the new record store (`History.loadCsv`), so its curves or
//   landscape are drawn without training; the runs table stays idle, and Run trains again.
// - Pinning an entry draws its curves over every experiment's charts, dashed and named
//   (`History.pin`); the pins are re-applied to every new record store (`attach`, called
//   by main.js each time it makes one). "Compare" pins the newest entry and runs the same
//   experiment under the other rule (linear ↔ none): the article's comparison in one click.
// - Import: a CSV dropped on the page or chosen with the file input is read by the core
//   (`csvExperiment`: its experiment, or a message naming the line and column), kept as
//   an entry and restored. A bad file changes nothing that is kept.
//
// Labels and names are shown as text, never as HTML. The core decides every fact (the
// label, the experiment of a CSV, the curves); this module only stores and wires.

import { KeptStore, LIMITS } from "./history-store.js";

const LEGEND_CHARS = 40;

function short(text, max = LEGEND_CHARS) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function when(ms) {
  const d = new Date(ms);
  return d.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export class Keep {
  /**
   * @param {object} app  the page's state (app.js): wasm, config, history, experiment
   * @param {{list: HTMLElement, status: HTMLElement, file: HTMLInputElement,
   *          clear: HTMLButtonElement, compare: HTMLButtonElement}} els
   * @param {{apply: (config: object) => void, redraw: () => void, versioned: (config: object) => string}} hooks
   */
  constructor(app, els, hooks) {
    this.app = app;
    this.els = els;
    this.hooks = hooks;
    this.store = null;
    this.entries = [];
    this.shown = null; // {config, csv} of the restored entry while its records are drawn
  }

  async init() {
    this.store = await KeptStore.open();
    this.entries = await this.store.list();
    const { experiment } = this.app;
    experiment.addEventListener("done", () => this.keepCurrent());
    // A run that starts replaces the restored records it had.
    experiment.addEventListener("change", (e) => {
      if (this.shown && e.detail.run && e.detail.run.status !== "idle") this.shown = null;
    });
    this.els.file.addEventListener("change", () => {
      const f = this.els.file.files?.[0];
      if (f) this.importFile(f);
      this.els.file.value = "";
    });
    this.els.clear.addEventListener("click", () => this.clearAll());
    this.els.compare.addEventListener("click", () => this.compare());
    this.wireDrop();
    this.render();
    this.attach(this.app.history);
    this.hooks.redraw();
  }

  /** Re-applies the pins (and the restored records, if this is their experiment). */
  attach(history) {
    if (!history || !this.store) return;
    for (const e of this.entries.filter((x) => x.pinned)) {
      try {
        history.pin(String(e.id), short(this.nameOf(e)), e.csv);
      } catch (err) {
        this.say(`Could not pin “${this.nameOf(e)}”: ${err.message}`);
      }
    }
    if (this.shown && JSON.stringify(this.shown.config) === JSON.stringify(this.app.config)) {
      // After the caller is done: applyConfig resets the experiment's runs after making the
      // store, and a reset clears the records of every run that has none of its own.
      const { csv } = this.shown;
      queueMicrotask(() => {
        if (this.app.history !== history) return;
        history.loadCsv(csv);
        this.hooks.redraw();
      });
    } else {
      this.shown = null;
    }
    this.showCompare();
  }

  nameOf(e) {
    return e.name || e.auto;
  }

  say(text) {
    this.els.status.textContent = text;
  }

  // ---------- keeping ----------

  async keepCurrent() {
    const { app } = this;
    const csv = app.history.csv();
    if (!csv) return; // no epoch finished: nothing to keep
    const config = structuredClone(app.config);
    const prev = this.entries[0];
    const auto = prev
      ? app.wasm.diffLabel(JSON.stringify(prev.config), JSON.stringify(config))
      : app.wasm.configToQuery(JSON.stringify(config)) || "default settings";
    await this.add({ kind: "run", name: "", auto, config, csv });
  }

  async add(entry) {
    const full = { ...entry, query: this.hooks.versioned(entry.config), mode: entry.config.mode };
    const r = await this.store.add(full);
    if (r.error) {
      this.say(`Not kept: ${r.error}.`);
      return null;
    }
    this.entries = await this.store.list();
    const dropped = r.evicted.length ? ` (${r.evicted.length} oldest dropped: at most ${LIMITS.entries} are kept)` : "";
    this.say(`Kept “${this.nameOf(full)}”${dropped}.`);
    this.render();
    return r.id;
  }

  // ---------- import ----------

  /**
   * A CSV dropped anywhere on the page is imported here. The listener runs first (window,
   * capture phase) and keeps CSV drops from the dataset loader (owndata.js, which takes
   * every other file dropped on the page and draws the drop outline).
   */
  wireDrop() {
    const isCsv = (f) => /\.csv$/i.test(f.name) || f.type === "text/csv";
    window.addEventListener(
      "drop",
      (e) => {
        const files = [...(e.dataTransfer?.files ?? [])];
        if (!files.length || !files.every(isCsv)) return;
        e.preventDefault();
        e.stopPropagation();
        document.body.classList.remove("dropping");
        this.importFile(files[0]);
      },
      { capture: true },
    );
  }

  /** Reads a CSV file; keeps and restores it, or says what is wrong where. */
  async importFile(file) {
    const text = await file.text();
    await this.importText(text, file.name);
  }

  async importText(text, name) {
    let info;
    try {
      info = JSON.parse(this.app.wasm.csvExperiment(text));
    } catch (err) {
      this.say(`Could not import ${name}: ${err.message}`);
      return;
    }
    const id = await this.add({ kind: "import", name: "", auto: `imported ${name}`, config: info.config, csv: text });
    if (id !== null) {
      this.restore(this.entries.find((e) => e.id === id));
      this.say(`Imported ${name}: ${info.runs} run${info.runs === 1 ? "" : "s"}, ${info.records} records.`);
    }
  }

  // ---------- actions on entries ----------

  restore(e) {
    this.shown = { config: e.config, csv: e.csv };
    this.hooks.apply(structuredClone(e.config));
    this.say(`Restored “${this.nameOf(e)}”: its records are drawn; Run trains it again.`);
  }

  async setPinned(e, pinned) {
    await this.store.update(e.id, { pinned });
    this.entries = await this.store.list();
    if (pinned) this.app.history.pin(String(e.id), short(this.nameOf(e)), e.csv);
    else this.app.history.unpin(String(e.id));
    this.render();
    this.hooks.redraw();
  }

  async rename(e, name) {
    await this.store.update(e.id, { name: name.trim() });
    this.entries = await this.store.list();
    if (e.pinned) this.app.history.pin(String(e.id), short(name.trim() || e.auto), e.csv);
    this.render();
    this.hooks.redraw();
  }

  async remove(e) {
    await this.store.remove(e.id);
    this.app.history.unpin(String(e.id));
    this.entries = await this.store.list();
    this.say(`Deleted “${this.nameOf(e)}”.`);
    this.render();
    this.hooks.redraw();
  }

  async clearAll() {
    for (const e of this.entries) this.app.history.unpin(String(e.id));
    await this.store.clear();
    this.entries = [];
    this.say("History cleared.");
    this.render();
    this.hooks.redraw();
  }

  /** The other rule of the comparison the article makes: linear ↔ none. */
  otherRule() {
    return this.app.config.rule === "none" ? "linear" : "none";
  }

  showCompare() {
    const b = this.els.compare;
    b.textContent = `Compare with rule = ${this.otherRule()}`;
    b.disabled = !this.entries.length || this.app.config.mode !== "curves";
    b.title = this.entries.length
      ? `Pins the newest kept experiment and runs this one with rule = ${this.otherRule()}`
      : "Run an experiment first: the comparison pins it";
  }

  /** Pins the newest kept entry and runs the same experiment under the other rule. */
  async compare() {
    const newest = this.entries[0];
    if (!newest) return;
    if (!newest.pinned) await this.setPinned(newest, true);
    this.hooks.apply({ ...structuredClone(this.app.config), rule: this.otherRule() });
    this.app.experiment.startAll();
  }

  // ---------- the list ----------

  render() {
    const list = this.els.list;
    list.replaceChildren();
    for (const e of this.entries) list.append(this.item(e));
    if (!this.entries.length) {
      const li = document.createElement("li");
      li.className = "keep-empty";
      li.textContent =
        this.store?.persistent === false
          ? "Nothing kept yet (this browser refuses storage: the history lasts until the page closes)."
          : "Nothing kept yet: every experiment that finishes or is stopped appears here.";
      list.append(li);
    }
    this.els.clear.disabled = !this.entries.length;
    this.showCompare();
  }

  item(e) {
    const li = document.createElement("li");
    li.className = "keep-item";
    li.dataset.id = String(e.id);
    li.classList.toggle("pinned", Boolean(e.pinned));
    const name = document.createElement("span");
    name.className = "keep-name";
    name.textContent = this.nameOf(e);
    name.title = e.name ? `${e.name} (${e.auto})` : e.auto;
    const meta = document.createElement("span");
    meta.className = "keep-meta";
    meta.textContent = `${e.kind === "import" ? "imported" : e.mode} · ${when(e.created)}`;
    const button = (label, cls, run) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = cls;
      b.textContent = label;
      b.addEventListener("click", run);
      return b;
    };
    const pin = button(e.pinned ? "Unpin" : "Pin", "keep-pin", () => this.setPinned(e, !e.pinned));
    pin.setAttribute("aria-pressed", String(Boolean(e.pinned)));
    pin.setAttribute("aria-label", `${e.pinned ? "Unpin" : "Pin"} ${this.nameOf(e)} on the charts`);
    const tools = document.createElement("span");
    tools.className = "keep-tools-row";
    tools.append(
      button("Restore", "keep-restore", () => this.restore(e)),
      pin,
      button("Rename", "keep-rename", () => this.editName(li, name, e)),
      button("Delete", "keep-delete", () => this.remove(e)),
    );
    li.append(name, meta, tools);
    return li;
  }

  editName(li, name, e) {
    const input = document.createElement("input");
    input.type = "text";
    input.className = "keep-name-input";
    input.value = this.nameOf(e);
    input.maxLength = 80;
    input.setAttribute("aria-label", "New name");
    let done = false;
    const finish = (save) => {
      if (done) return;
      done = true;
      if (save && input.value.trim() !== this.nameOf(e)) this.rename(e, input.value);
      else this.render();
    };
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") finish(true);
      if (ev.key === "Escape") finish(false);
    });
    input.addEventListener("blur", () => finish(true));
    name.replaceWith(input);
    input.focus();
    input.select();
    li.classList.add("editing");
  }
}
