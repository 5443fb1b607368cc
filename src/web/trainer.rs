//! `Trainer`: one run of an experiment as an opaque handle, living in its worker's wasm
//! memory.
//!
//! The constructor takes the config JSON, the run's multiplier k and the two MNIST files'
//! bytes (gzipped or raw IDX, as fetched), or four with a test pair of its own (the
//! official split, `data::Loaded`), parses and splits them with the core and builds a
//! core [`Trainer`]. When the config's `data` names a dataset of one's own, the files must
//! be that dataset (same counts and fingerprint): a run never trains on other data than
//! its link says. After that JS only sends small commands (`step(n)`, `stop()`, ...)
//! and gets short JSON strings back: never weights, batches or views of wasm memory
//! (memory growth would detach a view kept across calls).
//!
//! Every worker builds its own handle from its own copy of the bytes: no shared memory,
//! no cross-origin-isolation headers. Parsing 10,000 images costs far less than one epoch.
//!
//! Besides the core trainer the handle keeps one thing: the raw bytes of the test images,
//! for `testImages`. Recovering bytes from the normalised f32 images would mean redoing
//! the normalisation arithmetic here; copying 784 bytes per test image at load time is
//! exact and costs ~1.5 MB for the 2,000-image test split.

use std::sync::Arc;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{config_error, install_panic_hook, to_json, whole_number};
use crate::config::{Config, ConfigError, MAX_K};
use crate::data::{self, PIXELS};
use crate::metrics::{EpochRecord, Status};
use crate::model::CLASSES;
use crate::train::Trainer;

/// Most indices one `predict` or `testImages` call accepts. The core gathers the requested
/// images into one f32 buffer (3 KB each), so an absurd request would abort the worker on
/// allocation failure instead of throwing; this is comfortably above the 12,000-image test
/// split of the full MNIST.
pub const MAX_INDICES: usize = 16_384;

/// The JS class `Trainer`.
#[wasm_bindgen(js_name = Trainer)]
pub struct WasmTrainer {
    trainer: Trainer,
    /// (N_test, 784) pixel bytes of the test split, in the split's order.
    test_pixels: Vec<u8>,
}

/// What `step` returns.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StepOut<'a> {
    steps: u64,
    /// NaN (no step taken) serialises as `null`.
    last_loss: f32,
    status: Status,
    epochs: &'a [EpochRecord],
    /// Milliseconds spent so far evaluating the test split and in noise probes, inside
    /// `step` calls (`performance.now()`; see `train::Timings`).
    eval_ms: f64,
    probe_ms: f64,
}

/// What `plan` returns.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlanOut {
    k: u32,
    batch: usize,
    lr: f64,
    k_eff: f64,
    steps_per_epoch: u64,
    total_steps: u64,
    n_train: usize,
    n_test: usize,
}

/// What `predict` returns: for each requested test sample, the predicted class, the ten
/// softmax probabilities and the true label.
#[derive(Serialize)]
struct PredictOut {
    preds: Vec<u8>,
    probs: Vec<Vec<f32>>,
    labels: Vec<u8>,
}

