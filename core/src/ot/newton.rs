//! Sinkhorn-Newton-Sparse (spec §3, Tang et al. 2024) and the dense gauge-fixed Newton step
//! (spec §6 check 6), both on the Lyapunov potential of spec §2.5.
//!
//! Potentials are kept in the solvers' convention `P = exp((f ⊕ g − C)/ε)`; the spec's
//! `(x, y)` with `P = exp(η(−C + x ⊕ y) − 1)` are `x = f`, `y = g + ε`, so
//! `F = −ε Σ P + a·f + b·g + ε Σ b`, `∇F = (a − P1, b − Pᵀ1)`,
//! `−∇²F = (1/ε)·[[diag(P1), P], [Pᵀ, diag(Pᵀ1)]]`.

use super::cost::CostSource;
use super::rows::{column_lse, log_kernel_row, plan_stats, row_lse};
use super::{carve, validate_problem};
use crate::error::{add_size, mul_size};
use crate::linalg::{cholesky_in_place, cholesky_solve_in_place};
use crate::real::{check_finite, check_positive};
use crate::{Error, Real, Result};

/// Settings of [`sinkhorn_newton_sparse`] / [`sinkhorn_newton_dense`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NewtonConfig<T> {
    /// Entropic regularisation ε = 1/η (`> 0`).
    pub eps: T,
    /// Warm-up Sinkhorn steps N1 (spec §3: 20).
    pub warmup_iters: usize,
    /// End the warm-up early once `‖∇F‖₁ ≤ switch_tol` (spec's adaptive switching rule,
    /// e.g. `1e-2·Σa`); `0` runs all `warmup_iters` (each check costs one plan pass).
    pub switch_tol: T,
    /// Newton steps N2 at most.
    pub max_newton: usize,
    /// Stop when `‖∇F‖₁ ≤ tol`.
    pub tol: T,
    /// Target sparsity λ, counted as `sparsity_basis` says (capped by the sparse buffer);
    /// `None` = 2/n.
    pub lambda: Option<T>,
    /// What λ is a fraction of (spec §3): the whole Hessian (the paper's definition, default)
    /// or the plan's n·m entries (the spec pseudo-code's simplification).
    pub sparsity_basis: SparsityBasis,
    /// Adaptive density (spec §3 fallback): after a step that reduces `‖∇F‖₁` by less than
    /// 10 % (a stall), double λ (up to dense); after a good step multiply it by `shrink`
    /// (not below the start).
    pub adaptive: bool,
    /// Factor applied to λ after a good step when `adaptive` (RegOT: 0.9; 1 keeps λ).
    pub shrink: T,
    /// Dense fallback: after this many stalls keep every entry the sparse buffer can hold
    /// (λ = 1); 0 disables it.
    pub dense_after_stalls: usize,
    /// Conjugate-gradient relative residual tolerance.
    pub cg_rtol: T,
    /// Conjugate-gradient iteration limit.
    pub cg_max_iter: usize,
    /// Armijo constant c of the backtracking line search (step 1, halved while
    /// `F(z + tΔ) < F(z) + c·t·∇F·Δ` or non-finite).
    pub armijo: T,
    /// Halvings at most per line search.
    pub max_backtracks: usize,
}

impl<T: Real> NewtonConfig<T> {
    /// Spec §3/§6 defaults at regularisation `eps`: N1 = 20, N2 = 60, tol 1e-12, λ = 2/n,
    /// adaptive, CG rtol 1e-12 (≤ 1000 iterations), Armijo c = 1e-4, ≤ 50 halvings.
    #[must_use]
    pub fn new(eps: T) -> Self {
        Self {
            eps,
            warmup_iters: 20,
            switch_tol: T::ZERO,
            max_newton: 60,
            tol: T::from_f64(1e-12),
            lambda: None,
            sparsity_basis: SparsityBasis::Hessian,
            adaptive: true,
            shrink: T::from_f64(0.9),
            dense_after_stalls: 1,
            cg_rtol: T::from_f64(1e-12),
            cg_max_iter: 1000,
            armijo: T::from_f64(1e-4),
            max_backtracks: 50,
        }
    }
}

