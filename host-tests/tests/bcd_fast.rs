//! The fast Lasso paths of ferrokern::bcd (column-major `LeastSquares::with_columns` and
//! `LeastSquares::column_major`, the
//! covariance form `GramLeastSquares`, active-set cycling, the AVX2 f64 dot/axpy they run on)
//! against scikit-learn's optima (benches/peers/bcd/make_reference.py →
//! host-tests/data/reference/bcd/reference.json): objective within 1e-9 relative, same support.

use ferrokern::bcd::{
    columns_len, gram_problem_len, solve, workspace_len, GramLeastSquares, LeastSquares, Partition, Penalty,
    Problem, Rule, SolverConfig, Update, Workspace,
};
use ferrokern::Error;
use serde_json::Value;

mod bcd_common;
use bcd_common::{load, DATA};

/// Lasso objective from the weights alone (independent of any solver state).
fn lasso_objective(x: &[f64], y: &[f64], n: usize, p: usize, lam: f64, w: &[f64]) -> f64 {
    let rr: f64 = (0..n)
        .map(|i| {
            let r = y[i] - (0..p).map(|j| x[i * p + j] * w[j]).sum::<f64>();
            r * r
        })
        .sum();
    0.5 * rr / n as f64 + lam * w.iter().map(|v| v.abs()).sum::<f64>()
}

#[derive(Clone, Copy, Debug)]
enum Form {
    /// `LeastSquares::lasso(..).with_columns(..)`
    Columns,
    /// `LeastSquares::column_major(..)` (copy fused with the finiteness check, `Xᵀy` kept)
    ColumnMajor,
    Gram,
}

fn solve_lasso(
    d: &(Vec<f64>, Vec<f64>, usize, usize),
    lam: f64,
    form: Form,
    rule: Rule,
    active_set: bool,
) -> Vec<f64> {
    let (x, y, n, p) = (&d.0, &d.1, d.2, d.3);
    let config = SolverConfig {
        rule,
        partition: Partition::Order,
        update: Update::Gradient,
        block_size: 1,
        max_iter: 1_000_000,
        tol: 1e-13,
        active_set,
        ..SolverConfig::default()
    };
    let mut scratch = vec![0.0; workspace_len(p, 1, rule).unwrap()];
    let mut index = vec![0; p];
    let mut ws = Workspace::<f64, 1>::new(&mut scratch, &mut index);
    let mut w = vec![0.0; p];
    match form {
        Form::Columns => {
            let mut r = vec![0.0; n];
            let mut cols = vec![0.0; columns_len(n, p).unwrap()];
            let mut prob =
                LeastSquares::lasso(x, y, n, p, lam, &mut r).unwrap().with_columns(&mut cols).unwrap();
            let _ = solve(&mut prob, &mut w, &config, &mut ws)
                .unwrap_or_else(|e| panic!("{form:?} {rule:?} {active_set} λ={lam}: {e}"));
        }
        Form::ColumnMajor => {
            let mut r = vec![0.0; n];
            let mut cols = vec![0.0; columns_len(n, p).unwrap()];
            let mut prob =
                LeastSquares::column_major(x, y, n, p, Penalty::L1(lam), &mut r, &mut cols).unwrap();
            let _ = solve(&mut prob, &mut w, &config, &mut ws)
                .unwrap_or_else(|e| panic!("{form:?} {rule:?} {active_set} λ={lam}: {e}"));
        }
        Form::Gram => {
            let mut buf = vec![0.0; gram_problem_len(p).unwrap()];
            let mut prob = GramLeastSquares::lasso(x, y, n, p, lam, &mut buf).unwrap();
            let _ = solve(&mut prob, &mut w, &config, &mut ws)
                .unwrap_or_else(|e| panic!("{form:?} {rule:?} {active_set} λ={lam}: {e}"));
        }
    }
    w
}

