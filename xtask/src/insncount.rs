//! `cargo xtask insncount`: exact instruction counts of scalar kernels on Cortex-M4F under QEMU,
//! with the project's TCG plugin (`xtask/insncount/insncount.c`).
//!
//! Method: the `insncount` firmware calls an `#[inline(never)]` wrapper of one kernel REPS
//! times. The counted address ranges are the wrapper plus every function it reaches through
//! direct branches (found in the disassembly), so out-of-line callees such as `expf` count
//! too. REPS = K and 2K must give exactly twice the count (nothing hoisted out of the loop).
//! The step fails when a kernel is above its goal.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::firmware;
use crate::util::{self, Result};

const PACKAGE: &str = "fw-linalg";
const BIN: &str = "insncount";
const K: u64 = 8;

/// A measured kernel: wrapper symbol, work per call, unit, CMSIS-DSP reference, goal.
struct Kernel {
    arg: &'static str,
    symbol: &'static str,
    elements: u64,
    unit: &'static str,
    cmsis: &'static str,
    goal: f64,
}

const KERNELS: &[Kernel] = &[
    Kernel { arg: "dot", symbol: "insn_dot", elements: 1024, unit: "element", cmsis: "4.01", goal: 4.0 },
    Kernel { arg: "gemv", symbol: "insn_gemv", elements: 64 * 64, unit: "MAC", cmsis: "2.83", goal: 2.8 },
    Kernel {
        arg: "exp",
        symbol: "insn_exp",
        elements: 1024,
        unit: "element",
        cmsis: "~65 (newlib)",
        goal: 20.0,
    },
    // One sample of fw-denoise's student (92 → 256 → 256 → 64, f16 weights decoded from flash
    // per use): per weight MAC, decode included. Goal: gemv's ~2.8 plus a few for the decode.
    Kernel {
        arg: "student",
        symbol: "insn_student",
        elements: STUDENT_MACS,
        unit: "MAC",
        cmsis: "n/a",
        goal: 8.0,
    },
];

/// Weight multiply-adds of one student sample: 92·256 + 256·256 + 256·64.
const STUDENT_MACS: u64 = 92 * 256 + 256 * 256 + 256 * 64;

/// A function symbol: `[start, end)` and its name.
struct Func {
    start: u64,
    end: u64,
    name: String,
}

fn functions(elf: &Path) -> Result<Vec<Func>> {
    let nm = util::first_of(&["arm-none-eabi-nm", "llvm-nm"])?;
    let mut c = util::cmd(nm, &["-S", "-C"]);
    c.arg(elf);
    let text = util::capture_ok(&mut c)?;
    let mut fs: Vec<Func> = text
        .lines()
        .filter_map(|l| {
            let mut f = l.splitn(4, ' ');
            let start = u64::from_str_radix(f.next()?, 16).ok()? & !1;
            let size = u64::from_str_radix(f.next()?, 16).ok()?;
            let kind = f.next()?;
            let name = f.next()?.to_owned();
            (matches!(kind, "T" | "t" | "W" | "w") && size > 0).then_some(Func {
                start,
                end: start + size,
                name,
            })
        })
        .collect();
    fs.sort_by_key(|f| f.start);
    Ok(fs)
}

/// Direct branch sites `(from, to)` of the whole ELF (`objdump -d`).
fn branches(elf: &Path) -> Result<Vec<(u64, u64)>> {
    let objdump = util::first_of(&["arm-none-eabi-objdump", "llvm-objdump"])?;
    let mut c = util::cmd(objdump, &["-d", "--no-show-raw-insn"]);
    c.arg(elf);
    let text = util::capture_ok(&mut c)?;
    Ok(text.lines().filter_map(branch).collect())
}

/// `(from, to)` of a direct branch in one `objdump -d --no-show-raw-insn` line
/// (`     d42:\tbeq.w\tf12 <insn_exp+0x1d2>`; llvm-objdump writes `0xf12`).
fn branch(line: &str) -> Option<(u64, u64)> {
    let (addr, rest) = line.trim_start().split_once(":\t")?;
    let from = u64::from_str_radix(addr, 16).ok()?;
    let mut f = rest.split('\t');
    let mnemonic = f.next()?.trim();
    if !mnemonic.starts_with('b') || mnemonic.starts_with("bic") || mnemonic.starts_with("bfc") {
        return None;
    }
    let op = f.next()?.split_whitespace().next()?;
    let to = u64::from_str_radix(op.trim_start_matches("0x"), 16).ok()?;
    Some((from, to))
}

/// Index of the function containing `addr`.
fn containing(fs: &[Func], addr: u64) -> Option<usize> {
    fs.iter().position(|f| f.start <= addr && addr < f.end)
}

/// The wrapper `symbol` and every function reachable from it by direct branches.
fn closure(fs: &[Func], br: &[(u64, u64)], symbol: &str) -> Result<BTreeSet<usize>> {
    let root = fs.iter().position(|f| f.name == symbol).ok_or_else(|| format!("{symbol} not in ELF"))?;
    let mut seen = BTreeSet::from([root]);
    let mut todo = vec![root];
    while let Some(i) = todo.pop() {
        let f = &fs[i];
        for &(_, to) in
            br.iter().filter(|(from, to)| f.start <= *from && *from < f.end && !(f.start..f.end).contains(to))
        {
            if let Some(j) = containing(fs, to) {
                if seen.insert(j) {
                    todo.push(j);
                }
            }
        }
    }
    Ok(seen)
}

