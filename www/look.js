//! The explaining and accessibility layer of the page, wired in one place so main.js
//! only calls it: the theme toggle (theme.js), each control's help and reset buttons
//! (help.js, reset.js), "Reset all settings", the presets' "try this" links
//! (trythis.js), and the charts' screen-reader tables and failure message
//! (a11y-tables.js).
//!
//! It keeps no state of its own: the theme choice is `app.view.theme` (in the URL), the
//! reset buttons and the theme getter live in `app.ui`. The hooks it is given are
//! main.js's own functions (change a control, set a view option, apply a config), so
//! every change here goes the same way as a change made by hand.

import { wireTheme } from "./theme.js";
import { addHelp } from "./help.js";
import { addResets } from "./reset.js";
import { showTryThis } from "./trythis.js";
import { fillTable, tableText, showFailures } from "./a11y-tables.js";
import { readQuery } from "./state.js";

const $ = (id) => document.getElementById(id);

/** The theme the page shows now ("light" before the toggle is wired). */
export function themeNow(app) {
  return app.ui.theme?.() ?? "light";
}

/**
 * Wires the toggle, the help and reset buttons and "Reset all settings".
 * @param {object} app
 * @param {{onControlChange: Function, setView: Function, applyConfig: Function,
 *          runColor: (run: object) => string}} hooks
 */
export function wireLook(app, { onControlChange, setView, applyConfig, runColor }) {
  const form = $("controls");
  const recolour = () => {
    for (const tr of document.querySelectorAll("#runs-body tr[data-run]")) {
      const run = app.experiment.runs[Number(tr.dataset.run)];
      if (run) tr.querySelector(".swatch")?.style.setProperty("--c", runColor(run));
    }
  };
  app.ui.theme = wireTheme(
    $("theme-toggle"),
    () => app.view.theme,
    (theme) => {
      setView({ theme });
      recolour();
    },
    () => {
      setView({});
      recolour();
    },
  );
  addHelp(form, app.params);
  app.ui.resets = addResets(form, app.params, onControlChange);
  $("reset-page").addEventListener("click", () => {
    // The bare address: the page's default experiment and view; the theme and the
    // embedding are the reader's, not the experiment's, so they stay.
    const fresh = readQuery(app.wasm, "");
    app.ui.controls.showErrors([]);
    app.budget.held = false;
    setView({ ...fresh.view, theme: app.view.theme, embed: app.view.embed });
    applyConfig(fresh.config);
    $("controls-title").scrollIntoView({ block: "nearest" });
  });
}

/** After a new config: the reset buttons show for the parameters off their default. */
export function lookAfterConfig(app) {
  app.ui.resets?.sync(app.wasm.configToQuery(JSON.stringify(app.config)));
}

/** After the preset line changed: its "try this" links. */
export function lookAfterPreset(app, presetId, { onControlChange, setView }) {
  showTryThis($("try-this"), presetId, {
    control: (key, text) => onControlChange(key, text, $(key) ?? $("controls")),
    view: (key, value) => setView({ [key]: key === "log" || key === "overlay" ? value === "1" : value }),
  });
}

/** After a redraw: the charts' tables and the failure message, from the history. */
export function lookAfterRender(app) {
  if (!app.history || app.config.mode === "landscape") return;
  const rows = JSON.parse(app.history.latest());
  fillTable($("chart-table"), "Latest values of every run (the learning curves)", tableText("curves", rows));
  fillTable($("noise-table"), "Latest gradient noise scale of every run", tableText("noise", rows));
  showFailures($("chart-failure"), rows);
}
