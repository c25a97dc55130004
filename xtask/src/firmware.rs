//! Firmware: build for Cortex-M4F, run under QEMU, compare with the host, the demos' footprint
//! table (the per-family table of `cargo xtask size` is in `footprint.rs`).

use std::path::PathBuf;

use crate::demos::{Demo, DEMOS};
use crate::util::{self, Result};

/// The firmware target and the build profile (root Cargo.toml `[profile.firmware]`).
pub const TARGET: &str = "thumbv7em-none-eabihf";
const PROFILE: &str = "firmware";
/// A real chip's budget for the footprint percentages (e.g. STM32F4-class: 1 MB / 192 KB).
const FLASH_BUDGET: u64 = 1024 * 1024;
const RAM_BUDGET: u64 = 192 * 1024;

/// Builds every binary of `package` for the firmware target; returns nothing (see [`elf`]).
pub fn build(package: &str) -> Result<()> {
    util::run(&mut util::cargo(&["build", "-p", package, "--target", TARGET, "--profile", PROFILE]))
}

/// Path of a firmware ELF built by [`build`].
pub fn elf(bin: &str) -> PathBuf {
    util::target_dir().join(TARGET).join(PROFILE).join(bin)
}

/// The QEMU command line for a Cortex-M4F ELF (semihosting on, 120 s timeout), plus `extra`.
pub fn qemu(elf: &std::path::Path, semihosting_args: &[&str], extra: &[&str]) -> std::process::Command {
    let mut config = String::from("enable=on,target=native");
    for a in semihosting_args {
        config.push_str(",arg=");
        config.push_str(a);
    }
    let mut c =
        util::cmd("timeout", &["120", "qemu-system-arm", "-cpu", "cortex-m4", "-machine", "mps2-an386"]);
    c.args(["-nographic", "-semihosting-config", &config, "-kernel"]).arg(elf).args(extra);
    c
}

/// Runs a firmware ELF to completion; its stdout, or an error with the exit status and output.
pub fn run_elf(elf: &std::path::Path) -> Result<String> {
    let out = util::capture(&mut qemu(elf, &[], &[]))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!(
            "firmware {} exited with {} (124 = timeout):\n{}\n{}",
            elf.display(),
            out.status,
            tail(&stdout, 10),
            String::from_utf8_lossy(&out.stderr).trim_end()
        ));
    }
    Ok(stdout)
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The host's output for `demo`, from a subprocess of this binary forced to the scalar path
/// (`FERROKERN_SIMD=scalar`, honoured by ferrokern-simd's `std` feature).
pub fn host_output(demo: &Demo) -> Result<String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let mut c = util::cmd(exe, &["host-demo", demo.name]);
    c.env("FERROKERN_SIMD", "scalar");
    util::capture_ok(&mut c)
}

/// Compares device and host output line by line, ignoring `#` lines; the number of values.
pub fn compare(name: &str, device: &str, host: &str) -> Result<usize> {
    let keep = |s: &str| s.lines().filter(|l| !l.starts_with('#')).map(str::to_owned).collect::<Vec<_>>();
    let (d, h) = (keep(device), keep(host));
    for (i, (dl, hl)) in d.iter().zip(&h).enumerate() {
        if dl != hl {
            return Err(format!(
                "{name}: first mismatch at compared line {}:\n  device: {dl}\n  host:   {hl}",
                i + 1
            ));
        }
    }
    if d.len() != h.len() {
        return Err(format!("{name}: device printed {} lines, host {}", d.len(), h.len()));
    }
    let (closing, body) = d.split_last().ok_or_else(|| format!("{name}: no output"))?;
    let claimed: Option<usize> =
        closing.strip_prefix("values ").and_then(|r| r.split(' ').next()?.parse().ok());
    let values = body
        .iter()
        .flat_map(|l| l.split_whitespace().skip(1))
        .filter(|t| t.len() == 8 && t.chars().all(|c| c.is_ascii_hexdigit()))
        .count();
    match claimed {
        Some(n) if n == values => Ok(values),
        Some(n) => Err(format!("{name}: closing line says {n} values, {values} compared")),
        None => Err(format!("{name}: output has no closing `values N checksum X` line")),
    }
}

/// Stack high-water mark the firmware reported (`# stack-used N`).
fn stack_used(device: &str) -> Option<u64> {
    device.lines().find_map(|l| l.strip_prefix("# stack-used ")).and_then(|v| v.trim().parse().ok())
}

/// `cargo xtask firmware`: every demo built, run on QEMU, compared bit for bit with the host.
pub fn firmware() -> Result<()> {
    let mut rows = Vec::new();
    for demo in DEMOS {
        println!("--- demo `{}` (package {}, bin {})", demo.name, demo.package, demo.bin);
        build(demo.package)?;
        let device = run_elf(&elf(demo.bin))?;
        let host = host_output(demo)?;
        let n = compare(demo.name, &device, &host)?;
        let closing = device.lines().rfind(|l| l.starts_with("values ")).unwrap_or("");
        println!("{}: bit-identical: {n} values ({closing}) host x86_64 scalar vs Cortex-M4F", demo.name);
        rows.push(footprint(demo, Some(&device))?);
    }
    print_table(&rows);
    Ok(())
}