#[wasm_bindgen(js_class = Trainer)]
impl WasmTrainer {
    /// `new Trainer(configJson, k, images, labels)`. Throws an `Error` naming the problem:
    /// a config parameter or the multiplier k (messages start with "config:" and name the
    /// parameter, e.g. lr0), or the data files (messages start with "data:" and name the
    /// file, e.g. "data: images file: truncated: ...").
    ///
    /// `repeat` (optional, default 0) picks which repeat of the run this is when the
    /// config asks for `repeats` > 1: repeat r trains with seed + r (see `Config::seeds`).
    /// `testImages` and `testLabels` (optional, both or neither) are a test pair of the
    /// dataset's own; then `images` and `labels` are all training data.
    #[wasm_bindgen(constructor)]
    pub fn with_data(
        config_json: &str,
        k: f64,
        images: &[u8],
        labels: &[u8],
        repeat: Option<f64>,
        test_images: Option<Vec<u8>>,
        test_labels: Option<Vec<u8>>,
    ) -> Result<WasmTrainer, JsError> {
        install_panic_hook();
        // Cheap checks first: a bad config should not cost a gunzip of 1.6 MB.
        let cfg = Config::from_json(config_json).map_err(|e| config_error(&e))?;
        // The range itself (1 to MAX_K) is the config's to check, with its own message.
        let k = match whole_number("k", k, u32::MAX as f64) {
            Ok(k) => k as u32,
            Err(_) => {
                return Err(config_error(&ConfigError {
                    param: "k".into(),
                    value: k.to_string(),
                    message: format!("not a whole number; allowed: 1 to {MAX_K}"),
                }))
            }
        };
        cfg.with_k(k).validate().map_err(|e| config_error(&e))?;
        let repeat = match repeat {
            None => 0,
            Some(r) => whole_number("repeat", r, u32::MAX as f64)? as u32,
        };

        let data_error = |e: &dyn std::fmt::Display| JsError::new(&format!("data: {e}"));
        let loaded = match (&test_images, &test_labels) {
            (None, None) => data::Loaded {
                train: data::load_mnist(images, labels).map_err(|e| data_error(&e))?,
                test: None,
            },
            (Some(ti), Some(tl)) => {
                let file = |name, bytes| data::DataFile { name, bytes };
                data::load_files(&[
                    file("training images", images),
                    file("training labels", labels),
                    file("test images", ti),
                    file("test labels", tl),
                ])
                .map_err(|e| data_error(&e))?
            }
            _ => return Err(JsError::new("data: test images need their test labels")),
        };
        if cfg.data != data::SUBSET {
            // Only a dataset of one's own is checked: the bundled files are the page's.
            let id = loaded.identity();
            if id.to_string() != cfg.data {
                return Err(JsError::new(&format!(
                    "data: the experiment needs dataset {} but the files are {id} ({})",
                    cfg.data,
                    id.describe()
                )));
            }
        }
        let split = loaded.split(cfg.train, cfg.norm);
        let (test_pixels, test_labels) = loaded.test_pixels();
        // The raw copy must be in the split's test order; check it on the labels rather
        // than trust that `split` and `test_pixels` keep using the same order.
        if test_labels != split.test.labels || test_pixels.len() != split.test.len() * PIXELS {
            return Err(JsError::new(
                "internal: data::Loaded::split and test_pixels disagree on the test order",
            ));
        }
        drop(loaded);

        let mut trainer =
            Trainer::new_repeat(&cfg, k, repeat, Arc::new(split)).map_err(|e| config_error(&e))?;
        // Four clock reads per epoch and two per probe: nothing next to the work they time.
        trainer.set_clock(super::bench::now_ms);
        Ok(WasmTrainer {
            trainer,
            test_pixels,
        })
    }

    /// `step(n)`: up to `n` optimizer steps (fewer when the run ends, diverges or was
    /// stopped). Returns `{"steps", "lastLoss", "status", "epochs": [EpochRecord...]}`,
    /// `epochs` holding the epochs finished during this call. Keep `n` small (a few tens
    /// of milliseconds of work) so the worker sees a stop message promptly.
    pub fn step(&mut self, n: f64) -> Result<String, JsError> {
        let n = whole_number("step: n", n, u32::MAX as f64)?;
        let report = self.trainer.step(n);
        let t = self.trainer.timings();
        to_json(&StepOut {
            steps: report.steps,
            last_loss: report.last_loss,
            status: report.status,
            epochs: &report.epochs,
            eval_ms: t.eval_ms,
            probe_ms: t.probe_ms,
        })
    }

