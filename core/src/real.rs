//! [`Real`]: the element type of every kernel (f32 or f64).
//!
//! f32 slice operations dispatch to `ferrokern-simd`'s active SIMD path; f64 ones run its scalar
//! path. Transcendentals are `ferrokern-simd`'s own `exp`/`ln` (f32) or `libm` (f64), never
//! `std`, so host and device agree to the bit.

use core::fmt::{Debug, Display};
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use crate::{Error, Result};
pub use ferrokern_simd::Trans;

/// A floating-point element type: f32 (shipped SIMD path) or f64 (scalar reference path).
pub trait Real:
    Copy
    + Debug
    + Display
    + Default
    + PartialOrd
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// 0.5.
    const HALF: Self;
    /// Machine epsilon.
    const EPSILON: Self;
    /// +inf.
    const INFINITY: Self;
    /// -inf.
    const NEG_INFINITY: Self;
    /// Largest finite value.
    const MAX: Self;
    /// Smallest positive normal value.
    const MIN_POSITIVE: Self;
    /// Name for reports: "f32" / "f64".
    const NAME: &'static str;

    /// Rounds an f64 to this type.
    fn from_f64(x: f64) -> Self;
    /// Widens/keeps as f64.
    fn to_f64(self) -> f64;
    /// Converts a count.
    fn from_usize(n: usize) -> Self;
    /// Converts from f32.
    fn from_f32(x: f32) -> Self;
    /// Rounds to f32.
    fn to_f32(self) -> f32;

    /// |x|.
    fn abs(self) -> Self;
    /// √x.
    fn sqrt(self) -> Self;
    /// e^x.
    fn exp(self) -> Self;
    /// ln x.
    fn ln(self) -> Self;
    /// tanh x (`libm`).
    fn tanh(self) -> Self;
    /// x^y (`libm`).
    fn powf(self, y: Self) -> Self;
    /// x^n by repeated squaring (exact operation order on every target).
    fn powi(self, n: i32) -> Self {
        let mut base = if n < 0 { Self::ONE / self } else { self };
        let mut e = n.unsigned_abs();
        let mut acc = Self::ONE;
        while e > 0 {
            if e & 1 == 1 {
                acc *= base;
            }
            base *= base;
            e >>= 1;
        }
        acc
    }
    /// Larger of two (NaN-ignoring like `f32::max`).
    fn max(self, other: Self) -> Self;
    /// Smaller of two.
    fn min(self, other: Self) -> Self;
    /// Neither NaN nor infinite.
    fn is_finite(self) -> bool;
    /// Every element is finite (branch-free; see [`check_finite`] for the first bad index).
    fn all_finite(x: &[Self]) -> bool;
    /// Logistic sigmoid `1/(1+e^-x)`, evaluated without overflow for either sign.
    fn sigmoid(self) -> Self {
        if self >= Self::ZERO {
            Self::ONE / (Self::ONE + (-self).exp())
        } else {
            let e = self.exp();
            e / (Self::ONE + e)
        }
    }

    /// `Σ a·b`.
    fn dot(a: &[Self], b: &[Self]) -> Self;
    /// `y += alpha·x`.
    fn axpy(alpha: Self, x: &[Self], y: &mut [Self]);
    /// `x *= alpha`.
    fn scale(alpha: Self, x: &mut [Self]);
    /// `out = a + b`.
    fn add(a: &[Self], b: &[Self], out: &mut [Self]);
    /// `out = a - b`.
    fn sub(a: &[Self], b: &[Self], out: &mut [Self]);
    /// `out = a ⊙ b`.
    fn mul(a: &[Self], b: &[Self], out: &mut [Self]);
    /// `Σ x`.
    fn sum(x: &[Self]) -> Self;
    /// Largest element (`-inf` if empty).
    fn max_of(x: &[Self]) -> Self;
    /// First index of the largest element.
    fn argmax(x: &[Self]) -> Option<usize>;
    /// `‖x‖₂`.
    fn norm2(x: &[Self]) -> Self;
    /// `y = alpha·A·x + beta·y` (see `ferrokern_simd::gemv`).
    #[allow(clippy::too_many_arguments)]
    fn gemv(m: usize, n: usize, alpha: Self, a: &[Self], lda: usize, x: &[Self], beta: Self, y: &mut [Self]);
    /// `y = alpha·Aᵀ·x + beta·y` (see `ferrokern_simd::gemv_t`).
    #[allow(clippy::too_many_arguments)]
    fn gemv_t(
        m: usize,
        n: usize,
        alpha: Self,
        a: &[Self],
        lda: usize,
        x: &[Self],
        beta: Self,
        y: &mut [Self],
    );
    /// `kv = A·x`, `u = r ⊘ kv`, `y = Aᵀ·u` in one pass over `A` (row-major `m × n`, stride
    /// `lda`; see `ferrokern_simd::sweep`): bit-identical to [`Real::gemv`] (`alpha = 1`,
    /// `beta = 0`), the division and [`Real::gemv_t`] (`alpha = 1`, `beta = 0`).
    #[allow(clippy::too_many_arguments)]
    fn sweep(
        m: usize,
        n: usize,
        a: &[Self],
        lda: usize,
        x: &[Self],
        r: &[Self],
        kv: &mut [Self],
        u: &mut [Self],
        y: &mut [Self],
    );
    /// `C = alpha·op(A)·op(B) + beta·C` (see `ferrokern_simd::gemm`).
    #[allow(clippy::too_many_arguments)]
    fn gemm(
        ta: Trans,
        tb: Trans,
        m: usize,
        n: usize,
        k: usize,
        alpha: Self,
        a: &[Self],
        lda: usize,
        b: &[Self],
        ldb: usize,
        beta: Self,
        c: &mut [Self],
        ldc: usize,
    );
    /// `A += alpha·x·yᵀ`.
    fn ger(alpha: Self, x: &[Self], y: &[Self], a: &mut [Self], lda: usize);
    /// In place `x = e^x`.
    fn exp_slice(x: &mut [Self]);
    /// Stable `ln Σ e^x`.
    fn log_sum_exp(x: &[Self]) -> Self;
    /// In place stable softmax.
    fn softmax(x: &mut [Self]);
    /// `Σ_j e^(a·x_j + (v_j + b))`, not max-shifted: the caller picks `b` so the terms stay in
    /// range (see `ferrokern_simd::exp_affine_sum`).
    fn exp_affine_sum(a: Self, x: &[Self], v: &[Self], b: Self) -> Self;
    /// `acc_j += e^(a·x_j + (v_j + b))` (see `ferrokern_simd::exp_affine_acc`).
    fn exp_affine_acc(a: Self, x: &[Self], v: &[Self], b: Self, acc: &mut [Self]);
    /// `out_j = ((p0 − y_2j)² + (p1 − y_2j+1)²) / div` for interleaved 2-D points `y` (see
    /// `ferrokern_simd::sq_dist_row_2d`; the same bits on every path).
    fn sq_dist_row_2d(p: [Self; 2], y: &[Self], div: Self, out: &mut [Self]);
    /// `y = alpha·A·x + beta·y` with `A` stored as bf16 (see `ferrokern_simd::gemv_bf16`;
    /// f64 widens each row in scalar code).
    #[cfg(feature = "f16")]
    #[allow(clippy::too_many_arguments)]
    fn gemv_bf16(
        m: usize,
        n: usize,
        alpha: Self,
        a: &[bf16],
        lda: usize,
        x: &[Self],
        beta: Self,
        y: &mut [Self],
    );
    /// `y = alpha·Aᵀ·x + beta·y` with `A` stored as bf16 (see `ferrokern_simd::gemv_t_bf16`;
    /// f64 widens each row in scalar code).
    #[cfg(feature = "f16")]
    #[allow(clippy::too_many_arguments)]
    fn gemv_t_bf16(
        m: usize,
        n: usize,
        alpha: Self,
        a: &[bf16],
        lda: usize,
        x: &[Self],
        beta: Self,
        y: &mut [Self],
    );
    /// [`Real::sweep`] with `A` stored as bf16 (see `ferrokern_simd::sweep_bf16`): bit-identical
    /// to [`Real::gemv_bf16`], the division and [`Real::gemv_t_bf16`].
    #[cfg(feature = "f16")]
    #[allow(clippy::too_many_arguments)]
    fn sweep_bf16(
        m: usize,
        n: usize,
        a: &[bf16],
        lda: usize,
        x: &[Self],
        r: &[Self],
        kv: &mut [Self],
        u: &mut [Self],
        y: &mut [Self],
    );
}

