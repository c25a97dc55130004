//! `scalar::all_finite` and `scalar::all_finite_by_sums` (the multiply-accumulate-by-zero form
//! Cortex-M uses) against `is_finite` element by element. (`widen_f16` is `half`'s conversion on the host; its Cortex-M form, `VCVTB`, is
//! compared with the host on every binary16 pattern by the firmware `linalg` demo.)

mod common;
use common::Rng;
use ferrokern_simd::scalar::{all_finite, all_finite_by_sums};

/// Values whose product with zero is not a plain zero for a naive test to miss: the extremes
/// of the finite range, subnormals, signed zeros.
const FINITE_EDGES: [f32; 8] = [f32::MAX, f32::MIN, f32::MIN_POSITIVE, 1e-45, -1e-45, 0.0, -0.0, 3.4e38];
const BAD: [f32; 3] = [f32::INFINITY, f32::NEG_INFINITY, f32::NAN];

#[test]
fn all_finite_agrees_with_is_finite_at_every_position() {
    agrees_with_is_finite("all_finite", all_finite, all_finite);
}

#[test]
fn all_finite_by_sums_agrees_with_is_finite_at_every_position() {
    agrees_with_is_finite("all_finite_by_sums", all_finite_by_sums, all_finite_by_sums);
}

/// NaN and ±inf at every position of lengths 0..=19 (full chunks and every tail length),
/// among finite extremes; f64 also with values that overflow to inf when scaled.
fn agrees_with_is_finite(name: &str, f32_fn: fn(&[f32]) -> bool, f64_fn: fn(&[f64]) -> bool) {
    let mut rng = Rng::new(17);
    for n in 0..=19 {
        let mut x: Vec<f32> = (0..n).map(|i| FINITE_EDGES[i % FINITE_EDGES.len()] * rng.f32()).collect();
        x.iter_mut().step_by(3).zip(FINITE_EDGES.iter().cycle()).for_each(|(v, &e)| *v = e);
        assert!(f32_fn(&x), "{name}, n = {n}: {x:?}");
        let x64: Vec<f64> = x.iter().map(|&v| f64::from(v) * 1e300).collect();
        assert_eq!(f64_fn(&x64), x64.iter().all(|v| v.is_finite()), "{name}, f64 n = {n}");
        for i in 0..n {
            for bad in BAD {
                let mut y = x.clone();
                y[i] = bad;
                assert!(!f32_fn(&y), "{name}, n = {n}, {bad} at {i}");
                let mut y64: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
                y64[i] = f64::from(bad);
                assert!(!f64_fn(&y64), "{name}, f64 n = {n}, {bad} at {i}");
            }
        }
    }
}
