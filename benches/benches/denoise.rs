//! Denoiser (`ferrokern::denoise`, issue #7): samples per second on one thread, f32, batch of
//! 10 (one per class), guidance scale w = 2:
//! - the one-step student `G(z, y, w)` (one network evaluation per sample);
//! - the teacher, 64-step Euler with CFG (2 evaluations per sample and step);
//! - the teacher, 64-step Euler with adaptive guidance (AG, the unconditional call dropped
//!   once cos(v_c, v_u) ≥ γ̄).
//!
//! Speed does not depend on the weights, so the timed networks are the committed models when
//! they exist (`models/denoise/teacher.fkm`, `firmware-examples/denoise/model/student.fkm`,
//! `models/denoise/judge.fkm`; `FERROKERN_DENOISE_MODELS=DIR` reads all three from DIR) and
//! random-init networks of the spec's shapes otherwise. AG's evaluation count depends on the weights: with a trained teacher and judge
//! the bench first prints, for several γ̄, AG's evaluations and its judge accuracy / FD_feat
//! (200 samples, 20 per class, vs the real test split) next to CFG's, and the evaluations
//! saved at equal quality. Figures: `benches/README-denoise.md`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ferrokern::denoise::{
    euler_buffer_len, euler_sample, frechet_distance, frechet_workspace_len, load_flow_params,
    mean_covariance, student_generate, AdaptiveGuidance, FlowModelKind, GuidanceKind, CLASSES, PIXELS,
    STUDENT_LAYOUT, STUDENT_NET, TEACHER_LAYOUT, TEACHER_NET,
};
use ferrokern::model::Model;
use ferrokern::nn::{
    argmax_rows, load_mlp_params, load_standardization, mlp_layers, params_len, standardize, Activation,
    LayerSpec, Mlp,
};
use ferrokern::rng::Pcg32;

const STEPS: usize = 64;
const W: f64 = 2.0;
/// Samples per timed call: one per class.
const BATCH: usize = CLASSES;
/// AG thresholds of the quality sweep (the timed AG run uses [`AG_TIMED`]).
const AG_SWEEP: [f64; 6] = [0.9, 0.95, 0.98, 0.99, 0.995, 0.999];
/// γ̄ of the timed AG run (replaced by the equal-quality one when the models are trained).
const AG_TIMED: f64 = 0.99;
/// Samples per class of the quality comparison.
const PER_CLASS: usize = 20;

const DIGITS: &str = include_str!("../../host-tests/data/digits.csv");
const DIGITS_TEST: &str = include_str!("../../host-tests/data/splits/digits_test.txt");

/// Where model `file` is read from.
fn model_path(file: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("FERROKERN_DENOISE_MODELS") {
        return PathBuf::from(dir).join(file);
    }
    let dir = if file == "student.fkm" { "firmware-examples/denoise/model" } else { "models/denoise" };
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join(dir).join(file)
}

/// Parameters of a flow model file, or a random init of `layers` (and whether it was loaded).
fn flow_params(file: &str, kind: FlowModelKind, layers: &[LayerSpec]) -> (Vec<f32>, bool) {
    let mut params = vec![0.0f32; params_len(layers)];
    if let Ok(bytes) = std::fs::read(model_path(file)) {
        let model = Model::parse(&bytes).unwrap();
        load_flow_params(&model, kind, layers, &mut params).unwrap();
        return (params, true);
    }
    Mlp::new(layers).unwrap().init(&mut params, &mut Pcg32::seed(1)).unwrap();
    (params, false)
}

/// The judge (layers, params, standardisation mean and std), or None if no judge file.
type Judge = (Vec<LayerSpec>, Vec<f32>, Vec<f32>, Vec<f32>);

/// Reads the judge.
fn judge() -> Option<Judge> {
    let bytes = std::fs::read(model_path("judge.fkm")).ok()?;
    let model = Model::parse(&bytes).unwrap();
    let mut specs = [LayerSpec::new(1, 1, Activation::Identity); 8];
    let layers = mlp_layers(&model, &mut specs).unwrap().to_vec();
    let mut params = vec![0.0f32; params_len(&layers)];
    load_mlp_params(&model, &layers, &mut params).unwrap();
    let (mut mean, mut std) = (vec![0.0f32; PIXELS], vec![0.0f32; PIXELS]);
    load_standardization(&model, &mut mean, &mut std).unwrap();
    Some((layers, params, mean, std))
}

