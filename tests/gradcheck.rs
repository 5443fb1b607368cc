//! Gradient checks: every layer alone, then the whole model; plus the model-level properties
//! that rest on the gradient (chunking changes nothing, loss goes down, same seed same result).
//!
//! Method: central differences, (L(θ + ε) − L(θ − ε)) / (actual 2ε), with the loss summed in
//! f64 where the layer allows it. The perturbation actually applied is read back from the f32
//! parameter, so rounding of θ ± ε does not bias the quotient. Errors are relative,
//! |a − n| / max(|a|, |n|, floor), with the floor keeping near-zero gradients from demanding
//! digits f32 does not have. A linear layer's loss is Σ out·R with random R, so its analytic
//! gradient is the layer's backward applied to dout = R.

mod common;

use common::uniform;
use lr_batch_playground::kernels::{IMG, K, OH, OW, POOL};
use lr_batch_playground::model::{Init, Model, CHUNK, CLASSES, HIDDEN, INPUT};
use lr_batch_playground::nn::{conv, dense, dropout, relu_pool, softmax_xent};
use lr_batch_playground::rng::Rng;

fn labels(rng: &mut Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.below(CLASSES) as u8).collect()
}

/// Σ a·r in f64: the scalar loss that makes dout = r.
fn dot64(a: &[f32], r: &[f32]) -> f64 {
    a.iter().zip(r).map(|(&a, &r)| a as f64 * r as f64).sum()
}

/// Tolerances of one check.
#[derive(Clone, Copy)]
struct Tol {
    eps: f32,
    rel: f64,
    floor: f64,
}

/// For layers linear in the checked variable the central difference is exact for any eps, so
/// a large one drowns the f32 rounding of the forward pass.
const LINEAR: Tol = Tol {
    eps: 0.25,
    rel: 1e-3,
    floor: 1e-2,
};

/// Central-difference check of `analytic` (the gradient of `loss` w.r.t. `theta`) at the
/// coordinates `idx`. `loss` sees the perturbed `theta`. Returns the largest relative error.
fn gradcheck(
    what: &str,
    theta: &mut [f32],
    analytic: &[f32],
    idx: &[usize],
    tol: Tol,
    mut loss: impl FnMut(&[f32]) -> f64,
) -> f64 {
    assert_eq!(theta.len(), analytic.len(), "{what}: gradient length");
    assert!(!idx.is_empty(), "{what}: no coordinates to check");
    let mut worst = 0.0f64;
    for &i in idx {
        let orig = theta[i];
        theta[i] = orig + tol.eps;
        let (hi, lp) = (theta[i] as f64, loss(theta));
        theta[i] = orig - tol.eps;
        let (lo, lm) = (theta[i] as f64, loss(theta));
        theta[i] = orig;
        let numeric = (lp - lm) / (hi - lo);
        let a = analytic[i] as f64;
        let err = (a - numeric).abs() / a.abs().max(numeric.abs()).max(tol.floor);
        assert!(
            err <= tol.rel,
            "{what}[{i}]: analytic {a:e}, numeric {numeric:e}, rel err {err:e} > {:e}",
            tol.rel
        );
        worst = worst.max(err);
    }
    worst
}

fn all(len: usize) -> Vec<usize> {
    (0..len).collect()
}

/// `k` random coordinates plus the `top` largest |analytic| ones (so a sparse gradient is
/// still checked where it is non-zero).
fn sample(rng: &mut Rng, analytic: &[f32], k: usize, top: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..k).map(|_| rng.below(analytic.len())).collect();
    let mut by_size = all(analytic.len());
    by_size.sort_by(|&a, &b| analytic[b].abs().total_cmp(&analytic[a].abs()));
    idx.extend(by_size.into_iter().take(top));
    idx
}

// ---------------------------------------------------------------- layers alone

