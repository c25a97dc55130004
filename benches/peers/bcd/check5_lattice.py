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
    node unless it joins two nodes of the same tree (union-find), exact dense solve on the block.

Run (venv outside the repo):
    /work/venv-bcd/bin/python benches/peers/bcd/check5_lattice.py \
        > benches/peers/bcd/check5_lattice.out.json
"""

import json
import os

import numpy as np
import scipy
import scipy.linalg

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
# the smallest eigenvalue of A: the condition that limits every method here
ev = np.linalg.eigvalsh(A)
print(json.dumps({"instance": "20x20 lattice, w = 1, 20 labelled (lattice_labels seed 21)", "unknowns": m,
                  "fstar": fstar, "lambda_min": float(ev[0]), "lambda_max": float(ev[-1]),
                  "target": "f - f* <= 1e-10 |f*|", "results": results,
                  "versions": {"numpy": np.__version__, "scipy": scipy.__version__}}, indent=1))
