//! diffGrad and Adam/AdamW steps with the optimizer state in caller buffers.

use ferrokern::optim::{Adam, AdamConfig, DiffGrad, DiffGradConfig, EpsMode, Optimizer};

use crate::ptr::{disjoint, out, slice, slice_mut, span};
use crate::status::{fk_status, run, Res};

/// `eps_mode` value: ε added to the uncorrected `√v` (PyTorch `diffGrad_v2.py`; the default).
pub const FK_EPS_TORCH: u32 = 0;
/// `eps_mode` value: ε added to the bias-corrected `√v̂` (paper form, `torch.optim.Adam`).
pub const FK_EPS_PAPER: u32 = 1;

/// diffGrad hyperparameters (defaults from [`fk_diffgrad_config_default`]).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct fk_diffgrad_config {
    /// Learning rate α (1e-3), finite and > 0.
    pub lr: f64,
    /// β1 (0.9), in [0, 1).
    pub beta1: f64,
    /// β2 (0.999), in [0, 1).
    pub beta2: f64,
    /// ε (1e-8), finite and ≥ 0.
    pub eps: f64,
    /// Coupled L2 weight decay (0), finite and ≥ 0.
    pub weight_decay: f64,
    /// `FK_EPS_TORCH` (default) or `FK_EPS_PAPER`.
    pub eps_mode: u32,
}

/// Adam / AdamW hyperparameters (PyTorch defaults from [`fk_adam_config_default`]).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct fk_adam_config {
    /// Learning rate (1e-3), finite and > 0.
    pub lr: f64,
    /// β1 (0.9), in [0, 1).
    pub beta1: f64,
    /// β2 (0.999), in [0, 1).
    pub beta2: f64,
    /// ε (1e-8), added to `√v̂`.
    pub eps: f64,
    /// Weight decay (0): coupled L2, or decoupled (AdamW) when `decoupled != 0`.
    pub weight_decay: f64,
    /// Nonzero: AdamW (decoupled weight decay).
    pub decoupled: u32,
}

/// The diffGrad defaults: lr 1e-3, β1 0.9, β2 0.999, ε 1e-8, no weight decay, `FK_EPS_TORCH`.
#[no_mangle]
pub extern "C" fn fk_diffgrad_config_default() -> fk_diffgrad_config {
    let d = DiffGradConfig::default();
    fk_diffgrad_config {
        lr: d.lr,
        beta1: d.beta1,
        beta2: d.beta2,
        eps: d.eps,
        weight_decay: d.weight_decay,
        eps_mode: FK_EPS_TORCH,
    }
}

/// The Adam defaults (PyTorch): lr 1e-3, β1 0.9, β2 0.999, ε 1e-8, no weight decay, coupled.
#[no_mangle]
pub extern "C" fn fk_adam_config_default() -> fk_adam_config {
    let d = AdamConfig::default();
    fk_adam_config {
        lr: d.lr,
        beta1: d.beta1,
        beta2: d.beta2,
        eps: d.eps,
        weight_decay: d.weight_decay,
        decoupled: 0,
    }
}

/// State floats diffGrad needs for `n` parameters: `3n` (`m | v | previous gradient`);
/// saturates at `SIZE_MAX`.
#[no_mangle]
pub extern "C" fn fk_diffgrad_state_len(n: usize) -> usize {
    DiffGrad::state_len(n)
}

/// State floats Adam needs for `n` parameters: `2n` (`m | v`); saturates at `SIZE_MAX`.
#[no_mangle]
pub extern "C" fn fk_adam_state_len(n: usize) -> usize {
    Adam::state_len(n)
}

