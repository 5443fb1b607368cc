//! The wasm-bindgen shell: what the page and its workers call, and nothing else.
//!
//! A thin adapter over the pure core. It turns JS values into core values and back
//! (JSON strings both ways, so the boundary is a handful of strings, byte arrays and
//! numbers), turns every core error into a `JsError` whose message names the problem,
//! and installs the panic hook once. It deliberately does no arithmetic of its own:
//! training, scheduling, splitting, plotting and CSV formatting all live in the core, so
//! the numbers a browser shows are the numbers `cargo test` checks natively.
//!
//! The JS-facing API (names as JS sees them; report and record fields are camelCase,
//! config objects keep the config's own field names):
//!
//! ```text
//! class Trainer(configJson, k, images, labels, repeat?, testImages?, testLabels?)  trainer.rs
//!     step(n) plan() stop() predict(indices) testImages(indices) confusion() history()
//! parseQuery(query, ignore)   configToQuery(configJson)   paramsTable()   runStatuses()
//! csvFromRuns(runsJson)   palette(i, n, theme?)
//! drawChart(canvas, curvesJson, optionsJson)                             chart.rs
//!     chartLayout(cssWidth, panels)   landscapeLayout(cssWidth)
//! experimentRuns(configJson, nImages?)   dataSizes(configJson, nImages)
//! drawLandscape(canvas, configJson, runsJson, optionsJson)
//!     landscapeSummary(configJson, runsJson)                             landscape.rs
//! checkData(names, files: Uint8Array[])   datasetOf(token)                datasets.rs
//! class History(configJson, runsJson)   the page's record store           history.rs
//!     push(run, recordJson) clear(run) setStatus(run, status) records(run)
//!     drawChart(canvas, optionsJson) drawLandscape(canvas, optionsJson) landscapeSummary() csv()
//!     criticalBatch() latest()   pin(key, name, csv) unpin(key) pinned() loadCsv(csv)
//!     drawRange(canvas, optionsJson) rangeSummary()                      range.rs
//! diffLabel(aJson, bJson)   queryVersion()   csvExperiment(csv)
//!     plannedLr(configJson, nImages?)   the page's kept experiments    history.rs
//! ```
//!
//! The page keeps its records in a `History` and draws, summarises and exports through
//! it; `drawChart`, `drawLandscape`, `landscapeSummary` and `csvFromRuns` are the same
//! code on records passed in whole, for an embedding page that keeps its own records
//! and for the browser tests.
//!
//! Errors: a function that can fail returns `Result<_, JsError>`, which JS sees as a
//! thrown `Error`; no input makes this module panic. `parseQuery`,
//! `paramsTable`, `runStatuses` and `palette` never throw. Records coming back from JS
//! (to draw or to export) may hold `null` where a float was NaN or infinite, because
//! `JSON.stringify` and serde_json both write non-finite numbers as `null`; [`records`]
//! reads them back as NaN.
//!
//! Not here: timing (records leave the trainer with `wallMs` 0; the worker, which owns
//! the clock and the pauses, fills it in), fetching the data files, and any state
//! shared between handles: each `Trainer` owns its data, one per worker.

mod bench;
mod canvas;
mod chart;
mod datasets;
mod history;
mod landscape;
mod range;
mod records;
mod trainer;

pub use chart::{chart_layout, draw_chart, landscape_layout};
pub use datasets::{check_data, dataset_of};
pub use history::{csv_experiment, diff_label, planned_lr, query_version, History};
pub use landscape::{
    data_sizes, draw_landscape, experiment_runs, experiment_runs_for, landscape_summary,
};
pub use records::{RecordIn, RunIn};
pub use trainer::{WasmTrainer, MAX_INDICES};

use serde::Serialize;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;

use crate::config::{Config, ConfigError, PARAMS};
use crate::metrics::{to_csv_string, RunResult};
use crate::summary::RunStatus;

/// Runs when the module is instantiated (page or worker): installs the panic hook, so a
/// bug in the core shows its message and location in the console instead of a bare
/// `unreachable` trap.
#[wasm_bindgen(start)]
pub fn start() {
    install_panic_hook();
}

/// Idempotent (the hook crate guards with a `Once`). Also called by the constructors:
/// a start function runs only when this crate is the root of the wasm module, which it
/// is not inside a `wasm-bindgen-test` binary.
pub(crate) fn install_panic_hook() {
    console_error_panic_hook::set_once();
}

/// A `JsError` for a config problem; the message names the parameter and what is allowed.
pub(crate) fn config_error(e: &ConfigError) -> JsError {
    JsError::new(&format!("config: {e}"))
}

/// Serialises an outgoing value. Only the core's own types pass through here, none of
/// which can fail to serialise; the error path exists so that nothing here can panic.
pub(crate) fn to_json<T: Serialize + ?Sized>(v: &T) -> Result<String, JsError> {
    serde_json::to_string(v).map_err(|e| JsError::new(&format!("internal: cannot write JSON: {e}")))
}

/// A JS number that must be a whole number in `0..=max`, else an error naming `what`.
/// JS has no integer type: wasm-bindgen would silently wrap -1 or truncate 2.5 for a
/// `u32` parameter, so the shell takes `f64` and says what was wrong instead.
pub(crate) fn whole_number(what: &str, v: f64, max: f64) -> Result<u64, JsError> {
    if v.is_finite() && v.fract() == 0.0 && v >= 0.0 && v <= max {
        Ok(v as u64)
    } else {
        Err(JsError::new(&format!(
            "{what}: {v} is not a whole number from 0 to {max}"
        )))
    }
}

