//! [`Lbfgs`]: limited-memory BFGS with a strong-Wolfe line search over caller buffers.
//!
//! - Direction: the two-loop recursion (Nocedal & Wright, *Numerical Optimization*, 2nd ed.,
//!   Alg. 7.4) over the last `m` pairs `(s, y)`, initial Hessian `γI` with `γ = sᵀy / yᵀy` of
//!   the newest pair. A pair with `sᵀy ≤ ε·yᵀy` is not stored (keeps the implicit Hessian
//!   positive definite). A direction that is not a descent direction resets the history.
//! - Step: a line search for the **strong Wolfe** conditions `f(x+αd) ≤ f + c1·α·gᵀd` and
//!   `|g(x+αd)ᵀd| ≤ c2·|gᵀd|` (N&W Alg. 3.5 bracketing + Alg. 3.6 zoom, safeguarded cubic
//!   interpolation with bisection fallback). These are the conditions scipy's L-BFGS-B (used by
//!   scikit-learn's `lbfgs` solver) enforces with Moré–Thuente's `dcsrch`; this is the simpler
//!   bracketing/zoom search. First step `α = min(1, 1/‖g‖₂)` (as L-BFGS-B), then `α = 1`.
//!   Line-search scalars are carried in f64; vectors stay in `T`.
//! - Stops (see [`LbfgsStatus`]): `‖g‖∞ ≤ grad_tol` (L-BFGS-B's `pgtol` without bounds),
//!   relative decrease `(f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ f_tol` (L-BFGS-B's
//!   `factr·εmach`), `max_iter` iterations, or a line search that finds no acceptable step.

use crate::{Error, Real, Result};

/// Settings of [`Lbfgs`]. The defaults are scipy's L-BFGS-B defaults (`maxcor = 10`,
/// `gtol = 1e-5`, `ftol = factr·ε = 2.22e-9`, 20 line-search evaluations) with
/// `max_iter = 200` (scikit-learn's MLP default).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LbfgsConfig {
    /// History pairs `m` kept (≥ 1). Must match the `m` of [`Lbfgs::workspace_len`].
    pub history: usize,
    /// Iteration limit (accepted steps). 0 only evaluates the start.
    pub max_iter: usize,
    /// Stop when `‖g‖∞ ≤ grad_tol` (≥ 0; 0 disables).
    pub grad_tol: f64,
    /// Stop when the relative decrease of `f` in one iteration is `≤ f_tol` (≥ 0; 0 disables).
    pub f_tol: f64,
    /// Sufficient-decrease constant of the line search, `0 < c1 < c2`.
    pub c1: f64,
    /// Curvature constant of the line search, `c1 < c2 < 1`.
    pub c2: f64,
    /// Objective evaluations allowed per line search (≥ 1).
    pub max_line_search: usize,
}

impl Default for LbfgsConfig {
    fn default() -> Self {
        Self {
            history: 10,
            max_iter: 200,
            grad_tol: 1e-5,
            f_tol: 2.220_446_049_250_313e-9,
            c1: 1e-4,
            c2: 0.9,
            max_line_search: 20,
        }
    }
}

/// Why [`Lbfgs::minimize`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum LbfgsStatus {
    /// `‖g‖∞ ≤ grad_tol`.
    GradientTolerance,
    /// The relative decrease of `f` fell to `f_tol` or below.
    FunctionTolerance,
    /// `max_iter` iterations were done (a budgeted solve, as scikit-learn's `max_iter`).
    MaxIterations,
    /// No step satisfying the line-search conditions was found even along the steepest
    /// descent direction — usually the precision floor of `T` near a minimum.
    LineSearchFailed,
}

/// Outcome of [`Lbfgs::minimize`]; the iterate is in the caller's `x`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[must_use]
pub struct LbfgsReport {
    /// Accepted steps.
    pub iterations: usize,
    /// Objective evaluations (including the start).
    pub evaluations: usize,
    /// Objective at the final iterate.
    pub f: f64,
    /// `‖g‖∞` at the final iterate.
    pub grad_norm: f64,
    /// Why it stopped.
    pub status: LbfgsStatus,
}

