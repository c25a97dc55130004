//! ferrokern::ot: error cases, kernel stores, cost sources, plan application, and properties
//! (marginals of the returned plan, non-negativity, shift invariance, solver agreement,
//! f32 vs f64).

use ferrokern::ot::{
    apply_plan, apply_plan_t, newton_workspace_len, plan_into, sinkhorn_log, sinkhorn_newton_sparse,
    sinkhorn_scaling, sinkhorn_stabilized, workspace_len, CostSource, DenseCost, Fallback, KernelStore,
    Metric, PointCloudCost, SinkhornConfig, SparseEntry,
};
use ferrokern::Error;
use proptest::prelude::*;

fn small_problem() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    // 3 × 4, costs (i − j)² / 9.
    let c = (0..12).map(|k| ((k / 4) as f64 - (k % 4) as f64).powi(2) / 9.0).collect();
    (vec![0.2, 0.5, 0.3], vec![0.1, 0.4, 0.3, 0.2], c)
}

#[test]
fn input_errors_are_reported_and_outputs_untouched() {
    let (a, b, c) = small_problem();
    let cost = DenseCost::new(&c, 3, 4).unwrap();
    let cfg = SinkhornConfig::new(0.1);
    let mut work = vec![0.0; workspace_len(3, 4)];
    let (mut f, mut g) = (vec![7.0; 3], vec![7.0; 4]);
    let e = sinkhorn_log(&cost, &a[..2], &b, &cfg, &mut f, &mut g, &mut work).unwrap_err();
    assert!(matches!(e, Error::DimensionMismatch { what: "a", expected: 3, found: 2 }));
    let e = sinkhorn_log(&cost, &a, &b, &cfg, &mut f[..2], &mut g, &mut work).unwrap_err();
    assert!(matches!(e, Error::DimensionMismatch { what: "f", .. }));
    let bad = [0.2, f64::NAN, 0.3];
    assert!(matches!(
        sinkhorn_log(&cost, &bad, &b, &cfg, &mut f, &mut g, &mut work),
        Err(Error::NonFinite { what: "a", index: 1 })
    ));
    let zero = [0.5, 0.0, 0.5];
    assert!(matches!(
        sinkhorn_log(&cost, &zero, &b, &cfg, &mut f, &mut g, &mut work),
        Err(Error::InvalidParameter { .. })
    ));
    for eps in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let cfg = SinkhornConfig::new(eps);
        assert!(matches!(
            sinkhorn_log(&cost, &a, &b, &cfg, &mut f, &mut g, &mut work),
            Err(Error::InvalidParameter { name: "eps", .. })
        ));
    }
    let cfg0 = SinkhornConfig { check_every: 0, ..cfg };
    assert!(sinkhorn_log(&cost, &a, &b, &cfg0, &mut f, &mut g, &mut work).is_err());
    let e = sinkhorn_log(&cost, &a, &b, &cfg, &mut f, &mut g, &mut work[..10]).unwrap_err();
    assert_eq!(e, Error::WorkspaceTooSmall { needed: workspace_len(3, 4), given: 10 });
    let mut k = vec![0.0; 11];
    let e = sinkhorn_scaling(&cost, &a, &b, &cfg, KernelStore::Dense(&mut k), &mut f, &mut g, &mut work)
        .unwrap_err();
    assert!(matches!(e, Error::DimensionMismatch { what: "kernel buffer", expected: 12, found: 11 }));
    let e = sinkhorn_stabilized(&cost, &a, &b, &cfg, 0.5, KernelStore::OnTheFly, &mut f, &mut g, &mut work);
    assert!(matches!(e, Err(Error::InvalidParameter { name: "tau", .. })));
    assert!(f.iter().chain(&g).all(|&x| x == 7.0), "outputs must stay untouched on error");
    // Cost construction.
    assert!(matches!(DenseCost::new(&c[..11], 3, 4), Err(Error::DimensionMismatch { .. })));
    let mut cinf = c.clone();
    cinf[5] = f64::INFINITY;
    assert!(matches!(DenseCost::new(&cinf, 3, 4), Err(Error::NonFinite { what: "cost", index: 5 })));
    assert!(DenseCost::<f64>::new(&[], 0, 4).is_err());
    assert!(PointCloudCost::new(&[0.0, 1.0, 2.0], &[0.0, 1.0], 2, Metric::SqEuclidean).is_err());
    assert!(PointCloudCost::new(&[0.0, 1.0], &[0.0, 1.0], 0, Metric::SqEuclidean).is_err());
    // Sparse Newton without a sparse buffer.
    let mut nw = vec![0.0; newton_workspace_len(3, 4)];
    let ncfg = ferrokern::ot::NewtonConfig::new(0.1);
    assert!(sinkhorn_newton_sparse(&cost, &a, &b, &ncfg, &mut f, &mut g, &mut [], &mut nw).is_err());
}

