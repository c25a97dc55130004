//! BLAS-like kernels and the exp/softmax family (f32, ferrokern-simd's dispatched paths).

use ferrokern::linalg::{self, MatMut, MatRef, Trans};
use ferrokern::Real;

use crate::ptr::{dims, disjoint, out, slice, slice_mut, span};
use crate::status::{fk_status, run, Res};

/// `trans` value: use the matrix as stored.
pub const FK_NO_TRANS: i32 = 0;
/// `trans` value: use the transpose of the stored matrix.
pub const FK_TRANS: i32 = 1;

fn trans(t: i32) -> Res<Trans> {
    match t {
        FK_NO_TRANS => Ok(Trans::No),
        FK_TRANS => Ok(Trans::Yes),
        _ => Err(fk_status::FK_ERR_INVALID_PARAMETER),
    }
}

/// `*result = Σ a[i]·b[i]` over `n` elements (`a`, `b`: `n` floats each; `n = 0` gives 0).
/// NaN/inf propagate. Cost: `n` multiply-adds, no memory.
///
/// Errors: `FK_ERR_NULL_POINTER` (`result` NULL, or `a`/`b` NULL with `n > 0`),
/// `FK_ERR_OVERLAP` (`result` inside `a` or `b`).
///
/// # Safety
/// `a` and `b` address `n` floats each, `result` one float.
#[no_mangle]
pub unsafe extern "C" fn fk_dot_f32(a: *const f32, b: *const f32, n: usize, result: *mut f32) -> fk_status {
    run(|| {
        disjoint(&[span(result, 1)?], &[span(a, n)?, span(b, n)?])?;
        // SAFETY: lengths as documented above (the C caller's contract); `result` is disjoint
        // from the inputs (checked).
        let (a, b, result) = unsafe { (slice(a, n)?, slice(b, n)?, out(result)?) };
        *result = linalg::dot(a, b)?;
        Ok(())
    })
}

/// `y[i] += alpha·x[i]` for `i < n`. Cost: `n` multiply-adds, no memory.
///
/// Errors: `FK_ERR_NULL_POINTER`, `FK_ERR_OVERLAP` (`y` overlaps `x`).
///
/// # Safety
/// `x` and `y` address `n` floats each.
#[no_mangle]
pub unsafe extern "C" fn fk_axpy_f32(alpha: f32, x: *const f32, y: *mut f32, n: usize) -> fk_status {
    run(|| {
        disjoint(&[span(y, n)?], &[span(x, n)?])?;
        // SAFETY: lengths as documented; `y` disjoint from `x` (checked).
        let (x, y) = unsafe { (slice(x, n)?, slice_mut(y, n)?) };
        Ok(linalg::axpy(alpha, x, y)?)
    })
}

/// Matrix-vector product with `A` stored row-major `m × n`:
/// `trans == FK_NO_TRANS`: `y = alpha·A·x + beta·y` (`x`: n, `y`: m floats);
/// `trans == FK_TRANS`: `y = alpha·Aᵀ·x + beta·y` (`x`: m, `y`: n floats).
/// `beta == 0` ignores the old `y`. Cost: `m·n` multiply-adds, no memory.
///
/// Errors: `FK_ERR_INVALID_PARAMETER` (bad `trans`), `FK_ERR_SIZE_OVERFLOW` (`m·n`),
/// `FK_ERR_NULL_POINTER`, `FK_ERR_OVERLAP` (`y` overlaps `a` or `x`).
///
/// # Safety
/// `a` addresses `m·n` floats, `x` and `y` the lengths above.
#[no_mangle]
pub unsafe extern "C" fn fk_gemv_f32(
    trans_a: i32,
    m: usize,
    n: usize,
    alpha: f32,
    a: *const f32,
    x: *const f32,
    beta: f32,
    y: *mut f32,
) -> fk_status {
    run(|| {
        let t = trans(trans_a)?;
        let (xn, yn) = if t == Trans::No { (n, m) } else { (m, n) };
        let mn = dims(m, n)?;
        disjoint(&[span(y, yn)?], &[span(a, mn)?, span(x, xn)?])?;
        // SAFETY: lengths as documented; `y` disjoint from the inputs (checked).
        let (a, x, y) = unsafe { (slice(a, mn)?, slice(x, xn)?, slice_mut(y, yn)?) };
        let a = MatRef::new(a, m, n)?;
        match t {
            Trans::No => a.gemv(alpha, x, beta, y)?,
            Trans::Yes => a.gemv_t(alpha, x, beta, y)?,
        }
        Ok(())
    })
}

