//! optim API: bad input (errors with nothing written), parameter groups, clipping, schedules,
//! owned state, save/resume, 16-bit moments.

use ferrokern::optim::{
    Adam, AdamConfig, DiffGrad, DiffGradConfig, DiffGradOwned, LrSchedule, Optimizer, ParamGroup, SgdConfig,
    SgdMomentum, StepControl,
};
use ferrokern::Error;
use proptest::prelude::*;

fn bits(x: &[f32]) -> Vec<u32> {
    x.iter().map(|v| v.to_bits()).collect()
}

/// A diffGrad that has taken a few steps, so its state is non-trivial.
fn warmed_up() -> (DiffGrad, Vec<f32>, Vec<f32>) {
    let mut opt = DiffGrad::new(DiffGradConfig { lr: 0.05, ..DiffGradConfig::default() });
    let mut p = vec![0.5f32, -1.0, 2.0, 0.25];
    let mut s = vec![0.0f32; DiffGrad::state_len(4)];
    for k in 0..3 {
        let g: Vec<f32> = p.iter().map(|x| 2.0 * x + k as f32).collect();
        opt.step(&mut p, &g, &mut s).unwrap();
    }
    (opt, p, s)
}

#[test]
fn non_finite_gradient_is_rejected_before_anything_is_written() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let (mut opt, mut p, mut s) = warmed_up();
        let (p0, s0, t0) = (bits(&p), bits(&s), opt.step_count());
        let g = [1.0, 2.0, bad, bad];
        assert_eq!(opt.step(&mut p, &g, &mut s), Err(Error::NonFinite { what: "grads", index: 2 }));
        assert_eq!((bits(&p), bits(&s), opt.step_count()), (p0, s0, t0));
    }
}

#[test]
fn non_finite_in_second_group_names_concatenated_index_and_leaves_first_group() {
    let mut opt = Adam::new(AdamConfig::default());
    let (mut p1, mut p2) = ([1.0f32; 3], [2.0f32; 2]);
    let (mut s1, mut s2) = ([0.0f32; 6], [0.0f32; 4]);
    let (g1, g2) = ([0.1f32; 3], [0.2f32, f32::NAN]);
    let mut groups = [ParamGroup::new(&mut p1, &g1, &mut s1), ParamGroup::new(&mut p2, &g2, &mut s2)];
    assert_eq!(opt.step_groups(&mut groups), Err(Error::NonFinite { what: "grads", index: 4 }));
    assert_eq!((p1, s1, opt.step_count()), ([1.0; 3], [0.0; 6], 0));
}

#[test]
fn length_mismatches_are_errors() {
    let mut opt = DiffGrad::default();
    let mut p = [1.0f64; 3];
    let mut s = [0.0f64; 9];
    assert_eq!(
        opt.step(&mut p, &[1.0; 2], &mut s),
        Err(Error::DimensionMismatch { what: "grads", expected: 3, found: 2 })
    );
    assert_eq!(
        opt.step(&mut p, &[1.0; 3], &mut s[..8]),
        Err(Error::DimensionMismatch { what: "state", expected: 9, found: 8 })
    );
    assert_eq!((p, s, opt.step_count()), ([1.0; 3], [0.0; 9], 0));
}

#[test]
fn invalid_hyperparameters_are_errors() {
    let mut p = [1.0f64];
    let mut s = [0.0f64; 3];
    for cfg in [
        DiffGradConfig { lr: 0.0, ..DiffGradConfig::default() },
        DiffGradConfig { lr: f64::NAN, ..DiffGradConfig::default() },
        DiffGradConfig { beta1: 1.0, ..DiffGradConfig::default() },
        DiffGradConfig { beta2: -0.1, ..DiffGradConfig::default() },
        DiffGradConfig { eps: -1.0, ..DiffGradConfig::default() },
        DiffGradConfig { weight_decay: -1.0, ..DiffGradConfig::default() },
    ] {
        let r = DiffGrad::new(cfg).step(&mut p, &[1.0], &mut s);
        assert!(matches!(r, Err(Error::InvalidParameter { .. })), "{cfg:?}: {r:?}");
    }
    let bad_control =
        StepControl { schedule: LrSchedule::Step { every: 0, gamma: 0.5 }, ..StepControl::default() };
    let r = DiffGrad::default().with_control(bad_control).step(&mut p, &[1.0], &mut s);
    assert!(matches!(r, Err(Error::InvalidParameter { name: "every", .. })));
    assert_eq!((p, s), ([1.0], [0.0; 3]));
}

