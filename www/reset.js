//! Back to the defaults: a small "↺" button beside each control's label sets that one
//! parameter to its default, and "Reset all settings" brings the whole page back to
//! what the bare address shows.
//!
//! A parameter's default is its row's `default` in the core's parameter table (wasm
//! `paramsTable`, the text form a URL carries); the button hands it to the same
//! change handler as the control itself, so it is parsed and validated like a typed
//! value. The button shows only while the parameter differs from its default (the
//! caller's `sync`), and is a native button: Enter, Space or a tap.
//!
//! The page's own default (the article's experiment and the default view) is the
//! caller's to build: `onResetPage` is called, nothing here knows a preset.

import { fieldTools } from "./help.js";

/**
 * Adds a reset button to every `[data-param]` field of `form` whose parameter is in `rows`.
 * @param {HTMLFormElement} form
 * @param {{name: string, default: string}[]} rows
 * @param {(key: string, text: string, source: HTMLElement) => void} onChange
 * @returns {{sync: (query: string) => void}} `sync(query)` shows each button only while
 *   its parameter is in `query` (configToQuery's canonical form, which leaves defaults out)
 */
export function addResets(form, rows, onChange) {
  const byName = new Map(rows.map((r) => [r.name, r]));
  const buttons = [];
  for (const field of form.querySelectorAll("[data-param]")) {
    const row = byName.get(field.dataset.param);
    const place = row && fieldTools(field);
    if (!place) continue;
    const name = place.head.textContent.replace(/\s+/g, " ").trim();
    const button = document.createElement("button");
    button.type = "button";
    button.className = "reset-btn";
    button.textContent = "↺";
    button.dataset.reset = row.name;
    button.setAttribute("aria-label", `Reset ${name} to its default, ${row.default}`);
    button.title = `Reset to the default (${row.default})`;
    button.addEventListener("click", () => {
      // The control to focus afterwards: the field's first enabled one.
      const control = field.querySelector("input:not([type=hidden]):not(:disabled), select");
      onChange(row.name, row.default, control ?? button);
      control?.focus();
    });
    place.tools.append(button);
    buttons.push(button);
  }
  return {
    sync(query) {
      const set = new Set(new URLSearchParams(query).keys());
      for (const b of buttons) b.hidden = !set.has(b.dataset.reset);
    },
  };
}