    /// `shardGradient(shard, out)`: the gradient of shard `shard` of the run's W for
    /// the next step (`train/parallel.rs`), written into `out` (Float32Array of
    /// `numParams()`); returns `[lossSum, end]`, or `undefined` when the run has ended.
    /// Call once per step, then `applyShards`.
    #[wasm_bindgen(js_name = shardGradient)]
    pub fn shard_gradient(
        &mut self,
        shard: f64,
        out: &mut [f32],
    ) -> Result<Option<Vec<f64>>, JsError> {
        let w = self.trainer.workers();
        let shard = whole_number("shardGradient: shard", shard, (w - 1) as f64)? as usize;
        if out.len() != crate::model::NUM_PARAMS {
            return Err(JsError::new(&format!(
                "shardGradient: out holds {} values, not {}",
                out.len(),
                crate::model::NUM_PARAMS
            )));
        }
        Ok(self
            .trainer
            .shard_gradient_into(shard, out)
            .map(|(loss, end)| vec![loss, end as f64]))
    }

    /// `applyShards(grads, losses, end)`: the step from all W shards' gradients
    /// (`grads`: W × numParams() in shard order; `losses`: W loss sums; `end` as
    /// `shardGradient` returned it), combined in shard order by the core. Returns what
    /// `step(1)` returns.
    #[wasm_bindgen(js_name = applyShards)]
    pub fn apply_shards(
        &mut self,
        grads: &[f32],
        losses: &[f64],
        end: f64,
    ) -> Result<String, JsError> {
        let p = crate::model::NUM_PARAMS;
        let end = whole_number("applyShards: end", end, u32::MAX as f64)? as usize;
        let parts: Vec<&[f32]> = grads.chunks(p).collect();
        let before = self.trainer.history().len();
        let loss = self
            .trainer
            .apply_shards(&parts, losses, end)
            .map_err(|e| JsError::new(&format!("applyShards: {e}")))?;
        let t = self.trainer.timings();
        to_json(&StepOut {
            steps: u64::from(loss.is_some()),
            last_loss: loss.unwrap_or(f32::NAN),
            status: self.trainer.status(),
            epochs: &self.trainer.history()[before..],
            eval_ms: t.eval_ms,
            probe_ms: t.probe_ms,
        })
    }

    /// `numParams()`: the length of a gradient (54,410).
    #[wasm_bindgen(js_name = numParams)]
    pub fn num_params(&self) -> usize {
        crate::model::NUM_PARAMS
    }

    /// `workers()`: W, the workers sharing each step of this run.
    pub fn workers(&self) -> usize {
        self.trainer.workers()
    }

    /// `plan()`: `{"k", "batch", "lr", "kEff", "stepsPerEpoch", "totalSteps", "nTrain",
    /// "nTest"}`: how this run trains, as derived by `schedule.rs`.
    pub fn plan(&self) -> Result<String, JsError> {
        let p = self.trainer.plan();
        to_json(&PlanOut {
            k: p.k,
            batch: p.batch,
            lr: p.lr,
            k_eff: p.k_eff,
            steps_per_epoch: p.steps_per_epoch(),
            total_steps: p.total_steps(),
            n_train: p.n_train,
            n_test: self.trainer.data().test.len(),
        })
    }

    /// `stop()`: ends the run; later `step` calls take no step and report "stopped".
    pub fn stop(&mut self) {
        self.trainer.stop();
    }

    /// `predict(indices)`: `{"preds": [u8], "probs": [[f32; 10]], "labels": [u8]}` for the
    /// given test-split samples, with the current weights. Throws if an index is out of
    /// range or more than [`MAX_INDICES`] are requested.
    pub fn predict(&mut self, indices: &[u32]) -> Result<String, JsError> {
        let idx = self.test_indices("predict", indices)?;
        let labels = idx
            .iter()
            .map(|&i| self.trainer.data().test.labels[i])
            .collect();
        if idx.is_empty() {
            return to_json(&PredictOut {
                preds: Vec::new(),
                probs: Vec::new(),
                labels,
            });
        }
        let (preds, probs) = self.trainer.predict_test(&idx);
        to_json(&PredictOut {
            preds,
            probs: probs.chunks(CLASSES).map(<[f32]>::to_vec).collect(),
            labels,
        })
    }

