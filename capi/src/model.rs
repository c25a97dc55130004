//! Inference from a model file (`.fkm`, `docs/model-format.md`) held in caller memory:
//! MLP (kind `"mlp"`) and merged GBNN (kind `"gbnn"`). The blob is parsed and validated on
//! every call (O(tensors)); the weights are read into `work` as f32.

use ferrokern::boost::{gbnn_shape, load_gbnn, GbnnShape, MergedModel, GBNN_KIND};
use ferrokern::model::Model;
use ferrokern::nn::{
    load_mlp_params, load_standardization, mlp_layers, standardize, Activation, LayerSpec, Mlp, MLP_KIND,
};

use crate::ptr::{dims, disjoint, out, slice, slice_mut, span};
use crate::status::{fk_status, run, Res};

/// `fk_model_info.kind` of an MLP (file kind `"mlp"`).
pub const FK_MODEL_MLP: u32 = 1;
/// `fk_model_info.kind` of a merged GBNN (file kind `"gbnn"`).
pub const FK_MODEL_GBNN: u32 = 2;
/// Most layers of an MLP these functions read (a stack buffer of layer descriptions).
pub const FK_MLP_MAX_LAYERS: usize = 16;

/// What [`fk_model_info_f32`] found in a model file.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct fk_model_info {
    /// `FK_MODEL_MLP` or `FK_MODEL_GBNN`.
    pub kind: u32,
    /// Features per input row.
    pub inputs: usize,
    /// Values per output row.
    pub outputs: usize,
    /// Scratch floats [`fk_model_predict_f32`] needs for the `rows` given to
    /// [`fk_model_info_f32`] (weights included).
    pub work_len: usize,
}

/// A parsed, shape-checked model.
// No heap to box the layer table into; one value per call lives on the stack (~400 B).
#[allow(clippy::large_enum_variant)]
enum Net {
    Mlp { layers: [LayerSpec; FK_MLP_MAX_LAYERS], count: usize },
    Gbnn(GbnnShape),
}

impl Net {
    fn read(model: &Model<'_>) -> Res<Self> {
        match model.kind() {
            MLP_KIND => {
                let mut layers = [LayerSpec::new(1, 1, Activation::Identity); FK_MLP_MAX_LAYERS];
                let count = mlp_layers(model, &mut layers)?.len();
                Ok(Net::Mlp { layers, count })
            }
            GBNN_KIND => Ok(Net::Gbnn(gbnn_shape(model)?)),
            _ => Err(fk_status::FK_ERR_MODEL),
        }
    }

    fn mlp(layers: &[LayerSpec; FK_MLP_MAX_LAYERS], count: usize) -> Res<Mlp<'_>> {
        Ok(Mlp::new(layers.get(..count).ok_or(fk_status::FK_ERR_MODEL)?)?)
    }

    /// (kind, inputs, outputs, work floats for `rows` rows).
    fn describe(&self, rows: usize) -> Res<(u32, usize, usize, usize)> {
        let overflow = fk_status::FK_ERR_SIZE_OVERFLOW;
        let rows = rows.max(1);
        match self {
            Net::Mlp { layers, count } => {
                let mlp = Self::mlp(layers, *count)?;
                let d = mlp.inputs();
                // params | mean | std | standardised x | activations
                let work = [mlp.params_len(), d, d, dims(rows, d)?, mlp.activations_len(rows)?]
                    .into_iter()
                    .try_fold(0usize, usize::checked_add)
                    .ok_or(overflow)?;
                Ok((FK_MODEL_MLP, d, mlp.outputs(), work))
            }
            Net::Gbnn(shape) => {
                let per_row = shape.features.checked_add(shape.hidden()).ok_or(overflow)?;
                let work = dims(rows, per_row)?.checked_add(shape.model_len()).ok_or(overflow)?;
                Ok((FK_MODEL_GBNN, shape.features, shape.outputs(), work))
            }
        }
    }
}

/// Splits `len` elements off the front of `buf`.
fn take<'a>(buf: &mut &'a mut [f32], len: usize) -> Res<&'a mut [f32]> {
    let (head, tail) =
        core::mem::take(buf).split_at_mut_checked(len).ok_or(fk_status::FK_ERR_WORKSPACE_TOO_SMALL)?;
    *buf = tail;
    Ok(head)
}

