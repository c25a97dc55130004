//! Robustness of `ferrokern::ot`: every solver (scaling, stabilized, log-domain, ε-scaling,
//! Newton sparse/dense) and the plan functions on arbitrary shapes (0 and mismatched), hostile
//! costs/marginals and extreme ε/tol/iteration limits: `Ok` with finite potentials and report,
//! or an `Err` (validation errors leave `f`, `g` untouched); never a panic; the potentials,
//! plans, kernel buffers and workspaces are canary-guarded.

mod robust_common;

use ferrokern::ot::{
    apply_plan, apply_plan_t, lyapunov_objective, newton_dense_workspace_len, newton_workspace_len,
    plan_into, sinkhorn_eps_scaling, sinkhorn_log, sinkhorn_newton_dense, sinkhorn_newton_sparse,
    sinkhorn_scaling, sinkhorn_stabilized, workspace_len, DenseCost, EpsScalingConfig, KernelStore, Metric,
    NewtonConfig, PointCloudCost, SinkhornConfig, SinkhornReport, SparseEntry,
};
use ferrokern::Error;
use proptest::collection::vec;
use proptest::prelude::*;
use robust_common::{any_f64, config, extreme_param, Guarded};

#[derive(Debug, Clone)]
struct Case {
    n: usize,
    m: usize,
    c: Vec<f64>,
    a: Vec<f64>,
    b: Vec<f64>,
    eps: f64,
    tol: f64,
    max_iter: usize,
    check_every: usize,
    work_short: usize,
}

/// Mostly well-formed problems (so the solvers' loops run), with hostile parts mixed in.
fn case() -> impl Strategy<Value = Case> {
    let size = || prop_oneof![8 => 1usize..5, 1 => Just(0usize)];
    (size(), size()).prop_flat_map(|(n, m)| {
        let nm = n * m;
        (
            prop_oneof![8 => vec(0.0..3.0f64, nm..=nm), 1 => vec(any_f64(), nm..=nm)],
            prop_oneof![8 => vec(0.05..1.0f64, n..=n), 1 => vec(any_f64(), 0..6)],
            prop_oneof![8 => vec(0.05..1.0f64, m..=m), 1 => vec(any_f64(), 0..6)],
            prop_oneof![6 => 0.02..2.0f64, 1 => extreme_param()],
            prop_oneof![3 => Just(1e-9), 1 => extreme_param()],
            prop_oneof![3 => 1usize..60, 1 => Just(0usize), 1 => Just(100_000usize)],
            prop_oneof![3 => 1usize..8, 1 => Just(0usize)],
            prop_oneof![5 => Just(0usize), 1 => 1usize..4],
        )
            .prop_map(move |(c, a, b, eps, tol, max_iter, check_every, work_short)| Case {
                n,
                m,
                c,
                a,
                b,
                eps,
                tol,
                max_iter,
                check_every,
                work_short,
            })
    })
}

fn normalised(x: &[f64]) -> Vec<f64> {
    let s: f64 = x.iter().sum();
    if s.is_finite() && s > 0.0 {
        x.iter().map(|v| v / s).collect()
    } else {
        x.to_vec()
    }
}

fn is_validation(e: &Error) -> bool {
    matches!(
        e,
        Error::DimensionMismatch { .. }
            | Error::InvalidParameter { .. }
            | Error::NonFinite { .. }
            | Error::WorkspaceTooSmall { .. }
            | Error::SizeOverflow
    )
}

/// The contract every solver result must meet.
fn check_outcome<R>(
    name: &str,
    r: &Result<R, Error>,
    f: &Guarded<f64>,
    g: &Guarded<f64>,
    report_finite: impl Fn(&R) -> bool,
) -> Result<(), TestCaseError> {
    match r {
        Ok(rep) => {
            prop_assert!(
                f.get().iter().chain(g.get()).all(|v| v.is_finite()),
                "{name}: Ok with non-finite potentials"
            );
            prop_assert!(report_finite(rep), "{name}: Ok with a non-finite report");
        }
        Err(e) if is_validation(e) => {
            prop_assert!(f.get().iter().chain(g.get()).all(|&v| v == 0.25), "{name}: {e} but f/g written");
        }
        Err(_) => {}
    }
    Ok(())
}

