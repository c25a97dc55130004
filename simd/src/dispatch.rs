//! Choice of the SIMD path.
//!
//! - Always (also `no_std`): the best path enabled at compile time by `target_feature`
//!   (x86_64 baseline → SSE2, `-C target-cpu=native` may give AVX2/AVX-512; aarch64 → NEON;
//!   Cortex-M, RISC-V, … → scalar).
//! - With feature `std`: run-time CPU detection, once, cached in an atomic; the environment
//!   variable `FERROKERN_SIMD=scalar|sse2|avx2|avx512|neon` (read once, at the first call)
//!   forces a path. An unknown name or a path this CPU lacks is **ignored**: a one-line
//!   message goes to stderr and the best available path is used.
//! - Test-only, feature `emu16` (x86_64): [`Level::Emu16`] runs the AVX-512 lane loops in
//!   portable code, selectable only by `FERROKERN_SIMD=emu16`.

use crate::{bf16, f16, lowp, scalar, Trans};

/// Run-time (std) or compile-time x86 test: are all of the given features present.
#[cfg(target_arch = "x86_64")]
macro_rules! x86_has {
    ($($f:tt),+) => {{
        #[cfg(feature = "std")]
        {
            $(std::is_x86_feature_detected!($f))&&+
        }
        #[cfg(not(feature = "std"))]
        {
            cfg!(all($(target_feature = $f),+))
        }
    }};
}

/// Run-time (std) or compile-time aarch64 feature test.
#[cfg(target_arch = "aarch64")]
macro_rules! arm_has {
    ($f:tt) => {{
        #[cfg(feature = "std")]
        {
            std::arch::is_aarch64_feature_detected!($f)
        }
        #[cfg(not(feature = "std"))]
        {
            cfg!(target_feature = $f)
        }
    }};
}

/// A SIMD path. Non-exhaustive: later versions may add paths (e.g. Arm SVE or Helium).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Level {
    /// Portable scalar code: the reference, and what Cortex-M runs.
    Scalar,
    /// x86_64 SSE2 (baseline on every x86_64 CPU).
    Sse2,
    /// x86_64 AVX2 + FMA + F16C.
    Avx2,
    /// x86_64 AVX-512F (with AVX2, FMA, F16C).
    Avx512,
    /// aarch64 NEON.
    Neon,
    /// Test-only: AVX-512's 16-lane loops in portable code (feature `emu16`, x86_64), so they
    /// are tested on CPUs without AVX-512. Never chosen by detection; only by
    /// `FERROKERN_SIMD=emu16`. Slow.
    Emu16,
}

/// Every level, in order of preference from worst to best on its architecture (`Emu16` before
/// SSE2, so detection never prefers it).
const ALL: [Level; 6] = [Level::Scalar, Level::Emu16, Level::Sse2, Level::Avx2, Level::Avx512, Level::Neon];

impl Level {
    /// The name used by `FERROKERN_SIMD`: `scalar`, `sse2`, `avx2`, `avx512`, `neon`, `emu16`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Level::Scalar => "scalar",
            Level::Sse2 => "sse2",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
            Level::Neon => "neon",
            Level::Emu16 => "emu16",
        }
    }

    /// Parses a [`Level::name`] (ASCII case-insensitive, surrounding spaces ignored).
    #[must_use]
    pub fn from_name(s: &str) -> Option<Level> {
        ALL.into_iter().find(|l| l.name().eq_ignore_ascii_case(s.trim()))
    }

    /// Whether this CPU can run the path: checked at run time with `std`, from the
    /// compile-time target features otherwise.
    #[must_use]
    pub fn is_supported(self) -> bool {
        match self {
            Level::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Level::Sse2 => true,
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => x86_has!("avx2", "fma", "f16c"),
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => x86_has!("avx512f", "avx2", "fma", "f16c"),
            #[cfg(target_arch = "aarch64")]
            Level::Neon => arm_has!("neon"),
            #[cfg(all(feature = "emu16", target_arch = "x86_64"))]
            Level::Emu16 => true,
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }
}

/// The levels this CPU supports (always starts with [`Level::Scalar`]); tests iterate it to
/// compare every path against the scalar reference.
pub fn available_levels() -> impl Iterator<Item = Level> {
    ALL.into_iter().filter(|l| l.is_supported())
}

type BinFn = fn(&[f32], &[f32], &mut [f32]);
type GemvFn = fn(usize, usize, f32, &[f32], usize, &[f32], f32, &mut [f32]);
type GemmFn =
    fn(Trans, Trans, usize, usize, usize, f32, &[f32], usize, &[f32], usize, f32, &mut [f32], usize);
