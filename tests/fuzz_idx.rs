//! Fuzzing the IDX loader with fixed seeds: thousands of generated and mutated MNIST file
//! pairs, raw and gzipped, plus the reported misleading-error cases as regression tests.
//!
//! Each generated input is checked against an independent reference: a raw file's
//! outcome is predicted exactly (the `DataError` with its fields, or the parsed dataset)
//! by `expect_raw`, written from the format's description rather than from the parser;
//! a gzipped file must give what its plaintext gives, or, when the gzip itself was broken
//! on purpose, the gzip error that names the damage. Every input also gets:
//! no panic (caught and reported with the case's seed), a message of bounded length that
//! names the file at fault, an accepted dataset that splits into two non-empty sets, and
//! bounded memory: a counting allocator (per thread, since tests run in parallel) bounds
//! the largest single allocation and the total allocated, which also bounds the work.
//! No wall-clock time is measured.
//!
//! Deliberately small files (at most a few dozen images) so the whole suite takes
//! seconds; the size caps themselves are covered by `gunzip_if_needed_max` with small
//! limits. Seeds are fixed, so a failure names a case that reproduces.

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

mod common;

use common::Gen;
use flate2::write::GzEncoder;
use flate2::Compression;
use lr_batch_playground::config::Config;
use lr_batch_playground::data::*;
use lr_batch_playground::train::Trainer;

// ---------------------------------------------------------------------------------------
// Allocation counting

#[global_allocator]
static ALLOC: common::Counting = common::Counting;

/// Runs `f`; returns its result, the largest single allocation and the total allocated.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    let (r, a) = common::allocations(f);
    (r, a.largest, a.total)
}

/// The inflater's fixed working buffer (64 KiB), allocated for any gzip input.
const CHUNK: usize = 64 * 1024;

// ---------------------------------------------------------------------------------------
// Deterministic generation

impl Gen {
    /// Between `min` and `min + spread - 1` random bytes.
    fn some_bytes(&mut self, min: usize, spread: usize) -> Vec<u8> {
        let n = min + self.below(spread);
        self.bytes(n)
    }
}

fn images_file(count: u32, rows: u32, cols: u32, pixels: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    for w in [IMAGES_MAGIC, count, rows, cols] {
        f.extend_from_slice(&w.to_be_bytes());
    }
    f.extend_from_slice(pixels);
    f
}

fn labels_file(count: u32, labels: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    for w in [LABELS_MAGIC, count] {
        f.extend_from_slice(&w.to_be_bytes());
    }
    f.extend_from_slice(labels);
    f
}

fn gzip_level(bytes: &[u8], level: u32) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::new(level));
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    gzip_level(bytes, 6)
}

fn set_be(f: &mut [u8], at: usize, v: u32) {
    if f.len() >= at + 4 {
        f[at..at + 4].copy_from_slice(&v.to_be_bytes());
    }
}

/// A count claim that does not match the data: small, large, absurd or extreme.
fn wrong_count(g: &mut Gen, n: usize) -> u32 {
    match g.below(6) {
        0 => u32::MAX,
        1 => MAX_IMAGES as u32,
        2 => MAX_IMAGES as u32 + 1,
        3 => (n + 1 + g.below(5)) as u32,
        4 => n.saturating_sub(1 + g.below(3)) as u32,
        _ => g.next() as u32,
    }
}

