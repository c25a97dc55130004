//! The crate's own f32 `exp` and `ln`: pure Rust, plain multiply/add only (no fused
//! multiply-add, no tables), so a Cortex-M4F and the host produce the same bits.
//!
//! The constants here are shared by the vectorised `exp_slice` paths (which evaluate the same
//! polynomial, with FMA where the ISA has it).

/// `log2(e)` rounded to f32.
pub(crate) const LOG2E: f32 = core::f32::consts::LOG2_E;
/// High part of `ln 2` with 9 significant bits, so `n · LN2_HI` is exact for `|n| < 2^15`.
pub(crate) const LN2_HI: f32 = 0.693_359_4;
/// `ln 2 − LN2_HI` rounded to f32.
pub(crate) const LN2_LO: f32 = -2.121_944_4e-4;
/// `1.5 · 2^23`: adding it rounds a float of magnitude < 2^22 to an integer (ties to even) and
/// leaves that integer in the low mantissa bits.
pub(crate) const ROUND_MAGIC: f32 = 12_582_912.0;
/// `ROUND_MAGIC + 127`: `y + POW2N_MAGIC` rounds `y` to an integer `n` as `ROUND_MAGIC` does,
/// and the low 9 bits of the sum are `n + 127`, the biased exponent of `2^n` — so the sum's
/// bits shifted left by 23 are `2^n` (`Lanes::pow2n`, one shift).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(crate) const POW2N_MAGIC: f32 = 12_583_039.0;
/// Degree-5 polynomial `p(r) ≈ e^r` on `|r| ≤ ln2/2` (relative error ≤ 9.2e-8, a
/// Lawson-weighted least-squares minimax fit; constant term exactly 1).
pub(crate) const EXP_C: [f32; 5] = [0.999_999_7, 0.499_991_5, 0.166_676_37, 0.041_897_975, 0.008_290_306];
/// Below this the result underflows to +0 (`e^x < 2^-150`); the slow path clamps here.
pub(crate) const EXP_LO: f32 = -104.0;
/// Above this the result overflows to +inf; the slow path clamps here (`e^89 > f32::MAX`).
pub(crate) const EXP_HI: f32 = 89.0;
/// Clamp of the vector `one_plus_exp_neg_v` (`e^x` for `x ≥` this): `round(x·log2 e) ≥ −126`,
/// so `2^n` is one normal f32 (e^−87 ≈ 1.6e−38).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(crate) const EXP_NORMAL_LO: f32 = -87.0;

/// `2^n` for `-126 ≤ n ≤ 127`, built from the exponent field.
#[inline(always)]
fn pow2i(n: i32) -> f32 {
    f32::from_bits((n.wrapping_add(127) as u32) << 23)
}

/// Range reduction and polynomial: returns `(p, n)` with `e^x ≈ p · 2^n`, `p ∈ [0.7, 1.42]`,
/// meaningful for `|x| < 2^21` (other inputs give an out-of-range `n`, never UB).
#[inline(always)]
fn exp_reduce(x: f32) -> (f32, i32) {
    let t = x * LOG2E + ROUND_MAGIC;
    let n = t.to_bits().wrapping_sub(ROUND_MAGIC.to_bits()) as i32;
    let nf = t - ROUND_MAGIC;
    let r = (x - nf * LN2_HI) - nf * LN2_LO;
    let [c1, c2, c3, c4, c5] = EXP_C;
    let p = ((((c5 * r + c4) * r + c3) * r + c2) * r + c1) * r + 1.0;
    (p, n)
}

