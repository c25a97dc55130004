//! Data preparation for training: feature standardisation from training rows, row gathering
//! for minibatches.

use crate::error::{check_len, mul_size};
use crate::{Error, Real, Result};

/// Row `r` (`cols` wide) of a row-major matrix.
fn row<T>(x: &[T], cols: usize, r: usize) -> Result<&[T]> {
    let start = mul_size(r, cols)?;
    x.get(start..start.saturating_add(cols))
        .ok_or(Error::InvalidParameter { name: "rows", reason: "row index out of range" })
}

/// Per-column mean and population std (ddof 0) of `x` (row-major, `cols` wide) over the rows
/// listed in `rows` (e.g. the training rows). A constant column gets std 1 so that
/// [`standardize`] maps it to 0. Two passes, O(rows · cols), no extra memory.
///
/// ```
/// use ferrokern::nn::column_stats;
/// let x = [1.0, 10.0, 3.0, 10.0, 100.0, 0.0]; // 3 rows × 2 columns
/// let (mut mean, mut std) = ([0.0; 2], [0.0; 2]);
/// column_stats(&x, 2, &[0, 1], &mut mean, &mut std)?; // rows 0 and 1 only
/// assert_eq!(mean, [2.0, 10.0]);
/// assert_eq!(std, [1.0, 1.0]); // population std 1; the constant column gets 1
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] if `x.len()` is not a multiple of `cols` or `mean`/`std` are
/// not `cols` long; [`Error::InvalidParameter`] for `cols == 0`, empty `rows` or a row index
/// out of range; [`Error::NumericalFailure`] if a mean or std is not finite (NaN/inf in the
/// selected rows, or values so large that the variance overflows `T`; `mean`/`std` are then
/// unspecified).
pub fn column_stats<T: Real>(
    x: &[T],
    cols: usize,
    rows: &[usize],
    mean: &mut [T],
    std: &mut [T],
) -> Result<()> {
    if cols == 0 || rows.is_empty() {
        return Err(Error::InvalidParameter { name: "cols/rows", reason: "must be non-empty" });
    }
    check_len("x", x.len() - x.len() % cols, x.len())?;
    check_len("mean", cols, mean.len())?;
    check_len("std", cols, std.len())?;
    for &r in rows {
        row(x, cols, r)?;
    }
    stats_over(rows.iter().filter_map(|&r| row(x, cols, r).ok()), rows.len(), mean, std)
}

/// [`column_stats`] over every row of `x` (all rows are training rows). O(rows · cols).
///
/// ```
/// use ferrokern::nn::column_stats_all;
/// let x = [1.0, 5.0, 3.0, 5.0]; // 2 rows × 2 columns; column 1 is constant
/// let (mut mean, mut std) = ([0.0; 2], [0.0; 2]);
/// column_stats_all(&x, 2, &mut mean, &mut std)?;
/// assert_eq!((mean, std), ([2.0, 5.0], [1.0, 1.0])); // population std of {1, 3} is 1; constant → 1
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] if `x.len()` is not a multiple of `cols` or `mean`/`std` are
/// not `cols` long; [`Error::InvalidParameter`] for `cols == 0` or empty `x`;
/// [`Error::NumericalFailure`] as in [`column_stats`].
pub fn column_stats_all<T: Real>(x: &[T], cols: usize, mean: &mut [T], std: &mut [T]) -> Result<()> {
    if cols == 0 || x.is_empty() {
        return Err(Error::InvalidParameter { name: "cols/rows", reason: "must be non-empty" });
    }
    check_len("x", x.len() - x.len() % cols, x.len())?;
    check_len("mean", cols, mean.len())?;
    check_len("std", cols, std.len())?;
    stats_over(x.chunks_exact(cols), x.len() / cols, mean, std)
}

