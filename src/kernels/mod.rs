//! The hot loops of the CNN, on plain slices: the contract every implementation keeps.
//!
//! Seven kernels carry nearly all of the ~1.1 MFLOP a training sample costs: the fused
//! conv → ReLU → max-pool forward (alone for evaluation, and with dropout drawn in the same
//! pass for training), the conv weight gradient, the dense forward, and the dense backwards
//! to the weights and to the input (plainly, and taken on through dropout∘ReLU in the same
//! pass for training).
//! Each exists in every implementation with the *same signature*:
//!
//! * [`scalar`]: the obviously-correct oracle (straight index loops, never deleted, never
//!   optimised);
//! * [`fast`]: each kernel written once over a four-lane vector ([`lanes::Lanes`]), laid out
//!   for the cache, and instantiated with portable `[f32; 4]`;
//! * `sse2` (x86_64 only) and `simd128` (wasm32 with `+simd128` only): the same generic
//!   kernels instantiated with `core::arch` intrinsics.
//!
//! [`active`] names the implementation the model calls: `sse2` natively on x86_64, `simd128`
//! in the browser, `fast` elsewhere. `tests/twins/` ties them together on odd sizes through
//! one generic comparison, natively (`tests/kernels.rs`) and in the browser (`tests/web.rs`).
//!
//! # Determinism across targets
//!
//! `fast`, `sse2` and `simd128` run the same lane operations (exactly rounded adds,
//! multiplies, compares and selects; no fused multiply-add, no reassociation) in the same
//! order, so they agree bit for bit, and native training equals wasm training to the last
//! bit (`tests/web.rs` also compares wasm runs with golden values written by the native
//! build). Against the scalar oracle: the fused forwards (pooled, argmax, dropout) and the
//! dense backwards sum in the oracle's order and are bit-identical to it; the conv weight
//! gradient (which adds each image's sum to `dw` once) and the dense forward (whose dot
//! product keeps 16 partial sums) differ from it in the last bits, in a fixed order all the
//! same. The tests hold the first group to equality and the second to a 1e-4 relative bound.
//!
//! What this module deliberately does not do: allocate on the heap (except the benchmark
//! helpers [`check`] and [`profile`], which no training step calls), own a random
//! generator (the dropout kernel draws from the caller's), or know about the loss. Those
//! live in `nn/` and `model.rs`.
//!
//! # Shapes and layouts
//!
//! Letters: N batch, H×W = 28×28 input image (one channel, so C = 1 is dropped), K = 3 kernel,
//! OC output channels (taken from the bias length; 32 in the model), OH×OW = 26×26 conv output
//! (stride 1, no padding), PH×PW = 13×13 after the 2×2 max-pool, IN and OUT the dense sizes
//! (taken from the weight and bias lengths; 5408 and 10 in the model). Every buffer is
//! row-major, last index fastest, like PyTorch:
//!
//! | buffer  | shape              | notes                                                   |
//! |---------|--------------------|---------------------------------------------------------|
//! | x       | (N, H, W)          | images                                                   |
//! | conv w  | (OC, 1, K, K)      | PyTorch `Conv2d.weight`                                  |
//! | conv b  | (OC)               |                                                          |
//! | pooled  | (N, OC, PH, PW)    | = (N, IN) flattened channel-major, the dense input       |
//! | argmax  | (N, OC, PH, PW) u8 | which cell of each 2×2 window won: dy·2 + dx, 0..=3      |
//! | dense w | (OUT, IN)          | PyTorch `Linear.weight`: one contiguous row per output   |
//! | dense b | (OUT)              |                                                          |
//! | logits  | (N, OUT)           |                                                          |
//!
//! # Conventions shared by every implementation
//!
//! * Outputs (`pooled`, `argmax`, `out`, `dx`) are **overwritten**. Parameter gradients
//!   (`dw`, `db`) are **accumulated** (`+=`), so a batch processed in chunks adds up.
//! * The fused forward sums each conv output as `bias + Σ_{ky} Σ_{kx} w·x` in exactly that
//!   order everywhere, so `pooled` and `argmax` agree bit for bit; a pooling tie goes to
//!   the first window cell in order (0,0), (0,1), (1,0), (1,1).
//! * The dropout forward draws one `rng.next_f32()` per pooled unit in buffer order and keeps
//!   the unit (times 1/(1 − p)) iff the draw is ≥ p, exactly as `nn::dropout::forward_inplace`
//!   after the plain forward; p = 0 draws nothing. The dense input gradient through
//!   dropout∘ReLU is `if h > 0 { dx/(1 − p) } else { 0 }` with h the dense input, exactly
//!   `nn::dropout::backward_through_relu` after the plain backward.
//! * Kernels assert their slice lengths (they are an internal API) and never panic otherwise.
//! * Everything runs in a fixed order: same inputs, bit-identical outputs.

pub mod check;
pub mod fast;
pub mod lanes;
pub mod profile;
pub mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd128;
#[cfg(target_arch = "x86_64")]
pub mod sse2;

/// The implementation `nn/` and the model call: `simd128` in wasm with SIMD, `sse2` on
/// x86_64, the portable `fast` everywhere else. Switched here, and only here.
#[cfg(not(any(
    all(target_arch = "wasm32", target_feature = "simd128"),
    target_arch = "x86_64"
)))]
pub use fast as active;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use simd128 as active;
#[cfg(target_arch = "x86_64")]
pub use sse2 as active;

/// The name of [`active`], for benchmark reports.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub const ACTIVE_NAME: &str = "simd128";
#[cfg(target_arch = "x86_64")]
pub const ACTIVE_NAME: &str = "sse2";
#[cfg(not(any(
    all(target_arch = "wasm32", target_feature = "simd128"),
    target_arch = "x86_64"
)))]
pub const ACTIVE_NAME: &str = "fast";

/// Input image height.
pub const H: usize = 28;
/// Input image width.
pub const W: usize = 28;
/// Convolution kernel size (K×K).
pub const K: usize = 3;
/// Conv output height (stride 1, no padding).
pub const OH: usize = H - K + 1;
/// Conv output width.
pub const OW: usize = W - K + 1;
/// Pooled height (2×2 max-pool, stride 2).
pub const PH: usize = OH / 2;
/// Pooled width.
pub const PW: usize = OW / 2;
/// Pixels per image, H·W.
pub const IMG: usize = H * W;
/// Pooled cells per channel, PH·PW.
pub const POOL: usize = PH * PW;

// The fused kernels rely on the conv output splitting exactly into 2×2 windows.
const _: () = assert!(OH % 2 == 0 && OW % 2 == 0);
