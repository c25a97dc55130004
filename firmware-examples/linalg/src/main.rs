//! Cortex-M4F firmware running `ferrokern_demos::linalg`, output over semihosting.
//! Exit status 0 on success, 1 on any error (xtask compares the output with the host's).
#![no_std]
#![no_main]

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
    let result = ferrokern_demos::linalg(&mut out, &mut delay);
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
