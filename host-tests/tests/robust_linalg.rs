//! Robustness of the slice math (`ferrokern-simd` on the active path, and `ferrokern::linalg`):
//! arbitrary lengths (0 included) and hostile values never panic, never write outside the
//! buffers (canary tails, and the `ldc > n` / `lda > n` padding columns), finite inputs give the
//! naive f64 result, and the checked `linalg` API turns every shape mismatch into
//! `Error::DimensionMismatch` with the output untouched.

mod robust_common;

use ferrokern::linalg::{self, MatMut, MatRef, Trans};
use ferrokern::Error;
use ferrokern_simd as simd;
use proptest::collection::vec;
use proptest::prelude::*;
use robust_common::{any_f32, config, finite_f32, Canary, Guarded};

/// f32 close to an f64 reference with a tolerance scaled by the magnitude of the terms.
fn close(got: f32, want: f64, scale: f64) -> bool {
    (f64::from(got) - want).abs() <= 1e-5 * (scale + 1.0)
}

fn same_bits(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(*y))
}

fn arb_vec(max: usize) -> impl Strategy<Value = Vec<f32>> {
    vec(any_f32(), 0..max)
}

proptest! {
    #![proptest_config(config(96))]

    /// Element-wise ops and reductions: no panic and no overrun for any values; on finite
    /// inputs the reductions match f64 sums.
    #[test]
    fn slice_ops_stay_in_bounds(x in arb_vec(70), seed in any::<u32>(), alpha in any_f32()) {
        let y: Vec<f32> = x.iter().enumerate().map(|(i, v)| v * 0.5 + (i as f32) + seed as f32 * 1e-9).collect();
        let mut gy = Guarded::new("axpy y", &y);
        simd::axpy(alpha, &x, gy.inner());
        gy.check();
        let mut gx = Guarded::new("scale x", &x);
        simd::scale(alpha, gx.inner());
        gx.check();
        for op in [simd::add as fn(&[f32], &[f32], &mut [f32]), simd::sub, simd::mul] {
            let mut out = Guarded::filled("out", x.len(), 0.0f32);
            op(&x, &y, out.inner());
            out.check();
        }
        let mut e = Guarded::new("exp_slice", &x);
        simd::exp_slice(e.inner());
        e.check();
        for (v, &x0) in e.get().iter().zip(&x) {
            prop_assert!(!v.is_nan() || x0.is_nan(), "exp({x0}) = NaN");
            prop_assert!(*v >= 0.0 || v.is_nan());
        }
        let mut s = Guarded::new("softmax", &x);
        simd::softmax(s.inner());
        s.check();
        if !x.is_empty() && x.iter().all(|v| v.is_finite()) {
            let total: f64 = s.get().iter().map(|&v| f64::from(v)).sum();
            prop_assert!((total - 1.0).abs() < 1e-4, "softmax sums to {total}");
        }
        let (d, su, mx, n2, lse) = (simd::dot(&x, &y), simd::sum(&x), simd::max(&x), simd::norm2(&x), simd::log_sum_exp(&x));
        let am = simd::argmax(&x);
        if x.iter().all(|v| v.is_finite()) && y.iter().all(|v| v.is_finite()) {
            let d64: f64 = x.iter().zip(&y).map(|(a, b)| f64::from(*a) * f64::from(*b)).sum();
            let dscale: f64 = x.iter().zip(&y).map(|(a, b)| (f64::from(*a) * f64::from(*b)).abs()).sum();
            prop_assert!(close(d, d64, dscale), "dot {d} vs {d64}");
            let s64: f64 = x.iter().map(|&a| f64::from(a)).sum();
            let sscale: f64 = x.iter().map(|&a| f64::from(a).abs()).sum();
            prop_assert!(close(su, s64, sscale), "sum {su} vs {s64}");
            let n64 = x.iter().map(|&a| f64::from(a) * f64::from(a)).sum::<f64>().sqrt();
            prop_assert!(close(n2, n64, n64));
            match am {
                None => prop_assert!(x.is_empty()),
                Some(i) => prop_assert_eq!(x[i], mx),
            }
            if !x.is_empty() {
                prop_assert!(lse >= mx && f64::from(lse) <= f64::from(mx) + (x.len() as f64).ln() + 1e-4);
            }
        }
    }

    /// gemv / gemv_t with a row stride `lda ≥ n`: only `y` is written, finite inputs match the
    /// naive product.
    #[test]
    fn gemv_stays_in_bounds(m in 0usize..9, n in 0usize..13, pad in 0usize..3, vals in vec(finite_f32(), 0..160),
                            alpha in finite_f32(), beta in finite_f32(), poison in any_f32()) {
        let lda = n + pad;
        let a: Vec<f32> = (0..m * lda).map(|i| vals.get(i % vals.len().max(1)).copied().unwrap_or(1.0)).collect();
        let x: Vec<f32> = (0..n).map(|i| 0.25 * i as f32 - 1.0).collect();
        let y0: Vec<f32> = (0..m).map(|i| i as f32).collect();
        let mut y = Guarded::new("gemv y", &y0);
        simd::gemv(m, n, alpha, &a, lda, &x, beta, y.inner());
        y.check();
        for i in 0..m {
            let r: f64 = (0..n).map(|j| f64::from(a[i * lda + j]) * f64::from(x[j])).sum();
            let sc: f64 = (0..n).map(|j| (f64::from(a[i * lda + j]) * f64::from(x[j])).abs()).sum();
            let want = f64::from(alpha) * r + f64::from(beta) * f64::from(y0[i]);
            prop_assert!(close(y.get()[i], want, f64::from(alpha.abs()) * sc + f64::from(beta.abs()) * f64::from(y0[i]).abs()));
        }
        let xt: Vec<f32> = (0..m).map(|i| 1.0 - 0.5 * i as f32).collect();
        let mut yt = Guarded::filled("gemv_t y", n, poison);
        simd::gemv_t(m, n, alpha, &a, lda, &xt, 0.0, yt.inner());
        yt.check();
        for j in 0..n {
            let r: f64 = (0..m).map(|i| f64::from(a[i * lda + j]) * f64::from(xt[i])).sum();
            let sc: f64 = (0..m).map(|i| (f64::from(a[i * lda + j]) * f64::from(xt[i])).abs()).sum();
            // beta == 0 ignores the old y, even a NaN one
            prop_assert!(close(yt.get()[j], f64::from(alpha) * r, f64::from(alpha.abs()) * sc));
        }
    }

    /// gemm in all four transpose forms with `ldc > n`: the padding columns of C and the
    /// canary tails survive; finite inputs match the naive product.
    #[test]
    fn gemm_stays_in_bounds(m in 0usize..7, n in 0usize..9, k in 0usize..7, pad in 0usize..3, ta in any::<bool>(),
                            tb in any::<bool>(), alpha in finite_f32(), beta in finite_f32(), seed in any::<u16>()) {
        let (ta, tb) = (if ta { Trans::Yes } else { Trans::No }, if tb { Trans::Yes } else { Trans::No });
        let val = |i: usize| ((i * 7 + seed as usize) % 13) as f32 * 0.25 - 1.5;
        let (ar, ac) = if ta == Trans::No { (m, k) } else { (k, m) };
        let (br, bc) = if tb == Trans::No { (k, n) } else { (n, k) };
        let a: Vec<f32> = (0..ar * ac).map(val).collect();
        let b: Vec<f32> = (0..br * bc).map(|i| val(i + 5)).collect();
        let ldc = n + pad;
        let c0: Vec<f32> = (0..m * ldc).map(|i| if i % ldc.max(1) < n { val(i + 3) } else { f32::SENTINEL }).collect();
        let mut c = Guarded::new("gemm C", &c0);
        simd::gemm(ta, tb, m, n, k, alpha, &a, ac, &b, bc, beta, c.inner(), ldc);
        c.check();
        let opa = |i: usize, p: usize| if ta == Trans::No { a[i * ac + p] } else { a[p * ac + i] };
        let opb = |p: usize, j: usize| if tb == Trans::No { b[p * bc + j] } else { b[j * bc + p] };
        for i in 0..m {
            for j in 0..ldc {
                let got = c.get()[i * ldc + j];
                if j >= n {
                    prop_assert!(got.same(f32::SENTINEL), "padding column {j} of row {i} written");
                    continue;
                }
                let r: f64 = (0..k).map(|p| f64::from(opa(i, p)) * f64::from(opb(p, j))).sum();
                let sc: f64 = (0..k).map(|p| (f64::from(opa(i, p)) * f64::from(opb(p, j))).abs()).sum();
                let old = f64::from(c0[i * ldc + j]);
                let want = f64::from(alpha) * r + f64::from(beta) * old;
                prop_assert!(close(got, want, f64::from(alpha.abs()) * sc + f64::from(beta.abs()) * old.abs()),
                    "C[{i},{j}] {got} vs {want}");
            }
        }
    }

    /// ger with a stride: only the `x.len() × y.len()` block is written.
    #[test]
    fn ger_stays_in_bounds(x in vec(finite_f32(), 0..7), y in vec(finite_f32(), 0..9), pad in 0usize..3, alpha in finite_f32()) {
        let lda = y.len() + pad;
        let a0: Vec<f32> = (0..x.len() * lda).map(|i| if i % lda.max(1) < y.len() { 1.0 } else { f32::SENTINEL }).collect();
        let mut a = Guarded::new("ger A", &a0);
        simd::ger(alpha, &x, &y, a.inner(), lda);
        a.check();
        for (i, xi) in x.iter().enumerate() {
            for j in 0..lda {
                let got = a.get()[i * lda + j];
                match y.get(j) {
                    Some(yj) => prop_assert!(close(got, 1.0 + f64::from(alpha) * f64::from(*xi) * f64::from(*yj),
                        (f64::from(alpha) * f64::from(*xi) * f64::from(*yj)).abs())),
                    None => prop_assert!(got.same(f32::SENTINEL)),
                }
            }
        }
    }

    /// 16-bit conversions and dots: no overrun.
    #[test]
    fn lowp_stays_in_bounds(x in arb_vec(40)) {
        let mut h = Guarded::filled("f16", x.len(), simd::f16::from_bits(0xa5a5));
        simd::f32_to_f16(&x, h_inner(&mut h));
        let mut b = Guarded::filled("bf16", x.len(), simd::bf16::from_bits(0xa5a5));
        simd::f32_to_bf16(&x, bf_inner(&mut b));
        let mut back = Guarded::filled("back", x.len(), 0.0f32);
        simd::f16_to_f32(h.get(), back.inner());
        simd::bf16_to_f32(b.get(), back.inner());
        let _ = simd::dot_f16(h.get(), &x);
        back.check();
        h.check();
        b.check();
    }

    /// The checked linalg API: any shape mismatch is `DimensionMismatch` and writes nothing;
    /// matching shapes agree with the raw kernel.
    #[test]
    fn linalg_checks_every_shape(rows in 0usize..6, cols in 0usize..6, xl in 0usize..8, yl in 0usize..8, dl in 0usize..40) {
        let data: Vec<f32> = (0..dl).map(|i| i as f32 * 0.1).collect();
        let x = vec![1.0f32; xl];
        let y0 = vec![2.0f32; yl];
        match MatRef::new(&data, rows, cols) {
            Err(e) => {
                let dim = matches!(e, Error::DimensionMismatch { .. });
                prop_assert!(dim && dl != rows * cols);
            }
            Ok(a) => {
                let mut y = Guarded::new("y", &y0);
                let r = a.gemv(1.0, &x, 0.5, y.inner());
                prop_assert_eq!(r.is_ok(), xl == cols && yl == rows);
                if r.is_err() { prop_assert!(same_bits(y.get(), &y0)); }
                let r = a.gemv_t(1.0, &x, 0.5, y.inner());
                prop_assert_eq!(r.is_ok(), xl == rows && yl == cols);
                y.check();
                let mut c0 = Guarded::filled("C", rows * yl, 3.0f32);
                if let Ok(mut c) = MatMut::new(c0.inner(), rows, yl) {
                    let b = vec![1.0f32; cols * yl];
                    if let Ok(b) = MatRef::new(&b, cols, yl) {
                        prop_assert!(c.gemm(1.0, a, Trans::No, b, Trans::No, 0.0).is_ok());
                    }
                    let bad = MatRef::new(&x, 1, xl).unwrap();
                    let r = c.gemm(1.0, a, Trans::No, bad, Trans::No, 0.0);
                    prop_assert_eq!(r.is_ok(), cols == 1 && xl == yl);
                    let r = c.ger(1.0, &x, &y0);
                    prop_assert_eq!(r.is_ok(), xl == rows);
                }
                c0.check();
            }
        }
        if let Ok(a) = MatRef::with_stride(&data, rows, cols, cols + 1) {
            prop_assert!(a.row(rows.saturating_sub(1)).is_some() || rows == 0);
            prop_assert!(a.row(rows).is_none() && a.get(0, cols).is_none());
        }
        prop_assert_eq!(linalg::dot(&x, &y0).is_ok(), xl == yl);
        let mut y = Guarded::new("axpy y", &y0);
        prop_assert_eq!(linalg::axpy(1.0f32, &x, y.inner()).is_ok(), xl == yl);
        y.check();
    }
}

