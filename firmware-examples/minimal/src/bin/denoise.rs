//! denoise family: CFG and APG guidance on 4-vectors and one student evaluation of a small
//! class-conditional network (2 pixels, 2 classes, one hidden layer of 8).
#![cfg_attr(target_os = "none", no_std, no_main)]

use core::hint::black_box;

use ferrokern::denoise::{apg, cfg, student_generate, ApgConfig, CondLayout, MomentumBuffer};
use ferrokern::nn::{activations_len, params_len, Activation, LayerSpec, Mlp};

fw_minimal::minimal_main!(run);

const L: CondLayout = CondLayout { pixels: 2, time_features: 4, classes: 2, guidance_input: true };
const NET: [LayerSpec; 2] =
    [LayerSpec::new(L.input_len(), 8, Activation::Silu), LayerSpec::new(8, 2, Activation::Identity)];

fn run() -> bool {
    body().is_ok()
}

fn body() -> ferrokern::Result<()> {
    let cond = black_box([0.5f32, -1.0, 2.0, 0.25]);
    let uncond = black_box([0.4f32, -0.8, 1.5, 0.5]);
    let mut out = [0.0f32; 4];
    cfg(&cond, &uncond, black_box(3.0), &mut out)?;
    black_box(&out);
    let mut running = [0.0f32; 4];
    let mut momentum = MomentumBuffer::new(&mut running);
    let stats = apg(&cond, &uncond, &ApgConfig::default(), &mut momentum, &mut out)?;
    black_box(&stats);
    black_box(&out);

    let mlp = Mlp::new(&NET)?;
    let mut params = [0.0f32; params_len(&NET)];
    for (i, p) in params.iter_mut().enumerate() {
        *p = black_box(0.01) * i as f32 - 0.2;
    }
    let z = black_box([0.1f32, -0.3]);
    let mut inputs = [0.0f32; L.input_len()];
    let mut acts = [0.0f32; activations_len(&NET, 1)];
    let mut sample = [0.0f32; 2];
    student_generate(&mlp, &params, &L, &z, &[black_box(1)], &[2.0], &mut inputs, &mut acts, &mut sample)?;
    black_box(&sample);
    Ok(())
}
