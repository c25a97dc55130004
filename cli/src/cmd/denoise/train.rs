//! `denoise train` (the conditional flow teacher) and `denoise distill` (the one-step student
//! by regression on teacher endpoints, spec §(f).2–3).

use std::path::PathBuf;
use std::time::Instant;

use ferrokern::denoise::{
    flow_model_writer, flow_train_buffer_len, student_inputs, train_flow_epoch, FlowModelKind,
    FlowTrainBuffers, FlowTrainConfig, GuidanceKind, PIXELS, STUDENT_LAYOUT, STUDENT_NET, TEACHER_LAYOUT,
    TEACHER_NET,
};
use ferrokern::model::DType;
use ferrokern::nn::{train_buffer_len, train_step, LayerSpec, Mlp, Target, TrainBuffers};
use ferrokern::optim::{Adam, AdamConfig, LrSchedule, StepControl};
use ferrokern::rng::Pcg32;
use ferrokern::Real;
use serde_json::json;

use super::model::{noise, student_sample, teacher_sample, FlowNet, Images};
use crate::args::DataArgs;
use crate::error::{CliError, Result};
use crate::output::{Ctx, Progress, Stopwatch};

/// Stored weight type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Weights {
    /// IEEE binary32.
    F32,
    /// IEEE binary16 (half the size; for firmware flash).
    F16,
}

impl Weights {
    fn dtype(self) -> DType {
        match self {
            Weights::F32 => DType::F32,
            Weights::F16 => DType::F16,
        }
    }
}

/// Optimisation options shared by `train` and `distill`.
#[derive(Debug, Clone, clap::Args)]
pub struct OptArgs {
    /// Peak learning rate of Adam (linear warm-up, then cosine decay to lr/100).
    #[arg(long, allow_negative_numbers = true, default_value_t = 2e-3)]
    lr: f64,
    /// Warm-up steps.
    #[arg(long, default_value_t = 200)]
    warmup: u64,
    /// Minibatch rows.
    #[arg(long, default_value_t = 128)]
    batch: usize,
    /// Decay of the exponential moving average of the weights that is saved (0 = save the raw weights).
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.999)]
    ema: f64,
    /// Seed of the initialisation, minibatches and noise.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

impl OptArgs {
    fn check(&self) -> Result<()> {
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return Err(CliError::param("lr", "must be a finite number > 0"));
        }
        if self.batch == 0 {
            return Err(CliError::param("batch", "must be > 0"));
        }
        if !(0.0..1.0).contains(&self.ema) {
            return Err(CliError::param("ema", "must be in [0, 1)"));
        }
        Ok(())
    }

    fn optimizer(&self, steps: u64) -> Adam {
        let control = StepControl {
            schedule: LrSchedule::Cosine {
                total: steps.saturating_sub(self.warmup).max(1),
                min_lr: self.lr / 100.0,
            },
            warmup_steps: self.warmup.min(steps / 2),
            max_grad_norm: None,
        };
        Adam::new(AdamConfig { lr: self.lr, ..AdamConfig::default() }).with_control(control)
    }
}

/// Exponential moving average `ema ← d·ema + (1 − d)·params` after `step` completed steps,
/// with the usual warm-up `d = min(decay, (1 + step)/(10 + step))` so short runs are not
/// dominated by the initial weights (d = 0 copies).
fn ema_update(decay: f64, step: u64, params: &[f32], ema: &mut [f32]) {
    let d = decay.min((1.0 + step as f64) / (10.0 + step as f64));
    f32::scale(d as f32, ema);
    f32::axpy((1.0 - d) as f32, params, ema);
}

/// `denoise train` options.
#[derive(Debug, Clone, clap::Args)]
pub struct TrainArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    opt: OptArgs,
    /// Optimizer steps (minibatches).
    #[arg(long, default_value_t = 20000)]
    steps: u64,
    /// Probability of replacing a label by the null class (for guidance).
    #[arg(long, default_value_t = 0.1)]
    label_dropout: f64,
    /// Stored weight type.
    #[arg(long, value_enum, default_value_t = Weights::F32)]
    weights: Weights,
    /// Write the teacher here (kind flow-teacher).
    #[arg(long, value_name = "TEACHER.fkm")]
    out: PathBuf,
}

