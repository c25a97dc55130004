//! `cargo xtask size`: flash, RAM and stack per kernel family, from the minimal firmware of
//! `firmware-examples/minimal` (one binary per family calling only that family, plus `empty`,
//! the shared frame without a kernel). Writes `<target>/footprint.json`, compares each
//! family's own flash (family − empty) with the committed `xtask/footprint-baseline.json` and
//! fails when one grew by more than 10 %.
//!
//! Options: `--update-baseline` rewrites the baseline from this run; `--write-readme` replaces
//! the table between the `footprint` markers of README.md.
//!
//! Stack, two numbers per family: the static worst case (the compiler's `.stack_sizes` from a
//! `-Z emit-stack-sizes` build of the same sources with the pinned compiler, on a call graph
//! from the disassembly; see [`crate::stack`]) and the high-water mark measured in QEMU by
//! stack painting. A static bound below a measurement fails the step (incomplete graph).

use std::path::{Path, PathBuf};

use crate::firmware::{run_elf, sections, TARGET};
use crate::stack::{self, StackBound};
use crate::util::{self, Result};

const PACKAGE: &str = "fw-minimal";
const PROFILE: &str = "firmware";
/// The binary with the shared frame and no kernel.
const EMPTY: &str = "empty";
/// A family's own flash may grow by this factor over the baseline before the step fails.
const GROWTH_LIMIT: f64 = 1.10;
const BASELINE: &str = "xtask/footprint-baseline.json";
const README_BEGIN: &str = "<!-- footprint:begin (cargo xtask size --write-readme) -->";
const README_END: &str = "<!-- footprint:end -->";

/// Kernel families: binary of fw-minimal and what it calls.
pub const FAMILIES: &[(&str, &str)] = &[
    ("linalg", "`linalg::dot`, `MatRef::gemv` (f32)"),
    ("optim", "one `DiffGrad` step, 8 parameters"),
    ("nn", "`Mlp::forward`, 4→8→3, 2 rows"),
    ("bcd", "Lasso, GSL rule, 6×3"),
    ("boost", "`MergedModel::predict`, 3 features, 4 units"),
    ("ot", "`sinkhorn_log` + `sinkhorn_scaling`, 4×4"),
    ("denoise", "`cfg`, `apg`, one `student_generate` (14→8→2)"),
    ("model", "`Model::parse` of a 298-byte `.fkm`, one tensor"),
];

/// Sizes of one binary.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Sizes {
    text: u64,
    rodata: u64,
    data: u64,
    bss: u64,
}

impl Sizes {
    fn of(elf: &Path) -> Result<Self> {
        let secs = sections(elf)?;
        let get = |n: &str| secs.iter().filter(|(s, _)| s == n).map(|(_, v)| v).sum::<u64>();
        Ok(Self {
            text: get(".text") + get(".vector_table"),
            rodata: get(".rodata"),
            data: get(".data"),
            bss: get(".bss") + get(".uninit"),
        })
    }
    /// Flash as the issue defines it: code (incl. the vector table) + constants.
    fn flash(&self) -> u64 {
        self.text + self.rodata
    }
    /// Static RAM: `.data` + `.bss`.
    fn ram(&self) -> u64 {
        self.data + self.bss
    }
}

/// One row of the table.
struct Row {
    family: &'static str,
    calls: &'static str,
    sizes: Sizes,
    /// Own flash: this firmware's flash minus `empty`'s.
    kernel_flash: u64,
    kernel_ram: u64,
    measured_stack: Option<u64>,
    static_stack: StackBound,
}

/// Parsed options of `cargo xtask size`.
#[derive(Debug, Default, PartialEq)]
pub struct Options {
    /// Rewrite the committed baseline from this run.
    pub update_baseline: bool,
    /// Rewrite the README table.
    pub write_readme: bool,
}

impl Options {
    /// From the command line after `size`.
    pub fn parse(args: &[&str]) -> Result<Self> {
        let mut o = Self::default();
        for a in args {
            match *a {
                "--update-baseline" => o.update_baseline = true,
                "--write-readme" => o.write_readme = true,
                other => {
                    return Err(format!("size: unknown option {other} (--update-baseline, --write-readme)"))
                }
            }
        }
        Ok(o)
    }
}

fn elf(dir: &Path, bin: &str) -> PathBuf {
    dir.join(TARGET).join(PROFILE).join(bin)
}

