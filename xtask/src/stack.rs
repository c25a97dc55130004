//! Static worst-case stack of a firmware ELF: the compiler's per-function frame sizes (the
//! `.stack_sizes` section of `-Z emit-stack-sizes`, nightly) on a call graph read from the
//! disassembly (`bl`/`b.w` to function entries). Functions without a `.stack_sizes` entry
//! (hand-written assembly) get their frame from the prologue (`push`, `vpush`, `sub sp`).
//!
//! The bound is the deepest path from the reset handler. It is `None` when the graph has a
//! cycle (recursion) reachable from the root or an indirect call (`blx rN`, `bx rN` other than
//! `bx lr`) whose targets a disassembly cannot know.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::util::{self, Result};

/// One function of the disassembly.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Function {
    /// Symbol name (mangled).
    pub name: String,
    /// Frame size from the prologue (used when `.stack_sizes` has no entry).
    pub prologue_frame: u64,
    /// Entry addresses of direct callees (calls and tail calls).
    pub callees: BTreeSet<u64>,
    /// Whether the function makes an indirect call.
    pub indirect: bool,
}

/// Worst-case stack of one entry point.
#[derive(Debug, Clone, PartialEq)]
pub struct StackBound {
    /// Bytes, or `None` if unbounded by this analysis (see `why`).
    pub bytes: Option<u64>,
    /// The deepest path (function names, outermost first), or why there is no bound.
    pub why: String,
    /// Functions on the reachable graph whose frame came from the prologue, not the compiler.
    pub from_prologue: usize,
}

/// Frame sizes per function entry address from the `.stack_sizes` section: records of a
/// 4-byte little-endian address (Thumb bit cleared) followed by a ULEB128 size.
pub fn parse_stack_sizes(bytes: &[u8]) -> BTreeMap<u64, u64> {
    let mut out = BTreeMap::new();
    let mut i = 0;
    while let Some(addr) = bytes.get(i..i + 4) {
        let addr = u64::from(u32::from_le_bytes([addr[0], addr[1], addr[2], addr[3]])) & !1;
        i += 4;
        let (mut size, mut shift) = (0u64, 0);
        while let Some(&b) = bytes.get(i) {
            i += 1;
            size |= u64::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        out.insert(addr, size);
    }
    out
}

/// The bytes of a section from `objdump -s -j NAME` output (hex dump lines).
pub fn parse_hex_dump(text: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let Some(first) = fields.next() else { continue };
        // Dump lines start with a hex address; the ASCII column is dropped by taking at most
        // four 8-digit groups.
        if first.len() < 4 || !first.chars().all(|c| c.is_ascii_hexdigit()) || !line.starts_with(' ') {
            continue;
        }
        for group in fields.take(4) {
            if group.len() % 2 != 0 || !group.chars().all(|c| c.is_ascii_hexdigit()) {
                break;
            }
            for k in (0..group.len()).step_by(2) {
                bytes.push(u8::from_str_radix(&group[k..k + 2], 16).unwrap_or(0));
            }
        }
    }
    bytes
}

/// Code symbol sizes by address (Thumb bit cleared) from `nm -S` lines `addr size T name`.
pub fn parse_symbol_sizes(text: &str) -> BTreeMap<u64, u64> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let addr = u64::from_str_radix(f.next()?, 16).ok()? & !1;
            let size = u64::from_str_radix(f.next()?, 16).ok()?;
            matches!(f.next()?, "T" | "t" | "W" | "w").then_some((addr, size))
        })
        .collect()
}

/// Register count of a `{r4, r5, lr}` / `{d8-d15}` list.
fn register_count(list: &str) -> u64 {
    let inner = list.trim().trim_start_matches('{').trim_end_matches('}');
    inner
        .split(',')
        .map(|r| {
            let r = r.trim();
            match r.split_once('-') {
                Some((a, b)) => {
                    let num =
                        |s: &str| s.trim_start_matches(|c: char| c.is_ascii_alphabetic()).parse::<u64>();
                    match (num(a), num(b)) {
                        (Ok(a), Ok(b)) if b >= a => b - a + 1,
                        _ => 1,
                    }
                }
                None if r.is_empty() => 0,
                None => 1,
            }
        })
        .sum()
}

