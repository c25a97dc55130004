//! `simd_table!`: builds one path's [`crate::Kernels`] table from a [`crate::lanes::Lanes`]
//! implementation. Each entry is a safe function wrapping a `#[target_feature]` function in
//! which the generic kernel (from `lanes`, `compose` or `lowp`) is instantiated and inlined.

/// Safe wrappers around `#[target_feature(enable = $feat)]` instantiations.
macro_rules! tf_wrappers {
    ($feat:literal; $( fn $name:ident($($arg:ident : $ty:ty),*) $(-> $ret:ty)? = $body:expr; )*) => {
        $(
            #[allow(clippy::too_many_arguments)]
            fn $name($($arg: $ty),*) $(-> $ret)? {
                #[target_feature(enable = $feat)]
                #[allow(clippy::too_many_arguments)]
                unsafe fn inner($($arg: $ty),*) $(-> $ret)? {
                    // SAFETY: the enclosing table entry is only reachable when the CPU
                    // supports `$feat` (see `Kernels::for_level`).
                    #[allow(unused_unsafe)]
                    unsafe { $body }
                }
                // SAFETY: this function is only reachable through this path's table, which
                // `Kernels::for_level`/`Kernels::active` hand out only after checking (at run
                // time with `std`, else at compile time) that the CPU supports `$feat`.
                unsafe { inner($($arg),*) }
            }
        )*
    };
}

