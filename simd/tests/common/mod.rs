//! Shared test helpers: a tiny deterministic RNG and float comparisons.
#![allow(dead_code)]

/// SplitMix64: deterministic, no dependencies.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    pub fn f32(&mut self) -> f32 {
        ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
    pub fn vec(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.f32()).collect()
    }
}

/// Distance in units in the last place between two floats of the same sign (via the ordered
/// integer representation); u32::MAX if one is NaN and the other not.
pub fn ulp_diff(a: f32, b: f32) -> u32 {
    if a.is_nan() || b.is_nan() {
        return if a.is_nan() && b.is_nan() { 0 } else { u32::MAX };
    }
    let key = |x: f32| -> i64 {
        let b = x.to_bits() as i32 as i64;
        if b < 0 {
            i64::from(i32::MIN) - b
        } else {
            b
        }
    };
    (key(a) - key(b)).unsigned_abs().min(u64::from(u32::MAX)) as u32
}

pub const EPS: f32 = f32::EPSILON / 2.0; // 2^-24, unit roundoff

/// Lengths to test: 0..=257 and some large ones (small under miri).
pub fn lengths() -> Vec<usize> {
    if cfg!(miri) {
        vec![0, 1, 3, 4, 5, 8, 15, 16, 17, 33, 67]
    } else {
        let mut v: Vec<usize> = (0..=257).collect();
        v.extend([1000, 4099]);
        v
    }
}

/// Asserts `|got - want| ≤ tol` (NaN must match NaN), with context.
#[track_caller]
pub fn close(got: f32, want: f32, tol: f32, what: std::fmt::Arguments) {
    if want.is_nan() {
        assert!(got.is_nan(), "{what}: got {got}, want NaN");
        return;
    }
    if want.is_infinite() {
        assert_eq!(got, want, "{what}");
        return;
    }
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, want {want}, |diff| {} > tol {tol}",
        (got - want).abs()
    );
}