#[test]
fn conv_weights_and_bias() {
    let (n, oc) = (2, 3);
    let mut rng = Rng::new(1);
    let x = uniform(&mut rng, n * IMG, 0.0, 1.0); // (N, H, W)
    let mut w = uniform(&mut rng, oc * K * K, -0.5, 0.5); // (OC, 1, K, K)
    let mut b = uniform(&mut rng, oc, -0.5, 0.5); // (OC)
    let r = uniform(&mut rng, n * oc * OH * OW, -1.0, 1.0); // dout, (N, OC, OH, OW)
    let (mut dw, mut db) = (vec![0.0; w.len()], vec![0.0; b.len()]);
    conv::backward_weights(&x, &r, n, &mut dw, &mut db);

    let mut out = vec![0.0; r.len()];
    let b0 = b.clone();
    gradcheck("conv dw", &mut w, &dw, &all(oc * K * K), LINEAR, |w| {
        conv::forward(&x, w, &b0, n, &mut out);
        dot64(&out, &r)
    });
    let w0 = w.clone();
    gradcheck("conv db", &mut b, &db, &all(oc), LINEAR, |b| {
        conv::forward(&x, &w0, b, n, &mut out);
        dot64(&out, &r)
    });
}

#[test]
fn relu_maxpool_input() {
    // Distinct values on a 0.01 grid, offset by 0.005 so none is 0: a perturbation of 1e-3
    // can never cross a kink (a change of window winner or of ReLU state).
    let shape = [2, 3, 6, 8];
    let len: usize = shape.iter().product();
    let mut rng = Rng::new(2);
    let mut order = all(len);
    rng.shuffle(&mut order);
    let mut z: Vec<f32> = order
        .iter()
        .map(|&k| (k as f32 - len as f32 / 2.0) * 0.01 + 0.005)
        .collect();
    let m = len / 4;
    let r = uniform(&mut rng, m, -1.0, 1.0); // dpooled, (N, C, H/2, W/2)
    let (mut pooled, mut argmax) = (vec![0.0; m], vec![0u8; m]);
    relu_pool::forward(&z, shape, &mut pooled, &mut argmax);
    assert!(pooled.contains(&0.0) && pooled.iter().any(|&p| p > 0.0));
    let mut dz = vec![f32::NAN; len];
    relu_pool::backward(&pooled, &argmax, &r, shape, &mut dz);
    let tol = Tol {
        eps: 1e-3,
        rel: 1e-2,
        floor: 1e-2,
    };
    gradcheck("relu_pool dz", &mut z, &dz, &all(len), tol, |z| {
        relu_pool::forward(z, shape, &mut pooled, &mut argmax);
        dot64(&pooled, &r)
    });
}

#[test]
fn fused_conv_relu_pool_weights() {
    let (n, oc) = (1, 4);
    let mut rng = Rng::new(3);
    let x = uniform(&mut rng, n * IMG, 0.0, 1.0);
    let mut w = uniform(&mut rng, oc * K * K, -0.5, 0.5);
    let mut b = uniform(&mut rng, oc, -0.3, 0.3);
    let r = uniform(&mut rng, n * oc * POOL, -1.0, 1.0); // dpooled
    let (mut pooled, mut argmax) = (vec![0.0; n * oc * POOL], vec![0u8; n * oc * POOL]);
    conv::forward_relu_pool(&x, &w, &b, n, &mut pooled, &mut argmax);
    let dpre: Vec<f32> = r
        .iter()
        .zip(&pooled)
        .map(|(&g, &p)| if p > 0.0 { g } else { 0.0 })
        .collect();
    let (mut dw, mut db) = (vec![0.0; w.len()], vec![0.0; b.len()]);
    conv::backward_weights_relu_pool(&x, &argmax, &dpre, n, &mut dw, &mut db);

    // Piecewise linear: a perturbation that moved a pool winner or a ReLU across its kink
    // would make the difference quotient wrong for reasons unrelated to the backward. A small
    // eps avoids that, and the routing is asserted unchanged so it cannot happen silently.
    let routing = |p: &[f32], a: &[u8]| -> Vec<(bool, u8)> {
        p.iter().zip(a).map(|(&p, &a)| (p > 0.0, a)).collect()
    };
    let want = routing(&pooled, &argmax);
    let tol = Tol {
        eps: 1e-4,
        rel: 1e-2,
        floor: 1e-2,
    };
    let mut eval = |w: &[f32], b: &[f32]| {
        conv::forward_relu_pool(&x, w, b, n, &mut pooled, &mut argmax);
        assert!(
            routing(&pooled, &argmax) == want,
            "eps crossed a kink: pick a smaller eps"
        );
        dot64(&pooled, &r)
    };
    let b0 = b.clone();
    gradcheck("fused conv dw", &mut w, &dw, &all(oc * K * K), tol, |w| {
        eval(w, &b0)
    });
    let w0 = w.clone();
    gradcheck("fused conv db", &mut b, &db, &all(oc), tol, |b| {
        eval(&w0, b)
    });
}

