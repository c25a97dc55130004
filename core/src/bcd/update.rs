//! Block updates (spec §4): gradient step with `1/L_b`, matrix step with the Hessian bound
//! (Cholesky in the fixed `B×B` buffer), Newton with Armijo line search; each becomes its proximal
//! version when the problem has an L1 penalty (spec §6).

use super::dense;
use super::problem::{CoordPenalty, Problem};
use super::solver::BlockBuffers;
use crate::{Error, Real, Result};

/// How the selected block is updated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Update {
    /// `x_b ← prox_{g/L_b}(x_b − ∇_b f/L_b)` with `L_b = λ_max(H_b)` (spec `Lb`).
    Gradient,
    /// `x_b ← x_b − H_b⁻¹∇_b f` with the Hessian bound `H_b` (spec `Hb`; the exact block solve on
    /// quadratics). With a penalty: the exact minimiser of the block model (spec `PN` when `H_b`
    /// is the Hessian, as for least squares).
    Matrix,
    /// Newton direction with the exact block Hessian and Armijo backtracking (spec `LS`:
    /// `c = 1e-10`, first backtrack by quadratic interpolation, then safeguarded interpolation);
    /// proximal Newton with a penalty.
    Newton,
}

/// Result of one block update.
#[derive(Clone, Copy, Debug)]
pub(super) struct Outcome<T> {
    pub objective: T,
    pub predicted_decrease: T,
}

/// Updates the block in `ws.block` (the caller's `F(w)` is `fx`; `lb` is the cached `L_b` of a
/// fixed block; `grad`, if given, is the current full gradient, read instead of recomputing the
/// block's partials). Saves the old block values in `ws.xb`.
pub(super) fn block_step<T: Real, P: Problem<T>, const B: usize>(
    problem: &mut P,
    w: &mut [T],
    update: Update,
    ws: &mut BlockBuffers<T, B>,
    (fx, lb): (T, Option<T>),
    grad: Option<&[T]>,
) -> Result<Outcome<T>> {
    let m = ws.block.len();
    let block = ws.block.as_slice();
    let pen = CoordPenalty::of(problem);
    let penalty = pen.penalty;
    for (x, &j) in ws.xb.iter_mut().zip(block) {
        *x = w.get(j).copied().unwrap_or(T::ZERO);
    }
    match grad {
        Some(g) => {
            for (o, &j) in ws.gb.iter_mut().zip(block) {
                *o = g.get(j).copied().unwrap_or(T::ZERO);
            }
        }
        None => problem.block_gradient(w, block, &mut ws.gb),
    }
    let (gb, xb, d) = (&ws.gb[..], &ws.xb[..], &mut ws.d[..]);
    let gb = gb.get(..m).unwrap_or(&[]);
    let xb = xb.get(..m).unwrap_or(&[]);
    let d = d.get_mut(..m).unwrap_or(&mut []);
    let h = ws.h.as_flattened_mut();
    let curv: T; // ½dᵀHd of the model
    match update {
        Update::Gradient => {
            let l = match lb {
                Some(l) => l,
                None => {
                    problem.hessian_bound(block, h, B);
                    dense::max_eigenvalue(h, ws.f.as_flattened_mut(), m, B).unwrap_or(T::ZERO)
                }
            };
            if l > T::ZERO {
                for (((di, &x), &g), &j) in d.iter_mut().zip(xb).zip(gb).zip(block) {
                    *di = pen.at(j).prox(x - g / l, T::ONE / l) - x;
                }
            } else {
                d.fill(T::ZERO);
            }
            curv = T::HALF * l * T::dot(d, d);
        }
        Update::Matrix | Update::Newton => {
            if update == Update::Matrix {
                problem.hessian_bound(block, h, B);
            } else {
                problem.hessian(w, block, h, B);
            }
            if penalty.is_some() {
                let at = |a: usize| pen.at(block.get(a).copied().unwrap_or(usize::MAX));
                if !dense::prox_block_qp(h, m, B, gb, xb, at, d) {
                    return Err(Error::NumericalFailure {
                        what: "block Hessian has a non-positive diagonal",
                    });
                }
            } else {
                if !dense::factor_with_ridge(h, ws.f.as_flattened_mut(), m, B) {
                    return Err(Error::NumericalFailure { what: "block Hessian factorisation" });
                }
                for (di, &g) in d.iter_mut().zip(gb) {
                    *di = -g;
                }
                dense::cholesky_solve(ws.f.as_flattened(), m, B, d);
            }
            curv = T::HALF * dense::quad_form(h, m, B, d);
        }
    }
    // model decrease: −(gᵀd + ½dᵀHd + Δg)
    let dpen = xb.iter().zip(d.iter()).zip(block).fold(T::ZERO, |a, ((&x, &di), &j)| {
        let g = pen.at(j);
        a + g.coord(x + di) - g.coord(x)
    });
    let phi = T::dot(gb, d) + dpen;
    let predicted = -(phi + curv);
    for (&j, &di) in block.iter().zip(d.iter()) {
        problem.apply(w, j, di);
    }
    if d.iter().all(|&di| di == T::ZERO) {
        // nothing moved (common for Lasso coordinates at 0): F is unchanged, skip the O(n + p)
        return Ok(Outcome { objective: fx, predicted_decrease: predicted });
    }
    let mut f_new = problem.objective(w);
    if update == Update::Newton && phi < T::ZERO {
        // Armijo: F(x + αd) ≤ F(x) + c·α·φ with φ = gᵀd + Δg (spec §4 LS, c = 1e-10)
        let c = T::from_f64(1e-10);
        let mut alpha = T::ONE;
        let mut tries = 0;
        while !super::ge(fx + c * alpha * phi, f_new) && tries < 60 {
            let z = f_new - fx - alpha * phi;
            let mut next = if z > T::ZERO { -phi * alpha * alpha / (z + z) } else { T::HALF * alpha };
            next = next.max(T::from_f64(0.1) * alpha).min(T::HALF * alpha);
            for (&j, &di) in block.iter().zip(d.iter()) {
                problem.apply(w, j, (next - alpha) * di);
            }
            alpha = next;
            f_new = problem.objective(w);
            tries += 1;
        }
        if !super::ge(fx + c * alpha * phi, f_new) {
            // no acceptable step: restore the block
            for (&j, &x) in block.iter().zip(xb) {
                let cur = w.get(j).copied().unwrap_or(x);
                problem.apply(w, j, x - cur);
            }
            f_new = problem.objective(w);
        }
    }
    Ok(Outcome { objective: f_new, predicted_decrease: predicted })
}
