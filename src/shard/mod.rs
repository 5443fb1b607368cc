//! Sharded sweeps: one experiment's runs split over n processes (`sweep --shard i/n`,
//! one per machine, array task or pod), and the checks that put their CSVs back together
//! (`sweep merge`). Pure: no files, no clock; the CLI reads and writes the files.
//!
//! **The rule.** Shard i of n (1 ≤ i ≤ n) holds the runs whose index j in the core's run
//! order (`Config::runs`: k outer, repeats inner; landscape: batch outer, rate, repeat)
//! has j mod n = i − 1. So the shards together are every run exactly once for any n, a
//! shard's runs keep the core's order, and shard i is empty exactly when i exceeds the
//! number of runs (an empty shard is a valid, empty result, not an error).
//!
//! **Why round-robin balances the cost.** Every run trains the same number of epochs on
//! the same training samples, so runs cost about the same; what differs is the batch size
//! (small batches pay the per-step overhead more often: a few per cent between batch 8
//! and 32) and, in a landscape, diverging early (large rates stop after a few steps, a
//! run's cost falls to almost nothing). Both follow the run order: a landscape row is one
//! batch size with its rates rising along it, and a k's repeats sit together. Round-robin
//! deals every stretch of consecutive runs evenly: of any such stretch (a row, a block of
//! rows, a k's repeats) each shard gets the same number of runs within one, so each shard
//! gets its share of every batch size and of every rate range, and shard sizes differ by
//! at most one run. Contiguous blocks would instead give one shard all the largest rates
//! (all diverging early) and another all the smallest batches. Costs are not estimated:
//! a cost model would be a guess that the deterministic rule does not need.
//!
//! **Merging.** Each shard's CSV carries, in every row, the experiment it belongs to (its
//! URL query) and its shard `i/n` (`metrics::read_csv`). [`merge`] checks that the files
//! come from one experiment and one n, that no shard is given twice, that each file holds
//! exactly its shard's runs with the configs and seeds the experiment gives them, run to
//! the end, and that no shard with runs is missing; every error names the file(s), the
//! shard(s), the run(s) or the parameter. The merged runs are in the core's order, so
//! they write the same CSV as a single process would.

use std::fmt;

use crate::metrics::{RunResult, Status};

mod merge;
pub use merge::{merge, Merged, ShardFile};

/// Shard `index` of `count` (1-based: 1 ≤ index ≤ count).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// The whole experiment: what a run without `--shard` writes.
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// Shard `index` of `count`; an error naming both unless 1 ≤ index ≤ count.
    pub fn new(index: usize, count: usize) -> Result<Shard, String> {
        if count == 0 {
            return Err(format!(
                "shard `{index}/{count}`: n must be at least 1 (shard i of n, 1 ≤ i ≤ n)"
            ));
        }
        if index == 0 || index > count {
            return Err(format!(
                "shard `{index}/{count}`: i must be between 1 and {count} (shard i of n, 1 ≤ i ≤ n)"
            ));
        }
        Ok(Shard { index, count })
    }

    /// Parses `i/n`, e.g. `2/5`; errors name the value.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("shard `{s}`: write it as i/n with whole numbers 1 ≤ i ≤ n, e.g. 2/5");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let num = |t: &str| {
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            t.parse::<usize>().map_err(|_| bad())
        };
        Shard::new(num(i)?, num(n)?)
    }

    /// Whether run `run` (0-based index in `Config::runs`) is this shard's.
    pub fn holds(&self, run: usize) -> bool {
        run % self.count == self.index - 1
    }

    /// The shard of `count` that holds run `run`.
    pub fn of(run: usize, count: usize) -> Shard {
        Shard {
            index: run % count + 1,
            count,
        }
    }

    /// This shard's run indices among `total` runs, in order.
    pub fn runs(&self, total: usize) -> Vec<usize> {
        (self.index - 1..total).step_by(self.count).collect()
    }

    /// This shard's items of the experiment's run list (`Config::runs`), each with its
    /// index in the full list.
    pub fn select<T>(&self, runs: Vec<T>) -> Vec<(usize, T)> {
        runs.into_iter()
            .enumerate()
            .filter(|(j, _)| self.holds(*j))
            .collect()
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        Shard::parse(s)
    }
}

