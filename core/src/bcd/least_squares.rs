//! Least squares with ridge, L1 (Lasso) or non-negative L1 penalty; the residual `r = y − Xw` is
//! the incremental state.

use super::problem::{Penalty, Problem};
use super::{check_lambda, col};
use crate::error::{check_len, mul_size};
use crate::real::check_finite;
use crate::{Error, Real, Result};
use core::cell::Cell;

/// `f(w) = (1/(2n))‖y − Xw‖² + (λ₂/2)‖w‖²` plus a [`Penalty`]; `X` is `n × p` row-major.
///
/// State: the residual `r = y − Xw` in a caller slice of length `n`; construction sets `r = y`
/// (the state of `w = 0`). Costs: [`Problem::partial`] O(n), [`Problem::apply`] O(n),
/// [`Problem::full_gradient`] O(n·p), [`Problem::hessian_bound`] O(n·|b|²), objective O(n + p),
/// duality gap O(n + p) from the gradient the solver keeps.
///
/// Column access walks `X` with stride `p`; [`LeastSquares::with_columns`] attaches a
/// column-major copy so `partial`/`apply` become contiguous `dot`/`axpy` (the fast path for
/// anything larger than a few kilobytes).
pub struct LeastSquares<'a, T> {
    x: &'a [T],
    y: &'a [T],
    n: usize,
    p: usize,
    l2: T,
    penalty: Penalty<T>,
    r: &'a mut [T],
    gram: Option<&'a [T]>,
    /// Column-major copy of `X` (`n·p`) and the `‖x_j‖²/n` (`p`), see `with_columns`.
    cols: Option<(&'a [T], &'a [T])>,
    /// `Xᵀy/n` (`p`), summed during the column copy: the gradient at `w = 0` without a pass.
    xty: Option<&'a [T]>,
    /// `r = y` exactly (cold start, no non-zero step applied since): `full_gradient` is `−Xᵀy/n`.
    at_zero: bool,
    /// `‖r‖²`, kept in step with `r` by `apply`.
    rr: T,
    /// `(j, x_jᵀr)` from the last `partial` if `r` has not changed since: lets `apply` update
    /// `‖r‖²` by `−2δ·x_jᵀr + δ²‖x_j‖²` instead of a new pass over `r`.
    last_dot: Cell<Option<(usize, T)>>,
}

impl<T: Real> core::fmt::Debug for LeastSquares<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LeastSquares")
            .field("n", &self.n)
            .field("p", &self.p)
            .field("l2", &self.l2)
            .field("penalty", &self.penalty)
            .field("gram", &self.gram.is_some())
            .field("columns", &self.cols.is_some())
            .finish_non_exhaustive()
    }
}

/// Length of the buffer [`LeastSquares::column_major`] and [`LeastSquares::with_columns`] need:
/// `n·p` (column-major `X`) + `2p` (column norms and `Xᵀy/n`). `None` on overflow.
#[must_use]
pub const fn columns_len(n: usize, p: usize) -> Option<usize> {
    match (n.checked_mul(p), p.checked_mul(2)) {
        (Some(np), Some(p2)) => np.checked_add(p2),
        _ => None,
    }
}

