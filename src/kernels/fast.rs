//! The fast kernels: the same seven functions as `scalar.rs`, same signatures, each written once
//! over a four-lane vector ([`Lanes`]). This file instantiates them with the portable
//! `[f32; 4]` ([`Portable`]); `sse2.rs` (x86_64) and `simd128.rs` (wasm) instantiate the same
//! generic code with intrinsics. All three run the same lane operations in the same order, so
//! they are bit-identical (see `lanes.rs`); `tests/twins/` checks that on every target, and
//! checks every function against its scalar twin.
//!
//! Layouts, shapes and the overwrite/accumulate conventions are the module contract in
//! [`super`]. Nothing here allocates: scratch lives on the stack (under 20 KB).
//!
//! # How each kernel is laid out for the cache
//!
//! * **Conv → ReLU → max-pool (→ dropout), forward: im2col in pool-window order.** Per image,
//!   the 16 planes `win[r][s][q] = x[2py + r, 2px + s]` (r, s in 0..4, q = py·PW + px, padded
//!   from 169 to 172) are gathered once (11 KB, stays in L1). Conv cell (dy, dx) of window q,
//!   tap (ky, kx), reads `win[dy + ky][dx + kx][q]`, so every load is a contiguous vector of
//!   four windows, and the four cells of a window land in the same lane of four vectors: the
//!   2×2 max-pool, the ReLU, the argmax and the dropout mask become lane-wise compares and
//!   selects. Per channel, pass 1 computes one cell at a time over all windows (one
//!   accumulator and the nine weights live: no register spills, in V8 either) into a 2.7 KB
//!   buffer; pass 2 pools it. The (OH, OW) conv plane is never stored and 98% of the lanes do
//!   useful work. Each output is `bias + Σ_{ky} Σ_{kx} w·x` in that order, as in the scalar
//!   twin, so pooled values and argmax are bit-identical to it. The im2col is per image, not
//!   batch-major: the 288 weights fit in registers and L1, so a batch-wide matrix would only
//!   add memory traffic. Measured against two direct convolutions (the earlier 28-wide rows
//!   with scalar pooling, and rows of deinterleaved even/odd columns with vector pooling),
//!   this is the fastest natively and in Chromium (numbers in the README).
//! * **Dropout is drawn inside the conv forward**: one `next_f32()` per pooled unit in buffer
//!   order, exactly the draws `nn::dropout::forward_inplace` makes after the plain forward.
//!   The draws are spread over pass 1 (one per vector of windows, so the generator's serial
//!   integer chain runs alongside the vector arithmetic: natively that cut dropout's cost
//!   from ~9 to ~3 µs per sample), and the pooled activations are written once, masked.
//! * **Conv weight gradient: sparse.** Each pooled cell sends its gradient to the one conv
//!   cell that won its window, so the work is 169 patches per channel and image instead of
//!   676. A 3×3 patch is read as three 4-float rows of a zero-padded copy of the image (lane 3
//!   junk, discarded). Cells whose gradient is zero are *not* skipped: whether a cell is zero
//!   is a coin flip the CPU cannot predict, and the mispredicted branch cost three times more
//!   than the arithmetic it saved (measured). Per channel and image the sums stay in
//!   registers and are added to `dw` once.
//! * **Dense layers: blocked so the 216 KB weight matrix is streamed once per chunk (or per
//!   pair of samples), not once per sample.** Forward: two samples share each pass over w
//!   (dot products with 16 lanes of partial sums and a fixed pairwise reduction). Backward:
//!   IN is cut into 16-float blocks; within a block every sample of the chunk is processed
//!   while the block of `w` (input gradient) is in L1 or the block of `dw` (weight gradient,
//!   two rows at a time) is in registers. Per element, both backward sums run in the scalar
//!   twin's order (bit-identical to it); the forward's dot product does not (fixed order).

