//! `ferrokern optim trace`: the iterates of an optimizer on the diffGrad paper's test functions
//! (spec `diffgrad.md` §4, eqs. 24–26) and Rosenbrock, the paper's Fig. 4 reproducible from the
//! command line. Defaults are the spec's protocol: x0 = −1, lr 0.1, β1 0.95, β2 0.999, ε 1e-8,
//! 299 steps, f64.

use clap::{Subcommand, ValueEnum};
use ferrokern::optim::{
    Adam, AdamConfig, DiffGrad, DiffGradConfig, EpsMode, Moment, Optimizer, SgdConfig, SgdMomentum,
};
use ferrokern::Real;
use serde_json::json;

use crate::args::{PlotArgs, Precision};
use crate::error::{CliError, Result};
use crate::output::{Ctx, Stopwatch};
use crate::plot;

/// `optim` subcommands.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: OptimCommand,
}

#[derive(Debug, Clone, Subcommand)]
enum OptimCommand {
    /// Iterates of an optimizer on F1/F2/F3 (diffGrad paper) or Rosenbrock, step 0 included.
    Trace(TraceArgs),
}

/// Which optimizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OptimizerKind {
    /// diffGrad (spec `diffgrad.md`).
    Diffgrad,
    /// Adam (torch.optim.Adam form).
    Adam,
    /// SGD with momentum (--momentum).
    Sgd,
}

impl OptimizerKind {
    /// Lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Diffgrad => "diffgrad",
            OptimizerKind::Adam => "adam",
            OptimizerKind::Sgd => "sgd",
        }
    }
}

/// ε placement of diffGrad (spec §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EpsModeArg {
    /// `diffGrad_v2.py` / PyTorch: ε on the uncorrected √v (default).
    Torch,
    /// Paper: ε on the bias-corrected √v̂.
    Paper,
}

/// A test function of the spec (§4) or Rosenbrock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFunction {
    /// F1: (x+0.3)² for x ≤ 0, (x−0.2)²+0.05 else (global min −0.3, local min 0.2).
    F1,
    /// F2: −40x−35.15 for x ≤ −0.9, x³ + x·sin 8x + 0.85 else (global min ≈ −0.64292).
    F2,
    /// F3: piecewise x² / linear (global min 0, local minima ±0.5).
    F3,
    /// Rosenbrock (1−x)² + 100(y−x²)², 2-D, minimum (1, 1).
    Rosenbrock,
}

impl TestFunction {
    /// Lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            TestFunction::F1 => "f1",
            TestFunction::F2 => "f2",
            TestFunction::F3 => "f3",
            TestFunction::Rosenbrock => "rosenbrock",
        }
    }

    /// Number of variables.
    pub fn dim(self) -> usize {
        if self == TestFunction::Rosenbrock {
            2
        } else {
            1
        }
    }

    /// Default start: −1 (spec protocol) or (−1.5, 2) for Rosenbrock.
    pub fn default_x0(self) -> Vec<f64> {
        if self == TestFunction::Rosenbrock {
            vec![-1.5, 2.0]
        } else {
            vec![-1.0]
        }
    }

    /// Value at `x` (`x.len() == dim()`).
    pub fn value(self, x: &[f64]) -> f64 {
        let x0 = x.first().copied().unwrap_or(0.0);
        match self {
            TestFunction::F1 => {
                if x0 <= 0.0 {
                    (x0 + 0.3).powi(2)
                } else {
                    (x0 - 0.2).powi(2) + 0.05
                }
            }
            TestFunction::F2 => {
                if x0 <= -0.9 {
                    -40.0 * x0 - 35.15
                } else {
                    x0.powi(3) + x0 * (8.0 * x0).sin() + 0.85
                }
            }
            TestFunction::F3 => {
                if x0 <= -0.5 {
                    x0 * x0
                } else if x0 <= -0.4 {
                    0.75 + x0
                } else if x0 <= 0.0 {
                    -7.0 * x0 / 8.0
                } else if x0 <= 0.4 {
                    7.0 * x0 / 8.0
                } else if x0 <= 0.5 {
                    0.75 - x0
                } else {
                    x0 * x0
                }
            }
            TestFunction::Rosenbrock => {
                let y = x.get(1).copied().unwrap_or(0.0);
                (1.0 - x0).powi(2) + 100.0 * (y - x0 * x0).powi(2)
            }
        }
    }

    /// Gradient at `x` into `g` (the exact derivative; spec §4, left-closed branches).
    pub fn gradient(self, x: &[f64], g: &mut [f64]) {
        let x0 = x.first().copied().unwrap_or(0.0);
        let d = match self {
            TestFunction::F1 => {
                if x0 <= 0.0 {
                    2.0 * x0 + 0.6
                } else {
                    2.0 * x0 - 0.4
                }
            }
            TestFunction::F2 => {
                if x0 <= -0.9 {
                    -40.0
                } else {
                    3.0 * x0 * x0 + (8.0 * x0).sin() + 8.0 * x0 * (8.0 * x0).cos()
                }
            }
            TestFunction::F3 => {
                if x0 <= -0.5 {
                    2.0 * x0
                } else if x0 <= -0.4 {
                    1.0
                } else if x0 <= 0.0 {
                    -7.0 / 8.0
                } else if x0 <= 0.4 {
                    7.0 / 8.0
                } else if x0 <= 0.5 {
                    -1.0
                } else {
                    2.0 * x0
                }
            }
            TestFunction::Rosenbrock => {
                let y = x.get(1).copied().unwrap_or(0.0);
                if let Some(gy) = g.get_mut(1) {
                    *gy = 200.0 * (y - x0 * x0);
                }
                -2.0 * (1.0 - x0) - 400.0 * x0 * (y - x0 * x0)
            }
        };
        if let Some(g0) = g.first_mut() {
            *g0 = d;
        }
    }
}

