"""L2 logistic regression WITH an unpenalised intercept on breast_cancer_std, for
host-tests/tests/bcd_fast.rs (`Logistic::with_intercept`) and the CLI's `--intercept`.

Our objective: (1/n) Σ log(1 + exp(−s_i (x_iᵀw + b))) + (λ/2)‖w‖², λ = 1/n (C = 1), b free.
scikit-learn's LogisticRegression(C=1, fit_intercept=True) does not penalise the intercept either.
Fitted with lbfgs at tol 1e-12; the KKT residual (max |∇|) is recorded.

Run (venv outside the repo):
    /work/venv-bcd/bin/python benches/peers/bcd/make_intercept_reference.py \
        > host-tests/data/reference/bcd/intercept.json
"""

import json
import os

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..")
a = np.loadtxt(os.path.join(ROOT, "host-tests", "data", "breast_cancer_std.csv"), delimiter=",", skiprows=1)
x, y = a[:, :-1], a[:, -1]
n = len(y)
lam = 1.0 / n
m = LogisticRegression(C=1.0, fit_intercept=True, solver="lbfgs", tol=1e-12, max_iter=100000).fit(x, y)
w, b = m.coef_.ravel(), float(m.intercept_[0])
s = np.where(y == 1, 1.0, -1.0)
z = s * (x @ w + b)
obj = np.mean(np.logaddexp(0.0, -z)) + 0.5 * lam * w @ w
u = -s / (1.0 + np.exp(z)) / n
grad = np.concatenate([x.T @ u + lam * w, [u.sum()]])
print(json.dumps({"dataset": "breast_cancer_std", "lambda": lam, "objective": obj, "intercept": b,
                  "coefficients": w.tolist(), "kkt_violation": float(np.abs(grad).max()),
                  "versions": {"numpy": np.__version__, "scikit-learn": sklearn.__version__}}, indent=1))