/// How the target sparsity λ of [`NewtonConfig`] turns into a number of kept `P_ij`.
///
/// Spec §3: the paper (Tang et al. 2024) calls a matrix λ-sparse when at most λ·(size)² of its
/// entries are nonzero and sparsifies the whole `(n+m)×(n+m)` Hessian, whose diagonal is always
/// kept and whose off-diagonal entries come in symmetric pairs. At λ = 2/n (n = m) that is
/// 3n plan entries, against 2n for the pseudo-code's `⌈λ·n·m⌉`; on spec check 7 the first
/// matches dense Newton's step count, the second converges only linearly (mass the optimal
/// plan keeps outside its 2n largest entries decouples near-null directions of the Hessian).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SparsityBasis {
    /// Nonzeros of the Hessian ≤ ⌈λ·(n+m)²⌉: keeps `(⌈λ·(n+m)²⌉ − (n+m))/2` entries of P
    /// (the paper's definition).
    #[default]
    Hessian,
    /// Keeps the ⌈λ·n·m⌉ largest entries of P (spec §3 pseudo-code).
    Plan,
}

/// What a Newton solver did.
#[derive(Clone, Copy, Debug, PartialEq)]
#[must_use]
pub struct NewtonReport<T> {
    /// Sinkhorn warm-up steps done.
    pub warmup_iterations: usize,
    /// Newton steps taken.
    pub newton_iterations: usize,
    /// Conjugate-gradient iterations over all steps (0 for the dense solver).
    pub cg_iterations: usize,
    /// `‖∇F‖₁ = ‖a − P1‖₁ + ‖b − Pᵀ1‖₁` at the returned potentials.
    pub grad_norm1: T,
    /// Lyapunov potential `F` (spec §2.5 convention) at the returned potentials.
    pub objective: T,
    /// `⟨C, P⟩`.
    pub transport_cost: T,
    /// `⟨C, P⟩ − ε H(P)`.
    pub entropic_objective: T,
    /// Fraction of the n·m plan entries the last Hessian kept (1 = dense).
    pub density: T,
    /// `grad_norm1 ≤ tol`.
    pub converged: bool,
}

/// One Hessian entry `P_ij` kept by the sparsification.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SparseEntry<T> {
    /// Row i.
    pub row: u32,
    /// Column j.
    pub col: u32,
    /// `P_ij`.
    pub value: T,
}

/// Workspace of [`sinkhorn_newton_sparse`]: `8n + 10m` elements (saturating).
#[must_use]
pub const fn newton_workspace_len(n: usize, m: usize) -> usize {
    n.saturating_mul(8).saturating_add(m.saturating_mul(10))
}

/// Workspace of [`sinkhorn_newton_dense`]: [`newton_workspace_len`] plus `(n + m − 1)²`.
#[must_use]
pub const fn newton_dense_workspace_len(n: usize, m: usize) -> usize {
    let k = n.saturating_add(m).saturating_sub(1);
    newton_workspace_len(n, m).saturating_add(k.saturating_mul(k))
}

fn checked_newton_len(n: usize, m: usize) -> Result<usize> {
    add_size(mul_size(n, 8)?, mul_size(m, 10)?)
}

fn checked_dense_len(n: usize, m: usize) -> Result<usize> {
    let k = add_size(n, m)?.saturating_sub(1);
    add_size(checked_newton_len(n, m)?, mul_size(k, k)?)
}

/// Lyapunov potential `F(f, g) = −ε Σ_ij exp((f_i + g_j − C_ij)/ε) + a·f + b·g + ε Σ b`
/// (spec §2.5 with `x = f`, `y = g + ε`); concave, maximised by the Sinkhorn potentials, where
/// it equals the optimal entropic objective `⟨C,P⟩ − ε H(P) − ε`. `work`: ≥ 2m elements.
///
/// # Errors
/// Length mismatches, ε ≤ 0, [`Error::WorkspaceTooSmall`], [`Error::NonFinite`] for a NaN/inf
/// in `f` or `g`, [`Error::NumericalFailure`] when `F` overflows (`f_i + g_j − C_ij ≫ ε`: the
/// potentials are far from a solution). Only `work` is written.
///
/// # Example
/// ```
/// use ferrokern::ot::{lyapunov_objective, DenseCost};
/// let c = [0.0_f64; 1];
/// let cost = DenseCost::new(&c, 1, 1)?;
/// // One point: P = exp((f + g)/ε) = 1 at f = g = 0, so F = −ε + ε = 0.
/// let v = lyapunov_objective(&cost, &[1.0], &[1.0], 0.5, &[0.0], &[0.0], &mut [0.0; 2])?;
/// assert!(v.abs() < 1e-15);
/// # Ok::<(), ferrokern::Error>(())
/// ```
pub fn lyapunov_objective<T: Real, C: CostSource<T>>(
    cost: &C,
    a: &[T],
    b: &[T],
    eps: T,
    f: &[T],
    g: &[T],
    work: &mut [T],
) -> Result<T> {
    check_positive("eps", eps)?;
    let m = cost.m();
    let need = mul_size(m, 2)?;
    validate_problem(cost, a, b, f, g, work.len(), need)?;
    check_finite("f", f)?;
    check_finite("g", g)?;
    let [cbuf, pbuf] = carve(work, [m, m]);
    let value = objective(cost, a, b, eps, f, g, cbuf, pbuf).0;
    if !value.is_finite() {
        return Err(Error::NumericalFailure { what: "Lyapunov objective overflowed" });
    }
    Ok(value)
}

