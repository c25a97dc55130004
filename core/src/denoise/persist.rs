//! Flow models in model files (`docs/model-format.md`): the conditional flow teacher (kind
//! `"flow-teacher"`) and the one-step student `G(z, y, w)` (kind `"flow-student"`).
//!
//! Contents: the layer stack in the `"mlp"` layout ([`crate::nn::save_layer_stack`]: tensors
//! `layer<i>.weight` `[out, in]` / `layer<i>.bias` `[out]` as f32, f16 or bf16, metadata
//! `layers`, `layer<i>.activation`) plus the [`CondLayout`] as i64 metadata `pixels`,
//! `time_features`, `classes`, `guidance_input` (0/1). Writing needs feature `std`; reading
//! ([`flow_layout`], [`flow_layers`], [`load_flow_params`]) is `no_std` without allocation.
//! The judge (a digits classifier) is an ordinary `"mlp"` model ([`crate::nn::save_mlp`]).

use super::CondLayout;
use crate::model::Model;
use crate::nn::{layer_stack, load_mlp_params, LayerSpec};
use crate::{Error, Real, Result};

/// Kind of the conditional flow teacher `v(x_t, t, y)`.
pub const FLOW_TEACHER_KIND: &str = "flow-teacher";
/// Kind of the one-step student `G(z, y, w)`.
pub const FLOW_STUDENT_KIND: &str = "flow-student";
/// Most layers a flow model may have ([`load_flow_params`] compares them on the stack).
pub const MAX_FLOW_LAYERS: usize = 8;

/// Which flow model a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FlowModelKind {
    /// The multi-step teacher (no guidance input).
    Teacher,
    /// The one-step student (guidance-scale input).
    Student,
}

impl FlowModelKind {
    /// The model-file kind string ([`FLOW_TEACHER_KIND`] / [`FLOW_STUDENT_KIND`]).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            FlowModelKind::Teacher => FLOW_TEACHER_KIND,
            FlowModelKind::Student => FLOW_STUDENT_KIND,
        }
    }

    /// The kind for a model-file kind string.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        [FlowModelKind::Teacher, FlowModelKind::Student].into_iter().find(|k| k.name() == name)
    }

    /// Whether this kind's layout has the guidance-scale input (only the student).
    #[must_use]
    pub const fn guidance_input(self) -> bool {
        matches!(self, FlowModelKind::Student)
    }
}

fn model_error(reason: &'static str) -> Error {
    Error::Model { reason, offset: 0 }
}

/// Checks that `layout` is usable and has the guidance input exactly for the student.
fn check_layout(kind: FlowModelKind, layout: &CondLayout) -> Result<()> {
    if layout.guidance_input != kind.guidance_input() {
        return Err(model_error("guidance input does not match the flow model kind"));
    }
    if layout.pixels == 0 || !layout.time_features.is_multiple_of(2) || layout.classes == 0 {
        return Err(model_error("bad flow layout"));
    }
    Ok(())
}

/// Checks that `layers` fit `layout` and `kind`: the first layer takes
/// `layout.input_len()` inputs, the last gives `layout.pixels` outputs, the guidance input is
/// present exactly for the student.
fn check_fit(kind: FlowModelKind, layout: &CondLayout, layers: &[LayerSpec]) -> Result<()> {
    check_layout(kind, layout)?;
    let first = layers.first().ok_or(Error::InvalidParameter { name: "layers", reason: "empty" })?;
    let last = layers.last().ok_or(Error::InvalidParameter { name: "layers", reason: "empty" })?;
    crate::error::check_len("flow network inputs", layout.input_len(), first.inputs)?;
    crate::error::check_len("flow network outputs", layout.pixels, last.outputs)?;
    Ok(())
}

/// Reads and validates the [`CondLayout`] of a flow model of `kind`. O(metadata).
///
/// # Errors
/// [`Error::Model`] `"model kind is not the expected flow model"`, `"bad flow layout"`,
/// `"guidance input does not match the flow model kind"`, or missing/mistyped metadata.
pub fn flow_layout(model: &Model<'_>, kind: FlowModelKind) -> Result<CondLayout> {
    if model.kind() != kind.name() {
        return Err(model_error("model kind is not the expected flow model"));
    }
    let guidance = match model.meta_i64("guidance_input")? {
        0 => false,
        1 => true,
        _ => return Err(model_error("bad flow layout")),
    };
    let layout = CondLayout {
        pixels: model.meta_usize("pixels")?,
        time_features: model.meta_usize("time_features")?,
        classes: model.meta_usize("classes")?,
        guidance_input: guidance,
    };
    check_layout(kind, &layout)?;
    Ok(layout)
}

