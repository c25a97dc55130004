//! `ferrokern predict --model MODEL.fkm --data FILE.csv`: predictions of a saved model, and
//! `accuracy` / `rmse` when the file has a target column. Dispatches on the model's kind
//! through [`KINDS`]: a new model family plugs in with one entry (a loader returning a
//! [`Predictor`]).

use std::path::PathBuf;

use ferrokern::model::Model;
use ferrokern::nn::{load_mlp_params, load_standardization, mlp_layers, Activation, LayerSpec, MLP_KIND};
use serde_json::json;

use super::train::{argmax_classes, mlp_outputs};
use crate::data::{class_labels_below, load_csv, Task};
use crate::error::{quote, CliError, Result};
use crate::metrics::{self, Stage};
use crate::output::{Ctx, Stopwatch};

/// Options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Model file written by a training command (`--out`).
    #[arg(long, value_name = "MODEL.fkm")]
    model: PathBuf,
    /// CSV with the model's feature columns, optionally followed by the target column.
    #[arg(long, value_name = "FILE.csv")]
    data: PathBuf,
}

/// A loaded model that predicts one value per row (a class label or a real value).
pub trait Predictor {
    /// Number of feature columns it expects.
    fn features(&self) -> usize;
    /// Classification or regression.
    fn task(&self) -> Task;
    /// Number of classes it can predict (classification; 0 for regression).
    fn classes(&self) -> usize;
    /// One prediction per row of row-major `x` (`rows × features`, raw, unstandardised).
    fn predict(&self, x: &[f64]) -> Result<Vec<f64>>;
}

/// A loader for one model kind.
pub type Loader = fn(&Model<'_>) -> std::result::Result<Box<dyn Predictor>, ferrokern::Error>;

/// Model kinds `predict` reads, with their loaders.
pub const KINDS: &[(&str, Loader)] =
    &[(MLP_KIND, load_mlp), (ferrokern::boost::GBNN_KIND, super::gbnn::load_predictor)];

/// A saved MLP: layers, f32 weights, input standardisation, task.
struct MlpPredictor {
    layers: Vec<LayerSpec>,
    params: Vec<f32>,
    mean: Vec<f64>,
    std: Vec<f64>,
    task: Task,
    /// Regression: predictions are `output · scale.1 + scale.0`.
    scale: (f64, f64),
}

fn load_mlp(model: &Model<'_>) -> std::result::Result<Box<dyn Predictor>, ferrokern::Error> {
    let mut specs = vec![LayerSpec::new(1, 1, Activation::Identity); ferrokern::nn::MAX_LAYERS];
    let layers = mlp_layers(model, &mut specs)?.to_vec();
    let mut params = vec![0.0f32; ferrokern::nn::params_len(&layers)];
    load_mlp_params(model, &layers, &mut params)?;
    let inputs = layers.first().map_or(0, |l| l.inputs);
    let (mut mean, mut std) = (vec![0.0f64; inputs], vec![0.0f64; inputs]);
    load_standardization(model, &mut mean, &mut std)?;
    // The checksum proves the bytes are as written, not that the writer wrote finite numbers.
    if let Some(index) = params.iter().position(|v| !v.is_finite()) {
        return Err(ferrokern::Error::NonFinite { what: "mlp weights", index });
    }
    if let Some(index) = mean.iter().position(|v| !v.is_finite()) {
        return Err(ferrokern::Error::NonFinite { what: "standardize.mean", index });
    }
    if std.iter().any(|s| !(*s > 0.0 && s.is_finite())) {
        return Err(ferrokern::Error::Model { reason: "standardize.std must be finite and > 0", offset: 0 });
    }
    let outputs = layers.last().map_or(0, |l| l.outputs);
    let task = match model.meta_str("task")? {
        "classification" => Task::Classification,
        "regression" => Task::Regression,
        _ => return Err(ferrokern::Error::Model { reason: "unknown task", offset: 0 }),
    };
    let scale = match task {
        Task::Classification => (0.0, 1.0),
        Task::Regression => {
            if outputs != 1 {
                return Err(ferrokern::Error::Model { reason: "regression mlp needs 1 output", offset: 0 });
            }
            let scale = (model.meta_f64("target_mean")?, model.meta_f64("target_std")?);
            if !(scale.0.is_finite() && scale.1.is_finite() && scale.1 > 0.0) {
                return Err(ferrokern::Error::Model {
                    reason: "target_mean/target_std must be finite, std > 0",
                    offset: 0,
                });
            }
            scale
        }
    };
    Ok(Box::new(MlpPredictor { layers, params, mean, std, task, scale }))
}

impl Predictor for MlpPredictor {
    fn features(&self) -> usize {
        self.mean.len()
    }
    fn task(&self) -> Task {
        self.task
    }
    fn classes(&self) -> usize {
        match self.task {
            Task::Classification => self.layers.last().map_or(0, |l| l.outputs),
            Task::Regression => 0,
        }
    }
    fn predict(&self, x: &[f64]) -> Result<Vec<f64>> {
        let mut xs = x.to_vec();
        for row in xs.chunks_exact_mut(self.features()) {
            for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *v = (*v - m) / s;
            }
        }
        let out = mlp_outputs::<f32>(&self.layers, &self.params, &xs)
            .map_err(|e| CliError::kernel("mlp forward", e))?;
        Ok(match self.task {
            Task::Classification => {
                let k = self.layers.last().map_or(1, |l| l.outputs);
                argmax_classes(&out, k).into_iter().map(|c| c as f64).collect()
            }
            Task::Regression => out.iter().map(|o| o * self.scale.1 + self.scale.0).collect(),
        })
    }
}

