//! The runs of an experiment: which runs there are, in which order, which curve or grid
//! cell each belongs to, the seeds each trains with, and (given the data's size) each
//! run's batch, learning rate and step count.
//!
//! This is the one place these rules live; the page (`experimentRuns`), the CLI and the
//! CSV read them from here:
//!
//! - **Order**: curves mode runs each k (outer) × each `grow` share × each repeat
//!   (inner; one share, `grow=0`, unless batch growth is compared with rate decay, each
//!   run's config then holding its own share); landscape mode
//!   each batch size (outer) × each learning rate × each repeat, as plain runs with
//!   B0 = the batch, η0 = the rate, k = 1, no scaling and no warmup; range mode each
//!   batch size × each repeat, likewise plain runs (η0 = `range_lo`, the ramp's start).
//! - **Group**: the curve (one per k and share), grid cell or range batch a run belongs
//!   to; its repeats share it. Groups count from 0 in the order above, so group = index of
//!   the k · shares + index of the share, row · columns + column of the cell, or the
//!   batch's index.
//! - **Seeds**: repeat r trains (init, dropout, noise probes) with seed + r, and
//!   shuffles with seed + r (`order=vary`) or the base seed (`order=same`).
//! - **Data sizes**: from the dataset's shape (`data::DataShape`): of one file of N
//!   images, round(N / 5) are the test set (`data::test_size`) and the rest are available
//!   for training; a dataset with its own test file (the official MNIST) uses both files
//!   as given. Of the training images, the config's `train` are used. `b0 = 0` means "full": the batch is the whole training set
//!   (`schedule::RunPlan`).
//!
//! Pure: no data, no clock.

use serde::{Deserialize, Serialize};

use crate::config::{fmt_f64, Config, Decay, Mode, Order, Rule};
use crate::data::DataShape;
use crate::schedule::RunPlan;

/// One run of an experiment: its single-k config, which repeat, its group and seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    /// The run's own config: one k (landscape: its cell's b0 and lr0), the base seed.
    pub config: Config,
    pub k: u32,
    pub repeat: u32,
    /// (batch-size row, learning-rate column) in landscape mode; (batch-size row, 0) in
    /// range mode.
    pub cell: Option<(usize, usize)>,
    /// The curve or grid cell this run belongs to (0..[`Config::group_count`]).
    #[serde(default)]
    pub group: usize,
    /// The seed this run trains with (init, dropout, probes).
    #[serde(default)]
    pub seed: u64,
    /// The seed of its data order.
    #[serde(default)]
    pub shuffle_seed: u64,
    /// Whether the experiment compares `grow` shares (so the label names the share).
    #[serde(default)]
    pub shares: bool,
}

impl Config {
    /// Every run of the experiment, in order (see the module doc).
    pub fn runs(&self) -> Vec<RunSpec> {
        let mut out = Vec::new();
        let shares = self.mode == Mode::Curves && self.grow.len() > 1;
        let mut push = |config: Config, k: u32, cell, group| {
            for repeat in 0..self.repeats {
                let (seed, shuffle_seed) = self.seeds(repeat);
                out.push(RunSpec {
                    config: config.clone(),
                    k,
                    repeat,
                    cell,
                    group,
                    seed,
                    shuffle_seed,
                    shares,
                });
            }
        };
        match self.mode {
            Mode::Curves => {
                let shares = self.grow.len().max(1);
                for (g, &k) in self.k.iter().enumerate() {
                    if shares == 1 {
                        push(self.with_k(k), k, None, g);
                        continue;
                    }
                    for (i, &s) in self.grow.iter().enumerate() {
                        let config = Config {
                            grow: vec![s],
                            ..self.with_k(k)
                        };
                        push(config, k, None, g * shares + i);
                    }
                }
            }
            Mode::Landscape => {
                for (i, &b) in self.grid_b.iter().enumerate() {
                    for (j, &lr) in self.grid_lr.iter().enumerate() {
                        let config = Config {
                            b0: b,
                            lr0: lr,
                            k: vec![1],
                            rule: Rule::None,
                            warmup: 0,
                            ..self.clone()
                        };
                        push(config, 1, Some((i, j)), i * self.grid_lr.len() + j);
                    }
                }
            }
            Mode::Range => {
                for (i, &b) in self.grid_b.iter().enumerate() {
                    let config = Config {
                        b0: b,
                        lr0: self.range_lo,
                        k: vec![1],
                        rule: Rule::None,
                        warmup: 0,
                        ..self.clone()
                    };
                    push(config, 1, Some((i, 0)), i);
                }
            }
        }
        out
    }

    /// How many curves (curves mode) or grid cells (landscape) the runs form.
    pub fn group_count(&self) -> usize {
        match self.mode {
            Mode::Curves => self.k.len() * self.grow.len().max(1),
            Mode::Landscape => self.grid_b.len() * self.grid_lr.len(),
            Mode::Range => self.grid_b.len(),
        }
    }

