//! Training-loop pieces: one caller buffer split into the per-step buffers, loss + gradient,
//! an optimizer step, and batched evaluation.

use super::loss::{count_correct, mse, softmax_cross_entropy};
use super::spec::{self, LayerSpec};
use super::Mlp;
use crate::error::{check_len, mul_size};
use crate::optim::{Moment, Optimizer};
use crate::{Error, Real, Result};

/// Length of the one buffer [`TrainBuffers::split`] needs for minibatches of up to `batch`
/// rows: activations + gradients + backward scratch + output gradient (saturating).
#[must_use]
pub const fn train_buffer_len(layers: &[LayerSpec], batch: usize) -> usize {
    let out = match layers {
        [.., last] => last.outputs,
        [] => 0,
    };
    spec::activations_len(layers, batch)
        .saturating_add(spec::params_len(layers))
        .saturating_add(spec::scratch_len(layers, batch))
        .saturating_add(out.saturating_mul(batch))
}

/// The buffers of one training step, for minibatches of up to `batch` rows (smaller batches
/// use prefixes).
#[derive(Debug)]
pub struct TrainBuffers<'a, T> {
    /// Forward activations.
    pub acts: &'a mut [T],
    /// Parameter gradients (after [`loss_and_grad`]).
    pub grads: &'a mut [T],
    /// Backward scratch.
    pub scratch: &'a mut [T],
    /// ∂loss/∂output.
    pub d_out: &'a mut [T],
    batch: usize,
}

impl<'a, T: Real> TrainBuffers<'a, T> {
    /// Splits `buf` (exactly [`train_buffer_len`]`(mlp.layers(), batch)` long).
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] for a wrong length, [`Error::SizeOverflow`].
    pub fn split(buf: &'a mut [T], mlp: &Mlp<'_>, batch: usize) -> Result<Self> {
        let na = mlp.activations_len(batch)?;
        let ns = mlp.scratch_len(batch)?;
        let nd = mul_size(batch, mlp.outputs())?;
        let need = crate::error::add_size(
            crate::error::add_size(na, mlp.params_len())?,
            crate::error::add_size(ns, nd)?,
        )?;
        check_len("train buffer", need, buf.len())?;
        let (acts, rest) = buf.split_at_mut(na);
        let (grads, rest) = rest.split_at_mut(mlp.params_len());
        let (scratch, d_out) = rest.split_at_mut(ns);
        Ok(Self { acts, grads, scratch, d_out, batch })
    }

    /// Largest minibatch these buffers serve.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.batch
    }
}

fn prefix<T>(s: &mut [T], n: usize) -> Result<&mut [T]> {
    let found = s.len();
    s.get_mut(..n).ok_or(Error::WorkspaceTooSmall { needed: n, given: found })
}

/// What the network output is compared with in a training step.
#[derive(Clone, Copy, Debug)]
pub enum Target<'a, T> {
    /// One class label per row: mean softmax cross-entropy on the output logits.
    Classes(&'a [usize]),
    /// Regression targets (`batch × outputs`): mean squared error ([`mse`]).
    Values(&'a [T]),
}

impl<T> Target<'_, T> {
    /// Rows in the minibatch.
    fn batch(&self, outputs: usize) -> Result<usize> {
        match self {
            Target::Classes(l) => Ok(l.len()),
            Target::Values(v) => {
                let rows = v.len().checked_div(outputs).unwrap_or(0);
                check_len("targets", mul_size(rows, outputs)?, v.len())?;
                Ok(rows)
            }
        }
    }
}

/// Forward over the minibatch `x` (as many rows as `target` has), loss against `target`,
/// backward: leaves `∂loss/∂params` in `bufs.grads` and returns the loss.
/// O(3 · batch · params) time, no memory beyond `bufs`.
///
/// ```
/// use ferrokern::nn::{loss_and_grad, train_buffer_len, Activation, LayerSpec, Mlp, Target, TrainBuffers};
/// // One linear unit y = w·x + b with (w, b) = (2, 0.5), targets 3 and 6 at x = 1 and 3.
/// const NET: [LayerSpec; 1] = [LayerSpec::new(1, 1, Activation::Identity)];
/// let mlp = Mlp::new(&NET)?;
/// let mut buf = [0.0f64; train_buffer_len(&NET, 2)];
/// let mut bufs = TrainBuffers::split(&mut buf, &mlp, 2)?;
/// let loss = loss_and_grad(&mlp, &[2.0, 0.5], &[1.0, 3.0], Target::Values(&[3.0, 6.0]), &mut bufs)?;
/// // Residuals r = (−0.5, 0.5): loss = mean r² = 0.25, ∂/∂w = mean 2r·x = 1, ∂/∂b = mean 2r = 0.
/// assert_eq!(loss, 0.25);
/// assert_eq!(bufs.grads, [1.0, 0.0]);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// As [`Mlp::forward`], [`Mlp::backward`], [`softmax_cross_entropy`], [`mse`];
/// [`Error::WorkspaceTooSmall`] if the batch exceeds `bufs.capacity()`,
/// [`Error::InvalidParameter`] for an empty batch.
pub fn loss_and_grad<T: Real>(
    mlp: &Mlp<'_>,
    params: &[T],
    x: &[T],
    target: Target<'_, T>,
    bufs: &mut TrainBuffers<'_, T>,
) -> Result<T> {
    let batch = target.batch(mlp.outputs())?;
    if batch > bufs.batch {
        return Err(Error::WorkspaceTooSmall { needed: batch, given: bufs.batch });
    }
    let acts = prefix(bufs.acts, mlp.activations_len(batch)?)?;
    mlp.forward(params, x, batch, acts)?;
    let d_out = prefix(bufs.d_out, mul_size(batch, mlp.outputs())?)?;
    let out = mlp.output(acts, batch)?;
    let loss = match target {
        Target::Classes(labels) => softmax_cross_entropy(out, labels, mlp.outputs(), d_out)?,
        Target::Values(values) => mse(out, values, d_out)?,
    };
    let scratch = prefix(bufs.scratch, mlp.scratch_len(batch)?)?;
    mlp.backward(params, x, batch, acts, d_out, bufs.grads, scratch)?;
    Ok(loss)
}

