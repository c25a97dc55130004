//! The fused optimizer pass: one read of params, gradients and optimizer state, one write.
//!
//! Every optimizer of `ferrokern::optim` (diffGrad in both ε placements, Adam, AdamW, SGD with
//! momentum/Nesterov) is a [`Rule`]: per-step coefficients the caller precomputes (bias
//! corrections, step size, gradient scale from clipping), so the element loop has no `powf`.
//! The loop exists once, generic over the compute type ([`Float`]: f32/f64) and over the
//! storage of the moments ([`Storage`]: the compute type itself, or `bf16`/`f16` with f32
//! compute, which halves optimizer memory); its lane-parallel form once, generic over the ISA
//! and the moment storage.
//!
//! Element update of [`AdamRule`] (diffGrad spec §2; `ε_eff` and `step_size` encode the ε mode):
//! ```text
//! g  = grad_scale·grad + weight_decay·θ          (coupled L2)
//! θ  = decay·θ                                    (decoupled, AdamW; decay = 1 − lr·wd)
//! m  = β1·m + (1−β1)·g ;  v = β2·v + (1−β2)·g²
//! ξ  = 1/(1+e^(−|prev − g|)) ; prev = g          (diffGrad only; 1 for Adam)
//! θ −= step_size · ξ · m / (√v + ε_eff)
//! ```
//! Lengths: `params`, `grads`, and every non-empty state slice must have the same length; a
//! mismatch is a caller bug (`debug_assert!`), release builds use the common prefix.

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
use crate::lanes::{one_plus_exp_neg_v, Lanes};
use crate::scalar::Float;
use half::{bf16, f16};

/// How optimizer state is stored: the compute type itself or a 16-bit float.
pub trait Storage<T: Copy>: Copy {
    /// Widens a stored value to the compute type.
    fn load(self) -> T;
    /// Rounds a compute value to storage (round to nearest even for bf16/f16).
    fn store(x: T) -> Self;
    /// The level's fused Adam-family pass over f32 params with moments stored as `Self`
    /// (f32, bf16, f16); `None` for other compute types.
    fn adam_kernel(k: &crate::Kernels) -> Option<AdamFn<Self>> {
        let _ = k;
        None
    }
}

impl Storage<f32> for f32 {
    #[inline(always)]
    fn load(self) -> f32 {
        self
    }
    #[inline(always)]
    fn store(x: f32) -> Self {
        x
    }
    fn adam_kernel(k: &crate::Kernels) -> Option<AdamFn<Self>> {
        Some(k.adam_f32)
    }
}

impl Storage<f64> for f64 {
    #[inline(always)]
    fn load(self) -> f64 {
        self
    }
    #[inline(always)]
    fn store(x: f64) -> Self {
        x
    }
}

/// 16-bit storage with f32 compute: `$ty`'s own scalar conversions per element, and the
/// level's fused pass with these moments (`Kernels::$adam`, converting in registers).
macro_rules! half_storage {
    ($ty:ty, $widen:path, $adam:ident) => {
        impl Storage<f32> for $ty {
            #[inline(always)]
            fn load(self) -> f32 {
                $widen(self)
            }
            #[inline(always)]
            fn store(x: f32) -> Self {
                <$ty>::from_f32(x)
            }
            fn adam_kernel(k: &crate::Kernels) -> Option<AdamFn<Self>> {
                Some(k.$adam)
            }
        }
    };
}

half_storage!(bf16, bf16::to_f32, adam_bf16);
half_storage!(f16, crate::lowp::widen_f16, adam_f16);

/// Moment storage the lane loop reads and writes in registers: f32 directly, bf16/f16 widened
/// on load and rounded to nearest even on store (the bits of [`Storage::load`]/[`Storage::store`]).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(crate) trait LaneIo: Storage<f32> {
    /// Loads `L::N` values widened to f32. Safety: CPU supports `L`, `N` valid elements at `p`.
    unsafe fn load_lanes<L: Lanes>(p: *const Self) -> L::V;
    /// Stores `L::N` values rounded to `Self`. Safety: as [`LaneIo::load_lanes`].
    unsafe fn store_lanes<L: Lanes>(p: *mut Self, v: L::V);
}

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
impl LaneIo for f32 {
    #[inline(always)]
    unsafe fn load_lanes<L: Lanes>(p: *const Self) -> L::V {
        // SAFETY: forwarded contract.
        unsafe { L::load(p) }
    }
    #[inline(always)]
    unsafe fn store_lanes<L: Lanes>(p: *mut Self, v: L::V) {
        // SAFETY: forwarded contract.
        unsafe { L::store(p, v) }
    }
}

