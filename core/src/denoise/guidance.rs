//! Guidance over prediction vectors (spec `denoiser.md` §(b)–(d)): classifier-free guidance,
//! adaptive projected guidance (paper and diffusers forms), adaptive guidance, and the
//! negative-label form of CFG.
//!
//! Every function works on **one sample** (a flattened prediction of `d` elements); a batch is a
//! loop over samples, with one [`MomentumBuffer`] / [`AdaptiveGuidance`] per sample (the spec
//! keeps norms and the AG decision per sample). Scales use the diffusers convention: `w = 1` is
//! no guidance.

use crate::error::check_len;
use crate::real::check_finite;
use crate::{Error, Real, Result};

/// Checks that `b` and `out` have `a.len()` elements, that `w` is finite and that `a`
/// (`cond`) and `b` (`uncond`) hold no NaN/inf (read-only scans, before any write).
fn check3<T: Real>(a: &[T], b: &[T], out: &[T], w: f64) -> Result<()> {
    check_len("uncond", a.len(), b.len())?;
    check_len("out", a.len(), out.len())?;
    if !w.is_finite() {
        return Err(Error::InvalidParameter { name: "w", reason: "must be finite" });
    }
    check_finite("cond", a)?;
    check_finite("uncond", b)
}

/// `Err(NumericalFailure { what })` if the finished output holds ±inf/NaN (finite inputs whose
/// result overflows `T`, e.g. values near `T::MAX` or a huge scale). One O(d) read-only scan.
fn check_output<T: Real>(out: &[T], what: &'static str) -> Result<()> {
    check_finite(what, out).map_err(|_| Error::NumericalFailure { what })
}

/// Classifier-free guidance `out = u + w·(c − u)` (spec §(b)); `w = 1` returns `cond` exactly,
/// `w = 0` returns `uncond` exactly. Works for ε, v or x0 predictions (the combination is
/// affine). O(d), no memory.
///
/// ```
/// let (c, u) = ([1.0f32, 2.0], [0.0f32, 1.0]);
/// let mut out = [0.0f32; 2];
/// ferrokern::denoise::cfg(&c, &u, 3.0, &mut out)?;
/// assert_eq!(out, [3.0, 4.0]);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] if the lengths differ, [`Error::InvalidParameter`] for a
/// non-finite `w`, [`Error::NonFinite`] (`what` = `"cond"`/`"uncond"`) for a NaN/inf
/// prediction; nothing is written on these errors. [`Error::NumericalFailure`]
/// (`"cfg overflows"`) if the finite inputs give a result outside `T`'s range (e.g. values near
/// `T::MAX` or `w = 1e30`); `out` then holds unspecified values.
pub fn cfg<T: Real>(cond: &[T], uncond: &[T], w: f64, out: &mut [T]) -> Result<()> {
    check3(cond, uncond, out, w)?;
    if w == 1.0 {
        out.copy_from_slice(cond);
    } else if w == 0.0 {
        out.copy_from_slice(uncond);
    } else {
        let wt = T::from_f64(w);
        for ((o, &c), &u) in out.iter_mut().zip(cond).zip(uncond) {
            *o = u + wt * (c - u);
        }
    }
    check_output(out, "cfg overflows")
}

