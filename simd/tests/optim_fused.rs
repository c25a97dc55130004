//! Each level's fused Adam/diffGrad pass (`Kernels::adam_f32`, what `optim::step_f32` runs)
//! against the element loop (`optim::step`, the scalar/device path): Adam bit-identical on every
//! level, diffGrad within a stated tolerance (the vector exp's error in ξ); and `step_f32` with
//! 16-bit moments against `step` with the same storage.

use ferrokern_simd::optim::{step, step_f32, AdamRule, Rule, Storage};
use ferrokern_simd::{available_levels, bf16, f16, Kernels};

/// The rule with clipping scale and coupled decay, and the plain one (scale 1, no decay) that
/// the SIMD levels run through a loop without those terms.
fn rules() -> [AdamRule<f32>; 2] {
    let c = AdamRule {
        beta1: 0.9,
        one_minus_beta1: 0.1,
        beta2: 0.999,
        one_minus_beta2: 1.0 - 0.999,
        step_size: 1e-2,
        eps: 1e-8,
        grad_scale: 0.75,
        weight_decay: 0.01,
        decay: 1.0,
    };
    [c, AdamRule { grad_scale: 1.0, weight_decay: 0.0, ..c }]
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

/// Parameters, m, v, prev.
type State<S> = (Vec<f32>, Vec<S>, Vec<S>, Vec<S>);

/// Runs `steps` steps of rule `c` from the same start with the element loop and with `pass`
/// (both must report finite parameters); returns the two (params, m, v, prev) states.
fn run<S: Storage<f32> + Clone>(
    c: AdamRule<f32>,
    n: usize,
    steps: u32,
    diffgrad: bool,
    pass: impl Fn(&Rule<f32>, &mut [f32], &[f32], &mut [S], &mut [S], &mut [S]) -> bool,
) -> [State<S>; 2] {
    let (rule, q) = if diffgrad { (Rule::DiffGrad(c), n) } else { (Rule::Adam(c), 0) };
    let zero = S::store(0.0);
    let mut a = (fill(n, 1, 1.0), vec![zero; n], vec![zero; n], vec![zero; q]);
    let mut b = a.clone();
    for t in 0..steps {
        let g = fill(n, 100 + t, 2.0);
        assert!(step(&rule, &mut a.0, &g, &mut a.1, &mut a.2, &mut a.3));
        assert!(pass(&rule, &mut b.0, &g, &mut b.1, &mut b.2, &mut b.3));
    }
    [a, b]
}

fn bits<S: Storage<f32> + Copy>(x: &[S]) -> Vec<u32> {
    x.iter().map(|v| v.load().to_bits()).collect()
}

fn max_diff<S: Storage<f32> + Copy>(x: &[S], y: &[S]) -> f32 {
    x.iter().zip(y).map(|(a, b)| (a.load() - b.load()).abs()).fold(0.0, f32::max)
}

/// Lengths around the lane widths (4, 8, 16) and the widening block (128); under miri (which
/// interprets every operation) the short ones only.
const LENGTHS: &[usize] =
    // 262 149: above the lane loop's prefetch threshold (2^18), with a tail.
    if cfg!(miri) {
        &[0, 1, 7, 17, 130]
    } else {
        &[0, 1, 7, 15, 17, 63, 64, 127, 128, 129, 1000, 262_149]
    };

/// Each level's exp is within a few ulp of the scalar one, so ξ ∈ [0.5, 1) differs by a few
/// ulp and each update `lr·ξ·m/(√v+ε)` (|update| ≤ ~lr) by a few ulp of itself (the vector pass
/// also folds ξ's division into the update's): after 5 steps of size ≤ 1e-2 the parameters
/// agree to 1e-7 absolute (≈ 1e-5 of a step) plus one rounding of θ itself (|θ| < 2 here, so
/// 2·ε). The state sees the parameters only through the
/// coupled decay `wd·θ`, so it agrees to the same order.
#[test]
fn every_level_tracks_the_element_loop() {
    for level in available_levels() {
        let k = Kernels::for_level(level).unwrap();
        let pass =
            |r: &Rule<f32>, p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], q: &mut [f32]| match r {
                Rule::Adam(c) | Rule::DiffGrad(c) => (k.adam_f32)(c, p, g, m, v, q),
                Rule::Sgd(_) => unreachable!(),
            };
        for (&n, c) in LENGTHS.iter().flat_map(|n| rules().map(|c| (n, c))) {
            // Adam: + − × ÷ √ are correctly rounded on every path, in the same order: same bits.
            let [a, b] = run(c, n, 5, false, pass);
            for (x, y, what) in [(&a.0, &b.0, "params"), (&a.1, &b.1, "m"), (&a.2, &b.2, "v")] {
                assert_eq!(bits(x), bits(y), "{}: Adam n = {n}: {what}", level.name());
            }
            let [a, b] = run(c, n, 5, true, pass);
            let states = [(&a.0, &b.0, "params"), (&a.1, &b.1, "m"), (&a.2, &b.2, "v"), (&a.3, &b.3, "prev")];
            for (x, y, what) in states {
                let worst = max_diff(x, y);
                assert!(
                    worst <= 1e-7 + 2.0 * f32::EPSILON,
                    "{}: diffGrad n = {n}: {what} max diff {worst:e}",
                    level.name()
                );
            }
        }
    }
}

