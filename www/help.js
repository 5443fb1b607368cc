//! Each control's short help: a "?" button beside its label that opens a disclosure
//! with the parameter's one-line help, what it allows and its default (all from the
//! core's parameter table, wasm `paramsTable`), and the paper the idea comes from.
//!
//! The papers are the one thing the core's table does not hold: PAPERS maps every
//! parameter name of the table to its sources (an empty list where the knob is the
//! playground's own), and tools/test/help.test.mjs checks that it covers every row of
//! src/config/params.rs, so a new parameter cannot arrive without its entry.
//!
//! The disclosure is a native button with aria-expanded and aria-controls, so it opens
//! with Enter, Space or a tap; Escape closes it and returns focus to its button. Only one
//! is open at a time. Text is written with textContent, never as HTML.

/** The sources of each parameter, by its URL name: `[cite, what it says about it]`. */
export const PAPERS = {
  b0: [
    ["McCandlish et al. 2018", "the gradient noise scale: the critical batch size shown under this slider"],
    ["Smith et al. 2018", "growing the batch instead of decaying the rate"],
  ],
  lr0: [["Goyal et al. 2017", "the base rate that the rules scale"]],
  k: [
    ["Goyal et al. 2017", "k times the batch with k times the rate (the linear scaling rule)"],
    ["Shallue et al. 2018", "how far data parallelism pays: steps to a target against batch size"],
  ],
  rule: [
    ["Goyal et al. 2017", "linear: η = k·η0"],
    ["Krizhevsky 2014", "√k: η = √k·η0, which keeps the variance of each step"],
    ["Malladi et al. 2022", "sde: √k·η0 with Adam's 1 − β scaled by k, for adaptive optimizers"],
  ],
  warmup: [["Goyal et al. 2017", "gradual warmup over the first epochs for large batches"]],
  milestones: [["Goyal et al. 2017", "the epochs at which step decay divides the rate"]],
  factor: [["Smith et al. 2018", "the factor of each milestone: the rate ÷ F, or the batch × F"]],
  grow: [["Smith et al. 2018", "don't decay the learning rate, increase the batch size"]],
  decay: [
    ["Goyal et al. 2017", "step decay (×0.1) late in training"],
    ["Loshchilov & Hutter 2017", "cosine decay (SGDR)"],
    ["Smith et al. 2018", "decaying the rate acts like growing the batch"],
  ],
  opt: [
    ["Robbins & Monro 1951", "stochastic gradient descent"],
    ["Sutskever et al. 2013", "momentum and Nesterov's accelerated gradient in deep learning"],
    ["Kingma & Ba 2015", "Adam"],
    ["Duchi et al. 2011", "Adagrad"],
  ],
  momentum: [
    ["Polyak 1964", "the heavy-ball method"],
    ["Goyal et al. 2017", "scaling the rate with momentum kept fixed"],
  ],
  epochs: [["Shallue et al. 2018", "comparing batch sizes at an equal budget of epochs or of steps"]],
  train: [["LeCun et al. 1998", "the MNIST digits"]],
  data: [["LeCun et al. 1998", "the MNIST digits and their IDX files"]],
  dropout: [["Srivastava et al. 2014", "dropout"]],
  seed: [["Bouthillier et al. 2021", "how much of a result is the seed"]],
  init: [["He et al. 2015", "He initialisation for ReLU networks"]],
  norm: [["LeCun et al. 1998", "Efficient BackProp: inputs with zero mean and unit variance"]],
  repeats: [["Bouthillier et al. 2021", "repeating runs over seeds before comparing them"]],
  order: [["Bouthillier et al. 2021", "data order as a source of variance"]],
  mode: [
    ["Shallue et al. 2018", "a grid of batch sizes and learning rates"],
    ["Smith 2017", "the learning-rate range test"],
  ],
  grid_b: [["Shallue et al. 2018", "batch sizes by powers of two"]],
  grid_lr: [["Shallue et al. 2018", "the best rate per batch size"]],
  range_lo: [["Smith 2017", "the range test: the rate rises exponentially from low to high"]],
  range_hi: [["Smith 2017", "the range test's highest rate"]],
  range_steps: [["Smith 2017", "the range test's length in steps"]],
  target: [["Shallue et al. 2018", "steps to reach a target accuracy"]],
  diverge: [],
  evals: [],
  workers: [["Goyal et al. 2017", "one batch split across workers, gradients summed before the update"]],
};

