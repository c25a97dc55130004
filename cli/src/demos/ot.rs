//! Tour demo: entropic optimal transport (spec `sinkhorn.md`). Two seeded 2-D clouds (a
//! Gaussian blob and a noisy ring, Pcg32), squared-Euclidean cost normalised by its maximum,
//! log-domain Sinkhorn in f64 and f32. Checks: f64 converges with column error < 1e-8, the
//! written plan's row sums match `a` within 1e-8, and f32's transport cost is within 1e-4 of
//! f64's. Draws both clouds and each source point's strongest link into a PNG.

use ferrokern::rng::Pcg32;
use serde_json::json;

use super::{Demo, DemoOutput, DemoSettings};
use crate::cmd::sinkhorn::{solve, Method, Problem, Settings, Solution};
use crate::error::Result;
use crate::output::{Progress, Stopwatch};
use crate::plot::{scatter_segments, Segment};
use ferrokern::ot::{Fallback, Metric};

/// The registry entry.
pub const DEMO: Demo = Demo {
    name: "ot",
    description: "Sinkhorn (log domain) between a blob and a ring; plan links drawn to a PNG",
    run,
};

/// Seeded clouds: `n` points of a blob at the origin and `m` of a ring of radius 3 at (4, 0).
fn clouds(n: usize, m: usize) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Pcg32::new(20261129, 5);
    let x: Vec<f64> = (0..2 * n).map(|_| 0.8 * rng.normal()).collect();
    let mut y = Vec::with_capacity(2 * m);
    for _ in 0..m {
        let t = rng.next_f64() * std::f64::consts::TAU;
        let r = 3.0 + 0.2 * rng.normal();
        y.push(4.0 + r * t.cos());
        y.push(r * t.sin());
    }
    (x, y)
}

fn run(settings: &DemoSettings, progress: &Progress) -> Result<DemoOutput> {
    let (n, m) = if settings.quick { (150, 120) } else { (400, 300) };
    let eps = 0.01;
    let (x, y) = clouds(n, m);
    let problem = Problem {
        x: x.clone(),
        y: y.clone(),
        d: 2,
        a: vec![1.0 / n as f64; n],
        b: vec![1.0 / m as f64; m],
        cost_matrix: None,
        metric: Metric::SqEuclidean,
        normalize: true,
    };
    let base = Settings {
        eps,
        method: Method::Log,
        tol: 1e-9,
        max_iter: 10_000,
        check_every: 10,
        fallback: Fallback::Error,
        want_plan: true,
    };
    progress.set_length(2);
    let mut sw = Stopwatch::new();
    progress.step("f64");
    let s64: Solution = sw.time(|| solve::<f64>(&problem, &base))?;
    progress.step("f32");
    let s32 = sw.time(|| solve::<f32>(&problem, &Settings { tol: 1e-6, want_plan: false, ..base }))?;

    let plan = s64.plan.clone().unwrap_or_default();
    let row_err = plan
        .chunks(m)
        .zip(&problem.a)
        .map(|(r, &ai)| (r.iter().sum::<f64>() - ai).abs())
        .fold(0.0_f64, f64::max);
    let cost_gap = (s32.transport_cost - s64.transport_cost).abs();
    let ok = s64.converged && s64.marginal_error < 1e-8 && row_err < 1e-8 && cost_gap < 1e-4;

    // Each source point's strongest link, opacity = entry / largest entry.
    let pmax = plan.iter().copied().fold(0.0_f64, f64::max).max(f64::MIN_POSITIVE);
    let segments: Vec<Segment> = plan
        .chunks(m)
        .enumerate()
        .filter_map(|(i, row)| {
            let (j, &p) = row.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?;
            Some(Segment {
                from: (x[2 * i], x[2 * i + 1]),
                to: (y[2 * j], y[2 * j + 1]),
                weight: 0.25 + 0.75 * p / pmax,
            })
        })
        .collect();
    let points: Vec<(f64, f64, usize)> =
        x.chunks(2).map(|p| (p[0], p[1], 0)).chain(y.chunks(2).map(|p| (p[0], p[1], 1))).collect();
    let png = std::env::temp_dir().join("ferrokern-tour-ot.png");
    scatter_segments(&points, &segments, 640, 420).save(&png)?;

    let lines = vec![
        format!(
            "blob (n={n}) -> ring (m={m}), sqeuclidean/max, eps={eps}, log domain: transport cost {:.8} \
             (f64, {} iterations, column error {:.2e}){}",
            s64.transport_cost,
            s64.iterations,
            s64.marginal_error,
            if ok { "" } else { "  FAILED" }
        ),
        format!(
            "f32: transport cost {:.8} ({} iterations, column error {:.2e}), |f32 - f64| = {cost_gap:.1e}",
            s32.transport_cost, s32.iterations, s32.marginal_error
        ),
        format!("plan row sums vs a: max error {row_err:.1e}; strongest links drawn: {}", png.display()),
    ];
    Ok(DemoOutput {
        seconds: sw.seconds(),
        ok,
        json: json!({
            "n": n, "m": m, "eps": eps,
            "transport_cost": s64.transport_cost,
            "iterations": s64.iterations,
            "marginal_error": s64.marginal_error,
            "transport_cost_f32": s32.transport_cost,
            "iterations_f32": s32.iterations,
            "plan_row_error": row_err,
            "png": png.display().to_string(),
        }),
        lines,
    })
}
