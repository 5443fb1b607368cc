//! THE experiment description: every knob, the seed included.
//!
//! One [`Config`] describes an experiment: a base batch size B0, a base
//! learning rate η0, a list of multipliers k (one run per k), the scaling rule
//! that turns k into a learning rate, the schedule, the optimizer and the data
//! settings. Its defaults are the article's setting (B0 8, η0 0.001, k 1,
//! linear rule, plain SGD, 10 epochs).
//!
//! Every serialisation derives from the single table [`PARAMS`]: the page's URL
//! query string (`?b0=8&lr0=0.001&k=1-7`), the CLI flags (`--b0 8 --k 1-7`),
//! the worker messages (JSON, through serde) and the CSV columns. Adding a knob
//! means adding one row there; nothing else lists the parameters.
//!
//! This module only describes and validates. What a run does with the values
//! (effective batch, scaled learning rate, schedule) lives in `schedule.rs`.

use std::fmt;

use serde::{Deserialize, Serialize};

pub use crate::data::Norm;
pub use crate::model::Init;

/// How the learning rate follows the batch-size multiplier k.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rule {
    /// η = η0 whatever the batch size.
    None,
    /// η = k·η0 (Goyal et al. 2017).
    Linear,
    /// η = √k·η0 (keeps the variance of the update constant).
    Sqrt,
}

/// Learning-rate decay after warmup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decay {
    None,
    /// ×0.1 at 50 % and again at 75 % of the epochs.
    Step,
    /// Half a cosine from the scaled rate down to 0 over the steps after warmup.
    Cosine,
}

/// The optimizer of every run of the experiment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Opt {
    Sgd,
    Momentum,
    Nesterov,
    Adam,
    Adagrad,
}

/// Whether repeats of a run (over seeds) see the training data in the same order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// Every repeat shuffles with the base seed: only init and dropout vary.
    Same,
    /// Each repeat shuffles with its own seed.
    Vary,
}

/// What the experiment shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// One run per k, curves overlaid.
    Curves,
    /// A grid of batch sizes × learning rates, each trained for `epochs`.
    Landscape,
}

/// One experiment. `k` holds one multiplier per run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Base batch size B0; 0 means the whole training set ("full", batch GD).
    pub b0: usize,
    /// Base learning rate η0.
    pub lr0: f64,
    /// Multipliers k, one run each, in the order given.
    pub k: Vec<u32>,
    pub rule: Rule,
    /// Gradual warmup length in epochs (0 = none).
    pub warmup: u32,
    pub decay: Decay,
    pub opt: Opt,
    /// Momentum coefficient for `momentum` and `nesterov`.
    pub momentum: f64,
    pub epochs: u32,
    /// Training-set size (capped by the data available).
    pub train: usize,
    pub dropout: f64,
    pub seed: u64,
    pub init: Init,
    pub norm: Norm,
    /// Repeats of every run over the seeds seed, seed+1, …, seed+repeats−1.
    pub repeats: u32,
    pub order: Order,
    pub mode: Mode,
    /// Landscape: batch sizes (rows of the grid).
    pub grid_b: Vec<usize>,
    /// Landscape: learning rates (columns of the grid).
    pub grid_lr: Vec<f64>,
    /// Test accuracy (%) for "steps to reach target".
    pub target: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            b0: 8,
            lr0: 0.001,
            k: vec![1],
            rule: Rule::Linear,
            warmup: 0,
            decay: Decay::None,
            opt: Opt::Sgd,
            momentum: 0.9,
            epochs: 10,
            train: 8000,
            dropout: 0.25,
            seed: 1,
            init: Init::PyTorch,
            norm: Norm::None,
            repeats: 1,
            order: Order::Vary,
            mode: Mode::Curves,
            grid_b: vec![8, 32, 128, 512, 2048, 8000],
            grid_lr: log_space(0.001, 10.0, 6),
            target: 90.0,
        }
    }
}