#[test]
fn dropout_with_fixed_mask() {
    let len = 500;
    let p = 0.4;
    let mut rng = Rng::new(4);
    let mut x = uniform(&mut rng, len, -1.0, 1.0);
    let r = uniform(&mut rng, len, -1.0, 1.0);
    let mut mask = vec![0.0; len];
    dropout::draw_mask(&mut rng.clone(), p, &mut mask);
    let kept = mask.iter().filter(|&&m| m > 0.0).count();
    assert!(
        (200..400).contains(&kept),
        "kept {kept} of {len} at p = {p}"
    );
    assert!(mask
        .iter()
        .all(|&m| m == 0.0 || m == dropout::keep_scale(p)));

    let mut dx = vec![f32::NAN; len];
    dropout::backward(&r, &mask, &mut dx);
    let mut out = vec![0.0; len];
    gradcheck("dropout dx", &mut x, &dx, &all(len), LINEAR, |x| {
        dropout::forward(x, &mask, &mut out);
        dot64(&out, &r)
    });

    // The in-place form draws the same mask from the same generator state.
    let mut y = x.clone();
    dropout::forward_inplace(&mut rng.clone(), p, &mut y);
    dropout::forward(&x, &mask, &mut out);
    assert_eq!(y, out);
}

/// The model's backward through dropout ∘ ReLU reads the mask off the output: check it
/// against central differences of z ↦ Σ dropout(relu(z))·R with the mask fixed.
#[test]
fn dropout_relu_backward_from_output() {
    let len = 400;
    let p = 0.3;
    let mut rng = Rng::new(5);
    // |z| ≥ 0.05 keeps every perturbation on one side of the ReLU kink.
    let mut z: Vec<f32> = (0..len)
        .map(|_| {
            let v = rng.uniform(0.05, 1.0);
            if rng.below(2) == 0 {
                v
            } else {
                -v
            }
        })
        .collect();
    let r = uniform(&mut rng, len, -1.0, 1.0);
    let drop_rng = rng.clone();
    let layer = |z: &[f32], out: &mut Vec<f32>| {
        out.clear();
        out.extend(z.iter().map(|&v| v.max(0.0)));
        dropout::forward_inplace(&mut drop_rng.clone(), p, out);
    };
    let mut out = Vec::new();
    layer(&z, &mut out);
    let mut dz = r.clone();
    dropout::backward_through_relu(&out, p, &mut dz);
    assert!(
        dz.iter().filter(|&&g| g == 0.0).count() > len / 3,
        "mask or ReLU not applied"
    );
    // Linear on each side of the kink, so any eps below the 0.05 margin is exact.
    let tol = Tol {
        eps: 0.02,
        ..LINEAR
    };
    gradcheck("dropout∘relu dz", &mut z, &dz, &all(len), tol, |z| {
        layer(z, &mut out);
        dot64(&out, &r)
    });
}

#[test]
fn dense_weights_bias_and_input() {
    for (n, i, o, seed) in [(3, 50, 7, 6), (2, HIDDEN, CLASSES, 7)] {
        let mut rng = Rng::new(seed);
        let mut x = uniform(&mut rng, n * i, 0.0, 1.0); // (N, IN)
        let mut w = uniform(&mut rng, o * i, -0.1, 0.1); // (OUT, IN)
        let mut b = uniform(&mut rng, o, -0.1, 0.1); // (OUT)
        let r = uniform(&mut rng, n * o, -1.0, 1.0); // dout, (N, OUT)
        let (mut dw, mut db) = (vec![0.0; w.len()], vec![0.0; o]);
        dense::backward_weights(&x, &r, n, &mut dw, &mut db);
        let mut dx = vec![f32::NAN; x.len()];
        dense::backward_input(&w, &r, n, &mut dx);

        let mut out = vec![0.0; n * o];
        let (x0, w0, b0) = (x.clone(), w.clone(), b.clone());
        let idx_w = sample(&mut rng, &dw, 60, 5);
        gradcheck("dense dw", &mut w, &dw, &idx_w, LINEAR, |w| {
            dense::forward(&x0, w, &b0, n, &mut out);
            dot64(&out, &r)
        });
        gradcheck("dense db", &mut b, &db, &all(o), LINEAR, |b| {
            dense::forward(&x0, &w0, b, n, &mut out);
            dot64(&out, &r)
        });
        let idx_x = sample(&mut rng, &dx, 60, 5);
        gradcheck("dense dx", &mut x, &dx, &idx_x, LINEAR, |x| {
            dense::forward(x, &w0, &b0, n, &mut out);
            dot64(&out, &r)
        });
    }
}

