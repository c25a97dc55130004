//! ε-scaling (spec §2.4, POT `sinkhorn_epsilon_scaling`): absorbed Sinkhorn stages at
//! `ε_k = (ε0 − ε)e^{−k} + ε`, each warm-started from the previous potentials.

use super::cost::CostSource;
use super::kernel::{Gibbs, KernelStore};
use super::rows::plan_stats;
use super::scaling::{finish, prepare, scaling_loop, LoopParams};
use super::{SinkhornConfig, SinkhornReport, StopRule};
use crate::{Error, Real, Result};

/// Schedule of [`sinkhorn_eps_scaling`]; defaults are POT's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpsScalingConfig<T> {
    /// Starting regularisation ε0 (POT: 1e4).
    pub eps0: T,
    /// Outer stages at most (POT: 100; raised to `min_outer` if smaller).
    pub max_outer: usize,
    /// Stages always run before the error may stop the schedule (POT: 35, so `ε_k ≈ ε`).
    pub min_outer: usize,
    /// Iterations per stage (POT: 100).
    pub max_inner: usize,
    /// Absorption threshold of each stage (POT: 1e3).
    pub tau: T,
    /// Error check period of the stages (POT: 20).
    pub inner_check_every: usize,
    /// Outer error check period (POT: 10).
    pub outer_check_every: usize,
}

impl<T: Real> Default for EpsScalingConfig<T> {
    fn default() -> Self {
        Self {
            eps0: T::from_f64(1e4),
            max_outer: 100,
            min_outer: 35,
            max_inner: 100,
            tau: T::from_f64(1e3),
            inner_check_every: 20,
            outer_check_every: 10,
        }
    }
}

/// ε-scaling (spec §2.4, POT `sinkhorn_epsilon_scaling`).
///
/// Stage k runs [`sinkhorn_stabilized`](super::sinkhorn_stabilized) iterations (at most
/// `max_inner`, stopping rule of `cfg`) at `ε_k = (ε0 − ε)e^{−k} + ε` from the previous stage's
/// potentials. Every `outer_check_every` stages the error `‖Pᵀ1 − b‖₂² + ‖P1 − a‖₂²` (squared,
/// as POT) is measured; the schedule stops when it is `≤ cfg.tol` after `min_outer` stages.
/// `cfg.max_iter` and `cfg.check_every` are not used.
///
/// The report's `iterations` counts stages; its statistics and the potentials belong to the last
/// stage's `ε_k` (POT returns that plan too; after 35 stages `ε_k/ε − 1 < 1e-11·ε0/ε`).
///
/// Cost: up to `max_outer·max_inner` scaling iterations and a kernel rebuild per stage.
///
/// # Errors
/// As [`sinkhorn_stabilized`](super::sinkhorn_stabilized); [`Error::InvalidParameter`] for a
/// schedule with `eps0 ≤ ε`, `tau ≤ 1` or zero counts.
///
/// # Example
/// ```
/// use ferrokern::ot::{sinkhorn_eps_scaling, workspace_len, DenseCost, EpsScalingConfig, KernelStore, SinkhornConfig};
/// let c = [0.0_f64, 1.0, 1.0, 0.0];
/// let cost = DenseCost::new(&c, 2, 2)?;
/// let a = [0.25, 0.75];
/// let (mut f, mut g, mut k) = ([0.0; 2], [0.0; 2], [0.0; 4]);
/// let mut work = [0.0; workspace_len(2, 2)];
/// let rep = sinkhorn_eps_scaling(&cost, &a, &a, &SinkhornConfig::new(1e-3), &EpsScalingConfig::default(),
///     KernelStore::Dense(&mut k), &mut f, &mut g, &mut work)?;
/// assert!(rep.converged && rep.transport_cost.abs() < 1e-12);
/// # Ok::<(), ferrokern::Error>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn sinkhorn_eps_scaling<T: Real, C: CostSource<T>>(
    cost: &C,
    a: &[T],
    b: &[T],
    cfg: &SinkhornConfig<T>,
    sched: &EpsScalingConfig<T>,
    store: KernelStore<'_, T>,
    f: &mut [T],
    g: &mut [T],
    work: &mut [T],
) -> Result<SinkhornReport<T>> {
    if !(sched.eps0.is_finite() && sched.eps0 > cfg.eps) {
        return Err(Error::InvalidParameter { name: "eps0", reason: "must be finite and > eps" });
    }
    if !(sched.tau.is_finite() && sched.tau > T::ONE) {
        return Err(Error::InvalidParameter { name: "tau", reason: "must be finite and > 1" });
    }
    if sched.max_inner == 0 || sched.inner_check_every == 0 || sched.outer_check_every == 0 {
        return Err(Error::InvalidParameter { name: "eps-scaling schedule", reason: "counts must be > 0" });
    }
    let mut w = prepare(cost, a, b, cfg, &store, f, g, work)?;
    w.alpha.iter_mut().chain(w.beta.iter_mut()).for_each(|x| *x = T::ZERO);
    let mut gibbs = Gibbs { cost, store, eps: cfg.eps };
    let inner = LoopParams {
        tau: Some(sched.tau),
        max_iter: sched.max_inner,
        check_every: sched.inner_check_every,
        rule: cfg.stop_rule,
        tol: cfg.tol,
    };
    let outer = sched.max_outer.max(sched.min_outer);
    let mut err = T::INFINITY;
    let (mut stages, mut converged) = (0, false);
    for k in 0..outer {
        gibbs.eps = (sched.eps0 - cfg.eps) * (-T::from_usize(k)).exp() + cfg.eps;
        let out = scaling_loop(&mut gibbs, a, b, &mut w, &inner);
        stages = k + 1;
        // A failed stage restored its last valid scalings: measure their error too, so the
        // report never carries the initial `inf` (a failure in stage 0 used to return Ok(inf)).
        if out.failed || k % sched.outer_check_every == 0 {
            let (_, _) =
                plan_stats(cost, w.alpha, w.beta, gibbs.eps, w.colsum, Some(w.u), w.bufs.cost, w.bufs.kern);
            err = sq_dist(w.colsum, b) + sq_dist(w.u, a);
        }
        if out.failed {
            break;
        }
        if err <= cfg.tol && k > sched.min_outer {
            converged = true;
            break;
        }
    }
    // `finish` checks its own statistics; this error replaces one of them, so it is checked too
    // (huge marginals overflow its squares), before `f`, `g` are written.
    if !err.is_finite() {
        return Err(Error::NumericalFailure { what: "eps-scaling marginal error not finite" });
    }
    let mut report = finish(cost, b, gibbs.eps, StopRule::L2Column, &mut w, stages, converged, f, g)?;
    report.marginal_error = err;
    Ok(report)
}

fn sq_dist<T: Real>(x: &[T], y: &[T]) -> T {
    x.iter().zip(y).fold(T::ZERO, |s, (&p, &q)| s + (p - q) * (p - q))
}
