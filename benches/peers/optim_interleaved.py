"""ferrokern's diffGrad step and PyTorch's optimizers timed in one process, interleaved round by round.

Why: on a shared host the memory bandwidth a single core gets changes within seconds, so ratios
of figures taken minutes apart (criterion, then a separate torch script) move by ±30 %. Here
each round times the three steps back to back on the same core, in a rotating order, and the
ratio is taken per round; the report gives the median, the range and how many rounds meet
issue #3's goals (diffGrad ≥ 4× faster than the PyTorch port; within 1.3× of
`torch.optim.Adam(fused=True)`).

  * ferrokern: `fk_diffgrad_step_f32` of the C ABI (the whole `Optimizer::step`: validation,
    the read-only gradient scan, the fused pass), called through ctypes on torch-owned buffers;
  * diffgrad_port: diffGrad as in spec diffgrad.md §2 with in-place torch ops
    (`optim_torch_bench.diffgrad_step`);
  * adam_fused: `torch.optim.Adam(fused=True)`.
Single thread everywhere (`torch.set_num_threads(1)`; ferrokern is single-threaded).

Run from the repository root (outside it: the venv):
  cargo rustc -p ferrokern-capi --release --crate-type cdylib
  /work/venv-torch/bin/python benches/peers/optim_interleaved.py [target/release/libferrokern_capi.so]
"""

import ctypes
import json
import math
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from optim_torch_bench import diffgrad_step  # noqa: E402


class DiffGradConfig(ctypes.Structure):
    _fields_ = [(name, ctypes.c_double) for name in ("lr", "beta1", "beta2", "eps", "weight_decay")] + [
        ("eps_mode", ctypes.c_uint32)
    ]


def load(path):
    lib = ctypes.CDLL(path)
    lib.fk_diffgrad_config_default.restype = DiffGradConfig
    f = lib.fk_diffgrad_step_f32
    f.restype = ctypes.c_int32
    f.argtypes = [DiffGradConfig, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p,
                  ctypes.c_size_t, ctypes.POINTER(ctypes.c_uint64)]
    return lib


def per_call(fn, inner):
    t0 = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - t0) / inner


def main():
    lib = load(sys.argv[1] if len(sys.argv) > 1 else "target/release/libferrokern_capi.so")
    torch.set_num_threads(1)
    torch.manual_seed(0)
    rounds = 15
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "rounds": rounds, "results": []}
    for n in (10**6, 10**7):
        inner = 20 if n == 10**6 else 4
        # ferrokern: params, grads, state [m | v | prev] in torch-owned memory.
        fp, fg = torch.randn(n), torch.randn(n) * 1e-2
        fstate = torch.zeros(3 * n)
        step = ctypes.c_uint64(0)
        cfg = lib.fk_diffgrad_config_default()

        def ours():
            s = lib.fk_diffgrad_step_f32(cfg, fp.data_ptr(), fg.data_ptr(), n, fstate.data_ptr(), 3 * n,
                                         ctypes.byref(step))
            if s != 0:
                raise RuntimeError(f"fk_diffgrad_step_f32 returned {s}")

        # PyTorch port: own buffers.
        p, g = torch.randn(n), torch.randn(n) * 1e-2
        m, v, prev, scratch = (torch.zeros(n) for _ in range(4))
        t = {"t": 0}

        def port():
            t["t"] += 1
            diffgrad_step(p, g, m, v, prev, t["t"], scratch=scratch)

        q = torch.nn.Parameter(torch.randn(n))
        q.grad = torch.randn(n) * 1e-2
        adam = torch.optim.Adam([q], lr=1e-3, fused=True)

        def fused():
            with torch.no_grad():
                adam.step()

        steps = {"ferrokern": ours, "diffgrad_port": port, "adam_fused": fused}
        for fn in steps.values():  # warm-up: first touch of every buffer, lazy state
            fn()
        times = {k: [] for k in steps}
        names = list(steps)
        for r in range(rounds):
            for k in names[r % 3:] + names[:r % 3]:
                times[k].append(per_call(steps[k], inner) / n * 1e9)
        port_x = [a / b for a, b in zip(times["diffgrad_port"], times["ferrokern"])]
        fused_x = [a / b for a, b in zip(times["ferrokern"], times["adam_fused"])]
        res = {"n": n, "inner": inner}
        for k, ts in times.items():
            res[k + "_ns_per_param_median"] = statistics.median(ts)
            res[k + "_ns_per_param_best"] = min(ts)
        res["port_over_ferrokern"] = {"median": statistics.median(port_x), "min": min(port_x), "max": max(port_x),
                                      "rounds_ge_4": sum(x >= 4 for x in port_x)}
        res["ferrokern_over_adam_fused"] = {"median": statistics.median(fused_x), "min": min(fused_x),
                                            "max": max(fused_x), "rounds_le_1_3": sum(x <= 1.3 for x in fused_x)}
        res["ratio_of_bests"] = {"port_over_ferrokern": res["diffgrad_port_ns_per_param_best"]
                                 / res["ferrokern_ns_per_param_best"],
                                 "ferrokern_over_adam_fused": res["ferrokern_ns_per_param_best"]
                                 / res["adam_fused_ns_per_param_best"]}
        assert math.isfinite(fp.sum().item()), "ferrokern params went non-finite"
        out["results"].append(res)
        del fp, fg, fstate, p, g, m, v, prev, scratch, q, adam
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
