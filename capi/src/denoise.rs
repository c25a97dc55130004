//! One-step-denoiser building blocks: classifier-free guidance and a DDIM step.

use ferrokern::denoise::{cfg, ddim_step};

use crate::ptr::{disjoint, slice, slice_mut, span};
use crate::status::{fk_status, run};

/// Classifier-free guidance `out[i] = uncond[i] + w·(cond[i] − uncond[i])` for `i < n`
/// (`w = 1` gives `cond`, `w = 0` gives `uncond` exactly). Works for ε, v or x0 predictions.
/// Cost: O(n), no memory.
///
/// Errors: `FK_ERR_NULL_POINTER`, `FK_ERR_OVERLAP` (`out` overlaps an input),
/// `FK_ERR_INVALID_PARAMETER` (`w` not finite); `out` untouched.
///
/// # Safety
/// `cond`, `uncond` and `out` address `n` floats each.
#[no_mangle]
pub unsafe extern "C" fn fk_guidance_cfg_f32(
    cond: *const f32,
    uncond: *const f32,
    n: usize,
    w: f64,
    out: *mut f32,
) -> fk_status {
    run(|| {
        disjoint(&[span(out, n)?], &[span(cond, n)?, span(uncond, n)?])?;
        // SAFETY: lengths as documented (the C caller's contract); `out` disjoint (checked).
        let (cond, uncond, out) = unsafe { (slice(cond, n)?, slice(uncond, n)?, slice_mut(out, n)?) };
        Ok(cfg(cond, uncond, w, out)?)
    })
}

/// One deterministic DDIM step (η = 0) of an ε-prediction model, in place on `x` (n floats)
/// with the prediction `eps` (n floats): `x̂0 = (x − √(1−ā)·ε)/√ā`, then
/// `x ← √ā_prev·x̂0 + √(1−ā_prev)·ε`, from signal level `alpha_bar` to `alpha_bar_prev`
/// (1 for the final step). Coefficients in double, one multiply-add per element in f32.
/// Cost: O(n), no memory.
///
/// Errors: `FK_ERR_NULL_POINTER`, `FK_ERR_OVERLAP` (`x` overlaps `eps`),
/// `FK_ERR_INVALID_PARAMETER` (a level outside (0, 1]); `x` untouched.
///
/// # Safety
/// `x` and `eps` address `n` floats each.
#[no_mangle]
pub unsafe extern "C" fn fk_ddim_step_f32(
    x: *mut f32,
    eps: *const f32,
    n: usize,
    alpha_bar: f64,
    alpha_bar_prev: f64,
) -> fk_status {
    run(|| {
        disjoint(&[span(x, n)?], &[span(eps, n)?])?;
        // SAFETY: lengths as documented (the C caller's contract); `x` disjoint from `eps`.
        let (x, eps) = unsafe { (slice_mut(x, n)?, slice(eps, n)?) };
        Ok(ddim_step(x, eps, alpha_bar, alpha_bar_prev)?)
    })
}
