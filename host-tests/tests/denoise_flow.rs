//! `ferrokern::denoise` network, training and samplers: DDIM on a closed-form Gaussian, a fast
//! real training run on digits, and (ignored, minutes) the spec's teacher/student acceptance
//! checks 6–7 plus APG-vs-CFG saturation.

mod denoise_common;

use denoise_common::{load_digits, pr, train_judge, Digits, Judge};
use ferrokern::denoise::{
    clipped_fraction, ddim_sample, euler_buffer_len, euler_sample, flow_train_buffer_len, student_generate,
    student_inputs, train_flow_epoch, AdaptiveGuidance, ApgConfig, ApgMode, CondLayout, FlowTrainBuffers,
    FlowTrainConfig, GuidanceKind, STUDENT_LAYOUT, STUDENT_NET, TEACHER_LAYOUT, TEACHER_NET,
};
use ferrokern::nn::{train_buffer_len, train_step, Activation, LayerSpec, Mlp, Target, TrainBuffers};
use ferrokern::optim::{Adam, AdamConfig};
use ferrokern::rng::Pcg32;
use std::time::Instant;

/// DDIM (η = 0) with the exact ε of Gaussian data N(μ, s²) maps x_T to the exact flow-map
/// endpoint μ + s·z as the step count grows (first order).
#[test]
fn ddim_on_gaussian_data_converges_to_exact_map() {
    let mu = [0.5f64, -1.0, 2.0];
    let s = [0.3f64, 1.0, 2.0];
    let z = [1.2f64, -0.4, 0.8];
    let err = |n: usize| {
        let levels: Vec<f64> = (0..n).map(|i| 0.001 + 0.998 * i as f64 / (n - 1) as f64).collect();
        let a0 = levels[0];
        let mut x: Vec<f64> =
            (0..3).map(|k| a0.sqrt() * mu[k] + (a0 * s[k] * s[k] + 1.0 - a0).sqrt() * z[k]).collect();
        let mut eps = vec![0.0; 3];
        ddim_sample(&mut x, &levels, &mut eps, |x, i, e| {
            let a = levels[i];
            for k in 0..3 {
                e[k] = (1.0 - a).sqrt() * (x[k] - a.sqrt() * mu[k]) / (a * s[k] * s[k] + 1.0 - a);
            }
            Ok(())
        })
        .unwrap();
        (0..3).map(|k| (x[k] - (mu[k] + s[k] * z[k])).abs()).fold(0.0, f64::max)
    };
    let (e50, e200, e1000) = (err(50), err(200), err(1000));
    println!("DDIM max error: 50 steps {e50:.2e}, 200 {e200:.2e}, 1000 {e1000:.2e}");
    assert!(e200 < 0.5 * e50 && e1000 < 0.5 * e200, "{e50} {e200} {e1000}");
    assert!(e1000 < 1e-2);
}

/// Trains a flow model (any layers fitting `layout`) for `steps` minibatches; returns the
/// params, the first and last epoch-mean losses.
fn train_flow(
    layers: &[LayerSpec],
    d: &Digits,
    epochs: usize,
    batch: usize,
    lr: f64,
    seed: u64,
) -> (Vec<f32>, f32, f32) {
    let mlp = Mlp::new(layers).unwrap();
    let mut rng = Pcg32::seed(seed);
    let mut params = vec![0.0f32; mlp.params_len()];
    mlp.init(&mut params, &mut rng).unwrap();
    let mut state = vec![0.0f32; Adam::state_len(params.len())];
    let mut opt = Adam::new(AdamConfig { lr, ..AdamConfig::default() });
    let mut buf = vec![0.0f32; flow_train_buffer_len(layers, TEACHER_LAYOUT, batch)];
    let mut lab = vec![0usize; batch];
    let mut bufs = FlowTrainBuffers::split(&mut buf, &mut lab, &mlp, &TEACHER_LAYOUT, batch).unwrap();
    let config = FlowTrainConfig { batch, label_dropout: 0.1 };
    let mut order: Vec<usize> = (0..d.y_train.len()).collect();
    let (mut first, mut last) = (0.0, 0.0);
    for e in 0..epochs {
        rng.shuffle(&mut order);
        let loss = train_flow_epoch(
            &mlp,
            &TEACHER_LAYOUT,
            &mut opt,
            &mut params,
            &mut state,
            &d.x_train,
            &d.y_train,
            &order,
            &config,
            &mut rng,
            &mut bufs,
        )
        .unwrap();
        if e == 0 {
            first = loss;
        }
        if e % 25 == 24 {
            println!("  epoch {}: loss {loss:.4}", e + 1);
        }
        last = loss;
    }
    (params, first, last)
}

