//! Sinkhorn costs (`ferrokern::ot`), n = m = 1000 random 2-D point clouds, squared-Euclidean
//! cost normalised by its max (figures and protocol: `benches/README-ot.md`).
//!
//! One dense scaling iteration is one `K v` (gemv) and one `Kᵀ u` (gemv_t) over the n×m
//! kernel — since session 7 formed in one pass over K (`sweep`: each four-row block used for its
//! dot products and, still in L1, for its share of `Kᵀu`) — so it is measured directly, without
//! the kernel build:
//! - `kread2`: two streaming passes over the 4 MB f32 kernel (`sum` twice) — the bound of the
//!   two-product iteration; `kread1`: one pass — the bound of the sweep;
//! - `ksweep_f32`, `ksweep_bf16`: `sweep` / `sweep_bf16` (`K v`, the division, `Kᵀu`), what
//!   `KernelStore::Dense` / `Bf16` do per iteration now; `ksweep_{f32,bf16}_l2`: the same on
//!   the first 96 rows (K in L2: the loop's own speed, without the L3 reads);
//!   `ksweep_{f32,bf16}_{64,256}`: on the top-left 64 × 64 and 256 × 256 blocks (the per-call
//!   costs of small problems);
//! - `kmatvec_f32`: `gemv` + `gemv_t` (blocked, four rows per pass over the output);
//! - `kmatvec_f32_rowaxpy`: `gemv` + the former `gemv_t` (one `axpy` per row), same data;
//! - `kmatvec_bf16`: `gemv_bf16` + `gemv_t_bf16` (rows widened in registers) — what
//!   `KernelStore::Bf16` does per iteration; `kmatvec_bf16_widen_rows`: the former path (each
//!   row widened into a buffer, then `axpy`);
//! - `kread2_3000`, `kmatvec_f32_3000`, `kmatvec_bf16_3000`: the same at n = m = 3000 (f32 K
//!   36 MB, beyond the 32 MB L3; bf16 K 18 MB), built only when one of them is selected;
//! - `iter_{dense,bf16,log,stream}/k`: whole solver runs of k = 10 and 110 iterations (2 and
//!   12 for log and stream; ε = 0.05, log at ε = 0.01, `iter_log_eps0.05` at ε = 0.05,
//!   `iter_{dense,bf16}_eps0.01` at ε = 0.01; tol 0, one check at iteration 0);
//!   (t(110) − t(10))/100 is the per-iteration time of the solver loop, with the kernel build
//!   and final report cancelled over 100 iterations;
//! - `sns_vs_log`: f64, ε = 1e-3, n = m = 200 clouds, time to ‖∇F‖₁ ≤ 1e-9 for
//!   Sinkhorn-Newton-Sparse and for log-domain Sinkhorn (L1 column rule, the row marginal being
//!   exact after each iteration); the number of O(nm) passes each needed is counted through a
//!   cost wrapper (rows evaluated / n) and printed once;
//! - `solve_stream_10k` (only with `OT_BENCH_10K=1`): one timed n = m = 10 000 streaming solve
//!   (`KernelStore::OnTheFly`), ε = 0.05, f32, tol 1e-6 (L2 column), printed, with the kernel
//!   evaluations counted (cost rows evaluated × m);
//! - the before/after driver of the solver loops (dense f32, bf16, streaming) is a bench of
//!   its own, `ot_loops.rs` (public API only, so it also builds against an older `ferrokern`);
//! - `interleaved` (only with `OT_BENCH_INTERLEAVED=1`): the read bounds, the f32 and the bf16
//!   products and sweeps (n = 1000 and 3000) and the dense f32 / bf16 solver loops (n = 1000, ε = 0.05
//!   and 0.01; the packed f32 K 16 bytes past a 64-byte boundary, and both kernels again in
//!   `aligned_kernel_len` buffers) timed in alternation, round after round, medians printed: on a shared machine
//!   the load changes between criterion's consecutive 2-second windows, so its ratios move by
//!   ±30 %; alternating the kernels within each round exposes them to the same load. A core
//!   gauge timed in the same rounds (`core_gauge`) splits the rounds by whether the core's
//!   execution units were shared, which moves the bf16 (core-bound) figures but not the f32 ones.

