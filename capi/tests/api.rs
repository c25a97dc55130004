//! The C ABI called from Rust: status mapping, pointer checks, and canary tails (outputs are
//! written only where documented: sentinels around every output survive).

use std::ffi::CStr;
use std::ptr;

use ferrokern::Error;
use ferrokern_capi::*;

const SENTINEL: f32 = -7.25e30;

/// A buffer of `n` values between two sentinel tails of 4.
fn canary(values: &[f32]) -> Vec<f32> {
    let mut v = vec![SENTINEL; values.len() + 8];
    v[4..4 + values.len()].copy_from_slice(values);
    v
}

fn tails_intact(v: &[f32]) -> bool {
    v[..4].iter().chain(&v[v.len() - 4..]).all(|&x| x == SENTINEL)
}

#[test]
fn every_error_variant_has_its_status() {
    let cases = [
        (Error::DimensionMismatch { what: "x", expected: 1, found: 2 }, fk_status::FK_ERR_DIMENSION_MISMATCH),
        (Error::NonFinite { what: "x", index: 0 }, fk_status::FK_ERR_NON_FINITE),
        (Error::InvalidParameter { name: "x", reason: "r" }, fk_status::FK_ERR_INVALID_PARAMETER),
        (Error::WorkspaceTooSmall { needed: 2, given: 1 }, fk_status::FK_ERR_WORKSPACE_TOO_SMALL),
        (Error::SizeOverflow, fk_status::FK_ERR_SIZE_OVERFLOW),
        (Error::NotConverged { iterations: 1, residual: 1.0 }, fk_status::FK_ERR_NOT_CONVERGED),
        (Error::NumericalFailure { what: "x" }, fk_status::FK_ERR_NUMERICAL_FAILURE),
        (Error::Model { reason: "r", offset: 0 }, fk_status::FK_ERR_MODEL),
    ];
    for (e, s) in cases {
        assert_eq!(fk_status::from(e), s, "{e}");
    }
    let names: Vec<&str> =
        (0..=12).map(|i| unsafe { CStr::from_ptr(fk_status_str(i)) }.to_str().unwrap()).collect();
    assert_eq!(names[0], "ok");
    assert_eq!(names[12], "unknown status");
    let distinct: std::collections::HashSet<_> = names.iter().collect();
    assert_eq!(distinct.len(), names.len(), "one name per status");
}

#[test]
fn gemv_and_softmax_write_only_their_outputs() {
    let a = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2 × 3
    let x = [1.0f32, 0.0, -1.0];
    let mut y = canary(&[10.0, 20.0]);
    let s = unsafe { fk_gemv_f32(FK_NO_TRANS, 2, 3, 1.0, a.as_ptr(), x.as_ptr(), 0.5, y[4..].as_mut_ptr()) };
    assert_eq!(s, fk_status::FK_OK);
    assert_eq!(&y[4..6], &[1.0 - 3.0 + 5.0, 4.0 - 6.0 + 10.0]);
    assert!(tails_intact(&y));

    let mut z = canary(&[0.0, 0.0, 0.0, 0.0]);
    assert_eq!(unsafe { fk_softmax_f32(z[4..].as_mut_ptr(), 4) }, fk_status::FK_OK);
    assert_eq!(&z[4..8], &[0.25; 4]);
    assert!(tails_intact(&z));
}

#[test]
fn pointer_checks_come_before_any_write() {
    let x = [1.0f32; 4];
    let mut r = 5.0f32;
    assert_eq!(unsafe { fk_dot_f32(ptr::null(), x.as_ptr(), 4, &mut r) }, fk_status::FK_ERR_NULL_POINTER);
    assert_eq!(
        unsafe { fk_dot_f32(x.as_ptr(), x.as_ptr(), 4, ptr::null_mut()) },
        fk_status::FK_ERR_NULL_POINTER
    );
    assert_eq!(r, 5.0);
    // `result` inside an input.
    let mut buf = [1.0f32; 4];
    let p = buf.as_mut_ptr();
    assert_eq!(unsafe { fk_dot_f32(p, p, 4, p.wrapping_add(2)) }, fk_status::FK_ERR_OVERLAP);
    assert_eq!(buf, [1.0; 4]);
    // Byte lengths beyond isize::MAX are refused before any slice is made.
    let s = unsafe { fk_dot_f32(x.as_ptr(), x.as_ptr(), usize::MAX / 2, &mut r) };
    assert_eq!(s, fk_status::FK_ERR_SIZE_OVERFLOW);
}

