//! A merged GBNN model (spec §4) in a model file of kind `"gbnn"` (`docs/model-format.md`).
//! Writing needs feature `std` ([`save_gbnn`]); reading ([`gbnn_shape`], [`load_gbnn`]) is
//! `no_std` without allocation, so firmware can load an embedded file into a static buffer.
//!
//! Contents (all f32): `standardize.mean` / `standardize.std` `[d]`, `hidden.weight`
//! `[H, d]`, `hidden.bias` `[H]`, `output.weight` `[K, H]`, `output.bias_prefix` `[T+1, K]`
//! (the output bias of every step prefix, for pruning), `rho` `[T]`, `init` `[K]` (F0); with
//! `H = T·J`. Metadata: `stages` (T, i64), `units` (J, i64), `task` (`"regression"` /
//! `"classification"`), `classes` (i64, classification only), `activation`,
//! `learning_rate` (η, f64).

use super::{GbnnShape, Loss, ModelParts};
use crate::model::Model;
use crate::nn::Activation;
use crate::{Error, Real, Result};

/// The model kind of a saved GBNN.
pub const GBNN_KIND: &str = "gbnn";

fn model_error(reason: &'static str) -> Error {
    Error::Model { reason, offset: 0 }
}

/// The shape stored in a `"gbnn"` model (reads metadata and the `standardize.mean` length).
/// O(tensors + metadata).
///
/// # Errors
/// [`Error::Model`] for another kind, an unknown task or activation, missing/mistyped entries,
/// or zero sizes.
pub fn gbnn_shape(model: &Model<'_>) -> Result<GbnnShape> {
    if model.kind() != GBNN_KIND {
        return Err(model_error("model kind is not gbnn"));
    }
    let steps = model.meta_usize("stages")?;
    let units = model.meta_usize("units")?;
    let loss = match model.meta_str("task")? {
        "regression" => Loss::Squared,
        "classification" => match model.meta_usize("classes")? {
            2 => Loss::LogExponential,
            c if c > 2 => Loss::MultiClass { classes: c },
            _ => return Err(model_error("classes must be >= 2")),
        },
        _ => return Err(model_error("unknown task")),
    };
    let activation =
        Activation::from_name(model.meta_str("activation")?).ok_or(model_error("unknown activation"))?;
    let features = model.tensor("standardize.mean")?.len();
    if steps == 0 || units == 0 || features == 0 {
        return Err(model_error("stages, units and features must be > 0"));
    }
    Ok(GbnnShape { features, steps, units, loss, activation })
}

/// Reads a `"gbnn"` model into `buf_out[..shape.model_len()]` (layout [`ModelParts`]) and
/// returns its shape; a longer buffer is allowed (firmware sizes a static one for the largest
/// model), the tail is left untouched. O(model size). Example: at `save_gbnn` (feature `std`).
///
/// # Errors
/// As [`gbnn_shape`]; [`Error::WorkspaceTooSmall`] if `buf_out` is too short;
/// [`Error::DimensionMismatch`] for tensors of the wrong shape; [`Error::NonFinite`] /
/// [`Error::InvalidParameter`] for a `std` that is not finite and > 0. `buf_out` is
/// unspecified on error.
pub fn load_gbnn<T: Real>(model: &Model<'_>, buf_out: &mut [T]) -> Result<GbnnShape> {
    let shape = gbnn_shape(model)?;
    let len = shape.model_len();
    let given = buf_out.len();
    let buf = buf_out.get_mut(..len).ok_or(Error::WorkspaceTooSmall { needed: len, given })?;
    let (d, t, k, h) = (shape.features, shape.steps, shape.outputs(), shape.hidden());
    let p = ModelParts::split_mut(&shape, buf)?;
    let entries: [(&str, &[usize], &mut [T]); 8] = [
        ("standardize.mean", &[d], p.mean),
        ("standardize.std", &[d], p.std),
        ("hidden.weight", &[h, d], p.w1),
        ("hidden.bias", &[h], p.b1),
        ("output.weight", &[k, h], p.w2),
        ("output.bias_prefix", &[t.saturating_add(1), k], p.bias_prefix),
        ("rho", &[t], p.rho),
        ("init", &[k], p.f0),
    ];
    for (name, dims, out) in entries {
        let tensor = model.tensor(name)?;
        tensor.expect_shape(dims)?;
        for (o, v) in out.iter_mut().zip(tensor.values::<f32>()?) {
            *o = T::from_f64(f64::from(v));
        }
        if name == "standardize.std" {
            for &s in out.iter() {
                crate::real::check_positive("standardize.std", s)?;
            }
        }
    }
    Ok(shape)
}