/// `per_class` samples per digit (labels 0..9 in blocks), Euler `steps`, scale `w`.
fn sample(
    layers: &[LayerSpec],
    params: &[f32],
    kind: &GuidanceKind,
    w: f64,
    per_class: usize,
    steps: usize,
    seed: u64,
) -> (Vec<f32>, Vec<usize>, u64) {
    let mlp = Mlp::new(layers).unwrap();
    let labels: Vec<usize> = (0..10 * per_class).map(|i| i / per_class).collect();
    let mut rng = Pcg32::seed(seed);
    let mut x: Vec<f32> = (0..labels.len() * 64).map(|_| rng.normal() as f32).collect();
    let (mut evals, chunk) = (0, 100);
    let mut buf = vec![0.0f32; euler_buffer_len(layers, TEACHER_LAYOUT, chunk)];
    let mut ag = vec![AdaptiveGuidance::new(1.0); chunk];
    for (xs, ls) in x.chunks_mut(chunk * 64).zip(labels.chunks(chunk)) {
        let scales = vec![w; ls.len()];
        let st = euler_sample(
            &mlp,
            params,
            &TEACHER_LAYOUT,
            kind,
            ls,
            &scales,
            steps,
            xs,
            &mut ag[..ls.len()],
            &mut buf,
        )
        .unwrap();
        evals += st.evaluations;
    }
    (x, labels, evals)
}

fn clip(x: &[f32]) -> Vec<f32> {
    x.iter().map(|v| v.clamp(-1.0, 1.0)).collect()
}

/// Fast, real: a small conditional flow MLP trained briefly on the digits training rows; the
/// flow loss must drop well below its first-epoch value and guided samples must be
/// recognised by the judge far above chance (0.1).
#[test]
fn small_flow_model_learns_digits() {
    const SMALL: [LayerSpec; 3] = [
        LayerSpec::new(TEACHER_LAYOUT.input_len(), 96, Activation::Silu),
        LayerSpec::new(96, 96, Activation::Silu),
        LayerSpec::new(96, 64, Activation::Identity),
    ];
    let d = load_digits();
    let t0 = Instant::now();
    let (params, first, last) = train_flow(&SMALL, &d, 60, 64, 2e-3, 5);
    let train_s = t0.elapsed().as_secs_f64();
    let judge = train_judge(&d);
    let (x, labels, evals) = sample(&SMALL, &params, &GuidanceKind::Cfg, 2.0, 10, 16, 6);
    let acc = judge.accuracy(&clip(&x), &labels);
    println!("small flow: loss {first:.4} -> {last:.4} in {train_s:.1}s; judge accuracy of w=2 samples {acc:.3}; {evals} evaluations");
    assert_eq!(evals, 100 * 16 * 2);
    assert!(last < 0.6 * first, "loss {first} -> {last}");
    assert!(acc >= 0.4, "conditional accuracy {acc}");
}

/// Adaptive guidance inside the Euler sampler: γ̄ > 1 reproduces CFG exactly; γ̄ = −1 makes one
/// unconditional call per sample.
#[test]
fn euler_sampler_adaptive_guidance_counts() {
    let mlp = Mlp::new(&TEACHER_NET).unwrap();
    let mut params = vec![0.0f32; mlp.params_len()];
    mlp.init(&mut params, &mut Pcg32::seed(1)).unwrap();
    let (a, _, ea) = sample(&TEACHER_NET, &params, &GuidanceKind::Cfg, 2.0, 1, 8, 3);
    let (b, _, eb) =
        sample(&TEACHER_NET, &params, &GuidanceKind::Adaptive { threshold: 1.0 + 1e-9 }, 2.0, 1, 8, 3);
    assert_eq!(a, b);
    assert_eq!((ea, eb), (10 * 8 * 2, 10 * 8 * 2));
    let (_, _, ec) = sample(&TEACHER_NET, &params, &GuidanceKind::Adaptive { threshold: -1.0 }, 2.0, 1, 8, 3);
    assert_eq!(ec, 10 * 8 + 10);
}

struct Stats {
    acc: f64,
    fd_feat: f64,
    precision: f64,
    recall: f64,
}

fn stats(judge: &Judge, d: &Digits, x: &[f32], labels: &[usize]) -> Stats {
    let x = clip(x);
    let p = pr(&d.x_train, &x);
    Stats {
        acc: judge.accuracy(&x, labels),
        fd_feat: judge.fd_feat(&x, &d.x_train),
        precision: p.precision,
        recall: p.recall,
    }
}

