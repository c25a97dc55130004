//! SIMD path names and detection, as reported by `info` and `tour`.

use ferrokern_simd::Level;

/// Paths whose kernel table this CPU (and this build) can hand out.
pub fn available() -> Vec<Level> {
    ferrokern_simd::available_levels().collect()
}

/// `FERROKERN_SIMD`, if set (it forces a path in `ferrokern-simd`'s run-time detection).
pub fn forced() -> Option<String> {
    std::env::var("FERROKERN_SIMD").ok()
}
