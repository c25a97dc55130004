//! Forest blocks for graph quadratics (spec §5): the exact block solve by Gaussian belief
//! propagation on a forest, and the forest partitions (red-black, tree partitions, greedy tree,
//! random tree) with their driver.
//!
//! On a tree, Gaussian belief propagation with the two-pass schedule (messages leaf → root, then
//! root → leaf) is exact after one sweep in each direction, and is the same arithmetic as
//! leaf-to-root Gaussian elimination: the upward message from `i` to its parent `p` carries the
//! precision `−A_ip²/P_i` and mean term `−A_ip·h_i/P_i`, where `P_i`, `h_i` are `i`'s diagonal
//! and right-hand side plus its children's messages. Cost O(|b| + edges in the block).

use super::label_prop::LabelPropagation;
use super::problem::Problem;
use super::solver::{Solution, Status};
use crate::error::mul_size;
use crate::rng::Pcg32;
use crate::{Error, Real, Result};

const NONE: usize = usize::MAX;

/// How forest blocks are formed (spec §5, Fig. 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForestStrategy {
    /// Greedy colouring into independent sets (2 colours on bipartite graphs); cyclic.
    RedBlack,
    /// Greedy cover by forests (taken in node order), cyclic over the forests.
    TreePartition,
    /// Two forests grown together in variable order: each variable joins, of the two forests it
    /// can join without closing a cycle, the one it links to more of its neighbours (ties: the
    /// smaller forest, then the first); variables that fit neither are covered by further
    /// forests as in [`Self::TreePartition`]. Cyclic over the forests. On a lattice this gives
    /// two balanced comb-like forests (spec §5 "Tree Partitions (2 forests)"): 326 iterations
    /// against 424 for `TreePartition` on spec check 5's lattice; on a 10-NN graph (many forests)
    /// it is no faster than `TreePartition` (within 1 %). Built once in O(nnz·α) time, no extra
    /// scratch.
    BalancedTreePartition,
    /// Each iteration: sort nodes by `|g_i|` descending, add a node unless it closes a cycle.
    GreedyTree,
    /// As `GreedyTree` with a random order.
    RandomTree,
}

/// Settings of [`solve_forest`]. `Default`: greedy tree, 200 iterations, tol 1e-10, seed 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ForestConfig<T> {
    /// Block strategy.
    pub strategy: ForestStrategy,
    /// Block updates.
    pub max_iter: usize,
    /// Stop when `Σ_i g_i²/(2L_i) ≤ tol·|F(w)|`; 0 runs `max_iter` iterations.
    pub tol: T,
    /// Seed of [`ForestStrategy::RandomTree`].
    pub seed: u64,
}

impl<T: Real> Default for ForestConfig<T> {
    fn default() -> Self {
        Self { strategy: ForestStrategy::GreedyTree, max_iter: 200, tol: T::from_f64(1e-10), seed: 0 }
    }
}

/// Scratch lengths `(T elements, usize elements)` for a graph of `nodes` nodes:
/// `(4·nodes, 10·nodes)`. `None` on overflow.
#[must_use]
pub const fn forest_workspace_len(nodes: usize) -> Option<(usize, usize)> {
    match (nodes.checked_mul(4), nodes.checked_mul(10)) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => None,
    }
}

/// Split scratch.
struct Scratch<'s, T> {
    diag: &'s mut [T],
    rhs: &'s mut [T],
    pw: &'s mut [T],
    grad: &'s mut [T],
    node_var: &'s mut [usize],
    pos: &'s mut [usize],
    forest: &'s mut [usize],
    uf: &'s mut [usize],
    mark: &'s mut [usize],
    cand: &'s mut [usize],
    blk: &'s mut [usize],
    order: &'s mut [usize],
    parent: &'s mut [usize],
    seen: &'s mut [usize],
}

