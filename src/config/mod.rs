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
//! The module is split by concern: `params.rs` holds the table and each parameter's
//! [`Range`] (one datum for the check, the message, the README and the page's limits),
//! `lists.rs` the k / batch / learning-rate list syntaxes and the short number form,
//! `query.rs` the URL query codec (bounded: a hostile link costs little work and little
//! text). This file holds the value types, the defaults and the per-parameter entry
//! points. It only describes and validates: the runs of an experiment (groups, seeds)
//! are `runs.rs`'s, what a run does with the values (effective batch, scaled learning
//! rate, schedule) is `schedule.rs`'s.
//!
//! **Duplicated keys**: one rule everywhere (URL, CLI, presets followed by a link): the
//! last occurrence of a key wins, and earlier ones are ignored without a notice.

use std::fmt;

mod diff;
mod lists;
mod params;
mod query;
mod range;

pub use crate::runs::RunSpec;
pub use diff::{diff, diff_label};
pub use lists::{
    fmt_f64, format_float_list, format_int_list, log_space, parse_float_list, parse_int_list,
};
pub use params::{
    param, Param, MAX_EPOCHS, MAX_GRID, MAX_K, MAX_RANGE_STEPS, MAX_RUNS, MAX_SAMPLES, MAX_WORKERS,
    PARAMS,
};
pub use query::{query_pairs, QueryParse, MAX_QUERY_ERRORS, QUERY_VERSION, VERSION_KEY};
pub use range::{Range, Value};

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
    /// The SDE rule (Malladi et al. 2022): for Adam η·√κ, 1 − β1 and 1 − β2 times κ,
    /// ε / √κ; for Adagrad η·√κ and ε / √κ; for SGD and momentum the linear rule
    /// (`schedule::OptConstants::scaled`).
    Sde,
}

/// Learning-rate decay after warmup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decay {
    None,
    /// ÷`factor` at each milestone (by default ×0.1 at 50 % and again at 75 % of the
    /// epochs); with `grow` the batch grows instead (`schedule.rs`).
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
    /// A learning-rate range test per batch size: the rate rises exponentially from
    /// `range_lo` to `range_hi` over `range_steps` steps (`lr_range.rs` reads it).
    Range,
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
    /// Step decay's milestones, in epochs (the change applies from epoch m + 1 on); empty
    /// = 50 % and 75 % of the epochs. Left out of the JSON when empty, as the next two
    /// when default, so the JSON of an experiment without them reads as it always has.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<u32>,
    /// Step decay's factor per milestone.
    #[serde(skip_serializing_if = "is_default_factor")]
    pub factor: f64,
    /// Share of each milestone's factor that grows the batch instead of dividing the rate,
    /// one run per value and k: 0 = rate decay, 1 = batch growth (Smith et al. 2018).
    #[serde(skip_serializing_if = "is_default_grow")]
    pub grow: Vec<f64>,
    pub opt: Opt,
    /// Momentum coefficient for `momentum` and `nesterov`.
    pub momentum: f64,
    pub epochs: u32,
    /// Training-set size (capped by the data available).
    pub train: usize,
    /// The dataset: `mnist-subset` (the bundled files) or a loaded dataset's identity
    /// (`data::DatasetId`). Left out of the JSON when it is the default, so the JSON of
    /// an experiment on the bundled files reads as it always has.
    #[serde(skip_serializing_if = "is_subset")]
    pub data: String,
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
    /// Range test: the rate of the first step and of the last. Like the steps, left out
    /// of the JSON at its default, so an experiment's JSON from before range mode (the
    /// pinned golden runs) reads as it always has.
    #[serde(skip_serializing_if = "is_default_range_lo")]
    pub range_lo: f64,
    #[serde(skip_serializing_if = "is_default_range_hi")]
    pub range_hi: f64,
    /// Range test: optimizer steps per run (the same for every batch size).
    #[serde(skip_serializing_if = "is_default_range_steps")]
    pub range_steps: u32,
    /// Test accuracy (%) for "steps to reach target".
    pub target: f64,
    /// Mini-batch loss above which a run stops as diverged; 0 = only a non-finite loss.
    pub diverge: f64,
    /// Test evaluations per epoch (evenly spaced in steps; the last at the epoch's end),
    /// besides the one of the untrained network at step 0.
    pub evals: u32,
    /// Workers (threads, Web Workers) sharing each step of a run: its batch is split
    /// into this many shards (`train/parallel.rs`). Left out of the JSON when 1, so the
    /// JSON of a one-worker experiment reads as it always has.
    #[serde(skip_serializing_if = "is_one")]
    pub workers: u32,
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
            milestones: Vec::new(),
            factor: DEFAULT_FACTOR,
            grow: vec![0.0],
            opt: Opt::Sgd,
            momentum: 0.9,
            epochs: 10,
            train: 8000,
            data: crate::data::SUBSET.to_string(),
            dropout: 0.25,
            seed: 1,
            init: Init::PyTorch,
            norm: Norm::None,
            repeats: 1,
            order: Order::Vary,
            mode: Mode::Curves,
            grid_b: vec![8, 32, 128, 512, 2048, 8000],
            grid_lr: log_space(0.001, 10.0, 6),
            range_lo: 1e-4,
            range_hi: 10.0,
            range_steps: 300,
            target: 90.0,
            diverge: 0.0,
            evals: 1,
            workers: 1,
        }
    }
}

fn is_one(workers: &u32) -> bool {
    *workers == 1
}

