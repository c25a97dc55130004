//! `cargo xtask test`: the steps CI runs, each with a header, a status and its time.

use std::time::{Duration, Instant};

use crate::util::{self, Result};
use crate::{capi, firmware, insncount, tools};

/// What a step ended with when it did not fail.
enum Done {
    Passed,
    Skipped(String),
}

struct Step {
    name: &'static str,
    what: &'static str,
    run: fn() -> Result<Done>,
}

const STEPS: &[Step] = &[
    Step { name: "tools", what: "install missing targets/packages/cargo-fuzz", run: step_tools },
    Step { name: "fmt", what: "cargo fmt --all -- --check", run: step_fmt },
    Step { name: "clippy", what: "clippy -D warnings (host members + firmware)", run: step_clippy },
    Step { name: "test", what: "cargo test (host) + simd tests per forced path", run: step_test },
    Step { name: "neon", what: "simd tests on aarch64 under qemu-aarch64", run: step_neon },
    Step { name: "cross", what: "no_std builds: M4F, M0, RISC-V (+f16)", run: step_cross },
    Step { name: "firmware", what: "firmware in QEMU, bit-identical to host", run: step_firmware },
    Step { name: "capi", what: "C ABI: header, host C test (gcc), C firmware in QEMU", run: step_capi },
    Step {
        name: "miri",
        what: "cargo +nightly miri test -p ferrokern-simd, and ferrokern's miri_ subset",

        run: step_miri,
    },
    Step {
        name: "fuzz",
        what: "cargo xtask fuzz --seconds 10 (build once, each target 10 s)",

        run: step_fuzz,
    },
    Step { name: "size", what: "footprint table -> target/footprint.json", run: step_size },
    Step { name: "doc", what: "rustdoc -D warnings for ferrokern + ferrokern-simd", run: step_doc },
    Step {
        name: "package",
        what: "cargo package (verified) of ferrokern + ferrokern-simd",

        run: step_package,
    },
    Step { name: "insncount", what: "M4F instruction counts, each within its goal", run: step_insncount },
];

/// `cargo xtask steps`.
pub fn list() {
    for s in STEPS {
        println!("{:<10} {}", s.name, s.what);
    }
}

/// Runs all steps (or those named in `only`), printing a summary of statuses and timings.
pub fn test(only: &[&str]) -> Result<()> {
    if let Some(bad) = only.iter().find(|n| !STEPS.iter().any(|s| s.name == **n)) {
        return Err(format!("unknown step {bad} (see `cargo xtask steps`)"));
    }
    let chosen: Vec<&Step> = STEPS.iter().filter(|s| only.is_empty() || only.contains(&s.name)).collect();
    let start = Instant::now();
    let mut summary = Vec::new();
    let mut failed = 0;
    for (i, step) in chosen.iter().enumerate() {
        println!("\n==== [{}/{}] {}: {}", i + 1, chosen.len(), step.name, step.what);
        let t = Instant::now();
        let status = match (step.run)() {
            Ok(Done::Passed) => "ok".to_owned(),
            Ok(Done::Skipped(why)) => {
                println!("NOTICE: skipped: {why}");
                format!("skipped ({why})")
            }
            Err(e) => {
                println!("FAILED: {e}");
                failed += 1;
                "FAILED".to_owned()
            }
        };
        summary.push((step.name, status, t.elapsed()));
    }
    println!("\n==== summary");
    for (name, status, took) in &summary {
        println!("{name:<10} {:>8}  {status}", secs(*took));
    }
    println!("{:<10} {:>8}", "total", secs(start.elapsed()));
    let skipped = summary.iter().filter(|(_, s, _)| s.starts_with("skipped")).count();
    // Last line, in the plain `N passed, N failed` form CI summaries recognise.
    println!("steps: {} passed, {failed} failed, {skipped} skipped", summary.len() - failed - skipped);
    if failed > 0 {
        return Err(format!("{failed} step(s) failed"));
    }
    Ok(())
}

fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

fn ok(r: Result<()>) -> Result<Done> {
    r.map(|()| Done::Passed)
}

