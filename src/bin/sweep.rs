//! `sweep`: the native CLI. Runs every k of an experiment in parallel on all
//! cores, prints progress, and writes one CSV (one row per run per epoch) and
//! an SVG of the curves drawn by the same plot code as the page. `--shard i/n` trains
//! only shard i of n's runs and writes only their CSV; `sweep merge` puts the shards'
//! CSVs back together into the CSV, SVG and summary of the whole experiment.
//!
//! A shell only: flags come from the config's parameter table, the runs (order,
//! groups, seeds) from `runs`, which runs a shard holds from `shard`, training from
//! `train::Trainer`, the critical batch size from `summary`, files from `metrics` and
//! `plot`. It owns the file system, the threads and the clock, which the core never
//! touches. `files.rs` reads the MNIST files, `report.rs` writes the CSV, the SVG and the
//! closing table, `merge.rs` is the `merge` subcommand.

#[path = "sweep/files.rs"]
mod files;
#[path = "sweep/merge.rs"]
mod merge;
#[path = "sweep/report.rs"]
mod report;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use clap::{Arg, ArgAction, ArgMatches, Command};
use lr_batch_playground::config::{Config, Mode, PARAMS};
use lr_batch_playground::metrics::{RunResult, Status};
use lr_batch_playground::runs::group_label;
use lr_batch_playground::schedule::RunPlan;
use lr_batch_playground::shard::Shard;
use lr_batch_playground::train::{run_epoch_on_threads, Trainer};

use files::DEFAULT_DATA;

fn cli() -> Command {
    // A flag given twice: the last one wins, as with a URL's keys.
    let mut cmd = Command::new("sweep")
        .args_override_self(true)
        .args_conflicts_with_subcommands(true)
        .subcommand(merge::command())
        .about("Train the article's CNN on MNIST for every k of an experiment and write CSV + SVG.")
        .long_about(
            "Train the article's CNN (conv 3×3×32 → ReLU → max-pool → dropout → dense) on MNIST \
             once per multiplier k: batch = B0·k, learning rate = η0 scaled by the rule. Runs go \
             in parallel on all cores. Writes PREFIX.csv (one row per run per epoch) and \
             PREFIX.svg (the curves).",
        )
        .after_help(
            "Examples:\n  sweep --k 1-7 --rule linear --epochs 10      the article's grid\n  \
             sweep --k 1-7 --rule none                    no scaling: watch k=7 fall behind\n  \
             sweep --opt adam --lr0 0.001 --k 1,4         Adam\n  \
             sweep --data ~/mnist --train 48000           the official MNIST files\n  \
             sweep --k 1-7 --shard 2/3 --out out/s2       one third of the runs (CSV only)\n  \
             sweep --mode range --grid_b 8,32,128 --repeats 3   learning-rate range test: α of η ∝ B^α\n  \
             sweep merge out/s1.csv out/s2.csv out/s3.csv --out out/sweep",
        );
    // `data` is the one parameter set from the files rather than typed: its flag is
    // `--data DIR` below, and the config records the loaded dataset's identity.
    for p in PARAMS.iter().filter(|p| p.name != "data") {
        cmd = cmd.arg(
            Arg::new(p.name)
                .long(p.name)
                .value_name("VALUE")
                .help(format!(
                    "{} [{}; default {}]",
                    p.help,
                    p.allowed(),
                    p.default_value()
                )),
        );
    }
    cmd.arg(
        Arg::new("data")
            .long("data")
            .value_name("DIR")
            .help(format!(
                "folder with train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz], split 4:1; \
                 with t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] too (the official \
                 MNIST files), the official train/test split. Or a dataset identity as the CSV's data \
                 column has it (mnist-subset) [default {DEFAULT_DATA}, created by `make data` when missing]"
            )),
    )
    .arg(out_arg())
    .arg(
        Arg::new("jobs")
            .long("jobs")
            .short('j')
            .value_name("N")
            .value_parser(clap::value_parser!(usize))
            .help("runs trained at once [default: the number of cores]"),
    )
    .arg(
        Arg::new("shard")
            .long("shard")
            .value_name("I/N")
            .value_parser(Shard::parse)
            .help(
                "train only shard I of N (1 ≤ I ≤ N: the runs whose index mod N is I − 1) and \
                 write only PREFIX.csv; `sweep merge` joins the N CSVs",
            ),
    )
    .arg(
        Arg::new("dry-run")
            .long("dry-run")
            .action(ArgAction::SetTrue)
            .help("list the runs this command would train (with --shard: the shard's) and exit"),
    )
    .args(svg_args())
    .arg(Arg::new("quiet").long("quiet").short('q').action(ArgAction::SetTrue).help("no progress lines"))
}