/// Noise rows and labels: `per_class` rows of each class, seeded.
fn noise(per_class: usize, seed: u64) -> (Vec<f32>, Vec<usize>) {
    let labels: Vec<usize> = (0..CLASSES).flat_map(|c| std::iter::repeat_n(c, per_class)).collect();
    let mut rng = Pcg32::seed(seed);
    let z = (0..labels.len() * PIXELS).map(|_| rng.normal() as f32).collect();
    (z, labels)
}

/// Euler sampling of the teacher; returns the samples and network evaluations.
fn teacher_sample(params: &[f32], kind: &GuidanceKind, z: &[f32], labels: &[usize]) -> (Vec<f32>, u64) {
    let mlp = Mlp::new(&TEACHER_NET).unwrap();
    let b = labels.len();
    let mut x = z.to_vec();
    let mut ag = vec![AdaptiveGuidance::new(1.0); b];
    let mut buf = vec![0.0f32; euler_buffer_len(&TEACHER_NET, TEACHER_LAYOUT, b)];
    let stats = euler_sample(
        &mlp,
        params,
        &TEACHER_LAYOUT,
        kind,
        labels,
        &vec![W; b],
        STEPS,
        &mut x,
        &mut ag,
        &mut buf,
    )
    .unwrap();
    (x, stats.evaluations)
}

/// Judge accuracy against `labels` and FD of the hidden (first-layer) features vs `real`.
fn quality(judge: &Judge, x: &[f32], labels: &[usize], real: &[f32]) -> (f64, f64) {
    let (layers, params, mean, std) = judge;
    let mlp = Mlp::new(layers).unwrap();
    let hidden = layers[0].outputs;
    let run = |x: &[f32]| {
        // Clipped, back to the judge's raw 0–16 pixels, its standardisation.
        let mut raw: Vec<f32> = x.iter().map(|v| 8.0 * (v.clamp(-1.0, 1.0) + 1.0)).collect();
        standardize(&mut raw, mean, std).unwrap();
        let n = raw.len() / PIXELS;
        let mut acts = vec![0.0f32; mlp.activations_len(n).unwrap()];
        mlp.forward(params, &raw, n, &mut acts).unwrap();
        let feats = acts[n * hidden..2 * n * hidden].to_vec();
        let mut classes = vec![0usize; n];
        argmax_rows(mlp.output(&acts, n).unwrap(), CLASSES, &mut classes).unwrap();
        (feats, classes)
    };
    let (fake_f, classes) = run(x);
    let (real_f, _) = run(real);
    let acc = classes.iter().zip(labels).filter(|(a, b)| a == b).count() as f64 / labels.len() as f64;
    let stats = |f: &[f32]| {
        let (mut m, mut c) = (vec![0.0; hidden], vec![0.0; hidden * hidden]);
        mean_covariance(f, hidden, &mut m, &mut c).unwrap();
        (m, c)
    };
    let ((m1, c1), (m2, c2)) = (stats(&fake_f), stats(&real_f));
    let mut work = vec![0.0; frechet_workspace_len(hidden)];
    (acc, frechet_distance(&m1, &c1, &m2, &c2, &mut work).unwrap())
}

