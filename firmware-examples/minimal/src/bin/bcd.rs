//! bcd family: Lasso by greedy (GSL) coordinate descent, 6 rows × 3 features.
#![cfg_attr(target_os = "none", no_std, no_main)]

use core::hint::black_box;

use ferrokern::bcd::{solve, workspace_len, LeastSquares, Rule, SolverConfig, Workspace};

fw_minimal::minimal_main!(run);

const P: usize = 3;
const SCRATCH: usize = match workspace_len(P, 1, Rule::GSL) {
    Some(n) => n,
    None => 0,
};

fn run() -> bool {
    body().is_ok()
}

fn body() -> ferrokern::Result<()> {
    let x = black_box([
        1.0f32, 0.5, -0.2, 0.3, 1.0, 0.1, -0.4, 0.2, 1.0, 0.8, -0.6, 0.4, 0.1, 0.9, -0.3, 0.5, 0.5, 0.5,
    ]);
    let y = black_box([1.0f32, 2.0, -0.5, 0.7, 1.1, 0.9]);
    let mut r = [0.0f32; 6];
    let mut lasso = LeastSquares::lasso(&x, &y, 6, P, black_box(0.05), &mut r)?;
    let config = SolverConfig { rule: Rule::GSL, block_size: 1, tol: 1e-6, ..SolverConfig::default() };
    let mut scratch = [0.0f32; SCRATCH];
    let mut index = [0usize; P];
    let mut ws = Workspace::<f32, 1>::new(&mut scratch, &mut index);
    let mut w = [0.0f32; P];
    let solution = solve(&mut lasso, &mut w, &config, &mut ws)?;
    black_box(&solution);
    black_box(&w);
    Ok(())
}