/// Optimizer hyperparameters shared by `optim trace` and `train mlp`.
#[derive(Debug, Clone, clap::Args)]
pub struct OptimizerArgs {
    /// Optimizer.
    #[arg(long, value_enum, default_value_t = OptimizerKind::Diffgrad)]
    pub optimizer: OptimizerKind,
    /// β1 of diffGrad/Adam (default 0.9; `optim trace`: 0.95, the spec protocol).
    #[arg(long, allow_negative_numbers = true)]
    pub beta1: Option<f64>,
    /// β2 of diffGrad/Adam.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.999)]
    pub beta2: f64,
    /// ε of diffGrad/Adam.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1e-8)]
    pub eps: f64,
    /// ε placement (diffGrad only; default torch).
    #[arg(long, value_enum)]
    pub eps_mode: Option<EpsModeArg>,
    /// Coupled L2 weight decay.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.0)]
    pub weight_decay: f64,
    /// Momentum of SGD.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.9)]
    pub momentum: f64,
}

/// A configured optimizer of any kind (dispatch once, then generic code).
#[derive(Debug, Clone, Copy)]
pub enum AnyOptimizer {
    /// diffGrad.
    DiffGrad(DiffGrad),
    /// Adam.
    Adam(Adam),
    /// SGD with momentum.
    Sgd(SgdMomentum),
}

impl OptimizerArgs {
    /// The optimizer with learning rate `lr`, `default_beta1` when `--beta1` is not given.
    /// Parameter errors name the flag (`--lr: must be > 0`).
    pub fn build(&self, lr: f64, default_beta1: f64) -> Result<AnyOptimizer> {
        if self.eps_mode.is_some() && self.optimizer != OptimizerKind::Diffgrad {
            return Err(CliError::param("eps-mode", "applies to --optimizer diffgrad only"));
        }
        // ε = 0 divides 0 by 0 at a zero gradient; the kernels' validate() accepts it.
        if self.optimizer != OptimizerKind::Sgd && !(self.eps > 0.0 && self.eps.is_finite()) {
            return Err(CliError::param("eps", "must be finite and > 0"));
        }
        let beta1 = self.beta1.unwrap_or(default_beta1);
        let opt = match self.optimizer {
            OptimizerKind::Diffgrad => AnyOptimizer::DiffGrad(DiffGrad::new(DiffGradConfig {
                lr,
                beta1,
                beta2: self.beta2,
                eps: self.eps,
                weight_decay: self.weight_decay,
                eps_mode: match self.eps_mode {
                    Some(EpsModeArg::Paper) => EpsMode::Paper,
                    _ => EpsMode::Torch,
                },
            })),
            OptimizerKind::Adam => AnyOptimizer::Adam(Adam::new(AdamConfig {
                lr,
                beta1,
                beta2: self.beta2,
                eps: self.eps,
                weight_decay: self.weight_decay,
                decoupled: false,
            })),
            OptimizerKind::Sgd => AnyOptimizer::Sgd(SgdMomentum::new(SgdConfig {
                lr,
                momentum: self.momentum,
                nesterov: false,
                weight_decay: self.weight_decay,
            })),
        };
        let check = match &opt {
            AnyOptimizer::DiffGrad(o) => o.validate(),
            AnyOptimizer::Adam(o) => o.validate(),
            AnyOptimizer::Sgd(o) => o.validate(),
        };
        check.map_err(|e| match e {
            ferrokern::Error::InvalidParameter { name, reason } => {
                CliError::param(&name.replace('_', "-"), reason)
            }
            other => CliError::kernel("optimizer", other),
        })?;
        Ok(opt)
    }
}

/// `optim trace` options.
#[derive(Debug, Clone, clap::Args)]
pub struct TraceArgs {
    #[command(flatten)]
    opt: OptimizerArgs,
    /// Test function.
    #[arg(long, value_enum, default_value_t = TestFunction::F1)]
    function: TestFunction,
    /// Start point, comma-separated (default −1; Rosenbrock −1.5,2).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true, value_name = "V[,V]")]
    x0: Option<Vec<f64>>,
    /// Learning rate.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.1)]
    lr: f64,
    /// Optimizer steps (the output has steps + 1 points, step 0 included).
    #[arg(long, default_value_t = 299)]
    steps: usize,
    /// Arithmetic precision (f64: scalar path; f32: the shipped SIMD path).
    #[arg(long, value_enum, default_value_t = Precision::F64)]
    precision: Precision,
    #[command(flatten)]
    plot: PlotArgs,
}

