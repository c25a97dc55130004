"""POT per-iteration timings for benches/README-ot.md (side by side with `cargo bench --bench ot`).

n = m = 1000 uniform random 2-D points (numpy default_rng(7)), cost = squared Euclidean / max,
uniform marginals; float64 and float32 (inputs cast with .astype), one thread (set
OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=MKL_NUM_THREADS=1 before starting Python, as the command
below does). Per-iteration time of a method = (t(k2) − t(k1)) / (k2 − k1) with stopThr = 0 so
exactly numItermax iterations run (median of `REPEAT` runs each); this cancels the set-up
(kernel build) the same way the Rust bench does.

Run from the repository root:
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
        /work/venv-sinkhorn/bin/python benches/peers/sinkhorn/pot_bench.py [--log-only]
(`--log-only`: only `sinkhorn_log`, as `same_run.sh` uses it.)
"""
import sys
import time
import warnings

import numpy as np
import ot

N = 1000
REPEAT = 5


def median_time(fn):
    ts = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def per_iteration(a, b, C, eps, method, k1, k2):
    def run(k):
        return lambda: ot.sinkhorn(a, b, C, eps, method=method, numItermax=k, stopThr=0.0)

    return (median_time(run(k2)) - median_time(run(k1))) / (k2 - k1)


def main():
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(7)
    x = rng.random((N, 2))
    y = rng.random((N, 2))
    C = ot.dist(x, y)
    C /= C.max()
    a = np.full(N, 1.0 / N)
    print(f"POT {ot.__version__}, numpy {np.__version__}, n = m = {N}")
    for dtype in (np.float64, np.float32):
        aa, cc = a.astype(dtype), C.astype(dtype)
        for eps in (0.05, 0.01):
            if "--log-only" in sys.argv:
                plain = float("nan")
            elif dtype == np.float32 and eps == 0.01:
                plain = float("nan")  # exp(-100) flushes to zero in float32: plain scaling breaks
            else:
                plain = per_iteration(aa, aa, cc, eps, "sinkhorn", 10, 110)
            log = per_iteration(aa, aa, cc, eps, "sinkhorn_log", 2, 12)
            print(f"{np.dtype(dtype).name} eps {eps}: sinkhorn {plain * 1e6:.0f} us/iter, "
                  f"sinkhorn_log {log * 1e3:.2f} ms/iter", flush=True)


if __name__ == "__main__":
    main()
