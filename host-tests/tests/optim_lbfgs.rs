//! `optim::Lbfgs`: Rosenbrock and quadratics against their closed-form minimisers, the
//! gradient-norm stop, f32, error handling (state kept on error).

use ferrokern::optim::{Lbfgs, LbfgsConfig, LbfgsStatus};
use ferrokern::{Error, Result};

fn rosenbrock(x: &[f64], g: &mut [f64]) -> Result<f64> {
    let (a, b) = (x[0], x[1]);
    g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
    g[1] = 200.0 * (b - a * a);
    Ok((1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2))
}

/// `½xᵀAx − bᵀx` with `A = tridiag(−1, 4, −1)` plus a diagonal ramp (SPD, condition ≈ 8).
fn quadratic(n: usize) -> impl FnMut(&[f64], &mut [f64]) -> Result<f64> {
    move |x: &[f64], g: &mut [f64]| {
        let mut f = 0.0;
        for i in 0..n {
            let mut ax = (4.0 + i as f64 / n as f64) * x[i];
            if i > 0 {
                ax -= x[i - 1];
            }
            if i + 1 < n {
                ax -= x[i + 1];
            }
            let b = 1.0 + (i % 3) as f64;
            g[i] = ax - b;
            f += 0.5 * x[i] * ax - b * x[i];
        }
        Ok(f)
    }
}

/// Solves the quadratic's `A x = b` by the tridiagonal (Thomas) algorithm: the closed form.
fn quadratic_solution(n: usize) -> Vec<f64> {
    let diag: Vec<f64> = (0..n).map(|i| 4.0 + i as f64 / n as f64).collect();
    let rhs: Vec<f64> = (0..n).map(|i| 1.0 + (i % 3) as f64).collect();
    let (mut c, mut d) = (vec![0.0; n], vec![0.0; n]);
    for i in 0..n {
        let den = diag[i] + if i > 0 { c[i - 1] } else { 0.0 };
        c[i] = -1.0 / den;
        d[i] = (rhs[i] + if i > 0 { d[i - 1] } else { 0.0 }) / den;
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        x[i] = d[i] - c[i] * if i + 1 < n { x[i + 1] } else { 0.0 };
    }
    x
}

#[test]
fn rosenbrock_reaches_the_minimum() {
    let cfg = LbfgsConfig { grad_tol: 1e-9, f_tol: 0.0, ..LbfgsConfig::default() };
    for start in [[-1.2, 1.0], [-1.5, 2.0], [2.0, -1.0]] {
        let mut x = start;
        let mut w = vec![0.0; Lbfgs::workspace_len(2, cfg.history)];
        let r = Lbfgs::new(cfg).minimize(&mut x, &mut w, rosenbrock).unwrap();
        assert_eq!(r.status, LbfgsStatus::GradientTolerance, "{start:?}: {r:?}");
        assert!(r.grad_norm <= 1e-9);
        assert!((x[0] - 1.0).abs() < 1e-8 && (x[1] - 1.0).abs() < 1e-8, "{start:?} -> {x:?}");
        assert!(r.iterations < 100, "{r:?}");
    }
}

#[test]
fn quadratic_matches_closed_form() {
    let n = 50;
    let exact = quadratic_solution(n);
    // The Thomas solution is itself checked: its residual is ~0.
    let mut g = vec![0.0; n];
    quadratic(n)(&exact, &mut g).unwrap();
    assert!(g.iter().all(|v| v.abs() < 1e-12));
    for m in [1, 3, 10] {
        // Below ‖g‖ ≈ 1e-7 the decrease f − f* ≈ ‖g‖²/λ_min is under f's rounding (|f| ≈ 43),
        // where a value-based line search cannot see progress: ask for 1e-7.
        let cfg = LbfgsConfig { history: m, grad_tol: 1e-7, f_tol: 0.0, ..LbfgsConfig::default() };
        let mut x = vec![0.0; n];
        let mut w = vec![0.0; Lbfgs::workspace_len(n, m)];
        let r = Lbfgs::new(cfg).minimize(&mut x, &mut w, quadratic(n)).unwrap();
        assert_eq!(r.status, LbfgsStatus::GradientTolerance, "m={m}: {r:?}");
        let err = x.iter().zip(&exact).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        // ‖x − x*‖∞ ≤ ‖A⁻¹‖·‖g‖₂ ≤ √n·1e-7 / λ_min(A) with λ_min ≥ 2.
        assert!(err < 4e-7, "m={m}: max error {err}");
        assert!(r.iterations <= 60, "m={m}: {r:?}");
    }
}

