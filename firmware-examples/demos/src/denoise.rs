//! The denoise demo (issue #7, spec `denoiser.md` §(f).3): the one-step distilled student
//! `G(z, y, w)`, its weights stored as f16 in flash (`firmware-examples/denoise/model/`),
//! generates one 8×8 digit per class from fixed-seed noise, prints each as ASCII art (`#`
//! lines) and as hex bits, and the on-device judge classifies them.
//!
//! RAM stays small although the student has ~106k parameters (212 KB as f16, 424 KB as f32):
//! the model file is parsed in place ([`Model::parse`], zero-copy) and each layer is evaluated
//! in blocks of `BLOCK` (16) output rows whose weights are decoded from flash to f32 just before
//! use ([`StreamedMlp`]); each block is one single-layer [`Mlp::forward`], so the arithmetic
//! is the library's. Only the judge (~2.4k parameters) is decoded whole.
//!
//! Measured (`fw-denoise`, profile `firmware`, `cargo xtask size` / `insncount`): flash
//! 282 KB (of which the student file 213 KB, the judge 11 KB), static RAM 4 B, stack
//! high-water mark 45 KB; one student sample 0.67 M Cortex-M4F instructions, 6.35 per weight:
//! the f16 widening (`ferrokern_simd::widen_f16_le`, `VLDM` + `VCVTB`/`VCVTT` + `VSTM`, 1.5),
//! `Mlp::forward`'s finiteness check of the block (1.4) and the multiply-add (`gemv`, ≈ 2.3
//! with its per-call work). It was 14.7 with the widening and those two loops in Rust, 46.7
//! with `half`'s software widening and a `ChunksExact` step per element, and 49.4 through
//! [`Values`]' per-element dtype dispatch.

use core::fmt::Write;

use embedded_hal::delay::DelayNs;
use ferrokern::denoise::{
    flow_layout, student_inputs, FlowModelKind, CLASSES, HIDDEN, PIXELS, STUDENT_LAYOUT,
};
use ferrokern::model::{DType, Model, Tensor, Values};
use ferrokern::nn::{
    argmax_rows, load_mlp_params, load_standardization, mlp_layers, standardize, Activation, LayerSpec, Mlp,
};
use ferrokern::rng::Pcg32;
use ferrokern::Error;

use crate::{DemoError, HexOut, Summary};

/// 16-byte alignment for an embedded model file (its tensor data offsets are multiples of 16).
#[repr(C, align(16))]
struct Aligned<T: ?Sized>(T);

const STUDENT_LEN: usize = include_bytes!("../../denoise/model/student.fkm").len();
static STUDENT: Aligned<[u8; STUDENT_LEN]> = Aligned(*include_bytes!("../../denoise/model/student.fkm"));
const JUDGE_LEN: usize = include_bytes!("../../../models/denoise/judge.fkm").len();
static JUDGE: Aligned<[u8; JUDGE_LEN]> = Aligned(*include_bytes!("../../../models/denoise/judge.fkm"));

/// The student model file linked into flash (`firmware-examples/denoise/model/student.fkm`,
/// kind `"flow-student"`, f16 weights; made by `ferrokern denoise distill`, the command is in
/// `xtask/src/retrain.rs`).
pub static DENOISE_STUDENT: &[u8] = &STUDENT.0;
/// The judge linked into flash (`models/denoise/judge.fkm`: a digits classifier of kind
/// `"mlp"` trained by `ferrokern train mlp` on the raw 0–16 pixels, with its standardisation).
pub static DENOISE_JUDGE: &[u8] = &JUDGE.0;

/// Samples the demo generates: one per class, class `c` from the `c`-th noise row.
pub const DENOISE_SAMPLES: usize = CLASSES;
/// Seed of the noise: [`DENOISE_SAMPLES`] × 64 values `Pcg32::seed(DENOISE_SEED).normal()`
/// rounded to f32, row-major.
pub const DENOISE_SEED: u64 = 7;
/// Guidance scale `w` given to the student (the spec's acceptance scale).
pub const DENOISE_SCALE: f64 = 2.0;

/// Output rows of a layer decoded from flash at a time (weights `BLOCK × inputs` in RAM).
pub const BLOCK: usize = 16;
/// Widest layer input/output [`StreamedMlp`] accepts.
pub const MAX_WIDTH: usize = HIDDEN;
/// Most layers [`StreamedMlp`] accepts.
pub const MAX_LAYERS: usize = 4;
/// Tensor and metadata names of layer `i` in the `"mlp"` layout (`docs/model-format.md`).
const NAMES: [[&str; 3]; MAX_LAYERS] = [
    ["layer0.weight", "layer0.bias", "layer0.activation"],
    ["layer1.weight", "layer1.bias", "layer1.activation"],
    ["layer2.weight", "layer2.bias", "layer2.activation"],
    ["layer3.weight", "layer3.bias", "layer3.activation"],
];
/// Most judge parameters (64 → 32 → 10 has 2410).
const JUDGE_MAX_PARAMS: usize = 2560;
/// Most judge hidden + output widths summed (for its activation buffer).
const JUDGE_MAX_UNITS: usize = 64;