use std::cell::Cell;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ferrokern::ot::{
    aligned_kernel_len, newton_workspace_len, sinkhorn_log, sinkhorn_newton_sparse, sinkhorn_scaling,
    workspace_len, CostSource, KernelStore, Metric, NewtonConfig, PointCloudCost, SinkhornConfig,
    SparseEntry, StopRule,
};
use ferrokern::rng::Pcg32;
use ferrokern::Real;
use ferrokern_simd::bf16;

const N: usize = 1000;

fn clouds<T: Real>(n: usize, seed: u64) -> (Vec<T>, Vec<T>) {
    let mut rng = Pcg32::seed(seed);
    let x = (0..2 * n).map(|_| T::from_f64(rng.next_f64())).collect();
    let y = (0..2 * n).map(|_| T::from_f64(rng.next_f64())).collect();
    (x, y)
}

fn fixed_iters(eps: f32, iters: usize) -> SinkhornConfig<f32> {
    // tol 0 and a check period beyond the run: exactly `iters` iterations, one check at 0.
    SinkhornConfig { max_iter: iters, tol: 0.0, check_every: 1_000_000, ..SinkhornConfig::new(eps) }
}

/// Counts cost rows evaluated (n rows = one O(nm) pass).
struct Counted<C> {
    inner: C,
    rows: Cell<usize>,
}

