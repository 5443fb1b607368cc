//! What a run reports: one [`EpochRecord`] per finished epoch, and the CSV
//! and JSON forms of a set of runs.
//!
//! The CSV has one row per run per epoch. Its columns are `run`, `k`, `repeat`, `batch`,
//! then one column per experiment parameter (from the config's table, so a row
//! reproduces its run), then the metrics. The page's export and the CLI write
//! the same columns through [`write_csv`].
//!
//! Records hold no wall-clock time of their own making: the trainer is pure,
//! so the shells (CLI, worker) fill `wall_ms` in.

use std::io::Write;

use serde::{Deserialize, Serialize};

use crate::config::{Config, PARAMS};

/// Where a run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Training, more epochs to come.
    Running,
    /// All epochs finished.
    Done,
    /// The loss became NaN/Inf or exceeded [`crate::train::DIVERGENCE_LOSS`]; stopped.
    Diverged,
    /// Stopped by the user before the end.
    Stopped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Done => "done",
            Status::Diverged => "diverged",
            Status::Stopped => "stopped",
        }
    }
}

/// The metrics of one epoch of one run (or of the partial epoch a run diverged in).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EpochRecord {
    /// 1-based epoch number (the epoch just finished).
    pub epoch: u32,
    /// Optimizer steps taken since the start.
    pub step: u64,
    /// Training samples seen since the start.
    pub samples: u64,
    /// Learning rate of the epoch's last step.
    pub lr: f64,
    pub batch: usize,
    /// Mean of the epoch's mini-batch losses.
    pub train_loss: f64,
    /// Mean cross-entropy on the test split.
    pub test_loss: f64,
    /// Fraction of the test split classified correctly, in [0, 1].
    pub test_acc: f64,
    /// Gradient noise scale estimate (NaN when not measured).
    pub noise_scale: f64,
    /// Wall-clock milliseconds since the run started (filled by the shell).
    pub wall_ms: f64,
    pub status: Status,
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

/// The metric columns after the parameter columns.
pub const METRIC_COLUMNS: &[&str] = &[
    "epoch",
    "step",
    "samples",
    "lr",
    "train_loss",
    "test_loss",
    "test_acc",
    "noise_scale",
    "wall_ms",
    "status",
];

/// The CSV header: `run,k,repeat,batch,<parameters but k>,<metrics>`.
pub fn csv_header() -> Vec<&'static str> {
    let mut h = vec!["run", "k", "repeat", "batch"];
    h.extend(PARAMS.iter().filter(|p| p.name != "k").map(|p| p.csv));
    h.extend_from_slice(METRIC_COLUMNS);
    h
}

fn num(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else {
        format!("{v}")
    }
}

/// One CSV row for a record of a run.
pub fn csv_row(run: &RunResult, r: &EpochRecord) -> Vec<String> {
    let mut row = vec![
        run.run.to_string(),
        run.k().to_string(),
        run.repeat.to_string(),
        r.batch.to_string(),
    ];
    row.extend(
        PARAMS
            .iter()
            .filter(|p| p.name != "k")
            .map(|p| p.get(&run.config)),
    );
    row.extend([
        r.epoch.to_string(),
        r.step.to_string(),
        r.samples.to_string(),
        num(r.lr),
        num(r.train_loss),
        num(r.test_loss),
        num(r.test_acc),
        num(r.noise_scale),
        format!("{:.1}", r.wall_ms),
        r.status.as_str().to_string(),
    ]);
    row
}

/// Writes every record of every run as CSV.
pub fn write_csv<W: Write>(out: W, runs: &[RunResult]) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(csv_header())?;
    for run in runs {
        for r in &run.records {
            w.write_record(csv_row(run, r))?;
        }
    }
    w.flush()?;
    Ok(())
}

/// The CSV as a string (for the page's export).
pub fn to_csv_string(runs: &[RunResult]) -> String {
    let mut buf = Vec::new();
    write_csv(&mut buf, runs).expect("writing CSV to memory cannot fail");
    String::from_utf8(buf).expect("CSV fields are UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(epoch: u32) -> EpochRecord {
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
            wall_ms: 12.34,
            status: Status::Running,
        }
    }

    #[test]
    fn csv_rows_reproduce_the_run() {
        let cfg = Config::from_query("k=3&lr0=0.003&opt=adam").unwrap();
        let run = RunResult {
            run: 2,
            config: cfg.clone(),
            repeat: 0,
            records: vec![record(1), record(2)],
        };
        let text = to_csv_string(&[run]);
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
        for col in [
            "run",
            "k",
            "batch",
            "rule",
            "optimizer",
            "lr0",
            "seed",
            "epoch",
            "step",
            "samples",
            "lr",
            "train_loss",
            "test_loss",
            "test_acc",
            "status",
        ] {
            assert!(header.iter().any(|h| h == col), "missing column {col}");
        }
        let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        // Rebuild the config from the row's parameter columns.
        let mut back = Config::default();
        for p in PARAMS {
            let col = header.iter().position(|h| h == p.csv).unwrap();
            back.set(p.name, &rows[0][col]).unwrap();
        }
        assert_eq!(back, cfg);
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        assert_eq!(&rows[1][col("epoch")], "2");
        assert_eq!(&rows[1][col("noise_scale")], "NaN");
        assert_eq!(&rows[1][col("status")], "running");
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