/// CFG with a negative condition: `out = u + w·(c − u) − w_neg·(n − u)`, where `neg` is the
/// model's prediction under the negative label. `w_neg = 0` is plain [`cfg`](fn@cfg); to use the
/// negative label *instead of* the null label (the Stable-Diffusion "negative prompt" form),
/// call [`cfg`](fn@cfg)`(cond, neg, w, out)`. O(d), no memory.
///
/// ```
/// let (c, u, n) = ([1.0f64, 2.0], [0.0f64, 0.0], [1.0f64, -1.0]);
/// let mut out = [0.0f64; 2];
/// ferrokern::denoise::cfg_negative(&c, &u, &n, 2.0, 0.5, &mut out)?; // 2c − 0.5n
/// assert_eq!(out, [1.5, 4.5]);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] if the lengths differ, [`Error::InvalidParameter`] for
/// non-finite scales, [`Error::NonFinite`] (`"cond"`/`"uncond"`/`"neg"`) for a NaN/inf
/// prediction; nothing is written on these errors. [`Error::NumericalFailure`]
/// (`"cfg_negative overflows"`) if the finite inputs give a result outside `T`'s range; `out`
/// then holds unspecified values.
pub fn cfg_negative<T: Real>(
    cond: &[T],
    uncond: &[T],
    neg: &[T],
    w: f64,
    w_neg: f64,
    out: &mut [T],
) -> Result<()> {
    check3(cond, uncond, out, w)?;
    check_len("neg", cond.len(), neg.len())?;
    if !w_neg.is_finite() {
        return Err(Error::InvalidParameter { name: "w_neg", reason: "must be finite" });
    }
    check_finite("neg", neg)?;
    // An overflow of the plain CFG part is reported as this function's overflow.
    cfg(cond, uncond, w, out).map_err(|e| match e {
        Error::NumericalFailure { .. } => Error::NumericalFailure { what: "cfg_negative overflows" },
        other => other,
    })?;
    let wn = T::from_f64(w_neg);
    for ((o, &n), &u) in out.iter_mut().zip(neg).zip(uncond) {
        *o -= wn * (n - u);
    }
    check_output(out, "cfg_negative overflows")
}

/// Which APG formula (spec §(c)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ApgMode {
    /// The paper (x0-space): `out = D_c + (w − 1)·(Δ⊥ + η·Δ∥)`; disabled (returns `D_c`) at
    /// `w = 1`.
    #[default]
    Paper,
    /// diffusers `normalized_guidance`: `out = u + w·(Δ⊥ + η·Δ∥)`; disabled at `w ≈ 1`.
    Diffusers,
    /// diffusers with `use_original_formulation`: `out = c + w·(Δ⊥ + η·Δ∥)`; disabled at
    /// `w ≈ 0`.
    DiffusersOriginal,
}

/// APG hyperparameters. `Default` is the paper's recommendation with the community
/// settings of sd.cpp PR #593: η = 0, r = 5, β = −0.5, w = 7.5.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ApgConfig {
    /// Guidance scale `w` (diffusers convention).
    pub w: f64,
    /// Weight η of the parallel component (η = 1 keeps it, as CFG does).
    pub eta: f64,
    /// Norm threshold `r`; `r ≤ 0` or `∞` disables the rescale.
    pub norm_threshold: f64,
    /// Momentum β (`running = Δ + β·running`); `0` disables momentum (diffusers `None`).
    pub momentum: f64,
    /// Formula.
    pub mode: ApgMode,
}

impl Default for ApgConfig {
    fn default() -> Self {
        Self { w: 7.5, eta: 0.0, norm_threshold: 5.0, momentum: -0.5, mode: ApgMode::Paper }
    }
}

impl ApgConfig {
    /// diffusers' `AdaptiveProjectedGuidance` defaults: w = 7.5, η = 1, r = 15, momentum off.
    #[must_use]
    pub const fn diffusers_default() -> Self {
        Self { w: 7.5, eta: 1.0, norm_threshold: 15.0, momentum: 0.0, mode: ApgMode::Diffusers }
    }

    fn validate(&self) -> Result<()> {
        for (name, v) in [("w", self.w), ("eta", self.eta), ("momentum", self.momentum)] {
            if !v.is_finite() {
                return Err(Error::InvalidParameter { name, reason: "must be finite" });
            }
        }
        if self.norm_threshold.is_nan() {
            return Err(Error::InvalidParameter { name: "norm_threshold", reason: "must not be NaN" });
        }
        Ok(())
    }

