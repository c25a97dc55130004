//! `ferrokern-simd`: the only crate of ferrokern with `unsafe` and intrinsics.
//!
//! Every kernel exists once as a scalar reference ([`scalar`], generic over f32/f64, what
//! Cortex-M runs) and, for f32, as SIMD paths: SSE2, AVX2+FMA+F16C and AVX-512F on x86_64,
//! NEON on aarch64. Each SIMD loop is written once over a small internal `Lanes` trait (one
//! implementation per ISA); gemv/gemm/ger/softmax/log_sum_exp are composed once from the
//! per-path primitives. The public f32 functions at the crate root dispatch to the active
//! [`Level`] (see [`active_level`]: compile-time choice without `std`; run-time detection and
//! the `FERROKERN_SIMD` override with `std`); [`f64`](mod@f64) holds the scalar f64 forms;
//! [`Kernels::for_level`] hands out one path's table so tests and benches can compare paths,
//! and [`available_levels`] lists the paths this CPU has.
//!
//! Length contract: functions taking several slices expect the lengths documented on each;
//! they never read or write out of bounds. A mismatch is a caller bug (checked with
//! `debug_assert!`); in release builds only the common prefix is used. `ferrokern` validates
//! lengths and returns errors before calling here.
//!
//! Value contract: these are BLAS-like primitives, not validated kernels: NaN/inf inputs
//! propagate to the outputs as IEEE arithmetic gives them (never a panic); rejecting
//! non-finite user data (`Error::NonFinite`) is `ferrokern`'s job, at its public entry points.
//!
//! Alignment: any slice works, and the results do not depend on addresses (the lanes follow
//! element indices, never the alignment). Speed does: a 32-byte AVX2 load that straddles two
//! cache lines costs about two loads. glibc starts large blocks 16 bytes past a 64-byte
//! boundary, so a fresh `vec![0.0f32; n]` splits every other vector load. For matrices, rows on
//! 64-byte boundaries (start and `lda` both) made the L2-resident f32 `sweep` 1.1–1.25× faster
//! on Zen 3 (`ferrokern::ot::aligned_kernel_len` lays out the Sinkhorn kernel that way).
//!
//! Reproducibility: the scalar path has a fixed operation order and no FMA, so the host
//! forced to `FERROKERN_SIMD=scalar` reproduces a Cortex-M4F bit for bit. SIMD paths use other
//! summation orders (and FMA); their distance from the scalar path is stated on each
//! function with `u = 2⁻²⁴` (unit roundoff) and checked in `tests/paths.rs`.
//!
//! ```
//! let a = [1.0f32, 2.0, 3.0];
//! assert_eq!(ferrokern_simd::dot(&a, &a), 14.0);
//! for level in ferrokern_simd::available_levels() {
//!     let k = ferrokern_simd::Kernels::for_level(level).unwrap();
//!     assert_eq!((k.sum)(&a), 6.0);
//! }
//! ```
#![no_std]
#![deny(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[macro_use]
mod table;
mod compose;
mod dispatch;
#[cfg(all(feature = "emu16", target_arch = "x86_64"))]
mod emu;
mod exp;
pub mod f64;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
mod lanes;
mod lowp;
#[cfg(target_arch = "aarch64")]
mod neon;
pub mod optim;
pub mod scalar;
#[cfg(ferrokern_cortex_m_fpu)]
mod vfp;
#[cfg(target_arch = "x86_64")]
mod x86;

pub use dispatch::{active_level, available_levels, Kernels, Level};
pub use lowp::{
    bf16_to_f32, dot_f16, f16_to_f32, f32_to_bf16, f32_to_f16, gemv_bf16, gemv_f16, gemv_t_bf16, sweep_bf16,
    widen_f16, widen_f16_le,
};

pub use half::{bf16, f16};

/// Dot product `Σ a[i]·b[i]` over `min(a.len(), b.len())` elements (`a.len() == b.len()`
/// expected). Paths differ from the scalar result by at most `2·n·u·Σ|a_i b_i|`.
/// Scalar order: element `i` into accumulator `i mod 4`, then `(s0+s1)+(s2+s3)`.
///
/// ```
/// assert_eq!(ferrokern_simd::dot(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]), 32.0);
/// ```
#[inline]
#[must_use]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    (Kernels::active().dot)(a, b)
}

