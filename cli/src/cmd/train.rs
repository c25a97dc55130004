//! `ferrokern train mlp`: train a multi-layer perceptron on a CSV file with diffGrad, Adam or
//! SGD (minibatches, shuffled each epoch), report the held-out score, optionally save a model
//! file (kind `mlp`) that `ferrokern predict` reads.

use std::path::PathBuf;

use clap::Subcommand;
use ferrokern::model::ModelWriter;
use ferrokern::nn::{
    count_correct, gather, gather_rows, save_mlp, train_buffer_len, train_step, Activation, LayerSpec, Mlp,
    Target, TrainBuffers, MLP_KIND,
};
use ferrokern::optim::{Moment, Optimizer};
use ferrokern::rng::Pcg32;
use ferrokern::Real;
use serde_json::json;

use super::optim::{AnyOptimizer, OptimizerArgs};
use crate::args::{DataArgs, Precision, TaskArgs, TrainArgs};
use crate::data::{class_labels, class_labels_below, resolve_task, Split, Standardizer, Task};
use crate::error::{CliError, Result};
use crate::metrics::{self, Stage};
use crate::output::{Ctx, Progress, Stopwatch};

/// `train` subcommands.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: TrainCommand,
}

#[derive(Debug, Clone, Subcommand)]
enum TrainCommand {
    /// A multi-layer perceptron (softmax cross-entropy or MSE), minibatch training.
    Mlp(MlpArgs),
}

/// Hidden-layer activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ActivationArg {
    /// max(z, 0).
    Relu,
    /// tanh z.
    Tanh,
    /// z·σ(z).
    Silu,
    /// GELU (tanh form).
    Gelu,
}

impl ActivationArg {
    fn activation(self) -> Activation {
        match self {
            ActivationArg::Relu => Activation::Relu,
            ActivationArg::Tanh => Activation::Tanh,
            ActivationArg::Silu => Activation::Silu,
            ActivationArg::Gelu => Activation::Gelu,
        }
    }
}

/// `train mlp` options.
#[derive(Debug, Clone, clap::Args)]
pub struct MlpArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    task: TaskArgs,
    #[command(flatten)]
    train: TrainArgs,
    #[command(flatten)]
    opt: OptimizerArgs,
    /// Hidden layer widths, comma-separated (e.g. 64 or 128,64).
    #[arg(long, value_delimiter = ',', default_value = "64")]
    hidden: Vec<usize>,
    /// Hidden-layer activation.
    #[arg(long, value_enum, default_value_t = ActivationArg::Relu)]
    activation: ActivationArg,
    /// Passes over the training rows.
    #[arg(long, default_value_t = 15)]
    epochs: usize,
    /// Learning rate.
    #[arg(long, allow_negative_numbers = true, default_value_t = 3e-3)]
    lr: f64,
    /// Minibatch rows.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// Seed of the initialisation and the shuffling.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Write the trained model here (`ferrokern predict --model`).
    #[arg(long, value_name = "MODEL.fkm")]
    out: Option<PathBuf>,
}

/// Training targets: class labels or (standardised) values.
#[derive(Debug, Clone)]
pub enum Labels {
    /// Class labels, with the class count.
    Classes(Vec<usize>, usize),
    /// Regression values (already standardised).
    Values(Vec<f64>),
}

/// Everything `train_mlp` needs besides data and optimizer.
#[derive(Debug, Clone)]
pub struct MlpSetup {
    /// Layer stack.
    pub layers: Vec<LayerSpec>,
    /// Epochs.
    pub epochs: usize,
    /// Minibatch rows.
    pub batch: usize,
    /// Seed of init and shuffling.
    pub seed: u64,
}

/// The layer stack for `features` inputs, `hidden` widths and `outputs`.
pub fn layer_stack(features: usize, hidden: &[usize], act: Activation, outputs: usize) -> Vec<LayerSpec> {
    let mut widths = vec![features];
    widths.extend_from_slice(hidden);
    let mut layers: Vec<LayerSpec> = widths.windows(2).map(|w| LayerSpec::new(w[0], w[1], act)).collect();
    layers.push(LayerSpec::new(*widths.last().unwrap_or(&features), outputs, Activation::Identity));
    layers
}