/// Parses an immediate `#123` / `#0x7b`.
fn immediate(s: &str) -> Option<u64> {
    let s = s.trim().trim_start_matches('#');
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// Functions by entry address from GNU `objdump -d` output of a Thumb ELF. `sizes` (entry →
/// symbol size, from `nm -S`) ends each function: bytes after it up to the next symbol are
/// padding or data that objdump would otherwise decode as instructions of the function.
pub fn parse_disassembly(text: &str, sizes: &BTreeMap<u64, u64>) -> BTreeMap<u64, Function> {
    let mut funcs: BTreeMap<u64, Function> = BTreeMap::new();
    let mut current: Option<u64> = None;
    let mut in_prologue = false;
    for line in text.lines() {
        // Function header: `00000400 <Reset>:`.
        if let Some((addr, rest)) = line.split_once(" <") {
            if let (Ok(a), Some(name)) = (u64::from_str_radix(addr.trim(), 16), rest.strip_suffix(">:")) {
                if !addr.starts_with(' ') {
                    funcs.insert(a, Function { name: name.to_owned(), ..Function::default() });
                    current = Some(a);
                    in_prologue = true;
                    continue;
                }
            }
        }
        let Some(start) = current else { continue };
        // Instruction (`--no-show-raw-insn`): `     400:\tbl\t424 <__pre_init>`.
        let mut cols = line.split('\t');
        let (Some(addr), Some(mnemonic)) = (cols.next(), cols.next()) else {
            continue;
        };
        let Ok(addr) = u64::from_str_radix(addr.trim().trim_end_matches(':'), 16) else { continue };
        if sizes.get(&start).is_some_and(|&size| addr >= start + size) {
            continue;
        }
        let Some(f) = funcs.get_mut(&start) else { continue };
        let operands = cols.next().unwrap_or("");
        let mnemonic = mnemonic.trim();
        let base = mnemonic.trim_end_matches(".w").trim_end_matches(".n");
        match base {
            "push" | "stmdb" if in_prologue => {
                let list = operands.split_once('{').map_or("", |(_, l)| l);
                f.prologue_frame += 4 * register_count(list);
            }
            "vpush" if in_prologue => f.prologue_frame += 8 * register_count(operands),
            "sub" | "subw" if in_prologue && operands.starts_with("sp,") => {
                if let Some(imm) = operands.rsplit(',').next().and_then(immediate) {
                    f.prologue_frame += imm;
                }
            }
            _ => in_prologue = matches!(base, "mov" | "add" | "str" | "strd" | "vmov"),
        }
        // Direct calls and tail calls: the target is a function entry (no `+0x` offset).
        let target = operands
            .split_once(" <")
            .filter(|(_, sym)| !sym.contains("+0x"))
            .and_then(|(addr, _)| u64::from_str_radix(addr.trim(), 16).ok());
        match base {
            "blx" => f.indirect = true,
            "bx" if operands.trim() != "lr" => f.indirect = true,
            // `bl`, and `b`/`b<cond>` to another function's entry (a tail call).
            _ if base.starts_with('b') && !matches!(base, "bic" | "bics" | "bfc" | "bfi" | "bkpt") => {
                f.callees.extend(target)
            }
            _ => {}
        }
    }
    // A branch to the own entry is a loop, not a call.
    for (a, f) in funcs.iter_mut() {
        f.callees.remove(a);
    }
    funcs
}

/// Worst-case stack from `root` over `funcs` with compiler frames `sizes` (prologue fallback).
pub fn worst_case(funcs: &BTreeMap<u64, Function>, sizes: &BTreeMap<u64, u64>, root: u64) -> StackBound {
    struct Walk<'a> {
        funcs: &'a BTreeMap<u64, Function>,
        sizes: &'a BTreeMap<u64, u64>,
        memo: BTreeMap<u64, std::result::Result<(u64, Vec<u64>), String>>,
        on_path: BTreeSet<u64>,
        fallback: BTreeSet<u64>,
    }
    impl Walk<'_> {
        fn name(&self, a: u64) -> String {
            self.funcs.get(&a).map_or_else(|| format!("{a:#x}"), |f| f.name.clone())
        }
        fn depth(&mut self, a: u64) -> std::result::Result<(u64, Vec<u64>), String> {
            if let Some(r) = self.memo.get(&a) {
                return r.clone();
            }
            if !self.on_path.insert(a) {
                return Err(format!("recursion through {}", self.name(a)));
            }
            let result = match self.funcs.get(&a) {
                None => Err(format!("call to {a:#x}, not a function of the disassembly")),
                Some(f) if f.indirect => Err(format!("indirect call in {}", f.name)),
                Some(f) => {
                    let own = match self.sizes.get(&a) {
                        Some(&s) => s,
                        None => {
                            self.fallback.insert(a);
                            f.prologue_frame
                        }
                    };
                    let mut best = (0, Vec::new());
                    let mut err = None;
                    for &c in &f.callees {
                        match self.depth(c) {
                            Ok(d) if d.0 > best.0 || best.1.is_empty() => best = d,
                            Ok(_) => {}
                            Err(e) => err = Some(e),
                        }
                    }
                    match err {
                        Some(e) => Err(e),
                        None => {
                            let mut path = vec![a];
                            path.extend(best.1);
                            Ok((own + best.0, path))
                        }
                    }
                }
            };
            self.on_path.remove(&a);
            self.memo.insert(a, result.clone());
            result
        }
    }
    let mut walk =
        Walk { funcs, sizes, memo: BTreeMap::new(), on_path: BTreeSet::new(), fallback: BTreeSet::new() };
    let result = walk.depth(root);
    let from_prologue = walk.fallback.len();
    match result {
        Ok((bytes, path)) => StackBound {
            bytes: Some(bytes),
            why: path.iter().map(|&a| walk.name(a)).collect::<Vec<_>>().join(" > "),
            from_prologue,
        },
        Err(why) => StackBound { bytes: None, why, from_prologue },
    }
}

