//! The linalg demo: the BLAS-like kernels, softmax/log-sum-exp and exp/ln on fixed inputs, the
//! f16 → f32 widening of every binary16 bit pattern, and the chunk/tail splits of the inner
//! loops that run in FPU assembly on the device (`ferrokern-simd`'s `vfp.rs`).

use core::fmt::Write;

use embedded_hal::delay::DelayNs;
use ferrokern::linalg::{self, MatMut, MatRef, Trans};
use ferrokern::rng::Pcg32;
use ferrokern::Real;

/// Kernels through `Real` explicitly: on the host a method call like `x.exp()` would pick
/// std's inherent `f32::exp` (the platform libm) instead of ferrokern's, and break bit-identity.
type R = f32;

use crate::hexout::{fnv1a, FNV_START};
use crate::{DemoError, HexOut, Summary};

/// Odd sizes on purpose: they exercise the remainder loops of unrolled/SIMD kernels.
const M: usize = 13;
const N: usize = 19;
const K: usize = 7;
/// Input frames processed, as a sensor loop would.
const FRAMES: usize = 2;
/// Pause between frames (the "sample period"), through the embedded-hal delay.
const FRAME_PERIOD_US: u32 = 200;
/// Points of the exp/ln sweeps.
const SWEEP: usize = 48;

/// Fills `xs` with uniform values in `[-scale, scale)` (exact: 24-bit grid times a power of 2).
fn fill(rng: &mut Pcg32, scale: f32, xs: &mut [f32]) {
    for x in xs {
        *x = (2.0 * rng.next_f32() - 1.0) * scale;
    }
}

/// Runs the linalg kernels on fixed pseudo-random inputs (PCG32, seed 2026) and prints every
/// result as hex bit patterns. `delay` paces the frames (an embedded-hal `DelayNs`: SysTick on
/// the device, a sleep on the host); it does not change any value.
///
/// Stack use is about 4 KB (all buffers are local arrays); no heap.
pub fn linalg<W: Write>(out: &mut W, delay: &mut impl DelayNs) -> Result<Summary, DemoError> {
    let mut p = HexOut::new(out);
    let mut rng = Pcg32::seed(2026);
    for frame in 0..FRAMES {
        if frame > 0 {
            delay.delay_us(FRAME_PERIOD_US);
        }
        p.note(format_args!("frame {frame}"))?;
        blas(&mut rng, &mut p)?;
        reductions(&mut rng, &mut p)?;
    }
    sweeps(&mut p)?;
    f16_widening(&mut p)?;
    chunk_splits(&mut rng, &mut p)?;
    Ok(p.finish()?)
}

