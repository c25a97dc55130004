//! `cargo xtask`: the project's build/test driver (std + serde_json only).
//!
//! Sub-commands: `test` (everything CI runs), `firmware`, `size`, `insncount`, `retrain`;
//! `host-demo NAME` (hidden) prints a demo's output computed on the host.

mod capi;
mod demos;
mod firmware;
mod footprint;
mod fuzz;
mod insncount;
mod retrain;
mod stack;
mod steps;
mod tools;
mod util;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

  test        every check CI runs (tools, fmt, clippy, tests, NEON under QEMU, no_std cross
              builds, firmware bit-identity, miri, fuzz, footprint, instruction counts);
              `cargo xtask test STEP...` runs only the named steps (see `cargo xtask steps`)
  steps       list the steps of `test`
  firmware    build the Cortex-M4F demos, run them in QEMU, compare bit for bit with the host
  size        flash/RAM/stack per kernel family (minimal firmware) -> <target>/footprint.json;
              fails if a family's flash grew > 10 % over xtask/footprint-baseline.json;
              `--update-baseline` rewrites that file, `--write-readme` the README table
  insncount   instruction counts of scalar kernels on Cortex-M4F (QEMU TCG plugin)
  retrain     retrain the shipped models (see xtask/src/retrain.rs)
  fuzz        [--seconds N] [TARGET...]: build the cargo-fuzz targets once, run each N s
              (default 10; needs nightly and cargo-fuzz)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["test", only @ ..] => steps::test(only),
        ["steps"] => {
            steps::list();
            Ok(())
        }
        ["firmware"] => firmware::firmware(),
        ["size", opts @ ..] => footprint::Options::parse(opts).and_then(|o| footprint::size(&o)),
        ["insncount"] => insncount::insncount(),
        ["retrain"] => retrain::retrain(),
        ["fuzz", rest @ ..] => fuzz::command(rest),
        ["host-demo", name] => host_demo(name),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the host computation of demo `name` (run with `FERROKERN_SIMD=scalar` by `firmware`).
fn host_demo(name: &str) -> util::Result<()> {
    let demo = demos::find(name).ok_or_else(|| format!("no demo named {name}"))?;
    let mut out = String::new();
    let result = (demo.host)(&mut out);
    print!("{out}");
    result.map(|_| ()).map_err(|e| format!("demo {name}: {e}"))
}
