"""PyTorch CPU (single thread) optimizer-step throughput, the peer figures of benches/benches/optim.rs.

Measures, for n = 1e6 and 1e7 float32 parameters:
  * diffgrad_port: diffGrad as written in spec diffgrad.md §2 (the diffGrad_v2.py form) with
    in-place torch ops, the way a PyTorch DiffGrad optimizer runs it;
  * adam_fused: torch.optim.Adam(fused=True);
  * adam_foreach: torch.optim.Adam(foreach=True) (the default multi-tensor path), for context.
Prints one JSON object: ns per parameter per step (median and best of 7 timed repetitions).

Run outside the repository:
  python3 -m venv /work/venv-torch && /work/venv-torch/bin/pip install torch numpy
  /work/venv-torch/bin/python benches/peers/optim_torch_bench.py
"""

import json
import math
import statistics
import time

import torch


def diffgrad_step(p, g, m, v, prev, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, scratch=None):
    """One diffGrad_v2 step (spec §2), in place, using one scratch tensor."""
    m.mul_(beta1).add_(g, alpha=1 - beta1)
    v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
    denom = v.sqrt().add_(eps)
    # friction xi = sigmoid(|prev - g|); prev = copy(g)
    torch.sub(prev, g, out=scratch)
    scratch.abs_().sigmoid_()
    prev.copy_(g)
    step_size = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
    scratch.mul_(m)
    p.addcdiv_(scratch, denom, value=-step_size)


def timed(fn, reps, inner):
    """(median, best) seconds per call over `reps` timed groups of `inner` calls. The median is
    what criterion reports for ferrokern (its middle estimate), so it is the figure to compare."""
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    return statistics.median(times), min(times)


def main():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "results": []}
    for n in (10**6, 10**7):
        inner = 20 if n == 10**6 else 5
        p = torch.randn(n)
        g = torch.randn(n) * 1e-2
        m, v, prev, scratch = (torch.zeros(n) for _ in range(4))
        state = {"t": 0}

        def dg():
            state["t"] += 1
            diffgrad_step(p, g, m, v, prev, state["t"], scratch=scratch)

        dg()
        med, best = timed(dg, 7, inner)

        res = {"n": n, "diffgrad_port_ns_per_param": med / n * 1e9, "diffgrad_port_best": best / n * 1e9}
        for name, kwargs in (("adam_fused", {"fused": True}), ("adam_foreach", {"foreach": True})):
            q = torch.nn.Parameter(torch.randn(n))
            q.grad = torch.randn(n) * 1e-2
            opt = torch.optim.Adam([q], lr=1e-3, **kwargs)
            opt.step()
            with torch.no_grad():
                med, best = timed(opt.step, 7, inner)
            res[name + "_ns_per_param"] = med / n * 1e9
            res[name + "_best"] = best / n * 1e9
        out["results"].append(res)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