/// `step_f32` with bf16/f16 moments (widened per block around the active level's f32 pass)
/// against `step` with the same storage: Adam bit-identical; diffGrad's `prev` (the gradient,
/// stored) bit-identical. diffGrad's moments: the f32 differences above can move a stored
/// moment across a 16-bit rounding boundary, one storage ulp (at most `ulp` = 2⁻⁷ of the value
/// for bf16's 8 significant bits, 2⁻¹⁰ for f16's 11). A moment that differs carries the
/// difference (times β < 1) into the next step, where it can cross another boundary, so after
/// step t, |Δm| ≤ Σ_k ulp·|m_k| ≤ t·ulp·max|g| — an absolute bound: when β·m and (1−β)·g
/// nearly cancel, the difference is large relative to the new m (seen: 7 % of an m of 0.0015
/// in the 262 149-element case). Here |g| < 2, so after 5 steps |Δm| ≤ 10·ulp, |Δv| ≤ 20·ulp.
/// Parameters: each update `lr·ξ·m̂/(√v̂+ε)` moves by at most lr, and differs by the relative
/// moment differences: bounded by (1+…+5)·lr·ulp = 15·lr·ulp when m does not cancel (the
/// measured worst stays inside it).
#[test]
fn sixteen_bit_moments_track_the_element_loop() {
    fn check<S: Storage<f32> + Copy>(name: &str, ulp: f32) {
        for (&n, c) in LENGTHS.iter().flat_map(|n| rules().map(|c| (n, c))) {
            let [a, b] = run::<S>(c, n, 5, false, |r, p, g, m, v, q| step_f32(r, p, g, m, v, q));
            assert_eq!(
                (bits(&a.0), bits(&a.1), bits(&a.2)),
                (bits(&b.0), bits(&b.1), bits(&b.2)),
                "{name} Adam n = {n}"
            );
            let [a, b] = run::<S>(c, n, 5, true, |r, p, g, m, v, q| step_f32(r, p, g, m, v, q));
            let worst = max_diff(&a.0, &b.0);
            assert!(worst <= 15.0 * 1e-2 * ulp + 1e-7, "{name} diffGrad n = {n}: params max diff {worst:e}");
            for (x, y, bound, what) in [(&a.1, &b.1, 10.0 * ulp, "m"), (&a.2, &b.2, 20.0 * ulp, "v")] {
                let worst = max_diff(x, y);
                assert!(worst <= bound, "{name} diffGrad n = {n}: {what} max diff {worst:e}");
            }
            assert_eq!(bits(&a.3), bits(&b.3), "{name} diffGrad n = {n}: prev");
        }
    }
    check::<bf16>("bf16", 1.0 / 128.0);
    check::<f16>("f16", 1.0 / 1024.0);
}

/// The finiteness flag of every level: a step of finite inputs that overflows one parameter
/// (θ near f32::MAX with a step of 1e38 away from it) reports `false` wherever that parameter
/// sits (inside a vector or in the scalar tail), on the same element as the element loop; a
/// step that stays finite reports `true` (the other tests).
#[test]
fn every_level_reports_an_overflowing_parameter() {
    for level in available_levels() {
        let k = Kernels::for_level(level).unwrap();
        for c in rules() {
            let c = AdamRule { step_size: 1e38, ..c };
            for (n, at) in [(17, 3), (17, 16), (40, 39), (1, 0)] {
                for diffgrad in [false, true] {
                    let mut p = fill(n, 1, 1.0);
                    p[at] = -3.3e38;
                    let g = vec![1.0f32; n];
                    let (mut m, mut v) = (vec![0.0f32; n], vec![0.0f32; n]);
                    let mut q = vec![0.0f32; if diffgrad { n } else { 0 }];
                    let mut p2 = p.clone();
                    let (mut m2, mut v2, mut q2) = (m.clone(), v.clone(), q.clone());
                    let rule = if diffgrad { Rule::DiffGrad(c) } else { Rule::Adam(c) };
                    let by_loop = step(&rule, &mut p2, &g, &mut m2, &mut v2, &mut q2);
                    let by_level = (k.adam_f32)(&c, &mut p, &g, &mut m, &mut v, &mut q);
                    assert!(!p2[at].is_finite() && !p[at].is_finite(), "{}: n = {n} at {at}", level.name());
                    assert!(!by_loop && !by_level, "{}: n = {n} at {at} diffGrad {diffgrad}", level.name());
                }
            }
        }
    }
}

