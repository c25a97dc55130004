//! Per-iteration time of the scaling solver loops at n = m = 1000 (random 2-D clouds,
//! squared-Euclidean cost / max, ε = 0.05, f32): `KernelStore::Dense`, `Bf16` and `OnTheFly`,
//! with the read bounds `kread1` / `kread2` (one / two `sum` passes over the solver's f32 K),
//! timed in alternation round after round (the same load for all), medians printed.
//!
//! Per iteration = (t(110) − t(10))/100 for the stored kernels and (t(12) − t(2))/10 for the
//! streaming one (tol 0, one check at iteration 0): the kernel build, the first `Kᵀu` and the
//! final report cancel. Only the public API is used, so this file also builds against an older
//! `ferrokern` (copy it into a checkout of that commit): the before/after figures of
//! `benches/README-ot.md` (session 7) come from the two binaries run alternately.
//!
//! `cargo bench -p ferrokern-benches --bench ot_loops` (`OT_LOOPS_ROUNDS=k`, default 30).

use std::hint::black_box;
use std::time::Instant;

use ferrokern::ot::{sinkhorn_scaling, workspace_len, KernelStore, Metric, PointCloudCost, SinkhornConfig};
use ferrokern::rng::Pcg32;
use ferrokern::Real;
use ferrokern_simd::bf16;

const N: usize = 1000;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn fixed_iters(iters: usize) -> SinkhornConfig<f32> {
    SinkhornConfig { max_iter: iters, tol: 0.0, check_every: 1_000_000, ..SinkhornConfig::new(0.05) }
}

fn main() {
    let rounds = std::env::var("OT_LOOPS_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(30usize);
    let mut rng = Pcg32::seed(7);
    let pts: Vec<f32> = (0..4 * N).map(|_| rng.next_f64() as f32).collect();
    let (x, y) = pts.split_at(2 * N);
    let cost = PointCloudCost::new(x, y, 2, Metric::SqEuclidean).and_then(|c| c.normalised_by_max()).unwrap();
    let a = vec![1.0 / N as f32; N];
    let (mut f, mut g) = (vec![0.0f32; N], vec![0.0f32; N]);
    let mut work = vec![0.0f32; workspace_len(N, N)];
    // K 16 bytes past a 64-byte boundary, where glibc puts a fresh large block: `vec!` may
    // reuse memory at another offset, and the f32 loop is 1.1–1.2× faster when no row load
    // splits (README-ot.md, session 8), which would make before/after runs incomparable.
    let mut k_mem = vec![0.0f32; N * N + 16];
    let start = ((64 - k_mem.as_ptr().addr() % 64) % 64 + 16) / 4;
    let k = &mut k_mem[start..start + N * N];
    let mut kb = vec![bf16::from_f32(0.0); N * N];
    // kinds: (store, iterations): dense 10/110, bf16 10/110, streaming 2/12; then kread1, kread2
    // (10 calls per timing).
    let runs: [(usize, usize); 6] = [(0, 10), (0, 110), (1, 10), (1, 110), (2, 2), (2, 12)];
    let mut t = vec![Vec::with_capacity(rounds); runs.len() + 2];
    let mut once = |kind: usize, k: &mut [f32], kb: &mut [bf16]| {
        if kind >= runs.len() {
            let passes = kind - runs.len() + 1;
            for _ in 0..10 {
                for _ in 0..passes {
                    black_box(f32::sum(black_box(k)));
                }
            }
            return;
        }
        let (store, iters) = runs[kind];
        let store = match store {
            0 => KernelStore::Dense(k),
            1 => KernelStore::Bf16(kb),
            _ => KernelStore::OnTheFly,
        };
        let rep = sinkhorn_scaling(&cost, &a, &a, &fixed_iters(iters), store, &mut f, &mut g, &mut work);
        black_box(rep.unwrap().iterations);
    };
    for _ in 0..rounds {
        for (kind, tk) in t.iter_mut().enumerate() {
            once(kind, k, &mut kb); // untimed: the caches hold this run's own data
            let t0 = Instant::now();
            once(kind, k, &mut kb);
            tk.push(t0.elapsed().as_secs_f64());
        }
    }
    let mid: Vec<f64> = t.iter().map(|tk| median(tk.clone())).collect();
    let dense = (mid[1] - mid[0]) * 1e4;
    let bf = (mid[3] - mid[2]) * 1e4;
    let stream = (mid[5] - mid[4]) * 1e5;
    let (read1, read2) = (mid[6] * 1e5, mid[7] * 1e5);
    println!(
        "ot_loops n = {N}, eps = 0.05, {rounds} rounds (medians): dense f32 {dense:.1} µs/iteration \
         ({:.3}× kread1 {read1:.1} µs, {:.3}× kread2 {read2:.1} µs), bf16 {bf:.1} µs/iteration \
         (bf16 {:.3}× faster than f32), streaming {stream:.0} µs/iteration (n² / that time: {:.3e} entries/s)",
        dense / read1,
        dense / read2,
        dense / bf,
        (N * N) as f64 / (stream * 1e-6)
    );
}
