//! Scalar reference kernels, generic over f32 and f64 through [`Float`].
//!
//! This is the path every target without SIMD runs (Cortex-M4F included), and the path the
//! host is forced onto to reproduce device results bit for bit: fixed operation order and no
//! fused multiply-add (Rust never contracts `a*b+c`).

use crate::compose::{self, Prims};
pub use crate::exp::{exp_f32, ln_f32};
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
    /// +inf.
    const INFINITY: Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// `e^x` (f32: [`exp_f32`]; f64: `libm::exp`).
    fn exp(self) -> Self;
    /// `ln x` (f32: [`ln_f32`]; f64: `libm::log`).
    fn ln(self) -> Self;
    /// True for NaN.
    fn is_nan(self) -> bool;
    /// Neither NaN nor infinite.
    fn is_finite(self) -> bool;
    /// `acc[k] += a[c][k]·b[c][k]` for every chunk `c` in order, over the common prefix: the
    /// loop of [`dot`]. f32 on hard-float Cortex-M runs it in FPU assembly (same operations,
    /// same order; 2 instead of 4 instructions per element).
    #[inline]
    fn mac_chunks(acc: &mut [Self; 4], a: &[[Self; 4]], b: &[[Self; 4]]) {
        mac_chunks_with(acc, a, b, &|v| v);
    }
    /// `acc[r][k] += rows[r][c][k]·x[c][k]` for every chunk `c` in order, over the common
    /// prefix: the loop of [`dot4`]. f32 on hard-float Cortex-M runs it in FPU assembly (1.44
    /// instead of 2.7 instructions per multiply-add).
    #[inline]
    fn mac_chunks4(acc: &mut [[Self; 4]; 4], rows: [&[[Self; 4]]; 4], x: &[[Self; 4]]) {
        mac_chunks4_with(acc, rows, x, &|v| v);
    }
    /// `y[c][j] += Σ_k alphas[k]·rows[k][c][j]` for every chunk `c`, added in order
    /// `k = 0, 1, …` per element, over the common prefix: the loop of [`axpy_rows`] (and so of
    /// [`axpy`], `gemv_t`, `ger` and `gemm`'s `Aᵀ·B`/`A·B`). f32 on hard-float Cortex-M runs `K`
    /// = 1 and 4 in FPU assembly (2.25 and 1.5 instead of 10 and 3.9 instructions per element
    /// and row).
    #[inline]
    fn axpy_chunks<const K: usize>(alphas: [Self; K], rows: [&[[Self; 4]]; K], y: &mut [[Self; 4]]) {
        axpy_chunks_with(alphas, rows, y, &|v| v);
    }
    /// `out[c][k] = ((p0 − y[c][2k])² + (p1 − y[c][2k+1])²) / div` for every chunk `c` of four
    /// interleaved 2-D points, over the common prefix: the loop of [`sq_dist_row_2d`] (the
    /// streaming Sinkhorn cost rows). f32 on hard-float Cortex-M runs it in FPU assembly (6
    /// instructions per point).
    #[inline]
    fn sq_dist_chunks(p: [Self; 2], y: &[[Self; 8]], div: Self, out: &mut [[Self; 4]]) {
        for (o, q) in out.iter_mut().zip(y) {
            for (ok, qk) in o.iter_mut().zip(q.as_chunks::<2>().0) {
                *ok = sq_dist_2d(p, *qk, div);
            }
        }
    }
    /// `x[i] = e^x[i]` in place (f32: [`exp_f32`], f64: `libm::exp`): the loop of
    /// [`exp_slice`]. f32 on hard-float Cortex-M runs the fast path in FPU assembly, two
    /// elements at a time (17.5 instead of 28 instructions per element).
    #[inline]
    fn exp_in_place(x: &mut [Self]) {
        for xi in x {
            *xi = xi.exp();
        }
    }
    /// `x[i] = e^(x[i] − shift)` in place, returning their sum in order: [`exp_shifted`]
    /// (softmax, log-sum-exp). f32 on hard-float Cortex-M runs exp's fast path in FPU assembly,
    /// two elements at a time, with the shift and the sum in the same loop.
    #[inline]
    fn exp_shifted(x: &mut [Self], shift: Self) -> Self {
        let mut s = Self::ZERO;
        for xi in x {
            *xi = (*xi - shift).exp();
            s += *xi;
        }
        s
    }
    /// `Σ_j exp(a·x_j + (v_j + b))` in order: [`exp_affine_sum`] (the streaming Sinkhorn
    /// rows). f32 on hard-float Cortex-M runs exp's fast path in FPU assembly, two elements
    /// at a time, with the exponent and the sum in the same loop.
    #[inline]
    fn exp_affine_sum(a: Self, x: &[Self], v: &[Self], b: Self) -> Self {
        let mut s = Self::ZERO;
        for (&xj, &vj) in x.iter().zip(v) {
            s += exp_affine_term(a, xj, vj, b);
        }
        s
    }
    /// `acc_j += exp(a·x_j + (v_j + b))`: [`exp_affine_acc`]; assembly as
    /// [`Float::exp_affine_sum`].
    #[inline]
    fn exp_affine_acc(a: Self, x: &[Self], v: &[Self], b: Self, acc: &mut [Self]) {
        for ((o, &xj), &vj) in acc.iter_mut().zip(x).zip(v) {
            *o += exp_affine_term(a, xj, vj, b);
        }
    }
    /// `acc[k] += a[c][k]·0` for every chunk `c`: the loop of [`all_finite_by_sums`]. f32 on
    /// hard-float Cortex-M runs it in FPU assembly (1.4 instead of 2.5 instructions per
    /// element).
    #[inline]
    fn mac_zero_chunks(acc: &mut [Self; 4], a: &[[Self; 4]]) {
        let zeros = [Self::ZERO; 4];
        for c in a {
            mac4(acc, c, &zeros, &|v| v);
        }
    }
}