type GemvF16Fn = fn(usize, usize, f32, &[f16], usize, &[f32], f32, &mut [f32]);
type GemvBf16Fn = fn(usize, usize, f32, &[bf16], usize, &[f32], f32, &mut [f32]);
type SweepFn = fn(usize, usize, &[f32], usize, &[f32], &[f32], &mut [f32], &mut [f32], &mut [f32]);
type SweepBf16Fn = fn(usize, usize, &[bf16], usize, &[f32], &[f32], &mut [f32], &mut [f32], &mut [f32]);

/// One path's kernels: a table of safe function pointers with the contracts of the
/// same-named crate-root functions. A table for a path the CPU lacks is never handed out,
/// which is what makes the SIMD entries safe to call.
#[allow(missing_docs)]
pub struct Kernels {
    pub level: Level,
    pub dot: fn(&[f32], &[f32]) -> f32,
    pub axpy: fn(f32, &[f32], &mut [f32]),
    pub scale: fn(f32, &mut [f32]),
    pub add: BinFn,
    pub sub: BinFn,
    pub mul: BinFn,
    pub sum: fn(&[f32]) -> f32,
    pub max: fn(&[f32]) -> f32,
    pub norm2: fn(&[f32]) -> f32,
    pub gemv: GemvFn,
    pub gemv_t: GemvFn,
    /// `kv = A x`, `u = r ⊘ kv`, `y = Aᵀu` in one pass over `A` (see [`crate::sweep`]).
    pub sweep: SweepFn,
    pub gemm: GemmFn,
    pub ger: fn(f32, &[f32], &[f32], &mut [f32], usize),
    pub exp_slice: fn(&mut [f32]),
    /// In place `x = √x` (correctly rounded on every path).
    pub sqrt_slice: fn(&mut [f32]),
    pub log_sum_exp: fn(&[f32]) -> f32,
    pub softmax: fn(&mut [f32]),
    pub exp_affine_sum: fn(f32, &[f32], &[f32], f32) -> f32,
    pub exp_affine_acc: fn(f32, &[f32], &[f32], f32, &mut [f32]),
    pub sq_dist_row_2d: fn([f32; 2], &[f32], f32, &mut [f32]),
    pub dot_f16: fn(&[f16], &[f32]) -> f32,
    pub gemv_f16: GemvF16Fn,
    pub gemv_bf16: GemvBf16Fn,
    pub gemv_t_bf16: GemvBf16Fn,
    /// [`crate::sweep_bf16`].
    pub sweep_bf16: SweepBf16Fn,
    pub f16_to_f32: fn(&[f16], &mut [f32]),
    pub f32_to_f16: fn(&[f32], &mut [f16]),
    pub bf16_to_f32: fn(&[bf16], &mut [f32]),
    pub f32_to_bf16: fn(&[f32], &mut [bf16]),
    /// The Adam-family fused pass on f32 state ([`crate::optim::step_f32`]).
    pub adam_f32: crate::optim::AdamF32Fn,
    /// The same pass with bf16 moments.
    pub adam_bf16: crate::optim::AdamFn<bf16>,
    /// The same pass with f16 moments.
    pub adam_f16: crate::optim::AdamFn<f16>,
}

const SCALAR: Kernels = Kernels {
    level: Level::Scalar,
    dot: scalar::dot::<f32>,
    axpy: scalar::axpy::<f32>,
    scale: scalar::scale::<f32>,
    add: scalar::add::<f32>,
    sub: scalar::sub::<f32>,
    mul: scalar::mul::<f32>,
    sum: scalar::sum::<f32>,
    max: scalar::max::<f32>,
    norm2: scalar::norm2::<f32>,
    gemv: scalar::gemv::<f32>,
    gemv_t: scalar::gemv_t::<f32>,
    sweep: scalar::sweep::<f32>,
    gemm: scalar::gemm::<f32>,
    ger: scalar::ger::<f32>,
    exp_slice: scalar::exp_slice::<f32>,
    sqrt_slice: scalar::sqrt_slice::<f32>,
    log_sum_exp: scalar::log_sum_exp::<f32>,
    softmax: scalar::softmax::<f32>,
    exp_affine_sum: scalar::exp_affine_sum::<f32>,
    exp_affine_acc: scalar::exp_affine_acc::<f32>,
    sq_dist_row_2d: scalar::sq_dist_row_2d::<f32>,
    dot_f16: lowp::dot_f16_scalar,
    gemv_f16: lowp::gemv_half_scalar::<f16>,
    gemv_bf16: lowp::gemv_half_scalar::<bf16>,
    gemv_t_bf16: lowp::gemv_t_bf16_scalar,
    sweep_bf16: lowp::sweep_bf16_scalar,
    f16_to_f32: lowp::f16_to_f32_scalar,
    f32_to_f16: lowp::f32_to_f16_scalar,
    bf16_to_f32: lowp::bf16_to_f32_scalar,
    f32_to_bf16: lowp::f32_to_bf16_loop,
    adam_f32: crate::optim::adam_scalar::<f32>,
    adam_bf16: crate::optim::adam_scalar::<bf16>,
    adam_f16: crate::optim::adam_scalar::<f16>,
};

