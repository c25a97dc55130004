#!/usr/bin/env python3
"""Training-time peers for benches/README-gbnn.md: one run each of the official `gbnn` package
(T = 200, J = 1, eta = 0.1, subsample 0.5) and scikit-learn's MLP (200 logistic units, L-BFGS and
Adam, max_iter 200) on the spec split of breast_cancer and diabetes, single-threaded BLAS.
Reuses load/run_gbnn/run_mlp of make_reference.py (same settings as the committed references).

OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /work/venv-gbnn/bin/python benches/peers/gbnn/bench.py .
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_reference import DATASETS, load, run_gbnn, run_mlp  # noqa: E402


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out = {}
    for name in ("breast_cancer", "diabetes"):
        task = DATASETS[name]
        xtr, ytr, xte, yte = load(root, name)
        g = run_gbnn(task, xtr, ytr, xte, yte, 1, 0.1)
        row = {"gbnn": {"metric": g["metric"], "train_seconds": g["train_seconds"]}}
        for solver in ("lbfgs", "adam"):
            m = run_mlp(task, xtr, ytr, xte, yte, solver)
            row[f"mlp_{solver}"] = {"metric": m["metric"], "train_seconds": m["train_seconds"]}
        out[name] = row
        print(name, json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