impl Float for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const NEG_INFINITY: Self = f32::NEG_INFINITY;
    const INFINITY: Self = f32::INFINITY;
    /// Correctly rounded (IEEE), so every form gives the same bits: `libm::sqrtf`; on
    /// hard-float Cortex-M one `VSQRT.F32` (libm has no Arm path there: its software square
    /// root was 15 % of the instructions of the `finetune` firmware run).
    #[inline]
    fn sqrt(self) -> Self {
        // miri cannot run libm's x86 inline assembly; std's sqrt is the same IEEE operation.
        #[cfg(all(miri, feature = "std"))]
        return f32::sqrt(self);
        #[cfg(ferrokern_cortex_m_fpu)]
        return crate::vfp::sqrt(self);
        #[cfg(not(any(all(miri, feature = "std"), ferrokern_cortex_m_fpu)))]
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
    #[inline]
    fn is_finite(self) -> bool {
        f32::is_finite(self)
    }
    #[cfg(ferrokern_cortex_m_fpu)]
    #[inline]
    fn mac_chunks(acc: &mut [Self; 4], a: &[[Self; 4]], b: &[[Self; 4]]) {
        crate::vfp::mac_chunks(acc, a, b);
    }
    #[cfg(ferrokern_cortex_m_fpu)]
    #[inline]
    fn mac_chunks4(acc: &mut [[Self; 4]; 4], rows: [&[[Self; 4]]; 4], x: &[[Self; 4]]) {
        crate::vfp::mac_chunks4(acc, rows, x);
    }
    #[cfg(ferrokern_cortex_m_fpu)]
    #[inline]
    fn axpy_chunks<const K: usize>(alphas: [Self; K], rows: [&[[Self; 4]]; K], y: &mut [[Self; 4]]) {
        match (alphas.as_slice(), rows.as_slice()) {
            (&[a], &[r]) => crate::vfp::axpy_chunks(a, r, y),
            (&[a0, a1, a2, a3], &[r0, r1, r2, r3]) => {
                crate::vfp::axpy4_chunks([a0, a1, a2, a3], [r0, r1, r2, r3], y)
            }
            _ => axpy_chunks_with(alphas, rows, y, &|v| v),
        }
    }
    #[cfg(ferrokern_cortex_m_fpu)]
    #[inline]
    fn sq_dist_chunks(p: [Self; 2], y: &[[Self; 8]], div: Self, out: &mut [[Self; 4]]) {
        crate::vfp::sq_dist_chunks(p, y, div, out);
    }
    #[cfg(ferrokern_cortex_m_fpu)]
    #[inline]
    fn exp_in_place(x: &mut [Self]) {
        crate::vfp::exp_slice(x);
    }
    #[cfg(ferrokern_cortex_m_fpu)]
    #[inline]
    fn exp_shifted(x: &mut [Self], shift: Self) -> Self {
        crate::vfp::exp_shifted(x, shift)
    }
    #[cfg(ferrokern_cortex_m_fpu)]
    #[inline]
    fn exp_affine_sum(a: Self, x: &[Self], v: &[Self], b: Self) -> Self {
        crate::vfp::exp_affine_sum(a, x, v, b)
    }
    #[cfg(ferrokern_cortex_m_fpu)]
    #[inline]
    fn exp_affine_acc(a: Self, x: &[Self], v: &[Self], b: Self, acc: &mut [Self]) {
        crate::vfp::exp_affine_acc(a, x, v, b, acc);
    }
    #[cfg(ferrokern_cortex_m_fpu)]
    #[inline]
    fn mac_zero_chunks(acc: &mut [Self; 4], a: &[[Self; 4]]) {
        let (pairs, odd) = a.as_chunks::<2>();
        crate::vfp::mac_zero_chunk_pairs(acc, pairs);
        if let [c] = odd {
            mac4(acc, c, &[0.0; 4], &|v| v);
        }
    }
}