fn split<'s, T: Real>(nodes: usize, ts: &'s mut [T], us: &'s mut [usize]) -> Result<Scratch<'s, T>> {
    let (tn, un) = forest_workspace_len(nodes).ok_or(Error::SizeOverflow)?;
    if ts.len() < tn {
        return Err(Error::WorkspaceTooSmall { needed: tn, given: ts.len() });
    }
    if us.len() < un {
        return Err(Error::WorkspaceTooSmall { needed: un, given: us.len() });
    }
    let (diag, r) = ts.split_at_mut(nodes);
    let (rhs, r) = r.split_at_mut(nodes);
    let (pw, r) = r.split_at_mut(nodes);
    let (grad, _) = r.split_at_mut(nodes);
    let (node_var, r) = us.split_at_mut(nodes);
    let (pos, r) = r.split_at_mut(nodes);
    let (forest, r) = r.split_at_mut(nodes);
    let (uf, r) = r.split_at_mut(nodes);
    let (mark, r) = r.split_at_mut(nodes);
    let (cand, r) = r.split_at_mut(nodes);
    let (blk, r) = r.split_at_mut(nodes);
    let (order, r) = r.split_at_mut(nodes);
    let (parent, r) = r.split_at_mut(nodes);
    let (seen, _) = r.split_at_mut(nodes);
    node_var.fill(NONE);
    pos.fill(NONE);
    Ok(Scratch { diag, rhs, pw, grad, node_var, pos, forest, uf, mark, cand, blk, order, parent, seen })
}

fn get(a: &[usize], i: usize) -> usize {
    a.get(i).copied().unwrap_or(NONE)
}

fn set<V: Copy>(a: &mut [V], i: usize, v: V) {
    if let Some(s) = a.get_mut(i) {
        *s = v;
    }
}

/// Exact minimisation of the label-propagation objective over the variables `block`, which must
/// induce a forest in the graph: on return `∇_b f = 0` up to rounding. `w` and the problem state
/// are updated. Scratch as [`forest_workspace_len`] for `problem.nodes()`.
///
/// Errors: scratch too small, a variable index ≥ dim or repeated, a cycle inside the block
/// ([`Error::InvalidParameter`]; nothing is changed), a non-positive pivot
/// ([`Error::NumericalFailure`]: a block without a path to a labelled node carries no information).
///
/// ```
/// use ferrokern::bcd::{forest_block_solve, forest_workspace_len, LabelPropagation, Problem};
/// // path 0 - 1 - 2 - 3 with the ends labelled 0 and 3: the middle solves to 1, 2.
/// let row_ptr = [0, 1, 3, 5, 6];
/// let cols = [1, 0, 2, 1, 3, 2];
/// let wts = [1.0; 6];
/// let (labels, labelled) = ([0.0, 0.0, 0.0, 3.0], [true, false, false, true]);
/// let (mut values, mut vars) = ([0.0; 4], [0usize; 2]);
/// let mut lp = LabelPropagation::new(&row_ptr, &cols, &wts, &labels, &labelled, &mut values, &mut vars).unwrap();
/// let (tn, un) = forest_workspace_len(4).unwrap();
/// let (mut ts, mut us) = (vec![0.0; tn], vec![0usize; un]);
/// let mut w = [0.0f64; 2];
/// forest_block_solve(&mut lp, &mut w, &[0, 1], &mut ts, &mut us).unwrap();
/// assert!((w[0] - 1.0).abs() < 1e-15 && (w[1] - 2.0).abs() < 1e-15);
/// ```
pub fn forest_block_solve<T: Real>(
    problem: &mut LabelPropagation<'_, T>,
    w: &mut [T],
    block: &[usize],
    t_scratch: &mut [T],
    u_scratch: &mut [usize],
) -> Result<()> {
    crate::error::check_len("w", problem.dim(), w.len())?;
    let mut s = split(problem.nodes(), t_scratch, u_scratch)?;
    for &v in block {
        if v >= problem.dim() {
            return Err(Error::InvalidParameter { name: "block", reason: "variable index out of range" });
        }
    }
    let r = solve_block(problem, w, block, &mut s);
    for &v in block {
        set(s.pos, problem.node(v), NONE);
    }
    r
}

