//! `denoise judge`: scores samples (the JSON of `denoise sample --json`) with the digits judge.

use std::path::PathBuf;

use ferrokern::denoise::{CLASSES, PIXELS};
use serde_json::{json, Value};

use super::model::{bundled_digits, Images, Judge, JUDGE_FKM};
use crate::args::DataArgs;
use crate::error::{CliError, Result};
use crate::output::{Ctx, Stopwatch};

/// `denoise judge` options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Samples: a JSON object with "samples" ([[64 values in [−1, 1]], …]) and "classes".
    #[arg(long, value_name = "S.json")]
    samples: PathBuf,
    /// The judge (an mlp digits classifier; default: the committed models/denoise/judge.fkm).
    #[arg(long, value_name = "JUDGE.fkm")]
    classifier: Option<PathBuf>,
    /// Reference digits (default: the bundled digits' training rows on the spec split).
    #[arg(long, value_name = "FILE.csv")]
    data: Option<PathBuf>,
    /// Held-out rows of --data (excluded from the reference).
    #[arg(long, value_name = "ROWS.txt", requires = "data")]
    test_rows: Option<PathBuf>,
}

/// Parses `{"samples": [[…64…], …], "classes": […]}`.
fn parse_samples(text: &str, path: &std::path::Path) -> Result<Images> {
    let v: Value = serde_json::from_str(text).map_err(|e| CliError::file(path, format!("not JSON: {e}")))?;
    let rows = v
        .get("samples")
        .and_then(Value::as_array)
        .ok_or_else(|| CliError::file(path, "no \"samples\" array"))?;
    let classes = v
        .get("classes")
        .and_then(Value::as_array)
        .ok_or_else(|| CliError::file(path, "no \"classes\" array"))?;
    if rows.is_empty() || rows.len() != classes.len() {
        return Err(CliError::file(path, "needs as many classes as samples, at least one"));
    }
    let mut out = Images::default();
    for (i, (row, c)) in rows.iter().zip(classes).enumerate() {
        let vals = row
            .as_array()
            .filter(|r| r.len() == PIXELS)
            .ok_or_else(|| CliError::file(path, format!("sample {i}: needs 64 numbers")))?;
        for p in vals {
            let p = p
                .as_f64()
                .filter(|p| p.is_finite())
                .ok_or_else(|| CliError::file(path, format!("sample {i}: values must be finite numbers")))?;
            out.x.push(p as f32);
        }
        let c = c
            .as_u64()
            .filter(|&c| (c as usize) < CLASSES)
            .ok_or_else(|| CliError::file(path, format!("class {i}: must be a digit 0..=9")))?;
        out.y.push(c as usize);
    }
    Ok(out)
}

/// Scores the samples: accuracy, FD in judge features, precision/recall (k = 3).
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    let text = std::fs::read_to_string(&args.samples)
        .map_err(|e| CliError::file(&args.samples, format!("cannot read: {e}")))?;
    let samples = parse_samples(&text, &args.samples)?;
    let judge = match &args.classifier {
        Some(p) => Judge::load(p)?,
        None => Judge::from_bytes(JUDGE_FKM, "committed judge")?,
    };
    let (reference, test) = match &args.data {
        Some(p) => {
            let split =
                DataArgs { data: p.clone(), test_data: None, test_rows: args.test_rows.clone() }.load()?;
            let test = split.test.as_ref().map(Images::from_supervised).transpose()?;
            (Images::from_supervised(&split.train)?, test)
        }
        None => {
            let (train, test) = bundled_digits()?;
            (train, Some(test))
        }
    };
    if samples.len() < 2 || reference.len() < 4 {
        return Err(CliError::file(
            &args.samples,
            "needs at least 2 samples (and 4 reference rows) for the statistics",
        ));
    }
    let kernel = |e| CliError::kernel("denoise judge", e);
    let mut sw = Stopwatch::new();
    let scores = sw.time(|| judge.score(&samples.x, &samples.y, &reference.x)).map_err(kernel)?;
    // Calibration: real held-out rows against the same reference.
    let real = match &test {
        Some(t) if t.len() >= 2 => Some(sw.time(|| judge.fd_feat(&t.x, &reference.x)).map_err(kernel)?),
        _ => None,
    };
    ctx.finish(
        sw.seconds(),
        json!({
            "samples": samples.len(), "accuracy": scores.accuracy, "fd_feat": scores.fd_feat,
            "precision": scores.precision, "recall": scores.recall, "k": 3, "fd_feat_real_test": real,
            "reference_rows": reference.len(),
        }),
        || {
            let cal = real.map(|r| format!(" (real held-out digits: {r:.3})")).unwrap_or_default();
            format!(
                "{} samples: accuracy {:.3}, FD_feat {:.3}{cal}, precision {:.3}, recall {:.3} (k = 3, vs {} reference rows)",
                samples.len(),
                scores.accuracy,
                scores.fd_feat,
                scores.precision,
                scores.recall,
                reference.len()
            )
        },
    )
}