/// Every way the device's assembly loops split their input: `dot` and `all_finite` of lengths
/// 0–19 (0–4 whole chunks of four, tails 0–3), a four-row `gemv` (`dot4`) and `gemv_t`
/// (`axpy_rows` of four) of widths 1–9, `axpy` of lengths 0–19, `widen_f16_le`
/// from byte offsets 0–3 (word-aligned, 2-aligned, odd) for lengths around its blocks of
/// eight, `exp_slice` with NaN, ±inf, overflow and underflow at both pair positions, and
/// `exp_affine_sum`/`_acc` and `exp_shifted` with the same edge inputs, `sqrt_slice`
/// (`VSQRT`) from subnormals to infinity, and `sq_dist_row_2d` of 0–9 points. The host runs the Rust loops the
/// assembly replaces, and libm's square root.
fn chunk_splits<W: Write>(rng: &mut Pcg32, p: &mut HexOut<'_, W>) -> Result<(), DemoError> {
    const LEN: usize = 19;
    let mut x = [0.0f32; LEN];
    let mut y = [0.0f32; LEN];
    fill(rng, 1.0, &mut x);
    fill(rng, 1.0, &mut y);
    let mut dots = [0.0f32; LEN + 1];
    for (len, d) in dots.iter_mut().enumerate() {
        *d = ferrokern_simd::dot(&x[..len], &y[..len]);
    }
    p.slice("dot_len_0_19", &dots)?;

    // `all_finite` (the finiteness sums on the device) of every prefix, clean and with one
    // NaN/+inf/−inf at each position: bit `pos` of the length's mask is set when it is found.
    let mut masks = [0.0f32; LEN + 1];
    for (len, m) in masks.iter_mut().enumerate() {
        let mut mask = u32::from(ferrokern_simd::scalar::all_finite(&x[..len])) << 31;
        for pos in 0..len {
            let mut bad = x;
            bad[pos] = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY][pos % 3];
            mask |= u32::from(!ferrokern_simd::scalar::all_finite(&bad[..len])) << pos;
        }
        *m = f32::from_bits(mask);
    }
    p.slice("all_finite_masks", &masks)?;

    let mut a = [0.0f32; 4 * 9];
    fill(rng, 1.0, &mut a);
    let mut rows = [0.0f32; 4 * 9];
    for n in 1..=9 {
        let r = &mut rows[4 * (n - 1)..4 * n];
        ferrokern_simd::gemv(4, n, 1.0, &a[..4 * n], n, &x[..n], 0.0, r);
    }
    p.slice("dot4_width_1_9", &rows)?;

    // `gemv_t` over four rows (`axpy_rows` of four) and `axpy`, widths 1–9 and 0–19.
    let mut cols = [0.0f32; 9 * 10 / 2];
    let mut at = 0;
    for n in 1..=9 {
        let c = &mut cols[at..at + n];
        c.copy_from_slice(&y[..n]);
        ferrokern_simd::gemv_t(4, n, 0.5, &a[..4 * n], n, &x[..4], 1.0, c);
        at += n;
    }
    p.slice("axpy4_width_1_9", &cols)?;
    let mut ys = [0.0f32; LEN * (LEN + 1) / 2];
    let mut at = 0;
    for len in 0..=LEN {
        let yl = &mut ys[at..at + len];
        yl.copy_from_slice(&y[..len]);
        ferrokern_simd::axpy(-1.25, &x[..len], yl);
        at += len;
    }
    p.slice("axpy_len_0_19", &ys)?;

    // 43 halves' bytes (+3 for the offsets): finite values, and the specials at the ends.
    let mut bytes = [0u8; 2 * 43 + 3];
    for (k, b) in bytes.chunks_exact_mut(2).enumerate() {
        let bits = (k as u16).wrapping_mul(0x9e37) ^ 0x3c00;
        b.copy_from_slice(&bits.to_le_bytes());
    }
    let mut sums = [0.0f32; 4 * 6];
    for (i, s) in sums.iter_mut().enumerate() {
        let (offset, len) = (i % 4, [0, 1, 7, 8, 9, 43][i / 4]);
        let mut out = [0.0f32; 43];
        ferrokern_simd::widen_f16_le(&bytes[offset..offset + 2 * len], &mut out[..len]);
        *s = f32::from_bits(out[..len].iter().map(|v| v.to_bits()).fold(FNV_START, fnv1a));
    }
    p.slice("widen_f16_le_fnv", &sums)?;

    // `exp_slice` (pairs through the fast path, the pair it stops at through the slow one):
    // the edge inputs among ordinary ones, from four start offsets (both pair parities, odd
    // and even lengths).
    const EDGES: [f32; 14] = [
        0.0,
        -0.0,
        f32::NAN,
        88.5,
        88.8,
        -87.2,
        -87.5,
        -103.0,
        -104.5,
        f32::INFINITY,
        f32::NEG_INFINITY,
        1e-40,
        89.0,
        -126.0,
    ];
    // Edge `k` at `4k + k % 2`: its pair partner is ordinary, and the offsets below move it
    // between the pair's first and second place.
    let mut mixed = [0.0f32; 4 * EDGES.len()];
    fill(rng, 10.0, &mut mixed);
    for (k, &e) in EDGES.iter().enumerate() {
        mixed[4 * k + k % 2] = e;
    }
    p.slice("exp_slice_edges", &{
        let mut m = mixed;
        ferrokern_simd::exp_slice(&mut m);
        m
    })?;
    let mut sums = [0.0f32; 4];
    for (offset, s) in sums.iter_mut().enumerate() {
        let mut m = mixed;
        ferrokern_simd::exp_slice(&mut m[offset..]);
        *s = f32::from_bits(m[offset..].iter().map(|v| v.to_bits()).fold(FNV_START, fnv1a));
    }
    p.slice("exp_slice_offsets_fnv", &sums)?;

    // `exp_affine_sum` / `exp_affine_acc` (the streaming Sinkhorn rows). Every edge of exp
    // reaches the exponents `a·x + (v + b)` of the accumulating form (x from the edge inputs,
    // scaled by ±1). The sums use `−|x|` with non-finite x as 1000, so that the edges underflow
    // into the slow path and the sums stay finite (a NaN or inf sum would hide the other
    // terms): from four start offsets, and for every length up to 9.
    let mut v = [0.0f32; 4 * EDGES.len()];
    fill(rng, 3.0, &mut v);
    let under = mixed.map(|x| if x.is_finite() { x.abs() } else { 1000.0 });
    let mut sums = [0.0f32; 4 + 10];
    for (k, s) in sums.iter_mut().enumerate() {
        let (start, len) = if k < 4 { (k, under.len() - k) } else { (0, k - 4) };
        let (a, x, v) =
            ([-1.0, -0.5][usize::from(k >= 4)], &under[start..start + len], &v[start..start + len]);
        *s = ferrokern_simd::exp_affine_sum(a, x, v, 0.25);
    }
    p.slice("exp_affine_sum", &sums)?;
    let mut acc = v;
    ferrokern_simd::exp_affine_acc(-1.0, &mixed[1..], &v[1..], -0.5, &mut acc[1..]);
    ferrokern_simd::exp_affine_acc(1.0, &mixed, &v, 0.125, &mut acc);
    p.slice("exp_affine_acc", &acc)?;

    // `exp_shifted` (softmax, log-sum-exp): the values of the edge inputs, and sums that stay
    // finite across the slow path (`−|x|`, as above) from four offsets.
    let mut shifted = [0.0f32; 4 * EDGES.len() + 4];
    let (values, sums) = shifted.split_at_mut(4 * EDGES.len());
    values.copy_from_slice(&mixed);
    ferrokern_simd::scalar::exp_shifted(values, 1.5);
    for (k, s) in sums.iter_mut().enumerate() {
        let mut m = under.map(|u| -u);
        *s = ferrokern_simd::scalar::exp_shifted(&mut m[k..], -0.5);
    }
    p.slice("exp_shifted", &shifted)?;

    // `sq_dist_row_2d` (the streaming Sinkhorn cost row) for 0–9 points, with an odd
    // coordinate left over at 9.
    let mut d = [0.0f32; 9 * 10 / 2];
    let mut at = 0;
    for len in 0..=9 {
        let extra = usize::from(len == 9);
        ferrokern_simd::sq_dist_row_2d([0.3, -0.7], &mixed[..2 * len + extra], 3.0, &mut d[at..at + len]);
        at += len;
    }
    p.slice("sq_dist_row_2d_0_9", &d)?;

    // `sqrt_slice` (`VSQRT` on the device, libm on the host): every input range.
    let mut roots =
        [0.0f32, -0.0, 1e-45, 1e-40, 1.17e-38, 0.25, 2.0, 3.0, 1e10, f32::MAX, f32::INFINITY, 1.5e-7];
    ferrokern_simd::scalar::sqrt_slice(&mut roots);
    p.slice("sqrt_slice", &roots)?;
    let mut roots = mixed.map(f32::abs);
    ferrokern_simd::scalar::sqrt_slice(&mut roots);
    Ok(p.slice("sqrt_slice_mixed", &roots)?)
}

