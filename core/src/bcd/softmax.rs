//! Multi-class logistic (softmax) regression, L2-regularised, optionally with unpenalised
//! per-class intercepts; the class scores `Z = XW (+ 1bᵀ)` are the incremental state.

use super::least_squares::set_sym;
use super::problem::{Penalty, Problem};
use super::{check_lambda, col};
use crate::error::{check_len, mul_size};
use crate::real::check_finite;
use crate::{Error, Real, Result};

/// Block entries (and classes) the exact Hessian caches per row on the stack.
const PROB_CACHE: usize = 64;

/// `f(W) = (1/n) Σ_i −log softmax(W x_i)_{y_i} + (λ/2)‖W‖²` with `K` classes.
///
/// Variables: `W` is `p × K` row-major (spec §4's `X ∈ R^{p×K}`), so variable `f·K + c` is the
/// weight of feature `f` for class `c` and a contiguous block of length `K` holds one feature's
/// weights for all classes (such blocks contain the flat directions `W_f ← W_f + t·1` that couple
/// the classes). State: scores `Z = XW`
/// (`n × K` row-major) in a caller slice (construction: `W = 0`). Costs: [`Problem::partial`]
/// O(n·K), [`Problem::block_gradient`] O(n·(K + |b|)), [`Problem::apply`] O(n), full gradient
/// O(n·K·p), Hessian (exact, or the Böhning bound of spec §4) O(n·(K + |b|²)).
#[derive(Debug)]
pub struct Softmax<'a, T> {
    x: &'a [T],
    labels: &'a [usize],
    n: usize,
    p: usize,
    k: usize,
    l2: T,
    z: &'a mut [T],
    /// Variables `p·K..(p+1)·K` are unpenalised intercepts (a feature of ones), see `with_intercept`.
    intercept: bool,
}

impl<'a, T: Real> Softmax<'a, T> {
    /// Builds the problem. Errors: zero sizes, fewer than 2 classes, wrong lengths
    /// (`x`: n·p, `labels`: n, `scores`: n·K), a label ≥ K, non-finite `x`, bad λ.
    ///
    /// ```
    /// use ferrokern::bcd::{Problem, Softmax};
    /// let x = [1.0, 0.0, 0.0, 1.0];
    /// let labels = [0, 2];
    /// let mut z = [0.0; 6];
    /// let sm = Softmax::new(&x, &labels, 2, 2, 3, 0.01, &mut z).unwrap();
    /// assert_eq!(sm.dim(), 6);
    /// assert!((sm.objective_at_zero() - 3f64.ln()).abs() < 1e-15);
    /// ```
    pub fn new(
        x: &'a [T],
        labels: &'a [usize],
        n: usize,
        p: usize,
        classes: usize,
        lambda: T,
        scores: &'a mut [T],
    ) -> Result<Self> {
        check_lambda(lambda)?;
        if n == 0 || p == 0 {
            return Err(Error::InvalidParameter { name: "n, p", reason: "must be > 0" });
        }
        if classes < 2 {
            return Err(Error::InvalidParameter { name: "classes", reason: "must be >= 2" });
        }
        check_len("x", mul_size(n, p)?, x.len())?;
        check_len("labels", n, labels.len())?;
        check_len("scores", mul_size(n, classes)?, scores.len())?;
        mul_size(p, classes)?;
        check_finite("x", x)?;
        if labels.iter().any(|&c| c >= classes) {
            return Err(Error::InvalidParameter { name: "labels", reason: "must be < classes" });
        }
        scores.fill(T::ZERO);
        Ok(Self { x, labels, n, p, k: classes, l2: lambda, z: scores, intercept: false })
    }

