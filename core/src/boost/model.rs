//! The merged network (spec §4) as named slices of one caller buffer, and its prefix
//! inference (spec §5).

use super::Loss;
use crate::error::{add_size, check_len, mul_size};
use crate::linalg::Trans;
use crate::nn::{standardize, Activation};
use crate::{Error, Real, Result};

/// Dimensions of a merged model: `features` inputs (d), `steps` (T) × `units` (J) hidden
/// units, `loss` (which fixes the K outputs and the output activation) and the hidden
/// activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GbnnShape {
    /// Input features d.
    pub features: usize,
    /// Boosting steps T.
    pub steps: usize,
    /// Hidden units per step J.
    pub units: usize,
    /// Loss (K = `loss.outputs()`).
    pub loss: Loss,
    /// Hidden activation φ.
    pub activation: Activation,
}

impl GbnnShape {
    /// Hidden units of the merged network, `T·J` (saturating).
    #[must_use]
    pub const fn hidden(&self) -> usize {
        self.steps.saturating_mul(self.units)
    }

    /// Outputs K.
    #[must_use]
    pub const fn outputs(&self) -> usize {
        self.loss.outputs()
    }

    /// Model buffer length, [`model_len`] of this shape.
    #[must_use]
    pub const fn model_len(&self) -> usize {
        model_len(self.features, self.steps, self.units, self.outputs())
    }
}

/// Elements of a merged model buffer for `d = features`, `T = steps`, `J = units`,
/// `K = outputs`, `H = T·J` (saturating). Layout, in order:
/// `mean (d) | std (d) | W1 (H × d) | b1 (H) | W2 (K × H) | bias_prefix ((T+1) × K) |
/// rho (T) | f0 (K)` — see [`ModelParts`].
#[must_use]
pub const fn model_len(features: usize, steps: usize, units: usize, outputs: usize) -> usize {
    let h = steps.saturating_mul(units);
    let per_hidden = features.saturating_add(1).saturating_add(outputs);
    features
        .saturating_mul(2)
        .saturating_add(h.saturating_mul(per_hidden))
        .saturating_add(steps.saturating_add(1).saturating_mul(outputs))
        .saturating_add(steps)
        .saturating_add(outputs)
}

/// The named parts of a model buffer (plain row-major slices, ready for a file format).
#[derive(Debug)]
pub struct ModelParts<S> {
    /// Feature means of the training rows (d); inputs are standardised as `(x − mean)/std`.
    pub mean: S,
    /// Feature population std of the training rows (d; 1 for a constant feature).
    pub std: S,
    /// Input weights `W1` (`H × d`): rows `tJ..(t+1)J` are step t's hidden units.
    pub w1: S,
    /// Hidden biases `b1` (H).
    pub b1: S,
    /// Output weights `W2` (`K × H`): columns of step t are `c·ρ_t·W2ᵗ`.
    pub w2: S,
    /// Output biases of every prefix ((T+1) × K): row t is `c·(F0 + Σ_{s≤t} ρ_s b2ˢ)`;
    /// row 0 is `c·F0`, row T is the merged network's `b2`.
    pub bias_prefix: S,
    /// Step sizes `ρ_t` after shrinkage and clipping (T).
    pub rho: S,
    /// Initial constant `F0` (K).
    pub f0: S,
}

/// Part lengths in layout order.
fn part_lens(shape: &GbnnShape) -> Result<[usize; 8]> {
    let (d, t, k) = (shape.features, shape.steps, shape.outputs());
    let h = mul_size(t, shape.units)?;
    Ok([d, d, mul_size(h, d)?, h, mul_size(k, h)?, mul_size(add_size(t, 1)?, k)?, t, k])
}

fn check_shape(shape: &GbnnShape) -> Result<()> {
    if shape.features == 0 || shape.steps == 0 || shape.units == 0 || shape.outputs() == 0 {
        return Err(Error::InvalidParameter {
            name: "shape",
            reason: "features, steps, units, outputs must be > 0",
        });
    }
    Ok(())
}

