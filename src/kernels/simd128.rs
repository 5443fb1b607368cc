//! The fast kernels on wasm `simd128` intrinsics (`core::arch::wasm32`): `fast.rs`'s generic
//! kernels instantiated with [`V128`], a [`Lanes`] implementation over `v128`. Compiled only
//! for wasm32 with the `simd128` target feature (`.cargo/config.toml` turns it on for the
//! wasm target), where it is [`super::active`].
//!
//! Why intrinsics, when LLVM also vectorises `fast.rs`'s portable `[f32; 4]` for wasm: measured
//! in Chromium, the portable instantiation is about twice as slow per training step (the
//! README's speed section has the table). LLVM rebuilds some of the portable vectors lane by
//! lane, as it does natively in some loop shapes (see `sse2.rs`), and V8 compiles what it is
//! given literally; with intrinsics each lane operation is one wasm SIMD instruction.
//!
//! Bit-identity with `fast.rs`: every method below is the lane-wise IEEE operation its
//! `Portable` counterpart performs (f32x4.add/mul, `>`/`>=` compares, bit selects), with the
//! same NaN and signed-zero results, and the kernels are the same generic code; so native
//! and wasm produce the same bits. `tests/twins/`, run in the browser by `tests/web.rs`, checks
//! this.

use core::arch::wasm32::*;

use super::lanes::Lanes;

/// Four f32 lanes in one wasm `v128`.
#[derive(Clone, Copy)]
pub struct V128(v128);

impl Lanes for V128 {
    /// Argmax as i32x4 lanes 0..=3.
    type Arg = v128;

    #[inline(always)]
    fn splat(v: f32) -> Self {
        V128(f32x4_splat(v))
    }

    #[inline(always)]
    fn load(a: &[f32], i: usize) -> Self {
        let a = &a[i..i + 4];
        // SAFETY: `a` holds 4 f32 = 16 bytes; v128_load has no alignment requirement.
        V128(unsafe { v128_load(a.as_ptr() as *const v128) })
    }

    #[inline(always)]
    fn store(self, out: &mut [f32]) {
        if out.len() == 4 {
            // SAFETY: `out` holds 4 f32 = 16 bytes; v128_store has no alignment requirement.
            unsafe { v128_store(out.as_mut_ptr() as *mut v128, self.0) }
        } else {
            let n = out.len();
            out.copy_from_slice(&self.to_array()[..n]);
        }
    }

    #[inline(always)]
    fn to_array(self) -> [f32; 4] {
        [
            f32x4_extract_lane::<0>(self.0),
            f32x4_extract_lane::<1>(self.0),
            f32x4_extract_lane::<2>(self.0),
            f32x4_extract_lane::<3>(self.0),
        ]
    }

    #[inline(always)]
    fn from_array(a: [f32; 4]) -> Self {
        V128(f32x4(a[0], a[1], a[2], a[3]))
    }

    #[inline(always)]
    fn add(self, b: Self) -> Self {
        V128(f32x4_add(self.0, b.0))
    }

    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        V128(f32x4_mul(self.0, b.0))
    }

    #[inline(always)]
    fn pool(c: [Self; 4]) -> (Self, v128) {
        // Strict `>` in window order, as Portable: a tie or a NaN keeps the earlier cell.
        let mut best = c[0].0;
        let mut arg = i32x4_splat(0);
        for (d, cell) in c.iter().enumerate().skip(1) {
            let better = f32x4_gt(cell.0, best);
            best = v128_bitselect(cell.0, best, better);
            arg = v128_bitselect(i32x4_splat(d as i32), arg, better);
        }
        // ReLU as `if m > 0 { m } else { 0 }`: a compare mask ANDed with m (NaN → 0).
        let relu = v128_and(best, f32x4_gt(best, f32x4_splat(0.0)));
        (V128(relu), arg)
    }

    #[inline(always)]
    fn store_arg(arg: v128, out: &mut [u8]) {
        // Bytes 0, 4, 8, 12 (the low byte of each i32 lane) into lane 0.
        let packed = i8x16_shuffle::<0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>(arg, arg);
        let bytes = (i32x4_extract_lane::<0>(packed) as u32).to_le_bytes();
        let n = out.len();
        out.copy_from_slice(&bytes[..n]);
    }

    #[inline(always)]
    fn keep(u: Self, p: f32, scale: f32) -> Self {
        V128(v128_and(f32x4_splat(scale), f32x4_ge(u.0, f32x4_splat(p))))
    }
    #[inline(always)]
    fn where_positive(self, h: Self, scale: f32) -> Self {
        let m = f32x4_gt(h.0, f32x4_splat(0.0));
        V128(v128_and(f32x4_mul(self.0, f32x4_splat(scale)), m))
    }
}

super::lanes::kernel_entry_points!(V128);
