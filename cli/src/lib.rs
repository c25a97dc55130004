//! The `ferrokern` command-line tool's building blocks; `main.rs` holds the clap command tree.
//!
//! - [`data`]: CSV loading/validation, `--test-rows` splits, standardisation, task detection.
//! - [`args`]: argument groups every subcommand flattens (`--data`, `--task`, `--precision`, …).
//! - [`output`]: `--json` vs human output, kernel-only timing, progress bars.
//! - [`error`]: the one-line error type, exit status 2, the panic hook.
//! - [`fsio`]: atomic output files. [`plot`]: PNG plots. [`metrics`]: accuracy/RMSE and key names.
//! - [`levels`]: SIMD path names and detection.
//! - [`cmd`]: one module per subcommand. [`demos`]: the `tour` registry.

pub mod args;
pub mod cmd;
pub mod data;
pub mod demos;
pub mod error;
pub mod fsio;
pub mod levels;
pub mod metrics;
pub mod output;
pub mod plot;
