//! Shared fixtures of the `boost_*` tests: the spec split of the vendored data sets.
#![allow(dead_code)]

use ferrokern::boost::{GbnnConfig, GbnnReport, GbnnShape, GbnnTrainer, Labels, MergedModel, Task};
use ferrokern::Real;

/// Training and test rows of one data set (raw features; the trainer standardises with the
/// training rows' statistics).
pub struct Split<T> {
    pub features: usize,
    pub x_train: Vec<T>,
    pub x_test: Vec<T>,
    pub y_train: Vec<f64>,
    pub y_test: Vec<f64>,
}

impl<T: Real> Split<T> {
    pub fn classes_train(&self) -> Vec<usize> {
        self.y_train.iter().map(|&v| v as usize).collect()
    }
    pub fn classes_test(&self) -> Vec<usize> {
        self.y_test.iter().map(|&v| v as usize).collect()
    }
    pub fn values_train(&self) -> Vec<T> {
        self.y_train.iter().map(|&v| T::from_f64(v)).collect()
    }
}

/// `host-tests/data/NAME.csv` split by `splits/NAME_test.txt` (spec §6 split).
pub fn load<T: Real>(name: &str) -> Split<T> {
    let dir = env!("CARGO_MANIFEST_DIR");
    let csv = std::fs::read_to_string(format!("{dir}/data/{name}.csv")).unwrap();
    let rows: Vec<Vec<f64>> = csv
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(|s| s.trim().parse().unwrap()).collect())
        .collect();
    let features = rows[0].len() - 1;
    let split = std::fs::read_to_string(format!("{dir}/data/splits/{name}_test.txt")).unwrap();
    let test: Vec<usize> =
        split.lines().filter(|l| !l.trim().is_empty()).map(|l| l.trim().parse().unwrap()).collect();
    let mut s = Split { features, x_train: vec![], x_test: vec![], y_train: vec![], y_test: vec![] };
    for (i, r) in rows.iter().enumerate() {
        let (x, y) = if test.binary_search(&i).is_ok() {
            (&mut s.x_test, &mut s.y_test)
        } else {
            (&mut s.x_train, &mut s.y_train)
        };
        x.extend(r[..features].iter().map(|&v| T::from_f64(v)));
        y.push(r[features]);
    }
    s
}

/// Trains on the split's training rows; returns the model buffer, shape and report, and calls
/// `progress` per step.
pub fn train<T: Real>(
    data: &Split<T>,
    cfg: GbnnConfig,
    progress: impl FnMut(&ferrokern::boost::StepReport<'_, T>),
) -> (Vec<T>, GbnnShape, GbnnReport) {
    let trainer = GbnnTrainer::new(cfg);
    let shape = trainer.shape(data.features);
    let rows = data.y_train.len();
    let mut model = vec![T::ZERO; shape.model_len()];
    let mut work =
        vec![
            T::ZERO;
            GbnnTrainer::workspace_len(rows, data.features, cfg.units, shape.outputs(), cfg.inner.history)
        ];
    let classes = data.classes_train();
    let values = data.values_train();
    let labels = match cfg.task {
        Task::Regression => Labels::Values(&values),
        Task::Classification { .. } => Labels::Classes(&classes),
    };
    let report =
        trainer.train(&data.x_train, data.features, labels, &mut model, &mut work, progress).unwrap();
    (model, shape, report)
}

/// Test metric with the first `units` hidden units: accuracy (classification) or RMSE.
pub fn metric<T: Real>(model: &MergedModel<'_, T>, data: &Split<T>, units: usize) -> f64 {
    let shape = model.shape();
    let rows = data.y_test.len();
    let mut out = vec![T::ZERO; rows * shape.outputs()];
    let mut scratch = vec![T::ZERO; MergedModel::<T>::scratch_len(shape.features, shape.hidden(), 64)];
    model.predict(&data.x_test, units, &mut out, &mut scratch).unwrap();
    if shape.loss == ferrokern::boost::Loss::Squared {
        let se: f64 = out.iter().zip(&data.y_test).map(|(p, y)| (p.to_f64() - y).powi(2)).sum();
        (se / rows as f64).sqrt()
    } else {
        let mut labels = vec![0usize; rows];
        model.classes(&out, true, &mut labels).unwrap();
        labels.iter().zip(data.classes_test()).filter(|(a, b)| **a == *b).count() as f64 / rows as f64
    }
}

/// `host-tests/data/reference/gbnn/NAME.json` (made by `benches/peers/gbnn/make_reference.py`).
pub fn reference(name: &str) -> serde_json::Value {
    let dir = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!("{dir}/data/reference/gbnn/{name}.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}
