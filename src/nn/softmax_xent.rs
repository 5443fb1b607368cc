//! Softmax cross-entropy: the loss of a sample with logits z and label y is
//! ℓ = −log softmax(z)_y = log Σ_j exp(z_j) − z_y.
//!
//! Numerics: computed as a log-softmax shifted by m = max_j z_j, ℓ = m + ln Σ_j exp(z_j − m)
//! − z_y, so no exp overflows and the sum is ≥ 1 (its log is never −∞). Per-sample losses are
//! f32; sums over samples are f64, so a 60 000-sample evaluation does not lose digits.
//!
//! What it does not do: average. [`forward_backward`] takes the factor to scale the gradient by
//! (1/N of the *whole* batch when the caller works in chunks, so chunk gradients add up to the
//! mean) and returns the *sum* of losses; the caller divides.
//!
//! Shapes: N batch, CL classes. logits and dlogits (N, CL), probs (N, CL), labels (N) with
//! values in 0..CL (asserted). CL is read as `logits.len() / labels.len()`.

/// One sample's loss ℓ = log Σ_j exp(z_j) − z_y, stable (see the module doc).
pub fn loss(z: &[f32], label: usize) -> f32 {
    assert!(
        label < z.len(),
        "label {label} out of range for {} classes",
        z.len()
    );
    let m = max(z);
    let sum: f32 = z.iter().map(|&v| libm::expf(v - m)).sum();
    m + libm::logf(sum) - z[label]
}

/// Forward only: Σ_n ℓ_n over the batch, as f64. logits (N, CL), labels (N).
pub fn forward(logits: &[f32], labels: &[u8]) -> f64 {
    let cl = classes(logits, labels);
    if cl == 0 {
        return 0.0;
    }
    logits
        .chunks_exact(cl)
        .zip(labels)
        .map(|(z, &y)| loss(z, y as usize) as f64)
        .sum()
}

/// Forward and backward together. The gradient of ℓ w.r.t. the logits is softmax(z) − onehot(y)
/// (the softmax Jacobian contracted with −1/p_y at the label), so
/// dlogits[n,j] = scale·(softmax(z_n)_j − [j = y_n]). Returns Σ_n ℓ_n as f64.
///
/// logits (N, CL), labels (N) → dlogits (N, CL), overwritten.
pub fn forward_backward(logits: &[f32], labels: &[u8], scale: f32, dlogits: &mut [f32]) -> f64 {
    assert_eq!(dlogits.len(), logits.len(), "dlogits must be (N, CL)");
    let cl = classes(logits, labels);
    if cl == 0 {
        return 0.0;
    }
    let mut total = 0.0f64;
    for ((z, &y), d) in logits
        .chunks_exact(cl)
        .zip(labels)
        .zip(dlogits.chunks_exact_mut(cl))
    {
        let y = y as usize;
        assert!(y < cl, "label {y} out of range for {cl} classes");
        let m = max(z);
        // exp(z_j − m) computed once, used for both the loss and the softmax.
        let mut sum = 0.0f32;
        for (dj, &zj) in d.iter_mut().zip(z) {
            *dj = libm::expf(zj - m);
            sum += *dj;
        }
        total += (m + libm::logf(sum) - z[y]) as f64;
        let inv = 1.0 / sum;
        for (j, dj) in d.iter_mut().enumerate() {
            let onehot = if j == y { 1.0 } else { 0.0 };
            *dj = scale * (*dj * inv - onehot);
        }
    }
    total
}

/// softmax(z)_j = exp(z_j − m) / Σ_k exp(z_k − m) per row. logits (N, CL) → probs (N, CL).
pub fn softmax(logits: &[f32], cl: usize, probs: &mut [f32]) {
    assert_eq!(probs.len(), logits.len(), "probs must be (N, CL)");
    if cl == 0 {
        return;
    }
    assert_eq!(logits.len() % cl, 0, "logits must be (N, CL)");
    for (z, p) in logits.chunks_exact(cl).zip(probs.chunks_exact_mut(cl)) {
        let m = max(z);
        let mut sum = 0.0f32;
        for (pj, &zj) in p.iter_mut().zip(z) {
            *pj = libm::expf(zj - m);
            sum += *pj;
        }
        let inv = 1.0 / sum;
        p.iter_mut().for_each(|pj| *pj *= inv);
    }
}

/// Index of the largest value (the predicted class); the first one wins a tie. 0 if empty.
pub fn argmax(z: &[f32]) -> usize {
    let mut best = 0;
    for (j, &v) in z.iter().enumerate() {
        if v > z[best] {
            best = j;
        }
    }
    best
}

fn max(z: &[f32]) -> f32 {
    z.iter().copied().fold(f32::NEG_INFINITY, f32::max)
}

/// CL from the lengths; 0 for an empty batch.
fn classes(logits: &[f32], labels: &[u8]) -> usize {
    if labels.is_empty() {
        assert!(logits.is_empty(), "logits must be (N, CL)");
        return 0;
    }
    assert_eq!(logits.len() % labels.len(), 0, "logits must be (N, CL)");
    logits.len() / labels.len()
}