/// Adam's constants (β1, β2, ε), fixed to the usual defaults.
pub const ADAM_BETA1: f32 = 0.9;
pub const ADAM_BETA2: f32 = 0.999;
pub const ADAM_EPS: f32 = 1e-8;
/// Adagrad's ε, as in PyTorch.
pub const ADAGRAD_EPS: f32 = 1e-10;
/// At most this many runs (k values) in one experiment.
pub const MAX_RUNS: usize = 64;
/// Largest multiplier k accepted.
pub const MAX_K: u32 = 4096;

/// A parameter that failed to parse or validate, with the allowed range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConfigError {
    /// The parameter's name as in the URL and the CLI (`lr0`), or the unknown key.
    pub param: String,
    /// The offending value as given.
    pub value: String,
    /// What is allowed.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            write!(f, "parameter `{}`: {}", self.param, self.message)
        } else {
            write!(
                f,
                "invalid value {:?} for parameter `{}`: {}",
                self.value, self.param, self.message
            )
        }
    }
}

impl std::error::Error for ConfigError {}

/// One row of the parameter table: name, docs, and how to read and write it.
pub struct Param {
    /// URL query key and CLI flag name (`--lr0`).
    pub name: &'static str,
    /// CSV column name.
    pub csv: &'static str,
    /// One line of documentation.
    pub help: &'static str,
    /// The allowed values, as shown in errors and `--help`.
    pub allowed: &'static str,
    get: fn(&Config) -> String,
    set: fn(&mut Config, &str) -> Result<(), String>,
    check: fn(&Config) -> Result<(), String>,
}

impl Param {
    /// The value of this parameter in `cfg`, formatted as in a URL.
    pub fn get(&self, cfg: &Config) -> String {
        (self.get)(cfg)
    }

    /// The default value, formatted as in a URL.
    pub fn default_value(&self) -> String {
        (self.get)(&Config::default())
    }

    fn error(&self, value: &str, message: String) -> ConfigError {
        ConfigError {
            param: self.name.to_string(),
            value: value.to_string(),
            message,
        }
    }
}

fn parse_num<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.trim()
        .parse::<T>()
        .map_err(|_| "not a number".to_string())
}

fn parse_f64(s: &str) -> Result<f64, String> {
    let v: f64 = parse_num(s)?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err("not a finite number".into())
    }
}

fn in_range<T: PartialOrd + fmt::Display>(v: T, lo: T, hi: T, allowed: &str) -> Result<(), String> {
    if v >= lo && v <= hi {
        Ok(())
    } else {
        Err(format!("{v} is out of range; allowed: {allowed}"))
    }
}

/// Formats a float the shortest way that parses back to the same value.
fn fmt_f64(v: f64) -> String {
    format!("{v}")
}

fn enum_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|j| j.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn enum_parse<T: for<'de> Deserialize<'de>>(s: &str, allowed: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_ascii_lowercase()))
        .map_err(|_| format!("unknown choice; allowed: {allowed}"))
}

/// Parses a k list: comma-separated items, each `n`, `a-b` (every integer
/// from a to b), `a-b:s` (step s) or `a-b*m` (a, a·m, a·m², … up to b).
pub fn parse_k_list(s: &str) -> Result<Vec<u32>, String> {
    let mut out = Vec::new();
    let too_many = || format!("more than {MAX_RUNS} runs");
    for item in s.split(',').map(str::trim) {
        if item.is_empty() {
            return Err("empty item in the list".into());
        }
        let int = |t: &str| -> Result<u32, String> {
            let v: u32 = t
                .trim()
                .parse()
                .map_err(|_| format!("{t:?} is not a whole number"))?;
            if v == 0 || v > MAX_K {
                return Err(format!("k = {v} is out of range; allowed: 1 to {MAX_K}"));
            }
            Ok(v)
        };
        match item.split_once('-') {
            None => out.push(int(item)?),
            Some((a, rest)) => {
                let a = int(a)?;
                let (b, step) = if let Some((b, s)) = rest.split_once(':') {
                    (int(b)?, Some((int(s)?, false)))
                } else if let Some((b, m)) = rest.split_once('*') {
                    (int(b)?, Some((int(m)?, true)))
                } else {
                    (int(rest)?, None)
                };
                if b < a {
                    return Err(format!("range {a}-{b} is empty"));
                }
                let mut v = a;
                loop {
                    out.push(v);
                    if out.len() > MAX_RUNS {
                        return Err(too_many());
                    }
                    let next = match step {
                        None => v + 1,
                        Some((s, false)) => v + s,
                        Some((m, true)) if m >= 2 => v.saturating_mul(m),
                        Some(_) => return Err("a geometric range needs a factor ≥ 2".into()),
                    };
                    if next > b {
                        break;
                    }
                    v = next;
                }
            }
        }
        if out.len() > MAX_RUNS {
            return Err(too_many());
        }
    }
    Ok(out)
}

