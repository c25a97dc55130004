//! boost family: prediction of a merged boosted network (binary, 3 features, 4 steps × 1 unit).
#![cfg_attr(target_os = "none", no_std, no_main)]

use core::hint::black_box;

use ferrokern::boost::{model_len, GbnnShape, Loss, MergedModel};
use ferrokern::nn::Activation;

fw_minimal::minimal_main!(run);

const SHAPE: GbnnShape =
    GbnnShape { features: 3, steps: 4, units: 1, loss: Loss::LogExponential, activation: Activation::Tanh };
const LEN: usize = model_len(3, 4, 1, 1);
const ROWS: usize = 2;

fn run() -> bool {
    body().is_ok()
}

fn body() -> ferrokern::Result<()> {
    let mut buf = [0.0f32; LEN];
    for (i, v) in buf.iter_mut().enumerate() {
        // Positive everywhere, so the `std` part of the buffer is valid.
        *v = black_box(0.05) * (i + 1) as f32;
    }
    let model = MergedModel::new(SHAPE, &buf)?;
    let x = black_box([0.5f32, -1.0, 2.0, 0.25, 1.5, -0.75]);
    let mut out = [0.0f32; ROWS];
    let mut scratch = [0.0f32; MergedModel::<f32>::scratch_len(3, 4, ROWS)];
    model.predict(&x, SHAPE.hidden(), &mut out, &mut scratch)?;
    black_box(&out);
    Ok(())
}