/// Spec checks 6 and 7 with the full spec teacher (≈106k parameters) and student; minutes of
/// CPU. Run with `cargo test --release -p host-tests --test denoise_flow -- --ignored --nocapture`.
/// `FK_TEACHER_EPOCHS` overrides the epoch count. This is the from-scratch constant-lr recipe
/// (first two rows of the table in `core/src/denoise/mod.rs`; it fails FD_feat); the committed
/// models made by the CLI's recipe are checked in `denoise_models.rs`.
#[test]
#[ignore = "minutes: full teacher + student training"]
fn checks_6_7_teacher_and_student() {
    let d = load_digits();
    let judge = train_judge(&d);
    let fd_real = judge.fd_feat(&d.x_test, &d.x_train);
    println!("judge accuracy {:.4}, FD_feat real-test {fd_real:.4}", judge.test_accuracy);
    let epochs: usize = std::env::var("FK_TEACHER_EPOCHS").ok().and_then(|v| v.parse().ok()).unwrap_or(600);
    let t0 = Instant::now();
    let (teacher, first, last) = train_flow(&TEACHER_NET, &d, epochs, 128, 1e-3, 42);
    println!(
        "teacher: {epochs} epochs ({} steps), loss {first:.4} -> {last:.4}, {:.0}s",
        epochs * 10,
        t0.elapsed().as_secs_f64()
    );

    // Check 6.
    let (x2, labels, ev2) = sample(&TEACHER_NET, &teacher, &GuidanceKind::Cfg, 2.0, 100, 64, 100);
    let (x1, _, _) = sample(&TEACHER_NET, &teacher, &GuidanceKind::Cfg, 1.0, 100, 64, 100);
    let (s2, s1) = (stats(&judge, &d, &x2, &labels), stats(&judge, &d, &x1, &labels));
    println!(
        "teacher w=2: acc {:.3} FD_feat {:.3} precision {:.3} recall {:.3} ({ev2} evals)",
        s2.acc, s2.fd_feat, s2.precision, s2.recall
    );
    println!(
        "teacher w=1: acc {:.3} FD_feat {:.3} precision {:.3} recall {:.3}",
        s1.acc, s1.fd_feat, s1.precision, s1.recall
    );
    let (_, _, ev_ag) =
        sample(&TEACHER_NET, &teacher, &GuidanceKind::Adaptive { threshold: 0.99 }, 2.0, 100, 64, 100);
    println!("AG γ̄=0.99 evaluations {ev_ag} vs CFG {ev2} (1000 samples)");

    // APG vs CFG saturation at w = 6 (500 samples).
    let (x6c, labels6, _) = sample(&TEACHER_NET, &teacher, &GuidanceKind::Cfg, 6.0, 50, 64, 100);
    let apg = ApgConfig { eta: 0.0, norm_threshold: 5.0, momentum: -0.5, mode: ApgMode::Paper, w: 6.0 };
    let (x6a, _, _) = sample(&TEACHER_NET, &teacher, &GuidanceKind::Apg(apg), 6.0, 50, 64, 100);
    let (cc, ca) = (clipped_fraction(&x6c).unwrap(), clipped_fraction(&x6a).unwrap());
    let (a6c, a6a) = (judge.accuracy(&clip(&x6c), &labels6), judge.accuracy(&clip(&x6a), &labels6));
    println!("w=6 clipped fraction: CFG {cc:.4} (acc {a6c:.3}), APG {ca:.4} (acc {a6a:.3})");

    // Check 7: distil the one-step student on teacher endpoints, w ~ U[1, 4] per pair.
    let t1 = Instant::now();
    let pairs: usize = std::env::var("FK_PAIRS").ok().and_then(|v| v.parse().ok()).unwrap_or(3000);
    let mlp_t = Mlp::new(&TEACHER_NET).unwrap();
    let mut rng = Pcg32::seed(7);
    let (mut z, mut y, mut w, mut x0) = (vec![], vec![], vec![], vec![]);
    let chunk = 100;
    let mut buf = vec![0.0f32; euler_buffer_len(&TEACHER_NET, TEACHER_LAYOUT, chunk)];
    let mut ag = vec![AdaptiveGuidance::new(1.0); chunk];
    for _ in 0..pairs / chunk {
        let zc: Vec<f32> = (0..chunk * 64).map(|_| rng.normal() as f32).collect();
        let yc: Vec<usize> = (0..chunk).map(|_| rng.below(10) as usize).collect();
        let wc: Vec<f64> = (0..chunk).map(|_| 1.0 + 3.0 * rng.next_f64()).collect();
        let mut xc = zc.clone();
        euler_sample(
            &mlp_t,
            &teacher,
            &TEACHER_LAYOUT,
            &GuidanceKind::Cfg,
            &yc,
            &wc,
            32,
            &mut xc,
            &mut ag,
            &mut buf,
        )
        .unwrap();
        z.extend(zc);
        y.extend(yc);
        w.extend(wc);
        x0.extend(xc);
    }
    println!("distillation pairs: {pairs} in {:.0}s", t1.elapsed().as_secs_f64());
    let t2 = Instant::now();
    let s_epochs: usize = std::env::var("FK_STUDENT_EPOCHS").ok().and_then(|v| v.parse().ok()).unwrap_or(40);
    let student = train_student(&z, &y, &w, &x0, s_epochs, 8);
    println!("student training: {s_epochs} epochs, {:.0}s", t2.elapsed().as_secs_f64());

    // Held-out z: student vs teacher (64-step Euler, same z) at w = 2.
    let gen = |ws: f64, seed: u64| {
        let mlp = Mlp::new(&STUDENT_NET).unwrap();
        let mut rng = Pcg32::seed(seed);
        let zs: Vec<f32> = (0..1000 * 64).map(|_| rng.normal() as f32).collect();
        let mut inputs = vec![0.0f32; 1000 * STUDENT_LAYOUT.input_len()];
        let mut acts = vec![0.0f32; mlp.activations_len(1000).unwrap()];
        let mut out = vec![0.0f32; 1000 * 64];
        student_generate(
            &mlp,
            &student,
            &STUDENT_LAYOUT,
            &zs,
            &labels,
            &vec![ws; 1000],
            &mut inputs,
            &mut acts,
            &mut out,
        )
        .unwrap();
        out
    };
    let xs2 = gen(2.0, 100); // same z as the teacher's x2 (seed 100, same draw order)
    let mse = xs2.iter().zip(&x2).map(|(a, b)| f64::from((a - b) * (a - b))).sum::<f64>() / xs2.len() as f64;
    let ss2 = stats(&judge, &d, &xs2, &labels);
    println!(
        "student w=2: acc {:.3} FD_feat {:.3} precision {:.3} recall {:.3}; endpoint MSE to teacher {mse:.4}",
        ss2.acc, ss2.fd_feat, ss2.precision, ss2.recall
    );
    let mut sweep = Vec::new();
    for ws in [1.0, 2.0, 3.0, 4.0] {
        let s = stats(&judge, &d, &gen(ws, 100), &labels);
        println!("student w={ws}: acc {:.3} recall {:.3} FD_feat {:.3}", s.acc, s.recall, s.fd_feat);
        sweep.push(s);
    }

    // Assertions (spec checks 6, 7 and the extra targets), all evaluated, then
    // reported together.
    let checks = [
        ("check 6: teacher accuracy >= 0.90 at w = 2", s2.acc >= 0.90),
        ("check 6: teacher FD_feat <= 3x real-test", s2.fd_feat <= 3.0 * fd_real),
        ("check 6: teacher precision >= 0.5", s2.precision >= 0.5),
        ("check 6: accuracy at w = 1 below w = 2", s1.acc < s2.acc),
        ("check 7: student accuracy within 0.05 of the teacher", (ss2.acc - s2.acc).abs() <= 0.05),
        ("check 7: student FD_feat <= 1.5x teacher", ss2.fd_feat <= 1.5 * s2.fd_feat),
        ("check 7: endpoint MSE <= 0.05", mse <= 0.05),
        ("check 7: accuracy non-decreasing in w", sweep.windows(2).all(|p| p[1].acc >= p[0].acc)),
        ("check 7: recall non-increasing in w", sweep.windows(2).all(|p| p[1].recall <= p[0].recall)),
        ("student accuracy >= 0.90 at w = 2", ss2.acc >= 0.90),
        ("APG clipped fraction <= half of CFG's at w = 6", ca <= 0.5 * cc),
    ];
    for (name, ok) in &checks {
        println!("{} {name}", if *ok { "PASS" } else { "FAIL" });
    }
    assert!(checks.iter().all(|c| c.1), "failed checks above");
}