#[test]
fn gradient_norm_falls_below_tolerance_and_budget_is_respected() {
    for tol in [1e-3, 1e-6] {
        let mut x = [-1.2, 1.0];
        let mut w = [0.0; Lbfgs::workspace_len(2, 10)];
        let r = Lbfgs::new(LbfgsConfig { grad_tol: tol, f_tol: 0.0, ..LbfgsConfig::default() })
            .minimize(&mut x, &mut w, rosenbrock)
            .unwrap();
        let mut g = [0.0; 2];
        rosenbrock(&x, &mut g).unwrap();
        assert!(g[0].abs().max(g[1].abs()) <= tol && r.grad_norm <= tol, "{r:?}");
    }
    let mut x = [-1.2, 1.0];
    let mut w = [0.0; Lbfgs::workspace_len(2, 10)];
    let r = Lbfgs::new(LbfgsConfig { max_iter: 5, grad_tol: 0.0, f_tol: 0.0, ..LbfgsConfig::default() })
        .minimize(&mut x, &mut w, rosenbrock)
        .unwrap();
    assert_eq!((r.status, r.iterations), (LbfgsStatus::MaxIterations, 5));
    assert!(r.f < 24.2 && !r.converged(), "{r:?}");
}

#[test]
fn f32_rosenbrock_within_tolerance() {
    // f32 stated tolerance: |x − 1| ≤ 1e-3 (Rosenbrock's valley is flat: f32 resolves f only to
    // ~1e-7 relative, which pins x only to ~√1e-7).
    let mut x = [-1.2f32, 1.0];
    let mut w = [0.0f32; Lbfgs::workspace_len(2, 10)];
    let r = Lbfgs::new(LbfgsConfig { grad_tol: 1e-4, ..LbfgsConfig::default() })
        .minimize(&mut x, &mut w, |x: &[f32], g: &mut [f32]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            Ok((1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2))
        })
        .unwrap();
    assert!((x[0] - 1.0).abs() < 1e-3 && (x[1] - 1.0).abs() < 2e-3, "{x:?} {r:?}");
}

#[test]
fn bad_input_is_rejected() {
    let lb = Lbfgs::default();
    let mut x = [0.0; 2];
    let mut small = [0.0; Lbfgs::workspace_len(2, 10) - 1];
    assert!(matches!(lb.minimize(&mut x, &mut small, rosenbrock), Err(Error::WorkspaceTooSmall { .. })));
    let mut w = [0.0; Lbfgs::workspace_len(2, 10)];
    let zero_hist = Lbfgs::new(LbfgsConfig { history: 0, ..LbfgsConfig::default() });
    assert!(matches!(zero_hist.minimize(&mut x, &mut w, rosenbrock), Err(Error::InvalidParameter { .. })));
    let bad_wolfe = Lbfgs::new(LbfgsConfig { c1: 0.9, c2: 0.1, ..LbfgsConfig::default() });
    assert!(matches!(bad_wolfe.minimize(&mut x, &mut w, rosenbrock), Err(Error::InvalidParameter { .. })));
    let mut empty: [f64; 0] = [];
    assert!(lb.minimize(&mut empty, &mut w, rosenbrock).is_err());
    let nan = lb.minimize(&mut x, &mut w, |_: &[f64], g: &mut [f64]| {
        g.fill(0.0);
        Ok(f64::NAN)
    });
    assert!(matches!(nan, Err(Error::NonFinite { .. })));
}

#[test]
fn objective_error_keeps_last_accepted_iterate() {
    // The objective fails on its 6th call: x must be a point that was accepted before.
    let mut calls = 0;
    let mut accepted_f = Vec::new();
    let mut x = [-1.2, 1.0];
    let mut w = [0.0; Lbfgs::workspace_len(2, 10)];
    let err = Lbfgs::default().minimize(&mut x, &mut w, |x: &[f64], g: &mut [f64]| {
        calls += 1;
        if calls == 6 {
            return Err(Error::NumericalFailure { what: "test" });
        }
        let f = rosenbrock(x, g)?;
        accepted_f.push(f);
        Ok(f)
    });
    assert_eq!(err, Err(Error::NumericalFailure { what: "test" }));
    let mut g = [0.0; 2];
    let f_now = rosenbrock(&x, &mut g).unwrap();
    assert!(accepted_f.contains(&f_now), "x = {x:?} was never evaluated");
    assert!(f_now <= accepted_f[0]);
}

#[test]
fn non_finite_trial_points_shorten_the_step() {
    // f = x² for |x| < 3, NaN outside: the first trial from x = 2.5 overshoots into NaN.
    let mut x = [2.5];
    let mut w = [0.0; Lbfgs::workspace_len(1, 3)];
    let r = Lbfgs::new(LbfgsConfig { history: 3, grad_tol: 1e-12, ..LbfgsConfig::default() })
        .minimize(&mut x, &mut w, |x: &[f64], g: &mut [f64]| {
            g[0] = 200.0 * x[0];
            Ok(if x[0].abs() < 3.0 { 100.0 * x[0] * x[0] } else { f64::NAN })
        })
        .unwrap();
    assert!(x[0].abs() < 1e-12, "{x:?} {r:?}");
}
