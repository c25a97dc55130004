//! One boosting step's fit: a J-unit MLP on the subsample's pseudo-residuals with
//! scikit-learn `MLPRegressor` semantics (spec §3), minimised with [`Lbfgs`].

use crate::error::check_len;
use crate::nn::{loss_and_grad, Activation, LayerSpec, Mlp, Target, TrainBuffers};
use crate::optim::{Lbfgs, LbfgsReport};
use crate::rng::Pcg32;
use crate::{Real, Result};

/// The step network `d → J (φ) → K (identity)`.
pub(crate) const fn step_layers(
    features: usize,
    units: usize,
    outputs: usize,
    act: Activation,
) -> [LayerSpec; 2] {
    [LayerSpec::new(features, units, act), LayerSpec::new(units, outputs, Activation::Identity)]
}

/// scikit-learn's Glorot-uniform initialisation: weights **and** biases of each layer uniform
/// in `±√(f/(fan_in + fan_out))`, `f = 2` for a logistic hidden activation, else 6.
pub(crate) fn init_params<T: Real>(
    layers: &[LayerSpec; 2],
    act: Activation,
    params: &mut [T],
    rng: &mut Pcg32,
) {
    let factor = if act == Activation::Sigmoid { 2.0 } else { 6.0 };
    let mut rest = params;
    for l in layers {
        let bound = libm::sqrt(factor / (l.inputs + l.outputs) as f64);
        let (block, tail) = rest.split_at_mut(l.params_len().min(rest.len()));
        block.iter_mut().for_each(|v| *v = T::from_f64(bound * (2.0 * rng.next_f64() - 1.0)));
        rest = tail;
    }
}

/// Minimises `E(θ) = (1/(2S)) Σ_n ‖h_θ(x_n) − r_n‖² + (α/(2S)) (‖W1‖² + ‖W2‖²)` over the `S`
/// rows of `xs`/`rs` from the start in `params` (biases are not penalised).
///
/// scikit-learn reports the loss divided by K as well, but its gradient is not (for K > 1 the
/// two disagree); L-BFGS drives the gradient to zero, so the minimiser is that of `E` above,
/// which is what this fits with a consistent value and gradient. Same for K = 1.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fit<T: Real>(
    mlp: &Mlp<'_>,
    lbfgs: &Lbfgs,
    l2: f64,
    xs: &[T],
    rs: &[T],
    params: &mut [T],
    bufs: &mut TrainBuffers<'_, T>,
    lbfgs_work: &mut [T],
) -> Result<LbfgsReport> {
    let layers = mlp.layers();
    let (first, second) = match layers {
        [a, b] => (*a, *b),
        _ => return Err(crate::Error::InvalidParameter { name: "layers", reason: "need two layers" }),
    };
    let rows = rs.len() / second.outputs;
    check_len("residuals", rows * second.outputs, rs.len())?;
    let inv_rows = T::ONE / T::from_usize(rows);
    let half_k = T::from_usize(second.outputs) * T::HALF;
    let alpha = T::from_f64(l2) * inv_rows;
    // Weight blocks: W1 at 0, W2 after W1 and b1.
    let w1 = 0..first.outputs * first.inputs;
    let w2_start = first.params_len();
    let w2 = w2_start..w2_start + second.outputs * second.inputs;
    lbfgs.minimize(params, lbfgs_work, |theta: &[T], grad: &mut [T]| {
        // nn's mean squared error is Σ(h − r)²/(S·K): scale by K/2 to get the data term of E.
        let mse = loss_and_grad(mlp, theta, xs, Target::Values(rs), bufs)?;
        grad.copy_from_slice(bufs.grads);
        T::scale(half_k, grad);
        let mut penalty = T::ZERO;
        for range in [w1.clone(), w2.clone()] {
            if let (Some(w), Some(g)) = (theta.get(range.clone()), grad.get_mut(range)) {
                penalty += T::dot(w, w);
                T::axpy(alpha, w, g);
            }
        }
        Ok(mse * half_k + T::HALF * alpha * penalty)
    })
}
