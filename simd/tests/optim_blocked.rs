//! The blocked Adam/diffGrad pass (`optim::adam_blocked`, what `step_f32` runs on SIMD levels)
//! against the element loop (`optim::step`, the scalar/device path): bit-identical with the
//! scalar level's exp, and within a stated tolerance with every available level's SIMD exp.

use ferrokern_simd::optim::{adam_blocked, step, AdamRule, BlockOps, Rule};
use ferrokern_simd::{available_levels, Kernels, Level};

fn rule() -> AdamRule<f32> {
    AdamRule {
        beta1: 0.9,
        one_minus_beta1: 0.1,
        beta2: 0.999,
        one_minus_beta2: 1.0 - 0.999,
        step_size: 1e-2,
        eps: 1e-8,
        grad_scale: 0.75,
        weight_decay: 0.01,
        decay: 1.0,
    }
}

/// Deterministic values in [-scale, scale) (LCG), with some exact repeats so Δg = 0 occurs.
fn fill(n: usize, seed: u32, scale: f32) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|i| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            if i % 7 == 0 {
                0.5
            } else {
                ((s >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0) * scale
            }
        })
        .collect()
}

/// Runs `steps` steps from the same start with both passes; returns the two parameter vectors.
fn run(n: usize, steps: u32, k: &Kernels, diffgrad: bool) -> (Vec<f32>, Vec<f32>) {
    let c = rule();
    let ops = BlockOps { sqrt: k.sqrt_slice, exp: k.exp_slice };
    let (rule, q) = if diffgrad { (Rule::DiffGrad(c), n) } else { (Rule::Adam(c), 0) };
    let mut a = (fill(n, 1, 1.0), vec![0.0f32; n], vec![0.0f32; n], vec![0.0f32; q]);
    let mut b = a.clone();
    for t in 0..steps {
        let g = fill(n, 100 + t, 2.0);
        step(&rule, &mut a.0, &g, &mut a.1, &mut a.2, &mut a.3);
        adam_blocked(&c, &mut b.0, &g, &mut b.1, &mut b.2, &mut b.3, ops);
        // The state the next step reads must agree as well (moments: same arithmetic).
        assert_eq!((&a.1, &a.2, &a.3), (&b.1, &b.2, &b.3), "state differs");
    }
    (a.0, b.0)
}

#[test]
fn scalar_exp_gives_the_element_loop_bit_for_bit() {
    let scalar = Kernels::for_level(Level::Scalar).unwrap();
    // Lengths around the block size (64) and the lane widths.
    for n in [0, 1, 7, 63, 64, 65, 200, 1000] {
        for diffgrad in [false, true] {
            let (a, b) = run(n, 5, scalar, diffgrad);
            let same = a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits());
            assert!(same, "n = {n}, diffgrad {diffgrad}");
        }
    }
}

/// Each level's exp is within a few ulp of the scalar one, so ξ ∈ [0.5, 1) differs by a few
/// ulp and each update `lr·ξ·m/(√v+ε)` (|update| ≤ ~lr) by a few ulp of itself: after 5 steps
/// of size ≤ 1e-2 the parameters agree to 1e-7 absolute (≈ 1e-5 of a step).
#[test]
fn every_simd_level_tracks_the_element_loop() {
    for level in available_levels() {
        let k = Kernels::for_level(level).unwrap();
        for n in [1, 63, 64, 65, 1000] {
            // Adam: sqrt is correctly rounded on every path, so bit-identical.
            let (a, b) = run(n, 5, k, false);
            assert!(
                a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()),
                "{}: Adam n = {n}",
                level.name()
            );
            let (a, b) = run(n, 5, k, true);
            let worst = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
            assert!(worst <= 1e-7, "{}: n = {n}: max |Δθ| = {worst:e}", level.name());
        }
    }
}
