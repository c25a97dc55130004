//! Samplers: Euler for the conditional flow with pluggable guidance (spec §(f).2), the
//! one-step student's generator (§(f).3), and DDIM (η = 0) for ε-prediction models.

use super::flow::CondLayout;
use super::guidance::{apg, cfg, AdaptiveGuidance, ApgConfig, ApgMode, MomentumBuffer};
use crate::error::{add_size, check_len, mul_size};
use crate::nn::{LayerSpec, Mlp};
use crate::{Error, Real, Result};

/// How the Euler sampler combines conditional and unconditional velocity predictions; the
/// scale `w` comes per sample from the `scales` argument.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum GuidanceKind {
    /// [`cfg`](fn@cfg) on the velocities.
    Cfg,
    /// [`apg`] (its `w` field is replaced by the sample's scale). In [`ApgMode::Paper`] it
    /// runs on denoised predictions `x̂0 = x_t − t·v` and converts back `v̂ = (x_t − x̂0)/t`;
    /// the diffusers modes apply to the velocities directly.
    Apg(ApgConfig),
    /// [`AdaptiveGuidance`] with threshold γ̄ (one state per sample, in `ag_states`).
    Adaptive {
        /// γ̄.
        threshold: f64,
    },
    /// Negative-condition steering, the plain negative-label CFG form: [`cfg`](fn@cfg) with the
    /// unconditional row conditioned on `label` instead of the null class,
    /// `v̂ = v_neg + w·(v_c − v_neg)`.
    Negative {
        /// The class steered away from (`≤ classes`; `classes` = null gives CFG).
        label: usize,
    },
}

/// Counters of one sampling run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SampleStats {
    /// Network evaluations (rows through the network: conditional + unconditional).
    pub evaluations: u64,
}

/// Length of the `T` buffer [`euler_sample`] needs for `batch` samples: inputs and
/// activations for `2·batch` rows, APG momentum (`batch × pixels`), 3 temporaries of
/// `pixels` (saturating).
#[must_use]
pub const fn euler_buffer_len(layers: &[LayerSpec], layout: CondLayout, batch: usize) -> usize {
    let rows = batch.saturating_mul(2);
    rows.saturating_mul(layout.input_len())
        .saturating_add(crate::nn::activations_len(layers, rows))
        .saturating_add(batch.saturating_mul(layout.pixels))
        .saturating_add(layout.pixels.saturating_mul(3))
}

fn split<T>(buf: &mut [T], n: usize) -> Result<(&mut [T], &mut [T])> {
    let found = buf.len();
    buf.split_at_mut_checked(n).ok_or(Error::WorkspaceTooSmall { needed: n, given: found })
}

/// Whether sample `s` needs an unconditional evaluation this step.
fn needs_uncond(kind: &GuidanceKind, w: f64, ag: &[AdaptiveGuidance], s: usize) -> bool {
    match kind {
        GuidanceKind::Adaptive { .. } => ag.get(s).is_some_and(AdaptiveGuidance::needs_uncond),
        GuidanceKind::Apg(c) => ApgConfig { w, ..*c }.enabled(),
        GuidanceKind::Cfg | GuidanceKind::Negative { .. } => w != 1.0,
    }
}

