//! `ferrokern bcd` against the committed scikit-learn / SciPy references
//! (host-tests/data/reference/bcd/reference.json, made by benches/peers/bcd/make_reference.py),
//! and its error contract.

mod common;
use common::{data, run};

use std::path::PathBuf;
use std::process::Output;

use serde_json::Value;

fn reference() -> Value {
    serde_json::from_str(&std::fs::read_to_string(data("reference/bcd/reference.json")).unwrap()).unwrap()
}

fn json_ok(out: &Output) -> Value {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}, stderr: {stderr}", out.status.code());
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(stdout.lines().count(), 1, "one JSON line: {stdout}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    for key in ["objective", "iterations", "gap", "coefficients", "seconds"] {
        assert!(!v[key].is_null(), "missing {key}: {v}");
    }
    v
}

fn error_line(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(out.stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    stderr
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn support(w: &[f64]) -> Vec<u64> {
    (0..w.len()).filter(|&j| w[j] != 0.0).map(|j| j as u64).collect()
}

/// A scratch directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let p = std::env::temp_dir().join(format!("ferrokern-bcd-cli-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
    fn path(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn lasso_matches_sklearn_f64_and_f32() {
    let refs = reference();
    for case in refs["lasso"].as_array().unwrap() {
        if case["lambda_fraction"].as_f64() != Some(0.1) {
            continue;
        }
        let name = case["dataset"].as_str().unwrap();
        let f_ref = case["objective"].as_f64().unwrap();
        let supp_ref: Vec<u64> =
            case["support"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        let file = data(&format!("{name}.csv"));
        for (precision, tol, bound) in [("f64", "1e-14", 1e-9), ("f32", "1e-6", 1e-5)] {
            let v = json_ok(&run(&[
                "bcd",
                "--data",
                &file,
                "--problem",
                "lasso",
                "--lambda-ratio",
                "0.1",
                "--no-standardize",
                "--precision",
                precision,
                "--tol",
                tol,
                "--max-iter",
                "200000",
                "--json",
            ]));
            let lam = v["lambda"].as_f64().unwrap();
            assert!((lam - case["lambda"].as_f64().unwrap()).abs() <= 1e-12 * lam, "{name}: λ {lam}");
            let e = (v["objective"].as_f64().unwrap() - f_ref) / f_ref;
            println!("lasso {name} {precision}: rel err {e:.2e}, {} iterations", v["iterations"]);
            assert!(e.abs() <= bound, "{name} {precision}: {e:e}");
            assert_eq!(support(&floats(&v["coefficients"])), supp_ref, "{name} {precision}");
        }
    }
}

#[test]
fn lasso_greedy_rule_and_explicit_lambda_agree_with_reference() {
    let refs = reference();
    let case = refs["lasso"].as_array().unwrap().iter().find(|c| c["dataset"] == "diabetes_std").unwrap();
    let lam = case["lambda"].as_f64().unwrap().to_string();
    let v = json_ok(&run(&[
        "bcd",
        "--data",
        &data("diabetes_std.csv"),
        "--problem",
        "lasso",
        "--lambda",
        &lam,
        "--rule",
        "gsl",
        "--blocks",
        "variable",
        "--block-size",
        "2",
        "--no-standardize",
        "--tol",
        "1e-14",
        "--json",
    ]));
    let f_ref = case["objective"].as_f64().unwrap();
    assert!(((v["objective"].as_f64().unwrap() - f_ref) / f_ref).abs() <= 1e-9, "{v}");
}

#[test]
fn logistic_matches_lbfgs_reference() {
    let refs = reference();
    let r = &refs["logistic_l2"];
    let lam = r["lambda"].as_f64().unwrap().to_string();
    let f_ref = r["objective"].as_f64().unwrap();
    let v = json_ok(&run(&[
        "bcd",
        "--data",
        &data("breast_cancer_std.csv"),
        "--problem",
        "logistic",
        "--lambda",
        &lam,
        "--no-standardize",
        "--tol",
        "1e-14",
        "--json",
    ]));
    let e = (v["objective"].as_f64().unwrap() - f_ref) / f_ref;
    assert!(e.abs() <= 1e-9, "{e:e}");
    let w = floats(&v["coefficients"]);
    let w_ref = floats(&r["w"]);
    let dw = w.iter().zip(&w_ref).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert!(dw <= 1e-6, "max |w − w_ref| = {dw:e}");
    // coordinate-wise with GSL on fixed blocks of 5 and matrix updates
    let v = json_ok(&run(&[
        "bcd",
        "--data",
        &data("breast_cancer_std.csv"),
        "--problem",
        "logistic",
        "--lambda",
        &lam,
        "--no-standardize",
        "--rule",
        "gsl",
        "--block-size",
        "5",
        "--update",
        "matrix",
        "--tol",
        "1e-13",
        "--json",
    ]));
    let e = (v["objective"].as_f64().unwrap() - f_ref) / f_ref;
    assert!(e.abs() <= 1e-9, "GSL-FB matrix: {e:e}");
}

#[test]
fn label_propagation_matches_sparse_solve() {
    let refs = reference();
    let fstars = floats(&refs["label_propagation"]["objective_per_class"]);
    // labelled: the first 10 rows of each class of digits (as the reference)
    let text = std::fs::read_to_string(data("digits.csv")).unwrap();
    let mut count = [0usize; 10];
    let mut labels = String::from("node,class\n");
    for (i, line) in text.lines().skip(1).enumerate() {
        let c = line.rsplit(',').next().unwrap().parse::<f64>().unwrap() as usize;
        if count[c] < 10 {
            count[c] += 1;
            labels.push_str(&format!("{i},{c}\n"));
        }
    }
    let dir = TempDir::new("lp");
    let lab = dir.path("labels.csv");
    std::fs::write(&lab, labels).unwrap();
    let v = json_ok(&run(&[
        "bcd",
        "--problem",
        "label-propagation",
        "--graph",
        &data("reference/bcd/digits_knn10_edges.csv"),
        "--labels",
        &lab,
        "--lambda",
        "0",
        "--tol",
        "1e-10",
        "--json",
    ]));
    let got = floats(&v["objective_per_class"]);
    assert_eq!(got.len(), 10);
    for (c, (g, r)) in got.iter().zip(&fstars).enumerate() {
        let e = (g - r) / r.abs();
        assert!(e.abs() <= 1e-6, "class {c}: {g} vs {r} ({e:e})");
    }
    assert_eq!(v["unlabelled"], 1697);
}

#[test]
fn plot_compares_rules_and_writes_a_png() {
    let dir = TempDir::new("plot");
    let png = dir.path("rules.png");
    let v = json_ok(&run(&[
        "bcd",
        "--data",
        &data("diabetes_std.csv"),
        "--problem",
        "lasso",
        "--lambda-ratio",
        "0.1",
        "--no-standardize",
        "--plot",
        &png,
        "--compare-rules",
        "cyclic,random,gsl",
        "--tol",
        "1e-10",
        "--json",
    ]));
    assert_eq!(v["compared"].as_array().unwrap().len(), 3);
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn intercept_is_exact_for_least_squares() {
    // y = 3 + 2·x0 exactly: ridge with λ = 0 and an intercept recovers both
    let dir = TempDir::new("icpt");
    let mut csv = String::from("a,b,y\n");
    for i in 0..20 {
        let (a, b) = (i as f64 * 0.5, ((i * 7) % 5) as f64);
        csv.push_str(&format!("{a},{b},{}\n", 3.0 + 2.0 * a));
    }
    let f = dir.path("d.csv");
    std::fs::write(&f, csv).unwrap();
    let v = json_ok(&run(&[
        "bcd",
        "--data",
        &f,
        "--problem",
        "least-squares",
        "--lambda",
        "0",
        "--intercept",
        "--no-standardize",
        "--tol",
        "1e-15",
        "--json",
    ]));
    let w = floats(&v["coefficients"]);
    assert!((w[0] - 2.0).abs() < 1e-6 && w[1].abs() < 1e-6, "{w:?}");
    assert!((v["intercept"].as_f64().unwrap() - 3.0).abs() < 1e-5, "{v}");
}

/// `--intercept` for logistic: scikit-learn's `LogisticRegression(C=1, fit_intercept=True)` on
/// breast cancer (host-tests/data/reference/bcd/intercept.json, from
/// benches/peers/bcd/make_intercept_reference.py).
#[test]
fn logistic_intercept_matches_sklearn() {
    let bc = data("breast_cancer_std.csv");
    let lam = format!("{}", 1.0 / 569.0);
    let v = json_ok(&run(&[
        "bcd",
        "--data",
        &bc,
        "--problem",
        "logistic",
        "--lambda",
        &lam,
        "--intercept",
        "--no-standardize",
        "--tol",
        "1e-14",
        "--json",
    ]));
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(data("reference/bcd/intercept.json")).unwrap())
            .unwrap();
    let f_ref = r["objective"].as_f64().unwrap();
    let f = v["objective"].as_f64().unwrap();
    assert!(((f - f_ref) / f_ref).abs() <= 1e-9, "{f} vs {f_ref}");
    let b = v["intercept"].as_f64().unwrap();
    assert!((b - r["intercept"].as_f64().unwrap()).abs() <= 1e-5, "{v}");
    assert_eq!(floats(&v["coefficients"]).len(), 30);
}

/// `--intercept` for logistic-l1 and softmax: a free coordinate exempt from the penalty, against
/// scikit-learn fits that do not penalise the intercept (saga / multinomial lbfgs, polished by
/// numpy Newton; host-tests/data/reference/bcd/intercept_l1_softmax.json from
/// benches/peers/bcd/make_intercept_l1_softmax_reference.py).
#[test]
fn logistic_l1_and_softmax_intercepts_match_sklearn() {
    let r: Value = serde_json::from_str(
        &std::fs::read_to_string(data("reference/bcd/intercept_l1_softmax.json")).unwrap(),
    )
    .unwrap();
    let bc = data("breast_cancer_std.csv");
    let case = &r["logistic_l1"]["cases"][0];
    let lam = format!("{}", case["lambda"].as_f64().unwrap());
    let v = json_ok(&run(&[
        "bcd",
        "--data",
        &bc,
        "--problem",
        "logistic-l1",
        "--lambda",
        &lam,
        "--intercept",
        "--no-standardize",
        "--tol",
        "1e-13",
        "--json",
    ]));
    let f_ref = case["objective"].as_f64().unwrap();
    let f = v["objective"].as_f64().unwrap();
    assert!(((f - f_ref) / f_ref).abs() <= 1e-9, "{f} vs {f_ref}");
    assert!((v["intercept"].as_f64().unwrap() - case["intercept"].as_f64().unwrap()).abs() <= 1e-6, "{v}");
    let w = floats(&v["coefficients"]);
    assert_eq!(w.len(), 30);
    let support: Vec<u64> = (0..30).filter(|&j| w[j] != 0.0).map(|j| j as u64).collect();
    let want: Vec<u64> = case["support"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    assert_eq!(support, want);
}

/// `--intercept` for softmax: with two classes, softmax with `λ` is logistic regression with `λ/2`
/// (at the optimum `W₀ = −W₁ = w/2`, so `(λ/2)‖W‖² = (λ/4)‖w‖²`) and intercept `b₁ − b₀`: checked
/// against scikit-learn's `LogisticRegression(C=1, fit_intercept=True)` (intercept.json).
#[test]
fn softmax_intercept_two_classes_is_logistic() {
    let bc = data("breast_cancer_std.csv");
    let lam = format!("{}", 2.0 / 569.0);
    let v = json_ok(&run(&[
        "bcd",
        "--data",
        &bc,
        "--problem",
        "softmax",
        "--lambda",
        &lam,
        "--intercept",
        "--no-standardize",
        "--tol",
        "1e-14",
        "--json",
    ]));
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(data("reference/bcd/intercept.json")).unwrap())
            .unwrap();
    let f_ref = r["objective"].as_f64().unwrap();
    let f = v["objective"].as_f64().unwrap();
    assert!(((f - f_ref) / f_ref).abs() <= 1e-9, "{f} vs {f_ref}");
    let b = floats(&v["intercept"]);
    assert_eq!(b.len(), 2);
    assert!((b[0] + b[1]).abs() <= 1e-12, "centred: {b:?}");
    assert!((b[1] - b[0] - r["intercept"].as_f64().unwrap()).abs() <= 1e-5, "{b:?}");
    assert_eq!(floats(&v["coefficients"]).len(), 60);
}

#[test]
fn bad_inputs_give_one_error_line() {
    let d = data("diabetes_std.csv");
    let bc = data("breast_cancer_std.csv");
    let cases: &[(&[&str], &str)] = &[
        (&["--data", &d, "--problem", "lasso", "--lambda", "-1"], "--lambda"),
        (&["--data", &d, "--problem", "lasso", "--lambda", "1", "--rule", "bogus"], "bogus"),
        (&["--data", &d, "--problem", "lasso", "--lambda", "1", "--block-size", "0"], "--block-size"),
        (&["--problem", "label-propagation", "--lambda", "0", "--labels", &d], "--graph"),
        (&["--data", &d, "--problem", "lasso"], "--lambda"),
        (&["--data", &d, "--problem", "least-squares", "--lambda-ratio", "0.1"], "lambda-ratio"),
        (&["--problem", "label-propagation", "--lambda", "0", "--intercept"], "--intercept"),
        (
            &[
                "--data",
                &bc,
                "--problem",
                "logistic",
                "--lambda",
                "1",
                "--rule",
                "gsq",
                "--blocks",
                "variable",
            ],
            "gsq",
        ),
        (&["--data", &d, "--problem", "lasso", "--lambda", "1", "--tol", "-1"], "--tol"),
    ];
    for (args, needle) in cases {
        let mut all = vec!["bcd"];
        all.extend_from_slice(args);
        let line = error_line(&run(&all));
        assert!(line.contains(needle), "{args:?}: {line}");
    }
}