/// [`LaneIo`] for a 16-bit float through the ISA's own load/store of its bit patterns.
macro_rules! half_lane_io {
    ($ty:ty, $load:ident, $store:ident) => {
        #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
        impl LaneIo for $ty {
            #[inline(always)]
            unsafe fn load_lanes<L: Lanes>(p: *const Self) -> L::V {
                // SAFETY: forwarded contract; the type is a transparent `u16`.
                unsafe { L::$load(p.cast()) }
            }
            #[inline(always)]
            unsafe fn store_lanes<L: Lanes>(p: *mut Self, v: L::V) {
                // SAFETY: forwarded contract; the type is a transparent `u16`.
                unsafe { L::$store(p.cast(), v) }
            }
        }
    };
}

half_lane_io!(bf16, load_bf16, store_bf16);
half_lane_io!(f16, load_f16, store_f16);

/// Per-step coefficients of the Adam family (Adam, AdamW, diffGrad).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamRule<T> {
    /// β1.
    pub beta1: T,
    /// 1 − β1.
    pub one_minus_beta1: T,
    /// β2.
    pub beta2: T,
    /// 1 − β2.
    pub one_minus_beta2: T,
    /// Multiplier of `m/(√v + ε_eff)`: `lr·√(1−β2^t)/(1−β1^t)`.
    pub step_size: T,
    /// ε added to the *uncorrected* `√v` (Torch mode: ε; paper mode: ε·√(1−β2^t)).
    pub eps: T,
    /// Gradient multiplier (global-norm clipping; 1 otherwise).
    pub grad_scale: T,
    /// Coupled L2 coefficient added to the gradient (0 for none).
    pub weight_decay: T,
    /// Decoupled decay factor applied to θ before the update (1 for none).
    pub decay: T,
}

/// Per-step coefficients of SGD with momentum (PyTorch form, no dampening):
/// `g = s·grad + wd·θ; b = μ·b + g; θ −= lr·(nesterov ? g + μ·b : b)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdRule<T> {
    /// Learning rate.
    pub lr: T,
    /// Momentum μ (0 = plain SGD).
    pub momentum: T,
    /// Nesterov look-ahead.
    pub nesterov: bool,
    /// Gradient multiplier (global-norm clipping; 1 otherwise).
    pub grad_scale: T,
    /// Coupled L2 coefficient.
    pub weight_decay: T,
}

/// One optimizer step's coefficients.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule<T> {
    /// Adam / AdamW (state: `m`, `v`; `prev` empty).
    Adam(AdamRule<T>),
    /// diffGrad (state: `m`, `v`, `prev`).
    DiffGrad(AdamRule<T>),
    /// SGD with momentum (state: `m` = momentum buffer; `v`, `prev` empty).
    Sgd(SgdRule<T>),
}

#[inline(always)]
fn abs<T: Float>(x: T) -> T {
    if x < T::ZERO {
        T::ZERO - x
    } else {
        x
    }
}

/// First half of the Adam-family element update: the gradient with coupled decay, the new
/// moments (stored), and for diffGrad `−|prev − g|` (prev updated; 0 for Adam). Returns
/// `(m_t, v_t, −|Δg|)`.
#[inline(always)]
fn adam_moments<T: Float, S: Storage<T>>(
    c: &AdamRule<T>,
    theta: T,
    grad: T,
    m: &mut S,
    v: &mut S,
    prev: Option<&mut S>,
) -> (T, T, T) {
    let g = c.grad_scale * grad + c.weight_decay * theta;
    let mt = c.beta1 * m.load() + c.one_minus_beta1 * g;
    let vt = c.beta2 * v.load() + c.one_minus_beta2 * (g * g);
    *m = S::store(mt);
    *v = S::store(vt);
    let neg_a = match prev {
        Some(q) => {
            let a = abs(q.load() - g);
            *q = S::store(g);
            T::ZERO - a
        }
        None => T::ZERO,
    };
    (mt, vt, neg_a)
}