impl LbfgsReport {
    /// True for [`LbfgsStatus::GradientTolerance`] and [`LbfgsStatus::FunctionTolerance`].
    #[must_use]
    pub fn converged(&self) -> bool {
        matches!(self.status, LbfgsStatus::GradientTolerance | LbfgsStatus::FunctionTolerance)
    }
}

/// Limited-memory BFGS minimiser of a smooth `f: Rⁿ → R` given as value + gradient callback.
///
/// Memory: the caller's `workspace` of [`Lbfgs::workspace_len`]`(n, m)` = `2mn + 4n + 2m`
/// elements; nothing else. Time per iteration: `O(mn)` plus the objective evaluations (one
/// per iteration once the quasi-Newton scaling settles).
///
/// ```
/// use ferrokern::optim::{Lbfgs, LbfgsConfig};
/// // Rosenbrock from (−1.2, 1).
/// let lbfgs = Lbfgs::new(LbfgsConfig { grad_tol: 1e-9, f_tol: 0.0, ..LbfgsConfig::default() });
/// let mut x = [-1.2f64, 1.0];
/// let mut work = [0.0f64; Lbfgs::workspace_len(2, 10)];
/// let report = lbfgs.minimize(&mut x, &mut work, |x: &[f64], g: &mut [f64]| {
///     let (a, b) = (x[0], x[1]);
///     g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
///     g[1] = 200.0 * (b - a * a);
///     Ok((1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2))
/// })?;
/// assert!(report.converged());
/// assert!((x[0] - 1.0).abs() < 1e-6 && (x[1] - 1.0).abs() < 1e-6);
/// # Ok::<(), ferrokern::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Lbfgs {
    /// Settings.
    pub config: LbfgsConfig,
}

/// Splits `n` elements off the front of `s`.
fn take_mut<T>(s: &mut [T], n: usize) -> Result<(&mut [T], &mut [T])> {
    let given = s.len();
    s.split_at_mut_checked(n).ok_or(Error::WorkspaceTooSmall { needed: n, given })
}

/// Block `i` (length `n`) of `buf`.
fn block<T>(buf: &[T], n: usize, i: usize) -> &[T] {
    buf.get(i.saturating_mul(n)..i.saturating_add(1).saturating_mul(n)).unwrap_or(&[])
}

/// Mutable block `i` (length `n`) of `buf`.
fn block_mut<T>(buf: &mut [T], n: usize, i: usize) -> &mut [T] {
    buf.get_mut(i.saturating_mul(n)..i.saturating_add(1).saturating_mul(n)).unwrap_or(&mut [])
}

fn inf_norm<T: Real>(g: &[T]) -> f64 {
    g.iter().fold(0.0f64, |m, v| m.max(v.abs().to_f64()))
}

/// The `m` stored pairs as a ring buffer.
struct History<'a, T> {
    s: &'a mut [T],
    y: &'a mut [T],
    rho: &'a mut [T],
    alpha: &'a mut [T],
    n: usize,
    m: usize,
    /// Slot the next pair goes to.
    head: usize,
    /// Pairs stored (≤ m).
    len: usize,
}