#[test]
fn softmax_cross_entropy_logits() {
    let n = 5;
    let mut rng = Rng::new(8);
    let mut z = uniform(&mut rng, n * CLASSES, -3.0, 3.0); // (N, CL)
    let y = labels(&mut rng, n);
    let mut dz = vec![f32::NAN; z.len()];
    let sum = softmax_xent::forward_backward(&z, &y, 1.0 / n as f32, &mut dz);
    assert_eq!(
        sum,
        softmax_xent::forward(&z, &y),
        "forward_backward's loss differs"
    );
    let tol = Tol {
        eps: 1e-2,
        rel: 1e-2,
        floor: 1e-3,
    };
    gradcheck("xent dlogits", &mut z, &dz, &all(n * CLASSES), tol, |z| {
        softmax_xent::forward(z, &y) / n as f64
    });
    // Each row of the gradient sums to 0 (softmax sums to 1, the one-hot too).
    for row in dz.chunks_exact(CLASSES) {
        assert!(row.iter().sum::<f32>().abs() < 1e-6);
    }
}

#[test]
fn softmax_cross_entropy_is_stable() {
    let z: Vec<f32> = (0..CLASSES).map(|j| j as f32 * 0.5).collect();
    let big: Vec<f32> = z.iter().map(|&v| v + 1.0e4).collect();
    let small: Vec<f32> = z.iter().map(|&v| v - 1.0e4).collect();
    let want = softmax_xent::loss(&z, 3) as f64;
    // Naive −ln(exp(z_3)/Σ exp(z_j)) in f64 as a reference for the unshifted logits.
    let naive = -((z[3] as f64).exp() / z.iter().map(|&v| (v as f64).exp()).sum::<f64>()).ln();
    assert!((want - naive).abs() < 1e-5, "{want} vs {naive}");
    for shifted in [&big, &small] {
        let l = softmax_xent::forward(shifted, &[3]);
        assert!(l.is_finite() && (l - want).abs() < 1e-2, "{l} vs {want}");
    }
}

// ---------------------------------------------------------------- the whole model

fn batch(rng: &mut Rng, n: usize) -> (Vec<f32>, Vec<u8>) {
    (uniform(rng, n * INPUT, 0.0, 1.0), labels(rng, n))
}

/// The model's forward pass and mean loss written again from the description, in f64 with
/// plain loops (conv → ReLU → max-pool → × mask → dense → log-softmax), as an oracle whose
/// finite differences are free of f32 noise. `mask` (N, 5408) holds the dropout factors.
fn reference_loss64(prm: &[f64], x: &[f32], y: &[u8], mask: &[f32]) -> f64 {
    let n = y.len();
    let (cw, rest) = prm.split_at(32 * 9); // (32, 1, 3, 3)
    let (cb, rest) = rest.split_at(32); // (32)
    let (dw, db) = rest.split_at(CLASSES * HIDDEN); // (10, 5408), (10)
    let mut h = vec![0.0f64; HIDDEN]; // (5408) one sample's features, (c, y, x) order
    let mut total = 0.0;
    for s in 0..n {
        let img = &x[s * INPUT..(s + 1) * INPUT]; // (28, 28)
        for c in 0..32 {
            for py in 0..13 {
                for px in 0..13 {
                    let mut best = f64::NEG_INFINITY;
                    for (yy, xx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                        let (cy, cx) = (2 * py + yy, 2 * px + xx);
                        let mut z = cb[c];
                        for ky in 0..3 {
                            for kx in 0..3 {
                                z += cw[c * 9 + ky * 3 + kx] * img[(cy + ky) * 28 + cx + kx] as f64;
                            }
                        }
                        best = best.max(z);
                    }
                    let i = c * 169 + py * 13 + px;
                    h[i] = best.max(0.0) * mask[s * HIDDEN + i] as f64;
                }
            }
        }
        let logits: Vec<f64> = (0..CLASSES)
            .map(|o| {
                db[o]
                    + dw[o * HIDDEN..(o + 1) * HIDDEN]
                        .iter()
                        .zip(&h)
                        .map(|(w, h)| w * h)
                        .sum::<f64>()
            })
            .collect();
        let m = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lse = m + logits.iter().map(|z| (z - m).exp()).sum::<f64>().ln();
        total += lse - logits[y[s] as usize];
    }
    total / n as f64
}

