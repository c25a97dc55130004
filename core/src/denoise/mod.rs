//! One-step denoisers and guidance (spec `denoiser.md`): guidance kernels over prediction
//! vectors, the NASA negative-steering attention, sample-quality metrics, and the spec's
//! class-conditional rectified-flow MLP over 8×8 images with its samplers, training and
//! one-step distillation (built on [`crate::nn`] and [`crate::optim`]).
//!
//! - Guidance ([`cfg`], [`cfg_negative`], [`apg`] with [`ApgConfig`]/[`ApgMode`]/
//!   [`MomentumBuffer`], [`AdaptiveGuidance`]): per sample, O(d), no memory.
//! - [`nasa_attention`]: single-head cross-attention with a subtracted negative branch.
//! - Metrics: [`mean_covariance`], [`frechet_distance`], [`symmetric_eigen`], [`psd_sqrt`],
//!   [`precision_recall`] (f64).

mod guidance;
mod metrics;
mod nasa;

pub use guidance::{
    apg, cfg, cfg_negative, cosine, AdaptiveGuidance, ApgConfig, ApgMode, ApgStats, MomentumBuffer,
};
pub use metrics::{
    frechet_distance, frechet_workspace_len, knn_radii, manifold_coverage, mean_covariance, precision_recall,
    psd_sqrt, psd_sqrt_workspace_len, symmetric_eigen, PrecisionRecall, MAX_K,
};
pub use nasa::{nasa_attention, workspace_len as nasa_workspace_len, AttentionShape};