/// `y[i] += alpha · x[i]` (`x.len() == y.len()`). SIMD paths with FMA differ from scalar by
/// one rounding: `≤ 2u·(|alpha·x[i]| + |y[i]|)`.
///
/// ```
/// let mut y = [1.0f32, 1.0];
/// ferrokern_simd::axpy(2.0, &[1.0, -1.0], &mut y);
/// assert_eq!(y, [3.0, -1.0]);
/// ```
#[inline]
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    (Kernels::active().axpy)(alpha, x, y)
}

/// `x[i] *= alpha`. Correctly rounded: identical on every path.
///
/// ```
/// let mut x = [1.0f32, -2.0];
/// ferrokern_simd::scale(0.5, &mut x);
/// assert_eq!(x, [0.5, -1.0]);
/// ```
#[inline]
pub fn scale(alpha: f32, x: &mut [f32]) {
    (Kernels::active().scale)(alpha, x)
}

/// Elementwise `out[i] = a[i] + b[i]` (all three the same length). Identical on every path.
///
/// ```
/// let mut out = [0.0f32; 2];
/// ferrokern_simd::add(&[1.0, 2.0], &[3.0, 4.0], &mut out);
/// assert_eq!(out, [4.0, 6.0]);
/// ```
#[inline]
pub fn add(a: &[f32], b: &[f32], out: &mut [f32]) {
    (Kernels::active().add)(a, b, out)
}

/// Elementwise `out[i] = a[i] - b[i]`. Identical on every path.
///
/// ```
/// let mut out = [0.0f32; 2];
/// ferrokern_simd::sub(&[1.0, 2.0], &[3.0, 4.0], &mut out);
/// assert_eq!(out, [-2.0, -2.0]);
/// ```
#[inline]
pub fn sub(a: &[f32], b: &[f32], out: &mut [f32]) {
    (Kernels::active().sub)(a, b, out)
}

/// Elementwise `out[i] = a[i] · b[i]`. Identical on every path.
///
/// ```
/// let mut out = [0.0f32; 2];
/// ferrokern_simd::mul(&[1.0, 2.0], &[3.0, 4.0], &mut out);
/// assert_eq!(out, [3.0, 8.0]);
/// ```
#[inline]
pub fn mul(a: &[f32], b: &[f32], out: &mut [f32]) {
    (Kernels::active().mul)(a, b, out)
}

/// `Σ x[i]` (0 for an empty slice). Paths differ from scalar by at most `2·n·u·Σ|x_i|`.
///
/// ```
/// assert_eq!(ferrokern_simd::sum(&[1.0, 2.0, 3.5]), 6.5);
/// ```
#[inline]
#[must_use]
pub fn sum(x: &[f32]) -> f32 {
    (Kernels::active().sum)(x)
}

/// Largest element; `-inf` for an empty slice; NaN if any element is NaN. Identical on every
/// path (up to the sign of a zero maximum when both `+0` and `-0` occur).
///
/// ```
/// assert_eq!(ferrokern_simd::max(&[1.0, 7.0, -3.0]), 7.0);
/// ```
#[inline]
#[must_use]
pub fn max(x: &[f32]) -> f32 {
    (Kernels::active().max)(x)
}

/// Index of the first largest element; `None` for an empty slice or if any element is NaN.
///
/// ```
/// assert_eq!(ferrokern_simd::argmax(&[1.0, 7.0, -3.0]), Some(1));
/// assert_eq!(ferrokern_simd::argmax(&[]), None);
/// ```
#[inline]
#[must_use]
pub fn argmax(x: &[f32]) -> Option<usize> {
    scalar::argmax(x)
}

/// Euclidean norm `√Σ x[i]²` (no rescaling: overflows for `Σx² > f32::MAX`, and is NaN/inf
/// exactly when some square is or the sum overflows). The scalar path is `sqrt(dot(x, x))`; the
/// SIMD paths sum the squares of 8 equal segments read side by side (more memory streams in
/// flight: about 1.6× the read speed of one stream on a long slice from DRAM). Paths differ by
/// the [`dot`] bound carried through the square root.
///
/// ```
/// assert_eq!(ferrokern_simd::norm2(&[3.0, 4.0]), 5.0);
/// ```
#[inline]
#[must_use]
pub fn norm2(x: &[f32]) -> f32 {
    (Kernels::active().norm2)(x)
}

