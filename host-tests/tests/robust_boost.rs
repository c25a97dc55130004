//! Robustness of `ferrokern::boost`: `GbnnTrainer::train` on arbitrary shapes, labels and
//! values with extreme shrinkage/subsample/ρ_max/L2/step counts/inner iteration limits, and
//! `MergedModel` prediction from arbitrary model buffers: `Ok` with a finite model, report and
//! predictions, or an `Err`; never a panic. The model, workspace, outputs, scratch and label
//! buffers are canary-guarded.

mod robust_common;

use ferrokern::boost::{GbnnConfig, GbnnShape, GbnnTrainer, Labels, Loss, MergedModel, Task};
use ferrokern::nn::Activation;
use ferrokern::optim::LbfgsConfig;
use proptest::collection::vec;
use proptest::prelude::*;
use robust_common::{any_f64, config, extreme_param, Guarded};

const ACTS: [Activation; 4] = [Activation::Sigmoid, Activation::Tanh, Activation::Relu, Activation::Identity];

fn predict_all(
    model: &MergedModel<'_, f64>,
    x: &[f64],
    rows: usize,
    units: usize,
) -> Result<(), TestCaseError> {
    let shape = model.shape();
    let k = shape.outputs();
    let mut out = Guarded::filled("out", rows * k, 0.0);
    let mut scratch =
        Guarded::filled("scratch", MergedModel::<f64>::scratch_len(shape.features, units, rows.max(1)), 0.0);
    // `MergedModel::new` rejects a NaN/inf model, `predict` a NaN/inf `x` (out untouched).
    prop_assert!(model.parts().w1.iter().chain(model.parts().w2).all(|v| v.is_finite()));
    let finite_in = x.iter().all(|v| v.is_finite());
    let r = model.predict(x, units, out.inner(), scratch.inner());
    if !finite_in {
        prop_assert!(r.is_err() && out.get().iter().all(|&v| v == 0.0), "{r:?}");
    }
    // Finite values of any size: `Ok` with finite outputs (below) or `NumericalFailure`.
    if finite_in && units <= shape.hidden() && scratch.get().len() >= shape.features + units {
        prop_assert!(r.is_ok() || matches!(r, Err(ferrokern::Error::NumericalFailure { .. })), "{r:?}");
    }
    if r.is_ok() {
        prop_assert!(out.get().iter().all(|v| v.is_finite()), "finite model/input, output {:?}", out.get());
        let mut labels = Guarded::filled("labels", rows, 0usize);
        let r = model.classes(out.get(), true, labels.inner());
        prop_assert_eq!(r.is_ok(), !matches!(shape.loss, Loss::Squared));
        if r.is_ok() {
            prop_assert!(labels.get().iter().all(|&c| c < k.max(2)));
        }
    }
    let mut short = Guarded::filled("short scratch", 1, 0.0);
    let _ = model.predict(x, units, out.inner(), short.inner());
    Ok(())
}

