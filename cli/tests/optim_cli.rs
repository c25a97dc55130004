//! `optim trace`, `train mlp` and `predict` through the built binary: iterates against an
//! independent f64 implementation of the diffGrad equations (spec `diffgrad.md` §1–2) and the
//! spec's published numbers, digits accuracy, model round trip, and the error contract.

mod common;
use common::{data, error_line, json_ok, run, scratch};

use std::path::PathBuf;

use serde_json::Value;

/// diffGrad on a 1-D function written from the spec's equations (§1 with bias-corrected
/// moments; `paper`: ε on √v̂, else §2's ε on the uncorrected √v), f64. Returns x_0..x_steps.
#[allow(clippy::too_many_arguments)]
fn reference_diffgrad(
    grad: impl Fn(f64) -> f64,
    x0: f64,
    lr: f64,
    b1: f64,
    b2: f64,
    eps: f64,
    paper: bool,
    steps: usize,
) -> Vec<f64> {
    let (mut x, mut m, mut v, mut prev) = (x0, 0.0f64, 0.0f64, 0.0f64);
    let mut out = vec![x];
    for t in 1..=steps {
        let g = grad(x);
        m = b1 * m + (1.0 - b1) * g;
        v = b2 * v + (1.0 - b2) * g * g;
        let xi = 1.0 / (1.0 + (-(prev - g).abs()).exp());
        prev = g;
        let (bc1, bc2) = (1.0 - b1.powi(t as i32), 1.0 - b2.powi(t as i32));
        x -= if paper {
            lr * xi * (m / bc1) / ((v / bc2).sqrt() + eps)
        } else {
            lr * bc2.sqrt() / bc1 * xi * m / (v.sqrt() + eps)
        };
        out.push(x);
    }
    out
}

fn df1(x: f64) -> f64 {
    if x <= 0.0 {
        2.0 * x + 0.6
    } else {
        2.0 * x - 0.4
    }
}

fn xs(v: &Value) -> Vec<f64> {
    v["x"].as_array().unwrap().iter().map(|p| p.as_array().unwrap()[0].as_f64().unwrap()).collect()
}

#[test]
fn trace_f1_matches_independent_reference_and_spec_numbers() {
    for (mode, paper) in [("paper", true), ("torch", false)] {
        let v = json_ok(&run(&[
            "optim",
            "trace",
            "--optimizer",
            "diffgrad",
            "--function",
            "f1",
            "--x0",
            "-1",
            "--lr",
            "0.1",
            "--beta1",
            "0.95",
            "--beta2",
            "0.999",
            "--eps",
            "1e-8",
            "--eps-mode",
            mode,
            "--steps",
            "299",
            "--json",
        ]));
        let got = xs(&v);
        let f = v["f"].as_array().unwrap();
        assert_eq!((got.len(), f.len()), (300, 300), "step 0 included");
        assert_eq!(got[0], -1.0);
        let want = reference_diffgrad(df1, -1.0, 0.1, 0.95, 0.999, 1e-8, paper, 299);
        for k in 0..=20 {
            assert!((got[k] - want[k]).abs() <= 1e-12, "{mode} x_{k}: {} vs {}", got[k], want[k]);
        }
        for (k, w) in want.iter().enumerate() {
            assert!((got[k] - w).abs() <= 1e-9, "{mode} x_{k}");
        }
        // f(x_k) is F1 at the reported iterate.
        let f5 = f[5].as_f64().unwrap();
        assert!((f5 - (got[5] + 0.3).powi(2)).abs() < 1e-15);
    }
    // Spec check 1 (paper mode, defaults of `optim trace` are the spec protocol) and check 2.
    let p = xs(&json_ok(&run(&["optim", "trace", "--eps-mode", "paper", "--json"])));
    for (k, w) in
        [-0.9197816117, -0.8659611288, -0.8136610192, -0.7617270636, -0.7102059514].iter().enumerate()
    {
        assert!((p[k + 1] - w).abs() <= 1e-9, "paper x_{}", k + 1);
    }
    assert!((p[299] + 0.3000711663).abs() <= 1e-7);
    let t = xs(&json_ok(&run(&["optim", "trace", "--json"])));
    for (k, w) in [-0.9197816293, -0.8659611558, -0.8136610538].iter().enumerate() {
        assert!((t[k + 1] - w).abs() <= 1e-9, "torch x_{}", k + 1);
    }
    // Spec check 3: Adam ends in the local minimum 0.2.
    let a = xs(&json_ok(&run(&["optim", "trace", "--optimizer", "adam", "--json"])));
    assert!((a[1] + 0.9000000007).abs() <= 1e-9 && (a[299] - 0.2001149320).abs() <= 1e-7, "{}", a[299]);
}