use super::lanes::{Lanes, Portable};
use super::{H, IMG, K, PH, POOL, PW, W};
use crate::rng::Rng;

super::lanes::kernel_entry_points!(Portable);

// ---- conv forward ------------------------------------------------------------------------

/// Windows per channel rounded up to whole vectors: 169 → 172.
const QP: usize = POOL.div_ceil(4) * 4;
/// Vectors of windows per channel, 43.
const NV: usize = QP / 4;
/// Whole vectors of windows per channel (42) and the windows left over (1).
const FULL: usize = POOL / 4;
const TAIL: usize = POOL % 4;
/// Window-offset planes: (r, s) in 0..4 × 0..4, where a 2×2 window and a 3×3 kernel reach.
const PLANES: usize = (K + 1) * (K + 1);
const _: () = assert!(K == 3 && 2 * PH + 2 <= H && 2 * PW + 2 <= W && QP == 4 * NV);

/// The generic fused forward; `drop` = (generator, p) applies dropout (no draws when p = 0).
pub(super) fn conv_forward<V: Lanes>(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    n: usize,
    drop: Option<(&mut Rng, f32)>,
    pooled: &mut [f32],
    argmax: &mut [u8],
) {
    let oc_n = b.len();
    assert_eq!(x.len(), n * IMG, "x must be (N, H, W)");
    assert_eq!(w.len(), oc_n * K * K, "w must be (OC, 1, K, K)");
    assert_eq!(
        pooled.len(),
        n * oc_n * POOL,
        "pooled must be (N, OC, PH, PW)"
    );
    assert_eq!(
        argmax.len(),
        n * oc_n * POOL,
        "argmax must be (N, OC, PH, PW)"
    );
    // The generator is copied into a local so its state stays in registers, and written back.
    let (mut rng_local, p, scale, outer) = match drop {
        Some((r, p)) if p != 0.0 => {
            assert!(
                (0.0..1.0).contains(&p),
                "dropout p must be in [0, 1), got {p}"
            );
            (Some(r.clone()), p, 1.0 / (1.0 - p), Some(r))
        }
        _ => (None, 0.0, 1.0, None),
    };
    if n == 0 || oc_n == 0 {
        return; // chunks_exact(0) would panic; there is nothing to write (or draw) anyway
    }
    let plane = oc_n * POOL;
    let mut win = [0.0f32; PLANES * QP]; // (4, 4, QP): window-offset planes, tails stay 0
    let mut z = [0.0f32; 4 * QP]; // (4, QP): the conv value of each window cell
    let mut u = [0.0f32; QP]; // (QP): this channel's dropout draws, one per window
    for ((img, pl), am) in x
        .chunks_exact(IMG)
        .zip(pooled.chunks_exact_mut(plane))
        .zip(argmax.chunks_exact_mut(plane))
    {
        window_planes(img, &mut win);
        for (((wk, &bias), plc), amc) in w
            .chunks_exact(K * K)
            .zip(b)
            .zip(pl.chunks_exact_mut(POOL))
            .zip(am.chunks_exact_mut(POOL))
        {
            let wv: [V; K * K] = core::array::from_fn(|t| V::splat(wk[t]));
            let bv = V::splat(bias);
            // Pass 1: the conv, one cell at a time over all windows (few live registers).
            // The channel's 169 dropout draws ride along, one per vector, in window order
            // (QP = 4·NV slots: draw q is made at cell q / NV, vector q % NV).
            for (cell, zc) in z.chunks_exact_mut(QP).enumerate() {
                let (dy, dx) = (cell >> 1, cell & 1);
                for (v, i) in (0..QP).step_by(4).enumerate() {
                    if let Some(r) = rng_local.as_mut() {
                        let q = cell * NV + v;
                        if q < POOL {
                            u[q] = r.next_f32();
                        }
                    }
                    let mut acc = bv;
                    for ky in 0..K {
                        for kx in 0..K {
                            let plane = (dy + ky) * (K + 1) + dx + kx;
                            acc = acc.add(wv[ky * K + kx].mul(V::load(&win, plane * QP + i)));
                        }
                    }
                    acc.store(&mut zc[i..i + 4]);
                }
            }
            // Pass 2: 2×2 max-pool with argmax, ReLU, dropout mask; one store each.
            let dropout = rng_local.is_some();
            let pool_at = |i: usize| {
                let c = [0, 1, 2, 3].map(|cell| V::load(&z, cell * QP + i));
                let (best, arg) = V::pool(c);
                match dropout {
                    true => (best.mul(V::keep(V::load(&u, i), p, scale)), arg),
                    false => (best, arg),
                }
            };
            for i in (0..4 * FULL).step_by(4) {
                let (best, arg) = pool_at(i);
                best.store(&mut plc[i..i + 4]);
                V::store_arg(arg, &mut amc[i..i + 4]);
            }
            if TAIL > 0 {
                let i = 4 * FULL;
                let (best, arg) = pool_at(i);
                best.store(&mut plc[i..POOL]);
                V::store_arg(arg, &mut amc[i..POOL]);
            }
        }
    }
    if let (Some(outer), Some(local)) = (outer, rng_local) {
        *outer = local;
    }
}

