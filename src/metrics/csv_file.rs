//! The CSV form of a set of runs (the columns are described in the parent module's
//! header): the header, one row per run per evaluation, writing with the file columns
//! (`shard`, `experiment`) and reading back, with errors that name the line and column.

use std::io::Write;

use super::{EpochRecord, RunResult, Status};
use crate::config::{shorten, Config, PARAMS};
use crate::shard::Shard;

/// The metric columns after the parameter columns.
pub const METRIC_COLUMNS: &[&str] = &[
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
];

/// The columns after the metrics: which shard of which experiment the file holds.
pub const FILE_COLUMNS: &[&str] = &["shard", "experiment"];

/// The CSV header: `run,k,repeat,batch,<parameters but k>,<metrics>,shard,experiment`.
pub fn csv_header() -> Vec<&'static str> {
    let mut h = vec!["run", "k", "repeat", "batch"];
    h.extend(PARAMS.iter().filter(|p| p.name != "k").map(|p| p.csv));
    h.extend_from_slice(METRIC_COLUMNS);
    h.extend_from_slice(FILE_COLUMNS);
    h
}

fn num(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else {
        format!("{v}")
    }
}

/// One CSV row for a record of a run, up to the [`FILE_COLUMNS`] (the file's, not the
/// record's: see [`write_csv_of`]).
pub fn csv_row(run: &RunResult, r: &EpochRecord) -> Vec<String> {
    let mut row = vec![
        run.run.to_string(),
        run.k().to_string(),
        run.repeat.to_string(),
        r.batch.to_string(),
    ];
    // The seed column says the seed this repeat trained with.
    let trained = Config {
        seed: run.config.seeds(run.repeat).0,
        ..run.config.clone()
    };
    row.extend(
        PARAMS
            .iter()
            .filter(|p| p.name != "k")
            .map(|p| p.get(&trained)),
    );
    row.extend([
        r.epoch.to_string(),
        num(r.epochs_done),
        r.step.to_string(),
        r.samples.to_string(),
        num(r.lr),
        num(r.train_loss),
        num(r.test_loss),
        num(r.test_acc),
        num(r.noise_scale),
        num(r.noise_spread),
        num(r.peak_loss),
        format!("{:.1}", r.wall_ms),
        r.status.as_str().to_string(),
    ]);
    row
}

/// Writes every record of every run as CSV, with the [`FILE_COLUMNS`] empty (the
/// page's export, which does not name its experiment).
pub fn write_csv<W: Write>(out: W, runs: &[RunResult]) -> Result<(), csv::Error> {
    write_rows(out, runs, ["".into(), "".into()])
}

/// Writes every record of every run as CSV, each row naming `shard` of `experiment`
/// (the whole experiment: every k, the base seed) in the [`FILE_COLUMNS`].
pub fn write_csv_of<W: Write>(
    out: W,
    runs: &[RunResult],
    experiment: &Config,
    shard: Shard,
) -> Result<(), csv::Error> {
    write_rows(out, runs, [shard.to_string(), experiment.to_query()])
}

fn write_rows<W: Write>(out: W, runs: &[RunResult], file: [String; 2]) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(csv_header())?;
    for run in runs {
        for r in &run.records {
            let mut row = csv_row(run, r);
            row.extend(file.iter().cloned());
            w.write_record(row)?;
        }
    }
    w.flush()?;
    Ok(())
}

/// The CSV as a string (for the page's export).
pub fn to_csv_string(runs: &[RunResult]) -> String {
    let mut buf = Vec::new();
    write_csv(&mut buf, runs).expect("writing CSV to memory cannot fail");
    String::from_utf8(buf).expect("CSV fields are UTF-8")
}

