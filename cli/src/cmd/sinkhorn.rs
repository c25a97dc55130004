//! `ferrokern sinkhorn`: entropic optimal transport between two point clouds (spec
//! `sinkhorn.md`). Point files are CSV rows of coordinates (header optional); marginals are
//! uniform unless `--a`/`--b` give them; `--cost-matrix` overrides the point-cloud cost (then
//! `--x`/`--y` only give n and m). Not converging is reported (`converged: false`), not an error;
//! plain scaling under/overflow is an error unless `--fallback log`.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use ferrokern::ot::{
    aligned_kernel_len, apply_plan_t, newton_workspace_len, plan_into, sinkhorn_eps_scaling, sinkhorn_log,
    sinkhorn_newton_sparse, sinkhorn_scaling, sinkhorn_stabilized, workspace_len, CostSource, DenseCost,
    EpsScalingConfig, Fallback, KernelStore, Metric, NewtonConfig, PointCloudCost, SinkhornConfig,
    SparseEntry,
};
use ferrokern::Real;
use serde_json::json;

use crate::args::Precision;
use crate::data::{load_csv, Table};
use crate::error::{CliError, Result};
use crate::fsio::write_atomic;
use crate::output::{Ctx, Stopwatch};

/// Ground cost between points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CostKind {
    /// Squared Euclidean distance.
    Sqeuclidean,
    /// Euclidean distance.
    Euclidean,
}

/// Cost normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Normalize {
    /// Divide the cost by its largest entry.
    Max,
}

/// Solver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// Plain Sinkhorn scaling (spec §2.1; fast, under/overflows at small ε).
    Scaling,
    /// Log-domain Sinkhorn (spec §2.2; never under/overflows). Default.
    Log,
    /// Scaling with absorption (spec §2.3).
    Stabilized,
    /// ε-scaling (spec §2.4).
    EpsScaling,
    /// Sinkhorn-Newton-Sparse (spec §3).
    Sns,
}

impl Method {
    /// Name as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Method::Scaling => "scaling",
            Method::Log => "log",
            Method::Stabilized => "stabilized",
            Method::EpsScaling => "eps-scaling",
            Method::Sns => "sns",
        }
    }
}

/// Reaction of `--method scaling` to under/overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FallbackArg {
    /// Fail with an error.
    Error,
    /// Continue in the log domain.
    Log,
}

/// `sinkhorn` options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Source points: CSV rows of coordinates.
    #[arg(long, value_name = "X.csv")]
    x: PathBuf,
    /// Target points: CSV rows of coordinates.
    #[arg(long, value_name = "Y.csv")]
    y: PathBuf,
    /// Source marginal (n values, ≥ 0; default uniform).
    #[arg(long, value_name = "A.csv")]
    a: Option<PathBuf>,
    /// Target marginal (m values, ≥ 0; default uniform).
    #[arg(long, value_name = "B.csv")]
    b: Option<PathBuf>,
    /// Ground cost between points.
    #[arg(long, value_enum, default_value_t = CostKind::Sqeuclidean)]
    cost: CostKind,
    /// Normalise the cost (`max`: divide by its largest entry).
    #[arg(long, value_enum)]
    normalize_cost: Option<Normalize>,
    /// Explicit n × m cost matrix (overrides --cost; --x/--y then only give n and m).
    #[arg(long, value_name = "C.csv")]
    cost_matrix: Option<PathBuf>,
    /// Entropic regularisation ε (> 0, cost units).
    #[arg(long, allow_negative_numbers = true)]
    eps: f64,
    /// Solver.
    #[arg(long, value_enum, default_value_t = Method::Log)]
    method: Method,
    /// Stop when ‖Pᵀ1 − b‖₂ < tol (default 1e-9 in f64, 1e-6 in f32).
    #[arg(long, allow_negative_numbers = true)]
    tol: Option<f64>,
    /// Iteration limit (sns: Newton steps).
    #[arg(long, default_value_t = 10_000)]
    max_iter: usize,
    /// Check the stopping rule every K iterations.
    #[arg(long, default_value_t = 10)]
    check_every: usize,
    /// Arithmetic precision.
    #[arg(long, value_enum, default_value_t = Precision::F64)]
    precision: Precision,
    /// What `--method scaling` does on under/overflow.
    #[arg(long, value_enum, default_value_t = FallbackArg::Error)]
    fallback: FallbackArg,
    /// Write the transport plan (n rows × m columns) to this CSV file.
    #[arg(long, value_name = "PLAN.csv")]
    plan: Option<PathBuf>,
}

