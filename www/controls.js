//! The settings form <-> the experiment config.
//!
//! Every control speaks in the URL's own words: a change is reported as
//! (key, text), e.g. ("lr0", "0.003") or ("k", "1,8"), and the caller parses it
//! with the wasm `parseQuery` on top of the current experiment. So a typed
//! value, a slider position and a shared link all go through the one parser and
//! validator (src/config.rs); this module only maps slider positions to values
//! and values back to positions.
//!
//! Sliders (all keyboard-operable native ranges, each with a visible value and
//! aria-valuetext):
//!   B0   positions 0..10 → 1, 2, 4, … 1024; 11 → full batch
//!   η0   41 positions, 10 per decade (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 ×10^e) from 1e-4 to 1;
//!        the text box beside it takes any value
//!   k    1..16 in steps of 1, then 20 … 256 roughly logarithmically; it sets the
//!        run list to "1,K" (k = 1 against one larger k); the list box takes any sweep
//!
//! Mode: fields that only one mode uses carry .only-curves / .only-landscape and
//! are hidden by the stylesheet through body[data-mode]; the landscape's budget
//! box is a second view of `epochs`.
//!
//! The critical batch size (the runs' measured gradient noise scale) is shown
//! under the B0 slider, as text and as a mark on the slider's track.

const LR_MANTISSAS = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8];
export const LR_STEPS = [];
for (let e = -4; e < 0; e++) for (const m of LR_MANTISSAS) LR_STEPS.push(Number((m * 10 ** e).toPrecision(3)));
LR_STEPS.push(1);

export const K_STEPS = [
  ...Array.from({ length: 16 }, (_, i) => i + 1),
  20,
  24,
  32,
  40,
  48,
  64,
  80,
  96,
  128,
  160,
  192,
  256,
];
const B0_STEPS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 0]; // 0 = full

/** Index of the step closest to v on a log scale. */
function nearestLog(steps, v) {
  let best = 0;
  let bestD = Infinity;
  steps.forEach((s, i) => {
    const d = Math.abs(Math.log(s) - Math.log(v));
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  });
  return best;
}

/** A number for people: at most 3 significant digits, no exponent for usual values. */
export function fmt(v, digits = 3) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  if (v === 0) return "0";
  const s = Number(v.toPrecision(digits));
  return Math.abs(s) < 1e-4 ? s.toExponential(digits - 1) : String(s);
}

export class Controls {
  /**
   * @param {HTMLFormElement} form
   * @param {(key: string, text: string, source: HTMLElement) => void} onChange
   */
  constructor(form, onChange) {
    this.form = form;
    this.onChange = onChange;
    const $ = (id) => form.querySelector(`#${id}`);
    this.el = {
      b0: $("b0"),
      b0Out: $("b0-out"),
      lr0: $("lr0"),
      lr0Range: $("lr0-range"),
      kRange: $("k-range"),
      kOut: $("k-out"),
      k: $("k"),
      warmup: $("warmup"),
      decay: $("decay"),
      opt: $("opt"),
      momentum: $("momentum"),
      epochs: $("epochs"),
      train: $("train"),
      trainHelp: form.querySelector("#train-help"),
      dropout: $("dropout"),
      dropoutOut: $("dropout-out"),
      seed: $("seed"),
      init: $("init"),
      norm: $("norm"),
      repeats: $("repeats"),
      orderField: $("order-field"),
      seedsHelp: $("seeds-help"),
      gridB: $("grid_b"),
      gridLr: $("grid_lr"),
      gridEpochs: $("grid-epochs"),
      target: $("target"),
      gridHelp: $("grid-help"),
      critical: $("critical"),
      critMark: $("crit-mark"),
      error: $("form-error"),
    };
    this.el.lr0Range.max = String(LR_STEPS.length - 1);
    this.el.kRange.max = String(K_STEPS.length - 1);
    this.el.b0.max = String(B0_STEPS.length - 1);
    this.wire();
  }

