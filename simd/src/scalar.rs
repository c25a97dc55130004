//! Scalar reference kernels, generic over f32 and f64 through [`Float`].
//!
//! This is the path every target without SIMD runs (Cortex-M4F included), and the path the
//! host is forced onto to reproduce device results bit for bit: fixed operation order and no
//! fused multiply-add (Rust never contracts `a*b+c`).

use crate::Trans;

/// The two element types of the scalar kernels.
pub trait Float:
    Copy
    + PartialOrd
    + core::ops::Add<Output = Self>
    + core::ops::Sub<Output = Self>
    + core::ops::Mul<Output = Self>
    + core::ops::Div<Output = Self>
    + core::ops::AddAssign
    + core::ops::MulAssign
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// -inf.
    const NEG_INFINITY: Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// `e^x` (f32: [`exp_f32`]; f64: `libm::exp`).
    fn exp(self) -> Self;
    /// `ln x` (f32: [`ln_f32`]; f64: `libm::log`).
    fn ln(self) -> Self;
    /// True for NaN.
    fn is_nan(self) -> bool;
}

impl Float for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const NEG_INFINITY: Self = f32::NEG_INFINITY;
    #[inline]
    fn sqrt(self) -> Self {
        libm::sqrtf(self)
    }
    #[inline]
    fn exp(self) -> Self {
        exp_f32(self)
    }
    #[inline]
    fn ln(self) -> Self {
        ln_f32(self)
    }
    #[inline]
    fn is_nan(self) -> bool {
        f32::is_nan(self)
    }
}

impl Float for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const NEG_INFINITY: Self = f64::NEG_INFINITY;
    #[inline]
    fn sqrt(self) -> Self {
        libm::sqrt(self)
    }
    #[inline]
    fn exp(self) -> Self {
        libm::exp(self)
    }
    #[inline]
    fn ln(self) -> Self {
        libm::log(self)
    }
    #[inline]
    fn is_nan(self) -> bool {
        f64::is_nan(self)
    }
}

/// `e^x` for f32. PLACEHOLDER: libm until the crate's own form lands.
#[inline]
#[must_use]
pub fn exp_f32(x: f32) -> f32 {
    libm::expf(x)
}

/// `ln x` for f32. PLACEHOLDER: libm until the crate's own form lands.
#[inline]
#[must_use]
pub fn ln_f32(x: f32) -> f32 {
    libm::logf(x)
}

/// Dot product over the common prefix.
#[inline]
pub fn dot<T: Float>(a: &[T], b: &[T]) -> T {
    debug_assert_eq!(a.len(), b.len());
    let mut s = T::ZERO;
    for (&x, &y) in a.iter().zip(b) {
        s += x * y;
    }
    s
}

/// `y += alpha x`.
#[inline]
pub fn axpy<T: Float>(alpha: T, x: &[T], y: &mut [T]) {
    debug_assert_eq!(x.len(), y.len());
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// `x *= alpha`.
#[inline]
pub fn scale<T: Float>(alpha: T, x: &mut [T]) {
    for xi in x {
        *xi *= alpha;
    }
}

/// Applies `f` elementwise: `out[i] = f(a[i], b[i])`.
#[inline]
pub fn zip_map<T: Float>(a: &[T], b: &[T], out: &mut [T], f: impl Fn(T, T) -> T) {
    debug_assert!(a.len() == b.len() && a.len() == out.len());
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        *o = f(x, y);
    }
}

/// `out = a + b`.
#[inline]
pub fn add<T: Float>(a: &[T], b: &[T], out: &mut [T]) {
    zip_map(a, b, out, |x, y| x + y)
}

/// `out = a - b`.
#[inline]
pub fn sub<T: Float>(a: &[T], b: &[T], out: &mut [T]) {
    zip_map(a, b, out, |x, y| x - y)
}

/// `out = a * b`.
#[inline]
pub fn mul<T: Float>(a: &[T], b: &[T], out: &mut [T]) {
    zip_map(a, b, out, |x, y| x * y)
}

/// `Σ x`.
#[inline]
pub fn sum<T: Float>(x: &[T]) -> T {
    let mut s = T::ZERO;
    for &xi in x {
        s += xi;
    }
    s
}

/// Largest element (`-inf` if empty, NaN if any is NaN).
#[inline]
pub fn max<T: Float>(x: &[T]) -> T {
    let mut m = T::NEG_INFINITY;
    for &xi in x {
        if xi.is_nan() {
            return xi;
        }
        if xi > m {
            m = xi;
        }
    }
    m
}