/// A validated transport problem (f64; converted to the solver precision).
#[derive(Debug, Clone)]
pub struct Problem {
    /// Source points, row-major n × d.
    pub x: Vec<f64>,
    /// Target points, row-major m × d.
    pub y: Vec<f64>,
    /// Point dimension (0 with a cost matrix and no usable points).
    pub d: usize,
    /// Source marginal (n).
    pub a: Vec<f64>,
    /// Target marginal (m).
    pub b: Vec<f64>,
    /// Dense cost (n × m, row-major) overriding the point-cloud cost.
    pub cost_matrix: Option<Vec<f64>>,
    /// Point-cloud metric.
    pub metric: Metric,
    /// Divide the cost by its maximum.
    pub normalize: bool,
}

/// Solver settings.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// ε.
    pub eps: f64,
    /// Solver.
    pub method: Method,
    /// Stopping tolerance.
    pub tol: f64,
    /// Iteration limit.
    pub max_iter: usize,
    /// Check period.
    pub check_every: usize,
    /// Scaling fallback.
    pub fallback: Fallback,
    /// Also form the plan.
    pub want_plan: bool,
}

/// A solution, widened to f64.
#[derive(Debug, Clone)]
pub struct Solution {
    /// Potentials (n).
    pub f: Vec<f64>,
    /// Potentials (m).
    pub g: Vec<f64>,
    /// ⟨C, P⟩.
    pub transport_cost: f64,
    /// ⟨C, P⟩ − ε H(P).
    pub entropic_objective: f64,
    /// Iterations (sns: warm-up + Newton steps).
    pub iterations: usize,
    /// ‖Pᵀ1 − b‖₂ of the returned potentials.
    pub marginal_error: f64,
    /// Stopping test passed.
    pub converged: bool,
    /// Plan (n × m row-major), when asked for.
    pub plan: Option<Vec<f64>>,
}

impl Problem {
    /// Rows of `a`.
    pub fn n(&self) -> usize {
        self.a.len()
    }
    /// Columns.
    pub fn m(&self) -> usize {
        self.b.len()
    }
}

/// Solve in precision `T`.
pub fn solve<T: Real>(p: &Problem, s: &Settings) -> Result<Solution> {
    let cv = |v: &[f64]| v.iter().map(|&x| T::from_f64(x)).collect::<Vec<T>>();
    let (n, m) = (p.n(), p.m());
    let kerr = |e| CliError::kernel("sinkhorn", e);
    match &p.cost_matrix {
        Some(c) => {
            let max = c.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let divisor = if p.normalize { max } else { 1.0 };
            if divisor.is_nan() || divisor <= 0.0 {
                return Err(CliError::param("normalize-cost", "largest cost must be > 0"));
            }
            let c: Vec<T> = c.iter().map(|&v| T::from_f64(v / divisor)).collect();
            let cost = DenseCost::new(&c, n, m).map_err(kerr)?;
            solve_with(&cost, p, s)
        }
        None => {
            let (x, y) = (cv(&p.x), cv(&p.y));
            let mut cost = PointCloudCost::new(&x, &y, p.d, p.metric).map_err(kerr)?;
            if p.normalize {
                cost = cost.normalised_by_max().map_err(kerr)?;
            }
            solve_with(&cost, p, s)
        }
    }
}