/// Plain scaling in f32 at ε = 1e-3 on a unit-scale cost underflows (exp(−1000) = 0): the
/// solver must return an error (outputs untouched) — never NaN reported as success — and with
/// `Fallback::LogDomain` it must converge.
#[test]
fn underflow_is_an_error_or_falls_back() {
    let n = 40;
    let x: Vec<f32> = (0..n).map(|i| i as f32 / (n - 1) as f32).collect();
    let y: Vec<f32> = (0..n).map(|i| (i as f32 / (n - 1) as f32).powi(3)).collect();
    let cost = PointCloudCost::new(&x, &y, 1, Metric::SqEuclidean).unwrap().normalised_by_max().unwrap();
    let a = vec![1.0 / n as f32; n];
    let (mut f, mut g) = (vec![3.0f32; n], vec![3.0f32; n]);
    let mut work = vec![0.0f32; workspace_len(n, n)];
    let mut k = vec![0.0f32; n * n];
    let cfg = SinkhornConfig { tol: 1e-5, max_iter: 20_000, ..SinkhornConfig::new(1e-3f32) };
    let e = sinkhorn_scaling(&cost, &a, &a, &cfg, KernelStore::Dense(&mut k), &mut f, &mut g, &mut work);
    assert!(matches!(e, Err(Error::NumericalFailure { .. })), "{e:?}");
    assert!(f.iter().chain(&g).all(|&v| v == 3.0));
    let cfg = SinkhornConfig { on_underflow: Fallback::LogDomain, ..cfg };
    let rep =
        sinkhorn_scaling(&cost, &a, &a, &cfg, KernelStore::Dense(&mut k), &mut f, &mut g, &mut work).unwrap();
    assert!(rep.converged && rep.marginal_error <= 1e-5);
    assert!(f.iter().chain(&g).all(|v| v.is_finite()));
    // Same answer as the log domain from scratch.
    let (mut f2, mut g2) = (vec![0.0f32; n], vec![0.0f32; n]);
    let rep2 = sinkhorn_log(&cost, &a, &a, &cfg, &mut f2, &mut g2, &mut work).unwrap();
    assert!((rep.transport_cost / rep2.transport_cost - 1.0).abs() < 1e-4);
}

#[test]
fn not_converged_is_ok_with_flag_and_into_result_errs() {
    let (a, b, c) = small_problem();
    let cost = DenseCost::new(&c, 3, 4).unwrap();
    let cfg = SinkhornConfig { max_iter: 2, tol: 1e-15, ..SinkhornConfig::new(0.01) };
    let (mut f, mut g) = (vec![0.0; 3], vec![0.0; 4]);
    let mut work = vec![0.0; workspace_len(3, 4)];
    let rep = sinkhorn_log(&cost, &a, &b, &cfg, &mut f, &mut g, &mut work).unwrap();
    assert!(!rep.converged && rep.iterations == 2);
    assert!(matches!(rep.into_result(), Err(Error::NotConverged { iterations: 2, .. })));
}