fn plugin() -> Result<PathBuf> {
    let src = util::root().join("xtask/insncount/insncount.c");
    let out = util::target_dir().join("libinsncount.so");
    std::fs::create_dir_all(util::target_dir()).map_err(|e| e.to_string())?;
    let mut c = util::cmd("gcc", &["-O2", "-shared", "-fPIC", "-fvisibility=hidden", "-o"]);
    c.arg(&out).arg(&src);
    util::run(&mut c)?;
    Ok(out)
}

/// Instructions executed inside `ranges` for one run of `kernel` with `reps` repetitions.
fn count(elf: &Path, plugin: &Path, ranges: &[(u64, u64)], kernel: &str, reps: u64) -> Result<u64> {
    let mut spec = plugin.display().to_string();
    for (lo, hi) in ranges {
        spec.push_str(&format!(",range={lo:#x}:{hi:#x}"));
    }
    let reps = reps.to_string();
    let mut c = firmware::qemu(elf, &[BIN, kernel, &reps], &["-plugin", &spec, "-d", "plugin"]);
    let out = util::capture(&mut c)?;
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        return Err(format!("insncount {kernel} {reps} failed ({}):\n{all}", out.status));
    }
    all.lines()
        .find_map(|l| l.strip_prefix("insns in ranges: "))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("no plugin count in output:\n{all}"))
}

/// `cargo xtask insncount`.
pub fn insncount() -> Result<()> {
    let plugin = plugin()?;
    firmware::build(PACKAGE)?;
    let elf = firmware::elf(BIN);
    let fs = functions(&elf)?;
    let br = branches(&elf)?;
    let mut rows = Vec::new();
    for k in KERNELS {
        let set = closure(&fs, &br, k.symbol)?;
        let names: Vec<&str> = set.iter().map(|&i| fs[i].name.as_str()).collect();
        println!("{}: counting in {}", k.arg, names.join(", "));
        let ranges: Vec<(u64, u64)> = set.iter().map(|&i| (fs[i].start, fs[i].end)).collect();
        let once = count(&elf, &plugin, &ranges, k.arg, K)?;
        let twice = count(&elf, &plugin, &ranges, k.arg, 2 * K)?;
        // The K extra repetitions cost `twice - once`; what does not scale with the repetitions
        // (a one-off setup inside the counted functions) is `2·once - twice`. A hoisted kernel
        // would make the extra repetitions nearly free, so the fixed part must stay below one
        // repetition's cost.
        let extra = twice.checked_sub(once).filter(|&e| e > 0);
        let fixed = (2 * once).checked_sub(twice);
        let (Some(extra), Some(fixed)) = (extra, fixed) else {
            return Err(format!("{}: {K} reps gave {once}, {} reps gave {twice} (not linear)", k.arg, 2 * K));
        };
        if fixed * K >= extra {
            return Err(format!("{}: fixed part {fixed} is not below one repetition ({})", k.arg, extra / K));
        }
        println!(
            "{}: {K} reps {once}, {} reps {twice}: {} per repetition + {fixed} once",
            k.arg,
            2 * K,
            extra / K
        );
        rows.push((k, extra as f64 / (K * k.elements) as f64));
    }
    println!("\nCortex-M4F instructions (QEMU TCG plugin, exact; per repetition = difference of K={K} and {} reps)", 2 * K);
    println!("{:<8} {:>10} {:<9} {:>14} {:>7}", "kernel", "ours", "per", "CMSIS-DSP", "goal");
    for &(k, per) in &rows {
        let verdict = if per <= k.goal { "meets goal" } else { "above goal" };
        println!(
            "{:<8} {:>10.3} {:<9} {:>14} {:>7}  {verdict}",
            k.arg,
            per,
            k.unit,
            k.cmsis,
            format!("<= {}", k.goal)
        );
    }
    println!("(n = 1024 for dot/exp, 64x64 for gemv, one 92-256-256-64 sample for student; instructions, not cycles)");
    // The counts are exact and deterministic, so a goal once met is held: a change that
    // makes a kernel exceed it fails the step.
    let above: Vec<&str> = rows.iter().filter(|(k, per)| *per > k.goal).map(|(k, _)| k.arg).collect();
    if above.is_empty() {
        Ok(())
    } else {
        Err(format!("insncount: above goal: {}", above.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::{branch, closure, Func};

    #[test]
    fn parses_direct_branches_only() {
        assert_eq!(branch("     d42:\tbeq.w\tf12 <insn_exp+0x1d2>"), Some((0xd42, 0xf12)));
        assert_eq!(branch("    1a4:\tbl\t0x2b0 <expf>"), Some((0x1a4, 0x2b0)));
        assert_eq!(branch("     d34:\tpop\t{r7, pc}"), None);
        assert_eq!(branch("     d3a:\tbx\tlr"), None);
        assert_eq!(branch("     d50:\tbic.w\tr0, r0, #1"), None);
        assert_eq!(branch("00000d14 <insn_dot>:"), None);
    }

    #[test]
    fn closure_follows_calls_and_tail_calls_but_not_local_jumps() {
        let f = |start, end, name: &str| Func { start, end, name: name.to_owned() };
        let fs = [
            f(0x100, 0x140, "wrapper"),
            f(0x140, 0x180, "kernel"),
            f(0x180, 0x1a0, "expf"),
            f(0x1a0, 0x1c0, "other"),
        ];
        // wrapper: local loop jump + call to kernel; kernel: tail call to expf; other is not reached.
        let br = [(0x110, 0x104), (0x120, 0x140), (0x150, 0x180), (0x1a4, 0x100)];
        let set = closure(&fs, &br, "wrapper").expect("wrapper exists");
        assert_eq!(set.into_iter().collect::<Vec<_>>(), vec![0, 1, 2]);
        assert!(closure(&fs, &br, "missing").is_err());
    }
}
