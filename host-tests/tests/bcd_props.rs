//! ferrokern::bcd: finite-difference checks of the problems' derivatives, error handling, and
//! properties (proptest).

use ferrokern::bcd::{
    soft_threshold, solve, workspace_len, LabelPropagation, LeastSquares, Logistic, Partition, Penalty,
    Problem, Rule, Softmax, SolverConfig, Update, Workspace,
};
use ferrokern::rng::Pcg32;
use ferrokern::Error;
use proptest::prelude::*;

/// Gradient and exact Hessian against central differences of the objective / gradient.
fn fd_check<P: Problem<f64>>(prob: &mut P, w0: &[f64], name: &str) {
    let d = prob.dim();
    let mut w = w0.to_vec();
    prob.reset(&w).unwrap();
    let mut g0 = vec![0.0; d];
    prob.full_gradient(&w, &mut g0);
    let block: Vec<usize> = (0..d).collect();
    let mut gb = vec![0.0; d];
    prob.block_gradient(&w, &block, &mut gb);
    let mut h = vec![0.0; d * d];
    prob.hessian(&w, &block, &mut h, d);
    let mut hb = vec![0.0; d * d];
    prob.hessian_bound(&block, &mut hb, d);
    let eps = 1e-5;
    for j in 0..d {
        assert!((gb[j] - g0[j]).abs() <= 1e-14 * (1.0 + g0[j].abs()), "{name}: block vs full gradient");
        assert!((prob.partial(&w, j) - g0[j]).abs() <= 1e-13 * (1.0 + g0[j].abs()), "{name}: partial");
        prob.apply(&mut w, j, eps);
        let fp = prob.objective(&w);
        let mut gp = vec![0.0; d];
        prob.full_gradient(&w, &mut gp);
        prob.apply(&mut w, j, -2.0 * eps);
        let fm = prob.objective(&w);
        let mut gm = vec![0.0; d];
        prob.full_gradient(&w, &mut gm);
        prob.apply(&mut w, j, eps);
        let fd = (fp - fm) / (2.0 * eps);
        assert!((fd - g0[j]).abs() <= 1e-7 * (1.0 + g0[j].abs()), "{name}: ∂_{j} fd {fd} vs {}", g0[j]);
        for i in 0..d {
            let hfd = (gp[i] - gm[i]) / (2.0 * eps);
            assert!(
                (hfd - h[i * d + j]).abs() <= 1e-6 * (1.0 + hfd.abs()),
                "{name}: H[{i},{j}] {hfd} vs {}",
                h[i * d + j]
            );
        }
        // coordinate Lipschitz constant bounds the diagonal curvature
        assert!(prob.coord_lipschitz(j) >= h[j * d + j] - 1e-12, "{name}: L_{j} below H_jj");
    }
    // the bound dominates the Hessian: H_b − ∇² ⪰ 0 checked on random directions
    let mut rng = Pcg32::seed(5);
    for _ in 0..20 {
        let v: Vec<f64> = (0..d).map(|_| rng.normal()).collect();
        let q =
            |m: &[f64]| (0..d).map(|i| v[i] * (0..d).map(|k| m[i * d + k] * v[k]).sum::<f64>()).sum::<f64>();
        assert!(q(&hb) >= q(&h) - 1e-12 * q(&hb).abs(), "{name}: bound below Hessian");
    }
}

