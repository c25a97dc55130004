//! The [`Optimizer`] trait: one step = validate, read-only gradient scan, fused pass per group.

use super::storage::Moment;
use super::StepControl;
use crate::error::check_len;
use crate::{Error, Real, Result};
use ferrokern_simd::optim::Rule;

/// One slice of parameters with its gradients, its optimizer state and its own multipliers
/// of the learning rate and weight decay (e.g. `weight_decay_scale = 0` for biases).
#[derive(Debug)]
pub struct ParamGroup<'a, T, S = T> {
    /// Parameters, updated in place.
    pub params: &'a mut [T],
    /// Gradients (same length), read only.
    pub grads: &'a [T],
    /// Optimizer state of length `O::state_len(params.len())` (see [`Optimizer`] for layout).
    pub state: &'a mut [S],
    /// Multiplier of the (scheduled) learning rate (finite, ≥ 0).
    pub lr_scale: f64,
    /// Multiplier of the configured weight decay (finite, ≥ 0).
    pub weight_decay_scale: f64,
}

impl<'a, T, S> ParamGroup<'a, T, S> {
    /// A group with multipliers 1.
    pub fn new(params: &'a mut [T], grads: &'a [T], state: &'a mut [S]) -> Self {
        Self { params, grads, state, lr_scale: 1.0, weight_decay_scale: 1.0 }
    }
}

/// The parts of one optimizer state buffer (see [`Optimizer::state_parts`]).
#[derive(Debug)]
pub struct StateParts<'a, S> {
    /// First moment (Adam, diffGrad) or momentum buffer (SGD).
    pub m: &'a mut [S],
    /// Second moment (Adam, diffGrad); empty for SGD.
    pub v: &'a mut [S],
    /// Previous gradient (diffGrad); empty otherwise.
    pub prev_grad: &'a mut [S],
}

/// Splits a state buffer `[m | v | prev]` into its `per` used parts of length `n` each;
/// the unused parts are empty.
fn split_state<S>(state: &mut [S], n: usize, per: usize) -> (&mut [S], &mut [S], &mut [S]) {
    let (m, rest) = state.split_at_mut(n.min(state.len()));
    let (v, rest) = if per >= 2 { rest.split_at_mut(n.min(rest.len())) } else { (&mut [][..], rest) };
    let prev = if per >= 3 { rest } else { &mut [][..] };
    (m, v, prev)
}

/// A first-order optimizer whose state the caller owns.
///
/// State layout for `n` parameters: `STATE_PER_PARAM` consecutive blocks of `n` elements:
/// `[m]` (SGD momentum), `[m | v]` (Adam), `[m | v | prev_grad]` (diffGrad). Together with
/// [`Optimizer::step_count`] this is everything needed to save and resume training.
///
/// A step is: check lengths and hyperparameters; a read-only scan of every gradient
/// (finiteness, and the global norm when clipping); then one fused pass per group in
/// `ferrokern-simd`. Any error is returned before anything is written.
pub trait Optimizer {
    /// State elements per parameter (1 SGD, 2 Adam, 3 diffGrad).
    const STATE_PER_PARAM: usize;

    /// Base learning rate (before schedule and group multiplier).
    fn base_lr(&self) -> f64;
    /// Configured weight decay (before the group multiplier).
    fn weight_decay(&self) -> f64;
    /// Schedule, warm-up and clipping.
    fn control(&self) -> &StepControl;
    /// Completed steps.
    fn step_count(&self) -> u64;
    /// Sets the completed steps (restoring a saved state).
    fn set_step_count(&mut self, steps: u64);
    /// Checks the hyperparameters.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first bad one.
    fn validate(&self) -> Result<()>;
    /// Coefficients of step `t` (1-based) at learning rate `lr`, weight decay `wd`, gradient
    /// multiplier `grad_scale`; computed in f64, rounded to `T` once.
    fn rule<T: Real>(&self, t: u64, lr: f64, wd: f64, grad_scale: f64) -> Rule<T>;

    /// State length for `n` parameters (saturates; a buffer that long cannot exist).
    fn state_len_for(n: usize) -> usize {
        n.saturating_mul(Self::STATE_PER_PARAM)
    }

