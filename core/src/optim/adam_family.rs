//! diffGrad and Adam/AdamW: configs, optimizers and their per-step coefficients.

use super::{check_range, Optimizer, StepControl};
use crate::{Error, Real, Result};
use ferrokern_simd::optim::{AdamRule, Rule};

/// Where ε enters the diffGrad/Adam denominator (diffGrad spec §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum EpsMode {
    /// `diffGrad_v2.py` / PyTorch style: `lr·√(1−β2^t)/(1−β1^t) · ξ·m/(√v + ε)` (ε on the
    /// uncorrected `√v`). The diffGrad default.
    #[default]
    Torch,
    /// Paper / analytical notebook: `lr · ξ·m̂/(√v̂ + ε)` with bias-corrected `m̂`, `v̂`. This is
    /// also exactly `torch.optim.Adam`'s form.
    Paper,
}

/// 1 − β^t in f64 (β^t by repeated squaring; it underflows to 0 long before `t` leaves i32).
fn one_minus_pow(beta: f64, t: u64) -> f64 {
    1.0 - Real::powi(beta, i32::try_from(t).unwrap_or(i32::MAX))
}

/// Adam-family coefficients of step `t` (1-based), see `ferrokern_simd::optim::AdamRule`.
#[allow(clippy::too_many_arguments)]
fn adam_rule<T: Real>(
    beta1: f64,
    beta2: f64,
    eps: f64,
    mode: EpsMode,
    t: u64,
    lr: f64,
    coupled_wd: f64,
    decoupled_wd: f64,
    grad_scale: f64,
) -> AdamRule<T> {
    let bc1 = one_minus_pow(beta1, t);
    let sqrt_bc2 = libm::sqrt(one_minus_pow(beta2, t));
    // Paper form lr·(m/bc1)/(√(v/bc2)+ε) = (lr·√bc2/bc1)·m/(√v + ε·√bc2).
    let eps_eff = match mode {
        EpsMode::Torch => eps,
        EpsMode::Paper => eps * sqrt_bc2,
    };
    AdamRule {
        beta1: T::from_f64(beta1),
        one_minus_beta1: T::from_f64(1.0 - beta1),
        beta2: T::from_f64(beta2),
        one_minus_beta2: T::from_f64(1.0 - beta2),
        step_size: T::from_f64(lr * sqrt_bc2 / bc1),
        // At least T's smallest normal: an ε that is 0 (allowed with β2 > 0) or underflows in
        // T (5e-324 in f32) made a zero gradient's update 0/0 = NaN while the step reported Ok.
        eps: T::from_f64(eps_eff).max(T::MIN_POSITIVE),
        grad_scale: T::from_f64(grad_scale),
        weight_decay: T::from_f64(coupled_wd),
        decay: T::from_f64(1.0 - lr * decoupled_wd),
    }
}

fn validate_adam(lr: f64, beta1: f64, beta2: f64, eps: f64, wd: f64) -> Result<()> {
    crate::real::check_positive("lr", lr)?;
    check_range("beta1", beta1, 0.0, 1.0, "must be in [0, 1)")?;
    check_range("beta2", beta2, 0.0, 1.0, "must be in [0, 1)")?;
    check_range("eps", eps, 0.0, f64::INFINITY, "must be finite and >= 0")?;
    check_range("weight_decay", wd, 0.0, f64::INFINITY, "must be finite and >= 0")?;
    if eps == 0.0 && beta2 == 0.0 {
        return Err(Error::InvalidParameter { name: "eps", reason: "must be > 0 when beta2 = 0" });
    }
    Ok(())
}

/// diffGrad hyperparameters (spec §2 defaults).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DiffGradConfig {
    /// Learning rate α (1e-3).
    pub lr: f64,
    /// β1 (0.9).
    pub beta1: f64,
    /// β2 (0.999).
    pub beta2: f64,
    /// ε (1e-8).
    pub eps: f64,
    /// Coupled L2 weight decay, added to the gradient before the moments and Δg (0).
    pub weight_decay: f64,
    /// ε placement (Torch).
    pub eps_mode: EpsMode,
}

impl Default for DiffGradConfig {
    fn default() -> Self {
        Self { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.0, eps_mode: EpsMode::Torch }
    }
}