fn sinkhorn_finite(r: &SinkhornReport<f64>) -> bool {
    r.marginal_error.is_finite() && r.transport_cost.is_finite() && r.entropic_objective.is_finite()
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn sinkhorn_solvers_never_panic(case in case()) {
        let Ok(cost) = DenseCost::new(&case.c, case.n, case.m) else {
            prop_assert!(case.n == 0 || case.m == 0 || case.c.iter().any(|v| !v.is_finite()));
            return Ok(());
        };
        let (a, b) = (normalised(&case.a), normalised(&case.b));
        let cfg = SinkhornConfig { tol: case.tol, max_iter: case.max_iter, check_every: case.check_every,
            ..SinkhornConfig::new(case.eps) };
        let wlen = workspace_len(case.n, case.m).saturating_sub(case.work_short);
        let nm = case.n * case.m;
        for solver in 0..5 {
            let mut f = Guarded::filled("f", case.n, 0.25);
            let mut g = Guarded::filled("g", case.m, 0.25);
            let mut w = Guarded::filled("work", wlen, 0.0);
            let mut k = Guarded::filled("kernel", nm, 0.0);
            let r = match solver {
                0 => sinkhorn_scaling(&cost, &a, &b, &cfg, KernelStore::Dense(k.inner()), f.inner(), g.inner(), w.inner()),
                1 => sinkhorn_scaling(&cost, &a, &b, &cfg, KernelStore::OnTheFly, f.inner(), g.inner(), w.inner()),
                2 => sinkhorn_stabilized(&cost, &a, &b, &cfg, 1e3, KernelStore::Dense(k.inner()), f.inner(), g.inner(), w.inner()),
                3 => sinkhorn_log(&cost, &a, &b, &cfg, f.inner(), g.inner(), w.inner()),
                _ => {
                    let sched = EpsScalingConfig { eps0: case.eps * 100.0, max_outer: 4, min_outer: 1, max_inner: 20,
                        ..EpsScalingConfig::default() };
                    sinkhorn_eps_scaling(&cost, &a, &b, &cfg, &sched, KernelStore::OnTheFly, f.inner(), g.inner(), w.inner())
                }
            };
            if std::env::var_os("ROBUST_VERBOSE").is_some() {
                eprintln!("solver {solver}: {r:?}");
            }
            check_outcome(&format!("solver {solver}"), &r, &f, &g, sinkhorn_finite)?;
            if let Ok(rep) = r {
                // A converged report meets its tolerance (up to the rounding between the
                // in-loop marginal and the one recomputed from the final potentials).
                if rep.converged {
                    prop_assert!(rep.marginal_error <= case.tol.max(0.0) * 1.0001 + 1e-12, "solver {solver}: {rep:?}");
                }
                // The plan of the returned potentials is non-negative, finite and guarded.
                let mut plan = Guarded::filled("plan", nm, 0.0);
                let mut cbuf = Guarded::filled("cbuf", case.m, 0.0);
                plan_into(&cost, f.get(), g.get(), case.eps, plan.inner(), cbuf.inner()).unwrap();
                prop_assert!(plan.get().iter().all(|p| p.is_finite() && *p >= 0.0));
            }
        }
    }

    #[test]
    fn newton_solvers_never_panic(case in case(), dense in any::<bool>(), keep in 0usize..30, max_newton in 0usize..20) {
        let Ok(cost) = DenseCost::new(&case.c, case.n, case.m) else { return Ok(()) };
        let (a, b) = (normalised(&case.a), normalised(&case.b));
        let cfg = NewtonConfig { tol: case.tol, max_newton, warmup_iters: case.max_iter.min(50), ..NewtonConfig::new(case.eps) };
        let mut f = Guarded::filled("f", case.n, 0.25);
        let mut g = Guarded::filled("g", case.m, 0.25);
        let r = if dense {
            let mut w = Guarded::filled("work", newton_dense_workspace_len(case.n, case.m).saturating_sub(case.work_short), 0.0);
            sinkhorn_newton_dense(&cost, &a, &b, &cfg, f.inner(), g.inner(), w.inner())
        } else {
            let mut w = Guarded::filled("work", newton_workspace_len(case.n, case.m).saturating_sub(case.work_short), 0.0);
            let mut sp = vec![SparseEntry::default(); keep + 2 * robust_common::PAD];
            let sentinel = SparseEntry { row: 0xa5a5, col: 0xa5a5, value: f64::NAN };
            for e in sp.iter_mut() {
                *e = sentinel;
            }
            let pad = robust_common::PAD;
            let r = sinkhorn_newton_sparse(&cost, &a, &b, &cfg, f.inner(), g.inner(), &mut sp[pad..pad + keep], w.inner());
            prop_assert!(sp[..pad].iter().chain(&sp[pad + keep..]).all(|e| e.row == 0xa5a5 && e.col == 0xa5a5 && e.value.is_nan()),
                "sparse buffer overrun");
            r
        };
        check_outcome("newton", &r, &f, &g, |rep| {
            rep.grad_norm1.is_finite() && rep.transport_cost.is_finite() && rep.entropic_objective.is_finite()
        })?;
    }

    /// The Lyapunov potential at arbitrary potentials (NaN/inf/huge included), ε and work
    /// lengths: `Ok` only with a finite value (and `F = 0` at the one-point closed form), else
    /// an `Err`; `f`, `g` read-only, `work` canary-guarded.
    #[test]
    fn lyapunov_objective_keeps_its_contract(case in case(), fv in vec(prop_oneof![4 => -2.0..2.0f64, 1 => any_f64()], 0..6),
                                             gv in vec(prop_oneof![4 => -2.0..2.0f64, 1 => any_f64()], 0..6)) {
        let Ok(cost) = DenseCost::new(&case.c, case.n, case.m) else { return Ok(()) };
        // Mostly the right lengths (the first element of each decides: a mismatch otherwise).
        let fit = |v: &[f64], len: usize| -> Vec<f64> {
            if v.first().is_some_and(|x| x.is_finite()) { v.iter().copied().cycle().take(len).collect() } else { v.to_vec() }
        };
        let (fv, gv) = (fit(&fv, case.n), fit(&gv, case.m));
        let mut w = Guarded::filled("work", (2 * case.m).saturating_sub(case.work_short), 0.0);
        match lyapunov_objective(&cost, &case.a, &case.b, case.eps, &fv, &gv, w.inner()) {
            Ok(v) => prop_assert!(v.is_finite(), "Ok({v})"),
            Err(e) => prop_assert!(is_validation(&e) || matches!(e, Error::NumericalFailure { .. }), "{e}"),
        }
        let one = DenseCost::new(&[0.0], 1, 1).unwrap();
        let v: f64 = lyapunov_objective(&one, &[1.0], &[1.0], 0.5, &[0.0], &[0.0], &mut [0.0; 2]).unwrap();
        prop_assert!(v.abs() < 1e-15);
    }

    #[test]
    fn plan_functions_check_shapes(n in 1usize..5, m in 1usize..5, fl in 0usize..6, gl in 0usize..6, xl in 0usize..6,
                                   eps in extreme_param(), fv in any_f64(), worklen in 0usize..12) {
        let c: Vec<f64> = (0..n * m).map(|k| (k % 3) as f64).collect();
        let cost = DenseCost::new(&c, n, m).unwrap();
        let (f, g, x) = (vec![fv; fl], vec![0.5; gl], vec![1.0; xl]);
        let mut out = Guarded::filled("out", n.max(m), 9.0);
        let mut work = Guarded::filled("work", worklen, 0.0);
        let ok_shape = fl == n && gl == m && fv.is_finite() && eps.is_finite() && eps > 0.0;
        let r = apply_plan(&cost, &f, &g, eps, &x, &mut out.inner()[..n], work.inner());
        prop_assert_eq!(r.is_ok(), ok_shape && xl == m && worklen >= 2 * m);
        if r.is_ok() {
            prop_assert!(out.get()[..n].iter().all(|v| v.is_finite()), "apply_plan: {:?}", out.get());
        }
        let r = apply_plan_t(&cost, &f, &g, eps, &x, &mut out.inner()[..m], work.inner());
        prop_assert!(r.is_err() || ok_shape);
        let mut plan = Guarded::filled("plan", n * m, 0.0);
        let r = plan_into(&cost, &f, &g, eps, plan.inner(), work.inner());
        prop_assert_eq!(r.is_ok(), ok_shape && worklen >= m);
    }

    #[test]
    fn point_cloud_costs_validate(xs in vec(any_f64(), 0..9), ys in vec(any_f64(), 0..9), d in 0usize..4) {
        for metric in [Metric::SqEuclidean, Metric::Euclidean] {
            match PointCloudCost::new(&xs, &ys, d, metric) {
                Ok(c) => {
                    let cfg = SinkhornConfig::new(0.5);
                    let (n, m) = (xs.len() / d, ys.len() / d);
                    let (a, b) = (vec![1.0 / n as f64; n], vec![1.0 / m as f64; m]);
                    let mut f = Guarded::filled("f", n, 0.25);
                    let mut g = Guarded::filled("g", m, 0.25);
                    let mut w = Guarded::filled("work", workspace_len(n, m), 0.0);
                    let r = sinkhorn_log(&c, &a, &b, &cfg, f.inner(), g.inner(), w.inner());
                    check_outcome("point cloud", &r, &f, &g, sinkhorn_finite)?;
                }
                Err(e) => prop_assert!(is_validation(&e)),
            }
        }
    }
}

