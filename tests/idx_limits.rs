//! Tests of what IDX parsing refuses to spend: an absurd count fails before allocating, a
//! gzip bomb costs at most the cap, a corrupt or swapped gzip file is named as such, and
//! no input makes the parser panic. Allocations are measured, not assumed, with the
//! counting allocator of `tests/common/` (per thread: the harness runs tests in parallel).

mod common;

use common::synthetic::*;
use std::io::Write;

use common::{allocations, Allocated, Counting};
use flate2::write::GzEncoder;
use flate2::Compression;
use lr_batch_playground::data::*;

#[global_allocator]
static ALLOC: Counting = Counting;

#[test]
fn absurd_count_fails_fast_without_allocating() {
    let header = images_file(u32::MAX, 28, 28, &[]);
    assert_eq!(header.len(), 16);
    let (r, Allocated { largest, total, .. }) = allocations(|| parse_images(&header));
    let e = r.unwrap_err();
    assert_eq!(
        e,
        DataError::AbsurdCount {
            what: "images file",
            count: u32::MAX,
            max: MAX_IMAGES
        }
    );
    assert_message(&e, &["images file", "absurd count 4294967295"]);
    assert_eq!((largest, total), (0, 0), "nothing may be allocated");

    let (r, Allocated { total, .. }) = allocations(|| parse_labels(&labels_file(u32::MAX, &[])));
    assert!(matches!(
        r,
        Err(DataError::AbsurdCount {
            what: "labels file",
            ..
        })
    ));
    // The file built inside the closure is the only allocation.
    assert!(total <= 64, "allocated {total} bytes");

    // One over the cap is absurd; a plausible count with no data is merely truncated,
    // and also found before any allocation.
    let over = images_file(MAX_IMAGES as u32 + 1, 28, 28, &[]);
    assert!(matches!(
        parse_images(&over),
        Err(DataError::AbsurdCount { count: 100_001, .. })
    ));
    let plausible = images_file(60_000, 28, 28, &[]);
    let (r, Allocated { total, .. }) = allocations(|| parse_images(&plausible));
    assert_eq!(
        r.unwrap_err(),
        DataError::Truncated {
            what: "images file",
            expected: 47_040_016,
            found: 16
        }
    );
    assert_eq!(total, 0);
}

#[test]
fn corrupt_gzip() {
    let (imgs, lbls, ..) = small_files();
    let gz = gzip(&imgs);
    // Flipped bits in the deflate stream, a cut-off stream, a bad CRC, a bare magic, and
    // garbage after a valid member: all must be BadGzip, none may pass as data.
    let mut flipped = gz.clone();
    for b in &mut flipped[12..40] {
        *b ^= 0x5a;
    }
    let cut = gz[..gz.len() / 2].to_vec();
    let mut bad_crc = gz.clone();
    let n = bad_crc.len();
    bad_crc[n - 8] ^= 1;
    let mut garbage_after = gz.clone();
    garbage_after.extend_from_slice(b"not gzip");
    for (name, bad) in [
        ("flipped", flipped),
        ("cut", cut),
        ("bad crc", bad_crc),
        ("bare magic", vec![0x1f, 0x8b]),
        ("garbage after", garbage_after),
    ] {
        let e = load_mnist(&bad, &lbls).unwrap_err();
        assert!(
            matches!(
                e,
                DataError::BadGzip {
                    what: "images file",
                    ..
                }
            ),
            "{name}: {e:?}"
        );
        assert_message(&e, &["images file", "bad gzip"]);
    }
    let e = load_mnist(&imgs, &gzip(&lbls)[..20]).unwrap_err();
    assert!(matches!(
        e,
        DataError::BadGzip {
            what: "labels file",
            ..
        }
    ));
    assert_message(&e, &["labels file", "bad gzip"]);
}