#[test]
fn fast_lasso_paths_match_sklearn() {
    let refs: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{DATA}reference/bcd/reference.json")).unwrap(),
    )
    .unwrap();
    for name in ["diabetes_std", "breast_cancer_std"] {
        let d = load(name);
        for case in refs["lasso"].as_array().unwrap().iter().filter(|c| c["dataset"] == name) {
            let lam = case["lambda"].as_f64().unwrap();
            let f_ref = case["objective"].as_f64().unwrap();
            let supp_ref: Vec<usize> =
                case["support"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
            for (form, rule, active) in [
                (Form::Columns, Rule::Cyclic, true),
                (Form::Columns, Rule::Cyclic, false),
                (Form::ColumnMajor, Rule::Cyclic, true),
                (Form::ColumnMajor, Rule::Cyclic, false),
                (Form::ColumnMajor, Rule::GSL, false),
                (Form::Gram, Rule::Cyclic, true),
                (Form::Gram, Rule::Cyclic, false),
                (Form::Gram, Rule::GS, false),
            ] {
                let w = solve_lasso(&d, lam, form, rule, active);
                let f = lasso_objective(&d.0, &d.1, d.2, d.3, lam, &w);
                let rel = (f - f_ref) / f_ref;
                assert!(rel.abs() <= 1e-9, "{name} λ={lam} {form:?} {rule:?} active={active}: rel {rel:e}");
                let supp: Vec<usize> = (0..w.len()).filter(|&j| w[j] != 0.0).collect();
                assert_eq!(supp, supp_ref, "{name} λ={lam} {form:?} {rule:?} active={active}");
            }
        }
    }
}

/// `LeastSquares::column_major`: the gradient at `w = 0` (taken from the `Xᵀy/n` summed during the
/// copy) equals `−Xᵀy/n` computed here from the row-major data, and after a step the residual-based
/// gradient of `with_columns` is used again; a NaN/inf anywhere in `X` is reported at its first
/// row-major index (as `LeastSquares::lasso` reports it) with the residual untouched, while huge
/// finite entries whose squares overflow are accepted.
#[test]
fn column_major_gradient_at_zero_and_finiteness() {
    let (x, y, n, p) = load("breast_cancer_std");
    let lam = 0.05;
    let mut r = vec![0.0; n];
    let mut cols = vec![0.0; columns_len(n, p).unwrap()];
    let mut a = LeastSquares::column_major(&x, &y, n, p, Penalty::L1(lam), &mut r, &mut cols).unwrap();
    let w0 = vec![0.0; p];
    let mut g = vec![0.0; p];
    a.full_gradient(&w0, &mut g);
    for j in 0..p {
        let want = -(0..n).map(|i| x[i * p + j] * y[i]).sum::<f64>() / n as f64;
        assert!((g[j] - want).abs() <= 1e-13 * (1.0 + want.abs()), "j={j}: {} vs {want}", g[j]);
    }
    // after a step: the same as the problem built the other way (gradient from the residual)
    let mut r2 = vec![0.0; n];
    let mut cols2 = vec![0.0; columns_len(n, p).unwrap()];
    let mut b = LeastSquares::lasso(&x, &y, n, p, lam, &mut r2).unwrap().with_columns(&mut cols2).unwrap();
    let (mut wa, mut wb) = (w0.clone(), w0.clone());
    a.apply(&mut wa, 3, 0.25);
    b.apply(&mut wb, 3, 0.25);
    let (mut ga, mut gb) = (vec![0.0; p], vec![0.0; p]);
    a.full_gradient(&wa, &mut ga);
    b.full_gradient(&wb, &mut gb);
    assert_eq!(ga, gb);
    for j in 0..p {
        let want = -(0..n).map(|i| x[i * p + j] * (y[i] - 0.25 * x[i * p + 3])).sum::<f64>() / n as f64;
        assert!((ga[j] - want).abs() <= 1e-12 * (1.0 + want.abs()), "j={j}");
    }
    // a reset to w = 0 makes the kept Xᵀy valid again
    a.reset(&w0).unwrap();
    a.full_gradient(&w0, &mut ga);
    assert_eq!(ga, g);

    // first bad index in row-major order, whichever tile/column it is in; residual untouched
    for (bad, want) in [
        (vec![(0, f64::NAN)], 0),
        (vec![(17 * p + 5, f64::INFINITY)], 17 * p + 5),
        (vec![(40 * p + 29, f64::NAN), (40 * p + 2, f64::NEG_INFINITY)], 40 * p + 2),
        (vec![(300 * p + 1, f64::NAN), (301 * p, f64::NAN)], 300 * p + 1),
        (vec![(n * p - 1, f64::NAN)], n * p - 1),
    ] {
        let mut xb = x.clone();
        for &(i, v) in &bad {
            xb[i] = v;
        }
        let mut r = vec![7.0; n];
        let mut cols = vec![0.0; columns_len(n, p).unwrap()];
        let e = LeastSquares::column_major(&xb, &y, n, p, Penalty::L1(lam), &mut r, &mut cols).unwrap_err();
        assert_eq!(e, Error::NonFinite { what: "x", index: want }, "{bad:?}");
        let mut r_ref = vec![0.0; n];
        assert_eq!(LeastSquares::lasso(&xb, &y, n, p, lam, &mut r_ref).unwrap_err(), e);
        assert!(r.iter().all(|&v| v == 7.0));
    }
    let mut big = x.clone();
    big[5 * p + 4] = 1e200; // its square overflows: finite data, accepted
    let mut r = vec![0.0; n];
    let mut cols = vec![0.0; columns_len(n, p).unwrap()];
    assert!(LeastSquares::column_major(&big, &y, n, p, Penalty::L1(lam), &mut r, &mut cols).is_ok());
    let mut y_bad = y.clone();
    y_bad[3] = f64::NAN;
    let e = LeastSquares::column_major(&x, &y_bad, n, p, Penalty::L1(lam), &mut r, &mut cols).unwrap_err();
    assert_eq!(e, Error::NonFinite { what: "y", index: 3 });
    let small = &mut cols[..columns_len(n, p).unwrap() - 1];
    let e = LeastSquares::column_major(&x, &y, n, p, Penalty::L1(lam), &mut r, small).unwrap_err();
    assert!(matches!(e, Error::WorkspaceTooSmall { .. }), "{e:?}");
    let e = LeastSquares::column_major(&x, &y, n, p, Penalty::L1(-1.0), &mut r, &mut cols).unwrap_err();
    assert!(matches!(e, Error::InvalidParameter { name: "lambda", .. }), "{e:?}");
}