    /// Whether guidance is applied at all (diffusers returns `pred_cond` when `w` is close to
    /// its neutral value: `math.isclose` with rel_tol 1e-9).
    #[must_use]
    pub fn enabled(&self) -> bool {
        let neutral = if self.mode == ApgMode::DiffusersOriginal { 0.0 } else { 1.0 };
        let tol = 1e-9 * libm::fmax(libm::fabs(self.w), libm::fabs(neutral));
        libm::fabs(self.w - neutral) > tol
    }
}

/// The caller-owned APG momentum state of one sample: the running average `Δ̄` (diffusers
/// `MomentumBuffer`), `d` elements, zero at the start of sampling.
#[derive(Debug)]
pub struct MomentumBuffer<'a, T> {
    /// Running average `Δ̄` (read it to inspect; reset with [`MomentumBuffer::reset`]).
    pub running: &'a mut [T],
}

impl<'a, T: Real> MomentumBuffer<'a, T> {
    /// Wraps `running` and zeroes it.
    pub fn new(running: &'a mut [T]) -> Self {
        running.fill(T::ZERO);
        Self { running }
    }

    /// Zeroes the running average (a new sampling run).
    pub fn reset(&mut self) {
        self.running.fill(T::ZERO);
    }
}

/// What one APG step did (for diagnostics and tests).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ApgStats {
    /// `||Δ||₂` after momentum, before rescaling.
    pub delta_norm: f64,
    /// The rescale factor `min(1, r/||Δ||)` that was applied (1 if off).
    pub rescale: f64,
    /// Whether guidance was applied (`false`: `out = cond`, momentum untouched).
    pub enabled: bool,
}

