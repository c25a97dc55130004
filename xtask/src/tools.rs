//! Step 1: make sure the tools the other steps need are installed (CI starts from a bare
//! machine). Prints what it checks and what it installs.

use crate::util::{self, Result};

const TARGETS: &[&str] = &[
    "thumbv7em-none-eabihf",
    "thumbv6m-none-eabi",
    "riscv32imac-unknown-none-elf",
    "aarch64-unknown-linux-gnu",
];

/// Debian packages and the program (or `dpkg` package) proving each is present.
const APT: &[(&str, &str)] = &[
    ("qemu-system-arm", "qemu-system-arm"),
    ("qemu-user", "qemu-aarch64"),
    ("gcc-aarch64-linux-gnu", "aarch64-linux-gnu-gcc"),
    ("libc6-dev-arm64-cross", "dpkg:libc6-dev-arm64-cross"),
    ("binutils-arm-none-eabi", "arm-none-eabi-size"),
    ("gcc", "gcc"),
    // The C ABI's firmware example (capi/examples/firmware): compiler, newlib, make.
    ("gcc-arm-none-eabi", "arm-none-eabi-gcc"),
    ("libnewlib-arm-none-eabi", "dpkg:libnewlib-arm-none-eabi"),
    ("make", "make"),
];

fn present(probe: &str) -> bool {
    match probe.strip_prefix("dpkg:") {
        Some(pkg) => util::cmd("dpkg", &["-s", pkg]).output().map(|o| o.status.success()).unwrap_or(false),
        None => util::have(probe),
    }
}

/// Rust targets (pinned toolchain, never `rustup update`), Debian packages when root, cargo-fuzz.
pub fn ensure() -> Result<()> {
    let toolchain = util::pinned_toolchain()?;
    println!("rust targets for the pinned toolchain {toolchain}: {}", TARGETS.join(" "));
    let mut args = vec!["target", "add", "--toolchain", toolchain.as_str()];
    args.extend_from_slice(TARGETS);
    util::run(&mut util::cmd("rustup", &args))?;

    let missing: Vec<&str> = APT.iter().filter(|(_, probe)| !present(probe)).map(|(pkg, _)| *pkg).collect();
    if missing.is_empty() {
        println!("debian packages: all present ({})", APT.iter().map(|p| p.0).collect::<Vec<_>>().join(" "));
    } else if util::is_root() {
        println!("debian packages missing, installing: {}", missing.join(" "));
        util::run(util::cmd("apt-get", &["update"]).env("DEBIAN_FRONTEND", "noninteractive"))?;
        let mut args = vec!["install", "-y", "--no-install-recommends"];
        args.extend_from_slice(&missing);
        util::run(util::cmd("apt-get", &args).env("DEBIAN_FRONTEND", "noninteractive"))?;
    } else {
        println!(
            "WARNING: missing {} and not root: install them (apt-get install -y ...)",
            missing.join(" ")
        );
    }

    if util::have("cbindgen") {
        println!("cbindgen: present");
    } else {
        println!("cbindgen missing, installing (the capi step regenerates the C header with it)");
        util::run(&mut util::cargo(&["install", "cbindgen", "--locked"]))?;
    }

    if util::have("cargo-fuzz") {
        println!("cargo-fuzz: present");
    } else if util::have_toolchain("nightly") {
        println!("cargo-fuzz missing, installing (about 75 s)");
        util::run(&mut util::cargo(&["install", "cargo-fuzz", "--locked"]))?;
    } else {
        println!("cargo-fuzz missing and no nightly toolchain: the fuzz step will be skipped");
    }
    Ok(())
}
