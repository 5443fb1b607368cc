//! The parameter table: one row per knob of the experiment, and each row's range as one
//! datum.
//!
//! A row ([`Param`]) says how a parameter is named (URL key, CLI flag, CSV column), what
//! it means, how its text form is read and written, and what values it allows: its
//! [`Range`]. From that one value come the check ([`Param::check`]), the error message,
//! the `allowed` text of errors, `--help` and the README's table, and the page's control
//! limits and option lists (`paramsTable()` exports kind, min, max and choices). Nothing
//! else in the crate writes a parameter's limits down.
//!
//! Deliberately not here: the list syntaxes themselves (`lists.rs`) and the query codec
//! (`query.rs`).

use serde::{Deserialize, Serialize};

use super::lists::{fmt_f64, format_float_list, format_int_list, parse_f64, parse_u64};
use super::range::{Range, Value};
use super::Config;

/// A check involving another parameter.
type CrossCheck = fn(&Config) -> Result<(), String>;

/// One row of the parameter table: name, docs, range, and how to read and write it.
pub struct Param {
    /// URL query key and CLI flag name (`--lr0`).
    pub name: &'static str,
    /// CSV column name.
    pub csv: &'static str,
    /// One line of documentation.
    pub help: &'static str,
    /// The values allowed.
    pub range: Range,
    /// A word accepted besides the range, standing for the value 0 (`b0=full`).
    pub special: Option<&'static str>,
    /// A limit that depends on another parameter, in words (`at most epochs`).
    pub note: Option<&'static str>,
    get: fn(&Config) -> String,
    set: fn(&mut Config, &str, &Range) -> Result<(), String>,
    value: fn(&Config) -> Value,
    /// The cross-parameter part of the check (warmup ≤ epochs).
    cross: Option<CrossCheck>,
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

    /// What is allowed, in words: the range, the special word and the note.
    pub fn allowed(&self) -> String {
        let mut s = self.range.describe();
        if let Some(w) = self.special {
            s = format!("{s}, or {w}");
        }
        if let Some(n) = self.note {
            s = format!("{s}, {n}");
        }
        s
    }

    /// Reads `text` into `cfg` (syntax only; [`Param::check`] judges the value).
    pub fn parse_into(&self, cfg: &mut Config, text: &str) -> Result<(), String> {
        (self.set)(cfg, text, &self.range)
    }

    /// Checks this parameter of `cfg` against its range alone.
    pub fn check_range(&self, cfg: &Config) -> Result<(), String> {
        let v = (self.value)(cfg);
        let special = self.special.is_some() && v == Value::Int(0);
        if special {
            Ok(())
        } else {
            self.range.check(&v)
        }
    }

    /// Checks this parameter of `cfg` against its range and the note's limit.
    pub fn check(&self, cfg: &Config) -> Result<(), String> {
        self.check_range(cfg)?;
        match self.cross {
            Some(f) => f(cfg),
            None => Ok(()),
        }
    }
}

/// A whole number that fits `T`.
fn int<T: TryFrom<u64>>(s: &str) -> Result<T, String> {
    T::try_from(parse_u64(s)?).map_err(|_| "too large".to_string())
}

fn enum_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|j| j.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn enum_parse<T: for<'de> Deserialize<'de>>(s: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_ascii_lowercase()))
        .map_err(|_| "unknown choice".to_string())
}

const fn closed(lo: f64, hi: f64) -> Range {
    Range::Float {
        lo,
        hi,
        lo_open: false,
        hi_open: false,
    }
}

/// Most runs (k values) of one experiment.
pub const MAX_RUNS: usize = 64;
/// Largest multiplier k.
pub const MAX_K: u32 = 4096;
/// At most this many rows or columns in a landscape grid.
pub const MAX_GRID: usize = 12;
/// Largest batch size and training-set size (the size of the official MNIST training file).
pub const MAX_SAMPLES: u64 = 60_000;
/// Most epochs of a run.
pub const MAX_EPOCHS: u64 = 200;
/// Most workers sharing one run's steps.
pub const MAX_WORKERS: u64 = 8;
/// Most optimizer steps of a range-test run (one record each).
pub const MAX_RANGE_STEPS: u64 = 5000;

const LR: Range = Range::Float {
    lo: 0.0,
    hi: 10.0,
    lo_open: true,
    hi_open: false,
};
/// A share in [0, 1] (an item of `grow`).
const SHARE: Range = closed(0.0, 1.0);
const BATCH: Range = Range::Int {
    lo: 1,
    hi: MAX_SAMPLES,
};

