//! Which data an experiment trains on: the bundled subset, or files a person supplies,
//! described once for the page and the CLI.
//!
//! A dataset is two IDX files (images + labels: split 4:1 by [`split()`](super::split),
//! as the bundled subset is) or four (training images + labels and test images + labels,
//! as the official MNIST `train-*` and `t10k-*` files come: then that train/test split is
//! used as given, and the config's `train` limits only the training part). [`load_files`]
//! checks them with the IDX parser ([`load_mnist`](super::load_mnist)); [`arrange`] tells
//! which file is which when only names and contents are known (the page's file picker).
//!
//! A loaded dataset has an identity, [`DatasetId`]: its shape (image counts) and a
//! fingerprint, FNV-1a 64 over the decoded contents (so gzipped and raw files of the
//! same data agree). Written as a token it is the config's `data` parameter:
//! `mnist-subset` for the bundled files (recognised by their fingerprint, whatever folder
//! or picker they come from), `own-<images>-<fingerprint>` for two files and
//! `own-<train images>-<test images>-<fingerprint>` for four. The counts in the token let
//! a link say what it needs, and let the run plan be made before the files are loaded.
//!
//! Pure like the rest of `data`: names and bytes in, no file system, no fetch.

use std::fmt;

use serde::Serialize;

use super::split::{build_split, stratified_order};
use super::{load_mnist, test_size, DataError, Mnist, Split, MAX_IMAGES, PIXELS};
use super::{IMAGES_MAGIC, LABELS_MAGIC, MAX_IMAGES_FILE_BYTES};
use crate::data::Norm;

/// The token of the bundled subset (the `data` parameter's default).
pub const SUBSET: &str = "mnist-subset";
/// Images in the bundled subset's one training file.
pub const SUBSET_IMAGES: usize = 10_000;
/// The fingerprint of the bundled subset (`make data`), pinned by `tests/datasets.rs`.
pub const SUBSET_FINGERPRINT: u64 = 0xb02e_d216_e924_a65a;

/// How many images a dataset has: the training file's, and the test file's when the
/// dataset comes with its own test split.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataShape {
    /// Images in the training file (or the only file).
    pub images: usize,
    /// Images in the test file; `None` when the test set is cut from `images`.
    pub test_images: Option<usize>,
}

impl DataShape {
    /// The bundled subset's shape.
    pub const SUBSET: DataShape = DataShape::single(SUBSET_IMAGES);

    /// One file of `images`, split 4:1.
    pub const fn single(images: usize) -> DataShape {
        DataShape {
            images,
            test_images: None,
        }
    }

    /// A training file and a test file, used as given.
    pub const fn official(images: usize, test_images: usize) -> DataShape {
        DataShape {
            images,
            test_images: Some(test_images),
        }
    }

    /// (available for training, test): of one file, round(N / 5) test and the rest
    /// for training ([`test_size`]); of two files, each as given.
    pub const fn train_test(&self) -> (usize, usize) {
        match self.test_images {
            None => {
                let test = test_size(self.images);
                (self.images - test, test)
            }
            Some(t) => (self.images, t),
        }
    }

    /// How the split is made, in a word: "stratified" (4:1) or "official" (as given).
    pub const fn split_kind(&self) -> &'static str {
        match self.test_images {
            None => "stratified",
            Some(_) => "official",
        }
    }
}

/// A dataset's identity: the bundled subset, or files by shape and fingerprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatasetId {
    Subset,
    Own { shape: DataShape, fingerprint: u64 },
}

