//! Range mode: the learning-rate range test per batch size, and from it the relation
//! between the learning rate and the batch size.
//!
//! A range-test run raises the rate exponentially per step from `range_lo` to `range_hi`
//! over `range_steps` steps (`schedule::Ramp`); the trainer records each step's rate and
//! mini-batch loss. From one run this module finds ([`analyse`]):
//!
//! - the **smoothed loss**: a bias-corrected exponential moving average with
//!   β = [`EMA_BETA`] (S_t = m_t / (1 − β^(t+1)), m_t = β·m_(t−1) + (1 − β)·L_t). An EMA
//!   lags: S_t is a weighted mean of the losses of the last steps, whose mean age is
//!   [`ema_age`] (β/(1 − β) = 9 steps once warmed up). Every rate read off the smoothed
//!   curve is therefore the rate of the step that mean age earlier, so that a loss that
//!   turns at rate η is reported at η, not at the rate a few steps later.
//! - the **largest stable rate**: the first step where the smoothed loss exceeds
//!   [`BLOWUP_FACTOR`] × its running minimum, or the loss goes non-finite; the rate
//!   [`ema_age`] steps before it. `None` when the loss stays within the factor up to
//!   `range_hi` (the limit lies beyond the ramp).
//! - the **rate of fastest descent**: where the smoothed loss falls fastest per unit of
//!   ln η (a central difference over ±[`SLOPE_HALF_WIDTH`] steps), searched before the
//!   blow-up.
//!
//! Over the batch sizes and seeds of an experiment ([`Relation::new`]):
//!
//! - the exponent α of η ∝ B^α, fitted by least squares on (ln B, ln η) **per seed**, then
//!   reported as the mean over seeds ± its standard error (sd / √n), for the largest
//!   stable rate and for the rate of fastest descent;
//! - the **critical batch** where the measured curve bends ([`bend`]): the knot of the
//!   best-fitting continuous two-piece line in (ln B, ln η), fitted to the seed-mean curve,
//!   the knot searched on a fine log grid between the second-smallest and the
//!   second-largest batch. The two slopes are reported beside it, so a "bend" between two
//!   equal slopes reads as what it is.
//!
//! Pure: records in, numbers out; the drawing is `plot/range.rs`'s.

use crate::config::Config;
use crate::metrics::{RunResult, Status};

/// EMA constant of the smoothed loss: an average over about 2/(1 − β) = 20 steps.
pub const EMA_BETA: f64 = 0.9;
/// The smoothed loss this many times its running minimum marks the largest stable rate.
pub const BLOWUP_FACTOR: f64 = 2.0;
/// Half-width in steps of the central difference that measures the descent per ln η.
pub const SLOPE_HALF_WIDTH: usize = 5;
/// Steps before the detectors may fire: the first smoothed values average few losses.
pub const WARM_STEPS: usize = 10;

/// Bias-corrected EMA of `losses` with constant `beta`. Once a loss is non-finite the
/// rest of the curve is +∞ (a blown-up run does not come back within a range test).
pub fn smooth(losses: &[f64], beta: f64) -> Vec<f64> {
    let mut m = 0.0;
    let mut w = 1.0;
    let mut dead = false;
    losses
        .iter()
        .map(|&l| {
            dead |= !l.is_finite();
            if dead {
                return f64::INFINITY;
            }
            m = beta * m + (1.0 - beta) * l;
            w *= beta;
            m / (1.0 - w)
        })
        .collect()
}

/// Mean age in steps of the losses the bias-corrected EMA averages at step `t` (0-based):
/// β/(1 − β) − (t + 1)·β^(t+1)/(1 − β^(t+1)), 0 at t = 0.
pub fn ema_age(t: usize, beta: f64) -> f64 {
    let bt = beta.powi(t as i32 + 1);
    beta / (1.0 - beta) - (t as f64 + 1.0) * bt / (1.0 - bt)
}

/// The rate at fractional step `s`, interpolated in ln η between recorded steps.
fn rate_at(lrs: &[f64], s: f64) -> f64 {
    let s = s.clamp(0.0, (lrs.len() - 1) as f64);
    let i = (s.floor() as usize).min(lrs.len().saturating_sub(2));
    if lrs.len() < 2 {
        return lrs[0];
    }
    let f = s - i as f64;
    (lrs[i].ln() * (1.0 - f) + lrs[i + 1].ln() * f).exp()
}