/// ξ = σ(a) = 1/(1 + e^(−a)) from `e = e^(−a)`; a = |Δg| ≥ 0 so e ≤ 1, no overflow (spec §1).
#[inline(always)]
fn friction<T: Float>(e: T) -> T {
    T::ONE / (T::ONE + e)
}

/// Second half: `θ = decay·θ − step_size·ξ·m_t/denom`.
#[inline(always)]
fn adam_apply<T: Float>(c: &AdamRule<T>, theta: T, mt: T, denom: T, xi: T) -> T {
    c.decay * theta - c.step_size * xi * mt / denom
}

/// The Adam-family element update; `prev` is `Some` for diffGrad.
#[inline(always)]
fn adam_element<T: Float, S: Storage<T>>(
    c: &AdamRule<T>,
    p: &mut T,
    grad: T,
    m: &mut S,
    v: &mut S,
    prev: Option<&mut S>,
) {
    let diffgrad = prev.is_some();
    let (mt, vt, neg_a) = adam_moments(c, *p, grad, m, v, prev);
    let xi = if diffgrad { friction(neg_a.exp()) } else { T::ONE };
    *p = adam_apply(c, *p, mt, vt.sqrt() + c.eps, xi);
}

/// The Adam-family fused pass, lane-parallel, with moments stored as `S` (f32, bf16, f16): the
/// element update above on `L::N` elements at a time (diffGrad when `prev` is non-empty), in
/// the same operation order, so Adam gives the same bits as [`step`] (IEEE `+ − × ÷ √` per
/// lane, the same widening and rounding of the moments). diffGrad differs by a few ulp of each
/// update and one rounding of each moment: ξ's denominator `1 + e^(−|Δg|)` comes from
/// `one_plus_exp_neg_v` (about 1 ulp), ξ's division is folded into the update's, and the
/// moments are fused multiply-adds (on ISAs with FMA) — a shorter dependency chain, which is
/// what this loop's speed depends on. Elements after the last full
/// vector go through [`step`]. One read and one write of every array, everything else in
/// registers. Returns whether every updated parameter is finite (as [`step`]).
///
/// # Safety
/// The CPU must support `L` (the caller is a `#[target_feature]` table entry).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[inline(always)]
pub(crate) unsafe fn adam_lanes<L: Lanes, S: LaneIo>(
    c: &AdamRule<f32>,
    params: &mut [f32],
    grads: &[f32],
    m: &mut [S],
    v: &mut [S],
    prev: &mut [S],
) -> bool {
    // Without clipping or decay (the common step) `grad_scale·g + 0·θ` is `g` and `1·θ` is θ:
    // a loop without those three multiplies and their constants keeps more of the exp's
    // constants in registers (the loop is bound by how many iterations the CPU keeps in flight).
    // For finite params the bits are the same as [`step`]'s, but for the sign of a zero gradient
    // stored in `prev` (a NaN/inf θ reaches the moments through `0·θ` only in the full form).
    let plain = c.grad_scale == 1.0 && c.weight_decay == 0.0 && c.decay == 1.0;
    // SAFETY: CPU support from the caller.
    unsafe {
        if plain {
            adam_lanes_by::<L, S, true>(c, params, grads, m, v, prev)
        } else {
            adam_lanes_by::<L, S, false>(c, params, grads, m, v, prev)
        }
    }
}

/// From this many parameters on (1 MB per f32 array, beyond L2) the lane loop prefetches.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
const PREFETCH_FROM: usize = 1 << 18;
/// How far ahead, in elements: 1 KB of each f32 stream. Measured at 1e7 parameters (Zen 3,
/// interleaved rounds): diffGrad's pass 1.01–1.29 → 0.92–0.95 ns/param, Adam's 0.70–0.75 →
/// 0.64–0.67; 4 KB ahead was slower than none. The hardware prefetchers keep 5 read and 4
/// write streams fed less well on their own.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
const PREFETCH_AHEAD: usize = 256;

