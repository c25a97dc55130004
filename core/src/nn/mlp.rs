//! [`Mlp`]: a sequential stack of dense layers, forward and backward over a batch, no heap.

use super::spec::{self, LayerSpec};
use crate::error::{add_size, check_len, mul_size};
use crate::linalg::Trans;
use crate::rng::Pcg32;
use crate::{Error, Real, Result};

/// Splits `n` elements off the front of `s`.
fn take<T>(s: &[T], n: usize) -> Result<(&[T], &[T])> {
    s.split_at_checked(n).ok_or(Error::DimensionMismatch { what: "buffer", expected: n, found: s.len() })
}

/// Splits `n` elements off the front of a mutable `s`.
fn take_mut<T>(s: &mut [T], n: usize) -> Result<(&mut [T], &mut [T])> {
    let found = s.len();
    s.split_at_mut_checked(n).ok_or(Error::DimensionMismatch { what: "buffer", expected: n, found })
}

/// Splits `n` elements off the back of a mutable `s`: `(rest, last n)`.
fn take_back_mut<T>(s: &mut [T], n: usize) -> Result<(&mut [T], &mut [T])> {
    let found = s.len();
    let at = found.checked_sub(n).ok_or(Error::DimensionMismatch { what: "buffer", expected: n, found })?;
    s.split_at_mut_checked(at).ok_or(Error::SizeOverflow)
}

/// Splits `n` elements off the back of `s`: `(rest, last n)`.
fn take_back<T>(s: &[T], n: usize) -> Result<(&[T], &[T])> {
    let at = s.len().checked_sub(n).ok_or(Error::DimensionMismatch {
        what: "buffer",
        expected: n,
        found: s.len(),
    })?;
    s.split_at_checked(at).ok_or(Error::SizeOverflow)
}

/// A sequential multi-layer perceptron over caller-owned buffers.
///
/// Layouts (all row-major, f32 or f64):
/// - params: per layer `W` (`outputs × inputs`) then `b` (`outputs`), layers in order;
///   [`spec::params_len`] elements. Gradients have the same layout.
/// - inputs `x`: `batch × inputs`.
/// - activations: per layer `Z` then `A` (`batch × outputs` each),
///   [`spec::activations_len`]`(layers, batch)` elements; the network output is the last `A`.
/// - backward scratch: [`spec::scratch_len`]`(layers, batch)` elements.
///
/// ```
/// use ferrokern::nn::{activations_len, params_len, scratch_len, Activation, LayerSpec, Mlp};
/// const NET: [LayerSpec; 2] =
///     [LayerSpec::new(2, 4, Activation::Tanh), LayerSpec::new(4, 1, Activation::Identity)];
/// const P: usize = params_len(&NET);
/// const A: usize = activations_len(&NET, 3);
/// let mlp = Mlp::new(&NET)?;
/// let mut params = [0.0f32; P];
/// mlp.init(&mut params, &mut ferrokern::rng::Pcg32::seed(1))?;
/// let x = [0.0f32, 1.0, 1.0, 0.0, 0.5, 0.5]; // 3 rows
/// let mut acts = [0.0f32; A];
/// mlp.forward(&params, &x, 3, &mut acts)?;
/// let y = mlp.output(&acts, 3)?; // 3 × 1
/// let mut grads = [0.0f32; P];
/// let mut scratch = [0.0f32; scratch_len(&NET, 3)];
/// mlp.backward(&params, &x, 3, &acts, &[1.0; 3], &mut grads, &mut scratch)?; // ∂Σy/∂params
/// assert_eq!(y.len(), 3);
/// # Ok::<(), ferrokern::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Mlp<'a> {
    layers: &'a [LayerSpec],
}

impl<'a> Mlp<'a> {
    /// Validates a layer stack.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if empty or a width is 0; [`Error::DimensionMismatch`] if a
    /// layer's `inputs` differs from the previous `outputs`; [`Error::SizeOverflow`] if the
    /// parameter count overflows `usize`.
    pub fn new(layers: &'a [LayerSpec]) -> Result<Self> {
        if layers.is_empty() {
            return Err(Error::InvalidParameter { name: "layers", reason: "must not be empty" });
        }
        let mut total = 0usize;
        let mut prev: Option<usize> = None;
        for l in layers {
            if l.inputs == 0 || l.outputs == 0 {
                return Err(Error::InvalidParameter { name: "layer width", reason: "must be > 0" });
            }
            if let Some(p) = prev {
                check_len("layer inputs", p, l.inputs)?;
            }
            prev = Some(l.outputs);
            total = add_size(total, mul_size(l.outputs, add_size(l.inputs, 1)?)?)?;
        }
        Ok(Self { layers })
    }

