//! Shared by the `robust_*` tests: canary-guarded buffers (the CMSIS-DSP habit: a kernel gets a
//! sub-slice of a sentinel-filled buffer and the sentinels before and after must survive) and
//! proptest strategies for hostile values (NaN, ±inf, subnormals, huge and tiny magnitudes).
#![allow(dead_code)]

use proptest::prelude::*;

/// Elements a [`Guarded`] buffer can hold: a sentinel and a bitwise comparison (a float sentinel
/// is a NaN with a payload, so a kernel that reads it also poisons its result).
pub trait Canary: Copy + core::fmt::Debug {
    /// The value written around the payload.
    const SENTINEL: Self;
    /// Bit-for-bit equality (NaN == NaN with the same payload).
    fn same(self, other: Self) -> bool;
}

impl Canary for f32 {
    const SENTINEL: Self = f32::from_bits(0x7fa5_a5a5);
    fn same(self, other: Self) -> bool {
        self.to_bits() == other.to_bits()
    }
}

impl Canary for f64 {
    const SENTINEL: Self = f64::from_bits(0x7ff5_a5a5_a5a5_a5a5);
    fn same(self, other: Self) -> bool {
        self.to_bits() == other.to_bits()
    }
}

macro_rules! int_canary {
    ($($t:ty = $v:expr),*) => {$(
        impl Canary for $t {
            const SENTINEL: Self = $v;
            fn same(self, other: Self) -> bool {
                self == other
            }
        }
    )*};
}
int_canary!(u8 = 0xa5, u16 = 0xa5a5, u32 = 0xa5a5_a5a5, i32 = -0x5a5a_5a5b, usize = usize::MAX - 0x5a);

/// Sentinels on each side of the payload.
pub const PAD: usize = 7;

/// A buffer `[SENTINEL; PAD] ++ payload ++ [SENTINEL; PAD]`; [`Guarded::inner`] hands the
/// payload to a kernel, [`Guarded::check`] (also run on drop) asserts the sentinels survived.
pub struct Guarded<T: Canary> {
    buf: Vec<T>,
    len: usize,
    name: &'static str,
}

impl<T: Canary> Guarded<T> {
    /// Guards a copy of `payload`.
    pub fn new(name: &'static str, payload: &[T]) -> Self {
        let mut buf = vec![T::SENTINEL; payload.len() + 2 * PAD];
        buf[PAD..PAD + payload.len()].copy_from_slice(payload);
        Self { buf, len: payload.len(), name }
    }
    /// Guards `len` copies of `fill`.
    pub fn filled(name: &'static str, len: usize, fill: T) -> Self {
        Self::new(name, &vec![fill; len])
    }
    /// The payload, for the kernel to write.
    pub fn inner(&mut self) -> &mut [T] {
        &mut self.buf[PAD..PAD + self.len]
    }
    /// The payload, read-only.
    pub fn get(&self) -> &[T] {
        &self.buf[PAD..PAD + self.len]
    }
    /// Panics (test failure) if any sentinel changed.
    pub fn check(&self) {
        let (head, rest) = self.buf.split_at(PAD);
        let tail = &rest[self.len..];
        for (k, v) in head.iter().enumerate() {
            assert!(v.same(T::SENTINEL), "{}: write {} before the buffer ({v:?})", self.name, PAD - k);
        }
        for (k, v) in tail.iter().enumerate() {
            assert!(v.same(T::SENTINEL), "{}: write at len+{k} past the buffer ({v:?})", self.name);
        }
    }
}

impl<T: Canary> Drop for Guarded<T> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.check();
        }
    }
}

/// Runs `f` on a guarded copy of `payload` and returns its result and the payload afterwards.
pub fn guarded<T: Canary, R>(payload: &[T], f: impl FnOnce(&mut [T]) -> R) -> (R, Vec<T>) {
    let mut g = Guarded::new("buffer", payload);
    let r = f(g.inner());
    g.check();
    (r, g.get().to_vec())
}

/// Hostile f64 values: NaN, ±inf, ±0, subnormals, the extremes of the range.
pub fn special_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        Just(f64::MIN_POSITIVE / 4.0),
        Just(-5e-324),
        Just(f64::MAX),
        Just(f64::MIN),
        Just(1e300),
        Just(-1e-300),
    ]
}

/// Mostly ordinary values in `[-10, 10]`, sometimes hostile ones.
pub fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![8 => -10.0..10.0f64, 1 => special_f64()]
}

/// Hostile f32 values.
pub fn special_f32() -> impl Strategy<Value = f32> {
    special_f64().prop_map(|v| if v != 0.0 && v.abs() < 1e-300 { 1e-40 } else { v as f32 })
}

/// Mostly ordinary f32 values in `[-10, 10]`, sometimes hostile ones.
pub fn any_f32() -> impl Strategy<Value = f32> {
    prop_oneof![8 => -10.0..10.0f32, 1 => special_f32()]
}

/// Finite values only (ordinary, or subnormal/zero).
pub fn finite_f64() -> impl Strategy<Value = f64> {
    prop_oneof![8 => -10.0..10.0f64, 1 => Just(5e-324), 1 => Just(-0.0)]
}

/// Finite f32 values only.
pub fn finite_f32() -> impl Strategy<Value = f32> {
    prop_oneof![8 => -10.0..10.0f32, 1 => Just(1e-40f32), 1 => Just(-0.0f32)]
}

/// Extreme hyper-parameters (ε, λ, lr, ...): zero, negative, NaN, ±inf, tiny, huge, ordinary.
pub fn extreme_param() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => 1e-3..1.0f64,
        1 => special_f64(),
        1 => Just(-1.0),
        1 => Just(1e-30),
        1 => Just(1e30),
    ]
}

/// `true` if every value is finite.
pub fn all_finite<T: Copy + Into<f64>>(x: &[T]) -> bool {
    x.iter().all(|&v| v.into().is_finite())
}

/// The proptest config of the robustness suite: few cases, a fixed seed so CI is
/// deterministic (set `PROPTEST_RNG_SEED=<n>` to explore other cases), no persistence files.
pub fn config(cases: u32) -> ProptestConfig {
    let base = ProptestConfig::default();
    let rng_seed = if std::env::var_os("PROPTEST_RNG_SEED").is_some() {
        base.rng_seed
    } else {
        proptest::test_runner::RngSeed::Fixed(0x00f3_7e5e_ed00)
    };
    ProptestConfig { cases, max_shrink_iters: 200, failure_persistence: None, rng_seed, ..base }
}
