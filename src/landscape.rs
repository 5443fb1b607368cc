//! Landscape mode: a grid of batch sizes × learning rates, each cell a run
//! trained for the same budget, summarised for two views.
//!
//! - The heatmap of final test accuracy (or loss), on which the linear rule
//!   (η ∝ B) and the √ rule (η ∝ √B) through the anchor (B0, η0) are straight
//!   lines in log–log coordinates: the valley of good cells follows one of
//!   them, then bends where the rule breaks.
//! - "Optimizer steps to reach X % test accuracy vs batch size" (Shallue et al.
//!   2018): for each batch size, the fewest steps over the learning rates.
//!   Perfect scaling halves the steps when the batch doubles; then returns
//!   diminish; past the maximal useful batch size more data per step buys
//!   nothing.
//!
//! Pure: takes run results, returns numbers; the drawing is in `plot.rs`.

use crate::config::Config;
use crate::metrics::{EpochRecord, RunResult, Status};

/// Final test accuracy at or below which a cell counts as collapsed to chance
/// (the summary's rule for "stuck at chance", one definition for both).
pub use crate::summary::CHANCE_ACC;

/// One cell of the grid, averaged over its repeats.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub batch: usize,
    pub lr: f64,
    /// Mean final test accuracy in [0, 1] (NaN while unfinished).
    pub acc: f64,
    /// Mean final test loss (NaN if any repeat diverged).
    pub loss: f64,
    /// Whether any repeat diverged.
    pub diverged: bool,
    /// Whether the cell collapsed without diverging: a repeat ended `collapsed` (the
    /// summary's rule on its own evaluations), or the mean final accuracy is at chance
    /// (≤ [`CHANCE_ACC`], for budgets too short for that rule). A step so large that
    /// every ReLU died, the network's other way of failing at high learning rates.
    pub collapsed: bool,
    /// Mean optimizer steps to reach the target accuracy (None if a repeat never did).
    pub steps_to_target: Option<f64>,
    /// Repeats that have finished.
    pub done: usize,
}

/// The grid: `cells[i][j]` for batch `grid_b[i]` and rate `grid_lr[j]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Landscape {
    pub grid_b: Vec<usize>,
    pub grid_lr: Vec<f64>,
    pub cells: Vec<Vec<Cell>>,
    /// The rule lines' anchor (B0, η0) of the experiment.
    pub anchor: (usize, f64),
    /// Target accuracy in %.
    pub target: f64,
}

/// The optimizer step at which test accuracy first reached `target` (in %),
/// interpolated linearly between real evaluations: records start with the untrained
/// network's at step 0, and only records without it (made before it existed) fall back
/// on an assumed chance level, 10 % at step 0. `None` if it never did.
pub fn steps_to_target(records: &[EpochRecord], target: f64) -> Option<f64> {
    to_target(records, target, |r| r.step as f64)
}

/// The wall time (ms from the run's start) at which test accuracy first reached
/// `target` (in %), interpolated as [`steps_to_target`] is; `None` if it never did.
pub fn time_to_target(records: &[EpochRecord], target: f64) -> Option<f64> {
    to_target(records, target, |r| r.wall_ms)
}

/// Where along `x` (steps, wall time) test accuracy first reached `target`.
fn to_target(records: &[EpochRecord], target: f64, x: impl Fn(&EpochRecord) -> f64) -> Option<f64> {
    let t = target / 100.0;
    let (mut s0, mut a0) = (0.0, 0.1);
    for r in records {
        let (s1, a1) = (x(r), r.test_acc);
        if r.status != Status::Diverged && a1 >= t {
            let f = if a1 > a0 {
                ((t - a0) / (a1 - a0)).clamp(0.0, 1.0)
            } else {
                1.0
            };
            return Some(s0 + f * (s1 - s0));
        }
        (s0, a0) = (s1, a1);
    }
    None
}

impl Landscape {
    /// Builds the grid of `cfg` from whichever runs have records so far
    /// (a run's `config` says its cell through its b0 and lr0).
    pub fn new(cfg: &Config, runs: &[RunResult]) -> Landscape {
        let cells = cfg
            .grid_b
            .iter()
            .map(|&b| {
                cfg.grid_lr
                    .iter()
                    .map(|&lr| {
                        let mine: Vec<&RunResult> = runs
                            .iter()
                            .filter(|r| r.config.b0 == b && r.config.lr0 == lr)
                            .collect();
                        cell(b, lr, &mine, cfg.epochs, cfg.target)
                    })
                    .collect()
            })
            .collect();
        Landscape {
            grid_b: cfg.grid_b.clone(),
            grid_lr: cfg.grid_lr.clone(),
            cells,
            anchor: (cfg.b0.max(1), cfg.lr0),
            target: cfg.target,
        }
    }

    /// For each batch size: the fewest steps to the target over the learning
    /// rates, and the rate that achieved it.
    pub fn best_steps(&self) -> Vec<(usize, Option<(f64, f64)>)> {
        self.cells
            .iter()
            .zip(&self.grid_b)
            .map(|(row, &b)| {
                let best = row
                    .iter()
                    .filter_map(|c| c.steps_to_target.map(|s| (s, c.lr)))
                    .min_by(|a, b| a.0.total_cmp(&b.0));
                (b, best)
            })
            .collect()
    }
}