/// The SVG's flags, shared by a run and `merge`.
/// `--out PREFIX`, the same for a sweep and a merge.
fn out_arg() -> Arg {
    Arg::new("out")
        .long("out")
        .value_name("PREFIX")
        .default_value("out/sweep")
        .help("output path prefix: writes PREFIX.csv and PREFIX.svg")
}

fn svg_args() -> [Arg; 3] {
    [
        Arg::new("x")
            .long("x")
            .value_name("AXIS")
            .default_value("epoch")
            .value_parser(["epoch", "samples", "steps", "time"])
            .help("x axis of the SVG"),
        Arg::new("log-loss").long("log-loss").action(ArgAction::SetTrue).help("losses on a log scale in the SVG"),
        Arg::new("overlay")
            .long("overlay")
            .action(ArgAction::SetTrue)
            .help("draw the k=1 curve faintly on every run's axis in the SVG (what the rule predicts)"),
    ]
}

fn config_from(m: &ArgMatches) -> Result<Config, String> {
    let mut cfg = Config::default();
    for p in PARAMS.iter().filter(|p| p.name != "data") {
        if let Some(v) = m.get_one::<String>(p.name) {
            cfg.set(p.name, v).map_err(|e| e.to_string())?;
        }
    }
    cfg.validate().map_err(|e| e.to_string())?;
    Ok(cfg)
}

/// A run's name in progress lines and the SVG legend: `k=2 B=16 η=0.002`, ` #r` for a repeat.
fn label(plan: &RunPlan, repeat: u32, repeats: u32) -> String {
    let seed = if repeats > 1 {
        format!(" #{repeat}")
    } else {
        String::new()
    };
    format!("k={} B={} η={}{seed}", plan.k, plan.batch, short(plan.lr))
}