/// Trains the teacher: flow matching on the training rows with label dropout (spec §(f).2).
pub fn train(args: TrainArgs, ctx: &Ctx) -> Result<()> {
    args.opt.check()?;
    crate::fsio::check_output(&args.out, "out")?;
    if args.steps == 0 {
        return Err(CliError::param("steps", "must be > 0"));
    }
    if !(0.0..=1.0).contains(&args.label_dropout) {
        return Err(CliError::param("label-dropout", "must be in [0, 1]"));
    }
    let split = args.data.load()?;
    let data = Images::from_supervised(&split.train)?;
    if data.is_empty() {
        return Err(CliError::file(&args.data.data, "has no training rows"));
    }
    let b = args.opt.batch;
    let kernel = |e| CliError::kernel("denoise train", e);
    let mlp = Mlp::new(&TEACHER_NET).map_err(kernel)?;
    let mut rng = Pcg32::seed(args.opt.seed);
    let mut params = vec![0.0f32; mlp.params_len()];
    mlp.init(&mut params, &mut rng).map_err(kernel)?;
    let mut ema = params.clone();
    let mut state = vec![0.0f32; Adam::state_len(params.len())];
    let mut opt = args.opt.optimizer(args.steps);
    let mut buf = vec![0.0f32; flow_train_buffer_len(&TEACHER_NET, TEACHER_LAYOUT, b)];
    let mut lab = vec![0usize; b];
    let mut bufs = FlowTrainBuffers::split(&mut buf, &mut lab, &mlp, &TEACHER_LAYOUT, b).map_err(kernel)?;
    let config = FlowTrainConfig { batch: b, label_dropout: args.label_dropout };
    let mut order: Vec<usize> = (0..data.len()).collect();
    let per_epoch = data.len().div_ceil(b);
    let progress = Progress::new(ctx, args.steps, "denoise train");
    let report_every = (args.steps / 10).max(1);
    let (mut sw, started) = (Stopwatch::new(), Instant::now());
    let (mut window, mut losses) = (0.0f64, Vec::new());
    for step in 0..args.steps {
        let k = (step % per_epoch as u64) as usize;
        if k == 0 {
            rng.shuffle(&mut order);
        }
        let rows = &order[k * b..((k + 1) * b).min(order.len())];
        let loss = sw
            .time(|| {
                let loss = train_flow_epoch(
                    &mlp,
                    &TEACHER_LAYOUT,
                    &mut opt,
                    &mut params,
                    &mut state,
                    &data.x,
                    &data.y,
                    rows,
                    &config,
                    &mut rng,
                    &mut bufs,
                )?;
                ema_update(args.opt.ema, step, &params, &mut ema);
                Ok(loss)
            })
            .map_err(kernel)?;
        window += f64::from(loss);
        progress.step(&format!("loss {loss:.4}"));
        if (step + 1) % report_every == 0 {
            let mean = window / report_every as f64;
            losses.push(mean);
            window = 0.0;
            if !progress.is_visible() {
                ctx.status(&format!(
                    "step {}/{}: loss {mean:.4} ({:.0}s)",
                    step + 1,
                    args.steps,
                    started.elapsed().as_secs_f64()
                ));
            }
        }
    }
    progress.finish();
    let mut w =
        flow_model_writer(FlowModelKind::Teacher, &TEACHER_LAYOUT, &TEACHER_NET, &ema, args.weights.dtype())
            .map_err(kernel)?;
    w.meta_i64("seed", args.opt.seed as i64)
        .and_then(|w| w.meta_i64("train_steps", args.steps as i64))
        .and_then(|w| w.meta_f64("ema", args.opt.ema))
        .map_err(kernel)?;
    let bytes = w.to_bytes().map_err(kernel)?;
    crate::fsio::write_bytes_atomic(&args.out, &bytes)?;
    let out = args.out.display().to_string();
    ctx.finish(
        sw.seconds(),
        json!({
            "model": out, "kind": "flow-teacher", "steps": args.steps, "batch": b, "train_rows": data.len(),
            "params": params.len(), "bytes": bytes.len(), "loss": losses, "seed": args.opt.seed,
        }),
        || {
            format!(
                "teacher: {} steps on {} rows, loss {:.4} -> {:.4}, {:.0}s; wrote {out} ({} bytes)",
                args.steps,
                data.len(),
                losses.first().copied().unwrap_or(f64::NAN),
                losses.last().copied().unwrap_or(f64::NAN),
                sw.seconds(),
                bytes.len()
            )
        },
    )
}