impl<T: Real> History<'_, T> {
    /// Slot of the `k`-th newest pair (`k = 0` newest).
    fn slot(&self, k: usize) -> usize {
        (self.head + self.m - 1 - k) % self.m
    }

    /// `d = −H·g` by the two-loop recursion.
    fn direction(&mut self, g: &[T], d: &mut [T]) {
        d.copy_from_slice(g);
        T::scale(-T::ONE, d);
        if self.len == 0 {
            return;
        }
        for k in 0..self.len {
            let i = self.slot(k);
            let rho = self.rho.get(i).copied().unwrap_or(T::ZERO);
            let a = rho * T::dot(block(self.s, self.n, i), d);
            if let Some(slot) = self.alpha.get_mut(i) {
                *slot = a;
            }
            T::axpy(-a, block(self.y, self.n, i), d);
        }
        let newest = self.slot(0);
        let y = block(self.y, self.n, newest);
        let yy = T::dot(y, y);
        let rho = self.rho.get(newest).copied().unwrap_or(T::ZERO);
        // γ = sᵀy / yᵀy = 1 / (ρ·yᵀy).
        T::scale(T::ONE / (rho * yy), d);
        for k in (0..self.len).rev() {
            let i = self.slot(k);
            let rho = self.rho.get(i).copied().unwrap_or(T::ZERO);
            let b = rho * T::dot(block(self.y, self.n, i), d);
            let a = self.alpha.get(i).copied().unwrap_or(T::ZERO);
            T::axpy(a - b, block(self.s, self.n, i), d);
        }
    }

    /// Stores `s = step·d`, `y = g_new − g` unless the curvature `sᵀy` is not safely positive.
    fn push(&mut self, step: T, d: &[T], g: &[T], g_new: &[T]) {
        // sᵀy = step·(dᵀg_new − dᵀg); yᵀy summed directly (no cancellation).
        let sy = step * (T::dot(d, g_new) - T::dot(d, g));
        let yy = g.iter().zip(g_new).fold(T::ZERO, |acc, (&a, &b)| acc + (b - a) * (b - a));
        if !sy.is_finite() || !yy.is_finite() || sy <= T::EPSILON * yy {
            return;
        }
        let i = self.head;
        let s = block_mut(self.s, self.n, i);
        s.copy_from_slice(d);
        T::scale(step, s);
        <T as Real>::sub(g_new, g, block_mut(self.y, self.n, i));
        if let Some(r) = self.rho.get_mut(i) {
            *r = T::ONE / sy;
        }
        self.head = (self.head + 1) % self.m;
        self.len = (self.len + 1).min(self.m);
    }
}

/// One point of the line search: step, φ(α), φ'(α).
#[derive(Clone, Copy)]
struct Point {
    a: f64,
    f: f64,
    df: f64,
}

/// Minimiser of the cubic through two points (value and slope), if it lies strictly inside
/// the safeguarded interval; else the midpoint.
fn interpolate(lo: Point, hi: Point) -> f64 {
    let (a, b) = if lo.a < hi.a { (lo.a, hi.a) } else { (hi.a, lo.a) };
    let width = b - a;
    let mid = 0.5 * (lo.a + hi.a);
    let d1 = lo.df + hi.df - 3.0 * (lo.f - hi.f) / (lo.a - hi.a);
    let disc = d1 * d1 - lo.df * hi.df;
    if disc.is_nan() || disc < 0.0 || !width.is_finite() {
        return mid;
    }
    let d2 = libm::copysign(libm::sqrt(disc), hi.a - lo.a);
    let den = hi.df - lo.df + 2.0 * d2;
    let t = hi.a - (hi.a - lo.a) * (hi.df + d2 - d1) / den;
    if t.is_finite() && t > a + 0.1 * width && t < b - 0.1 * width {
        t
    } else {
        mid
    }
}

/// Buffers and counters of one `minimize` call.
struct Solver<'a, 'o, T, F> {
    cfg: LbfgsConfig,
    x: &'a mut [T],
    g: &'a mut [T],
    d: &'a mut [T],
    x_trial: &'a mut [T],
    g_trial: &'a mut [T],
    objective: &'o mut F,
    evaluations: usize,
}

impl<T: Real, F: FnMut(&[T], &mut [T]) -> Result<T>> Solver<'_, '_, T, F> {
    /// φ(α): evaluates at `x + α·d` into `x_trial`/`g_trial`; a non-finite value or gradient
    /// gives `f = +inf` (treated as a step that is too long).
    fn eval(&mut self, a: f64) -> Result<Point> {
        self.x_trial.copy_from_slice(self.x);
        T::axpy(T::from_f64(a), self.d, self.x_trial);
        self.evaluations += 1;
        let f = (self.objective)(self.x_trial, self.g_trial)?.to_f64();
        let df = T::dot(self.g_trial, self.d).to_f64();
        if f.is_finite() && df.is_finite() {
            Ok(Point { a, f, df })
        } else {
            Ok(Point { a, f: f64::INFINITY, df: f64::INFINITY })
        }
    }

