//! Quality metrics and their JSON key names, so every command reports them alike: training
//! commands given test data report `test_accuracy` / `test_rmse`, evaluation commands
//! `accuracy` / `rmse`.

use crate::data::Task;
use crate::error::{CliError, Result};

/// Where a metric is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// A training command scoring its held-out rows.
    Test,
    /// An evaluation command scoring a model on a data file.
    Eval,
}

/// The JSON key of the metric for `task` at `stage`.
pub fn metric_key(task: Task, stage: Stage) -> &'static str {
    match (task, stage) {
        (Task::Classification, Stage::Test) => "test_accuracy",
        (Task::Regression, Stage::Test) => "test_rmse",
        (Task::Classification, Stage::Eval) => "accuracy",
        (Task::Regression, Stage::Eval) => "rmse",
    }
}

fn same_len(a: usize, b: usize) -> Result<()> {
    if a == b && a > 0 {
        Ok(())
    } else {
        Err(CliError::new(format!("cannot score {a} predictions against {b} targets")))
    }
}

/// Fraction of `pred` equal to `truth`.
pub fn accuracy(pred: &[usize], truth: &[usize]) -> Result<f64> {
    same_len(pred.len(), truth.len())?;
    Ok(pred.iter().zip(truth).filter(|(p, t)| p == t).count() as f64 / pred.len() as f64)
}

/// Root mean squared error `√(Σ (pred − truth)² / n)`.
pub fn rmse(pred: &[f64], truth: &[f64]) -> Result<f64> {
    same_len(pred.len(), truth.len())?;
    let sse: f64 = pred.iter().zip(truth).map(|(p, t)| (p - t) * (p - t)).sum();
    Ok((sse / pred.len() as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_forms() {
        assert_eq!(accuracy(&[1, 0, 2, 2], &[1, 1, 2, 0]).unwrap(), 0.5);
        // Errors 3 and 4: √((9 + 16) / 2) = √12.5.
        assert_eq!(rmse(&[3.0, 0.0], &[0.0, 4.0]).unwrap(), 12.5f64.sqrt());
        assert!(rmse(&[1.0], &[]).is_err());
        assert!(accuracy(&[], &[]).is_err());
        assert_eq!(metric_key(Task::Regression, Stage::Test), "test_rmse");
        assert_eq!(metric_key(Task::Classification, Stage::Eval), "accuracy");
    }
}