/// τ below n: every iteration absorbs (after a reset `v ≈ n`). POT 0.9.7 never converges
/// then (its own n = 64 cloud, ε = 0.01, τ = 5: column error 0.125 after 3000 iterations, with
/// `ot.sinkhorn(method='sinkhorn_stabilized', tau=5)`) because it checks the error on the
/// freshly reset scalings; our check runs before the absorption.
#[test]
fn stabilized_with_tau_below_n_converges() {
    let n = 64;
    let mut rng = ferrokern::rng::Pcg32::new(3, 1);
    let (x, y): (Vec<f64>, Vec<f64>) =
        ((0..2 * n).map(|_| rng.next_f64()).collect(), (0..2 * n).map(|_| rng.next_f64()).collect());
    let cost = PointCloudCost::new(&x, &y, 2, Metric::SqEuclidean).unwrap().normalised_by_max().unwrap();
    let a = vec![1.0 / n as f64; n];
    let cfg = SinkhornConfig { check_every: 20, ..SinkhornConfig::new(0.01) };
    let mut work = vec![0.0; workspace_len(n, n)];
    let mut k = vec![0.0; n * n];
    let (mut f, mut g) = (vec![0.0; n], vec![0.0; n]);
    let plain =
        sinkhorn_scaling(&cost, &a, &a, &cfg, KernelStore::Dense(&mut k), &mut f, &mut g, &mut work).unwrap();
    let stab =
        sinkhorn_stabilized(&cost, &a, &a, &cfg, 1.5, KernelStore::Dense(&mut k), &mut f, &mut g, &mut work)
            .unwrap();
    println!(
        "plain {} iters cost {}, tau 1.5: {} iters cost {}",
        plain.iterations, plain.transport_cost, stab.iterations, stab.transport_cost
    );
    assert!(plain.converged && stab.converged && stab.marginal_error < 1e-9);
    assert!((stab.transport_cost / plain.transport_cost - 1.0).abs() < 1e-8);
}

fn transport_cost<C: CostSource<f32>>(
    cost: &C,
    a: &[f32],
    cfg: &SinkhornConfig<f32>,
    store: KernelStore<'_, f32>,
) -> f32 {
    let n = a.len();
    let (mut f, mut g) = (vec![0.0f32; n], vec![0.0f32; n]);
    let mut work = vec![0.0f32; workspace_len(n, n)];
    let rep = sinkhorn_scaling(cost, a, a, cfg, store, &mut f, &mut g, &mut work).unwrap();
    assert!(rep.converged);
    rep.transport_cost
}

/// Dense, on-the-fly and bf16 kernel stores; point clouds with a closure metric.
#[test]
fn kernel_stores_and_cost_sources_agree() {
    let n = 30;
    let x: Vec<f32> = (0..2 * n).map(|i| ((i * 37) % 101) as f32 / 101.0).collect();
    let y: Vec<f32> = (0..2 * n).map(|i| ((i * 53) % 97) as f32 / 97.0).collect();
    let sq = PointCloudCost::new(&x, &y, 2, Metric::SqEuclidean).unwrap();
    let closure = |p: &[f32], q: &[f32]| (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2);
    let custom = PointCloudCost::with_cost_fn(&x, &y, 2, closure).unwrap();
    let eu = PointCloudCost::new(&x, &y, 2, Metric::Euclidean).unwrap();
    for (i, j) in [(0, 0), (3, 7), (29, 11)] {
        assert!((sq.entry(i, j) - custom.entry(i, j)).abs() < 1e-7);
        assert!((eu.entry(i, j) - sq.entry(i, j).sqrt()).abs() < 1e-6);
    }
    let dense: Vec<f32> = (0..n * n).map(|k| sq.entry(k / n, k % n)).collect();
    let dcost = DenseCost::new(&dense, n, n).unwrap();
    let a = vec![1.0 / n as f32; n];
    let cfg = SinkhornConfig { tol: 1e-6, ..SinkhornConfig::new(0.05f32) };
    let mut k = vec![0.0f32; n * n];
    let reference = transport_cost(&dcost, &a, &cfg, KernelStore::Dense(&mut k));
    let fly = transport_cost(&sq, &a, &cfg, KernelStore::OnTheFly);
    let cust = transport_cost(&custom, &a, &cfg, KernelStore::OnTheFly);
    let mut kb = vec![ferrokern::ot::bf16::ZERO; n * n];
    let b16 = transport_cost(&sq, &a, &cfg, KernelStore::Bf16(&mut kb));
    assert!((fly / reference - 1.0).abs() < 1e-5, "{fly} {reference}");
    assert!((cust / reference - 1.0).abs() < 1e-5);
    // bf16 keeps 8 mantissa bits: the kernel is off by up to 2^-9 relative per entry; the
    // potentials adapt, so the cost moves by far less. Tolerance 1e-2 relative.
    assert!((b16 / reference - 1.0).abs() < 1e-2, "{b16} {reference}");
}

