//! The layers of the network, one file each, forward and backward side by side.
//!
//! Every layer is a set of free functions on plain slices, usable alone, so that each can be
//! gradient-checked by itself (`tests/gradcheck.rs`) before `model.rs` assembles them. Heavy
//! loops call [`crate::kernels::active`]; the light element-wise layers are written here
//! directly. No layer allocates, owns parameters, or keeps state between calls: buffers and
//! parameters belong to the caller (the model keeps them in one flat vector).
//!
//! Shape letters, used in every file: N batch, C channels in, OC channels out, H×W a plane,
//! K kernel size, PH×PW a pooled plane, IN/OUT dense sizes. Buffers are row-major with the
//! last index fastest, as in PyTorch, and annotated like `// (N, C, H, W)`.
//!
//! Gradient naming and conventions: `dx` is the loss gradient w.r.t. a layer's input, `dw` and
//! `db` w.r.t. its weight and bias, `dout` w.r.t. its output. Input gradients are
//! **overwritten**; parameter gradients are **accumulated** (`+=`), so a batch processed in
//! chunks sums to the gradient of the whole batch.
//!
//! The model's pipeline, with its shapes:
//!
//! ```text
//! x (N,1,28,28) ─conv 3×3, 32 ch─▶ (N,32,26,26) ─ReLU─▶ ─max 2×2─▶ (N,32,13,13)
//!   ─dropout─▶ flatten (N,5408) ─dense─▶ logits (N,10) ─softmax cross-entropy─▶ loss
//! ```
//!
//! [`conv`] and [`relu_pool`] exist separately (the reference path) and fused
//! ([`conv::forward_relu_pool`], the path the model takes).

pub mod conv;
pub mod dense;
pub mod dropout;
pub mod relu_pool;
pub mod softmax_xent;
