//! Spec `gbnn.md` checks 5 (loss curve), 6 (accuracy parity), 7 (divergence guard) and 8
//! (pruning curve) on the spec split of breast_cancer, diabetes and digits, f64, against the
//! reference numbers in `data/reference/gbnn/` (official `gbnn` 0.0.2 and scikit-learn MLPs,
//! made by `benches/peers/gbnn/make_reference.py`).
//!
//! Test time: the scalar `gemm` makes one digits step ≈ 0.6 s, so the default run does
//! breast_cancer and diabetes at the spec's T = 200 and digits at T = 30 (η = 1.0, check 7);
//! the spec's full digits runs (T = 200, checks 6–8) are `#[ignore]`d:
//! `cargo test -p host-tests --test boost_real -- --ignored` (≈ 4 min).

mod boost_common;
use boost_common::*;
use ferrokern::boost::{GbnnConfig, MergedModel, Task};

fn spec_config(task: Task, steps: usize, eta: f64) -> GbnnConfig {
    GbnnConfig { task, steps, units: 1, shrinkage: eta, subsample: 0.5, seed: 0, ..GbnnConfig::default() }
}

/// Reference value `key` of the gbnn run with (J, η), and of the L-BFGS MLP.
fn reference_numbers(name: &str, eta: f64) -> (f64, f64) {
    let r = reference(name);
    let g = r["gbnn"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["units"] == 1 && g["eta"].as_f64() == Some(eta))
        .unwrap();
    let mlp = r["mlp"].as_array().unwrap().iter().find(|m| m["solver"] == "lbfgs").unwrap();
    (g["metric"].as_f64().unwrap(), mlp["metric"].as_f64().unwrap())
}

#[test]
fn breast_cancer_parity_and_monotone_loss() {
    let data = load::<f64>("breast_cancer");
    let mut losses = vec![];
    let (model, shape, report) =
        train(&data, spec_config(Task::Classification { classes: 2 }, 200, 0.1), |s| {
            losses.push(s.train_loss)
        });
    let m = MergedModel::new(shape, &model).unwrap();
    let acc = metric(&m, &data, shape.hidden());
    let (gbnn, mlp) = reference_numbers("breast_cancer", 0.1);
    println!("breast_cancer J=1 eta=0.1: acc {acc:.4} (gbnn {gbnn:.4}, MLP L-BFGS {mlp:.4}); {report:?}");
    // Check 6.
    assert!(acc >= 0.94, "accuracy {acc}");
    assert!(acc >= mlp - 0.01, "accuracy {acc} vs MLP {mlp}");
    // And within the same tolerance of the reference package itself.
    assert!(acc >= gbnn - 0.01, "accuracy {acc} vs gbnn {gbnn}");
    // Check 5, second part: training loss non-increasing for ≥ 95 % of steps.
    let mut prev = report.initial_loss;
    let rises = losses.iter().filter(|&&l| std::mem::replace(&mut prev, l) < l).count();
    assert_eq!(rises, report.loss_increases);
    assert!(rises * 20 <= losses.len(), "{rises} of {} steps raised the loss", losses.len());
}

#[test]
fn diabetes_parity() {
    let data = load::<f64>("diabetes");
    let (model, shape, report) = train(&data, spec_config(Task::Regression, 200, 0.1), |_| {});
    let m = MergedModel::new(shape, &model).unwrap();
    let rmse = metric(&m, &data, shape.hidden());
    let (gbnn, mlp) = reference_numbers("diabetes", 0.1);
    println!("diabetes J=1 eta=0.1: RMSE {rmse:.2} (gbnn {gbnn:.2}, MLP L-BFGS {mlp:.2}); {report:?}");
    assert!(rmse <= 62.0, "RMSE {rmse}");
    assert!(rmse <= mlp + 3.0, "RMSE {rmse} vs MLP {mlp}");
    assert!(rmse <= gbnn + 3.0, "RMSE {rmse} vs gbnn {gbnn}");
}

