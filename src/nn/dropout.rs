//! Inverted dropout: in training each unit is kept with probability 1 − p and scaled by
//! 1/(1 − p), so the expected activation is unchanged and evaluation needs no rescaling.
//!
//! The mask is a buffer of factors (0 or 1/(1 − p)), drawn from the caller's [`Rng`] with one
//! `next_f32()` per unit, in buffer order: unit i is kept iff its draw u ≥ p (P = 1 − p exactly
//! on the generator's 2⁻²⁴ grid). With p = 0 dropout is the identity and draws nothing. The
//! same draws give the same mask whether the batch is processed whole or in chunks, as long as
//! chunks are taken in order.
//!
//! What this file does not do: decide whether we are training (the caller simply does not call
//! it in evaluation) or validate p (the config does; here `0 ≤ p < 1` is asserted).
//!
//! Shapes: any; x, mask, out and their gradients all have the same length (the model uses
//! (N, 5408), the flattened pooled features).

use crate::rng::Rng;

/// The factor applied to kept units, 1/(1 − p).
pub fn keep_scale(p: f32) -> f32 {
    assert!(
        (0.0..1.0).contains(&p),
        "dropout p must be in [0, 1), got {p}"
    );
    1.0 / (1.0 - p)
}

/// Draws a mask: mask[i] = 1/(1 − p) if the i-th draw u ≥ p, else 0. No draws when p = 0.
pub fn draw_mask(rng: &mut Rng, p: f32, mask: &mut [f32]) {
    let scale = keep_scale(p);
    if p == 0.0 {
        mask.fill(1.0);
        return;
    }
    let mut r = rng.clone(); // a local copy keeps the generator state in registers
    for m in mask.iter_mut() {
        *m = keep(&mut r, p) * scale;
    }
    *rng = r;
}

/// 1.0 if the next draw u ≥ p (keep), else 0.0; computed without a branch, because keep/drop
/// is a coin flip the CPU cannot predict and a mispredicted branch per unit costs more than
/// the generator itself.
#[inline(always)]
fn keep(rng: &mut Rng, p: f32) -> f32 {
    (rng.next_f32() >= p) as u32 as f32
}

/// Forward with a given mask: out = x·mask (element-wise). x, mask → out, overwritten.
pub fn forward(x: &[f32], mask: &[f32], out: &mut [f32]) {
    assert!(
        x.len() == mask.len() && out.len() == x.len(),
        "dropout shapes differ"
    );
    for ((o, &xv), &m) in out.iter_mut().zip(x).zip(mask) {
        *o = xv * m;
    }
}

/// Backward: the layer is linear with a diagonal Jacobian, so dx = dout·mask. → dx, overwritten.
pub fn backward(dout: &[f32], mask: &[f32], dx: &mut [f32]) {
    assert!(
        dout.len() == mask.len() && dx.len() == dout.len(),
        "dropout shapes differ"
    );
    for ((d, &g), &m) in dx.iter_mut().zip(dout).zip(mask) {
        *d = g * m;
    }
}

/// Forward in place, drawing as it goes: x ← x·mask with the mask [`draw_mask`] would draw
/// from the same generator state (same draws, same order), but never stored. Used by the model,
/// which recovers what backward needs from the output (see [`backward_through_relu`]).
pub fn forward_inplace(rng: &mut Rng, p: f32, x: &mut [f32]) {
    let scale = keep_scale(p);
    if p == 0.0 {
        return;
    }
    let mut r = rng.clone();
    for v in x.iter_mut() {
        *v *= keep(&mut r, p) * scale;
    }
    *rng = r;
}

/// Backward through dropout ∘ ReLU from the output alone, in place: `grad` comes in as
/// d loss/d out and leaves as d loss/d z, where out = dropout(relu(z)).
///
/// Why no mask is needed: relu(z) ≥ 0 and the factor is 0 or 1/(1 − p) > 0, so out > 0 exactly
/// when the unit was kept *and* the ReLU was on; then d out/d z = 1/(1 − p), otherwise 0 (the
/// ReLU's subgradient at 0 is taken as 0). With p = 0 this is the plain ReLU backward.
pub fn backward_through_relu(out: &[f32], p: f32, grad: &mut [f32]) {
    assert_eq!(out.len(), grad.len(), "dropout shapes differ");
    let scale = keep_scale(p);
    for (g, &o) in grad.iter_mut().zip(out) {
        *g = if o > 0.0 { *g * scale } else { 0.0 };
    }
}
