//! The f64 `dot`/`axpy` (AVX2+FMA when the active level allows, scalar otherwise) against naive
//! loops written here, for every length 0..=67 (all chunk/tail splits) and unaligned starts.

use ferrokern_simd::f64 as k;

fn data(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

#[test]
fn f64_dot_and_axpy_match_naive_loops() {
    for n in 0..=67 {
        for off in 0..3 {
            let a = data(n + off, n as u64 + 1);
            let b = data(n + off, 1000 + n as u64);
            let (a, b) = (&a[off..], &b[off..]);
            let naive: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
            let scale: f64 = a.iter().zip(b).map(|(x, y)| (x * y).abs()).sum::<f64>().max(1e-300);
            let got = k::dot(a, b);
            assert!((got - naive).abs() <= 1e-14 * scale, "dot n={n} off={off}: {got} vs {naive}");
            let mut y = b.to_vec();
            k::axpy(-0.75, a, &mut y);
            for i in 0..n {
                let want = b[i] - 0.75 * a[i];
                assert!((y[i] - want).abs() <= 1e-15 * (b[i].abs() + a[i].abs()), "axpy n={n} i={i}");
            }
        }
    }
}
