//! The CLI on data of one's own: `--data DIR` with the four official file names uses the
//! official split, and the CSV's `data` column is the dataset's identity (the one the page
//! computes for the same files), so a page link from the run names the same data. A
//! dataset identity given instead of a folder is the bundled subset (`mnist-subset`) or an
//! error that says to pass the folder.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::synthetic::gzip;
use lr_batch_playground::data::{load_files, load_mnist, DataFile, PIXELS};

fn sweep() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sweep"))
}

/// IDX files of samples `from..to` of the subset: (images, labels).
fn cut(m: &lr_batch_playground::data::Mnist, from: usize, to: usize) -> (Vec<u8>, Vec<u8>) {
    let n = (to - from) as u32;
    let mut images = [0x0803u32, n, 28, 28]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect::<Vec<u8>>();
    images.extend_from_slice(&m.pixels[from * PIXELS..to * PIXELS]);
    let mut labels = [0x0801u32, n]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect::<Vec<u8>>();
    labels.extend_from_slice(&m.labels[from..to]);
    (images, labels)
}

#[test]
fn the_official_names_give_the_official_split_and_the_csv_names_the_data() {
    let m = load_mnist(
        &common::mnist_file("train-images-idx3-ubyte.gz"),
        &common::mnist_file("train-labels-idx1-ubyte.gz"),
    )
    .unwrap();
    // The subset is grouped by digit: every 25th image gives every digit to both parts.
    let (mut ti, mut tl, mut si, mut sl) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut train = lr_batch_playground::data::Mnist {
        pixels: Vec::new(),
        labels: Vec::new(),
    };
    let mut test = train.clone();
    for i in (0..10_000).step_by(25) {
        let part = if i % 100 == 0 { &mut test } else { &mut train };
        part.pixels
            .extend_from_slice(&m.pixels[i * PIXELS..(i + 1) * PIXELS]);
        part.labels.push(m.labels[i]);
    }
    let (a, b) = cut(&train, 0, train.len());
    ti.extend(gzip(&a));
    tl.extend(b);
    let (a, b) = cut(&test, 0, test.len());
    si.extend(a);
    sl.extend(gzip(&b));
    let dir = std::env::temp_dir().join(format!("lrbp-cli-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in [
        ("train-images-idx3-ubyte.gz", &ti),
        ("train-labels-idx1-ubyte", &tl),
        ("t10k-images-idx3-ubyte", &si),
        ("t10k-labels-idx1-ubyte.gz", &sl),
    ] {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let want = load_files(&[
        DataFile {
            name: "a",
            bytes: &ti,
        },
        DataFile {
            name: "b",
            bytes: &tl,
        },
        DataFile {
            name: "c",
            bytes: &si,
        },
        DataFile {
            name: "d",
            bytes: &sl,
        },
    ])
    .unwrap()
    .identity()
    .to_string();
    assert_eq!(want, format!("own-300-100-{}", &want[12..]));

    let prefix: PathBuf = dir.join("out");
    let o = sweep()
        .args([
            "--epochs", "1", "--train", "250", "--b0", "25", "--quiet", "--data",
        ])
        .arg(&dir)
        .arg("--out")
        .arg(&prefix)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{stderr}");
    // 250 of the 300 training images, and the whole test file (not a fifth of 300).
    assert!(
        stderr.contains("on 250 training / 100 test digits"),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("data={want}")), "{stderr}");
    let csv = std::fs::read_to_string(prefix.with_extension("csv")).unwrap();
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    let col = rd
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "data")
        .unwrap();
    let rows: Vec<_> = rd.records().map(Result::unwrap).collect();
    assert!(
        !rows.is_empty() && rows.iter().all(|r| &r[col] == want.as_str()),
        "{csv}"
    );

    // The identity instead of the folder: the CLI says to pass the folder.
    let o = sweep()
        .args(["--epochs", "1", "--data", &want])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(stderr.contains("pass --data DIR"), "{stderr}");
    // Only one of the two test files: refused, naming them.
    std::fs::remove_file(dir.join("t10k-labels-idx1-ubyte.gz")).unwrap();
    let o = sweep()
        .args(["--epochs", "1", "--data"])
        .arg(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(stderr.contains("a test split needs both"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}
