//! Every available SIMD path against the scalar reference, on random data, lengths 0..=257
//! and a few large ones, with the per-kernel tolerances stated in the crate docs.

mod common;
use common::{close, lengths, Rng, EPS};
use ferrokern_simd::{available_levels, Kernels, Level, Trans};

fn simd_levels() -> Vec<(Level, &'static Kernels)> {
    available_levels().filter(|&l| l != Level::Scalar).map(|l| (l, Kernels::for_level(l).unwrap())).collect()
}

fn scalar() -> &'static Kernels {
    Kernels::for_level(Level::Scalar).unwrap()
}

/// Tolerance of a length-n reduction: 2·n·eps·Σ|terms| (+ a denormal floor).
fn red_tol(n: usize, abs_sum: f32) -> f32 {
    2.0 * n as f32 * EPS * abs_sum + 1e-30
}

#[test]
fn levels_are_consistent() {
    let v: Vec<Level> = available_levels().collect();
    assert_eq!(v.first(), Some(&Level::Scalar));
    for l in [Level::Scalar, Level::Sse2, Level::Avx2, Level::Avx512, Level::Neon, Level::Emu16] {
        assert_eq!(Kernels::for_level(l).is_some(), v.contains(&l), "{l:?}");
        if let Some(k) = Kernels::for_level(l) {
            assert_eq!(k.level, l);
        }
        assert_eq!(Level::from_name(l.name()), Some(l));
    }
    assert!(v.contains(&ferrokern_simd::active_level()));
    println!("available: {v:?}, active: {:?}", ferrokern_simd::active_level());
}

#[test]
fn reductions_match_scalar() {
    let mut rng = Rng::new(1);
    for n in lengths() {
        let a = rng.vec(n);
        let b = rng.vec(n);
        let s = scalar();
        let abs_ab: f32 = a.iter().zip(&b).map(|(x, y)| (x * y).abs()).sum();
        let abs_a: f32 = a.iter().map(|x| x.abs()).sum();
        for (l, k) in simd_levels() {
            close((k.dot)(&a, &b), (s.dot)(&a, &b), red_tol(n, abs_ab), format_args!("{l:?} dot n={n}"));
            close((k.sum)(&a), (s.sum)(&a), red_tol(n, abs_a), format_args!("{l:?} sum n={n}"));
            let n2 = (s.norm2)(&a);
            close(
                (k.norm2)(&a),
                n2,
                red_tol(n, n2 * n2) / n2.max(1e-30) + 2.0 * EPS * n2,
                format_args!("{l:?} norm2 n={n}"),
            );
            assert_eq!((k.max)(&a), (s.max)(&a), "{l:?} max n={n}");
        }
    }
}

#[test]
fn elementwise_match_scalar() {
    let mut rng = Rng::new(2);
    for n in lengths() {
        let a = rng.vec(n);
        let b = rng.vec(n);
        let s = scalar();
        for (l, k) in simd_levels() {
            for (name, fk, fs) in [("add", k.add, s.add), ("sub", k.sub, s.sub), ("mul", k.mul, s.mul)] {
                let (mut o1, mut o2) = (vec![9.0; n], vec![7.0; n]);
                fk(&a, &b, &mut o1);
                fs(&a, &b, &mut o2);
                assert_eq!(o1, o2, "{l:?} {name} n={n}"); // correctly rounded: exact
            }
            let (mut y1, mut y2) = (b.clone(), b.clone());
            (k.scale)(0.37, &mut y1);
            (s.scale)(0.37, &mut y2);
            assert_eq!(y1, y2, "{l:?} scale n={n}");
            let (mut y1, mut y2) = (b.clone(), b.clone());
            (k.axpy)(-1.3, &a, &mut y1);
            (s.axpy)(-1.3, &a, &mut y2);
            for i in 0..n {
                // FMA vs mul+add: one rounding apart
                close(
                    y1[i],
                    y2[i],
                    2.0 * EPS * ((1.3 * a[i]).abs() + b[i].abs()),
                    format_args!("{l:?} axpy n={n} i={i}"),
                );
            }
        }
    }
}