macro_rules! split_parts {
    ($buf:expr, $lens:expr, $split:ident) => {{
        let [a, b, c, d, e, f, g, h] = $lens;
        let (mean, rest) = $buf.$split(a).ok_or(Error::SizeOverflow)?;
        let (std, rest) = rest.$split(b).ok_or(Error::SizeOverflow)?;
        let (w1, rest) = rest.$split(c).ok_or(Error::SizeOverflow)?;
        let (b1, rest) = rest.$split(d).ok_or(Error::SizeOverflow)?;
        let (w2, rest) = rest.$split(e).ok_or(Error::SizeOverflow)?;
        let (bias_prefix, rest) = rest.$split(f).ok_or(Error::SizeOverflow)?;
        let (rho, f0) = rest.$split(g).ok_or(Error::SizeOverflow)?;
        check_len("f0", h, f0.len())?;
        ModelParts { mean, std, w1, b1, w2, bias_prefix, rho, f0 }
    }};
}

impl<'a, T> ModelParts<&'a [T]> {
    /// Splits a model buffer of exactly `shape.model_len()` elements.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a zero dimension, [`Error::DimensionMismatch`] for a
    /// wrong length, [`Error::SizeOverflow`].
    pub fn split(shape: &GbnnShape, buf: &'a [T]) -> Result<Self> {
        check_shape(shape)?;
        check_len("model", shape.model_len(), buf.len())?;
        Ok(split_parts!(buf, part_lens(shape)?, split_at_checked))
    }
}

impl<'a, T> ModelParts<&'a mut [T]> {
    /// Splits a mutable model buffer of exactly `shape.model_len()` elements.
    ///
    /// # Errors
    /// As [`ModelParts::split`].
    pub fn split_mut(shape: &GbnnShape, buf: &'a mut [T]) -> Result<Self> {
        check_shape(shape)?;
        check_len("model", shape.model_len(), buf.len())?;
        Ok(split_parts!(buf, part_lens(shape)?, split_at_mut_checked))
    }
}

/// Read-only view of a merged model with inference over any prefix of its hidden units.
///
/// Keeping the first `k ≤ T·J` hidden units (the last-trained switched off) gives the staged
/// model: for `k = t'·J` exactly the ensemble after `t'` steps (spec §5), with no weights
/// copied — the loop bound shrinks and the output bias is row `⌈k/J⌉` of `bias_prefix`.
///
/// ```
/// use ferrokern::boost::{model_len, GbnnShape, Loss, MergedModel};
/// use ferrokern::nn::Activation;
/// // A hand-made regression model: 1 feature, 2 steps of 1 unit.
/// let shape = GbnnShape { features: 1, steps: 2, units: 1, loss: Loss::Squared, activation: Activation::Identity };
/// let model: [f64; model_len(1, 2, 1, 1)] = [
///     0.0, 1.0,      // mean, std
///     1.0, 2.0,      // W1
///     0.0, 0.0,      // b1
///     0.5, 0.25,     // W2
///     3.0, 3.0, 3.0, // bias prefix (F0 = 3, b2 = 0)
///     0.5, 0.25,     // rho
///     3.0,           // F0
/// ];
/// let m = MergedModel::new(shape, &model)?;
/// let mut out = [0.0; 1];
/// let mut scratch = [0.0; MergedModel::<f64>::scratch_len(1, 2, 1)];
/// m.predict(&[2.0], 2, &mut out, &mut scratch)?;
/// assert_eq!(out[0], 3.0 + 0.5 * 2.0 + 0.25 * 4.0);
/// m.predict(&[2.0], 1, &mut out, &mut scratch)?; // first step only
/// assert_eq!(out[0], 3.0 + 0.5 * 2.0);
/// # Ok::<(), ferrokern::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct MergedModel<'a, T> {
    shape: GbnnShape,
    buf: &'a [T],
}

