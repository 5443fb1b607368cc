//! Browser tests of the wasm boundary (`src/web/`), run by `scripts/wasm-test.sh` in
//! headless Chrome and Firefox through `wasm-pack test`.
//!
//! What only a browser can show, and nothing the native tests already cover:
//! 1. the `Trainer` handle, trained in wasm on the real MNIST subset, reproduces the native
//!    numbers bit for bit (records, plan, predictions, confusion matrix) against the golden
//!    file `examples/golden.rs` writes to `target/golden/web.json`;
//! 2. `drawChart` really draws on a canvas (pixels read back, run colours present);
//! 3. bad configs, bad numbers and bad data files come back as `Error`s naming the
//!    problem, never as panics;
//! 4. `parseQuery` keeps the good parameters and reports the bad ones.
//!
//! The tests call the `#[wasm_bindgen]` Rust functions directly: same code, same JSON
//! strings as JS sees. Exactness without trusting a decimal parser: expected values are
//! rebuilt from the golden file's bit patterns and *serialised* here with the same serde
//! types, then compared as text with what the handle returned. The shortest-round-trip
//! float printer is deterministic and injective, so equal text means equal bits (NaN,
//! whose payload differs between x86 and wasm, prints as `null` on both sides).
//!
//! Native builds skip this file entirely (the golden file need not exist for
//! `cargo test`).
#![cfg(target_arch = "wasm32")]

use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use lr_batch_playground::config::Norm;
use lr_batch_playground::data;
use lr_batch_playground::metrics::{EpochRecord, Status};
use lr_batch_playground::web::{self, RecordIn, WasmTrainer};

wasm_bindgen_test_configure!(run_in_browser);

const IMAGES: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/mnist/train-images-idx3-ubyte.gz"
));
const LABELS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/mnist/train-labels-idx1-ubyte.gz"
));
/// Written by `cargo run --release --example golden` (scripts/wasm-test.sh does it first).
const GOLDEN: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/runs.json"
));

// ---- the golden file ---------------------------------------------------------------

#[derive(Deserialize)]
struct Golden {
    data: GoldenData,
    runs: Vec<GoldenRun>,
}

#[derive(Deserialize)]
struct GoldenData {
    images: FileId,
    labels: FileId,
}

