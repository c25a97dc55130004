//! `ferrokern sinkhorn` through the built binary: transport cost against POT's numbers
//! (host-tests/data/reference/sinkhorn/pot_clouds.json, made by
//! benches/peers/sinkhorn/make_reference.py), plan marginals, and the error contract.

mod common;
use common::run;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn scratch(name: &str) -> PathBuf {
    // One directory per test (tests run in parallel threads named after the test).
    let test = std::thread::current().name().unwrap_or("main").replace("::", "-");
    let dir = std::env::temp_dir().join(format!("ferrokern-sinkhorn-cli-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn write(name: &str, text: &str) -> String {
    let p = scratch(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn reference() -> Value {
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../host-tests/data/reference/sinkhorn/pot_clouds.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn points_csv(flat: &Value, header: bool) -> String {
    let v: Vec<f64> = flat.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    let mut s = if header { String::from("u,v\n") } else { String::new() };
    for p in v.chunks(2) {
        s.push_str(&format!("{:?},{:?}\n", p[0], p[1]));
    }
    s
}

/// The n = 64 clouds as CSV files, and POT's ε = 0.1 case.
fn small_case() -> (String, String, Value) {
    let r = reference();
    let cloud = r["clouds"].as_array().unwrap().iter().find(|c| c["n"] == 64).unwrap().clone();
    let case = r["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["n"] == 64 && c["eps"].as_f64() == Some(0.1))
        .unwrap()
        .clone();
    (write("x.csv", &points_csv(&cloud["x"], true)), write("y.csv", &points_csv(&cloud["y"], false)), case)
}

fn json_ok(out: &Output) -> Value {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}, stderr: {stderr}", out.status.code());
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    serde_json::from_str(&stdout).unwrap()
}

fn error_line(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(out.stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    stderr
}

#[test]
fn transport_cost_matches_pot_f64_every_method() {
    let (x, y, case) = small_case();
    let want = case["transport_cost"].as_f64().unwrap();
    for method in ["log", "scaling", "stabilized", "eps-scaling", "sns"] {
        let v = json_ok(&run(&[
            "--json",
            "sinkhorn",
            "--x",
            &x,
            "--y",
            &y,
            "--normalize-cost",
            "max",
            "--eps",
            "0.1",
            "--method",
            method,
        ]));
        let got = v["transport_cost"].as_f64().unwrap();
        assert!((got - want).abs() < 1e-9, "{method}: {got} vs POT {want}");
        assert_eq!(v["converged"], true, "{method}");
        assert_eq!(v["marginal_error_norm"], "l2-column");
        assert!(v["marginal_error"].as_f64().unwrap() < 1e-8, "{method}: {v}");
        assert_eq!(v["f"].as_array().unwrap().len(), 64);
        assert_eq!(v["g"].as_array().unwrap().len(), 64);
        assert!(v["seconds"].as_f64().unwrap() >= 0.0);
        let ent = v["entropic_objective"].as_f64().unwrap();
        assert!((ent - case["entropic_objective"].as_f64().unwrap()).abs() < 1e-8, "{method}: {ent}");
    }
}

#[test]
fn transport_cost_matches_pot_f32() {
    let (x, y, case) = small_case();
    let want = case["transport_cost"].as_f64().unwrap();
    for method in ["log", "stabilized"] {
        let v = json_ok(&run(&[
            "--json",
            "sinkhorn",
            "--x",
            &x,
            "--y",
            &y,
            "--normalize-cost",
            "max",
            "--eps",
            "0.1",
            "--method",
            method,
            "--precision",
            "f32",
        ]));
        let got = v["transport_cost"].as_f64().unwrap();
        assert!((got - want).abs() < 1e-5, "{method}: {got} vs POT {want}");
    }
}

#[test]
fn explicit_cost_matrix_gives_the_same_cost() {
    let (x, y, case) = small_case();
    let r = reference();
    let cloud = r["clouds"].as_array().unwrap().iter().find(|c| c["n"] == 64).unwrap().clone();
    let p = |k: &str| cloud[k].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect::<Vec<f64>>();
    let (px, py) = (p("x"), p("y"));
    let mut text = String::new();
    for i in 0..64 {
        let row: Vec<String> = (0..64)
            .map(|j| {
                let (dx, dy) = (px[2 * i] - py[2 * j], px[2 * i + 1] - py[2 * j + 1]);
                format!("{:?}", dx * dx + dy * dy)
            })
            .collect();
        text.push_str(&row.join(","));
        text.push('\n');
    }
    let c = write("c.csv", &text);
    let v = json_ok(&run(&[
        "--json",
        "sinkhorn",
        "--x",
        &x,
        "--y",
        &y,
        "--cost-matrix",
        &c,
        "--normalize-cost",
        "max",
        "--eps",
        "0.1",
    ]));
    let want = case["transport_cost"].as_f64().unwrap();
    assert!((v["transport_cost"].as_f64().unwrap() - want).abs() < 1e-9, "{v}");
}

#[test]
fn plan_file_has_the_requested_marginals() {
    let (x, y, _) = small_case();
    let a: Vec<f64> = (0..64).map(|i| (1 + i % 3) as f64).collect();
    let sa: f64 = a.iter().sum();
    let b: Vec<f64> = (0..64).map(|j| (2 + j % 5) as f64).collect();
    let sb: f64 = b.iter().sum();
    let b: Vec<f64> = b.iter().map(|v| v * sa / sb).collect();
    let fa = write("a.csv", &a.iter().map(|v| format!("{v:?}\n")).collect::<String>());
    let fb = write("b.csv", &b.iter().map(|v| format!("{v:?}\n")).collect::<String>());
    let plan = scratch("plan.csv");
    let plan_s = plan.display().to_string();
    let v = json_ok(&run(&[
        "--json", "sinkhorn", "--x", &x, "--y", &y, "--a", &fa, "--b", &fb, "--eps", "0.05", "--tol",
        "1e-10", "--plan", &plan_s,
    ]));
    assert_eq!(v["converged"], true, "{v}");
    let text = std::fs::read_to_string(&plan).unwrap();
    let rows: Vec<Vec<f64>> =
        text.lines().map(|l| l.split(',').map(|c| c.parse().unwrap()).collect()).collect();
    assert_eq!(rows.len(), 64);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), 64);
        let s: f64 = row.iter().sum();
        assert!((s - a[i]).abs() < 1e-8 * sa, "row {i}: {s} vs {}", a[i]);
    }
    for (j, bj) in b.iter().enumerate() {
        let s: f64 = rows.iter().map(|r| r[j]).sum();
        assert!((s - bj).abs() < 1e-8 * sa, "column {j}: {s} vs {bj}");
    }
}

#[test]
fn non_convergence_is_reported_not_failed() {
    let (x, y, _) = small_case();
    let v = json_ok(&run(&["--json", "sinkhorn", "--x", &x, "--y", &y, "--eps", "0.01", "--max-iter", "2"]));
    assert_eq!(v["converged"], false, "{v}");
}

#[test]
fn scaling_underflow_is_an_error_unless_fallback() {
    let (x, y, _) = small_case();
    let args = ["sinkhorn", "--x", &x, "--y", &y, "--eps", "1e-4", "--method", "scaling"];
    let e = error_line(&run(&args));
    assert!(e.contains("under/overflow"), "{e}");
    let mut with = vec!["--json"];
    with.extend_from_slice(&args);
    with.extend_from_slice(&["--fallback", "log", "--max-iter", "50"]);
    let v = json_ok(&run(&with));
    assert!(v["transport_cost"].as_f64().unwrap().is_finite());
}

#[test]
fn bad_inputs_are_one_error_line() {
    let (x, y, _) = small_case();
    let three_d = write("x3.csv", "0,0,0\n1,1,1\n");
    let nan = write("xnan.csv", "0,0\nnan,1\n");
    let a_neg = write(
        "aneg.csv",
        &(0..64).map(|i| if i == 3 { "-1\n".into() } else { "1\n".to_string() }).collect::<String>(),
    );
    let a_heavy = write("aheavy.csv", &"1\n".repeat(64));
    let a_short = write("ashort.csv", "1\n1\n");
    let cases: Vec<Vec<&str>> = vec![
        vec!["--eps", "0"],
        vec!["--eps", "-1"],
        vec!["--eps", "inf"],
        vec!["--eps", "0.1", "--x", &three_d],
        vec!["--eps", "0.1", "--x", &nan],
        vec!["--eps", "0.1", "--a", &a_neg],
        vec!["--eps", "0.1", "--a", &a_heavy],
        vec!["--eps", "0.1", "--a", &a_short],
        vec!["--eps", "0.1", "--tol", "-1"],
        vec!["--eps", "0.1", "--check-every", "0"],
    ];
    for extra in cases {
        let mut args = vec!["sinkhorn"];
        if !extra.contains(&"--x") {
            args.extend_from_slice(&["--x", &x]);
        }
        args.extend_from_slice(&["--y", &y]);
        args.extend_from_slice(&extra);
        let e = error_line(&run(&args));
        assert!(!e.contains("internal error"), "{extra:?}: {e}");
    }
}