/// `(F, Σ|terms|)` — the second is the scale of F's rounding error.
#[allow(clippy::too_many_arguments)]
fn objective<T: Real, C: CostSource<T>>(
    cost: &C,
    a: &[T],
    b: &[T],
    eps: T,
    f: &[T],
    g: &[T],
    cbuf: &mut [T],
    pbuf: &mut [T],
) -> (T, T) {
    let mut mass = T::ZERO;
    for (i, &fi) in f.iter().enumerate() {
        log_kernel_row(cost.row(i, cbuf), fi, Some(g), eps, pbuf);
        T::exp_slice(pbuf);
        mass += T::sum(pbuf);
    }
    let (af, bg, sb) = (T::dot(a, f), T::dot(b, g), T::sum(b));
    let mag = eps * (mass + sb) + abs_dot(a, f) + abs_dot(b, g);
    (-eps * mass + af + bg + eps * sb, mag)
}

fn abs_dot<T: Real>(x: &[T], y: &[T]) -> T {
    x.iter().zip(y).fold(T::ZERO, |s, (&p, &q)| s + (p * q).abs())
}

/// Slices of the Newton solvers (carved from `work`).
struct NewtonWs<'w, T> {
    f: &'w mut [T],
    g: &'w mut [T],
    r: &'w mut [T],
    c: &'w mut [T],
    grad: &'w mut [T],
    dir: &'w mut [T],
    res: &'w mut [T],
    p: &'w mut [T],
    ap: &'w mut [T],
    trial: &'w mut [T],
    cbuf: &'w mut [T],
    lbuf: &'w mut [T],
}

impl<'w, T: Real> NewtonWs<'w, T> {
    fn new(work: &'w mut [T], n: usize, m: usize) -> (Self, &'w mut [T]) {
        let nm = n + m;
        let [f, g, r, c, grad, dir, res, p, ap, trial, cbuf, lbuf, rest] =
            carve(work, [n, m, n, m, nm, nm, nm, nm, nm, nm, m, m, usize::MAX]);
        (Self { f, g, r, c, grad, dir, res, p, ap, trial, cbuf, lbuf }, rest)
    }
}

/// Which linear solver a Newton step uses.
enum Solver<'s, T> {
    /// Top-k sparsified Hessian in a min-heap, conjugate gradient.
    Sparse { heap: &'s mut [SparseEntry<T>], len: usize, keep: usize },
    /// Dense gauge-fixed matrix (last `g` variable dropped), Cholesky.
    Dense { mat: &'s mut [T] },
}

/// Keeps the `keep` largest values seen in a min-heap over `heap[..*len]`.
// Index bounds: `keep ≤ heap.len()` and `*len ≤ keep` (clamped on entry); every index used is
// `< *len`, or `0` when `*len > 0`, or `i = *len < keep` when growing, so `< heap.len()`.
#[allow(clippy::indexing_slicing)]
fn heap_offer<T: Real>(heap: &mut [SparseEntry<T>], len: &mut usize, keep: usize, e: SparseEntry<T>) {
    let keep = keep.min(heap.len());
    *len = (*len).min(keep);
    if *len < keep {
        let mut i = *len;
        heap[i] = e;
        *len += 1;
        while i > 0 {
            let parent = (i - 1) / 2;
            if heap[i].value < heap[parent].value {
                heap.swap(i, parent);
                i = parent;
            } else {
                break;
            }
        }
    } else if *len > 0 && e.value > heap[0].value {
        heap[0] = e;
        let mut i = 0;
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut s = i;
            if l < *len && heap[l].value < heap[s].value {
                s = l;
            }
            if r < *len && heap[r].value < heap[s].value {
                s = r;
            }
            if s == i {
                break;
            }
            heap.swap(i, s);
            i = s;
        }
    }
}