impl Float for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const NEG_INFINITY: Self = f64::NEG_INFINITY;
    const INFINITY: Self = f64::INFINITY;
    #[inline]
    fn sqrt(self) -> Self {
        #[cfg(all(miri, feature = "std"))]
        return f64::sqrt(self);
        #[cfg(not(all(miri, feature = "std")))]
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
    #[inline]
    fn is_finite(self) -> bool {
        f64::is_finite(self)
    }
}

/// Dot product over the common prefix, in a fixed order: element `i` goes to accumulator
/// `i mod 4` (in increasing `i`), and the result is `(s0 + s1) + (s2 + s3)`. Four independent
/// chains keep an in-order FPU (Cortex-M4F) busy and let the loop load four pairs at once.
#[inline]
pub fn dot<T: Float>(a: &[T], b: &[T]) -> T {
    dot_by(a, b, &|v| v, T::mac_chunks)
}

/// `acc[k] += conv(a[k])·x[k]` for one full chunk of four, written out so that the
/// accumulators stay in registers even at `opt-level = "s"` (the firmware profile): a loop over
/// the chunk is not unrolled there and spills them (≈ 10 instead of ≈ 3.4 Cortex-M4F
/// instructions per element). Same operation order as the loop it replaces.
#[inline(always)]
fn mac4<A: Copy, T: Float>(acc: &mut [T; 4], a: &[A], x: &[T], conv: &impl Fn(A) -> T) {
    if let (&[a0, a1, a2, a3], &[x0, x1, x2, x3]) = (a, x) {
        acc[0] += conv(a0) * x0;
        acc[1] += conv(a1) * x1;
        acc[2] += conv(a2) * x2;
        acc[3] += conv(a3) * x3;
    }
}

