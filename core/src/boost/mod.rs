//! Gradient-boosted training of a one-hidden-layer network (spec `gbnn.md`; Emami &
//! Martínez-Muñoz, "Sequential Training of Neural Networks with Gradient Boosting", IEEE
//! Access 11, 2023).
//!
//! - [`GbnnTrainer::train`]: constant model `F0`, then T steps; step t fits a J-unit MLP
//!   (`nn` dense layers, inner [`Lbfgs`](crate::optim::Lbfgs) with scikit-learn `MLPRegressor`
//!   semantics) to the pseudo-residuals of the current model on a seeded subsample, takes the
//!   [`Loss`]'s Newton step `ρ` (clipped to `|ρ| ≤ rho_max`, times the shrinkage η) along its
//!   predictions on all rows, and writes it into the merged network.
//! - The merged model (spec §4) is one caller buffer of [`model_len`] elements with named
//!   parts ([`ModelParts`]: `mean`, `std`, `W1` (T·J × d), `b1`, `W2` (K × T·J), the output
//!   bias of every step prefix, `ρ`, `F0`). [`MergedModel`] predicts with any prefix of
//!   `k ≤ T·J` hidden units (spec §5): the run-time speed/accuracy knob, no weight copies.
//! - Memory: all training buffers in one workspace of [`GbnnTrainer::workspace_len`]
//!   elements (`const fn` of rows, features, J, K and the L-BFGS history).
//!
//! Measured on the spec split (f64, J = 1, η = 0.1, T = 200; `host-tests/tests/boost_real.rs`,
//! reference package and scikit-learn MLP numbers in `benches/peers/gbnn/README.md`):
//!
//! | data | ferrokern | `gbnn` 0.0.2 | MLP(200) L-BFGS |
//! |---|---|---|---|
//! | breast_cancer accuracy | 0.9649 | 0.9591 | 0.9591 |
//! | diabetes RMSE | 57.52 | 59.76 | 71.73 |
//! | digits accuracy | 0.9648 | 0.9704 | 0.9704 |
//!
//! With η = 1 on digits the `|ρ| ≤ 10` clip keeps training finite (0.9667; the reference
//! diverges to NaN), and the first quarter of the hidden units already gives 0.9667.
//!
//! Tolerances: the merged network equals the staged ensemble within 1e-10 in f64 (measured
//! ≤ 5.7e-14 on outputs of size ~150) and 1e-5 in f32 (relative to the output scale; measured
//! ≤ 2.8e-7 on probabilities); a prefix of `t'·J` units reproduces the model trained with
//! T = t' bit for bit in f64. f32 training follows different rounding in the inner L-BFGS, so
//! it is not step-for-step equal to f64: stated tolerance 0.03 test accuracy (measured equal,
//! breast_cancer, T = 20).
//!
//! Notes on the reference semantics kept here: the multi-class Newton step uses the diagonal
//! softmax Hessian (as the reference; see [`Loss::MultiClass`]); the inner objective is
//! `(1/(2S))Σ‖h − r‖² + (α/(2S))Σ‖W‖²`, the objective whose gradient scikit-learn's
//! `MLPRegressor` uses (it divides the reported *value* by K as well).

mod inner;
mod loss;
mod model;
mod persist;
mod train;

pub use loss::Loss;
pub use model::{model_len, GbnnShape, MergedModel, ModelParts};
#[cfg(feature = "std")]
pub use persist::save_gbnn;
pub use persist::{gbnn_shape, load_gbnn, GBNN_KIND};
pub use train::{GbnnConfig, GbnnReport, GbnnTrainer, StepReport};

/// What is learned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Task {
    /// One real target per row ([`Loss::Squared`]).
    Regression,
    /// Class indices `0..classes` ([`Loss::LogExponential`] for 2, else
    /// [`Loss::MultiClass`]).
    Classification {
        /// Number of classes (≥ 2).
        classes: usize,
    },
}

/// Training targets, one per row.
#[derive(Clone, Copy, Debug)]
pub enum Labels<'a, T> {
    /// Regression targets.
    Values(&'a [T]),
    /// Class indices.
    Classes(&'a [usize]),
}