/// One pass over the plan: `r = P1`, `c = Pᵀ1`, Hessian entries into the solver.
fn hessian_pass<T: Real, C: CostSource<T>>(
    cost: &C,
    eps: T,
    w: &mut NewtonWs<'_, T>,
    solver: &mut Solver<'_, T>,
) {
    let (n, m) = (w.f.len(), w.g.len());
    w.c.iter_mut().for_each(|x| *x = T::ZERO);
    if let Solver::Sparse { len, .. } = solver {
        *len = 0;
    }
    if let Solver::Dense { mat } = solver {
        mat.iter_mut().for_each(|x| *x = T::ZERO);
    }
    let dim = n + m - 1;
    for (i, &fi) in w.f.iter().enumerate() {
        log_kernel_row(cost.row(i, w.cbuf), fi, Some(w.g), eps, w.lbuf);
        T::exp_slice(w.lbuf);
        if let Some(ri) = w.r.get_mut(i) {
            *ri = T::sum(w.lbuf);
        }
        T::axpy(T::ONE, w.lbuf, w.c);
        match solver {
            Solver::Sparse { heap, len, keep } => {
                for (j, &v) in w.lbuf.iter().enumerate() {
                    let e = SparseEntry { row: i as u32, col: j as u32, value: v };
                    heap_offer(heap, len, *keep, e);
                }
            }
            Solver::Dense { mat } => {
                // Row i: P_ij at columns n + j (j < m − 1); column i: the symmetric copy.
                if let Some(row) = mat.get_mut(i * dim..(i + 1) * dim) {
                    if let Some(dst) = row.get_mut(n..) {
                        dst.copy_from_slice(w.lbuf.get(..m - 1).unwrap_or(&[]));
                    }
                }
                for (j, &v) in w.lbuf.iter().take(m - 1).enumerate() {
                    if let Some(x) = mat.get_mut((n + j) * dim + i) {
                        *x = v;
                    }
                }
            }
        }
    }
    if let Solver::Dense { mat } = solver {
        for (k, &d) in w.r.iter().chain(w.c.iter().take(m - 1)).enumerate() {
            if let Some(x) = mat.get_mut(k * dim + k) {
                *x = d;
            }
        }
    }
}

/// `out = M x`, `M = [[diag r, P_s], [P_sᵀ, diag c]]` (sparse entries only).
fn sparse_mul<T: Real>(r: &[T], c: &[T], entries: &[SparseEntry<T>], x: &[T], out: &mut [T]) {
    let n = r.len();
    let (xf, xg) = x.split_at(n.min(x.len()));
    let (of, og) = out.split_at_mut(n.min(x.len()));
    <T as Real>::mul(r, xf, of);
    <T as Real>::mul(c, xg, og);
    for e in entries {
        let (i, j) = (e.row as usize, e.col as usize);
        let (xi, xj) = (xf.get(i).copied().unwrap_or(T::ZERO), xg.get(j).copied().unwrap_or(T::ZERO));
        if let Some(o) = of.get_mut(i) {
            *o += e.value * xj;
        }
        if let Some(o) = og.get_mut(j) {
            *o += e.value * xi;
        }
    }
}

