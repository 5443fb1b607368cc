//! Where the CLI finds the MNIST files: `--data DIR`, or the subset `make data` writes
//! (running it when the files are missing). `--data` also takes a dataset identity, as
//! a CSV's `data` column records it: `mnist-subset` is the subset; an `own-…` identity
//! needs the folder of those files. Reading and size checks are the library's `files`
//! module; the dataset's identity is the core's (`data::DatasetId`).

use std::path::{Path, PathBuf};

use lr_batch_playground::config::Config;
use lr_batch_playground::data::{DatasetId, Split};
use lr_batch_playground::files::{self, IMAGES, SUBSET_DIR};

/// Where `make data` writes the MNIST subset, relative to the crate root.
pub const DEFAULT_DATA: &str = SUBSET_DIR;

/// The split of the dataset in `dir` (default [`DEFAULT_DATA`], running `make data`
/// there when it is missing), and the dataset's identity.
pub fn load_data(dir: Option<&String>, cfg: &Config) -> Result<(Split, DatasetId), String> {
    let dir = match dir {
        Some(d) if !Path::new(d).exists() && DatasetId::parse(d).is_ok() => {
            match DatasetId::parse(d)? {
                DatasetId::Subset => subset_dir()?,
                own => {
                    return Err(format!(
                        "--data {own} names a dataset of your own ({}): pass --data DIR, the \
                         folder holding its files",
                        own.describe()
                    ))
                }
            }
        }
        Some(d) => PathBuf::from(d),
        None => subset_dir()?,
    };
    let loaded = files::load_set(&dir)?;
    Ok((loaded.split(cfg.train, cfg.norm), loaded.identity()))
}

/// The subset's folder, running `make data` when it is missing.
fn subset_dir() -> Result<PathBuf, String> {
    let d = PathBuf::from(DEFAULT_DATA);
    if files::find(&d, IMAGES).is_none() {
        eprintln!("MNIST files not found in {DEFAULT_DATA}: running `make data`");
        let ok = std::process::Command::new("make")
            .arg("data")
            .status()
            .map(|s| s.success());
        if !matches!(ok, Ok(true)) {
            return Err(
                "`make data` failed; run it from the project folder, or pass --data DIR".into(),
            );
        }
    }
    Ok(d)
}