/// One plaintext file mutated in one of the ways files go wrong; `labels` selects the
/// idx1 layout.
fn mutate_plain(g: &mut Gen, f: &mut Vec<u8>, labels: bool, n: usize) -> &'static str {
    match g.below(11) {
        0 | 1 => "intact",
        10 => {
            // A consistent file of another size: the pair then disagrees on the count.
            let item = if labels { 1 } else { PIXELS };
            let m = if n > 0 && g.chance(2) {
                n - 1 - g.below(n)
            } else {
                n + 1 + g.below(3)
            };
            let header = f.len() - n * item;
            f.resize(header + m * item, if labels { 7 } else { 0 });
            set_be(f, 4, m as u32);
            "resized"
        }
        2 => {
            let m = match g.below(4) {
                0 => IMAGES_MAGIC,
                1 => LABELS_MAGIC,
                2 => 0x0000_0802 + g.below(8) as u32 * 0x100,
                _ => g.next() as u32,
            };
            set_be(f, 0, m);
            "magic"
        }
        3 => {
            set_be(f, 4, wrong_count(g, n));
            "count"
        }
        4 if !labels => {
            let (r, c) = match g.below(3) {
                0 => (g.below(64) as u32, 28),
                1 => (28, g.next() as u32),
                _ => (g.next() as u32, g.next() as u32),
            };
            set_be(f, 8, r);
            set_be(f, 12, c);
            "dimensions"
        }
        4 => {
            if f.len() > LABELS_HEADER {
                let i = LABELS_HEADER + g.below(f.len() - LABELS_HEADER);
                f[i] = 10 + g.below(246) as u8;
            }
            "label"
        }
        5 => {
            let cut = g.below(f.len() + 1);
            f.truncate(cut);
            "truncated"
        }
        6 => {
            let extra = 1 + g.below(100);
            let junk = g.bytes(extra);
            f.extend_from_slice(&junk);
            "trailing bytes"
        }
        7 => {
            for _ in 0..1 + g.below(4) {
                if !f.is_empty() {
                    let i = g.below(f.len());
                    f[i] ^= 1 << g.below(8);
                }
            }
            "bit flips"
        }
        8 => {
            // Header fields only, where a flip changes the meaning most.
            let i = g.below(f.len().min(16));
            if i < f.len() {
                f[i] = g.next() as u8;
            }
            "header byte"
        }
        _ => {
            *f = g.some_bytes(0, 40);
            "random bytes"
        }
    }
}

/// How a plaintext is put in the file handed to the loader.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Wrap {
    Raw,
    Gzip,
    /// Gzip, then 1 to 2,048 zero bytes (tape-block padding, accepted by gzip(1)).
    Padded,
    /// Two gzip members, concatenated.
    TwoMembers,
    /// Gzip, then bytes that are neither a gzip member nor zeros.
    Garbage,
    /// Gzip cut short.
    Truncated,
    /// Gzip with random bytes overwritten anywhere.
    Flipped,
    /// Gzip whose size trailer (ISIZE) lies.
    LyingTrailer,
}

const WRAPS: [Wrap; 8] = [
    Wrap::Raw,
    Wrap::Gzip,
    Wrap::Padded,
    Wrap::TwoMembers,
    Wrap::Garbage,
    Wrap::Truncated,
    Wrap::Flipped,
    Wrap::LyingTrailer,
];

fn wrap(g: &mut Gen, plain: &[u8], how: Wrap) -> Vec<u8> {
    let level = g.below(10) as u32;
    match how {
        Wrap::Raw => plain.to_vec(),
        Wrap::Gzip => gzip_level(plain, level),
        Wrap::Padded => {
            let mut f = gzip_level(plain, level);
            let pad = 1 + g.below(2048);
            f.resize(f.len() + pad, 0);
            f
        }
        Wrap::TwoMembers => {
            let at = g.below(plain.len() + 1);
            let mut f = gzip_level(&plain[..at], level);
            f.extend_from_slice(&gzip_level(&plain[at..], level));
            f
        }
        Wrap::Garbage => {
            let mut f = gzip_level(plain, level);
            let mut junk = g.some_bytes(1, 64);
            // Neither zero padding nor the start of another member.
            junk[0] = 1 + g.below(0x1e) as u8;
            f.extend_from_slice(&junk);
            f
        }
        Wrap::Truncated => {
            let f = gzip_level(plain, level);
            let cut = 2 + g.below(f.len() - 2);
            f[..cut].to_vec()
        }
        Wrap::Flipped => {
            let mut f = gzip_level(plain, level);
            for _ in 0..1 + g.below(3) {
                let i = 2 + g.below(f.len() - 2);
                f[i] = g.next() as u8;
            }
            f
        }
        Wrap::LyingTrailer => {
            let mut f = gzip_level(plain, level);
            let n = f.len();
            let lie = match g.below(3) {
                0 => u32::MAX,
                1 => MAX_IMAGES_FILE_BYTES as u32,
                _ => plain.len() as u32 + 1 + g.below(1000) as u32,
            };
            f[n - 4..].copy_from_slice(&lie.to_le_bytes());
            f
        }
    }
}

