//! nn family: forward pass of a 4 → 8 (ReLU) → 3 MLP on 2 rows.
#![cfg_attr(target_os = "none", no_std, no_main)]

use core::hint::black_box;

use ferrokern::nn::{activations_len, params_len, Activation, LayerSpec, Mlp};

fw_minimal::minimal_main!(run);

const NET: [LayerSpec; 2] =
    [LayerSpec::new(4, 8, Activation::Relu), LayerSpec::new(8, 3, Activation::Identity)];

fn run() -> bool {
    body().is_ok()
}

fn body() -> ferrokern::Result<()> {
    let mlp = Mlp::new(black_box(&NET))?;
    let mut params = [0.0f32; params_len(&NET)];
    for (i, p) in params.iter_mut().enumerate() {
        *p = black_box(0.01) * i as f32 - 0.2;
    }
    let x = black_box([0.5f32, -1.0, 2.0, 0.25, 1.5, -0.75, 0.0, 3.0]);
    let mut acts = [0.0f32; activations_len(&NET, 2)];
    mlp.forward(&params, &x, 2, &mut acts)?;
    black_box(mlp.output(&acts, 2)?);
    Ok(())
}
