"""Independent check of spec bcd.md check 5 (label propagation on the 20×20 lattice, w = 1,
20 labelled nodes): how many forest-block iterations with exact block solves do the strategies
need to reach f − f* ≤ 1e-10·|f*|, from x0 = 0?

Plain numpy/scipy, sharing nothing with ferrokern but the instance
(host-tests/data/reference/bcd/check5_lattice_instance.json, written by bcd_spec.rs
`check5_instance_file_matches_generator` from the test's own label generator):
  * A, b of spec §4 on the unlabelled nodes; f* = −½ bᵀA⁻¹b by a dense solve;
  * cyclic two-block Gauss-Seidel for the red-black (checkerboard) split, the reference code's
    lattice "comb" tree partition (IssamLaradji/BlockCoordinateDescent
    `tree_algorithms.get_tp_indices`, as described there: first node of every column plus the even
    columns / last node of every column plus the odd columns, labelled nodes removed), and a
    greedy forest cover in node order (what ferrokern's `ForestStrategy::TreePartition` builds);
    each with its iteration count by simulation and the spectral radius ρ of one block
    Gauss-Seidel cycle over its k forests: the error contracts by ρ per cycle, so f − f*
    (quadratic in the error) by ρ² per cycle, ρ^(2/k) per block solve; the asymptotic count is
    ln(1e10)/ln(ρ^(−2/k)) (plus a transient);
  * greedy tree (reference `GSTree`): each iteration sort by |∇f| descending (ties by index), add a
    node unless it joins two nodes of the same tree (union-find), exact dense solve on the block;
    also ordered by the reference's GSL-Tree score |g_i|/sqrt(L_i) and GSD-Tree score
    |g_i|/sqrt(Σ_j |A_ij|).
Attempts to reach the spec's 200 (session 6):
  * two forests grown together in node order, each node into the forest it links to more
    neighbours of without a cycle (ties: smaller forest, then the first), leftovers by greedy
    cover: what ferrokern's `ForestStrategy::BalancedTreePartition` builds;
  * the comb in the other orientation, both combs alternated (4 forests, cyclic), and a greedy
    (Gauss-Southwell) choice among those 4 forests by Σ g²/L or by the exact block progress;
  * a local search over 2-forest partitions maximising μ_min of the pencil (A, D), D the
    block-diagonal part: for two blocks the block Gauss-Seidel radius is ρ = (1 − μ_min)²
    (ρ_GS = ρ_Jacobi², ρ_Jacobi = 1 − μ_min), so this minimises ρ; moves flip one node to the other
    forest when it stays a forest; candidates ranked by the first-order change of μ, the best of
    20 exact evaluations taken, until no candidate improves; from the comb, from the node-order
    cover and from the balanced partition;
  * an upper bound on μ_min over EVERY 2-forest partition (so a lower bound on ρ): for any v > 0,
    μ_min ≤ vᵀAv / (vᵀAv + 2 Σ_{cut edges} v_i v_j) (w = 1), and every 2-forest cut indicator c
    satisfies c ∈ [0,1]^E, Σ c ≥ E − (m − 2) (a forest on k nodes has ≤ k − 1 edges) and ≥ 2 cut
    edges on every unit square of unlabelled nodes (a square inside one forest is a cycle); the
    linear program min Σ c_e v_i v_j under these constraints (scipy HiGHS) bounds the cut term from
    below; v = exp(z) is chosen by L-BFGS from v = sqrt(A⁻¹1) to make the bound small;
  * the rate implied by the paper's Fig. 6 (D): f − f* ≈ 1e-4 from |f*| ≈ 1.046e9 after (at most)
    500 iterations, and the per-cycle ρ a 2-forest partition needs for 200 iterations.

Run (venv outside the repo):
    /work/venv-bcd/bin/python benches/peers/bcd/check5_lattice.py \
        > benches/peers/bcd/check5_lattice.out.json
"""