#[test]
fn clipping_by_global_norm_closed_form() {
    // Plain SGD, two groups with gradients (3) and (4): global norm 5, clipped to 1.
    let control = StepControl { max_grad_norm: Some(1.0), ..StepControl::default() };
    let mut opt =
        SgdMomentum::new(SgdConfig { lr: 0.1, momentum: 0.0, ..SgdConfig::default() }).with_control(control);
    let (mut a, mut b) = ([0.0f64], [0.0f64]);
    let (mut sa, mut sb) = ([0.0f64], [0.0f64]);
    let mut groups = [ParamGroup::new(&mut a, &[3.0], &mut sa), ParamGroup::new(&mut b, &[4.0], &mut sb)];
    opt.step_groups(&mut groups).unwrap();
    let scale = 1.0 / (5.0 + 1e-6);
    assert!((a[0] + 0.1 * 3.0 * scale).abs() < 1e-15 && (b[0] + 0.1 * 4.0 * scale).abs() < 1e-15);
    // Below the limit nothing is scaled.
    let mut c = [0.0f64];
    opt.step(&mut c, &[0.5], &mut [0.0]).unwrap();
    assert!((c[0] + 0.05).abs() < 1e-15);
}

#[test]
fn clipping_norm_of_f32_squares_whose_sum_overflows_f32() {
    // Four f32 gradients of 1e19: each square (1e38) is finite, their sum (4e38) is not. The
    // clipping norm is then taken in f64: 2e19, so each clipped gradient is 1e19/(2e19 + 1e-6)
    // = 0.5 (to f32 precision) and plain SGD with lr 0.1 moves each parameter by −0.05.
    let control = StepControl { max_grad_norm: Some(1.0), ..StepControl::default() };
    let mut opt =
        SgdMomentum::new(SgdConfig { lr: 0.1, momentum: 0.0, ..SgdConfig::default() }).with_control(control);
    let mut p = [1.0f32; 4];
    opt.step(&mut p, &[1e19; 4], &mut [0.0; 4]).unwrap();
    for x in p {
        assert!((x - 0.95).abs() < 1e-6, "{x}");
    }
}

#[test]
fn schedules_closed_form() {
    let lr0 = 0.1;
    let step = StepControl { schedule: LrSchedule::Step { every: 10, gamma: 0.5 }, ..StepControl::default() };
    assert_eq!(step.lr_at(lr0, 9), 0.1);
    assert_eq!(step.lr_at(lr0, 10), 0.05);
    assert_eq!(step.lr_at(lr0, 35), 0.1 * 0.125);
    let cos =
        StepControl { schedule: LrSchedule::Cosine { total: 100, min_lr: 0.01 }, ..StepControl::default() };
    assert!((cos.lr_at(lr0, 0) - 0.1).abs() < 1e-15);
    assert!((cos.lr_at(lr0, 50) - 0.055).abs() < 1e-15);
    assert!(
        (cos.lr_at(lr0, 25) - (0.01 + 0.09 * 0.5 * (1.0 + std::f64::consts::FRAC_PI_4.cos()))).abs() < 1e-15
    );
    assert_eq!(cos.lr_at(lr0, 100), 0.01);
    assert_eq!(cos.lr_at(lr0, 1000), 0.01);
    let warm = StepControl {
        warmup_steps: 4,
        schedule: LrSchedule::Step { every: 2, gamma: 0.1 },
        ..StepControl::default()
    };
    let got: Vec<f64> = (0..8).map(|k| warm.lr_at(1.0, k)).collect();
    let want = [0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 0.1, 0.1];
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-15, "{got:?}");
    }
    // The optimizer applies it: SGD without momentum moves by lr_k·g.
    let mut opt =
        SgdMomentum::new(SgdConfig { lr: 1.0, momentum: 0.0, ..SgdConfig::default() }).with_control(warm);
    let mut x = [0.0f64];
    for w in want {
        let before = x[0];
        assert_eq!(opt.current_lr(), w);
        opt.step(&mut x, &[1.0], &mut [0.0]).unwrap();
        assert!((before - x[0] - w).abs() < 1e-15);
    }
}

