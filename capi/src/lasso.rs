//! Lasso by cyclic coordinate descent (`ferrokern::bcd`, τ = 1, gradient updates).

use ferrokern::bcd::{
    lasso_lambda_max, solve, workspace_len, LeastSquares, Partition, Problem, Rule, SolverConfig, Status,
    Update, Workspace,
};
use ferrokern::Error;

use crate::ptr::{dims, disjoint, out, slice, slice_mut, span};
use crate::status::{fk_status, run, Res};

/// What [`fk_lasso_cd_f32`] did.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct fk_lasso_report {
    /// `F(w) = (1/(2n))‖y − Xw‖² + λ‖w‖₁` at the returned `w`.
    pub objective: f32,
    /// Duality gap at the last check (absolute; computed once per sweep when `tol > 0`).
    pub gap: f32,
    /// Coordinate updates done (`sweeps · p` when the budget is used up).
    pub iterations: usize,
    /// 1 if `gap ≤ tol·F(0)` was reached, else 0.
    pub converged: u32,
}

/// `λ_max = ‖Xᵀy‖_∞ / n`, the smallest λ whose Lasso solution is 0 (pick λ as a fraction of
/// it). `x`: `n × p` row-major, `y`: n floats. Cost: O(n·p), no memory.
///
/// Errors: `FK_ERR_NULL_POINTER`, `FK_ERR_OVERLAP`, `FK_ERR_INVALID_PARAMETER` (`n` or `p`
/// zero), `FK_ERR_SIZE_OVERFLOW`, `FK_ERR_NON_FINITE`.
///
/// # Safety
/// `x` addresses `n·p` floats, `y` n floats, `result` one float.
#[no_mangle]
pub unsafe extern "C" fn fk_lasso_lambda_max_f32(
    x: *const f32,
    y: *const f32,
    n: usize,
    p: usize,
    result: *mut f32,
) -> fk_status {
    run(|| {
        let np = dims(n, p)?;
        disjoint(&[span(result, 1)?], &[span(x, np)?, span(y, n)?])?;
        // SAFETY: lengths as documented (the C caller's contract); `result` disjoint (checked).
        let (x, y, result) = unsafe { (slice(x, np)?, slice(y, n)?, out(result)?) };
        *result = lasso_lambda_max(x, y, n, p)?;
        Ok(())
    })
}

/// Scratch floats [`fk_lasso_cd_f32`] needs for `n` samples and `p` features: `n + 3p`
/// (residual, gradient, Lipschitz constants, block constants). 0 on overflow.
#[no_mangle]
pub extern "C" fn fk_lasso_work_len(n: usize, p: usize) -> usize {
    work_len(n, p).unwrap_or(0)
}

fn work_len(n: usize, p: usize) -> Option<usize> {
    workspace_len(p, 1, Rule::Cyclic)?.checked_add(n)
}

