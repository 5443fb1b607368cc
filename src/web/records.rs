//! Reading records that come back from JS: the page hands the records a worker sent
//! back to `drawChart` and `csvFromRuns`.
//!
//! Why mirrors of [`EpochRecord`] and [`RunResult`] instead of the core types: a NaN or
//! infinite float (a diverged run's loss, the unmeasured `noiseScale`) leaves as `null`,
//! because serde_json and `JSON.stringify` both write non-finite numbers that way, and
//! the core's `f64` fields reject `null`. Here every float field is `Option<f64>`, and
//! `null` or a missing field reads as NaN, which the chart skips and the CSV prints as
//! `NaN`. Integer fields and `status` stay required: a record without them is not a
//! record. Unknown fields are ignored, so the worker may annotate records freely.

use serde::Deserialize;

use crate::config::Config;
use crate::metrics::{EpochRecord, RunResult, Status};
use crate::summary::RunStatus;

/// An [`EpochRecord`] as JSON from JS (camelCase), floats nullable.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordIn {
    pub epoch: u32,
    pub step: u64,
    pub samples: u64,
    pub lr: Option<f64>,
    pub batch: usize,
    pub train_loss: Option<f64>,
    pub test_loss: Option<f64>,
    pub test_acc: Option<f64>,
    pub noise_scale: Option<f64>,
    #[serde(default)]
    pub noise_spread: Option<f64>,
    #[serde(default)]
    pub peak_loss: Option<f64>,
    #[serde(default)]
    pub epochs_done: Option<f64>,
    pub wall_ms: Option<f64>,
    pub status: Status,
}

impl From<RecordIn> for EpochRecord {
    fn from(r: RecordIn) -> EpochRecord {
        let f = |v: Option<f64>| v.unwrap_or(f64::NAN);
        EpochRecord {
            epoch: r.epoch,
            step: r.step,
            samples: r.samples,
            lr: f(r.lr),
            batch: r.batch,
            train_loss: f(r.train_loss),
            test_loss: f(r.test_loss),
            test_acc: f(r.test_acc),
            noise_scale: f(r.noise_scale),
            noise_spread: f(r.noise_spread),
            peak_loss: f(r.peak_loss),
            epochs_done: f(r.epochs_done),
            wall_ms: f(r.wall_ms),
            status: r.status,
        }
    }
}

/// A [`RunResult`] as JSON from JS: `{"run", "config", "repeat", "records", "status"}`,
/// `repeat` optional (0), `status` optional (the page's run status, one of
/// [`RunStatus`]'s names; summaries use it to leave failed runs out). The config is read
/// as is (it is the config the run was started with, already validated then).
#[derive(Clone, Debug, Deserialize)]
pub struct RunIn {
    pub run: usize,
    pub config: Config,
    #[serde(default)]
    pub repeat: u32,
    pub records: Vec<RecordIn>,
    #[serde(default)]
    pub status: Option<RunStatus>,
}

impl From<RunIn> for RunResult {
    fn from(r: RunIn) -> RunResult {
        RunResult {
            run: r.run,
            config: r.config,
            repeat: r.repeat,
            records: r.records.into_iter().map(EpochRecord::from).collect(),
        }
    }
}
