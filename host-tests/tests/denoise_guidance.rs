//! `ferrokern::denoise` guidance kernels: spec `denoiser.md` checks 1–4, and the NASA
//! attention kernel against a naive f64 reference.

use ferrokern::denoise::{
    apg, cfg, cfg_negative, nasa_attention, nasa_workspace_len, AdaptiveGuidance, ApgConfig, ApgMode,
    AttentionShape, MomentumBuffer,
};
use ferrokern::rng::Pcg32;
use ferrokern::Error;

fn randn(rng: &mut Pcg32, n: usize) -> Vec<f64> {
    (0..n).map(|_| rng.normal()).collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

// ---- Check 1: CFG algebra ----

#[test]
fn check1_cfg_algebra() {
    let mut rng = Pcg32::seed(1);
    let c: Vec<f32> = randn(&mut rng, 64).iter().map(|&v| v as f32).collect();
    let u: Vec<f32> = randn(&mut rng, 64).iter().map(|&v| v as f32).collect();
    let mut out = vec![0.0f32; 64];
    cfg(&c, &u, 1.0, &mut out).unwrap();
    assert_eq!(out, c, "w = 1 returns cond exactly");
    cfg(&c, &u, 0.0, &mut out).unwrap();
    assert_eq!(out, u, "w = 0 returns uncond exactly");
    // Linearity in w: out(w) = u + w·(c − u) against the f64 line through out(0), out(1).
    for &w in &[-1.5, 0.3, 2.0, 7.5] {
        cfg(&c, &u, w, &mut out).unwrap();
        for ((o, &ci), &ui) in out.iter().zip(&c).zip(&u) {
            let expect = f64::from(ui) + w * (f64::from(ci) - f64::from(ui));
            assert!((f64::from(*o) - expect).abs() <= 1e-6 * (1.0 + expect.abs()), "w {w}: {o} vs {expect}");
        }
    }
    // Midpoint linearity between two scales.
    let (mut a, mut b, mut m) = (vec![0.0f32; 64], vec![0.0f32; 64], vec![0.0f32; 64]);
    cfg(&c, &u, 2.0, &mut a).unwrap();
    cfg(&c, &u, 4.0, &mut b).unwrap();
    cfg(&c, &u, 3.0, &mut m).unwrap();
    for ((x, y), z) in a.iter().zip(&b).zip(&m) {
        assert!((0.5 * (x + y) - z).abs() <= 1e-6 * (1.0 + z.abs()));
    }
    assert!(matches!(cfg(&c, &u[..3], 2.0, &mut out), Err(Error::DimensionMismatch { .. })));
    assert!(matches!(cfg(&c, &u, f64::NAN, &mut out), Err(Error::InvalidParameter { .. })));
}

#[test]
fn negative_label_cfg() {
    let (c, u, n) = ([1.0f64, 2.0], [0.0f64, 0.0], [1.0f64, -1.0]);
    let mut out = [0.0; 2];
    cfg_negative(&c, &u, &n, 2.0, 0.0, &mut out).unwrap();
    assert_eq!(out, [2.0, 4.0]);
    cfg_negative(&c, &u, &n, 2.0, 0.5, &mut out).unwrap();
    // 2c − 0.5n = (2 − 0.5, 4 + 0.5).
    assert_eq!(out, [1.5, 4.5]);
}

// ---- Check 2: APG reductions ----

#[test]
fn check2_apg_eta1_r0_beta0_diffusers_is_cfg_bit_for_bit() {
    let mut rng = Pcg32::seed(2);
    for &w in &[0.0, 2.0, 7.5, -3.0] {
        let c = randn(&mut rng, 256);
        let u = randn(&mut rng, 256);
        let (mut a, mut b) = (vec![0.0; 256], vec![0.0; 256]);
        let mut run = vec![0.0; 256];
        let mut m = MomentumBuffer::new(&mut run);
        let config = ApgConfig { w, eta: 1.0, norm_threshold: 0.0, momentum: 0.0, mode: ApgMode::Diffusers };
        apg(&c, &u, &config, &mut m, &mut a).unwrap();
        cfg(&c, &u, w, &mut b).unwrap();
        assert_eq!(a, b, "w {w}");
    }
}

#[test]
fn check2_apg_eta0_update_is_orthogonal_to_cond() {
    let mut rng = Pcg32::seed(3);
    for mode in [ApgMode::Paper, ApgMode::Diffusers, ApgMode::DiffusersOriginal] {
        let c = randn(&mut rng, 256);
        let u: Vec<f64> = c.iter().map(|v| 0.7 * v + 0.3 * rng.normal()).collect();
        let mut run = vec![0.0; 256];
        let mut m = MomentumBuffer::new(&mut run);
        let mut out = vec![0.0; 256];
        let config = ApgConfig { w: 5.0, eta: 0.0, norm_threshold: 3.0, momentum: -0.5, mode };
        for _ in 0..3 {
            apg(&c, &u, &config, &mut m, &mut out).unwrap();
            let base = if mode == ApgMode::Diffusers { &u } else { &c };
            let upd: Vec<f64> = out.iter().zip(base).map(|(o, b)| o - b).collect();
            let ip = dot(&upd, &c).abs();
            assert!(ip <= 1e-6 * norm(&upd) * norm(&c), "{mode:?}: {ip}");
            assert!(norm(&upd) > 1e-3, "non-trivial update");
        }
    }
}

#[test]
fn check2_apg_rescale_bounds_delta_norm() {
    let mut rng = Pcg32::seed(4);
    for &r in &[0.5, 2.0, 15.0] {
        let c = randn(&mut rng, 256);
        let u = randn(&mut rng, 256); // ||c − u|| ≈ 22.6
        let mut run = vec![0.0; 256];
        let mut m = MomentumBuffer::new(&mut run);
        let mut out = vec![0.0; 256];
        // η = 1, paper mode, w = 2: out = c + Δ_rescaled.
        let config = ApgConfig { w: 2.0, eta: 1.0, norm_threshold: r, momentum: 0.0, mode: ApgMode::Paper };
        let stats = apg(&c, &u, &config, &mut m, &mut out).unwrap();
        let delta: Vec<f64> = out.iter().zip(&c).map(|(o, ci)| o - ci).collect();
        assert!(norm(&delta) <= r + 1e-6, "r {r}: {}", norm(&delta));
        assert!((norm(&delta) - r).abs() < 1e-9, "a large Δ is rescaled to exactly r");
        assert!((stats.delta_norm - 22.6).abs() < 2.0 && stats.rescale < 1.0);
    }
}

#[test]
fn check2_momentum_buffer_after_two_steps() {
    let mut rng = Pcg32::seed(5);
    let d1 = randn(&mut rng, 32);
    let d2 = randn(&mut rng, 32);
    let zero = vec![0.0; 32];
    let mut run = vec![0.0; 32];
    let mut m = MomentumBuffer::new(&mut run);
    let mut out = vec![0.0; 32];
    let config = ApgConfig { w: 2.0, eta: 1.0, norm_threshold: 0.0, momentum: -0.5, mode: ApgMode::Paper };
    apg(&d1, &zero, &config, &mut m, &mut out).unwrap();
    apg(&d2, &zero, &config, &mut m, &mut out).unwrap();
    for ((r, a), b) in m.running.iter().zip(&d1).zip(&d2) {
        assert_eq!(*r, b - 0.5 * a);
    }
}

#[test]
fn apg_disabled_at_neutral_scale_leaves_momentum() {
    let (c, u) = ([1.0f32, 2.0], [3.0f32, 4.0]);
    let mut run = [0.0f32; 2];
    let mut m = MomentumBuffer::new(&mut run);
    let mut out = [0.0f32; 2];
    let stats = apg(&c, &u, &ApgConfig { w: 1.0, ..ApgConfig::default() }, &mut m, &mut out).unwrap();
    assert!(!stats.enabled);
    assert_eq!((out, &*m.running), ([1.0, 2.0], &[0.0f32, 0.0][..]));
    let config = ApgConfig { w: 0.0, mode: ApgMode::DiffusersOriginal, ..ApgConfig::default() };
    assert!(!apg(&c, &u, &config, &mut m, &mut out).unwrap().enabled);
    let bad = ApgConfig { eta: f64::NAN, ..ApgConfig::default() };
    assert!(matches!(apg(&c, &u, &bad, &mut m, &mut out), Err(Error::InvalidParameter { .. })));
}

// ---- Check 3: APG vs an independent f64 re-implementation of diffusers' normalized_guidance ----

/// diffusers `normalized_guidance` re-written from the spec's description §(c) on whole
/// batches: `diff = c − u`; `running = diff + β·running`, `diff = running`; per-sample
/// `diff *= min(1, r/||diff||)`; `v1 = c/max(||c||, 1e-12)`, `par = (Σ diff·v1)·v1`,
/// `orth = diff − par`; `pred = u + w·(orth + η·par)`.
struct ReferenceApg {
    running: Vec<f64>,
}

impl ReferenceApg {
    #[allow(clippy::too_many_arguments)]
    fn call(&mut self, c: &[f64], u: &[f64], per: usize, w: f64, beta: f64, eta: f64, r: f64) -> Vec<f64> {
        let diff: Vec<f64> = c.iter().zip(u).map(|(a, b)| a - b).collect();
        self.running = diff.iter().zip(&self.running).map(|(d, run)| d + beta * run).collect();
        let mut pred = Vec::with_capacity(c.len());
        for ((dv, cv), uv) in self.running.chunks(per).zip(c.chunks(per)).zip(u.chunks(per)) {
            let n = norm(dv);
            let s = if r > 0.0 { (r / n).min(1.0) } else { 1.0 };
            let d: Vec<f64> = dv.iter().map(|x| x * s).collect();
            let cn = norm(cv).max(1e-12);
            let v1: Vec<f64> = cv.iter().map(|x| x / cn).collect();
            let p = dot(&d, &v1);
            for ((di, vi), ui) in d.iter().zip(&v1).zip(uv) {
                let par = p * vi;
                let orth = di - par;
                pred.push(ui + w * (orth + eta * par));
            }
        }
        pred
    }
}

#[test]
fn check3_apg_matches_diffusers_reference() {
    const PER: usize = 4 * 8 * 8;
    let mut rng = Pcg32::seed(6);
    let mut reference = ReferenceApg { running: vec![0.0; 2 * PER] };
    let mut runs = [vec![0.0; PER], vec![0.0; PER]];
    let mut runs32 = [vec![0.0f32; PER], vec![0.0f32; PER]];
    let config =
        ApgConfig { w: 7.5, eta: 0.0, norm_threshold: 15.0, momentum: -0.5, mode: ApgMode::Diffusers };
    let mut max_err = 0.0f64;
    let mut max_err32 = 0.0f64;
    for call in 0..3 {
        // Scale so that the threshold bites on some calls and samples, not on others.
        let sc = [0.5, 1.0, 0.3][call];
        let c: Vec<f64> = randn(&mut rng, 2 * PER).iter().map(|v| v * sc).collect();
        let u: Vec<f64> = randn(&mut rng, 2 * PER).iter().map(|v| v * sc).collect();
        let expect = reference.call(&c, &u, PER, 7.5, -0.5, 0.0, 15.0);
        for (s, run) in runs.iter_mut().enumerate() {
            let mut m = MomentumBuffer { running: run };
            let mut out = vec![0.0; PER];
            let r = s * PER..(s + 1) * PER;
            apg(&c[r.clone()], &u[r.clone()], &config, &mut m, &mut out).unwrap();
            for (o, e) in out.iter().zip(&expect[r.clone()]) {
                max_err = max_err.max((o - e).abs());
            }
            // f32 inputs: projection still in f64 inside; compare loosely to the f64 reference.
            let c32: Vec<f32> = c[r.clone()].iter().map(|&v| v as f32).collect();
            let u32_: Vec<f32> = u[r.clone()].iter().map(|&v| v as f32).collect();
            let mut m32 = MomentumBuffer { running: &mut runs32[s] };
            let mut out32 = vec![0.0f32; PER];
            apg(&c32, &u32_, &config, &mut m32, &mut out32).unwrap();
            for (o, e) in out32.iter().zip(&expect[r]) {
                max_err32 = max_err32.max((f64::from(*o) - e).abs() / (1.0 + e.abs()));
            }
        }
    }
    assert!(max_err <= 1e-12, "f64 max abs error {max_err:e}");
    assert!(max_err32 <= 1e-5, "f32 max rel error {max_err32:e}");
}

// ---- Check 4: adaptive guidance ----

/// A toy "sampler": N steps of cond/uncond predictions that become aligned over time.
fn run_ag(threshold: f64, steps: usize) -> (Vec<Vec<f64>>, AdaptiveGuidance) {
    let mut rng = Pcg32::seed(7);
    let mut ag = AdaptiveGuidance::new(threshold);
    let mut outs = Vec::new();
    for s in 0..steps {
        let c = randn(&mut rng, 64);
        let noise = randn(&mut rng, 64);
        let a = s as f64 / steps as f64;
        let u: Vec<f64> = c.iter().zip(&noise).map(|(x, n)| a * x + (1.0 - a) * n).collect();
        let mut out = vec![0.0; 64];
        let uncond = if ag.needs_uncond() { Some(&u[..]) } else { None };
        ag.guide(&c, uncond, 3.0, &mut out).unwrap();
        outs.push(out);
    }
    (outs, ag)
}

#[test]
fn check4_adaptive_guidance() {
    let steps = 20;
    let (outs, ag) = run_ag(1.0 + 1e-9, steps);
    // Never skips: every step is exactly CFG.
    let (cfg_outs, _) = run_ag(f64::INFINITY, steps);
    assert_eq!(outs, cfg_outs);
    let mut rng = Pcg32::seed(7);
    for (s, out) in outs.iter().enumerate() {
        let c = randn(&mut rng, 64);
        let noise = randn(&mut rng, 64);
        let a = s as f64 / steps as f64;
        let u: Vec<f64> = c.iter().zip(&noise).map(|(x, n)| a * x + (1.0 - a) * n).collect();
        let mut expect = vec![0.0; 64];
        cfg(&c, &u, 3.0, &mut expect).unwrap();
        assert_eq!(out, &expect);
    }
    assert_eq!((ag.uncond_evaluations(), ag.evaluations()), (20, 40));
    // γ̄ = −1: exactly one unconditional call, then the conditional prediction alone.
    let (outs, ag) = run_ag(-1.0, steps);
    assert_eq!((ag.uncond_evaluations(), ag.evaluations()), (1, 21));
    let mut rng = Pcg32::seed(7);
    for (s, out) in outs.iter().enumerate() {
        let c = randn(&mut rng, 64);
        let _ = randn(&mut rng, 64);
        if s > 0 {
            assert_eq!(out, &c);
        }
    }
    // A threshold in between skips once cond/uncond are aligned (cos ≥ 0.9 from step ~14).
    let (_, ag) = run_ag(0.9, steps);
    let evals = ag.evaluations();
    assert!(evals > 21 && evals < 40, "evaluations {evals}");
    println!("AG evaluations over {steps} steps: γ̄=1+1e-9: 40, γ̄=0.9: {evals}, γ̄=−1: 21");
    // Protocol errors.
    let mut ag = AdaptiveGuidance::new(0.99);
    let mut out = [0.0f64; 2];
    assert!(matches!(ag.guide(&[1.0, 0.0], None, 2.0, &mut out), Err(Error::InvalidParameter { .. })));
    assert_eq!(ag.evaluations(), 0);
}

// ---- NASA attention ----

fn softmax_ref(s: &[f64]) -> Vec<f64> {
    let m = s.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = s.iter().map(|x| (x - m).exp()).collect();
    let z: f64 = e.iter().sum();
    e.iter().map(|x| x / z).collect()
}

fn attention_ref(q: &[f64], k: &[f64], v: &[f64], d: usize, dv: usize) -> Vec<f64> {
    let mut out = Vec::new();
    for qi in q.chunks(d) {
        let s: Vec<f64> = k.chunks(d).map(|ki| dot(qi, ki) / (d as f64).sqrt()).collect();
        let p = softmax_ref(&s);
        for j in 0..dv {
            out.push(p.iter().zip(v.chunks(dv)).map(|(pi, vi)| pi * vi[j]).sum());
        }
    }
    out
}

#[test]
fn nasa_matches_reference_and_reduces() {
    let shape = AttentionShape { queries: 5, key_dim: 8, value_dim: 6, pos_tokens: 7, neg_tokens: 3 };
    let mut rng = Pcg32::seed(8);
    let q = randn(&mut rng, 5 * 8);
    let (kp, vp) = (randn(&mut rng, 7 * 8), randn(&mut rng, 7 * 6));
    let (kn, vn) = (randn(&mut rng, 3 * 8), randn(&mut rng, 3 * 6));
    const W: usize = nasa_workspace_len(7, 3);
    let mut work = [0.0f64; W];
    let mut out = vec![0.0; 30];
    nasa_attention(&shape, &q, &kp, &vp, &kn, &vn, 0.7, &mut work, &mut out).unwrap();
    let pos = attention_ref(&q, &kp, &vp, 8, 6);
    let neg = attention_ref(&q, &kn, &vn, 8, 6);
    for ((o, p), n) in out.iter().zip(&pos).zip(&neg) {
        assert!((o - (p - 0.7 * n)).abs() < 1e-13);
    }
    // α = 0: plain attention.
    nasa_attention(&shape, &q, &kp, &vp, &kn, &vn, 0.0, &mut work, &mut out).unwrap();
    for (o, p) in out.iter().zip(&pos) {
        assert!((o - p).abs() < 1e-13);
    }
    // Negative tokens equal to the positive ones with α = 1 cancel the output.
    let same = AttentionShape { neg_tokens: 7, ..shape };
    nasa_attention(&same, &q, &kp, &vp, &kp, &vp, 1.0, &mut work, &mut out).unwrap();
    assert!(out.iter().all(|o| o.abs() < 1e-14));
    // f32 path within 1e-5 of the f64 reference.
    let f = |x: &[f64]| x.iter().map(|&v| v as f32).collect::<Vec<f32>>();
    let mut w32 = [0.0f32; W];
    let mut o32 = vec![0.0f32; 30];
    nasa_attention(&shape, &f(&q), &f(&kp), &f(&vp), &f(&kn), &f(&vn), 0.7, &mut w32, &mut o32).unwrap();
    for ((o, p), n) in o32.iter().zip(&pos).zip(&neg) {
        assert!((f64::from(*o) - (p - 0.7 * n)).abs() < 1e-5);
    }
    assert!(matches!(
        nasa_attention(&shape, &q, &kp, &vp, &kn, &vn, 0.7, &mut work[..6], &mut out),
        Err(Error::WorkspaceTooSmall { needed: 7, given: 6 })
    ));
}

// ---- Properties ----

mod props {
    use super::*;
    use proptest::prelude::*;

    fn vecs() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
        (1usize..40).prop_flat_map(|n| {
            (prop::collection::vec(-10.0f64..10.0, n), prop::collection::vec(-10.0f64..10.0, n))
        })
    }

    proptest! {
        /// APG with η = 0 never adds anything along D_c, in every mode, for any momentum and
        /// threshold; and η = 1 with r, β off in paper mode is CFG up to rounding.
        #[test]
        fn apg_eta0_orthogonal((c, u) in vecs(), w in -5.0f64..10.0, r in 0.0f64..20.0, beta in -0.9f64..0.0) {
            prop_assume!(norm(&c) > 1e-3 && (w - 1.0).abs() > 1e-6);
            let n = c.len();
            for mode in [ApgMode::Paper, ApgMode::Diffusers] {
                let mut run = vec![0.0; n];
                let mut m = MomentumBuffer::new(&mut run);
                let mut out = vec![0.0; n];
                apg(&c, &u, &ApgConfig { w, eta: 0.0, norm_threshold: r, momentum: beta, mode }, &mut m, &mut out).unwrap();
                let base = if mode == ApgMode::Diffusers { &u } else { &c };
                let upd: Vec<f64> = out.iter().zip(base).map(|(o, b)| o - b).collect();
                prop_assert!(dot(&upd, &c).abs() <= 1e-9 * (1.0 + norm(&upd) * norm(&c)));
            }
            let mut run = vec![0.0; n];
            let mut m = MomentumBuffer::new(&mut run);
            let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
            apg(&c, &u, &ApgConfig { w, eta: 1.0, norm_threshold: 0.0, momentum: 0.0, mode: ApgMode::Paper }, &mut m, &mut a).unwrap();
            cfg(&c, &u, w, &mut b).unwrap();
            for (x, y) in a.iter().zip(&b) {
                prop_assert!((x - y).abs() <= 1e-10 * (1.0 + y.abs()));
            }
        }
    }
}
