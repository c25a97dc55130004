//! optim family: one diffGrad step on 8 parameters.
#![cfg_attr(target_os = "none", no_std, no_main)]

use core::hint::black_box;

use ferrokern::optim::{DiffGrad, DiffGradConfig, Optimizer};

fw_minimal::minimal_main!(run);

fn run() -> bool {
    body().is_ok()
}

fn body() -> ferrokern::Result<()> {
    let mut opt = DiffGrad::new(DiffGradConfig { lr: black_box(0.01), ..DiffGradConfig::default() });
    let mut params = black_box([0.5f32, -1.0, 2.0, 0.25, 1.5, -0.75, 0.0, 3.0]);
    let grads = black_box([0.1f32, 0.2, -0.3, 0.4, -0.5, 0.6, 0.7, -0.8]);
    let mut state = [0.0f32; DiffGrad::state_len(8)];
    opt.step(&mut params, &grads, &mut state)?;
    black_box(&params);
    Ok(())
}
