//! The Sinkhorn demo (spec `sinkhorn.md`, issue #5): point-cloud matching with n = m = 128 in
//! streaming mode — the cost is evaluated on the fly from the two clouds ([`PointCloudCost`]), so
//! no n×m buffer exists. f32, squared-Euclidean cost, log-domain Sinkhorn at ε = 0.05.

use core::fmt::Write;

use embedded_hal::delay::DelayNs;
use ferrokern::ot::{sinkhorn_log, workspace_len, Metric, PointCloudCost, SinkhornConfig};
use ferrokern::rng::Pcg32;

use crate::{DemoError, HexOut, Summary};

/// Points per cloud.
const N: usize = 128;
/// Coordinates per point.
const D: usize = 2;
/// Entropic regularisation (cost units; the cost is ≲ 8 on these clouds).
const EPS: f32 = 0.05;

/// Generates two clouds on the device (PCG32, seed 5): `x` uniform in [0, 1)², `y` the same
/// grid shifted by (0.5, 0.25) with a different draw, then matches them with `sinkhorn_log` and
/// prints the potentials' bit patterns and the report. Memory: the clouds (2·128·2 f32), the
/// potentials and `workspace_len(128, 128)` = 1408 f32 of workspace (`cargo xtask firmware`
/// measured a 10 244 B stack high-water mark, 30 328 B flash);
/// no heap, no n×m buffer. `delay` is unused between stages but kept for the common signature.
pub fn sinkhorn<W: Write>(out: &mut W, delay: &mut impl DelayNs) -> Result<Summary, DemoError> {
    let mut p = HexOut::new(out);
    let mut rng = Pcg32::seed(5);
    let mut x = [0.0f32; N * D];
    let mut y = [0.0f32; N * D];
    for v in x.iter_mut() {
        *v = rng.next_f32();
    }
    for (k, v) in y.iter_mut().enumerate() {
        *v = rng.next_f32() + if k % 2 == 0 { 0.5 } else { 0.25 };
    }
    delay.delay_us(10);
    let cost = PointCloudCost::new(&x, &y, D, Metric::SqEuclidean)?;
    let a = [1.0 / N as f32; N];
    let (mut f, mut g) = ([0.0f32; N], [0.0f32; N]);
    let mut work = [0.0f32; workspace_len(N, N)];
    let cfg = SinkhornConfig { tol: 1e-6, max_iter: 500, ..SinkhornConfig::new(EPS) };
    let rep = sinkhorn_log(&cost, &a, &a, &cfg, &mut f, &mut g, &mut work)?;
    p.note(format_args!("n = m = {N}, d = {D}, eps = {EPS}, streaming cost, log domain"))?;
    p.slice("f", &f)?;
    p.slice("g", &g)?;
    p.scalar("transport_cost", rep.transport_cost)?;
    p.scalar("entropic_objective", rep.entropic_objective)?;
    p.scalar("marginal_error", rep.marginal_error)?;
    p.scalar("iterations", rep.iterations as f32)?;
    p.scalar("converged", if rep.converged { 1.0 } else { 0.0 })?;
    Ok(p.finish()?)
}
