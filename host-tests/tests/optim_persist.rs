//! Optimizer state in a model file (`ferrokern::optim::{save_state, load_state}`) and an MLP
//! in a model file (`ferrokern::nn::{save_mlp, mlp_layers, ...}`): saving, restoring and
//! continuing gives bit-identical results to never stopping; bad files leave state untouched.

use ferrokern::model::{Model, ModelWriter};
use ferrokern::nn::{
    load_mlp_params, load_standardization, mlp_layers, save_mlp, train_buffer_len, train_step, Activation,
    LayerSpec, Mlp, Target, TrainBuffers,
};
use ferrokern::optim::{
    load_state, save_state, Adam, AdamConfig, DiffGrad, DiffGradConfig, Moment, Optimizer,
    PersistentOptimizer, SgdMomentum, StateElement,
};
use ferrokern::rng::Pcg32;
use ferrokern_simd::bf16;

/// Gradient of ½‖x − c‖² plus a wobble, at step k (deterministic).
fn grad(x: &[f32], k: usize, g: &mut [f32]) {
    for (i, (gi, xi)) in g.iter_mut().zip(x).enumerate() {
        *gi = xi - (i as f32 * 0.1) + ((k * 7 + i) % 5) as f32 * 0.01;
    }
}

/// Runs 2·steps steps straight, and steps + save + fresh optimizer + load + steps; compares bits.
fn resume_is_bit_identical<O, S>(make: impl Fn() -> O, steps: usize)
where
    O: PersistentOptimizer,
    S: Moment<f32> + StateElement + PartialEq + std::fmt::Debug,
{
    let n = 37;
    let x0: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
    let mut g = vec![0.0f32; n];

    let (mut straight, mut x_a) = (make(), x0.clone());
    let mut state_a = vec![S::default(); O::state_len_for(n)];
    for k in 0..2 * steps {
        grad(&x_a, k, &mut g);
        straight.step(&mut x_a, &g, &mut state_a).unwrap();
    }

    let (mut first, mut x_b) = (make(), x0);
    let mut state_b = vec![S::default(); O::state_len_for(n)];
    for k in 0..steps {
        grad(&x_b, k, &mut g);
        first.step(&mut x_b, &g, &mut state_b).unwrap();
    }
    let mut w = ModelWriter::new("optim-state").unwrap();
    w.tensor_f32("params", &[n], &x_b).unwrap();
    save_state(&mut w, "optim", &first, &state_b).unwrap();
    let bytes = w.to_bytes().unwrap();
    drop((first, state_b, x_b)); // "reset"

    let model = Model::parse(&bytes).unwrap();
    let mut x_c = vec![0.0f32; n];
    model.read_f32("params", &[n], &mut x_c).unwrap();
    let mut resumed = make();
    let mut state_c = vec![S::default(); O::state_len_for(n)];
    assert_eq!(load_state(&model, "optim", &mut resumed, &mut state_c).unwrap(), steps as u64);
    assert_eq!(resumed.step_count(), steps as u64);
    for k in steps..2 * steps {
        grad(&x_c, k, &mut g);
        resumed.step(&mut x_c, &g, &mut state_c).unwrap();
    }
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&x_a), bits(&x_c), "{}: parameters differ after resuming", O::NAME);
    assert_eq!(state_a, state_c, "{}: state differs after resuming", O::NAME);
    // The moments are not trivially zero (the comparison means something).
    assert!(state_c.iter().any(|s| *s != S::default()));
}

#[test]
fn diffgrad_adam_sgd_resume_bit_identical() {
    let dg = || DiffGrad::new(DiffGradConfig { lr: 0.05, ..DiffGradConfig::default() });
    resume_is_bit_identical::<_, f32>(dg, 25);
    resume_is_bit_identical::<_, bf16>(dg, 25);
    resume_is_bit_identical::<_, half::f16>(dg, 25);
    resume_is_bit_identical::<_, f32>(|| Adam::new(AdamConfig { lr: 0.05, ..AdamConfig::default() }), 25);
    resume_is_bit_identical::<_, f32>(SgdMomentum::default, 25);
}

