//! The hot loops of the CNN, on plain slices: the contract every implementation keeps.
//!
//! Five kernels carry nearly all of the ~0.8 MFLOP a training sample costs. Each exists twice
//! with the *same signature*: [`scalar`] is the obviously-correct oracle (straight index loops,
//! never deleted, never optimised) and [`fast`] is the portable version written so that LLVM
//! auto-vectorises it (contiguous inner loops, fixed-size chunks, no bounds checks in the hot
//! loop). A later `simd128.rs` with `core::arch::wasm32` intrinsics will be a third twin.
//! [`active`] names the implementation the model calls; `tests/kernels.rs` ties the twins
//! together on odd sizes through one generic comparison.
//!
//! What this module deliberately does not do: allocate on the heap, draw random numbers,
//! apply dropout, or know about the loss. Those live in `nn/` and `model.rs`.
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
//! # Conventions shared by both twins
//!
//! * Outputs (`pooled`, `argmax`, `out`, `dx`) are **overwritten**. Parameter gradients
//!   (`dw`, `db`) are **accumulated** (`+=`), so a batch processed in chunks adds up.
//! * The fused forward sums each conv output as `bias + Σ_{ky} Σ_{kx} w·x` in exactly that
//!   order in both twins, so `pooled` and `argmax` agree bit for bit; a pooling tie goes to
//!   the first window cell in order (0,0), (0,1), (1,0), (1,1).
//! * Kernels assert their slice lengths (they are an internal API) and never panic otherwise.
//! * Everything runs in a fixed order: same inputs, bit-identical outputs.

pub mod check;
pub mod profile;
pub mod fast;
pub mod scalar;

/// The implementation `nn/` and the model call. Switched here, and only here, when a faster
/// twin (e.g. wasm `simd128`) exists for the target.
pub use fast as active;
/// The name of [`active`], for benchmark reports.
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
