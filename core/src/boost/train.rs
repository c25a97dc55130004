//! [`GbnnTrainer`]: the sequential training loop of spec §3 writing the merged model of §4.

use super::inner::{fit, init_params, step_layers};
use super::model::{GbnnShape, ModelParts};
use super::{Labels, Loss, Task};
use crate::error::{add_size, check_len, mul_size};
use crate::nn::{column_stats_all, standardize, train_buffer_len, Activation, Mlp, TrainBuffers};
use crate::optim::{Lbfgs, LbfgsConfig, LbfgsReport};
use crate::rng::Pcg32;
use crate::{Error, Real, Result};

/// Settings of [`GbnnTrainer`]. Defaults: the reference's (`total_nn = 200`, `J = 1`,
/// `subsample = 0.5`, logistic units, inner L-BFGS with 200 iterations, `tol = 0`, α = 1e-4)
/// except `η = 0.1` and the `|ρ| ≤ 10` clip (spec §6 lessons: η = 1 diverges on multi-class).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GbnnConfig {
    /// Regression or classification.
    pub task: Task,
    /// Boosting steps T (≥ 1).
    pub steps: usize,
    /// Hidden units per step J (≥ 1).
    pub units: usize,
    /// Shrinkage η (finite, > 0).
    pub shrinkage: f64,
    /// Fraction of rows each step fits on, drawn without replacement, `⌊s·N⌋ ≥ 1` rows;
    /// `1.0` uses every row. In `(0, 1]`.
    pub subsample: f64,
    /// Seed; step t (0-based) draws its subsample and initialisation from
    /// `Pcg32::new(seed, t)`, so the first t' steps do not depend on T.
    pub seed: u64,
    /// Clip `|ρ| ≤ rho_max` on the Newton step before shrinkage (> 0; `f64::INFINITY` turns
    /// it off, as the reference).
    pub rho_max: f64,
    /// L2 penalty α on the step networks' weights (≥ 0; scikit-learn's `alpha`).
    pub l2: f64,
    /// Inner solver: iterations (`max_iter`), history, tolerances (`grad_tol = 0` as the
    /// reference's `tol = 0`).
    pub inner: LbfgsConfig,
    /// Hidden activation φ.
    pub activation: Activation,
    /// Standardise features with the training rows' mean and population std (stored in the
    /// model); `false` stores mean 0, std 1.
    pub standardize: bool,
}

impl Default for GbnnConfig {
    fn default() -> Self {
        Self {
            task: Task::Regression,
            steps: 200,
            units: 1,
            shrinkage: 0.1,
            subsample: 0.5,
            seed: 0,
            rho_max: 10.0,
            l2: 1e-4,
            inner: LbfgsConfig { grad_tol: 0.0, ..LbfgsConfig::default() },
            activation: Activation::Sigmoid,
            standardize: true,
        }
    }
}

/// What the progress callback sees after each step.
#[derive(Clone, Copy, Debug)]
pub struct StepReport<'a, T> {
    /// Step index t (0-based).
    pub step: usize,
    /// Stream of the step's generator (`Pcg32::new(seed, stream)`).
    pub stream: u64,
    /// Newton step before clipping and shrinkage.
    pub newton: T,
    /// `ρ_t = η · clip(newton)`.
    pub rho: T,
    /// Mean training loss after the step.
    pub train_loss: T,
    /// The inner L-BFGS outcome.
    pub inner: LbfgsReport,
    /// The step network `h_t` in `nn` layout `[W1ᵗ | b1ᵗ | W2ᵗ | b2ᵗ]` (unscaled).
    pub params: &'a [T],
}

/// Outcome of [`GbnnTrainer::train`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[must_use]
pub struct GbnnReport {
    /// Steps done (T).
    pub steps: usize,
    /// Mean training loss of the constant model `F0`.
    pub initial_loss: f64,
    /// Mean training loss after the last step.
    pub final_loss: f64,
    /// Steps whose training loss rose.
    pub loss_increases: usize,
    /// Steps whose Newton step was clipped.
    pub clipped_steps: usize,
    /// Inner objective evaluations over all steps.
    pub inner_evaluations: usize,
}