#[test]
fn derivatives_match_finite_differences() {
    let mut rng = Pcg32::seed(1);
    let (n, p, k) = (40, 3, 3);
    let x: Vec<f64> = (0..n * p).map(|_| rng.normal()).collect();
    let y: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
    let labels01: Vec<f64> = (0..n).map(|_| f64::from(rng.below(2))).collect();
    let classes: Vec<usize> = (0..n).map(|_| rng.below(k as u32) as usize).collect();
    let w3: Vec<f64> = (0..p).map(|_| 0.3 * rng.normal()).collect();
    let w9: Vec<f64> = (0..p * k).map(|_| 0.3 * rng.normal()).collect();
    let mut r = vec![0.0; n];
    fd_check(&mut LeastSquares::ridge(&x, &y, n, p, 0.1, &mut r).unwrap(), &w3, "ridge");
    let mut m = vec![0.0; n];
    fd_check(&mut Logistic::l2(&x, &labels01, n, p, 0.1, &mut m).unwrap(), &w3, "logistic");
    let mut z = vec![0.0; n * k];
    fd_check(&mut Softmax::new(&x, &classes, n, p, k, 0.01, &mut z).unwrap(), &w9, "softmax");
    // triangle 0-1-2 plus pendant 3, node 0 labelled
    let row_ptr = [0, 2, 4, 7, 8];
    let cols = [1, 2, 0, 2, 0, 1, 3, 2];
    let wts = [1.0, 2.0, 1.0, 0.5, 2.0, 0.5, 3.0, 3.0];
    let labels = [1.5, 0.0, 0.0, 0.0];
    let labelled = [true, false, false, false];
    let (mut values, mut vars) = ([0.0; 4], [0; 4]);
    let mut lp =
        LabelPropagation::new(&row_ptr, &cols, &wts, &labels, &labelled, &mut values, &mut vars).unwrap();
    fd_check(&mut lp, &[0.3, -0.2, 0.7], "label propagation");
}

#[test]
fn errors_are_reported() {
    let x = [1.0, 2.0, 3.0, 4.0];
    let y = [1.0, 2.0];
    let mut r = [0.0; 2];
    assert!(matches!(LeastSquares::lasso(&x, &y, 2, 2, -1.0, &mut r), Err(Error::InvalidParameter { .. })));
    assert!(matches!(LeastSquares::lasso(&x, &y, 2, 3, 0.1, &mut r), Err(Error::DimensionMismatch { .. })));
    assert!(matches!(LeastSquares::lasso(&x, &y, 0, 2, 0.1, &mut r), Err(Error::InvalidParameter { .. })));
    let xn = [1.0, f64::NAN, 3.0, 4.0];
    assert!(matches!(
        LeastSquares::lasso(&xn, &y, 2, 2, 0.1, &mut r),
        Err(Error::NonFinite { index: 1, .. })
    ));
    let mut m = [0.0; 2];
    assert!(Logistic::l2(&x, &[0.5, 1.0], 2, 2, 0.1, &mut m).is_err());
    let mut z = [0.0; 4];
    assert!(Softmax::new(&x, &[0, 2], 2, 2, 2, 0.1, &mut z).is_err());

    let mut prob = LeastSquares::lasso(&x, &y, 2, 2, 0.1, &mut r).unwrap();
    let mut w = [0.0; 2];
    let mut scratch = [0.0; 16];
    let mut index = [0; 2];
    let mut ws = Workspace::<f64, 2>::new(&mut scratch, &mut index);
    let bad = |tau| SolverConfig { block_size: tau, ..SolverConfig::default() };
    assert!(matches!(solve(&mut prob, &mut w, &bad(0), &mut ws), Err(Error::InvalidParameter { .. })));
    assert!(matches!(solve(&mut prob, &mut w, &bad(3), &mut ws), Err(Error::InvalidParameter { .. })));
    let gsq_vb = SolverConfig {
        rule: Rule::GSQ,
        partition: Partition::Variable,
        block_size: 1,
        ..SolverConfig::default()
    };
    // variable-block GSQ needs Hessian-bound columns: least squares has them, logistic not
    assert!(solve(&mut prob, &mut w, &gsq_vb, &mut ws).is_ok());
    let mut m2 = [0.0; 2];
    let mut logit = Logistic::l2(&x, &[1.0, 0.0], 2, 2, 0.1, &mut m2).unwrap();
    assert!(matches!(solve(&mut logit, &mut w, &gsq_vb, &mut ws), Err(Error::InvalidParameter { .. })));
    w = [0.0; 2];
    let mut w_bad = [0.0; 3];
    assert!(matches!(solve(&mut prob, &mut w_bad, &bad(1), &mut ws), Err(Error::DimensionMismatch { .. })));
    let mut tiny = [0.0; 1];
    let mut idx = [0; 2];
    let mut ws_small = Workspace::<f64, 2>::new(&mut tiny, &mut idx);
    assert!(matches!(solve(&mut prob, &mut w, &bad(1), &mut ws_small), Err(Error::WorkspaceTooSmall { .. })));
    // NotConverged keeps a valid iterate
    let few = SolverConfig {
        max_iter: 1,
        tol: 1e-15,
        block_size: 1,
        rule: Rule::Cyclic,
        ..SolverConfig::default()
    };
    let mut w2 = [0.0; 2];
    match solve(&mut prob, &mut w2, &few, &mut ws) {
        Err(Error::NotConverged { iterations: 1, residual }) => assert!(residual > 0.0),
        other => panic!("{other:?}"),
    }
    assert!(w2.iter().all(|v| v.is_finite()));
    assert!(
        (prob.objective(&w2) - {
            let mut r2 = [0.0; 2];
            let mut fresh = LeastSquares::lasso(&x, &y, 2, 2, 0.1, &mut r2).unwrap();
            fresh.reset(&w2).unwrap();
            fresh.objective(&w2)
        })
        .abs()
            < 1e-12
    );
}