/// Real test digits in [−1, 1] (spec split).
fn real_test() -> Vec<f32> {
    let test: Vec<usize> = DIGITS_TEST.split_whitespace().map(|v| v.parse().unwrap()).collect();
    DIGITS
        .lines()
        .skip(1)
        .enumerate()
        .filter(|(i, _)| test.binary_search(i).is_ok())
        .flat_map(|(_, l)| {
            l.split(',')
                .take(PIXELS)
                .map(|v| v.trim().parse::<f32>().unwrap() / 8.0 - 1.0)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The quality sweep (printed); returns the γ̄ with the fewest evaluations whose accuracy is
/// within 0.01 of CFG's and FD_feat within 10 % of CFG's ("equal quality").
fn ag_at_equal_quality(teacher: &[f32], judge: &Judge) -> Option<f64> {
    let real = real_test();
    let (z, labels) = noise(PER_CLASS, 99);
    let n = labels.len();
    let (x_cfg, e_cfg) = teacher_sample(teacher, &GuidanceKind::Cfg, &z, &labels);
    let (acc_cfg, fd_cfg) = quality(judge, &x_cfg, &labels, &real);
    println!(
        "quality ({n} samples, w = {W}, {STEPS} steps; FD_feat vs the {} real test rows):",
        real.len() / PIXELS
    );
    println!(
        "  CFG           evaluations {e_cfg:>6} ({:.1}/sample)  accuracy {acc_cfg:.3}  FD_feat {fd_cfg:.3}",
        e_cfg as f64 / n as f64
    );
    let mut best: Option<(f64, u64)> = None;
    for g in AG_SWEEP {
        let (x, e) = teacher_sample(teacher, &GuidanceKind::Adaptive { threshold: g }, &z, &labels);
        let (acc, fd) = quality(judge, &x, &labels, &real);
        let equal = acc >= acc_cfg - 0.01 && fd <= 1.1 * fd_cfg;
        println!(
            "  AG γ̄={g:<6}  evaluations {e:>6} ({:.1}/sample, {:.1} % fewer)  accuracy {acc:.3}  FD_feat {fd:.3}{}",
            e as f64 / n as f64,
            100.0 * (1.0 - e as f64 / e_cfg as f64),
            if equal { "  equal quality" } else { "" }
        );
        if equal && best.is_none_or(|(_, be)| e < be) {
            best = Some((g, e));
        }
    }
    match best {
        Some((g, e)) => println!(
            "  AG at equal quality: γ̄ = {g}, saves {} of {e_cfg} evaluations ({:.1} %)",
            e_cfg - e,
            100.0 * (1.0 - e as f64 / e_cfg as f64)
        ),
        None => println!("  no γ̄ in {AG_SWEEP:?} reaches CFG's quality"),
    }
    best.map(|(g, _)| g)
}

fn bench(c: &mut Criterion) {
    let (teacher, trained_teacher) = flow_params("teacher.fkm", FlowModelKind::Teacher, &TEACHER_NET);
    let (student, trained_student) = flow_params("student.fkm", FlowModelKind::Student, &STUDENT_NET);
    println!(
        "teacher: {}, student: {} (from {})",
        if trained_teacher { "model file" } else { "random init" },
        if trained_student { "model file (f16 weights widened to f32)" } else { "random init" },
        model_path("teacher.fkm").display()
    );
    let ag_gamma = match (trained_teacher, judge()) {
        (true, Some(j)) => ag_at_equal_quality(&teacher, &j).unwrap_or(AG_TIMED),
        _ => {
            println!("no trained teacher + judge: AG's savings at equal quality not measured");
            AG_TIMED
        }
    };
    let (z, labels) = noise(1, 7);
    let (_, e_cfg) = teacher_sample(&teacher, &GuidanceKind::Cfg, &z, &labels);
    let ag_kind = GuidanceKind::Adaptive { threshold: ag_gamma };
    let (_, e_ag) = teacher_sample(&teacher, &ag_kind, &z, &labels);
    println!("timed batch: CFG {e_cfg} evaluations, AG (γ̄ = {ag_gamma}) {e_ag}, student {BATCH}");

    let mut g = c.benchmark_group("denoise");
    g.throughput(Throughput::Elements(BATCH as u64))
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    let smlp = Mlp::new(&STUDENT_NET).unwrap();
    let mut inputs = vec![0.0f32; BATCH * STUDENT_LAYOUT.input_len()];
    let mut acts = vec![0.0f32; smlp.activations_len(BATCH).unwrap()];
    let mut out = vec![0.0f32; BATCH * PIXELS];
    g.bench_function("student_1_step", |b| {
        b.iter(|| {
            student_generate(
                &smlp,
                &student,
                &STUDENT_LAYOUT,
                &z,
                &labels,
                &[W; BATCH],
                &mut inputs,
                &mut acts,
                &mut out,
            )
            .unwrap();
            black_box(&out);
        })
    });
    g.bench_function("teacher_64_cfg", |b| {
        b.iter(|| black_box(teacher_sample(&teacher, &GuidanceKind::Cfg, &z, &labels)))
    });
    g.bench_function("teacher_64_ag", |b| {
        b.iter(|| black_box(teacher_sample(&teacher, &ag_kind, &z, &labels)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