/// [`adam_lanes`] with `PLAIN` = (grad_scale, weight_decay, decay) known to be (1, 0, 1).
///
/// # Safety
/// As [`adam_lanes`].
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[inline(always)]
unsafe fn adam_lanes_by<L: Lanes, S: LaneIo, const PLAIN: bool>(
    c: &AdamRule<f32>,
    params: &mut [f32],
    grads: &[f32],
    m: &mut [S],
    v: &mut [S],
    prev: &mut [S],
) -> bool {
    let diffgrad = !prev.is_empty();
    let mut n = params.len().min(grads.len()).min(m.len()).min(v.len());
    if diffgrad {
        n = n.min(prev.len());
    }
    let full = n - n % L::N;
    let k = |x: f32| L::splat(x);
    let r = LaneRule {
        grad_scale: k(c.grad_scale),
        weight_decay: k(c.weight_decay),
        decay: k(c.decay),
        step_size: k(c.step_size),
        eps: k(c.eps),
        beta1: k(c.beta1),
        one_minus_beta1: k(c.one_minus_beta1),
        beta2: k(c.beta2),
        one_minus_beta2: k(c.one_minus_beta2),
    };
    let s = Streams {
        params: params.as_mut_ptr(),
        grads: grads.as_ptr(),
        m: m.as_mut_ptr(),
        v: v.as_mut_ptr(),
        prev: diffgrad.then_some(prev.as_mut_ptr()),
        prefetch: full >= PREFETCH_FROM,
    };
    // SAFETY: (whole block) every vector starts at `i ≤ full − N`, so `N` elements behind it are
    // in bounds of each slice (all have ≥ n ≥ full elements; `prev` only when non-empty); the
    // slices do not alias (distinct `&mut`); CPU support from the caller.
    let lanes_finite = unsafe {
        // Σθ is finite when every θ is (NaN and ±inf propagate); a sum of huge finite θ can
        // overflow, so a non-finite sum is confirmed by reading the params (rare).
        let mut sum = L::splat(0.0);
        // Two vectors per iteration, both gradient stages first: diffGrad's ξ chain of the
        // second overlaps the first's update (5–9 % faster at 1e6 parameters than one at a time).
        let mut i = 0;
        while i + 2 * L::N <= full {
            let a = gradient_stage::<L, S, PLAIN>(&r, &s, i);
            let b = gradient_stage::<L, S, PLAIN>(&r, &s, i + L::N);
            sum = L::add(sum, update_stage::<L, S, PLAIN>(&r, &s, i, a));
            sum = L::add(sum, update_stage::<L, S, PLAIN>(&r, &s, i + L::N, b));
            i += 2 * L::N;
        }
        if i < full {
            let a = gradient_stage::<L, S, PLAIN>(&r, &s, i);
            sum = L::add(sum, update_stage::<L, S, PLAIN>(&r, &s, i, a));
        }
        L::hsum(sum).is_finite() || params.get(..full).unwrap_or_default().iter().all(|x| x.is_finite())
    };
    let rule = if diffgrad { Rule::DiffGrad(*c) } else { Rule::Adam(*c) };
    let qt = if diffgrad { tail(prev, full, n) } else { &mut [] };
    let (pt, mt, vt) = (tail(params, full, n), tail(m, full, n), tail(v, full, n));
    let tail_finite = step(&rule, pt, grads.get(full..n).unwrap_or_default(), mt, vt, qt);
    lanes_finite & tail_finite
}

/// An [`AdamRule`] splatted into lanes.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
struct LaneRule<V> {
    grad_scale: V,
    weight_decay: V,
    decay: V,
    step_size: V,
    eps: V,
    beta1: V,
    one_minus_beta1: V,
    beta2: V,
    one_minus_beta2: V,
}

/// The arrays of the fused pass (`prev` for diffGrad only), and whether to prefetch.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
struct Streams<S> {
    params: *mut f32,
    grads: *const f32,
    m: *mut S,
    v: *mut S,
    prev: Option<*mut S>,
    prefetch: bool,
}

