//! The plain-language captions beside the views: what the rule in force predicts,
//! and what to look for. Text only (the caller sets textContent); no numbers are
//! computed here beyond what the config says.

import { fmt } from "./controls.js";

const RULE_PREDICTS = {
  linear:
    "The linear rule multiplies the learning rate by k along with the batch. It predicts that plotted against epochs " +
    "or samples the curves coincide (every run sees the same digits), while on the steps axis the run with k times the " +
    "batch gets there in k times fewer steps. Look for the first curve that leaves the others: from that k on, the rule breaks.",
  sqrt:
    "The √k rule raises the learning rate by √k when the batch grows by k, which keeps the noise of each step the same. " +
    "It predicts that the larger batches trail k = 1 per epoch, by less than without any scaling. Look at the gap per " +
    "epoch, then switch the rule to linear and compare.",
  none:
    "Without scaling every run keeps the same learning rate, so a k times larger batch takes k times fewer steps of " +
    "about the same size per epoch. Expect its curve to lag per epoch and to roughly match k = 1 per step: switch the x " +
    "axis to steps to check.",
};

/** The caption under the learning curves. */
export function curvesCaption(config, view) {
  const parts = [RULE_PREDICTS[config.rule] ?? ""];
  if (config.repeats > 1) {
    parts.push(
      `Each line is the mean of ${config.repeats} seeds; the shaded band spans their lowest to highest value.`,
    );
  }
  if (view.overlay) {
    parts.push(
      view.x === "steps"
        ? "Overlay: each faint wide line is the k = 1 curve squeezed by that run's batch ratio, where the rule says the run should land."
        : "Overlay: the faint wide grey line is the k = 1 curve; under the rule every run should lie on it.",
    );
  } else {
    parts.push("Tick “overlay k = 1” for a faint reference of where the rule says each run should land.");
  }
  parts.push(
    "A cross marks a run whose loss blew up (diverged); a ring, a run that ended collapsed (answering one class).",
  );
  return parts.join(" ");
}

/** The caption under the landscape. */
export function landscapeCaption(config, view) {
  const what = view.heat === "loss" ? "final test loss (brighter is lower)" : "final test accuracy";
  const budget = `${config.epochs} epoch${config.epochs === 1 ? "" : "s"}`;
  const anchor = `(${config.b0 || "full"}, ${fmt(config.lr0)})`;
  return (
    `Left: the ${what} of every batch size (rows) and learning rate (columns) after ${budget}. ` +
    `The linear rule predicts that the bright valley of good cells follows the orange line through ${anchor}, ` +
    "where the rate grows with the batch; the √ rule predicts the pink line. Where the valley bends away from the line, " +
    "the rule has stopped working. ✕: the loss blew up and the run was stopped (diverged); grey: stuck at chance. " +
    `Right: the fewest optimizer steps any learning rate needed to reach ${fmt(config.target)} % test accuracy, per batch ` +
    "size (interpolated between evaluations). With perfect scaling they halve with every doubling of the batch (grey " +
    "line); where the measured line flattens, larger batches stop saving steps. A ✕ at the top: no rate got there within " +
    "the budget."
  );
}