    /// Named views of a state buffer for `n` parameters (for saving/restoring or inspection);
    /// parts the optimizer does not use are empty.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] if `state.len() != state_len(n)`.
    fn state_parts<S>(state: &mut [S], n: usize) -> Result<StateParts<'_, S>> {
        check_len("state", Self::state_len_for(n), state.len())?;
        let (m, v, prev_grad) = split_state(state, n, Self::STATE_PER_PARAM);
        Ok(StateParts { m, v, prev_grad })
    }

    /// Learning rate the next step will use (schedule and warm-up applied).
    fn current_lr(&self) -> f64 {
        self.control().lr_at(self.base_lr(), self.step_count())
    }

    /// One step on a single parameter slice. O(n) time, no extra memory.
    ///
    /// # Errors
    /// See [`Optimizer::step_groups`].
    fn step<T: Real, S: Moment<T>>(&mut self, params: &mut [T], grads: &[T], state: &mut [S]) -> Result<()> {
        self.step_groups(&mut [ParamGroup::new(params, grads, state)])
    }

    /// One step on several groups sharing the step counter, schedule and global clipping norm.
    /// O(total n) time, no extra memory.
    ///
    /// # Errors
    /// - [`Error::DimensionMismatch`]: `grads` or `state` of a group has the wrong length.
    /// - [`Error::InvalidParameter`]: bad hyperparameter or group multiplier, or a schedule
    ///   whose rate at this step is not finite (`Step` with `gamma > 1` after many steps).
    /// - [`Error::NonFinite`] `{ what: "grads", index }`: first NaN/inf gradient, `index`
    ///   counted over the groups' gradients concatenated; `what: "grads squared"` for a finite
    ///   gradient whose square overflows `T` (|g| > 1.8e19 in f32).
    /// - [`Error::NumericalFailure`]: the global gradient norm overflows f64 (clipping only; a
    ///   sum of squares that overflows `T` is redone in f64).
    /// - [`Error::InvalidParameter`] `{ name: "weight_decay" }`: coupled decay `wd·|θ|` large
    ///   enough to overflow the second moment.
    /// - [`Error::NumericalFailure`] `{ what: "step overflowed: …" }`: finite inputs whose
    ///   update overflows `T` (an extreme learning rate or weight decay, or params near
    ///   `T::MAX`). This one is found by the fused pass while it writes: the
    ///   step **has been applied**, params hold the non-finite values and the step count has
    ///   advanced, so restore a saved copy (`optim::save_state`) to go on.
    ///
    /// On any other error, params, state and the step count are unchanged.
    fn step_groups<T: Real, S: Moment<T>>(&mut self, groups: &mut [ParamGroup<'_, T, S>]) -> Result<()> {
        self.validate()?;
        let control = *self.control();
        control.validate(self.base_lr())?;
        // A step schedule with γ > 1 overflows after enough steps: an infinite rate would
        // write inf/NaN parameters under Ok.
        let lr = self.current_lr();
        if !lr.is_finite() {
            return Err(Error::InvalidParameter {
                name: "lr",
                reason: "the schedule's rate at this step is not finite",
            });
        }
        let mut offset = 0usize;
        let mut sum_sq = 0.0f64;
        for g in groups.iter() {
            let n = g.params.len();
            check_len("grads", n, g.grads.len())?;
            check_len("state", Self::state_len_for(n), g.state.len())?;
            super::check_range("lr_scale", g.lr_scale, 0.0, f64::INFINITY, "must be finite and >= 0")?;
            if !T::from_f64(lr * g.lr_scale).is_finite() {
                return Err(Error::InvalidParameter {
                    name: "lr_scale",
                    reason: "lr · lr_scale overflows T",
                });
            }
            super::check_range(
                "weight_decay_scale",
                g.weight_decay_scale,
                0.0,
                f64::INFINITY,
                "must be >= 0",
            )?;
            // A finite gradient whose square overflows would put `inf` into Adam's `v` (and
            // NaN into the next step) while reporting success: rejected with the NaN/inf ones.
            let norm = scan_squares(g.grads).map_err(|i| {
                let what =
                    if g.grads.get(i).is_some_and(|x| x.is_finite()) { "grads squared" } else { "grads" };
                Error::NonFinite { what, index: offset.saturating_add(i) }
            })?;
            sum_sq += norm * norm;
            offset = offset.saturating_add(n);
        }
        if control.max_grad_norm.is_some() && !sum_sq.is_finite() {
            return Err(Error::NumericalFailure { what: "gradient norm overflows" });
        }
        let scale = control.clip_scale(libm::sqrt(sum_sq));
        let t = self.step_count().saturating_add(1);
        // Coupled weight decay adds wd·θ to the gradient: its square must stay finite as well,
        // or `v` overflows under Ok. Checked before anything is written (reads θ only then).
        for g in groups.iter() {
            let rule = self.rule::<T>(t, lr * g.lr_scale, self.weight_decay() * g.weight_decay_scale, scale);
            let (gs, wd) = match rule {
                Rule::Adam(c) | Rule::DiffGrad(c) => (c.grad_scale, c.weight_decay),
                Rule::Sgd(c) => (c.grad_scale, c.weight_decay),
            };
            if wd != T::ZERO {
                let max_abs = |x: &[T]| x.iter().fold(T::ZERO, |m, v| m.max(v.abs()));
                let bound = gs.abs() * max_abs(g.grads) + wd.abs() * max_abs(g.params);
                if !(bound * bound).is_finite() {
                    return Err(Error::InvalidParameter {
                        name: "weight_decay",
                        reason: "weight_decay · |params| overflows the moments",
                    });
                }
            }
        }
        let mut finite = true;
        for g in groups.iter_mut() {
            let n = g.params.len();
            let rule = self.rule::<T>(t, lr * g.lr_scale, self.weight_decay() * g.weight_decay_scale, scale);
            let (m, v, prev) = split_state(g.state, n, Self::STATE_PER_PARAM);
            finite &= S::fused(&rule, g.params, g.grads, m, v, prev);
        }
        self.set_step_count(t);
        // Finite inputs can still overflow T (documented above): report it, not success. The
        // fused pass finds it while it writes the params.
        if !finite {
            return Err(Error::NumericalFailure {
                what: "step overflowed: params not finite (step applied)",
            });
        }
        Ok(())
    }
}

