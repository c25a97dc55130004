//! What the `denoise` subcommands and the tour share: digits in [−1, 1], loading flow models
//! and the judge from model files, sampling a teacher (Euler) or a student (one step), and
//! the judge's metrics.

use std::path::Path;

use ferrokern::denoise::{
    euler_buffer_len, euler_sample, frechet_distance, frechet_workspace_len, load_flow_params,
    mean_covariance, precision_recall, student_generate, AdaptiveGuidance, FlowModelKind, GuidanceKind,
    CLASSES, PIXELS, STUDENT_LAYOUT, STUDENT_NET, TEACHER_LAYOUT, TEACHER_NET,
};
use ferrokern::model::Model;
use ferrokern::nn::{load_mlp_params, load_standardization, mlp_layers, Activation, LayerSpec, Mlp};
use ferrokern::rng::Pcg32;

use crate::data::Supervised;
use crate::error::{CliError, Result};

/// The committed teacher (`models/denoise/teacher.fkm`).
pub const TEACHER_FKM: &[u8] = include_bytes!("../../../../models/denoise/teacher.fkm");
/// The committed student, f16 weights (`firmware-examples/denoise/model/student.fkm`).
pub const STUDENT_FKM: &[u8] = include_bytes!("../../../../firmware-examples/denoise/model/student.fkm");
/// The committed judge (`models/denoise/judge.fkm`, kind `mlp`, digits classifier).
pub const JUDGE_FKM: &[u8] = include_bytes!("../../../../models/denoise/judge.fkm");
/// The bundled digits data and the spec split.
pub const DIGITS_CSV: &str = include_str!("../../../../host-tests/data/digits.csv");
/// Held-out rows of [`DIGITS_CSV`] (spec split, 540 rows).
pub const DIGITS_TEST_ROWS: &str = include_str!("../../../../host-tests/data/splits/digits_test.txt");

/// Digit images in [−1, 1] (`rows × 64`) and their labels.
#[derive(Debug, Clone, Default)]
pub struct Images {
    /// Row-major pixels in [−1, 1].
    pub x: Vec<f32>,
    /// Class of each row.
    pub y: Vec<usize>,
}

impl Images {
    /// Rows.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Digits data (64 pixel columns with values 0–16, a class 0–9 last) scaled `x/8 − 1`
    /// (spec §(f).1).
    pub fn from_supervised(d: &Supervised) -> Result<Self> {
        if d.features != PIXELS {
            return Err(CliError::file(
                &d.source,
                format!("has {} features; 8×8 digits need 64", d.features),
            ));
        }
        if let Some(i) = d.x.iter().position(|v| !(0.0..=16.0).contains(v)) {
            return Err(CliError::file(
                &d.source,
                format!("row {}: pixel value {} outside 0..=16", i / PIXELS + 1, d.x[i]),
            ));
        }
        let mut y = Vec::with_capacity(d.rows);
        for (i, &v) in d.y.iter().enumerate() {
            if v.fract() != 0.0 || !(0.0..CLASSES as f64).contains(&v) {
                return Err(CliError::file(&d.source, format!("row {}: class {v} is not 0..=9", i + 1)));
            }
            y.push(v as usize);
        }
        Ok(Self { x: d.x.iter().map(|&p| (p / 8.0 - 1.0) as f32).collect(), y })
    }
}

/// The bundled digits (training rows, held-out rows) on the spec split.
pub fn bundled_digits() -> Result<(Images, Images)> {
    let table = crate::data::parse_csv(DIGITS_CSV, Path::new("digits.csv"))?;
    let rows = crate::data::parse_test_rows(DIGITS_TEST_ROWS, Path::new("digits_test.txt"), table.rows)?;
    let (train, test) = crate::data::split_rows(&table, &rows);
    Ok((
        Images::from_supervised(&Supervised::from_table(&train)?)?,
        Images::from_supervised(&Supervised::from_table(&test)?)?,
    ))
}

/// A loaded flow model.
#[derive(Debug, Clone)]
pub enum FlowNet {
    /// Conditional velocity network (Euler sampling).
    Teacher(Vec<f32>),
    /// One-step generator `G(z, y, w)`.
    Student(Vec<f32>),
}

impl FlowNet {
    /// Parses a `flow-teacher` or `flow-student` file (`source` names it in errors).
    pub fn from_bytes(bytes: &[u8], source: &str) -> Result<Self> {
        let model = Model::parse(bytes)
            .map_err(|e| CliError::new(format!("{source}: not a valid model file: {e}")))?;
        let kind = FlowModelKind::from_name(model.kind()).ok_or_else(|| {
            CliError::new(format!(
                "{source}: model kind '{}' is not flow-teacher or flow-student",
                model.kind()
            ))
        })?;
        let layers: &[LayerSpec] = match kind {
            FlowModelKind::Teacher => &TEACHER_NET,
            FlowModelKind::Student => &STUDENT_NET,
        };
        let mut params = vec![0.0f32; ferrokern::nn::params_len(layers)];
        load_flow_params(&model, kind, layers, &mut params)
            .map_err(|e| CliError::new(format!("{source}: {e}")))?;
        Ok(match kind {
            FlowModelKind::Teacher => FlowNet::Teacher(params),
            FlowModelKind::Student => FlowNet::Student(params),
        })
    }