/// `e^x` for f32, this crate's own implementation (plain mul/add, no FMA, no table).
///
/// Method: `n = round(x·log2 e)` by the `1.5·2^23` trick, Cody–Waite reduction
/// `r = x − n·ln2` (two-part `ln 2`), a degree-5 polynomial on `|r| ≤ ln2/2`, and scaling by
/// `2^n` built in the exponent bits; one integer range check on `n` sends NaN, infinities,
/// overflow and deep underflow to a cold path. On Cortex-M4F (`thumbv7em-none-eabihf`) this
/// function compiles to 28 instructions per element in a loop; `exp_slice` runs the same
/// operations in FPU assembly there, 17.5 per element (`vfp.rs`).
///
/// Accuracy: ≤ 2 ULP against `libm::expf` over `[-87.33, 88.72]` (normal results; measured
/// maximum 2 ULP on a sweep of every 97th f32 in the range, see `tests/exp_ln.rs`).
///
/// Special values:
/// - NaN → NaN; `+inf` → `+inf`; `-inf` → `+0`; `±0` → exactly `1`.
/// - `x > 88.7228` (result above `f32::MAX`) → `+inf`.
/// - `-103.97 < x < -87.34`: subnormal result, gradual underflow (absolute error ≤ 2^-149
///   plus the polynomial's relative error); `x ≤ -103.98` → `+0`.
/// - subnormal `x` → 1.
#[inline]
#[must_use]
pub fn exp_f32(x: f32) -> f32 {
    let (p, n) = exp_reduce(x);
    // Fast path: n ∈ [-126, 127] (|x| ≲ 87.3), where 2^n is normal and `p·2^n` rounds once.
    // NaN, ±inf and |x·log2e| ≥ 2^22 leave garbage in `n` far outside this range.
    if (n.wrapping_add(126) as u32) <= 253 {
        p * pow2i(n)
    } else {
        exp_edge(x)
    }
}

/// Slow path of [`exp_f32`]: NaN, infinities, overflow and (gradual) underflow.
#[cold]
#[inline(never)]
fn exp_edge(x: f32) -> f32 {
    if x.is_nan() {
        return x + x;
    }
    let xc = x.clamp(EXP_LO, EXP_HI);
    let (p, n) = exp_reduce(xc);
    // n ∈ [-150, 128]: two normal factors, so the only rounding is the last multiply.
    let n1 = n >> 1;
    p * pow2i(n1) * pow2i(n - n1)
}

/// `ln x` for f32, this crate's own implementation (plain mul/add plus one division).
///
/// Method: `x = 2^k · m` with `m ∈ [√½, √2)` from the exponent bits, `f = m − 1`,
/// `s = f/(2+f)`, and `ln(1+f) = f − f²/2 + s·(f²/2 + R(s²))` with `R` the first four terms of
/// the `atanh` series; then `+ k·ln2` in two parts.
///
/// Accuracy: ≤ 2 ULP against `libm::logf` for all positive finite inputs, subnormals included
/// (measured maximum 1 ULP on a sweep of every 97th positive f32, see `tests/exp_ln.rs`).
///
/// Special values: `ln(±0) = -inf`; `ln(1) = +0`; negative `x` (incl. `-inf`) → NaN;
/// `ln(+inf) = +inf`; NaN → NaN.
#[inline]
#[must_use]
pub fn ln_f32(x: f32) -> f32 {
    let mut bits = x.to_bits();
    let mut k: i32 = 0;
    if !(0x0080_0000..0x7f80_0000).contains(&bits) {
        // zero, subnormal, negative, inf or NaN
        if x == 0.0 {
            return f32::NEG_INFINITY;
        }
        if bits >= 0x7f80_0000 {
            // +inf stays, NaN stays NaN, negatives (sign bit set) are NaN.
            return if bits == 0x7f80_0000 {
                x
            } else if x.is_nan() {
                x + x
            } else {
                f32::NAN
            };
        }
        // positive subnormal: scale by 2^25
        bits = (x * 33_554_432.0).to_bits();
        k = -25;
    }
    // Shift so that the mantissa is split at √2: m ∈ [√½, √2).
    let ix = bits.wrapping_add(0x3f80_0000 - 0x3f35_04f3);
    k += (ix >> 23) as i32 - 127;
    let m = f32::from_bits((ix & 0x007f_ffff) + 0x3f35_04f3);
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let r = z * (LN_C[0] + z * (LN_C[1] + z * (LN_C[2] + z * LN_C[3])));
    let hfsq = 0.5 * f * f;
    let kf = k as f32;
    kf * LN2_HI - ((hfsq - (s * (hfsq + r) + kf * LN2_LO)) - f)
}

/// `atanh` series terms `2/3, 2/5, 2/7, 2/9` of `(ln((1+s)/(1-s)) - 2s)/s` in powers of `s²`.
const LN_C: [f32; 4] = [0.666_666_7, 0.4, 0.285_714_3, 0.222_222_22];