/// The build with `.stack_sizes` (own target directory, so the normal build stays).
fn stack_sizes_dir() -> PathBuf {
    util::target_dir().join("stack-sizes")
}

/// Builds fw-minimal with `-Z emit-stack-sizes` on the pinned toolchain: the same compiler as
/// the shipped build, so the analysed code is the measured code (same `.text` size up to a few
/// bytes of layout). `-Z` flags need `RUSTC_BOOTSTRAP=1` on a release compiler; the prebuilt
/// `core`/`compiler_builtins` have no `.stack_sizes`, so their frames come from prologues.
fn build_with_stack_sizes() -> Result<()> {
    let mut c = util::cargo(&["build", "-p", PACKAGE, "--target", TARGET, "--profile", PROFILE]);
    // RUSTFLAGS replaces the config's rustflags, so the linker script is repeated here.
    c.env("RUSTC_BOOTSTRAP", "1")
        .env("RUSTFLAGS", "-C link-arg=-Tlink.x -Z emit-stack-sizes")
        .env("CARGO_TARGET_DIR", stack_sizes_dir());
    util::run(&mut c)
}

/// Painted-stack measurements cannot go below the unpainted margin (256 bytes) plus the frames
/// above it; above this, a static bound smaller than the measurement means a wrong analysis.
const MEASURABLE: u64 = 320;

/// `Err` when the static bound is below what the firmware was seen to use.
fn check_bound(family: &str, bound: &StackBound, measured: Option<u64>) -> Result<()> {
    match (bound.bytes, measured) {
        (Some(b), Some(m)) if m > MEASURABLE && b < m => Err(format!(
            "{family}: static stack bound {b} B is below the measured high-water mark {m} B (call graph incomplete?)"
        )),
        _ => Ok(()),
    }
}

/// `cargo xtask size [--update-baseline] [--write-readme]`.
pub fn size(opts: &Options) -> Result<()> {
    util::run(&mut util::cargo(&["build", "-p", PACKAGE, "--target", TARGET, "--profile", PROFILE]))?;
    build_with_stack_sizes()?;
    let dir = util::target_dir();
    let empty = Sizes::of(&elf(&dir, EMPTY))?;
    let empty_stack = measured_stack(&elf(&dir, EMPTY))?;
    let empty_static = stack::analyse(&elf(&stack_sizes_dir(), EMPTY))?;
    let mut rows = Vec::new();
    for &(family, calls) in FAMILIES {
        let path = elf(&dir, family);
        let sizes = Sizes::of(&path)?;
        let static_stack = stack::analyse(&elf(&stack_sizes_dir(), family))?;
        let measured_stack = measured_stack(&path)?;
        check_bound(family, &static_stack, measured_stack)?;
        rows.push(Row {
            family,
            calls,
            sizes,
            kernel_flash: sizes.flash().saturating_sub(empty.flash()),
            kernel_ram: sizes.ram().saturating_sub(empty.ram()),
            measured_stack,
            static_stack,
        });
    }
    let table = markdown_table(&rows, empty, empty_stack, &empty_static);
    println!("\n{table}");
    write_json(&rows, empty, empty_stack, &empty_static)?;

    let current: Vec<(String, u64)> = rows.iter().map(|r| (r.family.to_owned(), r.kernel_flash)).collect();
    let baseline_path = util::root().join(BASELINE);
    if opts.write_readme {
        write_readme(&table)?;
    }
    if opts.update_baseline {
        write_baseline(&baseline_path, &current)?;
        println!("wrote {}", baseline_path.display());
        return Ok(());
    }
    let baseline = read_baseline(&baseline_path)?;
    let (report, failures) = compare(&baseline, &current, GROWTH_LIMIT);
    println!("own flash vs {BASELINE} (limit +{:.0} %):\n{report}", (GROWTH_LIMIT - 1.0) * 100.0);
    if !failures.is_empty() {
        return Err(format!(
            "flash grew more than {:.0} % over {BASELINE}: {} (if intended: cargo xtask size --update-baseline)",
            (GROWTH_LIMIT - 1.0) * 100.0,
            failures.join(", ")
        ));
    }
    let unbounded: Vec<String> = rows
        .iter()
        .filter(|r| r.static_stack.bytes.is_none())
        .map(|r| format!("{}: {}", r.family, r.static_stack.why))
        .collect();
    if unbounded.is_empty() {
        Ok(())
    } else {
        Err(format!("no static worst-case stack for {}", unbounded.join("; ")))
    }
}

