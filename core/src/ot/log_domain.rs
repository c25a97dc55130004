//! Log-domain Sinkhorn (spec §2.2, POT `sinkhorn_log`) on potentials in cost units.

use super::cost::CostSource;
use super::rows::{column_lse, plan_stats, row_lse, violation};
use super::scaling::{LoopParams, ScalingWs};
use super::{final_report, SinkhornConfig, SinkhornReport};
use crate::{Real, Result};

/// Slices of the log-domain loop (`f`, `loga`: n; the rest: m).
pub(crate) struct LogWs<'w, T> {
    pub(crate) f: &'w mut [T],
    pub(crate) g: &'w mut [T],
    pub(crate) loga: &'w mut [T],
    pub(crate) logb: &'w mut [T],
    pub(crate) colmax: &'w mut [T],
    pub(crate) lse: &'w mut [T],
    pub(crate) cbuf: &'w mut [T],
    pub(crate) lbuf: &'w mut [T],
}

/// Log-domain iterations from the potentials in `w.f`, `w.g` (zeros for a cold start):
/// `g = ε(log b − LSE_i((f_i − C_ij)/ε))`, then `f = ε(log a − LSE_j((g_j − C_ij)/ε))`.
/// Returns `(iterations, converged)`. With `fresh_logs`, fills `loga`, `logb` first.
pub(crate) fn log_loop<T: Real, C: CostSource<T>>(
    cost: &C,
    a: &[T],
    b: &[T],
    eps: T,
    w: &mut LogWs<'_, T>,
    p: &LoopParams<T>,
    fresh_logs: bool,
) -> (usize, bool) {
    if fresh_logs {
        for (l, &x) in w.loga.iter_mut().zip(a).chain(w.logb.iter_mut().zip(b)) {
            *l = x.ln();
        }
    }
    for ii in 0..p.max_iter {
        column_lse(cost, w.f, eps, w.lse, w.colmax, w.cbuf, w.lbuf);
        for ((gj, &lb), &l) in w.g.iter_mut().zip(w.logb.iter()).zip(w.lse.iter()) {
            *gj = eps * (lb - l);
        }
        for (i, (fi, &la)) in w.f.iter_mut().zip(w.loga.iter()).enumerate() {
            *fi = eps * (la - row_lse(cost, i, w.g, eps, w.cbuf, w.lbuf));
        }
        if ii % p.check_every == 0 {
            let _ = plan_stats(cost, w.f, w.g, eps, w.lse, None, w.cbuf, w.lbuf);
            let err = violation(p.rule, w.lse, b);
            if err < p.tol {
                return (ii + 1, true);
            }
            if !err.is_finite() {
                return (ii + 1, false);
            }
        }
    }
    (p.max_iter, false)
}

/// Log-domain Sinkhorn (spec §2.2, POT `sinkhorn_log`): never under/overflows.
///
/// From `f = g = 0`: `g_j = ε(log b_j − LSE_i((f_i − C_ij)/ε))`, then
/// `f_i = ε(log a_i − LSE_j((g_j − C_ij)/ε))` with max-shifted log-sum-exps (rows through
/// `Real::log_sum_exp`, columns streamed over the rows). Works with any [`CostSource`], so with
/// a [`PointCloudCost`](super::PointCloudCost) it needs only O(n + m) memory.
///
/// Cost per iteration: 2·n·m exps and cost evaluations (row and column passes; columns use two
/// passes for the max shift), plus one plan pass every `check_every` iterations. Memory:
/// [`workspace_len`](super::workspace_len)`(n, m)` elements of `work`.
///
/// # Errors
/// As [`sinkhorn_scaling`](super::sinkhorn_scaling) (no under/overflow failure mode;
/// [`crate::Error::NumericalFailure`] only if the cost itself produces non-finite values).
///
/// # Example
/// ```
/// use ferrokern::ot::{sinkhorn_log, workspace_len, Metric, PointCloudCost, SinkhornConfig};
/// // ε = 1e-3 on a unit-scale cost: plain scaling would underflow, the log domain does not.
/// let (x, y) = ([0.0_f64, 1.0], [0.1_f64, 0.9]);
/// let cost = PointCloudCost::new(&x, &y, 1, Metric::Euclidean)?;
/// let a = [0.5, 0.5];
/// let (mut f, mut g) = ([0.0; 2], [0.0; 2]);
/// let mut work = [0.0; workspace_len(2, 2)];
/// let rep = sinkhorn_log(&cost, &a, &a, &SinkhornConfig::new(1e-3), &mut f, &mut g, &mut work)?;
/// assert!(rep.converged);
/// assert!((rep.transport_cost - 0.1).abs() < 1e-9);
/// # Ok::<(), ferrokern::Error>(())
/// ```
pub fn sinkhorn_log<T: Real, C: CostSource<T>>(
    cost: &C,
    a: &[T],
    b: &[T],
    cfg: &SinkhornConfig<T>,
    f: &mut [T],
    g: &mut [T],
    work: &mut [T],
) -> Result<SinkhornReport<T>> {
    let mut w = super::scaling::prepare(cost, a, b, cfg, &super::KernelStore::OnTheFly, f, g, work)?;
    let ScalingWs { alpha, beta, kv, ktu, vp, colsum, bufs, .. } = &mut w;
    let mut lw = LogWs {
        f: alpha,
        g: beta,
        loga: kv,
        logb: ktu,
        colmax: vp,
        lse: colsum,
        cbuf: bufs.cost,
        lbuf: bufs.kern,
    };
    lw.f.iter_mut().chain(lw.g.iter_mut()).for_each(|x| *x = T::ZERO);
    let params = LoopParams {
        tau: None,
        max_iter: cfg.max_iter,
        check_every: cfg.check_every,
        rule: cfg.stop_rule,
        tol: cfg.tol,
    };
    let (done, converged) = log_loop(cost, a, b, cfg.eps, &mut lw, &params, true);
    let report =
        final_report(cost, b, cfg.eps, lw.f, lw.g, cfg.stop_rule, done, converged, lw.lse, lw.cbuf, lw.lbuf)?;
    f.copy_from_slice(lw.f);
    g.copy_from_slice(lw.g);
    Ok(report)
}
