//! Tour demo: the linear-algebra kernels on the bundled digits images (1797 × 64, pixels/16),
//! active SIMD path against the scalar path: agreement (and both against an f64 reference
//! computed through `ferrokern::linalg`) and throughput.

use std::path::Path;
use std::time::Instant;

use ferrokern::linalg::{MatMut, MatRef, Trans};
use ferrokern::rng::Pcg32;
use ferrokern_simd::{Kernels, Level};
use serde_json::{json, Value};

use super::{Demo, DemoOutput, DemoSettings};
use crate::data::{parse_csv, Supervised};
use crate::error::{CliError, Result};
use crate::output::{Progress, Stopwatch};

/// The registry entry.
pub const DEMO: Demo = Demo {
    name: "linalg",
    description: "dot, gemv, gemvᵀ, Gram gemm and row softmax on the digits images: SIMD vs scalar",
    run,
};

/// Largest accepted `max |simd − scalar| / max |scalar|` (and error against f64) per operation.
/// f32 sums of up to 1797 terms in a different order differ by a few ulps of the largest
/// partial sum; 1e-4 leaves a wide margin while catching a wrong kernel.
pub const TOLERANCE: f64 = 1e-4;

const DIGITS: &str = include_str!("../../../host-tests/data/digits.csv");

/// Digits pixels scaled to [0, 1], row-major `rows × cols`.
struct Images {
    x32: Vec<f32>,
    x64: Vec<f64>,
    rows: usize,
    cols: usize,
}

fn load_images() -> Result<Images> {
    let table = parse_csv(DIGITS, Path::new("bundled digits.csv"))?;
    let s = Supervised::from_table(&table)?;
    let x64: Vec<f64> = s.x.iter().map(|v| v / 16.0).collect();
    Ok(Images { x32: x64.iter().map(|&v| v as f32).collect(), x64, rows: s.rows, cols: s.features })
}

/// Runs an operation on one path's kernel table and returns its output.
type RunFn<'a> = Box<dyn Fn(&Kernels) -> Vec<f32> + 'a>;

/// One measured operation: its name, work per call, and how to run it on a kernel table.
struct Op<'a> {
    name: String,
    /// Floating-point operations per call (None: report bytes instead).
    flops: Option<f64>,
    /// Bytes read + written per call (used when `flops` is None).
    bytes: f64,
    run: RunFn<'a>,
    reference: Vec<f64>,
}

fn kerr(what: &'static str) -> impl Fn(ferrokern::Error) -> CliError {
    move |e| CliError::kernel(&format!("linalg demo, {what}"), e)
}