/// Every binary16 bit pattern (NaNs, infinities, subnormals included) widened by
/// `ferrokern_simd::f16_to_f32` in blocks of 256 — `VLDM` + `VCVTB`/`VCVTT` on the device (one
/// `VCVTB` per value at the block edges), the `half` crate on the host — folded into 16 FNV-1a
/// checksums of 4096 patterns each (a mismatch shows which range).
fn f16_widening<W: Write>(p: &mut HexOut<'_, W>) -> Result<(), DemoError> {
    let mut sums = [0.0f32; 16];
    let (mut halves, mut wide) = ([half::f16::ZERO; 256], [0.0f32; 256]);
    for (k, s) in (0u32..).zip(sums.iter_mut()) {
        let mut h = FNV_START;
        for block in 0..16 {
            for (i, x) in (0u32..).zip(halves.iter_mut()) {
                *x = half::f16::from_bits(((k << 12) + (block << 8) + i) as u16);
            }
            ferrokern_simd::f16_to_f32(&halves, &mut wide);
            h = wide.iter().map(|v| v.to_bits()).fold(h, fnv1a);
        }
        *s = f32::from_bits(h);
    }
    Ok(p.slice("f16_widen_fnv", &sums)?)
}

/// dot, axpy, gemv, gemv_t, gemm (all transpose combinations), ger, norm2.
fn blas<W: Write>(rng: &mut Pcg32, p: &mut HexOut<'_, W>) -> Result<(), DemoError> {
    let mut a = [0.0f32; M * N];
    let mut x = [0.0f32; N];
    let mut y = [0.0f32; N];
    let mut u = [0.0f32; M];
    fill(rng, 1.0, &mut a);
    fill(rng, 1.0, &mut x);
    fill(rng, 2.0, &mut y);
    fill(rng, 1.0, &mut u);

    p.scalar("dot", linalg::dot(&x, &y)?)?;
    p.scalar("norm2", <R as Real>::norm2(&x))?;
    linalg::axpy(0.75, &x, &mut y)?;
    p.slice("axpy", &y)?;

    let am = MatRef::new(&a, M, N)?;
    let mut v = u;
    am.gemv(1.5, &x, 0.5, &mut v)?;
    p.slice("gemv", &v)?;
    let mut w = [0.0f32; N];
    am.gemv_t(-0.5, &u, 0.0, &mut w)?;
    p.slice("gemv_t", &w)?;

    // C (M×K) = op(A1)·op(B1) with inner dimension N, for each transpose combination.
    let mut b = [0.0f32; N * K];
    fill(rng, 1.0, &mut b);
    let mut at = [0.0f32; N * M];
    transpose(&a, M, N, &mut at);
    let mut bt = [0.0f32; K * N];
    transpose(&b, N, K, &mut bt);
    let ops = [
        ("gemm_nn", MatRef::new(&a, M, N)?, Trans::No, MatRef::new(&b, N, K)?, Trans::No),
        ("gemm_tn", MatRef::new(&at, N, M)?, Trans::Yes, MatRef::new(&b, N, K)?, Trans::No),
        ("gemm_nt", MatRef::new(&a, M, N)?, Trans::No, MatRef::new(&bt, K, N)?, Trans::Yes),
        ("gemm_tt", MatRef::new(&at, N, M)?, Trans::Yes, MatRef::new(&bt, K, N)?, Trans::Yes),
    ];
    let mut c0 = [0.0f32; M * K];
    fill(rng, 1.0, &mut c0);
    for (label, lhs, ta, rhs, tb) in ops {
        let mut c = c0;
        MatMut::new(&mut c, M, K)?.gemm(0.5, lhs, ta, rhs, tb, -1.25)?;
        p.slice(label, &c)?;
    }

    let mut g = a;
    MatMut::new(&mut g, M, N)?.ger(-0.25, &u, &x)?;
    p.slice("ger", &g)?;
    Ok(())
}