/// Copies row-major `x` (`n × p`) column-major into `cols` (`n·p`) and sums `norms_j = ‖x_j‖²/n`
/// and `xty_j = x_jᵀy/n` on the way: one pass over `x`, which is also its finiteness check (a
/// NaN/inf makes its column's sum non-finite; only then is the row tile searched, so the error
/// names the first bad row-major index as [`check_finite`] does; a sum that overflowed on finite
/// data passes). Tiles of `TILE` rows: each column receives `TILE` contiguous values per tile
/// while the tile's rows stay cached. `cols`, `norms`, `xty` are scratch on error.
fn copy_columns<T: Real>(
    (x, y, n, p): (&[T], &[T], usize, usize),
    cols: &mut [T],
    norms: &mut [T],
    xty: &mut [T],
) -> Result<()> {
    const TILE: usize = 16;
    norms.fill(T::ZERO);
    xty.fill(T::ZERO);
    for (t, (rows, ys)) in x.chunks(TILE * p).zip(y.chunks(TILE)).enumerate() {
        let i0 = t * TILE;
        let mut finite = true;
        let sums = norms.iter_mut().zip(xty.iter_mut());
        for ((j, c), (nj, gj)) in cols.chunks_exact_mut(n).enumerate().zip(sums) {
            let dst = c.get_mut(i0..).unwrap_or(&mut []);
            let (mut ss, mut sy) = (T::ZERO, T::ZERO);
            for ((d, &xij), &yi) in dst.iter_mut().zip(rows.get(j..).unwrap_or(&[]).iter().step_by(p)).zip(ys)
            {
                *d = xij;
                ss += xij * xij;
                sy += xij * yi;
            }
            finite &= ss.is_finite();
            *nj += ss;
            *gj += sy;
        }
        if !finite {
            check_finite("x", rows).map_err(|e| match e {
                Error::NonFinite { what, index } => Error::NonFinite { what, index: index + i0 * p },
                e => e,
            })?;
        }
    }
    let inv_n = T::ONE / T::from_usize(n);
    for v in norms.iter_mut().chain(xty.iter_mut()) {
        *v *= inv_n;
    }
    Ok(())
}

impl<'a, T: Real> LeastSquares<'a, T> {
    /// Validates and builds; with `cols` the column-major copy is made in the same pass as the
    /// finiteness check of `x` (see [`copy_columns`]), else `x` is checked on its own.
    fn build(
        (x, y, n, p): (&'a [T], &'a [T], usize, usize),
        l2: T,
        penalty: Penalty<T>,
        residual: &'a mut [T],
        cols: Option<&'a mut [T]>,
    ) -> Result<Self> {
        if n == 0 || p == 0 {
            return Err(Error::InvalidParameter { name: "n, p", reason: "must be > 0" });
        }
        check_len("x", mul_size(n, p)?, x.len())?;
        check_len("y", n, y.len())?;
        check_len("residual", n, residual.len())?;
        let (cols, xty) = match cols {
            Some(buf) => {
                let (cols, norms, xty) = split_columns(buf, n, p)?;
                copy_columns((x, y, n, p), cols, norms, xty)?;
                (Some((&*cols, &*norms)), Some(&*xty))
            }
            None => {
                check_finite("x", x)?;
                (None, None)
            }
        };
        check_finite("y", y)?;
        residual.copy_from_slice(y);
        let rr = T::dot(y, y);
        Ok(Self {
            x,
            y,
            n,
            p,
            l2,
            penalty,
            r: residual,
            gram: None,
            cols,
            xty,
            at_zero: true,
            rr,
            last_dot: Cell::new(None),
        })
    }

    /// Least squares `(1/(2n))‖y − Xw‖²` plus `penalty` with the column-major copy of `X` made
    /// during validation: [`LeastSquares::lasso`] (or [`LeastSquares::nonneg_l1`], or plain least
    /// squares with [`Penalty::None`]) followed by [`LeastSquares::with_columns`], but with one pass
    /// over `X` instead of two (the finiteness check is the copy's), and `Xᵀy/n` summed on the way
    /// so the first full gradient (at `w = 0`) costs O(p). O(n·p) once; memory `buf`
    /// (≥ [`columns_len`]).
    ///
    /// Errors: as [`LeastSquares::lasso`] (λ of the penalty negative or non-finite, shapes,
    /// [`Error::NonFinite`] naming the first bad row-major index of `x`), `buf` too small. On
    /// error `residual` is untouched; `buf` is scratch (its contents are unspecified).
    ///
    /// ```
    /// use ferrokern::bcd::{columns_len, LeastSquares, Penalty, Problem};
    /// let x = [1.0, 2.0, 3.0, 4.0]; // 2 × 2 row-major
    /// let y = [1.0, 1.0];
    /// let mut r = [0.0; 2];
    /// let mut buf = [0.0; 8];
    /// assert_eq!(columns_len(2, 2), Some(8));
    /// let lasso = LeastSquares::column_major(&x, &y, 2, 2, Penalty::L1(0.5), &mut r, &mut buf)?;
    /// assert_eq!(lasso.partial(&[0.0, 0.0], 1), -3.0); // −x_1ᵀy / n = −(2 + 4) / 2
    /// # Ok::<(), ferrokern::Error>(())
    /// ```
    pub fn column_major(
        x: &'a [T],
        y: &'a [T],
        n: usize,
        p: usize,
        penalty: Penalty<T>,
        residual: &'a mut [T],
        buf: &'a mut [T],
    ) -> Result<Self> {
        if let Penalty::L1(l) | Penalty::NonNegL1(l) = penalty {
            check_lambda(l)?;
        }
        Self::build((x, y, n, p), T::ZERO, penalty, residual, Some(buf))
    }

