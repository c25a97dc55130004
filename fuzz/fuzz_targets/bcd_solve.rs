//! Fuzzes `ferrokern::bcd::solve` on Lasso, ridge, logistic and softmax problems with
//! fuzzer-chosen shapes, data (raw bits possible), λ, rule/partition/update/block size,
//! iteration limits and tolerances. Contract: `Ok` with a finite iterate and objective,
//! `NotConverged`/`NumericalFailure` with a finite iterate, or a validation error that left
//! `w` untouched.
#![no_main]

mod common;

use common::{finite64, Input};
use ferrokern::bcd::{
    solve, workspace_len, LeastSquares, Logistic, Norm, Partition, Problem, Rule, Softmax, SolverConfig,
    Stop, Update, Workspace,
};
use ferrokern::Error;
use libfuzzer_sys::fuzz_target;

const RULES: [Rule; 7] =
    [Rule::Cyclic, Rule::Random, Rule::Lipschitz, Rule::GS, Rule::GSL, Rule::GSD, Rule::GSQ];
const PARTS: [Partition; 4] = [Partition::Order, Partition::Sort, Partition::Avg, Partition::Variable];
const UPDATES: [Update; 3] = [Update::Gradient, Update::Matrix, Update::Newton];

fn run<P: Problem<f64>>(mut prob: P, inp: &mut Input<'_>) {
    let bs = inp.size(5);
    let cfg = SolverConfig {
        rule: RULES[inp.size(6)],
        partition: PARTS[inp.size(3)],
        update: UPDATES[inp.size(2)],
        block_size: bs,
        max_iter: if inp.u8() < 250 { inp.size(60) } else { 5000 },
        tol: if inp.bool() { 1e-8 } else { inp.param() },
        seed: u64::from(inp.u8()),
        score_norm: if inp.bool() { Norm::L1 } else { Norm::L2 },
        stop: if inp.bool() { Stop::SklearnLasso } else { Stop::Gap },
        active_set: inp.bool(),
    };
    let d = prob.dim();
    let short = if inp.u8() > 240 { 1 } else { 0 };
    let mut scratch = vec![0.0; workspace_len(d, bs.max(1), cfg.rule).unwrap_or(0).saturating_sub(short)];
    let mut index = vec![0usize; d];
    let mut w = vec![0.0; d];
    let mut ws = Workspace::<f64, 4>::new(&mut scratch, &mut index);
    match solve(&mut prob, &mut w, &cfg, &mut ws) {
        Ok(sol) => assert!(finite64(&w) && sol.objective.is_finite(), "Ok with non-finite iterate/objective"),
        Err(Error::NotConverged { .. } | Error::NumericalFailure { .. }) => assert!(finite64(&w)),
        Err(_) => assert!(w.iter().all(|&v| v == 0.0), "w written on a validation error"),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let kind = inp.u8() % 6;
    let (n, p) = (inp.size(8), inp.size(6));
    let x = inp.values(n * p);
    let y: Vec<f64> = (0..n).map(|_| f64::from(inp.u8() % 3)).collect();
    let lambda = inp.param();
    let mut buf = vec![0.0; n * 3];
    let labels: Vec<usize> = y.iter().map(|&v| v as usize).collect();
    let y01: Vec<f64> = y.iter().map(|&v| v.min(1.0)).collect();
    let r = match kind {
        0 => LeastSquares::lasso(&x, &y, n, p, lambda, &mut buf[..n]).map(|pr| run(pr, &mut inp)),
        1 => LeastSquares::ridge(&x, &y, n, p, lambda, &mut buf[..n]).map(|pr| run(pr, &mut inp)),
        2 => LeastSquares::nonneg_l1(&x, &y, n, p, lambda, &mut buf[..n]).map(|pr| run(pr, &mut inp)),
        3 => Logistic::l2(&x, &y01, n, p, lambda, &mut buf[..n]).map(|pr| run(pr, &mut inp)),
        4 => Logistic::l1(&x, &y01, n, p, lambda, &mut buf[..n]).map(|pr| run(pr, &mut inp)),
        _ => Softmax::new(&x, &labels, n, p, 3, lambda, &mut buf).map(|pr| run(pr, &mut inp)),
    };
    let _ = r;
});
