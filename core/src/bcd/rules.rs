//! Selection rules (spec §3) and the per-coordinate quantities they score.

use super::problem::Penalty;
use crate::rng::Pcg32;
use crate::Real;

/// Which block to update next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Fixed blocks in turn; variable blocks: consecutive τ-chunks of a fresh random permutation
    /// each epoch.
    Cyclic,
    /// A uniform block (VB: τ coordinates uniformly without replacement).
    Random,
    /// `P(b) ∝ L_b` (VB: τ without replacement with `P(i) ∝ L_i`).
    Lipschitz,
    /// Gauss-Southwell: largest `‖∇_b f‖` (VB: top-τ `|g_i|`).
    GS,
    /// Gauss-Southwell-Lipschitz: largest `‖∇_b f‖²/L_b` (VB: the diagonal GSD rule, as in the
    /// reference code).
    GSL,
    /// Gauss-Southwell with diagonal bound `d_i = L_i`: `Σ g_i²/L_i` (VB: top-τ `|g_i|/√L_i`).
    GSD,
    /// Gauss-Southwell-quadratic: largest `∇_b fᵀ H_b⁻¹ ∇_b f` (fixed blocks: factors cached;
    /// variable blocks: iterative hard thresholding on the quadratic model, spec §3, for problems
    /// with [`Problem::hessian_bound_column`](super::Problem::hessian_bound_column)).
    GSQ,
}

impl Rule {
    /// True for the rules that need the full gradient every iteration.
    #[must_use]
    pub fn is_greedy(self) -> bool {
        matches!(self, Rule::GS | Rule::GSL | Rule::GSD | Rule::GSQ)
    }
}

/// Norm of the fixed-block scores: the paper uses L2, the reference code L1 (spec §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Norm {
    /// `Σ|·|` (reference code).
    L1,
    /// Euclidean (paper; default).
    L2,
}

/// Per-coordinate greedy quantities at `x_i` with partial `g_i` and constant `L_i`:
/// `(e_i, q_i)` where `e_i` is the (proximal) gradient magnitude and `q_i ≥ 0` the progress of the
/// coordinate (proximal) step with step 1/L_i. Smooth: `e = |g|`, `q = g²/(2L)`. With a penalty
/// (spec §6 `gsq-nn`, generalised to L1): `d = prox(x − g/L) − x`, `e = L|d|`,
/// `q = −(g d + ½ L d² + g(x + d) − g(x))`.
///
/// ```
/// use ferrokern::bcd::{coord_scores, Penalty};
/// // Smooth, g = 3, L = 2: e = |g| = 3, q = g²/(2L) = 2.25.
/// assert_eq!(coord_scores(Penalty::None, 0.0f64, 3.0, 2.0), (3.0, 2.25));
/// // L1 with λ = 1 at x = 0: d = S_{1/2}(−1.5) = −1, e = L|d| = 2,
/// // q = −(g·d + ½L·d² + λ|x + d| − λ|x|) = −(−3 + 1 + 1) = 1.
/// assert_eq!(coord_scores(Penalty::L1(1.0f64), 0.0, 3.0, 2.0), (2.0, 1.0));
/// ```
#[must_use]
pub fn coord_scores<T: Real>(penalty: Penalty<T>, x: T, g: T, l: T) -> (T, T) {
    if !super::gt(l, T::ZERO) {
        return (T::ZERO, T::ZERO);
    }
    match penalty {
        Penalty::None => (g.abs(), g * g / (l + l)),
        _ => {
            let new = penalty.prox(x - g / l, T::ONE / l);
            let d = new - x;
            let s = g * d + T::HALF * l * d * d + penalty.coord(new) - penalty.coord(x);
            (l * d.abs(), (-s).max(T::ZERO))
        }
    }
}

/// Index drawn with probability ∝ `weights` (the first eligible index if they sum to 0), skipping
/// indices for which `skip` is true. O(len).
pub fn sample_weighted<T: Real>(
    rng: &mut Pcg32,
    weights: impl Iterator<Item = T> + Clone,
    skip: impl Fn(usize) -> bool,
) -> usize {
    let total =
        weights.clone().enumerate().filter(|(i, _)| !skip(*i)).fold(0.0, |a, (_, w)| a + w.to_f64().max(0.0));
    let mut u = rng.next_f64() * total;
    let mut last = 0;
    for (i, w) in weights.enumerate() {
        if skip(i) {
            continue;
        }
        last = i;
        let w = w.to_f64().max(0.0);
        if total <= 0.0 || u < w {
            return i;
        }
        u -= w;
    }
    last
}