    /// Ridge least squares `(1/(2n))‖y − Xw‖² + (λ/2)‖w‖²` (λ = 0: plain least squares).
    ///
    /// Errors: `n` or `p` zero, `x.len() != n·p`, `y`/`residual` not of length `n`, non-finite
    /// data, λ negative or non-finite.
    ///
    /// ```
    /// use ferrokern::bcd::{LeastSquares, Problem};
    /// let x = [1.0, 0.0, 0.0, 2.0]; // 2 × 2
    /// let y = [1.0, 2.0];
    /// let mut r = [0.0; 2];
    /// let ls = LeastSquares::ridge(&x, &y, 2, 2, 0.0, &mut r).unwrap();
    /// assert_eq!(ls.objective(&[0.0, 0.0]), 1.25); // (1 + 4) / 4
    /// ```
    pub fn ridge(
        x: &'a [T],
        y: &'a [T],
        n: usize,
        p: usize,
        lambda: T,
        residual: &'a mut [T],
    ) -> Result<Self> {
        check_lambda(lambda)?;
        Self::build((x, y, n, p), lambda, Penalty::None, residual, None)
    }

    /// Lasso `(1/(2n))‖y − Xw‖² + λ‖w‖₁` (scikit-learn's `Lasso(alpha=λ, fit_intercept=False)`).
    /// Errors as [`LeastSquares::ridge`].
    ///
    /// ```
    /// use ferrokern::bcd::{LeastSquares, Problem};
    /// let x = [1.0, 0.0, 0.0, 1.0];
    /// let y = [2.0, 0.1];
    /// let mut r = [0.0; 2];
    /// let lasso = LeastSquares::lasso(&x, &y, 2, 2, 0.5, &mut r).unwrap();
    /// assert_eq!(lasso.objective_at_zero(), 4.01 / 4.0);
    /// ```
    pub fn lasso(
        x: &'a [T],
        y: &'a [T],
        n: usize,
        p: usize,
        lambda: T,
        residual: &'a mut [T],
    ) -> Result<Self> {
        check_lambda(lambda)?;
        Self::build((x, y, n, p), T::ZERO, Penalty::L1(lambda), residual, None)
    }

    /// Non-negative L1 least squares `(1/(2n))‖y − Xw‖² + λΣw`, `w ≥ 0` (spec §6 `lsl1nn`, up to
    /// the 1/n scaling). Errors as [`LeastSquares::ridge`].
    ///
    /// ```
    /// use ferrokern::bcd::{LeastSquares, Problem, Penalty};
    /// let (x, y) = ([1.0, 1.0], [1.0, -1.0]);
    /// let mut r = [0.0; 2];
    /// let nn = LeastSquares::nonneg_l1(&x, &y, 2, 1, 0.1, &mut r).unwrap();
    /// assert_eq!(nn.penalty(), Penalty::NonNegL1(0.1));
    /// ```
    pub fn nonneg_l1(
        x: &'a [T],
        y: &'a [T],
        n: usize,
        p: usize,
        lambda: T,
        residual: &'a mut [T],
    ) -> Result<Self> {
        check_lambda(lambda)?;
        Self::build((x, y, n, p), T::ZERO, Penalty::NonNegL1(lambda), residual, None)
    }

    /// Attaches the scaled Gram matrix `XᵀX/n` (`p × p` row-major, see [`gram`]) so greedy rules
    /// update the full gradient in O(p·|b|) per iteration instead of recomputing `Xᵀr` in O(n·p).
    /// Memory p² elements; worthwhile when `n ≫ |b|` and p² fits. Errors: wrong length,
    /// non-finite entries.
    pub fn with_gram(mut self, gram: &'a [T]) -> Result<Self> {
        check_len("gram", mul_size(self.p, self.p)?, gram.len())?;
        check_finite("gram", gram)?;
        self.gram = Some(gram);
        Ok(self)
    }