/// Formats a k list compactly: runs of consecutive integers become `a-b`,
/// other values are listed. `parse_k_list(&format_k_list(v)) == v`.
pub fn format_k_list(ks: &[u32]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < ks.len() {
        let mut j = i;
        while j + 1 < ks.len() && ks[j + 1] == ks[j] + 1 {
            j += 1;
        }
        if j >= i + 2 {
            parts.push(format!("{}-{}", ks[i], ks[j]));
            i = j + 1;
        } else {
            parts.push(ks[i].to_string());
            i += 1;
        }
    }
    parts.join(",")
}

/// `n` log-spaced values from `lo` to `hi`, each rounded to 3 significant digits
/// so that the text form stays short and parses back to the same numbers.
pub fn log_space(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if n <= 1 {
        return vec![lo];
    }
    (0..n)
        .map(|i| {
            let v = lo * (hi / lo).powf(i as f64 / (n - 1) as f64);
            format!("{v:.2e}").parse::<f64>().unwrap_or(v)
        })
        .collect()
}

/// Parses a learning-rate list: `a,b,c` or `lo:hi:n` (n log-spaced values).
pub fn parse_lr_list(s: &str) -> Result<Vec<f64>, String> {
    let parts: Vec<&str> = s.split(':').map(str::trim).collect();
    let v = if parts.len() == 3 {
        let (lo, hi) = (parse_f64(parts[0])?, parse_f64(parts[1])?);
        let n: usize = parse_num(parts[2])?;
        if !(2..=MAX_GRID).contains(&n) || lo <= 0.0 || hi <= lo {
            return Err(format!(
                "`lo:hi:n` needs 0 < lo < hi and n from 2 to {MAX_GRID}"
            ));
        }
        log_space(lo, hi, n)
    } else {
        s.split(',').map(parse_f64).collect::<Result<Vec<_>, _>>()?
    };
    Ok(v)
}

fn format_lr_list(v: &[f64]) -> String {
    v.iter().map(|x| fmt_f64(*x)).collect::<Vec<_>>().join(",")
}

/// Parses a batch-size list with the same syntax as k lists (`8-256*2`, `8,32,128`).
fn parse_b_list(s: &str) -> Result<Vec<usize>, String> {
    let mut out = Vec::new();
    for item in s.split(',') {
        let item = item.trim();
        if let Some((a, rest)) = item.split_once('-') {
            let (b, m) = rest
                .split_once('*')
                .ok_or("a batch range needs a factor: `8-256*2`")?;
            let (a, b, m): (usize, usize, usize) = (parse_num(a)?, parse_num(b)?, parse_num(m)?);
            if a == 0 || m < 2 || b < a {
                return Err(format!("bad range {item:?}"));
            }
            let mut v = a;
            while v <= b && out.len() <= MAX_GRID {
                out.push(v);
                v *= m;
            }
        } else {
            out.push(parse_num(item)?);
        }
    }
    Ok(out)
}

/// At most this many rows or columns in a landscape grid.
pub const MAX_GRID: usize = 12;

macro_rules! param {
    ($name:literal, $csv:literal, $help:literal, $allowed:literal,
     get: $get:expr, set: $set:expr, check: $check:expr) => {
        Param {
            name: $name,
            csv: $csv,
            help: $help,
            allowed: $allowed,
            get: $get,
            set: $set,
            check: $check,
        }
    };
}

