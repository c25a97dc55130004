"""Reference numbers for ferrokern::ot from POT (Python Optimal Transport).

Uniform random 2-D point clouds (numpy default_rng(SEED)), a = b = uniform, cost = squared
Euclidean distance divided by its maximum, ε ∈ {0.1, 0.01, 0.001}, n = m ∈ {64, 256, 1000}.
POT method per ε: plain scaling `ot.sinkhorn(method='sinkhorn')` where exp(-C/ε) stays normal in
f64 (ε ≥ 0.01), `method='sinkhorn_log'` at ε = 0.001 (exp(-1000) underflows). stopThr = 1e-9
(POT's default, L2 column-marginal error checked every 10 iterations), numItermax = 100000.

Writes host-tests/data/reference/sinkhorn/pot_clouds.json. Run from the repository root:
    /work/venv-sinkhorn/bin/python benches/peers/sinkhorn/make_reference.py
`--only N:EPS` recomputes one case in the existing file (same points: the generator is replayed).
"""
import json
import sys

import numpy as np
import ot

SEED = 20261129
SIZES = [64, 256, 1000]
EPSILONS = [0.1, 0.01, 0.001]
STOP_THR = 1e-9
MAX_ITER = 1000000
OUT = "host-tests/data/reference/sinkhorn/pot_clouds.json"


def method_for(eps):
    return "sinkhorn" if eps >= 0.01 else "sinkhorn_log"


def main():
    only = None
    if len(sys.argv) == 3 and sys.argv[1] == "--only":
        n_s, eps_s = sys.argv[2].split(":")
        only = (int(n_s), float(eps_s))
    rng = np.random.default_rng(SEED)
    clouds = []
    cases = []
    for n in SIZES:
        x = rng.random((n, 2))
        y = rng.random((n, 2))
        clouds.append({"n": n, "x": x.ravel().tolist(), "y": y.ravel().tolist()})
        a = np.full(n, 1.0 / n)
        b = np.full(n, 1.0 / n)
        C = ot.dist(x, y, metric="sqeuclidean")
        cmax = C.max()
        C = C / cmax
        for eps in EPSILONS:
            if only is not None and only != (n, eps):
                continue
            method = method_for(eps)
            P, log = ot.sinkhorn(a, b, C, eps, method=method, numItermax=MAX_ITER,
                                 stopThr=STOP_THR, log=True)
            if method == "sinkhorn":
                f = eps * np.log(log["u"])
                g = eps * np.log(log["v"])
            else:
                f = eps * log["log_u"]
                g = eps * log["log_v"]
            cost = float(np.sum(P * C))
            pos = P[P > 0]
            entropy = float(-np.sum(pos * np.log(pos)))
            col_err = float(np.linalg.norm(P.sum(axis=0) - b))
            cases.append({
                "n": n, "eps": eps, "method": method, "niter": int(log["niter"]),
                "cost_max": float(cmax), "transport_cost": cost,
                "entropic_objective": cost - eps * entropy, "column_error": col_err,
                "converged": col_err < STOP_THR,
                "f": [float("%.12e" % t) for t in f], "g": [float("%.12e" % t) for t in g],
            })
            print(n, eps, method, log["niter"], cost, col_err, file=sys.stderr, flush=True)
    meta = {
        "generator": "benches/peers/sinkhorn/make_reference.py",
        "pot_version": ot.__version__, "numpy_version": np.__version__, "seed": SEED,
        "stop_thr": STOP_THR, "max_iter": MAX_ITER,
        "cost": "sqeuclidean / max", "marginals": "uniform",
        "layout": "x, y row-major n x 2; f, g = eps * log scalings (POT's potentials)",
    }
    if only is not None:
        with open(OUT) as fh:
            old = json.load(fh)
        old["cases"] = [case if (c["n"], c["eps"]) == only else c for c in old["cases"] for case in [cases[0]]]
        old["meta"]["max_iter"] = MAX_ITER
        clouds, cases, meta = old["clouds"], old["cases"], old["meta"]
    with open(OUT, "w") as fh:
        json.dump({"meta": meta, "clouds": clouds, "cases": cases}, fh, separators=(",", ":"))
        fh.write("\n")


if __name__ == "__main__":
    main()
