//! Small IDX files built in memory for the data tests: image and label files with any
//! header, gzip, images that encode their own index (so overlaps and reorderings are
//! visible after a split), scrambled label orders from a fixed seed, and a check that an
//! error message names what it should.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;
use lr_batch_playground::data::*;

pub fn images_file(count: u32, rows: u32, cols: u32, pixels: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    for w in [0x0803, count, rows, cols] {
        f.extend_from_slice(&u32::to_be_bytes(w));
    }
    f.extend_from_slice(pixels);
    f
}

pub fn labels_file(count: u32, labels: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    for w in [0x0801, count] {
        f.extend_from_slice(&u32::to_be_bytes(w));
    }
    f.extend_from_slice(labels);
    f
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// `n` distinct images: image i has its index in pixels 0..3 and a stroke of ink that
/// depends on the label, so pixel statistics are not trivial.
pub fn synthetic_pixels(labels: &[u8]) -> Vec<u8> {
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
pub fn decode_id(img: &[f32]) -> usize {
    let b = |k: usize| (img[k] * 255.0).round() as usize;
    b(0) + 256 * b(1) + 65536 * b(2)
}

/// A small deterministic generator (64-bit LCG, high bits), so tests need no RNG crate.
pub struct Lcg(pub u64);
impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Labels with the given per-class counts, in a scrambled (but fixed) file order.
pub fn scrambled_labels(counts: &[usize], seed: u64) -> Vec<u8> {
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

pub fn mnist_with(labels: Vec<u8>) -> Mnist {
    Mnist {
        pixels: synthetic_pixels(&labels),
        labels,
    }
}

pub fn small_files() -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
    let labels = vec![3u8, 1, 4, 1, 5, 9, 2];
    let pixels = synthetic_pixels(&labels);
    let imgs = images_file(7, 28, 28, &pixels);
    let lbls = labels_file(7, &labels);
    (imgs, lbls, pixels, labels)
}

pub fn assert_message(e: &DataError, parts: &[&str]) {
    let msg = e.to_string();
    for p in parts {
        assert!(msg.contains(p), "message {msg:?} should contain {p:?}");
    }
}
