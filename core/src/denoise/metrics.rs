//! Sample-quality metrics of the spec's testbed (`denoiser.md` §(f).4): Fréchet distance
//! between Gaussian fits (mean, covariance, matrix square roots by a cyclic Jacobi symmetric
//! eigendecomposition, negative eigenvalues clamped to 0) and k-NN precision/recall
//! (Kynkäänniemi et al. 2019). All accumulation in f64, all memory in caller buffers.

use crate::error::{check_len, mul_size};
use crate::linalg::Trans;
use crate::{Error, Real, Result};

/// Largest `k` [`precision_recall`] / [`knn_radii`] accept.
pub const MAX_K: usize = 16;

/// Maximum Jacobi sweeps before [`Error::NotConverged`].
const MAX_SWEEPS: usize = 64;

/// Mean and sample covariance (ddof = 1, numpy `np.cov`) of the rows of `x` (`rows × dim`,
/// `rows = x.len()/dim ≥ 2`) into `mean` (`dim`) and `cov` (`dim × dim`, row-major).
/// Two passes, O(rows·dim²) time, no extra memory.
///
/// ```
/// let x = [0.0f32, 0.0, 2.0, 4.0]; // rows (0, 0), (2, 4)
/// let (mut m, mut c) = ([0.0f64; 2], [0.0f64; 4]);
/// ferrokern::denoise::mean_covariance(&x, 2, &mut m, &mut c)?;
/// assert_eq!((m, c), ([1.0, 2.0], [2.0, 4.0, 4.0, 8.0]));
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`] for `dim == 0` or fewer than 2 rows,
/// [`Error::DimensionMismatch`] for lengths, [`Error::NonFinite`] for NaN/inf input.
pub fn mean_covariance<T: Real>(x: &[T], dim: usize, mean: &mut [f64], cov: &mut [f64]) -> Result<()> {
    if dim == 0 || x.len() / dim < 2 {
        return Err(Error::InvalidParameter { name: "x", reason: "needs dim > 0 and at least 2 rows" });
    }
    let rows = x.len() / dim;
    check_len("x", mul_size(rows, dim)?, x.len())?;
    check_len("mean", dim, mean.len())?;
    check_len("cov", mul_size(dim, dim)?, cov.len())?;
    crate::real::check_finite("x", x)?;
    mean.fill(0.0);
    for row in x.chunks_exact(dim) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v.to_f64();
        }
    }
    let inv = 1.0 / rows as f64;
    mean.iter_mut().for_each(|m| *m *= inv);
    cov.fill(0.0);
    for row in x.chunks_exact(dim) {
        for ((i, vi), crow) in row.iter().enumerate().zip(cov.chunks_exact_mut(dim)) {
            let di = vi.to_f64() - mean.get(i).copied().unwrap_or(0.0);
            // Upper triangle only; mirrored below.
            for ((c, vj), mj) in crow.iter_mut().zip(row).zip(mean.iter()).skip(i) {
                *c += di * (vj.to_f64() - mj);
            }
        }
    }
    let inv1 = 1.0 / (rows - 1) as f64;
    mirror_upper(cov, dim, inv1);
    Ok(())
}

/// Scales the upper triangle of `a` (`n × n`) by `s` and copies it to the lower triangle.
/// Rows beyond `a.len()` are skipped (callers pass `n²` elements).
fn mirror_upper(a: &mut [f64], n: usize, s: f64) {
    for (i, row) in a.chunks_exact_mut(n.max(1)).enumerate() {
        row.iter_mut().skip(i).for_each(|v| *v *= s);
    }
    for i in 0..n {
        for j in 0..i {
            if let Some(v) = a.get(j * n + i).copied() {
                if let Some(d) = a.get_mut(i * n + j) {
                    *d = v;
                }
            }
        }
    }
}

/// Cyclic Jacobi eigendecomposition of the symmetric `a` (`n × n`, row-major, only
/// symmetric input is meaningful): on return the diagonal of `a` holds the eigenvalues and
/// the columns of `vectors` (`n × n`) the orthonormal eigenvectors, `A = V·diag(λ)·Vᵀ`.
/// O(n³) per sweep, typically 6–10 sweeps; no memory beyond the two matrices.
///
/// ```
/// let mut a = [2.0f64, 1.0, 1.0, 2.0];
/// let mut v = [0.0f64; 4];
/// ferrokern::denoise::symmetric_eigen(&mut a, 2, &mut v)?;
/// let (mut l0, mut l1) = (a[0], a[3]);
/// if l0 > l1 { core::mem::swap(&mut l0, &mut l1); }
/// assert!((l0 - 1.0).abs() < 1e-14 && (l1 - 3.0).abs() < 1e-14);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] for lengths, [`Error::NonFinite`] for NaN/inf,
/// [`Error::NotConverged`] after 64 sweeps (the matrices then hold the last rotation),
/// [`Error::NumericalFailure`] if `Σ a_ij²` overflows f64 (entries beyond ~1e154).
#[allow(clippy::indexing_slicing)] // p, q, k < n and a.len() == vectors.len() == n² (checked)
pub fn symmetric_eigen(a: &mut [f64], n: usize, vectors: &mut [f64]) -> Result<()> {
    check_len("a", mul_size(n, n)?, a.len())?;
    check_len("vectors", a.len(), vectors.len())?;
    crate::real::check_finite("a", a)?;
    vectors.fill(0.0);
    for i in 0..n {
        vectors[i * n + i] = 1.0;
    }
    let frob: f64 = a.iter().map(|v| v * v).sum();
    if !frob.is_finite() {
        // The convergence test below would pass at once and return the input unrotated.
        return Err(Error::NumericalFailure { what: "eigen-solver: squared Frobenius norm overflows" });
    }
    let mut off = 0.0;
    for _ in 0..MAX_SWEEPS {
        off = off_diagonal(a, n);
        if off <= 1e-30 * frob || off == 0.0 {
            return Ok(());
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0
                    || libm::fabs(apq) <= 1e-18 * libm::sqrt(libm::fabs(a[p * n + p] * a[q * n + q]))
                {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = libm::copysign(1.0, theta) / (libm::fabs(theta) + libm::sqrt(theta * theta + 1.0));
                let c = 1.0 / libm::sqrt(t * t + 1.0);
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (vectors[k * n + p], vectors[k * n + q]);
                    vectors[k * n + p] = c * vkp - s * vkq;
                    vectors[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    Err(Error::NotConverged { iterations: MAX_SWEEPS, residual: libm::sqrt(off) })
}

/// Sum of squares of the off-diagonal elements.
fn off_diagonal(a: &[f64], n: usize) -> f64 {
    a.chunks_exact(n.max(1))
        .enumerate()
        .map(|(i, row)| row.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, v)| v * v).sum::<f64>())
        .sum()
}

/// Scratch elements of [`psd_sqrt`] for `n × n` matrices: `2n²` (saturating).
#[must_use]
pub const fn psd_sqrt_workspace_len(n: usize) -> usize {
    n.saturating_mul(n).saturating_mul(2)
}

/// Principal square root of a symmetric positive semi-definite `a` (`n × n`) into `out`:
/// `V·diag(√max(λ, 0))·Vᵀ` (negative eigenvalues from rounding clamped to 0, as the spec
/// asks). `work` ≥ [`psd_sqrt_workspace_len`]. O(n³).
///
/// ```
/// use ferrokern::denoise::{psd_sqrt, psd_sqrt_workspace_len};
/// let a = [4.0, 0.0, 0.0, 9.0];
/// let (mut root, mut work) = ([0.0; 4], [0.0; psd_sqrt_workspace_len(2)]);
/// psd_sqrt(&a, 2, &mut root, &mut work)?;
/// assert!(root.iter().zip([2.0, 0.0, 0.0, 3.0]).all(|(r, e)| (r - e).abs() < 1e-12));
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// As [`symmetric_eigen`]; [`Error::WorkspaceTooSmall`].
pub fn psd_sqrt(a: &[f64], n: usize, out: &mut [f64], work: &mut [f64]) -> Result<()> {
    let nn = mul_size(n, n)?;
    check_len("a", nn, a.len())?;
    check_len("out", nn, out.len())?;
    let need = mul_size(nn, 2)?;
    let given = work.len();
    let (e, rest) = work.split_at_mut_checked(nn).ok_or(Error::WorkspaceTooSmall { needed: need, given })?;
    let v = rest.get_mut(..nn).ok_or(Error::WorkspaceTooSmall { needed: need, given })?;
    e.copy_from_slice(a);
    symmetric_eigen(e, n, v)?;
    // out = Σ_k √λ_k v_k v_kᵀ; scale the columns of V by λ^{1/4} and form (VΛ^¼)(VΛ^¼)ᵀ.
    let roots = e.iter().step_by(n.saturating_add(1)).map(|&l| libm::sqrt(libm::sqrt(l.max(0.0))));
    for (k, r) in roots.enumerate() {
        for row in v.chunks_exact_mut(n) {
            if let Some(x) = row.get_mut(k) {
                *x *= r;
            }
        }
    }
    f64::gemm(Trans::No, Trans::Yes, n, n, n, 1.0, v, n, v, n, 0.0, out, n);
    Ok(())
}

/// Scratch elements of [`frechet_distance`] for dimension `d`: `4d²` (saturating).
#[must_use]
pub const fn frechet_workspace_len(d: usize) -> usize {
    d.saturating_mul(d).saturating_mul(4)
}

/// Fréchet distance between `N(μ1, Σ1)` and `N(μ2, Σ2)` (spec §(f).4):
/// `||μ1−μ2||² + tr(Σ1 + Σ2 − 2(Σ1^½ Σ2 Σ1^½)^½)`, both roots by [`symmetric_eigen`] with
/// negative eigenvalues clamped to 0. `work` ≥ [`frechet_workspace_len`]`(d)`. O(d³).
///
/// ```
/// use ferrokern::denoise::{frechet_distance, frechet_workspace_len};
/// // N(0, I) vs N((1, 0), 4I) in 2-d: 1 + 2·(1 + 4 − 2·2) = 3.
/// let mut work = [0.0f64; frechet_workspace_len(2)];
/// let fd = frechet_distance(&[0.0, 0.0], &[1.0, 0.0, 0.0, 1.0], &[1.0, 0.0], &[4.0, 0.0, 0.0, 4.0], &mut work)?;
/// assert!((fd - 3.0).abs() < 1e-12);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] for lengths, [`Error::WorkspaceTooSmall`], and as
/// [`symmetric_eigen`]; [`Error::NumericalFailure`] if the distance overflows f64.
pub fn frechet_distance(
    mu1: &[f64],
    cov1: &[f64],
    mu2: &[f64],
    cov2: &[f64],
    work: &mut [f64],
) -> Result<f64> {
    let d = mu1.len();
    let nn = mul_size(d, d)?;
    check_len("mu2", d, mu2.len())?;
    check_len("cov1", nn, cov1.len())?;
    check_len("cov2", nn, cov2.len())?;
    crate::real::check_finite("mu1", mu1)?;
    crate::real::check_finite("mu2", mu2)?;
    crate::real::check_finite("cov2", cov2)?;
    let need = frechet_workspace_len(d);
    if work.len() < need || d == 0 {
        return Err(Error::WorkspaceTooSmall { needed: need, given: work.len() });
    }
    let (s1h, rest) = work.split_at_mut(nn);
    let (m, rest) = rest.split_at_mut(nn);
    psd_sqrt(cov1, d, s1h, rest)?;
    let (tmp, rest) = rest.split_at_mut(nn);
    f64::gemm(Trans::No, Trans::No, d, d, d, 1.0, s1h, d, cov2, d, 0.0, tmp, d);
    f64::gemm(Trans::No, Trans::No, d, d, d, 1.0, tmp, d, s1h, d, 0.0, m, d);
    // Symmetrise away rounding before the eigen-solve.
    symmetrise(m, d);
    tmp.copy_from_slice(m);
    let v = rest.get_mut(..nn).ok_or(Error::SizeOverflow)?;
    symmetric_eigen(tmp, d, v)?;
    let tr_sqrt: f64 = tmp.iter().step_by(d + 1).map(|&l| libm::sqrt(l.max(0.0))).sum();
    let trace = |c: &[f64]| c.iter().step_by(d + 1).sum::<f64>();
    let mean_term: f64 = mu1.iter().zip(mu2).map(|(a, b)| (a - b) * (a - b)).sum();
    let fd = mean_term + trace(cov1) + trace(cov2) - 2.0 * tr_sqrt;
    if !fd.is_finite() {
        return Err(Error::NumericalFailure { what: "Fréchet distance overflows" });
    }
    Ok(fd)
}

/// `a ← (a + aᵀ)/2` (`n × n`; pairs outside `a` are skipped).
fn symmetrise(a: &mut [f64], n: usize) {
    for i in 0..n {
        for j in i + 1..n {
            let (ij, ji) = (i * n + j, j * n + i);
            let (Some(&x), Some(&y)) = (a.get(ij), a.get(ji)) else { continue };
            let v = 0.5 * (x + y);
            for k in [ij, ji] {
                if let Some(d) = a.get_mut(k) {
                    *d = v;
                }
            }
        }
    }
}

/// Squared Euclidean distance in f64.
fn dist2<T: Real>(a: &[T], b: &[T]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x.to_f64() - y.to_f64()) * (x.to_f64() - y.to_f64())).sum()
}

