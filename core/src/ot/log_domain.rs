//! Log-domain Sinkhorn (spec §2.2, POT `sinkhorn_log`) on potentials in cost units.

use super::cost::CostSource;
use super::rows::{column_lse, column_lse_shifted, plan_stats, row_lse, row_lse_shifted, violation};
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
///
/// The first iteration uses max-shifted log-sum-exps (two passes over the cost for the
/// columns, [`column_lse`]). After that each LSE is shifted by an upper bound taken from the
/// previous iterate instead of the maximum: the previous column LSE is `log b_j − g_j/ε`, and
/// a change `Δf` of the row potentials moves it by at most `max Δf/ε` (rows likewise with
/// `log a_i − f_i/ε` and `max Δg/ε`), so each half-iteration is one pass (one cost evaluation
/// and one exp per entry) whose terms are all `≤ 1`. A shifted sum below `1e-12` (the bound
/// far above the LSE after a large change) redoes that column pass or row max-shifted.
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
    let inv = T::ONE / eps;
    // `Some(max Δf)` once `f` and `g` come from this loop's own updates (then `g` matches the
    // previous `f` and `f` the previous `g`, which the shifts rely on).
    let mut df_max: Option<T> = None;
    for ii in 0..p.max_iter {
        let shifted = df_max.is_some_and(|df| {
            for ((ns, &lb), &gj) in w.colmax.iter_mut().zip(w.logb.iter()).zip(w.g.iter()) {
                *ns = gj * inv - lb - df * inv;
            }
            column_lse_shifted(cost, w.f, eps, w.colmax, w.lse, w.cbuf)
        });
        if !shifted {
            column_lse(cost, w.f, eps, w.lse, w.colmax, w.cbuf, w.lbuf);
        }
        let mut dg_max = T::NEG_INFINITY;
        for (((gj, &lb), &l), ge) in
            w.g.iter_mut().zip(w.logb.iter()).zip(w.lse.iter()).zip(w.colmax.iter_mut())
        {
            let new = eps * (lb - l);
            dg_max = dg_max.max(new - *gj);
            *gj = new;
            *ge = new * inv;
        }
        let mut new_df = T::NEG_INFINITY;
        for (i, (fi, &la)) in w.f.iter_mut().zip(w.loga.iter()).enumerate() {
            let lse = df_max
                .and_then(|_| row_lse_shifted(cost, i, w.colmax, eps, la - *fi * inv + dg_max * inv, w.cbuf))
                .unwrap_or_else(|| row_lse(cost, i, w.g, eps, w.cbuf, w.lbuf));
            let new = eps * (la - lse);
            new_df = new_df.max(new - *fi);
            *fi = new;
        }
        df_max = Some(new_df);
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
/// `f_i = ε(log a_i − LSE_j((g_j − C_ij)/ε))`. The first iteration uses max-shifted
/// log-sum-exps; later ones shift each LSE by an upper bound from the previous iterate (so no
/// term exceeds 1) and fall back to the max shift when that bound is far off (see the loop's
/// notes). Works with any [`CostSource`], so with a [`PointCloudCost`](super::PointCloudCost)
/// it needs only O(n + m) memory.
///
/// Cost per iteration: 2·n·m exps and 2·n·m cost evaluations (one streaming pass per
/// half-iteration; the first iteration, and a pass whose shift was far off, take one or two
/// more), plus one plan pass every `check_every` iterations. Memory:
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