/// Trains from a seeded initialisation; returns the parameters and the mean training loss of
/// each epoch. `on_epoch(epoch, loss)` is called after each epoch.
pub fn train_mlp<T: Real + Moment<T>>(
    opt: AnyOptimizer,
    setup: &MlpSetup,
    x: &[f64],
    labels: &Labels,
    mut on_epoch: impl FnMut(usize, f64),
) -> std::result::Result<(Vec<T>, Vec<f64>), ferrokern::Error> {
    fn run<T: Real + Moment<T>, O: Optimizer>(
        mut opt: O,
        setup: &MlpSetup,
        x: &[f64],
        labels: &Labels,
        on_epoch: &mut dyn FnMut(usize, f64),
    ) -> std::result::Result<(Vec<T>, Vec<f64>), ferrokern::Error> {
        let mlp = Mlp::new(&setup.layers)?;
        let (features, batch) = (mlp.inputs(), setup.batch);
        let x: Vec<T> = x.iter().map(|&v| T::from_f64(v)).collect();
        let rows = x.len() / features.max(1);
        let values: Vec<T> = match labels {
            Labels::Values(v) => v.iter().map(|&v| T::from_f64(v)).collect(),
            Labels::Classes(..) => Vec::new(),
        };
        let mut rng = Pcg32::seed(setup.seed);
        let mut params = vec![T::ZERO; mlp.params_len()];
        mlp.init(&mut params, &mut rng)?;
        let mut state = vec![T::ZERO; O::state_len_for(params.len())];
        let mut buf = vec![T::ZERO; train_buffer_len(&setup.layers, batch)];
        let mut bufs = TrainBuffers::split(&mut buf, &mlp, batch)?;
        let mut order: Vec<usize> = (0..rows).collect();
        let (mut xb, mut cb, mut vb) =
            (vec![T::ZERO; batch * features], vec![0usize; batch], vec![T::ZERO; batch]);
        let mut losses = Vec::with_capacity(setup.epochs);
        for epoch in 0..setup.epochs {
            rng.shuffle(&mut order);
            let mut total = 0.0;
            for idx in order.chunks(batch) {
                let xb = &mut xb[..idx.len() * features];
                gather_rows(&x, features, idx, xb)?;
                let target = match labels {
                    Labels::Classes(c, _) => {
                        gather(c, idx, &mut cb[..idx.len()])?;
                        Target::Classes(&cb[..idx.len()])
                    }
                    Labels::Values(_) => {
                        gather(&values, idx, &mut vb[..idx.len()])?;
                        Target::Values(&vb[..idx.len()])
                    }
                };
                let loss = train_step(&mlp, &mut opt, &mut params, &mut state, xb, target, &mut bufs)?;
                total += loss.to_f64() * idx.len() as f64;
            }
            let mean = total / rows.max(1) as f64;
            losses.push(mean);
            on_epoch(epoch, mean);
        }
        Ok((params, losses))
    }
    match opt {
        AnyOptimizer::DiffGrad(o) => run::<T, _>(o, setup, x, labels, &mut on_epoch),
        AnyOptimizer::Adam(o) => run::<T, _>(o, setup, x, labels, &mut on_epoch),
        AnyOptimizer::Sgd(o) => run::<T, _>(o, setup, x, labels, &mut on_epoch),
    }
}

/// Network outputs (`rows × outputs`, row-major) for `x` (`rows × inputs`), in chunks of 256.
pub fn mlp_outputs<T: Real>(
    layers: &[LayerSpec],
    params: &[T],
    x: &[f64],
) -> std::result::Result<Vec<f64>, ferrokern::Error> {
    const CHUNK: usize = 256;
    let mlp = Mlp::new(layers)?;
    let (inputs, outputs) = (mlp.inputs(), mlp.outputs());
    let mut acts = vec![T::ZERO; mlp.activations_len(CHUNK)?];
    let mut out = Vec::with_capacity(x.len() / inputs.max(1) * outputs);
    for xc in x.chunks(CHUNK * inputs) {
        let rows = xc.len() / inputs;
        let xt: Vec<T> = xc.iter().map(|&v| T::from_f64(v)).collect();
        let acts = &mut acts[..mlp.activations_len(rows)?];
        mlp.forward(params, &xt, rows, acts)?;
        out.extend(mlp.output(acts, rows)?.iter().map(|v| v.to_f64()));
    }
    Ok(out)
}