import json
import os

import numpy as np
import scipy
import scipy.linalg
import scipy.optimize
import scipy.sparse
import scipy.sparse.csgraph

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..")
inst = json.load(open(os.path.join(ROOT, "host-tests", "data", "reference", "bcd", "check5_lattice_instance.json")))
side, wt = inst["side"], inst["weight"]
N = side * side
labelled = np.zeros(N, bool)
labelled[inst["labelled"]] = True
yl = np.zeros(N)
yl[inst["labelled"]] = inst["labels"]


def nbrs(i):
    r, c = divmod(i, side)
    out = []
    if r > 0:
        out.append(i - side)
    if c > 0:
        out.append(i - 1)
    if c + 1 < side:
        out.append(i + 1)
    if r + 1 < side:
        out.append(i + side)
    return out


W = np.zeros((N, N))
for i in range(N):
    for j in nbrs(i):
        W[i, j] = wt
U = np.flatnonzero(~labelled)
pos = {int(u): k for k, u in enumerate(U)}
m = len(U)
A = np.diag(W[U].sum(axis=1)) - W[np.ix_(U, U)]
b = W[np.ix_(U, np.flatnonzero(labelled))] @ yl[labelled]
xs = np.linalg.solve(A, b)
fstar = -0.5 * b @ xs
TOL = 1e-10 * abs(fstar)


def f(x):
    return 0.5 * x @ A @ x - b @ x


def is_forest(block):
    sub = (A[np.ix_(block, block)] != 0) & ~np.eye(len(block), dtype=bool)
    edges = sub.sum() // 2
    ncomp = scipy.sparse.csgraph.connected_components(scipy.sparse.csr_matrix(sub), directed=False)[0]
    return edges == len(block) - ncomp


def exact(x, block):
    block = np.asarray(block)
    rest = np.setdiff1d(np.arange(m), block)
    x = x.copy()
    x[block] = np.linalg.solve(A[np.ix_(block, block)], b[block] - A[np.ix_(block, rest)] @ x[rest])
    return x


def run_cyclic(blocks, iters=3000):
    x = np.zeros(m)
    for it in range(1, iters + 1):
        x = exact(x, blocks[(it - 1) % len(blocks)])
        if f(x) - fstar <= TOL:
            return it, float(f(x) - fstar)
    return None, float(f(x) - fstar)


def gs_radius(blocks):
    """Spectral radius of one cycle of block Gauss-Seidel over `blocks` (error propagation)."""
    M = np.eye(m)
    for blk in blocks:
        blk = np.asarray(blk)
        P = np.eye(m)
        rest = np.setdiff1d(np.arange(m), blk)
        P[np.ix_(blk, blk)] = 0.0
        P[np.ix_(blk, rest)] = -np.linalg.solve(A[np.ix_(blk, blk)], A[np.ix_(blk, rest)])
        M = P @ M
    return float(np.max(np.abs(np.linalg.eigvals(M))))


def to_local(nodes):
    return sorted(pos[int(i)] for i in nodes if not labelled[i])


# red-black: checkerboard on the full lattice
red = to_local([i for i in range(N) if sum(divmod(i, side)) % 2 == 0])
black = to_local([i for i in range(N) if sum(divmod(i, side)) % 2 == 1])
# comb (reference get_tp_indices, rows/cols as in its column-major numbering: "column" c = our
# nodes c·side .. c·side + side − 1, i.e. one lattice row here; the lattice is symmetric)
white_full, black_full = [], []
for c in range(side):
    col = list(range(c * side, (c + 1) * side))
    if c % 2 == 0:
        white_full += col[:-1]
        black_full.append(col[-1])
    else:
        black_full += col[1:]
        white_full.append(col[0])
comb = [to_local(black_full), to_local(white_full)]


