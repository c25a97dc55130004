//! Instruction-count harness (run by `cargo xtask insncount` with the TCG plugin).
//!
//! Calls `#[inline(never)]` wrappers of the scalar kernels `REPS` times each; xtask counts the
//! instructions executed inside one wrapper (and the functions it calls) for REPS = K and 2K.
//! The semihosting command line selects the kernel and REPS: `insncount <dot|gemv|exp|student> <reps>`.
//! On the host (e.g. `cargo build --workspace`) it builds to a stub that says how to run it.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod device {
    use core::hint::black_box;

    use cortex_m_rt::entry;
    use cortex_m_semihosting::{hprintln, nr, syscall};
    use fw_linalg::exit;
    use panic_semihosting as _;

    const N: usize = 1024;
    const GEMV_DIM: usize = 64;

    #[inline(never)]
    #[no_mangle]
    fn insn_dot(a: &[f32], b: &[f32]) -> f32 {
        ferrokern_simd::dot(a, b)
    }

    #[inline(never)]
    #[no_mangle]
    fn insn_gemv(a: &[f32], x: &[f32], y: &mut [f32]) {
        ferrokern_simd::gemv(GEMV_DIM, GEMV_DIM, 1.0, a, GEMV_DIM, x, 0.0, y)
    }

    #[inline(never)]
    #[no_mangle]
    fn insn_exp(x: &mut [f32]) {
        ferrokern_simd::exp_slice(x)
    }

    /// One sample of the denoise demo's one-step student (f16 weights decoded from flash).
    #[inline(never)]
    #[no_mangle]
    fn insn_student(student: &ferrokern_demos::StreamedMlp<'_>, z: &[f32], out: &mut [f32]) -> bool {
        ferrokern_demos::student_sample(student, z, 3, ferrokern_demos::DENOISE_SCALE, out).is_ok()
    }

    /// The semihosting command line (`-semihosting-config arg=...`), NUL-terminated in `buf`.
    fn cmdline(buf: &mut [u8; 64]) -> &str {
        let block = [buf.as_mut_ptr() as usize, buf.len() - 1];
        // SAFETY: SYS_GET_CMDLINE writes at most block[1] bytes (NUL-terminated) into buf. The
        // length it writes back into `block` is not read: the terminating NUL is used instead.
        let rc = unsafe { syscall(nr::GET_CMDLINE, &block) };
        let buf = core::hint::black_box(buf);
        let len = if rc == 0 { buf.iter().position(|&b| b == 0).unwrap_or(0) } else { 0 };
        core::str::from_utf8(buf.get(..len).unwrap_or(&[])).unwrap_or("")
    }

    /// Deterministic inputs in [-scale, scale) (an LCG: no dependency on the code under test).
    fn fill(seed: u32, scale: f32, xs: &mut [f32]) {
        let mut s = seed;
        for x in xs {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            *x = ((s >> 8) as f32 / 8_388_608.0 - 1.0) * scale;
        }
    }

    #[entry]
    fn main() -> ! {
        let mut buf = [0u8; 64];
        let mut args = cmdline(&mut buf).split_whitespace().skip(1);
        let kernel = args.next().unwrap_or("");
        let Some(reps) = args.next().and_then(|r| r.parse::<u32>().ok()) else {
            hprintln!("usage: insncount <dot|gemv|exp|student> <reps>");
            exit(false)
        };
        let mut a = [0.0f32; GEMV_DIM * GEMV_DIM];
        let mut b = [0.0f32; N];
        let mut y = [0.0f32; GEMV_DIM];
        fill(1, 1.0, &mut a);
        fill(2, 1.0, &mut b);
        let mut acc = 0.0f32;
        match kernel {
            "dot" => {
                for _ in 0..reps {
                    acc += insn_dot(black_box(&a[..N]), black_box(&b));
                }
            }
            "gemv" => {
                for _ in 0..reps {
                    insn_gemv(black_box(&a), black_box(&b[..GEMV_DIM]), black_box(&mut y));
                    acc += y[0];
                }
            }
            "exp" => {
                let mut x = [0.0f32; N];
                for _ in 0..reps {
                    // Fresh arguments in [-10, 10) each time (outside the measured range).
                    fill(3, 10.0, &mut x);
                    insn_exp(black_box(&mut x));
                    acc += x[0];
                }
            }
            "student" => {
                let Ok(student) = ferrokern_demos::denoise_student() else { exit(false) };
                let mut x = [0.0f32; 64];
                for _ in 0..reps {
                    if !insn_student(black_box(&student), black_box(&b[..64]), black_box(&mut x)) {
                        exit(false)
                    }
                    acc += x[0];
                }
            }
            _ => {
                hprintln!("unknown kernel {}", kernel);
                exit(false)
            }
        }
        hprintln!("{} reps {} acc {:08x}", kernel, reps, black_box(acc).to_bits());
        exit(true)
    }
}

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!("insncount is Cortex-M4F firmware: build it for thumbv7em-none-eabihf (cargo xtask firmware)");
    std::process::exit(2);
}