/// The covariance form's objective, gradient and gap equal the residual form's at a random
/// iterate (both computed from scratch by `reset`), to rounding.
#[test]
fn gram_form_agrees_with_residual_form() {
    let d = load("breast_cancer_std");
    let (x, y, n, p) = (&d.0, &d.1, d.2, d.3);
    let mut rng = ferrokern::rng::Pcg32::seed(7);
    let w: Vec<f64> = (0..p).map(|j| if j % 3 == 0 { rng.normal() * 0.3 } else { 0.0 }).collect();
    let lam = 0.02;
    let mut r = vec![0.0; n];
    let mut cols = vec![0.0; columns_len(n, p).unwrap()];
    let mut a = LeastSquares::lasso(x, y, n, p, lam, &mut r).unwrap().with_columns(&mut cols).unwrap();
    let mut buf = vec![0.0; gram_problem_len(p).unwrap()];
    let mut b = GramLeastSquares::lasso(x, y, n, p, lam, &mut buf).unwrap();
    a.reset(&w).unwrap();
    b.reset(&w).unwrap();
    let f = lasso_objective(x, y, n, p, lam, &w);
    assert!((a.objective(&w) - f).abs() <= 1e-12 * f);
    assert!((b.objective(&w) - f).abs() <= 1e-12 * f);
    let (mut ga, mut gb) = (vec![0.0; p], vec![0.0; p]);
    a.full_gradient(&w, &mut ga);
    b.full_gradient(&w, &mut gb);
    for j in 0..p {
        assert!((ga[j] - gb[j]).abs() <= 1e-12 * (1.0 + ga[j].abs()), "j={j}");
    }
    let (gap_a, gap_b) = (a.duality_gap(&w, &ga).unwrap(), b.duality_gap(&w, &gb).unwrap());
    assert!(gap_a > 0.0 && (gap_a - gap_b).abs() <= 1e-10 * f, "{gap_a} vs {gap_b}");
    // incremental updates keep the value: three coordinate moves, then compare with a fresh reset
    let mut w2 = w.clone();
    for (j, dlt) in [(1, 0.5), (4, -0.25), (1, 0.125)] {
        b.apply(&mut w2, j, dlt);
    }
    let f2 = lasso_objective(x, y, n, p, lam, &w2);
    assert!((b.objective(&w2) - f2).abs() <= 1e-12 * f2);
}