    /// Reads a model file.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| CliError::file(path, format!("cannot read: {e}")))?;
        Self::from_bytes(&bytes, &crate::error::quote(path))
    }
}

/// `count` standard-normal rows of 64 pixels from `rng`.
pub fn noise(rng: &mut Pcg32, count: usize) -> Vec<f32> {
    (0..count * PIXELS).map(|_| rng.normal() as f32).collect()
}

/// Rows the samplers process at once.
const CHUNK: usize = 100;

/// Euler sampling of the teacher from noise `x` (replaced by the samples), `labels` and
/// `scales` per row; returns the network evaluations.
pub fn teacher_sample(
    params: &[f32],
    kind: &GuidanceKind,
    labels: &[usize],
    scales: &[f64],
    steps: usize,
    x: &mut [f32],
) -> ferrokern::Result<u64> {
    let mlp = Mlp::new(&TEACHER_NET)?;
    let mut buf = vec![0.0f32; euler_buffer_len(&TEACHER_NET, TEACHER_LAYOUT, CHUNK)];
    let mut ag = vec![AdaptiveGuidance::new(1.0); CHUNK];
    if let GuidanceKind::Adaptive { threshold } = kind {
        ag.iter_mut().for_each(|a| *a = AdaptiveGuidance::new(*threshold));
    }
    let mut evals = 0;
    for ((xs, ls), ws) in x.chunks_mut(CHUNK * PIXELS).zip(labels.chunks(CHUNK)).zip(scales.chunks(CHUNK)) {
        let n = ls.len();
        let st =
            euler_sample(&mlp, params, &TEACHER_LAYOUT, kind, ls, ws, steps, xs, &mut ag[..n], &mut buf)?;
        evals += st.evaluations;
    }
    Ok(evals)
}

/// One-step student samples for noise `z`, `labels`, `scales`.
pub fn student_sample(
    params: &[f32],
    z: &[f32],
    labels: &[usize],
    scales: &[f64],
) -> ferrokern::Result<Vec<f32>> {
    let mlp = Mlp::new(&STUDENT_NET)?;
    let mut out = vec![0.0f32; z.len()];
    let mut inputs = vec![0.0f32; CHUNK * STUDENT_LAYOUT.input_len()];
    let mut acts = vec![0.0f32; mlp.activations_len(CHUNK)?];
    for (((zs, ls), ws), os) in z
        .chunks(CHUNK * PIXELS)
        .zip(labels.chunks(CHUNK))
        .zip(scales.chunks(CHUNK))
        .zip(out.chunks_mut(CHUNK * PIXELS))
    {
        let n = ls.len();
        let acts = &mut acts[..mlp.activations_len(n)?];
        let inputs = &mut inputs[..n * STUDENT_LAYOUT.input_len()];
        student_generate(&mlp, params, &STUDENT_LAYOUT, zs, ls, ws, inputs, acts, os)?;
    }
    Ok(out)
}

/// Clips samples to the pixel range [−1, 1] (as images are shown and judged).
pub fn clip(x: &mut [f32]) {
    x.iter_mut().for_each(|v| *v = v.clamp(-1.0, 1.0));
}

/// The judge: an `mlp` classifier of digits on the raw 0–16 pixels, with the input
/// standardisation stored in its file (the committed one: `ferrokern train mlp --hidden 32
/// --no-standardize`, i.e. the identity, which keeps it insensitive to the small background
/// noise of generated digits); features = its penultimate activations.
#[derive(Debug, Clone)]
pub struct Judge {
    layers: Vec<LayerSpec>,
    params: Vec<f32>,
    mean: Vec<f32>,
    std: Vec<f32>,
}

/// The judge's scores of a sample set.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct JudgeScores {
    /// Fraction classified as the requested class.
    pub accuracy: f64,
    /// Fréchet distance to the reference rows in the judge's penultimate features.
    pub fd_feat: f64,
    /// k = 3 precision in pixel space (samples on the reference manifold).
    pub precision: f64,
    /// k = 3 recall in pixel space (reference rows on the samples' manifold).
    pub recall: f64,
}