/// Conjugate gradient for `M d = grad` from `d = 0`, preconditioned by `diag(M) = (r, c)`
/// (Jacobi: the marginals span many orders of magnitude, e.g. Gaussian tails); `w.trial` holds
/// the preconditioned residual. Returns iterations.
fn conjugate_gradient<T: Real>(
    w: &mut NewtonWs<'_, T>,
    entries: &[SparseEntry<T>],
    cfg: &NewtonConfig<T>,
) -> usize {
    // Gauge fix: the last g variable stays 0 (removes the near-null direction (1, −1)).
    let precondition = |res: &[T], z: &mut [T], r: &[T], c: &[T]| {
        for ((zi, &ri), &di) in z.iter_mut().zip(res).zip(r.iter().chain(c)) {
            *zi = if di > T::ZERO { ri / di } else { ri };
        }
        if let Some(last) = z.last_mut() {
            *last = T::ZERO;
        }
    };
    w.dir.iter_mut().for_each(|x| *x = T::ZERO);
    w.res.copy_from_slice(w.grad);
    if let Some(last) = w.res.last_mut() {
        *last = T::ZERO;
    }
    precondition(w.res, w.trial, w.r, w.c);
    w.p.copy_from_slice(w.trial);
    let target = cfg.cg_rtol * T::norm2(w.grad);
    let mut rz = T::dot(w.res, w.trial);
    for it in 0..cfg.cg_max_iter {
        if T::norm2(w.res) <= target {
            return it;
        }
        sparse_mul(w.r, w.c, entries, w.p, w.ap);
        let pap = T::dot(w.p, w.ap);
        if pap.partial_cmp(&T::ZERO) != Some(core::cmp::Ordering::Greater) {
            return it;
        }
        let alpha = rz / pap;
        T::axpy(alpha, w.p, w.dir);
        T::axpy(-alpha, w.ap, w.res);
        if let Some(last) = w.res.last_mut() {
            *last = T::ZERO;
        }
        precondition(w.res, w.trial, w.r, w.c);
        let rz_new = T::dot(w.res, w.trial);
        let beta = rz_new / rz;
        rz = rz_new;
        T::scale(beta, w.p);
        T::axpy(T::ONE, w.trial, w.p);
    }
    cfg.cg_max_iter
}

/// Spec §2.5 Sinkhorn step: `f` from the row LSEs, then `g` from the column LSEs.
fn sinkhorn_step<T: Real, C: CostSource<T>>(cost: &C, a: &[T], b: &[T], eps: T, w: &mut NewtonWs<'_, T>) {
    for (i, (fi, &ai)) in w.f.iter_mut().zip(a).enumerate() {
        *fi = eps * (ai.ln() - row_lse(cost, i, w.g, eps, w.cbuf, w.lbuf));
    }
    // `r`'s first m slots are free here (it is recomputed before use): column maxima.
    let (lse, colmax) = (&mut *w.c, w.trial.get_mut(..b.len()).unwrap_or(&mut []));
    column_lse(cost, w.f, eps, lse, colmax, w.cbuf, w.lbuf);
    for ((gj, &bj), &l) in w.g.iter_mut().zip(b).zip(lse.iter()) {
        *gj = eps * (bj.ln() - l);
    }
}

/// Overflowing costs or marginals (e.g. `C ≈ −f64::MAX`, or `C·P` beyond f64) can leave the
/// iterate or the report non-finite while every step "succeeds": reported as an error, the
/// caller's `f`, `g` untouched.
fn finite_result<T: Real>(f: &[T], g: &[T], r: &NewtonReport<T>) -> Result<()> {
    let stats = [r.grad_norm1, r.objective, r.transport_cost, r.entropic_objective, r.density];
    if f.iter().chain(g).chain(stats.iter()).all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(Error::NumericalFailure {
            what: "Sinkhorn-Newton potentials or statistics not finite (cost/marginals overflow)",
        })
    }
}

fn grad_norm1<T: Real>(a: &[T], b: &[T], w: &mut NewtonWs<'_, T>) -> T {
    let n = a.len();
    let (gf, gg) = w.grad.split_at_mut(n);
    <T as Real>::sub(a, w.r, gf);
    <T as Real>::sub(b, w.c, gg);
    w.grad.iter().fold(T::ZERO, |s, &x| s + x.abs())
}

