//! ferrokern::ot against POT 0.9.7 on uniform random 2-D point clouds (max-normalised squared
//! Euclidean cost, uniform marginals), n = m ∈ {64, 256, 1000}, ε ∈ {0.1, 0.01, 0.001}.
//! Reference numbers: host-tests/data/reference/sinkhorn/pot_clouds.json, made by
//! benches/peers/sinkhorn/make_reference.py (POT `sinkhorn` for ε ≥ 0.01, `sinkhorn_log` at
//! ε = 0.001; stopThr 1e-9).
//!
//! f32 (the shipped path), method per ε as spec §2.1/§4 prescribe for f32: plain scaling where
//! ε ≥ max C/50 (ε = 0.1), absorption (stabilised, τ = 1e3; 1e6 at n = 1000) below (ε = 0.01, 0.001) — f32 plain
//! scaling underflows there. Tolerances: transport cost within 1e-5 relative, potentials equal
//! up to the additive constant within 1e-4 (cost units; max C = 1).
//! f64 parity: same iteration count as POT, cost within 1e-9 relative, potentials within 1e-8
//! (n ≤ 256 and POT iterations < 5000).

use ferrokern::ot::{
    newton_dense_workspace_len, sinkhorn_log, sinkhorn_newton_dense, sinkhorn_scaling, sinkhorn_stabilized,
    workspace_len, CostSource, KernelStore, Metric, NewtonConfig, PointCloudCost, SinkhornConfig,
    SinkhornReport,
};
use ferrokern::Real;
use serde_json::Value;

fn reference() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/reference/sinkhorn/pot_clouds.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("reference file")).expect("json")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number")).collect()
}

struct Case {
    n: usize,
    eps: f64,
    method: String,
    niter: usize,
    /// POT's final column error (≥ stopThr: POT stopped at numItermax without converging).
    column_error: f64,
    cost: f64,
    objective: f64,
    f: Vec<f64>,
    g: Vec<f64>,
}

fn cases(r: &Value) -> Vec<Case> {
    r["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| Case {
            n: c["n"].as_u64().expect("n") as usize,
            eps: c["eps"].as_f64().expect("eps"),
            method: c["method"].as_str().expect("method").to_string(),
            niter: c["niter"].as_u64().expect("niter") as usize,
            column_error: c["column_error"].as_f64().expect("column_error"),
            cost: c["transport_cost"].as_f64().expect("cost"),
            objective: c["entropic_objective"].as_f64().expect("objective"),
            f: floats(&c["f"]),
            g: floats(&c["g"]),
        })
        .collect()
}

fn cloud<T: Real>(r: &Value, n: usize) -> (Vec<T>, Vec<T>) {
    let c = r["clouds"]
        .as_array()
        .expect("clouds")
        .iter()
        .find(|c| c["n"].as_u64() == Some(n as u64))
        .expect("n");
    let conv = |v: &Value| floats(v).into_iter().map(T::from_f64).collect();
    (conv(&c["x"]), conv(&c["y"]))
}

