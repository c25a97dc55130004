//! Tour demo: diffGrad against Adam. (1) The diffGrad paper's F1 (spec `diffgrad.md` §4,
//! checks 1 and 3): diffGrad reaches the global minimum −0.3, Adam stops in the local one at
//! 0.2. (2) A 64→64→10 ReLU MLP on the bundled digits (spec split, 1257 training / 540 test
//! rows, standardised with training-row statistics), f32, 15 epochs, lr 3e-3, batch 32: test
//! accuracy (≥ 0.96 each) and training seconds of both optimizers.

use std::path::Path;

use ferrokern::nn::Activation;
use serde_json::json;

use super::{Demo, DemoOutput, DemoSettings};
use crate::cmd::optim::{trace, AnyOptimizer, TestFunction};
use crate::cmd::train::{argmax_classes, layer_stack, mlp_outputs, train_mlp, Labels, MlpSetup};
use crate::data::{class_labels, parse_csv, parse_test_rows, split_rows, Standardizer, Supervised};
use crate::error::{CliError, Result};
use crate::metrics;
use crate::output::{Progress, Stopwatch};
use ferrokern::optim::{Adam, AdamConfig, DiffGrad, DiffGradConfig, EpsMode};

/// The registry entry.
pub const DEMO: Demo = Demo {
    name: "optim",
    description: "diffGrad vs Adam: the paper's F1 and a 64-hidden MLP on digits (f32)",
    run,
};

/// Test accuracy each optimizer must reach on digits.
pub const MIN_ACCURACY: f64 = 0.96;

const DIGITS: &str = include_str!("../../../host-tests/data/digits.csv");
const DIGITS_TEST: &str = include_str!("../../../host-tests/data/splits/digits_test.txt");

fn kerr(what: &'static str) -> impl Fn(ferrokern::Error) -> CliError {
    move |e| CliError::kernel(&format!("optim demo, {what}"), e)
}

fn run(settings: &DemoSettings, progress: &Progress) -> Result<DemoOutput> {
    let mut sw = Stopwatch::new();
    let mut lines = Vec::new();
    let mut ok = true;
    progress.set_length(3);

    // (1) F1 from x0 = −1, spec protocol (β1 0.95, lr 0.1, 299 steps), paper ε mode.
    progress.step("F1 trace");
    let spec = DiffGradConfig { lr: 0.1, beta1: 0.95, eps_mode: EpsMode::Paper, ..DiffGradConfig::default() };
    let dg =
        sw.time(|| trace::<f64>(AnyOptimizer::DiffGrad(DiffGrad::new(spec)), TestFunction::F1, &[-1.0], 299));
    let adam_cfg = AdamConfig { lr: 0.1, beta1: 0.95, ..AdamConfig::default() };
    let ad =
        sw.time(|| trace::<f64>(AnyOptimizer::Adam(Adam::new(adam_cfg)), TestFunction::F1, &[-1.0], 299));
    let last = |t: &[Vec<f64>]| t.last().and_then(|x| x.first()).copied().unwrap_or(f64::NAN);
    let (x_dg, x_ad) = (last(&dg.map_err(kerr("F1 diffGrad"))?), last(&ad.map_err(kerr("F1 Adam"))?));
    // Spec checks 1 and 3: x_299 = −0.3000711663 (diffGrad), 0.2001149320 (Adam), ±1e-7.
    let f1_ok = (x_dg + 0.3000711663).abs() <= 1e-7 && (x_ad - 0.2001149320).abs() <= 1e-7;
    ok &= f1_ok;
    lines.push(format!(
        "F1 from x0=-1 (299 steps, f64): diffGrad x={x_dg:.6} (global min -0.3), Adam x={x_ad:.6} (local min 0.2){}",
        if f1_ok { "" } else { "  FAILED" }
    ));

    // (2) Digits.
    let table = parse_csv(DIGITS, Path::new("bundled digits.csv"))?;
    let test_idx = parse_test_rows(DIGITS_TEST, Path::new("bundled digits_test.txt"), table.rows)?;
    let (tr, te) = split_rows(&table, &test_idx);
    let (mut train, mut test) = (Supervised::from_table(&tr)?, Supervised::from_table(&te)?);
    let stats = Standardizer::fit(&train.x, train.features);
    stats.apply(&mut train.x);
    stats.apply(&mut test.x);
    let (labels, k) = class_labels(&train.y, &train.source)?;
    let (truth, _) = class_labels(&test.y, &test.source)?;
    let labels = Labels::Classes(labels, k);
    let epochs = if settings.quick { 3 } else { 15 };
    let setup = MlpSetup {
        layers: layer_stack(train.features, &[64], Activation::Relu, k),
        epochs,
        batch: 32,
        seed: 0,
    };
    let mut rows = Vec::new();
    lines.push(format!(
        "digits MLP 64-64-10 relu, f32, {epochs} epochs, lr 3e-3, batch 32 ({} train / {} test rows):",
        train.rows, test.rows
    ));
    for (name, opt) in [
        (
            "diffgrad",
            AnyOptimizer::DiffGrad(DiffGrad::new(DiffGradConfig { lr: 3e-3, ..DiffGradConfig::default() })),
        ),
        ("adam", AnyOptimizer::Adam(Adam::new(AdamConfig { lr: 3e-3, ..AdamConfig::default() }))),
    ] {
        progress.step(name);
        let mut own = Stopwatch::new();
        let (params, losses) = sw
            .time(|| own.time(|| train_mlp::<f32>(opt, &setup, &train.x, &labels, |_, _| ())))
            .map_err(kerr("training"))?;
        let scores = sw
            .time(|| own.time(|| mlp_outputs::<f32>(&setup.layers, &params, &test.x)))
            .map_err(kerr("scoring"))?;
        let acc = metrics::accuracy(&argmax_classes(&scores, k), &truth)?;
        // The accuracy floor is checked in full runs; --quick trains too briefly for it.
        let passed = settings.quick || acc >= MIN_ACCURACY;
        ok &= passed;
        lines.push(format!(
            "  {name:<9} test accuracy {acc:.4}  train loss {:.4}  {:.2} s{}",
            losses.last().copied().unwrap_or(f64::NAN),
            own.seconds(),
            if passed { "" } else { "  FAILED" }
        ));
        rows.push(json!({
            "optimizer": name,
            "test_accuracy": acc,
            "final_train_loss": losses.last(),
            "seconds": own.seconds(),
            "ok": passed,
        }));
    }
    let json = json!({
        "f1": { "diffgrad_x299": x_dg, "adam_x299": x_ad, "ok": f1_ok },
        "digits": { "epochs": epochs, "hidden": 64, "precision": "f32", "min_accuracy": MIN_ACCURACY, "runs": rows },
    });
    Ok(DemoOutput { seconds: sw.seconds(), ok, json, lines })
}