/// What one range test found.
#[derive(Clone, Debug, PartialEq)]
pub struct RangeResult {
    /// The smoothed loss per step (+∞ after a non-finite loss).
    pub smoothed: Vec<f64>,
    /// Largest stable rate; `None` if the loss never left its minimum by the factor.
    pub stable: Option<f64>,
    /// Rate of fastest descent of the smoothed loss per ln η.
    pub best: Option<f64>,
    /// Smallest smoothed loss before the blow-up.
    pub min_loss: f64,
    /// Whether the loss went non-finite.
    pub non_finite: bool,
}

/// Finds the largest stable rate and the rate of fastest descent of one range test:
/// `lrs[t]` and `losses[t]` are step t's rate and mini-batch loss (see the module doc).
pub fn analyse(lrs: &[f64], losses: &[f64]) -> RangeResult {
    let n = lrs.len().min(losses.len());
    let smoothed = smooth(&losses[..n], EMA_BETA);
    let non_finite = losses[..n].iter().any(|l| !l.is_finite());
    let mut min = f64::INFINITY;
    let mut end = n;
    let mut stable = None;
    for (t, &s) in smoothed.iter().enumerate() {
        if t >= WARM_STEPS && (!s.is_finite() || s > BLOWUP_FACTOR * min) {
            end = t;
            stable = Some(rate_at(lrs, t as f64 - ema_age(t, EMA_BETA)));
            break;
        }
        if s.is_finite() {
            min = min.min(s);
        }
    }
    let w = SLOPE_HALF_WIDTH;
    let mut best: Option<(f64, f64)> = None; // (slope, rate)
    for t in WARM_STEPS.max(w)..end.saturating_sub(w) {
        let dl = smoothed[t + w] - smoothed[t - w];
        let dx = (lrs[t + w] / lrs[t - w]).ln();
        if !(dl.is_finite() && dx > 0.0) {
            continue;
        }
        let slope = dl / dx;
        if slope < 0.0 && best.is_none_or(|(b, _)| slope < b) {
            best = Some((slope, rate_at(lrs, t as f64 - ema_age(t, EMA_BETA))));
        }
    }
    RangeResult {
        smoothed,
        stable,
        best: best.map(|(_, r)| r),
        min_loss: min,
        non_finite,
    }
}

/// The (rate, loss) steps of a range-test run's records: one per optimizer step, the
/// untrained network's evaluation (epoch 0) left out. A step that diverged is kept with
/// its non-finite loss.
pub fn steps_of(run: &RunResult) -> (Vec<f64>, Vec<f64>) {
    run.records
        .iter()
        .filter(|r| r.epoch > 0)
        .map(|r| (r.lr, r.train_loss))
        .unzip()
}

/// A fitted exponent: the mean of the per-seed fits and its standard error.
#[derive(Clone, Debug, PartialEq)]
pub struct Exponent {
    pub alpha: f64,
    /// sd / √n over the seeds; NaN with one seed.
    pub se: f64,
    /// α of each seed that had at least two batch sizes.
    pub per_seed: Vec<f64>,
}

/// Least-squares slope of y on x; `None` with fewer than two distinct x.
pub fn slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// α of η ∝ B^α from `(batch, rate)` points of each seed: a log–log least-squares fit
/// per seed, then mean ± standard error over the seeds. `None` if no seed has two
/// batch sizes.
pub fn fit_exponent(seeds: &[Vec<(f64, f64)>]) -> Option<Exponent> {
    let per_seed: Vec<f64> = seeds
        .iter()
        .filter_map(|pts| {
            let logs: Vec<(f64, f64)> = pts.iter().map(|&(b, r)| (b.ln(), r.ln())).collect();
            slope(&logs)
        })
        .collect();
    if per_seed.is_empty() {
        return None;
    }
    let n = per_seed.len() as f64;
    let alpha = per_seed.iter().sum::<f64>() / n;
    let se = if per_seed.len() < 2 {
        f64::NAN
    } else {
        let var = per_seed.iter().map(|a| (a - alpha).powi(2)).sum::<f64>() / (n - 1.0);
        (var / n).sqrt()
    };
    Some(Exponent {
        alpha,
        se,
        per_seed,
    })
}

