//! Tests of `data`: IDX parsing on synthetic files built here, every error path, and the
//! split rule on synthetic datasets whose images are all distinct (each encodes its own
//! index), so overlaps and reorderings are visible.
//!
//! A counting global allocator records the largest single allocation made by the current
//! thread, so "fails without allocating" and "a gzip bomb costs at most the cap" are
//! asserted, not assumed. It is per thread because the test harness runs tests in parallel.

use std::alloc::{GlobalAlloc, Layout, System};
use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashSet;
use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;
use lr_batch_playground::data::*;

// ---------------------------------------------------------------------------------------
// Allocation tracking

struct Tracking;

thread_local! {
    // Const-initialised Cells need no lazy registration, so touching them inside the
    // allocator cannot recurse into it.
    static LARGEST: Cell<usize> = const { Cell::new(0) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|c| c.set(c.get().max(size)));
    let _ = TOTAL.try_with(|c| c.set(c.get().saturating_add(size)));
}

unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOC: Tracking = Tracking;

/// Runs `f`; returns its result, the largest single allocation and the total allocated.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    LARGEST.with(|c| c.set(0));
    TOTAL.with(|c| c.set(0));
    let r = f();
    (r, LARGEST.with(|c| c.get()), TOTAL.with(|c| c.get()))
}

// ---------------------------------------------------------------------------------------
// Synthetic files

fn images_file(count: u32, rows: u32, cols: u32, pixels: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    for w in [0x0803, count, rows, cols] {
        f.extend_from_slice(&u32::to_be_bytes(w));
    }
    f.extend_from_slice(pixels);
    f
}

fn labels_file(count: u32, labels: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    for w in [0x0801, count] {
        f.extend_from_slice(&u32::to_be_bytes(w));
    }
    f.extend_from_slice(labels);
    f
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// `n` distinct images: image i has its index in pixels 0..3 and a stroke of ink that
/// depends on the label, so pixel statistics are not trivial.
fn synthetic_pixels(labels: &[u8]) -> Vec<u8> {
    let mut px = vec![0u8; labels.len() * PIXELS];
    for (i, &l) in labels.iter().enumerate() {
        let img = &mut px[i * PIXELS..(i + 1) * PIXELS];
        img[0] = (i % 256) as u8;
        img[1] = (i / 256 % 256) as u8;
        img[2] = (i / 65536) as u8;
        for r in 4..24 {
            img[r * COLS + 6 + l as usize] = 200 + (r as u8 % 50);
        }
    }
    px
}

/// The index encoded by `synthetic_pixels`, read back from an f32 image with Norm::None.
fn decode_id(img: &[f32]) -> usize {
    let b = |k: usize| (img[k] * 255.0).round() as usize;
    b(0) + 256 * b(1) + 65536 * b(2)
}

/// A small deterministic generator (64-bit LCG, high bits), so tests need no RNG crate.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Labels with the given per-class counts, in a scrambled (but fixed) file order.
fn scrambled_labels(counts: &[usize], seed: u64) -> Vec<u8> {
    let mut labels: Vec<u8> = counts
        .iter()
        .enumerate()
        .flat_map(|(c, &n)| std::iter::repeat_n(c as u8, n))
        .collect();
    let mut rng = Lcg(seed);
    for i in (1..labels.len()).rev() {
        labels.swap(i, rng.below(i + 1));
    }
    labels
}

fn mnist_with(labels: Vec<u8>) -> Mnist {
    Mnist {
        pixels: synthetic_pixels(&labels),
        labels,
    }
}

fn small_files() -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
    let labels = vec![3u8, 1, 4, 1, 5, 9, 2];
    let pixels = synthetic_pixels(&labels);
    let imgs = images_file(7, 28, 28, &pixels);
    let lbls = labels_file(7, &labels);
    (imgs, lbls, pixels, labels)
}

fn assert_message(e: &DataError, parts: &[&str]) {
    let msg = e.to_string();
    for p in parts {
        assert!(msg.contains(p), "message {msg:?} should contain {p:?}");
    }
}

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

