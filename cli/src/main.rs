//! `ferrokern`: run ferrokern's kernels on data files from the command line.
//!
//! Adding a subcommand: write `src/cmd/<name>.rs` (with `Args` and `run`), add `pub mod <name>;`
//! to `src/cmd/mod.rs`, then one variant to [`Command`] and one arm to [`Command::run`].

use clap::{Parser, Subcommand};
use ferrokern_cli::cmd;
use ferrokern_cli::error::{install_panic_hook, CliError, Result, EXIT_ERROR};
use ferrokern_cli::output::Ctx;

/// Numerical kernels for microcontrollers, on your data files.
#[derive(Debug, Parser)]
#[command(name = "ferrokern", version, propagate_version = true)]
struct Cli {
    /// Print exactly one JSON object on stdout (with "seconds": kernel wall time).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Detected SIMD path, supported paths, target and build features.
    Info(cmd::info::Args),
    /// Run every kernel demo on bundled data and print a report (at most 3 minutes).
    Tour(cmd::tour::Args),
    /// Load a data set as training commands do and describe it (rows, columns, task, classes).
    Inspect(cmd::inspect::Args),
    /// Optimizer experiments: `optim trace` (iterates on the diffGrad paper's test functions).
    Optim(cmd::optim::Args),
    /// Train a model on a CSV file: `train mlp` (diffGrad, Adam or SGD).
    Train(cmd::train::Args),
    /// Predictions (and accuracy/RMSE when the file has a target) of a saved model file.
    Predict(cmd::predict::Args),
    /// Block coordinate descent: lasso, least squares, logistic, softmax, label propagation.
    Bcd(cmd::bcd::Args),
    /// Gradient-boosted networks: `gbnn train` (boost T steps of J units), `gbnn eval` (prune to K units).
    Gbnn(cmd::gbnn::Args),
    /// Write a model file as Rust or C source (static aligned byte array) for firmware.
    Export(cmd::export::Args),
    /// Entropic optimal transport between two point clouds (Sinkhorn; plan, cost, potentials).
    Sinkhorn(cmd::sinkhorn::Args),
    /// Digits from a flow teacher and its one-step student: `denoise train|distill|sample|judge`.
    Denoise(cmd::denoise::Args),
    /// Panic on purpose (tests the one-line internal-error handler).
    #[command(hide = true)]
    InternalPanic,
}

impl Command {
    fn run(self, ctx: &Ctx) -> Result<()> {
        match self {
            Command::Info(a) => cmd::info::run(a, ctx),
            Command::Tour(a) => cmd::tour::run(a, ctx),
            Command::Inspect(a) => cmd::inspect::run(a, ctx),
            Command::Optim(a) => cmd::optim::run(a, ctx),
            Command::Train(a) => cmd::train::run(a, ctx),
            Command::Predict(a) => cmd::predict::run(a, ctx),
            Command::Bcd(a) => cmd::bcd::run(a, ctx),
            Command::Gbnn(a) => cmd::gbnn::run(a, ctx),
            Command::Export(a) => cmd::export::run(a, ctx),
            Command::Sinkhorn(a) => cmd::sinkhorn::run(a, ctx),
            Command::Denoise(a) => cmd::denoise::run(a, ctx),
            Command::InternalPanic => panic!("deliberate panic (internal-panic)"),
        }
    }
}

/// clap's usage errors as one line: the message and its details (missing arguments, allowed
/// values, tips), without the usage block.
fn one_line_usage_error(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let parts: Vec<&str> = text
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .collect();
    let mut msg = String::new();
    for p in parts {
        if !msg.is_empty() {
            msg.push_str(if msg.ends_with(':') { " " } else { "; " });
        }
        msg.push_str(p);
    }
    let msg = msg.strip_prefix("error:").unwrap_or(&msg).trim();
    format!("{msg} (try 'ferrokern --help')")
}

fn main() {
    install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = e.print();
                    std::process::exit(0);
                }
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    eprint!("{}", e.render());
                    std::process::exit(EXIT_ERROR);
                }
                _ => {
                    eprintln!("error: {}", CliError::new(one_line_usage_error(&e)));
                    std::process::exit(EXIT_ERROR);
                }
            }
        }
    };
    let ctx = Ctx { json: cli.json };
    if let Err(e) = cli.command.run(&ctx) {
        eprintln!("error: {e}");
        std::process::exit(EXIT_ERROR);
    }
}
