//! The plan `P_ij = exp((f_i + g_j − C_ij)/ε)` from potentials: formed into a buffer or applied
//! to a vector without forming it.

use super::cost::CostSource;
use super::rows::{for_each_plan_row, log_kernel_row};
use crate::error::{check_len, mul_size};
use crate::real::{check_finite, check_positive};
use crate::{Error, Real, Result};

fn check_potentials<T: Real, C: CostSource<T>>(cost: &C, f: &[T], g: &[T], eps: T) -> Result<(usize, usize)> {
    check_positive("eps", eps)?;
    check_len("f", cost.n(), f.len())?;
    check_len("g", cost.m(), g.len())?;
    check_finite("f", f)?;
    check_finite("g", g)?;
    Ok((cost.n(), cost.m()))
}

fn check_work(m: usize, given: usize, rows: usize) -> Result<()> {
    let need = mul_size(m, rows)?;
    if given < need {
        return Err(Error::WorkspaceTooSmall { needed: need, given });
    }
    Ok(())
}

/// Writes the plan `P_ij = exp((f_i + g_j − C_ij)/ε)` row-major into `out` (`n·m`).
/// `cbuf` (≥ m elements) is scratch for costs evaluated on the fly.
///
/// Cost: n·m exps. Use the ε the potentials were computed with (ε-scaling: see
/// [`sinkhorn_eps_scaling`](super::sinkhorn_eps_scaling)).
///
/// # Errors
/// [`Error::DimensionMismatch`] for `f`, `g`, `out`; [`Error::NonFinite`] potentials;
/// [`Error::InvalidParameter`] for ε ≤ 0; [`Error::WorkspaceTooSmall`] for `cbuf`.
///
/// # Example
/// ```
/// use ferrokern::ot::{plan_into, DenseCost};
/// let c = [0.0_f64, 1.0, 1.0, 0.0];
/// let cost = DenseCost::new(&c, 2, 2)?;
/// let (f, g) = ([0.0, 0.0], [0.0, 0.0]);
/// let mut p = [0.0; 4];
/// plan_into(&cost, &f, &g, 1.0, &mut p, &mut [0.0; 2])?;
/// assert!((p[1] - (-1.0f64).exp()).abs() < 1e-15 && p[0] == 1.0);
/// # Ok::<(), ferrokern::Error>(())
/// ```
pub fn plan_into<T: Real, C: CostSource<T>>(
    cost: &C,
    f: &[T],
    g: &[T],
    eps: T,
    out: &mut [T],
    cbuf: &mut [T],
) -> Result<()> {
    let (n, m) = check_potentials(cost, f, g, eps)?;
    check_len("plan", mul_size(n, m)?, out.len())?;
    check_work(m, cbuf.len(), 1)?;
    for ((i, &fi), row) in f.iter().enumerate().zip(out.chunks_exact_mut(m)) {
        log_kernel_row(cost.row(i, cbuf), fi, Some(g), eps, row);
        T::exp_slice(row);
    }
    Ok(())
}

/// `out = P x` (`x`: m, `out`: n) without forming `P`; `work`: ≥ 2m elements.
/// Cost: n·m exps and multiply-adds.
///
/// # Errors
/// As [`plan_into`], for `x`, `out` and `work`.
///
/// # Example
/// ```
/// use ferrokern::ot::{apply_plan, DenseCost};
/// let c = [0.0_f64, 1.0, 1.0, 0.0];
/// let cost = DenseCost::new(&c, 2, 2)?;
/// let mut out = [0.0; 2];
/// apply_plan(&cost, &[0.0, 0.0], &[0.0, 0.0], 1.0, &[1.0, 1.0], &mut out, &mut [0.0; 4])?;
/// assert!((out[0] - (1.0 + (-1.0f64).exp())).abs() < 1e-15); // row sums of P
/// # Ok::<(), ferrokern::Error>(())
/// ```
pub fn apply_plan<T: Real, C: CostSource<T>>(
    cost: &C,
    f: &[T],
    g: &[T],
    eps: T,
    x: &[T],
    out: &mut [T],
    work: &mut [T],
) -> Result<()> {
    let (n, m) = check_potentials(cost, f, g, eps)?;
    check_len("x", m, x.len())?;
    check_len("out", n, out.len())?;
    check_work(m, work.len(), 2)?;
    let (cbuf, pbuf) = work.split_at_mut(m);
    let pbuf = pbuf.get_mut(..m).unwrap_or(&mut []);
    for_each_plan_row(cost, f, g, eps, cbuf, pbuf, |i, p, _| {
        if let Some(o) = out.get_mut(i) {
            *o = T::dot(p, x);
        }
    });
    Ok(())
}

/// `out = Pᵀ y` (`y`: n, `out`: m) without forming `P`; `work`: ≥ 2m elements.
/// Cost: n·m exps and multiply-adds.
///
/// # Errors
/// As [`plan_into`], for `y`, `out` and `work`.
///
/// # Example
/// ```
/// use ferrokern::ot::{apply_plan_t, DenseCost};
/// let c = [0.0_f64, 1.0, 1.0, 0.0];
/// let cost = DenseCost::new(&c, 2, 2)?;
/// let mut out = [0.0; 2];
/// apply_plan_t(&cost, &[0.0, 0.0], &[0.0, 0.0], 1.0, &[1.0, 0.0], &mut out, &mut [0.0; 4])?;
/// assert!((out[1] - (-1.0f64).exp()).abs() < 1e-15); // first row of P
/// # Ok::<(), ferrokern::Error>(())
/// ```
pub fn apply_plan_t<T: Real, C: CostSource<T>>(
    cost: &C,
    f: &[T],
    g: &[T],
    eps: T,
    y: &[T],
    out: &mut [T],
    work: &mut [T],
) -> Result<()> {
    let (n, m) = check_potentials(cost, f, g, eps)?;
    check_len("y", n, y.len())?;
    check_len("out", m, out.len())?;
    check_work(m, work.len(), 2)?;
    let (cbuf, pbuf) = work.split_at_mut(m);
    let pbuf = pbuf.get_mut(..m).unwrap_or(&mut []);
    out.iter_mut().for_each(|o| *o = T::ZERO);
    for_each_plan_row(cost, f, g, eps, cbuf, pbuf, |i, p, _| {
        T::axpy(y.get(i).copied().unwrap_or(T::ZERO), p, out);
    });
    Ok(())
}