#[test]
fn exp_family_matches_scalar() {
    let mut rng = Rng::new(3);
    for n in lengths() {
        let a: Vec<f32> = rng.vec(n).iter().map(|x| x * 30.0).collect();
        let s = scalar();
        for (l, k) in simd_levels() {
            let (mut e1, mut e2) = (a.clone(), a.clone());
            (k.exp_slice)(&mut e1);
            (s.exp_slice)(&mut e2);
            for i in 0..n {
                // both within 2 ULP of libm
                close(e1[i], e2[i], 4.0 * 2.0 * EPS * e2[i], format_args!("{l:?} exp_slice n={n}"));
            }
            let lse = (s.log_sum_exp)(&a);
            close(
                (k.log_sum_exp)(&a),
                lse,
                8.0 * EPS * lse.abs().max(1.0) + red_tol(n, 1.0),
                format_args!("{l:?} lse n={n}"),
            );
            let (mut p1, mut p2) = (a.clone(), a.clone());
            (k.softmax)(&mut p1);
            (s.softmax)(&mut p2);
            for i in 0..n {
                close(
                    p1[i],
                    p2[i],
                    (n as f32 + 8.0) * 2.0 * EPS * p2[i] + 1e-37,
                    format_args!("{l:?} softmax n={n}"),
                );
            }
            if n > 0 {
                let total: f32 = p1.iter().sum();
                assert!((total - 1.0).abs() <= 2.0 * n as f32 * EPS + 1e-6, "{l:?} softmax sum {total}");
            }
        }
    }
}

/// gemv and gemv_t with row strides, both beta cases; tolerance per output element
/// `|alpha|·red_tol(k, Σ|a x|) + 2·eps·(|alpha·acc| + |beta·y|)`.
#[test]
fn gemv_match_scalar() {
    let mut rng = Rng::new(4);
    let dims: &[(usize, usize)] = if cfg!(miri) {
        &[(0, 0), (1, 1), (3, 5), (5, 17)]
    } else {
        &[(0, 0), (0, 5), (5, 0), (1, 1), (3, 5), (4, 4), (7, 33), (17, 64), (33, 257), (64, 1000), (130, 31)]
    };
    for &(m, n) in dims {
        for pad in [0, 3] {
            let lda = n + pad;
            let a = rng.vec(m * lda);
            let (alpha, beta) = (0.7, -1.1);
            for beta in [0.0, beta] {
                let x = rng.vec(n);
                let y0 = rng.vec(m);
                let s = scalar();
                let mut ys = y0.clone();
                (s.gemv)(m, n, alpha, &a, lda, &x, beta, &mut ys);
                let xt = rng.vec(m);
                let yt0 = rng.vec(n);
                let mut yts = yt0.clone();
                (s.gemv_t)(m, n, alpha, &a, lda, &xt, beta, &mut yts);
                for (l, k) in simd_levels() {
                    let mut y = y0.clone();
                    (k.gemv)(m, n, alpha, &a, lda, &x, beta, &mut y);
                    for i in 0..m {
                        let abs: f32 = (0..n).map(|j| (a[i * lda + j] * x[j]).abs()).sum();
                        let tol = alpha * red_tol(n, abs) + 2.0 * EPS * (alpha * abs + (beta * y0[i]).abs());
                        close(
                            y[i],
                            ys[i],
                            tol,
                            format_args!("{l:?} gemv {m}x{n} lda={lda} beta={beta} i={i}"),
                        );
                    }
                    let mut yt = yt0.clone();
                    (k.gemv_t)(m, n, alpha, &a, lda, &xt, beta, &mut yt);
                    for j in 0..n {
                        let abs: f32 = (0..m).map(|i| (a[i * lda + j] * xt[i]).abs()).sum();
                        let tol =
                            2.0 * (m as f32 + 2.0) * EPS * (alpha * abs + (beta * yt0[j]).abs()) + 1e-30;
                        close(yt[j], yts[j], tol, format_args!("{l:?} gemv_t {m}x{n} beta={beta} j={j}"));
                    }
                }
            }
        }
    }
}

/// Naive f64 reference for gemm.
#[allow(clippy::too_many_arguments)]
fn gemm_ref(
    ta: Trans,
    tb: Trans,
    m: usize,
    n: usize,
    k: usize,
    a: &[f32],
    lda: usize,
    b: &[f32],
    ldb: usize,
) -> (Vec<f64>, Vec<f64>) {
    let (mut s, mut abs) = (vec![0.0; m * n], vec![0.0; m * n]);
    for i in 0..m {
        for j in 0..n {
            for p in 0..k {
                let av = if ta == Trans::No { a[i * lda + p] } else { a[p * lda + i] };
                let bv = if tb == Trans::No { b[p * ldb + j] } else { b[j * ldb + p] };
                s[i * n + j] += f64::from(av) * f64::from(bv);
                abs[i * n + j] += f64::from((av * bv).abs());
            }
        }
    }
    (s, abs)
}

