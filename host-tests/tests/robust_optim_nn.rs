//! Robustness of `ferrokern::optim` and `ferrokern::nn`: optimizer steps with any lengths,
//! hostile gradients and extreme lr/β/ε/decay/step counts/schedules give `Ok` with finite
//! params and state (step count advanced) or an `Err` with params, state and step count
//! unchanged; L-BFGS with extreme configs and NaN-producing objectives; MLP forward/backward/
//! training with arbitrary shapes, labels and values. Params, state, activations, gradients,
//! scratch and loss buffers are canary-guarded.

mod robust_common;

use ferrokern::nn::{
    argmax_rows, column_stats, count_correct, gather, gather_rows, loss_and_grad, mse, params_len,
    softmax_cross_entropy, standardize, train_buffer_len, train_step, Activation, LayerSpec, Mlp, Target,
    TrainBuffers,
};
use ferrokern::optim::{
    Adam, AdamConfig, DiffGrad, DiffGradConfig, EpsMode, Lbfgs, LbfgsConfig, LrSchedule, Moment, Optimizer,
    ParamGroup, SgdConfig, SgdMomentum, StepControl,
};
use ferrokern::rng::Pcg32;
use ferrokern::{Error, Real};
use proptest::collection::vec;
use proptest::prelude::*;
use robust_common::{any_f32, any_f64, config, extreme_param, finite_f64, Canary, Guarded};

#[derive(Debug, Clone)]
struct Hyper {
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    wd: f64,
    steps: u64,
    control: StepControl,
}

/// Extreme but representable step sizes: NaN/inf/0/negative must be rejected; finite values
/// up to 1e3 must give finite results (larger `lr·update` or `wd·θ` may overflow `T` by
/// arithmetic, which is documented, not checked).
fn step_param() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => 1e-4..1.0f64,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(-1.0),
        1 => Just(0.0),
        1 => Just(1e-30),
        1 => Just(1e3),
    ]
}

fn hyper() -> impl Strategy<Value = Hyper> {
    let schedule = prop_oneof![
        Just(LrSchedule::Constant),
        (any::<u64>(), step_param()).prop_map(|(every, gamma)| LrSchedule::Step { every, gamma }),
        (any::<u64>(), step_param()).prop_map(|(total, min_lr)| LrSchedule::Cosine { total, min_lr }),
    ];
    (
        prop_oneof![3 => 1e-4..0.5f64, 1 => step_param()],
        prop_oneof![3 => 0.0..0.99f64, 1 => extreme_param()],
        prop_oneof![3 => 0.9..0.9999f64, 1 => extreme_param()],
        prop_oneof![3 => Just(1e-8), 1 => extreme_param()],
        prop_oneof![3 => Just(0.0), 1 => step_param()],
        prop_oneof![3 => 0u64..5, 1 => any::<u64>(), 1 => Just(u64::MAX)],
        schedule,
        prop_oneof![3 => 0u64..4, 1 => any::<u64>()],
        proptest::option::of(extreme_param()),
    )
        .prop_map(|(lr, beta1, beta2, eps, wd, steps, schedule, warmup_steps, max_grad_norm)| Hyper {
            lr,
            beta1,
            beta2,
            eps,
            wd,
            steps,
            control: StepControl { schedule, warmup_steps, max_grad_norm },
        })
}

fn bits<T: Canary>(x: &[T]) -> Vec<T> {
    x.to_vec()
}

fn same<T: Canary>(a: &[T], b: &[T]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.same(*y))
}

