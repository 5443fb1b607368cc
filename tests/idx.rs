//! Tests of IDX parsing (`data::idx`) on synthetic files built in memory: good files raw,
//! gzipped and mixed, the official sizes, and every error path of a header or its data
//! (wrong magic, truncation, trailing bytes, count mismatch, other dimensions, labels out
//! of range), each message naming the file and the field. Limits (allocation bounds,
//! corrupt and oversized gzip) are in `idx_limits.rs`.

mod common;

use common::synthetic::*;
use std::borrow::Cow;

use lr_batch_playground::data::*;

// ---------------------------------------------------------------------------------------
// Parsing: good files

#[test]
fn good_files_parse_raw_gzipped_and_mixed() {
    let (imgs, lbls, pixels, labels) = small_files();
    let (gi, gl) = (gzip(&imgs), gzip(&lbls));
    for (i, l) in [(&imgs, &lbls), (&gi, &gl), (&gi, &lbls), (&imgs, &gl)] {
        let m = load_mnist(i, l).unwrap();
        assert_eq!(m.len(), 7);
        assert!(!m.is_empty());
        assert_eq!(m.pixels, pixels);
        assert_eq!(m.labels, labels);
    }
}

#[test]
fn parse_images_and_labels_directly() {
    let (imgs, lbls, pixels, labels) = small_files();
    let im = parse_images(&imgs).unwrap();
    assert_eq!((im.count, im.rows, im.cols), (7, 28, 28));
    assert_eq!(im.pixels, pixels);
    assert_eq!(parse_labels(&lbls).unwrap(), labels);
}

#[test]
fn gunzip_borrows_raw_input_and_inflates_gzip() {
    let (imgs, ..) = small_files();
    assert!(matches!(
        gunzip_if_needed(&imgs, "images file").unwrap(),
        Cow::Borrowed(_)
    ));
    let gz = gzip(&imgs);
    match gunzip_if_needed(&gz, "images file").unwrap() {
        Cow::Owned(v) => assert_eq!(v, imgs),
        Cow::Borrowed(_) => panic!("gzip input must be inflated"),
    }
    // Two concatenated gzip members are one valid gzip file (RFC 1952).
    let mut two = gzip(&imgs[..100]);
    two.extend(gzip(&imgs[100..]));
    assert_eq!(&*gunzip_if_needed(&two, "images file").unwrap(), &imgs[..]);
}

#[test]
fn official_sizes_parse() {
    // 60,000 images (47,040,016 bytes raw) must pass the size caps, gzipped too.
    for n in [60_000usize, 10_000] {
        let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
        let mut pixels = vec![0u8; n * PIXELS];
        for i in 0..n {
            pixels[i * PIXELS + 300] = (i % 251) as u8;
        }
        let imgs = images_file(n as u32, 28, 28, &pixels);
        if n == 60_000 {
            assert_eq!(imgs.len(), 47_040_016);
        }
        let m = load_mnist(&gzip(&imgs), &gzip(&labels_file(n as u32, &labels))).unwrap();
        assert_eq!(m.len(), n);
        assert_eq!(m.pixels[(n - 1) * PIXELS + 300], ((n - 1) % 251) as u8);
    }
    const { assert!(MAX_IMAGES_FILE_BYTES >= 47_040_016) };
}

// ---------------------------------------------------------------------------------------
// Parsing: every error path

#[test]
fn wrong_magic_in_either_file() {
    let (imgs, lbls, ..) = small_files();
    // Files swapped: the likeliest mistake.
    let e = load_mnist(&lbls, &imgs).unwrap_err();
    assert_eq!(
        e,
        DataError::BadMagic {
            what: "images file",
            expected: 0x0803,
            found: 0x0801
        }
    );
    assert_message(
        &e,
        &[
            "images file",
            "wrong magic",
            "0x00000803",
            "0x00000801",
            "labels file",
        ],
    );

    let e = load_mnist(&imgs, &imgs).unwrap_err();
    assert_eq!(
        e,
        DataError::BadMagic {
            what: "labels file",
            expected: 0x0801,
            found: 0x0803
        }
    );
    assert_message(
        &e,
        &["labels file", "wrong magic", "0x00000801", "0x00000803"],
    );

    let e = parse_images(b"GIF89a..........").unwrap_err();
    assert!(matches!(
        e,
        DataError::BadMagic {
            found: 0x4749_4638,
            ..
        }
    ));
    assert_message(&e, &["images file", "0x47494638", "not an MNIST IDX file"]);
}

