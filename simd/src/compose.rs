//! Kernels composed from the per-path primitives ([`Prims`]): gemv, gemv_t, gemm, ger,
//! log_sum_exp, softmax. Each loop here is written once and shared by the scalar path (any
//! [`Float`]) and every SIMD path (f32), so they all follow the same operation order up to
//! the primitives themselves.

use crate::scalar::Float;
use crate::Trans;

/// The loops a path provides; everything in this module is built from them.
pub(crate) trait Prims<T: Float> {
    /// `Σ a·b` over the common prefix.
    fn dot(a: &[T], b: &[T]) -> T;
    /// `[dot(rows[0], x), …, dot(rows[3], x)]` (bit-identical to [`Prims::dot`] on the scalar
    /// path; SIMD paths may sum in another order).
    fn dot4(rows: [&[T]; 4], x: &[T]) -> [T; 4];
    /// `y += alpha·x`.
    fn axpy(alpha: T, x: &[T], y: &mut [T]);
    /// `y += Σ_k alphas[k]·rows[k]` in one pass over `y` (same per-element order as four
    /// [`Prims::axpy`] calls).
    fn axpy4(alphas: [T; 4], rows: [&[T]; 4], y: &mut [T]);
    /// `x *= alpha`.
    fn scale(alpha: T, x: &mut [T]);
    /// Largest element, NaN if any is NaN, `-inf` if empty.
    fn max(x: &[T]) -> T;
    /// `x[i] = e^(x[i] - shift)`, returning `Σ x[i]` afterwards.
    fn exp_shifted(x: &mut [T], shift: T) -> T;
}

/// Row `i` of a row-major matrix with stride `ld`, `n` wide; `None` if it is not all inside.
#[inline(always)]
pub(crate) fn row<E>(a: &[E], i: usize, ld: usize, n: usize) -> Option<&[E]> {
    let start = i.checked_mul(ld)?;
    a.get(start..start.checked_add(n)?)
}

/// Mutable form of [`row`].
#[inline(always)]
pub(crate) fn row_mut<E>(a: &mut [E], i: usize, ld: usize, n: usize) -> Option<&mut [E]> {
    let start = i.checked_mul(ld)?;
    a.get_mut(start..start.checked_add(n)?)
}

/// `y[i] = alpha·acc + beta·y[i]`, with `beta == 0` ignoring the old value.
#[inline(always)]
fn blend<T: Float>(alpha: T, acc: T, beta: T, yi: &mut T) {
    *yi = if beta == T::ZERO { alpha * acc } else { alpha * acc + beta * *yi };
}

/// `y = alpha·A·x + beta·y` for any element type `E` of `A`: rows in blocks of four through
/// `dot4`, the remaining rows through `dot1` (both closures capture `x`).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemv_by<E, T: Float>(
    m: usize,
    n: usize,
    alpha: T,
    a: &[E],
    lda: usize,
    beta: T,
    y: &mut [T],
    dot4: impl Fn([&[E]; 4]) -> [T; 4],
    dot1: impl Fn(&[E]) -> T,
) {
    debug_assert!(y.len() == m && (m == 0 || a.len() >= (m - 1) * lda + n));
    let m = m.min(y.len());
    let mut yb = y[..m].chunks_exact_mut(4);
    let mut i = 0;
    for yq in yb.by_ref() {
        let (Some(r0), Some(r1), Some(r2), Some(r3)) =
            (row(a, i, lda, n), row(a, i + 1, lda, n), row(a, i + 2, lda, n), row(a, i + 3, lda, n))
        else {
            return;
        };
        let acc = dot4([r0, r1, r2, r3]);
        for (yi, &s) in yq.iter_mut().zip(&acc) {
            blend(alpha, s, beta, yi);
        }
        i += 4;
    }
    for yi in yb.into_remainder() {
        let Some(r) = row(a, i, lda, n) else { return };
        blend(alpha, dot1(r), beta, yi);
        i += 1;
    }
}

/// `y = alpha·A·x + beta·y` (row-major `m × n`, stride `lda`).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemv<T: Float, P: Prims<T>>(
    m: usize,
    n: usize,
    alpha: T,
    a: &[T],
    lda: usize,
    x: &[T],
    beta: T,
    y: &mut [T],
) {
    debug_assert_eq!(x.len(), n);
    let x = &x[..n.min(x.len())];
    gemv_by(
        m,
        n,
        alpha,
        a,
        lda,
        beta,
        y,
        #[inline(always)]
        |r| P::dot4(r, x),
        #[inline(always)]
        |r| P::dot(r, x),
    );
}

/// `y = beta·y` with `beta == 0` clearing (so NaN in the old `y` is not propagated).
#[inline(always)]
fn prescale<T: Float, P: Prims<T>>(beta: T, y: &mut [T]) {
    if beta == T::ZERO {
        y.fill(T::ZERO);
    } else if beta != T::ONE {
        P::scale(beta, y);
    }
}

