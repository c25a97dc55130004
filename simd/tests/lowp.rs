//! f16/bf16: conversions on every path against `half`'s scalar conversions (bit-exact except
//! NaN payloads), round trips, and dot/gemv on every path against the scalar path and an
//! f64 reference.

mod common;
use common::{close, lengths, Rng, EPS};
use ferrokern_simd::{available_levels, bf16, f16, Kernels, Level};

fn kernels() -> Vec<(Level, &'static Kernels)> {
    available_levels().map(|l| (l, Kernels::for_level(l).unwrap())).collect()
}

/// Interesting f32 inputs: specials, f16 boundaries (max, overflow, subnormals, ties).
fn specials() -> Vec<f32> {
    let mut v = vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        -f32::NAN,
        f32::from_bits(0x7f80_0001), // signalling NaN
        65504.0,
        65519.99,
        65520.0,
        -65520.0,
        1e6,
        6.1035156e-5, // f16 MIN_POSITIVE
        5.9604645e-8, // smallest f16 subnormal
        2.9802322e-8, // half of it: tie → 0
        2.9802326e-8, // just above the tie → smallest subnormal
        1e-10,
        f32::from_bits(1),
        f32::MAX,
        f32::MIN_POSITIVE,
        1.0 + f32::EPSILON,
        1.000_488_3, // 1 + 2^-11: tie to even
        1.001_464_8, // 1 + 3·2^-11: tie to even (up)
        3.389_530_8e38,
    ];
    // bf16 ties
    v.extend([
        f32::from_bits(0x3f80_8000),
        f32::from_bits(0x3f81_8000),
        f32::from_bits(0x3f80_8001),
        f32::from_bits(0x7f7f_ffff),
    ]);
    v
}

fn same_bits_or_nan16(got: u16, want: u16, nan: bool, what: impl Fn() -> String) {
    if nan {
        assert!(
            got & 0x7fff > 0x7c00 || (got & 0x7f80 == 0x7f80 && got & 0x7f != 0),
            "{}: want NaN, got {got:#06x}",
            what()
        );
    } else {
        assert_eq!(got, want, "{}: {got:#06x} vs {want:#06x}", what());
    }
}

#[test]
fn conversions_match_half_every_path() {
    let mut rng = Rng::new(11);
    for n in lengths() {
        let mut src: Vec<f32> = (0..n).map(|_| rng.f32() * 70000.0 * rng.f32().powi(6)).collect();
        for (i, s) in specials().into_iter().enumerate() {
            if i < n {
                src[(i * 7) % n] = s;
            }
        }
        for (l, k) in kernels() {
            let mut h = vec![f16::ZERO; n];
            (k.f32_to_f16)(&src, &mut h);
            let mut b = vec![bf16::ZERO; n];
            (k.f32_to_bf16)(&src, &mut b);
            let mut back = vec![0.0f32; n];
            let mut backb = vec![0.0f32; n];
            (k.f16_to_f32)(&h, &mut back);
            (k.bf16_to_f32)(&b, &mut backb);
            for i in 0..n {
                let x = src[i];
                let what = || format!("{l:?} n={n} i={i} x={x:e}");
                same_bits_or_nan16(h[i].to_bits(), f16::from_f32(x).to_bits(), x.is_nan(), || {
                    format!("f32_to_f16 {}", what())
                });
                same_bits_or_nan16(b[i].to_bits(), bf16::from_f32(x).to_bits(), x.is_nan(), || {
                    format!("f32_to_bf16 {}", what())
                });
                let want = h[i].to_f32();
                if want.is_nan() {
                    assert!(back[i].is_nan(), "f16_to_f32 {}", what());
                } else {
                    assert_eq!(back[i].to_bits(), want.to_bits(), "f16_to_f32 {}", what());
                }
                let wantb = b[i].to_f32();
                if wantb.is_nan() {
                    assert!(backb[i].is_nan(), "bf16_to_f32 {}", what());
                } else {
                    assert_eq!(backb[i].to_bits(), wantb.to_bits(), "bf16_to_f32 {}", what());
                }
            }
        }
    }
}

/// Every binary16 bit pattern widens exactly (and NaN stays NaN) on every path, and every
/// finite one round-trips through f32 unchanged.
#[test]
fn all_f16_patterns_round_trip() {
    let step = if cfg!(miri) { 4099 } else { 1 };
    let h: Vec<f16> = (0..=u16::MAX).step_by(step).map(f16::from_bits).collect();
    for (l, k) in kernels() {
        let mut f = vec![0.0f32; h.len()];
        (k.f16_to_f32)(&h, &mut f);
        let mut h2 = vec![f16::ZERO; h.len()];
        (k.f32_to_f16)(&f, &mut h2);
        for i in 0..h.len() {
            if h[i].is_nan() {
                assert!(f[i].is_nan() && h2[i].is_nan(), "{l:?} {:#06x}", h[i].to_bits());
            } else {
                assert_eq!(f[i].to_bits(), h[i].to_f32().to_bits(), "{l:?} widen {:#06x}", h[i].to_bits());
                assert_eq!(h2[i].to_bits(), h[i].to_bits(), "{l:?} round trip {:#06x}", h[i].to_bits());
            }
        }
        let b: Vec<bf16> = (0..=u16::MAX).step_by(step).map(bf16::from_bits).collect();
        let mut fb = vec![0.0f32; b.len()];
        (k.bf16_to_f32)(&b, &mut fb);
        let mut b2 = vec![bf16::ZERO; b.len()];
        (k.f32_to_bf16)(&fb, &mut b2);
        for i in 0..b.len() {
            if b[i].is_nan() {
                assert!(fb[i].is_nan() && b2[i].is_nan(), "{l:?} bf16 {:#06x}", b[i].to_bits());
            } else {
                assert_eq!(fb[i].to_bits(), u32::from(b[i].to_bits()) << 16, "{l:?} bf16 widen");
                assert_eq!(b2[i].to_bits(), b[i].to_bits(), "{l:?} bf16 round trip");
            }
        }
    }
}

