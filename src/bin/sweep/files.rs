//! Reading the MNIST files for the CLI: `--data DIR` (or the subset `make data` writes),
//! each file's size checked before it is read, so a wrong path to a huge file fails
//! with a message instead of filling the memory.

use std::io::Read;
use std::path::{Path, PathBuf};

use lr_batch_playground::config::Config;
use lr_batch_playground::data::{self, Split, MAX_IMAGES_FILE_BYTES, MAX_LABELS_FILE_BYTES};

/// Where `make data` writes the MNIST subset, relative to the crate root.
pub const DEFAULT_DATA: &str = "data/mnist";

/// `stem.gz` or `stem` in `dir`, whichever exists first.
fn find(dir: &Path, stem: &str) -> Option<PathBuf> {
    [format!("{stem}.gz"), stem.to_string()]
        .into_iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// The largest file accepted for an IDX file of at most `raw` bytes: gzip can make
/// incompressible data slightly larger (5 bytes per 64 KB block plus its header).
fn file_limit(raw: usize) -> u64 {
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

/// The split of the MNIST files in `dir` (default [`DEFAULT_DATA`], running `make data`
/// there when it is missing).
pub fn load_data(dir: Option<&String>, cfg: &Config) -> Result<Split, String> {
    let dir = match dir {
        Some(d) => PathBuf::from(d),
        None => {
            let d = PathBuf::from(DEFAULT_DATA);
            if find(&d, "train-images-idx3-ubyte").is_none() {
                eprintln!("MNIST files not found in {DEFAULT_DATA}: running `make data`");
                let ok = std::process::Command::new("make")
                    .arg("data")
                    .status()
                    .map(|s| s.success());
                if !matches!(ok, Ok(true)) {
                    return Err(
                        "`make data` failed; run it from the project folder, or pass --data DIR"
                            .into(),
                    );
                }
            }
            d
        }
    };
    let read = |stem: &str, raw: usize| -> Result<Vec<u8>, String> {
        let path =
            find(&dir, stem).ok_or_else(|| format!("{}: no {stem}[.gz] there", dir.display()))?;
        read_bounded(&path, file_limit(raw))
    };
    let images = read("train-images-idx3-ubyte", MAX_IMAGES_FILE_BYTES)?;
    let labels = read("train-labels-idx1-ubyte", MAX_LABELS_FILE_BYTES)?;
    let mnist =
        data::load_mnist(&images, &labels).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(data::split(&mnist, cfg.train, cfg.norm))
}
