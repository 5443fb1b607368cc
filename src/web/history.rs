//! `History`: the records of one experiment, kept in wasm memory on the main thread, so
//! the page's charts, exports and summaries never serialise the whole history again.
//!
//! Before it, every redraw turned every record of every run into JSON in JS and parsed
//! it back here, twice (curves and noise panel, or grid and summary): at the largest
//! landscape that is tens of MB per frame. Now the page hands each record over once, as
//! it arrives (`push`, a few hundred bytes), with each run's status when it changes
//! (`setStatus`), and asks the store to draw (`drawChart`, `drawLandscape`), summarise
//! (`landscapeSummary`) or export (`csv`) from its own state; only options cross the
//! boundary per frame.
//!
//! The store is built from the core's run list (`experimentRuns`' rows: index, group,
//! label, repeat and the run's own config), so curves group repeats exactly as the core
//! does: one curve per `group`, its longest repeat leading and the others drawn as the
//! mean line and min–max band, labelled with the core's label and how many of the
//! group's runs diverged. Statuses are the core's [`RunStatus`] names (the page's
//! words: idle, queued, loading, running, paused, done, diverged, stopped, error); the
//! critical batch size (`criticalBatch`) is the core's [`critical_batch`] over the
//! stored runs and their statuses, the same number the CLI prints.
//!
//! Besides its own runs the store draws two kinds of overlay on the curves
//! ([`plot::draw_curves_with`]): kept experiments pinned for comparison (`pin(key, name,
//! csv)`: the CSV read by the core's `runs_from_csv`, drawn dashed and named in the
//! legend on every x axis; `unpin`), and each run's planned learning rate while it has no
//! record (the core's [`keep::planned_lr`] from the run's plan and `trainSize`; curves
//! mode, not on the time axis, which a plan cannot know). `loadCsv(csv)` puts a kept
//! experiment's records back into the runs they came from, so a restored or imported
//! experiment is drawn, summarised and exported without training. `drawChart`'s answer
//! adds `legend`, the names the chart shows, in order.
//!
//! ```text
//! new History(configJson, runsJson)   push(run, recordJson)   clear(run)
//! setStatus(run, status)   records(run)   drawChart(canvas, optionsJson)
//! drawLandscape(canvas, optionsJson)   landscapeSummary()   csv()   criticalBatch()
//! pin(key, name, csv)   unpin(key)   pinned()   loadCsv(csv)
//! diffLabel(aJson, bJson)   csvExperiment(csv)   plannedLr(configJson, nImages?)
//! queryVersion()                                         (module functions)
//! latest()
//! ```
//!
//! `latest()` answers each curve's newest values under the label the chart draws, and
//! where the group's first failed run (diverged or collapsed) stopped: the page's
//! screen-reader tables of the charts and its failure message read it.
//! Not here: the chart code (chart.rs / landscape.rs / the core's plot), any clock.

use std::collections::BTreeMap;

use serde::Deserialize;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

use super::canvas::draw_on;
use super::chart::options as curve_options;
use super::landscape::{landscape_options, summary_json};
use super::records::RecordIn;
use super::{config_error, install_panic_hook, to_json, whole_number};
use crate::config::{self, Config, Mode};
use crate::keep;
use crate::landscape::Landscape;
use crate::metrics::{read_csv, runs_from_csv, to_csv_string, EpochRecord, RunResult};
use crate::plot::{self, Curve, Metric, Overlay, OverlayStyle, XAxis};
use crate::summary::{critical_batch, stuck_at_chance, RunStatus};

/// One row of `experimentRuns` as the store needs it; other fields are ignored.
#[derive(Deserialize)]
struct RunRow {
    index: usize,
    group: usize,
    label: String,
    repeat: u32,
    config: Config,
    /// The run's multiplier and training-set size, for its planned rate (optional).
    #[serde(default)]
    k: Option<u32>,
    #[serde(default, rename = "trainSize")]
    train_size: Option<usize>,
}

/// What the store knows of a run beyond its [`RunResult`].
struct Meta {
    group: usize,
    label: String,
    status: RunStatus,
    /// Its planned rate ([`keep::planned_lr`]); empty in landscape mode or without a size.
    plan: Vec<EpochRecord>,
}

/// A kept experiment drawn over the current one.
struct Pin {
    key: String,
    name: String,
    runs: Vec<RunResult>,
}

/// The records of every run of one experiment. See the module docs.
#[wasm_bindgen(js_name = History)]
pub struct History {
    config: Config,
    runs: Vec<RunResult>,
    meta: Vec<Meta>,
    pins: Vec<Pin>,
}