/// The table of `level` without checking CPU support (callers check). `#[inline]` and a
/// `const` scalar table let `no_std` builds call the scalar kernels directly.
#[inline]
fn table_unchecked(level: Level) -> &'static Kernels {
    match level {
        #[cfg(target_arch = "x86_64")]
        Level::Sse2 => &crate::x86::SSE2_TABLE,
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => &crate::x86::avx2::AVX2_TABLE,
        #[cfg(target_arch = "x86_64")]
        Level::Avx512 => &crate::x86::avx512::AVX512_TABLE,
        #[cfg(target_arch = "aarch64")]
        Level::Neon => &crate::neon::NEON_TABLE,
        #[cfg(all(feature = "emu16", target_arch = "x86_64"))]
        Level::Emu16 => &crate::emu::EMU16_TABLE,
        _ => &SCALAR,
    }
}

/// The best supported level.
#[cfg(feature = "std")]
fn best_level() -> Level {
    available_levels().last().unwrap_or(Level::Scalar)
}

impl Kernels {
    /// The table of `level`, if this CPU supports it (see [`Level::is_supported`]).
    #[must_use]
    pub fn for_level(level: Level) -> Option<&'static Kernels> {
        level.is_supported().then(|| table_unchecked(level))
    }

    /// The active table (see [`active_level`]).
    #[inline]
    #[must_use]
    pub fn active() -> &'static Kernels {
        table_unchecked(active_level())
    }
}

/// The path the crate-root functions use: without `std` the best compile-time path; with
/// `std` the best detected path or the one forced by `FERROKERN_SIMD` (decided once).
#[must_use]
pub fn active_level() -> Level {
    #[cfg(feature = "std")]
    {
        rt::active()
    }
    #[cfg(not(feature = "std"))]
    {
        COMPILE_TIME_BEST
    }
}

/// The best path the compile-time target features allow (what `no_std` builds use).
#[cfg(not(feature = "std"))]
const COMPILE_TIME_BEST: Level = if cfg!(all(
    target_arch = "x86_64",
    target_feature = "avx512f",
    target_feature = "avx2",
    target_feature = "fma",
    target_feature = "f16c"
)) {
    Level::Avx512
} else if cfg!(all(
    target_arch = "x86_64",
    target_feature = "avx2",
    target_feature = "fma",
    target_feature = "f16c"
)) {
    Level::Avx2
} else if cfg!(target_arch = "x86_64") {
    Level::Sse2
} else if cfg!(all(target_arch = "aarch64", target_feature = "neon")) {
    Level::Neon
} else {
    Level::Scalar
};

#[cfg(feature = "std")]
mod rt {
    use super::{best_level, Level, ALL};
    use core::sync::atomic::{AtomicU8, Ordering};

    /// 0 = not decided yet, else `1 + index in ALL`.
    static ACTIVE: AtomicU8 = AtomicU8::new(0);

    #[inline]
    pub(super) fn active() -> Level {
        match ACTIVE.load(Ordering::Relaxed) {
            0 => decide(),
            i => ALL.get(usize::from(i - 1)).copied().unwrap_or(Level::Scalar),
        }
    }

    #[cold]
    fn decide() -> Level {
        let best = best_level();
        let level = match std::env::var("FERROKERN_SIMD") {
            Err(_) => best,
            Ok(s) => match Level::from_name(&s) {
                Some(l) if l.is_supported() => l,
                Some(l) => {
                    std::eprintln!(
                        "ferrokern-simd: FERROKERN_SIMD={s}: {} is not available on this CPU or in this build; using {}",
                        l.name(),
                        best.name()
                    );
                    best
                }
                None => {
                    std::eprintln!(
                        "ferrokern-simd: FERROKERN_SIMD={s} is not one of scalar|sse2|avx2|avx512|neon; using {}",
                        best.name()
                    );
                    best
                }
            },
        };
        let idx = ALL.iter().position(|&l| l == level).unwrap_or(0);
        // Several threads may decide concurrently; they all decide the same.
        ACTIVE.store(idx as u8 + 1, Ordering::Relaxed);
        level
    }
}
