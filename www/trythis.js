//! "Try this" links under a preset's text: each sets one named control (or view option)
//! the text talks about, then draws the eye to it: the control is scrolled into view,
//! focused and briefly highlighted.
//!
//! TRY_THIS maps a preset id to its suggestions `{label, key, value}`, where `key` is an
//! experiment parameter (handed to the page's control change handler, so it is parsed
//! and validated like a typed value) or one of the view options `x`, `log`, `overlay`,
//! `heat` (handed to the view setter). `target` names the element to highlight and
//! focus. A preset without an entry shows no links. The links are buttons (they change
//! the page, they do not navigate), written with textContent.

/** @type {Record<string, {label: string, key: string, value: string, target: string}[]>} */
export const TRY_THIS = {
  article: [{ label: "Switch the x axis to steps", key: "x", value: "steps", target: "x-steps" }],
  "no-scaling": [{ label: "Set the rule to linear", key: "rule", value: "linear", target: "rule-linear" }],
  sqrt: [{ label: "Set the rule to linear", key: "rule", value: "linear", target: "rule-linear" }],
  warmup: [{ label: "Set warmup to 0", key: "warmup", value: "0", target: "warmup" }],
  adam: [{ label: "Set the rule to √k", key: "rule", value: "sqrt", target: "rule-sqrt" }],
  "gd-vs-sgd": [{ label: "Switch the x axis to steps", key: "x", value: "steps", target: "x-steps" }],
  breaks: [{ label: "Tick “overlay k = 1”", key: "overlay", value: "1", target: "overlay" }],
  seeds: [{ label: "Set the data order to “same”", key: "order", value: "same", target: "order-same" }],
  landscape: [{ label: "Colour the heatmap by loss", key: "heat", value: "loss", target: "heat-loss" }],
};

export const VIEW_KEYS = ["x", "log", "overlay", "heat"];
const FLASH_MS = 2000;

/** Scrolls `el` into view, focuses it and highlights it (its field, if it has one). */
export function drawEye(el) {
  if (!el) return;
  const box = el.closest(".field, .chart-options, .check") ?? el;
  el.scrollIntoView({ block: "center", behavior: "smooth" });
  el.focus({ preventScroll: true });
  box.classList.remove("flash");
  void box.offsetWidth; // restart the animation
  box.classList.add("flash");
  setTimeout(() => box.classList.remove("flash"), FLASH_MS);
}

/**
 * Shows the preset's suggestions in `box` (empty for none).
 * @param {HTMLElement} box
 * @param {string|undefined} presetId
 * @param {{control: (key: string, text: string) => void, view: (key: string, value: string) => void}} act
 */
export function showTryThis(box, presetId, act) {
  const items = TRY_THIS[presetId] ?? [];
  box.replaceChildren(
    ...items.map((t) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "try-this";
      b.dataset.key = t.key;
      b.textContent = `Try this: ${t.label}`;
      b.addEventListener("click", () => {
        if (VIEW_KEYS.includes(t.key)) act.view(t.key, t.value);
        else act.control(t.key, t.value);
        drawEye(document.getElementById(t.target));
      });
      return b;
    }),
  );
  box.hidden = items.length === 0;
}
