//! The `sweep` CLI end to end on the real MNIST subset (written by `make data`): it
//! writes its CSV (the header checked against a literal list) and SVG, rejects bad flags
//! and bad or oversized files with a message naming them, prints the critical batch size
//! the core computes from the very CSV it wrote, and a CSV row of a repeat reproduces its
//! run when fed back as flags.

use std::path::PathBuf;
use std::process::Command;

use lr_batch_playground::config::PARAMS;
use lr_batch_playground::metrics::runs_from_csv;
use lr_batch_playground::summary::critical_batch;

fn data_dir() -> PathBuf {
    lr_batch_playground::files::subset_dir()
}

/// The CSV header, written out by hand: a change to the columns must change this list.
const HEADER: &[&str] = &[
    "run",
    "k",
    "repeat",
    "batch",
    "b0",
    "lr0",
    "rule",
    "warmup",
    "decay",
    "milestones",
    "factor",
    "grow",
    "optimizer",
    "momentum",
    "epochs",
    "train",
    "data",
    "dropout",
    "seed",
    "init",
    "norm",
    "repeats",
    "order",
    "mode",
    "grid_b",
    "grid_lr",
    "range_lo",
    "range_hi",
    "range_steps",
    "target",
    "diverge",
    "evals",
    "workers",
    "epoch",
    "epochs_done",
    "step",
    "samples",
    "lr",
    "train_loss",
    "test_loss",
    "test_acc",
    "noise_scale",
    "noise_spread",
    "peak_loss",
    "wall_ms",
    "status",
    "shard",
    "experiment",
];

fn sweep() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sweep"))
}

/// A CSV the CLI wrote: its header and rows, read by column name.
struct Table {
    header: csv::StringRecord,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    fn get(&self, row: usize, col: &str) -> &str {
        let c = self
            .header
            .iter()
            .position(|h| h == col)
            .unwrap_or_else(|| panic!("no column {col}"));
        &self.rows[row][c]
    }

    fn column(&self, col: &str) -> Vec<String> {
        (0..self.rows.len())
            .map(|r| self.get(r, col).to_string())
            .collect()
    }
}

/// Runs `sweep ARGS --quiet --data <subset> --out PREFIX` in a fresh temp folder;
/// returns the CSV, the SVG and stdout.
fn run_sweep(name: &str, args: &[&str]) -> (Table, String, String) {
    run_sweep_text(name, args).0
}

/// As [`run_sweep`], plus the CSV text.
fn run_sweep_text(name: &str, args: &[&str]) -> ((Table, String, String), String) {
    let dir = std::env::temp_dir().join(format!("lrbp-{name}-{}", std::process::id()));
    let prefix = dir.join("out");
    let o = sweep()
        .args(args)
        .arg("--quiet")
        .arg("--data")
        .arg(data_dir())
        .arg("--out")
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(prefix.with_extension("csv")).unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let header = rd.headers().unwrap().clone();
    let rows = rd.records().map(Result::unwrap).collect();
    let svg = std::fs::read_to_string(prefix.with_extension("svg")).unwrap();
    std::fs::remove_dir_all(dir).ok();
    (
        (
            Table { header, rows },
            svg,
            String::from_utf8_lossy(&o.stdout).into_owned(),
        ),
        text,
    )
}

#[test]
fn cli_writes_csv_and_svg() {
    let (t, svg, _) = run_sweep(
        "cli",
        &[
            "--k", "1,2", "--epochs", "9", "--train", "200", "--rule", "sqrt",
            // The last of a repeated flag wins.
            "--epochs", "2",
        ],
    );
    // The header, written out here independently of the code that writes it.
    assert_eq!(t.header.iter().collect::<Vec<_>>(), HEADER);
    assert_eq!(t.rows.len(), 6, "2 runs × (step 0 + 2 epochs)");
    assert_eq!(t.column("epoch"), ["0", "1", "2", "0", "1", "2"]);
    assert_eq!(t.column("epochs_done"), ["0", "1", "2", "0", "1", "2"]);
    assert_eq!(
        (
            t.get(5, "k"),
            t.get(5, "batch"),
            t.get(5, "rule"),
            t.get(5, "status")
        ),
        ("2", "16", "sqrt", "done")
    );
    let lr: f64 = t.get(5, "lr").parse().unwrap();
    assert!((lr - 0.001 * 2f64.sqrt()).abs() < 1e-12);
    assert!(svg.starts_with("<svg") && svg.contains("k=2 B=16"));
}

