//! Row-major matrix views over caller slices, and the checked operations kernels compose.
//! The arithmetic itself is `ferrokern-simd`'s (through [`Real`]).
//!
//! Accuracy: f64 runs the scalar path; f32 runs the active SIMD path, whose distance from the
//! scalar path is stated on each `ferrokern-simd` function in units of `u = 2⁻²⁴` (for `dot`
//! of length n: `2·n·u·Σ|a_i b_i|`) and tested for every path in `simd/tests/paths.rs`. The
//! scalar path is the same on every target, so Cortex-M4F reproduces the host's
//! `FERROKERN_SIMD=scalar` results bit for bit (`cargo xtask firmware`).
//!
//! ```
//! use ferrokern::linalg::{dot, MatRef};
//! let a = MatRef::new(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3)?; // 2×3, row-major
//! let mut y = [0.0f32; 2];
//! a.gemv(1.0, &[1.0, 0.0, -1.0], 0.0, &mut y)?;
//! assert_eq!(y, [-2.0, -2.0]);
//! assert_eq!(dot(&y, &y)?, 8.0);
//! # Ok::<(), ferrokern::Error>(())
//! ```

use crate::error::{check_len, mul_size};
use crate::real::check_finite;
use crate::{Error, Real, Result};
pub use ferrokern_simd::Trans;

/// Required slice length of a row-major `rows × cols` matrix with row stride `stride ≥ cols`.
fn required_len(rows: usize, cols: usize, stride: usize) -> Result<usize> {
    if stride < cols {
        return Err(Error::InvalidParameter { name: "stride", reason: "must be >= cols" });
    }
    if rows == 0 || cols == 0 {
        return Ok(0);
    }
    // (rows-1)·stride + cols: the last row need not be padded.
    mul_size(rows - 1, stride)?.checked_add(cols).ok_or(Error::SizeOverflow)
}

/// Read-only row-major matrix view.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a, T> {
    data: &'a [T],
    rows: usize,
    cols: usize,
    stride: usize,
}

/// Mutable row-major matrix view.
#[derive(Debug)]
pub struct MatMut<'a, T> {
    data: &'a mut [T],
    rows: usize,
    cols: usize,
    stride: usize,
}

impl<'a, T: Real> MatRef<'a, T> {
    /// A dense `rows × cols` view (stride = cols). Errors if `data.len() != rows·cols`.
    pub fn new(data: &'a [T], rows: usize, cols: usize) -> Result<Self> {
        check_len("matrix data", mul_size(rows, cols)?, data.len())?;
        Ok(Self { data, rows, cols, stride: cols })
    }
    /// A strided view. Errors if `stride < cols` or `data` is shorter than needed.
    pub fn with_stride(data: &'a [T], rows: usize, cols: usize, stride: usize) -> Result<Self> {
        let need = required_len(rows, cols, stride)?;
        if data.len() < need {
            return Err(Error::DimensionMismatch { what: "matrix data", expected: need, found: data.len() });
        }
        Ok(Self { data, rows, cols, stride })
    }
    /// Rows.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Columns.
    #[must_use]
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// Row stride.
    #[must_use]
    pub fn stride(&self) -> usize {
        self.stride
    }
    /// The underlying slice.
    #[must_use]
    pub fn as_slice(&self) -> &'a [T] {
        self.data
    }
    /// Row `i` (`None` past the end).
    #[must_use]
    pub fn row(&self, i: usize) -> Option<&'a [T]> {
        if i >= self.rows {
            return None;
        }
        let start = i.checked_mul(self.stride)?;
        self.data.get(start..start.checked_add(self.cols)?)
    }
    /// Element `(i, j)`.
    #[must_use]
    pub fn get(&self, i: usize, j: usize) -> Option<T> {
        if j >= self.cols {
            return None;
        }
        self.row(i)?.get(j).copied()
    }
    /// `y = alpha·A·x + beta·y`. O(rows·cols).
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] before anything is written; [`Error::NumericalFailure`] when
    /// the result is not finite (NaN/inf in the inputs, or overflow) — `y` then holds it.
    pub fn gemv(&self, alpha: T, x: &[T], beta: T, y: &mut [T]) -> Result<()> {
        check_len("x", self.cols, x.len())?;
        check_len("y", self.rows, y.len())?;
        T::gemv(self.rows, self.cols, alpha, self.data, self.stride, x, beta, y);
        finite_result("gemv", y)
    }
    /// `y = alpha·Aᵀ·x + beta·y`. O(rows·cols).
    ///
    /// # Errors
    /// As [`MatRef::gemv`].
    pub fn gemv_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T]) -> Result<()> {
        check_len("x", self.rows, x.len())?;
        check_len("y", self.cols, y.len())?;
        T::gemv_t(self.rows, self.cols, alpha, self.data, self.stride, x, beta, y);
        finite_result("gemv_t", y)
    }
}

