//! x86_64 [`Lanes`]: SSE2 (4 lanes, no FMA), AVX2+FMA+F16C (8 lanes), AVX-512F (16 lanes).
//!
//! All intrinsics are unaligned loads/stores; `Lanes` callers guarantee `N` valid elements
//! behind every pointer and that the CPU has the features (see `lanes.rs`).

use crate::exp::ROUND_MAGIC;
use crate::lanes::Lanes;
use crate::Level;
use core::arch::x86_64::*;

/// `2^112`: rescales a binary16 exponent (bias 15) placed in the f32 field (bias 127).
const F16_REBIAS: f32 = 5.192_297e33;

/// SSE2, the x86_64 baseline.
pub(crate) struct Sse2;

// SAFETY (every method of the three impls, repeated at each block): callers uphold the `Lanes` contract — the CPU
// supports the ISA and each pointer has `N` valid elements of the accessed type.
impl Lanes for Sse2 {
    const N: usize = 4;
    type V = __m128;
    #[inline(always)]
    unsafe fn splat(x: f32) -> __m128 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m128 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m128) {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm_storeu_ps(p, v) }
    }
    #[inline(always)]
    unsafe fn add(a: __m128, b: __m128) -> __m128 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm_add_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn sub(a: __m128, b: __m128) -> __m128 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm_sub_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn mul(a: __m128, b: __m128) -> __m128 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm_mul_ps(a, b) }
    }
    unsafe fn abs(x: __m128) -> __m128 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm_andnot_ps(_mm_set1_ps(-0.0), x) }
    }
    unsafe fn div(a: __m128, b: __m128) -> __m128 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm_div_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn fmadd(a: __m128, b: __m128, c: __m128) -> __m128 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm_add_ps(_mm_mul_ps(a, b), c) }
    }
    #[inline(always)]
    unsafe fn min(a: __m128, b: __m128) -> __m128 {
        // SAFETY: `Lanes` contract: the CPU has the ISA.
        unsafe { _mm_min_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn max_nan(a: __m128, b: __m128) -> __m128 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe {
            let unord = _mm_cmpunord_ps(a, b);
            _mm_or_ps(_mm_andnot_ps(unord, _mm_max_ps(a, b)), _mm_and_ps(unord, _mm_add_ps(a, b)))
        }
    }
    #[inline(always)]
    unsafe fn sqrt(x: __m128) -> __m128 {
        // SAFETY: `Lanes` contract: the CPU has the ISA.
        unsafe { _mm_sqrt_ps(x) }
    }
    #[inline(always)]
    unsafe fn clamp(x: __m128, lo: __m128, hi: __m128) -> __m128 {
        // minps/maxps return the second operand when either is NaN.
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm_max_ps(lo, _mm_min_ps(hi, x)) }
    }
    #[inline(always)]
    unsafe fn hsum(v: __m128) -> f32 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe {
            let s = _mm_add_ps(v, _mm_movehl_ps(v, v));
            _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps::<0b01>(s, s)))
        }
    }
    #[inline(always)]
    unsafe fn exp_scales(t: __m128) -> (__m128, __m128) {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe {
            let n = _mm_sub_epi32(_mm_castps_si128(t), _mm_set1_epi32(ROUND_MAGIC.to_bits() as i32));
            let n1 = _mm_srai_epi32::<1>(n);
            let n2 = _mm_sub_epi32(n, n1);
            let bias = _mm_set1_epi32(127);
            (
                _mm_castsi128_ps(_mm_slli_epi32::<23>(_mm_add_epi32(n1, bias))),
                _mm_castsi128_ps(_mm_slli_epi32::<23>(_mm_add_epi32(n2, bias))),
            )
        }
    }
    #[inline(always)]
    unsafe fn pow2n(t: __m128) -> __m128 {
        // SAFETY: `Lanes` contract: the CPU has the ISA.
        unsafe { _mm_castsi128_ps(_mm_slli_epi32::<23>(_mm_castps_si128(t))) }
    }
    #[inline(always)]
    unsafe fn load_f16(p: *const u16) -> __m128 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe {
            let h = _mm_unpacklo_epi16(_mm_loadl_epi64(p.cast()), _mm_setzero_si128());
            let em = _mm_and_si128(h, _mm_set1_epi32(0x7fff));
            // exponent+mantissa into the f32 fields, rebias by a multiply (exact; handles
            // binary16 subnormals), then force the all-ones exponent for inf/NaN.
            let f = _mm_mul_ps(_mm_castsi128_ps(_mm_slli_epi32::<13>(em)), _mm_set1_ps(F16_REBIAS));
            let infnan =
                _mm_and_si128(_mm_cmpgt_epi32(em, _mm_set1_epi32(0x7bff)), _mm_set1_epi32(0x7f80_0000));
            let sign = _mm_slli_epi32::<16>(_mm_and_si128(h, _mm_set1_epi32(0x8000)));
            _mm_or_ps(f, _mm_castsi128_ps(_mm_or_si128(infnan, sign)))
        }
    }
    #[inline(always)]
    unsafe fn store_f16(p: *mut u16, v: __m128) {
        let mut buf = [0.0f32; 4];
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe {
            _mm_storeu_ps(buf.as_mut_ptr(), v);
            for (k, &x) in buf.iter().enumerate() {
                p.add(k).write_unaligned(half::f16::from_f32(x).to_bits());
            }
        }
    }
    #[inline(always)]
    unsafe fn load_bf16(p: *const u16) -> __m128 {
        // interleaving zeros below each 16-bit value is the 16-bit left shift.
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm_castsi128_ps(_mm_unpacklo_epi16(_mm_setzero_si128(), _mm_loadl_epi64(p.cast()))) }
    }
    #[inline(always)]
    unsafe fn load_deinterleaved(p: *const f32) -> (__m128, __m128) {
        // SAFETY: `Lanes` contract: the CPU has the ISA and `p` has 2N valid elements.
        unsafe {
            let (a, b) = (_mm_loadu_ps(p), _mm_loadu_ps(p.add(4)));
            (_mm_shuffle_ps::<0x88>(a, b), _mm_shuffle_ps::<0xDD>(a, b))
        }
    }
    #[inline(always)]
    unsafe fn load_bf16_split(p: *const u16) -> (__m128, __m128) {
        // SAFETY: `Lanes` contract: the CPU has the ISA and `p` has 2N valid elements.
        unsafe {
            let w = _mm_loadu_si128(p.cast());
            (
                _mm_castsi128_ps(_mm_slli_epi32::<16>(w)),
                _mm_castsi128_ps(_mm_and_si128(w, _mm_set1_epi32(0xffff_0000_u32 as i32))),
            )
        }
    }
}