/// For each row of `x` (`rows × dim`), the squared distance to its `k`-th nearest other row
/// (the k-NN radius², self excluded) into `radii2` (`rows`). O(rows²·dim) time, O(k) stack.
///
/// ```
/// use ferrokern::denoise::knn_radii;
/// let x = [0.0f64, 1.0, 3.0, 7.0]; // 4 points on a line (dim 1)
/// let mut r2 = [0.0; 4];
/// knn_radii(&x, 1, 1, &mut r2)?; // nearest other point: 1, 0, 1, 3
/// assert_eq!(r2, [1.0, 1.0, 4.0, 16.0]);
/// knn_radii(&x, 1, 2, &mut r2)?; // second nearest: 3, 3, 0, 1
/// assert_eq!(r2, [9.0, 4.0, 9.0, 36.0]);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`] for `dim == 0` or `k` outside `1..=min(MAX_K, rows − 1)`;
/// [`Error::DimensionMismatch`] for lengths.
pub fn knn_radii<T: Real>(x: &[T], dim: usize, k: usize, radii2: &mut [f64]) -> Result<()> {
    if dim == 0 {
        return Err(Error::InvalidParameter { name: "dim", reason: "must be > 0" });
    }
    let rows = x.len() / dim;
    check_len("x", mul_size(rows, dim)?, x.len())?;
    check_len("radii2", rows, radii2.len())?;
    if k == 0 || k > MAX_K || k >= rows {
        return Err(Error::InvalidParameter { name: "k", reason: "must be in 1..=min(16, rows-1)" });
    }
    for (i, (xi, r)) in x.chunks_exact(dim).zip(radii2.iter_mut()).enumerate() {
        let mut best = [f64::INFINITY; MAX_K];
        let best = best.get_mut(..k).ok_or(Error::SizeOverflow)?;
        for (j, xj) in x.chunks_exact(dim).enumerate() {
            if i != j {
                insert_smallest(best, dist2(xi, xj));
            }
        }
        *r = best.last().copied().unwrap_or(f64::INFINITY);
    }
    Ok(())
}