#[derive(Deserialize)]
struct FileId {
    len: usize,
    fnv1a: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GoldenRun {
    name: String,
    config: String,
    k: u32,
    #[serde(default)]
    repeat: u32,
    plan: GoldenPlan,
    records: Vec<GoldenRecord>,
    predict: GoldenPredict,
    confusion: Vec<Vec<u32>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GoldenPlan {
    k: u32,
    batch: usize,
    lr: String,
    k_eff: String,
    steps_per_epoch: u64,
    total_steps: u64,
    n_train: usize,
    n_test: usize,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GoldenRecord {
    epoch: u32,
    step: u64,
    samples: u64,
    batch: usize,
    status: Status,
    lr: String,
    train_loss: String,
    test_loss: String,
    test_acc: String,
    noise_scale: String,
    wall_ms: String,
}

#[derive(Deserialize)]
struct GoldenPredict {
    indices: Vec<u32>,
    preds: Vec<u8>,
    probs: Vec<Vec<String>>,
    labels: Vec<u8>,
}

fn f64_hex(s: &str) -> f64 {
    f64::from_bits(u64::from_str_radix(s, 16).expect("golden: bad f64 hex"))
}

fn f32_hex(s: &str) -> f32 {
    f32::from_bits(u32::from_str_radix(s, 16).expect("golden: bad f32 hex"))
}

impl GoldenRecord {
    fn to_record(&self) -> EpochRecord {
        EpochRecord {
            epoch: self.epoch,
            step: self.step,
            samples: self.samples,
            lr: f64_hex(&self.lr),
            batch: self.batch,
            train_loss: f64_hex(&self.train_loss),
            test_loss: f64_hex(&self.test_loss),
            test_acc: f64_hex(&self.test_acc),
            noise_scale: f64_hex(&self.noise_scale),
            wall_ms: f64_hex(&self.wall_ms),
            status: self.status,
        }
    }
}

/// The shape `Trainer.plan()` returns, field for field, to serialise the expectation.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlanText {
    k: u32,
    batch: usize,
    lr: f64,
    k_eff: f64,
    steps_per_epoch: u64,
    total_steps: u64,
    n_train: usize,
    n_test: usize,
}

/// The shape `Trainer.predict()` returns.
#[derive(Serialize)]
struct PredictText {
    preds: Vec<u8>,
    probs: Vec<Vec<f32>>,
    labels: Vec<u8>,
}

/// What `Trainer.step()` returns, read back (floats nullable).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StepIn {
    steps: u64,
    last_loss: Option<f32>,
    status: String,
    epochs: Vec<RecordIn>,
}

fn fnv1a(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn golden() -> Golden {
    let g: Golden = serde_json::from_str(GOLDEN).expect("target/golden/web.json is not valid");
    for (what, id, bytes) in [
        ("images", &g.data.images, IMAGES),
        ("labels", &g.data.labels, LABELS),
    ] {
        assert!(
            id.len == bytes.len() && id.fnv1a == fnv1a(bytes),
            "the golden file was made from another {what} file than data/mnist/: \
             rerun `cargo run --release --example golden`"
        );
    }
    g
}

/// The message of the `Error` a `JsError` becomes in JS.
fn message(e: wasm_bindgen::JsError) -> String {
    JsValue::from(e)
        .dyn_into::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|v| format!("(not an Error: {v:?})"))
}

fn trainer_error(config: &str, k: f64, images: &[u8], labels: &[u8]) -> String {
    match WasmTrainer::new(config, k, images, labels, None) {
        Ok(_) => panic!("Trainer({config}, {k}) should have failed"),
        Err(e) => message(e),
    }
}

/// Field-by-field differences between two record lists, for a readable failure.
fn describe_diff(expected: &[EpochRecord], actual_json: &str) -> String {
    let actual: Vec<RecordIn> = match serde_json::from_str(actual_json) {
        Ok(v) => v,
        Err(e) => return format!("history() is not a record list: {e}: {actual_json}"),
    };
    let mut out = format!(
        "{} records expected, {} returned\n",
        expected.len(),
        actual.len()
    );
    for (i, (e, a)) in expected.iter().zip(actual).enumerate() {
        let a = EpochRecord::from(a);
        let fields = [
            ("lr", e.lr, a.lr),
            ("trainLoss", e.train_loss, a.train_loss),
            ("testLoss", e.test_loss, a.test_loss),
            ("testAcc", e.test_acc, a.test_acc),
        ];
        for (name, x, y) in fields {
            if x.to_bits() != y.to_bits() && !(x.is_nan() && y.is_nan()) {
                out += &format!(
                    "  record {i} {name}: native {x:e} ({:016x}), wasm {y:e} ({:016x})\n",
                    x.to_bits(),
                    y.to_bits()
                );
            }
        }
        if (e.epoch, e.step, e.samples, e.batch, e.status)
            != (a.epoch, a.step, a.samples, a.batch, a.status)
        {
            out += &format!("  record {i}: native {e:?}\n             wasm   {a:?}\n");
        }
    }
    out
}

// ---- 1. the handle reproduces the native numbers ------------------------------------

#[wasm_bindgen_test]
fn trainer_matches_native_bit_for_bit() {
    web::start();
    let g = golden();
    assert!(g.runs.len() >= 4, "the golden file has too few runs");
    // Uneven chunk sizes: an epoch boundary falls inside some chunks and at the end of
    // others, and the numbers must not depend on how the worker slices the run.
    let chunks = [1.0, 7.0, 50.0, 3.0];
    // Structure (epoch count, steps, status) is asserted at once; numeric differences are
    // collected over every run, so one failure shows the whole picture.
    let mut diffs: Vec<String> = Vec::new();
    for run in &g.runs {
        let label = format!("{} k={} repeat {}", run.name, run.k, run.repeat);
        let repeat = Some(run.repeat as f64);
        let mut t = WasmTrainer::new(&run.config, run.k as f64, IMAGES, LABELS, repeat)
            .unwrap_or_else(|e| panic!("{label}: {}", message(e)));

        let p = &run.plan;
        let want = serde_json::to_string(&PlanText {
            k: p.k,
            batch: p.batch,
            lr: f64_hex(&p.lr),
            k_eff: f64_hex(&p.k_eff),
            steps_per_epoch: p.steps_per_epoch,
            total_steps: p.total_steps,
            n_train: p.n_train,
            n_test: p.n_test,
        })
        .unwrap();
        let plan = t.plan().unwrap();
        if plan != want {
            diffs.push(format!("{label}: plan\n  wasm   {plan}\n  native {want}"));
        }

        let expected: Vec<EpochRecord> = run.records.iter().map(GoldenRecord::to_record).collect();
        let mut seen = 0; // records received so far through step()
        let mut steps = 0;
        let mut status = String::from("running");
        for call in 0.. {
            assert!(call < 10_000, "{label}: the run never ends");
            let text = t.step(chunks[call % chunks.len()]).unwrap();
            let s: StepIn =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{label}: {e}: {text}"));
            steps += s.steps;
            if s.steps > 0 {
                assert!(
                    s.last_loss.is_some_and(f32::is_finite),
                    "{label}: lastLoss in {text}"
                );
            }
            // Each finished epoch arrives once, in order, with exactly the native text.
            for r in &s.epochs {
                assert!(
                    seen < expected.len(),
                    "{label}: more epochs than natively: {text}"
                );
                assert_eq!(r.epoch, expected[seen].epoch, "{label}: epoch order");
                let want = serde_json::to_string(&expected[seen]).unwrap();
                if !text.contains(&want) {
                    diffs.push(format!(
                        "{label}: step() record {seen}\n  wasm   {text}\n  native {want}"
                    ));
                }
                seen += 1;
            }
            status = s.status;
            if status != "running" {
                break;
            }
        }
        assert_eq!(
            seen,
            expected.len(),
            "{label}: epochs received through step()"
        );
        let last = expected.last().expect("golden runs have records");
        assert_eq!(status, last.status.as_str(), "{label}: final status");
        assert_eq!(steps, last.step, "{label}: steps reported by step()");

        let history = t.history().unwrap();
        if history != serde_json::to_string(&expected).unwrap() {
            diffs.push(format!(
                "{label}: history\n{}",
                describe_diff(&expected, &history)
            ));
        }

        // Once ended, step() is a no-op that still says how the run ended.
        let after: StepIn = serde_json::from_str(&t.step(5.0).unwrap()).unwrap();
        assert_eq!(
            (after.steps, after.last_loss, after.epochs.len()),
            (0, None, 0)
        );
        assert_eq!(after.status, status);

        let gp = &run.predict;
        let want = serde_json::to_string(&PredictText {
            preds: gp.preds.clone(),
            probs: gp
                .probs
                .iter()
                .map(|row| row.iter().map(|h| f32_hex(h)).collect())
                .collect(),
            labels: gp.labels.clone(),
        })
        .unwrap();
        let got = t.predict(&gp.indices).unwrap();
        if got != want {
            diffs.push(format!("{label}: predict\n  wasm   {got}\n  native {want}"));
        }

        let want = serde_json::to_string(&run.confusion).unwrap();
        let got = t.confusion().unwrap();
        if got != want {
            diffs.push(format!(
                "{label}: confusion\n  wasm   {got}\n  native {want}"
            ));
        }
    }
    assert!(
        diffs.is_empty(),
        "wasm differs from native in {} places:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

#[wasm_bindgen_test]
fn stop_ends_a_run() {
    let cfg = r#"{"train": 64, "epochs": 3, "dropout": 0}"#;
    let mut t = WasmTrainer::new(cfg, 1.0, IMAGES, LABELS, None).unwrap();
    let s: StepIn = serde_json::from_str(&t.step(3.0).unwrap()).unwrap();
    assert_eq!((s.steps, s.status.as_str()), (3, "running"));
    t.stop();
    let s: StepIn = serde_json::from_str(&t.step(10.0).unwrap()).unwrap();
    assert_eq!(
        (s.steps, s.status.as_str(), s.epochs.len()),
        (0, "stopped", 0)
    );
    assert_eq!(s.last_loss, None, "no step taken: lastLoss is null");
    assert_eq!(t.history().unwrap(), "[]");
}

#[wasm_bindgen_test]
fn test_images_are_the_original_bytes() {
    // Standard normalisation: the bytes must come back exactly, not the f32 inputs.
    let cfg = r#"{"train": 256, "norm": "standard"}"#;
    let t = WasmTrainer::new(cfg, 1.0, IMAGES, LABELS, None).unwrap();
    let m = data::load_mnist(IMAGES, LABELS).unwrap();
    let split = data::split(&m, 256, Norm::Standard);
    assert!(split.std != 1.0, "the test needs a real normalisation");
    let idx = [0u32, 5, 1999];
    let bytes = t.test_images(&idx).unwrap();
    assert_eq!(bytes.len(), idx.len() * 784);
    for (j, &i) in idx.iter().enumerate() {
        let x = split.test.image(i as usize);
        for (p, (&b, &v)) in bytes[j * 784..(j + 1) * 784].iter().zip(x).enumerate() {
            let back = ((v * split.std + split.mean) * 255.0).round();
            assert_eq!(b as f32, back, "image {i} pixel {p}");
        }
    }
    assert!(
        bytes.iter().any(|&b| b > 200) && bytes.contains(&0),
        "not a digit image"
    );
    assert!(t.test_images(&[]).unwrap().is_empty());
    let e = message(t.test_images(&[3, 2000]).unwrap_err());
    assert!(e.contains("2000") && e.contains("out of range"), "{e}");
}

#[wasm_bindgen_test]
fn predict_checks_indices_and_gives_probabilities() {
    let mut t = WasmTrainer::new(r#"{"train": 64}"#, 1.0, IMAGES, LABELS, None).unwrap();
    let e = message(t.predict(&[0, 4_000_000]).unwrap_err());
    assert!(e.contains("4000000") && e.contains("out of range"), "{e}");
    let e = message(t.predict(&vec![0; web::MAX_INDICES + 1]).unwrap_err());
    assert!(e.contains("at most"), "{e}");
    let e = message(t.test_images(&vec![0; web::MAX_INDICES + 1]).unwrap_err());
    assert!(e.contains("at most"), "{e}");
    assert_eq!(
        t.predict(&[]).unwrap(),
        r#"{"preds":[],"probs":[],"labels":[]}"#
    );
    #[derive(Deserialize)]
    struct P {
        preds: Vec<u8>,
        probs: Vec<Vec<f32>>,
        labels: Vec<u8>,
    }
    let p: P = serde_json::from_str(&t.predict(&[0, 1, 2]).unwrap()).unwrap();
    assert_eq!((p.preds.len(), p.probs.len(), p.labels.len()), (3, 3, 3));
    for row in &p.probs {
        assert_eq!(row.len(), 10);
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-4, "{row:?}");
    }
    let m: Vec<Vec<u32>> = serde_json::from_str(&t.confusion().unwrap()).unwrap();
    assert_eq!(m.len(), 10);
    assert_eq!(
        m.iter().flatten().sum::<u32>(),
        2000,
        "every test sample counted once"
    );
}

// ---- 2. drawChart draws on a real canvas --------------------------------------------

fn canvas(w: u32, h: u32) -> HtmlCanvasElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let c: HtmlCanvasElement = doc.create_element("canvas").unwrap().dyn_into().unwrap();
    c.set_width(w);
    c.set_height(h);
    c
}

fn pixels(c: &HtmlCanvasElement) -> Vec<u8> {
    let ctx: CanvasRenderingContext2d = c.get_context("2d").unwrap().unwrap().dyn_into().unwrap();
    ctx.get_image_data(0.0, 0.0, c.width() as f64, c.height() as f64)
        .unwrap()
        .data()
        .0
}

fn rgb(hex: &str) -> [u8; 3] {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap();
    [(v >> 16) as u8, (v >> 8) as u8, v as u8]
}

/// Curves JSON from the golden runs, as a worker would send them: NaN as `null`.
fn curves_json(g: &Golden) -> String {
    let curves: Vec<serde_json::Value> = g
        .runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let recs: Vec<EpochRecord> = r.records.iter().map(GoldenRecord::to_record).collect();
            serde_json::json!({"label": format!("{} k={}", r.name, r.k), "color": i, "records": recs})
        })
        .collect();
    serde_json::to_string(&curves).unwrap()
}

