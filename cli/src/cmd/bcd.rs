//! `ferrokern bcd`: block coordinate descent (`ferrokern::bcd`) on a CSV data set — Lasso, ridge
//! least squares, L2/L1 logistic, softmax — or label propagation on a graph.
//!
//! Objectives (no intercept unless `--intercept`): lasso `(1/(2n))‖y − Xw‖² + λ‖w‖₁`;
//! least-squares `(1/(2n))‖y − Xw‖² + (λ/2)‖w‖²`; logistic `(1/n) Σ log(1 + exp(−sᵢ xᵢᵀw)) +
//! (λ/2)‖w‖²` (sᵢ = ±1 for labels 1/0), logistic-l1 with `λ‖w‖₁`; softmax
//! `(1/n) Σ −log softmax(Wxᵢ)_{yᵢ} + (λ/2)‖W‖²`; label propagation as in spec bcd.md §4 (one
//! one-vs-rest problem per class). Tolerances are relative to the objective at w = 0.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use ferrokern::bcd::{
    forest_workspace_len, gram, lasso_lambda_max, solve_forest, solve_with, workspace_len, ForestConfig,
    ForestStrategy, LabelPropagation, LeastSquares, Logistic, Norm, Partition, Problem, Rule, Softmax,
    SolverConfig, Update, Workspace,
};
use ferrokern::{Error, Real};
use serde_json::{json, Value};

use crate::args::{PlotArgs, Precision};
use crate::data::{binary_labels, class_labels, load_csv, load_split, Table};
use crate::error::{CliError, Result};
use crate::output::{Ctx, Stopwatch};
use crate::plot::{line_plot, PALETTE};

/// Largest p for which greedy least-squares rules precompute the Gram matrix.
pub const GRAM_MAX_P: usize = 128;

/// Largest block size (the solver's fixed `B × B` block buffers).
pub const MAX_BLOCK: usize = 64;

/// The objective to minimise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProblemKind {
    /// `(1/(2n))‖y − Xw‖² + λ‖w‖₁`.
    Lasso,
    /// `(1/(2n))‖y − Xw‖² + (λ/2)‖w‖²`.
    LeastSquares,
    /// `(1/n) Σ log(1 + exp(−sᵢ xᵢᵀw)) + (λ/2)‖w‖²`, labels 0/1.
    Logistic,
    /// Logistic loss + `λ‖w‖₁`.
    LogisticL1,
    /// Multinomial logistic + `(λ/2)‖W‖²`, integer classes.
    Softmax,
    /// Label propagation on `--graph` with `--labels`.
    LabelPropagation,
}

impl ProblemKind {
    /// The `--problem` spelling.
    pub fn name(self) -> &'static str {
        match self {
            ProblemKind::Lasso => "lasso",
            ProblemKind::LeastSquares => "least-squares",
            ProblemKind::Logistic => "logistic",
            ProblemKind::LogisticL1 => "logistic-l1",
            ProblemKind::Softmax => "softmax",
            ProblemKind::LabelPropagation => "label-propagation",
        }
    }
}

/// Selection rule (spec §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RuleArg {
    /// Blocks in turn.
    Cyclic,
    /// Uniformly random block.
    Random,
    /// Block with probability ∝ L_b.
    Lipschitz,
    /// Gauss-Southwell: largest gradient.
    Gs,
    /// Gauss-Southwell-Lipschitz.
    Gsl,
    /// Gauss-Southwell-quadratic (fixed blocks).
    Gsq,
    /// Gauss-Southwell with the diagonal bound.
    Gsd,
}

impl RuleArg {
    /// The kernel's rule.
    pub fn rule(self) -> Rule {
        match self {
            RuleArg::Cyclic => Rule::Cyclic,
            RuleArg::Random => Rule::Random,
            RuleArg::Lipschitz => Rule::Lipschitz,
            RuleArg::Gs => Rule::GS,
            RuleArg::Gsl => Rule::GSL,
            RuleArg::Gsq => Rule::GSQ,
            RuleArg::Gsd => Rule::GSD,
        }
    }

    /// The `--rule` spelling.
    pub fn name(self) -> &'static str {
        match self {
            RuleArg::Cyclic => "cyclic",
            RuleArg::Random => "random",
            RuleArg::Lipschitz => "lipschitz",
            RuleArg::Gs => "gs",
            RuleArg::Gsl => "gsl",
            RuleArg::Gsq => "gsq",
            RuleArg::Gsd => "gsd",
        }
    }
}