/// Class of each row of `scores` (`rows × classes`): the argmax.
pub fn argmax_classes(scores: &[f64], classes: usize) -> Vec<usize> {
    scores.chunks(classes.max(1)).map(|r| f64::argmax(r).unwrap_or(0)).collect()
}

/// Accuracy of `params` on `x`/`labels` through `count_correct` (f64 scores).
fn test_accuracy(scores: &[f64], labels: &[usize], classes: usize) -> Result<f64> {
    let correct = count_correct(scores, labels, classes).map_err(|e| CliError::kernel("scoring", e))?;
    Ok(correct as f64 / labels.len().max(1) as f64)
}

/// Run a subcommand.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    match args.command {
        TrainCommand::Mlp(a) => run_mlp(a, ctx),
    }
}

/// Largest network `train mlp` builds (weights + biases).
pub const MAX_PARAMS: usize = 1 << 26;

fn check_params(a: &MlpArgs) -> Result<()> {
    if !(a.lr > 0.0 && a.lr.is_finite()) {
        return Err(CliError::param("lr", "must be finite and > 0"));
    }
    if a.epochs == 0 {
        return Err(CliError::param("epochs", "must be > 0"));
    }
    if a.batch == 0 {
        return Err(CliError::param("batch", "must be > 0"));
    }
    if a.hidden.is_empty() || a.hidden.contains(&0) {
        return Err(CliError::param("hidden", "widths must be > 0"));
    }
    if a.hidden.len() + 1 > ferrokern::nn::MAX_LAYERS {
        return Err(CliError::param("hidden", "too many layers"));
    }
    Ok(())
}

/// Standardises training and held-out features with the training rows' statistics rounded to
/// f32, exactly as `predict` applies them from the model file (which stores f32).
fn standardize_f32(split: &mut Split, enabled: bool) -> Standardizer {
    let mut stats = if enabled {
        Standardizer::fit(&split.train.x, split.train.features)
    } else {
        Standardizer::identity(split.train.features)
    };
    for v in stats.mean.iter_mut() {
        *v = f64::from(*v as f32);
    }
    for s in stats.std.iter_mut() {
        let r = f64::from(*s as f32);
        // A std below f32's range would divide by 0: treat the feature as constant.
        *s = if r > 0.0 && r.is_finite() { r } else { 1.0 };
    }
    stats.apply(&mut split.train.x);
    if let Some(t) = split.test.as_mut() {
        stats.apply(&mut t.x);
    }
    stats
}

