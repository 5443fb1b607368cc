//! The pinned numbers: a few short trainings on the real MNIST subset, run natively, with
//! every float recorded bit for bit in `tests/golden/runs.json`, a committed file.
//!
//! ```text
//! make golden                              # = cargo run --release --example golden
//! git diff tests/golden/                   # read what changed before committing it
//! ```
//!
//! Two tests read the committed file. `tests/pinned.rs` recomputes every run natively (with
//! [`build`] from this file) and asserts the same bits, so a change to the training numbers
//! fails `cargo test` with the fields that moved, until someone regenerates the file on
//! purpose and a reviewer reads its diff. `tests/web.rs` (`include_bytes!` / `include_str!`,
//! paths relative to the crate root) builds the same runs through the wasm `Trainer` handle
//! in Chrome and Firefox and asserts identical records, predictions and confusion matrices.
//! Nothing regenerates the file as a side effect of testing.
//!
//! Floats are written as the hex of their IEEE bits (`f64::to_bits`, `f32::to_bits`), not as
//! decimals: the comparison must not depend on any decimal printer or parser. NaN is
//! written too, but compared only as "is NaN", since NaN payloads differ between x86 and
//! wasm. The data files' length and FNV-1a hash are recorded so that a golden file made
//! from other data fails with a clear message instead of a wall of mismatches.
//!
//! The cases are small (128 or 256 training samples, 1 or 2 epochs: the file is a few tens
//! of KB and every run trains in well under a second) but cover what differs between runs:
//! every optimizer (SGD, momentum, Nesterov, Adam, Adagrad), every rule (none, linear,
//! sqrt) with k > 1, warmup, step and cosine decay, dropout 0 and 0.25, He init, standard
//! normalisation, repeats over seeds with `order=same` and `order=vary`, evaluations within
//! epochs (`evals=3`), and a rate high enough to diverge (past the old `diverge=100` threshold, which this case sets).

use std::path::Path;
use std::sync::Arc;

use lr_batch_playground::config::Config;
use lr_batch_playground::data;
use lr_batch_playground::files;
use lr_batch_playground::metrics::EpochRecord;
use lr_batch_playground::train::Trainer;
use serde_json::{json, Value};

/// (name, URL query): every k of each query is one run.
const CASES: &[(&str, &str)] = &[
    (
        "sgd-linear",
        "b0=8&lr0=0.01&k=1,4&epochs=2&train=256&dropout=0&seed=7",
    ),
    (
        "adam-sqrt",
        "b0=8&lr0=0.001&k=2&rule=sqrt&opt=adam&epochs=2&train=256&dropout=0&seed=11",
    ),
    (
        "nesterov-dropout",
        "b0=16&lr0=0.02&k=1&opt=nesterov&momentum=0.9&dropout=0.25&init=he&norm=standard\
         &warmup=1&decay=cosine&epochs=2&train=256&seed=3",
    ),
    (
        "repeats",
        "b0=8&lr0=0.01&k=2&repeats=2&order=vary&epochs=1&train=128&dropout=0.1&seed=9",
    ),
    (
        "repeats-same-order",
        "b0=8&lr0=0.01&k=1&repeats=2&order=same&epochs=1&train=128&dropout=0.25&seed=13",
    ),
    (
        "momentum-none-step",
        "b0=8&lr0=0.01&k=3&rule=none&opt=momentum&momentum=0.5&decay=step&epochs=2\
         &train=256&dropout=0.25&seed=17",
    ),
    (
        "adagrad-linear-warmup",
        "b0=4&lr0=0.005&k=2&opt=adagrad&warmup=1&epochs=2&train=200&dropout=0&seed=19",
    ),
    (
        "diverging",
        "b0=8&lr0=10&k=1&epochs=2&train=256&dropout=0&seed=5&diverge=100",
    ),
    (
        "evals-within-epochs",
        "b0=16&lr0=0.02&k=1&epochs=2&train=128&evals=3&dropout=0.25&seed=23",
    ),
];

/// Test samples whose predictions are recorded: the first few and some spread out.
const PREDICT: &[usize] = &[0, 1, 2, 3, 4, 5, 6, 7, 100, 500, 1000, 1999];

