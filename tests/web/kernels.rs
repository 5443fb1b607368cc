//! The kernels in the browser: every fast twin against the scalar oracle (the cases of
//! `tests/twins/`, shared with the native `tests/kernels.rs`), run by the browser's
//! engine, with the `simd128` kernels compiled in.

use super::*;

// ---- the kernels: every fast twin against the scalar oracle, in wasm -----------------
//
// The same cases as the native `tests/kernels.rs` (shared in `tests/twins/`), here run by
// the browser's engine: the `simd128` kernels against the oracle, and bit for bit against
// the portable `fast` kernels compiled for wasm, which in turn equal the native ones.

use super::twins;

#[wasm_bindgen_test]
fn kernel_twins_conv_relu_pool_forward() {
    twins::conv_relu_pool_forward();
}

#[wasm_bindgen_test]
fn kernel_twins_conv_relu_pool_dropout_forward() {
    twins::conv_relu_pool_dropout_forward();
}

#[wasm_bindgen_test]
fn kernel_twins_conv_relu_pool_backward_weights() {
    twins::conv_relu_pool_backward_weights();
}

#[wasm_bindgen_test]
fn kernel_twins_dense() {
    twins::dense_forward();
    twins::dense_backward_input();
    twins::dense_backward_input_dropout_relu();
    twins::dense_backward_weights();
}

#[wasm_bindgen_test]
fn kernel_twins_special_values_and_empty_batches() {
    twins::special_values();
    twins::empty_batch_is_a_no_op_everywhere();
}

#[wasm_bindgen_test]
fn kernel_twins_include_simd128() {
    let names: Vec<&str> = twins::vector_impls().iter().map(|i| i.name).collect();
    assert!(
        names.contains(&"simd128"),
        "simd128 kernels not compiled in: {names:?}"
    );
    assert_eq!(lr_batch_playground::kernels::ACTIVE_NAME, "simd128");
}