    /// Copies `X` column-major into `buf` (length ≥ [`columns_len`]) together with the scaled
    /// column norms `‖x_j‖²/n` and `Xᵀy/n`, so a coordinate's partial derivative and residual
    /// update are contiguous `dot`/`axpy` (vectorised) instead of stride-`p` walks. O(n·p) once;
    /// memory `n·p + 2p` elements. Results are identical up to rounding order (`dot` sums in a
    /// different order than the strided walk). [`LeastSquares::column_major`] does the same during
    /// construction, saving the separate finiteness pass over `X`. Errors: `buf` too small.
    ///
    /// ```
    /// use ferrokern::bcd::{columns_len, LeastSquares, Problem};
    /// let x = [1.0, 2.0, 3.0, 4.0]; // 2 × 2 row-major
    /// let y = [1.0, 1.0];
    /// let mut r = [0.0; 2];
    /// let mut buf = [0.0; 8];
    /// assert_eq!(columns_len(2, 2), Some(8));
    /// let ls = LeastSquares::ridge(&x, &y, 2, 2, 0.0, &mut r).unwrap().with_columns(&mut buf).unwrap();
    /// assert_eq!(ls.partial(&[0.0, 0.0], 1), -3.0); // −x_1ᵀy / n = −(2 + 4) / 2
    /// ```
    pub fn with_columns(mut self, buf: &'a mut [T]) -> Result<Self> {
        let (cols, norms, xty) = split_columns(buf, self.n, self.p)?;
        // `x` was checked at construction: the copy's finiteness test cannot fail
        copy_columns((self.x, self.y, self.n, self.p), cols, norms, xty)?;
        self.cols = Some((cols, norms));
        self.xty = Some(xty);
        Ok(self)
    }

    /// Writes the scaled Gram matrix `XᵀX/n` (`p × p` row-major) into `out` for
    /// [`LeastSquares::with_gram`]: with the column-major copy attached, `p(p+1)/2` contiguous
    /// dots (half of [`gram`]'s work), else [`gram`]. Errors: `out.len() != p²`.
    pub fn gram_into(&self, out: &mut [T]) -> Result<()> {
        let Some((cols, _)) = self.cols else { return gram(self.x, self.n, self.p, out) };
        check_len("gram", mul_size(self.p, self.p)?, out.len())?;
        let inv_n = self.inv_n();
        for (a, ca) in cols.chunks_exact(self.n).enumerate() {
            for (b, cb) in cols.chunks_exact(self.n).enumerate().take(a + 1) {
                set_sym(out, self.p, a, b, T::dot(ca, cb) * inv_n);
            }
        }
        Ok(())
    }

    /// `x_aᵀx_b` (contiguous with the column-major copy, strided otherwise).
    fn cross(&self, a: usize, b: usize) -> T {
        match (self.column(a), self.column(b)) {
            (Some(u), Some(v)) => T::dot(u, v),
            _ => col(self.x, self.p, a).zip(col(self.x, self.p, b)).fold(T::ZERO, |s, (&u, &v)| s + u * v),
        }
    }

    /// Column `j` of the column-major copy, if attached.
    fn column(&self, j: usize) -> Option<&[T]> {
        let (cols, _) = self.cols?;
        cols.get(j * self.n..(j + 1) * self.n)
    }

    /// The current residual `y − Xw`.
    #[must_use]
    pub fn residual(&self) -> &[T] {
        self.r
    }

    fn inv_n(&self) -> T {
        T::ONE / T::from_usize(self.n)
    }

    /// `X_jᵀ v` for column j (O(n)).
    fn col_dot(&self, j: usize, v: &[T]) -> T {
        match self.column(j) {
            Some(c) => T::dot(c, v),
            None => col(self.x, self.p, j).zip(v).fold(T::ZERO, |a, (&xi, &vi)| a + xi * vi),
        }
    }
}