fn ok(_: &Config) -> Result<(), String> {
    Ok(())
}

/// The parameter table. Order is the order of URL keys, CLI flags and CSV columns.
pub const PARAMS: &[Param] = &[
    param!("b0", "b0", "base batch size B0 (the batch of k = 1); `full` = the whole training set",
        "1 to 60000, or full",
        get: |c| if c.b0 == 0 { "full".into() } else { c.b0.to_string() },
        set: |c, s| {
            c.b0 = if s.trim().eq_ignore_ascii_case("full") { 0 } else { parse_num(s)? };
            Ok(())
        },
        check: |c| if c.b0 == 0 { Ok(()) } else { in_range(c.b0, 1, 60_000, "1 to 60000, or full") }),
    param!("lr0", "lr0", "base learning rate η0 (the learning rate of k = 1)", "a number in (0, 10]",
        get: |c| fmt_f64(c.lr0),
        set: |c, s| { c.lr0 = parse_f64(s)?; Ok(()) },
        check: |c| if c.lr0 > 0.0 && c.lr0 <= 10.0 { Ok(()) } else {
            Err(format!("{} is out of range; allowed: a number in (0, 10]", c.lr0)) }),
    param!("k", "k", "batch-size multipliers, one run each: `1-7`, `1,2,4,8`, `1-9:2`, `1-256*2`",
    "a list of whole numbers 1 to 4096 (at most 64 runs)",
    get: |c| format_k_list(&c.k),
    set: |c, s| { c.k = parse_k_list(s)?; Ok(()) },
    check: |c| {
        if c.k.is_empty() { return Err("the list is empty".into()); }
        if c.k.len() > MAX_RUNS { return Err(format!("more than {MAX_RUNS} runs")); }
        match c.k.iter().find(|&&k| k == 0 || k > MAX_K) {
            Some(k) => Err(format!("k = {k} is out of range; allowed: 1 to {MAX_K}")),
            None => Ok(()),
        }
    }),
    param!("rule", "rule", "how the learning rate follows k: none (η0), linear (k·η0), sqrt (√k·η0)",
        "none, linear or sqrt",
        get: |c| enum_name(&c.rule),
        set: |c, s| { c.rule = enum_parse(s, "none, linear or sqrt")?; Ok(()) },
        check: ok),
    param!("warmup", "warmup", "gradual warmup: epochs over which the rate rises per step from η0 to the scaled rate",
        "0 to epochs",
        get: |c| c.warmup.to_string(),
        set: |c, s| { c.warmup = parse_num(s)?; Ok(()) },
        check: |c| if c.warmup <= c.epochs { Ok(()) } else {
            Err(format!("{} is more than the {} epochs; allowed: 0 to epochs", c.warmup, c.epochs)) }),
    param!("decay", "decay", "decay after warmup: none, step (×0.1 at 50% and 75% of epochs), cosine (to 0)",
        "none, step or cosine",
        get: |c| enum_name(&c.decay),
        set: |c, s| { c.decay = enum_parse(s, "none, step or cosine")?; Ok(()) },
        check: ok),
    param!("opt", "optimizer", "optimizer: sgd, momentum, nesterov, adam, adagrad",
        "sgd, momentum, nesterov, adam or adagrad",
        get: |c| enum_name(&c.opt),
        set: |c, s| { c.opt = enum_parse(s, "sgd, momentum, nesterov, adam or adagrad")?; Ok(()) },
        check: ok),
    param!("momentum", "momentum", "momentum coefficient (momentum and nesterov)", "a number in [0, 1)",
        get: |c| fmt_f64(c.momentum),
        set: |c, s| { c.momentum = parse_f64(s)?; Ok(()) },
        check: |c| if (0.0..1.0).contains(&c.momentum) { Ok(()) } else {
            Err(format!("{} is out of range; allowed: a number in [0, 1)", c.momentum)) }),
    param!("epochs", "epochs", "epochs per run", "1 to 200",
        get: |c| c.epochs.to_string(),
        set: |c, s| { c.epochs = parse_num(s)?; Ok(()) },
        check: |c| in_range(c.epochs, 1, 200, "1 to 200")),
    param!("train", "train", "training-set size (a stratified prefix of the training split)", "1 to 60000",
        get: |c| c.train.to_string(),
        set: |c, s| { c.train = parse_num(s)?; Ok(()) },
        check: |c| in_range(c.train, 1, 60_000, "1 to 60000")),
    param!("dropout", "dropout", "dropout probability after the pooling layer", "a number in [0, 0.95]",
        get: |c| fmt_f64(c.dropout),
        set: |c, s| { c.dropout = parse_f64(s)?; Ok(()) },
        check: |c| if (0.0..=0.95).contains(&c.dropout) { Ok(()) } else {
            Err(format!("{} is out of range; allowed: a number in [0, 0.95]", c.dropout)) }),
    param!("seed", "seed", "seed of every random choice (init, shuffling, dropout)", "0 to 4294967295",
        get: |c| c.seed.to_string(),
        set: |c, s| { c.seed = parse_num(s)?; Ok(()) },
        check: |c| in_range(c.seed, 0, u32::MAX as u64, "0 to 4294967295")),
    param!("init", "init", "weight initialisation: pytorch (U(±1/√fan_in)) or he", "pytorch or he",
        get: |c| enum_name(&c.init),
        set: |c, s| { c.init = enum_parse(s, "pytorch or he")?; Ok(()) },
        check: ok),
    param!("norm", "norm", "input normalisation: none (pixels in [0,1]) or standard (training mean/std)",
        "none or standard",
        get: |c| enum_name(&c.norm),
        set: |c, s| { c.norm = enum_parse(s, "none or standard")?; Ok(()) },
        check: ok),
    param!("repeats", "repeats", "repeat every run over this many seeds (seed, seed+1, …); curves show mean and range",
        "1 to 10",
        get: |c| c.repeats.to_string(),
        set: |c, s| { c.repeats = parse_num(s)?; Ok(()) },
        check: |c| in_range(c.repeats, 1, 10, "1 to 10")),
    param!("order", "order", "data order of the repeats: same (only init and dropout vary) or vary",
        "same or vary",
        get: |c| enum_name(&c.order),
        set: |c, s| { c.order = enum_parse(s, "same or vary")?; Ok(()) },
        check: ok),
    param!("mode", "mode", "curves (one run per k) or landscape (a grid of batch sizes × learning rates)",
        "curves or landscape",
        get: |c| enum_name(&c.mode),
        set: |c, s| { c.mode = enum_parse(s, "curves or landscape")?; Ok(()) },
        check: ok),
    param!("grid_b", "grid_b", "landscape: batch sizes, e.g. `8,32,128,512` or `8-256*2`",
        "a list of 1 to 12 batch sizes, each 1 to 60000",
        get: |c| c.grid_b.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(","),
        set: |c, s| { c.grid_b = parse_b_list(s)?; Ok(()) },
        check: |c| if c.grid_b.is_empty() || c.grid_b.len() > MAX_GRID || c.grid_b.iter().any(|&b| b == 0 || b > 60_000) {
            Err("allowed: a list of 1 to 12 batch sizes, each 1 to 60000".into()) } else { Ok(()) }),
    param!("grid_lr", "grid_lr", "landscape: learning rates, e.g. `0.001,0.01,0.1` or `0.001:1:6` (6 log-spaced)",
        "a list of 1 to 12 numbers in (0, 10], or lo:hi:n",
        get: |c| format_lr_list(&c.grid_lr),
        set: |c, s| { c.grid_lr = parse_lr_list(s)?; Ok(()) },
        check: |c| if c.grid_lr.is_empty() || c.grid_lr.len() > MAX_GRID || c.grid_lr.iter().any(|&v| !(v > 0.0 && v <= 10.0)) {
            Err("allowed: a list of 1 to 12 numbers in (0, 10], or lo:hi:n".into()) } else { Ok(()) }),
    param!("target", "target", "test accuracy (%) for the \"steps to reach target\" view", "a number in (10, 100)",
        get: |c| fmt_f64(c.target),
        set: |c, s| { c.target = parse_f64(s)?; Ok(()) },
        check: |c| if c.target > 10.0 && c.target < 100.0 { Ok(()) } else {
            Err(format!("{} is out of range; allowed: a number in (10, 100)", c.target)) }),
];

