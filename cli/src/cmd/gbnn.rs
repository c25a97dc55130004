//! `ferrokern gbnn train|eval`: gradient-boosted one-hidden-layer networks (spec `gbnn.md`).
//! `train` boosts T steps of J sigmoid units and saves the merged network (kind `gbnn`);
//! `eval` scores a saved model with its first K hidden units (run-time pruning, spec §5).
//! Scores of both commands come from the saved (f32) model, so `eval` on the file reproduces
//! `train`'s `test_accuracy` / `test_rmse` exactly.

use std::path::PathBuf;

use clap::Subcommand;
use ferrokern::boost::{
    load_gbnn, save_gbnn, GbnnConfig, GbnnShape, GbnnTrainer, Labels as GbnnLabels, Loss, MergedModel,
    Task as GbnnTask, GBNN_KIND,
};
use ferrokern::model::{Model, ModelWriter};
use ferrokern::Real;
use serde_json::json;

use super::predict::Predictor;
use crate::args::{DataArgs, Precision, TaskArgs};
use crate::data::{class_labels, class_labels_below, load_csv, resolve_task, Supervised, Task};
use crate::error::{CliError, Result};
use crate::fsio;
use crate::metrics::{self, Stage};
use crate::output::{Ctx, Progress, Stopwatch};

/// `gbnn` subcommands.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: GbnnCommand,
}

#[derive(Debug, Clone, Subcommand)]
enum GbnnCommand {
    /// Train a boosted network and save it (kind `gbnn`).
    Train(TrainArgs),
    /// Score a saved gbnn model on a CSV file, optionally with only its first K hidden units.
    Eval(EvalArgs),
}

/// `gbnn train` options.
#[derive(Debug, Clone, clap::Args)]
pub struct TrainArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    task: TaskArgs,
    /// Boosting steps T.
    #[arg(long, default_value_t = 200)]
    steps: usize,
    /// Hidden units per step J.
    #[arg(long, default_value_t = 1)]
    units: usize,
    /// Shrinkage η applied to every step.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.1)]
    lr: f64,
    /// Fraction of the training rows each step fits on, in (0, 1].
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.5)]
    subsample: f64,
    /// Seed of the subsamples and step initialisations.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Do not standardise features (by default: training rows' mean/std, stored with the model).
    #[arg(long)]
    no_standardize: bool,
    /// Floating-point precision of training (the saved model is f32 either way).
    #[arg(long, value_enum, default_value_t = Precision::F32)]
    precision: Precision,
    /// Write the model here.
    #[arg(long, value_name = "MODEL.fkm")]
    out: PathBuf,
}

/// `gbnn eval` options.
#[derive(Debug, Clone, clap::Args)]
pub struct EvalArgs {
    /// A model written by `gbnn train`.
    #[arg(long, value_name = "MODEL.fkm")]
    model: PathBuf,
    /// CSV with the model's feature columns followed by the target column.
    #[arg(long, value_name = "FILE.csv")]
    data: PathBuf,
    /// Use only the first K hidden units (default: all).
    #[arg(long, value_name = "K")]
    units: Option<usize>,
    /// Also report the metric for every K = 1 … T·J.
    #[arg(long)]
    curve: bool,
}

/// Run `gbnn`.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    match args.command {
        GbnnCommand::Train(a) => train(a, ctx),
        GbnnCommand::Eval(a) => eval(a, ctx),
    }
}

/// A loaded gbnn model: its shape and f32 weights.
#[derive(Debug, Clone)]
pub struct GbnnModel {
    /// Shape.
    pub shape: GbnnShape,
    /// Weights (layout `ferrokern::boost::ModelParts`).
    pub buf: Vec<f32>,
}

impl GbnnModel {
    /// Reads a model of kind `gbnn` from file bytes.
    pub fn from_model(model: &Model<'_>) -> std::result::Result<Self, ferrokern::Error> {
        let shape = ferrokern::boost::gbnn_shape(model)?;
        let mut buf = vec![0.0f32; shape.model_len()];
        load_gbnn(model, &mut buf)?;
        // The checksum proves the bytes are as written, not that the writer wrote finite numbers.
        if let Some(index) = buf.iter().position(|v| !v.is_finite()) {
            return Err(ferrokern::Error::NonFinite { what: "gbnn weights", index });
        }
        Ok(Self { shape, buf })
    }