/// Static worst-case stack of `elf` from its reset handler (needs `.stack_sizes`).
pub fn analyse(elf: &Path) -> Result<StackBound> {
    let objdump = util::first_of(&["arm-none-eabi-objdump"])?;
    let mut dump = util::cmd(objdump, &["-s", "-j", ".stack_sizes"]);
    let sizes = parse_stack_sizes(&parse_hex_dump(&util::capture_ok(dump.arg(elf))?));
    if sizes.is_empty() {
        return Err(format!("{}: no .stack_sizes section (build with -Z emit-stack-sizes)", elf.display()));
    }
    let mut nm = util::cmd(util::first_of(&["arm-none-eabi-nm", "llvm-nm"])?, &["-S"]);
    let symbol_sizes = parse_symbol_sizes(&util::capture_ok(nm.arg(elf))?);
    let mut dis = util::cmd(objdump, &["-d", "--no-show-raw-insn"]);
    let funcs = parse_disassembly(&util::capture_ok(dis.arg(elf))?, &symbol_sizes);
    let root = funcs
        .iter()
        .find(|(_, f)| f.name == "Reset")
        .map(|(&a, _)| a)
        .ok_or_else(|| format!("{}: no Reset function", elf.display()))?;
    Ok(worst_case(&funcs, &sizes, root))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_sizes_records_are_address_and_uleb128() {
        // 0x401 (Thumb bit) -> 16; 0x500 -> 300 (0xac 0x02).
        let bytes = [0x01, 0x04, 0, 0, 16, 0x00, 0x05, 0, 0, 0xac, 0x02];
        let sizes = parse_stack_sizes(&bytes);
        assert_eq!(sizes.get(&0x400), Some(&16));
        assert_eq!(sizes.get(&0x500), Some(&300));
    }

    #[test]
    fn hex_dump_lines_give_bytes() {
        let dump = "\nfw:     file format elf32-littlearm\n\nContents of section .stack_sizes:\n 0000 01040000 10000500 00ac02            ...........\n";
        assert_eq!(parse_hex_dump(dump), vec![0x01, 0x04, 0, 0, 0x10, 0, 0x05, 0, 0, 0xac, 0x02]);
    }

    const DIS: &str = "\
00000400 <Reset>:
     400:\tpush\t{r7, lr}
     402:\tbl\t420 <main>
     406:\tb.n\t406 <Reset+0x6>

00000420 <main>:
     420:\tpush\t{r4, r5, r6, r7, lr}
     422:\tvpush\t{d8-d9}
     426:\tsub\tsp, #40\t@ 0x28
     428:\tbl\t440 <leaf>
     42c:\tbl\t450 <asm>
     430:\tb.w\t440 <leaf>

00000440 <leaf>:
     440:\tsub\tsp, #8
     442:\tbx\tlr

00000450 <asm>:
     450:\tpush\t{r4, lr}
     452:\tpop\t{r4, pc}
     454:\tbmi.n\t420 <main>
";

    /// Symbol sizes: `asm` ends before the padding at 0x454 that decodes as a branch.
    fn sizes() -> BTreeMap<u64, u64> {
        parse_symbol_sizes("00000401 00000006 T Reset\n00000420 00000012 T main\n00000440 00000004 t leaf\n00000450 00000004 t asm\n20000000 00000004 B DATA\n")
    }

    #[test]
    fn prologues_and_calls_are_read_from_the_disassembly() {
        let f = parse_disassembly(DIS, &sizes());
        let main = &f[&0x420];
        assert_eq!(main.prologue_frame, 20 + 16 + 40);
        assert_eq!(main.callees.iter().copied().collect::<Vec<_>>(), vec![0x440, 0x450]);
        assert!(!main.indirect);
        assert_eq!(f[&0x400].callees.len(), 1, "a branch inside Reset is not a call");
        assert_eq!(f[&0x440].prologue_frame, 8);
        assert!(f[&0x450].callees.is_empty(), "padding after the symbol's end is not code");
    }

    #[test]
    fn worst_case_takes_the_deepest_path_with_compiler_sizes_first() {
        let f = parse_disassembly(DIS, &sizes());
        // Compiler sizes for all but `asm` (prologue: 8 bytes).
        let sizes: BTreeMap<u64, u64> = [(0x400, 8), (0x420, 80), (0x440, 100)].into_iter().collect();
        let b = worst_case(&f, &sizes, 0x400);
        assert_eq!(b.bytes, Some(8 + 80 + 100));
        assert_eq!(b.why, "Reset > main > leaf");
        assert_eq!(b.from_prologue, 1);
    }

    #[test]
    fn recursion_and_indirect_calls_have_no_bound() {
        let frames = BTreeMap::new();
        let mut f = parse_disassembly(DIS, &sizes());
        if let Some(leaf) = f.get_mut(&0x440) {
            leaf.callees.insert(0x420);
        }
        let b = worst_case(&f, &frames, 0x400);
        assert_eq!(b.bytes, None);
        assert!(b.why.contains("recursion"), "{}", b.why);
        let mut f = parse_disassembly(DIS, &sizes());
        if let Some(asm) = f.get_mut(&0x450) {
            asm.indirect = true;
        }
        assert_eq!(worst_case(&f, &frames, 0x400).bytes, None);
    }
}
