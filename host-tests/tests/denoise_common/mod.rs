//! Shared by the `denoise_*` tests: digits in [−1, 1] on the spec split, the judge classifier
//! (trained with `ferrokern::nn`), and the metrics in its feature space.
#![allow(dead_code)]

use ferrokern::denoise::{
    frechet_distance, frechet_workspace_len, mean_covariance, precision_recall, PrecisionRecall,
};
use ferrokern::nn::{
    count_correct_batched, train_buffer_len, train_step, Activation, LayerSpec, Mlp, Target, TrainBuffers,
};
use ferrokern::optim::{Adam, AdamConfig};
use ferrokern::rng::Pcg32;

pub struct Digits {
    pub x_train: Vec<f32>,
    pub y_train: Vec<usize>,
    pub x_test: Vec<f32>,
    pub y_test: Vec<usize>,
}

/// Digits scaled `x/8 − 1` (spec §(f).1), split by `data/splits/digits_test.txt`.
pub fn load_digits() -> Digits {
    let dir = env!("CARGO_MANIFEST_DIR");
    let csv = std::fs::read_to_string(format!("{dir}/data/digits.csv")).unwrap();
    let mut x = Vec::new();
    let mut y = Vec::new();
    for line in csv.lines().skip(1).filter(|l| !l.is_empty()) {
        let v: Vec<f32> = line.split(',').map(|s| s.trim().parse().unwrap()).collect();
        x.push(v[..64].iter().map(|p| p / 8.0 - 1.0).collect::<Vec<f32>>());
        y.push(v[64] as usize);
    }
    let split = std::fs::read_to_string(format!("{dir}/data/splits/digits_test.txt")).unwrap();
    let test: Vec<usize> =
        split.lines().filter(|l| !l.trim().is_empty()).map(|l| l.trim().parse().unwrap()).collect();
    let mut d = Digits { x_train: vec![], y_train: vec![], x_test: vec![], y_test: vec![] };
    for (i, (xi, yi)) in x.iter().zip(&y).enumerate() {
        if test.binary_search(&i).is_ok() {
            d.x_test.extend_from_slice(xi);
            d.y_test.push(*yi);
        } else {
            d.x_train.extend_from_slice(xi);
            d.y_train.push(*yi);
        }
    }
    assert_eq!((d.y_train.len(), d.y_test.len()), (1257, 540));
    d
}

/// The judge: MLP(32, ReLU) like the spec's `MLPClassifier(hidden_layer_sizes=(32,))`, on
/// pixels in [−1, 1].
pub const JUDGE_NET: [LayerSpec; 2] =
    [LayerSpec::new(64, 32, Activation::Relu), LayerSpec::new(32, 10, Activation::Identity)];
pub const FEATURES: usize = 32;

pub struct Judge {
    pub params: Vec<f32>,
    pub test_accuracy: f64,
}

/// Trains the judge with Adam (lr 3e-3, batch 32, 60 epochs, seed 11) on the training rows.
pub fn train_judge(d: &Digits) -> Judge {
    let mlp = Mlp::new(&JUDGE_NET).unwrap();
    let mut rng = Pcg32::seed(11);
    let mut params = vec![0.0f32; mlp.params_len()];
    mlp.init(&mut params, &mut rng).unwrap();
    let mut state = vec![0.0f32; Adam::state_len(params.len())];
    let mut opt = Adam::new(AdamConfig { lr: 3e-3, ..AdamConfig::default() });
    const B: usize = 32;
    let mut buf = vec![0.0f32; train_buffer_len(&JUDGE_NET, B)];
    let mut bufs = TrainBuffers::split(&mut buf, &mlp, B).unwrap();
    let mut order: Vec<usize> = (0..d.y_train.len()).collect();
    let (mut xb, mut yb) = (vec![0.0f32; B * 64], vec![0usize; B]);
    for _ in 0..60 {
        rng.shuffle(&mut order);
        for chunk in order.chunks(B) {
            let n = chunk.len();
            ferrokern::nn::gather_rows(&d.x_train, 64, chunk, &mut xb[..n * 64]).unwrap();
            ferrokern::nn::gather(&d.y_train, chunk, &mut yb[..n]).unwrap();
            train_step(
                &mlp,
                &mut opt,
                &mut params,
                &mut state,
                &xb[..n * 64],
                Target::Classes(&yb[..n]),
                &mut bufs,
            )
            .unwrap();
        }
    }
    let mut acts = vec![0.0f32; mlp.activations_len(100).unwrap()];
    let correct = count_correct_batched(&mlp, &params, &d.x_test, &d.y_test, 100, &mut acts).unwrap();
    Judge { params, test_accuracy: correct as f64 / d.y_test.len() as f64 }
}

impl Judge {
    /// Penultimate (32-d ReLU) features of `x` rows (f64).
    pub fn features(&self, x: &[f32]) -> Vec<f64> {
        let mlp = Mlp::new(&JUDGE_NET).unwrap();
        let n = x.len() / 64;
        let mut acts = vec![0.0f32; mlp.activations_len(n).unwrap()];
        mlp.forward(&self.params, x, n, &mut acts).unwrap();
        // acts = [Z1 | A1 | Z2 | A2]; A1 is the hidden ReLU output.
        acts[n * FEATURES..2 * n * FEATURES].iter().map(|&v| f64::from(v)).collect()
    }

    /// Predicted classes.
    pub fn predict(&self, x: &[f32]) -> Vec<usize> {
        let mlp = Mlp::new(&JUDGE_NET).unwrap();
        let n = x.len() / 64;
        let mut acts = vec![0.0f32; mlp.activations_len(n).unwrap()];
        mlp.forward(&self.params, x, n, &mut acts).unwrap();
        let mut out = vec![0usize; n];
        ferrokern::nn::argmax_rows(mlp.output(&acts, n).unwrap(), 10, &mut out).unwrap();
        out
    }

    /// Fraction of rows classified as their requested label.
    pub fn accuracy(&self, x: &[f32], labels: &[usize]) -> f64 {
        let p = self.predict(x);
        p.iter().zip(labels).filter(|(a, b)| a == b).count() as f64 / labels.len() as f64
    }

    /// FD in the judge's feature space.
    pub fn fd_feat(&self, a: &[f32], b: &[f32]) -> f64 {
        fd(&self.features(a), &self.features(b), FEATURES)
    }
}

/// Fréchet distance between the Gaussian fits of two row sets.
pub fn fd<T: ferrokern::Real>(a: &[T], b: &[T], dim: usize) -> f64 {
    let (mut m1, mut c1) = (vec![0.0; dim], vec![0.0; dim * dim]);
    let (mut m2, mut c2) = (vec![0.0; dim], vec![0.0; dim * dim]);
    mean_covariance(a, dim, &mut m1, &mut c1).unwrap();
    mean_covariance(b, dim, &mut m2, &mut c2).unwrap();
    let mut work = vec![0.0; frechet_workspace_len(dim)];
    frechet_distance(&m1, &c1, &m2, &c2, &mut work).unwrap()
}

/// k = 3 precision/recall of `fake` against `real` in pixel space.
pub fn pr(real: &[f32], fake: &[f32]) -> PrecisionRecall {
    let (mut rr, mut rf) = (vec![0.0; real.len() / 64], vec![0.0; fake.len() / 64]);
    precision_recall(real, fake, 64, 3, &mut rr, &mut rf).unwrap()
}
