//! Fuzzes prediction from arbitrary model bytes: `Model::parse`, then for a `gbnn` model
//! `load_gbnn` → `MergedModel::predict`/`classes` on every prefix size, and for an `mlp`
//! model `mlp_layers` → `load_mlp_params`/`load_standardization` → `Mlp::forward`. Buffers are
//! sized from the (fuzzer-controlled) metadata with a cap, so absurd shapes must be rejected
//! as errors, never allocated or indexed. As `model_parse`, each input also runs with its CRC
//! fixed so mutations reach the loaders.
#![no_main]

use ferrokern::boost::{gbnn_shape, load_gbnn, MergedModel};
use ferrokern::model::{crc32, Model};
use ferrokern::nn::{load_mlp_params, load_standardization, mlp_layers, LayerSpec, Mlp, MAX_LAYERS};
use libfuzzer_sys::fuzz_target;

const CAP: usize = 1 << 16;

fn gbnn(model: &Model<'_>) {
    let Ok(shape) = gbnn_shape(model) else { return };
    let len = shape.model_len();
    if len > CAP {
        return;
    }
    let mut buf = vec![0.0f32; len];
    if load_gbnn(model, &mut buf).is_err() {
        return;
    }
    let Ok(m) = MergedModel::new(shape, &buf) else { return };
    let (d, k) = (shape.features, shape.outputs());
    let rows = 3;
    if d > 1024 || k > 1024 {
        return;
    }
    let x: Vec<f32> = (0..rows * d).map(|i| (i % 7) as f32 * 0.25 - 0.75).collect();
    let mut out = vec![0.0f32; rows * k];
    let mut scratch = vec![0.0f32; MergedModel::<f32>::scratch_len(d, shape.hidden().min(CAP), rows)];
    for units in [0, 1, shape.hidden() / 2, shape.hidden()] {
        if m.predict(&x, units, &mut out, &mut scratch).is_ok() {
            let mut labels = vec![0usize; rows];
            if m.classes(&out, true, &mut labels).is_ok() {
                assert!(labels.iter().all(|&c| c < k.max(2)));
            }
        }
    }
}

fn mlp(model: &Model<'_>) {
    let mut store = [LayerSpec::new(1, 1, ferrokern::nn::Activation::Identity); MAX_LAYERS];
    let Ok(layers) = mlp_layers(model, &mut store) else { return };
    let Ok(net) = Mlp::new(layers) else { return };
    if net.params_len() > CAP || net.inputs() > 1024 {
        return;
    }
    let mut params = vec![0.0f32; net.params_len()];
    if load_mlp_params(model, layers, &mut params).is_err() {
        return;
    }
    let (mut mean, mut std) = (vec![0.0f32; net.inputs()], vec![0.0f32; net.inputs()]);
    let _ = load_standardization(model, &mut mean, &mut std);
    let batch = 2;
    let Ok(alen) = net.activations_len(batch) else { return };
    if alen > CAP {
        return;
    }
    let x: Vec<f32> = (0..batch * net.inputs()).map(|i| (i % 5) as f32 * 0.5 - 1.0).collect();
    let mut acts = vec![0.0f32; alen];
    if net.forward(&params, &x, batch, &mut acts).is_ok() {
        assert_eq!(net.output(&acts, batch).map(<[f32]>::len).ok(), Some(batch * net.outputs()));
    }
}

fn walk(bytes: &[u8]) {
    let Ok(model) = Model::parse(bytes) else { return };
    gbnn(&model);
    mlp(&model);
}

fuzz_target!(|data: &[u8]| {
    walk(data);
    if let Some(body_len) = data.len().checked_sub(4) {
        let mut fixed = data.to_vec();
        let crc = crc32(&fixed[..body_len]);
        fixed[body_len..].copy_from_slice(&crc.to_le_bytes());
        walk(&fixed);
    }
});
