//! `ferrokern inspect`: load a data set the way training commands do and describe it (rows,
//! columns, header, task, classes, train/test split). Every data error shows up here first.

use serde_json::json;

use crate::args::{DataArgs, TaskArgs};
use crate::data::{class_labels, resolve_task, Standardizer, Task};
use crate::error::Result;
use crate::output::{Ctx, Stopwatch};

/// Options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    task: TaskArgs,
}

/// Load, validate and describe.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    let split = args.data.load()?;
    let train = &split.train;
    let mut sw = Stopwatch::new();
    let task = sw.time(|| resolve_task(args.task.task, &train.y));
    let classes = match task {
        Task::Classification => Some(sw.time(|| class_labels(&train.y, &train.source))?.1),
        Task::Regression => None,
    };
    let stats = sw.time(|| Standardizer::fit(&train.x, train.features));
    let test_rows = split.test.as_ref().map(|t| t.rows);
    let fields = json!({
        "file": train.source.display().to_string(),
        "header": train.feature_names.is_some(),
        "train_rows": train.rows,
        "test_rows": test_rows,
        "features": train.features,
        "task": task.name(),
        "classes": classes,
        "feature_mean": stats.mean,
        "feature_std": stats.std,
    });
    ctx.finish(sw.seconds(), fields, || {
        let mut s = format!(
            "{}: {} training rows{}, {} features + target ({})\ntask: {}",
            train.source.display(),
            train.rows,
            test_rows.map(|n| format!(" + {n} held-out rows")).unwrap_or_default(),
            train.features,
            if train.feature_names.is_some() { "with header" } else { "no header" },
            task.name(),
        );
        if let Some(k) = classes {
            s.push_str(&format!(", {k} classes (labels 0..{})", k - 1));
        }
        s
    })
}
