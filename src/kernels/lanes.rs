//! The four-lane f32 vector the fast kernels are written in, and its portable implementation.
//!
//! `fast.rs` writes each kernel once, generic over [`Lanes`], and instantiates it with
//! [`Portable`] (plain `[f32; 4]`, vectorised by LLVM where it manages); `sse2.rs` (x86_64)
//! and `simd128.rs` (wasm) instantiate the same code with intrinsics. Because every
//! implementation performs the *same* sequence of lane-wise IEEE operations (add, multiply,
//! compare, select: each exactly rounded, no fused multiply-add, no reassociation), they are
//! bit-identical by construction: this is what keeps native and wasm training equal to the
//! last bit. Horizontal sums are not a lane operation here; a kernel that needs one goes
//! through [`Lanes::to_array`] and adds the lanes in an order written out in the kernel.
//!
//! What this file deliberately does not have: anything an implementation could round
//! differently (reciprocals, square roots, fused multiply-add, min/max with unspecified NaN
//! or signed-zero behaviour).

/// Defines the kernels' public entry points, with the signatures of `scalar.rs`, for one
/// [`Lanes`] implementation: each is the generic kernel of `fast.rs` instantiated with it.
/// `fast.rs`, `sse2.rs` and `simd128.rs` each invoke this once, so the three twins cannot
/// drift apart in anything but their lane type.
macro_rules! kernel_entry_points {
    ($V:ty) => {
        /// Fused conv → ReLU → 2×2 max-pool, forward. See `scalar::conv_relu_pool_forward`.
        pub fn conv_relu_pool_forward(
            x: &[f32],
            w: &[f32],
            b: &[f32],
            n: usize,
            pooled: &mut [f32],
            argmax: &mut [u8],
        ) {
            $crate::kernels::fast::conv_forward::<$V>(x, w, b, n, None, pooled, argmax);
        }

        /// Fused conv → ReLU → 2×2 max-pool → dropout, forward. See
        /// `scalar::conv_relu_pool_dropout_forward`.
        #[allow(clippy::too_many_arguments)] // the fused forward's arguments plus the generator and p
        pub fn conv_relu_pool_dropout_forward(
            x: &[f32],
            w: &[f32],
            b: &[f32],
            n: usize,
            rng: &mut $crate::rng::Rng,
            p: f32,
            pooled: &mut [f32],
            argmax: &mut [u8],
        ) {
            $crate::kernels::fast::conv_forward::<$V>(x, w, b, n, Some((rng, p)), pooled, argmax);
        }

        /// Fused conv → ReLU → max-pool, backward to the conv parameters (no dx: first layer).
        /// See `scalar::conv_relu_pool_backward_weights`.
        pub fn conv_relu_pool_backward_weights(
            x: &[f32],
            argmax: &[u8],
            dpre: &[f32],
            n: usize,
            dw: &mut [f32],
            db: &mut [f32],
        ) {
            $crate::kernels::fast::conv_backward::<$V>(x, argmax, dpre, n, dw, db);
        }

        /// Dense forward: x (N, IN), w (OUT, IN), b (OUT) → out (N, OUT). See
        /// `scalar::dense_forward`.
        pub fn dense_forward(x: &[f32], w: &[f32], b: &[f32], n: usize, out: &mut [f32]) {
            $crate::kernels::fast::dense_fwd::<$V>(x, w, b, n, out);
        }

        /// Dense backward to the input: w (OUT, IN), dout (N, OUT) → dx (N, IN), overwritten.
        /// See `scalar::dense_backward_input`.
        pub fn dense_backward_input(w: &[f32], dout: &[f32], n: usize, dx: &mut [f32]) {
            $crate::kernels::fast::dense_bwd_input::<$V>(w, dout, None, n, dx);
        }

        /// Dense backward to the input, on through dropout∘ReLU. See
        /// `scalar::dense_backward_input_dropout_relu`.
        pub fn dense_backward_input_dropout_relu(
            w: &[f32],
            dout: &[f32],
            h: &[f32],
            p: f32,
            n: usize,
            dx: &mut [f32],
        ) {
            $crate::kernels::fast::dense_bwd_input::<$V>(w, dout, Some((h, p)), n, dx);
        }

        /// Dense backward to the parameters: x (N, IN), dout (N, OUT) → dw (OUT, IN) +=,
        /// db (OUT) +=. See `scalar::dense_backward_weights`.
        pub fn dense_backward_weights(
            x: &[f32],
            dout: &[f32],
            n: usize,
            dw: &mut [f32],
            db: &mut [f32],
        ) {
            $crate::kernels::fast::dense_bwd_weights::<$V>(x, dout, n, dw, db);
        }
    };
}
pub(crate) use kernel_entry_points;