proptest! {
    #![proptest_config(config(256))]
    /// The checked wrappers' value contract (issue #8): with any values (NaN, ±inf, subnormal,
    /// near `f32::MAX`) the result is `Ok` and finite, or `NumericalFailure` with a non-finite
    /// result in the output (documented), never `Ok` with NaN/inf.
    #[test]
    fn linalg_results_are_finite_or_an_error(vals in vec(any_f32(), 12), alpha in any_f32()) {
        let (a, x) = (&vals[..6], &vals[6..9]);
        let mut y = vec![0.0f32; 2];
        let verdict = |r: ferrokern::Result<()>, out: &[f32]| match r {
            Ok(()) => out.iter().all(|v| v.is_finite()),
            Err(Error::NumericalFailure { .. }) => out.iter().any(|v| !v.is_finite()),
            Err(_) => false,
        };
        let m = MatRef::new(a, 2, 3).unwrap();
        let r = m.gemv(alpha, x, 0.0, &mut y);
        prop_assert!(verdict(r, &y), "gemv: {y:?}");
        let mut yt = vec![0.0f32; 3];
        let r = m.gemv_t(alpha, &vals[9..11], 0.0, &mut yt);
        prop_assert!(verdict(r, &yt), "gemv_t: {yt:?}");
        let mut yy = vals[9..12].to_vec();
        let r = linalg::axpy(alpha, x, &mut yy);
        prop_assert!(verdict(r, &yy), "axpy: {yy:?}");
        match linalg::dot(x, &vals[9..12]) {
            Ok(d) => prop_assert!(d.is_finite()),
            Err(e) => prop_assert!(matches!(e, Error::NumericalFailure { .. }), "dot: {e}"),
        }
        let mut c = vec![0.0f32; 4];
        let r = MatMut::new(&mut c, 2, 2).unwrap().ger(alpha, &vals[..2], &vals[2..4]);
        prop_assert!(verdict(r, &c), "ger: {c:?}");
    }
}

