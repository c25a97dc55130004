//! Robustness of `ferrokern::denoise`: guidance (CFG, negative CFG, APG, adaptive guidance,
//! cosine), DDIM steps/sampling, NASA attention and the metrics (mean/covariance, Jacobi
//! eigen-solver, PSD square root, Fréchet distance, k-NN precision/recall, clipped fraction)
//! on arbitrary lengths (0 and mismatched), hostile values and extreme w/η/momentum/ā: `Ok`
//! with finite outputs for finite inputs, or a documented `Err`; never a panic. Every output,
//! momentum and workspace buffer is canary-guarded.

mod robust_common;

use ferrokern::denoise::{
    apg, cfg, cfg_negative, clipped_fraction, cosine, ddim_sample, ddim_step, euler_buffer_len, euler_sample,
    flow_matching_batch, frechet_distance, frechet_workspace_len, knn_radii, mean_covariance, nasa_attention,
    nasa_workspace_len, precision_recall, psd_sqrt, psd_sqrt_workspace_len, student_generate,
    symmetric_eigen, AdaptiveGuidance, ApgConfig, ApgMode, AttentionShape, CondLayout, GuidanceKind,
    MomentumBuffer,
};
use ferrokern::nn::{Activation, LayerSpec, Mlp};
use ferrokern::rng::Pcg32;
use proptest::collection::vec;
use proptest::prelude::*;
use robust_common::{any_f32, any_f64, config, extreme_param, Guarded};

fn finite(x: &[f64]) -> bool {
    x.iter().all(|v| v.is_finite())
}

/// The documented error for finite inputs whose result overflows `T`.
fn overflow_err<T>(r: &ferrokern::Result<T>) -> bool {
    matches!(r, Err(ferrokern::Error::NumericalFailure { .. }))
}

/// Finite values up to the type's maximum.
fn huge() -> impl Strategy<Value = f64> {
    prop_oneof![2 => -10.0..10.0f64, 1 => Just(f64::MAX), 1 => Just(-f64::MAX), 1 => Just(1e300), 1 => Just(-3e307)]
}

