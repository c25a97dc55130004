//! Entropic optimal transport: Sinkhorn scaling, log domain, absorption (stabilised),
//! ε-scaling and Sinkhorn-Newton-Sparse (spec `sinkhorn.md`).
//!
//! Problem (spec §1): `min_{P ≥ 0, P1 = a, Pᵀ1 = b} ⟨C,P⟩ − ε H(P)`, `H(P) = −Σ P log P`.
//! Every solver returns the dual potentials `f` (n), `g` (m) in cost units; the plan is
//! `P_ij = exp((f_i + g_j − C_ij)/ε)` and is never stored: [`plan_into`] writes it into a caller
//! buffer, [`apply_plan`] / [`apply_plan_t`] compute `P x` / `Pᵀ y` without forming it.
//!
//! The cost is read through [`CostSource`]: a dense row-major slice ([`DenseCost`]) or two point
//! clouds evaluated on the fly ([`PointCloudCost`], O(n + m) memory with
//! [`KernelStore::OnTheFly`] or the log-domain solvers).
//!
//! | solver | spec | memory besides the cost | when |
//! |---|---|---|---|
//! | [`sinkhorn_scaling`] | §2.1 | kernel store + O(n+m) | ε ≥ max C/50 (f32), ≥ max C/700 (f64) |
//! | [`sinkhorn_log`] | §2.2 | O(n+m) | any ε; 2 exps per entry per iteration |
//! | [`sinkhorn_stabilized`] | §2.3 | kernel store + O(n+m) | small ε at scaling speed |
//! | [`sinkhorn_eps_scaling`] | §2.4 | kernel store + O(n+m) | very small ε |
//! | [`sinkhorn_newton_sparse`] | §3 | O(n+m) + sparse Hessian | high accuracy, small ε |
//! | [`sinkhorn_newton_dense`] | §6 check 6 | O((n+m)²) | small problems (n ≲ 200) |
//!
//! Per iteration the scaling-form solvers make one pass over the kernel (`K v`, `u`, `Kᵀu` per
//! block of rows; with [`KernelStore::OnTheFly`] one exp per entry), the log-domain solver two
//! (one per potential).
//!
//! Stopping (all but Newton): POT's rule by default — the L2 norm of the column-marginal
//! violation `‖Pᵀ1 − b‖₂ < tol`, checked every `check_every` iterations ([`StopRule`]).
//!
//! f32 accuracy (spec §4): marginal errors bottom out near 1e-6·Σb; use `tol ≥ 1e-6` in f32 and
//! a stabilised or log-domain solver whenever ε < max C / 50.

mod cost;
mod eps_scaling;
mod kernel;
mod log_domain;
mod newton;
mod plan;
mod rows;
mod scaling;

pub use cost::{CostSource, DenseCost, Metric, MetricFn, PointCloudCost};
pub use eps_scaling::{sinkhorn_eps_scaling, EpsScalingConfig};
#[cfg(feature = "f16")]
pub use kernel::bf16;
pub use kernel::{aligned_kernel_len, KernelStore};
pub use log_domain::sinkhorn_log;
pub use newton::{
    lyapunov_objective, newton_dense_workspace_len, newton_workspace_len, sinkhorn_newton_dense,
    sinkhorn_newton_sparse, NewtonConfig, NewtonReport, SparseEntry, SparsityBasis,
};
pub use plan::{apply_plan, apply_plan_t, plan_into};
pub use scaling::{sinkhorn_scaling, sinkhorn_stabilized};

use crate::error::{add_size, check_len, mul_size};
use crate::real::{check_finite, check_positive};
use crate::{Error, Real, Result};

/// Which marginal violation the stopping test measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum StopRule {
    /// `‖Pᵀ1 − b‖₂` (POT's rule).
    #[default]
    L2Column,
    /// `‖Pᵀ1 − b‖₁`.
    L1Column,
}

/// What [`sinkhorn_scaling`] does when the plain scaling under- or overflows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Fallback {
    /// Return [`Error::NumericalFailure`] (outputs untouched).
    #[default]
    Error,
    /// Roll back to the last finite iterate and continue in the log domain
    /// ([`sinkhorn_log`] updates) with the remaining iteration budget.
    LogDomain,
}

/// Settings shared by the Sinkhorn solvers. Defaults are POT's (`numItermax = 1000`,
/// `stopThr = 1e-9`, error checked every 10 iterations, L2 column rule).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SinkhornConfig<T> {
    /// Entropic regularisation ε (`> 0`, cost units).
    pub eps: T,
    /// Iteration limit (one iteration = a `v` update then a `u` update).
    pub max_iter: usize,
    /// Stop when the marginal violation is `< tol` (use `≥ 1e-6` in f32, spec §4).
    pub tol: T,
    /// Check the violation every this many iterations (at iterations 0, k, 2k, …; POT: 10 for
    /// scaling/log, 20 for the stabilised solver).
    pub check_every: usize,
    /// Norm of the violation.
    pub stop_rule: StopRule,
    /// Reaction of [`sinkhorn_scaling`] to under/overflow.
    pub on_underflow: Fallback,
}

impl<T: Real> SinkhornConfig<T> {
    /// POT's defaults with regularisation `eps`.
    #[must_use]
    pub fn new(eps: T) -> Self {
        Self {
            eps,
            max_iter: 1000,
            tol: T::from_f64(1e-9),
            check_every: 10,
            stop_rule: StopRule::L2Column,
            on_underflow: Fallback::Error,
        }
    }

