"""Reference numbers for ferrokern::bcd host tests (host-tests/tests/bcd_real.rs).

Run from the repository root:
    /work/venv-bcd/bin/python benches/peers/bcd/make_reference.py
Writes host-tests/data/reference/bcd/{reference.json, digits_knn10_edges.csv}.

All problems without intercept; objectives exactly as in ferrokern::bcd:
  lasso     (1/(2n))||y - Xw||^2 + lam ||w||_1                       (sklearn Lasso, alpha = lam)
  logistic  (1/n) sum log(1 + exp(-s_i x_i.w)) + (lam/2)||w||^2, s = 2y - 1, lam = 1/n
            (= sklearn LogisticRegression(C=1) objective / n)
  softmax   (1/n) sum -log softmax(W x_i)_{y_i} + (lam/2)||W||^2, X = pixels/16, lam = 1/n
  labelprop 1/2 x_u' A x_u - b' x_u (spec bcd.md section 4), f* = -1/2 b' A^-1 b
"""
import json
import os
import sys

import numpy as np
import scipy
import scipy.optimize
import scipy.sparse
import scipy.sparse.linalg
import sklearn
from sklearn.linear_model import Lasso, LogisticRegression
from sklearn.neighbors import kneighbors_graph

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..")
DATA = os.path.join(ROOT, "host-tests", "data")
OUT = os.path.join(DATA, "reference", "bcd")


def load(name):
    a = np.loadtxt(os.path.join(DATA, name + ".csv"), delimiter=",", skiprows=1)
    return a[:, :-1], a[:, -1]


def lasso_obj(X, y, w, lam):
    r = y - X @ w
    return 0.5 * r @ r / len(y) + lam * np.abs(w).sum()


def lasso_refs():
    out = []
    for name in ["diabetes_std", "breast_cancer_std"]:
        X, y = load(name)
        n = len(y)
        lam_max = np.max(np.abs(X.T @ y)) / n
        for frac in [0.5, 0.1, 0.01]:
            lam = frac * lam_max
            m = Lasso(alpha=lam, fit_intercept=False, tol=1e-12, max_iter=10_000_000, selection="cyclic")
            m.fit(X, y)
            w = m.coef_
            r = y - X @ w
            # KKT check of the reference itself
            g = X.T @ r / n
            kkt = np.max(np.where(w != 0, np.abs(g - lam * np.sign(w)), np.maximum(np.abs(g) - lam, 0)))
            out.append(
                {
                    "dataset": name,
                    "lambda_fraction": frac,
                    "lambda_max": lam_max,
                    "lambda": lam,
                    "objective": lasso_obj(X, y, w, lam),
                    "objective_at_zero": 0.5 * y @ y / n,
                    "support": [int(i) for i in np.flatnonzero(w)],
                    "w": w.tolist(),
                    "kkt_violation": float(kkt),
                    "n_iter": int(m.n_iter_),
                }
            )
    return out


def newton_polish(fun, grad, hess, w, steps=20):
    for _ in range(steps):
        g = grad(w)
        d = np.linalg.solve(hess(w), g)
        f0 = fun(w)
        t = 1.0
        while fun(w - t * d) > f0 and t > 1e-12:
            t *= 0.5
        w = w - t * d
    return w


def logistic_ref():
    X, y = load("breast_cancer_std")
    n, p = X.shape
    s = 2 * y - 1
    lam = 1.0 / n

    def fun(w):
        return np.logaddexp(0, -s * (X @ w)).mean() + 0.5 * lam * w @ w

    def grad(w):
        sig = scipy.special.expit(-s * (X @ w))
        return -(X.T @ (s * sig)) / n + lam * w

    def hess(w):
        z = scipy.special.expit(X @ w)
        return (X.T * (z * (1 - z))) @ X / n + lam * np.eye(p)

    res = scipy.optimize.minimize(fun, np.zeros(p), jac=grad, method="L-BFGS-B",
                                  options={"gtol": 1e-14, "ftol": 1e-16, "maxiter": 100000, "maxcor": 50})
    f_lbfgs = fun(res.x)
    w = newton_polish(fun, grad, hess, res.x)
    sk = LogisticRegression(C=1.0, fit_intercept=False, tol=1e-12, max_iter=100000, solver="lbfgs").fit(X, y)
    return {
        "dataset": "breast_cancer_std",
        "lambda": lam,
        "objective_lbfgs": f_lbfgs,
        "objective": fun(w),
        "objective_sklearn_C1": fun(sk.coef_.ravel()),
        "grad_inf_norm": float(np.max(np.abs(grad(w)))),
        "w": w.tolist(),
    }


