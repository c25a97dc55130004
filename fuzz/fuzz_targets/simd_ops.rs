//! Fuzzes the `ferrokern-simd` slice kernels on the active SIMD path with fuzzer-chosen
//! lengths (mismatched ones too: the crate documents that in release builds only the common
//! prefix is used, and that nothing is read or written out of bounds, which AddressSanitizer
//! checks here), strides and raw float bits. Outputs live in sentinel-padded buffers whose
//! sentinels must survive.
#![no_main]

mod common;

use common::Input;
use ferrokern_simd as simd;
use libfuzzer_sys::fuzz_target;

const PAD: usize = 4;
const SENTINEL: u32 = 0x7fa5_a5a5;

fn padded(v: &[f32]) -> Vec<f32> {
    let mut b = vec![f32::from_bits(SENTINEL); v.len() + 2 * PAD];
    b[PAD..PAD + v.len()].copy_from_slice(v);
    b
}

fn check(b: &[f32], len: usize) {
    for (i, v) in b[..PAD].iter().chain(&b[PAD + len..]).enumerate() {
        assert_eq!(v.to_bits(), SENTINEL, "sentinel {i} overwritten");
    }
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let op = inp.u8();
    let (la, lb) = (inp.size(40), inp.size(40));
    let a: Vec<f32> = (0..la).map(|_| if inp.bool() { inp.f32_bits() } else { inp.small() as f32 }).collect();
    let b: Vec<f32> = (0..lb).map(|_| inp.small() as f32).collect();
    let alpha = inp.f32_bits();
    let mut out = padded(&b);
    let n = b.len();
    let o = &mut out[PAD..PAD + n];
    match op % 16 {
        0 => {
            let _ = simd::dot(&a, &b);
        }
        1 => simd::axpy(alpha, &a, o),
        2 => simd::scale(alpha, o),
        3 => simd::add(&a, &b.clone(), o),
        4 => simd::sub(&a, &b.clone(), o),
        5 => simd::mul(&a, &b.clone(), o),
        6 => {
            let _ = (simd::sum(&a), simd::max(&a), simd::argmax(&a), simd::norm2(&a), simd::log_sum_exp(&a));
        }
        7 => simd::exp_slice(o),
        8 => simd::softmax(o),
        9 | 10 => {
            // y = alpha·A·x (+ beta·y) with a consistent or fuzzer-chosen shape
            let (m, k) = (inp.size(8), inp.size(8));
            let lda = k + inp.size(2);
            let need = if m == 0 { 0 } else { (m - 1) * lda + k };
            if a.len() >= need && b.len() >= k {
                let (x, y) = (&b[..k], &mut out[PAD..PAD + n]);
                let ylen = if op % 16 == 9 { m } else { k };
                let xv = if op % 16 == 9 { x.to_vec() } else { b[..m.min(n)].to_vec() };
                if y.len() >= ylen && xv.len() == if op % 16 == 9 { k } else { m } {
                    let y = &mut y[..ylen];
                    if op % 16 == 9 {
                        simd::gemv(m, k, alpha, &a, lda, &xv, 0.5, y);
                    } else {
                        simd::gemv_t(m, k, alpha, &a, lda, &xv, 0.5, y);
                    }
                }
            }
        }
        11 => {
            let (m, nn, k) = (inp.size(5), inp.size(5), inp.size(5));
            let ta = if inp.bool() { simd::Trans::Yes } else { simd::Trans::No };
            let tb = if inp.bool() { simd::Trans::Yes } else { simd::Trans::No };
            let (ar, ac) = if ta == simd::Trans::No { (m, k) } else { (k, m) };
            let (br, bc) = if tb == simd::Trans::No { (k, nn) } else { (nn, k) };
            let ldc = nn + inp.size(2);
            let av: Vec<f32> = (0..ar * ac).map(|i| a.get(i).copied().unwrap_or(1.0)).collect();
            let bv: Vec<f32> = (0..br * bc).map(|i| b.get(i).copied().unwrap_or(-1.0)).collect();
            let clen = if m == 0 { 0 } else { (m - 1) * ldc + nn };
            let mut c = padded(&vec![0.5; clen]);
            simd::gemm(ta, tb, m, nn, k, alpha, &av, ac, &bv, bc, 0.0, &mut c[PAD..PAD + clen], ldc);
            check(&c, clen);
        }
        12 => {
            let lda = n + inp.size(2);
            let rows = a.len().min(6);
            let alen = if rows == 0 { 0 } else { (rows - 1) * lda + n };
            let mut am = padded(&vec![1.0; alen]);
            simd::ger(alpha, &a[..rows], &b, &mut am[PAD..PAD + alen], lda);
            check(&am, alen);
        }
        13 => {
            let mut h = vec![simd::f16::from_bits(0); a.len()];
            simd::f32_to_f16(&a, &mut h);
            let _ = simd::dot_f16(&h, &a);
            let mut back = padded(&vec![0.0; a.len()]);
            simd::f16_to_f32(&h, &mut back[PAD..PAD + a.len()]);
            check(&back, a.len());
        }
        14 => {
            let mut h = vec![simd::bf16::from_bits(0); a.len()];
            simd::f32_to_bf16(&a, &mut h);
            let mut back = padded(&vec![0.0; a.len()]);
            simd::bf16_to_f32(&h, &mut back[PAD..PAD + a.len()]);
            check(&back, a.len());
        }
        _ => {
            let mut y = b.iter().map(|&v| f64::from(v)).collect::<Vec<_>>();
            let x: Vec<f64> = a.iter().map(|&v| f64::from(v)).collect();
            simd::f64::exp_slice(&mut y);
            let _ = simd::f64::dot(&x, &y);
        }
    }
    check(&out, n);
});
