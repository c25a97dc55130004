//! Losses with their gradients, and classification helpers.

use crate::error::{check_len, mul_size};
use crate::{Error, Real, Result};

/// Mean softmax cross-entropy of `logits` (`batch × classes`, `batch = labels.len()`) against
/// integer `labels`; writes `dlogits = (softmax − onehot)/batch` and returns the mean loss.
/// Stable (log-sum-exp). O(batch · classes), no extra memory.
///
/// ```
/// use ferrokern::nn::softmax_cross_entropy;
/// let logits = [0.0f64, 0.0]; // one row, two classes, equal scores
/// let mut d = [0.0; 2];
/// let loss = softmax_cross_entropy(&logits, &[1], 2, &mut d)?;
/// assert!((loss - 2f64.ln()).abs() < 1e-15);
/// assert_eq!(d, [0.5, -0.5]); // softmax − onehot
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] for wrong lengths, [`Error::InvalidParameter`] for
/// `classes == 0` or a label `≥ classes`, [`Error::NonFinite`] for a NaN/inf logit.
/// `dlogits` is unspecified on error.
pub fn softmax_cross_entropy<T: Real>(
    logits: &[T],
    labels: &[usize],
    classes: usize,
    dlogits: &mut [T],
) -> Result<T> {
    if classes == 0 {
        return Err(Error::InvalidParameter { name: "classes", reason: "must be > 0" });
    }
    let batch = labels.len();
    check_len("logits", mul_size(batch, classes)?, logits.len())?;
    check_len("dlogits", logits.len(), dlogits.len())?;
    crate::real::check_finite("logits", logits)?;
    if batch == 0 {
        return Ok(T::ZERO);
    }
    let inv = T::ONE / T::from_usize(batch);
    let mut total = T::ZERO;
    for ((row, d), &label) in logits.chunks_exact(classes).zip(dlogits.chunks_exact_mut(classes)).zip(labels)
    {
        let z = row
            .get(label)
            .copied()
            .ok_or(Error::InvalidParameter { name: "labels", reason: "label >= classes" })?;
        total += T::log_sum_exp(row) - z;
        d.copy_from_slice(row);
        T::softmax(d);
        if let Some(dl) = d.get_mut(label) {
            *dl -= T::ONE;
        }
        T::scale(inv, d);
    }
    Ok(total * inv)
}

/// Mean squared error `Σ(p − t)²/len` over all elements; writes `dpred = 2(p − t)/len`.
/// O(len).
///
/// ```
/// use ferrokern::nn::mse;
/// let mut d = [0.0; 2];
/// let loss = mse(&[1.0, 3.0], &[0.0, 1.0], &mut d)?;
/// assert_eq!(loss, 2.5); // (1 + 4) / 2
/// assert_eq!(d, [1.0, 2.0]); // 2(pred − target) / 2
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] for wrong lengths, [`Error::NonFinite`] for a NaN/inf
/// prediction or target, [`Error::NumericalFailure`] when the squared error overflows `T`.
/// `dpred` is unspecified on error.
pub fn mse<T: Real>(pred: &[T], target: &[T], dpred: &mut [T]) -> Result<T> {
    check_len("target", pred.len(), target.len())?;
    check_len("dpred", pred.len(), dpred.len())?;
    crate::real::check_finite("pred", pred)?;
    crate::real::check_finite("target", target)?;
    if pred.is_empty() {
        return Ok(T::ZERO);
    }
    <T as Real>::sub(pred, target, dpred);
    let loss = T::dot(dpred, dpred) / T::from_usize(pred.len());
    if !loss.is_finite() {
        return Err(Error::NumericalFailure { what: "mean squared error overflows" });
    }
    T::scale(T::from_f64(2.0) / T::from_usize(pred.len()), dpred);
    Ok(loss)
}

/// Row-wise argmax of `scores` (`rows × classes`) into `out` (`rows`); a row with NaN gets
/// class 0. O(rows · classes).
///
/// ```
/// use ferrokern::nn::argmax_rows;
/// let mut classes = [0usize; 2];
/// argmax_rows(&[0.1, 0.7, 0.2, 0.9, 0.05, 0.05], 3, &mut classes)?;
/// assert_eq!(classes, [1, 0]);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] for wrong lengths, [`Error::InvalidParameter`] for
/// `classes == 0`.
pub fn argmax_rows<T: Real>(scores: &[T], classes: usize, out: &mut [usize]) -> Result<()> {
    if classes == 0 {
        return Err(Error::InvalidParameter { name: "classes", reason: "must be > 0" });
    }
    check_len("scores", mul_size(out.len(), classes)?, scores.len())?;
    for (o, row) in out.iter_mut().zip(scores.chunks_exact(classes)) {
        *o = T::argmax(row).unwrap_or(0);
    }
    Ok(())
}

/// Number of rows of `scores` (`labels.len() × classes`) whose argmax equals the label.
///
/// ```
/// use ferrokern::nn::count_correct;
/// assert_eq!(count_correct(&[0.1, 0.7, 0.2, 0.9, 0.05, 0.05], &[1, 2], 3)?, 1);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// As [`argmax_rows`].
pub fn count_correct<T: Real>(scores: &[T], labels: &[usize], classes: usize) -> Result<usize> {
    if classes == 0 {
        return Err(Error::InvalidParameter { name: "classes", reason: "must be > 0" });
    }
    check_len("scores", mul_size(labels.len(), classes)?, scores.len())?;
    Ok(scores.chunks_exact(classes).zip(labels).filter(|(row, &l)| T::argmax(row) == Some(l)).count())
}