/// `denoise distill` options.
#[derive(Debug, Clone, clap::Args)]
pub struct DistillArgs {
    /// The teacher (kind flow-teacher).
    #[arg(long, value_name = "TEACHER.fkm")]
    teacher: PathBuf,
    #[command(flatten)]
    opt: OptArgs,
    /// Distillation pairs (z, y, w, teacher endpoint).
    #[arg(long, default_value_t = 48000)]
    pairs: usize,
    /// Euler steps of the teacher per pair (CFG).
    #[arg(long, default_value_t = 64)]
    teacher_steps: usize,
    /// Smallest guidance scale drawn per pair (uniform in [w-min, w-max]). Draw a little
    /// beyond the scales you will sample at: the defaults [0.5, 4.5] (the committed student)
    /// serve w = 1…4, whose ends were the least faithful with [1, 4] (endpoint MSE 0.0106 vs
    /// 0.0080 at w = 1).
    #[arg(long, default_value_t = 0.5)]
    w_min: f64,
    /// Largest guidance scale drawn per pair.
    #[arg(long, default_value_t = 4.5)]
    w_max: f64,
    /// Passes over the pairs.
    #[arg(long, default_value_t = 60)]
    epochs: usize,
    /// Stored weight type (f16: the firmware's flash format).
    #[arg(long, value_enum, default_value_t = Weights::F16)]
    weights: Weights,
    /// Write the student here (kind flow-student).
    #[arg(long, value_name = "STUDENT.fkm")]
    out: PathBuf,
}

/// Held-out pairs for the endpoint MSE.
const HELD_OUT: usize = 200;

/// Distillation pairs: noise `z`, labels `y`, scales `w`, teacher endpoints `x0`.
#[derive(Debug, Default)]
struct Pairs {
    z: Vec<f32>,
    y: Vec<usize>,
    w: Vec<f64>,
    x0: Vec<f32>,
}

/// Teacher endpoints for `n` pairs.
fn make_pairs(
    teacher: &[f32],
    n: usize,
    args: &DistillArgs,
    rng: &mut Pcg32,
    progress: &Progress,
) -> ferrokern::Result<Pairs> {
    let mut p = Pairs::default();
    let chunk = 100;
    let mut done = 0;
    while done < n {
        let m = chunk.min(n - done);
        let zc = noise(rng, m);
        let yc: Vec<usize> = (0..m).map(|_| rng.below(10) as usize).collect();
        let wc: Vec<f64> = (0..m).map(|_| args.w_min + (args.w_max - args.w_min) * rng.next_f64()).collect();
        let mut xc = zc.clone();
        teacher_sample(teacher, &GuidanceKind::Cfg, &yc, &wc, args.teacher_steps, &mut xc)?;
        p.z.extend(zc);
        p.y.extend(yc);
        p.w.extend(wc);
        p.x0.extend(xc);
        done += m;
        progress.step("teacher endpoints");
    }
    Ok(p)
}