/// Gathers one image (H, W) into the 16 window-offset planes:
/// `win[(r·4 + s)·QP + py·PW + px] = x[2py + r, 2px + s]`. Plane tails (q ≥ 169) are left
/// as they are (zero).
#[inline(always)]
fn window_planes(img: &[f32], win: &mut [f32; PLANES * QP]) {
    for r in 0..K + 1 {
        for s in 0..K + 1 {
            let plane = &mut win[(r * (K + 1) + s) * QP..][..POOL];
            for (py, dst) in plane.chunks_exact_mut(PW).enumerate() {
                let row = &img[(2 * py + r) * W + s..][..2 * PW - 1];
                for (px, d) in dst.iter_mut().enumerate() {
                    *d = row[2 * px];
                }
            }
        }
    }
}

// ---- conv weight gradient ----------------------------------------------------------------

/// Row stride of the zero-padded private copy of one image: a patch row is read 4 floats
/// wide from column ≤ 25, so rows need ≥ 29 floats; 32 is the next round number.
const S: usize = 32;
const _: () = assert!(K <= 4 && 2 * (PW - 1) + 1 + 4 <= S);

/// The generic sparse conv weight gradient.
pub(super) fn conv_backward<V: Lanes>(
    x: &[f32],
    argmax: &[u8],
    dpre: &[f32],
    n: usize,
    dw: &mut [f32],
    db: &mut [f32],
) {
    let oc_n = db.len();
    assert_eq!(x.len(), n * IMG, "x must be (N, H, W)");
    assert_eq!(dw.len(), oc_n * K * K, "dw must be (OC, 1, K, K)");
    assert_eq!(
        argmax.len(),
        n * oc_n * POOL,
        "argmax must be (N, OC, PH, PW)"
    );
    assert_eq!(dpre.len(), n * oc_n * POOL, "dpre must be (N, OC, PH, PW)");
    if n == 0 || oc_n == 0 {
        return;
    }
    let plane = oc_n * POOL;
    let mut xp = [0.0f32; H * S]; // (H, S): the image, each row zero-padded from W to S
    for ((img, am), dp) in x
        .chunks_exact(IMG)
        .zip(argmax.chunks_exact(plane))
        .zip(dpre.chunks_exact(plane))
    {
        for (dst, src) in xp.chunks_exact_mut(S).zip(img.chunks_exact(W)) {
            dst[..W].copy_from_slice(src);
        }
        for (((dwk, dbk), amc), dpc) in dw
            .chunks_exact_mut(K * K)
            .zip(db.iter_mut())
            .zip(am.chunks_exact(POOL))
            .zip(dp.chunks_exact(POOL))
        {
            let mut gw = [V::splat(0.0); K]; // (K, 4): this channel's dw from this image
            let mut gb = 0.0f32;
            for (py, (arow, drow)) in amc.chunks_exact(PW).zip(dpc.chunks_exact(PW)).enumerate() {
                for (px, (&a, &g)) in arow.iter().zip(drow).enumerate() {
                    let a = a as usize & 3; // argmax is 0..=3 by contract; the mask keeps it so
                    let base = (2 * py + (a >> 1)) * S + 2 * px + (a & 1);
                    let patch: &[f32; (K - 1) * S + 4] =
                        xp[base..base + (K - 1) * S + 4].try_into().unwrap();
                    let gv = V::splat(g);
                    for (ky, acc) in gw.iter_mut().enumerate() {
                        *acc = acc.add(gv.mul(V::load(patch, ky * S)));
                    }
                    gb += g;
                }
            }
            for (drow, acc) in dwk.chunks_exact_mut(K).zip(gw) {
                for (d, v) in drow.iter_mut().zip(acc.to_array()) {
                    *d += v;
                }
            }
            *dbk += gb;
        }
    }
}