/// Regression of `G(z, y, w)` on teacher endpoints (Adam, batch 128).
fn train_student(z: &[f32], y: &[usize], w: &[f64], x0: &[f32], epochs: usize, seed: u64) -> Vec<f32> {
    let mlp = Mlp::new(&STUDENT_NET).unwrap();
    let mut rng = Pcg32::seed(seed);
    let mut params = vec![0.0f32; mlp.params_len()];
    mlp.init(&mut params, &mut rng).unwrap();
    let mut state = vec![0.0f32; Adam::state_len(params.len())];
    let mut opt = Adam::new(AdamConfig { lr: 1e-3, ..AdamConfig::default() });
    const B: usize = 128;
    let mut buf = vec![0.0f32; train_buffer_len(&STUDENT_NET, B)];
    let mut bufs = TrainBuffers::split(&mut buf, &mlp, B).unwrap();
    let layout: CondLayout = STUDENT_LAYOUT;
    let mut order: Vec<usize> = (0..y.len()).collect();
    let mut inputs = vec![0.0f32; B * layout.input_len()];
    let (mut zb, mut xb, mut yb, mut wb) =
        (vec![0.0f32; B * 64], vec![0.0f32; B * 64], vec![0usize; B], vec![0.0f64; B]);
    for _ in 0..epochs {
        rng.shuffle(&mut order);
        for chunk in order.chunks(B) {
            let n = chunk.len();
            for (k, &i) in chunk.iter().enumerate() {
                zb[k * 64..(k + 1) * 64].copy_from_slice(&z[i * 64..(i + 1) * 64]);
                xb[k * 64..(k + 1) * 64].copy_from_slice(&x0[i * 64..(i + 1) * 64]);
                yb[k] = y[i];
                wb[k] = w[i];
            }
            let inp = &mut inputs[..n * layout.input_len()];
            student_inputs(&layout, &zb[..n * 64], &yb[..n], &wb[..n], inp).unwrap();
            train_step(
                &mlp,
                &mut opt,
                &mut params,
                &mut state,
                inp,
                Target::Values(&xb[..n * 64]),
                &mut bufs,
            )
            .unwrap();
        }
    }
    params
}