#[test]
fn trace_f32_follows_f64_and_rosenbrock_is_2d() {
    let x64 = xs(&json_ok(&run(&["optim", "trace", "--eps-mode", "paper", "--steps", "100", "--json"])));
    let v32 = json_ok(&run(&[
        "optim",
        "trace",
        "--eps-mode",
        "paper",
        "--steps",
        "100",
        "--precision",
        "f32",
        "--json",
    ]));
    assert_eq!(v32["precision"], "f32");
    // Spec check 10: f32 within 1e-5 of f64 over the first 100 steps.
    for (a, b) in xs(&v32).iter().zip(&x64) {
        assert!((a - b).abs() <= 1e-5);
    }
    let r = json_ok(&run(&[
        "optim",
        "trace",
        "--function",
        "rosenbrock",
        "--x0",
        "-1.5,2",
        "--lr",
        "0.05",
        "--steps",
        "500",
        "--optimizer",
        "adam",
        "--json",
    ]));
    let pts = r["x"].as_array().unwrap();
    assert_eq!(pts.len(), 501);
    assert_eq!(pts[0], serde_json::json!([-1.5, 2.0]));
    let f: Vec<f64> = r["f"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert!((f[0] - (2.5f64.powi(2) + 100.0 * 0.0625)).abs() < 1e-12); // f(−1.5, 2) = 6.25 + 6.25
    assert!(f[500] < 0.1 * f[0], "{}", f[500]);
}

#[test]
fn trace_plot_writes_a_png_that_decodes() {
    let path = scratch("trace.png");
    let out = run(&["optim", "trace", "--function", "f2", "--plot", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&path).unwrap();
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert!(info.width > 100 && info.height > 100);
    assert!(buf[..info.buffer_size()].iter().any(|&b| b != 255), "the plot is not blank");
}

#[test]
fn bad_parameters_exit_2_with_one_line() {
    for (args, want) in [
        (vec!["optim", "trace", "--lr", "0"], "--lr"),
        (vec!["optim", "trace", "--lr", "-1"], "--lr"),
        (vec!["optim", "trace", "--optimizer", "lion"], "lion"),
        (vec!["optim", "trace", "--function", "rosenbrock", "--x0", "1"], "--x0"),
        (vec!["optim", "trace", "--beta1", "1.5"], "--beta1"),
        (vec!["optim", "trace", "--optimizer", "adam", "--eps-mode", "paper"], "--eps-mode"),
    ] {
        let e = error_line(&run(&args));
        assert!(e.contains(want), "{args:?}: {e}");
    }
    let (d, r) = (data("digits.csv"), data("splits/digits_test.txt"));
    for (extra, want) in [
        (["--lr", "0"], "--lr"),
        (["--lr", "-0.1"], "--lr"),
        (["--epochs", "0"], "--epochs"),
        (["--optimizer", "rmsprop"], "rmsprop"),
        (["--batch", "0"], "--batch"),
    ] {
        let mut args = vec!["train", "mlp", "--data", &d, "--test-rows", &r];
        args.extend(extra);
        let e = error_line(&run(&args));
        assert!(e.contains(want), "{extra:?}: {e}");
    }
}

/// The digits rows listed in the spec split, with the header, as a CSV file.
fn digits_test_csv() -> PathBuf {
    let text = std::fs::read_to_string(data("digits.csv")).unwrap();
    let rows: Vec<usize> = std::fs::read_to_string(data("splits/digits_test.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.trim().parse().unwrap())
        .collect();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let mut out = format!("{}\n", lines.next().unwrap());
    let body: Vec<&str> = lines.collect();
    for i in rows {
        out.push_str(body[i]);
        out.push('\n');
    }
    let path = scratch("digits_test.csv");
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn train_digits_then_predict_reads_the_model_back() {
    let model = scratch("digits.fkm");
    let v = json_ok(&run(&[
        "train",
        "mlp",
        "--data",
        &data("digits.csv"),
        "--test-rows",
        &data("splits/digits_test.txt"),
        "--hidden",
        "64",
        "--optimizer",
        "diffgrad",
        "--epochs",
        "10",
        "--lr",
        "3e-3",
        "--batch",
        "32",
        "--seed",
        "0",
        "--out",
        model.to_str().unwrap(),
        "--json",
    ]));
    let acc = v["test_accuracy"].as_f64().unwrap();
    assert!(acc >= 0.96, "test accuracy {acc}");
    let losses = v["train_loss"].as_array().unwrap();
    assert_eq!(losses.len(), 10);
    assert!(losses[9].as_f64().unwrap() < 0.2 * losses[0].as_f64().unwrap());
    assert_eq!(v["task"], "classification");

    let test_csv = digits_test_csv();
    let p = json_ok(&run(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--data",
        test_csv.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(p["kind"], "mlp");
    assert_eq!(p["rows"], 540);
    assert_eq!(p["predictions"].as_array().unwrap().len(), 540);
    assert_eq!(p["accuracy"].as_f64().unwrap(), acc, "predict reproduces the training command's score");

    // Features only (no target column): predictions, no accuracy.
    let text = std::fs::read_to_string(&test_csv).unwrap();
    let no_target: String = text.lines().map(|l| l.rsplit_once(',').unwrap().0.to_owned() + "\n").collect();
    let nt = scratch("digits_features.csv");
    std::fs::write(&nt, no_target).unwrap();
    let q = json_ok(&run(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--data",
        nt.to_str().unwrap(),
        "--json",
    ]));
    assert!(q.get("accuracy").is_none());
    assert_eq!(q["predictions"], p["predictions"]);
}

#[test]
fn adam_f64_and_regression_train() {
    let v = json_ok(&run(&[
        "train",
        "mlp",
        "--data",
        &data("digits.csv"),
        "--test-rows",
        &data("splits/digits_test.txt"),
        "--optimizer",
        "adam",
        "--epochs",
        "8",
        "--precision",
        "f64",
        "--json",
    ]));
    assert!(v["test_accuracy"].as_f64().unwrap() >= 0.95, "{v}");
    assert_eq!(v["precision"], "f64");
    // Diabetes (regression): RMSE well below the targets' standard deviation (≈ 77).
    let model = scratch("diabetes.fkm");
    let r = json_ok(&run(&[
        "train",
        "mlp",
        "--data",
        &data("diabetes.csv"),
        "--test-rows",
        &data("splits/diabetes_test.txt"),
        "--hidden",
        "16",
        "--epochs",
        "30",
        "--lr",
        "3e-3",
        "--out",
        model.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(r["task"], "regression");
    let rmse = r["test_rmse"].as_f64().unwrap();
    assert!(rmse < 65.0, "test rmse {rmse}");
    let p = json_ok(&run(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--data",
        &data("diabetes.csv"),
        "--json",
    ]));
    assert!(p["rmse"].as_f64().unwrap() < 65.0);
}

#[test]
fn predict_rejects_wrong_kind_corrupt_and_feature_mismatch() {
    let model = scratch("small.fkm");
    json_ok(&run(&[
        "train",
        "mlp",
        "--data",
        &data("breast_cancer.csv"),
        "--epochs",
        "1",
        "--hidden",
        "4",
        "--out",
        model.to_str().unwrap(),
        "--json",
    ]));
    // Feature count: breast cancer has 30 features, digits 64.
    let e = error_line(&run(&["predict", "--model", model.to_str().unwrap(), "--data", &data("digits.csv")]));
    assert!(e.contains("expects 30 features"), "{e}");
    // Corrupt: one flipped byte.
    let mut bytes = std::fs::read(&model).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x10;
    let bad = scratch("corrupt.fkm");
    std::fs::write(&bad, &bytes).unwrap();
    let e = error_line(&run(&[
        "predict",
        "--model",
        bad.to_str().unwrap(),
        "--data",
        &data("breast_cancer.csv"),
    ]));
    assert!(e.contains("not a valid model file"), "{e}");
    // Not a model at all.
    let e = error_line(&run(&["predict", "--model", &data("digits.csv"), "--data", &data("digits.csv")]));
    assert!(e.contains("bad magic"), "{e}");
    // Wrong kind: a valid file of another kind (an optimizer state file written by the library).
    let other = scratch("state.fkm");
    let mut w = ferrokern::model::ModelWriter::new("optim-state").unwrap();
    w.meta_i64("step", 1).unwrap();
    w.tensor_f32("x.m", &[1], &[0.5]).unwrap();
    w.write_file(&other).unwrap();
    let e = error_line(&run(&["predict", "--model", other.to_str().unwrap(), "--data", &data("digits.csv")]));
    assert!(e.contains("model kind 'optim-state'") && e.contains("supported: mlp"), "{e}");
}