/// Distils the one-step student from the teacher by regression on its endpoints from the
/// same noise, with `w ~ U[w-min, w-max]` per pair as an input (spec §(f).3).
pub fn distill(args: DistillArgs, ctx: &Ctx) -> Result<()> {
    args.opt.check()?;
    crate::fsio::check_output(&args.out, "out")?;
    if args.pairs == 0 {
        return Err(CliError::param("pairs", "must be > 0"));
    }
    if args.teacher_steps == 0 {
        return Err(CliError::param("teacher-steps", "must be > 0"));
    }
    if args.epochs == 0 {
        return Err(CliError::param("epochs", "must be > 0"));
    }
    if !(args.w_min.is_finite() && args.w_max.is_finite() && 0.0 <= args.w_min && args.w_min <= args.w_max) {
        return Err(CliError::param("w-min", "need 0 <= w-min <= w-max, finite"));
    }
    let teacher = match FlowNet::load(&args.teacher)? {
        FlowNet::Teacher(p) => p,
        FlowNet::Student(_) => return Err(CliError::param("teacher", "is a student model, not a teacher")),
    };
    let kernel = |e| CliError::kernel("denoise distill", e);
    let b = args.opt.batch;
    let steps = (args.epochs * args.pairs.div_ceil(b)) as u64;
    let progress =
        Progress::new(ctx, (args.pairs + HELD_OUT).div_ceil(100) as u64 + steps, "denoise distill");
    let (mut sw, started) = (Stopwatch::new(), Instant::now());
    let mut rng = Pcg32::seed(args.opt.seed);
    let Pairs { z, y, w, x0 } =
        sw.time(|| make_pairs(&teacher, args.pairs, &args, &mut rng, &progress)).map_err(kernel)?;
    let held = sw.time(|| make_pairs(&teacher, HELD_OUT, &args, &mut rng, &progress)).map_err(kernel)?;
    let pair_seconds = sw.seconds();
    if !progress.is_visible() {
        ctx.status(&format!("{} teacher endpoints in {pair_seconds:.0}s", args.pairs + HELD_OUT));
    }

    let mlp = Mlp::new(&STUDENT_NET).map_err(kernel)?;
    let mut params = vec![0.0f32; mlp.params_len()];
    mlp.init(&mut params, &mut rng).map_err(kernel)?;
    let mut ema = params.clone();
    let mut state = vec![0.0f32; Adam::state_len(params.len())];
    let mut opt = args.opt.optimizer(steps);
    let layers: &[LayerSpec] = &STUDENT_NET;
    let mut buf = vec![0.0f32; train_buffer_len(layers, b)];
    let mut bufs = TrainBuffers::split(&mut buf, &mlp, b).map_err(kernel)?;
    let width = STUDENT_LAYOUT.input_len();
    let mut order: Vec<usize> = (0..args.pairs).collect();
    let (mut inputs, mut zb, mut xb) =
        (vec![0.0f32; b * width], vec![0.0f32; b * PIXELS], vec![0.0f32; b * PIXELS]);
    let (mut yb, mut wb) = (vec![0usize; b], vec![0.0f64; b]);
    let mut losses = Vec::new();
    let mut done_steps = 0u64;
    for epoch in 0..args.epochs {
        rng.shuffle(&mut order);
        let mut total = 0.0f64;
        for chunk in order.chunks(b) {
            let n = chunk.len();
            for (k, &i) in chunk.iter().enumerate() {
                zb[k * PIXELS..(k + 1) * PIXELS].copy_from_slice(&z[i * PIXELS..(i + 1) * PIXELS]);
                xb[k * PIXELS..(k + 1) * PIXELS].copy_from_slice(&x0[i * PIXELS..(i + 1) * PIXELS]);
                yb[k] = y[i];
                wb[k] = w[i];
            }
            let loss = sw
                .time(|| {
                    let inp = &mut inputs[..n * width];
                    student_inputs(&STUDENT_LAYOUT, &zb[..n * PIXELS], &yb[..n], &wb[..n], inp)?;
                    let target = Target::Values(&xb[..n * PIXELS]);
                    let loss = train_step(&mlp, &mut opt, &mut params, &mut state, inp, target, &mut bufs)?;
                    ema_update(args.opt.ema, done_steps, &params, &mut ema);
                    done_steps += 1;
                    Ok(loss)
                })
                .map_err(kernel)?;
            total += f64::from(loss);
            progress.step(&format!("epoch {} loss {loss:.4}", epoch + 1));
        }
        let mean = total / order.len().div_ceil(b) as f64;
        losses.push(mean);
        if !progress.is_visible() && (epoch + 1) % (args.epochs / 10).max(1) == 0 {
            ctx.status(&format!(
                "epoch {}/{}: loss {mean:.4} ({:.0}s)",
                epoch + 1,
                args.epochs,
                started.elapsed().as_secs_f64()
            ));
        }
    }
    progress.finish();
    // Endpoint MSE of the saved (EMA, stored-precision) student on held-out noise.
    let mut wr =
        flow_model_writer(FlowModelKind::Student, &STUDENT_LAYOUT, &STUDENT_NET, &ema, args.weights.dtype())
            .map_err(kernel)?;
    wr.meta_i64("seed", args.opt.seed as i64)
        .and_then(|m| m.meta_i64("pairs", args.pairs as i64))
        .and_then(|m| m.meta_i64("teacher_steps", args.teacher_steps as i64))
        .and_then(|m| m.meta_f64("w_min", args.w_min))
        .and_then(|m| m.meta_f64("w_max", args.w_max))
        .map_err(kernel)?;
    let bytes = wr.to_bytes().map_err(kernel)?;
    let stored = match FlowNet::from_bytes(&bytes, "student")? {
        FlowNet::Student(p) => p,
        FlowNet::Teacher(_) => return Err(CliError::new("internal: student saved as teacher")),
    };
    let hs = student_sample(&stored, &held.z, &held.y, &held.w).map_err(kernel)?;
    let mse =
        hs.iter().zip(&held.x0).map(|(a, b)| f64::from((a - b) * (a - b))).sum::<f64>() / hs.len() as f64;
    crate::fsio::write_bytes_atomic(&args.out, &bytes)?;
    let out = args.out.display().to_string();
    ctx.finish(
        sw.seconds(),
        json!({
            "model": out, "kind": "flow-student", "pairs": args.pairs, "teacher_steps": args.teacher_steps,
            "epochs": args.epochs, "pair_seconds": pair_seconds, "loss": losses, "held_out_mse": mse,
            "bytes": bytes.len(), "weights": format!("{:?}", args.weights).to_lowercase(), "seed": args.opt.seed,
        }),
        || {
            format!(
                "student: {} pairs ({pair_seconds:.0}s), {} epochs, loss {:.4} -> {:.4}, held-out endpoint MSE {mse:.4}, \
                 {:.0}s; wrote {out} ({} bytes)",
                args.pairs,
                args.epochs,
                losses.first().copied().unwrap_or(f64::NAN),
                losses.last().copied().unwrap_or(f64::NAN),
                sw.seconds(),
                bytes.len()
            )
        },
    )
}