fn step_tools() -> Result<Done> {
    ok(tools::ensure())
}

fn step_fmt() -> Result<Done> {
    ok(util::run(&mut util::cargo(&["fmt", "--all", "--", "--check"])))
}

fn step_clippy() -> Result<Done> {
    util::run(&mut util::cargo(&["clippy", "--all-targets", "--", "-D", "warnings"]))?;
    // The core crate alone, as a no_std user builds it (with `ferrokern-simd` without `std`):
    // in the workspace lint another member turns `std` on, which hides lints of the no_std code.
    let alone = ["clippy", "-p", "ferrokern", "--all-targets", "--", "-D", "warnings"];
    util::run(&mut util::cargo(&alone))?;
    // The test-only 16-lane emulation (`emu16`) is compiled only with its feature.
    let emu = [
        "clippy",
        "-p",
        "ferrokern-simd",
        "--all-targets",
        "--features",
        "std,emu16",
        "--",
        "-D",
        "warnings",
    ];
    util::run(&mut util::cargo(&emu))?;
    // The firmware packages are not default members: lint them for their own target.
    let mut packages = vec!["clippy"];
    for d in crate::demos::DEMOS {
        packages.extend(["-p", d.package]);
    }
    packages.extend(["-p", "fw-minimal"]);
    packages.extend(["--target", firmware::TARGET, "--", "-D", "warnings"]);
    ok(util::run(&mut util::cargo(&packages)))
}

/// SIMD paths this CPU can run, by `FERROKERN_SIMD` name, and on x86_64 `emu16`.
fn host_simd_paths() -> Vec<&'static str> {
    let mut paths = vec!["scalar"];
    if cfg!(target_arch = "x86_64") {
        let flags = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let flags: Vec<&str> = flags
            .lines()
            .find(|l| l.starts_with("flags"))
            .map(|l| l.split_whitespace().collect())
            .unwrap_or_default();
        paths.push("sse2");
        if flags.contains(&"avx2") && flags.contains(&"fma") {
            paths.push("avx2");
        }
        if flags.contains(&"avx512f") {
            paths.push("avx512");
        }
        // AVX-512's lane loops on every x86_64 machine (feature `emu16`, portable code).
        paths.push("emu16");
    }
    paths
}

fn step_test() -> Result<Done> {
    util::run(&mut util::cargo(&["test"]))?;
    for path in host_simd_paths() {
        let features = if path == "emu16" {
            println!(
                "-- ferrokern-simd tests forced to FERROKERN_SIMD=emu16 (AVX-512's 16-lane loops, emulated)"
            );
            "std,emu16"
        } else {
            println!("-- ferrokern-simd tests forced to FERROKERN_SIMD={path}");
            "std"
        };
        util::run(
            util::cargo(&["test", "-p", "ferrokern-simd", "--features", features])
                .env("FERROKERN_SIMD", path),
        )?;
    }
    Ok(Done::Passed)
}

fn step_neon() -> Result<Done> {
    ok(util::run(&mut util::cargo(&[
        "test",
        "-p",
        "ferrokern-simd",
        "--target",
        "aarch64-unknown-linux-gnu",
    ])))
}

fn step_cross() -> Result<Done> {
    for target in ["thumbv7em-none-eabihf", "thumbv6m-none-eabi", "riscv32imac-unknown-none-elf"] {
        util::run(&mut util::cargo(&["build", "-p", "ferrokern", "--target", target]))?;
        util::run(&mut util::cargo(&["build", "-p", "ferrokern", "--target", target, "--features", "f16"]))?;
    }
    Ok(Done::Passed)
}

fn step_firmware() -> Result<Done> {
    ok(firmware::firmware())
}

/// Whether `cargo +nightly <sub> --version` works (nightly and the subcommand installed).
fn nightly_has(sub: &str) -> bool {
    util::have_toolchain("nightly")
        && util::cargo(&["+nightly", sub, "--version"]).output().map(|o| o.status.success()).unwrap_or(false)
}

