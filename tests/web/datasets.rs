//! Suite 6: the visitor's own data at the wasm boundary. `checkData` tells the files apart
//! and answers the dataset's identity (the bundled subset is `mnist-subset` in any order),
//! or an `Error` naming the file; `datasetOf` reads a link's token; a `Trainer` given a
//! test pair of the dataset's own trains on that split, and refuses files other than the
//! ones its config's `data` names.

use js_sys::Uint8Array;

use super::*;
use lr_batch_playground::data::PIXELS;

fn arrays(files: &[&[u8]]) -> Vec<Uint8Array> {
    files.iter().map(|f| Uint8Array::from(*f)).collect()
}

fn names(n: &[&str]) -> Vec<String> {
    n.iter().map(|s| s.to_string()).collect()
}

/// IDX files (raw) of every `step`-th sample of the subset from `from`: (images, labels).
fn cut(from: usize, step: usize) -> (Vec<u8>, Vec<u8>) {
    let m = data::load_mnist(IMAGES, LABELS).unwrap();
    let picks: Vec<usize> = (from..m.len()).step_by(step).collect();
    let n = picks.len() as u32;
    let mut images: Vec<u8> = [0x803u32, n, 28, 28]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    let mut labels: Vec<u8> = [0x801u32, n].iter().flat_map(|v| v.to_be_bytes()).collect();
    for &i in &picks {
        images.extend_from_slice(&m.pixels[i * PIXELS..(i + 1) * PIXELS]);
        labels.push(m.labels[i]);
    }
    (images, labels)
}

#[wasm_bindgen_test]
fn check_data_names_the_dataset_or_the_bad_file() {
    let out = web::check_data(
        names(&["train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz"]),
        arrays(&[LABELS, IMAGES]),
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["identity"], "mnist-subset", "{out}");
    assert_eq!(v["order"], serde_json::json!([1, 0]), "{out}");
    assert_eq!(
        (v["trainAvail"].as_u64(), v["test"].as_u64()),
        (Some(8000), Some(2000))
    );
    assert_eq!(v["split"], "stratified");

    let (ti, tl) = cut(0, 40); // 250
    let (si, mut sl) = cut(1, 100); // 100
    let out = web::check_data(
        names(&["t10k-images", "train-images", "t10k-labels", "train-labels"]),
        arrays(&[&si, &ti, &sl, &tl]),
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["order"], serde_json::json!([1, 3, 0, 2]), "{out}");
    assert_eq!(
        (v["images"].as_u64(), v["testImages"].as_u64()),
        (Some(250), Some(100))
    );
    assert!(
        v["identity"].as_str().unwrap().starts_with("own-250-100-"),
        "{out}"
    );

    sl[8 + 3] = 11;
    let e = message(
        web::check_data(
            names(&["ti", "tl", "t10k-i", "t10k-l"]),
            arrays(&[&ti, &tl, &si, &sl]),
        )
        .unwrap_err(),
    );
    assert!(
        e.starts_with("t10k-l: labels file: label 11 at index 3"),
        "{e}"
    );
    let e = message(web::check_data(names(&["a"]), arrays(&[&ti])).unwrap_err());
    assert!(e.contains("1 file given"), "{e}");
    let v: serde_json::Value =
        serde_json::from_str(&web::dataset_of("own-250-100-0123456789abcdef").unwrap()).unwrap();
    assert_eq!(
        (v["images"].as_u64(), v["testImages"].as_u64()),
        (Some(250), Some(100))
    );
    assert!(message(web::dataset_of("own-x").unwrap_err()).contains("not a dataset identity"));
}

#[wasm_bindgen_test]
fn a_trainer_uses_the_test_pair_and_only_the_named_data() {
    let (ti, tl) = cut(0, 40);
    let (si, sl) = cut(1, 100);
    let out = web::check_data(
        names(&["i", "l", "t10k-i", "t10k-l"]),
        arrays(&[&ti, &tl, &si, &sl]),
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let id = v["identity"].as_str().unwrap().to_string();
    let cfg = format!(r#"{{"train": 200, "epochs": 1, "data": "{id}"}}"#);
    let t = WasmTrainer::with_data(
        &cfg,
        1.0,
        &ti,
        &tl,
        None,
        Some(si.clone()),
        Some(sl.clone()),
    )
    .unwrap_or_else(|e| panic!("{}", message(e)));
    let plan: serde_json::Value = serde_json::from_str(&t.plan().unwrap()).unwrap();
    assert_eq!(
        (plan["nTrain"].as_u64(), plan["nTest"].as_u64()),
        (Some(200), Some(100))
    );
    // Other files than the config names: refused.
    let e = WasmTrainer::with_data(&cfg, 1.0, IMAGES, LABELS, None, None, None).map(|_| ());
    let e = message(e.unwrap_err());
    assert!(
        e.contains(&format!("needs dataset {id}")) && e.contains("mnist-subset"),
        "{e}"
    );
    // A test images file without its labels.
    let e = WasmTrainer::with_data(&cfg, 1.0, &ti, &tl, None, Some(si), None).map(|_| ());
    assert!(message(e.unwrap_err()).contains("test labels"));
}