/// The forest solve on split scratch; clears nothing (callers reset `pos`).
fn solve_block<T: Real>(
    problem: &mut LabelPropagation<'_, T>,
    w: &mut [T],
    block: &[usize],
    s: &mut Scratch<'_, T>,
) -> Result<()> {
    let m = block.len();
    for (k, &v) in block.iter().enumerate() {
        let i = problem.node(v);
        if get(s.pos, i) != NONE {
            return Err(Error::InvalidParameter { name: "block", reason: "repeated variable" });
        }
        set(s.pos, i, k);
    }
    // diagonal and right-hand side b_i − A_{i,c} x_c = Σ_{j ∉ block} W_ij x_j
    for (k, &v) in block.iter().enumerate() {
        let i = problem.node(v);
        set(s.diag, k, problem.degree(i));
        let vals = problem.values();
        let r = problem
            .neighbours(i)
            .filter(|&(j, _)| get(s.pos, j) == NONE)
            .fold(T::ZERO, |a, (j, wt)| a + wt * vals.get(j).copied().unwrap_or(T::ZERO));
        set(s.rhs, k, r);
        set(s.seen, k, 0);
    }
    // BFS order with parents; a visited non-parent neighbour means a cycle.
    let mut len = 0usize;
    for root in 0..m {
        if get(s.seen, root) == 1 {
            continue;
        }
        set(s.seen, root, 1);
        set(s.parent, root, NONE);
        set(s.order, len, root);
        len += 1;
        let mut head = len - 1;
        while head < len {
            let k = get(s.order, head);
            head += 1;
            let i = problem.node(get(block, k));
            let pk = get(s.parent, k);
            let mut parent_edge_used = false;
            for (j, wt) in problem.neighbours(i) {
                let kj = get(s.pos, j);
                if kj == NONE {
                    continue;
                }
                if kj == pk && !parent_edge_used {
                    parent_edge_used = true;
                    continue;
                }
                if get(s.seen, kj) == 1 {
                    return Err(Error::InvalidParameter {
                        name: "block",
                        reason: "induces a cycle (not a forest)",
                    });
                }
                set(s.seen, kj, 1);
                set(s.parent, kj, k);
                set(s.pw, kj, wt);
                set(s.order, len, kj);
                len += 1;
            }
        }
    }
    // upward pass (leaf → root messages)
    for idx in (0..len).rev() {
        let k = get(s.order, idx);
        let pk = get(s.parent, k);
        if pk == NONE {
            continue;
        }
        let dk = s.diag.get(k).copied().unwrap_or(T::ZERO);
        if !super::gt(dk, T::ZERO) {
            return Err(Error::NumericalFailure { what: "forest solve: non-positive pivot" });
        }
        let a = -s.pw.get(k).copied().unwrap_or(T::ZERO);
        let rk = s.rhs.get(k).copied().unwrap_or(T::ZERO);
        if let Some(dp) = s.diag.get_mut(pk) {
            *dp -= a * a / dk;
        }
        if let Some(rp) = s.rhs.get_mut(pk) {
            *rp -= a * rk / dk;
        }
    }
    // downward pass (root → leaf): x_k = (h_k − A_kp x_p)/P_k, stored over rhs
    for idx in 0..len {
        let k = get(s.order, idx);
        let pk = get(s.parent, k);
        let dk = s.diag.get(k).copied().unwrap_or(T::ZERO);
        if !super::gt(dk, T::ZERO) {
            return Err(Error::NumericalFailure { what: "forest solve: non-positive pivot" });
        }
        let xp = if pk == NONE { T::ZERO } else { s.rhs.get(pk).copied().unwrap_or(T::ZERO) };
        let a = -s.pw.get(k).copied().unwrap_or(T::ZERO);
        let rk = s.rhs.get(k).copied().unwrap_or(T::ZERO);
        let xk = if pk == NONE { rk / dk } else { (rk - a * xp) / dk };
        set(s.rhs, k, xk);
    }
    for (k, &v) in block.iter().enumerate() {
        let new = s.rhs.get(k).copied().unwrap_or(T::ZERO);
        let old = w.get(v).copied().unwrap_or(T::ZERO);
        problem.apply(w, v, new - old);
    }
    Ok(())
}

