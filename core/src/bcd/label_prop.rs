//! Label propagation on a weighted graph (spec §4 "quadratic / label propagation"): the graph is a
//! CSR view of caller slices; the node values are the incremental state.

use super::problem::{Penalty, Problem};
use crate::error::{add_size, check_len};
use crate::real::check_finite;
use crate::{Error, Real, Result};

/// `f(x) = ½ x_uᵀ A x_u − bᵀ x_u` over the unlabelled nodes `u`, with `A_ii = Σ_j W_ij` (full
/// degree, edges to labelled nodes included), `A_ij = −W_ij`, `b_i = Σ_{j labelled} W_ij y_j`
/// (spec §4); equal to `½ Σ_{edges} W_ij (x_i − x_j)²` minus a constant.
///
/// The graph is symmetric CSR over all `N` nodes: neighbours of node `i` are
/// `cols[row_ptr[i]..row_ptr[i+1]]` with weights `weights[..]` (each undirected edge stored in
/// both rows; symmetry is the caller's responsibility). Variable `v` is the `v`-th unlabelled
/// node, `vars()[v]`. State: node values in `values` (length `N`): `y` at labelled nodes, the
/// iterate elsewhere. Costs: [`Problem::partial`] and [`Problem::coord_lipschitz`] O(deg),
/// [`Problem::apply`] O(1), objective and full gradient O(nnz), Hessian block O(|b|·deg).
#[derive(Debug)]
pub struct LabelPropagation<'a, T> {
    row_ptr: &'a [usize],
    cols: &'a [usize],
    weights: &'a [T],
    labelled: &'a [bool],
    values: &'a mut [T],
    vars: &'a mut [usize],
    m: usize,
}

impl<'a, T: Real> LabelPropagation<'a, T> {
    /// Builds the problem over `N = labelled.len()` nodes. `labels[i]` is used where
    /// `labelled[i]`; `values` (length N) receives the state (`y` at labelled nodes, 0 elsewhere);
    /// `vars` (length ≥ number of unlabelled nodes) receives the unlabelled node ids in order.
    ///
    /// Errors: `row_ptr.len() != N + 1`, non-monotone `row_ptr`, `cols`/`weights` lengths not
    /// `row_ptr[N]`, a column ≥ N or a self-loop, negative or non-finite weights, non-finite
    /// labels, `labels`/`values` not of length N, `vars` too short, no unlabelled node.
    ///
    /// ```
    /// use ferrokern::bcd::{LabelPropagation, Problem};
    /// // path 0 - 1 - 2, ends labelled 0 and 1
    /// let row_ptr = [0, 1, 3, 4];
    /// let cols = [1, 0, 2, 1];
    /// let w = [1.0; 4];
    /// let labels = [0.0, 0.0, 1.0];
    /// let labelled = [true, false, true];
    /// let (mut values, mut vars) = ([0.0; 3], [0usize; 1]);
    /// let mut lp = LabelPropagation::new(&row_ptr, &cols, &w, &labels, &labelled, &mut values, &mut vars).unwrap();
    /// assert_eq!(lp.dim(), 1);
    /// lp.reset(&[0.5]).unwrap(); // the state follows the iterate
    /// assert_eq!(lp.partial(&[0.5], 0), 0.0); // 2·0.5 − (0 + 1)
    /// ```
    pub fn new(
        row_ptr: &'a [usize],
        cols: &'a [usize],
        weights: &'a [T],
        labels: &[T],
        labelled: &'a [bool],
        values: &'a mut [T],
        vars: &'a mut [usize],
    ) -> Result<Self> {
        let n = labelled.len();
        check_len("row_ptr", add_size(n, 1)?, row_ptr.len())?;
        check_len("labels", n, labels.len())?;
        check_len("values", n, values.len())?;
        let nnz = row_ptr.last().copied().unwrap_or(0);
        if row_ptr.first() != Some(&0) || row_ptr.windows(2).any(|w| w.first() > w.get(1)) {
            return Err(Error::InvalidParameter {
                name: "row_ptr",
                reason: "must start at 0 and be non-decreasing",
            });
        }
        check_len("cols", nnz, cols.len())?;
        check_len("weights", nnz, weights.len())?;
        check_finite("weights", weights)?;
        check_finite("labels", labels)?;
        if weights.iter().any(|&w| w < T::ZERO) {
            return Err(Error::InvalidParameter { name: "weights", reason: "must be >= 0" });
        }
        for i in 0..n {
            let (s, e) = (row_ptr.get(i).copied().unwrap_or(0), row_ptr.get(i + 1).copied().unwrap_or(0));
            if cols.get(s..e).is_none_or(|c| c.iter().any(|&j| j >= n || j == i)) {
                return Err(Error::InvalidParameter {
                    name: "cols",
                    reason: "must be < N and not a self-loop",
                });
            }
        }
        let m = labelled.iter().filter(|&&l| !l).count();
        if m == 0 {
            return Err(Error::InvalidParameter { name: "labelled", reason: "needs an unlabelled node" });
        }
        if vars.len() < m {
            return Err(Error::DimensionMismatch { what: "vars", expected: m, found: vars.len() });
        }
        for (v, i) in vars.iter_mut().zip(labelled.iter().enumerate().filter(|(_, &l)| !l).map(|(i, _)| i)) {
            *v = i;
        }
        for ((x, &l), &y) in values.iter_mut().zip(labelled).zip(labels) {
            *x = if l { y } else { T::ZERO };
        }
        Ok(Self { row_ptr, cols, weights, labelled, values, vars, m })
    }

