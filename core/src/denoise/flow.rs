//! The spec's class-conditional rectified flow over 8×8 images (`denoiser.md` §(f).2–3):
//! input layout `[pixels ‖ sinusoidal t-embedding ‖ one-hot label incl. null (‖ w)]` into an
//! [`Mlp`], flow-matching minibatches with label dropout, a training epoch, and the one-step
//! student's input/targets.

use crate::error::{add_size, check_len, mul_size};
use crate::nn::{gather, gather_rows, train_step, Activation, LayerSpec, Mlp, Target, TrainBuffers};
use crate::optim::{Moment, Optimizer};
use crate::rng::Pcg32;
use crate::{Error, Real, Result};

/// Pixels of an 8×8 image.
pub const PIXELS: usize = 64;
/// Digit classes; the null class (guidance) is index `CLASSES`.
pub const CLASSES: usize = 10;
/// Width of the sinusoidal time embedding (spec: 16).
pub const TIME_FEATURES: usize = 16;
/// Hidden width of the spec network.
pub const HIDDEN: usize = 256;

/// Where the conditioning goes in a network input row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CondLayout {
    /// Data dimension (64 for digits).
    pub pixels: usize,
    /// Sinusoidal time features (even; `sin`, `cos` pairs).
    pub time_features: usize,
    /// Real classes; the one-hot block has `classes + 1` slots, the last one the null class.
    pub classes: usize,
    /// Whether a guidance-scale input follows (the one-step student `G(z, y, w)`).
    pub guidance_input: bool,
}

/// The teacher's layout: 64 + 16 + 11 = 91 inputs.
pub const TEACHER_LAYOUT: CondLayout =
    CondLayout { pixels: PIXELS, time_features: TIME_FEATURES, classes: CLASSES, guidance_input: false };
/// The student's layout: the teacher's plus `w`, 92 inputs.
pub const STUDENT_LAYOUT: CondLayout = CondLayout { guidance_input: true, ..TEACHER_LAYOUT };

/// The spec network for a layout: `inputs → 256 → 256 → pixels`, SiLU (≈106k parameters
/// for the teacher).
#[must_use]
pub const fn spec_network(layout: CondLayout) -> [LayerSpec; 3] {
    [
        LayerSpec::new(layout.input_len(), HIDDEN, Activation::Silu),
        LayerSpec::new(HIDDEN, HIDDEN, Activation::Silu),
        LayerSpec::new(HIDDEN, layout.pixels, Activation::Identity),
    ]
}

/// The teacher network (91 → 256 → 256 → 64, SiLU).
pub const TEACHER_NET: [LayerSpec; 3] = spec_network(TEACHER_LAYOUT);
/// The student network (92 → 256 → 256 → 64, SiLU).
pub const STUDENT_NET: [LayerSpec; 3] = spec_network(STUDENT_LAYOUT);

/// Highest angular frequency of the time embedding (t ∈ [0, 1]).
const MAX_FREQ: f64 = 100.0;

impl CondLayout {
    /// Input row width (saturating).
    #[must_use]
    pub const fn input_len(&self) -> usize {
        self.pixels
            .saturating_add(self.time_features)
            .saturating_add(self.classes)
            .saturating_add(1)
            .saturating_add(self.guidance_input as usize)
    }

    /// The null (unconditional) label.
    #[must_use]
    pub const fn null_label(&self) -> usize {
        self.classes
    }

    /// Writes one input row `[x ‖ emb(t) ‖ onehot(label) ‖ w]` (the `w` slot only with
    /// `guidance_input`); see [`CondLayout::write_conditioning`]. O(input_len).
    ///
    /// # Errors
    /// As [`CondLayout::write_conditioning`]; [`Error::DimensionMismatch`] for `x`.
    pub fn write_input<T: Real>(&self, x: &[T], t: f64, label: usize, w: f64, row: &mut [T]) -> Result<()> {
        check_len("x", self.pixels, x.len())?;
        self.write_conditioning(t, label, w, row)?;
        if let Some(px) = row.get_mut(..self.pixels) {
            px.copy_from_slice(x);
        }
        Ok(())
    }