impl<T: Real, C: CostSource<T>> CostSource<T> for Counted<C> {
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

/// The `n × n` kernel `exp(−C/0.05)` of the seed-7 clouds in f32 and in bf16.
fn kernels(n: usize) -> (Vec<f32>, Vec<bf16>) {
    let (x, y) = clouds::<f32>(n, 7);
    let cost =
        PointCloudCost::new(&x, &y, 2, Metric::SqEuclidean).and_then(|c| c.normalised_by_max()).unwrap();
    let mut buf = vec![0.0f32; n];
    let k: Vec<f32> = (0..n)
        .flat_map(|i| cost.row(i, &mut buf).iter().map(|&c| (-c / 0.05).exp()).collect::<Vec<_>>())
        .collect();
    let kb = k.iter().map(|&v| bf16::from_f32(v)).collect();
    (k, kb)
}

/// The read bound: two `sum` passes over `k` (reading K twice, as one scaling iteration does).
fn kread2(k: &[f32]) -> f32 {
    black_box(f32::sum(black_box(k))) + black_box(f32::sum(black_box(k)))
}

/// The read bound of one pass: one `sum` over `k`.
fn kread1(k: &[f32]) -> f32 {
    black_box(f32::sum(black_box(k)))
}

/// Scratch of [`ksweep_f32`] / [`ksweep_bf16`]: `r` (the row marginal), `kv`, `u` (n each).
struct SweepBufs {
    r: Vec<f32>,
    kv: Vec<f32>,
    u: Vec<f32>,
}

impl SweepBufs {
    fn new(n: usize) -> Self {
        Self { r: vec![1.0 / n as f32; n], kv: vec![0.0; n], u: vec![0.0; n] }
    }
}

/// Rows of the in-cache sweeps `ksweep_{f32,bf16}_l2`: 96 × 1000 f32 is 375 KB, inside the
/// 512 KB L2 of the recorded machine (bf16 half that), so their time × (N / 96) is the
/// per-iteration time the n = 1000 sweep would take if reading K cost nothing beyond L2.
const L2_ROWS: usize = 96;

/// The top-left `m × n` block (and row stride) of the kernel a sweep bench reads.
type Block = (usize, usize, usize);

/// One scaling iteration in one pass over the top-left `m × n` block of f32 `k` (row stride
/// `lda`): `kv = K x`, `u = r ⊘ kv`, `y = Kᵀu`.
fn ksweep_f32((m, n, lda): Block, k: &[f32], x: &[f32], s: &mut SweepBufs, y: &mut [f32]) -> f32 {
    let y = &mut y[..n];
    ferrokern_simd::sweep(m, n, k, lda, &x[..n], &s.r[..m], &mut s.kv[..m], &mut s.u[..m], y);
    black_box(y[0])
}

/// [`ksweep_f32`] with `k` stored in bf16.
fn ksweep_bf16((m, n, lda): Block, k: &[bf16], x: &[f32], s: &mut SweepBufs, y: &mut [f32]) -> f32 {
    let y = &mut y[..n];
    ferrokern_simd::sweep_bf16(m, n, k, lda, &x[..n], &s.r[..m], &mut s.kv[..m], &mut s.u[..m], y);
    black_box(y[0])
}

/// One scaling iteration's products with f32 `k` (n × n): `y = Kᵀu`, then `z = K y`.
fn kmatvec_f32(n: usize, k: &[f32], u: &[f32], y: &mut [f32], z: &mut [f32]) -> f32 {
    ferrokern_simd::gemv_t(n, n, 1.0, k, n, u, 0.0, y);
    ferrokern_simd::gemv(n, n, 1.0, k, n, y, 0.0, z);
    black_box(z[0])
}

/// [`kmatvec_f32`] with `k` stored in bf16.
fn kmatvec_bf16(n: usize, k: &[bf16], u: &[f32], y: &mut [f32], z: &mut [f32]) -> f32 {
    ferrokern_simd::gemv_t_bf16(n, n, 1.0, k, n, u, 0.0, y);
    ferrokern_simd::gemv_bf16(n, n, 1.0, k, n, y, 0.0, z);
    black_box(z[0])
}

fn kernel_products(c: &mut Criterion) {
    let (k, kb) = kernels(N);
    let u = vec![1.0f32 / N as f32; N];
    let (mut kv, mut ktu, mut row) = (vec![0.0f32; N], vec![0.0f32; N], vec![0.0f32; N]);
    let mut group = c.benchmark_group("ot");
    group.sample_size(20).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));
    group.bench_function("kread2", |bch| bch.iter(|| kread2(&k)));
    group.bench_function("kread1", |bch| bch.iter(|| kread1(&k)));
    let mut sb = SweepBufs::new(N);
    group.bench_function("ksweep_f32", |bch| bch.iter(|| ksweep_f32((N, N, N), &k, &u, &mut sb, &mut ktu)));
    group
        .bench_function("ksweep_bf16", |bch| bch.iter(|| ksweep_bf16((N, N, N), &kb, &u, &mut sb, &mut ktu)));
    for (m, n) in [(L2_ROWS, N), (64, 64), (256, 256)] {
        let tag = if n == N { "_l2".to_string() } else { format!("_{n}") };
        group.bench_function(format!("ksweep_f32{tag}"), |bch| {
            bch.iter(|| ksweep_f32((m, n, N), &k, &u, &mut sb, &mut ktu))
        });
        group.bench_function(format!("ksweep_bf16{tag}"), |bch| {
            bch.iter(|| ksweep_bf16((m, n, N), &kb, &u, &mut sb, &mut ktu))
        });
    }
    group.bench_function("kmatvec_f32", |bch| bch.iter(|| kmatvec_f32(N, &k, &u, &mut ktu, &mut kv)));
    group.bench_function("kmatvec_f32_rowaxpy", |bch| {
        bch.iter(|| {
            ktu.fill(0.0);
            for (r, &ui) in k.chunks_exact(N).zip(&u) {
                ferrokern_simd::axpy(ui, r, &mut ktu);
            }
            ferrokern_simd::gemv(N, N, 1.0, &k, N, &ktu, 0.0, &mut kv);
            black_box(kv[0])
        })
    });
    group.bench_function("kmatvec_bf16", |bch| bch.iter(|| kmatvec_bf16(N, &kb, &u, &mut ktu, &mut kv)));
    group.bench_function("kmatvec_bf16_widen_rows", |bch| {
        bch.iter(|| {
            ktu.fill(0.0);
            for (r, &ui) in kb.chunks_exact(N).zip(&u) {
                ferrokern_simd::bf16_to_f32(r, &mut row);
                ferrokern_simd::axpy(ui, &row, &mut ktu);
            }
            ferrokern_simd::gemv_bf16(N, N, 1.0, &kb, N, &ktu, 0.0, &mut kv);
            black_box(kv[0])
        })
    });
    let mut e = vec![0.0f32; N * N];
    group.bench_function("exp_1e6", |bch| {
        bch.iter(|| {
            e.copy_from_slice(&k);
            f32::exp_slice(&mut e);
            black_box(e[0])
        })
    });
    // n = 3000: criterion runs a closure only when its id is selected, so the 54 MB of
    // kernels are built on first use.
    const M: usize = 3000;
    let big = std::cell::OnceCell::new();
    let (u3, mut y3, mut z3) = (vec![1.0f32 / M as f32; M], vec![0.0f32; M], vec![0.0f32; M]);
    group.bench_function("kread2_3000", |bch| {
        let (k, _) = big.get_or_init(|| kernels(M));
        bch.iter(|| kread2(k))
    });
    group.bench_function("kmatvec_f32_3000", |bch| {
        let (k, _) = big.get_or_init(|| kernels(M));
        bch.iter(|| kmatvec_f32(M, k, &u3, &mut y3, &mut z3))
    });
    group.bench_function("kmatvec_bf16_3000", |bch| {
        let (_, kb) = big.get_or_init(|| kernels(M));
        bch.iter(|| kmatvec_bf16(M, kb, &u3, &mut y3, &mut z3))
    });
    group.finish();
}