/// The table row of a parameter name.
pub fn param(name: &str) -> Option<&'static Param> {
    PARAMS.iter().find(|p| p.name == name)
}

impl Config {
    /// Sets one parameter from its text form (URL value or CLI flag value).
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ConfigError> {
        let p = param(name).ok_or_else(|| ConfigError {
            param: name.to_string(),
            value: value.to_string(),
            message: format!(
                "unknown parameter; known: {}",
                PARAMS.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
            ),
        })?;
        (p.set)(self, value).map_err(|m| p.error(value, format!("{m}; allowed: {}", p.allowed)))?;
        (p.check)(self).map_err(|m| p.error(value, m))
    }

    /// The value of one parameter in its text form.
    pub fn get(&self, name: &str) -> Option<String> {
        param(name).map(|p| p.get(self))
    }

    /// Checks every parameter; the first problem, naming the parameter.
    pub fn validate(&self) -> Result<(), ConfigError> {
        match self.problems().into_iter().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Every problem of this config (empty when valid).
    pub fn problems(&self) -> Vec<ConfigError> {
        PARAMS
            .iter()
            .filter_map(|p| (p.check)(self).err().map(|m| p.error(&p.get(self), m)))
            .collect()
    }

    /// The URL query string (without `?`) listing the parameters that differ
    /// from the defaults, in table order. `from_query` of it gives `self` back.
    pub fn to_query(&self) -> String {
        let default = Config::default();
        PARAMS
            .iter()
            .filter(|p| p.get(self) != p.get(&default))
            .map(|p| format!("{}={}", p.name, encode_component(&p.get(self))))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Parses a query string strictly: any unknown key or bad value is an error.
    pub fn from_query(query: &str) -> Result<Config, ConfigError> {
        let (cfg, errors) = Config::from_query_lenient(query, &[]);
        match errors.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(cfg),
        }
    }

    /// Parses a query string, keeping the default for every parameter that is
    /// invalid and reporting each problem; keys in `ignore` (the page's own
    /// `preset`, `x`, `embed`, …) are skipped silently. Never fails: the page
    /// always gets a usable experiment plus a list of notices.
    pub fn from_query_lenient(query: &str, ignore: &[&str]) -> (Config, Vec<ConfigError>) {
        let mut cfg = Config::default();
        let mut errors = Vec::new();
        for (key, value) in query_pairs(query) {
            if ignore.contains(&key.as_str()) {
                continue;
            }
            let before = cfg.clone();
            if let Err(e) = cfg.set(&key, &value) {
                cfg = before;
                errors.push(e);
            }
        }
        // Cross-field checks (warmup ≤ epochs) may fail only once all keys are in.
        for e in cfg.problems() {
            if let Some(p) = param(&e.param) {
                (p.set)(&mut cfg, &p.default_value()).ok();
            }
            errors.push(e);
        }
        (cfg, errors)
    }

    /// JSON form (worker messages, saved experiments).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a Config always serialises")
    }