/// `parseQuery(query, ignore)`: the page's URL query, read leniently. Returns
/// `{"config": <Config>, "errors": [{"param","value","message"}], "more": n,
/// "query": <canonical>}`. Invalid or unknown parameters keep their defaults and are
/// reported: at most `MAX_QUERY_ERRORS` of them, each field shortened, `more` counting
/// the rest. Keys listed in `ignore` (comma-separated page-only keys such as
/// `preset,x,embed`) are skipped silently. Of a duplicated key the last occurrence wins.
/// Never throws: the page always gets a usable experiment.
#[wasm_bindgen(js_name = parseQuery)]
pub fn parse_query(query: &str, ignore: &str) -> String {
    let ignore: Vec<&str> = ignore
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let p = Config::parse_query(query, &ignore);
    json!({
        "config": serde_json::to_value(&p.config).unwrap_or(Value::Null),
        "errors": serde_json::to_value(&p.errors).unwrap_or(Value::Null),
        "more": p.more,
        "query": p.config.to_query(),
    })
    .to_string()
}

/// `configToQuery(configJson)`: the canonical URL query (without `?`) of a valid config.
/// Throws on a JSON or validation error.
#[wasm_bindgen(js_name = configToQuery)]
pub fn config_to_query(config_json: &str) -> Result<String, JsError> {
    let cfg = Config::from_json(config_json).map_err(|e| config_error(&e))?;
    Ok(cfg.to_query())
}

/// One row of `paramsTable`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ParamOut {
    name: &'static str,
    csv: &'static str,
    help: &'static str,
    allowed: String,
    default: String,
    kind: &'static str,
    min: Option<f64>,
    max: Option<f64>,
    /// Whether `min` / `max` themselves are excluded.
    min_open: bool,
    max_open: bool,
    /// Most values of a list.
    max_items: Option<usize>,
    choices: Option<&'static [&'static str]>,
    special: Option<&'static str>,
    /// A limit set by another parameter, in words (`at most epochs`).
    note: Option<&'static str>,
}

/// `paramsTable()`: the config's parameter table in URL order, `[{"name", "csv", "help",
/// "allowed", "default", "kind", "min", "max", "minOpen", "maxOpen", "maxItems",
/// "choices", "special", "note"}]`. `kind` is "int", "float", "choice" or "list"; `min`
/// and `max` bound the value (every item, for a list) or are null for a choice;
/// `choices` lists a choice's names; `special` is a word accepted besides the range
/// (`full` for `b0`, meaning 0). All of it comes from each row's one range datum, the
/// one the checks and messages use. Never throws.
#[wasm_bindgen(js_name = paramsTable)]
pub fn params_table() -> String {
    let rows: Vec<ParamOut> = PARAMS
        .iter()
        .map(|p| ParamOut {
            name: p.name,
            csv: p.csv,
            help: p.help,
            allowed: p.allowed(),
            default: p.default_value(),
            kind: p.range.kind(),
            min: p.range.min(),
            max: p.range.max(),
            min_open: p.range.open().0,
            max_open: p.range.open().1,
            max_items: match p.range {
                crate::config::Range::List { max_len, .. } => Some(max_len),
                _ => None,
            },
            choices: p.range.choices(),
            special: p.special,
            note: p.note,
        })
        .collect();
    serde_json::to_value(&rows)
        .unwrap_or(Value::Null)
        .to_string()
}

/// One row of `runStatuses`.
#[derive(Serialize)]
struct StatusOut {
    name: &'static str,
    terminal: bool,
    healthy: bool,
}

/// `runStatuses()`: `[{"name", "terminal", "healthy"}]`, every run status the core knows
/// (idle, queued, loading, running, paused, done, collapsed, diverged, stopped, error):
/// which are finished, and which may enter summaries (not collapsed, diverged, stopped or
/// errored). Never throws.
#[wasm_bindgen(js_name = runStatuses)]
pub fn run_statuses() -> String {
    let rows: Vec<StatusOut> = RunStatus::ALL
        .iter()
        .map(|&s| StatusOut {
            name: s.name(),
            terminal: s.terminal(),
            healthy: s.healthy(),
        })
        .collect();
    serde_json::to_value(&rows)
        .unwrap_or(Value::Null)
        .to_string()
}

/// `csvFromRuns(runsJson)`: the CSV export of `[{"run","config","records"}]` (one row per
/// record, columns from the parameter table). `null` floats in records read as NaN.
#[wasm_bindgen(js_name = csvFromRuns)]
pub fn csv_from_runs(runs_json: &str) -> Result<String, JsError> {
    let runs: Vec<RunIn> = serde_json::from_str(runs_json)
        .map_err(|e| JsError::new(&format!("csvFromRuns: bad runs JSON: {e}")))?;
    let runs: Vec<RunResult> = runs.into_iter().map(RunResult::from).collect();
    Ok(to_csv_string(&runs))
}

/// `palette(i, n, theme?)`: the colour of run `i` of `n` as `#rrggbb`, the same colour
/// the chart draws on the theme ("dark", or else light), for the page's legend and run
/// list. Never throws.
#[wasm_bindgen]
pub fn palette(i: usize, n: usize, theme: Option<String>) -> String {
    let theme = theme
        .as_deref()
        .and_then(crate::plot::Theme::parse)
        .unwrap_or_default();
    let (r, g, b) = theme.palette(i, n);
    format!("#{r:02x}{g:02x}{b:02x}")
}