def softmax_ref():
    X, y = load("digits")
    X = X / 16.0
    y = y.astype(int)
    n, p = X.shape
    K = 10
    lam = 1.0 / n
    Y = np.eye(K)[y]

    def unpack(v):
        return v.reshape(K, p)  # W is K x p, variable c*p + f

    def fun(v):
        Z = X @ unpack(v).T
        return (scipy.special.logsumexp(Z, axis=1) - Z[np.arange(n), y]).mean() + 0.5 * lam * v @ v

    def grad(v):
        Z = X @ unpack(v).T
        P = scipy.special.softmax(Z, axis=1)
        return ((P - Y).T @ X / n).ravel() + lam * v

    def hess(v):
        Z = X @ unpack(v).T
        P = scipy.special.softmax(Z, axis=1)
        H = np.zeros((K * p, K * p))
        for a in range(K):
            for b in range(K):
                c = P[:, a] * ((a == b) - P[:, b])
                H[a * p:(a + 1) * p, b * p:(b + 1) * p] = (X.T * c) @ X / n
        return H + lam * np.eye(K * p)

    res = scipy.optimize.minimize(fun, np.zeros(K * p), jac=grad, method="L-BFGS-B",
                                  options={"gtol": 1e-13, "ftol": 1e-16, "maxiter": 100000, "maxcor": 50})
    f_lbfgs = fun(res.x)
    # the Hessian is singular along W -> W + 1 c' for constant columns? no: lam > 0 keeps it PD
    v = newton_polish(fun, grad, hess, res.x, steps=10)
    return {
        "dataset": "digits",
        "scaling": "pixels/16",
        "lambda": lam,
        "classes": K,
        "objective_lbfgs": f_lbfgs,
        "objective": fun(v),
        "grad_inf_norm": float(np.max(np.abs(grad(v)))),
    }


def labelprop_ref():
    X, y = load("digits")
    X = X / 16.0
    y = y.astype(int)
    N = len(y)
    G = kneighbors_graph(X, n_neighbors=10, mode="connectivity", include_self=False, metric="euclidean")
    W = G.maximum(G.T).tocsr()  # symmetrise by max, weights 0/1
    W.setdiag(0)
    W.eliminate_zeros()
    labelled = np.zeros(N, bool)
    for c in range(10):
        labelled[np.flatnonzero(y == c)[:10]] = True
    u = np.flatnonzero(~labelled)
    lab = np.flatnonzero(labelled)
    deg = np.asarray(W.sum(axis=1)).ravel()
    A = (scipy.sparse.diags(deg) - W)[u][:, u].tocsc()
    ncomp, comp = scipy.sparse.csgraph.connected_components(W, directed=False)
    fstars = []
    for c in range(10):
        yl = (y == c).astype(float)
        b = W[u][:, lab] @ yl[lab]
        x = scipy.sparse.linalg.spsolve(A, b)
        fstars.append(float(-0.5 * b @ x))
    rows, cols = scipy.sparse.triu(W, k=1).nonzero()
    with open(os.path.join(OUT, "digits_knn10_edges.csv"), "w") as fh:
        fh.write("i,j\n")
        for i, j in zip(rows, cols):
            fh.write(f"{i},{j}\n")
    return {
        "dataset": "digits",
        "graph": "10-NN (sklearn kneighbors_graph, euclidean on pixels/16, include_self=False), "
                 "symmetrised by max (edge if either is a 10-NN of the other), weight 1",
        "edges_file": "digits_knn10_edges.csv (i<j, 0-based)",
        "edges": int(len(rows)),
        "components": int(ncomp),
        "labelled": "first 10 rows of each class (row order)",
        "targets": "one-hot: y_i = 1 if label == c else 0, one problem per class c",
        "objective_per_class": fstars,
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    ref = {
        "versions": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__,
        },
        "lasso": lasso_refs(),
        "logistic_l2": logistic_ref(),
        "softmax": softmax_ref(),
        "label_propagation": labelprop_ref(),
    }
    with open(os.path.join(OUT, "reference.json"), "w") as fh:
        json.dump(ref, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