/// The dense solver loops' buffers at n = m = N: uniform marginal, potentials, workspace, and
/// the kernel matrix in f32 and in bf16, packed (`n·m`, as `vec!` places it) and with the
/// rows on 64-byte boundaries (`aligned_kernel_len`).
struct DenseBufs {
    a: Vec<f32>,
    f: Vec<f32>,
    g: Vec<f32>,
    work: Vec<f32>,
    k: Vec<f32>,
    kb: Vec<bf16>,
    ka: Vec<f32>,
    kba: Vec<bf16>,
}

/// The `N·N` elements of `v` that start `bytes` past a 64-byte boundary (`v` holds 16 more).
fn packed_at(v: &mut [f32], bytes: usize) -> &mut [f32] {
    let start = ((64 - v.as_ptr().addr() % 64) % 64 + bytes) / 4;
    &mut v[start..start + N * N]
}

fn dense_bufs() -> DenseBufs {
    DenseBufs {
        a: vec![1.0 / N as f32; N],
        f: vec![0.0; N],
        g: vec![0.0; N],
        work: vec![0.0; workspace_len(N, N)],
        k: vec![0.0; N * N],
        kb: vec![bf16::from_f32(0.0); N * N],
        ka: vec![0.0; aligned_kernel_len::<f32>(N, N)],
        kba: vec![bf16::from_f32(0.0); aligned_kernel_len::<bf16>(N, N)],
    }
}

