//! The BCD driver: validation, partition, per-iteration selection → update → bookkeeping, and the
//! stopping test.

use super::dense;
use super::partition::{block_count, build_order, Partition};
use super::problem::{CoordPenalty, Penalty, Problem};
use super::rules::{coord_scores, sample_weighted, Norm, Rule};
use super::update::{self, Update};
use crate::rng::Pcg32;
use crate::{Error, Real, Result};
use heapless::Vec as HVec;

/// Solver settings. `Default`: GSL on Lipschitz-sorted fixed blocks of size 5, gradient updates,
/// 1000 iterations, tolerance 1e-8, seed 0, L2 block scores.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SolverConfig<T> {
    /// Selection rule.
    pub rule: Rule,
    /// Fixed-block strategy or variable blocks.
    pub partition: Partition,
    /// Block update.
    pub update: Update,
    /// Block size τ (1 ≤ τ ≤ B, τ ≤ dim; fixed blocks: the last block may be smaller).
    pub block_size: usize,
    /// Iteration (block update) limit.
    pub max_iter: usize,
    /// Stop when the criterion (duality gap if the problem has one, else the summed coordinate
    /// progress `Σ_i q_i`, see [`super::rules::coord_scores`]) is `≤ tol·|F(0)|` (scale `|F(w)|`
    /// when `F(0) = 0`). `0` runs exactly `max_iter` iterations.
    pub tol: T,
    /// Seed of the random rules.
    pub seed: u64,
    /// Norm of fixed-block greedy scores.
    pub score_norm: Norm,
    /// When the stopping criterion is evaluated.
    pub stop: Stop,
    /// Active-set cycling (glmnet's strategy, spec §9), for [`Rule::Cyclic`] on fixed blocks with
    /// [`Stop::Gap`]: after each full check (one full gradient), sweep only over the blocks that
    /// hold a non-zero `w_i` or a coordinate whose proximal step at the checked gradient moves
    /// (a KKT violator; at most `max(2·|supp|, 64)` of them, the strongest): sweeps over the
    /// support until one decreases `F` by less than `ε` (1/10⁴ of the last criterion), then one
    /// sweep over this whole working set, and so on until a working-set sweep gains less than
    /// `ε`; then check again. Cuts the passes over the data from one per epoch to a few per solve
    /// when the solution is sparse. Ignored for other rules/partitions.
    pub active_set: bool,
}

/// When [`SolverConfig::tol`] is tested.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Every 4th iteration for greedy rules, once per epoch otherwise: criterion `≤ tol·|F(0)|`.
    Gap,
    /// scikit-learn `Lasso` (spec §9), for replaying its runs with cyclic τ = 1: after each sweep,
    /// if `max|Δw|/max|w| < tol` (or `w = 0`), stop when the gap `< tol·‖y‖²/n = 2·tol·F(0)`.
    SklearnLasso,
}

impl<T: Real> Default for SolverConfig<T> {
    fn default() -> Self {
        Self {
            rule: Rule::GSL,
            partition: Partition::Sort,
            update: Update::Gradient,
            block_size: 5,
            max_iter: 1000,
            tol: T::from_f64(1e-8),
            seed: 0,
            score_norm: Norm::L2,
            stop: Stop::Gap,
            active_set: false,
        }
    }
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The stopping criterion fell below `tol`.
    Converged,
    /// `tol = 0` and `max_iter` iterations were done.
    IterationLimit,
    /// The observer asked to stop.
    Stopped,
}

/// Result of [`solve`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[must_use]
pub struct Solution<T> {
    /// `F(w)` at the returned iterate.
    pub objective: T,
    /// Block updates done.
    pub iterations: usize,
    /// Last stopping criterion (duality gap or summed coordinate progress), absolute.
    pub gap: T,
    /// How the run ended.
    pub status: Status,
    /// Last iteration (1-based; 0 = never) at which the zero pattern of `w` changed: from then on
    /// the support was stable (spec §6 active-set identification).
    pub support_changed_at: usize,
}

/// What the observer of [`solve_with`] sees after each block update.
#[derive(Debug)]
pub struct Step<'s, T> {
    /// 1-based iteration.
    pub iteration: usize,
    /// The updated block.
    pub block: &'s [usize],
    /// `F` before the update.
    pub objective_before: T,
    /// `F` after.
    pub objective: T,
    /// Decrease guaranteed by the majoriser used (`‖g_b‖²/(2L_b)` for the gradient update,
    /// `½g_bᵀH_b⁻¹g_b` for the matrix update, model decrease with a penalty); the model decrease
    /// with the exact Hessian for Newton.
    pub predicted_decrease: T,
    /// The iterate.
    pub w: &'s [T],
}

/// Scratch of the solver: fixed block buffers (capacity `B`, the largest block) plus caller slices
/// for the per-coordinate data. Memory: `(2B² + 4B)` `T` + the slices.
#[derive(Debug)]
pub struct Workspace<'a, T, const B: usize> {
    buf: BlockBuffers<T, B>,
    scratch: &'a mut [T],
    index: &'a mut [usize],
}