#[wasm_bindgen(js_class = History)]
impl History {
    /// `new History(configJson, runsJson)`: an empty store for the experiment `configJson`
    /// whose runs are `runsJson` (`experimentRuns`' answer, in order; `index` must count
    /// 0, 1, 2, …). Throws on bad JSON, an invalid config or an index out of order.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str, runs_json: &str) -> Result<History, JsError> {
        install_panic_hook();
        let config = Config::from_json(config_json).map_err(|e| config_error(&e))?;
        let rows: Vec<RunRow> = serde_json::from_str(runs_json)
            .map_err(|e| JsError::new(&format!("History: bad runs JSON: {e}")))?;
        let mut runs = Vec::with_capacity(rows.len());
        let mut meta = Vec::with_capacity(rows.len());
        for (i, row) in rows.into_iter().enumerate() {
            if row.index != i {
                return Err(JsError::new(&format!(
                    "History: run {i} has index {}; the runs must be in order",
                    row.index
                )));
            }
            runs.push(RunResult {
                run: i,
                config: row.config,
                repeat: row.repeat,
                records: Vec::new(),
            });
            let plan = match (config.mode, row.k, row.train_size) {
                (Mode::Curves, Some(k), Some(n)) if row.repeat == 0 => {
                    keep::planned_lr(&runs[i].config, k, n)
                }
                _ => Vec::new(),
            };
            meta.push(Meta {
                group: row.group,
                label: row.label,
                status: RunStatus::Idle,
                plan,
            });
        }
        Ok(History {
            config,
            runs,
            meta,
            pins: Vec::new(),
        })
    }

    /// Appends one epoch record (`EpochRecord` JSON, floats nullable) to run `run`.
    pub fn push(&mut self, run: usize, record_json: &str) -> Result<(), JsError> {
        let n = self.runs.len();
        let r = self
            .runs
            .get_mut(run)
            .ok_or_else(|| JsError::new(&format!("History.push: no run {run} (of {n})")))?;
        let rec: RecordIn = serde_json::from_str(record_json)
            .map_err(|e| JsError::new(&format!("History.push: bad record JSON: {e}")))?;
        r.records.push(EpochRecord::from(rec));
        Ok(())
    }

    /// Forgets run `run`'s records (it starts again, or was reset). Unknown runs are ignored.
    pub fn clear(&mut self, run: usize) {
        if let Some(r) = self.runs.get_mut(run) {
            r.records.clear();
        }
    }

    /// Records run `run`'s status (a `runStatuses` name). Unknown runs are ignored; an
    /// unknown status throws, naming the known ones.
    #[wasm_bindgen(js_name = setStatus)]
    pub fn set_status(&mut self, run: usize, status: &str) -> Result<(), JsError> {
        let s = RunStatus::ALL
            .into_iter()
            .find(|s| s.name() == status)
            .ok_or_else(|| {
                let known: Vec<&str> = RunStatus::ALL.iter().map(|s| s.name()).collect();
                JsError::new(&format!(
                    "History.setStatus: unknown status {status:?}; known: {}",
                    known.join(", ")
                ))
            })?;
        if let Some(m) = self.meta.get_mut(run) {
            m.status = s;
        }
        Ok(())
    }

    /// `criticalBatch()`: the critical batch size of the stored runs, as the module
    /// function `criticalBatch` answers for the same runs and statuses:
    /// `{"median", "min", "max", "q1", "q3", "n", "excluded"}` or `null`.
    #[wasm_bindgen(js_name = criticalBatch)]
    pub fn critical_batch(&self) -> Result<String, JsError> {
        to_json(&critical_batch(
            self.runs
                .iter()
                .zip(self.meta.iter().map(|m| Some(m.status))),
        ))
    }

    /// `latest()`: one row per curve of `drawChart`, in its order: `{"group", "label",
    /// "epoch", "epochsDone", "step", "samples", "testAcc", "testLoss", "trainLoss", "lr",
    /// "noiseScale", "failed"}`, the leading run's last record under the chart's label
    /// (with the core's note on failed runs); `failed` is null or `{"status": "diverged" |
    /// "collapsed" | "stuck", "repeat", "epoch", "epochsDone", "step", "lr"}`, the last record of
    /// the group's first failed run ("stuck": it finished no better than chance), with
    /// its test accuracy as `testAcc`. Non-finite numbers are `null`.
    pub fn latest(&self) -> Result<String, JsError> {
        let failed = self.first_failures();
        let rows: Vec<serde_json::Value> = self
            .curves()
            .iter()
            .map(|c| {
                let last = c.records.last();
                let num = |f: fn(&EpochRecord) -> f64| last.map(f).filter(|v| v.is_finite());
                serde_json::json!({
                    "group": c.color,
                    "label": c.label,
                    "epoch": last.map(|r| r.epoch),
                    "epochsDone": num(|r| r.epochs_done),
                    "step": last.map(|r| r.step),
                    "samples": last.map(|r| r.samples),
                    "testAcc": num(|r| r.test_acc),
                    "testLoss": num(|r| r.test_loss),
                    "trainLoss": num(|r| r.train_loss),
                    "lr": num(|r| r.lr),
                    "noiseScale": num(|r| r.noise_scale),
                    "failed": failed.get(&c.color),
                })
            })
            .collect();
        to_json(&rows)
    }

    /// `toTarget(run)`: `{"steps", "ms"}`, the optimizer step and the wall time (ms from
    /// the run's start) at which run `run` first reached the experiment's `target` test
    /// accuracy, interpolated between its evaluations (`landscape::steps_to_target`,
    /// `time_to_target`); each `null` if it has not (or the run is unknown).
    #[wasm_bindgen(js_name = toTarget)]
    pub fn to_target(&self, run: usize) -> Result<String, JsError> {
        let records = self.runs.get(run).map_or(&[][..], |r| &r.records[..]);
        let target = self.config.target;
        to_json(&serde_json::json!({
            "steps": crate::landscape::steps_to_target(records, target),
            "ms": crate::landscape::time_to_target(records, target),
        }))
    }

    /// How many records run `run` has (0 for an unknown run).
    pub fn records(&self, run: usize) -> usize {
        self.runs.get(run).map_or(0, |r| r.records.len())
    }

    /// `drawChart(canvas, optionsJson)`: the learning curves of the stored runs, with the
    /// options and the answer (`{"panels": [...]}`) of the module function `drawChart`.
    #[wasm_bindgen(js_name = drawChart)]
    pub fn draw_chart(
        &self,
        canvas: &HtmlCanvasElement,
        options_json: &str,
    ) -> Result<String, JsError> {
        let curves = self.curves();
        let opts = curve_options(options_json, curves.len())?;
        let overlays = self.overlays(opts.x);
        let drawn = draw_on("History.drawChart", canvas, |root| {
            plot::draw_curves_with(root, &curves, &overlays, &opts)
        })?;
        // The names the legend shows (a planned rate only where a rate panel is).
        let has_lr = opts.metrics.contains(&Metric::Lr);
        let legend: Vec<&str> = curves
            .iter()
            .map(|c| c.label.as_str())
            .chain(
                overlays
                    .iter()
                    .filter(|o| o.style == OverlayStyle::Pinned || has_lr)
                    .map(|o| o.curve.label.as_str()),
            )
            .collect();
        let mut answer: serde_json::Value =
            serde_json::from_str(&drawn).map_err(|e| JsError::new(&format!("internal: {e}")))?;
        answer["legend"] = serde_json::json!(legend);
        Ok(answer.to_string())
    }

    /// `pin(key, name, csv)`: draws the kept experiment `csv` (a CSV of the page's export
    /// or `sweep`) over the curves, dashed, each curve named `name · k = …`; pinning `key`
    /// again replaces it. Throws on a bad CSV, naming the line and column.
    pub fn pin(&mut self, key: &str, name: &str, csv: &str) -> Result<(), JsError> {
        let runs = runs_from_csv(csv).map_err(|e| JsError::new(&format!("pin: {e}")))?;
        self.unpin(key);
        self.pins.push(Pin {
            key: key.to_string(),
            name: name.to_string(),
            runs,
        });
        Ok(())
    }

    /// `unpin(key)`: stops drawing a pinned experiment (an unknown key is ignored).
    pub fn unpin(&mut self, key: &str) {
        self.pins.retain(|p| p.key != key);
    }

    /// `pinned()`: how many experiments are pinned.
    pub fn pinned(&self) -> usize {
        self.pins.len()
    }

    /// `loadCsv(csv)`: puts the records of a kept experiment back into this store's runs:
    /// each CSV run into the run with the same config and repeat (else the one of its
    /// index, when its k agrees), replacing what that run had. Answers `{"runs": n,
    /// "unmatched": m}`. Throws on a bad CSV, naming the line and column.
    #[wasm_bindgen(js_name = loadCsv)]
    pub fn load_csv(&mut self, csv: &str) -> Result<String, JsError> {
        let kept = runs_from_csv(csv).map_err(|e| JsError::new(&format!("loadCsv: {e}")))?;
        let (mut matched, mut unmatched) = (0usize, 0usize);
        for r in kept {
            let at = self
                .runs
                .iter()
                .position(|x| x.repeat == r.repeat && x.config == r.config)
                .or_else(|| {
                    self.runs
                        .get(r.run)
                        .filter(|x| x.repeat == r.repeat && x.k() == r.k())
                        .map(|_| r.run)
                });
            match at {
                Some(i) => {
                    self.runs[i].records = r.records;
                    matched += 1;
                }
                None => unmatched += 1,
            }
        }
        to_json(&serde_json::json!({ "runs": matched, "unmatched": unmatched }))
    }

    /// `drawLandscape(canvas, optionsJson)`: the grid of the stored runs, with the options
    /// and the answer of the module function `drawLandscape`.
    #[wasm_bindgen(js_name = drawLandscape)]
    pub fn draw_landscape(
        &self,
        canvas: &HtmlCanvasElement,
        options_json: &str,
    ) -> Result<String, JsError> {
        let (value, size) = landscape_options(options_json)?;
        let land = self.landscape();
        draw_on("History.drawLandscape", canvas, |root| {
            plot::draw_landscape(root, &land, value, size)
        })
    }

    /// `landscapeSummary()`: the grid as numbers, as the module function
    /// `landscapeSummary` answers for the same runs.
    #[wasm_bindgen(js_name = landscapeSummary)]
    pub fn landscape_summary(&self) -> Result<String, JsError> {
        summary_json(self.landscape())
    }

    /// `csv()`: the CSV of every stored record (as `csvFromRuns`), or "" when no run has
    /// finished an epoch.
    pub fn csv(&self) -> String {
        let with: Vec<RunResult> = self
            .runs
            .iter()
            .filter(|r| !r.records.is_empty())
            .cloned()
            .collect();
        if with.is_empty() {
            String::new()
        } else {
            to_csv_string(&with)
        }
    }
}

