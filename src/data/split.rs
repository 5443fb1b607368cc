//! The fixed train/test split and the f32 datasets the trainer reads.
//!
//! [`split()`] is deterministic and RNG-free: the same [`Mnist`] always gives the same two
//! sets, in the same order, so every run of an experiment (native or in the browser, any
//! seed) is scored on the same test images. It is stratified by class because the files
//! made from the npm subset are sorted by digit: a "first 80 %" split would have no 9s in
//! the test set. The training set is ordered so that any prefix is itself stratified,
//! which is what makes "train on the first 1,000 samples" a fair smaller experiment.
//!
//! Deliberately not here: shuffling (the trainer draws batches with its seeded RNG),
//! augmentation, and a validation set. [`Norm::Standard`] uses one scalar mean and one
//! scalar std over all training pixels, not per-pixel statistics: per-pixel std is 0 at the
//! always-blank borders, and one pair of numbers is easy to print and to reproduce.
//!
//! Layouts: `Dataset::images` (N, 784) f32 row-major, `Dataset::labels` (N) u8.

use serde::{Deserialize, Serialize};

use super::{Mnist, PIXELS};

/// Input normalisation, chosen in the experiment's config.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Norm {
    /// Pixels as given, scaled to [0, 1]: x = p / 255.
    None,
    /// x = (p / 255 − mean) / std, with mean and std (one scalar each) computed over the
    /// training split's pixels and applied to both splits, so no test statistic leaks in.
    Standard,
}

/// Images as f32 and their labels, in a fixed order.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// (N, 784): p / 255, then the optional normalisation.
    pub images: Vec<f32>,
    /// (N) digits 0..=9.
    pub labels: Vec<u8>,
}

impl Dataset {
    /// Number of samples N.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Image `i` as 784 values, row-major. Panics if `i >= len()`, like slice indexing.
    pub fn image(&self, i: usize) -> &[f32] {
        &self.images[i * PIXELS..(i + 1) * PIXELS]
    }

    /// Copies the samples `idx` (in that order, repeats allowed) into `x` (len(idx), 784)
    /// and `y` (len(idx)), replacing their contents. The buffers are reused across calls
    /// so a training loop allocates once. Panics if an index is `>= len()`.
    pub fn gather(&self, idx: &[usize], x: &mut Vec<f32>, y: &mut Vec<u8>) {
        x.clear();
        y.clear();
        x.reserve(idx.len() * PIXELS);
        y.reserve(idx.len());
        for &i in idx {
            x.extend_from_slice(self.image(i));
            y.push(self.labels[i]);
        }
    }
}

/// The two sets and the normalisation that was applied to both.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    pub train: Dataset,
    pub test: Dataset,
    /// Mean of the training pixels (in [0, 1] units); 0 with [`Norm::None`].
    pub mean: f32,
    /// Standard deviation of the training pixels; 1 with [`Norm::None`].
    pub std: f32,
}

/// The test fraction, 1/5: 2,000 of the 10,000 npm images, 12,000 of 60,000.
pub const TEST_FRACTION_NUM: usize = 1;
pub const TEST_FRACTION_DEN: usize = 5;

/// The fewest samples a dataset needs so that both splits get at least one: the
/// smallest n with `test_size(n) >= 1` and `n - test_size(n) >= 1` (3: two to train on,
/// one to test). [`load_mnist`](super::load_mnist) rejects smaller files.
pub const MIN_SAMPLES: usize = min_samples();

const fn min_samples() -> usize {
    let mut n = 1;
    while test_size(n) == 0 || n - test_size(n) == 0 {
        n += 1;
    }
    n
}

/// Test-set size for `n` samples: round(n · 1/5), halves rounded up.
pub const fn test_size(n: usize) -> usize {
    let (num, den) = (TEST_FRACTION_NUM as u128, TEST_FRACTION_DEN as u128);
    ((2 * n as u128 * num + den) / (2 * den)) as usize
}

