//! diffGrad spec checks ("Checks an implementation must pass", /work/shared/spec/diffgrad.md),
//! plus Rosenbrock and a 10-D quadratic against an independent f64 implementation written here.

use ferrokern::optim::{Adam, AdamConfig, DiffGrad, DiffGradConfig, EpsMode, Optimizer};
use proptest::prelude::*;

fn f1(x: f64) -> f64 {
    if x <= 0.0 {
        (x + 0.3).powi(2)
    } else {
        (x - 0.2).powi(2) + 0.05
    }
}
fn df1(x: f64) -> f64 {
    if x <= 0.0 {
        2.0 * x + 0.6
    } else {
        2.0 * x - 0.4
    }
}
fn df2(x: f64) -> f64 {
    if x <= -0.9 {
        -40.0
    } else {
        3.0 * x * x + (8.0 * x).sin() + 8.0 * x * (8.0 * x).cos()
    }
}
fn df3(x: f64) -> f64 {
    if x <= -0.5 {
        2.0 * x
    } else if x <= -0.4 {
        1.0
    } else if x <= 0.0 {
        -7.0 / 8.0
    } else if x <= 0.4 {
        7.0 / 8.0
    } else if x <= 0.5 {
        -1.0
    } else {
        2.0 * x
    }
}

fn spec_diffgrad(mode: EpsMode) -> DiffGrad {
    DiffGrad::new(DiffGradConfig {
        lr: 0.1,
        beta1: 0.95,
        beta2: 0.999,
        eps: 1e-8,
        weight_decay: 0.0,
        eps_mode: mode,
    })
}
fn spec_adam() -> Adam {
    Adam::new(AdamConfig { lr: 0.1, beta1: 0.95, beta2: 0.999, eps: 1e-8, ..AdamConfig::default() })
}

/// x_0..x_steps of an optimizer on a scalar problem from θ0 = −1.
fn trajectory<O: Optimizer>(mut opt: O, grad: impl Fn(f64) -> f64, steps: usize) -> Vec<f64> {
    let mut x = [-1.0f64];
    let mut state = vec![0.0f64; O::state_len_for(1)];
    let mut out = vec![x[0]];
    for _ in 0..steps {
        let g = [grad(x[0])];
        opt.step(&mut x, &g, &mut state).unwrap();
        out.push(x[0]);
    }
    out
}

fn assert_close(got: f64, want: f64, tol: f64, what: &str) {
    assert!((got - want).abs() <= tol, "{what}: got {got:.12}, want {want:.12} (tol {tol:e})");
}

fn sign_changes(xs: &[f64]) -> usize {
    xs.windows(2).filter(|w| (w[0] < 0.0) != (w[1] < 0.0)).count()
}

#[test]
fn check1_f1_paper_mode() {
    let x = trajectory(spec_diffgrad(EpsMode::Paper), df1, 299);
    let want = [-0.9197816117, -0.8659611288, -0.8136610192, -0.7617270636, -0.7102059514];
    for (k, w) in want.iter().enumerate() {
        assert_close(x[k + 1], *w, 1e-9, &format!("x_{}", k + 1));
    }
    assert_close(x[299], -0.3000711663, 1e-7, "x_299");
    assert!(f1(x[299]) < 1e-8);
    let first = x.iter().position(|&v| (v + 0.3).abs() < 1e-2).unwrap();
    assert_eq!(first, 14);
}

#[test]
fn check2_f1_torch_mode() {
    let x = trajectory(spec_diffgrad(EpsMode::Torch), df1, 299);
    for (k, w) in [-0.9197816293, -0.8659611558, -0.8136610538].iter().enumerate() {
        assert_close(x[k + 1], *w, 1e-9, &format!("x_{}", k + 1));
    }
    assert_close(x[299], -0.3000711669, 1e-7, "x_299");
}

#[test]
fn check3_adam_baseline_f1_ends_in_local_minimum() {
    let a = trajectory(spec_adam(), df1, 299);
    assert_close(a[1], -0.9000000007, 1e-9, "adam x_1");
    assert_close(a[299], 0.2001149320, 1e-7, "adam x_299");
    let d = trajectory(spec_diffgrad(EpsMode::Paper), df1, 299);
    assert!((a[299] - 0.2).abs() < 1e-3 && (d[299] + 0.3).abs() < 1e-3);
}

