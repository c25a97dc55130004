//! A small deterministic random number generator (PCG32, O'Neill 2014: XSH-RR output of a 64-bit
//! LCG). Integer-only state update, so every target produces the same stream for a seed.

/// PCG32 generator. `Clone` to fork a stream; seeds select both state and stream.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Pcg32 {
    state: u64,
    inc: u64,
}

const MULT: u64 = 6_364_136_223_846_793_005;

impl Pcg32 {
    /// Generator for `seed` on stream `stream` (the reference `pcg32_srandom_r`).
    #[must_use]
    pub const fn new(seed: u64, stream: u64) -> Self {
        let inc = (stream << 1) | 1;
        let mut s = 0u64.wrapping_mul(MULT).wrapping_add(inc);
        s = s.wrapping_add(seed);
        s = s.wrapping_mul(MULT).wrapping_add(inc);
        Self { state: s, inc }
    }

    /// Generator for `seed` on the default stream.
    #[must_use]
    pub const fn seed(seed: u64) -> Self {
        Self::new(seed, 0xda3e_39cb_94b9_5bdb)
    }

    /// Next uniform `u32`.
    pub fn next_u32(&mut self) -> u32 {
        let old = self.state;
        self.state = old.wrapping_mul(MULT).wrapping_add(self.inc);
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        let rot = (old >> 59) as u32;
        xorshifted.rotate_right(rot)
    }

    /// Uniform in `[0, 1)` with 24 random bits (exact in f32).
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0)
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        let hi = u64::from(self.next_u32() >> 5);
        let lo = u64::from(self.next_u32() >> 6);
        ((hi << 26) | lo) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform integer in `[0, bound)` without modulo bias; 0 when `bound == 0`.
    pub fn below(&mut self, bound: u32) -> u32 {
        if bound == 0 {
            return 0;
        }
        let threshold = bound.wrapping_neg() % bound;
        loop {
            let r = self.next_u32();
            if r >= threshold {
                return r % bound;
            }
        }
    }

    /// Standard normal sample (Box–Muller on `next_f64`, `libm` transcendentals).
    pub fn normal(&mut self) -> f64 {
        // 1 - u ∈ (0, 1], so the log is finite.
        let u1 = 1.0 - self.next_f64();
        let u2 = self.next_f64();
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(core::f64::consts::TAU * u2)
    }

    /// Fisher–Yates shuffle of `xs`.
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        let mut i = xs.len();
        while i > 1 {
            let j = self.below(i as u32) as usize;
            i -= 1;
            xs.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Pcg32;

    #[test]
    fn matches_pcg32_reference_stream() {
        // Reference output of the PCG paper's pcg32-demo: pcg32_srandom_r(&rng, 42, 54).
        let mut r = Pcg32::new(42, 54);
        let expected = [0xa15c_02b7u32, 0x7b47_f409, 0xba1d_3330, 0x83d2_f293, 0xbfa4_784b, 0xcbed_606e];
        for e in expected {
            assert_eq!(r.next_u32(), e);
        }
    }
}