/// `y = alpha·Aᵀ·x + beta·y` as `beta·y` followed by rows of `A` added four at a time
/// ([`Prims::axpy4`]: one pass over `y` per four rows instead of per row), the last `m % 4`
/// rows one axpy each. Per element the sum order is that of one axpy per row.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemv_t<T: Float, P: Prims<T>>(
    m: usize,
    n: usize,
    alpha: T,
    a: &[T],
    lda: usize,
    x: &[T],
    beta: T,
    y: &mut [T],
) {
    gemv_t_by(
        m,
        n,
        alpha,
        a,
        lda,
        x,
        beta,
        y,
        #[inline(always)]
        |al, r, y| P::axpy4(al, r, y),
        #[inline(always)]
        |al, r, y| P::axpy(al, r, y),
    );
}

/// [`gemv_t`] for any element type `E` of `A`: `axpy4` adds four rows, `axpy1` one.
/// `beta·y` is an elementwise product (the same bits on every path).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemv_t_by<E, T: Float>(
    m: usize,
    n: usize,
    alpha: T,
    a: &[E],
    lda: usize,
    x: &[T],
    beta: T,
    y: &mut [T],
    axpy4: impl Fn([T; 4], [&[E]; 4], &mut [T]),
    axpy1: impl Fn(T, &[E], &mut [T]),
) {
    debug_assert!(x.len() == m && y.len() == n);
    let Some(y) = y.get_mut(..n) else { return };
    if beta == T::ZERO {
        y.fill(T::ZERO);
    } else if beta != T::ONE {
        y.iter_mut().for_each(|v| *v *= beta);
    }
    let x = &x[..m.min(x.len())];
    let mut xb = x.chunks_exact(4);
    let mut i = 0;
    for xq in xb.by_ref() {
        let (Some(r0), Some(r1), Some(r2), Some(r3)) =
            (row(a, i, lda, n), row(a, i + 1, lda, n), row(a, i + 2, lda, n), row(a, i + 3, lda, n))
        else {
            return;
        };
        axpy4([alpha * xq[0], alpha * xq[1], alpha * xq[2], alpha * xq[3]], [r0, r1, r2, r3], y);
        i += 4;
    }
    for &xi in xb.remainder() {
        let Some(r) = row(a, i, lda, n) else { return };
        axpy1(alpha * xi, r, y);
        i += 1;
    }
}

/// One pass over the rows of `A` (`m × n`, stride `lda`) for a Sinkhorn-type sweep: per block
/// of four rows `kv = A_rows·x` through `dot4`, `u = r ⊘ kv`, then `add4(u, rows, acc)` while
/// the rows are still in L1; the last `m % 4` rows through `dot1` / `add1`. The caller zeroes
/// `acc` and passes `add*` closures that accumulate `Aᵀu` into it (`acc` is separate from the
/// closures so that both may write to it).
///
/// The row blocks are those of [`gemv_by`] and [`gemv_t_by`], and `kv_i` is the `dot4`/`dot1`
/// result itself (what `gemv_by` stores for `alpha = 1`, `beta = 0`), so with the same closures
/// `kv`, `u` and `acc` equal `gemv_by`, an elementwise division and `gemv_t_by` (`alpha = 1`,
/// `beta = 0`) bit for bit. Over the common length of `r`, `kv`, `u` (expected `m`).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn sweep_by<E, T: Float, Y: ?Sized>(
    m: usize,
    n: usize,
    a: &[E],
    lda: usize,
    r: &[T],
    kv: &mut [T],
    u: &mut [T],
    acc: &mut Y,
    dot4: impl Fn([&[E]; 4]) -> [T; 4],
    dot1: impl Fn(&[E]) -> T,
    add4: impl Fn([T; 4], [&[E]; 4], &mut Y),
    add1: impl Fn(T, &[E], &mut Y),
) {
    debug_assert!(r.len() == m && kv.len() == m && u.len() == m);
    let m = m.min(r.len()).min(kv.len()).min(u.len());
    let (mut rb, mut kb, mut ub) =
        (r[..m].chunks_exact(4), kv[..m].chunks_exact_mut(4), u[..m].chunks_exact_mut(4));
    let mut i = 0;
    for ((rq, kq), uq) in rb.by_ref().zip(kb.by_ref()).zip(ub.by_ref()) {
        let (Some(r0), Some(r1), Some(r2), Some(r3)) =
            (row(a, i, lda, n), row(a, i + 1, lda, n), row(a, i + 2, lda, n), row(a, i + 3, lda, n))
        else {
            return;
        };
        let rows = [r0, r1, r2, r3];
        let s = dot4(rows);
        let uu = [rq[0] / s[0], rq[1] / s[1], rq[2] / s[2], rq[3] / s[3]];
        kq.copy_from_slice(&s);
        uq.copy_from_slice(&uu);
        add4(uu, rows, acc);
        i += 4;
    }
    for ((&ri, k), ui) in rb.remainder().iter().zip(kb.into_remainder()).zip(ub.into_remainder()) {
        let Some(rw) = row(a, i, lda, n) else { return };
        let s = dot1(rw);
        (*k, *ui) = (s, ri / s);
        add1(*ui, rw, acc);
        i += 1;
    }
}