/// The other side of the flag: parameters near ±f32::MAX that stay finite. Their sum
/// overflows (the lane loop's quick test), and the flag must still say finite on every level.
#[test]
fn every_level_reports_huge_finite_parameters_as_finite() {
    for level in available_levels() {
        let k = Kernels::for_level(level).unwrap();
        for c in rules() {
            for diffgrad in [false, true] {
                let n = 40;
                let mut p: Vec<f32> = (0..n).map(|i| if i % 3 == 0 { -3e38 } else { 3e38 }).collect();
                let g = fill(n, 5, 1.0);
                let (mut m, mut v) = (vec![0.0f32; n], vec![0.0f32; n]);
                let mut q = vec![0.0f32; if diffgrad { n } else { 0 }];
                let finite = (k.adam_f32)(&c, &mut p, &g, &mut m, &mut v, &mut q);
                assert!(p.iter().all(|x| x.is_finite()), "{}: a parameter overflowed", level.name());
                assert!(finite, "{}: diffGrad {diffgrad}: finite parameters reported as not", level.name());
            }
        }
    }
}

/// Each level's bf16/f16 moment rounding against the element loop's (`half`'s
/// `from_f32`): moments that land on rounding ties (β1 = 1, so m stays what it holds: values
/// halfway between two bf16 numbers, both parities), a NaN whose low payload plain rounding
/// would turn into infinity, and subnormals; the same values on every level (NaN stays NaN).
#[test]
fn every_level_rounds_sixteen_bit_moments_like_half() {
    fn check<S: Storage<f32> + Copy + core::fmt::Debug>(name: &str) {
        let specials = [
            f32::from_bits(0x3f80_8000), // tie, even below: rounds down
            f32::from_bits(0x3f81_8000), // tie, odd below: rounds up
            f32::from_bits(0x3f80_8001),
            f32::from_bits(0x7f80_0001), // NaN with a low payload
            f32::from_bits(0xff80_4000),
            1e-40,
            -3.0e38,
            65504.0,
            70000.0,
        ];
        let n = 3 * specials.len() + 1;
        let c = AdamRule { beta1: 1.0, one_minus_beta1: 0.0, ..rules()[1] };
        for level in available_levels() {
            let k = Kernels::for_level(level).unwrap();
            let Some(pass) = S::adam_kernel(k) else { panic!("{name}: no kernel") };
            let m0: Vec<f32> = (0..n).map(|i| specials[i % specials.len()]).collect();
            // Stored once by the element loop's own rounding; the step then re-rounds m_t = m.
            let mut ma: Vec<S> = m0.iter().map(|&x| S::store(x)).collect();
            let mut mb = ma.clone();
            let (mut va, mut vb) = (vec![S::store(0.0); n], vec![S::store(0.0); n]);
            let (mut pa, mut pb) = (vec![0.5f32; n], vec![0.5f32; n]);
            let g = vec![0.25f32; n];
            let _ = step(&Rule::Adam(c), &mut pa, &g, &mut ma, &mut va, &mut []);
            let _ = pass(&c, &mut pb, &g, &mut mb, &mut vb, &mut []);
            // Values compared by their printed form: NaN is "NaN" whatever its payload (Rust
            // leaves NaN payloads of arithmetic unspecified, and miri picks them at random);
            // every other value prints the shortest digits that round-trip, so exactly.
            let raw = |x: &[S]| x.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>();
            assert_eq!(raw(&ma), raw(&mb), "{name} on {}", level.name());
            // And the direct rounding of f32 values (m = 0, β1 = 0: m_t = g).
            let c0 = AdamRule { beta1: 0.0, one_minus_beta1: 1.0, ..c };
            let (mut ma, mut mb) = (vec![S::store(0.0); n], vec![S::store(0.0); n]);
            // Finite params (the first part left NaNs): the plain lane loop skips `0·θ`.
            let (mut pa, mut pb) = (vec![0.5f32; n], vec![0.5f32; n]);
            let _ = step(&Rule::Adam(c0), &mut pa, &m0, &mut ma, &mut va, &mut []);
            let _ = pass(&c0, &mut pb, &m0, &mut mb, &mut vb, &mut []);
            assert_eq!(raw(&ma), raw(&mb), "{name} rounding of f32 on {}", level.name());
        }
    }
    check::<bf16>("bf16");
    check::<f16>("f16");
}