impl DatasetId {
    /// Reads a token (`mnist-subset`, `own-N-H`, `own-N-M-H`); the error says what a
    /// token looks like. Counts are whole numbers 1 to [`MAX_IMAGES`] without leading
    /// zeros and the fingerprint is 16 lowercase hex digits, so each dataset has exactly
    /// one token.
    pub fn parse(s: &str) -> Result<DatasetId, String> {
        if s == SUBSET {
            return Ok(DatasetId::Subset);
        }
        let bad = || format!("{s:?} is not a dataset identity");
        let rest = s.strip_prefix("own-").ok_or_else(bad)?;
        let parts: Vec<&str> = rest.split('-').collect();
        let count = |p: &str| -> Result<usize, String> {
            let ok = !p.is_empty()
                && p.len() <= 6
                && p.bytes().all(|b| b.is_ascii_digit())
                && !p.starts_with('0');
            match p.parse::<usize>() {
                Ok(n) if ok && n <= MAX_IMAGES => Ok(n),
                _ => Err(bad()),
            }
        };
        let (shape, hex) = match parts.as_slice() {
            [n, h] => (DataShape::single(count(n)?), *h),
            [n, m, h] => (DataShape::official(count(n)?, count(m)?), *h),
            _ => return Err(bad()),
        };
        let hex_ok = hex.len() == 16 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !hex_ok {
            return Err(bad());
        }
        let fingerprint = u64::from_str_radix(hex, 16).map_err(|_| bad())?;
        Ok(DatasetId::Own { shape, fingerprint })
    }

    /// The identity of data of this shape and fingerprint: the subset when both are the
    /// bundled files'.
    pub fn of(shape: DataShape, fingerprint: u64) -> DatasetId {
        if shape == DataShape::SUBSET && fingerprint == SUBSET_FINGERPRINT {
            DatasetId::Subset
        } else {
            DatasetId::Own { shape, fingerprint }
        }
    }

    pub fn shape(&self) -> DataShape {
        match *self {
            DatasetId::Subset => DataShape::SUBSET,
            DatasetId::Own { shape, .. } => shape,
        }
    }

    pub fn fingerprint(&self) -> u64 {
        match *self {
            DatasetId::Subset => SUBSET_FINGERPRINT,
            DatasetId::Own { fingerprint, .. } => fingerprint,
        }
    }

    /// The dataset in words, for notices: `60000 training + 10000 test images
    /// (fingerprint 0123…)` or `10000 images, split 4:1 (fingerprint …)`.
    pub fn describe(&self) -> String {
        let s = self.shape();
        let counts = match s.test_images {
            None => format!("{} images, split 4:1", s.images),
            Some(t) => format!("{} training + {t} test images", s.images),
        };
        match self {
            DatasetId::Subset => format!("the bundled MNIST subset ({counts})"),
            DatasetId::Own { fingerprint, .. } => {
                format!("{counts}, fingerprint {fingerprint:016x}")
            }
        }
    }
}

impl fmt::Display for DatasetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DatasetId::Subset => f.write_str(SUBSET),
            DatasetId::Own { shape, fingerprint } => match shape.test_images {
                None => write!(f, "own-{}-{fingerprint:016x}", shape.images),
                Some(t) => write!(f, "own-{}-{t}-{fingerprint:016x}", shape.images),
            },
        }
    }
}

/// The shape a config's `data` token names, or `bundled` (the subset's count as the
/// loaded file says, default [`SUBSET_IMAGES`]) for the subset. The one rule the page
/// and the CLI plan runs with; an invalid token reads as the subset (the config's own
/// check reports it).
pub fn shape_of(token: &str, bundled: Option<usize>) -> DataShape {
    match DatasetId::parse(token) {
        Ok(DatasetId::Own { shape, .. }) => shape,
        _ => DataShape::single(bundled.unwrap_or(SUBSET_IMAGES)),
    }
}

/// One supplied file: its name (for messages) and its contents, gzipped or raw.
#[derive(Clone, Copy, Debug)]
pub struct DataFile<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// Why a set of files is not a dataset. Every message names the file(s).
#[derive(Clone, Debug, PartialEq)]
pub enum FilesError {
    /// The parser rejected a file, or a pair (`file` is then "a and b").
    Data { file: String, error: DataError },
    /// The files do not form a dataset: how many there are, which is which.
    Set(String),
}

impl fmt::Display for FilesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FilesError::Data { file, error } => write!(f, "{file}: {error}"),
            FilesError::Set(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for FilesError {}

/// A checked dataset: the training file's images, and the test file's when given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    pub train: Mnist,
    pub test: Option<Mnist>,
}