fn solver_iterations(c: &mut Criterion) {
    let (x, y) = clouds::<f32>(N, 7);
    let cost =
        PointCloudCost::new(&x, &y, 2, Metric::SqEuclidean).and_then(|c| c.normalised_by_max()).unwrap();
    let DenseBufs { a, mut f, mut g, mut work, mut k, mut kb, .. } = dense_bufs();
    let mut group = c.benchmark_group("ot");
    group.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(3));
    for (eps, suffix) in [(0.05, ""), (0.01, "_eps0.01")] {
        for iters in [10usize, 110] {
            let cfg = fixed_iters(eps, iters);
            for (name, bf16_k) in [("iter_dense", false), ("iter_bf16", true)] {
                group.bench_with_input(
                    BenchmarkId::new(format!("{name}{suffix}"), iters),
                    &cfg,
                    |bch, cfg| {
                        bch.iter(|| {
                            let store =
                                if bf16_k { KernelStore::Bf16(&mut kb) } else { KernelStore::Dense(&mut k) };
                            sinkhorn_scaling(&cost, &a, &a, cfg, store, &mut f, &mut g, &mut work).unwrap()
                        })
                    },
                );
            }
        }
    }
    for iters in [2usize, 12] {
        let cfg = fixed_iters(0.01, iters);
        group.bench_with_input(BenchmarkId::new("iter_log", iters), &cfg, |bch, cfg| {
            bch.iter(|| sinkhorn_log(&cost, &a, &a, cfg, &mut f, &mut g, &mut work).unwrap())
        });
        let cfg = fixed_iters(0.05, iters);
        group.bench_with_input(BenchmarkId::new("iter_log_eps0.05", iters), &cfg, |bch, cfg| {
            bch.iter(|| sinkhorn_log(&cost, &a, &a, cfg, &mut f, &mut g, &mut work).unwrap())
        });
        let cfg = fixed_iters(0.05, iters);
        group.bench_with_input(BenchmarkId::new("iter_stream", iters), &cfg, |bch, cfg| {
            bch.iter(|| {
                sinkhorn_scaling(&cost, &a, &a, cfg, KernelStore::OnTheFly, &mut f, &mut g, &mut work)
                    .unwrap()
            })
        });
    }
    group.finish();
}

fn sns_vs_log(c: &mut Criterion) {
    const M: usize = 200;
    let (eps, tol) = (1e-3, 1e-9);
    let (x, y) = clouds::<f64>(M, 11);
    let base =
        PointCloudCost::new(&x, &y, 2, Metric::SqEuclidean).and_then(|c| c.normalised_by_max()).unwrap();
    let cost = Counted { inner: base, rows: Cell::new(0) };
    let a = vec![1.0 / M as f64; M];
    let (mut f, mut g) = (vec![0.0; M], vec![0.0; M]);
    let mut sparse = vec![SparseEntry::default(); M * M];
    let mut nwork = vec![0.0; newton_workspace_len(M, M)];
    let mut work = vec![0.0; workspace_len(M, M)];
    let ncfg = NewtonConfig { tol, max_newton: 200, ..NewtonConfig::new(eps) };
    let lcfg = SinkhornConfig {
        tol,
        max_iter: 1_000_000,
        check_every: 10,
        stop_rule: StopRule::L1Column,
        ..SinkhornConfig::new(eps)
    };
    let sns =
        |cost: &Counted<_>, f: &mut [f64], g: &mut [f64], sparse: &mut [SparseEntry<f64>], w: &mut [f64]| {
            sinkhorn_newton_sparse(cost, &a, &a, &ncfg, f, g, sparse, w).unwrap()
        };
    let rep = sns(&cost, &mut f, &mut g, &mut sparse, &mut nwork);
    let sns_passes = cost.rows.replace(0) as f64 / M as f64;
    let lrep = sinkhorn_log(&cost, &a, &a, &lcfg, &mut f, &mut g, &mut work).unwrap();
    let log_passes = cost.rows.replace(0) as f64 / M as f64;
    println!(
        "sns_vs_log n = {M}, eps {eps}: SNS {} warm-up + {} Newton steps (cg {}), |grad|_1 {:.2e}, {sns_passes} passes; \
         log {} iterations, L1 column error {:.2e}, {log_passes} passes; passes ratio {:.1}",
        rep.warmup_iterations,
        rep.newton_iterations,
        rep.cg_iterations,
        rep.grad_norm1,
        lrep.iterations,
        lrep.marginal_error,
        log_passes / sns_passes
    );
    assert!(rep.converged && lrep.converged);
    let mut group = c.benchmark_group("ot");
    group.sample_size(10).warm_up_time(Duration::from_millis(100)).measurement_time(Duration::from_secs(3));
    group.bench_function("sns_vs_log/sns", |bch| {
        bch.iter(|| sns(&cost, &mut f, &mut g, &mut sparse, &mut nwork))
    });
    group.bench_function("sns_vs_log/log", |bch| {
        bch.iter(|| sinkhorn_log(&cost, &a, &a, &lcfg, &mut f, &mut g, &mut work).unwrap())
    });
    group.finish();
}