/// AVX2 with FMA and F16C.
pub(crate) struct Avx2;

impl Lanes for Avx2 {
    const N: usize = 8;
    type V = __m256;
    #[inline(always)]
    unsafe fn splat(x: f32) -> __m256 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm256_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m256 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm256_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m256) {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm256_storeu_ps(p, v) }
    }
    #[inline(always)]
    unsafe fn add(a: __m256, b: __m256) -> __m256 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm256_add_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn sub(a: __m256, b: __m256) -> __m256 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm256_sub_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn mul(a: __m256, b: __m256) -> __m256 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm256_mul_ps(a, b) }
    }
    unsafe fn abs(x: __m256) -> __m256 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm256_andnot_ps(_mm256_set1_ps(-0.0), x) }
    }
    unsafe fn div(a: __m256, b: __m256) -> __m256 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm256_div_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn fmadd(a: __m256, b: __m256, c: __m256) -> __m256 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm256_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    unsafe fn min(a: __m256, b: __m256) -> __m256 {
        // SAFETY: `Lanes` contract: the CPU has the ISA.
        unsafe { _mm256_min_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn max_nan(a: __m256, b: __m256) -> __m256 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe {
            _mm256_blendv_ps(_mm256_max_ps(a, b), _mm256_add_ps(a, b), _mm256_cmp_ps::<_CMP_UNORD_Q>(a, b))
        }
    }
    #[inline(always)]
    unsafe fn sqrt(x: __m256) -> __m256 {
        // SAFETY: `Lanes` contract: the CPU has the ISA.
        unsafe { _mm256_sqrt_ps(x) }
    }
    #[inline(always)]
    unsafe fn clamp(x: __m256, lo: __m256, hi: __m256) -> __m256 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm256_max_ps(lo, _mm256_min_ps(hi, x)) }
    }
    #[inline(always)]
    unsafe fn hsum(v: __m256) -> f32 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { Sse2::hsum(_mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v))) }
    }
    #[inline(always)]
    unsafe fn exp_scales(t: __m256) -> (__m256, __m256) {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe {
            let n = _mm256_sub_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(ROUND_MAGIC.to_bits() as i32));
            let n1 = _mm256_srai_epi32::<1>(n);
            let n2 = _mm256_sub_epi32(n, n1);
            let bias = _mm256_set1_epi32(127);
            (
                _mm256_castsi256_ps(_mm256_slli_epi32::<23>(_mm256_add_epi32(n1, bias))),
                _mm256_castsi256_ps(_mm256_slli_epi32::<23>(_mm256_add_epi32(n2, bias))),
            )
        }
    }
    #[inline(always)]
    unsafe fn pow2n(t: __m256) -> __m256 {
        // SAFETY: `Lanes` contract: the CPU has the ISA.
        unsafe { _mm256_castsi256_ps(_mm256_slli_epi32::<23>(_mm256_castps_si256(t))) }
    }
    #[inline(always)]
    unsafe fn load_f16(p: *const u16) -> __m256 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm256_cvtph_ps(_mm_loadu_si128(p.cast())) }
    }
    #[inline(always)]
    unsafe fn store_f16(p: *mut u16, v: __m256) {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm_storeu_si128(p.cast(), _mm256_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(v)) }
    }
    #[inline(always)]
    unsafe fn load_bf16(p: *const u16) -> __m256 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe {
            _mm256_castsi256_ps(_mm256_slli_epi32::<16>(_mm256_cvtepu16_epi32(_mm_loadu_si128(p.cast()))))
        }
    }
    #[inline(always)]
    unsafe fn store_bf16(p: *mut u16, v: __m256) {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe {
            let b = _mm256_castps_si256(v);
            let lsb = _mm256_and_si256(_mm256_srli_epi32::<16>(b), _mm256_set1_epi32(1));
            let rounded = _mm256_srli_epi32::<16>(_mm256_add_epi32(
                _mm256_add_epi32(b, _mm256_set1_epi32(0x7fff)),
                lsb,
            ));
            let nan = _mm256_castps_si256(_mm256_cmp_ps::<_CMP_UNORD_Q>(v, v));
            let quiet = _mm256_or_si256(_mm256_srli_epi32::<16>(b), _mm256_set1_epi32(0x40));
            let r = _mm256_blendv_epi8(rounded, quiet, nan);
            // Every lane is < 2^16, so the saturating pack is exact; it packs within each
            // 128-bit half, and the permute puts the two halves' four values side by side.
            let packed = _mm256_permute4x64_epi64::<0b1000>(_mm256_packus_epi32(r, r));
            _mm_storeu_si128(p.cast(), _mm256_castsi256_si128(packed));
        }
    }
    #[inline(always)]
    unsafe fn load_deinterleaved(p: *const f32) -> (__m256, __m256) {
        // Loaded as [p0..p3, p8..p11] and [p4..p7, p12..p15], so the in-lane shuffles give
        // the parities in order without a cross-lane permute.
        // SAFETY: `Lanes` contract: the CPU has the ISA and `p` has 2N valid elements.
        unsafe {
            let a =
                _mm256_insertf128_ps::<1>(_mm256_castps128_ps256(_mm_loadu_ps(p)), _mm_loadu_ps(p.add(8)));
            let b = _mm256_insertf128_ps::<1>(
                _mm256_castps128_ps256(_mm_loadu_ps(p.add(4))),
                _mm_loadu_ps(p.add(12)),
            );
            (_mm256_shuffle_ps::<0x88>(a, b), _mm256_shuffle_ps::<0xDD>(a, b))
        }
    }
    #[inline(always)]
    unsafe fn load_bf16_split(p: *const u16) -> (__m256, __m256) {
        // SAFETY: `Lanes` contract: the CPU has the ISA and `p` has 2N valid elements.
        unsafe {
            let w = _mm256_loadu_si256(p.cast());
            (
                _mm256_castsi256_ps(_mm256_slli_epi32::<16>(w)),
                _mm256_castsi256_ps(_mm256_and_si256(w, _mm256_set1_epi32(0xffff_0000_u32 as i32))),
            )
        }
    }
}