    /// Reads a model file, with errors naming it.
    pub fn load(path: &std::path::Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| CliError::file(path, format!("cannot read: {e}")))?;
        let model =
            Model::parse(&bytes).map_err(|e| CliError::file(path, format!("not a valid model file: {e}")))?;
        if model.kind() != GBNN_KIND {
            return Err(CliError::file(path, format!("model kind is '{}', not '{GBNN_KIND}'", model.kind())));
        }
        Self::from_model(&model).map_err(|e| CliError::file(path, format!("invalid gbnn model: {e}")))
    }

    /// Classification or regression.
    pub fn task(&self) -> Task {
        match self.shape.loss {
            Loss::Squared => Task::Regression,
            _ => Task::Classification,
        }
    }

    /// Number of classes (binary: 2; 0 for regression).
    pub fn classes(&self) -> usize {
        match self.shape.loss {
            Loss::Squared => 0,
            Loss::LogExponential => 2,
            Loss::MultiClass { classes } => classes,
        }
    }

    /// One prediction per row of raw `x` (class label or value) with the first `units` hidden
    /// units, computed in f32 as on the device.
    pub fn predict_units(&self, x: &[f64], units: usize) -> Result<Vec<f64>> {
        let m = MergedModel::new(self.shape, &self.buf).map_err(|e| CliError::kernel("gbnn model", e))?;
        let (d, k) = (self.shape.features, self.shape.outputs());
        let rows = x.len() / d;
        let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let mut out = vec![0.0f32; rows * k];
        let chunk = 64;
        let mut scratch = vec![0.0f32; MergedModel::<f32>::scratch_len(d, units, chunk)];
        m.scores(&xf, units, &mut out, &mut scratch).map_err(|e| CliError::kernel("gbnn predict", e))?;
        Ok(match self.task() {
            Task::Regression => out.iter().map(|&v| f64::from(v)).collect(),
            Task::Classification => {
                let mut labels = vec![0usize; rows];
                m.classes(&out, false, &mut labels).map_err(|e| CliError::kernel("gbnn classes", e))?;
                labels.into_iter().map(|c| c as f64).collect()
            }
        })
    }

    /// The metric (accuracy or RMSE) of the first `units` hidden units on `data`.
    pub fn score(&self, data: &Supervised, units: usize) -> Result<f64> {
        let pred = self.predict_units(&data.x, units)?;
        match self.task() {
            Task::Classification => {
                let truth = class_labels_below(&data.y, &data.source, self.classes())?;
                let p: Vec<usize> = pred.iter().map(|&v| v as usize).collect();
                metrics::accuracy(&p, &truth)
            }
            Task::Regression => metrics::rmse(&pred, &data.y),
        }
    }
}

impl Predictor for GbnnModel {
    fn features(&self) -> usize {
        self.shape.features
    }
    fn task(&self) -> Task {
        GbnnModel::task(self)
    }
    fn classes(&self) -> usize {
        GbnnModel::classes(self)
    }
    fn predict(&self, x: &[f64]) -> Result<Vec<f64>> {
        self.predict_units(x, self.shape.hidden())
    }
}

/// The `predict` loader for kind `gbnn`.
pub fn load_predictor(model: &Model<'_>) -> std::result::Result<Box<dyn Predictor>, ferrokern::Error> {
    Ok(Box::new(GbnnModel::from_model(model)?))
}

/// Largest merged network `gbnn train` builds (T·J hidden units): beyond this the model and
/// workspace sizes stop being a sensible request and start being a typo.
pub const MAX_HIDDEN: usize = 1 << 20;

fn check_params(a: &TrainArgs) -> Result<()> {
    if a.steps == 0 {
        return Err(CliError::param("steps", "must be >= 1"));
    }
    if a.units == 0 {
        return Err(CliError::param("units", "must be >= 1"));
    }
    if a.steps.checked_mul(a.units).is_none_or(|h| h > MAX_HIDDEN) {
        return Err(CliError::param(
            "steps",
            format!("steps × units must be at most {MAX_HIDDEN} hidden units"),
        ));
    }
    if !(a.lr > 0.0 && a.lr.is_finite()) {
        return Err(CliError::param("lr", "must be finite and > 0"));
    }
    if !(a.subsample > 0.0 && a.subsample <= 1.0) {
        return Err(CliError::param("subsample", "must be in (0, 1]"));
    }
    Ok(())
}

/// Trains in precision `T`; returns the merged model (as f64) and the final train loss.
pub fn fit<T: Real>(
    trainer: &GbnnTrainer,
    data: &Supervised,
    labels: &[usize],
    progress: &Progress,
) -> std::result::Result<(Vec<f64>, f64), ferrokern::Error> {
    let x: Vec<T> = data.x.iter().map(|&v| T::from_f64(v)).collect();
    let y: Vec<T> = data.y.iter().map(|&v| T::from_f64(v)).collect();
    let shape = trainer.shape(data.features);
    let labels = match trainer.config.task {
        GbnnTask::Regression => GbnnLabels::Values(&y),
        GbnnTask::Classification { .. } => GbnnLabels::Classes(labels),
    };
    let mut model = vec![T::ZERO; shape.model_len()];
    let c = &trainer.config;
    let ws = GbnnTrainer::workspace_len(data.rows, data.features, c.units, shape.outputs(), c.inner.history);
    let mut work = vec![T::ZERO; ws];
    let report = trainer.train(&x, data.features, labels, &mut model, &mut work, |s| {
        progress.step(&format!("loss {:.4}", s.train_loss.to_f64()));
    })?;
    Ok((model.iter().map(|v| v.to_f64()).collect(), report.final_loss))
}

