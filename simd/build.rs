//! Sets `cfg(ferrokern_cortex_m_fpu)` on the hard-float Cortex-M targets: their FPUs (FPv4-SP on
//! the M4F, FPv5 on the M7/M33/M55) all convert IEEE halves in one instruction, which
//! `lowp::widen_f16` uses, and run the scalar path's inner loops in `vfp.rs`. Other hard-float
//! Arm targets (armv7-a/-r with VFPv3-D16) may not have the conversion, and Rust exposes no
//! target-feature cfg that tells them apart.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(ferrokern_cortex_m_fpu)");
    println!("cargo::rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    let cortex_m = ["thumbv7em-", "thumbv8m.main-", "thumbv8.1m.main-"].iter().any(|p| target.starts_with(p));
    if cortex_m && target.ends_with("-eabihf") {
        println!("cargo::rustc-cfg=ferrokern_cortex_m_fpu");
    }
}