/// First stage of the vector at `i`: prefetches (once per 64-byte line of each f32 stream),
/// loads θ and g, applies the clipping scale and coupled decay, and for diffGrad stores g into
/// `prev` and computes ξ's denominator `1 + e^(−|Δg|)` (1 for Adam). Returns `(θ, g, ξ_den)`.
///
/// # Safety
/// `N` elements at `i` are in bounds of every stream; the CPU supports `L`.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[inline(always)]
unsafe fn gradient_stage<L: Lanes, S: LaneIo, const PLAIN: bool>(
    r: &LaneRule<L::V>,
    s: &Streams<S>,
    i: usize,
) -> (L::V, L::V, L::V) {
    // SAFETY: (whole body) from the caller; prefetch addresses past the end are harmless (no
    // dereference).
    unsafe {
        if s.prefetch && i.is_multiple_of(16) {
            // moments in 16 bits: every other hint is a repeat of the line
            let at = i + PREFETCH_AHEAD;
            L::prefetch(s.params.wrapping_add(at));
            L::prefetch(s.grads.wrapping_add(at));
            L::prefetch(s.m.wrapping_add(at));
            L::prefetch(s.v.wrapping_add(at));
            if let Some(q) = s.prev {
                L::prefetch(q.wrapping_add(at));
            }
        }
        let theta = L::load(s.params.add(i));
        let g = if PLAIN {
            L::load(s.grads.add(i))
        } else {
            L::add(L::mul(r.grad_scale, L::load(s.grads.add(i))), L::mul(r.weight_decay, theta))
        };
        let xi_den = match s.prev {
            Some(q) => {
                let d = L::sub(S::load_lanes::<L>(q.add(i)), g);
                S::store_lanes::<L>(q.add(i), g);
                one_plus_exp_neg_v::<L>(L::abs(d))
            }
            None => L::splat(1.0),
        };
        (theta, g, xi_den)
    }
}

/// Second stage of the vector at `i`: the moments (stored), the update and the new θ (stored,
/// and returned).
///
/// # Safety
/// As [`gradient_stage`].
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[inline(always)]
unsafe fn update_stage<L: Lanes, S: LaneIo, const PLAIN: bool>(
    r: &LaneRule<L::V>,
    s: &Streams<S>,
    i: usize,
    (theta, g, xi_den): (L::V, L::V, L::V),
) -> L::V {
    // SAFETY: (whole body) from the caller.
    unsafe {
        let (m0, v0) = (S::load_lanes::<L>(s.m.add(i)), S::load_lanes::<L>(s.v.add(i)));
        let gg = L::mul(g, g);
        // diffGrad is not bit-identical to the element loop anyway (ξ): fused moments, one
        // operation and one rounding fewer on the path to √v.
        let (mt, vt) = if s.prev.is_some() {
            (
                L::fmadd(r.beta1, m0, L::mul(r.one_minus_beta1, g)),
                L::fmadd(r.beta2, v0, L::mul(r.one_minus_beta2, gg)),
            )
        } else {
            (
                L::add(L::mul(r.beta1, m0), L::mul(r.one_minus_beta1, g)),
                L::add(L::mul(r.beta2, v0), L::mul(r.one_minus_beta2, gg)),
            )
        };
        S::store_lanes::<L>(s.m.add(i), mt);
        S::store_lanes::<L>(s.v.add(i), vt);
        let denom = L::add(L::sqrt(vt), r.eps);
        // ξ·m/denom with ξ = 1/(1 + e^(−|Δg|)) as one division (one rounding fewer than the
        // element loop: within the tolerance above, and a divide less per lane). Adam keeps the
        // element loop's `(step·1)·m/denom` (the same bits as diffGrad's form with ξ_den = 1,
        // but one expression for both measured ≈ 8 % slower for diffGrad at 1e6).
        let upd = if s.prev.is_some() {
            L::div(L::mul(r.step_size, mt), L::mul(xi_den, denom))
        } else {
            L::div(L::mul(L::mul(r.step_size, L::splat(1.0)), mt), denom)
        };
        let decayed = if PLAIN { theta } else { L::mul(r.decay, theta) };
        let new = L::sub(decayed, upd);
        L::store(s.params.add(i), new);
        new
    }
}

/// `s[from..to]`, empty when out of range.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn tail<E>(s: &mut [E], from: usize, to: usize) -> &mut [E] {
    s.get_mut(from..to).unwrap_or_default()
}

/// The Adam-family pass of one SIMD level (a [`crate::Kernels`] entry) over f32 params with
/// moments stored as `S`: Adam when `prev` is empty, else diffGrad. Returns whether every
/// updated parameter is finite.
pub type AdamFn<S> = fn(&AdamRule<f32>, &mut [f32], &[f32], &mut [S], &mut [S], &mut [S]) -> bool;

/// [`AdamFn`] with f32 moments.
pub type AdamF32Fn = AdamFn<f32>;

/// The scalar level's [`AdamFn`]: [`step`].
pub fn adam_scalar<S: Storage<f32>>(
    c: &AdamRule<f32>,
    params: &mut [f32],
    grads: &[f32],
    m: &mut [S],
    v: &mut [S],
    prev: &mut [S],
) -> bool {
    let rule = if prev.is_empty() { Rule::Adam(*c) } else { Rule::DiffGrad(*c) };
    step(&rule, params, grads, m, v, prev)
}

