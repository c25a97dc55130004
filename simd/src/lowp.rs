//! 16-bit storage (IEEE binary16 `f16`, `bf16`) with f32 arithmetic: dot, gemv and bulk
//! conversions. Scalar forms use the `half` crate's conversions (f16 → f32 through
//! [`widen_f16`]: one `VCVTB` on hard-float Cortex-M); the vector forms widen in
//! registers (F16C / AVX-512F `vcvtph2ps` on x86, integer bit tricks on SSE2 and NEON;
//! bf16 → f32 is a 16-bit shift everywhere).

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
use crate::lanes::{self, Lanes};
use crate::scalar;
use crate::{bf16, f16, Kernels};
use half::slice::HalfFloatSliceExt;

/// `Σ a[i]·b[i]` with `a` in binary16, accumulated in f32 over `min(a.len(), b.len())`
/// elements.
///
/// Tolerance between paths (all convert exactly; only the summation order and FMA differ):
/// `|simd − scalar| ≤ 2·n·2⁻²⁴·Σ|a_i b_i|`.
///
/// ```
/// use ferrokern_simd::f16;
/// let a = [f16::from_f32(1.5), f16::from_f32(-2.0)];
/// assert_eq!(ferrokern_simd::dot_f16(&a, &[2.0, 1.0]), 1.0);
/// ```
#[inline]
#[must_use]
pub fn dot_f16(a: &[f16], b: &[f32]) -> f32 {
    (Kernels::active().dot_f16)(a, b)
}

/// `y = alpha·A·x + beta·y` with `A` (`m × n`, row stride `lda ≥ n`) stored as binary16;
/// `x.len() == n`, `y.len() == m`; `beta == 0` ignores the old `y`. Each row is a
/// [`dot_f16`] (same tolerance per row, plus the `alpha`/`beta` roundings).
///
/// Cost: `m·n` multiply-adds reading `2·m·n` bytes of matrix, no memory.
///
/// ```
/// use ferrokern_simd::f16;
/// let a: Vec<f16> = [1.0, 2.0, 3.0, 4.0].iter().map(|&v| f16::from_f32(v)).collect();
/// let mut y = [0.0f32; 2];
/// ferrokern_simd::gemv_f16(2, 2, 1.0, &a, 2, &[1.0, 1.0], 0.0, &mut y);
/// assert_eq!(y, [3.0, 7.0]);
/// ```
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn gemv_f16(m: usize, n: usize, alpha: f32, a: &[f16], lda: usize, x: &[f32], beta: f32, y: &mut [f32]) {
    (Kernels::active().gemv_f16)(m, n, alpha, a, lda, x, beta, y)
}

/// [`gemv_f16`] with `A` stored as bfloat16.
///
/// ```
/// use ferrokern_simd::bf16;
/// let a: Vec<bf16> = [1.0, 2.0, 3.0, 4.0].iter().map(|&v| bf16::from_f32(v)).collect();
/// let mut y = [0.0f32; 2];
/// ferrokern_simd::gemv_bf16(2, 2, 1.0, &a, 2, &[1.0, 1.0], 0.0, &mut y);
/// assert_eq!(y, [3.0, 7.0]);
/// ```
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn gemv_bf16(
    m: usize,
    n: usize,
    alpha: f32,
    a: &[bf16],
    lda: usize,
    x: &[f32],
    beta: f32,
    y: &mut [f32],
) {
    (Kernels::active().gemv_bf16)(m, n, alpha, a, lda, x, beta, y)
}

/// `y = alpha·Aᵀ·x + beta·y` with `A` (`m × n`, row stride `lda ≥ n`) stored as bfloat16;
/// `x.len() == m`, `y.len() == n`. Rows are widened in registers and added four at a time as
/// in [`gemv_t`](crate::gemv_t) (same per-element order, so the same tolerance between
/// paths). Cost: `m·n` multiply-adds reading `2·m·n` bytes of matrix, no memory.
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn gemv_t_bf16(
    m: usize,
    n: usize,
    alpha: f32,
    a: &[bf16],
    lda: usize,
    x: &[f32],
    beta: f32,
    y: &mut [f32],
) {
    (Kernels::active().gemv_t_bf16)(m, n, alpha, a, lda, x, beta, y)
}

