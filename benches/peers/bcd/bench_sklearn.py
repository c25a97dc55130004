"""scikit-learn peer timings for benches/benches/bcd.rs (issue #4), single thread.

* Lasso(alpha=λ, fit_intercept=False), λ = 0.1·λ_max, on diabetes_std, breast_cancer_std and the
  synthetic 5000 × 500 problem (same splitmix64 generator as the Rust bench, bit-identical data).
  Tolerance semantics: scikit-learn stops when its duality gap (n × ours) < tol·‖y‖², i.e. our
  gap < tol·‖y‖²/n = 2·tol·F(0); so tol = 5e-7 is "relative gap ≤ 1e-6" as the Rust bench measures
  it (`gap ≤ 1e-6·F(0)`), except that scikit-learn only evaluates the gap after sweeps whose
  max|Δw|/max|w| < tol (it may therefore run a few sweeps further). Cyclic selection.
* L2 logistic on breast_cancer_std (C = 1 ⇔ λ = 1/n, fit_intercept=False), liblinear and lbfgs:
  for each solver the largest tol in 1e-4 … 1e-14 whose result is within 1e-8 relative of the
  committed optimum, then timed.

Times: median of repeated fits (each ≥ 0.5 s of repeats), wall clock around `fit`, so they include
scikit-learn's Python call overhead (validation, copies), as a user would see it.

Run (venv outside the repo): OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    /work/venv-bcd/bin/python benches/peers/bcd/bench_sklearn.py
"""

import json
import os
import statistics
import time
import warnings

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import Lasso, LogisticRegression  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..")
DATA = os.path.join(ROOT, "host-tests", "data")
MASK = (1 << 64) - 1


def load(name):
    a = np.loadtxt(os.path.join(DATA, name + ".csv"), delimiter=",", skiprows=1)
    return np.ascontiguousarray(a[:, :-1]), a[:, -1].copy()


def splitmix_uniform(state, count):
    out = np.empty(count)
    for k in range(count):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z ^= z >> 31
        out[k] = 2.0 * ((z >> 11) * (1.0 / (1 << 53))) - 1.0
    return out, state


def synthetic(n=5000, p=500):
    """Same as `synthetic` in benches/benches/bcd.rs (row by row: p values, then the noise)."""
    e, state = splitmix_uniform(2026, n * p + n)
    x = np.empty((n, p))
    for i in range(n):
        prev = 0.0
        row = e[i * p:(i + 1) * p]
        for j in range(p):
            prev = 0.8 * prev + row[j]
            x[i, j] = prev
    truth = np.array([(1.0 if (j // 25) % 2 == 0 else -1.0) * (1.0 + j / 100.0) if j % 25 == 0 else 0.0
                      for j in range(p)])
    y = np.empty(n)
    for i in range(n):
        y[i] = float(np.dot(x[i], truth)) + 0.5 * e[n * p + i]
    return x, y


def timeit(fn, min_seconds=0.5, min_runs=5):
    times = []
    start = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def lasso_objective(x, y, w, lam):
    r = y - x @ w
    return 0.5 * r @ r / len(y) + lam * np.abs(w).sum()


def main():
    warnings.simplefilter("ignore", ConvergenceWarning)
    results = {"lasso": [], "logistic": []}
    sets = [("diabetes", *load("diabetes_std")), ("breast_cancer", *load("breast_cancer_std")),
            ("synthetic5000x500", *synthetic())]
    for name, x, y in sets:
        n = len(y)
        lam = 0.1 * np.abs(x.T @ y).max() / n
        model = Lasso(alpha=lam, fit_intercept=False, tol=5e-7, max_iter=100000, selection="cyclic")
        model.fit(x, y)
        f0 = 0.5 * y @ y / n
        f = lasso_objective(x, y, model.coef_, lam)
        # reference optimum for the achieved gap: a tight fit
        tight = Lasso(alpha=lam, fit_intercept=False, tol=1e-14, max_iter=1000000).fit(x, y)
        f_star = lasso_objective(x, y, tight.coef_, lam)
        t = timeit(lambda: Lasso(alpha=lam, fit_intercept=False, tol=5e-7, max_iter=100000).fit(x, y))
        row = {"dataset": name, "n": n, "p": x.shape[1], "lambda": lam, "seconds": t,
               "sweeps": int(model.n_iter_), "objective": f, "rel_subopt": (f - f_star) / f0,
               "nonzeros": int((model.coef_ != 0).sum())}
        print(json.dumps(row))
        results["lasso"].append(row)

    refs = json.load(open(os.path.join(DATA, "reference", "bcd", "reference.json")))
    f_star = refs["logistic_l2"]["objective"]
    x, y = load("breast_cancer_std")
    n = len(y)
    lam = 1.0 / n
    for solver in ("liblinear", "lbfgs"):
        chosen = None
        for tol in [10.0 ** -k for k in range(4, 15)]:
            m = LogisticRegression(C=1.0, fit_intercept=False, solver=solver, tol=tol, max_iter=100000)
            m.fit(x, y)
            s = np.where(y == 1, 1.0, -1.0)
            z = s * (x @ m.coef_.ravel())
            f = np.mean(np.logaddexp(0.0, -z)) + 0.5 * lam * m.coef_.ravel() @ m.coef_.ravel()
            if (f - f_star) / f_star <= 1e-8:
                chosen = (tol, f, int(np.max(m.n_iter_)))
                break
        if chosen is None:
            print(json.dumps({"solver": solver, "reached": False}))
            continue
        tol, f, it = chosen
        t = timeit(lambda: LogisticRegression(C=1.0, fit_intercept=False, solver=solver, tol=tol,
                                              max_iter=100000).fit(x, y))
        row = {"solver": solver, "tol": tol, "seconds": t, "iterations": it, "rel_subopt": (f - f_star) / f_star}
        print(json.dumps(row))
        results["logistic"].append(row)
    import sklearn
    results["versions"] = {"numpy": np.__version__, "scikit-learn": sklearn.__version__}
    print(json.dumps(results["versions"]))


if __name__ == "__main__":
    main()
