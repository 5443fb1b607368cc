//! `sweep merge`'s checks: the shards' CSVs (as `metrics::read_csv` found them) put back
//! into one experiment, or an error naming the file(s), shard(s), run(s) or parameter.
//! The rule of which runs a shard holds is the parent module's ([`super::Shard`]).

use super::Shard;
use crate::config::{Config, PARAMS};
use crate::metrics::{CsvFile, RunResult, Status};

/// One CSV to merge: its name (for messages) and what `metrics::read_csv` found in it.
#[derive(Clone, Debug)]
pub struct ShardFile {
    pub name: String,
    pub csv: CsvFile,
}

/// The shards put back together.
#[derive(Clone, Debug)]
pub struct Merged {
    /// The experiment all files came from.
    pub experiment: Config,
    /// Its n.
    pub count: usize,
    /// Every run of the experiment, in the core's order.
    pub runs: Vec<RunResult>,
    /// Files that held no rows (empty shards: n larger than the number of runs).
    pub empty: Vec<String>,
}

/// The parameters in which `b` differs from `a`: `epochs=2 in B, epochs=1 in A`.
fn differences(a: &Config, a_name: &str, b: &Config, b_name: &str) -> Vec<String> {
    PARAMS
        .iter()
        .filter(|p| p.get(a) != p.get(b))
        .map(|p| {
            format!(
                "{n}={} in {b_name}, {n}={} in {a_name}",
                p.get(b),
                p.get(a),
                n = p.name
            )
        })
        .collect()
}

/// Run indices as `1, 4, 7` (at most 12, then `… (N in all)`).
fn list(runs: &[usize]) -> String {
    let mut s: Vec<String> = runs.iter().take(12).map(|r| r.to_string()).collect();
    if runs.len() > 12 {
        s.push(format!("… ({} in all)", runs.len()));
    }
    s.join(", ")
}

/// Puts the shards' CSVs back together (see the module doc for the checks).
pub fn merge(files: Vec<ShardFile>) -> Result<Merged, String> {
    if files.is_empty() {
        return Err("no CSV files to merge".into());
    }
    let mut empty = Vec::new();
    // (file, experiment, shard, runs) of the files with rows.
    let mut given: Vec<(String, Config, Shard, Vec<RunResult>)> = Vec::new();
    for f in files {
        if f.csv.runs.is_empty() {
            empty.push(f.name);
            continue;
        }
        let (Some(exp), Some(shard)) = (f.csv.experiment, f.csv.shard) else {
            return Err(format!(
                "{}: its `shard` and `experiment` columns are empty, so it does not say which \
                 experiment or shard it holds: only CSVs written by `sweep` can be merged",
                f.name
            ));
        };
        given.push((f.name, exp, shard, f.csv.runs));
    }
    let Some((first, exp, shard0, _)) = given.first().cloned() else {
        return Err(format!(
            "no file holds a run ({} {} only a header): nothing to merge",
            empty.join(", "),
            if empty.len() == 1 { "has" } else { "have" }
        ));
    };
    let count = shard0.count;
    for (name, e, s, _) in &given[1..] {
        if *e != exp {
            return Err(format!(
                "mismatched configs: {name} is from another experiment than {first} ({})",
                differences(&exp, &first, e, name).join("; ")
            ));
        }
        if s.count != count {
            return Err(format!(
                "mismatched shard counts: {name} is shard {s} but {first} is shard {shard0}: \
                 the shards of one sweep share n"
            ));
        }
    }
    for (a, (name_a, _, s_a, _)) in given.iter().enumerate() {
        if let Some((name_b, ..)) = given[a + 1..].iter().find(|(_, _, s, _)| s == s_a) {
            return Err(format!(
                "duplicated shard {s_a}: given twice, in {name_a} and in {name_b}"
            ));
        }
    }
    let specs = exp.runs();
    let total = specs.len();
    let mut slots: Vec<Option<RunResult>> = vec![None; total];
    for (name, _, shard, runs) in given {
        let want = shard.runs(total);
        for run in runs {
            let j = run.run;
            if j >= total {
                return Err(format!(
                    "{name}: run {j} does not exist: the experiment has {total} runs (0 to {})",
                    total - 1
                ));
            }
            if !shard.holds(j) {
                return Err(format!(
                    "{name} says it is shard {shard} but holds run {j}, which is shard {}'s",
                    Shard::of(j, count)
                ));
            }
            let spec = &specs[j];
            let trained = Config {
                k: vec![spec.k],
                ..spec.config.clone()
            };
            let mut diff = differences(&trained, "the experiment column", &run.config, "the row");
            if run.repeat != spec.repeat {
                diff.push(format!(
                    "repeat={} in the row, repeat={} in the experiment column",
                    run.repeat, spec.repeat
                ));
            }
            if !diff.is_empty() {
                return Err(format!(
                    "mismatched configs: {name}: run {j}'s row differs from the run its \
                     experiment column describes ({})",
                    diff.join("; ")
                ));
            }
            if let Some(bad) = run.records.windows(2).find(|w| w[1].epoch <= w[0].epoch) {
                return Err(format!(
                    "{name}: run {j} has epoch {} after epoch {}: are its rows in the file twice?",
                    bad[1].epoch, bad[0].epoch
                ));
            }
            let last = run.records.last().expect("read runs have records");
            // A run ends done or failed (diverged, or any failure status to come); only
            // a run cut short, in the file or by a stop, ends running or stopped.
            if matches!(last.status, Status::Running | Status::Stopped) {
                return Err(format!(
                    "{name}: run {j} ends at epoch {} of {} with status {}: the run did not \
                     finish, or the file is cut short",
                    last.epoch,
                    spec.config.epochs,
                    last.status.as_str()
                ));
            }
            slots[j] = Some(run);
        }
        let lacking: Vec<usize> = want.into_iter().filter(|&j| slots[j].is_none()).collect();
        if !lacking.is_empty() {
            return Err(format!(
                "{name} (shard {shard}) lacks run(s) {}: the file is incomplete",
                list(&lacking)
            ));
        }
    }
    let missing: Vec<String> = (1..=count.min(total))
        .map(|i| Shard { index: i, count })
        .filter(|s| slots[s.index - 1].is_none())
        .map(|s| format!("{s} (runs {})", list(&s.runs(total))))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "missing shard(s): {}; merge their CSVs too, or rerun them with --shard",
            missing.join(", ")
        ));
    }
    Ok(Merged {
        experiment: exp,
        count,
        runs: slots
            .into_iter()
            .map(|r| r.expect("every run checked"))
            .collect(),
        empty,
    })
}