/// Largest accepted `--steps`.
pub const MAX_STEPS: usize = 10_000_000;

/// Points x_0..x_steps and values f(x_k) of `opt` on `f` from `x0`, in precision `T`.
pub fn trace<T: Real + Moment<T>>(
    opt: AnyOptimizer,
    f: TestFunction,
    x0: &[f64],
    steps: usize,
) -> std::result::Result<Vec<Vec<f64>>, ferrokern::Error> {
    fn run<T: Real + Moment<T>, O: Optimizer>(
        mut opt: O,
        f: TestFunction,
        x0: &[f64],
        steps: usize,
    ) -> std::result::Result<Vec<Vec<f64>>, ferrokern::Error> {
        let mut x: Vec<T> = x0.iter().map(|&v| T::from_f64(v)).collect();
        let mut state = vec![T::ZERO; O::state_len_for(x.len())];
        let (mut g64, mut g) = (vec![0.0; x.len()], vec![T::ZERO; x.len()]);
        let mut out = Vec::with_capacity(steps + 1);
        let widen = |x: &[T]| x.iter().map(|v| v.to_f64()).collect::<Vec<f64>>();
        out.push(widen(&x));
        for _ in 0..steps {
            let x64 = widen(&x);
            f.gradient(&x64, &mut g64);
            g.iter_mut().zip(&g64).for_each(|(d, &s)| *d = T::from_f64(s));
            opt.step(&mut x, &g, &mut state)?;
            out.push(widen(&x));
        }
        Ok(out)
    }
    match opt {
        AnyOptimizer::DiffGrad(o) => run::<T, _>(o, f, x0, steps),
        AnyOptimizer::Adam(o) => run::<T, _>(o, f, x0, steps),
        AnyOptimizer::Sgd(o) => run::<T, _>(o, f, x0, steps),
    }
}

/// Run a subcommand.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    match args.command {
        OptimCommand::Trace(a) => run_trace(a, ctx),
    }
}

fn run_trace(args: TraceArgs, ctx: &Ctx) -> Result<()> {
    if !(args.lr > 0.0 && args.lr.is_finite()) {
        return Err(CliError::param("lr", "must be finite and > 0"));
    }
    if args.steps == 0 || args.steps > MAX_STEPS {
        return Err(CliError::param("steps", format!("must be in 1..={MAX_STEPS}")));
    }
    if let Some(path) = &args.plot.plot {
        crate::fsio::check_output(path, "plot")?;
    }
    let f = args.function;
    let x0 = args.x0.clone().unwrap_or_else(|| f.default_x0());
    if x0.len() != f.dim() {
        return Err(CliError::param(
            "x0",
            format!("{} needs {} value(s), got {}", f.name(), f.dim(), x0.len()),
        ));
    }
    if let Some(v) = x0.iter().find(|v| !v.is_finite()) {
        return Err(CliError::param("x0", format!("{v} is not finite")));
    }
    let opt = args.opt.build(args.lr, 0.95)?;
    let mut sw = Stopwatch::new();
    let xs = sw
        .time(|| match args.precision {
            Precision::F64 => trace::<f64>(opt, f, &x0, args.steps),
            Precision::F32 => trace::<f32>(opt, f, &x0, args.steps),
        })
        .map_err(|e| CliError::kernel("optim trace", e))?;
    let fs: Vec<f64> = xs.iter().map(|x| f.value(x)).collect();
    if let Some(path) = &args.plot.plot {
        // 1-D: the iterate against the step (the paper's figure); 2-D: log10 f against the step.
        let series: Vec<(f64, f64)> = if f.dim() == 1 {
            xs.iter().enumerate().map(|(k, x)| (k as f64, x[0])).collect()
        } else {
            fs.iter().enumerate().map(|(k, &v)| (k as f64, v)).collect()
        };
        plot::line_plot(&[series], f.dim() > 1, 640, 400).save(path)?;
    }
    let last = xs.last().cloned().unwrap_or_default();
    let f_last = fs.last().copied().unwrap_or(f64::NAN);
    let fields = json!({
        "optimizer": args.opt.optimizer.name(),
        "function": f.name(),
        "precision": args.precision.name(),
        "steps": args.steps,
        "x": xs,
        "f": fs,
    });
    ctx.finish(sw.seconds(), fields, || {
        let mut s = format!(
            "{} on {} ({}), {} steps from {:?}: x = {:?}, f = {:.6e}",
            args.opt.optimizer.name(),
            f.name(),
            args.precision.name(),
            args.steps,
            x0,
            last,
            f_last
        );
        if let Some(p) = &args.plot.plot {
            s.push_str(&format!("\nplot: {}", p.display()));
        }
        s
    })
}