/// `widen_f16_le` reads the little-endian halves of any byte slice (every start offset mod 4,
/// lengths around its blocks of eight, an odd byte left over, a shorter or longer output)
/// and widens exactly what `half` reads from the same bytes; outputs past the common length
/// are untouched.
#[test]
fn widen_f16_le_reads_little_endian_halves() {
    let bytes: Vec<u8> = (0u32..2 * 40 + 6).map(|k| (k.wrapping_mul(0x9e37_79b9) >> 13) as u8).collect();
    for offset in 0..4 {
        for len in 0..=40usize {
            for (src_len, dst_len) in
                [(2 * len, len), (2 * len + 1, len), (2 * len, len + 3), (2 * len + 2, len)]
            {
                let src = &bytes[offset..offset + src_len];
                let mut out = vec![-7.0f32; dst_len];
                ferrokern_simd::widen_f16_le(src, &mut out);
                for (i, &got) in out.iter().enumerate() {
                    if i < len.min(src_len / 2).min(dst_len) {
                        let want = f16::from_le_bytes([src[2 * i], src[2 * i + 1]]).to_f32();
                        assert!(
                            got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                            "offset {offset} len {len} value {i}: {got} vs {want}"
                        );
                    } else if i >= src_len / 2 {
                        assert_eq!(got, -7.0, "offset {offset} len {len}: value {i} past the input written");
                    }
                }
            }
        }
    }
}

/// dot_f16 against an f64 reference of the widened values:
/// `|got − ref| ≤ 2·n·eps·Σ|a b|` on every path.
#[test]
fn dot_f16_matches_reference() {
    let mut rng = Rng::new(12);
    for n in lengths() {
        let a: Vec<f16> = (0..n).map(|_| f16::from_f32(rng.f32() * 4.0)).collect();
        let b = rng.vec(n);
        let r: f64 = a.iter().zip(&b).map(|(x, y)| f64::from(x.to_f32()) * f64::from(*y)).sum();
        let abs: f32 = a.iter().zip(&b).map(|(x, y)| (x.to_f32() * y).abs()).sum();
        for (l, k) in kernels() {
            close(
                (k.dot_f16)(&a, &b),
                r as f32,
                2.0 * (n as f32 + 1.0) * EPS * abs + 1e-30,
                format_args!("{l:?} dot_f16 n={n}"),
            );
        }
    }
}

/// gemv_f16 / gemv_bf16 with strides, both beta cases, against f64 references.
#[test]
fn gemv_lowp_matches_reference() {
    let mut rng = Rng::new(13);
    let dims: &[(usize, usize)] = if cfg!(miri) {
        &[(0, 0), (3, 5), (5, 17)]
    } else {
        &[
            (0, 0),
            (1, 1),
            (3, 5),
            (4, 8),
            (6, 45),
            (5, 60),
            (7, 33),
            (17, 64),
            (33, 257),
            (64, 1000),
            (5, 4100),
        ]
    };
    for &(m, n) in dims {
        let lda = n + 5;
        let af: Vec<f32> = rng.vec(m * lda);
        let a16: Vec<f16> = af.iter().map(|&v| f16::from_f32(v)).collect();
        let ab: Vec<bf16> = af.iter().map(|&v| bf16::from_f32(v)).collect();
        let x = rng.vec(n);
        let y0 = rng.vec(m);
        for beta in [0.0f32, 0.5] {
            for (l, k) in kernels() {
                let mut y = y0.clone();
                (k.gemv_f16)(m, n, 1.5, &a16, lda, &x, beta, &mut y);
                let mut yb = y0.clone();
                (k.gemv_bf16)(m, n, 1.5, &ab, lda, &x, beta, &mut yb);
                for i in 0..m {
                    for (got, w) in [(y[i], 0), (yb[i], 1)] {
                        let val = |j: usize| {
                            if w == 0 {
                                a16[i * lda + j].to_f32()
                            } else {
                                ab[i * lda + j].to_f32()
                            }
                        };
                        let r: f64 = (0..n).map(|j| f64::from(val(j)) * f64::from(x[j])).sum();
                        let abs: f32 = (0..n).map(|j| (val(j) * x[j]).abs()).sum();
                        let want = 1.5 * r + f64::from(beta * y0[i]);
                        let tol = 1.5 * 2.0 * (n as f32 + 2.0) * EPS * abs
                            + 2.0 * EPS * (beta * y0[i]).abs()
                            + 1e-30;
                        close(
                            got,
                            want as f32,
                            tol,
                            format_args!("{l:?} gemv_{} {m}x{n} beta={beta} i={i}", ["f16", "bf16"][w]),
                        );
                    }
                }
            }
        }
    }
}
