//! ot family: Sinkhorn in the log domain and by scaling (dense 4 × 4 cost).
#![cfg_attr(target_os = "none", no_std, no_main)]

use core::hint::black_box;

use ferrokern::ot::{sinkhorn_log, sinkhorn_scaling, workspace_len, DenseCost, KernelStore, SinkhornConfig};

fw_minimal::minimal_main!(run);

const N: usize = 4;

fn run() -> bool {
    body().is_ok()
}

fn body() -> ferrokern::Result<()> {
    let mut c = [0.0f32; N * N];
    for (k, v) in c.iter_mut().enumerate() {
        let (i, j) = ((k / N) as f32, (k % N) as f32);
        *v = black_box(1.0) * (i - j) * (i - j);
    }
    let cost = DenseCost::new(&c, N, N)?;
    let a = black_box([0.25f32; N]);
    let cfg = SinkhornConfig { tol: 1e-6, max_iter: 200, ..SinkhornConfig::new(black_box(0.5f32)) };
    let (mut f, mut g) = ([0.0f32; N], [0.0f32; N]);
    let mut work = [0.0f32; workspace_len(N, N)];
    let log = sinkhorn_log(&cost, &a, &a, &cfg, &mut f, &mut g, &mut work)?;
    black_box(&log);
    let mut k = [0.0f32; N * N];
    let scaling =
        sinkhorn_scaling(&cost, &a, &a, &cfg, KernelStore::Dense(&mut k), &mut f, &mut g, &mut work)?;
    black_box(&scaling);
    black_box((&f, &g));
    Ok(())
}