impl History {
    /// Per group, where its first failed run (by the page's status, or else the records')
    /// stopped: the last record of that run. A run that finished no better than chance
    /// ([`stuck_at_chance`], what the summaries leave out) counts as failed, "stuck".
    fn first_failures(&self) -> BTreeMap<usize, serde_json::Value> {
        let mut out = BTreeMap::new();
        for (r, m) in self.runs.iter().zip(&self.meta) {
            let st = if m.status.failed() {
                m.status
            } else {
                RunStatus::of_records(r)
            };
            let stuck = m.status == RunStatus::Done && stuck_at_chance(r);
            let Some(last) = r.records.last().filter(|_| st.failed() || stuck) else {
                continue;
            };
            let finite = |v: f64| Some(v).filter(|v| v.is_finite());
            out.entry(m.group).or_insert_with(|| {
                serde_json::json!({
                    "status": if st.failed() { st.name() } else { "stuck" },
                    "repeat": r.repeat,
                    "epoch": last.epoch,
                    "epochsDone": finite(last.epochs_done),
                    "step": last.step,
                    "lr": finite(last.lr),
                    "testAcc": finite(last.test_acc),
                })
            });
        }
        out
    }

    /// The pinned experiments' curves, then the planned rate of every leading run that
    /// has no record yet (not against wall time, which a plan cannot know).
    fn overlays(&self, x: XAxis) -> Vec<Overlay<'_>> {
        let mut out = Vec::new();
        for p in &self.pins {
            let (curves, n) = keep::pinned_curves(&p.name, &p.runs);
            out.extend(curves.into_iter().map(|curve| Overlay {
                curve,
                runs: n,
                style: OverlayStyle::Pinned,
            }));
        }
        if x != XAxis::Time {
            let groups = self.config.group_count();
            for (r, m) in self.runs.iter().zip(&self.meta) {
                if r.records.is_empty() && !m.plan.is_empty() {
                    out.push(Overlay {
                        curve: Curve::new(format!("{} (planned)", m.label), &m.plan, m.group),
                        runs: groups,
                        style: OverlayStyle::Planned,
                    });
                }
            }
        }
        out
    }

    fn landscape(&self) -> Landscape {
        Landscape::new(&self.config, &self.runs)
    }

    /// The range test of the stored runs (`range.rs` draws and summarises it).
    pub(super) fn relation(&self) -> crate::lr_range::Relation {
        crate::lr_range::Relation::new(&self.config, &self.runs)
    }

    /// One curve per group with records: the repeat with the most epochs leads (ties: the
    /// lower repeat), the others are its band; the label says how many diverged or
    /// collapsed (by the page's status, or else the records').
    fn curves(&self) -> Vec<Curve<'_>> {
        let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        // (runs, diverged, collapsed)
        let mut sizes: BTreeMap<usize, (usize, usize, usize)> = BTreeMap::new();
        for (i, (r, m)) in self.runs.iter().zip(&self.meta).enumerate() {
            let st = if m.status.failed() {
                m.status
            } else {
                RunStatus::of_records(r)
            };
            let s = sizes.entry(m.group).or_default();
            s.0 += 1;
            s.1 += usize::from(st == RunStatus::Diverged);
            s.2 += usize::from(st == RunStatus::Collapsed);
            if !r.records.is_empty() {
                members.entry(m.group).or_default().push(i);
            }
        }
        members
            .into_iter()
            .map(|(group, mut ids)| {
                ids.sort_by(|&a, &b| {
                    let (ra, rb) = (&self.runs[a], &self.runs[b]);
                    rb.records
                        .len()
                        .cmp(&ra.records.len())
                        .then(ra.repeat.cmp(&rb.repeat))
                });
                let (n, diverged, collapsed) = sizes[&group];
                let note = crate::summary::failed_note(n, diverged, collapsed);
                Curve {
                    label: format!("{}{note}", self.meta[ids[0]].label),
                    records: &self.runs[ids[0]].records,
                    color: group,
                    repeats: ids[1..]
                        .iter()
                        .map(|&i| self.runs[i].records.as_slice())
                        .collect(),
                }
            })
            .collect()
    }
}