macro_rules! choice {
    ($field:ident, $names:expr) => {
        (
            Range::Choice($names),
            (|c| enum_name(&c.$field)) as fn(&Config) -> String,
            (|c, s, _| {
                c.$field = enum_parse(s)?;
                Ok(())
            }) as fn(&mut Config, &str, &Range) -> Result<(), String>,
            (|c| Value::Choice(enum_name(&c.$field))) as fn(&Config) -> Value,
        )
    };
}

macro_rules! row {
    ($name:literal, $csv:literal, $help:literal, $parts:expr) => {
        row!($name, $csv, $help, $parts, None, None, None)
    };
    ($name:literal, $csv:literal, $help:literal, $parts:expr, $special:expr, $note:expr, $cross:expr) => {{
        let (range, get, set, value) = $parts;
        Param {
            name: $name,
            csv: $csv,
            help: $help,
            range,
            special: $special,
            note: $note,
            get,
            set,
            value,
            cross: $cross,
        }
    }};
}

macro_rules! number {
    ($field:ident, $range:expr, int) => {
        (
            $range,
            (|c| c.$field.to_string()) as fn(&Config) -> String,
            (|c, s, _| {
                c.$field = int(s)?;
                Ok(())
            }) as fn(&mut Config, &str, &Range) -> Result<(), String>,
            (|c| Value::Int(c.$field as u64)) as fn(&Config) -> Value,
        )
    };
    ($field:ident, $range:expr, float) => {
        (
            $range,
            (|c| fmt_f64(c.$field)) as fn(&Config) -> String,
            (|c, s, _| {
                c.$field = parse_f64(s)?;
                Ok(())
            }) as fn(&mut Config, &str, &Range) -> Result<(), String>,
            (|c| Value::Float(c.$field)) as fn(&Config) -> Value,
        )
    };
}