/// diffGrad (Dubey et al., IEEE TNNLS 2020): Adam whose step is multiplied per element by the
/// friction `ξ = σ(|g_{t−1} − g_t|) ∈ [0.5, 1)`, previous gradient 0 before the first step,
/// stored as a copy. State `[m | v | prev_grad]`, [`DiffGrad::state_len`]`(n) = 3n`.
///
/// ```
/// use ferrokern::optim::{DiffGrad, DiffGradConfig, Optimizer};
/// let mut opt = DiffGrad::new(DiffGradConfig { lr: 0.1, ..DiffGradConfig::default() });
/// let mut x = [3.0f32, -2.0];
/// let mut state = [0.0f32; DiffGrad::state_len(2)];
/// for _ in 0..200 {
///     let g = [2.0 * x[0], 2.0 * x[1]]; // ∇‖x‖²
///     opt.step(&mut x, &g, &mut state)?;
/// }
/// assert!(x[0].abs() < 0.05 && x[1].abs() < 0.05);
/// # Ok::<(), ferrokern::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct DiffGrad {
    /// Hyperparameters.
    pub config: DiffGradConfig,
    /// Schedule, warm-up, clipping.
    pub control: StepControl,
    steps: u64,
}

optimizer_basics!(
    DiffGrad,
    DiffGradConfig,
    3,
    "State elements for `n` parameters: `3n` (`m`, `v`, previous gradient); saturates."
);

impl Optimizer for DiffGrad {
    optimizer_accessors!(3);
    fn validate(&self) -> Result<()> {
        let c = &self.config;
        validate_adam(c.lr, c.beta1, c.beta2, c.eps, c.weight_decay)
    }
    fn rule<T: Real>(&self, t: u64, lr: f64, wd: f64, grad_scale: f64) -> Rule<T> {
        let c = &self.config;
        Rule::DiffGrad(adam_rule(c.beta1, c.beta2, c.eps, c.eps_mode, t, lr, wd, 0.0, grad_scale))
    }
}

/// Adam / AdamW hyperparameters (PyTorch defaults).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AdamConfig {
    /// Learning rate (1e-3).
    pub lr: f64,
    /// β1 (0.9).
    pub beta1: f64,
    /// β2 (0.999).
    pub beta2: f64,
    /// ε (1e-8), added to `√v̂` as in `torch.optim.Adam`.
    pub eps: f64,
    /// Weight decay (0): coupled L2 (Adam) or decoupled `θ ← θ(1 − lr·wd)` (AdamW).
    pub weight_decay: f64,
    /// `true` = AdamW (decoupled weight decay).
    pub decoupled: bool,
}

impl Default for AdamConfig {
    fn default() -> Self {
        Self { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.0, decoupled: false }
    }
}

impl AdamConfig {
    /// AdamW with rate `lr` and decoupled weight decay `weight_decay`, other fields default.
    #[must_use]
    pub fn adamw(lr: f64, weight_decay: f64) -> Self {
        Self { lr, weight_decay, decoupled: true, ..Self::default() }
    }
}

/// Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019), `torch.optim.Adam(W)` form.
/// State `[m | v]`, [`Adam::state_len`]`(n) = 2n`.
///
/// ```
/// use ferrokern::optim::{Adam, AdamConfig, Optimizer};
/// let mut opt = Adam::new(AdamConfig { lr: 0.1, ..AdamConfig::default() });
/// let mut x = [1.0f64];
/// let mut state = [0.0f64; Adam::state_len(1)];
/// opt.step(&mut x, &[4.0], &mut state)?; // first Adam step: −lr·sign(g)
/// assert!((x[0] - 0.9).abs() < 1e-8);
/// # Ok::<(), ferrokern::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Adam {
    /// Hyperparameters.
    pub config: AdamConfig,
    /// Schedule, warm-up, clipping.
    pub control: StepControl,
    steps: u64,
}

optimizer_basics!(Adam, AdamConfig, 2, "State elements for `n` parameters: `2n` (`m`, `v`); saturates.");

impl Optimizer for Adam {
    optimizer_accessors!(2);
    fn validate(&self) -> Result<()> {
        let c = &self.config;
        validate_adam(c.lr, c.beta1, c.beta2, c.eps, c.weight_decay)
    }
    fn rule<T: Real>(&self, t: u64, lr: f64, wd: f64, grad_scale: f64) -> Rule<T> {
        let c = &self.config;
        let (coupled, decoupled) = if c.decoupled { (0.0, wd) } else { (wd, 0.0) };
        Rule::Adam(adam_rule(c.beta1, c.beta2, c.eps, EpsMode::Paper, t, lr, coupled, decoupled, grad_scale))
    }
}
