//! Where the Gibbs kernel `K̃_ij = exp((α_i + β_j − C_ij)/ε)` of the scaling solvers lives.

use super::cost::CostSource;
use super::rows::log_kernel_row;
use crate::error::{check_len, mul_size};
use crate::{Real, Result};

#[cfg(feature = "f16")]
pub use ferrokern_simd::bf16;

/// Storage of the Gibbs kernel for [`sinkhorn_scaling`](super::sinkhorn_scaling) and the
/// stabilised solvers.
///
/// - `Dense(buf)`: `n·m` elements of `T`, filled by the solver; the products run through
///   `Real::sweep` (both per iteration in one pass; SIMD for f32) and `Real::gemv_t`. Fastest;
///   O(n·m) memory.
/// - `Bf16(buf)` (feature `f16`): `n·m` bf16 values, half the memory of f32. bf16 keeps f32's
///   exponent range, so `exp(−C/ε)` does not flush to zero as it would in f16; products
///   accumulate in `T`.
/// - `OnTheFly`: nothing stored; every pass re-evaluates `exp((α_i + β_j − C_ij)/ε)` row by
///   row (one exp per entry per pass; the scaling loop makes one pass per iteration, each
///   evaluated row serving both `K̃v` and `K̃ᵀu`). O(n + m) memory.
#[derive(Debug)]
pub enum KernelStore<'a, T> {
    /// Caller buffer of `n·m` elements.
    Dense(&'a mut [T]),
    /// Caller buffer of `n·m` bf16 values.
    #[cfg(feature = "f16")]
    Bf16(&'a mut [bf16]),
    /// Re-evaluated on every product.
    OnTheFly,
}

impl<T: Real> KernelStore<'_, T> {
    /// Elements the storage must hold for an `n × m` problem (0 for `OnTheFly`).
    ///
    /// # Errors
    /// [`crate::Error::SizeOverflow`].
    pub fn required_len(&self, n: usize, m: usize) -> Result<usize> {
        match self {
            KernelStore::OnTheFly => Ok(0),
            _ => mul_size(n, m),
        }
    }

    pub(crate) fn check(&self, n: usize, m: usize) -> Result<()> {
        let need = self.required_len(n, m)?;
        match self {
            KernelStore::Dense(k) => check_len("kernel buffer", need, k.len()),
            #[cfg(feature = "f16")]
            KernelStore::Bf16(k) => check_len("kernel buffer", need, k.len()),
            KernelStore::OnTheFly => Ok(()),
        }
    }
}

/// Smallest bf16 kernel (`n·m` entries) that [`Gibbs::sweep`] reads in one fused pass. The bf16
/// products are core-bound (widening), so fusing them saves memory traffic but no arithmetic:
/// measured (session 7, `benches/README-ot.md`, same-process alternation, Zen 3) the fused
/// sweep ran at 0.87–0.905× the speed of the two products at n = m = 1000 (2 MB, in L3) and
/// 1.10–1.30× at n = m = 3000 (18 MB). Both forms give the same bits.
#[cfg(feature = "f16")]
const BF16_SWEEP_MIN: usize = 4_000_000;

/// Scratch rows for kernel products: a cost row and a kernel row (each length `m`).
pub(crate) struct RowBufs<'w, T> {
    pub(crate) cost: &'w mut [T],
    pub(crate) kern: &'w mut [T],
}

/// The Gibbs kernel of one cost, ε and absorbed potentials (α, β).
pub(crate) struct Gibbs<'k, 'c, T, C> {
    pub(crate) cost: &'c C,
    pub(crate) store: KernelStore<'k, T>,
    pub(crate) eps: T,
}

impl<T: Real, C: CostSource<T>> Gibbs<'_, '_, T, C> {
    fn m(&self) -> usize {
        self.cost.m()
    }

    /// Re-evaluates stored kernels for new (α, β, ε); no-op for `OnTheFly`.
    pub(crate) fn refresh(&mut self, alpha: &[T], beta: &[T], bufs: &mut RowBufs<'_, T>) {
        let m = self.m();
        let (cost, eps) = (self.cost, self.eps);
        match &mut self.store {
            KernelStore::Dense(k) => {
                for (row, (i, &ai)) in k.chunks_exact_mut(m).zip(alpha.iter().enumerate()) {
                    log_kernel_row(cost.row(i, bufs.cost), ai, Some(beta), eps, row);
                    T::exp_slice(row);
                }
            }
            #[cfg(feature = "f16")]
            KernelStore::Bf16(k) => {
                for (row, (i, &ai)) in k.chunks_exact_mut(m).zip(alpha.iter().enumerate()) {
                    log_kernel_row(cost.row(i, bufs.cost), ai, Some(beta), eps, bufs.kern);
                    T::exp_slice(bufs.kern);
                    for (o, &x) in row.iter_mut().zip(bufs.kern.iter()) {
                        *o = bf16::from_f32(x.to_f32());
                    }
                }
            }
            KernelStore::OnTheFly => {}
        }
    }

