//! linalg family: `dot` and `gemv` (f32, the SIMD crate's scalar path on Cortex-M).
#![cfg_attr(target_os = "none", no_std, no_main)]

use core::hint::black_box;

use ferrokern::linalg::{dot, MatRef};

fw_minimal::minimal_main!(run);

fn run() -> bool {
    body().is_ok()
}

fn body() -> ferrokern::Result<()> {
    let a = black_box([1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let x = black_box([0.5f32, -1.0, 2.0]);
    let mut y = [0.0f32; 2];
    MatRef::new(&a, 2, 3)?.gemv(1.0, &x, 0.0, &mut y)?;
    black_box(dot(&y, &y)?);
    Ok(())
}