    /// The seeds of repeat `r`: (init and dropout seed, shuffle seed).
    pub fn seeds(&self, repeat: u32) -> (u64, u64) {
        let s = self.seed + repeat as u64;
        let shuffle = match self.order {
            Order::Same => self.seed,
            Order::Vary => s,
        };
        (s, shuffle)
    }
}

/// The legend name of a run's curve or cell: `k = 4`, `batch 32, η = 0.01`, or (range
/// test) `batch 32`; with batch growth `k = 4, batch ×5` (share 1), `k = 4, rate ÷5`
/// (share 0) or `k = 4, batch ×2.24, rate ÷2.24` (a split), the factor per milestone.
pub fn group_label(spec: &RunSpec) -> String {
    let c = &spec.config;
    match spec.cell {
        None if c.decay == Decay::Step && (spec.shares || c.grow_share() != 0.0) => {
            let s = c.grow_share();
            let f = |x: f64| fmt_f64(libm::round(x * 100.0) / 100.0);
            let part = if s == 1.0 {
                format!("batch ×{}", f(c.factor))
            } else if s == 0.0 {
                format!("rate ÷{}", f(c.factor))
            } else {
                format!(
                    "batch ×{}, rate ÷{}",
                    f(libm::pow(c.factor, s)),
                    f(libm::pow(c.factor, 1.0 - s))
                )
            };
            format!("k = {}, {part}", spec.k)
        }
        None => format!("k = {}", spec.k),
        Some(_) if spec.config.mode == Mode::Range => format!("batch {}", spec.config.b0),
        Some(_) => format!("batch {}, η = {}", spec.config.b0, fmt_f64(spec.config.lr0)),
    }
}

/// How a training file of `images` samples is used by a config.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataSizes {
    /// Images in the training file.
    pub images: usize,
    /// Of those, available for training (the rest are the test set).
    pub train_avail: usize,
    /// Used for training: min(config's `train`, available).
    pub train: usize,
    /// The test set.
    pub test: usize,
}

/// The data sizes of `cfg` on a dataset of this shape; an error when it gives no
/// training or no test samples.
pub fn data_sizes(cfg: &Config, shape: DataShape) -> Result<DataSizes, String> {
    let (train_avail, test) = shape.train_test();
    if train_avail == 0 || test == 0 {
        return Err(format!(
            "{} images give {train_avail} training and {test} test samples; at least 1 of each is needed",
            shape.images + shape.test_images.unwrap_or(0)
        ));
    }
    Ok(DataSizes {
        images: shape.images,
        train_avail,
        train: cfg.train.min(train_avail),
        test,
    })
}

/// A run with everything the page and the CLI show or schedule (`experimentRuns`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedRun {
    pub index: usize,
    pub group: usize,
    pub group_count: usize,
    pub label: String,
    pub k: u32,
    pub repeat: u32,
    pub cell: Option<(usize, usize)>,
    pub seed: u64,
    pub shuffle_seed: u64,
    pub batch: usize,
    pub lr: f64,
    pub k_eff: f64,
    pub steps_per_epoch: u64,
    pub total_steps: u64,
    pub train_size: usize,
    pub test_size: usize,
    /// The run's own config, as the trainer takes it (with `k` and `repeat`).
    pub config: Config,
}