fn model_error(reason: &'static str) -> Error {
    Error::Model { reason, offset: 0 }
}

/// An MLP whose weights stay in a model file (any float dtype, typically f16 in flash) and are
/// decoded block by block during the forward pass. One row at a time; RAM: `BLOCK` (16)·(width+1)
/// + 2·`MAX_WIDTH` (256) + 2·`BLOCK` (16) f32 on the stack (≈ 19 KB).
#[derive(Clone, Copy, Debug)]
pub struct StreamedMlp<'m> {
    model: Model<'m>,
    layers: [LayerSpec; MAX_LAYERS],
    count: usize,
}

impl<'m> StreamedMlp<'m> {
    /// Reads the layer stack (metadata `layers`, `layer<i>.activation`, tensors
    /// `layer<i>.weight` `[out, in]` and `layer<i>.bias` `[out]`) of any model kind.
    ///
    /// # Errors
    /// [`Error::Model`] for missing entries or an unknown activation,
    /// [`Error::InvalidParameter`] for more than `MAX_LAYERS` (4) layers or a width above
    /// `MAX_WIDTH` (256), [`Error::DimensionMismatch`] for shapes that do not chain.
    pub fn new(model: Model<'m>) -> Result<Self, Error> {
        let count = model.meta_usize("layers")?;
        if count == 0 || count > MAX_LAYERS {
            return Err(Error::InvalidParameter { name: "layers", reason: "must be in 1..=4" });
        }
        let mut layers = [LayerSpec::new(1, 1, Activation::Identity); MAX_LAYERS];
        for (slot, [weight, bias, act]) in layers.iter_mut().zip(NAMES).take(count) {
            let (outputs, inputs) = match model.tensor(weight)?.shape() {
                [o, i] => (*o, *i),
                s => {
                    return Err(Error::DimensionMismatch { what: "weight rank", expected: 2, found: s.len() })
                }
            };
            if outputs > MAX_WIDTH || inputs > MAX_WIDTH {
                return Err(Error::InvalidParameter { name: "layer width", reason: "at most 256" });
            }
            model.tensor(bias)?.expect_shape(&[outputs])?;
            let activation =
                Activation::from_name(model.meta_str(act)?).ok_or(model_error("unknown activation"))?;
            *slot = LayerSpec::new(inputs, outputs, activation);
        }
        let layers_used = layers.get(..count).ok_or(Error::SizeOverflow)?;
        Mlp::new(layers_used)?; // checks that the shapes chain
        Ok(Self { model, layers, count })
    }

    /// The layer stack.
    #[must_use]
    pub fn layers(&self) -> &[LayerSpec] {
        self.layers.get(..self.count).unwrap_or(&[])
    }

    /// Forward pass of one row `x` (`inputs` long) into `out` (`outputs` long). Per block of
    /// `BLOCK` (16) output rows: decode `W[rows]`, `b[rows]` from the file, one
    /// [`Mlp::forward`] of that single-layer block. O(params) time (each weight decoded once).
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] for wrong lengths; [`Error::Model`] if a tensor vanished.
    pub fn forward(&self, x: &[f32], out: &mut [f32]) -> Result<(), Error> {
        let layers = self.layers();
        let first = layers.first().ok_or(Error::SizeOverflow)?;
        let last = layers.last().ok_or(Error::SizeOverflow)?;
        ferrokern::error::check_len("x", first.inputs, x.len())?;
        ferrokern::error::check_len("out", last.outputs, out.len())?;
        let (mut buf_a, mut buf_b) = ([0.0f32; MAX_WIDTH], [0.0f32; MAX_WIDTH]);
        let (mut cur, mut next) = (&mut buf_a, &mut buf_b);
        cur.get_mut(..x.len()).ok_or(Error::SizeOverflow)?.copy_from_slice(x);
        let mut params = [0.0f32; BLOCK * (MAX_WIDTH + 1)];
        let mut acts = [0.0f32; 2 * BLOCK];
        for (l, [weight, bias, _]) in layers.iter().zip(NAMES) {
            // Blocks are consecutive rows: one sequential decoder per tensor, no seeking.
            let mut w = Decoder::new(self.model.tensor(weight)?)?;
            let mut b = Decoder::new(self.model.tensor(bias)?)?;
            let input = cur.get(..l.inputs).ok_or(Error::SizeOverflow)?;
            for r0 in (0..l.outputs).step_by(BLOCK) {
                let rows = BLOCK.min(l.outputs - r0);
                let block = [LayerSpec::new(l.inputs, rows, l.activation)];
                let mlp = Mlp::new(&block)?;
                let p = params.get_mut(..rows * (l.inputs + 1)).ok_or(Error::SizeOverflow)?;
                let (pw, pb) = p.split_at_mut(rows * l.inputs);
                w.next_into(pw)?;
                b.next_into(pb)?;
                let a = acts.get_mut(..2 * rows).ok_or(Error::SizeOverflow)?;
                mlp.forward(p, input, 1, a)?;
                let dst = next.get_mut(r0..r0 + rows).ok_or(Error::SizeOverflow)?;
                dst.copy_from_slice(mlp.output(a, 1)?);
            }
            core::mem::swap(&mut cur, &mut next);
        }
        out.copy_from_slice(cur.get(..out.len()).ok_or(Error::SizeOverflow)?);
        Ok(())
    }
}