/// Spec §4 f32 tolerance: f32 and f64 solutions of the same problem agree to 1e-5 relative in
/// cost and 1e-5 in potentials (up to the additive constant) when ε ≥ max C/50.
#[test]
fn f32_matches_f64() {
    let n = 50;
    let x: Vec<f64> = (0..2 * n).map(|i| ((i * 37) % 101) as f64 / 101.0).collect();
    let y: Vec<f64> = (0..2 * n).map(|i| ((i * 53) % 97) as f64 / 97.0).collect();
    let (x32, y32): (Vec<f32>, Vec<f32>) =
        (x.iter().map(|&v| v as f32).collect(), y.iter().map(|&v| v as f32).collect());
    let c64 = PointCloudCost::new(&x, &y, 2, Metric::SqEuclidean).unwrap().normalised_by_max().unwrap();
    let c32 = PointCloudCost::new(&x32, &y32, 2, Metric::SqEuclidean).unwrap().normalised_by_max().unwrap();
    let (a64, a32) = (vec![1.0 / n as f64; n], vec![1.0 / n as f32; n]);
    let (mut f64v, mut g64v) = (vec![0.0; n], vec![0.0; n]);
    let (mut f32v, mut g32v) = (vec![0.0f32; n], vec![0.0f32; n]);
    let r64 = sinkhorn_log(
        &c64,
        &a64,
        &a64,
        &SinkhornConfig::new(0.05),
        &mut f64v,
        &mut g64v,
        &mut vec![0.0; workspace_len(n, n)],
    )
    .unwrap();
    let cfg32 = SinkhornConfig { tol: 1e-6, ..SinkhornConfig::new(0.05f32) };
    let r32 =
        sinkhorn_log(&c32, &a32, &a32, &cfg32, &mut f32v, &mut g32v, &mut vec![0.0f32; workspace_len(n, n)])
            .unwrap();
    assert!(r32.converged);
    assert!((f64::from(r32.transport_cost) / r64.transport_cost - 1.0).abs() < 1e-5);
    let k = (f32v[0] as f64) - f64v[0];
    for (p, q) in f32v.iter().zip(&f64v) {
        assert!((f64::from(*p) - q - k).abs() < 1e-5);
    }
    for (p, q) in g32v.iter().zip(&g64v) {
        assert!((f64::from(*p) - q + k).abs() < 1e-5);
    }
}

fn problem_strategy() -> impl Strategy<Value = (usize, usize, Vec<f64>, Vec<f64>, Vec<f64>, f64)> {
    (2usize..7, 2usize..7).prop_flat_map(|(n, m)| {
        (
            Just(n),
            Just(m),
            prop::collection::vec(0.05f64..1.0, n),
            prop::collection::vec(0.05f64..1.0, m),
            prop::collection::vec(0.0f64..1.0, n * m),
            0.05f64..1.0,
        )
    })
}

