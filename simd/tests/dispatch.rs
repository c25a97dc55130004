//! Path selection: `FERROKERN_SIMD` forces a supported path; otherwise the best available.
//! Run e.g. `FERROKERN_SIMD=sse2 cargo test -p ferrokern-simd --features std`.

use ferrokern_simd::{active_level, available_levels, Kernels, Level};

#[test]
fn active_level_follows_env_or_best() {
    let best = available_levels().last().unwrap();
    let want = match std::env::var("FERROKERN_SIMD") {
        Ok(s) => match Level::from_name(&s) {
            Some(l) if l.is_supported() => l,
            _ => best, // ignored with a message on stderr
        },
        Err(_) => best,
    };
    // without `std` detection the crate-root level is the compile-time best; the tests are
    // run with `std` (dev-dependency feature) so this is the run-time decision.
    assert_eq!(active_level(), want);
    assert_eq!(Kernels::active().level, want);
    println!("FERROKERN_SIMD={:?}: active {:?}", std::env::var("FERROKERN_SIMD").ok(), active_level());
}

#[test]
fn names_round_trip() {
    for l in [Level::Scalar, Level::Sse2, Level::Avx2, Level::Avx512, Level::Neon, Level::Emu16] {
        assert_eq!(Level::from_name(l.name()), Some(l));
        assert_eq!(Level::from_name(&l.name().to_uppercase()), Some(l));
    }
    assert_eq!(Level::from_name("sse9"), None);
    #[cfg(target_arch = "x86_64")]
    assert!(Level::Sse2.is_supported() && !Level::Neon.is_supported());
    #[cfg(target_arch = "aarch64")]
    assert!(Level::Neon.is_supported() && !Level::Sse2.is_supported());
}