/// The training samples the runs used: a record's samples ÷ its epochs done (which
/// holds within an epoch too, with `evals` > 1), or ÷ its epoch for records written
/// before `epochs_done` existed (those were all at ends of epochs); `None` when every run
/// diverged within its first epoch.
pub fn train_size(runs: &[RunResult]) -> Option<usize> {
    runs.iter()
        .flat_map(|r| &r.records)
        .filter(|r| !matches!(r.status, Status::Diverged | Status::Stopped) && r.epoch > 0)
        .find_map(|r| {
            if r.epochs_done.is_finite() {
                (r.epochs_done > 0.0).then(|| (r.samples as f64 / r.epochs_done).round() as usize)
            } else {
                Some((r.samples / r.epoch as u64) as usize)
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::metrics::{read_csv, write_csv_of, EpochRecord};
    use crate::rng::Rng;
    use crate::runs::RunSpec;

    #[test]
    fn shards_parse_and_name_bad_values() {
        assert_eq!(Shard::parse("2/5"), Ok(Shard { index: 2, count: 5 }));
        assert_eq!(Shard::parse("1/1"), Ok(Shard::WHOLE));
        assert_eq!("3/3".parse::<Shard>().unwrap().to_string(), "3/3");
        for (bad, says) in [
            ("0/3", "between 1 and 3"),
            ("4/3", "between 1 and 3"),
            ("1/0", "at least 1"),
            ("2", "i/n"),
            ("a/3", "i/n"),
            ("1/-3", "i/n"),
            ("1/3/5", "i/n"),
            (" 1/3", "i/n"),
            ("", "i/n"),
            ("1/99999999999999999999999", "i/n"),
        ] {
            let e = Shard::parse(bad).unwrap_err();
            assert!(
                e.contains(&format!("`{bad}`")) && e.contains(says),
                "{bad}: {e}"
            );
        }
    }

    /// A random experiment: curves with a random k list and repeats, or a landscape.
    fn random_config(g: &mut Rng) -> Config {
        let repeats = 1 + g.below(4);
        let q = if g.below(2) == 0 {
            let mut k = 0;
            let ks: Vec<String> = (0..1 + g.below(9))
                .map(|_| {
                    k += 1 + g.below(8);
                    k.to_string()
                })
                .collect();
            format!("k={}&repeats={repeats}", ks.join(","))
        } else {
            format!(
                "mode=landscape&grid_b=8-{}*2&grid_lr=0.001:1:{}&repeats={repeats}",
                8 << g.below(5),
                2 + g.below(5)
            )
        };
        Config::from_query(&q).unwrap()
    }

    #[test]
    fn the_shards_are_every_run_once_and_balanced_for_any_n() {
        let mut g = Rng::new(7);
        for case in 0..300 {
            let cfg = random_config(&mut g);
            let runs = cfg.runs();
            let total = runs.len();
            for n in 1..=total + 3 {
                let shards: Vec<Vec<(usize, RunSpec)>> = (1..=n)
                    .map(|i| Shard::new(i, n).unwrap().select(runs.clone()))
                    .collect();
                // Exactly every run once, each with its own index, in the core's order.
                let mut seen = vec![0; total];
                for (i, s) in shards.iter().enumerate() {
                    assert!(s.windows(2).all(|w| w[0].0 < w[1].0));
                    for (j, spec) in s {
                        assert_eq!(spec, &runs[*j]);
                        assert_eq!(Shard::of(*j, n).index, i + 1);
                        seen[*j] += 1;
                    }
                    let idx: Vec<usize> = s.iter().map(|(j, _)| *j).collect();
                    assert_eq!(idx, Shard::new(i + 1, n).unwrap().runs(total));
                    // Empty exactly when there are more shards than runs.
                    assert_eq!(s.is_empty(), i >= total, "case {case}: {i}/{n} of {total}");
                }
                assert!(seen.iter().all(|&c| c == 1), "case {case}, n {n}: {seen:?}");
                // Deterministic, and balanced: sizes within one run, and so is every
                // batch size's share (a landscape row, a k's repeats).
                assert_eq!(
                    shards,
                    (1..=n)
                        .map(|i| Shard::new(i, n).unwrap().select(runs.clone()))
                        .collect::<Vec<_>>()
                );
                let spread = |f: &dyn Fn(&RunSpec) -> bool| {
                    let c: Vec<usize> = shards
                        .iter()
                        .map(|s| s.iter().filter(|(_, r)| f(r)).count())
                        .collect();
                    c.iter().max().unwrap() - c.iter().min().unwrap()
                };
                assert!(spread(&|_| true) <= 1);
                let mut batches: Vec<(usize, u32)> =
                    runs.iter().map(|r| (r.config.b0, r.k)).collect();
                batches.dedup();
                for b in batches {
                    assert!(
                        spread(&|x| (x.config.b0, x.k) == b) <= 1,
                        "case {case}, n {n}: batch {b:?} unevenly dealt"
                    );
                }
            }
        }
    }

    fn record(epoch: u32, status: Status) -> EpochRecord {
        EpochRecord {
            status,
            ..crate::metrics::tests::record(epoch)
        }
    }

    /// The CSV text shard `s` of `cfg` would write (two epochs per run, all done).
    fn shard_csv(cfg: &Config, s: Shard) -> String {
        let runs: Vec<RunResult> = s
            .select(cfg.runs())
            .into_iter()
            .map(|(j, spec)| RunResult {
                run: j,
                config: spec.config,
                repeat: spec.repeat,
                records: vec![record(1, Status::Running), record(2, Status::Done)],
            })
            .collect();
        let mut buf = Vec::new();
        write_csv_of(&mut buf, &runs, cfg, s).unwrap();
        String::from_utf8(buf).unwrap()
    }

    fn file(name: &str, text: &str) -> ShardFile {
        ShardFile {
            name: name.into(),
            csv: read_csv(text).unwrap(),
        }
    }

    fn merge_texts(texts: &[(&str, String)]) -> Result<Merged, String> {
        merge(texts.iter().map(|(n, t)| file(n, t)).collect())
    }

    #[test]
    fn merged_shards_are_the_whole_experiment_in_order() {
        let cfg = Config::from_query("k=1,2,3&repeats=2&seed=5&epochs=2").unwrap();
        let whole = shard_csv(&cfg, Shard::WHOLE);
        let s = |i| shard_csv(&cfg, Shard::new(i, 4).unwrap());
        let m = merge_texts(&[("c", s(3)), ("a", s(1)), ("d", s(4)), ("b", s(2))]).unwrap();
        assert_eq!(m.experiment, cfg);
        assert_eq!(
            m.runs.iter().map(|r| r.run).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4, 5]
        );
        let mut buf = Vec::new();
        write_csv_of(&mut buf, &m.runs, &m.experiment, Shard::WHOLE).unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), whole);
        assert_eq!(train_size(&m.runs), Some(8000));
        // More shards than runs: the empty ones may be given or left out.
        let s = |i| shard_csv(&cfg, Shard::new(i, 8).unwrap());
        let mut files: Vec<(&str, String)> = vec![("7", s(7)), ("8", s(8))];
        files.extend((1..=6).map(|i| ("x", s(i))));
        let m = merge_texts(&files).unwrap();
        assert_eq!((m.runs.len(), m.empty.len()), (6, 2));
        assert_eq!(merge_texts(&files[2..]).unwrap().runs.len(), 6);
        let e = merge_texts(&files[..2]).unwrap_err();
        assert!(e.contains("no file holds a run"), "{e}");
    }

    #[test]
    fn merge_names_what_is_wrong() {
        let cfg = Config::from_query("k=1,2,3&repeats=2&epochs=2").unwrap();
        let s = |i| shard_csv(&cfg, Shard::new(i, 3).unwrap());
        let err = |files: &[(&str, String)]| merge_texts(files).unwrap_err();

        let e = err(&[("a.csv", s(1)), ("c.csv", s(3))]);
        assert_eq!(
            e,
            "missing shard(s): 2/3 (runs 1, 4); merge their CSVs too, or rerun them with --shard"
        );
        let e = err(&[("a.csv", s(1))]);
        assert!(e.contains("2/3 (runs 1, 4), 3/3 (runs 2, 5)"), "{e}");

        let e = err(&[
            ("a.csv", s(1)),
            ("b.csv", s(2)),
            ("b2.csv", s(2)),
            ("c.csv", s(3)),
        ]);
        assert!(
            e.contains("duplicated shard 2/3") && e.contains("b.csv and in b2.csv"),
            "{e}"
        );

        let other = Config::from_query("k=1,2,3&repeats=2&epochs=2&lr0=0.002").unwrap();
        let foreign = shard_csv(&other, Shard::new(3, 3).unwrap());
        let e = err(&[("a.csv", s(1)), ("b.csv", s(2)), ("x.csv", foreign)]);
        assert!(
            e.starts_with("mismatched configs: x.csv")
                && e.contains("lr0=0.002 in x.csv, lr0=0.001 in a.csv"),
            "{e}"
        );

        let four = shard_csv(&cfg, Shard::new(3, 4).unwrap());
        let e = err(&[("a.csv", s(1)), ("d.csv", four)]);
        assert!(
            e.contains("d.csv is shard 3/4 but a.csv is shard 1/3"),
            "{e}"
        );

        // A file whose shard column lies about its runs.
        let lying = s(2).replace(",2/3,", ",3/3,");
        let e = err(&[("a.csv", s(1)), ("l.csv", lying)]);
        assert!(
            e.contains("l.csv says it is shard 3/3 but holds run 1, which is shard 2/3's"),
            "{e}"
        );

        // Cut short: the last row gone, so run 4 ends at epoch 1, still running.
        let text = s(2);
        let cut = &text[..text.trim_end().rfind('\n').unwrap() + 1];
        let e = err(&[("a.csv", s(1)), ("b.csv", cut.into()), ("c.csv", s(3))]);
        assert!(
            e.contains("b.csv: run 4 ends at epoch 1 of 2 with status running"),
            "{e}"
        );
        // A run missing altogether.
        let lines: Vec<&str> = text.lines().collect();
        let without: String = lines[..3].iter().map(|l| format!("{l}\n")).collect();
        let e = err(&[("a.csv", s(1)), ("b.csv", without), ("c.csv", s(3))]);
        assert!(e.contains("b.csv (shard 2/3) lacks run(s) 4"), "{e}");
        // Rows given twice.
        let twice = format!("{text}{}\n", lines[1..3].join("\n"));
        let e = err(&[("a.csv", s(1)), ("b.csv", twice), ("c.csv", s(3))]);
        assert!(e.contains("b.csv: run 1 has epoch 1 after epoch 2"), "{e}");
        // A row that is not its experiment's run.
        let edited = text.replacen(",0.9,2,", ",0.8,2,", 1);
        assert_ne!(edited, text);
        let e = err(&[("a.csv", s(1)), ("b.csv", edited), ("c.csv", s(3))]);
        assert!(
            e.contains("b.csv: run 1's row differs") && e.contains("momentum=0.8 in the row"),
            "{e}"
        );
        // The page's export names no experiment.
        let mut buf = Vec::new();
        crate::metrics::write_csv(&mut buf, &read_csv(&s(1)).unwrap().runs).unwrap();
        let e = err(&[("page.csv", String::from_utf8(buf).unwrap())]);
        assert!(
            e.contains("page.csv: its `shard` and `experiment` columns are empty"),
            "{e}"
        );
        assert_eq!(merge(vec![]).unwrap_err(), "no CSV files to merge");
    }

    #[test]
    fn read_csv_names_the_line() {
        let cfg = Config::from_query("k=1,2&epochs=2").unwrap();
        let text = shard_csv(&cfg, Shard::WHOLE);
        let f = read_csv(&text).unwrap();
        assert_eq!(
            (f.shard, f.experiment.as_ref()),
            (Some(Shard::WHOLE), Some(&cfg))
        );
        let lines: Vec<&str> = text.lines().collect();
        let mut bad: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        bad[3] = bad[3].replace(",0.9,NaN,", ",zero,NaN,");
        let e = read_csv(&bad.join("\n")).unwrap_err();
        assert!(
            e.starts_with("line 4, column ") && e.contains("(test_acc): `zero` is not a number"),
            "{e}"
        );
        let mixed = format!(
            "{}\n{}\n{}\n",
            lines[0],
            lines[1],
            lines[2].replace(",1/1,", ",1/2,")
        );
        let e = read_csv(&mixed).unwrap_err();
        assert!(
            e.contains("line 3: shard `1/2` but line 2 says `1/1`"),
            "{e}"
        );
        let e = read_csv(&text.replace(",1/1,", ",0/1,")).unwrap_err();
        assert!(e.contains("line 2: shard `0/1`"), "{e}");
        let e = read_csv(&text.replace("k=1,2&epochs=2", "k=1,2&epochs=zero")).unwrap_err();
        assert!(
            e.contains("line 2: experiment:") && e.contains("epochs"),
            "{e}"
        );
    }
}
