//! NASA (Negative-Away Steer Attention, SNOOPI; spec §(a)) as a standalone single-head
//! cross-attention kernel: `out = softmax(Q·K⁺ᵀ/√d)·V⁺ − α·softmax(Q·K⁻ᵀ/√d)·V⁻`.

use crate::error::{check_len, mul_size};
use crate::{Error, Real, Result};

/// Shapes of one NASA cross-attention call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AttentionShape {
    /// Query rows.
    pub queries: usize,
    /// Key/query width `d` (scores are scaled by `1/√d`).
    pub key_dim: usize,
    /// Value width.
    pub value_dim: usize,
    /// Positive-prompt tokens (rows of K⁺, V⁺).
    pub pos_tokens: usize,
    /// Negative-prompt tokens (rows of K⁻, V⁻); 0 = plain attention.
    pub neg_tokens: usize,
}

impl AttentionShape {
    /// Scratch elements [`nasa_attention`] needs: one score row of the longer token list.
    #[must_use]
    pub const fn workspace_len(&self) -> usize {
        workspace_len(self.pos_tokens, self.neg_tokens)
    }
}

/// Scratch elements for `pos_tokens` positive and `neg_tokens` negative tokens.
#[must_use]
pub const fn workspace_len(pos_tokens: usize, neg_tokens: usize) -> usize {
    if pos_tokens > neg_tokens {
        pos_tokens
    } else {
        neg_tokens
    }
}

/// `out (queries × value_dim) ← out + sign·softmax(Q·Kᵀ/√d)·V` for one token list.
#[allow(clippy::too_many_arguments)]
fn attend<T: Real>(q: &[T], k: &[T], v: &[T], d: usize, dv: usize, sign: T, scores: &mut [T], out: &mut [T]) {
    let inv_sqrt_d = T::ONE / T::from_usize(d).sqrt();
    for (qi, oi) in q.chunks_exact(d).zip(out.chunks_exact_mut(dv)) {
        for (s, ki) in scores.iter_mut().zip(k.chunks_exact(d)) {
            *s = T::dot(qi, ki) * inv_sqrt_d;
        }
        T::softmax(scores);
        for (&p, vi) in scores.iter().zip(v.chunks_exact(dv)) {
            T::axpy(sign * p, vi, oi);
        }
    }
}

/// NASA single-head cross-attention. Layouts row-major: `q` queries × key_dim, `k_pos`
/// pos_tokens × key_dim, `v_pos` pos_tokens × value_dim, likewise `k_neg`/`v_neg`;
/// `out` queries × value_dim (overwritten); `work` ≥ [`AttentionShape::workspace_len`].
/// `alpha = 0` or `neg_tokens = 0` is plain scaled-dot-product attention. Softmax via
/// `Real::softmax` (stable). O(queries·(pos+neg)·(key_dim + value_dim)) time.
///
/// ```
/// use ferrokern::denoise::{nasa_attention, AttentionShape};
/// let shape = AttentionShape { queries: 1, key_dim: 2, value_dim: 1, pos_tokens: 2, neg_tokens: 1 };
/// let q = [1.0f32, 0.0];
/// let (kp, vp) = ([0.0f32, 0.0, 0.0, 0.0], [1.0f32, 3.0]); // equal scores: mean of V⁺ = 2
/// let (kn, vn) = ([5.0f32, 5.0], [4.0f32]); // one token: softmax = 1
/// let mut work = [0.0f32; 2];
/// let mut out = [0.0f32; 1];
/// nasa_attention(&shape, &q, &kp, &vp, &kn, &vn, 0.25, &mut work, &mut out)?;
/// assert!((out[0] - (2.0 - 0.25 * 4.0)).abs() < 1e-6);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`] for a zero `queries`/`key_dim`/`value_dim`/`pos_tokens` or a
/// non-finite `alpha`; [`Error::DimensionMismatch`] for wrong slice lengths;
/// [`Error::WorkspaceTooSmall`]; [`Error::SizeOverflow`]. Nothing is written on error.
#[allow(clippy::too_many_arguments)]
pub fn nasa_attention<T: Real>(
    shape: &AttentionShape,
    q: &[T],
    k_pos: &[T],
    v_pos: &[T],
    k_neg: &[T],
    v_neg: &[T],
    alpha: T,
    work: &mut [T],
    out: &mut [T],
) -> Result<()> {
    let s = shape;
    if s.queries == 0 || s.key_dim == 0 || s.value_dim == 0 || s.pos_tokens == 0 {
        return Err(Error::InvalidParameter {
            name: "shape",
            reason: "queries, dims and pos_tokens must be > 0",
        });
    }
    if !alpha.is_finite() {
        return Err(Error::InvalidParameter { name: "alpha", reason: "must be finite" });
    }
    check_len("q", mul_size(s.queries, s.key_dim)?, q.len())?;
    check_len("k_pos", mul_size(s.pos_tokens, s.key_dim)?, k_pos.len())?;
    check_len("v_pos", mul_size(s.pos_tokens, s.value_dim)?, v_pos.len())?;
    check_len("k_neg", mul_size(s.neg_tokens, s.key_dim)?, k_neg.len())?;
    check_len("v_neg", mul_size(s.neg_tokens, s.value_dim)?, v_neg.len())?;
    check_len("out", mul_size(s.queries, s.value_dim)?, out.len())?;
    let need = s.workspace_len();
    if work.len() < need {
        return Err(Error::WorkspaceTooSmall { needed: need, given: work.len() });
    }
    out.fill(T::ZERO);
    let pos_scores = work.get_mut(..s.pos_tokens).ok_or(Error::SizeOverflow)?;
    attend(q, k_pos, v_pos, s.key_dim, s.value_dim, T::ONE, pos_scores, out);
    if s.neg_tokens > 0 && alpha != T::ZERO {
        let neg_scores = work.get_mut(..s.neg_tokens).ok_or(Error::SizeOverflow)?;
        attend(q, k_neg, v_neg, s.key_dim, s.value_dim, -alpha, neg_scores, out);
    }
    Ok(())
}
