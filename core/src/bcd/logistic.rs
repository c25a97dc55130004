//! Binary logistic regression (labels 0/1 → signs ∓1), L2- or L1-regularised, no intercept; the
//! margins `m = Xw` are the incremental state.

use super::least_squares::set_sym;
use super::problem::{Penalty, Problem};
use super::{check_lambda, col};
use crate::error::{check_len, mul_size};
use crate::real::check_finite;
use crate::{Error, Real, Result};

/// `f(w) = (1/n) Σ log(1 + exp(−s_i x_iᵀw)) + (λ₂/2)‖w‖²` plus a [`Penalty`], with `s_i = +1` for
/// label 1 and `−1` for label 0; `X` is `n × p` row-major.
///
/// State: margins `Xw` in a caller slice of length `n` (construction: `w = 0`). Costs:
/// [`Problem::partial`] O(n), [`Problem::apply`] O(n), [`Problem::full_gradient`] O(n·p),
/// Hessian (exact or bound) O(n·|b|²), objective O(n + p) with n exponentials; duality gap (L1)
/// O(n), used by the solver's stopping test.
#[derive(Debug)]
pub struct Logistic<'a, T> {
    x: &'a [T],
    y: &'a [T],
    n: usize,
    p: usize,
    l2: T,
    penalty: Penalty<T>,
    m: &'a mut [T],
    /// Coordinate `p` is an unpenalised intercept (a column of ones), see `with_intercept`.
    intercept: bool,
}

/// `log(1 + e^z)` without overflow.
fn softplus<T: Real>(z: T) -> T {
    z.max(T::ZERO) + (T::ONE + (-z.abs()).exp()).ln()
}

impl<'a, T: Real> Logistic<'a, T> {
    fn build(
        x: &'a [T],
        y: &'a [T],
        n: usize,
        p: usize,
        l2: T,
        penalty: Penalty<T>,
        margins: &'a mut [T],
    ) -> Result<Self> {
        if n == 0 || p == 0 {
            return Err(Error::InvalidParameter { name: "n, p", reason: "must be > 0" });
        }
        check_len("x", mul_size(n, p)?, x.len())?;
        check_len("y", n, y.len())?;
        check_len("margins", n, margins.len())?;
        check_finite("x", x)?;
        if let Some(index) = y.iter().position(|&v| v != T::ZERO && v != T::ONE) {
            return Err(Error::NonFinite { what: "y (labels must be 0 or 1)", index });
        }
        margins.fill(T::ZERO);
        Ok(Self { x, y, n, p, l2, penalty, m: margins, intercept: false })
    }

    /// L2-regularised logistic regression (scikit-learn `C` corresponds to `λ = 1/(C·n)`).
    ///
    /// Errors: `n`/`p` zero, wrong lengths, non-finite `x`, labels other than 0/1, bad λ.
    ///
    /// ```
    /// use ferrokern::bcd::{Logistic, Problem};
    /// let x = [1.0, -1.0];
    /// let y = [1.0, 0.0];
    /// let mut m = [0.0; 2];
    /// let lr = Logistic::l2(&x, &y, 2, 1, 0.1, &mut m).unwrap();
    /// assert!((lr.objective_at_zero() - core::f64::consts::LN_2).abs() < 1e-15);
    /// ```
    pub fn l2(x: &'a [T], y: &'a [T], n: usize, p: usize, lambda: T, margins: &'a mut [T]) -> Result<Self> {
        check_lambda(lambda)?;
        Self::build(x, y, n, p, lambda, Penalty::None, margins)
    }

    /// L1-regularised logistic regression `(1/n) Σ log(1 + exp(−s_i x_iᵀw)) + λ‖w‖₁`.
    /// Errors as [`Logistic::l2`].
    ///
    /// ```
    /// use ferrokern::bcd::{Logistic, Problem, Penalty};
    /// let (x, y) = ([1.0, -1.0], [1.0, 0.0]);
    /// let mut m = [0.0; 2];
    /// let lr = Logistic::l1(&x, &y, 2, 1, 0.1, &mut m).unwrap();
    /// assert_eq!(lr.penalty(), Penalty::L1(0.1));
    /// ```
    pub fn l1(x: &'a [T], y: &'a [T], n: usize, p: usize, lambda: T, margins: &'a mut [T]) -> Result<Self> {
        check_lambda(lambda)?;
        Self::build(x, y, n, p, T::ZERO, Penalty::L1(lambda), margins)
    }

