//! Choice of the SIMD path: at compile time from `target_feature` (always, `no_std`), and with
//! `std` at run time from CPU detection, once, cached; `FERROKERN_SIMD` forces a path.

use crate::{scalar, Trans};

/// A SIMD path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Portable scalar code: the reference, and what Cortex-M runs.
    Scalar,
    /// x86_64 SSE2 (baseline on every x86_64 CPU).
    Sse2,
    /// x86_64 AVX2 + FMA.
    Avx2,
    /// x86_64 AVX-512F.
    Avx512,
    /// aarch64 NEON.
    Neon,
}

type BinFn = fn(&[f32], &[f32], &mut [f32]);
type GemvFn = fn(usize, usize, f32, &[f32], usize, &[f32], f32, &mut [f32]);
type GemmFn =
    fn(Trans, Trans, usize, usize, usize, f32, &[f32], usize, &[f32], usize, f32, &mut [f32], usize);

/// One path's kernels: a table of safe function pointers. A table for a path the CPU lacks is
/// never handed out, which is what makes the SIMD entries safe to call.
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
    pub gemm: GemmFn,
    pub ger: fn(f32, &[f32], &[f32], &mut [f32], usize),
    pub exp_slice: fn(&mut [f32]),
    pub log_sum_exp: fn(&[f32]) -> f32,
    pub softmax: fn(&mut [f32]),
}

static SCALAR: Kernels = Kernels {
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
    gemm: scalar::gemm::<f32>,
    ger: scalar::ger::<f32>,
    exp_slice: scalar::exp_slice::<f32>,
    log_sum_exp: scalar::log_sum_exp::<f32>,
    softmax: scalar::softmax::<f32>,
};

impl Kernels {
    /// The table of `level`, if this CPU supports it.
    #[must_use]
    pub fn for_level(level: Level) -> Option<&'static Kernels> {
        match level {
            Level::Scalar => Some(&SCALAR),
            _ => None,
        }
    }

    /// The active table (see [`active_level`]).
    #[inline]
    #[must_use]
    pub fn active() -> &'static Kernels {
        &SCALAR
    }
}

/// The path the crate-root functions use.
#[must_use]
pub fn active_level() -> Level {
    Kernels::active().level
}
