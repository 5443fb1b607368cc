//! Sharded sweeps end to end: the `sweep` binary runs a tiny experiment once as one
//! process and once as shards in separate processes at the same time; `sweep merge`
//! of the shards' CSVs (given in any order) must write the single run's CSV row for row
//! (wall time aside), the same SVG and the same summary. Then the refusals: a missing,
//! a duplicated and a foreign shard, a malformed and an unreadable file, bad `--shard`
//! values; each message names the file, the shard, the runs or the parameter.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sweep() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sweep"))
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("lrbp-shards-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&d).ok();
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `sweep ARGS --quiet --data <subset> --out PREFIX`, not yet waited for.
fn start(args: &[&str], prefix: &Path) -> std::process::Child {
    sweep()
        .args(args)
        .arg("--quiet")
        .arg("--data")
        .arg(lr_batch_playground::files::subset_dir())
        .arg("--out")
        .arg(prefix)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

fn merge(files: &[PathBuf], prefix: &Path) -> Output {
    sweep()
        .arg("merge")
        .args(files)
        .arg("--out")
        .arg(prefix)
        .output()
        .unwrap()
}

/// A CSV's rows, every column but `wall_ms`, by name.
fn rows(path: &Path) -> Vec<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let header = rd.headers().unwrap().clone();
    assert!(header.iter().any(|h| h == "wall_ms"));
    rd.records()
        .map(|r| {
            header
                .iter()
                .zip(r.unwrap().iter())
                .filter(|(h, _)| *h != "wall_ms")
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// The summary lines a run prints, without the closing "wrote … in Ns".
fn summary(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| !l.starts_with("wrote "))
        .collect()
}

/// Runs `args` whole and as `n` shard processes at once, merges the shards given in
/// `order` (shard indices; others left out), and checks merge ≡ single run. Returns the
/// folder and the shards' CSV paths.
fn whole_and_sharded(
    name: &str,
    args: &[&str],
    n: usize,
    order: &[usize],
) -> (PathBuf, Vec<PathBuf>) {
    let dir = tmp(name);
    let single = start(args, &dir.join("single"));
    let shards: Vec<(PathBuf, std::process::Child)> = (1..=n)
        .map(|i| {
            let prefix = dir.join(format!("shard{i}"));
            let s = format!("{i}/{n}");
            let mut a = args.to_vec();
            a.extend(["--shard", &s]);
            let child = start(&a, &prefix);
            (prefix.with_extension("csv"), child)
        })
        .collect();
    let single_out = ok(single.wait_with_output().unwrap());
    let mut csvs = Vec::new();
    for (csv, child) in shards {
        let out = ok(child.wait_with_output().unwrap());
        assert!(out.contains("shard "), "{out}");
        // A shard writes only its CSV: the chart and summary are the merge's.
        assert!(!csv.with_extension("svg").exists());
        csvs.push(csv);
    }
    let given: Vec<PathBuf> = order.iter().map(|&i| csvs[i - 1].clone()).collect();
    let merged_out = ok(merge(&given, &dir.join("merged")));
    let (single_rows, merged_rows) = (rows(&dir.join("single.csv")), rows(&dir.join("merged.csv")));
    assert!(!single_rows.is_empty());
    assert_eq!(
        merged_rows, single_rows,
        "merged shards differ from the single run"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("merged.svg")).unwrap(),
        std::fs::read_to_string(dir.join("single.svg")).unwrap()
    );
    assert_eq!(summary(&merged_out), summary(&single_out));
    assert!(single_out.contains("critical batch size"), "{single_out}");
    (dir, csvs)
}

#[test]
fn three_shard_processes_merge_into_the_single_run_and_bad_merges_are_named() {
    // 6 runs (k = 1, 2, 3 × 2 repeats): shard 1/3 is runs 0 and 3, and so on.
    let args = [
        "--k",
        "1,2,3",
        "--repeats",
        "2",
        "--epochs",
        "1",
        "--train",
        "200",
        "--jobs",
        "1",
    ];
    let (dir, s) = whole_and_sharded("curves", &args, 3, &[3, 1, 2]);
    // Every shard's rows say which shard they are and carry the seed they trained with.
    // (Two rows per run: the untrained network at step 0, then epoch 1; one per run here.)
    let r2: Vec<_> = rows(&s[1])
        .into_iter()
        .filter(|r| r.iter().any(|(h, v)| h == "epoch" && v == "1"))
        .collect();
    let col =
        |row: &Vec<(String, String)>, c: &str| row.iter().find(|(h, _)| h == c).unwrap().1.clone();
    assert_eq!(
        r2.iter().map(|r| col(r, "run")).collect::<Vec<_>>(),
        ["1", "4"]
    );
    // Run 1 is k = 1, repeat 1 (seed 1 + 1); run 4 is k = 3, repeat 0 (seed 1).
    assert_eq!(
        r2.iter()
            .map(|r| (col(r, "k"), col(r, "seed")))
            .collect::<Vec<_>>(),
        [("1".to_string(), "2".to_string()), ("3".into(), "1".into())]
    );
    assert!(r2.iter().all(|r| col(r, "shard") == "2/3"));
    assert!(r2
        .iter()
        .all(|r| col(r, "experiment") == "k=1-3&epochs=1&train=200&repeats=2"));

    let fails = |files: &[PathBuf]| {
        let o = merge(files, &dir.join("bad"));
        assert_eq!(o.status.code(), Some(1));
        String::from_utf8(o.stderr).unwrap()
    };
    let e = fails(&[s[0].clone(), s[2].clone()]);
    assert!(e.contains("missing shard(s): 2/3 (runs 1, 4)"), "{e}");
    let e = fails(&[s[0].clone(), s[1].clone(), s[1].clone(), s[2].clone()]);
    assert!(e.contains("duplicated shard 2/3"), "{e}");
    assert!(
        e.contains(&format!("{} and in {}", s[1].display(), s[1].display())),
        "{e}"
    );

    // Shard 2/3 of another experiment (train 150): named, with the parameter.
    let other = dir.join("other");
    let mut a = args.to_vec();
    a.extend(["--train", "150", "--shard", "2/3"]);
    ok(start(&a, &other).wait_with_output().unwrap());
    let e = fails(&[s[0].clone(), other.with_extension("csv"), s[2].clone()]);
    assert!(
        e.contains("mismatched configs") && e.contains("other.csv"),
        "{e}"
    );
    assert!(
        e.contains("train=150 in") && e.contains("train=200 in"),
        "{e}"
    );

    // A damaged file: its line is named.
    let text = std::fs::read_to_string(&s[1]).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[2] = lines[2].replacen(",done,", ",finished,", 1);
    let damaged = dir.join("damaged.csv");
    std::fs::write(&damaged, lines.join("\n")).unwrap();
    let e = fails(&[s[0].clone(), damaged, s[2].clone()]);
    assert!(
        e.contains("damaged.csv: line 3, column ") && e.contains("(status): `finished`"),
        "{e}"
    );
    let e = fails(&[s[0].clone(), dir.join("nowhere.csv")]);
    assert!(e.contains("nowhere.csv: "), "{e}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_landscape_over_more_shards_than_runs() {
    // 4 cells, 5 shards: shard 5 is empty and may be left out of the merge.
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
        "300",
        "--jobs",
        "1",
    ];
    let (dir, s) = whole_and_sharded("landscape", &args, 5, &[4, 2, 1, 3]);
    let text = std::fs::read_to_string(&s[4]).unwrap();
    assert_eq!(
        text.lines().count(),
        1,
        "an empty shard writes its header only"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn bad_shard_values_and_the_dry_run() {
    for (v, says) in [
        ("0/3", "between 1 and 3"),
        ("4/3", "between 1 and 3"),
        ("3", "i/n"),
    ] {
        let o = sweep().args(["--shard", v]).output().unwrap();
        assert_eq!(o.status.code(), Some(2));
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(
            e.contains(&format!("shard `{v}`")) && e.contains(says),
            "{e}"
        );
    }
    // The dry run lists a shard's runs without reading data or training.
    let o = sweep()
        .args([
            "--k",
            "1-7",
            "--repeats",
            "2",
            "--shard",
            "3/4",
            "--dry-run",
            "--data",
            "/nonexistent",
        ])
        .output()
        .unwrap();
    let listed: Vec<String> = ok(o)
        .lines()
        .map(|l| l.split(':').next().unwrap().to_string())
        .collect();
    assert_eq!(listed, ["run 2", "run 6", "run 10"]);
}