#[test]
fn monotone_with_penalties_and_f32_lasso_tolerance() {
    // proximal rules never increase F (Lasso, logistic-L1), and f32 Lasso agrees with f64 to 1e-5
    let mut rng = Pcg32::seed(8);
    let (n, p) = (60, 25);
    let x: Vec<f64> = (0..n * p).map(|_| rng.normal()).collect();
    let y: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
    let labels: Vec<f64> = y.iter().map(|&v| if v > 0.0 { 1.0 } else { 0.0 }).collect();
    for update in [Update::Gradient, Update::Matrix, Update::Newton] {
        for (rule, part) in
            [(Rule::GSD, Partition::Variable), (Rule::GS, Partition::Sort), (Rule::Random, Partition::Sort)]
        {
            let c = SolverConfig {
                rule,
                partition: part,
                update,
                block_size: 5,
                max_iter: 100,
                tol: 0.0,
                ..SolverConfig::default()
            };
            let mut scratch = vec![0.0; workspace_len(p, 5, rule).unwrap()];
            let mut index = vec![0; p];
            let mut r = vec![0.0; n];
            let mut lasso = LeastSquares::lasso(&x, &y, n, p, 0.05, &mut r).unwrap();
            let mut w = vec![0.0; p];
            let mut ws = Workspace::<f64, 5>::new(&mut scratch, &mut index);
            let _ = ferrokern::bcd::solve_with(&mut lasso, &mut w, &c, &mut ws, |s| {
                assert!(s.objective <= s.objective_before + 1e-12 * s.objective_before.abs());
                true
            })
            .unwrap();
            let mut m = vec![0.0; n];
            let mut lr = Logistic::l1(&x, &labels, n, p, 0.01, &mut m).unwrap();
            let mut w = vec![0.0; p];
            let _ = ferrokern::bcd::solve_with(&mut lr, &mut w, &c, &mut ws, |s| {
                assert!(s.objective <= s.objective_before + 1e-12 * s.objective_before.abs());
                true
            })
            .unwrap();
        }
    }
    // f32 vs f64 Lasso optimum
    let solve_t = |tol: f64| -> f64 {
        let mut r = vec![0.0; n];
        let mut lasso = LeastSquares::lasso(&x, &y, n, p, 0.05, &mut r).unwrap();
        let c = SolverConfig {
            rule: Rule::GSL,
            block_size: 1,
            max_iter: 100_000,
            tol,
            ..SolverConfig::default()
        };
        let mut scratch = vec![0.0; workspace_len(p, 1, c.rule).unwrap()];
        let mut index = vec![0; p];
        let mut ws = Workspace::<f64, 1>::new(&mut scratch, &mut index);
        let mut w = vec![0.0; p];
        solve(&mut lasso, &mut w, &c, &mut ws).unwrap().objective
    };
    let f64_opt = solve_t(1e-14);
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let y32: Vec<f32> = y.iter().map(|&v| v as f32).collect();
    let mut r32 = vec![0.0f32; n];
    let mut l32 = LeastSquares::lasso(&x32, &y32, n, p, 0.05f32, &mut r32).unwrap();
    let c32 = SolverConfig {
        rule: Rule::GSL,
        block_size: 1,
        max_iter: 20_000,
        tol: 0.0f32,
        ..SolverConfig::default()
    };
    let mut s32 = vec![0.0f32; workspace_len(p, 1, c32.rule).unwrap()];
    let mut i32_ = vec![0; p];
    let mut ws32 = Workspace::<f32, 1>::new(&mut s32, &mut i32_);
    let mut w32 = vec![0.0f32; p];
    let sol = solve(&mut l32, &mut w32, &c32, &mut ws32).unwrap();
    let rel = (f64::from(sol.objective) - f64_opt).abs() / f64_opt;
    println!("f32 Lasso relative objective error {rel:e}");
    assert!(rel <= 1e-5);
}