#[test]
fn failed_optimizer_step_changes_nothing() {
    let cfg = fk_diffgrad_config_default();
    let mut p = canary(&[1.0, 2.0]);
    let mut state = canary(&[0.0; 6]);
    let mut step = 3u64;
    let g = [1.0f32, f32::NAN];
    let s = unsafe {
        fk_diffgrad_step_f32(cfg, p[4..].as_mut_ptr(), g.as_ptr(), 2, state[4..].as_mut_ptr(), 6, &mut step)
    };
    assert_eq!(s, fk_status::FK_ERR_NON_FINITE);
    assert_eq!((&p[4..6], &state[4..10], step), (&[1.0f32, 2.0][..], &[0.0f32; 6][..], 3));
    // State aliasing the parameters is refused.
    let mut both = [0.0f32; 8];
    let q = both.as_mut_ptr();
    let s = unsafe { fk_diffgrad_step_f32(cfg, q, g.as_ptr(), 2, q.wrapping_add(1), 6, &mut step) };
    assert_eq!(s, fk_status::FK_ERR_OVERLAP);
    // A good step writes params and state only, and counts.
    let g = [0.5f32, -0.5];
    let s = unsafe {
        fk_diffgrad_step_f32(cfg, p[4..].as_mut_ptr(), g.as_ptr(), 2, state[4..].as_mut_ptr(), 6, &mut step)
    };
    assert_eq!((s, step), (fk_status::FK_OK, 4));
    assert!(p[4] < 1.0 && p[5] > 2.0 && tails_intact(&p) && tails_intact(&state));
}

#[test]
fn lasso_not_converged_keeps_a_valid_iterate_and_report() {
    // 3 × 2 correlated design, one sweep with an unreachable tolerance.
    let x = [1.0f32, 0.9, 0.5, 0.6, -1.0, -0.8];
    let y = [1.0f32, 0.5, -1.0];
    let mut w = canary(&[0.0, 0.0]);
    let mut work = canary(&[0.0; 9]);
    let mut index = [0usize; 2];
    let mut rep = fk_lasso_report { objective: 0.0, gap: 0.0, iterations: 0, converged: 7 };
    let s = unsafe {
        fk_lasso_cd_f32(
            x.as_ptr(),
            y.as_ptr(),
            3,
            2,
            0.01,
            1,
            1e-30,
            w[4..].as_mut_ptr(),
            work[4..].as_mut_ptr(),
            fk_lasso_work_len(3, 2),
            index.as_mut_ptr(),
            2,
            &mut rep,
        )
    };
    assert_eq!(s, fk_status::FK_ERR_NOT_CONVERGED);
    assert_eq!((rep.iterations, rep.converged), (2, 0));
    assert!(rep.objective.is_finite() && rep.objective < 0.5 * (1.0 + 0.25 + 1.0) / 3.0, "{rep:?}");
    assert!(w[4] != 0.0 && tails_intact(&w) && tails_intact(&work));
}

#[test]
fn model_info_rejects_junk_and_empty() {
    let mut info = fk_model_info { kind: 0, inputs: 0, outputs: 0, work_len: 0 };
    let junk = [0u8; 64];
    assert_eq!(unsafe { fk_model_info_f32(junk.as_ptr(), 64, 1, &mut info) }, fk_status::FK_ERR_MODEL);
    assert_eq!(unsafe { fk_model_info_f32(ptr::null(), 0, 1, &mut info) }, fk_status::FK_ERR_MODEL);
    assert_eq!(info.kind, 0);
}
