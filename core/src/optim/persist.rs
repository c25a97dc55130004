//! Saving optimizer state into a model file and restoring it (`docs/model-format.md`,
//! "optim-state" naming), so on-device fine-tuning resumes after a reset exactly where it
//! stopped: [`save_state`] (feature `std`) and [`load_state`] (`no_std`, no allocation).
//!
//! For a state block called `prefix` (1–14 bytes, e.g. `"optim"`) the file holds:
//! - tensors `<prefix>.m` (all optimizers), `<prefix>.v` (Adam, diffGrad), `<prefix>.prev_grad`
//!   (diffGrad), each of shape `[n]`, dtype of the state storage (f32, bf16 or f16);
//! - metadata `<prefix>.optimizer` (`"diffgrad"`, `"adam"`, `"sgd"`) and `<prefix>.step` (i64,
//!   completed steps).
//!
//! The state bytes are stored exactly (f32 as f32, bf16/f16 bit for bit), so restoring and
//! continuing gives bit-identical iterates to never having stopped. Hyperparameters are not
//! stored: the caller rebuilds the optimizer with its own configuration.

use super::{Adam, DiffGrad, Optimizer, SgdMomentum};
use crate::model::{DType, Model};
use crate::{Error, Result};

/// Longest accepted state prefix: `<prefix>.optimizer` must fit a 24-byte metadata key.
pub const PREFIX_MAX: usize = 14;

/// An optimizer whose state can be saved: its name in the file.
pub trait PersistentOptimizer: Optimizer {
    /// Name stored as `<prefix>.optimizer`.
    const NAME: &'static str;
}

impl PersistentOptimizer for DiffGrad {
    const NAME: &'static str = "diffgrad";
}
impl PersistentOptimizer for Adam {
    const NAME: &'static str = "adam";
}
impl PersistentOptimizer for SgdMomentum {
    const NAME: &'static str = "sgd";
}

/// A state element type that is stored exactly in a model file: `f32`, `half::bf16`,
/// `half::f16` (f64 state has no exact file dtype and is not supported).
pub trait StateElement: Copy + sealed::Sealed {
    /// The file dtype.
    const DTYPE: DType;
    /// Exact widening to f32.
    fn to_f32(self) -> f32;
    /// From f32 (exact for values produced by [`StateElement::to_f32`]).
    fn from_f32(x: f32) -> Self;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for half::bf16 {}
    impl Sealed for half::f16 {}
}

impl StateElement for f32 {
    const DTYPE: DType = DType::F32;
    fn to_f32(self) -> f32 {
        self
    }
    fn from_f32(x: f32) -> Self {
        x
    }
}
impl StateElement for half::bf16 {
    const DTYPE: DType = DType::BF16;
    fn to_f32(self) -> f32 {
        half::bf16::to_f32(self)
    }
    fn from_f32(x: f32) -> Self {
        half::bf16::from_f32(x)
    }
}
impl StateElement for half::f16 {
    const DTYPE: DType = DType::F16;
    fn to_f32(self) -> f32 {
        half::f16::to_f32(self)
    }
    fn from_f32(x: f32) -> Self {
        half::f16::from_f32(x)
    }
}

/// Names of the state parts, in state-buffer order.
const PARTS: [&str; 3] = ["m", "v", "prev_grad"];

/// `<prefix>.<suffix>` in a stack buffer (no allocation): names are at most 32 bytes.
struct Name {
    buf: [u8; 32],
    len: usize,
}

impl Name {
    fn new(prefix: &str, suffix: &str) -> Result<Self> {
        let mut buf = [0u8; 32];
        let parts = [prefix.as_bytes(), b".", suffix.as_bytes()];
        let len = parts.iter().map(|p| p.len()).sum::<usize>();
        let dst = buf.get_mut(..len).ok_or(Error::InvalidParameter { name: "prefix", reason: "too long" })?;
        let mut at = 0;
        for p in parts {
            if let Some(d) = dst.get_mut(at..at + p.len()) {
                d.copy_from_slice(p);
            }
            at += p.len();
        }
        Ok(Self { buf, len })
    }
    fn as_str(&self) -> &str {
        // Built from two &str and an ASCII dot: valid UTF-8.
        self.buf.get(..self.len).and_then(|b| core::str::from_utf8(b).ok()).unwrap_or("")
    }
}

fn check_prefix(prefix: &str) -> Result<()> {
    if prefix.is_empty() || prefix.len() > PREFIX_MAX || prefix.contains('\0') {
        return Err(Error::InvalidParameter { name: "prefix", reason: "must be 1..=14 bytes without NUL" });
    }
    Ok(())
}

/// Parameter count `n` of a state buffer for `O`.
fn param_count<O: Optimizer>(state_len: usize) -> Result<usize> {
    let n = state_len / O::STATE_PER_PARAM.max(1);
    crate::error::check_len("state", O::state_len_for(n), state_len)?;
    Ok(n)
}