    /// Strong-Wolfe line search from φ(0) = `f0`, φ'(0) = `df0 < 0`. On success the accepted
    /// point is in `x_trial`/`g_trial` and returned.
    fn line_search(&mut self, f0: f64, df0: f64, a_init: f64) -> Result<Option<Point>> {
        let (c1, c2) = (self.cfg.c1, self.cfg.c2);
        let armijo = |p: Point| p.f <= f0 + c1 * p.a * df0;
        let curvature = |p: Point| p.df.abs() <= -c2 * df0;
        let mut prev = Point { a: 0.0, f: f0, df: df0 };
        let mut a = a_init;
        let mut budget = self.cfg.max_line_search;
        // Bracketing (Alg. 3.5).
        let (mut lo, mut hi) = loop {
            if budget == 0 {
                return self.fallback(prev);
            }
            budget -= 1;
            let p = self.eval(a)?;
            if !armijo(p) || (prev.a > 0.0 && p.f >= prev.f) {
                break (prev, p);
            }
            if curvature(p) {
                return Ok(Some(p));
            }
            if p.df >= 0.0 {
                break (p, prev);
            }
            prev = p;
            a *= 2.0;
        };
        // Zoom (Alg. 3.6): `lo` satisfies Armijo with the lowest f so far.
        while budget > 0 {
            budget -= 1;
            let a = if hi.f.is_finite() { interpolate(lo, hi) } else { 0.5 * (lo.a + hi.a) };
            let p = self.eval(a)?;
            if !armijo(p) || p.f >= lo.f {
                hi = p;
            } else {
                if curvature(p) {
                    return Ok(Some(p));
                }
                if p.df * (hi.a - lo.a) >= 0.0 {
                    hi = lo;
                }
                lo = p;
            }
            if (hi.a - lo.a).abs() <= f64::EPSILON * lo.a.abs().max(1.0) {
                break;
            }
        }
        self.fallback(lo)
    }

    /// Budget exhausted: accept the best Armijo point seen (re-evaluated so that
    /// `x_trial`/`g_trial` hold it), or report failure.
    fn fallback(&mut self, best: Point) -> Result<Option<Point>> {
        if best.a > 0.0 {
            let p = self.eval(best.a)?;
            if p.f.is_finite() {
                return Ok(Some(p));
            }
        }
        Ok(None)
    }
}

impl Lbfgs {
    /// An L-BFGS solver with `config`.
    #[must_use]
    pub const fn new(config: LbfgsConfig) -> Self {
        Self { config }
    }

    /// Workspace elements for `n` unknowns and `m` history pairs: `2mn + 4n + 2m`
    /// (saturating; a buffer that long cannot exist).
    #[must_use]
    pub const fn workspace_len(n: usize, m: usize) -> usize {
        m.saturating_mul(n)
            .saturating_mul(2)
            .saturating_add(n.saturating_mul(4))
            .saturating_add(m.saturating_mul(2))
    }

    fn validate(&self) -> Result<()> {
        let c = &self.config;
        if c.history == 0 {
            return Err(Error::InvalidParameter { name: "history", reason: "must be >= 1" });
        }
        if c.max_line_search == 0 {
            return Err(Error::InvalidParameter { name: "max_line_search", reason: "must be >= 1" });
        }
        if !(c.grad_tol >= 0.0 && c.f_tol >= 0.0) {
            return Err(Error::InvalidParameter { name: "grad_tol/f_tol", reason: "must be >= 0" });
        }
        if !(c.c1 > 0.0 && c.c1 < c.c2 && c.c2 < 1.0) {
            return Err(Error::InvalidParameter { name: "c1/c2", reason: "need 0 < c1 < c2 < 1" });
        }
        Ok(())
    }