impl<'a, T: Real> MatMut<'a, T> {
    /// A dense `rows × cols` view. Errors if `data.len() != rows·cols`.
    pub fn new(data: &'a mut [T], rows: usize, cols: usize) -> Result<Self> {
        check_len("matrix data", mul_size(rows, cols)?, data.len())?;
        Ok(Self { data, rows, cols, stride: cols })
    }
    /// Rows.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Columns.
    #[must_use]
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// Read-only view of the same matrix.
    #[must_use]
    pub fn as_ref(&self) -> MatRef<'_, T> {
        MatRef { data: self.data, rows: self.rows, cols: self.cols, stride: self.stride }
    }
    /// Mutable row `i`.
    pub fn row_mut(&mut self, i: usize) -> Option<&mut [T]> {
        if i >= self.rows {
            return None;
        }
        let start = i.checked_mul(self.stride)?;
        let end = start.checked_add(self.cols)?;
        self.data.get_mut(start..end)
    }
    /// `C = alpha·op(A)·op(B) + beta·C` with `self` as `C`. O(rows·cols·k).
    ///
    /// # Errors
    /// As [`MatRef::gemv`] (`C` holds a non-finite result).
    pub fn gemm(
        &mut self,
        alpha: T,
        a: MatRef<'_, T>,
        ta: Trans,
        b: MatRef<'_, T>,
        tb: Trans,
        beta: T,
    ) -> Result<()> {
        let (am, ak) = match ta {
            Trans::No => (a.rows, a.cols),
            Trans::Yes => (a.cols, a.rows),
        };
        let (bk, bn) = match tb {
            Trans::No => (b.rows, b.cols),
            Trans::Yes => (b.cols, b.rows),
        };
        check_len("op(A) rows", self.rows, am)?;
        check_len("op(B) rows", ak, bk)?;
        check_len("op(B) cols", self.cols, bn)?;
        T::gemm(
            ta,
            tb,
            self.rows,
            self.cols,
            ak,
            alpha,
            a.data,
            a.stride,
            b.data,
            b.stride,
            beta,
            self.data,
            self.stride,
        );
        self.finite_result("gemm")
    }
    /// Rank-1 update `A += alpha·x·yᵀ`. O(rows·cols).
    ///
    /// # Errors
    /// As [`MatRef::gemv`] (`A` holds a non-finite result).
    pub fn ger(&mut self, alpha: T, x: &[T], y: &[T]) -> Result<()> {
        check_len("x", self.rows, x.len())?;
        check_len("y", self.cols, y.len())?;
        T::ger(alpha, x, y, self.data, self.stride);
        self.finite_result("ger")
    }

    /// [`Error::NumericalFailure`] naming `op` unless every element of the view is finite.
    fn finite_result(&mut self, op: &'static str) -> Result<()> {
        (0..self.rows).try_for_each(|i| finite_result(op, self.row_mut(i).unwrap_or_default()))
    }
}