/// `y = alpha·A·x + beta·y`, `A` row-major `m × n` with row stride `lda ≥ n`;
/// `x.len() == n`, `y.len() == m`. `beta == 0` ignores the old `y` (NaN in `y` is not propagated).
///
/// Rows go four at a time (one load of `x` per four rows); row `i` is
/// `alpha·dot(A[i,:], x) + beta·y[i]`, so paths differ per element by `|alpha|·2·n·u·Σ_j|a_ij x_j| + 2u·(|alpha·acc|
/// + |beta·y_i|)`. Cost: `m·n` multiply-adds, no memory.
///
/// ```
/// // A = [[1, 2], [3, 4]], y = A·x
/// let mut y = [0.0f32; 2];
/// ferrokern_simd::gemv(2, 2, 1.0, &[1.0, 2.0, 3.0, 4.0], 2, &[1.0, 1.0], 0.0, &mut y);
/// assert_eq!(y, [3.0, 7.0]);
/// ```
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn gemv(m: usize, n: usize, alpha: f32, a: &[f32], lda: usize, x: &[f32], beta: f32, y: &mut [f32]) {
    (Kernels::active().gemv)(m, n, alpha, a, lda, x, beta, y)
}

/// `y = alpha·Aᵀ·x + beta·y`, `A` row-major `m × n` with row stride `lda ≥ n`;
/// `x.len() == m`, `y.len() == n`. `beta == 0` ignores the old `y`.
///
/// Computed as `y = beta·y` then the rows of `A` added four at a time (one pass over `y` per
/// four rows, per element the order of one [`axpy`] per row; vectorised along `n`); paths
/// differ per element by `≤ 2(m+2)·u·(Σ_i|alpha·a_ij x_i| + |beta·y_j|)`.
///
/// ```
/// // A = [[1, 2], [3, 4]], y = Aᵀ·x
/// let mut y = [0.0f32; 2];
/// ferrokern_simd::gemv_t(2, 2, 1.0, &[1.0, 2.0, 3.0, 4.0], 2, &[1.0, 1.0], 0.0, &mut y);
/// assert_eq!(y, [4.0, 6.0]);
/// ```
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn gemv_t(m: usize, n: usize, alpha: f32, a: &[f32], lda: usize, x: &[f32], beta: f32, y: &mut [f32]) {
    (Kernels::active().gemv_t)(m, n, alpha, a, lda, x, beta, y)
}

