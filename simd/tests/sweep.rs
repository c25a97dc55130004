//! `sweep` / `sweep_bf16` (`kv = A x`, `u = r ⊘ kv`, `y = Aᵀu` in one pass over `A`) on every
//! level: bit-identical to the two-product computation of the same level — `gemv` (`alpha = 1`,
//! `beta = 0`), the elementwise division, `gemv_t` (`alpha = 1`, `beta = 0`) — which is the
//! arithmetic the Sinkhorn scaling loop ran before it was fused. f32 dense, bf16 (the split
//! layout for n ≤ 4096, natural order beyond), f64, and the crate-root forms; shapes with n and
//! m not multiples of 4, 8, 16 and row strides > n; outputs pre-filled with NaN.

mod common;
use common::Rng;
use ferrokern_simd::{available_levels, bf16, Kernels};

fn dims() -> &'static [usize] {
    if cfg!(miri) {
        // Row and column tails of every block width, at the smallest sizes (miri is slow).
        &[3, 17]
    } else {
        &[1, 3, 4, 7, 8, 16, 17, 33, 1000]
    }
}

/// A Sinkhorn-like problem: positive `A` (m × n, stride `lda`), `x`, `r`; with `signed`,
/// entries of both signs (quotients of any size, infinities possible).
fn problem(rng: &mut Rng, m: usize, n: usize, lda: usize, signed: bool) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let pos = |v: f32| if signed { v } else { v.abs() + 1e-3 };
    let a = rng.vec(m * lda + 1).into_iter().map(pos).collect();
    let x = rng.vec(n).into_iter().map(pos).collect();
    let r = rng.vec(m).into_iter().map(pos).collect();
    (a, x, r)
}

fn bits<T: Copy + Into<f64>>(v: &[T]) -> Vec<u64> {
    v.iter().map(|&t| t.into().to_bits()).collect()
}

/// `(kv, u, y)` of the reference: two products and the division in between.
fn two_products(
    m: usize,
    n: usize,
    r: &[f32],
    gemv: impl FnOnce(&mut [f32]),
    gemv_t: impl FnOnce(&[f32], &mut [f32]),
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let (mut kv, mut y) = (vec![f32::NAN; m], vec![f32::NAN; n]);
    gemv(&mut kv);
    let u: Vec<f32> = r.iter().zip(&kv).map(|(&ri, &k)| ri / k).collect();
    gemv_t(&u, &mut y);
    (kv, u, y)
}

type Sweep = fn(usize, usize, &[f32], usize, &[f32], &[f32], &mut [f32], &mut [f32], &mut [f32]);

fn run_sweep(
    sweep: impl FnOnce(&mut [f32], &mut [f32], &mut [f32]),
    m: usize,
    n: usize,
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let (mut kv, mut u, mut y) = (vec![f32::NAN; m], vec![f32::NAN; m], vec![f32::NAN; n]);
    sweep(&mut kv, &mut u, &mut y);
    (kv, u, y)
}

fn assert_same(what: &str, got: &(Vec<f32>, Vec<f32>, Vec<f32>), want: &(Vec<f32>, Vec<f32>, Vec<f32>)) {
    assert_eq!(bits(&got.0), bits(&want.0), "{what}: kv");
    assert_eq!(bits(&got.1), bits(&want.1), "{what}: u");
    assert_eq!(bits(&got.2), bits(&want.2), "{what}: y");
}

#[test]
fn sweep_f32_equals_two_products_every_level() {
    let mut rng = Rng::new(21);
    for level in available_levels() {
        let k = Kernels::for_level(level).unwrap();
        let active = level == ferrokern_simd::active_level();
        for &m in dims() {
            for &n in dims() {
                for (lda, signed) in [(n, false), (n + 3, true)] {
                    let (a, x, r) = problem(&mut rng, m, n, lda, signed);
                    let want = two_products(
                        m,
                        n,
                        &r,
                        |kv| (k.gemv)(m, n, 1.0, &a, lda, &x, 0.0, kv),
                        |u, y| (k.gemv_t)(m, n, 1.0, &a, lda, u, 0.0, y),
                    );
                    let what = format!("{level:?} sweep {m}x{n} lda={lda}");
                    let got = run_sweep(|kv, u, y| (k.sweep)(m, n, &a, lda, &x, &r, kv, u, y), m, n);
                    assert_same(&what, &got, &want);
                    if active {
                        let root: Sweep = ferrokern_simd::sweep;
                        let got = run_sweep(|kv, u, y| root(m, n, &a, lda, &x, &r, kv, u, y), m, n);
                        assert_same(&format!("crate root {what}"), &got, &want);
                    }
                }
            }
        }
    }
}

