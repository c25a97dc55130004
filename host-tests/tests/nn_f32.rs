//! `ferrokern::nn` f32 accuracy contract (stated in the `nn` module docs): the f32 forward pass
//! and gradients against the f64 path on the same (f32-representable) weights and inputs.

use ferrokern::nn::{
    activations_len, loss_and_grad, params_len, train_buffer_len, Activation, LayerSpec, Mlp, Target,
    TrainBuffers,
};
use ferrokern::rng::Pcg32;

const NET: [LayerSpec; 3] = [
    LayerSpec::new(16, 32, Activation::Tanh),
    LayerSpec::new(32, 32, Activation::Relu),
    LayerSpec::new(32, 4, Activation::Gelu),
];
const BATCH: usize = 8;

/// Random f32 weights/inputs (He/Xavier init) and their exact f64 copies.
fn setup(seed: u64) -> (Vec<f32>, Vec<f64>, Vec<f32>, Vec<f64>) {
    let mlp = Mlp::new(&NET).unwrap();
    let mut rng = Pcg32::seed(seed);
    let mut p32 = vec![0.0f32; params_len(&NET)];
    mlp.init(&mut p32, &mut rng).unwrap();
    let x32: Vec<f32> = (0..BATCH * 16).map(|_| rng.normal() as f32).collect();
    let widen = |v: &[f32]| v.iter().map(|&a| f64::from(a)).collect::<Vec<f64>>();
    (widen(&p32).iter().map(|&a| a as f32).collect(), widen(&p32), x32.clone(), widen(&x32))
}

/// max |a − b| / max |b|.
fn rel_err(a: &[f32], b: &[f64]) -> f64 {
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    a.iter().zip(b).map(|(&a, &b)| (f64::from(a) - b).abs()).fold(0.0, f64::max) / scale
}

#[test]
fn f32_forward_within_1e5_of_f64_relative_to_output_scale() {
    let mlp = Mlp::new(&NET).unwrap();
    for seed in 0..5 {
        let (p32, p64, x32, x64) = setup(seed);
        let mut a32 = vec![0.0f32; activations_len(&NET, BATCH)];
        let mut a64 = vec![0.0f64; activations_len(&NET, BATCH)];
        mlp.forward(&p32, &x32, BATCH, &mut a32).unwrap();
        mlp.forward(&p64, &x64, BATCH, &mut a64).unwrap();
        let err = rel_err(mlp.output(&a32, BATCH).unwrap(), mlp.output(&a64, BATCH).unwrap());
        eprintln!("seed {seed}: forward relative error {err:.2e}");
        assert!(err < 1e-5, "seed {seed}: forward relative error {err:e}");
    }
}

#[test]
fn f32_gradients_within_1e5_of_f64_relative_to_gradient_scale() {
    let mlp = Mlp::new(&NET).unwrap();
    let targets64: Vec<f64> = (0..BATCH * 4).map(|i| (i as f64 * 0.37).sin()).collect();
    let targets32: Vec<f32> = targets64.iter().map(|&v| v as f32).collect();
    for seed in 0..5 {
        let (p32, p64, x32, x64) = setup(seed);
        let mut b32 = vec![0.0f32; train_buffer_len(&NET, BATCH)];
        let mut b64 = vec![0.0f64; train_buffer_len(&NET, BATCH)];
        let mut t32 = TrainBuffers::split(&mut b32, &mlp, BATCH).unwrap();
        let mut t64 = TrainBuffers::split(&mut b64, &mlp, BATCH).unwrap();
        let l32 = loss_and_grad(&mlp, &p32, &x32, Target::Values(&targets32), &mut t32).unwrap();
        let l64 = loss_and_grad(&mlp, &p64, &x64, Target::Values(&targets64), &mut t64).unwrap();
        let (g32, g64) = (&*t32.grads, &*t64.grads);
        assert!((f64::from(l32) - l64).abs() <= 1e-5 * l64.abs(), "seed {seed}: loss {l32} vs {l64}");
        let err = rel_err(g32, g64);
        eprintln!("seed {seed}: gradient relative error {err:.2e}");
        assert!(err < 1e-5, "seed {seed}: gradient relative error {err:e}");
    }
}