/// The fixed-capacity part of [`Workspace`].
#[derive(Debug)]
pub(super) struct BlockBuffers<T, const B: usize> {
    pub(super) block: HVec<usize, B>,
    pub(super) gb: [T; B],
    pub(super) d: [T; B],
    pub(super) xb: [T; B],
    pub(super) tmp: [T; B],
    pub(super) h: [[T; B]; B],
    pub(super) f: [[T; B]; B],
}

impl<'a, T: Real, const B: usize> Workspace<'a, T, B> {
    /// A workspace over `scratch` (length ≥ [`workspace_len`]) and `index` (length ≥ dim).
    #[must_use]
    pub const fn new(scratch: &'a mut [T], index: &'a mut [usize]) -> Self {
        Self {
            buf: BlockBuffers {
                block: HVec::new(),
                gb: [T::ZERO; B],
                d: [T::ZERO; B],
                xb: [T::ZERO; B],
                tmp: [T::ZERO; B],
                h: [[T::ZERO; B]; B],
                f: [[T::ZERO; B]; B],
            },
            scratch,
            index,
        }
    }
}

/// `T` scratch length for `dim` variables, block size τ and `rule`: gradient and `L_i` (2·dim),
/// `L_b` per fixed block, and for [`Rule::GSQ`] `max(blocks·τ², 4·dim)` (the cached factors of
/// fixed blocks, or the vectors of the variable-block IHT selection). `None` on
/// overflow. (The `usize` index slice needs `dim`.)
#[must_use]
pub const fn workspace_len(dim: usize, block_size: usize, rule: Rule) -> Option<usize> {
    let nb = block_count(dim, block_size);
    let Some(base) = dim.checked_mul(2) else { return None };
    let Some(base) = base.checked_add(nb) else { return None };
    if matches!(rule, Rule::GSQ) {
        let Some(sq) = block_size.checked_mul(block_size) else { return None };
        let Some(c) = nb.checked_mul(sq) else { return None };
        // fixed blocks: the cached factors; variable blocks: 4 vectors of the IHT selection
        let Some(iht) = dim.checked_mul(4) else { return None };
        base.checked_add(if c > iht { c } else { iht })
    } else {
        Some(base)
    }
}

/// Block coordinate descent on `problem` from `w` (warm start; `w` is updated in place).
///
/// Cost per iteration: the update O(n·|b|) (gradient) or O(n·|b|² + |b|³) (matrix, Newton);
/// greedy rules add the gradient refresh — O(p·|b|) through [`Problem::gradient_update`] when
/// available (least squares / Lasso with [`LeastSquares::with_gram`](super::LeastSquares::with_gram)),
/// else one full gradient (O(n·p) for the dense problems; the residual/margins are maintained, so
/// this is one `Xᵀr`-type product, never a recomputation of `Xw`); a full refresh is done every 8
/// epochs against drift — and O(p·τ) scoring; non-greedy rules evaluate the full gradient once per epoch for the stopping test.
/// Set-up: all `L_i` (O(n·p)) and, for fixed blocks, `L_b = λ_max(H_b)` (O(n·p·τ + p·τ²)).
///
/// Errors: `w` of wrong length or non-finite (or negative with [`Penalty::NonNegL1`]); block size
/// 0, > B or > dim; `tol` negative or non-finite; `scratch`/`index` too small; GSQ with variable
/// blocks on a problem without [`Problem::hessian_bound_column`]; [`Error::NotConverged`] when
/// `tol > 0` is not reached in `max_iter` iterations (the iterate and the problem state stay
/// valid); [`Error::NumericalFailure`] when a block step overflows (the iterate before it is
/// restored).
///
/// ```
/// use ferrokern::bcd::{solve, workspace_len, LeastSquares, Rule, SolverConfig, Workspace};
/// // Lasso on a 4 × 3 problem, coordinate descent with Gauss-Southwell-Lipschitz.
/// let x = [1.0, 0.0, 0.5, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0];
/// let y = [1.0, 2.0, 3.0, 0.5];
/// let mut r = [0.0; 4];
/// let mut lasso = LeastSquares::lasso(&x, &y, 4, 3, 0.1, &mut r).unwrap();
/// let config = SolverConfig { rule: Rule::GSL, block_size: 1, tol: 1e-12, ..SolverConfig::default() };
/// let mut scratch = [0.0; 9];
/// assert!(workspace_len(3, 1, Rule::GSL) == Some(9));
/// let mut index = [0usize; 3];
/// let mut ws = Workspace::<f64, 1>::new(&mut scratch, &mut index);
/// let mut w = [0.0; 3];
/// let sol = solve(&mut lasso, &mut w, &config, &mut ws).unwrap();
/// assert!(sol.gap <= 1e-12 * 14.25 / 8.0);
/// ```
pub fn solve<T: Real, P: Problem<T>, const B: usize>(
    problem: &mut P,
    w: &mut [T],
    config: &SolverConfig<T>,
    ws: &mut Workspace<'_, T, B>,
) -> Result<Solution<T>> {
    solve_with(problem, w, config, ws, |_| true)
}