/// Fixed (Lipschitz-sorted) or variable blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BlocksArg {
    /// A fixed partition (coordinates sorted by L_i; index order for the cyclic rule).
    Fixed,
    /// Any τ coordinates per iteration.
    Variable,
}

/// Norm of fixed-block greedy scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NormArg {
    /// Σ|·| (reference code).
    L1,
    /// Euclidean (paper).
    L2,
}

/// Block update (spec §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UpdateArg {
    /// Gradient step 1/L_b (proximal with L1).
    Gradient,
    /// Hessian-bound step (exact block minimiser for least squares).
    Matrix,
    /// Newton with line search.
    Newton,
}

/// Options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// CSV data: last column = target (0/1 for logistic, integer classes for softmax).
    #[arg(long, value_name = "FILE.csv")]
    pub data: Option<PathBuf>,
    /// Objective.
    #[arg(long, value_enum)]
    pub problem: ProblemKind,
    /// Regularisation λ (≥ 0).
    #[arg(long, allow_negative_numbers = true, conflicts_with = "lambda_ratio")]
    pub lambda: Option<f64>,
    /// λ as a fraction of λ_max (the smallest λ with w* = 0): lasso and logistic-l1 only.
    #[arg(long, allow_negative_numbers = true)]
    pub lambda_ratio: Option<f64>,
    /// Selection rule [default: cyclic; label propagation: greedy forests by message passing].
    #[arg(long, value_enum)]
    pub rule: Option<RuleArg>,
    /// Fixed or variable blocks.
    #[arg(long, value_enum, default_value_t = BlocksArg::Fixed)]
    pub blocks: BlocksArg,
    /// Block size τ (1..=64) [default: 1; logistic with Newton: all features up to 64].
    #[arg(long, allow_negative_numbers = true)]
    pub block_size: Option<i64>,
    /// Norm of fixed-block greedy scores.
    #[arg(long, value_enum, default_value_t = NormArg::L2)]
    pub score_norm: NormArg,
    /// Block update [default: gradient; newton for logistic/softmax].
    #[arg(long, value_enum)]
    pub update: Option<UpdateArg>,
    /// Stop when the duality gap (Lasso) or the summed coordinate progress is ≤ tol·|F(0)|.
    #[arg(long, default_value_t = 1e-8, allow_negative_numbers = true)]
    pub tol: f64,
    /// Block-update limit.
    #[arg(long, default_value_t = 1_000_000)]
    pub max_iter: usize,
    /// Add an unpenalised intercept (least squares and Lasso: exact, by centring X and y; logistic
    /// and logistic-l1: a free last coordinate, exempt from the penalty; softmax: one free
    /// coefficient per class, reported centred since only differences between classes matter).
    #[arg(long)]
    pub intercept: bool,
    /// Do not standardise the features (by default: mean 0, standard deviation 1 per column).
    #[arg(long)]
    pub no_standardize: bool,
    /// Floating-point precision (f32 = SIMD path, f64 = scalar path).
    #[arg(long, value_enum, default_value_t = Precision::F64)]
    pub precision: Precision,
    /// Seed of the random rules.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Label propagation: undirected edges `i,j[,weight]` (0-based node ids).
    #[arg(long, value_name = "EDGES.csv")]
    pub graph: Option<PathBuf>,
    /// Label propagation: labelled nodes `node,class`.
    #[arg(long, value_name = "LABELS.csv")]
    pub labels: Option<PathBuf>,
    #[command(flatten)]
    pub plot: PlotArgs,
    /// With --plot: rules to compare (comma-separated, e.g. cyclic,gs,gsl).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub compare_rules: Vec<RuleArg>,
}

/// Solver settings resolved from the flags.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Selection rule.
    pub rule: Rule,
    /// Partition.
    pub partition: Partition,
    /// Block size.
    pub block_size: usize,
    /// Update.
    pub update: Update,
    /// Relative tolerance.
    pub tol: f64,
    /// Iteration limit.
    pub max_iter: usize,
    /// Score norm.
    pub norm: Norm,
    /// Seed.
    pub seed: u64,
    /// Logistic, logistic-l1, softmax: unpenalised intercept coordinate(s) at the end.
    pub intercept: bool,
}

impl Settings {
    fn config<T: Real>(&self) -> SolverConfig<T> {
        SolverConfig {
            rule: self.rule,
            partition: self.partition,
            update: self.update,
            block_size: self.block_size,
            max_iter: self.max_iter,
            tol: T::from_f64(self.tol),
            seed: self.seed,
            score_norm: self.norm,
            ..SolverConfig::default()
        }
    }
}