#[test]
fn absurd_count_fails_fast_without_allocating() {
    let header = images_file(u32::MAX, 28, 28, &[]);
    assert_eq!(header.len(), 16);
    let (r, largest, total) = allocations(|| parse_images(&header));
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

    let (r, _, total) = allocations(|| parse_labels(&labels_file(u32::MAX, &[])));
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
    let (r, _, total) = allocations(|| parse_images(&plausible));
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

    let (r, largest, _) = allocations(|| gunzip_if_needed(&bomb, "images file").map(|c| c.len()));
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
    let (r, largest, _) = allocations(|| gunzip_if_needed(&liar, "images file").map(|c| c.len()));
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

// ---------------------------------------------------------------------------------------
// Split

const NPM_COUNTS: [usize; 10] = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
const NPM_QUOTAS: [usize; 10] = [200, 225, 198, 206, 196, 173, 203, 214, 189, 196];

#[test]
fn test_size_rounds_to_nearest() {
    assert_eq!((TEST_FRACTION_NUM, TEST_FRACTION_DEN), (1, 5));
    for (n, t) in [
        (10_000, 2000),
        (60_000, 12_000),
        (0, 0),
        (1, 0),
        (2, 0),
        (3, 1),
        (12, 2),
        (13, 3),
    ] {
        assert_eq!(test_size(n), t, "test_size({n})");
    }
}

#[test]
fn quotas_of_the_npm_subset() {
    assert_eq!(test_quotas(&NPM_COUNTS), NPM_QUOTAS);
    assert_eq!(NPM_QUOTAS.iter().sum::<usize>(), 2000);
}

#[test]
fn quotas_sum_exactly_and_stay_within_one_of_the_share() {
    let mut rng = Lcg(3);
    for _ in 0..500 {
        let classes = 1 + rng.below(12);
        let counts: Vec<usize> = (0..classes).map(|_| rng.below(300)).collect();
        let n: usize = counts.iter().sum();
        let q = test_quotas(&counts);
        assert_eq!(q.iter().sum::<usize>(), test_size(n), "{counts:?}");
        for (&c, &qc) in counts.iter().zip(&q) {
            // floor or ceil of the exact share t·c/n
            let (num, den) = (test_size(n) * c, n.max(1));
            assert!(
                qc == num / den || qc == num.div_ceil(den),
                "{counts:?} -> {q:?}"
            );
        }
    }
    assert_eq!(test_quotas(&[0, 0, 0]), vec![0, 0, 0]);
}

#[test]
fn balanced_classes_interleave_round_robin() {
    // 5 per class, sorted by class: each class gives 1 test sample, and train goes
    // 0,1,...,9,0,1,... as the key rule ((j+0.5)/4, c) says.
    let labels: Vec<u8> = (0..10u8).flat_map(|c| [c; 5]).collect();
    let s = split(&mnist_with(labels), usize::MAX, Norm::None);
    let want: Vec<u8> = (0..40).map(|i| (i % 10) as u8).collect();
    assert_eq!(s.train.labels, want);
    assert_eq!(s.test.labels, (0..10).collect::<Vec<u8>>());
    // Test pick within each class of 5 with q = 1: floor((j+1)/5) > floor(j/5) at j = 4.
    let test_ids: Vec<usize> = (0..10).map(|i| decode_id(s.test.image(i))).collect();
    assert_eq!(test_ids, (0..10).map(|c| 5 * c + 4).collect::<Vec<_>>());
}

const ODD_COUNTS: [usize; 10] = [37, 52, 8, 0, 61, 23, 45, 30, 19, 50];

#[test]
fn split_sizes_quotas_and_even_spacing() {
    let labels = scrambled_labels(&ODD_COUNTS, 11);
    let n = labels.len();
    let m = mnist_with(labels.clone());
    let s = split(&m, usize::MAX, Norm::None);
    let quotas = test_quotas(&ODD_COUNTS);
    assert_eq!(s.test.len(), test_size(n));
    assert_eq!(s.train.len() + s.test.len(), n);
    assert_eq!(s.train.images.len(), s.train.len() * PIXELS);
    assert_eq!(s.test.images.len(), s.test.len() * PIXELS);
    for (c, &quota) in quotas.iter().enumerate() {
        let in_test = s.test.labels.iter().filter(|&&l| l == c as u8).count();
        assert_eq!(in_test, quota, "class {c}");
        // Within the class (file order), test picks are evenly spaced: the gaps between
        // consecutive picks differ by at most one.
        let class_ids: Vec<usize> = (0..n).filter(|&i| labels[i] == c as u8).collect();
        let test_ids: HashSet<usize> = (0..s.test.len())
            .map(|i| decode_id(s.test.image(i)))
            .collect();
        let picks: Vec<usize> = class_ids
            .iter()
            .enumerate()
            .filter(|(_, id)| test_ids.contains(id))
            .map(|(j, _)| j)
            .collect();
        let gaps: Vec<usize> = picks.windows(2).map(|w| w[1] - w[0]).collect();
        if let (Some(lo), Some(hi)) = (gaps.iter().min(), gaps.iter().max()) {
            assert!(hi - lo <= 1, "class {c} picks {picks:?}");
        }
    }
}

#[test]
fn train_and_test_are_disjoint_and_cover_everything_in_class_file_order() {
    let labels = scrambled_labels(&ODD_COUNTS, 5);
    let n = labels.len();
    let s = split(&mnist_with(labels.clone()), usize::MAX, Norm::None);
    let ids = |d: &Dataset| -> Vec<usize> { (0..d.len()).map(|i| decode_id(d.image(i))).collect() };
    let (train, test) = (ids(&s.train), ids(&s.test));
    let (a, b): (HashSet<_>, HashSet<_>) = (train.iter().collect(), test.iter().collect());
    assert_eq!(a.len(), train.len(), "duplicates in train");
    assert_eq!(b.len(), test.len(), "duplicates in test");
    assert!(a.is_disjoint(&b), "train and test overlap");
    assert_eq!(a.len() + b.len(), n);
    // Labels travel with their images, and each class keeps its file order.
    for (d, idv) in [(&s.train, &train), (&s.test, &test)] {
        for (i, &id) in idv.iter().enumerate() {
            assert_eq!(d.labels[i], labels[id]);
        }
        for c in 0..10u8 {
            let of_c: Vec<usize> = idv.iter().copied().filter(|&id| labels[id] == c).collect();
            assert!(
                of_c.windows(2).all(|w| w[0] < w[1]),
                "class {c} out of order"
            );
        }
    }
    // split_indices agrees with the datasets.
    let si = split_indices(&labels);
    assert_eq!(si.train, train);
    assert_eq!(si.test, test);
}

#[test]
fn every_train_prefix_is_stratified() {
    let labels = scrambled_labels(&ODD_COUNTS, 9);
    let s = split(&mnist_with(labels), usize::MAX, Norm::None);
    let total = s.train.len();
    let m: Vec<usize> = (0..10u8)
        .map(|c| s.train.labels.iter().filter(|&&l| l == c).count())
        .collect();
    let mut seen = [0usize; 10];
    let mut worst = 0f64;
    for (k, &l) in s.train.labels.iter().enumerate() {
        seen[l as usize] += 1;
        for c in 0..10 {
            let share = (k + 1) as f64 * m[c] as f64 / total as f64;
            worst = worst.max((seen[c] as f64 - share).abs());
        }
    }
    assert!(worst < 1.5, "a prefix is off its class share by {worst}");
}

#[test]
fn train_size_keeps_a_prefix() {
    let labels = scrambled_labels(&ODD_COUNTS, 2);
    let m = mnist_with(labels);
    let full = split(&m, usize::MAX, Norm::None);
    let part = split(&m, 50, Norm::None);
    assert_eq!(part.train.len(), 50);
    assert_eq!(part.train.labels, full.train.labels[..50]);
    assert_eq!(part.train.images, full.train.images[..50 * PIXELS]);
    assert_eq!(
        part.test, full.test,
        "train_size must not change the test set"
    );
    assert_eq!(
        split(&m, 1_000_000, Norm::None).train.len(),
        full.train.len()
    );
    let none = split(&m, 0, Norm::Standard);
    assert!(none.train.is_empty());
    assert_eq!((none.mean, none.std), (0.0, 1.0));
    assert!(none.test.images.iter().all(|v| v.is_finite()));
}

#[test]
fn split_is_deterministic() {
    let m = mnist_with(scrambled_labels(&ODD_COUNTS, 4));
    for norm in [Norm::None, Norm::Standard] {
        assert_eq!(split(&m, 200, norm), split(&m, 200, norm));
    }
}

#[test]
fn norm_none_is_pixels_over_255() {
    let labels = scrambled_labels(&ODD_COUNTS, 8);
    let m = mnist_with(labels);
    let s = split(&m, usize::MAX, Norm::None);
    assert_eq!((s.mean, s.std), (0.0, 1.0));
    let si = split_indices(&m.labels);
    for (pos, &id) in si.train.iter().enumerate().step_by(17) {
        for p in 0..PIXELS {
            assert_eq!(
                s.train.image(pos)[p],
                m.pixels[id * PIXELS + p] as f32 / 255.0
            );
        }
    }
}

#[test]
fn norm_standard_uses_training_statistics_for_both_splits() {
    let m = mnist_with(scrambled_labels(&ODD_COUNTS, 6));
    let s = split(&m, 120, Norm::Standard);
    let stats = |v: &[f32]| {
        let n = v.len() as f64;
        let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
        let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
        (mean, var.sqrt())
    };
    let (mean, std) = stats(&s.train.images);
    assert!(mean.abs() < 1e-5, "train mean {mean}");
    assert!((std - 1.0).abs() < 1e-5, "train std {std}");
    // The recorded statistics are those of the kept training pixels in [0, 1] units.
    let raw = split(&m, 120, Norm::None);
    let (rmean, rstd) = stats(&raw.train.images);
    assert!((s.mean as f64 - rmean).abs() < 1e-6);
    assert!((s.std as f64 - rstd).abs() < 1e-6);
    // The test set uses the same mean and std (not its own).
    for (a, b) in raw.test.images.iter().zip(&s.test.images).step_by(97) {
        assert!((b - (a - s.mean) / s.std).abs() < 1e-5);
    }
    let (tmean, _) = stats(&s.test.images);
    assert!(
        tmean.abs() > 1e-4,
        "test set must not be re-centred on its own mean"
    );
}

#[test]
fn gather_copies_the_requested_samples() {
    let m = mnist_with(scrambled_labels(&ODD_COUNTS, 1));
    let s = split(&m, usize::MAX, Norm::None);
    let (mut x, mut y) = (vec![9.0; 5], vec![7u8; 2]);
    s.train.gather(&[3, 0, 3], &mut x, &mut y);
    assert_eq!(x.len(), 3 * PIXELS);
    assert_eq!(&x[..PIXELS], s.train.image(3));
    assert_eq!(&x[PIXELS..2 * PIXELS], s.train.image(0));
    assert_eq!(&x[2 * PIXELS..], s.train.image(3));
    assert_eq!(y, [s.train.labels[3], s.train.labels[0], s.train.labels[3]]);
    s.train.gather(&[], &mut x, &mut y);
    assert!(x.is_empty() && y.is_empty());
}

#[test]
fn norm_serialises_in_lowercase() {
    assert_eq!(
        serde_json::to_string(&Norm::Standard).unwrap(),
        "\"standard\""
    );
    assert_eq!(
        serde_json::from_str::<Norm>("\"none\"").unwrap(),
        Norm::None
    );
}
