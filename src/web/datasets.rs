//! `checkData(names, files)`: the page's "Use your own data" check, a thin shell over
//! [`data::load_any`]: which file is which, whether they parse, and the dataset's
//! identity, as one small JSON object. The page reads the files itself (`File.arrayBuffer`:
//! they never leave the browser) and keeps the bytes; nothing is kept here.
//!
//! The page calls it in a worker of its own (`www/owndata-worker.js`): the check inflates,
//! parses and fingerprints every image once per choice of files, too long a task for the
//! page's thread with the 60,000-image official file, and it grows that instance's memory.

use js_sys::Uint8Array;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{install_panic_hook, to_json};
use crate::data::{self, DataFile, DataShape};

/// What `checkData` returns.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckOut {
    /// The token for the config's `data` parameter (`own-…` or `mnist-subset`).
    identity: String,
    /// The fingerprint, 16 hex digits.
    fingerprint: String,
    /// The dataset in words (counts, fingerprint).
    description: String,
    /// Images in the training file and in the test file (null: one file, split 4:1).
    images: usize,
    test_images: Option<usize>,
    /// Available for training, and the test set.
    train_avail: usize,
    test: usize,
    /// "stratified" (4:1 of one file) or "official" (a test file of its own).
    split: &'static str,
    /// Indices of `files` in role order: images, labels[, test images, test labels].
    order: Vec<usize>,
}

/// `checkData(names: string[], files: Uint8Array[])`: two files (images and labels, in
/// any order) or four (training and test pairs: the test files named `t10k-…` or
/// `…test…`, or the smaller pair). Returns `{"identity", "fingerprint", "description",
/// "images", "testImages", "trainAvail", "test", "split", "order"}`. Throws an `Error`
/// naming the file and the problem (`t10k-labels-idx1-ubyte.gz: labels file: label 12
/// at index 3 is not a digit 0..9`) when the files are not a dataset.
#[wasm_bindgen(js_name = checkData)]
pub fn check_data(names: Vec<String>, files: Vec<Uint8Array>) -> Result<String, JsError> {
    install_panic_hook();
    if names.len() != files.len() {
        return Err(JsError::new(&format!(
            "checkData: {} names for {} files",
            names.len(),
            files.len()
        )));
    }
    // Copied into wasm memory once: the parser reads slices.
    let bytes: Vec<Vec<u8>> = files.iter().map(Uint8Array::to_vec).collect();
    let given: Vec<DataFile<'_>> = names
        .iter()
        .zip(&bytes)
        .map(|(name, bytes)| DataFile { name, bytes })
        .collect();
    let (order, loaded) = data::load_any(&given).map_err(|e| JsError::new(&e.to_string()))?;
    let id = loaded.identity();
    let shape: DataShape = id.shape();
    let (train_avail, test) = shape.train_test();
    to_json(&CheckOut {
        identity: id.to_string(),
        fingerprint: format!("{:016x}", id.fingerprint()),
        description: id.describe(),
        images: shape.images,
        test_images: shape.test_images,
        train_avail,
        test,
        split: shape.split_kind(),
        order,
    })
}

/// `datasetOf(token)`: what a config's `data` token names, `{"identity", "description",
/// "images", "testImages", "own"}`, for the notice of a link to a dataset the visitor
/// has not loaded. Throws on a token that is not an identity.
#[wasm_bindgen(js_name = datasetOf)]
pub fn dataset_of(token: &str) -> Result<String, JsError> {
    let id = data::DatasetId::parse(token).map_err(|e| JsError::new(&format!("data: {e}")))?;
    let shape = id.shape();
    to_json(&serde_json::json!({
        "identity": id.to_string(),
        "description": id.describe(),
        "images": shape.images,
        "testImages": shape.test_images,
        "own": id != data::DatasetId::Subset,
    }))
}