/// The parameter table. Order is the order of URL keys, CLI flags and CSV columns.
pub const PARAMS: &[Param] = &[
    row!(
        "b0",
        "b0",
        "base batch size B0 (the batch of k = 1); `full` = the whole training set",
        (
            BATCH,
            (|c| if c.b0 == 0 {
                "full".into()
            } else {
                c.b0.to_string()
            }) as fn(&Config) -> String,
            (|c, s, _| {
                c.b0 = if s.trim().eq_ignore_ascii_case("full") {
                    0
                } else {
                    int(s)?
                };
                Ok(())
            }) as fn(&mut Config, &str, &Range) -> Result<(), String>,
            (|c| Value::Int(c.b0 as u64)) as fn(&Config) -> Value,
        ),
        Some("full"),
        None,
        None
    ),
    row!(
        "lr0",
        "lr0",
        "base learning rate η0 (the learning rate of k = 1)",
        number!(lr0, LR, float)
    ),
    row!(
        "k",
        "k",
        "batch-size multipliers, one run each: `1-7`, `1,2,4,8`, `1-9:2`, `1-256*2`",
        (
            Range::List {
                item: &Range::Int {
                    lo: 1,
                    hi: MAX_K as u64
                },
                max_len: MAX_RUNS
            },
            (|c| format_int_list(&c.k.iter().map(|&k| k as u64).collect::<Vec<_>>()))
                as fn(&Config) -> String,
            (|c, s, r| {
                // Items are within 1..=MAX_K, so they fit a u32.
                c.k = r.parse_ints(s)?.into_iter().map(|k| k as u32).collect();
                Ok(())
            }) as fn(&mut Config, &str, &Range) -> Result<(), String>,
            (|c| Value::Ints(c.k.iter().map(|&k| k as u64).collect())) as fn(&Config) -> Value,
        )
    ),
    row!(
        "rule",
        "rule",
        "how the learning rate follows k: none (η0), linear (k·η0), sqrt (√k·η0), sde (Adam, Adagrad: √k·η0 and β, ε rescaled; SGD: linear)",
        choice!(rule, &["none", "linear", "sqrt", "sde"])
    ),
    row!(
        "warmup",
        "warmup",
        "gradual warmup: epochs over which the rate rises per step from η0 to the scaled rate",
        number!(
            warmup,
            Range::Int {
                lo: 0,
                hi: MAX_EPOCHS
            },
            int
        ),
        None,
        Some("at most epochs"),
        Some(|c: &Config| if c.warmup <= c.epochs {
            Ok(())
        } else {
            Err(format!("{} is more than the {} epochs", c.warmup, c.epochs))
        })
    ),
    row!(
        "decay",
        "decay",
        "decay after warmup: none, step (÷factor at each milestone), cosine (to 0)",
        choice!(decay, &["none", "step", "cosine"])
    ),
    // Step decay's milestones and factor, and batch growth instead of it: kept together.
    row!(
        "milestones",
        "milestones",
        "step decay: epochs after which the factor applies, e.g. `5,8`; auto = 50% and 75% of the epochs",
        (
            Range::List {
                item: &Range::Int {
                    lo: 1,
                    hi: MAX_EPOCHS
                },
                max_len: 8
            },
            (|c| if c.milestones.is_empty() {
                "auto".into()
            } else {
                format_int_list(&c.milestones.iter().map(|&m| m as u64).collect::<Vec<_>>())
            }) as fn(&Config) -> String,
            (|c, s, r| {
                c.milestones = if s.trim().eq_ignore_ascii_case("auto") {
                    Vec::new()
                } else {
                    // Items are within 1..=MAX_EPOCHS, so they fit a u32.
                    r.parse_ints(s)?.into_iter().map(|m| m as u32).collect()
                };
                Ok(())
            }) as fn(&mut Config, &str, &Range) -> Result<(), String>,
            // `auto` (no list) is the special word's value 0.
            (|c| if c.milestones.is_empty() {
                Value::Int(0)
            } else {
                Value::Ints(c.milestones.iter().map(|&m| m as u64).collect())
            }) as fn(&Config) -> Value,
        ),
        Some("auto"),
        None,
        None
    ),
    row!(
        "factor",
        "factor",
        "step decay: the rate is divided (or the batch multiplied) by this at each milestone",
        number!(factor, closed(1.0, 1000.0), float)
    ),
    row!(
        "grow",
        "grow",
        "step decay: share of each milestone's factor that grows the batch (0 = rate decay, 1 = batch growth), one run per value and k",
        (
            Range::List {
                item: &SHARE,
                max_len: 4
            },
            (|c| format_float_list(&c.grow)) as fn(&Config) -> String,
            (|c, s, r| {
                c.grow = r.parse_floats(s)?;
                Ok(())
            }) as fn(&mut Config, &str, &Range) -> Result<(), String>,
            (|c| Value::Floats(c.grow.clone())) as fn(&Config) -> Value,
        ),
        None,
        Some("other than 0 only with decay=step"),
        Some(|c: &Config| if c.decay == super::Decay::Step || c.grow.iter().all(|&g| g == 0.0) {
            Ok(())
        } else {
            Err("batch growth replaces step decay: set decay=step".to_string())
        })
    ),
    row!(
        "opt",
        "optimizer",
        "optimizer: sgd, momentum, nesterov, adam, adagrad",
        choice!(opt, &["sgd", "momentum", "nesterov", "adam", "adagrad"])
    ),
    row!(
        "momentum",
        "momentum",
        "momentum coefficient (momentum and nesterov)",
        number!(
            momentum,
            Range::Float {
                lo: 0.0,
                hi: 1.0,
                lo_open: false,
                hi_open: true
            },
            float
        )
    ),
    row!(
        "epochs",
        "epochs",
        "epochs per run",
        number!(
            epochs,
            Range::Int {
                lo: 1,
                hi: MAX_EPOCHS
            },
            int
        )
    ),
    row!(
        "train",
        "train",
        "training-set size (a stratified prefix of the training split)",
        number!(train, BATCH, int)
    ),
    row!(
        "data",
        "data",
        "the dataset: the bundled MNIST subset, or your own files' identity (counts and fingerprint)",
        (
            Range::Dataset,
            (|c| c.data.clone()) as fn(&Config) -> String,
            (|c, s, _| {
                c.data = s.trim().to_string();
                Ok(())
            }) as fn(&mut Config, &str, &Range) -> Result<(), String>,
            (|c| Value::Token(c.data.clone())) as fn(&Config) -> Value,
        )
    ),
    row!(
        "dropout",
        "dropout",
        "dropout probability after the pooling layer",
        number!(dropout, closed(0.0, 0.95), float)
    ),
    row!(
        "seed",
        "seed",
        "seed of every random choice (init, shuffling, dropout); repeat r uses seed + r",
        number!(
            seed,
            Range::Int {
                lo: 0,
                hi: u32::MAX as u64
            },
            int
        )
    ),
    row!(
        "init",
        "init",
        "weight initialisation: pytorch (U(±1/√fan_in)) or he",
        choice!(init, &["pytorch", "he"])
    ),
    row!(
        "norm",
        "norm",
        "input normalisation: none (pixels in [0,1]) or standard (training mean/std)",
        choice!(norm, &["none", "standard"])
    ),
    row!(
        "repeats",
        "repeats",
        "repeat every run over this many seeds (seed, seed+1, …); curves show mean and range",
        number!(repeats, Range::Int { lo: 1, hi: 10 }, int)
    ),
    row!(
        "order",
        "order",
        "data order of the repeats: same (only init and dropout vary) or vary",
        choice!(order, &["same", "vary"])
    ),
    row!(
        "mode",
        "mode",
        "curves (one run per k), landscape (a grid of batch sizes × learning rates) or range (a learning-rate range test per batch size)",
        choice!(mode, &["curves", "landscape", "range"])
    ),
    row!(
        "grid_b",
        "grid_b",
        "landscape and range: batch sizes, e.g. `8,32,128,512` or `8-256*2`",
        (
            Range::List {
                item: &BATCH,
                max_len: MAX_GRID
            },
            (|c| format_int_list(&c.grid_b.iter().map(|&b| b as u64).collect::<Vec<_>>()))
                as fn(&Config) -> String,
            (|c, s, r| {
                // Items are within 1..=MAX_SAMPLES, so they fit a usize.
                c.grid_b = r.parse_ints(s)?.into_iter().map(|b| b as usize).collect();
                Ok(())
            }) as fn(&mut Config, &str, &Range) -> Result<(), String>,
            (|c| Value::Ints(c.grid_b.iter().map(|&b| b as u64).collect())) as fn(&Config) -> Value,
        )
    ),
    row!(
        "grid_lr",
        "grid_lr",
        "landscape: learning rates, e.g. `0.001,0.01,0.1` or `0.001:1:6` (6 log-spaced)",
        (
            Range::List {
                item: &LR,
                max_len: MAX_GRID
            },
            (|c| format_float_list(&c.grid_lr)) as fn(&Config) -> String,
            (|c, s, r| {
                c.grid_lr = r.parse_floats(s)?;
                Ok(())
            }) as fn(&mut Config, &str, &Range) -> Result<(), String>,
            (|c| Value::Floats(c.grid_lr.clone())) as fn(&Config) -> Value,
        )
    ),
    // The cross check sits on range_hi, whose default is the largest rate any range_lo
    // (open at 10) lies below: resetting it always repairs a link (`query.rs`).
    row!(
        "range_lo",
        "range_lo",
        "range test: learning rate of the first step (the rate then rises exponentially)",
        number!(
            range_lo,
            Range::Float {
                lo: 0.0,
                hi: 10.0,
                lo_open: true,
                hi_open: true
            },
            float
        )
    ),
    row!(
        "range_hi",
        "range_hi",
        "range test: learning rate of the last step",
        number!(range_hi, LR, float),
        None,
        Some("above range_lo"),
        Some(|c: &Config| if c.range_hi > c.range_lo {
            Ok(())
        } else {
            Err(format!(
                "{} is not above range_lo {}",
                fmt_f64(c.range_hi),
                fmt_f64(c.range_lo)
            ))
        })
    ),
    row!(
        "range_steps",
        "range_steps",
        "range test: optimizer steps per run, the same for every batch (a budget in steps, not samples, so every batch size sees the same rates at the same resolution)",
        number!(
            range_steps,
            Range::Int {
                lo: 20,
                hi: MAX_RANGE_STEPS
            },
            int
        )
    ),
    row!(
        "target",
        "target",
        "test accuracy (%) for the \"steps to reach target\" view",
        number!(
            target,
            Range::Float {
                lo: 10.0,
                hi: 100.0,
                lo_open: true,
                hi_open: true
            },
            float
        )
    ),
    // Run health (divergence, evaluations): kept together.
    row!(
        "diverge",
        "diverge",
        "mini-batch loss above which a run stops as diverged; 0 = only a NaN or infinite loss",
        number!(
            diverge,
            Range::Float {
                lo: 0.0,
                hi: 1e30,
                lo_open: false,
                hi_open: true
            },
            float
        )
    ),
    row!(
        "evals",
        "evals",
        "test evaluations per epoch, evenly spaced in steps, besides one of the untrained network",
        number!(evals, Range::Int { lo: 1, hi: 10 }, int)
    ),
    row!(
        "workers",
        "workers",
        "workers (threads, Web Workers) sharing each step: the batch is split into this many shards",
        number!(
            workers,
            Range::Int {
                lo: 1,
                hi: MAX_WORKERS
            },
            int
        )
    ),
];

/// The table row of a parameter name.
pub fn param(name: &str) -> Option<&'static Param> {
    PARAMS.iter().find(|p| p.name == name)
}