/// Sequential trainer of gradient-boosted one-hidden-layer networks (spec `gbnn.md`).
///
/// Memory: the model buffer ([`GbnnShape::model_len`]) and one workspace of
/// [`GbnnTrainer::workspace_len`] elements; no other allocation. Time per step: about
/// `inner.max_iter` forward/backward passes over the subsample (`O(S·J·(d+K))` each) plus one
/// forward pass over all rows.
///
/// ```
/// use ferrokern::boost::{GbnnConfig, GbnnShape, GbnnTrainer, Labels, MergedModel, Task};
/// // y = sin(x) on 40 points.
/// let x: Vec<f64> = (0..40).map(|i| i as f64 / 10.0 - 2.0).collect();
/// let y: Vec<f64> = x.iter().map(|v| v.sin()).collect();
/// let cfg = GbnnConfig { task: Task::Regression, steps: 20, units: 2, shrinkage: 0.5, subsample: 1.0, ..GbnnConfig::default() };
/// let trainer = GbnnTrainer::new(cfg);
/// let shape = trainer.shape(1);
/// let mut model = vec![0.0; shape.model_len()];
/// let mut work = vec![0.0; GbnnTrainer::workspace_len(40, 1, 2, 1, cfg.inner.history)];
/// let report = trainer.train(&x, 1, Labels::Values(&y), &mut model, &mut work, |_| {})?;
/// assert!(report.final_loss < 0.01 * report.initial_loss);
/// let merged = MergedModel::new(shape, &model)?;
/// let mut out = [0.0];
/// let mut scratch = [0.0; MergedModel::<f64>::scratch_len(1, 40, 1)];
/// merged.predict(&[0.5], shape.hidden(), &mut out, &mut scratch)?;
/// assert!((out[0] - 0.5f64.sin()).abs() < 0.05);
/// # Ok::<(), ferrokern::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GbnnTrainer {
    /// Settings.
    pub config: GbnnConfig,
}

/// Parameters of one step network.
const fn step_params(features: usize, units: usize, outputs: usize) -> usize {
    units
        .saturating_mul(features.saturating_add(1))
        .saturating_add(outputs.saturating_mul(units.saturating_add(1)))
}

impl GbnnTrainer {
    /// A trainer with `config`.
    #[must_use]
    pub const fn new(config: GbnnConfig) -> Self {
        Self { config }
    }

    /// Workspace elements for `rows` training rows, `features` inputs, `units` (J) per step,
    /// `outputs` (K) and `history` L-BFGS pairs, sized for `subsample = 1` (any subsample
    /// fits): `3·rows·K` (scores, residuals, predictions) + `rows·(d + K)` (subsample) + the
    /// step network's parameters, L-BFGS workspace and `nn` training buffers (saturating).
    /// Independent of T: the per-step weights go straight into the model buffer.
    #[must_use]
    pub const fn workspace_len(
        rows: usize,
        features: usize,
        units: usize,
        outputs: usize,
        history: usize,
    ) -> usize {
        let p = step_params(features, units, outputs);
        let layers = step_layers(features, units, outputs, Activation::Identity);
        rows.saturating_mul(outputs)
            .saturating_mul(3)
            .saturating_add(rows.saturating_mul(features.saturating_add(outputs)))
            .saturating_add(p)
            .saturating_add(Lbfgs::workspace_len(p, history))
            .saturating_add(train_buffer_len(&layers, rows))
    }

    /// The model shape this trainer produces for `features` inputs.
    #[must_use]
    pub const fn shape(&self, features: usize) -> GbnnShape {
        GbnnShape {
            features,
            steps: self.config.steps,
            units: self.config.units,
            loss: Loss::for_task(self.config.task),
            activation: self.config.activation,
        }
    }