/// `diffLabel(aJson, bJson)`: what changed from experiment `a` to experiment `b`, in
/// words (`"rule: linear → none"`), the core's [`config::diff_label`]; `"same settings"`
/// when nothing did. Throws on a JSON or validation error.
#[wasm_bindgen(js_name = diffLabel)]
pub fn diff_label(a_json: &str, b_json: &str) -> Result<String, JsError> {
    let a = Config::from_json(a_json).map_err(|e| config_error(&e))?;
    let b = Config::from_json(b_json).map_err(|e| config_error(&e))?;
    Ok(config::diff_label(&a, &b))
}

/// `queryVersion()`: the schema version the page writes into its links as `v=`.
#[wasm_bindgen(js_name = queryVersion)]
pub fn query_version() -> u32 {
    config::QUERY_VERSION
}

/// `csvExperiment(csv)`: what a CSV of the CLI or the page's export holds, `{"config",
/// "query", "runs", "records", "mode"}`: its experiment (the `experiment` column, or
/// rebuilt from its rows by the core's [`keep::experiment_of`]), that experiment's URL
/// query, how many runs and records. Throws on a bad file; the message names the line
/// and the column.
#[wasm_bindgen(js_name = csvExperiment)]
pub fn csv_experiment(csv: &str) -> Result<String, JsError> {
    install_panic_hook();
    let file = read_csv(csv).map_err(|e| JsError::new(&e))?;
    let cfg = match file.experiment {
        Some(c) => c,
        None => keep::experiment_of(&file.runs).map_err(|e| JsError::new(&e))?,
    };
    to_json(&serde_json::json!({
        "config": cfg,
        "query": cfg.to_query(),
        "runs": file.runs.len(),
        "records": file.runs.iter().map(|r| r.records.len()).sum::<usize>(),
        "mode": if cfg.mode == Mode::Landscape { "landscape" } else { "curves" },
    }))
}