/// `buf` (≥ [`columns_len`]) split into the column-major copy (`n·p`), norms (`p`), `Xᵀy/n` (`p`).
#[allow(clippy::type_complexity)] // three named slices of one buffer
fn split_columns<T>(buf: &mut [T], n: usize, p: usize) -> Result<(&mut [T], &mut [T], &mut [T])> {
    let need = columns_len(n, p).ok_or(Error::SizeOverflow)?;
    if buf.len() < need {
        return Err(Error::WorkspaceTooSmall { needed: need, given: buf.len() });
    }
    let (cols, rest) = buf.split_at_mut(n * p);
    let (norms, rest) = rest.split_at_mut(p);
    Ok((cols, norms, rest.get_mut(..p).ok_or(Error::SizeOverflow)?))
}

/// Writes the scaled Gram matrix `XᵀX/n` (`p × p`, row-major) into `out`: n·p²/2 multiply-adds
/// (lower triangle by row-wise rank-1 updates, then mirrored).
///
/// Errors: shapes as [`LeastSquares::ridge`], `out.len() != p²`, [`Error::NonFinite`] for a
/// NaN/inf in `x` (checked before `out` is written).
///
/// ```
/// use ferrokern::bcd::gram;
/// let x = [1.0, 2.0, 3.0, 4.0]; // 2 rows × 2 features
/// let mut g = [0.0; 4];
/// gram(&x, 2, 2, &mut g)?;
/// assert_eq!(g, [5.0, 7.0, 7.0, 10.0]); // XᵀX / 2
/// # Ok::<(), ferrokern::Error>(())
/// ```
pub fn gram<T: Real>(x: &[T], n: usize, p: usize, out: &mut [T]) -> Result<()> {
    if n == 0 || p == 0 {
        return Err(Error::InvalidParameter { name: "n, p", reason: "must be > 0" });
    }
    check_len("x", mul_size(n, p)?, x.len())?;
    check_len("gram", mul_size(p, p)?, out.len())?;
    check_finite("x", x)?;
    out.fill(T::ZERO);
    let inv_n = T::ONE / T::from_usize(n);
    // lower triangle by rank-1 updates, one contiguous axpy per (row, a): n·p²/2 multiply-adds
    for row in x.chunks_exact(p) {
        for (a, (&xa, ga)) in row.iter().zip(out.chunks_exact_mut(p)).enumerate() {
            if xa != T::ZERO {
                if let (Some(src), Some(dst)) = (row.get(..=a), ga.get_mut(..=a)) {
                    T::axpy(xa * inv_n, src, dst);
                }
            }
        }
    }
    for a in 0..p {
        for b in 0..a {
            let v = out.get(a * p + b).copied().unwrap_or(T::ZERO);
            set_sym(out, p, a, b, v);
        }
    }
    Ok(())
}

/// `λ_max = ‖Xᵀy‖_∞ / n`: the smallest λ for which the Lasso solution is 0. O(n·p).
///
/// Errors: as [`LeastSquares::ridge`] for the shapes and finiteness of `x`, `y`.
///
/// ```
/// use ferrokern::bcd::lasso_lambda_max;
/// let (x, y) = ([1.0, 0.0, 0.0, 1.0], [2.0, -4.0]); // X = I₂
/// assert_eq!(lasso_lambda_max(&x, &y, 2, 2)?, 2.0); // ‖Xᵀy‖∞ / n = 4 / 2
/// # Ok::<(), ferrokern::Error>(())
/// ```
pub fn lasso_lambda_max<T: Real>(x: &[T], y: &[T], n: usize, p: usize) -> Result<T> {
    if n == 0 || p == 0 {
        return Err(Error::InvalidParameter { name: "n, p", reason: "must be > 0" });
    }
    check_len("x", mul_size(n, p)?, x.len())?;
    check_len("y", n, y.len())?;
    check_finite("x", x)?;
    check_finite("y", y)?;
    let mut best = T::ZERO;
    for j in 0..p {
        let c = col(x, p, j).zip(y).fold(T::ZERO, |a, (&xi, &yi)| a + xi * yi);
        best = best.max(c.abs());
    }
    Ok(best / T::from_usize(n))
}