/// Per-class test quotas: the largest-remainder (Hamilton) apportionment of
/// `test_size(Σ counts)` proportional to `counts`. They sum exactly to the test size;
/// each is floor or ceil of its exact share; remainder ties go to the lower class.
pub fn test_quotas(counts: &[usize]) -> Vec<usize> {
    let n: u128 = counts.iter().map(|&c| c as u128).sum();
    if n == 0 {
        return vec![0; counts.len()];
    }
    let t = test_size(n as usize) as u128;
    // Exact share t·n_c/n = floor + rem/n; integer arithmetic, so no float ties.
    let mut quotas: Vec<usize> = counts
        .iter()
        .map(|&c| (t * c as u128 / n) as usize)
        .collect();
    let mut by_remainder: Vec<(u128, usize)> = counts
        .iter()
        .enumerate()
        .map(|(class, &c)| (t * c as u128 % n, class))
        .collect();
    // Largest remainder first, then lower class first.
    by_remainder.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let left = t as usize - quotas.iter().sum::<usize>();
    for &(_, class) in &by_remainder[..left] {
        quotas[class] += 1;
    }
    quotas
}

/// Indices into the [`Mnist`] of each split, both in class-interleaved order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitIndices {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

/// How many samples of each label value 0..=255 (only 0..=9 occur in a loaded file).
pub fn class_counts(labels: &[u8]) -> [usize; 256] {
    let mut counts = [0; 256];
    for &l in labels {
        counts[l as usize] += 1;
    }
    counts
}

/// The split rule of [`split()`], on labels alone: which samples go to test and to train,
/// and in which order. See [`split()`] for the rule.
pub fn split_indices(labels: &[u8]) -> SplitIndices {
    let counts = class_counts(labels);
    let quotas = test_quotas(&counts);
    // Sample j of class c (file order) is a test sample iff floor((j+1)·q/n) > floor(j·q/n):
    // exactly q of the n indices step the floor, and they are evenly spaced.
    let mut seen = [0usize; 256];
    let mut train: Vec<Vec<usize>> = vec![Vec::new(); 256];
    let mut test: Vec<Vec<usize>> = vec![Vec::new(); 256];
    for (i, &l) in labels.iter().enumerate() {
        let c = l as usize;
        let (j, q, n) = (seen[c] as u128, quotas[c] as u128, counts[c] as u128);
        seen[c] += 1;
        if (j + 1) * q / n > j * q / n {
            test[c].push(i);
        } else {
            train[c].push(i);
        }
    }
    SplitIndices {
        train: interleave(&train),
        test: interleave(&test),
    }
}

/// Merges per-class lists so that any prefix holds each class in proportion: element j of
/// a class of m gets the key (j + 0.5) / m, and elements are sorted by key, then class.
/// Keys are compared exactly as (2j+1)·m_d vs (2k+1)·m_c, so the order is the same on
/// every platform; within a class keys strictly increase, so file order is kept.
fn interleave(groups: &[Vec<usize>]) -> Vec<usize> {
    let mut keyed: Vec<(usize, usize)> = groups
        .iter()
        .enumerate()
        .flat_map(|(c, g)| (0..g.len()).map(move |j| (c, j)))
        .collect();
    keyed.sort_unstable_by(|&(c, j), &(d, k)| {
        let (mc, md) = (groups[c].len() as u128, groups[d].len() as u128);
        ((2 * j as u128 + 1) * md)
            .cmp(&((2 * k as u128 + 1) * mc))
            .then(c.cmp(&d))
    });
    keyed.into_iter().map(|(c, j)| groups[c][j]).collect()
}