/// `acc + 0·x`: 0·x is ±0 for finite x and NaN for ±inf/NaN, so a sum started at 0 stays 0
/// exactly when every x is finite (the lane loop does the same per lane).
#[inline(always)]
fn add_if_not_finite<T: Float>(acc: T, x: T) -> T {
    acc + T::ZERO * x
}

/// Applies one step of `rule` to `params` in place: the fused pass.
///
/// State slices by rule: Adam `m`, `v` (len n), `prev` empty; DiffGrad `m`, `v`, `prev`
/// (len n); Sgd `m` (len n), `v` and `prev` empty. Reads every input once and writes params
/// and state once. No check of the inputs here (`ferrokern::optim` scans the gradients
/// first); returns whether every updated parameter is finite, found in the same pass (an
/// update of finite inputs can still overflow). O(n) time, no extra memory.
#[must_use]
pub fn step<T: Float, S: Storage<T>>(
    rule: &Rule<T>,
    params: &mut [T],
    grads: &[T],
    m: &mut [S],
    v: &mut [S],
    prev: &mut [S],
) -> bool {
    debug_assert_eq!(params.len(), grads.len());
    debug_assert_eq!(params.len(), m.len());
    let mut bad = T::ZERO;
    match rule {
        Rule::Adam(c) => {
            debug_assert_eq!(params.len(), v.len());
            for (((p, &g), mi), vi) in params.iter_mut().zip(grads).zip(m.iter_mut()).zip(v.iter_mut()) {
                adam_element(c, p, g, mi, vi, None);
                bad = add_if_not_finite(bad, *p);
            }
        }
        Rule::DiffGrad(c) => {
            debug_assert_eq!(params.len(), v.len());
            debug_assert_eq!(params.len(), prev.len());
            let elems = params.iter_mut().zip(grads).zip(m.iter_mut()).zip(v.iter_mut()).zip(prev.iter_mut());
            for ((((p, &g), mi), vi), qi) in elems {
                adam_element(c, p, g, mi, vi, Some(qi));
                bad = add_if_not_finite(bad, *p);
            }
        }
        Rule::Sgd(c) => {
            for ((p, &grad), bi) in params.iter_mut().zip(grads).zip(m.iter_mut()) {
                let g = c.grad_scale * grad + c.weight_decay * *p;
                let b = c.momentum * bi.load() + g;
                *bi = S::store(b);
                let d = if c.nesterov { g + c.momentum * b } else { b };
                *p = *p - c.lr * d;
                bad = add_if_not_finite(bad, *p);
            }
        }
    }
    bad == T::ZERO
}

/// f32 fused step on the active SIMD level: Adam and diffGrad through the level's
/// [`Storage::adam_kernel`] (`Kernels::adam_f32`/`adam_bf16`/`adam_f16`: `adam_lanes` on SIMD
/// levels, with 16-bit moments widened and rounded in registers; [`step`] on the scalar level,
/// Cortex-M and forced scalar), SGD through [`step`]. Adam gives the same bits on every level;
/// diffGrad differs from the scalar path by a few ulp per update (see `adam_lanes`). Returns
/// whether every updated parameter is finite.
#[inline]
#[must_use]
pub fn step_f32<S: Storage<f32>>(
    rule: &Rule<f32>,
    params: &mut [f32],
    grads: &[f32],
    m: &mut [S],
    v: &mut [S],
    prev: &mut [S],
) -> bool {
    match (rule, S::adam_kernel(crate::Kernels::active())) {
        (Rule::Adam(c), Some(adam)) => adam(c, params, grads, m, v, &mut []),
        (Rule::DiffGrad(c), Some(adam)) => adam(c, params, grads, m, v, prev),
        _ => step(rule, params, grads, m, v, prev),
    }
}