#[cfg(feature = "f16")]
use ferrokern_simd::bf16;

macro_rules! slice_ops {
    ($t:ty, $m:path) => {
        fn dot(a: &[Self], b: &[Self]) -> Self {
            {
                use $m as k;
                k::dot(a, b)
            }
        }
        fn axpy(alpha: Self, x: &[Self], y: &mut [Self]) {
            {
                use $m as k;
                k::axpy(alpha, x, y)
            }
        }
        fn scale(alpha: Self, x: &mut [Self]) {
            {
                use $m as k;
                k::scale(alpha, x)
            }
        }
        fn add(a: &[Self], b: &[Self], out: &mut [Self]) {
            {
                use $m as k;
                k::add(a, b, out)
            }
        }
        fn sub(a: &[Self], b: &[Self], out: &mut [Self]) {
            {
                use $m as k;
                k::sub(a, b, out)
            }
        }
        fn mul(a: &[Self], b: &[Self], out: &mut [Self]) {
            {
                use $m as k;
                k::mul(a, b, out)
            }
        }
        fn sum(x: &[Self]) -> Self {
            {
                use $m as k;
                k::sum(x)
            }
        }
        fn max_of(x: &[Self]) -> Self {
            {
                use $m as k;
                k::max(x)
            }
        }
        fn argmax(x: &[Self]) -> Option<usize> {
            {
                use $m as k;
                k::argmax(x)
            }
        }
        fn norm2(x: &[Self]) -> Self {
            {
                use $m as k;
                k::norm2(x)
            }
        }
        fn gemv(
            m: usize,
            n: usize,
            alpha: Self,
            a: &[Self],
            lda: usize,
            x: &[Self],
            beta: Self,
            y: &mut [Self],
        ) {
            {
                use $m as k;
                k::gemv(m, n, alpha, a, lda, x, beta, y)
            }
        }
        fn gemv_t(
            m: usize,
            n: usize,
            alpha: Self,
            a: &[Self],
            lda: usize,
            x: &[Self],
            beta: Self,
            y: &mut [Self],
        ) {
            {
                use $m as k;
                k::gemv_t(m, n, alpha, a, lda, x, beta, y)
            }
        }
        fn sweep(
            m: usize,
            n: usize,
            a: &[Self],
            lda: usize,
            x: &[Self],
            r: &[Self],
            kv: &mut [Self],
            u: &mut [Self],
            y: &mut [Self],
        ) {
            {
                use $m as k;
                k::sweep(m, n, a, lda, x, r, kv, u, y)
            }
        }
        fn gemm(
            ta: Trans,
            tb: Trans,
            m: usize,
            n: usize,
            kk: usize,
            alpha: Self,
            a: &[Self],
            lda: usize,
            b: &[Self],
            ldb: usize,
            beta: Self,
            c: &mut [Self],
            ldc: usize,
        ) {
            {
                use $m as k;
                k::gemm(ta, tb, m, n, kk, alpha, a, lda, b, ldb, beta, c, ldc)
            }
        }
        fn ger(alpha: Self, x: &[Self], y: &[Self], a: &mut [Self], lda: usize) {
            {
                use $m as k;
                k::ger(alpha, x, y, a, lda)
            }
        }
        fn exp_slice(x: &mut [Self]) {
            {
                use $m as k;
                k::exp_slice(x)
            }
        }
        fn log_sum_exp(x: &[Self]) -> Self {
            {
                use $m as k;
                k::log_sum_exp(x)
            }
        }
        fn softmax(x: &mut [Self]) {
            {
                use $m as k;
                k::softmax(x)
            }
        }
        fn exp_affine_sum(a: Self, x: &[Self], v: &[Self], b: Self) -> Self {
            {
                use $m as k;
                k::exp_affine_sum(a, x, v, b)
            }
        }
        fn exp_affine_acc(a: Self, x: &[Self], v: &[Self], b: Self, acc: &mut [Self]) {
            {
                use $m as k;
                k::exp_affine_acc(a, x, v, b, acc)
            }
        }
        fn sq_dist_row_2d(p: [Self; 2], y: &[Self], div: Self, out: &mut [Self]) {
            {
                use $m as k;
                k::sq_dist_row_2d(p, y, div, out)
            }
        }
    };
}