/// softmax, log-sum-exp, sum, max on wider-range inputs.
fn reductions<W: Write>(rng: &mut Pcg32, p: &mut HexOut<'_, W>) -> Result<(), DemoError> {
    let mut z = [0.0f32; 2 * N + 1];
    fill(rng, 8.0, &mut z);
    p.scalar("log_sum_exp", <R as Real>::log_sum_exp(&z))?;
    p.scalar("sum", <R as Real>::sum(&z))?;
    p.scalar("max", <R as Real>::max_of(&z))?;
    <R as Real>::softmax(&mut z);
    p.slice("softmax", &z)?;
    Ok(())
}

/// exp over [-87, 88] and ln over [1e-30, 6e4], the crate's own scalar forms (`Real::exp/ln`).
fn sweeps<W: Write>(p: &mut HexOut<'_, W>) -> Result<(), DemoError> {
    let mut arg = [0.0f32; SWEEP];
    let mut e = [0.0f32; SWEEP];
    let mut l = [0.0f32; SWEEP];
    let step = 175.0 / (SWEEP as f32 - 1.0);
    // Geometric sweep 1e-30 · 5.5^i, i < 48: from tiny to ~6e4.
    let mut g = 1e-30f32;
    for (i, ((ai, ei), li)) in arg.iter_mut().zip(e.iter_mut()).zip(l.iter_mut()).enumerate() {
        *ai = -87.0 + step * i as f32;
        *ei = <R as Real>::exp(*ai);
        *li = <R as Real>::ln(g);
        g *= 5.5;
    }
    p.slice("exp_arg", &arg)?;
    p.slice("exp", &e)?;
    p.slice("ln", &l)?;
    let mut s = e;
    for v in &mut s {
        *v = <R as Real>::ln(*v);
    }
    p.slice("ln_exp", &s)?;
    let mut x = [0.0f32; SWEEP];
    for (i, xi) in x.iter_mut().enumerate() {
        *xi = i as f32 * 0.37 - 9.0;
    }
    <R as Real>::exp_slice(&mut x);
    p.slice("exp_slice", &x)?;
    Ok(())
}

/// `dst` (cols × rows) = transpose of row-major `src` (rows × cols).
fn transpose(src: &[f32], rows: usize, cols: usize, dst: &mut [f32]) {
    for (i, row) in src.chunks_exact(cols).take(rows).enumerate() {
        for (j, &v) in row.iter().enumerate() {
            if let Some(d) = dst.get_mut(j * rows + i) {
                *d = v;
            }
        }
    }
}