/// Result of one solve.
#[derive(Debug, Clone)]
pub struct Fit {
    /// `F(w)`.
    pub objective: f64,
    /// `F(0)`.
    pub objective_at_zero: f64,
    /// Block updates done.
    pub iterations: usize,
    /// Last stopping criterion, relative to `|F(0)|`.
    pub gap: f64,
    /// Whether the tolerance was reached.
    pub converged: bool,
    /// The iterate.
    pub w: Vec<f64>,
    /// `(iteration, F)` after every block update (when traced), starting with `(0, F(0))`.
    pub trace: Vec<(f64, f64)>,
}

/// Dense data of a supervised problem.
#[derive(Debug, Clone)]
pub struct Dense {
    /// Row-major `n × p`.
    pub x: Vec<f64>,
    /// Targets.
    pub y: Vec<f64>,
    /// Rows.
    pub n: usize,
    /// Features.
    pub p: usize,
}

fn kerr(e: Error) -> CliError {
    CliError::kernel("bcd", e)
}

/// Runs the solver on `problem`, recording the objective trace if asked.
fn run_solver<T: Real, P: Problem<T>>(problem: &mut P, s: &Settings, trace: bool) -> Result<Fit> {
    let dim = problem.dim();
    let config = s.config::<T>();
    let need = workspace_len(dim, s.block_size, s.rule).ok_or_else(|| CliError::new("bcd: size overflow"))?;
    let mut scratch = vec![T::ZERO; need];
    let mut index = vec![0usize; dim];
    let mut ws = Box::new(Workspace::<T, MAX_BLOCK>::new(&mut scratch, &mut index));
    let mut w = vec![T::ZERO; dim];
    let f0 = problem.objective_at_zero().to_f64();
    let mut points = if trace { vec![(0.0, f0)] } else { Vec::new() };
    let result = solve_with(problem, &mut w, &config, &mut ws, |step| {
        if trace {
            points.push((step.iteration as f64, step.objective.to_f64()));
        }
        true
    });
    let scale = if f0.abs() > 0.0 { f0.abs() } else { 1.0 };
    let (iterations, gap, converged) = match result {
        Ok(sol) => (sol.iterations, sol.gap.to_f64() / scale, true),
        Err(Error::NotConverged { iterations, residual }) => (iterations, residual / scale, false),
        Err(e) => return Err(kerr(e)),
    };
    Ok(Fit {
        objective: problem.objective(&w).to_f64(),
        objective_at_zero: f0,
        iterations,
        gap,
        converged,
        w: w.iter().map(|v| v.to_f64()).collect(),
        trace: points,
    })
}

/// λ_max: the smallest λ with w* = 0 (Lasso `‖Xᵀy‖∞/n`; L1 logistic `‖Xᵀs‖∞/(2n)`).
pub fn lambda_max(kind: ProblemKind, d: &Dense) -> Result<f64> {
    lambda_max_with(kind, d, false)
}

/// [`lambda_max`], and for L1 logistic with a free intercept (`intercept`) `‖Xᵀ(y − ȳ)‖∞/n`: the
/// gradient at w = 0 with the optimal `b = logit(ȳ)`.
pub fn lambda_max_with(kind: ProblemKind, d: &Dense, intercept: bool) -> Result<f64> {
    match kind {
        ProblemKind::Lasso => lasso_lambda_max(&d.x, &d.y, d.n, d.p).map_err(kerr),
        ProblemKind::LogisticL1 if intercept => {
            let mean = d.y.iter().sum::<f64>() / d.n.max(1) as f64;
            let s: Vec<f64> = d.y.iter().map(|&v| v - mean).collect();
            lasso_lambda_max(&d.x, &s, d.n, d.p).map_err(kerr)
        }
        ProblemKind::LogisticL1 => {
            let s: Vec<f64> = d.y.iter().map(|&v| if v == 1.0 { 0.5 } else { -0.5 }).collect();
            lasso_lambda_max(&d.x, &s, d.n, d.p).map_err(kerr)
        }
        _ => Err(CliError::param("lambda-ratio", "only for lasso and logistic-l1 (L1 penalties)")),
    }
}