/// Reads a CSV written by [`write_csv`] back into runs (rows grouped by the `run`
/// column, in order of first appearance). The config is the experiment's (base seed =
/// the `seed` column − `repeat`); `wall_ms` keeps its one decimal. Errors name the line
/// and the column.
pub fn runs_from_csv(text: &str) -> Result<Vec<RunResult>, String> {
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let header = rd.headers().map_err(|e| csv_error(&e, 1))?.clone();
    let col = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| {
            format!(
                "line 1: no column `{name}` among the header's {} (a CSV written by `sweep` \
                 or the page's export has it)",
                header.len()
            )
        })
    };
    // Every column but the file's own must be there, checked before any row.
    for name in csv_header().iter().filter(|c| !FILE_COLUMNS.contains(c)) {
        col(name)?;
    }
    let mut runs: Vec<RunResult> = Vec::new();
    for (i, row) in rd.records().enumerate() {
        let row = row.map_err(|e| csv_error(&e, i as u64 + 2))?;
        // The file's line (the header is line 1), for the messages.
        let line = row.position().map_or(i as u64 + 2, |p| p.line());
        // "line 3, column 12 (test_acc)": where a value is, 1-based as editors count.
        let place = |name: &str| match col(name) {
            Ok(c) => format!("line {line}, column {} ({name})", c + 1),
            Err(_) => format!("line {line} ({name})"),
        };
        let at = |name: &str| -> Result<&str, String> {
            let c = col(name)?;
            row.get(c)
                .ok_or_else(|| format!("{}: the row ends before it", place(name)))
        };
        let bad = |name: &str, what: &str| match at(name) {
            Ok(t) => format!("{}: `{}` is not {what}", place(name), shorten(t, 40)),
            Err(e) => e,
        };
        let int = |name: &str| {
            at(name)?
                .parse::<u64>()
                .map_err(|_| bad(name, "a whole number"))
        };
        let float = |name: &str| -> Result<f64, String> {
            let t = at(name)?;
            if t == "NaN" {
                return Ok(f64::NAN);
            }
            t.parse::<f64>().map_err(|_| bad(name, "a number"))
        };
        let mut config = Config::default();
        // The seed column may exceed the seed parameter's range (seed + repeat).
        for p in PARAMS.iter().filter(|p| p.name != "seed") {
            config
                .set(p.name, at(p.csv)?)
                .map_err(|e| format!("{}: {}", place(p.csv), e.message))?;
        }
        let repeat = int("repeat")? as u32;
        config.seed = int("seed")?
            .checked_sub(repeat as u64)
            .ok_or_else(|| bad("seed", "at least the repeat"))?;
        config.validate().map_err(|e| {
            let csv = crate::config::param(&e.param).map_or("run", |p| p.csv);
            format!("{}: {}", place(csv), e.message)
        })?;
        let status = Status::parse(at("status")?).ok_or_else(|| bad("status", "a run status"))?;
        let record = EpochRecord {
            epoch: int("epoch")? as u32,
            step: int("step")?,
            samples: int("samples")?,
            lr: float("lr")?,
            batch: int("batch")? as usize,
            train_loss: float("train_loss")?,
            test_loss: float("test_loss")?,
            test_acc: float("test_acc")?,
            noise_scale: float("noise_scale")?,
            noise_spread: float("noise_spread")?,
            peak_loss: float("peak_loss")?,
            epochs_done: float("epochs_done")?,
            wall_ms: float("wall_ms")?,
            status,
        };
        let run = int("run")? as usize;
        match runs.iter_mut().find(|r| r.run == run) {
            Some(r) => r.records.push(record),
            None => runs.push(RunResult {
                run,
                config,
                repeat,
                records: vec![record],
            }),
        }
    }
    Ok(runs)
}

/// The csv crate's error with its line (`line` when the error has no position): a
/// row with more or fewer fields than the header, or text that is not UTF-8.
fn csv_error(e: &csv::Error, line: u64) -> String {
    let line = e.position().map_or(line, |p| p.line());
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "line {line}, column {}: the row has {len} fields but the header has {expected_len}",
            (*len).min(*expected_len) + 1
        ),
        csv::ErrorKind::Utf8 { err, .. } => format!(
            "line {line}, column {}: the text is not UTF-8",
            err.field() + 1
        ),
        _ => format!("line {line}: {e}"),
    }
}

