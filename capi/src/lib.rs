//! # ferrokern-capi
//!
//! The C ABI of ferrokern: the main f32 kernels as `extern "C"` functions over caller-owned
//! buffers, built as a static library (`libferrokern_capi.a`) with the generated header
//! `include/ferrokern.h` (cbindgen).
//!
//! Conventions (the CMSIS-DSP habit):
//! - Names `fk_<kernel>_<type>` (`fk_dot_f32`, `fk_diffgrad_step_f32`, …); every function
//!   returns an [`fk_status`] (`FK_OK = 0`), results go to out-pointers. [`fk_status_str`] names
//!   a status.
//! - Buffers are `pointer + length` given by the dimensions (`x`: `n` floats, `a`: `m·n`
//!   floats, row-major); scratch comes with an explicit length (`work_len`) and a `*_work_len`
//!   function says how much is needed. Nothing allocates, nothing keeps a pointer after return.
//! - Checks before any work: a NULL (or misaligned) pointer of a non-empty buffer is
//!   `FK_ERR_NULL_POINTER`; an output buffer overlapping another argument is
//!   `FK_ERR_OVERLAP`; then ferrokern's own checks (lengths, NaN/inf, parameters, workspace),
//!   mirrored one to one by the status codes. On error outputs are untouched unless the
//!   function says otherwise (`FK_ERR_NOT_CONVERGED` keeps the last valid iterate).
//! - Contract the C caller keeps (it cannot be checked): each pointer really addresses the
//!   stated number of initialised elements, and no other thread writes them during the call.
//!
//! `unsafe` is used only in `ptr.rs`, to turn a checked pointer + length into a slice; each
//! exported function converts its pointers in one `unsafe` block with a `SAFETY:` comment.
//!
//! ```
//! use ferrokern_capi::{fk_dot_f32, fk_softmax_f32, fk_status};
//! let mut x = [1.0f32, 2.0, 3.0];
//! let mut s = 0.0f32;
//! // SAFETY: `x` holds 3 floats and `s` is one float, as the functions require.
//! let status = unsafe { fk_dot_f32(x.as_ptr(), x.as_ptr(), 3, &mut s) };
//! assert_eq!((status, s), (fk_status::FK_OK, 14.0));
//! assert_eq!(unsafe { fk_softmax_f32(std::ptr::null_mut(), 3) }, fk_status::FK_ERR_NULL_POINTER);
//! assert_eq!(unsafe { fk_softmax_f32(x.as_mut_ptr(), 3) }, fk_status::FK_OK);
//! assert!((x.iter().sum::<f32>() - 1.0).abs() < 1e-6);
//! ```
//!
//! Numerics: the same code paths as the Rust API. On Cortex-M (scalar path) and on the host
//! forced to `FERROKERN_SIMD=scalar` the results are bit-identical to the Rust examples.
#![no_std]
#![deny(unsafe_op_in_unsafe_fn, missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks, clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![deny(clippy::indexing_slicing)]
// C names for C types: the header reads `fk_status`, `fk_lasso_report`, …
#![allow(non_camel_case_types)]
// BLAS-style signatures: one argument per buffer and dimension.
#![allow(clippy::too_many_arguments)]

// Hosted targets: std provides the panic handler (and ferrokern-simd's run-time detection).
#[cfg(not(target_os = "none"))]
extern crate std;

mod denoise;
mod lasso;
mod linalg;
mod model;
mod optim;
mod ptr;
mod sinkhorn;
mod status;

pub use denoise::{fk_ddim_step_f32, fk_guidance_cfg_f32};
pub use lasso::{fk_lasso_cd_f32, fk_lasso_lambda_max_f32, fk_lasso_report, fk_lasso_work_len};
pub use linalg::{
    fk_axpy_f32, fk_dot_f32, fk_exp_f32, fk_gemm_f32, fk_gemv_f32, fk_log_sum_exp_f32, fk_softmax_f32,
    FK_NO_TRANS, FK_TRANS,
};
pub use model::{
    fk_model_info, fk_model_info_f32, fk_model_predict_f32, FK_MLP_MAX_LAYERS, FK_MODEL_GBNN, FK_MODEL_MLP,
};
pub use optim::{
    fk_adam_config, fk_adam_config_default, fk_adam_state_len, fk_adam_step_f32, fk_diffgrad_config,
    fk_diffgrad_config_default, fk_diffgrad_state_len, fk_diffgrad_step_f32, FK_EPS_PAPER, FK_EPS_TORCH,
};
pub use sinkhorn::{fk_sinkhorn_log_f32, fk_sinkhorn_report, fk_sinkhorn_work_len};
pub use status::{fk_status, fk_status_str};

/// Bare metal: every input is checked before use and no kernel panics on any input (issue #8's
/// property tests), but a static library must still define the handler. It parks the core.
#[cfg(target_os = "none")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