/// Solves a dense problem in precision `T` (`classes` for softmax).
pub fn fit_dense<T: Real>(
    kind: ProblemKind,
    d: &Dense,
    lambda: f64,
    s: &Settings,
    trace: bool,
) -> Result<Fit> {
    let (n, p) = (d.n, d.p);
    let x: Vec<T> = d.x.iter().map(|&v| T::from_f64(v)).collect();
    let y: Vec<T> = d.y.iter().map(|&v| T::from_f64(v)).collect();
    let lam = T::from_f64(lambda);
    match kind {
        ProblemKind::Lasso | ProblemKind::LeastSquares => {
            let mut r = vec![T::ZERO; n];
            let prob = if kind == ProblemKind::Lasso {
                LeastSquares::lasso(&x, &y, n, p, lam, &mut r)
            } else {
                LeastSquares::ridge(&x, &y, n, p, lam, &mut r)
            }
            .map_err(kerr)?;
            // greedy rules: keep XᵀX/n so the gradient refresh costs O(p·τ). Building it costs n·p²
            // (one Xᵀr per iteration costs n·p), so only for small p.
            if s.rule.is_greedy() && p <= GRAM_MAX_P {
                let mut g = vec![T::ZERO; p * p];
                gram(&x, n, p, &mut g).map_err(kerr)?;
                let mut prob = prob.with_gram(&g).map_err(kerr)?;
                run_solver(&mut prob, s, trace)
            } else {
                let mut prob = prob;
                run_solver(&mut prob, s, trace)
            }
        }
        ProblemKind::Logistic | ProblemKind::LogisticL1 => {
            let mut m = vec![T::ZERO; n];
            let prob = if kind == ProblemKind::Logistic {
                Logistic::l2(&x, &y, n, p, lam, &mut m)
            } else {
                Logistic::l1(&x, &y, n, p, lam, &mut m)
            }
            .map_err(kerr)?;
            let mut prob = if s.intercept { prob.with_intercept().map_err(kerr)? } else { prob };
            run_solver(&mut prob, s, trace)
        }
        ProblemKind::Softmax => {
            // Labels were validated against the file in `run`.
            let (labels, classes) = class_labels(&d.y, Path::new("--data"))?;
            let classes = classes.max(2);
            let mut z = vec![T::ZERO; n * classes];
            let prob = Softmax::new(&x, &labels, n, p, classes, lam, &mut z).map_err(kerr)?;
            let mut prob = if s.intercept { prob.with_intercept() } else { prob };
            run_solver(&mut prob, s, trace)
        }
        ProblemKind::LabelPropagation => Err(CliError::new("bcd: label propagation needs --graph")),
    }
}

/// Default block size and update per problem.
fn defaults(kind: ProblemKind, p: usize, update: Option<UpdateArg>) -> (usize, UpdateArg) {
    match kind {
        ProblemKind::Logistic | ProblemKind::Softmax => {
            let u = update.unwrap_or(UpdateArg::Newton);
            (if u == UpdateArg::Newton { p.clamp(1, MAX_BLOCK) } else { 1 }, u)
        }
        _ => (1, update.unwrap_or(UpdateArg::Gradient)),
    }
}

/// Resolves and validates the solver flags for a problem of `dim` variables (`p` features).
fn settings(a: &Args, kind: ProblemKind, p: usize, dim: usize) -> Result<Settings> {
    if !(a.tol >= 0.0 && a.tol.is_finite()) {
        return Err(CliError::param("tol", "must be finite and >= 0"));
    }
    let (default_tau, update) = defaults(kind, p, a.update);
    let tau = match a.block_size {
        None => default_tau.min(dim),
        Some(b) if b < 1 || b > MAX_BLOCK as i64 => {
            return Err(CliError::param("block-size", format!("must be in 1..={MAX_BLOCK} (got {b})")))
        }
        Some(b) => usize::try_from(b).unwrap_or(1),
    };
    if tau > dim {
        return Err(CliError::param("block-size", format!("must be <= the number of variables ({dim})")));
    }
    let rule = a.rule.unwrap_or(RuleArg::Cyclic);
    let partition = match (a.blocks, rule) {
        (BlocksArg::Variable, RuleArg::Gsq)
            if !matches!(kind, ProblemKind::Lasso | ProblemKind::LeastSquares) =>
        {
            return Err(CliError::param(
                "rule",
                "gsq with --blocks variable (iterative hard thresholding) needs lasso or least-squares",
            ))
        }
        (BlocksArg::Variable, _) => Partition::Variable,
        (BlocksArg::Fixed, RuleArg::Cyclic) => Partition::Order,
        (BlocksArg::Fixed, _) => Partition::Sort,
    };
    Ok(Settings {
        rule: rule.rule(),
        partition,
        block_size: tau,
        update: match update {
            UpdateArg::Gradient => Update::Gradient,
            UpdateArg::Matrix => Update::Matrix,
            UpdateArg::Newton => Update::Newton,
        },
        tol: a.tol,
        max_iter: a.max_iter,
        norm: match a.score_norm {
            NormArg::L1 => Norm::L1,
            NormArg::L2 => Norm::L2,
        },
        seed: a.seed,
        intercept: a.intercept && free_intercept(kind),
    })
}