/// Whether every element is finite (no NaN, no ±inf), in one branch-free pass: on x86_64 and
/// aarch64 [`all_finite_by_test`], which LLVM vectorises; elsewhere (Cortex-M)
/// [`all_finite_by_sums`]. (For f64 on a soft-float target prefer the test, as `ferrokern`'s
/// `Real::all_finite` does: there a multiply is a library call.)
///
/// ```
/// use ferrokern_simd::scalar::all_finite;
/// assert!(all_finite(&[1.0f32, -0.0, f32::MAX, 1e-45]));
/// assert!(!all_finite(&[1.0f32, 2.0, 3.0, 4.0, f32::NEG_INFINITY]));
/// assert!(!all_finite(&[f64::NAN]));
/// ```
#[inline]
#[must_use]
pub fn all_finite<T: Float>(x: &[T]) -> bool {
    if cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
        all_finite_by_test(x)
    } else {
        all_finite_by_sums(x)
    }
}

/// [`all_finite`] by testing every element (no early exit, so LLVM vectorises it).
#[inline]
#[must_use]
pub fn all_finite_by_test<T: Float>(x: &[T]) -> bool {
    x.iter().fold(true, |ok, v| ok & v.is_finite())
}

/// [`all_finite`] by sums: `x·0` is ±0 for finite `x` and NaN otherwise, so four sums of it
/// started at +0 stay zero exactly when every element is finite (the loop of [`dot`] against
/// zeros). On a Cortex-M4F a load and one multiply-accumulate per element, where a test of
/// the exponent bits took 9 instructions; on x86 the sums wait on the add latency (232
/// against 121 µs for 10⁶ f32 on Zen 3), hence the split.
#[inline]
#[must_use]
pub fn all_finite_by_sums<T: Float>(x: &[T]) -> bool {
    let mut s = [T::ZERO; 4];
    let (chunks, tail) = x.as_chunks::<4>();
    T::mac_zero_chunks(&mut s, chunks);
    for &v in tail {
        s[0] += v * T::ZERO;
    }
    (s[0] + s[1]) + (s[2] + s[3]) == T::ZERO
}

/// [`dot`] with the elements of `a` converted by `conv` (e.g. f16 → f32) as they are read.
#[inline]
pub fn dot_with<A: Copy, T: Float>(a: &[A], b: &[T], conv: impl Fn(A) -> T) -> T {
    dot_by(a, b, &conv, |s, ac, bc| mac_chunks_with(s, ac, bc, &conv))
}

/// [`Float::mac_chunks`] with the elements of `a` converted by `conv`.
#[inline(always)]
fn mac_chunks_with<A: Copy, T: Float>(acc: &mut [T; 4], a: &[[A; 4]], b: &[[T; 4]], conv: &impl Fn(A) -> T) {
    for (x, y) in a.iter().zip(b) {
        mac4(acc, x, y, conv);
    }
}

/// [`dot`]'s order with the full chunks of four through `chunks` (the element loop) and the
/// tail and the final sums here, once for every element type.
#[inline(always)]
fn dot_by<A: Copy, T: Float>(
    a: &[A],
    b: &[T],
    conv: &impl Fn(A) -> T,
    chunks: impl FnOnce(&mut [T; 4], &[[A; 4]], &[[T; 4]]),
) -> T {
    debug_assert_eq!(a.len(), b.len());
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut s = [T::ZERO; 4];
    // `as_chunks::<4>` rather than `chunks_exact(4)`: the chunk size is a type-level constant,
    // so no out-of-line `Zip::new` divides by a runtime chunk size (no div-by-zero panic path
    // in the footprint report); same chunks, same order, bit-identical sums.
    let ((ac, ar), (bc, br)) = (a.as_chunks::<4>(), b.as_chunks::<4>());
    chunks(&mut s, ac, bc);
    for ((sk, &xk), &yk) in s.iter_mut().zip(ar).zip(br) {
        *sk += conv(xk) * yk;
    }
    (s[0] + s[1]) + (s[2] + s[3])
}

