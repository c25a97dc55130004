//! One file per subcommand. Each exposes `pub struct Args` (clap `Args` derive; may be empty)
//! and `pub fn run(args: Args, ctx: &Ctx) -> Result<()>`, which ends with `ctx.finish(…)`.
//!
//! Adding a subcommand `fit-foo`:
//! 1. `src/cmd/fit_foo.rs`, following this skeleton:
//!    ```ignore
//!    #[derive(Debug, Clone, clap::Args)]
//!    pub struct Args {
//!        #[command(flatten)] data: DataArgs,   // --data, --test-data, --test-rows
//!        #[command(flatten)] task: TaskArgs,   // --task
//!        #[command(flatten)] train: TrainArgs, // --no-standardize, --precision
//!        #[arg(long, default_value_t = 1e-3)] lambda: f64,
//!    }
//!    pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
//!        if !(args.lambda > 0.0) { return Err(CliError::param("lambda", "must be > 0")); }
//!        let mut split = args.data.load()?;                     // validated, errors name file/row
//!        let stats = split.standardize(!args.train.no_standardize);
//!        let task = resolve_task(args.task.task, &split.train.y);
//!        let mut sw = Stopwatch::new();
//!        let progress = Progress::new(ctx, iterations, "fit-foo");
//!        let model = sw.time(|| /* kernel work only */)
//!            .map_err(|e| CliError::kernel("fit-foo", e))?;
//!        // score: metrics::{accuracy, rmse}, key metrics::metric_key(task, Stage::Test)
//!        // files: fsio::write_atomic / plot::line_plot(..).save(path)
//!        ctx.finish(sw.seconds(), json!({ "task": task.name(), /* … */ }), || format!("…"))
//!    }
//!    ```
//! 2. `pub mod fit_foo;` below.
//! 3. In `main.rs`: a variant `FitFoo(cmd::fit_foo::Args)` with a `///` help line in
//!    `enum Command`, and the arm `Command::FitFoo(a) => cmd::fit_foo::run(a, ctx)`.
//! 4. Tests in `cli/tests/` running the binary: JSON keys, and bad parameters → `error:` + 2.

pub mod bcd;
pub mod denoise;
pub mod export;
pub mod gbnn;
pub mod info;
pub mod inspect;
pub mod optim;
pub mod predict;
pub mod sinkhorn;
pub mod tour;
pub mod train;