/// Problems whose `--intercept` is a free (unpenalised) solver coordinate rather than centring.
fn free_intercept(kind: ProblemKind) -> bool {
    matches!(kind, ProblemKind::Logistic | ProblemKind::LogisticL1 | ProblemKind::Softmax)
}

/// Column means of row-major `x`.
fn column_means(x: &[f64], p: usize) -> Vec<f64> {
    let n = x.len() / p.max(1);
    let mut m = vec![0.0; p];
    for row in x.chunks(p) {
        for (a, v) in m.iter_mut().zip(row) {
            *a += v;
        }
    }
    m.iter().map(|v| v / n.max(1) as f64).collect()
}

/// Draws `F(w) − F_best` (log scale) against iterations, one curve per rule.
pub fn plot_traces(path: &Path, traces: &[Vec<(f64, f64)>]) -> Result<()> {
    let best = traces.iter().flatten().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let f0 = traces.iter().filter_map(|t| t.first()).map(|p| p.1.abs()).fold(0.0, f64::max);
    let floor = (f0 * 1e-14).max(f64::MIN_POSITIVE);
    let series: Vec<Vec<(f64, f64)>> =
        traces.iter().map(|t| t.iter().map(|&(i, f)| (i, (f - best).max(floor))).collect()).collect();
    line_plot(&series, true, 640, 400).save(path)
}

/// Colour names of [`PALETTE`] for the legend printed next to a plot.
pub const COLOUR_NAMES: [&str; 6] = ["blue", "red", "green", "orange", "purple", "black"];

