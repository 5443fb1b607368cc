//! Portable fast kernels: the same five functions as `scalar.rs`, same signatures, written so
//! that LLVM auto-vectorises them on any target (SSE2 natively, simd128 in wasm).
//!
//! How: every hot loop runs over contiguous memory with a trip count the compiler knows
//! (fixed-size arrays, `chunks_exact`), slices are converted to `&[f32; L]` once per chunk so
//! there are no bounds checks inside, and reductions keep several independent partial sums so
//! the adds pipeline. There is no `unsafe` and no `core::arch` here; the intrinsics version is
//! a separate twin. Layouts, shapes and the overwrite/accumulate conventions are the module
//! contract in [`super`]; `tests/kernels.rs` checks every function here against its twin.
//!
//! Floating-point order: the fused conv forward and both dense backward kernels sum in the
//! same order as the scalar twins (bit-identical results). The dense forward's dot product and
//! the sparse conv weight gradient use different (but fixed, hence deterministic) orders.

use super::{H, IMG, K, OW, POOL, PW, W};

/// Row stride of the zero-padded private copy of one image. A conv row is computed [`RW`]
/// columns wide, reading columns up to `RW + K - 2` = 29, so rows need ≥ 30 floats; 32 is
/// the next round number. (The backward reads 4-float patch rows starting at column ≤ 25.)
const S: usize = 32;
/// Conv outputs computed per row: OW = 26 rounded up to a multiple of 4 lanes, so the inner
/// loop is exactly seven 4-wide vectors. The 2 extra columns read the zero padding and are
/// thrown away; that wastes 7% of the conv FLOPs but removes every tail loop.
const RW: usize = 28;
const _: () = assert!(RW >= OW && RW % 4 == 0 && RW + K - 1 <= S && K <= 4 && OW + 3 <= S);

/// Width of the dense dot product's accumulator: 16 lanes = four independent 4-wide vectors
/// (or two 8-wide), enough to hide the add latency. 5408 = 338·16, so the model has no tail.
const L: usize = 16;

/// Fused conv → ReLU → 2×2 max-pool, forward. See `scalar::conv_relu_pool_forward`.
///
/// Per image and output channel, two conv rows are computed (28 wide, in registers), then
/// pooled at once, so the (OH, OW) conv plane is never stored. Only `pooled` and the 2-bit
/// `argmax` leave the kernel.
pub fn conv_relu_pool_forward(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    n: usize,
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
    if n == 0 || oc_n == 0 {
        return; // chunks_exact(0) would panic; there is nothing to write anyway
    }
    let plane = oc_n * POOL;
    let mut xp = [0.0f32; H * S]; // (H, S): the image, each row zero-padded from W to S
    for ((img, pl), am) in x
        .chunks_exact(IMG)
        .zip(pooled.chunks_exact_mut(plane))
        .zip(argmax.chunks_exact_mut(plane))
    {
        for (dst, src) in xp.chunks_exact_mut(S).zip(img.chunks_exact(W)) {
            dst[..W].copy_from_slice(src);
        }
        for (((wk, &bias), plc), amc) in w
            .chunks_exact(K * K)
            .zip(b)
            .zip(pl.chunks_exact_mut(POOL))
            .zip(am.chunks_exact_mut(POOL))
        {
            let wk: &[f32; K * K] = wk.try_into().unwrap();
            for (py, (prow, arow)) in plc
                .chunks_exact_mut(PW)
                .zip(amc.chunks_exact_mut(PW))
                .enumerate()
            {
                let top = conv_row(&xp, 2 * py, wk, bias); // (RW) conv row 2py
                let bot = conv_row(&xp, 2 * py + 1, wk, bias); // (RW) conv row 2py+1
                for (px, (p, a)) in prow.iter_mut().zip(arow.iter_mut()).enumerate() {
                    let c = 2 * px;
                    // Strict `>` in window order: ties go to the first cell, as in the twin.
                    let (mut best, mut arg) = (top[c], 0u8);
                    if top[c + 1] > best {
                        (best, arg) = (top[c + 1], 1);
                    }
                    if bot[c] > best {
                        (best, arg) = (bot[c], 2);
                    }
                    if bot[c + 1] > best {
                        (best, arg) = (bot[c + 1], 3);
                    }
                    *p = if best > 0.0 { best } else { 0.0 };
                    *a = arg;
                }
            }
        }
    }
}

/// One conv output row y, RW columns: `bias + Σ_{ky} Σ_{kx} w[ky,kx]·xp[y+ky, x+kx]`, summed in
/// that order (the scalar twin's), vectorised over x.
#[inline(always)]
fn conv_row(xp: &[f32; H * S], y: usize, wk: &[f32; K * K], bias: f32) -> [f32; RW] {
    let mut acc = [bias; RW];
    for ky in 0..K {
        let row: &[f32; S] = xp[(y + ky) * S..(y + ky + 1) * S].try_into().unwrap();
        for kx in 0..K {
            let wv = wk[ky * K + kx];
            let src: &[f32; RW] = row[kx..kx + RW].try_into().unwrap();
            for (a, &v) in acc.iter_mut().zip(src) {
                *a += wv * v;
            }
        }
    }
    acc
}

