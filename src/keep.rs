//! What the page keeps and compares of experiments, as facts the core owns: the
//! experiment a CSV holds ([`experiment_of`]), the curves of a kept experiment drawn as a
//! pinned overlay ([`pinned_curves`]), and the learning rate a run will follow before it
//! has trained ([`planned_lr`], from [`RunPlan`]'s public API only).
//!
//! - **A CSV's experiment.** A CSV written by `sweep` names its experiment (the
//!   `experiment` column); the page's export does not, so the experiment is rebuilt from
//!   its rows: curves mode takes the first run's parameters with `k` = the multipliers of
//!   the runs, in file order, and `repeats` = the highest repeat + 1; landscape mode takes
//!   `grid_b` and `grid_lr` from the cells' batches and rates (the base `b0`, `lr0`,
//!   `rule` and `warmup`, which the grid does not use, come back at their defaults). Runs
//!   not exported (no finished epoch) are missing from the rebuilt `k` list.
//! - **Pinned curves.** One curve per k (curves) or cell (landscape) of the kept runs, the
//!   lowest repeat leading and the others its band, in file order; colour i of n, so the
//!   same k has the same colour in two experiments of the same k list.
//! - **Planned rate.** At most [`PLAN_POINTS`] + 1 points per run, evenly spaced in steps
//!   from 0 to the last step, plus the step where warmup ends: each a record holding the
//!   step, the epoch (fractional), the samples seen so far (steps × batch, at most the
//!   epochs × the training set) and the rate [`crate::schedule::Schedule::lr_at`] gives;
//!   every metric NaN.
//!
//! Pure: no storage, no DOM; the page's IndexedDB and the drawing are elsewhere
//! (`www/keep.js`, `plot::draw_curves_with`).

use crate::config::{Config, Mode};
use crate::metrics::{EpochRecord, RunResult, Status};
use crate::plot::Curve;
use crate::schedule::RunPlan;

/// Points of a planned-rate series (plus the end of warmup).
pub const PLAN_POINTS: u64 = 200;

/// The experiment the runs of a CSV come from (see the module docs), validated.
pub fn experiment_of(runs: &[RunResult]) -> Result<Config, String> {
    let first = runs.first().ok_or("the file has no rows")?;
    let mode = first.config.mode;
    if runs.iter().any(|r| r.config.mode != mode) {
        return Err("its rows mix curves and landscape runs: one experiment per file".into());
    }
    let mut cfg = first.config.clone();
    cfg.repeats = runs.iter().map(|r| r.repeat + 1).max().unwrap_or(1);
    match mode {
        Mode::Curves => {
            cfg.k = Vec::new();
            cfg.grow = Vec::new();
            for r in runs {
                let k = r.k();
                if !cfg.k.contains(&k) {
                    cfg.k.push(k);
                }
                // Each run's config holds its own share of a `grow` comparison.
                let share = r.config.grow_share();
                if !cfg.grow.contains(&share) {
                    cfg.grow.push(share);
                }
            }
        }
        Mode::Landscape | Mode::Range => {
            let (mut bs, mut lrs) = (Vec::new(), Vec::new());
            for r in runs {
                if !bs.contains(&r.config.b0) {
                    bs.push(r.config.b0);
                }
                if !lrs.contains(&r.config.lr0) {
                    lrs.push(r.config.lr0);
                }
            }
            let d = Config::default();
            // A range test's runs all start at `range_lo`: its grid of rates is unused.
            let grid_lr = if mode == Mode::Range {
                cfg.grid_lr.clone()
            } else {
                lrs
            };
            cfg = Config {
                grid_b: bs,
                grid_lr,
                b0: d.b0,
                lr0: d.lr0,
                k: d.k,
                rule: d.rule,
                warmup: d.warmup,
                ..cfg
            };
        }
    }
    cfg.validate()
        .map_err(|e| format!("its runs do not form one experiment: {e}"))?;
    Ok(cfg)
}

/// The key a run's curve is grouped by: its k, its cell's (batch, rate bits), or a range
/// test's batch.
type GroupKey = (u32, usize, u64);

fn group_key(r: &RunResult) -> GroupKey {
    match r.config.mode {
        Mode::Curves => (r.k(), 0, r.config.grow_share().to_bits()),
        Mode::Landscape => (1, r.config.b0, r.config.lr0.to_bits()),
        Mode::Range => (1, r.config.b0, 0),
    }
}

