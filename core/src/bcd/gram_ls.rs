//! Least squares in covariance form: the problem kept as `G = XᵀX/n`, `b = Xᵀy/n`, `‖y‖²/n`, so a
//! coordinate update costs O(p) whatever n (glmnet's "covariance updates", spec §9); for n ≫ p.

use super::check_lambda;
use super::least_squares::{gram, lasso_gap, set_sym};
use super::problem::{Penalty, Problem};
use crate::error::{check_len, mul_size};
use crate::real::check_finite;
use crate::{Error, Real, Result};

/// Length of the buffer [`GramLeastSquares`] constructors take: `p²` (Gram) + `p` (`Xᵀy/n`) + `p`
/// (gradient). `None` on overflow.
#[must_use]
pub const fn gram_problem_len(p: usize) -> Option<usize> {
    match p.checked_mul(p) {
        Some(pp) => match p.checked_mul(2) {
            Some(p2) => pp.checked_add(p2),
            None => None,
        },
        None => None,
    }
}

/// `f(w) = (1/(2n))‖y − Xw‖² + (λ₂/2)‖w‖²` plus a [`Penalty`] — the same objective as
/// [`LeastSquares`](super::LeastSquares) — held as `½wᵀGw − bᵀw + ‖y‖²/(2n)` with `G = XᵀX/n`,
/// `b = Xᵀy/n` in a caller buffer; `X` is not kept.
///
/// State: the gradient `Gw − b` (p) and the value `½wᵀGw − bᵀw`, both updated by
/// [`Problem::apply`] in O(p). Costs: construction O(n·p²) (the Gram matrix) + O(n·p);
/// partial O(1); apply, full gradient, gradient update O(p); duality gap O(p); memory
/// [`gram_problem_len`]`(p)` elements. Cheaper than the residual form once a solve needs more
/// than about p coordinate updates and n ≫ p. The value is kept incrementally and is a
/// difference of terms of size `F(0)`: its absolute accuracy is ≈ ε·F(0) (plus ε per update,
/// reset by [`Problem::reset`]), so use the residual form when `F*` is many orders below `F(0)`.
#[derive(Debug)]
pub struct GramLeastSquares<'a, T> {
    p: usize,
    gram: &'a [T],
    b: &'a [T],
    /// `‖y‖²/n`.
    yy: T,
    l2: T,
    penalty: Penalty<T>,
    /// `Gw − b`.
    g: &'a mut [T],
    /// `½wᵀGw − bᵀw`.
    fq: T,
}

impl<'a, T: Real> GramLeastSquares<'a, T> {
    #[allow(clippy::too_many_arguments)]
    fn build(
        x: &[T],
        y: &[T],
        n: usize,
        p: usize,
        l2: T,
        penalty: Penalty<T>,
        buf: &'a mut [T],
    ) -> Result<Self> {
        if n == 0 || p == 0 {
            return Err(Error::InvalidParameter { name: "n, p", reason: "must be > 0" });
        }
        check_len("x", mul_size(n, p)?, x.len())?;
        check_len("y", n, y.len())?;
        check_finite("x", x)?;
        check_finite("y", y)?;
        let need = gram_problem_len(p).ok_or(Error::SizeOverflow)?;
        if buf.len() < need {
            return Err(Error::WorkspaceTooSmall { needed: need, given: buf.len() });
        }
        let (gm, rest) = buf.split_at_mut(p * p);
        let (bm, rest) = rest.split_at_mut(p);
        let g = rest.get_mut(..p).ok_or(Error::SizeOverflow)?;
        gram(x, n, p, gm)?;
        let inv_n = T::ONE / T::from_usize(n);
        T::gemv_t(n, p, inv_n, x, p, y, T::ZERO, bm);
        // w = 0: gradient −b, value 0
        for (gj, &bj) in g.iter_mut().zip(bm.iter()) {
            *gj = -bj;
        }
        let yy = T::dot(y, y) * inv_n;
        Ok(Self { p, gram: gm, b: bm, yy, l2, penalty, g, fq: T::ZERO })
    }

    /// Lasso `(1/(2n))‖y − Xw‖² + λ‖w‖₁` in covariance form (`buf` ≥ [`gram_problem_len`]).
    ///
    /// Errors: `n`/`p` zero, wrong lengths, non-finite data, bad λ, `buf` too small.
    ///
    /// ```
    /// use ferrokern::bcd::{gram_problem_len, GramLeastSquares, Problem};
    /// let x = [1.0, 0.0, 0.0, 1.0];
    /// let y = [2.0, 0.1];
    /// let mut buf = [0.0; 8];
    /// assert_eq!(gram_problem_len(2), Some(8));
    /// let lasso = GramLeastSquares::lasso(&x, &y, 2, 2, 0.5, &mut buf).unwrap();
    /// assert_eq!(lasso.objective_at_zero(), 4.01 / 4.0);
    /// assert_eq!(lasso.partial(&[0.0, 0.0], 0), -1.0); // −x_0ᵀy / n
    /// ```
    pub fn lasso(x: &[T], y: &[T], n: usize, p: usize, lambda: T, buf: &'a mut [T]) -> Result<Self> {
        check_lambda(lambda)?;
        Self::build(x, y, n, p, T::ZERO, Penalty::L1(lambda), buf)
    }

