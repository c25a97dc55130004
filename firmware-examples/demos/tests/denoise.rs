//! The denoise demo's host run against an independent f64 evaluation of the same model files:
//! the student through `ferrokern::denoise::student_generate` (whole-network `Mlp::forward`,
//! f64, weights widened from the file) and the judge through `Mlp::forward` in f64 — not the
//! demo's block-streamed f32 path, and not a copied output.

use ferrokern::denoise::{
    load_flow_params, student_generate, FlowModelKind, CLASSES, PIXELS, STUDENT_LAYOUT, STUDENT_NET,
};
use ferrokern::model::Model;
use ferrokern::nn::{
    load_mlp_params, load_standardization, mlp_layers, params_len, Activation, LayerSpec, Mlp,
};
use ferrokern::rng::Pcg32;
use ferrokern_demos::{DENOISE_JUDGE, DENOISE_SAMPLES, DENOISE_SCALE, DENOISE_SEED, DENOISE_STUDENT};

/// f32 (demo, f32 accumulation over ≤ 256 terms per layer, 3 layers) vs f64 on the same
/// weights: pixel values are O(1); the observed gap is ~1e-6, the bound leaves room for
/// other models' weight norms.
const PIXEL_TOL: f64 = 1e-4;
/// Judge classes must agree unless the f64 top-2 logit margin is below this (a near tie that
/// f32 rounding may flip).
const MARGIN_TOL: f64 = 1e-3;

struct NoDelay;
impl ferrokern_demos::DelayNs for NoDelay {
    fn delay_ns(&mut self, _ns: u32) {}
}

/// Values of every line `label[...]: hex hex ...` (or `label: hex`) of the demo output.
fn values(out: &str, label: &str) -> Vec<f32> {
    out.lines()
        .filter(|l| l.split(':').next().is_some_and(|h| h == label || h.starts_with(&format!("{label}["))))
        .flat_map(|l| {
            l.split_whitespace().skip(1).map(|h| f32::from_bits(u32::from_str_radix(h, 16).unwrap()))
        })
        .collect()
}

fn run_demo() -> String {
    let mut out = String::new();
    let summary = ferrokern_demos::denoise(&mut out, &mut NoDelay).unwrap();
    assert!(out.ends_with(&format!("values {} checksum {:08x}\n", summary.values, summary.checksum)));
    out
}

/// The student in f64 on the documented noise (`Pcg32::seed(DENOISE_SEED).normal()` rounded to
/// f32, one 64-value row per class, class c from row c).
fn student_f64() -> Vec<f64> {
    let model = Model::parse(DENOISE_STUDENT).unwrap();
    let mut params = vec![0.0f64; params_len(&STUDENT_NET)];
    let layout = load_flow_params(&model, FlowModelKind::Student, &STUDENT_NET, &mut params).unwrap();
    assert_eq!(layout, STUDENT_LAYOUT);
    let mut rng = Pcg32::seed(DENOISE_SEED);
    let z: Vec<f64> = (0..DENOISE_SAMPLES * PIXELS).map(|_| f64::from(rng.normal() as f32)).collect();
    let labels: Vec<usize> = (0..DENOISE_SAMPLES).collect();
    let mlp = Mlp::new(&STUDENT_NET).unwrap();
    let mut inputs = vec![0.0; DENOISE_SAMPLES * STUDENT_LAYOUT.input_len()];
    let mut acts = vec![0.0; mlp.activations_len(DENOISE_SAMPLES).unwrap()];
    let mut out = vec![0.0; DENOISE_SAMPLES * PIXELS];
    let scales = vec![DENOISE_SCALE; DENOISE_SAMPLES];
    student_generate(&mlp, &params, &STUDENT_LAYOUT, &z, &labels, &scales, &mut inputs, &mut acts, &mut out)
        .unwrap();
    out
}

