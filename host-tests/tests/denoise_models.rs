//! Spec checks 6 and 7 (`denoiser.md`) and the extra targets on the committed model
//! files: the flow teacher `models/denoise/teacher.fkm` and the f16 one-step student
//! `firmware-examples/denoise/model/student.fkm` (both made by `ferrokern denoise
//! train|distill`, rows in `xtask/src/retrain.rs`), judged by this crate's own judge (MLP(32,
//! ReLU) trained here, independent of the CLI's). Seconds in release, so it is not ignored.

mod denoise_common;
use denoise_common::{load_digits, pr, train_judge, Digits, Judge};

use ferrokern::denoise::{
    clipped_fraction, clipped_fraction_beyond, euler_buffer_len, euler_sample, load_flow_params,
    student_generate, AdaptiveGuidance, ApgConfig, ApgMode, FlowModelKind, GuidanceKind, HALF_GREY_LEVEL,
    STUDENT_LAYOUT, STUDENT_NET, TEACHER_LAYOUT, TEACHER_NET,
};
use ferrokern::model::Model;
use ferrokern::nn::{params_len, LayerSpec, Mlp};
use ferrokern::rng::Pcg32;

const TEACHER: &[u8] = include_bytes!("../../models/denoise/teacher.fkm");
const STUDENT: &[u8] = include_bytes!("../../firmware-examples/denoise/model/student.fkm");

fn load(bytes: &[u8], kind: FlowModelKind, layers: &[LayerSpec]) -> Vec<f32> {
    let model = Model::parse(bytes).unwrap();
    let mut p = vec![0.0f32; params_len(layers)];
    load_flow_params(&model, kind, layers, &mut p).unwrap();
    p
}

/// `per_class` labels per digit in blocks and their noise (seed).
fn noise_and_labels(per_class: usize, seed: u64) -> (Vec<f32>, Vec<usize>) {
    let labels: Vec<usize> = (0..10 * per_class).map(|i| i / per_class).collect();
    let mut rng = Pcg32::seed(seed);
    (labels.iter().flat_map(|_| (0..64).map(|_| rng.normal() as f32).collect::<Vec<_>>()).collect(), labels)
}

/// Teacher samples (64-step Euler) from `z`; returns samples and evaluations.
fn teacher(params: &[f32], kind: &GuidanceKind, w: f64, z: &[f32], labels: &[usize]) -> (Vec<f32>, u64) {
    let mlp = Mlp::new(&TEACHER_NET).unwrap();
    let chunk = 100;
    let mut buf = vec![0.0f32; euler_buffer_len(&TEACHER_NET, TEACHER_LAYOUT, chunk)];
    let mut ag = vec![AdaptiveGuidance::new(0.99); chunk];
    let mut x = z.to_vec();
    let mut evals = 0;
    for (xs, ls) in x.chunks_mut(chunk * 64).zip(labels.chunks(chunk)) {
        let n = ls.len();
        let st = euler_sample(
            &mlp,
            params,
            &TEACHER_LAYOUT,
            kind,
            ls,
            &vec![w; n],
            64,
            xs,
            &mut ag[..n],
            &mut buf,
        )
        .unwrap();
        evals += st.evaluations;
    }
    (x, evals)
}

fn student(params: &[f32], w: f64, z: &[f32], labels: &[usize]) -> Vec<f32> {
    let mlp = Mlp::new(&STUDENT_NET).unwrap();
    let n = labels.len();
    let mut inputs = vec![0.0f32; n * STUDENT_LAYOUT.input_len()];
    let mut acts = vec![0.0f32; mlp.activations_len(n).unwrap()];
    let mut out = vec![0.0f32; n * 64];
    student_generate(&mlp, params, &STUDENT_LAYOUT, z, labels, &vec![w; n], &mut inputs, &mut acts, &mut out)
        .unwrap();
    out
}

fn clip(x: &[f32]) -> Vec<f32> {
    x.iter().map(|v| v.clamp(-1.0, 1.0)).collect()
}

struct Stats {
    acc: f64,
    fd: f64,
    precision: f64,
    recall: f64,
}

fn stats(judge: &Judge, d: &Digits, x: &[f32], labels: &[usize]) -> Stats {
    let x = clip(x);
    let p = pr(&d.x_train, &x);
    Stats {
        acc: judge.accuracy(&x, labels),
        fd: judge.fd_feat(&x, &d.x_train),
        precision: p.precision,
        recall: p.recall,
    }
}

fn show(name: &str, s: &Stats) {
    println!(
        "{name}: acc {:.3} FD_feat {:.3} precision {:.3} recall {:.3}",
        s.acc, s.fd, s.precision, s.recall
    );
}