/// [`solve`] calling `observer` after every block update; returning `false` stops the run
/// ([`Status::Stopped`]).
///
/// ```
/// use ferrokern::bcd::{solve_with, workspace_len, LeastSquares, Rule, SolverConfig, Status, Workspace};
/// let (x, y) = ([1.0, 0.0, 0.0, 1.0], [2.0, -4.0]);
/// let mut r = [0.0; 2];
/// let mut ridge = LeastSquares::ridge(&x, &y, 2, 2, 0.0, &mut r)?;
/// let config = SolverConfig { rule: Rule::Cyclic, block_size: 1, ..SolverConfig::default() };
/// let need = workspace_len(2, 1, Rule::Cyclic).unwrap();
/// let (mut scratch, mut index) = ([0.0; 16], [0usize; 2]);
/// let mut ws = Workspace::<f64, 1>::new(&mut scratch[..need], &mut index);
/// let mut w = [0.0; 2];
/// // Stop after the first block update.
/// let sol = solve_with(&mut ridge, &mut w, &config, &mut ws, |_| false)?;
/// assert_eq!(sol.status, Status::Stopped);
/// assert_eq!(w, [2.0, 0.0]); // one exact coordinate step on the first coordinate
/// # Ok::<(), ferrokern::Error>(())
/// ```
pub fn solve_with<T: Real, P: Problem<T>, const B: usize>(
    problem: &mut P,
    w: &mut [T],
    config: &SolverConfig<T>,
    ws: &mut Workspace<'_, T, B>,
    mut observer: impl FnMut(&Step<'_, T>) -> bool,
) -> Result<Solution<T>> {
    let p = problem.dim();
    let tau = config.block_size;
    crate::error::check_len("w", p, w.len())?;
    crate::real::check_finite("w", w)?;
    if tau == 0 || tau > B || tau > p {
        return Err(Error::InvalidParameter { name: "block_size", reason: "must be in 1..=min(B, dim)" });
    }
    if !super::ge(config.tol, T::ZERO) || !config.tol.is_finite() {
        return Err(Error::InvalidParameter { name: "tol", reason: "must be finite and >= 0" });
    }
    let penalty = CoordPenalty::of(problem);
    if matches!(penalty.penalty, Penalty::NonNegL1(_)) && w.iter().any(|&v| v < T::ZERO) {
        return Err(Error::InvalidParameter { name: "w", reason: "must be >= 0 for a non-negative penalty" });
    }
    let fixed = config.partition.is_fixed();
    let need = workspace_len(p, tau, config.rule).ok_or(Error::SizeOverflow)?;
    if ws.scratch.len() < need {
        return Err(Error::WorkspaceTooSmall { needed: need, given: ws.scratch.len() });
    }
    if ws.index.len() < p {
        return Err(Error::DimensionMismatch { what: "index workspace", expected: p, found: ws.index.len() });
    }
    problem.reset(w)?;
    let Workspace { buf: ws, scratch, index } = ws;

    let nb = block_count(p, tau);
    let (grad, rest) = scratch.split_at_mut(p);
    let (lip, rest) = rest.split_at_mut(p);
    let (block_lip, rest) = rest.split_at_mut(nb);
    let order = index.get_mut(..p).ok_or(Error::SizeOverflow)?;
    // variable-block GSQ (spec §3): IHT on the quadratic model, step μ = 1/λ_max(H)
    let vb_gsq = config.rule == Rule::GSQ && !fixed;
    let mu = if vb_gsq { iht_step(problem, rest)? } else { T::ZERO };
    for (j, l) in lip.iter_mut().enumerate() {
        *l = problem.coord_lipschitz(j);
    }
    build_order(config.partition, lip, order);
    let ld = B;
    if fixed {
        for (k, chunk) in order.chunks(tau).enumerate() {
            let m = chunk.len();
            problem.hessian_bound(chunk, ws.h.as_flattened_mut(), ld);
            let lb =
                dense::max_eigenvalue(ws.h.as_flattened(), ws.f.as_flattened_mut(), m, ld).unwrap_or(T::ZERO);
            if let Some(slot) = block_lip.get_mut(k) {
                *slot = lb;
            }
            if config.rule == Rule::GSQ {
                let cache = rest.get_mut(k * tau * tau..(k + 1) * tau * tau).ok_or(Error::SizeOverflow)?;
                if !dense::factor_with_ridge(ws.h.as_flattened(), ws.f.as_flattened_mut(), m, ld) {
                    return Err(Error::NumericalFailure { what: "block Hessian bound factorisation" });
                }
                for a in 0..m {
                    for b in 0..=a {
                        if let (Some(c), Some(&v)) =
                            (cache.get_mut(a * tau + b), ws.f.get(a).and_then(|r| r.get(b)))
                        {
                            *c = v;
                        }
                    }
                }
            }
        }
    }

    let scale = {
        let f0 = problem.objective_at_zero().abs();
        // scikit-learn compares its gap (n × ours) with tol·‖y‖² = tol·2n·F(0)
        let f0 = if config.stop == Stop::SklearnLasso { f0 + f0 } else { f0 };
        move |f: T| if f0 > T::ZERO { f0 } else { f.abs().max(T::MIN_POSITIVE) }
    };
    let mut rng = Pcg32::seed(config.seed);
    let mut fx = problem.objective(w);
    let mut support_changed_at = 0usize;
    let mut crit = T::INFINITY;
    let greedy = config.rule.is_greedy();
    let epoch = block_count(p, tau).max(1);
    if greedy {
        problem.full_gradient(w, grad);
    }
    let mut it = 0usize;
    let mut max_dw = T::ZERO;
    let mut status = Status::IterationLimit;
    let use_active = config.active_set
        && config.rule == Rule::Cyclic
        && fixed
        && config.stop == Stop::Gap
        && config.tol > T::ZERO;
    let mut act = ActiveCycle::new(config.tol * scale(fx));
    // active-set cycling: `grad` is current (full, or kept by `gradient_update`) while true
    let mut grad_live = false;
    let mut since_full = 0usize;
    while it < config.max_iter {
        // 1. the stopping test and the next block: active-set cycling or the rule
        let (k, known_live) = if use_active {
            if act.check_now {
                if !grad_live || since_full >= epoch.saturating_mul(GREEDY_REFRESH_EPOCHS) {
                    problem.full_gradient(w, grad);
                    grad_live = true;
                    since_full = 0;
                }
                crit = criterion(problem, w, grad, lip, penalty);
                if crit <= config.tol * scale(fx) {
                    status = Status::Converged;
                    break;
                }
                act.restart(fx, crit, w, grad, lip, penalty);
            }
            let Some(k) = act.next_block(order, tau, w, grad, lip, penalty, fx) else {
                continue; // sweep ended with little progress: check next
            };
            ws.block.clear();
            for &j in order.chunks(tau).nth(k).unwrap_or(&[]) {
                let _ = ws.block.push(j);
            }
            (Some(k), grad_live)
        } else {
            // scikit-learn's rule (spec §9): after a sweep, the gap only once max|Δw|/max|w| < tol
            let sweep_gate = match config.stop {
                Stop::Gap => true,
                Stop::SklearnLasso => {
                    let end = it > 0 && it.is_multiple_of(epoch);
                    let wmax = w.iter().fold(T::ZERO, |a, &v| a.max(v.abs()));
                    let pass = end && (wmax == T::ZERO || max_dw < config.tol * wmax);
                    if end {
                        max_dw = T::ZERO;
                    }
                    pass
                }
            };
            // stopping test (greedy: gradient is fresh every iteration; otherwise once per epoch)
            let due = if greedy { it.is_multiple_of(GREEDY_CHECK_EVERY) } else { it.is_multiple_of(epoch) };
            if config.tol > T::ZERO && sweep_gate && due {
                if !greedy {
                    problem.full_gradient(w, grad);
                }
                crit = criterion(problem, w, grad, lip, penalty);
                if crit <= config.tol * scale(fx) {
                    status = Status::Converged;
                    break;
                }
            }
            let k = if vb_gsq {
                iht_select(problem, grad, lip, tau, mu, rest, ws);
                None
            } else {
                select(config, ws, grad, lip, block_lip, order, w, penalty, it, &mut rng, rest)
            };
            // greedy rules keep the full gradient current: the block's partials are read from it
            (k, greedy)
        };
        // 2. the update (one code path for both)
        it += 1;
        let lb = k.and_then(|k| block_lip.get(k).copied());
        let known = if known_live { Some(&*grad) } else { None };
        let outcome = update::block_step(problem, w, config.update, ws, (fx, lb), known)?;
        restore_if_not_finite(problem, w, ws, outcome.objective)?;
        let before = fx;
        fx = outcome.objective;
        if support_changed(ws, w, &mut max_dw) {
            support_changed_at = it;
        }
        // 3. keep the gradient: incremental where the problem supports it (least squares with a
        // Gram matrix); greedy rules refresh it in full every GREEDY_REFRESH_EPOCHS epochs against
        // drift, active-set cycling at its next check after as many updates
        let (block, delta) = block_delta(ws, w);
        if use_active {
            if delta.iter().any(|&d| d != T::ZERO) {
                since_full += 1;
                grad_live = grad_live && problem.gradient_update(w, block, delta, grad);
            }
        } else if greedy {
            let refresh = it.is_multiple_of(epoch.saturating_mul(GREEDY_REFRESH_EPOCHS));
            if refresh || !problem.gradient_update(w, block, delta, grad) {
                problem.full_gradient(w, grad);
            }
        }
        let step = Step {
            iteration: it,
            block: ws.block.as_slice(),
            objective_before: before,
            objective: fx,
            predicted_decrease: outcome.predicted_decrease,
            w,
        };
        if !observer(&step) {
            status = Status::Stopped;
            break;
        }
    }
    if status == Status::IterationLimit && config.tol > T::ZERO {
        problem.full_gradient(w, grad);
        crit = criterion(problem, w, grad, lip, penalty);
        if crit <= config.tol * scale(fx) {
            status = Status::Converged;
        } else {
            return Err(Error::NotConverged { iterations: it, residual: crit.to_f64() });
        }
    }
    if config.tol == T::ZERO {
        problem.full_gradient(w, grad);
        crit = criterion(problem, w, grad, lip, penalty);
    }
    Ok(Solution { objective: fx, iterations: it, gap: crit, status, support_changed_at })
}

/// Data near the top of T's range can overflow a block step: if the block or `F` is not finite,
/// restore the block from `ws.xb`, rebuild the problem state and fail with the last valid iterate
/// in `w` (both the main loop and active-set cycling go through here).
fn restore_if_not_finite<T: Real, P: Problem<T>, const B: usize>(
    problem: &mut P,
    w: &mut [T],
    ws: &BlockBuffers<T, B>,
    objective: T,
) -> Result<()> {
    let block_finite = ws.block.iter().all(|&j| w.get(j).is_some_and(|v| v.is_finite()));
    if block_finite && objective.is_finite() {
        return Ok(());
    }
    for (&j, &x0) in ws.block.iter().zip(ws.xb.iter()) {
        if let Some(v) = w.get_mut(j) {
            *v = x0;
        }
    }
    problem.reset(w)?;
    Err(Error::NumericalFailure { what: "block step not finite (data too large); iterate restored" })
}

/// Support bookkeeping after a block update: true if a coordinate of the block changed between
/// zero and non-zero; `max_dw` takes the largest `|Δw_j|` (scikit-learn's sweep test).
fn support_changed<T: Real, const B: usize>(ws: &BlockBuffers<T, B>, w: &[T], max_dw: &mut T) -> bool {
    let mut changed = false;
    for (&j, &x0) in ws.block.iter().zip(ws.xb.iter()) {
        let now = w.get(j).copied().unwrap_or(T::ZERO);
        changed |= (x0 == T::ZERO) != (now == T::ZERO);
        *max_dw = max_dw.max((now - x0).abs());
    }
    changed
}

/// Greedy rules evaluate the stopping criterion every this many iterations (a duality gap costs
/// about two residual-length dots, twice an O(n) update; the run may overshoot by ≤ 3 updates).
const GREEDY_CHECK_EVERY: usize = 4;

/// `w_b − x_b` of the last update into `ws.tmp` (the old block values are in `ws.xb`).
fn block_delta<'b, T: Real, const B: usize>(
    ws: &'b mut BlockBuffers<T, B>,
    w: &[T],
) -> (&'b [usize], &'b [T]) {
    let m = ws.block.len();
    for ((t, &j), &x0) in ws.tmp.iter_mut().zip(ws.block.iter()).zip(ws.xb.iter()) {
        *t = w.get(j).copied().unwrap_or(x0) - x0;
    }
    (ws.block.as_slice(), ws.tmp.get(..m).unwrap_or(&[]))
}