impl Real for f32 {
    #[cfg(feature = "f16")]
    fn gemv_bf16(
        m: usize,
        n: usize,
        alpha: Self,
        a: &[bf16],
        lda: usize,
        x: &[Self],
        beta: Self,
        y: &mut [Self],
    ) {
        ferrokern_simd::gemv_bf16(m, n, alpha, a, lda, x, beta, y)
    }
    #[cfg(feature = "f16")]
    fn gemv_t_bf16(
        m: usize,
        n: usize,
        alpha: Self,
        a: &[bf16],
        lda: usize,
        x: &[Self],
        beta: Self,
        y: &mut [Self],
    ) {
        ferrokern_simd::gemv_t_bf16(m, n, alpha, a, lda, x, beta, y)
    }
    #[cfg(feature = "f16")]
    fn sweep_bf16(
        m: usize,
        n: usize,
        a: &[bf16],
        lda: usize,
        x: &[Self],
        r: &[Self],
        kv: &mut [Self],
        u: &mut [Self],
        y: &mut [Self],
    ) {
        ferrokern_simd::sweep_bf16(m, n, a, lda, x, r, kv, u, y)
    }
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const HALF: Self = 0.5;
    const EPSILON: Self = f32::EPSILON;
    const INFINITY: Self = f32::INFINITY;
    const NEG_INFINITY: Self = f32::NEG_INFINITY;
    const MAX: Self = f32::MAX;
    const MIN_POSITIVE: Self = f32::MIN_POSITIVE;
    const NAME: &'static str = "f32";

