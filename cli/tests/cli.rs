//! Runs the built `ferrokern` binary: JSON contracts, the tour's SIMD-vs-scalar agreement, and
//! the one-line `error:` / exit status 2 contract for bad input.

mod common;
use common::{data, run};

use std::path::PathBuf;
use std::process::Output;

use serde_json::Value;

/// Parse stdout as exactly one JSON object (one line), after checking success.
fn json_ok(out: &Output) -> Value {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}, stderr: {stderr}", out.status.code());
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(stdout.lines().count(), 1, "stdout must be one JSON line: {stdout}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert!(v.is_object());
    assert!(v["seconds"].as_f64().is_some_and(|s| s >= 0.0), "every JSON result has seconds: {v}");
    v
}

/// The error contract: nothing on stdout, one `error:` line on stderr, exit status 2.
fn error_line(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(out.stdout.is_empty(), "stdout must stay empty: {}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(stderr.lines().count(), 1, "exactly one line on stderr: {stderr:?}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"), "{stderr}");
    stderr
}

#[test]
fn info_json_names_a_level() {
    let v = json_ok(&run(&["info", "--json"]));
    let level = v["simd_level"].as_str().unwrap();
    assert!(["scalar", "sse2", "avx2", "avx512", "neon"].contains(&level), "{level}");
    let available: Vec<&str> =
        v["available_levels"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(available.contains(&"scalar") && available.contains(&level), "{available:?}");
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    // The global flag works before the subcommand too.
    assert_eq!(json_ok(&run(&["--json", "info"]))["simd_level"], level);
}

#[test]
fn info_human_is_short_text() {
    let out = run(&["info"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("SIMD path:") && !text.trim_start().starts_with('{'), "{text}");
}

#[test]
fn tour_json_linalg_simd_agrees_with_scalar() {
    let v = json_ok(&run(&["tour", "--quick", "--json"]));
    assert_eq!(v["ok"], true);
    let demos = v["demos"].as_array().unwrap();
    let linalg = demos.iter().find(|d| d["name"] == "linalg").expect("linalg demo");
    assert_eq!((linalg["rows"].as_u64(), linalg["cols"].as_u64()), (Some(1797), Some(64)));
    let ops = linalg["operations"].as_array().unwrap();
    assert_eq!(ops.len(), 5);
    // f32 sums over ≤ 1797 terms in another order: differences of a few ulps of the largest
    // partial sum; 1e-4 (relative to the largest result) is far above that and far below a bug.
    for op in ops {
        for key in ["max_rel_diff_simd_vs_scalar", "max_rel_err_simd_vs_f64", "max_rel_err_scalar_vs_f64"] {
            let d = op[key].as_f64().unwrap();
            assert!((0.0..1e-4).contains(&d), "{}: {key} = {d}", op["operation"]);
        }
        assert!(op["simd_throughput"].as_f64().unwrap() > 0.0);
        assert!(op["speedup"].as_f64().unwrap() > 0.0);
    }
    // The tour's total is the sum of its demos' kernel time.
    let sum: f64 = demos.iter().map(|d| d["seconds"].as_f64().unwrap()).sum();
    assert!((v["seconds"].as_f64().unwrap() - sum).abs() < 1e-3);
}

#[test]
fn tour_human_report_has_progress_on_stderr_only() {
    let out = run(&["tour", "--quick"]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stdout.contains("== linalg") && stdout.contains("all checks passed"), "{stdout}");
    assert!(stderr.contains("[1/") && stderr.contains("linalg"), "{stderr}");
}

#[test]
fn inspect_describes_vendored_data() {
    let v = json_ok(&run(&[
        "inspect",
        "--json",
        "--data",
        &data("digits.csv"),
        "--test-rows",
        &data("splits/digits_test.txt"),
    ]));
    assert_eq!(v["task"], "classification");
    assert_eq!(v["classes"], 10);
    assert_eq!(v["features"], 64);
    let (train, test) = (v["train_rows"].as_u64().unwrap(), v["test_rows"].as_u64().unwrap());
    assert_eq!(train + test, 1797);
    let v = json_ok(&run(&["inspect", "--json", "--data", &data("diabetes.csv")]));
    assert_eq!(v["task"], "regression");
    let v =
        json_ok(&run(&["inspect", "--json", "--task", "regression", "--data", &data("breast_cancer.csv")]));
    assert_eq!(v["task"], "regression");
}

struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ferrokern-cli-test-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
    fn file(&self, name: &str, text: &str) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn bad_inputs_give_one_error_line_and_status_2() {
    let s = Scratch::new("bad");
    let good = s.file("good.csv", "a,b,y\n1,2,0\n3,4,1\n5,6,0\n");
    let missing = s.0.join("missing.csv").display().to_string();
    let empty = s.file("empty.csv", "");
    let header_only = s.file("header_only.csv", "a,b,y\n");
    let ragged = s.file("ragged.csv", "a,b,y\n1,2,0\n3,4\n");
    let non_numeric = s.file("non_numeric.csv", "a,b,y\n1,2,0\n3,four,1\n");
    let nan = s.file("nan.csv", "a,b,y\n1,2,0\n3,4,1\n5,NaN,0\n");
    let one_col = s.file("one_col.csv", "y\n1\n2\n");
    let narrow = s.file("narrow.csv", "a,y\n1,0\n");
    let rows_out = s.file("rows_out.txt", "0\n7\n");
    let rows_text = s.file("rows_text.txt", "0\nx\n");
    let rows_all = s.file("rows_all.txt", "0\n1\n2\n");

    // (arguments after `inspect`, substrings the error line must contain)
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (vec!["--data", &missing], vec!["missing.csv", "cannot read"]),
        (vec!["--data", &empty], vec!["empty.csv", "empty"]),
        (vec!["--data", &header_only], vec!["header_only.csv", "no data rows"]),
        (vec!["--data", &ragged], vec!["ragged.csv", "row 1 (line 3)", "2 columns, expected 3"]),
        (vec!["--data", &non_numeric], vec!["non_numeric.csv", "row 1 (line 3)", "column 1 ('b')", "'four'"]),
        (vec!["--data", &nan], vec!["nan.csv", "row 2 (line 4)", "not a finite number"]),
        (vec!["--data", &one_col], vec!["one_col.csv", "target"]),
        (
            vec!["--data", &good, "--test-rows", &rows_out],
            vec!["rows_out.txt", "line 2", "row 7 is out of range"],
        ),
        (vec!["--data", &good, "--test-rows", &rows_text], vec!["rows_text.txt", "line 2", "'x'"]),
        (vec!["--data", &good, "--test-rows", &rows_all], vec!["rows_all.txt", "no training rows"]),
        (vec!["--data", &good, "--test-data", &narrow], vec!["narrow.csv", "2 columns", "has 3"]),
        (vec!["--data", &good, "--test-data", &nan], vec!["nan.csv", "row 2"]),
        (vec!["--data", &good, "--task", "clustering"], vec!["--task", "clustering"]),
        (
            vec!["--data", &good, "--test-data", &good, "--test-rows", &rows_out],
            vec!["--test-data", "--test-rows"],
        ),
        (vec![], vec!["--data"]),
    ];
    for (args, wants) in &cases {
        for json in [false, true] {
            let mut full = vec!["inspect"];
            full.extend(args.iter().copied());
            if json {
                full.push("--json");
            }
            let line = error_line(&run(&full));
            for want in wants {
                assert!(line.contains(want), "{full:?}: {line:?} lacks {want:?}");
            }
        }
    }
}

#[test]
fn classification_override_on_real_target_names_the_row() {
    let s = Scratch::new("task");
    let real = s.file("real.csv", "a,y\n1,0\n2,0.5\n");
    let line = error_line(&run(&["inspect", "--data", &real, "--task", "classification"]));
    assert!(line.contains("real.csv") && line.contains("row 1") && line.contains("0.5"), "{line}");
}

#[test]
fn unknown_arguments_and_panics_are_one_line() {
    let line = error_line(&run(&["tour", "--no-such-flag"]));
    assert!(line.contains("--no-such-flag"), "{line}");
    let line = error_line(&run(&["frobnicate"]));
    assert!(line.contains("frobnicate"), "{line}");
    let line = error_line(&run(&["internal-panic", "--json"]));
    assert!(line.starts_with("error: internal error: deliberate panic"), "{line}");
}

#[test]
fn help_and_version_succeed() {
    let out = run(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("tour") && help.contains("info") && !help.contains("internal-panic"), "{help}");
    let out = run(&["--version"]);
    assert!(
        out.status.success() && String::from_utf8(out.stdout).unwrap().contains(env!("CARGO_PKG_VERSION"))
    );
}
