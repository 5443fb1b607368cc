//! Range mode end to end: the CLI's `--mode range` trains one range test per batch size
//! and seed, writes one CSV row per step whose `lr` follows the exponential ramp, prints
//! per batch the rates the core's `lr_range::Relation` finds in that very CSV, then α and
//! the bend, and draws both panels in the SVG. The analysis itself is tested against
//! known answers in `src/lr_range.rs`.

use std::process::Command;

use lr_batch_playground::config::Config;
use lr_batch_playground::lr_range::Relation;
use lr_batch_playground::metrics::runs_from_csv;

#[test]
fn cli_range_mode_writes_steps_and_states_alpha() {
    let dir = std::env::temp_dir().join(format!("range-cli-{}", std::process::id()));
    let prefix = dir.join("r");
    let query =
        "mode=range&grid_b=8,32&range_steps=60&range_lo=0.001&range_hi=10&train=500&repeats=2";
    let cfg = Config::from_query(query).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sweep"));
    for (k, v) in lr_batch_playground::config::query_pairs(query) {
        cmd.arg(format!("--{k}")).arg(v);
    }
    let out = cmd
        .args(["-q", "-j", "2", "--data"])
        .arg(lr_batch_playground::files::subset_dir())
        .arg("--out")
        .arg(&prefix)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let csv = std::fs::read_to_string(prefix.with_extension("csv")).unwrap();
    let runs = runs_from_csv(&csv).unwrap();
    assert_eq!(runs.len(), 4, "2 batch sizes × 2 seeds");
    for run in &runs {
        // The untrained network's evaluation, then one record per step up to the blow-up
        // (a non-finite loss stops the run) or the end of the ramp.
        let steps: Vec<_> = run.records.iter().filter(|r| r.epoch > 0).collect();
        assert!(
            steps.len() > 30 && steps.len() <= 60,
            "{} steps",
            steps.len()
        );
        for (t, r) in steps.iter().enumerate() {
            let want = 0.001 * 10_000f64.powf(t as f64 / 59.0);
            assert!(
                (r.lr / want - 1.0).abs() < 1e-9,
                "step {t}: lr {} not {want}",
                r.lr
            );
        }
    }

    // The printed rates are those the core finds in the CSV.
    let rel = Relation::new(&cfg, &runs);
    for b in &rel.batches {
        for (repeat, _, r) in &b.runs {
            let stable = r.stable.map_or("> 10".to_string(), |v| format!("{v:.4}"));
            let line = format!(
                "{:>6} {:>6} {:>16} {:>14}",
                b.batch,
                repeat,
                r.best.map_or("—".into(), |v| format!("{v:.4}")),
                stable
            );
            assert!(stdout.contains(&line), "no line {line:?} in\n{stdout}");
        }
    }
    // α as the core fits it on the CSV's runs (a seed whose test at one batch found no
    // limit within the ramp has no fit of its own).
    assert!(rel.best_alpha.is_some(), "{stdout}");
    let alpha = lr_batch_playground::plot::alpha_text(rel.best_alpha.as_ref());
    assert!(
        stdout.contains(&format!("fastest descent ∝ B^α: {alpha}")),
        "no α {alpha:?} in\n{stdout}"
    );
    assert!(
        stdout.contains("bend: not measured"),
        "two batch sizes have no bend: {stdout}"
    );

    let svg = std::fs::read_to_string(prefix.with_extension("svg")).unwrap();
    for text in [
        "smoothed loss during the range test",
        "learning rate against batch size",
        "α = 1 (linear)",
        "batch 32",
    ] {
        assert!(svg.contains(text), "the SVG lacks {text:?}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