    /// Adds one unpenalised intercept per class as the variables `p·K + c` (a feature of ones:
    /// scores `Z = XW + 1bᵀ`, `dim = (p + 1)·K`): scikit-learn's multinomial
    /// `LogisticRegression(fit_intercept=True)`. The ridge term skips `b`
    /// ([`Problem::unpenalized`] is `p·K..(p+1)·K`). `F` is invariant under `b ← b + t·1`, so
    /// only `b − mean(b)` is determined; block Hessians containing all K intercepts are singular
    /// along that direction (the Newton/matrix updates' Cholesky ridge handles it, and the
    /// gradient is orthogonal to it).
    ///
    /// ```
    /// use ferrokern::bcd::{Problem, Softmax};
    /// let (x, labels) = ([1.0f64, -1.0], [0, 1]);
    /// let mut z = [0.0; 4];
    /// let sm = Softmax::new(&x, &labels, 2, 1, 2, 0.1, &mut z).unwrap().with_intercept();
    /// assert_eq!(sm.dim(), 4);
    /// assert_eq!(sm.unpenalized(), 2..4);
    /// // ∂f/∂b_0 at 0 = (1/n) Σ_i (½ − [y_i = 0]) = 0
    /// assert_eq!(sm.partial(&[0.0; 4], 2), 0.0);
    /// ```
    #[must_use]
    pub fn with_intercept(mut self) -> Self {
        self.intercept = true;
        self
    }

    /// Features including the intercept's column of ones.
    fn features(&self) -> usize {
        self.p + usize::from(self.intercept)
    }

    /// Feature `f` of row `x` (`1` for the intercept feature).
    fn feat(&self, x: &[T], f: usize) -> T {
        if self.intercept && f == self.p {
            T::ONE
        } else {
            x.get(f).copied().unwrap_or(T::ZERO)
        }
    }

    /// The ridge weight of variable `j` (0 for an intercept).
    fn ridge(&self, j: usize) -> T {
        if j < self.p * self.k {
            self.l2
        } else {
            T::ZERO
        }
    }

    /// `(1/n) Σ_i x_{i,fa} x_{i,fb}` including the intercept feature.
    fn gram(&self, fa: usize, fb: usize) -> T {
        self.x.chunks_exact(self.p).fold(T::ZERO, |s, x| s + self.feat(x, fa) * self.feat(x, fb))
            * self.inv_n()
    }

    fn inv_n(&self) -> T {
        T::ONE / T::from_usize(self.n)
    }

    /// Iterates rows as (features, scores, label).
    fn rows(&self) -> impl Iterator<Item = (&[T], &[T], usize)> {
        self.x
            .chunks_exact(self.p)
            .zip(self.z.chunks_exact(self.k))
            .zip(self.labels)
            .map(|((x, z), &y)| (x, z, y))
    }
}