/// Moderate finite values: guidance is affine, so these must give finite outputs.
fn moderate() -> impl Strategy<Value = f64> {
    prop_oneof![8 => -100.0..100.0f64, 1 => Just(0.0), 1 => Just(5e-324)]
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn guidance_keeps_its_contract(c in vec(any_f64(), 0..12), ul in 0usize..13, ol in 0usize..13, w in extreme_param(),
                                   mom in extreme_param(), eta in extreme_param(), thr in extreme_param(), paper in any::<bool>(),
                                   m in vec(moderate(), 12), wmod in -20.0..20.0f64) {
        let u: Vec<f64> = c.iter().map(|v| v * 0.5 - 1.0).cycle().take(ul).collect();
        let neg: Vec<f64> = u.iter().map(|v| v + 0.25).collect();
        let shapes_ok = u.len() == c.len() && ol == c.len();
        // NaN/inf predictions are `Err(NonFinite)` with `out` untouched, never `Ok` with NaN.
        let finite_in = finite(&c) && finite(&u);
        // Finite inputs (any magnitude, any finite w) give `Ok` with a finite `out`, or
        // `NumericalFailure` when the result overflows.
        let non_finite_err = |r: &ferrokern::Result<()>| matches!(r, Err(ferrokern::Error::NonFinite { .. }));
        let valid = shapes_ok && w.is_finite() && finite_in;
        let mut out = Guarded::filled("out", ol, 0.0);
        let r = cfg(&c, &u, w, out.inner());
        prop_assert_eq!(r.is_ok() || overflow_err(&r), valid, "{:?}", r);
        prop_assert!(r.is_err() || finite(out.get()), "cfg Ok with {:?}", out.get());
        if shapes_ok && w.is_finite() && !finite_in {
            prop_assert!(non_finite_err(&r), "{r:?}");
        }
        let r = cfg_negative(&c, &u, &neg, w, wmod, out.inner());
        prop_assert_eq!(r.is_ok() || overflow_err(&r), valid, "{:?}", r);
        prop_assert!(r.is_err() || finite(out.get()), "cfg_negative Ok with {:?}", out.get());
        if shapes_ok && w.is_finite() && !finite_in {
            prop_assert!(non_finite_err(&r), "{r:?}");
        }
        prop_assert!(finite_in || out.get().iter().all(|&v| v == 0.0), "written on error: {:?}", out.get());
        let mut running = Guarded::filled("momentum", u.len(), 0.0);
        let config = ApgConfig { w, eta, norm_threshold: thr, momentum: mom, mode: if paper { ApgMode::Paper } else { ApgMode::Diffusers } };
        let mut mb = MomentumBuffer::new(running.inner());
        let r = apg(&c, &u, &config, &mut mb, out.inner());
        if r.is_ok() {
            prop_assert!(shapes_ok && finite_in && finite(out.get()), "apg Ok with {:?}", out.get());
        } else if !finite_in {
            prop_assert!(out.get().iter().all(|&v| v == 0.0) && running.get().iter().all(|&v| v == 0.0));
        }
        let _ = cosine(&c, &u);
        let mut ag = AdaptiveGuidance::new(thr);
        let _ = ag.guide(&c, Some(&u), w, out.inner());
        let _ = ag.guide(&c, None, w, out.inner());
        // Moderate finite inputs with moderate w give finite outputs on every guidance path.
        let n = m.len() / 2;
        let (mc, mu) = (&m[..n], &m[n..2 * n]);
        let mut out = Guarded::filled("out", n, 0.0);
        cfg(mc, mu, wmod, out.inner()).unwrap();
        prop_assert!(finite(out.get()));
        cfg_negative(mc, mu, mc, wmod, wmod, out.inner()).unwrap();
        prop_assert!(finite(out.get()));
        let mut running = Guarded::filled("momentum", n, 0.0);
        let mut mb = MomentumBuffer::new(running.inner());
        let cfgm = ApgConfig { w: wmod, eta: 0.5, norm_threshold: thr.abs().min(1e6), momentum: -0.5, mode: ApgMode::Paper };
        for _ in 0..3 {
            if let Ok(stats) = apg(mc, mu, &cfgm, &mut mb, out.inner()) {
                prop_assert!(finite(out.get()) && stats.delta_norm.is_finite() && stats.rescale.is_finite(), "{stats:?}");
            }
        }
        let cs = cosine(mc, mu).unwrap();
        prop_assert!(cs.is_finite() && cs.abs() <= 1.0 + 1e-12);
    }

    /// Extreme finite inputs (near `T::MAX`, `w` up to 1e30), f64 and f32: `Ok` with a finite
    /// output or `NumericalFailure`; APG leaves its momentum buffer unchanged on that error.
    #[test]
    fn guidance_overflow_is_an_error(v in vec(huge(), 2..10), w in prop_oneof![Just(1e30), Just(-1e30), Just(7.5), Just(2.0)],
                                     eta in prop_oneof![Just(0.0), Just(1.0), Just(0.5)], mom in prop_oneof![Just(0.0), Just(-0.5)],
                                     thr in prop_oneof![Just(0.0), Just(5.0)], paper in any::<bool>()) {
        let n = v.len() / 2;
        let (c, u) = (&v[..n], &v[n..2 * n]);
        let (c32, u32): (Vec<f32>, Vec<f32>) = (c.iter().map(|&x| (x / 1e270) as f32).collect(), u.iter().map(|&x| (x / 1e270) as f32).collect());
        prop_assert!(c32.iter().chain(&u32).all(|x| x.is_finite()));
        let mut out = Guarded::filled("out", n, 0.0);
        let r = cfg(c, u, w, out.inner());
        prop_assert!(r.is_ok() && finite(out.get()) || overflow_err(&r), "{r:?} {:?}", out.get());
        let r = cfg_negative(c, u, u, w, w, out.inner());
        prop_assert!(r.is_ok() && finite(out.get()) || overflow_err(&r), "{r:?} {:?}", out.get());
        let mut o32 = Guarded::filled("out32", n, 0.0f32);
        let r = cfg(&c32, &u32, w, o32.inner());
        prop_assert!(r.is_ok() && o32.get().iter().all(|x| x.is_finite()) || overflow_err(&r), "{r:?} {:?}", o32.get());
        let config = ApgConfig { w, eta, norm_threshold: thr, momentum: mom, mode: if paper { ApgMode::Paper } else { ApgMode::Diffusers } };
        let mut running = Guarded::filled("momentum", n, 0.0);
        let mut mb = MomentumBuffer::new(running.inner());
        mb.running.iter_mut().zip(u).for_each(|(r, &x)| *r = x);
        let r = apg(c, u, &config, &mut mb, out.inner());
        match &r {
            Ok(_) => prop_assert!(finite(out.get()), "apg Ok with {:?}", out.get()),
            Err(_) => {
                prop_assert!(overflow_err(&r), "{r:?}");
                prop_assert_eq!(running.get(), u, "momentum changed on overflow");
            }
        }
        let mut r32 = Guarded::filled("momentum32", n, 0.0f32);
        let mut mb = MomentumBuffer::new(r32.inner());
        let r = apg(&c32, &u32, &config, &mut mb, o32.inner());
        prop_assert!(r.is_ok() && o32.get().iter().all(|x| x.is_finite()) || overflow_err(&r), "{r:?} {:?}", o32.get());
    }

    #[test]
    fn ddim_keeps_its_contract(x0 in vec(moderate(), 0..8), el in 0usize..9, a in extreme_param(), b in extreme_param(),
                               levels in vec(prop_oneof![3 => 1e-4..1.0f64, 1 => extreme_param()], 0..6)) {
        let eps: Vec<f64> = x0.iter().map(|v| 0.5 - v).cycle().take(el).collect();
        let mut x = Guarded::new("x", &x0);
        let r = ddim_step(x.inner(), &eps, a, b);
        prop_assert_eq!(r.is_ok(), eps.len() == x0.len() && a > 0.0 && a <= 1.0 && b > 0.0 && b <= 1.0);
        // f32 DDIM: ā down to 1e-4 keeps the step coefficients finite.
        let mut x32 = Guarded::new("x32", &x0.iter().map(|&v| v as f32).collect::<Vec<_>>());
        let mut e32 = Guarded::filled("eps32", x0.len(), 0.0f32);
        let sorted = { let mut l = levels.clone(); l.sort_by(f64::total_cmp); l };
        let r = ddim_sample(x32.inner(), &sorted, e32.inner(), |x, i, e| {
            for (ei, xi) in e.iter_mut().zip(x) {
                *ei = (*xi - sorted[i].sqrt() as f32 * 0.3) / (1.0 - sorted[i]).max(1e-12).sqrt() as f32;
            }
            Ok(())
        });
        if r.is_ok() {
            prop_assert!(x32.get().iter().all(|v| v.is_finite()), "DDIM Ok with {:?} for levels {sorted:?}", x32.get());
        }
    }

    #[test]
    fn nasa_attention_keeps_its_contract(queries in 0usize..3, kd in 0usize..4, vd in 0usize..4, pos in 0usize..4, neg in 0usize..3,
                                         vals in vec(any_f32(), 1..20), alpha in any_f32(), short in 0usize..2, extra in 0usize..2) {
        let s = AttentionShape { queries, key_dim: kd, value_dim: vd, pos_tokens: pos, neg_tokens: neg };
        let fill = |n: usize, o: usize| -> Vec<f32> { (0..n).map(|i| vals[(i + o) % vals.len()]).collect() };
        let q = fill(queries * kd + extra, 0);
        let (kp, vp) = (fill(pos * kd, 1), fill(pos * vd, 2));
        let (kn, vn) = (fill(neg * kd, 3), fill(neg * vd, 4));
        let mut work = Guarded::filled("work", nasa_workspace_len(pos, neg).saturating_sub(short), 0.0f32);
        let mut out = Guarded::filled("out", queries * vd, 0.0f32);
        let r = nasa_attention(&s, &q, &kp, &vp, &kn, &vn, alpha, work.inner(), out.inner());
        if r.is_ok() {
            let finite_in = q.iter().chain(&kp).chain(&vp).chain(&kn).chain(&vn).all(|v| v.is_finite() && v.abs() < 100.0)
                && alpha.is_finite() && alpha.abs() < 100.0;
            prop_assert!(!finite_in || out.get().iter().all(|v| v.is_finite()), "NASA {:?}", out.get());
        }
    }

    #[test]
    fn metrics_keep_their_contract(x in vec(any_f32(), 0..24), dim in 0usize..4, k in 0usize..4, short in 0usize..2,
                                   a in vec(any_f64(), 0..10), n in 0usize..4) {
        let mut mean = Guarded::filled("mean", dim, 0.0);
        let mut cov = Guarded::filled("cov", dim * dim, 0.0);
        if mean_covariance(&x, dim, mean.inner(), cov.inner()).is_ok() && x.iter().all(|v| v.is_finite()) {
            prop_assert!(finite(mean.get()) && finite(cov.get()));
        }
        let rows = x.len().checked_div(dim).unwrap_or(0);
        let mut r2 = Guarded::filled("radii2", rows, 0.0);
        let _ = knn_radii(&x, dim, k, r2.inner());
        let half = (rows / 2) * dim;
        let mut rr = Guarded::filled("real radii", half.checked_div(dim).unwrap_or(0), 0.0);
        let mut fr = Guarded::filled("fake radii", half.checked_div(dim).unwrap_or(0), 0.0);
        if let Ok(pr) = precision_recall(&x[..half], &x[half..2 * half], dim, k, rr.inner(), fr.inner()) {
            prop_assert!((0.0..=1.0).contains(&pr.precision) && (0.0..=1.0).contains(&pr.recall) || x.iter().any(|v| !v.is_finite()));
        }
        if let Ok(f) = clipped_fraction(&x) {
            prop_assert!((0.0..=1.0).contains(&f));
        }
        // Symmetric matrices from arbitrary values: eigen, sqrt, Fréchet distance.
        let mut sym = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let v = a.get(i * n + j).copied().unwrap_or(0.5);
                sym[i * n + j] = v;
                sym[j * n + i] = v;
            }
        }
        let mut m = Guarded::new("eigen a", &sym);
        let mut vecs = Guarded::filled("eigen vectors", n * n, 0.0);
        if symmetric_eigen(m.inner(), n, vecs.inner()).is_ok() {
            prop_assert!(finite(m.get()) && finite(vecs.get()));
        }
        let mut out = Guarded::filled("sqrt", n * n, 0.0);
        let mut work = Guarded::filled("sqrt work", psd_sqrt_workspace_len(n).saturating_sub(short), 0.0);
        if psd_sqrt(&sym, n, out.inner(), work.inner()).is_ok() {
            prop_assert!(finite(out.get()), "psd_sqrt Ok with {:?}", out.get());
        }
        let mu: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let mut fw = Guarded::filled("frechet work", frechet_workspace_len(n).saturating_sub(short), 0.0);
        if let Ok(d) = frechet_distance(&mu, &sym, &mu, &sym, fw.inner()) {
            prop_assert!(d.is_finite(), "Fréchet Ok({d})");
        }
    }
}