fn normalise(v: &[f64]) -> Vec<f64> {
    let s: f64 = v.iter().sum();
    v.iter().map(|x| x / s).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Converged ⇒ the plan's marginals match (rows exactly after the f-update, columns within
    /// tol), P ≥ 0, ⟨C,P⟩ matches the report, apply_plan(ᵀ) agree with the formed plan, the
    /// plan is invariant under f + k, g − k, and all solvers agree.
    #[test]
    fn plan_properties((n, m, a, b, c, eps) in problem_strategy()) {
        let (a, b) = (normalise(&a), normalise(&b));
        let cost = DenseCost::new(&c, n, m).unwrap();
        let cfg = SinkhornConfig { tol: 1e-11, max_iter: 100_000, ..SinkhornConfig::new(eps) };
        let (mut f, mut g) = (vec![0.0; n], vec![0.0; m]);
        let mut work = vec![0.0; workspace_len(n, m)];
        let rep = sinkhorn_log(&cost, &a, &b, &cfg, &mut f, &mut g, &mut work).unwrap();
        prop_assert!(rep.converged);
        let mut p = vec![0.0; n * m];
        plan_into(&cost, &f, &g, eps, &mut p, &mut vec![0.0; m]).unwrap();
        prop_assert!(p.iter().all(|&x| x >= 0.0));
        for (i, ai) in a.iter().enumerate() {
            let r: f64 = p[i * m..(i + 1) * m].iter().sum();
            prop_assert!((r - ai).abs() < 1e-12);
        }
        for (j, bj) in b.iter().enumerate() {
            let s: f64 = (0..n).map(|i| p[i * m + j]).sum();
            prop_assert!((s - bj).abs() < 1e-10);
        }
        let pc: f64 = p.iter().zip(&c).map(|(x, y)| x * y).sum();
        prop_assert!((pc - rep.transport_cost).abs() < 1e-12);
        let ent: f64 = p.iter().filter(|&&x| x > 0.0).map(|&x| x * x.ln()).sum();
        prop_assert!((pc + eps * ent - rep.entropic_objective).abs() < 1e-10);
        // P x and Pᵀ y without forming P.
        let xv: Vec<f64> = (0..m).map(|j| j as f64 - 1.5).collect();
        let yv: Vec<f64> = (0..n).map(|i| 0.5 * i as f64 + 1.0).collect();
        let (mut px, mut pty) = (vec![0.0; n], vec![0.0; m]);
        apply_plan(&cost, &f, &g, eps, &xv, &mut px, &mut vec![0.0; 2 * m]).unwrap();
        apply_plan_t(&cost, &f, &g, eps, &yv, &mut pty, &mut vec![0.0; 2 * m]).unwrap();
        for i in 0..n {
            let want: f64 = (0..m).map(|j| p[i * m + j] * xv[j]).sum();
            prop_assert!((px[i] - want).abs() < 1e-12);
        }
        for j in 0..m {
            let want: f64 = (0..n).map(|i| p[i * m + j] * yv[i]).sum();
            prop_assert!((pty[j] - want).abs() < 1e-12);
        }
        // Shift invariance of the potentials.
        let fs: Vec<f64> = f.iter().map(|x| x + 0.37).collect();
        let gs: Vec<f64> = g.iter().map(|x| x - 0.37).collect();
        let mut ps = vec![0.0; n * m];
        plan_into(&cost, &fs, &gs, eps, &mut ps, &mut vec![0.0; m]).unwrap();
        for (x, y) in p.iter().zip(&ps) {
            prop_assert!((x - y).abs() <= 1e-12 * x.max(1e-300) + 1e-300);
        }
        // Solver agreement.
        let mut k = vec![0.0; n * m];
        let (mut f2, mut g2) = (vec![0.0; n], vec![0.0; m]);
        let r2 = sinkhorn_scaling(&cost, &a, &b, &cfg, KernelStore::Dense(&mut k), &mut f2, &mut g2, &mut work).unwrap();
        let r3 = sinkhorn_stabilized(&cost, &a, &b, &cfg, 1e3, KernelStore::OnTheFly, &mut f2, &mut g2, &mut work).unwrap();
        let mut sparse = vec![SparseEntry::default(); n * m];
        let mut nw = vec![0.0; newton_workspace_len(n, m)];
        let r4 = sinkhorn_newton_sparse(&cost, &a, &b, &ferrokern::ot::NewtonConfig::new(eps), &mut f2, &mut g2, &mut sparse, &mut nw).unwrap();
        prop_assert!(r4.converged);
        for other in [r2.transport_cost, r3.transport_cost, r4.transport_cost] {
            prop_assert!((other - rep.transport_cost).abs() < 1e-9);
        }
    }
}

/// Counts cost rows read (n rows = one O(n·m) pass over the cost).
struct CountedRows<C> {
    inner: C,
    rows: std::cell::Cell<usize>,
}

impl<T: ferrokern::Real, C: CostSource<T>> CostSource<T> for CountedRows<C> {
    fn n(&self) -> usize {
        self.inner.n()
    }
    fn m(&self) -> usize {
        self.inner.m()
    }
    fn row<'s>(&'s self, i: usize, buf: &'s mut [T]) -> &'s [T] {
        self.rows.set(self.rows.get() + 1);
        self.inner.row(i, buf)
    }
    fn entry(&self, i: usize, j: usize) -> T {
        self.inner.entry(i, j)
    }
}

