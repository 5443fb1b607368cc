//! The page's state <-> the URL query string.
//!
//! The experiment itself (b0, lr0, k, rule, …) is parsed, validated and
//! written by the wasm `parseQuery` / `configToQuery` / `validateConfig`,
//! which derive from the one parameter table in `src/config.rs`; this module
//! never checks a range or lists a parameter of the experiment. It only adds
//! the page's own keys, which are not part of an experiment:
//!
//!   preset=ID      start from this preset; explicit keys after it override
//!   x=epoch|samples|steps|time   the chart's x axis
//!   log=1          losses on a log scale
//!   overlay=1      the k = 1 curve drawn faintly on every run's axis
//!   heat=accuracy|loss   what the landscape heatmap colours
//!   theme=dark|light     the colour scheme (absent: follow the system setting)
//!   embed=1        compact layout for an iframe
//!   autorun=1      start training as soon as the page is ready
//!
//! Written links end with the core's schema version, `v=2` (`queryVersion`); the core
//! reads it, and a link without it (written before it existed) opens the same experiment.
//!
//! Page default: a link without `k` and without `preset` is the article's
//! experiment (k = 1-7), so the bare URL opens ready to run. Written links
//! therefore always carry `k`, so that reading them back gives the same runs.
//!
//! Every problem (unknown key, bad value, unknown preset) becomes a notice
//! object {param, value, message}; the caller shows it as text, never as HTML
//! (notices.js shortens every part and shows only a handful).

import { PRESETS, presetById } from "./presets.js";

export const PAGE_KEYS = ["preset", "x", "embed", "autorun", "log", "overlay", "heat", "theme"];
export const THEME_VALUES = ["light", "dark"];
export const X_AXES = ["epoch", "samples", "steps", "time"];
export const HEAT_VALUES = ["accuracy", "loss"];
const DEFAULT_PRESET = PRESETS[0];

function flag(v) {
  return v === "" || v === "1" || v === "true" || v === "yes" || v === "on";
}
function isFlagText(v) {
  return ["", "0", "1", "true", "false", "yes", "no", "on", "off"].includes(v);
}

/**
 * The pairs of a query (without `?`) whose key is one of `keys`, as URLSearchParams: the
 * same answers for those keys as parsing the whole query (order kept, encoded keys such
 * as `%78` decoded alike), without building every pair. Chromium takes seconds to build
 * URLSearchParams from a 1 MB link of half a million pairs; splitting it takes milliseconds.
 */
export function pickParams(raw, keys) {
  const wanted = new Set(keys);
  const decoded = (key) => {
    try {
      return decodeURIComponent(key.replace(/\+/g, " "));
    } catch {
      return null; // malformed escapes stay literal in URLSearchParams: never a wanted key
    }
  };
  const picked = raw.split("&").filter((pair) => {
    const eq = pair.indexOf("=");
    const key = eq < 0 ? pair : pair.slice(0, eq);
    return wanted.has(key) || (key.length <= 32 && /[%+]/.test(key) && wanted.has(decoded(key)));
  });
  return new URLSearchParams(picked.join("&"));
}

/**
 * Reads a query string (`?a=1&b=2` or `a=1&b=2`).
 * @returns {{config: object, view: {x: string, log: boolean, overlay: boolean, heat: string,
 *            embed: boolean, autorun: boolean, theme: string|null},
 *            errors: {param: string, value: string, message: string}[], more: number}}
 *   `more` counts the problems the parser found but did not list
 */
