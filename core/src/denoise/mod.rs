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
//! - Network: [`CondLayout`] (`[x ‖ t-emb ‖ one-hot incl. null ‖ w]`), [`TEACHER_NET`],
//!   [`STUDENT_NET`]; training [`flow_matching_batch`], [`train_flow_epoch`]; sampling
//!   [`euler_sample`] with [`GuidanceKind`], [`student_generate`], [`ddim_step`]/[`ddim_sample`].

mod flow;
mod guidance;
mod metrics;
mod nasa;
mod sampler;

pub use flow::{
    flow_matching_batch, flow_train_buffer_len, spec_network, train_flow_epoch, CondLayout, FlowTrainBuffers,
    FlowTrainConfig, CLASSES, HIDDEN, PIXELS, STUDENT_LAYOUT, STUDENT_NET, TEACHER_LAYOUT, TEACHER_NET,
    TIME_FEATURES,
};
pub use guidance::{
    apg, cfg, cfg_negative, cosine, AdaptiveGuidance, ApgConfig, ApgMode, ApgStats, MomentumBuffer,
};
pub use metrics::{
    clipped_fraction, frechet_distance, frechet_workspace_len, knn_radii, manifold_coverage, mean_covariance,
    precision_recall, psd_sqrt, psd_sqrt_workspace_len, symmetric_eigen, PrecisionRecall, MAX_K,
};
pub use nasa::{nasa_attention, workspace_len as nasa_workspace_len, AttentionShape};
pub use sampler::{
    ddim_sample, ddim_step, euler_buffer_len, euler_sample, student_generate, student_inputs, GuidanceKind,
    SampleStats,
};