#[test]
fn digits_eta_one_does_not_diverge_short() {
    // Check 7 at T = 30 (the full T = 200 run is `digits_full_spec_checks`).
    let data = load::<f64>("digits");
    let (model, shape, report) =
        train(&data, spec_config(Task::Classification { classes: 10 }, 30, 1.0), |_| {});
    let m = MergedModel::new(shape, &model).unwrap();
    let acc = metric(&m, &data, shape.hidden());
    println!("digits J=1 eta=1 T=30: acc {acc:.4}; {report:?}");
    assert!(report.final_loss.is_finite() && report.final_loss < report.initial_loss);
    assert!(acc >= 0.9, "accuracy {acc}");
}

#[test]
#[ignore = "≈ 4 min: the spec's T = 200 digits runs"]
fn digits_full_spec_checks() {
    let data = load::<f64>("digits");
    let (model, shape, report) =
        train(&data, spec_config(Task::Classification { classes: 10 }, 200, 0.1), |_| {});
    let m = MergedModel::new(shape, &model).unwrap();
    let staged: Vec<f64> = (1..=4).map(|q| metric(&m, &data, shape.hidden() * q / 4)).collect();
    println!("digits J=1 eta=0.1: staged {staged:?}; {report:?}");
    let (model1, shape1, report1) =
        train(&data, spec_config(Task::Classification { classes: 10 }, 200, 1.0), |_| {});
    let acc1 = metric(&MergedModel::new(shape1, &model1).unwrap(), &data, shape1.hidden());
    println!("digits J=1 eta=1: acc {acc1:.4}; {report1:?}");
    let (gbnn, mlp) = reference_numbers("digits", 0.1);
    println!("reference: gbnn {gbnn:.4}, MLP L-BFGS {mlp:.4}");
    let acc = staged[3];
    // Check 6.
    assert!(acc >= 0.95 && acc >= mlp - 0.01, "accuracy {acc} vs MLP {mlp}");
    assert!(acc >= gbnn - 0.01, "accuracy {acc} vs gbnn {gbnn}");
    // Check 8: a quarter of the units within 0.02 of the full model.
    assert!((staged[0] - acc).abs() <= 0.02, "staged {staged:?}");
    // Check 7 at the spec's T.
    assert!(report1.final_loss.is_finite());
    assert!(acc1 >= 0.9, "accuracy {acc1}");
}

/// The other settings of the spec's §6 table on the two small data sets (J = 1, η = 1.0 and
/// J = 2, η = 0.5), side by side with the reference package when its JSON holds them
/// (`make_reference.py ... all`).
#[test]
#[ignore = "≈ 1 min: side-by-side numbers for the README"]
fn other_spec_settings() {
    for (name, task) in
        [("breast_cancer", Task::Classification { classes: 2 }), ("diabetes", Task::Regression)]
    {
        let data = load::<f64>(name);
        let r = reference(name);
        // Spec §6 table (gbnn 0.0.2 runs of the spec's author): metric for (1, 1.0), (2, 0.5).
        let spec = if task == Task::Regression { [97.61, 64.48] } else { [0.9532, 0.9474] };
        for ((units, eta), spec_metric) in [(1usize, 1.0f64), (2, 0.5)].into_iter().zip(spec) {
            let cfg = GbnnConfig { units, steps: 200 / units, ..spec_config(task, 200, eta) };
            let (model, shape, report) = train(&data, cfg, |_| {});
            let m = MergedModel::new(shape, &model).unwrap();
            let staged: Vec<f64> = (1..=4).map(|q| metric(&m, &data, shape.hidden() * q / 4)).collect();
            let peer = r["gbnn"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["units"] == units && g["eta"].as_f64() == Some(eta));
            let peer = peer.map(|g| (g["metric"].as_f64().unwrap(), g["any_nan_loss"].as_bool().unwrap()));
            println!(
                "{name} J={units} eta={eta}: staged {staged:?}; gbnn (metric, diverged) {peer:?}; {report:?}"
            );
            assert!(report.final_loss.is_finite());
            // η = 1 over-fits diabetes in the reference too (RMSE rising with T): loose bound.
            if task == Task::Regression {
                assert!(staged[3] <= spec_metric + 10.0, "RMSE {} vs spec {spec_metric}", staged[3]);
            } else {
                assert!(staged[3] >= spec_metric - 0.015, "accuracy {} vs spec {spec_metric}", staged[3]);
            }
        }
    }
}
