//! Entropic optimal transport on a dense cost: log-domain Sinkhorn (never under/overflows).

use ferrokern::ot::{sinkhorn_log, workspace_len, DenseCost, SinkhornConfig};

use crate::ptr::{dims, disjoint, slice, slice_mut, span};
use crate::status::{fk_status, run};

/// What [`fk_sinkhorn_log_f32`] did.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct fk_sinkhorn_report {
    /// Iterations done (one `g` and one `f` update each).
    pub iterations: usize,
    /// `‖Pᵀ1 − b‖₂` of the returned potentials' plan.
    pub marginal_error: f32,
    /// `⟨C, P⟩`.
    pub transport_cost: f32,
    /// `⟨C, P⟩ − ε H(P)`, `H(P) = −Σ P log P`.
    pub entropic_objective: f32,
    /// 1 if the marginal error fell below `tol`, else 0.
    pub converged: u32,
}

/// Scratch floats [`fk_sinkhorn_log_f32`] needs for an `n × m` problem: `4n + 7m`
/// (saturates at `SIZE_MAX`).
#[no_mangle]
pub extern "C" fn fk_sinkhorn_work_len(n: usize, m: usize) -> usize {
    workspace_len(n, m)
}

/// Log-domain Sinkhorn (spec `sinkhorn.md` §2.2, POT's `sinkhorn_log`) for
/// `min_{P ≥ 0, P1 = a, Pᵀ1 = b} ⟨C,P⟩ − ε H(P)` with the dense cost `cost` (`n × m`
/// row-major, finite), marginals `a` (n floats, > 0) and `b` (m floats, > 0). Writes the dual
/// potentials `f` (n floats) and `g` (m floats) in cost units; the plan is
/// `P_ij = exp((f_i + g_j − C_ij)/ε)`. Stops when `‖Pᵀ1 − b‖₂ < tol` (checked every 10
/// iterations) or after `max_iter` iterations. Works for any ε > 0 (no underflow); in f32
/// use `tol ≥ 1e-6·Σb`. `report` may be NULL.
/// Cost per iteration: 2·n·m exps; memory: `work` ([`fk_sinkhorn_work_len`]`(n, m)` floats).
///
/// Errors: `FK_ERR_NULL_POINTER`, `FK_ERR_OVERLAP`, `FK_ERR_INVALID_PARAMETER` (`n`, `m`
/// zero, ε ≤ 0, `tol` < 0, a marginal ≤ 0), `FK_ERR_NON_FINITE` (cost, marginals),
/// `FK_ERR_SIZE_OVERFLOW`, `FK_ERR_WORKSPACE_TOO_SMALL`, `FK_ERR_NUMERICAL_FAILURE`; `f`, `g`
/// untouched. `FK_ERR_NOT_CONVERGED`: `f`, `g` hold the last iterate, `report` is filled.
///
/// # Safety
/// `cost` addresses `n·m` floats, `a` and `f` n, `b` and `g` m, `work` `work_len` floats,
/// `report` one `fk_sinkhorn_report` or is NULL.
#[no_mangle]
pub unsafe extern "C" fn fk_sinkhorn_log_f32(
    cost: *const f32,
    n: usize,
    m: usize,
    a: *const f32,
    b: *const f32,
    eps: f32,
    max_iter: usize,
    tol: f32,
    f: *mut f32,
    g: *mut f32,
    work: *mut f32,
    work_len: usize,
    report: *mut fk_sinkhorn_report,
) -> fk_status {
    run(|| {
        let nm = dims(n, m)?;
        let report_len = usize::from(!report.is_null());
        disjoint(
            &[span(f, n)?, span(g, m)?, span(work, work_len)?, span(report, report_len)?],
            &[span(cost, nm)?, span(a, n)?, span(b, m)?],
        )?;
        // SAFETY: lengths as documented (the C caller's contract); the outputs are pairwise
        // disjoint and disjoint from the inputs (checked); `report` is used only if non-NULL.
        let (cost, a, b, f, g, work, report) = unsafe {
            (
                slice(cost, nm)?,
                slice(a, n)?,
                slice(b, m)?,
                slice_mut(f, n)?,
                slice_mut(g, m)?,
                slice_mut(work, work_len)?,
                slice_mut(report, report_len)?,
            )
        };
        let cost = DenseCost::new(cost, n, m)?;
        let config = SinkhornConfig { max_iter, tol, ..SinkhornConfig::new(eps) };
        let rep = sinkhorn_log(&cost, a, b, &config, f, g, work)?;
        if let Some(r) = report.first_mut() {
            *r = fk_sinkhorn_report {
                iterations: rep.iterations,
                marginal_error: rep.marginal_error,
                transport_cost: rep.transport_cost,
                entropic_objective: rep.entropic_objective,
                converged: u32::from(rep.converged),
            };
        }
        if rep.converged {
            Ok(())
        } else {
            Err(fk_status::FK_ERR_NOT_CONVERGED)
        }
    })
}