// ---------------------------------------------------------------------------------------
// The reference: what a raw pair must give, from the format's description

const MIN_PREFIXES: [&str; 5] = [
    "images file:",
    "labels file:",
    "count mismatch:",
    "empty dataset:",
    "dataset too small:",
];

fn be(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// One file of the pair, raw (already inflated): its count and body, or its error.
fn expect_file(b: &[u8], labels: bool) -> Result<(usize, Vec<u8>), DataError> {
    let (what, magic, header) = if labels {
        ("labels file", LABELS_MAGIC, LABELS_HEADER)
    } else {
        ("images file", IMAGES_MAGIC, IMAGES_HEADER)
    };
    let truncated = |expected| DataError::Truncated {
        what,
        expected,
        found: b.len(),
    };
    if b.len() < 4 {
        return Err(truncated(header));
    }
    if be(b, 0) != magic {
        return Err(DataError::BadMagic {
            what,
            expected: magic,
            found: be(b, 0),
        });
    }
    if b.len() < header {
        return Err(truncated(header));
    }
    let count = be(b, 4);
    if count as usize > MAX_IMAGES {
        return Err(DataError::AbsurdCount {
            what,
            count,
            max: MAX_IMAGES,
        });
    }
    if !labels && (be(b, 8) != 28 || be(b, 12) != 28) {
        return Err(DataError::BadDimensions {
            rows: be(b, 8),
            cols: be(b, 12),
        });
    }
    let expected = header + count as usize * if labels { 1 } else { 784 };
    if b.len() < expected {
        return Err(truncated(expected));
    }
    if b.len() > expected {
        return Err(DataError::TrailingBytes {
            what,
            expected,
            found: b.len(),
        });
    }
    if labels {
        if let Some(i) = b[header..].iter().position(|&l| l > 9) {
            return Err(DataError::BadLabel {
                index: i,
                label: b[header + i],
            });
        }
    }
    Ok((count as usize, b[header..].to_vec()))
}

/// The whole pair, both raw: images first, then labels, then the pair's consistency.
fn expect_raw(images: &[u8], labels: &[u8]) -> Result<Mnist, DataError> {
    let (n_img, pixels) = expect_file(images, false)?;
    let (n_lbl, labels) = expect_file(labels, true)?;
    if n_img != n_lbl {
        return Err(DataError::CountMismatch {
            images: n_img,
            labels: n_lbl,
        });
    }
    match n_lbl {
        0 => Err(DataError::Empty),
        n if n < 3 => Err(DataError::TooFew { count: n, min: 3 }),
        _ => Ok(Mnist { pixels, labels }),
    }
}

fn what_of(e: &DataError) -> Option<&'static str> {
    match e {
        DataError::BadMagic { what, .. }
        | DataError::Truncated { what, .. }
        | DataError::TrailingBytes { what, .. }
        | DataError::AbsurdCount { what, .. }
        | DataError::BadGzip { what, .. }
        | DataError::TooLarge { what, .. } => Some(what),
        DataError::BadDimensions { .. } => Some("images file"),
        DataError::BadLabel { .. } => Some("labels file"),
        _ => None,
    }
}

/// Is `got` what a file wrapped `how` must give, when its plaintext gives `plain`?
/// `other_magic`: the plaintext starts with the other MNIST file's magic (then a gzip
/// loader may report the swap before it sees the damage to the gzip).
fn gzip_outcome_ok(how: Wrap, what: &str, got: &DataError, other_magic: bool) -> bool {
    if other_magic && matches!(got, DataError::BadMagic { .. }) && what_of(got) == Some(what) {
        return true;
    }
    let DataError::BadGzip { what: w, message } = got else {
        return false;
    };
    *w == what
        && match how {
            Wrap::Garbage => message.contains("trailing garbage"),
            Wrap::Truncated => message.contains("truncated"),
            _ => true,
        }
}