#[test]
fn sweep_bf16_equals_two_products_every_level() {
    let mut rng = Rng::new(22);
    let shapes: Vec<(usize, usize)> =
        dims().iter().flat_map(|&m| dims().iter().map(move |&n| (m, n))).collect();
    // Beyond the 4096 columns of the split stack buffers: `x` split on the fly, rows added in
    // natural order, against `gemv_t_bf16`'s 4096-column blocks.
    // Under miri (≈ 20 s per case of this size) one case on the active level: a four-row block
    // beyond 4096 columns, with a row stride > n (the remainder rows: the small shapes).
    let big: &[(usize, usize)] =
        if cfg!(miri) { &[(4, 4097)] } else { &[(5, 4095), (4, 4096), (7, 4097), (6, 8300)] };
    for level in available_levels() {
        let k = Kernels::for_level(level).unwrap();
        let active = level == ferrokern_simd::active_level();
        let big = if active || !cfg!(miri) { big } else { &[] };
        for &(m, n) in shapes.iter().chain(big) {
            let ldas =
                if n > 4096 && cfg!(miri) { &[(n + 3, true)][..] } else { &[(n, false), (n + 3, true)][..] };
            for &(lda, signed) in ldas {
                let (a, x, r) = problem(&mut rng, m, n, lda, signed);
                let ab: Vec<bf16> = a.iter().map(|&v| bf16::from_f32(v)).collect();
                let want = two_products(
                    m,
                    n,
                    &r,
                    |kv| (k.gemv_bf16)(m, n, 1.0, &ab, lda, &x, 0.0, kv),
                    |u, y| (k.gemv_t_bf16)(m, n, 1.0, &ab, lda, u, 0.0, y),
                );
                let what = format!("{level:?} sweep_bf16 {m}x{n} lda={lda}");
                let got = run_sweep(|kv, u, y| (k.sweep_bf16)(m, n, &ab, lda, &x, &r, kv, u, y), m, n);
                assert_same(&what, &got, &want);
                if active {
                    let got = run_sweep(
                        |kv, u, y| ferrokern_simd::sweep_bf16(m, n, &ab, lda, &x, &r, kv, u, y),
                        m,
                        n,
                    );
                    assert_same(&format!("crate root {what}"), &got, &want);
                }
            }
        }
    }
}

#[test]
fn sweep_f64_equals_two_products() {
    use ferrokern_simd::f64 as k;
    let mut rng = Rng::new(23);
    for &m in dims() {
        for &n in dims() {
            for (lda, signed) in [(n, false), (n + 3, true)] {
                let (a, x, r) = problem(&mut rng, m, n, lda, signed);
                let wide = |v: Vec<f32>| -> Vec<f64> { v.into_iter().map(|t| f64::from(t) * 1.1).collect() };
                let (a, x, r) = (wide(a), wide(x), wide(r));
                let mut kv = vec![f64::NAN; m];
                k::gemv(m, n, 1.0, &a, lda, &x, 0.0, &mut kv);
                let u: Vec<f64> = r.iter().zip(&kv).map(|(&ri, &kk)| ri / kk).collect();
                let mut y = vec![f64::NAN; n];
                k::gemv_t(m, n, 1.0, &a, lda, &u, 0.0, &mut y);
                let (mut gkv, mut gu, mut gy) = (vec![f64::NAN; m], vec![f64::NAN; m], vec![f64::NAN; n]);
                k::sweep(m, n, &a, lda, &x, &r, &mut gkv, &mut gu, &mut gy);
                let what = format!("f64 sweep {m}x{n} lda={lda}");
                assert_eq!(bits(&gkv), bits(&kv), "{what}: kv");
                assert_eq!(bits(&gu), bits(&u), "{what}: u");
                assert_eq!(bits(&gy), bits(&y), "{what}: y");
            }
        }
    }
}