/// One timed solve (criterion's ≥ 10 samples of a many-second solve would take minutes on the
/// shared machine): printed, not a criterion figure.
fn stream_10k(_c: &mut Criterion) {
    if std::env::var("OT_BENCH_10K").as_deref() != Ok("1") {
        return;
    }
    const M: usize = 10_000;
    let (x, y) = clouds::<f32>(M, 13);
    let base =
        PointCloudCost::new(&x, &y, 2, Metric::SqEuclidean).and_then(|c| c.normalised_by_max()).unwrap();
    let cost = Counted { inner: base, rows: Cell::new(0) };
    let a = vec![1.0 / M as f32; M];
    let (mut f, mut g) = (vec![0.0f32; M], vec![0.0f32; M]);
    let mut work = vec![0.0f32; workspace_len(M, M)];
    let cfg = SinkhornConfig { tol: 1e-6, max_iter: 10_000, ..SinkhornConfig::new(0.05f32) };
    let t0 = std::time::Instant::now();
    let rep =
        sinkhorn_scaling(&cost, &a, &a, &cfg, KernelStore::OnTheFly, &mut f, &mut g, &mut work).unwrap();
    let secs = t0.elapsed().as_secs_f64();
    // Kernel evaluations: cost rows evaluated (products, checks, the final report) × M.
    let passes = cost.rows.get() as f64 / M as f64;
    println!(
        "solve_stream_10k: {secs:.2} s, {} iterations, converged {}, error {:.2e}, {passes} passes over the kernel, \
         ≈ {:.3e} kernel evaluations/s",
        rep.iterations,
        rep.converged,
        rep.marginal_error,
        passes * (M * M) as f64 / secs
    );
}

