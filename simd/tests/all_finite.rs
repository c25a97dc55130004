//! `scalar::all_finite` (the multiply-accumulate-by-zero test) against `is_finite` element by
//! element. (`widen_f16` is `half`'s conversion on the host; its Cortex-M form, `VCVTB`, is
//! compared with the host on every binary16 pattern by the firmware `linalg` demo.)

mod common;
use common::Rng;
use ferrokern_simd::scalar::all_finite;

/// Values whose product with zero is not a plain zero for a naive test to miss: the extremes
/// of the finite range, subnormals, signed zeros.
const FINITE_EDGES: [f32; 8] = [f32::MAX, f32::MIN, f32::MIN_POSITIVE, 1e-45, -1e-45, 0.0, -0.0, 3.4e38];
const BAD: [f32; 3] = [f32::INFINITY, f32::NEG_INFINITY, f32::NAN];

#[test]
fn all_finite_agrees_with_is_finite_at_every_position() {
    let mut rng = Rng::new(17);
    for n in 0..=19 {
        let mut x: Vec<f32> = (0..n).map(|i| FINITE_EDGES[i % FINITE_EDGES.len()] * rng.f32()).collect();
        x.iter_mut().step_by(3).zip(FINITE_EDGES.iter().cycle()).for_each(|(v, &e)| *v = e);
        assert!(all_finite(&x), "n = {n}: {x:?}");
        let x64: Vec<f64> = x.iter().map(|&v| f64::from(v) * 1e300).collect();
        assert_eq!(all_finite(&x64), x64.iter().all(|v| v.is_finite()), "f64 n = {n}");
        for i in 0..n {
            for bad in BAD {
                let mut y = x.clone();
                y[i] = bad;
                assert!(!all_finite(&y), "n = {n}, {bad} at {i}");
                let mut y64: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
                y64[i] = f64::from(bad);
                assert!(!all_finite(&y64), "f64 n = {n}, {bad} at {i}");
            }
        }
    }
}