/// [`loss_and_grad`] then one optimizer step on `params` with the caller's `state`; returns
/// the loss before the step.
///
/// ```
/// use ferrokern::nn::{train_buffer_len, train_step, Activation, LayerSpec, Mlp, Target, TrainBuffers};
/// use ferrokern::optim::{Adam, AdamConfig};
/// const NET: [LayerSpec; 2] =
///     [LayerSpec::new(2, 8, Activation::Tanh), LayerSpec::new(8, 2, Activation::Identity)];
/// let mlp = Mlp::new(&NET)?;
/// let mut params = [0.0f64; ferrokern::nn::params_len(&NET)];
/// mlp.init(&mut params, &mut ferrokern::rng::Pcg32::seed(3))?;
/// let mut state = [0.0f64; Adam::state_len(ferrokern::nn::params_len(&NET))];
/// let mut buf = [0.0f64; train_buffer_len(&NET, 4)];
/// let mut bufs = TrainBuffers::split(&mut buf, &mlp, 4)?;
/// let mut opt = Adam::new(AdamConfig { lr: 0.05, ..AdamConfig::default() });
/// // XOR as two classes.
/// let x = [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
/// let labels = [0, 1, 1, 0];
/// let first = train_step(&mlp, &mut opt, &mut params, &mut state, &x, Target::Classes(&labels), &mut bufs)?;
/// let mut last = first;
/// for _ in 0..300 {
///     last = train_step(&mlp, &mut opt, &mut params, &mut state, &x, Target::Classes(&labels), &mut bufs)?;
/// }
/// assert!(last < 0.1 * first);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// As [`loss_and_grad`] and `Optimizer::step`; params and state are untouched on error.
#[allow(clippy::too_many_arguments)]
pub fn train_step<T: Real, O: Optimizer, S: Moment<T>>(
    mlp: &Mlp<'_>,
    optimizer: &mut O,
    params: &mut [T],
    state: &mut [S],
    x: &[T],
    target: Target<'_, T>,
    bufs: &mut TrainBuffers<'_, T>,
) -> Result<T> {
    let loss = loss_and_grad(mlp, params, x, target, bufs)?;
    optimizer.step(params, bufs.grads, state)?;
    Ok(loss)
}

/// Number of rows of `x` (`labels.len()` rows) classified correctly, evaluated in chunks of
/// up to `batch` rows with `acts` of [`Mlp::activations_len`]`(batch)` elements.
/// O(rows · params).
///
/// ```
/// use ferrokern::nn::{activations_len, count_correct_batched, Activation, LayerSpec, Mlp};
/// // The identity layer predicts the class of each row's larger input.
/// const NET: [LayerSpec; 1] = [LayerSpec::new(2, 2, Activation::Identity)];
/// let mlp = Mlp::new(&NET)?;
/// let params = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]; // W = I, b = 0
/// let x = [1.0, 0.0, 0.0, 1.0, 2.0, 3.0]; // argmax 0, 1, 1
/// let mut acts = [0.0f64; activations_len(&NET, 2)];
/// // Chunks of 2 rows: labels 0, 0, 1 → rows 0 and 2 are right.
/// assert_eq!(count_correct_batched(&mlp, &params, &x, &[0, 0, 1], 2, &mut acts)?, 2);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// As [`Mlp::forward`]; [`Error::InvalidParameter`] for `batch == 0`.
pub fn count_correct_batched<T: Real>(
    mlp: &Mlp<'_>,
    params: &[T],
    x: &[T],
    labels: &[usize],
    batch: usize,
    acts: &mut [T],
) -> Result<usize> {
    if batch == 0 {
        return Err(Error::InvalidParameter { name: "batch", reason: "must be > 0" });
    }
    check_len("x", mul_size(labels.len(), mlp.inputs())?, x.len())?;
    check_len("acts", mlp.activations_len(batch)?, acts.len())?;
    // One NaN/inf scan here instead of one per chunk inside `forward`.
    crate::real::check_finite("params", params)?;
    crate::real::check_finite("x", x)?;
    let mut correct = 0;
    for (xb, lb) in x.chunks(mul_size(batch, mlp.inputs())?).zip(labels.chunks(batch)) {
        let a = prefix(acts, mlp.activations_len(lb.len())?)?;
        mlp.forward_unchecked(params, xb, lb.len(), a)?;
        correct += count_correct(mlp.output(a, lb.len())?, lb, mlp.outputs())?;
    }
    Ok(correct)
}