/// One Sinkhorn sweep over the rows of `A` (row-major `m × n`, stride `lda ≥ n`): `kv = A·x`,
/// `u = r ⊘ kv`, `y = Aᵀ·u`; `x.len() == y.len() == n`, `r.len() == kv.len() == u.len() == m`.
///
/// Each block of four rows is used for its four dot products (as in [`gemv`]) and, right after,
/// while it is still in L1, for its share of `Aᵀu` (as in [`gemv_t`]): `A` is read from memory
/// once instead of twice. Bit-identical on every path to `gemv(m, n, 1, A, lda, x, 0, kv)`,
/// `u_i = r_i / kv_i`, `gemv_t(m, n, 1, A, lda, u, 0, y)` of the same path (same row blocks,
/// same primitives), so the paths differ from scalar by those two functions' bounds. A zero
/// `kv_i` gives an infinite or NaN `u_i` (IEEE division), which propagates into `y`.
///
/// Cost: `2·m·n` multiply-adds and `m` divisions, reading `A` once; no memory.
///
/// ```
/// // A = [[1, 2], [3, 4]], x = 1: kv = [3, 7]; u = [3, 14] ⊘ kv = [1, 2]; y = Aᵀu
/// let (mut kv, mut u, mut y) = ([0.0f32; 2], [0.0f32; 2], [0.0f32; 2]);
/// ferrokern_simd::sweep(2, 2, &[1.0, 2.0, 3.0, 4.0], 2, &[1.0, 1.0], &[3.0, 14.0], &mut kv, &mut u, &mut y);
/// assert_eq!((kv, u, y), ([3.0, 7.0], [1.0, 2.0], [7.0, 10.0]));
/// ```
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn sweep(
    m: usize,
    n: usize,
    a: &[f32],
    lda: usize,
    x: &[f32],
    r: &[f32],
    kv: &mut [f32],
    u: &mut [f32],
    y: &mut [f32],
) {
    (Kernels::active().sweep)(m, n, a, lda, x, r, kv, u, y)
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
/// stored. `beta == 0` ignores the old `C`. Columns `n..ldc` of `C` are never touched.
///
/// Loop forms (the same on every path, vectorised on SIMD paths):
/// - `(No, No)`, `(Yes, No)`: row-axpy, `C[i,:] = beta·C[i,:]`, then for `p < k`
///   `C[i,:] += (alpha·op(A)[i,p])·B[p,:]` — vectorised along `n`;
/// - `(No, Yes)`: `C[i,j] = alpha·dot(A[i,:], B[j,:]) + beta·C[i,j]`, four rows of `B` at a
///   time — vectorised along `k`;
/// - `(Yes, Yes)`: plain strided scalar loop (rare in training; not vectorised).
///
/// Error against the exact product (any path): `≤ |alpha|·2(k+1)·u·Σ_p|a_ip b_pj| +
/// 2u·(|C_ij| + |beta·C_ij_old|)`. Cost: `m·n·k` multiply-adds, no memory.
///
/// ```
/// use ferrokern_simd::Trans;
/// // [[1, 2], [3, 4]] · I₂
/// let mut c = [0.0f32; 4];
/// ferrokern_simd::gemm(Trans::No, Trans::No, 2, 2, 2, 1.0, &[1.0, 2.0, 3.0, 4.0], 2, &[1.0, 0.0, 0.0, 1.0], 2, 0.0, &mut c, 2);
/// assert_eq!(c, [1.0, 2.0, 3.0, 4.0]);
/// ```
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

/// Rank-1 update `A += alpha·x·yᵀ`, `A` row-major `x.len() × y.len()` with row stride `lda`
/// (one [`axpy`] per row; paths differ per element by one rounding as in [`axpy`]).
///
/// ```
/// let mut a = [0.0f32; 4];
/// ferrokern_simd::ger(1.0, &[1.0, 2.0], &[3.0, 4.0], &mut a, 2);
/// assert_eq!(a, [3.0, 4.0, 6.0, 8.0]);
/// ```
#[inline]
pub fn ger(alpha: f32, x: &[f32], y: &[f32], a: &mut [f32], lda: usize) {
    (Kernels::active().ger)(alpha, x, y, a, lda)
}

/// `e^x`, this crate's own scalar form: ≤ 2 ULP vs `libm::expf` on `[-87.33, 88.72]`, no FMA
/// (same bits on Cortex-M4F and the host). Range, method and special values: [`scalar::exp_f32`].
///
/// ```
/// assert_eq!(ferrokern_simd::exp(0.0), 1.0);
/// assert!((ferrokern_simd::exp(1.0) - core::f32::consts::E).abs() < 1e-6);
/// ```
#[inline]
#[must_use]
pub fn exp(x: f32) -> f32 {
    scalar::exp_f32(x)
}

/// Natural logarithm, this crate's own scalar form: ≤ 2 ULP (measured 1) vs `libm::logf` for
/// all positive floats; `ln(±0) = -inf`, negative → NaN. Details: [`scalar::ln_f32`].
///
/// ```
/// assert_eq!(ferrokern_simd::ln(1.0), 0.0);
/// assert!((ferrokern_simd::ln(core::f32::consts::E) - 1.0).abs() < 1e-6);
/// ```
#[inline]
#[must_use]
pub fn ln(x: f32) -> f32 {
    scalar::ln_f32(x)
}

/// In place `x[i] = e^x[i]`.
///
/// Scalar path: [`exp`] per element. SIMD paths: the same reduction and polynomial with FMA
/// and clamping instead of a branch; ≤ 2 ULP against `libm::expf` over `[-87.33, 88.72]`
/// (measured max 2 ULP on SSE2, AVX2, NEON), same special values as [`exp`] (subnormal
/// results gradual, `x > 88.7228 → +inf`, NaN → NaN).
///
/// ```
/// let mut x = [0.0f32, 1.0];
/// ferrokern_simd::exp_slice(&mut x);
/// assert_eq!(x[0], 1.0);
/// assert!((x[1] - core::f32::consts::E).abs() < 1e-6);
/// ```
#[inline]
pub fn exp_slice(x: &mut [f32]) {
    (Kernels::active().exp_slice)(x)
}

/// Stable `ln Σ e^x[i]` (max-shifted); `-inf` for an empty slice or all `-inf`; `+inf` if any
/// element is `+inf`; NaN if any is NaN. Paths differ by `≤ 8u·max(|result|, 1) + 2n·u`.
///
/// ```
/// let lse = ferrokern_simd::log_sum_exp(&[0.0, 0.0]);
/// assert!((lse - core::f32::consts::LN_2).abs() < 1e-6);
/// ```
#[inline]
#[must_use]
pub fn log_sum_exp(x: &[f32]) -> f32 {
    (Kernels::active().log_sum_exp)(x)
}

/// `Σ_j e^(a·x[j] + (v[j] + b))` over the common prefix of `x` and `v`: one exp-sum pass
/// with an affine exponent (log-domain Sinkhorn: `x` a cost row, `v` a potential over ε, `b`
/// a shift), no buffer. The caller chooses the shift; nothing is max-shifted here, so terms
/// above `e^88.7` overflow to `+inf` and terms below `e^-103.9` flush to 0.
///
/// Tolerance between paths: the SIMD paths form the exponent with one fused multiply-add
/// (SSE2: unfused), so per term `|Δ| ≤ (u·|a·x[j]| + 2·2u)·term` (`u = 2⁻²⁴`, plus the exp's
/// 2 ULP), and the sum order differs (`2n·u·Σ`).
///
/// ```
/// let s = ferrokern_simd::exp_affine_sum(-1.0, &[0.0, 1.0], &[0.0, 1.0], 0.5);
/// assert!((s - 2.0 * 0.5f32.exp()).abs() < 1e-6);
/// ```
#[inline]
#[must_use]
pub fn exp_affine_sum(a: f32, x: &[f32], v: &[f32], b: f32) -> f32 {
    (Kernels::active().exp_affine_sum)(a, x, v, b)
}

/// `acc[j] += e^(a·x[j] + (v[j] + b))` over the common prefix of `x`, `v`, `acc`: the
/// column form of [`exp_affine_sum`] (same exponent, same per-term tolerance).
///
/// ```
/// let mut acc = [1.0f32, 1.0];
/// ferrokern_simd::exp_affine_acc(2.0, &[0.0, 0.5], &[0.0, -1.0], 0.0, &mut acc);
/// assert_eq!(acc, [2.0, 2.0]);
/// ```
#[inline]
pub fn exp_affine_acc(a: f32, x: &[f32], v: &[f32], b: f32, acc: &mut [f32]) {
    (Kernels::active().exp_affine_acc)(a, x, v, b, acc)
}

/// `out[j] = ((p[0] − y[2j])² + (p[1] − y[2j+1])²) / div`: one row of a squared-Euclidean
/// cost between the 2-D point `p` and the points `y` (interleaved pairs), over
/// `min(y.len() / 2, out.len())` points. Squares and sum rounded separately (no fused
/// multiply-add) and a correctly rounded division: every path gives the same bits.
///
/// ```
/// let mut out = [0.0f32; 2];
/// ferrokern_simd::sq_dist_row_2d([1.0, 2.0], &[1.0, 2.0, 4.0, 6.0], 5.0, &mut out);
/// assert_eq!(out, [0.0, 5.0]);
/// ```
#[inline]
pub fn sq_dist_row_2d(p: [f32; 2], y: &[f32], div: f32, out: &mut [f32]) {
    (Kernels::active().sq_dist_row_2d)(p, y, div, out)
}

/// In place stable softmax: `x[i] = e^(x[i]-max) / Σ e^(x[j]-max)`. NaN anywhere, a `+inf`,
/// or all elements `-inf` give all-NaN output. Paths differ per element by
/// `≤ 2(n+8)·u·x[i]`.
///
/// ```
/// let mut x = [1.0f32, 1.0, 1.0, 1.0];
/// ferrokern_simd::softmax(&mut x);
/// assert_eq!(x, [0.25; 4]);
/// ```
#[inline]
pub fn softmax(x: &mut [f32]) {
    (Kernels::active().softmax)(x)
}