/// Checks that fail on the committed models (measured; see `core/src/denoise/mod.rs`): the raw
/// clipped fraction (|x| > 1) has a floor of ≈ 0.28 without guidance (w = 1: background pixels
/// are exactly −1 in the data, about half of a generated background lands a hair below), so
/// APG (0.28 at w = 6) cannot reach half of CFG's 0.44. Beyond half a grey level (the
/// oversaturation measure) it passes, see [`measure`].
const KNOWN_FAILURES: [&str; 1] = ["issue: APG raw clipped fraction (|x| > 1) <= half of CFG's at w = 6"];

#[test]
fn checks_6_7_on_committed_models() {
    let checks = measure();
    let failed: Vec<&str> =
        checks.iter().filter(|c| !c.1 && !KNOWN_FAILURES.contains(&c.0)).map(|c| c.0).collect();
    assert!(failed.is_empty(), "failed: {failed:?}");
}

#[test]
#[ignore = "fails on the committed models: raw |x| > 1 clipping floor of 0.28 from the exact −1 background"]
fn checks_6_7_known_failures() {
    let checks = measure();
    assert!(checks.iter().all(|c| c.1), "failed checks above");
}

/// APG norm threshold r for 8×8 images (see [`measure`]).
const APG_R: f64 = 0.3125;
/// Student samples per class in the w sweep of check 7.
const SWEEP_PER_CLASS: usize = 500;

/// Runs every measurement and returns (check, passed), printing the numbers.
fn measure() -> Vec<(&'static str, bool)> {
    let d = load_digits();
    let judge = train_judge(&d);
    let fd_real = judge.fd_feat(&d.x_test, &d.x_train);
    println!("judge accuracy {:.4}, FD_feat real-test {fd_real:.4}", judge.test_accuracy);
    let tp = load(TEACHER, FlowModelKind::Teacher, &TEACHER_NET);
    let sp = load(STUDENT, FlowModelKind::Student, &STUDENT_NET);

    // Check 6: 1000 samples (100 per class), 64-step Euler, CFG.
    let (z, labels) = noise_and_labels(100, 100);
    let (x2, ev2) = teacher(&tp, &GuidanceKind::Cfg, 2.0, &z, &labels);
    let (x1, _) = teacher(&tp, &GuidanceKind::Cfg, 1.0, &z, &labels);
    let (t2, t1) = (stats(&judge, &d, &x2, &labels), stats(&judge, &d, &x1, &labels));
    show("teacher w=2", &t2);
    show("teacher w=1", &t1);
    let (_, ev_ag) = teacher(&tp, &GuidanceKind::Adaptive { threshold: 0.99 }, 2.0, &z, &labels);
    println!("AG γ̄=0.99: {ev_ag} evaluations vs CFG {ev2}");

    // Saturation at w = 6: CFG vs APG (η = 0, β = −0.5, paper mode), 500 samples. r: the
    // community setting r = 5 (spec §APG, sd.cpp) is for SD latents of 4×64×64 = 16384 values;
    // ||Δ||₂ of the same per-pixel update scales with √d, so on 64 pixels it is
    // r = 5·√(64/16384) = 0.3125 (r = 5 itself never binds here: same samples as r = ∞).
    let (z6, l6) = noise_and_labels(50, 100);
    let (c6, _) = teacher(&tp, &GuidanceKind::Cfg, 6.0, &z6, &l6);
    let apg = ApgConfig { eta: 0.0, norm_threshold: APG_R, momentum: -0.5, mode: ApgMode::Paper, w: 6.0 };
    let (a6, _) = teacher(&tp, &GuidanceKind::Apg(apg), 6.0, &z6, &l6);
    let (cc, ca) = (clipped_fraction(&c6).unwrap(), clipped_fraction(&a6).unwrap());
    let over = |x: &[f32]| clipped_fraction_beyond(x, HALF_GREY_LEVEL).unwrap();
    let (oc, oa) = (over(&c6), over(&a6));
    println!(
        "w=6 clipped |x| > 1: CFG {cc:.4}, APG {ca:.4} ({:.2}x); beyond half a grey level: CFG {oc:.4}, APG {oa:.4} \
         ({:.2}x); accuracy CFG {:.3}, APG {:.3}",
        ca / cc,
        oa / oc,
        judge.accuracy(&clip(&c6), &l6),
        judge.accuracy(&clip(&a6), &l6)
    );

    // Check 7: the student on the same (held-out: never a distillation pair) noise; endpoint
    // MSE to the teacher at every w of the sweep (it must follow the teacher, not only at w = 2).
    let s2x = student(&sp, 2.0, &z, &labels);
    let mse = |a: &[f32], b: &[f32]| {
        a.iter().zip(b).map(|(a, b)| f64::from((a - b) * (a - b))).sum::<f64>() / a.len() as f64
    };
    let s2 = stats(&judge, &d, &s2x, &labels);
    show("student w=2", &s2);
    let mut mses = vec![mse(&student(&sp, 1.0, &z, &labels), &x1), mse(&s2x, &x2)];
    for w in [3.0, 4.0] {
        let (xt, _) = teacher(&tp, &GuidanceKind::Cfg, w, &z, &labels);
        show(&format!("teacher w={w}"), &stats(&judge, &d, &xt, &labels));
        mses.push(mse(&student(&sp, w, &z, &labels), &xt));
    }
    println!("student endpoint MSE to the 64-step teacher (same z), w = 1..4: {mses:.4?}");
    // The w sweep on 5000 samples (500 per class; one student evaluation each): the teacher's
    // accuracy is 0.99 at w = 1 and 1.000 from w = 1.5 on, so differences are a few samples.
    let (zs, ls) = noise_and_labels(SWEEP_PER_CLASS, 101);
    let sweep: Vec<Stats> = [1.0, 2.0, 3.0, 4.0]
        .iter()
        .map(|&w| {
            let s = stats(&judge, &d, &student(&sp, w, &zs, &ls), &ls);
            show(&format!("student w={w} ({} samples)", ls.len()), &s);
            s
        })
        .collect();

    let checks = vec![
        ("check 6: teacher accuracy >= 0.90 at w = 2", t2.acc >= 0.90),
        ("check 6: teacher FD_feat <= 3x real-test", t2.fd <= 3.0 * fd_real),
        ("check 6: teacher precision >= 0.5", t2.precision >= 0.5),
        ("check 6: accuracy at w = 1 below w = 2", t1.acc < t2.acc),
        ("check 7: student accuracy within 0.05 of the teacher", (s2.acc - t2.acc).abs() <= 0.05),
        ("check 7: student FD_feat <= 1.5x teacher", s2.fd <= 1.5 * t2.fd),
        ("check 7: endpoint MSE <= 0.05 at w = 1, 2, 3, 4", mses.iter().all(|&m| m <= 0.05)),
        ("check 7: accuracy non-decreasing in w", sweep.windows(2).all(|p| p[1].acc >= p[0].acc)),
        ("check 7: recall non-increasing in w", sweep.windows(2).all(|p| p[1].recall <= p[0].recall)),
        // Non-decreasing alone holds vacuously at 1.000 everywhere, as for the earlier student
        // (16000 pairs, w ~ U[1, 4]: too prototypical at w = 1, recall 0.48 vs the teacher's
        // 0.69 on the same 1000 noises); the teacher rises 0.990 → 1.000.
        ("check 7: student accuracy rises from w = 1 to 4", sweep[0].acc < sweep[3].acc),
        ("issue: student accuracy >= 0.90 at w = 2", s2.acc >= 0.90),
        ("issue: APG fraction beyond half a grey level <= half of CFG's at w = 6", oa <= 0.5 * oc),
        ("issue: APG raw clipped fraction (|x| > 1) <= half of CFG's at w = 6", ca <= 0.5 * cc),
        ("AG saves evaluations", ev_ag < ev2),
    ];
    for (name, ok) in &checks {
        println!("{} {name}", if *ok { "PASS" } else { "FAIL" });
    }
    checks
}

