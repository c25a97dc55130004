//! GBNN (`ferrokern::boost`): training time on the spec split of breast_cancer (398 rows × 30)
//! and diabetes (309 rows × 10), T = 200, J = 1, η = 0.1, subsample 0.5, inner L-BFGS 200
//! iterations (the reference package's settings), f32 and f64; and inference time for the 171
//! breast_cancer test rows with the first k of 200 hidden units (run-time pruning, spec §5).
//! Figures and the `gbnn` / scikit-learn comparison: `benches/README-gbnn.md`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferrokern::boost::{GbnnConfig, GbnnTrainer, Labels, MergedModel, Task};
use ferrokern::Real;

const BREAST_CANCER: &str = include_str!("../../host-tests/data/breast_cancer.csv");
const BREAST_CANCER_TEST: &str = include_str!("../../host-tests/data/splits/breast_cancer_test.txt");
const DIABETES: &str = include_str!("../../host-tests/data/diabetes.csv");
const DIABETES_TEST: &str = include_str!("../../host-tests/data/splits/diabetes_test.txt");

/// Training rows (x, y) and test features of a bundled CSV (header, target last).
struct Split {
    train_x: Vec<f64>,
    train_y: Vec<f64>,
    test_x: Vec<f64>,
    features: usize,
}

fn split(csv: &str, test_rows: &str) -> Split {
    let rows: Vec<Vec<f64>> =
        csv.lines().skip(1).map(|l| l.split(',').map(|v| v.trim().parse().unwrap()).collect()).collect();
    let test: Vec<usize> = test_rows.split_whitespace().map(|v| v.parse().unwrap()).collect();
    let features = rows[0].len() - 1;
    let mut s = Split { train_x: vec![], train_y: vec![], test_x: vec![], features };
    for (i, r) in rows.iter().enumerate() {
        if test.contains(&i) {
            s.test_x.extend_from_slice(&r[..features]);
        } else {
            s.train_x.extend_from_slice(&r[..features]);
            s.train_y.push(r[features]);
        }
    }
    s
}

fn train<T: Real>(data: &Split, task: Task) -> Vec<T> {
    let trainer = GbnnTrainer::new(GbnnConfig { task, steps: 200, units: 1, ..GbnnConfig::default() });
    let k = trainer.shape(data.features).outputs();
    let x: Vec<T> = data.train_x.iter().map(|&v| T::from_f64(v)).collect();
    let y: Vec<T> = data.train_y.iter().map(|&v| T::from_f64(v)).collect();
    let classes: Vec<usize> = data.train_y.iter().map(|&v| v as usize).collect();
    let labels = match task {
        Task::Regression => Labels::Values(&y),
        Task::Classification { .. } => Labels::Classes(&classes),
    };
    let mut model = vec![T::ZERO; trainer.shape(data.features).model_len()];
    let ws = GbnnTrainer::workspace_len(y.len(), data.features, 1, k, trainer.config.inner.history);
    let mut work = vec![T::ZERO; ws];
    let report = trainer.train(&x, data.features, labels, &mut model, &mut work, |_| {}).unwrap();
    assert_eq!(report.steps, 200);
    model
}

fn bench_train(c: &mut Criterion) {
    let mut group = c.benchmark_group("gbnn_train_T200_J1");
    group.sample_size(10).warm_up_time(Duration::from_millis(100)).measurement_time(Duration::from_secs(5));
    for (name, data, task) in [
        ("breast_cancer", split(BREAST_CANCER, BREAST_CANCER_TEST), Task::Classification { classes: 2 }),
        ("diabetes", split(DIABETES, DIABETES_TEST), Task::Regression),
    ] {
        group.bench_function(BenchmarkId::new("f32", name), |b| {
            b.iter(|| train::<f32>(black_box(&data), task))
        });
        group.bench_function(BenchmarkId::new("f64", name), |b| {
            b.iter(|| train::<f64>(black_box(&data), task))
        });
    }
    group.finish();
}

fn bench_predict(c: &mut Criterion) {
    let data = split(BREAST_CANCER, BREAST_CANCER_TEST);
    let task = Task::Classification { classes: 2 };
    let model = train::<f32>(&data, task);
    let shape = GbnnTrainer::new(GbnnConfig { task, steps: 200, units: 1, ..GbnnConfig::default() })
        .shape(data.features);
    let net = MergedModel::new(shape, &model).unwrap();
    let x: Vec<f32> = data.test_x.iter().map(|&v| v as f32).collect();
    let rows = x.len() / data.features;
    let mut out = vec![0.0f32; rows];
    let mut scratch = vec![0.0f32; MergedModel::<f32>::scratch_len(data.features, 200, 32)];
    let mut group = c.benchmark_group("gbnn_predict_breast_cancer");
    group.warm_up_time(Duration::from_millis(200)).measurement_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements(rows as u64));
    for k in [200, 100, 50, 20, 10] {
        group.bench_with_input(BenchmarkId::new("units", k), &k, |b, &k| {
            b.iter(|| net.scores(black_box(&x), k, &mut out, &mut scratch).unwrap());
        });
    }
    group.finish();
}

criterion_group!(benches, bench_train, bench_predict);
criterion_main!(benches);