/// One optimizer step on `params` (n floats, updated in place) from `grads` (n floats):
/// `state` (`state_len` floats, zeros before the first step) and `*step` (completed steps, 0
/// before the first) are read and updated. Saving `state` and `*step` resumes exactly.
///
/// # Safety
/// As the exported step functions.
unsafe fn run_step<O: Optimizer>(
    mut opt: O,
    params: *mut f32,
    grads: *const f32,
    n: usize,
    state: *mut f32,
    state_len: usize,
    step: *mut u64,
) -> Res<()> {
    disjoint(&[span(params, n)?, span(state, state_len)?, span(step, 1)?], &[span(grads, n)?])?;
    // SAFETY: lengths as documented on the exported functions (the C caller's contract); the
    // three outputs are pairwise disjoint and disjoint from `grads` (checked).
    let (params, grads, state, step) =
        unsafe { (slice_mut(params, n)?, slice(grads, n)?, slice_mut(state, state_len)?, out(step)?) };
    opt.set_step_count(*step);
    opt.step(params, grads, state)?;
    *step = opt.step_count();
    Ok(())
}

/// One diffGrad step (Dubey et al. 2020; spec `diffgrad.md`): Adam whose step is scaled per
/// element by `ξ = σ(|g_{t−1} − g_t|)`. `params` (n floats) is updated in place from `grads`
/// (n floats); `state` holds [`fk_diffgrad_state_len`]`(n)` floats (zeros before the first
/// step); `*step` counts completed steps (0 before the first) and is incremented. The f32
/// trajectory stays within 1e-5 of the f64 one over the spec's first 100 steps.
/// Cost: O(n), one fused pass, no memory besides `state`.
///
/// Errors (nothing written): `FK_ERR_NULL_POINTER`, `FK_ERR_OVERLAP`,
/// `FK_ERR_DIMENSION_MISMATCH` (`state_len != 3n`), `FK_ERR_INVALID_PARAMETER` (a
/// hyperparameter out of its domain, unknown `eps_mode`), `FK_ERR_NON_FINITE` (a gradient).
///
/// # Safety
/// `params`, `grads` address `n` floats, `state` `state_len` floats, `step` one `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn fk_diffgrad_step_f32(
    config: fk_diffgrad_config,
    params: *mut f32,
    grads: *const f32,
    n: usize,
    state: *mut f32,
    state_len: usize,
    step: *mut u64,
) -> fk_status {
    run(|| {
        let eps_mode = match config.eps_mode {
            FK_EPS_TORCH => EpsMode::Torch,
            FK_EPS_PAPER => EpsMode::Paper,
            _ => return Err(fk_status::FK_ERR_INVALID_PARAMETER),
        };
        let opt = DiffGrad::new(DiffGradConfig {
            lr: config.lr,
            beta1: config.beta1,
            beta2: config.beta2,
            eps: config.eps,
            weight_decay: config.weight_decay,
            eps_mode,
        });
        // SAFETY: pointer contract forwarded from this function's documentation.
        unsafe { run_step(opt, params, grads, n, state, state_len, step) }
    })
}

/// One Adam (or AdamW, `decoupled != 0`) step, `torch.optim.Adam(W)` form. Buffers as
/// [`fk_diffgrad_step_f32`] with `state_len ==` [`fk_adam_state_len`]`(n) = 2n`.
/// Cost: O(n), one fused pass.
///
/// Errors: as [`fk_diffgrad_step_f32`] (nothing written).
///
/// # Safety
/// `params`, `grads` address `n` floats, `state` `state_len` floats, `step` one `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn fk_adam_step_f32(
    config: fk_adam_config,
    params: *mut f32,
    grads: *const f32,
    n: usize,
    state: *mut f32,
    state_len: usize,
    step: *mut u64,
) -> fk_status {
    run(|| {
        let opt = Adam::new(AdamConfig {
            lr: config.lr,
            beta1: config.beta1,
            beta2: config.beta2,
            eps: config.eps,
            weight_decay: config.weight_decay,
            decoupled: config.decoupled != 0,
        });
        // SAFETY: pointer contract forwarded from this function's documentation.
        unsafe { run_step(opt, params, grads, n, state, state_len, step) }
    })
}