/// AVX-512F (with AVX2, FMA and F16C, which every AVX-512F CPU has).
pub(crate) struct Avx512;

impl Lanes for Avx512 {
    const N: usize = 16;
    type V = __m512;
    #[inline(always)]
    unsafe fn splat(x: f32) -> __m512 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm512_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m512 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm512_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m512) {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm512_storeu_ps(p, v) }
    }
    #[inline(always)]
    unsafe fn add(a: __m512, b: __m512) -> __m512 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm512_add_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn sub(a: __m512, b: __m512) -> __m512 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm512_sub_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn mul(a: __m512, b: __m512) -> __m512 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm512_mul_ps(a, b) }
    }
    unsafe fn abs(x: __m512) -> __m512 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm512_abs_ps(x) }
    }
    unsafe fn div(a: __m512, b: __m512) -> __m512 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm512_div_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn fmadd(a: __m512, b: __m512, c: __m512) -> __m512 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm512_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    unsafe fn min(a: __m512, b: __m512) -> __m512 {
        // SAFETY: `Lanes` contract: the CPU has the ISA.
        unsafe { _mm512_min_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn max_nan(a: __m512, b: __m512) -> __m512 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe {
            let unord = _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(a, b);
            _mm512_mask_blend_ps(unord, _mm512_max_ps(a, b), _mm512_add_ps(a, b))
        }
    }
    #[inline(always)]
    unsafe fn sqrt(x: __m512) -> __m512 {
        // SAFETY: `Lanes` contract: the CPU has the ISA.
        unsafe { _mm512_sqrt_ps(x) }
    }
    #[inline(always)]
    unsafe fn clamp(x: __m512, lo: __m512, hi: __m512) -> __m512 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm512_max_ps(lo, _mm512_min_ps(hi, x)) }
    }
    #[inline(always)]
    unsafe fn hsum(v: __m512) -> f32 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe {
            let lo = _mm512_castps512_ps256(v);
            let hi = _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(v)));
            Avx2::hsum(_mm256_add_ps(lo, hi))
        }
    }
    #[inline(always)]
    unsafe fn exp_scales(t: __m512) -> (__m512, __m512) {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe {
            let n = _mm512_sub_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(ROUND_MAGIC.to_bits() as i32));
            let n1 = _mm512_srai_epi32::<1>(n);
            let n2 = _mm512_sub_epi32(n, n1);
            let bias = _mm512_set1_epi32(127);
            (
                _mm512_castsi512_ps(_mm512_slli_epi32::<23>(_mm512_add_epi32(n1, bias))),
                _mm512_castsi512_ps(_mm512_slli_epi32::<23>(_mm512_add_epi32(n2, bias))),
            )
        }
    }
    #[inline(always)]
    unsafe fn pow2n(t: __m512) -> __m512 {
        // SAFETY: `Lanes` contract: the CPU has the ISA.
        unsafe { _mm512_castsi512_ps(_mm512_slli_epi32::<23>(_mm512_castps_si512(t))) }
    }
    #[inline(always)]
    unsafe fn load_f16(p: *const u16) -> __m512 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe { _mm512_cvtph_ps(_mm256_loadu_si256(p.cast())) }
    }
    #[inline(always)]
    unsafe fn store_f16(p: *mut u16, v: __m512) {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe {
            _mm256_storeu_si256(
                p.cast(),
                _mm512_cvtps_ph::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(v),
            )
        }
    }
    #[inline(always)]
    unsafe fn load_bf16(p: *const u16) -> __m512 {
        // SAFETY: `Lanes` contract: the CPU has the ISA and each pointer has N valid elements.
        unsafe {
            _mm512_castsi512_ps(_mm512_slli_epi32::<16>(_mm512_cvtepu16_epi32(_mm256_loadu_si256(p.cast()))))
        }
    }
    #[inline(always)]
    unsafe fn load_deinterleaved(p: *const f32) -> (__m512, __m512) {
        // SAFETY: `Lanes` contract: the CPU has the ISA and `p` has 2N valid elements.
        unsafe {
            let (a, b) = (_mm512_loadu_ps(p), _mm512_loadu_ps(p.add(16)));
            let even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            let odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
            (_mm512_permutex2var_ps(a, even, b), _mm512_permutex2var_ps(a, odd, b))
        }
    }
    #[inline(always)]
    unsafe fn load_bf16_split(p: *const u16) -> (__m512, __m512) {
        // SAFETY: `Lanes` contract: the CPU has the ISA and `p` has 2N valid elements.
        unsafe {
            let w = _mm512_loadu_si512(p.cast());
            (
                _mm512_castsi512_ps(_mm512_slli_epi32::<16>(w)),
                _mm512_castsi512_ps(_mm512_and_si512(w, _mm512_set1_epi32(0xffff_0000_u32 as i32))),
            )
        }
    }
}

