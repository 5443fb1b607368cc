//! "Inside a run": keeps the live view (live.js) showing the selected run.
//!
//! After each epoch of the selected run its worker is asked for the sample's
//! predictions and the confusion matrix (one request pair at a time); an ended
//! run shows the snapshot its "end" message carried. The digits' pixels are
//! asked once, from the first run whose worker is ready. State lives in
//! `app.live` and `app.selected`.

import { sampleIndices } from "./live.js";
import { accText, runLabel } from "./table.js";
import { fmt } from "./controls.js";

const IDLE_TEXT = "Run the experiment to see what the network predicts.";

/** The caption of a run's live view after `epoch`. */
export function describeRun(r, config, epoch) {
  const last = r.records[r.records.length - 1];
  const acc = last ? ` · test accuracy ${accText(last.testAcc)}` : "";
  const when = epoch ? `after epoch ${epoch} of ${config.epochs}` : "";
  const seed = config.repeats > 1 ? `, seed ${r.seed}` : "";
  const who = config.mode === "landscape" ? "Run" : `Run k = ${r.k}`;
  return `${who} (batch ${r.plan?.batch ?? "?"}, η = ${fmt(r.plan?.lr)}${seed}) ${when}${acc}`;
}

/** Clears the live view to its first-visit text. */
export function clearLive(app) {
  app.ui.live.clear(IDLE_TEXT);
}

/** Shows the selected run as it is now (asks its worker when it has one). */
export async function refreshLive(app) {
  const { experiment, ui, config } = app;
  const r = experiment.runs[app.selected];
  if (!r) return;
  const name = runLabel(r, config);
  if (r.status === "idle" || (r.records.length === 0 && !r.snapshot)) {
    ui.live.clear(
      r.status === "idle" ? `Run ${name} has not started yet.` : `Run ${name}: waiting for its first epoch…`,
    );
    return;
  }
  const epoch = r.records[r.records.length - 1]?.epoch ?? 0;
  if (!r.worker) {
    if (r.snapshot)
      ui.live.show(`${describeRun(r, config, epoch)} · ${r.status}`, r.snapshot.predict, r.snapshot.confusion);
    return;
  }
  if (app.live.busy || !r.ready) return;
  app.live.busy = true;
  try {
    const indices = sampleIndices(r.plan.nTest);
    const [predict, confusion] = await Promise.all([
      experiment.request(r.index, { type: "predict", indices }),
      experiment.request(r.index, { type: "confusion" }),
    ]);
    if (experiment.runs[app.selected] === r) ui.live.show(describeRun(r, config, epoch), predict, confusion);
  } catch {
    // The run ended meanwhile: its snapshot arrives with the "end" message.
  } finally {
    app.live.busy = false;
  }
}

/** Asks run `r` for the sample's pixels, once per page. */
export async function fetchImages(app, r) {
  const { live } = app.ui;
  if (app.live.imagesAsked || live.hasImages || !r.ready || !r.plan?.nTest) return;
  app.live.imagesAsked = true;
  try {
    live.setImages(await app.experiment.request(r.index, { type: "images", indices: sampleIndices(r.plan.nTest) }));
  } catch {
    app.live.imagesAsked = false; // ask the next live run
  }
}
