//! The pinned records (`tests/golden/runs.json`, written by `make golden`): native runs
//! records, plans, predictions and confusion matrices as bit patterns, with the data
//! files' sizes and hashes so that a stale file is refused rather than compared. Also
//! the helpers that turn a golden run into what the wasm handle returns, and a readable
//! field-by-field difference for a failure.

use super::*;

// ---- the golden file ---------------------------------------------------------------

#[derive(Deserialize)]
pub(crate) struct Golden {
    pub(crate) data: GoldenData,
    pub(crate) runs: Vec<GoldenRun>,
}

#[derive(Deserialize)]
pub(crate) struct GoldenData {
    pub(crate) images: FileId,
    pub(crate) labels: FileId,
}

#[derive(Deserialize)]
pub(crate) struct FileId {
    pub(crate) len: usize,
    pub(crate) fnv1a: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GoldenRun {
    pub(crate) name: String,
    pub(crate) config: String,
    pub(crate) k: u32,
    #[serde(default)]
    pub(crate) repeat: u32,
    pub(crate) plan: GoldenPlan,
    pub(crate) records: Vec<GoldenRecord>,
    pub(crate) predict: GoldenPredict,
    pub(crate) confusion: Vec<Vec<u32>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GoldenPlan {
    pub(crate) k: u32,
    pub(crate) batch: usize,
    pub(crate) lr: String,
    pub(crate) k_eff: String,
    pub(crate) steps_per_epoch: u64,
    pub(crate) total_steps: u64,
    pub(crate) n_train: usize,
    pub(crate) n_test: usize,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GoldenRecord {
    pub(crate) epoch: u32,
    pub(crate) step: u64,
    pub(crate) samples: u64,
    pub(crate) batch: usize,
    pub(crate) status: Status,
    pub(crate) lr: String,
    pub(crate) train_loss: String,
    pub(crate) test_loss: String,
    pub(crate) test_acc: String,
    pub(crate) noise_scale: String,
    pub(crate) wall_ms: String,
}

#[derive(Deserialize)]
pub(crate) struct GoldenPredict {
    pub(crate) indices: Vec<u32>,
    pub(crate) preds: Vec<u8>,
    pub(crate) probs: Vec<Vec<String>>,
    pub(crate) labels: Vec<u8>,
}

pub(crate) fn f64_hex(s: &str) -> f64 {
    f64::from_bits(u64::from_str_radix(s, 16).expect("golden: bad f64 hex"))
}

pub(crate) fn f32_hex(s: &str) -> f32 {
    f32::from_bits(u32::from_str_radix(s, 16).expect("golden: bad f32 hex"))
}

impl GoldenRecord {
    pub(crate) fn to_record(&self) -> EpochRecord {
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
            peak_loss: f64::NAN,    // not pinned
            epochs_done: f64::NAN,  // not pinned
            noise_spread: f64::NAN, // not pinned
            wall_ms: f64_hex(&self.wall_ms),
            status: self.status,
        }
    }
}

/// The shape `Trainer.plan()` returns, field for field, to serialise the expectation.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PlanText {
    pub(crate) k: u32,
    pub(crate) batch: usize,
    pub(crate) lr: f64,
    pub(crate) k_eff: f64,
    pub(crate) steps_per_epoch: u64,
    pub(crate) total_steps: u64,
    pub(crate) n_train: usize,
    pub(crate) n_test: usize,
}

/// The shape `Trainer.predict()` returns.
#[derive(Serialize)]
pub(crate) struct PredictText {
    pub(crate) preds: Vec<u8>,
    pub(crate) probs: Vec<Vec<f32>>,
    pub(crate) labels: Vec<u8>,
}

/// What `Trainer.step()` returns, read back (floats nullable).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StepIn {
    pub(crate) steps: u64,
    pub(crate) last_loss: Option<f32>,
    pub(crate) status: String,
    pub(crate) epochs: Vec<RecordIn>,
}

pub(crate) fn fnv1a(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

pub(crate) fn golden() -> Golden {
    let g: Golden = serde_json::from_str(GOLDEN).expect("tests/golden/runs.json is not valid");
    for (what, id, bytes) in [
        ("images", &g.data.images, IMAGES),
        ("labels", &g.data.labels, LABELS),
    ] {
        assert!(
            id.len == bytes.len() && id.fnv1a == fnv1a(bytes),
            "the golden file was made from another {what} file than data/mnist/: \
             `make golden` rewrites it after a deliberate change"
        );
    }
    g
}

pub(crate) fn trainer_error(config: &str, k: f64, images: &[u8], labels: &[u8]) -> String {
    match WasmTrainer::new(config, k, images, labels, None) {
        Ok(_) => panic!("Trainer({config}, {k}) should have failed"),
        Err(e) => message(e),
    }
}

/// Whether a record from wasm equals a pinned one in every pinned field (the golden file
/// pins epoch, step, samples, batch, status and the bits of lr, the losses, the accuracy,
/// the noise scale and wall_ms; NaN equals NaN). Fields added since (peak loss, epochs
/// done, noise spread) are not pinned, so that the old records stay unchanged.
pub(crate) fn pinned_fields_equal(e: &EpochRecord, a: &RecordIn) -> bool {
    let a = EpochRecord::from(a.clone());
    let same = |x: f64, y: f64| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan());
    (e.epoch, e.step, e.samples, e.batch, e.status)
        == (a.epoch, a.step, a.samples, a.batch, a.status)
        && same(e.lr, a.lr)
        && same(e.train_loss, a.train_loss)
        && same(e.test_loss, a.test_loss)
        && same(e.test_acc, a.test_acc)
        && same(e.noise_scale, a.noise_scale)
        && same(e.wall_ms, a.wall_ms)
}

/// Field-by-field differences between two record lists, for a readable failure.
pub(crate) fn describe_diff(expected: &[EpochRecord], actual_json: &str) -> String {
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