#[test]
fn truncated_headers() {
    let (imgs, lbls, ..) = small_files();
    let e = parse_images(&imgs[..10]).unwrap_err();
    assert_eq!(
        e,
        DataError::Truncated {
            what: "images file",
            expected: 16,
            found: 10
        }
    );
    assert_message(
        &e,
        &["images file", "truncated", "expected 16 bytes", "found 10"],
    );
    let e = parse_labels(&lbls[..6]).unwrap_err();
    assert_eq!(
        e,
        DataError::Truncated {
            what: "labels file",
            expected: 8,
            found: 6
        }
    );
    assert_message(
        &e,
        &["labels file", "truncated", "expected 8 bytes", "found 6"],
    );
    // Shorter than the magic, and empty input.
    assert!(matches!(
        parse_images(&imgs[..2]),
        Err(DataError::Truncated { found: 2, .. })
    ));
    assert!(matches!(
        load_mnist(&[], &lbls),
        Err(DataError::Truncated {
            what: "images file",
            found: 0,
            ..
        })
    ));
    assert!(matches!(
        load_mnist(&imgs, &[]),
        Err(DataError::Truncated {
            what: "labels file",
            found: 0,
            ..
        })
    ));
}

#[test]
fn truncated_data() {
    let (imgs, lbls, ..) = small_files();
    let e = load_mnist(&imgs[..imgs.len() - 1], &lbls).unwrap_err();
    assert_eq!(
        e,
        DataError::Truncated {
            what: "images file",
            expected: 16 + 7 * 784,
            found: 16 + 7 * 784 - 1
        }
    );
    assert_message(
        &e,
        &[
            "images file",
            "truncated",
            "expected 5504 bytes",
            "found 5503",
        ],
    );
    let e = load_mnist(&imgs, &lbls[..10]).unwrap_err();
    assert_eq!(
        e,
        DataError::Truncated {
            what: "labels file",
            expected: 15,
            found: 10
        }
    );
    assert_message(&e, &["labels file", "expected 15 bytes", "found 10"]);
}

#[test]
fn trailing_bytes() {
    let (mut imgs, mut lbls, ..) = small_files();
    let (good_imgs, good_lbls) = (imgs.clone(), lbls.clone());
    imgs.extend_from_slice(&[0; 3]);
    let e = load_mnist(&imgs, &good_lbls).unwrap_err();
    assert_eq!(
        e,
        DataError::TrailingBytes {
            what: "images file",
            expected: 5504,
            found: 5507
        }
    );
    assert_message(&e, &["images file", "3 trailing bytes", "5504", "5507"]);
    lbls.push(1);
    let e = load_mnist(&good_imgs, &lbls).unwrap_err();
    assert!(matches!(
        e,
        DataError::TrailingBytes {
            what: "labels file",
            ..
        }
    ));
    assert_message(&e, &["labels file", "1 trailing bytes"]);
}

#[test]
fn count_mismatch() {
    let (imgs, _, _, labels) = small_files();
    let e = load_mnist(&imgs, &labels_file(6, &labels[..6])).unwrap_err();
    assert_eq!(
        e,
        DataError::CountMismatch {
            images: 7,
            labels: 6
        }
    );
    assert_message(
        &e,
        &["count mismatch", "images file has 7", "labels file has 6"],
    );
}

#[test]
fn dimensions_other_than_28x28() {
    let e = parse_images(&images_file(2, 27, 28, &[0; 2 * 27 * 28])).unwrap_err();
    assert_eq!(e, DataError::BadDimensions { rows: 27, cols: 28 });
    assert_message(&e, &["images file", "27×28", "28×28"]);
    let e = parse_images(&images_file(1, 28, 0, &[])).unwrap_err();
    assert_eq!(e, DataError::BadDimensions { rows: 28, cols: 0 });
}

#[test]
fn label_out_of_range() {
    let (imgs, ..) = small_files();
    let labels = [3u8, 1, 4, 1, 10, 9, 2];
    let e = load_mnist(&imgs, &labels_file(7, &labels)).unwrap_err();
    assert_eq!(
        e,
        DataError::BadLabel {
            index: 4,
            label: 10
        }
    );
    assert_message(&e, &["labels file", "label 10", "index 4"]);
}