    /// Ridge `(1/(2n))‖y − Xw‖² + (λ/2)‖w‖²`. Errors as [`GramLeastSquares::lasso`].
    pub fn ridge(x: &[T], y: &[T], n: usize, p: usize, lambda: T, buf: &'a mut [T]) -> Result<Self> {
        check_lambda(lambda)?;
        Self::build(x, y, n, p, lambda, Penalty::None, buf)
    }

    /// Non-negative L1 `(1/(2n))‖y − Xw‖² + λΣw`, `w ≥ 0`. Errors as [`GramLeastSquares::lasso`].
    pub fn nonneg_l1(x: &[T], y: &[T], n: usize, p: usize, lambda: T, buf: &'a mut [T]) -> Result<Self> {
        check_lambda(lambda)?;
        Self::build(x, y, n, p, T::ZERO, Penalty::NonNegL1(lambda), buf)
    }

    fn gram_at(&self, a: usize, b: usize) -> T {
        self.gram.get(a * self.p + b).copied().unwrap_or(T::ZERO)
    }
}

impl<T: Real> Problem<T> for GramLeastSquares<'_, T> {
    fn dim(&self) -> usize {
        self.p
    }
    fn penalty(&self) -> Penalty<T> {
        self.penalty
    }
    fn reset(&mut self, w: &[T]) -> Result<()> {
        check_len("w", self.p, w.len())?;
        check_finite("w", w)?;
        T::gemv(self.p, self.p, T::ONE, self.gram, self.p, w, T::ZERO, self.g);
        T::axpy(-T::ONE, self.b, self.g);
        // ½wᵀGw − bᵀw = ½wᵀ(Gw − b) − ½bᵀw
        self.fq = T::HALF * (T::dot(w, self.g) - T::dot(w, self.b));
        Ok(())
    }
    fn smooth_value(&self, w: &[T]) -> T {
        let ww = if self.l2 > T::ZERO { T::dot(w, w) } else { T::ZERO };
        (self.fq + T::HALF * self.yy).max(T::ZERO) + T::HALF * self.l2 * ww
    }
    fn objective_at_zero(&self) -> T {
        T::HALF * self.yy
    }
    fn partial(&self, w: &[T], j: usize) -> T {
        self.g.get(j).copied().unwrap_or(T::ZERO) + self.l2 * w.get(j).copied().unwrap_or(T::ZERO)
    }
    fn full_gradient(&self, w: &[T], g: &mut [T]) {
        g.copy_from_slice(self.g);
        if self.l2 > T::ZERO {
            T::axpy(self.l2, w, g);
        }
    }
    /// The gradient is kept by `apply`: copies it, O(p).
    fn gradient_update(&self, w: &[T], _block: &[usize], _delta: &[T], g: &mut [T]) -> bool {
        self.full_gradient(w, g);
        true
    }
    fn coord_lipschitz(&self, j: usize) -> T {
        self.gram_at(j, j) + self.l2
    }
    fn hessian_bound(&self, block: &[usize], out: &mut [T], ld: usize) {
        for (a, &ja) in block.iter().enumerate() {
            for (b, &jb) in block.iter().enumerate().take(a + 1) {
                let s = self.gram_at(ja, jb) + if a == b { self.l2 } else { T::ZERO };
                set_sym(out, ld, a, b, s);
            }
        }
    }
    fn hessian_bound_column(&self, j: usize, out: &mut [T]) -> bool {
        match (self.gram.get(j * self.p..(j + 1) * self.p), out.get_mut(..self.p)) {
            (Some(row), Some(o)) => {
                o.copy_from_slice(row);
                if let Some(d) = o.get_mut(j) {
                    *d += self.l2;
                }
                true
            }
            _ => false,
        }
    }
    fn apply(&mut self, w: &mut [T], j: usize, delta: T) {
        if j >= self.p || delta == T::ZERO {
            if let Some(wj) = w.get_mut(j) {
                *wj += delta;
            }
            return;
        }
        if let Some(wj) = w.get_mut(j) {
            *wj += delta;
            let gj = self.g.get(j).copied().unwrap_or(T::ZERO);
            self.fq += delta * (gj + T::HALF * delta * self.gram_at(j, j));
            // G is symmetric: row j = column j
            let p = self.p;
            if let Some(row) = self.gram.get(j * p..(j + 1) * p) {
                T::axpy(delta, row, self.g);
            }
        }
    }
    /// The Lasso gap of [`LeastSquares`](super::LeastSquares) from the kept statistics:
    /// `‖r‖²/n = 2f_q + ‖y‖²/n`, `rᵀy/n = ‖y‖²/n − bᵀw`. O(p). `None` with a ridge term.
    fn duality_gap(&self, w: &[T], grad: &[T]) -> Option<T> {
        if self.l2 > T::ZERO {
            return None;
        }
        let rr = (self.fq + self.fq + self.yy).max(T::ZERO);
        let ry = self.yy - T::dot(self.b, w);
        lasso_gap(self.penalty, w, grad, rr, ry)
    }
}