/// Run `ferrokern bcd`.
pub fn run(a: Args, ctx: &Ctx) -> Result<()> {
    if let Some(l) = a.lambda {
        if !(l >= 0.0 && l.is_finite()) {
            return Err(CliError::param("lambda", format!("must be finite and >= 0 (got {l})")));
        }
    }
    if let Some(r) = a.lambda_ratio {
        if !(r >= 0.0 && r.is_finite()) {
            return Err(CliError::param("lambda-ratio", format!("must be finite and >= 0 (got {r})")));
        }
    }
    if a.lambda.is_none() && a.lambda_ratio.is_none() {
        return Err(CliError::param("lambda", "required (or --lambda-ratio for L1 problems)"));
    }
    if a.max_iter == 0 {
        return Err(CliError::param("max-iter", "must be > 0"));
    }
    if let Some(path) = &a.plot.plot {
        crate::fsio::check_output(path, "plot")?;
    }
    if !a.compare_rules.is_empty() && a.plot.plot.is_none() {
        return Err(CliError::param("compare-rules", "needs --plot FILE.png"));
    }
    if a.problem == ProblemKind::LabelPropagation {
        return run_label_propagation(&a, ctx);
    }
    if a.graph.is_some() || a.labels.is_some() {
        return Err(CliError::param("graph", "--graph/--labels are for --problem label-propagation"));
    }
    let path = a.data.clone().ok_or_else(|| CliError::param("data", "required"))?;
    let split = load_split(&path, None, None)?;
    let mut split = split;
    let stats = split.standardize(!a.no_standardize);
    let t = split.train;
    let mut d = Dense { x: t.x, y: t.y, n: t.rows, p: t.features };
    let kind = a.problem;
    let mut intercept = None;
    if a.intercept && matches!(kind, ProblemKind::Lasso | ProblemKind::LeastSquares) {
        let xm = column_means(&d.x, d.p);
        let ym = d.y.iter().sum::<f64>() / d.n as f64;
        for row in d.x.chunks_mut(d.p) {
            for (v, m) in row.iter_mut().zip(&xm) {
                *v -= m;
            }
        }
        for v in &mut d.y {
            *v -= ym;
        }
        intercept = Some((xm, ym));
    }
    if matches!(kind, ProblemKind::Logistic | ProblemKind::LogisticL1) {
        binary_labels(&d.y, &path)?;
    }
    let free = a.intercept && free_intercept(kind);
    // features seen by the solver: the free intercept is a feature of ones
    let p_eff = d.p + usize::from(free);
    let classes = if kind == ProblemKind::Softmax { class_labels(&d.y, &path)?.1.max(2) } else { 1 };
    let dim = p_eff * classes;
    let s = settings(&a, kind, p_eff, dim)?;
    let lambda = match (a.lambda, a.lambda_ratio) {
        (Some(l), _) => l,
        (None, Some(r)) => r * lambda_max_with(kind, &d, free)?,
        (None, None) => 0.0,
    };
    let fit_with = |s: &Settings, trace: bool| match a.precision {
        Precision::F32 => fit_dense::<f32>(kind, &d, lambda, s, trace),
        Precision::F64 => fit_dense::<f64>(kind, &d, lambda, s, trace),
    };
    let mut sw = Stopwatch::new();
    let want_trace = a.plot.plot.is_some() && a.compare_rules.is_empty();
    let mut fit = sw.time(|| fit_with(&s, want_trace))?;
    // free intercepts are the last coordinate(s): one (logistic) or one per class (softmax)
    let free_b: Option<Vec<f64>> = free.then(|| fit.w.split_off(d.p * classes));
    let mut compared = Vec::new();
    if let Some(plot) = &a.plot.plot {
        let mut traces = Vec::new();
        if a.compare_rules.is_empty() {
            traces.push(fit.trace.clone());
        }
        for r in &a.compare_rules {
            let mut sr = s;
            let mut args = a.clone();
            args.rule = Some(*r);
            sr.rule = r.rule();
            sr.partition = settings(&args, kind, p_eff, dim)?.partition;
            let f = fit_with(&sr, true)?;
            compared.push(json!({ "rule": r.name(), "objective": f.objective, "iterations": f.iterations,
                "converged": f.converged }));
            traces.push(f.trace);
        }
        plot_traces(plot, &traces)?;
    }
    // softmax: only differences between the classes' intercepts are determined, report centred
    let intercept_value: Option<Vec<f64>> = free_b
        .map(|b| {
            if kind == ProblemKind::Softmax {
                let mean = b.iter().sum::<f64>() / b.len().max(1) as f64;
                b.iter().map(|v| v - mean).collect()
            } else {
                b
            }
        })
        .or_else(|| {
            intercept
                .as_ref()
                .map(|(xm, ym)| vec![ym - xm.iter().zip(&fit.w).map(|(m, w)| m * w).sum::<f64>()])
        });
    if !fit.converged {
        ctx.status(&format!(
            "warning: tolerance {} not reached in {} iterations (relative gap {:.3e})",
            a.tol, fit.iterations, fit.gap
        ));
    }
    let nnz = fit.w.iter().filter(|v| **v != 0.0).count();
    let mut fields = json!({
        "problem": kind.name(),
        "lambda": lambda,
        "precision": a.precision.name(),
        "standardized": !a.no_standardize,
        "rule": a.rule.unwrap_or(RuleArg::Cyclic).name(),
        "block_size": s.block_size,
        "objective": fit.objective,
        "objective_at_zero": fit.objective_at_zero,
        "iterations": fit.iterations,
        "gap": fit.gap,
        "converged": fit.converged,
        "nonzeros": nnz,
        "coefficients": fit.w,
    });
    match intercept_value.as_deref() {
        Some([b]) if kind != ProblemKind::Softmax => fields["intercept"] = json!(b),
        Some(b) => fields["intercept"] = json!(b),
        None => {}
    }
    if !a.no_standardize {
        fields["feature_mean"] = json!(stats.mean);
        fields["feature_std"] = json!(stats.std);
    }
    if !compared.is_empty() {
        fields["compared"] = json!(compared);
    }
    ctx.finish(sw.seconds(), fields, || {
        let mut lines = vec![
            format!(
                "bcd {} (λ = {lambda:.6e}, {}, rule {}, τ = {}): objective {:.12e} after {} iterations, \
                 relative gap {:.3e}, {nnz}/{} non-zero",
                kind.name(),
                a.precision.name(),
                a.rule.unwrap_or(RuleArg::Cyclic).name(),
                s.block_size,
                fit.objective,
                fit.iterations,
                fit.gap,
                fit.w.len()
            ),
            format!("coefficients: {}", fmt_vec(&fit.w)),
        ];
        match intercept_value.as_deref() {
            Some([b]) if kind != ProblemKind::Softmax => lines.push(format!("intercept: {b:.6e}")),
            Some(b) => lines.push(format!("intercepts (centred): {}", fmt_vec(b))),
            None => {}
        }
        if let Some(p) = &a.plot.plot {
            lines.push(format!("plot: {}", p.display()));
            if !a.compare_rules.is_empty() {
                for (r, c) in a.compare_rules.iter().zip(COLOUR_NAMES.iter().cycle()) {
                    lines.push(format!("  {c}: {}", r.name()));
                }
            }
        }
        lines.join("\n")
    })
}

fn fmt_vec(w: &[f64]) -> String {
    let shown: Vec<String> = w.iter().take(20).map(|v| format!("{v:.4e}")).collect();
    let more = if w.len() > 20 { format!(" … ({} more)", w.len() - 20) } else { String::new() };
    format!("[{}]{more}", shown.join(", "))
}