/// Reads, validates and loads a model file of any kind in [`KINDS`].
pub fn load_predictor(path: &std::path::Path) -> Result<(String, Box<dyn Predictor>)> {
    let bytes = std::fs::read(path).map_err(|e| CliError::file(path, format!("cannot read: {e}")))?;
    let model =
        Model::parse(&bytes).map_err(|e| CliError::file(path, format!("not a valid model file: {e}")))?;
    let kind = model.kind().to_owned();
    let Some((_, loader)) = KINDS.iter().find(|(k, _)| *k == kind) else {
        let known: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
        return Err(CliError::file(
            path,
            format!("model kind '{kind}' cannot be used by predict (supported: {})", known.join(", ")),
        ));
    };
    let p = loader(&model).map_err(|e| CliError::file(path, format!("invalid {kind} model: {e}")))?;
    Ok((kind, p))
}

/// Predict.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    let (kind, predictor) = load_predictor(&args.model)?;
    let table = load_csv(&args.data)?;
    let f = predictor.features();
    let has_target = if table.cols == f + 1 {
        true
    } else if table.cols == f {
        false
    } else {
        return Err(CliError::file(
            &args.data,
            format!(
                "has {} columns but the model {} expects {f} features (or {f} + a target column)",
                table.cols,
                quote(&args.model)
            ),
        ));
    };
    let mut x = Vec::with_capacity(table.rows * f);
    let mut y = Vec::new();
    for i in 0..table.rows {
        let row = table.row(i);
        x.extend_from_slice(&row[..f]);
        if has_target {
            y.push(row[f]);
        }
    }
    let mut sw = Stopwatch::new();
    let pred = sw.time(|| predictor.predict(&x))?;
    let task = predictor.task();
    let mut fields = json!({
        "kind": kind,
        "task": task.name(),
        "rows": table.rows,
        "predictions": pred,
    });
    let mut metric = None;
    if has_target {
        let key = metrics::metric_key(task, Stage::Eval);
        let value = match task {
            Task::Classification => {
                let truth = class_labels_below(&y, &table.source, predictor.classes())?;
                let p: Vec<usize> = pred.iter().map(|&v| v as usize).collect();
                metrics::accuracy(&p, &truth)?
            }
            Task::Regression => metrics::rmse(&pred, &y)?,
        };
        fields[key] = json!(value);
        metric = Some((key, value));
    }
    ctx.finish(sw.seconds(), fields, || {
        let mut s: String = pred.iter().map(|p| format!("{p}\n")).collect();
        s.push_str(&format!("# {kind} ({}), {} rows", task.name(), table.rows));
        if let Some((k, v)) = metric {
            s.push_str(&format!(", {k} {v:.4}"));
        }
        s
    })
}