/// The log-domain loop after its first iteration makes two passes over the cost per iteration
/// (one shifted exp-sum per half-iteration) and still agrees with a run that is checked every
/// iteration; a tiny ε from a cold start (large early changes of the potentials) may fall back
/// to max-shifted passes in a few early iterations but ends at the same potentials.
fn log_passes<T: ferrokern::Real>(eps: f64, iters: usize) -> f64 {
    let n = 200;
    let mut rng = ferrokern::rng::Pcg32::seed(5);
    let x: Vec<T> = (0..2 * n).map(|_| T::from_f64(rng.next_f64())).collect();
    let y: Vec<T> = (0..2 * n).map(|_| T::from_f64(rng.next_f64())).collect();
    let cost = PointCloudCost::new(&x, &y, 2, Metric::SqEuclidean).unwrap().normalised_by_max().unwrap();
    let cost = CountedRows { inner: cost, rows: std::cell::Cell::new(0) };
    let a = vec![T::from_f64(1.0 / n as f64); n];
    let (mut f, mut g) = (vec![T::ZERO; n], vec![T::ZERO; n]);
    let mut work = vec![T::ZERO; workspace_len(n, n)];
    let cfg = SinkhornConfig {
        max_iter: iters,
        tol: T::ZERO,
        check_every: 1_000_000,
        ..SinkhornConfig::new(T::from_f64(eps))
    };
    let _ = sinkhorn_log(&cost, &a, &a, &cfg, &mut f, &mut g, &mut work).unwrap();
    cost.rows.get() as f64 / n as f64
}

#[test]
fn log_domain_is_two_passes_per_iteration() {
    for eps in [0.05, 0.01, 0.002] {
        let d64 = (log_passes::<f64>(eps, 40) - log_passes::<f64>(eps, 20)) / 20.0;
        let d32 = (log_passes::<f32>(eps, 40) - log_passes::<f32>(eps, 20)) / 20.0;
        let first = log_passes::<f64>(eps, 2) - log_passes::<f64>(eps, 1);
        println!("eps {eps}: passes/iteration f64 {d64}, f32 {d32}; second iteration {first}");
        assert_eq!(d64, 2.0, "eps {eps} f64");
        assert_eq!(d32, 2.0, "eps {eps} f32");
    }
}
/// Spec §6's grid problem in f32 down to ε = 2e-4 from a cold start: the early iterations
/// change the potentials by many ε, so some shifted column sums fall below the floor and the
/// pass is repeated once with a corrected shift (3 passes), never more; later iterations are
/// 2 passes. (f64, with its wider exponent range, needs no repeat here; the POT parity of
/// these runs is checked in `ot_spec.rs`.)
#[test]
fn log_domain_passes_at_small_eps() {
    const N: usize = 100;
    let gauss = |mean: f64, sd: f64| -> Vec<f64> {
        let h: Vec<f64> = (0..N).map(|i| (-((i as f64 - mean).powi(2)) / (2.0 * sd * sd)).exp()).collect();
        let s: f64 = h.iter().sum();
        h.iter().map(|x| x / s).collect()
    };
    let c: Vec<f64> =
        (0..N * N).map(|k| ((k / N) as f64 - (k % N) as f64).powi(2) / (99.0f64 * 99.0)).collect();
    let (a, b) = (gauss(20.0, 5.0), gauss(60.0, 10.0));
    let c: Vec<f32> = c.iter().map(|&x| x as f32).collect();
    let a: Vec<f32> = a.iter().map(|&x| (x as f32).max(1e-30)).collect();
    let b: Vec<f32> = b.iter().map(|&x| (x as f32).max(1e-30)).collect();
    for eps in [0.1, 0.01, 0.005, 1e-3, 2e-4] {
        let cost = CountedRows { inner: DenseCost::new(&c, N, N).unwrap(), rows: std::cell::Cell::new(0) };
        let mut v = vec![];
        for k in 1..40 {
            let (mut f, mut g) = (vec![0.0; N], vec![0.0; N]);
            let mut work = vec![0.0; workspace_len(N, N)];
            let cfg = SinkhornConfig {
                max_iter: k,
                tol: 0.0,
                check_every: 1_000_000,
                ..SinkhornConfig::new(eps as f32)
            };
            cost.rows.set(0);
            let _ = sinkhorn_log(&cost, &a, &b, &cfg, &mut f, &mut g, &mut work).unwrap();
            v.push(cost.rows.get() / N);
        }
        let d: Vec<usize> = v.windows(2).map(|w| w[1] - w[0]).collect();
        println!("eps {eps}: passes per iteration {d:?}");
        assert!(d.iter().all(|&p| p == 2 || p == 3), "eps {eps}: {d:?}");
        assert_eq!(d.last(), Some(&2), "eps {eps}");
    }
}

