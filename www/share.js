//! Sharing and exporting: the address bar, "Copy link", the CSV and the chart PNG.
//!
//! The URL is rewritten (history.replaceState) on every change of the experiment
//! or the view, at most every URL_DELAY_MS (sliders fire many input events and
//! browsers throttle replaceState bursts), so the address bar always reproduces
//! the page. The CSV is the core's (`csvFromRuns`, one row per record, the row's
//! own seed); the PNG is the chart canvas, drawn fresh.

import { writeQuery, replaceUrl } from "./state.js";

const URL_DELAY_MS = 150;
const STATUS_MS = 4000;
const $ = (id) => document.getElementById(id);

/** Writes the URL now (returns it) or soon (returns null). */
export function updateUrl(app, now = false) {
  clearTimeout(app.timers.url);
  const write = () => {
    const href = replaceUrl(writeQuery(app.wasm, app.presets, app.config, app.view));
    const full = new URL(href);
    full.searchParams.delete("embed");
    full.searchParams.delete("autorun");
    $("full-link").href = full.href;
    $("share-url").value = href;
    return href;
  };
  if (now) return write();
  app.timers.url = setTimeout(write, URL_DELAY_MS);
  return null;
}

function shareStatus(app, text) {
  $("share-status").textContent = text;
  clearTimeout(app.timers.share);
  app.timers.share = setTimeout(() => ($("share-status").textContent = ""), STATUS_MS);
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function copyLink(app) {
  const href = updateUrl(app, true);
  try {
    await navigator.clipboard.writeText(href);
    $("share-fallback").hidden = true;
    shareStatus(app, "Link copied.");
  } catch {
    // No clipboard (permissions, insecure context): show the link to copy by hand.
    $("share-fallback").hidden = false;
    $("share-url").focus();
    $("share-url").select();
    shareStatus(app, "Copy the link from the box.");
  }
}

/** @param {() => string|null} csv  the CSV text, or null when no epoch has finished */
export function exportCsv(app, csv) {
  const text = csv();
  if (text === null) {
    shareStatus(app, "No finished epoch yet: run the experiment first.");
    return;
  }
  download(new Blob([text], { type: "text/csv" }), "lr-batch-playground.csv");
  shareStatus(app, "CSV saved.");
}

/** @param {{png: () => Promise<Blob>}} view  the chart to save */
export async function exportPng(app, view) {
  try {
    download(await view.png(), "lr-batch-playground.png");
    shareStatus(app, "Chart saved.");
  } catch (err) {
    shareStatus(app, `Could not save the chart: ${err.message}`);
  }
}