/// An optimizer with its state in a fixed-size array, for static allocation in firmware.
/// `S` must equal `O::STATE_PER_PARAM · N` (checked at compile time when [`Owned::new`] is
/// instantiated), e.g. `Owned<DiffGrad, f32, 64, 192>`.
///
/// ```
/// use ferrokern::optim::{DiffGrad, DiffGradOwned, Optimizer};
/// let mut opt: DiffGradOwned<f32, 2, { DiffGrad::state_len(2) }> = DiffGradOwned::new(DiffGrad::default());
/// let mut w = [1.0f32, -1.0];
/// opt.step(&mut w, &[0.5, -0.5])?;
/// assert_eq!(opt.optimizer.step_count(), 1);
/// assert!(w[0] < 1.0 && w[1] > -1.0);
/// # Ok::<(), ferrokern::Error>(())
/// ```
/// A state array of the wrong size does not compile:
/// ```compile_fail
/// use ferrokern::optim::{DiffGrad, DiffGradOwned};
/// let opt: DiffGradOwned<f32, 2, 5> = DiffGradOwned::new(DiffGrad::default());
/// ```
#[derive(Clone, Debug)]
pub struct Owned<O, T, const N: usize, const S: usize> {
    /// The optimizer (config and step count).
    pub optimizer: O,
    /// Its state, layout as in [`Optimizer`].
    pub state: [T; S],
}

impl<O: Optimizer, T: Real + Moment<T>, const N: usize, const S: usize> Owned<O, T, N, S> {
    const SIZE_OK: () = assert!(S == O::STATE_PER_PARAM * N, "S must be STATE_PER_PARAM * N");

    /// Fresh state (zeros, step 0) for `optimizer`.
    pub fn new(mut optimizer: O) -> Self {
        let () = Self::SIZE_OK;
        optimizer.set_step_count(0);
        Self { optimizer, state: [T::ZERO; S] }
    }

    /// One step. O(N) time.
    ///
    /// # Errors
    /// As [`Optimizer::step`]; nothing changes on error.
    pub fn step(&mut self, params: &mut [T; N], grads: &[T; N]) -> Result<()> {
        self.optimizer.step(params, grads, &mut self.state)
    }
}

/// The gradient scan: `‖x‖₂` (in f64, for the clipping norm), or the index of the first
/// element whose square is not finite (NaN, ±inf, or |x| > √MAX). The common case costs one
/// read: `T::norm2` (unscaled `√Σx²`, by SIMD on f32) is finite only if every square is (a NaN
/// or inf square makes the sum NaN or inf). Only when it is not (a bad element, or finite
/// squares whose sum overflows `T`) are the chunks searched; an overflowing sum of finite
/// squares gives its f64 norm.
fn scan_squares<T: Real>(x: &[T]) -> core::result::Result<f64, usize> {
    const CHUNK: usize = 256;
    let norm = T::norm2(x);
    if norm.is_finite() {
        return Ok(norm.to_f64());
    }
    let ok = |v: &T| (*v * *v).is_finite();
    let Some((k, chunk)) =
        x.chunks(CHUNK).enumerate().find(|(_, c)| !c.iter().fold(true, |all, v| all & ok(v)))
    else {
        return Ok(libm::sqrt(x.iter().map(|v| v.to_f64() * v.to_f64()).sum()));
    };
    let i = chunk.iter().position(|v| !ok(v)).unwrap_or(0);
    Err(k.saturating_mul(CHUNK).saturating_add(i))
}