/// Median of `samples` (sorted in place).
fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Runs `run(0)`, …, `run(kinds − 1)` in turn, `rounds` times (each `reps + 1` times in a
/// row, the first call untimed so that the cached data is that run's own, as in criterion's
/// loop); returns, per kind, the median seconds per call of every round.
fn alternate(rounds: usize, reps: usize, kinds: usize, mut run: impl FnMut(usize)) -> Vec<Vec<f64>> {
    let mut t = vec![Vec::with_capacity(rounds); kinds];
    let mut round = vec![0.0; reps];
    for _ in 0..rounds {
        for (kind, tk) in t.iter_mut().enumerate() {
            run(kind);
            for s in round.iter_mut() {
                let t0 = std::time::Instant::now();
                run(kind);
                *s = t0.elapsed().as_secs_f64();
            }
            tk.push(median(&mut round));
        }
    }
    t
}

/// The core gauge: the bf16 products over an L1-resident 64 × 64 block, repeated to the
/// element count of the n = 1000 products. It reads nothing from L2 or beyond, so it slows
/// down only when the core's execution units are shared — on the VM of `benches/README-ot.md`
/// the two vCPUs are at times hyperthreads of one host core (then an FMA loop on the other
/// vCPU makes the gauge 1.6–1.8× slower). The bf16 products are core-bound, the f32 ones bandwidth-bound, so
/// their ratio depends on that sharing.
fn core_gauge(kb: &[bf16], u: &[f32], y: &mut [f32], z: &mut [f32]) {
    const B: usize = 64;
    for _ in 0..N * N / (B * B) {
        kmatvec_bf16(B, &kb[..B * B], &u[..B], &mut y[..B], &mut z[..B]);
    }
}

/// Median of `per_round(r)` over the rounds whose gauge time is within 15 % of the fastest
/// (core not shared) and over the others: `(median, count)` for each set.
fn split_by_gauge(gauge: &[f64], per_round: impl Fn(usize) -> f64) -> [(f64, usize); 2] {
    let best = gauge.iter().copied().fold(f64::INFINITY, f64::min);
    let mut sets = [Vec::new(), Vec::new()];
    for (r, &t) in gauge.iter().enumerate() {
        sets[usize::from(t > 1.15 * best)].push(per_round(r));
    }
    sets.map(|mut v| (if v.is_empty() { f64::NAN } else { median(&mut v) }, v.len()))
}

/// Same-load ratios (printed, not criterion figures); see the file header.
fn interleaved(_c: &mut Criterion) {
    if std::env::var("OT_BENCH_INTERLEAVED").as_deref() != Ok("1") {
        return;
    }
    let gauge_k = kernels(64).1;
    let (mut gy, mut gz) = (vec![0.0f32; 64], vec![0.0f32; 64]);
    let gu = vec![1.0f32 / 64.0; 64];
    let mut gauge = || core_gauge(&gauge_k, &gu, &mut gy, &mut gz);
    for (n, rounds) in [(N, 200), (3000, 20)] {
        let (k, kb) = kernels(n);
        let u = vec![1.0f32 / n as f32; n];
        let (mut y, mut z) = (vec![0.0f32; n], vec![0.0f32; n]);
        let mut sb = SweepBufs::new(n);
        let t = alternate(rounds, 3, 7, |kind| match kind {
            0 => {
                kread2(&k);
            }
            1 => {
                kmatvec_f32(n, &k, &u, &mut y, &mut z);
            }
            2 => {
                kmatvec_bf16(n, &kb, &u, &mut y, &mut z);
            }
            3 => gauge(),
            4 => {
                kread1(&k);
            }
            5 => {
                ksweep_f32((n, n, n), &k, &u, &mut sb, &mut y);
            }
            _ => {
                ksweep_bf16((n, n, n), &kb, &u, &mut sb, &mut y);
            }
        });
        let us: Vec<f64> = t.iter().map(|tk| median(&mut tk.clone()) * 1e6).collect();
        let [(quiet, nq), (shared, ns)] = split_by_gauge(&t[3], |r| t[1][r] / t[2][r]);
        let [(squiet, _), (sshared, _)] = split_by_gauge(&t[3], |r| t[5][r] / t[6][r]);
        println!(
            "interleaved n = {n}: kread2 {:.1} µs, kmatvec_f32 {:.1} µs ({:.3}× kread2), kmatvec_bf16 {:.1} µs; \
             bf16 {:.3}× faster than f32 ({rounds} rounds × 3, medians); core gauge {:.1} µs: bf16 {quiet:.3}× faster \
             in the {nq} rounds with the core not shared, {shared:.3}× in the other {ns}",
            us[0],
            us[1],
            us[1] / us[0],
            us[2],
            us[1] / us[2],
            us[3]
        );
        println!(
            "interleaved n = {n}, one pass: kread1 {:.1} µs, ksweep_f32 {:.1} µs ({:.3}× kread1, {:.3}× faster than \
             kmatvec_f32), ksweep_bf16 {:.1} µs ({:.3}× faster than kmatvec_bf16); sweeps: bf16 {:.3}× faster than f32 \
             ({squiet:.3}× with the core not shared, {sshared:.3}× in the other rounds)",
            us[4],
            us[5],
            us[5] / us[4],
            us[1] / us[5],
            us[6],
            us[2] / us[6],
            us[5] / us[6]
        );
    }
    let (x, y) = clouds::<f32>(N, 7);
    let cost =
        PointCloudCost::new(&x, &y, 2, Metric::SqEuclidean).and_then(|c| c.normalised_by_max()).unwrap();
    let DenseBufs { a, mut f, mut g, mut work, mut kb, mut ka, mut kba, .. } = dense_bufs();
    // The packed f32 kernel exactly 16 bytes past a 64-byte boundary, where glibc puts a fresh
    // large block (`vec!` here may land anywhere once freed blocks are reused).
    let mut k16 = vec![0.0f32; N * N + 16];
    let k = packed_at(&mut k16, 16);
    for eps in [0.05f32, 0.01] {
        let cfgs = [fixed_iters(eps, 10), fixed_iters(eps, 110)];
        // kinds: dense 10, dense 110, bf16 10, bf16 110 iterations, the read bounds (two and
        // one `sum` passes over the solver's own f32 K, 10 calls to a timing), the core gauge,
        // then dense and bf16 10 / 110 with the row-aligned kernel buffers.
        let t = alternate(40, 1, 11, |kind| {
            if kind == 4 || kind == 6 {
                for _ in 0..10 {
                    if kind == 4 {
                        kread2(k);
                    } else {
                        kread1(k);
                    }
                }
                return;
            }
            if kind == 5 {
                return gauge();
            }
            let store = match kind {
                0 | 1 => KernelStore::Dense(&mut *k),
                2 | 3 => KernelStore::Bf16(&mut kb),
                7 | 8 => KernelStore::Dense(&mut ka),
                _ => KernelStore::Bf16(&mut kba),
            };
            let rep = sinkhorn_scaling(
                &cost,
                &a,
                &a,
                &cfgs[if kind >= 7 { (kind - 7) % 2 } else { kind % 2 }],
                store,
                &mut f,
                &mut g,
                &mut work,
            );
            black_box(rep.unwrap().iterations);
        });
        let mid = |kind: usize| median(&mut t[kind].clone());
        let (dense, bf, read2, read1) =
            ((mid(1) - mid(0)) * 1e4, (mid(3) - mid(2)) * 1e4, mid(4) * 1e5, mid(6) * 1e5);
        let [(quiet, nq), (shared, ns)] =
            split_by_gauge(&t[5], |r| (t[1][r] - t[0][r]) / (t[3][r] - t[2][r]));
        println!(
            "interleaved solver loops n = {N}, eps = {eps}: dense f32 {dense:.1} µs/iteration ({:.3}× kread2 {read2:.1} µs, \
             {:.3}× kread1 {read1:.1} µs), \
             bf16 {bf:.1} µs/iteration, bf16 {:.3}× faster ((t(110) − t(10))/100 of medians, 40 rounds); \
             per round: bf16 {quiet:.3}× faster in the {nq} rounds with the core not shared, {shared:.3}× in the other {ns}",
            dense / read2,
            dense / read1,
            dense / bf
        );
        let (dense_a, bf_a) = ((mid(8) - mid(7)) * 1e4, (mid(10) - mid(9)) * 1e4);
        println!(
            "  row-aligned kernel buffers: dense f32 {dense_a:.1} µs/iteration ({:.3}× faster than packed, whose \
             f32 K starts 16 bytes past a 64-byte boundary), bf16 {bf_a:.1} µs/iteration ({:.3}× faster than \
             packed); bf16 {:.3}× faster than f32",
            dense / dense_a,
            bf / bf_a,
            dense_a / bf_a
        );
    }
}

criterion_group!(benches, kernel_products, solver_iterations, sns_vs_log, stream_10k, interleaved);
criterion_main!(benches);