/// Keeps `best` (ascending) the smallest values seen.
fn insert_smallest(best: &mut [f64], v: f64) {
    if let Some(last) = best.last_mut() {
        if v < *last {
            *last = v;
            // Bubble down to keep ascending order.
            let mut i = best.len() - 1;
            while i > 0 {
                match (best.get(i - 1).copied(), best.get(i).copied()) {
                    (Some(a), Some(b)) if a > b => best.swap(i - 1, i),
                    _ => break,
                }
                i -= 1;
            }
        }
    }
}

/// Fraction of `queries` rows inside the k-NN manifold of `support` (within the radius of
/// at least one support row: `||q − s||² ≤ radii2[s]`). O(|queries|·|support|·dim).
///
/// ```
/// use ferrokern::denoise::manifold_coverage;
/// // Balls of radius 1 around 0 and radius 2 around 10 (dim 1); the boundary counts as inside.
/// let cov = manifold_coverage(&[0.0f64, 10.0], &[1.0, 4.0], &[0.5, 12.0, 5.0, -1.0], 1)?;
/// assert_eq!(cov, 0.75); // all but 5.0
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] for lengths, [`Error::InvalidParameter`] for `dim == 0` or no
/// queries.
pub fn manifold_coverage<T: Real>(support: &[T], radii2: &[f64], queries: &[T], dim: usize) -> Result<f64> {
    if dim == 0 || queries.len() < dim {
        return Err(Error::InvalidParameter { name: "queries", reason: "dim > 0 and at least one row" });
    }
    check_len("support", mul_size(radii2.len(), dim)?, support.len())?;
    let nq = queries.len() / dim;
    check_len("queries", mul_size(nq, dim)?, queries.len())?;
    let inside = queries
        .chunks_exact(dim)
        .filter(|q| support.chunks_exact(dim).zip(radii2).any(|(s, &r)| dist2(q, s) <= r))
        .count();
    Ok(inside as f64 / nq as f64)
}