/// Four dot products with the same `x`, each bit-identical to [`dot`]`(rows[r], x)`; `x` is
/// loaded once per column for the four rows (the gemv inner loop).
#[inline]
pub fn dot4<T: Float>(rows: [&[T]; 4], x: &[T]) -> [T; 4] {
    dot4_by(rows, x, &|v| v, T::mac_chunks4)
}

/// [`dot4`] with the row elements converted by `conv` as they are read.
#[inline]
pub fn dot4_with<A: Copy, T: Float>(rows: [&[A]; 4], x: &[T], conv: impl Fn(A) -> T) -> [T; 4] {
    dot4_by(rows, x, &conv, |s, rows, xc| mac_chunks4_with(s, rows, xc, &conv))
}

/// [`Float::mac_chunks4`] with the row elements converted by `conv`.
#[inline(always)]
fn mac_chunks4_with<A: Copy, T: Float>(
    acc: &mut [[T; 4]; 4],
    rows: [&[[A; 4]]; 4],
    x: &[[T; 4]],
    conv: &impl Fn(A) -> T,
) {
    let [c0, c1, c2, c3] = rows;
    for ((((xk, a0), a1), a2), a3) in x.iter().zip(c0).zip(c1).zip(c2).zip(c3) {
        let [s0, s1, s2, s3] = acc;
        mac4(s0, a0, xk, conv);
        mac4(s1, a1, xk, conv);
        mac4(s2, a2, xk, conv);
        mac4(s3, a3, xk, conv);
    }
}

/// [`dot4`]'s order with the full chunks of four through `chunks` and the tails and the final
/// sums here, once for every element type.
#[inline(always)]
fn dot4_by<A: Copy, T: Float>(
    rows: [&[A]; 4],
    x: &[T],
    conv: &impl Fn(A) -> T,
    chunks: impl FnOnce(&mut [[T; 4]; 4], [&[[A; 4]]; 4], &[[T; 4]]),
) -> [T; 4] {
    // Rows named one by one, not mapped as an array, and the tails skipped when there are
    // none: at the firmware's opt-level "s" the array forms went through the stack, ≈ 0.7
    // Cortex-M4F instructions per MAC of a 64 × 64 gemv (4.44 → 3.77).
    let [r0, r1, r2, r3] = rows;
    let n = x.len().min(r0.len()).min(r1.len()).min(r2.len()).min(r3.len());
    let (x, r0, r1, r2, r3) = (&x[..n], &r0[..n], &r1[..n], &r2[..n], &r3[..n]);
    let mut s = [[T::ZERO; 4]; 4];
    // `as_chunks::<4>`: see `dot_by` (no runtime chunk-size division).
    let ((xc, xt), (c0, t0), (c1, t1), (c2, t2), (c3, t3)) = (
        x.as_chunks::<4>(),
        r0.as_chunks::<4>(),
        r1.as_chunks::<4>(),
        r2.as_chunks::<4>(),
        r3.as_chunks::<4>(),
    );
    chunks(&mut s, [c0, c1, c2, c3], xc);
    if !xt.is_empty() {
        for (sr, t) in s.iter_mut().zip([t0, t1, t2, t3]) {
            for ((sk, &ak), &xk) in sr.iter_mut().zip(t).zip(xt) {
                *sk += conv(ak) * xk;
            }
        }
    }
    s.map(|s| (s[0] + s[1]) + (s[2] + s[3]))
}

/// `y += alpha x`.
#[inline]
pub fn axpy<T: Float>(alpha: T, x: &[T], y: &mut [T]) {
    debug_assert_eq!(x.len(), y.len());
    axpy_rows([alpha], [x], y);
}

