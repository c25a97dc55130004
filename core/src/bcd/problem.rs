//! The [`Problem`] trait: what a block-coordinate method needs from an objective (spec §1, §4).

use crate::{Real, Result};

/// The separable non-smooth part `g(w) = Σ_i g_i(w_i)` of `F = f + g` (spec §6).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Penalty<T> {
    /// `g = 0`: smooth problem.
    None,
    /// `g(w) = λ‖w‖₁`.
    L1(T),
    /// `g(w) = λ Σ w_i` on `w ≥ 0` (+∞ elsewhere): non-negative L1.
    NonNegL1(T),
}

impl<T: Real> Penalty<T> {
    /// `g(w)` (for [`Penalty::NonNegL1`] the caller keeps `w ≥ 0`; it is not re-checked).
    #[must_use]
    pub fn value(&self, w: &[T]) -> T {
        match *self {
            Penalty::None => T::ZERO,
            Penalty::L1(l) => l * w.iter().fold(T::ZERO, |a, &v| a + v.abs()),
            Penalty::NonNegL1(l) => l * T::sum(w),
        }
    }

    /// Proximal map of `t·g_i` at `z`: soft-thresholding `S_{tλ}(z)` for L1, `max(0, z − tλ)` for
    /// non-negative L1, identity when smooth.
    #[must_use]
    pub fn prox(&self, z: T, t: T) -> T {
        match *self {
            Penalty::None => z,
            Penalty::L1(l) => soft_threshold(z, t * l),
            Penalty::NonNegL1(l) => (z - t * l).max(T::ZERO),
        }
    }

    /// `g_i(v)` for one coordinate.
    #[must_use]
    pub fn coord(&self, v: T) -> T {
        match *self {
            Penalty::None => T::ZERO,
            Penalty::L1(l) => l * v.abs(),
            Penalty::NonNegL1(l) => l * v,
        }
    }

    /// True unless smooth.
    #[must_use]
    pub fn is_some(&self) -> bool {
        !matches!(self, Penalty::None)
    }
}

/// The penalty seen by one coordinate: the problem's [`Penalty`] everywhere except on its
/// unpenalised coordinates ([`Problem::unpenalized`], e.g. an intercept), where it is `None`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct CoordPenalty<T> {
    pub(super) penalty: Penalty<T>,
    /// Unpenalised coordinates `start..end`.
    pub(super) free: (usize, usize),
}

impl<T: Real> CoordPenalty<T> {
    pub(super) fn of<P: Problem<T> + ?Sized>(problem: &P) -> Self {
        let r = problem.unpenalized();
        Self { penalty: problem.penalty(), free: (r.start, r.end) }
    }

    /// The penalty of coordinate `j`.
    pub(super) fn at(&self, j: usize) -> Penalty<T> {
        if (self.free.0..self.free.1).contains(&j) {
            Penalty::None
        } else {
            self.penalty
        }
    }

    /// `g(w)` summed over the penalised coordinates.
    pub(super) fn value(&self, w: &[T]) -> T {
        let a = self.free.0.min(w.len());
        let b = self.free.1.clamp(a, w.len());
        let (head, rest) = w.split_at(a);
        self.penalty.value(head) + self.penalty.value(rest.get(b - a..).unwrap_or(&[]))
    }
}

/// `S_t(z) = sign(z)·max(|z| − t, 0)`.
///
/// ```
/// use ferrokern::bcd::soft_threshold;
/// assert_eq!(soft_threshold(3.0, 1.0), 2.0);
/// assert_eq!(soft_threshold(-3.0, 1.0), -2.0);
/// assert_eq!(soft_threshold(0.5, 1.0), 0.0);
/// ```
#[must_use]
pub fn soft_threshold<T: Real>(z: T, t: T) -> T {
    if z > t {
        z - t
    } else if z < -t {
        z + t
    } else {
        T::ZERO
    }
}

