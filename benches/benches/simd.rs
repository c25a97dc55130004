//! `ferrokern-simd` kernels, scalar against every SIMD path this CPU has, plus a
//! streaming-read bandwidth figure taken in the same run (see benches/README.md).
//!
//! Run: `cargo bench -p ferrokern-benches --bench simd` (about two minutes).

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferrokern_simd::{available_levels, bf16, f16, Kernels};
use std::time::Duration;

const SIZES: [usize; 3] = [64, 1024, 4096];
/// Floats read by the out-of-cache streaming bench (256 MiB, far above any L3 here).
const STREAM_LEN: usize = 64 << 20;

fn data(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        })
        .collect()
}

fn configure() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
}

fn levels() -> Vec<&'static Kernels> {
    available_levels().filter_map(Kernels::for_level).collect()
}

fn dot(c: &mut Criterion) {
    let mut g = c.benchmark_group("dot");
    for n in SIZES {
        let (a, b) = (data(n, 1), data(n, 2));
        g.throughput(Throughput::Bytes((2 * n * 4) as u64));
        for k in levels() {
            g.bench_with_input(BenchmarkId::new(k.level.name(), n), &n, |bch, _| {
                bch.iter(|| (k.dot)(black_box(&a), black_box(&b)))
            });
        }
    }
    g.finish();
}

fn gemv(c: &mut Criterion) {
    let mut g = c.benchmark_group("gemv_f32");
    for n in SIZES {
        let (a, x) = (data(n * n, 3), data(n, 4));
        let mut y = vec![0.0f32; n];
        g.throughput(Throughput::Bytes((n * n * 4) as u64));
        for k in levels() {
            g.bench_with_input(BenchmarkId::new(k.level.name(), n), &n, |bch, &n| {
                bch.iter(|| (k.gemv)(n, n, 1.0, black_box(&a), n, black_box(&x), 0.0, &mut y))
            });
        }
    }
    g.finish();
}

fn gemv_lowp(c: &mut Criterion) {
    let mut g = c.benchmark_group("gemv_f16");
    for n in SIZES {
        let a: Vec<f16> = data(n * n, 5).into_iter().map(f16::from_f32).collect();
        let x = data(n, 6);
        let mut y = vec![0.0f32; n];
        g.throughput(Throughput::Bytes((n * n * 2) as u64));
        for k in levels() {
            g.bench_with_input(BenchmarkId::new(k.level.name(), n), &n, |bch, &n| {
                bch.iter(|| (k.gemv_f16)(n, n, 1.0, black_box(&a), n, black_box(&x), 0.0, &mut y))
            });
        }
    }
    g.finish();
    let mut g = c.benchmark_group("gemv_bf16");
    for n in SIZES {
        let a: Vec<bf16> = data(n * n, 7).into_iter().map(bf16::from_f32).collect();
        let x = data(n, 8);
        let mut y = vec![0.0f32; n];
        g.throughput(Throughput::Bytes((n * n * 2) as u64));
        for k in levels() {
            g.bench_with_input(BenchmarkId::new(k.level.name(), n), &n, |bch, &n| {
                bch.iter(|| (k.gemv_bf16)(n, n, 1.0, black_box(&a), n, black_box(&x), 0.0, &mut y))
            });
        }
    }
    g.finish();
}

/// Read-only bandwidth with the best path's `sum`: over the 1024² and 4096² matrix sizes
/// (the gemv working sets) and over 256 MiB (DRAM).
fn stream(c: &mut Criterion) {
    let best = levels().pop().expect("scalar is always available");
    let mut g = c.benchmark_group("stream_read");
    for (name, len) in [("1024sq", 1024 * 1024), ("4096sq", 4096 * 4096), ("256MiB", STREAM_LEN)] {
        let buf = data(len, 9);
        g.throughput(Throughput::Bytes((len * 4) as u64));
        g.bench_function(BenchmarkId::new(best.level.name(), name), |bch| {
            bch.iter(|| (best.sum)(black_box(&buf)))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = configure();
    targets = dot, gemv, gemv_lowp, stream
}
criterion_main!(benches);
