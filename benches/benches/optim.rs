//! Optimizer `step` throughput (`ferrokern::optim`): diffGrad with f32 and bf16 moments, Adam
//! f32, at n = 1e3, 1e5, 1e6, 1e7 parameters, next to a plain in-place reference loop that
//! reads 5 and writes 4 f32 arrays of the same length (the memory traffic of diffGrad's fused
//! pass), measured in the same run. Bytes counted per parameter: diffGrad f32 40 (the
//! gradient scan 4 + fused pass 20 read + 16 written), bf16 moments 28, Adam f32 32, reference
//! 36. Figures and the PyTorch comparison: `benches/README-optim.md`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferrokern::optim::{Adam, AdamConfig, DiffGrad, DiffGradConfig, Optimizer};
use ferrokern_simd::bf16;

const SIZES: [usize; 4] = [1_000, 100_000, 1_000_000, 10_000_000];

/// Deterministic, well-scaled data (no RNG dependency): values in [−1, 1).
fn fill(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s as f32 / u32::MAX as f32) * 2.0 - 1.0
        })
        .collect()
}

/// Reference: reads p, g, a, b, c and writes p, a, b, c (5 reads, 4 writes per element), a
/// plain loop with a few multiply-adds, so it runs at memory speed.
fn reference(p: &mut [f32], g: &[f32], a: &mut [f32], b: &mut [f32], c: &mut [f32]) {
    for ((((p, &g), a), b), c) in p.iter_mut().zip(g).zip(a.iter_mut()).zip(b.iter_mut()).zip(c.iter_mut()) {
        let na = 0.9 * *a + 0.1 * g;
        let nb = 0.999 * *b + 0.001 * g * g;
        *a = na;
        *b = nb;
        *c = g;
        *p -= 1e-3 * na * nb;
    }
}

fn bench_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("optim_step");
    group.warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    for n in SIZES {
        // Few samples at large n: one step at 1e7 moves 400 MB.
        group.sample_size(if n >= 1_000_000 { 10 } else { 30 });
        let g = fill(n, 1).iter().map(|v| v * 1e-2).collect::<Vec<f32>>();
        let mut p = fill(n, 2);

        group.throughput(Throughput::Bytes(40 * n as u64));
        let mut opt = DiffGrad::new(DiffGradConfig::default());
        let mut state = vec![0.0f32; DiffGrad::state_len(n)];
        group.bench_function(BenchmarkId::new("diffgrad_f32", n), |bch| {
            bch.iter(|| opt.step(black_box(&mut p), black_box(&g), &mut state))
        });
        drop(state);

        group.throughput(Throughput::Bytes(28 * n as u64));
        let mut opt = DiffGrad::new(DiffGradConfig::default());
        let mut state = vec![bf16::ZERO; DiffGrad::state_len(n)];
        group.bench_function(BenchmarkId::new("diffgrad_bf16_moments", n), |bch| {
            bch.iter(|| opt.step(black_box(&mut p), black_box(&g), &mut state))
        });
        drop(state);

        group.throughput(Throughput::Bytes(32 * n as u64));
        let mut opt = Adam::new(AdamConfig::default());
        let mut state = vec![0.0f32; Adam::state_len(n)];
        group.bench_function(BenchmarkId::new("adam_f32", n), |bch| {
            bch.iter(|| opt.step(black_box(&mut p), black_box(&g), &mut state))
        });
        drop(state);

        group.throughput(Throughput::Bytes(36 * n as u64));
        let (mut a, mut b, mut cc) = (vec![0.0f32; n], vec![0.0f32; n], vec![0.0f32; n]);
        group.bench_function(BenchmarkId::new("reference_5r4w", n), |bch| {
            bch.iter(|| reference(black_box(&mut p), black_box(&g), &mut a, &mut b, &mut cc))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_step);
criterion_main!(benches);
