//! `cargo xtask fuzz [--seconds N] [TARGET...]`: builds every cargo-fuzz target in `fuzz/`
//! once (release, sanitizer as cargo-fuzz defaults), then runs each for N seconds on its
//! corpus `fuzz/corpus/<target>/` (committed `seed-*` files plus whatever libFuzzer adds,
//! which git ignores). The CI step `fuzz` runs this with N = 10.

use crate::util::{self, Result};
use std::path::Path;

/// Names of `fuzz/fuzz_targets/*.rs` (sub-directories such as `common/` are shared code).
pub fn targets() -> Vec<String> {
    let dir = util::root().join("fuzz").join("fuzz_targets");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .filter_map(|e| e.file_name().to_str()?.strip_suffix(".rs").map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Builds all targets once, then runs each selected one (all if `only` is empty) `seconds` s.
pub fn run(seconds: u64, only: &[&str]) -> Result<()> {
    let dir = util::root().join("fuzz");
    let all = targets();
    for t in only {
        if !all.iter().any(|a| a == t) {
            return Err(format!("no fuzz target {t} (have: {})", all.join(", ")));
        }
    }
    util::run(util::cargo(&["+nightly", "fuzz", "build", "-O"]).current_dir(&dir))?;
    let max_time = format!("-max_total_time={seconds}");
    for t in all.iter().filter(|t| only.is_empty() || only.contains(&t.as_str())) {
        std::fs::create_dir_all(corpus(&dir, t)).map_err(|e| format!("corpus of {t}: {e}"))?;
        util::run(util::cargo(&["+nightly", "fuzz", "run", "-O", t, "--", &max_time]).current_dir(&dir))?;
    }
    Ok(())
}

fn corpus(dir: &Path, target: &str) -> std::path::PathBuf {
    dir.join("corpus").join(target)
}

/// `cargo xtask fuzz` arguments: `--seconds N` (default 10) and target names.
pub fn command(args: &[&str]) -> Result<()> {
    let mut seconds = 10u64;
    let mut only = Vec::new();
    let mut it = args.iter();
    while let Some(&a) = it.next() {
        if a == "--seconds" {
            let v = it.next().ok_or("--seconds needs a value")?;
            seconds = v.parse().map_err(|_| format!("--seconds: '{v}' is not a number"))?;
        } else {
            only.push(a);
        }
    }
    run(seconds, &only)
}