fn measured_stack(elf: &Path) -> Result<Option<u64>> {
    let out = run_elf(elf)?;
    Ok(out.lines().find_map(|l| l.strip_prefix("# stack-used ")).and_then(|v| v.trim().parse().ok()))
}

fn opt(v: Option<u64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn static_cell(b: &StackBound) -> String {
    b.bytes.map_or_else(|| "unbounded".to_owned(), |n| n.to_string())
}

fn markdown_table(rows: &[Row], empty: Sizes, empty_stack: Option<u64>, empty_static: &StackBound) -> String {
    let mut t = String::from(
        "| family | calls | flash (.text+.rodata) | own flash | RAM (.data+.bss) | worst-case stack, static (`.stack_sizes` + call graph) | stack high-water mark (QEMU, painted) |\n|---|---|---:|---:|---:|---:|---:|\n",
    );
    t.push_str(&format!(
        "| empty | frame only: reset, stack paint, one semihosting line, exit | {} | 0 | {} | {} | {} |\n",
        empty.flash(),
        empty.ram(),
        static_cell(empty_static),
        opt(empty_stack)
    ));
    for r in rows {
        t.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            r.family,
            r.calls,
            r.sizes.flash(),
            r.kernel_flash,
            r.sizes.ram(),
            static_cell(&r.static_stack),
            opt(r.measured_stack)
        ));
    }
    t
}

fn write_json(rows: &[Row], empty: Sizes, empty_stack: Option<u64>, empty_static: &StackBound) -> Result<()> {
    let bound = |b: &StackBound| serde_json::json!({ "bytes": b.bytes, "path": b.why, "frames_from_prologue": b.from_prologue });
    let row = |name: &str, calls: &str, s: Sizes, own: u64, own_ram: u64, m: Option<u64>, st: &StackBound| {
        serde_json::json!({
            "family": name, "calls": calls, "text": s.text, "rodata": s.rodata, "data": s.data, "bss": s.bss,
            "flash": s.flash(), "ram": s.ram(), "own_flash": own, "own_ram": own_ram,
            "stack_static": bound(st), "stack_measured": m,
        })
    };
    let mut families = vec![row(EMPTY, "frame only", empty, 0, 0, empty_stack, empty_static)];
    for r in rows {
        families.push(row(
            r.family,
            r.calls,
            r.sizes,
            r.kernel_flash,
            r.kernel_ram,
            r.measured_stack,
            &r.static_stack,
        ));
    }
    let doc = serde_json::json!({
        "target": TARGET, "profile": PROFILE, "package": PACKAGE,
        "flash": ".text + .vector_table + .rodata", "ram": ".data + .bss + .uninit",
        "own_flash": "family firmware flash minus the empty firmware's",
        "stack_static": "pinned rustc with -Z emit-stack-sizes (RUSTC_BOOTSTRAP=1): per-function .stack_sizes summed on the deepest path of the call graph of objdump -d from Reset; prebuilt core/compiler_builtins frames from their prologues; exceptions not included",
        "stack_measured": "high-water mark of the painted stack in QEMU, 256-byte unpainted margin below main's frame",
        "families": families,
    });
    let path = util::target_dir().join("footprint.json");
    let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
    std::fs::write(&path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

fn read_baseline(path: &Path) -> Result<Vec<(String, u64)>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let map = v
        .get("own_flash")
        .and_then(|m| m.as_object())
        .ok_or_else(|| format!("{}: no \"own_flash\" object", path.display()))?;
    Ok(map.iter().filter_map(|(k, v)| Some((k.clone(), v.as_u64()?))).collect())
}

fn write_baseline(path: &Path, current: &[(String, u64)]) -> Result<()> {
    let map: serde_json::Map<String, serde_json::Value> =
        current.iter().map(|(k, v)| (k.clone(), serde_json::Value::from(*v))).collect();
    let doc = serde_json::json!({
        "about": "own flash (bytes, .text+.rodata minus the empty firmware's) per kernel family of fw-minimal, thumbv7em-none-eabihf, profile firmware; cargo xtask size fails when one exceeds this by more than 10 %; rewrite with cargo xtask size --update-baseline",
        "own_flash": map,
    });
    let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))
}

