//! Cost sources: where the solvers read `C` from, one row at a time.
//!
//! A [`DenseCost`] borrows a row-major `n × m` slice (memory O(n·m), owned by the caller); a
//! [`PointCloudCost`] evaluates `c(x_i, y_j)` on the fly from two point clouds (memory O((n + m)·d)),
//! which is what makes the streaming solvers O(n + m) in memory.

use crate::error::{check_len, mul_size};
use crate::real::check_finite;
use crate::{Error, Real, Result};

/// Read access to a cost matrix `C` (`n × m`), row by row.
///
/// Implementations must return rows of exactly `m()` finite values for `i < n()`.
pub trait CostSource<T: Real> {
    /// Rows (`len(a)`).
    fn n(&self) -> usize;
    /// Columns (`len(b)`).
    fn m(&self) -> usize;
    /// Row `i` of `C`: either borrowed from storage or written into `buf` (length `≥ m`) and
    /// returned. For `i ≥ n` the result is empty.
    fn row<'s>(&'s self, i: usize, buf: &'s mut [T]) -> &'s [T];
    /// One entry `C[i][j]` (`0` outside the matrix).
    fn entry(&self, i: usize, j: usize) -> T;
}

/// A dense row-major cost matrix borrowed from the caller.
#[derive(Clone, Copy, Debug)]
pub struct DenseCost<'a, T> {
    c: &'a [T],
    n: usize,
    m: usize,
}

impl<'a, T: Real> DenseCost<'a, T> {
    /// Wraps `c` (`n·m` finite values, row-major).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `n` or `m` is 0, [`Error::DimensionMismatch`] if
    /// `c.len() != n·m`, [`Error::NonFinite`] for NaN/inf entries, [`Error::SizeOverflow`].
    pub fn new(c: &'a [T], n: usize, m: usize) -> Result<Self> {
        if n == 0 || m == 0 {
            return Err(Error::InvalidParameter { name: "n, m", reason: "must be > 0" });
        }
        check_len("cost", mul_size(n, m)?, c.len())?;
        check_finite("cost", c)?;
        Ok(Self { c, n, m })
    }

    /// Largest entry.
    #[must_use]
    pub fn max(&self) -> T {
        T::max_of(self.c)
    }
}

impl<T: Real> CostSource<T> for DenseCost<'_, T> {
    fn n(&self) -> usize {
        self.n
    }
    fn m(&self) -> usize {
        self.m
    }
    fn row<'s>(&'s self, i: usize, _buf: &'s mut [T]) -> &'s [T] {
        let start = i.saturating_mul(self.m);
        self.c.get(start..start.saturating_add(self.m)).unwrap_or(&[])
    }
    fn entry(&self, i: usize, j: usize) -> T {
        if j >= self.m {
            return T::ZERO;
        }
        self.c.get(i.saturating_mul(self.m).saturating_add(j)).copied().unwrap_or(T::ZERO)
    }
}

/// Built-in ground metric between two points of a [`PointCloudCost`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// `Σ_k (x_k − y_k)²`.
    SqEuclidean,
    /// `√Σ_k (x_k − y_k)²`.
    Euclidean,
}

/// The cost-function type of a [`PointCloudCost`] built with a [`Metric`].
pub type MetricFn<T> = fn(&[T], &[T]) -> T;

#[derive(Clone, Copy, Debug)]
enum PairCost<F> {
    Builtin(Metric),
    Custom(F),
}

/// Cost `C_ij = c(x_i, y_j) / divisor` evaluated on the fly from two point clouds.
///
/// `x` holds `n` points and `y` holds `m` points, each row-major with `d` coordinates. Memory is
/// the clouds themselves; each row costs O(m·d) to evaluate.
#[derive(Clone, Copy, Debug)]
pub struct PointCloudCost<'a, T, F = MetricFn<T>> {
    x: &'a [T],
    y: &'a [T],
    d: usize,
    n: usize,
    m: usize,
    metric: PairCost<F>,
    divisor: T,
}

impl<'a, T: Real> PointCloudCost<'a, T> {
    /// Two clouds of dimension `d` with a built-in metric; `x.len()` and `y.len()` must be
    /// non-zero multiples of `d`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `d == 0`, empty clouds or lengths not divisible by `d`;
    /// [`Error::NonFinite`] for NaN/inf coordinates.
    pub fn new(x: &'a [T], y: &'a [T], d: usize, metric: Metric) -> Result<Self> {
        Self::build(x, y, d, PairCost::Builtin(metric))
    }
}