#[test]
fn check4_f2_exact_derivative() {
    let x = trajectory(spec_diffgrad(EpsMode::Paper), df2, 299);
    let want = [-0.9, -0.85, -0.7661261634, -0.7270777653, -0.6779305711];
    for (k, w) in want.iter().enumerate() {
        assert_close(x[k + 1], *w, 1e-9, &format!("x_{}", k + 1));
    }
    assert_close(x[299], -0.6429626925, 1e-6, "x_299");
    let a = trajectory(spec_adam(), df2, 299);
    assert_close(a[299], 9.01345e-5, 1e-6, "adam x_299");
    // The notebook's derivative (x·cos 8x instead of 8x·cos 8x) replays its figure.
    let notebook =
        |x: f64| if x <= -0.9 { -40.0 } else { 3.0 * x * x + (8.0 * x).sin() + x * (8.0 * x).cos() };
    let nb = trajectory(spec_diffgrad(EpsMode::Paper), notebook, 299);
    assert_close(nb[299], -0.8121445901, 1e-6, "notebook x_299");
}

#[test]
fn check5_f3_and_oscillation() {
    let x = trajectory(spec_diffgrad(EpsMode::Paper), df3, 299);
    for (k, w) in [-0.9119202926, -0.8576482239, -0.8051790052].iter().enumerate() {
        assert_close(x[k + 1], *w, 1e-9, &format!("x_{}", k + 1));
    }
    assert_close(x[299], 0.0135651244, 1e-6, "x_299");
    let a = trajectory(spec_adam(), df3, 299);
    let (sd, sa) = (sign_changes(&x[200..=299]), sign_changes(&a[200..=299]));
    assert_eq!((sd, sa), (12, 29));
}

/// Per-step ratio of diffGrad's update to Adam's on the same gradient sequence (both Paper
/// mode, so the moments agree): this is ξ_t.
fn frictions(gs: &[f64]) -> Vec<f64> {
    let mut d = spec_diffgrad(EpsMode::Paper);
    let mut a = spec_adam();
    let (mut xd, mut xa) = ([0.0f64], [0.0f64]);
    let (mut sd, mut sa) = ([0.0f64; 3], [0.0f64; 2]);
    gs.iter()
        .map(|&g| {
            let (d0, a0) = (xd[0], xa[0]);
            d.step(&mut xd, &[g], &mut sd).unwrap();
            a.step(&mut xa, &[g], &mut sa).unwrap();
            (xd[0] - d0) / (xa[0] - a0)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, cases: 128, ..ProptestConfig::default() })]
    #[test]
    fn check6_friction_in_bounds(gs in prop::collection::vec(-5.0f64..5.0, 1..40)) {
        let gs: Vec<f64> = gs.into_iter().map(|g| if g.abs() < 1e-3 { 1e-3 } else { g }).collect();
        for (t, xi) in frictions(&gs).into_iter().enumerate() {
            prop_assert!((0.5 - 1e-12..=1.0 + 1e-12).contains(&xi), "xi_{} = {}", t + 1, xi);
            let want = 1.0 / (1.0 + (-(gs[t] - if t == 0 { 0.0 } else { gs[t - 1] }).abs()).exp());
            prop_assert!((xi - want).abs() < 1e-9);
        }
    }

    /// diffGrad step magnitude ≤ lr·|m̂|/(√v̂+ε): the Adam step bounds it.
    #[test]
    fn diffgrad_step_never_exceeds_adam(gs in prop::collection::vec(-3.0f64..3.0, 1..30)) {
        for xi in frictions(&gs).into_iter().filter(|x| x.is_finite()) {
            prop_assert!(xi <= 1.0 + 1e-12);
        }
    }
}

#[test]
fn check6_constant_gradient_halves_adam() {
    let gs = [0.7, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3];
    let xi = frictions(&gs);
    for (t, x) in xi.iter().enumerate().skip(2) {
        assert!((x - 0.5).abs() < 1e-12, "xi_{} = {x}", t + 1);
    }
}

/// The aliasing bug of `diffGrad.py` (spec §3.1) as a test double: ξ_1 = σ(|g_1|), ξ ≡ 0.5 after.
fn aliased_diffgrad_f1(steps: usize) -> Vec<f64> {
    let (b1, b2, lr, eps) = (0.95f64, 0.999f64, 0.1, 1e-8);
    let (mut x, mut m, mut v) = (-1.0f64, 0.0, 0.0);
    let mut out = vec![x];
    for t in 1..=steps {
        let g = df1(x);
        m = b1 * m + (1.0 - b1) * g;
        v = b2 * v + (1.0 - b2) * g * g;
        let xi = if t == 1 { 1.0 / (1.0 + (-g.abs()).exp()) } else { 0.5 };
        let (mh, vh) = (m / (1.0 - b1.powi(t as i32)), v / (1.0 - b2.powi(t as i32)));
        x -= lr * xi * mh / (vh.sqrt() + eps);
        out.push(x);
    }
    out
}