/// Kind, input/output widths and the scratch needed to predict `rows` rows (0 counts as 1)
/// of the model file `model` (`model_len` bytes). Cost: O(tensors + metadata), no memory.
///
/// Errors: `FK_ERR_NULL_POINTER`, `FK_ERR_OVERLAP`, `FK_ERR_MODEL` (malformed file, kind not
/// `"mlp"`/`"gbnn"`, missing entries), `FK_ERR_WORKSPACE_TOO_SMALL` (an MLP with more than
/// `FK_MLP_MAX_LAYERS` layers), `FK_ERR_DIMENSION_MISMATCH` (shapes that do not chain),
/// `FK_ERR_SIZE_OVERFLOW`.
///
/// # Safety
/// `model` addresses `model_len` bytes, `info` one `fk_model_info`.
#[no_mangle]
pub unsafe extern "C" fn fk_model_info_f32(
    model: *const u8,
    model_len: usize,
    rows: usize,
    info: *mut fk_model_info,
) -> fk_status {
    run(|| {
        disjoint(&[span(info, 1)?], &[span(model, model_len)?])?;
        // SAFETY: lengths as documented (the C caller's contract); `info` disjoint (checked).
        let (bytes, info) = unsafe { (slice(model, model_len)?, out(info)?) };
        let (kind, inputs, outputs, work_len) = Net::read(&Model::parse(bytes)?)?.describe(rows)?;
        *info = fk_model_info { kind, inputs, outputs, work_len };
        Ok(())
    })
}

/// Predicts `rows` rows of `x` (`rows × inputs` row-major, raw features: the model's stored
/// standardisation is applied here) into `out` (`rows × outputs`), with the model file
/// `model` (`model_len` bytes; widths from [`fk_model_info_f32`]).
/// - MLP: the last layer's activations (logits for an identity output layer; no softmax).
/// - GBNN: the prediction of all boosting steps — the value (regression), `P(class 1)`
///   (binary) or softmax probabilities (multi-class).
///
/// `work` needs `fk_model_info.work_len` floats for these `rows` (a GBNN also runs with less,
/// down to the 1-row size, in chunks). Cost: O(model size) to read the weights, then
/// O(rows · weights) multiply-adds through `gemm`.
///
/// Errors: as [`fk_model_info_f32`], plus `FK_ERR_INVALID_PARAMETER` (`rows == 0`),
/// `FK_ERR_NON_FINITE` (stored weights), `FK_ERR_WORKSPACE_TOO_SMALL`; `out` is unspecified
/// on error.
///
/// # Safety
/// `model` addresses `model_len` bytes, `x` `rows·inputs` floats, `out` `rows·outputs`,
/// `work` `work_len` floats.
#[no_mangle]
pub unsafe extern "C" fn fk_model_predict_f32(
    model: *const u8,
    model_len: usize,
    x: *const f32,
    rows: usize,
    out_scores: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> fk_status {
    run(|| {
        if rows == 0 {
            return Err(fk_status::FK_ERR_INVALID_PARAMETER);
        }
        // Shapes come from the blob, so it is read (not yet borrowed mutably) first.
        // SAFETY: length as documented (the C caller's contract); read only.
        let bytes = unsafe { slice(model, model_len)? };
        let parsed = Model::parse(bytes)?;
        let net = Net::read(&parsed)?;
        let (_, inputs, outputs, _) = net.describe(rows)?;
        let (xn, on) = (dims(rows, inputs)?, dims(rows, outputs)?);
        disjoint(&[span(out_scores, on)?, span(work, work_len)?], &[span(model, model_len)?, span(x, xn)?])?;
        // SAFETY: lengths as documented; the outputs are disjoint from each other and from
        // the inputs (checked).
        let (x, out_scores, work) =
            unsafe { (slice(x, xn)?, slice_mut(out_scores, on)?, slice_mut(work, work_len)?) };
        match &net {
            Net::Mlp { layers, count } => {
                let mlp = Net::mlp(layers, *count)?;
                let mut rest = work;
                let params = take(&mut rest, mlp.params_len())?;
                let mean = take(&mut rest, inputs)?;
                let std = take(&mut rest, inputs)?;
                let xs = take(&mut rest, xn)?;
                let acts = take(&mut rest, mlp.activations_len(rows)?)?;
                load_mlp_params(&parsed, mlp.layers(), params)?;
                load_standardization(&parsed, mean, std)?;
                xs.copy_from_slice(x);
                standardize(xs, mean, std)?;
                mlp.forward(params, xs, rows, acts)?;
                out_scores.copy_from_slice(mlp.output(acts, rows)?);
            }
            Net::Gbnn(shape) => {
                let mut rest = work;
                let weights = take(&mut rest, shape.model_len())?;
                load_gbnn(&parsed, weights)?;
                let net = MergedModel::new(*shape, weights)?;
                net.predict(x, shape.hidden(), out_scores, rest)?;
            }
        }
        Ok(())
    })
}