/// Index of the first largest element (`None` if empty or any NaN).
#[inline]
pub fn argmax<T: Float>(x: &[T]) -> Option<usize> {
    let mut best: Option<(usize, T)> = None;
    for (i, &xi) in x.iter().enumerate() {
        if xi.is_nan() {
            return None;
        }
        match best {
            Some((_, b)) if xi <= b => {}
            _ => best = Some((i, xi)),
        }
    }
    best.map(|(i, _)| i)
}

/// `√Σ x²`.
#[inline]
pub fn norm2<T: Float>(x: &[T]) -> T {
    dot(x, x).sqrt()
}

/// `y = alpha A x + beta y` (row-major `m × n`, stride `lda`).
#[allow(clippy::too_many_arguments)]
pub fn gemv<T: Float>(m: usize, n: usize, alpha: T, a: &[T], lda: usize, x: &[T], beta: T, y: &mut [T]) {
    for (i, yi) in y.iter_mut().take(m).enumerate() {
        let row = a.get(i * lda..i * lda + n).unwrap_or(&[]);
        let acc = alpha * dot(row, x.get(..n).unwrap_or(x));
        *yi = if beta == T::ZERO { acc } else { acc + beta * *yi };
    }
}

/// `y = alpha Aᵀ x + beta y` (row-major `m × n`, stride `lda`).
#[allow(clippy::too_many_arguments)]
pub fn gemv_t<T: Float>(m: usize, n: usize, alpha: T, a: &[T], lda: usize, x: &[T], beta: T, y: &mut [T]) {
    let y = match y.get_mut(..n) {
        Some(y) => y,
        None => return,
    };
    if beta == T::ZERO {
        y.fill(T::ZERO);
    } else {
        scale(beta, y);
    }
    for (i, &xi) in x.iter().take(m).enumerate() {
        if let Some(row) = a.get(i * lda..i * lda + n) {
            axpy(alpha * xi, row, y);
        }
    }
}

/// `C = alpha op(A) op(B) + beta C` (row-major).
#[allow(clippy::too_many_arguments)]
pub fn gemm<T: Float>(
    ta: Trans,
    tb: Trans,
    m: usize,
    n: usize,
    k: usize,
    alpha: T,
    a: &[T],
    lda: usize,
    b: &[T],
    ldb: usize,
    beta: T,
    c: &mut [T],
    ldc: usize,
) {
    let at = |i: usize, p: usize| -> T {
        let idx = match ta {
            Trans::No => i * lda + p,
            Trans::Yes => p * lda + i,
        };
        a.get(idx).copied().unwrap_or(T::ZERO)
    };
    let bt = |p: usize, j: usize| -> T {
        let idx = match tb {
            Trans::No => p * ldb + j,
            Trans::Yes => j * ldb + p,
        };
        b.get(idx).copied().unwrap_or(T::ZERO)
    };
    for i in 0..m {
        for j in 0..n {
            let mut s = T::ZERO;
            for p in 0..k {
                s += at(i, p) * bt(p, j);
            }
            if let Some(cij) = c.get_mut(i * ldc + j) {
                *cij = if beta == T::ZERO { alpha * s } else { alpha * s + beta * *cij };
            }
        }
    }
}

/// `A += alpha x yᵀ`.
pub fn ger<T: Float>(alpha: T, x: &[T], y: &[T], a: &mut [T], lda: usize) {
    for (i, &xi) in x.iter().enumerate() {
        if let Some(row) = a.get_mut(i * lda..i * lda + y.len()) {
            axpy(alpha * xi, y, row);
        }
    }
}

/// In place `x = e^x`.
#[inline]
pub fn exp_slice<T: Float>(x: &mut [T]) {
    for xi in x {
        *xi = xi.exp();
    }
}

/// Stable `ln Σ e^x`.
pub fn log_sum_exp<T: Float>(x: &[T]) -> T {
    let m = max(x);
    if m.is_nan() || m == T::NEG_INFINITY {
        return m;
    }
    let mut s = T::ZERO;
    for &xi in x {
        s += (xi - m).exp();
    }
    m + s.ln()
}

/// In place stable softmax.
pub fn softmax<T: Float>(x: &mut [T]) {
    let m = max(x);
    let mut s = T::ZERO;
    for xi in x.iter_mut() {
        *xi = (*xi - m).exp();
        s += *xi;
    }
    let inv = T::ONE / s;
    scale(inv, x);
}
