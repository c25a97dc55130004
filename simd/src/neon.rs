//! aarch64 NEON [`Lanes`] (4 lanes, FMA). NEON is part of the aarch64 baseline.
//!
//! Under miri the horizontal sum, max and min use lanewise scalar fallbacks (miri lacks
//! `vaddvq_f32`, `vmaxq_f32`, `vminq_f32`), with the same NaN behaviour.

use crate::exp::ROUND_MAGIC;
use crate::lanes::Lanes;
use crate::Level;
use core::arch::aarch64::*;

/// NEON (Advanced SIMD).
pub(crate) struct Neon;

// SAFETY (every method, repeated at each block): callers uphold the `Lanes` contract — the CPU supports NEON and each
// pointer has `N` valid elements of the accessed type.
impl Lanes for Neon {
    const N: usize = 4;
    type V = float32x4_t;
    #[inline(always)]
    unsafe fn splat(x: f32) -> float32x4_t {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { vdupq_n_f32(x) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> float32x4_t {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { vld1q_f32(p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: float32x4_t) {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { vst1q_f32(p, v) }
    }
    #[inline(always)]
    unsafe fn add(a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { vaddq_f32(a, b) }
    }
    #[inline(always)]
    unsafe fn sub(a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { vsubq_f32(a, b) }
    }
    #[inline(always)]
    unsafe fn mul(a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { vmulq_f32(a, b) }
    }
    unsafe fn abs(x: float32x4_t) -> float32x4_t {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { vabsq_f32(x) }
    }
    unsafe fn div(a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { vdivq_f32(a, b) }
    }
    #[inline(always)]
    unsafe fn fmadd(a: float32x4_t, b: float32x4_t, c: float32x4_t) -> float32x4_t {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { vfmaq_f32(c, a, b) }
    }
    #[inline(always)]
    unsafe fn min(a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: `Lanes` contract: the CPU has the ISA.
        unsafe { vminq_f32(a, b) }
    }
    #[inline(always)]
    unsafe fn max_nan(a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // FMAX propagates NaN.
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { fmax(a, b) }
    }
    #[inline(always)]
    unsafe fn sqrt(x: float32x4_t) -> float32x4_t {
        // SAFETY: `Lanes` contract: the CPU has the ISA.
        unsafe { vsqrtq_f32(x) }
    }
    #[inline(always)]
    unsafe fn clamp(x: float32x4_t, lo: float32x4_t, hi: float32x4_t) -> float32x4_t {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { fmax(lo, fmin(hi, x)) }
    }
    #[inline(always)]
    unsafe fn hsum(v: float32x4_t) -> f32 {
        #[cfg(not(miri))]
        {
            // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
            unsafe { vaddvq_f32(v) }
        }
        #[cfg(miri)]
        {
            let mut b = [0.0f32; 4];
            unsafe { vst1q_f32(b.as_mut_ptr(), v) };
            (b[0] + b[1]) + (b[2] + b[3])
        }
    }
    #[inline(always)]
    unsafe fn exp_scales(t: float32x4_t) -> (float32x4_t, float32x4_t) {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe {
            let n = vsubq_s32(vreinterpretq_s32_f32(t), vdupq_n_s32(ROUND_MAGIC.to_bits() as i32));
            let n1 = vshrq_n_s32::<1>(n);
            let n2 = vsubq_s32(n, n1);
            let bias = vdupq_n_s32(127);
            (
                vreinterpretq_f32_s32(vshlq_n_s32::<23>(vaddq_s32(n1, bias))),
                vreinterpretq_f32_s32(vshlq_n_s32::<23>(vaddq_s32(n2, bias))),
            )
        }
    }
    #[inline(always)]
    unsafe fn pow2n(t: float32x4_t) -> float32x4_t {
        // SAFETY: `Lanes` contract: the CPU has the ISA.
        unsafe { vreinterpretq_f32_s32(vshlq_n_s32::<23>(vreinterpretq_s32_f32(t))) }
    }
    #[inline(always)]
    unsafe fn load_f16(p: *const u16) -> float32x4_t {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe {
            let h = vmovl_u16(vld1_u16(p));
            let em = vandq_u32(h, vdupq_n_u32(0x7fff));
            // exponent+mantissa into the f32 fields, rebias by 2^112 (exact, handles
            // subnormals), then force the all-ones exponent for inf/NaN.
            let f = vmulq_f32(vreinterpretq_f32_u32(vshlq_n_u32::<13>(em)), vdupq_n_f32(5.192_297e33));
            let infnan = vandq_u32(vcgtq_u32(em, vdupq_n_u32(0x7bff)), vdupq_n_u32(0x7f80_0000));
            let sign = vshlq_n_u32::<16>(vandq_u32(h, vdupq_n_u32(0x8000)));
            vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(f), vorrq_u32(infnan, sign)))
        }
    }
    #[inline(always)]
    unsafe fn store_f16(p: *mut u16, v: float32x4_t) {
        let mut buf = [0.0f32; 4];
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe {
            vst1q_f32(buf.as_mut_ptr(), v);
            for (k, &x) in buf.iter().enumerate() {
                p.add(k).write_unaligned(half::f16::from_f32(x).to_bits());
            }
        }
    }
    #[inline(always)]
    unsafe fn load_bf16(p: *const u16) -> float32x4_t {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { vreinterpretq_f32_u32(vshlq_n_u32::<16>(vmovl_u16(vld1_u16(p)))) }
    }
    #[inline(always)]
    unsafe fn load_deinterleaved(p: *const f32) -> (float32x4_t, float32x4_t) {
        // SAFETY: `Lanes` contract: the CPU has the ISA and `p` has 2N valid elements.
        unsafe {
            let (a, b) = (vld1q_f32(p), vld1q_f32(p.add(4)));
            (vuzp1q_f32(a, b), vuzp2q_f32(a, b))
        }
    }
    #[inline(always)]
    unsafe fn load_bf16_split(p: *const u16) -> (float32x4_t, float32x4_t) {
        // SAFETY: `Lanes` contract: the CPU has the ISA and `p` has 2N valid elements.
        unsafe {
            let w = vreinterpretq_u32_u16(vld1q_u16(p));
            (
                vreinterpretq_f32_u32(vshlq_n_u32::<16>(w)),
                vreinterpretq_f32_u32(vandq_u32(w, vdupq_n_u32(0xffff_0000))),
            )
        }
    }
}

/// NEON FMAX (NaN-propagating).
#[cfg(not(miri))]
#[inline(always)]
unsafe fn fmax(a: float32x4_t, b: float32x4_t) -> float32x4_t {
    // SAFETY: NEON is present (caller).
    unsafe { vmaxq_f32(a, b) }
}

/// NEON FMIN (NaN-propagating).
#[cfg(not(miri))]
#[inline(always)]
unsafe fn fmin(a: float32x4_t, b: float32x4_t) -> float32x4_t {
    // SAFETY: NEON is present (caller).
    unsafe { vminq_f32(a, b) }
}

/// Lanewise `f` through memory (miri fallback).
#[cfg(miri)]
unsafe fn lanewise(a: float32x4_t, b: float32x4_t, f: fn(f32, f32) -> f32) -> float32x4_t {
    let (mut x, mut y) = ([0.0f32; 4], [0.0f32; 4]);
    // SAFETY: both buffers hold 4 floats; NEON is present (caller).
    unsafe {
        vst1q_f32(x.as_mut_ptr(), a);
        vst1q_f32(y.as_mut_ptr(), b);
        for (xi, &yi) in x.iter_mut().zip(&y) {
            *xi = f(*xi, yi);
        }
        vld1q_f32(x.as_ptr())
    }
}

/// Miri fallback of FMAX: NaN if either is NaN.
#[cfg(miri)]
unsafe fn fmax(a: float32x4_t, b: float32x4_t) -> float32x4_t {
    // SAFETY: forwarded.
    unsafe {
        lanewise(a, b, |x, y| {
            if x.is_nan() || y.is_nan() {
                f32::NAN
            } else if y > x {
                y
            } else {
                x
            }
        })
    }
}

/// Miri fallback of FMIN: NaN if either is NaN.
#[cfg(miri)]
unsafe fn fmin(a: float32x4_t, b: float32x4_t) -> float32x4_t {
    // SAFETY: forwarded.
    unsafe {
        lanewise(a, b, |x, y| {
            if x.is_nan() || y.is_nan() {
                f32::NAN
            } else if y < x {
                y
            } else {
                x
            }
        })
    }
}

simd_table!(NEON_TABLE, super::Neon, "neon", Level::Neon);
