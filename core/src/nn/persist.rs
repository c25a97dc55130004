//! An [`Mlp`](super::Mlp) in a model file of kind `"mlp"` (`docs/model-format.md`): layer
//! weights, activations, and the input standardisation. Writing needs feature `std`
//! ([`save_mlp`]); reading ([`mlp_layers`], [`load_mlp_params`], [`load_standardization`]) is
//! `no_std` without allocation.
//!
//! Contents: tensors `layer<i>.weight` `[out, in]` and `layer<i>.bias` `[out]` (f32),
//! `standardize.mean` / `standardize.std` `[inputs]` (f32); metadata `layers` (i64),
//! `layer<i>.activation` (`"identity"`, `"relu"`, `"tanh"`, `"silu"`, `"gelu"`). The caller may
//! add more metadata (e.g. `task`, `classes`).

use super::{Activation, LayerSpec};
use crate::error::check_len;
use crate::model::Model;
use crate::{Error, Real, Result};

/// The model kind of a saved MLP.
pub const MLP_KIND: &str = "mlp";
/// Most layers [`mlp_layers`] reads (names `layer0` … `layer99`).
pub const MAX_LAYERS: usize = 100;

impl Activation {
    /// Name stored in a model file.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Activation::Identity => "identity",
            Activation::Relu => "relu",
            Activation::Tanh => "tanh",
            Activation::Silu => "silu",
            Activation::Gelu => "gelu",
            Activation::Sigmoid => "sigmoid",
        }
    }

    /// The activation called `name` ([`Activation::name`]).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Activation::Identity,
            Activation::Relu,
            Activation::Tanh,
            Activation::Silu,
            Activation::Gelu,
            Activation::Sigmoid,
        ]
        .into_iter()
        .find(|a| a.name() == name)
    }
}

/// `layer<i>.<suffix>` in a stack buffer (at most 32 bytes).
struct LayerName {
    buf: [u8; 32],
    len: usize,
}

