//! SIMD path names and detection, as reported by `info` and `tour`.

use ferrokern_simd::{Kernels, Level};

/// Every path `ferrokern-simd` defines, slowest first.
pub const ALL_LEVELS: [Level; 5] = [Level::Scalar, Level::Sse2, Level::Avx2, Level::Avx512, Level::Neon];

/// Lowercase name of a path (`scalar`, `sse2`, `avx2`, `avx512`, `neon`).
pub fn name(level: Level) -> &'static str {
    match level {
        Level::Scalar => "scalar",
        Level::Sse2 => "sse2",
        Level::Avx2 => "avx2",
        Level::Avx512 => "avx512",
        Level::Neon => "neon",
    }
}

/// Paths whose kernel table this CPU (and this build) can hand out.
pub fn available() -> Vec<Level> {
    ALL_LEVELS.into_iter().filter(|&l| Kernels::for_level(l).is_some()).collect()
}

/// `FERROKERN_SIMD`, if set (it forces a path in `ferrokern-simd`'s run-time detection).
pub fn forced() -> Option<String> {
    std::env::var("FERROKERN_SIMD").ok()
}
