//! The row loops every solver composes: log-kernel rows, plan rows and plan statistics.
//!
//! The plan is always `P_ij = exp((f_i + g_j − C_ij)/ε)`, so it is never stored.

use super::cost::CostSource;
use super::StopRule;
use crate::Real;

/// `out_j = −(c_j − f_i − g_j)/ε` (`g = None` means zeros), POT's `−(M − α − β)/reg`.
pub(crate) fn log_kernel_row<T: Real>(c: &[T], fi: T, g: Option<&[T]>, eps: T, out: &mut [T]) {
    match g {
        Some(g) => {
            for ((o, &cj), &gj) in out.iter_mut().zip(c).zip(g) {
                *o = -(cj - fi - gj) / eps;
            }
        }
        None => {
            for (o, &cj) in out.iter_mut().zip(c) {
                *o = -(cj - fi) / eps;
            }
        }
    }
}

/// Calls `visit(i, P_i·, C_i·)` for every row of the plan given by potentials `f`, `g`.
/// `cbuf`, `pbuf`: length `m`.
pub(crate) fn for_each_plan_row<T: Real, C: CostSource<T>>(
    cost: &C,
    f: &[T],
    g: &[T],
    eps: T,
    cbuf: &mut [T],
    pbuf: &mut [T],
    mut visit: impl FnMut(usize, &[T], &[T]),
) {
    for (i, &fi) in f.iter().enumerate() {
        let c = cost.row(i, cbuf);
        log_kernel_row(c, fi, Some(g), eps, pbuf);
        T::exp_slice(pbuf);
        visit(i, pbuf, c);
    }
}

/// Statistics of the plan given by potentials: column sums into `colsum`, row sums into
/// `rowsum` (if given); returns `(⟨C,P⟩, ⟨C,P⟩ + ε Σ P log P)`.
///
/// The entropic objective uses `log P_ij = (f_i + g_j − C_ij)/ε`, so
/// `⟨C,P⟩ + ε Σ P log P = Σ_i f_i (P1)_i + Σ_j g_j (Pᵀ1)_j`: no logarithm of tiny entries.
#[allow(clippy::too_many_arguments)]
pub(crate) fn plan_stats<T: Real, C: CostSource<T>>(
    cost: &C,
    f: &[T],
    g: &[T],
    eps: T,
    colsum: &mut [T],
    mut rowsum: Option<&mut [T]>,
    cbuf: &mut [T],
    pbuf: &mut [T],
) -> (T, T) {
    colsum.iter_mut().for_each(|x| *x = T::ZERO);
    let mut transport = T::ZERO;
    let mut f_dot_r = T::ZERO;
    for_each_plan_row(cost, f, g, eps, cbuf, pbuf, |i, p, c| {
        let r = T::sum(p);
        transport += T::dot(p, c);
        f_dot_r += f.get(i).copied().unwrap_or(T::ZERO) * r;
        if let Some(rs) = rowsum.as_deref_mut().and_then(|rs| rs.get_mut(i)) {
            *rs = r;
        }
        T::axpy(T::ONE, p, colsum);
    });
    (transport, f_dot_r + T::dot(g, colsum))
}

/// `‖x − target‖` in the rule's norm (L1 or L2).
pub(crate) fn violation<T: Real>(rule: StopRule, x: &[T], target: &[T]) -> T {
    match rule {
        StopRule::L2Column => x.iter().zip(target).fold(T::ZERO, |s, (&p, &q)| s + (p - q) * (p - q)).sqrt(),
        StopRule::L1Column => x.iter().zip(target).fold(T::ZERO, |s, (&p, &q)| s + (p - q).abs()),
    }
}

/// Streaming log-sum-exp over the columns of `L_ij = (f_i − C_ij)/ε`:
/// `out_j = ln Σ_i exp(L_ij)`, max-shifted per column (two passes over the rows; the exps run
/// through `Real::exp_slice`). `colmax`, `cbuf`, `lbuf`: length `m`.
pub(crate) fn column_lse<T: Real, C: CostSource<T>>(
    cost: &C,
    f: &[T],
    eps: T,
    out: &mut [T],
    colmax: &mut [T],
    cbuf: &mut [T],
    lbuf: &mut [T],
) {
    colmax.iter_mut().for_each(|x| *x = T::NEG_INFINITY);
    for (i, &fi) in f.iter().enumerate() {
        log_kernel_row(cost.row(i, cbuf), fi, None, eps, lbuf);
        for (mx, &l) in colmax.iter_mut().zip(lbuf.iter()) {
            *mx = mx.max(l);
        }
    }
    out.iter_mut().for_each(|x| *x = T::ZERO);
    for (i, &fi) in f.iter().enumerate() {
        log_kernel_row(cost.row(i, cbuf), fi, None, eps, lbuf);
        T::axpy(-T::ONE, colmax, lbuf);
        T::exp_slice(lbuf);
        T::axpy(T::ONE, lbuf, out);
    }
    for (o, &mx) in out.iter_mut().zip(colmax.iter()) {
        *o = mx + o.ln();
    }
}

/// Row log-sum-exp `ln Σ_j exp((g_j − C_ij)/ε)` of row `i`. `cbuf`, `lbuf`: length `m`.
pub(crate) fn row_lse<T: Real, C: CostSource<T>>(
    cost: &C,
    i: usize,
    g: &[T],
    eps: T,
    cbuf: &mut [T],
    lbuf: &mut [T],
) -> T {
    log_kernel_row(cost.row(i, cbuf), T::ZERO, Some(g), eps, lbuf);
    T::log_sum_exp(lbuf)
}
