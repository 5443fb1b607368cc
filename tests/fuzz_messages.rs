//! Fuzzing what the page's messages hand the core, with fixed seeds: experiment configs
//! as JSON (`Config::from_json`, what every worker and wasm export receives), and the run
//! records the page sends back for charts, the landscape and the CSV export.
//!
//! The page reads records through mirrors in `src/web/records.rs` that exist only in the
//! wasm build; they turn `null` floats into NaN and otherwise hand over the core types
//! ([`EpochRecord`], [`RunResult`]) unchanged, with the run's config *not* validated. So
//! the records are fuzzed here as those core types: from mutated JSON (serde's side), and
//! as values with every float a record can carry (NaN, infinities, extremes) fed to
//! `Landscape::new`, the CSV writer and both SVG drawings.
//!
//! Properties, for every input: no panic (caught, reported with the case's seed); a
//! config is either valid and round-trips exactly (JSON and URL query) or is a
//! [`ConfigError`] naming a known parameter or `json`; memory bounded by a counting
//! allocator (largest single allocation and total, which also bound the work; no clock).
//! A failure names its seed; `FUZZ_SHOW=<seed>` prints that case's input.

use std::panic::{catch_unwind, AssertUnwindSafe};

mod common;

use common::Gen;
use lr_batch_playground::config::{Config, Mode, PARAMS};
use lr_batch_playground::landscape::{steps_to_target, Landscape};
use lr_batch_playground::metrics::{csv_header, to_csv_string, EpochRecord, RunResult, Status};
use lr_batch_playground::plot::{
    landscape_svg_string, svg_string, Curve, HeatValue, Metric, PlotOptions, Theme, XAxis,
};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------
// Allocation counting (per thread: tests run in parallel)

#[global_allocator]
static ALLOC: common::Counting = common::Counting;

/// Runs `f` (panics caught); returns its result, the largest single allocation and the
/// total allocated.
fn measured<T>(f: impl FnOnce() -> T) -> (std::thread::Result<T>, usize, usize) {
    let (r, a) = common::allocations(|| catch_unwind(AssertUnwindSafe(f)));
    (r, a.largest, a.total)
}

// ---------------------------------------------------------------------------------------
// Deterministic generation

/// Values a URL or a control might give each parameter, good and bad.
const TEXT_VALUES: &[&str] = &[
    "1",
    "2",
    "8",
    "64",
    "full",
    "0",
    "-1",
    "0.1",
    "1e-3",
    "0.05",
    "10",
    "200",
    "1000",
    "8000",
    "60000",
    "linear",
    "sqrt",
    "none",
    "step",
    "cosine",
    "sgd",
    "adam",
    "momentum",
    "nesterov",
    "adagrad",
    "standard",
    "same",
    "vary",
    "landscape",
    "curves",
    "xavier",
    "he",
    "pytorch",
    "1-7",
    "1-64",
    "1,2,4",
    "8-256*2",
    "8,32,128",
    "0.001:10:6",
    "0.01,0.1,1",
    "95",
    "3",
];

/// A valid config reached by setting random parameters to random text (invalid settings
/// are refused by `set` and leave the config as it was).
fn random_config(g: &mut Gen) -> Config {
    let mut cfg = Config::default();
    for _ in 0..g.below(8) {
        let p = g.pick(PARAMS);
        let v = *g.pick(TEXT_VALUES);
        let before = cfg.clone();
        if cfg.set(p.name, v).is_err() {
            cfg = before;
        }
    }
    if cfg.validate().is_err() {
        return Config::default();
    }
    cfg
}

/// JSON values of every shape and extreme.
fn wild_value(g: &mut Gen) -> Value {
    match g.below(22) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(-1),
        3 => json!(0),
        4 => json!(u64::MAX),
        5 => json!(i64::MIN),
        6 => json!(4_294_967_296u64),
        7 => json!(1e308),
        8 => json!(-0.0),
        9 => json!(5e-324),
        10 => json!(g.next() as f64 / 1e10),
        11 => json!("full"),
        12 => json!("NaN"),
        13 => json!("x".repeat(g.below(3000))),
        14 => json!([]),
        15 => json!([1, 2, 3]),
        16 => Value::Array((0..g.below(5000)).map(|i| json!(i)).collect()),
        17 => json!({"a": 1}),
        18 => json!([null]),
        19 => json!(0.5),
        20 => json!(g.below(100_000)),
        _ => json!(*g.pick(TEXT_VALUES)),
    }
}

