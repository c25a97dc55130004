//! The three boosting losses of spec `gbnn.md` §2: initial constant, pseudo-residuals, the
//! Newton step and the per-sample loss, on scores `F` (`rows × outputs`, row-major).

use super::{Labels, Task};
use crate::error::{check_len, mul_size};
use crate::{Error, Real, Result};

/// Denominators at or below this give a step of 0 (spec §2 "numerical safety").
const MIN_CURVATURE: f64 = 1e-12;

/// A boosting loss (spec §2), chosen by [`Loss::for_task`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Loss {
    /// Regression, `½(y − F)²` per sample: `F0 = mean(y)`, `r = y − F`, Newton step 1.
    Squared,
    /// Binary, `ln(1 + e^{−2yF})` with `y = ±1` (class 1 ↦ +1, class 0 ↦ −1):
    /// `F0 = ½ln((1+ȳ)/(1−ȳ))`, `r = 2y·σ(−2yF)`, exact 1-D Newton step
    /// `Σ r p / Σ p²|r|(2 − |r|)`; `P(class 1) = σ(2F)`.
    LogExponential,
    /// Multi-class softmax cross-entropy `lse(F) − F_y`: `F0 = 0`, `r = Y − softmax(F)`,
    /// diagonal-Hessian Newton step `Σ p r / Σ p² P(1 − P)` (the reference drops the
    /// `−(Σ_k P_k p_k)²` cross term of the full Hessian; kept as written, spec check 5).
    MultiClass {
        /// Number of classes (≥ 3).
        classes: usize,
    },
}

impl Loss {
    /// The loss the reference uses for `task` (two classes → [`Loss::LogExponential`]).
    #[must_use]
    pub const fn for_task(task: Task) -> Self {
        match task {
            Task::Regression => Loss::Squared,
            Task::Classification { classes } if classes <= 2 => Loss::LogExponential,
            Task::Classification { classes } => Loss::MultiClass { classes },
        }
    }

    /// Score columns `K`: 1, 1, or the number of classes.
    #[must_use]
    pub const fn outputs(self) -> usize {
        match self {
            Loss::Squared | Loss::LogExponential => 1,
            Loss::MultiClass { classes } => classes,
        }
    }

    /// Factor `c` between the ensemble score `F` and the merged network's pre-activation
    /// output `z = c·F` (spec §4): 2 for the binary loss (sigmoid on `2F`), else 1.
    #[must_use]
    pub fn output_scale<T: Real>(self) -> T {
        match self {
            Loss::LogExponential => T::from_f64(2.0),
            Loss::Squared | Loss::MultiClass { .. } => T::ONE,
        }
    }

    /// Checks `labels` against this loss and returns the number of rows.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for the wrong label kind, no rows, or a class out of range;
    /// [`Error::NonFinite`] for a NaN/inf regression target.
    pub fn check_labels<T: Real>(self, labels: Labels<'_, T>) -> Result<usize> {
        let rows = match (self, labels) {
            (Loss::Squared, Labels::Values(v)) => {
                crate::real::check_finite("labels", v)?;
                v.len()
            }
            (Loss::LogExponential, Labels::Classes(c)) | (Loss::MultiClass { .. }, Labels::Classes(c)) => {
                let classes = if self == Loss::LogExponential { 2 } else { self.outputs() };
                if c.iter().any(|&l| l >= classes) {
                    return Err(Error::InvalidParameter { name: "labels", reason: "class index >= classes" });
                }
                c.len()
            }
            _ => {
                return Err(Error::InvalidParameter {
                    name: "labels",
                    reason: "regression needs Labels::Values, classification Labels::Classes",
                })
            }
        };
        if rows == 0 {
            return Err(Error::InvalidParameter { name: "labels", reason: "must be non-empty" });
        }
        Ok(rows)
    }

    /// `±1` target of a binary row.
    fn sign<T: Real>(labels: Labels<'_, T>, row: usize) -> T {
        match labels {
            Labels::Classes(c) if c.get(row) == Some(&1) => T::ONE,
            _ => -T::ONE,
        }
    }

    /// One-hot entry `Y[row][k]` (classes) or the target value (regression, `k = 0`).
    fn target<T: Real>(labels: Labels<'_, T>, row: usize, k: usize) -> T {
        match labels {
            Labels::Values(v) => v.get(row).copied().unwrap_or(T::ZERO),
            Labels::Classes(c) => {
                if c.get(row) == Some(&k) {
                    T::ONE
                } else {
                    T::ZERO
                }
            }
        }
    }

    /// Initial constant `F0` (`outputs()` values) for `labels`. O(rows).
    ///
    /// # Errors
    /// As [`Loss::check_labels`]; [`Error::InvalidParameter`] if `f0` has the wrong length or
    /// a binary problem has only one class present (`F0` would be infinite).
    pub fn initial_scores<T: Real>(self, labels: Labels<'_, T>, f0: &mut [T]) -> Result<()> {
        let rows = self.check_labels(labels)?;
        check_len("f0", self.outputs(), f0.len())?;
        let n = T::from_usize(rows);
        match (self, labels) {
            (Loss::Squared, Labels::Values(v)) => f0.fill(T::sum(v) / n),
            (Loss::LogExponential, _) => {
                let ybar = (0..rows).fold(T::ZERO, |s, i| s + Self::sign(labels, i)) / n;
                if ybar.abs() >= T::ONE {
                    return Err(Error::InvalidParameter {
                        name: "labels",
                        reason: "binary task needs both classes",
                    });
                }
                f0.fill(T::HALF * ((T::ONE + ybar) / (T::ONE - ybar)).ln());
            }
            _ => f0.fill(T::ZERO),
        }
        Ok(())
    }

