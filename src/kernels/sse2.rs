//! The fast kernels on x86_64 SSE2 intrinsics (`core::arch::x86_64`), the native twin of
//! `simd128.rs`: `fast.rs`'s generic kernels instantiated with [`Sse2`], a [`Lanes`]
//! implementation over `__m128`. SSE2 is part of the x86_64 baseline, so this needs no
//! target feature and no runtime detection; it is [`super::active`] on x86_64.
//!
//! Why not leave it to LLVM: the portable `[f32; 4]` instantiation vectorises well in some
//! loop shapes and falls back to building vectors lane by lane in others (measured: the
//! conv forward's two-pass loop ran at 38 µs per sample portable, 17 µs with these
//! intrinsics). With intrinsics each lane operation is one instruction whatever the loop
//! around it looks like.
//!
//! Bit-identity with `fast.rs` and `simd128.rs`: addps, mulps and the ordered compares
//! `cmpgt`/`cmpge` (false for NaN) are exactly the lane-wise IEEE operations of `Portable`;
//! selects are bitwise and/andnot/or. No FMA (not in SSE2), no reassociation.

use core::arch::x86_64::*;

use super::lanes::Lanes;

/// Four f32 lanes in one SSE register.
#[derive(Clone, Copy)]
pub struct Sse2(__m128);

/// `if m { a } else { b }` lane-wise, for a compare mask m.
#[inline(always)]
fn select(m: __m128, a: __m128, b: __m128) -> __m128 {
    // SAFETY (all intrinsics in this file): SSE2 is always present on x86_64.
    unsafe { _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, b)) }
}

impl Lanes for Sse2 {
    /// Argmax as i32 lanes 0..=3, in float registers (only selected, never computed on).
    type Arg = __m128;

    #[inline(always)]
    fn splat(v: f32) -> Self {
        Sse2(unsafe { _mm_set1_ps(v) })
    }

    #[inline(always)]
    fn load(a: &[f32], i: usize) -> Self {
        let a = &a[i..i + 4];
        // SAFETY: `a` holds 4 f32; loadu has no alignment requirement.
        Sse2(unsafe { _mm_loadu_ps(a.as_ptr()) })
    }

    #[inline(always)]
    fn store(self, out: &mut [f32]) {
        if out.len() == 4 {
            // SAFETY: `out` holds 4 f32; storeu has no alignment requirement.
            unsafe { _mm_storeu_ps(out.as_mut_ptr(), self.0) }
        } else {
            let n = out.len();
            out.copy_from_slice(&self.to_array()[..n]);
        }
    }

    #[inline(always)]
    fn to_array(self) -> [f32; 4] {
        let mut a = [0.0f32; 4];
        unsafe { _mm_storeu_ps(a.as_mut_ptr(), self.0) };
        a
    }

    #[inline(always)]
    fn from_array(a: [f32; 4]) -> Self {
        Sse2(unsafe { _mm_loadu_ps(a.as_ptr()) })
    }

    #[inline(always)]
    fn add(self, b: Self) -> Self {
        Sse2(unsafe { _mm_add_ps(self.0, b.0) })
    }

    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        Sse2(unsafe { _mm_mul_ps(self.0, b.0) })
    }

    #[inline(always)]
    fn pool(c: [Self; 4]) -> (Self, __m128) {
        // Strict `>` in window order, as Portable: a tie or a NaN keeps the earlier cell.
        let mut best = c[0].0;
        let mut arg = unsafe { _mm_setzero_ps() };
        for (d, cell) in c.iter().enumerate().skip(1) {
            let better = unsafe { _mm_cmpgt_ps(cell.0, best) };
            best = select(better, cell.0, best);
            let d = unsafe { _mm_castsi128_ps(_mm_set1_epi32(d as i32)) };
            arg = select(better, d, arg);
        }
        // ReLU as `if m > 0 { m } else { 0 }`: the compare mask ANDed with m (NaN → 0).
        let relu = unsafe { _mm_and_ps(best, _mm_cmpgt_ps(best, _mm_setzero_ps())) };
        (Sse2(relu), arg)
    }

    #[inline(always)]
    fn store_arg(arg: __m128, out: &mut [u8]) {
        // i32 lanes 0..=3 → bytes: pack twice with unsigned/signed saturation (exact here).
        let packed = unsafe {
            let a = _mm_castps_si128(arg);
            let w = _mm_packs_epi32(a, a);
            _mm_cvtsi128_si32(_mm_packus_epi16(w, w)) as u32
        };
        let bytes = packed.to_le_bytes();
        let n = out.len();
        out.copy_from_slice(&bytes[..n]);
    }

    #[inline(always)]
    fn keep(u: Self, p: f32, scale: f32) -> Self {
        Sse2(unsafe { _mm_and_ps(_mm_set1_ps(scale), _mm_cmpge_ps(u.0, _mm_set1_ps(p))) })
    }
    #[inline(always)]
    fn where_positive(self, h: Self, scale: f32) -> Self {
        Sse2(unsafe {
            let m = _mm_cmpgt_ps(h.0, _mm_setzero_ps());
            _mm_and_ps(_mm_mul_ps(self.0, _mm_set1_ps(scale)), m)
        })
    }
}

super::lanes::kernel_entry_points!(Sse2);