fn train(a: TrainArgs, ctx: &Ctx) -> Result<()> {
    check_params(&a)?;
    fsio::check_output(&a.out, "out")?;
    let split = a.data.load()?;
    let task = resolve_task(a.task.task, &split.train.y);
    let (labels, gtask) = match task {
        Task::Classification => {
            let (labels, k) = class_labels(&split.train.y, &split.train.source)?;
            (labels, GbnnTask::Classification { classes: k.max(2) })
        }
        Task::Regression => (Vec::new(), GbnnTask::Regression),
    };
    // Held-out labels are checked before training, not after it.
    if let (Some(test), GbnnTask::Classification { classes }) = (&split.test, gtask) {
        class_labels_below(&test.y, &test.source, classes)?;
    }
    let config = GbnnConfig {
        task: gtask,
        steps: a.steps,
        units: a.units,
        shrinkage: a.lr,
        subsample: a.subsample,
        seed: a.seed,
        standardize: !a.no_standardize,
        ..GbnnConfig::default()
    };
    let trainer = GbnnTrainer::new(config);
    let progress = Progress::new(ctx, a.steps as u64, "gbnn");
    let mut sw = Stopwatch::new();
    let (model, train_loss) = sw
        .time(|| match a.precision {
            Precision::F32 => fit::<f32>(&trainer, &split.train, &labels, &progress),
            Precision::F64 => fit::<f64>(&trainer, &split.train, &labels, &progress),
        })
        .map_err(|e| CliError::kernel("gbnn train", e))?;
    progress.finish();
    let shape = trainer.shape(split.train.features);
    let mut writer = ModelWriter::new(GBNN_KIND).map_err(|e| CliError::kernel("model", e))?;
    save_gbnn(&mut writer, &shape, &model, a.lr).map_err(|e| CliError::kernel("gbnn save", e))?;
    let bytes = writer.to_bytes().map_err(|e| CliError::kernel("model", e))?;
    // Score the saved model itself (f32), as `gbnn eval` and the firmware do.
    let parsed = Model::parse(&bytes).map_err(|e| CliError::kernel("model", e))?;
    let saved = GbnnModel::from_model(&parsed).map_err(|e| CliError::kernel("model", e))?;
    let mut fields = json!({
        "task": task.name(),
        "steps": a.steps,
        "units_per_step": a.units,
        "hidden": shape.hidden(),
        "lr": a.lr,
        "subsample": a.subsample,
        "seed": a.seed,
        "precision": a.precision.name(),
        "train_loss": train_loss,
        "model": a.out.display().to_string(),
        "model_bytes": bytes.len(),
    });
    let mut metric = None;
    if let Some(test) = &split.test {
        let key = metrics::metric_key(task, Stage::Test);
        let v = saved.score(test, shape.hidden())?;
        fields[key] = json!(v);
        metric = Some((key, v));
    }
    // Written last: a failure above must not leave a model file behind.
    fsio::write_bytes_atomic(&a.out, &bytes)?;
    ctx.finish(sw.seconds(), fields, || {
        let mut s = format!(
            "gbnn {} T={} J={} η={}: train loss {train_loss:.4}, model {} ({} bytes)",
            task.name(),
            a.steps,
            a.units,
            a.lr,
            a.out.display(),
            bytes.len()
        );
        if let Some((k, v)) = metric {
            s.push_str(&format!(", {k} {v:.4}"));
        }
        s
    })
}

fn eval(a: EvalArgs, ctx: &Ctx) -> Result<()> {
    let model = GbnnModel::load(&a.model)?;
    let h = model.shape.hidden();
    let units = a.units.unwrap_or(h);
    if units == 0 || units > h {
        return Err(CliError::param("units", format!("must be in 1..={h} (the model's hidden units)")));
    }
    let table = load_csv(&a.data)?;
    let data = Supervised::from_table(&table)?;
    if data.features != model.shape.features {
        return Err(CliError::file(
            &a.data,
            format!("has {} feature columns but the model expects {}", data.features, model.shape.features),
        ));
    }
    let mut sw = Stopwatch::new();
    let value = sw.time(|| model.score(&data, units))?;
    let curve = if a.curve {
        Some((1..=h).map(|k| model.score(&data, k)).collect::<Result<Vec<f64>>>()?)
    } else {
        None
    };
    let task = model.task();
    let key = metrics::metric_key(task, Stage::Eval);
    let mut fields = json!({ "task": task.name(), "units": units, "hidden": h, "rows": data.rows });
    fields[key] = json!(value);
    if let Some(c) = &curve {
        fields["curve"] = json!(c);
    }
    ctx.finish(sw.seconds(), fields, || {
        let mut s = String::new();
        if let Some(c) = &curve {
            s.push_str(&format!("units {key}\n"));
            for (k, v) in c.iter().enumerate() {
                s.push_str(&format!("{} {v:.4}\n", k + 1));
            }
        }
        s.push_str(&format!("{key} {value:.4} with {units}/{h} hidden units on {} rows", data.rows));
        s
    })
}
