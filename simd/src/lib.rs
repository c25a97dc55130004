//! `ferrokern-simd`: the only crate of ferrokern with `unsafe` and intrinsics.
//!
//! Every kernel exists once as a scalar reference ([`scalar`], generic over f32/f64) and, for
//! f32, as SIMD paths (SSE2, AVX2+FMA, AVX-512F on x86_64; NEON on aarch64). The public f32
//! functions at the crate root dispatch to the active [`Level`]; [`f64`] holds the scalar f64
//! forms. [`Kernels::for_level`] hands out one path's table so tests can compare paths.
//!
//! Length contract: functions taking several slices expect the lengths documented on each;
//! they never read or write out of bounds. A mismatch is a caller bug (checked with
//! `debug_assert!`); in release builds only the common prefix is used. `ferrokern` validates
//! lengths and returns errors before calling here.
#![no_std]
#![warn(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[macro_use]
mod table;
mod compose;
mod dispatch;
mod exp;
pub mod f64;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
mod lanes;
mod lowp;
#[cfg(target_arch = "aarch64")]
mod neon;
pub mod scalar;
#[cfg(target_arch = "x86_64")]
mod x86;

pub use dispatch::{active_level, available_levels, Kernels, Level};
pub use lowp::{bf16_to_f32, dot_f16, f16_to_f32, f32_to_bf16, f32_to_f16, gemv_bf16, gemv_f16};

pub use half::{bf16, f16};

/// Dot product `Σ a[i]·b[i]` over `min(a.len(), b.len())` elements.
#[inline]
#[must_use]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    (Kernels::active().dot)(a, b)
}

/// `y[i] += alpha · x[i]`.
#[inline]
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    (Kernels::active().axpy)(alpha, x, y)
}

/// `x[i] *= alpha`.
#[inline]
pub fn scale(alpha: f32, x: &mut [f32]) {
    (Kernels::active().scale)(alpha, x)
}

/// Elementwise `out[i] = a[i] + b[i]`.
#[inline]
pub fn add(a: &[f32], b: &[f32], out: &mut [f32]) {
    (Kernels::active().add)(a, b, out)
}

/// Elementwise `out[i] = a[i] - b[i]`.
#[inline]
pub fn sub(a: &[f32], b: &[f32], out: &mut [f32]) {
    (Kernels::active().sub)(a, b, out)
}

/// Elementwise `out[i] = a[i] · b[i]`.
#[inline]
pub fn mul(a: &[f32], b: &[f32], out: &mut [f32]) {
    (Kernels::active().mul)(a, b, out)
}

/// `Σ x[i]` (0 for an empty slice).
#[inline]
#[must_use]
pub fn sum(x: &[f32]) -> f32 {
    (Kernels::active().sum)(x)
}

/// Largest element; `-inf` for an empty slice; NaN if any element is NaN.
#[inline]
#[must_use]
pub fn max(x: &[f32]) -> f32 {
    (Kernels::active().max)(x)
}

/// Index of the first largest element; `None` for an empty slice or if any element is NaN.
#[inline]
#[must_use]
pub fn argmax(x: &[f32]) -> Option<usize> {
    scalar::argmax(x)
}

/// Euclidean norm `√Σ x[i]²`.
#[inline]
#[must_use]
pub fn norm2(x: &[f32]) -> f32 {
    (Kernels::active().norm2)(x)
}

/// `y = alpha·A·x + beta·y`, `A` row-major `m × n` with row stride `lda ≥ n`;
/// `x.len() == n`, `y.len() == m`. `beta == 0` ignores the old `y` (NaN in `y` is not propagated).
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn gemv(m: usize, n: usize, alpha: f32, a: &[f32], lda: usize, x: &[f32], beta: f32, y: &mut [f32]) {
    (Kernels::active().gemv)(m, n, alpha, a, lda, x, beta, y)
}

/// `y = alpha·Aᵀ·x + beta·y`, `A` row-major `m × n` with row stride `lda ≥ n`;
/// `x.len() == m`, `y.len() == n`.
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn gemv_t(m: usize, n: usize, alpha: f32, a: &[f32], lda: usize, x: &[f32], beta: f32, y: &mut [f32]) {
    (Kernels::active().gemv_t)(m, n, alpha, a, lda, x, beta, y)
}

/// Whether a [`gemm`] operand is used as stored or transposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trans {
    /// Use the matrix as stored.
    No,
    /// Use its transpose.
    Yes,
}

/// `C = alpha·op(A)·op(B) + beta·C`, all row-major; `op(A)` is `m × k`, `op(B)` is `k × n`,
/// `C` is `m × n` with row stride `ldc ≥ n`. `lda`/`ldb` are the row strides of `A`/`B` as
/// stored. `beta == 0` ignores the old `C`.
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn gemm(
    ta: Trans,
    tb: Trans,
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: &[f32],
    lda: usize,
    b: &[f32],
    ldb: usize,
    beta: f32,
    c: &mut [f32],
    ldc: usize,
) {
    (Kernels::active().gemm)(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

/// Rank-1 update `A += alpha·x·yᵀ`, `A` row-major `x.len() × y.len()` with row stride `lda`.
#[inline]
pub fn ger(alpha: f32, x: &[f32], y: &[f32], a: &mut [f32], lda: usize) {
    (Kernels::active().ger)(alpha, x, y, a, lda)
}

/// `e^x`, this crate's own scalar form (see [`scalar::exp_f32`] for range and accuracy).
#[inline]
#[must_use]
pub fn exp(x: f32) -> f32 {
    scalar::exp_f32(x)
}

/// Natural logarithm, this crate's own scalar form (see [`scalar::ln_f32`]).
#[inline]
#[must_use]
pub fn ln(x: f32) -> f32 {
    scalar::ln_f32(x)
}

/// In place `x[i] = e^x[i]`.
#[inline]
pub fn exp_slice(x: &mut [f32]) {
    (Kernels::active().exp_slice)(x)
}

/// Stable `ln Σ e^x[i]` (max-shifted); `-inf` for an empty slice.
#[inline]
#[must_use]
pub fn log_sum_exp(x: &[f32]) -> f32 {
    (Kernels::active().log_sum_exp)(x)
}

/// In place stable softmax: `x[i] = e^(x[i]-max) / Σ e^(x[j]-max)`.
#[inline]
pub fn softmax(x: &mut [f32]) {
    (Kernels::active().softmax)(x)
}