/// A rate with at most 6 decimals and no trailing zeros.
pub(crate) fn short(v: f64) -> String {
    let s = format!("{v:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn main() {
    let m = cli().get_matches();
    if let Some(("merge", sm)) = m.subcommand() {
        if let Err(e) = merge::run(sm) {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        return;
    }
    let cfg = match config_from(&m) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&cfg, &m) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(cfg: &Config, m: &ArgMatches) -> Result<(), String> {
    let shard = m.get_one::<Shard>("shard").copied();
    let all = cfg.runs();
    let total = all.len();
    // (index in the experiment, run) of the runs to train here.
    let specs = shard.unwrap_or(Shard::WHOLE).select(all);
    let prefix = PathBuf::from(m.get_one::<String>("out").expect("has a default"));
    if let Some(s) = shard {
        eprintln!(
            "shard {s}: {} of the experiment's {total} runs",
            specs.len()
        );
    }
    if m.get_flag("dry-run") {
        for (j, spec) in &specs {
            println!(
                "run {j}: {}, repeat {}, seed {}",
                group_label(spec),
                spec.repeat,
                spec.seed
            );
        }
        return Ok(());
    }
    let (split, dataset) = files::load_data(m.get_one::<String>("data"), cfg)?;
    let split = Arc::new(split);
    // The CSV and the page link name the data the runs trained on.
    let cfg = &Config {
        data: dataset.to_string(),
        ..cfg.clone()
    };
    // The same runs, now carrying the loaded dataset's identity.
    let specs = shard.unwrap_or(Shard::WHOLE).select(cfg.runs());
    if let (Some(s), true) = (shard, specs.is_empty()) {
        // More shards than runs: this one has nothing to train, and says so in its file.
        let csv = report::write_csv(cfg, s, &[], &prefix)?;
        println!(
            "shard {s} holds no runs (the experiment has {total}): wrote {} with its header only",
            csv.display()
        );
        return Ok(());
    }
    let quiet = m.get_flag("quiet");
    // Each run takes `workers` threads (its shards); by default the runs at once fill
    // the cores.
    let workers = cfg.workers as usize;
    let jobs = m
        .get_one::<usize>("jobs")
        .copied()
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get() / workers)
                .unwrap_or(1)
        })
        .clamp(1, specs.len().max(1));
    eprintln!(
        "{} runs × {} epochs on {} training / {} test digits, {jobs} at a time on {workers} thread{} each",
        specs.len(),
        cfg.epochs,
        cfg.train.min(split.train.len()),
        split.test.len(),
        if workers == 1 { "" } else { "s" }
    );
    eprintln!(
        "same experiment in the page: http://127.0.0.1:8080/?{}",
        cfg.to_query()
    );

    let start = Instant::now();
    let next = AtomicUsize::new(0);
    let epochs_done = AtomicUsize::new(0);
    let total_epochs = specs.len() * cfg.epochs as usize;
    let results: Mutex<Vec<Option<RunResult>>> = Mutex::new(vec![None; specs.len()]);
    let failure: Mutex<Option<String>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                let Some(&(i, ref spec)) = specs.get(n) else { break };
                // One copy of the trainer per worker (`workers` > 1): copy s computes
                // shard s of every step on its own thread, as the page's workers do.
                let copies: Result<Vec<Trainer>, _> = (0..workers)
                    .map(|_| Trainer::for_run(spec, split.clone()))
                    .collect();
                let mut copies = match copies {
                    Ok(c) => c,
                    Err(e) => {
                        *failure.lock().unwrap() = Some(e.to_string());
                        break;
                    }
                };
                let run_start = Instant::now();
                let mut records = Vec::new();
                let next_epoch = |copies: &mut [Trainer]| match copies {
                    [t] => t.run_epoch(),
                    _ => run_epoch_on_threads(copies),
                };
                while next_epoch(&mut copies).is_some() {
                    let t = &copies[0];
                    // Every evaluation of the epoch (the untrained network's too), timed now.
                    let wall_ms = run_start.elapsed().as_secs_f64() * 1000.0;
                    let done = epochs_done.fetch_add(1, Ordering::SeqCst) + 1;
                    for mut r in t.history()[records.len()..].iter().cloned() {
                        r.wall_ms = wall_ms;
                        // A range test records every step: its progress shows at the end.
                        let range = cfg.mode == Mode::Range && r.status == Status::Running;
                        if !quiet && !range {
                            eprintln!(
                                "[{done:>4}/{total_epochs}] {:<28} epoch {:>6.2}  train loss {:.4}  test loss {:.4}  test acc {:5.2}%  B_simple {:>6.0}  {}({:.0}s)",
                                label(t.plan(), spec.repeat, cfg.repeats),
                                r.epochs_done,
                                r.train_loss,
                                r.test_loss,
                                100.0 * r.test_acc,
                                r.noise_scale,
                                if r.status.failed() { format!("{} ", r.status.as_str().to_uppercase()) } else { String::new() },
                                start.elapsed().as_secs_f64()
                            );
                        }
                        records.push(r);
                    }
                }
                let result = RunResult { run: i, config: copies[0].config().clone(), repeat: spec.repeat, records };
                results.lock().unwrap()[n] = Some(result);
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap() {
        return Err(e);
    }
    let runs: Vec<RunResult> = results
        .into_inner()
        .unwrap()
        .into_iter()
        .flatten()
        .collect();

    if let Some(s) = shard {
        let csv_path = report::write_csv(cfg, s, &runs, &prefix)?;
        report::print_table(&runs);
        println!(
            "shard {s}: wrote {} in {:.1}s; `sweep merge` joins it with the other shards' CSVs \
             into the chart and the summary",
            csv_path.display(),
            start.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let n_train = cfg.train.min(split.train.len());
    report::finish(cfg, m, &runs, n_train, &prefix, start)
}