/// Greedy rules with an incremental gradient ([`Problem::gradient_update`]) recompute it in full
/// every this many epochs against rounding drift.
const GREEDY_REFRESH_EPOCHS: usize = 8;

/// Least number of zero coordinates admitted to the working set of active-set cycling (when that
/// many violate the optimality conditions). With the support-first inner loop a zero member costs
/// one partial derivative per working-set sweep, so a generous set is cheap, while each coordinate
/// it misses costs another full check; on the 5000 × 500 bench problem (benches/README-bcd.md)
/// 32 needed three full gradients after the one at `w = 0`, 64 and 128 two.
const WORKING_SET_MIN: usize = 64;

/// State of active-set cycling ([`SolverConfig::active_set`]).
struct ActiveCycle<T> {
    /// Evaluate the full criterion before the next update.
    check_now: bool,
    /// Next fixed block to consider in the current sweep.
    cursor: usize,
    /// `F` at the start of the current sweep.
    sweep_start: T,
    /// Blocks updated in the current sweep.
    updated: usize,
    /// Sweep-decrease threshold that ends the inner cycling.
    eps: T,
    /// `tol·scale`.
    target: T,
    /// Checks done so far.
    checks: usize,
    /// Criterion at the last check.
    last_crit: T,
    /// A zero coordinate joins the working set when its `q_i` at the checked gradient exceeds this.
    threshold: T,
    /// The current sweep covers the whole working set; otherwise only the support (glmnet's inner
    /// loop: the zero members are revisited once the support has converged).
    full: bool,
}

