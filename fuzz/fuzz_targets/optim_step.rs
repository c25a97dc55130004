//! Fuzzes `ferrokern::optim`: diffGrad/Adam/SGD steps (f32 SIMD path and f64) with
//! fuzzer-chosen lengths (mismatched too), gradients (raw bits), hyper-parameters, step
//! counts, schedules and clipping. Contract: `Ok` with finite params and state (params in
//! [-8, 8], lr and weight decay ≤ 1e3, the documented range) or an `Err` that changed nothing.
#![no_main]

mod common;

use common::{finite32, Input};
use ferrokern::optim::{
    Adam, AdamConfig, DiffGrad, DiffGradConfig, LrSchedule, Optimizer, SgdConfig, SgdMomentum, StepControl,
};
use libfuzzer_sys::fuzz_target;

fn run<O: Optimizer>(mut opt: O, inp: &mut Input<'_>, per: usize, bounded: bool) {
    let n = inp.size(33);
    let mut p: Vec<f32> = (0..n).map(|_| inp.small() as f32).collect();
    let gl = if inp.u8() < 230 { n } else { inp.size(34) };
    let g: Vec<f32> = (0..gl).map(|_| inp.value() as f32).collect();
    let sl = if inp.u8() < 230 { n * per } else { inp.size(100) };
    let mut s = vec![0.0f32; sl];
    opt.set_step_count(if inp.u8() < 200 { u64::from(inp.u8()) } else { u64::MAX - u64::from(inp.u8()) });
    for _ in 0..3 {
        let (p0, s0, t0) = (p.clone(), s.clone(), opt.step_count());
        // The schedule may raise the rate (γ > 1): finite outputs are promised for |lr| ≤ 1e3.
        let lr_now = opt.current_lr().abs();
        match opt.step(&mut p, &g, &mut s) {
            Ok(()) => {
                assert!(finite32(&p), "Ok with non-finite params");
                if bounded && lr_now <= 1e3 {
                    assert!(finite32(&s), "Ok with non-finite state");
                }
                assert_eq!(opt.step_count(), t0.saturating_add(1));
            }
            // Documented: finite inputs whose step overflows; the step was applied.
            Err(ferrokern::Error::NumericalFailure { what }) if what.starts_with("step overflowed") => {
                assert!(!finite32(&p), "{what} with finite params");
                return;
            }
            Err(_) => {
                assert!(
                    p0.iter().zip(&p).all(|(a, b)| a.to_bits() == b.to_bits()),
                    "params changed on error"
                );
                assert!(s0.iter().zip(&s).all(|(a, b)| a.to_bits() == b.to_bits()), "state changed on error");
                assert_eq!(opt.step_count(), t0);
                return;
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let which = inp.u8();
    let (lr, wd, b1, b2, eps) = (inp.param(), inp.param(), inp.param(), inp.param(), inp.param());
    let schedule = match inp.u8() % 3 {
        0 => LrSchedule::Constant,
        1 => LrSchedule::Step { every: u64::from(inp.u8()), gamma: inp.param() },
        _ => LrSchedule::Cosine { total: u64::from(inp.u8()), min_lr: inp.param() },
    };
    let max_grad_norm = if inp.bool() { Some(inp.param()) } else { None };
    let control = StepControl { schedule, warmup_steps: u64::from(inp.u8() % 4), max_grad_norm };
    let min_lr = match schedule {
        LrSchedule::Cosine { min_lr, .. } => min_lr,
        LrSchedule::Step { gamma, .. } => gamma,
        LrSchedule::Constant => 0.0,
    };
    // The documented finite-output range: |lr|, |wd|, schedule parameters ≤ 1e3.
    let bounded = [lr, wd, min_lr].iter().all(|v| !(v.abs() > 1e3));
    match which % 3 {
        0 => {
            let c = DiffGradConfig {
                lr,
                beta1: b1,
                beta2: b2,
                eps,
                weight_decay: wd,
                ..DiffGradConfig::default()
            };
            run(DiffGrad::new(c).with_control(control), &mut inp, 3, bounded);
        }
        1 => {
            let c = AdamConfig { lr, beta1: b1, beta2: b2, eps, weight_decay: wd, decoupled: inp.bool() };
            run(Adam::new(c).with_control(control), &mut inp, 2, bounded);
        }
        _ => {
            let c = SgdConfig { lr, momentum: b1, nesterov: inp.bool(), weight_decay: wd };
            run(SgdMomentum::new(c).with_control(control), &mut inp, 1, bounded);
        }
    }
});
