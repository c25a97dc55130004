//! Cortex-M4F firmware running `ferrokern_demos::sinkhorn` (streaming Sinkhorn, n = m = 128), output over semihosting.
//! Exit status 0 on success, 1 on any error (xtask compares the output with the host's).
//! On the host (e.g. `cargo build --workspace`) it builds to a stub that says how to run it.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod device {
    use core::fmt::Write;

    use cortex_m_rt::entry;
    use fw_linalg::{exit, stack, Stdout, SysTickDelay};
    use panic_semihosting as _;

    #[entry]
    fn main() -> ! {
        let Some(mut out) = Stdout::open() else { exit(false) };
        let Some(cp) = cortex_m::Peripherals::take() else { exit(false) };
        let mut delay = SysTickDelay::new(cp.SYST);
        stack::paint();
        let result = ferrokern_demos::sinkhorn(&mut out, &mut delay);
        let used = stack::used();
        let ok = match result {
            Ok(_) => writeln!(out, "# stack-used {used}").is_ok(),
            Err(e) => {
                let _ = writeln!(out, "error: {e}");
                false
            }
        };
        let _ = out.flush();
        exit(ok)
    }
}

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!(
        "fw-sinkhorn is Cortex-M4F firmware: build it for thumbv7em-none-eabihf (cargo xtask firmware)"
    );
    std::process::exit(2);
}
