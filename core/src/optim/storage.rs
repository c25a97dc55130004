//! How optimizer state is stored, and the bridge to `ferrokern-simd`'s fused pass.

use crate::Real;
use ferrokern_simd::optim::Rule;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
    #[cfg(feature = "f16")]
    impl Sealed for half::bf16 {}
    #[cfg(feature = "f16")]
    impl Sealed for half::f16 {}
}

/// Element type of optimizer state for parameters of type `T`: `T` itself, or (feature `f16`,
/// `T = f32`) `half::bf16` / `half::f16`, which halves optimizer memory (compute stays f32).
pub trait Moment<T: Real>: Copy + Default + sealed::Sealed {
    /// The fused pass of `ferrokern-simd` for this storage (see `ferrokern_simd::optim::step`);
    /// returns whether every updated parameter is finite.
    #[doc(hidden)]
    #[must_use]
    fn fused(
        rule: &Rule<T>,
        params: &mut [T],
        grads: &[T],
        m: &mut [Self],
        v: &mut [Self],
        prev: &mut [Self],
    ) -> bool;
}

impl Moment<f32> for f32 {
    fn fused(
        rule: &Rule<f32>,
        params: &mut [f32],
        grads: &[f32],
        m: &mut [f32],
        v: &mut [f32],
        prev: &mut [f32],
    ) -> bool {
        ferrokern_simd::optim::step_f32(rule, params, grads, m, v, prev)
    }
}

impl Moment<f64> for f64 {
    fn fused(
        rule: &Rule<f64>,
        params: &mut [f64],
        grads: &[f64],
        m: &mut [f64],
        v: &mut [f64],
        prev: &mut [f64],
    ) -> bool {
        ferrokern_simd::optim::step_f64(rule, params, grads, m, v, prev)
    }
}

#[cfg(feature = "f16")]
impl Moment<f32> for half::bf16 {
    fn fused(
        rule: &Rule<f32>,
        params: &mut [f32],
        grads: &[f32],
        m: &mut [Self],
        v: &mut [Self],
        prev: &mut [Self],
    ) -> bool {
        ferrokern_simd::optim::step_f32(rule, params, grads, m, v, prev)
    }
}

#[cfg(feature = "f16")]
impl Moment<f32> for half::f16 {
    fn fused(
        rule: &Rule<f32>,
        params: &mut [f32],
        grads: &[f32],
        m: &mut [Self],
        v: &mut [Self],
        prev: &mut [Self],
    ) -> bool {
        ferrokern_simd::optim::step_f32(rule, params, grads, m, v, prev)
    }
}

/// f16 parameters for inference with an f32 master copy (feature `f16`): after each optimizer
/// step on `master`, round it into `half` (what the device stores/ships) and, when training
/// on the rounded weights, widen `half` back into the f32 working copy with [`widen_f16`].
///
/// # Errors
/// [`crate::Error::DimensionMismatch`] if the lengths differ (nothing written).
#[cfg(feature = "f16")]
pub fn round_to_f16(master: &[f32], half: &mut [half::f16]) -> crate::Result<()> {
    crate::error::check_len("half", master.len(), half.len())?;
    for (h, &x) in half.iter_mut().zip(master) {
        *h = half::f16::from_f32(x);
    }
    Ok(())
}

/// Widens f16 parameters into an f32 buffer (see [`round_to_f16`]).
///
/// # Errors
/// [`crate::Error::DimensionMismatch`] if the lengths differ (nothing written).
#[cfg(feature = "f16")]
pub fn widen_f16(half: &[half::f16], out: &mut [f32]) -> crate::Result<()> {
    crate::error::check_len("out", half.len(), out.len())?;
    for (o, h) in out.iter_mut().zip(half) {
        *o = h.to_f32();
    }
    Ok(())
}
