//! `StreamedMlp` (the denoise demo's block-streamed forward) against the whole-network
//! `Mlp::forward` on the same weights, for f32 and f16 files and layer widths that are not
//! multiples of the block (last block partial).

use ferrokern::model::{DType, Model};
use ferrokern::nn::{save_layer_stack, Activation, LayerSpec, Mlp};
use ferrokern::rng::Pcg32;
use ferrokern_demos::StreamedMlp;

const NET: [LayerSpec; 3] = [
    LayerSpec::new(7, 37, Activation::Silu),
    LayerSpec::new(37, 16, Activation::Tanh),
    LayerSpec::new(16, 5, Activation::Identity),
];

/// Max |streamed − reference| over a few random rows, for weights stored as `dtype`.
fn max_gap(dtype: DType) -> f32 {
    let mlp = Mlp::new(&NET).unwrap();
    let mut rng = Pcg32::seed(3);
    let mut params = vec![0.0f32; mlp.params_len()];
    mlp.init(&mut params, &mut rng).unwrap();
    // The reference uses exactly the stored values (f16-rounded for an f16 file).
    if dtype == DType::F16 {
        params.iter_mut().for_each(|p| *p = half::f16::from_f32(*p).to_f32());
    }
    let mut w = ferrokern::model::ModelWriter::new("test-mlp").unwrap();
    save_layer_stack(&mut w, &NET, &params, dtype).unwrap();
    let bytes = w.to_bytes().unwrap();
    let streamed = StreamedMlp::new(Model::parse(&bytes).unwrap()).unwrap();
    assert_eq!(streamed.layers(), &NET);
    let mut worst = 0.0f32;
    for _ in 0..4 {
        let x: Vec<f32> = (0..7).map(|_| rng.normal() as f32).collect();
        let mut acts = vec![0.0f32; mlp.activations_len(1).unwrap()];
        mlp.forward(&params, &x, 1, &mut acts).unwrap();
        let mut out = [0.0f32; 5];
        streamed.forward(&x, &mut out).unwrap();
        for (a, b) in out.iter().zip(mlp.output(&acts, 1).unwrap()) {
            worst = worst.max((a - b).abs());
        }
    }
    worst
}

#[test]
fn streamed_forward_matches_whole_network_forward() {
    // Same weights and per-output dot products; only gemm's blocking could reorder sums.
    for dtype in [DType::F32, DType::F16] {
        let gap = max_gap(dtype);
        assert!(gap <= 1e-6, "{dtype:?}: streamed vs Mlp::forward differ by {gap:e}");
    }
}

#[test]
fn rejects_wrong_lengths() {
    let mlp = Mlp::new(&NET).unwrap();
    let params = vec![0.1f32; mlp.params_len()];
    let mut w = ferrokern::model::ModelWriter::new("test-mlp").unwrap();
    save_layer_stack(&mut w, &NET, &params, DType::F16).unwrap();
    let bytes = w.to_bytes().unwrap();
    let streamed = StreamedMlp::new(Model::parse(&bytes).unwrap()).unwrap();
    let mut out = [0.0f32; 5];
    assert!(streamed.forward(&[0.0; 6], &mut out).is_err());
    assert!(streamed.forward(&[0.0; 7], &mut out[..4]).is_err());
}