/// Where a log–log curve bends: the knot of the best continuous two-piece line.
#[derive(Clone, Debug, PartialEq)]
pub struct Bend {
    /// The batch size at the knot.
    pub batch: f64,
    /// The slopes (exponents) below and above it.
    pub below: f64,
    pub above: f64,
}

/// Knots tried per factor e of batch size.
const KNOTS_PER_E: f64 = 20.0;

/// The bend of the `(batch, rate)` curve (see the module doc); `None` with fewer than
/// four batch sizes (a two-piece line needs two on each side to mean anything).
pub fn bend(points: &[(f64, f64)]) -> Option<Bend> {
    let mut pts: Vec<(f64, f64)> = points.iter().map(|&(b, r)| (b.ln(), r.ln())).collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    if pts.len() < 4 {
        return None;
    }
    let (lo, hi) = (pts[1].0, pts[pts.len() - 2].0);
    let knots = ((hi - lo) * KNOTS_PER_E).ceil().max(1.0) as usize;
    let mut best: Option<(f64, Bend)> = None;
    for i in 0..=knots {
        let k = lo + (hi - lo) * i as f64 / knots as f64;
        let Some((sse, below, above)) = two_piece(&pts, k) else {
            continue;
        };
        if best.as_ref().is_none_or(|(s, _)| sse < *s - 1e-12) {
            best = Some((
                sse,
                Bend {
                    batch: k.exp(),
                    below,
                    above,
                },
            ));
        }
    }
    best.map(|(_, b)| b)
}

/// Least squares of y = a + b1·min(x − k, 0) + b2·max(x − k, 0): (SSE, b1, b2).
fn two_piece(pts: &[(f64, f64)], k: f64) -> Option<(f64, f64, f64)> {
    let rows: Vec<[f64; 3]> = pts
        .iter()
        .map(|p| [1.0, (p.0 - k).min(0.0), (p.0 - k).max(0.0)])
        .collect();
    let mut a = [[0.0; 3]; 3];
    let mut v = [0.0; 3];
    for (r, p) in rows.iter().zip(pts) {
        for i in 0..3 {
            v[i] += r[i] * p.1;
            for j in 0..3 {
                a[i][j] += r[i] * r[j];
            }
        }
    }
    let c = solve3(a, v)?;
    let sse = rows
        .iter()
        .zip(pts)
        .map(|(r, p)| (p.1 - (c[0] * r[0] + c[1] * r[1] + c[2] * r[2])).powi(2))
        .sum();
    Some((sse, c[1], c[2]))
}

/// Solves a 3 × 3 system by Gaussian elimination with partial pivoting.
fn solve3(mut a: [[f64; 3]; 3], mut v: [f64; 3]) -> Option<[f64; 3]> {
    for col in 0..3 {
        let p = (col..3).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[p][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, p);
        v.swap(col, p);
        let pivot = a[col];
        for r in col + 1..3 {
            let f = a[r][col] / pivot[col];
            for (x, p) in a[r].iter_mut().zip(pivot).skip(col) {
                *x -= f * p;
            }
            v[r] -= f * v[col];
        }
    }
    let mut x = [0.0; 3];
    for r in (0..3).rev() {
        let s: f64 = (r + 1..3).map(|c| a[r][c] * x[c]).sum();
        x[r] = (v[r] - s) / a[r][r];
    }
    Some(x)
}

/// One batch size of the experiment: what each seed's range test found.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchTests {
    pub batch: usize,
    /// Per finished repeat: (repeat, its rates and losses, the analysis).
    pub runs: Vec<(u32, Vec<f64>, RangeResult)>,
}

impl BatchTests {
    /// Geometric mean over seeds of the largest stable rate (seeds that found one) and
    /// how many found one.
    pub fn stable(&self) -> Option<f64> {
        geo_mean(self.runs.iter().filter_map(|r| r.2.stable))
    }

    /// Geometric mean over seeds of the rate of fastest descent.
    pub fn best(&self) -> Option<f64> {
        geo_mean(self.runs.iter().filter_map(|r| r.2.best))
    }
}

fn geo_mean(v: impl Iterator<Item = f64>) -> Option<f64> {
    let (s, n) = v.fold((0.0, 0), |(s, n), x| (s + x.ln(), n + 1));
    (n > 0).then(|| (s / n as f64).exp())
}