#[test]
fn groups_equal_concatenation_and_multipliers_apply() {
    let g = [0.3f64, -0.7, 1.1, 0.2, -0.4];
    let mut whole = [1.0f64, 2.0, 3.0, 4.0, 5.0];
    let mut sw = [0.0f64; 15];
    let mut o1 = DiffGrad::default();
    o1.step(&mut whole, &g, &mut sw).unwrap();
    let (mut a, mut b) = ([1.0f64, 2.0], [3.0f64, 4.0, 5.0]);
    let (mut sa, mut sb) = ([0.0f64; 6], [0.0f64; 9]);
    let mut o2 = DiffGrad::default();
    o2.step_groups(&mut [
        ParamGroup::new(&mut a, &g[..2], &mut sa),
        ParamGroup::new(&mut b, &g[2..], &mut sb),
    ])
    .unwrap();
    assert_eq!([a.as_slice(), b.as_slice()].concat(), whole.to_vec());
    // lr_scale 0 freezes a group's params (its moments still advance).
    let mut frozen = [1.0f64];
    let mut sf = [0.0f64; 3];
    let mut grp = ParamGroup::new(&mut frozen, &[2.0], &mut sf);
    grp.lr_scale = 0.0;
    o2.step_groups(&mut [grp]).unwrap();
    assert_eq!(frozen, [1.0]);
    assert!(sf[0] != 0.0);
}

#[test]
fn weight_decay_scale_zero_excludes_a_group() {
    let cfg = AdamConfig::adamw(0.1, 0.5);
    let (mut a, mut b) = ([1.0f64], [1.0f64]);
    let (mut sa, mut sb) = ([0.0f64; 2], [0.0f64; 2]);
    let mut gb = ParamGroup::new(&mut b, &[0.0], &mut sb);
    gb.weight_decay_scale = 0.0;
    Adam::new(cfg).step_groups(&mut [ParamGroup::new(&mut a, &[0.0], &mut sa), gb]).unwrap();
    // Zero gradient: AdamW only decays, θ·(1 − lr·wd).
    assert!((a[0] - 0.95).abs() < 1e-15);
    assert_eq!(b[0], 1.0);
}

#[test]
fn owned_state_matches_slice_state() {
    let mut owned: DiffGradOwned<f64, 2, 6> = DiffGradOwned::new(DiffGrad::default());
    let mut opt = DiffGrad::default();
    let mut s = [0.0f64; 6];
    let (mut p, mut q) = ([1.0f64, -1.0], [1.0f64, -1.0]);
    for k in 0..5 {
        let g = [k as f64, 1.0 - k as f64];
        owned.step(&mut p, &g).unwrap();
        opt.step(&mut q, &g, &mut s).unwrap();
    }
    assert_eq!((p, owned.state, owned.optimizer.step_count()), (q, s, 5));
}

#[test]
fn save_and_resume_is_bit_identical() {
    let grad = |x: &[f32], k: usize| -> Vec<f32> { x.iter().map(|v| 2.0 * v - 0.1 * k as f32).collect() };
    let mut p = vec![1.0f32, -2.0, 0.5];
    let mut s = vec![0.0f32; DiffGrad::state_len(3)];
    let mut opt = DiffGrad::new(DiffGradConfig { lr: 0.01, ..DiffGradConfig::default() });
    let mut resumed = None;
    for k in 0..20 {
        if k == 10 {
            // "Reset": keep only params, the state slice and the step count.
            resumed = Some((p.clone(), s.clone(), opt.step_count()));
        }
        let g = grad(&p, k);
        opt.step(&mut p, &g, &mut s).unwrap();
    }
    let (mut p2, mut s2, t) = resumed.unwrap();
    let mut opt2 = DiffGrad::new(DiffGradConfig { lr: 0.01, ..DiffGradConfig::default() });
    opt2.set_step_count(t);
    for k in 10..20 {
        let g = grad(&p2, k);
        opt2.step(&mut p2, &g, &mut s2).unwrap();
    }
    assert_eq!((bits(&p2), bits(&s2)), (bits(&p), bits(&s)));
}

