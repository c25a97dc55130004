//! Shared by the kernel fuzz targets: a byte reader that turns fuzzer input into shapes,
//! selectors and values (raw float bits, so NaN/inf/subnormals all occur), and the
//! "Ok with finite outputs or Err" assertion helpers.
#![allow(dead_code)]

/// Reads fuzzer bytes front to back; past the end every read returns zeros.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// A size in `0..=max`.
    pub fn size(&mut self, max: usize) -> usize {
        usize::from(self.u8()) % (max + 1)
    }

    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// Any f32 bit pattern.
    pub fn f32_bits(&mut self) -> f32 {
        f32::from_bits(self.u32())
    }

    /// Any f64 bit pattern.
    pub fn f64_bits(&mut self) -> f64 {
        f64::from_bits(u64::from(self.u32()) | (u64::from(self.u32()) << 32))
    }

    /// A moderate value in [-8, 8) (one byte), so loops run on meaningful data.
    pub fn small(&mut self) -> f64 {
        (f64::from(self.u8()) - 128.0) / 16.0
    }

    /// Mostly moderate values, with a 1 in 8 chance of raw bits (NaN, inf, subnormal, huge).
    pub fn value(&mut self) -> f64 {
        let tag = self.u8();
        if tag & 7 == 0 {
            self.f64_bits()
        } else {
            (f64::from(tag) - 128.0) / 16.0
        }
    }

    pub fn values(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.value()).collect()
    }

    pub fn values_f32(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.value() as f32).collect()
    }

    /// A hyper-parameter (ε, λ, lr, tol...): ordinary, or one of the extremes.
    pub fn param(&mut self) -> f64 {
        const EXTREMES: [f64; 12] = [
            0.0,
            -0.0,
            -1.0,
            1e-300,
            5e-324,
            1e-30,
            1e30,
            1e300,
            f64::MAX,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let tag = self.u8();
        if tag < 32 {
            EXTREMES[usize::from(tag) % EXTREMES.len()]
        } else {
            10f64.powf((f64::from(tag) - 160.0) / 32.0)
        }
    }

    pub fn rest(&self) -> &'a [u8] {
        self.data
    }
}

pub fn finite64(x: &[f64]) -> bool {
    x.iter().all(|v| v.is_finite())
}

pub fn finite32(x: &[f32]) -> bool {
    x.iter().all(|v| v.is_finite())
}