/// The whole model against the f64 oracle: its loss must equal the model's, and the model's
/// gradient must match the oracle's central differences on sampled coordinates of all four
/// groups. In f64 the step can be tiny (1e-7), so it practically never crosses a ReLU or
/// max-pool kink, and the quotient has ~1e-9 of rounding noise: the bound is tight.
#[test]
fn whole_model_against_f64_reference() {
    for (init, p, seed) in [
        (Init::PyTorch, 0.3, 10),
        (Init::He, 0.0, 11),
        (Init::He, 0.5, 12),
    ] {
        let mut rng = Rng::new(seed);
        let mut model = Model::new(init, p, &mut rng);
        let (x, y) = batch(&mut rng, 3);
        let drop_rng = Rng::stream(seed, 3);
        let loss = model.train_batch(&x, &y, &mut drop_rng.clone());
        let analytic = model.grads().to_vec();
        let mut mask = vec![0.0; 3 * HIDDEN];
        dropout::draw_mask(&mut drop_rng.clone(), p, &mut mask); // the masks train_batch drew

        let mut prm: Vec<f64> = model.params().iter().map(|&v| v as f64).collect();
        let ref_loss = reference_loss64(&prm, &x, &y, &mask);
        assert!(
            (loss as f64 - ref_loss).abs() < 1e-5,
            "{init:?}: loss {loss} vs f64 {ref_loss}"
        );

        for (name, range) in model.param_ranges() {
            let what = format!("{init:?} p={p} {name}");
            let idx = sample(&mut rng, &analytic[range.clone()], 8, 4);
            let mut worst = 0.0f64;
            for i in idx.into_iter().map(|i| range.start + i) {
                let (orig, eps) = (prm[i], 1e-7);
                prm[i] = orig + eps;
                let lp = reference_loss64(&prm, &x, &y, &mask);
                prm[i] = orig - eps;
                let lm = reference_loss64(&prm, &x, &y, &mask);
                prm[i] = orig;
                let numeric = (lp - lm) / (2.0 * eps);
                let a = analytic[i] as f64;
                // The floor: the analytic side is an f32 sum of thousands of terms.
                let err = (a - numeric).abs() / a.abs().max(numeric.abs()).max(1e-4);
                assert!(
                    err < 1e-4,
                    "{what}[{i}]: analytic {a:e}, f64 numeric {numeric:e}"
                );
                worst = worst.max(err);
            }
            println!("{what}: worst rel err vs f64 {worst:.1e}");
        }
    }
}