def greedy_forest(order, taken):
    parent = {}

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    block = []
    for v in order:
        if v in taken:
            continue
        roots = set()
        cyc = False
        for j in nbrs(int(U[v])):
            if labelled[j]:
                continue
            u = pos[j]
            if u in parent:
                r = find(u)
                if r in roots:
                    cyc = True
                    break
                roots.add(r)
        if cyc:
            continue
        parent[v] = v
        for r in roots:
            parent[r] = v
        block.append(v)
    return block


# greedy cover by forests in node order
cover, taken = [], set()
while len(taken) < m:
    blk = greedy_forest(range(m), taken)
    cover.append(sorted(blk))
    taken |= set(blk)

results = {}
for name, blocks in (("red_black", [red, black]), ("tree_partition_node_order", cover), ("comb_reference", comb)):
    assert sorted(sum(blocks, [])) == list(range(m))
    assert all(is_forest(np.asarray(bk)) for bk in blocks)
    it, gap = run_cyclic(blocks)
    rho = gs_radius(blocks)
    per_solve = rho ** (1.0 / len(blocks))
    results[name] = {"forests": len(blocks), "sizes": [len(bk) for bk in blocks], "iterations": it,
                     "f_minus_fstar_at_stop": gap, "rho_cycle": rho,
                     "predicted_iterations_asymptotic": float(np.log(1e10) / -np.log(per_solve ** 2)) if rho > 0 else 0.0}

# greedy tree by |g| (reference GSTree)
x = np.zeros(m)
first = None
for it in range(1, 3001):
    g = A @ x - b
    order = sorted(range(m), key=lambda v: (-abs(g[v]), v))
    blk = greedy_forest(order, set())
    x = exact(x, sorted(blk))
    if f(x) - fstar <= TOL:
        first = it
        break
results["greedy_tree"] = {"iterations": first, "f_minus_fstar_at_stop": float(f(x) - fstar)}


def run_greedy(score):
    x = np.zeros(m)
    for it in range(1, 3001):
        s = score(A @ x - b)
        x = exact(x, sorted(greedy_forest(sorted(range(m), key=lambda v: (-s[v], v)), set())))
        if f(x) - fstar <= TOL:
            return it
    return None


Ld = np.diag(A)
results["greedy_tree_gsl_score"] = {"iterations": run_greedy(lambda g: np.abs(g) / np.sqrt(Ld))}
results["greedy_tree_gsd_score"] = {"iterations": run_greedy(lambda g: np.abs(g) / np.sqrt(np.abs(A).sum(1)))}


def fixed(name, blocks):
    # a cover by forests (the alternated combs cover every node twice)
    assert sorted(set(sum(blocks, []))) == list(range(m))
    assert all(is_forest(np.asarray(bk)) for bk in blocks)
    it, gap = run_cyclic(blocks)
    rho = gs_radius(blocks)
    results[name] = {"forests": len(blocks), "sizes": [len(bk) for bk in blocks], "iterations": it,
                     "rho_cycle": rho, "predicted_iterations_asymptotic": predicted(rho, len(blocks))}


def predicted(rho, k):
    return float(np.log(1e10) / -np.log(rho ** (2.0 / k)))


def balanced_two_forests():
    side_of = -np.ones(m, int)
    uf = list(range(m))

    def find(a):
        while uf[a] != a:
            uf[a] = uf[uf[a]]
            a = uf[a]
        return a

    sizes = [0, 0]
    for v in range(m):
        nb = [pos[j] for j in nbrs(int(U[v])) if not labelled[j]]
        fits = []
        for s_ in (0, 1):
            roots = [find(u) for u in nb if side_of[u] == s_]
            if len(roots) == len(set(roots)):
                fits.append((s_, len(roots)))
        if not fits:
            continue
        s_ = max(fits, key=lambda t: (t[1], -sizes[t[0]]))[0]
        side_of[v] = s_
        sizes[s_] += 1
        for u in nb:
            if side_of[u] == s_:
                uf[find(u)] = v
    blocks = [sorted(np.flatnonzero(side_of == s_).tolist()) for s_ in (0, 1)]
    left = set(np.flatnonzero(side_of < 0).tolist())
    taken = set(range(m)) - left
    while len(taken) < m:
        blk = greedy_forest(range(m), taken)
        blocks.append(sorted(blk))
        taken |= set(blk)
    return blocks