/// Lasso `min_w (1/(2n))‖y − Xw‖² + λ‖w‖₁` (scikit-learn's `Lasso(alpha=λ,
/// fit_intercept=False)`) by cyclic coordinate descent from the warm start `w` (p floats,
/// updated in place). `x`: `n × p` row-major, `y`: n floats. Runs at most `max_sweeps` sweeps
/// over the p coordinates; with `tol > 0` it stops once the duality gap is `≤ tol·F(0)`
/// (checked once per sweep), with `tol == 0` it runs exactly `max_sweeps` sweeps. Scratch:
/// `work` ([`fk_lasso_work_len`]`(n, p)` floats) and `index` (p `size_t`). f32 accuracy:
/// objective within 1e-5 relative of the f64 optimum; use a fixed sweep budget or
/// `tol ≳ 1e-6`. `report` may be NULL. Cost per sweep: O(n·p); set-up O(n·p).
///
/// Errors: `FK_ERR_NULL_POINTER`, `FK_ERR_OVERLAP`, `FK_ERR_INVALID_PARAMETER` (`n`, `p`
/// zero, λ < 0 or not finite, `tol` < 0 or not finite), `FK_ERR_SIZE_OVERFLOW`,
/// `FK_ERR_NON_FINITE` (`x`, `y`, `w`), `FK_ERR_WORKSPACE_TOO_SMALL` (`work` or `index`);
/// `w` and `report` untouched (scratch may be). `FK_ERR_NOT_CONVERGED` (`tol > 0` not reached): `w` holds the last iterate,
/// `report` is filled.
///
/// # Safety
/// `x` addresses `n·p` floats, `y` n, `w` p, `work` `work_len` floats, `index` `index_len`
/// `size_t`, `report` one `fk_lasso_report` or is NULL.
#[no_mangle]
pub unsafe extern "C" fn fk_lasso_cd_f32(
    x: *const f32,
    y: *const f32,
    n: usize,
    p: usize,
    lambda: f32,
    max_sweeps: usize,
    tol: f32,
    w: *mut f32,
    work: *mut f32,
    work_len: usize,
    index: *mut usize,
    index_len: usize,
    report: *mut fk_lasso_report,
) -> fk_status {
    run(|| {
        let np = dims(n, p)?;
        let report_len = usize::from(!report.is_null());
        disjoint(
            &[span(w, p)?, span(work, work_len)?, span(index, index_len)?, span(report, report_len)?],
            &[span(x, np)?, span(y, n)?],
        )?;
        // SAFETY: lengths as documented (the C caller's contract); the outputs are pairwise
        // disjoint and disjoint from the inputs (checked); `report` is used only if non-NULL.
        let (x, y, w, work, index, report) = unsafe {
            (
                slice(x, np)?,
                slice(y, n)?,
                slice_mut(w, p)?,
                slice_mut(work, work_len)?,
                slice_mut(index, index_len)?,
                slice_mut(report, report_len)?,
            )
        };
        let (rep, result) = solve_lasso(x, y, n, p, lambda, max_sweeps, tol, w, work, index)?;
        if let Some(r) = report.first_mut() {
            *r = rep;
        }
        result
    })
}

/// The Lasso run; `Ok((report, Err(NOT_CONVERGED)))` keeps the report of an unconverged run.
fn solve_lasso(
    x: &[f32],
    y: &[f32],
    n: usize,
    p: usize,
    lambda: f32,
    max_sweeps: usize,
    tol: f32,
    w: &mut [f32],
    work: &mut [f32],
    index: &mut [usize],
) -> Res<(fk_lasso_report, Res<()>)> {
    let need = work_len(n, p).ok_or(fk_status::FK_ERR_SIZE_OVERFLOW)?;
    if work.len() < need || index.len() < p {
        return Err(fk_status::FK_ERR_WORKSPACE_TOO_SMALL);
    }
    let (residual, scratch) = work.split_at_mut(n.min(work.len()));
    let max_iter = max_sweeps.checked_mul(p).ok_or(fk_status::FK_ERR_SIZE_OVERFLOW)?;
    let mut problem = LeastSquares::lasso(x, y, n, p, lambda, residual)?;
    let config = SolverConfig {
        rule: Rule::Cyclic,
        partition: Partition::Order,
        update: Update::Gradient,
        block_size: 1,
        max_iter,
        tol,
        ..SolverConfig::default()
    };
    let mut ws = Workspace::<f32, 1>::new(scratch, index);
    match solve(&mut problem, w, &config, &mut ws) {
        Ok(sol) => {
            let converged = u32::from(sol.status == Status::Converged);
            let rep = fk_lasso_report {
                objective: sol.objective,
                gap: sol.gap,
                iterations: sol.iterations,
                converged,
            };
            Ok((rep, Ok(())))
        }
        Err(Error::NotConverged { iterations, residual }) => {
            let rep = fk_lasso_report {
                objective: problem.objective(w),
                gap: residual as f32,
                iterations,
                converged: 0,
            };
            Ok((rep, Err(fk_status::FK_ERR_NOT_CONVERGED)))
        }
        Err(e) => Err(e.into()),
    }
}