/// The bf16 store at a size where the solver runs the fused bf16 sweep (n·m ≥ 4·10⁶, see
/// `BF16_SWEEP_MIN` in `core/src/ot/kernel.rs`; the smaller test above runs the two bf16
/// products): n = m = 2048 uniform random 2-D points, squared-Euclidean cost / max, ε = 0.05,
/// against the dense f32 kernel. Rounding K to bf16 changes each entry by ≤ 2⁻⁹ relative, the
/// same as changing C by ≤ ε·2⁻⁹ ≈ 1e-4 (absolute, C ≤ 1), which moves the dual potentials by at
/// most that much up to their additive constant (the dual is 1-Lipschitz in ‖C‖∞) and the cost
/// by a comparable amount: tolerances 2·ε·2⁻⁹ in the potentials, 1e-3 relative in the cost.
#[test]
fn bf16_store_at_fused_sweep_size_matches_dense() {
    let n = 2048;
    let mut rng = ferrokern::rng::Pcg32::seed(11);
    let pts: Vec<f32> = (0..4 * n).map(|_| rng.next_f64() as f32).collect();
    let (x, y) = pts.split_at(2 * n);
    let cost = PointCloudCost::new(x, y, 2, Metric::SqEuclidean).unwrap().normalised_by_max().unwrap();
    let a = vec![1.0 / n as f32; n];
    let eps = 0.05f32;
    let cfg = SinkhornConfig { tol: 1e-6, ..SinkhornConfig::new(eps) };
    let solve = |store: KernelStore<'_, f32>| {
        let (mut f, mut g) = (vec![0.0f32; n], vec![0.0f32; n]);
        let mut work = vec![0.0f32; workspace_len(n, n)];
        let rep = sinkhorn_scaling(&cost, &a, &a, &cfg, store, &mut f, &mut g, &mut work).unwrap();
        assert!(rep.converged && rep.marginal_error <= 2.0 * cfg.tol, "{rep:?}");
        (rep, f, g)
    };
    let mut k = vec![0.0f32; n * n];
    let (dense, fd, gd) = solve(KernelStore::Dense(&mut k));
    let mut kb = vec![ferrokern::ot::bf16::ZERO; n * n];
    let (b16, fb, gb) = solve(KernelStore::Bf16(&mut kb));
    let rel = (b16.transport_cost / dense.transport_cost - 1.0).abs();
    println!("dense {} iters, bf16 {} iters, cost rel diff {rel:e}", dense.iterations, b16.iterations);
    assert!(rel < 1e-3, "{} {}", b16.transport_cost, dense.transport_cost);
    // Potentials up to the constant: compare f + c and g − c with c fixing f's mean.
    let shift = (fb.iter().zip(&fd).map(|(p, q)| (p - q) as f64).sum::<f64>() / n as f64) as f32;
    let tol = 2.0 * eps * (2.0f32).powi(-9);
    let df = fb.iter().zip(&fd).map(|(p, q)| (p - shift - q).abs()).fold(0.0f32, f32::max);
    let dg = gb.iter().zip(&gd).map(|(p, q)| (p + shift - q).abs()).fold(0.0f32, f32::max);
    println!("potential differences f {df:e} g {dg:e} (tolerance {tol:e})");
    assert!(df < tol && dg < tol);
}