    /// Loss of one sample with scores `f` (`outputs()` values).
    #[must_use]
    pub fn row_loss<T: Real>(self, labels: Labels<'_, T>, row: usize, f: &[T]) -> T {
        match self {
            Loss::Squared => {
                let e = Self::target(labels, row, 0) - f.first().copied().unwrap_or(T::ZERO);
                T::HALF * e * e
            }
            Loss::LogExponential => {
                // softplus(u) = max(u, 0) + ln(1 + e^{−|u|}), u = −2yF.
                let u = -T::from_f64(2.0) * Self::sign(labels, row) * f.first().copied().unwrap_or(T::ZERO);
                u.max(T::ZERO) + (T::ONE + (-u.abs()).exp()).ln()
            }
            Loss::MultiClass { .. } => {
                let class = match labels {
                    Labels::Classes(c) => c.get(row).copied().unwrap_or(0),
                    Labels::Values(_) => 0,
                };
                T::log_sum_exp(f) - f.get(class).copied().unwrap_or(T::ZERO)
            }
        }
    }

    /// Mean of [`Loss::row_loss`] over the rows of `f` (`rows × outputs()`). O(rows · K).
    ///
    /// # Errors
    /// As [`Loss::check_labels`]; [`Error::DimensionMismatch`] for a wrong `f` length.
    pub fn mean_loss<T: Real>(self, labels: Labels<'_, T>, f: &[T]) -> Result<T> {
        let rows = self.check_labels(labels)?;
        check_len("scores", mul_size(rows, self.outputs())?, f.len())?;
        let total = f
            .chunks_exact(self.outputs())
            .enumerate()
            .fold(T::ZERO, |s, (i, fr)| s + self.row_loss(labels, i, fr));
        Ok(total / T::from_usize(rows))
    }

    /// Pseudo-residuals `r = −∂loss/∂F` for every row (spec §2), overflow-free
    /// (`2y·σ(−2yF)`, max-shifted softmax). O(rows · K).
    ///
    /// # Errors
    /// As [`Loss::check_labels`]; [`Error::DimensionMismatch`] for wrong `f`/`r` lengths.
    pub fn residuals<T: Real>(self, labels: Labels<'_, T>, f: &[T], r: &mut [T]) -> Result<()> {
        let rows = self.check_labels(labels)?;
        let k = self.outputs();
        check_len("scores", mul_size(rows, k)?, f.len())?;
        check_len("residuals", f.len(), r.len())?;
        for (i, (fr, rr)) in f.chunks_exact(k).zip(r.chunks_exact_mut(k)).enumerate() {
            match self {
                Loss::Squared => <T as Real>::sub(&[Self::target(labels, i, 0)], fr, rr),
                Loss::LogExponential => {
                    let y = Self::sign(labels, i);
                    for (ri, &fi) in rr.iter_mut().zip(fr) {
                        *ri = T::from_f64(2.0) * y * (-T::from_f64(2.0) * y * fi).sigmoid();
                    }
                }
                Loss::MultiClass { .. } => {
                    rr.copy_from_slice(fr);
                    T::softmax(rr);
                    for (c, ri) in rr.iter_mut().enumerate() {
                        *ri = Self::target(labels, i, c) - *ri;
                    }
                }
            }
        }
        Ok(())
    }

    /// Newton step `ρ` (before shrinkage and clipping) along new predictions `p` from
    /// residuals `r` (both `rows × K`, `r` from [`Loss::residuals`] at the current scores).
    /// 1 for [`Loss::Squared`]; 0 when the curvature sum is `≤ 1e-12`. O(rows · K).
    ///
    /// # Errors
    /// As [`Loss::check_labels`]; [`Error::DimensionMismatch`] for wrong lengths.
    pub fn newton_step<T: Real>(self, labels: Labels<'_, T>, r: &[T], p: &[T]) -> Result<T> {
        let rows = self.check_labels(labels)?;
        let k = self.outputs();
        check_len("residuals", mul_size(rows, k)?, r.len())?;
        check_len("predictions", r.len(), p.len())?;
        let curvature = |i: usize, c: usize, ri: T| match self {
            Loss::Squared => T::ONE,
            Loss::LogExponential => ri.abs() * (T::from_f64(2.0) - ri.abs()),
            Loss::MultiClass { .. } => {
                let prob = Self::target(labels, i, c) - ri;
                prob * (T::ONE - prob)
            }
        };
        if self == Loss::Squared {
            return Ok(T::ONE);
        }
        let num = T::dot(r, p);
        let mut den = T::ZERO;
        for (i, (rr, pr)) in r.chunks_exact(k).zip(p.chunks_exact(k)).enumerate() {
            for (c, (&ri, &pi)) in rr.iter().zip(pr).enumerate() {
                den += pi * pi * curvature(i, c, ri);
            }
        }
        if !den.is_finite() || den <= T::from_f64(MIN_CURVATURE) || !num.is_finite() {
            return Ok(T::ZERO);
        }
        Ok(num / den)
    }
}
