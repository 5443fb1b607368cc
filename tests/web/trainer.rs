//! Suite 1: the `Trainer` handle, trained in wasm on the real MNIST subset, reproduces the
//! native numbers bit for bit (records, plan, predictions, confusion matrix); stop, test
//! images and predictions behave as documented.

use super::*;

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
                if !pinned_fields_equal(&expected[seen], r) {
                    diffs.push(format!(
                        "{label}: step() record {seen}\n  wasm   {text}\n  native {:?}",
                        expected[seen]
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
        let same = serde_json::from_str::<Vec<RecordIn>>(&history).is_ok_and(|h| {
            h.len() == expected.len()
                && h.iter()
                    .zip(&expected)
                    .all(|(a, e)| pinned_fields_equal(e, a))
        });
        if !same {
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
    // The untrained network's evaluation, made before the first step.
    assert_eq!(
        s.epochs
            .iter()
            .map(|r| (r.epoch, r.step))
            .collect::<Vec<_>>(),
        [(0, 0)]
    );
    t.stop();
    let s: StepIn = serde_json::from_str(&t.step(10.0).unwrap()).unwrap();
    assert_eq!(
        (s.steps, s.status.as_str(), s.epochs.len()),
        (0, "stopped", 0)
    );
    assert_eq!(s.last_loss, None, "no step taken: lastLoss is null");
    let h: Vec<RecordIn> = serde_json::from_str(&t.history().unwrap()).unwrap();
    assert_eq!(
        h.iter().map(|r| r.step).collect::<Vec<_>>(),
        [0],
        "only step 0's"
    );
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