#[allow(clippy::too_many_arguments)]
fn newton_core<T: Real, C: CostSource<T>>(
    cost: &C,
    a: &[T],
    b: &[T],
    cfg: &NewtonConfig<T>,
    w: &mut NewtonWs<'_, T>,
    mut solver: Solver<'_, T>,
) -> Result<NewtonReport<T>> {
    let (n, m) = (a.len(), b.len());
    let eps = cfg.eps;
    // Spec §3 stage 1 from x = y = 0, i.e. f = 0, g = −ε.
    w.f.iter_mut().for_each(|x| *x = T::ZERO);
    w.g.iter_mut().for_each(|x| *x = -eps);
    let mut warm = 0;
    for _ in 0..cfg.warmup_iters {
        sinkhorn_step(cost, a, b, eps, w);
        warm += 1;
        if cfg.switch_tol > T::ZERO {
            let _ = plan_stats(cost, w.f, w.g, eps, w.c, Some(w.r), w.cbuf, w.lbuf);
            if grad_norm1(a, b, w) <= cfg.switch_tol {
                break;
            }
        }
    }
    let lambda0 = cfg.lambda.unwrap_or(T::from_f64(2.0) / T::from_usize(n));
    let total = T::from_usize(n) * T::from_usize(m);
    let keep_count = |lambda: T| keep_count(lambda, n, m, cfg.sparsity_basis);
    let mut lambda = lambda0;
    let (mut steps, mut cg_total, mut converged) = (0, 0, false);
    let mut prev_norm = T::INFINITY;
    let (mut stalls, mut dense_now) = (0usize, false);
    let mut gnorm;
    loop {
        if let Solver::Sparse { keep, .. } = &mut solver {
            *keep = keep_count(lambda);
        }
        hessian_pass(cost, eps, w, &mut solver);
        gnorm = grad_norm1(a, b, w);
        if !gnorm.is_finite() {
            return Err(Error::NumericalFailure { what: "non-finite gradient in Sinkhorn-Newton" });
        }
        if gnorm <= cfg.tol {
            converged = true;
            break;
        }
        if steps >= cfg.max_newton {
            break;
        }
        if steps > 0 && gnorm > T::from_f64(0.9) * prev_norm {
            stalls += 1;
            if cfg.adaptive {
                lambda = (lambda + lambda).min(T::ONE);
            }
            if cfg.dense_after_stalls > 0 && stalls >= cfg.dense_after_stalls {
                dense_now = true;
            }
        } else if cfg.adaptive && steps > 0 && !dense_now {
            lambda = (lambda * cfg.shrink).max(lambda0);
        }
        if dense_now {
            lambda = T::ONE;
        }
        // A denser Hessian is wanted at this point already: collect it again.
        if let Solver::Sparse { keep, .. } = &mut solver {
            let before = *keep;
            *keep = keep_count(lambda);
            if *keep > before {
                hessian_pass(cost, eps, w, &mut solver);
            }
        }
        prev_norm = gnorm;
        // Newton direction: M d = ∇F, Δ = ε d (ascent).
        match &mut solver {
            Solver::Sparse { heap, len, .. } => {
                cg_total += conjugate_gradient(w, heap.get(..*len).unwrap_or(&[]), cfg);
            }
            Solver::Dense { mat } => {
                let dim = n + m - 1;
                w.dir.copy_from_slice(w.grad);
                if !(mat.len() == dim * dim
                    && cholesky_in_place(mat, dim, dim)
                    && cholesky_solve_in_place(mat, dim, dim, w.dir))
                {
                    return Err(Error::NumericalFailure { what: "Newton Hessian not positive definite" });
                }
                if let Some(last) = w.dir.last_mut() {
                    *last = T::ZERO;
                }
            }
        }
        T::scale(eps, w.dir);
        if !line_search(cost, a, b, cfg, w) {
            // No ascent within rounding: the iterate is as good as F can tell; stop.
            break;
        }
        steps += 1;
    }
    let (transport_cost, entropic_objective) = plan_stats(cost, w.f, w.g, eps, w.c, None, w.cbuf, w.lbuf);
    let (objective, _) = objective(cost, a, b, eps, w.f, w.g, w.cbuf, w.lbuf);
    let density = match solver {
        Solver::Sparse { len, .. } => T::from_usize(len) / total,
        Solver::Dense { .. } => T::ONE,
    };
    Ok(NewtonReport {
        warmup_iterations: warm,
        newton_iterations: steps,
        cg_iterations: cg_total,
        grad_norm1: gnorm,
        objective,
        transport_cost,
        entropic_objective,
        density,
        converged,
    })
}

/// Plan entries kept at sparsity λ (see [`SparsityBasis`]; saturating).
fn keep_count<T: Real>(lambda: T, n: usize, m: usize, basis: SparsityBasis) -> usize {
    let (n, m, l) = (n as f64, m as f64, lambda.to_f64());
    let want = match basis {
        SparsityBasis::Plan => libm::ceil(l * n * m),
        SparsityBasis::Hessian => libm::floor((libm::ceil(l * (n + m) * (n + m)) - (n + m)) / 2.0),
    };
    if want >= usize::MAX as f64 {
        usize::MAX
    } else {
        // `as` saturates negative values (λ below the diagonal's share) to 0.
        want as usize
    }
}

