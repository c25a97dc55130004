"""Optima WITH an unpenalised intercept for L1 logistic and softmax (issue #4 `--intercept`), for
host-tests/tests/bcd_fast.rs and cli/tests/bcd_cli.rs.

Objectives (exactly as ferrokern::bcd with `with_intercept`):
  logistic-l1  (1/n) Σ log(1 + exp(−s_i (x_iᵀw + b))) + λ‖w‖₁, s = 2y − 1, b free;
               breast_cancer_std, λ ∈ {0.05, 0.01}.
  softmax      (1/n) Σ −log softmax(W x_i + b)_{y_i} + (λ/2)‖W‖², b ∈ R^K free;
               digits with X = pixels/16, λ = 0.01 (C = 1/(nλ); stronger than the λ = 1/n of
               make_reference.py so that the host test's cyclic block Newton converges in seconds).
scikit-learn does not penalise the intercept for saga / lbfgs (liblinear would, so it is not used).

Two independent computations per case:
  * scikit-learn: LogisticRegression(l1, saga, C = 1/(nλ), fit_intercept=True, tol 1e-15) and
    LogisticRegression(multinomial lbfgs, C = 1/(nλ), fit_intercept=True, tol 1e-12);
  * our own numpy polish of that point: Newton on the smooth problem restricted to the support
    (+ intercept) for L1 (the signs fixed: the L1 term is linear there), on (W, b) for softmax
    (pseudo-inverse: F is flat along b + t·1), until the KKT residual stops falling.
The recorded "objective" is the polished one (KKT residual recorded); "objective_sklearn" the raw.
Intercepts of softmax are recorded centred (b − mean b), the only determined part.

Run (venv outside the repo):
    /work/venv-bcd/bin/python benches/peers/bcd/make_intercept_l1_softmax_reference.py \
        > host-tests/data/reference/bcd/intercept_l1_softmax.json
"""

import json
import os
import warnings

import numpy as np
import scipy
import scipy.special
import sklearn
from sklearn.linear_model import LogisticRegression

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..")
DATA = os.path.join(ROOT, "host-tests", "data")


def load(name):
    a = np.loadtxt(os.path.join(DATA, name + ".csv"), delimiter=",", skiprows=1)
    return a[:, :-1], a[:, -1]


