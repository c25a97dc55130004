//! Robustness of `ferrokern::bcd`: every problem (ridge, Lasso, non-negative L1, logistic L2/L1,
//! softmax, label propagation) through `solve` with every rule/partition/update, arbitrary
//! shapes and data, extreme λ/tol/iteration limits and short workspaces: `Ok` with a finite
//! iterate and objective, `Err(NotConverged)` with a finite iterate, or a validation `Err`
//! with `w` untouched; never a panic. `w`, residual/margin/score buffers and the workspace
//! are canary-guarded. The forest solver gets random (possibly malformed) graphs.

mod robust_common;

use ferrokern::bcd::{
    coord_scores, forest_block_solve, forest_workspace_len, gram, lasso_lambda_max, soft_threshold, solve,
    solve_forest, workspace_len, ForestConfig, ForestStrategy, LabelPropagation, LeastSquares, Logistic,
    Norm, Partition, Penalty, Problem, Rule, Softmax, SolverConfig, Stop, Update, Workspace,
};
use ferrokern::Error;
use proptest::collection::vec;
use proptest::prelude::*;
use robust_common::{any_f64, config, extreme_param, Guarded};

const B: usize = 4;
const RULES: [Rule; 7] =
    [Rule::Cyclic, Rule::Random, Rule::Lipschitz, Rule::GS, Rule::GSL, Rule::GSD, Rule::GSQ];
const PARTS: [Partition; 4] = [Partition::Order, Partition::Sort, Partition::Avg, Partition::Variable];
const UPDATES: [Update; 3] = [Update::Gradient, Update::Matrix, Update::Newton];

#[derive(Debug, Clone)]
struct Case {
    kind: usize,
    n: usize,
    p: usize,
    x: Vec<f64>,
    y: Vec<f64>,
    lambda: f64,
    cfg: (usize, usize, usize, usize, usize, f64, bool, bool),
    short: usize,
}

fn case() -> impl Strategy<Value = Case> {
    let n = prop_oneof![8 => 1usize..7, 1 => Just(0usize)];
    let p = prop_oneof![8 => 1usize..6, 1 => Just(0usize)];
    (0usize..6, n, p).prop_flat_map(|(kind, n, p)| {
        (
            prop_oneof![10 => vec(-2.0..2.0f64, n * p..=n * p), 1 => vec(any_f64(), n * p..=n * p), 1 => vec(any_f64(), 0..9)],
            prop_oneof![5 => vec(0usize..3, n..=n).prop_map(|v| v.into_iter().map(|c| c as f64).collect()),
                        1 => vec(any_f64(), 0..8)],
            prop_oneof![6 => 1e-3..1.0f64, 1 => extreme_param()],
            (0usize..7, 0usize..4, 0usize..3, prop_oneof![6 => 1usize..3, 1 => 0usize..6], prop_oneof![3 => 0usize..40, 1 => Just(3000usize)]),
            (prop_oneof![3 => Just(1e-8), 1 => extreme_param()], any::<bool>(), any::<bool>()),
            prop_oneof![5 => Just(0usize), 1 => 1usize..3],
        )
            .prop_map(move |(x, y, lambda, (r, pa, u, bs, it), (tol, l1, sk), short)| Case {
                kind,
                n,
                p,
                x,
                y,
                lambda,
                cfg: (r, pa, u, bs, it, tol, l1, sk),
                short,
            })
    })
}

