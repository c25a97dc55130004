//! Minimal firmware per kernel family for the footprint table (`cargo xtask size`, issue #8).
//!
//! Every binary in `src/bin/` is `minimal_main!(run)` with a `run` that calls one kernel family
//! on tiny inputs hidden from the optimizer by [`core::hint::black_box`] (so the calls cannot
//! be constant-folded away) and feeds the results to `black_box` (so they are not dead code).
//! The shared frame — reset, vector table, stack painting, one semihosting line
//! `# stack-used N` without `core::fmt`, exit — is the same in every binary, so the `empty`
//! binary is the baseline and a family's own cost is its difference from `empty`.
#![no_std]

/// Writes `# stack-used N` to the semihosting stdout, formatting N by hand (no `core::fmt`,
/// which would dwarf the smallest kernels).
pub fn report_stack(used: usize) {
    let Ok(mut out) = cortex_m_semihosting::hio::hstdout() else { return };
    let mut digits = [0u8; 10];
    let mut start = digits.len();
    let mut n = used;
    loop {
        start -= 1;
        if let Some(d) = digits.get_mut(start) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || start == 0 {
            break;
        }
    }
    let _ = out.write_all(b"# stack-used ");
    let _ = out.write_all(digits.get(start..).unwrap_or_default());
    let _ = out.write_all(b"\n");
}

/// Runs `run` between stack painting and measurement, reports the stack, exits 0 when `run`
/// returned `true`.
#[cfg(target_os = "none")]
pub fn run_minimal(run: fn() -> bool) -> ! {
    fw_linalg::stack::paint();
    let ok = run();
    report_stack(fw_linalg::stack::used());
    fw_linalg::exit(ok)
}

#[cfg(target_os = "none")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    fw_linalg::exit(false)
}

/// The `main` of a minimal firmware: on the device, [`run_minimal`] with `$run` (a
/// `fn() -> bool`); on the host, a stub that says how to build it.
#[macro_export]
macro_rules! minimal_main {
    ($run:path) => {
        #[cfg(target_os = "none")]
        #[cortex_m_rt::entry]
        fn main() -> ! {
            $crate::run_minimal($run)
        }

        #[cfg(not(target_os = "none"))]
        fn main() {
            let _ = $run;
            eprintln!("fw-minimal binaries are Cortex-M4F firmware: `cargo xtask size` builds and runs them");
            std::process::exit(2);
        }
    };
}
