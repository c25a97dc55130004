//! The `miri_` subset: one small run of every kernel family, cheap enough for
//! `cargo +nightly miri test -p ferrokern --test miri_subset miri_` (CI step `miri`). Miri
//! checks what the host tests cannot: no undefined behaviour in the SIMD code the kernels
//! reach (bounds, alignment, uninitialised reads). Sizes are tiny; each test still checks its
//! result against a closed form or a hand computation.

use ferrokern::bcd::{solve, workspace_len, LeastSquares, Partition, Rule, SolverConfig, Update, Workspace};
use ferrokern::denoise::{apg, cfg, ddim_step, symmetric_eigen, ApgConfig, MomentumBuffer};
use ferrokern::linalg::{MatMut, MatRef, Trans};
use ferrokern::nn::{
    params_len, train_buffer_len, train_step, Activation, LayerSpec, Mlp, Target, TrainBuffers,
};
use ferrokern::optim::{Adam, AdamConfig, DiffGrad, Optimizer};
use ferrokern::ot::{sinkhorn_log, workspace_len as ot_workspace_len, DenseCost, SinkhornConfig};
use ferrokern::rng::Pcg32;
use ferrokern::Real;

#[test]
fn miri_linalg_matches_naive_products() {
    // 3×5 by 5×4, odd sizes so SIMD tails run.
    let a: Vec<f32> = (0..15).map(|i| i as f32 * 0.5 - 3.0).collect();
    let b: Vec<f32> = (0..20).map(|i| 1.0 - i as f32 * 0.25).collect();
    let mut c = vec![7.0f32; 12];
    let mut cm = MatMut::new(&mut c, 3, 4).unwrap();
    cm.gemm(1.0, MatRef::new(&a, 3, 5).unwrap(), Trans::No, MatRef::new(&b, 5, 4).unwrap(), Trans::No, 0.0)
        .unwrap();
    for i in 0..3 {
        for j in 0..4 {
            let want: f32 = (0..5).map(|p| a[i * 5 + p] * b[p * 4 + j]).sum();
            assert!((c[i * 4 + j] - want).abs() <= 1e-5 * (1.0 + want.abs()));
        }
    }
    let x = [1.0f32, -2.0, 0.5, 3.0, -1.0];
    let mut y = [0.0f32; 3];
    MatRef::new(&a, 3, 5).unwrap().gemv(2.0, &x, 0.0, &mut y).unwrap();
    for (i, yi) in y.iter().enumerate() {
        let want: f32 = 2.0 * (0..5).map(|p| a[i * 5 + p] * x[p]).sum::<f32>();
        assert!((yi - want).abs() <= 1e-5 * (1.0 + want.abs()));
    }
    let mut s = [0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    f32::softmax(&mut s);
    assert!((s.iter().sum::<f32>() - 1.0).abs() < 1e-6 && s[6] > s[5]);
}

#[test]
fn miri_adam_first_step_is_lr_times_sign() {
    // Adam's first bias-corrected step is lr·g/(|g| + ε') = lr·sign(g) up to ε.
    let mut opt = Adam::new(AdamConfig { lr: 0.1, ..AdamConfig::default() });
    let mut p = [1.0f32, -1.0, 0.5, 2.0, 0.0];
    let g = [0.3f32, -2.0, 1e-3, -0.7, 5.0];
    let mut s = [0.0f32; 10];
    opt.step(&mut p, &g, &mut s).unwrap();
    let want = [0.9f32, -0.9, 0.4, 2.1, -0.1];
    for (a, b) in p.iter().zip(want) {
        assert!((a - b).abs() < 1e-4, "{a} vs {b}");
    }
    let mut dg = DiffGrad::default();
    let mut s3 = [0.0f32; 15];
    dg.step(&mut p, &g, &mut s3).unwrap();
    assert_eq!(dg.step_count(), 1);
}

#[test]
fn miri_mlp_training_step_lowers_the_loss() {
    const NET: [LayerSpec; 2] =
        [LayerSpec::new(2, 3, Activation::Tanh), LayerSpec::new(3, 2, Activation::Identity)];
    let mlp = Mlp::new(&NET).unwrap();
    let mut params = [0.0f32; params_len(&NET)];
    mlp.init(&mut params, &mut Pcg32::seed(1)).unwrap();
    let mut buf = [0.0f32; train_buffer_len(&NET, 4)];
    let mut bufs = TrainBuffers::split(&mut buf, &mlp, 4).unwrap();
    let mut opt = Adam::new(AdamConfig { lr: 0.05, ..AdamConfig::default() });
    let mut adam_state = [0.0f32; Adam::state_len(params_len(&NET))];
    let x = [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
    let labels = [0, 1, 1, 0];
    let first =
        train_step(&mlp, &mut opt, &mut params, &mut adam_state, &x, Target::Classes(&labels), &mut bufs)
            .unwrap();
    let mut last = first;
    for _ in 0..5 {
        last =
            train_step(&mlp, &mut opt, &mut params, &mut adam_state, &x, Target::Classes(&labels), &mut bufs)
                .unwrap();
    }
    assert!(last < first, "{last} !< {first}");
}

#[test]
fn miri_lasso_meets_kkt() {
    let (n, p) = (6, 3);
    let x: Vec<f64> = (0..n * p).map(|i| ((i * 7) % 5) as f64 - 2.0).collect();
    let y: Vec<f64> = (0..n).map(|i| i as f64 * 0.5 - 1.0).collect();
    let lambda = 0.1;
    let mut r = vec![0.0; n];
    let mut prob = LeastSquares::lasso(&x, &y, n, p, lambda, &mut r).unwrap();
    let cfg = SolverConfig {
        rule: Rule::GS,
        partition: Partition::Order,
        update: Update::Gradient,
        block_size: 1,
        max_iter: 500,
        tol: 1e-10,
        ..SolverConfig::default()
    };
    let mut scratch = vec![0.0; workspace_len(p, 1, cfg.rule).unwrap()];
    let mut index = vec![0usize; p];
    let mut ws = Workspace::<f64, 1>::new(&mut scratch, &mut index);
    let mut w = vec![0.0; p];
    let _ = solve(&mut prob, &mut w, &cfg, &mut ws).unwrap();
    // KKT of (1/2n)‖Xw − y‖² + λ‖w‖₁: |∇_j| ≤ λ, and = λ·sign(w_j) where w_j ≠ 0.
    for j in 0..p {
        let g: f64 = (0..n)
            .map(|i| x[i * p + j] * ((0..p).map(|k| x[i * p + k] * w[k]).sum::<f64>() - y[i]))
            .sum::<f64>()
            / n as f64;
        if w[j] == 0.0 {
            assert!(g.abs() <= lambda + 1e-6, "∇_{j} = {g}");
        } else {
            assert!((g + lambda * w[j].signum()).abs() <= 1e-6, "∇_{j} = {g}, w = {}", w[j]);
        }
    }
}

#[test]
fn miri_sinkhorn_meets_the_marginals() {
    let c: Vec<f32> = (0..12).map(|k| Real::powi((k / 4) as f32 - (k % 4) as f32, 2) / 9.0).collect();
    let (a, b) = ([0.2f32, 0.5, 0.3], [0.1f32, 0.4, 0.3, 0.2]);
    let cost = DenseCost::new(&c, 3, 4).unwrap();
    let cfg = SinkhornConfig { tol: 1e-5, ..SinkhornConfig::new(0.5) };
    let (mut f, mut g) = ([0.0f32; 3], [0.0f32; 4]);
    let mut work = [0.0f32; ot_workspace_len(3, 4)];
    let rep = sinkhorn_log(&cost, &a, &b, &cfg, &mut f, &mut g, &mut work).unwrap().into_result().unwrap();
    // Row sums of P = exp((f ⊕ g − C)/ε) equal a.
    for i in 0..3 {
        let row: f32 = (0..4).map(|j| Real::exp((f[i] + g[j] - c[i * 4 + j]) / 0.5)).sum();
        assert!((row - a[i]).abs() < 1e-4, "row {i}: {row}");
    }
    assert!(rep.transport_cost > 0.0);
}

#[test]
fn miri_denoise_closed_forms() {
    let (c, u) = ([1.0f32, 2.0, 3.0], [0.0f32, 1.0, 1.0]);
    let mut out = [0.0f32; 3];
    cfg(&c, &u, 2.0, &mut out).unwrap();
    assert_eq!(out, [2.0, 3.0, 5.0]);
    let mut running = [0.0f32; 3];
    let mut mb = MomentumBuffer::new(&mut running);
    let cfg_apg = ApgConfig { w: 1.0, ..ApgConfig::default() };
    let _ = apg(&c, &u, &cfg_apg, &mut mb, &mut out).unwrap();
    assert_eq!(out, c, "w = 1 returns the conditional prediction");
    // DDIM to ā_prev = 1 with the exact ε of a point mass at μ lands on μ.
    let (mu, a) = (0.3f64, 0.25f64);
    let mut x = [1.7f64];
    let eps = [(x[0] - Real::sqrt(a) * mu) / Real::sqrt(1.0 - a)];
    ddim_step(&mut x, &eps, a, 1.0).unwrap();
    assert!((x[0] - mu).abs() < 1e-12);
    let mut m = [2.0f64, 1.0, 1.0, 2.0];
    let mut v = [0.0f64; 4];
    symmetric_eigen(&mut m, 2, &mut v).unwrap();
    let (lo, hi) = if m[0] < m[3] { (m[0], m[3]) } else { (m[3], m[0]) };
    assert!((lo - 1.0).abs() < 1e-14 && (hi - 3.0).abs() < 1e-14);
}

#[cfg(feature = "std")]
#[test]
fn miri_model_round_trip() {
    use ferrokern::model::{Model, ModelWriter};
    let mut w = ModelWriter::new("test").unwrap();
    w.meta_i64("answer", 42).unwrap();
    w.tensor_f32("t", &[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let bytes = w.to_bytes().unwrap();
    let m = Model::parse(&bytes).unwrap();
    assert_eq!(m.kind(), "test");
    let t = m.tensor("t").unwrap();
    assert_eq!(t.values::<f32>().unwrap().collect::<Vec<_>>(), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let mut flipped = bytes.clone();
    flipped[20] ^= 0x10;
    assert!(Model::parse(&flipped).is_err());
}