/// Adaptive projected guidance of one sample (spec §(c)).
///
/// Steps: `Δ = c − u`; momentum `Δ ← Δ + β·Δ̄`, `Δ̄ ← Δ` (if β ≠ 0); rescale
/// `Δ ← Δ·min(1, r/||Δ||)` (if `0 < r < ∞`); split `Δ∥ = ⟨Δ, ĉ⟩ĉ` (ĉ = c/max(||c||, 1e-12)),
/// `Δ⊥ = Δ − Δ∥`, **computed in f64** whatever `T` is; combine per [`ApgMode`]. With η = 1 the
/// split is skipped (`Δ⊥ + Δ∥ = Δ`), so η = 1, r off, β = 0 in diffusers mode is bit-for-bit
/// [`cfg`](fn@cfg). In paper mode pass denoised predictions (`cond = D_c`, `uncond = D_u`); for a
/// linear flow `x̂0 = x_t − t·v`.
///
/// `out` doubles as the Δ buffer: O(d) time, no memory beyond `out` and the momentum state.
///
/// ```
/// use ferrokern::denoise::{apg, ApgConfig, MomentumBuffer};
/// let (c, u) = ([1.0f64, 0.0], [0.0f64, 1.0]);
/// let mut run = [0.0f64; 2];
/// let mut m = MomentumBuffer::new(&mut run);
/// let mut out = [0.0f64; 2];
/// let cfg = ApgConfig { w: 3.0, eta: 0.0, norm_threshold: 0.0, momentum: 0.0, ..ApgConfig::default() };
/// apg(&c, &u, &cfg, &mut m, &mut out)?;
/// // Δ = (1, −1); parallel part (1, 0) dropped: out = c + 2·(0, −1).
/// assert_eq!(out, [1.0, -2.0]);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] for lengths (momentum buffer included),
/// [`Error::InvalidParameter`] for non-finite `w`, η, β or a NaN `r`, [`Error::NonFinite`]
/// (`"cond"`/`"uncond"`, or `"momentum"` for the running average when β ≠ 0) for NaN/inf;
/// nothing is written on these errors. [`Error::NumericalFailure`] (`"apg overflows"`) if the
/// finite inputs give a result outside `T`'s range (values near `T::MAX`, a huge `w`): `out`
/// then holds unspecified values and the momentum buffer is left unchanged (it is updated only
/// once the output is known finite).
pub fn apg<T: Real>(
    cond: &[T],
    uncond: &[T],
    config: &ApgConfig,
    momentum: &mut MomentumBuffer<'_, T>,
    out: &mut [T],
) -> Result<ApgStats> {
    config.validate()?;
    check3(cond, uncond, out, config.w)?;
    check_len("momentum", cond.len(), momentum.running.len())?;
    if config.momentum != 0.0 {
        check_finite("momentum", momentum.running)?;
    }
    if !config.enabled() {
        out.copy_from_slice(cond);
        return Ok(ApgStats { delta_norm: 0.0, rescale: 1.0, enabled: false });
    }
    <T as Real>::sub(cond, uncond, out);
    let beta = T::from_f64(config.momentum);
    if config.momentum != 0.0 {
        // Δ ← Δ + β·Δ̄; Δ̄ itself is updated at the end, only if the output is finite.
        for (d, &r) in out.iter_mut().zip(momentum.running.iter()) {
            *d += beta * r;
        }
    }
    let delta_norm = norm_f64(out);
    let r = config.norm_threshold;
    let mut rescale = 1.0;
    if r > 0.0 && r.is_finite() && delta_norm > r {
        rescale = r / delta_norm;
        T::scale(T::from_f64(rescale), out);
    }
    if config.eta != 1.0 {
        remove_parallel(out, cond, 1.0 - config.eta);
    }
    let (base, scale) = match config.mode {
        ApgMode::Paper => (cond, config.w - 1.0),
        ApgMode::Diffusers => (uncond, config.w),
        ApgMode::DiffusersOriginal => (cond, config.w),
    };
    let s = T::from_f64(scale);
    for (o, &b) in out.iter_mut().zip(base) {
        *o = b + s * *o;
    }
    check_output(out, "apg overflows")?;
    if config.momentum != 0.0 {
        // Δ̄ ← c − u + β·Δ̄: the same IEEE operations as above, so bit-identical to the Δ used.
        for ((r, &c), &u) in momentum.running.iter_mut().zip(cond).zip(uncond) {
            *r = (c - u) + beta * *r;
        }
    }
    Ok(ApgStats { delta_norm, rescale, enabled: true })
}

/// `||x||₂` accumulated in f64.
fn norm_f64<T: Real>(x: &[T]) -> f64 {
    libm::sqrt(x.iter().map(|v| v.to_f64() * v.to_f64()).sum::<f64>())
}

/// `delta ← delta − k·⟨delta, ĉ⟩ĉ` with `ĉ = c / max(||c||, 1e-12)` (torch `F.normalize`),
/// all arithmetic in f64 and one rounding to `T` per element.
fn remove_parallel<T: Real>(delta: &mut [T], c: &[T], k: f64) {
    let norm = libm::fmax(norm_f64(c), 1e-12);
    let proj: f64 = delta.iter().zip(c).map(|(d, c)| d.to_f64() * (c.to_f64() / norm)).sum();
    for (d, c) in delta.iter_mut().zip(c) {
        let dd = d.to_f64();
        let par = proj * (c.to_f64() / norm);
        // Δ⊥ + η·Δ∥ = (Δ − Δ∥) + η·Δ∥.
        *d = T::from_f64((dd - par) + (1.0 - k) * par);
    }
}

/// Cosine similarity of two vectors in f64; 0 if either is zero.
///
/// ```
/// use ferrokern::denoise::cosine;
/// assert_eq!(cosine(&[1.0f32, 0.0], &[0.0, 2.0])?, 0.0);
/// assert!((cosine(&[1.0f32, 1.0], &[2.0, 2.0])? - 1.0).abs() < 1e-15);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] if the lengths differ.
pub fn cosine<T: Real>(a: &[T], b: &[T]) -> Result<f64> {
    check_len("b", a.len(), b.len())?;
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x.to_f64() * y.to_f64()).sum();
    let (na, nb) = (norm_f64(a), norm_f64(b));
    Ok(if na > 0.0 && nb > 0.0 { dot / (na * nb) } else { 0.0 })
}