/// Mean and population std of `count` rows (a cloneable iterator of equal-length rows);
/// `NumericalFailure` if a statistic is not finite.
fn stats_over<'a, T: Real, I: Iterator<Item = &'a [T]> + Clone>(
    rows: I,
    count: usize,
    mean: &mut [T],
    std: &mut [T],
) -> Result<()> {
    let inv = T::ONE / T::from_usize(count);
    mean.fill(T::ZERO);
    for r in rows.clone() {
        T::axpy(inv, r, mean);
    }
    std.fill(T::ZERO);
    for r in rows {
        for ((s, &v), &m) in std.iter_mut().zip(r).zip(mean.iter()) {
            *s += (v - m) * (v - m) * inv;
        }
    }
    for s in std.iter_mut() {
        *s = if *s > T::ZERO { s.sqrt() } else { T::ONE };
    }
    // `> 0` above also maps a NaN variance to 1: the means carry the NaN.
    if mean.iter().chain(std.iter()).any(|v| !v.is_finite()) {
        return Err(Error::NumericalFailure {
            what: "column statistics not finite (NaN/inf or overflowing x)",
        });
    }
    Ok(())
}

/// In place `x[r][c] = (x[r][c] − mean[c]) / std[c]` for every row. O(len).
///
/// ```
/// use ferrokern::nn::standardize;
/// let mut x = [3.0, 10.0, 1.0, 14.0]; // 2 rows × 2 columns
/// standardize(&mut x, &[2.0, 12.0], &[1.0, 2.0])?;
/// assert_eq!(x, [1.0, -1.0, -1.0, 1.0]);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] if `mean`/`std` differ in length or `x.len()` is not a
/// multiple of it; [`Error::InvalidParameter`] if a std is not finite and > 0.
pub fn standardize<T: Real>(x: &mut [T], mean: &[T], std: &[T]) -> Result<()> {
    let cols = mean.len();
    check_len("std", cols, std.len())?;
    if cols == 0 {
        return Err(Error::InvalidParameter { name: "mean", reason: "must be non-empty" });
    }
    check_len("x", x.len() - x.len() % cols, x.len())?;
    for &s in std {
        crate::real::check_positive("std", s)?;
    }
    for r in x.chunks_exact_mut(cols) {
        for ((v, &m), &s) in r.iter_mut().zip(mean).zip(std) {
            *v = (*v - m) / s;
        }
    }
    Ok(())
}

/// Copies rows `rows` of `src` (row-major, `cols` wide) into `dst` (`rows.len() × cols`), e.g.
/// a shuffled minibatch. O(rows · cols).
///
/// ```
/// use ferrokern::nn::gather_rows;
/// let src = [1, 2, 3, 4, 5, 6]; // 3 rows × 2 columns
/// let mut dst = [0; 4];
/// gather_rows(&src, 2, &[2, 0], &mut dst)?;
/// assert_eq!(dst, [5, 6, 1, 2]);
/// assert!(gather_rows(&src, 2, &[3, 0], &mut dst).is_err()); // row 3 does not exist
/// assert_eq!(dst, [5, 6, 1, 2]);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] for a wrong `dst` length; [`Error::InvalidParameter`] for a
/// row index out of range (nothing written).
pub fn gather_rows<T: Copy>(src: &[T], cols: usize, rows: &[usize], dst: &mut [T]) -> Result<()> {
    check_len("dst", mul_size(rows.len(), cols)?, dst.len())?;
    for &r in rows {
        row(src, cols, r)?;
    }
    if cols == 0 {
        return Ok(());
    }
    for (d, &r) in dst.chunks_exact_mut(cols).zip(rows) {
        d.copy_from_slice(row(src, cols, r)?);
    }
    Ok(())
}

/// Copies `src[idx[i]]` into `dst[i]` (labels of a minibatch). O(len).
///
/// ```
/// use ferrokern::nn::gather;
/// let mut dst = [0u8; 3];
/// gather(&[10u8, 20, 30], &[2, 2, 0], &mut dst)?;
/// assert_eq!(dst, [30, 30, 10]);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] for a wrong `dst` length; [`Error::InvalidParameter`] for an
/// index out of range (nothing written).
pub fn gather<T: Copy>(src: &[T], idx: &[usize], dst: &mut [T]) -> Result<()> {
    check_len("dst", idx.len(), dst.len())?;
    if idx.iter().any(|&i| i >= src.len()) {
        return Err(Error::InvalidParameter { name: "idx", reason: "index out of range" });
    }
    for (d, &i) in dst.iter_mut().zip(idx) {
        if let Some(&v) = src.get(i) {
            *d = v;
        }
    }
    Ok(())
}