/// The relation over an experiment's batch sizes (see the module doc).
#[derive(Clone, Debug, PartialEq)]
pub struct Relation {
    /// One entry per batch size of `grid_b`, in its order.
    pub batches: Vec<BatchTests>,
    pub range: (f64, f64),
    /// α of the largest stable rate and of the rate of fastest descent.
    pub stable_alpha: Option<Exponent>,
    pub best_alpha: Option<Exponent>,
    /// The bend of the (seed-mean) largest stable rate.
    pub bend: Option<Bend>,
}

impl Relation {
    /// The relation of the finished range-test runs of `cfg` (runs still going, or
    /// stopped, are left out; a run's batch and seed come from its own config).
    pub fn new(cfg: &Config, runs: &[RunResult]) -> Relation {
        let mut batches: Vec<BatchTests> = cfg
            .grid_b
            .iter()
            .map(|&batch| BatchTests {
                batch,
                runs: Vec::new(),
            })
            .collect();
        for run in runs {
            let ended = run
                .records
                .last()
                .is_some_and(|r| matches!(r.status, Status::Done | Status::Diverged));
            let Some(b) = batches.iter_mut().find(|b| b.batch == run.config.b0) else {
                continue;
            };
            if ended {
                let (lrs, losses) = steps_of(run);
                let result = analyse(&lrs, &losses);
                b.runs.push((run.repeat, lrs, result));
            }
        }
        let per_seed = |pick: fn(&RangeResult) -> Option<f64>| -> Vec<Vec<(f64, f64)>> {
            (0..cfg.repeats)
                .map(|rep| {
                    batches
                        .iter()
                        .filter_map(|b| {
                            let r = b.runs.iter().find(|r| r.0 == rep)?;
                            pick(&r.2).map(|v| (b.batch as f64, v))
                        })
                        .collect()
                })
                .collect()
        };
        let means: Vec<(f64, f64)> = batches
            .iter()
            .filter_map(|b| b.stable().map(|s| (b.batch as f64, s)))
            .collect();
        Relation {
            stable_alpha: fit_exponent(&per_seed(|r| r.stable)),
            best_alpha: fit_exponent(&per_seed(|r| r.best)),
            bend: bend(&means),
            range: (cfg.range_lo, cfg.range_hi),
            batches,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// A range test of SGD on the noisy quadratic f(x) = h·x²/2 + 1 per coordinate (16
    /// independent ones, the loss their mean): the gradient is h·x plus noise ξ of variance
    /// 0.02·h, and x ← (1 − ηh)·x − ηξ is stable iff η < 2/h. The constant is the loss
    /// floor a network has too (it keeps the minimum away from 0); the noise keeps x from
    /// vanishing, so a blow-up starts from where a real one does, the noise's level
    /// (η·0.01/(2 − ηh) in the loss, 1 % of the floor at η = 1/h).
    fn quadratic_range_test(h: f64, steps: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
        let (lo, hi) = (1e-3 / h, 1e2 / h);
        let amp = (0.24 * h).sqrt(); // uniform(−½, ½)·amp has variance 0.02·h
        let mut rng = Rng::new(seed);
        let mut x = vec![1.0f64; 16];
        let mut lrs = Vec::new();
        let mut losses = Vec::new();
        for t in 0..steps {
            let lr = lo * (hi / lo).powf(t as f64 / (steps - 1) as f64);
            let loss = x.iter().map(|v| 0.5 * h * v * v + 1.0).sum::<f64>() / x.len() as f64;
            lrs.push(lr);
            losses.push(loss);
            for v in &mut x {
                let g = h * *v + amp * (rng.next_f32() as f64 - 0.5);
                *v -= lr * g;
            }
        }
        (lrs, losses)
    }

    #[test]
    fn finds_two_over_h_on_a_quadratic() {
        for (h, seed) in [(1.0, 1), (10.0, 2), (0.05, 3), (3.0, 4)] {
            let (lrs, losses) = quadratic_range_test(h, 300, seed);
            let r = analyse(&lrs, &losses);
            let stable = r.stable.expect("the loss blows up past 2/h");
            let ratio = stable / (2.0 / h);
            assert!(
                (0.9..1.1).contains(&ratio),
                "h {h}: found {stable}, 2/h = {}",
                2.0 / h
            );
        }
    }

    #[test]
    fn a_loss_that_never_rises_has_no_limit() {
        let lrs: Vec<f64> = (0..200).map(|t| 1e-3 * 1.05f64.powi(t)).collect();
        let losses: Vec<f64> = (0..200).map(|t| 2.0 / (1.0 + t as f64 / 50.0)).collect();
        assert_eq!(analyse(&lrs, &losses).stable, None);
        // A NaN loss is the limit, at the rate of that step less the EMA's age.
        let mut bad = losses.clone();
        bad[150] = f64::NAN;
        let r = analyse(&lrs, &bad);
        assert!(r.non_finite);
        let want = rate_at(&lrs, 150.0 - ema_age(150, EMA_BETA));
        assert_eq!(r.stable, Some(want));
        assert!(want < lrs[150] && want > lrs[140]);
    }

    #[test]
    fn fastest_descent_is_the_steepest_point() {
        // L = 1 − tanh((ln η − ln η*)/w): steepest in ln η at η* = 0.03.
        let lrs: Vec<f64> = (0..400)
            .map(|t| 1e-4 * (1e5f64).powf(t as f64 / 399.0))
            .collect();
        let star = 0.03f64;
        let losses: Vec<f64> = lrs
            .iter()
            .map(|l| 1.5 - ((l / star).ln() / 1.5).tanh())
            .collect();
        let best = analyse(&lrs, &losses).best.unwrap();
        assert!(
            (best / star - 1.0).abs() < 0.05,
            "found {best}, want {star}"
        );
    }

    #[test]
    fn smoothing_is_bias_corrected() {
        let s = smooth(&[2.0, 2.0, 2.0], 0.9);
        assert!(s.iter().all(|v| (v - 2.0).abs() < 1e-12), "{s:?}");
        assert_eq!(smooth(&[1.0, f64::INFINITY, 1.0], 0.9)[2], f64::INFINITY);
        assert_eq!(ema_age(0, 0.9), 0.0);
        assert!((ema_age(10_000, 0.9) - 9.0).abs() < 1e-9);
    }

    #[test]
    fn exponent_of_a_known_power_law() {
        // η = c_s · B^0.7 with per-seed noise in the constant and a little in each point.
        let mut rng = Rng::new(7);
        let seeds: Vec<Vec<(f64, f64)>> = (0..5)
            .map(|s| {
                [8.0, 16.0, 32.0, 64.0, 128.0]
                    .iter()
                    .map(|&b: &f64| {
                        let jitter = 1.0 + 0.05 * (rng.next_f32() as f64 - 0.5);
                        (b, (0.01 + 0.001 * s as f64) * b.powf(0.7) * jitter)
                    })
                    .collect()
            })
            .collect();
        let e = fit_exponent(&seeds).unwrap();
        assert!((e.alpha - 0.7).abs() < 0.02, "{e:?}");
        assert!(e.se > 0.0 && e.se < 0.02, "{e:?}");
        assert!((e.alpha - 0.7).abs() < 4.0 * e.se + 1e-3);
        let one = fit_exponent(&seeds[..1]).unwrap();
        assert!(one.se.is_nan());
        assert_eq!(fit_exponent(&[vec![(8.0, 0.1)]]), None);
    }

    #[test]
    fn bend_of_a_known_knee() {
        // Linear up to B = 200, flat beyond.
        let pts: Vec<(f64, f64)> = (3..=11)
            .map(|p| {
                let b = 2f64.powi(p);
                (b, 0.001 * b.min(200.0))
            })
            .collect();
        let k = bend(&pts).unwrap();
        assert!((k.batch / 200.0 - 1.0).abs() < 0.1, "{k:?}");
        assert!(
            (k.below - 1.0).abs() < 0.05 && k.above.abs() < 0.05,
            "{k:?}"
        );
        // A √ law bending to flat at 1000.
        let pts: Vec<(f64, f64)> = [8.0, 32.0, 128.0, 512.0, 2048.0, 8000.0]
            .iter()
            .map(|&b: &f64| (b, 0.01 * b.min(1000.0).sqrt()))
            .collect();
        let k = bend(&pts).unwrap();
        assert!((k.batch / 1000.0 - 1.0).abs() < 0.1, "{k:?}");
        assert!((k.below - 0.5).abs() < 0.05, "{k:?}");
        assert_eq!(bend(&pts[..3]), None);
    }
}