/// The curves of a kept experiment's runs, named `{name} · {k = 4 | batch 32, η = 0.01}`,
/// and how many there are (the palette's size): see the module docs.
pub fn pinned_curves<'a>(name: &str, runs: &'a [RunResult]) -> (Vec<Curve<'a>>, usize) {
    let mut groups: Vec<(GroupKey, Vec<&'a RunResult>)> = Vec::new();
    for r in runs.iter().filter(|r| !r.records.is_empty()) {
        let key = group_key(r);
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.1.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    let n = groups.len();
    let shares = groups
        .iter()
        .any(|g| g.0 .2 != groups[0].0 .2 && g.1[0].config.mode == Mode::Curves);
    let curves = groups
        .into_iter()
        .enumerate()
        .map(|(i, (_, mut members))| {
            members.sort_by_key(|r| r.repeat);
            let lead = members[0];
            let what = match lead.config.mode {
                Mode::Curves => crate::runs::group_label(&crate::runs::RunSpec {
                    config: lead.config.clone(),
                    k: lead.k(),
                    repeat: lead.repeat,
                    cell: None,
                    group: 0,
                    seed: 0,
                    shuffle_seed: 0,
                    shares,
                }),
                Mode::Range => format!("batch {}", lead.config.b0),
                Mode::Landscape => format!(
                    "batch {}, η = {}",
                    lead.config.b0,
                    crate::config::fmt_f64(lead.config.lr0)
                ),
            };
            Curve {
                label: format!("{name} · {what}"),
                records: &lead.records,
                color: i,
                repeats: members[1..].iter().map(|r| r.records.as_slice()).collect(),
            }
        })
        .collect();
    (curves, n)
}

/// The planned learning rate of a run of `cfg` (its own config) with multiplier `k` on
/// `n_train` samples: see the module docs. Empty for a training set of 0.
pub fn planned_lr(cfg: &Config, k: u32, n_train: usize) -> Vec<EpochRecord> {
    if n_train == 0 {
        return Vec::new();
    }
    let plan = RunPlan::new(cfg, k, n_train);
    let total = plan.total_steps();
    let spe = plan.steps_per_epoch().max(1);
    let n = PLAN_POINTS.min(total.max(1));
    let mut steps: Vec<u64> = (0..=n).map(|i| i * total / n).collect();
    let warm = plan.schedule.warmup_steps;
    if warm > 0 && warm < total && !steps.contains(&warm) {
        steps.push(warm);
        steps.sort_unstable();
    }
    let max_samples = plan.n_train as u64 * plan.schedule.epochs as u64;
    steps
        .into_iter()
        .map(|step| {
            let done = step as f64 / spe as f64;
            EpochRecord {
                epoch: (step.div_ceil(spe)).max(1) as u32,
                step,
                samples: (step * plan.batch as u64).min(max_samples),
                // The rate of the step about to be taken; past the end, the last one's.
                lr: plan.schedule.lr_at(step.min(total.saturating_sub(1))),
                batch: plan.batch,
                train_loss: f64::NAN,
                test_loss: f64::NAN,
                test_acc: f64::NAN,
                noise_scale: f64::NAN,
                noise_spread: f64::NAN,
                peak_loss: f64::NAN,
                epochs_done: done,
                wall_ms: f64::NAN,
                status: Status::Running,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{read_csv, runs_from_csv, to_csv_string};

    fn rec(epoch: u32) -> EpochRecord {
        EpochRecord {
            epoch,
            step: epoch as u64 * 10,
            samples: epoch as u64 * 80,
            lr: 0.01,
            batch: 8,
            train_loss: 0.5,
            test_loss: 0.5,
            test_acc: 0.9,
            noise_scale: f64::NAN,
            noise_spread: f64::NAN,
            peak_loss: f64::NAN,
            epochs_done: epoch as f64,
            wall_ms: 1.0,
            status: Status::Done,
        }
    }

    /// The runs an experiment has, each with one record, as the page would export them.
    fn exported(cfg: &Config) -> Vec<RunResult> {
        cfg.runs()
            .into_iter()
            .enumerate()
            .map(|(run, s)| RunResult {
                run,
                config: s.config,
                repeat: s.repeat,
                records: vec![rec(1)],
            })
            .collect()
    }

    #[test]
    fn a_page_export_gives_its_experiment_back() {
        for q in [
            "k=1,4,16&rule=none&epochs=2&seed=5",
            "k=1-3&repeats=3&order=same&warmup=1&epochs=2",
            "k=2",
            "k=1,2&decay=step&milestones=1&factor=5&grow=0,1&epochs=2",
        ] {
            let cfg = Config::from_query(q).unwrap();
            let back = runs_from_csv(&to_csv_string(&exported(&cfg))).unwrap();
            assert_eq!(experiment_of(&back).unwrap(), cfg, "{q}");
            // The CSV has no `experiment` column: the rows alone said it.
            assert!(read_csv(&to_csv_string(&exported(&cfg)))
                .unwrap()
                .experiment
                .is_none());
        }
        // A landscape gives its grid back, the base values (unused by it) at defaults.
        let land =
            Config::from_query("mode=landscape&grid_b=8,64&grid_lr=0.01,0.1,1&epochs=1&repeats=2")
                .unwrap();
        let back = runs_from_csv(&to_csv_string(&exported(&land))).unwrap();
        assert_eq!(experiment_of(&back).unwrap(), land);
        assert!(experiment_of(&[]).is_err());
        let mut mixed = exported(&Config::from_query("k=1,2").unwrap());
        mixed.extend(exported(&land));
        assert!(experiment_of(&mixed).unwrap_err().contains("mix"));
    }

    #[test]
    fn pinned_curves_keep_a_grow_comparison_apart() {
        let cfg =
            Config::from_query("k=1&decay=step&milestones=1&factor=5&grow=0,1&epochs=2").unwrap();
        let runs = exported(&cfg);
        let (curves, n) = pinned_curves("kept", &runs);
        assert_eq!(n, 2);
        let labels: Vec<&str> = curves.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["kept · k = 1, rate ÷5", "kept · k = 1, batch ×5"]);
    }

    #[test]
    fn pinned_curves_group_repeats_and_name_the_experiment() {
        let cfg = Config::from_query("k=1,4&repeats=2").unwrap();
        let mut runs = exported(&cfg);
        runs.swap(0, 1); // repeat 1 of k = 1 first in the file
        let (curves, n) = pinned_curves("rule: linear → none", &runs);
        assert_eq!(n, 2);
        let labels: Vec<&str> = curves.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            ["rule: linear → none · k = 1", "rule: linear → none · k = 4"]
        );
        assert_eq!(curves[0].repeats.len(), 1);
        assert!(std::ptr::eq(curves[0].records, runs[1].records.as_slice()));
        assert_eq!((curves[0].color, curves[1].color), (0, 1));
        // Runs without records draw nothing.
        runs[2].records.clear();
        runs[3].records.clear();
        assert_eq!(pinned_curves("x", &runs).1, 1);
    }

    #[test]
    fn the_planned_rate_follows_the_schedule() {
        // 800 samples, batch 8 × 4 = 32: 25 steps per epoch, 4 epochs, 1 of warmup.
        let cfg = Config::from_query("k=4&lr0=0.01&warmup=1&epochs=4&decay=step").unwrap();
        let plan = planned_lr(&cfg.with_k(4), 4, 800);
        assert_eq!(plan.len(), 101, "every step of 100, and step 0");
        assert_eq!(plan[0].lr, 0.01, "warmup starts at η0");
        let at = |step: u64| plan.iter().find(|r| r.step == step).unwrap();
        assert!((at(25).lr - 0.04).abs() < 1e-12, "warmup ends at 4 η0");
        assert!((at(12).lr - (0.01 + 0.03 * 12.0 / 25.0)).abs() < 1e-12);
        assert!((at(50).lr - 0.004).abs() < 1e-12, "×0.1 from 50 %");
        assert!((at(99).lr - 0.0004).abs() < 1e-12, "×0.01 from 75 %");
        assert_eq!(
            (at(50).epoch, at(50).epochs_done, at(50).samples),
            (2, 2.0, 1600)
        );
        assert!(plan.iter().all(|r| r.test_acc.is_nan() && r.batch == 32));
        // A long run is sampled, its warmup end kept although it is not on the sampling
        // grid (batch 24: 334 steps an epoch, 2338 in all, points every 11.69 steps).
        let long = Config::from_query("k=3&warmup=1&epochs=7").unwrap();
        let plan = planned_lr(&long.with_k(3), 3, 8000);
        assert_eq!(plan.len(), PLAN_POINTS as usize + 2);
        let end = plan
            .iter()
            .position(|r| r.step == 334)
            .expect("the warmup's end");
        assert!(plan[end - 1].lr < plan[end].lr && plan[end].lr == plan[end + 1].lr);
        assert_eq!(plan.last().unwrap().step, 2338);
        assert!(planned_lr(&long, 1, 0).is_empty());
    }
}