/// Improved precision and recall (spec §(f).4, k = 3 in the spec's checks).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PrecisionRecall {
    /// Fraction of generated rows inside the real manifold.
    pub precision: f64,
    /// Fraction of real rows inside the generated manifold.
    pub recall: f64,
}

/// k-NN precision/recall of `fake` against `real` (both `· × dim`), with caller buffers
/// `real_radii2` (`rows(real)`) and `fake_radii2` (`rows(fake)`), which hold the squared
/// k-NN radii on return. O((n_real + n_fake)²·dim) time.
///
/// ```
/// use ferrokern::denoise::precision_recall;
/// let real = [0.0f64, 1.0, 2.0, 3.0, 4.0];
/// let fake = [0.5f64, 1.5, 2.5, 3.5, 100.0];
/// let (mut rr, mut rf) = ([0.0; 5], [0.0; 5]);
/// let pr = precision_recall(&real, &fake, 1, 1, &mut rr, &mut rf)?;
/// assert_eq!(pr.precision, 0.8); // 100 is off the real manifold
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// As [`knn_radii`] and [`manifold_coverage`].
pub fn precision_recall<T: Real>(
    real: &[T],
    fake: &[T],
    dim: usize,
    k: usize,
    real_radii2: &mut [f64],
    fake_radii2: &mut [f64],
) -> Result<PrecisionRecall> {
    knn_radii(real, dim, k, real_radii2)?;
    knn_radii(fake, dim, k, fake_radii2)?;
    Ok(PrecisionRecall {
        precision: manifold_coverage(real, real_radii2, fake, dim)?,
        recall: manifold_coverage(fake, fake_radii2, real, dim)?,
    })
}