fn is_subset(data: &str) -> bool {
    data == crate::data::SUBSET
}

/// Step decay's default factor: ×0.1 per milestone.
pub const DEFAULT_FACTOR: f64 = 10.0;

fn is_default_factor(f: &f64) -> bool {
    *f == DEFAULT_FACTOR
}

fn is_default_grow(g: &[f64]) -> bool {
    g == [0.0]
}

fn is_default_range_lo(v: &f64) -> bool {
    *v == Config::default().range_lo
}

fn is_default_range_hi(v: &f64) -> bool {
    *v == Config::default().range_hi
}

fn is_default_range_steps(v: &u32) -> bool {
    *v == Config::default().range_steps
}

/// Adam's constants (β1, β2, ε), fixed to the usual defaults.
pub const ADAM_BETA1: f32 = 0.9;
pub const ADAM_BETA2: f32 = 0.999;
pub const ADAM_EPS: f32 = 1e-8;
/// Adagrad's ε, as in PyTorch.
pub const ADAGRAD_EPS: f32 = 1e-10;

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

/// Longest key, value and message of a [`ConfigError`] after [`ConfigError::shortened`].
pub const MAX_KEY_CHARS: usize = 40;
pub const MAX_VALUE_CHARS: usize = 80;
pub const MAX_MESSAGE_CHARS: usize = 240;

impl ConfigError {
    /// The same error with every part cut to a readable length (`…` marks a cut), so a
    /// hostile link cannot make a notice of any size.
    pub fn shortened(self) -> ConfigError {
        ConfigError {
            param: shorten(&self.param, MAX_KEY_CHARS),
            value: shorten(&self.value, MAX_VALUE_CHARS),
            message: shorten(&self.message, MAX_MESSAGE_CHARS),
        }
    }
}

/// At most `max` characters of `s`: the first `max − 1` and `…` when it is longer.
pub fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some(_) => {
            let cut = s
                .char_indices()
                .nth(max.saturating_sub(1))
                .map_or(s.len(), |(i, _)| i);
            format!("{}…", &s[..cut])
        }
    }
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

/// The error of a key that is not in the table.
pub(crate) fn unknown_key(name: &str, value: &str) -> ConfigError {
    ConfigError {
        param: name.to_string(),
        value: value.to_string(),
        message: format!(
            "unknown parameter; known: {}",
            PARAMS.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
        ),
    }
}

impl Config {
    /// Sets one parameter from its text form (URL value or CLI flag value). On an error
    /// `self` is unchanged; the message says what is wrong and what is allowed. Limits
    /// that involve another parameter (warmup ≤ epochs) are [`Config::validate`]'s, so
    /// keys may come in any order.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ConfigError> {
        let p = param(name).ok_or_else(|| unknown_key(name, value))?;
        let error = |m: String| {
            ConfigError {
                param: p.name.to_string(),
                value: value.to_string(),
                message: format!("{m}; allowed: {}", p.allowed()),
            }
            .shortened()
        };
        let mut next = self.clone();
        p.parse_into(&mut next, value).map_err(error)?;
        p.check_range(&next).map_err(error)?;
        *self = next;
        Ok(())
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

    /// Every problem of this config (empty when valid), each shortened.
    pub fn problems(&self) -> Vec<ConfigError> {
        PARAMS
            .iter()
            .filter_map(|p| {
                p.check(self).err().map(|m| {
                    ConfigError {
                        param: p.name.to_string(),
                        value: p.get(self),
                        message: format!("{m}; allowed: {}", p.allowed()),
                    }
                    .shortened()
                })
            })
            .collect()
    }

    /// JSON form (worker messages, saved experiments).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a Config always serialises")
    }

    /// Parses and validates the JSON form; errors name the field.
    pub fn from_json(json: &str) -> Result<Config, ConfigError> {
        let cfg: Config = serde_json::from_str(json).map_err(|e| {
            ConfigError {
                param: "json".into(),
                value: String::new(),
                message: e.to_string(),
            }
            .shortened()
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

    /// The batch-growth share of a single run's config (the first of `grow`).
    pub fn grow_share(&self) -> f64 {
        self.grow.first().copied().unwrap_or(0.0)
    }
}

/// Parses a k list (`1-7`, `1,2,4,8`, `1-9:2`, `1-256*2`) within k's range.
pub fn parse_k_list(s: &str) -> Result<Vec<u32>, String> {
    let mut c = Config::default();
    param("k")
        .expect("k is a parameter")
        .parse_into(&mut c, s)?;
    Ok(c.k)
}

/// Formats a k list compactly; `parse_k_list(&format_k_list(v)) == v`.
pub fn format_k_list(ks: &[u32]) -> String {
    format_int_list(&ks.iter().map(|&k| k as u64).collect::<Vec<_>>())
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
        assert_eq!(
            parse_k_list("1-9:0").unwrap_err(),
            "a range needs a step ≥ 1"
        );
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
        assert!(e.to_string().contains("none, linear, sqrt or sde"), "{e}");
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
    fn percent_decoding() {
        let pairs = query_pairs("?k=1%2C2%2c4&a+b=c%20d&bad=%zz&end=%4");
        assert_eq!(pairs[0], ("k".into(), "1,2,4".into()));
        assert_eq!(pairs[1], ("a b".into(), "c d".into()));
        assert_eq!(pairs[2].1, "%zz");
        assert_eq!(pairs[3].1, "%4");
    }
}
