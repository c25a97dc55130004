//! Where the Gibbs kernel `K̃_ij = exp((α_i + β_j − C_ij)/ε)` of the scaling solvers lives.

use super::cost::CostSource;
use super::rows::log_kernel_row;
use crate::error::mul_size;
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
///
/// A stored kernel buffer of at least [`aligned_kernel_len`]`::<E>(n, m)` elements (`n·m` plus
/// at most `p − 1` per row and `p − 1` more, `p = 64/size_of::<E>()`: 15 for f32) gets every
/// row on a 64-byte boundary, so the vector loads never straddle two cache lines. A heap
/// buffer of exactly `n·m` usually makes every other 32-byte load do that (glibc starts large
/// blocks 16 bytes past a page). Results are the same bits either way. Measured (session 8,
/// `benches/README-ot.md`): dense f32 at n = m = 1000 on AVX2 1.11–1.16× faster per iteration.
#[derive(Debug)]
pub enum KernelStore<'a, T> {
    /// Caller buffer of at least `n·m` elements.
    Dense(&'a mut [T]),
    /// Caller buffer of at least `n·m` bf16 values.
    #[cfg(feature = "f16")]
    Bf16(&'a mut [bf16]),
    /// Re-evaluated on every product.
    OnTheFly,
}

/// Rows of a stored kernel start on multiples of this many bytes when the buffer has room.
const ROW_ALIGN: usize = 64;

/// Elements of `E` a [`KernelStore`] buffer needs for an `n × m` kernel with every row on a
/// 64-byte boundary: `n` rows of `m` rounded up to a multiple of `64/size_of::<E>()`, plus room
/// to move the start to an aligned address (saturating; a buffer this long is used that way,
/// a shorter one of at least `n·m` packed). Cost: O(1).
///
/// ```
/// use ferrokern::ot::aligned_kernel_len;
/// assert_eq!(aligned_kernel_len::<f32>(1000, 1000), 1000 * 1008 + 15);
/// assert_eq!(aligned_kernel_len::<f64>(3, 8), 3 * 8 + 7);
/// ```
#[must_use]
pub const fn aligned_kernel_len<E>(n: usize, m: usize) -> usize {
    let per = row_align_elems::<E>();
    n.saturating_mul(m.div_ceil(per).saturating_mul(per)).saturating_add(per - 1)
}

/// Elements of `E` in [`ROW_ALIGN`] bytes (at least 1).
const fn row_align_elems<E>() -> usize {
    let size = core::mem::size_of::<E>();
    if size == 0 || size >= ROW_ALIGN {
        1
    } else {
        ROW_ALIGN / size
    }
}

/// Where the kernel sits in a caller buffer: `(&buf[start..], lda)`, rows `lda` apart. Rows on
/// 64-byte boundaries when `buf` holds [`aligned_kernel_len`] elements, else packed from 0.
fn rows_in<E>(buf: &[E], n: usize, m: usize) -> (&[E], usize) {
    let (start, lda) = layout(buf, n, m);
    (buf.get(start..).unwrap_or_default(), lda)
}

/// The `n` rows (`m` entries each) of the kernel in `buf`, laid out as in [`rows_in`].
fn rows<E>(buf: &[E], n: usize, m: usize) -> impl Iterator<Item = &[E]> {
    let (k, lda) = rows_in(buf, n, m);
    k.chunks(lda.max(1)).take(n).filter_map(move |r| r.get(..m))
}

/// [`rows`] for writing.
fn rows_mut<E>(buf: &mut [E], n: usize, m: usize) -> impl Iterator<Item = &mut [E]> {
    let (start, lda) = layout(buf, n, m);
    let k = buf.get_mut(start..).unwrap_or_default();
    k.chunks_mut(lda.max(1)).take(n).filter_map(move |r| r.get_mut(..m))
}

/// `(start, lda)` of [`rows_in`]: only the buffer's address and length decide it.
fn layout<E>(buf: &[E], n: usize, m: usize) -> (usize, usize) {
    let per = row_align_elems::<E>();
    if per == 1 || buf.len() < aligned_kernel_len::<E>(n, m) {
        return (0, m);
    }
    // An element's address is a multiple of its size (align = size for f32, f64, bf16), so the
    // distance to the next 64-byte boundary is a whole number of elements.
    let skip = (ROW_ALIGN - buf.as_ptr().addr() % ROW_ALIGN) % ROW_ALIGN;
    (skip / core::mem::size_of::<E>(), m.div_ceil(per) * per)
}

impl<T: Real> KernelStore<'_, T> {
    /// Elements the storage must hold at least for an `n × m` problem (0 for `OnTheFly`); see
    /// [`aligned_kernel_len`] for the faster layout.
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
        let found = match self {
            KernelStore::Dense(k) => k.len(),
            #[cfg(feature = "f16")]
            KernelStore::Bf16(k) => k.len(),
            KernelStore::OnTheFly => return Ok(()),
        };
        if found < need {
            return Err(crate::Error::DimensionMismatch { what: "kernel buffer", expected: need, found });
        }
        Ok(())
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
                for (row, (i, &ai)) in rows_mut(k, alpha.len(), m).zip(alpha.iter().enumerate()) {
                    log_kernel_row(cost.row(i, bufs.cost), ai, Some(beta), eps, row);
                    T::exp_slice(row);
                }
            }
            #[cfg(feature = "f16")]
            KernelStore::Bf16(k) => {
                for (row, (i, &ai)) in rows_mut(k, alpha.len(), m).zip(alpha.iter().enumerate()) {
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
                for (i, row) in rows(k, alpha.len(), m).enumerate() {
                    visit(i, row);
                }
            }
            #[cfg(feature = "f16")]
            KernelStore::Bf16(k) => {
                for (i, row) in rows(k, alpha.len(), m).enumerate() {
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
            KernelStore::Dense(k) => {
                let (k, lda) = rows_in(k, n, m);
                return T::sweep(n, m, k, lda, v, a, kv, u, ktu);
            }
            #[cfg(feature = "f16")]
            KernelStore::Bf16(k) if n.saturating_mul(m) >= BF16_SWEEP_MIN => {
                let (k, lda) = rows_in(k, n, m);
                return T::sweep_bf16(n, m, k, lda, v, a, kv, u, ktu);
            }
            #[cfg(feature = "f16")]
            KernelStore::Bf16(k) => {
                let (k, lda) = rows_in(k, n, m);
                T::gemv_bf16(n, m, T::ONE, k, lda, v, T::ZERO, kv);
                for ((ui, &ai), &ki) in u.iter_mut().zip(a).zip(kv.iter()) {
                    *ui = ai / ki;
                }
                return T::gemv_t_bf16(n, m, T::ONE, k, lda, u, T::ZERO, ktu);
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
                let (k, lda) = rows_in(k, u.len(), out.len());
                return T::gemv_t(u.len(), out.len(), T::ONE, k, lda, u, T::ZERO, out);
            }
            #[cfg(feature = "f16")]
            KernelStore::Bf16(k) => {
                let (k, lda) = rows_in(k, u.len(), out.len());
                return T::gemv_t_bf16(u.len(), out.len(), T::ONE, k, lda, u, T::ZERO, out);
            }
            KernelStore::OnTheFly => {}
        }
        out.iter_mut().for_each(|x| *x = T::ZERO);
        self.for_each_row(alpha, beta, bufs, |i, row| {
            T::axpy(u.get(i).copied().unwrap_or(T::ZERO), row, out);
        });
    }
}