/// The public wrappers' value contract (issue #8): `Ok` only with a finite result. O(len).
fn finite_result<T: Real>(op: &'static str, out: &[T]) -> Result<()> {
    check_finite(op, out)
        .map_err(|_| Error::NumericalFailure { what: "result not finite (NaN/inf input or overflow)" })
}

/// Checked `x · y`. O(n).
///
/// # Errors
/// [`Error::DimensionMismatch`]; [`Error::NumericalFailure`] when the result is not finite.
pub fn dot<T: Real>(x: &[T], y: &[T]) -> Result<T> {
    check_len("y", x.len(), y.len())?;
    let d = T::dot(x, y);
    finite_result("dot", &[d]).map(|()| d)
}

/// Checked `y += alpha·x`. O(n).
///
/// # Errors
/// [`Error::DimensionMismatch`] before anything is written; [`Error::NumericalFailure`] when
/// the result is not finite (`y` then holds it).
pub fn axpy<T: Real>(alpha: T, x: &[T], y: &mut [T]) -> Result<()> {
    check_len("y", x.len(), y.len())?;
    T::axpy(alpha, x, y);
    finite_result("axpy", y)
}

/// `m ≤ ld` and `a` holds the leading `m × ld` (row-major, stride `ld`).
fn fits_square<T>(a: &[T], m: usize, ld: usize) -> bool {
    m <= ld && m.checked_mul(ld).is_some_and(|n| a.len() >= n)
}

/// In-place Cholesky `A = LLᵀ` of the leading `m × m` of the row-major `a` (row stride `ld`): the
/// lower triangle is overwritten by `L`, the upper one is left untouched. Returns `false` (with
/// `a` partly overwritten) if a pivot is not positive and finite, or if `m > ld` /
/// `a.len() < m·ld`. O(m³/3), no scratch. The one dense Cholesky of the crate (block updates of
/// `bcd`, the Newton system of `ot`).
// Index bounds: `fits_square` holds, and every index below is `i·ld + k` with `i, k < m ≤ ld`, so
// `< m·ld ≤ a.len()`.
#[allow(clippy::indexing_slicing)]
pub(crate) fn cholesky_in_place<T: Real>(a: &mut [T], m: usize, ld: usize) -> bool {
    if !fits_square(a, m, ld) {
        return false;
    }
    for j in 0..m {
        let mut d = a[j * ld + j];
        for k in 0..j {
            d -= a[j * ld + k] * a[j * ld + k];
        }
        if d.partial_cmp(&T::ZERO) != Some(core::cmp::Ordering::Greater) || !d.is_finite() {
            return false;
        }
        let d = d.sqrt();
        a[j * ld + j] = d;
        for i in j + 1..m {
            let mut s = a[i * ld + j];
            for k in 0..j {
                s -= a[i * ld + k] * a[j * ld + k];
            }
            a[i * ld + j] = s / d;
        }
    }
    true
}

/// Solves `LLᵀx = b` in place (`x` holds `b` on entry, the solution on return) with the factor
/// from [`cholesky_in_place`]. Returns `false` (nothing written) if `m > ld`, `l.len() < m·ld` or
/// `x.len() < m`. O(m²).
// Index bounds: checked on entry; indices are `i·ld + k` / `k·ld + i` with `i, k < m ≤ ld` and
// `x[i]` with `i < m ≤ x.len()`.
#[allow(clippy::indexing_slicing)]
pub(crate) fn cholesky_solve_in_place<T: Real>(l: &[T], m: usize, ld: usize, x: &mut [T]) -> bool {
    if !fits_square(l, m, ld) || x.len() < m {
        return false;
    }
    for i in 0..m {
        let mut s = x[i];
        for k in 0..i {
            s -= l[i * ld + k] * x[k];
        }
        x[i] = s / l[i * ld + i];
    }
    for i in (0..m).rev() {
        let mut s = x[i];
        for k in i + 1..m {
            s -= l[k * ld + i] * x[k];
        }
        x[i] = s / l[i * ld + i];
    }
    true
}