    /// Unlabelled node ids: variable `v` is node `vars()[v]`.
    #[must_use]
    pub fn vars(&self) -> &[usize] {
        self.vars.get(..self.m).unwrap_or(&[])
    }

    /// Node values (labels at labelled nodes, the iterate elsewhere).
    #[must_use]
    pub fn values(&self) -> &[T] {
        self.values
    }

    /// Number of graph nodes N.
    #[must_use]
    pub fn nodes(&self) -> usize {
        self.labelled.len()
    }

    /// Whether node `i` is labelled (out of range: true).
    #[must_use]
    pub fn is_labelled(&self, i: usize) -> bool {
        self.labelled.get(i).copied().unwrap_or(true)
    }

    /// Node of variable `v` (out of range: `usize::MAX`).
    #[must_use]
    pub fn node(&self, v: usize) -> usize {
        self.vars().get(v).copied().unwrap_or(usize::MAX)
    }

    /// Neighbours of node `i` with weights.
    pub fn neighbours(&self, i: usize) -> impl Iterator<Item = (usize, T)> + '_ {
        let (s, e) =
            (self.row_ptr.get(i).copied().unwrap_or(0), self.row_ptr.get(i + 1).copied().unwrap_or(0));
        let c = self.cols.get(s..e).unwrap_or(&[]);
        let w = self.weights.get(s..e).unwrap_or(&[]);
        c.iter().copied().zip(w.iter().copied())
    }

    /// Full degree `A_ii = Σ_j W_ij` of node `i`.
    #[must_use]
    pub fn degree(&self, i: usize) -> T {
        self.neighbours(i).fold(T::ZERO, |a, (_, w)| a + w)
    }

    /// `Σ_j W_ij x_j` over all neighbours at the current state.
    #[must_use]
    pub fn neighbour_sum(&self, i: usize) -> T {
        self.neighbours(i).fold(T::ZERO, |a, (j, w)| a + w * self.values.get(j).copied().unwrap_or(T::ZERO))
    }
}

impl<T: Real> Problem<T> for LabelPropagation<'_, T> {
    fn dim(&self) -> usize {
        self.m
    }
    fn penalty(&self) -> Penalty<T> {
        Penalty::None
    }
    fn reset(&mut self, w: &[T]) -> Result<()> {
        check_len("w", self.m, w.len())?;
        check_finite("w", w)?;
        for (&v, &x) in self.vars.iter().zip(w) {
            if let Some(s) = self.values.get_mut(v) {
                *s = x;
            }
        }
        Ok(())
    }
    fn smooth_value(&self, _w: &[T]) -> T {
        // Σ_i x_i (½ A_ii x_i − ½ Σ_{j unl} W_ij x_j − Σ_{j lab} W_ij y_j)
        let mut f = T::ZERO;
        for &i in self.vars() {
            let xi = self.values.get(i).copied().unwrap_or(T::ZERO);
            let mut t = T::HALF * self.degree(i) * xi;
            for (j, w) in self.neighbours(i) {
                let xj = self.values.get(j).copied().unwrap_or(T::ZERO);
                t -= if self.is_labelled(j) { w * xj } else { T::HALF * w * xj };
            }
            f += xi * t;
        }
        f
    }
    fn objective_at_zero(&self) -> T {
        T::ZERO
    }
    fn partial(&self, _w: &[T], v: usize) -> T {
        let i = self.node(v);
        self.degree(i) * self.values.get(i).copied().unwrap_or(T::ZERO) - self.neighbour_sum(i)
    }
    fn coord_lipschitz(&self, v: usize) -> T {
        self.degree(self.node(v))
    }
    fn hessian_bound(&self, block: &[usize], out: &mut [T], ld: usize) {
        for (a, &va) in block.iter().enumerate() {
            let ia = self.node(va);
            for (b, &vb) in block.iter().enumerate() {
                let ib = self.node(vb);
                let v = if a == b {
                    self.degree(ia)
                } else {
                    -self.neighbours(ia).filter(|&(j, _)| j == ib).fold(T::ZERO, |s, (_, w)| s + w)
                };
                if let Some(o) = out.get_mut(a * ld + b) {
                    *o = v;
                }
            }
        }
    }
    fn apply(&mut self, w: &mut [T], v: usize, delta: T) {
        let i = self.node(v);
        if let (Some(wv), Some(x)) = (w.get_mut(v), self.values.get_mut(i)) {
            *wv += delta;
            *x += delta;
        }
    }
}