/// A graph in CSR form plus labels (label propagation input).
#[derive(Debug, Clone)]
pub struct Graph {
    /// CSR row pointers (N + 1).
    pub row_ptr: Vec<usize>,
    /// Neighbour ids.
    pub cols: Vec<usize>,
    /// Edge weights.
    pub weights: Vec<f64>,
    /// Class of each labelled node.
    pub class: Vec<Option<usize>>,
    /// Number of classes.
    pub classes: usize,
}

/// Largest node id of a label-propagation graph (the solver allocates per node up to the
/// largest id, so a typo like 1e9 must not become a 24 GB allocation).
pub const MAX_NODE_ID: usize = (1 << 22) - 1;

/// An integer id in `0..=max` from cell (`i`, `j`) of `t` (`what`: "node id" or "class").
fn table_id(t: &Table, i: usize, j: usize, what: &str, max: usize) -> Result<usize> {
    let v = t.row(i)[j];
    if v >= 0.0 && v.fract() == 0.0 && v <= max as f64 {
        Ok(v as usize)
    } else {
        Err(CliError::file(
            &t.source,
            format!("row {i}, {}: {v} is not a {what} (an integer in 0..={max})", t.column_name(j)),
        ))
    }
}

fn node_id(t: &Table, i: usize, j: usize) -> Result<usize> {
    table_id(t, i, j, "node id", MAX_NODE_ID)
}

/// Reads `EDGES.csv` (`i,j[,w]`) and `LABELS.csv` (`node,class`).
pub fn load_graph(edges: &Path, labels: &Path) -> Result<Graph> {
    let e = load_csv(edges)?;
    if e.cols != 2 && e.cols != 3 {
        return Err(CliError::file(edges, format!("needs 2 or 3 columns (i,j[,weight]), has {}", e.cols)));
    }
    let l = load_csv(labels)?;
    if l.cols != 2 {
        return Err(CliError::file(labels, format!("needs 2 columns (node,class), has {}", l.cols)));
    }
    let mut list = Vec::with_capacity(e.rows);
    let mut nodes = 0;
    for i in 0..e.rows {
        let (a, b) = (node_id(&e, i, 0)?, node_id(&e, i, 1)?);
        let w = if e.cols == 3 { e.row(i)[2] } else { 1.0 };
        if a == b || w < 0.0 {
            return Err(CliError::file(edges, format!("row {i}: self-loop or negative weight")));
        }
        nodes = nodes.max(a + 1).max(b + 1);
        list.push((a, b, w));
    }
    let mut lab = Vec::with_capacity(l.rows);
    for i in 0..l.rows {
        let (node, c) = (node_id(&l, i, 0)?, table_id(&l, i, 1, "class", crate::data::MAX_LABEL)?);
        nodes = nodes.max(node + 1);
        lab.push((node, c));
    }
    let mut adj: Vec<Vec<(usize, f64)>> = vec![Vec::new(); nodes];
    for &(a, b, w) in &list {
        adj[a].push((b, w));
        adj[b].push((a, w));
    }
    let mut row_ptr = vec![0];
    let (mut cols, mut weights) = (Vec::new(), Vec::new());
    for nb in &mut adj {
        nb.sort_by_key(|p| p.0);
        for &(j, w) in nb.iter() {
            cols.push(j);
            weights.push(w);
        }
        row_ptr.push(cols.len());
    }
    let mut class = vec![None; nodes];
    for &(node, c) in &lab {
        class[node] = Some(c);
    }
    let classes = lab.iter().map(|p| p.1 + 1).max().unwrap_or(0).max(2);
    Ok(Graph { row_ptr, cols, weights, class, classes })
}