// ---- dense -------------------------------------------------------------------------------

/// Width of the dense dot product's accumulator: 16 lanes = four independent vectors, enough
/// to hide the add latency. 5408 = 338·16, so the model has no tail.
const L: usize = 16;

/// Dense forward, two samples per pass over w: `out = b + dot(x, w_row)`, the dot product as
/// in [`dot_finish`].
pub(super) fn dense_fwd<V: Lanes>(x: &[f32], w: &[f32], b: &[f32], n: usize, out: &mut [f32]) {
    let (in_n, out_n) = dense_dims(w, b);
    assert_eq!(x.len(), n * in_n, "x must be (N, IN)");
    assert_eq!(out.len(), n * out_n, "out must be (N, OUT)");
    if n == 0 {
        return;
    }
    if in_n == 0 {
        out.chunks_exact_mut(out_n)
            .for_each(|r| r.copy_from_slice(b));
        return;
    }
    let body = in_n / L * L;
    let mut xs = x.chunks_exact(2 * in_n);
    let mut outs = out.chunks_exact_mut(2 * out_n);
    for (x2, o2) in xs.by_ref().zip(outs.by_ref()) {
        let (x0, x1) = x2.split_at(in_n);
        let (o0, o1) = o2.split_at_mut(out_n);
        for (o, (wr, &bo)) in w.chunks_exact(in_n).zip(b).enumerate() {
            let mut a0 = [V::splat(0.0); 4];
            let mut a1 = [V::splat(0.0); 4];
            for i in (0..body).step_by(L) {
                for j in 0..4 {
                    let wv = V::load(wr, i + 4 * j);
                    a0[j] = a0[j].add(V::load(x0, i + 4 * j).mul(wv));
                    a1[j] = a1[j].add(V::load(x1, i + 4 * j).mul(wv));
                }
            }
            o0[o] = bo + dot_finish(a0, &x0[body..], &wr[body..]);
            o1[o] = bo + dot_finish(a1, &x1[body..], &wr[body..]);
        }
    }
    for (xr, or) in xs
        .remainder()
        .chunks_exact(in_n)
        .zip(outs.into_remainder().chunks_exact_mut(out_n))
    {
        for ((wr, &bo), o) in w.chunks_exact(in_n).zip(b).zip(or.iter_mut()) {
            let mut a = [V::splat(0.0); 4];
            for i in (0..body).step_by(L) {
                for (j, a) in a.iter_mut().enumerate() {
                    *a = a.add(V::load(xr, i + 4 * j).mul(V::load(wr, i + 4 * j)));
                }
            }
            *o = bo + dot_finish(a, &xr[body..], &wr[body..]);
        }
    }
}