fn run<P: Problem<f64>>(mut prob: P, case: &Case) -> Result<(), TestCaseError> {
    let (r, pa, u, bs, it, tol, l1, sk) = case.cfg;
    let cfg = SolverConfig {
        rule: RULES[r],
        partition: PARTS[pa],
        update: UPDATES[u],
        block_size: bs,
        max_iter: it,
        tol,
        seed: 7,
        score_norm: if l1 { Norm::L1 } else { Norm::L2 },
        stop: if sk { Stop::SklearnLasso } else { Stop::Gap },
        // both solver loops, from a bit of an arbitrary field
        active_set: it % 2 == 1,
    };
    let d = prob.dim();
    let slen = workspace_len(d, bs.max(1), cfg.rule).unwrap_or(0).saturating_sub(case.short);
    let mut scratch = Guarded::filled("scratch", slen, 0.0f64);
    let mut index = Guarded::filled("index", d.saturating_sub(case.short), 0usize);
    let mut w = Guarded::filled("w", d, 0.0f64);
    let mut ws = Workspace::<f64, B>::new(scratch.inner(), index.inner());
    let r = solve(&mut prob, w.inner(), &cfg, &mut ws);
    if std::env::var_os("ROBUST_VERBOSE").is_some() {
        eprintln!("solve: {r:?}");
    }
    match &r {
        Ok(sol) => {
            prop_assert!(w.get().iter().all(|v| v.is_finite()), "Ok with non-finite w {:?}", w.get());
            prop_assert!(sol.objective.is_finite(), "Ok with objective {}", sol.objective);
            prop_assert!(sol.iterations <= it.max(1) * d.max(1) + 1);
        }
        Err(Error::NotConverged { .. }) | Err(Error::NumericalFailure { .. }) => {
            prop_assert!(w.get().iter().all(|v| v.is_finite()), "{r:?} with non-finite w");
        }
        Err(e) => prop_assert!(w.get().iter().all(|&v| v == 0.0), "{e} but w written"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn solve_keeps_its_contract(case in case()) {
        let (n, p) = (case.n, case.p);
        let mut buf = Guarded::filled("problem buffer", if case.kind == 5 { n * 3 } else { n }, 0.0f64);
        let labels: Vec<usize> = case.y.iter().map(|&v| if v.is_finite() && v >= 0.0 { v as usize } else { 9 }).collect();
        let built = match case.kind {
            0 => LeastSquares::ridge(&case.x, &case.y, n, p, case.lambda, buf.inner()).map(|pr| run(pr, &case)),
            1 => LeastSquares::lasso(&case.x, &case.y, n, p, case.lambda, buf.inner()).map(|pr| run(pr, &case)),
            2 => LeastSquares::nonneg_l1(&case.x, &case.y, n, p, case.lambda, buf.inner()).map(|pr| run(pr, &case)),
            3 => {
                let y01: Vec<f64> = case.y.iter().map(|&v| v.min(1.0)).collect();
                Logistic::l2(&case.x, &y01, n, p, case.lambda, buf.inner()).map(|pr| run(pr, &case))
            }
            4 => {
                let y01: Vec<f64> = case.y.iter().map(|&v| v.min(1.0)).collect();
                Logistic::l1(&case.x, &y01, n, p, case.lambda, buf.inner()).map(|pr| run(pr, &case))
            }
            _ => Softmax::new(&case.x, &labels, n, p, 3, case.lambda, buf.inner()).map(|pr| run(pr, &case)),
        };
        match built {
            Ok(r) => r?,
            Err(e) => prop_assert!(matches!(e, Error::InvalidParameter { .. } | Error::DimensionMismatch { .. }
                | Error::NonFinite { .. } | Error::SizeOverflow), "constructor: {e}"),
        }
    }

    /// Label propagation on random CSR arrays (often malformed), through `solve` and
    /// `solve_forest`.
    #[test]
    fn label_propagation_keeps_its_contract(nodes in 0usize..7, row_ptr in vec(0usize..14, 0..9), cols in vec(0usize..8, 0..14),
                                            wts in vec(prop_oneof![4 => 0.1..3.0f64, 1 => any_f64()], 14),
                                            labelled in vec(any::<bool>(), 7), strategy in 0usize..5,
                                            max_iter in 0usize..30, tol in extreme_param(), rule in 0usize..7) {
        let mut rp = row_ptr.clone();
        rp.sort_unstable();
        let labelled = &labelled[..nodes];
        let labels: Vec<f64> = (0..nodes).map(|i| i as f64 * 0.5).collect();
        let wts = &wts[..cols.len()];
        let mut values = Guarded::filled("values", nodes, 0.0f64);
        let mut vars = Guarded::filled("vars", nodes, 0usize);
        for ptr in [&rp, &row_ptr] {
            let Ok(mut lp) = LabelPropagation::new(ptr, &cols, wts, &labels, labelled, values.inner(), vars.inner()) else {
                continue;
            };
            let d = lp.dim();
            let (tl, ul) = forest_workspace_len(nodes).unwrap();
            let mut t = Guarded::filled("t scratch", tl, 0.0f64);
            let mut u = Guarded::filled("u scratch", ul, 0usize);
            let mut w = Guarded::filled("w", d, 0.0f64);
            let strategies = [ForestStrategy::RedBlack, ForestStrategy::TreePartition, ForestStrategy::GreedyTree, ForestStrategy::RandomTree, ForestStrategy::BalancedTreePartition];
            let cfg = ForestConfig { strategy: strategies[strategy], max_iter, tol, seed: 3 };
            match solve_forest(&mut lp, w.inner(), &cfg, t.inner(), u.inner(), |_, _| true) {
                Ok(sol) => prop_assert!(w.get().iter().all(|v| v.is_finite()) && sol.objective.is_finite(), "forest Ok non-finite"),
                Err(Error::NotConverged { .. }) => prop_assert!(w.get().iter().all(|v| v.is_finite())),
                Err(_) => {}
            }
            // One forest block of arbitrary (possibly out-of-range or repeated) variables, with
            // arbitrary and short scratch: Ok with a finite block, or an Err.
            let block: Vec<usize> = cols.iter().map(|&c| c % (d + 2)).take(max_iter % 5).collect();
            let mut wb = Guarded::filled("w block", d, 0.0f64);
            let mut ts = Guarded::filled("t scratch", tl.saturating_sub(rule % 2), 0.0f64);
            let mut us = Guarded::filled("u scratch", ul, 0usize);
            if forest_block_solve(&mut lp, wb.inner(), &block, ts.inner(), us.inner()).is_ok() {
                prop_assert!(wb.get().iter().all(|v| v.is_finite()), "forest block Ok with {:?}", wb.get());
            }
            let case = Case { kind: 9, n: 0, p: 0, x: vec![], y: vec![], lambda: 0.0,
                cfg: (rule, 0, 0, 1, max_iter, 1e-8, false, false), short: 0 };
            run(lp, &case)?;
        }
    }
}

/// Regression (found by the `bcd_solve` fuzz target): ridge with entries near 4e117 overflowed a
/// block step and returned `NotConverged` with a NaN iterate. Now an error with the last valid
/// iterate, or a finite result.
#[test]
fn overflowing_block_step_keeps_a_valid_iterate() {
    let big = 3.83698281517203e117;
    let mut x = vec![2.9375; 35];
    x[..11].copy_from_slice(&[
        -7.875, 1.6e-177, 6.6875, 0.8125, -5.4375, -3.875, -5.125, 5.375, -4.0625, 6.25, 2.6875,
    ]);
    x[11] = -5.3e-79;
    x[29] = -5.5625;
    x[30..34].copy_from_slice(&[big; 4]);
    x[34] = -5.3e-79;
    let y = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0];
    let mut r = [0.0; 7];
    let mut prob = LeastSquares::ridge(&x, &y, 7, 5, 930.572040929699, &mut r).unwrap();
    let cfg = SolverConfig {
        rule: Rule::GS,
        partition: Partition::Order,
        update: Update::Gradient,
        block_size: 3,
        max_iter: 5000,
        tol: 1e-8,
        seed: 0,
        score_norm: Norm::L1,
        stop: Stop::SklearnLasso,
        active_set: false,
    };
    let mut scratch = vec![0.0; workspace_len(5, 3, cfg.rule).unwrap()];
    let mut index = [0usize; 5];
    let mut ws = Workspace::<f64, B>::new(&mut scratch, &mut index);
    let mut w = [0.0; 5];
    let r = solve(&mut prob, &mut w, &cfg, &mut ws);
    assert!(w.iter().all(|v| v.is_finite()), "{r:?} with w = {w:?}");
    if let Ok(sol) = r {
        assert!(sol.objective.is_finite());
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// `gram` and `lasso_lambda_max` with arbitrary/mismatched shapes and hostile values:
    /// finite data gives the closed forms (XᵀX/n, ‖Xᵀy‖∞/n, naive f64 sums); NaN/inf is
    /// `Err(NonFinite)` with `out` untouched.
    #[test]
    fn gram_and_lambda_max_keep_their_contract(n in 0usize..5, p in 0usize..4, xv in vec(prop_oneof![6 => -4.0..4.0f64, 1 => any_f64()], 1..20),
                                               extra in 0usize..2, yv in vec(-4.0..4.0f64, 5)) {
        let x: Vec<f64> = xv.iter().copied().cycle().take(n * p + extra).collect();
        let y = &yv[..n];
        let finite_x = x.iter().all(|v| v.is_finite());
        let moderate = x.iter().all(|v| v.abs() <= 4.0);
        let shapes_ok = n > 0 && p > 0 && extra == 0;
        let mut g = Guarded::filled("gram", p * p, -7.0f64);
        let r = gram(&x, n, p, g.inner());
        prop_assert_eq!(r.is_ok(), shapes_ok && finite_x, "gram {:?}", r);
        if r.is_ok() && moderate {
            for a in 0..p {
                for b in 0..p {
                    let want: f64 = (0..n).map(|i| x[i * p + a] * x[i * p + b]).sum::<f64>() / n as f64;
                    prop_assert!((g.get()[a * p + b] - want).abs() <= 1e-12 * (1.0 + want.abs()));
                }
            }
        } else if r.is_err() {
            prop_assert!(g.get().iter().all(|&v| v == -7.0), "gram wrote on error");
        }
        if shapes_ok && !finite_x {
            prop_assert!(matches!(r, Err(Error::NonFinite { what: "x", .. })), "{r:?}");
        }
        let r = lasso_lambda_max(&x, y, n, p);
        prop_assert_eq!(r.is_ok(), shapes_ok && finite_x);
        if let (Ok(l), true) = (r, moderate) {
            let want = (0..p).map(|j| (0..n).map(|i| x[i * p + j] * y[i]).sum::<f64>().abs()).fold(0.0, f64::max) / n as f64;
            prop_assert!((l - want).abs() <= 1e-12 * (1.0 + want), "{l} vs {want}");
        }
    }

    /// The scalar helpers: closed forms on finite values, no panic on any value.
    #[test]
    fn soft_threshold_and_coord_scores_keep_their_contract(z in any_f64(), t in any_f64(), zm in -1e3..1e3f64, tm in 0.0..1e3f64,
                                                           g in -1e3..1e3f64, l in prop_oneof![3 => 1e-3..1e3f64, 1 => any_f64()],
                                                           lam in 0.0..10.0f64, pen in 0usize..3) {
        let _ = soft_threshold(z, t);
        let s = soft_threshold(zm, tm);
        prop_assert_eq!(s, zm.signum() * (zm.abs() - tm).max(0.0) * f64::from(u8::from(zm != 0.0)));
        let penalty = [Penalty::None, Penalty::L1(lam), Penalty::NonNegL1(lam)][pen];
        let x0 = if pen == 2 { zm.abs() } else { zm };
        let (e, q) = coord_scores(penalty, x0, g, l);
        if l.is_finite() && l > 0.0 {
            prop_assert!(e.is_finite() && q.is_finite() && e >= 0.0 && q >= 0.0, "({e}, {q})");
            if pen == 0 {
                prop_assert_eq!(e, g.abs());
                prop_assert!((q - g * g / (2.0 * l)).abs() <= 1e-12 * q.abs().max(1e-300));
            }
        } else if l.is_nan() || l <= 0.0 {
            prop_assert_eq!((e, q), (0.0, 0.0));
        }
        let _ = coord_scores(penalty, z, t, l);
    }
}
