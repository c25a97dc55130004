//! `ferrokern info`: version, target, SIMD paths, build features.

use serde_json::json;

use crate::error::Result;
use crate::levels;
use crate::output::Ctx;

/// No options besides the global `--json`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {}

/// Features of the `ferrokern` crate this CLI is built with (see cli/Cargo.toml).
pub const FERROKERN_FEATURES: &[&str] = &["std", "f16"];

/// x86_64 / aarch64 SIMD target features enabled at compile time (e.g. `-C target-cpu=native`).
fn compile_time_features() -> Vec<&'static str> {
    let all = [
        ("sse2", cfg!(target_feature = "sse2")),
        ("avx2", cfg!(target_feature = "avx2")),
        ("fma", cfg!(target_feature = "fma")),
        ("avx512f", cfg!(target_feature = "avx512f")),
        ("neon", cfg!(target_feature = "neon")),
    ];
    all.into_iter().filter(|(_, on)| *on).map(|(n, _)| n).collect()
}

/// Print the report.
pub fn run(_args: Args, ctx: &Ctx) -> Result<()> {
    let active = ferrokern_simd::active_level().name();
    let available: Vec<&str> = levels::available().into_iter().map(|l| l.name()).collect();
    let forced = levels::forced();
    let target = env!("FERROKERN_CLI_TARGET");
    let compiled = compile_time_features();
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    let fields = json!({
        "version": env!("CARGO_PKG_VERSION"),
        "target": target,
        "arch": std::env::consts::ARCH,
        "os": std::env::consts::OS,
        "profile": profile,
        "simd_level": active,
        "available_levels": available,
        "ferrokern_simd_env": forced,
        "compile_time_target_features": compiled,
        "ferrokern_features": FERROKERN_FEATURES,
    });
    ctx.finish(0.0, fields, || {
        let forced = match &forced {
            Some(v) => format!("FERROKERN_SIMD={v}"),
            None => "not set".into(),
        };
        format!(
            "ferrokern {} ({profile} build)\n\
             target:          {target}\n\
             SIMD path:       {active}\n\
             CPU supports:    {}\n\
             FERROKERN_SIMD:  {forced}\n\
             compiled with:   {}\n\
             features:        {}",
            env!("CARGO_PKG_VERSION"),
            available.join(", "),
            if compiled.is_empty() { "(no SIMD target features)".into() } else { compiled.join(", ") },
            FERROKERN_FEATURES.join(", "),
        )
    })
}
