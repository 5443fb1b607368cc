//! Writes the golden file the browser tests compare against: a few short trainings on
//! the real MNIST subset, run natively, with every float recorded bit for bit.
//!
//! ```text
//! cargo run --release --example golden     # reads data/mnist/, writes target/golden/web.json
//! ```
//!
//! `tests/web.rs` embeds the same two data files and this output (`include_bytes!` /
//! `include_str!`, paths relative to the crate root, so a `CARGO_TARGET_DIR` elsewhere does
//! not move them), builds the same runs through the wasm `Trainer` handle and asserts
//! identical records, predictions and confusion matrices. `scripts/wasm-test.sh` runs this
//! first, so the file always matches the current core.
//!
//! Floats are written as the hex of their IEEE bits (`f64::to_bits`, `f32::to_bits`), not as
//! decimals: the comparison must not depend on any decimal printer or parser. NaN is
//! written too, but compared only as "is NaN", since NaN payloads differ between x86 and
//! wasm. The data files' length and FNV-1a hash are recorded so that a golden file made
//! from other data fails with a clear message instead of a wall of mismatches.
//!
//! The cases are small (256 training samples, 2 epochs) but cover what differs between
//! runs: k > 1 (bigger batches, scaled rate), Adam, Nesterov momentum with dropout,
//! He init, standard normalisation, warmup and cosine decay, repeats over seeds, and a
//! rate high enough to diverge.

use std::path::Path;
use std::sync::Arc;

use lr_batch_playground::config::Config;
use lr_batch_playground::data;
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
        "diverging",
        "b0=8&lr0=10&k=1&epochs=2&train=256&dropout=0&seed=5",
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let images_path = "data/mnist/train-images-idx3-ubyte.gz";
    let labels_path = "data/mnist/train-labels-idx1-ubyte.gz";
    let read = |p: &str| {
        std::fs::read(root.join(p))
            .map_err(|e| format!("{p}: {e} (run `make data` to write the MNIST subset)"))
    };
    let (images, labels) = (read(images_path)?, read(labels_path)?);
    let mnist = data::load_mnist(&images, &labels)?;

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
            eprintln!(
                "{name} k={k} repeat {repeat}: {} epochs, {} steps, status {:?}, test acc {:?}",
                history.len(),
                t.steps_done(),
                t.status(),
                last.map(|r| r.test_acc)
            );
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

    let golden = json!({
        "about": "written by examples/golden.rs; floats are IEEE bit patterns in hex",
        "data": {
            "images": {"path": images_path, "len": images.len(), "fnv1a": fnv1a(&images)},
            "labels": {"path": labels_path, "len": labels.len(), "fnv1a": fnv1a(&labels)},
        },
        "runs": runs,
    });
    let out = root.join("target/golden/web.json");
    std::fs::create_dir_all(out.parent().expect("a file path has a parent"))?;
    std::fs::write(&out, serde_json::to_string_pretty(&golden)? + "\n")?;
    eprintln!("wrote {}", out.display());
    Ok(())
}
