//! `Real::sweep` / `Real::sweep_bf16` (the one-pass kernel sweep of the scaling solvers:
//! `kv = K v`, `u = a ⊘ kv`, `ktu = Kᵀu`) against the two-product computation it replaced —
//! `Real::gemv` (`alpha = 1`, `beta = 0`), the elementwise division, `Real::gemv_t` — bit for
//! bit, for f32 (SIMD dispatch) and f64 (scalar; its bf16 form is composed in `ferrokern`), on
//! shapes whose sides are not multiples of 4, 8 or 16. The solvers' iteration counts against POT
//! (`ot_pot.rs`) and the spec checks (`ot_spec.rs`) cover the loop built on it.

use ferrokern::rng::Pcg32;
use ferrokern::Real;
use ferrokern_simd::bf16;

const DIMS: [usize; 6] = [1, 3, 7, 17, 33, 1000];

/// Positive entries in [0.001, 1.001) (a Gibbs kernel and scalings are positive).
fn positive<T: Real>(rng: &mut Pcg32, len: usize) -> Vec<T> {
    (0..len).map(|_| T::from_f64(rng.next_f64() + 1e-3)).collect()
}

fn bits<T: Real>(v: &[T]) -> Vec<u64> {
    v.iter().map(|t| t.to_f64().to_bits()).collect()
}

type Outputs<T> = (Vec<T>, Vec<T>, Vec<T>);

fn sweep_out<T: Real>(m: usize, n: usize, run: impl FnOnce(&mut [T], &mut [T], &mut [T])) -> Outputs<T> {
    let (mut kv, mut u, mut ktu) = (vec![T::ZERO; m], vec![T::ZERO; m], vec![T::ZERO; n]);
    run(&mut kv, &mut u, &mut ktu);
    (kv, u, ktu)
}

fn two_products<T: Real>(
    m: usize,
    n: usize,
    a: &[T],
    mul: impl FnOnce(&mut [T]),
    mul_t: impl FnOnce(&[T], &mut [T]),
) -> Outputs<T> {
    let (mut kv, mut ktu) = (vec![T::ZERO; m], vec![T::ZERO; n]);
    mul(&mut kv);
    let u: Vec<T> = a.iter().zip(&kv).map(|(&ai, &k)| ai / k).collect();
    mul_t(&u, &mut ktu);
    (kv, u, ktu)
}

fn same<T: Real>(what: &str, got: &Outputs<T>, want: &Outputs<T>) {
    assert_eq!(bits(&got.0), bits(&want.0), "{what}: K v");
    assert_eq!(bits(&got.1), bits(&want.1), "{what}: u");
    assert_eq!(bits(&got.2), bits(&want.2), "{what}: Kᵀu");
}

fn check<T: Real>(seed: u64) {
    let mut rng = Pcg32::seed(seed);
    for m in DIMS {
        for n in DIMS {
            let (k, v, a) =
                (positive::<T>(&mut rng, m * n), positive::<T>(&mut rng, n), positive::<T>(&mut rng, m));
            let what = format!("{} {m}x{n}", T::NAME);
            let want = two_products(
                m,
                n,
                &a,
                |kv| T::gemv(m, n, T::ONE, &k, n, &v, T::ZERO, kv),
                |u, ktu| T::gemv_t(m, n, T::ONE, &k, n, u, T::ZERO, ktu),
            );
            let got = sweep_out(m, n, |kv, u, ktu| T::sweep(m, n, &k, n, &v, &a, kv, u, ktu));
            same(&format!("{what} dense"), &got, &want);

            let kb: Vec<bf16> = k.iter().map(|x| bf16::from_f32(x.to_f32())).collect();
            let want = two_products(
                m,
                n,
                &a,
                |kv| T::gemv_bf16(m, n, T::ONE, &kb, n, &v, T::ZERO, kv),
                |u, ktu| T::gemv_t_bf16(m, n, T::ONE, &kb, n, u, T::ZERO, ktu),
            );
            let got = sweep_out(m, n, |kv, u, ktu| T::sweep_bf16(m, n, &kb, n, &v, &a, kv, u, ktu));
            same(&format!("{what} bf16"), &got, &want);
        }
    }
}

#[test]
fn sweep_f32_is_gemv_division_gemv_t() {
    check::<f32>(31);
}

#[test]
fn sweep_f64_is_gemv_division_gemv_t() {
    check::<f64>(32);
}