    fn validate(&self) -> Result<()> {
        check_positive("eps", self.eps)?;
        if !(self.tol.is_finite() && self.tol >= T::ZERO) {
            return Err(Error::InvalidParameter { name: "tol", reason: "must be finite and >= 0" });
        }
        if self.check_every == 0 {
            return Err(Error::InvalidParameter { name: "check_every", reason: "must be > 0" });
        }
        Ok(())
    }
}

impl<T: Real> Default for SinkhornConfig<T> {
    /// [`SinkhornConfig::new`] with ε = 0.1.
    fn default() -> Self {
        Self::new(T::from_f64(0.1))
    }
}

/// What a Sinkhorn solver did. `Ok` with `converged == false` means the iteration limit was
/// reached: the potentials are the last valid iterate (use [`SinkhornReport::into_result`] to
/// turn that into [`Error::NotConverged`]).
#[derive(Clone, Copy, Debug, PartialEq)]
#[must_use]
pub struct SinkhornReport<T> {
    /// Iterations done (POT's `log['niter']` is this minus one); ε-scaling: outer stages.
    pub iterations: usize,
    /// Column-marginal violation of the returned potentials' plan, in `marginal_error_norm`
    /// (ε-scaling: POT's `‖Pᵀ1 − b‖₂² + ‖P1 − a‖₂²`). Recomputed from `f`, `g`, so in f32 at
    /// small ε it can exceed the in-loop value `converged` refers to (the plan from potentials
    /// carries ≈ `ulp(|f|)/ε` relative rounding per entry).
    pub marginal_error: T,
    /// Norm of `marginal_error`.
    pub marginal_error_norm: StopRule,
    /// `⟨C, P⟩` (POT's `sinkhorn2`).
    pub transport_cost: T,
    /// `⟨C, P⟩ − ε H(P)`, `H(P) = −Σ P log P`.
    pub entropic_objective: T,
    /// Whether the stopping test passed.
    pub converged: bool,
}

impl<T: Real> SinkhornReport<T> {
    /// `Ok(self)` if converged, else [`Error::NotConverged`].
    ///
    /// # Errors
    /// [`Error::NotConverged`] when the iteration limit was reached.
    pub fn into_result(self) -> Result<Self> {
        if self.converged {
            Ok(self)
        } else {
            Err(Error::NotConverged { iterations: self.iterations, residual: self.marginal_error.to_f64() })
        }
    }
}

/// Workspace elements for [`sinkhorn_scaling`], [`sinkhorn_log`], [`sinkhorn_stabilized`] and
/// [`sinkhorn_eps_scaling`]: `4n + 7m` (saturating; the solvers check with overflow detection).
#[must_use]
pub const fn workspace_len(n: usize, m: usize) -> usize {
    n.saturating_mul(4).saturating_add(m.saturating_mul(7))
}

fn checked_workspace_len(n: usize, m: usize) -> Result<usize> {
    add_size(mul_size(n, 4)?, mul_size(m, 7)?)
}

/// Checks marginals, potentials and workspace against the cost's shape.
fn validate_problem<T: Real, C: CostSource<T>>(
    cost: &C,
    a: &[T],
    b: &[T],
    f: &[T],
    g: &[T],
    work_len: usize,
    need: usize,
) -> Result<(usize, usize)> {
    let (n, m) = (cost.n(), cost.m());
    if n == 0 || m == 0 {
        return Err(Error::InvalidParameter { name: "cost", reason: "must have n, m > 0" });
    }
    check_len("a", n, a.len())?;
    check_len("b", m, b.len())?;
    check_len("f", n, f.len())?;
    check_len("g", m, g.len())?;
    check_finite("a", a)?;
    check_finite("b", b)?;
    if a.iter().chain(b).any(|&x| x <= T::ZERO) {
        return Err(Error::InvalidParameter {
            name: "a, b",
            reason: "marginals must be > 0 (drop zero-mass atoms first)",
        });
    }
    if work_len < need {
        return Err(Error::WorkspaceTooSmall { needed: need, given: work_len });
    }
    Ok((n, m))
}

/// Builds the report from final potentials (one plan pass; `colsum`, `cbuf`, `pbuf`: m).
#[allow(clippy::too_many_arguments)]
fn final_report<T: Real, C: CostSource<T>>(
    cost: &C,
    b: &[T],
    eps: T,
    f: &[T],
    g: &[T],
    rule: StopRule,
    iterations: usize,
    converged: bool,
    colsum: &mut [T],
    cbuf: &mut [T],
    pbuf: &mut [T],
) -> Result<SinkhornReport<T>> {
    check_finite("f (result)", f).map_err(|_| Error::NumericalFailure { what: "non-finite potential f" })?;
    check_finite("g (result)", g).map_err(|_| Error::NumericalFailure { what: "non-finite potential g" })?;
    let (transport_cost, entropic_objective) = rows::plan_stats(cost, f, g, eps, colsum, None, cbuf, pbuf);
    let marginal_error = rows::violation(rule, colsum, b);
    if !(transport_cost.is_finite() && entropic_objective.is_finite() && marginal_error.is_finite()) {
        return Err(Error::NumericalFailure { what: "non-finite plan statistics" });
    }
    Ok(SinkhornReport {
        iterations,
        marginal_error,
        marginal_error_norm: rule,
        transport_cost,
        entropic_objective,
        converged,
    })
}

/// Splits `work` into `K` slices of the given lengths (lengths must sum to ≤ `work.len()`,
/// which callers check first; shorter pieces are returned otherwise).
fn carve<T, const K: usize>(mut work: &mut [T], lens: [usize; K]) -> [&mut [T]; K] {
    lens.map(|len| {
        let take = len.min(work.len());
        let (head, tail) = core::mem::take(&mut work).split_at_mut(take);
        work = tail;
        head
    })
}