/// FNV-1a, 64 bit: enough to tell two data files apart, and a few lines to repeat in
/// the test.
fn fnv1a(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn hex64(v: f64) -> String {
    format!("{:016x}", v.to_bits())
}

fn record(r: &EpochRecord) -> Value {
    json!({
        "epoch": r.epoch,
        "step": r.step,
        "samples": r.samples,
        "batch": r.batch,
        "status": r.status,
        "lr": hex64(r.lr),
        "trainLoss": hex64(r.train_loss),
        "testLoss": hex64(r.test_loss),
        "testAcc": hex64(r.test_acc),
        "noiseScale": hex64(r.noise_scale),
        "wallMs": hex64(r.wall_ms),
    })
}

/// Where the pinned records live, relative to the crate root.
pub const GOLDEN_PATH: &str = "tests/golden/runs.json";
/// The data the runs train on, relative to the crate root.
pub const IMAGES_PATH: &str = "data/mnist/train-images-idx3-ubyte.gz";
pub const LABELS_PATH: &str = "data/mnist/train-labels-idx1-ubyte.gz";

/// The two MNIST files' bytes, or a message saying how to get them.
/// Read through `files`, the one native MNIST loader (size-checked).
pub fn read_data(root: &Path) -> Result<(Vec<u8>, Vec<u8>), String> {
    files::read_dir(&root.join(files::SUBSET_DIR))
        .map_err(|e| format!("{e} (run `make data` to write the MNIST subset)"))
}

/// Trains every case natively and returns the golden document (the file's content is
/// its pretty-printed JSON plus a newline). `log` prints one line per run.
pub fn build(images: &[u8], labels: &[u8], log: bool) -> Result<Value, Box<dyn std::error::Error>> {
    let mnist = data::load_mnist(images, labels)?;

    let mut runs = Vec::new();
    for &(name, query) in CASES {
        let cfg = Config::from_query(query)?;
        // The test hands this JSON to the wasm constructor: it must read back exactly.
        let cfg_json = cfg.to_json();
        assert_eq!(
            Config::from_json(&cfg_json)?,
            cfg,
            "{name}: JSON round trip"
        );
        let runs_of_case = cfg
            .k
            .iter()
            .flat_map(|&k| (0..cfg.repeats).map(move |r| (k, r)));
        for (k, repeat) in runs_of_case {
            let split = Arc::new(data::split(&mnist, cfg.train, cfg.norm));
            let n_test = split.test.len();
            let mut t = Trainer::new_repeat(&cfg, k, repeat, split)?;
            let plan = t.plan().clone();
            t.run_to_end();
            let (preds, probs) = t.predict_test(PREDICT);
            let test_labels: Vec<u8> = PREDICT.iter().map(|&i| t.data().test.labels[i]).collect();
            let probs: Vec<Vec<String>> = probs
                .chunks(lr_batch_playground::model::CLASSES)
                .map(|c| c.iter().map(|p| format!("{:08x}", p.to_bits())).collect())
                .collect();
            let history = t.history().to_vec();
            let last = history.last().cloned();
            if log {
                eprintln!(
                    "{name} k={k} repeat {repeat}: {} epochs, {} steps, status {:?}, test acc {:?}",
                    history.len(),
                    t.steps_done(),
                    t.status(),
                    last.map(|r| r.test_acc)
                );
            }
            runs.push(json!({
                "name": name,
                "query": query,
                "config": cfg_json,
                "k": k,
                "repeat": repeat,
                "plan": {
                    "k": plan.k,
                    "batch": plan.batch,
                    "lr": hex64(plan.lr),
                    "kEff": hex64(plan.k_eff),
                    "stepsPerEpoch": plan.steps_per_epoch(),
                    "totalSteps": plan.total_steps(),
                    "nTrain": plan.n_train,
                    "nTest": n_test,
                },
                "records": history.iter().map(record).collect::<Vec<_>>(),
                "predict": {
                    "indices": PREDICT,
                    "preds": preds,
                    "probs": probs,
                    "labels": test_labels,
                },
                "confusion": t.confusion(),
            }));
        }
    }

    Ok(json!({
        "about": "written by examples/golden.rs (make golden); floats are IEEE bit patterns in hex",
        "data": {
            "images": {"path": IMAGES_PATH, "len": images.len(), "fnv1a": fnv1a(images)},
            "labels": {"path": LABELS_PATH, "len": labels.len(), "fnv1a": fnv1a(labels)},
        },
        "runs": runs,
    }))
}

/// The file's exact text for a golden document: objects indented one key a line, arrays
/// of numbers and strings on one line (so a changed number is a one-line diff and the file
/// stays small), a newline at the end.
pub fn to_text(golden: &Value) -> String {
    let mut out = String::new();
    write_value(golden, 0, &mut out);
    out.push('\n');
    out
}

fn write_value(v: &Value, indent: usize, out: &mut String) {
    let pad = |n: usize| "  ".repeat(n);
    let compact = |v: &Value| !matches!(v, Value::Object(_) | Value::Array(_));
    match v {
        Value::Object(map) if !map.is_empty() => {
            out.push_str("{\n");
            for (i, (k, x)) in map.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                out.push_str(&Value::String(k.clone()).to_string());
                out.push_str(": ");
                write_value(x, indent + 1, out);
                out.push_str(if i + 1 < map.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push('}');
        }
        Value::Array(xs) if !xs.is_empty() && !xs.iter().all(compact) => {
            out.push_str("[\n");
            for (i, x) in xs.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                write_value(x, indent + 1, out);
                out.push_str(if i + 1 < xs.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push(']');
        }
        _ => out.push_str(&v.to_string()),
    }
}

#[allow(dead_code)] // tests/pinned.rs includes this file for `build` and never calls `main`
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (images, labels) = read_data(root)?;
    let golden = build(&images, &labels, true)?;
    let out = root.join(GOLDEN_PATH);
    std::fs::create_dir_all(out.parent().expect("a file path has a parent"))?;
    std::fs::write(&out, to_text(&golden))?;
    eprintln!("wrote {GOLDEN_PATH}: review `git diff {GOLDEN_PATH}` before committing it");
    Ok(())
}