/// Reads the layout and the layer stack of a flow model of `kind` (layers into `out`,
/// capacity ≥ the stored layer count), checking that the stack fits the layout.
/// O(layers · (tensors + metadata)).
///
/// # Errors
/// As [`flow_layout`] and [`crate::nn::layer_stack`]; [`Error::DimensionMismatch`] if the
/// first layer's inputs differ from the layout's input row or the last layer's outputs from
/// its pixels.
pub fn flow_layers<'l>(
    model: &Model<'_>,
    kind: FlowModelKind,
    out: &'l mut [LayerSpec],
) -> Result<(CondLayout, &'l [LayerSpec])> {
    let layout = flow_layout(model, kind)?;
    let layers = layer_stack(model, out)?;
    check_fit(kind, &layout, layers)?;
    Ok((layout, layers))
}

/// Loads the weights of a flow model of `kind` whose layer stack must equal `layers` (e.g.
/// [`super::TEACHER_NET`] / [`super::STUDENT_NET`]) into `params` ([`crate::nn::Mlp`] layout;
/// f16/bf16 weights are widened exactly). Returns the stored layout. O(params).
///
/// # Errors
/// As [`flow_layers`]; [`Error::Model`] `"flow layer stack differs from the expected one"`;
/// [`Error::DimensionMismatch`] for a wrong `params` length; [`Error::InvalidParameter`] for
/// more than [`MAX_FLOW_LAYERS`] layers. `params` is unspecified on error.
///
/// ```
/// # #[cfg(feature = "std")] // the writer half needs `std`
/// # fn main() -> Result<(), ferrokern::Error> {
/// use ferrokern::denoise::{flow_model_writer, load_flow_params, FlowModelKind, STUDENT_LAYOUT, STUDENT_NET};
/// use ferrokern::model::{DType, Model};
/// let n = ferrokern::nn::params_len(&STUDENT_NET);
/// let params: Vec<f32> = (0..n).map(|i| (i % 7) as f32 * 0.25).collect();
/// let w = flow_model_writer(FlowModelKind::Student, &STUDENT_LAYOUT, &STUDENT_NET, &params, DType::F16)?;
/// let bytes = w.to_bytes()?;
/// let model = Model::parse(&bytes)?;
/// let mut back = vec![0.0f32; n];
/// let layout = load_flow_params(&model, FlowModelKind::Student, &STUDENT_NET, &mut back)?;
/// assert_eq!(layout, STUDENT_LAYOUT);
/// assert_eq!(back, params); // multiples of 0.25 are exact in f16
/// assert!(load_flow_params(&model, FlowModelKind::Teacher, &STUDENT_NET, &mut back).is_err());
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "std"))]
/// # fn main() {}
/// ```
pub fn load_flow_params<T: Real>(
    model: &Model<'_>,
    kind: FlowModelKind,
    layers: &[LayerSpec],
    params: &mut [T],
) -> Result<CondLayout> {
    if layers.len() > MAX_FLOW_LAYERS {
        return Err(Error::InvalidParameter { name: "layers", reason: "at most MAX_FLOW_LAYERS" });
    }
    let mut buf = [LayerSpec::new(1, 1, crate::nn::Activation::Identity); MAX_FLOW_LAYERS];
    let (layout, stored) = flow_layers(model, kind, &mut buf)?;
    if stored != layers {
        return Err(model_error("flow layer stack differs from the expected one"));
    }
    load_mlp_params(model, layers, params)?;
    Ok(layout)
}

/// A [`crate::model::ModelWriter`] of `kind` holding `layout` and the network (`layers`,
/// `params` in [`crate::nn::Mlp`] layout, stored as `dtype`: F32, F16 or BF16). The caller may
/// add metadata (seed, training steps…) before `to_bytes`. O(params).
///
/// # Errors
/// [`Error::Model`] if the layout's guidance input does not match `kind` or the layout is
/// bad; [`Error::DimensionMismatch`] if `layers` do not fit the layout or `params` has the
/// wrong length; as [`crate::nn::save_layer_stack`].
#[cfg(feature = "std")]
pub fn flow_model_writer<T: Real>(
    kind: FlowModelKind,
    layout: &CondLayout,
    layers: &[LayerSpec],
    params: &[T],
    dtype: crate::model::DType,
) -> Result<crate::model::ModelWriter> {
    check_fit(kind, layout, layers)?;
    let to_i64 = |v: usize| i64::try_from(v).map_err(|_| Error::SizeOverflow);
    let mut w = crate::model::ModelWriter::new(kind.name())?;
    w.meta_i64("pixels", to_i64(layout.pixels)?)?
        .meta_i64("time_features", to_i64(layout.time_features)?)?
        .meta_i64("classes", to_i64(layout.classes)?)?
        .meta_i64("guidance_input", i64::from(layout.guidance_input))?;
    crate::nn::save_layer_stack(&mut w, layers, params, dtype)?;
    Ok(w)
}