proptest! {
    #![proptest_config(config(24))]

    /// f32: the SIMD path of the log-domain and scaling solvers.
    #[test]
    fn f32_solvers_never_panic(case in case()) {
        let c: Vec<f32> = case.c.iter().map(|&v| v as f32).collect();
        let Ok(cost) = DenseCost::new(&c, case.n, case.m) else { return Ok(()) };
        let a: Vec<f32> = normalised(&case.a).iter().map(|&v| v as f32).collect();
        let b: Vec<f32> = normalised(&case.b).iter().map(|&v| v as f32).collect();
        let cfg = SinkhornConfig { tol: case.tol as f32, max_iter: case.max_iter.min(500), check_every: case.check_every,
            ..SinkhornConfig::new(case.eps as f32) };
        for log in [false, true] {
            let mut f = Guarded::filled("f", case.n, 0.25f32);
            let mut g = Guarded::filled("g", case.m, 0.25f32);
            let mut w = Guarded::filled("work", workspace_len(case.n, case.m), 0.0f32);
            let r = if log {
                sinkhorn_log(&cost, &a, &b, &cfg, f.inner(), g.inner(), w.inner())
            } else {
                sinkhorn_scaling(&cost, &a, &b, &cfg, KernelStore::OnTheFly, f.inner(), g.inner(), w.inner())
            };
            if let Ok(rep) = r {
                prop_assert!(f.get().iter().chain(g.get()).all(|v| v.is_finite()), "Ok with non-finite f32 potentials");
                prop_assert!(rep.transport_cost.is_finite() && rep.marginal_error.is_finite());
            }
        }
    }
}