/// Finishes a dot product: the 16 partial sums (lane l of vector j holds the terms
/// i ≡ 4j + l mod 16) are reduced pairwise (16 → 8 → 4 → 2 → 1: vectors 0+2, 1+3, then 0+1,
/// then lanes 0+2, 1+3, then 0+1), and the tail (a serial sum from 0) is added last.
#[inline(always)]
fn dot_finish<V: Lanes>(a: [V; 4], ta: &[f32], tb: &[f32]) -> f32 {
    let mut tail = 0.0f32;
    for (p, q) in ta.iter().zip(tb) {
        tail += p * q;
    }
    let v = a[0].add(a[2]).add(a[1].add(a[3])).to_array();
    ((v[0] + v[2]) + (v[1] + v[3])) + tail
}

/// Dense backward to the input, blocked over IN: for each 16-float block, every sample's
/// `dx = Σ_o dout[n,o]·w[o]` (o = 0, 1, ..., from 0) while the block of w stays in L1.
/// With `relu` = (h, p), each result is then taken back through dropout∘ReLU in the same
/// pass (`if h > 0 { dx/(1 − p) } else { 0 }`), so dx is written once.
pub(super) fn dense_bwd_input<V: Lanes>(
    w: &[f32],
    dout: &[f32],
    relu: Option<(&[f32], f32)>,
    n: usize,
    dx: &mut [f32],
) {
    let out_n = dout.len().checked_div(n).unwrap_or(0); // OUT; 0 for an empty batch
    assert_eq!(dout.len(), n * out_n, "dout must be (N, OUT)");
    if let Some((h, p)) = relu {
        assert_eq!(h.len(), dx.len(), "h must be (N, IN) like dx");
        assert!(
            (0.0..1.0).contains(&p),
            "dropout p must be in [0, 1), got {p}"
        );
    }
    if n == 0 {
        assert!(dx.is_empty(), "dx must be (N, IN)");
        return;
    }
    let in_n = w.len() / out_n;
    assert_eq!(w.len(), out_n * in_n, "w must be (OUT, IN)");
    assert_eq!(dx.len(), n * in_n, "dx must be (N, IN)");
    if in_n == 0 {
        return;
    }
    // Through dropout∘ReLU: dx ← if h > 0 { dx·scale } else { 0 } (see the scalar twin).
    let (h, scale) = match relu {
        Some((h, p)) => (h, Some(1.0 / (1.0 - p))),
        None => (&[][..], None),
    };
    let body = in_n / L * L;
    for i in (0..body).step_by(L) {
        for (s, (dr, dxr)) in dout
            .chunks_exact(out_n)
            .zip(dx.chunks_exact_mut(in_n))
            .enumerate()
        {
            let mut acc = [V::splat(0.0); 4];
            for (wr, &g) in w.chunks_exact(in_n).zip(dr) {
                let gv = V::splat(g);
                for (j, a) in acc.iter_mut().enumerate() {
                    *a = a.add(gv.mul(V::load(wr, i + 4 * j)));
                }
            }
            for (j, a) in acc.iter().enumerate() {
                let k = i + 4 * j;
                let a = match scale {
                    Some(scale) => a.where_positive(V::load(h, s * in_n + k), scale),
                    None => *a,
                };
                a.store(&mut dxr[k..k + 4]);
            }
        }
    }
    for (s, (dr, dxr)) in dout
        .chunks_exact(out_n)
        .zip(dx.chunks_exact_mut(in_n))
        .enumerate()
    {
        let tail = &mut dxr[body..];
        tail.fill(0.0);
        for (wr, &g) in w.chunks_exact(in_n).zip(dr) {
            for (d, &wv) in tail.iter_mut().zip(&wr[body..]) {
                *d += g * wv;
            }
        }
        if let Some(scale) = scale {
            for (d, &hv) in tail.iter_mut().zip(&h[s * in_n + body..(s + 1) * in_n]) {
                *d = if hv > 0.0 { *d * scale } else { 0.0 };
            }
        }
    }
}