/// Adds the state of `optimizer` (its step count and `state`, laid out as in [`Optimizer`])
/// to `writer` under `prefix`. O(state) time and memory.
///
/// ```
/// use ferrokern::model::{Model, ModelWriter};
/// use ferrokern::optim::{load_state, save_state, DiffGrad, Optimizer};
/// let mut opt = DiffGrad::default();
/// let (mut w, g) = ([1.0f32, 2.0], [0.5f32, -0.5]);
/// let mut state = [0.0f32; DiffGrad::state_len(2)];
/// opt.step(&mut w, &g, &mut state)?;
/// let mut writer = ModelWriter::new("optim-state")?;
/// save_state(&mut writer, "optim", &opt, &state)?;
/// let bytes = writer.to_bytes()?;
///
/// let (mut fresh, mut restored) = (DiffGrad::default(), [0.0f32; 6]);
/// let step = load_state(&Model::parse(&bytes)?, "optim", &mut fresh, &mut restored)?;
/// assert_eq!((step, fresh.step_count(), restored), (1, 1, state));
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`] for a bad prefix or a name already in the writer;
/// [`Error::DimensionMismatch`] if `state.len()` is not a multiple of `O::STATE_PER_PARAM`;
/// [`Error::NonFinite`] for NaN/inf state; [`Error::SizeOverflow`] for a step count above
/// `i64::MAX`. The writer may hold some of the entries on error.
#[cfg(feature = "std")]
pub fn save_state<O: PersistentOptimizer, S: StateElement>(
    writer: &mut crate::model::ModelWriter,
    prefix: &str,
    optimizer: &O,
    state: &[S],
) -> Result<()> {
    use std::vec::Vec;
    check_prefix(prefix)?;
    let n = param_count::<O>(state.len())?;
    let step = i64::try_from(optimizer.step_count()).map_err(|_| Error::SizeOverflow)?;
    for (part, name) in state.chunks_exact(n.max(1)).zip(PARTS).take(O::STATE_PER_PARAM) {
        let values: Vec<f32> = part.iter().map(|s| s.to_f32()).collect();
        let name = Name::new(prefix, name)?;
        match S::DTYPE {
            DType::BF16 => writer.tensor_bf16(name.as_str(), &[n], &values)?,
            DType::F16 => writer.tensor_f16(name.as_str(), &[n], &values)?,
            _ => writer.tensor_f32(name.as_str(), &[n], &values)?,
        };
    }
    writer.meta_str(Name::new(prefix, "optimizer")?.as_str(), O::NAME)?;
    writer.meta_i64(Name::new(prefix, "step")?.as_str(), step)?;
    Ok(())
}

/// Restores state saved by `save_state` (feature `std`) under `prefix` into `state` (length
/// `O::state_len_for(n)` for the saved `n`) and sets `optimizer`'s step count; returns the
/// step count. Every check runs before anything is written. O(state) time, no allocation.
///
/// # Errors
/// [`Error::InvalidParameter`] for a bad prefix or a state saved by another optimizer;
/// [`Error::Model`] for a missing tensor or metadata entry, or a tensor whose dtype differs
/// from `S`'s; [`Error::DimensionMismatch`] if a tensor's shape differs from `[n]`;
/// [`Error::SizeOverflow`] for a negative step count. On error `state` and `optimizer` are
/// unchanged.
pub fn load_state<O: PersistentOptimizer, S: StateElement>(
    model: &Model<'_>,
    prefix: &str,
    optimizer: &mut O,
    state: &mut [S],
) -> Result<u64> {
    check_prefix(prefix)?;
    let n = param_count::<O>(state.len())?;
    if model.meta_str(Name::new(prefix, "optimizer")?.as_str())? != O::NAME {
        return Err(Error::InvalidParameter {
            name: "optimizer",
            reason: "state was saved by another optimizer",
        });
    }
    let step = u64::try_from(model.meta_i64(Name::new(prefix, "step")?.as_str())?)
        .map_err(|_| Error::SizeOverflow)?;
    for name in PARTS.iter().take(O::STATE_PER_PARAM) {
        let t = model.tensor(Name::new(prefix, name)?.as_str())?;
        t.expect_shape(&[n])?;
        if t.dtype() != S::DTYPE {
            return Err(Error::Model {
                reason: "optimizer state dtype differs from the buffer's",
                offset: t.data_offset(),
            });
        }
    }
    for (part, name) in state.chunks_exact_mut(n.max(1)).zip(PARTS).take(O::STATE_PER_PARAM) {
        let t = model.tensor(Name::new(prefix, name)?.as_str())?;
        for (s, v) in part.iter_mut().zip(t.values::<f32>()?) {
            *s = S::from_f32(v);
        }
    }
    optimizer.set_step_count(step);
    Ok(step)
}