    /// `testImages(indices)`: 784 grayscale bytes (0 = background, row-major 28×28) per
    /// requested test image, concatenated, for display. The original bytes, whatever the
    /// normalisation. Throws like `predict` on bad indices.
    #[wasm_bindgen(js_name = testImages)]
    pub fn test_images(&self, indices: &[u32]) -> Result<Vec<u8>, JsError> {
        let idx = self.test_indices("testImages", indices)?;
        let mut out = Vec::with_capacity(idx.len() * PIXELS);
        for i in idx {
            out.extend_from_slice(&self.test_pixels[i * PIXELS..(i + 1) * PIXELS]);
        }
        Ok(out)
    }

    /// `confusion()`: the 10×10 confusion matrix on the whole test split, `m[true][pred]`.
    pub fn confusion(&mut self) -> Result<String, JsError> {
        to_json(&self.trainer.confusion())
    }

    /// `epochPredict(indices)`: as `predict`, for the weights at the end of the last
    /// finished epoch (from the logits its evaluation kept: no forward pass), or `null`
    /// before the first epoch ends. What a live view captioned "after epoch N" shows while
    /// training goes on. Throws like `predict` on bad indices.
    #[wasm_bindgen(js_name = epochPredict)]
    pub fn epoch_predict(&self, indices: &[u32]) -> Result<Option<String>, JsError> {
        let idx = self.test_indices("epochPredict", indices)?;
        let Some((preds, probs)) = self.trainer.epoch_predict(&idx) else {
            return Ok(None);
        };
        let labels = idx
            .iter()
            .map(|&i| self.trainer.data().test.labels[i])
            .collect();
        to_json(&PredictOut {
            preds,
            probs: probs.chunks(CLASSES).map(<[f32]>::to_vec).collect(),
            labels,
        })
        .map(Some)
    }

    /// `epochConfusion()`: as `confusion`, for the weights at the end of the last finished
    /// epoch (no forward pass), or `null` before the first epoch ends.
    #[wasm_bindgen(js_name = epochConfusion)]
    pub fn epoch_confusion(&self) -> Result<Option<String>, JsError> {
        self.trainer
            .epoch_confusion()
            .map(|m| to_json(&m))
            .transpose()
    }

    /// `history()`: every epoch record so far, `[EpochRecord...]`.
    pub fn history(&self) -> Result<String, JsError> {
        to_json(self.trainer.history())
    }
}

impl WasmTrainer {
    /// The two-file constructor, for Rust callers (the browser tests): as `new Trainer`
    /// without a test pair of the dataset's own.
    pub fn new(
        config_json: &str,
        k: f64,
        images: &[u8],
        labels: &[u8],
        repeat: Option<f64>,
    ) -> Result<WasmTrainer, JsError> {
        WasmTrainer::with_data(config_json, k, images, labels, repeat, None, None)
    }

    /// The indices as `usize`, or an error naming the first one outside the test split.
    fn test_indices(&self, what: &str, indices: &[u32]) -> Result<Vec<usize>, JsError> {
        if indices.len() > MAX_INDICES {
            return Err(JsError::new(&format!(
                "{what}: {} indices requested; at most {MAX_INDICES} per call",
                indices.len()
            )));
        }
        let n = self.trainer.data().test.len();
        match indices.iter().find(|&&i| i as usize >= n) {
            Some(i) => Err(JsError::new(&format!(
                "{what}: test index {i} is out of range; the test split has {n} samples (0 to {})",
                n.saturating_sub(1)
            ))),
            None => Ok(indices.iter().map(|&i| i as usize).collect()),
        }
    }
}