/// Dense backward to the parameters, blocked over IN: for each 16-float block and each pair
/// of outputs, the block of dw is loaded into registers, every sample's `g·x` is added in
/// sample order, and it is stored once.
pub(super) fn dense_bwd_weights<V: Lanes>(
    x: &[f32],
    dout: &[f32],
    n: usize,
    dw: &mut [f32],
    db: &mut [f32],
) {
    let (in_n, out_n) = dense_dims(dw, db);
    assert_eq!(x.len(), n * in_n, "x must be (N, IN)");
    assert_eq!(dout.len(), n * out_n, "dout must be (N, OUT)");
    if n == 0 {
        return;
    }
    for dr in dout.chunks_exact(out_n) {
        db.iter_mut().zip(dr).for_each(|(d, &g)| *d += g);
    }
    if in_n == 0 {
        return;
    }
    let body = in_n / L * L;
    let mut rows = dw.chunks_exact_mut(2 * in_n);
    let mut o = 0;
    for r2 in rows.by_ref() {
        let (r0, r1) = r2.split_at_mut(in_n);
        for i in (0..body).step_by(L) {
            let mut a0: [V; 4] = core::array::from_fn(|j| V::load(r0, i + 4 * j));
            let mut a1: [V; 4] = core::array::from_fn(|j| V::load(r1, i + 4 * j));
            for (xr, dr) in x.chunks_exact(in_n).zip(dout.chunks_exact(out_n)) {
                let (g0, g1) = (V::splat(dr[o]), V::splat(dr[o + 1]));
                for j in 0..4 {
                    let xv = V::load(xr, i + 4 * j);
                    a0[j] = a0[j].add(g0.mul(xv));
                    a1[j] = a1[j].add(g1.mul(xv));
                }
            }
            for j in 0..4 {
                a0[j].store(&mut r0[i + 4 * j..i + 4 * j + 4]);
                a1[j].store(&mut r1[i + 4 * j..i + 4 * j + 4]);
            }
        }
        for (xr, dr) in x.chunks_exact(in_n).zip(dout.chunks_exact(out_n)) {
            for (r, g) in [(&mut *r0, dr[o]), (&mut *r1, dr[o + 1])] {
                for (d, &xv) in r[body..].iter_mut().zip(&xr[body..]) {
                    *d += g * xv;
                }
            }
        }
        o += 2;
    }
    let r0 = rows.into_remainder();
    if !r0.is_empty() {
        for i in (0..body).step_by(L) {
            let mut a0: [V; 4] = core::array::from_fn(|j| V::load(r0, i + 4 * j));
            for (xr, dr) in x.chunks_exact(in_n).zip(dout.chunks_exact(out_n)) {
                let g0 = V::splat(dr[o]);
                for (j, a) in a0.iter_mut().enumerate() {
                    *a = a.add(g0.mul(V::load(xr, i + 4 * j)));
                }
            }
            for (j, a) in a0.iter().enumerate() {
                a.store(&mut r0[i + 4 * j..i + 4 * j + 4]);
            }
        }
        for (xr, dr) in x.chunks_exact(in_n).zip(dout.chunks_exact(out_n)) {
            let g = dr[o];
            for (d, &xv) in r0[body..].iter_mut().zip(&xr[body..]) {
                *d += g * xv;
            }
        }
    }
}

/// (IN, OUT) of a dense layer from its weight (OUT, IN) and bias (OUT) lengths.
fn dense_dims(w: &[f32], b: &[f32]) -> (usize, usize) {
    let out_n = b.len();
    assert!(out_n > 0, "dense layer needs at least one output");
    assert_eq!(w.len() % out_n, 0, "w must be (OUT, IN)");
    (w.len() / out_n, out_n)
}