/// gemm for all four transpose cases with padded strides, against scalar and an f64
/// reference: `|C − C_ref| ≤ |alpha|·2·k·eps·Σ_p|a b| + 2·eps·(|alpha·acc| + |beta·c|)`.
#[test]
fn gemm_all_transposes_match() {
    let mut rng = Rng::new(5);
    let dims: &[(usize, usize, usize)] = if cfg!(miri) {
        &[(0, 0, 0), (2, 3, 5), (5, 17, 4)]
    } else {
        &[
            (0, 3, 2),
            (3, 0, 2),
            (3, 2, 0),
            (1, 1, 1),
            (2, 3, 5),
            (5, 17, 4),
            (16, 33, 9),
            (31, 64, 70),
            (8, 100, 257),
        ]
    };
    for &(m, n, k) in dims {
        for ta in [Trans::No, Trans::Yes] {
            for tb in [Trans::No, Trans::Yes] {
                let (ar, ac) = if ta == Trans::No { (m, k) } else { (k, m) };
                let (br, bc) = if tb == Trans::No { (k, n) } else { (n, k) };
                let (lda, ldb, ldc) = (ac + 1, bc + 2, n + 3);
                let a = rng.vec(ar * lda);
                let b = rng.vec(br * ldb);
                let c0 = rng.vec(m * ldc);
                let (r, abs) = gemm_ref(ta, tb, m, n, k, &a, lda, &b, ldb);
                for (alpha, beta) in [(1.0f32, 0.0f32), (-0.6, 1.3)] {
                    for (l, kern) in available_levels().map(|l| (l, Kernels::for_level(l).unwrap())) {
                        let mut c = c0.clone();
                        (kern.gemm)(ta, tb, m, n, k, alpha, &a, lda, &b, ldb, beta, &mut c, ldc);
                        for i in 0..m {
                            for j in 0..ldc {
                                let got = c[i * ldc + j];
                                if j >= n {
                                    assert_eq!(got, c0[i * ldc + j], "{l:?} gemm wrote padding");
                                    continue;
                                }
                                let want = f64::from(alpha) * r[i * n + j]
                                    + f64::from(beta) * f64::from(c0[i * ldc + j]);
                                let tol = f64::from(alpha.abs())
                                    * 2.0
                                    * (k as f64 + 1.0)
                                    * f64::from(EPS)
                                    * abs[i * n + j]
                                    + 2.0
                                        * f64::from(EPS)
                                        * (want.abs() + f64::from((beta * c0[i * ldc + j]).abs()))
                                    + 1e-30;
                                assert!(
                                    (f64::from(got) - want).abs() <= tol,
                                    "{l:?} gemm {ta:?}/{tb:?} {m}x{n}x{k} ({i},{j}): {got} vs {want}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn ger_matches_scalar() {
    let mut rng = Rng::new(6);
    let dims: &[(usize, usize)] = if cfg!(miri) {
        &[(0, 3), (3, 0), (1, 1), (5, 7)]
    } else {
        &[(0, 3), (3, 0), (1, 1), (5, 7), (17, 33), (9, 257)]
    };
    for &(m, n) in dims {
        let lda = n + 2;
        let (x, y, a0) = (rng.vec(m), rng.vec(n), rng.vec(m * lda));
        let mut as_ = a0.clone();
        (scalar().ger)(0.9, &x, &y, &mut as_, lda);
        for (l, k) in simd_levels() {
            let mut a = a0.clone();
            (k.ger)(0.9, &x, &y, &mut a, lda);
            for idx in 0..a.len() {
                let (i, j) = (idx / lda, idx % lda);
                let tol =
                    if j < n { 2.0 * EPS * ((0.9 * x[i] * y[j]).abs() + a0[idx].abs()) * 2.0 } else { 0.0 };
                close(a[idx], as_[idx], tol, format_args!("{l:?} ger {m}x{n} ({i},{j})"));
            }
        }
    }
}

/// Special values behave as documented, identically on every path.
#[test]
fn special_values() {
    let nan = f32::NAN;
    let inf = f32::INFINITY;
    for (l, k) in available_levels().map(|l| (l, Kernels::for_level(l).unwrap())) {
        for n in [1usize, 5, 16, 37] {
            for pos in [0, n / 2, n - 1] {
                let mut v = vec![1.5f32; n];
                v[pos] = nan;
                assert!((k.max)(&v).is_nan(), "{l:?} max NaN n={n} pos={pos}");
                assert!((k.sum)(&v).is_nan(), "{l:?} sum NaN");
                assert!((k.dot)(&v, &v).is_nan(), "{l:?} dot NaN");
                assert!((k.log_sum_exp)(&v).is_nan(), "{l:?} lse NaN");
                let mut s = v.clone();
                (k.softmax)(&mut s);
                assert!(s.iter().all(|x| x.is_nan()), "{l:?} softmax NaN");
                v[pos] = inf;
                assert_eq!((k.max)(&v), inf, "{l:?} max inf");
                assert_eq!((k.log_sum_exp)(&v), inf, "{l:?} lse +inf");
                v[pos] = -inf;
                assert_eq!((k.max)(&v), if n == 1 { -inf } else { 1.5 }, "{l:?} max -inf");
            }
        }
        assert_eq!((k.max)(&[]), f32::NEG_INFINITY, "{l:?}");
        assert_eq!((k.sum)(&[]), 0.0);
        assert_eq!((k.dot)(&[], &[]), 0.0);
        assert_eq!((k.log_sum_exp)(&[]), f32::NEG_INFINITY);
        assert_eq!((k.log_sum_exp)(&[-inf, -inf]), f32::NEG_INFINITY);
        // ±0 and subnormals
        assert_eq!((k.max)(&[-0.0, -0.0, -0.0, -0.0, -0.0]).to_bits(), (-0.0f32).to_bits(), "{l:?} max -0");
        let sub = f32::from_bits(3);
        assert_eq!((k.sum)(&[sub; 9]), f32::from_bits(27), "{l:?} subnormal sum");
        assert_eq!((k.dot)(&[sub; 9], &[1.0; 9]), f32::from_bits(27), "{l:?} subnormal dot");
        let mut e = [-0.0f32, 0.0, sub, -sub, 1.0];
        (k.exp_slice)(&mut e);
        assert_eq!(&e[..4], &[1.0; 4], "{l:?} exp of zeros/subnormals");
        // gemv with beta == 0 ignores NaN in y
        let mut y = [nan; 3];
        (k.gemv)(3, 2, 1.0, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, &[1.0, 1.0], 0.0, &mut y);
        assert_eq!(y, [3.0, 7.0, 11.0], "{l:?} gemv beta=0");
        let mut yt = [nan; 2];
        (k.gemv_t)(3, 2, 1.0, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, &[1.0, 1.0, 1.0], 0.0, &mut yt);
        assert_eq!(yt, [9.0, 12.0], "{l:?} gemv_t beta=0");
        let mut c = [nan; 4];
        (k.gemm)(Trans::No, Trans::No, 2, 2, 1, 1.0, &[1.0, 2.0], 1, &[3.0, 4.0], 2, 0.0, &mut c, 2);
        assert_eq!(c, [3.0, 4.0, 6.0, 8.0], "{l:?} gemm beta=0");
        // softmax of a constant vector is uniform
        let mut s = [2.0f32; 7];
        (k.softmax)(&mut s);
        assert!(s.iter().all(|&p| (p - 1.0 / 7.0).abs() < 1e-7), "{l:?} softmax uniform {s:?}");
        // log_sum_exp of n equal values is v + ln n
        close((k.log_sum_exp)(&[3.0; 10]), 3.0 + 10f32.ln(), 4e-7 * 6.0, format_args!("{l:?} lse const"));
    }
}

/// Mismatched lengths use the common prefix in release builds and trip a debug assertion
/// in debug builds; either way nothing is written out of bounds.
#[test]
#[cfg(not(debug_assertions))]
fn common_prefix_in_release() {
    for (l, k) in available_levels().map(|l| (l, Kernels::for_level(l).unwrap())) {
        let a = [1.0f32; 37];
        let b = [2.0f32; 20];
        assert_eq!((k.dot)(&a, &b), 40.0, "{l:?}");
        let mut out = [0.0f32; 25];
        (k.add)(&a, &b, &mut out);
        assert_eq!(&out[..20], &[3.0; 20]);
        assert_eq!(&out[20..], &[0.0; 5]);
    }
}

/// The crate-root functions use the active table.
#[test]
fn root_functions_dispatch() {
    let a = [1.0f32, 2.0, 3.0];
    assert_eq!(ferrokern_simd::dot(&a, &a), 14.0);
    assert_eq!(ferrokern_simd::sum(&a), 6.0);
    assert_eq!(ferrokern_simd::max(&a), 3.0);
    assert_eq!(ferrokern_simd::argmax(&a), Some(2));
    assert_eq!(ferrokern_simd::norm2(&[3.0, 4.0]), 5.0);
}

/// `exp_affine_sum` / `exp_affine_acc` on every path (scalar included) against an f64
/// reference `e^(a·x + (v + b))`: per term the exponent carries at most three roundings
/// (`u·(|a·x| + |v + b| + |arg|)`, fused or not) plus the exp's 2 ULP; the sum adds the
/// summation-order bound. Tails (lengths not a multiple of the lanes) included.
#[test]
fn exp_affine_matches_f64_reference() {
    let mut rng = Rng::new(17);
    let (a, b) = (-20.0f32, 5.0f32);
    for n in lengths() {
        let x: Vec<f32> = rng.vec(n).iter().map(|t| 0.5 * (t + 1.0)).collect();
        let v: Vec<f32> = rng.vec(n).iter().map(|t| 10.0 * t).collect();
        let acc0: Vec<f32> = rng.vec(n).iter().map(|t| t + 1.5).collect();
        let term = |j: usize| -> (f64, f64) {
            let ax = f64::from(a) * f64::from(x[j]);
            let vb = f64::from(v[j]) + f64::from(b);
            let arg = ax + vb;
            let rel = f64::from(EPS) * (ax.abs() + vb.abs() + arg.abs() + 8.0);
            (arg.exp(), rel)
        };
        let want: f64 = (0..n).map(|j| term(j).0).sum();
        let tol: f64 =
            (0..n).map(|j| term(j).0 * term(j).1).sum::<f64>() + 2.0 * n as f64 * f64::from(EPS) * want;
        for l in available_levels() {
            let k = Kernels::for_level(l).unwrap();
            let got = f64::from((k.exp_affine_sum)(a, &x, &v, b));
            assert!(
                (got - want).abs() <= tol + 1e-30,
                "{l:?} exp_affine_sum n={n}: {got} vs {want} (tol {tol})"
            );
            let mut acc = acc0.clone();
            (k.exp_affine_acc)(a, &x, &v, b, &mut acc);
            for j in 0..n {
                let (e, rel) = term(j);
                let want = f64::from(acc0[j]) + e;
                let tol = e * rel + 2.0 * f64::from(EPS) * want;
                let got = f64::from(acc[j]);
                assert!((got - want).abs() <= tol, "{l:?} exp_affine_acc n={n} j={j}: {got} vs {want}");
            }
        }
    }
    // Padding: terms past the shorter input add nothing; a term whose exponent is -inf is 0.
    for l in available_levels() {
        let k = Kernels::for_level(l).unwrap();
        assert_eq!((k.exp_affine_sum)(1.0, &[0.0; 11], &[0.0; 9], 0.0), 9.0, "{l:?}");
        assert_eq!((k.exp_affine_sum)(1.0, &[0.0; 3], &[f32::NEG_INFINITY; 3], 0.0), 0.0, "{l:?}");
        let mut acc = [0.0f32; 13];
        (k.exp_affine_acc)(0.0, &[0.0; 13], &[0.0; 13], 0.0, &mut acc[..12]);
        assert_eq!(&acc[..12], &[1.0; 12], "{l:?}");
        assert_eq!(acc[12], 0.0, "{l:?} wrote past the accumulator");
        assert!((k.exp_affine_sum)(1.0, &[100.0], &[0.0], 0.0).is_infinite(), "{l:?} overflow");
    }
}

/// `sq_dist_row_2d`: every path gives the scalar path's bits (no FMA, correctly rounded
/// division), and the scalar path is the plain formula evaluated in f32; odd lengths and an
/// `out` shorter than the points included.
#[test]
fn sq_dist_row_2d_same_bits_on_every_path() {
    let mut rng = Rng::new(23);
    for n in lengths() {
        let y = rng.vec(2 * n + 1); // one stray coordinate: not a point
        let p = [rng.f32(), rng.f32()];
        let div = 1.7f32;
        let want: Vec<f32> = y
            .chunks_exact(2)
            .map(|q| {
                let (t0, t1) = (p[0] - q[0], p[1] - q[1]);
                (t0 * t0 + t1 * t1) / div
            })
            .collect();
        for l in available_levels() {
            let k = Kernels::for_level(l).unwrap();
            let mut out = vec![f32::NAN; n + 1];
            (k.sq_dist_row_2d)(p, &y, div, &mut out);
            assert_eq!(&out[..n], &want[..], "{l:?} n={n}");
            assert!(out[n].is_nan(), "{l:?} n={n}: wrote past the points");
            if n > 2 {
                let mut short = vec![0.0f32; n - 2];
                (k.sq_dist_row_2d)(p, &y, div, &mut short);
                assert_eq!(&short[..], &want[..n - 2], "{l:?} short out n={n}");
            }
        }
    }
}
