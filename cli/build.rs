//! Records the target triple for `ferrokern info` (cargo sets TARGET only for build scripts).
fn main() {
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=FERROKERN_CLI_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
}