/// Loads files in role order: `[images, labels]` or `[images, labels, test images, test
/// labels]`. Each pair is checked by [`load_mnist`]; errors name the pair's files.
pub fn load_files(files: &[DataFile<'_>]) -> Result<Loaded, FilesError> {
    let pair = |i: &DataFile<'_>, l: &DataFile<'_>| {
        load_mnist(i.bytes, l.bytes).map_err(|error| FilesError::Data {
            file: pair_name(i.name, l.name, &error),
            error,
        })
    };
    match files {
        [i, l] => Ok(Loaded {
            train: pair(i, l)?,
            test: None,
        }),
        [i, l, ti, tl] => Ok(Loaded {
            train: pair(i, l)?,
            test: Some(pair(ti, tl)?),
        }),
        _ => Err(FilesError::Set(count_message(files.len()))),
    }
}

fn count_message(n: usize) -> String {
    format!(
        "{n} file{} given: a dataset is 2 files (images and labels) or 4 (training images \
         and labels, test images and labels)",
        if n == 1 { "" } else { "s" }
    )
}

/// Which of the two files an error is about.
fn pair_name(images: &str, labels: &str, e: &DataError) -> String {
    let what = match e {
        DataError::BadMagic { what, .. }
        | DataError::Truncated { what, .. }
        | DataError::TrailingBytes { what, .. }
        | DataError::AbsurdCount { what, .. }
        | DataError::BadGzip { what, .. }
        | DataError::TooLarge { what, .. } => Some(*what),
        DataError::BadDimensions { .. } => Some("images file"),
        DataError::BadLabel { .. } => Some("labels file"),
        _ => None,
    };
    match what {
        Some("images file") => images.to_string(),
        Some("labels file") => labels.to_string(),
        _ => format!("{images} and {labels}"),
    }
}

impl Loaded {
    pub fn shape(&self) -> DataShape {
        match &self.test {
            None => DataShape::single(self.train.len()),
            Some(t) => DataShape::official(self.train.len(), t.len()),
        }
    }

    /// FNV-1a 64 over, for the training part then the test part: the count (u32
    /// big-endian, as in the IDX header), the pixels, the labels. Decoded bytes only, so
    /// the same data gzipped or raw has the same fingerprint.
    pub fn fingerprint(&self) -> u64 {
        let mut h = Fnv1a::new();
        for m in std::iter::once(&self.train).chain(&self.test) {
            h.write(&(m.len() as u32).to_be_bytes());
            h.write(&m.pixels);
            h.write(&m.labels);
        }
        h.0
    }

    pub fn identity(&self) -> DatasetId {
        DatasetId::of(self.shape(), self.fingerprint())
    }

    /// The train/test split: of one file, [`split()`](super::split)'s; of two, the
    /// training file in class-interleaved order (any prefix stratified, as with one file)
    /// cut to `train_size`, and the whole test file, also class-interleaved.
    pub fn split(&self, train_size: usize, norm: Norm) -> Split {
        match &self.test {
            None => super::split(&self.train, train_size, norm),
            Some(test) => {
                let mut train_idx = stratified_order(&self.train.labels);
                train_idx.truncate(train_size);
                let test_idx = stratified_order(&test.labels);
                build_split(&self.train, &train_idx, test, &test_idx, norm)
            }
        }
    }

    /// The raw test images (784 bytes each) in the order of [`Loaded::split`]'s test set,
    /// with their labels: what the page shows as digits.
    pub fn test_pixels(&self) -> (Vec<u8>, Vec<u8>) {
        let (m, idx) = match &self.test {
            None => (&self.train, super::split_indices(&self.train.labels).test),
            Some(t) => (t, stratified_order(&t.labels)),
        };
        let mut pixels = Vec::with_capacity(idx.len() * PIXELS);
        for &i in &idx {
            pixels.extend_from_slice(&m.pixels[i * PIXELS..(i + 1) * PIXELS]);
        }
        (pixels, idx.iter().map(|&i| m.labels[i]).collect())
    }
}

/// 64-bit FNV-1a.
struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Fnv1a {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// What a file's header says, read from its first inflated bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Images(usize),
    Labels(usize),
}

/// Reads a file's magic and count (inflating only the first bytes of a gzip file).
fn peek(f: &DataFile<'_>) -> Result<Kind, FilesError> {
    let err = |error| FilesError::Data {
        file: f.name.to_string(),
        error,
    };
    let head = super::idx::inflate_head(f.bytes, "file", MAX_IMAGES_FILE_BYTES).map_err(err)?;
    if head.len() < 8 {
        return Err(FilesError::Set(format!(
            "{}: too short to be an IDX file ({} bytes)",
            f.name,
            head.len()
        )));
    }
    let be = |at: usize| u32::from_be_bytes([head[at], head[at + 1], head[at + 2], head[at + 3]]);
    let count = be(4) as usize;
    match be(0) {
        IMAGES_MAGIC => Ok(Kind::Images(count)),
        LABELS_MAGIC => Ok(Kind::Labels(count)),
        found => Err(FilesError::Set(format!(
            "{}: not an MNIST IDX file (magic number {found:#010x}; images files start with \
             {IMAGES_MAGIC:#010x}, labels files with {LABELS_MAGIC:#010x})",
            f.name
        ))),
    }
}

/// Whether a file name says it is a test file: `t10k-…` (the official names) or a name
/// containing `test`.
fn is_test_name(name: &str) -> bool {
    let base = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase();
    base.starts_with("t10k") || base.contains("test")
}

/// Puts files given in any order into role order (see [`load_files`]): returns the
/// indices of `files` as `[images, labels]` or `[images, labels, test images, test
/// labels]`. Images and labels are told apart by their headers; training and test files
/// by their names (`t10k-*` or `*test*` are test files), or else by size (the test pair
/// is the smaller one). Only headers are read here.
pub fn arrange(files: &[DataFile<'_>]) -> Result<Vec<usize>, FilesError> {
    if files.len() != 2 && files.len() != 4 {
        return Err(FilesError::Set(count_message(files.len())));
    }
    let kinds = files.iter().map(peek).collect::<Result<Vec<_>, _>>()?;
    let images: Vec<usize> = (0..files.len())
        .filter(|&i| matches!(kinds[i], Kind::Images(_)))
        .collect();
    let labels: Vec<usize> = (0..files.len())
        .filter(|&i| matches!(kinds[i], Kind::Labels(_)))
        .collect();
    if images.len() != labels.len() {
        let names = |v: &[usize]| {
            v.iter()
                .map(|&i| files[i].name)
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(FilesError::Set(format!(
            "{} images file{} ({}) and {} labels file{} ({}): each images file needs its labels file",
            images.len(),
            if images.len() == 1 { "" } else { "s" },
            names(&images),
            labels.len(),
            if labels.len() == 1 { "" } else { "s" },
            names(&labels),
        )));
    }
    if images.len() == 1 {
        return Ok(vec![images[0], labels[0]]);
    }
    let count = |i: usize| match kinds[i] {
        Kind::Images(n) | Kind::Labels(n) => n,
    };
    // Test files by name, when the names say it for exactly one of each kind.
    let by_name = |v: &[usize]| match v {
        &[a, b] if is_test_name(files[a].name) != is_test_name(files[b].name) => {
            Some(if is_test_name(files[a].name) {
                (b, a)
            } else {
                (a, b)
            })
        }
        _ => None,
    };
    // Otherwise by size: the larger file is the training one.
    let by_size = |v: &[usize]| match v {
        &[a, b] if count(a) != count(b) => Some(if count(a) > count(b) { (a, b) } else { (b, a) }),
        _ => None,
    };
    let pick = |v: &[usize]| by_name(v).or_else(|| by_size(v));
    match (pick(&images), pick(&labels)) {
        (Some((ti, si)), Some((tl, sl))) => Ok(vec![ti, tl, si, sl]),
        _ => Err(FilesError::Set(format!(
            "cannot tell the training files from the test files among {}: name the test \
             files t10k-… (as the official MNIST files are) or give them fewer images",
            files.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// [`arrange`] then [`load_files`]: the files in role order, and the dataset.
pub fn load_any(files: &[DataFile<'_>]) -> Result<(Vec<usize>, Loaded), FilesError> {
    let order = arrange(files)?;
    let ordered: Vec<DataFile<'_>> = order.iter().map(|&i| files[i]).collect();
    Ok((order, load_files(&ordered)?))
}
