//! `ferrokern::nn`: backward against central finite differences (f64) for every activation and
//! both losses; forward against a hand-written loop; size functions; bad input.

use ferrokern::nn::{
    activations_len, mse, params_len, scratch_len, softmax_cross_entropy, Activation, LayerSpec, Mlp,
};
use ferrokern::rng::Pcg32;
use ferrokern::Error;

const ACTS: [Activation; 5] =
    [Activation::Identity, Activation::Relu, Activation::Tanh, Activation::Silu, Activation::Gelu];

enum Loss {
    Ce(Vec<usize>),
    Mse(Vec<f64>),
}

fn loss_of(mlp: &Mlp, params: &[f64], x: &[f64], batch: usize, loss: &Loss, d_out: &mut [f64]) -> f64 {
    let mut acts = vec![0.0; mlp.activations_len(batch).unwrap()];
    mlp.forward(params, x, batch, &mut acts).unwrap();
    let out = mlp.output(&acts, batch).unwrap();
    match loss {
        Loss::Ce(labels) => softmax_cross_entropy(out, labels, mlp.outputs(), d_out).unwrap(),
        Loss::Mse(target) => mse(out, target, d_out).unwrap(),
    }
}

/// Max |analytic − central difference| / max(1, |fd|) over all parameters.
fn gradcheck(layers: &[LayerSpec], batch: usize, loss: &Loss, seed: u64) -> f64 {
    let mlp = Mlp::new(layers).unwrap();
    let mut rng = Pcg32::seed(seed);
    let mut params = vec![0.0; mlp.params_len()];
    mlp.init(&mut params, &mut rng).unwrap();
    // Non-zero biases so every activation is exercised away from the origin.
    for p in params.iter_mut() {
        *p += 0.1 * rng.normal();
    }
    let x: Vec<f64> = (0..batch * mlp.inputs()).map(|_| rng.normal()).collect();
    let mut d_out = vec![0.0; batch * mlp.outputs()];
    loss_of(&mlp, &params, &x, batch, loss, &mut d_out);
    let mut acts = vec![0.0; activations_len(layers, batch)];
    mlp.forward(&params, &x, batch, &mut acts).unwrap();
    let mut grads = vec![f64::NAN; params_len(layers)];
    let mut scratch = vec![0.0; scratch_len(layers, batch)];
    mlp.backward(&params, &x, batch, &acts, &d_out, &mut grads, &mut scratch).unwrap();
    let h = 1e-6;
    let mut worst = 0.0f64;
    let mut dummy = vec![0.0; d_out.len()];
    for i in 0..params.len() {
        let mut p = params.clone();
        p[i] += h;
        let up = loss_of(&mlp, &p, &x, batch, loss, &mut dummy);
        p[i] -= 2.0 * h;
        let down = loss_of(&mlp, &p, &x, batch, loss, &mut dummy);
        let fd = (up - down) / (2.0 * h);
        worst = worst.max((grads[i] - fd).abs() / fd.abs().max(1.0));
    }
    worst
}

#[test]
fn every_activation_with_both_losses_matches_finite_differences() {
    for act in ACTS {
        let layers = [
            LayerSpec::new(3, 5, act),
            LayerSpec::new(5, 4, act),
            LayerSpec::new(4, 3, Activation::Identity),
        ];
        let ce = gradcheck(&layers, 4, &Loss::Ce(vec![0, 2, 1, 2]), 7);
        let target: Vec<f64> = (0..12).map(|k| (k as f64 * 0.7).sin()).collect();
        let ms = gradcheck(&layers, 4, &Loss::Mse(target), 11);
        eprintln!("{act:?}: CE max rel err {ce:e}, MSE {ms:e}");
        // Central differences with h = 1e-6: truncation O(h²) plus rounding O(ε/h) ≈ 1e-10.
        assert!(ce < 1e-7 && ms < 1e-7, "{act:?}: {ce} {ms}");
    }
}

#[test]
fn mixed_activations_output_activation_and_batch_one() {
    let layers = [
        LayerSpec::new(2, 6, Activation::Gelu),
        LayerSpec::new(6, 3, Activation::Silu),
        LayerSpec::new(3, 4, Activation::Relu),
        LayerSpec::new(4, 2, Activation::Tanh),
    ];
    assert!(gradcheck(&layers, 1, &Loss::Mse(vec![0.3, -0.2]), 3) < 1e-7);
    assert!(gradcheck(&layers, 5, &Loss::Ce(vec![1, 0, 0, 1, 1]), 5) < 1e-7);
}

