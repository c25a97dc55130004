#!/usr/bin/env python3
"""Regenerates host-tests/data/reference/adam/ with torch.optim.Adam / AdamW (float64).

Reads the settings from cases.json (betas, eps, lr, weight_decay, adamw, steps, x0) and the
quadratic's A and b from quadratic10_A.csv / quadratic10_b.csv, then writes NAME.csv with one
row per iterate (row 0 = x0, row k = after k steps) and updates each case's "final".

Usage (in a virtualenv outside the repo, e.g. python3 -m venv /work/venv-adam; pip install torch numpy):
    python3 benches/peers/adam_reference.py [host-tests/data/reference/adam]
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch

torch.set_default_dtype(torch.float64)


def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def main(folder: Path) -> None:
    meta = json.loads((folder / "cases.json").read_text())
    a = torch.tensor(np.loadtxt(folder / "quadratic10_A.csv", delimiter=","))
    b = torch.tensor(np.loadtxt(folder / "quadratic10_b.csv", delimiter=",")).reshape(-1)

    def quadratic(x):
        return 0.5 * x @ a @ x - b @ x

    for name, case in meta["cases"].items():
        f = rosenbrock if name.startswith("rosenbrock") else quadratic
        x = torch.tensor(case["x0"], requires_grad=True)
        cls = torch.optim.AdamW if case["adamw"] else torch.optim.Adam
        # AdamW's default weight_decay is 0.01, so pass it explicitly (0 when absent).
        opt = cls([x], lr=case["lr"], betas=tuple(case["betas"]), eps=case["eps"],
                  weight_decay=case.get("weight_decay", 0.0))
        rows = [x.detach().clone().numpy()]
        for _ in range(case["steps"]):
            opt.zero_grad()
            f(x).backward()
            opt.step()
            rows.append(x.detach().clone().numpy())
        np.savetxt(folder / f"{name}.csv", np.array(rows), delimiter=",", fmt="%.17g")
        case["final"] = rows[-1].tolist()
    meta["torch"] = torch.__version__
    meta["dtype"] = "float64"
    (folder / "cases.json").write_text(json.dumps(meta, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "host-tests/data/reference/adam"))
