//! Fuzzes `ferrokern::denoise` guidance and sampling steps: CFG, negative CFG, APG (both
//! modes, with momentum across calls), adaptive guidance, cosine, DDIM steps and NASA
//! attention, with fuzzer-chosen lengths (mismatched too), values (raw bits possible) and
//! extreme w/η/momentum/threshold/ā. Contract: `Ok` (finite outputs when inputs and
//! parameters are moderate) or an `Err`; never a panic.
#![no_main]

mod common;

use common::{finite32, Input};
use ferrokern::denoise::{
    apg, cfg, cfg_negative, cosine, ddim_step, nasa_attention, nasa_workspace_len, AdaptiveGuidance,
    ApgConfig, ApgMode, AttentionShape, MomentumBuffer,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let n = inp.size(24);
    let raw = inp.bool();
    let vals = |inp: &mut Input<'_>, k: usize| -> Vec<f32> {
        (0..k).map(|_| if raw { inp.value() as f32 } else { inp.small() as f32 }).collect()
    };
    let c = vals(&mut inp, n);
    let ul = if inp.u8() < 230 { n } else { inp.size(24) };
    let u = vals(&mut inp, ul);
    let neg = vals(&mut inp, n);
    let (w, w_neg) = if inp.bool() { (inp.small(), inp.small()) } else { (inp.param(), inp.param()) };
    let moderate = !raw && w.abs() <= 16.0 && w_neg.abs() <= 16.0;
    let mut out = vec![0.0f32; n];
    if cfg(&c, &u, w, &mut out).is_ok() && moderate {
        assert!(finite32(&out), "cfg Ok with non-finite output");
    }
    if cfg_negative(&c, &u, &neg, w, w_neg, &mut out).is_ok() && moderate {
        assert!(finite32(&out), "cfg_negative Ok with non-finite output");
    }
    let config = ApgConfig {
        w,
        eta: inp.param(),
        norm_threshold: inp.param(),
        momentum: if inp.bool() { -0.5 } else { inp.param() },
        mode: if inp.bool() { ApgMode::Paper } else { ApgMode::Diffusers },
    };
    let mut running = vec![0.0f32; if inp.u8() < 240 { n } else { inp.size(24) }];
    let mut mb = MomentumBuffer::new(&mut running);
    for _ in 0..3 {
        if let Ok(stats) = apg(&c, &u, &config, &mut mb, &mut out) {
            let _ = stats;
        }
    }
    let _ = cosine(&c, &u);
    let mut ag = AdaptiveGuidance::new(inp.param());
    for _ in 0..3 {
        let with = inp.bool();
        let _ = ag.guide(&c, if with { Some(&u) } else { None }, w, &mut out);
    }
    let (ab, abp) = (inp.param(), inp.param());
    let mut x = c.clone();
    let _ = ddim_step(&mut x, &u, ab, abp);
    let shape = AttentionShape {
        queries: inp.size(3),
        key_dim: inp.size(4),
        value_dim: inp.size(4),
        pos_tokens: inp.size(4),
        neg_tokens: inp.size(3),
    };
    let take = |v: &[f32], k: usize| -> Vec<f32> {
        (0..k).map(|i| v.get(i % v.len().max(1)).copied().unwrap_or(0.5)).collect()
    };
    let q = take(&c, shape.queries * shape.key_dim + usize::from(inp.u8() > 240));
    let kp = take(&u, shape.pos_tokens * shape.key_dim);
    let vp = take(&neg, shape.pos_tokens * shape.value_dim);
    let kn = take(&c, shape.neg_tokens * shape.key_dim);
    let vn = take(&u, shape.neg_tokens * shape.value_dim);
    let mut work = vec![0.0f32; nasa_workspace_len(shape.pos_tokens, shape.neg_tokens)];
    let mut aout = vec![0.0f32; shape.queries * shape.value_dim];
    let _ = nasa_attention(&shape, &q, &kp, &vp, &kn, &vn, inp.small() as f32, &mut work, &mut aout);
});
