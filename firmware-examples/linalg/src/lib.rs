//! Board support shared by the ferrokern firmware examples (Cortex-M4F on QEMU `mps2-an386`):
//! semihosting text output, an embedded-hal [`DelayNs`] on SysTick, stack measurement and exit.
#![no_std]

use core::fmt::{self, Write};

use cortex_m::peripheral::{syst::SystClkSource, SYST};
use cortex_m_semihosting::{debug, hio};
use embedded_hal::delay::DelayNs;

/// Core clock of the mps2-an386 board (SysTick runs from it).
pub const CORE_HZ: u32 = 25_000_000;

/// Semihosting stdout as a [`fmt::Write`]. Text is buffered per line (one host call per line).
pub struct Stdout {
    host: hio::HostStream,
    buf: [u8; 160],
    len: usize,
}

impl Stdout {
    /// Opens the host's stdout; `None` if the debugger/QEMU refuses.
    pub fn open() -> Option<Self> {
        hio::hstdout().ok().map(|host| Self { host, buf: [0; 160], len: 0 })
    }

    /// Sends the buffered bytes to the host.
    pub fn flush(&mut self) -> fmt::Result {
        let bytes = self.buf.get(..self.len).ok_or(fmt::Error)?;
        self.host.write_all(bytes).map_err(|_| fmt::Error)?;
        self.len = 0;
        Ok(())
    }
}

impl Write for Stdout {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            if self.len == self.buf.len() {
                self.flush()?;
            }
            if let Some(slot) = self.buf.get_mut(self.len) {
                *slot = b;
                self.len += 1;
            }
            if b == b'\n' {
                self.flush()?;
            }
        }
        Ok(())
    }
}

/// Busy-wait delay on the SysTick down-counter (24 bit, core clock): an embedded-hal
/// [`DelayNs`] that demos use for pacing. Under QEMU the counter follows host time.
pub struct SysTickDelay {
    syst: SYST,
}

impl SysTickDelay {
    /// Takes SysTick and starts it free-running with the maximal reload.
    pub fn new(mut syst: SYST) -> Self {
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(0x00ff_ffff);
        syst.clear_current();
        syst.enable_counter();
        Self { syst }
    }

    /// Gives SysTick back.
    pub fn free(self) -> SYST {
        self.syst
    }
}

impl DelayNs for SysTickDelay {
    fn delay_ns(&mut self, ns: u32) {
        // ticks = ns · 25 MHz / 1e9 = ns / 40, rounded up.
        let mut remaining = ns.div_ceil(1_000_000_000 / CORE_HZ);
        let mut last = SYST::get_current();
        while remaining > 0 {
            let now = SYST::get_current();
            // Down-counter modulo 2^24.
            let elapsed = last.wrapping_sub(now) & 0x00ff_ffff;
            remaining = remaining.saturating_sub(elapsed);
            last = now;
        }
        let _ = &self.syst;
    }
}

/// Stack high-water mark: paints free stack with a pattern before a run, measures after.
#[cfg(target_os = "none")]
pub mod stack {
    const PAINT: u32 = 0x5A5A_A5A5;

    extern "C" {
        static mut __sheap: u32;
        static mut _stack_start: u32;
    }

    fn bounds() -> (*mut u32, *mut u32) {
        // Only the addresses of the linker symbols are taken (no access): safe since Rust 1.82.
        (core::ptr::addr_of_mut!(__sheap), core::ptr::addr_of_mut!(_stack_start))
    }

    /// Fills the stack below the current frame (minus a safety margin) with the pattern.
    #[inline(never)]
    pub fn paint() {
        let (bottom, _) = bounds();
        let sp = cortex_m::register::msp::read() as usize;
        let limit = sp.saturating_sub(256) as *mut u32;
        let mut p = bottom;
        while p < limit {
            // SAFETY: [__sheap, sp-256) is unused RAM between .bss/heap start and the live stack.
            unsafe { p.write_volatile(PAINT) };
            p = p.wrapping_add(1);
        }
    }

    /// Bytes of stack used since [`paint`] (deepest touched word to the stack top).
    pub fn used() -> usize {
        let (bottom, top) = bounds();
        let mut p = bottom;
        // SAFETY: reads within [__sheap, _stack_start), all RAM.
        while p < top && unsafe { p.read_volatile() } == PAINT {
            p = p.wrapping_add(1);
        }
        (top as usize).saturating_sub(p as usize)
    }
}

/// Ends the QEMU run with success or failure (never returns).
pub fn exit(ok: bool) -> ! {
    debug::exit(if ok { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
    // Only reached without a semihosting host.
    loop {
        cortex_m::asm::bkpt();
    }
}

/// Runs one demo the way every firmware example does: semihosting stdout, the SysTick
/// [`DelayNs`], the stack high-water mark printed as an informational `#` line (not compared by
/// xtask), and the exit status from the demo's result. Never returns. Device only (the host
/// build of a firmware crate is a stub, see [`firmware_main!`]).
#[cfg(target_os = "none")]
pub fn run_demo<T, E: fmt::Display>(demo: impl FnOnce(&mut Stdout, &mut SysTickDelay) -> Result<T, E>) -> ! {
    let Some(mut out) = Stdout::open() else { exit(false) };
    let Some(cp) = cortex_m::Peripherals::take() else { exit(false) };
    let mut delay = SysTickDelay::new(cp.SYST);
    stack::paint();
    let result = demo(&mut out, &mut delay);
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

/// The `main` of a firmware example: on the device, [`run_demo`] with `$demo`; on the host
/// (`cargo build --workspace`), a stub that says how to run it.
/// `firmware_main!("fw-lasso", ferrokern_demos::lasso);`
#[macro_export]
macro_rules! firmware_main {
    ($name:literal, $demo:expr) => {
        #[cfg(target_os = "none")]
        use panic_semihosting as _;

        #[cfg(target_os = "none")]
        #[cortex_m_rt::entry]
        fn main() -> ! {
            $crate::run_demo($demo)
        }

        #[cfg(not(target_os = "none"))]
        fn main() {
            eprintln!(concat!(
                $name,
                " is Cortex-M4F firmware: build it for thumbv7em-none-eabihf (cargo xtask firmware)"
            ));
            std::process::exit(2);
        }
    };
}