impl<T: Real> ActiveCycle<T> {
    fn new(target: T) -> Self {
        Self {
            check_now: true,
            cursor: 0,
            sweep_start: T::ZERO,
            updated: 0,
            eps: T::ZERO,
            target,
            checks: 0,
            last_crit: T::INFINITY,
            threshold: T::ZERO,
            full: true,
        }
    }

    /// After a failed check with criterion `crit`: a new working-set sweep, new threshold
    /// `ε = max(crit/10⁴, target/10)`, ten times tighter than the last one if `crit` did not at
    /// least halve; and the working set: the support plus at most `max(2·|supp|, 64)` zero
    /// coordinates ([`WORKING_SET_MIN`]), those with the
    /// largest proximal progress `q_i` at the checked gradient (the growth rule of working-set
    /// solvers such as Celer; a violator left out enters at a later check).
    fn restart(&mut self, fx: T, crit: T, w: &[T], grad: &[T], lip: &[T], penalty: CoordPenalty<T>) {
        let fresh = (crit / T::from_f64(1e4)).max(self.target / T::from_f64(10.0));
        self.eps = if self.checks > 0 && !super::gt(self.last_crit, crit + crit) {
            fresh.min(self.eps / T::from_f64(10.0))
        } else {
            fresh
        };
        self.last_crit = crit;
        self.check_now = false;
        self.cursor = 0;
        self.sweep_start = fx;
        self.updated = 0;
        self.full = true;
        self.checks += 1;
        let q = |j: usize| {
            let (x, g, l) = (w.get(j).copied(), grad.get(j).copied(), lip.get(j).copied());
            match (x, g, l) {
                (Some(x), Some(g), Some(l)) if x == T::ZERO => coord_scores(penalty.at(j), x, g, l).1,
                _ => T::ZERO,
            }
        };
        let count = |thr: T| (0..w.len()).filter(|&j| super::gt(q(j), thr)).count();
        let support = w.iter().filter(|&&v| v != T::ZERO).count();
        let cap = support.saturating_mul(2).max(WORKING_SET_MIN);
        self.threshold = T::ZERO;
        if count(T::ZERO) > cap {
            // bisection on the threshold: O(p) per step, 48 steps
            let (mut lo, mut hi) = (T::ZERO, (0..w.len()).fold(T::ZERO, |a, j| a.max(q(j))));
            for _ in 0..48 {
                let mid = T::HALF * (lo + hi);
                if count(mid) > cap {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            self.threshold = hi;
        }
    }

    /// The next active block, or `None` when a working-set sweep ended with a decrease `≤ eps`
    /// (then `check_now` is set). A working-set sweep that found no active block updates block 0,
    /// so each check is followed by at least one update (and `max_iter` bounds the run).
    #[allow(clippy::too_many_arguments)]
    fn next_block(
        &mut self,
        order: &[usize],
        tau: usize,
        w: &[T],
        grad: &[T],
        lip: &[T],
        penalty: CoordPenalty<T>,
        fx: T,
    ) -> Option<usize> {
        let nb = block_count(order.len(), tau);
        // `grad` is the gradient of the last check: a zero coordinate is active iff its proximal
        // step moved it then
        let threshold = self.threshold;
        let active = |k: usize, full: bool| {
            order.chunks(tau).nth(k).unwrap_or(&[]).iter().any(|&j| {
                let x = w.get(j).copied().unwrap_or(T::ZERO);
                x != T::ZERO
                    || full && {
                        let (g, l) =
                            (grad.get(j).copied().unwrap_or(T::ZERO), lip.get(j).copied().unwrap_or(T::ZERO));
                        super::gt(coord_scores(penalty.at(j), x, g, l).1, threshold)
                    }
            })
        };
        loop {
            if self.cursor >= nb {
                let little = !super::gt(self.sweep_start - fx, self.eps);
                if self.updated > 0 && little && self.full {
                    self.check_now = true;
                    return None;
                }
                // support sweeps until one gains little (or the support is empty), then a sweep
                // over the whole working set; back to the support after a working-set sweep
                // that gained more
                let all = self.updated == 0 && self.full;
                self.full = little || self.updated == 0;
                self.cursor = 0;
                self.sweep_start = fx;
                self.updated = 0;
                if all {
                    // nothing active: update block 0 so the run keeps counting iterations
                    self.cursor = 1;
                    self.updated = 1;
                    return Some(0).filter(|_| nb > 0);
                }
            }
            let k = self.cursor;
            self.cursor += 1;
            if active(k, self.full) {
                self.updated += 1;
                return Some(k);
            }
        }
    }
}

/// Duality gap if available, else `Σ_i q_i` (summed coordinate progress).
fn criterion<T: Real, P: Problem<T>>(
    problem: &P,
    w: &[T],
    grad: &[T],
    lip: &[T],
    penalty: CoordPenalty<T>,
) -> T {
    if let Some(g) = problem.duality_gap(w, grad) {
        return g;
    }
    w.iter()
        .zip(grad)
        .zip(lip)
        .enumerate()
        .fold(T::ZERO, |a, (j, ((&x, &g), &l))| a + coord_scores(penalty.at(j), x, g, l).1)
}

/// Fills `ws.block` with the next block.
#[allow(clippy::too_many_arguments)]
fn select<T: Real, const B: usize>(
    config: &SolverConfig<T>,
    ws: &mut BlockBuffers<T, B>,
    grad: &[T],
    lip: &[T],
    block_lip: &[T],
    order: &mut [usize],
    w: &[T],
    penalty: CoordPenalty<T>,
    it: usize,
    rng: &mut Pcg32,
    gsq_cache: &[T],
) -> Option<usize> {
    let tau = config.block_size;
    let p = order.len();
    ws.block.clear();
    let scores = |j: usize| {
        coord_scores(
            penalty.at(j),
            w.get(j).copied().unwrap_or(T::ZERO),
            grad.get(j).copied().unwrap_or(T::ZERO),
            lip.get(j).copied().unwrap_or(T::ZERO),
        )
    };
    if config.partition.is_fixed() {
        let nb = block_count(p, tau);
        let k = match config.rule {
            Rule::Cyclic => it % nb,
            Rule::Random => rng.below(nb as u32) as usize,
            Rule::Lipschitz => sample_weighted(rng, block_lip.iter().copied(), |_| false),
            Rule::GS | Rule::GSL | Rule::GSD | Rule::GSQ => {
                let mut best = (0usize, T::NEG_INFINITY);
                for (k, chunk) in order.chunks(tau).enumerate() {
                    let lb = block_lip.get(k).copied().unwrap_or(T::ZERO);
                    let s = fixed_score(config, chunk, &scores, lb, gsq_cache, k, grad, &mut ws.tmp, penalty);
                    if s > best.1 {
                        best = (k, s);
                    }
                }
                best.0
            }
        };
        for &j in order.chunks(tau).nth(k).unwrap_or(&[]) {
            let _ = ws.block.push(j);
        }
        return Some(k);
    }
    match config.rule {
        Rule::Cyclic => {
            let chunks = block_count(p, tau);
            let c = it % chunks;
            if c == 0 {
                rng.shuffle(order);
            }
            for &j in order.chunks(tau).nth(c).unwrap_or(&[]) {
                let _ = ws.block.push(j);
            }
        }
        Rule::Random => {
            for t in 0..tau {
                let j = t + rng.below((p - t) as u32) as usize;
                order.swap(t, j);
                let _ = ws.block.push(order.get(t).copied().unwrap_or(0));
            }
        }
        Rule::Lipschitz => {
            for _ in 0..tau {
                let chosen = ws.block.clone();
                let j = sample_weighted(rng, lip.iter().copied(), |i| chosen.contains(&i));
                let _ = ws.block.push(j);
            }
        }
        Rule::GS | Rule::GSL | Rule::GSD | Rule::GSQ => {
            // top-τ by score, kept sorted descending in (ws.tmp, ws.block)
            for j in 0..p {
                let (e, q) = scores(j);
                push_top(ws, tau, j, if config.rule == Rule::GS { e } else { q });
            }
        }
    }
    None
}

/// Inserts `j` with key `s` into the top-τ list `(ws.block, ws.tmp)` (sorted descending).
fn push_top<T: Real, const B: usize>(ws: &mut BlockBuffers<T, B>, tau: usize, j: usize, s: T) {
    let len = ws.block.len();
    let mut pos = len;
    while pos > 0 && ws.tmp.get(pos - 1).is_some_and(|&v| v < s) {
        pos -= 1;
    }
    if pos >= tau {
        return;
    }
    if len == tau {
        ws.block.pop();
    }
    let _ = ws.block.insert(pos, j);
    let end = ws.block.len();
    if let Some(t) = ws.tmp.get_mut(pos..end) {
        t.rotate_right(1);
        if let Some(first) = t.first_mut() {
            *first = s;
        }
    }
}

/// `μ = 1/λ_max(H)` of the full Hessian bound by 30 power iterations on its columns
/// ([`Problem::hessian_bound_column`]; O(30·dim·cost of a column)), with 1% margin. Errors when the
/// problem cannot give columns or `H = 0`.
fn iht_step<T: Real, P: Problem<T>>(problem: &P, scratch: &mut [T]) -> Result<T> {
    let p = problem.dim();
    let unsupported = Error::InvalidParameter {
        name: "rule",
        reason: "GSQ with variable blocks needs Problem::hessian_bound_column (least squares)",
    };
    let (v, rest) = scratch.split_at_mut(p.min(scratch.len()));
    let (hv, rest) = rest.split_at_mut(p.min(rest.len()));
    let col = rest.get_mut(..p).ok_or(Error::SizeOverflow)?;
    v.fill(T::ONE / T::from_usize(p).sqrt());
    let mut lambda = T::ZERO;
    for _ in 0..30 {
        hv.fill(T::ZERO);
        for (j, &vj) in v.iter().enumerate() {
            if !problem.hessian_bound_column(j, col) {
                return Err(unsupported);
            }
            T::axpy(vj, col, hv);
        }
        lambda = T::norm2(hv);
        if !super::gt(lambda, T::ZERO) {
            return Err(Error::NumericalFailure { what: "Hessian bound is zero" });
        }
        for (a, &b) in v.iter_mut().zip(hv.iter()) {
            *a = b / lambda;
        }
    }
    Ok(T::ONE / (lambda * T::from_f64(1.01)))
}

/// Variable-block GSQ by iterative hard thresholding (spec §3 `IHT`): `d ← g/√L`; up to 10 times
/// `d ← d − μ(g + Hd)` and keep the τ largest `|d_i|`, stopping when `‖d − d_old‖ < 1e-10`; the
/// block is the support of `d` (into `ws.block`). Cost per round O(τ·column) after the first
/// (dense) product. The smooth model is used also with a penalty (the update is then proximal).
fn iht_select<T: Real, P: Problem<T>, const B: usize>(
    problem: &P,
    grad: &[T],
    lip: &[T],
    tau: usize,
    mu: T,
    scratch: &mut [T],
    ws: &mut BlockBuffers<T, B>,
) {
    let p = grad.len();
    let (d, rest) = scratch.split_at_mut(p.min(scratch.len()));
    let (d_old, rest) = rest.split_at_mut(p.min(rest.len()));
    let (hd, rest) = rest.split_at_mut(p.min(rest.len()));
    let col = rest.get_mut(..p).unwrap_or(&mut []);
    for ((di, &g), &l) in d.iter_mut().zip(grad).zip(lip) {
        *di = if super::gt(l, T::ZERO) { g / l.sqrt() } else { T::ZERO };
    }
    let tol = T::from_f64(1e-10);
    for _ in 0..10 {
        d_old.copy_from_slice(d);
        hd.fill(T::ZERO);
        for (j, &dj) in d.iter().enumerate() {
            if dj != T::ZERO && problem.hessian_bound_column(j, col) {
                T::axpy(dj, col, hd);
            }
        }
        for ((di, &g), &h) in d.iter_mut().zip(grad).zip(hd.iter()) {
            *di -= mu * (g + h);
        }
        ws.block.clear();
        for (j, &dj) in d.iter().enumerate() {
            push_top(ws, tau, j, dj.abs());
        }
        for (j, di) in d.iter_mut().enumerate() {
            if !ws.block.contains(&j) {
                *di = T::ZERO;
            }
        }
        let moved = d.iter().zip(d_old.iter()).fold(T::ZERO, |a, (&x, &y)| a + (x - y) * (x - y));
        if moved.sqrt() < tol {
            break;
        }
    }
    // block = support of d (the kept entries that are non-zero); keep the list if all are zero
    if ws.block.iter().any(|&j| d.get(j).is_some_and(|&v| v != T::ZERO)) {
        ws.block.retain(|j| d.get(*j).is_some_and(|&v| v != T::ZERO));
    }
}

/// Fixed-block score (spec §3 table; L1 = reference code, L2 = paper).
#[allow(clippy::too_many_arguments)]
fn fixed_score<T: Real>(
    config: &SolverConfig<T>,
    chunk: &[usize],
    scores: &impl Fn(usize) -> (T, T),
    lb: T,
    gsq_cache: &[T],
    k: usize,
    grad: &[T],
    tmp: &mut [T],
    penalty: CoordPenalty<T>,
) -> T {
    let l1 = config.score_norm == Norm::L1;
    let (mut se, mut se2, mut sq, mut sqrt_q) = (T::ZERO, T::ZERO, T::ZERO, T::ZERO);
    for &j in chunk {
        let (e, q) = scores(j);
        se += e;
        se2 += e * e;
        sq += q + q;
        sqrt_q += (q + q).sqrt();
    }
    match config.rule {
        Rule::GS => {
            if l1 {
                se
            } else {
                se2.sqrt()
            }
        }
        Rule::GSL => {
            if !super::gt(lb, T::ZERO) {
                T::ZERO
            } else if l1 {
                se / lb.sqrt()
            } else {
                se2 / lb
            }
        }
        Rule::GSQ if !penalty.penalty.is_some() => {
            let tau = config.block_size;
            let m = chunk.len();
            for (t, &j) in tmp.iter_mut().zip(chunk) {
                *t = grad.get(j).copied().unwrap_or(T::ZERO);
            }
            let cache = gsq_cache.get(k * tau * tau..(k + 1) * tau * tau).unwrap_or(&[]);
            let g = |t: &[T]| {
                chunk
                    .iter()
                    .zip(t)
                    .fold(T::ZERO, |a, (&j, &s)| a + grad.get(j).copied().unwrap_or(T::ZERO) * s)
            };
            if dense::cholesky_solve(cache, m, tau, tmp) {
                g(tmp)
            } else {
                T::ZERO
            }
        }
        _ => {
            if l1 {
                sqrt_q
            } else {
                sq
            }
        }
    }
}
