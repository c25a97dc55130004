//! The blocked `gemv_t` (rows of `A` added four at a time, one pass over `y` per block) on
//! every level: bit-identical to the per-row axpy formulation of the same level (`beta·y`, then
//! one `axpy(alpha·x_i, A[i,:], y)` per row — the arithmetic it replaced), and within the
//! reduction tolerance of the scalar reference; `n` = 0..=257 with odd row counts and strides.
//! The crate-root `gemv_t` (the level `FERROKERN_SIMD` forces, or the best one) is checked
//! the same way.

mod common;
use common::{close, Rng, EPS};
use ferrokern_simd::{available_levels, Kernels, Level};

/// `beta·y` then one axpy per row through the level's own `scale`/`axpy`.
#[allow(clippy::too_many_arguments)]
fn per_row_axpy(
    k: &Kernels,
    m: usize,
    n: usize,
    alpha: f32,
    a: &[f32],
    lda: usize,
    x: &[f32],
    beta: f32,
    y: &mut [f32],
) {
    if beta == 0.0 {
        y.fill(0.0);
    } else if beta != 1.0 {
        (k.scale)(beta, y);
    }
    for (i, &xi) in x.iter().enumerate().take(m) {
        (k.axpy)(alpha * xi, &a[i * lda..i * lda + n], y);
    }
}

type GemvT = fn(usize, usize, f32, &[f32], usize, &[f32], f32, &mut [f32]);

/// Miri interprets every operation: there, a few row counts and lengths around the lane (4, 8,
/// 16) and block sizes instead of all of them.
fn rows(all: &'static [usize]) -> &'static [usize] {
    if cfg!(miri) {
        &[0, 1, 5]
    } else {
        all
    }
}

fn cols() -> Vec<usize> {
    if cfg!(miri) {
        vec![0, 1, 3, 4, 5, 8, 9, 16, 17, 33]
    } else {
        (0..=257).collect()
    }
}

fn check(level: &str, k: &Kernels, gemv_t: GemvT, rng: &mut Rng) {
    let scalar = Kernels::for_level(Level::Scalar).unwrap();
    for &m in rows(&[0, 1, 2, 3, 4, 5, 7, 8, 9, 13]) {
        for n in cols() {
            let lda = n + (m + n) % 3;
            let a = rng.vec(m * lda + 2);
            let x = rng.vec(m);
            for beta in [0.0f32, 1.0, -0.6] {
                let y0 = rng.vec(n);
                let mut got = y0.clone();
                gemv_t(m, n, 0.8, &a, lda, &x, beta, &mut got);
                let mut want = y0.clone();
                per_row_axpy(k, m, n, 0.8, &a, lda, &x, beta, &mut want);
                assert_eq!(
                    got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    "{level} gemv_t {m}x{n} lda={lda} beta={beta}: not bit-identical to per-row axpy"
                );
                let mut reference = y0.clone();
                (scalar.gemv_t)(m, n, 0.8, &a, lda, &x, beta, &mut reference);
                for j in 0..n {
                    let abs: f32 = (0..m).map(|i| (a[i * lda + j] * x[i]).abs()).sum();
                    let tol = 2.0 * (m as f32 + 2.0) * EPS * (0.8 * abs + (beta * y0[j]).abs()) + 1e-30;
                    close(
                        got[j],
                        reference[j],
                        tol,
                        format_args!("{level} gemv_t {m}x{n} beta={beta} j={j}"),
                    );
                }
            }
        }
    }
}

#[test]
fn blocked_gemv_t_every_level() {
    let mut rng = Rng::new(11);
    for l in available_levels() {
        let k = Kernels::for_level(l).unwrap();
        check(&format!("{l:?}"), k, k.gemv_t, &mut rng);
    }
}

#[test]
fn blocked_gemv_t_crate_root_level() {
    let mut rng = Rng::new(12);
    let k = Kernels::active();
    check(&format!("active {:?}", k.level), k, ferrokern_simd::gemv_t, &mut rng);
}

/// `gemv_t_bf16` on every level: bit-identical to the f32 `gemv_t` of the same level on the
/// widened matrix (widening is exact, the arithmetic is the same), and the crate-root form.
#[test]
fn gemv_t_bf16_matches_widened_f32() {
    use ferrokern_simd::bf16;
    let mut rng = Rng::new(13);
    for l in available_levels() {
        let k = Kernels::for_level(l).unwrap();
        for &m in rows(&[0, 1, 3, 4, 5, 9]) {
            for n in cols() {
                let lda = n + m % 2;
                let ab: Vec<bf16> = rng.vec(m * lda + 1).into_iter().map(bf16::from_f32).collect();
                let a: Vec<f32> = ab.iter().map(|v| v.to_f32()).collect();
                let x = rng.vec(m);
                for beta in [0.0f32, -0.6] {
                    let y0 = rng.vec(n);
                    let (mut got, mut want) = (y0.clone(), y0.clone());
                    (k.gemv_t_bf16)(m, n, 0.8, &ab, lda, &x, beta, &mut got);
                    (k.gemv_t)(m, n, 0.8, &a, lda, &x, beta, &mut want);
                    assert_eq!(
                        got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        "{l:?} gemv_t_bf16 {m}x{n} beta={beta}"
                    );
                    if l == ferrokern_simd::active_level() {
                        let mut root = y0.clone();
                        ferrokern_simd::gemv_t_bf16(m, n, 0.8, &ab, lda, &x, beta, &mut root);
                        assert_eq!(root, got);
                    }
                }
            }
        }
    }
}

/// `gemv_t_bf16` across its 4096-column blocks (the SIMD paths split `y` by parity per
/// block): still bit-identical to the f32 `gemv_t` of the same level on the widened matrix.
#[test]
fn gemv_t_bf16_across_column_blocks() {
    use ferrokern_simd::bf16;
    let mut rng = Rng::new(14);
    let shapes: &[(usize, usize)] =
        if cfg!(miri) { &[(1, 4100)] } else { &[(5, 4095), (4, 4096), (7, 4097), (3, 8300)] };
    for l in available_levels() {
        let k = Kernels::for_level(l).unwrap();
        for &(m, n) in shapes {
            let lda = n + 3;
            let ab: Vec<bf16> = rng.vec(m * lda).into_iter().map(bf16::from_f32).collect();
            let a: Vec<f32> = ab.iter().map(|v| v.to_f32()).collect();
            let x = rng.vec(m);
            let y0 = rng.vec(n);
            let (mut got, mut want) = (y0.clone(), y0.clone());
            (k.gemv_t_bf16)(m, n, 0.8, &ab, lda, &x, -0.6, &mut got);
            (k.gemv_t)(m, n, 0.8, &a, lda, &x, -0.6, &mut want);
            assert!(got.iter().zip(&want).all(|(g, w)| g.to_bits() == w.to_bits()), "{l:?} {m}x{n}");
        }
    }
}