/// L1 logistic with duality-gap stopping against liblinear optima
/// (benches/peers/bcd/make_logistic_l1_reference.py → reference/bcd/logistic_l1.json): the run
/// stops on the gap, its objective is within 1e-9 relative of the reference with the same support,
/// and the gap bounds the suboptimality wherever it is evaluated (w = 0, a random w, the end).
#[test]
fn logistic_l1_gap_stops_at_liblinear_optimum() {
    use ferrokern::bcd::{Logistic, Status};
    let refs: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{DATA}reference/bcd/logistic_l1.json")).unwrap(),
    )
    .unwrap();
    let (x, y, n, p) = load("breast_cancer_std");
    let mut rng = ferrokern::rng::Pcg32::seed(3);
    let w_rand: Vec<f64> = (0..p).map(|_| 0.1 * rng.normal()).collect();
    for case in refs["cases"].as_array().unwrap() {
        let lam = case["lambda"].as_f64().unwrap();
        let f_ref = case["objective"].as_f64().unwrap();
        let supp_ref: Vec<usize> =
            case["support"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        let mut m = vec![0.0; n];
        let mut prob = Logistic::l1(&x, &y, n, p, lam, &mut m).unwrap();
        // the gap is an upper bound on F − F* at arbitrary points
        let mut g = vec![0.0; p];
        for w0 in [vec![0.0; p], w_rand.clone()] {
            prob.reset(&w0).unwrap();
            prob.full_gradient(&w0, &mut g);
            let gap = prob.duality_gap(&w0, &g).unwrap();
            let sub = prob.objective(&w0) - f_ref;
            assert!(gap >= sub - 1e-12 && sub > 0.0, "λ={lam}: gap {gap:e} < F − F* {sub:e}");
        }
        let config = SolverConfig {
            rule: Rule::Cyclic,
            partition: Partition::Order,
            update: Update::Newton,
            block_size: p,
            max_iter: 500,
            tol: 1e-12,
            ..SolverConfig::default()
        };
        let mut scratch = vec![0.0; workspace_len(p, p, Rule::Cyclic).unwrap()];
        let mut index = vec![0; p];
        let mut ws = Workspace::<f64, 32>::new(&mut scratch, &mut index);
        let mut w = vec![0.0; p];
        let sol = solve(&mut prob, &mut w, &config, &mut ws).unwrap();
        assert_eq!(sol.status, Status::Converged);
        assert!(sol.gap <= 1e-12 * std::f64::consts::LN_2, "λ={lam}: gap {:e}", sol.gap);
        let rel = (sol.objective - f_ref) / f_ref;
        assert!(rel.abs() <= 1e-9, "λ={lam}: objective rel {rel:e} ({} iterations)", sol.iterations);
        assert!(sol.objective - f_ref <= sol.gap + 1e-15, "gap must bound the suboptimality");
        let supp: Vec<usize> = (0..p).filter(|&j| w[j] != 0.0).collect();
        assert_eq!(supp, supp_ref, "λ={lam}");
    }
}