/// Regression: a first ε-scaling stage that under/overflowed returned `Ok` with
/// `marginal_error = inf`.
#[test]
fn eps_scaling_failure_in_first_stage_reports_a_finite_error() {
    let c = [f64::MAX, 0.0, 0.0];
    let cost = DenseCost::new(&c, 1, 3).unwrap();
    let (a, b) = ([0.05], [0.05, 0.05, 0.05]);
    let cfg = SinkhornConfig { max_iter: 1, check_every: 1, ..SinkhornConfig::new(0.02) };
    let sched = EpsScalingConfig {
        eps0: 2.0,
        max_outer: 4,
        min_outer: 1,
        max_inner: 20,
        ..EpsScalingConfig::default()
    };
    let (mut f, mut g) = ([0.0; 1], [0.0; 3]);
    let mut w = vec![0.0; workspace_len(1, 3)];
    if let Ok(rep) =
        sinkhorn_eps_scaling(&cost, &a, &b, &cfg, &sched, KernelStore::OnTheFly, &mut f, &mut g, &mut w)
    {
        assert!(rep.marginal_error.is_finite(), "{rep:?}");
    }
}

/// Regression: Sinkhorn-Newton with a cost of −f64::MAX returned `Ok` with NaN potentials.
#[test]
fn newton_with_overflowing_cost_is_an_error() {
    let c = [0.0, 0.0, 0.0, 0.0, -f64::MAX, 0.0];
    let cost = DenseCost::new(&c, 2, 3).unwrap();
    let (a, b) = ([0.5, 0.5], [1.0 / 3.0; 3]);
    let cfg = NewtonConfig { tol: 1e30, warmup_iters: 1, max_newton: 9, ..NewtonConfig::new(0.02) };
    let (mut f, mut g) = ([0.25; 2], [0.25; 3]);
    let mut w = vec![0.0; newton_dense_workspace_len(2, 3)];
    match sinkhorn_newton_dense(&cost, &a, &b, &cfg, &mut f, &mut g, &mut w) {
        Ok(_) => assert!(f.iter().chain(&g).all(|v| v.is_finite())),
        Err(e) => {
            assert!(matches!(e, Error::NumericalFailure { .. }), "{e}");
            assert!(f.iter().chain(&g).all(|&v| v == 0.25));
        }
    }
}