#[test]
fn gzip_bomb_is_too_large_and_costs_at_most_the_cap() {
    // 200 MB of zeros, compressed chunk by chunk so the test itself stays small.
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..200 {
        enc.write_all(&zeros).unwrap();
    }
    let bomb = enc.finish().unwrap();
    drop(zeros);
    assert!(bomb.len() < 1 << 20, "bomb is {} bytes", bomb.len());

    let (r, Allocated { largest, .. }) =
        allocations(|| gunzip_if_needed(&bomb, "images file").map(|c| c.len()));
    let e = r.unwrap_err();
    assert_eq!(
        e,
        DataError::TooLarge {
            what: "images file",
            limit: MAX_IMAGES_FILE_BYTES
        }
    );
    assert_message(
        &e,
        &["images file", "too large after decompression", "78400016"],
    );
    assert!(
        largest <= MAX_IMAGES_FILE_BYTES,
        "largest allocation {largest} exceeds the cap"
    );

    // Through load_mnist too, with a valid header in front of the zeros.
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(&images_file(60_000, 28, 28, &[])).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..100 {
        enc.write_all(&zeros).unwrap();
    }
    let bomb = enc.finish().unwrap();
    let (imgs, lbls, ..) = small_files();
    let e = load_mnist(&bomb, &lbls).unwrap_err();
    assert!(
        matches!(
            e,
            DataError::TooLarge {
                what: "images file",
                ..
            }
        ),
        "{e:?}"
    );

    // The labels file has its own, much smaller cap: a 1 MB labels bomb is refused.
    let mut big_labels = labels_file(0, &[]);
    big_labels.resize(1 << 20, 0);
    let e = load_mnist(&imgs, &gzip(&big_labels)).unwrap_err();
    assert_eq!(
        e,
        DataError::TooLarge {
            what: "labels file",
            limit: MAX_LABELS_FILE_BYTES
        }
    );
    assert_message(&e, &["labels file", "too large", "100008"]);
}

#[test]
fn swapped_gzipped_files_are_reported_as_swapped_not_too_large() {
    // A real images file is far above the labels cap; the early magic check must name
    // the mistake instead of reporting the size.
    let labels: Vec<u8> = (0..1000).map(|i| (i % 10) as u8).collect();
    let imgs = gzip(&images_file(1000, 28, 28, &synthetic_pixels(&labels)));
    let lbls = gzip(&labels_file(1000, &labels));
    const { assert!(1000 * PIXELS > MAX_LABELS_FILE_BYTES) };
    let e = load_mnist(&imgs, &imgs).unwrap_err();
    assert_eq!(
        e,
        DataError::BadMagic {
            what: "labels file",
            expected: LABELS_MAGIC,
            found: IMAGES_MAGIC
        }
    );
    assert_message(&e, &["labels file", "that is an images file"]);
    let e = load_mnist(&lbls, &imgs).unwrap_err();
    assert_eq!(
        e,
        DataError::BadMagic {
            what: "images file",
            expected: IMAGES_MAGIC,
            found: LABELS_MAGIC
        }
    );
}

#[test]
fn gzip_capacity_is_justified_by_the_input() {
    // A tiny gzip file whose trailer lies about its size (claims 4 GB) must not make the
    // loader reserve 4 GB, nor the 78 MB cap: only what ~1032:1 deflate can justify.
    let mut liar = gzip(&[1, 2, 3]);
    let n = liar.len();
    liar[n - 4..].copy_from_slice(&u32::MAX.to_le_bytes());
    let (r, Allocated { largest, .. }) =
        allocations(|| gunzip_if_needed(&liar, "images file").map(|c| c.len()));
    assert!(matches!(r, Err(DataError::BadGzip { .. })), "{r:?}");
    assert!(largest <= 1032 * n + 70_000, "largest allocation {largest}");
}

#[test]
fn empty_dataset() {
    let e = load_mnist(&images_file(0, 28, 28, &[]), &labels_file(0, &[])).unwrap_err();
    assert_eq!(e, DataError::Empty);
    assert_message(&e, &["empty dataset"]);
    // parse_* accept a zero count: emptiness is a dataset property, not a file error.
    assert_eq!(
        parse_labels(&labels_file(0, &[])).unwrap(),
        Vec::<u8>::new()
    );
}

#[test]
fn no_input_panics() {
    // Every prefix of a valid file (raw and gzipped) and random byte strings, with and
    // without a valid-looking header, must return, never panic; only the full files pass.
    let (imgs, lbls, ..) = small_files();
    let (gi, gl) = (gzip(&imgs), gzip(&lbls));
    for k in 0..imgs.len() {
        assert!(load_mnist(&imgs[..k], &lbls).is_err());
    }
    for k in 0..gi.len() {
        assert!(load_mnist(&gi[..k], &gl).is_err());
    }
    for k in 0..gl.len() {
        assert!(load_mnist(&gi, &gl[..k]).is_err());
    }
    let mut rng = Lcg(7);
    for round in 0..2000 {
        let len = rng.below(64);
        let mut junk: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        match round % 4 {
            1 if len >= 4 => junk[..4].copy_from_slice(&[0, 0, 8, 3]),
            2 if len >= 2 => junk[..2].copy_from_slice(&[0x1f, 0x8b]),
            3 if len >= 16 => junk[..16].copy_from_slice(&imgs[..16]),
            _ => {}
        }
        let _ = load_mnist(&junk, &junk);
        let _ = load_mnist(&junk, &lbls);
        let _ = load_mnist(&imgs, &junk);
    }
}