impl LayerName {
    fn new(i: usize, suffix: &str) -> Result<Self> {
        if i >= MAX_LAYERS {
            return Err(Error::InvalidParameter { name: "layers", reason: "at most 100" });
        }
        let mut buf = [0u8; 32];
        let digits: &[u8] = &[b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        let digits = if i < 10 { digits.get(1..).unwrap_or(&[]) } else { digits };
        let mut len = 0;
        for part in [b"layer".as_slice(), digits, b".", suffix.as_bytes()] {
            let dst = buf
                .get_mut(len..len + part.len())
                .ok_or(Error::InvalidParameter { name: "name", reason: "too long" })?;
            dst.copy_from_slice(part);
            len += part.len();
        }
        Ok(Self { buf, len })
    }
    fn as_str(&self) -> &str {
        // ASCII digits, "layer", "." and a &str suffix: valid UTF-8.
        self.buf.get(..self.len).and_then(|b| core::str::from_utf8(b).ok()).unwrap_or("")
    }
}

fn model_error(reason: &'static str) -> Error {
    Error::Model { reason, offset: 0 }
}

/// Reads the layer stack of an `"mlp"` model into `out` (capacity ≥ the layer count) and
/// returns the filled prefix. O(layers · (tensors + metadata)).
///
/// # Errors
/// [`Error::Model`] `"model kind is not mlp"`, `"unknown activation"`, or missing/mistyped
/// entries; [`Error::WorkspaceTooSmall`] if `out` is too short; [`Error::InvalidParameter`]
/// for 0 or more than [`MAX_LAYERS`] layers; [`Error::DimensionMismatch`] for weights of bad
/// rank or shapes that do not chain (every shape is checked).
pub fn mlp_layers<'l>(model: &Model<'_>, out: &'l mut [LayerSpec]) -> Result<&'l [LayerSpec]> {
    if model.kind() != MLP_KIND {
        return Err(model_error("model kind is not mlp"));
    }
    layer_stack(model, out)
}

/// [`mlp_layers`] without the kind check: the layer stack of any model that stores one in the
/// `"mlp"` layout (e.g. the flow models of [`crate::denoise`]).
///
/// # Errors
/// As [`mlp_layers`], except the kind.
pub fn layer_stack<'l>(model: &Model<'_>, out: &'l mut [LayerSpec]) -> Result<&'l [LayerSpec]> {
    let count = model.meta_usize("layers")?;
    if count == 0 || count > MAX_LAYERS {
        return Err(Error::InvalidParameter { name: "layers", reason: "must be in 1..=100" });
    }
    if out.len() < count {
        return Err(Error::WorkspaceTooSmall { needed: count, given: out.len() });
    }
    let mut prev: Option<usize> = None;
    for (i, slot) in out.iter_mut().take(count).enumerate() {
        let w = model.tensor(LayerName::new(i, "weight")?.as_str())?;
        let (outputs, inputs) = match w.shape() {
            [o, i] => (*o, *i),
            s => return Err(Error::DimensionMismatch { what: "weight rank", expected: 2, found: s.len() }),
        };
        model.tensor(LayerName::new(i, "bias")?.as_str())?.expect_shape(&[outputs])?;
        if let Some(p) = prev {
            check_len("layer inputs", p, inputs)?;
        }
        prev = Some(outputs);
        let act = model.meta_str(LayerName::new(i, "activation")?.as_str())?;
        let activation = Activation::from_name(act).ok_or(model_error("unknown activation"))?;
        *slot = LayerSpec::new(inputs, outputs, activation);
    }
    Ok(out.get(..count).unwrap_or(&[]))
}

/// Reads the weights of `layers` (from [`mlp_layers`]) into `params` (layout of
/// [`Mlp`](super::Mlp)). O(params).
///
/// # Errors
/// As [`Model::tensor`] / [`crate::model::Tensor::expect_shape`];
/// [`Error::DimensionMismatch`] for a wrong `params` length. `params` is unspecified on error.
pub fn load_mlp_params<T: Real>(model: &Model<'_>, layers: &[LayerSpec], params: &mut [T]) -> Result<()> {
    check_len("params", super::params_len(layers), params.len())?;
    let mut rest = params;
    for (i, l) in layers.iter().enumerate() {
        for (suffix, shape, len) in [
            ("weight", [l.outputs, l.inputs].as_slice(), l.outputs * l.inputs),
            ("bias", [l.outputs].as_slice(), l.outputs),
        ] {
            let t = model.tensor(LayerName::new(i, suffix)?.as_str())?;
            t.expect_shape(shape)?;
            let (dst, tail) =
                core::mem::take(&mut rest).split_at_mut_checked(len).ok_or(Error::SizeOverflow)?;
            rest = tail;
            for (d, v) in dst.iter_mut().zip(t.values::<f32>()?) {
                *d = T::from_f64(f64::from(v));
            }
        }
    }
    Ok(())
}

/// Reads `standardize.mean` / `standardize.std` (`[inputs]` each) into `mean` and `std`.
///
/// # Errors
/// As [`Model::tensor`]; [`Error::DimensionMismatch`] if a shape differs from `[mean.len()]`.
pub fn load_standardization<T: Real>(model: &Model<'_>, mean: &mut [T], std: &mut [T]) -> Result<()> {
    check_len("std", mean.len(), std.len())?;
    for (name, out) in [("standardize.mean", mean), ("standardize.std", std)] {
        let t = model.tensor(name)?;
        t.expect_shape(&[out.len()])?;
        for (d, v) in out.iter_mut().zip(t.values::<f32>()?) {
            *d = T::from_f64(f64::from(v));
        }
    }
    Ok(())
}

/// Adds an MLP (`layers`, `params` in [`Mlp`](super::Mlp) layout, rounded to f32) and its
/// input standardisation `mean`/`std` (`[inputs]`) to `writer`, whose kind should be
/// [`MLP_KIND`]. O(params).
///
/// ```
/// use ferrokern::model::{Model, ModelWriter};
/// use ferrokern::nn::{load_mlp_params, mlp_layers, save_mlp, Activation, LayerSpec};
/// let net = [LayerSpec::new(2, 3, Activation::Relu), LayerSpec::new(3, 1, Activation::Identity)];
/// let params: Vec<f32> = (0..13).map(|i| i as f32 / 10.0).collect();
/// let mut w = ModelWriter::new("mlp")?;
/// save_mlp(&mut w, &net, &params, &[0.0, 1.0], &[1.0, 2.0])?;
/// let bytes = w.to_bytes()?;
/// let model = Model::parse(&bytes)?;
/// let mut specs = [LayerSpec::new(1, 1, Activation::Identity); 4];
/// let layers = mlp_layers(&model, &mut specs)?;
/// assert_eq!(layers, &net);
/// let mut back = [0.0f32; 13];
/// load_mlp_params(&model, layers, &mut back)?;
/// assert_eq!(&back[..], &params[..]);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] for wrong lengths; [`Error::InvalidParameter`] for more than
/// [`MAX_LAYERS`] layers or names already in the writer; [`Error::NonFinite`] for NaN/inf.
#[cfg(feature = "std")]
pub fn save_mlp<T: Real>(
    writer: &mut crate::model::ModelWriter,
    layers: &[LayerSpec],
    params: &[T],
    mean: &[T],
    std: &[T],
) -> Result<()> {
    use std::vec::Vec;
    let mlp = super::Mlp::new(layers)?;
    check_len("params", mlp.params_len(), params.len())?;
    check_len("mean", mlp.inputs(), mean.len())?;
    check_len("std", mlp.inputs(), std.len())?;
    save_layer_stack(writer, layers, params, crate::model::DType::F32)?;
    let f32s = |v: &[T]| v.iter().map(|x| x.to_f64() as f32).collect::<Vec<f32>>();
    writer.tensor_f32("standardize.mean", &[mean.len()], &f32s(mean))?;
    writer.tensor_f32("standardize.std", &[std.len()], &f32s(std))?;
    Ok(())
}

/// Adds the layer stack of an MLP (metadata `layers`, `layer<i>.activation`; tensors
/// `layer<i>.weight`/`.bias`) to `writer`, the weights stored as `dtype` (F32, F16 or BF16,
/// rounded to nearest); the part of [`save_mlp`] without the standardisation, for any kind.
/// O(params).
///
/// # Errors
/// [`Error::DimensionMismatch`] for a wrong `params` length; [`Error::InvalidParameter`] for
/// a non-float `dtype`, more than [`MAX_LAYERS`] layers or names already in the writer;
/// [`Error::NonFinite`] for NaN/inf or values beyond the range of `dtype`.
#[cfg(feature = "std")]
pub fn save_layer_stack<T: Real>(
    writer: &mut crate::model::ModelWriter,
    layers: &[LayerSpec],
    params: &[T],
    dtype: crate::model::DType,
) -> Result<()> {
    use crate::model::DType;
    use std::vec::Vec;
    let mlp = super::Mlp::new(layers)?;
    check_len("params", mlp.params_len(), params.len())?;
    if layers.len() > MAX_LAYERS {
        return Err(Error::InvalidParameter { name: "layers", reason: "at most 100" });
    }
    if !dtype.is_float() {
        return Err(Error::InvalidParameter { name: "dtype", reason: "must be f32, f16 or bf16" });
    }
    let f32s = |v: &[T]| v.iter().map(|x| x.to_f64() as f32).collect::<Vec<f32>>();
    let put = |w: &mut crate::model::ModelWriter, name: &str, shape: &[usize], v: &[T]| match dtype {
        DType::F16 => w.tensor_f16(name, shape, &f32s(v)).map(|_| ()),
        DType::BF16 => w.tensor_bf16(name, shape, &f32s(v)).map(|_| ()),
        _ => w.tensor_f32(name, shape, &f32s(v)).map(|_| ()),
    };
    writer.meta_i64("layers", i64::try_from(layers.len()).map_err(|_| Error::SizeOverflow)?)?;
    let mut rest = params;
    for (i, l) in layers.iter().enumerate() {
        let (w, tail) = rest.split_at_checked(l.outputs * l.inputs).ok_or(Error::SizeOverflow)?;
        let (b, tail) = tail.split_at_checked(l.outputs).ok_or(Error::SizeOverflow)?;
        rest = tail;
        put(writer, LayerName::new(i, "weight")?.as_str(), &[l.outputs, l.inputs], w)?;
        put(writer, LayerName::new(i, "bias")?.as_str(), &[l.outputs], b)?;
        writer.meta_str(LayerName::new(i, "activation")?.as_str(), l.activation.name())?;
    }
    Ok(())
}