fn ops(im: &Images) -> Result<Vec<Op<'_>>> {
    let (m, n) = (im.rows, im.cols);
    let mut rng = Pcg32::seed(2024);
    let w64: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
    let v64: Vec<f64> = (0..m).map(|_| rng.normal()).collect();
    let (w32, v32): (Vec<f32>, Vec<f32>) =
        (w64.iter().map(|&v| v as f32).collect(), v64.iter().map(|&v| v as f32).collect());
    let a64 = MatRef::new(&im.x64, m, n).map_err(kerr("matrix"))?;

    let dot_ref = vec![ferrokern::linalg::dot(&im.x64, &im.x64).map_err(kerr("dot"))?];
    let mut gemv_ref = vec![0.0; m];
    a64.gemv(1.0, &w64, 0.0, &mut gemv_ref).map_err(kerr("gemv"))?;
    let mut gemvt_ref = vec![0.0; n];
    a64.gemv_t(1.0, &v64, 0.0, &mut gemvt_ref).map_err(kerr("gemv_t"))?;
    let mut gram_ref = vec![0.0; n * n];
    MatMut::new(&mut gram_ref, n, n)
        .map_err(kerr("gram"))?
        .gemm(1.0, a64, Trans::Yes, a64, Trans::No, 0.0)
        .map_err(kerr("gemm"))?;
    // Row softmax of logits 4·x (pixels in [0, 4]).
    let mut soft_ref: Vec<f64> = im.x64.iter().map(|v| 4.0 * v).collect();
    soft_ref.chunks_exact_mut(n).for_each(ferrokern_simd::f64::softmax);
    let logits32: Vec<f32> = im.x32.iter().map(|v| 4.0 * v).collect();

    let (x, mf, nf) = (&im.x32, m as f64, n as f64);
    Ok(vec![
        Op {
            name: format!("dot ({})", m * n),
            flops: Some(2.0 * mf * nf),
            bytes: 0.0,
            run: Box::new(move |k| vec![(k.dot)(x, x)]),
            reference: dot_ref,
        },
        Op {
            name: format!("gemv {m}x{n}"),
            flops: Some(2.0 * mf * nf),
            bytes: 0.0,
            run: Box::new(move |k| {
                let mut y = vec![0.0; m];
                (k.gemv)(m, n, 1.0, x, n, &w32, 0.0, &mut y);
                y
            }),
            reference: gemv_ref,
        },
        Op {
            name: format!("gemv_t {m}x{n}"),
            flops: Some(2.0 * mf * nf),
            bytes: 0.0,
            run: Box::new(move |k| {
                let mut y = vec![0.0; n];
                (k.gemv_t)(m, n, 1.0, x, n, &v32, 0.0, &mut y);
                y
            }),
            reference: gemvt_ref,
        },
        Op {
            name: format!("gemm XtX {n}x{n}x{m}"),
            flops: Some(2.0 * nf * nf * mf),
            bytes: 0.0,
            run: Box::new(move |k| {
                let mut c = vec![0.0; n * n];
                (k.gemm)(Trans::Yes, Trans::No, n, n, m, 1.0, x, n, x, n, 0.0, &mut c, n);
                c
            }),
            reference: gram_ref,
        },
        Op {
            name: format!("softmax {m} rows x{n}"),
            flops: None,
            bytes: 2.0 * 4.0 * mf * nf,
            run: Box::new(move |k| {
                let mut s = logits32.clone();
                s.chunks_exact_mut(n).for_each(|r| (k.softmax)(r));
                s
            }),
            reference: soft_ref,
        },
    ])
}

/// `max |a − b| / max |b|` (0 when both are 0).
fn max_rel_diff(a: &[f64], b: &[f64]) -> f64 {
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let diff = a.iter().zip(b).fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    if diff == 0.0 {
        0.0
    } else {
        diff / scale.max(f64::MIN_POSITIVE)
    }
}

/// Calls per second of `a` and of `b`, measured in alternating batches for about
/// `min_seconds` each, keeping each one's fastest batch: on a shared machine the other load
/// then hits both paths alike and mostly drops out of the ratio.
fn rates(a: impl Fn(), b: impl Fn(), min_seconds: f64, sw: &mut Stopwatch) -> (f64, f64) {
    // Batch size: enough calls of `a` for about a tenth of the budget (at least one).
    let probe = Instant::now();
    sw.time(&a);
    let one = probe.elapsed().as_secs_f64().max(1e-9);
    let batch = ((min_seconds / 10.0 / one) as u64).clamp(1, 1 << 20);
    let (mut best_a, mut best_b) = (f64::INFINITY, f64::INFINITY);
    let start = Instant::now();
    let mut rounds = 0;
    while rounds < 5 || start.elapsed().as_secs_f64() < 2.0 * min_seconds {
        for (f, best) in [(&a as &dyn Fn(), &mut best_a), (&b as &dyn Fn(), &mut best_b)] {
            let t = Instant::now();
            sw.time(|| (0..batch).for_each(|_| f()));
            *best = best.min(t.elapsed().as_secs_f64() / batch as f64);
        }
        rounds += 1;
    }
    (1.0 / best_a.max(1e-12), 1.0 / best_b.max(1e-12))
}