balanced = balanced_two_forests()
fixed("balanced_two_forests", balanced)
comb_t = [[], []]
for c in range(side):
    col = [r * side + c for r in range(side)]
    if c % 2 == 0:
        comb_t[1] += col[:-1]
        comb_t[0].append(col[-1])
    else:
        comb_t[0] += col[1:]
        comb_t[1].append(col[0])
comb_t = [to_local(comb_t[0]), to_local(comb_t[1])]
fixed("comb_reference_transposed", comb_t)
fixed("combs_alternated_4_forests", comb + comb_t)


def run_gs_among(blocks, exact_progress):
    x = np.zeros(m)
    for it in range(1, 3001):
        g = A @ x - b
        sc = [g[bk] @ np.linalg.solve(A[np.ix_(bk, bk)], g[bk]) if exact_progress else np.sum(g[bk] ** 2 / Ld[bk])
              for bk in map(np.asarray, blocks)]
        x = exact(x, blocks[int(np.argmax(sc))])
        if f(x) - fstar <= TOL:
            return it
    return None


results["gs_among_4_comb_forests_gsl"] = {"iterations": run_gs_among(comb + comb_t, False)}
results["gs_among_4_comb_forests_exact_progress"] = {"iterations": run_gs_among(comb + comb_t, True)}


def mu_vec(side_of):
    D = np.where(side_of[:, None] == side_of[None, :], A, 0.0)
    w, V = scipy.linalg.eigh(A, D, subset_by_index=[0, 0])
    return w[0], V[:, 0]


def joins_without_cycle(side_of, s_, v):
    nb = [u for u in adjl[v] if side_of[u] == s_]
    comp = {}
    for k, st in enumerate(nb):
        if st in comp:
            return False
        stack, comp[st] = [st], k
        while stack:
            a = stack.pop()
            for c in adjl[a]:
                if c != v and side_of[c] == s_ and c not in comp:
                    comp[c] = k
                    stack.append(c)
    return True


adjl = [[pos[j] for j in nbrs(int(U[v])) if not labelled[j]] for v in range(m)]


def local_search(blocks, ncand=20, maxit=600):
    side_of = np.zeros(m, int)
    side_of[blocks[1]] = 1
    mu, vec = mu_vec(side_of)
    for _ in range(maxit):
        # first-order change of μ when k flips: −μ·vᵀΔDv, ΔD removes k's edges to its side and
        # adds those to the other side (A_kj = −w)
        score = sorted((sum(vec[k] * vec[j] for j in adjl[k] if side_of[j] == side_of[k])
                        - sum(vec[k] * vec[j] for j in adjl[k] if side_of[j] != side_of[k]), k) for k in range(m))
        best, tried = None, 0
        for _, k in score:
            t = 1 - side_of[k]
            if not joins_without_cycle(side_of, t, k):
                continue
            side_of[k] = t
            mu2, vec2 = mu_vec(side_of)
            side_of[k] = 1 - t
            tried += 1
            if mu2 > mu + 1e-12 and (best is None or mu2 > best[0]):
                best = (mu2, k, vec2)
            if tried >= ncand:
                break
        if best is None:
            break
        mu, k, vec = best
        side_of[k] = 1 - side_of[k]
    return [np.flatnonzero(side_of == 0).tolist(), np.flatnonzero(side_of == 1).tolist()]


for start, blocks in (("comb", comb), ("node_order_cover", cover), ("balanced", balanced)):
    if len(blocks) == 2:
        fixed(f"local_search_min_rho_from_{start}", local_search(blocks))


