//! ULP tables of the crate's own `exp`/`ln` (scalar) and every path's `exp_slice` against
//! `libm::expf`/`libm::logf`, over dense sweeps of f32 bit patterns, plus special values.

mod common;
use common::ulp_diff;
use ferrokern_simd::{available_levels, Kernels};

/// Every `step`-th f32 bit pattern with value in `[lo, hi]` (both signs handled by caller).
fn sweep(lo: f32, hi: f32, step: u32) -> Vec<f32> {
    let mut v = Vec::new();
    let mut push_range = |a: u32, b: u32| {
        let mut i = a;
        while i <= b {
            v.push(f32::from_bits(i));
            i = match i.checked_add(step) {
                Some(j) => j,
                None => break,
            };
        }
    };
    // positive part [max(lo,0), hi]
    if hi >= 0.0 {
        push_range(lo.max(0.0).to_bits(), hi.to_bits());
    }
    if lo < 0.0 {
        push_range(0x8000_0000 | hi.min(-0.0).abs().to_bits(), lo.to_bits());
    }
    v
}

fn step() -> u32 {
    if cfg!(miri) {
        1_000_003
    } else {
        97
    }
}

/// Max ULP of `f` against `reference` over `xs`, with the worst argument.
fn max_ulp(xs: &[f32], f: impl Fn(f32) -> f32, reference: impl Fn(f32) -> f32) -> (u32, f32) {
    let mut worst = (0, 0.0);
    for &x in xs {
        let d = ulp_diff(f(x), reference(x));
        if d > worst.0 {
            worst = (d, x);
        }
    }
    worst
}

/// Documented range of normal results: [-87.33, 88.72].
const EXP_RANGE: (f32, f32) = (-87.33, 88.72);

#[test]
fn exp_scalar_ulp_table() {
    let xs = sweep(EXP_RANGE.0, EXP_RANGE.1, step());
    let (u, x) = max_ulp(&xs, ferrokern_simd::exp, libm::expf);
    println!("exp scalar: {} points, max ULP {u} at x = {x:e}", xs.len());
    assert!(u <= 2, "exp max ulp {u} at {x:e}");
}

#[test]
fn exp_slice_ulp_table_every_path() {
    let xs = sweep(EXP_RANGE.0, EXP_RANGE.1, step());
    for level in available_levels() {
        let k = Kernels::for_level(level).unwrap();
        let mut y = xs.clone();
        (k.exp_slice)(&mut y);
        let mut worst = (0, 0.0);
        for (&x, &yi) in xs.iter().zip(&y) {
            let d = ulp_diff(yi, libm::expf(x));
            if d > worst.0 {
                worst = (d, x);
            }
        }
        println!("exp_slice {level:?}: max ULP {} at x = {:e}", worst.0, worst.1);
        assert!(worst.0 <= 2, "{level:?}: exp_slice max ulp {} at {:e}", worst.0, worst.1);
    }
}

#[test]
fn exp_underflow_overflow_and_specials_every_path() {
    // subnormal results: absolute error within one subnormal step plus the relative error.
    let sub = sweep(-104.5, -87.34, step());
    let mut cases: Vec<f32> = sub.clone();
    cases.extend([
        0.0,
        -0.0,
        1e-45,
        -1e-45,
        1e-40,
        88.72283,
        88.7229,
        88.73,
        89.0,
        100.0,
        1e30,
        -1e30,
        -103.97,
        -103.98,
        -104.0,
        -200.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        f32::MAX,
        f32::MIN,
    ]);
    let check = |got: f32, x: f32, what: &str| {
        let want = libm::expf(x);
        if x.is_nan() {
            assert!(got.is_nan(), "{what}({x})");
        } else if x == 0.0 || x.abs() < 1e-30 {
            assert_eq!(got, 1.0, "{what}({x:e})");
        } else if want.is_infinite() || x >= 88.7229 {
            assert_eq!(got, f32::INFINITY, "{what}({x:e})");
        } else if want < f32::MIN_POSITIVE {
            let tol = f32::from_bits(1) + want * 4e-7;
            assert!((got - want).abs() <= tol, "{what}({x:e}) = {got:e}, libm {want:e}");
        } else {
            assert!(ulp_diff(got, want) <= 2, "{what}({x:e}) = {got:e}, libm {want:e}");
        }
        assert!(got >= 0.0 || got.is_nan(), "{what}({x:e}) negative");
    };
    for &x in &cases {
        check(ferrokern_simd::exp(x), x, "exp");
    }
    for level in available_levels() {
        let mut y = cases.clone();
        (Kernels::for_level(level).unwrap().exp_slice)(&mut y);
        for (&x, &yi) in cases.iter().zip(&y) {
            check(yi, x, &format!("{level:?} exp_slice"));
        }
    }
}

#[test]
fn ln_ulp_table() {
    // all positive finite floats, subnormals included
    let xs = sweep(f32::from_bits(1), f32::MAX, step());
    let (u, x) = max_ulp(&xs, ferrokern_simd::ln, libm::logf);
    println!("ln scalar: {} points, max ULP {u} at x = {x:e}", xs.len());
    assert!(u <= 2, "ln max ulp {u} at {x:e}");
    // dense near 1, where the result is tiny and relative accuracy matters
    let near1 = sweep(0.9, 1.1, if cfg!(miri) { 100_003 } else { 7 });
    let (u1, x1) = max_ulp(&near1, ferrokern_simd::ln, libm::logf);
    println!("ln near 1: {} points, max ULP {u1} at x = {x1:e}", near1.len());
    assert!(u1 <= 2, "ln near 1: max ulp {u1} at {x1:e}");
}

#[test]
fn ln_specials() {
    use ferrokern_simd::ln;
    assert_eq!(ln(0.0), f32::NEG_INFINITY);
    assert_eq!(ln(-0.0), f32::NEG_INFINITY);
    assert_eq!(ln(1.0).to_bits(), 0.0f32.to_bits());
    assert_eq!(ln(f32::INFINITY), f32::INFINITY);
    assert!(ln(f32::NAN).is_nan());
    assert!(ln(-1.0).is_nan());
    assert!(ln(-1e-45).is_nan());
    assert!(ln(f32::NEG_INFINITY).is_nan());
    assert_eq!(ln(core::f32::consts::E), 1.0);
    // smallest subnormal: ln(2^-149) = -149 ln 2
    assert!(ulp_diff(ln(f32::from_bits(1)), libm::logf(f32::from_bits(1))) <= 1);
}

#[test]
fn exp_ln_round_trip() {
    for i in -80..=80 {
        let x = i as f32 * 0.987;
        let y = ferrokern_simd::ln(ferrokern_simd::exp(x));
        assert!((y - x).abs() <= 4.0 * f32::EPSILON * x.abs().max(1.0), "{x} -> {y}");
    }
}