    /// Adds an unpenalised intercept `b` as coordinate `p` (the problem then has `p + 1`
    /// variables, margins `Xw + b`, and the ridge term skips `b`): scikit-learn's
    /// `fit_intercept=True`. Only for the L2 problem. Errors: an L1 penalty.
    ///
    /// ```
    /// use ferrokern::bcd::{Logistic, Problem};
    /// let (x, y) = ([1.0f64, 2.0, 3.0], [0.0, 1.0, 1.0]);
    /// let mut m = [0.0; 3];
    /// let lr = Logistic::l2(&x, &y, 3, 1, 0.1, &mut m).unwrap().with_intercept().unwrap();
    /// assert_eq!(lr.dim(), 2);
    /// // ∂f/∂b at 0 = (1/n) Σ −s_i σ(0) = −(1/3)(−1 + 1 + 1)/2
    /// assert!((lr.partial(&[0.0, 0.0], 1) + 1.0 / 6.0).abs() < 1e-15);
    /// ```
    pub fn with_intercept(mut self) -> Result<Self> {
        if self.penalty.is_some() {
            return Err(Error::InvalidParameter {
                name: "intercept",
                reason: "supported for the L2 (smooth) logistic problem only",
            });
        }
        self.intercept = true;
        Ok(self)
    }

    /// Feature `j` of row `row` (`1` for the intercept coordinate).
    fn feature(&self, row: &[T], j: usize) -> T {
        if self.intercept && j == self.p {
            T::ONE
        } else {
            row.get(j).copied().unwrap_or(T::ZERO)
        }
    }

    /// The ridge weight of coordinate `j` (0 for the intercept).
    fn ridge(&self, j: usize) -> T {
        if j < self.p {
            self.l2
        } else {
            T::ZERO
        }
    }

    fn sign(&self, i: usize) -> T {
        if self.y.get(i).copied() == Some(T::ONE) {
            T::ONE
        } else {
            -T::ONE
        }
    }

    fn inv_n(&self) -> T {
        T::ONE / T::from_usize(self.n)
    }

    /// `−s_i σ(−s_i m_i)`: derivative of the i-th loss with respect to its margin.
    fn dloss(&self, i: usize, mi: T) -> T {
        let s = self.sign(i);
        -s * (-s * mi).sigmoid()
    }
}

