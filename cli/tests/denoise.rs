//! `denoise train|distill|sample|judge` through the built binary: the output contract, model
//! files of the right kind and weight type, evaluation counts (teacher: steps × (cond +
//! uncond) rows, student: one per sample), the judge on real held-out digits against the
//! spec's k = 3 precision/recall (0.896/0.921) and the committed student's accuracy, and the
//! error contract.

mod common;
use common::{data, error_line, json_ok, run, scratch};

use ferrokern::model::{DType, Model};
use serde_json::{json, Value};

fn root(path: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path).display().to_string()
}

fn student() -> String {
    root("firmware-examples/denoise/model/student.fkm")
}

fn teacher() -> String {
    root("models/denoise/teacher.fkm")
}

fn sample(model: &str, extra: &[&str]) -> Value {
    let mut args = vec!["--json", "denoise", "sample", "--model", model];
    args.extend_from_slice(extra);
    json_ok(&run(&args))
}

/// A short train + distill run: JSON keys, file kinds, f16 student weights.
#[test]
fn train_and_distill_write_flow_models() {
    let t = scratch("teacher.fkm");
    let v = json_ok(&run(&[
        "--json",
        "denoise",
        "train",
        "--data",
        &data("digits.csv"),
        "--test-rows",
        &data("splits/digits_test.txt"),
        "--steps",
        "30",
        "--seed",
        "3",
        "--out",
        t.to_str().unwrap(),
    ]));
    assert_eq!(
        (v["kind"].as_str(), v["train_rows"].as_u64(), v["steps"].as_u64()),
        (Some("flow-teacher"), Some(1257), Some(30))
    );
    let losses = v["loss"].as_array().unwrap();
    assert!(losses.first().unwrap().as_f64().unwrap() > losses.last().unwrap().as_f64().unwrap(), "{v}");
    let bytes = std::fs::read(&t).unwrap();
    let m = Model::parse(&bytes).unwrap();
    assert_eq!(m.kind(), "flow-teacher");
    assert!(m.tensors().all(|x| x.dtype() == DType::F32));

    let s = scratch("student.fkm");
    let v = json_ok(&run(&[
        "--json",
        "denoise",
        "distill",
        "--teacher",
        t.to_str().unwrap(),
        "--pairs",
        "100",
        "--teacher-steps",
        "4",
        "--epochs",
        "2",
        "--seed",
        "5",
        "--out",
        s.to_str().unwrap(),
    ]));
    assert_eq!(v["kind"], "flow-student");
    assert!(v["held_out_mse"].as_f64().is_some_and(|m| m.is_finite() && m > 0.0), "{v}");
    let bytes = std::fs::read(&s).unwrap();
    let m = Model::parse(&bytes).unwrap();
    assert_eq!(m.kind(), "flow-student");
    assert!(m.tensors().all(|x| x.dtype() == DType::F16));
    // The fresh student samples (one evaluation per sample).
    let v = sample(s.to_str().unwrap(), &["--class", "4", "--count", "3", "--seed", "1"]);
    assert_eq!(v["evaluations"], 3);
}