fn widen(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

fn run(settings: &DemoSettings, progress: &Progress) -> Result<DemoOutput> {
    let images = load_images()?;
    let ops = ops(&images)?;
    let active = Kernels::active();
    let scalar = Kernels::for_level(Level::Scalar)
        .ok_or_else(|| CliError::new("internal error: scalar kernel table unavailable"))?;
    progress.set_length(ops.len() as u64);
    let mut sw = Stopwatch::new();
    let mut rows = Vec::new();
    let mut lines = vec![
        format!(
            "digits {}x{} (pixels/16), f32: {} path vs scalar path; reference f64 via ferrokern::linalg",
            images.rows,
            images.cols,
            active.level.name()
        ),
        format!(
            "  {:<24} {:>14} {:>14} {:>8} {:>14} {:>12}",
            "operation", "simd", "scalar", "speedup", "simd-scalar", "simd-f64"
        ),
    ];
    let mut ok = true;
    for op in &ops {
        progress.step(&op.name);
        let simd_out = widen(&sw.time(|| (op.run)(active)));
        let scalar_out = widen(&sw.time(|| (op.run)(scalar)));
        let diff = max_rel_diff(&simd_out, &scalar_out);
        let err_simd = max_rel_diff(&simd_out, &op.reference);
        let err_scalar = max_rel_diff(&scalar_out, &op.reference);
        let (r_simd, r_scalar) = rates(
            || drop(std::hint::black_box((op.run)(active))),
            || drop(std::hint::black_box((op.run)(scalar))),
            settings.min_measure_seconds(),
            &mut sw,
        );
        let (unit, work) = match op.flops {
            Some(f) => ("GFLOP/s", f),
            None => ("GB/s", op.bytes),
        };
        let (t_simd, t_scalar) = (work * r_simd / 1e9, work * r_scalar / 1e9);
        let passed = diff <= TOLERANCE && err_simd <= TOLERANCE && err_scalar <= TOLERANCE;
        ok &= passed;
        lines.push(format!(
            "  {:<24} {:>6.2} {:<7} {:>6.2} {:<7} {:>7.2}x {:>14.1e} {:>12.1e}{}",
            op.name,
            t_simd,
            unit,
            t_scalar,
            unit,
            r_simd / r_scalar,
            diff,
            err_simd,
            if passed { "" } else { "  FAILED" }
        ));
        rows.push(json!({
            "operation": op.name,
            "unit": unit,
            "simd_throughput": t_simd,
            "scalar_throughput": t_scalar,
            "speedup": r_simd / r_scalar,
            "max_rel_diff_simd_vs_scalar": diff,
            "max_rel_err_simd_vs_f64": err_simd,
            "max_rel_err_scalar_vs_f64": err_scalar,
            "ok": passed,
        }));
    }
    lines.push(format!(
        "  differences are max|a-b|/max|b|; all within {TOLERANCE:e}: {}",
        if ok { "yes" } else { "NO" }
    ));
    if active.level == Level::Scalar {
        lines.push("  note: the active path is scalar (no SIMD path on this CPU/build, or forced)".into());
    }
    let json: Value = json!({
        "data": "digits",
        "rows": images.rows,
        "cols": images.cols,
        "simd_level": active.level.name(),
        "tolerance": TOLERANCE,
        "operations": rows,
    });
    Ok(DemoOutput { seconds: sw.seconds(), ok, json, lines })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rel_diff_definition() {
        assert_eq!(max_rel_diff(&[1.0, 2.0], &[1.0, 2.0]), 0.0);
        assert!((max_rel_diff(&[1.0, 4.1], &[1.0, 4.0]) - 0.025).abs() < 1e-12);
    }

    /// Closed form independent of the kernels: the Gram diagonal is the column sums of squares.
    #[test]
    fn gram_reference_diagonal_is_column_sum_of_squares() {
        let im = load_images().unwrap();
        let ops = ops(&im).unwrap();
        let gram = &ops[3].reference;
        for j in 0..im.cols {
            let ss: f64 = (0..im.rows).map(|i| im.x64[i * im.cols + j].powi(2)).sum();
            assert!((gram[j * im.cols + j] - ss).abs() <= 1e-9 * ss.max(1.0));
        }
        assert_eq!((im.rows, im.cols), (1797, 64));
    }
}
