//! Cortex-M4F firmware running `ferrokern_demos::denoise` (the one-step student, f16 weights in
//! flash, generates one digit per class; the on-device judge classifies them), output over
//! semihosting. Exit status 0 on success, 1 on any error (xtask compares the output with the
//! host's forced-scalar run). On the host it builds to a stub that says how to run it.
#![cfg_attr(target_os = "none", no_std, no_main)]

fw_linalg::firmware_main!("fw-denoise", ferrokern_demos::denoise);
