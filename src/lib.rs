//! # lr-batch-playground
//!
//! Train the small CNN of "Relation Between Learning Rate and Batch Size"
//! (one 3×3 convolution, max-pool, dropout, one dense layer) on real MNIST
//! digits, natively or in the browser, and compare how learning rate and batch
//! size interact under the linear, √k or no scaling rule.
//!
//! The core (everything but [`web`]) is pure Rust: no DOM, no files, no clock.
//! `src/web/` is the wasm-bindgen shell the page uses; `src/bin/` the native CLI.

pub mod bench;
pub mod config;
pub mod data;
pub mod files;
pub mod keep;
pub mod kernels;
pub mod landscape;
pub mod lr_range;
pub mod metrics;
pub mod model;
pub mod nn;
pub mod noise;
pub mod optim;
pub mod plot;
pub mod rng;
pub mod runs;
pub mod schedule;
pub mod shard;
pub mod summary;
pub mod train;

#[cfg(target_arch = "wasm32")]
pub mod web;