/// Fused conv → ReLU → max-pool, backward to the conv parameters (no dx: first layer).
/// See `scalar::conv_relu_pool_backward_weights`.
///
/// Sparse: each pooled cell sends its gradient to the one conv cell that won its window, so
/// the work is PH·PW = 169 patches per channel and image instead of the dense OH·OW = 676.
/// Each K×K patch is read as K rows of 4 floats from a zero-padded copy of the image (the 4th
/// lane is junk and discarded), so one cell costs three 4-wide multiply-adds. Cells whose
/// `dpre` is zero (ReLU off, dropped) are *not* skipped: whether a cell is zero is a coin
/// flip the CPU cannot predict, and the mispredicted branch cost three times more than the
/// arithmetic it saved (measured). The per-channel sums stay in registers across the image and
/// are added to `dw` once per image.
pub fn conv_relu_pool_backward_weights(
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
            let mut gw = [[0.0f32; 4]; K]; // (K, 4): this channel's dw from this image, lane 3 junk
            let mut gb = 0.0f32;
            for (py, (arow, drow)) in amc.chunks_exact(PW).zip(dpc.chunks_exact(PW)).enumerate() {
                for (px, (&a, &g)) in arow.iter().zip(drow).enumerate() {
                    let a = a as usize & 3; // argmax is 0..=3 by contract; the mask keeps it so
                    let base = (2 * py + (a >> 1)) * S + 2 * px + (a & 1);
                    let patch = &xp[base..base + (K - 1) * S + 4]; // K rows of the padded image
                    for (ky, acc) in gw.iter_mut().enumerate() {
                        let r: &[f32; 4] = patch[ky * S..ky * S + 4].try_into().unwrap();
                        for l in 0..4 {
                            acc[l] += g * r[l];
                        }
                    }
                    gb += g;
                }
            }
            for (drow, acc) in dwk.chunks_exact_mut(K).zip(&gw) {
                for (d, &v) in drow.iter_mut().zip(acc) {
                    *d += v;
                }
            }
            *dbk += gb;
        }
    }
}

/// Dense forward: x (N, IN), w (OUT, IN), b (OUT) → out (N, OUT). See `scalar::dense_forward`.
///
/// One dot product of two contiguous IN-long rows per output, with an [`L`]-lane accumulator.
pub fn dense_forward(x: &[f32], w: &[f32], b: &[f32], n: usize, out: &mut [f32]) {
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
    for (xr, or) in x.chunks_exact(in_n).zip(out.chunks_exact_mut(out_n)) {
        for ((wr, &bo), o) in w.chunks_exact(in_n).zip(b).zip(or.iter_mut()) {
            *o = bo + dot(xr, wr);
        }
    }
}

/// Σ a[i]·b[i] with [`L`] independent partial sums, a scalar tail, and a fixed pairwise
/// reduction of the lanes (deterministic, and a little more accurate than one running sum).
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; L];
    let (ca, cb) = (a.chunks_exact(L), b.chunks_exact(L));
    let (ta, tb) = (ca.remainder(), cb.remainder());
    for (pa, pb) in ca.zip(cb) {
        let pa: &[f32; L] = pa.try_into().unwrap();
        let pb: &[f32; L] = pb.try_into().unwrap();
        for i in 0..L {
            acc[i] += pa[i] * pb[i];
        }
    }
    let mut tail = 0.0f32;
    for (p, q) in ta.iter().zip(tb) {
        tail += p * q;
    }
    let mut width = L;
    while width > 1 {
        width /= 2;
        for i in 0..width {
            acc[i] += acc[i + width];
        }
    }
    acc[0] + tail
}

/// Dense backward to the input: w (OUT, IN), dout (N, OUT) → dx (N, IN), overwritten.
/// See `scalar::dense_backward_input`.
///
/// Written as OUT passes of `dx_row += g·w_row` (axpy over contiguous rows) rather than one
/// strided dot product per input: the dx row (21 KB in the model) stays in L1 and each pass
/// vectorises fully. Same summation order as the twin (o = 0, 1, ...).
pub fn dense_backward_input(w: &[f32], dout: &[f32], n: usize, dx: &mut [f32]) {
    let out_n = dout.len().checked_div(n).unwrap_or(0); // OUT; 0 for an empty batch
    assert_eq!(dout.len(), n * out_n, "dout must be (N, OUT)");
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
    for (dxr, dr) in dx.chunks_exact_mut(in_n).zip(dout.chunks_exact(out_n)) {
        dxr.fill(0.0);
        for (wr, &g) in w.chunks_exact(in_n).zip(dr) {
            for (d, &wv) in dxr.iter_mut().zip(wr) {
                *d += g * wv;
            }
        }
    }
}

/// Dense backward to the parameters: x (N, IN), dout (N, OUT) → dw (OUT, IN) +=, db (OUT) +=.
/// See `scalar::dense_backward_weights`.
///
/// Per sample, OUT axpys `dw_row += g·x_row` over contiguous rows; same order as the twin.
pub fn dense_backward_weights(x: &[f32], dout: &[f32], n: usize, dw: &mut [f32], db: &mut [f32]) {
    let (in_n, out_n) = dense_dims(dw, db);
    assert_eq!(x.len(), n * in_n, "x must be (N, IN)");
    assert_eq!(dout.len(), n * out_n, "dout must be (N, OUT)");
    if n == 0 {
        return;
    }
    if in_n == 0 {
        for dr in dout.chunks_exact(out_n) {
            db.iter_mut().zip(dr).for_each(|(d, &g)| *d += g);
        }
        return;
    }
    for (xr, dr) in x.chunks_exact(in_n).zip(dout.chunks_exact(out_n)) {
        for ((dwr, dbo), &g) in dw.chunks_exact_mut(in_n).zip(db.iter_mut()).zip(dr) {
            for (d, &xv) in dwr.iter_mut().zip(xr) {
                *d += g * xv;
            }
            *dbo += g;
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