/// One step with canaries; checks the Ok/Err contract.
fn check_step<O: Optimizer, T: Real + Canary + Moment<T>>(
    mut opt: O,
    h: &Hyper,
    params: &[T],
    grads: &[T],
    state_len: usize,
) -> Result<(), TestCaseError> {
    opt.set_step_count(h.steps);
    let state0 = vec![T::from_f64(0.5); state_len];
    let mut p = Guarded::new("params", params);
    let mut s = Guarded::new("state", &state0);
    // Two steps: the second sees non-trivial state.
    for _ in 0..2 {
        let (p0, s0, t0) = (bits(p.get()), bits(s.get()), opt.step_count());
        match opt.step(p.inner(), grads, s.inner()) {
            Ok(()) => {
                // Params and state finite on Ok for every finite setting (an overflowing step
                // and an overflowing coupled decay are documented Errs).
                let finite = p.get().iter().chain(s.get()).all(|v| v.is_finite());
                prop_assert!(
                    finite,
                    "Ok with non-finite params/state: {h:?}\n p={:?}\n s={:?}",
                    p.get(),
                    s.get()
                );
                prop_assert_eq!(opt.step_count(), t0.saturating_add(1));
            }
            // Documented: the step was applied and overflowed.
            Err(Error::NumericalFailure { what }) if what.starts_with("step overflowed") => {
                prop_assert!(p.get().iter().any(|v| !v.is_finite()), "{what} with finite params");
                prop_assert_eq!(opt.step_count(), t0.saturating_add(1));
                break;
            }
            Err(e) => {
                prop_assert!(
                    same(p.get(), &p0) && same(s.get(), &s0) && opt.step_count() == t0,
                    "{e} but state changed"
                );
                break;
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn optimizer_steps_keep_their_contract(n in 0usize..24, h in hyper(), grads in vec(any_f32(), 0..26),
                                           extra in prop_oneof![4 => Just(0usize), 1 => 1usize..3], which in 0usize..3,
                                           f64_path in any::<bool>(), params in vec(-10.0..10.0f32, 24)) {
        let params = &params[..n];
        let dg = DiffGrad::new(DiffGradConfig { lr: h.lr, beta1: h.beta1, beta2: h.beta2, eps: h.eps, weight_decay: h.wd,
            eps_mode: if h.steps % 2 == 0 { EpsMode::Torch } else { EpsMode::Paper } }).with_control(h.control);
        let adam = Adam::new(AdamConfig { lr: h.lr, beta1: h.beta1, beta2: h.beta2, eps: h.eps, weight_decay: h.wd,
            decoupled: h.steps % 3 == 0 }).with_control(h.control);
        let sgd = SgdMomentum::new(SgdConfig { lr: h.lr, momentum: h.beta1, nesterov: h.steps % 2 == 1, weight_decay: h.wd })
            .with_control(h.control);
        let slen = |per: usize| (n * per + extra).saturating_sub(if extra == 2 { 4 } else { 0 });
        if f64_path {
            let p: Vec<f64> = params.iter().map(|&v| f64::from(v)).collect();
            let g: Vec<f64> = grads.iter().take(n + extra / 2).map(|&v| f64::from(v)).collect();
            match which {
                0 => check_step(dg, &h, &p, &g, slen(3))?,
                1 => check_step(adam, &h, &p, &g, slen(2))?,
                _ => check_step(sgd, &h, &p, &g, slen(1))?,
            }
        } else {
            let g: Vec<f32> = grads.iter().take(n + extra / 2).copied().collect();
            match which {
                0 => check_step(dg, &h, params, &g, slen(3))?,
                1 => check_step(adam, &h, params, &g, slen(2))?,
                _ => check_step(sgd, &h, params, &g, slen(1))?,
            }
        }
    }

    /// `Owned` (state in a fixed array) for the three optimizers, N = 3 and N = 0: `Ok` with
    /// finite params/state and the step count advanced, or an `Err` with nothing changed.
    #[test]
    fn owned_optimizers_keep_their_contract(h in hyper(), g in vec(any_f32(), 3), p in vec(-10.0..10.0f32, 3), which in 0usize..3) {
        use ferrokern::optim::{AdamOwned, DiffGradOwned, SgdMomentumOwned};
        fn check<O: Optimizer, const S: usize>(mut o: ferrokern::optim::Owned<O, f32, 3, S>, p: &[f32], g: &[f32], steps: u64) -> Result<(), TestCaseError> {
            let mut params: [f32; 3] = p.try_into().unwrap();
            let grads: [f32; 3] = g.try_into().unwrap();
            for _ in 0..steps.min(3) {
                let (p0, s0, t0) = (params, o.state, o.optimizer.step_count());
                match o.step(&mut params, &grads) {
                    Ok(()) => {
                        prop_assert!(params.iter().chain(&o.state).all(|v| v.is_finite()), "Ok with {params:?} {:?}", o.state);
                        prop_assert_eq!(o.optimizer.step_count(), t0 + 1);
                    }
                    Err(Error::NumericalFailure { what }) if what.starts_with("step overflowed") => {
                        prop_assert!(params.iter().any(|v| !v.is_finite()));
                        break;
                    }
                    Err(_) => {
                        prop_assert!(same(&params, &p0) && same(&o.state, &s0) && o.optimizer.step_count() == t0, "changed on error");
                        break;
                    }
                }
            }
            Ok(())
        }
        let lr = h.lr.clamp(-1e3, 1e3);
        match which {
            0 => check(DiffGradOwned::<f32, 3, 9>::new(DiffGrad::new(DiffGradConfig { lr, eps: h.eps, ..DiffGradConfig::default() })), &p, &g, h.steps)?,
            1 => check(AdamOwned::<f32, 3, 6>::new(Adam::new(AdamConfig { lr, beta1: h.beta1, beta2: h.beta2, ..AdamConfig::default() })), &p, &g, h.steps)?,
            _ => check(SgdMomentumOwned::<f32, 3, 3>::new(SgdMomentum::new(SgdConfig { lr, momentum: h.beta1, ..SgdConfig::default() })), &p, &g, h.steps)?,
        }
        let mut empty = AdamOwned::<f32, 0, 0>::new(Adam::default());
        prop_assert!(empty.step(&mut [], &[]).is_ok());
    }

    #[test]
    fn param_groups_keep_their_contract(h in hyper(), lr_scale in step_param(), wd_scale in step_param(),
                                        g2 in vec(any_f64(), 3)) {
        let mut opt = Adam::new(AdamConfig { lr: h.lr, ..AdamConfig::default() }).with_control(h.control);
        let (mut p1, mut p2) = (Guarded::new("p1", &[1.0f64; 2]), Guarded::new("p2", &[2.0f64; 3]));
        let (mut s1, mut s2) = (Guarded::filled("s1", 4, 0.0f64), Guarded::filled("s2", 6, 0.0f64));
        let g1 = [0.5f64, -0.5];
        let mut grp2 = ParamGroup::new(p2.inner(), &g2, s2.inner());
        grp2.lr_scale = lr_scale;
        grp2.weight_decay_scale = wd_scale;
        let r = opt.step_groups(&mut [ParamGroup::new(p1.inner(), &g1, s1.inner()), grp2]);
        let all: Vec<f64> = [p1.get(), p2.get(), s1.get(), s2.get()].concat();
        match r {
            Ok(()) => prop_assert!(all.iter().all(|v| v.is_finite()), "Ok with non-finite: {all:?}"),
            Err(Error::NumericalFailure { what }) if what.starts_with("step overflowed") => {
                prop_assert!(all.iter().any(|v| !v.is_finite()));
            }
            Err(_) => prop_assert_eq!(all, [[1.0; 2].as_slice(), &[2.0; 3], &[0.0; 4], &[0.0; 6]].concat()),
        }
    }

    /// L-BFGS on a shifted quadratic (optionally NaN past a radius) with extreme configs.
    #[test]
    fn lbfgs_keeps_its_contract(n in 0usize..6, history in 0usize..5, max_iter in prop_oneof![0usize..30, Just(100_000)],
                                grad_tol in extreme_param(), f_tol in extreme_param(), c1 in extreme_param(),
                                c2 in extreme_param(), max_ls in 0usize..8, nan_radius in prop_oneof![Just(f64::INFINITY), 0.5..5.0f64],
                                short in prop_oneof![4 => Just(0usize), 1 => 1usize..3], x0 in vec(finite_f64(), 6)) {
        let cfg = LbfgsConfig { history, max_iter, grad_tol, f_tol, c1, c2, max_line_search: max_ls };
        let solver = Lbfgs::new(cfg);
        let mut x = Guarded::new("x", &x0[..n]);
        let mut w = Guarded::filled("workspace", Lbfgs::workspace_len(n, history).saturating_sub(short).min(10_000), 0.0f64);
        let mut evals = 0usize;
        let r = solver.minimize(x.inner(), w.inner(), |x: &[f64], g: &mut [f64]| {
            evals += 1;
            let mut f = 0.0;
            for (i, (xi, gi)) in x.iter().zip(g.iter_mut()).enumerate() {
                let d = xi - i as f64 * 0.3;
                f += d * d;
                *gi = 2.0 * d;
            }
            Ok(if f.sqrt() > nan_radius + 3.0 { f64::NAN } else { f })
        });
        prop_assert!(x.get().iter().all(|v| v.is_finite()), "x not finite after {r:?}");
        if let Ok(rep) = r {
            prop_assert!(rep.f.is_finite() && rep.grad_norm.is_finite(), "{rep:?}");
            prop_assert!(rep.iterations <= max_iter);
        }
        prop_assert!(evals <= max_iter.saturating_add(1).saturating_mul(max_ls + 2) + 2);
    }
}

const ACTS: [Activation; 6] = [
    Activation::Identity,
    Activation::Relu,
    Activation::Tanh,
    Activation::Silu,
    Activation::Sigmoid,
    Activation::Gelu,
];

fn layers() -> impl Strategy<Value = Vec<LayerSpec>> {
    vec((0usize..5, 0usize..6), 0..4).prop_map(|ws| {
        let mut prev = ws.first().map_or(1, |w| w.0);
        ws.iter()
            .map(|&(w, a)| {
                let l = LayerSpec::new(prev, w, ACTS[a]);
                prev = w;
                l
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(config(96))]

    /// Forward/backward/loss/train on any layer list, batch, labels and values.
    #[test]
    fn mlp_keeps_its_contract(layers in layers(), batch in 0usize..4, xv in vec(any_f32(), 1..40), labels in vec(0usize..6, 0..4),
                              lr in extreme_param(), mismatch in prop_oneof![4 => Just(0usize), 1 => 1usize..3]) {
        let mlp = match Mlp::new(&layers) {
            Ok(m) => m,
            Err(e) => {
                let expected = matches!(e, Error::InvalidParameter { .. } | Error::DimensionMismatch { .. });
                prop_assert!(expected, "Mlp::new: {}", e);
                return Ok(());
            }
        };
        let mut params = Guarded::filled("params", mlp.params_len(), 0.0f32);
        mlp.init(params.inner(), &mut Pcg32::seed(5)).unwrap();
        let x: Vec<f32> = xv.iter().copied().cycle().take((batch * mlp.inputs()).saturating_sub(mismatch)).collect();
        let alen = mlp.activations_len(batch).unwrap();
        let mut acts = Guarded::filled("acts", alen, 0.0f32);
        let finite_in = x.iter().all(|v| v.is_finite());
        match mlp.forward(params.get(), &x, batch, acts.inner()) {
            Ok(()) => {
                prop_assert!(finite_in, "forward Ok on a NaN/inf input");
                let out = mlp.output(acts.get(), batch).unwrap();
                prop_assert!(!finite_in || out.iter().all(|v| v.is_finite()), "finite input, non-finite output");
                let mut d_out = Guarded::filled("d_out", batch * mlp.outputs(), 0.0f32);
                let labels: Vec<usize> = labels.iter().copied().chain(std::iter::repeat(0)).take(batch).collect();
                match softmax_cross_entropy(out, &labels, mlp.outputs(), d_out.inner()) {
                    Ok(l) => prop_assert!(l.is_finite() && l >= 0.0),
                    Err(e) => prop_assert!(!finite_in || labels.iter().any(|&c| c >= mlp.outputs()), "{e}"),
                }
                let mut grads = Guarded::filled("grads", mlp.params_len(), 0.0f32);
                let mut scratch = Guarded::filled("scratch", mlp.scratch_len(batch).unwrap(), 0.0f32);
                prop_assert!(mlp.backward(params.get(), &x, batch, acts.get(), d_out.get(), grads.inner(), scratch.inner()).is_ok());
                let mut classes = Guarded::filled("argmax", batch, 0usize);
                argmax_rows(out, mlp.outputs(), classes.inner()).unwrap();
                prop_assert!(classes.get().iter().all(|&c| c < mlp.outputs()) || !finite_in);
                let _ = count_correct(out, &labels, mlp.outputs());
            }
            Err(e) => {
                let non_finite = matches!(e, Error::NonFinite { what: "x", .. }) && !finite_in;
                prop_assert!(batch == 0 || mismatch > 0 || non_finite, "forward: {e}");
                prop_assert!(acts.get().iter().all(|&v| v == 0.0), "acts written on error");
            }
        }
        // A NaN/inf parameter is an error too, before anything is written.
        if let Some(p0) = params.get().first().copied() {
            params.inner()[0] = if lr > 0.0 { f32::NAN } else { f32::NEG_INFINITY };
            let mut a2 = Guarded::filled("acts", alen, 0.0f32);
            let r = mlp.forward(params.get(), &x, batch, a2.inner());
            prop_assert!(r.is_err() && a2.get().iter().all(|&v| v == 0.0), "{r:?}");
            if batch > 0 && x.len() == batch * mlp.inputs() {
                prop_assert!(matches!(r, Err(Error::NonFinite { what: "params", index: 0 })), "{r:?}");
            }
            params.inner()[0] = p0;
        }
        // Batched accuracy over the same rows, in chunks of 1..=3 rows.
        let chunk = 1 + labels.len() % 3;
        let lb: Vec<usize> = labels.iter().copied().chain(std::iter::repeat(0)).take(batch).collect();
        let mut ca = Guarded::filled("count acts", mlp.activations_len(chunk).unwrap(), 0.0f32);
        match ferrokern::nn::count_correct_batched(&mlp, params.get(), &x, &lb, chunk, ca.inner()) {
            Ok(c) => prop_assert!(c <= batch && finite_in && x.len() == batch * mlp.inputs()),
            Err(e) => prop_assert!(mismatch > 0 || !finite_in || lb.iter().any(|&c| c >= mlp.outputs()), "{e}"),
        }
        // A full training step with an extreme learning rate.
        let bmax = batch.max(1);
        let mut buf = Guarded::filled("train buffer", train_buffer_len(&layers, bmax), 0.0f32);
        let mut bufs = TrainBuffers::split(buf.inner(), &mlp, bmax).unwrap();
        let mut state = Guarded::filled("state", DiffGrad::state_len(mlp.params_len()), 0.0f32);
        let mut opt = DiffGrad::new(DiffGradConfig { lr: lr.min(1e3), ..DiffGradConfig::default() });
        let labels: Vec<usize> = labels.iter().copied().chain(std::iter::repeat(0)).take(batch).collect();
        let p0 = params.get().to_vec();
        match train_step(&mlp, &mut opt, params.inner(), state.inner(), &x, Target::Classes(&labels), &mut bufs) {
            Ok(loss) => {
                prop_assert!(loss.is_finite(), "Ok with loss {loss}");
                prop_assert!(params.get().iter().chain(state.get()).all(|v| v.is_finite()), "Ok with non-finite params");
            }
            Err(_) => prop_assert!(same(params.get(), &p0), "params changed on error"),
        }
        let tv: Vec<f32> = xv.iter().copied().cycle().take(batch * mlp.outputs()).collect();
        if let Ok(loss) = loss_and_grad(&mlp, params.get(), &x, Target::Values(&tv), &mut bufs) {
            prop_assert!(loss.is_finite() || tv.iter().any(|v| !v.is_finite()) || x.iter().any(|v| !v.is_finite()),
                "loss_and_grad Ok({loss}) on finite data");
        }
    }

    /// Losses and data helpers with arbitrary lengths, classes and indices.
    #[test]
    fn nn_helpers_keep_their_contract(x in vec(any_f64(), 0..24), cols in 0usize..5, rows in vec(0usize..8, 0..5),
                                      labels in vec(0usize..5, 0..6), classes in 0usize..4, idx in vec(0usize..30, 0..6)) {
        let mut d = Guarded::filled("dpred", x.len(), 0.0f64);
        let t: Vec<f64> = x.iter().map(|v| v * 0.5).collect();
        match mse(&x, &t, d.inner()) {
            Ok(l) => prop_assert!(l.is_finite() && l >= 0.0, "mse Ok({l})"),
            Err(e) => prop_assert!(matches!(e, Error::NonFinite { .. } | Error::NumericalFailure { .. }), "mse: {e}"),
        }
        let mut dl = Guarded::filled("dlogits", x.len(), 0.0f64);
        let _ = softmax_cross_entropy(&x, &labels, classes, dl.inner());
        let mut out = Guarded::filled("argmax", x.len().checked_div(classes).unwrap_or(0), 0usize);
        let _ = argmax_rows(&x, classes, out.inner());
        let (mut mean, mut std) = (Guarded::filled("mean", cols, 0.0f64), Guarded::filled("std", cols, 0.0f64));
        if column_stats(&x, cols, &rows, mean.inner(), std.inner()).is_ok() {
            prop_assert!(mean.get().iter().chain(std.get()).all(|v| v.is_finite()));
            prop_assert!(std.get().iter().all(|&s| s > 0.0));
            let mut xs = Guarded::new("x", &x);
            prop_assert!(standardize(xs.inner(), mean.get(), std.get()).is_ok());
        }
        let mut dst = Guarded::filled("gather", idx.len(), 0.0f64);
        prop_assert_eq!(gather(&x, &idx, dst.inner()).is_ok(), idx.iter().all(|&i| i < x.len()));
        let mut dst = Guarded::filled("gather_rows", rows.len() * cols, 0.0f64);
        let r = gather_rows(&x, cols, &rows, dst.inner());
        prop_assert!(r.is_err() || cols == 0 || rows.iter().all(|&r| (r + 1) * cols <= x.len()));
    }
}

#[test]
fn nn_params_len_saturates() {
    // Absurd widths: sizes saturate / error instead of overflowing.
    let huge = [LayerSpec::new(usize::MAX / 2, usize::MAX / 2, Activation::Relu)];
    assert!(Mlp::new(&huge).is_err());
    assert_eq!(params_len(&huge), usize::MAX);
}

/// Regression: a finite gradient whose square overflows put `inf` into Adam's `v`.
#[test]
fn gradient_square_overflow_is_rejected() {
    let mut opt = Adam::new(AdamConfig::default());
    let mut p = [1.0f32, 2.0];
    let mut s = [0.0f32; 4];
    let r = opt.step(&mut p, &[0.5, 1e20], &mut s);
    assert_eq!(r, Err(Error::NonFinite { what: "grads squared", index: 1 }));
    assert_eq!((p, s, opt.step_count()), ([1.0, 2.0], [0.0; 4], 0));
}

/// Regression: `mse` and `column_stats` returned `Ok(inf)` for huge finite values.
#[test]
fn mse_and_column_stats_overflow_are_errors() {
    let mut d = [0.0f64; 1];
    assert!(matches!(mse(&[f64::MAX], &[-f64::MAX], &mut d), Err(Error::NumericalFailure { .. })));
    assert!(matches!(mse(&[f64::NAN], &[0.0], &mut d), Err(Error::NonFinite { .. })));
    let (mut m, mut s) = ([0.0f64; 1], [0.0f64; 1]);
    let r = column_stats(&[1e300, -1e300], 1, &[0, 1], &mut m, &mut s);
    assert!(matches!(r, Err(Error::NumericalFailure { .. })), "{r:?}");
}

/// Regression (found by the `optim_step` fuzz target): ε = 0 (β2 > 0), or an ε that underflows
/// to 0 in f32, made a zero gradient's Adam update 0/0 = NaN under `Ok`.
#[test]
fn zero_or_underflowing_eps_keeps_zero_gradients_finite() {
    for eps in [0.0, 5e-324] {
        let mut opt = Adam::new(AdamConfig { eps, beta2: 0.5, ..AdamConfig::default() });
        let mut p = [1.0f32, 2.0];
        let mut s = [0.0f32; 4];
        opt.step(&mut p, &[0.0, 0.5], &mut s).unwrap();
        assert!(p.iter().chain(&s).all(|v| v.is_finite()), "eps {eps}: {p:?} {s:?}");
        assert_eq!(p[0], 1.0);
    }
}

/// Regression (found by the `optim_step` fuzz target): a step schedule with γ > 1 near
/// `u64::MAX` steps gave an infinite rate and `Ok` with inf parameters.
#[test]
fn growing_schedule_overflow_is_an_error() {
    let control = StepControl {
        schedule: LrSchedule::Step { every: 208, gamma: 1.65 },
        warmup_steps: 2,
        max_grad_norm: None,
    };
    let mut opt = SgdMomentum::new(SgdConfig { lr: 0.0065, ..SgdConfig::default() }).with_control(control);
    opt.set_step_count(u64::MAX - 3);
    let mut p = [1.0f32; 2];
    let mut s = [0.0f32; 2];
    let r = opt.step(&mut p, &[0.5, -0.5], &mut s);
    assert!(matches!(r, Err(Error::InvalidParameter { name: "lr", .. })), "{r:?}");
    assert_eq!((p, s), ([1.0; 2], [0.0; 2]));
}

/// Finite inputs whose step overflows f32 (lr = 1e38): the documented `NumericalFailure`, with
/// the step applied, instead of `Ok` with ±inf.
#[test]
fn overflowing_step_is_an_error() {
    let mut opt = Adam::new(AdamConfig { lr: 1e38, ..AdamConfig::default() });
    let mut p = [3e38f32, -1.0];
    let mut s = [0.0f32; 4];
    let r = opt.step(&mut p, &[-10.0, 1.0], &mut s);
    assert!(
        matches!(r, Err(Error::NumericalFailure { what }) if what.starts_with("step overflowed")),
        "{r:?}"
    );
    assert_eq!(opt.step_count(), 1);
    assert!(p[0].is_infinite());
}

/// Coupled weight decay so large that `wd·θ` squared overflows: rejected before any write.
#[test]
fn overflowing_coupled_decay_is_rejected() {
    let mut opt = Adam::new(AdamConfig { weight_decay: 1e30, ..AdamConfig::default() });
    let mut p = [1e10f32, -1.0];
    let mut s = [0.0f32; 4];
    let r = opt.step(&mut p, &[0.5, 1.0], &mut s);
    assert!(matches!(r, Err(Error::InvalidParameter { name: "weight_decay", .. })), "{r:?}");
    assert_eq!((p, s, opt.step_count()), ([1e10, -1.0], [0.0; 4], 0));
}