// ---------------------------------------------------------------------------------------
// The fuzz loop

struct Case {
    images: Vec<u8>,
    labels: Vec<u8>,
    plain_images: Vec<u8>,
    plain_labels: Vec<u8>,
    wraps: (Wrap, Wrap),
    name: String,
}

fn generate(seed: u64) -> Case {
    let mut g = Gen(seed);
    let n = match g.below(8) {
        0 => g.below(3),
        _ => 3 + g.below(24),
    };
    let labels: Vec<u8> = (0..n).map(|_| g.below(10) as u8).collect();
    let pixels = g.bytes(n * PIXELS);
    let mut pi = images_file(n as u32, 28, 28, &pixels);
    let mut pl = labels_file(n as u32, &labels);
    let (mi, ml) = match g.below(3) {
        0 => (mutate_plain(&mut g, &mut pi, false, n), "intact"),
        1 => ("intact", mutate_plain(&mut g, &mut pl, true, n)),
        _ => (
            mutate_plain(&mut g, &mut pi, false, n),
            mutate_plain(&mut g, &mut pl, true, n),
        ),
    };
    // Mostly one damaged layer at a time, so the expected outcome is exact.
    let wi = WRAPS[if g.chance(2) { g.below(2) } else { g.below(8) }];
    let wl = WRAPS[if g.chance(2) { g.below(2) } else { g.below(8) }];
    Case {
        images: wrap(&mut g, &pi, wi),
        labels: wrap(&mut g, &pl, wl),
        name: format!("seed {seed}: n={n}, images {mi} {wi:?}, labels {ml} {wl:?}"),
        plain_images: pi,
        plain_labels: pl,
        wraps: (wi, wl),
    }
}

/// Whether `got` is the outcome `load_mnist` must give for `c`: exactly the reference's
/// for raw and intact gzip files, the gzip error naming the damage for a broken gzip, and
/// for random overwrites anywhere in a gzip, any error naming a file or the plaintext.
fn check_outcome(c: &Case, got: &Result<Mnist, DataError>) -> Result<(), String> {
    let intact = |w: Wrap| matches!(w, Wrap::Gzip | Wrap::Padded | Wrap::TwoMembers);
    let raw_looks_gzip = |w: Wrap, p: &[u8]| w == Wrap::Raw && p.starts_with(&[0x1f, 0x8b]);
    let plain = expect_raw(&c.plain_images, &c.plain_labels);
    let (wi, wl) = c.wraps;
    // Which file is checked first decides which error shows: images, then labels.
    let files = [
        (wi, &c.plain_images, "images file", false),
        (wl, &c.plain_labels, "labels file", true),
    ];
    for (w, p, what, is_labels) in files {
        let file_alone = expect_file(p, is_labels);
        if raw_looks_gzip(w, p) {
            // A raw file that happens to start with the gzip magic is read as gzip.
            return match got {
                Err(DataError::BadGzip { what: x, .. }) if *x == what => Ok(()),
                other => Err(format!(
                    "{what} starts with 1f 8b: want BadGzip, got {other:?}"
                )),
            };
        }
        if w == Wrap::Raw || intact(w) {
            if let Err(e) = file_alone {
                return match got {
                    Err(g) if *g == e => Ok(()),
                    other => Err(format!("want {e:?}, got {other:?}")),
                };
            }
            continue;
        }
        let other_magic = p.len() >= 4
            && be(p, 0)
                == if is_labels {
                    IMAGES_MAGIC
                } else {
                    LABELS_MAGIC
                };
        if w == Wrap::Flipped {
            // Anything named may happen; if the file survives it must be the plaintext.
            return match got {
                Ok(m) if Ok(m) == plain.as_ref() => Ok(()),
                Ok(m) => Err(format!("flipped gzip accepted as something else: {m:?}")),
                Err(e) if what_of(e).is_some() || Err(e) == plain.as_ref() => Ok(()),
                Err(e) => Err(format!("flipped gzip: unexpected {e:?}")),
            };
        }
        return match got {
            Err(e) if gzip_outcome_ok(w, what, e, other_magic) => Ok(()),
            other => Err(format!("{what} {w:?}: want a gzip error, got {other:?}")),
        };
    }
    match (got, &plain) {
        (Ok(m), Ok(want)) if m == want => Ok(()),
        (Err(e), Err(want)) if e == want => Ok(()),
        _ => Err(format!("want {plain:?}, got {got:?}")),
    }
}

