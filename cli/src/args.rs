//! Argument groups shared by subcommands: `#[command(flatten)]` them into a subcommand's
//! `Args` struct so every command spells its options the same way.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::data::{self, Split, Task};
use crate::error::Result;

/// `--data TRAIN.csv [--test-data TEST.csv | --test-rows ROWS.txt]`.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// CSV data: header row optional, numeric cells, last column = target.
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
    /// Held-out data in a separate CSV with the same columns.
    #[arg(long, value_name = "TEST.csv", conflicts_with = "test_rows")]
    pub test_data: Option<PathBuf>,
    /// Hold out these rows of --data: 0-based row indices, one per line.
    #[arg(long, value_name = "ROWS.txt")]
    pub test_rows: Option<PathBuf>,
}

impl DataArgs {
    /// Load and validate the training and held-out rows.
    pub fn load(&self) -> Result<Split> {
        data::load_split(&self.data, self.test_data.as_deref(), self.test_rows.as_deref())
    }
}

/// `--task` override of the detected task.
#[derive(Debug, Clone, Args)]
pub struct TaskArgs {
    /// Override the task detected from the target (small non-negative integers → classification).
    #[arg(long, value_enum)]
    pub task: Option<Task>,
}

/// Options of supervised training commands: standardisation and precision.
#[derive(Debug, Clone, Args)]
pub struct TrainArgs {
    /// Do not standardise features (by default: training rows' mean/std, stored with the model).
    #[arg(long)]
    pub no_standardize: bool,
    /// Floating-point precision of the kernel (f32 = SIMD path, f64 = scalar path).
    #[arg(long, value_enum, default_value_t = Precision::F32)]
    pub precision: Precision,
}

/// Kernel precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 32-bit: the shipped, SIMD-accelerated path.
    F32,
    /// 64-bit: the scalar path.
    F64,
}

impl Precision {
    /// `f32` or `f64`.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        }
    }
}

/// `--plot FILE.png` for commands that can draw their result.
#[derive(Debug, Clone, Args)]
pub struct PlotArgs {
    /// Also draw the result into this PNG file.
    #[arg(long, value_name = "FILE.png")]
    pub plot: Option<PathBuf>,
}
