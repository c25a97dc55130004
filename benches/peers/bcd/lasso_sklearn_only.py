"""scikit-learn Lasso timings for diabetes_std, breast_cancer_std and the synthetic 5000 × 500 problem only
(same data, λ, tolerance and timer as bench_sklearn.py, ≥ 1 s of repeats), for interleaving with
`BCD_RULES=cyclic-active cargo bench -p ferrokern-benches --bench bcd -- bcd_lasso`
(benches/README-bcd.md, interleaved rounds).

Run: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /work/venv-bcd/bin/python benches/peers/bcd/lasso_sklearn_only.py
"""

import importlib.util
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
spec = importlib.util.spec_from_file_location("bench", os.path.join(os.path.dirname(__file__), "bench_sklearn.py"))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

import numpy as np  # noqa: E402
from sklearn.linear_model import Lasso  # noqa: E402

for name, (x, y) in [("diabetes", bench.load("diabetes_std")), ("breast_cancer", bench.load("breast_cancer_std")),
                     ("synthetic", bench.synthetic())]:
    n = len(y)
    lam = 0.1 * np.abs(x.T @ y).max() / n
    t = bench.timeit(lambda: Lasso(alpha=lam, fit_intercept=False, tol=5e-7, max_iter=100000).fit(x, y),
                     min_seconds=1.0)
    print(name, "sklearn %.3f ms" % (t * 1e3))