/// A tiny conditional network for the sampler properties.
fn small_net(layout: CondLayout) -> [LayerSpec; 2] {
    [
        LayerSpec::new(layout.input_len(), 4, Activation::Tanh),
        LayerSpec::new(4, layout.pixels, Activation::Identity),
    ]
}

proptest! {
    #![proptest_config(config(48))]

    /// Euler sampling (CFG, APG, adaptive), the one-step student and flow-matching training on
    /// tiny layouts with arbitrary labels, guidance scales and step counts.
    #[test]
    fn samplers_keep_their_contract(pixels in 1usize..4, classes in 1usize..4, labels in vec(0usize..5, 0..3),
                                    scales in vec(prop_oneof![4 => -3.0..8.0f64, 1 => extreme_param()], 3),
                                    steps in prop_oneof![4 => 1usize..6, 1 => Just(0usize)], kind in 0usize..3,
                                    thr in extreme_param(), short in prop_oneof![5 => Just(0usize), 1 => Just(1usize)],
                                    dropout in extreme_param(), batch in 0usize..4) {
        let layout = CondLayout { pixels, time_features: 2, classes, guidance_input: false };
        let net = small_net(layout);
        let mlp = Mlp::new(&net).unwrap();
        let mut params = vec![0.0f32; mlp.params_len()];
        mlp.init(&mut params, &mut Pcg32::seed(2)).unwrap();
        let b = labels.len();
        let guidance = match kind {
            0 => GuidanceKind::Cfg,
            1 => GuidanceKind::Apg(ApgConfig::default()),
            _ => GuidanceKind::Adaptive { threshold: thr },
        };
        let sc = &scales[..b];
        let mut x = Guarded::new("x", &(0..b * pixels).map(|i| (i % 3) as f32 - 1.0).collect::<Vec<_>>());
        let mut ag = vec![AdaptiveGuidance::new(0.9); b];
        let mut buf = Guarded::filled("euler buffer", euler_buffer_len(&net, layout, b).saturating_sub(short), 0.0f32);
        let r = euler_sample(&mlp, &params, &layout, &guidance, &labels, sc, steps, x.inner(), &mut ag, buf.inner());
        let moderate = sc.iter().all(|w| w.abs() <= 8.0) && labels.iter().all(|&l| l <= classes);
        if r.is_ok() && moderate {
            prop_assert!(x.get().iter().all(|v| v.is_finite()), "euler Ok with {:?}", x.get());
        }
        // One-step student.
        let student = CondLayout { guidance_input: true, ..layout };
        let snet = small_net(student);
        let smlp = Mlp::new(&snet).unwrap();
        let mut sp = vec![0.0f32; smlp.params_len()];
        smlp.init(&mut sp, &mut Pcg32::seed(3)).unwrap();
        let z: Vec<f32> = (0..b * pixels).map(|i| i as f32 * 0.1).collect();
        let mut inputs = Guarded::filled("student inputs", b * student.input_len(), 0.0f32);
        let mut acts = Guarded::filled("student acts", smlp.activations_len(b).unwrap(), 0.0f32);
        let mut out = Guarded::filled("student out", b * pixels, 0.0f32);
        let r = student_generate(&smlp, &sp, &student, &z, &labels, sc, inputs.inner(), acts.inner(), out.inner());
        if r.is_ok() && moderate {
            prop_assert!(out.get().iter().all(|v| v.is_finite()));
        }
        // Flow-matching batch construction.
        let lb: Vec<usize> = (0..batch).map(|i| i % classes).collect();
        let x0: Vec<f32> = (0..batch * pixels).map(|i| (i % 5) as f32 * 0.2).collect();
        let mut fin = Guarded::filled("flow inputs", batch * layout.input_len(), 0.0f32);
        let mut ftg = Guarded::filled("flow targets", batch * pixels, 0.0f32);
        let r = flow_matching_batch(&layout, &x0, &lb, dropout, &mut Pcg32::seed(4), fin.inner(), ftg.inner());
        prop_assert_eq!(r.is_ok(), (0.0..=1.0).contains(&dropout));
        if r.is_ok() {
            prop_assert!(fin.get().iter().chain(ftg.get()).all(|v| v.is_finite()));
        }
    }
}

