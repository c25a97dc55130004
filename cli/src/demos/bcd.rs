//! Tour demo: block coordinate descent (`ferrokern bcd`) on the bundled real data. Lasso on
//! diabetes (standardised, λ = 0.1·λ_max) with three selection rules compared — objective vs
//! iteration drawn into a PNG — and L2 logistic regression on breast cancer, both checked against
//! the committed scikit-learn / SciPy optima.

use std::path::Path;

use serde_json::{json, Value};

use super::{Demo, DemoOutput, DemoSettings};
use crate::cmd::bcd::{
    fit_dense, lambda_max, plot_traces, Dense, ProblemKind, Settings, COLOUR_NAMES, MAX_BLOCK,
};
use crate::data::{parse_csv, Supervised};
use crate::error::{CliError, Result};
use crate::output::{Progress, Stopwatch};
use ferrokern::bcd::{Norm, Partition, Rule, Update};

/// The registry entry.
pub const DEMO: Demo = Demo {
    name: "bcd",
    description:
        "block coordinate descent: Lasso rules compared on diabetes (PNG), logistic on breast cancer",
    run,
};

const DIABETES: &str = include_str!("../../../host-tests/data/diabetes_std.csv");
const BREAST: &str = include_str!("../../../host-tests/data/breast_cancer_std.csv");
const REFERENCE: &str = include_str!("../../../host-tests/data/reference/bcd/reference.json");

/// Accepted relative error of the objectives against the references (f64, tight tolerance).
pub const TOLERANCE: f64 = 1e-9;

fn dense(text: &str, name: &str) -> Result<Dense> {
    let s = Supervised::from_table(&parse_csv(text, Path::new(name))?)?;
    Ok(Dense { x: s.x, y: s.y, n: s.rows, p: s.features })
}

fn settings(rule: Rule, block_size: usize, update: Update, tol: f64) -> Settings {
    Settings {
        rule,
        partition: if rule == Rule::Cyclic { Partition::Order } else { Partition::Sort },
        block_size: block_size.min(MAX_BLOCK),
        update,
        tol,
        max_iter: 1_000_000,
        norm: Norm::L2,
        seed: 0,
        intercept: false,
    }
}

fn reference_number(r: &Value, path: &[&str]) -> Result<f64> {
    let mut v = r;
    for k in path {
        v = &v[*k];
    }
    v.as_f64().ok_or_else(|| CliError::new(format!("bcd demo: reference value {path:?} missing")))
}

fn run(_settings: &DemoSettings, _progress: &Progress) -> Result<DemoOutput> {
    let refs: Value =
        serde_json::from_str(REFERENCE).map_err(|e| CliError::new(format!("bcd demo: reference: {e}")))?;
    let lasso_ref = refs["lasso"]
        .as_array()
        .and_then(|a| {
            a.iter().find(|c| c["dataset"] == "diabetes_std" && c["lambda_fraction"].as_f64() == Some(0.1))
        })
        .ok_or_else(|| CliError::new("bcd demo: reference lasso case missing"))?;
    let f_lasso = reference_number(lasso_ref, &["objective"])?;
    let f_logistic = reference_number(&refs, &["logistic_l2", "objective"])?;
    let lambda_logistic = reference_number(&refs, &["logistic_l2", "lambda"])?;

    let diabetes = dense(DIABETES, "bundled diabetes_std.csv")?;
    let lambda = 0.1 * lambda_max(ProblemKind::Lasso, &diabetes)?;
    let mut sw = Stopwatch::new();
    let mut lines = Vec::new();
    let mut ok = true;
    let mut traces = Vec::new();
    let mut rules_json = Vec::new();
    for (rule, name) in [(Rule::Cyclic, "cyclic"), (Rule::Random, "random"), (Rule::GSL, "gsl")] {
        let s = settings(rule, 1, Update::Gradient, 1e-12);
        let fit = sw.time(|| fit_dense::<f64>(ProblemKind::Lasso, &diabetes, lambda, &s, true))?;
        let e = (fit.objective - f_lasso) / f_lasso;
        ok &= e.abs() <= TOLERANCE && fit.converged;
        lines.push(format!(
            "lasso diabetes λ = 0.1·λ_max, rule {name:>6}: {:>5} coordinate updates to relative gap {:.1e}, \
             objective rel. err vs scikit-learn {e:+.1e}",
            fit.iterations, fit.gap
        ));
        rules_json.push(json!({ "rule": name, "iterations": fit.iterations, "objective": fit.objective,
            "relative_error": e }));
        traces.push(fit.trace);
    }
    let dir = std::env::temp_dir().join("ferrokern-tour");
    std::fs::create_dir_all(&dir).map_err(|e| CliError::file(&dir, e))?;
    let png = dir.join("bcd_lasso_rules.png");
    plot_traces(&png, &traces)?;
    lines.push(format!(
        "objective − best vs iteration (log scale): {} ({} cyclic, {} random, {} gsl)",
        png.display(),
        COLOUR_NAMES[0],
        COLOUR_NAMES[1],
        COLOUR_NAMES[2]
    ));

    let breast = dense(BREAST, "bundled breast_cancer_std.csv")?;
    let s = settings(Rule::Cyclic, breast.p, Update::Newton, 1e-14);
    let fit = sw.time(|| fit_dense::<f64>(ProblemKind::Logistic, &breast, lambda_logistic, &s, false))?;
    let e = (fit.objective - f_logistic) / f_logistic;
    ok &= e.abs() <= TOLERANCE;
    lines.push(format!(
        "logistic breast cancer (λ = 1/n, one block of {} features, Newton): {} updates, objective {:.12} \
         (rel. err vs L-BFGS {e:+.1e})",
        breast.p, fit.iterations, fit.objective
    ));
    Ok(DemoOutput {
        seconds: sw.seconds(),
        ok,
        json: json!({ "lasso_rules": rules_json, "plot": png.display().to_string(),
            "logistic": { "objective": fit.objective, "iterations": fit.iterations, "relative_error": e } }),
        lines,
    })
}