    /// Writes the part of an input row after the pixels: the time embedding
    /// `sin(ω_k t), cos(ω_k t)` with `ω_k = 100^{k/(K−1)}`, `K = time_features/2` (frequencies
    /// 1 … 100 rad per unit t), the one-hot label (`label == classes` is the null class), and
    /// `w` if `guidance_input`. The pixel block is left as it is. O(input_len).
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] for the `row` length, [`Error::InvalidParameter`] for a
    /// label `> classes` or an odd `time_features`. Nothing is written on error.
    pub fn write_conditioning<T: Real>(&self, t: f64, label: usize, w: f64, row: &mut [T]) -> Result<()> {
        check_len("row", self.input_len(), row.len())?;
        if label > self.classes {
            return Err(Error::InvalidParameter { name: "label", reason: "must be <= classes (null)" });
        }
        if !self.time_features.is_multiple_of(2) {
            return Err(Error::InvalidParameter { name: "time_features", reason: "must be even" });
        }
        let rest = row.get_mut(self.pixels..).ok_or(Error::SizeOverflow)?;
        let (temb, rest) = rest.split_at_mut_checked(self.time_features).ok_or(Error::SizeOverflow)?;
        let half = self.time_features / 2;
        for (k, pair) in temb.chunks_exact_mut(2).enumerate() {
            let frac = if half > 1 { k as f64 / (half - 1) as f64 } else { 0.0 };
            let omega = libm::pow(MAX_FREQ, frac);
            if let [a, b] = pair {
                *a = T::from_f64(libm::sin(omega * t));
                *b = T::from_f64(libm::cos(omega * t));
            }
        }
        let (onehot, rest) = rest.split_at_mut_checked(self.classes + 1).ok_or(Error::SizeOverflow)?;
        onehot.fill(T::ZERO);
        if let Some(v) = onehot.get_mut(label) {
            *v = T::ONE;
        }
        if let Some(slot) = rest.first_mut() {
            *slot = T::from_f64(w);
        }
        Ok(())
    }
}

