//! Small dense linear algebra on a block (|b| ≤ B): Cholesky (from `linalg`) with a fallback
//! ridge, triangular solves, and the largest eigenvalue by cyclic Jacobi. Matrices are row-major with stride `ld`.
//!
//! Every function first checks `m ≤ ld` and that the slices hold `m·ld` (`m` for vectors)
//! elements and returns `false`/`None` otherwise; after that check all indices below are
//! `< m·ld`, which is why indexing is allowed here.
#![allow(clippy::indexing_slicing)]

use crate::Real;

fn fits<T>(a: &[T], m: usize, ld: usize) -> bool {
    m <= ld && m.checked_mul(ld).is_some_and(|n| a.len() >= n)
}

/// In-place Cholesky `A = LLᵀ` (the crate's one implementation, in `linalg`).
pub(crate) use crate::linalg::cholesky_in_place as cholesky;

/// Solves `LLᵀ x = x` in place with the factor from [`cholesky`].
pub(crate) use crate::linalg::cholesky_solve_in_place as cholesky_solve;

/// Copies the `m×m` matrix `src` into `dst` and factors it; when it is not positive definite,
/// retries with the ridge `1e-10·max(diag)` (spec §4 `Hb`: pseudo-inverse via a ridge).
pub fn factor_with_ridge<T: Real>(src: &[T], dst: &mut [T], m: usize, ld: usize) -> bool {
    if !fits(src, m, ld) || !fits(dst, m, ld) {
        return false;
    }
    dst[..m * ld].copy_from_slice(&src[..m * ld]);
    if cholesky(dst, m, ld) {
        return true;
    }
    let mut dmax = T::ZERO;
    for i in 0..m {
        dmax = dmax.max(src[i * ld + i].abs());
    }
    let ridge = T::from_f64(1e-10) * dmax.max(T::MIN_POSITIVE);
    dst[..m * ld].copy_from_slice(&src[..m * ld]);
    for i in 0..m {
        dst[i * ld + i] += ridge;
    }
    cholesky(dst, m, ld)
}

/// Largest eigenvalue of the symmetric `m×m` matrix `a` by cyclic Jacobi rotations on the copy
/// `work` (≤ 50 sweeps; converges quadratically, so ~10 suffice for m ≤ 64).
pub fn max_eigenvalue<T: Real>(a: &[T], work: &mut [T], m: usize, ld: usize) -> Option<T> {
    if !fits(a, m, ld) || !fits(work, m, ld) || m == 0 {
        return None;
    }
    work[..m * ld].copy_from_slice(&a[..m * ld]);
    let tiny = T::EPSILON * T::EPSILON;
    for _ in 0..50 {
        let mut off = T::ZERO;
        let mut diag = T::ZERO;
        for i in 0..m {
            diag += work[i * ld + i] * work[i * ld + i];
            for j in i + 1..m {
                off += work[i * ld + j] * work[i * ld + j];
            }
        }
        if off <= tiny * diag {
            break;
        }
        for p in 0..m {
            for q in p + 1..m {
                let apq = work[p * ld + q];
                if apq == T::ZERO {
                    continue;
                }
                let app = work[p * ld + p];
                let aqq = work[q * ld + q];
                let theta = (aqq - app) / (apq + apq);
                let sgn = if theta >= T::ZERO { T::ONE } else { -T::ONE };
                let t = sgn / (theta.abs() + (theta * theta + T::ONE).sqrt());
                let c = T::ONE / (t * t + T::ONE).sqrt();
                let s = t * c;
                for k in 0..m {
                    let akp = work[k * ld + p];
                    let akq = work[k * ld + q];
                    work[k * ld + p] = c * akp - s * akq;
                    work[k * ld + q] = s * akp + c * akq;
                }
                for k in 0..m {
                    let apk = work[p * ld + k];
                    let aqk = work[q * ld + k];
                    work[p * ld + k] = c * apk - s * aqk;
                    work[q * ld + k] = s * apk + c * aqk;
                }
            }
        }
    }
    let mut best = T::NEG_INFINITY;
    for i in 0..m {
        best = best.max(work[i * ld + i]);
    }
    Some(best)
}

/// `xᵀ A x` for the symmetric `m×m` matrix `a`.
pub fn quad_form<T: Real>(a: &[T], m: usize, ld: usize, x: &[T]) -> T {
    if !fits(a, m, ld) || x.len() < m {
        return T::ZERO;
    }
    let mut s = T::ZERO;
    for i in 0..m {
        s += x[i] * T::dot(&a[i * ld..i * ld + m], &x[..m]);
    }
    s
}

/// Exact minimiser of the block model `gᵀd + ½dᵀHd + Σ_i g_i(x_i + d_i)` by cyclic coordinate
/// descent (the block QP of spec §6 `PN`; `penalty(i)` is block entry i's `g_i`), starting from `d = 0`; at most 1000 sweeps, stopping
/// when no coordinate moves by more than `1e-15·(1 + max|x + d|)` (in f64). Returns false if a
/// diagonal entry of H is not positive.
pub fn prox_block_qp<T: Real>(
    h: &[T],
    m: usize,
    ld: usize,
    g: &[T],
    x: &[T],
    penalty: impl Fn(usize) -> super::Penalty<T>,
    d: &mut [T],
) -> bool {
    if !fits(h, m, ld) || g.len() < m || x.len() < m || d.len() < m {
        return false;
    }
    for v in d[..m].iter_mut() {
        *v = T::ZERO;
    }
    let eps = T::EPSILON * T::from_f64(10.0);
    for _ in 0..1000 {
        let mut moved = T::ZERO;
        let mut scale = T::ONE;
        for i in 0..m {
            let hii = h[i * ld + i];
            if !super::gt(hii, T::ZERO) {
                return false;
            }
            // gradient of the model in coordinate i at the current d
            let gi = g[i] + T::dot(&h[i * ld..i * ld + m], &d[..m]);
            let xi = x[i] + d[i];
            let new = penalty(i).prox(xi - gi / hii, T::ONE / hii);
            let step = new - xi;
            d[i] += step;
            moved = moved.max(step.abs());
            scale = scale.max(new.abs());
        }
        if moved <= eps * scale {
            break;
        }
    }
    true
}