fn run_mlp(args: MlpArgs, ctx: &Ctx) -> Result<()> {
    check_params(&args)?;
    if let Some(out) = &args.out {
        crate::fsio::check_output(out, "out")?;
    }
    let opt = args.opt.build(args.lr, 0.9)?;
    let mut split = args.data.load()?;
    let stats = standardize_f32(&mut split, !args.train.no_standardize);
    let train = &split.train;
    let task = resolve_task(args.task.task, &train.y);
    // Regression targets are standardised for training (stored with the model).
    let (labels, outputs, y_scale) = match task {
        Task::Classification => {
            let (l, k) = class_labels(&train.y, &train.source)?;
            (Labels::Classes(l, k), k, (0.0, 1.0))
        }
        Task::Regression => {
            let n = train.y.len() as f64;
            let mean = train.y.iter().sum::<f64>() / n;
            let sd = (train.y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
            let sd = if sd > 0.0 { sd } else { 1.0 };
            (Labels::Values(train.y.iter().map(|v| (v - mean) / sd).collect()), 1, (mean, sd))
        }
    };
    // Held-out labels are checked before training, not after it.
    if let (Some(test), Labels::Classes(_, k)) = (&split.test, &labels) {
        class_labels_below(&test.y, &test.source, *k)?;
    }
    let layers = layer_stack(train.features, &args.hidden, args.activation.activation(), outputs);
    let params = layers.iter().try_fold(0usize, |n, l| {
        l.inputs.checked_add(1).and_then(|i| i.checked_mul(l.outputs)).and_then(|p| n.checked_add(p))
    });
    if params.is_none_or(|p| p > MAX_PARAMS) {
        return Err(CliError::param(
            "hidden",
            format!("network too large (at most {MAX_PARAMS} parameters)"),
        ));
    }
    // A batch larger than the data is the whole data (and must not size the buffers).
    let batch = args.batch.min(train.rows);
    let setup = MlpSetup { layers: layers.clone(), epochs: args.epochs, batch, seed: args.seed };
    let progress = Progress::new(ctx, args.epochs as u64, "train mlp");
    let on_epoch = |_: usize, loss: f64| progress.step(&format!("loss {loss:.4}"));
    let mut sw = Stopwatch::new();
    let (params, losses): (Vec<f64>, Vec<f64>) = match args.train.precision {
        Precision::F64 => sw.time(|| train_mlp::<f64>(opt, &setup, &train.x, &labels, on_epoch)),
        Precision::F32 => sw
            .time(|| train_mlp::<f32>(opt, &setup, &train.x, &labels, on_epoch))
            .map(|(p, l)| (p.iter().map(|&v| f64::from(v)).collect(), l)),
    }
    .map_err(|e| CliError::kernel("train mlp", e))?;
    progress.finish();

    let mut fields = json!({
        "task": task.name(),
        "optimizer": args.opt.optimizer.name(),
        "precision": args.train.precision.name(),
        "layers": layers.iter().map(|l| l.outputs).collect::<Vec<_>>(),
        "params": params.len(),
        "epochs": args.epochs,
        "train_loss": losses,
    });
    let mut score_line = String::new();
    if let Some(test) = &split.test {
        let scores = sw
            .time(|| match args.train.precision {
                Precision::F64 => mlp_outputs::<f64>(&layers, &params, &test.x),
                Precision::F32 => {
                    let p32: Vec<f32> = params.iter().map(|&v| v as f32).collect();
                    mlp_outputs::<f32>(&layers, &p32, &test.x)
                }
            })
            .map_err(|e| CliError::kernel("train mlp, test rows", e))?;
        let key = metrics::metric_key(task, Stage::Test);
        let value = match &labels {
            Labels::Classes(_, k) => {
                let truth = class_labels_below(&test.y, &test.source, *k)?;
                test_accuracy(&scores, &truth, *k)?
            }
            Labels::Values(_) => {
                let pred: Vec<f64> = scores.iter().map(|s| s * y_scale.1 + y_scale.0).collect();
                metrics::rmse(&pred, &test.y)?
            }
        };
        fields[key] = json!(value);
        fields["test_rows"] = json!(test.rows);
        score_line = format!(", {key} {value:.4} ({} rows)", test.rows);
    }
    if let Some(path) = &args.out {
        let bytes = (|| {
            let mut w = ModelWriter::new(MLP_KIND)?;
            save_mlp(&mut w, &layers, &params, &stats.mean, &stats.std)?;
            w.meta_str("task", task.name())?;
            w.meta_i64("features", train.features as i64)?;
            if let Labels::Classes(_, k) = &labels {
                w.meta_i64("classes", *k as i64)?;
            } else {
                w.meta_f64("target_mean", y_scale.0)?.meta_f64("target_std", y_scale.1)?;
            }
            w.meta_str("optimizer", args.opt.optimizer.name())?;
            w.to_bytes()
        })()
        .map_err(|e| CliError::kernel("writing the model", e))?;
        crate::fsio::write_bytes_atomic(path, &bytes)?;
        fields["model"] = json!(path.display().to_string());
    }
    ctx.finish(sw.seconds(), fields, || {
        let widths: Vec<String> = std::iter::once(train.features)
            .chain(layers.iter().map(|l| l.outputs))
            .map(|w| w.to_string())
            .collect();
        let mut s = format!(
            "mlp {} ({}), {}, {} epochs, {}: train loss {:.4} -> {:.4}{score_line}",
            widths.join("-"),
            task.name(),
            args.opt.optimizer.name(),
            args.epochs,
            args.train.precision.name(),
            losses.first().copied().unwrap_or(f64::NAN),
            losses.last().copied().unwrap_or(f64::NAN),
        );
        if let Some(p) = &args.out {
            s.push_str(&format!("\nmodel: {}", p.display()));
        }
        s
    })
}
