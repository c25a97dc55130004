//! `ferrokern::nn` training pieces: regression with `Target::Values`, buffer capacity,
//! standardisation closed forms, gathering.

use ferrokern::nn::{
    column_stats, gather, gather_rows, loss_and_grad, params_len, standardize, train_buffer_len, train_step,
    Activation, LayerSpec, Mlp, Target, TrainBuffers,
};
use ferrokern::optim::{DiffGrad, DiffGradConfig};
use ferrokern::rng::Pcg32;
use ferrokern::Error;

const NET: [LayerSpec; 3] = [
    LayerSpec::new(1, 16, Activation::Tanh),
    LayerSpec::new(16, 16, Activation::Silu),
    LayerSpec::new(16, 1, Activation::Identity),
];

#[test]
fn diffgrad_fits_a_sine_with_mse() {
    let mlp = Mlp::new(&NET).unwrap();
    let mut params = vec![0.0f32; params_len(&NET)];
    mlp.init(&mut params, &mut Pcg32::seed(9)).unwrap();
    let x: Vec<f32> = (0..32).map(|i| -3.0 + 6.0 * i as f32 / 31.0).collect();
    let y: Vec<f32> = x.iter().map(|v| target_sin(*v)).collect();
    let mut state = vec![0.0f32; DiffGrad::state_len(params.len())];
    let mut buf = vec![0.0f32; train_buffer_len(&NET, 32)];
    let mut bufs = TrainBuffers::split(&mut buf, &mlp, 32).unwrap();
    let mut opt = DiffGrad::new(DiffGradConfig { lr: 1e-2, ..DiffGradConfig::default() });
    let mut loss = f32::INFINITY;
    for _ in 0..1500 {
        loss =
            train_step(&mlp, &mut opt, &mut params, &mut state, &x, Target::Values(&y), &mut bufs).unwrap();
    }
    // Var(sin) on this grid ≈ 0.5; the fit must explain > 99 % of it.
    assert!(loss < 5e-3, "final MSE {loss}");
}

/// sin through f64 std, only to make targets.
fn target_sin(x: f32) -> f32 {
    f64::from(x).sin() as f32
}

#[test]
fn batch_larger_than_buffers_is_an_error() {
    let mlp = Mlp::new(&NET).unwrap();
    let params = vec![0.1f64; params_len(&NET)];
    let mut buf = vec![0.0f64; train_buffer_len(&NET, 4)];
    let mut bufs = TrainBuffers::split(&mut buf, &mlp, 4).unwrap();
    let r = loss_and_grad(&mlp, &params, &[0.0; 5], Target::Values(&[0.0; 5]), &mut bufs);
    assert_eq!(r, Err(Error::WorkspaceTooSmall { needed: 5, given: 4 }));
    // Smaller batches use prefixes.
    assert!(loss_and_grad(&mlp, &params, &[0.0; 3], Target::Values(&[1.0; 3]), &mut bufs).is_ok());
    let mut short = vec![0.0f64; train_buffer_len(&NET, 4) - 1];
    assert!(matches!(TrainBuffers::split(&mut short, &mlp, 4), Err(Error::DimensionMismatch { .. })));
}

#[test]
fn standardisation_uses_selected_rows() {
    // 4 rows × 2 cols; stats over rows {0, 2} only.
    let mut x = vec![1.0f64, 5.0, 100.0, 100.0, 3.0, 5.0, -7.0, 0.0];
    let (mut mean, mut std) = ([0.0; 2], [0.0; 2]);
    column_stats(&x, 2, &[0, 2], &mut mean, &mut std).unwrap();
    assert_eq!(mean, [2.0, 5.0]);
    assert_eq!(std, [1.0, 1.0]); // col 0: population std 1; col 1 constant → 1
    standardize(&mut x, &mean, &std).unwrap();
    assert_eq!(x, vec![-1.0, 0.0, 98.0, 95.0, 1.0, 0.0, -9.0, -5.0]);
    assert!(matches!(column_stats(&x, 2, &[4], &mut mean, &mut std), Err(Error::InvalidParameter { .. })));
    assert!(matches!(standardize(&mut x, &mean, &[1.0, 0.0]), Err(Error::InvalidParameter { .. })));
}

#[test]
fn gathering_rows_and_labels() {
    let src = [0, 1, 10, 11, 20, 21];
    let mut dst = [0; 4];
    gather_rows(&src, 2, &[2, 0], &mut dst).unwrap();
    assert_eq!(dst, [20, 21, 0, 1]);
    assert!(matches!(gather_rows(&src, 2, &[3, 0], &mut dst), Err(Error::InvalidParameter { .. })));
    assert_eq!(dst, [20, 21, 0, 1], "nothing written on error");
    let mut l = [0u8; 2];
    gather(&[7u8, 8, 9], &[2, 1], &mut l).unwrap();
    assert_eq!(l, [9, 8]);
}