/// Sequential reader of a float tensor's elements as f32.
enum Decoder<'m> {
    /// f16 (the student's weights): the bytes not read yet, little-endian halves widened with
    /// `ferrokern_simd::widen_f16` (no per-element dtype dispatch; measured cost in the module
    /// docs).
    F16(&'m [u8]),
    /// Any other float type, through [`Values`].
    Other(Values<'m, f32>),
}

impl<'m> Decoder<'m> {
    fn new(t: Tensor<'m>) -> Result<Self, Error> {
        Ok(match t.dtype() {
            DType::F16 => Decoder::F16(t.bytes()),
            _ => Decoder::Other(t.values::<f32>()?),
        })
    }

    /// The next `out.len()` elements (exact widening).
    fn next_into(&mut self, out: &mut [f32]) -> Result<(), Error> {
        let short = || model_error("tensor shorter than its shape");
        match self {
            Decoder::F16(rest) => {
                // One length check per block, then a loop without per-element bookkeeping.
                let bytes = out.len().checked_mul(2).ok_or_else(short)?;
                let (now, later) = rest.split_at_checked(bytes).ok_or_else(short)?;
                ferrokern_simd::widen_f16_le(now, out);
                *rest = later;
            }
            Decoder::Other(values) => {
                for o in out.iter_mut() {
                    *o = values.next().ok_or_else(short)?;
                }
            }
        }
        Ok(())
    }
}

/// One student sample `G(z, class, w)` (64 pixels into `out`) with the weights read from
/// `student` as needed. O(params).
///
/// # Errors
/// As [`StreamedMlp::forward`]; [`Error::InvalidParameter`] for a class above the null class;
/// [`Error::DimensionMismatch`] if the network does not fit the student layout.
pub fn student_sample(
    student: &StreamedMlp<'_>,
    z: &[f32],
    class: usize,
    w: f64,
    out: &mut [f32],
) -> Result<(), Error> {
    let mut row = [0.0f32; STUDENT_LAYOUT.input_len()];
    student_inputs(&STUDENT_LAYOUT, z, &[class], &[w], &mut row)?;
    student.forward(&row, out)
}

/// The embedded student ([`DENOISE_STUDENT`]) as a [`StreamedMlp`].
///
/// # Errors
/// As [`Model::parse`], [`flow_layout`] (kind `"flow-student"`) and [`StreamedMlp::new`];
/// [`Error::Model`] if the stored layout is not [`STUDENT_LAYOUT`].
pub fn denoise_student() -> Result<StreamedMlp<'static>, Error> {
    let model = Model::parse(DENOISE_STUDENT)?;
    if flow_layout(&model, FlowModelKind::Student)? != STUDENT_LAYOUT {
        return Err(model_error("student layout differs from STUDENT_LAYOUT"));
    }
    StreamedMlp::new(model)
}

/// Fills `z` with the demo's noise (see [`DENOISE_SEED`]).
pub fn denoise_noise(z: &mut [f32]) {
    let mut rng = Pcg32::seed(DENOISE_SEED);
    z.iter_mut().for_each(|v| *v = rng.normal() as f32);
}

/// An 8×8 image in [−1, 1] as 8 lines of a 9-level ramp (`' '` = −1 … `'@'` = 1).
fn ascii_row(row: &[f32]) -> [u8; 8] {
    const RAMP: &[u8; 9] = b" .:-=+*%@";
    let mut line = [b' '; 8];
    for (c, &v) in line.iter_mut().zip(row) {
        // (v + 1)/2 · 9 levels, clamped; NaN maps to level 0.
        let level = ((v + 1.0) * 4.5).clamp(0.0, 8.0) as usize;
        *c = RAMP.get(level).copied().unwrap_or(b'?');
    }
    line
}