fn h_inner(g: &mut Guarded<simd::f16>) -> &mut [simd::f16] {
    g.inner()
}

fn bf_inner(g: &mut Guarded<simd::bf16>) -> &mut [simd::bf16] {
    g.inner()
}

impl Canary for simd::f16 {
    const SENTINEL: Self = simd::f16::from_bits(0xa5a5);
    fn same(self, other: Self) -> bool {
        self.to_bits() == other.to_bits()
    }
}

impl Canary for simd::bf16 {
    const SENTINEL: Self = simd::bf16::from_bits(0xa5a5);
    fn same(self, other: Self) -> bool {
        self.to_bits() == other.to_bits()
    }
}

/// Regression: `MatRef::row` of a strided view over a larger buffer returned the rows after
/// the view.
#[test]
fn strided_view_rows_stop_at_the_view() {
    let data: Vec<f32> = (0..20).map(|i| i as f32).collect();
    let a = MatRef::with_stride(&data, 2, 3, 4).unwrap();
    assert_eq!(a.row(1), Some(&data[4..7]));
    assert_eq!(a.row(2), None);
    assert_eq!(a.get(2, 0), None);
    let mut d2 = data.clone();
    let mut m = MatMut::new(&mut d2[..12], 2, 6).unwrap();
    assert!(m.row_mut(2).is_none());
}