#[test]
fn loss_gradients_match_finite_differences() {
    let logits = [0.3, -1.2, 2.0, 0.1, 0.5, 0.5, -3.0, 1.0, 0.0];
    let labels = [2, 0, 1];
    let mut d = [0.0; 9];
    let mut dummy = [0.0; 9];
    let l0 = softmax_cross_entropy(&logits, &labels, 3, &mut d).unwrap();
    // Closed form of the mean CE.
    let want: f64 = logits
        .chunks(3)
        .zip(labels)
        .map(|(r, y)| r.iter().map(|v: &f64| v.exp()).sum::<f64>().ln() - r[y])
        .sum::<f64>()
        / 3.0;
    assert!((l0 - want).abs() < 1e-14);
    for i in 0..9 {
        let (mut up, mut dn) = (logits, logits);
        up[i] += 1e-6;
        dn[i] -= 1e-6;
        let fd = (softmax_cross_entropy(&up, &labels, 3, &mut dummy).unwrap()
            - softmax_cross_entropy(&dn, &labels, 3, &mut dummy).unwrap())
            / 2e-6;
        assert!((fd - d[i]).abs() < 1e-8, "{i}: {fd} vs {}", d[i]);
    }
    let (p, t) = ([1.0f64, 2.0, -1.0], [0.5, 2.5, 0.0]);
    let mut dp = [0.0; 3];
    assert!((mse(&p, &t, &mut dp).unwrap() - (0.25 + 0.25 + 1.0) / 3.0).abs() < 1e-15);
    assert_eq!(dp, [2.0 * 0.5 / 3.0, 2.0 * -0.5 / 3.0, -2.0 / 3.0]);
}

#[test]
fn forward_matches_hand_loop() {
    let layers = [LayerSpec::new(3, 2, Activation::Tanh), LayerSpec::new(2, 2, Activation::Identity)];
    let mlp = Mlp::new(&layers).unwrap();
    let params: Vec<f64> = (0..params_len(&layers)).map(|k| (k as f64 * 0.37).cos()).collect();
    let x = [0.5, -1.0, 2.0, 1.5, 0.25, -0.75];
    let mut acts = vec![0.0; activations_len(&layers, 2)];
    mlp.forward(&params, &x, 2, &mut acts).unwrap();
    let (w1, b1, w2, b2) = (&params[0..6], &params[6..8], &params[8..12], &params[12..14]);
    for r in 0..2 {
        let h: Vec<f64> = (0..2)
            .map(|j| ((0..3).map(|k| w1[j * 3 + k] * x[r * 3 + k]).sum::<f64>() + b1[j]).tanh())
            .collect();
        for j in 0..2 {
            let y = w2[j * 2] * h[0] + w2[j * 2 + 1] * h[1] + b2[j];
            assert!((mlp.output(&acts, 2).unwrap()[r * 2 + j] - y).abs() < 1e-14);
        }
    }
}

#[test]
fn bad_input_is_an_error() {
    assert!(matches!(Mlp::new(&[]), Err(Error::InvalidParameter { .. })));
    let chain = [LayerSpec::new(3, 4, Activation::Relu), LayerSpec::new(5, 2, Activation::Identity)];
    assert!(matches!(Mlp::new(&chain), Err(Error::DimensionMismatch { .. })));
    let zero = [LayerSpec::new(3, 0, Activation::Relu)];
    assert!(matches!(Mlp::new(&zero), Err(Error::InvalidParameter { .. })));
    let layers = [LayerSpec::new(2, 3, Activation::Relu), LayerSpec::new(3, 2, Activation::Identity)];
    let mlp = Mlp::new(&layers).unwrap();
    let params = vec![0.1f32; params_len(&layers)];
    let mut acts = vec![0.0f32; activations_len(&layers, 2)];
    assert!(matches!(
        mlp.forward(&params, &[0.0; 3], 2, &mut acts),
        Err(Error::DimensionMismatch { what: "x", .. })
    ));
    assert!(matches!(
        mlp.forward(&params[1..], &[0.0; 4], 2, &mut acts),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(matches!(mlp.forward(&params, &[], 0, &mut []), Err(Error::InvalidParameter { .. })));
    mlp.forward(&params, &[0.0; 4], 2, &mut acts).unwrap();
    let mut grads = vec![0.0f32; params.len()];
    let mut small = vec![0.0f32; scratch_len(&layers, 2) - 1];
    assert!(matches!(
        mlp.backward(&params, &[0.0; 4], 2, &acts, &[1.0; 4], &mut grads, &mut small),
        Err(Error::WorkspaceTooSmall { .. })
    ));
    let mut d = [0.0f32; 4];
    assert!(matches!(
        softmax_cross_entropy(&[0.0f32; 4], &[0, 2], 2, &mut d),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        softmax_cross_entropy(&[0.0, f32::NAN, 0.0, 0.0], &[0, 1], 2, &mut d),
        Err(Error::NonFinite { what: "logits", index: 1 })
    ));
}

#[test]
fn sizes_are_const() {
    const NET: [LayerSpec; 2] =
        [LayerSpec::new(64, 64, Activation::Relu), LayerSpec::new(64, 10, Activation::Identity)];
    const P: usize = params_len(&NET);
    const A: usize = activations_len(&NET, 32);
    const S: usize = scratch_len(&NET, 32);
    assert_eq!((P, A, S), (64 * 65 + 10 * 65, 2 * 32 * 74, 2 * 32 * 64));
}