impl<'a, T: Real> MergedModel<'a, T> {
    /// A view over `buf` (`shape.model_len()` elements, layout [`ModelParts`]). The whole
    /// buffer is scanned for NaN/inf once here (O(model_len)), so predictions need not.
    ///
    /// # Errors
    /// As [`ModelParts::split`]; [`Error::NonFinite`] (`what` = `"model"`) for a NaN/inf
    /// anywhere in `buf`; [`Error::InvalidParameter`] if a `std` is not > 0.
    pub fn new(shape: GbnnShape, buf: &'a [T]) -> Result<Self> {
        let parts = ModelParts::split(&shape, buf)?;
        crate::real::check_finite("model", buf)?;
        for &s in parts.std {
            crate::real::check_positive("std", s)?;
        }
        Ok(Self { shape, buf })
    }

    /// The shape.
    #[must_use]
    pub fn shape(&self) -> GbnnShape {
        self.shape
    }

    /// The named weight slices.
    #[must_use]
    pub fn parts(&self) -> ModelParts<&'a [T]> {
        // Validated in `new`; the fallback is unreachable.
        ModelParts::split(&self.shape, self.buf).unwrap_or(ModelParts {
            mean: &[],
            std: &[],
            w1: &[],
            b1: &[],
            w2: &[],
            bias_prefix: &[],
            rho: &[],
            f0: &[],
        })
    }

    /// Scratch elements for inference in chunks of `rows` rows with `hidden` units:
    /// `rows·(features + hidden)` (saturating). Any `rows ≥ 1` works; more rows per chunk
    /// means fewer, larger `gemm` calls.
    #[must_use]
    pub const fn scratch_len(features: usize, hidden: usize, rows: usize) -> usize {
        rows.saturating_mul(features.saturating_add(hidden))
    }

    /// Raw outputs `z = c·F_k(x)` (`rows × K`, before the output activation) of the first
    /// `units` hidden units for the rows of `x` (`rows × d`, raw features: standardised here
    /// with the stored statistics). Runs in chunks of `scratch.len() / (d + units)` rows: two
    /// `gemm` calls per chunk. O(rows · units · (d + K)).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `units > T·J`; [`Error::DimensionMismatch`] if `x` is not
    /// `rows × d` or `out` is not `rows × K`; [`Error::WorkspaceTooSmall`] if `scratch` is
    /// shorter than one row's `d + units`; [`Error::NonFinite`] (`what` = `"x"`) for a NaN/inf
    /// in `x` (scanned before anything is written); [`Error::NumericalFailure`]
    /// (`"model scores overflow"`) if finite inputs give a score outside `T`'s range (e.g. `x`
    /// near `T::MAX`), found by one O(rows·K) scan of `out` — `out` and `scratch` then hold
    /// unspecified values.
    pub fn scores(&self, x: &[T], units: usize, out: &mut [T], scratch: &mut [T]) -> Result<()> {
        let p = self.parts();
        let (d, k, h, j) = (self.shape.features, self.shape.outputs(), self.shape.hidden(), self.shape.units);
        if units > h {
            return Err(Error::InvalidParameter { name: "units", reason: "must be <= steps * units" });
        }
        let rows = x.len() / d;
        check_len("x", mul_size(rows, d)?, x.len())?;
        check_len("out", mul_size(rows, k)?, out.len())?;
        let per_row = add_size(d, units)?;
        let chunk = scratch.len() / per_row;
        if chunk == 0 {
            return Err(Error::WorkspaceTooSmall { needed: per_row, given: scratch.len() });
        }
        crate::real::check_finite("x", x)?;
        let bias_row = units.div_ceil(j);
        let bias = p.bias_prefix.get(bias_row * k..(bias_row + 1) * k).ok_or(Error::SizeOverflow)?;
        let (w1, b1) = (p.w1.get(..units * d).unwrap_or(&[]), p.b1.get(..units).unwrap_or(&[]));
        for (xc, oc) in x.chunks(chunk * d).zip(out.chunks_mut(chunk * k)) {
            let n = oc.len() / k;
            let (xs, rest) = scratch.split_at_mut_checked(n * d).ok_or(Error::SizeOverflow)?;
            let hid = rest.get_mut(..n * units).ok_or(Error::SizeOverflow)?;
            xs.copy_from_slice(xc);
            standardize(xs, p.mean, p.std)?;
            if units > 0 {
                // Hidden layer: H = φ(Xs·W1[..units]ᵀ + b1).
                T::gemm(Trans::No, Trans::Yes, n, units, d, T::ONE, xs, d, w1, d, T::ZERO, hid, units);
                for row in hid.chunks_exact_mut(units) {
                    T::axpy(T::ONE, b1, row);
                    row.iter_mut().for_each(|v| *v = self.shape.activation.value(*v));
                }
                // Output layer over the first `units` columns of W2 (row stride H).
                T::gemm(Trans::No, Trans::Yes, n, k, units, T::ONE, hid, units, p.w2, h, T::ZERO, oc, k);
            } else {
                oc.fill(T::ZERO);
            }
            for row in oc.chunks_exact_mut(k) {
                T::axpy(T::ONE, bias, row);
            }
        }
        overflow_check(out, "model scores overflow")
    }

    /// [`MergedModel::scores`] followed by the output activation: identity (regression),
    /// `P(class 1) = σ(z)` (binary), softmax probabilities (multi-class).
    ///
    /// # Errors
    /// As [`MergedModel::scores`]; [`Error::NumericalFailure`] (`"model scores overflow"`)
    /// leaves unspecified values in `out`.
    pub fn predict(&self, x: &[T], units: usize, out: &mut [T], scratch: &mut [T]) -> Result<()> {
        self.scores(x, units, out, scratch)?;
        match self.shape.loss {
            Loss::Squared => {}
            Loss::LogExponential => out.iter_mut().for_each(|v| *v = v.sigmoid()),
            Loss::MultiClass { classes } => out.chunks_exact_mut(classes).for_each(T::softmax),
        }
        // Sigmoid/softmax of finite scores are finite; the scan guards the activation anyway.
        overflow_check(out, "model scores overflow")
    }

    /// [`MergedModel::predict`] with the first `steps` boosting steps (`steps·J` units): the
    /// staged model `F_steps` (spec §5 `predict_truncated`).
    ///
    /// # Errors
    /// As [`MergedModel::scores`] (`steps > T` is [`Error::InvalidParameter`]; on
    /// [`Error::NumericalFailure`] `out` holds unspecified values).
    pub fn predict_steps(&self, x: &[T], steps: usize, out: &mut [T], scratch: &mut [T]) -> Result<()> {
        self.predict(x, mul_size(steps, self.shape.units)?, out, scratch)
    }

    /// Class labels from [`MergedModel::scores`] or [`MergedModel::predict`] output
    /// (`rows × K`): `z > 0` (or `P > ½`) ↦ 1 for binary, argmax for multi-class.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a regression model; [`Error::DimensionMismatch`] for
    /// wrong lengths.
    pub fn classes(&self, outputs: &[T], probabilities: bool, labels: &mut [usize]) -> Result<()> {
        match self.shape.loss {
            Loss::Squared => {
                Err(Error::InvalidParameter { name: "model", reason: "regression has no classes" })
            }
            Loss::LogExponential => {
                check_len("outputs", labels.len(), outputs.len())?;
                let cut = if probabilities { T::HALF } else { T::ZERO };
                for (l, &o) in labels.iter_mut().zip(outputs) {
                    *l = usize::from(o > cut);
                }
                Ok(())
            }
            Loss::MultiClass { classes } => crate::nn::argmax_rows(outputs, classes, labels),
        }
    }
}

/// `Err(NumericalFailure { what })` if `out` holds ±inf/NaN after finite inputs overflowed.
fn overflow_check<T: Real>(out: &[T], what: &'static str) -> Result<()> {
    crate::real::check_finite(what, out).map_err(|_| Error::NumericalFailure { what })
}