/// Every run of `cfg` with its plan, on a dataset of this shape.
pub fn plan_runs(cfg: &Config, shape: DataShape) -> Result<Vec<PlannedRun>, String> {
    let sizes = data_sizes(cfg, shape)?;
    let group_count = cfg.group_count();
    Ok(cfg
        .runs()
        .into_iter()
        .enumerate()
        .map(|(index, spec)| {
            let plan = RunPlan::new(&spec.config, spec.k, sizes.train);
            PlannedRun {
                index,
                group: spec.group,
                group_count,
                label: group_label(&spec),
                k: spec.k,
                repeat: spec.repeat,
                cell: spec.cell,
                seed: spec.seed,
                shuffle_seed: spec.shuffle_seed,
                batch: plan.batch,
                lr: plan.lr,
                k_eff: plan.k_eff,
                steps_per_epoch: plan.steps_per_epoch(),
                total_steps: plan.total_steps(),
                train_size: sizes.train,
                test_size: sizes.test,
                config: spec.config,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_groups_and_seeds() {
        let c = Config::from_query("k=1,4&repeats=2&order=same&seed=10").unwrap();
        let runs = c.runs();
        assert_eq!(
            runs.iter()
                .map(|r| (r.k, r.repeat, r.group, r.seed, r.shuffle_seed))
                .collect::<Vec<_>>(),
            vec![
                (1, 0, 0, 10, 10),
                (1, 1, 0, 11, 10),
                (4, 0, 1, 10, 10),
                (4, 1, 1, 11, 10)
            ]
        );
        assert_eq!(c.seeds(1), (11, 10));
        assert_eq!(c.group_count(), 2);
        let c =
            Config::from_query("mode=landscape&grid_b=8-64*2&grid_lr=0.001:1:4&repeats=3").unwrap();
        assert_eq!(c.grid_b, vec![8, 16, 32, 64]);
        assert_eq!(c.grid_lr, vec![0.001, 0.01, 0.1, 1.0]);
        let runs = c.runs();
        assert_eq!(runs.len(), 48);
        let r = &runs[5 * 3 + 2];
        assert_eq!(
            (r.config.b0, r.config.lr0, r.cell, r.repeat),
            (16, 0.01, Some((1, 1)), 2)
        );
        assert_eq!((r.group, r.seed, r.shuffle_seed), (5, 3, 3));
        assert_eq!(r.config.rule, Rule::None);
        assert_eq!(group_label(r), "batch 16, η = 0.01");
        assert_eq!(c.group_count(), 16);
        assert!(runs.iter().all(|r| r.group < 16));
    }

    /// Landscape and range runs are plain runs: each field the mode overrides is checked
    /// against an experiment whose own values differ from it (and from the defaults),
    /// and the fields it keeps are the experiment's.
    #[test]
    fn landscape_and_range_runs_are_plain_runs_of_their_cell() {
        let common = "k=2,4&rule=sqrt&warmup=2&b0=12&lr0=0.3&epochs=3&opt=adam";
        // (plain: run k, config k, rule, warmup, kept: epochs, opt), b0, lr0, cell, group, repeat
        let fields = |q: &str| {
            let c = Config::from_query(&format!("{common}&{q}")).unwrap();
            c.runs()
                .iter()
                .map(|r| {
                    let x = &r.config;
                    let plain = (r.k, x.k.clone(), x.rule, x.warmup, x.epochs, x.opt);
                    (plain, x.b0, x.lr0, r.cell, r.group, r.repeat)
                })
                .collect::<Vec<_>>()
        };
        let plain = (1, vec![1], Rule::None, 0, 3, crate::config::Opt::Adam);
        let cell = |b, lr, i, j, group| (plain.clone(), b, lr, Some((i, j)), group, 0);
        assert_eq!(
            fields("mode=landscape&grid_b=8,64&grid_lr=0.01,0.5"),
            vec![
                cell(8, 0.01, 0, 0, 0),
                cell(8, 0.5, 0, 1, 1),
                cell(64, 0.01, 1, 0, 2),
                cell(64, 0.5, 1, 1, 3)
            ]
        );
        let range = |b, i, repeat| (plain.clone(), b, 0.002, Some((i, 0)), i, repeat);
        assert_eq!(
            fields("mode=range&grid_b=16,32&range_lo=0.002&repeats=2"),
            vec![
                range(16, 0, 0),
                range(16, 0, 1),
                range(32, 1, 0),
                range(32, 1, 1)
            ]
        );
        let c = Config::from_query(&format!("{common}&mode=range&grid_b=16,32")).unwrap();
        assert_eq!(group_label(&c.runs()[1]), "batch 32");
    }

    #[test]
    fn plans_know_the_data_sizes() {
        let c = Config::from_query("k=1,4,64&train=256&lr0=0.01&b0=full&epochs=3").unwrap();
        let e = plan_runs(&c, DataShape::single(1)).unwrap_err();
        assert!(e.contains("0 test"), "{e}");
        let p = plan_runs(&c, DataShape::SUBSET).unwrap();
        assert_eq!((p[0].train_size, p[0].test_size), (256, 2000));
        // b0 = full: the batch is the whole (used) training set, one step per epoch.
        assert!(p
            .iter()
            .all(|r| r.batch == 256 && r.steps_per_epoch == 1 && r.total_steps == 3));
        let c = Config::from_query("k=1,4,64&train=9000").unwrap();
        let p = plan_runs(&c, DataShape::SUBSET).unwrap();
        assert_eq!((p[2].train_size, p[2].batch, p[2].k_eff), (8000, 512, 64.0));
        assert_eq!(p[1].steps_per_epoch, 250);
        assert_eq!(p[1].total_steps, 2500);
        assert_eq!(p[1].label, "k = 4");
        let s = data_sizes(&c, DataShape::single(60_000)).unwrap();
        assert_eq!((s.train_avail, s.train, s.test), (48_000, 9000, 12_000));
        // With its own test file the whole training file is available.
        let s = data_sizes(&c, DataShape::official(60_000, 10_000)).unwrap();
        assert_eq!((s.train_avail, s.train, s.test), (60_000, 9000, 10_000));
    }
}
