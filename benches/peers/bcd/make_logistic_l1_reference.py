"""L1-regularised logistic regression optima on breast_cancer_std for host-tests/tests/bcd_fast.rs
(issue #4: duality-gap stopping for logistic-L1).

Our objective: (1/n) Σ log(1 + exp(−s_i x_iᵀw)) + λ‖w‖₁, s_i = ±1 for labels 1/0, no intercept.
scikit-learn's liblinear minimises C·Σ log-loss + ‖w‖₁, i.e. the same problem with C = 1/(n·λ).
Each optimum is a liblinear fit at tol 1e-12, checked by its own KKT residual
max(|g_j| − λ)_+ (w_j = 0) / |g_j + λ·sign(w_j)| (w_j ≠ 0), g = ∇ of the smooth part.

Run (venv outside the repo):
    /work/venv-bcd/bin/python benches/peers/bcd/make_logistic_l1_reference.py \
        > host-tests/data/reference/bcd/logistic_l1.json
"""

import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..")
a = np.loadtxt(os.path.join(ROOT, "host-tests", "data", "breast_cancer_std.csv"), delimiter=",", skiprows=1)
x, y = a[:, :-1], a[:, -1]
n = len(y)
s = np.where(y == 1, 1.0, -1.0)
cases = []
for lam in (0.05, 0.01, 0.002):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = LogisticRegression(C=1.0 / (n * lam), l1_ratio=1.0, solver="liblinear", fit_intercept=False,
                                       tol=1e-12, max_iter=1000000)
            model.fit(x, y)
        except (TypeError, ValueError):
            model = LogisticRegression(C=1.0 / (n * lam), penalty="l1", solver="liblinear", fit_intercept=False,
                                       tol=1e-12, max_iter=1000000)
            model.fit(x, y)
    w = model.coef_.ravel()
    z = s * (x @ w)
    obj = np.mean(np.logaddexp(0.0, -z)) + lam * np.abs(w).sum()
    g = x.T @ (-s / (1.0 + np.exp(z))) / n
    kkt = np.where(w == 0, np.maximum(np.abs(g) - lam, 0.0), np.abs(g + lam * np.sign(w)))
    cases.append({"lambda": lam, "objective": obj, "support": [int(j) for j in np.flatnonzero(w)],
                  "kkt_violation": float(kkt.max())})
print(json.dumps({"dataset": "breast_cancer_std", "cases": cases,
                  "versions": {"numpy": np.__version__, "scikit-learn": sklearn.__version__}}, indent=1))