    /// Calls `visit(i, K̃_i·)` for every row (stored, widened or evaluated).
    fn for_each_row(
        &self,
        alpha: &[T],
        beta: &[T],
        bufs: &mut RowBufs<'_, T>,
        mut visit: impl FnMut(usize, &[T]),
    ) {
        let m = self.m();
        match &self.store {
            KernelStore::Dense(k) => {
                for (i, row) in k.chunks_exact(m).enumerate() {
                    visit(i, row);
                }
            }
            #[cfg(feature = "f16")]
            KernelStore::Bf16(k) => {
                for (i, row) in k.chunks_exact(m).enumerate() {
                    for (o, x) in bufs.kern.iter_mut().zip(row) {
                        *o = T::from_f32(x.to_f32());
                    }
                    visit(i, bufs.kern);
                }
            }
            KernelStore::OnTheFly => {
                for (i, &ai) in alpha.iter().enumerate() {
                    log_kernel_row(self.cost.row(i, bufs.cost), ai, Some(beta), self.eps, bufs.kern);
                    T::exp_slice(bufs.kern);
                    visit(i, bufs.kern);
                }
            }
        }
    }

    /// `kv = K̃ v`, `u = a ⊘ kv`, `ktu = K̃ᵀ u` (for the new `u`), reading (or, `OnTheFly`,
    /// evaluating) each row once: `Dense` through `Real::sweep` (rows in blocks of four, the
    /// same bits as `gemv` + division + `gemv_t`), `Bf16` through `Real::sweep_bf16` from
    /// [`BF16_SWEEP_MIN`] entries on and as the two products below it (same bits either way),
    /// `OnTheFly` one evaluated row at a time (its dot, its division, its axpy: the same
    /// operations as the former per-row `K̃ v` and `K̃ᵀ u` loops, with n·m exps instead of
    /// 2·n·m).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn sweep(
        &self,
        alpha: &[T],
        beta: &[T],
        v: &[T],
        a: &[T],
        kv: &mut [T],
        u: &mut [T],
        ktu: &mut [T],
        bufs: &mut RowBufs<'_, T>,
    ) {
        let (n, m) = (u.len(), v.len());
        match &self.store {
            KernelStore::Dense(k) => return T::sweep(n, m, k, m, v, a, kv, u, ktu),
            #[cfg(feature = "f16")]
            KernelStore::Bf16(k) if n.saturating_mul(m) >= BF16_SWEEP_MIN => {
                return T::sweep_bf16(n, m, k, m, v, a, kv, u, ktu)
            }
            #[cfg(feature = "f16")]
            KernelStore::Bf16(k) => {
                T::gemv_bf16(n, m, T::ONE, k, m, v, T::ZERO, kv);
                for ((ui, &ai), &ki) in u.iter_mut().zip(a).zip(kv.iter()) {
                    *ui = ai / ki;
                }
                return T::gemv_t_bf16(n, m, T::ONE, k, m, u, T::ZERO, ktu);
            }
            KernelStore::OnTheFly => {}
        }
        ktu.iter_mut().for_each(|x| *x = T::ZERO);
        self.for_each_row(alpha, beta, bufs, |i, row| {
            if let (Some(k), Some(ui), Some(&ai)) = (kv.get_mut(i), u.get_mut(i), a.get(i)) {
                *k = T::dot(row, v);
                *ui = ai / *k;
                T::axpy(*ui, row, ktu);
            }
        });
    }

    /// `out = K̃ᵀ u`.
    pub(crate) fn mul_t(&self, alpha: &[T], beta: &[T], u: &[T], out: &mut [T], bufs: &mut RowBufs<'_, T>) {
        match &self.store {
            KernelStore::Dense(k) => {
                return T::gemv_t(u.len(), out.len(), T::ONE, k, out.len(), u, T::ZERO, out)
            }
            #[cfg(feature = "f16")]
            KernelStore::Bf16(k) => {
                return T::gemv_t_bf16(u.len(), out.len(), T::ONE, k, out.len(), u, T::ZERO, out)
            }
            KernelStore::OnTheFly => {}
        }
        out.iter_mut().for_each(|x| *x = T::ZERO);
        self.for_each_row(alpha, beta, bufs, |i, row| {
            T::axpy(u.get(i).copied().unwrap_or(T::ZERO), row, out);
        });
    }
}