/// Variable-block GSQ by iterative hard thresholding (spec §3, Fig. 5: with matrix updates GSQ-VB
/// is among the best rules) on the §7 dataset-A recipe (100 × 200, τ = 5, 300 matrix updates,
/// seeds 0–2, f* = 0 as p > n): median `f − f*` at most 1/10 of random-VB and no worse than GS-VB.
#[test]
fn vb_gsq_iht_beats_random_and_gs() {
    let (n, p, tau, iters) = (100, 200, 5, 300);
    let mut finals = std::collections::BTreeMap::<&str, Vec<f64>>::new();
    for seed in 0..3u64 {
        let mut rng = ferrokern::rng::Pcg32::seed(seed);
        let scale: Vec<f64> = (0..p).map(|_| 10.0 * rng.normal()).collect();
        let keep = 10.0 * (p as f64).ln() / p as f64;
        let mut x = vec![0.0; n * p];
        for i in 0..n {
            for j in 0..p {
                let v = (rng.normal() + 1.0) * scale[j];
                if rng.next_f64() < keep {
                    x[i * p + j] = v;
                }
            }
        }
        let w_true: Vec<f64> =
            (0..p).map(|_| if rng.next_f64() < 0.1 { rng.normal() } else { 0.0 }).collect();
        let y: Vec<f64> =
            (0..n).map(|i| (0..p).map(|j| x[i * p + j] * w_true[j]).sum::<f64>() + rng.normal()).collect();
        for (name, rule) in [("gsq", Rule::GSQ), ("gs", Rule::GS), ("random", Rule::Random)] {
            let mut buf = vec![0.0; gram_problem_len(p).unwrap()];
            let mut prob = GramLeastSquares::ridge(&x, &y, n, p, 0.0, &mut buf).unwrap();
            let config = SolverConfig {
                rule,
                partition: Partition::Variable,
                update: Update::Matrix,
                block_size: tau,
                max_iter: iters,
                tol: 0.0,
                seed,
                ..SolverConfig::default()
            };
            let mut scratch = vec![0.0; workspace_len(p, tau, rule).unwrap()];
            let mut index = vec![0; p];
            let mut ws = Workspace::<f64, 5>::new(&mut scratch, &mut index);
            let mut w = vec![0.0; p];
            let sol = solve(&mut prob, &mut w, &config, &mut ws).unwrap();
            // f from the weights alone (f* = 0)
            let rr: f64 = (0..n)
                .map(|i| {
                    let r = y[i] - (0..p).map(|j| x[i * p + j] * w[j]).sum::<f64>();
                    r * r
                })
                .sum();
            let f = 0.5 * rr / n as f64;
            // the covariance form holds f as ½wᵀGw − bᵀw + ‖y‖²/(2n): absolute accuracy ~ε·F(0)
            let f0 = 0.5 * y.iter().map(|v| v * v).sum::<f64>() / n as f64;
            assert!((sol.objective - f).abs() <= 1e-12 * f0, "{name}: {} vs {f}", sol.objective);
            finals.entry(name).or_default().push(f);
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[1]
    };
    let gsq = median(finals.get_mut("gsq").unwrap());
    let gs = median(finals.get_mut("gs").unwrap());
    let random = median(finals.get_mut("random").unwrap());
    println!("VB medians after {iters} matrix updates: gsq {gsq:.3e}, gs {gs:.3e}, random {random:.3e}");
    assert!(gsq <= 0.1 * random, "gsq {gsq:e} vs random {random:e}");
    assert!(gsq <= gs, "gsq {gsq:e} vs gs {gs:e}");
}

/// L2 logistic with an unpenalised intercept (`Logistic::with_intercept`) against scikit-learn's
/// `LogisticRegression(C=1, fit_intercept=True)` (benches/peers/bcd/make_intercept_reference.py →
/// reference/bcd/intercept.json): objective within 1e-9 relative, intercept and weights within
/// 1e-5 (the lbfgs reference has a KKT residual ≈ 1e-8); plus the intercept partial against a
/// central finite difference of the objective.
#[test]
fn logistic_intercept_matches_sklearn() {
    use ferrokern::bcd::Logistic;
    let r: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{DATA}reference/bcd/intercept.json")).unwrap(),
    )
    .unwrap();
    let (x, y, n, p) = load("breast_cancer_std");
    let lam = 1.0 / n as f64;
    let mut m = vec![0.0; n];
    let mut prob = Logistic::l2(&x, &y, n, p, lam, &mut m).unwrap().with_intercept().unwrap();
    assert_eq!(prob.dim(), p + 1);
    // finite-difference check of ∂F/∂b at a random point
    let mut rng = ferrokern::rng::Pcg32::seed(11);
    let w0: Vec<f64> = (0..=p).map(|_| 0.2 * rng.normal()).collect();
    let h = 1e-6;
    let f_at = |prob: &mut Logistic<'_, f64>, w: &[f64]| {
        prob.reset(w).unwrap();
        prob.objective(w)
    };
    let (mut wp, mut wm) = (w0.clone(), w0.clone());
    wp[p] += h;
    wm[p] -= h;
    let fd = (f_at(&mut prob, &wp) - f_at(&mut prob, &wm)) / (2.0 * h);
    prob.reset(&w0).unwrap();
    let an = prob.partial(&w0, p);
    assert!((fd - an).abs() <= 1e-7 * (1.0 + an.abs()), "∂F/∂b: fd {fd} vs {an}");
    let config = SolverConfig {
        rule: Rule::Cyclic,
        partition: Partition::Order,
        update: Update::Newton,
        block_size: p + 1,
        max_iter: 200,
        tol: 1e-14,
        ..SolverConfig::default()
    };
    let mut scratch = vec![0.0; workspace_len(p + 1, p + 1, Rule::Cyclic).unwrap()];
    let mut index = vec![0; p + 1];
    let mut ws = Workspace::<f64, 32>::new(&mut scratch, &mut index);
    let mut w = vec![0.0; p + 1];
    let sol = solve(&mut prob, &mut w, &config, &mut ws).unwrap();
    let f_ref = r["objective"].as_f64().unwrap();
    let rel = (sol.objective - f_ref) / f_ref;
    assert!(rel.abs() <= 1e-9, "objective rel {rel:e}");
    let b_ref = r["intercept"].as_f64().unwrap();
    assert!((w[p] - b_ref).abs() <= 1e-5, "intercept {} vs {b_ref}", w[p]);
    for (j, c) in r["coefficients"].as_array().unwrap().iter().enumerate() {
        let c = c.as_f64().unwrap();
        assert!((w[j] - c).abs() <= 1e-5 * (1.0 + c.abs()), "w[{j}] {} vs {c}", w[j]);
    }
    // L1 + intercept is supported (tested against scikit-learn in bcd_intercept.rs)
    let mut m2 = vec![0.0; n];
    assert_eq!(Logistic::l1(&x, &y, n, p, 0.01, &mut m2).unwrap().with_intercept().unwrap().dim(), p + 1);
}
