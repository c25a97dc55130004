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

/// Whether a shifted exp-sum can be used: finite (no term overflowed) and at least
/// `√MIN_POSITIVE` (≈ 1e-19 in f32, 1e-154 in f64). Terms are lost to underflow only below
/// `2^-149` (f32; `2^-1074` in f64) absolute, so at that floor they change the sum by less than
/// `m·1e-26` relative.
fn shifted_sum_ok<T: Real>(s: T) -> bool {
    s.is_finite() && s >= T::MIN_POSITIVE.sqrt()
}

/// The sum is positive and finite but below the floor: `shift + ln s` estimates the LSE from
/// below (the lost terms are each below `2^-149`, and at least one term was kept).
fn retry_shift<T: Real>(s: T) -> bool {
    s.is_finite() && s > T::ZERO
}

/// `out_j = Σ_i exp(L_ij − s_j)`, `L_ij = (f_i − C_ij)/ε`, `neg_shift = −s`: one pass.
fn column_sums_shifted<T: Real, C: CostSource<T>>(
    cost: &C,
    f: &[T],
    eps: T,
    neg_shift: &[T],
    out: &mut [T],
    cbuf: &mut [T],
) {
    let inv = T::ONE / eps;
    out.iter_mut().for_each(|x| *x = T::ZERO);
    for (i, &fi) in f.iter().enumerate() {
        T::exp_affine_acc(-inv, cost.row(i, cbuf), neg_shift, fi * inv, out);
    }
}

/// One-pass column log-sum-exp with a caller-given shift: `out_j = ln Σ_i exp(L_ij)`,
/// `L_ij = (f_i − C_ij)/ε`, computed as `s_j + ln Σ_i exp(L_ij − s_j)` with `neg_shift = −s`.
///
/// The log-domain loop passes an upper bound of the LSE (the previous LSE plus `max Δf/ε`), so
/// every term is `≤ 1` and nothing overflows. When a sum is below the floor of
/// [`shifted_sum_ok`] (the bound was far above the LSE, e.g. after a large change of `f`) but
/// positive, the pass is repeated once with every shift moved to `s_j + ln(sum_j)` (an
/// estimate from below, off by at most `ln(m + 1)`); if that fails too, or a sum is 0 or not
/// finite, returns `false` and the caller redoes the pass with [`column_lse`]. `neg_shift` is
/// overwritten. One cost evaluation and one exp per entry (against two for [`column_lse`]).
pub(crate) fn column_lse_shifted<T: Real, C: CostSource<T>>(
    cost: &C,
    f: &[T],
    eps: T,
    neg_shift: &mut [T],
    out: &mut [T],
    cbuf: &mut [T],
) -> bool {
    column_sums_shifted(cost, f, eps, neg_shift, out, cbuf);
    if !out.iter().all(|&s| shifted_sum_ok(s)) {
        if !out.iter().all(|&s| retry_shift(s)) {
            return false;
        }
        for (ns, &s) in neg_shift.iter_mut().zip(out.iter()) {
            *ns -= s.ln();
        }
        column_sums_shifted(cost, f, eps, neg_shift, out, cbuf);
        if !out.iter().all(|&s| shifted_sum_ok(s)) {
            return false;
        }
    }
    for (o, &ns) in out.iter_mut().zip(neg_shift.iter()) {
        *o = o.ln() - ns;
    }
    true
}

/// One-pass row log-sum-exp `ln Σ_j exp((g_j − C_ij)/ε)` of row `i` with the shift `shift`
/// (an upper bound of the result, as in [`column_lse_shifted`], with the same one retry);
/// `g_over_eps = g/ε`. `None` when the shifted sums are out of range (the caller falls back
/// to [`row_lse`]).
pub(crate) fn row_lse_shifted<T: Real, C: CostSource<T>>(
    cost: &C,
    i: usize,
    g_over_eps: &[T],
    eps: T,
    shift: T,
    cbuf: &mut [T],
) -> Option<T> {
    let c = cost.row(i, cbuf);
    let a = -(T::ONE / eps);
    let s = T::exp_affine_sum(a, c, g_over_eps, -shift);
    if shifted_sum_ok(s) {
        return Some(shift + s.ln());
    }
    if !retry_shift(s) {
        return None;
    }
    let shift = shift + s.ln();
    let s = T::exp_affine_sum(a, c, g_over_eps, -shift);
    shifted_sum_ok(s).then(|| shift + s.ln())
}