#[test]
fn nesterov_matches_independent_form() {
    let mut opt = SgdMomentum::new(SgdConfig { lr: 0.05, momentum: 0.8, nesterov: true, weight_decay: 0.01 });
    let mut x = [1.5f64, -0.5];
    let mut s = [0.0f64; 2];
    let (mut y, mut buf) = ([1.5f64, -0.5], [0.0f64; 2]);
    for _ in 0..30 {
        let g = [4.0 * x[0], 2.0 * x[1] + 1.0];
        opt.step(&mut x, &g, &mut s).unwrap();
        let gy = [4.0 * y[0], 2.0 * y[1] + 1.0];
        for i in 0..2 {
            let d = gy[i] + 0.01 * y[i];
            buf[i] = 0.8 * buf[i] + d;
            y[i] -= 0.05 * (d + 0.8 * buf[i]);
        }
    }
    assert!((x[0] - y[0]).abs() < 1e-14 && (x[1] - y[1]).abs() < 1e-14, "{x:?} {y:?}");
}

#[test]
fn half_moments_follow_f32() {
    use ferrokern_simd::{bf16, f16};
    let g =
        |x: &[f32]| -> Vec<f32> { x.iter().enumerate().map(|(i, v)| (i as f32 + 1.0) * (v - 0.3)).collect() };
    let mut p32 = vec![1.0f32; 8];
    let (mut pb, mut ph) = (p32.clone(), p32.clone());
    let mut s32 = vec![0.0f32; 24];
    let mut sb = vec![bf16::ZERO; 24];
    let mut sh = vec![f16::ZERO; 24];
    let cfg = DiffGradConfig { lr: 0.02, ..DiffGradConfig::default() };
    let (mut o1, mut o2, mut o3) = (DiffGrad::new(cfg), DiffGrad::new(cfg), DiffGrad::new(cfg));
    for _ in 0..200 {
        let (a, b, c) = (g(&p32), g(&pb), g(&ph));
        o1.step(&mut p32, &a, &mut s32).unwrap();
        o2.step(&mut pb, &b, &mut sb).unwrap();
        o3.step(&mut ph, &c, &mut sh).unwrap();
    }
    for i in 0..8 {
        assert!((p32[i] - 0.3).abs() < 0.05, "{p32:?}");
        assert!((pb[i] - p32[i]).abs() < 0.02 && (ph[i] - p32[i]).abs() < 0.02, "{pb:?} {ph:?} {p32:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, cases: 64, ..ProptestConfig::default() })]

    /// Any NaN position is reported exactly and nothing is written.
    #[test]
    fn nan_anywhere_is_caught(n in 1usize..40, at in 0usize..40, seed in 0u64..1000) {
        let at = at % n;
        let mut p: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37 + seed as f32).sin()).collect();
        let mut g: Vec<f32> = p.iter().map(|v| v * 0.5).collect();
        g[at] = f32::NAN;
        let mut s = vec![0.25f32; DiffGrad::state_len(n)];
        let (p0, s0) = (bits(&p), bits(&s));
        let mut opt = DiffGrad::new(DiffGradConfig::default())
            .with_control(StepControl { max_grad_norm: Some(1.0), ..StepControl::default() });
        prop_assert_eq!(opt.step(&mut p, &g, &mut s), Err(Error::NonFinite { what: "grads", index: at }));
        prop_assert_eq!((bits(&p), bits(&s)), (p0, s0));
    }
}