    /// Parses and validates the JSON form; errors name the field.
    pub fn from_json(json: &str) -> Result<Config, ConfigError> {
        let cfg: Config = serde_json::from_str(json).map_err(|e| ConfigError {
            param: "json".into(),
            value: String::new(),
            message: e.to_string(),
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// The same experiment restricted to one multiplier (one run).
    pub fn with_k(&self, k: u32) -> Config {
        Config {
            k: vec![k],
            ..self.clone()
        }
    }

    /// Every run of the experiment, in order: for `curves`, each k (outer) ×
    /// each repeat (inner); for `landscape`, each batch size (outer) × each
    /// learning rate × each repeat, as plain runs with B0 = the batch, η0 = the
    /// rate, k = 1 and no scaling.
    pub fn runs(&self) -> Vec<RunSpec> {
        let mut out = Vec::new();
        match self.mode {
            Mode::Curves => {
                for &k in &self.k {
                    for repeat in 0..self.repeats {
                        out.push(RunSpec {
                            config: self.with_k(k),
                            k,
                            repeat,
                            cell: None,
                        });
                    }
                }
            }
            Mode::Landscape => {
                for (i, &b) in self.grid_b.iter().enumerate() {
                    for (j, &lr) in self.grid_lr.iter().enumerate() {
                        for repeat in 0..self.repeats {
                            let config = Config {
                                b0: b,
                                lr0: lr,
                                k: vec![1],
                                rule: Rule::None,
                                warmup: 0,
                                ..self.clone()
                            };
                            out.push(RunSpec {
                                config,
                                k: 1,
                                repeat,
                                cell: Some((i, j)),
                            });
                        }
                    }
                }
            }
        }
        out
    }

    /// The seeds of repeat `r`: (init and dropout seed, shuffle seed).
    pub fn seeds(&self, repeat: u32) -> (u64, u64) {
        let s = self.seed + repeat as u64;
        (
            s,
            if self.order == Order::Same {
                self.seed
            } else {
                s
            },
        )
    }
}

/// One run of an experiment: its single-k config, which repeat, and (landscape) its grid cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    pub config: Config,
    pub k: u32,
    pub repeat: u32,
    /// (batch-size row, learning-rate column) in landscape mode.
    pub cell: Option<(usize, usize)>,
}

/// Splits `a=1&b=2` into decoded pairs (`+` is a space, `%XX` escapes).
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode_component(k), decode_component(v))
        })
        .collect()
}

fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'~'
            | b','
            | b'*'
            | b':' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_article() {
        let c = Config::default();
        assert_eq!(
            (c.b0, c.lr0, c.k.clone(), c.rule, c.opt, c.epochs),
            (8, 0.001, vec![1], Rule::Linear, Opt::Sgd, 10)
        );
        assert!(c.validate().is_ok());
        assert_eq!(c.to_query(), "");
    }

    #[test]
    fn k_lists() {
        assert_eq!(parse_k_list("1-7").unwrap(), (1..=7).collect::<Vec<_>>());
        assert_eq!(parse_k_list("1,2,4,8").unwrap(), vec![1, 2, 4, 8]);
        assert_eq!(parse_k_list("1-9:4").unwrap(), vec![1, 5, 9]);
        assert_eq!(
            parse_k_list("1-256*2").unwrap(),
            vec![1, 2, 4, 8, 16, 32, 64, 128, 256]
        );
        assert_eq!(parse_k_list(" 3 , 1-2").unwrap(), vec![3, 1, 2]);
        for bad in ["", "0", "a", "1-", "5-2", "1-100", "1,,2", "1-8*1", "5000"] {
            assert!(parse_k_list(bad).is_err(), "{bad:?} should fail");
        }
        for v in [
            vec![1, 2, 3, 4, 5, 6, 7],
            vec![1, 2, 4, 8],
            vec![3, 1, 2],
            vec![1, 2, 3, 5],
        ] {
            assert_eq!(parse_k_list(&format_k_list(&v)).unwrap(), v);
        }
        assert_eq!(format_k_list(&[1, 2, 3, 4, 5, 6, 7]), "1-7");
    }

    #[test]
    fn query_round_trip() {
        let mut c = Config::default();
        for (k, v) in [
            ("b0", "full"),
            ("lr0", "0.0125"),
            ("k", "1,2,4,8"),
            ("rule", "sqrt"),
            ("warmup", "2"),
            ("decay", "cosine"),
            ("opt", "nesterov"),
            ("momentum", "0.8"),
            ("epochs", "3"),
            ("train", "1000"),
            ("dropout", "0"),
            ("seed", "42"),
            ("init", "he"),
            ("norm", "standard"),
        ] {
            c.set(k, v).unwrap();
            assert_eq!(c.get(k).unwrap(), v);
        }
        let q = c.to_query();
        assert_eq!(Config::from_query(&q).unwrap(), c);
        assert_eq!(Config::from_json(&c.to_json()).unwrap(), c);
        assert!(q.contains("k=1,2,4,8"), "{q}");
    }

    #[test]
    fn errors_name_the_parameter_and_range() {
        let e = Config::from_query("lr0=abc").unwrap_err();
        assert_eq!(e.param, "lr0");
        assert!(e.to_string().contains("(0, 10]"), "{e}");
        let e = Config::from_query("epochs=0").unwrap_err();
        assert_eq!(e.param, "epochs");
        assert!(e.to_string().contains("1 to 200"), "{e}");
        let e = Config::from_query("bogus=1").unwrap_err();
        assert_eq!(e.param, "bogus");
        assert!(e.message.contains("unknown parameter"));
        let e = Config::from_query("rule=cubic").unwrap_err();
        assert!(e.to_string().contains("none, linear or sqrt"), "{e}");
        let e = Config::from_query("warmup=20&epochs=5").unwrap_err();
        assert_eq!(e.param, "warmup");
        let e = Config::from_json(r#"{"lr0": -1}"#).unwrap_err();
        assert_eq!(e.param, "lr0");
        let e = Config::from_json(r#"{"lr0": "x"}"#).unwrap_err();
        assert_eq!(e.param, "json");
    }

    #[test]
    fn lenient_keeps_the_good_and_reports_the_bad() {
        let (c, errs) = Config::from_query_lenient("k=1-3&lr0=-5&x=steps&zzz=<b>&epochs=4", &["x"]);
        assert_eq!(c.k, vec![1, 2, 3]);
        assert_eq!(c.lr0, 0.001);
        assert_eq!(c.epochs, 4);
        let names: Vec<_> = errs.iter().map(|e| e.param.as_str()).collect();
        assert_eq!(names, vec!["lr0", "zzz"]);
        let (c, errs) = Config::from_query_lenient("warmup=9&epochs=3", &[]);
        assert!(c.validate().is_ok());
        assert_eq!(errs.len(), 1);
    }

    #[test]
    fn runs_and_grids() {
        let c = Config::from_query("k=1,4&repeats=2&order=same&seed=10").unwrap();
        let runs = c.runs();
        assert_eq!(
            runs.iter().map(|r| (r.k, r.repeat)).collect::<Vec<_>>(),
            vec![(1, 0), (1, 1), (4, 0), (4, 1)]
        );
        assert_eq!(c.seeds(1), (11, 10));
        let c = Config::from_query("mode=landscape&grid_b=8-64*2&grid_lr=0.001:1:4").unwrap();
        assert_eq!(c.grid_b, vec![8, 16, 32, 64]);
        assert_eq!(c.grid_lr, vec![0.001, 0.01, 0.1, 1.0]);
        let runs = c.runs();
        assert_eq!(runs.len(), 16);
        assert_eq!(
            (runs[5].config.b0, runs[5].config.lr0, runs[5].cell),
            (16, 0.01, Some((1, 1)))
        );
        assert_eq!(runs[5].config.rule, Rule::None);
        assert_eq!(
            Config::default().grid_lr,
            vec![0.001, 0.00631, 0.0398, 0.251, 1.58, 10.0]
        );
        assert!(Config::from_query("grid_lr=0.1:0.01:3").is_err());
        assert!(Config::from_query("grid_b=0").is_err());
        assert!(Config::from_query("repeats=11")
            .unwrap_err()
            .to_string()
            .contains("1 to 10"));
    }

    #[test]
    fn percent_decoding() {
        let pairs = query_pairs("?k=1%2C2%2c4&a+b=c%20d&bad=%zz&end=%4");
        assert_eq!(pairs[0], ("k".into(), "1,2,4".into()));
        assert_eq!(pairs[1], ("a b".into(), "c d".into()));
        assert_eq!(pairs[2].1, "%zz");
        assert_eq!(pairs[3].1, "%4");
    }
}
