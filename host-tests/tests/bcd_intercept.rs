//! Unpenalised intercepts for L1 logistic and softmax (issue #4 `--intercept`) against
//! scikit-learn optima that do not penalise the intercept (saga for L1, multinomial lbfgs for
//! softmax), each polished by an independent numpy Newton step to a KKT residual ≤ 1e-16
//! (benches/peers/bcd/make_intercept_l1_softmax_reference.py →
//! host-tests/data/reference/bcd/intercept_l1_softmax.json).

use ferrokern::bcd::{
    solve, workspace_len, Logistic, Partition, Problem, Rule, Softmax, SolverConfig, Update, Workspace,
};
use serde_json::Value;

mod bcd_common;
use bcd_common::{load, DATA};

fn reference() -> Value {
    let path = format!("{DATA}reference/bcd/intercept_l1_softmax.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// L1 logistic objective with intercept from the weights alone (independent of solver state).
fn l1_objective(x: &[f64], y: &[f64], p: usize, lam: f64, w: &[f64], b: f64) -> f64 {
    let n = y.len();
    let loss: f64 = (0..n)
        .map(|i| {
            let s = if y[i] == 1.0 { 1.0 } else { -1.0 };
            let z = -s * ((0..p).map(|j| x[i * p + j] * w[j]).sum::<f64>() + b);
            z.max(0.0) + (-z.abs()).exp().ln_1p()
        })
        .sum();
    loss / n as f64 + lam * w.iter().map(|v| v.abs()).sum::<f64>()
}

/// Cyclic proximal CD (τ = 1) to a duality gap ≤ 1e-13·F(0): objective within 1e-9 relative of the
/// reference (its KKT residual ≈ 1e-17), the same support, the intercept within 1e-6; the
/// penalty does not touch the intercept (the objective recomputed from (w, b) with λ‖w‖₁ only).
#[test]
fn logistic_l1_intercept_matches_sklearn_saga() {
    let r = reference();
    let (x, y, n, p) = load("breast_cancer_std");
    for case in r["logistic_l1"]["cases"].as_array().unwrap() {
        let lam = case["lambda"].as_f64().unwrap();
        let mut m = vec![0.0; n];
        let mut prob = Logistic::l1(&x, &y, n, p, lam, &mut m).unwrap().with_intercept().unwrap();
        assert_eq!(prob.unpenalized(), p..p + 1);
        let config = SolverConfig {
            rule: Rule::Cyclic,
            partition: Partition::Order,
            update: Update::Gradient,
            block_size: 1,
            max_iter: 2_000_000,
            tol: 1e-13,
            ..SolverConfig::default()
        };
        let mut scratch = vec![0.0; workspace_len(p + 1, 1, Rule::Cyclic).unwrap()];
        let mut index = vec![0; p + 1];
        let mut ws = Workspace::<f64, 1>::new(&mut scratch, &mut index);
        let mut w = vec![0.0; p + 1];
        let sol = solve(&mut prob, &mut w, &config, &mut ws).unwrap();
        let f_ref = case["objective"].as_f64().unwrap();
        let rel = (sol.objective - f_ref) / f_ref;
        println!(
            "λ = {lam}: {} vs {f_ref} (rel {rel:.2e}), {} iterations, gap {:.2e}",
            sol.objective, sol.iterations, sol.gap
        );
        assert!(rel.abs() <= 1e-9, "objective rel {rel:e}");
        let indep = l1_objective(&x, &y, p, lam, &w[..p], w[p]);
        assert!(((indep - sol.objective) / f_ref).abs() <= 1e-12, "recomputed {indep} vs {}", sol.objective);
        let support: Vec<usize> = (0..p).filter(|&j| w[j] != 0.0).collect();
        let want: Vec<usize> =
            case["support"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        assert_eq!(support, want);
        let b_ref = case["intercept"].as_f64().unwrap();
        assert!((w[p] - b_ref).abs() <= 1e-6, "intercept {} vs {b_ref}", w[p]);
        assert!(w[p].abs() > 0.5, "the intercept is not shrunk");
    }
}

/// The duality gap with an intercept is an upper bound on `F − F*` at points where the
/// intercept's partial is far from 0 (the folded dual point of `Logistic::duality_gap`), is
/// tighter than the trivial bound `F(w) − 0`, and vanishes at the reference optimum.
#[test]
fn logistic_l1_intercept_gap_bounds_suboptimality() {
    let r = reference();
    let (x, y, n, p) = load("breast_cancer_std");
    let case = &r["logistic_l1"]["cases"][1];
    let lam = case["lambda"].as_f64().unwrap();
    let f_ref = case["objective"].as_f64().unwrap();
    let mut m = vec![0.0; n];
    let mut prob = Logistic::l1(&x, &y, n, p, lam, &mut m).unwrap().with_intercept().unwrap();
    let mut w_opt: Vec<f64> =
        case["coefficients"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    w_opt.push(case["intercept"].as_f64().unwrap());
    let mut rng = ferrokern::rng::Pcg32::seed(5);
    let mut g = vec![0.0; p + 1];
    for trial in 0..20 {
        let scale = if trial == 0 { 0.0 } else { 0.05 * trial as f64 };
        let w: Vec<f64> = w_opt.iter().map(|&v| v + scale * rng.normal()).collect();
        prob.reset(&w).unwrap();
        prob.full_gradient(&w, &mut g);
        let gap = prob.duality_gap(&w, &g).unwrap();
        let f = prob.objective(&w);
        if trial == 0 {
            assert!(gap <= 1e-12, "gap at the optimum {gap:e}");
        } else {
            assert!(
                gap >= f - f_ref - 1e-14,
                "trial {trial}: gap {gap:e} < F − F* = {:e} (∂f/∂b {:e})",
                f - f_ref,
                g[p]
            );
            assert!(gap < f, "trial {trial}: gap {gap:e} not better than F = {f}");
        }
    }
}

/// Softmax with per-class intercepts on digits (pixels/16, λ = 0.01, scikit-learn C = 1/(nλ)):
/// GSD-selected variable blocks of 64 with block Newton to the summed coordinate progress
/// ≤ 1e-14·ln K: objective within 1e-9 relative of the reference, the
/// centred intercepts within 1e-5; the full gradient including ∂f/∂b against central finite
/// differences of the objective.
#[test]
fn softmax_intercept_matches_sklearn_lbfgs() {
    let r = reference();
    let s = &r["softmax"];
    let (mut x, y, n, p) = load("digits");
    for v in &mut x {
        *v /= 16.0;
    }
    let labels: Vec<usize> = y.iter().map(|&v| v as usize).collect();
    let k = 10;
    let lam = s["lambda"].as_f64().unwrap();
    let dim = (p + 1) * k;
    let mut z = vec![0.0; n * k];
    let mut prob = Softmax::new(&x, &labels, n, p, k, lam, &mut z).unwrap().with_intercept();
    assert_eq!((prob.dim(), prob.unpenalized()), (dim, p * k..dim));
    // gradient vs finite differences at a random point (intercepts included)
    let mut rng = ferrokern::rng::Pcg32::seed(3);
    let w0: Vec<f64> = (0..dim).map(|_| 0.1 * rng.normal()).collect();
    prob.reset(&w0).unwrap();
    let mut g = vec![0.0; dim];
    prob.full_gradient(&w0, &mut g);
    for j in [0, 17, p * k - 1, p * k, p * k + 3, dim - 1] {
        let h = 1e-6;
        let (mut wp, mut wm) = (w0.clone(), w0.clone());
        wp[j] += h;
        wm[j] -= h;
        prob.reset(&wp).unwrap();
        let fp = prob.objective(&wp);
        prob.reset(&wm).unwrap();
        let fm = prob.objective(&wm);
        let fd = (fp - fm) / (2.0 * h);
        assert!((fd - g[j]).abs() <= 1e-8 * (1.0 + g[j].abs()), "∂F/∂w[{j}]: fd {fd} vs {}", g[j]);
    }
    // variable blocks of 64 chosen by GSD (|g_i|/√L_i), block Newton: 1016 updates (cyclic Newton
    // on one feature's K weights at a time needs 12480, 3× the time)
    let config = SolverConfig {
        rule: Rule::GSD,
        partition: Partition::Variable,
        update: Update::Newton,
        block_size: 64,
        max_iter: 200_000,
        tol: 1e-14,
        ..SolverConfig::default()
    };
    let mut scratch = vec![0.0; workspace_len(dim, 64, Rule::GSD).unwrap()];
    let mut index = vec![0; dim];
    let mut ws = Workspace::<f64, 64>::new(&mut scratch, &mut index);
    let mut w = vec![0.0; dim];
    let sol = solve(&mut prob, &mut w, &config, &mut ws).unwrap();
    let f_ref = s["objective"].as_f64().unwrap();
    let rel = (sol.objective - f_ref) / f_ref;
    println!(
        "softmax+intercept: {} vs {f_ref} (rel {rel:.2e}) in {} iterations",
        sol.objective, sol.iterations
    );
    assert!(rel.abs() <= 1e-9, "objective rel {rel:e}");
    let b = &w[p * k..];
    let mean = b.iter().sum::<f64>() / k as f64;
    for (c, want) in s["intercept_centred"].as_array().unwrap().iter().enumerate() {
        let want = want.as_f64().unwrap();
        assert!((b[c] - mean - want).abs() <= 1e-5, "b[{c}] − mean = {} vs {want}", b[c] - mean);
    }
}
