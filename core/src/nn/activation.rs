//! Activation values and derivatives (elementwise).

use super::Activation;
use crate::Real;

/// √(2/π) for the tanh form of GELU.
const GELU_C: f64 = 0.797_884_560_802_865_4;
/// Cubic coefficient of the tanh form of GELU.
const GELU_K: f64 = 0.044_715;

impl Activation {
    /// `f(z)`.
    #[must_use]
    pub fn value<T: Real>(self, z: T) -> T {
        match self {
            Activation::Identity => z,
            Activation::Relu => {
                if z > T::ZERO {
                    z
                } else {
                    T::ZERO
                }
            }
            Activation::Tanh => z.tanh(),
            Activation::Silu => z * z.sigmoid(),
            Activation::Sigmoid => z.sigmoid(),
            Activation::Gelu => {
                let u = T::from_f64(GELU_C) * (z + T::from_f64(GELU_K) * z * z * z);
                T::HALF * z * (T::ONE + u.tanh())
            }
        }
    }

    /// `f'(z)`, given `z` and `a = f(z)` (ReLU/tanh/sigmoid use `a`; SiLU/GELU use `z`).
    #[must_use]
    pub fn derivative<T: Real>(self, z: T, a: T) -> T {
        match self {
            Activation::Identity => T::ONE,
            Activation::Relu => {
                if z > T::ZERO {
                    T::ONE
                } else {
                    T::ZERO
                }
            }
            Activation::Tanh => T::ONE - a * a,
            Activation::Sigmoid => a * (T::ONE - a),
            Activation::Silu => {
                let s = z.sigmoid();
                s * (T::ONE + z * (T::ONE - s))
            }
            Activation::Gelu => {
                let (c, k) = (T::from_f64(GELU_C), T::from_f64(GELU_K));
                let th = (c * (z + k * z * z * z)).tanh();
                let three = T::from_f64(3.0);
                T::HALF * (T::ONE + th) + T::HALF * z * (T::ONE - th * th) * c * (T::ONE + three * k * z * z)
            }
        }
    }

    /// `a = f(z)` over slices (common prefix).
    pub(crate) fn forward_slice<T: Real>(self, z: &[T], a: &mut [T]) {
        for (ai, &zi) in a.iter_mut().zip(z) {
            *ai = self.value(zi);
        }
    }

    /// `d ← d ⊙ f'(z)` in place (common prefix).
    pub(crate) fn backward_slice<T: Real>(self, z: &[T], a: &[T], d: &mut [T]) {
        if self == Activation::Identity {
            return;
        }
        for (di, (&zi, &ai)) in d.iter_mut().zip(z.iter().zip(a)) {
            *di *= self.derivative(zi, ai);
        }
    }

    /// Initialisation std factor: He `√(2/fan_in)` for ReLU-like, Xavier `√(2/(in+out))` else
    /// (tanh, sigmoid, identity).
    pub(crate) fn init_std(self, inputs: usize, outputs: usize) -> f64 {
        match self {
            Activation::Relu | Activation::Silu | Activation::Gelu => libm::sqrt(2.0 / inputs as f64),
            Activation::Identity | Activation::Tanh | Activation::Sigmoid => {
                libm::sqrt(2.0 / inputs.saturating_add(outputs) as f64)
            }
        }
    }
}
