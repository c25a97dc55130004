//! Learning-rate schedules, linear warm-up and global-norm clipping settings ([`StepControl`]).

use crate::{Error, Real, Result};

/// Learning-rate decay after warm-up, as a function of the decay step `s` (completed steps
/// minus warm-up steps) and the configured base rate `lr0`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum LrSchedule {
    /// `lr0`.
    #[default]
    Constant,
    /// `lr0 · gamma^⌊s/every⌋` (PyTorch `StepLR`).
    Step {
        /// Steps between decays (> 0).
        every: u64,
        /// Decay factor (finite, > 0).
        gamma: f64,
    },
    /// `min_lr + (lr0 − min_lr)·(1 + cos(π·min(s, total)/total))/2` (PyTorch
    /// `CosineAnnealingLR`, without restarts): `min_lr` from step `total` on.
    Cosine {
        /// Length of the half cosine (> 0).
        total: u64,
        /// Final rate (`0 ≤ min_lr ≤ lr0`).
        min_lr: f64,
    },
}

/// Per-step control shared by every optimizer: schedule, warm-up, clipping.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct StepControl {
    /// Decay after warm-up.
    pub schedule: LrSchedule,
    /// Linear warm-up: the step with `k` completed steps (`k < warmup_steps`) uses
    /// `lr0·(k+1)/warmup_steps`; 0 disables warm-up.
    pub warmup_steps: u64,
    /// Clip the gradients of all groups together to this global L2 norm (PyTorch
    /// `clip_grad_norm_`: scale `max/(‖g‖ + 1e-6)` when `‖g‖ > max`); `None` disables.
    pub max_grad_norm: Option<f64>,
}

impl StepControl {
    /// Learning rate of the step taken after `completed` steps, for base rate `lr0`. O(log s).
    #[must_use]
    pub fn lr_at(&self, lr0: f64, completed: u64) -> f64 {
        if completed < self.warmup_steps {
            return lr0 * (completed + 1) as f64 / self.warmup_steps as f64;
        }
        let s = completed - self.warmup_steps;
        match self.schedule {
            LrSchedule::Constant => lr0,
            LrSchedule::Step { every, gamma } => {
                let k = s.checked_div(every).unwrap_or(0);
                // γ^k underflows to 0 long before k exceeds i32::MAX.
                lr0 * Real::powi(gamma, i32::try_from(k).unwrap_or(i32::MAX))
            }
            LrSchedule::Cosine { total, min_lr } => {
                if total == 0 || s >= total {
                    return min_lr;
                }
                let phase = core::f64::consts::PI * s as f64 / total as f64;
                min_lr + (lr0 - min_lr) * 0.5 * (1.0 + libm::cos(phase))
            }
        }
    }

    /// Gradient multiplier for global norm `norm` (1 without clipping or below the limit).
    #[must_use]
    pub fn clip_scale(&self, norm: f64) -> f64 {
        match self.max_grad_norm {
            Some(max) if norm > max => max / (norm + 1e-6),
            _ => 1.0,
        }
    }

    /// Checks the settings against base rate `lr0`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `every == 0`, `gamma ≤ 0`, `total == 0`,
    /// `min_lr ∉ [0, lr0]`, or a non-positive/non-finite `max_grad_norm`.
    pub fn validate(&self, lr0: f64) -> Result<()> {
        match self.schedule {
            LrSchedule::Constant => {}
            LrSchedule::Step { every, gamma } => {
                if every == 0 {
                    return Err(Error::InvalidParameter { name: "every", reason: "must be > 0" });
                }
                crate::real::check_positive("gamma", gamma)?;
            }
            LrSchedule::Cosine { total, min_lr } => {
                if total == 0 {
                    return Err(Error::InvalidParameter { name: "total", reason: "must be > 0" });
                }
                if !(min_lr.is_finite() && (0.0..=lr0).contains(&min_lr)) {
                    return Err(Error::InvalidParameter { name: "min_lr", reason: "must be in [0, lr]" });
                }
            }
        }
        if let Some(max) = self.max_grad_norm {
            crate::real::check_positive("max_grad_norm", max)?;
        }
        Ok(())
    }
}

/// `Real::is_finite` on an f64 hyperparameter that must lie in `[lo, hi)`.
pub(crate) fn check_range(name: &'static str, x: f64, lo: f64, hi: f64, reason: &'static str) -> Result<()> {
    if Real::is_finite(x) && x >= lo && x < hi {
        Ok(())
    } else {
        Err(Error::InvalidParameter { name, reason })
    }
}
