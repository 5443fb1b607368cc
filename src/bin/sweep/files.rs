//! Where the CLI finds the MNIST files: `--data DIR`, or the subset `make data` writes
//! (running it when the files are missing). Reading and size checks are the library's
//! `files` module.

use std::path::PathBuf;

use lr_batch_playground::config::Config;
use lr_batch_playground::data::{self, Split};
use lr_batch_playground::files::{self, IMAGES, SUBSET_DIR};

/// Where `make data` writes the MNIST subset, relative to the crate root.
pub const DEFAULT_DATA: &str = SUBSET_DIR;

/// The split of the MNIST files in `dir` (default [`DEFAULT_DATA`], running `make data`
/// there when it is missing).
pub fn load_data(dir: Option<&String>, cfg: &Config) -> Result<Split, String> {
    let dir = match dir {
        Some(d) => PathBuf::from(d),
        None => {
            let d = PathBuf::from(DEFAULT_DATA);
            if files::find(&d, IMAGES).is_none() {
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
    let mnist = files::load_dir(&dir)?;
    Ok(data::split(&mnist, cfg.train, cfg.norm))
}
