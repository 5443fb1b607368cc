//! Tests of the train/test split and normalisation (`data::split`): test size and per-class
//! quotas of the npm subset, round-robin interleaving, disjoint and covering splits in
//! class-file order, stratified prefixes, determinism, and the normalisation statistics.
//! The datasets are synthetic, and each image encodes its own index, so overlaps and
//! reorderings are visible.

mod common;

use common::synthetic::*;
use std::collections::HashSet;

use lr_batch_playground::data::*;

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