/// The whole model through its own f32 `train_batch`, dropout on (the generator is cloned
/// before every loss evaluation, so the mask is the same each time), 3 random images.
///
/// The loss is f32 (ulp 2.4e-7 near 2.3), so a difference quotient carries ≈ 2.4e-7/eps of
/// noise. In the dense parameters the loss is smooth and eps = 1e-2 is fine: sampled
/// coordinates are checked one by one. In the conv parameters it is piecewise linear (ReLU,
/// max) with many kinks per unit step, and no eps is both small enough to miss the kinks and
/// large enough to beat the noise, so single conv coordinates are left to the f64 test above.
/// Every group, conv included, is checked along its own gradient g/|g|, where the derivative
/// |g| is large against the noise and kink effects average out.
#[test]
fn whole_model_f32_finite_differences() {
    for (init, p, seed) in [(Init::PyTorch, 0.3, 10), (Init::He, 0.0, 11)] {
        let mut rng = Rng::new(seed);
        let mut model = Model::new(init, p, &mut rng);
        let (x, y) = batch(&mut rng, 3);
        let drop_rng = Rng::stream(seed, 3);
        model.train_batch(&x, &y, &mut drop_rng.clone());
        let analytic = model.grads().to_vec();
        let ranges = model.param_ranges();
        let p0 = model.params().to_vec();
        let mut loss_at = |prm: &[f32]| {
            model.params_mut().copy_from_slice(prm);
            model.train_batch(&x, &y, &mut drop_rng.clone()) as f64
        };

        let mut params = p0.clone();
        for (name, range) in ranges {
            let what = format!("{init:?} p={p} {name}");
            let group = &analytic[range.clone()];
            if name.starts_with("dense") {
                let tol = Tol {
                    eps: 1e-2,
                    rel: 1e-2,
                    floor: 1e-2,
                };
                let idx: Vec<usize> = sample(&mut rng, group, 8, 4)
                    .into_iter()
                    .map(|i| range.start + i)
                    .collect();
                let worst = gradcheck(&what, &mut params, &analytic, &idx, tol, &mut loss_at);
                println!("{what}: coordinates worst rel err {worst:.1e}");
            }

            let norm = group
                .iter()
                .map(|&g| (g as f64).powi(2))
                .sum::<f64>()
                .sqrt();
            assert!(norm > 0.0, "{what}: zero gradient");
            let eps = 1e-3;
            let mut side = |sign: f64| {
                let mut prm = p0.clone();
                let mut along = 0.0f64; // the step actually taken along g/|g|, after rounding
                for i in range.clone() {
                    let u = analytic[i] as f64 / norm;
                    prm[i] = (p0[i] as f64 + sign * eps * u) as f32;
                    along += (prm[i] as f64 - p0[i] as f64) * u;
                }
                (loss_at(&prm), along)
            };
            let ((lp, ap), (lm, am)) = (side(1.0), side(-1.0));
            let numeric = (lp - lm) / (ap - am);
            let err = (numeric - norm).abs() / norm;
            println!("{what}: along g rel err {err:.1e}");
            assert!(
                err < 5e-3,
                "{what}: |g| = {norm:e}, directional numeric {numeric:e}"
            );
        }
    }
}

/// The same computation written unchunked with the standalone layers: plain conv, separate
/// ReLU+pool, a stored dropout mask, over the whole batch at once.
fn reference_grads(model: &Model, x: &[f32], y: &[u8], rng: &mut Rng) -> (f32, Vec<f32>) {
    let n = y.len();
    let oc = model.conv_bias().len();
    let prm = model.params();
    let [cw, cb, dw, db] = model.param_ranges().map(|(_, r)| &prm[r]);
    let shape = [n, oc, OH, OW];
    let mut z = vec![0.0; n * oc * OH * OW]; // (N, OC, OH, OW)
    conv::forward(x, cw, cb, n, &mut z);
    let (mut pooled, mut argmax) = (vec![0.0; n * HIDDEN], vec![0u8; n * HIDDEN]);
    relu_pool::forward(&z, shape, &mut pooled, &mut argmax);
    let mut mask = vec![0.0; n * HIDDEN];
    dropout::draw_mask(rng, model.dropout(), &mut mask);
    let mut h = vec![0.0; n * HIDDEN];
    dropout::forward(&pooled, &mask, &mut h);
    let mut logits = vec![0.0; n * CLASSES];
    dense::forward(&h, dw, db, n, &mut logits);
    let mut dlogits = vec![0.0; n * CLASSES];
    let loss = softmax_xent::forward_backward(&logits, y, 1.0 / n as f32, &mut dlogits);

    let mut grads = vec![0.0; prm.len()];
    let [gcw, gcb, gdw, gdb] = split4(&mut grads, model);
    dense::backward_weights(&h, &dlogits, n, gdw, gdb);
    let mut dh = vec![0.0; n * HIDDEN];
    dense::backward_input(dw, &dlogits, n, &mut dh);
    let mut dpooled = vec![0.0; n * HIDDEN];
    dropout::backward(&dh, &mask, &mut dpooled);
    let mut dz = vec![0.0; z.len()];
    relu_pool::backward(&pooled, &argmax, &dpooled, shape, &mut dz);
    conv::backward_weights(x, &dz, n, gcw, gcb);
    ((loss / n as f64) as f32, grads)
}

