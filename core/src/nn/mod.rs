//! Forward/backward of small sequential networks without a heap: the training substrate of
//! the optimizer, boosted-neuron and denoiser kernels.
//!
//! - Description: a `&[`[`LayerSpec`]`]` (dense layers with per-layer [`Activation`]:
//!   identity, ReLU, tanh, SiLU, sigmoid, GELU), validated by [`Mlp::new`].
//! - Sizes as `const fn` of the shapes: [`params_len`], [`activations_len`], [`scratch_len`],
//!   [`train_buffer_len`] — usable as array lengths for static allocation.
//! - [`Mlp::forward`] / [`Mlp::backward`] over a batch through `gemm`; [`Mlp::init`] He/Xavier.
//! - Losses with gradients: [`softmax_cross_entropy`] (integer labels), [`mse`];
//!   [`argmax_rows`], [`count_correct`].
//! - Training pieces: [`TrainBuffers`], [`Target`], [`loss_and_grad`], [`train_step`],
//!   [`count_correct_batched`], data preparation [`column_stats`], [`standardize`],
//!   [`gather_rows`], [`gather`].
//!
//! - Model files: [`save_mlp`] (feature `std`), [`mlp_layers`], [`load_mlp_params`],
//!   [`load_standardization`] (kind `"mlp"`).
//!
//! Gradients are checked against central finite differences in f64
//! (`host-tests/tests/nn_gradcheck.rs`).

mod activation;
mod data;
mod loss;
mod mlp;
mod persist;
mod spec;
mod train;

pub use data::{column_stats, column_stats_all, gather, gather_rows, standardize};
pub use loss::{argmax_rows, count_correct, mse, softmax_cross_entropy};
pub use mlp::Mlp;
pub use persist::{layer_stack, load_mlp_params, load_standardization, mlp_layers, MAX_LAYERS, MLP_KIND};
#[cfg(feature = "std")]
pub use persist::{save_layer_stack, save_mlp};
pub use spec::{activations_len, max_width, params_len, scratch_len, Activation, LayerSpec};
pub use train::{count_correct_batched, loss_and_grad, train_buffer_len, train_step, Target, TrainBuffers};
