//! f64 kernels: the scalar path only (the precision the specs' tight checks run in).
//! Same contracts as the f32 functions at the crate root.

use crate::scalar;
pub use crate::scalar::{
    add, argmax, axpy, dot, gemm, gemv, gemv_t, ger, log_sum_exp, max, mul, norm2, scale, softmax, sub, sum,
};

/// In place `x = e^x` (`libm::exp`).
#[inline]
pub fn exp_slice(x: &mut [f64]) {
    scalar::exp_slice(x)
}