fn split4<'a>(g: &'a mut [f32], model: &Model) -> [&'a mut [f32]; 4] {
    let [a, b, c, _] = model.param_ranges().map(|(_, r)| r.end);
    let (cw, rest) = g.split_at_mut(a);
    let (cb, rest) = rest.split_at_mut(b - a);
    let (dw, db) = rest.split_at_mut(c - b);
    [cw, cb, dw, db]
}

/// |got − want| ≤ rel·|want| + abs_frac·max|want| element-wise.
fn assert_close(what: &str, got: &[f32], want: &[f32], rel: f32, abs_frac: f32) {
    assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(scale > 0.0, "{what}: all zero");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= rel * w.abs() + abs_frac * scale,
            "{what}[{i}]: {g:e} vs {w:e} (max |want| {scale:e})"
        );
    }
}

#[test]
fn chunked_train_batch_equals_unchunked() {
    let n = 2 * CHUNK + 5;
    let mut rng = Rng::new(20);
    let mut model = Model::new(Init::PyTorch, 0.25, &mut rng);
    let (x, y) = batch(&mut rng, n);
    let drop_rng = Rng::stream(20, 3);

    let loss = model.train_batch(&x, &y, &mut drop_rng.clone());
    let grads = model.grads().to_vec();

    // 1. Against the unchunked reference built from the standalone layers.
    let (ref_loss, ref_grads) = reference_grads(&model, &x, &y, &mut drop_rng.clone());
    assert!(
        (loss - ref_loss).abs() <= 1e-6 * ref_loss.abs(),
        "{loss} vs {ref_loss}"
    );
    for (name, r) in model.param_ranges() {
        assert_close(name, &grads[r.clone()], &ref_grads[r], 1e-4, 1e-5);
    }

    // 2. Against the weighted sum of separate calls on each chunk (the generator continues
    // from chunk to chunk, so the masks are the same).
    let mut sum = vec![0.0f32; grads.len()];
    let mut sum_loss = 0.0f64;
    let mut chunk_rng = drop_rng.clone();
    for (xc, yc) in x.chunks(CHUNK * INPUT).zip(y.chunks(CHUNK)) {
        let w = yc.len() as f32 / n as f32;
        sum_loss += model.train_batch(xc, yc, &mut chunk_rng) as f64 * w as f64;
        sum.iter_mut()
            .zip(model.grads())
            .for_each(|(s, &g)| *s += w * g);
    }
    assert!((loss as f64 - sum_loss).abs() <= 1e-6 * sum_loss.abs());
    for (name, r) in model.param_ranges() {
        assert_close(name, &grads[r.clone()], &sum[r], 1e-4, 1e-5);
    }
}

#[test]
fn loss_goes_down_with_sgd() {
    let mut rng = Rng::new(30);
    let mut model = Model::new(Init::PyTorch, 0.0, &mut rng);
    let (x, y) = batch(&mut rng, 16);
    let (before, _) = model.evaluate(&x, &y);
    let lr = 0.1;
    let mut first = None;
    for _ in 0..30 {
        let l = model.train_batch(&x, &y, &mut rng);
        first.get_or_insert(l);
        let (p, g) = model.params_and_grads();
        p.iter_mut().zip(g).for_each(|(p, &g)| *p -= lr * g);
    }
    let (after, correct) = model.evaluate(&x, &y);
    let (before, after) = (before / 16.0, after / 16.0);
    println!("mean loss {before:.4} → {after:.4}, {correct}/16 correct");
    assert!(
        (first.unwrap() as f64 - before).abs() < 1e-5,
        "train_batch loss ≠ evaluate loss"
    );
    assert!(after < 0.5 * before, "loss {before} → {after}");
}

