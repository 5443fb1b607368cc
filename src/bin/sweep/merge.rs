//! `sweep merge A.csv B.csv … --out PREFIX`: reads the CSVs that `sweep --shard i/n`
//! wrote (`metrics::read_csv`), lets the core check and join them (`shard::merge`), and
//! writes PREFIX.csv, PREFIX.svg and the closing table through the same `report`
//! functions as a single run, so the result equals that run's apart from wall time.
//! It reads no MNIST files: the training-set size the chart's legend needs comes from the
//! records (`shard::train_size`).

use std::path::PathBuf;
use std::time::Instant;

use clap::{Arg, ArgAction, ArgMatches, Command};
use lr_batch_playground::metrics::read_csv;
use lr_batch_playground::shard::{self, ShardFile};

use super::{out_arg, report, svg_args};

/// The `merge` subcommand's flags.
pub fn command() -> Command {
    Command::new("merge")
        .args_override_self(true)
        .about(
            "Join the CSVs of `sweep --shard i/n` runs into the experiment's CSV, SVG and summary.",
        )
        .long_about(
            "Join the CSVs that `sweep --shard 1/N` … `--shard N/N` wrote (in any order) into \
             PREFIX.csv and PREFIX.svg, and print the closing table and the critical batch \
             size, exactly as one `sweep` run of the whole experiment would. Refuses, naming \
             them, missing or duplicated shards, files from another experiment, and files \
             that are incomplete or malformed.",
        )
        .arg(
            Arg::new("files")
                .value_name("CSV")
                .num_args(1..)
                .required(true)
                .action(ArgAction::Append)
                .help("the shards' CSV files (a shard with no runs may be left out)"),
        )
        .arg(out_arg())
        .args(svg_args())
}

/// Runs `sweep merge`.
pub fn run(m: &ArgMatches) -> Result<(), String> {
    let start = Instant::now();
    let mut files = Vec::new();
    for name in m.get_many::<String>("files").expect("required") {
        let text = std::fs::read_to_string(name).map_err(|e| format!("{name}: {e}"))?;
        let csv = read_csv(&text).map_err(|e| format!("{name}: {e}"))?;
        files.push(ShardFile {
            name: name.clone(),
            csv,
        });
    }
    let merged = shard::merge(files)?;
    for name in &merged.empty {
        eprintln!("{name}: no runs (a shard beyond the number of runs)");
    }
    eprintln!(
        "merged {} shard(s): the experiment's {} runs",
        merged.count.min(merged.runs.len()),
        merged.runs.len()
    );
    let cfg = &merged.experiment;
    // Only the legend of a full or capped batch needs it; when every run diverged in its
    // first epoch no record tells, and the configured size stands in.
    let n_train = shard::train_size(&merged.runs).unwrap_or(cfg.train);
    let prefix = PathBuf::from(m.get_one::<String>("out").expect("has a default"));
    report::finish(cfg, m, &merged.runs, n_train, &prefix, start)
}
