//! Reading the MNIST files from a folder: for native code only (the CLI, tests, benches),
//! never the page, which fetches its bytes and hands them to `data::load_mnist`. It
//! compiles for wasm too (where `std::fs` answers every call with an error), because
//! `wasm-pack test` builds every test target for wasm32 before it runs the browser suite.
//!
//! A folder holds `train-images-idx3-ubyte` and `train-labels-idx1-ubyte`, each gzipped
//! (`.gz`, preferred) or raw, as `make data` writes them and as the official MNIST
//! files come; with `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte` beside them
//! (the official test files) the dataset has its own test split ([`load_set`]). Every file's size is checked against the largest an MNIST file can be
//! before it is read, and at most that many bytes are read, so a wrong path to a huge
//! file fails with a message naming it instead of filling the memory. Parsing and its
//! bounds are `data::idx`'s.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::data::{self, DataFile, Loaded, Mnist, MAX_IMAGES_FILE_BYTES, MAX_LABELS_FILE_BYTES};

/// The images file's name without `.gz`.
pub const IMAGES: &str = "train-images-idx3-ubyte";
/// The labels file's name without `.gz`.
pub const LABELS: &str = "train-labels-idx1-ubyte";
/// The official test files' names without `.gz`.
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";
/// Where `make data` writes the MNIST subset, relative to the crate root.
pub const SUBSET_DIR: &str = "data/mnist";

/// The subset's folder in this source tree (for tests and benches).
pub fn subset_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(SUBSET_DIR)
}

/// `stem.gz` or `stem` in `dir`, whichever exists (`.gz` first).
pub fn find(dir: &Path, stem: &str) -> Option<PathBuf> {
    [format!("{stem}.gz"), stem.to_string()]
        .into_iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// The largest file accepted for an IDX file of at most `raw` bytes: gzip can make
/// incompressible data slightly larger (5 bytes per 64 KB block plus its header).
pub fn file_limit(raw: usize) -> u64 {
    raw as u64 + raw as u64 / 100 + 4096
}

/// Reads `path` whole, refusing a file larger than `limit` bytes before reading it (and
/// reading at most `limit + 1` bytes, should it grow meanwhile).
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let file = std::fs::File::open(path).map_err(err)?;
    let too_big = |n: u64| {
        format!(
            "{}: {n} bytes is larger than an MNIST file can be (at most {limit})",
            path.display()
        )
    };
    let len = file.metadata().map_err(err)?.len();
    if len > limit {
        return Err(too_big(len));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(err)?;
    if bytes.len() as u64 > limit {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The two files' bytes in `dir`: (images, labels), as found and size-checked.
pub fn read_dir(dir: &Path) -> Result<(Vec<u8>, Vec<u8>), String> {
    let read = |stem: &str, raw: usize| -> Result<Vec<u8>, String> {
        let path =
            find(dir, stem).ok_or_else(|| format!("{}: no {stem}[.gz] there", dir.display()))?;
        read_bounded(&path, file_limit(raw))
    };
    Ok((
        read(IMAGES, MAX_IMAGES_FILE_BYTES)?,
        read(LABELS, MAX_LABELS_FILE_BYTES)?,
    ))
}

/// The MNIST files of `dir`, parsed; errors name the folder or the file.
pub fn load_dir(dir: &Path) -> Result<Mnist, String> {
    let (images, labels) = read_dir(dir)?;
    data::load_mnist(&images, &labels).map_err(|e| format!("{}: {e}", dir.display()))
}

/// The dataset in `dir`: its training pair, and its `t10k-*` test pair when both test
/// files are there. Files are named by their paths in errors.
pub fn load_set(dir: &Path) -> Result<Loaded, String> {
    let mut stems = vec![
        (IMAGES, MAX_IMAGES_FILE_BYTES),
        (LABELS, MAX_LABELS_FILE_BYTES),
    ];
    let test = [
        (TEST_IMAGES, MAX_IMAGES_FILE_BYTES),
        (TEST_LABELS, MAX_LABELS_FILE_BYTES),
    ];
    match test.map(|(stem, _)| find(dir, stem).is_some()) {
        [true, true] => stems.extend(test),
        [false, false] => {}
        _ => {
            return Err(format!(
                "{}: only one of {TEST_IMAGES}[.gz] and {TEST_LABELS}[.gz] is there; a test \
                 split needs both",
                dir.display()
            ))
        }
    }
    let mut read = Vec::new();
    for (stem, raw) in stems {
        let path =
            find(dir, stem).ok_or_else(|| format!("{}: no {stem}[.gz] there", dir.display()))?;
        let bytes = read_bounded(&path, file_limit(raw))?;
        read.push((path.display().to_string(), bytes));
    }
    let files: Vec<DataFile<'_>> = read
        .iter()
        .map(|(name, bytes)| DataFile { name, bytes })
        .collect();
    data::load_files(&files).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_checked_before_reading() {
        let dir = std::env::temp_dir().join(format!("lrbp-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = std::fs::File::create(dir.join(IMAGES)).unwrap();
        f.set_len(file_limit(MAX_IMAGES_FILE_BYTES) + 1).unwrap(); // sparse
        std::fs::write(dir.join(LABELS), [0u8; 8]).unwrap();
        let e = load_dir(&dir).unwrap_err();
        assert!(e.contains("larger than an MNIST file can be"), "{e}");
        std::fs::remove_file(dir.join(IMAGES)).unwrap();
        let e = load_dir(&dir).unwrap_err();
        assert!(e.contains("no train-images-idx3-ubyte[.gz]"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
