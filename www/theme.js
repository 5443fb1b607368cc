//! Light or dark: which the page shows, and the toggle that changes it.
//!
//! The page follows the system setting (`prefers-color-scheme`) unless the link says
//! otherwise (`theme=dark|light`, a view option kept in the URL by state.js) or the
//! reader presses the toggle, which then becomes the link's choice. The theme shows on
//! <html data-theme>, which the stylesheet's theme block reads, and is passed to every
//! wasm draw call (`theme` option) and to the run palette, so the charts are drawn for
//! the background they sit on; nothing here draws or picks a colour itself.
//!
//! Pure parts (`resolveTheme`, `nextTheme`) take the system preference as an argument,
//! so they are tested without a browser.

export const THEMES = ["light", "dark"];

/** The theme to show: the link's or the reader's choice, else the system's. */
export function resolveTheme(choice, systemDark) {
  if (THEMES.includes(choice)) return choice;
  return systemDark ? "dark" : "light";
}

/** The theme the toggle switches to from `shown`. */
export function nextTheme(shown) {
  return shown === "dark" ? "light" : "dark";
}

/** Whether the system asks for dark (false where matchMedia is missing). */
export function systemPrefersDark() {
  return typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches;
}

/** Shows `theme` on the document: <html data-theme> and the colour-scheme meta. */
export function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
  document.querySelector('meta[name="color-scheme"]')?.setAttribute("content", theme);
}

/**
 * Wires the toggle button and the system setting.
 * @param {HTMLButtonElement} button  a button whose aria-pressed says "dark is on"
 * @param {() => string|null} choice  the view's explicit theme (null: follow the system)
 * @param {(theme: string) => void} onChoose  the reader pressed the toggle: make `theme`
 *   the view's explicit choice (and redraw)
 * @param {() => void} onSystemChange  the system setting changed (redraw if followed)
 * @returns {() => string} the theme shown now
 */
export function wireTheme(button, choice, onChoose, onSystemChange) {
  const shown = () => resolveTheme(choice(), systemPrefersDark());
  const show = () => {
    const theme = shown();
    applyTheme(theme);
    button.setAttribute("aria-pressed", String(theme === "dark"));
    button.title = theme === "dark" ? "Switch to the light theme" : "Switch to the dark theme";
  };
  button.addEventListener("click", () => {
    onChoose(nextTheme(shown()));
    show();
  });
  if (typeof matchMedia === "function") {
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
      show();
      onSystemChange();
    });
  }
  show();
  return shown;
}
