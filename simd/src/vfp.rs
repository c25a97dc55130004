//! The scalar path's innermost loops in Cortex-M FPU assembly (`cfg(ferrokern_cortex_m_fpu)`,
//! set by `build.rs`): `VLDM` loads four or eight floats in one instruction, which LLVM does
//! not form from Rust's element loads. Same operations in the same order as the Rust loops they
//! replace (`VMLA` rounds the product before the add, as Rust's `acc += a * b` does), so the
//! device still agrees with the host's forced-scalar run bit for bit; the firmware examples
//! check that. Cost per element (`cargo xtask insncount`): the loops below, in instructions.
//!
//! The chunk loops take whole chunks; the tails and the bookkeeping stay in Rust
//! ([`crate::scalar`]). The exp loops stop before a pair outside exp's fast path, and their
//! drivers here ([`by_pairs`]) take that pair through [`exp_f32`] and resume.

use core::arch::asm;

use crate::exp::{exp_f32, EXP_C, LN2_HI, LN2_LO, LOG2E, ROUND_MAGIC};
use crate::scalar::exp_affine_term;

/// An `asm!` count-down loop: `setup` once, `body` `{n}` times (`{n}` > 0 on entry), `exit`
/// once; declares the caller-saved `s0`–`s15` clobbered (the caller's operands come first:
/// named ones, then clobbers of any further register). Every loop of this module is one.
macro_rules! counted_loop {
    (setup: [$($setup:expr),* $(,)?], body: [$($body:expr),* $(,)?], exit: [$($exit:expr),* $(,)?], $($operands:tt)*) => {
        asm!(
            $($setup,)*
            "2:",
            $($body,)*
            "subs {n}, {n}, #1",
            "bne 2b",
            $($exit,)*
            $($operands)*
            out("s0") _, out("s1") _, out("s2") _, out("s3") _, out("s4") _, out("s5") _,
            out("s6") _, out("s7") _, out("s8") _, out("s9") _, out("s10") _, out("s11") _,
            out("s12") _, out("s13") _, out("s14") _, out("s15") _,
            options(nostack),
        )
    };
}