fn cell(batch: usize, lr: f64, runs: &[&RunResult], epochs: u32, target: f64) -> Cell {
    let finished: Vec<&&RunResult> = runs
        .iter()
        .filter(|r| {
            r.records
                .last()
                // Records without `epochs_done` (older CSVs) go by the epoch number.
                .is_some_and(|l| {
                    l.status != Status::Running
                        || (l.epoch >= epochs
                            && (l.epochs_done.is_nan() || l.epochs_done >= epochs as f64))
                })
        })
        .collect();
    let diverged = runs
        .iter()
        .any(|r| r.records.iter().any(|x| x.status == Status::Diverged));
    let mean = |f: &dyn Fn(&EpochRecord) -> f64| {
        if finished.is_empty() {
            return f64::NAN;
        }
        finished
            .iter()
            .map(|r| f(r.records.last().expect("finished runs have records")))
            .sum::<f64>()
            / finished.len() as f64
    };
    let steps: Vec<Option<f64>> = finished
        .iter()
        .map(|r| steps_to_target(&r.records, target))
        .collect();
    let acc = mean(&|r| r.test_acc);
    Cell {
        batch,
        lr,
        acc,
        loss: if diverged {
            f64::NAN
        } else {
            mean(&|r| r.test_loss)
        },
        diverged,
        collapsed: !diverged
            && (acc <= CHANCE_ACC
                || finished.iter().any(|r| {
                    r.records
                        .last()
                        .is_some_and(|l| l.status == Status::Collapsed)
                })),
        steps_to_target: if steps.is_empty() || steps.iter().any(Option::is_none) {
            None
        } else {
            Some(steps.iter().flatten().sum::<f64>() / steps.len() as f64)
        },
        done: finished.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(step: u64, acc: f64, status: Status) -> EpochRecord {
        EpochRecord {
            epoch: 1,
            step,
            samples: 0,
            lr: 0.1,
            batch: 8,
            train_loss: 0.3,
            test_loss: 0.3,
            test_acc: acc,
            noise_scale: f64::NAN,
            peak_loss: f64::NAN,
            epochs_done: f64::NAN,
            noise_spread: f64::NAN,
            wall_ms: 0.0,
            status,
        }
    }

    #[test]
    fn steps_to_target_interpolates() {
        let r = vec![rec(100, 0.5, Status::Running), rec(200, 0.9, Status::Done)];
        let near = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9);
        assert!(near(steps_to_target(&r, 50.0), 100.0));
        assert!(near(steps_to_target(&r, 70.0), 150.0));
        // From chance at step 0: 30 % is half way to 50 % at step 100.
        assert!(near(steps_to_target(&r, 30.0), 50.0));
        assert_eq!(steps_to_target(&r, 95.0), None);
        let d = vec![rec(100, 0.95, Status::Diverged)];
        assert_eq!(steps_to_target(&d, 90.0), None);
    }

    #[test]
    fn steps_to_target_starts_from_the_real_step_0_evaluation() {
        let near = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9);
        // The untrained network scored 30 %, not the assumed 10 %: 40 % is half way.
        let r = vec![
            rec(0, 0.3, Status::Running),
            rec(100, 0.5, Status::Running),
            rec(200, 0.9, Status::Done),
        ];
        assert!(near(steps_to_target(&r, 40.0), 50.0));
        // Already there at step 0.
        assert!(near(steps_to_target(&r, 30.0), 0.0));
        // Between two evaluations within an epoch.
        assert!(near(steps_to_target(&r, 80.0), 175.0));
    }

    #[test]
    fn time_to_target_interpolates_in_wall_time_not_steps() {
        // Evaluations at steps 0, 100, 200 took until 0, 400 and 1,000 ms: 80 % (three
        // quarters of the way from 50 % to 90 %) is reached at step 175 but at 850 ms.
        let timed = |step, acc, ms| EpochRecord {
            wall_ms: ms,
            ..rec(step, acc, Status::Running)
        };
        let r = vec![
            timed(0, 0.1, 0.0),
            timed(100, 0.5, 400.0),
            timed(200, 0.9, 1000.0),
        ];
        let near = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9);
        assert!(near(steps_to_target(&r, 80.0), 175.0));
        assert!(near(time_to_target(&r, 80.0), 850.0));
        assert!(near(time_to_target(&r, 30.0), 200.0));
        assert_eq!(time_to_target(&r, 95.0), None);
    }

    #[test]
    fn grid_cells_and_best_steps() {
        let cfg =
            Config::from_query("mode=landscape&grid_b=8,64&grid_lr=0.01,0.1&epochs=1&target=80")
                .unwrap();
        let specs = cfg.runs();
        let results: Vec<RunResult> = specs
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (acc, status) = match s.cell {
                    Some((0, 0)) => (0.85, Status::Done),
                    Some((0, 1)) => (0.9, Status::Done),
                    Some((1, 0)) => (0.5, Status::Done),
                    _ => (0.1, Status::Diverged),
                };
                RunResult {
                    run: i,
                    config: s.config.clone(),
                    repeat: 0,
                    records: vec![rec(1000, acc, status)],
                }
            })
            .collect();
        let l = Landscape::new(&cfg, &results);
        assert_eq!(l.cells.len(), 2);
        assert_eq!(l.cells[0][1].acc, 0.9);
        assert!(l.cells[1][1].diverged && l.cells[1][1].loss.is_nan());
        assert!(!l.cells[0][0].diverged && !l.cells[0][0].collapsed);
        let best = l.best_steps();
        // Batch 8: lr 0.1 reaches 80 % sooner (interpolated from 10 % at step 0).
        let (b, Some((steps, lr))) = best[0] else {
            panic!("batch 8 reached the target")
        };
        assert_eq!((b, lr), (8, 0.1));
        assert!((steps - 1000.0 * 0.7 / 0.8).abs() < 1e-9);
        assert_eq!(best[1], (64, None));
    }
}