/// Adaptive guidance state of one sample (spec §(d)): CFG until `cos(ε_c, ε_u) ≥ γ̄`, then the
/// conditional prediction alone for the rest of sampling; counts network evaluations.
///
/// Protocol per step: evaluate the conditional model; if [`AdaptiveGuidance::needs_uncond`],
/// evaluate the unconditional model too and pass it; call [`AdaptiveGuidance::guide`].
///
/// ```
/// use ferrokern::denoise::AdaptiveGuidance;
/// let mut ag = AdaptiveGuidance::new(0.99);
/// let mut out = [0.0f32; 2];
/// ag.guide(&[1.0, 0.0], Some(&[1.0, 0.01]), 2.0, &mut out)?; // cos ≈ 0.99995 ≥ 0.99
/// assert!(!ag.needs_uncond());
/// ag.guide(&[0.5, 0.5], None, 2.0, &mut out)?;
/// assert_eq!((out, ag.evaluations()), ([0.5, 0.5], 3));
/// # Ok::<(), ferrokern::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AdaptiveGuidance {
    /// Threshold γ̄ on the cosine (close to 1; `> 1` never skips, `≤ −1` skips after the first
    /// step).
    pub threshold: f64,
    skipping: bool,
    cond_evals: u32,
    uncond_evals: u32,
    last_cosine: f64,
}

impl AdaptiveGuidance {
    /// Fresh state (no evaluations yet) for threshold γ̄.
    #[must_use]
    pub const fn new(threshold: f64) -> Self {
        Self { threshold, skipping: false, cond_evals: 0, uncond_evals: 0, last_cosine: 0.0 }
    }

    /// Whether the next step needs the unconditional prediction.
    #[must_use]
    pub const fn needs_uncond(&self) -> bool {
        !self.skipping
    }

    /// Network evaluations so far (conditional + unconditional).
    #[must_use]
    pub const fn evaluations(&self) -> u32 {
        self.cond_evals.saturating_add(self.uncond_evals)
    }

    /// Unconditional evaluations so far.
    #[must_use]
    pub const fn uncond_evaluations(&self) -> u32 {
        self.uncond_evals
    }

    /// The cosine γ_t of the last step that had an unconditional prediction.
    #[must_use]
    pub const fn last_cosine(&self) -> f64 {
        self.last_cosine
    }

    /// One step: with `uncond = Some(u)`, `out = cfg(cond, u, w)`, γ_t = cos(c, u) is
    /// computed (O(d), f64) and, once `γ_t ≥ γ̄`, later steps skip `u`; with `None`,
    /// `out = cond`. Counts the evaluations the caller made.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `uncond` is `None` while [`Self::needs_uncond`] (or
    /// `Some` after skipping began), and as [`cfg`](fn@cfg). The state is unchanged on error.
    pub fn guide<T: Real>(&mut self, cond: &[T], uncond: Option<&[T]>, w: f64, out: &mut [T]) -> Result<()> {
        match uncond {
            Some(u) if !self.skipping => {
                cfg(cond, u, w, out)?;
                let gamma = cosine(cond, u)?;
                self.last_cosine = gamma;
                self.skipping = gamma >= self.threshold;
                self.uncond_evals = self.uncond_evals.saturating_add(1);
            }
            None if self.skipping => {
                check_len("out", cond.len(), out.len())?;
                out.copy_from_slice(cond);
            }
            _ => {
                return Err(Error::InvalidParameter {
                    name: "uncond",
                    reason: "must be given exactly while needs_uncond()",
                })
            }
        }
        self.cond_evals = self.cond_evals.saturating_add(1);
        Ok(())
    }
}
