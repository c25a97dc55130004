#!/usr/bin/env python3
"""Reference numbers for `ferrokern::boost` (spec gbnn.md §6, check 6).

Runs the official `gbnn` package (GNEGNEClassifier / GNEGNERegressor) and scikit-learn's
MLPClassifier / MLPRegressor with the same hidden size (200 logistic units; Adam and L-BFGS)
on the spec split of breast_cancer, digits and diabetes, and writes one JSON file per data set.

Data: host-tests/data/<name>.csv (last column = target) and the 0-based test rows in
host-tests/data/splits/<name>_test.txt; the training rows are all the others. Features are
standardised with training-row statistics (StandardScaler fitted on the training rows).

Usage (see README.md beside this file for the versions):
    python make_reference.py <repo root> <output dir> [all]
"""
import json
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from gbnn import GNEGNEClassifier, GNEGNERegressor

DATASETS = {"breast_cancer": "binary", "digits": "multiclass", "diabetes": "regression"}
# (J, eta): the setting of check 6 first; `all` adds the rest of the spec's §6 table.
CONFIGS = [(1, 0.1)]
ALL_CONFIGS = [(1, 0.1), (1, 1.0), (2, 0.5)]
TOTAL_NN = 200
SUBSAMPLE = 0.5
SEED = 0


def finite_or_null(value):
    """JSON has no NaN/inf: a diverged run's non-finite numbers are written as null."""
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite_or_null(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite_or_null(v) for v in value]
    return value


def load(root, name):
    raw = np.loadtxt(root / "host-tests/data" / f"{name}.csv", delimiter=",", skiprows=1)
    x, y = raw[:, :-1], raw[:, -1]
    test = np.loadtxt(root / "host-tests/data/splits" / f"{name}_test.txt", dtype=int)
    train = np.setdiff1d(np.arange(len(y)), test)
    scaler = StandardScaler().fit(x[train])
    xs = scaler.transform(x)
    if DATASETS[name] != "regression":
        y = y.astype(int)
    return xs[train], y[train], xs[test], y[test]


def metric(task, y_true, y_pred):
    if task == "regression":
        return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))
    return float(np.mean(y_true == y_pred))


def run_gbnn(task, xtr, ytr, xte, yte, units, eta):
    cls = GNEGNERegressor if task == "regression" else GNEGNEClassifier
    model = cls(total_nn=TOTAL_NN, num_nn_step=units, eta=eta, subsample=SUBSAMPLE,
                random_state=SEED)
    # The package draws its subsamples from numpy's global generator: seed it too.
    np.random.seed(SEED)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(xtr, ytr)
    seconds = time.perf_counter() - t0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        staged = model.staged_score(xte, yte)
        final = metric(task, yte, model.predict(xte))
        nn = model.to_NN()
        merged = nn.predict(xte)
    if task == "regression":
        staged = [float(np.sqrt(v)) for v in staged]  # staged_score returns the MSE
    steps = len(staged)
    quarter = [staged[max(steps * q // 4 - 1, 0)] for q in (1, 2, 3, 4)]
    return {
        "units": units, "eta": eta, "steps": steps, "metric": final,
        "staged_quarters": quarter, "staged": [float(v) for v in staged],
        "merged_metric": metric(task, yte, merged),
        "train_loss_first_last": [float(model.losses[0]), float(model.losses[-1])],
        "train_loss_nonincreasing_fraction": float(np.mean(np.diff(model.losses) <= 0)),
        "any_nan_loss": bool(np.any(~np.isfinite(model.losses))),
        "train_seconds": seconds,
    }


def run_mlp(task, xtr, ytr, xte, yte, solver):
    cls = MLPRegressor if task == "regression" else MLPClassifier
    model = cls(hidden_layer_sizes=(TOTAL_NN,), activation="logistic", solver=solver,
                max_iter=200, random_state=SEED)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(xtr, ytr)
    seconds = time.perf_counter() - t0
    return {"solver": solver, "hidden": TOTAL_NN, "metric": metric(task, yte, model.predict(xte)),
            "iterations": int(model.n_iter_), "train_seconds": seconds}


def main():
    root = Path(sys.argv[1])
    out = Path(sys.argv[2])
    configs = ALL_CONFIGS if sys.argv[3:] == ["all"] else CONFIGS
    out.mkdir(parents=True, exist_ok=True)
    versions = {"python": platform.python_version(), "numpy": np.__version__,
                "scipy": scipy.__version__, "scikit-learn": sklearn.__version__, "gbnn": "0.0.2"}
    for name in ["breast_cancer", "diabetes", "digits"]:
        task = DATASETS[name]
        xtr, ytr, xte, yte = load(root, name)
        result = {
            "dataset": name, "task": task,
            "metric": "rmse" if task == "regression" else "accuracy",
            "train_rows": int(len(ytr)), "test_rows": int(len(yte)), "features": int(xtr.shape[1]),
            "settings": {"total_nn": TOTAL_NN, "subsample": SUBSAMPLE, "random_state": SEED,
                         "inner": "MLPRegressor lbfgs max_iter=200 tol=0 alpha=1e-4 logistic"},
            "versions": versions,
            "gbnn": [run_gbnn(task, xtr, ytr, xte, yte, j, eta) for j, eta in configs],
            "mlp": [run_mlp(task, xtr, ytr, xte, yte, s) for s in ("adam", "lbfgs")],
        }
        if task == "regression":
            result["constant_rmse"] = metric(task, yte, np.full(len(yte), ytr.mean()))
        (out / f"{name}.json").write_text(json.dumps(finite_or_null(result), indent=1, allow_nan=False) + "\n")
        summary = [(g["units"], g["eta"], round(g["metric"], 4), [round(v, 4) for v in g["staged_quarters"]],
                    round(g["train_seconds"], 1)) for g in result["gbnn"]]
        print(name, summary, [(m["solver"], round(m["metric"], 4)) for m in result["mlp"]], flush=True)


if __name__ == "__main__":
    main()