    /// The layers.
    #[must_use]
    pub fn layers(&self) -> &'a [LayerSpec] {
        self.layers
    }

    /// Input width of the first layer.
    #[must_use]
    pub fn inputs(&self) -> usize {
        self.layers.first().map_or(0, |l| l.inputs)
    }

    /// Output width of the last layer.
    #[must_use]
    pub fn outputs(&self) -> usize {
        self.layers.last().map_or(0, |l| l.outputs)
    }

    /// Parameter count (no overflow: checked in [`Mlp::new`]).
    #[must_use]
    pub fn params_len(&self) -> usize {
        spec::params_len(self.layers)
    }

    /// Activation buffer length for `batch` rows.
    ///
    /// # Errors
    /// [`Error::SizeOverflow`].
    pub fn activations_len(&self, batch: usize) -> Result<usize> {
        let outs = self.layers.iter().try_fold(0usize, |s, l| add_size(s, l.outputs))?;
        mul_size(mul_size(outs, batch)?, 2)
    }

    /// Backward scratch length for `batch` rows.
    ///
    /// # Errors
    /// [`Error::SizeOverflow`].
    pub fn scratch_len(&self, batch: usize) -> Result<usize> {
        mul_size(mul_size(spec::max_width(self.layers), batch)?, 2)
    }

    /// Initialises weights with normal samples (He `√(2/in)` for ReLU/SiLU/GELU layers,
    /// Xavier `√(2/(in+out))` for tanh/identity) and biases with 0. O(params).
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] if `params` has the wrong length.
    pub fn init<T: Real>(&self, params: &mut [T], rng: &mut Pcg32) -> Result<()> {
        check_len("params", self.params_len(), params.len())?;
        let mut rest = params;
        for l in self.layers {
            let (w, tail) = take_mut(rest, l.outputs * l.inputs)?;
            let (b, tail) = take_mut(tail, l.outputs)?;
            rest = tail;
            let std = l.activation.init_std(l.inputs, l.outputs);
            w.iter_mut().for_each(|v| *v = T::from_f64(std * rng.normal()));
            b.fill(T::ZERO);
        }
        Ok(())
    }

    fn check_batch<T>(&self, x: &[T], batch: usize, acts_len: usize) -> Result<()> {
        if batch == 0 {
            return Err(Error::InvalidParameter { name: "batch", reason: "must be > 0" });
        }
        check_len("x", mul_size(batch, self.inputs())?, x.len())?;
        check_len("acts", self.activations_len(batch)?, acts_len)
    }

    /// Forward pass over `batch` rows of `x`, filling `acts` (see the type docs for layouts).
    /// O(batch · params) time via `gemm`, no extra memory.
    ///
    /// Both `params` and `x` are scanned for NaN/inf first (read-only, O(params + batch ·
    /// inputs), small next to the gemm).
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] for wrong `params`/`x`/`acts` lengths,
    /// [`Error::InvalidParameter`] for `batch == 0`, [`Error::NonFinite`] (`what` = `"params"`
    /// or `"x"`) for a NaN/inf in `params` or `x`. Nothing is written on error.
    pub fn forward<T: Real>(&self, params: &[T], x: &[T], batch: usize, acts: &mut [T]) -> Result<()> {
        check_len("params", self.params_len(), params.len())?;
        self.check_batch(x, batch, acts.len())?;
        crate::real::check_finite("params", params)?;
        crate::real::check_finite("x", x)?;
        self.forward_unchecked(params, x, batch, acts)
    }

    /// [`Mlp::forward`] without the NaN/inf scan, for crate loops whose public entry already
    /// checked `params` and `x` once (or built `x` itself from checked values). Lengths are
    /// still checked.
    pub(crate) fn forward_unchecked<T: Real>(
        &self,
        params: &[T],
        x: &[T],
        batch: usize,
        acts: &mut [T],
    ) -> Result<()> {
        check_len("params", self.params_len(), params.len())?;
        self.check_batch(x, batch, acts.len())?;
        let mut p = params;
        let mut rest = acts;
        let mut prev: &[T] = x;
        for l in self.layers {
            let (w, tail) = take(p, l.outputs * l.inputs)?;
            let (b, tail) = take(tail, l.outputs)?;
            p = tail;
            let n = batch * l.outputs;
            let (z, tail) = take_mut(rest, n)?;
            let (a, tail) = take_mut(tail, n)?;
            rest = tail;
            // Z = X·Wᵀ + 1·bᵀ.
            T::gemm(
                Trans::No,
                Trans::Yes,
                batch,
                l.outputs,
                l.inputs,
                T::ONE,
                prev,
                l.inputs,
                w,
                l.inputs,
                T::ZERO,
                z,
                l.outputs,
            );
            for row in z.chunks_exact_mut(l.outputs) {
                T::axpy(T::ONE, b, row);
            }
            l.activation.forward_slice(z, a);
            prev = a;
        }
        Ok(())
    }

    /// The network output (`batch × outputs`, the last layer's `A`) inside `acts`.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] if `acts` has the wrong length for `batch`.
    pub fn output<'b, T: Real>(&self, acts: &'b [T], batch: usize) -> Result<&'b [T]> {
        check_len("acts", self.activations_len(batch)?, acts.len())?;
        Ok(take_back(acts, batch * self.outputs())?.1)
    }

    /// Backward pass: given `d_out = ∂L/∂output` (`batch × outputs`) and the `acts` of the
    /// forward pass on the same `params` and `x`, writes `grads = ∂L/∂params` (overwriting).
    /// O(2 · batch · params) time via `gemm`, uses `scratch` only.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] for wrong lengths (`scratch`: [`Error::WorkspaceTooSmall`]),
    /// [`Error::InvalidParameter`] for `batch == 0`. Nothing is written on error.
    #[allow(clippy::too_many_arguments)]
    pub fn backward<T: Real>(
        &self,
        params: &[T],
        x: &[T],
        batch: usize,
        acts: &[T],
        d_out: &[T],
        grads: &mut [T],
        scratch: &mut [T],
    ) -> Result<()> {
        check_len("params", self.params_len(), params.len())?;
        check_len("grads", self.params_len(), grads.len())?;
        self.check_batch(x, batch, acts.len())?;
        check_len("d_out", batch * self.outputs(), d_out.len())?;
        let need = self.scratch_len(batch)?;
        if scratch.len() < need {
            return Err(Error::WorkspaceTooSmall { needed: need, given: scratch.len() });
        }
        let half = need / 2;
        let (mut cur, tail) = take_mut(scratch, half)?;
        let (mut next, _) = take_mut(tail, half)?;
        take_mut(&mut *cur, d_out.len())?.0.copy_from_slice(d_out);
        let (mut p_rest, mut g_rest, mut a_rest) = (params, grads, acts);
        let mut layers = self.layers.iter().rev().peekable();
        while let Some(l) = layers.next() {
            let (pr, pb) = take_back(p_rest, l.params_len())?;
            let (gr, gb) = take_back_mut(g_rest, l.params_len())?;
            p_rest = pr;
            g_rest = gr;
            let n = batch * l.outputs;
            let (ar, za) = take_back(a_rest, 2 * n)?;
            a_rest = ar;
            let (z, a) = take(za, n)?;
            let prev: &[T] = if layers.peek().is_some() { take_back(a_rest, batch * l.inputs)?.1 } else { x };
            let (w, _) = take(pb, l.outputs * l.inputs)?;
            let (gw, gbias) = take_mut(gb, l.outputs * l.inputs)?;
            let dz = take_mut(&mut *cur, n)?.0;
            l.activation.backward_slice(z, a, dz);
            // ∂W = dZᵀ·X_prev, ∂b = Σ_rows dZ, ∂X_prev = dZ·W.
            T::gemm(
                Trans::Yes,
                Trans::No,
                l.outputs,
                l.inputs,
                batch,
                T::ONE,
                dz,
                l.outputs,
                prev,
                l.inputs,
                T::ZERO,
                gw,
                l.inputs,
            );
            gbias.fill(T::ZERO);
            for row in dz.chunks_exact(l.outputs) {
                T::axpy(T::ONE, row, gbias);
            }
            if layers.peek().is_some() {
                let dx = take_mut(&mut *next, batch * l.inputs)?.0;
                T::gemm(
                    Trans::No,
                    Trans::No,
                    batch,
                    l.inputs,
                    l.outputs,
                    T::ONE,
                    dz,
                    l.outputs,
                    w,
                    l.inputs,
                    T::ZERO,
                    dx,
                    l.inputs,
                );
                core::mem::swap(&mut cur, &mut next);
            }
        }
        Ok(())
    }
}