/// The judge's logits in f64 for `x` rows.
fn judge_f64(x: &[f64]) -> Vec<f64> {
    let model = Model::parse(DENOISE_JUDGE).unwrap();
    let mut specs = [LayerSpec::new(1, 1, Activation::Identity); 8];
    let layers = mlp_layers(&model, &mut specs).unwrap();
    let mut params = vec![0.0f64; params_len(layers)];
    load_mlp_params(&model, layers, &mut params).unwrap();
    // Clipped to [−1, 1], back to the judge's 0–16 pixels, its standardisation.
    let mut x: Vec<f64> = x.iter().map(|v| 8.0 * (v.clamp(-1.0, 1.0) + 1.0)).collect();
    let (mut mean, mut std) = (vec![0.0; PIXELS], vec![0.0; PIXELS]);
    load_standardization(&model, &mut mean, &mut std).unwrap();
    for row in x.chunks_exact_mut(PIXELS) {
        row.iter_mut().zip(mean.iter().zip(&std)).for_each(|(v, (m, s))| *v = (*v - m) / s);
    }
    let n = x.len() / PIXELS;
    let mlp = Mlp::new(layers).unwrap();
    let mut acts = vec![0.0; mlp.activations_len(n).unwrap()];
    mlp.forward(&params, &x, n, &mut acts).unwrap();
    mlp.output(&acts, n).unwrap().to_vec()
}

#[test]
fn host_run_prints_one_sample_per_class_and_matches_f64() {
    let out = run_demo();
    assert_eq!(DENOISE_SAMPLES, 10, "documented: one sample per digit class");
    let samples = values(&out, "x");
    assert_eq!(samples.len(), DENOISE_SAMPLES * PIXELS, "10 samples of 64 values");
    // 8 ASCII-art lines per sample.
    assert_eq!(out.lines().filter(|l| l.starts_with("#   ")).count(), 8 * DENOISE_SAMPLES);

    let reference = student_f64();
    let worst = samples.iter().zip(&reference).map(|(&a, &b)| (f64::from(a) - b).abs()).fold(0.0, f64::max);
    println!("student: max |f32 demo − f64| = {worst:.3e}");
    assert!(worst <= PIXEL_TOL, "student samples differ from f64 by {worst:e}");

    let logits = values(&out, "logits");
    let classes: Vec<usize> = values(&out, "class").iter().map(|&c| c as usize).collect();
    assert_eq!((logits.len(), classes.len()), (DENOISE_SAMPLES * CLASSES, DENOISE_SAMPLES));
    // The judge in f64 on the demo's own samples (isolates the judge) and on the f64 samples.
    let demo_x: Vec<f64> = samples.iter().map(|&v| f64::from(v)).collect();
    let ref_logits = judge_f64(&demo_x);
    let worst_logit =
        logits.iter().zip(&ref_logits).map(|(&a, &b)| (f64::from(a) - b).abs()).fold(0.0, f64::max);
    println!("judge: max |f32 demo − f64| logit = {worst_logit:.3e}");
    assert!(worst_logit <= 1e-3, "judge logits differ from f64 by {worst_logit:e}");
    let (mut correct, mut ties) = (0, 0);
    for (s, (row, &k)) in judge_f64(&reference).chunks_exact(CLASSES).zip(&classes).enumerate() {
        let mut sorted = row.to_vec();
        sorted.sort_by(|a, b| b.total_cmp(a));
        let best = row.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
        if sorted[0] - sorted[1] >= MARGIN_TOL {
            assert_eq!(k, best, "sample {s}: demo class {k}, f64 class {best}");
        } else {
            ties += 1;
        }
        correct += usize::from(best == s);
    }
    let demo_correct = values(&out, "correct")[0] as usize;
    println!("judge accuracy: demo {demo_correct}/{DENOISE_SAMPLES}, f64 {correct}/{DENOISE_SAMPLES}");
    assert_eq!(demo_correct, classes.iter().enumerate().filter(|(c, k)| c == *k).count());
    assert!(demo_correct.abs_diff(correct) <= ties, "accuracies differ beyond the {ties} near ties");
}
