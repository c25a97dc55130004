//! # ferrokern
//!
//! Fixed-allocation numerical kernels for inference and training on microcontrollers and edge
//! devices. `no_std`, no heap, no `unsafe` (the SIMD code lives in `ferrokern-simd`).
//!
//! Kernels are generic over [`Real`] (f32, f64): f32 is the shipped, SIMD-accelerated path; f64
//! runs the scalar path and is what the specifications' tight checks run in. Every kernel takes
//! caller-owned buffers, states its scratch size with a `const fn`, and returns
//! [`Result`] instead of panicking on bad input.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(feature = "std")]
extern crate std;

pub mod bcd;
pub mod boost;
pub mod denoise;
pub mod error;
pub mod linalg;
pub mod model;
pub mod nn;
pub mod optim;
pub mod ot;
pub mod real;
pub mod rng;

pub use error::{Error, Result};
pub use real::Real;