fn check_message(e: &DataError) -> Result<(), String> {
    let msg = e.to_string();
    if msg.len() > 300 || !MIN_PREFIXES.iter().any(|p| msg.starts_with(p)) {
        return Err(format!("message not bounded or not named: {msg:?}"));
    }
    Ok(())
}

/// Memory bounds for one case: no single allocation above what the data justifies and
/// no more than a few times that in total. For an intact or merely mislabelled file
/// that is twice its plaintext (a growing buffer at most doubles); a gzip damaged in its
/// stream may inflate to other bytes, bounded by what deflate can expand its length to.
fn memory_bound(c: &Case) -> usize {
    let one = |w: Wrap, file: &[u8], plain: &[u8]| match w {
        Wrap::Raw => file.len(),
        Wrap::Flipped => 2 * file.len().saturating_mul(1032).min(MAX_IMAGES_FILE_BYTES),
        _ => 2 * plain.len(),
    };
    CHUNK
        + 4096
        + one(c.wraps.0, &c.images, &c.plain_images).max(one(c.wraps.1, &c.labels, &c.plain_labels))
}

#[test]
fn generated_and_mutated_pairs_give_the_reference_outcome_within_bounds() {
    const CASES: u64 = 6000;
    let mut failures = Vec::new();
    let mut seen_ok = 0;
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for seed in 0..CASES {
        let c = generate(seed);
        let (r, largest, total) =
            allocations(|| catch_unwind(AssertUnwindSafe(|| load_mnist(&c.images, &c.labels))));
        let got = match r {
            Ok(got) => got,
            Err(_) => {
                failures.push(format!("{}: PANIC", c.name));
                continue;
            }
        };
        let bound = memory_bound(&c);
        // Per gzip member the decoder also allocates its state (about 40 KB), hence the
        // fixed allowance in the total.
        if largest > bound || total > 4 * bound + 2 * (c.images.len() + c.labels.len()) + 8 * CHUNK
        {
            failures.push(format!(
                "{}: largest allocation {largest}, total {total}, bound {bound}",
                c.name
            ));
        }
        if let Err(why) = check_outcome(&c, &got) {
            failures.push(format!("{}: {why}", c.name));
        }
        match &got {
            Ok(m) => {
                seen_ok += 1;
                let mut g = Gen(seed ^ 0xabcd);
                let train = 1 + g.below(m.len() + 2);
                let norm = if g.chance(2) {
                    Norm::None
                } else {
                    Norm::Standard
                };
                let s = split(m, train, norm);
                let t = test_size(m.len());
                if s.test.len() != t
                    || s.train.len() != train.min(m.len() - t)
                    || s.train.is_empty()
                    || s.test.is_empty()
                {
                    failures.push(format!(
                        "{}: split gave {} / {}",
                        c.name,
                        s.train.len(),
                        s.test.len()
                    ));
                }
            }
            Err(e) => {
                let kind = format!("{e:?}");
                *kinds
                    .entry(kind[..kind.find([' ', '{']).unwrap_or(kind.len())].to_string())
                    .or_default() += 1;
                if let Err(why) = check_message(e) {
                    failures.push(format!("{}: {why}", c.name));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures, first ones:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    // The generator must reach both outcomes and every kind of error, or it tests little.
    assert!(
        seen_ok > CASES as usize / 20,
        "only {seen_ok} accepted pairs"
    );
    for kind in [
        "BadMagic",
        "Truncated",
        "TrailingBytes",
        "CountMismatch",
        "BadDimensions",
        "BadLabel",
        "AbsurdCount",
        "BadGzip",
        "Empty",
        "TooFew",
    ] {
        assert!(
            kinds.get(kind).copied().unwrap_or(0) >= 5,
            "{kind} reached {kinds:?}"
        );
    }
}

#[test]
fn arbitrary_bytes_under_any_cap_stay_within_the_cap() {
    // Random bytes, random gzip-looking bytes and real gzip of random plaintext, inflated
    // under small caps: the result is the input, the plaintext or a named error, and no
    // allocation exceeds the cap (plus the fixed working buffer).
    let mut g = Gen(99);
    for case in 0..3000 {
        let plain = g.some_bytes(0, 5000);
        let mut input = match case % 4 {
            0 => g.some_bytes(0, 200),
            1 => {
                let mut b = g.some_bytes(2, 200);
                b[..2].copy_from_slice(&[0x1f, 0x8b]);
                b
            }
            _ => gzip_level(&plain, g.below(10) as u32),
        };
        if case % 4 == 3 {
            let extra = if g.chance(2) {
                vec![0; g.below(100)]
            } else {
                g.some_bytes(0, 100)
            };
            input.extend_from_slice(&extra);
        }
        let limit = g.below(8000);
        let (r, largest, _) = allocations(|| {
            catch_unwind(AssertUnwindSafe(|| {
                gunzip_if_needed_max(&input, "images file", limit).map(|c| c.into_owned())
            }))
        });
        let r = r.unwrap_or_else(|_| panic!("case {case}: panic"));
        assert!(
            largest <= limit.max(CHUNK) + input.len() + 1024,
            "case {case}: largest {largest} over cap {limit}"
        );
        match r {
            Ok(out) if !input.starts_with(&[0x1f, 0x8b]) => assert_eq!(out, input, "case {case}"),
            Ok(out) => {
                assert!(out.len() <= limit, "case {case}");
                if case % 4 >= 2 {
                    assert_eq!(out, plain, "case {case}");
                }
            }
            Err(DataError::TooLarge { limit: l, .. }) => {
                assert_eq!(l, limit);
                if case % 4 >= 2 {
                    assert!(
                        plain.len() > limit,
                        "case {case}: {} fits {limit}",
                        plain.len()
                    );
                }
            }
            Err(e @ DataError::BadGzip { .. }) => {
                assert!(
                    case % 4 < 2 || case % 4 == 3,
                    "case {case}: intact gzip refused: {e}"
                );
                check_message(&e).unwrap();
            }
            Err(e) => panic!("case {case}: unexpected {e:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Regression cases: the misleading messages and the reservation reported by users

fn small_pair(n: usize) -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
    let mut g = Gen(n as u64);
    let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    let pixels = g.bytes(n * PIXELS);
    (
        images_file(n as u32, 28, 28, &pixels),
        labels_file(n as u32, &labels),
        pixels,
        labels,
    )
}

#[test]
fn trailing_garbage_after_the_gzip_stream_is_named_as_such() {
    let (imgs, lbls, ..) = small_pair(7);
    let gz = gzip(&imgs);
    for junk in [&b"not gzip"[..], b"x", b"\n", &[0xff; 300], b"\x1f"] {
        let mut bad = gz.clone();
        bad.extend_from_slice(junk);
        let e = load_mnist(&bad, &lbls).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("{} bytes of trailing garbage", junk.len()))
                && msg.contains(&format!("at byte {}", gz.len())),
            "{junk:?}: {msg}"
        );
        assert!(!msg.contains("unexpected end of file"), "{msg}");
        assert!(msg.starts_with("images file: bad gzip data"), "{msg}");
    }
    // Zeros and then garbage is garbage too, reported from where the zeros start.
    let mut bad = gzip(&lbls);
    bad.extend_from_slice(&[0, 0, 0, b'x']);
    let msg = load_mnist(&imgs, &bad).unwrap_err().to_string();
    assert!(
        msg.starts_with("labels file:") && msg.contains("4 bytes of trailing garbage"),
        "{msg}"
    );
}

#[test]
fn zero_padding_after_a_gzip_member_is_accepted_like_gzip_does() {
    let (imgs, lbls, pixels, labels) = small_pair(7);
    let want = Mnist { pixels, labels };
    for pad in [1, 3, 8, 10, 511, 4096] {
        let mut padded = gzip(&imgs);
        padded.resize(padded.len() + pad, 0);
        assert_eq!(load_mnist(&padded, &lbls).as_ref(), Ok(&want), "pad {pad}");
        let mut padded = gzip(&lbls);
        padded.resize(padded.len() + pad, 0);
        assert_eq!(load_mnist(&imgs, &padded).as_ref(), Ok(&want), "pad {pad}");
    }
    // After two members, too.
    let mut two = gzip(&imgs[..1000]);
    two.extend_from_slice(&gzip(&imgs[1000..]));
    two.resize(two.len() + 512, 0);
    assert_eq!(load_mnist(&two, &gzip(&lbls)), Ok(want));
}

#[test]
fn one_or_two_images_get_a_dataset_size_message() {
    for n in [1, 2] {
        let (imgs, lbls, ..) = small_pair(n);
        let e = load_mnist(&gzip(&imgs), &lbls).unwrap_err();
        assert_eq!(
            e,
            DataError::TooFew {
                count: n,
                min: MIN_SAMPLES
            }
        );
        let msg = e.to_string();
        assert!(
            msg.starts_with("dataset too small") && msg.contains("at least 3"),
            "{msg}"
        );
        assert!(!msg.contains("parameter"), "{msg} blames a parameter");
    }
    // Three is the smallest dataset a run can start on: both splits get a sample.
    assert_eq!(MIN_SAMPLES, 3);
    let (imgs, lbls, ..) = small_pair(3);
    let m = load_mnist(&imgs, &lbls).unwrap();
    let s = Arc::new(split(&m, 8000, Norm::Standard));
    assert_eq!((s.train.len(), s.test.len()), (2, 1));
    Trainer::new(&Config::default(), 1, s).expect("a 3-image dataset must be trainable");
}

#[test]
fn a_truncated_gzip_costs_what_it_inflated_not_what_its_trailer_claims() {
    // 300 incompressible images (235 KB) gzipped, cut after 150 KB: the last four bytes
    // are now compressed data. Here they read as 78 MB, the most a file may inflate to.
    let (imgs, lbls, ..) = small_pair(300);
    let gz = gzip_level(&imgs, 1);
    let mut cut = gz[..150_000].to_vec();
    cut[150_000 - 4..].copy_from_slice(&(MAX_IMAGES_FILE_BYTES as u32).to_le_bytes());
    let (r, largest, total) = allocations(|| load_mnist(&cut, &lbls));
    // What inflated is at most the whole plaintext (235 KB); a growing buffer doubles.
    assert!(largest <= 2 * imgs.len(), "largest allocation {largest}");
    assert!(total <= 6 * imgs.len(), "total allocated {total}");
    let e = r.unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with("images file: bad gzip data: truncated"),
        "{msg}"
    );
    assert!(!msg.contains("unexpected end of file"), "{msg}");

    // The intact file, whose header and trailer agree, is sized once, exactly.
    let (r, largest, _) = allocations(|| load_mnist(&gz, &lbls));
    assert_eq!(r.unwrap().len(), 300);
    assert_eq!(
        largest,
        imgs.len(),
        "an intact file should fill one exact buffer"
    );

    // A file whose trailer agrees with its header but whose stream is cut: the
    // reservation is bounded by what the input length can justify (1032:1), here
    // the file, and by the cap.
    let mut liar = gzip_level(&images_file(60_000, 28, 28, &[]), 9);
    let n = liar.len();
    liar[n - 4..].copy_from_slice(&47_040_016u32.to_le_bytes());
    let (r, largest, _) = allocations(|| load_mnist(&liar, &lbls));
    assert!(matches!(r, Err(DataError::BadGzip { .. })), "{r:?}");
    assert!(
        largest <= (1032 * n).max(CHUNK),
        "largest allocation {largest} from {n} bytes"
    );
}
