//! Sinkhorn iteration cost (`ferrokern::ot`), f32, n = m = 1000 point clouds in 2-D
//! (squared-Euclidean cost normalised by its max, ε = 0.1):
//! - `kread2`: two streaming passes over an n×m f32 array (`Real::sum` twice) — the memory
//!   traffic one dense scaling iteration needs (Kv and Kᵀu each read K once); the bound.
//! - `scaling_dense` / `scaling_bf16`: `sinkhorn_scaling` with an f32 / bf16 kernel store,
//!   `iters` = 10 and 20 with no stopping check inside the run; the per-iteration time is
//!   (t(20) − t(10)) / 10, which cancels the kernel build and the final report.
//! - `log`: `sinkhorn_log` (streaming cost), same protocol.
//!
//! Figures: `benches/README-ot.md`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ferrokern::ot::{
    sinkhorn_log, sinkhorn_scaling, workspace_len, KernelStore, Metric, PointCloudCost, SinkhornConfig,
};
use ferrokern::rng::Pcg32;
use ferrokern::Real;
use ferrokern_simd::bf16;

const N: usize = 1000;

fn clouds() -> (Vec<f32>, Vec<f32>) {
    let mut rng = Pcg32::seed(7);
    let x = (0..2 * N).map(|_| rng.next_f32()).collect();
    let y = (0..2 * N).map(|_| rng.next_f32() + 0.5).collect();
    (x, y)
}

fn cfg(iters: usize) -> SinkhornConfig<f32> {
    // tol 0 and a check period beyond the run: exactly `iters` iterations, one check at 0.
    SinkhornConfig { max_iter: iters, tol: 0.0, check_every: 1_000_000, ..SinkhornConfig::new(0.1) }
}

fn bench(c: &mut Criterion) {
    let (x, y) = clouds();
    let cost =
        PointCloudCost::new(&x, &y, 2, Metric::SqEuclidean).and_then(|c| c.normalised_by_max()).unwrap();
    let a = vec![1.0 / N as f32; N];
    let (mut f, mut g) = (vec![0.0f32; N], vec![0.0f32; N]);
    let mut work = vec![0.0f32; workspace_len(N, N)];
    let mut k = vec![0.0f32; N * N];
    let mut kb = vec![bf16::from_f32(0.0); N * N];
    let mut group = c.benchmark_group("ot");
    group.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));

    let big: Vec<f32> = (0..N * N).map(|i| (i % 97) as f32 * 1e-3).collect();
    group.bench_function("kread2", |bch| bch.iter(|| black_box(f32::sum(&big)) + black_box(f32::sum(&big))));

    for iters in [10usize, 20] {
        group.bench_with_input(BenchmarkId::new("scaling_dense", iters), &iters, |bch, &it| {
            bch.iter(|| {
                sinkhorn_scaling(
                    &cost,
                    &a,
                    &a,
                    &cfg(it),
                    KernelStore::Dense(&mut k),
                    &mut f,
                    &mut g,
                    &mut work,
                )
                .unwrap()
            })
        });
        group.bench_with_input(BenchmarkId::new("scaling_bf16", iters), &iters, |bch, &it| {
            bch.iter(|| {
                sinkhorn_scaling(
                    &cost,
                    &a,
                    &a,
                    &cfg(it),
                    KernelStore::Bf16(&mut kb),
                    &mut f,
                    &mut g,
                    &mut work,
                )
                .unwrap()
            })
        });
        group.bench_with_input(BenchmarkId::new("log", iters), &iters, |bch, &it| {
            bch.iter(|| sinkhorn_log(&cost, &a, &a, &cfg(it), &mut f, &mut g, &mut work).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