fn solve_with<T: Real, C: CostSource<T>>(cost: &C, p: &Problem, s: &Settings) -> Result<Solution> {
    let cv = |v: &[f64]| v.iter().map(|&x| T::from_f64(x)).collect::<Vec<T>>();
    let (n, m) = (p.n(), p.m());
    let (a, b) = (cv(&p.a), cv(&p.b));
    let eps = T::from_f64(s.eps);
    let kerr = |e| CliError::kernel(&format!("sinkhorn ({})", s.method.name()), e);
    let (mut f, mut g) = (vec![T::ZERO; n], vec![T::ZERO; m]);
    let cfg = SinkhornConfig {
        tol: T::from_f64(s.tol),
        max_iter: s.max_iter,
        check_every: s.check_every,
        on_underflow: s.fallback,
        ..SinkhornConfig::new(eps)
    };
    let nm = n.checked_mul(m).ok_or_else(|| CliError::new("problem too large"))?;
    let mut work = vec![T::ZERO; workspace_len(n, m)];
    let (iterations, transport_cost, entropic_objective, converged) = match s.method {
        Method::Sns => {
            let ncfg =
                NewtonConfig { max_newton: s.max_iter, tol: T::from_f64(s.tol), ..NewtonConfig::new(eps) };
            // Sparse Hessian capacity: the whole plan for small problems, capped at 2^22 entries
            // (the dense fallback then keeps the largest entries that fit).
            let mut sparse = vec![SparseEntry::<T>::default(); nm.min(1 << 22)];
            let mut nwork = vec![T::ZERO; newton_workspace_len(n, m)];
            let r = sinkhorn_newton_sparse(cost, &a, &b, &ncfg, &mut f, &mut g, &mut sparse, &mut nwork)
                .map_err(kerr)?;
            (r.warmup_iterations + r.newton_iterations, r.transport_cost, r.entropic_objective, r.converged)
        }
        method => {
            let mut k = vec![T::ZERO; if method == Method::Log { 0 } else { aligned_kernel_len::<T>(n, m) }];
            let store = KernelStore::Dense(&mut k);
            let r = match method {
                Method::Scaling => sinkhorn_scaling(cost, &a, &b, &cfg, store, &mut f, &mut g, &mut work),
                Method::Stabilized => {
                    // τ ≫ max(n, m) (see `sinkhorn_stabilized` docs).
                    let tau = T::from_f64(1e3_f64.max(1e3 * n.max(m) as f64));
                    sinkhorn_stabilized(cost, &a, &b, &cfg, tau, store, &mut f, &mut g, &mut work)
                }
                Method::EpsScaling => {
                    let sched = EpsScalingConfig::default();
                    sinkhorn_eps_scaling(cost, &a, &b, &cfg, &sched, store, &mut f, &mut g, &mut work)
                }
                _ => sinkhorn_log(cost, &a, &b, &cfg, &mut f, &mut g, &mut work),
            }
            .map_err(kerr)?;
            (r.iterations, r.transport_cost, r.entropic_objective, r.converged)
        }
    };
    // The column violation of the returned potentials, the same way for every method.
    let mut colsum = vec![T::ZERO; m];
    let ones = vec![T::ONE; n];
    let mut pwork = vec![T::ZERO; 2 * m];
    apply_plan_t(cost, &f, &g, eps, &ones, &mut colsum, &mut pwork).map_err(kerr)?;
    let marginal_error = colsum.iter().zip(&b).map(|(&c, &bj)| (c - bj).to_f64().powi(2)).sum::<f64>().sqrt();
    let plan = if s.want_plan {
        let mut out = vec![T::ZERO; nm];
        let mut cbuf = vec![T::ZERO; m];
        plan_into(cost, &f, &g, eps, &mut out, &mut cbuf).map_err(kerr)?;
        Some(out.iter().map(|v| v.to_f64()).collect())
    } else {
        None
    };
    let widen = |v: &[T]| v.iter().map(|x| x.to_f64()).collect::<Vec<f64>>();
    Ok(Solution {
        f: widen(&f),
        g: widen(&g),
        transport_cost: transport_cost.to_f64(),
        entropic_objective: entropic_objective.to_f64(),
        iterations,
        marginal_error,
        converged,
        plan,
    })
}

fn load_marginal(path: Option<&Path>, len: usize, name: &str) -> Result<Vec<f64>> {
    let Some(path) = path else {
        return Ok(vec![1.0 / len as f64; len]);
    };
    let t = load_csv(path)?;
    if t.values.len() != len {
        return Err(CliError::file(path, format!("--{name} needs {len} values, found {}", t.values.len())));
    }
    if let Some(i) = t.values.iter().position(|&v| v < 0.0) {
        return Err(CliError::file(path, format!("--{name}: value {i} is negative")));
    }
    Ok(t.values)
}

