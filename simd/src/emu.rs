//! `Emu16`: a portable [`Lanes`] of 16 f32 lanes that mirrors the AVX-512F implementation
//! lane for lane (fused multiply-add, x86 `min`/`max` operand order, the same horizontal-sum
//! tree, the same bit tricks), in plain Rust.
//!
//! Test-only (feature `emu16`, x86_64): it runs every lane loop at AVX-512's width on a CPU
//! without AVX-512, so the loops' 16-lane structure (block sizes, tails, the 32-element bf16
//! words, the two-vectors-per-iteration optimizer pass) is tested on every machine, not only
//! where AVX-512 exists. What it cannot test is the mapping of each method to its intrinsic,
//! which is one line per method in `x86.rs`. Slow; never chosen by detection, only by
//! `FERROKERN_SIMD=emu16`.

use crate::exp::ROUND_MAGIC;
use crate::lanes::Lanes;
use crate::Level;

/// The emulated 16-lane vector.
pub(crate) struct Emu16;

type V = [f32; 16];

/// Lanewise `f(a_k, b_k)`.
#[inline(always)]
fn zip(a: V, b: V, f: impl Fn(f32, f32) -> f32) -> V {
    core::array::from_fn(|k| f(a[k], b[k]))
}

/// x86 `minps`: the second operand unless `a < b` (so a NaN in either gives `b`).
#[inline(always)]
fn min_x86(a: f32, b: f32) -> f32 {
    if a < b {
        a
    } else {
        b
    }
}

/// x86 `maxps`: the second operand unless `a > b`.
#[inline(always)]
fn max_x86(a: f32, b: f32) -> f32 {
    if a > b {
        a
    } else {
        b
    }
}

/// `2^k` for the biased exponent field `k + 127` placed by a 23-bit shift (wrapping, as the
/// integer lanes of `exp_scales` do).
#[inline(always)]
fn shifted(bits: i32) -> f32 {
    f32::from_bits((bits as u32).wrapping_shl(23))
}

// SAFETY (every method): callers uphold the `Lanes` contract — each pointer has `N` (or `2N`
// for the split loads) valid elements of the accessed type. No CPU feature is needed.
impl Lanes for Emu16 {
    const N: usize = 16;
    type V = V;
    #[inline(always)]
    unsafe fn splat(x: f32) -> V {
        [x; 16]
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> V {
        // SAFETY: `Lanes` contract: 16 valid elements at `p`.
        core::array::from_fn(|k| unsafe { p.add(k).read_unaligned() })
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: V) {
        for (k, x) in v.into_iter().enumerate() {
            // SAFETY: `Lanes` contract: 16 valid elements at `p`.
            unsafe { p.add(k).write_unaligned(x) }
        }
    }
    #[inline(always)]
    unsafe fn add(a: V, b: V) -> V {
        zip(a, b, |x, y| x + y)
    }
    #[inline(always)]
    unsafe fn sub(a: V, b: V) -> V {
        zip(a, b, |x, y| x - y)
    }
    #[inline(always)]
    unsafe fn mul(a: V, b: V) -> V {
        zip(a, b, |x, y| x * y)
    }
    unsafe fn abs(x: V) -> V {
        x.map(|v| f32::from_bits(v.to_bits() & 0x7fff_ffff))
    }
    unsafe fn div(a: V, b: V) -> V {
        zip(a, b, |x, y| x / y)
    }
    #[inline(always)]
    unsafe fn fmadd(a: V, b: V, c: V) -> V {
        core::array::from_fn(|k| libm::fmaf(a[k], b[k], c[k]))
    }
    #[inline(always)]
    unsafe fn min(a: V, b: V) -> V {
        zip(a, b, min_x86)
    }
    #[inline(always)]
    unsafe fn max_nan(a: V, b: V) -> V {
        zip(a, b, |x, y| if x.is_nan() || y.is_nan() { x + y } else { max_x86(x, y) })
    }
    #[inline(always)]
    unsafe fn sqrt(x: V) -> V {
        x.map(libm::sqrtf)
    }
    #[inline(always)]
    unsafe fn clamp(x: V, lo: V, hi: V) -> V {
        zip(lo, zip(hi, x, min_x86), max_x86)
    }
    #[inline(always)]
    unsafe fn hsum(v: V) -> f32 {
        // AVX-512's tree: halves of 8, of 4, then SSE's (v0 + v2) + (v1 + v3).
        let h: [f32; 8] = core::array::from_fn(|k| v[k] + v[k + 8]);
        let q: [f32; 4] = core::array::from_fn(|k| h[k] + h[k + 4]);
        (q[0] + q[2]) + (q[1] + q[3])
    }
    #[inline(always)]
    unsafe fn exp_scales(t: V) -> (V, V) {
        let n = t.map(|x| (x.to_bits() as i32).wrapping_sub(ROUND_MAGIC.to_bits() as i32));
        let n1 = n.map(|n| n >> 1);
        let n2: [i32; 16] = core::array::from_fn(|k| n[k].wrapping_sub(n1[k]));
        (n1.map(|n| shifted(n.wrapping_add(127))), n2.map(|n| shifted(n.wrapping_add(127))))
    }
    #[inline(always)]
    unsafe fn pow2n(t: V) -> V {
        t.map(|x| shifted(x.to_bits() as i32))
    }
    #[inline(always)]
    unsafe fn load_f16(p: *const u16) -> V {
        // SAFETY: `Lanes` contract: 16 valid elements at `p`.
        core::array::from_fn(|k| half::f16::from_bits(unsafe { p.add(k).read_unaligned() }).to_f32())
    }
    #[inline(always)]
    unsafe fn store_f16(p: *mut u16, v: V) {
        for (k, x) in v.into_iter().enumerate() {
            // SAFETY: `Lanes` contract: 16 valid elements at `p`.
            unsafe { p.add(k).write_unaligned(half::f16::from_f32(x).to_bits()) }
        }
    }
    #[inline(always)]
    unsafe fn load_bf16(p: *const u16) -> V {
        // SAFETY: `Lanes` contract: 16 valid elements at `p`.
        unsafe { load_bf16_every::<1>(p) }
    }
    #[inline(always)]
    unsafe fn load_deinterleaved(p: *const f32) -> (V, V) {
        // SAFETY: `Lanes` contract: 32 valid elements at `p`.
        unsafe {
            (
                core::array::from_fn(|k| p.add(2 * k).read_unaligned()),
                core::array::from_fn(|k| p.add(2 * k + 1).read_unaligned()),
            )
        }
    }
    #[inline(always)]
    unsafe fn load_bf16_split(p: *const u16) -> (V, V) {
        // SAFETY: `Lanes` contract: 32 valid elements at `p`.
        unsafe { (load_bf16_every::<2>(p), load_bf16_every::<2>(p.add(1))) }
    }
}

/// 16 bf16 values at `p`, `p + S`, `p + 2S`, … widened by a 16-bit shift (the AVX-512 form).
///
/// # Safety
/// `15·S + 1` valid elements at `p`.
#[inline(always)]
unsafe fn load_bf16_every<const S: usize>(p: *const u16) -> V {
    // SAFETY: from the caller.
    core::array::from_fn(|k| f32::from_bits(u32::from(unsafe { p.add(S * k).read_unaligned() }) << 16))
}

simd_table!(EMU16_TABLE, super::Emu16, "sse2", Level::Emu16);