impl<T: Real> Problem<T> for LeastSquares<'_, T> {
    fn dim(&self) -> usize {
        self.p
    }
    fn penalty(&self) -> Penalty<T> {
        self.penalty
    }
    fn reset(&mut self, w: &[T]) -> Result<()> {
        check_len("w", self.p, w.len())?;
        check_finite("w", w)?;
        self.r.copy_from_slice(self.y);
        if w.iter().any(|&v| v != T::ZERO) {
            // (a cold start w = 0 skips this pass over X: r = y exactly)
            T::gemv(self.n, self.p, -T::ONE, self.x, self.p, w, T::ONE, self.r);
        }
        self.rr = T::dot(self.r, self.r);
        self.last_dot.set(None);
        self.at_zero = w.iter().all(|&v| v == T::ZERO);
        Ok(())
    }
    fn smooth_value(&self, w: &[T]) -> T {
        let rr = self.rr;
        let ww = if self.l2 > T::ZERO { T::dot(w, w) } else { T::ZERO };
        T::HALF * (rr * self.inv_n() + self.l2 * ww)
    }
    fn objective_at_zero(&self) -> T {
        T::HALF * T::dot(self.y, self.y) * self.inv_n()
    }
    fn partial(&self, w: &[T], j: usize) -> T {
        let wj = w.get(j).copied().unwrap_or(T::ZERO);
        let c = self.col_dot(j, self.r);
        self.last_dot.set(Some((j, c)));
        -c * self.inv_n() + self.l2 * wj
    }
    fn full_gradient(&self, w: &[T], g: &mut [T]) {
        match (self.xty.filter(|_| self.at_zero), self.cols) {
            // r = y: the gradient −Xᵀy/n summed during the column copy (O(p), no pass over X)
            (Some(xty), _) => {
                for (gj, &c) in g.iter_mut().zip(xty) {
                    *gj = -c;
                }
            }
            // p contiguous dots: one streaming pass over the column-major copy
            (None, Some((cols, _))) => {
                for (gj, c) in g.iter_mut().zip(cols.chunks_exact(self.n)) {
                    *gj = -T::dot(c, self.r) * self.inv_n();
                }
            }
            (None, None) => T::gemv_t(self.n, self.p, -self.inv_n(), self.x, self.p, self.r, T::ZERO, g),
        }
        if self.l2 > T::ZERO {
            T::axpy(self.l2, w, g);
        }
    }
    /// With a Gram matrix: `g += Σ_j (G_{:,j} + λ₂e_j)·δ_j`, O(p·|b|).
    fn gradient_update(&self, _w: &[T], block: &[usize], delta: &[T], g: &mut [T]) -> bool {
        let Some(gram) = self.gram else { return false };
        for (&j, &dj) in block.iter().zip(delta) {
            // G is symmetric: row j = column j
            if let Some(row) = gram.get(j * self.p..(j + 1) * self.p) {
                T::axpy(dj, row, g);
            }
            if let Some(gj) = g.get_mut(j) {
                *gj += self.l2 * dj;
            }
        }
        true
    }
    fn coord_lipschitz(&self, j: usize) -> T {
        if let Some(&nj) = self.cols.and_then(|(_, norms)| norms.get(j)) {
            return nj + self.l2;
        }
        col(self.x, self.p, j).fold(T::ZERO, |a, &v| a + v * v) * self.inv_n() + self.l2
    }
    fn hessian_bound(&self, block: &[usize], out: &mut [T], ld: usize) {
        let inv_n = self.inv_n();
        for (a, &ja) in block.iter().enumerate() {
            for (b, &jb) in block.iter().enumerate().take(a + 1) {
                // diagonal with the column copy: the stored norm (the same `dot(c, c)/n`, no pass
                // over the column; the solver's set-up asks for every `L_b`, one pass over X for τ = 1)
                let stored = self.cols.and_then(|(_, norms)| norms.get(ja).copied()).filter(|_| a == b);
                let mut s = match stored {
                    Some(nj) => nj,
                    None => self.cross(ja, jb) * inv_n,
                };
                if a == b {
                    s += self.l2;
                }
                set_sym(out, ld, a, b, s);
            }
        }
    }
    /// From the Gram matrix if attached (O(p)), else `p` column dots (O(n·p)).
    fn hessian_bound_column(&self, j: usize, out: &mut [T]) -> bool {
        if j >= self.p || out.len() < self.p {
            return false;
        }
        match self.gram.and_then(|g| g.get(j * self.p..(j + 1) * self.p)) {
            Some(row) => out.get_mut(..self.p).unwrap_or(&mut []).copy_from_slice(row),
            None => {
                let inv_n = self.inv_n();
                for (k, o) in out.iter_mut().enumerate().take(self.p) {
                    *o = self.cross(j, k) * inv_n;
                }
            }
        }
        if let Some(o) = out.get_mut(j) {
            *o += self.l2;
        }
        true
    }
    fn apply(&mut self, w: &mut [T], j: usize, delta: T) {
        if let Some(wj) = w.get_mut(j) {
            *wj += delta;
            if delta == T::ZERO {
                return; // r −= 0·x_j changes no bit
            }
            self.at_zero = false;
            let cols = self.cols.map(|(c, _)| c);
            match cols.and_then(|c| c.get(j * self.n..(j + 1) * self.n)) {
                Some(c) => T::axpy(-delta, c, self.r),
                None => {
                    for (ri, &xij) in self.r.iter_mut().zip(col(self.x, self.p, j)) {
                        *ri -= delta * xij;
                    }
                }
            }
            // ‖r − δx_j‖² = ‖r‖² − 2δ·x_jᵀr + δ²‖x_j‖² when x_jᵀr is known and the change is
            // small against ‖r‖² (no cancellation); otherwise one fresh pass
            let norm = self.cols.and_then(|(_, nrm)| nrm.get(j)).map(|&v| v * T::from_usize(self.n));
            let change = match (self.last_dot.take(), norm) {
                (Some((k, c)), Some(nj)) if k == j => Some(delta * (delta * nj - (c + c))),
                _ => None,
            };
            self.rr = match change {
                Some(d) if d.abs() <= T::HALF * self.rr => self.rr + d,
                _ => T::dot(self.r, self.r),
            };
        }
    }
    /// scikit-learn's Lasso gap (spec §9) divided by n; for [`Penalty::NonNegL1`] the dual norm is
    /// `max_j X_jᵀr` as in scikit-learn's `positive=True`. `None` with a ridge term. `Xᵀr = −n·∇f`
    /// is read from `grad`, so the cost is O(n + p).
    fn duality_gap(&self, w: &[T], grad: &[T]) -> Option<T> {
        if self.l2 > T::ZERO {
            return None;
        }
        let inv_n = self.inv_n();
        // Xᵀr/n = −∇f, ‖r‖²/n, rᵀy/n
        lasso_gap(self.penalty, w, grad, T::dot(self.r, self.r) * inv_n, T::dot(self.r, self.y) * inv_n)
    }
}

