//! Running commands, locating the workspace, small helpers.

use std::env;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Errors are messages for the user; the step runner prints them.
pub type Result<T> = std::result::Result<T, String>;

/// Workspace root (the parent of this crate's directory).
pub fn root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// Cargo's target directory (`CARGO_TARGET_DIR` or `<root>/target`).
pub fn target_dir() -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => {
            let d = PathBuf::from(d);
            if d.is_absolute() {
                d
            } else {
                root().join(d)
            }
        }
        _ => root().join("target"),
    }
}

/// A command with the workspace root as working directory and no stdin (CI has none).
pub fn cmd(program: impl AsRef<OsStr>, args: &[&str]) -> Command {
    let mut c = Command::new(program);
    c.args(args).current_dir(root()).stdin(Stdio::null());
    c
}

/// `cargo` through the rustup proxy, so `rust-toolchain.toml` (or a `+toolchain` first
/// argument) picks the toolchain; variables that `cargo run` set for xtask itself are removed.
pub fn cargo(args: &[&str]) -> Command {
    let mut c = cmd("cargo", args);
    for var in ["RUSTUP_TOOLCHAIN", "RUSTC", "RUSTDOC", "RUSTC_WRAPPER", "CARGO"] {
        c.env_remove(var);
    }
    c
}

fn describe(c: &Command) -> String {
    let mut s = String::new();
    for (k, v) in c.get_envs() {
        if let Some(v) = v {
            s.push_str(&format!("{}={} ", k.to_string_lossy(), v.to_string_lossy()));
        }
    }
    s.push_str(&c.get_program().to_string_lossy());
    for a in c.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs `c` with inherited stdout/stderr; error on a non-zero exit.
pub fn run(c: &mut Command) -> Result<()> {
    let what = describe(c);
    println!("$ {what}");
    let status = c.status().map_err(|e| format!("cannot start `{what}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{what}` failed ({status})"))
    }
}

/// Runs `c` capturing its output (printed command first); error if it cannot start.
pub fn capture(c: &mut Command) -> Result<Output> {
    let what = describe(c);
    println!("$ {what}");
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    c.output().map_err(|e| format!("cannot start `{what}`: {e}"))
}

/// Like [`capture`] but error on a non-zero exit (stderr included in the message); stdout.
pub fn capture_ok(c: &mut Command) -> Result<String> {
    let what = describe(c);
    let out = capture(c)?;
    if !out.status.success() {
        return Err(format!(
            "`{what}` failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether `program` is on `PATH`.
pub fn have(program: &str) -> bool {
    env::var_os("PATH")
        .map(|paths| env::split_paths(&paths).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
}

/// The first of `programs` on `PATH`.
pub fn first_of(programs: &[&'static str]) -> Result<&'static str> {
    programs.iter().copied().find(|p| have(p)).ok_or_else(|| format!("none of {programs:?} found on PATH"))
}

/// Whether a toolchain (e.g. "nightly") is installed, without installing anything.
pub fn have_toolchain(name: &str) -> bool {
    cmd("rustup", &["toolchain", "list"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l.starts_with(name)))
        .unwrap_or(false)
}

/// The pinned toolchain (`channel = "..."` in rust-toolchain.toml).
pub fn pinned_toolchain() -> Result<String> {
    let text = std::fs::read_to_string(root().join("rust-toolchain.toml"))
        .map_err(|e| format!("rust-toolchain.toml: {e}"))?;
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("channel"))
        .filter_map(|rest| rest.split('"').nth(1))
        .next()
        .map(str::to_owned)
        .ok_or_else(|| "rust-toolchain.toml has no channel".to_owned())
}

/// Whether this process runs as root (`id -u` is 0).
pub fn is_root() -> bool {
    cmd("id", &["-u"]).output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}
