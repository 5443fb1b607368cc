//! What the charts, the exports and the summary line are built from: the runs'
//! records grouped as the core grouped them. Pure functions of the runs (as runs.js
//! keeps them) and the config; no DOM, no wasm.
//!
//! A curve is one group of the core's run list (`group`: one k, or one grid cell)
//! with its repeats: the repeat with the most epochs leads (so the line reaches as
//! far as any of them), the others become the chart's mean line and min–max band.

/** The curves for drawChart: `[{label, color, records, repeats}]`, one per group with records. */
export function curves(runs) {
  const groups = new Map();
  for (const r of runs) {
    if (!r.records.length) continue;
    if (!groups.has(r.group)) groups.set(r.group, []);
    groups.get(r.group).push(r);
  }
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([group, members]) => {
      members.sort((a, b) => b.records.length - a.records.length || a.repeat - b.repeat);
      return {
        label: members[0].label + divergedNote(runs, group),
        color: group,
        records: members[0].records,
        repeats: members.slice(1).map((r) => r.records),
      };
    });
}

/** " (2 of 3 diverged)" / " (diverged)" / "" for a group's runs. */
export function divergedNote(runs, group) {
  const members = runs.filter((r) => r.group === group);
  const diverged = members.filter((r) => r.status === "diverged").length;
  if (diverged === 0) return "";
  return members.length > 1 ? ` (${diverged} of ${members.length} diverged)` : " (diverged)";
}

/** The runs with records, as wasm's RunIn (landscape, CSV, critical batch size). */
export function runResults(runs) {
  return runs
    .filter((r) => r.records.length)
    .map((r) => ({ run: r.index, config: r.config, repeat: r.repeat, status: r.status, records: r.records }));
}

/**
 * The landscape's progress: `{runs, finished, progress}`. An ended run (a diverged one
 * stops early) counts as a whole cell, and only an ended one: the bar is full when the
 * grid is, not when the last step is taken.
 */
export function gridProgress(runs, terminal) {
  const ended = (r) => terminal.has(r.status);
  const finished = runs.filter(ended).length;
  const part = (r) => (ended(r) ? 1 : Math.min(0.99, r.progress));
  const progress = runs.length ? runs.reduce((a, r) => a + part(r), 0) / runs.length : 0;
  return { runs: runs.length, finished, progress };
}

const STATUS_WORDS = [
  ["active", "training"],
  ["queued", "queued"],
  ["paused", "paused"],
  ["done", "done"],
  ["diverged", "diverged"],
  ["stopped", "stopped"],
  ["error", "failed"],
];

/** The summary line beside Run: "7 runs, 2 at a time · 2 training, 5 queued". */
export function summaryText(runs, config, slots) {
  const counts = { active: 0 };
  for (const r of runs) {
    const s = r.status === "running" || r.status === "loading" ? "active" : r.status;
    counts[s] = (counts[s] ?? 0) + 1;
  }
  const parts = STATUS_WORDS.filter(([s]) => counts[s]).map(([s, word]) => `${counts[s]} ${word}`);
  const n = runs.length;
  const seeds = config.repeats > 1 ? ` × ${config.repeats} seeds` : "";
  const shape =
    config.mode === "landscape"
      ? ` (${config.grid_b.length} batch sizes × ${config.grid_lr.length} rates${seeds})`
      : config.repeats > 1
        ? ` (${config.k.length}${seeds})`
        : "";
  const head = `${n} run${n === 1 ? "" : "s"}${shape}, ${Math.min(slots, n)} at a time`;
  return parts.length ? `${head} · ${parts.join(", ")}` : `${head} · ready`;
}
