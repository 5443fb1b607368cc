//! What a run reports: one [`EpochRecord`] per evaluation, and the CSV
//! and JSON forms of a set of runs.
//!
//! The CSV has one row per run per evaluation. Its columns are `run`, `k`, `repeat`, `batch`,
//! then one column per experiment parameter (from the config's table, so a row
//! reproduces its run), then the metrics. The page's export and the CLI write
//! the same columns through [`write_csv`], and [`runs_from_csv`] reads them back.
//!
//! The `seed` column holds the seed the row was trained with (base seed + repeat, see
//! `runs.rs`), so `sweep --seed <seed> …` with the row's other parameters retrains it
//! (with `order=same` a repeat shuffles with the base seed, `seed − repeat`: rerun it as
//! repeat `repeat` of `--seed <seed − repeat>`).
//!
//! The last two columns say what the file holds: `shard` (`i/n`, `1/1` for a whole
//! experiment) and `experiment` (the whole experiment's URL query, base seed, every k),
//! the same in every row, so the shards of a sweep can be checked and merged
//! (`shard::merge`). The page's export leaves both empty.
//!
//! Records hold no wall-clock time of their own making: the trainer is pure,
//! so the shells (CLI, worker) fill `wall_ms` in.

use serde::{Deserialize, Serialize};

use crate::config::Config;

mod csv_file;
pub use csv_file::*;

/// Where a run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Training, more epochs to come.
    Running,
    /// All epochs finished.
    Done,
    /// All epochs finished, but the run collapsed: its last evaluations were no better
    /// than always answering the most frequent class (the rule is
    /// [`crate::summary::collapsed`]'s). Its scores are not results.
    Collapsed,
    /// A mini-batch loss was NaN or infinite (or above the `diverge` threshold when one
    /// is set); stopped there.
    Diverged,
    /// Stopped by the user before the end.
    Stopped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Done => "done",
            Status::Collapsed => "collapsed",
            Status::Diverged => "diverged",
            Status::Stopped => "stopped",
        }
    }

    /// The status of a name as [`Status::as_str`] writes it.
    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Running,
            Status::Done,
            Status::Collapsed,
            Status::Diverged,
            Status::Stopped,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    /// Whether the run failed (collapsed or diverged): its scores are not results.
    pub fn failed(self) -> bool {
        matches!(self, Status::Collapsed | Status::Diverged)
    }
}

/// The metrics of one evaluation of one run: at step 0 (the untrained network), at the
/// end of each epoch, `evals − 1` times within each epoch when `evals` > 1, and at the
/// step a run diverged on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EpochRecord {
    /// The epoch the evaluation belongs to: 0 for the untrained network, e for one during
    /// or at the end of epoch e (1-based).
    pub epoch: u32,
    /// Optimizer steps taken since the start.
    pub step: u64,
    /// Training samples seen since the start.
    pub samples: u64,
    /// Learning rate of the epoch's last step.
    pub lr: f64,
    pub batch: usize,
    /// Mean of the mini-batch losses since the previous evaluation (the whole epoch when
    /// `evals` = 1; NaN at step 0).
    pub train_loss: f64,
    /// Mean cross-entropy on the test split.
    pub test_loss: f64,
    /// Fraction of the test split classified correctly, in [0, 1].
    pub test_acc: f64,
    /// Gradient noise scale estimate (NaN when not measured).
    pub noise_scale: f64,
    /// One standard error of `noise_scale` from the scatter of the probes (NaN before the
    /// second probe; see `noise::NoiseScale`).
    #[serde(default = "nan")]
    pub noise_spread: f64,
    /// The largest finite mini-batch loss of the run so far (NaN before the first step):
    /// how close a run that carried on came to blowing up.
    #[serde(default = "nan")]
    pub peak_loss: f64,
    /// Epochs of training done at this evaluation, samples seen / training-set size: 0
    /// for the untrained network, 1.5 halfway through the second epoch. The charts' epoch
    /// axis. NaN when unknown (records from before it existed).
    #[serde(default = "nan")]
    pub epochs_done: f64,
    /// Wall-clock milliseconds since the run started (filled by the shell).
    pub wall_ms: f64,
    pub status: Status,
}

fn nan() -> f64 {
    f64::NAN
}

/// One run of an experiment and its records.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunResult {
    /// 0-based index of the run in the experiment.
    pub run: usize,
    /// The experiment restricted to this run's k.
    pub config: Config,
    /// Which repeat (seed offset) of the run this is.
    #[serde(default)]
    pub repeat: u32,
    pub records: Vec<EpochRecord>,
}

impl RunResult {
    pub fn k(&self) -> u32 {
        self.config.k.first().copied().unwrap_or(1)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A record of epoch `epoch` (1000 steps of batch 8 each), for tests here and in
    /// `shard`.
    pub(crate) fn record(epoch: u32) -> EpochRecord {
        EpochRecord {
            epoch,
            step: 1000 * epoch as u64,
            samples: 8000 * epoch as u64,
            lr: 0.001,
            batch: 8,
            train_loss: 0.5,
            test_loss: 0.4,
            test_acc: 0.9,
            noise_scale: f64::NAN,
            noise_spread: f64::NAN,
            peak_loss: 3.5,
            epochs_done: epoch as f64,
            wall_ms: 12.34,
            status: Status::Running,
        }
    }

    #[test]
    fn records_serialise_in_camel_case() {
        let j = serde_json::to_string(&record(1)).unwrap();
        assert!(
            j.contains("\"testAcc\":0.9") && j.contains("\"status\":\"running\""),
            "{j}"
        );
    }
}