impl<'a, T: Real, F: Fn(&[T], &[T]) -> T> PointCloudCost<'a, T, F> {
    /// Two clouds of dimension `d` with a user cost `c(x_i, y_j)` of two `d`-vectors (must
    /// return finite values ≥ 0).
    ///
    /// # Errors
    /// As [`PointCloudCost::new`].
    pub fn with_cost_fn(x: &'a [T], y: &'a [T], d: usize, c: F) -> Result<Self> {
        Self::build(x, y, d, PairCost::Custom(c))
    }

    fn build(x: &'a [T], y: &'a [T], d: usize, metric: PairCost<F>) -> Result<Self> {
        if d == 0 || x.is_empty() || y.is_empty() || !x.len().is_multiple_of(d) || !y.len().is_multiple_of(d)
        {
            return Err(Error::InvalidParameter {
                name: "point clouds",
                reason: "need d > 0 and non-empty x, y whose lengths are multiples of d",
            });
        }
        check_finite("x", x)?;
        check_finite("y", y)?;
        Ok(Self { x, y, d, n: x.len() / d, m: y.len() / d, metric, divisor: T::ONE })
    }

    /// Divides every cost by its maximum over all pairs (one O(n·m·d) pass), as
    /// `M / M.max()` does in POT's examples. The divisor is [`Self::divisor`].
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if the largest cost is not finite and `> 0`.
    pub fn normalised_by_max(mut self) -> Result<Self> {
        self.divisor = T::ONE;
        let mut max = T::NEG_INFINITY;
        for i in 0..self.n {
            for j in 0..self.m {
                let c = self.entry(i, j);
                if !c.is_finite() {
                    return Err(Error::NonFinite { what: "cost", index: i * self.m + j });
                }
                max = max.max(c);
            }
        }
        crate::real::check_positive("max cost", max)?;
        self.divisor = max;
        Ok(self)
    }

    /// The number every raw cost is divided by (1 unless normalised).
    #[must_use]
    pub fn divisor(&self) -> T {
        self.divisor
    }

    fn point(cloud: &[T], d: usize, i: usize) -> &[T] {
        let start = i.saturating_mul(d);
        cloud.get(start..start.saturating_add(d)).unwrap_or(&[])
    }

    fn pair(&self, xi: &[T], yj: &[T]) -> T {
        let raw = match &self.metric {
            PairCost::Builtin(Metric::SqEuclidean) => sq_dist(xi, yj),
            PairCost::Builtin(Metric::Euclidean) => sq_dist(xi, yj).sqrt(),
            PairCost::Custom(c) => c(xi, yj),
        };
        raw / self.divisor
    }
}

fn sq_dist<T: Real>(x: &[T], y: &[T]) -> T {
    x.iter().zip(y).fold(T::ZERO, |s, (&a, &b)| {
        let t = a - b;
        s + t * t
    })
}

impl<T: Real, F: Fn(&[T], &[T]) -> T> CostSource<T> for PointCloudCost<'_, T, F> {
    fn n(&self) -> usize {
        self.n
    }
    fn m(&self) -> usize {
        self.m
    }
    fn row<'s>(&'s self, i: usize, buf: &'s mut [T]) -> &'s [T] {
        if i >= self.n {
            return &[];
        }
        let xi = Self::point(self.x, self.d, i);
        let out = buf.get_mut(..self.m).unwrap_or(&mut []);
        let div = self.divisor;
        // The metric is matched once per row (not per entry) so each loop is monomorphic;
        // same arithmetic as `pair`.
        match (&self.metric, xi) {
            (PairCost::Builtin(Metric::SqEuclidean), &[x0, x1]) => {
                T::sq_dist_row_2d([x0, x1], self.y, div, out)
            }
            (PairCost::Builtin(Metric::SqEuclidean), _) => {
                for (o, yj) in out.iter_mut().zip(self.y.chunks_exact(self.d)) {
                    *o = sq_dist(xi, yj) / div;
                }
            }
            _ => {
                for (o, yj) in out.iter_mut().zip(self.y.chunks_exact(self.d)) {
                    *o = self.pair(xi, yj);
                }
            }
        }
        out
    }
    fn entry(&self, i: usize, j: usize) -> T {
        if i >= self.n || j >= self.m {
            return T::ZERO;
        }
        self.pair(Self::point(self.x, self.d, i), Self::point(self.y, self.d, j))
    }
}
