//! Tests of the dataset description (`data::source`): two files or four, which file is
//! which, the checks (counts agree, 28×28, labels 0–9, gz or raw), the identity (a
//! fingerprint that is stable and follows the contents, the bundled subset's pinned), the
//! official split's sizes and order, and the `data` parameter's token. Files are built
//! in memory (`common::synthetic`), except for the subset's pinned fingerprint.

mod common;

use common::synthetic::{gzip, images_file, labels_file, synthetic_pixels};
use lr_batch_playground::config::Config;
use lr_batch_playground::data::*;
use lr_batch_playground::runs::{data_sizes, plan_runs};

/// Labels 0..9 cycled, `n` of them, starting at `from`.
fn labels(n: usize, from: u8) -> Vec<u8> {
    (0..n).map(|i| ((i + from as usize) % 10) as u8).collect()
}

/// An (images, labels) pair of `n` samples.
fn pair(n: usize, from: u8) -> (Vec<u8>, Vec<u8>) {
    let l = labels(n, from);
    (
        images_file(n as u32, 28, 28, &synthetic_pixels(&l)),
        labels_file(n as u32, &l),
    )
}

fn file<'a>(name: &'a str, bytes: &'a [u8]) -> DataFile<'a> {
    DataFile { name, bytes }
}

#[test]
fn two_files_split_four_to_one_and_four_files_keep_their_split() {
    let (ti, tl) = pair(60, 0);
    let (si, sl) = pair(20, 3);
    let two = load_files(&[file("i", &ti), file("l", &tl)]).unwrap();
    assert_eq!(two.shape(), DataShape::single(60));
    assert_eq!(two.shape().train_test(), (48, 12));
    let s = two.split(usize::MAX, Norm::None);
    assert_eq!((s.train.len(), s.test.len()), (48, 12));

    let four = load_files(&[
        file("i", &ti),
        file("l", &tl),
        file("ti", &si),
        file("tl", &sl),
    ])
    .unwrap();
    assert_eq!(four.shape(), DataShape::official(60, 20));
    assert_eq!(four.shape().train_test(), (60, 20));
    assert_eq!(four.shape().split_kind(), "official");
    let s = four.split(usize::MAX, Norm::None);
    assert_eq!((s.train.len(), s.test.len()), (60, 20));
    // The test set is the test file's samples (labels start at 3 there), all of them.
    let mut want = sl[8..].to_vec();
    let mut got = s.test.labels.clone();
    want.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, want);
    // `train` limits the training part only, and its prefix is stratified.
    let s = four.split(10, Norm::None);
    assert_eq!((s.train.len(), s.test.len()), (10, 20));
    let mut digits = s.train.labels.clone();
    digits.sort_unstable();
    assert_eq!(digits, (0..10).collect::<Vec<u8>>());
    // The raw test pixels the page shows are in the split's test order.
    let (pixels, test_labels) = four.test_pixels();
    assert_eq!(test_labels, s.test.labels);
    assert_eq!(pixels.len(), 20 * PIXELS);
    assert_eq!(pixels[5 * PIXELS] as f32 / 255.0, s.test.image(5)[0]);
}

#[test]
fn the_plan_takes_the_shape() {
    let c = Config::from_query("train=50000").unwrap();
    let s = data_sizes(&c, DataShape::official(60_000, 10_000)).unwrap();
    assert_eq!(
        (s.images, s.train_avail, s.train, s.test),
        (60_000, 60_000, 50_000, 10_000)
    );
    let s = data_sizes(&c, DataShape::SUBSET).unwrap();
    assert_eq!((s.train_avail, s.train, s.test), (8000, 8000, 2000));
    let p = plan_runs(&c, DataShape::official(600, 100)).unwrap();
    assert_eq!((p[0].train_size, p[0].test_size), (600, 100));
    // The shape a config plans with: its own token's counts, or the bundled file's.
    let own = Config::from_query("data=own-600-100-0123456789abcdef").unwrap();
    assert_eq!(
        shape_of(&own.data, Some(10_000)),
        DataShape::official(600, 100)
    );
    assert_eq!(shape_of(&c.data, Some(9000)), DataShape::single(9000));
    assert_eq!(shape_of(&c.data, None), DataShape::SUBSET);
}