/// A vector of four f32 lanes. Every operation is lane-wise and exact IEEE single precision.
pub trait Lanes: Copy {
    /// The integer lanes that [`Lanes::pool`] returns its window argmax in.
    type Arg: Copy;
    /// All four lanes `v`.
    fn splat(v: f32) -> Self;
    /// `a[i..i + 4]` (panics if out of range, like slice indexing).
    fn load(a: &[f32], i: usize) -> Self;
    /// Writes the first `out.len()` (≤ 4) lanes to `out`.
    fn store(self, out: &mut [f32]);
    /// The lanes as an array, lane 0 first.
    fn to_array(self) -> [f32; 4];
    /// From an array, lane 0 first.
    fn from_array(a: [f32; 4]) -> Self;
    /// `self + b`.
    fn add(self, b: Self) -> Self;
    /// `self · b`.
    fn mul(self, b: Self) -> Self;
    /// The fused 2×2 max-pool and ReLU of one window per lane, from its four cells in window
    /// order (0,0), (0,1), (1,0), (1,1): `(relu(max), argmax)`. The max is a chain of strict
    /// `>` comparisons in window order, so a tie goes to the first cell and a NaN cell never
    /// wins; the ReLU is `if m > 0 { m } else { 0 }` (a NaN max becomes 0).
    fn pool(c: [Self; 4]) -> (Self, Self::Arg);
    /// Writes the first `out.len()` (≤ 4) argmax lanes to `out`.
    fn store_arg(arg: Self::Arg, out: &mut [u8]);
    /// Dropout factors: lane-wise `if u ≥ p { scale } else { 0 }`.
    fn keep(u: Self, p: f32, scale: f32) -> Self;
    /// The backward of dropout∘ReLU: lane-wise `if h > 0 { self·scale } else { 0 }`.
    fn where_positive(self, h: Self, scale: f32) -> Self;
}

/// Plain `[f32; 4]`: the portable implementation (LLVM vectorises it where it can).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Portable(pub [f32; 4]);

impl Lanes for Portable {
    type Arg = [u8; 4];

    #[inline(always)]
    fn splat(v: f32) -> Self {
        Portable([v; 4])
    }

    #[inline(always)]
    fn load(a: &[f32], i: usize) -> Self {
        Portable(a[i..i + 4].try_into().unwrap())
    }

    #[inline(always)]
    fn store(self, out: &mut [f32]) {
        let n = out.len();
        out.copy_from_slice(&self.0[..n]);
    }

    #[inline(always)]
    fn to_array(self) -> [f32; 4] {
        self.0
    }

    #[inline(always)]
    fn from_array(a: [f32; 4]) -> Self {
        Portable(a)
    }

    #[inline(always)]
    fn add(self, b: Self) -> Self {
        let (a, b) = (self.0, b.0);
        Portable([a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]])
    }

    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        let (a, b) = (self.0, b.0);
        Portable([a[0] * b[0], a[1] * b[1], a[2] * b[2], a[3] * b[3]])
    }

    #[inline(always)]
    fn pool(c: [Self; 4]) -> (Self, [u8; 4]) {
        let mut best = c[0].0;
        let mut arg = [0u8; 4];
        for (d, cell) in c.iter().enumerate().skip(1) {
            for l in 0..4 {
                let better = cell.0[l] > best[l];
                best[l] = if better { cell.0[l] } else { best[l] };
                arg[l] = if better { d as u8 } else { arg[l] };
            }
        }
        for v in &mut best {
            *v = if *v > 0.0 { *v } else { 0.0 };
        }
        (Portable(best), arg)
    }

    #[inline(always)]
    fn store_arg(arg: [u8; 4], out: &mut [u8]) {
        let n = out.len();
        out.copy_from_slice(&arg[..n]);
    }

    #[inline(always)]
    fn keep(u: Self, p: f32, scale: f32) -> Self {
        Portable(u.0.map(|u| if u >= p { scale } else { 0.0 }))
    }

    #[inline(always)]
    fn where_positive(self, h: Self, scale: f32) -> Self {
        Portable(core::array::from_fn(|l| {
            if h.0[l] > 0.0 {
                self.0[l] * scale
            } else {
                0.0
            }
        }))
    }
}