/// One-vs-rest label propagation in precision `T`: per class `(F*, iterations, relative
/// criterion, converged, values on unlabelled nodes)`.
pub fn fit_graph<T: Real>(g: &Graph, a: &Args) -> Result<Vec<Fit>> {
    let nodes = g.class.len();
    let labelled: Vec<bool> = g.class.iter().map(Option::is_some).collect();
    let weights: Vec<T> = g.weights.iter().map(|&v| T::from_f64(v)).collect();
    let mut fits = Vec::new();
    for c in 0..g.classes {
        let y: Vec<T> = g.class.iter().map(|&k| if k == Some(c) { T::ONE } else { T::ZERO }).collect();
        let mut values = vec![T::ZERO; nodes];
        let mut vars = vec![0usize; nodes];
        let mut prob =
            LabelPropagation::new(&g.row_ptr, &g.cols, &weights, &y, &labelled, &mut values, &mut vars)
                .map_err(kerr)?;
        if a.rule.is_some() {
            let s = settings(a, ProblemKind::LabelPropagation, prob.dim(), prob.dim())?;
            fits.push(run_solver(&mut prob, &s, false)?);
            continue;
        }
        let (tn, un) = forest_workspace_len(nodes).ok_or_else(|| CliError::new("bcd: size overflow"))?;
        let (mut ts, mut us) = (vec![T::ZERO; tn], vec![0usize; un]);
        let mut w = vec![T::ZERO; prob.dim()];
        let config = ForestConfig {
            strategy: ForestStrategy::GreedyTree,
            max_iter: a.max_iter,
            tol: T::from_f64(a.tol),
            seed: a.seed,
        };
        let f0 = prob.objective_at_zero().to_f64();
        let (iterations, gap, converged) =
            match solve_forest(&mut prob, &mut w, &config, &mut ts, &mut us, |_, _| true) {
                Ok(s) => (s.iterations, s.gap.to_f64(), true),
                Err(Error::NotConverged { iterations, residual }) => (iterations, residual, false),
                Err(e) => return Err(kerr(e)),
            };
        let f = prob.objective(&w).to_f64();
        fits.push(Fit {
            objective: f,
            objective_at_zero: f0,
            iterations,
            gap: gap / f.abs().max(f64::MIN_POSITIVE),
            converged,
            w: w.iter().map(|v| v.to_f64()).collect(),
            trace: Vec::new(),
        });
    }
    Ok(fits)
}

fn run_label_propagation(a: &Args, ctx: &Ctx) -> Result<()> {
    if a.intercept {
        return Err(CliError::param("intercept", "not used by label-propagation (no features to offset)"));
    }
    let graph =
        a.graph.as_deref().ok_or_else(|| CliError::param("graph", "required for label-propagation"))?;
    let labels =
        a.labels.as_deref().ok_or_else(|| CliError::param("labels", "required for label-propagation"))?;
    if a.data.is_some() {
        return Err(CliError::param("data", "not used by label-propagation (give --graph and --labels)"));
    }
    if a.plot.plot.is_some() {
        return Err(CliError::param("plot", "not available for label-propagation"));
    }
    let g = load_graph(graph, labels)?;
    let mut sw = Stopwatch::new();
    let fits = sw.time(|| match a.precision {
        Precision::F32 => fit_graph::<f32>(&g, a),
        Precision::F64 => fit_graph::<f64>(&g, a),
    })?;
    // predicted class of every node: its label, else the class with the largest value
    let unlabelled: Vec<usize> = (0..g.class.len()).filter(|&i| g.class[i].is_none()).collect();
    let mut pred: Vec<usize> = g.class.iter().map(|c| c.unwrap_or(0)).collect();
    for (v, &node) in unlabelled.iter().enumerate() {
        let mut best = (f64::NEG_INFINITY, 0);
        for (c, f) in fits.iter().enumerate() {
            if f.w[v] > best.0 {
                best = (f.w[v], c);
            }
        }
        pred[node] = best.1;
    }
    let objective: f64 = fits.iter().map(|f| f.objective).sum();
    let iterations: usize = fits.iter().map(|f| f.iterations).sum();
    let gap = fits.iter().map(|f| f.gap).fold(0.0, f64::max);
    let converged = fits.iter().all(|f| f.converged);
    if !converged {
        ctx.status("warning: tolerance not reached for every class");
    }
    let fields = json!({
        "problem": "label-propagation",
        "precision": a.precision.name(),
        "nodes": g.class.len(),
        "unlabelled": unlabelled.len(),
        "classes": g.classes,
        "objective": objective,
        "objective_per_class": fits.iter().map(|f| f.objective).collect::<Vec<_>>(),
        "iterations": iterations,
        "gap": gap,
        "converged": converged,
        "coefficients": fits.iter().map(|f| Value::from(f.w.clone())).collect::<Vec<_>>(),
        "unlabelled_nodes": unlabelled,
        "predictions": pred,
    });
    ctx.finish(sw.seconds(), fields, || {
        format!(
            "label propagation: {} nodes ({} unlabelled), {} classes: objective {objective:.10e} (sum over \
             classes), {iterations} iterations, relative criterion {gap:.2e}",
            g.class.len(),
            unlabelled.len(),
            g.classes
        )
    })
}

/// Unused-colour guard: the legend names must cover the palette.
const _: () = assert!(COLOUR_NAMES.len() == PALETTE.len());
