//! Zero sizes and zero strides never panic (no division by a zero chunk size or stride) on
//! every available path: `lda = 0` / `ldc = 0` with empty rows, and `lda = 0` with `n > 0`
//! (every row aliases row 0, so `y[i] = Σ_j a_j x_j`, a closed form). Short dot/sum lengths
//! around the 4-wide chunks (0..=9) against the naive sum of small integers (exact in f32).

use ferrokern_simd::{available_levels, scalar, Kernels, Trans};

#[test]
fn zero_strides_and_sizes_do_not_panic() {
    for level in available_levels() {
        let k = Kernels::for_level(level).unwrap();
        // Empty rows with stride 0: y = beta·y.
        let mut y = [1.0f32, 2.0, 3.0];
        (k.gemv)(3, 0, 1.0, &[], 0, &[], 2.0, &mut y);
        assert_eq!(y, [2.0, 4.0, 6.0], "{level:?} gemv n = 0, lda = 0");
        let mut y: [f32; 0] = [];
        (k.gemv_t)(3, 0, 1.0, &[], 0, &[1.0, 1.0, 1.0], 0.0, &mut y);
        // Stride 0 with n = 2: every row is [1, 2], x = [3, 4] → 11.
        let mut y = [0.0f32; 5];
        (k.gemv)(5, 2, 1.0, &[1.0, 2.0], 0, &[3.0, 4.0], 0.0, &mut y);
        assert_eq!(y, [11.0; 5], "{level:?} gemv lda = 0");
        // gemm with k = 0 and every leading dimension 0: C = beta·C (no columns: nothing).
        let mut c: [f32; 0] = [];
        (k.gemm)(Trans::No, Trans::No, 2, 0, 0, 1.0, &[], 0, &[], 0, 0.0, &mut c, 0);
        let mut a: [f32; 0] = [];
        (k.ger)(1.0, &[1.0, 2.0], &[], &mut a, 0);
        // Lengths 0..=9 around the 4-wide chunks: exact integer sums.
        for n in 0..=9usize {
            let x: Vec<f32> = (1..=n).map(|i| i as f32).collect();
            let ones = vec![1.0f32; n];
            let want = (n * (n + 1) / 2) as f32;
            assert_eq!((k.dot)(&x, &ones), want, "{level:?} dot n = {n}");
            assert_eq!((k.sum)(&x), want, "{level:?} sum n = {n}");
            assert_eq!(scalar::dot4([&x, &x, &ones, &ones], &ones), [want, want, n as f32, n as f32]);
        }
    }
}