    fn from_f64(x: f64) -> Self {
        x as f32
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn from_usize(n: usize) -> Self {
        n as f32
    }
    fn from_f32(x: f32) -> Self {
        x
    }
    fn to_f32(self) -> f32 {
        self
    }
    fn abs(self) -> Self {
        libm::fabsf(self)
    }
    fn sqrt(self) -> Self {
        <f32 as ferrokern_simd::scalar::Float>::sqrt(self)
    }
    fn exp(self) -> Self {
        ferrokern_simd::exp(self)
    }
    fn ln(self) -> Self {
        ferrokern_simd::ln(self)
    }
    fn tanh(self) -> Self {
        libm::tanhf(self)
    }
    fn powf(self, y: Self) -> Self {
        libm::powf(self, y)
    }
    fn max(self, other: Self) -> Self {
        libm::fmaxf(self, other)
    }
    fn min(self, other: Self) -> Self {
        libm::fminf(self, other)
    }
    fn is_finite(self) -> bool {
        f32::is_finite(self)
    }
    fn all_finite(x: &[Self]) -> bool {
        ferrokern_simd::scalar::all_finite(x)
    }
    slice_ops!(f32, ferrokern_simd);
}

impl Real for f64 {
    #[cfg(feature = "f16")]
    fn gemv_bf16(
        m: usize,
        n: usize,
        alpha: Self,
        a: &[bf16],
        lda: usize,
        x: &[Self],
        beta: Self,
        y: &mut [Self],
    ) {
        let rows = a.chunks(lda.max(1)).take(m);
        for (yi, r) in y.iter_mut().zip(rows) {
            let s = ferrokern_simd::scalar::dot_with(r.get(..n).unwrap_or(r), x, |v| f64::from(v.to_f32()));
            *yi = if beta == Self::ZERO { alpha * s } else { alpha * s + beta * *yi };
        }
    }
    #[cfg(feature = "f16")]
    fn gemv_t_bf16(
        m: usize,
        n: usize,
        alpha: Self,
        a: &[bf16],
        lda: usize,
        x: &[Self],
        beta: Self,
        y: &mut [Self],
    ) {
        let y = y.get_mut(..n).unwrap_or(&mut []);
        if beta == Self::ZERO {
            y.iter_mut().for_each(|v| *v = Self::ZERO);
        } else {
            Self::scale(beta, y);
        }
        for (&xi, r) in x.iter().zip(a.chunks(lda.max(1)).take(m)) {
            let r = r.get(..n).unwrap_or(r);
            ferrokern_simd::scalar::axpy_rows_with([alpha * xi], [r], y, |v| f64::from(v.to_f32()));
        }
    }
    #[cfg(feature = "f16")]
    fn sweep_bf16(
        m: usize,
        n: usize,
        a: &[bf16],
        lda: usize,
        x: &[Self],
        r: &[Self],
        kv: &mut [Self],
        u: &mut [Self],
        y: &mut [Self],
    ) {
        // The scalar four-row dot and row adds equal the per-row forms above bit for bit.
        ferrokern_simd::scalar::sweep_with(m, n, a, lda, x, r, kv, u, y, |v| f64::from(v.to_f32()))
    }
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const HALF: Self = 0.5;
    const EPSILON: Self = f64::EPSILON;
    const INFINITY: Self = f64::INFINITY;
    const NEG_INFINITY: Self = f64::NEG_INFINITY;
    const MAX: Self = f64::MAX;
    const MIN_POSITIVE: Self = f64::MIN_POSITIVE;
    const NAME: &'static str = "f64";