impl<T: Real> Problem<T> for Softmax<'_, T> {
    fn dim(&self) -> usize {
        self.features() * self.k
    }
    fn penalty(&self) -> Penalty<T> {
        Penalty::None
    }
    fn unpenalized(&self) -> core::ops::Range<usize> {
        let start = self.p * self.k;
        start..self.dim()
    }
    fn reset(&mut self, w: &[T]) -> Result<()> {
        check_len("w", self.dim(), w.len())?;
        check_finite("w", w)?;
        let (wf, b) = w.split_at(self.p * self.k);
        // Z = X W
        T::gemm(
            crate::real::Trans::No,
            crate::real::Trans::No,
            self.n,
            self.k,
            self.p,
            T::ONE,
            self.x,
            self.p,
            wf,
            self.k,
            T::ZERO,
            self.z,
            self.k,
        );
        if self.intercept {
            for z in self.z.chunks_exact_mut(self.k) {
                T::axpy(T::ONE, b, z);
            }
        }
        Ok(())
    }
    fn smooth_value(&self, w: &[T]) -> T {
        let loss = self
            .rows()
            .fold(T::ZERO, |a, (_, z, y)| a + T::log_sum_exp(z) - z.get(y).copied().unwrap_or(T::ZERO));
        let wf = w.get(..self.p * self.k).unwrap_or(w);
        loss * self.inv_n() + T::HALF * self.l2 * T::dot(wf, wf)
    }
    fn objective_at_zero(&self) -> T {
        T::from_usize(self.k).ln()
    }
    fn partial(&self, w: &[T], j: usize) -> T {
        let mut out = [T::ZERO];
        self.block_gradient(w, &[j], &mut out);
        let [v] = out;
        v
    }
    fn block_gradient(&self, w: &[T], block: &[usize], out: &mut [T]) {
        for (o, &j) in out.iter_mut().zip(block) {
            *o = self.ridge(j) * w.get(j).copied().unwrap_or(T::ZERO);
        }
        let inv_n = self.inv_n();
        for (x, z, y) in self.rows() {
            let lse = T::log_sum_exp(z);
            let mut cached = (usize::MAX, T::ZERO);
            for (o, &j) in out.iter_mut().zip(block) {
                let (f, c) = (j / self.k, j % self.k);
                if cached.0 != c {
                    let pc = (z.get(c).copied().unwrap_or(T::NEG_INFINITY) - lse).exp();
                    let ind = if c == y { T::ONE } else { T::ZERO };
                    cached = (c, (pc - ind) * inv_n);
                }
                *o += cached.1 * self.feat(x, f);
            }
        }
    }
    fn full_gradient(&self, w: &[T], g: &mut [T]) {
        g.fill(T::ZERO);
        let pk = self.p * self.k;
        T::axpy(self.l2, w.get(..pk).unwrap_or(w), g.get_mut(..pk).unwrap_or(&mut []));
        let inv_n = self.inv_n();
        for (x, z, y) in self.rows() {
            let lse = T::log_sum_exp(z);
            for (c, &zc) in z.iter().enumerate() {
                let ind = if c == y { T::ONE } else { T::ZERO };
                let coef = ((zc - lse).exp() - ind) * inv_n;
                for (gf, &xf) in g.get_mut(c..).unwrap_or(&mut []).iter_mut().step_by(self.k).zip(x) {
                    *gf += coef * xf;
                }
                if let Some(gb) = g.get_mut(pk + c).filter(|_| self.intercept) {
                    *gb += coef;
                }
            }
        }
    }
    fn coord_lipschitz(&self, j: usize) -> T {
        let f = j / self.k;
        if self.intercept && f == self.p {
            return T::from_f64(0.25);
        }
        T::from_f64(0.25) * col(self.x, self.p, f).fold(T::ZERO, |a, &v| a + v * v) * self.inv_n() + self.l2
    }
    /// Böhning bound (spec §4): `s·(XᵀX)_{f1 f2}/n + λδ` with `s = ½(1 − 1/k')` within a class
    /// and `−½/k'` across, `k' = min(K, #classes in the block + 1)`.
    fn hessian_bound(&self, block: &[usize], out: &mut [T], ld: usize) {
        // distinct classes in the block (block entries are few; O(|b|²) count)
        let mut distinct = 0usize;
        for (a, &ja) in block.iter().enumerate() {
            if !block.iter().take(a).any(|&jb| jb % self.k == ja % self.k) {
                distinct += 1;
            }
        }
        let kp = T::from_usize(self.k.min(distinct + 1));
        let same = T::HALF * (T::ONE - T::ONE / kp);
        let cross = -T::HALF / kp;
        for (a, &ja) in block.iter().enumerate() {
            for (b, &jb) in block.iter().enumerate().take(a + 1) {
                let (fa, fb) = (ja / self.k, jb / self.k);
                let s = if ja % self.k == jb % self.k { same } else { cross };
                let mut v = s * self.gram(fa, fb);
                if a == b {
                    v += self.ridge(ja);
                }
                set_sym(out, ld, a, b, v);
            }
        }
    }
    fn hessian(&self, _w: &[T], block: &[usize], out: &mut [T], ld: usize) {
        let m = block.len();
        for a in 0..m {
            for b in 0..=a {
                set_sym(out, ld, a, b, T::ZERO);
            }
        }
        let inv_n = self.inv_n();
        // (feature, class) of the block entries, cached for the first PROB_CACHE entries so the
        // O(n·|b|²) loop does no integer division
        let mut fc = [(0usize, 0usize); PROB_CACHE];
        for (slot, &j) in fc.iter_mut().zip(block) {
            *slot = (j / self.k, j % self.k);
        }
        let split = |a: usize, j: usize| {
            fc.get(a).copied().filter(|_| a < PROB_CACHE).unwrap_or((j / self.k, j % self.k))
        };
        // Per row, ∇²_bb = diag-by-class(p_c x_f x_f') − u uᵀ with u_a = p_{c_a} x_{f_a}. With the
        // block and K within the stack cache (≤ 64) the O(n·|b|²) loop runs on local arrays.
        let fast = m <= PROB_CACHE && self.k <= PROB_CACHE;
        let (mut u, mut v, mut pc) = ([T::ZERO; PROB_CACHE], [T::ZERO; PROB_CACHE], [T::ZERO; PROB_CACHE]);
        let cls: [usize; PROB_CACHE] = core::array::from_fn(|a| fc.get(a).map_or(usize::MAX, |&(_, c)| c));
        for (x, z, _) in self.rows() {
            let lse = T::log_sum_exp(z);
            if fast {
                let mut probs = [T::ZERO; PROB_CACHE];
                for (pr, &zc) in probs.iter_mut().zip(z) {
                    *pr = (zc - lse).exp();
                }
                for (a, ((ua, va), pa)) in
                    u.iter_mut().zip(v.iter_mut()).zip(pc.iter_mut()).take(m).enumerate()
                {
                    let (f, c) = split(a, 0);
                    *pa = probs.get(c).copied().unwrap_or(T::ZERO);
                    *va = self.feat(x, f);
                    *ua = *pa * *va;
                }
                let per_entry = u.iter().zip(&v).zip(&pc).zip(&cls);
                for (a, (row, (((&ua, &va), &pa), &ca))) in
                    out.chunks_mut(ld.max(1)).zip(per_entry).take(m).enumerate()
                {
                    let va = va * inv_n;
                    for (((o, &ub), &vb), &cb) in row.iter_mut().zip(&u).zip(&v).zip(&cls).take(a + 1) {
                        let same = if cb == ca { pa * vb } else { T::ZERO };
                        *o += va * same - ua * ub * inv_n;
                    }
                }
                continue;
            }
            // general path: probabilities recomputed on demand
            let prob = |c: usize| (z.get(c).copied().unwrap_or(T::NEG_INFINITY) - lse).exp();
            for (a, &ja) in block.iter().enumerate() {
                let (f1, c1) = split(a, ja);
                let pa = prob(c1);
                let xa = self.feat(x, f1) * inv_n;
                for (b, &jb) in block.iter().enumerate().take(a + 1) {
                    let (f2, c2) = split(b, jb);
                    let curv = if c1 == c2 { pa - pa * pa } else { -pa * prob(c2) };
                    if let Some(o) = out.get_mut(a * ld + b) {
                        *o += curv * xa * self.feat(x, f2);
                    }
                }
            }
        }
        for a in 0..m {
            for b in 0..=a {
                let mut v = out.get(a * ld + b).copied().unwrap_or(T::ZERO);
                if a == b {
                    v += self.ridge(block.get(a).copied().unwrap_or(0));
                }
                set_sym(out, ld, a, b, v);
            }
        }
    }
    fn apply(&mut self, w: &mut [T], j: usize, delta: T) {
        if let Some(wj) = w.get_mut(j) {
            *wj += delta;
            let (f, c) = (j / self.k, j % self.k);
            let ones = self.intercept && f == self.p;
            for (x, z) in self.x.chunks_exact(self.p).zip(self.z.chunks_exact_mut(self.k)) {
                let xf = if ones { Some(&T::ONE) } else { x.get(f) };
                if let (Some(xf), Some(zc)) = (xf, z.get_mut(c)) {
                    *zc += delta * *xf;
                }
            }
        }
    }
}