/// `plannedLr(configJson, nImages?)`: each run's planned learning rate before it trains,
/// from the core's plan (`[{"run", "label", "points": [[step, epoch, lr]...]}]`, epoch
/// fractional, at most about 200 points a run; the same series the chart draws), for a
/// training file of `nImages` images (default 10,000). Landscape runs have none. Throws
/// on a JSON or validation error, or a file too small to train on.
#[wasm_bindgen(js_name = plannedLr)]
pub fn planned_lr(config_json: &str, n_images: Option<f64>) -> Result<String, JsError> {
    let cfg = Config::from_json(config_json).map_err(|e| config_error(&e))?;
    let n = whole_number("nImages", n_images.unwrap_or(10_000.0), u32::MAX as f64)?;
    let runs = crate::runs::plan_runs(&cfg, crate::data::shape_of(&cfg.data, Some(n as usize)))
        .map_err(|e| JsError::new(&format!("plannedLr: {e}")))?;
    let out: Vec<serde_json::Value> = runs
        .iter()
        .filter(|r| r.cell.is_none())
        .map(|r| {
            let points: Vec<[f64; 3]> = keep::planned_lr(&r.config, r.k, r.train_size)
                .iter()
                .map(|p| [p.step as f64, p.epochs_done, p.lr])
                .collect();
            serde_json::json!({ "run": r.index, "label": r.label, "points": points })
        })
        .collect();
    to_json(&out)
}
