//! What `sweep` and `sweep merge` leave behind: the CSV (`metrics::write_csv_of`, naming
//! the experiment and the shard), the SVG (`plot`, one curve per group of `Config::runs`,
//! its repeats as a band; or the landscape), and the closing table with the critical
//! batch size (`summary::critical_batch`, the function the page's `criticalBatch` calls);
//! in range mode the range test's rates per batch, α and the bend (`lr_range::Relation`).
//! A run and a merge of its shards go through the same functions here.

use std::path::{Path, PathBuf};

use clap::ArgMatches;
use lr_batch_playground::config::{Config, Mode};
use lr_batch_playground::landscape::Landscape;
use lr_batch_playground::lr_range::{Relation, BLOWUP_FACTOR, EMA_BETA};
use lr_batch_playground::metrics::{write_csv_of, RunResult};
use lr_batch_playground::plot::{self, Curve, HeatValue, Metric, PlotOptions, XAxis};
use lr_batch_playground::schedule::RunPlan;
use lr_batch_playground::shard::Shard;
use lr_batch_playground::summary::{critical_batch, RunStatus, COLLAPSE_EVALS};

use super::{label, short};

/// Writes PREFIX.csv (the runs of `shard` of the experiment `cfg`); returns its path.
pub fn write_csv(
    cfg: &Config,
    shard: Shard,
    runs: &[RunResult],
    prefix: &Path,
) -> Result<PathBuf, String> {
    if let Some(parent) = prefix.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let csv_path = prefix.with_extension("csv");
    let file =
        std::fs::File::create(&csv_path).map_err(|e| format!("{}: {e}", csv_path.display()))?;
    write_csv_of(std::io::BufWriter::new(file), runs, cfg, shard)
        .map_err(|e| format!("{}: {e}", csv_path.display()))?;
    Ok(csv_path)
}