/// Euler sampling of the conditional flow from `t = 1` to `0` in `steps` equal steps,
/// `x ← x − Δt·v̂` with guided velocity `v̂` (spec §(f).2). `x` (`batch × pixels`) holds the
/// initial noise and receives the samples; `labels` (`batch`, `classes` = null allowed),
/// `scales` (`batch`) the guidance scales (`w = 1`: no unconditional call under CFG/APG).
/// `ag_states` (`batch`) is used only by [`GuidanceKind::Adaptive`] (reset here; their
/// counters are per sample). Conditional and unconditional rows go through one batched
/// forward per step. O(steps · rows · params) time; memory: `buf`
/// ([`euler_buffer_len`]). Example: the [module documentation](crate::denoise) trains a toy
/// flow and samples it with this function.
///
/// # Errors
/// [`Error::DimensionMismatch`] for lengths or a network that does not fit `layout`,
/// [`Error::InvalidParameter`] for `steps == 0`, an empty batch, a bad label or scale,
/// [`Error::WorkspaceTooSmall`], [`Error::NonFinite`] for NaN/inf in `params` or the starting
/// `x` (checked once, before anything is written) or, from [`cfg`](fn@cfg)/[`apg`], in a
/// network prediction during the run. `x` is unspecified after an error in the middle of a run.
#[allow(clippy::too_many_arguments)]
pub fn euler_sample<T: Real>(
    mlp: &Mlp<'_>,
    params: &[T],
    layout: &CondLayout,
    kind: &GuidanceKind,
    labels: &[usize],
    scales: &[f64],
    steps: usize,
    x: &mut [T],
    ag_states: &mut [AdaptiveGuidance],
    buf: &mut [T],
) -> Result<SampleStats> {
    let b = labels.len();
    let p = layout.pixels;
    if steps == 0 || b == 0 || p == 0 {
        return Err(Error::InvalidParameter { name: "steps/batch", reason: "must be > 0" });
    }
    check_len("network inputs", layout.input_len(), mlp.inputs())?;
    check_len("network outputs", p, mlp.outputs())?;
    check_len("scales", b, scales.len())?;
    check_len("x", mul_size(b, p)?, x.len())?;
    crate::real::check_finite("params", params)?;
    crate::real::check_finite("x", x)?;
    if let GuidanceKind::Adaptive { threshold } = kind {
        check_len("ag_states", b, ag_states.len())?;
        ag_states.iter_mut().for_each(|a| *a = AdaptiveGuidance::new(*threshold));
    }
    if labels.iter().any(|&l| l > layout.classes) || scales.iter().any(|w| !w.is_finite()) {
        return Err(Error::InvalidParameter {
            name: "labels/scales",
            reason: "label <= classes, finite scales",
        });
    }
    let width = layout.input_len();
    let (inputs, rest) = split(buf, mul_size(mul_size(b, 2)?, width)?)?;
    let (acts, rest) = split(rest, mlp.activations_len(mul_size(b, 2)?)?)?;
    let (momentum, rest) = split(rest, mul_size(b, p)?)?;
    let (tmp, _) = split(rest, mul_size(p, 3)?)?;
    let (guided, tmp) = tmp.split_at_mut(p);
    let (dc, du) = tmp.split_at_mut(p);
    momentum.fill(T::ZERO);
    let dt = 1.0 / steps as f64;
    let mut stats = SampleStats::default();
    for i in 0..steps {
        let t = 1.0 - i as f64 * dt;
        // Rows: all conditional rows, then the unconditional rows that are needed.
        let mut rows = b;
        let (cond_in, uncond_in) = inputs.split_at_mut(b * width);
        let mut uncond_rows = uncond_in.chunks_exact_mut(width);
        for (s, ((xs, row), (&label, &w))) in
            x.chunks_exact(p).zip(cond_in.chunks_exact_mut(width)).zip(labels.iter().zip(scales)).enumerate()
        {
            layout.write_input(xs, t, label, 0.0, row)?;
            if needs_uncond(kind, w, ag_states, s) {
                let urow = uncond_rows.next().ok_or(Error::SizeOverflow)?;
                let other = match kind {
                    GuidanceKind::Negative { label } => *label,
                    _ => layout.null_label(),
                };
                layout.write_input(xs, t, other, 0.0, urow)?;
                rows += 1;
            }
        }
        let used_in = inputs.get(..rows * width).ok_or(Error::SizeOverflow)?;
        let used_acts = acts.get_mut(..mlp.activations_len(rows)?).ok_or(Error::SizeOverflow)?;
        // `params` and the starting `x` were scanned once above, not per step.
        mlp.forward_unchecked(params, used_in, rows, used_acts)?;
        stats.evaluations = stats.evaluations.saturating_add(rows as u64);
        let out = mlp.output(used_acts, rows)?;
        let (cond_out, uncond_out) = out.split_at(b * p);
        let mut uncond_preds = uncond_out.chunks_exact(p);
        let tt = T::from_f64(t);
        for (s, ((xs, vc), (m, &w))) in x
            .chunks_exact_mut(p)
            .zip(cond_out.chunks_exact(p))
            .zip(momentum.chunks_exact_mut(p).zip(scales))
            .enumerate()
        {
            let vu = if needs_uncond(kind, w, ag_states, s) { uncond_preds.next() } else { None };
            match (kind, vu) {
                (GuidanceKind::Adaptive { .. }, _) => {
                    let ag = ag_states.get_mut(s).ok_or(Error::SizeOverflow)?;
                    ag.guide(vc, vu, w, guided)?;
                }
                (GuidanceKind::Cfg | GuidanceKind::Negative { .. }, Some(vu)) => cfg(vc, vu, w, guided)?,
                (GuidanceKind::Apg(c), Some(vu)) => {
                    let config = ApgConfig { w, ..*c };
                    let mut mb = MomentumBuffer { running: m };
                    if c.mode == ApgMode::Paper {
                        // x̂0 = x_t − t·v for cond and uncond; back to v̂ = (x_t − D)/t.
                        for ((d, &xv), &v) in dc.iter_mut().zip(xs.iter()).zip(vc) {
                            *d = xv - tt * v;
                        }
                        for ((d, &xv), &v) in du.iter_mut().zip(xs.iter()).zip(vu) {
                            *d = xv - tt * v;
                        }
                        apg(dc, du, &config, &mut mb, guided)?;
                        for (g, &xv) in guided.iter_mut().zip(xs.iter()) {
                            *g = (xv - *g) / tt;
                        }
                    } else {
                        apg(vc, vu, &config, &mut mb, guided)?;
                    }
                }
                (_, _) => guided.copy_from_slice(vc),
            }
            T::axpy(T::from_f64(-dt), guided, xs);
        }
    }
    Ok(stats)
}