/// Builds one flow-matching minibatch (spec §(f).2): per row `t ~ U(0,1)`, `ε ~ N(0, I)`,
/// `x_t = (1−t)·x0 + t·ε`, target `v = ε − x0`; the label is replaced by the null class with
/// probability `label_dropout`. `x0`: `batch × pixels`, `labels`: `batch`, `inputs`:
/// `batch × input_len`, `targets`: `batch × pixels`. O(batch · input_len).
///
/// ```
/// use ferrokern::denoise::{flow_matching_batch, CondLayout};
/// // 2 pixels, 2 time features (sin t, cos t), 2 classes + null: 7 inputs per row.
/// let layout = CondLayout { pixels: 2, time_features: 2, classes: 2, guidance_input: false };
/// let x0 = [1.0f64, -2.0, 0.5, 3.0];
/// let (mut inputs, mut v) = ([0.0; 14], [0.0; 4]);
/// let mut rng = ferrokern::rng::Pcg32::seed(7);
/// flow_matching_batch(&layout, &x0, &[1, 0], 0.0, &mut rng, &mut inputs, &mut v)?;
/// for ((row, x), v) in inputs.chunks(7).zip(x0.chunks(2)).zip(v.chunks(2)) {
///     let t = row[2].atan2(row[3]); // t ∈ [0, 1) from the embedding
///     for i in 0..2 {
///         // x_t = (1 − t)·x0 + t·ε with target v = ε − x0, i.e. x_t = x0 + t·v.
///         assert!((row[i] - (x[i] + t * v[i])).abs() < 1e-12);
///     }
/// }
/// assert_eq!((&inputs[4..7], &inputs[11..14]), (&[0.0, 1.0, 0.0][..], &[1.0, 0.0, 0.0][..]));
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] for lengths, [`Error::InvalidParameter`] for a dropout outside
/// [0, 1] or a bad label.
#[allow(clippy::too_many_arguments)]
pub fn flow_matching_batch<T: Real>(
    layout: &CondLayout,
    x0: &[T],
    labels: &[usize],
    label_dropout: f64,
    rng: &mut Pcg32,
    inputs: &mut [T],
    targets: &mut [T],
) -> Result<()> {
    let b = labels.len();
    check_len("x0", mul_size(b, layout.pixels)?, x0.len())?;
    check_len("inputs", mul_size(b, layout.input_len())?, inputs.len())?;
    check_len("targets", x0.len(), targets.len())?;
    if !(0.0..=1.0).contains(&label_dropout) {
        return Err(Error::InvalidParameter { name: "label_dropout", reason: "must be in [0, 1]" });
    }
    if layout.pixels == 0 {
        return Err(Error::InvalidParameter { name: "pixels", reason: "must be > 0" });
    }
    let rows = x0.chunks_exact(layout.pixels).zip(targets.chunks_exact_mut(layout.pixels));
    for ((&label, (x, v)), row) in labels.iter().zip(rows).zip(inputs.chunks_exact_mut(layout.input_len())) {
        let t = rng.next_f64();
        let tt = T::from_f64(t);
        for (vi, &xi) in v.iter_mut().zip(x) {
            let eps = T::from_f64(rng.normal());
            // Target first; x_t reuses ε through v + x0.
            *vi = eps - xi;
        }
        let y = if rng.next_f64() < label_dropout { layout.null_label() } else { label };
        let px = row.get_mut(..layout.pixels).ok_or(Error::SizeOverflow)?;
        for ((p, &xi), &vi) in px.iter_mut().zip(x).zip(v.iter()) {
            // x_t = (1−t)x0 + t·ε = x0 + t·(ε − x0).
            *p = xi + tt * vi;
        }
        layout.write_conditioning(t, y, 0.0, row)?;
    }
    Ok(())
}

/// Buffers of one flow-matching training step for minibatches of up to `batch` rows.
#[derive(Debug)]
pub struct FlowTrainBuffers<'a, T> {
    /// Gathered `x0` rows (`batch × pixels`).
    pub x0: &'a mut [T],
    /// Network inputs (`batch × input_len`).
    pub inputs: &'a mut [T],
    /// Velocity targets (`batch × pixels`).
    pub targets: &'a mut [T],
    /// Gathered labels (`batch`).
    pub labels: &'a mut [usize],
    /// The `nn` step buffers.
    pub train: TrainBuffers<'a, T>,
}

/// Length of the `T` buffer [`FlowTrainBuffers::split`] takes (besides `labels`):
/// `x0 + inputs + targets` rows plus [`crate::nn::train_buffer_len`] (saturating).
#[must_use]
pub const fn flow_train_buffer_len(layers: &[LayerSpec], layout: CondLayout, batch: usize) -> usize {
    let per_row = layout.pixels.saturating_mul(2).saturating_add(layout.input_len());
    per_row.saturating_mul(batch).saturating_add(crate::nn::train_buffer_len(layers, batch))
}