  wire() {
    const { el } = this;
    const emit = (key, text, src) => this.onChange(key, text, src);
    // Sliders apply while they move: every position is a valid value.
    el.b0.addEventListener("input", () => {
      const b = B0_STEPS[Number(el.b0.value)];
      emit("b0", b === 0 ? "full" : String(b), el.b0);
    });
    el.lr0Range.addEventListener("input", () => emit("lr0", String(LR_STEPS[Number(el.lr0Range.value)]), el.lr0Range));
    el.kRange.addEventListener("input", () => {
      const k = K_STEPS[Number(el.kRange.value)];
      emit("k", k === 1 ? "1" : `1,${k}`, el.kRange);
    });
    el.dropout.addEventListener("input", () => emit("dropout", String(Number(el.dropout.value)), el.dropout));
    // Text and number boxes apply on commit (Enter, blur, spinner), not per keystroke.
    const boxes = [
      ...["lr0", "k", "warmup", "momentum", "epochs", "train", "seed", "repeats", "target"].map((k) => [k, el[k]]),
      ["grid_b", el.gridB],
      ["grid_lr", el.gridLr],
      ["epochs", el.gridEpochs],
    ];
    for (const [key, box] of boxes) {
      box.addEventListener("change", () => emit(key, box.value.trim(), box));
      box.addEventListener("keydown", (e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          emit(key, box.value.trim(), box);
        }
      });
    }
    for (const key of ["decay", "opt", "init", "norm"]) {
      el[key].addEventListener("change", () => emit(key, el[key].value, el[key]));
    }
    for (const name of ["rule", "mode", "order"]) {
      for (const radio of this.form.querySelectorAll(`input[name="${name}"]`)) {
        radio.addEventListener("change", () => radio.checked && emit(name, radio.value, radio));
      }
    }
    this.form.addEventListener("submit", (e) => e.preventDefault());
  }

  /**
   * Shows `config` in every control.
   * @param {object} config
   * @param {{kText: string, lrText?: string, seeds: number[],
   *          sizes: {images: number, trainAvail: number, train: number, test: number}|null}} extra
   *   the k list and the landscape's rate list as text (as typed, or the canonical form from
   *   configToQuery); the seeds the repeats train with (the core's run list); how the loaded
   *   file is split (the core's dataSizes), null before it is loaded
   */
  set(config, { kText, lrText, seeds, sizes }) {
    const { el } = this;
    const b0Pos = config.b0 === 0 ? B0_STEPS.length - 1 : nearestLog(B0_STEPS.slice(0, -1), config.b0);
    el.b0.value = String(b0Pos);
    const b0Text = config.b0 === 0 ? "full batch" : String(config.b0);
    el.b0Out.textContent = b0Text;
    el.b0.setAttribute("aria-valuetext", config.b0 === 0 ? "full batch" : `${config.b0} images`);

    el.lr0Range.value = String(nearestLog(LR_STEPS, config.lr0));
    el.lr0Range.setAttribute("aria-valuetext", String(config.lr0));
    el.lr0.value = String(config.lr0);

    const kMax = Math.max(...config.k);
    el.kRange.value = String(nearestLog(K_STEPS, Math.min(kMax, 256)));
    el.kOut.textContent = config.k.length <= 3 ? config.k.join(", ") : `${config.k.length} runs, up to ${kMax}`;
    el.kRange.setAttribute(
      "aria-valuetext",
      config.k.length === 1 ? `k = ${config.k[0]}` : `${config.k.length} runs, largest k = ${kMax}`,
    );
    el.k.value = kText;

    for (const name of ["rule", "mode", "order"]) {
      for (const radio of this.form.querySelectorAll(`input[name="${name}"]`))
        radio.checked = radio.value === config[name];
    }
    el.warmup.value = String(config.warmup);
    el.decay.value = config.decay;
    el.opt.value = config.opt;
    el.momentum.value = String(config.momentum);
    const usesMomentum = config.opt === "momentum" || config.opt === "nesterov";
    el.momentum.disabled = !usesMomentum;
    el.momentum.closest(".field").classList.toggle("muted", !usesMomentum);
    el.epochs.value = String(config.epochs);
    el.train.value = String(config.train);
    if (sizes) {
      const n = (v) => v.toLocaleString("en");
      el.trainHelp.textContent =
        config.train > sizes.trainAvail
          ? `Only ${n(sizes.trainAvail)} training images are available; all of them are used.`
          : `Of ${n(sizes.trainAvail)} available; the test set is fixed (${n(sizes.test)} images).`;
    }
    el.dropout.value = String(config.dropout);
    el.dropoutOut.textContent = String(config.dropout);
    el.dropout.setAttribute("aria-valuetext", `${Math.round(config.dropout * 100)} percent`);
    el.seed.value = String(config.seed);
    el.init.value = config.init;
    el.norm.value = config.norm;

    el.repeats.value = String(config.repeats);
    const repeated = config.repeats > 1;
    for (const r of el.orderField.querySelectorAll("input")) r.disabled = !repeated;
    el.orderField.classList.toggle("muted", !repeated);
    const first = seeds[0];
    const last = seeds[seeds.length - 1];
    el.seedsHelp.textContent = repeated
      ? `Every run is trained ${config.repeats} times, with seeds ${first}${config.repeats > 2 ? "–" : ", "}${last}; ` +
        (config.order === "same"
          ? "all see the digits in the same order, so only the initial weights and dropout differ."
          : "each shuffles the digits its own way.") +
        (config.mode === "curves"
          ? " The chart shows their mean and, as a band, their range."
          : " Each cell shows their mean.")
      : "Repeat every run over several seeds to see how much of a difference is chance.";

    el.gridB.value = config.grid_b.join(",");
    el.gridLr.value = lrText ?? config.grid_lr.join(",");
    el.gridEpochs.value = String(config.epochs);
    el.target.value = String(config.target);
    const cells = config.grid_b.length * config.grid_lr.length;
    el.gridHelp.textContent =
      `${cells} cells${repeated ? ` × ${config.repeats} seeds` : ""}, each trained for ` +
      `${config.epochs} epoch${config.epochs === 1 ? "" : "s"} from the same start. ` +
      `The steps view counts the optimizer steps to ${config.target} % test accuracy.`;
  }

  /**
   * Shows the critical batch size under the B0 slider, or a placeholder before it is measured.
   * @param {{median: number, q1: number, q3: number, n: number, excluded: number}|null} cb
   *   the core's criticalBatch over the healthy runs (null when none has a value)
   */
  setCritical(cb) {
    const { el } = this;
    const n = cb?.median;
    const known = Number.isFinite(n) && n > 0;
    const head = known ? `Critical batch size ≈ ${fmt(n, 2)}.` : "Critical batch size:";
    const spread = known && cb.n > 1 ? ` Middle half of ${cb.n} runs: ${fmt(cb.q1, 2)} to ${fmt(cb.q3, 2)}.` : "";
    const left =
      known && cb.excluded > 0
        ? ` ${cb.excluded} diverged, stopped or stuck run${cb.excluded === 1 ? "" : "s"} left out.`
        : "";
    const tail = known
      ? `${spread}${left} Batches much larger than this give little extra progress per sample: ` +
        "McCandlish et al.'s gradient noise scale, measured live."
      : " measured live from the first finished epoch.";
    if (el.critical.textContent !== head + tail) {
      const strong = document.createElement("strong");
      strong.textContent = head;
      el.critical.replaceChildren(strong, tail);
    }
    el.critical.classList.toggle("known", known);
    el.critMark.hidden = !known;
    if (known) {
      // The slider's positions 0..10 are log2 of the batch (1 … 1024); 11 is "full".
      const pos = Math.min(10.5, Math.max(0, Math.log2(n)));
      el.critMark.style.setProperty("--at", String(pos / (B0_STEPS.length - 1)));
      el.critMark.title = `critical batch size ≈ ${fmt(n, 2)}`;
    }
  }

  /** Shows problems (from parseQuery) and marks the control; empty list clears. */
  showErrors(messages, source) {
    const { el } = this;
    for (const bad of this.form.querySelectorAll('[aria-invalid="true"]')) bad.removeAttribute("aria-invalid");
    if (!messages.length) {
      el.error.hidden = true;
      el.error.textContent = "";
      return;
    }
    el.error.textContent = messages.join(" · ");
    el.error.hidden = false;
    source?.setAttribute("aria-invalid", "true");
  }
}