/// One Sinkhorn sweep with `A` (`m × n`, row stride `lda ≥ n`) stored as bfloat16: `kv = A x`
/// ([`gemv_bf16`]), `u = r ⊘ kv`, `y = Aᵀu` ([`gemv_t_bf16`]) with each block of four rows
/// widened once for its four dot products and again, still in L1, for its share of `Aᵀu` (one
/// pass over `A` from memory instead of two). Bit-identical on every path to `gemv_bf16`
/// (`alpha = 1`, `beta = 0`), the division, and `gemv_t_bf16` (`alpha = 1`, `beta = 0`) of
/// the same path. `x`, `y`: length `n`; `r`, `kv`, `u`: length `m`.
///
/// Cost: `2·m·n` multiply-adds and `m` divisions, reading `2·m·n` bytes of matrix once; 32 KB
/// of stack on the SIMD paths (`x` and `y` split by index parity, for `n ≤ 4096`).
///
/// ```
/// use ferrokern_simd::bf16;
/// let a: Vec<bf16> = [1.0, 2.0, 3.0, 4.0].iter().map(|&v| bf16::from_f32(v)).collect();
/// let (mut kv, mut u, mut y) = ([0.0f32; 2], [0.0f32; 2], [0.0f32; 2]);
/// ferrokern_simd::sweep_bf16(2, 2, &a, 2, &[1.0, 1.0], &[3.0, 14.0], &mut kv, &mut u, &mut y);
/// assert_eq!((kv, u, y), ([3.0, 7.0], [1.0, 2.0], [7.0, 10.0]));
/// ```
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn sweep_bf16(
    m: usize,
    n: usize,
    a: &[bf16],
    lda: usize,
    x: &[f32],
    r: &[f32],
    kv: &mut [f32],
    u: &mut [f32],
    y: &mut [f32],
) {
    (Kernels::active().sweep_bf16)(m, n, a, lda, x, r, kv, u, y)
}

/// `dst[i] = src[i]` as binary16, round to nearest even (overflow → ±inf, NaN stays NaN);
/// bit-identical to `half::f16::from_f32` on every path except NaN payloads.
/// Over `min(src.len(), dst.len())` elements.
///
/// ```
/// use ferrokern_simd::f16;
/// let mut h = [f16::ZERO; 2];
/// ferrokern_simd::f32_to_f16(&[0.5, 70000.0], &mut h);
/// assert_eq!(h[0].to_f32(), 0.5);
/// assert!(h[1].is_infinite()); // beyond f16's range
/// ```
#[inline]
pub fn f32_to_f16(src: &[f32], dst: &mut [f16]) {
    (Kernels::active().f32_to_f16)(src, dst)
}

/// `dst[i] = src[i]` widened from binary16 (exact; NaN stays NaN).
///
/// ```
/// use ferrokern_simd::f16;
/// let mut out = [0.0f32; 1];
/// ferrokern_simd::f16_to_f32(&[f16::from_f32(-0.25)], &mut out);
/// assert_eq!(out, [-0.25]);
/// ```
#[inline]
pub fn f16_to_f32(src: &[f16], dst: &mut [f32]) {
    (Kernels::active().f16_to_f32)(src, dst)
}

/// `dst[i] = src[i]` as bfloat16, round to nearest even (NaN → quiet NaN); bit-identical to
/// `half::bf16::from_f32` on every path.
///
/// ```
/// use ferrokern_simd::bf16;
/// let mut b = [bf16::ZERO; 1];
/// ferrokern_simd::f32_to_bf16(&[1.0e30], &mut b);
/// assert!((b[0].to_f32() / 1.0e30 - 1.0).abs() < 1e-2); // f32 range, 8-bit significand
/// ```
#[inline]
pub fn f32_to_bf16(src: &[f32], dst: &mut [bf16]) {
    (Kernels::active().f32_to_bf16)(src, dst)
}

/// `dst[i] = src[i]` widened from bfloat16 (exact: a 16-bit shift; NaN stays NaN).
///
/// ```
/// use ferrokern_simd::bf16;
/// let mut out = [0.0f32; 1];
/// ferrokern_simd::bf16_to_f32(&[bf16::from_f32(3.0)], &mut out);
/// assert_eq!(out, [3.0]);
/// ```
#[inline]
pub fn bf16_to_f32(src: &[bf16], dst: &mut [f32]) {
    (Kernels::active().bf16_to_f32)(src, dst)
}

// ---- scalar path ----------------------------------------------------------------------

pub(crate) fn dot_f16_scalar(a: &[f16], b: &[f32]) -> f32 {
    scalar::dot_with(a, b, widen_f16)
}