/// One-step student `G(z, y, w)` (spec §(f).3): input rows `[z ‖ emb(t = 1) ‖ onehot(y) ‖ w]`
/// (`layout.guidance_input` must be set), one batched forward, samples into `out`
/// (`batch × pixels`). `inputs`: `batch × input_len`, `acts`: `mlp.activations_len(batch)`.
/// O(batch · params).
///
/// ```
/// use ferrokern::denoise::{student_generate, CondLayout};
/// use ferrokern::nn::{Activation, LayerSpec, Mlp};
/// const L: CondLayout = CondLayout { pixels: 2, time_features: 2, classes: 3, guidance_input: true };
/// const NET: [LayerSpec; 1] = [LayerSpec::new(L.input_len(), 2, Activation::Identity)];
/// let mlp = Mlp::new(&NET)?;
/// let mut params = [0.0f32; ferrokern::nn::params_len(&NET)];
/// mlp.init(&mut params, &mut ferrokern::rng::Pcg32::seed(1))?;
/// let mut inputs = [0.0f32; 2 * L.input_len()];
/// let mut acts = [0.0f32; ferrokern::nn::activations_len(&NET, 2)];
/// let mut out = [0.0f32; 4];
/// // Two samples: class 0 at w = 1, class 2 at w = 3, one network call.
/// student_generate(&mlp, &params, &L, &[0.1, 0.2, -0.3, 0.4], &[0, 2], &[1.0, 3.0], &mut inputs, &mut acts, &mut out)?;
/// assert_eq!(inputs[L.input_len() - 1], 1.0); // the w slot of row 0
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] for lengths, [`Error::InvalidParameter`] for a layout without
/// the `w` input, a bad label or empty batch; [`Error::NonFinite`] as [`Mlp::forward`].
#[allow(clippy::too_many_arguments)]
pub fn student_generate<T: Real>(
    mlp: &Mlp<'_>,
    params: &[T],
    layout: &CondLayout,
    z: &[T],
    labels: &[usize],
    scales: &[f64],
    inputs: &mut [T],
    acts: &mut [T],
    out: &mut [T],
) -> Result<()> {
    student_inputs(layout, z, labels, scales, inputs)?;
    mlp.forward(params, inputs, labels.len(), acts)?;
    let y = mlp.output(acts, labels.len())?;
    check_len("out", y.len(), out.len())?;
    out.copy_from_slice(y);
    Ok(())
}

/// Writes the student's input rows for noises `z` (`batch × pixels`), labels and scales into
/// `inputs` (`batch × input_len`); also the regression inputs of distillation, whose targets
/// are the teacher's endpoints from the same `z` (train with
/// [`crate::nn::train_step`]`(…, Target::Values(endpoints), …)`). O(batch · input_len).
///
/// ```
/// use ferrokern::denoise::{student_inputs, CondLayout};
/// // Row = [z ‖ sin 1, cos 1 (t = 1) ‖ one-hot label (2 classes + null) ‖ w]: 8 inputs.
/// let layout = CondLayout { pixels: 2, time_features: 2, classes: 2, guidance_input: true };
/// let mut inputs = [0.0f64; 8];
/// student_inputs(&layout, &[0.3, -0.7], &[2], &[4.5], &mut inputs)?; // label 2 = null
/// assert_eq!(inputs[..2], [0.3, -0.7]);
/// assert!((inputs[2] - 1f64.sin()).abs() < 1e-15 && (inputs[3] - 1f64.cos()).abs() < 1e-15);
/// assert_eq!(inputs[4..], [0.0, 0.0, 1.0, 4.5]);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// As [`student_generate`].
pub fn student_inputs<T: Real>(
    layout: &CondLayout,
    z: &[T],
    labels: &[usize],
    scales: &[f64],
    inputs: &mut [T],
) -> Result<()> {
    if !layout.guidance_input || labels.is_empty() || layout.pixels == 0 {
        return Err(Error::InvalidParameter { name: "layout", reason: "needs the w input and a batch" });
    }
    let b = labels.len();
    check_len("scales", b, scales.len())?;
    check_len("z", mul_size(b, layout.pixels)?, z.len())?;
    check_len("inputs", mul_size(b, layout.input_len())?, inputs.len())?;
    for ((zs, row), (&y, &w)) in z
        .chunks_exact(layout.pixels)
        .zip(inputs.chunks_exact_mut(layout.input_len()))
        .zip(labels.iter().zip(scales))
    {
        layout.write_input(zs, 1.0, y, w, row)?;
    }
    Ok(())
}