/// Negative-label CFG (`GuidanceKind::Negative`): with the null class as the negative it is CFG
/// bit for bit; with a digit it steers: samples of 8 pushed away from 3 are classified as 3
/// no more often than under plain CFG, and every sample still differs from plain CFG.
#[test]
fn negative_label_guidance_on_committed_teacher() {
    let tp = load(TEACHER, FlowModelKind::Teacher, &TEACHER_NET);
    let (z, _) = noise_and_labels(5, 7);
    let labels = vec![8usize; z.len() / 64];
    let (cfg, ev) = teacher(&tp, &GuidanceKind::Cfg, 3.0, &z, &labels);
    let (null, ev_null) = teacher(&tp, &GuidanceKind::Negative { label: 10 }, 3.0, &z, &labels);
    assert_eq!(ev, ev_null);
    assert!(cfg.iter().zip(&null).all(|(a, b)| a.to_bits() == b.to_bits()));
    let (neg, _) = teacher(&tp, &GuidanceKind::Negative { label: 3 }, 3.0, &z, &labels);
    assert!(cfg.chunks(64).zip(neg.chunks(64)).all(|(a, b)| a != b));
    let d = load_digits();
    let judge = train_judge(&d);
    let as3 = |x: &[f32]| judge.predict(&clip(x)).iter().filter(|&&p| p == 3).count();
    println!("classified as 3: CFG {}, negative 3: {}", as3(&cfg), as3(&neg));
    assert!(as3(&neg) <= as3(&cfg));
}
