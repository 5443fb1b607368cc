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
//! ```text
//! new History(configJson, runsJson)   push(run, recordJson)   clear(run)
//! setStatus(run, status)   records(run)   drawChart(canvas, optionsJson)
//! drawLandscape(canvas, optionsJson)   landscapeSummary()   csv()   criticalBatch()
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
use super::{config_error, install_panic_hook, to_json};
use crate::config::Config;
use crate::landscape::Landscape;
use crate::metrics::{to_csv_string, EpochRecord, RunResult};
use crate::plot::{self, Curve};
use crate::summary::{critical_batch, stuck_at_chance, RunStatus};

/// One row of `experimentRuns` as the store needs it; other fields are ignored.
#[derive(Deserialize)]
struct RunRow {
    index: usize,
    group: usize,
    label: String,
    repeat: u32,
    config: Config,
}

/// What the store knows of a run beyond its [`RunResult`].
struct Meta {
    group: usize,
    label: String,
    status: RunStatus,
}

/// The records of every run of one experiment. See the module docs.
#[wasm_bindgen(js_name = History)]
pub struct History {
    config: Config,
    runs: Vec<RunResult>,
    meta: Vec<Meta>,
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
            meta.push(Meta {
                group: row.group,
                label: row.label,
                status: RunStatus::Idle,
            });
        }
        Ok(History { config, runs, meta })
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
        draw_on("History.drawChart", canvas, |root| {
            plot::draw_curves(root, &curves, &opts)
        })
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