#[test]
fn mismatched_counts_wrong_size_and_bad_labels_name_the_file() {
    let (ti, tl) = pair(30, 0);
    let (si, _) = pair(10, 0);
    let e = load_files(&[
        file("a.idx3", &ti),
        file("b.idx1", &labels_file(29, &labels(29, 0))),
    ])
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("a.idx3 and b.idx1: count mismatch"), "{e}");
    let small = images_file(30, 14, 14, &vec![0; 30 * 196]);
    let e = load_files(&[file("small.idx3", &small), file("l", &tl)])
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("small.idx3: images file: images are 14×14"),
        "{e}"
    );
    let mut bad = labels(10, 0);
    bad[7] = 12;
    let e = load_files(&[
        file("i", &ti),
        file("l", &tl),
        file("t10k-i", &si),
        file("t10k-l.gz", &gzip(&labels_file(10, &bad))),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("t10k-l.gz: labels file: label 12 at index 7"),
        "{e}"
    );
    let e = load_files(&[file("i", &ti)]).unwrap_err().to_string();
    assert!(e.contains("1 file given"), "{e}");
}

#[test]
fn files_in_any_order_are_arranged_by_header_and_name() {
    let (ti, tl) = pair(60, 0);
    let (si, sl) = pair(20, 0);
    let (tig, slg) = (gzip(&ti), gzip(&sl));
    let given = [
        file("t10k-labels-idx1-ubyte.gz", &slg),
        file("train-images-idx3-ubyte.gz", &tig),
        file("t10k-images-idx3-ubyte", &si),
        file("train-labels-idx1-ubyte", &tl),
    ];
    assert_eq!(arrange(&given).unwrap(), vec![1, 3, 2, 0]);
    // Names win over sizes: a larger pair named t10k-… is still the test pair.
    let big_test = [
        file("train-images", &si),
        file("t10k-images", &ti),
        file("t10k-labels", &tl),
        file("train-labels", &sl),
    ];
    assert_eq!(arrange(&big_test).unwrap(), vec![0, 3, 1, 2]);
    // Without telling names, the smaller pair is the test pair.
    let unnamed = [
        file("a", &si),
        file("b", &sl),
        file("c", &ti),
        file("d", &tl),
    ];
    assert_eq!(arrange(&unnamed).unwrap(), vec![2, 3, 0, 1]);
    // Two files: images then labels, whatever the order given.
    assert_eq!(
        arrange(&[file("l", &tl), file("i", &ti)]).unwrap(),
        vec![1, 0]
    );
    let (order, loaded) = load_any(&given).unwrap();
    assert_eq!(order, vec![1, 3, 2, 0]);
    assert_eq!(loaded.shape(), DataShape::official(60, 20));
    // Two images files and no labels file; a file that is not IDX; equal unnamed pairs.
    let e = arrange(&[file("x", &ti), file("y", &si)])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("2 images files (x, y) and 0 labels files"),
        "{e}"
    );
    let e = arrange(&[file("notes.txt", b"hello, world"), file("l", &tl)])
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("notes.txt: not an MNIST IDX file"), "{e}");
    let e = arrange(&[
        file("a", &ti),
        file("b", &tl),
        file("c", &ti),
        file("d", &tl),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("cannot tell the training files from the test files"),
        "{e}"
    );
}