impl<'a, T: Real> FlowTrainBuffers<'a, T> {
    /// Splits `buf` ([`flow_train_buffer_len`] long) and `labels` (`batch` long).
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] for wrong lengths, [`Error::SizeOverflow`].
    pub fn split(
        buf: &'a mut [T],
        labels: &'a mut [usize],
        mlp: &Mlp<'_>,
        layout: &CondLayout,
        batch: usize,
    ) -> Result<Self> {
        check_len("labels", batch, labels.len())?;
        check_len("network inputs", layout.input_len(), mlp.inputs())?;
        check_len("network outputs", layout.pixels, mlp.outputs())?;
        let nx = mul_size(batch, layout.pixels)?;
        let ni = mul_size(batch, layout.input_len())?;
        let need = add_size(add_size(nx, nx)?, ni)?;
        let found = buf.len();
        let (x0, rest) = buf.split_at_mut_checked(nx).ok_or(Error::DimensionMismatch {
            what: "flow buffer",
            expected: need,
            found,
        })?;
        let (inputs, rest) = rest.split_at_mut_checked(ni).ok_or(Error::DimensionMismatch {
            what: "flow buffer",
            expected: need,
            found,
        })?;
        let (targets, rest) = rest.split_at_mut_checked(nx).ok_or(Error::DimensionMismatch {
            what: "flow buffer",
            expected: need,
            found,
        })?;
        let train = TrainBuffers::split(rest, mlp, batch)?;
        Ok(Self { x0, inputs, targets, labels, train })
    }
}

/// Hyperparameters of [`train_flow_epoch`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FlowTrainConfig {
    /// Minibatch rows (spec: 128); at most the buffers' capacity.
    pub batch: usize,
    /// Probability of replacing a label by the null class (spec: 0.1).
    pub label_dropout: f64,
}

impl Default for FlowTrainConfig {
    fn default() -> Self {
        Self { batch: 128, label_dropout: 0.1 }
    }
}

/// One pass over `rows` (indices into the dataset `data` (`n × pixels`, in [−1, 1]) and
/// `labels` (`n`); shuffle them between epochs) in minibatches of `config.batch`, each a
/// [`flow_matching_batch`] and a [`train_step`]; returns the mean minibatch loss.
/// O(|rows| · 3 · params) time, no memory beyond `bufs`. Example: the
/// [module documentation](crate::denoise).
///
/// # Errors
/// As [`flow_matching_batch`] and [`train_step`]; [`Error::InvalidParameter`] for empty `rows`
/// or a batch of 0. A failed step leaves params/state as after the previous step.
#[allow(clippy::too_many_arguments)]
pub fn train_flow_epoch<T: Real, O: Optimizer, S: Moment<T>>(
    mlp: &Mlp<'_>,
    layout: &CondLayout,
    optimizer: &mut O,
    params: &mut [T],
    state: &mut [S],
    data: &[T],
    labels: &[usize],
    rows: &[usize],
    config: &FlowTrainConfig,
    rng: &mut Pcg32,
    bufs: &mut FlowTrainBuffers<'_, T>,
) -> Result<T> {
    if rows.is_empty() || config.batch == 0 {
        return Err(Error::InvalidParameter { name: "rows/batch", reason: "must be non-empty" });
    }
    if config.batch > bufs.labels.len() {
        return Err(Error::WorkspaceTooSmall { needed: config.batch, given: bufs.labels.len() });
    }
    let mut total = T::ZERO;
    let mut count = 0usize;
    for chunk in rows.chunks(config.batch) {
        let b = chunk.len();
        let nx = mul_size(b, layout.pixels)?;
        let x0 = bufs.x0.get_mut(..nx).ok_or(Error::SizeOverflow)?;
        gather_rows(data, layout.pixels, chunk, x0)?;
        let lab = bufs.labels.get_mut(..b).ok_or(Error::SizeOverflow)?;
        gather(labels, chunk, lab)?;
        let inputs = bufs.inputs.get_mut(..mul_size(b, layout.input_len())?).ok_or(Error::SizeOverflow)?;
        let targets = bufs.targets.get_mut(..nx).ok_or(Error::SizeOverflow)?;
        flow_matching_batch(layout, x0, lab, config.label_dropout, rng, inputs, targets)?;
        let loss =
            train_step(mlp, optimizer, params, state, inputs, Target::Values(targets), &mut bufs.train)?;
        total += loss;
        count += 1;
    }
    Ok(total / T::from_usize(count))
}