/// Adds a merged model (`buf`, layout [`ModelParts`], rounded to f32) with its shape and the
/// shrinkage `learning_rate` to `writer`, whose kind should be [`GBNN_KIND`]. O(model size).
///
/// ```
/// use ferrokern::boost::{load_gbnn, model_len, save_gbnn, GbnnShape, Loss};
/// use ferrokern::model::{Model, ModelWriter};
/// use ferrokern::nn::Activation;
/// let shape = GbnnShape { features: 2, steps: 3, units: 1, loss: Loss::LogExponential, activation: Activation::Sigmoid };
/// let buf: Vec<f32> = (0..shape.model_len()).map(|i| 1.0 + i as f32 / 8.0).collect();
/// let mut w = ModelWriter::new("gbnn")?;
/// save_gbnn(&mut w, &shape, &buf, 0.1)?;
/// let bytes = w.to_bytes()?;
/// let mut back = [0.0f32; model_len(2, 3, 1, 1)];
/// assert_eq!(load_gbnn(&Model::parse(&bytes)?, &mut back)?, shape);
/// assert_eq!(&back[..], &buf[..]);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// As [`ModelParts::split`]; [`Error::InvalidParameter`] for names already in the writer;
/// [`Error::NonFinite`] for NaN/inf.
#[cfg(feature = "std")]
pub fn save_gbnn<T: Real>(
    writer: &mut crate::model::ModelWriter,
    shape: &GbnnShape,
    buf: &[T],
    learning_rate: f64,
) -> Result<()> {
    use std::vec::Vec;
    let p = ModelParts::split(shape, buf)?;
    crate::real::check_finite("model", buf)?;
    let i64_of = |v: usize| i64::try_from(v).map_err(|_| Error::SizeOverflow);
    writer.meta_i64("stages", i64_of(shape.steps)?)?;
    writer.meta_i64("units", i64_of(shape.units)?)?;
    match shape.loss {
        Loss::Squared => {
            writer.meta_str("task", "regression")?;
        }
        Loss::LogExponential => {
            writer.meta_str("task", "classification")?.meta_i64("classes", 2)?;
        }
        Loss::MultiClass { classes } => {
            writer.meta_str("task", "classification")?.meta_i64("classes", i64_of(classes)?)?;
        }
    }
    writer.meta_str("activation", shape.activation.name())?;
    writer.meta_f64("learning_rate", learning_rate)?;
    let (d, t, k, h) = (shape.features, shape.steps, shape.outputs(), shape.hidden());
    let f32s = |v: &[T]| v.iter().map(|x| x.to_f64() as f32).collect::<Vec<f32>>();
    let entries: [(&str, &[usize], &[T]); 8] = [
        ("standardize.mean", &[d], p.mean),
        ("standardize.std", &[d], p.std),
        ("hidden.weight", &[h, d], p.w1),
        ("hidden.bias", &[h], p.b1),
        ("output.weight", &[k, h], p.w2),
        ("output.bias_prefix", &[t.saturating_add(1), k], p.bias_prefix),
        ("rho", &[t], p.rho),
        ("init", &[k], p.f0),
    ];
    for (name, dims, values) in entries {
        writer.tensor_f32(name, dims, &f32s(values))?;
    }
    Ok(())
}