/// Scalar `gemv` over a 16-bit matrix (f16 or bf16, widened element by element with the
/// storage's own conversion, [`crate::optim::Storage::load`]): one body for both types.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemv_half_scalar<H: crate::optim::Storage<f32>>(
    m: usize,
    n: usize,
    alpha: f32,
    a: &[H],
    lda: usize,
    x: &[f32],
    beta: f32,
    y: &mut [f32],
) {
    crate::compose::gemv_by(
        m,
        n,
        alpha,
        a,
        lda,
        beta,
        y,
        |r| scalar::dot4_with(r, x, H::load),
        |r| scalar::dot_with(r, x, H::load),
    );
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn gemv_t_bf16_scalar(
    m: usize,
    n: usize,
    alpha: f32,
    a: &[bf16],
    lda: usize,
    x: &[f32],
    beta: f32,
    y: &mut [f32],
) {
    crate::compose::gemv_t_by(
        m,
        n,
        alpha,
        a,
        lda,
        x,
        beta,
        y,
        |al, r, y| scalar::axpy_rows_with(al, r, y, bf16::to_f32),
        |al, r, y| scalar::axpy_rows_with([al], [r], y, bf16::to_f32),
    );
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn sweep_bf16_scalar(
    m: usize,
    n: usize,
    a: &[bf16],
    lda: usize,
    x: &[f32],
    r: &[f32],
    kv: &mut [f32],
    u: &mut [f32],
    y: &mut [f32],
) {
    scalar::sweep_with(m, n, a, lda, x, r, kv, u, y, bf16::to_f32)
}

pub(crate) fn f16_to_f32_scalar(src: &[f16], dst: &mut [f32]) {
    debug_assert_eq!(src.len(), dst.len());
    if cfg!(target_endian = "little") {
        // SAFETY: `f16` is a `repr(transparent)` `u16`, so `src` is `2·len` initialised bytes:
        // on a little-endian target exactly the little-endian halves `widen_f16_le` reads.
        let bytes = unsafe { core::slice::from_raw_parts(src.as_ptr().cast::<u8>(), 2 * src.len()) };
        widen_f16_le(bytes, dst);
    } else {
        for (d, &s) in dst.iter_mut().zip(src) {
            *d = widen_f16(s);
        }
    }
}

/// `dst[i]` = the `i`-th binary16 value stored little-endian in `src` (bytes `2i`, `2i + 1`),
/// widened exactly: f16 weights as a model file keeps them, e.g. in flash, without a copy.
/// Over `min(src.len() / 2, dst.len())` values; any alignment.
///
/// Scalar on every path, through [`widen_f16`]; on the hard-float Cortex-M targets the
/// word-aligned part runs `VLDM` + `VCVTB`/`VCVTT` + `VSTM`, 1.5 instructions per value
/// instead of 7 (`cargo xtask insncount`, kernel `student`).
///
/// ```
/// use ferrokern_simd::f16;
/// let bytes: Vec<u8> = [1.5f32, -0.25, 65504.0].iter().flat_map(|&v| f16::from_f32(v).to_le_bytes()).collect();
/// let mut out = [0.0f32; 3];
/// ferrokern_simd::widen_f16_le(&bytes, &mut out);
/// assert_eq!(out, [1.5, -0.25, 65504.0]);
/// ```
#[inline]
pub fn widen_f16_le(src: &[u8], dst: &mut [f32]) {
    let n = dst.len().min(src.len() / 2);
    let (src, dst) = (src.get(..2 * n).unwrap_or(&[]), dst.get_mut(..n).unwrap_or(&mut []));
    let one_by_one = |src: &[u8], dst: &mut [f32]| {
        for (d, &h) in dst.iter_mut().zip(src.as_chunks::<2>().0) {
            *d = widen_f16(f16::from_le_bytes(h));
        }
    };
    #[cfg(ferrokern_cortex_m_fpu)]
    {
        // SAFETY: every bit pattern is a valid `[u32; 4]`; `align_to` only reinterprets the
        // aligned middle of `src`.
        let (head, words, _) = unsafe { src.align_to::<[u32; 4]>() };
        if head.len() % 2 == 0 {
            // `src` is 2-aligned: the values before the first word boundary one by one, then
            // whole words (the values they hold are consecutive), then the rest.
            let (dst_head, rest) = dst.split_at_mut(head.len() / 2);
            one_by_one(head, dst_head);
            let (dst_words, _) = rest.as_chunks_mut::<8>();
            let done = words.len().min(dst_words.len());
            crate::vfp::widen_f16_chunks(words, dst_words);
            let (src, dst) = (src.get(head.len() + 16 * done..), rest.get_mut(8 * done..));
            one_by_one(src.unwrap_or(&[]), dst.unwrap_or(&mut []));
            return;
        }
    }
    one_by_one(src, dst);
}

/// One binary16 value widened to f32 (exact, so every implementation gives the same bits).
///
/// On the hard-float Cortex-M targets (`thumbv7em-none-eabihf`: M4F/M7,
/// `thumbv8m.main-none-eabihf`: M33, `thumbv8.1m.main-none-eabihf`: M55; chosen by `build.rs`)
/// one `VCVTB.F32.F16`, which every such FPU has (FPv4-SP and later); elsewhere the `half`
/// crate's conversion. On a Cortex-M4F that is about 3 instructions per value instead
/// of about 20 (`cargo xtask insncount`, kernel `student`).
///
/// ```
/// use ferrokern_simd::{f16, widen_f16};
/// assert_eq!(widen_f16(f16::from_f32(-1.5)), -1.5);
/// assert_eq!(widen_f16(f16::from_bits(0x0001)), 1.0 / 16_777_216.0); // smallest subnormal, 2⁻²⁴
/// ```
#[inline(always)]
#[must_use]
pub fn widen_f16(h: f16) -> f32 {
    #[cfg(ferrokern_cortex_m_fpu)]
    {
        let out: u32;
        // SAFETY: register moves and a conversion (IEEE half-precision, the FPSCR.AHP = 0 reset
        // state) through s0, declared clobbered; no memory access. The operands are core
        // registers: Rust accepts S registers as operands only with its `vfp2` target feature,
        // which the Cortex-M targets do not declare to it.
        unsafe {
            core::arch::asm!(
                "vmov s0, {i}",
                "vcvtb.f32.f16 s0, s0",
                "vmov {o}, s0",
                i = in(reg) u32::from(h.to_bits()),
                o = lateout(reg) out,
                out("s0") _,
                options(pure, nomem, nostack, preserves_flags),
            );
        }
        f32::from_bits(out)
    }
    #[cfg(not(ferrokern_cortex_m_fpu))]
    {
        h.to_f32()
    }
}

pub(crate) fn f32_to_f16_scalar(src: &[f32], dst: &mut [f16]) {
    debug_assert_eq!(src.len(), dst.len());
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = f16::from_f32(s);
    }
}

pub(crate) fn bf16_to_f32_scalar(src: &[bf16], dst: &mut [f32]) {
    debug_assert_eq!(src.len(), dst.len());
    for (d, s) in dst.iter_mut().zip(src) {
        *d = s.to_f32();
    }
}

/// f32 → bf16 bits, round to nearest even, NaN → quiet NaN (the rule of `half::bf16`).
#[inline(always)]
pub(crate) fn bf16_bits(x: f32) -> u16 {
    let b = x.to_bits();
    if b & 0x7fff_ffff > 0x7f80_0000 {
        ((b >> 16) | 0x40) as u16
    } else {
        ((b + 0x7fff + ((b >> 16) & 1)) >> 16) as u16
    }
}

/// Branch-free f32 → bf16 loop; inlined into each path's `#[target_feature]` wrapper, where
/// the compiler vectorises it for that ISA.
#[inline(always)]
pub(crate) fn f32_to_bf16_loop(src: &[f32], dst: &mut [bf16]) {
    debug_assert_eq!(src.len(), dst.len());
    for (d, &s) in dst.reinterpret_cast_mut().iter_mut().zip(src) {
        *d = bf16_bits(s);
    }
}

// ---- vector paths (instantiated by `simd_table!`) ----------------------------------------

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
mod vector {
    use super::*;
    use core::mem::MaybeUninit;

    /// f16 dot on path `L`. Caller: the CPU supports `L`.
    #[inline(always)]
    pub(crate) unsafe fn dot_f16_lanes<L: Lanes>(a: &[f16], b: &[f32]) -> f32 {
        // SAFETY: `dot_by` passes pointers with N valid elements; CPU support from the caller.
        unsafe {
            lanes::dot_by::<L, u16>(
                a.reinterpret_cast(),
                b,
                #[inline(always)]
                |p| L::load_f16(p),
                |&h| f16::from_bits(h).to_f32(),
            )
        }
    }

    /// Four f16 rows against one `x` on path `L`. Caller: the CPU supports `L`.
    #[inline(always)]
    pub(crate) unsafe fn dot4_f16_lanes<L: Lanes>(rows: [&[f16]; 4], x: &[f32]) -> [f32; 4] {
        // SAFETY: `dot4_by` passes pointers with N valid elements; CPU support from the caller.
        unsafe {
            lanes::dot4_by::<L, u16>(
                rows.map(|r| r.reinterpret_cast()),
                x,
                #[inline(always)]
                |p| L::load_f16(p),
                |&h| f16::from_bits(h).to_f32(),
            )
        }
    }

    /// Four bf16 rows against one `x`, the rows widened without shuffles: `2N` columns at a
    /// time split by index parity ([`Lanes::load_bf16_split`], a shift and a mask), `x` split
    /// the same way by `load_x(j)` (shared by the four rows); two accumulators per row; then
    /// one `N`-column step in natural order ([`Lanes::load_bf16`]) if at least `N` columns are
    /// left, and the last `n mod N` columns in scalar (for n = 1000 and `N = 8` the `N`-step
    /// takes the whole tail: a scalar tail of 8 columns per row had cost ≈ 10 % of the call).
    /// Once per 64 bytes of each row it prefetches the same columns `ahead` elements further on
    /// (the caller passes the next four rows' offset, `4·lda`): the hardware prefetchers alone
    /// left the L3-resident n = 1000 kernel ≈ 15 % below its L2 rate. Caller: the CPU supports
    /// `L`; `load_x(j)` reads columns `j .. j + 2N` of `x` for `j + 2N ≤ n`.
    #[inline(always)]
    pub(crate) unsafe fn dot4_bf16_split<L: Lanes>(
        rows: [&[bf16]; 4],
        x: &[f32],
        ahead: usize,
        load_x: impl Fn(usize) -> (L::V, L::V),
    ) -> [f32; 4] {
        let n = rows.iter().fold(x.len(), |n, r| n.min(r.len()));
        let x = &x[..n];
        let rows: [&[u16]; 4] = rows.map(|r| r[..n].reinterpret_cast());
        let full = n - n % (2 * L::N);
        // SAFETY: (whole body) offsets `j < full` with `j + 2N ≤ full ≤ n`, and the `N`-step
        // at `full` only if `full + N ≤ n`; every slice has `n` elements; the caller
        // guarantees the CPU supports `L` and `load_x`'s reads.
        unsafe {
            let mut acc = [(L::splat(0.0), L::splat(0.0)); 4];
            split_steps::<L>(
                full,
                &rows,
                ahead,
                #[inline(always)]
                |j| {
                    let (xe, xo) = load_x(j);
                    for (ak, r) in acc.iter_mut().zip(&rows) {
                        let (e, o) = L::load_bf16_split(r.as_ptr().add(j));
                        *ak = (L::fmadd(e, xe, ak.0), L::fmadd(o, xo, ak.1));
                    }
                },
            );
            let mut full = full;
            if n - full >= L::N {
                let xv = L::load(x.as_ptr().add(full));
                for (ak, r) in acc.iter_mut().zip(&rows) {
                    ak.0 = L::fmadd(L::load_bf16(r.as_ptr().add(full)), xv, ak.0);
                }
                full += L::N;
            }
            let mut out = [0.0; 4];
            for ((o, ak), r) in out.iter_mut().zip(acc).zip(&rows) {
                let mut tail = 0.0;
                for (&a, &b) in r[full..].iter().zip(&x[full..]) {
                    tail += bf16::from_bits(a).to_f32() * b;
                }
                *o = L::hsum(L::add(ak.0, ak.1)) + tail;
            }
            out
        }
    }

    /// A cache-line-aligned stack buffer of `CAP` f32 (vector loads from it never straddle two
    /// lines), left uninitialised: only the prefix a call uses is written ([`Scratch::zeroed`]).
    /// Zeroing all 8 KB of each of the split kernels' buffers per call had made the bf16 kernels
    /// ≈ 2× slower than f32 at n = m = 64 (0.9 against 0.4 µs per sweep, Zen 3).
    #[repr(C, align(64))]
    struct Scratch<const CAP: usize>([MaybeUninit<f32>; CAP]);

    impl<const CAP: usize> Scratch<CAP> {
        fn new() -> Self {
            Self([MaybeUninit::uninit(); CAP])
        }

        /// The first `len` elements (at most `CAP`), set to zero.
        fn zeroed(&mut self, len: usize) -> &mut [f32] {
            let s = &mut self.0[..len.min(CAP)];
            s.fill(MaybeUninit::new(0.0));
            // SAFETY: every element of `s` was just initialised, and `MaybeUninit<f32>` has the
            // layout of `f32`.
            unsafe { &mut *(s as *mut [MaybeUninit<f32>] as *mut [f32]) }
        }
    }

    /// bf16 elements per 64-byte cache line: the row loops prefetch once per line.
    const PREFETCH_EVERY: usize = 32;

    /// Longest `x` that [`gemv_bf16_split`] splits by parity once into its stack buffers
    /// (2 × 8 KB); longer rows split `x` on the fly per four rows.
    const SPLIT_X_MAX: usize = 4096;

    /// `y = alpha·A·x + beta·y` for bf16 `A`: rows four at a time through
    /// [`dot4_bf16_split`] with `x` split by parity once per call (for `n ≤ 4096`, else per
    /// four rows), remaining rows through [`dot_bf16_lanes`]. Caller: the CPU supports `L`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(crate) unsafe fn gemv_bf16_split<L: Lanes>(
        m: usize,
        n: usize,
        alpha: f32,
        a: &[bf16],
        lda: usize,
        x: &[f32],
        beta: f32,
        y: &mut [f32],
    ) {
        let x = &x[..n.min(x.len())];
        // SAFETY (closures below): CPU support from the caller; `dot4_bf16_split` calls
        // `load_x(j)` only with `j + 2N ≤ n`.
        let dot1 = |r: &[bf16]| unsafe { dot_bf16_lanes::<L>(r, x) };
        let ahead = lda.saturating_mul(4);
        if x.len() <= SPLIT_X_MAX {
            let (mut xe, mut xo) =
                (Scratch::<{ SPLIT_X_MAX / 2 }>::new(), Scratch::<{ SPLIT_X_MAX / 2 }>::new());
            let (xe, xo) = (xe.zeroed(x.len() / 2), xo.zeroed(x.len() / 2));
            split_parity(x, xe, xo);
            let (pe, po) = (xe.as_ptr(), xo.as_ptr());
            crate::compose::gemv_by(
                m,
                n,
                alpha,
                a,
                lda,
                beta,
                y,
                #[inline(always)]
                // SAFETY: `j + 2N ≤ x.len() ≤ SPLIT_X_MAX`, so `j/2 + N ≤ x.len() / 2`, the
                // length of `xe`/`xo`.
                |r| unsafe {
                    dot4_bf16_split::<L>(r, x, ahead, |j| (L::load(pe.add(j / 2)), L::load(po.add(j / 2))))
                },
                dot1,
            );
        } else {
            let px = x.as_ptr();
            crate::compose::gemv_by(
                m,
                n,
                alpha,
                a,
                lda,
                beta,
                y,
                #[inline(always)]
                // SAFETY: `j + 2N ≤ n = x.len()` (see above).
                |r| unsafe { dot4_bf16_split::<L>(r, x, ahead, |j| L::load_deinterleaved(px.add(j))) },
                dot1,
            );
        }
    }

    /// Columns per block of [`gemv_t_bf16_split`] (its two stack buffers hold half each, 16 KB
    /// in all, as in [`gemv_bf16_split`]). Rows up to this long are one block, read front to
    /// back; longer rows are read in block-wide pieces per pass, a strided pattern that the
    /// hardware prefetchers follow less well (at n = 3000 with 1024-column blocks the bf16
    /// product was slower than the f32 one).
    const SPLIT_BLOCK: usize = 4096;

    /// `y = alpha·Aᵀx + beta·y` for bf16 `A` without shuffles in the inner loop: per block of
    /// columns, `y` is split by index parity into two stack buffers once, every row adds its
    /// [`Lanes::load_bf16_split`] halves to them (four rows per pass), and `y` is re-interleaved
    /// once. Per element the same fused multiply-adds in the same row order as
    /// [`axpy_rows_bf16_lanes`] (so the same bits); block tails shorter than `2N` go through it.
    /// Caller: the CPU supports `L`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(crate) unsafe fn gemv_t_bf16_split<L: Lanes>(
        m: usize,
        n: usize,
        alpha: f32,
        a: &[bf16],
        lda: usize,
        x: &[f32],
        beta: f32,
        y: &mut [f32],
    ) {
        debug_assert!(x.len() == m && y.len() == n);
        let Some(y) = y.get_mut(..n) else { return };
        if beta == 0.0 {
            y.fill(0.0);
        } else if beta != 1.0 {
            y.iter_mut().for_each(|v| *v *= beta);
        }
        let x = &x[..m.min(x.len())];
        let (mut ye, mut yo) = (Scratch::<{ SPLIT_BLOCK / 2 }>::new(), Scratch::<{ SPLIT_BLOCK / 2 }>::new());
        let (ye, yo) = (ye.zeroed(n / 2), yo.zeroed(n / 2));
        let mut c0 = 0;
        while c0 < n {
            let nb = (n - c0).min(SPLIT_BLOCK);
            let full = nb - nb % (2 * L::N);
            let yb = &mut y[c0..c0 + nb];
            split_parity(&yb[..full], ye, yo);
            let row = |i: usize| crate::compose::row(a, i, lda, n).map(|r| &r[c0..c0 + nb]);
            let mut xb = x.chunks_exact(4);
            let mut i = 0;
            for xq in xb.by_ref() {
                let (Some(r0), Some(r1), Some(r2), Some(r3)) = (row(i), row(i + 1), row(i + 2), row(i + 3))
                else {
                    return;
                };
                let al = [alpha * xq[0], alpha * xq[1], alpha * xq[2], alpha * xq[3]];
                let rows = [r0, r1, r2, r3];
                // SAFETY: the rows have `nb ≥ full` elements, `ye`/`yo` hold `full / 2`.
                unsafe {
                    add_rows_parts::<L, 4>(al, rows, ye, yo, &mut yb[full..], full, lda.saturating_mul(4))
                };
                i += 4;
            }
            for &xi in xb.remainder() {
                let Some(r) = row(i) else { return };
                // SAFETY: as above.
                unsafe { add_rows_parts::<L, 1>([alpha * xi], [r], ye, yo, &mut yb[full..], full, lda) };
                i += 1;
            }
            merge_parity(ye, yo, &mut yb[..full]);
            c0 += nb;
        }
    }

    /// `xe[k], xo[k] = x[2k], x[2k + 1]` over the whole pairs of `x` (the split layout of the
    /// bf16 kernels).
    #[inline(always)]
    fn split_parity(x: &[f32], xe: &mut [f32], xo: &mut [f32]) {
        for ((e, o), p) in xe.iter_mut().zip(xo.iter_mut()).zip(x.chunks_exact(2)) {
            (*e, *o) = (p[0], p[1]);
        }
    }

    /// The inverse of [`split_parity`]: `y[2k], y[2k + 1] = ye[k], yo[k]`.
    #[inline(always)]
    fn merge_parity(ye: &[f32], yo: &[f32], y: &mut [f32]) {
        for ((&e, &o), p) in ye.iter().zip(yo.iter()).zip(y.chunks_exact_mut(2)) {
            (p[0], p[1]) = (e, o);
        }
    }

    /// `y += Σ_k alphas[k]·rows[k]` with `y`'s first `full` columns held split by parity in
    /// `ye`/`yo` ([`add_rows_split`], prefetching `ahead`) and the rest in `tail`
    /// ([`axpy_rows_bf16_lanes`], natural order): per element the same fused multiply-adds in
    /// the same row order either way. Caller: as [`add_rows_split`].
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn add_rows_parts<L: Lanes, const K: usize>(
        alphas: [f32; K],
        rows: [&[bf16]; K],
        ye: &mut [f32],
        yo: &mut [f32],
        tail: &mut [f32],
        full: usize,
        ahead: usize,
    ) {
        // SAFETY: the caller's bounds for the split part; CPU support from the caller.
        unsafe { add_rows_split::<L, K>(alphas, rows, ye, yo, full, ahead) };
        if !tail.is_empty() {
            // SAFETY: CPU support from the caller.
            unsafe { axpy_rows_bf16_lanes::<L, K>(alphas, rows.map(|r| r.get(full..).unwrap_or(&[])), tail) };
        }
    }

    /// [`sweep_bf16`](super::sweep_bf16) on path `L`: [`crate::compose::sweep_by`] with the
    /// four-row dot of [`gemv_bf16_split`] and the row adds of [`gemv_t_bf16_split`]. For
    /// `n ≤ 4096` both `x` and `y` are split by parity once per call (stack buffers, as the two
    /// products do), so every step is the products' own; longer rows split `x` on the fly (as
    /// `gemv_bf16_split` does) and add rows in natural order ([`axpy_rows_bf16_lanes`]), which
    /// per element gives the same bits as `gemv_t_bf16_split`'s column blocks. The row adds
    /// prefetch nothing: the rows are in L1 from the dot, which prefetched the next four.
    /// Caller: the CPU supports `L`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(crate) unsafe fn sweep_bf16_split<L: Lanes>(
        m: usize,
        n: usize,
        a: &[bf16],
        lda: usize,
        x: &[f32],
        r: &[f32],
        kv: &mut [f32],
        u: &mut [f32],
        y: &mut [f32],
    ) {
        debug_assert!(x.len() == n && y.len() == n);
        let x = &x[..n.min(x.len())];
        let Some(y) = y.get_mut(..n) else { return };
        y.fill(0.0);
        // SAFETY (closures below): CPU support from the caller; `dot4_bf16_split` calls
        // `load_x(j)` only with `j + 2N ≤ n`.
        let dot1 = |rw: &[bf16]| unsafe { dot_bf16_lanes::<L>(rw, x) };
        let ahead = lda.saturating_mul(4);
        if n <= SPLIT_X_MAX && n <= SPLIT_BLOCK {
            let (mut xe, mut xo) =
                (Scratch::<{ SPLIT_X_MAX / 2 }>::new(), Scratch::<{ SPLIT_X_MAX / 2 }>::new());
            let (xe, xo) = (xe.zeroed(n / 2), xo.zeroed(n / 2));
            split_parity(x, xe, xo);
            let (pe, po) = (xe.as_ptr(), xo.as_ptr());
            let full = n - n % (2 * L::N);
            let (mut ye, mut yo) =
                (Scratch::<{ SPLIT_BLOCK / 2 }>::new(), Scratch::<{ SPLIT_BLOCK / 2 }>::new());
            let (head, tail) = y.split_at_mut(full);
            let mut acc = (ye.zeroed(n / 2), yo.zeroed(n / 2), tail);
            crate::compose::sweep_by(
                m,
                n,
                a,
                lda,
                r,
                kv,
                u,
                &mut acc,
                #[inline(always)]
                // SAFETY: `j + 2N ≤ n ≤ SPLIT_X_MAX`, so `j/2 + N ≤ n / 2`, the length of `xe`/`xo`.
                |rows| unsafe {
                    dot4_bf16_split::<L>(rows, x, ahead, |j| (L::load(pe.add(j / 2)), L::load(po.add(j / 2))))
                },
                dot1,
                #[inline(always)]
                // SAFETY: rows of `n ≥ full` elements, `ye`/`yo` hold `n / 2 ≥ full / 2`.
                |al, rows, (ye, yo, tail)| unsafe { add_rows_parts::<L, 4>(al, rows, ye, yo, tail, full, 0) },
                #[inline(always)]
                // SAFETY: as above.
                |al, rw, (ye, yo, tail)| unsafe { add_rows_parts::<L, 1>([al], [rw], ye, yo, tail, full, 0) },
            );
            merge_parity(acc.0, acc.1, head);
        } else {
            let px = x.as_ptr();
            crate::compose::sweep_by(
                m,
                n,
                a,
                lda,
                r,
                kv,
                u,
                y,
                #[inline(always)]
                // SAFETY: `j + 2N ≤ n = x.len()` (see above).
                |rows| unsafe { dot4_bf16_split::<L>(rows, x, ahead, |j| L::load_deinterleaved(px.add(j))) },
                dot1,
                #[inline(always)]
                // SAFETY: CPU support from the caller.
                |al, rows, y| unsafe { axpy_rows_bf16_lanes::<L, 4>(al, rows, y) },
                #[inline(always)]
                // SAFETY: as above.
                |al, rw, y| unsafe { axpy_rows_bf16_lanes::<L, 1>([al], [rw], y) },
            );
        }
    }

    /// `ye/yo += Σ_k alphas[k]·rows[k]` split by parity over the first `full` columns
    /// (`full` a multiple of `2N`, rows at least `full` long, `ye`/`yo` at least `full / 2`),
    /// prefetching each row's columns `ahead` elements further on once per 64 bytes (as in
    /// [`dot4_bf16_split`]). Caller: the CPU supports `L`.
    #[inline(always)]
    unsafe fn add_rows_split<L: Lanes, const K: usize>(
        alphas: [f32; K],
        rows: [&[bf16]; K],
        ye: &mut [f32],
        yo: &mut [f32],
        full: usize,
        ahead: usize,
    ) {
        debug_assert!(full.is_multiple_of(2 * L::N) && ye.len() >= full / 2 && yo.len() >= full / 2);
        debug_assert!(rows.iter().all(|r| r.len() >= full));
        let rows: [&[u16]; K] = rows.map(|r| r.reinterpret_cast());
        // SAFETY: (whole body) the caller's bounds: column `j < full` step 2N reads
        // `rows[k][j .. j + 2N]` and `ye/yo[j/2 .. j/2 + N]`; CPU support from the caller.
        unsafe {
            let av = alphas.map(|a| L::splat(a));
            split_steps::<L>(
                full,
                &rows,
                ahead,
                #[inline(always)]
                |j| {
                    let h = j / 2;
                    let (mut e, mut o) = (L::load(ye.as_ptr().add(h)), L::load(yo.as_ptr().add(h)));
                    for (&a, r) in av.iter().zip(&rows) {
                        let (re, ro) = L::load_bf16_split(r.as_ptr().add(j));
                        e = L::fmadd(a, re, e);
                        o = L::fmadd(a, ro, o);
                    }
                    L::store(ye.as_mut_ptr().add(h), e);
                    L::store(yo.as_mut_ptr().add(h), o);
                },
            );
        }
    }

    /// The column loop of the split kernels: `step(j)` for `j = 0, 2N, 4N, … < full` (`full` a
    /// multiple of `2N`), and once per [`PREFETCH_EVERY`] columns, before the steps that start
    /// there, a prefetch of column `j + ahead` of every row (past the end is harmless: a hint
    /// built with `wrapping_add`); the steps between two prefetches are a fixed count, which the
    /// compiler unrolls (a per-step `j % 32` test was ≈ 10 % slower).
    ///
    /// # Safety
    /// The CPU must support `L`.
    #[inline(always)]
    unsafe fn split_steps<L: Lanes>(full: usize, rows: &[&[u16]], ahead: usize, mut step: impl FnMut(usize)) {
        let width = 2 * L::N;
        let per = (PREFETCH_EVERY / width).max(1);
        let mut j = 0;
        while j + per * width <= full {
            let at = j.wrapping_add(ahead);
            // SAFETY: CPU support from the caller; a prefetch never faults and reads nothing.
            rows.iter().for_each(|r| unsafe { L::prefetch(r.as_ptr().wrapping_add(at)) });
            for _ in 0..per {
                step(j);
                j += width;
            }
        }
        while j < full {
            step(j);
            j += width;
        }
    }

    /// `y += Σ_k alphas[k]·rows[k]` with bf16 rows on path `L`. Caller: the CPU supports `L`.
    #[inline(always)]
    pub(crate) unsafe fn axpy_rows_bf16_lanes<L: Lanes, const K: usize>(
        alphas: [f32; K],
        rows: [&[bf16]; K],
        y: &mut [f32],
    ) {
        // SAFETY: `axpy_rows_by` passes pointers with N valid elements; CPU support from the caller.
        unsafe {
            lanes::axpy_rows_by::<L, u16, K>(
                alphas,
                rows.map(|r| r.reinterpret_cast()),
                y,
                #[inline(always)]
                |p| L::load_bf16(p),
                |&h| bf16::from_bits(h).to_f32(),
            )
        }
    }

    /// bf16 dot on path `L`. Caller: the CPU supports `L`.
    #[inline(always)]
    pub(crate) unsafe fn dot_bf16_lanes<L: Lanes>(a: &[bf16], b: &[f32]) -> f32 {
        // SAFETY: as in `dot_f16_lanes`.
        unsafe {
            lanes::dot_by::<L, u16>(
                a.reinterpret_cast(),
                b,
                #[inline(always)]
                |p| L::load_bf16(p),
                |&h| bf16::from_bits(h).to_f32(),
            )
        }
    }

    /// Caller: the CPU supports `L`.
    #[inline(always)]
    pub(crate) unsafe fn f16_to_f32_lanes<L: Lanes>(src: &[f16], dst: &mut [f32]) {
        // SAFETY: `widen` passes pointers with N valid elements; CPU support from the caller.
        unsafe {
            lanes::widen::<L>(
                src.reinterpret_cast(),
                dst,
                #[inline(always)]
                |p| L::load_f16(p),
                #[inline(always)]
                |h| f16::from_bits(h).to_f32(),
            )
        }
    }

    /// Caller: the CPU supports `L`.
    #[inline(always)]
    pub(crate) unsafe fn bf16_to_f32_lanes<L: Lanes>(src: &[bf16], dst: &mut [f32]) {
        // SAFETY: as in `f16_to_f32_lanes`.
        unsafe {
            lanes::widen::<L>(
                src.reinterpret_cast(),
                dst,
                #[inline(always)]
                |p| L::load_bf16(p),
                #[inline(always)]
                |h| bf16::from_bits(h).to_f32(),
            )
        }
    }

    /// Caller: the CPU supports `L`.
    #[inline(always)]
    pub(crate) unsafe fn f32_to_f16_lanes<L: Lanes>(src: &[f32], dst: &mut [f16]) {
        // SAFETY: `narrow_f16` passes pointers with N valid elements; CPU support from the caller.
        unsafe { lanes::narrow_f16::<L>(src, dst.reinterpret_cast_mut()) }
    }
}
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(crate) use vector::*;