/// Defines `pub(crate) static $table: Kernels` for lanes type `$L` compiled with `$feat`.
macro_rules! simd_table {
    ($table:ident, $L:ty, $feat:literal, $level:expr) => {
        mod tbl {
            #![allow(unused_imports)]
            use super::*;
            use crate::compose::{self, Prims};
            use crate::lanes::{self, Lanes, Simd};
            use crate::lowp;
            use crate::{bf16, f16, Kernels, Trans};
            type L = $L;
            type P = Simd<L>;

            tf_wrappers! { $feat;
                fn dot(a: &[f32], b: &[f32]) -> f32 = lanes::dot::<L>(a, b);
                fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) = lanes::axpy::<L>(alpha, x, y);
                fn scale(alpha: f32, x: &mut [f32]) = <P as Prims<f32>>::scale(alpha, x);
                fn add(a: &[f32], b: &[f32], out: &mut [f32]) =
                    lanes::zip_map::<L>(a, b, out, |x, y| L::add(x, y));
                fn sub(a: &[f32], b: &[f32], out: &mut [f32]) =
                    lanes::zip_map::<L>(a, b, out, |x, y| L::sub(x, y));
                fn mul(a: &[f32], b: &[f32], out: &mut [f32]) =
                    lanes::zip_map::<L>(a, b, out, |x, y| L::mul(x, y));
                fn sum(x: &[f32]) -> f32 = lanes::sum::<L>(x);
                fn max(x: &[f32]) -> f32 = lanes::max::<L>(x);
                fn norm2(x: &[f32]) -> f32 = crate::scalar::Float::sqrt(lanes::sum_sq::<L>(x));
                fn gemv(m: usize, n: usize, alpha: f32, a: &[f32], lda: usize, x: &[f32], beta: f32, y: &mut [f32]) =
                    compose::gemv::<f32, P>(m, n, alpha, a, lda, x, beta, y);
                fn gemv_t(m: usize, n: usize, alpha: f32, a: &[f32], lda: usize, x: &[f32], beta: f32, y: &mut [f32]) =
                    compose::gemv_t::<f32, P>(m, n, alpha, a, lda, x, beta, y);
                fn sweep(m: usize, n: usize, a: &[f32], lda: usize, x: &[f32], r: &[f32], kv: &mut [f32], u: &mut [f32], y: &mut [f32]) =
                    compose::sweep::<f32, P>(m, n, a, lda, x, r, kv, u, y);
                fn gemm(ta: Trans, tb: Trans, m: usize, n: usize, k: usize, alpha: f32, a: &[f32], lda: usize,
                        b: &[f32], ldb: usize, beta: f32, c: &mut [f32], ldc: usize) =
                    compose::gemm::<f32, P>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
                fn ger(alpha: f32, x: &[f32], y: &[f32], a: &mut [f32], lda: usize) =
                    compose::ger::<f32, P>(alpha, x, y, a, lda);
                fn exp_slice(x: &mut [f32]) = lanes::exp_slice::<L>(x);
                fn sqrt_slice(x: &mut [f32]) = lanes::sqrt_slice::<L>(x);
                fn log_sum_exp(x: &[f32]) -> f32 = compose::log_sum_exp::<f32, P>(x);
                fn exp_affine_sum(a: f32, x: &[f32], v: &[f32], b: f32) -> f32 = lanes::exp_affine_sum::<L>(a, x, v, b);
                fn exp_affine_acc(a: f32, x: &[f32], v: &[f32], b: f32, acc: &mut [f32]) =
                    lanes::exp_affine_acc::<L>(a, x, v, b, acc);
                fn sq_dist_row_2d(p: [f32; 2], y: &[f32], div: f32, out: &mut [f32]) =
                    lanes::sq_dist_row_2d::<L>(p, y, div, out);
                fn softmax(x: &mut [f32]) = compose::softmax::<f32, P>(x);
                fn dot_f16(a: &[f16], b: &[f32]) -> f32 = lowp::dot_f16_lanes::<L>(a, b);
                fn gemv_f16(m: usize, n: usize, alpha: f32, a: &[f16], lda: usize, x: &[f32], beta: f32, y: &mut [f32]) =
                    compose::gemv_by(m, n, alpha, a, lda, beta, y,
                        |r| lowp::dot4_f16_lanes::<L>(r, x),
                        |r| lowp::dot_f16_lanes::<L>(r, x));
                fn gemv_bf16(m: usize, n: usize, alpha: f32, a: &[bf16], lda: usize, x: &[f32], beta: f32, y: &mut [f32]) =
                    lowp::gemv_bf16_split::<L>(m, n, alpha, a, lda, x, beta, y);
                fn gemv_t_bf16(m: usize, n: usize, alpha: f32, a: &[bf16], lda: usize, x: &[f32], beta: f32, y: &mut [f32]) =
                    lowp::gemv_t_bf16_split::<L>(m, n, alpha, a, lda, x, beta, y);
                fn sweep_bf16(m: usize, n: usize, a: &[bf16], lda: usize, x: &[f32], r: &[f32], kv: &mut [f32], u: &mut [f32], y: &mut [f32]) =
                    lowp::sweep_bf16_split::<L>(m, n, a, lda, x, r, kv, u, y);
                fn f16_to_f32(src: &[f16], dst: &mut [f32]) = lowp::f16_to_f32_lanes::<L>(src, dst);
                fn f32_to_f16(src: &[f32], dst: &mut [f16]) = lowp::f32_to_f16_lanes::<L>(src, dst);
                fn bf16_to_f32(src: &[bf16], dst: &mut [f32]) = lowp::bf16_to_f32_lanes::<L>(src, dst);
                fn f32_to_bf16(src: &[f32], dst: &mut [bf16]) = lowp::f32_to_bf16_loop(src, dst);
                fn adam_f32(c: &crate::optim::AdamRule<f32>, p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], q: &mut [f32]) -> bool =
                    crate::optim::adam_lanes::<L, f32>(c, p, g, m, v, q);
                fn adam_bf16(c: &crate::optim::AdamRule<f32>, p: &mut [f32], g: &[f32], m: &mut [bf16], v: &mut [bf16], q: &mut [bf16]) -> bool =
                    crate::optim::adam_lanes::<L, bf16>(c, p, g, m, v, q);
                fn adam_f16(c: &crate::optim::AdamRule<f32>, p: &mut [f32], g: &[f32], m: &mut [f16], v: &mut [f16], q: &mut [f16]) -> bool =
                    crate::optim::adam_lanes::<L, f16>(c, p, g, m, v, q);
            }

            pub(crate) static TABLE: Kernels = Kernels {
                level: $level,
                dot, axpy, scale, add, sub, mul, sum, max, norm2, gemv, gemv_t, sweep, gemm, ger,
                exp_slice, sqrt_slice, log_sum_exp, softmax,
                exp_affine_sum, exp_affine_acc, sq_dist_row_2d,
                dot_f16, gemv_f16, gemv_bf16, gemv_t_bf16, sweep_bf16, f16_to_f32, f32_to_f16, bf16_to_f32, f32_to_bf16,
                adam_f32, adam_bf16, adam_f16,
            };
        }
        pub(crate) use tbl::TABLE as $table;
    };
}