/// Regression (found by the `sinkhorn` fuzz target): ε-scaling with huge marginals returned
/// `Ok` with `marginal_error = inf` (its squares overflow).
#[test]
fn eps_scaling_with_huge_marginals_never_reports_inf() {
    let c = [
        2.5e-64, 4.375, 4.375, 3.875, 6.4375, 4.4375, 3.0625, 1.125, 3.1875, 0.75, 3.625, 6.0625, 2.9375,
        4.9375, 7.75, 7.25,
    ];
    let cost = DenseCost::new(&c, 4, 4).unwrap();
    let (a, b): ([f64; 4], [f64; 4]) = ([4.5e254, 6.26, 0.01, 5.635], [0.8225, 0.01, 0.8225, 5.0725]);
    let cfg = SinkhornConfig { tol: 5e-324, max_iter: 98, check_every: 6, ..SinkhornConfig::new(5e-324) };
    let sched = EpsScalingConfig {
        eps0: 2.5e-322,
        max_outer: 3,
        min_outer: 1,
        max_inner: 30,
        ..EpsScalingConfig::default()
    };
    let (mut f, mut g) = ([0.0; 4], [0.0; 4]);
    let mut w = vec![0.0; workspace_len(4, 4)];
    if let Ok(rep) =
        sinkhorn_eps_scaling(&cost, &a, &b, &cfg, &sched, KernelStore::OnTheFly, &mut f, &mut g, &mut w)
    {
        assert!(rep.marginal_error.is_finite() && rep.transport_cost.is_finite(), "{rep:?}");
    }
}

/// Regression (found by the `sinkhorn` fuzz target): Sinkhorn-Newton with huge costs and
/// marginals returned `Ok` with an infinite transport cost.
#[test]
fn newton_with_overflowing_statistics_is_an_error() {
    let big = 1.0773087426743214e236;
    let c = [big; 3];
    let cost = DenseCost::new(&c, 3, 1).unwrap();
    let (a, b): ([f64; 3], [f64; 1]) = ([big; 3], [big]);
    let cfg = NewtonConfig { tol: 316.0, warmup_iters: 30, max_newton: 5, ..NewtonConfig::new(316.0) };
    let (mut f, mut g) = ([0.0; 3], [0.0; 1]);
    let mut w = vec![0.0; newton_workspace_len(3, 1)];
    let mut sp = vec![SparseEntry::default(); 8];
    if let Ok(rep) = sinkhorn_newton_sparse(&cost, &a, &b, &cfg, &mut f, &mut g, &mut sp, &mut w) {
        assert!(rep.transport_cost.is_finite() && rep.grad_norm1.is_finite(), "{rep:?}");
    }
}
