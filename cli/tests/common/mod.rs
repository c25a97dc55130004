//! Helpers shared by the CLI tests: run the built binary and check the output contract
//! (one JSON line with `seconds`, or one `error:` line with exit status 2).
// Each test binary uses a subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_ferrokern");

/// Runs `ferrokern ARGS`.
pub fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("failed to start ferrokern")
}

/// Path of a vendored data file.
pub fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../host-tests/data").join(name).display().to_string()
}

/// A path in this test process's own temporary directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ferrokern-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Asserts success and exactly one JSON line on stdout with a non-negative `seconds`.
pub fn json_ok(out: &Output) -> Value {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}, stderr: {stderr}", out.status.code());
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(stdout.lines().count(), 1, "stdout must be one JSON line: {stdout}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert!(v["seconds"].as_f64().is_some_and(|s| s >= 0.0), "{v}");
    v
}

/// Asserts exit status 2, empty stdout and exactly one `error: …` line on stderr; returns it.
pub fn error_line(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(out.stdout.is_empty(), "stdout must stay empty");
    assert_eq!(stderr.lines().count(), 1, "exactly one line on stderr: {stderr:?}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}