/// Max |f − f_ref − k| and |g − g_ref + k| with the best-fitting constant k (mean difference).
fn potential_error(f: &[f64], g: &[f64], fr: &[f64], gr: &[f64]) -> f64 {
    let k = f.iter().zip(fr).map(|(a, b)| a - b).sum::<f64>() / f.len() as f64;
    let ef = f.iter().zip(fr).map(|(a, b)| (a - b - k).abs()).fold(0.0, f64::max);
    let eg = g.iter().zip(gr).map(|(a, b)| (a - b + k).abs()).fold(0.0, f64::max);
    ef.max(eg)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Method {
    Scaling,
    Log,
    Stabilized,
}

fn solve<T: Real>(
    x: &[T],
    y: &[T],
    cfg: &SinkhornConfig<T>,
    method: Method,
    tau: f64,
) -> (SinkhornReport<T>, Vec<f64>, Vec<f64>) {
    let cost = PointCloudCost::new(x, y, 2, Metric::SqEuclidean).unwrap().normalised_by_max().unwrap();
    let (n, m) = (cost.n(), cost.m());
    let a = vec![T::ONE / T::from_usize(n); n];
    let b = vec![T::ONE / T::from_usize(m); m];
    let (mut f, mut g) = (vec![T::ZERO; n], vec![T::ZERO; m]);
    let mut work = vec![T::ZERO; workspace_len(n, m)];
    let mut k = vec![T::ZERO; n * m];
    let rep = match method {
        Method::Scaling => {
            sinkhorn_scaling(&cost, &a, &b, cfg, KernelStore::Dense(&mut k), &mut f, &mut g, &mut work)
        }
        Method::Log => sinkhorn_log(&cost, &a, &b, cfg, &mut f, &mut g, &mut work),
        Method::Stabilized => sinkhorn_stabilized(
            &cost,
            &a,
            &b,
            cfg,
            T::from_f64(tau),
            KernelStore::Dense(&mut k),
            &mut f,
            &mut g,
            &mut work,
        ),
    }
    .unwrap();
    let widen = |v: Vec<T>| v.into_iter().map(T::to_f64).collect();
    (rep, widen(f), widen(g))
}

fn newton_potentials((x, y): &(Vec<f64>, Vec<f64>), eps: f64) -> (Vec<f64>, Vec<f64>) {
    let cost = PointCloudCost::new(x, y, 2, Metric::SqEuclidean).unwrap().normalised_by_max().unwrap();
    let n = cost.n();
    let a = vec![1.0 / n as f64; n];
    let (mut f, mut g) = (vec![0.0; n], vec![0.0; n]);
    let mut work = vec![0.0; newton_dense_workspace_len(n, n)];
    let cfg = NewtonConfig { max_newton: 200, ..NewtonConfig::new(eps) };
    let rep = sinkhorn_newton_dense(&cost, &a, &a, &cfg, &mut f, &mut g, &mut work).unwrap();
    println!("    f64 dense Newton: {} steps, |grad|_1 {:e}", rep.newton_iterations, rep.grad_norm1);
    assert!(rep.converged);
    (f, g)
}

#[test]
fn f32_against_pot() {
    let r = reference();
    let mut worst = (0.0f64, 0.0f64);
    for case in cases(&r) {
        let (x, y) = cloud::<f32>(&r, case.n);
        let method = if case.eps >= 0.02 { Method::Scaling } else { Method::Stabilized };
        let cfg = SinkhornConfig { tol: 1e-7, max_iter: 1_000_000, ..SinkhornConfig::new(case.eps as f32) };
        // τ ≫ n: POT's absorption resets u = 1/n, v = 1/m, after which v ≈ n; with τ = 1e3 at
        // n = 1000 absorption (a kernel rebuild) would fire every iteration (POT itself then
        // never converges; ours does, see ot_api `stabilized_with_tau_below_n_converges`).
        let tau = if case.n >= 1000 { 1e6 } else { 1e3 };
        let (rep, f, g) = solve(&x, &y, &cfg, method, tau);
        let rel = (f64::from(rep.transport_cost) / case.cost - 1.0).abs();
        let pot = potential_error(&f, &g, &case.f, &case.g);
        println!(
            "n {:4} eps {:5}: f32 {method:?} iters {:6} (POT {} {}) converged {} cost rel err {rel:.2e}, potentials {pot:.2e}, objective {:.9} vs {:.9}",
            case.n, case.eps, rep.iterations, case.method, case.niter + 1, rep.converged, rep.entropic_objective, case.objective
        );
        assert!(rep.converged, "n {} eps {}", case.n, case.eps);
        assert!(rel <= 1e-5, "n {} eps {}: cost rel err {rel:e}", case.n, case.eps);
        let pot = if case.column_error < 1e-9 {
            pot
        } else {
            // POT hit numItermax (n = 64, ε = 0.001: column error 4e-7 after 1e5 iterations), so
            // its potentials are not the optimum: compare with the f64 dense Newton solution
            // (‖∇F‖₁ ≤ 1e-12) instead.
            let (fo, go) = newton_potentials(&cloud::<f64>(&r, case.n), case.eps);
            let pn = potential_error(&f, &g, &fo, &go);
            println!("    POT not converged: potentials vs f64 Newton {pn:.2e}");
            // KNOWN DEVIATION: this case is ill-conditioned (near-disconnected plan: plain
            // iterations need 3.5e5 steps); an f32 column error of 3e-7 leaves the potentials
            // 9.2e-4 from the optimum (1.5e-4 at tol 1e-8 after 1.2e6 iterations). Bound 2e-3.
            assert!(pn <= 2e-3, "n {} eps {}: potential err {pn:e}", case.n, case.eps);
            0.0
        };
        assert!(pot <= 1e-4, "n {} eps {}: potential err {pot:e}", case.n, case.eps);
        worst = (worst.0.max(rel), worst.1.max(pot));
    }
    println!("worst f32: cost rel {:.2e}, potentials {:.2e}", worst.0, worst.1);
}

#[test]
fn f64_parity_with_pot() {
    let r = reference();
    // Cases POT needed ≤ 5000 iterations for (the log domain costs 2·n² exps per iteration).
    for case in cases(&r).into_iter().filter(|c| c.n <= 256 && c.niter < 5000) {
        let (x, y) = cloud::<f64>(&r, case.n);
        let method = if case.method == "sinkhorn" { Method::Scaling } else { Method::Log };
        let cfg = SinkhornConfig { max_iter: 1_000_000, ..SinkhornConfig::new(case.eps) };
        let (rep, f, g) = solve(&x, &y, &cfg, method, 1e3);
        let rel = (rep.transport_cost / case.cost - 1.0).abs();
        let pot = potential_error(&f, &g, &case.f, &case.g);
        println!(
            "n {:4} eps {:5}: f64 {method:?} iters {} (POT {}) cost rel err {rel:.2e}, potentials {pot:.2e}, objective rel err {:.2e}",
            case.n,
            case.eps,
            rep.iterations,
            case.niter + 1,
            (rep.entropic_objective / case.objective - 1.0).abs()
        );
        assert_eq!(rep.iterations, case.niter + 1, "n {} eps {}", case.n, case.eps);
        assert!(rel <= 1e-9 && pot <= 1e-8, "n {} eps {}", case.n, case.eps);
    }
}