/// Finite inputs whose scores overflow `T` are `NumericalFailure`, not `Ok` with ±inf.
#[test]
fn predict_overflow_is_an_error() {
    use ferrokern::Error::NumericalFailure;
    // 1 feature, 1 step of 1 identity unit: z = 3 + 2·x, which overflows for x near MAX.
    for loss in [Loss::Squared, Loss::LogExponential] {
        let shape = GbnnShape { features: 1, steps: 1, units: 1, loss, activation: Activation::Identity };
        let model = [0.0, 1.0, 1.0, 0.0, 2.0, 3.0, 3.0, 1.0, 3.0];
        let m = MergedModel::new(shape, &model).unwrap();
        let (mut out, mut scratch) = ([0.0; 2], [0.0; 4]);
        let r = m.predict(&[1.0, f64::MAX], 1, &mut out, &mut scratch);
        assert_eq!(r, Err(NumericalFailure { what: "model scores overflow" }));
        let r = m.scores(&[-f64::MAX, 1.0], 1, &mut out, &mut scratch);
        assert_eq!(r, Err(NumericalFailure { what: "model scores overflow" }));
        let r = m.predict_steps(&[f64::MAX / 4.0, 1.0], 1, &mut out, &mut scratch);
        assert!(r.is_ok(), "{r:?}");
        if loss == Loss::Squared {
            assert_eq!(out, [3.0 + f64::MAX / 2.0, 5.0]);
        }
    }
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn train_keeps_its_contract(rows in prop_oneof![4 => 2usize..9, 1 => 0usize..2],
                                features in prop_oneof![12 => 1usize..3, 1 => Just(0usize)],
                                steps in prop_oneof![12 => 1usize..4, 1 => Just(0usize)],
                                units in prop_oneof![12 => 1usize..3, 1 => Just(0usize)],
                                classes in prop_oneof![4 => 2usize..4, 1 => 0usize..2], regression in any::<bool>(),
                                xv in vec(prop_oneof![9 => -3.0..3.0f64, 1 => any_f64()], 1..30),
                                yv in vec(prop_oneof![30 => 0usize..2, 10 => 2usize..4, 1 => Just(7usize)], 9),
                                shrinkage in prop_oneof![6 => 0.05..1.0f64, 1 => extreme_param()],
                                subsample in prop_oneof![6 => 0.3..1.0f64, 1 => extreme_param()],
                                rho_max in prop_oneof![6 => Just(10.0), 1 => extreme_param()],
                                l2 in prop_oneof![6 => Just(1e-4), 1 => extreme_param()],
                                inner_iter in 0usize..6, act in 0usize..4, short in prop_oneof![5 => Just(0usize), 1 => 1usize..3]) {
        let task = if regression { Task::Regression } else { Task::Classification { classes } };
        let cfg = GbnnConfig { task, steps, units, shrinkage, subsample, seed: 1, rho_max, l2,
            inner: LbfgsConfig { max_iter: inner_iter, history: 3, ..LbfgsConfig::default() }, activation: ACTS[act],
            standardize: inner_iter % 2 == 0 };
        let trainer = GbnnTrainer::new(cfg);
        let shape: GbnnShape = trainer.shape(features);
        let x: Vec<f64> = xv.iter().copied().cycle().take(rows * features).collect();
        let yvals: Vec<f64> = yv[..rows].iter().map(|&c| c as f64 * 0.7).collect();
        let ycls: Vec<usize> = yv[..rows].to_vec();
        let labels = if regression { Labels::Values(&yvals) } else { Labels::Classes(&ycls) };
        let wlen = GbnnTrainer::workspace_len(rows, features, units, shape.outputs(), 3).saturating_sub(short).min(100_000);
        let mut model = Guarded::filled("model", shape.model_len().min(100_000), 0.0);
        let mut work = Guarded::filled("workspace", wlen, 0.0);
        let r = trainer.train(&x, features, labels, model.inner(), work.inner(), |_| {});
        if std::env::var_os("ROBUST_VERBOSE").is_some() {
            eprintln!("train: {r:?}");
        }
        if let Ok(rep) = r {
            prop_assert!(rep.initial_loss.is_finite() && rep.final_loss.is_finite(), "{rep:?}");
            prop_assert!(model.get().iter().all(|v| v.is_finite()), "Ok with non-finite model");
            let m = MergedModel::new(shape, model.get()).unwrap();
            for u in [0, shape.hidden(), shape.hidden() + 1] {
                predict_all(&m, &x, rows, u)?;
            }
        }
    }

    /// Prediction from arbitrary model buffers and shapes.
    #[test]
    fn merged_model_from_any_buffer(features in 0usize..4, steps in 0usize..4, units in 0usize..3, classes in 0usize..5,
                                    buf in vec(any_f64(), 0..80), rows in 0usize..5,
                                    xv in vec(prop_oneof![8 => any_f64(), 1 => Just(f64::MAX), 1 => Just(-1e300)], 1..12), u in 0usize..14) {
        let loss = match classes { 0 => Loss::Squared, 1 | 2 => Loss::LogExponential, c => Loss::MultiClass { classes: c } };
        let shape = GbnnShape { features, steps, units, loss, activation: Activation::Sigmoid };
        let data: Vec<f64> = buf.iter().copied().cycle().take(shape.model_len().min(200)).collect();
        let m = MergedModel::new(shape, &data);
        if m.is_ok() {
            prop_assert!(data.iter().all(|v| v.is_finite()), "new accepted a NaN/inf model");
        }
        if let Ok(m) = m {
            let x: Vec<f64> = xv.iter().copied().cycle().take(rows * features).collect();
            predict_all(&m, &x, rows, u)?;
            let mut out = Guarded::filled("out", rows * shape.outputs(), 0.0);
            let mut scratch = Guarded::filled("scratch", 64, 0.0);
            let _ = m.predict_steps(&x, u, out.inner(), scratch.inner());
        }
    }
}