/// Regressions: DDIM in f32 from a subnormal ā returned `Ok` with NaN; the Fréchet distance
/// of huge covariances returned `Ok(-inf)`.
#[test]
fn ddim_and_frechet_overflow_are_errors() {
    let mut x = [0.5f32];
    let r = ddim_step(&mut x, &[0.1], 5.562684646268003e-309, 1.0);
    assert!(matches!(r, Err(ferrokern::Error::NumericalFailure { .. })), "{r:?}");
    assert_eq!(x, [0.5]);
    let big = [-1e300, 0.0, 0.0, -1e300];
    let mut work = [0.0; 16];
    let r = frechet_distance(&[0.0, 0.0], &big, &[0.0, 0.0], &big, &mut work);
    assert!(r.is_err(), "{r:?}");
}

#[test]
fn guidance_overflow_examples() {
    use ferrokern::Error::NumericalFailure;
    // u + 2·(c − u) = 2·MAX overflows f32; so does a scale of 1e30 on a difference of 1e10.
    let mut out = [0.0f32];
    assert_eq!(cfg(&[f32::MAX], &[0.0], 2.0, &mut out), Err(NumericalFailure { what: "cfg overflows" }));
    assert_eq!(cfg(&[1.0f64], &[0.0], 1e30, &mut [0.0]), Ok(()));
    assert_eq!(cfg(&[1e10f32], &[0.0], 1e30, &mut out), Err(NumericalFailure { what: "cfg overflows" }));
    let r = cfg_negative(&[0.0f64], &[0.0], &[f64::MAX], 1.0, -2.0, &mut [0.0]);
    assert_eq!(r, Err(NumericalFailure { what: "cfg_negative overflows" }));
    // Δ = MAX − (−MAX) = inf in f64: error, momentum unchanged.
    let mut running = [0.0f64];
    let mut mb = MomentumBuffer::new(&mut running);
    mb.running[0] = 3.0;
    let config =
        ApgConfig { w: 2.0, eta: 1.0, norm_threshold: 0.0, momentum: -0.5, mode: ApgMode::Diffusers };
    let r = apg(&[f64::MAX], &[-f64::MAX], &config, &mut mb, &mut [0.0]);
    assert_eq!(r, Err(NumericalFailure { what: "apg overflows" }));
    assert_eq!(running, [3.0]);
    // A finite result updates the momentum: Δ̄ = (1 − 0) − 0.5·3, out = 0 + 2·Δ̄.
    let mut mb = MomentumBuffer::new(&mut running);
    mb.running[0] = 3.0;
    let mut out = [0.0f64];
    apg(&[1.0], &[0.0], &config, &mut mb, &mut out).unwrap();
    assert_eq!((running, out), ([-0.5], [-1.0]));
}

