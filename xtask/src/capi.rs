//! `cargo xtask test capi`: the C ABI end to end (issue #8).
//!
//! 1. `include/ferrokern.h` equals what cbindgen generates now;
//! 2. host: `cargo test -p ferrokern-capi` (ABI tests, header test, and `c_host`: host_test.c
//!    built with gcc against the static library, bit-identical to the Rust API);
//! 3. device: clippy (the no_std build, with its panic handler) and the static library for
//!    thumbv7em-none-eabihf, the C firmware (`capi/examples/firmware`, arm-none-eabi-gcc +
//!    newlib) run in QEMU, its output compared line for line with the Rust Lasso demo on the
//!    host (scalar path), and its footprint.

use crate::util::{self, Result};
use crate::{demos, firmware};

/// Programs this step needs, with how to get them.
const NEEDS: &[(&str, &str)] = &[
    ("cbindgen", "cargo install cbindgen --locked"),
    ("gcc", "apt-get install -y gcc"),
    ("arm-none-eabi-gcc", "apt-get install -y gcc-arm-none-eabi libnewlib-arm-none-eabi"),
    ("make", "apt-get install -y make"),
    ("qemu-system-arm", "apt-get install -y qemu-system-arm"),
];

/// The Rust demo the C firmware reproduces.
const DEMO: &str = "lasso";

/// Runs the three checks above.
pub fn capi() -> Result<()> {
    let missing: Vec<String> =
        NEEDS.iter().filter(|(p, _)| !util::have(p)).map(|(p, how)| format!("{p} ({how})")).collect();
    if !missing.is_empty() {
        return Err(format!("missing: {} — `cargo xtask test tools` installs them", missing.join(", ")));
    }
    let dir = util::root().join("capi");

    println!("-- header: include/ferrokern.h vs cbindgen");
    let mut gen =
        util::cmd("cbindgen", &["--config", "cbindgen.toml", "--crate", "ferrokern-capi", "--quiet"]);
    let generated = util::capture_ok(gen.current_dir(&dir))?;
    let committed = std::fs::read_to_string(dir.join("include/ferrokern.h")).map_err(|e| e.to_string())?;
    if generated != committed {
        return Err("capi/include/ferrokern.h is stale: in capi/ run `cbindgen --config cbindgen.toml \
                    --crate ferrokern-capi --output include/ferrokern.h`"
            .into());
    }

    println!("-- host: cargo test -p ferrokern-capi (includes the gcc-built host_test.c)");
    util::run(&mut util::cargo(&["test", "-p", "ferrokern-capi"]))?;

    println!("-- device: clippy and static library for {}, C firmware, QEMU", firmware::TARGET);
    let lint = ["clippy", "-p", "ferrokern-capi", "--target", firmware::TARGET, "--", "-D", "warnings"];
    util::run(&mut util::cargo(&lint))?;
    util::run(&mut util::cargo(&[
        "build",
        "-p",
        "ferrokern-capi",
        "--target",
        firmware::TARGET,
        "--profile",
        "firmware",
    ]))?;
    let lib = util::target_dir().join(firmware::TARGET).join("firmware").join("libferrokern_capi.a");
    let elf = util::target_dir().join(firmware::TARGET).join("firmware").join("capi-c-firmware.elf");
    let mut make = util::cmd("make", &["-s", "-C"]);
    make.arg(dir.join("examples/firmware"))
        .arg(format!("LIB={}", lib.display()))
        .arg(format!("OUT={}", elf.display()));
    util::run(&mut make)?;
    let device = firmware::run_elf(&elf)?;
    let demo = demos::find(DEMO).ok_or("no lasso demo")?;
    let host = firmware::host_output(demo)?;
    let n = firmware::compare("capi-c-firmware", &device, &host)?;
    println!(
        "capi-c-firmware: bit-identical to the Rust `{DEMO}` demo: {n} values (C on Cortex-M4F vs Rust on \
         x86_64 scalar)"
    );
    print_footprint(&elf, &device)
}

/// Flash (vectors, code, constants, exception index, `.data` image) and RAM (`.data`, `.bss`,
/// measured stack and newlib heap) of the C firmware.
fn print_footprint(elf: &std::path::Path, device: &str) -> Result<()> {
    let secs = firmware::sections(elf)?;
    let get = |n: &str| secs.iter().filter(|(s, _)| s == n).map(|(_, v)| v).sum::<u64>();
    let flash =
        [".vectors", ".text", ".rodata", ".ARM.exidx", ".init_array", ".data"].map(get).iter().sum::<u64>();
    let ram = get(".data") + get(".bss");
    let note = |key: &str| {
        device.lines().find_map(|l| l.strip_prefix(key)).map_or("?".to_owned(), |v| v.trim().to_owned())
    };
    println!(
        "capi-c-firmware footprint: flash {flash} B (.text {} .rodata {}), static RAM {ram} B (.data {} .bss {}), \
         stack used {} B, newlib heap {} B",
        get(".text"),
        get(".rodata"),
        get(".data"),
        get(".bss"),
        note("# stack-used "),
        note("# heap-used ")
    );
    Ok(())
}