/// Union-find root with path halving.
fn find(uf: &mut [usize], mut a: usize) -> usize {
    loop {
        let p = get(uf, a);
        if p == a || p == NONE {
            return a;
        }
        let gp = get(uf, p);
        set(uf, a, gp);
        a = gp;
    }
}

/// How many distinct trees of forest `id` variable `v` (node `i`) links to, or `None` if joining
/// would close a cycle (two neighbours in one tree). Marks the roots with `v`.
fn forest_links<T: Real>(
    problem: &LabelPropagation<'_, T>,
    s: &mut Scratch<'_, T>,
    v: usize,
    i: usize,
    id: usize,
) -> Option<usize> {
    let mut links = 0;
    for (j, _) in problem.neighbours(i) {
        let Some(r) = tree_of(s, j, id) else { continue };
        if get(s.mark, r) == v {
            return None;
        }
        set(s.mark, r, v);
        links += 1;
    }
    Some(links)
}

/// Puts variable `v` (node `i`) into forest `id`, joining the trees of its neighbours there.
fn join_forest<T: Real>(
    problem: &LabelPropagation<'_, T>,
    s: &mut Scratch<'_, T>,
    v: usize,
    i: usize,
    id: usize,
) {
    // roots first, then `v` in forest `id` (so `v`'s own root, itself, is never looked up)
    for (j, _) in problem.neighbours(i) {
        if let Some(r) = tree_of(s, j, id) {
            set(s.uf, r, v);
        }
    }
    set(s.forest, v, id);
}

/// The root of node `j`'s tree when `j` is a variable in forest `id`.
fn tree_of<T>(s: &mut Scratch<'_, T>, j: usize, id: usize) -> Option<usize> {
    let u = get(s.node_var, j);
    (u != NONE && get(s.forest, u) == id).then(|| find(s.uf, u))
}

/// Greedy forest from the candidate variables `cand` (in order), restricted to variables with
/// `forest[v] == NONE`; members get `forest[v] = id` and are written to `blk`. Returns the size.
fn greedy_forest<T: Real>(
    problem: &LabelPropagation<'_, T>,
    s: &mut Scratch<'_, T>,
    ncand: usize,
    id: usize,
) -> usize {
    let m = problem.dim();
    for v in 0..m {
        set(s.uf, v, v);
        set(s.mark, v, NONE);
    }
    let mut size = 0;
    for c in 0..ncand {
        let v = get(s.cand, c);
        if get(s.forest, v) != NONE {
            continue;
        }
        let i = problem.node(v);
        if forest_links(problem, s, v, i, id).is_none() {
            continue;
        }
        join_forest(problem, s, v, i, id);
        set(s.blk, size, v);
        size += 1;
    }
    size
}

/// The two forests of [`ForestStrategy::BalancedTreePartition`] (ids 0 and 1) over all variables
/// that fit; the others keep `forest[v] == NONE`. Returns the two sizes.
fn two_forests<T: Real>(problem: &LabelPropagation<'_, T>, s: &mut Scratch<'_, T>) -> [usize; 2] {
    let m = problem.dim();
    for v in 0..m {
        set(s.uf, v, v);
        set(s.mark, v, NONE);
    }
    let mut sizes = [0usize; 2];
    for v in 0..m {
        let i = problem.node(v);
        // (forest, links) of the best forest v can join; roots of the two forests are distinct
        // nodes, so one `mark` array serves both cycle tests
        let mut best: Option<(usize, usize)> = None;
        for (id, &size) in sizes.iter().enumerate() {
            let Some(links) = forest_links(problem, s, v, i, id) else { continue };
            let better = match best {
                None => true,
                Some((b, bl)) => links > bl || (links == bl && size < sizes.get(b).copied().unwrap_or(0)),
            };
            if better {
                best = Some((id, links));
            }
        }
        let Some((id, _)) = best else { continue };
        join_forest(problem, s, v, i, id);
        if let Some(c) = sizes.get_mut(id) {
            *c += 1;
        }
    }
    sizes
}