/// Generates [`DENOISE_SAMPLES`] digits (class `c` from noise row `c`, w = [`DENOISE_SCALE`]),
/// prints each as ASCII art and its 64 values' hex bits (`x`), then the judge's logits
/// (`logits`, 10 per sample), predicted classes (`class`) and the number classified as their
/// requested class (`correct`). `delay` is unused (one pass).
///
/// Stack: 45 KB measured on the device (streamed student ≈ 18 KB, judge, noise and samples);
/// no heap.
pub fn denoise<W: Write>(out: &mut W, _delay: &mut impl DelayNs) -> Result<Summary, DemoError> {
    let mut p = HexOut::new(out);
    let student = denoise_student()?;
    let weight_type = Model::parse(DENOISE_STUDENT)?.tensor("layer0.weight")?.dtype().name();
    p.note(format_args!(
        "student {STUDENT_LEN} bytes ({weight_type} weights, {} layers), judge {JUDGE_LEN} bytes; w = {}, seed {DENOISE_SEED}",
        student.layers().len(),
        DENOISE_SCALE as u32
    ))?;
    let mut z = [0.0f32; DENOISE_SAMPLES * PIXELS];
    denoise_noise(&mut z);
    let mut samples = [0.0f32; DENOISE_SAMPLES * PIXELS];
    for (c, (zc, xc)) in z.chunks_exact(PIXELS).zip(samples.chunks_exact_mut(PIXELS)).enumerate() {
        student_sample(&student, zc, c, DENOISE_SCALE, xc)?;
        p.note(format_args!("class {c}:"))?;
        for row in xc.chunks_exact(8) {
            let line = ascii_row(row);
            p.note(format_args!("  {}", core::str::from_utf8(&line).unwrap_or("?")))?;
        }
        p.slice("x", xc)?;
    }
    let (logits, classes) = judge(&samples)?;
    p.slice("logits", &logits)?;
    let mut class_values = [0.0f32; DENOISE_SAMPLES];
    for (v, &k) in class_values.iter_mut().zip(&classes) {
        *v = k as f32;
    }
    p.slice("class", &class_values)?;
    let correct = classes.iter().enumerate().filter(|(c, k)| c == *k).count();
    p.note(format_args!("judge: {correct}/{DENOISE_SAMPLES} classified as their requested class"))?;
    p.scalar("correct", correct as f32)?;
    Ok(p.finish()?)
}

/// The judge's logits and classes for the samples: clipped to [−1, 1] (as images are shown),
/// mapped back to the 0–16 pixels the judge was trained on (`8·(x + 1)`, inverse of spec
/// §(f).1's scaling), standardised with the file's statistics.
fn judge(
    samples: &[f32; DENOISE_SAMPLES * PIXELS],
) -> Result<([f32; DENOISE_SAMPLES * CLASSES], [usize; DENOISE_SAMPLES]), Error> {
    let model = Model::parse(DENOISE_JUDGE)?;
    let mut specs = [LayerSpec::new(1, 1, Activation::Identity); MAX_LAYERS];
    let layers = mlp_layers(&model, &mut specs)?;
    let mlp = Mlp::new(layers)?;
    ferrokern::error::check_len("judge inputs", PIXELS, mlp.inputs())?;
    ferrokern::error::check_len("judge outputs", CLASSES, mlp.outputs())?;
    let mut params_buf = [0.0f32; JUDGE_MAX_PARAMS];
    let params = params_buf
        .get_mut(..mlp.params_len())
        .ok_or(Error::WorkspaceTooSmall { needed: mlp.params_len(), given: JUDGE_MAX_PARAMS })?;
    load_mlp_params(&model, layers, params)?;
    let mut x = *samples;
    for v in x.iter_mut() {
        *v = 8.0 * (v.clamp(-1.0, 1.0) + 1.0);
    }
    let (mut mean, mut std) = ([0.0f32; PIXELS], [1.0f32; PIXELS]);
    load_standardization(&model, &mut mean, &mut std)?;
    standardize(&mut x, &mean, &std)?;
    let mut acts_buf = [0.0f32; 2 * JUDGE_MAX_UNITS * DENOISE_SAMPLES];
    let n_acts = mlp.activations_len(DENOISE_SAMPLES)?;
    let acts = acts_buf.get_mut(..n_acts).ok_or(Error::WorkspaceTooSmall { needed: n_acts, given: 0 })?;
    mlp.forward(params, &x, DENOISE_SAMPLES, acts)?;
    let mut logits = [0.0f32; DENOISE_SAMPLES * CLASSES];
    logits.copy_from_slice(mlp.output(acts, DENOISE_SAMPLES)?);
    let mut classes = [0usize; DENOISE_SAMPLES];
    argmax_rows(&logits, CLASSES, &mut classes)?;
    Ok((logits, classes))
}