#[test]
fn load_errors_leave_state_untouched() {
    let mut opt = DiffGrad::default();
    let mut state = vec![0.5f32; DiffGrad::state_len(4)];
    opt.step(&mut [1.0f32; 4], &[0.1; 4], &mut state).unwrap();
    let mut w = ModelWriter::new("optim-state").unwrap();
    save_state(&mut w, "optim", &opt, &state).unwrap();
    let bytes = w.to_bytes().unwrap();
    let model = Model::parse(&bytes).unwrap();

    let sentinel = vec![7.0f32; 12];
    // Another optimizer, another size, another dtype, another prefix: errors, nothing written.
    let mut adam = Adam::default();
    let mut s = vec![7.0f32; 8];
    assert!(load_state(&model, "optim", &mut adam, &mut s).is_err());
    assert_eq!(adam.step_count(), 0);
    let mut dg = DiffGrad::default();
    let mut wrong_len = vec![7.0f32; 15];
    assert!(load_state(&model, "optim", &mut dg, &mut wrong_len).is_err());
    let mut as_bf16 = vec![bf16::from_f32(7.0); 12];
    assert!(load_state(&model, "optim", &mut dg, &mut as_bf16).is_err());
    assert!(as_bf16.iter().all(|v| v.to_f32() == 7.0));
    let mut s = sentinel.clone();
    assert!(load_state(&model, "other", &mut dg, &mut s).is_err());
    assert!(load_state(&model, "a_prefix_far_too_long", &mut dg, &mut s).is_err());
    assert_eq!((s, dg.step_count()), (sentinel, 0));
    // Saving rejects a bad prefix and a state length that is not 3n.
    let mut w = ModelWriter::new("x").unwrap();
    assert!(save_state(&mut w, "", &opt, &state).is_err());
    assert!(save_state(&mut w, "optim", &opt, &state[..11]).is_err());
}

#[test]
fn mlp_round_trip_gives_identical_outputs() {
    let net = [
        LayerSpec::new(5, 7, Activation::Tanh),
        LayerSpec::new(7, 6, Activation::Gelu),
        LayerSpec::new(6, 3, Activation::Identity),
    ];
    let mlp = Mlp::new(&net).unwrap();
    let mut params = vec![0.0f32; mlp.params_len()];
    mlp.init(&mut params, &mut Pcg32::seed(9)).unwrap();
    // A few training steps so biases are non-zero.
    let mut opt = Adam::new(AdamConfig { lr: 0.01, ..AdamConfig::default() });
    let mut state = vec![0.0f32; Adam::state_len(params.len())];
    let mut buf = vec![0.0f32; train_buffer_len(&net, 4)];
    let mut bufs = TrainBuffers::split(&mut buf, &mlp, 4).unwrap();
    let x: Vec<f32> = (0..20).map(|i| (i as f32 * 0.3).cos()).collect();
    for _ in 0..5 {
        train_step(&mlp, &mut opt, &mut params, &mut state, &x, Target::Classes(&[0, 1, 2, 1]), &mut bufs)
            .unwrap();
    }
    let (mean, std) = ([0.1f32, 0.2, 0.3, 0.4, 0.5], [1.0f32, 2.0, 3.0, 4.0, 5.0]);
    let mut w = ModelWriter::new("mlp").unwrap();
    save_mlp(&mut w, &net, &params, &mean, &std).unwrap();
    w.meta_str("task", "classification").unwrap();
    let bytes = w.to_bytes().unwrap();
    let model = Model::parse(&bytes).unwrap();

    let mut specs = [LayerSpec::new(1, 1, Activation::Identity); 8];
    let layers = mlp_layers(&model, &mut specs).unwrap();
    assert_eq!(layers, &net);
    let mut back = vec![0.0f32; params.len()];
    load_mlp_params(&model, layers, &mut back).unwrap();
    assert_eq!(back, params);
    let (mut m, mut s) = ([0.0f64; 5], [0.0f64; 5]);
    load_standardization(&model, &mut m, &mut s).unwrap();
    assert_eq!(s, [1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(m[2], f64::from(0.3f32));

    // Too few layer slots, wrong kind, wrong params length.
    assert!(mlp_layers(&model, &mut specs[..2]).is_err());
    let other = ModelWriter::new("gbnn").unwrap().to_bytes().unwrap();
    assert!(mlp_layers(&Model::parse(&other).unwrap(), &mut specs).is_err());
    assert!(load_mlp_params(&model, &net, &mut back[..10]).is_err());
}