/// `C = alpha·op(A)·op(B) + beta·C`, all row-major: `C` is `m × n`, `op(A)` is `m × k`
/// (stored `m × k`, or `k × m` with `FK_TRANS`), `op(B)` is `k × n` (stored `k × n`, or
/// `n × k` with `FK_TRANS`). `beta == 0` ignores the old `C`. Cost: `m·n·k` multiply-adds,
/// no memory.
///
/// Errors: `FK_ERR_INVALID_PARAMETER` (bad `trans_a`/`trans_b`), `FK_ERR_SIZE_OVERFLOW`,
/// `FK_ERR_NULL_POINTER`, `FK_ERR_OVERLAP` (`c` overlaps `a` or `b`).
///
/// # Safety
/// `a` addresses `m·k`, `b` `k·n`, `c` `m·n` floats.
#[no_mangle]
pub unsafe extern "C" fn fk_gemm_f32(
    trans_a: i32,
    trans_b: i32,
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: *const f32,
    b: *const f32,
    beta: f32,
    c: *mut f32,
) -> fk_status {
    run(|| {
        let (ta, tb) = (trans(trans_a)?, trans(trans_b)?);
        let (mk, kn, mn) = (dims(m, k)?, dims(k, n)?, dims(m, n)?);
        disjoint(&[span(c, mn)?], &[span(a, mk)?, span(b, kn)?])?;
        // SAFETY: lengths as documented; `c` disjoint from the inputs (checked).
        let (a, b, c) = unsafe { (slice(a, mk)?, slice(b, kn)?, slice_mut(c, mn)?) };
        let a = if ta == Trans::No { MatRef::new(a, m, k)? } else { MatRef::new(a, k, m)? };
        let b = if tb == Trans::No { MatRef::new(b, k, n)? } else { MatRef::new(b, n, k)? };
        Ok(MatMut::new(c, m, n)?.gemm(alpha, a, ta, b, tb, beta)?)
    })
}

/// In place `x[i] = e^x[i]` for `i < n` (ferrokern's own exp: ≤ 2 ULP vs a correctly rounded
/// exp on `[-87.33, 88.72]`; `x > 88.72 → +inf`, NaN → NaN). Cost: `n` exps, no memory.
///
/// Errors: `FK_ERR_NULL_POINTER`.
///
/// # Safety
/// `x` addresses `n` floats.
#[no_mangle]
pub unsafe extern "C" fn fk_exp_f32(x: *mut f32, n: usize) -> fk_status {
    run(|| {
        // SAFETY: length as documented; the only buffer.
        let x = unsafe { slice_mut(x, n)? };
        f32::exp_slice(x);
        Ok(())
    })
}

/// In place stable softmax of `x` (`n ≥ 1` finite floats): `x[i] = e^(x[i]−max) / Σ e^(x[j]−max)`.
/// Cost: `n` exps and 3 passes, no memory.
///
/// Errors: `FK_ERR_NULL_POINTER`, `FK_ERR_INVALID_PARAMETER` (`n == 0`), `FK_ERR_NON_FINITE`
/// (`x` untouched).
///
/// # Safety
/// `x` addresses `n` floats.
#[no_mangle]
pub unsafe extern "C" fn fk_softmax_f32(x: *mut f32, n: usize) -> fk_status {
    run(|| {
        // SAFETY: length as documented; the only buffer.
        let x = unsafe { slice_mut(x, n)? };
        check_nonempty_finite(x)?;
        f32::softmax(x);
        Ok(())
    })
}

/// `*result = ln Σ e^x[i]` (max-shifted, stable) over `n ≥ 1` finite floats. Cost: `n` exps,
/// no memory.
///
/// Errors: `FK_ERR_NULL_POINTER`, `FK_ERR_OVERLAP`, `FK_ERR_INVALID_PARAMETER` (`n == 0`),
/// `FK_ERR_NON_FINITE`.
///
/// # Safety
/// `x` addresses `n` floats, `result` one float.
#[no_mangle]
pub unsafe extern "C" fn fk_log_sum_exp_f32(x: *const f32, n: usize, result: *mut f32) -> fk_status {
    run(|| {
        disjoint(&[span(result, 1)?], &[span(x, n)?])?;
        // SAFETY: lengths as documented; `result` disjoint from `x` (checked).
        let (x, result) = unsafe { (slice(x, n)?, out(result)?) };
        check_nonempty_finite(x)?;
        *result = f32::log_sum_exp(x);
        Ok(())
    })
}

fn check_nonempty_finite(x: &[f32]) -> Res<()> {
    if x.is_empty() {
        return Err(fk_status::FK_ERR_INVALID_PARAMETER);
    }
    Ok(ferrokern::real::check_finite("x", x)?)
}