#[test]
fn the_fingerprint_is_stable_and_follows_the_contents() {
    let (ti, tl) = pair(30, 0);
    let a = load_files(&[file("i", &ti), file("l", &tl)]).unwrap();
    // gzipped or raw: the same data, the same identity.
    let (tig, tlg) = (gzip(&ti), gzip(&tl));
    let b = load_files(&[file("i.gz", &tig), file("l.gz", &tlg)]).unwrap();
    assert_eq!(a.fingerprint(), b.fingerprint());
    // Stable: FNV-1a 64 of (count, pixels, labels), computed here the long way.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in 30u32.to_be_bytes().iter().chain(&ti[16..]).chain(&tl[8..]) {
        h = (h ^ byte as u64).wrapping_mul(0x0000_0100_0000_01b3);
    }
    assert_eq!(a.fingerprint(), h);
    // One pixel or one label changed: another fingerprint.
    let mut ti2 = ti.clone();
    ti2[16 + 400] ^= 1;
    let c = load_files(&[file("i", &ti2), file("l", &tl)]).unwrap();
    assert_ne!(c.fingerprint(), a.fingerprint());
    let mut l2 = labels(30, 0);
    l2.swap(0, 1);
    let d = load_files(&[file("i", &ti), file("l", &labels_file(30, &l2))]).unwrap();
    assert_ne!(d.fingerprint(), a.fingerprint());
    // The same images as a test pair of their own are another dataset.
    let e = load_files(&[
        file("i", &ti),
        file("l", &tl),
        file("i", &ti),
        file("l", &tl),
    ])
    .unwrap();
    assert_ne!(e.fingerprint(), a.fingerprint());
    let id = a.identity();
    assert_eq!(id.to_string(), format!("own-30-{h:016x}"));
    assert_eq!(DatasetId::parse(&id.to_string()), Ok(id));
    assert_eq!(
        e.identity().to_string(),
        format!("own-30-30-{:016x}", e.fingerprint())
    );
}

#[test]
fn the_bundled_subset_is_mnist_subset_wherever_it_comes_from() {
    let images = common::mnist_file("train-images-idx3-ubyte.gz");
    let labels = common::mnist_file("train-labels-idx1-ubyte.gz");
    let loaded = load_files(&[file("i", &images), file("l", &labels)]).unwrap();
    assert_eq!(
        format!("{:016x}", loaded.fingerprint()),
        format!("{SUBSET_FINGERPRINT:016x}"),
        "the subset's fingerprint moved: its files are not the ones `make data` writes"
    );
    assert_eq!(loaded.identity(), DatasetId::Subset);
    assert_eq!(loaded.identity().to_string(), SUBSET);
    // Its split is the one every run has always used, bit for bit.
    let m = load_mnist(&images, &labels).unwrap();
    assert_eq!(
        loaded.split(1000, Norm::Standard),
        split(&m, 1000, Norm::Standard)
    );
}

#[test]
fn tokens_read_back_and_nothing_else_does() {
    for t in [
        "mnist-subset",
        "own-10000-0123456789abcdef",
        "own-60000-10000-fedcba9876543210",
        "own-1-1-0000000000000000",
    ] {
        let id = DatasetId::parse(t).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(id.to_string(), t);
    }
    for t in [
        "",
        "own",
        "own-",
        "mnist",
        "own-0-0123456789abcdef",
        "own-010-0123456789abcdef",
        "own-100001-0123456789abcdef",
        "own-10-0123456789ABCDEF",
        "own-10-0123456789abcde",
        "own-10-20-30-0123456789abcdef",
        "own-+10-0123456789abcdef",
    ] {
        assert!(DatasetId::parse(t).is_err(), "{t:?} should not parse");
    }
    // Through the config: the default is left out of URLs and JSON, as before.
    let c = Config::default();
    assert_eq!(c.data, SUBSET);
    assert!(!c.to_json().contains("data"));
    let own = Config::from_query("data=own-600-100-0123456789abcdef").unwrap();
    assert_eq!(own.to_query(), "data=own-600-100-0123456789abcdef");
    assert_eq!(Config::from_json(&own.to_json()).unwrap(), own);
    let e = Config::from_query("data=own-5").unwrap_err();
    assert_eq!(e.param, "data");
    assert!(e.message.contains("16-hex-digit fingerprint"), "{e}");
}