/// Compares own flash with the baseline: a report line per family, and the families over
/// `limit` × baseline. A family missing from the baseline is reported, not failed.
fn compare(baseline: &[(String, u64)], current: &[(String, u64)], limit: f64) -> (String, Vec<String>) {
    let mut report = String::new();
    let mut failures = Vec::new();
    for (family, now) in current {
        match baseline.iter().find(|(b, _)| b == family) {
            None => report.push_str(&format!("  {family:<8} {now:>7} B  (not in the baseline)\n")),
            Some((_, base)) => {
                let over = *now as f64 > *base as f64 * limit;
                let change = if *base == 0 { 0.0 } else { 100.0 * (*now as f64 / *base as f64 - 1.0) };
                report.push_str(&format!(
                    "  {family:<8} {now:>7} B  baseline {base:>7} B  {change:+6.1} %{}\n",
                    if over { "  FAIL" } else { "" }
                ));
                if over {
                    failures.push(format!("{family} {base} -> {now} B ({change:+.1} %)"));
                }
            }
        }
    }
    (report, failures)
}

fn write_readme(table: &str) -> Result<()> {
    let path = util::root().join("README.md");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let updated = replace_between(&text, README_BEGIN, README_END, table)
        .ok_or_else(|| format!("README.md has no `{README_BEGIN}` … `{README_END}` markers"))?;
    std::fs::write(&path, updated).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("updated the footprint table in {}", path.display());
    Ok(())
}

/// `text` with the lines between the `begin` and `end` marker lines replaced by `body`.
fn replace_between(text: &str, begin: &str, end: &str, body: &str) -> Option<String> {
    let start = text.find(begin)? + begin.len();
    let stop = start + text.get(start..)?.find(end)?;
    Some(format!("{}\n{}{}", &text[..start], body, &text[stop..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fams(v: &[(&str, u64)]) -> Vec<(String, u64)> {
        v.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect()
    }

    #[test]
    fn growth_over_ten_percent_fails_and_up_to_ten_passes() {
        let base = fams(&[("linalg", 1000), ("ot", 8000)]);
        let (_, f) = compare(&base, &fams(&[("linalg", 1100), ("ot", 7000)]), GROWTH_LIMIT);
        assert!(f.is_empty(), "exactly +10 % and shrinking pass: {f:?}");
        let (report, f) = compare(&base, &fams(&[("linalg", 1101), ("ot", 8000)]), GROWTH_LIMIT);
        assert_eq!(f.len(), 1);
        assert!(f[0].starts_with("linalg 1000 -> 1101"), "{f:?}");
        assert!(report.contains("FAIL") && report.contains("+10.1 %"), "{report}");
    }

    #[test]
    fn a_new_family_is_reported_not_failed() {
        let (report, f) = compare(&fams(&[("linalg", 1000)]), &fams(&[("capi", 5000)]), GROWTH_LIMIT);
        assert!(f.is_empty());
        assert!(report.contains("capi") && report.contains("not in the baseline"), "{report}");
    }

    #[test]
    fn readme_table_is_replaced_between_markers() {
        let text = "# x\n<!-- b -->\nold\n<!-- e -->\ntail\n";
        assert_eq!(
            replace_between(text, "<!-- b -->", "<!-- e -->", "new\n").as_deref(),
            Some("# x\n<!-- b -->\nnew\n<!-- e -->\ntail\n")
        );
        assert_eq!(replace_between("no markers", "<!-- b -->", "<!-- e -->", ""), None);
    }

    #[test]
    fn a_static_bound_below_a_real_measurement_is_an_error() {
        let bound = |b| StackBound { bytes: Some(b), why: String::new(), from_prologue: 0 };
        assert!(check_bound("ot", &bound(1000), Some(1200)).is_err());
        assert!(check_bound("ot", &bound(1200), Some(1200)).is_ok());
        // Measurements at the unpainted margin say nothing about small bounds.
        assert!(check_bound("empty", &bound(100), Some(288)).is_ok());
        let unbounded = StackBound { bytes: None, why: "recursion".into(), from_prologue: 0 };
        assert!(check_bound("x", &unbounded, Some(2000)).is_ok());
    }

    #[test]
    fn options_parse() {
        assert_eq!(Options::parse(&[]), Ok(Options::default()));
        assert_eq!(
            Options::parse(&["--write-readme", "--update-baseline"]),
            Ok(Options { update_baseline: true, write_readme: true })
        );
        assert!(Options::parse(&["--bogus"]).is_err());
    }
}