#[test]
fn sample_json_contract_and_evaluation_counts() {
    let v = sample(&student(), &["--class", "7", "--count", "5", "--scale", "2", "--seed", "9"]);
    let rows = v["samples"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    for r in rows {
        let r = r.as_array().unwrap();
        assert_eq!(r.len(), 64);
        assert!(r.iter().all(|p| p.as_f64().is_some_and(|p| (-1.0..=1.0).contains(&p))));
    }
    assert_eq!(v["classes"], json!([7, 7, 7, 7, 7]));
    assert_eq!(
        (v["guidance"].as_str(), v["scale"].as_f64(), v["evaluations"].as_u64()),
        (Some("cfg"), Some(2.0), Some(5))
    );
    // Teacher: 8 Euler steps × (cond + uncond) × 3 samples under CFG, cond only at w = 1.
    let v = sample(&teacher(), &["--class", "3", "--count", "3", "--steps", "8", "--seed", "1"]);
    assert_eq!(v["evaluations"], 8 * 2 * 3);
    let v = sample(&teacher(), &["--class", "3", "--count", "3", "--steps", "8", "--scale", "1"]);
    assert_eq!(v["evaluations"], 8 * 3);
    let v = sample(&teacher(), &["--class", "3", "--count", "3", "--steps", "8", "--negative-class", "8"]);
    assert_eq!(v["evaluations"], 8 * 2 * 3);
    let v = sample(
        &teacher(),
        &["--class", "3", "--count", "3", "--steps", "8", "--guidance", "apg", "--scale", "6"],
    );
    assert!(v["clipped_fraction"].as_f64().is_some_and(|c| (0.0..=1.0).contains(&c)));
    // Beyond half a grey level is a subset of beyond [−1, 1].
    assert!(v["oversaturated_fraction"]
        .as_f64()
        .is_some_and(|o| o >= 0.0 && o <= v["clipped_fraction"].as_f64().unwrap()));
    // AG with γ̄ = −1: one unconditional call per sample, then conditional only.
    let v = sample(
        &teacher(),
        &["--class", "3", "--count", "3", "--steps", "8", "--guidance", "ag", "--ag-threshold", "-1"],
    );
    assert_eq!(v["evaluations"], 8 * 3 + 3);
    // Same seed, same samples.
    let a = sample(&student(), &["--class", "2", "--count", "2", "--seed", "4"]);
    let b = sample(&student(), &["--class", "2", "--count", "2", "--seed", "4"]);
    assert_eq!(a["samples"], b["samples"]);
    // PNG grid.
    let png = scratch("grid.png");
    let out = run(&[
        "denoise",
        "sample",
        "--model",
        &student(),
        "--class",
        "1",
        "--count",
        "4",
        "--out",
        png.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("evaluations"));
    assert_eq!(&std::fs::read(&png).unwrap()[..8], b"\x89PNG\r\n\x1a\n");
}

/// The held-out digits as a samples file (pixels x/8 − 1).
fn real_test_json() -> std::path::PathBuf {
    real_test_json_noisy(0.0)
}

/// The held-out digits plus N(0, σ²) noise (Box–Muller on a fixed LCG), clipped to [−1, 1].
fn real_test_json_noisy(sigma: f64) -> std::path::PathBuf {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut uniform = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut normal = move || (-2.0 * uniform().ln()).sqrt() * (2.0 * std::f64::consts::PI * uniform()).cos();
    let csv = std::fs::read_to_string(data("digits.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).filter(|l| !l.is_empty()).collect();
    let split = std::fs::read_to_string(data("splits/digits_test.txt")).unwrap();
    let (mut samples, mut classes) = (vec![], vec![]);
    for i in split.split_whitespace() {
        let v: Vec<f64> =
            rows[i.parse::<usize>().unwrap()].split(',').map(|s| s.trim().parse().unwrap()).collect();
        samples.push(
            v[..64].iter().map(|p| (p / 8.0 - 1.0 + sigma * normal()).clamp(-1.0, 1.0)).collect::<Vec<f64>>(),
        );
        classes.push(v[64] as usize);
    }
    let path = scratch(&format!("real_test_{sigma}.json"));
    std::fs::write(&path, json!({ "samples": samples, "classes": classes }).to_string()).unwrap();
    path
}

/// Real held-out digits judged as samples: the judge's accuracy (≥ 0.97, issue #7), FD equal to
/// its own calibration value, and the spec's precision/recall (0.896/0.921 ± 0.02, check 5).
#[test]
fn judge_on_real_digits_matches_spec_calibration() {
    let path = real_test_json();
    let v = json_ok(&run(&["--json", "denoise", "judge", "--samples", path.to_str().unwrap()]));
    assert_eq!(v["samples"], 540);
    assert!(v["accuracy"].as_f64().unwrap() >= 0.97, "{v}");
    let fd = v["fd_feat"].as_f64().unwrap();
    assert!((fd - v["fd_feat_real_test"].as_f64().unwrap()).abs() < 1e-9, "{v}");
    // Spec check 5 with noise: test + N(0, 0.5²) (clipped) has precision 0.046, recall 0.994,
    // and an FD_feat 19× the real one (7.16 vs 0.375 for the spec's MLP).
    let noisy = real_test_json_noisy(0.5);
    let n = json_ok(&run(&["--json", "denoise", "judge", "--samples", noisy.to_str().unwrap()]));
    println!("real {v}\nnoisy {n}");
    assert!((n["precision"].as_f64().unwrap() - 0.046).abs() <= 0.02, "{n}");
    assert!((n["recall"].as_f64().unwrap() - 0.994).abs() <= 0.02, "{n}");
    assert!(n["fd_feat"].as_f64().unwrap() > 10.0 * fd, "{n}");
    assert!((v["precision"].as_f64().unwrap() - 0.896).abs() <= 0.02, "{v}");
    assert!((v["recall"].as_f64().unwrap() - 0.921).abs() <= 0.02, "{v}");
    // The same judge, given explicitly, and the reference given as a file.
    let v2 = json_ok(&run(&[
        "--json",
        "denoise",
        "judge",
        "--samples",
        path.to_str().unwrap(),
        "--classifier",
        &root("models/denoise/judge.fkm"),
        "--data",
        &data("digits.csv"),
        "--test-rows",
        &data("splits/digits_test.txt"),
    ]));
    assert_eq!(v["fd_feat"], v2["fd_feat"]);
}

/// The committed student at w = 2 (100 per class): the issue's conditional accuracy ≥ 0.90.
#[test]
fn committed_student_reaches_accuracy_at_w2() {
    let (mut samples, mut classes) = (vec![], vec![]);
    for c in 0..10 {
        let c = c.to_string();
        let v = sample(&student(), &["--class", &c, "--count", "100", "--scale", "2", "--seed", "17"]);
        samples.extend(v["samples"].as_array().unwrap().iter().cloned());
        classes.extend(v["classes"].as_array().unwrap().iter().cloned());
    }
    let path = scratch("student_w2.json");
    std::fs::write(&path, json!({ "samples": samples, "classes": classes }).to_string()).unwrap();
    let v = json_ok(&run(&["--json", "denoise", "judge", "--samples", path.to_str().unwrap()]));
    println!("committed student w=2: {v}");
    assert!(v["accuracy"].as_f64().unwrap() >= 0.90, "{v}");
}

#[test]
fn bad_parameters_are_one_error_line() {
    let s = student();
    let t = teacher();
    for (args, needle) in [
        (vec!["denoise", "sample", "--model", &s, "--class", "10"], "--class"),
        (vec!["denoise", "sample", "--model", &s, "--class", "1", "--count", "0"], "--count"),
        (vec!["denoise", "sample", "--model", &s, "--class", "1", "--scale", "nan"], "--scale"),
        (vec!["denoise", "sample", "--model", &s, "--class", "1", "--guidance", "apg"], "--guidance"),
        (
            vec!["denoise", "sample", "--model", &s, "--class", "1", "--negative-class", "2"],
            "--negative-class",
        ),
        (vec!["denoise", "sample", "--model", &t, "--class", "1", "--steps", "0"], "--steps"),
        (
            vec![
                "denoise",
                "sample",
                "--model",
                &t,
                "--class",
                "1",
                "--guidance",
                "ag",
                "--negative-class",
                "2",
            ],
            "--negative-class",
        ),
        (vec!["denoise", "sample", "--model", "/nonexistent.fkm", "--class", "1"], "nonexistent"),
        (vec!["denoise", "distill", "--teacher", &s, "--out", "/tmp/x.fkm"], "--teacher"),
        (vec!["denoise", "distill", "--teacher", &t, "--pairs", "0", "--out", "/tmp/x.fkm"], "--pairs"),
        (
            vec![
                "denoise",
                "distill",
                "--teacher",
                &t,
                "--w-min",
                "3",
                "--w-max",
                "2",
                "--out",
                "/tmp/x.fkm",
            ],
            "--w-min",
        ),
        (
            vec!["denoise", "train", "--data", &data("digits.csv"), "--steps", "0", "--out", "/tmp/x.fkm"],
            "--steps",
        ),
        (
            vec!["denoise", "train", "--data", &data("digits.csv"), "--lr", "-1", "--out", "/tmp/x.fkm"],
            "--lr",
        ),
        (vec!["denoise", "train", "--data", &data("diabetes.csv"), "--out", "/tmp/x.fkm"], "64"),
    ] {
        let line = error_line(&run(&args));
        assert!(line.contains(needle), "{args:?}: {line}");
    }
    // A judge model that is not an MLP, and samples that are not samples.
    let bad = scratch("bad.json");
    std::fs::write(&bad, r#"{"samples": [[0.1, 0.2]], "classes": [1]}"#).unwrap();
    assert!(error_line(&run(&["denoise", "judge", "--samples", bad.to_str().unwrap()])).contains("64"));
    let real = real_test_json();
    let line =
        error_line(&run(&["denoise", "judge", "--samples", real.to_str().unwrap(), "--classifier", &s]));
    assert!(line.contains("mlp"), "{line}");
}