    /// Minimises `objective` from the start in `x`, leaving the final iterate in `x`.
    ///
    /// `objective(x, grad)` returns `f(x)` and writes `∇f(x)` into `grad` (length `n`); an
    /// error it returns aborts the solve. A non-finite value at a trial point shortens the step.
    ///
    /// Cost: `O(m·n)` per iteration plus one or a few objective evaluations (at most
    /// `max_line_search + 1` per iteration, about 1 once the scaling settles).
    ///
    /// # Errors
    /// - [`Error::InvalidParameter`]: bad config or `x` empty.
    /// - [`Error::WorkspaceTooSmall`]: `workspace` shorter than `workspace_len(n, history)`.
    /// - [`Error::NonFinite`] `{ what: "objective at start" }`: `f` or `∇f` is NaN/inf at the
    ///   start.
    /// - any error of `objective`.
    ///
    /// On error `x` holds the last accepted iterate (the start if none).
    pub fn minimize<T, F>(&self, x: &mut [T], workspace: &mut [T], mut objective: F) -> Result<LbfgsReport>
    where
        T: Real,
        F: FnMut(&[T], &mut [T]) -> Result<T>,
    {
        self.validate()?;
        let n = x.len();
        if n == 0 {
            return Err(Error::InvalidParameter { name: "x", reason: "must be non-empty" });
        }
        let m = self.config.history;
        let need = Self::workspace_len(n, m);
        if need == usize::MAX || workspace.len() < need {
            return Err(Error::WorkspaceTooSmall { needed: need, given: workspace.len() });
        }
        let (s, rest) = take_mut(workspace, m * n)?;
        let (y, rest) = take_mut(rest, m * n)?;
        let (rho, rest) = take_mut(rest, m)?;
        let (alpha, rest) = take_mut(rest, m)?;
        let (g, rest) = take_mut(rest, n)?;
        let (d, rest) = take_mut(rest, n)?;
        let (x_trial, rest) = take_mut(rest, n)?;
        let (g_trial, _) = take_mut(rest, n)?;
        let mut hist = History { s, y, rho, alpha, n, m, head: 0, len: 0 };
        let mut sv =
            Solver { cfg: self.config, x, g, d, x_trial, g_trial, objective: &mut objective, evaluations: 1 };

        let mut f = (sv.objective)(sv.x, sv.g)?.to_f64();
        if !f.is_finite() || !sv.g.iter().all(|v| v.is_finite()) {
            return Err(Error::NonFinite { what: "objective at start", index: 0 });
        }
        let report = |iterations, evaluations, f, g: &[T], status| LbfgsReport {
            iterations,
            evaluations,
            f,
            grad_norm: inf_norm(g),
            status,
        };
        let mut iterations = 0;
        loop {
            if inf_norm(sv.g) <= self.config.grad_tol {
                return Ok(report(iterations, sv.evaluations, f, sv.g, LbfgsStatus::GradientTolerance));
            }
            if iterations >= self.config.max_iter {
                return Ok(report(iterations, sv.evaluations, f, sv.g, LbfgsStatus::MaxIterations));
            }
            hist.direction(sv.g, sv.d);
            let mut df0 = T::dot(sv.g, sv.d).to_f64();
            if df0.is_nan() || df0 >= 0.0 {
                hist.len = 0;
                hist.direction(sv.g, sv.d);
                df0 = T::dot(sv.g, sv.d).to_f64();
            }
            let first_step = |g: &[T]| (1.0 / T::norm2(g).to_f64()).min(1.0);
            let a0 = if hist.len == 0 { first_step(sv.g) } else { 1.0 };
            let mut found = sv.line_search(f, df0, a0)?;
            if found.is_none() && hist.len > 0 {
                // Retry once along steepest descent with a fresh history.
                hist.len = 0;
                hist.direction(sv.g, sv.d);
                df0 = T::dot(sv.g, sv.d).to_f64();
                found = sv.line_search(f, df0, first_step(sv.g))?;
            }
            let Some(p) = found else {
                return Ok(report(iterations, sv.evaluations, f, sv.g, LbfgsStatus::LineSearchFailed));
            };
            hist.push(T::from_f64(p.a), sv.d, sv.g, sv.g_trial);
            sv.x.copy_from_slice(sv.x_trial);
            sv.g.copy_from_slice(sv.g_trial);
            let f_old = f;
            f = p.f;
            iterations += 1;
            if (f_old - f) / f_old.abs().max(f.abs()).max(1.0) <= self.config.f_tol
                && inf_norm(sv.g) > self.config.grad_tol
            {
                return Ok(report(iterations, sv.evaluations, f, sv.g, LbfgsStatus::FunctionTolerance));
            }
        }
    }
}