/// One deterministic DDIM step (η = 0) of an ε-prediction model: `x̂0 = (x − √(1−ā)·ε)/√ā`,
/// `x ← √ā_prev·x̂0 + √(1−ā_prev)·ε`, from cumulative signal level `ā` (`alpha_bar`) to
/// `ā_prev > ā` (1 for the final step). O(d).
///
/// ```
/// use ferrokern::denoise::ddim_step;
/// // With the exact noise ε, a step to ā_prev = 1 recovers x0 = 1 from x = √ā·1 + √(1−ā)·ε.
/// let (a, eps) = (0.25f64, [2.0f64]);
/// let mut x = [a.sqrt() + (1.0 - a).sqrt() * eps[0]];
/// ddim_step(&mut x, &eps, a, 1.0)?;
/// assert!((x[0] - 1.0).abs() < 1e-15);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] if `eps` differs in length; [`Error::InvalidParameter`]
/// unless `0 < ā ≤ 1` and `0 < ā_prev ≤ 1`; [`Error::NumericalFailure`] (with `x` untouched)
/// if a result would not be finite: NaN/inf in `x` or `eps`, or `ā` so small that
/// `√(ā_prev/ā)·x` overflows `T` (in f32 from about ā < 1e-70).
pub fn ddim_step<T: Real>(x: &mut [T], eps: &[T], alpha_bar: f64, alpha_bar_prev: f64) -> Result<()> {
    check_len("eps", x.len(), eps.len())?;
    for (name, a) in [("alpha_bar", alpha_bar), ("alpha_bar_prev", alpha_bar_prev)] {
        if !(a > 0.0 && a <= 1.0) {
            return Err(Error::InvalidParameter { name, reason: "must be in (0, 1]" });
        }
    }
    let (sa, s1a) = (libm::sqrt(alpha_bar), libm::sqrt(1.0 - alpha_bar));
    let (sp, s1p) = (libm::sqrt(alpha_bar_prev), libm::sqrt(1.0 - alpha_bar_prev));
    // x ← (sp/sa)·x + (s1p − sp·s1a/sa)·ε.
    let (cx, ce) = (T::from_f64(sp / sa), T::from_f64(s1p - sp * s1a / sa));
    // Checked before writing: an Ok step never leaves NaN/inf in x (a read-only O(d) pass).
    if x.iter().zip(eps).any(|(&xi, &e)| !(cx * xi + ce * e).is_finite()) {
        return Err(Error::NumericalFailure {
            what: "DDIM step not finite (NaN/inf input or alpha_bar too small)",
        });
    }
    for (xi, &e) in x.iter_mut().zip(eps) {
        *xi = cx * *xi + ce * e;
    }
    Ok(())
}

/// DDIM (η = 0) sampling: for each level `ā_i` of `alpha_bars` (increasing, sampling order,
/// all in (0, 1]) calls `model(x, i, eps)` for the ε-prediction and takes a [`ddim_step`] to
/// the next level (1 after the last). `eps`: scratch of `x.len()`. O(levels · model).
///
/// ```
/// // Data = the single point μ: the exact ε(x_t) = (x_t − √ā·μ)/√(1−ā), so x̂0 = μ at every
/// // level and DDIM lands on μ exactly.
/// let (mu, levels) = (0.3f64, [0.01, 0.1, 0.5, 0.9]);
/// let mut x = [1.7f64];
/// let mut eps = [0.0f64];
/// ferrokern::denoise::ddim_sample(&mut x, &levels, &mut eps, |x, i, e| {
///     let a: f64 = levels[i];
///     e[0] = (x[0] - a.sqrt() * mu) / (1.0 - a).sqrt();
///     Ok(())
/// })?;
/// assert!((x[0] - mu).abs() < 1e-12);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// As [`ddim_step`], the model's errors, [`Error::DimensionMismatch`] for `eps`.
pub fn ddim_sample<T: Real, F>(x: &mut [T], alpha_bars: &[f64], eps: &mut [T], mut model: F) -> Result<()>
where
    F: FnMut(&[T], usize, &mut [T]) -> Result<()>,
{
    check_len("eps", x.len(), eps.len())?;
    for (i, &a) in alpha_bars.iter().enumerate() {
        let next = alpha_bars.get(add_size(i, 1)?).copied().unwrap_or(1.0);
        model(x, i, eps)?;
        ddim_step(x, eps, a, next)?;
    }
    Ok(())
}