export function readQuery(wasm, search) {
  const raw = search.replace(/^\?/, "");
  const all = pickParams(raw, [...PAGE_KEYS, "k"]);
  // A key given twice: the last one wins, for the page's keys as for the experiment's
  // (the core's rule, src/config/query.rs).
  const params = { get: (key) => all.getAll(key).at(-1) ?? null, has: (key) => all.has(key) };
  const errors = [];
  const view = { x: "epoch", log: false, overlay: false, heat: "accuracy", embed: false, autorun: false, theme: null };

  const x = params.get("x");
  if (x !== null) {
    const norm = x === "epochs" ? "epoch" : x;
    if (X_AXES.includes(norm)) view.x = norm;
    else errors.push({ param: "x", value: x, message: `unknown x axis; allowed: ${X_AXES.join(", ")}` });
  }
  const heat = params.get("heat");
  if (heat !== null) {
    if (HEAT_VALUES.includes(heat)) view.heat = heat;
    else errors.push({ param: "heat", value: heat, message: `allowed: ${HEAT_VALUES.join(", ")}` });
  }
  const theme = params.get("theme");
  if (theme !== null) {
    if (THEME_VALUES.includes(theme)) view.theme = theme;
    else errors.push({ param: "theme", value: theme, message: `allowed: ${THEME_VALUES.join(", ")}` });
  }
  for (const key of ["log", "overlay", "embed", "autorun"]) {
    const v = params.get(key);
    if (v === null) continue;
    if (!isFlagText(v.toLowerCase())) {
      errors.push({ param: key, value: v, message: "allowed: 1 or 0" });
    } else {
      view[key] = flag(v.toLowerCase());
    }
  }

  // The experiment: the preset's keys first, the link's own keys after them
  // (parseQuery applies keys in order, so the link's keys win).
  let base = "";
  const presetId = params.get("preset");
  if (presetId !== null) {
    const p = presetById(presetId);
    if (p) base = p.query;
    else {
      errors.push({
        param: "preset",
        value: presetId,
        message: `unknown preset; known: ${PRESETS.map((q) => q.id).join(", ")}`,
      });
    }
  }
  if (!base && !params.has("k")) base = DEFAULT_PRESET.query;
  const parsed = JSON.parse(wasm.parseQuery(base ? `${base}&${raw}` : raw, PAGE_KEYS.join(",")));
  // concat, not push(...): a hostile link may carry many thousands of problems.
  return { config: parsed.config, view, errors: errors.concat(parsed.errors), more: parsed.more ?? 0 };
}

/** The query string (without `?`) of a config and the view options. */
export function writeQuery(wasm, presets, config, view) {
  const parts = [];
  const preset = matchPreset(presets, config);
  if (preset) parts.push(`preset=${preset.id}`);
  let q = wasm.configToQuery(JSON.stringify(config));
  // configToQuery leaves out keys at their default; k's default (1) is not
  // the page's default (1-7), so k is always written.
  if (!/(^|&)k=/.test(q)) q = q ? `${q}&k=1` : "k=1";
  parts.push(q);
  if (view.x && view.x !== "epoch") parts.push(`x=${view.x}`);
  if (view.log) parts.push("log=1");
  if (view.overlay) parts.push("overlay=1");
  if (view.heat && view.heat !== "accuracy") parts.push(`heat=${view.heat}`);
  if (view.theme) parts.push(`theme=${view.theme}`);
  if (view.embed) parts.push("embed=1");
  if (view.autorun) parts.push("autorun=1");
  parts.push(`v=${wasm.queryVersion()}`);
  return parts.filter(Boolean).join("&");
}

/** Replaces the address bar's query (no new history entry). */
export function replaceUrl(query) {
  const url = new URL(window.location.href);
  url.search = query ? `?${query}` : "";
  try {
    window.history.replaceState(null, "", url);
  } catch {
    // Some sandboxed iframes forbid it; the link is still shown by "Copy link".
  }
  return url.href;
}

/** Every preset's parsed config, by id: computed once, kept in the app state. */
export function presetConfigs(wasm) {
  return new Map(PRESETS.map((p) => [p.id, JSON.parse(wasm.parseQuery(p.query, "")).config]));
}

/**
 * The first preset whose experiment equals `config`, or undefined. The dataset is not part
 * of the comparison: a preset names an experiment, and it is the same experiment on the
 * visitor's own files.
 */
export function matchPreset(presets, config) {
  const key = canonical(config);
  return PRESETS.find((p) => presets.has(p.id) && canonical(presets.get(p.id)) === key);
}

function canonical(config) {
  return JSON.stringify(
    Object.keys(config)
      .filter((k) => k !== "data")
      .sort()
      .map((k) => [k, config[k]]),
  );
}