/// Splits `m` into a training and a test set. Fixed, RNG-free and class-stratified:
///
/// 1. Test size T = round(N · [`TEST_FRACTION_NUM`] / [`TEST_FRACTION_DEN`]) (halves up):
///    2,000 of 10,000.
/// 2. Class c, with n_c samples, gets the test quota q_c: the largest-remainder
///    apportionment of T proportional to n_c ([`test_quotas`]), so Σ q_c = T exactly.
///    For the npm subset: 200, 225, 198, 206, 196, 173, 203, 214, 189, 196.
/// 3. Within class c, sample j (0-based, file order) is a test sample iff
///    floor((j+1)·q_c/n_c) > floor(j·q_c/n_c): exactly q_c evenly spaced picks. The others
///    (m_c = n_c − q_c of them) are training samples.
/// 4. Both sets are ordered by class interleaving: a sample that is the j-th of its class
///    among that set's m_c samples has the key ((j + 0.5)/m_c, c), compared exactly. Any
///    prefix of the training set is therefore stratified (each class within about one
///    sample of its share).
/// 5. The training set keeps its first `train_size` samples (all of them if fewer): with
///    the npm subset, 8,000 train and 2,000 test, and `train_size` 1,000 has ~100 per digit.
/// 6. Pixels become p / 255; with [`Norm::Standard`] then (x − mean) / std, mean and std
///    over all pixels of the kept training samples, applied to both sets. A constant
///    training set (std 0) or an empty one gets std 1 (and mean 0 if empty), so no NaN.
///
/// Panics if `m.pixels.len() != 784 · m.labels.len()` (impossible for a [`Mnist`] from
/// [`load_mnist`](super::load_mnist)).
pub fn split(m: &Mnist, train_size: usize, norm: Norm) -> Split {
    assert_eq!(
        m.pixels.len(),
        m.labels.len() * PIXELS,
        "Mnist has {} pixel bytes for {} labels, not 784 per label",
        m.pixels.len(),
        m.labels.len()
    );
    let SplitIndices { mut train, test } = split_indices(&m.labels);
    train.truncate(train_size);
    build_split(m, &train, m, &test, norm)
}

/// Every sample of `labels`, class-interleaved as the training set of [`split()`] is
/// (any prefix stratified): the order of a dataset's own test file and training file.
pub fn stratified_order(labels: &[u8]) -> Vec<usize> {
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); 256];
    for (i, &l) in labels.iter().enumerate() {
        groups[l as usize].push(i);
    }
    interleave(&groups)
}

/// The two sets from their samples: `train` of `tm`, `test` of `sm` (the same
/// [`Mnist`] for a 4:1 split), with step 6 of [`split()`] applied (statistics over the
/// kept training samples only).
pub(super) fn build_split(
    tm: &Mnist,
    train: &[usize],
    sm: &Mnist,
    test: &[usize],
    norm: Norm,
) -> Split {
    let (mean, std) = match norm {
        Norm::None => (0.0, 1.0),
        Norm::Standard => pixel_stats(tm, train),
    };
    // Every pixel is one of 256 bytes: map through a table computed in f64 so each value
    // is the correctly rounded f32 of (p/255 − mean)/std, on every platform.
    let lut: Vec<f32> = (0..256)
        .map(|p| ((p as f64 / 255.0 - mean) / std) as f32)
        .collect();
    let dataset = |m: &Mnist, idx: &[usize]| {
        let mut images = Vec::with_capacity(idx.len() * PIXELS);
        for &i in idx {
            images.extend(
                m.pixels[i * PIXELS..(i + 1) * PIXELS]
                    .iter()
                    .map(|&p| lut[p as usize]),
            );
        }
        Dataset {
            images,
            labels: idx.iter().map(|&i| m.labels[i]).collect(),
        }
    };
    Split {
        train: dataset(tm, train),
        test: dataset(sm, test),
        mean: mean as f32,
        std: std as f32,
    }
}

/// Mean and (population) standard deviation of p/255 over the pixels of samples `idx`,
/// from a byte histogram: exact sums in integers, one f64 pass over 256 bins.
fn pixel_stats(m: &Mnist, idx: &[usize]) -> (f64, f64) {
    let mut hist = [0u64; 256];
    for &i in idx {
        for &p in &m.pixels[i * PIXELS..(i + 1) * PIXELS] {
            hist[p as usize] += 1;
        }
    }
    let count: u64 = hist.iter().sum();
    if count == 0 {
        return (0.0, 1.0);
    }
    let mean = hist
        .iter()
        .enumerate()
        .map(|(p, &h)| h as f64 * (p as f64 / 255.0))
        .sum::<f64>()
        / count as f64;
    let var = hist
        .iter()
        .enumerate()
        .map(|(p, &h)| h as f64 * (p as f64 / 255.0 - mean).powi(2))
        .sum::<f64>()
        / count as f64;
    let std = var.sqrt();
    (mean, if std > 0.0 { std } else { 1.0 })
}