/// A CSV written by [`write_csv_of`] (or [`write_csv`]): its runs and what it holds.
#[derive(Clone, Debug)]
pub struct CsvFile {
    pub runs: Vec<RunResult>,
    /// The `shard` column; `None` when empty or absent (the page's export).
    pub shard: Option<Shard>,
    /// The `experiment` column, parsed; `None` when `shard` is.
    pub experiment: Option<Config>,
}

/// Reads a CSV: its runs ([`runs_from_csv`]) and its [`FILE_COLUMNS`], which every row
/// must agree on. Errors name the line and the column.
pub fn read_csv(text: &str) -> Result<CsvFile, String> {
    let runs = runs_from_csv(text)?;
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let header = rd.headers().map_err(|e| csv_error(&e, 1))?.clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (shard_col, exp_col) = (col(FILE_COLUMNS[0]), col(FILE_COLUMNS[1]));
    let mut first: Option<(u64, String, String)> = None;
    for row in rd.records() {
        let row = row.map_err(|e| csv_error(&e, 0))?;
        let line = row.position().map_or(0, |p| p.line());
        let get = |c: Option<usize>| c.and_then(|c| row.get(c)).unwrap_or("").to_string();
        let (shard, exp) = (get(shard_col), get(exp_col));
        match &first {
            None => first = Some((line, shard, exp)),
            Some((l, s, e)) => {
                if *s != shard {
                    return Err(format!(
                        "line {line}: shard `{shard}` but line {l} says `{s}`: a file holds one shard"
                    ));
                }
                if *e != exp {
                    return Err(format!(
                        "line {line}: its experiment differs from line {l}'s: a file holds one experiment"
                    ));
                }
            }
        }
    }
    let (shard, experiment) = match first {
        Some((line, s, e)) if !s.is_empty() => {
            let shard = Shard::parse(&s).map_err(|m| format!("line {line}: {m}"))?;
            let exp = Config::from_query(&e)
                .and_then(|c| c.validate().map(|_| c))
                .map_err(|m| format!("line {line}: experiment: {m}"))?;
            (Some(shard), Some(exp))
        }
        _ => (None, None),
    };
    Ok(CsvFile {
        runs,
        shard,
        experiment,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::record;
    use super::*;

    #[test]
    fn csv_rows_reproduce_the_run() {
        let cfg = Config::from_query("k=3&lr0=0.003&opt=adam").unwrap();
        let run = RunResult {
            run: 2,
            config: cfg.clone(),
            repeat: 0,
            records: vec![record(1), record(2)],
        };
        let text = to_csv_string(&[run]);
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
        for col in [
            "run",
            "k",
            "batch",
            "rule",
            "optimizer",
            "lr0",
            "seed",
            "epoch",
            "step",
            "samples",
            "lr",
            "train_loss",
            "test_loss",
            "test_acc",
            "status",
        ] {
            assert!(header.iter().any(|h| h == col), "missing column {col}");
        }
        let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        // Rebuild the config from the row's parameter columns.
        let mut back = Config::default();
        for p in PARAMS {
            let col = header.iter().position(|h| h == p.csv).unwrap();
            back.set(p.name, &rows[0][col]).unwrap();
        }
        assert_eq!(back, cfg);
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        assert_eq!(&rows[1][col("epoch")], "2");
        assert_eq!(&rows[1][col("noise_scale")], "NaN");
        assert_eq!(&rows[1][col("status")], "running");
    }

    #[test]
    fn the_seed_column_is_the_trained_seed_and_csv_reads_back() {
        let cfg = Config::from_query("k=2&repeats=3&seed=40&lr0=1e-300").unwrap();
        let runs: Vec<RunResult> = (0..3)
            .map(|repeat| RunResult {
                run: repeat as usize,
                config: cfg.clone(),
                repeat,
                records: vec![record(1), record(2)],
            })
            .collect();
        let text = to_csv_string(&runs);
        let back = runs_from_csv(&text).unwrap();
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        let seeds: Vec<String> = rd
            .records()
            .map(|r| {
                r.unwrap()[PARAMS.iter().position(|p| p.name == "seed").unwrap() + 3].to_string()
            })
            .collect();
        assert_eq!(seeds, ["40", "40", "41", "41", "42", "42"]);
        assert!(text.contains(",1e-300,"), "{text}");
        assert_eq!(back.len(), 3);
        for (a, b) in runs.iter().zip(&back) {
            assert_eq!((a.run, a.repeat, &a.config), (b.run, b.repeat, &b.config));
            assert_eq!(a.records.len(), b.records.len());
            for (x, y) in a.records.iter().zip(&b.records) {
                assert_eq!(
                    (x.epoch, x.step, x.test_acc, x.lr),
                    (y.epoch, y.step, y.test_acc, y.lr)
                );
                assert!(y.noise_scale.is_nan() && (y.wall_ms - 12.3).abs() < 1e-9);
            }
        }
        assert!(runs_from_csv("run\n1\n").unwrap_err().contains("no column"));
    }

    /// A bad file's message names the line and the 1-based column where it goes wrong.
    #[test]
    fn errors_name_the_line_and_the_column() {
        let cfg = Config::from_query("k=1,2").unwrap();
        let runs: Vec<RunResult> = (0..2)
            .map(|run| RunResult {
                run,
                config: cfg.with_k(cfg.k[run]),
                repeat: 0,
                records: vec![record(1), record(2)],
            })
            .collect();
        let text = to_csv_string(&runs);
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
        let rows: Vec<Vec<String>> = rd
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        let column = |name: &str| header.iter().position(|h| h == name).unwrap();
        let write = |rows: &[Vec<String>]| {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(&header).unwrap();
            for r in rows {
                w.write_record(r).unwrap();
            }
            String::from_utf8(w.into_inner().unwrap()).unwrap()
        };
        // Replace one cell of line `line` (1-based, the header is line 1).
        let with = |line: usize, name: &str, value: &str| {
            let mut rows = rows.clone();
            rows[line - 2][column(name)] = value.to_string();
            write(&rows)
        };
        let acc = column("test_acc") + 1;
        assert_eq!(
            runs_from_csv(&with(4, "test_acc", "high")).unwrap_err(),
            format!("line 4, column {acc} (test_acc): `high` is not a number")
        );
        let step = column("step") + 1;
        assert_eq!(
            runs_from_csv(&with(2, "step", "-3")).unwrap_err(),
            format!("line 2, column {step} (step): `-3` is not a whole number")
        );
        let rule = column("rule") + 1;
        let e = runs_from_csv(&with(3, "rule", "cubic")).unwrap_err();
        assert!(
            e.starts_with(&format!("line 3, column {rule} (rule): unknown choice")),
            "{e}"
        );
        let status = column("status") + 1;
        assert!(runs_from_csv(&with(5, "status", "fine"))
            .unwrap_err()
            .starts_with(&format!("line 5, column {status} (status): `fine`")));
        // A row cut short: the first missing field is named.
        let cut = {
            let mut w = csv::WriterBuilder::new()
                .flexible(true)
                .from_writer(Vec::new());
            w.write_record(&header).unwrap();
            w.write_record(&rows[0][..rows[0].len() - 1]).unwrap();
            String::from_utf8(w.into_inner().unwrap()).unwrap()
        };
        assert_eq!(
            runs_from_csv(&cut).unwrap_err(),
            format!(
                "line 2, column {}: the row has {} fields but the header has {}",
                header.len(),
                header.len() - 1,
                header.len()
            )
        );
        // A cross-field check (warmup more than the epochs) points at its column.
        let warm = column("warmup") + 1;
        assert!(runs_from_csv(&with(2, "warmup", "50"))
            .unwrap_err()
            .starts_with(&format!("line 2, column {warm} (warmup): ")));
        assert!(runs_from_csv("a,b\n1,2\n")
            .unwrap_err()
            .starts_with("line 1: no column `run`"));
        // And an intact file still reads (the helper changes only what it is told to).
        assert_eq!(runs_from_csv(&with(2, "step", "0")).unwrap().len(), 2);
    }
}