/** The sources line of a parameter ("From: …"), or "" when it has none. */
export function sourcesText(name) {
  const list = PAPERS[name] ?? [];
  return list.length ? `From: ${list.map(([cite, what]) => `${cite} (${what})`).join("; ")}.` : "";
}

/** The lines of a parameter's help, from its table row: what, allowed, default, sources. */
export function helpLines(row) {
  const lines = [`${row.help.charAt(0).toUpperCase()}${row.help.slice(1)}.`];
  lines.push(`Allowed: ${row.allowed}. Default: ${row.default}.`);
  const from = sourcesText(row.name);
  if (from) lines.push(from);
  return lines;
}

/**
 * The row of small buttons beside a field's label or legend (help here, reset in
 * reset.js), created on first use: inside the field's head row, or a head row made
 * around its first label, or beside its legend. Answers `{tools, head, after}`: the
 * buttons' container, the label or legend, and the element a disclosure goes after.
 * @param {HTMLElement} field  a `[data-param]` element of the form
 */
export function fieldTools(field) {
  const known = field.querySelector(":scope > .field-head > .field-tools, :scope > .field-tools");
  const legend = field.querySelector(":scope > legend");
  if (legend) {
    let tools = known;
    if (!tools) {
      tools = document.createElement("span");
      tools.className = "field-tools";
      legend.after(tools);
    }
    return { tools, head: legend, after: tools };
  }
  let row = field.querySelector(":scope > .field-head");
  if (!row) {
    const label = field.querySelector(":scope > label");
    if (!label) return null;
    row = document.createElement("div");
    row.className = "field-head";
    label.before(row);
    row.append(label);
  }
  const head = row.querySelector("label");
  let tools = known;
  if (!tools) {
    tools = document.createElement("span");
    tools.className = "field-tools";
    head.after(tools);
  }
  return { tools, head, after: row };
}

/**
 * Adds a help button and its disclosure to every `[data-param]` field of `form` whose
 * parameter is in `rows`.
 * @param {HTMLFormElement} form
 * @param {{name: string, help: string, allowed: string, default: string}[]} rows
 */
export function addHelp(form, rows) {
  const byName = new Map(rows.map((r) => [r.name, r]));
  let open = null;
  const close = (focus) => {
    if (!open) return;
    open.pop.hidden = true;
    open.button.setAttribute("aria-expanded", "false");
    if (focus) open.button.focus();
    open = null;
  };
  for (const field of form.querySelectorAll("[data-param]")) {
    const row = byName.get(field.dataset.param);
    const place = row && fieldTools(field);
    if (!place) continue;
    const { tools, head, after } = place;
    const id = `help-${field.dataset.param}-${form.querySelectorAll(".help-pop").length}`;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "help-btn";
    button.textContent = "?";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", id);
    button.setAttribute("aria-label", `Help: ${head.textContent.replace(/\s+/g, " ").trim()}`);
    const pop = document.createElement("div");
    pop.className = "help-pop";
    pop.id = id;
    pop.hidden = true;
    pop.setAttribute("role", "note");
    for (const line of helpLines(row)) {
      const p = document.createElement("p");
      p.textContent = line;
      pop.append(p);
    }
    button.addEventListener("click", () => {
      const was = open?.button === button;
      close(false);
      if (was) return;
      pop.hidden = false;
      button.setAttribute("aria-expanded", "true");
      open = { button, pop };
    });
    tools.prepend(button);
    after.after(pop);
  }
  form.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && open) {
      e.preventDefault();
      close(true);
    }
  });
}