impl Judge {
    /// Parses an `mlp` classifier with 64 inputs, 10 outputs and at least one hidden layer.
    pub fn from_bytes(bytes: &[u8], source: &str) -> Result<Self> {
        let err = |e: ferrokern::Error| CliError::new(format!("{source}: {e}"));
        let model = Model::parse(bytes)
            .map_err(|e| CliError::new(format!("{source}: not a valid model file: {e}")))?;
        let mut specs = [LayerSpec::new(1, 1, Activation::Identity); 16];
        let layers = mlp_layers(&model, &mut specs).map_err(err)?.to_vec();
        let shape_ok = match (layers.first(), layers.last()) {
            (Some(first), Some(last)) => first.inputs == PIXELS && last.outputs == CLASSES,
            _ => false,
        };
        if layers.len() < 2 || !shape_ok {
            return Err(CliError::new(format!(
                "{source}: the judge must be an MLP 64 → … → 10 with a hidden layer"
            )));
        }
        let mut params = vec![0.0f32; ferrokern::nn::params_len(&layers)];
        load_mlp_params(&model, &layers, &mut params).map_err(err)?;
        let (mut mean, mut std) = (vec![0.0f32; PIXELS], vec![1.0f32; PIXELS]);
        load_standardization(&model, &mut mean, &mut std).map_err(err)?;
        Ok(Self { layers, params, mean, std })
    }

    /// Reads a judge file.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| CliError::file(path, format!("cannot read: {e}")))?;
        Self::from_bytes(&bytes, &crate::error::quote(path))
    }

    /// Forward pass on images in [−1, 1]; returns the activations and the row count.
    fn forward(&self, x: &[f32]) -> ferrokern::Result<(Vec<f32>, usize)> {
        let n = x.len() / PIXELS;
        // Back to the 0–16 pixels the judge was trained on, then its standardisation.
        let mut raw: Vec<f32> = x.iter().map(|&v| 8.0 * (v + 1.0)).collect();
        for row in raw.chunks_exact_mut(PIXELS) {
            for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *v = (*v - m) / s;
            }
        }
        let mlp = Mlp::new(&self.layers)?;
        let mut acts = vec![0.0f32; mlp.activations_len(n)?];
        mlp.forward(&self.params, &raw, n, &mut acts)?;
        Ok((acts, n))
    }

    /// Penultimate activations (`rows × width`, f64) and their width.
    pub fn features(&self, x: &[f32]) -> ferrokern::Result<(Vec<f64>, usize)> {
        let (acts, n) = self.forward(x)?;
        // acts = [Z_0 | A_0 | Z_1 | A_1 | …]: skip to A of the last hidden layer.
        let hidden = &self.layers[..self.layers.len() - 1];
        let before: usize = hidden[..hidden.len() - 1].iter().map(|l| 2 * n * l.outputs).sum();
        let width = hidden[hidden.len() - 1].outputs;
        let a = &acts[before + n * width..before + 2 * n * width];
        Ok((a.iter().map(|&v| f64::from(v)).collect(), width))
    }

    /// Predicted classes.
    pub fn predict(&self, x: &[f32]) -> ferrokern::Result<Vec<usize>> {
        let (acts, n) = self.forward(x)?;
        let logits = &acts[acts.len() - n * CLASSES..];
        let mut out = vec![0usize; n];
        ferrokern::nn::argmax_rows(logits, CLASSES, &mut out)?;
        Ok(out)
    }

    /// Fraction of rows predicted as `labels`.
    pub fn accuracy(&self, x: &[f32], labels: &[usize]) -> ferrokern::Result<f64> {
        let p = self.predict(x)?;
        Ok(p.iter().zip(labels).filter(|(a, b)| a == b).count() as f64 / labels.len().max(1) as f64)
    }

    /// Fréchet distance between `a` and `b` rows in the judge's features.
    pub fn fd_feat(&self, a: &[f32], b: &[f32]) -> ferrokern::Result<f64> {
        let (fa, dim) = self.features(a)?;
        let (fb, _) = self.features(b)?;
        let stats = |f: &[f64]| -> ferrokern::Result<(Vec<f64>, Vec<f64>)> {
            let (mut m, mut c) = (vec![0.0; dim], vec![0.0; dim * dim]);
            mean_covariance(f, dim, &mut m, &mut c)?;
            Ok((m, c))
        };
        let ((m1, c1), (m2, c2)) = (stats(&fa)?, stats(&fb)?);
        let mut work = vec![0.0; frechet_workspace_len(dim)];
        frechet_distance(&m1, &c1, &m2, &c2, &mut work)
    }

    /// Accuracy against `labels`, FD in features and k = 3 precision/recall in pixels of
    /// `samples` (clipped to [−1, 1] first) against `reference` rows.
    pub fn score(
        &self,
        samples: &[f32],
        labels: &[usize],
        reference: &[f32],
    ) -> ferrokern::Result<JudgeScores> {
        let mut s = samples.to_vec();
        clip(&mut s);
        let (mut rr, mut rf) = (vec![0.0; reference.len() / PIXELS], vec![0.0; s.len() / PIXELS]);
        let pr = precision_recall(reference, &s, PIXELS, 3, &mut rr, &mut rf)?;
        Ok(JudgeScores {
            accuracy: self.accuracy(&s, labels)?,
            fd_feat: self.fd_feat(&s, reference)?,
            precision: pr.precision,
            recall: pr.recall,
        })
    }
}