/// `y += Σ_k alphas[k]·rows[k]` over the common prefix, added in order `k = 0, 1, …` per
/// element (so bit-identical to `K` successive [`axpy`] calls, with one pass over `y`).
#[inline]
pub fn axpy_rows<T: Float, const K: usize>(alphas: [T; K], rows: [&[T]; K], y: &mut [T]) {
    axpy_rows_by(alphas, rows, y, &|v| v, T::axpy_chunks);
}

/// [`axpy_rows`] with the row elements converted by `conv` as they are read.
#[inline]
pub fn axpy_rows_with<A: Copy, T: Float, const K: usize>(
    alphas: [T; K],
    rows: [&[A]; K],
    y: &mut [T],
    conv: impl Fn(A) -> T,
) {
    axpy_rows_by(alphas, rows, y, &conv, |al, rows, yc| axpy_chunks_with(al, rows, yc, &conv));
}

/// [`Float::axpy_chunks`] with the row elements converted by `conv`: the element loop of
/// [`axpy_rows_elems`] over the chunks laid flat.
#[inline(always)]
fn axpy_chunks_with<A: Copy, T: Float, const K: usize>(
    alphas: [T; K],
    rows: [&[[A; 4]]; K],
    y: &mut [[T; 4]],
    conv: &impl Fn(A) -> T,
) {
    axpy_rows_elems(alphas, rows.map(|r| r.as_flattened()), y.as_flattened_mut(), conv);
}

/// `y_j += Σ_k alphas[k]·conv(rows[k]_j)` element by element over the common prefix (a loop
/// LLVM vectorises on the host).
#[inline(always)]
fn axpy_rows_elems<A: Copy, T: Float, const K: usize>(
    alphas: [T; K],
    rows: [&[A]; K],
    y: &mut [T],
    conv: &impl Fn(A) -> T,
) {
    let n = rows.iter().fold(y.len(), |n, r| n.min(r.len()));
    let rows = rows.map(|r| &r[..n]);
    for (j, yj) in y[..n].iter_mut().enumerate() {
        let mut s = *yj;
        for (&a, r) in alphas.iter().zip(&rows) {
            s += a * conv(r[j]);
        }
        *yj = s;
    }
}

