//! SGD with momentum (optionally Nesterov), the `torch.optim.SGD` form without dampening.

use super::{check_range, Optimizer, StepControl};
use crate::{Real, Result};
use ferrokern_simd::optim::{Rule, SgdRule};

/// SGD hyperparameters.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SgdConfig {
    /// Learning rate (1e-2).
    pub lr: f64,
    /// Momentum μ ∈ [0, 1) (0.9; 0 = plain SGD).
    pub momentum: f64,
    /// Nesterov momentum (false).
    pub nesterov: bool,
    /// Coupled L2 weight decay (0).
    pub weight_decay: f64,
}

impl Default for SgdConfig {
    fn default() -> Self {
        Self { lr: 1e-2, momentum: 0.9, nesterov: false, weight_decay: 0.0 }
    }
}

/// SGD with momentum: `b ← μb + g; θ ← θ − lr·(nesterov ? g + μb : b)`.
/// State `[b]`, [`SgdMomentum::state_len`]`(n) = n`.
///
/// ```
/// use ferrokern::optim::{Optimizer, SgdConfig, SgdMomentum};
/// let mut opt = SgdMomentum::new(SgdConfig { lr: 0.1, momentum: 0.5, ..SgdConfig::default() });
/// let mut x = [1.0f64];
/// let mut state = [0.0f64; SgdMomentum::state_len(1)];
/// opt.step(&mut x, &[1.0], &mut state)?; // b = 1
/// opt.step(&mut x, &[1.0], &mut state)?; // b = 1.5
/// assert!((x[0] - (1.0 - 0.1 - 0.15)).abs() < 1e-12);
/// # Ok::<(), ferrokern::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct SgdMomentum {
    /// Hyperparameters.
    pub config: SgdConfig,
    /// Schedule, warm-up, clipping.
    pub control: StepControl,
    steps: u64,
}

optimizer_basics!(SgdMomentum, SgdConfig, 1, "State elements for `n` parameters: `n` (momentum buffer).");

impl Optimizer for SgdMomentum {
    optimizer_accessors!(1);
    fn validate(&self) -> Result<()> {
        let c = &self.config;
        crate::real::check_positive("lr", c.lr)?;
        check_range("momentum", c.momentum, 0.0, 1.0, "must be in [0, 1)")?;
        check_range("weight_decay", c.weight_decay, 0.0, f64::INFINITY, "must be finite and >= 0")
    }
    fn rule<T: Real>(&self, _t: u64, lr: f64, wd: f64, grad_scale: f64) -> Rule<T> {
        let c = &self.config;
        Rule::Sgd(SgdRule {
            lr: T::from_f64(lr),
            momentum: T::from_f64(c.momentum),
            nesterov: c.nesterov,
            grad_scale: T::from_f64(grad_scale),
            weight_decay: T::from_f64(wd),
        })
    }
}
