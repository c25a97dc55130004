//! `ferrokern denoise`: the spec's class-conditional flow teacher on 8×8 digits
//! (`denoiser.md`), its one-step student, sampling with CFG/APG/AG and the judge's metrics.

pub mod judge;
pub mod model;
pub mod sample;
pub mod train;

use clap::Subcommand;

use crate::error::Result;
use crate::output::Ctx;

/// `denoise` subcommands.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: DenoiseCommand,
}

#[derive(Debug, Clone, Subcommand)]
enum DenoiseCommand {
    /// Train the conditional flow teacher on digits (flow matching, label dropout, Adam, EMA).
    Train(train::TrainArgs),
    /// Distil the one-step student G(z, y, w) from a teacher (regression on its endpoints).
    Distill(train::DistillArgs),
    /// Generate digits with a teacher (Euler, CFG/APG/AG) or a student (one evaluation).
    Sample(sample::Args),
    /// Score samples: judge accuracy, Fréchet distance in judge features, precision/recall (k = 3).
    Judge(judge::Args),
}

/// Runs a `denoise` subcommand.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    match args.command {
        DenoiseCommand::Train(a) => train::train(a, ctx),
        DenoiseCommand::Distill(a) => train::distill(a, ctx),
        DenoiseCommand::Sample(a) => sample::run(a, ctx),
        DenoiseCommand::Judge(a) => judge::run(a, ctx),
    }
}
