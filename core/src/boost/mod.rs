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
//! Accuracy (f64; `host-tests/tests/boost_*.rs`) is listed against the reference package and
//! scikit-learn's MLP in `benches/peers/gbnn/README.md`.

mod inner;
mod loss;
mod model;
mod train;

pub use loss::Loss;
pub use model::{model_len, GbnnShape, MergedModel, ModelParts};
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