/// `√x`, correctly rounded (`VSQRT.F32`), through `s0` as `widen_f16` does.
#[inline(always)]
pub(crate) fn sqrt(x: f32) -> f32 {
    let out: u32;
    // SAFETY: register moves and one square root through `s0`, declared clobbered; no memory.
    unsafe {
        asm!(
            "vmov s0, {i}",
            "vsqrt.f32 s0, s0",
            "vmov {o}, s0",
            i = in(reg) x.to_bits(),
            o = lateout(reg) out,
            out("s0") _,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    f32::from_bits(out)
}

/// `acc[k] += a[c][k]·b[c][k]` for every chunk `c` in order (over the common prefix): the loop
/// of [`crate::scalar::dot`]. 8 instructions per chunk of four (two `VLDM`, four `VMLA`, the
/// count and the branch).
#[inline]
pub(crate) fn mac_chunks(acc: &mut [f32; 4], a: &[[f32; 4]], b: &[[f32; 4]]) {
    let n = a.len().min(b.len());
    if n == 0 {
        return;
    }
    // SAFETY: reads `n` chunks of 16 bytes from `a` and from `b` (both at least `n` long,
    // f32-aligned as `VLDM` needs), reads and writes the 16 bytes of `acc`; the registers it
    // uses are declared clobbered. `n > 0`, so the count-down loop ends.
    unsafe {
        counted_loop!(
            setup: ["vldmia {acc}, {{s0-s3}}"],
            body: [
                "vldmia {a}!, {{s4-s7}}",
                "vldmia {b}!, {{s8-s11}}",
                "vmla.f32 s0, s4, s8",
                "vmla.f32 s1, s5, s9",
                "vmla.f32 s2, s6, s10",
                "vmla.f32 s3, s7, s11",
            ],
            exit: ["vstmia {acc}, {{s0-s3}}"],
            acc = in(reg) acc.as_mut_ptr(),
            a = inout(reg) a.as_ptr() => _,
            b = inout(reg) b.as_ptr() => _,
            n = inout(reg) n => _,
        );
    }
}

/// `acc[r][k] += rows[r][c][k]·x[c][k]` for every chunk `c` in order (over the common prefix
/// of `x` and the four rows): the loop of [`crate::scalar::dot4`], `x` loaded once for the
/// four rows. 23 instructions per chunk, i.e. per 16 multiply-adds (five `VLDM`, sixteen
/// `VMLA`, the count and the branch); the 16 accumulators stay in `s0`–`s15`.
#[inline]
pub(crate) fn mac_chunks4(acc: &mut [[f32; 4]; 4], rows: [&[[f32; 4]]; 4], x: &[[f32; 4]]) {
    let [r0, r1, r2, r3] = rows;
    let n = x.len().min(r0.len()).min(r1.len()).min(r2.len()).min(r3.len());
    if n == 0 {
        return;
    }
    // SAFETY: reads `n` chunks of 16 bytes from `x` and from each row (all at least `n` long,
    // f32-aligned), reads and writes the 64 bytes of `acc` (`[[f32; 4]; 4]` is contiguous);
    // the registers it uses are declared clobbered. `n > 0`, so the loop ends.
    unsafe {
        counted_loop!(
            setup: ["vldmia {acc}, {{s0-s15}}"],
            body: [
                "vldmia {x}!, {{s16-s19}}",
                "vldmia {r0}!, {{s20-s23}}",
                "vmla.f32 s0, s20, s16",
                "vmla.f32 s1, s21, s17",
                "vmla.f32 s2, s22, s18",
                "vmla.f32 s3, s23, s19",
                "vldmia {r1}!, {{s20-s23}}",
                "vmla.f32 s4, s20, s16",
                "vmla.f32 s5, s21, s17",
                "vmla.f32 s6, s22, s18",
                "vmla.f32 s7, s23, s19",
                "vldmia {r2}!, {{s20-s23}}",
                "vmla.f32 s8, s20, s16",
                "vmla.f32 s9, s21, s17",
                "vmla.f32 s10, s22, s18",
                "vmla.f32 s11, s23, s19",
                "vldmia {r3}!, {{s20-s23}}",
                "vmla.f32 s12, s20, s16",
                "vmla.f32 s13, s21, s17",
                "vmla.f32 s14, s22, s18",
                "vmla.f32 s15, s23, s19",
            ],
            exit: ["vstmia {acc}, {{s0-s15}}"],
            acc = in(reg) acc.as_mut_ptr(),
            x = inout(reg) x.as_ptr() => _,
            r0 = inout(reg) r0.as_ptr() => _,
            r1 = inout(reg) r1.as_ptr() => _,
            r2 = inout(reg) r2.as_ptr() => _,
            r3 = inout(reg) r3.as_ptr() => _,
            n = inout(reg) n => _,
            out("s16") _, out("s17") _, out("s18") _, out("s19") _,
            out("s20") _, out("s21") _, out("s22") _, out("s23") _,
        );
    }
}

/// `y[c][j] += alpha·x[c][j]` for every chunk `c` (over the common prefix): the loop of
/// [`crate::scalar::axpy`]. 9 instructions per chunk of four.
#[inline]
pub(crate) fn axpy_chunks(alpha: f32, x: &[[f32; 4]], y: &mut [[f32; 4]]) {
    let n = x.len().min(y.len());
    if n == 0 {
        return;
    }
    // SAFETY: reads `n` chunks of 16 bytes from `x`, reads and writes `n` chunks of 16 bytes
    // of `y` (both at least `n` long, f32-aligned); `alpha` enters `s0` from a core register;
    // the registers it uses are declared clobbered. `n > 0`, so the loop ends.
    unsafe {
        counted_loop!(
            setup: ["vmov s0, {alpha}"],
            body: [
                "vldmia {x}!, {{s4-s7}}",
                "vldmia {y}, {{s8-s11}}",
                "vmla.f32 s8, s0, s4",
                "vmla.f32 s9, s0, s5",
                "vmla.f32 s10, s0, s6",
                "vmla.f32 s11, s0, s7",
                "vstmia {y}!, {{s8-s11}}",
            ],
            exit: [],
            alpha = in(reg) alpha.to_bits(),
            x = inout(reg) x.as_ptr() => _,
            y = inout(reg) y.as_mut_ptr() => _,
            n = inout(reg) n => _,
        );
    }
}

/// `y[c][j] += a0·r0[c][j] + a1·r1[c][j] + a2·r2[c][j] + a3·r3[c][j]`, added in that order,
/// for every chunk `c` (over the common prefix): the loop of [`crate::scalar::axpy_rows`] for
/// four rows (`gemv_t`). 24 instructions per chunk, i.e. per 16 multiply-adds.
#[inline]
pub(crate) fn axpy4_chunks(alphas: [f32; 4], rows: [&[[f32; 4]]; 4], y: &mut [[f32; 4]]) {
    let [r0, r1, r2, r3] = rows;
    let n = y.len().min(r0.len()).min(r1.len()).min(r2.len()).min(r3.len());
    if n == 0 {
        return;
    }
    // SAFETY: reads the 16 bytes of `alphas`, `n` chunks of 16 bytes from each row; reads and
    // writes `n` chunks of `y` (all at least `n` long, f32-aligned); the registers it uses are
    // declared clobbered. `n > 0`, so the loop ends.
    unsafe {
        counted_loop!(
            setup: ["vldmia {al}, {{s0-s3}}"],
            body: [
                "vldmia {y}, {{s8-s11}}",
                "vldmia {r0}!, {{s4-s7}}",
                "vmla.f32 s8, s0, s4",
                "vmla.f32 s9, s0, s5",
                "vmla.f32 s10, s0, s6",
                "vmla.f32 s11, s0, s7",
                "vldmia {r1}!, {{s4-s7}}",
                "vmla.f32 s8, s1, s4",
                "vmla.f32 s9, s1, s5",
                "vmla.f32 s10, s1, s6",
                "vmla.f32 s11, s1, s7",
                "vldmia {r2}!, {{s4-s7}}",
                "vmla.f32 s8, s2, s4",
                "vmla.f32 s9, s2, s5",
                "vmla.f32 s10, s2, s6",
                "vmla.f32 s11, s2, s7",
                "vldmia {r3}!, {{s4-s7}}",
                "vmla.f32 s8, s3, s4",
                "vmla.f32 s9, s3, s5",
                "vmla.f32 s10, s3, s6",
                "vmla.f32 s11, s3, s7",
                "vstmia {y}!, {{s8-s11}}",
            ],
            exit: [],
            al = in(reg) alphas.as_ptr(),
            y = inout(reg) y.as_mut_ptr() => _,
            r0 = inout(reg) r0.as_ptr() => _,
            r1 = inout(reg) r1.as_ptr() => _,
            r2 = inout(reg) r2.as_ptr() => _,
            r3 = inout(reg) r3.as_ptr() => _,
            n = inout(reg) n => _,
        );
    }
}

/// `out[c][k] = ((p0 − y[c][2k])² + (p1 − y[c][2k+1])²) / div` for every chunk `c` of four
/// points (over the common prefix): the loop of [`crate::scalar::sq_dist_row_2d`], each
/// square, sum and quotient rounded as Rust's `(t0 * t0 + t1 * t1) / div` rounds them. 24
/// instructions per four points.
#[inline]
pub(crate) fn sq_dist_chunks(p: [f32; 2], y: &[[f32; 8]], div: f32, out: &mut [[f32; 4]]) {
    let n = y.len().min(out.len());
    if n == 0 {
        return;
    }
    // SAFETY: reads `n` chunks of 32 bytes from `y`, writes `n` chunks of 16 bytes to `out`
    // (both at least `n` long, f32-aligned); `p` and `div` enter `s0`–`s2` from core
    // registers; the registers it uses are declared clobbered. `n > 0`, so the loop ends.
    unsafe {
        counted_loop!(
            setup: ["vmov s0, s1, {p0}, {p1}", "vmov s2, {div}"],
            body: [
                "vldmia {y}!, {{s8-s15}}",
                "vsub.f32 s8, s0, s8",
                "vsub.f32 s9, s1, s9",
                "vsub.f32 s10, s0, s10",
                "vsub.f32 s11, s1, s11",
                "vsub.f32 s12, s0, s12",
                "vsub.f32 s13, s1, s13",
                "vsub.f32 s14, s0, s14",
                "vsub.f32 s15, s1, s15",
                "vmul.f32 s3, s8, s8",
                "vmla.f32 s3, s9, s9",
                "vmul.f32 s4, s10, s10",
                "vmla.f32 s4, s11, s11",
                "vmul.f32 s5, s12, s12",
                "vmla.f32 s5, s13, s13",
                "vmul.f32 s6, s14, s14",
                "vmla.f32 s6, s15, s15",
                "vdiv.f32 s3, s3, s2",
                "vdiv.f32 s4, s4, s2",
                "vdiv.f32 s5, s5, s2",
                "vdiv.f32 s6, s6, s2",
                "vstmia {out}!, {{s3-s6}}",
            ],
            exit: [],
            p0 = in(reg) p[0].to_bits(),
            p1 = in(reg) p[1].to_bits(),
            div = in(reg) div.to_bits(),
            y = inout(reg) y.as_ptr() => _,
            out = inout(reg) out.as_mut_ptr() => _,
            n = inout(reg) n => _,
        );
    }
}

/// `acc[k] += p[c][h][k]·0` for every pair of chunks `p[c]` (the finiteness sums of
/// [`crate::scalar::all_finite_by_sums`]: `x·0` is NaN exactly for NaN and ±inf). 11
/// instructions per eight elements.
#[inline]
pub(crate) fn mac_zero_chunk_pairs(acc: &mut [f32; 4], p: &[[[f32; 4]; 2]]) {
    let n = p.len();
    if n == 0 {
        return;
    }
    // SAFETY: reads `n` chunks of 32 bytes from `p` (f32-aligned), reads and writes the 16
    // bytes of `acc`; `s12` is set to +0 by moving a zero core register; the registers it
    // uses are declared clobbered. `n > 0`, so the loop ends.
    unsafe {
        counted_loop!(
            setup: ["vmov s12, {zero}", "vldmia {acc}, {{s0-s3}}"],
            body: [
                "vldmia {p}!, {{s4-s11}}",
                "vmla.f32 s0, s4, s12",
                "vmla.f32 s1, s5, s12",
                "vmla.f32 s2, s6, s12",
                "vmla.f32 s3, s7, s12",
                "vmla.f32 s0, s8, s12",
                "vmla.f32 s1, s9, s12",
                "vmla.f32 s2, s10, s12",
                "vmla.f32 s3, s11, s12",
            ],
            exit: ["vstmia {acc}, {{s0-s3}}"],
            zero = in(reg) 0u32,
            acc = in(reg) acc.as_mut_ptr(),
            p = inout(reg) p.as_ptr() => _,
            n = inout(reg) n => _,
        );
    }
}

/// The fast path of [`crate::exp::exp_f32`] for one pair, as assembly text shared by the
/// loops below: `(s0, s1) = e^(s0, s1)`, with `s20`–`s24` holding [`EXP_SHARED`] and `{acc}`
/// pointing at [`EXP_ACC`]; branches to `3f` (before changing `s0`/`s1`) when an element is
/// outside the fast path (`n ∉ [−126, 127]`: NaN, ±inf, overflow, underflow). Uses `s2`–`s5`,
/// `s8`–`s19` and the core registers `{ra}`, `{rb}`, `{kk}`, `{one}`. 31 instructions.
macro_rules! exp_pair_fast {
    () => {
        concat!(
            "vldmia {acc}, {{s8-s19}}\n",
            "vmla.f32 s8, s0, s20\n",
            "vmla.f32 s9, s1, s20\n",
            // bits of t − bits(1.5·2²³) + 126 = n + 126, unsigned ≤ 253 on the fast path
            "vmov {ra}, {rb}, s8, s9\n",
            "add {ra}, {ra}, {kk}\n",
            "add {rb}, {rb}, {kk}\n",
            "cmp {ra}, #253\n",
            "it ls\n",
            "cmpls {rb}, #253\n",
            "bhi 3f\n",
            "vsub.f32 s2, s8, s21\n",
            "vsub.f32 s3, s9, s21\n",
            "vmls.f32 s0, s2, s22\n",
            "vmls.f32 s1, s3, s22\n",
            "vmls.f32 s0, s2, s23\n",
            "vmls.f32 s1, s3, s23\n",
            "vmla.f32 s10, s24, s0\n",
            "vmla.f32 s11, s24, s1\n",
            "vmla.f32 s12, s10, s0\n",
            "vmla.f32 s13, s11, s1\n",
            "vmla.f32 s14, s12, s0\n",
            "vmla.f32 s15, s13, s1\n",
            "vmla.f32 s16, s14, s0\n",
            "vmla.f32 s17, s15, s1\n",
            "vmla.f32 s18, s16, s0\n",
            "vmla.f32 s19, s17, s1\n",
            // 2ⁿ's bits: (n + 127) << 23 = ((n + 126) << 23) + 2²³
            "add {ra}, {one}, {ra}, lsl #23\n",
            "add {rb}, {one}, {rb}, lsl #23\n",
            "vmov s4, s5, {ra}, {rb}\n",
            "vmul.f32 s0, s18, s4\n",
            "vmul.f32 s1, s19, s5\n",
        )
    };
}

/// A [`counted_loop`] over `{n}` pairs around [`exp_pair_fast`]: `setup` runs once, `load`
/// puts a pair's exponents into `s0`/`s1` (it may use `s2`/`s3`), `store` consumes `e^s0`,
/// `e^s1` (it may use `s2`–`s5`), `exit` runs after the loop or the branch out of it. Adds the
/// operands every exp loop has (the tables, the core registers of the range check, the
/// clobbered `s16`–`s24`); the caller's operands come in between (named ones, then any
/// further clobbers). `{n}` counts down to 0 unless a pair stops the loop.
macro_rules! exp_pair_loop {
    (setup: [$($setup:expr),*], load: [$($load:expr),*], store: [$($store:expr),*], exit: [$($exit:expr),*], $($operands:tt)*) => {
        counted_loop!(
            setup: [$($setup),*],
            body: [$($load,)* exp_pair_fast!(), $($store),*],
            exit: ["3:", $($exit),*],
            acc = in(reg) EXP_ACC.as_ptr(),
            kk = in(reg) EXP_KK,
            one = in(reg) EXP_ONE,
            ra = out(reg) _,
            rb = out(reg) _,
            $($operands)*
            out("s16") _, out("s17") _, out("s18") _, out("s19") _, out("s20") _,
            out("s21") _, out("s22") _, out("s23") _, out("s24") _,
        )
    };
}

/// The exponents `a·x + (v + b)` of the pair at `{x}`, `{v}` into `s0`/`s1` (`a` in `s25`, `b`
/// in `s26`), as Rust rounds them.
macro_rules! affine_load {
    () => {
        concat!(
            "vldmia {v}!, {{s0-s1}}\n",
            "vldmia {x}!, {{s2-s3}}\n",
            "vadd.f32 s0, s0, s26\n",
            "vadd.f32 s1, s1, s26\n",
            "vmla.f32 s0, s25, s2\n",
            "vmla.f32 s1, s25, s3\n",
        )
    };
}

/// Start values of the accumulators of one pair `(a, b)`, interleaved so that each pair of
/// registers is consecutive for `VMOV`: the rounding constant (for `t`), then `c4, c3, c2, c1,
/// 1` (the Horner steps of [`crate::exp::exp_f32`]'s polynomial). One `VLDM` per pair renews
/// them: `VMLA` overwrites its accumulator, and `VMOV`-ing each constant in would cost one
/// instruction per step.
static EXP_ACC: [f32; 12] = {
    let [c1, c2, c3, c4, _] = EXP_C;
    [ROUND_MAGIC, ROUND_MAGIC, c4, c4, c3, c3, c2, c2, c1, c1, 1.0, 1.0]
};

/// The constants the exp loops only read: `log2 e`, the rounding constant, `ln 2` in two
/// parts, `c5`.
static EXP_SHARED: [f32; 5] = [LOG2E, ROUND_MAGIC, LN2_HI, LN2_LO, EXP_C[4]];

/// `x = e^x` for whole pairs, in order ([`exp_pair_fast`]), stopping before the first pair
/// with an element outside the fast path. Returns the number of pairs done. 35 instructions
/// per pair.
fn exp_pairs(x: &mut [[f32; 2]]) -> usize {
    let total = x.len();
    if total == 0 {
        return 0;
    }
    let left: usize;
    // SAFETY: reads and writes `x` pair by pair (8 bytes each, f32-aligned), at most `total`
    // pairs; reads the two constant tables; the registers it uses are declared clobbered.
    // `total > 0`, so the loop ends (at `left = 0`, or earlier at the branch to 3).
    unsafe {
        exp_pair_loop!(
            setup: ["vldmia {sh}, {{s20-s24}}"],
            load: ["vldmia {x}, {{s0-s1}}"],
            store: ["vstmia {x}!, {{s0-s1}}"],
            exit: [],
            sh = in(reg) EXP_SHARED.as_ptr(),
            x = inout(reg) x.as_mut_ptr() => _,
            n = inout(reg) total => left,
        );
    }
    total - left
}

/// `n + 126` from the bits of `t` in one add (see [`exp_pair_fast`]).
const EXP_KK: u32 = 126u32.wrapping_sub(ROUND_MAGIC.to_bits());
/// `2²³`: `(n + 126) << 23` plus this is the bit pattern of `2ⁿ`.
const EXP_ONE: u32 = 1 << 23;

/// `[EXP_SHARED…, a, b, s]`: what the affine and shifted loops load into `s20`–`s27` in one
/// `VLDM` (the shifted loop's shift in `a`'s place).
fn affine_params(a: f32, b: f32, s: f32) -> [f32; 8] {
    let [l, m, hi, lo, c5] = EXP_SHARED;
    [l, m, hi, lo, c5, a, b, s]
}

/// `s += e^(a·x_j + (v_j + b))` for whole pairs `j` in order (the exponent as Rust rounds
/// `a * x + (v + b)`), stopping before the first pair with an exponent outside the fast path.
/// Returns the pairs done and the sum. 41 instructions per pair.
fn exp_affine_sum_pairs(a: f32, x: &[[f32; 2]], v: &[[f32; 2]], b: f32, s: f32) -> (usize, f32) {
    let total = x.len().min(v.len());
    if total == 0 {
        return (0, s);
    }
    let mut params = affine_params(a, b, s);
    let left: usize;
    // SAFETY: reads `x` and `v` pair by pair (at most `total` pairs each, f32-aligned), reads
    // and writes the 32 bytes of `params` (the sum at offset 28), reads the constant table;
    // the registers it uses are declared clobbered. `total > 0`, so the loop ends.
    unsafe {
        exp_pair_loop!(
            setup: ["vldmia {p}, {{s20-s27}}"],
            load: [affine_load!()],
            store: ["vadd.f32 s27, s27, s0", "vadd.f32 s27, s27, s1"],
            exit: ["vstr s27, [{p}, #28]"],
            p = in(reg) params.as_mut_ptr(),
            x = inout(reg) x.as_ptr() => _,
            v = inout(reg) v.as_ptr() => _,
            n = inout(reg) total => left,
            out("s25") _, out("s26") _, out("s27") _,
        );
    }
    (total - left, params[7])
}

/// `x_j = e^(x_j − shift)`, `s += x_j` for whole pairs `j` in order, stopping before the first
/// pair outside the fast path. Returns the pairs done and the sum. 40 instructions per pair.
fn exp_shifted_pairs(x: &mut [[f32; 2]], shift: f32, s: f32) -> (usize, f32) {
    let total = x.len();
    if total == 0 {
        return (0, s);
    }
    let mut params = affine_params(shift, 0.0, s);
    let left: usize;
    // SAFETY: reads and writes `x` pair by pair (at most `total` pairs, f32-aligned), reads and
    // writes the 32 bytes of `params` (the sum at offset 28), reads the constant table; the
    // registers it uses are declared clobbered. `total > 0`, so the loop ends.
    unsafe {
        exp_pair_loop!(
            setup: ["vldmia {p}, {{s20-s27}}"],
            load: ["vldmia {x}, {{s0-s1}}", "vsub.f32 s0, s0, s25", "vsub.f32 s1, s1, s25"],
            store: ["vstmia {x}!, {{s0-s1}}", "vadd.f32 s27, s27, s0", "vadd.f32 s27, s27, s1"],
            exit: ["vstr s27, [{p}, #28]"],
            p = in(reg) params.as_mut_ptr(),
            x = inout(reg) x.as_mut_ptr() => _,
            n = inout(reg) total => left,
            out("s25") _, out("s26") _, out("s27") _,
        );
    }
    (total - left, params[7])
}

/// `d_j += e^(a·x_j + (v_j + b))` for whole pairs `j` in order, stopping before the first
/// pair with an exponent outside the fast path. Returns the pairs done. 43 instructions per
/// pair.
fn exp_affine_acc_pairs(a: f32, x: &[[f32; 2]], v: &[[f32; 2]], b: f32, d: &mut [[f32; 2]]) -> usize {
    let total = x.len().min(v.len()).min(d.len());
    if total == 0 {
        return 0;
    }
    let params = affine_params(a, b, 0.0);
    let left: usize;
    // SAFETY: reads `x` and `v` pair by pair, reads and writes `d` pair by pair (at most
    // `total` pairs each, f32-aligned), reads `params` and the constant table; the registers
    // it uses are declared clobbered. `total > 0`, so the loop ends.
    unsafe {
        exp_pair_loop!(
            setup: ["vldmia {p}, {{s20-s26}}"],
            load: [affine_load!()],
            store: ["vldmia {d}, {{s2-s3}}", "vadd.f32 s2, s2, s0", "vadd.f32 s3, s3, s1", "vstmia {d}!, {{s2-s3}}"],
            exit: [],
            p = in(reg) params.as_ptr(),
            x = inout(reg) x.as_ptr() => _,
            v = inout(reg) v.as_ptr() => _,
            d = inout(reg) d.as_mut_ptr() => _,
            n = inout(reg) total => left,
            out("s25") _, out("s26") _,
        );
    }
    total - left
}

/// Drives a pair loop that stops before a pair outside exp's fast path over `len` elements:
/// `fast(state, at)` runs the whole pairs from element `at` on and returns how many it did;
/// `slow(state, j)` takes element `j` (both of the pair it stopped at, and an odd last one).
fn by_pairs<S: ?Sized>(
    state: &mut S,
    len: usize,
    fast: impl Fn(&mut S, usize) -> usize,
    slow: impl Fn(&mut S, usize),
) {
    let mut at = 0;
    while at < len {
        at += 2 * fast(state, at);
        let stop = len.min(at + 2);
        for j in at..stop {
            slow(state, j);
        }
        at = stop;
    }
}

/// [`crate::scalar::exp_slice`] for f32: pairs through the assembly, the rest through `exp_f32`.
pub(crate) fn exp_slice(x: &mut [f32]) {
    by_pairs(
        x,
        x.len(),
        |x, at| exp_pairs(x.get_mut(at..).unwrap_or(&mut []).as_chunks_mut::<2>().0),
        |x, j| {
            if let Some(xj) = x.get_mut(j) {
                *xj = exp_f32(*xj);
            }
        },
    );
}

/// [`crate::scalar::exp_shifted`] for f32, summed in the same order.
pub(crate) fn exp_shifted(x: &mut [f32], shift: f32) -> f32 {
    let len = x.len();
    let mut state = (x, 0.0f32);
    by_pairs(
        &mut state,
        len,
        |(x, s), at| {
            let (done, sum) =
                exp_shifted_pairs(x.get_mut(at..).unwrap_or(&mut []).as_chunks_mut::<2>().0, shift, *s);
            *s = sum;
            done
        },
        |(x, s), j| {
            if let Some(xj) = x.get_mut(j) {
                *xj = exp_f32(*xj - shift);
                *s += *xj;
            }
        },
    );
    state.1
}

/// [`crate::scalar::exp_affine_sum`] for f32, summed in the same order.
pub(crate) fn exp_affine_sum(a: f32, x: &[f32], v: &[f32], b: f32) -> f32 {
    let n = x.len().min(v.len());
    let mut s = 0.0;
    let tail = |k: usize| x.get(k..n).unwrap_or(&[]).as_chunks::<2>().0;
    let tail_v = |k: usize| v.get(k..n).unwrap_or(&[]).as_chunks::<2>().0;
    by_pairs(
        &mut s,
        n,
        |s, at| {
            let (done, sum) = exp_affine_sum_pairs(a, tail(at), tail_v(at), b, *s);
            *s = sum;
            done
        },
        |s, j| {
            if let (Some(&xj), Some(&vj)) = (x.get(j), v.get(j)) {
                *s += exp_affine_term(a, xj, vj, b);
            }
        },
    );
    s
}

/// [`crate::scalar::exp_affine_acc`] for f32.
pub(crate) fn exp_affine_acc(a: f32, x: &[f32], v: &[f32], b: f32, acc: &mut [f32]) {
    let n = x.len().min(v.len()).min(acc.len());
    by_pairs(
        acc,
        n,
        |acc, at| {
            let (xt, vt) = (x.get(at..n).unwrap_or(&[]), v.get(at..n).unwrap_or(&[]));
            let d = acc.get_mut(at..n).unwrap_or(&mut []);
            exp_affine_acc_pairs(a, xt.as_chunks::<2>().0, vt.as_chunks::<2>().0, b, d.as_chunks_mut::<2>().0)
        },
        |acc, j| {
            if let (Some(&xj), Some(&vj), Some(o)) = (x.get(j), v.get(j), acc.get_mut(j)) {
                *o += exp_affine_term(a, xj, vj, b);
            }
        },
    );
}

/// `dst[c][j]` = the `j`-th little-endian binary16 of `src[c]`, widened (`VCVTB`/`VCVTT`,
/// exact, IEEE halves: the FPSCR.AHP = 0 reset state), for the common prefix of chunks.
/// 12 instructions per eight values. `[u32; 4]` gives `VLDM` the word alignment it needs.
#[inline]
pub(crate) fn widen_f16_chunks(src: &[[u32; 4]], dst: &mut [[f32; 8]]) {
    let n = src.len().min(dst.len());
    if n == 0 {
        return;
    }
    // SAFETY: reads `n` chunks of 16 bytes from `src` and writes `n` chunks of 32 bytes to
    // `dst` (both at least `n` long and word-aligned); the registers it uses are declared
    // clobbered. `n > 0`, so the loop ends.
    unsafe {
        counted_loop!(
            setup: [],
            body: [
                "vldmia {src}!, {{s0-s3}}",
                "vcvtb.f32.f16 s4, s0",
                "vcvtt.f32.f16 s5, s0",
                "vcvtb.f32.f16 s6, s1",
                "vcvtt.f32.f16 s7, s1",
                "vcvtb.f32.f16 s8, s2",
                "vcvtt.f32.f16 s9, s2",
                "vcvtb.f32.f16 s10, s3",
                "vcvtt.f32.f16 s11, s3",
                "vstmia {dst}!, {{s4-s11}}",
            ],
            exit: [],
            src = inout(reg) src.as_ptr() => _,
            dst = inout(reg) dst.as_mut_ptr() => _,
            n = inout(reg) n => _,
        );
    }
}