fn step_miri() -> Result<Done> {
    if !nightly_has("miri") {
        return Ok(Done::Skipped("nightly toolchain or its miri component not installed".into()));
    }
    // Host target only: the aarch64 qemu runner in .cargo/config.toml does not apply.
    util::run(&mut util::cargo(&["+nightly", "miri", "test", "-p", "ferrokern-simd"]))?;
    // The `miri_` subset of ferrokern: one small run per kernel family (core/tests/miri_subset.rs).
    // libm's x86 `sqrt` is inline assembly, which miri cannot run: its soft form (also
    // correctly rounded, so the same bits) is forced for this build only.
    let subset = [
        "+nightly",
        "miri",
        "test",
        "-p",
        "ferrokern",
        "--features",
        "std,libm/force-soft-floats",
        "--test",
        "miri_subset",
        "miri_",
    ];
    ok(util::run(&mut util::cargo(&subset)))
}

fn step_fuzz() -> Result<Done> {
    if crate::fuzz::targets().is_empty() {
        return Ok(Done::Skipped("no fuzz/fuzz_targets/*.rs yet".into()));
    }
    if !nightly_has("fuzz") {
        return Ok(Done::Skipped("nightly toolchain or cargo-fuzz not installed".into()));
    }
    // One build of all targets, then 10 s each.
    ok(crate::fuzz::run(10, &[]))
}

fn step_capi() -> Result<Done> {
    ok(capi::capi())
}

fn step_size() -> Result<Done> {
    ok(firmware::size())
}

fn step_insncount() -> Result<Done> {
    ok(insncount::insncount())
}

/// The publishable crates packaged and verified (the packaged sources build on their own, with
/// ferrokern-simd taken from the just-packaged tarball). `--allow-dirty`: CI checks the tree
/// it was given, committed or not.
///
/// Cargo treats a registry crate of a given version as immutable, so both the unpacked sources
/// and the compiled ferrokern-simd of an earlier run would be reused against new sources: the
/// verification gets a target directory of its own, emptied first, and old unpacked copies go.
fn step_package() -> Result<Done> {
    remove_unpacked_copies()?;
    let dir = util::target_dir().join("package-verify");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("removing {}: {e}", dir.display()))?;
    }
    let mut c = util::cargo(&["package", "-p", "ferrokern", "-p", "ferrokern-simd", "--allow-dirty"]);
    ok(util::run(c.env("CARGO_TARGET_DIR", &dir)))
}

/// Verification builds ferrokern against ferrokern-simd unpacked from `cargo package`'s local
/// overlay registry into `$CARGO_HOME/registry/src/<registry>/ferrokern-simd-<version>`, and
/// cargo reuses that directory when it exists: a copy left by an earlier run from the same
/// target directory (same registry, same version) would verify ferrokern against stale
/// sources. Such copies of our own crates are removed first (cargo unpacks them again).
fn remove_unpacked_copies() -> Result<()> {
    let home = match std::env::var_os("CARGO_HOME") {
        Some(h) if !h.is_empty() => std::path::PathBuf::from(h),
        _ => match std::env::var_os("HOME") {
            Some(h) => std::path::PathBuf::from(h).join(".cargo"),
            None => return Ok(()),
        },
    };
    let Ok(registries) = std::fs::read_dir(home.join("registry").join("src")) else { return Ok(()) };
    let version = env!("CARGO_PKG_VERSION");
    let ours = [format!("ferrokern-{version}"), format!("ferrokern-simd-{version}")];
    for registry in registries.flatten() {
        for name in &ours {
            let dir = registry.path().join(name);
            if dir.is_dir() {
                std::fs::remove_dir_all(&dir).map_err(|e| format!("removing {}: {e}", dir.display()))?;
            }
        }
    }
    Ok(())
}

/// The API docs of the publishable crates build without warnings (broken intra-doc links,
/// missing docs: both crates `#![deny(missing_docs)]`).
fn step_doc() -> Result<Done> {
    let mut c = util::cargo(&["doc", "--no-deps", "-p", "ferrokern", "-p", "ferrokern-simd"]);
    ok(util::run(c.env("RUSTDOCFLAGS", "-D warnings")))
}