/// The end of a whole experiment, trained here or merged from shards: PREFIX.csv and
/// PREFIX.svg, the closing table, the critical batch size, and where the files went.
pub fn finish(
    cfg: &Config,
    m: &ArgMatches,
    runs: &[RunResult],
    n_train: usize,
    prefix: &Path,
    start: std::time::Instant,
) -> Result<(), String> {
    let (csv_path, svg_path) = write_files(cfg, m, runs, n_train, prefix)?;
    if cfg.mode == Mode::Range {
        print_range(&Relation::new(cfg, runs));
    } else {
        print_table(runs);
        print_summary(runs);
    }
    println!(
        "wrote {} and {} in {:.1}s",
        csv_path.display(),
        svg_path.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Writes PREFIX.csv and PREFIX.svg of every run of `cfg` (in its order), trained on
/// `n_train` samples; returns their paths.
fn write_files(
    cfg: &Config,
    m: &ArgMatches,
    runs: &[RunResult],
    n_train: usize,
    prefix: &Path,
) -> Result<(PathBuf, PathBuf), String> {
    let csv_path = write_csv(cfg, Shard::WHOLE, runs, prefix)?;
    let svg = match cfg.mode {
        Mode::Curves => {
            // One curve per group (k); its repeats (other seeds) become a band.
            let specs = cfg.runs();
            let mut groups: Vec<(u32, Vec<&RunResult>)> = Vec::new();
            for (spec, run) in specs.iter().zip(runs) {
                if groups.len() <= spec.group {
                    groups.resize_with(spec.group + 1, || (spec.k, Vec::new()));
                }
                groups[spec.group].1.push(run);
            }
            let curves: Vec<Curve> = groups
                .iter()
                .enumerate()
                .filter(|(_, (_, g))| !g.is_empty())
                .map(|(i, (k, g))| Curve {
                    repeats: g[1..].iter().map(|r| r.records.as_slice()).collect(),
                    ..Curve::new(
                        // With `grow` compared, each run's own share names its curve.
                        label(&RunPlan::new(&g[0].config, *k, n_train), 0, 1)
                            + &if cfg.grow.len() > 1 {
                                format!(" grow={}", g[0].config.grow_share())
                            } else {
                                String::new()
                            },
                        &g[0].records,
                        i,
                    )
                })
                .collect();
            let mut metrics = Metric::ALL.to_vec();
            metrics.push(Metric::NoiseScale);
            let opts = PlotOptions {
                x: XAxis::parse(m.get_one::<String>("x").expect("has a default"))
                    .unwrap_or(XAxis::Epoch),
                log_loss: m.get_flag("log-loss"),
                runs: curves.len(),
                metrics,
                overlay: m.get_flag("overlay"),
                ..Default::default()
            };
            plot::svg_string(&curves, &opts, (1100, 1080))?
        }
        Mode::Landscape => {
            let land = Landscape::new(cfg, runs);
            plot::landscape_svg_string(&land, HeatValue::Accuracy, (1200, 520))?
        }
        Mode::Range => plot::range_svg_string(&Relation::new(cfg, runs), (1200, 560))?,
    };
    let svg_path = prefix.with_extension("svg");
    std::fs::write(&svg_path, svg).map_err(|e| format!("{}: {e}", svg_path.display()))?;
    Ok((csv_path, svg_path))
}

/// A peak loss in a few characters (1.23e7 when large).
fn peak(v: f64) -> String {
    if v.abs() >= 1e4 {
        format!("{v:.2e}")
    } else {
        format!("{v:.3}")
    }
}

/// The closing table (one line per run) and the critical batch size. A collapsed or
/// diverged run's final scores are not results: they print as "—", and a note under the
/// table says why (the CSV keeps the numbers).
pub fn print_table(runs: &[RunResult]) {
    println!(
        "{:<5} {:>6} {:>6} {:>10} {:>10} {:>10} {:>9} {:>10} {:>9}",
        "k", "repeat", "batch", "lr", "test loss", "test acc", "B_simple", "peak loss", "status"
    );
    let mut failed = [false; 2]; // collapsed, diverged
    for r in runs {
        if let Some(last) = r.records.last() {
            let status = RunStatus::of_records(r);
            let scores = if status.failed() {
                failed[usize::from(status == RunStatus::Diverged)] = true;
                format!("{:>10} {:>10} {:>9}", "—", "—", "—")
            } else {
                format!(
                    "{:>10.4} {:>9.2}% {:>9.0}",
                    last.test_loss,
                    100.0 * last.test_acc,
                    last.noise_scale
                )
            };
            println!(
                "{:<5} {:>6} {:>6} {:>10} {scores} {:>10} {:>9}",
                r.k(),
                r.repeat,
                last.batch,
                short(last.lr),
                peak(last.peak_loss),
                status.name()
            );
        }
    }
    if failed[0] {
        println!(
            "— collapsed: the run's last {COLLAPSE_EVALS} evaluations were no better than \
             always answering the most frequent class (its ReLUs died); its scores are not results"
        );
    }
    if failed[1] {
        println!(
            "— diverged: a mini-batch loss went non-finite (or past --diverge); the run stopped \
             there and its blown-up weights' scores are not results"
        );
    }
}

/// The critical batch size of the runs.
fn print_summary(runs: &[RunResult]) {
    match critical_batch(runs.iter().map(|r| (r, None))) {
        Some(s) => println!(
            "critical batch size ≈ {:.0} (median of the latest gradient noise scale B_simple \
             over {} healthy runs; quartiles {:.0} to {:.0}, range {:.0} to {:.0}; {} runs left \
             out as collapsed, diverged, stopped or at chance; larger batches than this buy little extra \
             speed per sample)",
            s.median, s.n, s.q1, s.q3, s.min, s.max, s.excluded
        ),
        None => println!(
            "critical batch size: not measured (no healthy run has a gradient noise scale)"
        ),
    }
}

/// A rate or "—".
fn rate(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{v:.4}"))
}

/// The range test: per batch and seed the rate of fastest descent and the largest stable
/// rate, then α of each against the batch size, and the bend.
fn print_range(rel: &Relation) {
    println!(
        "{:>6} {:>6} {:>16} {:>14} {:>10}",
        "batch", "repeat", "fastest descent", "largest stable", "min loss"
    );
    for b in &rel.batches {
        for (repeat, _, r) in &b.runs {
            let stable = match r.stable {
                None => format!("> {}", short(rel.range.1)),
                Some(_) => rate(r.stable),
            };
            println!(
                "{:>6} {:>6} {:>16} {:>14} {:>10.4}",
                b.batch,
                repeat,
                rate(r.best),
                stable,
                r.min_loss
            );
        }
        if b.runs.len() > 1 {
            println!(
                "{:>6} {:>6} {:>16} {:>14}",
                b.batch,
                "mean",
                rate(b.best()),
                rate(b.stable())
            );
        }
    }
    println!(
        "largest stable rate: first step where the smoothed loss (bias-corrected EMA, β = \
         {EMA_BETA}) exceeds {BLOWUP_FACTOR} × its running minimum, or the loss is non-finite; \
         rates are read {:.0} steps (the EMA's mean age) earlier; means over seeds are geometric",
        EMA_BETA / (1.0 - EMA_BETA)
    );
    println!(
        "α of the largest stable rate ∝ B^α: {} (log–log fit per seed, mean ± standard error)",
        plot::alpha_text(rel.stable_alpha.as_ref())
    );
    println!(
        "α of the rate of fastest descent ∝ B^α: {}",
        plot::alpha_text(rel.best_alpha.as_ref())
    );
    match &rel.bend {
        Some(k) => println!(
            "bend of the largest stable rate at batch ≈ {:.0}: slope {:.2} below, {:.2} above \
             (knot of the best two-piece log–log line)",
            k.batch, k.below, k.above
        ),
        None => println!("bend: not measured (fewer than 4 batch sizes with a stable rate)"),
    }
}