    fn from_f64(x: f64) -> Self {
        x
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn from_usize(n: usize) -> Self {
        n as f64
    }
    fn from_f32(x: f32) -> Self {
        f64::from(x)
    }
    fn to_f32(self) -> f32 {
        self as f32
    }
    fn abs(self) -> Self {
        libm::fabs(self)
    }
    fn sqrt(self) -> Self {
        libm::sqrt(self)
    }
    fn exp(self) -> Self {
        libm::exp(self)
    }
    fn ln(self) -> Self {
        libm::log(self)
    }
    fn tanh(self) -> Self {
        libm::tanh(self)
    }
    fn powf(self, y: Self) -> Self {
        libm::pow(self, y)
    }
    fn max(self, other: Self) -> Self {
        libm::fmax(self, other)
    }
    fn min(self, other: Self) -> Self {
        libm::fmin(self, other)
    }
    fn is_finite(self) -> bool {
        f64::is_finite(self)
    }
    /// A test of the exponent bits per element: on soft-float targets (Cortex-M) a multiply
    /// by zero, as the f32 form uses, would be a library call per element.
    fn all_finite(x: &[Self]) -> bool {
        ferrokern_simd::scalar::all_finite_by_test(x)
    }
    slice_ops!(f64, ferrokern_simd::f64);
}

/// Returns [`Error::NonFinite`] naming the first NaN/inf element of `x`. O(n), read-only.
pub fn check_finite<T: Real>(what: &'static str, x: &[T]) -> Result<()> {
    // Whole chunks are tested without an early exit (a loop LLVM vectorises; an early-exit
    // `position` is not), and only a chunk holding a bad value is searched for its index.
    const CHUNK: usize = 256;
    for (k, chunk) in x.chunks(CHUNK).enumerate() {
        if !T::all_finite(chunk) {
            let i = chunk.iter().position(|v| !v.is_finite()).unwrap_or(0);
            return Err(Error::NonFinite { what, index: k.saturating_mul(CHUNK).saturating_add(i) });
        }
    }
    Ok(())
}

/// Returns [`Error::InvalidParameter`] unless `x` is finite and `> 0`.
pub fn check_positive<T: Real>(name: &'static str, x: T) -> Result<()> {
    if x.is_finite() && x > T::ZERO {
        Ok(())
    } else {
        Err(Error::InvalidParameter { name, reason: "must be finite and > 0" })
    }
}