/// An objective `F(w) = f(w) + g(w)` with `f` smooth and `g` a separable [`Penalty`], as seen by
/// block coordinate descent.
///
/// Implementors keep an *incremental state* in caller-provided slices (residual `y − Xw`, margins
/// `Xw`, scores `XWᵀ`, node values) that mirrors the iterate `w`: [`Problem::apply`] changes one
/// coordinate and the state in O(n), so one block update costs O(n·|b|) and partial derivatives
/// need no full pass over the data. The caller must route every change of `w` through
/// [`Problem::apply`] (or call [`Problem::reset`] after changing `w` directly).
///
/// Index arguments (`j`, blocks) must be `< dim()`; out-of-range indices are ignored (contribute
/// zero) rather than panicking.
pub trait Problem<T: Real> {
    /// Number of variables.
    fn dim(&self) -> usize;

    /// The separable non-smooth part.
    fn penalty(&self) -> Penalty<T>;

    /// Recomputes the state from `w` (O(data size)). Errors if `w.len() != dim()` or `w` is not
    /// finite.
    fn reset(&mut self, w: &[T]) -> Result<()>;

    /// Smooth part `f(w)`; `w` must be the iterate the state mirrors.
    fn smooth_value(&self, w: &[T]) -> T;

    /// Coordinates exempt from the penalty (and from any ridge term): an unpenalised intercept.
    /// The solver applies no proximal step to them. Default: none.
    fn unpenalized(&self) -> core::ops::Range<usize> {
        0..0
    }

    /// `F(w) = f(w) + g(w)` (`g` summed over the penalised coordinates).
    fn objective(&self, w: &[T]) -> T {
        self.smooth_value(w) + CoordPenalty::of(self).value(w)
    }

    /// `F(0)`, the scale all relative tolerances use. Independent of the state.
    fn objective_at_zero(&self) -> T;

    /// `∂f/∂w_j` at the current state.
    fn partial(&self, w: &[T], j: usize) -> T;

    /// `∇_b f` into `out[..block.len()]` (default: one [`Problem::partial`] per coordinate).
    fn block_gradient(&self, w: &[T], block: &[usize], out: &mut [T]) {
        for (o, &j) in out.iter_mut().zip(block) {
            *o = self.partial(w, j);
        }
    }

    /// Full gradient `∇f(w)` into `g` (default: [`Problem::partial`] for every coordinate).
    fn full_gradient(&self, w: &[T], g: &mut [T]) {
        for (j, o) in g.iter_mut().enumerate() {
            *o = self.partial(w, j);
        }
    }

    /// Coordinate-wise Lipschitz constant `L_j` of `∇_j f`.
    fn coord_lipschitz(&self, j: usize) -> T;

    /// A matrix bound `H_b ⪰ ∇²_bb f(x)` for all x, written row-major into `out` with row stride
    /// `ld` (`out.len() ≥ (|b|−1)·ld + |b|`).
    fn hessian_bound(&self, block: &[usize], out: &mut [T], ld: usize);

    /// Column `j` of the full Hessian bound `H` (length `dim()`) into `out`, if the problem can
    /// produce it (least squares); `false` (and `out` untouched) otherwise. Used by the variable-
    /// block GSQ rule (iterative hard thresholding, spec §3).
    fn hessian_bound_column(&self, j: usize, out: &mut [T]) -> bool {
        let _ = (j, out);
        false
    }

    /// The block Hessian `∇²_bb f(w)` at the current state (default: the bound, exact for
    /// quadratics).
    fn hessian(&self, w: &[T], block: &[usize], out: &mut [T], ld: usize) {
        let _ = w;
        self.hessian_bound(block, out, ld);
    }

    /// `w_j += delta` and the matching O(n) state update.
    fn apply(&mut self, w: &mut [T], j: usize, delta: T);

    /// Updates a full gradient `g` after the block `block` changed by `delta` (already applied),
    /// if the problem can do it cheaper than [`Problem::full_gradient`]; returns false (and leaves
    /// `g` alone) otherwise. Greedy rules call this every iteration.
    fn gradient_update(&self, w: &[T], block: &[usize], delta: &[T], g: &mut [T]) -> bool {
        let _ = (w, block, delta, g);
        false
    }

    /// A duality gap `F(w) − D(θ(w)) ≥ F(w) − F*` if the problem has a cheap one (Lasso,
    /// L1-logistic); `grad` is the full gradient `∇f(w)` at the current state (the solver keeps it,
    /// so the gap needs no further pass over the data).
    fn duality_gap(&self, w: &[T], grad: &[T]) -> Option<T> {
        let _ = (w, grad);
        None
    }
}