#[test]
fn same_seed_same_result() {
    let run = || {
        let mut rng = Rng::new(40);
        let mut model = Model::new(Init::He, 0.5, &mut rng);
        let (x, y) = batch(&mut rng, 70);
        let loss = model.train_batch(&x, &y, &mut rng);
        (
            loss.to_bits(),
            model
                .grads()
                .iter()
                .map(|g| g.to_bits())
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(run(), run());
}

#[test]
fn empty_batch_gives_zero_loss_and_zero_grads() {
    let mut rng = Rng::new(50);
    let mut model = Model::new(Init::PyTorch, 0.5, &mut rng);
    let (x, y) = batch(&mut rng, 2);
    model.train_batch(&x, &y, &mut rng);
    assert!(model.grads().iter().any(|&g| g != 0.0));
    assert_eq!(model.train_batch(&[], &[], &mut rng), 0.0);
    assert!(model.grads().iter().all(|&g| g == 0.0));
    assert_eq!(model.evaluate(&[], &[]), (0.0, 0));
    model.predict(&[], &mut [], &mut []);
}

#[test]
fn predict_agrees_with_evaluate() {
    let mut rng = Rng::new(60);
    let mut model = Model::new(Init::He, 0.5, &mut rng);
    let n = CHUNK + 3;
    let (x, y) = batch(&mut rng, n);
    let (mut preds, mut probs) = (vec![0u8; n], vec![0.0f32; n * CLASSES]);
    model.predict(&x, &mut preds, &mut probs);
    let (loss, correct) = model.evaluate(&x, &y);
    let mut nll = 0.0f64;
    for ((row, &p), &label) in probs.chunks_exact(CLASSES).zip(&preds).zip(&y) {
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert_eq!(p as usize, softmax_xent::argmax(row));
        nll -= (row[label as usize] as f64).ln();
    }
    assert_eq!(
        correct,
        preds.iter().zip(&y).filter(|(p, y)| p == y).count()
    );
    assert!((nll - loss).abs() < 1e-4 * loss, "{nll} vs {loss}");
}

#[test]
fn layout_and_init() {
    let seed = 70;
    let mut model = Model::new(Init::PyTorch, 0.0, &mut Rng::stream(seed, 1));
    assert_eq!(model.num_params(), 54410);
    assert_eq!(model.params().len(), 54410);
    assert_eq!(model.grads().len(), 54410);
    let ranges = model.param_ranges();
    let names: Vec<_> = ranges.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        ["conv.weight", "conv.bias", "dense.weight", "dense.bias"]
    );
    let lens: Vec<_> = ranges.iter().map(|(_, r)| r.len()).collect();
    assert_eq!(lens, [288, 32, 54080, 10]);
    assert!(ranges.windows(2).all(|w| w[0].1.end == w[1].1.start) && ranges[0].1.start == 0);

    // Views alias the flat vector in PyTorch's layout.
    assert_eq!(model.conv_weight().shape(), &[32, 1, 3, 3]);
    assert_eq!(model.conv_weight()[[1, 0, 2, 0]], model.params()[9 + 2 * 3]);
    assert_eq!(model.dense_weight().shape(), &[10, 5408]);
    assert_eq!(
        model.dense_weight()[[2, 7]],
        model.params()[320 + 2 * 5408 + 7]
    );
    assert_eq!(model.dense_bias()[9], model.params()[54409]);
    assert_eq!(model.conv_bias()[0], model.params()[288]);

    // PyTorch bounds, and the documented draw order (conv w first, then conv b, ...).
    let bound = |r: std::ops::Range<usize>, b: f32| model.params()[r].iter().all(|v| v.abs() <= b);
    assert!(bound(0..320, 1.0 / 3.0));
    assert!(bound(320..54410, 1.0 / (HIDDEN as f32).sqrt()));
    let mut fresh = Rng::stream(seed, 1);
    // 288 conv weights then the first conv bias, all with fan_in 9.
    let first: Vec<f32> = (0..289)
        .map(|_| fresh.uniform(-1.0 / 3.0, 1.0 / 3.0))
        .collect();
    assert_eq!(&model.params()[..289], &first[..]);

    // He: biases exactly 0, weights within √(6/fan_in) and actually spread out.
    let he = Model::new(Init::He, 0.0, &mut Rng::stream(seed, 1));
    assert!(he.conv_bias().iter().all(|&b| b == 0.0) && he.dense_bias().iter().all(|&b| b == 0.0));
    let bc = (6.0f32 / 9.0).sqrt();
    assert!(he.conv_weight().iter().all(|v| v.abs() <= bc));
    assert!(he.conv_weight().iter().any(|v| v.abs() > bc / 2.0));
    model.params_mut()[0] = 5.0;
    assert_eq!(model.params_and_grads().0[0], 5.0);
}
