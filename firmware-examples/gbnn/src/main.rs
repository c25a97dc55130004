//! Cortex-M4F firmware running `ferrokern_demos::gbnn` (embedded gbnn model, breast_cancer test
//! split, accuracy per pruning budget), output over semihosting. Exit status 0 on success, 1 on
//! any error (xtask compares the output with the host's forced-scalar run).
//! On the host it builds to a stub that says how to run it.
#![cfg_attr(target_os = "none", no_std, no_main)]

fw_linalg::firmware_main!("fw-gbnn", ferrokern_demos::gbnn);
