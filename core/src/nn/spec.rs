//! Network description: [`Activation`], [`LayerSpec`], and the `const fn` buffer sizes.

/// Elementwise activation of a dense layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Activation {
    /// `f(z) = z` (output layers: logits, regression).
    #[default]
    Identity,
    /// `max(z, 0)`; derivative taken as 0 at `z = 0`.
    Relu,
    /// `tanh z` (`Real::tanh`).
    Tanh,
    /// SiLU / swish `z·σ(z)`.
    Silu,
    /// Logistic sigmoid `σ(z) = 1/(1+e^−z)` (scikit-learn's `'logistic'`; `Real::sigmoid`).
    Sigmoid,
    /// GELU, tanh approximation `½z(1 + tanh(√(2/π)(z + 0.044715 z³)))` (PyTorch
    /// `approximate="tanh"`); max deviation from the erf form ≈ 5e-4.
    Gelu,
}

/// One dense layer `a = f(W·x + b)` with `W` row-major `outputs × inputs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LayerSpec {
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
    /// Activation.
    pub activation: Activation,
}

impl LayerSpec {
    /// A layer description.
    #[must_use]
    pub const fn new(inputs: usize, outputs: usize, activation: Activation) -> Self {
        Self { inputs, outputs, activation }
    }

    /// Parameters of this layer: `outputs·inputs` weights then `outputs` biases (saturating).
    #[must_use]
    pub const fn params_len(&self) -> usize {
        self.outputs.saturating_mul(self.inputs.saturating_add(1))
    }
}

/// Parameters of the whole network: the layers' `[W | b]` blocks in order (saturating;
/// `Mlp::new` rejects sizes that overflow).
#[must_use]
pub const fn params_len(layers: &[LayerSpec]) -> usize {
    let mut total = 0usize;
    let mut rest = layers;
    while let [layer, tail @ ..] = rest {
        total = total.saturating_add(layer.params_len());
        rest = tail;
    }
    total
}

/// Sum of the layers' output widths.
const fn total_outputs(layers: &[LayerSpec]) -> usize {
    let mut total = 0usize;
    let mut rest = layers;
    while let [layer, tail @ ..] = rest {
        total = total.saturating_add(layer.outputs);
        rest = tail;
    }
    total
}

/// Largest output width.
#[must_use]
pub const fn max_width(layers: &[LayerSpec]) -> usize {
    let mut w = 0usize;
    let mut rest = layers;
    while let [layer, tail @ ..] = rest {
        if layer.outputs > w {
            w = layer.outputs;
        }
        rest = tail;
    }
    w
}

/// Activation buffer for a forward pass over `batch` rows: per layer the pre-activations `Z`
/// and the activations `A` (`batch × outputs` each), so `2·batch·Σ outputs` (saturating).
#[must_use]
pub const fn activations_len(layers: &[LayerSpec], batch: usize) -> usize {
    total_outputs(layers).saturating_mul(batch).saturating_mul(2)
}

/// Scratch for the backward pass: two `batch × max_width` gradient buffers (saturating).
#[must_use]
pub const fn scratch_len(layers: &[LayerSpec], batch: usize) -> usize {
    max_width(layers).saturating_mul(batch).saturating_mul(2)
}
