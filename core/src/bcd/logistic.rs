//! Binary logistic regression (labels 0/1 → signs ∓1), L2- or L1-regularised, optionally with an
//! unpenalised intercept; the margins `m = Xw (+ b)` are the incremental state.

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
    /// variables and margins `Xw + b`): scikit-learn's `fit_intercept=True` (not liblinear, which
    /// penalises its intercept). Neither the ridge term nor the L1 penalty touch `b`
    /// ([`Problem::unpenalized`] is `p..p+1`, so the solver takes a plain gradient/Newton step on
    /// it and no proximal step). With L1 the duality gap uses a dual point that also satisfies the
    /// intercept's dual constraint `Σ_i s_i θ_i = 0` (see [`Problem::duality_gap`] below).
    ///
    /// ```
    /// use ferrokern::bcd::{Logistic, Problem};
    /// let (x, y) = ([1.0f64, 2.0, 3.0], [0.0, 1.0, 1.0]);
    /// let mut m = [0.0; 3];
    /// let lr = Logistic::l2(&x, &y, 3, 1, 0.1, &mut m).unwrap().with_intercept().unwrap();
    /// assert_eq!(lr.dim(), 2);
    /// assert_eq!(lr.unpenalized(), 1..2);
    /// // ∂f/∂b at 0 = (1/n) Σ −s_i σ(0) = −(1/3)(−1 + 1 + 1)/2
    /// assert!((lr.partial(&[0.0, 0.0], 1) + 1.0 / 6.0).abs() < 1e-15);
    /// ```
    ///
    /// Errors: none today (kept as `Result` for problems that cannot take an intercept).
    pub fn with_intercept(mut self) -> Result<Self> {
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
    fn unpenalized(&self) -> core::ops::Range<usize> {
        if self.intercept {
            self.p..self.p + 1
        } else {
            0..0
        }
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
    /// L1 only (no ridge term): the Fenchel gap `F(w) − D(θ)` with the dual point built from the
    /// loss derivatives `α_i = σ(−s_i m_i) ∈ (0, 1)`, `θ_i = −c·α_i'` and
    /// `D(θ) = −(1/n) Σ h*(θ_i)`, `h*(a) = (−a)ln(−a) + (1 + a)ln(1 + a)` on `[−1, 0]` (the
    /// conjugate of `z ↦ log(1 + e^{−z})`). Weak duality needs `‖(1/n)Σ_i θ_i s_i x_i‖_∞ ≤ λ`
    /// over the penalised features, hence `c = min(1, λ/‖∇_w f‖_∞)` (the intercept's partial is not
    /// part of that norm).
    ///
    /// With an intercept the dual also requires `Σ_i s_i θ_i = 0` (the term `b·Σ s_i θ_i/n` must
    /// vanish for every b). We fold the intercept's partial `∂f/∂b = (N − P)/n` (`P`, `N`: the sums
    /// of `α_i` over labels 1 and 0) into the dual point: the class with the larger sum is scaled
    /// by `ρ = min(P, N)/max(P, N) ≤ 1`, which keeps `α_i' ∈ [0, 1]` and makes `P' = N'`; the
    /// feature gradient of the rescaled point is recomputed (one O(n·p) pass over the columns)
    /// before `c` is taken. At the optimum `∂f/∂b = 0`, so `ρ = 1` and the gap is 0 there;
    /// elsewhere it is `≥ F(w) − F*`. Cost O(n) (n sigmoids, 2n logarithms) given
    /// `grad = ∇f(w)`, plus O(n·p) with an intercept.
    fn duality_gap(&self, w: &[T], grad: &[T]) -> Option<T> {
        let Penalty::L1(lambda) = self.penalty else { return None };
        if self.l2 > T::ZERO {
            return None;
        }
        let alpha = |i: usize, mi: T| (-self.sign(i) * mi).sigmoid();
        // scale of the dual point per sign class: (label 1, label 0)
        let (rho_pos, rho_neg) = if self.intercept {
            let (mut pos, mut neg) = (T::ZERO, T::ZERO);
            for (i, &mi) in self.m.iter().enumerate() {
                if self.sign(i) > T::ZERO {
                    pos += alpha(i, mi);
                } else {
                    neg += alpha(i, mi);
                }
            }
            if pos > neg {
                (if pos > T::ZERO { neg / pos } else { T::ONE }, T::ONE)
            } else {
                (T::ONE, if neg > T::ZERO { pos / neg } else { T::ONE })
            }
        } else {
            (T::ONE, T::ONE)
        };
        let rho = |i: usize| if self.sign(i) > T::ZERO { rho_pos } else { rho_neg };
        let gw = grad.get(..self.p).unwrap_or(grad);
        let dn = if rho_pos == T::ONE && rho_neg == T::ONE {
            gw.iter().fold(T::ZERO, |a, &g| a.max(g.abs()))
        } else {
            // ∇_w of the rescaled point: (1/n) Σ_i x_ij (−s_i ρ_i α_i)
            (0..self.p).fold(T::ZERO, |a, j| {
                let gj = col(self.x, self.p, j)
                    .zip(self.m.iter())
                    .enumerate()
                    .fold(T::ZERO, |acc, (i, (&xij, &mi))| acc - xij * self.sign(i) * rho(i) * alpha(i, mi));
                a.max((gj * self.inv_n()).abs())
            })
        };
        let c = if dn > lambda { lambda / dn } else { T::ONE };
        let xlnx = |v: T| if v > T::ZERO { v * v.ln() } else { T::ZERO };
        let conj = self.m.iter().enumerate().fold(T::ZERO, |acc, (i, &mi)| {
            let a = -c * rho(i) * alpha(i, mi);
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