/// BCD with forest blocks and exact (message-passing) block solves on a label-propagation problem,
/// from `w` (updated in place). `observer(iteration, F(w))` after each block; `false` stops.
///
/// Cost per iteration O(nnz) (objective, gradient for the stopping test / greedy order) plus
/// O(m log m) for the greedy-tree sort. Scratch: [`forest_workspace_len`] for `problem.nodes()`.
///
/// Errors: as [`forest_block_solve`]; `w` wrong length or non-finite; `tol` negative;
/// [`Error::NotConverged`] when `tol > 0` is not reached (iterate valid).
///
/// ```
/// use ferrokern::bcd::{forest_workspace_len, solve_forest, ForestConfig, LabelPropagation};
/// // Path 0 - 1 - 2 with the ends labelled 0 and 1: the middle node's optimum is their mean.
/// let (row_ptr, cols, weights) = ([0, 1, 3, 4], [1, 0, 2, 1], [1.0; 4]);
/// let (labels, labelled) = ([0.0, 0.0, 1.0], [true, false, true]);
/// let (mut values, mut vars) = ([0.0; 3], [0usize; 1]);
/// let mut lp = LabelPropagation::new(&row_ptr, &cols, &weights, &labels, &labelled, &mut values, &mut vars)?;
/// let (nt, nu) = forest_workspace_len(3).unwrap();
/// let (mut t, mut u) = ([0.0; 12], [0usize; 30]);
/// let mut w = [0.0f64];
/// solve_forest(&mut lp, &mut w, &ForestConfig::default(), &mut t[..nt], &mut u[..nu], |_, _| true)?;
/// assert!((w[0] - 0.5).abs() < 1e-12);
/// # Ok::<(), ferrokern::Error>(())
/// ```
pub fn solve_forest<T: Real>(
    problem: &mut LabelPropagation<'_, T>,
    w: &mut [T],
    config: &ForestConfig<T>,
    t_scratch: &mut [T],
    u_scratch: &mut [usize],
    mut observer: impl FnMut(usize, T) -> bool,
) -> Result<Solution<T>> {
    let m = problem.dim();
    crate::error::check_len("w", m, w.len())?;
    if !super::ge(config.tol, T::ZERO) || !config.tol.is_finite() {
        return Err(Error::InvalidParameter { name: "tol", reason: "must be finite and >= 0" });
    }
    mul_size(problem.nodes(), 10)?;
    problem.reset(w)?;
    let mut s = split(problem.nodes(), t_scratch, u_scratch)?;
    for v in 0..m {
        set(s.node_var, problem.node(v), v);
    }
    // fixed forests for the cyclic strategies
    let mut n_forests = 0usize;
    match config.strategy {
        ForestStrategy::RedBlack => {
            // greedy colouring in variable order
            s.forest.get_mut(..m).unwrap_or(&mut []).fill(NONE);
            for v in 0..m {
                let i = problem.node(v);
                let mut colour = 0;
                loop {
                    let used = problem.neighbours(i).any(|(j, _)| {
                        let u = get(s.node_var, j);
                        u != NONE && get(s.forest, u) == colour
                    });
                    if !used {
                        break;
                    }
                    colour += 1;
                }
                set(s.forest, v, colour);
                n_forests = n_forests.max(colour + 1);
            }
        }
        ForestStrategy::TreePartition => {
            s.forest.get_mut(..m).unwrap_or(&mut []).fill(NONE);
            for v in 0..m {
                set(s.cand, v, v);
            }
            let mut covered = 0;
            while covered < m {
                covered += greedy_forest(problem, &mut s, m, n_forests);
                n_forests += 1;
            }
        }
        ForestStrategy::BalancedTreePartition => {
            s.forest.get_mut(..m).unwrap_or(&mut []).fill(NONE);
            let sizes = two_forests(problem, &mut s);
            // forest 1 is empty only if every variable fitted forest 0 (then nothing is left)
            n_forests = sizes.iter().filter(|&&c| c > 0).count();
            let mut covered: usize = sizes.iter().sum();
            for v in 0..m {
                set(s.cand, v, v);
            }
            while covered < m {
                covered += greedy_forest(problem, &mut s, m, n_forests);
                n_forests += 1;
            }
        }
        ForestStrategy::GreedyTree | ForestStrategy::RandomTree => {}
    }
    let mut rng = Pcg32::seed(config.seed);
    let mut fx = problem.objective(w);
    let mut crit = T::INFINITY;
    let mut status = Status::IterationLimit;
    let mut it = 0;
    let criterion = |problem: &LabelPropagation<'_, T>, w: &[T], grad: &mut [T]| {
        let mut c = T::ZERO;
        for (v, g) in grad.iter_mut().enumerate().take(m) {
            *g = problem.partial(w, v);
            let l = problem.coord_lipschitz(v);
            if l > T::ZERO {
                c += *g * *g / (l + l);
            }
        }
        c
    };
    while it < config.max_iter {
        let greedy = config.strategy == ForestStrategy::GreedyTree;
        if config.tol > T::ZERO || greedy {
            crit = criterion(problem, w, s.grad);
            if config.tol > T::ZERO && crit <= config.tol * fx.abs().max(T::MIN_POSITIVE) {
                status = Status::Converged;
                break;
            }
        }
        let size = match config.strategy {
            ForestStrategy::RedBlack
            | ForestStrategy::TreePartition
            | ForestStrategy::BalancedTreePartition => {
                let id = it % n_forests.max(1);
                let mut size = 0;
                for v in 0..m {
                    if get(s.forest, v) == id {
                        set(s.blk, size, v);
                        size += 1;
                    }
                }
                size
            }
            ForestStrategy::GreedyTree | ForestStrategy::RandomTree => {
                for v in 0..m {
                    set(s.cand, v, v);
                    set(s.forest, v, NONE);
                }
                if let Some(c) = s.cand.get_mut(..m) {
                    if greedy {
                        let g = &*s.grad;
                        let key = |v: &usize| g.get(*v).copied().unwrap_or(T::ZERO).abs();
                        c.sort_unstable_by(|a, b| {
                            key(b).partial_cmp(&key(a)).unwrap_or(core::cmp::Ordering::Equal).then(a.cmp(b))
                        });
                    } else {
                        rng.shuffle(c);
                    }
                }
                greedy_forest(problem, &mut s, m, 0)
            }
        };
        let blk_len = size.min(s.blk.len());
        // move the block list out of the scratch borrow: solve_block only reads `blk` via the slice
        let (blk, _) = s.blk.split_at_mut(blk_len);
        let blk: &[usize] = blk;
        let mut inner = Scratch {
            diag: &mut *s.diag,
            rhs: &mut *s.rhs,
            pw: &mut *s.pw,
            grad: &mut *s.grad,
            node_var: &mut *s.node_var,
            pos: &mut *s.pos,
            forest: &mut *s.forest,
            uf: &mut *s.uf,
            mark: &mut *s.mark,
            cand: &mut *s.cand,
            blk: &mut [],
            order: &mut *s.order,
            parent: &mut *s.parent,
            seen: &mut *s.seen,
        };
        let r = solve_block(problem, w, blk, &mut inner);
        for &v in blk {
            set(inner.pos, problem.node(v), NONE);
        }
        r?;
        it += 1;
        fx = problem.objective(w);
        if !observer(it, fx) {
            status = Status::Stopped;
            break;
        }
    }
    if status == Status::IterationLimit {
        crit = criterion(problem, w, s.grad);
        if config.tol > T::ZERO {
            if crit <= config.tol * fx.abs().max(T::MIN_POSITIVE) {
                status = Status::Converged;
            } else {
                return Err(Error::NotConverged { iterations: it, residual: crit.to_f64() });
            }
        }
    }
    Ok(Solution { objective: fx, iterations: it, gap: crit, status, support_changed_at: 0 })
}
