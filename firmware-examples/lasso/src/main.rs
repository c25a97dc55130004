//! Cortex-M4F firmware running `ferrokern_demos::lasso`, output over semihosting.
//! Exit status 0 on success, 1 on any error (xtask compares the output with the host's).
//! On the host (e.g. `cargo build --workspace`) it builds to a stub that says how to run it.
#![cfg_attr(target_os = "none", no_std, no_main)]

fw_linalg::firmware_main!("fw-lasso", ferrokern_demos::lasso);
