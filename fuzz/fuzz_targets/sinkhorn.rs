//! Fuzzes `ferrokern::ot`: every Sinkhorn solver (scaling, stabilized, log-domain,
//! ε-scaling, Newton sparse/dense) with fuzzer-chosen shapes, costs, marginals, ε, tolerances
//! and iteration limits, in f64 and f32. Contract: `Ok` with finite potentials and report, or
//! an `Err`; never a panic.
#![no_main]

mod common;

use common::{finite64, Input};
use ferrokern::ot::{
    newton_dense_workspace_len, newton_workspace_len, sinkhorn_eps_scaling, sinkhorn_log,
    sinkhorn_newton_dense, sinkhorn_newton_sparse, sinkhorn_scaling, sinkhorn_stabilized, workspace_len,
    DenseCost, EpsScalingConfig, KernelStore, NewtonConfig, SinkhornConfig, SparseEntry,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let solver = inp.u8() % 8;
    let (n, m) = (1 + inp.size(5), 1 + inp.size(5));
    let c: Vec<f64> = (0..n * m).map(|_| inp.value().abs()).collect();
    let mut a: Vec<f64> = (0..n).map(|_| inp.value().abs() + 0.01).collect();
    let mut b: Vec<f64> = (0..m).map(|_| inp.value().abs() + 0.01).collect();
    if inp.bool() {
        let (sa, sb): (f64, f64) = (a.iter().sum(), b.iter().sum());
        a.iter_mut().for_each(|v| *v /= sa);
        b.iter_mut().for_each(|v| *v /= sb);
    }
    let eps = if inp.bool() { 0.05 + inp.small().abs() } else { inp.param() };
    let cfg = SinkhornConfig {
        tol: if inp.bool() { 1e-9 } else { inp.param() },
        max_iter: inp.size(200),
        check_every: inp.size(10),
        ..SinkhornConfig::new(eps)
    };
    let Ok(cost) = DenseCost::new(&c, n, m) else { return };
    let (mut f, mut g) = (vec![0.0; n], vec![0.0; m]);
    let mut work = vec![0.0; workspace_len(n, m)];
    let mut kern = vec![0.0; n * m];
    let ok = match solver {
        0 => sinkhorn_scaling(&cost, &a, &b, &cfg, KernelStore::Dense(&mut kern), &mut f, &mut g, &mut work)
            .map(|r| r.transport_cost.is_finite() && r.marginal_error.is_finite()),
        1 => sinkhorn_stabilized(&cost, &a, &b, &cfg, 1e3, KernelStore::OnTheFly, &mut f, &mut g, &mut work)
            .map(|r| r.transport_cost.is_finite() && r.marginal_error.is_finite()),
        2 => sinkhorn_log(&cost, &a, &b, &cfg, &mut f, &mut g, &mut work)
            .map(|r| r.transport_cost.is_finite() && r.marginal_error.is_finite()),
        3 => {
            let sched = EpsScalingConfig {
                eps0: eps * 50.0,
                max_outer: 3,
                min_outer: 1,
                max_inner: 30,
                ..EpsScalingConfig::default()
            };
            sinkhorn_eps_scaling(
                &cost,
                &a,
                &b,
                &cfg,
                &sched,
                KernelStore::OnTheFly,
                &mut f,
                &mut g,
                &mut work,
            )
            .map(|r| r.transport_cost.is_finite() && r.marginal_error.is_finite())
        }
        4 | 5 => {
            let ncfg = NewtonConfig {
                max_newton: inp.size(20),
                warmup_iters: inp.size(30),
                tol: cfg.tol,
                ..NewtonConfig::new(eps)
            };
            let r = if solver == 4 {
                let mut w = vec![0.0; newton_workspace_len(n, m)];
                let mut sp = vec![SparseEntry::default(); inp.size(40)];
                sinkhorn_newton_sparse(&cost, &a, &b, &ncfg, &mut f, &mut g, &mut sp, &mut w)
            } else {
                let mut w = vec![0.0; newton_dense_workspace_len(n, m)];
                sinkhorn_newton_dense(&cost, &a, &b, &ncfg, &mut f, &mut g, &mut w)
            };
            r.map(|r| r.grad_norm1.is_finite() && r.transport_cost.is_finite())
        }
        _ => {
            let c32: Vec<f32> = c.iter().map(|&v| v as f32).collect();
            let (a32, b32): (Vec<f32>, Vec<f32>) =
                (a.iter().map(|&v| v as f32).collect(), b.iter().map(|&v| v as f32).collect());
            let Ok(cost) = DenseCost::new(&c32, n, m) else { return };
            let cfg32 = SinkhornConfig {
                tol: cfg.tol as f32,
                max_iter: cfg.max_iter,
                check_every: cfg.check_every,
                ..SinkhornConfig::new(eps as f32)
            };
            let (mut f32v, mut g32v) = (vec![0.0f32; n], vec![0.0f32; m]);
            let mut w32 = vec![0.0f32; workspace_len(n, m)];
            let r = if solver == 6 {
                sinkhorn_log(&cost, &a32, &b32, &cfg32, &mut f32v, &mut g32v, &mut w32)
            } else {
                sinkhorn_scaling(
                    &cost,
                    &a32,
                    &b32,
                    &cfg32,
                    KernelStore::OnTheFly,
                    &mut f32v,
                    &mut g32v,
                    &mut w32,
                )
            };
            if r.is_ok() {
                assert!(f32v.iter().chain(&g32v).all(|v| v.is_finite()), "f32 Ok with non-finite potentials");
            }
            r.map(|r| r.transport_cost.is_finite() && r.marginal_error.is_finite())
        }
    };
    if let Ok(report_finite) = ok {
        assert!(report_finite, "Ok with a non-finite report");
        if solver < 6 {
            assert!(finite64(&f) && finite64(&g), "Ok with non-finite potentials");
        }
    }
});