#[test]
fn check7_copy_semantics() {
    // Reusing and overwriting one gradient buffer must give the fresh-buffer trajectory.
    let mut opt = spec_diffgrad(EpsMode::Paper);
    let mut x = [-1.0f64];
    let mut state = [0.0f64; 3];
    let mut gbuf = [0.0f64];
    for _ in 0..299 {
        gbuf[0] = df1(x[0]);
        opt.step(&mut x, &gbuf, &mut state).unwrap();
        gbuf[0] = 1e6; // caller scribbles on its buffer (PyTorch zero_grad in place)
    }
    let fresh = trajectory(spec_diffgrad(EpsMode::Paper), df1, 299);
    assert_eq!(x[0].to_bits(), fresh[299].to_bits());
    assert_eq!(state[2], df1(fresh[298]), "prev_grad holds a copy of the last gradient");
    // Both end near −0.3 on F1, but the aliased double moves at half speed from step 2 on.
    let aliased = aliased_diffgrad_f1(299);
    let gap = aliased.iter().zip(&fresh).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert!(gap > 1e-2, "aliased trajectory within {gap} of ferrokern");
    // The real check: ferrokern's ξ_2 is σ(|g_1 − g_2|) ≠ 0.5 (the aliased value).
    let xi = frictions(&[df1(fresh[0]), df1(fresh[1])]);
    assert!(xi[1] > 0.5 + 1e-3, "xi_2 = {}", xi[1]);
}

#[test]
fn check8_weight_decay_equals_l2_term() {
    let mut cfg = spec_diffgrad(EpsMode::Paper);
    cfg.config.weight_decay = 0.1;
    let a = trajectory(cfg, df1, 299);
    let b = trajectory(spec_diffgrad(EpsMode::Paper), |x| df1(x) + 0.1 * x, 299);
    for (k, (p, q)) in a.iter().zip(&b).enumerate() {
        assert_close(*p, *q, 1e-12, &format!("x_{k}"));
    }
}

#[test]
fn check10_f32_follows_f64() {
    let x64 = trajectory(spec_diffgrad(EpsMode::Paper), df1, 100);
    let mut opt = spec_diffgrad(EpsMode::Paper);
    let mut x = [-1.0f32];
    let mut state = [0.0f32; 3];
    let mut worst = 0.0f64;
    for want in &x64[1..] {
        let g = [df1(f64::from(x[0])) as f32];
        opt.step(&mut x, &g, &mut state).unwrap();
        worst = worst.max((f64::from(x[0]) - want).abs());
    }
    eprintln!("check 10: max |x_f32 - x_f64| over 100 steps = {worst:e}");
    assert!(worst < 1e-5, "{worst}");
}

/// Independent f64 diffGrad, literally spec §2 (Torch) / notebook (Paper), std math.
struct RefDiffGrad {
    m: Vec<f64>,
    v: Vec<f64>,
    prev: Vec<f64>,
    t: i32,
}

impl RefDiffGrad {
    fn new(n: usize) -> Self {
        Self { m: vec![0.0; n], v: vec![0.0; n], prev: vec![0.0; n], t: 0 }
    }
    fn step(&mut self, x: &mut [f64], g: &[f64], lr: f64, paper: bool) {
        let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
        self.t += 1;
        for i in 0..x.len() {
            self.m[i] = b1 * self.m[i] + (1.0 - b1) * g[i];
            self.v[i] = b2 * self.v[i] + (1.0 - b2) * g[i] * g[i];
            let xi = 1.0 / (1.0 + (-(self.prev[i] - g[i]).abs()).exp());
            self.prev[i] = g[i];
            let (bc1, bc2) = (1.0 - b1.powi(self.t), 1.0 - b2.powi(self.t));
            if paper {
                x[i] -= lr * xi * (self.m[i] / bc1) / ((self.v[i] / bc2).sqrt() + eps);
            } else {
                x[i] -= lr * bc2.sqrt() / bc1 * xi * self.m[i] / (self.v[i].sqrt() + eps);
            }
        }
    }
}

fn rosenbrock_grad(x: &[f64]) -> Vec<f64> {
    let (a, b) = (x[0], x[1]);
    vec![-2.0 * (1.0 - a) - 400.0 * a * (b - a * a), 200.0 * (b - a * a)]
}