/// Section sizes of an ELF from `llvm-size -A` / `arm-none-eabi-size -A`.
pub fn sections(elf: &std::path::Path) -> Result<Vec<(String, u64)>> {
    let tool = util::first_of(&["arm-none-eabi-size", "llvm-size"])?;
    let mut c = util::cmd(tool, &["-A"]);
    c.arg(elf);
    let text = util::capture_ok(&mut c)?;
    Ok(text
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let name = f.next()?;
            let size = f.next()?.parse().ok()?;
            name.starts_with('.').then(|| (name.to_owned(), size))
        })
        .collect())
}

/// One row of the footprint table.
struct Footprint {
    name: String,
    text: u64,
    rodata: u64,
    vectors: u64,
    data: u64,
    bss: u64,
    stack: Option<u64>,
}

impl Footprint {
    /// Flash image: vector table + code + constants + the load image of `.data`.
    fn flash(&self) -> u64 {
        self.vectors + self.text + self.rodata + self.data
    }
    /// Static RAM: `.data` + `.bss` (+ `.uninit`, counted in bss).
    fn ram(&self) -> u64 {
        self.data + self.bss
    }
}

fn pct(x: u64, budget: u64) -> f64 {
    100.0 * x as f64 / budget as f64
}

/// Measures one demo firmware; the stack comes from its run output (run now if not given).
fn footprint(demo: &Demo, device: Option<&str>) -> Result<Footprint> {
    let path = elf(demo.bin);
    let secs = sections(&path)?;
    let get = |n: &str| secs.iter().filter(|(s, _)| s == n).map(|(_, v)| v).sum::<u64>();
    let stack = match device {
        Some(out) => stack_used(out),
        None => run_elf(&path).ok().as_deref().and_then(stack_used),
    };
    Ok(Footprint {
        name: demo.bin.to_owned(),
        text: get(".text"),
        rodata: get(".rodata"),
        vectors: get(".vector_table"),
        data: get(".data"),
        bss: get(".bss") + get(".uninit"),
        stack,
    })
}

fn print_table(rows: &[Footprint]) {
    println!(
        "{:<12} {:>8} {:>8} {:>10} {:>7} {:>7} {:>9} {:>8} {:>8} {:>14}",
        "firmware", ".text", ".rodata", "flash*", "flash%", ".data", ".bss", "RAM", "stack", "RAM+stack%"
    );
    for r in rows {
        let stack = r.stack.map_or("?".to_owned(), |s| s.to_string());
        println!(
            "{:<12} {:>8} {:>8} {:>10} {:>6.2}% {:>7} {:>9} {:>8} {:>8} {:>13.2}%",
            r.name,
            r.text,
            r.rodata,
            r.flash(),
            pct(r.flash(), FLASH_BUDGET),
            r.data,
            r.bss,
            r.ram(),
            stack,
            pct(r.ram() + r.stack.unwrap_or(0), RAM_BUDGET)
        );
    }
    println!(
        "* flash = .vector_table + .text + .rodata + .data load image; RAM = .data + .bss; stack = measured \
         high-water mark (painted stack); % of a {} KB flash / {} KB RAM part",
        FLASH_BUDGET / 1024,
        RAM_BUDGET / 1024
    );
}

/// `cargo xtask size` with default options (the CI step): the per-family footprint table of
/// the minimal firmware, see [`crate::footprint`].
pub fn size() -> Result<()> {
    crate::footprint::size(&crate::footprint::Options::default())
}

#[cfg(test)]
mod tests {
    use super::{compare, stack_used};

    const HOST: &str = "# frame 0\ndot: 3f800000\nv[0]: 00000001 40000000\nvalues 3 checksum 0badf00d\n";

    #[test]
    fn identical_outputs_count_values_and_ignore_hash_lines() {
        let device = "# frame 0 (device)\ndot: 3f800000\nv[0]: 00000001 40000000\n# stack-used 12\nvalues 3 checksum 0badf00d\n";
        assert_eq!(compare("t", device, HOST), Ok(3));
        assert_eq!(stack_used(device), Some(12));
    }

    #[test]
    fn reports_first_mismatch_and_missing_lines() {
        let device = HOST.replace("40000000", "40000001");
        let err = compare("t", &device, HOST).expect_err("one bit differs");
        assert!(err.contains("line 2") && err.contains("40000001"), "{err}");
        let short = "dot: 3f800000\n";
        assert!(compare("t", short, HOST).is_err());
        // A closing line whose count disagrees with the values printed is an error too.
        let bad = HOST.replace("values 3", "values 4");
        assert!(compare("t", &bad, &bad).is_err());
    }
}