fn mutate_json(g: &mut Gen, cfg: &Config) -> String {
    let mut v: Value = serde_json::from_str(&cfg.to_json()).unwrap();
    let obj = v.as_object_mut().unwrap();
    let keys: Vec<String> = obj.keys().cloned().collect();
    for _ in 0..1 + g.below(3) {
        match g.below(5) {
            0 => {
                obj.remove(g.pick(&keys));
            }
            1 => {
                obj.insert(format!("unknown{}", g.below(3)), wild_value(g));
            }
            _ => {
                let k = g.pick(&keys).clone();
                obj.insert(k, wild_value(g));
            }
        }
    }
    let mut text = v.to_string();
    match g.below(12) {
        0 => {
            // Cut anywhere (on a character boundary).
            let mut at = g.below(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.truncate(at);
        }
        1 => {
            // A duplicated key: serde refuses it, as JSON.parse would keep the last.
            let k = g.pick(&keys).clone();
            text.insert_str(1, &format!("\"{k}\":1,"));
        }
        2 => {
            let depth = 1 + g.below(100_000);
            text = "[".repeat(depth) + &"]".repeat(depth);
        }
        3 => {
            let at = text.find(':').unwrap_or(0) + 1;
            let c = *g.pick(&['\u{0}', '"', '\\', '}', 'é', '\u{ffff}', '1', '-']);
            text.insert(at, c);
        }
        4 => text = format!("[{text}]"),
        5 => text = format!("{{\"k\":[{}]}}", "1,".repeat(g.below(200_000)) + "1"),
        _ => {}
    }
    text
}

// ---------------------------------------------------------------------------------------
// Configs as JSON

fn runs_expected(cfg: &Config) -> usize {
    let r = cfg.repeats as usize;
    match cfg.mode {
        Mode::Curves => cfg.k.len() * r,
        Mode::Landscape => cfg.grid_b.len() * cfg.grid_lr.len() * r,
        Mode::Range => cfg.grid_b.len() * r,
    }
}

#[test]
fn mutated_config_json_is_valid_and_round_trips_or_is_a_named_error() {
    const CASES: u64 = 4000;
    let names: Vec<&str> = PARAMS.iter().map(|p| p.name).collect();
    let mut failures = Vec::new();
    let (mut accepted, mut longest_message) = (0, (0usize, 0usize));
    for seed in 0..CASES {
        let mut g = Gen(seed);
        let base = random_config(&mut g);
        let text = if g.chance(8) {
            base.to_json()
        } else {
            mutate_json(&mut g, &base)
        };
        let (r, largest, total) = measured(|| Config::from_json(&text));
        if std::env::var("FUZZ_SHOW").ok() == Some(seed.to_string()) {
            println!("{text}\n{r:?}");
        }
        let Ok(r) = r else {
            failures.push(format!("seed {seed}: PANIC on {:.200}", text));
            continue;
        };
        // Linear in the input, never more. The constant is set by the worst case seen:
        // an over-long k list is formatted back, item by item, into the error's value
        // (about 24 bytes of allocation per 2-character item), and checked for repeated
        // values (a sorted copy) before it is shortened.
        let n = text.len();
        if largest > 32 * n + 65_536 || total > 96 * n + 262_144 {
            failures.push(format!(
                "seed {seed}: {n} bytes of JSON cost largest {largest}, total {total}"
            ));
        }
        match r {
            Ok(cfg) => {
                accepted += 1;
                let back = Config::from_json(&cfg.to_json());
                let query = Config::from_query(&cfg.to_query());
                if cfg.validate().is_err()
                    || back.as_ref() != Ok(&cfg)
                    || query.as_ref() != Ok(&cfg)
                {
                    failures.push(format!(
                        "seed {seed}: accepted {text:.200} but round trip gives {back:?} / {query:?}"
                    ));
                }
                let (runs, _, total) = measured(|| cfg.runs().len());
                // At most 12 × 12 cells × 10 repeats: a bound the config's ranges impose.
                if runs.ok() != Some(runs_expected(&cfg)) || total > 16 << 20 {
                    failures.push(format!("seed {seed}: runs() allocated {total}"));
                }
            }
            Err(e) => {
                let msg = e.to_string();
                if !(e.param == "json" || names.contains(&e.param.as_str())) || msg.is_empty() {
                    failures.push(format!("seed {seed}: unnamed error {e:?}"));
                }
                if msg.len() > longest_message.0 {
                    longest_message = (msg.len(), n);
                }
                // Text that reaches a notice grows at most with the input (the constant
                // covers the longest fixed text: a list of every parameter, and an
                // extreme number written back in full, twice).
                if msg.len() > n + 1000 {
                    failures.push(format!("seed {seed}: {}-byte message", msg.len()));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    assert!(
        accepted > CASES as usize / 20 && accepted < CASES as usize / 2,
        "{accepted} of {CASES} accepted: the mutations are too weak or too strong"
    );
    println!(
        "{accepted} of {CASES} accepted; longest message {} bytes (from {} bytes of JSON)",
        longest_message.0, longest_message.1
    );
}

#[test]
fn reported_config_inputs_are_named_errors() {
    // Inputs from the reports, as JSON: overflow-prone sizes, the largest experiment, an
    // extreme rate (valid: it must round-trip exactly), and a flood of unknown keys.
    let flood = format!(
        "{{{}}}",
        (0..20_000)
            .map(|i| format!("\"z{i}\":1"))
            .collect::<Vec<_>>()
            .join(",")
    );
    for (text, param) in [
        (
            r#"{"grid_b":[4294967296,18446744073709551615]}"#.to_string(),
            "grid_b",
        ),
        (r#"{"k":[4294967296]}"#.to_string(), "json"),
        (r#"{"b0":18446744073709551615}"#.to_string(), "b0"),
        (
            r#"{"epochs":200,"repeats":10,"train":60000,"mode":"landscape"}"#.to_string(),
            "",
        ),
        (r#"{"lr0":1e-300}"#.to_string(), ""),
        (flood, "json"),
    ] {
        let (r, largest, _) = measured(|| Config::from_json(&text));
        let r = r.unwrap_or_else(|_| panic!("panic on {text:.100}"));
        assert!(
            largest <= 32 * text.len() + 65_536,
            "{text:.100}: {largest}"
        );
        match (r, param) {
            (Ok(cfg), "") => assert_eq!(Config::from_json(&cfg.to_json()), Ok(cfg)),
            (Ok(cfg), _) => panic!("{text:.100} accepted as {cfg:?}"),
            (Err(e), "json") => assert_eq!(e.param, "json", "{e}"),
            (Err(e), p) => assert!(
                e.param == p || e.param == "json",
                "{text:.100}: {e} names {}",
                e.param
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Records and runs

/// The floats a record can carry once `null` has become NaN: JSON has no infinities, but
/// finite extremes whose sums and spans overflow to them.
fn wild_f64(g: &mut Gen) -> f64 {
    match g.below(12) {
        0 | 1 => f64::NAN,
        2 => f64::MAX,
        3 => 0.0,
        4 => -0.0,
        5 => 1e308,
        6 => -1e308,
        7 => 5e-324,
        8 => g.next() as f64,
        _ => g.below(1000) as f64 / 1000.0,
    }
}

fn wild_record(g: &mut Gen, i: usize) -> EpochRecord {
    let plausible = g.chance(2);
    EpochRecord {
        epoch: if plausible {
            i as u32 + 1
        } else {
            g.next() as u32
        },
        step: if plausible {
            (i as u64 + 1) * 100
        } else {
            g.next()
        },
        samples: if plausible {
            (i as u64 + 1) * 800
        } else {
            g.next()
        },
        lr: wild_f64(g),
        batch: *g.pick(&[0, 1, 8, 8000, usize::MAX]),
        train_loss: wild_f64(g),
        test_loss: wild_f64(g),
        test_acc: wild_f64(g),
        noise_scale: wild_f64(g),
        peak_loss: wild_f64(g),
        epochs_done: wild_f64(g),
        noise_spread: wild_f64(g),
        wall_ms: wild_f64(g),
        status: *g.pick(&[
            Status::Running,
            Status::Done,
            Status::Collapsed,
            Status::Diverged,
            Status::Stopped,
        ]),
    }
}

/// An experiment and runs that claim to belong to it: some from its own run list, some
/// with configs no validation would pass (the page does not validate them again).
fn wild_runs(g: &mut Gen) -> (Config, Vec<RunResult>) {
    let mut cfg = random_config(g);
    if g.chance(2) {
        cfg.set("mode", "landscape").ok();
    }
    let specs = cfg.runs();
    let n = g.below(specs.len().min(24) + 1);
    let runs = (0..n)
        .map(|i| {
            let mut config = specs[g.below(specs.len())].config.clone();
            if g.chance(4) {
                config.b0 = *g.pick(&[0, usize::MAX]);
                config.lr0 = wild_f64(g);
                config.k = g.pick(&[vec![], vec![0], vec![u32::MAX]]).clone();
                config.epochs = g.next() as u32;
            }
            let most = if g.chance(10) { 500 } else { 12 };
            let len = g.below(most);
            RunResult {
                run: if g.chance(5) { usize::MAX } else { i },
                repeat: g.below(12) as u32,
                records: (0..len).map(|j| wild_record(g, j)).collect(),
                config,
            }
        })
        .collect();
    (cfg, runs)
}

fn record_count(runs: &[RunResult]) -> usize {
    runs.iter().map(|r| r.records.len()).sum()
}

#[test]
fn wild_records_reach_the_landscape_the_csv_and_the_charts_without_harm() {
    const CASES: u64 = 400;
    let mut failures = Vec::new();
    let header = csv_header().len();
    for seed in 0..CASES {
        let mut g = Gen(1_000_000 + seed);
        let (cfg, runs) = wild_runs(&mut g);
        let records = record_count(&runs);
        if std::env::var("FUZZ_SHOW").ok() == Some(seed.to_string()) {
            eprintln!(
                "seed {seed}: {} runs, {records} records\n{runs:?}",
                runs.len()
            );
        }
        let (r, largest, total) = measured(|| {
            let land = Landscape::new(&cfg, &runs);
            let best = land.best_steps();
            let reached: Vec<Option<f64>> = runs
                .iter()
                .map(|r| steps_to_target(&r.records, cfg.target))
                .collect();
            let csv = to_csv_string(&runs);
            let curves: Vec<Curve> = runs
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let mut c = Curve::new(format!("run {i}"), &r.records, i);
                    if i % 3 == 1 {
                        c.repeats = vec![&runs[i - 1].records];
                    }
                    c
                })
                .collect();
            let opts = PlotOptions {
                x: [XAxis::Epoch, XAxis::Samples, XAxis::Steps, XAxis::Time][seed as usize % 4],
                log_loss: seed % 2 == 0,
                metrics: if seed % 5 == 0 {
                    vec![Metric::Lr, Metric::NoiseScale]
                } else {
                    Metric::ALL.to_vec()
                },
                runs: runs.len(),
                font: [1.0, 0.5, 2.0][seed as usize % 3],
                dpr: [1.0, 2.0, 3.0][seed as usize % 3],
                overlay: seed % 3 == 0,
                theme: [Theme::Light, Theme::Dark][seed as usize % 2],
            };
            let svg = svg_string(&curves, &opts, (640, 480));
            let heat = if seed % 2 == 0 {
                HeatValue::Accuracy
            } else {
                HeatValue::Loss
            };
            let map = landscape_svg_string(&land, heat, (800, 400));
            (land, best, reached, csv, svg, map)
        });
        let Ok((land, best, reached, csv, svg, map)) = r else {
            failures.push(format!(
                "seed {seed}: PANIC ({} runs, {records} records)",
                runs.len()
            ));
            continue;
        };
        // Drawing costs grow with the records drawn, never with the values in them.
        let bound = (8 << 20) + 4096 * records;
        if largest > bound || total > 8 * bound {
            failures.push(format!(
                "seed {seed}: {records} records cost largest {largest}, total {total}"
            ));
        }
        if land.cells.len() != cfg.grid_b.len()
            || land.cells.iter().any(|row| row.len() != cfg.grid_lr.len())
            || best.len() != cfg.grid_b.len()
        {
            failures.push(format!("seed {seed}: landscape shape"));
        }
        for c in land.cells.iter().flatten() {
            if c.done > runs.len() {
                failures.push(format!(
                    "seed {seed}: cell counts {} runs of {}",
                    c.done,
                    runs.len()
                ));
            }
        }
        if reached.iter().flatten().any(|s| s.is_nan()) {
            failures.push(format!("seed {seed}: steps to target is NaN"));
        }
        let mut rows = csv::Reader::from_reader(csv.as_bytes());
        let widths: Vec<usize> = rows
            .records()
            .map(|r| r.map(|r| r.len()).unwrap_or(0))
            .collect();
        if widths.len() != records || widths.iter().any(|&w| w != header) {
            failures.push(format!(
                "seed {seed}: CSV has {} rows for {records} records",
                widths.len()
            ));
        }
        for (what, drawn) in [("curves", &svg), ("landscape", &map)] {
            match drawn {
                Ok(s) if s.len() > (1 << 20) + 2048 * records => {
                    failures.push(format!("seed {seed}: {what} SVG of {} bytes", s.len()))
                }
                Ok(s) if !s.starts_with("<svg") => {
                    failures.push(format!("seed {seed}: {what} is not SVG"))
                }
                Err(e) if e.is_empty() => {
                    failures.push(format!("seed {seed}: {what}: empty error"))
                }
                _ => {}
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}

#[test]
fn mutated_runs_json_parses_to_the_same_runs_or_fails_cleanly() {
    // The core's serde side of the records: a run list written by the core, mutated, read
    // back. What parses must write back to the same JSON (finite floats only: the core
    // types write non-finite numbers as null, which they do not read).
    const CASES: u64 = 1500;
    let mut failures = Vec::new();
    let mut accepted = 0;
    for seed in 0..CASES {
        let mut g = Gen(2_000_000 + seed);
        let (_, mut runs) = wild_runs(&mut g);
        for r in &mut runs {
            r.records.truncate(20);
            for rec in &mut r.records {
                for v in [
                    &mut rec.lr,
                    &mut rec.train_loss,
                    &mut rec.test_loss,
                    &mut rec.test_acc,
                    &mut rec.noise_scale,
                    &mut rec.wall_ms,
                ] {
                    if !v.is_finite() {
                        *v = 0.25;
                    }
                }
            }
            if !r.config.lr0.is_finite() {
                r.config.lr0 = 0.5;
            }
        }
        let mut v = serde_json::to_value(&runs).unwrap();
        if let Some(arr) = v.as_array_mut() {
            for _ in 0..g.below(4) {
                if arr.is_empty() {
                    break;
                }
                let i = g.below(arr.len());
                let run = arr[i].as_object_mut().unwrap();
                match g.below(4) {
                    0 => {
                        run.insert("records".into(), wild_value(&mut g));
                    }
                    1 => {
                        if let Some(Value::Array(recs)) = run.get_mut("records") {
                            if let Some(Value::Object(r)) = recs.first_mut() {
                                let k = ["epoch", "step", "lr", "status", "testAcc", "batch"]
                                    [g.below(6)];
                                r.insert(k.into(), wild_value(&mut g));
                            }
                        }
                    }
                    2 => {
                        run.insert("config".into(), wild_value(&mut g));
                    }
                    _ => {
                        run.insert("repeat".into(), wild_value(&mut g));
                    }
                }
            }
        }
        let text = v.to_string();
        let n = text.len();
        let (r, largest, total) = measured(|| serde_json::from_str::<Vec<RunResult>>(&text));
        let Ok(r) = r else {
            failures.push(format!("seed {seed}: PANIC"));
            continue;
        };
        if largest > 8 * n + 4096 || total > 32 * n + 65_536 {
            failures.push(format!(
                "seed {seed}: {n} bytes cost largest {largest}, total {total}"
            ));
        }
        match r {
            Ok(parsed) => {
                accepted += 1;
                let again = serde_json::to_string(&parsed).unwrap();
                let reparsed: Vec<RunResult> = serde_json::from_str(&again).unwrap();
                if serde_json::to_string(&reparsed).unwrap() != again {
                    failures.push(format!("seed {seed}: round trip differs"));
                }
            }
            Err(e) if e.to_string().is_empty() => {
                failures.push(format!("seed {seed}: empty error"))
            }
            Err(_) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    assert!(accepted > CASES as usize / 10, "only {accepted} accepted");
}