#[test]
fn cli_rejects_bad_flags_and_bad_files() {
    let o = sweep().args(["--lr0", "abc"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("lr0") && err.contains("(0, 10]"), "{err}");

    let o = sweep().args(["--k", "0"]).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("parameter `k`"));

    let dir = std::env::temp_dir().join(format!("lrbp-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("train-images-idx3-ubyte"),
        [0u8, 0, 8, 1, 0, 0, 0, 0],
    )
    .unwrap();
    std::fs::write(
        dir.join("train-labels-idx1-ubyte"),
        [0u8, 0, 8, 1, 0, 0, 0, 0],
    )
    .unwrap();
    let o = sweep().arg("--data").arg(&dir).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("images file") && err.contains("magic"),
        "{err}"
    );

    let o = sweep()
        .arg("--data")
        .arg(dir.join("nowhere"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("train-images-idx3-ubyte"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn cli_help_documents_every_flag() {
    let o = sweep().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&o.stdout);
    for p in lr_batch_playground::config::PARAMS {
        assert!(
            help.contains(&format!("--{}", p.name)),
            "--{} missing from --help",
            p.name
        );
    }
    for f in ["--data", "--out", "--jobs", "--x", "--log-loss"] {
        assert!(help.contains(f));
    }
}

#[test]
fn cli_landscape_and_repeats() {
    let args = [
        "--mode",
        "landscape",
        "--grid_b",
        "16,64",
        "--grid_lr",
        "0.01,10",
        "--epochs",
        "1",
        "--train",
        "1000",
        "--diverge",
        "100",
    ];
    let (t, svg, _) = run_sweep("land", &args);
    assert_eq!(t.rows.len(), 8, "2 × 2 cells, step 0 and one epoch each");
    let cells: Vec<(String, String, String)> = (0..8)
        .map(|r| {
            (
                t.get(r, "b0").into(),
                t.get(r, "lr0").into(),
                t.get(r, "status").into(),
            )
        })
        .collect();
    assert!(cells.contains(&("16".into(), "0.01".into(), "done".into())));
    // η = 10 with batch 16 explodes past the old threshold: the cell is marked, not hidden.
    assert!(
        cells.contains(&("16".into(), "10".into(), "diverged".into())),
        "{cells:?}"
    );
    assert!(svg.contains("final test accuracy") && svg.contains("steps to reach"));
}

#[test]
fn a_collapsed_run_is_marked_and_its_scores_are_not_printed_as_results() {
    // η = 10 at batch 16 kills every ReLU; η = 0.01 learns.
    let (t, _, stdout) = run_sweep(
        "collapse",
        &[
            "--b0", "16", "--lr0", "10", "--k", "1", "--epochs", "3", "--train", "320",
        ],
    );
    let last = t.rows.len() - 1;
    assert_eq!(t.get(last, "status"), "collapsed");
    assert!(t.get(last, "peak_loss").parse::<f64>().unwrap() > 100.0);
    let row = stdout
        .lines()
        .find(|l| l.trim_end().ends_with("collapsed"))
        .unwrap_or_else(|| panic!("no collapsed row:\n{stdout}"));
    assert!(row.contains('—') && !row.contains('%'), "{row}");
    assert!(stdout.contains("— collapsed:"), "{stdout}");
    assert!(
        stdout.contains("critical batch size: not measured"),
        "{stdout}"
    );
}

#[test]
fn repeats_critical_batch_and_rerun_from_a_row() {
    let ((t, _, stdout), text) = run_sweep_text(
        "repeats",
        &[
            "--k",
            "1,2",
            "--repeats",
            "2",
            "--epochs",
            "2",
            "--train",
            "300",
            "--seed",
            "5",
        ],
    );
    // Step 0 and two epochs per run.
    assert_eq!(
        t.column("repeat"),
        ["0", "0", "0", "1", "1", "1", "0", "0", "0", "1", "1", "1"]
    );
    // The seed column is the seed each row trained with.
    assert_eq!(
        t.column("seed"),
        ["5", "5", "5", "6", "6", "6", "5", "5", "5", "6", "6", "6"]
    );
    // Different seeds, different numbers; the noise scale is measured.
    assert_ne!(t.get(2, "test_loss"), t.get(5, "test_loss"));
    assert!(t.get(2, "noise_scale").parse::<f64>().unwrap().is_finite());

    // The printed critical batch size is the core's, from the CSV the CLI wrote.
    let runs = runs_from_csv(&text).unwrap();
    assert_eq!(runs.len(), 4);
    let s = critical_batch(runs.iter().map(|r| (r, None))).expect("healthy runs measured it");
    assert_eq!(s.n, 4, "{stdout}");
    let want = format!("critical batch size ≈ {:.0} (", s.median);
    assert!(stdout.contains(&want), "{want} not in\n{stdout}");

    // Repeat 1 of k = 2, rerun from its CSV row alone (one repeat), gives the same records.
    let row = (0..t.rows.len())
        .find(|&r| t.get(r, "k") == "2" && t.get(r, "repeat") == "1")
        .unwrap();
    let mut args: Vec<String> = vec!["--k".into(), t.get(row, "k").into()];
    for p in PARAMS.iter().filter(|p| p.name != "k") {
        let v = if p.name == "repeats" {
            "1"
        } else {
            t.get(row, p.csv)
        };
        args.extend([format!("--{}", p.name), v.to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (again, _, _) = run_sweep("rerun", &args);
    let metrics = [
        "epoch",
        "step",
        "samples",
        "lr",
        "batch",
        "train_loss",
        "test_loss",
        "test_acc",
        "noise_scale",
        "status",
    ];
    let original: Vec<Vec<&str>> = (0..t.rows.len())
        .filter(|&r| t.get(r, "k") == "2" && t.get(r, "repeat") == "1")
        .map(|r| metrics.iter().map(|m| t.get(r, m)).collect())
        .collect();
    let rerun: Vec<Vec<&str>> = (0..again.rows.len())
        .map(|r| metrics.iter().map(|m| again.get(r, m)).collect())
        .collect();
    assert_eq!(original.len(), 3);
    assert_eq!(rerun, original);
}

#[test]
fn an_oversized_data_file_is_refused_before_it_is_read() {
    let dir = std::env::temp_dir().join(format!("lrbp-huge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Sparse: 200 MB of nothing, more than any MNIST images file.
    let f = std::fs::File::create(dir.join("train-images-idx3-ubyte")).unwrap();
    f.set_len(200_000_000).unwrap();
    std::fs::write(dir.join("train-labels-idx1-ubyte"), [0u8; 8]).unwrap();
    let o = sweep().arg("--data").arg(&dir).output().unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("200000000 bytes is larger than an MNIST file can be"),
        "{err}"
    );
}
