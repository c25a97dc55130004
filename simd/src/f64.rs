//! f64 kernels: the scalar path, except `dot` and `axpy`, which take an AVX2+FMA path when the
//! active [`Level`](crate::Level) is AVX2 or AVX-512 (least squares / Lasso coordinate descent
//! is made of these two). `FERROKERN_SIMD=scalar` (or a CPU without AVX2) keeps every f64
//! kernel on the portable scalar code. Same contracts as the f32 functions at the crate root.

use crate::scalar;
pub use crate::scalar::{
    add, argmax, exp_affine_acc, exp_affine_sum, gemm, gemv, gemv_t, ger, log_sum_exp, max, mul, norm2,
    scale, softmax, sq_dist_row_2d, sub, sum, sweep,
};

/// True when the AVX2+FMA f64 path may run.
#[cfg(target_arch = "x86_64")]
#[inline]
fn avx2() -> bool {
    matches!(crate::active_level(), crate::Level::Avx2 | crate::Level::Avx512)
}

/// `Σ a_i b_i` over the shorter length (AVX2+FMA: 8 products per step in two 4-lane sums).
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if avx2() {
        // SAFETY: `active_level` reports AVX2/AVX-512 only when the CPU has AVX2 and FMA.
        return unsafe { crate::x86::dot_f64_avx2(a, b) };
    }
    scalar::dot(a, b)
}

/// `y += alpha·x` (AVX2+FMA: fused multiply-add per element).
#[inline]
pub fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if avx2() {
        // SAFETY: `active_level` reports AVX2/AVX-512 only when the CPU has AVX2 and FMA.
        return unsafe { crate::x86::axpy_f64_avx2(alpha, x, y) };
    }
    scalar::axpy(alpha, x, y)
}

/// In place `x = e^x` (`libm::exp`).
#[inline]
pub fn exp_slice(x: &mut [f64]) {
    scalar::exp_slice(x)
}