proptest! {
    #[test]
    fn soft_threshold_is_the_prox_of_l1(z in -10.0f64..10.0, t in 0.0f64..5.0) {
        // S_t(z) minimises ½(u − z)² + t|u|: compare with a grid search
        let s = soft_threshold(z, t);
        let obj = |u: f64| 0.5 * (u - z) * (u - z) + t * u.abs();
        for k in -200..=200 {
            let u = f64::from(k) * 0.05;
            prop_assert!(obj(s) <= obj(u) + 1e-12);
        }
        prop_assert_eq!(Penalty::L1(t).prox(z, 1.0), s);
        prop_assert!(Penalty::NonNegL1(t).prox(z, 1.0) >= 0.0);
    }
}

#[test]
fn gram_gradient_update_matches_full_recomputation() {
    let mut rng = Pcg32::seed(31);
    let (n, p) = (80, 40);
    let x: Vec<f64> = (0..n * p).map(|_| rng.normal()).collect();
    let y: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
    let mut g = vec![0.0; p * p];
    ferrokern::bcd::gram(&x, n, p, &mut g).unwrap();
    for (rule, part, update) in
        [(Rule::GSL, Partition::Variable, Update::Gradient), (Rule::GSQ, Partition::Sort, Update::Matrix)]
    {
        let c = SolverConfig {
            rule,
            partition: part,
            update,
            block_size: 4,
            max_iter: 300,
            tol: 0.0,
            ..SolverConfig::default()
        };
        let mut traj = [Vec::new(), Vec::new()];
        for (k, use_gram) in [false, true].into_iter().enumerate() {
            let mut r = vec![0.0; n];
            let prob = LeastSquares::lasso(&x, &y, n, p, 0.02, &mut r).unwrap();
            let mut prob = if use_gram { prob.with_gram(&g).unwrap() } else { prob };
            let mut scratch = vec![0.0; workspace_len(p, 4, rule).unwrap()];
            let mut index = vec![0; p];
            let mut ws = Workspace::<f64, 4>::new(&mut scratch, &mut index);
            let mut w = vec![0.0; p];
            let _ = ferrokern::bcd::solve_with(&mut prob, &mut w, &c, &mut ws, |s| {
                traj[k].push(s.objective);
                true
            })
            .unwrap();
        }
        for (a, b) in traj[0].iter().zip(&traj[1]) {
            assert!((a - b).abs() <= 1e-12 * a.abs(), "{rule:?}: {a} vs {b}");
        }
    }
}

/// A block step that overflows restores the block and fails with `NumericalFailure` in the
/// active-set cycling path too (it went through its own copy of the loop, without the restore).
#[test]
fn active_set_overflow_restores_the_iterate() {
    // Lasso with entries near 4e117 and y near 1e300: ∂f/∂w_j = −x_jᵀy/n overflows
    let (n, p) = (3, 2);
    let x = [4e117, 1.0, -3e117, 2.0, 5e117, -1.0];
    let y = [1e300, -2e300, 3e300];
    for active_set in [false, true] {
        let mut r = vec![0.0; n];
        let mut prob = LeastSquares::lasso(&x, &y, n, p, 1.0, &mut r).unwrap();
        let config = SolverConfig {
            rule: Rule::Cyclic,
            partition: Partition::Order,
            update: Update::Gradient,
            block_size: 1,
            max_iter: 100,
            tol: 1e-8,
            active_set,
            ..SolverConfig::default()
        };
        let mut scratch = vec![0.0; workspace_len(p, 1, Rule::Cyclic).unwrap()];
        let mut index = vec![0; p];
        let mut ws = Workspace::<f64, 1>::new(&mut scratch, &mut index);
        let mut w = vec![0.0; p];
        let res = solve(&mut prob, &mut w, &config, &mut ws);
        assert!(matches!(res, Err(Error::NumericalFailure { .. })), "active_set {active_set}: {res:?}");
        assert!(w.iter().all(|v| v.is_finite()), "active_set {active_set}: {w:?}");
    }
}