/// Backtracking Armijo on F along `w.dir` (halving from t = 1); false if no step passes. Near the optimum F's gain is
/// below its rounding error, so the test allows `16·EPSILON·Σ|terms of F|` of slack.
fn line_search<T: Real, C: CostSource<T>>(
    cost: &C,
    a: &[T],
    b: &[T],
    cfg: &NewtonConfig<T>,
    w: &mut NewtonWs<'_, T>,
) -> bool {
    let n = a.len();
    let eps = cfg.eps;
    let (f0, mag) = objective(cost, a, b, eps, w.f, w.g, w.cbuf, w.lbuf);
    let slope = T::dot(w.grad, w.dir);
    let slack = T::from_f64(16.0) * T::EPSILON * mag;
    let mut t = T::ONE;
    for _ in 0..=cfg.max_backtracks {
        let (tf, tg) = w.trial.split_at_mut(n);
        tf.copy_from_slice(w.f);
        tg.copy_from_slice(w.g);
        T::axpy(t, w.dir, w.trial);
        let (tf, tg) = w.trial.split_at(n);
        let (ft, _) = objective(cost, a, b, eps, tf, tg, w.cbuf, w.lbuf);
        if ft.is_finite() && ft >= f0 + cfg.armijo * t * slope - slack {
            w.f.copy_from_slice(tf);
            w.g.copy_from_slice(tg);
            return true;
        }
        t *= T::HALF;
    }
    false
}

fn check_newton_cfg<T: Real>(cfg: &NewtonConfig<T>) -> Result<()> {
    check_positive("eps", cfg.eps)?;
    let ok = |x: T| x.is_finite() && x >= T::ZERO;
    if !(ok(cfg.tol) && ok(cfg.switch_tol) && ok(cfg.cg_rtol) && ok(cfg.armijo) && cfg.armijo < T::ONE) {
        return Err(Error::InvalidParameter {
            name: "Newton config",
            reason: "tol, switch_tol, cg_rtol must be finite and >= 0; armijo in [0, 1)",
        });
    }
    if let Some(l) = cfg.lambda {
        if !(l.is_finite() && l > T::ZERO) {
            return Err(Error::InvalidParameter { name: "lambda", reason: "must be finite and > 0" });
        }
    }
    Ok(())
}