/// scikit-learn's Lasso duality gap (spec §9) divided by n, from `∇f = −Xᵀr/n` (`grad`),
/// `rr = ‖r‖²/n` and `ry = rᵀy/n`: with `dn = ‖Xᵀr/n‖_∞` (`max_j X_jᵀr/n` for
/// [`Penalty::NonNegL1`], as `positive=True`), `c = min(1, λ/dn)`,
/// `gap = ½rr(1 + c²) + g(w) − c·ry` (`rr + g(w) − ry` when `c = 1`). `None` when smooth.
pub(crate) fn lasso_gap<T: Real>(penalty: Penalty<T>, w: &[T], grad: &[T], rr: T, ry: T) -> Option<T> {
    let (lambda, positive) = match penalty {
        Penalty::L1(l) => (l, false),
        Penalty::NonNegL1(l) => (l, true),
        Penalty::None => return None,
    };
    let dn = grad.iter().fold(T::ZERO, |a, &g| a.max(if positive { -g } else { g.abs() }));
    let (c, gap) = if dn > lambda {
        let c = lambda / dn;
        (c, T::HALF * rr * (T::ONE + c * c))
    } else {
        (T::ONE, rr)
    };
    Some(gap + penalty.value(w) - c * ry)
}

/// Writes `s` at (a, b) and (b, a) of a row-major matrix with stride `ld` (ignored if outside).
pub(crate) fn set_sym<T: Real>(out: &mut [T], ld: usize, a: usize, b: usize, s: T) {
    if let Some(v) = out.get_mut(a * ld + b) {
        *v = s;
    }
    if let Some(v) = out.get_mut(b * ld + a) {
        *v = s;
    }
}