/// Solver outcome as bits: iterations, convergence, cost, objective, error, `f`, `g`.
fn outcome_bits<T: ferrokern::Real>(rep: &ferrokern::ot::SinkhornReport<T>, f: &[T], g: &[T]) -> Vec<u64> {
    let head = [rep.iterations as u64, rep.converged as u64];
    let nums = [rep.transport_cost, rep.entropic_objective, rep.marginal_error];
    head.into_iter().chain(nums.iter().chain(f).chain(g).map(|x| x.to_f64().to_bits())).collect()
}

/// The row-aligned kernel layout (a buffer of `aligned_kernel_len` elements, at any start
/// address) gives the same bits as the packed one for the plain, stabilised and ε-scaling
/// solvers, f32 and f64, dense and bf16 stores, on shapes whose `m` is not a multiple of the
/// 64-byte row (the layout only moves rows in memory; every product reads the same entries).
#[test]
fn aligned_kernel_layout_changes_no_bits() {
    use ferrokern::ot::{aligned_kernel_len, bf16, sinkhorn_eps_scaling, EpsScalingConfig};
    fn run<T: ferrokern::Real>(n: usize, m: usize, which: usize, store: KernelStore<'_, T>) -> Vec<u64> {
        let mut rng = ferrokern::rng::Pcg32::seed(5);
        let pts: Vec<T> = (0..2 * (n + m)).map(|_| T::from_f64(rng.next_f64())).collect();
        let (x, y) = pts.split_at(2 * n);
        let cost = PointCloudCost::new(x, y, 2, Metric::SqEuclidean).unwrap().normalised_by_max().unwrap();
        let (a, b) = (vec![T::ONE / T::from_f64(n as f64); n], vec![T::ONE / T::from_f64(m as f64); m]);
        let cfg = SinkhornConfig {
            tol: T::from_f64(1e-5),
            max_iter: 300,
            ..SinkhornConfig::new(T::from_f64(0.02))
        };
        let (mut f, mut g) = (vec![T::ZERO; n], vec![T::ZERO; m]);
        let mut work = vec![T::ZERO; workspace_len(n, m)];
        let rep = match which {
            0 => sinkhorn_scaling(&cost, &a, &b, &cfg, store, &mut f, &mut g, &mut work),
            1 => {
                sinkhorn_stabilized(&cost, &a, &b, &cfg, T::from_f64(50.0), store, &mut f, &mut g, &mut work)
            }
            _ => {
                let sched = EpsScalingConfig { eps0: T::ONE, ..EpsScalingConfig::default() };
                sinkhorn_eps_scaling(&cost, &a, &b, &cfg, &sched, store, &mut f, &mut g, &mut work)
            }
        }
        .unwrap();
        outcome_bits(&rep, &f, &g)
    }
    fn check<T: ferrokern::Real>() {
        for (n, m) in [(37, 29), (64, 64), (20, 1001), (9, 3)] {
            for which in 0..3 {
                let packed = run::<T>(n, m, which, KernelStore::Dense(&mut vec![T::ZERO; n * m]));
                let packed16 = run::<T>(n, m, which, KernelStore::Bf16(&mut vec![bf16::ZERO; n * m]));
                for shift in [0, 1, 3, 7] {
                    let mut big = vec![T::ZERO; aligned_kernel_len::<T>(n, m) + shift];
                    let got = run::<T>(n, m, which, KernelStore::Dense(&mut big[shift..]));
                    assert_eq!(got, packed, "{} {n}x{m} solver {which} shift {shift}", T::NAME);
                    let mut big16 = vec![bf16::ZERO; aligned_kernel_len::<bf16>(n, m) + shift];
                    let got16 = run::<T>(n, m, which, KernelStore::Bf16(&mut big16[shift..]));
                    assert_eq!(got16, packed16, "{} bf16 {n}x{m} solver {which} shift {shift}", T::NAME);
                }
                // Longer than n·m but too short for the aligned layout: packed from the start.
                let got = run::<T>(n, m, which, KernelStore::Dense(&mut vec![T::ZERO; n * m + 3]));
                assert_eq!(got, packed, "{} {n}x{m} solver {which} n·m + 3", T::NAME);
            }
        }
    }
    check::<f32>();
    check::<f64>();
}