def l1_case(x, y, lam):
    n, p = x.shape
    s = np.where(y == 1, 1.0, -1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            m = LogisticRegression(C=1.0 / (n * lam), l1_ratio=1.0, solver="saga", fit_intercept=True,
                                   tol=1e-15, max_iter=200000)
            m.fit(x, y)
        except (TypeError, ValueError):
            m = LogisticRegression(C=1.0 / (n * lam), penalty="l1", solver="saga", fit_intercept=True,
                                   tol=1e-15, max_iter=200000)
            m.fit(x, y)
    w0, b0 = m.coef_.ravel().copy(), float(m.intercept_[0])

    def obj(w, b):
        return np.mean(np.logaddexp(0.0, -s * (x @ w + b))) + lam * np.abs(w).sum()

    def grads(w, b):
        u = -s * scipy.special.expit(-s * (x @ w + b)) / n
        return x.T @ u, u.sum()

    def kkt(w, b):
        g, gb = grads(w, b)
        viol = np.where(w == 0, np.maximum(np.abs(g) - lam, 0.0), np.abs(g + lam * np.sign(w)))
        return max(float(viol.max()), abs(gb))

    f_sk, kkt_sk = obj(w0, b0), kkt(w0, b0)
    # Newton polish on the support S with fixed signs: minimise smooth + λ sign(w_S)ᵀ w_S over (w_S, b)
    supp = np.flatnonzero(np.abs(w0) > 1e-10)
    w, b = np.zeros(p), b0
    w[supp] = w0[supp]
    sg = np.sign(w0[supp])
    xs = np.hstack([x[:, supp], np.ones((n, 1))])
    for _ in range(50):
        z = s * (x @ w + b)
        u = -s * scipy.special.expit(-z) / n
        g = xs.T @ u + np.concatenate([lam * sg, [0.0]])
        sig = scipy.special.expit(z)
        h = (xs.T * (sig * (1 - sig) / n)) @ xs
        d = np.linalg.solve(h, -g)
        w_new = w.copy()
        w_new[supp] += d[:-1]
        if np.any(np.sign(w_new[supp]) != sg):
            break
        w, b = w_new, b + d[-1]
        if np.abs(d).max() < 1e-15 * (1 + np.abs(w).max()):
            break
    f, k = obj(w, b), kkt(w, b)
    if k > kkt_sk:  # the polish did not help: keep sklearn's point
        w, b, f, k = w0, b0, f_sk, kkt_sk
    return {"lambda": lam, "objective": f, "kkt_violation": k, "intercept": b,
            "support": [int(j) for j in np.flatnonzero(w)], "coefficients": w.tolist(),
            "objective_sklearn": f_sk, "kkt_violation_sklearn": kkt_sk,
            "support_sklearn": [int(j) for j in np.flatnonzero(w0)]}


def softmax_case(x, yl):
    n, p = x.shape
    K = int(yl.max()) + 1
    lam = 0.01
    Y = np.eye(K)[yl]
    m = LogisticRegression(C=1.0 / (n * lam), solver="lbfgs", fit_intercept=True, tol=1e-12, max_iter=100000).fit(x, yl)
    W0, b0 = m.coef_.copy(), m.intercept_.copy()  # W is K × p

    def obj(W, b):
        Z = x @ W.T + b
        return (scipy.special.logsumexp(Z, axis=1) - Z[np.arange(n), yl]).mean() + 0.5 * lam * (W * W).sum()

    def grad(W, b):
        P = scipy.special.softmax(x @ W.T + b, axis=1)
        return (P - Y).T @ x / n + lam * W, (P - Y).sum(axis=0) / n

    def kkt(W, b):
        gW, gb = grad(W, b)
        return max(float(np.abs(gW).max()), float(np.abs(gb).max()))

    f_sk, kkt_sk = obj(W0, b0), kkt(W0, b0)
    xa = np.hstack([x, np.ones((n, 1))])
    W, b = W0.copy(), b0.copy()
    for _ in range(8):
        P = scipy.special.softmax(x @ W.T + b, axis=1)
        gW, gb = grad(W, b)
        g = np.hstack([gW, gb[:, None]]).ravel()  # variable c·(p+1) + f
        H = np.zeros((K * (p + 1), K * (p + 1)))
        for a in range(K):
            for c in range(K):
                wgt = P[:, a] * ((a == c) - P[:, c])
                H[a * (p + 1):(a + 1) * (p + 1), c * (p + 1):(c + 1) * (p + 1)] = (xa.T * wgt) @ xa / n
        reg = np.tile(np.concatenate([np.full(p, lam), [0.0]]), K)
        H += np.diag(reg)
        d = -np.linalg.lstsq(H, g, rcond=1e-13)[0]
        D = d.reshape(K, p + 1)
        W_new, b_new = W + D[:, :p], b + D[:, p]
        if kkt(W_new, b_new) >= kkt(W, b):
            break
        W, b = W_new, b_new
    f, k = obj(W, b), kkt(W, b)
    bc = b - b.mean()
    return {"dataset": "digits", "scaling": "pixels/16", "lambda": lam, "classes": K, "objective": f,
            "kkt_violation": k, "intercept_centred": bc.tolist(), "objective_sklearn": f_sk,
            "kkt_violation_sklearn": kkt_sk, "intercept_centred_sklearn": (b0 - b0.mean()).tolist()}


xb, yb = load("breast_cancer_std")
xd, yd = load("digits")
out = {
    "logistic_l1": {"dataset": "breast_cancer_std", "cases": [l1_case(xb, yb, lam) for lam in (0.05, 0.01)]},
    "softmax": softmax_case(xd / 16.0, yd.astype(int)),
    "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "scikit-learn": sklearn.__version__},
}
print(json.dumps(out, indent=1))