impl<T: Real> Problem<T> for Logistic<'_, T> {
    fn dim(&self) -> usize {
        self.p + usize::from(self.intercept)
    }
    fn penalty(&self) -> Penalty<T> {
        self.penalty
    }
    fn reset(&mut self, w: &[T]) -> Result<()> {
        check_len("w", self.dim(), w.len())?;
        check_finite("w", w)?;
        let b = if self.intercept { w.get(self.p).copied().unwrap_or(T::ZERO) } else { T::ZERO };
        self.m.fill(b);
        T::gemv(self.n, self.p, T::ONE, self.x, self.p, w.get(..self.p).unwrap_or(&[]), T::ONE, self.m);
        Ok(())
    }
    fn smooth_value(&self, w: &[T]) -> T {
        let loss = self.m.iter().enumerate().fold(T::ZERO, |a, (i, &mi)| a + softplus(-self.sign(i) * mi));
        let wf = w.get(..self.p).unwrap_or(w);
        let ww = if self.l2 > T::ZERO { T::dot(wf, wf) } else { T::ZERO };
        loss * self.inv_n() + T::HALF * self.l2 * ww
    }
    fn objective_at_zero(&self) -> T {
        T::from_f64(core::f64::consts::LN_2)
    }
    fn partial(&self, w: &[T], j: usize) -> T {
        let s = if self.intercept && j == self.p {
            self.m.iter().enumerate().fold(T::ZERO, |a, (i, &mi)| a + self.dloss(i, mi))
        } else {
            col(self.x, self.p, j)
                .zip(self.m.iter())
                .enumerate()
                .fold(T::ZERO, |a, (i, (&xij, &mi))| a + xij * self.dloss(i, mi))
        };
        s * self.inv_n() + self.ridge(j) * w.get(j).copied().unwrap_or(T::ZERO)
    }
    fn full_gradient(&self, w: &[T], g: &mut [T]) {
        g.fill(T::ZERO);
        let (gf, gb) = g.split_at_mut(self.p.min(g.len()));
        for (i, (row, &mi)) in self.x.chunks_exact(self.p).zip(self.m.iter()).enumerate() {
            let c = self.dloss(i, mi) * self.inv_n();
            T::axpy(c, row, gf);
            if let Some(b) = gb.first_mut() {
                *b += c;
            }
        }
        if self.l2 > T::ZERO {
            T::axpy(self.l2, w.get(..self.p).unwrap_or(w), gf);
        }
    }
    fn coord_lipschitz(&self, j: usize) -> T {
        if self.intercept && j == self.p {
            return T::from_f64(0.25);
        }
        T::from_f64(0.25) * col(self.x, self.p, j).fold(T::ZERO, |a, &v| a + v * v) * self.inv_n() + self.l2
    }
    fn hessian_bound(&self, block: &[usize], out: &mut [T], ld: usize) {
        self.weighted_gram(block, out, ld, |_, _| T::from_f64(0.25));
    }
    fn hessian(&self, _w: &[T], block: &[usize], out: &mut [T], ld: usize) {
        self.weighted_gram(block, out, ld, |_, mi| {
            let s = mi.sigmoid();
            s * (T::ONE - s)
        });
    }
    fn apply(&mut self, w: &mut [T], j: usize, delta: T) {
        if let Some(wj) = w.get_mut(j) {
            *wj += delta;
            if self.intercept && j == self.p {
                self.m.iter_mut().for_each(|mi| *mi += delta);
                return;
            }
            for (mi, &xij) in self.m.iter_mut().zip(col(self.x, self.p, j)) {
                *mi += delta * xij;
            }
        }
    }
    /// L1 only (no ridge term): the Fenchel gap `F(w) − D(θ)` with the dual point scaled from the
    /// loss derivatives, `θ_i = c·ℓ_i'(m_i)/n`, `c = min(1, λ/‖∇f‖_∞)` so that `‖Xᵀθ‖_∞ ≤ λ`, and
    /// `D(θ) = −(1/n) Σ h*(a_i)`, `a_i = −c·σ(−s_i m_i) ∈ [−1, 0]`,
    /// `h*(a) = (−a)ln(−a) + (1 + a)ln(1 + a)` (the conjugate of `z ↦ log(1 + e^{−z})`). Zero at the
    /// optimum, `≥ F(w) − F*` everywhere. O(n) (n sigmoids, 2n logarithms) given `grad = ∇f(w)`.
    fn duality_gap(&self, w: &[T], grad: &[T]) -> Option<T> {
        let Penalty::L1(lambda) = self.penalty else { return None };
        if self.l2 > T::ZERO {
            return None;
        }
        let dn = grad.iter().fold(T::ZERO, |a, &g| a.max(g.abs()));
        let c = if dn > lambda { lambda / dn } else { T::ONE };
        let xlnx = |v: T| if v > T::ZERO { v * v.ln() } else { T::ZERO };
        let conj = self.m.iter().enumerate().fold(T::ZERO, |acc, (i, &mi)| {
            let s = self.sign(i);
            let a = -c * (-s * mi).sigmoid();
            acc + xlnx(-a) + xlnx(T::ONE + a)
        });
        let dual = -conj * self.inv_n();
        Some((self.objective(w) - dual).max(T::ZERO))
    }
}

impl<T: Real> Logistic<'_, T> {
    /// `(1/n) Σ_i c(i, m_i) x_ib x_ibᵀ + λ₂ I` on the block.
    fn weighted_gram(&self, block: &[usize], out: &mut [T], ld: usize, c: impl Fn(usize, T) -> T) {
        let k = block.len();
        for a in 0..k {
            for b in 0..=a {
                set_sym(out, ld, a, b, T::ZERO);
            }
        }
        for (i, (row, &mi)) in self.x.chunks_exact(self.p).zip(self.m.iter()).enumerate() {
            let ci = c(i, mi) * self.inv_n();
            for (a, &ja) in block.iter().enumerate() {
                let va = ci * self.feature(row, ja);
                for (b, &jb) in block.iter().enumerate().take(a + 1) {
                    if let Some(o) = out.get_mut(a * ld + b) {
                        *o += va * self.feature(row, jb);
                    }
                }
            }
        }
        for a in 0..k {
            for b in 0..=a {
                let mut v = out.get(a * ld + b).copied().unwrap_or(T::ZERO);
                if a == b {
                    v += self.ridge(block.get(a).copied().unwrap_or(0));
                }
                set_sym(out, ld, a, b, v);
            }
        }
    }
}