#[wasm_bindgen_test]
fn draw_chart_paints_every_run() {
    let g = golden();
    let curves = curves_json(&g);
    assert!(
        curves.contains("null"),
        "the curves should exercise null floats"
    );
    let n = g.runs.len();
    let (w, h) = (900u32, 600u32);
    let c = canvas(w, h);
    let opts = format!(r#"{{"x": "epoch", "logLoss": false, "runs": {n}}}"#);
    web::draw_chart(&c, &curves, &opts).unwrap_or_else(|e| panic!("{}", message(e)));

    let px = pixels(&c);
    let total = (w * h) as usize;
    let non_white = px
        .chunks_exact(4)
        .filter(|p| p[0] < 250 || p[1] < 250 || p[2] < 250)
        .count();
    assert!(
        non_white > total / 50,
        "only {non_white} of {total} pixels drawn"
    );
    // Every run's colour appears (dots and lines are drawn in the palette colour; allow a
    // little for antialiasing).
    for i in 0..n {
        let want = rgb(&web::palette(i, n));
        let hits = px
            .chunks_exact(4)
            .filter(|p| (0..3).all(|c| (p[c] as i32 - want[c] as i32).abs() <= 6))
            .count();
        assert!(hits >= 20, "run {i} colour {want:?}: {hits} pixels");
    }

    // Every axis, a log scale, a subset of panels, a font scale: all draw without error.
    for x in ["samples", "steps", "time"] {
        let opts = format!(
            r#"{{"x": "{x}", "logLoss": true, "metrics": ["testAcc", "lr"], "runs": {n}, "font": 1.5}}"#
        );
        web::draw_chart(&c, &curves, &opts).unwrap_or_else(|e| panic!("{x}: {}", message(e)));
    }
    // Repeats (mean and band), the overlay and the noise-scale panel.
    let with_repeats: Vec<serde_json::Value> =
        serde_json::from_str::<Vec<serde_json::Value>>(&curves)
            .unwrap()
            .into_iter()
            .map(|mut c| {
                c["repeats"] = serde_json::json!([c["records"].clone(), c["records"].clone()]);
                c
            })
            .collect();
    let with_repeats = serde_json::to_string(&with_repeats).unwrap();
    for x in ["epoch", "steps"] {
        let opts = format!(
            r#"{{"x": "{x}", "overlay": true, "metrics": ["noiseScale", "testAcc", "trainLoss"]}}"#
        );
        web::draw_chart(&c, &with_repeats, &opts).unwrap_or_else(|e| panic!("{x}: {}", message(e)));
    }
    // Defaults for every option; an empty chart; tiny and hidden canvases.
    web::draw_chart(&c, &curves, "{}").unwrap();
    web::draw_chart(&c, "[]", "{}").unwrap();
    for (w, h) in [(0, 0), (0, 100), (1, 1), (40, 30), (120, 800)] {
        web::draw_chart(&canvas(w, h), &curves, "{}")
            .unwrap_or_else(|e| panic!("{w}×{h}: {}", message(e)));
    }
}

#[wasm_bindgen_test]
fn draw_chart_rejects_bad_input() {
    let c = canvas(300, 200);
    let cases = [
        ("[", "{}", "curves JSON"),
        (r#"[{"label": "a", "color": 0}]"#, "{}", "records"),
        ("[]", "{", "options JSON"),
        ("[]", r#"{"x": "hours"}"#, "hours"),
        ("[]", r#"{"logloss": true}"#, "logloss"),
        ("[]", r#"{"metrics": ["accuracy"]}"#, "accuracy"),
        ("[]", r#"{"font": 0}"#, "font"),
    ];
    for (curves, opts, needle) in cases {
        let e = message(web::draw_chart(&c, curves, opts).unwrap_err());
        assert!(
            e.starts_with("drawChart") && e.contains(needle),
            "{curves} {opts}: {e}"
        );
    }
}

// ---- 3. bad configs and bad data are errors, not panics -----------------------------

#[wasm_bindgen_test]
fn bad_configs_are_errors_naming_the_parameter() {
    let e = trainer_error("{", 1.0, IMAGES, LABELS);
    assert!(e.contains("`json`"), "{e}");
    let e = trainer_error(r#"{"lr0": -1}"#, 1.0, IMAGES, LABELS);
    assert!(e.contains("`lr0`") && e.contains("(0, 10]"), "{e}");
    let e = trainer_error(r#"{"epochs": 0}"#, 1.0, IMAGES, LABELS);
    assert!(e.contains("`epochs`"), "{e}");
    let e = trainer_error(r#"{"bogus": 1}"#, 1.0, IMAGES, LABELS);
    assert!(e.contains("bogus"), "{e}");
    for k in [0.0, 5000.0] {
        let e = trainer_error("{}", k, IMAGES, LABELS);
        assert!(e.contains("`k`") && e.contains("1 to 4096"), "k={k}: {e}");
    }
    for k in [-1.0, 1.5, f64::NAN, f64::INFINITY] {
        let e = trainer_error("{}", k, IMAGES, LABELS);
        assert!(
            e.contains("`k`") && e.contains("whole number"),
            "k={k}: {e}"
        );
    }

    let cfg = r#"{"repeats": 2}"#;
    let e = message(
        WasmTrainer::new(cfg, 1.0, IMAGES, LABELS, Some(2.0))
            .err()
            .unwrap(),
    );
    assert!(e.contains("`repeats`") && e.contains("repeat 2"), "{e}");
    let e = message(
        WasmTrainer::new(cfg, 1.0, IMAGES, LABELS, Some(-1.0))
            .err()
            .unwrap(),
    );
    assert!(e.contains("repeat"), "{e}");

    let mut t = WasmTrainer::new(r#"{"train": 32}"#, 1.0, IMAGES, LABELS, None).unwrap();
    for n in [-1.0, 0.5, f64::NAN] {
        let e = message(t.step(n).unwrap_err());
        assert!(e.contains("step"), "step({n}): {e}");
    }

    let e = message(web::config_to_query(r#"{"k": [0]}"#).unwrap_err());
    assert!(e.contains("`k`"), "{e}");
    assert_eq!(
        web::config_to_query(r#"{"k": [1, 2, 3], "lr0": 0.01}"#).unwrap(),
        "lr0=0.01&k=1-3"
    );

    let errs: Vec<serde_json::Value> = serde_json::from_str(&web::validate_config(
        r#"{"lr0": -1, "k": [0], "epochs": 3}"#,
    ))
    .unwrap();
    let params: Vec<&str> = errs.iter().map(|e| e["param"].as_str().unwrap()).collect();
    assert_eq!(params, ["lr0", "k"]);
    let errs: Vec<serde_json::Value> = serde_json::from_str(&web::validate_config("{")).unwrap();
    assert_eq!((errs.len(), errs[0]["param"].as_str()), (1, Some("json")));
    assert_eq!(web::validate_config("{}"), "[]");

    assert!(message(web::run_plans("{", 100.0).unwrap_err()).contains("json"));
    assert!(message(web::run_plans("{}", 0.0).unwrap_err()).contains("nTrain"));
    assert!(message(web::run_plans("{}", -3.0).unwrap_err()).contains("nTrain"));
    assert!(message(web::csv_from_runs("{").unwrap_err()).contains("csvFromRuns"));
}

#[wasm_bindgen_test]
fn bad_data_files_are_errors_naming_the_file() {
    let cfg = "{}";
    // A gzip stream cut short.
    let e = trainer_error(cfg, 1.0, &IMAGES[..1000], LABELS);
    assert!(e.starts_with("data:") && e.contains("images file"), "{e}");
    // A raw IDX header promising ten images, followed by far fewer bytes.
    let mut raw = vec![0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28];
    raw.extend([0u8; 100]);
    let e = trainer_error(cfg, 1.0, &raw, LABELS);
    assert!(e.contains("images file") && e.contains("truncated"), "{e}");
    // The two files swapped.
    let e = trainer_error(cfg, 1.0, LABELS, IMAGES);
    assert!(e.contains("images file") && e.contains("magic"), "{e}");
    // Nothing at all.
    let e = trainer_error(cfg, 1.0, &[], &[]);
    assert!(e.starts_with("data:"), "{e}");
    // Labels that disagree with the images on the count.
    let e = trainer_error(cfg, 1.0, IMAGES, &[0, 0, 8, 1, 0, 0, 0, 1, 7]);
    assert!(e.contains("count mismatch"), "{e}");
}

// ---- 4. the URL query -----------------------------------------------------------------

#[wasm_bindgen_test]
fn parse_query_keeps_the_good_and_reports_the_bad() {
    #[derive(Deserialize)]
    struct Parsed {
        config: serde_json::Value,
        errors: Vec<serde_json::Value>,
        query: String,
    }
    let text = web::parse_query(
        "?k=1-3&lr0=-5&x=steps&zzz=%3Cb%3E&epochs=4&preset=fig2&rule=cubic",
        "preset, x",
    );
    let p: Parsed = serde_json::from_str(&text).unwrap();
    assert_eq!(p.config["k"], serde_json::json!([1, 2, 3]));
    assert_eq!(p.config["epochs"], 4);
    assert_eq!(p.config["lr0"], 0.001, "a bad value keeps the default");
    assert_eq!(p.config["rule"], "linear");
    let params: Vec<&str> = p
        .errors
        .iter()
        .map(|e| e["param"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["lr0", "zzz", "rule"]);
    assert_eq!(
        p.errors[1]["value"], "<b>",
        "zzz's value is reported decoded"
    );
    assert!(p.errors[0]["message"].as_str().unwrap().contains("(0, 10]"));
    assert!(p.errors[1]["message"]
        .as_str()
        .unwrap()
        .contains("unknown parameter"));
    assert_eq!(p.query, "k=1-3&epochs=4");
    // The config it returns is accepted as is by the other entry points.
    let cfg = p.config.to_string();
    assert_eq!(web::config_to_query(&cfg).unwrap(), p.query);
    assert_eq!(web::validate_config(&cfg), "[]");

    let p: Parsed = serde_json::from_str(&web::parse_query("", "")).unwrap();
    assert!(p.errors.is_empty() && p.query.is_empty());
    // Garbage never throws.
    for q in ["%%%", "&&==&", "=1", "k", "k=", "b0=full&b0=%ZZ"] {
        let p: Parsed = serde_json::from_str(&web::parse_query(q, ",,")).unwrap();
        assert!(p.config.is_object(), "{q}");
    }
}

// ---- the small helpers ---------------------------------------------------------------

#[wasm_bindgen_test]
fn tables_plans_csv_and_palette() {
    let rows: Vec<serde_json::Value> = serde_json::from_str(&web::params_table()).unwrap();
    let lr0 = rows.iter().find(|r| r["name"] == "lr0").expect("lr0 row");
    assert_eq!(lr0["default"], "0.001");
    assert!(rows
        .iter()
        .all(|r| ["csv", "help", "allowed"].iter().all(|k| r[k].is_string())));

    let plans: Vec<serde_json::Value> = serde_json::from_str(
        &web::run_plans(r#"{"k": [1, 4, 64], "train": 256, "lr0": 0.01}"#, 8000.0).unwrap(),
    )
    .unwrap();
    let batches: Vec<u64> = plans.iter().map(|p| p["batch"].as_u64().unwrap()).collect();
    assert_eq!(batches, [8, 32, 256], "capped by train = 256");
    assert_eq!(plans[2]["kEff"], 32.0);
    assert_eq!(plans[1]["stepsPerEpoch"], 8);

    let runs = r#"[{"run": 0, "config": {"k": [2]}, "records": [
        {"epoch": 1, "step": 5, "samples": 80, "lr": 0.002, "batch": 16, "trainLoss": 1.5,
         "testLoss": null, "testAcc": 0.5, "noiseScale": null, "wallMs": 12.5, "status": "diverged"}]}]"#;
    let text = web::csv_from_runs(runs).unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "{text}");
    let col = |name: &str| {
        let i = header.iter().position(|h| h == name);
        &rows[0][i.unwrap_or_else(|| panic!("no column {name}: {header:?}"))]
    };
    assert_eq!(
        [col("run"), col("k"), col("batch"), col("status")],
        ["0", "2", "16", "diverged"]
    );
    assert_eq!(
        [col("test_loss"), col("noise_scale")],
        ["NaN", "NaN"],
        "null reads as NaN"
    );

    assert_eq!(web::palette(0, 2), "#0072b2");
    assert_eq!(web::palette(1, 2), "#e69f00");
    assert!(web::palette(19, 20).len() == 7 && web::palette(usize::MAX, 0).len() == 7);
}

// ---- 5. the run list and the landscape ------------------------------------------------

/// A finished run's one record as a worker sends it (NaN floats as `null`).
fn landscape_record(batch: u64, acc: f64, diverged: bool) -> serde_json::Value {
    serde_json::json!({
        "epoch": 1, "step": 4000 / batch, "samples": 4000, "lr": 0.1, "batch": batch,
        "trainLoss": if diverged { serde_json::Value::Null } else { 0.5.into() },
        "testLoss": if diverged { serde_json::Value::Null } else { 0.4.into() },
        "testAcc": acc, "noiseScale": null, "wallMs": 0,
        "status": if diverged { "diverged" } else { "done" },
    })
}

#[wasm_bindgen_test]
fn experiment_runs_and_the_landscape() {
    // The run list is `Config::runs`: k × repeat in curves mode ...
    let runs: serde_json::Value =
        serde_json::from_str(&web::experiment_runs(r#"{"k": [1, 4], "repeats": 2}"#).unwrap())
            .unwrap();
    let ks: Vec<(u64, u64)> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["k"].as_u64().unwrap(), r["repeat"].as_u64().unwrap()))
        .collect();
    assert_eq!(ks, vec![(1, 0), (1, 1), (4, 0), (4, 1)]);
    assert!(runs[2]["cell"].is_null());
    assert_eq!(runs[2]["config"]["k"], serde_json::json!([4]));
    // ... cell × repeat in the landscape, as plain runs with the cell's batch and rate.
    let cfg = r#"{"mode": "landscape", "grid_b": [16, 256], "grid_lr": [0.01, 10.0], "epochs": 1}"#;
    let runs: Vec<serde_json::Value> =
        serde_json::from_str(&web::experiment_runs(cfg).unwrap()).unwrap();
    assert_eq!(runs.len(), 4);
    assert_eq!(runs[1]["cell"], serde_json::json!([0, 1]));
    assert_eq!(
        (
            &runs[1]["config"]["b0"],
            &runs[1]["config"]["lr0"],
            &runs[1]["config"]["rule"]
        ),
        (
            &serde_json::json!(16),
            &serde_json::json!(10.0),
            &serde_json::json!("none")
        )
    );
    let e = message(web::experiment_runs(r#"{"repeats": 11}"#).unwrap_err());
    assert!(e.contains("`repeats`"), "{e}");

    // Results as the page sends them back: batch 16 at η = 10 diverged.
    let results: Vec<serde_json::Value> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let b = r["config"]["b0"].as_u64().unwrap();
            let diverged = r["cell"] == serde_json::json!([0, 1]);
            serde_json::json!({"run": i, "config": r["config"], "repeat": 0,
                "records": [landscape_record(b, if b == 16 { 0.93 } else { 0.6 }, diverged)]})
        })
        .collect();
    let results = serde_json::to_string(&results).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&web::landscape_summary(cfg, &results).unwrap()).unwrap();
    let cell = &summary["cells"][0][1];
    assert_eq!(
        (cell["diverged"].as_bool(), cell["loss"].is_null()),
        (Some(true), true)
    );
    assert_eq!(summary["cells"][0][0]["acc"], serde_json::json!(0.93));
    assert_eq!(summary["best"][0]["batch"], serde_json::json!(16));
    assert!(summary["best"][0]["steps"].as_f64().unwrap() < 250.0);
    assert!(
        summary["best"][1]["steps"].is_null(),
        "60 % never reaches 90 %"
    );

    // The picture: cells, the diverged one dark grey; both views and any size draw.
    let c = canvas(900, 420);
    web::draw_landscape(&c, cfg, &results, r#"{"value": "accuracy"}"#)
        .unwrap_or_else(|e| panic!("{}", message(e)));
    let dark = pixels(&c)
        .chunks_exact(4)
        .filter(|p| p[..3] == [60, 60, 60])
        .count();
    assert!(dark > 2000, "the diverged cell: {dark} pixels");
    web::draw_landscape(&c, cfg, &results, r#"{"value": "loss", "font": 2}"#).unwrap();
    web::draw_landscape(&c, cfg, "[]", "{}").unwrap();
    for (w, h) in [(0, 0), (1, 1), (40, 30), (300, 900)] {
        web::draw_landscape(&canvas(w, h), cfg, &results, "{}")
            .unwrap_or_else(|e| panic!("{w}×{h}: {}", message(e)));
    }
    for (config, runs, opts, needle) in [
        ("{", "[]", "{}", "`json`"),
        (cfg, "[", "{}", "bad runs JSON"),
        (cfg, "[]", r#"{"value": "f1"}"#, "f1"),
        (cfg, "[]", r#"{"font": 0}"#, "font"),
        (cfg, "[]", r#"{"heat": "loss"}"#, "heat"),
    ] {
        let e = message(web::draw_landscape(&c, config, runs, opts).unwrap_err());
        assert!(e.contains(needle), "{config} {runs} {opts}: {e}");
    }
    let e = message(web::landscape_summary(cfg, "[{}]").unwrap_err());
    assert!(e.starts_with("landscapeSummary"), "{e}");
}

// ---- the kernels: every fast twin against the scalar oracle, in wasm -----------------
//
// The same cases as the native `tests/kernels.rs` (shared in `tests/twins/`), here run by
// the browser's engine: the `simd128` kernels against the oracle, and bit for bit against
// the portable `fast` kernels compiled for wasm, which in turn equal the native ones.

mod twins;

#[wasm_bindgen_test]
fn kernel_twins_conv_relu_pool_forward() {
    twins::conv_relu_pool_forward();
}

#[wasm_bindgen_test]
fn kernel_twins_conv_relu_pool_dropout_forward() {
    twins::conv_relu_pool_dropout_forward();
}

#[wasm_bindgen_test]
fn kernel_twins_conv_relu_pool_backward_weights() {
    twins::conv_relu_pool_backward_weights();
}

#[wasm_bindgen_test]
fn kernel_twins_dense() {
    twins::dense_forward();
    twins::dense_backward_input();
    twins::dense_backward_input_dropout_relu();
    twins::dense_backward_weights();
}

#[wasm_bindgen_test]
fn kernel_twins_special_values_and_empty_batches() {
    twins::special_values();
    twins::empty_batch_is_a_no_op_everywhere();
}

#[wasm_bindgen_test]
fn kernel_twins_include_simd128() {
    let names: Vec<&str> = twins::vector_impls().iter().map(|i| i.name).collect();
    assert!(
        names.contains(&"simd128"),
        "simd128 kernels not compiled in: {names:?}"
    );
    assert_eq!(lr_batch_playground::kernels::ACTIVE_NAME, "simd128");
}