simd_table!(SSE2_TABLE, super::Sse2, "sse2", Level::Sse2);

/// The AVX2 table (its own module so the generated names do not clash).
pub(crate) mod avx2 {
    use crate::Level;
    simd_table!(AVX2_TABLE, super::super::Avx2, "avx2,fma,f16c", Level::Avx2);
}

/// The AVX-512 table.
pub(crate) mod avx512 {
    use crate::Level;
    simd_table!(AVX512_TABLE, super::super::Avx512, "avx512f,avx2,fma,f16c", Level::Avx512);
}

/// f64 `Σ a_i b_i` with AVX2+FMA: two 4-lane accumulators over chunks of 8, then the tail in
/// scalar. Same contract as `scalar::dot` (the shorter length counts); a different summation
/// order, so results differ from the scalar path in the last bits.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn dot_f64_avx2(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let (ac, bc) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ar, br) = (ac.remainder(), bc.remainder());
    let mut lanes = [0.0f64; 4];
    // SAFETY: AVX2+FMA present (caller); every chunk holds 8 elements, read as two loads of 4.
    unsafe {
        let (mut s0, mut s1) = (_mm256_setzero_pd(), _mm256_setzero_pd());
        for (x, y) in ac.zip(bc) {
            let (px, py) = (x.as_ptr(), y.as_ptr());
            s0 = _mm256_fmadd_pd(_mm256_loadu_pd(px), _mm256_loadu_pd(py), s0);
            s1 = _mm256_fmadd_pd(_mm256_loadu_pd(px.add(4)), _mm256_loadu_pd(py.add(4)), s1);
        }
        _mm256_storeu_pd(lanes.as_mut_ptr(), _mm256_add_pd(s0, s1));
    }
    let tail = ar.iter().zip(br).fold(0.0, |t, (&x, &y)| t + x * y);
    ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + tail
}

/// f64 `y += alpha·x` with AVX2+FMA (4 lanes, chunks of 8, scalar tail). Each element is one
/// fused multiply-add, so results can differ from the scalar path in the last bit.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn axpy_f64_avx2(alpha: f64, x: &[f64], y: &mut [f64]) {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &mut y[..n]);
    let mut xc = x.chunks_exact(8);
    let mut yc = y.chunks_exact_mut(8);
    // SAFETY: AVX2+FMA present (caller); every chunk holds 8 elements, accessed as two halves of 4.
    unsafe {
        let va = _mm256_set1_pd(alpha);
        for (xs, ys) in (&mut xc).zip(&mut yc) {
            let (px, py) = (xs.as_ptr(), ys.as_mut_ptr());
            _mm256_storeu_pd(py, _mm256_fmadd_pd(va, _mm256_loadu_pd(px), _mm256_loadu_pd(py)));
            _mm256_storeu_pd(
                py.add(4),
                _mm256_fmadd_pd(va, _mm256_loadu_pd(px.add(4)), _mm256_loadu_pd(py.add(4))),
            );
        }
    }
    for (yi, &xi) in yc.into_remainder().iter_mut().zip(xc.remainder()) {
        *yi += alpha * xi;
    }
}
