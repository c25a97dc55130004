//! Tour demo: a gradient-boosted network (spec `gbnn.md`) on the bundled breast_cancer (spec
//! split, 398 training / 171 test rows), T steps of J = 1 sigmoid unit, η = 0.1, f32; then the
//! same network with its last-trained hidden units switched off (spec §5): test accuracy for
//! every kept fraction. Check: the full model reaches the spec's 0.94 (check 6).

use std::path::Path;

use ferrokern::boost::{GbnnConfig, GbnnTrainer, Task as GbnnTask};
use serde_json::json;

use super::{Demo, DemoOutput, DemoSettings};
use crate::cmd::gbnn::{fit, GbnnModel};
use crate::data::{class_labels, parse_csv, parse_test_rows, split_rows, Supervised};
use crate::error::{CliError, Result};
use crate::output::{Progress, Stopwatch};

/// The registry entry.
pub const DEMO: Demo = Demo {
    name: "gbnn",
    description: "gradient-boosted 1-hidden-layer network on breast_cancer, pruned at run time (f32)",
    run,
};

/// Spec check 6 bound for breast_cancer.
pub const MIN_ACCURACY: f64 = 0.94;

const DATA: &str = include_str!("../../../host-tests/data/breast_cancer.csv");
const TEST_ROWS: &str = include_str!("../../../host-tests/data/splits/breast_cancer_test.txt");

fn run(settings: &DemoSettings, progress: &Progress) -> Result<DemoOutput> {
    let table = parse_csv(DATA, Path::new("bundled breast_cancer.csv"))?;
    let test_idx = parse_test_rows(TEST_ROWS, Path::new("bundled breast_cancer_test.txt"), table.rows)?;
    let (tr, te) = split_rows(&table, &test_idx);
    let (train, test) = (Supervised::from_table(&tr)?, Supervised::from_table(&te)?);
    let (labels, _) = class_labels(&train.y, &train.source)?;
    let steps = if settings.quick { 20 } else { 100 };
    let config = GbnnConfig { task: GbnnTask::Classification { classes: 2 }, steps, ..GbnnConfig::default() };
    let trainer = GbnnTrainer::new(config);
    progress.set_length(steps as u64);
    let mut sw = Stopwatch::new();
    let (weights, loss) = sw
        .time(|| fit::<f32>(&trainer, &train, &labels, progress))
        .map_err(|e| CliError::kernel("gbnn demo", e))?;
    let model =
        GbnnModel { shape: trainer.shape(train.features), buf: weights.iter().map(|&v| v as f32).collect() };
    let h = model.shape.hidden();
    let mut curve = Vec::new();
    for pct in [100, 50, 25, 10] {
        let units = (h * pct / 100).max(1);
        curve.push((pct, units, model.score(&test, units)?));
    }
    let full = curve.first().map_or(0.0, |c| c.2);
    let ok = full >= MIN_ACCURACY;
    let mut lines = vec![format!(
        "breast_cancer, T={steps} J=1 η=0.1 (f32): train loss {loss:.4}, test accuracy {full:.4} (spec ≥ {MIN_ACCURACY}){}",
        if ok { "" } else { "  FAILED" }
    )];
    lines.push(format!(
        "pruned (last-trained units off): {}",
        curve.iter().map(|(p, u, a)| format!("{p}% ({u} units) {a:.4}")).collect::<Vec<_>>().join(", ")
    ));
    let json = json!({
        "steps": steps,
        "test_accuracy": full,
        "pruning": curve.iter().map(|(p, u, a)| json!({"percent": p, "units": u, "accuracy": a})).collect::<Vec<_>>(),
    });
    Ok(DemoOutput { seconds: sw.seconds(), ok, json, lines })
}