/// `kv = A·x`, `u = r ⊘ kv`, `y = Aᵀu` in one pass over `A` ([`sweep_by`] with the path's
/// `dot4`/`dot`/`axpy4`/`axpy`): bit-identical to [`gemv`] + division + [`gemv_t`].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn sweep<T: Float, P: Prims<T>>(
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
    debug_assert!(x.len() == n && y.len() == n);
    let x = &x[..n.min(x.len())];
    let Some(y) = y.get_mut(..n) else { return };
    y.fill(T::ZERO);
    sweep_by(
        m,
        n,
        a,
        lda,
        r,
        kv,
        u,
        y,
        #[inline(always)]
        |rows| P::dot4(rows, x),
        #[inline(always)]
        |rw| P::dot(rw, x),
        #[inline(always)]
        |al, rows, y| P::axpy4(al, rows, y),
        #[inline(always)]
        |al, rw, y| P::axpy(al, rw, y),
    );
}

/// `A += alpha·x·yᵀ`, one axpy per row.
#[inline(always)]
pub(crate) fn ger<T: Float, P: Prims<T>>(alpha: T, x: &[T], y: &[T], a: &mut [T], lda: usize) {
    for (i, &xi) in x.iter().enumerate() {
        let Some(r) = row_mut(a, i, lda, y.len()) else { return };
        P::axpy(alpha * xi, y, r);
    }
}

/// `C = alpha·op(A)·op(B) + beta·C`, row-major.
///
/// - `(No, No)` and `(Yes, No)`: row-axpy form, `C[i,:] = beta·C[i,:]` then
///   `C[i,:] += (alpha·op(A)[i,p])·B[p,:]` for `p = 0..k` (vectorised along `n`).
/// - `(No, Yes)`: `C[i,j] = alpha·dot(A[i,:], B[j,:]) + beta·C[i,j]` (vectorised along `k`,
///   four rows of `B` at a time).
/// - `(Yes, Yes)`: a plain strided loop (not vectorised; rare in training).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm<T: Float, P: Prims<T>>(
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
    let a_at = |i: usize, p: usize| -> Option<T> {
        let idx = match ta {
            Trans::No => i.checked_mul(lda)?.checked_add(p)?,
            Trans::Yes => p.checked_mul(lda)?.checked_add(i)?,
        };
        a.get(idx).copied()
    };
    for i in 0..m {
        let Some(ci) = row_mut(c, i, ldc, n) else { return };
        match tb {
            Trans::No => {
                prescale::<T, P>(beta, ci);
                for p in 0..k {
                    let (Some(aip), Some(bp)) = (a_at(i, p), row(b, p, ldb, n)) else { return };
                    P::axpy(alpha * aip, bp, ci);
                }
            }
            Trans::Yes => match ta {
                Trans::No => {
                    let Some(ai) = row(a, i, lda, k) else { return };
                    gemv_by(
                        n,
                        k,
                        alpha,
                        b,
                        ldb,
                        beta,
                        ci,
                        #[inline(always)]
                        |r| P::dot4(r, ai),
                        #[inline(always)]
                        |r| P::dot(r, ai),
                    );
                }
                Trans::Yes => {
                    for (j, cij) in ci.iter_mut().enumerate() {
                        let mut s = T::ZERO;
                        for p in 0..k {
                            let (Some(aip), Some(&bjp)) =
                                (a_at(i, p), row(b, j, ldb, k).and_then(|r| r.get(p)))
                            else {
                                return;
                            };
                            s += aip * bjp;
                        }
                        blend(alpha, s, beta, cij);
                    }
                }
            },
        }
    }
}

/// Number of elements [`log_sum_exp`] exponentiates at a time in its stack buffer.
const LSE_CHUNK: usize = 64;

/// Stable `ln Σ e^x` (max-shifted): `-inf` if empty or all `-inf`, `+inf` if any is `+inf`
/// (and none is NaN), NaN if any is NaN.
#[inline(always)]
pub(crate) fn log_sum_exp<T: Float, P: Prims<T>>(x: &[T]) -> T {
    let m = P::max(x);
    if m.is_nan() || m == T::NEG_INFINITY || m == T::INFINITY {
        return m;
    }
    let mut buf = [T::ZERO; LSE_CHUNK];
    let mut s = T::ZERO;
    for chunk in x.chunks(LSE_CHUNK) {
        let b = &mut buf[..chunk.len()];
        b.copy_from_slice(chunk);
        s += P::exp_shifted(b, m);
    }
    m + s.ln()
}

/// In place stable softmax `x[i] = e^(x[i]-max) / Σ_j e^(x[j]-max)`. NaN anywhere, a `+inf`
/// or all elements `-inf` give all-NaN output (no meaningful distribution exists).
#[inline(always)]
pub(crate) fn softmax<T: Float, P: Prims<T>>(x: &mut [T]) {
    let m = P::max(x);
    let s = P::exp_shifted(x, m);
    P::scale(T::ONE / s, x);
}