/// Fraction of elements outside `[−1, 1]` (pixels a sampler would have to clip). O(len).
/// This is [`clipped_fraction_beyond`] with margin 0: on data whose background sits exactly on
/// −1 (digits), a sample that misses −1 by any hair counts, so even unguided samples score
/// ≈ 0.28 on the committed teacher; for oversaturation use the margin version.
///
/// ```
/// use ferrokern::denoise::clipped_fraction;
/// assert_eq!(clipped_fraction(&[0.5f32, -1.0, 1.5, -2.0])?, 0.5);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`] for an empty slice.
pub fn clipped_fraction<T: Real>(x: &[T]) -> Result<f64> {
    clipped_fraction_beyond(x, 0.0)
}

/// Half the spacing of the digits' grey levels: values 0–16 scaled `x/8 − 1` are 1/8 apart,
/// so a pixel more than 1/16 outside `[−1, 1]` rounds to a level that does not exist (below 0
/// or above 16). The margin of the oversaturation measure (APG vs CFG, issue #7).
pub const HALF_GREY_LEVEL: f64 = 1.0 / 16.0;

/// Fraction of elements outside `[−1 − margin, 1 + margin]`: with
/// `margin = `[`HALF_GREY_LEVEL`] the pixels that leave the data range by more than rounding
/// to the nearest grey level can hide, i.e. oversaturation rather than noise at the −1
/// background. NaN counts as outside. O(len).
///
/// ```
/// use ferrokern::denoise::{clipped_fraction_beyond, HALF_GREY_LEVEL};
/// let x = [0.5f32, -1.03, 1.5, -2.0]; // −1.03: within half a grey level of −1
/// assert_eq!(clipped_fraction_beyond(&x, HALF_GREY_LEVEL)?, 0.5);
/// assert_eq!(clipped_fraction_beyond(&x, 0.0)?, 0.75);
/// # Ok::<(), ferrokern::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`] for an empty slice or a margin that is negative or not finite.
pub fn clipped_fraction_beyond<T: Real>(x: &[T], margin: f64) -> Result<f64> {
    if x.is_empty() {
        return Err(Error::InvalidParameter { name: "x", reason: "must be non-empty" });
    }
    if !(margin.is_finite() && margin >= 0.0) {
        return Err(Error::InvalidParameter { name: "margin", reason: "must be finite and >= 0" });
    }
    let bound = 1.0 + margin;
    // NaN counts as clipped (the comparison is false).
    let inside = x.iter().filter(|v| v.abs().to_f64() <= bound).count();
    Ok((x.len() - inside) as f64 / x.len() as f64)
}