def square_lp_bound():
    edges = [(i, j) for i in range(m) for j in adjl[i] if j > i]
    eid = {e: k for k, e in enumerate(edges)}
    ei = np.array([e[0] for e in edges])
    ej = np.array([e[1] for e in edges])
    squares = []
    for r in range(side - 1):
        for c in range(side - 1):
            sq = [r * side + c, r * side + c + 1, (r + 1) * side + c + 1, (r + 1) * side + c]
            if any(labelled[q] for q in sq):
                continue
            loc = [pos[q] for q in sq]
            squares.append([eid[tuple(sorted((loc[k], loc[(k + 1) % 4])))] for k in range(4)])
    nsq, ne = len(squares), len(edges)
    a_ub = np.zeros((nsq + 1, ne))
    for k, es in enumerate(squares):
        a_ub[k, es] = -1.0
    a_ub[nsq, :] = -1.0
    b_ub = np.r_[-2.0 * np.ones(nsq), -(ne - (m - 2))]
    a_ub = scipy.sparse.csr_matrix(a_ub)

    def bound(z):
        v = np.exp(z)
        av = A @ v
        q = v @ av
        p = v[ei] * v[ej]
        c = scipy.optimize.linprog(p, A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs").x
        den = q + 2 * (p @ c)
        ds = np.zeros(m)
        np.add.at(ds, ei, c * v[ej])
        np.add.at(ds, ej, c * v[ei])
        dq = 2 * av
        return q / den, (dq * den - q * (dq + 2 * ds)) / den ** 2 * v

    z0 = np.log(np.sqrt(np.linalg.solve(A, np.ones(m))))
    r = scipy.optimize.minimize(bound, z0, jac=True, method="L-BFGS-B", options={"maxiter": 3000})
    mu = float(bound(r.x)[0])
    rho = (1 - mu) ** 2
    # x0 = 0: the initial error is x*, and A's lowest mode carries this share of f0 − f* = ½x*ᵀAx*;
    # if the slowest block-GS mode is that smooth mode, ρ per iteration (2 forests) on it gives
    # the estimate below (a heuristic, not a bound)
    lam, vecs = np.linalg.eigh(A)
    share = float(lam[0] * (vecs[:, 0] @ xs) ** 2 / (xs @ A @ xs))
    return {"squares": nsq, "edges": ne, "mu_min_upper_bound": mu, "rho_cycle_lower_bound": rho,
            "predicted_iterations_asymptotic_lower_bound": predicted(rho, 2),
            "lowest_mode_share_of_initial_gap": share,
            "estimated_iterations_at_bound_from_that_share": float(np.log(1e-10 / share) / np.log(rho))}


results["any_2_forest_partition_bound"] = square_lp_bound()
# the paper's Fig. 6 (D): 1e-4 from |f*| = 1.046e9 after at most 500 iterations
paper_f0 = 1045999575.2270696
paper_rate = (1e-4 / paper_f0) ** (1 / 500)
paper = {"f_contraction_per_iteration_at_most": paper_rate,
         "iterations_for_1e-10_relative_at_that_rate": float(np.log(1e-10) / np.log(paper_rate)),
         "rho_cycle_needed_for_200_iterations_2_forests_asymptotic": 1e-10 ** (1 / 200)}
# the smallest eigenvalue of A: the condition that limits every method here
ev = np.linalg.eigvalsh(A)
print(json.dumps({"instance": "20x20 lattice, w = 1, 20 labelled (lattice_labels seed 21)", "unknowns": m,
                  "fstar": fstar, "lambda_min": float(ev[0]), "lambda_max": float(ev[-1]),
                  "target": "f - f* <= 1e-10 |f*|", "results": results, "paper_fig6_rate": paper,
                  "versions": {"numpy": np.__version__, "scipy": scipy.__version__}}, indent=1))