proptest! {
    #![proptest_config(config(48))]

    /// `FlowTrainBuffers::split` with short/long buffers and label arrays, then one
    /// `train_flow_epoch` over arbitrary (possibly out-of-range) rows of data with NaN/inf
    /// mixed in, extreme label dropout, batch and learning rate: `Ok` with a finite loss and
    /// finite params/state, or an `Err`; never a panic; every buffer canary-guarded.
    #[test]
    fn flow_training_keeps_its_contract(pixels in 1usize..3, classes in 1usize..3, cap in 0usize..4, short in prop_oneof![4 => Just(0usize), 1 => 1usize..3],
                                        label_short in prop_oneof![4 => Just(0usize), 1 => Just(1usize)],
                                        data in vec(prop_oneof![8 => -1.0..1.0f64, 1 => any_f64()], 1..10),
                                        rows in vec(0usize..6, 0..6), batch in 0usize..5, dropout in prop_oneof![3 => 0.0..1.0f64, 1 => extreme_param()],
                                        lr in prop_oneof![3 => 1e-4..1e-1f64, 1 => extreme_param()]) {
        use ferrokern::denoise::{flow_train_buffer_len, train_flow_epoch, FlowTrainBuffers, FlowTrainConfig};
        use ferrokern::optim::{DiffGrad, DiffGradConfig};
        let layout = CondLayout { pixels, time_features: 2, classes, guidance_input: false };
        let net = small_net(layout);
        let mlp = Mlp::new(&net).unwrap();
        let n = 4usize;
        let data: Vec<f32> = data.iter().map(|&v| v as f32).cycle().take(n * pixels).collect();
        let labels: Vec<usize> = (0..n).map(|i| i % (classes + 1)).collect();
        let mut buf = Guarded::filled("flow buffer", flow_train_buffer_len(&net, layout, cap).saturating_sub(short), 0.0f32);
        let mut lab = Guarded::filled("flow labels", cap.saturating_sub(label_short), 0usize);
        let split = FlowTrainBuffers::split(buf.inner(), lab.inner(), &mlp, &layout, cap);
        prop_assert_eq!(split.is_ok(), short == 0 && (label_short == 0 || cap == 0), "{:?}", split.as_ref().err());
        let Ok(mut bufs) = split else { return Ok(()) };
        let mut params = Guarded::filled("params", mlp.params_len(), 0.0f32);
        mlp.init(params.inner(), &mut Pcg32::seed(9)).unwrap();
        let mut state = Guarded::filled("state", DiffGrad::state_len(mlp.params_len()), 0.0f32);
        let mut opt = DiffGrad::new(DiffGradConfig { lr: lr.min(1e3), ..DiffGradConfig::default() });
        let cfg = FlowTrainConfig { batch, label_dropout: dropout };
        let r = train_flow_epoch(&mlp, &layout, &mut opt, params.inner(), state.inner(), &data, &labels, &rows, &cfg,
                                 &mut Pcg32::seed(1), &mut bufs);
        if let Ok(loss) = r {
            prop_assert!(loss.is_finite() && loss >= 0.0, "Ok({loss})");
            prop_assert!(params.get().iter().chain(state.get()).all(|v| v.is_finite()), "Ok with non-finite params");
            prop_assert!(rows.iter().all(|&r| r < n) && (0.0..=1.0).contains(&dropout) && batch > 0);
        }
    }
}