    fn validate(&self) -> Result<()> {
        let c = &self.config;
        let bad = |name, reason| Err(Error::InvalidParameter { name, reason });
        if c.steps == 0 || c.units == 0 {
            return bad("steps/units", "must be >= 1");
        }
        if let Task::Classification { classes } = c.task {
            if classes < 2 {
                return bad("classes", "must be >= 2");
            }
        }
        if !(c.shrinkage > 0.0 && c.shrinkage.is_finite()) {
            return bad("shrinkage", "must be finite and > 0");
        }
        if !(c.subsample > 0.0 && c.subsample <= 1.0) {
            return bad("subsample", "must be in (0, 1]");
        }
        if c.rho_max.is_nan() || c.rho_max <= 0.0 {
            return bad("rho_max", "must be > 0");
        }
        if !(c.l2 >= 0.0 && c.l2.is_finite()) {
            return bad("l2", "must be finite and >= 0");
        }
        if c.inner.max_iter == 0 {
            return bad("inner.max_iter", "must be >= 1");
        }
        Ok(())
    }

    /// Trains on `x` (`rows × features`, raw; standardised internally if configured) and
    /// `labels` (`rows` values or class indices), writing the merged model into `model_out`
    /// (`shape(features).model_len()`, layout [`ModelParts`]). `progress` is called after
    /// every step.
    ///
    /// # Errors
    /// - [`Error::InvalidParameter`]: bad config (T or J = 0, η ≤ 0, subsample ∉ (0, 1],
    ///   `rho_max ≤ 0`, α < 0, fewer than 2 classes), wrong label kind, class out of range,
    ///   `features == 0`, a binary task with one class only, `⌊s·N⌋ = 0`.
    /// - [`Error::DimensionMismatch`]: `x` not `rows × features`, wrong `model_out` length.
    /// - [`Error::NonFinite`]: NaN/inf in `x` or regression targets.
    /// - [`Error::WorkspaceTooSmall`]: `workspace` shorter than needed.
    /// - [`Error::NumericalFailure`]: the scores became non-finite.
    ///
    /// `model_out` and `workspace` are unspecified on error.
    pub fn train<T, P>(
        &self,
        x: &[T],
        features: usize,
        labels: Labels<'_, T>,
        model_out: &mut [T],
        workspace: &mut [T],
        mut progress: P,
    ) -> Result<GbnnReport>
    where
        T: Real,
        P: FnMut(&StepReport<'_, T>),
    {
        self.validate()?;
        let cfg = &self.config;
        let shape = self.shape(features);
        let loss = shape.loss;
        let rows = loss.check_labels(labels)?;
        if features == 0 {
            return Err(Error::InvalidParameter { name: "features", reason: "must be > 0" });
        }
        check_len("x", mul_size(rows, features)?, x.len())?;
        crate::real::check_finite("x", x)?;
        let (d, k, j) = (features, shape.outputs(), cfg.units);
        if u32::try_from(rows).is_err() {
            return Err(Error::InvalidParameter { name: "labels", reason: "more than u32::MAX rows" });
        }
        let sample = if cfg.subsample >= 1.0 { rows } else { (cfg.subsample * rows as f64) as usize };
        if sample == 0 {
            return Err(Error::InvalidParameter { name: "subsample", reason: "selects no rows" });
        }
        let p_len = step_params(d, j, k);
        let layers = step_layers(d, j, k, cfg.activation);
        let mlp = Mlp::new(&layers)?;
        let tb_len = add_size(
            add_size(mlp.activations_len(sample)?, p_len)?,
            add_size(mlp.scratch_len(sample)?, mul_size(sample, k)?)?,
        )?;
        let lb_len = Lbfgs::workspace_len(p_len, cfg.inner.history);
        let rk = mul_size(rows, k)?;
        let need = [mul_size(rk, 3)?, mul_size(sample, add_size(d, k)?)?, p_len, lb_len, tb_len]
            .iter()
            .try_fold(0usize, |s, &v| add_size(s, v))?;
        if workspace.len() < need {
            return Err(Error::WorkspaceTooSmall { needed: need, given: workspace.len() });
        }
        let (f, rest) = split(workspace, rk)?;
        let (r, rest) = split(rest, rk)?;
        let (p, rest) = split(rest, rk)?;
        let (xs, rest) = split(rest, sample * d)?;
        let (rs, rest) = split(rest, sample * k)?;
        let (params, rest) = split(rest, p_len)?;
        let (lb_work, rest) = split(rest, lb_len)?;
        let (tb, _) = split(rest, tb_len)?;
        let mut bufs = TrainBuffers::split(tb, &mlp, sample)?;
        let mut parts = ModelParts::split_mut(&shape, model_out)?;
        let c: T = loss.output_scale();

        if cfg.standardize {
            column_stats_all(x, d, parts.mean, parts.std)?;
        } else {
            parts.mean.fill(T::ZERO);
            parts.std.fill(T::ONE);
        }
        loss.initial_scores(labels, parts.f0)?;
        let bias0 = parts.bias_prefix.get_mut(..k).ok_or(Error::SizeOverflow)?;
        bias0.copy_from_slice(parts.f0);
        T::scale(c, bias0);
        for row in f.chunks_exact_mut(k) {
            row.copy_from_slice(parts.f0);
        }
        let lbfgs = Lbfgs::new(cfg.inner);
        let initial_loss = loss.mean_loss(labels, f)?;
        let mut report = GbnnReport {
            steps: 0,
            initial_loss: initial_loss.to_f64(),
            final_loss: initial_loss.to_f64(),
            loss_increases: 0,
            clipped_steps: 0,
            inner_evaluations: 0,
        };
        let mut prev_loss = initial_loss;
        for t in 0..cfg.steps {
            loss.residuals(labels, f, r)?;
            let stream = t as u64;
            let mut rng = Pcg32::new(cfg.seed, stream);
            select_rows(x, r, d, k, sample, &mut rng, xs, rs);
            standardize(xs, parts.mean, parts.std)?;
            init_params(&layers, cfg.activation, params, &mut rng);
            let inner = fit(&mlp, &lbfgs, cfg.l2, xs, rs, params, &mut bufs, lb_work)?;
            report.inner_evaluations += inner.evaluations;
            predict_all(&mlp, params, x, parts.mean, parts.std, xs, &mut bufs, p)?;
            let newton = loss.newton_step(labels, r, p)?;
            let limit = T::from_f64(cfg.rho_max);
            let clipped = newton.max(-limit).min(limit);
            if clipped != newton {
                report.clipped_steps += 1;
            }
            let rho = T::from_f64(cfg.shrinkage) * clipped;
            T::axpy(rho, p, f);
            if !f.iter().all(|v| v.is_finite()) {
                return Err(Error::NumericalFailure { what: "boosting scores are not finite" });
            }
            store_step(&mut parts, t, (j, k, d), c * rho, params)?;
            if let Some(slot) = parts.rho.get_mut(t) {
                *slot = rho;
            }
            let train_loss = loss.mean_loss(labels, f)?;
            if train_loss > prev_loss {
                report.loss_increases += 1;
            }
            prev_loss = train_loss;
            report.steps = t + 1;
            report.final_loss = train_loss.to_f64();
            progress(&StepReport { step: t, stream, newton, rho, train_loss, inner, params });
        }
        Ok(report)
    }
}

/// Splits `n` elements off the front of a workspace.
fn split<T>(buf: &mut [T], n: usize) -> Result<(&mut [T], &mut [T])> {
    let given = buf.len();
    buf.split_at_mut_checked(n).ok_or(Error::WorkspaceTooSmall { needed: n, given })
}

/// Selection sampling (Knuth, TAOCP vol. 2, Alg. 3.4.2 S): copies `sample` of the rows of `x`
/// and `r`, uniformly without replacement and in row order, into `xs`/`rs`; all rows when
/// `sample` is every row (no draws).
#[allow(clippy::too_many_arguments)]
fn select_rows<T: Real>(
    x: &[T],
    r: &[T],
    d: usize,
    k: usize,
    sample: usize,
    rng: &mut Pcg32,
    xs: &mut [T],
    rs: &mut [T],
) {
    let rows = r.len() / k;
    let mut chosen = 0usize;
    let mut dst = xs.chunks_exact_mut(d).zip(rs.chunks_exact_mut(k));
    for (i, (xr, rr)) in x.chunks_exact(d).zip(r.chunks_exact(k)).enumerate() {
        let left = rows - i;
        let need = sample - chosen;
        if need == 0 {
            break;
        }
        // Keep row i with probability need / left (always when need == left).
        if need == left || (rng.below(left as u32) as usize) < need {
            if let Some((xd, rd)) = dst.next() {
                xd.copy_from_slice(xr);
                rd.copy_from_slice(rr);
            }
            chosen += 1;
        }
    }
}

/// `p = h(X)` for every row of `x`, in chunks of the subsample size through the training
/// buffers (`xs` holds the standardised chunk).
#[allow(clippy::too_many_arguments)]
fn predict_all<T: Real>(
    mlp: &Mlp<'_>,
    params: &[T],
    x: &[T],
    mean: &[T],
    std: &[T],
    xs: &mut [T],
    bufs: &mut TrainBuffers<'_, T>,
    p: &mut [T],
) -> Result<()> {
    let (d, k) = (mlp.inputs(), mlp.outputs());
    let chunk = bufs.capacity();
    for (xc, pc) in x.chunks(chunk * d).zip(p.chunks_mut(chunk * k)) {
        let n = pc.len() / k;
        let xb = xs.get_mut(..n * d).ok_or(Error::SizeOverflow)?;
        xb.copy_from_slice(xc);
        standardize(xb, mean, std)?;
        let acts = bufs.acts.get_mut(..mlp.activations_len(n)?).ok_or(Error::SizeOverflow)?;
        // `x` was scanned once in `train`; the weak learner is the crate's own.
        mlp.forward_unchecked(params, xb, n, acts)?;
        pc.copy_from_slice(mlp.output(acts, n)?);
    }
    Ok(())
}

/// Writes step t's network into the merged model: `W1`/`b1` rows `tJ..(t+1)J`, `W2` columns
/// `tJ..(t+1)J` scaled by `scale = c·ρ_t`, and bias prefix row t+1 = row t + `scale·b2ᵗ`.
fn store_step<T: Real>(
    parts: &mut ModelParts<&mut [T]>,
    t: usize,
    (j, k, d): (usize, usize, usize),
    scale: T,
    params: &[T],
) -> Result<()> {
    let short = Error::SizeOverflow;
    let h = parts.b1.len();
    let (w1t, rest) = params.split_at_checked(j * d).ok_or(short)?;
    let (b1t, rest) = rest.split_at_checked(j).ok_or(short)?;
    let (w2t, b2t) = rest.split_at_checked(k * j).ok_or(short)?;
    parts.w1.get_mut(t * j * d..(t + 1) * j * d).ok_or(short)?.copy_from_slice(w1t);
    parts.b1.get_mut(t * j..(t + 1) * j).ok_or(short)?.copy_from_slice(b1t);
    for (row, src) in parts.w2.chunks_exact_mut(h).zip(w2t.chunks_exact(j)) {
        let dst = row.get_mut(t * j..(t + 1) * j).ok_or(short)?;
        dst.copy_from_slice(src);
        T::scale(scale, dst);
    }
    let (done, next) = parts.bias_prefix.split_at_mut_checked((t + 1) * k).ok_or(short)?;
    let next = next.get_mut(..k).ok_or(short)?;
    next.copy_from_slice(done.get(t * k..).ok_or(short)?);
    T::axpy(scale, b2t, next);
    Ok(())
}