fn compare_with_reference(x0: &[f64], grad: impl Fn(&[f64]) -> Vec<f64>, lr: f64, steps: usize) -> f64 {
    let mut worst = 0.0f64;
    for mode in [EpsMode::Torch, EpsMode::Paper] {
        let mut opt = DiffGrad::new(DiffGradConfig { lr, eps_mode: mode, ..DiffGradConfig::default() });
        let mut reference = RefDiffGrad::new(x0.len());
        let (mut x, mut y) = (x0.to_vec(), x0.to_vec());
        let mut state = vec![0.0; DiffGrad::state_len(x0.len())];
        for _ in 0..steps {
            let (gx, gy) = (grad(&x), grad(&y));
            opt.step(&mut x, &gx, &mut state).unwrap();
            reference.step(&mut y, &gy, lr, mode == EpsMode::Paper);
            for (p, q) in x.iter().zip(&y) {
                worst = worst.max((p - q).abs() / q.abs().max(1.0));
            }
        }
    }
    worst
}

#[test]
fn rosenbrock_matches_independent_reference() {
    let worst = compare_with_reference(&[-1.5, 2.0], rosenbrock_grad, 1e-2, 500);
    eprintln!("rosenbrock: max rel dev from reference = {worst:e}");
    assert!(worst < 1e-10, "{worst}");
}

#[test]
fn quadratic10_matches_independent_reference() {
    // Fixed SPD A = I + Bᵀ B with B from a fixed integer pattern, b fixed: ½xᵀAx − bᵀx.
    let n = 10;
    let bm: Vec<f64> = (0..n * n).map(|k| (((k * 37 + 11) % 19) as f64 - 9.0) / 9.0).collect();
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            a[i * n + j] =
                (0..n).map(|k| bm[k * n + i] * bm[k * n + j]).sum::<f64>() + f64::from(u8::from(i == j));
        }
    }
    let b: Vec<f64> = (0..n).map(|i| (i as f64 - 4.5) / 3.0).collect();
    let grad = |x: &[f64]| (0..n).map(|i| (0..n).map(|j| a[i * n + j] * x[j]).sum::<f64>() - b[i]).collect();
    let x0: Vec<f64> = (0..n).map(|i| ((i * 7) % 5) as f64 - 2.0).collect();
    let worst = compare_with_reference(&x0, grad, 1e-2, 1000);
    eprintln!("quadratic10: max rel dev from reference = {worst:e}");
    assert!(worst < 1e-10, "{worst}");
}

#[test]
fn f32_kernel_on_f1_f2_f3_within_stated_tolerance() {
    // F1 converges monotonically, so f32 stays within rounding of f64. On F2/F3 the iterate
    // still oscillates around the minimum at step 299 (constant lr 0.1), which amplifies f32
    // rounding; there the stated tolerance is 1e-3 (same minimum, far from the local ones).
    for (name, grad, x299, tol) in [
        ("F1", df1 as fn(f64) -> f64, -0.3000711663, 1e-6),
        ("F2", df2 as fn(f64) -> f64, -0.6429626925, 1e-3),
        ("F3", df3 as fn(f64) -> f64, 0.0135651244, 1e-3),
    ] {
        let mut opt = spec_diffgrad(EpsMode::Paper);
        let mut x = [-1.0f32];
        let mut state = [0.0f32; 3];
        for _ in 0..299 {
            let g = [grad(f64::from(x[0])) as f32];
            opt.step(&mut x, &g, &mut state).unwrap();
        }
        let dev = (f64::from(x[0]) - x299).abs();
        eprintln!("{name}: f32 x_299 = {} (|dev| {dev:e})", x[0]);
        assert!(dev < tol, "{name}: {dev}");
    }
}

#[test]
fn state_parts_name_the_layout() {
    let mut opt = spec_diffgrad(EpsMode::Paper);
    let mut x = [-1.0f64, 0.5];
    let mut state = [0.0f64; 6];
    opt.step(&mut x, &[2.0, -4.0], &mut state).unwrap();
    let parts = DiffGrad::state_parts(&mut state, 2).unwrap();
    // m = (1−β1)g, v = (1−β2)g², prev = g after the first step.
    assert!((parts.m[0] - 0.05 * 2.0).abs() < 1e-15 && (parts.m[1] + 0.05 * 4.0).abs() < 1e-15);
    assert!((parts.v[1] - 0.001 * 16.0).abs() < 1e-15);
    assert_eq!(parts.prev_grad, &[2.0, -4.0]);
    assert!(Adam::state_parts(&mut [0.0f64; 4], 2).unwrap().prev_grad.is_empty());
}