/// The conditioning layout and bad inputs.
#[test]
fn layout_and_errors() {
    use ferrokern::Error;
    assert_eq!((TEACHER_LAYOUT.input_len(), STUDENT_LAYOUT.input_len()), (91, 92));
    assert_eq!(
        Mlp::new(&TEACHER_NET).unwrap().params_len(),
        91 * 256 + 256 + 256 * 256 + 256 + 256 * 64 + 64
    );
    let mut row = vec![9.0f32; 92];
    let x = [0.5f32; 64];
    STUDENT_LAYOUT.write_input(&x, 0.0, 10, 2.5, &mut row).unwrap();
    assert_eq!(&row[..64], &x[..]);
    // t = 0: sin = 0, cos = 1 at every frequency.
    assert!(row[64..80].chunks(2).all(|p| p[0] == 0.0 && p[1] == 1.0));
    assert_eq!(&row[80..91], &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]); // null class
    assert_eq!(row[91], 2.5);
    assert!(matches!(
        STUDENT_LAYOUT.write_input(&x, 0.0, 11, 1.0, &mut row),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        TEACHER_LAYOUT.write_input(&x, 0.0, 1, 1.0, &mut row),
        Err(Error::DimensionMismatch { .. })
    ));

    let mlp = Mlp::new(&TEACHER_NET).unwrap();
    let params = vec![0.0f32; mlp.params_len()];
    let mut buf = vec![0.0f32; euler_buffer_len(&TEACHER_NET, TEACHER_LAYOUT, 2)];
    let mut xs = vec![0.0f32; 128];
    let mut ag = [AdaptiveGuidance::new(1.0); 2];
    let run = |steps, labels: &[usize], buf: &mut [f32], xs: &mut [f32], ag: &mut [AdaptiveGuidance]| {
        euler_sample(
            &mlp,
            &params,
            &TEACHER_LAYOUT,
            &GuidanceKind::Cfg,
            labels,
            &[2.0, 2.0],
            steps,
            xs,
            ag,
            buf,
        )
    };
    assert!(matches!(run(0, &[0, 1], &mut buf, &mut xs, &mut ag), Err(Error::InvalidParameter { .. })));
    assert!(matches!(run(4, &[0, 12], &mut buf, &mut xs, &mut ag), Err(Error::InvalidParameter { .. })));
    assert!(matches!(
        run(4, &[0, 1], &mut buf[..100], &mut xs, &mut ag),
        Err(Error::WorkspaceTooSmall { .. })
    ));
    assert_eq!(xs, vec![0.0f32; 128], "nothing written on a rejected call");
    // A zero network predicts v = 0: samples stay at their noise.
    xs.iter_mut().enumerate().for_each(|(i, v)| *v = i as f32 / 128.0);
    let before = xs.clone();
    run(4, &[0, 1], &mut buf, &mut xs, &mut ag).unwrap();
    assert_eq!(xs, before);
}