fn load_problem(args: &Args) -> Result<Problem> {
    let (tx, ty): (Table, Table) = (load_csv(&args.x)?, load_csv(&args.y)?);
    if tx.rows == 0 || ty.rows == 0 {
        return Err(CliError::new("--x and --y need at least one point each"));
    }
    let (n, m) = (tx.rows, ty.rows);
    let cost_matrix = match &args.cost_matrix {
        Some(path) => {
            let c = load_csv(path)?;
            if c.rows != n || c.cols != m {
                return Err(CliError::file(
                    path,
                    format!("cost matrix is {}×{}, --x/--y need {n}×{m}", c.rows, c.cols),
                ));
            }
            if let Some(i) = c.values.iter().position(|&v| v < 0.0) {
                return Err(CliError::file(path, format!("entry {i} is negative")));
            }
            Some(c.values)
        }
        None => {
            if tx.cols != ty.cols {
                return Err(CliError::file(
                    &args.y,
                    format!(
                        "--y points have {} coordinates but the --x points {} have {}",
                        ty.cols,
                        crate::error::quote(&args.x),
                        tx.cols
                    ),
                ));
            }
            None
        }
    };
    let a = load_marginal(args.a.as_deref(), n, "a")?;
    let b = load_marginal(args.b.as_deref(), m, "b")?;
    let (sa, sb): (f64, f64) = (a.iter().sum(), b.iter().sum());
    if !(sa > 0.0 && sb > 0.0) || (sa - sb).abs() > 1e-9 * sa.max(sb) {
        return Err(CliError::new(format!("marginals must have equal positive mass: Σa = {sa}, Σb = {sb}")));
    }
    Ok(Problem {
        d: tx.cols,
        x: tx.values,
        y: ty.values,
        a,
        b,
        cost_matrix,
        metric: match args.cost {
            CostKind::Sqeuclidean => Metric::SqEuclidean,
            CostKind::Euclidean => Metric::Euclidean,
        },
        normalize: args.normalize_cost.is_some(),
    })
}

fn write_plan(path: &Path, plan: &[f64], m: usize) -> Result<()> {
    write_atomic(path, |w: &mut dyn Write| {
        for row in plan.chunks(m) {
            let cells: Vec<String> = row.iter().map(|v| format!("{v:e}")).collect();
            writeln!(w, "{}", cells.join(","))?;
        }
        Ok(())
    })
}

/// Run the subcommand.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    if !(args.eps > 0.0 && args.eps.is_finite()) {
        return Err(CliError::param("eps", "must be finite and > 0"));
    }
    let tol = args.tol.unwrap_or(match args.precision {
        Precision::F64 => 1e-9,
        Precision::F32 => 1e-6,
    });
    if !(tol >= 0.0 && tol.is_finite()) {
        return Err(CliError::param("tol", "must be finite and >= 0"));
    }
    if args.max_iter == 0 {
        return Err(CliError::param("max-iter", "must be > 0"));
    }
    if let Some(path) = &args.plan {
        crate::fsio::check_output(path, "plan")?;
    }
    if args.check_every == 0 {
        return Err(CliError::param("check-every", "must be > 0"));
    }
    let problem = load_problem(&args)?;
    let settings = Settings {
        eps: args.eps,
        method: args.method,
        tol,
        max_iter: args.max_iter,
        check_every: args.check_every,
        fallback: match args.fallback {
            FallbackArg::Error => Fallback::Error,
            FallbackArg::Log => Fallback::LogDomain,
        },
        want_plan: args.plan.is_some(),
    };
    let mut sw = Stopwatch::new();
    let sol = sw.time(|| match args.precision {
        Precision::F64 => solve::<f64>(&problem, &settings),
        Precision::F32 => solve::<f32>(&problem, &settings),
    })?;
    if let (Some(path), Some(plan)) = (&args.plan, &sol.plan) {
        write_plan(path, plan, problem.m())?;
    }
    let fields = json!({
        "method": args.method.name(),
        "precision": args.precision.name(),
        "n": problem.n(),
        "m": problem.m(),
        "eps": args.eps,
        "converged": sol.converged,
        "transport_cost": sol.transport_cost,
        "entropic_objective": sol.entropic_objective,
        "iterations": sol.iterations,
        "marginal_error": sol.marginal_error,
        "marginal_error_norm": "l2-column",
        "f": sol.f,
        "g": sol.g,
    });
    ctx.finish(sw.seconds(), fields, || {
        let mut s = format!(
            "sinkhorn ({}, {}), n = {}, m = {}, eps = {}: transport cost {:.10e}, entropic objective {:.10e}\n\
             iterations {}, marginal error (l2, columns) {:.3e}, converged {}",
            args.method.name(),
            args.precision.name(),
            problem.n(),
            problem.m(),
            args.eps,
            sol.transport_cost,
            sol.entropic_objective,
            sol.iterations,
            sol.marginal_error,
            sol.converged
        );
        if let Some(p) = &args.plan {
            s.push_str(&format!("\nplan: {}", p.display()));
        }
        s
    })
}