/// Sinkhorn-Newton-Sparse (spec §3, Tang et al., ICLR 2024).
///
/// Stage 1: `cfg.warmup_iters` log-domain Sinkhorn steps (spec §2.5) from `x = y = 0`.
/// Stage 2: Newton ascent on the Lyapunov potential `F` with the Hessian sparsified to the
/// diagonal blocks `diag(P1)`, `diag(Pᵀ1)` plus the largest `P_ij` — as many as sparsity λ allows
/// on the whole Hessian ([`SparsityBasis`]; 3n at λ = 2/n, n = m) — (kept in `sparse`, a
/// min-heap, so capacity is fixed by the caller), solved by conjugate gradient, and a
/// backtracking Armijo line search. With `cfg.adaptive`, λ doubles after a step that reduces
/// `‖∇F‖₁` by less than 10 % — the spec §3 fallback; give `sparse` `n·m` entries to let it
/// reach the dense Newton step.
///
/// Writes `f`, `g` (plan `P = exp((f ⊕ g − C)/ε)`). Cost per Newton step: one plan pass
/// (n·m exps, O(n·m·log k) heap work), CG with O(k + n + m) per iteration, and one plan pass per
/// line-search trial. Memory: `sparse` and [`newton_workspace_len`]`(n, m)` elements.
///
/// # Errors
/// Input errors as [`sinkhorn_log`](super::sinkhorn_log); [`Error::InvalidParameter`] for an
/// empty `sparse` buffer, sizes beyond `u32`, or a bad config; [`Error::NumericalFailure`] if the
/// gradient goes non-finite. Not reaching `tol` is `Ok` with `converged == false`.
///
/// # Example
/// ```
/// use ferrokern::ot::{newton_workspace_len, sinkhorn_newton_sparse, DenseCost, NewtonConfig, SparseEntry};
/// let c = [0.0_f64, 1.0, 1.0, 0.0];
/// let cost = DenseCost::new(&c, 2, 2)?;
/// let a = [0.5, 0.5];
/// let (mut f, mut g) = ([0.0; 2], [0.0; 2]);
/// let mut sparse = [SparseEntry::default(); 4];
/// let mut work = [0.0; newton_workspace_len(2, 2)];
/// let rep = sinkhorn_newton_sparse(&cost, &a, &a, &NewtonConfig::new(0.1), &mut f, &mut g, &mut sparse, &mut work)?;
/// assert!(rep.converged && rep.grad_norm1 <= 1e-12);
/// assert!((rep.transport_cost - 1.0 / (1.0 + 10f64.exp())).abs() < 1e-12);
/// # Ok::<(), ferrokern::Error>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn sinkhorn_newton_sparse<T: Real, C: CostSource<T>>(
    cost: &C,
    a: &[T],
    b: &[T],
    cfg: &NewtonConfig<T>,
    f: &mut [T],
    g: &mut [T],
    sparse: &mut [SparseEntry<T>],
    work: &mut [T],
) -> Result<NewtonReport<T>> {
    check_newton_cfg(cfg)?;
    let need = checked_newton_len(cost.n(), cost.m())?;
    let (n, m) = validate_problem(cost, a, b, f, g, work.len(), need)?;
    if sparse.is_empty() || u32::try_from(n).is_err() || u32::try_from(m).is_err() {
        return Err(Error::InvalidParameter { name: "sparse", reason: "needs capacity > 0 and n, m < 2^32" });
    }
    let (mut w, _) = NewtonWs::new(work, n, m);
    let solver = Solver::Sparse { heap: sparse, len: 0, keep: 0 };
    let report = newton_core(cost, a, b, cfg, &mut w, solver)?;
    finite_result(w.f, w.g, &report)?;
    f.copy_from_slice(w.f);
    g.copy_from_slice(w.g);
    Ok(report)
}

/// Newton with the dense, gauge-fixed Hessian (spec §6 check 6): as
/// [`sinkhorn_newton_sparse`] but each step solves the full system with the last `g` variable
/// fixed (removing the null direction `(1, −1)`) by Cholesky. `lambda`/`adaptive`/`cg_*` are
/// unused. Robust and simple for n + m ≲ 400.
///
/// Cost per step: one plan pass plus `(n + m)³/6` flops. Memory:
/// [`newton_dense_workspace_len`]`(n, m)` elements (`(n + m − 1)²` for the matrix).
///
/// # Errors
/// As [`sinkhorn_newton_sparse`]; [`Error::NumericalFailure`] if Cholesky meets a non-positive
/// pivot.
///
/// # Example
/// ```
/// use ferrokern::ot::{newton_dense_workspace_len, sinkhorn_newton_dense, DenseCost, NewtonConfig};
/// let c = [0.0_f64, 1.0, 1.0, 0.0];
/// let cost = DenseCost::new(&c, 2, 2)?;
/// let a = [0.5, 0.5];
/// let (mut f, mut g) = ([0.0; 2], [0.0; 2]);
/// let mut work = [0.0; newton_dense_workspace_len(2, 2)];
/// let rep = sinkhorn_newton_dense(&cost, &a, &a, &NewtonConfig::new(0.1), &mut f, &mut g, &mut work)?;
/// assert!(rep.converged);
/// # Ok::<(), ferrokern::Error>(())
/// ```
pub fn sinkhorn_newton_dense<T: Real, C: CostSource<T>>(
    cost: &C,
    a: &[T],
    b: &[T],
    cfg: &NewtonConfig<T>,
    f: &mut [T],
    g: &mut [T],
    work: &mut [T],
) -> Result<NewtonReport<T>> {
    check_newton_cfg(cfg)?;
    let need = checked_dense_len(cost.n(), cost.m())?;
    let (n, m) = validate_problem(cost, a, b, f, g, work.len(), need)?;
    let (mut w, rest) = NewtonWs::new(work, n, m);
    let dim = n + m - 1;
    let mat = rest.get_mut(..dim * dim).unwrap_or(&mut []);
    let report = newton_core(cost, a, b, cfg, &mut w, Solver::Dense { mat })?;
    finite_result(w.f, w.g, &report)?;
    f.copy_from_slice(w.f);
    g.copy_from_slice(w.g);
    Ok(report)
}