/// f64 fused step (scalar path). Returns whether every updated parameter is finite.
#[inline]
#[must_use]
pub fn step_f64(
    rule: &Rule<f64>,
    params: &mut [f64],
    grads: &[f64],
    m: &mut [f64],
    v: &mut [f64],
    prev: &mut [f64],
) -> bool {
    step(rule, params, grads, m, v, prev)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adam_rule(step_size: f64) -> AdamRule<f64> {
        AdamRule {
            beta1: 0.9,
            one_minus_beta1: 0.1,
            beta2: 0.999,
            one_minus_beta2: 1.0 - 0.999,
            step_size,
            eps: 1e-8,
            grad_scale: 1.0,
            weight_decay: 0.0,
            decay: 1.0,
        }
    }

    #[test]
    fn first_adam_step_moves_by_lr_sign() {
        // t = 1: step_size = lr·√(1−β2)/(1−β1), m = 0.1 g, √v = √0.001 |g| → Δθ = −lr·sign(g).
        let lr = 1e-3;
        let c = adam_rule(lr * (1.0f64 - 0.999).sqrt() / 0.1);
        let mut p = [1.0, -2.0];
        let (mut m, mut v) = ([0.0; 2], [0.0; 2]);
        assert!(step(&Rule::Adam(c), &mut p, &[3.0, -0.5], &mut m, &mut v, &mut []));
        assert!((p[0] - (1.0 - lr)).abs() < 1e-9);
        assert!((p[1] - (-2.0 + lr)).abs() < 1e-9);
    }

    #[test]
    fn diffgrad_halves_adam_for_constant_gradient() {
        let c = adam_rule(1e-2);
        let (mut pa, mut pd) = ([0.0f64; 1], [0.0f64; 1]);
        let (mut ma, mut va, mut md, mut vd, mut q) = ([0.0; 1], [0.0; 1], [0.0; 1], [0.0; 1], [0.0; 1]);
        for t in 0..3 {
            let (a0, d0) = (pa[0], pd[0]);
            assert!(step(&Rule::Adam(c), &mut pa, &[2.0], &mut ma, &mut va, &mut []));
            assert!(step(&Rule::DiffGrad(c), &mut pd, &[2.0], &mut md, &mut vd, &mut q));
            if t > 0 {
                assert!(((pd[0] - d0) - 0.5 * (pa[0] - a0)).abs() < 1e-15);
            }
        }
    }

    #[test]
    fn bf16_storage_tracks_f32() {
        let c = AdamRule {
            beta1: 0.9f32,
            one_minus_beta1: 0.1,
            beta2: 0.999,
            one_minus_beta2: 0.001,
            step_size: 1e-2,
            eps: 1e-8,
            grad_scale: 1.0,
            weight_decay: 0.0,
            decay: 1.0,
        };
        let (mut p32, mut p16) = ([1.0f32; 4], [1.0f32; 4]);
        let (mut m, mut v, mut q) = ([0.0f32; 4], [0.0f32; 4], [0.0f32; 4]);
        let (mut mb, mut vb, mut qb) = ([bf16::ZERO; 4], [bf16::ZERO; 4], [bf16::ZERO; 4]);
        for k in 0..20 {
            let g = [0.3, -1.2, 2.5 + k as f32 * 0.1, 0.01];
            assert!(step_f32(&Rule::DiffGrad(c), &mut p32, &g, &mut m, &mut v, &mut q));
            assert!(step_f32(&Rule::DiffGrad(c), &mut p16, &g, &mut mb, &mut vb, &mut qb));
        }
        // bf16 keeps 8 significant bits (relative rounding ≤ 2^-9 per stored moment), so each
        // update is off by well under 1 %; bound the drift by 1 % of the distance travelled.
        for (a, b) in p32.iter().zip(&p16) {
            assert!((a - b).abs() <= 0.01 * (1.0 - a).abs() + 1e-6, "{a} vs {b}");
        }
    }

    #[test]
    fn sgd_nesterov_closed_form() {
        let c = SgdRule { lr: 0.1, momentum: 0.9, nesterov: true, grad_scale: 1.0, weight_decay: 0.0 };
        let mut p = [1.0f64];
        let mut b = [0.0f64];
        assert!(step(&Rule::Sgd(c), &mut p, &[1.0], &mut b, &mut [], &mut []));
        // b = 1, d = 1 + 0.9 = 1.9.
        assert!((p[0] - (1.0 - 0.19)).abs() < 1e-15);
        assert!(step(&Rule::Sgd(c), &mut p, &[1.0], &mut b, &mut [], &mut []));
        // b = 1.9, d = 1 + 0.9·1.9 = 2.71.
        assert!((p[0] - (0.81 - 0.271)).abs() < 1e-15);
    }
}