/// [`axpy_rows`]' order with the full chunks of four through `chunks` (the element loop) and
/// the tail here, once for every element type.
#[inline(always)]
fn axpy_rows_by<A: Copy, T: Float, const K: usize>(
    alphas: [T; K],
    rows: [&[A]; K],
    y: &mut [T],
    conv: &impl Fn(A) -> T,
    chunks: impl FnOnce([T; K], [&[[A; 4]]; K], &mut [[T; 4]]),
) {
    let n = rows.iter().fold(y.len(), |n, r| n.min(r.len()));
    let (yc, yt) = y[..n].as_chunks_mut::<4>();
    let full = 4 * yc.len();
    chunks(alphas, rows.map(|r| r[..full].as_chunks::<4>().0), yc);
    // Skipped when empty: on Cortex-M the call's setup costs more than a short tail.
    if !yt.is_empty() {
        axpy_rows_elems(alphas, rows.map(|r| &r[full..n]), yt, conv);
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

/// `Σ x` in the same four-accumulator order as [`dot`].
#[inline]
pub fn sum<T: Float>(x: &[T]) -> T {
    let mut s = [T::ZERO; 4];
    let (xc, xr) = x.as_chunks::<4>();
    for c in xc {
        for (sk, &v) in s.iter_mut().zip(c) {
            *sk += v;
        }
    }
    for (sk, &v) in s.iter_mut().zip(xr) {
        *sk += v;
    }
    (s[0] + s[1]) + (s[2] + s[3])
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

/// `√Σ x²` (as `sqrt(dot(x, x))`; overflows to inf for `Σx² > MAX`).
#[inline]
pub fn norm2<T: Float>(x: &[T]) -> T {
    dot(x, x).sqrt()
}

/// In place `x = √x`.
#[inline]
pub fn sqrt_slice<T: Float>(x: &mut [T]) {
    for xi in x {
        *xi = xi.sqrt();
    }
}

/// In place `x = e^x`.
#[inline]
pub fn exp_slice<T: Float>(x: &mut [T]) {
    T::exp_in_place(x);
}

/// `x[i] = e^(x[i] - shift)`, returning the sum (accumulated in order).
#[inline]
pub fn exp_shifted<T: Float>(x: &mut [T], shift: T) -> T {
    T::exp_shifted(x, shift)
}

/// `Σ_j exp(a·x_j + (v_j + b))` over the common prefix, accumulated in order (the exponent
/// rounded twice: no fused multiply-add on the scalar path).
#[inline]
pub fn exp_affine_sum<T: Float>(a: T, x: &[T], v: &[T], b: T) -> T {
    T::exp_affine_sum(a, x, v, b)
}

/// `acc_j += exp(a·x_j + (v_j + b))` over the common prefix.
#[inline]
pub fn exp_affine_acc<T: Float>(a: T, x: &[T], v: &[T], b: T, acc: &mut [T]) {
    T::exp_affine_acc(a, x, v, b, acc);
}

/// One term of [`exp_affine_sum`] / [`exp_affine_acc`].
#[inline(always)]
pub(crate) fn exp_affine_term<T: Float>(a: T, xj: T, vj: T, b: T) -> T {
    (a * xj + (vj + b)).exp()
}

/// `out_j = ((p0 − y_2j)² + (p1 − y_2j+1)²) / div` over `min(y.len() / 2, out.len())` 2-D
/// points `y` (interleaved pairs), each square and sum rounded separately (no fused
/// multiply-add).
#[inline]
pub fn sq_dist_row_2d<T: Float>(p: [T; 2], y: &[T], div: T, out: &mut [T]) {
    let (yc, oc) = (y.as_chunks::<8>().0, out.as_chunks_mut::<4>().0);
    let done = 4 * yc.len().min(oc.len());
    T::sq_dist_chunks(p, yc, div, oc);
    let (Some(y), Some(out)) = (y.get(2 * done..), out.get_mut(done..)) else { return };
    for (o, q) in out.iter_mut().zip(y.as_chunks::<2>().0) {
        *o = sq_dist_2d(p, *q, div);
    }
}

/// One point of [`sq_dist_row_2d`].
#[inline(always)]
fn sq_dist_2d<T: Float>(p: [T; 2], [q0, q1]: [T; 2], div: T) -> T {
    let (t0, t1) = (p[0] - q0, p[1] - q1);
    (t0 * t0 + t1 * t1) / div
}

/// The scalar path's primitives for the composed kernels.
pub(crate) struct ScalarPrims;

impl<T: Float> Prims<T> for ScalarPrims {
    #[inline(always)]
    fn dot(a: &[T], b: &[T]) -> T {
        dot(a, b)
    }
    #[inline(always)]
    fn dot4(rows: [&[T]; 4], x: &[T]) -> [T; 4] {
        dot4(rows, x)
    }
    #[inline(always)]
    fn axpy(alpha: T, x: &[T], y: &mut [T]) {
        axpy(alpha, x, y)
    }
    #[inline(always)]
    fn axpy4(alphas: [T; 4], rows: [&[T]; 4], y: &mut [T]) {
        axpy_rows(alphas, rows, y)
    }
    #[inline(always)]
    fn scale(alpha: T, x: &mut [T]) {
        scale(alpha, x)
    }
    #[inline(always)]
    fn max(x: &[T]) -> T {
        max(x)
    }
    #[inline(always)]
    fn exp_shifted(x: &mut [T], shift: T) -> T {
        exp_shifted(x, shift)
    }
}

/// `y = alpha A x + beta y` (row-major `m × n`, stride `lda`); rows four at a time through
/// [`dot4`], so row `i` of the result is `alpha·dot(A[i,:], x) (+ beta·y[i])` bit for bit.
#[allow(clippy::too_many_arguments)]
pub fn gemv<T: Float>(m: usize, n: usize, alpha: T, a: &[T], lda: usize, x: &[T], beta: T, y: &mut [T]) {
    compose::gemv::<T, ScalarPrims>(m, n, alpha, a, lda, x, beta, y)
}

/// `y = alpha Aᵀ x + beta y` (row-major `m × n`, stride `lda`): `beta·y`, then one [`axpy`]
/// per row of `A`.
#[allow(clippy::too_many_arguments)]
pub fn gemv_t<T: Float>(m: usize, n: usize, alpha: T, a: &[T], lda: usize, x: &[T], beta: T, y: &mut [T]) {
    compose::gemv_t::<T, ScalarPrims>(m, n, alpha, a, lda, x, beta, y)
}

/// One Sinkhorn sweep over the rows of `A` (row-major `m × n`, stride `lda`): `kv = A x`,
/// `u = r ⊘ kv`, `y = Aᵀu`, each block of four rows used for its dot products and, right
/// after, for its share of `Aᵀu` (one pass over `A` instead of two). Bit-identical to
/// [`gemv`]`(…, 1, A, x, 0, kv)`, `u_i = r_i / kv_i`, [`gemv_t`]`(…, 1, A, u, 0, y)`.
/// `x`, `y`: length `n`; `r`, `kv`, `u`: length `m`. Cost: `2·m·n` multiply-adds and `m`
/// divisions, reading `A` once; no memory.
#[allow(clippy::too_many_arguments)]
pub fn sweep<T: Float>(
    m: usize,
    n: usize,
    a: &[T],
    lda: usize,
    x: &[T],
    r: &[T],
    kv: &mut [T],
    u: &mut [T],
    y: &mut [T],
) {
    compose::sweep::<T, ScalarPrims>(m, n, a, lda, x, r, kv, u, y)
}

/// [`sweep`] with the elements of `A` converted by `conv` as they are read (e.g. bf16 → f32):
/// bit-identical to one [`dot_with`] per row, the division, and one [`axpy_rows_with`] per row.
#[allow(clippy::too_many_arguments)]
pub fn sweep_with<A: Copy, T: Float>(
    m: usize,
    n: usize,
    a: &[A],
    lda: usize,
    x: &[T],
    r: &[T],
    kv: &mut [T],
    u: &mut [T],
    y: &mut [T],
    conv: impl Fn(A) -> T + Copy,
) {
    debug_assert!(x.len() == n && y.len() == n);
    let x = &x[..n.min(x.len())];
    let Some(y) = y.get_mut(..n) else { return };
    y.fill(T::ZERO);
    compose::sweep_by(
        m,
        n,
        a,
        lda,
        r,
        kv,
        u,
        y,
        |rows| dot4_with(rows, x, conv),
        |rw| dot_with(rw, x, conv),
        |al, rows, y| axpy_rows_with(al, rows, y, conv),
        |al, rw, y| axpy_rows_with([al], [rw], y, conv),
    );
}

/// `C = alpha op(A) op(B) + beta C` (row-major; loop structure in the crate-root `gemm` docs).
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
    compose::gemm::<T, ScalarPrims>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

/// `A += alpha x yᵀ` (one [`axpy`] per row).
pub fn ger<T: Float>(alpha: T, x: &[T], y: &[T], a: &mut [T], lda: usize) {
    compose::ger::<T, ScalarPrims>(alpha, x, y, a, lda)
}

/// Stable `ln Σ e^x` (see the crate-root `log_sum_exp` for special values).
pub fn log_sum_exp<T: Float>(x: &[T]) -> T {
    compose::log_sum_exp::<T, ScalarPrims>(x)
}

/// In place stable softmax (see the crate-root `softmax` for special values).
pub fn softmax<T: Float>(x: &mut [T]) {
    compose::softmax::<T, ScalarPrims>(x)
}
